/* cors: Fetch's CORS check, CORS-preflight fetch checks, Access-Control-Max-Age and the CORS filter of
 * response headers (conformance/SEMANTICS.md gives each rule step by step). Each answers from an index
 * (index.c): the list is read once, whatever is asked of it. */
#include "internal.h"


/* The line of a header the index found first, or CORSHDR_NPOS. */
static size_t first_line(const corshdr_index *ix, int which)
{
    return ix->count[which] ? ix->line[which][0] : CORSHDR_NPOS;
}

/* The only line of a singleton header: CORSHDR_OK with *line, CORSHDR_ABSENT, or CORSHDR_EREPEATED with
 * *line the second such line. */
static corshdr_status single_line(const corshdr_index *ix, int which, size_t *line)
{
    if (ix->count[which] == 0)
        return CORSHDR_ABSENT;
    *line = ix->line[which][ix->count[which] > 1];
    return ix->count[which] > 1 ? CORSHDR_EREPEATED : CORSHDR_OK;
}

/* The CORS check on a well-formed list. */
static corshdr_status cors_check_ix(const corshdr_index *ix, const char *origin, size_t origin_len,
                                    corshdr_credentials credentials, corshdr_error *err)
{
    size_t line = 0;
    corshdr_status st = single_line(ix, CORSHDR_ACAO, &line);
    /* Fetch "CORS check", steps 1-2 */
    if (st == CORSHDR_ABSENT)
        return fail(err, CORSHDR_ENOACAO, CORSHDR_NPOS, CORSHDR_NPOS, "an Access-Control-Allow-Origin line");
    /* Two lines combine to "a, b", which can never match: say so rather than "mismatch". */
    if (st == CORSHDR_EREPEATED)
        return fail(err, CORSHDR_EREPEATED, line, 0, "a single Access-Control-Allow-Origin line");
    const corshdr_span *raw = &ix->fields[line].value;
    corshdr_span v = corshdr_value_trim(raw->ptr, raw->len);
    size_t s = (size_t)(v.ptr - nonnull(raw->ptr)); /* offsets count in the raw value */
    int include = credentials == CORSHDR_CREDENTIALS_INCLUDE;
    /* step 3 */
    if (!include && span_is(v, LIT("*")))
        goto ok;
    /* step 4: byte equality with the serialized origin */
    if (v.len != origin_len || (v.len && memcmp(v.ptr, origin, v.len) != 0)) {
        if (span_is(v, LIT("*")))
            return fail(err, CORSHDR_EWILDCARD, line, s, "the request origin: `*` is not allowed with credentials");
        size_t k = 0;
        while (k < v.len && k < origin_len && v.ptr[k] == origin[k])
            k++;
        return fail(err, CORSHDR_EACAO, line, s + k, "the serialized request origin, byte for byte");
    }
    /* step 5 */
    if (!include)
        goto ok;
    /* steps 6-8: "get" of Access-Control-Allow-Credentials is exactly `true`; two lines combine to
     * "true, true" and fail. */
    st = single_line(ix, CORSHDR_ACAC, &line);
    if (st != CORSHDR_OK)
        return fail(err, CORSHDR_EACAC, st == CORSHDR_ABSENT ? CORSHDR_NPOS : line, CORSHDR_NPOS,
                    "one Access-Control-Allow-Credentials line with the value `true`");
    raw = &ix->fields[line].value;
    v = corshdr_value_trim(raw->ptr, raw->len);
    if (!span_is(v, LIT("true")))
        return fail(err, CORSHDR_EACAC, line, (size_t)(v.ptr - nonnull(raw->ptr)), "`true` (lowercase, nothing else)");
ok:
    err_clear(err);
    return CORSHDR_OK;
}

corshdr_status corshdr_index_cors_check(const corshdr_index *ix, const char *origin, size_t origin_len,
                                        corshdr_credentials credentials, corshdr_error *err)
{
    if (!ix || !span_ok(origin, origin_len))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "an index and an origin span");
    return cors_check_ix(ix, origin, origin_len, credentials, err);
}

