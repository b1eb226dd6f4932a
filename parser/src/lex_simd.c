/* lex, vector kernels: the tchar / OWS / comma classes and NUL/CR/LF 16 or 32 bytes at a time. Each has
 * a scalar twin in lex.c that gives the same answer for every input (the differential fuzz targets and
 * the byte-exhaustive tests hold them to it). Compiled with per-function target attributes, so the build
 * needs no -mavx2 and the dispatcher picks a kernel once at run time. */
#include "internal.h"

#if CORSHDR_HAVE_X86_SIMD

/* ---- SSE2: no byte shuffle, so tchar is nine byte ranges (tchar_sse2, lex_simd.h) ---------------- */

size_t corshdr__tchar_span_sse2(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned bad = ~(unsigned)_mm_movemask_epi8(tchar_sse2(x)) & 0xffffu;
        if (bad)
            return i + (size_t)__builtin_ctz(bad);
    }
    return i + corshdr__tchar_span_scalar(p + i, n - i);
}

/* The three masks of 16 bytes. */
static inline void masks16(__m128i x, unsigned *t, unsigned *w, unsigned *c)
{
    __m128i ows = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\t')));
    *t = (unsigned)_mm_movemask_epi8(tchar_sse2(x));
    *w = (unsigned)_mm_movemask_epi8(ows);
    *c = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')));
}

/* Masks of the 16 bytes at p, OR-ed in at bit `at`. */
static inline void add16(const unsigned char *p, unsigned at, uint64_t m[3])
{
    unsigned t, w, c;
    masks16(_mm_loadu_si128((const __m128i *)(const void *)p), &t, &w, &c);
    m[0] |= (uint64_t)t << at;
    m[1] |= (uint64_t)w << at;
    m[2] |= (uint64_t)c << at;
}

/* Masks of the 64 bytes at p. */
static inline void block64_sse2(const unsigned char *p, uint64_t m[3])
{
    m[0] = m[1] = m[2] = 0;
    for (unsigned k = 0; k < 4; k++)
        add16(p + 16 * k, 16 * k, m);
}

/* The last r (< 64) bytes of a span, at q: the 64 bytes ending at q + r when the span has them, else
 * overlapping 16-byte loads inside [q, q + r), else bytes one by one. Bits past r read as SP. */
static void tail_sse2(const unsigned char *q, size_t r, size_t before, uint64_t m[3])
{
    if (before + r >= 64) {
        block64_sse2(q + r - 64, m);
        for (int i = 0; i < 3; i++)
            m[i] >>= 64 - r;
    } else if (r >= 16) {
        m[0] = m[1] = m[2] = 0;
        for (unsigned at = 0; at + 16 <= r; at += 16)
            add16(q + at, at, m);
        add16(q + r - 16, (unsigned)r - 16, m);
    } else {
        classify_scalar(q, r, &m[0], &m[1], &m[2]);
        return;
    }
    m[1] |= ~(uint64_t)0 << r;
}

void corshdr__classify_sse2(const unsigned char *p, size_t n, size_t before, uint64_t *t, uint64_t *w, uint64_t *c)
{
    size_t b = 0;
    uint64_t m[3];
    for (; (b + 1) * 64 <= n; b++) {
        block64_sse2(p + 64 * b, m);
        t[b] = m[0];
        w[b] = m[1];
        c[b] = m[2];
    }
    if (n % 64) {
        tail_sse2(p + 64 * b, n % 64, before + 64 * b, m);
        t[b] = m[0];
        w[b] = m[1];
        c[b] = m[2];
    }
}

/* ---- AVX2: tchar by nibble lookup (lex_simd.h), two shuffles per 32 bytes -------------------------- */

LEX_AVX2 size_t corshdr__tchar_span_avx2(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
        uint32_t bad = (uint32_t)_mm256_movemask_epi8(non_tchar_avx2(x));
        if (bad)
            return i + (size_t)__builtin_ctz(bad);
    }
    return i + corshdr__tchar_span_sse2(p + i, n - i);
}

