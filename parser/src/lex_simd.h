/* lex, vector kernels: the interface of lex_simd.c, and the inline pieces the layers above use on their
 * own hot paths (name comparison, the AVX2 classification of short spans). Only lex_simd.c and this
 * header hold intrinsics. Included at the end of internal.h, whose definitions it uses. */
#ifndef CORSHDR_LEX_SIMD_H
#define CORSHDR_LEX_SIMD_H

/* Vector kernels exist on x86-64 with GCC or Clang unless the build forces the scalar path. */
#if !defined(CORSHDR_FORCE_SCALAR) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CORSHDR_HAVE_X86_SIMD 1
#else
#define CORSHDR_HAVE_X86_SIMD 0
#endif

/* The masks of one short piece (n < 64) byte by byte, bits past n reading as SP: the kernels' tails. */
static inline void classify_scalar(const unsigned char *p, size_t n, uint64_t *t, uint64_t *w, uint64_t *c)
{
    uint64_t tb = 0, wb = ~(uint64_t)0 << n, cb = 0;
    for (size_t i = 0; i < n; i++) {
        tb |= (uint64_t)(corshdr__class[p[i]] & CH_TCHAR) << i;
        wb |= (uint64_t)((corshdr__class[p[i]] & CH_OWS) >> 1) << i;
        cb |= (uint64_t)(p[i] == ',') << i;
    }
    *t = tb;
    *w = wb;
    *c = cb;
}

static inline uint64_t load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint32_t load32(const char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

#if CORSHDR_HAVE_X86_SIMD
#include <immintrin.h>

/* 0xFFFF when the 16 bytes of a and b are equal but for the case of ASCII letters. SSE2, the x86-64
 * baseline: no target attribute, so every layer may inline it. The compares are signed: bytes from 0x80
 * up are negative, never letters. */
static inline unsigned eq16_ci(__m128i a, __m128i b)
{
    __m128i x = _mm_xor_si128(a, b), la = _mm_or_si128(a, _mm_set1_epi8(0x20));
    __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(la, _mm_set1_epi8(0x60)), _mm_cmpgt_epi8(_mm_set1_epi8(0x7b), la));
    __m128i ok = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_setzero_si128()),
                              _mm_and_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(0x20)), letter));
    return (unsigned)_mm_movemask_epi8(ok);
}

#define LOADU16(p) _mm_loadu_si128((const __m128i *)(const void *)(p))

/* Case-insensitive equality of two byte strings (ASCII letters only fold). Header names are 4 to 40
 * bytes: 16 at a time, the last 16 overlapping; under 16, two overlapping 8- or 4-byte loads in one
 * register. Nothing outside either span is read. */
static inline int name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return 0;
    if (alen >= 16) {
        for (size_t i = 0; i + 16 < alen; i += 16)
            if (eq16_ci(LOADU16(a + i), LOADU16(b + i)) != 0xffffu)
                return 0;
        return eq16_ci(LOADU16(a + alen - 16), LOADU16(b + alen - 16)) == 0xffffu;
    }
    if (alen >= 8)
        return eq16_ci(_mm_set_epi64x((long long)load64(a + alen - 8), (long long)load64(a)),
                       _mm_set_epi64x((long long)load64(b + alen - 8), (long long)load64(b))) == 0xffffu;
    if (alen >= 4)
        return eq16_ci(_mm_setr_epi32((int)load32(a), (int)load32(a + alen - 4), 0, 0),
                       _mm_setr_epi32((int)load32(b), (int)load32(b + alen - 4), 0, 0)) == 0xffffu;
    for (size_t i = 0; i < alen; i++)
        if (ch_lower((unsigned char)a[i]) != ch_lower((unsigned char)b[i]))
            return 0;
    return 1;
}

/* ---- whole-span checks of short spans (field names and values), one register at a time ------------ */