corshdr_status corshdr_cors_check(const corshdr_field *fields, size_t n, const char *origin, size_t origin_len,
                                  corshdr_credentials credentials, corshdr_error *err)
{
    if (!span_ok(origin, origin_len))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "an origin span");
    corshdr_index ix;
    corshdr_status st = corshdr_index_build(&ix, fields, n, NULL, err);
    if (st != CORSHDR_OK)
        return st;
    return cors_check_ix(&ix, origin, origin_len, credentials, err);
}

/* Access-Control-Max-Age from the index. */
static corshdr_status max_age_ix(const corshdr_index *ix, uint32_t *seconds, corshdr_error *err)
{
    *seconds = 5; /* Fetch CORS-preflight fetch, step 7.9: failure or null gives 5 */
    size_t line = 0;
    corshdr_status st = single_line(ix, CORSHDR_ACMA, &line);
    if (st == CORSHDR_ABSENT)
        return fail(err, CORSHDR_ABSENT, CORSHDR_NPOS, CORSHDR_NPOS, "an Access-Control-Max-Age line");
    if (st == CORSHDR_EREPEATED)
        return fail(err, CORSHDR_EREPEATED, line, 0, "a single Access-Control-Max-Age line");
    const corshdr_span *raw = &ix->fields[line].value;
    size_t s, e;
    trim_bounds(raw->ptr, raw->len, &s, &e);
    size_t i = s;
    int negative = i < e && raw->ptr[i] == '-';
    i += (size_t)negative;
    size_t digits = i;
    uint64_t v = 0;
    for (; i < e && raw->ptr[i] >= '0' && raw->ptr[i] <= '9'; i++)
        if (v < 2147483648u)
            v = v * 10 + (uint64_t)(raw->ptr[i] - '0');
    if (i == digits || i < e)
        return fail(err, CORSHDR_EMAXAGE, line, i, "delta-seconds: digits only");
    if (negative) {
        /* Engines and WPT treat a negative value as "do not cache". */
        *seconds = 0;
        return fail(err, CORSHDR_EMAXAGE, line, s, "delta-seconds: no minus sign");
    }
    *seconds = v > 2147483648u ? 2147483648u : (uint32_t)v; /* RFC 9111 §1.2.2: saturate at 2^31 */
    err_clear(err);
    return CORSHDR_OK;
}

corshdr_status corshdr_index_max_age(const corshdr_index *ix, uint32_t *seconds, corshdr_error *err)
{
    if (!ix || !seconds)
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "an index and a result");
    return max_age_ix(ix, seconds, err);
}

corshdr_status corshdr_max_age_parse(const corshdr_field *fields, size_t n, uint32_t *seconds, corshdr_error *err)
{
    if (!seconds || (!fields && n))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a field array and a result");
    /* Only the names are read: max-age is asked of lists the caller may not have checked. */
    corshdr_index ix;
    corshdr__index_names(&ix, fields, n, (uint64_t)1 << 22);
    return max_age_ix(&ix, seconds, err);
}

/* Calls `each` on every element of a #token header the index found; its status: CORSHDR_OK, ABSENT or
 * the list's error. Up to 64 elements come from the vector path into a buffer; a longer list is read
 * again one element at a time (the same elements: the kernels agree). */
typedef void (*element_fn)(corshdr_span elem, void *ctx);

static corshdr_status list_each(const corshdr_index *ix, int which, const char *name, size_t name_len,
                                const corshdr_options *opt, element_fn each, void *ctx, corshdr_error *err)
{
    corshdr_span buf[64];
    size_t k = 0;
    corshdr_status st = corshdr__index_list(ix, which, opt, buf, 64, &k, err);
    if (st == CORSHDR_OK) {
        for (size_t i = 0; i < k; i++)
            each(buf[i], ctx);
        return CORSHDR_OK;
    }
    if (st != CORSHDR_ENOSPC)
        return st;
    /* ENOSPC comes only after the whole list passed (every kernel gives the reference's verdict), so
     * the iterator finds no error on the way */
    corshdr_list it;
    (void)corshdr_list_init(&it, ix->fields, ix->n, name, name_len, 0, opt, NULL);
    corshdr_span e;
    while (corshdr_list_next(&it, &e, NULL) == CORSHDR_OK)
        each(e, ctx);
    err_clear(err);
    return CORSHDR_OK;
}

