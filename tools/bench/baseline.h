/* Baselines the benchmark measures corshdr against, on the same buffers. */
#ifndef CORSHDR_BENCH_BASELINE_H
#define CORSHDR_BENCH_BASELINE_H

#include <stddef.h>

/* Fills the baselines' byte table; call once before the others. */
void baseline_init(void);
/* The obvious parse of a #token list: split on ',', trim SP/HTAB, check every byte against a table,
 * store each non-empty element as (offset, length) pairs in out[0..2*cap). Returns the number of
 * elements, or (size_t)-1 when an element is not a token. */
size_t naive_list_parse(const char *p, size_t n, size_t *out, size_t cap);
/* The obvious token check: one table lookup per byte. 1 when every byte is a tchar and n > 0. */
int naive_token_valid(const char *p, size_t n);
/* The ceiling: memchr over the buffer for a byte that is not there. */
size_t memchr_scan(const char *p, size_t n);

#endif
