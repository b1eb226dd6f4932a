/*
 * probe_replay: a transport without network for `corshdr probe --replay FILE` (a hidden option for tests).
 * FILE is a JSON object of canned answers:
 *
 *   {"default":   ANSWER,            any request without a more specific answer
 *    "actual":    ANSWER,            actual requests (GET or HEAD)
 *    "preflight": ANSWER,            preflight requests (OPTIONS)
 *    "probes":    {"NAME": ANSWER}}  one request of the battery by its name ("origin-prefix", ...)
 *
 *   ANSWER = {"head": "HTTP/1.1 200 OK\r\n...\r\n\r\n", "elapsed_ms": 1.5}
 *          | {"error": "message"}            the transport failed
 *          | {"error": "message", "malformed": true}  ... because the answer was malformed
 *          | {"timeout": true}
 *          | {"unreachable": true}              no connection could be made
 *
 * Strings stand for bytes by the isomorphic encoding (jsonb.h). In a head, {origin}, {acrm} and {acrh}
 * become the request's Origin, Access-Control-Request-Method and -Headers bytes, so one answer can play a
 * reflecting server. The head then goes through exactly what a network answer goes through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonb.h"
#include "probe.h"

struct replay {
    json_t *root;
    probe_done_queue ready; /* answered at start, handed back by the next poll */
};

static void replay_close(void *ctx)
{
    struct replay *r = ctx;
    json_decref(r->root);
    free(r->ready.v);
    free(r);
}

static const json_t *answer_for(const json_t *root, const probe_request *rq)
{
    const json_t *a = json_object_get(json_object_get(root, "probes"), rq->name);
    if (!a)
        a = json_object_get(root, rq->preflight ? "preflight" : "actual");
    if (!a)
        a = json_object_get(root, "default");
    return json_is_object(a) ? a : NULL;
}

/* Appends (p, n) to buf; 0 or -1 when out of memory. */
static int append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n > *cap) {
        size_t c = *cap ? *cap : 256;
        while (c < *len + n)
            c *= 2;
        char *b = realloc(*buf, c);
        if (!b)
            return -1;
        *buf = b;
        *cap = c;
    }
    if (n)
        memcpy(*buf + *len, p, n);
    *len += n;
    return 0;
}

/* The template's bytes with the placeholders replaced, into r->head. */
static int expand(const char *tpl, size_t n, const probe_request *rq, probe_response *r)
{
    static const char *const vars[] = {"{origin}", "{acrm}", "{acrh}"};
    const corshdr_span values[] = {rq->origin, rq->acrm, rq->acrh};
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (size_t i = 0; i < n;) {
        size_t k = 0, vlen = 0;
        for (; k < sizeof vars / sizeof vars[0]; k++) {
            vlen = strlen(vars[k]);
            if (n - i >= vlen && memcmp(tpl + i, vars[k], vlen) == 0)
                break;
        }
        int rc;
        if (k < sizeof vars / sizeof vars[0]) {
            rc = append(&buf, &len, &cap, values[k].ptr, values[k].len);
            i += vlen;
        } else {
            rc = append(&buf, &len, &cap, tpl + i, 1);
            i++;
        }
        if (rc != 0) {
            free(buf);
            return -1;
        }
    }
    r->head = buf ? buf : malloc(1);
    r->head_len = len;
    return r->head ? 0 : -1;
}

static int answer(const struct replay *rp, const probe_request *rq, probe_response *r)
{
    const json_t *a = answer_for(rp->root, rq);
    const json_t *elapsed = a ? json_object_get(a, "elapsed_ms") : NULL;
    r->elapsed_ms = json_is_number(elapsed) ? json_number_value(elapsed) : 1.0;
    if (!a) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "replay: no answer for '%s'", rq->name);
        return 0;
    }
    if (json_is_true(json_object_get(a, "timeout"))) {
        r->failed = r->timed_out = 1;
        snprintf(r->error, sizeof r->error, "Timeout was reached (replayed)");
        return 0;
    }
    if (json_is_true(json_object_get(a, "unreachable"))) {
        r->failed = r->unreachable = 1;
        snprintf(r->error, sizeof r->error, "Could not connect to server (replayed)");
        return 0;
    }
    const json_t *error = json_object_get(a, "error");
    if (json_is_string(error)) {
        r->failed = 1;
        r->bad_reply = json_is_true(json_object_get(a, "malformed"));
        snprintf(r->error, sizeof r->error, "%s", json_string_value(error));
        return 0;
    }
    const json_t *head = json_object_get(a, "head");
    if (!json_is_string(head)) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "replay: the answer for '%s' has no \"head\" string", rq->name);
        return 0;
    }
    size_t n;
    char *bytes = malloc(json_string_length(head) + 1);
    if (!bytes)
        return -1;
    if (jsonb_to_bytes(head, bytes, &n) != 0) {
        free(bytes);
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "replay: the head for '%s' has a code point above U+00FF", rq->name);
        return 0;
    }
    int rc = expand(bytes, n, rq, r);
    free(bytes);
    return rc;
}

static int replay_start(void *ctx, probe_exchange *x)
{
    struct replay *rp = ctx;
    if (answer(rp, x->request, x->response) != 0)
        return -1;
    x->response->done = 1;
    return probe_done_push(&rp->ready, x);
}

static int replay_poll(void *ctx, long wait_ms, probe_exchange **done, size_t cap, size_t *count)
{
    struct replay *rp = ctx;
    (void)wait_ms;
    *count = probe_done_take(&rp->ready, done, cap);
    return 0;
}

/* Exchanges are answered when they start, so there is never one to stop; a queued one is dropped. */
static void replay_cancel(void *ctx, probe_exchange *x)
{
    struct replay *rp = ctx;
    probe_done_drop(&rp->ready, x);
}

int probe_replay_open(probe_transport *tr, const char *path, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (!root) {
        snprintf(err, errlen, "--replay '%s': %s (line %d)", path, jerr.text, jerr.line);
        return -1;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, errlen, "--replay '%s': expected a JSON object", path);
        return -1;
    }
    struct replay *rp = calloc(1, sizeof *rp);
    if (!rp) {
        json_decref(root);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rp->root = root;
    tr->ctx = rp;
    tr->start = replay_start;
    tr->poll = replay_poll;
    tr->cancel = replay_cancel;
    tr->close = replay_close;
    return 0;
}
