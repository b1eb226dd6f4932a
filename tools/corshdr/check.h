/* check: what `corshdr check` found about one response head, and its two renderings (text for people,
 * JSON for programs). check.c fills a report; report_text.c and report_json.c only read it. */
#ifndef CORSHDR_TOOL_CHECK_H
#define CORSHDR_TOOL_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "corshdr.h"
#include "head.h"

/* A library verdict placed in the input: why a check failed, or a note. */
typedef struct finding {
    corshdr_status code;  /* CORSHDR_OK: nothing to say */
    const char *expected; /* the library's static text of what the rule wanted; never NULL */
    size_t line;          /* 1-based input line, 0 when the verdict is not about one line */
    size_t column;        /* 1-based byte column, 0 when it is not about one byte */
    size_t field;         /* index of the field line at `line`, or CORSHDR_NPOS */
} finding;

/* The request the response answers, from the command line. */
typedef struct check_request {
    corshdr_span origin;
    corshdr_span method;       /* normalized as Fetch does */
    corshdr_credentials credentials;
    int preflight;             /* --preflight: the response answers the preflight */
    uint32_t max_age_cap;      /* --max-age-cap, 0 for none */
    corshdr_names unsafe;      /* CORS-unsafe request-header names, sorted */
    char *acrh;                /* the Access-Control-Request-Headers value, NULL when unsafe is empty */
    size_t acrh_len;
    corshdr_span *dropped;     /* forbidden request headers a browser would not send */
    size_t ndropped;
} check_request;

typedef struct check_report {
    const char *source;  /* the input's name in messages: the file name, or "<stdin>" */
    const char *buf;     /* the input */
    head_info head;
    const corshdr_field *fields;
    const check_request *req;
    int needs_preflight; /* a browser sends a preflight before this request */

    int cors_ok;
    finding cors;
    int preflight_ok;       /* only with req->preflight */
    finding preflight;
    uint32_t max_age;       /* seconds cached, cap applied; meaningful when preflight_ok */
    uint32_t max_age_value; /* before the cap */
    finding max_age_note;   /* why the default or 0 applies (ABSENT, EREPEATED, EMAXAGE) */

    corshdr_names readable; /* without --preflight: names script may read (empty when the check fails) */
    corshdr_names hidden;   /* the other response header names */
    finding expose_note;    /* why Access-Control-Expose-Headers adds nothing (a list error) */
} check_report;

/* 1 when every check asked for passes. */
int report_ok(const check_report *r);

/* The bytes of input line `line` (1-based, the status line or a field line) without its line ending. */
corshdr_span report_line(const check_report *r, size_t line);

/* The field line's name for a finding, or a NULL span when it is not about a field line. */
corshdr_span report_finding_header(const check_report *r, const finding *f);

/* Write the report; 0, or -1 on a write or memory error. */
int report_write_text(const check_report *r, FILE *out);
int report_write_json(const check_report *r, FILE *out);

#endif
