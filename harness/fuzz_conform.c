/*
 * Target conform (RAW: JSON Lines, as `corshdr conform` reads them on standard input): the tool's
 * conformance adapter, run through its command entry point cmd_conform with standard input and output
 * redirected to memory.
 * Checks: exit status 0 and exactly one reply line per input line (getline's lines); every reply is a
 * JSON object in ASCII without control bytes with "id" and exactly one of "result", "unsupported", "error"; the id is
 * the case's id when the line has one; and for each case this file can decode itself (its own isomorphic
 * decoding, not the tool's), the reply is an error exactly when the case is malformed, "unsupported"
 * exactly for an unknown op, and otherwise the result equals what the oracle computes from
 * conformance/SEMANTICS.md (network errors included); for the policy ops, whose answers target policy
 * restates, a result or an error.
 * The line bound: when a line is longer than the first, the input runs again with --max-line set to the
 * first line's length (its LF not counted); then every line within the bound gets the same reply as
 * before, byte for byte, every longer one the too-long error with id null, and a line longer than 64
 * times the bound ends the run there with exit status 1.
 */
#define _POSIX_C_SOURCE 200809L /* fmemopen, open_memstream */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "fuzz_input.h"

/* ---- this file's own reading of a case ---------------------------------------------------------------- */

typedef struct reader {
    fuzz_input *in;
    const json_t *input;
    int bad; /* the case is malformed */
} reader;

/* A JSON string as bytes, one code point U+0000-U+00FF per byte; anything else makes the case malformed. */
static corshdr_span bytes_of(reader *r, const json_t *s)
{
    if (!json_is_string(s)) {
        r->bad = 1;
        return fin_copy(r->in, NULL, 0);
    }
    const unsigned char *u = (const unsigned char *)json_string_value(s);
    size_t n = json_string_length(s), w = 0;
    char *tmp = fin_alloc(r->in, n);
    for (size_t i = 0; i < n;) {
        unsigned cp;
        if (u[i] < 0x80) {
            cp = u[i++];
        } else if ((u[i] & 0xE0) == 0xC0 && i + 1 < n) {
            cp = ((unsigned)(u[i] & 0x1F) << 6) | (u[i + 1] & 0x3Fu);
            i += 2;
        } else {
            cp = 0x100; /* three or four UTF-8 bytes: above U+00FF */
            i = n;
        }
        if (cp > 0xFF) {
            r->bad = 1;
            return fin_copy(r->in, NULL, 0);
        }
        tmp[w++] = (char)cp;
    }
    return fin_copy(r->in, tmp, w);
}

static corshdr_span get_bytes(reader *r, const char *key)
{
    return bytes_of(r, json_object_get(r->input, key));
}

static corshdr_credentials get_credentials(reader *r)
{
    const json_t *v = json_object_get(r->input, "credentials");
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    size_t n = json_is_string(v) ? json_string_length(v) : 0;
    if (n == 4 && memcmp(s, "omit", 4) == 0)
        return CORSHDR_CREDENTIALS_OMIT;
    if (n == 11 && memcmp(s, "same-origin", 11) == 0)
        return CORSHDR_CREDENTIALS_SAME_ORIGIN;
    if (n == 7 && memcmp(s, "include", 7) == 0)
        return CORSHDR_CREDENTIALS_INCLUDE;
    r->bad = 1;
    return CORSHDR_CREDENTIALS_OMIT;
}

static corshdr_field *get_headers(reader *r, size_t *n)
{
    const json_t *v = json_object_get(r->input, "headers");
    *n = 0;
    if (!json_is_array(v)) {
        r->bad = 1;
        return NULL;
    }
    size_t count = json_array_size(v);
    corshdr_field *f = fin_alloc(r->in, count * sizeof *f);
    for (size_t i = 0; i < count && !r->bad; i++) {
        const json_t *pair = json_array_get(v, i);
        if (!json_is_array(pair) || json_array_size(pair) != 2) {
            r->bad = 1;
            break;
        }
        f[i].name = bytes_of(r, json_array_get(pair, 0));
        f[i].value = bytes_of(r, json_array_get(pair, 1));
    }
    *n = count;
    return f;
}

/* ---- the oracle's answer as JSON ------------------------------------------------------------------------ */

