/* cors: one pass over a header list. Every line's name is read once: checked as a token and sorted into
 * the CORS headers by a switch on its length; every value is checked for NUL, CR and LF; both on the
 * vector kernels. The CORS checks then answer from the index without reading the list again. */
#include "internal.h"

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#define NOINLINE __attribute__((noinline))
#else
#define ALWAYS_INLINE inline
#define NOINLINE
#endif

/* The CORS header a field name is, or -1. The lengths tell the names apart but for two pairs, which
 * one byte does. Callers ask only about names of the CORS lengths (CORS_LENGTHS): the last case takes
 * every other length, and NAME_IS compares the length too. */
static ALWAYS_INLINE int cors_name_of(const char *p, size_t n)
{
    switch (n) {
    case 6:
        return NAME_IS(p, n, "origin") ? CORSHDR_ORIGIN : -1;
    case 22:
        return NAME_IS(p, n, "access-control-max-age") ? CORSHDR_ACMA : -1;
    case 27:
        return NAME_IS(p, n, "access-control-allow-origin") ? CORSHDR_ACAO : -1;
    case 28: /* access-control-allow-[m]ethods, -[h]eaders */
        if ((p[21] | 0x20) == 'm')
            return NAME_IS(p, n, "access-control-allow-methods") ? CORSHDR_ACAM : -1;
        return NAME_IS(p, n, "access-control-allow-headers") ? CORSHDR_ACAH : -1;
    case 29: /* access-control-[e]xpose-headers, -[r]equest-method */
        if ((p[15] | 0x20) == 'e')
            return NAME_IS(p, n, "access-control-expose-headers") ? CORSHDR_ACEH : -1;
        return NAME_IS(p, n, "access-control-request-method") ? CORSHDR_ACRM : -1;
    case 30:
        return NAME_IS(p, n, "access-control-request-headers") ? CORSHDR_ACRH : -1;
    default: /* 32 */
        return NAME_IS(p, n, "access-control-allow-credentials") ? CORSHDR_ACAC : -1;
    }
}

static ALWAYS_INLINE void index_add(corshdr_index *ix, int which, size_t i)
{
    size_t k = ix->count[which]++;
    if (k < CORSHDR_INDEX_KEPT)
        ix->line[which][k] = i;
}

/* A line failed: the reference check names the first bad line and byte. Out of line: rare. */
static NOINLINE corshdr_status index_fail(const corshdr_field *fields, size_t n, corshdr_error *err)
{
    return corshdr_fields_check(fields, n, err);
}

enum { SCALAR, SSE2, AVX2 };


/* The pass, on one kernel (a constant in each copy). */
static ALWAYS_INLINE corshdr_status index_pass(corshdr_index *ix, const corshdr_field *fields, size_t n,
                                               corshdr_error *err, int kernel)
{
#if CORSHDR_HAVE_X86_SIMD
    const lex_consts k = lex_consts_make();
#else
    (void)kernel;
#endif
    for (size_t i = 0; i < n; i++) {
        const char *np = fields[i].name.ptr, *vp = fields[i].value.ptr;
        size_t nl = fields[i].name.len, vl = fields[i].value.len;
        unsigned bad = !np | (!vp && vl); /* a NULL name is empty or invalid: either way bad */
        if (!bad) {
#if CORSHDR_HAVE_X86_SIMD
            if (kernel == AVX2)
                bad = (nl == 0) | span_non_tchar_avx2(np, nl, &k) | span_ctl_avx2(vp, vl, &k);
            else if (kernel == SSE2)
                bad = (nl == 0) | span_non_tchar_sse2(np, nl, &k) | span_ctl(vp, vl, &k);
            else
#endif
                bad = nl == 0 || corshdr__tchar_span_scalar(np, nl) != nl ||
                      corshdr__ctl_find(nonnull(vp), vl) != vl;
        }
        if (bad)
            return index_fail(fields, n, err);
        if (nl < 64 && (CORS_LENGTHS >> nl & 1)) {
            int which = cors_name_of(np, nl);
            if (which >= 0)
                index_add(ix, which, i);
        }
    }
    err_clear(err);
    return CORSHDR_OK;
}

