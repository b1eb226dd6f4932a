/*
 * sized: the library calls that report the size they need (CORSHDR_ENOSPC), wrapped to ask for the size,
 * allocate exactly that and call again. The tool then never truncates and never guesses a capacity.
 * Each returns the library's status; CORSHDR_ENOSPC from a wrapper means the memory could not be had.
 * Buffers and arrays are malloc'd (never NULL on CORSHDR_OK, even when empty): free them.
 */
#ifndef CORSHDR_TOOL_SIZED_H
#define CORSHDR_TOOL_SIZED_H

#include <stddef.h>

#include "corshdr.h"

/* corshdr_header_combine (Fetch "get"): CORSHDR_OK with *buf and *len, or CORSHDR_ABSENT (*buf NULL). */
corshdr_status sized_combine(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                             char **buf, size_t *len);

/* corshdr_list_extract: CORSHDR_OK with *out and *count, or its failure (*out NULL, *err filled). */
corshdr_status sized_list_extract(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                  unsigned flags, const corshdr_options *opt, corshdr_span **out, size_t *count,
                                  corshdr_error *err);

/* corshdr_names_join of a sorted set: CORSHDR_OK with *buf and *len. */
corshdr_status sized_names_join(const corshdr_names *set, const char *sep, size_t sep_len, char **buf,
                                size_t *len);

/* corshdr_names_init with storage for cap names: 0, or -1 when out of memory. Free set->items. */
int sized_names_init(corshdr_names *set, size_t cap);

#endif