/* Element callbacks: `*` is noted, names found in the set are marked. */
struct mark_ctx {
    corshdr_names *set;
    corshdr_span method; /* for Access-Control-Allow-Methods */
    int star;
    int method_found;
};

static void mark_name(corshdr_span e, void *p)
{
    struct mark_ctx *c = p;
    size_t k;
    if (span_is(e, LIT("*")))
        c->star = 1; /* and, with credentials, also the literal name `*`: fall through */
    if (c->set && corshdr_names_find(c->set, e.ptr, e.len, &k) == CORSHDR_OK)
        c->set->items[k].mark = 1;
}

static void match_method(corshdr_span e, void *p)
{
    struct mark_ctx *c = p;
    if (span_is(e, LIT("*")))
        c->star = 1;
    /* Methods compare byte for byte: `patch` does not allow PATCH. */
    if (e.len == c->method.len && memcmp(e.ptr, c->method.ptr, e.len) == 0)
        c->method_found = 1;
}

static void marks_clear(corshdr_names *set)
{
    for (size_t i = 0; i < set->count; i++)
        set->items[i].mark = 0;
}

#define ACAM_NAME "access-control-allow-methods"
#define ACAH_NAME "access-control-allow-headers"
#define ACEH_NAME "access-control-expose-headers"

static corshdr_status preflight_ix(const corshdr_index *ix, const corshdr_request *req, int status,
                                   const corshdr_options *opt, uint32_t *max_age, corshdr_error *err)
{
    /* Fetch CORS-preflight fetch, step 7: a CORS check success and an ok status */
    if (status < 200 || status > 299)
        return fail(err, CORSHDR_ESTATUS, CORSHDR_NPOS, CORSHDR_NPOS, "a status of 200-299");
    corshdr_status st = cors_check_ix(ix, req->origin.ptr, req->origin.len, req->credentials, err);
    if (st != CORSHDR_OK)
        return st;
    int include = req->credentials == CORSHDR_CREDENTIALS_INCLUDE;

    /* steps 7.1-7.3: both lists parse strictly, or the preflight fails */
    struct mark_ctx m = {NULL, corshdr_method_normalize(req->method.ptr, req->method.len), 0, 0};
    st = list_each(ix, CORSHDR_ACAM, LIT(ACAM_NAME), opt, match_method, &m, err);
    if (st == CORSHDR_ABSENT)
        m.method_found = req->use_preflight; /* step 7.4 */
    else if (st != CORSHDR_OK)
        return st;
    struct mark_ctx h = {req->headers, {NULL, 0}, 0, 0};
    if (h.set) {
        corshdr_names_sort(h.set);
        marks_clear(h.set);
    }
    st = list_each(ix, CORSHDR_ACAH, LIT(ACAH_NAME), opt, mark_name, &h, err);
    if (st != CORSHDR_OK && st != CORSHDR_ABSENT)
        return st;

    /* step 7.5 */
    if (!m.method_found && !corshdr_is_safelisted_method(m.method.ptr, m.method.len) && (include || !m.star))
        return fail(err, CORSHDR_EMETHOD, first_line(ix, CORSHDR_ACAM), CORSHDR_NPOS,
                    "the request method in Access-Control-Allow-Methods (case-sensitive)");
    /* steps 7.6-7.7 */
    for (size_t i = 0; h.set && i < h.set->count; i++) {
        const corshdr_span *name = &h.set->items[i].name;
        if (h.set->items[i].mark)
            continue;
        if (NAME_IS(name->ptr, name->len, "authorization")) {
            if (h.star && !include)
                return fail(err, CORSHDR_EAUTHORIZATION, first_line(ix, CORSHDR_ACAH), CORSHDR_NPOS,
                            "Authorization listed by name: `*` does not cover it");
            return fail(err, CORSHDR_EHEADER, first_line(ix, CORSHDR_ACAH), CORSHDR_NPOS,
                        "Authorization in Access-Control-Allow-Headers");
        }
        if (!h.star || include)
            return fail(err, CORSHDR_EHEADER, first_line(ix, CORSHDR_ACAH), CORSHDR_NPOS,
                        "every requested header in Access-Control-Allow-Headers");
    }
    /* steps 7.8-7.10 */
    if (max_age) {
        (void)max_age_ix(ix, max_age, NULL);
        if (req->max_age_cap && *max_age > req->max_age_cap)
            *max_age = req->max_age_cap;
    }
    err_clear(err);
    return CORSHDR_OK;
}