/* Bytes as a JSON string, byte b as code point U+00b (built here, not with the tool's jsonb). */
static json_t *string_of(const char *p, size_t n)
{
    char *u = malloc(2 * n + 1);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            u[w++] = (char)c;
        } else {
            u[w++] = (char)(0xC0 | (c >> 6));
            u[w++] = (char)(0x80 | (c & 0x3F));
        }
    }
    json_t *s = json_stringn_nocheck(u, w);
    free(u);
    return s;
}

static json_t *array_of(const olist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, string_of(l->v[i].p, l->v[i].n));
    return a;
}

static json_t *network_error(void)
{
    return json_pack("{s:b}", "network_error", 1);
}

static int is_network_error(const corshdr_field *f, size_t n)
{
    size_t line;
    return oracle_fields_valid(f, n, &line) != CORSHDR_OK;
}

/* SEMANTICS.md "name-list", step 2. */
static int singleton_name(corshdr_span name)
{
    static const char *const names[] = {"access-control-allow-origin", "access-control-allow-credentials",
                                        "access-control-max-age", "access-control-request-method"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (oracle_name_eq(name.ptr, name.len, names[i], strlen(names[i])))
            return 1;
    return 0;
}

/* The expected result of a case, NULL when it is malformed (or, with *lenient set, when both are fine). */
static json_t *expected(fuzz_input *in, const char *op, const json_t *input, int *lenient)
{
    reader r = {in, input, 0};
    const oracle_limits lim = {CORSHDR_DEFAULT_MAX_ELEMENTS, CORSHDR_DEFAULT_MAX_EMPTY, CORSHDR_DEFAULT_MAX_BYTES};
    if (!strcmp(op, "policy-compile") || !strcmp(op, "policy-apply")) {
        /* The policy engine's answers are restated by target policy (fuzz_policy.c); here only the
         * protocol: a result or an error, with the case's id. */
        *lenient = 1;
        return NULL;
    }
    if (!strcmp(op, "token") || !strcmp(op, "field-value") || !strcmp(op, "origin")) {
        corshdr_span v = get_bytes(&r, "value");
        if (r.bad)
            return NULL;
        int valid = !strcmp(op, "token")         ? oracle_token(v.ptr, v.len)
                    : !strcmp(op, "field-value") ? oracle_header_value(v.ptr, v.len)
                                                 : oracle_origin(v.ptr, v.len);
        return json_pack("{s:b}", "valid", valid);
    }
    if (!strcmp(op, "request-safelisted") || !strcmp(op, "forbidden-request")) {
        corshdr_span name = get_bytes(&r, "name");
        corshdr_span value = get_bytes(&r, "value");
        if (r.bad)
            return NULL;
        if (!strcmp(op, "request-safelisted"))
            return json_pack("{s:b}", "safelisted", oracle_safelisted_request_header(name.ptr, name.len, value.ptr, value.len));
        return json_pack("{s:b}", "forbidden", oracle_forbidden_request_header(name.ptr, name.len, value.ptr, value.len));
    }
    if (!strcmp(op, "combine") || !strcmp(op, "split") || !strcmp(op, "name-list")) {
        corshdr_span name = get_bytes(&r, "name");
        size_t n;
        corshdr_field *f = r.bad ? NULL : get_headers(&r, &n);
        if (r.bad)
            return NULL;
        if (is_network_error(f, n))
            return network_error();
        if (!strcmp(op, "combine")) {
            ostr v;
            if (!oracle_get(f, n, name.ptr, name.len, &v))
                return json_pack("{s:n}", "value");
            json_t *res = json_pack("{s:o}", "value", string_of(v.p, v.n));
            ostr_free(&v);
            return res;
        }
        olist l = {0};
        json_t *res;
        if (!strcmp(op, "split")) {
            res = oracle_get_decode_split(f, n, name.ptr, name.len, &l) ? json_pack("{s:o}", "values", array_of(&l))
                                                                         : json_pack("{s:n}", "values");
        } else {
            unsigned reasons;
            int st = oracle_name_list(f, n, name.ptr, name.len, singleton_name(name), 0, &lim, &l, &reasons);
            res = st == CORSHDR_ABSENT ? json_pack("{s:n}", "values")
                  : st < 0             ? json_pack("{s:b}", "failure", 1)
                                       : json_pack("{s:o}", "values", array_of(&l));
        }
        olist_free(&l);
        return res;
    }
    if (!strcmp(op, "exposed") || !strcmp(op, "cors-check")) {
        corshdr_span origin = {NULL, 0};
        if (!strcmp(op, "cors-check"))
            origin = get_bytes(&r, "origin");
        corshdr_credentials cred = r.bad ? CORSHDR_CREDENTIALS_OMIT : get_credentials(&r);
        size_t n;
        corshdr_field *f = r.bad ? NULL : get_headers(&r, &n);
        if (r.bad)
            return NULL;
        if (is_network_error(f, n))
            return network_error();
        if (!strcmp(op, "cors-check"))
            return json_pack("{s:b}", "ok", oracle_cors_check(f, n, origin.ptr, origin.len, cred) == CORSHDR_OK);
        olist l = {0};
        (void)oracle_exposed(f, n, cred, &lim, &l);
        json_t *res = json_pack("{s:o}", "readable", array_of(&l));
        olist_free(&l);
        return res;
    }
    if (!strcmp(op, "max-age") || !strcmp(op, "unsafe-names")) {
        size_t n;
        corshdr_field *f = get_headers(&r, &n);
        if (r.bad)
            return NULL;
        if (is_network_error(f, n))
            return network_error();
        if (!strcmp(op, "max-age")) {
            uint32_t s;
            (void)oracle_max_age(f, n, &s);
            return json_pack("{s:I}", "seconds", (json_int_t)s);
        }
        olist l = {0};
        size_t added;
        (void)oracle_unsafe_names(f, n, &l, &added);
        ostr acrh = olist_join(&l, ",", 1);
        json_t *res = json_pack("{s:o, s:o}", "names", array_of(&l), "acrh",
                                l.n ? string_of(acrh.p, acrh.n) : json_null());
        ostr_free(&acrh);
        olist_free(&l);
        return res;
    }
    if (!strcmp(op, "preflight")) {
        oracle_request req;
        memset(&req, 0, sizeof req);
        req.origin = get_bytes(&r, "origin");
        if (!r.bad)
            req.credentials = get_credentials(&r);
        if (!r.bad)
            req.method = get_bytes(&r, "method");
        const json_t *names = json_object_get(input, "request_headers");
        if (!r.bad && !json_is_array(names))
            r.bad = 1;
        if (!r.bad) {
            req.nnames = json_array_size(names);
            corshdr_span *spans = fin_alloc(in, req.nnames * sizeof *spans);
            for (size_t i = 0; i < req.nnames && !r.bad; i++)
                spans[i] = bytes_of(&r, json_array_get(names, i));
            req.names = spans;
        }
        /* JSON has one number type: 204.0 is the integer 204 (the protocol's rule), 204.5 is not. The tool
         * reads integral reals up to 1e15 and the reference model any size, so beyond that either answer
         * (an error or a result) is accepted. */
        const json_t *status = json_object_get(input, "status");
        double d = json_is_real(status) ? json_real_value(status) : 0;
        int in_range = d > -1e15 && d < 1e15;
        int integral_real = json_is_real(status) && in_range && d == (double)(long long)d;
        if (!r.bad && json_is_real(status) && !in_range) {
            *lenient = 1;
            return NULL;
        }
        if (!r.bad && !json_is_integer(status) && !integral_real)
            r.bad = 1;
        size_t n;
        corshdr_field *f = r.bad ? NULL : get_headers(&r, &n);
        if (r.bad)
            return NULL;
        if (is_network_error(f, n))
            return network_error();
        json_int_t s = json_is_integer(status) ? json_integer_value(status) : (json_int_t)d;
        int st = s < -100000 ? -100000 : s > 100000 ? 100000 : (int)s;
        uint32_t age = 0;
        if (oracle_preflight(&req, st, f, n, &lim, &age) != 1)
            return json_pack("{s:b}", "ok", 0);
        return json_pack("{s:b, s:I}", "ok", 1, "max_age", (json_int_t)age);
    }
    fputs("corshdr-fuzz: expected() does not know this op\n", stderr);
    abort();
}

/* The ops of DESIGN.md §4. */
static int known_op(const json_t *op)
{
    static const char *const ops[] = {"token", "field-value", "combine", "split", "name-list", "exposed",
                                      "cors-check", "preflight", "max-age", "request-safelisted", "unsafe-names",
                                      "forbidden-request", "origin", "policy-compile", "policy-apply"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strlen(ops[i]) == json_string_length(op) && memcmp(ops[i], json_string_value(op), strlen(ops[i])) == 0)
            return 1;
    return 0;
}

/* ---- one input line against its reply line ----------------------------------------------------------------- */

static void check_reply(const char *line, size_t len, const char *reply, size_t rlen)
{
    for (size_t i = 0; i < rlen; i++)
        FUZZ_CHECK(reply[i] >= 0x20 && reply[i] <= 0x7f, "reply byte %zu of %s is not ASCII text", i,
                   fuzz_esc(reply, rlen));
    json_error_t jerr;
    json_t *rep = json_loadb(reply, rlen, JSON_ALLOW_NUL, &jerr);
    FUZZ_CHECK(json_is_object(rep), "reply %s is not a JSON object", fuzz_esc(reply, rlen));
    json_t *id = json_object_get(rep, "id");
    json_t *result = json_object_get(rep, "result");
    int unsupported = json_object_get(rep, "unsupported") != NULL, error = json_object_get(rep, "error") != NULL;
    FUZZ_CHECK(id && (result != NULL) + unsupported + error == 1, "reply %s lacks id or has not exactly one answer",
               fuzz_esc(reply, rlen));
    FUZZ_CHECK(!error || json_is_string(json_object_get(rep, "error")), "error is not a string");
    FUZZ_CHECK(!unsupported || json_is_true(json_object_get(rep, "unsupported")), "unsupported is not true");

    json_t *c = len ? json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr) : NULL;
    const json_t *cid = json_object_get(c, "id"), *op = json_object_get(c, "op"), *input = json_object_get(c, "input");
    if (!json_is_object(c) || !json_is_string(cid)) {
        FUZZ_CHECK(error && json_is_null(id), "line %s: reply %s, expected an error with a null id", fuzz_esc(line, len),
                   fuzz_esc(reply, rlen));
    } else {
        FUZZ_CHECK(json_equal(id, cid), "line %s: reply %s has another id", fuzz_esc(line, len), fuzz_esc(reply, rlen));
        if (!json_is_string(op)) {
            FUZZ_CHECK(error, "line %s: reply %s, expected an error (op)", fuzz_esc(line, len), fuzz_esc(reply, rlen));
        } else if (!known_op(op)) {
            FUZZ_CHECK(unsupported, "line %s: reply %s, expected unsupported", fuzz_esc(line, len),
                       fuzz_esc(reply, rlen));
        } else if (!json_is_object(input)) {
            FUZZ_CHECK(error, "line %s: reply %s, expected an error (input)", fuzz_esc(line, len),
                       fuzz_esc(reply, rlen));
        } else {
            fuzz_input in;
            memset(&in, 0, sizeof in);
            int lenient = 0;
            json_t *want = expected(&in, json_string_value(op), input, &lenient);
            FUZZ_CHECK(!unsupported, "line %s: reply %s, unsupported for an op it has", fuzz_esc(line, len),
                       fuzz_esc(reply, rlen));
            if (lenient) {
                /* either answer is right: see expected() */
            } else if (!want) {
                FUZZ_CHECK(error, "line %s: reply %s, expected an error (malformed case)", fuzz_esc(line, len),
                           fuzz_esc(reply, rlen));
            } else {
                char *w = json_dumps(want, JSON_ENSURE_ASCII | JSON_COMPACT | JSON_SORT_KEYS);
                FUZZ_CHECK(result && json_equal(result, want), "line %s: reply %s, oracle result %s",
                           fuzz_esc(line, len), fuzz_esc(reply, rlen), w ? w : "?");
                free(w);
            }
            json_decref(want);
            fin_free(&in);
        }
    }
    json_decref(c);
    json_decref(rep);
}

