/* fuzz_input: see fuzz_input.h for the formats. */
#include "fuzz_input.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const corshdr_kernel fin_kernels[4] = {CORSHDR_KERNEL_SCALAR, CORSHDR_KERNEL_AUTO, CORSHDR_KERNEL_SSE2,
                                       CORSHDR_KERNEL_AVX2};

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "corshdr-fuzz: MISMATCH at %s:%d: %s: ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

const char *fuzz_esc(const char *p, size_t n)
{
    static char bufs[8][256];
    static unsigned next;
    char *b = bufs[next++ % 8];
    size_t w = 0;
    if (!p) {
        snprintf(b, sizeof bufs[0], "(null)");
        return b;
    }
    b[w++] = '"';
    for (size_t i = 0; i < n && w < sizeof bufs[0] - 8; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') {
            b[w++] = '\\';
            b[w++] = (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            b[w++] = (char)c;
        } else {
            w += (size_t)snprintf(b + w, 5, "\\x%02x", c);
        }
    }
    b[w++] = '"';
    if (w >= sizeof bufs[0] - 8)
        b[w++] = '+';
    b[w] = 0;
    return b;
}

const char *fuzz_esc_span(corshdr_span s)
{
    return fuzz_esc(s.ptr, s.len);
}

static void fin_init(fuzz_input *in)
{
    memset(in, 0, sizeof *in);
}

void *fin_alloc(fuzz_input *in, size_t size)
{
    if (in->nallocs == in->cap) {
        size_t cap = in->cap ? 2 * in->cap : 16;
        void **a = realloc(in->allocs, cap * sizeof *a);
        if (!a) {
            fputs("corshdr-fuzz: out of memory\n", stderr);
            abort();
        }
        in->allocs = a;
        in->cap = cap;
    }
    /* malloc(0) gives a unique 0-byte block under the sanitizers: any read of it is reported. */
    void *p = malloc(size);
    if (!p && size) {
        fputs("corshdr-fuzz: out of memory\n", stderr);
        abort();
    }
    in->allocs[in->nallocs++] = p;
    return p;
}

corshdr_span fin_copy(fuzz_input *in, const void *p, size_t n)
{
    corshdr_span s;
    s.len = n;
    if (n == 0 && (in->flags & FIN_NULL_EMPTY)) {
        s.ptr = NULL;
        return s;
    }
    char *c = fin_alloc(in, n);
    if (n)
        memcpy(c, p, n);
    s.ptr = c;
    return s;
}

void fin_free(fuzz_input *in)
{
    for (size_t i = 0; i < in->nallocs; i++)
        free(in->allocs[i]);
    free(in->allocs);
    fin_init(in);
}

corshdr_span fin_value(fuzz_input *in, const uint8_t *data, size_t size)
{
    fin_init(in);
    if (size > 0)
        in->flags = data[0];
    return fin_copy(in, size > 1 ? data + 1 : NULL, size > 1 ? size - 1 : 0);
}

void fin_records(fuzz_input *in, const uint8_t *data, size_t size)
{
    fin_init(in);
    if (size > 0)
        in->flags = data[0];
    if (size > 1)
        in->sep = data[1];
    in->p = size > 2 ? data + 2 : NULL;
    in->n = size > 2 ? size - 2 : 0;
    /* No byte after F and S: no record at all (one empty record would be a line with an empty name). */
    in->ended = size <= 2;
}

/* The next record, not copied. */
static int next_raw(fuzz_input *in, const unsigned char **p, size_t *n)
{
    if (in->ended)
        return 0;
    size_t start = in->pos, i = start;
    while (i < in->n && in->p[i] != in->sep)
        i++;
    *p = in->p + start;
    *n = i - start;
    if (i >= in->n)
        in->ended = 1;
    else
        in->pos = i + 1;
    return 1;
}

