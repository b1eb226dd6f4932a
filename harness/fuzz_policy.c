/*
 * Target policy (RECORDS: R0 allowed origins, R1 methods, R2 request header names, R3 exposed names, each
 * ','-separated ("*" alone in R0 or R2: any origin, any header), R4 max-age (decimal), R5 the request's
 * method, then the request's header lines; F bits 0-1 the browser's credentials mode for the round trip,
 * bit 3 the policy's credentials, bits 5-7 small limits): the server side, corshdr_policy_compile and
 * corshdr_policy_apply.
 * Checks:
 * - compile accepts exactly the valid configurations (the rejection code is one of the entries' faults),
 *   reports the storage it needs (ENOSPC one byte or one item short), and keeps no pointer into the
 *   configuration (its buffers are freed right after compile, so any later use is a use-after-free);
 * - apply gives the verdict restated here from its documented rules, and then exactly the documented
 *   lines (Allow-Origin, -Credentials, -Methods, -Headers, Max-Age or Expose-Headers, Vary) into an array of
 *   exactly CORSHDR_POLICY_FIELDS lines; a denial writes only Vary;
 * - round trip: when apply allows a request a browser could send, the browser's own checks (the oracle's
 *   CORS check, or its preflight check on a 204 carrying those lines) accept the lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

/* A ','-separated record as spans, each in its own malloc'd buffer (freed by the caller, not by fin_free). */
typedef struct list {
    corshdr_span *v;
    size_t n;
    int star;
} list;

static list split_list(corshdr_span rec, int allow_star)
{
    list l = {NULL, 0, allow_star && rec.len == 1 && rec.ptr[0] == '*'};
    if (rec.len == 0 || l.star)
        return l;
    size_t count = 1;
    for (size_t i = 0; i < rec.len; i++)
        count += rec.ptr[i] == ',';
    l.v = malloc(count * sizeof *l.v);
    size_t start = 0;
    for (size_t i = 0; i <= rec.len; i++)
        if (i == rec.len || rec.ptr[i] == ',') {
            char *p = malloc(i - start);
            if (i > start)
                memcpy(p, rec.ptr + start, i - start);
            l.v[l.n].ptr = p;
            l.v[l.n].len = i - start;
            l.n++;
            start = i + 1;
        }
    return l;
}

static void free_list(list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free((void *)(uintptr_t)l->v[i].ptr);
    free(l->v);
}

/* 1 when s is an entry of the ", "-joined list (exact bytes, or ASCII case-insensitively). */
static int in_joined(const ostr *joined, corshdr_span s, int nocase)
{
    size_t start = 0;
    for (size_t i = 0; i <= joined->n; i++)
        if (i == joined->n || joined->p[i] == ',') {
            const char *e = joined->p + start;
            size_t len = i - start;
            if (nocase ? oracle_name_eq(e, len, s.ptr, s.len) : fin_span_eq(s, e, len))
                return 1;
            start = i + 2;
        }
    return 0;
}

static ostr joined(const list *l)
{
    olist o = {0};
    for (size_t i = 0; i < l->n; i++)
        olist_push(&o, l->v[i].ptr, l->v[i].len);
    ostr s = olist_join(&o, ", ", 2);
    olist_free(&o);
    return s;
}

/* The configuration's faults, as the codes compile may return. */
static unsigned config_faults(const list *origins, const list *methods, const list *headers, const list *expose,
                              int any_origin, int credentials, uint64_t max_age)
{
    unsigned f = 0;
#define FAULT(code) (1u << (unsigned)-(code))
    if (any_origin && credentials)
        f |= FAULT(CORSHDR_EWILDCARD);
    for (size_t i = 0; i < origins->n; i++)
        if (!oracle_origin(origins->v[i].ptr, origins->v[i].len))
            f |= FAULT(CORSHDR_EORIGIN);
    const list *lists[3] = {methods, headers, expose};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < lists[k]->n; i++) {
            corshdr_span s = lists[k]->v[i];
            if (s.len == 0)
                f |= FAULT(CORSHDR_EEMPTY);
            else if (!oracle_token(s.ptr, s.len))
                f |= FAULT(CORSHDR_ETOKEN);
            else if (k == 0 && oracle_forbidden_method(s.ptr, s.len))
                f |= FAULT(CORSHDR_EMETHOD);
            else if (k == 2 && oracle_forbidden_response_name(s.ptr, s.len))
                f |= FAULT(CORSHDR_EHEADER);
        }
    if (max_age > 2147483648u)
        f |= FAULT(CORSHDR_EMAXAGE);
    return f;
}

