/*
 * Target unsafe_names (RECORDS: a request's author header lines): Fetch "CORS-unsafe request-header
 * names" and the Access-Control-Request-Headers value.
 * Checks: corshdr_unsafe_names_collect against the oracle (the sorted lowercase set, or the network
 * error); storage one short of the names added gives ENOSPC; parse, serialize, parse: the ACRH value read
 * back as a 1#field-name list gives the names, also with each name on its own line; a preflight response
 * that allows exactly those names (Allow-Headers: the ACRH value) passes the preflight check, with and
 * without credentials.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_input.h"

#define ACRH "access-control-request-headers"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    fin_records(&in, data, size);
    size_t n;
    corshdr_field *f = fin_fields(&in, &n);

    corshdr_names set;
    corshdr_name *storage = fin_alloc(&in, n * sizeof *storage);
    corshdr_names_init(&set, storage, n);
    corshdr_error err;
    corshdr_status st = corshdr_unsafe_names_collect(f, n, &set, &err);
    olist want = {0};
    size_t added = 0;
    corshdr_status ost = oracle_unsafe_names(f, n, &want, &added);
    FUZZ_CHECK(st == ost, "unsafe_names_collect = %s, oracle %s", corshdr_err_name(st), corshdr_err_name(ost));
    if (st != CORSHDR_OK) {
        olist_free(&want);
        fin_free(&in);
        return 0;
    }
    size_t len = 0;
    (void)corshdr_names_join(&set, ",", 1, NULL, 0, &len);
    char *acrh = fin_alloc(&in, len);
    st = corshdr_names_join(&set, ",", 1, acrh, len, &len);
    ostr w = olist_join(&want, ",", 1);
    FUZZ_CHECK(st == CORSHDR_OK && set.count == want.n && len == w.n && (len == 0 || memcmp(acrh, w.p, len) == 0),
               "ACRH %s (%zu names), oracle %s (%zu)", fuzz_esc(acrh, len), set.count, fuzz_esc(w.p, w.n), want.n);
    ostr_free(&w);
    FUZZ_CHECK(set.needed == added, "needed %zu, oracle added %zu names", set.needed, added);
    if (added > 0) {
        corshdr_names small;
        corshdr_name *s2 = fin_alloc(&in, (added - 1) * sizeof *s2);
        corshdr_names_init(&small, s2, added - 1);
        st = corshdr_unsafe_names_collect(f, n, &small, NULL);
        FUZZ_CHECK(st == CORSHDR_ENOSPC && small.needed == added, "storage %zu: %s, needed %zu", added - 1,
                   corshdr_err_name(st), small.needed);
    }

    /* Limits wide open: a long or many-named ACRH is still the same names. */
    corshdr_options wide;
    corshdr_options_init(&wide);
    wide.max_elements = wide.max_empty = wide.max_bytes = SIZE_MAX;
    if (want.n > 0) {
        /* The ACRH value as a server reads it: a 1#field-name list, on one line and one name per line. */
        corshdr_field *one = fin_alloc(&in, sizeof *one);
        one[0] = fin_line(&in, "Access-Control-Request-Headers", acrh, len);
        size_t m;
        corshdr_field *many = fin_split_at_commas(&in, one, 1, ACRH, strlen(ACRH), &m);
        FUZZ_CHECK(m == want.n, "%zu lines for %zu names", m, want.n);
        corshdr_field *sets[2] = {one, many};
        size_t counts[2] = {1, m};
        for (int s = 0; s < 2; s++) {
            corshdr_span *elems = fin_alloc(&in, want.n * sizeof *elems);
            size_t count = 0;
            st = corshdr_list_extract(sets[s], counts[s], ACRH, strlen(ACRH), CORSHDR_LIST_NONEMPTY, &wide, elems,
                                      want.n, &count, NULL);
            FUZZ_CHECK(st == CORSHDR_OK && fin_spans_eq_olist(elems, count, &want),
                       "ACRH %s read back (%s): %s with %zu elements", fuzz_esc(acrh, len), s ? "split" : "one line",
                       corshdr_err_name(st), count);
        }

        /* A preflight that allows exactly these names. */
        corshdr_field *resp = fin_alloc(&in, 3 * sizeof *resp);
        const char *origin = "https://app.example";
        resp[0] = fin_line(&in, "Access-Control-Allow-Origin", origin, strlen(origin));
        resp[1] = fin_line(&in, "Access-Control-Allow-Headers", acrh, len);
        resp[2] = fin_line(&in, "Access-Control-Allow-Credentials", "true", 4);
        for (int include = 0; include < 2; include++) {
            corshdr_request req;
            memset(&req, 0, sizeof req);
            req.origin = fin_copy(&in, origin, strlen(origin));
            req.method = fin_copy(&in, "GET", 3);
            req.credentials = include ? CORSHDR_CREDENTIALS_INCLUDE : CORSHDR_CREDENTIALS_OMIT;
            req.headers = &set;
            uint32_t age = 0;
            st = corshdr_preflight_check(&req, 204, resp, 3, &wide, &age, &err);
            FUZZ_CHECK(st == CORSHDR_OK && age == 5, "preflight allowing ACRH %s (credentials %d): %s",
                       fuzz_esc(acrh, len), include, corshdr_err_name(st));
        }
    }
    olist_free(&want);
    fin_free(&in);
    return 0;
}
