/* policy: the server side of the CORS protocol. A configuration is checked whole (every problem reported,
 * not only the first) and compiled once into sorted sets, origin patterns and pre-rendered header values
 * in the caller's storage; each request then costs one pass over its names, an origin parse and a few
 * lookups, and produces response lines that point into the policy or into request bytes it checked. */
#include "internal.h"


enum {
    ANY_ORIGIN = 1u << 0,
    NULL_ORIGIN = 1u << 1,
    CREDENTIALS = 1u << 2,
    ANY_METHOD = 1u << 3,
    ANY_HEADER = 1u << 4,
    DEBUG = 1u << 5
};

/* An origin pattern: scheme "://" [labels "."] host [":" port | ":*"]. */
typedef struct pattern {
    corshdr_span prefix; /* the scheme and "://" */
    corshdr_span host;   /* the host, or for a subdomain pattern "." and its base */
    unsigned port;
    unsigned char has_port, any_port, subdomains;
} pattern;

/* ---- compile: every problem of a configuration -------------------------------------------------------- */

typedef struct problems {
    corshdr_problem *v;
    size_t cap, n;
} problems;

static void problem(problems *pr, corshdr_status code, corshdr_policy_part part, size_t index, size_t offset,
                    const char *message)
{
    if (pr->n < pr->cap) {
        corshdr_problem *q = &pr->v[pr->n];
        q->code = code;
        q->part = part;
        q->index = index;
        q->offset = offset;
        q->message = message;
    }
    pr->n++;
}

/* A host browsers treat as this machine: what an insecure scheme may still be trusted for. A host that
 * starts with "127." is loopback only as an IPv4 address: 127.evil.example is anyone's domain. */
static int loopback(const char *h, size_t n)
{
    if (NAME_IS(h, n, "localhost") || NAME_IS(h, n, "[::1]"))
        return 1;
    if (n > 10 && NAME_IS(h + n - 10, 10, ".localhost"))
        return 1;
    if (n < 4 || memcmp(h, "127.", 4) != 0)
        return 0;
    for (size_t i = 4; i < n; i++) /* digits and dots in a valid origin: an IPv4 address */
        if (h[i] != '.' && (h[i] < '0' || h[i] > '9'))
            return 0;
    return 1;
}

/* The longest origin entry compile looks at; longer ones are not origins (a host is at most 253 bytes). */
enum { ENTRY_MAX = 320 };

/* What a malformed origin entry would be once lowercased, without its path or trailing slash and without
 * a default port: if that parses, the entry only is not canonical. */
static int canonical_fixes(const char *e, size_t n)
{
    char buf[ENTRY_MAX]; /* n <= ENTRY_MAX: parse_entry refuses longer entries before the probe */
    size_t m = 0, slashes = 0;
    for (size_t i = 0; i < n; i++) {
        char c = e[i];
        if (c == '/' && ++slashes > 2)
            break; /* the path, or a trailing slash */
        buf[m++] = (char)ch_lower((unsigned char)c);
    }
    origin_parts o;
    if (corshdr__origin_parse(buf, m, &o, NULL) == CORSHDR_OK)
        return o.kind != ORIGIN_NULL; /* "NULL" is not null spelled another way: null is no entry */
    /* a default port is the last thing an origin parse refuses */
    static const char *const defaults[] = {"http:", ":80", "https:", ":443", "ws:", ":80", "wss:", ":443"};
    for (size_t d = 0; d < sizeof defaults / sizeof defaults[0]; d += 2) {
        size_t sl = strlen(defaults[d]), pl = strlen(defaults[d + 1]);
        if (m > sl + pl && !memcmp(buf, defaults[d], sl) && !memcmp(buf + m - pl, defaults[d + 1], pl))
            return corshdr__origin_parse(buf, m - pl, &o, NULL) == CORSHDR_OK; /* a scheme: never null */
    }
    return 0;
}

/* Parses one origin entry (not "*", not "null") into a pattern; a plain origin is a pattern with no
 * wildcard. 0, or the problem's code with *offset and *message. */
