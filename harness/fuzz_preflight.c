/*
 * Target preflight (RECORDS: R0 origin, R1 method, R2 the request's CORS-unsafe header names separated
 * by ',', R3 the response status (decimal), R4 the max-age cap (decimal, empty for none), then the
 * preflight response's header lines; F credentials, bit 3 the use-CORS-preflight flag, bits 5-7 small
 * limits): corshdr_preflight_check and the method helpers.
 * Checks: every kernel gives the SCALAR result (status and max-age), and so does
 * corshdr_index_preflight_check on an index; the verdict and max-age agree with
 * the oracle (a network error is ENAME/EVALUE); Access-Control-Allow-Methods and -Headers split at their
 * commas into more lines give the same result; the method helpers agree with the oracle.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_input.h"

typedef struct params {
    corshdr_span origin, method;
    corshdr_span *names;
    size_t nnames;
    int status;
    uint32_t cap;
    corshdr_credentials cred;
    int use_preflight;
} params;

typedef struct outcome {
    corshdr_status st;
    uint32_t max_age;
} outcome;

static outcome run(fuzz_input *in, const params *p, const corshdr_field *f, size_t n, const corshdr_options *opt)
{
    /* A fresh set each time: the call sorts it and uses its marks. */
    corshdr_name *storage = fin_alloc(in, p->nnames * sizeof *storage);
    corshdr_names set;
    corshdr_names_init(&set, storage, p->nnames);
    for (size_t i = 0; i < p->nnames; i++)
        FUZZ_CHECK(corshdr_names_add(&set, p->names[i].ptr, p->names[i].len) == CORSHDR_OK, "names_add");
    corshdr_request req;
    memset(&req, 0, sizeof req);
    req.origin = p->origin;
    req.method = p->method;
    req.credentials = p->cred;
    req.headers = &set;
    req.use_preflight = p->use_preflight;
    req.max_age_cap = p->cap;
    outcome o;
    o.max_age = 0xdeadbeef;
    corshdr_error err;
    o.st = corshdr_preflight_check(&req, p->status, f, n, opt, &o.max_age, &err);
    FUZZ_CHECK(err.code == o.st, "err.code %s != %s", corshdr_err_name(err.code), corshdr_err_name(o.st));
    /* the same answer from an index built once */
    corshdr_index ix;
    if (corshdr_index_build(&ix, f, n, opt, NULL) == CORSHDR_OK) {
        uint32_t age2 = 0xdeadbeef;
        corshdr_error e2;
        corshdr_status st2 = corshdr_index_preflight_check(&ix, &req, p->status, opt, &age2, &e2);
        FUZZ_CHECK(st2 == o.st && e2.line == err.line && e2.offset == err.offset &&
                       (o.st != CORSHDR_OK || age2 == o.max_age),
                   "index_preflight_check = %s, preflight_check = %s", corshdr_err_name(st2), corshdr_err_name(o.st));
    }
    FUZZ_CHECK(err.line == CORSHDR_NPOS || err.line < n, "err.line %zu of %zu", err.line, n);
    if (o.st != CORSHDR_OK)
        o.max_age = 0;
    return o;
}

