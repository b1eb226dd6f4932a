/*
 * Target split (RECORDS: R0 the name, then header lines): Fetch "get, decode, and split".
 * Checks: corshdr_header_combine + corshdr_split_* against the oracle over the header, and over each
 * line's raw value alone; elements are spans inside the split value; DONE is sticky; stability: the
 * elements joined by "," split again into the same elements.
 */
#include <string.h>

#include "fuzz_input.h"

/* Splits (p, n) with the library into *out (owned copies); checks the spans and the sticky DONE. */
static void lib_split(const char *p, size_t n, olist *out)
{
    corshdr_split s;
    corshdr_span e;
    corshdr_split_init(&s, p, n);
    size_t count = 0;
    while (corshdr_split_next(&s, &e) == CORSHDR_OK) {
        FUZZ_CHECK(e.len == 0 || (e.ptr >= p && e.ptr + e.len <= p + n), "element %zu of %s is outside the value",
                   count, fuzz_esc(p, n));
        FUZZ_CHECK(++count <= n + 1, "more elements than bytes + 1 in %s", fuzz_esc(p, n));
        olist_push(out, e.ptr, e.len);
    }
    FUZZ_CHECK(corshdr_split_next(&s, &e) == CORSHDR_DONE, "split_next after DONE is not DONE");
}

static void compare(const olist *got, const olist *want, const char *what, const char *p, size_t n)
{
    if (olist_equal(got, want))
        return;
    ostr g = olist_join(got, "|", 1), w = olist_join(want, "|", 1);
    fuzz_fail(__FILE__, __LINE__, "olist_equal", "split of %s %s: library [%s] (%zu), oracle [%s] (%zu)", what,
              fuzz_esc(p, n), fuzz_esc(g.p, g.n), got->n, fuzz_esc(w.p, w.n), want->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    corshdr_span name;
    size_t n;
    corshdr_field *f = fin_param_fields(&in, data, size, &name, &n);

    /* Each raw value alone. */
    for (size_t i = 0; i < n; i++) {
        olist got = {0}, want = {0};
        lib_split(f[i].value.ptr, f[i].value.len, &got);
        oracle_split_value(f[i].value.ptr, f[i].value.len, &want);
        compare(&got, &want, "the value", f[i].value.ptr, f[i].value.len);
        olist_free(&got);
        olist_free(&want);
    }

    /* The header: "get" then split, as Fetch does. */
    olist want = {0};
    int present = oracle_get_decode_split(f, n, name.ptr, name.len, &want);
    size_t need = 0;
    corshdr_status st = corshdr_header_combine(f, n, name.ptr, name.len, NULL, 0, &need);
    FUZZ_CHECK((st == CORSHDR_ABSENT) == !present, "combine(%s) = %s, oracle present %d", fuzz_esc_span(name),
               corshdr_err_name(st), present);
    if (present) {
        char *buf = fin_alloc(&in, need);
        size_t len;
        st = corshdr_header_combine(f, n, name.ptr, name.len, buf, need, &len);
        FUZZ_CHECK(st == CORSHDR_OK && len == need, "combine = %s", corshdr_err_name(st));
        olist got = {0};
        lib_split(buf, len, &got);
        compare(&got, &want, "the header", buf, len);

        /* parse, serialize, parse */
        ostr joined = olist_join(&got, ",", 1);
        corshdr_span j = fin_copy(&in, joined.p, joined.n);
        olist again = {0};
        lib_split(j.ptr, j.len, &again);
        compare(&again, &got, "the joined elements", j.ptr, j.len);
        olist_free(&again);
        ostr_free(&joined);
        olist_free(&got);
    }
    olist_free(&want);
    fin_free(&in);
    return 0;
}