int fin_record(fuzz_input *in, corshdr_span *rec)
{
    const unsigned char *p;
    size_t n;
    if (!next_raw(in, &p, &n)) {
        *rec = fin_copy(in, NULL, 0);
        return 0;
    }
    *rec = fin_copy(in, p, n);
    return 1;
}

long long fin_number(fuzz_input *in)
{
    const unsigned char *p;
    size_t n;
    if (!next_raw(in, &p, &n) || n == 0)
        return 0;
    size_t i = 0;
    int negative = p[0] == '-';
    i += (size_t)negative;
    long long v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        if (v < LLONG_MAX / 100)
            v = v * 10 + (p[i] - '0');
    }
    return negative ? -v : v;
}

corshdr_field *fin_fields(fuzz_input *in, size_t *n)
{
    /* Count first, so the array has exactly n elements. */
    fuzz_input probe = *in;
    const unsigned char *p;
    size_t len, count = 0;
    while (next_raw(&probe, &p, &len))
        count++;
    corshdr_field *f = fin_alloc(in, count * sizeof *f);
    for (size_t i = 0; i < count; i++) {
        (void)next_raw(in, &p, &len);
        const unsigned char *colon = len ? memchr(p, ':', len) : NULL;
        size_t nl = colon ? (size_t)(colon - p) : len;
        f[i].name = fin_copy(in, p, nl);
        f[i].value = colon ? fin_copy(in, colon + 1, len - nl - 1) : fin_copy(in, NULL, 0);
    }
    *n = count;
    return f;
}

corshdr_field *fin_param_fields(fuzz_input *in, const uint8_t *data, size_t size, corshdr_span *param, size_t *n)
{
    fin_records(in, data, size);
    (void)fin_record(in, param);
    return fin_fields(in, n);
}

corshdr_credentials fin_credentials(const fuzz_input *in)
{
    switch (in->flags & 3u) {
    case 1:
        return CORSHDR_CREDENTIALS_SAME_ORIGIN;
    case 2:
        return CORSHDR_CREDENTIALS_INCLUDE;
    default:
        return CORSHDR_CREDENTIALS_OMIT;
    }
}

corshdr_options fin_options(const fuzz_input *in, corshdr_kernel kernel)
{
    corshdr_options o;
    corshdr_options_init(&o);
    unsigned l = (in->flags >> 5) & 7u;
    if (l) {
        o.max_elements = l - 1;
        o.max_empty = l - 1;
        o.max_bytes = 6 * (size_t)l;
    }
    o.kernel = kernel;
    return o;
}

oracle_limits fin_limits_of(const corshdr_options *opt)
{
    oracle_limits l;
    l.max_elements = opt->max_elements;
    l.max_empty = opt->max_empty;
    l.max_bytes = opt->max_bytes;
    return l;
}

oracle_limits fin_limits(const fuzz_input *in)
{
    corshdr_options o = fin_options(in, CORSHDR_KERNEL_SCALAR);
    return fin_limits_of(&o);
}

corshdr_field *fin_split_at_commas(fuzz_input *in, const corshdr_field *f, size_t n, const char *name, size_t nlen,
                                   size_t *m)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        count++;
        if (oracle_name_eq(f[i].name.ptr, f[i].name.len, name, nlen))
            for (size_t k = 0; k < f[i].value.len; k++)
                count += f[i].value.ptr[k] == ',';
    }
    corshdr_field *g = fin_alloc(in, count * sizeof *g);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (!oracle_name_eq(f[i].name.ptr, f[i].name.len, name, nlen)) {
            g[w++] = f[i];
            continue;
        }
        const char *v = f[i].value.ptr;
        size_t start = 0;
        for (size_t k = 0; k <= f[i].value.len; k++)
            if (k == f[i].value.len || v[k] == ',') {
                g[w].name = f[i].name;
                g[w].value = fin_copy(in, v ? v + start : NULL, k - start);
                w++;
                start = k + 1;
            }
    }
    *m = w;
    return g;
}

