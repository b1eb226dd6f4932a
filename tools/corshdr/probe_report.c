/*
 * probe_report: one target's findings, as text for people, or as a JSON object for pipelines (indented, or
 * on one line as a JSON Lines record of a --targets run). Every byte that came from the server, from a
 * request or from the command line is shown escaped in text (printable ASCII as is, anything else as
 * \xHH), so a hostile server can neither drive the terminal nor hide a line; in JSON, bytes are strings by
 * the isomorphic encoding (jsonb.h). The --header lines are never shown: they may hold cookies or tokens.
 */
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "jsonb.h"
#include "probe.h"

/* How much of a long value or line the text report shows. */
#define SHOW_VALUE 96
#define SHOW_LINE 160

static const char *const result_names[] = {"pass", "fail", "inconclusive", "error"};

const char *probe_result_name(probe_result r)
{
    return (unsigned)r < sizeof result_names / sizeof result_names[0] ? result_names[r] : "unknown";
}

static int has_failing(const probe_run *run)
{
    const probe_findings *f = run->outcome->findings;
    for (size_t i = 0; f && i < f->count; i++)
        if (probe_finding_info(f->items[i].id)->severity >= run->fail_on)
            return 1;
    return 0;
}

probe_result probe_run_result(const probe_run *run)
{
    if (run->outcome->error || !run->outcome->findings)
        return PROBE_RESULT_ERROR;
    if (has_failing(run))
        return PROBE_RESULT_FAIL;
    return run->outcome->findings->none_allowed ? PROBE_RESULT_INCONCLUSIVE : PROBE_RESULT_PASS;
}

static void counts(const probe_run *run, size_t n[PROBE_SEVERITY_COUNT])
{
    const probe_findings *f = run->outcome->findings;
    for (int s = 0; s < PROBE_SEVERITY_COUNT; s++)
        n[s] = 0;
    for (size_t i = 0; f && i < f->count; i++)
        n[probe_finding_info(f->items[i].id)->severity]++;
}

static const char *method_of(const probe_run *run, const probe_request *rq)
{
    return rq->preflight ? "OPTIONS" : run->outcome->target->head_requests ? "HEAD" : "GET";
}

/* ---- text -------------------------------------------------------------------------------------------------- */

static void put_bytes(FILE *out, corshdr_span s, size_t max)
{
    size_t shown = s.len > max ? max : s.len;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c >= 0x20 && c < 0x7f)
            fputc(c, out);
        else
            fprintf(out, "\\x%02X", c);
    }
    if (shown < s.len)
        fprintf(out, "... (%zu bytes)", s.len);
}

static void put_string(FILE *out, const char *s, size_t max)
{
    put_bytes(out, (corshdr_span){s, strlen(s)}, max);
}

static void put_request(FILE *out, const probe_run *run, size_t index)
{
    const probe_outcome *o = run->outcome;
    const probe_request *rq = &o->plan->items[index];
    const probe_response *r = &o->responses[index];
    fprintf(out, "  request '%s': %s ", rq->name, method_of(run, rq));
    put_bytes(out, o->target->path, SHOW_VALUE);
    fputs("\n    Origin: ", out);
    put_bytes(out, rq->origin, SHOW_VALUE);
    fputc('\n', out);
    if (rq->preflight) {
        fputs("    Access-Control-Request-Method: ", out);
        put_bytes(out, rq->acrm, SHOW_VALUE);
        fputc('\n', out);
    }
    if (rq->acrh.ptr) {
        fputs("    Access-Control-Request-Headers: ", out);
        put_bytes(out, rq->acrh, SHOW_VALUE);
        fputc('\n', out);
    }
    if (run->nheaders)
        fprintf(out, "    (and %zu line%s from --header, not shown)\n", run->nheaders, run->nheaders == 1 ? "" : "s");
    if (r->url) {
        fputs("    answered by ", out);
        put_string(out, r->url, SHOW_VALUE);
        fprintf(out, " after %u redirect%s\n", r->redirects, r->redirects == 1 ? "" : "s");
    }
}

static void put_line(FILE *out, const probe_response *r, size_t line)
{
    corshdr_span s = probe_head_line(r, line);
    if (!s.ptr)
        return;
    fprintf(out, "    %3zu | ", line);
    put_bytes(out, s, SHOW_LINE);
    fputc('\n', out);
}

static void put_finding(FILE *out, const probe_run *run, const probe_finding *f)
{
    const probe_finding_def *d = probe_finding_info(f->id);
    const probe_response *r = &run->outcome->responses[f->request];
    fprintf(out, "%-8s  %s\n  %s\n  %s\n", probe_severity_name(d->severity), d->name, d->title, f->detail);
    put_request(out, run, f->request);
    if (r->failed) {
        fprintf(out, "  no response after %.1f ms: %s\n", r->elapsed_ms, r->error);
    } else {
        fprintf(out, "  response (%.1f ms):\n", r->elapsed_ms);
        put_line(out, r, 1);
        for (size_t i = 0; i < f->nlines; i++)
            if (f->lines[i] != 1)
                put_line(out, r, f->lines[i]);
    }
    if (f->occurrences > 1)
        fprintf(out, "  seen in %zu responses\n", f->occurrences);
    fputc('\n', out);
}

