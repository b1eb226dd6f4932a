/* What the benchmark measures corshdr against, on the same buffers: a careful hand-written parse, the
 * list and token functions of real HTTP libraries (h2o, nghttp2, libsoup), and memchr as the ceiling. */
#ifndef CORSHDR_BENCH_BASELINE_H
#define CORSHDR_BENCH_BASELINE_H

#include <stddef.h>

/* Fills the naive parser's byte table; call once before the others. */
void baseline_init(void);

/* What a careful person writes in an hour for a #token list: memchr to the next comma, trim SP/HTAB,
 * a 256-entry table for tchar, each non-empty element stored as (offset, length) in out[0..2*cap).
 * Returns the number of elements, or (size_t)-1 when an element is not a token. */
size_t naive_list_parse(const char *p, size_t n, size_t *out, size_t cap);
/* The careful token check: one table lookup per byte. 1 when every byte is a tchar and n > 0. */
int naive_token_valid(const char *p, size_t n);
/* The ceiling: memchr over the buffer for a byte that is not there. */
size_t memchr_scan(const char *p, size_t n);

/* h2o 2.2 (Debian libh2o): h2o_next_token over the value, non-empty elements stored as spans. No
 * validation: h2o splits, it does not check tokens. Returns the number of elements. */
size_t h2o_list_split(const char *p, size_t n, size_t *out, size_t cap);
/* The same split, each element then checked with nghttp2_check_header_name: what a server built from
 * h2o and nghttp2 would write to read a #field-name list strictly. (size_t)-1 on a bad element, and
 * on an uppercase letter: nghttp2 checks HTTP/2 names, which are lowercase. */
size_t h2o_nghttp2_list_parse(const char *p, size_t n, size_t *out, size_t cap);
/* nghttp2_check_header_name over the whole buffer. */
int nghttp2_token_valid(const char *p, size_t n);
/* libsoup 3 (Debian libsoup-3.0): soup_header_parse_list, which allocates a GSList of copies, then
 * soup_header_free_list. Needs a NUL-terminated value (z[n] == 0). Returns the number of elements. */
size_t soup_list_parse(const char *z);

#endif
