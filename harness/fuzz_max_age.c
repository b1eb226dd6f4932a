/*
 * Target max_age (RECORDS: header lines): Access-Control-Max-Age.
 * Checks: corshdr_max_age_parse against the oracle (status and seconds, which are always set), and
 * corshdr_index_max_age on an index (fin_index: every kernel, the oracle's lines);
 * parse, serialize, parse: the seconds written in decimal as the only Max-Age line parse to the same
 * seconds.
 */
#include <stdio.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    fin_records(&in, data, size);
    size_t n;
    corshdr_field *f = fin_fields(&in, &n);

    uint32_t seconds = 0xdeadbeef, want = 0;
    corshdr_error err;
    corshdr_status st = corshdr_max_age_parse(f, n, &seconds, &err);
    corshdr_status ost = oracle_max_age(f, n, &want);
    FUZZ_CHECK(st == ost && seconds == want, "max_age_parse = %s %u, oracle %s %u", corshdr_err_name(st), seconds,
               corshdr_err_name(ost), want);
    FUZZ_CHECK(err.code == st, "err.code %s != %s", corshdr_err_name(err.code), corshdr_err_name(st));
    FUZZ_CHECK(err.line == CORSHDR_NPOS || err.line < n, "err.line %zu of %zu", err.line, n);
    /* from an index (a valid list only: the index checks the list, max_age_parse does not) */
    corshdr_index ix;
    if (fin_index(&in, f, n, &ix)) {
        uint32_t s2 = 0xdeadbeef;
        corshdr_status st2 = corshdr_index_max_age(&ix, &s2, NULL);
        FUZZ_CHECK(st2 == st && s2 == seconds, "index_max_age = %s %u", corshdr_err_name(st2), s2);
    }

    if (st == CORSHDR_OK) {
        char text[16];
        int len = snprintf(text, sizeof text, "%u", (unsigned)seconds);
        corshdr_field one = fin_line(&in, "Access-Control-Max-Age", text, (size_t)len);
        uint32_t again = 0;
        st = corshdr_max_age_parse(&one, 1, &again, NULL);
        FUZZ_CHECK(st == CORSHDR_OK && again == seconds, "max-age %s parses to %s %u", text, corshdr_err_name(st),
                   again);
    }
    fin_free(&in);
    return 0;
}