static corshdr_status parse_entry(corshdr_span e, pattern *pt, size_t *offset, const char **message)
{
    char probe[ENTRY_MAX + 2];
    memset(pt, 0, sizeof *pt);
    *offset = CORSHDR_NPOS;
    if (!span_ok(e.ptr, e.len) || e.len == 0 || e.len > ENTRY_MAX) {
        *message = "a serialized origin or a pattern (at most 320 bytes)";
        return CORSHDR_EORIGIN;
    }
    const char *sep = e.len >= 3 ? memchr(e.ptr, ':', e.len) : NULL;
    size_t scheme_end = sep ? (size_t)(sep - e.ptr) : 0;
    int subdomains = 0, any_port = 0;
    size_t host_at = scheme_end + 3, m = 0;
    /* The probe: the entry with "*." turned into a label and ":*" dropped, which must be an origin. */
    if (sep && e.len >= host_at + 2 && !memcmp(e.ptr + scheme_end, "://", 3) && e.ptr[host_at] == '*' &&
        e.ptr[host_at + 1] == '.') {
        subdomains = 1;
        memcpy(probe, e.ptr, host_at);
        probe[host_at] = 'x';
        memcpy(probe + host_at + 1, e.ptr + host_at + 1, e.len - host_at - 1);
        m = e.len;
    } else {
        memcpy(probe, e.ptr, e.len);
        m = e.len;
    }
    if (m >= 2 && probe[m - 2] == ':' && probe[m - 1] == '*') {
        any_port = 1;
        m -= 2;
    }
    origin_parts o;
    corshdr_error err;
    corshdr_status parsed = corshdr__origin_parse(probe, m, &o, &err);
    if (parsed != CORSHDR_OK || o.kind == ORIGIN_NULL) {
        if (canonical_fixes(probe, m)) { /* the probe: a pattern in upper case is not canonical either */
            *message = "the origin as browsers send it: lowercase, no default port, no path or trailing slash";
            return CORSHDR_ECANONICAL;
        }
        *offset = parsed == CORSHDR_OK ? 0 : err.offset; /* a failed parse leaves o.kind ORIGIN_NULL */
        *message = "a serialized origin (scheme://host[:port]) or a pattern (https://*.example.com, :*)";
        return CORSHDR_EORIGIN;
    }
    /* The probe's host begins with the label "x": a domain, or no origin at all (an IPv4 address has no
     * letter, an IPv6 one is bracketed). Without a base it would cover every "x.". */
    if (subdomains && o.host_len < 3) {
        *offset = host_at;
        *message = "a domain after \"*.\" (not empty, not an IP address)";
        return CORSHDR_EORIGIN;
    }
    if (any_port && o.has_port) { /* "https://a.example:8443:*": one port or any, not both */
        *offset = m;
        *message = "a port or \":*\", not both";
        return CORSHDR_EORIGIN;
    }
    pt->prefix = span_make(e.ptr, host_at);
    pt->host = subdomains ? span_make(e.ptr + host_at + 1, o.host_len - 1) : span_make(e.ptr + o.host, o.host_len);
    pt->port = o.port;
    pt->has_port = (unsigned char)o.has_port;
    pt->any_port = (unsigned char)any_port;
    pt->subdomains = (unsigned char)subdomains;
    return CORSHDR_OK;
}

/* Every method entry: "*", or a token browsers can send, as they send it. Methods compare byte for byte,
 * and browsers upper-case the six standard ones, so "put" would never match: ECANONICAL, not silence.
 * Others ("patch") go out as the page wrote them and stay as given. */
static void check_methods(const corshdr_policy_config *cfg, problems *pr, unsigned *flags)
{
    for (size_t i = 0; i < cfg->nmethods; i++) {
        corshdr_span m = cfg->methods[i], up;
        corshdr_error e;
        corshdr_status st;
        if (span_is(m, LIT("*")))
            *flags |= ANY_METHOD;
        else if ((st = corshdr_token_check(m.ptr, m.len, &e)) != CORSHDR_OK)
            problem(pr, st, CORSHDR_PART_METHODS, i, e.offset, "a method token");
        else if (corshdr_is_forbidden_method(m.ptr, m.len))
            problem(pr, CORSHDR_EMETHOD, CORSHDR_PART_METHODS, i, 0,
                    "a method browsers can send (not CONNECT, TRACE, TRACK)");
        else if ((up = corshdr_method_normalize(m.ptr, m.len)).ptr != m.ptr) { /* a standard one */
            size_t off = 0;
            while (off < m.len && up.ptr[off] == m.ptr[off])
                off++;
            if (off < m.len)
                problem(pr, CORSHDR_ECANONICAL, CORSHDR_PART_METHODS, i, off,
                        "DELETE, GET, HEAD, OPTIONS, POST, PUT in uppercase: browsers send them so");
        }
    }
}

