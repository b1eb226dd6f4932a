/*
 * Target name_list (RECORDS: R0 the name, then header lines; F bit 3 CORSHDR_LIST_SINGLETON, bit 4
 * CORSHDR_LIST_NONEMPTY, bits 5-7 small limits): Fetch "extract header list values" for a #token header.
 * Checks:
 * - every kernel gives the SCALAR kernel's result (status, count, error record, the very same spans);
 * - the result agrees with the oracle: null, failure (the library's code is one of the rules the header
 *   breaks), or the elements byte for byte; each element is a span inside a line of that name;
 * - corshdr_list_extract with a size query, an exact array and a one-short array (ENOSPC), and the
 *   init/next iterator, agree; an ended iterator keeps returning its last status;
 * - parse, serialize, parse: the elements joined by ", " on one line parse to the same elements;
 * - the header's lines split at every comma into more lines give the same result;
 * - corshdr_list_parse of each line's value, with every kernel, against the oracle on that value alone.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_input.h"

typedef struct result {
    corshdr_status st;
    corshdr_span *v;
    size_t n;
    corshdr_error err; /* of the first call */
} result;

static result extract(fuzz_input *in, const corshdr_field *f, size_t n, corshdr_span name, unsigned flags,
                      const corshdr_options *opt)
{
    result r;
    size_t count = 99;
    corshdr_error err;
    r.st = corshdr_list_extract(f, n, name.ptr, name.len, flags, opt, NULL, 0, &count, &err);
    r.err = err;
    r.n = 0;
    r.v = fin_alloc(in, 0);
    FUZZ_CHECK(err.code == r.st || (r.st == CORSHDR_ABSENT), "err.code %s != %s", corshdr_err_name(err.code),
               corshdr_err_name(r.st));
    if (r.st == CORSHDR_ENOSPC) {
        FUZZ_CHECK(count > 0, "ENOSPC with count 0");
        corshdr_span *short_v = fin_alloc(in, (count - 1) * sizeof *short_v);
        size_t c2 = 0;
        corshdr_status st = corshdr_list_extract(f, n, name.ptr, name.len, flags, opt, short_v, count - 1, &c2, NULL);
        FUZZ_CHECK(st == CORSHDR_ENOSPC && c2 == count, "extract(cap %zu) = %s, count %zu", count - 1,
                   corshdr_err_name(st), c2);
        r.v = fin_alloc(in, count * sizeof *r.v);
        r.st = corshdr_list_extract(f, n, name.ptr, name.len, flags, opt, r.v, count, &r.n, NULL);
        FUZZ_CHECK(r.st == CORSHDR_OK && r.n == count, "extract(cap %zu) = %s, count %zu", count,
                   corshdr_err_name(r.st), r.n);
    } else {
        FUZZ_CHECK(count == 0, "extract with cap 0 = %s with count %zu", corshdr_err_name(r.st), count);
    }
    return r;
}

/* corshdr_list_parse of one value, with a size query, a one-short array and an exact array. */
static result parse_value(fuzz_input *in, corshdr_span v, unsigned flags, const corshdr_options *opt)
{
    result r;
    size_t count = 99;
    corshdr_error err;
    r.st = corshdr_list_parse(v.ptr, v.len, flags, opt, NULL, 0, &count, &err);
    r.err = err;
    r.n = 0;
    r.v = fin_alloc(in, 0);
    FUZZ_CHECK(err.code == r.st && (r.st >= 0 || err.line == CORSHDR_NPOS), "list_parse: err.code %s line %zu, status %s",
               corshdr_err_name(err.code), err.line, corshdr_err_name(r.st));
    if (r.st != CORSHDR_ENOSPC) {
        FUZZ_CHECK(r.st != CORSHDR_OK || count == 0, "list_parse with cap 0 = OK with count %zu", count);
        return r;
    }
    FUZZ_CHECK(count > 0, "list_parse: ENOSPC with count 0");
    corshdr_span *short_v = fin_alloc(in, (count - 1) * sizeof *short_v);
    size_t c2 = 0;
    corshdr_status st = corshdr_list_parse(v.ptr, v.len, flags, opt, short_v, count - 1, &c2, NULL);
    FUZZ_CHECK(st == CORSHDR_ENOSPC && c2 == count, "list_parse(cap %zu) = %s, count %zu", count - 1,
               corshdr_err_name(st), c2);
    r.v = fin_alloc(in, count * sizeof *r.v);
    r.st = corshdr_list_parse(v.ptr, v.len, flags, opt, r.v, count, &r.n, NULL);
    FUZZ_CHECK(r.st == CORSHDR_OK && r.n == count, "list_parse(cap %zu) = %s, count %zu", count,
               corshdr_err_name(r.st), r.n);
    return r;
}

