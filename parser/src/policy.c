/* policy: the server side of the CORS protocol. A configuration is validated and compiled once into
 * sorted sets and pre-rendered header values in the caller's storage; each request then costs a few
 * lookups and produces response lines that point into the policy, never into unchecked input. */
#include "internal.h"

#define LIT(s) s, sizeof(s) - 1

static corshdr_status bad_entry(corshdr_error *err, corshdr_status code, size_t index, size_t offset,
                                const char *expected)
{
    return fail(err, code, index, offset, expected);
}

/* Every entry of a list is a token; for methods also not a forbidden method, for expose not Set-Cookie. */
static corshdr_status check_tokens(const corshdr_span *v, size_t n, int methods, int expose, corshdr_error *err)
{
    if (!v && n)
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a list");
    for (size_t i = 0; i < n; i++) {
        corshdr_error e;
        corshdr_status st = corshdr_token_check(v[i].ptr, v[i].len, &e);
        if (st != CORSHDR_OK)
            return bad_entry(err, st, i, e.offset, methods ? "a method token" : "a header name token");
        if (methods && corshdr_is_forbidden_method(v[i].ptr, v[i].len))
            return bad_entry(err, CORSHDR_EMETHOD, i, 0, "a method browsers can send (not CONNECT, TRACE, TRACK)");
        if (expose && corshdr_is_forbidden_response_name(v[i].ptr, v[i].len))
            return bad_entry(err, CORSHDR_EHEADER, i, 0, "a readable header: Set-Cookie never is");
    }
    return CORSHDR_OK;
}

static size_t joined_len(const corshdr_span *v, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += v[i].len + (i ? 2 : 0);
    return len;
}

/* Appends the entries joined by ", " at *at; returns the span written. */
static corshdr_span render_list(char *text, size_t *at, const corshdr_span *v, size_t n)
{
    size_t start = *at;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            memcpy(text + *at, ", ", 2);
            *at += 2;
        }
        memcpy(text + *at, v[i].ptr, v[i].len);
        *at += v[i].len;
    }
    return span_make(text + start, *at - start);
}

corshdr_status corshdr_policy_compile(corshdr_policy *p, const corshdr_policy_config *cfg, corshdr_name *items,
                                      size_t nitems, char *text, size_t textcap, corshdr_error *err)
{
    if (!p || !cfg || (!items && nitems) || (!text && textcap) || (!cfg->origins && cfg->norigins))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a policy, a configuration and storage");
    memset(p, 0, sizeof *p);
    /* Fetch CORS check, step 3: `*` never passes with credentials, so such a policy can only fail. */
    if (cfg->any_origin && cfg->credentials)
        return fail(err, CORSHDR_EWILDCARD, CORSHDR_NPOS, CORSHDR_NPOS, "any_origin without credentials");
    size_t origin_bytes = 0;
    for (size_t i = 0; i < cfg->norigins; i++) {
        corshdr_error e;
        if (corshdr_origin_check(cfg->origins[i].ptr, cfg->origins[i].len, &e) != CORSHDR_OK)
            return bad_entry(err, CORSHDR_EORIGIN, i, e.offset, e.expected);
        origin_bytes += cfg->origins[i].len;
    }
    corshdr_status st;
    if ((st = check_tokens(cfg->methods, cfg->nmethods, 1, 0, err)) != CORSHDR_OK ||
        (st = check_tokens(cfg->headers, cfg->nheaders, 0, 0, err)) != CORSHDR_OK ||
        (st = check_tokens(cfg->expose, cfg->nexpose, 0, 1, err)) != CORSHDR_OK)
        return st;
    if (cfg->max_age > 2147483648u)
        return fail(err, CORSHDR_EMAXAGE, CORSHDR_NPOS, CORSHDR_NPOS, "a max-age of at most 2^31 seconds");

    /* text: ACAM, ACAH, ACEH, ACMA digits, then the origins' bytes */
    p->items_needed = cfg->norigins + cfg->nheaders;
    p->text_needed = joined_len(cfg->methods, cfg->nmethods) + joined_len(cfg->headers, cfg->nheaders) +
                     joined_len(cfg->expose, cfg->nexpose) + 10 + origin_bytes;
    if (nitems < p->items_needed || textcap < p->text_needed)
        return fail(err, CORSHDR_ENOSPC, CORSHDR_NPOS, CORSHDR_NPOS, "items_needed items and text_needed bytes");
    size_t at = 0;
    p->acam = render_list(text, &at, cfg->methods, cfg->nmethods);
    p->acah = render_list(text, &at, cfg->headers, cfg->nheaders);
    p->aceh = render_list(text, &at, cfg->expose, cfg->nexpose);
    if (cfg->max_age) {
        char digits[10];
        size_t nd = 0;
        for (uint32_t v = cfg->max_age; v; v /= 10)
            digits[nd++] = (char)('0' + v % 10);
        p->acma = span_make(text + at, nd);
        while (nd)
            text[at++] = digits[--nd];
    }
    /* The sets point into the policy's own copies, so cfg need not outlive the call. */
    corshdr_names_init(&p->origins, items, cfg->norigins);
    for (size_t i = 0; i < cfg->norigins; i++) {
        memcpy(text + at, cfg->origins[i].ptr, cfg->origins[i].len);
        corshdr_names_add(&p->origins, text + at, cfg->origins[i].len);
        at += cfg->origins[i].len;
    }
    corshdr_names_sort(&p->origins);
    corshdr_names_init(&p->headers, items + cfg->norigins, cfg->nheaders);
    for (size_t i = 0, off = 0; i < cfg->nheaders; off += cfg->headers[i].len + 2, i++)
        corshdr_names_add(&p->headers, p->acah.ptr + off, cfg->headers[i].len);
    corshdr_names_sort(&p->headers);
    p->any_origin = cfg->any_origin;
    p->any_header = cfg->any_header;
    p->credentials = cfg->credentials;
    err_clear(err);
    return CORSHDR_OK;
}