#if CORSHDR_HAVE_X86_SIMD
LEX_AVX2 static NOINLINE corshdr_status pass_avx2(corshdr_index *ix, const corshdr_field *f, size_t n,
                                                  corshdr_error *err)
{
    return index_pass(ix, f, n, err, AVX2);
}

static NOINLINE corshdr_status pass_sse2(corshdr_index *ix, const corshdr_field *f, size_t n, corshdr_error *err)
{
    return index_pass(ix, f, n, err, SSE2);
}
#endif

static NOINLINE corshdr_status pass_scalar(corshdr_index *ix, const corshdr_field *f, size_t n, corshdr_error *err)
{
    return index_pass(ix, f, n, err, SCALAR);
}

corshdr_status corshdr_index_build(corshdr_index *ix, const corshdr_field *fields, size_t n, const corshdr_options *opt,
                                   corshdr_error *err)
{
    if (!ix || (!fields && n))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "an index and a field array");
    ix->fields = fields;
    ix->n = n;
    for (int k = 0; k < CORSHDR_CORS_NAMES; k++)
        ix->count[k] = 0;
    corshdr_kernel kernel = corshdr__kernel(opt ? opt->kernel : CORSHDR_KERNEL_AUTO);
#if CORSHDR_HAVE_X86_SIMD
    if (kernel == CORSHDR_KERNEL_AVX2)
        return pass_avx2(ix, fields, n, err);
    if (kernel == CORSHDR_KERNEL_SSE2)
        return pass_sse2(ix, fields, n, err);
#else
    (void)kernel;
#endif
    return pass_scalar(ix, fields, n, err);
}

void corshdr__index_names(corshdr_index *ix, const corshdr_field *fields, size_t n, uint64_t lengths)
{
    ix->fields = fields;
    ix->n = n;
    for (int k = 0; k < CORSHDR_CORS_NAMES; k++)
        ix->count[k] = 0;
    for (size_t i = 0; i < n; i++) {
        const char *np = fields[i].name.ptr;
        size_t nl = fields[i].name.len;
        if (nl < 64 && (lengths >> nl & 1) && np) {
            int which = cors_name_of(np, nl);
            if (which >= 0)
                index_add(ix, which, i);
        }
    }
}

/* The names as the list functions want them, by corshdr_cors_name. */
static const struct {
    const char *name;
    size_t len;
} cors_names[CORSHDR_CORS_NAMES] = {
    {"access-control-allow-origin", 27},    {"access-control-allow-credentials", 32},
    {"access-control-allow-methods", 28},   {"access-control-allow-headers", 28},
    {"access-control-expose-headers", 29},  {"access-control-max-age", 22},
    {"origin", 6},                          {"access-control-request-method", 29},
    {"access-control-request-headers", 30},
};

corshdr_status corshdr__index_list(const corshdr_index *ix, int which, const corshdr_options *opt, corshdr_span *out,
                                   size_t cap, size_t *count, corshdr_error *err)
{
    size_t lines = ix->count[which];
    if (lines == 0) {
        *count = 0;
        return fail(err, CORSHDR_ABSENT, CORSHDR_NPOS, CORSHDR_NPOS, "the header");
    }
    const corshdr_options *o = opt ? opt : &corshdr__default_options;
    size_t raw = 0, kept = lines < CORSHDR_INDEX_KEPT ? lines : CORSHDR_INDEX_KEPT;
    for (size_t l = 0; l < kept; l++)
        raw += ix->fields[ix->line[which][l]].value.len;
    if (lines > kept)
        raw = SIZE_MAX; /* not summed: let the byte limit be checked */
    return corshdr__extract_kept(ix->fields, ix->n, cors_names[which].name, cors_names[which].len, ix->line[which],
                                 lines, raw, 0, o, corshdr__kernel(o->kernel), out, cap, count, err);
}