/* The nibble tables of tchar (non_tchar_avx2, non_tchar_lanes_avx2): bit r-2 of LO[b & 15] is set when
 * byte (r << 4 | b & 15) is a tchar, for rows r = 2..7; HI[b >> 4]
 * selects the row's bit and is 0 for every other row (controls, DEL, obs-text). */
#define LO_ROW 0x3a, 0x3f, 0x3e, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3e, 0x3e, 0x3d, 0x15, 0x34, 0x15, 0x3d, 0x1c
#define HI_ROW 0x00, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00



/* The n bytes at p (1 <= n <= 16) in one register, every lane a byte of the span: from 8 bytes two
 * overlapping 8-byte loads, from 4 two 4-byte ones, under 4 the bytes repeated. Nothing outside the
 * span is read. For checks that ask whether any byte is in a class, repeats change nothing. */
static inline __m128i load_upto16(const char *p, size_t n)
{
    if (n >= 16)
        return LOADU16(p);
    if (n >= 8)
        return _mm_set_epi64x((long long)load64(p + n - 8), (long long)load64(p));
    if (n >= 4) {
        int lo = (int)load32(p), hi = (int)load32(p + n - 4);
        return _mm_setr_epi32(lo, hi, lo, hi);
    }
    unsigned v = (unsigned char)p[0] | (unsigned)(unsigned char)p[n >> 1] << 8 |
                 (unsigned)(unsigned char)p[n - 1] << 16 | (unsigned)(unsigned char)p[0] << 24;
    return _mm_set1_epi32((int)v);
}

/* The constants of the field checks, made once per list so that they stay in registers. */
typedef struct lex_consts {
    __m128i zero, cr, lf, nib, lo_lut, hi_lut;
} lex_consts;

static inline lex_consts lex_consts_make(void)
{
    lex_consts k;
    k.zero = _mm_setzero_si128();
    k.cr = _mm_set1_epi8('\r');
    k.lf = _mm_set1_epi8('\n');
    k.nib = _mm_set1_epi8(0x0f);
    k.lo_lut = _mm_setr_epi8(LO_ROW);
    k.hi_lut = _mm_setr_epi8(HI_ROW);
    return k;
}

/* Lanes holding NUL, CR or LF. */
static inline unsigned ctl_lanes_k(__m128i x, const lex_consts *k)
{
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, k->zero), _mm_cmpeq_epi8(x, k->cr));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(m, _mm_cmpeq_epi8(x, k->lf)));
}

/* A range test for unsigned bytes: (x - lo) saturating-minus (hi - lo) is 0 exactly when lo <= x <= hi. */
#define RANGE_ZERO(x, lo, hi) _mm_subs_epu8(_mm_sub_epi8((x), _mm_set1_epi8((char)(lo))), _mm_set1_epi8((char)((hi) - (lo))))

/* 0xFF in every lane whose byte is a tchar: ! #-' *+ -. 0-9 A-Z ^-z | ~ (RFC 9110 §5.6.2). SSE2 has no
 * byte shuffle, so nine ranges. */
static inline __m128i tchar_sse2(__m128i x)
{
    __m128i m = RANGE_ZERO(x, 0x21, 0x21);
    m = _mm_min_epu8(m, RANGE_ZERO(x, 0x23, 0x27));
    m = _mm_min_epu8(m, RANGE_ZERO(x, 0x2a, 0x2b));
    m = _mm_min_epu8(m, RANGE_ZERO(x, 0x2d, 0x2e));
    m = _mm_min_epu8(m, RANGE_ZERO(x, 0x30, 0x39));
    m = _mm_min_epu8(m, RANGE_ZERO(x, 0x41, 0x5a));
    m = _mm_min_epu8(m, RANGE_ZERO(x, 0x5e, 0x7a));
    m = _mm_min_epu8(m, RANGE_ZERO(x, 0x7c, 0x7c));
    m = _mm_min_epu8(m, RANGE_ZERO(x, 0x7e, 0x7e));
    return _mm_cmpeq_epi8(m, _mm_setzero_si128());
}