/* Every name entry of headers (expose = 0) or expose (1): "*", or a token that is not forbidden there. */
static void check_names(const corshdr_span *v, size_t n, int expose, int credentials, problems *pr, unsigned *any)
{
    corshdr_policy_part part = expose ? CORSHDR_PART_EXPOSE : CORSHDR_PART_HEADERS;
    for (size_t i = 0; i < n; i++) {
        corshdr_error e;
        corshdr_status st;
        if (span_is(v[i], LIT("*"))) {
            *any = 1;
            if (credentials) /* Fetch: with credentials `*` is only a name, never a wildcard */
                problem(pr, CORSHDR_EWILDCARD, part, i, 0, "named headers: `*` means nothing with credentials");
        } else if ((st = corshdr_token_check(v[i].ptr, v[i].len, &e)) != CORSHDR_OK) {
            problem(pr, st, part, i, e.offset, "a header name token");
        } else if (!expose && corshdr_is_forbidden_request_header(v[i].ptr, v[i].len, "", 0)) {
            problem(pr, CORSHDR_EFORBIDDEN, part, i, 0, "a name scripts can send (Fetch forbids this one)");
        } else if (expose && corshdr_is_forbidden_response_name(v[i].ptr, v[i].len)) {
            problem(pr, CORSHDR_EHEADER, part, i, 0, "a readable header: Set-Cookie never is");
        }
    }
}

static size_t joined_len(const corshdr_span *v, size_t n)
{
    size_t len = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        if (!span_is(v[i], LIT("*")))
            len += v[i].len + (k++ ? 2 : 0);
    return len;
}

/* Appends `lead` (if any), then the entries but "*", joined by ", ", at *at; returns the span written. */
static corshdr_span render(char *text, size_t *at, const char *lead, const corshdr_span *v, size_t n)
{
    size_t start = *at;
    if (lead) {
        memcpy(text + *at, lead, strlen(lead));
        *at += strlen(lead);
    }
    for (size_t i = 0; i < n; i++) {
        if (span_is(v[i], LIT("*")))
            continue;
        if (*at > start) {
            memcpy(text + *at, ", ", 2);
            *at += 2;
        }
        memcpy(text + *at, v[i].ptr, v[i].len);
        *at += v[i].len;
    }
    return span_make(text + start, *at - start);
}

static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

