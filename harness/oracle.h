/*
 * oracle: a deliberately simple, spec-literal re-statement of the rules the fuzz targets check the library
 * against. It shares no code with parser/src (only the public types of corshdr.h), favours the spec's
 * own step order and wording over speed, and allocates freely: it is never shipped. Each function names
 * the rule it restates; conformance/SEMANTICS.md fixes the choices the specifications leave open.
 */
#ifndef CORSHDR_FUZZ_ORACLE_H
#define CORSHDR_FUZZ_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "corshdr.h"

/* An owned byte string and a list of them: results never point into the library's outputs. */
typedef struct ostr {
    char *p;
    size_t n;
} ostr;

typedef struct olist {
    ostr *v;
    size_t n;
    size_t cap;
} olist;

void olist_free(olist *l);
void olist_push(olist *l, const char *p, size_t n);
/* 1 when both lists hold the same byte strings in the same order. */
int olist_equal(const olist *a, const olist *b);
/* Fetch "byte-lowercase" every member, sort by bytes and drop duplicates. */
void olist_sorted_lower_set(olist *l);
/* The members joined by (sep, sep_len) into a new string. */
ostr olist_join(const olist *l, const char *sep, size_t sep_len);
void ostr_free(ostr *s);

/* ---- RFC 9110 and Fetch lexical rules ---- */

/* RFC 9110 §5.6.2 tchar. */
int oracle_is_tchar(unsigned char c);
/* RFC 9110 §5.6.2 token = 1*tchar. */
int oracle_token(const char *p, size_t n);
/* The number of leading tchar bytes. */
size_t oracle_tchar_prefix(const char *p, size_t n);
/* Fetch "header value": no NUL, CR, LF; no leading or trailing HTTP tab or space. */
int oracle_header_value(const char *p, size_t n);
/* Fetch "normalize" a byte sequence: strip leading and trailing HTTP tab or space (SP, HTAB only). */
corshdr_span oracle_trim(const char *p, size_t n);
/* Fetch "byte-case-insensitive" match. */
int oracle_name_eq(const char *a, size_t an, const char *b, size_t bn);
/* <0, 0, >0 comparing the byte-lowercased forms by bytes, a proper prefix first. */
int oracle_name_order(const char *a, size_t an, const char *b, size_t bn);

/* SEMANTICS.md §1 network error: CORSHDR_OK, or CORSHDR_ENAME / CORSHDR_EVALUE for the first bad line
 * (its name judged before its value), with *line set to that line. */
corshdr_status oracle_fields_valid(const corshdr_field *f, size_t n, size_t *line);

/* ---- Fetch header-list algorithms ---- */

/* The index of the first line named `name`, or CORSHDR_NPOS. */
size_t oracle_find(const corshdr_field *f, size_t n, const char *name, size_t nlen);
/* Fetch "get": 0 for null, 1 with *out (owned) the normalized values joined by ", ". */
int oracle_get(const corshdr_field *f, size_t n, const char *name, size_t nlen, ostr *out);
/* Fetch "get, decode, and split" of one value (the algorithm on a value). */
void oracle_split_value(const char *p, size_t n, olist *out);
/* Fetch "get, decode, and split" of a header list: 0 for null, 1 with *out. */
int oracle_get_decode_split(const corshdr_field *f, size_t n, const char *name, size_t nlen, olist *out);

typedef struct oracle_limits {
    size_t max_elements;
    size_t max_empty;
    size_t max_bytes;
} oracle_limits;

/* Reasons a #token header fails; a header can have several, the library reports the first it meets. */
#define ORACLE_FAIL_REPEATED 0x01u /* CORSHDR_EREPEATED */
#define ORACLE_FAIL_TOOLONG 0x02u  /* CORSHDR_ETOOLONG */
#define ORACLE_FAIL_TOKEN 0x04u    /* CORSHDR_ETOKEN */
#define ORACLE_FAIL_TOOMANY 0x08u  /* CORSHDR_ETOOMANY */
#define ORACLE_FAIL_EMPTIES 0x10u  /* CORSHDR_EEMPTIES */
#define ORACLE_FAIL_EMPTY 0x20u    /* CORSHDR_EEMPTY */

/* The reason bit of a library list error code, 0 for any other code. */
unsigned oracle_fail_bit(corshdr_status code);

/*
 * Fetch "extract header list values" for a #token header (SEMANTICS.md "name-list", with §3 limits):
 * returns CORSHDR_ABSENT (null), CORSHDR_OK with *out the elements in order, or -1 (failure) with
 * *reasons the ORACLE_FAIL_* bits of every rule the header breaks. `nonempty`: RFC 9110 1#rule.
 */
int oracle_name_list(const corshdr_field *f, size_t n, const char *name, size_t nlen, int singleton,
                     int nonempty, const oracle_limits *lim, olist *out, unsigned *reasons);

/* ---- CORS ---- */

/* Fetch "CORS check" (SEMANTICS.md "cors-check"), with the library's names for each failing step. */
corshdr_status oracle_cors_check(const corshdr_field *f, size_t n, const char *origin, size_t olen,
                                 corshdr_credentials cred);

/* SEMANTICS.md "max-age": the status (OK, ABSENT, EREPEATED, EMAXAGE) and *seconds. */
corshdr_status oracle_max_age(const corshdr_field *f, size_t n, uint32_t *seconds);

/* SEMANTICS.md "exposed": CORSHDR_OK with *readable (sorted lowercase set), or the network error code. */
corshdr_status oracle_exposed(const corshdr_field *f, size_t n, corshdr_credentials cred, const oracle_limits *lim,
                              olist *readable);

/* Whether script may read response header `name` (which need not be in the list): the rule of "exposed"
 * for one name; a network-error list exposes nothing. */
int oracle_is_exposed(const corshdr_field *f, size_t n, corshdr_credentials cred, const oracle_limits *lim,
                      const char *name, size_t nlen);

/* Fetch method "normalize". */
corshdr_span oracle_method_normalize(const char *p, size_t n);
int oracle_forbidden_method(const char *p, size_t n);
int oracle_safelisted_method(const char *p, size_t n);
int oracle_safelisted_response_name(const char *p, size_t n);
int oracle_forbidden_response_name(const char *p, size_t n);

typedef struct oracle_request {
    corshdr_span origin;
    corshdr_span method;
    corshdr_credentials credentials;
    const corshdr_span *names; /* the request's CORS-unsafe header names, any case, duplicates allowed */
    size_t nnames;
    int use_preflight;
    uint32_t max_age_cap;
} oracle_request;

/* SEMANTICS.md "preflight": 1 ok (with *max_age, the cap applied), 0 not ok, or -1 network error. */
int oracle_preflight(const oracle_request *req, int status, const corshdr_field *f, size_t n,
                     const oracle_limits *lim, uint32_t *max_age);

/* Fetch "CORS-safelisted request-header", "forbidden request-header". */
int oracle_safelisted_request_header(const char *name, size_t nlen, const char *value, size_t vlen);
int oracle_forbidden_request_header(const char *name, size_t nlen, const char *value, size_t vlen);

/* Fetch "CORS-unsafe request-header names" (values normalized first): CORSHDR_OK with *names (sorted
 * lowercase set) and *added (names appended before the set conversion), or the network error code. */
corshdr_status oracle_unsafe_names(const corshdr_field *f, size_t n, olist *names, size_t *added);

/* SEMANTICS.md "origin": a serialized origin or `null`. */
int oracle_origin(const char *p, size_t n);

#endif