static inline unsigned non_tchar_lanes_sse2(__m128i x, const lex_consts *k)
{
    (void)k;
    return ~(unsigned)_mm_movemask_epi8(tchar_sse2(x)) & 0xffffu;
}

/* Lanes of a span of n bytes in the class `lanes` marks (a function of one register and the constants),
 * OR-ed: non-zero when any byte is in it. 16 bytes at a time, the last 16 overlapping (LONG_LANES, for
 * n > 16); a short span in one register (load_upto16). */
#define LONG_LANES(p, n, lanes, k)                                                                           \
    do {                                                                                                     \
        unsigned any_ = 0;                                                                                   \
        for (size_t i_ = 0; i_ + 16 < (n); i_ += 16)                                                         \
            any_ |= lanes(LOADU16((p) + i_), (k));                                                           \
        return any_ | lanes(LOADU16((p) + (n)-16), (k));                                                     \
    } while (0)
#define SPAN_LANES(p, n, lanes, k)                                                                           \
    do {                                                                                                     \
        if ((n) <= 16)                                                                                       \
            return (n) ? lanes(load_upto16((p), (n)), (k)) : 0;                                              \
        LONG_LANES(p, n, lanes, k);                                                                          \
    } while (0)

/* NUL, CR or LF in a field value: Fetch cannot represent it. */
static inline unsigned span_ctl(const char *p, size_t n, const lex_consts *k) { SPAN_LANES(p, n, ctl_lanes_k, k); }
/* Whether a value holds NUL, CR or LF: SSE2, the x86-64 baseline, for one value at a time. */
static inline int value_has_ctl(const char *p, size_t n)
{
    const lex_consts k = lex_consts_make();
    return span_ctl(p, n, &k) != 0;
}

/* A byte that is not a tchar in a field name. */
static inline unsigned span_non_tchar_sse2(const char *p, size_t n, const lex_consts *k)
{
    SPAN_LANES(p, n, non_tchar_lanes_sse2, k);
}

/* What the AVX2 paths may use: every CPU with AVX2 also has BMI1 and POPCNT (the probe checks all three). */
#define LEX_AVX2 __attribute__((target("avx2,bmi,popcnt")))

/*
 * Classifies the n bytes at p into ceil(n / 64) blocks: bit i of t[k], w[k], c[k] says whether byte
 * 64k+i is a tchar, SP/HTAB, or a comma; bits past the end read as SP. n is a multiple of 64 except at
 * the end of a line, and `before` bytes before p belong to the same span, so a partial last block is
 * loaded as the 64 bytes ending at the span's end (or, in a short span, as overlapping loads) instead of
 * being copied: nothing outside the span is read, and no load waits on fresh stores. The AVX2 one is
 * only given lines of 64 bytes or more (shorter ones: classify_short_avx2).
 */
void corshdr__classify_sse2(const unsigned char *p, size_t n, size_t before, uint64_t *t, uint64_t *w, uint64_t *c);
void corshdr__classify_avx2(const unsigned char *p, size_t n, size_t before, uint64_t *t, uint64_t *w, uint64_t *c);

size_t corshdr__tchar_span_sse2(const char *p, size_t n);
size_t corshdr__tchar_span_avx2(const char *p, size_t n);
size_t corshdr__ows_span_sse2(const char *p, size_t n);
size_t corshdr__ows_span_avx2(const char *p, size_t n);
size_t corshdr__ows_back_sse2(const char *p, size_t n);
size_t corshdr__ows_back_avx2(const char *p, size_t n);

LEX_AVX2 static inline __m256i non_tchar_avx2(__m256i x)
{
    const __m256i lo_lut = _mm256_setr_epi8(LO_ROW, LO_ROW);
    const __m256i hi_lut = _mm256_setr_epi8(HI_ROW, HI_ROW);
    const __m256i nib = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_shuffle_epi8(lo_lut, _mm256_and_si256(x, nib));
    __m256i hi = _mm256_shuffle_epi8(hi_lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), nib));
    return _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256());
}