corshdr_status corshdr_policy_compile(corshdr_policy *p, const corshdr_policy_config *cfg, void *storage, size_t size,
                                      corshdr_problem *out, size_t cap, size_t *nproblems)
{
    if (!p || !cfg || !nproblems || (!storage && size) || (!out && cap) || (!cfg->origins && cfg->norigins) ||
        (!cfg->methods && cfg->nmethods) || (!cfg->headers && cfg->nheaders) || (!cfg->expose && cfg->nexpose))
        return CORSHDR_EINVAL;
    memset(p, 0, sizeof *p);
    problems pr = {out, cap, 0};
    unsigned flags = (cfg->credentials ? CREDENTIALS : 0) | (cfg->allow_null ? NULL_ORIGIN : 0) | (cfg->debug ? DEBUG : 0);
    int cred = cfg->credentials != 0;

    /* origins: count what each kind needs while checking */
    size_t nexact = 0, npatterns = 0, origin_bytes = 0;
    for (size_t i = 0; i < cfg->norigins; i++) {
        corshdr_span e = cfg->origins[i];
        pattern pt;
        size_t offset;
        const char *message;
        corshdr_status st;
        if (span_is(e, LIT("*"))) {
            flags |= ANY_ORIGIN;
            if (cred) /* Fetch CORS check, step 3: `*` never passes with credentials */
                problem(&pr, CORSHDR_EWILDCARD, CORSHDR_PART_ORIGINS, i, 0, "named origins: `*` fails with credentials");
            continue;
        }
        if (span_is(e, LIT("null"))) {
            problem(&pr, CORSHDR_ENULL, CORSHDR_PART_ORIGINS, i, 0,
                    "no `null` entry: set allow_null, knowing any sandboxed page sends it");
            continue;
        }
        if ((st = parse_entry(e, &pt, &offset, &message)) != CORSHDR_OK) {
            problem(&pr, st, CORSHDR_PART_ORIGINS, i, offset, message);
            continue;
        }
        int plain = pt.prefix.len == 7 ? !memcmp(pt.prefix.ptr, "http://", 7) : span_is(pt.prefix, LIT("ws://"));
        if (cred && plain && !loopback(pt.host.ptr + pt.subdomains, pt.host.len - pt.subdomains))
            problem(&pr, CORSHDR_EINSECURE, CORSHDR_PART_ORIGINS, i, 0,
                    "https: anyone on the network path can act as an http origin");
        if (pt.subdomains && cfg->is_public_suffix) {
            /* the base without a trailing dot: libpsl says co.uk is a public suffix and co.uk. is not */
            size_t base_len = pt.host.len - 1 - (pt.host.ptr[pt.host.len - 1] == '.');
            if (cfg->is_public_suffix(cfg->suffix_ctx, pt.host.ptr + 1, base_len))
                problem(&pr, CORSHDR_EPUBLICSUFFIX, CORSHDR_PART_ORIGINS, i, (size_t)(pt.host.ptr + 1 - e.ptr),
                        "a registrable domain after \"*.\": anyone can register a name under a public suffix");
        }
        if (pt.subdomains || pt.any_port)
            npatterns++;
        else
            nexact++;
        origin_bytes += e.len;
    }
    if (cfg->norigins == 0 && !cfg->allow_null)
        problem(&pr, CORSHDR_EEMPTY, CORSHDR_PART_ORIGINS, CORSHDR_NPOS, CORSHDR_NPOS, "at least one origin");
    if (cfg->allow_null && cred) /* an attacker's sandboxed iframe would read the user's data */
        problem(&pr, CORSHDR_ENULL, CORSHDR_PART_SETTINGS, CORSHDR_NPOS, CORSHDR_NPOS,
                "the null origin only without credentials: any page can send it (a sandboxed iframe)");

    unsigned any_header = 0, expose_all = 0;
    check_methods(cfg, &pr, &flags);
    check_names(cfg->headers, cfg->nheaders, 0, cred, &pr, &any_header);
    check_names(cfg->expose, cfg->nexpose, 1, cred, &pr, &expose_all);
    if (cfg->max_age < -1 || cfg->max_age > 86400)
        problem(&pr, CORSHDR_EMAXAGE, CORSHDR_PART_SETTINGS, CORSHDR_NPOS, CORSHDR_NPOS,
                "a max_age of -1 to 86400 seconds (Firefox's cap; Chromium keeps 7200 at most)");
    if (cfg->preflight_status && (cfg->preflight_status < 200 || cfg->preflight_status > 299))
        problem(&pr, CORSHDR_ESTATUS, CORSHDR_PART_SETTINGS, CORSHDR_NPOS, CORSHDR_NPOS,
                "a preflight status of 200-299 (browsers fail any other)");
    *nproblems = pr.n;
    if (pr.n)
        return CORSHDR_EPOLICY;
    if (any_header)
        flags |= ANY_HEADER;

    /* storage: the names, the patterns, then the text */
    size_t nnamed = 0;
    for (size_t i = 0; i < cfg->nheaders; i++)
        nnamed += !span_is(cfg->headers[i], LIT("*"));
    size_t names_bytes = (nexact + nnamed) * sizeof(corshdr_name), patterns_bytes = npatterns * sizeof(pattern);
    size_t text_bytes = joined_len(cfg->methods, cfg->nmethods) + 3 + joined_len(cfg->headers, cfg->nheaders) + 3 +
                        joined_len(cfg->expose, cfg->nexpose) + 1 + 5 + origin_bytes;
    p->storage_needed = round8(names_bytes) + round8(patterns_bytes) + text_bytes;
    if (size < p->storage_needed)
        return CORSHDR_ENOSPC;
    corshdr_name *items = storage;
    pattern *pats = (pattern *)(void *)((char *)storage + round8(names_bytes));
    char *text = (char *)storage + round8(names_bytes) + round8(patterns_bytes);

    size_t at = 0;
    p->acam = render(text, &at, (flags & ANY_METHOD) && !cred ? "*" : NULL, cfg->methods,
                     (flags & ANY_METHOD) && !cred ? 0 : cfg->nmethods);
    p->acah = render(text, &at, any_header ? "*" : NULL, cfg->headers, cfg->nheaders);
    p->aceh = render(text, &at, expose_all ? "*" : NULL, expose_all ? NULL : cfg->expose, expose_all ? 0 : cfg->nexpose);
    if (cfg->max_age) {
        char digits[6];
        size_t nd = 0;
        for (uint32_t v = cfg->max_age < 0 ? 0 : (uint32_t)cfg->max_age; nd == 0 || v; v /= 10)
            digits[nd++] = (char)('0' + v % 10);
        p->acma = span_make(text + at, nd);
        while (nd)
            text[at++] = digits[--nd];
    }
    /* The origins: copied into the text, then exact ones into a sorted set and the rest into patterns. */
    corshdr_names_init(&p->exact, items, nexact);
    size_t np = 0;
    for (size_t i = 0; i < cfg->norigins; i++) {
        corshdr_span e = cfg->origins[i];
        if (span_is(e, LIT("*")))
            continue;
        memcpy(text + at, e.ptr, e.len);
        corshdr_span copy = span_make(text + at, e.len);
        at += e.len;
        pattern pt;
        size_t offset;
        const char *message;
        (void)parse_entry(copy, &pt, &offset, &message); /* checked above */
        if (pt.subdomains || pt.any_port)
            pats[np++] = pt;
        else
            (void)corshdr_names_add(&p->exact, copy.ptr, copy.len);
    }
    corshdr_names_sort(&p->exact);
    corshdr_names_init(&p->headers, items + nexact, nnamed);
    for (size_t i = 0; i < cfg->nheaders; i++) /* the names as rendered in acah, which outlives cfg */
        if (!span_is(cfg->headers[i], LIT("*"))) {
            const char *in = p->acah.ptr + (any_header ? 3 : 0);
            for (size_t k = 0; k < p->headers.count; k++)
                in += p->headers.items[k].name.len + 2;
            (void)corshdr_names_add(&p->headers, in, cfg->headers[i].len);
        }
    corshdr_names_sort(&p->headers);
    p->patterns = pats;
    p->npatterns = np;
    p->flags = flags;
    p->preflight_status = cfg->preflight_status ? cfg->preflight_status : 204;
    return CORSHDR_OK;
}

