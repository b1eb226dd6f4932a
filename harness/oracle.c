/*
 * oracle: see oracle.h. Written from the spec text, step by step, for obviousness: strings are copied,
 * lists are grown one element at a time, sets are sorted with qsort. None of it is meant to be fast.
 */
#include "oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- owned strings and lists ------------------------------------------------------------------------ */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("corshdr-fuzz oracle: out of memory\n", stderr);
        abort();
    }
    return q;
}

/* Strings grow to powers of two, so appending piece by piece stays linear. */
static size_t room(size_t n)
{
    size_t r = 16;
    while (r < n)
        r *= 2;
    return r;
}

static ostr ostr_make(const char *p, size_t n)
{
    ostr s;
    s.p = xrealloc(NULL, room(n));
    if (n)
        memcpy(s.p, p, n);
    s.n = n;
    return s;
}

void ostr_free(ostr *s)
{
    free(s->p);
    s->p = NULL;
    s->n = 0;
}

static void ostr_append(ostr *s, const char *p, size_t n)
{
    if (room(s->n + n) != room(s->n))
        s->p = xrealloc(s->p, room(s->n + n));
    if (n)
        memcpy(s->p + s->n, p, n);
    s->n += n;
}

void olist_push(olist *l, const char *p, size_t n)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = ostr_make(p, n);
}

void olist_free(olist *l)
{
    for (size_t i = 0; i < l->n; i++)
        ostr_free(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

int olist_equal(const olist *a, const olist *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].n != b->v[i].n || (a->v[i].n && memcmp(a->v[i].p, b->v[i].p, a->v[i].n) != 0))
            return 0;
    return 1;
}

/* Fetch "byte-lowercase": 0x41-0x5A become 0x61-0x7A, nothing else changes. */
static unsigned char byte_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static int bytes_order(const ostr *a, const ostr *b)
{
    size_t n = a->n < b->n ? a->n : b->n;
    int c = n ? memcmp(a->p, b->p, n) : 0;
    if (c)
        return c;
    return a->n < b->n ? -1 : a->n > b->n ? 1 : 0;
}

static int qsort_order(const void *a, const void *b)
{
    return bytes_order(a, b);
}

void olist_sorted_lower_set(olist *l)
{
    for (size_t i = 0; i < l->n; i++)
        for (size_t k = 0; k < l->v[i].n; k++)
            l->v[i].p[k] = (char)byte_lower((unsigned char)l->v[i].p[k]);
    if (l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, qsort_order);
    size_t w = 0;
    for (size_t r = 0; r < l->n; r++) {
        if (w > 0 && bytes_order(&l->v[w - 1], &l->v[r]) == 0) {
            ostr_free(&l->v[r]);
            continue;
        }
        l->v[w++] = l->v[r];
    }
    l->n = w;
}

ostr olist_join(const olist *l, const char *sep, size_t sep_len)
{
    ostr s = ostr_make("", 0);
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            ostr_append(&s, sep, sep_len);
        ostr_append(&s, l->v[i].p, l->v[i].n);
    }
    return s;
}

/* (NULL, 0) spans are read as "": the oracle never does arithmetic on a NULL pointer. */
static const char *nn(const char *p)
{
    return p ? p : "";
}

static int is_literal(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && (n == 0 || memcmp(p, lit, n) == 0);
}

/* ---- lexical rules ----------------------------------------------------------------------------------- */

/* tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
 *       / DIGIT / ALPHA */
int oracle_is_tchar(unsigned char c)
{
    static const char specials[] = "!#$%&'*+-.^_`|~";
    if (c >= '0' && c <= '9')
        return 1;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    for (size_t i = 0; specials[i]; i++)
        if (c == (unsigned char)specials[i])
            return 1;
    return 0;
}

size_t oracle_tchar_prefix(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && oracle_is_tchar((unsigned char)p[i]))
        i++;
    return i;
}

int oracle_token(const char *p, size_t n)
{
    return n > 0 && oracle_tchar_prefix(p, n) == n;
}

static int http_tab_or_space(unsigned char c)
{
    return c == 0x09 || c == 0x20;
}

int oracle_header_value(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0x00 || p[i] == 0x0D || p[i] == 0x0A)
            return 0;
    if (n > 0 && (http_tab_or_space((unsigned char)p[0]) || http_tab_or_space((unsigned char)p[n - 1])))
        return 0;
    return 1;
}

corshdr_span oracle_trim(const char *p, size_t n)
{
    corshdr_span s;
    size_t start = 0, end = n;
    p = nn(p);
    while (start < end && http_tab_or_space((unsigned char)p[start]))
        start++;
    while (end > start && http_tab_or_space((unsigned char)p[end - 1]))
        end--;
    s.ptr = p + start;
    s.len = end - start;
    return s;
}