/* The three masks of 32 bytes. */
LEX_AVX2 static inline void masks32(__m256i x, uint64_t *t, uint64_t *w, uint64_t *c)
{
    __m256i ows = _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(' ')), _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\t')));
    *t = ~(uint32_t)_mm256_movemask_epi8(non_tchar_avx2(x));
    *w = (uint32_t)_mm256_movemask_epi8(ows);
    *c = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(',')));
}

/* The same on 16 bytes (the 128-bit forms of the same instructions). */
LEX_AVX2 static inline void masks16_avx2(__m128i x, unsigned *t, unsigned *w, unsigned *c)
{
    const __m128i nib = _mm_set1_epi8(0x0f);
    __m128i lo = _mm_shuffle_epi8(_mm_setr_epi8(LO_ROW), _mm_and_si128(x, nib));
    __m128i hi = _mm_shuffle_epi8(_mm_setr_epi8(HI_ROW), _mm_and_si128(_mm_srli_epi16(x, 4), nib));
    __m128i ows = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\t')));
    *t = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128())) & 0xffffu;
    *w = (unsigned)_mm_movemask_epi8(ows);
    *c = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')));
}

LEX_AVX2 static inline unsigned non_tchar_lanes_avx2(__m128i x, const lex_consts *k)
{
    __m128i lo = _mm_shuffle_epi8(k->lo_lut, _mm_and_si128(x, k->nib));
    __m128i hi = _mm_shuffle_epi8(k->hi_lut, _mm_and_si128(_mm_srli_epi16(x, 4), k->nib));
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(lo, hi), k->zero));
}

/* The same 32 bytes at a time: 17 to 32 bytes (most CORS names, many values) in one 256-bit register of
 * two overlapping 16-byte halves. */
LEX_AVX2 static inline __m256i load_17_32(const char *p, size_t n)
{
    return _mm256_inserti128_si256(_mm256_castsi128_si256(LOADU16(p)), LOADU16(p + n - 16), 1);
}

LEX_AVX2 static inline unsigned span_non_tchar_avx2(const char *p, size_t n, const lex_consts *k)
{
    if (n <= 16)
        return n ? non_tchar_lanes_avx2(load_upto16(p, n), k) : 0;
    if (n <= 32)
        return (unsigned)_mm256_movemask_epi8(non_tchar_avx2(load_17_32(p, n)));
    LONG_LANES(p, n, non_tchar_lanes_avx2, k);
}

LEX_AVX2 static inline unsigned span_ctl_avx2(const char *p, size_t n, const lex_consts *k)
{
    if (n <= 16)
        return n ? ctl_lanes_k(load_upto16(p, n), k) : 0;
    if (n <= 32) {
        __m256i x = load_17_32(p, n);
        __m256i m = _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_setzero_si256()), _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\r')));
        return (unsigned)_mm256_movemask_epi8(_mm256_or_si256(m, _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\n'))));
    }
    LONG_LANES(p, n, ctl_lanes_k, k);
}

/*
 * The masks of a span of n < 64 bytes in registers, bits at and past n reading as SP. Two loads of the
 * largest power-of-two width that fits (32, 16, 8 or 4 bytes), one at each end of the span, overlapping
 * in the middle: nothing outside the span is read, and the overlap's bits agree, so OR joins them.
 * 8- and 4-byte halves share one 16-byte register. Under 4 bytes, byte by byte.
 */
LEX_AVX2 static inline void classify_short_avx2(const unsigned char *p, size_t n, uint64_t *t, uint64_t *w,
                                                uint64_t *c)
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
#else /* no vector kernels: the same comparison and check a byte at a time */

static inline int value_has_ctl(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ch_is((unsigned char)p[i], CH_CTL))
            return 1;
    return 0;
}

static inline int name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return 0;
    for (size_t i = 0; i < alen; i++)
        if (ch_lower((unsigned char)a[i]) != ch_lower((unsigned char)b[i]))
            return 0;
    return 1;
}
#endif /* CORSHDR_HAVE_X86_SIMD */

#endif