/* ---- apply: one request ---------------------------------------------------------------------------- */

static void put(corshdr_policy_answer *a, const char *name, size_t name_len, corshdr_span value)
{
    a->lines[a->nlines].name = span_make(name, name_len);
    a->lines[a->nlines].value = value;
    a->nlines++;
}

/* A policy holds a few names: up to this many a linear look (a length test discards most) beats a
 * binary search; beyond it, the sorted set's. */
enum { FEW = 16 };

/* Whether a valid origin is among the exact ones: canonical both, so bytes compare. */
static int exact_has(const corshdr_names *set, const char *o, size_t n)
{
    size_t at;
    if (set->count > FEW) /* the set finds names case-insensitively: HTTPS://APP.EXAMPLE is no origin */
        return corshdr_names_find(set, o, n, &at) == CORSHDR_OK && memcmp(set->items[at].name.ptr, o, n) == 0;
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].name.len == n && memcmp(set->items[i].name.ptr, o, n) == 0)
            return 1;
    return 0;
}

/* Whether a header name is among the named ones, case-insensitively. */
static int header_named(const corshdr_names *set, const char *h, size_t n)
{
    if (set->count > FEW)
        return corshdr_names_find(set, h, n, NULL) == CORSHDR_OK;
    for (size_t i = 0; i < set->count; i++)
        if (name_eq(set->items[i].name.ptr, set->items[i].name.len, h, n))
            return 1;
    return 0;
}