static size_t count_named(const corshdr_field *f, size_t n, const char *name)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (size_t)oracle_name_eq(f[i].name.ptr, f[i].name.len, name, strlen(name));
    return c;
}

static corshdr_span value_of(const corshdr_field *f, size_t n, const char *name)
{
    size_t i = oracle_find(f, n, name, strlen(name));
    return oracle_trim(f[i].value.ptr, f[i].value.len);
}

static void expect_line(const corshdr_field *out, size_t count, size_t *k, const char *name, const char *p, size_t n)
{
    FUZZ_CHECK(*k < count && fin_span_eq(out[*k].name, name, strlen(name)) && fin_span_eq(out[*k].value, p, n),
               "line %zu: %s: %s, expected %s: %s", *k, *k < count ? fuzz_esc_span(out[*k].name) : "-",
               *k < count ? fuzz_esc_span(out[*k].value) : "-", name, fuzz_esc(p, n));
    (*k)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    fin_records(&in, data, size);
    corshdr_span r_origins, r_methods, r_headers, r_expose, method;
    (void)fin_record(&in, &r_origins);
    (void)fin_record(&in, &r_methods);
    (void)fin_record(&in, &r_headers);
    (void)fin_record(&in, &r_expose);
    long long age = fin_number(&in);
    (void)fin_record(&in, &method);
    size_t n;
    corshdr_field *req = fin_fields(&in, &n);
    corshdr_credentials browser = fin_credentials(&in);
    int policy_credentials = (in.flags & FIN_SWITCH_A) != 0;
    corshdr_options opt = fin_options(&in, CORSHDR_KERNEL_AUTO);
    oracle_limits lim = fin_limits(&in);

    /* Only origins and headers have a wildcard form; `*` among methods or exposed names is a token. */
    list origins = split_list(r_origins, 1), methods = split_list(r_methods, 0), headers = split_list(r_headers, 1),
         expose = split_list(r_expose, 0);
    uint64_t max_age = age < 0 ? 0 : (uint64_t)age > UINT32_MAX ? UINT32_MAX : (uint64_t)age;

    corshdr_policy_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.origins = origins.v;
    cfg.norigins = origins.n;
    cfg.any_origin = origins.star;
    cfg.credentials = policy_credentials;
    cfg.methods = methods.v;
    cfg.nmethods = methods.n;
    cfg.headers = headers.v;
    cfg.nheaders = headers.n;
    cfg.any_header = headers.star;
    cfg.expose = expose.v;
    cfg.nexpose = expose.n;
    cfg.max_age = (uint32_t)max_age;

    /* compile: the size query, one short, exact. */
    corshdr_policy p;
    corshdr_error err;
    corshdr_status st = corshdr_policy_compile(&p, &cfg, NULL, 0, NULL, 0, &err);
    unsigned faults = config_faults(&origins, &methods, &headers, &expose, cfg.any_origin, cfg.credentials, max_age);
    if (faults) {
        FUZZ_CHECK(st < 0 && st != CORSHDR_ENOSPC && (faults & (1u << (unsigned)-st)),
                   "compile of a faulty configuration (%#x) = %s", faults, corshdr_err_name(st));
    } else {
        FUZZ_CHECK(st == CORSHDR_ENOSPC || st == CORSHDR_OK, "compile of a valid configuration = %s", corshdr_err_name(st));
    }
    if (st != CORSHDR_ENOSPC) {
        free_list(&origins), free_list(&methods), free_list(&headers), free_list(&expose);
        fin_free(&in);
        return 0;
    }
    size_t nitems = p.items_needed, ntext = p.text_needed;
    FUZZ_CHECK(nitems == origins.n + headers.n, "items_needed %zu for %zu origins and %zu headers", nitems, origins.n,
               headers.n);
    if (ntext > 0) {
        corshdr_name *items = fin_alloc(&in, nitems * sizeof *items);
        char *text = fin_alloc(&in, ntext - 1);
        st = corshdr_policy_compile(&p, &cfg, items, nitems, text, ntext - 1, NULL);
        FUZZ_CHECK(st == CORSHDR_ENOSPC, "compile with text one short = %s", corshdr_err_name(st));
    }
    if (nitems > 0) {
        corshdr_name *items = fin_alloc(&in, (nitems - 1) * sizeof *items);
        char *text = fin_alloc(&in, ntext);
        st = corshdr_policy_compile(&p, &cfg, items, nitems - 1, text, ntext, NULL);
        FUZZ_CHECK(st == CORSHDR_ENOSPC, "compile with items one short = %s", corshdr_err_name(st));
    }
    corshdr_name *items = fin_alloc(&in, nitems * sizeof *items);
    char *text = fin_alloc(&in, ntext);
    st = corshdr_policy_compile(&p, &cfg, items, nitems, text, ntext, &err);
    FUZZ_CHECK(st == CORSHDR_OK, "compile with the storage it asked for = %s", corshdr_err_name(st));
    ostr acam = joined(&methods), acah = joined(&headers), aceh = joined(&expose);
    olist allowed_origins = {0};
    for (size_t i = 0; i < origins.n; i++)
        olist_push(&allowed_origins, origins.v[i].ptr, origins.v[i].len);
    int any_origin = origins.star, any_header = headers.star;
    /* The configuration must not outlive compile. */
    free_list(&origins), free_list(&methods), free_list(&headers), free_list(&expose);

    /* apply */
    corshdr_field *out = fin_alloc(&in, CORSHDR_POLICY_FIELDS * sizeof *out);
    size_t count = 99;
    st = corshdr_policy_apply(&p, method.ptr, method.len, req, n, &opt, out, &count, &err);

    /* The verdict, restated from corshdr.h. */
    size_t bad_line;
    corshdr_status want = oracle_fields_valid(req, n, &bad_line);
    unsigned want_mask = 0; /* a list error of Access-Control-Request-Headers (ORACLE_FAIL_*), or EHEADER */
#define WANT_EHEADER 0x100u
    corshdr_span origin = {NULL, 0}, acrm = {NULL, 0};
    int preflight = 0, echoed = 0;
    olist acrh_elems = {0};
    if (want == CORSHDR_OK) {
        size_t origin_lines = count_named(req, n, "origin");
        if (origin_lines == 0) {
            want = CORSHDR_ABSENT;
        } else if (origin_lines > 1) {
            want = CORSHDR_EREPEATED;
        } else {
            origin = value_of(req, n, "origin");
            int allowed = any_origin;
            for (size_t i = 0; i < allowed_origins.n; i++)
                allowed |= fin_span_eq(origin, allowed_origins.v[i].p, allowed_origins.v[i].n);
            if (!oracle_origin(origin.ptr, origin.len))
                want = CORSHDR_EORIGIN;
            else if (!allowed)
                want = CORSHDR_EACAO;
        }
    }
    /* A preflight: OPTIONS with Access-Control-Request-Method. */
    size_t acrm_lines = count_named(req, n, "access-control-request-method");
    preflight = fin_span_eq(method, "OPTIONS", 7) && acrm_lines > 0;
    if (want == CORSHDR_OK && preflight) {
        acrm = value_of(req, n, "access-control-request-method");
        if (acrm_lines > 1)
            want = CORSHDR_EREPEATED;
        else if (acrm.len == 0)
            want = CORSHDR_EEMPTY;
        else if (!oracle_token(acrm.ptr, acrm.len))
            want = CORSHDR_ETOKEN;
        else if (!oracle_safelisted_method(acrm.ptr, acrm.len) && !in_joined(&acam, acrm, 0))
            want = CORSHDR_EMETHOD;
    }
    if (want == CORSHDR_OK && preflight) {
        /* Access-Control-Request-Headers: a singleton #field-name list, each name allowed. */
        unsigned reasons = 0;
        int lst = oracle_name_list(req, n, "access-control-request-headers", 30, 1, 0, &lim, &acrh_elems, &reasons);
        if (lst < 0)
            want_mask |= reasons;
        for (size_t i = 0; !any_header && i < acrh_elems.n; i++) {
            corshdr_span e = {acrh_elems.v[i].p, acrh_elems.v[i].n};
            if (!in_joined(&acah, e, 1)) {
                want_mask |= WANT_EHEADER;
                break;
            }
        }
        if (want_mask)
            want = (corshdr_status)-100; /* whichever of them the library meets first */
        echoed = any_header && lst == CORSHDR_OK;
    }
    if (want == (corshdr_status)-100)
        FUZZ_CHECK(st < 0 && ((oracle_fail_bit(st) & want_mask) || (st == CORSHDR_EHEADER && (want_mask & WANT_EHEADER))),
                   "apply = %s, expected a list error or EHEADER (%#x)", corshdr_err_name(st), want_mask);
    else
        FUZZ_CHECK(st == want, "apply(method %s, %zu lines) = %s, expected %s", fuzz_esc_span(method), n,
                   corshdr_err_name(st), corshdr_err_name(want));
    FUZZ_CHECK(count <= CORSHDR_POLICY_FIELDS, "%zu lines", count);

    if (st != CORSHDR_OK) {
        /* A denial: only Vary: Origin, when the answer depends on the origin. */
        if (st == CORSHDR_ENAME || st == CORSHDR_EVALUE)
            FUZZ_CHECK(count == 0, "%zu lines for a request that cannot exist", count);
        else if (any_origin)
            FUZZ_CHECK(count == 0, "%zu lines for a denial by an any-origin policy", count);
        else {
            size_t k = 0;
            expect_line(out, count, &k, "Vary", "Origin", 6);
            FUZZ_CHECK(count == 1, "%zu lines for a denial", count);
        }
    } else {
        size_t k = 0;
        if (any_origin)
            expect_line(out, count, &k, "Access-Control-Allow-Origin", "*", 1);
        else
            expect_line(out, count, &k, "Access-Control-Allow-Origin", origin.ptr, origin.len);
        if (policy_credentials)
            expect_line(out, count, &k, "Access-Control-Allow-Credentials", "true", 4);
        corshdr_span acrh_value = {NULL, 0};
        if (echoed)
            acrh_value = value_of(req, n, "access-control-request-headers");
        if (preflight) {
            if (acam.n)
                expect_line(out, count, &k, "Access-Control-Allow-Methods", acam.p, acam.n);
            if (echoed && acrh_value.len)
                expect_line(out, count, &k, "Access-Control-Allow-Headers", acrh_value.ptr, acrh_value.len);
            else if (!echoed && acah.n)
                expect_line(out, count, &k, "Access-Control-Allow-Headers", acah.p, acah.n);
            if (max_age) {
                char digits[16];
                int nd = snprintf(digits, sizeof digits, "%u", (unsigned)max_age);
                expect_line(out, count, &k, "Access-Control-Max-Age", digits, (size_t)nd);
            }
        } else if (aceh.n) {
            expect_line(out, count, &k, "Access-Control-Expose-Headers", aceh.p, aceh.n);
        }
        if (!any_origin && echoed)
            expect_line(out, count, &k, "Vary", "Origin, Access-Control-Request-Headers", 38);
        else if (!any_origin)
            expect_line(out, count, &k, "Vary", "Origin", 6);
        else if (echoed)
            expect_line(out, count, &k, "Vary", "Access-Control-Request-Headers", 30);
        FUZZ_CHECK(k == count, "%zu lines, expected %zu", count, k);

        /* Round trip: what a browser makes of these lines, for a request it could have sent. */
        int compatible = browser != CORSHDR_CREDENTIALS_INCLUDE || policy_credentials;
        corshdr_span norm = preflight ? oracle_method_normalize(acrm.ptr, acrm.len) : acrm;
        if (compatible && !preflight) {
            corshdr_status cs = oracle_cors_check(out, count, origin.ptr, origin.len, browser);
            FUZZ_CHECK(cs == CORSHDR_OK, "the browser's CORS check of the allowed answer: %s", corshdr_err_name(cs));
        } else if (compatible && fin_span_eq(norm, acrm.ptr, acrm.len)) {
            corshdr_span *names = fin_alloc(&in, acrh_elems.n * sizeof *names);
            for (size_t i = 0; i < acrh_elems.n; i++)
                names[i] = fin_copy(&in, acrh_elems.v[i].p, acrh_elems.v[i].n);
            oracle_request breq = {origin, acrm, browser, names, acrh_elems.n, 0, 0};
            oracle_limits wide = {SIZE_MAX, SIZE_MAX, SIZE_MAX};
            uint32_t seconds = 0;
            int ok = oracle_preflight(&breq, 204, out, count, &wide, &seconds);
            FUZZ_CHECK(ok == 1 && seconds == (max_age ? max_age : 5),
                       "the browser's preflight check of the allowed answer: %d, max-age %u", ok, seconds);
        }
    }
    olist_free(&acrh_elems);
    olist_free(&allowed_origins);
    ostr_free(&acam), ostr_free(&acah), ostr_free(&aceh);
    fin_free(&in);
    return 0;
}