/* Which untrusted origins could not be tried, when the site's host has no registrable domain. */
static void put_domain_note(FILE *out, const probe_target *t)
{
    if (t->registrable.len)
        return;
    fputs("note:     ", out);
    put_bytes(out, t->host, SHOW_VALUE);
    fputs(" has no registrable domain (Public Suffix List): the suffix, substring, unescaped-dot and\n"
          "          sibling origins were not tried\n",
          out);
}

static void put_inconclusive(FILE *out, const probe_run *run)
{
    const probe_outcome *o = run->outcome;
    fputs("result:   inconclusive: no tried origin was allowed, not even the site's own (", out);
    put_bytes(out, o->target->origin, SHOW_VALUE);
    fputs(")\n", out);
    if (o->findings->hint[0]) {
        fputs("hint:     an answer allowed ", out);
        put_string(out, o->findings->hint, SHOW_VALUE);
        fputs(" instead: probe again with --origin ", out);
        put_string(out, o->findings->hint, SHOW_VALUE);
        fputc('\n', out);
    } else {
        fputs("hint:     give the origin of a page that calls this URL with --origin ORIGIN\n", out);
    }
}

int probe_report_text(const probe_run *run, FILE *out)
{
    const probe_outcome *o = run->outcome;
    const probe_target *t = o->target;
    fputs("probe:    ", out);
    put_string(out, t->url, SHOW_LINE);
    if (t->file)
        fprintf(out, " (line %zu)", t->line);
    fputc('\n', out);
    if (o->error) {
        fputs("error:    ", out);
        put_string(out, o->error, 2 * SHOW_LINE);
        fputs("\nresult:   error\n", out);
        return ferror(out) ? -1 : 0;
    }
    size_t slowest = 0;
    for (size_t i = 1; i < o->plan->count; i++)
        if (o->responses[i].elapsed_ms > o->responses[slowest].elapsed_ms)
            slowest = i;
    fputs("origin:   ", out);
    put_bytes(out, t->origin, SHOW_VALUE);
    fprintf(out, "%s, credentials %s, method ", t->origin_given ? "" : " (the URL's own)",
            cli_credentials_name(t->credentials));
    put_bytes(out, t->method, SHOW_VALUE);
    fputc('\n', out);
    if (o->plan->count)
        fprintf(out, "requests: %zu in %.0f ms; slowest '%s' %.1f ms\n", o->plan->count, o->elapsed_ms,
                o->plan->items[slowest].name, o->responses[slowest].elapsed_ms);
    put_domain_note(out, t);
    fputc('\n', out);
    for (size_t i = 0; i < o->findings->count; i++)
        put_finding(out, run, &o->findings->items[i]);
    for (size_t i = 0; i < o->plan->count; i++)
        if (o->responses[i].redirect_note[0]) {
            fprintf(out, "note: request '%s': ", o->plan->items[i].name);
            put_string(out, o->responses[i].redirect_note, SHOW_LINE);
            fputc('\n', out);
        }

    size_t n[PROBE_SEVERITY_COUNT];
    counts(run, n);
    if (o->findings->count == 0)
        fputs("findings: none\n", out);
    else
        fprintf(out, "findings: %zu critical, %zu high, %zu medium, %zu low, %zu info\n", n[PROBE_CRITICAL],
                n[PROBE_HIGH], n[PROBE_MEDIUM], n[PROBE_LOW], n[PROBE_INFO]);
    probe_result result = probe_run_result(run);
    if (result == PROBE_RESULT_INCONCLUSIVE)
        put_inconclusive(out, run);
    else
        fprintf(out, "result:   %s (--fail-on %s)\n", result == PROBE_RESULT_FAIL ? "FAIL" : "pass",
                probe_severity_name(run->fail_on));
    return ferror(out) ? -1 : 0;
}

/* ---- JSON -------------------------------------------------------------------------------------------------- */

/* A JSON builder whose every constructor may fail: a NULL anywhere makes json_pack fail, and one check at
 * the end covers the tree (as in report_json.c). */
static json_t *bytes_json(corshdr_span s)
{
    return s.ptr ? jsonb_from_bytes(s.ptr, s.len) : json_null();
}

static json_t *string_or_null(const char *s)
{
    return s && s[0] ? jsonb_from_bytes(s, strlen(s)) : json_null();
}