/* Whether a valid origin that is none of the exact ones is allowed by a pattern. */
static int origin_allowed(const corshdr_policy *p, const char *o, size_t n, const origin_parts *op)
{
    (void)n;
    const pattern *pt = p->patterns;
    for (size_t i = 0; i < p->npatterns; i++, pt++) {
        if (op->scheme_len + 3 != pt->prefix.len || memcmp(o, pt->prefix.ptr, pt->prefix.len) != 0)
            continue;
        const char *h = o + op->host;
        size_t hl = op->host_len;
        if (pt->subdomains ? !(hl > pt->host.len && !memcmp(h + hl - pt->host.len, pt->host.ptr, pt->host.len))
                           : !(hl == pt->host.len && !memcmp(h, pt->host.ptr, hl)))
            continue;
        if (pt->any_port || (op->has_port == pt->has_port && op->port == pt->port))
            return 1;
    }
    return 0;
}

/* Methods compare byte for byte (Fetch normalizes only the six standard ones, which browsers then send
 * uppercase); the rendered list is ", "-joined tokens. */
static int method_allowed(const corshdr_policy *p, corshdr_span m)
{
    if (corshdr_is_safelisted_method(m.ptr, m.len) || (p->flags & ANY_METHOD))
        return 1;
    const char *s = p->acam.ptr, *end = p->acam.ptr + p->acam.len; /* in the storage: never NULL */
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *e = comma ? comma : end;
        if ((size_t)(e - s) == m.len && memcmp(s, m.ptr, m.len) == 0)
            return 1;
        s = comma ? comma + 2 : end;
    }
    return 0;
}

/* The Corshdr-Reason value of a refusal: static text only, never a byte of the request. */
static corshdr_span reason_text(corshdr_status code)
{
    switch (code) {
    case CORSHDR_EORIGIN: return span_make(LIT("EORIGIN: the Origin is not a serialized origin"));
    case CORSHDR_EREPEATED: return span_make(LIT("EREPEATED: a CORS request header on two lines"));
    case CORSHDR_EVALUE: return span_make(LIT("EVALUE: NUL, CR or LF in a CORS request header"));
    case CORSHDR_ENULL: return span_make(LIT("ENULL: the null origin is not allowed"));
    case CORSHDR_EACAO: return span_make(LIT("EACAO: origin not allowed"));
    case CORSHDR_EMETHOD: return span_make(LIT("EMETHOD: method not allowed"));
    case CORSHDR_EHEADER: return span_make(LIT("EHEADER: a requested header is not allowed"));
    case CORSHDR_EAUTHORIZATION: return span_make(LIT("EAUTHORIZATION: Authorization must be allowed by name"));
    default: return span_make(LIT("ELIST: Access-Control-Request-Headers or -Method is malformed or too long"));
    }
}

/* Vary: what the answer was built from. Only OPTIONS answers depend on the two request headers; every
 * answer depends on Origin but the `*` that any origin gets when the policy allows all (Fetch: "CORS
 * protocol and HTTP caches"). Under `*` a request without Origin, or with a bad one, is answered
 * without it: a cache that kept that answer for all would fail every CORS request after it. */
static void vary(int star, int options, corshdr_policy_answer *a)
{
    if (!star)
        put(a, LIT("Vary"),
            options ? span_make(LIT("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"))
                    : span_make(LIT("Origin")));
    else if (options)
        put(a, LIT("Vary"), span_make(LIT("Access-Control-Request-Method, Access-Control-Request-Headers")));
}

/* A refusal: no CORS line, Vary, the reason in debug mode, 403 for a preflight. */
static corshdr_status refuse(const corshdr_policy *p, int options, corshdr_policy_answer *a, corshdr_status code,
                             size_t line, size_t offset, const char *expected)
{
    a->nlines = 0;
    (void)fail(&a->why, code, line, offset, expected);
    if (a->kind == CORSHDR_REQUEST_PREFLIGHT)
        a->status = 403;
    vary(0, options, a);
    if (p->flags & DEBUG)
        put(a, LIT("Corshdr-Reason"), reason_text(code));
    return code;
}

/* The trimmed value of a singleton request line, checked for NUL, CR and LF; *off its offset in the raw
 * value. CORSHDR_OK, EREPEATED or EVALUE (*line says where). */
