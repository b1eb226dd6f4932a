/*
 * Target combine (RECORDS: R0 the name, then header lines): Fetch "get".
 * Checks: corshdr_header_combine against the oracle (null, or the exact bytes), with the size query
 * (NULL, 0), an exact buffer and a one-byte-short exact buffer (CORSHDR_ENOSPC, the size reported);
 * corshdr_header_find against the oracle; stability: "get" of one line holding the combined value gives
 * that value trimmed.
 */
#include <string.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    corshdr_span name;
    size_t n;
    corshdr_field *f = fin_param_fields(&in, data, size, &name, &n);

    size_t index = CORSHDR_NPOS, want_index = oracle_find(f, n, name.ptr, name.len);
    corshdr_status st = corshdr_header_find(f, n, name.ptr, name.len, &index);
    FUZZ_CHECK(st == (want_index == CORSHDR_NPOS ? CORSHDR_ABSENT : CORSHDR_OK) &&
                   (st != CORSHDR_OK || index == want_index),
               "header_find(%s) = %s index %zu, oracle %zu", fuzz_esc_span(name), corshdr_err_name(st), index,
               want_index);

    ostr want;
    int present = oracle_get(f, n, name.ptr, name.len, &want);
    size_t need = 12345;
    st = corshdr_header_combine(f, n, name.ptr, name.len, NULL, 0, &need);
    if (!present) {
        FUZZ_CHECK(st == CORSHDR_ABSENT && need == 0, "combine(%s) = %s, len %zu; oracle: null",
                   fuzz_esc_span(name), corshdr_err_name(st), need);
        fin_free(&in);
        return 0;
    }
    FUZZ_CHECK(need == want.n && st == (need ? CORSHDR_ENOSPC : CORSHDR_OK),
               "combine(%s, cap 0) = %s, len %zu; oracle %zu bytes", fuzz_esc_span(name), corshdr_err_name(st), need,
               want.n);
    if (need > 0) {
        char *short_buf = fin_alloc(&in, need - 1);
        size_t len = 0;
        st = corshdr_header_combine(f, n, name.ptr, name.len, short_buf, need - 1, &len);
        FUZZ_CHECK(st == CORSHDR_ENOSPC && len == need, "combine(cap %zu) = %s, len %zu", need - 1,
                   corshdr_err_name(st), len);
    }
    char *buf = fin_alloc(&in, need);
    size_t len = 0;
    st = corshdr_header_combine(f, n, name.ptr, name.len, buf, need, &len);
    FUZZ_CHECK(st == CORSHDR_OK && len == want.n && (len == 0 || memcmp(buf, want.p, len) == 0),
               "combine(%s) = %s %s, oracle %s", fuzz_esc_span(name), corshdr_err_name(st), fuzz_esc(buf, len),
               fuzz_esc(want.p, want.n));

    /* parse, serialize, parse: one line holding the combined value. */
    corshdr_field one = {name, {buf, len}};
    char *again = fin_alloc(&in, len);
    size_t len2 = 0;
    st = corshdr_header_combine(&one, 1, name.ptr, name.len, again, len, &len2);
    corshdr_span t = oracle_trim(buf, len);
    FUZZ_CHECK(st == CORSHDR_OK && len2 == t.len && (t.len == 0 || memcmp(again, t.ptr, t.len) == 0),
               "combine of the combined value %s gave %s %s", fuzz_esc(buf, len), corshdr_err_name(st),
               fuzz_esc(again, len2));
    ostr_free(&want);
    fin_free(&in);
    return 0;
}
