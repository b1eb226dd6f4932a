/*
 * Target field_value (VALUE format: F, then the bytes): Fetch header values and trimming.
 * Checks: corshdr_value_check against the oracle (validity, the code for the kind of fault, an error
 * offset at a faulty byte); corshdr_value_trim against the oracle and idempotent; corshdr_fields_check
 * of the bytes as a line's value and as a line's name against the oracle's network-error rule.
 */
#include <string.h>

#include "fuzz_input.h"

static int has_ctl(corshdr_span v)
{
    for (size_t i = 0; i < v.len; i++)
        if (v.ptr[i] == 0 || v.ptr[i] == '\r' || v.ptr[i] == '\n')
            return 1;
    return 0;
}

static int ows(char c)
{
    return c == ' ' || c == '\t';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    corshdr_span v = fin_value(&in, data, size);

    corshdr_error err;
    corshdr_status st = corshdr_value_check(v.ptr, v.len, &err);
    int valid = oracle_header_value(v.ptr, v.len);
    FUZZ_CHECK((st == CORSHDR_OK) == valid, "value_check(%s) = %s, oracle %d", fuzz_esc_span(v),
               corshdr_err_name(st), valid);
    FUZZ_CHECK(err.code == st, "err.code %s != %s", corshdr_err_name(err.code), corshdr_err_name(st));
    if (st == CORSHDR_EVALUE) {
        FUZZ_CHECK(has_ctl(v) && err.offset < v.len &&
                       (v.ptr[err.offset] == 0 || v.ptr[err.offset] == '\r' || v.ptr[err.offset] == '\n'),
                   "value_check(%s): EVALUE at offset %zu", fuzz_esc_span(v), err.offset);
    } else if (st == CORSHDR_ESPACE) {
        FUZZ_CHECK(!has_ctl(v) && err.offset < v.len && ows(v.ptr[err.offset]) &&
                       (err.offset == 0 || err.offset == v.len - 1),
                   "value_check(%s): ESPACE at offset %zu", fuzz_esc_span(v), err.offset);
    } else {
        FUZZ_CHECK(st == CORSHDR_OK, "value_check(%s) = %s", fuzz_esc_span(v), corshdr_err_name(st));
    }

    corshdr_span t = corshdr_value_trim(v.ptr, v.len), o = oracle_trim(v.ptr, v.len);
    FUZZ_CHECK(t.len == o.len && (t.len == 0 || t.ptr == o.ptr), "value_trim(%s) = %s, oracle %s",
               fuzz_esc_span(v), fuzz_esc_span(t), fuzz_esc_span(o));
    corshdr_span tt = corshdr_value_trim(t.ptr, t.len);
    FUZZ_CHECK(tt.len == t.len, "value_trim is not idempotent on %s", fuzz_esc_span(v));
    FUZZ_CHECK((corshdr_value_check(t.ptr, t.len, NULL) == CORSHDR_OK) == !has_ctl(v),
               "value_check(trim(%s)) disagrees with the NUL/CR/LF rule", fuzz_esc_span(v));

    /* The bytes as a value, then as a name, of a one-line list. */
    corshdr_field f[1];
    f[0] = fin_line(&in, "x", v.ptr, v.len);
    size_t line;
    corshdr_status want = oracle_fields_valid(f, 1, &line);
    st = corshdr_fields_check(f, 1, &err);
    FUZZ_CHECK(st == want && err.code == st, "fields_check(x: %s) = %s, oracle %s", fuzz_esc_span(v),
               corshdr_err_name(st), corshdr_err_name(want));
    if (st != CORSHDR_OK)
        FUZZ_CHECK(err.line == 0 && err.in_name == 0 && err.offset < v.len, "fields_check error record");
    f[0].name = v;
    f[0].value = fin_copy(&in, "1", 1);
    want = oracle_fields_valid(f, 1, &line);
    st = corshdr_fields_check(f, 1, &err);
    FUZZ_CHECK(st == want, "fields_check(%s: 1) = %s, oracle %s", fuzz_esc_span(v), corshdr_err_name(st),
               corshdr_err_name(want));
    if (st != CORSHDR_OK)
        FUZZ_CHECK(err.line == 0 && err.in_name == 1 && err.offset == oracle_tchar_prefix(v.ptr, v.len),
                   "fields_check(%s: 1): error at %zu, in_name %d", fuzz_esc_span(v), err.offset, err.in_name);
    fin_free(&in);
    return 0;
}