/* cmd_conform over (text, size) with standard input and output in memory; *out (malloc'd) gets the
 * output. `max_line` 0: the default bound. */
static int run_conform(const char *text, size_t size, size_t max_line, char **out, size_t *out_len)
{
    char *copy = malloc(size);
    memcpy(copy, text, size);
    FILE *fin = fmemopen(copy, size, "r");
    *out = NULL;
    *out_len = 0;
    FILE *fout = open_memstream(out, out_len);
    if (!fin || !fout) {
        fputs("corshdr-fuzz: cannot open memory streams\n", stderr);
        abort();
    }
    FILE *saved_in = stdin, *saved_out = stdout;
    stdin = fin;
    stdout = fout;
    char name[] = "conform", opt[40];
    snprintf(opt, sizeof opt, "--max-line=%zu", max_line);
    char *argv[] = {name, max_line ? opt : NULL, NULL};
    int rc = cmd_conform(max_line ? 2 : 1, argv);
    stdin = saved_in;
    stdout = saved_out;
    fclose(fin);
    fclose(fout);
    free(copy);
    return rc;
}

/* The length of the line starting at pos, without its LF (a CR before it included), and where the next
 * line starts. */
static size_t line_at(const char *text, size_t size, size_t pos, size_t *next)
{
    const char *lf = memchr(text + pos, '\n', size - pos);
    size_t end = lf ? (size_t)(lf - text) : size;
    *next = lf ? end + 1 : size;
    return end - pos;
}

