/* report_text: the report of `corshdr check` for people. Every byte that comes from the input is shown
 * escaped (printable ASCII as is, anything else as \xHH), so a hostile response can neither drive the
 * terminal with escape sequences nor hide text from the reader. */
#include <stdlib.h>

#include "check.h"
#include "cli.h"
#include "sized.h"

/* Excerpts of long lines: this many bytes of context before the column, this many in all. */
#define EXCERPT_BEFORE 60
#define EXCERPT_WIDTH 120

/* The label column, so that verdicts line up. */
#define LABEL "%-12s"

/* Writes (p, n) escaped; returns the number of terminal columns used. */
static size_t put_bytes(FILE *out, const char *p, size_t n)
{
    size_t width = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f) {
            fputc(c, out);
            width++;
        } else {
            fprintf(out, "\\x%02X", c);
            width += 4;
        }
    }
    return width;
}

static void put_span(FILE *out, corshdr_span s)
{
    (void)put_bytes(out, s.ptr, s.len);
}

/* The lowercase names of a sorted set, comma-separated, or `none`. -1 when out of memory. */
static int put_names(FILE *out, const corshdr_names *set, const char *none)
{
    char *list;
    size_t len;
    if (set->count == 0) {
        fputs(none, out);
        return 0;
    }
    if (sized_names_join(set, ", ", 2, &list, &len) != CORSHDR_OK)
        return -1;
    (void)put_bytes(out, list, len);
    free(list);
    return 0;
}

/* The input line with a caret under the column, compiler style; long lines are cut around the column. */
static void excerpt(FILE *out, const check_report *r, size_t line, size_t column)
{
    corshdr_span s = report_line(r, line);
    size_t at = column ? column - 1 : 0;
    if (at > s.len)
        at = s.len;
    size_t start = at > EXCERPT_BEFORE ? at - EXCERPT_BEFORE : 0;
    size_t end = s.len - start > EXCERPT_WIDTH ? start + EXCERPT_WIDTH : s.len;
    int gutter = fprintf(out, "    %zu | ", line);
    size_t before = 0;
    if (start > 0)
        before += put_bytes(out, "...", 3);
    before += put_bytes(out, s.ptr + start, at - start);
    (void)put_bytes(out, s.ptr + at, end - at);
    if (end < s.len)
        fputs("...", out);
    fputc('\n', out);
    if (!column || gutter < 3)
        return;
    fprintf(out, "%*s| %*s^\n", gutter - 2, "", (int)before, "");
}

/* Why a check failed: where, the rule's code and sentence, what it expected, and the line itself. */
static void put_finding(FILE *out, const check_report *r, const finding *f)
{
    fputs("  ", out);
    if (f->line)
        fprintf(out, "%s:%zu:", r->source, f->line);
    if (f->line && f->column)
        fprintf(out, "%zu:", f->column);
    fprintf(out, "%s%s: %s\n", f->line ? " " : "", corshdr_err_name(f->code), corshdr_strerror(f->code));
    if (f->code == CORSHDR_ENAME || f->code == CORSHDR_EVALUE)
        fputs("  the browser treats the whole response as a network error\n", out);
    if (f->expected[0])
        fprintf(out, "  expected: %s\n", f->expected);
    if (f->line)
        excerpt(out, r, f->line, f->column);
}

static int same_finding(const finding *a, const finding *b)
{
    return a->code == b->code && a->line == b->line && a->column == b->column;
}

static void put_request(FILE *out, const check_report *r)
{
    const check_request *q = r->req;
    fprintf(out, LABEL, "request:");
    put_span(out, q->method);
    fputs(" from ", out);
    put_span(out, q->origin);
    fprintf(out, ", credentials %s\n", cli_credentials_name(q->credentials));
    fprintf(out, LABEL, "");
    if (!r->needs_preflight) {
        fputs("no preflight: a CORS-safelisted method and no CORS-unsafe header\n", out);
    } else if (q->acrh) {
        fputs("preflight with Access-Control-Request-Headers: ", out);
        (void)put_bytes(out, q->acrh, q->acrh_len);
        fputc('\n', out);
    } else {
        fputs("preflight for the method; no Access-Control-Request-Headers\n", out);
    }
    if (q->ndropped) {
        fprintf(out, LABEL, "");
        fputs("not sent (forbidden request headers): ", out);
        for (size_t i = 0; i < q->ndropped; i++) {
            if (i)
                fputs(", ", out);
            put_span(out, q->dropped[i]);
        }
        fputc('\n', out);
    }
    fprintf(out, LABEL "status %d, %zu header line%s\n", "response:", r->head.status, r->head.nfields,
            r->head.nfields == 1 ? "" : "s");
}

static void put_max_age(FILE *out, const check_report *r)
{
    fprintf(out, LABEL, "max-age:");
    if (!r->preflight_ok) {
        fputs("none: a failed preflight is not cached\n", out);
        return;
    }
    fprintf(out, "%lu seconds", (unsigned long)r->max_age);
    if (r->max_age < r->max_age_value)
        fprintf(out, " (capped by --max-age-cap; the response says %lu)", (unsigned long)r->max_age_value);
    if (r->max_age_note.code == CORSHDR_ABSENT)
        fputs(" (the default: no Access-Control-Max-Age)", out);
    fputc('\n', out);
    if (r->max_age_note.code < 0)
        put_finding(out, r, &r->max_age_note);
}

static int put_readable(FILE *out, const check_report *r)
{
    fprintf(out, LABEL, "readable:");
    if (put_names(out, &r->readable, r->cors_ok ? "none" : "none: the CORS check failed") != 0)
        return -1;
    fputc('\n', out);
    if (r->expose_note.code < 0) {
        fputs("  Access-Control-Expose-Headers is invalid and exposes nothing:\n", out);
        put_finding(out, r, &r->expose_note);
    }
    fprintf(out, LABEL, "hidden:");
    if (put_names(out, &r->hidden, "none") != 0)
        return -1;
    fputc('\n', out);
    return 0;
}

int report_write_text(const check_report *r, FILE *out)
{
    put_request(out, r);
    fprintf(out, LABEL "%s\n", "CORS check:", r->cors_ok ? "pass" : "FAIL");
    if (!r->cors_ok)
        put_finding(out, r, &r->cors);
    if (r->req->preflight) {
        fprintf(out, LABEL "%s", "preflight:", r->preflight_ok ? "pass" : "FAIL");
        if (!r->preflight_ok && !r->cors_ok && same_finding(&r->preflight, &r->cors)) {
            fputs(": the CORS check failed\n", out);
        } else {
            fputc('\n', out);
            if (!r->preflight_ok)
                put_finding(out, r, &r->preflight);
        }
        put_max_age(out, r);
    } else if (put_readable(out, r) != 0) {
        return -1;
    }
    fprintf(out, LABEL "%s\n", "result:", report_ok(r) ? "pass" : "FAIL");
    return 0;
}
