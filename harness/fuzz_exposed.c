/*
 * Target exposed (RECORDS: header lines of a response; F credentials, bits 5-7 small limits): the CORS
 * filter, corshdr_exposed_filter and corshdr_is_exposed.
 * Checks: every kernel gives the SCALAR result, and so does the index (fin_index, then
 * corshdr_index_exposed_filter and corshdr_index_is_exposed); the readable set equals the oracle's (lowercase, sorted,
 * unique); err->code is ABSENT or a list error only as the oracle's name-list says; corshdr_is_exposed
 * agrees with the set for every response name and a few fixed ones; storage one short gives ENOSPC;
 * Access-Control-Expose-Headers split at its commas into more lines gives the same set; the response-name
 * predicates agree with the oracle.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_input.h"

#define ACEH "access-control-expose-headers"

typedef struct verdict {
    corshdr_status st;
    corshdr_status why;
    ostr joined; /* the readable names, joined by "," (names are tokens: no comma in them) */
} verdict;

static verdict filter(fuzz_input *in, const corshdr_field *f, size_t n, corshdr_credentials cred,
                      const corshdr_options *opt)
{
    verdict v;
    corshdr_names set;
    corshdr_name *storage = fin_alloc(in, n * sizeof *storage);
    corshdr_names_init(&set, storage, n);
    corshdr_error err;
    err.code = (corshdr_status)77;
    v.st = corshdr_exposed_filter(f, n, cred, opt, &set, &err);
    v.why = err.code;
    /* the same set from an index built once */
    corshdr_index ix;
    if (corshdr_index_build(&ix, f, n, opt, NULL) == CORSHDR_OK) {
        corshdr_names set2;
        corshdr_name *storage2 = fin_alloc(in, n * sizeof *storage2);
        corshdr_names_init(&set2, storage2, n);
        corshdr_error e2;
        corshdr_status st2 = corshdr_index_exposed_filter(&ix, cred, opt, &set2, &e2);
        FUZZ_CHECK(st2 == v.st && e2.code == err.code && set2.count == set.count, "index_exposed_filter = %s (%zu names)",
                   corshdr_err_name(st2), set2.count);
        for (size_t i = 0; st2 == CORSHDR_OK && i < set.count; i++)
            FUZZ_CHECK(set2.items[i].name.ptr == set.items[i].name.ptr && set2.items[i].name.len == set.items[i].name.len,
                       "index_exposed_filter name %zu differs", i);
    }
    v.joined.p = NULL;
    v.joined.n = 0;
    if (v.st != CORSHDR_OK)
        return v;
    FUZZ_CHECK(set.sorted && set.count <= n, "readable set not sorted or too big");
    size_t len = 0;
    corshdr_status st = corshdr_names_join(&set, ",", 1, NULL, 0, &len);
    FUZZ_CHECK(st == (len ? CORSHDR_ENOSPC : CORSHDR_OK), "names_join size query = %s", corshdr_err_name(st));
    char *buf = fin_alloc(in, len);
    size_t len2 = 0;
    st = corshdr_names_join(&set, ",", 1, buf, len, &len2);
    FUZZ_CHECK(st == CORSHDR_OK && len2 == len, "names_join = %s", corshdr_err_name(st));
    v.joined.p = buf;
    v.joined.n = len;
    return v;
}

static int same(const verdict *a, const verdict *b)
{
    return a->st == b->st && a->joined.n == b->joined.n &&
           (a->joined.n == 0 || memcmp(a->joined.p, b->joined.p, a->joined.n) == 0);
}

