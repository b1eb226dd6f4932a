/*
 * Target token (VALUE format: F, then the bytes): RFC 9110 tokens.
 * Checks: corshdr_token_check against the oracle (status and the offset of the first bad byte);
 * corshdr_tchar_span with every kernel against the oracle, over the value and over its suffixes and
 * prefixes (each prefix in its own exact-size copy, so a kernel reading past a short span is caught);
 * corshdr_name_compare against the oracle's order, and on case-changed copies.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    corshdr_span v = fin_value(&in, data, size);

    corshdr_error err;
    corshdr_status st = corshdr_token_check(v.ptr, v.len, &err);
    int valid = oracle_token(v.ptr, v.len);
    FUZZ_CHECK((st == CORSHDR_OK) == valid, "token_check(%s) = %s, oracle says %d", fuzz_esc_span(v),
               corshdr_err_name(st), valid);
    FUZZ_CHECK(st == CORSHDR_OK || st == (v.len ? CORSHDR_ETOKEN : CORSHDR_EEMPTY), "token_check(%s) = %s",
               fuzz_esc_span(v), corshdr_err_name(st));
    FUZZ_CHECK(err.code == st, "err.code %s != status %s", corshdr_err_name(err.code), corshdr_err_name(st));
    if (st == CORSHDR_ETOKEN)
        FUZZ_CHECK(err.offset == oracle_tchar_prefix(v.ptr, v.len), "token_check(%s): offset %zu",
                   fuzz_esc_span(v), err.offset);

    /* SIMD and scalar kernels agree with each other and with the oracle, at every start alignment, and on
     * every short prefix (each copied to its own exact-size buffer). */
    size_t edge = v.len < 40 ? v.len : 40;
    for (size_t i = 0; i <= edge; i++) {
        size_t want = oracle_tchar_prefix(fin_at(v.ptr, i), v.len - i);
        for (size_t k = 0; k < FIN_NKERNELS; k++) {
            size_t got = corshdr_tchar_span(fin_at(v.ptr, i), v.len - i, fin_kernels[k]);
            FUZZ_CHECK(got == want, "tchar_span(%s + %zu, kernel %d) = %zu, oracle %zu", fuzz_esc_span(v), i,
                       (int)fin_kernels[k], got, want);
        }
    }
    for (size_t j = 1; j <= edge; j++) {
        corshdr_span pre = fin_copy(&in, v.ptr, v.len - j);
        size_t want = oracle_tchar_prefix(pre.ptr, pre.len);
        for (size_t k = 0; k < FIN_NKERNELS; k++) {
            size_t got = corshdr_tchar_span(pre.ptr, pre.len, fin_kernels[k]);
            FUZZ_CHECK(got == want, "tchar_span(prefix %zu of %s, kernel %d) = %zu, oracle %zu", pre.len,
                       fuzz_esc_span(v), (int)fin_kernels[k], got, want);
        }
    }

    /* Case-insensitive order: the two halves against the oracle, the value against case-changed copies. */
    size_t half = v.len / 2;
    corshdr_span a = fin_copy(&in, v.ptr, half), b = fin_copy(&in, fin_at(v.ptr, half), v.len - half);
    int got = corshdr_name_compare(a.ptr, a.len, b.ptr, b.len);
    int want = oracle_name_order(a.ptr, a.len, b.ptr, b.len);
    FUZZ_CHECK(sign(got) == sign(want), "name_compare(%s, %s) = %d, oracle %d", fuzz_esc_span(a), fuzz_esc_span(b),
               got, want);
    FUZZ_CHECK(sign(corshdr_name_compare(b.ptr, b.len, a.ptr, a.len)) == -sign(got), "name_compare not antisymmetric");
    char *up = fin_alloc(&in, v.len);
    for (size_t i = 0; i < v.len; i++) {
        char c = v.ptr[i];
        up[i] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    FUZZ_CHECK(corshdr_name_compare(v.ptr, v.len, up, v.len) == 0, "name_compare(%s, case-swapped) != 0",
               fuzz_esc_span(v));
    fin_free(&in);
    return 0;
}
