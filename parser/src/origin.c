/* cors: Fetch origin-or-null as a browser serializes it (conformance/SEMANTICS.md "origin"): the value a
 * server sees in `Origin` and must echo byte for byte in Access-Control-Allow-Origin. */
#include "internal.h"

static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_lower_hex(unsigned char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

/* RFC 3986 dec-octet: 0-255 without leading zeros. */
static int dec_octet(const char *p, size_t n)
{
    if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
        return 0;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)p[i]))
            return 0;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    return v <= 255;
}

/* Four dec-octets separated by dots. */
static int ipv4_valid(const char *p, size_t n)
{
    size_t start = 0, parts = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != '.')
            continue;
        if (++parts > 4 || !dec_octet(p + start, i - start))
            return 0;
        start = i + 1;
    }
    return parts == 4;
}

/* RFC 3986 IPv6address (lowercase hex): 8 groups, or fewer around one "::", an IPv4 tail counting two. */
static int ipv6_valid(const char *p, size_t n)
{
    size_t i = 0, groups = 0;
    int elided = 0;
    if (n >= 2 && p[0] == ':' && p[1] == ':') {
        elided = 1;
        i = 2;
        if (i == n)
            return 1;
    }
    for (;;) {
        size_t start = i;
        while (i < n && i - start < 5 && is_lower_hex((unsigned char)p[i]))
            i++;
        if (i < n && p[i] == '.') {
            /* ls32 as an IPv4 address: only as the last piece. */
            if (!ipv4_valid(p + start, n - start))
                return 0;
            groups += 2;
            break;
        }
        if (i == start || i - start > 4)
            return 0;
        groups++;
        if (i == n)
            break;
        if (p[i] != ':')
            return 0;
        i++;
        if (i < n && p[i] == ':') {
            if (elided)
                return 0;
            elided = 1;
            i++;
            if (i == n)
                break;
        } else if (i == n) {
            return 0; /* a single trailing colon */
        }
    }
    return elided ? groups <= 7 : groups == 8;
}

