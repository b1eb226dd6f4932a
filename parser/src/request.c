/* cors, request side: what a browser may send without a preflight, what it never lets script send, and
 * the exact Access-Control-Request-Headers value it puts in a preflight. */
#include "internal.h"

/* Fetch "CORS-unsafe request-header byte". */
static int cors_unsafe_byte(unsigned char c)
{
    if (c < 0x20)
        return c != 0x09;
    switch (c) {
    case '"': case '(': case ')': case ':': case '<': case '>': case '?':
    case '@': case '[': case '\\': case ']': case '{': case '}': case 0x7f:
        return 1;
    default:
        return 0;
    }
}

static int has_cors_unsafe_byte(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cors_unsafe_byte((unsigned char)p[i]))
            return 1;
    return 0;
}

/* MIME Sniffing "HTTP whitespace" (LF, CR, HTAB, FF, SP) in a value without CORS-unsafe bytes, which
 * LF, CR and FF are: HTAB or SP. */
static int http_ws(unsigned char c)
{
    return c == 0x09 || c == 0x20;
}

/* MIME Sniffing "parse a MIME type", steps 1-10: only the essence decides the safelist, and parameters
 * can never turn success into failure, so they are not parsed. The value has no CORS-unsafe byte. */
static int mime_essence_safelisted(const char *p, size_t n)
{
    size_t s = 0, e = n;
    while (s < e && http_ws((unsigned char)p[s]))
        s++;
    while (e > s && http_ws((unsigned char)p[e - 1]))
        e--;
    size_t slash = s;
    while (slash < e && p[slash] != '/')
        slash++;
    /* steps 4-5: type non-empty, only token code points, and a "/" follows */
    if (slash == s || slash == e || corshdr__tchar_span_scalar(p + s, slash - s) != slash - s)
        return 0;
    size_t sub = slash + 1, semi = sub;
    while (semi < e && p[semi] != ';')
        semi++;
    size_t sub_end = semi;
    while (sub_end > sub && http_ws((unsigned char)p[sub_end - 1]))
        sub_end--; /* step 8: trailing whitespace only */
    if (sub_end == sub || corshdr__tchar_span_scalar(p + sub, sub_end - sub) != sub_end - sub)
        return 0;
    const char *type = p + s, *subtype = p + sub;
    size_t tl = slash - s, sl = sub_end - sub;
    return (NAME_IS(type, tl, "application") && NAME_IS(subtype, sl, "x-www-form-urlencoded")) ||
           (NAME_IS(type, tl, "multipart") && NAME_IS(subtype, sl, "form-data")) ||
           (NAME_IS(type, tl, "text") && NAME_IS(subtype, sl, "plain"));
}

static size_t digits_at(const char *p, size_t n, size_t i)
{
    size_t j = i;
    while (j < n && p[j] >= '0' && p[j] <= '9')
        j++;
    return j - i;
}

/* a > b for decimal digit strings of any length. */
static int decimal_greater(const char *a, size_t an, const char *b, size_t bn)
{
    while (an > 1 && *a == '0')
        a++, an--;
    while (bn > 1 && *b == '0')
        b++, bn--;
    if (an != bn)
        return an > bn;
    return memcmp(a, b, an) > 0;
}

/* Fetch "parse a single range header value" with allowWhitespace false, and the safelist's extra rule
 * that the start is present. */
static int range_safelisted(const char *p, size_t n)
{
    if (n < 5 || memcmp(p, "bytes", 5) != 0)
        return 0;
    size_t i = 5;
    if (i >= n || p[i] != '=')
        return 0;
    i++;
    size_t start = i, start_len = digits_at(p, n, i);
    i += start_len;
    if (i >= n || p[i] != '-')
        return 0;
    i++;
    size_t end = i, end_len = digits_at(p, n, i);
    i += end_len;
    if (i != n || start_len == 0)
        return 0; /* "bytes=-500" is valid but browsers never safelisted it */
    return end_len == 0 || !decimal_greater(p + start, start_len, p + end, end_len);
}

int corshdr_is_safelisted_request_header(const char *name, size_t name_len, const char *value, size_t value_len)
{
    if (!span_ok(name, name_len) || !span_ok(value, value_len) || value_len > 128)
        return 0;
    if (NAME_IS(name, name_len, "accept"))
        return !has_cors_unsafe_byte(value, value_len);
    if (NAME_IS(name, name_len, "accept-language") || NAME_IS(name, name_len, "content-language")) {
        for (size_t i = 0; i < value_len; i++) {
            unsigned char c = (unsigned char)value[i];
            int ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ' ||
                     c == '*' || c == ',' || c == '-' || c == '.' || c == ';' || c == '=';
            if (!ok)
                return 0;
        }
        return 1;
    }
    if (NAME_IS(name, name_len, "content-type"))
        return !has_cors_unsafe_byte(value, value_len) && mime_essence_safelisted(value, value_len);
    if (NAME_IS(name, name_len, "range"))
        return range_safelisted(value, value_len);
    return 0;
}