/* The same status, the same error record (the vector kernels locate a failure from their masks, the
 * scalar kernel walks element by element) and the very same spans. */
static int same_spans(const result *a, const result *b)
{
    if (a->st != b->st || a->n != b->n || a->err.code != b->err.code || a->err.line != b->err.line ||
        a->err.offset != b->err.offset || strcmp(a->err.expected, b->err.expected) != 0)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].ptr != b->v[i].ptr || a->v[i].len != b->v[i].len)
            return 0;
    return 1;
}

static int same_bytes(const result *a, const result *b)
{
    if (a->st != b->st || a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (!fin_span_eq(a->v[i], b->v[i].ptr, b->v[i].len))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    corshdr_span name;
    size_t n;
    corshdr_field *f = fin_param_fields(&in, data, size, &name, &n);
    unsigned flags = ((in.flags & FIN_SWITCH_A) ? CORSHDR_LIST_SINGLETON : 0u) |
                     ((in.flags & FIN_SWITCH_B) ? CORSHDR_LIST_NONEMPTY : 0u);

    /* SIMD kernels against the scalar one. */
    corshdr_options opt = fin_options(&in, CORSHDR_KERNEL_SCALAR);
    result r = extract(&in, f, n, name, flags, &opt);
    for (size_t k = 1; k < FIN_NKERNELS; k++) {
        corshdr_options ok = fin_options(&in, fin_kernels[k]);
        result rk = extract(&in, f, n, name, flags, &ok);
        FUZZ_CHECK(same_spans(&r, &rk), "kernel %d: %s with %zu elements; scalar: %s with %zu",
                   (int)fin_kernels[k], corshdr_err_name(rk.st), rk.n, corshdr_err_name(r.st), r.n);
    }

    /* The oracle. */
    olist want = {0};
    unsigned reasons = 0;
    oracle_limits lim = fin_limits(&in);
    int ost = oracle_name_list(f, n, name.ptr, name.len, (flags & CORSHDR_LIST_SINGLETON) != 0,
                               (flags & CORSHDR_LIST_NONEMPTY) != 0, &lim, &want, &reasons);
    if (ost == CORSHDR_ABSENT) {
        FUZZ_CHECK(r.st == CORSHDR_ABSENT, "extract(%s) = %s, oracle: null", fuzz_esc_span(name), corshdr_err_name(r.st));
    } else if (ost < 0) {
        FUZZ_CHECK(r.st < 0 && (oracle_fail_bit(r.st) & reasons), "extract(%s) = %s, oracle: failure (reasons %#x)",
                   fuzz_esc_span(name), corshdr_err_name(r.st), reasons);
    } else {
        FUZZ_CHECK(r.st == CORSHDR_OK && fin_spans_eq_olist(r.v, r.n, &want),
                   "extract(%s) = %s with %zu elements (first %s), oracle %zu elements (first %s)",
                   fuzz_esc_span(name), corshdr_err_name(r.st), r.n, r.n ? fuzz_esc_span(r.v[0]) : "-", want.n,
                   want.n ? fuzz_esc(want.v[0].p, want.v[0].n) : "-");
    }
    olist_free(&want);
    /* Elements are spans into the values of lines with that name. */
    for (size_t i = 0; i < r.n; i++) {
        int inside = 0;
        for (size_t l = 0; l < n && !inside; l++)
            inside = oracle_name_eq(f[l].name.ptr, f[l].name.len, name.ptr, name.len) && r.v[i].len &&
                     f[l].value.len && r.v[i].ptr >= f[l].value.ptr &&
                     r.v[i].ptr + r.v[i].len <= f[l].value.ptr + f[l].value.len;
        FUZZ_CHECK(inside, "element %zu %s is not inside a line named %s", i, fuzz_esc_span(r.v[i]),
                   fuzz_esc_span(name));
    }

    /* The iterator gives what extract gave; its end is sticky. */
    corshdr_list it;
    corshdr_error err;
    corshdr_status st = corshdr_list_init(&it, f, n, name.ptr, name.len, flags, &opt, &err);
    size_t k = 0;
    corshdr_span e;
    if (st == CORSHDR_OK) {
        while ((st = corshdr_list_next(&it, &e, &err)) == CORSHDR_OK) {
            FUZZ_CHECK(r.st != CORSHDR_OK || (k < r.n && e.ptr == r.v[k].ptr && e.len == r.v[k].len),
                       "iterator element %zu differs from extract", k);
            k++;
        }
        FUZZ_CHECK(err.code == st, "next: err.code %s != %s", corshdr_err_name(err.code), corshdr_err_name(st));
        corshdr_error again;
        FUZZ_CHECK(corshdr_list_next(&it, &e, &again) == st && again.code == st, "list_next after %s changed",
                   corshdr_err_name(st));
        if (st == CORSHDR_DONE)
            st = CORSHDR_OK;
    }
    FUZZ_CHECK(st == r.st && (st != CORSHDR_OK || k == r.n), "iterator: %s after %zu; extract: %s with %zu",
               corshdr_err_name(st), k, corshdr_err_name(r.st), r.n);

    corshdr_options wide;
    corshdr_options_init(&wide);
    wide.max_elements = wide.max_empty = wide.max_bytes = SIZE_MAX;
    if (r.st == CORSHDR_OK) {
        /* parse, serialize, parse: the elements joined by ", " on one line. */
        olist elems = {0};
        for (size_t i = 0; i < r.n; i++)
            olist_push(&elems, r.v[i].ptr, r.v[i].len);
        ostr joined = olist_join(&elems, ", ", 2);
        corshdr_field one = {name, fin_copy(&in, joined.p, joined.n)};
        result again = extract(&in, &one, 1, name, flags, &wide);
        FUZZ_CHECK(same_bytes(&again, &r), "joined %s parses to %s with %zu elements, first parse %zu",
                   fuzz_esc(joined.p, joined.n), corshdr_err_name(again.st), again.n, r.n);
        ostr_free(&joined);
        olist_free(&elems);
    }

    /* The header's lines split at their commas: the same result (limits on bytes aside, since the commas
     * go; a singleton header is not split, its second line would be the point). */
    size_t m;
    corshdr_field *g = fin_split_at_commas(&in, f, n, name.ptr, name.len, &m);
    corshdr_options wide_bytes = opt;
    wide_bytes.max_bytes = SIZE_MAX;
    unsigned split_flags = flags & ~CORSHDR_LIST_SINGLETON;
    result a = extract(&in, f, n, name, split_flags, &wide_bytes);
    result b = extract(&in, g, m, name, split_flags, &wide_bytes);
    FUZZ_CHECK(same_bytes(&a, &b), "split at commas: %s with %zu elements; unsplit: %s with %zu",
               corshdr_err_name(b.st), b.n, corshdr_err_name(a.st), a.n);

    /* One value at a time: corshdr_list_parse, every kernel, against the oracle (first lines only). */
    for (size_t l = 0; l < n && l < 8; l++) {
        corshdr_field one = {{"", 0}, f[l].value};
        olist w = {0};
        unsigned why = 0;
        int vst = oracle_name_list(&one, 1, "", 0, 0, (flags & CORSHDR_LIST_NONEMPTY) != 0, &lim, &w, &why);
        result p0 = parse_value(&in, f[l].value, flags, &opt);
        if (vst < 0)
            FUZZ_CHECK(p0.st < 0 && (oracle_fail_bit(p0.st) & why), "list_parse(%s) = %s, oracle: failure (%#x)",
                       fuzz_esc_span(f[l].value), corshdr_err_name(p0.st), why);
        else
            FUZZ_CHECK(p0.st == CORSHDR_OK && fin_spans_eq_olist(p0.v, p0.n, &w),
                       "list_parse(%s) = %s with %zu elements, oracle %zu", fuzz_esc_span(f[l].value),
                       corshdr_err_name(p0.st), p0.n, w.n);
        olist_free(&w);
        for (size_t k2 = 1; k2 < FIN_NKERNELS; k2++) {
            corshdr_options ok = fin_options(&in, fin_kernels[k2]);
            result pk = parse_value(&in, f[l].value, flags, &ok);
            FUZZ_CHECK(same_spans(&p0, &pk), "list_parse kernel %d: %s with %zu; scalar %s with %zu",
                       (int)fin_kernels[k2], corshdr_err_name(pk.st), pk.n, corshdr_err_name(p0.st), p0.n);
        }
    }
    fin_free(&in);
    return 0;
}