LEX_AVX2 static inline void block64_avx2(const unsigned char *p, uint64_t m[3])
{
    uint64_t t0, w0, c0, t1, w1, c1;
    masks32(_mm256_loadu_si256((const __m256i *)(const void *)p), &t0, &w0, &c0);
    masks32(_mm256_loadu_si256((const __m256i *)(const void *)(p + 32)), &t1, &w1, &c1);
    m[0] = t0 | t1 << 32;
    m[1] = w0 | w1 << 32;
    m[2] = c0 | c1 << 32;
}

/* As tail_sse2, but the 64 bytes ending at the span's end are always there: AVX2 classifies only lines of
 * 64 bytes or more this way (scan_line_avx2 keeps shorter ones in registers, classify_short_avx2). */
LEX_AVX2 static void tail_avx2(const unsigned char *q, size_t r, uint64_t m[3])
{
    block64_avx2(q + r - 64, m);
    for (int i = 0; i < 3; i++)
        m[i] >>= 64 - r;
    m[1] |= ~(uint64_t)0 << r;
}

LEX_AVX2 void corshdr__classify_avx2(const unsigned char *p, size_t n, size_t before, uint64_t *t, uint64_t *w,
                                     uint64_t *c)
{
    size_t b = 0;
    uint64_t m[3];
    (void)before; /* at least 64 bytes of the line come before its last partial block (tail_avx2) */
    for (; (b + 1) * 64 <= n; b++) {
        block64_avx2(p + 64 * b, m);
        t[b] = m[0];
        w[b] = m[1];
        c[b] = m[2];
    }
    if (n % 64) {
        tail_avx2(p + 64 * b, n % 64, m);
        t[b] = m[0];
        w[b] = m[1];
        c[b] = m[2];
    }
}

/* ---- OWS runs: compares only, so the same loop serves both widths ----------------------------------- */

/* SP/HTAB lanes of 16 or 32 bytes as a bit mask. */
static inline unsigned ows16(__m128i x)
{
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\t'))));
}

LEX_AVX2 static inline uint32_t ows32(__m256i x)
{
    return (uint32_t)_mm256_movemask_epi8(
        _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(' ')), _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\t'))));
}

#define LOAD16(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define LOAD32(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))

size_t corshdr__ows_span_sse2(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        unsigned other = ~ows16(LOAD16(p + i)) & 0xffffu;
        if (other)
            return i + (size_t)__builtin_ctz(other);
    }
    while (i < n && ch_is((unsigned char)p[i], CH_OWS))
        i++;
    return i;
}

size_t corshdr__ows_back_sse2(const char *p, size_t n)
{
    size_t k = 0; /* bytes at the end known to be SP/HTAB */
    for (; k + 16 <= n; k += 16) {
        unsigned other = ~ows16(LOAD16(p + n - k - 16)) & 0xffffu;
        if (other)
            return k + (size_t)__builtin_clz(other) - 16;
    }
    while (ch_is((unsigned char)p[n - k - 1], CH_OWS)) /* p[0] is not SP/HTAB: the run stops there */
        k++;
    return k;
}

LEX_AVX2 size_t corshdr__ows_span_avx2(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint32_t other = ~ows32(LOAD32(p + i));
        if (other)
            return i + (size_t)__builtin_ctz(other);
    }
    return i + corshdr__ows_span_sse2(p + i, n - i);
}

LEX_AVX2 size_t corshdr__ows_back_avx2(const char *p, size_t n)
{
    size_t k = 0;
    for (; k + 32 <= n; k += 32) {
        uint32_t other = ~ows32(LOAD32(p + n - k - 32));
        if (other)
            return k + (size_t)__builtin_clz(other);
    }
    return k + corshdr__ows_back_sse2(p, n - k);
}

#endif /* CORSHDR_HAVE_X86_SIMD */

#if !CORSHDR_HAVE_X86_SIMD
typedef int corshdr__no_vector_kernels; /* ISO C wants a declaration in every translation unit */
#endif
