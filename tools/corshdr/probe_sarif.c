/*
 * probe_sarif: the findings of every target of a run as one SARIF 2.1.0 log (OASIS Static Analysis Results
 * Interchange Format), for code-scanning pipelines. One run of one tool ("corshdr probe") whose rules are
 * all the finding IDs; one result per finding per target, located at the target's URL; targets that could
 * not be probed, and inconclusive ones, as tool execution notifications. Levels: critical and high are
 * "error", medium and low "warning", info "note"; each rule also carries a numeric "security-severity" for
 * scanners that rank by it.
 *
 * The log is built as targets finish (a few hundred bytes a finding) and written once at the end, through
 * a temporary file renamed into place: a failed run never leaves a partial log behind.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "jsonb.h"
#include "probe.h"

#define SARIF_SCHEMA "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

struct probe_sarif {
    json_t *results;
    json_t *notifications;
    int failed_targets;
};

static const char *level_of(probe_severity s)
{
    return s >= PROBE_HIGH ? "error" : s >= PROBE_LOW ? "warning" : "note";
}

/* GitHub code scanning's scale: 9.0 and up critical, 7.0 high, 4.0 medium, 0.1 low. */
static const char *security_severity(probe_severity s)
{
    static const char *const scores[PROBE_SEVERITY_COUNT] = {"1.0", "3.0", "5.5", "8.0", "9.5"};
    return scores[s];
}

probe_sarif *probe_sarif_new(void)
{
    probe_sarif *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->results = json_array();
    s->notifications = json_array();
    if (!s->results || !s->notifications) {
        probe_sarif_free(s);
        return NULL;
    }
    return s;
}

void probe_sarif_free(probe_sarif *s)
{
    if (!s)
        return;
    json_decref(s->results);
    json_decref(s->notifications);
    free(s);
}

static json_t *bytes(const char *p, size_t n)
{
    return jsonb_from_bytes(p, n);
}

static json_t *location(const probe_target *t)
{
    return json_pack("[{s:{s:{s:o}}}]", "physicalLocation", "artifactLocation", "uri", bytes(t->url, strlen(t->url)));
}

static json_t *message(const char *text)
{
    return json_pack("{s:o}", "text", bytes(text, strlen(text)));
}

static int append(json_t *array, json_t *item)
{
    return item && json_array_append_new(array, item) == 0 ? 0 : -1;
}

int probe_sarif_add(probe_sarif *s, const probe_run *run)
{
    const probe_outcome *o = run->outcome;
    const probe_target *t = o->target;
    json_t *where = t->file ? json_integer((json_int_t)t->line) : json_null();
    if (o->error) {
        s->failed_targets = 1;
        return append(s->notifications, json_pack("{s:s, s:o, s:o, s:{s:o}}", "level", "error", "message",
                                                  message(o->error), "locations", location(t), "properties",
                                                  "targetLine", where));
    }
    if (probe_run_result(run) == PROBE_RESULT_INCONCLUSIVE) {
        char text[400];
        snprintf(text, sizeof text, "inconclusive: no tried origin was allowed, not even the site's own (%.*s); "
                                    "give the origin of a page that calls this URL with --origin",
                 (int)t->origin.len, t->origin.ptr);
        if (append(s->notifications, json_pack("{s:s, s:o, s:o, s:{s:O}}", "level", "warning", "message",
                                               message(text), "locations", location(t), "properties",
                                               "targetLine", where)) != 0) {
            json_decref(where);
            return -1;
        }
    }
    for (size_t i = 0; i < o->findings->count; i++) {
        const probe_finding *f = &o->findings->items[i];
        const probe_finding_def *d = probe_finding_info(f->id);
        const probe_request *rq = &o->plan->items[f->request];
        char text[800], fingerprint[600];
        snprintf(text, sizeof text, "%s: %s", d->title, f->detail);
        snprintf(fingerprint, sizeof fingerprint, "%s|%s|%.*s", d->name, t->url, (int)t->origin.len, t->origin.ptr);
        json_t *r = json_pack("{s:s, s:I, s:s, s:o, s:o, s:{s:o}, s:{s:s, s:s, s:s, s:o, s:I, s:O}}", "ruleId",
                              d->name, "ruleIndex", (json_int_t)f->id, "level", level_of(d->severity), "message",
                              message(text), "locations", location(t), "partialFingerprints", "corshdrProbe/v1",
                              bytes(fingerprint, strlen(fingerprint)), "properties", "severity",
                              probe_severity_name(d->severity), "request", rq->name, "method",
                              rq->preflight ? "OPTIONS" : t->head_requests ? "HEAD" : "GET", "origin",
                              bytes(rq->origin.ptr, rq->origin.len), "occurrences", (json_int_t)f->occurrences,
                              "targetLine", where);
        if (append(s->results, r) != 0) {
            json_decref(where);
            return -1;
        }
    }
    json_decref(where);
    return 0;
}

static json_t *rules(void)
{
    json_t *a = json_array();
    for (int id = 0; a && id < PROBE_ID_COUNT; id++) {
        const probe_finding_def *d = probe_finding_info((probe_id)id);
        if (append(a, json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s, s:[s, s]}}", "id", d->name,
                                "shortDescription", "text", d->title, "defaultConfiguration", "level",
                                level_of(d->severity), "properties", "severity", probe_severity_name(d->severity),
                                "security-severity", security_severity(d->severity), "tags", "security",
                                "cors")) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

int probe_sarif_write(probe_sarif *s, const char *path, char *err, size_t errlen)
{
    char shown[CLI_ESCAPED_SIZE];
    cli_escape(shown, path, strlen(path));
    json_t *log = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:[{s:b, s:O}], s:O}]}", "$schema",
                            SARIF_SCHEMA, "version", "2.1.0", "runs", "tool", "driver", "name", "corshdr probe",
                            "version", corshdr_version(), "semanticVersion", corshdr_version(), "rules", rules(),
                            "invocations", "executionSuccessful", !s->failed_targets, "toolExecutionNotifications",
                            s->notifications, "results", s->results);
    if (!log) {
        snprintf(err, errlen, "--sarif '%s': out of memory", shown);
        return -1;
    }
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        json_decref(log);
        snprintf(err, errlen, "--sarif '%s': out of memory", shown);
        return -1;
    }
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int rc = -1;
    if (!f) {
        snprintf(err, errlen, "--sarif '%s': cannot create %s: %s", shown, "its temporary file", strerror(errno));
    } else {
        int bad = json_dumpf(log, f, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0 || fputc('\n', f) == EOF;
        bad |= fflush(f) != 0 || ferror(f);
        int saved = errno;
        bad |= fclose(f) != 0;
        if (bad) {
            snprintf(err, errlen, "--sarif '%s': cannot write: %s", shown, strerror(saved ? saved : errno));
            remove(tmp);
        } else if (rename(tmp, path) != 0) {
            snprintf(err, errlen, "--sarif '%s': cannot rename the temporary file into place: %s", shown,
                     strerror(errno));
            remove(tmp);
        } else {
            rc = 0;
        }
    }
    free(tmp);
    json_decref(log);
    return rc;
}