/* The run with --max-line = the first line's length against the default run's replies (out). */
static void check_bound(const char *text, size_t size, const char *out, size_t out_len)
{
    size_t next, bound = line_at(text, size, 0, &next), longest = bound;
    for (size_t pos = next; pos < size; pos = next) {
        size_t n = line_at(text, size, pos, &next);
        longest = n > longest ? n : longest;
    }
    if (bound == 0 || longest <= bound)
        return; /* --max-line is at least 1; with every line within the bound, nothing would change */
    char *bout;
    size_t bout_len;
    int rc = run_conform(text, size, bound, &bout, &bout_len);
    size_t opos = 0, bpos = 0, lines = 0;
    int ended = 0;
    for (size_t pos = 0; pos < size && !ended; pos = next) {
        size_t n = line_at(text, size, pos, &next);
        lines++;
        const char *olf = memchr(out + opos, '\n', out_len - opos); /* the default run answered every line */
        const char *blf = bpos < bout_len ? memchr(bout + bpos, '\n', bout_len - bpos) : NULL;
        FUZZ_CHECK(blf != NULL, "--max-line=%zu: no reply for line %zu", bound, lines);
        size_t olen = (size_t)(olf - (out + opos)), blen = (size_t)(blf - (bout + bpos));
        if (n <= bound) {
            FUZZ_CHECK(blen == olen && memcmp(out + opos, bout + bpos, olen) == 0,
                       "--max-line=%zu: line %zu (%zu bytes) got %s, without the bound %s", bound, lines, n,
                       fuzz_esc(bout + bpos, blen), fuzz_esc(out + opos, olen));
        } else {
            char want[200];
            int w = snprintf(want, sizeof want,
                             "{\"id\":null,\"error\":\"line %zu is longer than %zu bytes (--max-line): skipped "
                             "unread, so its id is unknown\"}",
                             lines, bound);
            FUZZ_CHECK(blen == (size_t)w && memcmp(want, bout + bpos, blen) == 0,
                       "--max-line=%zu: line %zu (%zu bytes) got %s", bound, lines, n, fuzz_esc(bout + bpos, blen));
            ended = n > 64 * bound; /* inputs are small: no overflow */
        }
        opos = (size_t)(olf - out) + 1;
        bpos = (size_t)(blf - bout) + 1;
    }
    FUZZ_CHECK(bpos == bout_len, "--max-line=%zu: %zu bytes of output after the %zu replies", bound,
               bout_len - bpos, lines);
    FUZZ_CHECK(rc == (ended ? CLI_EXIT_INPUT : CLI_EXIT_OK), "--max-line=%zu: cmd_conform returned %d", bound, rc);
    free(bout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen needs at least one byte; an empty input has no line to answer */
    fuzz_input in;
    memset(&in, 0, sizeof in);
    corshdr_span text = fin_copy(&in, data, size);
    char *out = NULL;
    size_t out_len = 0;
    int rc = run_conform(text.ptr, size, 0, &out, &out_len);
    FUZZ_CHECK(rc == CLI_EXIT_OK, "cmd_conform returned %d", rc);

    /* getline's lines: each ends at LF or at the end of the input. */
    size_t ipos = 0, opos = 0, lines = 0;
    while (ipos < size) {
        const char *lf = memchr(text.ptr + ipos, '\n', size - ipos);
        size_t end = lf ? (size_t)(lf - text.ptr) : size;
        size_t len = end - ipos;
        if (len && text.ptr[ipos + len - 1] == '\r')
            len--;
        const char *olf = opos < out_len ? memchr(out + opos, '\n', out_len - opos) : NULL;
        FUZZ_CHECK(olf != NULL, "no reply line for input line %zu", lines + 1);
        size_t oend = (size_t)(olf - out);
        check_reply(text.ptr + ipos, len, out + opos, oend - opos);
        opos = oend + 1;
        ipos = lf ? end + 1 : size;
        lines++;
    }
    FUZZ_CHECK(opos == out_len, "%zu bytes of output after the %zu replies", out_len - opos, lines);
    check_bound(text.ptr, size, out, out_len);
    free(out);
    fin_free(&in);
    return 0;
}
