/* report_json: the report of `corshdr check --json`, one object with the content of the text report.
 * Header bytes are strings by the isomorphic encoding of the conformance vectors (jsonb.h). Any
 * allocation failure makes a constructor return NULL, and json_pack fails on a NULL "o" value, so one
 * check at the end covers the whole tree. */
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "cli.h"
#include "jsonb.h"

static json_t *span_json(corshdr_span s)
{
    return s.ptr ? jsonb_from_bytes(s.ptr, s.len) : json_null();
}

/* A 1-based line or column, or null for 0 (not about one line or byte). */
static json_t *position_json(size_t n)
{
    return n ? json_integer((json_int_t)n) : json_null();
}

static json_t *finding_json(const check_report *r, const finding *f)
{
    if (f->code == CORSHDR_OK)
        return json_null();
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "code", corshdr_err_name(f->code), "message",
                     corshdr_strerror(f->code), "expected", f->expected, "line", position_json(f->line),
                     "column", position_json(f->column), "header", span_json(report_finding_header(r, f)));
}

/* The file name as given when it is UTF-8, else by the isomorphic encoding. */
static json_t *source_json(const char *source)
{
    json_t *s = json_string(source);
    return s ? s : jsonb_from_bytes(source, strlen(source));
}

static json_t *request_json(const check_report *r)
{
    const check_request *q = r->req;
    json_t *dropped = json_array();
    for (size_t i = 0; dropped && i < q->ndropped; i++)
        if (json_array_append_new(dropped, span_json(q->dropped[i])) != 0) {
            json_decref(dropped);
            dropped = NULL;
        }
    json_t *acrh = q->acrh ? jsonb_from_bytes(q->acrh, q->acrh_len) : json_null();
    return json_pack("{s:o, s:o, s:s, s:b, s:o, s:o, s:o}", "origin", span_json(q->origin), "method",
                     span_json(q->method), "credentials", cli_credentials_name(q->credentials),
                     "needs_preflight", r->needs_preflight, "unsafe_headers", jsonb_names(&q->unsafe), "acrh",
                     acrh, "dropped_headers", dropped);
}

static json_t *preflight_json(const check_report *r)
{
    json_t *max_age = r->preflight_ok ? json_integer((json_int_t)r->max_age) : json_null();
    return json_pack("{s:b, s:o, s:o, s:I, s:o}", "ok", r->preflight_ok, "error", finding_json(r, &r->preflight),
                     "max_age", max_age, "max_age_uncapped", (json_int_t)r->max_age_value, "max_age_note",
                     finding_json(r, &r->max_age_note));
}

int report_write_json(const check_report *r, FILE *out)
{
    json_t *o = json_pack("{s:b, s:o, s:o, s:{s:i, s:I}, s:{s:b, s:o}}", "ok", report_ok(r), "source",
                          source_json(r->source), "request", request_json(r), "response", "status",
                          r->head.status, "header_lines", (json_int_t)r->head.nfields, "cors_check", "ok",
                          r->cors_ok, "error", finding_json(r, &r->cors));
    /* Each mode reports what it is about: the preflight's verdict, or what script may read. */
    if (o && r->req->preflight) {
        if (json_object_set_new(o, "preflight", preflight_json(r)) != 0) {
            json_decref(o);
            o = NULL;
        }
    } else if (o) {
        if (json_object_set_new(o, "readable", jsonb_names(&r->readable)) != 0 ||
            json_object_set_new(o, "hidden", jsonb_names(&r->hidden)) != 0 ||
            json_object_set_new(o, "expose_headers_note", finding_json(r, &r->expose_note)) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return jsonb_print(o, out);
}
