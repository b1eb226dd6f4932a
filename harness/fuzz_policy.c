/*
 * Target policy (RECORDS: R0 origin entries, R1 methods, R2 header names, R3 exposed names, each
 * ','-separated; R4 settings "MAXAGE[/STATUS][d]" (max_age, the preflight status, 'd' for debug); R5 the
 * request's method; then the request's header lines. F bits 0-1 the browser's credentials mode for the
 * round trip, bit 3 the policy's credentials, bit 4 allow_null, bits 5-7 small limits): the server side,
 * corshdr_policy_compile and corshdr_policy_apply.
 * Checks:
 * - compile reports exactly the problems restated here from corshdr.h, in order (code, part, index), with
 *   a public-suffix callback of the target's own; a problem-free one reports the storage it needs (ENOSPC
 *   one byte short) and keeps no pointer into the configuration (its buffers are freed right after);
 * - apply gives the kind, the verdict, the status and exactly the lines restated here, in an answer whose
 *   lines never exceed CORSHDR_POLICY_FIELDS; a refusal carries no CORS line;
 * - round trip: when apply allows a request a browser could send, the browser's own checks (the oracle's
 *   CORS check, or its preflight check on the answer) accept the lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

/* A ','-separated record as spans, each in its own malloc'd buffer (freed by the caller, not fin_free). */
typedef struct list {
    corshdr_span *v;
    size_t n;
} list;