static int request_ok(const corshdr_request *req)
{
    return req && span_ok(req->origin.ptr, req->origin.len) && span_ok(req->method.ptr, req->method.len);
}

corshdr_status corshdr_index_preflight_check(const corshdr_index *ix, const corshdr_request *req, int status,
                                             const corshdr_options *opt, uint32_t *max_age, corshdr_error *err)
{
    if (!ix || !request_ok(req))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "an index and a request");
    return preflight_ix(ix, req, status, opt, max_age, err);
}

corshdr_status corshdr_preflight_check(const corshdr_request *req, int status, const corshdr_field *fields,
                                       size_t n, const corshdr_options *opt, uint32_t *max_age, corshdr_error *err)
{
    if (!request_ok(req))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a request");
    corshdr_index ix;
    corshdr_status st = corshdr_index_build(&ix, fields, n, opt, err);
    if (st != CORSHDR_OK)
        return st;
    return preflight_ix(&ix, req, status, opt, max_age, err);
}

/* Whether a name script may read, given what Access-Control-Expose-Headers granted: `all` (its `*`
 * without credentials) or the k names it lists. Set-Cookie never. The list is looked at last, and only
 * for a name the rest leaves open; *listed says whether it was found there. */
static int readable_name(const char *p, size_t len, int all, const corshdr_span *v, size_t k, unsigned *listed)
{
    *listed = 0;
    if (corshdr_is_forbidden_response_name(p, len))
        return 0;
    if (all || corshdr_is_safelisted_response_name(p, len))
        return 1;
    for (size_t j = 0; j < k && !*listed; j++)
        *listed = (unsigned)name_eq(p, len, v[j].ptr, v[j].len);
    return (int)*listed;
}

static corshdr_status exposed_ix(const corshdr_index *ix, corshdr_credentials credentials, const corshdr_options *opt,
                                 corshdr_names *readable, corshdr_error *err)
{
    if (readable->needed + ix->n > readable->cap) {
        for (size_t i = 0; i < ix->n; i++) /* as many as fit, and set->needed says how many to make room for */
            (void)corshdr_names_add(readable, ix->fields[i].name.ptr, ix->fields[i].name.len);
        return fail(err, CORSHDR_ENOSPC, CORSHDR_NPOS, CORSHDR_NPOS, "storage for every response header name");
    }
    int include = credentials == CORSHDR_CREDENTIALS_INCLUDE;
    corshdr_error why;
    /* A short Expose-Headers list (the usual case): each candidate is looked for in it, and only the
     * readable ones enter the set, which is then sorted. Filtering before sorting changes nothing, since
     * duplicates share a verdict. */
    corshdr_span listed[16];
    size_t k = 0;
    corshdr_status st = corshdr__index_list(ix, CORSHDR_ACEH, opt, listed, 16, &k, &why);
    if (st != CORSHDR_ENOSPC) {
        if (st != CORSHDR_OK)
            k = 0; /* absent or failed: exposes nothing more */
        int all = 0; /* Fetch main fetch: `*` means every name only without credentials */
        for (size_t j = 0; j < k; j++)
            all |= span_is(listed[j], LIT("*")) && !include;
        size_t w = 0;
        for (size_t r = 0; r < readable->count; r++) { /* the caller's candidates first */
            corshdr_name *m = &readable->items[r];
            if (readable_name(m->name.ptr, m->name.len, all, listed, k, &m->mark))
                readable->items[w++] = *m;
        }
        readable->count = w;
        for (size_t i = 0; i < ix->n; i++) {
            const corshdr_span *nm = &ix->fields[i].name;
            unsigned on_list;
            if (readable_name(nm->ptr, nm->len, all, listed, k, &on_list)) {
                (void)corshdr_names_add(readable, nm->ptr, nm->len); /* room was checked */
                readable->items[readable->count - 1].mark = on_list;
            } else {
                readable->needed++; /* counted as added, as the contract says */
            }
        }
        corshdr_names_sort(readable);
    } else {
        /* A long list: every name in the set, sorted, each element looked up in it (n log n, whatever
         * the sizes), then the readable ones kept. ENOSPC said the list is valid: its elements mark the
         * listed names, and `*` is noted. */
        for (size_t i = 0; i < ix->n; i++)
            (void)corshdr_names_add(readable, ix->fields[i].name.ptr, ix->fields[i].name.len);
        corshdr_names_sort(readable);
        struct mark_ctx c = {readable, {NULL, 0}, 0, 0};
        marks_clear(readable);
        (void)list_each(ix, CORSHDR_ACEH, LIT(ACEH_NAME), opt, mark_name, &c, &why);
        size_t w = 0;
        for (size_t r = 0; r < readable->count; r++) {
            corshdr_name *m = &readable->items[r];
            unsigned ignored; /* the long list marked the listed names */
            if (readable_name(m->name.ptr, m->name.len, (c.star && !include) || m->mark, NULL, 0, &ignored))
                readable->items[w++] = *m;
        }
        readable->count = w;
    }
    if (err)
        *err = why;
    return CORSHDR_OK;
}