static corshdr_status single_value(const corshdr_index *ix, int which, corshdr_span *v, size_t *line, size_t *off)
{
    *line = ix->line[which][ix->count[which] > 1];
    if (ix->count[which] > 1)
        return CORSHDR_EREPEATED;
    const corshdr_span *raw = &ix->fields[*line].value;
    if (!span_ok(raw->ptr, raw->len))
        return CORSHDR_EINVAL;
    if (value_has_ctl(nonnull(raw->ptr), raw->len)) {
        *off = corshdr__ctl_find(raw->ptr, raw->len);
        return CORSHDR_EVALUE;
    }
    *v = corshdr_value_trim(raw->ptr, raw->len);
    *off = (size_t)(v->ptr - nonnull(raw->ptr));
    return CORSHDR_OK;
}

/* Which line of Access-Control-Request-Headers holds an element, and its offset there. */
static void locate_element(const corshdr_index *ix, const char *e, size_t *line, size_t *off)
{
    size_t kept = ix->count[CORSHDR_ACRH] < CORSHDR_INDEX_KEPT ? ix->count[CORSHDR_ACRH] : CORSHDR_INDEX_KEPT;
    for (size_t l = 0; l < kept; l++) {
        const corshdr_span *v = &ix->fields[ix->line[CORSHDR_ACRH][l]].value;
        uintptr_t at = (uintptr_t)e, start = (uintptr_t)v->ptr; /* pointers into unrelated objects compare as numbers */
        if (at >= start && at - start < v->len) {
            *line = ix->line[CORSHDR_ACRH][l];
            *off = (size_t)(at - start);
            return;
        }
    }
    *line = ix->line[CORSHDR_ACRH][0];
    *off = CORSHDR_NPOS;
}

/* One requested header name: allowed by name, or by `*` unless it is Authorization. 0 or the refusal. */
static corshdr_status header_allowed(const corshdr_policy *p, corshdr_span name)
{
    if (header_named(&p->headers, name.ptr, name.len))
        return CORSHDR_OK;
    if (NAME_IS(name.ptr, name.len, "authorization")) /* Fetch: `*` never covers it */
        return (p->flags & ANY_HEADER) ? CORSHDR_EAUTHORIZATION : CORSHDR_EHEADER;
    return (p->flags & ANY_HEADER) ? CORSHDR_OK : CORSHDR_EHEADER;
}

/* Every element of Access-Control-Request-Headers, on however many lines, within opt's limits. */
static corshdr_status request_headers(const corshdr_policy *p, const corshdr_index *ix, const corshdr_options *opt,
                                      int options, corshdr_policy_answer *a)
{
    corshdr_span buf[64];
    size_t k = 0, line, off;
    corshdr_error e;
    corshdr_status st = corshdr__index_list(ix, CORSHDR_ACRH, opt, buf, 64, &k, &e);
    if (st == CORSHDR_OK) {
        for (size_t i = 0; i < k; i++)
            if ((st = header_allowed(p, buf[i])) != CORSHDR_OK) {
                locate_element(ix, buf[i].ptr, &line, &off);
                return refuse(p, options, a, st, line, off, "a request header the policy allows");
            }
        return CORSHDR_OK;
    }
    if (st != CORSHDR_ENOSPC)
        return refuse(p, options, a, st, e.line, e.offset, e.expected);
    /* more than 64 elements, all valid: read again one at a time (at most max_elements) */
    corshdr_list it;
    corshdr_span el;
    (void)corshdr_list_init(&it, ix->fields, ix->n, LIT("access-control-request-headers"), 0, opt, NULL);
    while (corshdr_list_next(&it, &el, NULL) == CORSHDR_OK)
        if ((st = header_allowed(p, el)) != CORSHDR_OK) {
            locate_element(ix, el.ptr, &line, &off);
            return refuse(p, options, a, st, line, off, "a request header the policy allows");
        }
    return CORSHDR_OK;
}

