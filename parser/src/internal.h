/* Shared by the layers of the library only; never installed. */
#ifndef CORSHDR_INTERNAL_H
#define CORSHDR_INTERNAL_H

#include "corshdr.h"

#include <stdatomic.h>
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

/* 0x20 in each byte of w that is an ASCII letter, either case: the bit case folding ignores. SWAR: a
 * byte's high bit says whether it is in 'a'..'z' once 0x20 is set; no carry crosses a byte. */
static inline uint64_t letter_bits(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u;
    uint64_t lw = w | 0x20 * ones, t = lw & 0x7f * ones;
    uint64_t ge_a = t + 0x1f * ones, ge_brace = t + 0x05 * ones; /* 0x80 - 'a', 0x80 - ('z' + 1) */
    return (ge_a & ~ge_brace & ~lw & 0x80 * ones) >> 2;
}

/* Span helpers. A NULL pointer is valid only with length 0; callers check with span_ok. */
static inline int span_ok(const char *p, size_t n) { return p != NULL || n == 0; }

/* Arithmetic on NULL is undefined even with offset 0, so a (NULL, 0) span is read through "". */
static inline const char *nonnull(const char *p) { return p ? p : ""; }


/* Whether a span holds exactly the n bytes of lit (use with LIT("...")). */
static inline int span_is(corshdr_span s, const char *lit, size_t n)
{
    return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

#define LIT(s) s, sizeof(s) - 1

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

/* "extract header list values" of a header whose lines the caller found: kept[] holds the first
 * min(lines, CORSHDR_INDEX_KEPT) of them (more are found by name after the last kept one), raw their
 * bytes untrimmed. Spans are known to be valid and the singleton rule applied. Kernel resolved. */
corshdr_status corshdr__extract_kept(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                     const size_t *kept, size_t lines, size_t raw, unsigned flags,
                                     const corshdr_options *o, corshdr_kernel kernel, corshdr_span *out, size_t cap,
                                     size_t *count, corshdr_error *err);

/* A serialized origin's parts (origin.c), as offsets into it. */
enum { ORIGIN_NULL, ORIGIN_DOMAIN, ORIGIN_IPV4, ORIGIN_IPV6 };
typedef struct origin_parts {
    size_t scheme_len; /* the scheme; "://" follows */
    size_t host, host_len;
    unsigned port;     /* when has_port */
    int has_port;
    int kind;          /* ORIGIN_* */
} origin_parts;

/* corshdr_origin_check, and the parts of a valid origin. p is not NULL. */
corshdr_status corshdr__origin_parse(const char *p, size_t n, origin_parts *o, corshdr_error *err);

/* The lengths of the CORS names (6, 22, 27-30, 32) and of the request side's (6, 29, 30): most lines are
 * none of them, and one test says so. */
#define CORS_LENGTHS ((uint64_t)1 << 6 | (uint64_t)1 << 22 | (uint64_t)0xf << 27 | (uint64_t)1 << 32)
#define REQUEST_LENGTHS ((uint64_t)1 << 6 | (uint64_t)3 << 29)

/* The index of a list whose lines are not checked: names only, of the given lengths (index.c). */
void corshdr__index_names(corshdr_index *ix, const corshdr_field *fields, size_t n, uint64_t lengths);
/* "extract header list values" of a header the index found (flags 0): as corshdr_list_extract. */
corshdr_status corshdr__index_list(const corshdr_index *ix, int which, const corshdr_options *opt, corshdr_span *out,
                                   size_t cap, size_t *count, corshdr_error *err);

/* The defaults of corshdr_options_init, for NULL options. */
extern const corshdr_options corshdr__default_options;

/* Options with defaults applied for NULL, kernel resolved. */
corshdr_options corshdr__options(const corshdr_options *opt);

/* The lexing kernels by name (lex.c picks the SIMD one, lex_simd.h declares them). */
size_t corshdr__tchar_span_scalar(const char *p, size_t n);
/* The length of the SP/HTAB run at the start of (p, n), and of the one at its end, on a vector kernel
 * (AVX2 or SSE2; the scalar kernel never trims this way). For ows_back, p[0] is not SP/HTAB: the run at
 * the end stops there (trim_bounds_k calls it so). */
size_t corshdr__ows_span(const char *p, size_t n, corshdr_kernel resolved);
size_t corshdr__ows_back(const char *p, size_t n, corshdr_kernel resolved);
/* The offset of the first NUL, CR or LF in (p, n), or n. */
size_t corshdr__ctl_find(const char *p, size_t n);

/* The first and one-past-last non-SP/HTAB offsets of a value, on a kernel: a value of a megabyte of
 * spaces is trimmed at vector speed. */
static inline void trim_bounds_k(const char *p, size_t n, corshdr_kernel resolved, size_t *start, size_t *end)
{
    size_t s = corshdr__ows_span(p, n, resolved);
    *start = s;
    *end = s == n ? n : n - corshdr__ows_back(p + s, n - s, resolved);
}

/* What the CPU probe found (lex.c), cached: bits 0-3 the kernel AUTO means, bits 4-7 the best the CPU
 * has, bit 8 set once probed. Read on every call, so the read is inline; the probe is not. */
extern atomic_uint corshdr__probed;
unsigned corshdr__probe_kernels(void);

/* The kernel that runs for a request: AUTO becomes the probed one, a kernel this CPU or build lacks
 * becomes SCALAR. */
static inline corshdr_kernel corshdr__kernel_from(unsigned probed, corshdr_kernel requested)
{
    if (requested == CORSHDR_KERNEL_AUTO)
        return (corshdr_kernel)(probed & 0xfu);
    if (requested == CORSHDR_KERNEL_SSE2 || requested == CORSHDR_KERNEL_AVX2)
        return (unsigned)requested <= (probed >> 4 & 0xfu) ? requested : CORSHDR_KERNEL_SCALAR;
    return CORSHDR_KERNEL_SCALAR;
}

static inline corshdr_kernel corshdr__kernel(corshdr_kernel requested)
{
    unsigned k = atomic_load_explicit(&corshdr__probed, memory_order_relaxed);
    return corshdr__kernel_from(k ? k : corshdr__probe_kernels(), requested);
}

/* Bits set in x. SWAR, because the x86-64 baseline has no popcnt instruction and the builtin would
 * become a library call in this portable code. */
static inline unsigned popcount64(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555u;
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fu;
    return (unsigned)((x * 0x0101010101010101u) >> 56);
}

/* The index of the lowest set bit of x (not 0), and x's bytes in reverse order. The builtins where the
 * compiler has them; the portable forms are whole definitions of their own. */
#if defined(__GNUC__) || defined(__clang__)
static inline unsigned ctz64(uint64_t x) { return (unsigned)__builtin_ctzll(x); }
static inline uint64_t byteswap64(uint64_t w) { return __builtin_bswap64(w); }
#else
static inline unsigned ctz64(uint64_t x)
{
    unsigned n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
}

static inline uint64_t byteswap64(uint64_t w)
{
    uint64_t r = 0;
    for (int i = 0; i < 8; i++, w >>= 8)
        r = r << 8 | (w & 0xff);
    return r;
}
#endif

/* The kernels the layers above inline (name_eq among them) come with the lex layer's own header. */
#include "lex_simd.h"

/* 8 bytes lowercased (ASCII letters only) in an order that compares as the bytes do: big-endian. */
static inline uint64_t key8(const char *p)
{
    uint64_t w = load64(p);
    return byteswap64(w | letter_bits(w));
}

/* corshdr_name_compare, inline for the set functions: byte order of the lowercase forms. 8 bytes at a
 * time; the last 8 overlap bytes already found equal, which changes nothing. */
static inline int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen, i = 0;
    if (n >= 8) {
        for (;; i += 8) {
            if (i + 8 > n)
                i = n - 8;
            uint64_t x = key8(a + i), y = key8(b + i);
            if (x != y)
                return x < y ? -1 : 1;
            if (i + 8 == n)
                break;
        }
        i = n;
    }
    for (; i < n; i++) {
        unsigned char x = ch_lower((unsigned char)a[i]), y = ch_lower((unsigned char)b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* name_eq against a lowercase literal. */
#define NAME_IS(p, n, lit) name_eq((p), (n), (lit), sizeof(lit) - 1)

#endif