/* 1 when `name` is in the comma-joined lowercase set. */
static int in_set(const ostr *joined, const char *name, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= joined->n; i++)
        if (i == joined->n || joined->p[i] == ',') {
            if (oracle_name_eq(joined->p + start, i - start, name, len))
                return 1;
            start = i + 1;
        }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    fin_records(&in, data, size);
    size_t n;
    corshdr_field *f = fin_fields(&in, &n);
    corshdr_credentials cred = fin_credentials(&in);

    corshdr_options opt = fin_options(&in, CORSHDR_KERNEL_SCALAR);
    verdict v = filter(&in, f, n, cred, &opt);
    for (size_t k = 1; k < FIN_NKERNELS; k++) {
        corshdr_options ok = fin_options(&in, fin_kernels[k]);
        verdict vk = filter(&in, f, n, cred, &ok);
        FUZZ_CHECK(same(&v, &vk) && v.why == vk.why, "kernel %d: %s %s; scalar: %s %s", (int)fin_kernels[k],
                   corshdr_err_name(vk.st), fuzz_esc(vk.joined.p, vk.joined.n), corshdr_err_name(v.st),
                   fuzz_esc(v.joined.p, v.joined.n));
    }

    olist want = {0};
    oracle_limits lim = fin_limits(&in);
    corshdr_status ost = oracle_exposed(f, n, cred, &lim, &want);
    FUZZ_CHECK(v.st == ost, "exposed_filter = %s, oracle %s", corshdr_err_name(v.st), corshdr_err_name(ost));
    if (ost == CORSHDR_OK) {
        ostr w = olist_join(&want, ",", 1);
        FUZZ_CHECK(w.n == v.joined.n && (w.n == 0 || memcmp(w.p, v.joined.p, w.n) == 0),
                   "readable %s, oracle %s", fuzz_esc(v.joined.p, v.joined.n), fuzz_esc(w.p, w.n));
        ostr_free(&w);

        /* Why Expose-Headers adds nothing: its own name-list verdict. */
        olist elems = {0};
        unsigned reasons = 0;
        int lst = oracle_name_list(f, n, ACEH, strlen(ACEH), 0, 0, &lim, &elems, &reasons);
        olist_free(&elems);
        if (lst == CORSHDR_ABSENT)
            FUZZ_CHECK(v.why == CORSHDR_ABSENT, "err.code %s, oracle: no Expose-Headers", corshdr_err_name(v.why));
        else if (lst == CORSHDR_OK)
            FUZZ_CHECK(v.why == CORSHDR_OK, "err.code %s, oracle: a valid Expose-Headers", corshdr_err_name(v.why));
        else
            FUZZ_CHECK(oracle_fail_bit(v.why) & reasons, "err.code %s, oracle reasons %#x", corshdr_err_name(v.why),
                       reasons);

        /* One name at a time (the first 64 response names, then a few fixed ones). */
        static const char *const extra[] = {"*", "set-cookie", "Content-Type", "x-custom", "SET-COOKIE2"};
        size_t some = n < 64 ? n : 64;
        for (size_t i = 0; i < some + sizeof extra / sizeof extra[0]; i++) {
            corshdr_span name = i < some ? f[i].name : fin_copy(&in, extra[i - some], strlen(extra[i - some]));
            int readable = corshdr_is_exposed(f, n, cred, &opt, name.ptr, name.len);
            corshdr_index ix;
            if (fin_index(&in, f, n, &ix))
                FUZZ_CHECK(corshdr_index_is_exposed(&ix, cred, &opt, name.ptr, name.len) == readable,
                           "index_is_exposed(%s) differs", fuzz_esc_span(name));
            int listed = i < some ? in_set(&v.joined, name.ptr, name.len) : -1;
            if (i >= some) /* a name not in the response: the rule itself */
                listed = oracle_is_exposed(f, n, cred, &lim, name.ptr, name.len);
            FUZZ_CHECK(readable == listed, "is_exposed(%s) = %d, the set says %d", fuzz_esc_span(name), readable,
                       listed);
            FUZZ_CHECK(corshdr_is_safelisted_response_name(name.ptr, name.len) ==
                           oracle_safelisted_response_name(name.ptr, name.len),
                       "is_safelisted_response_name(%s)", fuzz_esc_span(name));
            FUZZ_CHECK(corshdr_is_forbidden_response_name(name.ptr, name.len) ==
                           oracle_forbidden_response_name(name.ptr, name.len),
                       "is_forbidden_response_name(%s)", fuzz_esc_span(name));
        }

        /* Storage one short. */
        if (n > 0) {
            corshdr_names set;
            corshdr_name *storage = fin_alloc(&in, (n - 1) * sizeof *storage);
            corshdr_names_init(&set, storage, n - 1);
            corshdr_status st = corshdr_exposed_filter(f, n, cred, &opt, &set, NULL);
            FUZZ_CHECK(st == CORSHDR_ENOSPC && set.needed == n, "storage %zu of %zu: %s, needed %zu", n - 1, n,
                       corshdr_err_name(st), set.needed);
        }
    } else {
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(!corshdr_is_exposed(f, n, cred, &opt, f[i].name.ptr, f[i].name.len),
                       "is_exposed on a network-error list");
    }
    olist_free(&want);

    /* Expose-Headers split at its commas. */
    corshdr_options wide = opt;
    wide.max_bytes = SIZE_MAX;
    size_t m;
    corshdr_field *g = fin_split_at_commas(&in, f, n, ACEH, strlen(ACEH), &m);
    verdict a = filter(&in, f, n, cred, &wide), b = filter(&in, g, m, cred, &wide);
    FUZZ_CHECK(same(&a, &b), "split at commas: %s %s; unsplit: %s %s", corshdr_err_name(b.st),
               fuzz_esc(b.joined.p, b.joined.n), corshdr_err_name(a.st), fuzz_esc(a.joined.p, a.joined.n));
    fin_free(&in);
    return 0;
}