corshdr_field fin_line(fuzz_input *in, const char *name, const char *value, size_t vlen)
{
    corshdr_field l;
    l.name = fin_copy(in, name, strlen(name));
    l.value = fin_copy(in, value, vlen);
    return l;
}

int fin_span_eq(corshdr_span a, const char *p, size_t n)
{
    return a.len == n && (n == 0 || memcmp(a.ptr, p, n) == 0);
}

int fin_spans_eq_olist(const corshdr_span *v, size_t n, const olist *l)
{
    if (n != l->n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!fin_span_eq(v[i], l->v[i].p, l->v[i].n))
            return 0;
    return 1;
}

/* The CORS header names by corshdr_cors_name, written out again for the oracle's count. */
static const char *const cors_names[CORSHDR_CORS_NAMES] = {
    "access-control-allow-origin",   "access-control-allow-credentials", "access-control-allow-methods",
    "access-control-allow-headers",  "access-control-expose-headers",    "access-control-max-age",
    "origin",                        "access-control-request-method",    "access-control-request-headers",
};

int fin_index(fuzz_input *in, const corshdr_field *f, size_t n, corshdr_index *ix)
{
    (void)in;
    size_t bad_line;
    corshdr_status want = oracle_fields_valid(f, n, &bad_line);
    corshdr_error e0;
    corshdr_options o0 = fin_options(in, CORSHDR_KERNEL_SCALAR);
    corshdr_status st = corshdr_index_build(ix, f, n, &o0, &e0);
    FUZZ_CHECK(st == want && (st == CORSHDR_OK || e0.line == bad_line), "index_build = %s (line %zu), oracle %s (line %zu)",
               corshdr_err_name(st), e0.line, corshdr_err_name(want), bad_line);
    for (size_t k = 1; k < FIN_NKERNELS; k++) {
        corshdr_index ik;
        corshdr_error ek;
        corshdr_options ok = fin_options(in, fin_kernels[k]);
        corshdr_status sk = corshdr_index_build(&ik, f, n, &ok, &ek);
        FUZZ_CHECK(sk == st && ek.code == e0.code && ek.line == e0.line && ek.offset == e0.offset &&
                       ek.in_name == e0.in_name,
                   "index_build kernel %d: %s line %zu offset %zu; scalar %s line %zu offset %zu", (int)fin_kernels[k],
                   corshdr_err_name(sk), ek.line, ek.offset, corshdr_err_name(st), e0.line, e0.offset);
        for (int w = 0; sk == CORSHDR_OK && w < CORSHDR_CORS_NAMES; w++) {
            FUZZ_CHECK(ik.count[w] == ix->count[w], "index_build kernel %d: %zu lines of name %d, scalar %zu",
                       (int)fin_kernels[k], ik.count[w], w, ix->count[w]);
            for (size_t l = 0; l < ix->count[w] && l < CORSHDR_INDEX_KEPT; l++) /* the rest is not set */
                FUZZ_CHECK(ik.line[w][l] == ix->line[w][l], "index_build kernel %d: another line", (int)fin_kernels[k]);
        }
    }
    if (st != CORSHDR_OK)
        return 0;
    /* each CORS name: how many lines, and the first of them in order */
    for (int w = 0; w < CORSHDR_CORS_NAMES; w++) {
        size_t c = 0;
        for (size_t i = 0; i < n; i++) {
            if (!oracle_name_eq(f[i].name.ptr, f[i].name.len, cors_names[w], strlen(cors_names[w])))
                continue;
            FUZZ_CHECK(c >= CORSHDR_INDEX_KEPT || ix->line[w][c] == i, "index: line %zu of %s is %zu, expected %zu", c,
                       cors_names[w], ix->line[w][c], i);
            c++;
        }
        FUZZ_CHECK(ix->count[w] == c, "index: %zu lines of %s, expected %zu", ix->count[w], cors_names[w], c);
    }
    return 1;
}
