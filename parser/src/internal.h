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

/* The block classifier of a resolved kernel; NULL for SCALAR (the per-element path runs instead). */
static inline corshdr__classify_fn corshdr__classifier(corshdr_kernel resolved)
{
#if CORSHDR_HAVE_X86_SIMD
    if (resolved == CORSHDR_KERNEL_AVX2)
        return corshdr__classify_avx2;
    if (resolved == CORSHDR_KERNEL_SSE2)
        return corshdr__classify_sse2;
#endif
    (void)resolved;
    return NULL;
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

#if CORSHDR_HAVE_X86_SIMD
#include <immintrin.h>

/* ---- AVX2 classification, shared by the block kernel (lex_simd.c) and the short-line path (list.c) ---- */

/* 0xFF in every lane whose byte is NOT a tchar (the mask is inverted once, as an integer).
 * Bit r-2 of LO[b & 15] is set when byte (r << 4 | b & 15) is a tchar, for rows r = 2..7; HI[b >> 4]
 * selects the row's bit and is 0 for every other row (controls, DEL, obs-text). */
#define LO_ROW 0x3a, 0x3f, 0x3e, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3e, 0x3e, 0x3d, 0x15, 0x34, 0x15, 0x3d, 0x1c
#define HI_ROW 0x00, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00

__attribute__((target("avx2"))) static inline __m256i non_tchar_avx2(__m256i x)
{
    const __m256i lo_lut = _mm256_setr_epi8(LO_ROW, LO_ROW);
    const __m256i hi_lut = _mm256_setr_epi8(HI_ROW, HI_ROW);
    const __m256i nib = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_shuffle_epi8(lo_lut, _mm256_and_si256(x, nib));
    __m256i hi = _mm256_shuffle_epi8(hi_lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), nib));
    return _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256());
}

/* The three masks of 32 bytes. */
__attribute__((target("avx2"))) static inline void masks32(__m256i x, uint64_t *t, uint64_t *w, uint64_t *c)
{
    __m256i ows = _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(' ')), _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\t')));
    *t = ~(uint32_t)_mm256_movemask_epi8(non_tchar_avx2(x));
    *w = (uint32_t)_mm256_movemask_epi8(ows);
    *c = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(',')));
}

/* The same on 16 bytes (the 128-bit forms of the same instructions). */
__attribute__((target("avx2"))) static inline void masks16_avx2(__m128i x, unsigned *t, unsigned *w, unsigned *c)
{
    const __m128i nib = _mm_set1_epi8(0x0f);
    __m128i lo = _mm_shuffle_epi8(_mm_setr_epi8(LO_ROW), _mm_and_si128(x, nib));
    __m128i hi = _mm_shuffle_epi8(_mm_setr_epi8(HI_ROW), _mm_and_si128(_mm_srli_epi16(x, 4), nib));
    __m128i ows = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\t')));
    *t = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128())) & 0xffffu;
    *w = (unsigned)_mm_movemask_epi8(ows);
    *c = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')));
}

/*
 * The masks of a span of n < 64 bytes in registers, bits at and past n reading as SP. Two loads of the
 * largest power-of-two width that fits (32, 16, 8 or 4 bytes), one at each end of the span, overlapping
 * in the middle: nothing outside the span is read, and the overlap's bits agree, so OR joins them.
 * 8- and 4-byte halves share one 16-byte register. Under 4 bytes, byte by byte.
 */
__attribute__((target("avx2"))) static inline void classify_short_avx2(const unsigned char *p, size_t n, uint64_t *t,
                                                                       uint64_t *w, uint64_t *c)
{
    uint64_t t0, w0, c0, t1, w1, c1;
    unsigned at;
    if (n >= 32) {
        masks32(_mm256_loadu_si256((const __m256i *)(const void *)p), &t0, &w0, &c0);
        masks32(_mm256_loadu_si256((const __m256i *)(const void *)(p + n - 32)), &t1, &w1, &c1);
        at = (unsigned)n - 32;
    } else if (n >= 16) {
        unsigned ta, wa, ca, tb, wb, cb;
        masks16_avx2(_mm_loadu_si128((const __m128i *)(const void *)p), &ta, &wa, &ca);
        masks16_avx2(_mm_loadu_si128((const __m128i *)(const void *)(p + n - 16)), &tb, &wb, &cb);
        t0 = ta, w0 = wa, c0 = ca, t1 = tb, w1 = wb, c1 = cb;
        at = (unsigned)n - 16;
    } else if (n >= 4) {
        __m128i x;
        unsigned half, tm, wm, cm;
        if (n >= 8) {
            uint64_t lo, hi;
            memcpy(&lo, p, 8);
            memcpy(&hi, p + n - 8, 8);
            x = _mm_set_epi64x((long long)hi, (long long)lo);
            half = 8;
        } else {
            uint32_t lo, hi;
            memcpy(&lo, p, 4);
            memcpy(&hi, p + n - 4, 4);
            x = _mm_setr_epi32((int)lo, (int)hi, 0, 0);
            half = 4;
        }
        masks16_avx2(x, &tm, &wm, &cm);
        unsigned keep = (1u << half) - 1;
        t0 = tm & keep, w0 = wm & keep, c0 = cm & keep;
        t1 = tm >> half & keep, w1 = wm >> half & keep, c1 = cm >> half & keep;
        at = (unsigned)n - half;
    } else {
        classify_scalar(p, n, t, w, c);
        return;
    }
    *t = t0 | t1 << at;
    *w = w0 | w1 << at | ~(uint64_t)0 << n;
    *c = c0 | c1 << at;
}
#endif /* CORSHDR_HAVE_X86_SIMD */

#endif