int oracle_name_eq(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++)
        if (byte_lower((unsigned char)a[i]) != byte_lower((unsigned char)b[i]))
            return 0;
    return 1;
}

int oracle_name_order(const char *a, size_t an, const char *b, size_t bn)
{
    ostr x = ostr_make(a, an), y = ostr_make(b, bn);
    for (size_t i = 0; i < x.n; i++)
        x.p[i] = (char)byte_lower((unsigned char)x.p[i]);
    for (size_t i = 0; i < y.n; i++)
        y.p[i] = (char)byte_lower((unsigned char)y.p[i]);
    int c = bytes_order(&x, &y);
    ostr_free(&x);
    ostr_free(&y);
    return c;
}

corshdr_status oracle_fields_valid(const corshdr_field *f, size_t n, size_t *line)
{
    for (size_t i = 0; i < n; i++) {
        *line = i;
        if (!oracle_token(f[i].name.ptr, f[i].name.len))
            return CORSHDR_ENAME;
        for (size_t k = 0; k < f[i].value.len; k++) {
            char c = f[i].value.ptr[k];
            if (c == 0x00 || c == 0x0D || c == 0x0A)
                return CORSHDR_EVALUE;
        }
    }
    *line = CORSHDR_NPOS;
    return CORSHDR_OK;
}

/* ---- header-list algorithms --------------------------------------------------------------------------- */

static int line_named(const corshdr_field *line, const char *name, size_t nlen)
{
    return oracle_name_eq(line->name.ptr, line->name.len, name, nlen);
}

size_t oracle_find(const corshdr_field *f, size_t n, const char *name, size_t nlen)
{
    for (size_t i = 0; i < n; i++)
        if (line_named(&f[i], name, nlen))
            return i;
    return CORSHDR_NPOS;
}

/* Fetch "get": 1. If list does not contain name, return null. 2. Return the values of all headers in
 * list whose name is name, separated from each other by 0x2C 0x20, in order. (Values are normalized:
 * Fetch header lists only ever hold normalized values.) */
int oracle_get(const corshdr_field *f, size_t n, const char *name, size_t nlen, ostr *out)
{
    if (oracle_find(f, n, name, nlen) == CORSHDR_NPOS)
        return 0;
    *out = ostr_make("", 0);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!line_named(&f[i], name, nlen))
            continue;
        if (!first)
            ostr_append(out, ", ", 2);
        first = 0;
        corshdr_span v = oracle_trim(f[i].value.ptr, f[i].value.len);
        ostr_append(out, v.ptr, v.len);
    }
    return 1;
}

/* Fetch "collect an HTTP quoted string" with extract-value false: returns the code points from
 * positionStart up to where position ends (the spec's "inclusive" reads as the consumed range). */
static void collect_quoted(const char *in, size_t n, size_t *position, ostr *into)
{
    size_t position_start = *position;
    /* step 4: advance past the opening quote */
    (*position)++;
    for (;;) {
        /* 5.1: collect code points that are not " or \ */
        while (*position < n && in[*position] != '"' && in[*position] != '\\')
            (*position)++;
        /* 5.2 */
        if (*position >= n)
            break;
        /* 5.3-5.4 */
        char quote_or_backslash = in[*position];
        (*position)++;
        if (quote_or_backslash == '\\') {
            /* 5.5.1: a backslash at the end is kept */
            if (*position >= n)
                break;
            /* 5.5.2-5.5.3 */
            (*position)++;
        } else {
            break; /* 5.6: the closing quote */
        }
    }
    ostr_append(into, in + position_start, *position - position_start);
}

void oracle_split_value(const char *in, size_t n, olist *values)
{
    in = nn(in);
    size_t position = 0;
    ostr temporary = ostr_make("", 0);
    for (;;) {
        /* 5.1 */
        size_t start = position;
        while (position < n && in[position] != '"' && in[position] != ',')
            position++;
        ostr_append(&temporary, in + start, position - start);
        /* 5.2 */
        if (position < n && in[position] == '"') {
            collect_quoted(in, n, &position, &temporary);
            if (position < n)
                continue;
        }
        /* 5.3-5.5 */
        corshdr_span t = oracle_trim(temporary.p, temporary.n);
        olist_push(values, t.ptr, t.len);
        temporary.n = 0;
        /* 5.6 */
        if (position >= n)
            break;
        /* 5.7-5.8: the code point at position is "," */
        position++;
    }
    ostr_free(&temporary);
}

