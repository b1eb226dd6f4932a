/* jsonb: bytes as JSON strings, both ways, by Fetch's isomorphic encoding (DESIGN.md §4): byte b is code
 * point U+00b, so every byte value round-trips and no UTF-8 validity is assumed of header bytes. The
 * conform adapter reads and writes vectors this way, and `check --json` writes header bytes this way. */
#ifndef CORSHDR_TOOL_JSONB_H
#define CORSHDR_TOOL_JSONB_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "corshdr.h"

/*
 * The bytes a JSON string stands for, into out, which needs json_string_length(s) bytes at most (each
 * code point takes at least one byte of UTF-8). 0 with *len set, or -1 when a code point is above U+00FF
 * (the string stands for no byte sequence).
 */
int jsonb_to_bytes(const json_t *s, char *out, size_t *len);

/* A new JSON string for the bytes (p, n); NULL when out of memory. */
json_t *jsonb_from_bytes(const char *p, size_t n);

/* A new JSON array of the names of a sorted set, lowercased as corshdr_names_join writes them; NULL when
 * out of memory. */
json_t *jsonb_names(const corshdr_names *set);

/* Writes a report object, indented and ASCII-only, and a newline to out, then releases it. 0, or -1 when
 * it could not be written (or o is NULL: building it ran out of memory). */
int jsonb_print(json_t *o, FILE *out);

#endif