static list split_list(corshdr_span rec)
{
    list l = {NULL, 0};
    if (rec.len == 0)
        return l;
    size_t count = 1;
    for (size_t i = 0; i < rec.len; i++)
        count += rec.ptr[i] == ',';
    l.v = malloc(count * sizeof *l.v);
    size_t start = 0;
    for (size_t i = 0; i <= rec.len; i++)
        if (i == rec.len || rec.ptr[i] == ',') {
            char *p = malloc(i - start + 1);
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

static int is(corshdr_span s, const char *lit)
{
    return fin_span_eq(s, lit, strlen(lit));
}

/* The target's public suffixes: a name without a dot, or NAME.uk. */
static int fake_suffix(void *ctx, const char *d, size_t n)
{
    (void)ctx;
    const char *dot = memchr(d, '.', n);
    return !dot || (n > 3 && !memcmp(d + n - 3, ".uk", 3) && memchr(d, '.', n - 3) == NULL);
}

/* ---- the configuration, restated -------------------------------------------------------------------- */

typedef struct want_problem {
    corshdr_status code;
    corshdr_policy_part part;
    size_t index;
} want_problem;

/* A valid serialized origin (not null) in parts: spans into it, so a request's Origin of any length fits. */
typedef struct origin_view {
    const char *prefix, *host; /* scheme "://"; the host */
    size_t prefix_len, host_len;
    int has_port;
    unsigned port;
} origin_view;

static origin_view view_origin(const char *o, size_t n)
{
    origin_view v;
    const char *sep = memchr(o, ':', n);
    size_t pl = (size_t)(sep - o) + 3, h = pl, end = n;
    if (o[h] == '[') {
        end = (size_t)((const char *)memchr(o + h, ']', n - h) - o) + 1;
    } else {
        while (end > h && memchr(o + h, ':', end - h))
            end = (size_t)((const char *)memchr(o + h, ':', end - h) - o);
    }
    v.prefix = o;
    v.prefix_len = pl;
    v.host = o + h;
    v.host_len = end - h;
    v.has_port = end < n;
    v.port = 0;
    for (size_t i = end + 1; i < n; i++)
        v.port = v.port * 10 + (unsigned)(o[i] - '0');
    return v;
}

/* A configured origin or pattern: an entry is at most 320 bytes (longer ones are EORIGIN), so its parts
 * fit. */
typedef struct oracle_pattern {
    char prefix[320];  /* scheme "://" */
    char host[320];    /* the host, or for a subdomain pattern "." and the base */
    size_t prefix_len, host_len;
    int subdomains, any_port, has_port;
    unsigned port;
} oracle_pattern;

static void split_origin(const char *o, size_t n, oracle_pattern *pt)
{
    origin_view v = view_origin(o, n);
    memcpy(pt->prefix, v.prefix, v.prefix_len);
    pt->prefix_len = v.prefix_len;
    memcpy(pt->host, v.host, v.host_len);
    pt->host_len = v.host_len;
    pt->has_port = v.has_port;
    pt->port = v.port;
}

/* An IP host of a valid origin: bracketed, or a last label that is a number (the URL standard's "ends in
 * a number": digits, or 0x and hex digits), which a valid origin has only as an IPv4 address. */
static int ip_host(const char *h, size_t n)
{
    if (n && h[0] == '[')
        return 1;
    if (n && h[n - 1] == '.')
        n--;
    size_t last = n;
    while (last > 0 && h[last - 1] != '.')
        last--;
    const char *l = h + last;
    size_t ln = n - last, i = 0;
    int hex = ln >= 2 && l[0] == '0' && l[1] == 'x';
    for (i = hex ? 2 : 0; i < ln; i++)
        if (!(l[i] >= '0' && l[i] <= '9') && !(hex && l[i] >= 'a' && l[i] <= 'f'))
            return 0;
    return ln > 0;
}

/* Origin entry i: its problems, in the order compile reports them, and its pattern. 0 when it has one
 * that stops the others. */
static int origin_entry(corshdr_span e, size_t i, int cred, want_problem *w, size_t *nw, oracle_pattern *pt, int *star)
{
    *star = 0;
    if (is(e, "*")) {
        *star = 1;
        if (cred)
            w[(*nw)++] = (want_problem){CORSHDR_EWILDCARD, CORSHDR_PART_ORIGINS, i};
        return 0;
    }
    if (is(e, "null")) {
        w[(*nw)++] = (want_problem){CORSHDR_ENULL, CORSHDR_PART_ORIGINS, i};
        return 0;
    }
    char probe[400];
    size_t m = e.len;
    int sub = 0, anyport = 0;
    const char *colon = e.len ? memchr(e.ptr, ':', e.len) : NULL;
    size_t h = colon ? (size_t)(colon - e.ptr) + 3 : 0;
    if (e.len > 320) {
        w[(*nw)++] = (want_problem){CORSHDR_EORIGIN, CORSHDR_PART_ORIGINS, i};
        return 0;
    }
    memcpy(probe, e.ptr, e.len);
    if (colon && e.len >= h + 2 && !memcmp(e.ptr + h - 3, "://", 3) && e.ptr[h] == '*' && e.ptr[h + 1] == '.') {
        sub = 1;
        probe[h] = 'x';
    }
    if (m >= 2 && probe[m - 2] == ':' && probe[m - 1] == '*') {
        anyport = 1;
        m -= 2;
    }
    if (e.len == 0 || !oracle_origin(probe, m) || (m == 4 && !memcmp(probe, "null", 4))) {
        /* not canonical when lowercasing, cutting at the path and dropping a default port fix the probe */
        char fix[400];
        size_t k = 0, slashes = 0;
        for (size_t j = 0; j < m; j++) {
            char c = probe[j];
            if (c == '/' && ++slashes > 2)
                break;
            fix[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        int canonical = oracle_origin(fix, k) && !(k == 4 && !memcmp(fix, "null", 4));
        static const char *const def[][2] = {{"http:", ":80"}, {"https:", ":443"}, {"ws:", ":80"}, {"wss:", ":443"}};
        for (size_t d = 0; !canonical && d < 4; d++) {
            size_t sl = strlen(def[d][0]), plen = strlen(def[d][1]);
            if (k > sl + plen && !memcmp(fix, def[d][0], sl) && !memcmp(fix + k - plen, def[d][1], plen)) {
                canonical = oracle_origin(fix, k - plen);
                break;
            }
        }
        w[(*nw)++] = (want_problem){canonical ? CORSHDR_ECANONICAL : CORSHDR_EORIGIN, CORSHDR_PART_ORIGINS, i};
        return 0;
    }
    split_origin(probe, m, pt);
    if (anyport && pt->has_port) { /* a port and ":*" */
        w[(*nw)++] = (want_problem){CORSHDR_EORIGIN, CORSHDR_PART_ORIGINS, i};
        return 0;
    }
    if (sub) {
        if (ip_host(pt->host, pt->host_len) || pt->host_len < 3) { /* an IP, or no base after "x." */
            w[(*nw)++] = (want_problem){CORSHDR_EORIGIN, CORSHDR_PART_ORIGINS, i};
            return 0;
        }
        pt->host[0] = '.'; /* "x." became "." and the base */
        memmove(pt->host, pt->host + 1, pt->host_len - 1);
        pt->host_len--;
    }
    pt->subdomains = sub;
    pt->any_port = anyport;
    /* insecure with credentials: http or ws, and not loopback */
    const char *hb = pt->host + sub;
    size_t hl = pt->host_len - (size_t)sub;
    int loop = (hl == 9 && !memcmp(hb, "localhost", 9)) || (hl > 10 && !memcmp(hb + hl - 10, ".localhost", 10)) ||
               (hl == 5 && !memcmp(hb, "[::1]", 5)) || (hl >= 4 && !memcmp(hb, "127.", 4) && ip_host(hb, hl));
    int plain = (pt->prefix_len == 7 && !memcmp(pt->prefix, "http://", 7)) ||
                (pt->prefix_len == 5 && !memcmp(pt->prefix, "ws://", 5));
    if (cred && plain && !loop)
        w[(*nw)++] = (want_problem){CORSHDR_EINSECURE, CORSHDR_PART_ORIGINS, i};
    /* the base without a trailing dot, as libpsl judges names */
    if (sub && fake_suffix(NULL, pt->host + 1, pt->host_len - 1 - (pt->host[pt->host_len - 1] == '.')))
        w[(*nw)++] = (want_problem){CORSHDR_EPUBLICSUFFIX, CORSHDR_PART_ORIGINS, i};
    return 1;
}

/* A header or method entry's problem, or 0. */
static corshdr_status name_entry(corshdr_span e, corshdr_policy_part part, int cred, int *star)
{
    *star = 0;
    if (is(e, "*")) {
        if (part == CORSHDR_PART_METHODS) {
            *star = 1;
            return CORSHDR_OK;
        }
        *star = 1;
        return cred ? CORSHDR_EWILDCARD : CORSHDR_OK;
    }
    if (e.len == 0)
        return CORSHDR_EEMPTY;
    if (!oracle_token(e.ptr, e.len))
        return CORSHDR_ETOKEN;
    if (part == CORSHDR_PART_METHODS && oracle_forbidden_method(e.ptr, e.len))
        return CORSHDR_EMETHOD;
    if (part == CORSHDR_PART_METHODS) { /* a standard method, not written as browsers send it */
        corshdr_span up = oracle_method_normalize(e.ptr, e.len);
        if (up.ptr != e.ptr && memcmp(up.ptr, e.ptr, e.len) != 0)
            return CORSHDR_ECANONICAL;
    }
    if (part == CORSHDR_PART_HEADERS && oracle_forbidden_request_header(e.ptr, e.len, "", 0))
        return CORSHDR_EFORBIDDEN;
    if (part == CORSHDR_PART_EXPOSE && oracle_forbidden_response_name(e.ptr, e.len))
        return CORSHDR_EHEADER;
    return CORSHDR_OK;
}

/* ---- the answer, restated --------------------------------------------------------------------------- */

static void expect_line(const corshdr_policy_answer *a, size_t *k, const char *name, const char *p, size_t n)
{
    FUZZ_CHECK(*k < a->nlines && fin_span_eq(a->lines[*k].name, name, strlen(name)) &&
                   fin_span_eq(a->lines[*k].value, p, n),
               "line %zu: %s: %s, expected %s: %s", *k, *k < a->nlines ? fuzz_esc_span(a->lines[*k].name) : "-",
               *k < a->nlines ? fuzz_esc_span(a->lines[*k].value) : "-", name, fuzz_esc(p, n));
    (*k)++;
}

static size_t count_named(const corshdr_field *f, size_t n, const char *name)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (size_t)oracle_name_eq(f[i].name.ptr, f[i].name.len, name, strlen(name));
    return c;
}

static int has_ctl(corshdr_span v)
{
    for (size_t i = 0; i < v.len; i++)
        if (v.ptr[i] == 0 || v.ptr[i] == '\r' || v.ptr[i] == '\n')
            return 1;
    return 0;
}

/* ", "-joined entries but "*", after `lead`. */
static ostr rendered(const list *l, const char *lead)
{
    olist o = {0};
    if (lead)
        olist_push(&o, lead, strlen(lead));
    for (size_t i = 0; l && i < l->n; i++)
        if (!is(l->v[i], "*"))
            olist_push(&o, l->v[i].ptr, l->v[i].len);
    ostr s = olist_join(&o, ", ", 2);
    olist_free(&o);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    fin_records(&in, data, size);
    corshdr_span r_origins, r_methods, r_headers, r_expose, r_settings, method;
    (void)fin_record(&in, &r_origins);
    (void)fin_record(&in, &r_methods);
    (void)fin_record(&in, &r_headers);
    (void)fin_record(&in, &r_expose);
    (void)fin_record(&in, &r_settings);
    (void)fin_record(&in, &method);
    size_t n;
    corshdr_field *req = fin_fields(&in, &n);
    corshdr_credentials browser = fin_credentials(&in);
    int cred = (in.flags & FIN_SWITCH_A) != 0, allow_null = (in.flags & FIN_SWITCH_B) != 0;
    corshdr_options opt = fin_options(&in, CORSHDR_KERNEL_AUTO);
    oracle_limits lim = fin_limits(&in);

    /* settings: [-]digits, then /digits, 'd' anywhere */
    long long max_age = 0, pstatus = 0;
    int debug = 0, neg = 0, slash = 0;
    for (size_t i = 0; i < r_settings.len; i++) {
        char c = r_settings.ptr[i];
        if (c == 'd')
            debug = 1;
        else if (c == '/')
            slash = 1;
        else if (c == '-' && !slash)
            neg = 1;
        else if (c >= '0' && c <= '9') {
            long long *v = slash ? &pstatus : &max_age;
            if (*v < 1000000)
                *v = *v * 10 + (c - '0');
        }
    }
    if (neg)
        max_age = -max_age;

    list origins = split_list(r_origins), methods = split_list(r_methods), headers = split_list(r_headers),
         expose = split_list(r_expose);
    corshdr_policy_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.origins = origins.v;
    cfg.norigins = origins.n;
    cfg.allow_null = allow_null;
    cfg.credentials = cred;
    cfg.methods = methods.v;
    cfg.nmethods = methods.n;
    cfg.headers = headers.v;
    cfg.nheaders = headers.n;
    cfg.expose = expose.v;
    cfg.nexpose = expose.n;
    cfg.max_age = (int32_t)max_age;
    cfg.preflight_status = (int)pstatus;
    cfg.debug = debug;
    cfg.is_public_suffix = fake_suffix;

    /* The problems, in the order of the configuration. */
    size_t cap = origins.n + methods.n + headers.n + expose.n + 4;
    want_problem *w = fin_alloc(&in, cap * sizeof *w);
    oracle_pattern *pats = fin_alloc(&in, (origins.n + 1) * sizeof *pats);
    size_t nw = 0, npats = 0;
    int any_origin = 0, any_method = 0, any_header = 0, expose_all = 0, star;
    for (size_t i = 0; i < origins.n; i++) {
        if (origin_entry(origins.v[i], i, cred, w, &nw, &pats[npats], &star))
            npats++;
        any_origin |= star;
    }
    if (origins.n == 0 && !allow_null)
        w[nw++] = (want_problem){CORSHDR_EEMPTY, CORSHDR_PART_ORIGINS, CORSHDR_NPOS};
    if (allow_null && cred) /* anyone can send `null`: never with credentials */
        w[nw++] = (want_problem){CORSHDR_ENULL, CORSHDR_PART_SETTINGS, CORSHDR_NPOS};
    const struct {
        list *l;
        corshdr_policy_part part;
        int *any;
    } lists[] = {{&methods, CORSHDR_PART_METHODS, &any_method},
                 {&headers, CORSHDR_PART_HEADERS, &any_header},
                 {&expose, CORSHDR_PART_EXPOSE, &expose_all}};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < lists[k].l->n; i++) {
            corshdr_status st = name_entry(lists[k].l->v[i], lists[k].part, cred, &star);
            *lists[k].any |= star;
            if (st != CORSHDR_OK)
                w[nw++] = (want_problem){st, lists[k].part, i};
        }
    if (max_age < -1 || max_age > 86400)
        w[nw++] = (want_problem){CORSHDR_EMAXAGE, CORSHDR_PART_SETTINGS, CORSHDR_NPOS};
    if (pstatus && (pstatus < 200 || pstatus > 299))
        w[nw++] = (want_problem){CORSHDR_ESTATUS, CORSHDR_PART_SETTINGS, CORSHDR_NPOS};

    corshdr_policy p;
    corshdr_problem *got = fin_alloc(&in, cap * sizeof *got);
    size_t ngot = 99;
    corshdr_status st = corshdr_policy_compile(&p, &cfg, NULL, 0, got, cap, &ngot);
    FUZZ_CHECK(ngot == nw, "compile reported %zu problems (%s first), expected %zu (%s first)", ngot,
               ngot ? corshdr_err_name(got[0].code) : "-", nw, nw ? corshdr_err_name(w[0].code) : "-");
    for (size_t i = 0; i < nw; i++)
        FUZZ_CHECK(got[i].code == w[i].code && got[i].part == w[i].part && got[i].index == w[i].index,
                   "problem %zu: %s part %d entry %zu, expected %s part %d entry %zu", i, corshdr_err_name(got[i].code),
                   (int)got[i].part, got[i].index, corshdr_err_name(w[i].code), (int)w[i].part, w[i].index);
    if (nw) {
        FUZZ_CHECK(st == CORSHDR_EPOLICY, "compile with problems = %s", corshdr_err_name(st));
        free_list(&origins), free_list(&methods), free_list(&headers), free_list(&expose);
        fin_free(&in);
        return 0;
    }
    FUZZ_CHECK(st == CORSHDR_ENOSPC && p.storage_needed > 0, "compile with no storage = %s", corshdr_err_name(st));
    size_t need = p.storage_needed;
    void *storage = fin_alloc(&in, need);
    st = corshdr_policy_compile(&p, &cfg, storage, need - 1, NULL, 0, &ngot);
    FUZZ_CHECK(st == CORSHDR_ENOSPC, "compile one byte short = %s", corshdr_err_name(st));
    st = corshdr_policy_compile(&p, &cfg, storage, need, NULL, 0, &ngot);
    FUZZ_CHECK(st == CORSHDR_OK, "compile with the storage it asked for = %s", corshdr_err_name(st));
    /* What the answer renders, kept before the configuration goes. */
    olist exact = {0}; /* the entries without a wildcard (all entries are valid here) */
    for (size_t i = 0; i < origins.n; i++) {
        const char *e = origins.v[i].ptr;
        size_t el = origins.v[i].len, h = 0;
        while (h + 3 <= el && memcmp(e + h, "://", 3))
            h++;
        int sub = h + 4 < el && e[h + 3] == '*';
        if (!is(origins.v[i], "*") && !sub && !(el >= 2 && e[el - 2] == ':' && e[el - 1] == '*'))
            olist_push(&exact, e, el);
    }
    ostr acam = rendered(any_method && !cred ? NULL : &methods, any_method && !cred ? "*" : NULL);
    ostr acah = rendered(&headers, any_header ? "*" : NULL);
    ostr aceh = rendered(expose_all ? NULL : &expose, expose_all ? "*" : NULL);
    olist named = {0};
    for (size_t i = 0; i < headers.n; i++)
        if (!is(headers.v[i], "*"))
            olist_push(&named, headers.v[i].ptr, headers.v[i].len);
    /* The configuration must not outlive compile. */
    free_list(&origins), free_list(&methods), free_list(&headers), free_list(&expose);

    corshdr_policy_answer *a = fin_alloc(&in, sizeof *a);
    st = corshdr_policy_apply(&p, method.ptr, method.len, req, n, &opt, a);

    /* The verdict, restated from corshdr.h. */
    int options = fin_span_eq(method, "OPTIONS", 7);
    size_t origin_lines = count_named(req, n, "origin"), acrm_lines = count_named(req, n, "access-control-request-method");
    corshdr_request_kind kind = origin_lines == 0            ? CORSHDR_REQUEST_PLAIN
                                : options && acrm_lines > 0 ? CORSHDR_REQUEST_PREFLIGHT
                                                            : CORSHDR_REQUEST_ACTUAL;
    corshdr_status want = CORSHDR_OK;
    unsigned want_mask = 0; /* Access-Control-Request-Headers: any of its list errors, or EHEADER/EAUTHORIZATION */
#define WANT_EHEADER 0x100u
#define WANT_EAUTH 0x200u
    corshdr_span origin = {NULL, 0}, acrm = {NULL, 0};
    olist acrh = {0};
    int any_acrh = 0;
    if (kind == CORSHDR_REQUEST_PLAIN) {
        want = CORSHDR_ABSENT;
    } else if (origin_lines > 1) {
        want = CORSHDR_EREPEATED;
    } else {
        const corshdr_span *raw = &req[oracle_find(req, n, "origin", 6)].value;
        origin = oracle_trim(raw->ptr, raw->len);
        if (has_ctl(*raw))
            want = CORSHDR_EVALUE;
        else if (is(origin, "null"))
            want = allow_null || any_origin ? CORSHDR_OK : CORSHDR_ENULL;
        else if (!oracle_origin(origin.ptr, origin.len))
            want = CORSHDR_EORIGIN;
        else if (!any_origin) {
            int allowed = 0;
            for (size_t i = 0; i < exact.n && !allowed; i++)
                allowed = fin_span_eq(origin, exact.v[i].p, exact.v[i].n);
            origin_view o = view_origin(origin.ptr, origin.len);
            for (size_t i = 0; i < npats && !allowed; i++) {
                const oracle_pattern *q = &pats[i];
                if (q->prefix_len != o.prefix_len || memcmp(q->prefix, o.prefix, o.prefix_len))
                    continue;
                int host = q->subdomains ? o.host_len > q->host_len &&
                                               !memcmp(o.host + o.host_len - q->host_len, q->host, q->host_len)
                                         : o.host_len == q->host_len && !memcmp(o.host, q->host, o.host_len);
                allowed = host && (q->any_port || (o.has_port == q->has_port && o.port == q->port));
            }
            if (!allowed)
                want = CORSHDR_EACAO;
        }
    }
    if (want == CORSHDR_OK && kind == CORSHDR_REQUEST_PREFLIGHT) {
        const corshdr_span *raw = &req[oracle_find(req, n, "access-control-request-method", 29)].value;
        acrm = oracle_trim(raw->ptr, raw->len);
        if (acrm_lines > 1)
            want = CORSHDR_EREPEATED;
        else if (has_ctl(*raw))
            want = CORSHDR_EVALUE;
        else if (acrm.len == 0)
            want = CORSHDR_EEMPTY;
        else if (!oracle_token(acrm.ptr, acrm.len))
            want = CORSHDR_ETOKEN;
        else if (!oracle_safelisted_method(acrm.ptr, acrm.len) && !any_method) {
            int listed = 0;
            for (size_t i = 0; i < acam.n && !listed;) { /* the rendered ", " list */
                size_t j = i;
                while (j < acam.n && acam.p[j] != ',')
                    j++;
                listed = fin_span_eq(acrm, acam.p + i, j - i);
                i = j + 2;
            }
            if (!listed)
                want = CORSHDR_EMETHOD;
        }
    }
    if (want == CORSHDR_OK && kind == CORSHDR_REQUEST_PREFLIGHT && count_named(req, n, "access-control-request-headers")) {
        unsigned reasons = 0;
        int lst = oracle_name_list(req, n, "access-control-request-headers", 30, 0, 0, &lim, &acrh, &reasons);
        if (lst < 0)
            want_mask |= reasons;
        for (size_t i = 0; i < acrh.n; i++) {
            int is_named = 0;
            for (size_t k = 0; k < named.n && !is_named; k++)
                is_named = oracle_name_eq(acrh.v[i].p, acrh.v[i].n, named.v[k].p, named.v[k].n);
            if (is_named)
                continue;
            if (oracle_name_eq(acrh.v[i].p, acrh.v[i].n, "authorization", 13))
                want_mask |= any_header ? WANT_EAUTH : WANT_EHEADER;
            else if (!any_header)
                want_mask |= WANT_EHEADER;
        }
        if (want_mask)
            want = (corshdr_status)-100; /* whichever of them the library meets first */
        any_acrh = 1;
    }
    FUZZ_CHECK(a->kind == kind, "kind %d, expected %d", (int)a->kind, (int)kind);
    if (want == (corshdr_status)-100)
        FUZZ_CHECK(st < 0 && ((oracle_fail_bit(st) & want_mask) || (st == CORSHDR_EHEADER && (want_mask & WANT_EHEADER)) ||
                              (st == CORSHDR_EAUTHORIZATION && (want_mask & WANT_EAUTH))),
                   "apply = %s, expected a list error, EHEADER or EAUTHORIZATION (%#x)", corshdr_err_name(st), want_mask);
    else
        FUZZ_CHECK(st == want, "apply(method %s, %zu lines) = %s, expected %s", fuzz_esc_span(method), n,
                   corshdr_err_name(st), corshdr_err_name(want));
    FUZZ_CHECK(a->why.code == st, "why.code %s, returned %s", corshdr_err_name(a->why.code), corshdr_err_name(st));
    FUZZ_CHECK(a->nlines <= CORSHDR_POLICY_FIELDS, "%zu lines", a->nlines);
    int preflight = kind == CORSHDR_REQUEST_PREFLIGHT;
    FUZZ_CHECK(a->status == (!preflight ? 0 : st == CORSHDR_OK ? (pstatus ? (int)pstatus : 204) : 403),
               "status %d for %s", a->status, corshdr_err_name(st));

    size_t k = 0;
    if (st == CORSHDR_OK) {
        if (any_origin)
            expect_line(a, &k, "Access-Control-Allow-Origin", "*", 1);
        else
            expect_line(a, &k, "Access-Control-Allow-Origin", origin.ptr, origin.len);
        if (cred)
            expect_line(a, &k, "Access-Control-Allow-Credentials", "true", 4);
        if (preflight) {
            if (!oracle_safelisted_method(acrm.ptr, acrm.len)) {
                if (any_method && cred)
                    expect_line(a, &k, "Access-Control-Allow-Methods", acrm.ptr, acrm.len);
                else if (acam.n)
                    expect_line(a, &k, "Access-Control-Allow-Methods", acam.p, acam.n);
            }
            if (any_acrh && acah.n)
                expect_line(a, &k, "Access-Control-Allow-Headers", acah.p, acah.n);
            if (max_age) {
                char digits[16];
                int nd = snprintf(digits, sizeof digits, "%lld", max_age < 0 ? 0 : max_age);
                expect_line(a, &k, "Access-Control-Max-Age", digits, (size_t)nd);
            }
        } else if (aceh.n) {
            expect_line(a, &k, "Access-Control-Expose-Headers", aceh.p, aceh.n);
        }
    }
    /* Vary, on every answer that depends on the request: Origin unless it is the `*` every origin gets */
    int star_answer = any_origin && st == CORSHDR_OK;
    const char *vary = !star_answer && options ? "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
                       : !star_answer ? "Origin"
                       : options      ? "Access-Control-Request-Method, Access-Control-Request-Headers"
                                      : NULL;
    if (vary)
        expect_line(a, &k, "Vary", vary, strlen(vary));
    if (debug && st < 0) {
        /* static text naming the rule: never a byte of the request */
        FUZZ_CHECK(k < a->nlines && fin_span_eq(a->lines[k].name, "Corshdr-Reason", 14) && a->lines[k].value.len > 0 &&
                       a->lines[k].value.ptr[0] == 'E',
                   "the debug line");
        k++;
    }
    FUZZ_CHECK(k == a->nlines, "%zu lines, expected %zu", a->nlines, k);

    /* Round trip: what a browser makes of these lines, for a request it could have sent. */
    if (st == CORSHDR_OK) {
        int compatible = browser != CORSHDR_CREDENTIALS_INCLUDE || cred;
        corshdr_span norm = preflight ? oracle_method_normalize(acrm.ptr, acrm.len) : acrm;
        if (compatible && !preflight) {
            corshdr_status cs = oracle_cors_check(a->lines, a->nlines, origin.ptr, origin.len, browser);
            FUZZ_CHECK(cs == CORSHDR_OK, "the browser's CORS check of the allowed answer: %s", corshdr_err_name(cs));
        } else if (compatible && fin_span_eq(norm, acrm.ptr, acrm.len)) {
            corshdr_span *names = fin_alloc(&in, acrh.n * sizeof *names);
            for (size_t i = 0; i < acrh.n; i++)
                names[i] = fin_copy(&in, acrh.v[i].p, acrh.v[i].n);
            oracle_request breq = {origin, acrm, browser, names, acrh.n, 0, 0};
            oracle_limits wide = {SIZE_MAX, SIZE_MAX, SIZE_MAX};
            uint32_t seconds = 0;
            int ok = oracle_preflight(&breq, a->status, a->lines, a->nlines, &wide, &seconds);
            FUZZ_CHECK(ok == 1 && seconds == (max_age > 0 ? (uint32_t)max_age : max_age < 0 ? 0u : 5u),
                       "the browser's preflight check of the allowed answer: %d, max-age %u", ok, seconds);
        }
    }
    olist_free(&acrh);
    olist_free(&exact);
    olist_free(&named);
    ostr_free(&acam), ostr_free(&acah), ostr_free(&aceh);
    fin_free(&in);
    return 0;
}
