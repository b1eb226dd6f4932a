/*
 * Target origin (VALUE format: F, then the bytes): Fetch origin-or-null as a browser serializes it.
 * Checks: corshdr_origin_check against the oracle, with an error offset inside the value; a valid origin
 * is matched by an Access-Control-Allow-Origin line holding it (with and without credentials), stops
 * being valid with a path "/" appended, and with any one letter uppercased.
 */
#include <string.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    corshdr_span v = fin_value(&in, data, size);

    corshdr_error err;
    corshdr_status st = corshdr_origin_check(v.ptr, v.len, &err);
    int want = oracle_origin(v.ptr, v.len);
    FUZZ_CHECK((st == CORSHDR_OK) == want && (st == CORSHDR_OK || st == CORSHDR_EORIGIN),
               "origin_check(%s) = %s, oracle %d", fuzz_esc_span(v), corshdr_err_name(st), want);
    FUZZ_CHECK(err.code == st, "err.code %s != %s", corshdr_err_name(err.code), corshdr_err_name(st));
    if (st != CORSHDR_OK)
        FUZZ_CHECK(err.offset <= v.len, "origin_check(%s): offset %zu", fuzz_esc_span(v), err.offset);

    if (st == CORSHDR_OK) {
        corshdr_field f[2];
        f[0] = fin_line(&in, "Access-Control-Allow-Origin", v.ptr, v.len);
        f[1] = fin_line(&in, "Access-Control-Allow-Credentials", "true", 4);
        for (int c = 0; c < 3; c++) {
            corshdr_status cs = corshdr_cors_check(f, 2, v.ptr, v.len, (corshdr_credentials)c, NULL);
            FUZZ_CHECK(cs == CORSHDR_OK, "cors_check with ACAO = origin %s: %s", fuzz_esc_span(v), corshdr_err_name(cs));
        }
        char *slash = fin_alloc(&in, v.len + 1);
        memcpy(slash, v.ptr, v.len);
        slash[v.len] = '/';
        FUZZ_CHECK(corshdr_origin_check(slash, v.len + 1, NULL) != CORSHDR_OK, "%s/ is valid", fuzz_esc_span(v));
        for (size_t i = 0; i < v.len; i++) {
            if (v.ptr[i] < 'a' || v.ptr[i] > 'z')
                continue;
            char *up = fin_alloc(&in, v.len);
            memcpy(up, v.ptr, v.len);
            up[i] = (char)(up[i] - 32);
            FUZZ_CHECK(corshdr_origin_check(up, v.len, NULL) != CORSHDR_OK, "%s is valid", fuzz_esc(up, v.len));
        }
    }
    fin_free(&in);
    return 0;
}