/* The URL standard's "ends in a number": the last label is digits, or 0x followed by hex digits. */
static int ends_in_number(const char *label, size_t n)
{
    if (n >= 2 && label[0] == '0' && label[1] == 'x') {
        for (size_t i = 2; i < n; i++)
            if (!is_lower_hex((unsigned char)label[i]))
                return 0;
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        if (!is_digit((unsigned char)label[i]))
            return 0;
    return n > 0;
}

/* Bytes of a domain label: lowercase letters, digits, '-', '_'. */
static const uint8_t label_byte[256] = {
    ['-'] = 1, ['_'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
    ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* Bytes of a scheme after its first: lowercase letters, digits, '+', '-', '.'. */
static const uint8_t scheme_byte[256] = {
    ['+'] = 1, ['-'] = 1, ['.'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
    ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* What ends a host: the port, or what a URL would start next. */
static const uint8_t ends_host[256] = {[':'] = 1, ['/'] = 1, ['?'] = 1, ['#'] = 1};

/* A domain of lowercase labels, or an IPv4 address when the last label is numeric (*ipv4 then set).
 * On failure *bad is the offset of the first byte at fault. */
static int host_valid(const char *p, size_t n, size_t *bad, int *ipv4)
{
    size_t body = n;
    *bad = 0;
    *ipv4 = 0;
    if (body > 0 && p[body - 1] == '.')
        body--; /* one trailing dot is kept by the URL parser */
    if (body == 0 || body > 253)
        return 0;
    size_t start = 0, last = 0;
    for (size_t i = 0;; i++) {
        while (i < body && label_byte[(unsigned char)p[i]])
            i++;
        if (i < body && p[i] != '.') {
            *bad = i;
            return 0;
        }
        if (i == start || i - start > 63) { /* an empty or too long label */
            *bad = i;
            return 0;
        }
        last = start;
        start = i + 1;
        if (i == body)
            break;
    }
    if (!ends_in_number(p + last, body - last))
        return 1;
    *ipv4 = 1;
    return ipv4_valid(p, n);
}

static int default_port(const char *scheme, size_t slen, unsigned port)
{
    if ((slen == 4 && !memcmp(scheme, "http", 4)) || (slen == 2 && !memcmp(scheme, "ws", 2)))
        return port == 80;
    if ((slen == 5 && !memcmp(scheme, "https", 5)) || (slen == 3 && !memcmp(scheme, "wss", 3)))
        return port == 443;
    return slen == 3 && !memcmp(scheme, "ftp", 3) && port == 21;
}

corshdr_status corshdr__origin_parse(const char *p, size_t n, origin_parts *o, corshdr_error *err)
{
    o->scheme_len = o->host = o->host_len = 0;
    o->port = 0;
    o->has_port = 0;
    o->kind = ORIGIN_NULL;
    if (n == 4 && !memcmp(p, "null", 4))
        goto ok;
    /* scheme = lowercase ALPHA *( lowercase ALPHA / DIGIT / "+" / "-" / "." ) */
    size_t i = 0;
    if (n == 0 || !is_lower((unsigned char)p[0]))
        return fail(err, CORSHDR_EORIGIN, CORSHDR_NPOS, 0, "a lowercase scheme or null");
    while (i < n && scheme_byte[(unsigned char)p[i]])
        i++;
    size_t scheme_len = i;
    if (n - i < 3 || memcmp(p + i, "://", 3) != 0)
        return fail(err, CORSHDR_EORIGIN, CORSHDR_NPOS, i, "\"://\" after the scheme");
    i += 3;
    size_t host = i;
    int kind = ORIGIN_DOMAIN;
    if (i < n && p[i] == '[') {
        const char *close = memchr(p + i, ']', n - i);
        if (!close || !ipv6_valid(p + i + 1, (size_t)(close - p) - i - 1))
            return fail(err, CORSHDR_EORIGIN, CORSHDR_NPOS, i, "a bracketed lowercase IPv6 address");
        i = (size_t)(close - p) + 1;
        kind = ORIGIN_IPV6;
    } else {
        /* The host ends at the port, or at what a URL would start next; those get their own message. */
        while (i < n && !ends_host[(unsigned char)p[i]])
            i++;
        size_t bad;
        int ipv4;
        if (!host_valid(p + host, i - host, &bad, &ipv4))
            return fail(err, CORSHDR_EORIGIN, CORSHDR_NPOS, host + bad,
                        "a lowercase domain or a dotted-decimal IPv4 address");
        if (ipv4)
            kind = ORIGIN_IPV4;
    }
    size_t host_end = i;
    unsigned port = 0;
    int has_port = 0;
    if (i < n && p[i] == ':') {
        size_t digits = ++i;
        while (i < n && is_digit((unsigned char)p[i]) && i - digits < 5)
            port = port * 10 + (unsigned)(p[i++] - '0');
        if (i == digits || (i - digits > 1 && p[digits] == '0') || port > 65535 || i < n)
            return fail(err, CORSHDR_EORIGIN, CORSHDR_NPOS, digits,
                        "a port of 1 to 5 digits, 0-65535, no leading zero, then the end");
        if (default_port(p, scheme_len, port))
            return fail(err, CORSHDR_EORIGIN, CORSHDR_NPOS, digits - 1, "no default port for the scheme");
        has_port = 1;
    }
    if (i < n)
        return fail(err, CORSHDR_EORIGIN, CORSHDR_NPOS, i, "the end of the origin (no path, no slash)");
    o->scheme_len = scheme_len;
    o->host = host;
    o->host_len = host_end - host;
    o->port = port;
    o->has_port = has_port;
    o->kind = kind;
ok:
    err_clear(err);
    return CORSHDR_OK;
}

corshdr_status corshdr_origin_check(const char *p, size_t n, corshdr_error *err)
{
    if (!span_ok(p, n))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a span");
    origin_parts o;
    return corshdr__origin_parse(nonnull(p), n, &o, err);
}
