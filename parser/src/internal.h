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

/* The only line named `name` (list.c): CORSHDR_OK with *index, CORSHDR_ABSENT, or CORSHDR_EREPEATED with
 * *index the second such line. For the headers whose ABNF allows one line. */
corshdr_status corshdr__header_single(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                      size_t *index);

/* Options with defaults applied for NULL, kernel resolved. */
corshdr_options corshdr__options(const corshdr_options *opt);

/* Vector kernels exist on x86-64 with GCC or Clang unless the build forces the scalar path. */
#if !defined(CORSHDR_FORCE_SCALAR) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CORSHDR_HAVE_X86_SIMD 1
#else
#define CORSHDR_HAVE_X86_SIMD 0
#endif

/* The tchar prefix length, per kernel (lex.c, lex_simd.c). */
size_t corshdr__tchar_span_scalar(const char *p, size_t n);
size_t corshdr__tchar_span_sse2(const char *p, size_t n);
size_t corshdr__tchar_span_avx2(const char *p, size_t n);

/*
 * Classifies the n bytes at p into ceil(n / 64) blocks: bit i of t[k], w[k], c[k] says whether byte
 * 64k+i is a tchar, SP/HTAB, or a comma; bits past the end read as SP. n is a multiple of 64 except at
 * the end of a line, and `before` bytes before p belong to the same span, so a partial last block is
 * loaded as the 64 bytes ending at the span's end (or, in a short span, as overlapping 32- and 16-byte
 * loads) instead of being copied: nothing outside the span is read, and no load waits on fresh stores.
 * Returns the number of commas. One call per chunk keeps the indirect call out of the per-block loop.
 */
typedef size_t (*corshdr__classify_fn)(const unsigned char *p, size_t n, size_t before, uint64_t *t, uint64_t *w,
                                       uint64_t *c);
size_t corshdr__classify_sse2(const unsigned char *p, size_t n, size_t before, uint64_t *t, uint64_t *w, uint64_t *c);
size_t corshdr__classify_avx2(const unsigned char *p, size_t n, size_t before, uint64_t *t, uint64_t *w, uint64_t *c);

/* The scalar classification of one short piece (n < 64), bits past n read as SP: the kernels' tails. */
static inline void classify_scalar(const unsigned char *p, size_t n, uint64_t *t, uint64_t *w, uint64_t *c)
{
    uint64_t tb = 0, wb = n < 64 ? ~(uint64_t)0 << n : 0, cb = 0;
    for (size_t i = 0; i < n; i++) {
        tb |= (uint64_t)(corshdr__class[p[i]] & CH_TCHAR) << i;
        wb |= (uint64_t)((corshdr__class[p[i]] & CH_OWS) >> 1) << i;
        cb |= (uint64_t)(p[i] == ',') << i;
    }
    *t = tb;
    *w = wb;
    *c = cb;
}

/* The kernel that runs for a request: AUTO becomes the probed one, a kernel this CPU or build lacks
 * becomes SCALAR. */
corshdr_kernel corshdr__kernel(corshdr_kernel requested);
/* The block classifier of a resolved kernel; NULL for SCALAR (the per-element path runs instead). */
corshdr__classify_fn corshdr__classifier(corshdr_kernel resolved);

/* Bits set in x. SWAR, because the x86-64 baseline has no popcnt instruction and the builtin would
 * become a library call in this portable code. */
static inline unsigned popcount64(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555u;
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fu;
    return (unsigned)((x * 0x0101010101010101u) >> 56);
}

static inline unsigned ctz64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctzll(x);
#else
    unsigned n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
#endif
}

#endif