corshdr_status corshdr_policy_apply(const corshdr_policy *p, const char *method, size_t method_len,
                                    const corshdr_field *request, size_t n, const corshdr_options *opt,
                                    corshdr_policy_answer *a)
{
    if (!a)
        return CORSHDR_EINVAL;
    a->kind = CORSHDR_REQUEST_PLAIN;
    a->status = 0;
    a->nlines = 0;
    err_clear(&a->why);
    if (!p || !span_ok(method, method_len) || (!request && n))
        return fail(&a->why, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a policy, a method and the request");
    int options = method_len == 7 && !memcmp(method, "OPTIONS", 7);
    corshdr_index ix;
    corshdr__index_names(&ix, request, n, REQUEST_LENGTHS);
    if (ix.count[CORSHDR_ORIGIN] == 0) { /* not a CORS request; a cache must still tell it apart */
        vary(0, options, a);
        return fail(&a->why, CORSHDR_ABSENT, CORSHDR_NPOS, CORSHDR_NPOS, "an Origin line");
    }
    a->kind = options && ix.count[CORSHDR_ACRM] ? CORSHDR_REQUEST_PREFLIGHT : CORSHDR_REQUEST_ACTUAL;

    corshdr_span origin;
    size_t line, off;
    corshdr_status st = single_value(&ix, CORSHDR_ORIGIN, &origin, &line, &off);
    if (st != CORSHDR_OK)
        return refuse(p, options, a, st, line, st == CORSHDR_EREPEATED ? 0 : off, "one Origin line, a valid origin");
    corshdr_span acao = span_make(LIT("*"));
    if (origin.len == 4 && !memcmp(origin.ptr, "null", 4)) {
        if (!(p->flags & (NULL_ORIGIN | ANY_ORIGIN)))
            return refuse(p, options, a, CORSHDR_ENULL, line, off, "an origin the policy allows (null is not)");
        if (!(p->flags & ANY_ORIGIN))
            acao = origin;
    } else if (!(p->flags & ANY_ORIGIN) && exact_has(&p->exact, origin.ptr, origin.len)) {
        acao = origin; /* byte-equal to an origin compile checked: valid, allowed, no parse needed */
    } else {
        origin_parts op;
        corshdr_error e;
        if (corshdr__origin_parse(origin.ptr, origin.len, &op, &e) != CORSHDR_OK)
            return refuse(p, options, a, CORSHDR_EORIGIN, line, off + e.offset, e.expected);
        if (!(p->flags & ANY_ORIGIN)) {
            if (!origin_allowed(p, origin.ptr, origin.len, &op))
                return refuse(p, options, a, CORSHDR_EACAO, line, off, "an origin the policy allows");
            acao = origin; /* checked: a valid origin the policy allows */
        }
    }

    corshdr_span acam = {NULL, 0};
    int any_acrh = 0;
    if (a->kind == CORSHDR_REQUEST_PREFLIGHT) {
        /* Access-Control-Request-Method = method: one line, one token */
        corshdr_span m;
        if ((st = single_value(&ix, CORSHDR_ACRM, &m, &line, &off)) != CORSHDR_OK)
            return refuse(p, options, a, st, line, st == CORSHDR_EREPEATED ? 0 : off, "one method token");
        corshdr_error e;
        if ((st = corshdr_token_check(m.ptr, m.len, &e)) != CORSHDR_OK)
            return refuse(p, options, a, st, line, off + e.offset, "a method token");
        if (!method_allowed(p, m))
            return refuse(p, options, a, CORSHDR_EMETHOD, line, off, "a method the policy allows");
        if (!corshdr_is_safelisted_method(m.ptr, m.len))
            acam = (p->flags & ANY_METHOD) && (p->flags & CREDENTIALS) ? m : p->acam; /* `*` fails with credentials */
        if (ix.count[CORSHDR_ACRH]) {
            if ((st = request_headers(p, &ix, opt, options, a)) != CORSHDR_OK)
                return st;
            any_acrh = 1;
        }
    }

    put(a, LIT("Access-Control-Allow-Origin"), acao);
    if (p->flags & CREDENTIALS)
        put(a, LIT("Access-Control-Allow-Credentials"), span_make(LIT("true")));
    if (a->kind == CORSHDR_REQUEST_PREFLIGHT) {
        a->status = p->preflight_status;
        if (acam.len)
            put(a, LIT("Access-Control-Allow-Methods"), acam);
        if (any_acrh && p->acah.len)
            put(a, LIT("Access-Control-Allow-Headers"), p->acah);
        if (p->acma.len)
            put(a, LIT("Access-Control-Max-Age"), p->acma);
    } else if (p->aceh.len) {
        put(a, LIT("Access-Control-Expose-Headers"), p->aceh);
    }
    vary((p->flags & ANY_ORIGIN) != 0, options, a);
    return CORSHDR_OK;
}
