/*
 * Target cors_check (RECORDS: R0 the request origin, then the response's header lines; F credentials):
 * Fetch "CORS check".
 * Checks: corshdr_cors_check against the oracle, code for code (each step's failure has its own code);
 * the index (fin_index: every kernel, the oracle's lines) and corshdr_index_cors_check give the same;
 * the error record names a line of the list; the verdict is the same with every header name lowercased
 * and with every name uppercased (names match case-insensitively).
 */
#include <string.h>

#include "fuzz_input.h"

static corshdr_field *recased(fuzz_input *in, const corshdr_field *f, size_t n, int upper)
{
    corshdr_field *g = fin_alloc(in, n * sizeof *g);
    for (size_t i = 0; i < n; i++) {
        char *p = fin_alloc(in, f[i].name.len);
        for (size_t k = 0; k < f[i].name.len; k++) {
            char c = f[i].name.ptr[k];
            if (upper && c >= 'a' && c <= 'z')
                c = (char)(c - 32);
            else if (!upper && c >= 'A' && c <= 'Z')
                c = (char)(c + 32);
            p[k] = c;
        }
        g[i].name.ptr = f[i].name.len ? p : f[i].name.ptr;
        g[i].name.len = f[i].name.len;
        g[i].value = f[i].value;
    }
    return g;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    corshdr_span origin;
    size_t n;
    corshdr_field *f = fin_param_fields(&in, data, size, &origin, &n);
    corshdr_credentials cred = fin_credentials(&in);

    corshdr_error err;
    corshdr_status st = corshdr_cors_check(f, n, origin.ptr, origin.len, cred, &err);
    corshdr_status want = oracle_cors_check(f, n, origin.ptr, origin.len, cred);
    FUZZ_CHECK(st == want, "cors_check(origin %s, credentials %d) = %s, oracle %s", fuzz_esc_span(origin), (int)cred,
               corshdr_err_name(st), corshdr_err_name(want));
    FUZZ_CHECK(err.code == st, "err.code %s != %s", corshdr_err_name(err.code), corshdr_err_name(st));
    FUZZ_CHECK(err.line == CORSHDR_NPOS || err.line < n, "err.line %zu of %zu lines", err.line, n);
    if (st == CORSHDR_ENAME || st == CORSHDR_EVALUE || st == CORSHDR_EREPEATED || st == CORSHDR_EACAO ||
        st == CORSHDR_EWILDCARD)
        FUZZ_CHECK(err.line < n, "%s without a line", corshdr_err_name(st));

    /* the same answer from an index built once, on every kernel */
    corshdr_index ix;
    if (fin_index(&in, f, n, &ix)) {
        corshdr_error e2;
        corshdr_status sx = corshdr_index_cors_check(&ix, origin.ptr, origin.len, cred, &e2);
        FUZZ_CHECK(sx == st && e2.line == err.line && e2.offset == err.offset, "index_cors_check = %s, cors_check = %s",
                   corshdr_err_name(sx), corshdr_err_name(st));
    }

    for (int upper = 0; upper < 2; upper++) {
        corshdr_field *g = recased(&in, f, n, upper);
        corshdr_status st2 = corshdr_cors_check(g, n, origin.ptr, origin.len, cred, NULL);
        FUZZ_CHECK(st2 == st, "names %s: %s, as given: %s", upper ? "uppercased" : "lowercased",
                   corshdr_err_name(st2), corshdr_err_name(st));
    }
    fin_free(&in);
    return 0;
}