/* Methods compare byte for byte (Fetch normalizes only the six standard ones); the list is ", "-joined
 * tokens, so splitting at "," and skipping the space is exact. */
static int method_allowed(const corshdr_policy *p, corshdr_span m)
{
    if (corshdr_is_safelisted_method(m.ptr, m.len))
        return 1;
    const char *s = p->acam.ptr, *end = p->acam.ptr + p->acam.len;
    while (s && s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *e = comma ? comma : end;
        if ((size_t)(e - s) == m.len && memcmp(s, m.ptr, m.len) == 0)
            return 1;
        s = comma ? comma + 2 : end;
    }
    return 0;
}

static void put(corshdr_field *out, size_t *count, const char *name, size_t name_len, corshdr_span value)
{
    out[*count].name = span_make(name, name_len);
    out[*count].value = value;
    (*count)++;
}

/* Adds the Vary line a denial still needs, and returns the code. */
static corshdr_status deny(const corshdr_policy *p, corshdr_field *out, size_t *count, corshdr_status code)
{
    if (!p->any_origin)
        put(out, count, LIT("Vary"), span_make(LIT("Origin")));
    return code;
}

corshdr_status corshdr_policy_apply(const corshdr_policy *p, const char *method, size_t method_len,
                                    const corshdr_field *request, size_t n, const corshdr_options *opt,
                                    corshdr_field *out, size_t *count, corshdr_error *err)
{
    if (!p || !out || !count || !span_ok(method, method_len))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a policy, a method and room for the lines");
    *count = 0;
    corshdr_status st = corshdr_fields_check(request, n, err);
    if (st != CORSHDR_OK)
        return st;
    size_t line = 0;
    st = corshdr__header_single(request, n, LIT("origin"), &line);
    if (st == CORSHDR_ABSENT)
        return fail(err, deny(p, out, count, CORSHDR_ABSENT), CORSHDR_NPOS, CORSHDR_NPOS, "an Origin line");
    if (st == CORSHDR_EREPEATED)
        return fail(err, deny(p, out, count, CORSHDR_EREPEATED), line, 0, "a single Origin line");
    const corshdr_span *raw = &request[line].value;
    corshdr_span origin = corshdr_value_trim(raw->ptr, raw->len);
    corshdr_error e;
    if (corshdr_origin_check(origin.ptr, origin.len, &e) != CORSHDR_OK)
        return fail(err, deny(p, out, count, CORSHDR_EORIGIN), line,
                    (size_t)(origin.ptr - nonnull(raw->ptr)) + e.offset, e.expected);
    /* A valid origin is lowercase, so the case-insensitive set lookup is a byte comparison here. */
    size_t k = 0;
    corshdr_span acao = span_make(LIT("*"));
    if (!p->any_origin) {
        if (corshdr_names_find(&p->origins, origin.ptr, origin.len, &k) != CORSHDR_OK)
            return fail(err, deny(p, out, count, CORSHDR_EACAO), line, 0, "an origin the policy allows");
        acao = p->origins.items[k].name;
    }

    size_t acrm_line = 0;
    corshdr_status acrm = corshdr__header_single(request, n, LIT("access-control-request-method"), &acrm_line);
    int preflight = method_len == 7 && !memcmp(method, "OPTIONS", 7) && acrm != CORSHDR_ABSENT;
    corshdr_span acah = p->acah;
    int echoed = 0;
    if (preflight) {
        /* Access-Control-Request-Method = method: one line, one token */
        if (acrm == CORSHDR_EREPEATED)
            return fail(err, deny(p, out, count, CORSHDR_EREPEATED), acrm_line, 0, "one Access-Control-Request-Method line");
        const corshdr_span *mraw = &request[acrm_line].value;
        corshdr_span m = corshdr_value_trim(mraw->ptr, mraw->len);
        if ((st = corshdr_token_check(m.ptr, m.len, &e)) != CORSHDR_OK)
            return fail(err, deny(p, out, count, st), acrm_line, (size_t)(m.ptr - nonnull(mraw->ptr)) + e.offset,
                        "a method token");
        if (!method_allowed(p, m))
            return fail(err, deny(p, out, count, CORSHDR_EMETHOD), acrm_line, CORSHDR_NPOS, "a method the policy allows");
        /* Access-Control-Request-Headers: browsers send one line, lowercase names sorted */
        corshdr_list it;
        st = corshdr_list_init(&it, request, n, LIT("access-control-request-headers"), CORSHDR_LIST_SINGLETON, opt, err);
        if (st != CORSHDR_OK && st != CORSHDR_ABSENT)
            return deny(p, out, count, st);
        if (st == CORSHDR_OK) {
            corshdr_span name;
            while ((st = corshdr_list_next(&it, &name, err)) == CORSHDR_OK)
                if (!p->any_header && corshdr_names_find(&p->headers, name.ptr, name.len, NULL) != CORSHDR_OK)
                    return fail(err, deny(p, out, count, CORSHDR_EHEADER), it.line,
                                (size_t)(name.ptr - nonnull(request[it.line].value.ptr)), "a header the policy allows");
            if (st != CORSHDR_DONE)
                return deny(p, out, count, st);
            size_t acrh_line = 0;
            if (p->any_header && corshdr__header_single(request, n, LIT("access-control-request-headers"), &acrh_line) == CORSHDR_OK) {
                /* echo exactly what was checked: a one-line list of tokens */
                acah = corshdr_value_trim(request[acrh_line].value.ptr, request[acrh_line].value.len);
                echoed = 1;
            }
        }
    }
    err_clear(err);
    put(out, count, LIT("Access-Control-Allow-Origin"), acao);
    if (p->credentials)
        put(out, count, LIT("Access-Control-Allow-Credentials"), span_make(LIT("true")));
    if (preflight) {
        if (p->acam.len)
            put(out, count, LIT("Access-Control-Allow-Methods"), p->acam);
        if (acah.len)
            put(out, count, LIT("Access-Control-Allow-Headers"), acah);
        if (p->acma.len)
            put(out, count, LIT("Access-Control-Max-Age"), p->acma);
    } else if (p->aceh.len) {
        put(out, count, LIT("Access-Control-Expose-Headers"), p->aceh);
    }
    /* caches must key on what the answer was built from */
    if (!p->any_origin && echoed)
        put(out, count, LIT("Vary"), span_make(LIT("Origin, Access-Control-Request-Headers")));
    else if (!p->any_origin)
        put(out, count, LIT("Vary"), span_make(LIT("Origin")));
    else if (echoed)
        put(out, count, LIT("Vary"), span_make(LIT("Access-Control-Request-Headers")));
    return CORSHDR_OK;
}