static void split_names(fuzz_input *in, corshdr_span list, params *p)
{
    size_t count = 1;
    for (size_t i = 0; i < list.len; i++)
        count += list.ptr[i] == ',';
    if (list.len == 0)
        count = 0;
    p->names = fin_alloc(in, count * sizeof *p->names);
    p->nnames = count;
    size_t start = 0, k = 0;
    for (size_t i = 0; count && i <= list.len; i++)
        if (i == list.len || list.ptr[i] == ',') {
            p->names[k++] = fin_copy(in, list.ptr + start, i - start);
            start = i + 1;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    fin_records(&in, data, size);
    params p;
    corshdr_span names;
    (void)fin_record(&in, &p.origin);
    (void)fin_record(&in, &p.method);
    (void)fin_record(&in, &names);
    split_names(&in, names, &p);
    long long status = fin_number(&in), cap = fin_number(&in);
    p.status = status < INT_MIN ? INT_MIN : status > INT_MAX ? INT_MAX : (int)status;
    p.cap = cap < 0 ? 0 : cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
    p.cred = fin_credentials(&in);
    p.use_preflight = (in.flags & FIN_SWITCH_A) != 0;
    size_t n;
    corshdr_field *f = fin_fields(&in, &n);

    /* The method helpers. */
    corshdr_span norm = corshdr_method_normalize(p.method.ptr, p.method.len);
    corshdr_span onorm = oracle_method_normalize(p.method.ptr, p.method.len);
    FUZZ_CHECK(fin_span_eq(norm, onorm.ptr, onorm.len), "method_normalize(%s) = %s, oracle %s",
               fuzz_esc_span(p.method), fuzz_esc_span(norm), fuzz_esc_span(onorm));
    FUZZ_CHECK(corshdr_is_forbidden_method(p.method.ptr, p.method.len) ==
                   oracle_forbidden_method(p.method.ptr, p.method.len),
               "is_forbidden_method(%s)", fuzz_esc_span(p.method));
    FUZZ_CHECK(corshdr_is_safelisted_method(p.method.ptr, p.method.len) ==
                   oracle_safelisted_method(p.method.ptr, p.method.len),
               "is_safelisted_method(%s)", fuzz_esc_span(p.method));

    /* Kernels. */
    corshdr_options opt = fin_options(&in, CORSHDR_KERNEL_SCALAR);
    outcome o = run(&in, &p, f, n, &opt);
    for (size_t k = 1; k < FIN_NKERNELS; k++) {
        corshdr_options ok = fin_options(&in, fin_kernels[k]);
        outcome ok_o = run(&in, &p, f, n, &ok);
        FUZZ_CHECK(ok_o.st == o.st && ok_o.max_age == o.max_age, "kernel %d: %s %u; scalar %s %u", (int)fin_kernels[k],
                   corshdr_err_name(ok_o.st), ok_o.max_age, corshdr_err_name(o.st), o.max_age);
    }

    /* The oracle. */
    oracle_request req = {p.origin, p.method, p.cred, p.names, p.nnames, p.use_preflight, p.cap};
    oracle_limits lim = fin_limits(&in);
    uint32_t want_age = 0;
    int verdict = oracle_preflight(&req, p.status, f, n, &lim, &want_age);
    if (verdict < 0)
        FUZZ_CHECK(o.st == CORSHDR_ENAME || o.st == CORSHDR_EVALUE, "preflight = %s, oracle: network error",
                   corshdr_err_name(o.st));
    else
        FUZZ_CHECK((o.st == CORSHDR_OK) == verdict && (!verdict || o.max_age == want_age),
                   "preflight(origin %s, method %s, %zu names, status %d, credentials %d) = %s max-age %u; "
                   "oracle ok %d max-age %u",
                   fuzz_esc_span(p.origin), fuzz_esc_span(p.method), p.nnames, p.status, (int)p.cred,
                   corshdr_err_name(o.st), o.max_age, verdict, want_age);

    /* The two lists split at their commas. */
    corshdr_options wide = opt;
    wide.max_bytes = SIZE_MAX;
    size_t m1, m2;
    corshdr_field *g1 = fin_split_at_commas(&in, f, n, "access-control-allow-methods", 28, &m1);
    corshdr_field *g2 = fin_split_at_commas(&in, g1, m1, "access-control-allow-headers", 28, &m2);
    outcome a = run(&in, &p, f, n, &wide), b = run(&in, &p, g2, m2, &wide);
    FUZZ_CHECK(a.st == b.st && a.max_age == b.max_age, "split at commas: %s %u; unsplit %s %u",
               corshdr_err_name(b.st), b.max_age, corshdr_err_name(a.st), a.max_age);
    fin_free(&in);
    return 0;
}