static json_t *request_json(const probe_run *run, size_t index)
{
    const probe_outcome *o = run->outcome;
    const probe_request *rq = &o->plan->items[index];
    const probe_response *r = &o->responses[index];
    json_t *status = r->done && !r->failed && !r->malformed ? json_integer(r->info.status) : json_null();
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:f, s:o, s:b, s:o, s:i, s:o}", "probe", rq->name,
                     "method", method_of(run, rq), "path", bytes_json(o->target->path), "origin",
                     bytes_json(rq->origin), "access_control_request_method",
                     rq->preflight ? bytes_json(rq->acrm) : json_null(), "access_control_request_headers",
                     bytes_json(rq->acrh), "status", status, "elapsed_ms", r->elapsed_ms, "error",
                     string_or_null(r->failed || r->malformed ? r->error : NULL), "body_cut", r->body_cut,
                     "url", string_or_null(r->url), "redirects", (int)r->redirects,
                     "redirect_note", string_or_null(r->redirect_note));
}

static json_t *finding_json(const probe_run *run, const probe_finding *f)
{
    const probe_finding_def *d = probe_finding_info(f->id);
    const probe_response *r = &run->outcome->responses[f->request];
    json_t *lines = json_array();
    for (size_t i = 0; lines && !r->failed && i <= f->nlines; i++) {
        size_t line = i == 0 ? 1 : f->lines[i - 1];
        if (i > 0 && line == 1)
            continue;
        corshdr_span s = probe_head_line(r, line);
        if (s.ptr && json_array_append_new(lines, json_pack("{s:I, s:o}", "line", (json_int_t)line, "text",
                                                            jsonb_from_bytes(s.ptr, s.len))) != 0) {
            json_decref(lines);
            lines = NULL;
        }
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:I, s:o, s:o}", "id", d->name, "severity",
                     probe_severity_name(d->severity), "title", d->title, "detail", string_or_null(f->detail),
                     "occurrences",
                     (json_int_t)f->occurrences, "request", request_json(run, f->request), "response_lines", lines);
}

/* The report of a target that could not be probed. */
static json_t *error_json(const probe_run *run)
{
    const probe_target *t = run->outcome->target;
    return json_pack("{s:o, s:o, s:s, s:o, s:b, s:s}", "url", string_or_null(t->url), "line",
                     t->file ? json_integer((json_int_t)t->line) : json_null(), "result", "error", "error",
                     string_or_null(run->outcome->error), "unreachable", run->outcome->unreachable, "fail_on",
                     probe_severity_name(run->fail_on));
}

static json_t *report_json(const probe_run *run)
{
    const probe_outcome *o = run->outcome;
    if (o->error)
        return error_json(run);
    const probe_target *t = o->target;
    size_t n[PROBE_SEVERITY_COUNT];
    counts(run, n);
    json_t *findings = json_array(), *requests = json_array();
    for (size_t i = 0; findings && i < o->findings->count; i++)
        if (json_array_append_new(findings, finding_json(run, &o->findings->items[i])) != 0) {
            json_decref(findings);
            findings = NULL;
        }
    for (size_t i = 0; requests && i < o->plan->count; i++)
        if (json_array_append_new(requests, request_json(run, i)) != 0) {
            json_decref(requests);
            requests = NULL;
        }
    probe_result result = probe_run_result(run);
    json_t *hint = result == PROBE_RESULT_INCONCLUSIVE ? string_or_null(o->findings->hint) : json_null();
    return json_pack("{s:o, s:o, s:o, s:b, s:o, s:s, s:o, s:s, s:s, s:b, s:o, s:{s:I, s:I, s:I, s:I, s:I}, "
                     "s:o, s:f, s:o}",
                     "url", string_or_null(t->url), "line", t->file ? json_integer((json_int_t)t->line) : json_null(),
                     "origin", bytes_json(t->origin), "origin_given", t->origin_given, "registrable_domain",
                     t->registrable.len ? bytes_json(t->registrable) : json_null(), "credentials",
                     cli_credentials_name(t->credentials), "method", bytes_json(t->method), "fail_on",
                     probe_severity_name(run->fail_on), "result", probe_result_name(result), "failed",
                     result == PROBE_RESULT_FAIL, "origin_hint", hint, "counts", "critical",
                     (json_int_t)n[PROBE_CRITICAL], "high", (json_int_t)n[PROBE_HIGH], "medium",
                     (json_int_t)n[PROBE_MEDIUM], "low", (json_int_t)n[PROBE_LOW], "info", (json_int_t)n[PROBE_INFO],
                     "findings", findings, "elapsed_ms", o->elapsed_ms, "requests", requests);
}

int probe_report_json(const probe_run *run, int line, FILE *out)
{
    if (!line)
        return jsonb_print(report_json(run), out);
    json_t *o = report_json(run);
    if (!o)
        return -1;
    int rc = json_dumpf(o, out, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (rc == 0 && fputc('\n', out) == EOF)
        rc = -1;
    return rc;
}