int oracle_get_decode_split(const corshdr_field *f, size_t n, const char *name, size_t nlen, olist *out)
{
    ostr value;
    if (!oracle_get(f, n, name, nlen, &value))
        return 0;
    oracle_split_value(value.p, value.n, out);
    ostr_free(&value);
    return 1;
}

unsigned oracle_fail_bit(corshdr_status code)
{
    switch (code) {
    case CORSHDR_EREPEATED:
        return ORACLE_FAIL_REPEATED;
    case CORSHDR_ETOOLONG:
        return ORACLE_FAIL_TOOLONG;
    case CORSHDR_ETOKEN:
        return ORACLE_FAIL_TOKEN;
    case CORSHDR_ETOOMANY:
        return ORACLE_FAIL_TOOMANY;
    case CORSHDR_EEMPTIES:
        return ORACLE_FAIL_EMPTIES;
    case CORSHDR_EEMPTY:
        return ORACLE_FAIL_EMPTY;
    default:
        return 0;
    }
}

/* SEMANTICS.md "name-list", steps 1-5, every rule checked over the whole header. */
int oracle_name_list(const corshdr_field *f, size_t n, const char *name, size_t nlen, int singleton,
                     int nonempty, const oracle_limits *lim, olist *out, unsigned *reasons)
{
    *reasons = 0;
    /* step 1 */
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += (size_t)line_named(&f[i], name, nlen);
    if (lines == 0)
        return CORSHDR_ABSENT;
    /* step 2 */
    if (singleton && lines > 1)
        *reasons |= ORACLE_FAIL_REPEATED;
    /* step 3: each line split on ",", each element trimmed; empty ones skipped, the others tokens */
    size_t elements = 0, empties = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (!line_named(&f[i], name, nlen))
            continue;
        corshdr_span v = oracle_trim(f[i].value.ptr, f[i].value.len);
        bytes += v.len;
        size_t start = 0;
        for (size_t k = 0; k <= v.len; k++) {
            if (k < v.len && v.ptr[k] != ',')
                continue;
            corshdr_span e = oracle_trim(v.ptr + start, k - start);
            if (e.len == 0) {
                empties++;
            } else {
                elements++;
                if (oracle_token(e.ptr, e.len))
                    olist_push(out, e.ptr, e.len);
                else
                    *reasons |= ORACLE_FAIL_TOKEN;
            }
            start = k + 1;
        }
    }
    /* step 5: the limits of §3; and the 1#rule form */
    if (bytes > lim->max_bytes)
        *reasons |= ORACLE_FAIL_TOOLONG;
    if (elements > lim->max_elements)
        *reasons |= ORACLE_FAIL_TOOMANY;
    if (empties > lim->max_empty)
        *reasons |= ORACLE_FAIL_EMPTIES;
    if (nonempty && elements == 0)
        *reasons |= ORACLE_FAIL_EMPTY;
    return *reasons ? -1 : CORSHDR_OK;
}

/* ---- CORS ---------------------------------------------------------------------------------------------- */

static size_t count_named(const corshdr_field *f, size_t n, const char *name)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (size_t)line_named(&f[i], name, strlen(name));
    return c;
}

/* The one line named `name` (the caller counted exactly one). */
static corshdr_span the_value(const corshdr_field *f, size_t n, const char *name)
{
    size_t i = oracle_find(f, n, name, strlen(name));
    return oracle_trim(f[i].value.ptr, f[i].value.len);
}