static const char *const forbidden_names[] = {
    "accept-charset", "accept-encoding", "access-control-request-headers", "access-control-request-method",
    "connection", "content-length", "cookie", "cookie2", "date", "dnt", "expect", "host", "keep-alive",
    "origin", "referer", "set-cookie", "te", "trailer", "transfer-encoding", "upgrade", "via",
};

static int in_list(const char *p, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (name_eq(p, n, list[i], strlen(list[i])))
            return 1;
    return 0;
}

static int has_prefix_ci(const char *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && name_eq(p, k, prefix, k);
}

int corshdr_is_forbidden_method(const char *ptr, size_t len)
{
    return span_ok(ptr, len) &&
           (NAME_IS(ptr, len, "connect") || NAME_IS(ptr, len, "trace") || NAME_IS(ptr, len, "track"));
}

int corshdr_is_forbidden_request_header(const char *name, size_t name_len, const char *value, size_t value_len)
{
    if (!span_ok(name, name_len) || !span_ok(value, value_len))
        return 0;
    if (in_list(name, name_len, forbidden_names, sizeof forbidden_names / sizeof forbidden_names[0]))
        return 1;
    if (has_prefix_ci(name, name_len, "proxy-") || has_prefix_ci(name, name_len, "sec-"))
        return 1;
    if (NAME_IS(name, name_len, "x-http-method") || NAME_IS(name, name_len, "x-http-method-override") ||
        NAME_IS(name, name_len, "x-method-override")) {
        /* step 3: any value of "get, decode, and split" that is a forbidden method */
        corshdr_split s;
        corshdr_span m;
        corshdr_split_init(&s, value, value_len);
        while (corshdr_split_next(&s, &m) == CORSHDR_OK)
            if (corshdr_is_forbidden_method(m.ptr, m.len))
                return 1;
    }
    return 0;
}

int corshdr_is_safelisted_method(const char *ptr, size_t len)
{
    if (!span_ok(ptr, len))
        return 0;
    return (len == 3 && !memcmp(ptr, "GET", 3)) || (len == 4 && !memcmp(ptr, "HEAD", 4)) ||
           (len == 4 && !memcmp(ptr, "POST", 4));
}

int corshdr_is_safelisted_response_name(const char *ptr, size_t len)
{
    if (!span_ok(ptr, len))
        return 0;
    switch (len) { /* every response line asks: the length picks the one or two candidates */
    case 6:
        return NAME_IS(ptr, len, "pragma");
    case 7:
        return NAME_IS(ptr, len, "expires");
    case 12:
        return NAME_IS(ptr, len, "content-type");
    case 13:
        return NAME_IS(ptr, len, "cache-control") || NAME_IS(ptr, len, "last-modified");
    case 14:
        return NAME_IS(ptr, len, "content-length");
    case 16:
        return NAME_IS(ptr, len, "content-language");
    default:
        return 0;
    }
}

int corshdr_is_forbidden_response_name(const char *ptr, size_t len)
{
    return span_ok(ptr, len) && (len == 10 || len == 11) &&
           (NAME_IS(ptr, len, "set-cookie") || NAME_IS(ptr, len, "set-cookie2"));
}

corshdr_span corshdr_method_normalize(const char *ptr, size_t len)
{
    static const char *const methods[] = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"};
    if (!span_ok(ptr, len))
        return span_make(NULL, 0);
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (name_eq(ptr, len, methods[i], strlen(methods[i])))
            return span_make(methods[i], strlen(methods[i]));
    return span_make(ptr, len);
}

corshdr_status corshdr_unsafe_names_collect(const corshdr_field *headers, size_t n, corshdr_names *names,
                                            corshdr_error *err)
{
    if (!names)
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a names set");
    corshdr_status st = corshdr_fields_check(headers, n, err);
    if (st != CORSHDR_OK)
        return st;
    /* Fetch "CORS-unsafe request-header names": the safelisted lines count only while their values
     * total at most 1024 bytes, so the sum is known before any safelisted name is added. */
    size_t safelisted_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        corshdr_span v = corshdr_value_trim(headers[i].value.ptr, headers[i].value.len);
        if (corshdr_is_safelisted_request_header(headers[i].name.ptr, headers[i].name.len, v.ptr, v.len))
            safelisted_bytes += v.len;
    }
    int all_unsafe = safelisted_bytes > 1024;
    int full = 0;
    for (size_t i = 0; i < n; i++) {
        corshdr_span v = corshdr_value_trim(headers[i].value.ptr, headers[i].value.len);
        if (all_unsafe || !corshdr_is_safelisted_request_header(headers[i].name.ptr, headers[i].name.len, v.ptr, v.len))
            full |= corshdr_names_add(names, headers[i].name.ptr, headers[i].name.len) == CORSHDR_ENOSPC;
    }
    if (full)
        return fail(err, CORSHDR_ENOSPC, CORSHDR_NPOS, CORSHDR_NPOS, "storage for every unsafe name");
    corshdr_names_sort(names);
    return CORSHDR_OK;
}
