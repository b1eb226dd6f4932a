/* Shared by the layers of the library only; never installed. */
#ifndef CORSHDR_INTERNAL_H
#define CORSHDR_INTERNAL_H

#include "corshdr.h"

#include <stdint.h>
#include <string.h>

/* Byte classes (lex.c). One table lookup per byte, no locale. */
#define CH_TCHAR 0x01u /* RFC 9110 tchar */
#define CH_OWS 0x02u   /* SP, HTAB */
#define CH_CTL 0x04u   /* NUL, CR, LF: not allowed in any field value (Fetch) */
extern const uint8_t corshdr__class[256];
extern const uint8_t corshdr__lower[256];

static inline int ch_is(unsigned char c, unsigned cls) { return (corshdr__class[c] & cls) != 0; }
static inline unsigned char ch_lower(unsigned char c) { return corshdr__lower[c]; }

/* Span helpers. A NULL pointer is valid only with length 0; callers check with span_ok. */
static inline int span_ok(const char *p, size_t n) { return p != NULL || n == 0; }

/* Arithmetic on NULL is undefined even with offset 0, so a (NULL, 0) span is read through "". */
static inline const char *nonnull(const char *p) { return p ? p : ""; }

/* Case-insensitive equality of two byte strings (ASCII letters only fold). */
static inline int name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return 0;
    for (size_t i = 0; i < alen; i++)
        if (ch_lower((unsigned char)a[i]) != ch_lower((unsigned char)b[i]))
            return 0;
    return 1;
}

/* name_eq against a lowercase literal. */
#define NAME_IS(p, n, lit) name_eq((p), (n), (lit), sizeof(lit) - 1)

static inline corshdr_span span_make(const char *p, size_t n)
{
    corshdr_span s;
    s.ptr = p;
    s.len = n;
    return s;
}

/* Fills *err when the caller asked for it and returns the code, so failures read `return fail(...)`. */
static inline corshdr_status fail(corshdr_error *err, corshdr_status code, size_t line, size_t offset,
                                  const char *expected)
{
    if (err) {
        err->code = code;
        err->line = line;
        err->offset = offset;
        err->in_name = 0;
        err->expected = expected;
    }
    return code;
}

static inline void err_clear(corshdr_error *err)
{
    (void)fail(err, CORSHDR_OK, CORSHDR_NPOS, CORSHDR_NPOS, "");
}

/* The offsets of a value's first and one-past-last non-SP/HTAB bytes. */
static inline void trim_bounds(const char *p, size_t n, size_t *start, size_t *end)
{
    size_t s = 0, e = n;
    while (s < e && ch_is((unsigned char)p[s], CH_OWS))
        s++;
    while (e > s && ch_is((unsigned char)p[e - 1], CH_OWS))
        e--;
    *start = s;
    *end = e;
}

/* Options with defaults applied for NULL, kernel resolved. */
corshdr_options corshdr__options(const corshdr_options *opt);

/* The tchar prefix length with a resolved kernel (lex.c, lex_simd.c). */
size_t corshdr__tchar_span_scalar(const char *p, size_t n);

#endif