static int bytes_equal(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* The CORS check of a list already known not to be a network error. */
static corshdr_status cors_steps(const corshdr_field *f, size_t n, const char *origin, size_t olen,
                                 corshdr_credentials cred)
{
    int include = cred == CORSHDR_CREDENTIALS_INCLUDE;
    /* 1. Let origin be the result of getting `Access-Control-Allow-Origin` from response's header list. */
    size_t lines = count_named(f, n, "access-control-allow-origin");
    /* 2. If origin is null, return failure. (Two lines: SEMANTICS.md step 2.) */
    if (lines == 0)
        return CORSHDR_ENOACAO;
    if (lines > 1)
        return CORSHDR_EREPEATED;
    corshdr_span acao = the_value(f, n, "access-control-allow-origin");
    /* 3. If request's credentials mode is not "include" and origin is `*`, return success. */
    if (!include && is_literal(acao.ptr, acao.len, "*"))
        return CORSHDR_OK;
    /* 4. If the result of byte-serializing a request origin with request is not origin, return failure. */
    if (!bytes_equal(acao.ptr, acao.len, origin, olen))
        return is_literal(acao.ptr, acao.len, "*") ? CORSHDR_EWILDCARD : CORSHDR_EACAO;
    /* 5. If request's credentials mode is not "include", return success. */
    if (!include)
        return CORSHDR_OK;
    /* 6. Let credentials be the result of getting `Access-Control-Allow-Credentials`.
     * 7. If credentials is `true`, return success. 8. Return failure. */
    ostr acac;
    if (!oracle_get(f, n, "access-control-allow-credentials", strlen("access-control-allow-credentials"), &acac))
        return CORSHDR_EACAC;
    int ok = is_literal(acac.p, acac.n, "true");
    ostr_free(&acac);
    return ok ? CORSHDR_OK : CORSHDR_EACAC;
}

corshdr_status oracle_cors_check(const corshdr_field *f, size_t n, const char *origin, size_t olen,
                                 corshdr_credentials cred)
{
    size_t line;
    corshdr_status st = oracle_fields_valid(f, n, &line);
    if (st != CORSHDR_OK)
        return st;
    return cors_steps(f, n, origin, olen, cred);
}

corshdr_status oracle_max_age(const corshdr_field *f, size_t n, uint32_t *seconds)
{
    *seconds = 5;
    size_t lines = count_named(f, n, "access-control-max-age");
    if (lines == 0)
        return CORSHDR_ABSENT;
    if (lines > 1)
        return CORSHDR_EREPEATED;
    corshdr_span v = the_value(f, n, "access-control-max-age");
    /* -?DIGIT+ */
    size_t i = 0;
    int negative = v.len > 0 && v.ptr[0] == '-';
    if (negative)
        i = 1;
    if (i == v.len)
        return CORSHDR_EMAXAGE;
    for (size_t k = i; k < v.len; k++)
        if (v.ptr[k] < '0' || v.ptr[k] > '9')
            return CORSHDR_EMAXAGE;
    if (negative) {
        *seconds = 0;
        return CORSHDR_EMAXAGE;
    }
    /* The decimal value, saturating at 2^31: once above it, it stays above it. */
    const uint64_t limit = 2147483648u;
    uint64_t value = 0;
    for (size_t k = i; k < v.len; k++) {
        value = value * 10 + (uint64_t)(v.ptr[k] - '0');
        if (value > limit)
            value = limit + 1;
    }
    *seconds = (uint32_t)(value > limit ? limit : value);
    return CORSHDR_OK;
}

static int list_has(const olist *l, const char *p, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (oracle_name_eq(l->v[i].p, l->v[i].n, p, n))
            return 1;
    return 0;
}

static int list_has_exact(const olist *l, const char *p, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (bytes_equal(l->v[i].p, l->v[i].n, p, n))
            return 1;
    return 0;
}

/* The elements of a #token header, failure and null both giving the empty list. */
static void list_or_empty(const corshdr_field *f, size_t n, const char *name, const oracle_limits *lim,
                          olist *out)
{
    unsigned reasons;
    if (oracle_name_list(f, n, name, strlen(name), 0, 0, lim, out, &reasons) != CORSHDR_OK)
        olist_free(out);
}

int oracle_safelisted_response_name(const char *p, size_t n)
{
    static const char *const names[] = {"cache-control", "content-language", "content-length", "content-type",
                                        "expires", "last-modified", "pragma"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (oracle_name_eq(p, n, names[i], strlen(names[i])))
            return 1;
    return 0;
}

int oracle_forbidden_response_name(const char *p, size_t n)
{
    return oracle_name_eq(p, n, "set-cookie", 10) || oracle_name_eq(p, n, "set-cookie2", 11);
}

corshdr_status oracle_exposed(const corshdr_field *f, size_t n, corshdr_credentials cred, const oracle_limits *lim,
                              olist *readable)
{
    size_t line;
    corshdr_status st = oracle_fields_valid(f, n, &line);
    if (st != CORSHDR_OK)
        return st;
    /* 1 */
    olist list = {0};
    list_or_empty(f, n, "access-control-expose-headers", lim, &list);
    /* 2 */
    int all = cred != CORSHDR_CREDENTIALS_INCLUDE && list_has_exact(&list, "*", 1);
    /* 3 */
    for (size_t i = 0; i < n; i++) {
        const corshdr_span *name = &f[i].name;
        if (oracle_forbidden_response_name(name->ptr, name->len))
            continue;
        if (all || oracle_safelisted_response_name(name->ptr, name->len) || list_has(&list, name->ptr, name->len))
            olist_push(readable, name->ptr, name->len);
    }
    olist_free(&list);
    /* 4 */
    olist_sorted_lower_set(readable);
    return CORSHDR_OK;
}

int oracle_is_exposed(const corshdr_field *f, size_t n, corshdr_credentials cred, const oracle_limits *lim,
                      const char *name, size_t nlen)
{
    size_t line;
    if (oracle_fields_valid(f, n, &line) != CORSHDR_OK || oracle_forbidden_response_name(name, nlen))
        return 0;
    olist list = {0};
    list_or_empty(f, n, "access-control-expose-headers", lim, &list);
    int readable = oracle_safelisted_response_name(name, nlen) || list_has(&list, name, nlen) ||
                   (cred != CORSHDR_CREDENTIALS_INCLUDE && list_has_exact(&list, "*", 1));
    olist_free(&list);
    return readable;
}

corshdr_span oracle_method_normalize(const char *p, size_t n)
{
    static const char *const methods[] = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"};
    corshdr_span s;
    s.ptr = p;
    s.len = n;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (oracle_name_eq(p, n, methods[i], strlen(methods[i]))) {
            s.ptr = methods[i];
            s.len = strlen(methods[i]);
        }
    return s;
}

int oracle_forbidden_method(const char *p, size_t n)
{
    return oracle_name_eq(p, n, "CONNECT", 7) || oracle_name_eq(p, n, "TRACE", 5) || oracle_name_eq(p, n, "TRACK", 5);
}

int oracle_safelisted_method(const char *p, size_t n)
{
    return is_literal(p, n, "GET") || is_literal(p, n, "HEAD") || is_literal(p, n, "POST");
}

int oracle_preflight(const oracle_request *req, int status, const corshdr_field *f, size_t n,
                     const oracle_limits *lim, uint32_t *max_age)
{
    size_t line;
    if (oracle_fields_valid(f, n, &line) != CORSHDR_OK)
        return -1;
    int include = req->credentials == CORSHDR_CREDENTIALS_INCLUDE;
    /* 1: a CORS check success and an ok status */
    if (status < 200 || status > 299)
        return 0;
    if (cors_steps(f, n, req->origin.ptr, req->origin.len, req->credentials) != CORSHDR_OK)
        return 0;
    /* 2: both lists, failure fails the preflight, null is the empty list */
    olist methods = {0}, header_names = {0};
    unsigned reasons;
    int ok = 1;
    int st = oracle_name_list(f, n, "access-control-allow-methods", 28, 0, 0, lim, &methods, &reasons);
    int methods_null = st == CORSHDR_ABSENT;
    if (st != CORSHDR_OK && st != CORSHDR_ABSENT)
        ok = 0;
    st = oracle_name_list(f, n, "access-control-allow-headers", 28, 0, 0, lim, &header_names, &reasons);
    if (st != CORSHDR_OK && st != CORSHDR_ABSENT)
        ok = 0;
    /* 3 */
    corshdr_span method = oracle_method_normalize(req->method.ptr, req->method.len);
    /* Fetch: if methods is null and the use-CORS-preflight flag is set, methods is « method ». */
    if (ok && methods_null && req->use_preflight)
        olist_push(&methods, method.ptr, method.len);
    /* 4 */
    if (ok && !(oracle_safelisted_method(method.ptr, method.len) || list_has_exact(&methods, method.ptr, method.len) ||
                (list_has_exact(&methods, "*", 1) && !include)))
        ok = 0;
    /* 5-6 */
    int star = list_has_exact(&header_names, "*", 1) && !include;
    for (size_t i = 0; ok && i < req->nnames; i++) {
        const corshdr_span *name = &req->names[i];
        if (list_has(&header_names, name->ptr, name->len))
            continue;
        if (oracle_name_eq(name->ptr, name->len, "authorization", 13) || !star)
            ok = 0;
    }
    olist_free(&methods);
    olist_free(&header_names);
    if (!ok)
        return 0;
    /* 7 */
    uint32_t seconds;
    (void)oracle_max_age(f, n, &seconds);
    if (req->max_age_cap && seconds > req->max_age_cap)
        seconds = req->max_age_cap;
    *max_age = seconds;
    return 1;
}

/* ---- request side ----------------------------------------------------------------------------------------- */

/* Fetch "CORS-unsafe request-header byte". */
static int cors_unsafe_byte(unsigned char b)
{
    if (b < 0x20 && b != 0x09)
        return 1;
    static const unsigned char listed[] = {0x22, 0x28, 0x29, 0x3A, 0x3C, 0x3E, 0x3F, 0x40,
                                           0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F};
    for (size_t i = 0; i < sizeof listed; i++)
        if (b == listed[i])
            return 1;
    return 0;
}

static int any_cors_unsafe_byte(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cors_unsafe_byte((unsigned char)p[i]))
            return 1;
    return 0;
}

/* MIME Sniffing "HTTP whitespace". */
static int http_whitespace(unsigned char c)
{
    return c == 0x0A || c == 0x0D || c == 0x09 || c == 0x0C || c == 0x20;
}

/* MIME Sniffing "parse a MIME type", steps 1-10 (the parameters, steps 11+, cannot fail): 1 with the
 * essence's type and subtype spans, 0 for failure. */
static int parse_mime_essence(const char *in, size_t n, corshdr_span *type, corshdr_span *subtype)
{
    /* 1: remove leading and trailing HTTP whitespace */
    size_t s = 0, e = n;
    while (s < e && http_whitespace((unsigned char)in[s]))
        s++;
    while (e > s && http_whitespace((unsigned char)in[e - 1]))
        e--;
    /* 2-3: collect code points that are not "/" */
    size_t position = s;
    while (position < e && in[position] != '/')
        position++;
    type->ptr = in + s;
    type->len = position - s;
    /* 4 */
    if (type->len == 0 || oracle_tchar_prefix(type->ptr, type->len) != type->len)
        return 0;
    /* 5 */
    if (position >= e)
        return 0;
    /* 6 */
    position++;
    /* 7: collect code points that are not ";" */
    size_t sub = position;
    while (position < e && in[position] != ';')
        position++;
    size_t sub_end = position;
    /* 8: remove trailing HTTP whitespace */
    while (sub_end > sub && http_whitespace((unsigned char)in[sub_end - 1]))
        sub_end--;
    subtype->ptr = in + sub;
    subtype->len = sub_end - sub;
    /* 9 */
    if (subtype->len == 0 || oracle_tchar_prefix(subtype->ptr, subtype->len) != subtype->len)
        return 0;
    return 1;
}

static size_t collect_digits(const char *in, size_t n, size_t *position)
{
    size_t start = *position;
    while (*position < n && in[*position] >= '0' && in[*position] <= '9')
        (*position)++;
    return *position - start;
}

/* Compares two ASCII decimal numbers of any length: <0, 0, >0. */
static int decimal_compare(const char *a, size_t an, const char *b, size_t bn)
{
    while (an > 0 && a[0] == '0')
        a++, an--;
    while (bn > 0 && b[0] == '0')
        b++, bn--;
    if (an != bn)
        return an < bn ? -1 : 1;
    return an ? memcmp(a, b, an) : 0;
}

/* Fetch "parse a single range header value" with allowWhitespace false: 1 with *has_start, 0 failure. */
static int parse_single_range(const char *data, size_t n, int *has_start)
{
    /* 2-3 */
    if (n < 5 || memcmp(data, "bytes", 5) != 0)
        return 0;
    size_t position = 5;
    /* 5-6 */
    if (position >= n || data[position] != '=')
        return 0;
    position++;
    /* 8-9 */
    size_t start_at = position, start_len = collect_digits(data, n, &position);
    /* 11 */
    if (position >= n || data[position] != '-')
        return 0;
    position++;
    /* 13-14 */
    size_t end_at = position, end_len = collect_digits(data, n, &position);
    /* 15 */
    if (position < n)
        return 0;
    /* 16 */
    if (start_len == 0 && end_len == 0)
        return 0;
    /* 17 */
    if (start_len && end_len && decimal_compare(data + start_at, start_len, data + end_at, end_len) > 0)
        return 0;
    *has_start = start_len > 0;
    return 1;
}

int oracle_safelisted_request_header(const char *name, size_t nlen, const char *value, size_t vlen)
{
    value = nn(value);
    if (vlen > 128)
        return 0;
    if (oracle_name_eq(name, nlen, "accept", 6))
        return !any_cors_unsafe_byte(value, vlen);
    if (oracle_name_eq(name, nlen, "accept-language", 15) || oracle_name_eq(name, nlen, "content-language", 16)) {
        for (size_t i = 0; i < vlen; i++) {
            unsigned char b = (unsigned char)value[i];
            int in_ranges = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A);
            int listed = b == 0x20 || b == 0x2A || b == 0x2C || b == 0x2D || b == 0x2E || b == 0x3B || b == 0x3D;
            if (!in_ranges && !listed)
                return 0;
        }
        return 1;
    }
    if (oracle_name_eq(name, nlen, "content-type", 12)) {
        if (any_cors_unsafe_byte(value, vlen))
            return 0;
        corshdr_span type, subtype;
        if (!parse_mime_essence(value, vlen, &type, &subtype))
            return 0;
        /* the essence, lowercased (ASCII), against the three safelisted ones */
        return (oracle_name_eq(type.ptr, type.len, "application", 11) &&
                oracle_name_eq(subtype.ptr, subtype.len, "x-www-form-urlencoded", 21)) ||
               (oracle_name_eq(type.ptr, type.len, "multipart", 9) &&
                oracle_name_eq(subtype.ptr, subtype.len, "form-data", 9)) ||
               (oracle_name_eq(type.ptr, type.len, "text", 4) && oracle_name_eq(subtype.ptr, subtype.len, "plain", 5));
    }
    if (oracle_name_eq(name, nlen, "range", 5)) {
        int has_start;
        return parse_single_range(value, vlen, &has_start) && has_start;
    }
    return 0;
}

