/*
 * Target request_safelisted (RECORDS: R0 the name, R1 the value): the request-side predicates,
 * "CORS-safelisted request-header" and "forbidden request-header".
 * Checks: both against the oracle; the verdicts do not depend on the case of the name.
 */
#include "fuzz_input.h"

static void check(corshdr_span name, corshdr_span value)
{
    int got = corshdr_is_safelisted_request_header(name.ptr, name.len, value.ptr, value.len);
    int want = oracle_safelisted_request_header(name.ptr, name.len, value.ptr, value.len);
    FUZZ_CHECK(got == want, "is_safelisted_request_header(%s, %s) = %d, oracle %d", fuzz_esc_span(name),
               fuzz_esc_span(value), got, want);
    got = corshdr_is_forbidden_request_header(name.ptr, name.len, value.ptr, value.len);
    want = oracle_forbidden_request_header(name.ptr, name.len, value.ptr, value.len);
    FUZZ_CHECK(got == want, "is_forbidden_request_header(%s, %s) = %d, oracle %d", fuzz_esc_span(name),
               fuzz_esc_span(value), got, want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    fin_records(&in, data, size);
    corshdr_span name, value;
    (void)fin_record(&in, &name);
    (void)fin_record(&in, &value);
    check(name, value);
    char *swapped = fin_alloc(&in, name.len);
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        swapped[i] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    corshdr_span other = {swapped, name.len};
    int a = corshdr_is_safelisted_request_header(name.ptr, name.len, value.ptr, value.len);
    int b = corshdr_is_safelisted_request_header(other.ptr, other.len, value.ptr, value.len);
    FUZZ_CHECK(a == b, "is_safelisted_request_header depends on the case of %s", fuzz_esc_span(name));
    a = corshdr_is_forbidden_request_header(name.ptr, name.len, value.ptr, value.len);
    b = corshdr_is_forbidden_request_header(other.ptr, other.len, value.ptr, value.len);
    FUZZ_CHECK(a == b, "is_forbidden_request_header depends on the case of %s", fuzz_esc_span(name));
    fin_free(&in);
    return 0;
}