corshdr_status corshdr_index_exposed_filter(const corshdr_index *ix, corshdr_credentials credentials,
                                            const corshdr_options *opt, corshdr_names *readable, corshdr_error *err)
{
    if (!ix || !readable)
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "an index and a names set");
    return exposed_ix(ix, credentials, opt, readable, err);
}

corshdr_status corshdr_exposed_filter(const corshdr_field *fields, size_t n, corshdr_credentials credentials,
                                      const corshdr_options *opt, corshdr_names *readable, corshdr_error *err)
{
    if (!readable)
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a names set");
    corshdr_index ix;
    corshdr_status st = corshdr_index_build(&ix, fields, n, opt, err);
    if (st != CORSHDR_OK)
        return st;
    return exposed_ix(&ix, credentials, opt, readable, err);
}

/* Element callback for one name: listed, or `*`. */
struct one_ctx {
    const char *name;
    size_t len;
    int star;
    int listed;
};

static void match_one(corshdr_span e, void *p)
{
    struct one_ctx *c = p;
    if (span_is(e, LIT("*")))
        c->star = 1;
    if (name_eq(e.ptr, e.len, c->name, c->len))
        c->listed = 1;
}

static int is_exposed_ix(const corshdr_index *ix, corshdr_credentials credentials, const corshdr_options *opt,
                         const char *name, size_t name_len)
{
    if (corshdr_is_forbidden_response_name(name, name_len))
        return 0;
    if (corshdr_is_safelisted_response_name(name, name_len))
        return 1;
    struct one_ctx c = {name, name_len, 0, 0};
    if (list_each(ix, CORSHDR_ACEH, LIT(ACEH_NAME), opt, match_one, &c, NULL) != CORSHDR_OK)
        return 0;
    return c.listed || (c.star && credentials != CORSHDR_CREDENTIALS_INCLUDE);
}

int corshdr_index_is_exposed(const corshdr_index *ix, corshdr_credentials credentials, const corshdr_options *opt,
                             const char *name, size_t name_len)
{
    return ix && span_ok(name, name_len) && is_exposed_ix(ix, credentials, opt, name, name_len);
}

int corshdr_is_exposed(const corshdr_field *fields, size_t n, corshdr_credentials credentials,
                       const corshdr_options *opt, const char *name, size_t name_len)
{
    corshdr_index ix;
    if (!span_ok(name, name_len) || corshdr_index_build(&ix, fields, n, opt, NULL) != CORSHDR_OK)
        return 0;
    return is_exposed_ix(&ix, credentials, opt, name, name_len);
}