int oracle_forbidden_request_header(const char *name, size_t nlen, const char *value, size_t vlen)
{
    static const char *const names[] = {
        "Accept-Charset", "Accept-Encoding", "Access-Control-Request-Headers", "Access-Control-Request-Method",
        "Connection", "Content-Length", "Cookie", "Cookie2", "Date", "DNT", "Expect", "Host", "Keep-Alive",
        "Origin", "Referer", "Set-Cookie", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Via"};
    /* 1 */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (oracle_name_eq(name, nlen, names[i], strlen(names[i])))
            return 1;
    /* 2 */
    if ((nlen >= 6 && oracle_name_eq(name, 6, "proxy-", 6)) || (nlen >= 4 && oracle_name_eq(name, 4, "sec-", 4)))
        return 1;
    /* 3 */
    if (oracle_name_eq(name, nlen, "X-HTTP-Method", 13) || oracle_name_eq(name, nlen, "X-HTTP-Method-Override", 22) ||
        oracle_name_eq(name, nlen, "X-Method-Override", 17)) {
        olist parsed = {0};
        oracle_split_value(value, vlen, &parsed);
        int forbidden = 0;
        for (size_t i = 0; i < parsed.n; i++)
            forbidden |= oracle_forbidden_method(parsed.v[i].p, parsed.v[i].n);
        olist_free(&parsed);
        if (forbidden)
            return 1;
    }
    return 0;
}

corshdr_status oracle_unsafe_names(const corshdr_field *f, size_t n, olist *names, size_t *added)
{
    size_t line;
    corshdr_status st = oracle_fields_valid(f, n, &line);
    if (st != CORSHDR_OK)
        return st;
    /* 1-3 */
    olist potentially_unsafe = {0};
    size_t safelist_value_size = 0;
    /* 4 */
    for (size_t i = 0; i < n; i++) {
        corshdr_span v = oracle_trim(f[i].value.ptr, f[i].value.len);
        if (!oracle_safelisted_request_header(f[i].name.ptr, f[i].name.len, v.ptr, v.len)) {
            olist_push(names, f[i].name.ptr, f[i].name.len);
        } else {
            olist_push(&potentially_unsafe, f[i].name.ptr, f[i].name.len);
            safelist_value_size += v.len;
        }
    }
    /* 5 */
    if (safelist_value_size > 1024)
        for (size_t i = 0; i < potentially_unsafe.n; i++)
            olist_push(names, potentially_unsafe.v[i].p, potentially_unsafe.v[i].n);
    olist_free(&potentially_unsafe);
    *added = names->n;
    /* 6: convert header names to a sorted-lowercase set */
    olist_sorted_lower_set(names);
    return CORSHDR_OK;
}

/* ---- origin ------------------------------------------------------------------------------------------------ */

static int all_bytes(const char *p, size_t n, int (*ok)(unsigned char))
{
    for (size_t i = 0; i < n; i++)
        if (!ok((unsigned char)p[i]))
            return 0;
    return 1;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_lower_hex(unsigned char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
static int is_label_byte(unsigned char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_'; }
static int is_scheme_byte(unsigned char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' || c == '-' || c == '.'; }

/* The pieces of p split on byte `sep` (strictly: n+1 pieces for n separators). */
static void split_on(const char *p, size_t n, char sep, olist *out)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || p[i] == sep) {
            olist_push(out, p + start, i - start);
            start = i + 1;
        }
}

/* RFC 3986 dec-octet: "0" to "255" without leading zeros. */
static int dec_octet(const ostr *s)
{
    if (s->n < 1 || s->n > 3 || !all_bytes(s->p, s->n, is_digit) || (s->n > 1 && s->p[0] == '0'))
        return 0;
    unsigned v = 0;
    for (size_t i = 0; i < s->n; i++)
        v = v * 10 + (unsigned)(s->p[i] - '0');
    return v <= 255;
}

static int ipv4(const char *p, size_t n)
{
    olist parts = {0};
    split_on(p, n, '.', &parts);
    int ok = parts.n == 4;
    for (size_t i = 0; ok && i < parts.n; i++)
        ok = dec_octet(&parts.v[i]);
    olist_free(&parts);
    return ok;
}

/* The h16 pieces of one side of "::" (an empty side has none); *count gets their number, an IPv4 tail
 * counting two when allowed. 0 when a piece is malformed. */
static int ipv6_side(const char *p, size_t n, int tail_allowed, size_t *count)
{
    *count = 0;
    if (n == 0)
        return 1;
    olist pieces = {0};
    split_on(p, n, ':', &pieces);
    int ok = 1;
    for (size_t i = 0; ok && i < pieces.n; i++) {
        const ostr *s = &pieces.v[i];
        int last = i + 1 == pieces.n;
        if (last && tail_allowed && memchr(s->p, '.', s->n)) {
            ok = ipv4(s->p, s->n);
            *count += 2;
        } else {
            ok = s->n >= 1 && s->n <= 4 && all_bytes(s->p, s->n, is_lower_hex);
            *count += 1;
        }
    }
    olist_free(&pieces);
    return ok;
}

/* RFC 3986 IPv6address, lowercase hex only: at most one "::", which stands for at least one group. */
static int ipv6(const char *p, size_t n)
{
    const char *gap = NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == ':' && p[i + 1] == ':') {
            if (gap)
                return 0; /* a second "::", or ":::" */
            gap = p + i;
        }
    size_t left, right;
    if (!gap)
        return ipv6_side(p, n, 1, &left) && left == 8;
    size_t at = (size_t)(gap - p);
    if (!ipv6_side(p, at, 0, &left) || !ipv6_side(gap + 2, n - at - 2, 1, &right))
        return 0;
    return left + right <= 7;
}

/* The URL standard's "ends in a number" for the last label. */
static int ends_in_number(const ostr *last)
{
    if (last->n > 0 && all_bytes(last->p, last->n, is_digit))
        return 1;
    return last->n >= 2 && last->p[0] == '0' && last->p[1] == 'x' && all_bytes(last->p + 2, last->n - 2, is_lower_hex);
}

static int domain_or_ipv4(const char *p, size_t n)
{
    size_t body = n;
    if (body > 0 && p[body - 1] == '.')
        body--;
    if (body == 0 || body > 253)
        return 0;
    olist labels = {0};
    split_on(p, body, '.', &labels);
    int ok = 1;
    for (size_t i = 0; ok && i < labels.n; i++)
        ok = labels.v[i].n >= 1 && labels.v[i].n <= 63 && all_bytes(labels.v[i].p, labels.v[i].n, is_label_byte);
    if (ok && ends_in_number(&labels.v[labels.n - 1]))
        ok = ipv4(p, n);
    olist_free(&labels);
    return ok;
}

static int port_ok(const char *scheme, size_t slen, const char *p, size_t n)
{
    if (n < 1 || n > 5 || !all_bytes(p, n, is_digit) || (n > 1 && p[0] == '0'))
        return 0;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned long)(p[i] - '0');
    if (v > 65535)
        return 0;
    if ((is_literal(scheme, slen, "http") || is_literal(scheme, slen, "ws")) && v == 80)
        return 0;
    if ((is_literal(scheme, slen, "https") || is_literal(scheme, slen, "wss")) && v == 443)
        return 0;
    if (is_literal(scheme, slen, "ftp") && v == 21)
        return 0;
    return 1;
}

int oracle_origin(const char *p, size_t n)
{
    if (is_literal(p, n, "null"))
        return 1;
    /* scheme "://" */
    size_t sep = CORSHDR_NPOS;
    for (size_t i = 0; i + 3 <= n && sep == CORSHDR_NPOS; i++)
        if (memcmp(p + i, "://", 3) == 0)
            sep = i;
    if (sep == CORSHDR_NPOS || sep == 0 || !(p[0] >= 'a' && p[0] <= 'z') || !all_bytes(p, sep, is_scheme_byte))
        return 0;
    const char *rest = p + sep + 3;
    size_t rlen = n - sep - 3;
    /* host, then [":" port] */
    size_t host_end;
    if (rlen > 0 && rest[0] == '[') {
        const char *close = memchr(rest, ']', rlen);
        if (!close || !ipv6(rest + 1, (size_t)(close - rest) - 1))
            return 0;
        host_end = (size_t)(close - rest) + 1;
    } else {
        const char *colon = memchr(rest, ':', rlen);
        host_end = colon ? (size_t)(colon - rest) : rlen;
        if (!domain_or_ipv4(rest, host_end))
            return 0;
    }
    if (host_end == rlen)
        return 1;
    if (rest[host_end] != ':')
        return 0;
    return port_ok(p, sep, rest + host_end + 1, rlen - host_end - 1);
}
