/*
 * probe_plan: the battery of `corshdr probe`. Pure: from the site's origin it derives the requests to send,
 * the union of what CORScanner, Corsy and httplint look at, and some more:
 *   - actual requests from the site's origin and from untrusted origins made to defeat common origin
 *     checks (reflection, null, prefix, suffix, substring, unescaped dot, special characters, third-party
 *     hosts, subdomains, http for an https site);
 *   - preflights from the site's origin: the method and headers the site uses, made-up ones (echoed
 *     without validation?), and hostile Access-Control-Request-Headers values (1024 commas, a 4 KiB name);
 *   - Origin values carrying an encoded CR LF, in the encodings servers are known to decode.
 * An attacker's own domain is "evil.invalid" (RFC 2606); names made from the site's name (suffix,
 * substring, unescaped dot) are planned only when an attacker can register them (probe_domain.c). The
 * values are only sent as header bytes to the target, never contacted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "probe.h"

/* The attacker's domain: reserved, so no real site can be hit by mistake. */
#define EVIL "evil.invalid"

/* What CORScanner and Corsy append to the host before ".evil..." to find a broken host parser; "%60" and
 * "%0b" are sent as these three bytes, to catch a server that percent-decodes Origin. */
static const char *const special_chars[] = {"_", "-", "\"", "{", "}", "+", "^", "%60", "!", "~", "`",
                                            ";", "|", "&", "'", "(", ")", "*", ",", "$", "=", "%0b"};

/* Public code-hosting and paste sites, where anyone can run script (CORScanner's list, trimmed). */
static const char *const third_parties[] = {"https://codepen.io", "https://jsfiddle.net", "https://jsbin.com",
                                            "https://evil.github.io", "http://evil.s3.amazonaws.com"};

/* CR LF in the encodings servers have been seen to decode: percent (both cases), a bare LF, and the two
 * code points U+560D U+560A, whose low bytes are CR and LF (servers that truncate UTF-16 to bytes). */
static const char *const crlf_encodings[] = {"%0d%0a", "%0D%0A", "%0a", "\xE5\x98\x8D\xE5\x98\x8A"};

/* Header names and a method no application uses: an answer that lists them echoes the request. */
#define MADE_UP_HEADERS "x-corshdr-made-up-1,x-corshdr-made-up-2"
#define MADE_UP_HEADER "x-corshdr-made-up-1"
#define MADE_UP_METHOD "CORSHDR-MADE-UP"

/* Hostile Access-Control-Request-Headers: as many empty elements as the library's default limit, then a
 * name; and one name of 4 KiB, under the 8 KiB line limit of common servers so that it reaches the app. */
#define HOSTILE_COMMAS 1024
#define HOSTILE_NAME_BYTES 4096
#define HOSTILE_TAIL "x-corshdr-hostile"

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

/* Keeps a copy of the bytes in the plan; the span points at the copy. */
static int keep(probe_plan *plan, const char *p, size_t n, corshdr_span *out)
{
    void *strings = plan->strings;
    if (grow(&strings, &plan->strings_cap, plan->nstrings + 1, sizeof *plan->strings) != 0)
        return -1;
    plan->strings = strings;
    char *copy = malloc(n ? n : 1);
    if (!copy)
        return -1;
    if (n)
        memcpy(copy, p, n);
    plan->strings[plan->nstrings++] = copy;
    *out = (corshdr_span){copy, n};
    return 0;
}

/* Formats into a kept string. */
static int keepf(probe_plan *plan, corshdr_span *out, const char *fmt, ...) CLI_PRINTF(3, 4);
static int keepf(probe_plan *plan, corshdr_span *out, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    return keep(plan, buf, (size_t)n, out);
}

static int span_eq(corshdr_span a, corshdr_span b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* A new request, or NULL when out of memory. The name is printf-formatted. */
static probe_request *add(probe_plan *plan, probe_role role, int preflight, const char *fmt, ...) CLI_PRINTF(4, 5);
static probe_request *add(probe_plan *plan, probe_role role, int preflight, const char *fmt, ...)
{
    void *items = plan->items;
    if (grow(&items, &plan->cap, plan->count + 1, sizeof *plan->items) != 0)
        return NULL;
    plan->items = items;
    probe_request *rq = &plan->items[plan->count++];
    memset(rq, 0, sizeof *rq);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rq->name, sizeof rq->name, fmt, ap);
    va_end(ap);
    rq->role = role;
    rq->preflight = preflight;
    return rq;
}

/* An actual request from an untrusted origin, unless that origin is the site's own or already planned.
 * 0, or -1 when out of memory. */
static int add_origin(probe_plan *plan, const probe_target *t, probe_class cls, const char *name,
                      corshdr_span origin)
{
    if (span_eq(origin, t->origin))
        return 0;
    for (size_t i = 0; i < plan->count; i++)
        if (plan->items[i].role == PROBE_ROLE_ORIGIN && span_eq(plan->items[i].origin, origin))
            return 0;
    probe_request *rq = add(plan, PROBE_ROLE_ORIGIN, 0, "%s", name);
    if (!rq)
        return -1;
    rq->cls = cls;
    rq->origin = origin;
    return 0;
}

/* scheme "://" host port-suffix, into a kept string. */
static int origin_of(probe_plan *plan, const probe_target *t, corshdr_span scheme, const char *host_before,
                     corshdr_span host, const char *host_after, corshdr_span *out)
{
    return keepf(plan, out, "%.*s://%s%.*s%s%s%.*s", (int)scheme.len, scheme.ptr, host_before, (int)host.len,
                 host.ptr, host_after, t->port.len ? ":" : "", (int)t->port.len, t->port.ptr);
}

/* An untrusted origin made from the site's name, planned only when an attacker can register it. */
static int add_attacker(probe_plan *plan, const probe_target *t, const probe_domains *d, probe_class cls,
                        const char *name, const char *before, corshdr_span host, const char *after)
{
    char buf[300];
    int n = snprintf(buf, sizeof buf, "%s%.*s%s", before, (int)host.len, host.ptr, after);
    if (n < 0 || (size_t)n >= sizeof buf ||
        !probe_attacker_domain(d, (corshdr_span){buf, (size_t)n}, t->registrable))
        return 0;
    corshdr_span o;
    if (origin_of(plan, t, t->scheme, "", (corshdr_span){buf, (size_t)n}, "", &o) != 0)
        return -1;
    return add_origin(plan, t, cls, name, o);
}

static int plan_origins(probe_plan *plan, const probe_target *t, const probe_domains *d)
{
    corshdr_span o, h = t->host, r = t->registrable;
    corshdr_span evil = {EVIL, sizeof EVIL - 1};
    char name[32];

    /* Reflection: an unrelated origin (plan_preflights sends it by a preflight too). */
    if (origin_of(plan, t, t->scheme, "", evil, "", &o) != 0 || add_origin(plan, t, PROBE_CLASS_REFLECTED,
                                                                           "origin-reflected", o) != 0)
        return -1;
    if (keep(plan, "null", 4, &o) != 0 || add_origin(plan, t, PROBE_CLASS_NULL, "origin-null", o) != 0)
        return -1;

    /* app.example.com.evil.invalid passes startsWith("https://app.example.com") and /app\.example\.com/.
     * ".invalid" stands for any domain of the attacker's (RFC 2606: it never names a real site). */
    if (origin_of(plan, t, t->scheme, "", h, "." EVIL, &o) != 0 ||
        add_origin(plan, t, PROBE_CLASS_PREFIX, "origin-prefix", o) != 0)
        return -1;
    /* The names below are made from the site's own name, so their shape is the point: each is sent only
     * when it is another registrable domain (Public Suffix List), one that an attacker can own. */
    if (r.len) {
        /* evilexample.com and evil-example.com pass endsWith("example.com"). */
        if (add_attacker(plan, t, d, PROBE_CLASS_SUFFIX, "origin-suffix-1", "evil", r, "") != 0 ||
            add_attacker(plan, t, d, PROBE_CLASS_SUFFIX, "origin-suffix-2", "evil-", r, "") != 0)
            return -1;
        /* Parts of the site's name pass a contains check the wrong way round: app.example.co passes
         * "https://app.example.com".includes(origin), xample.com passes "app.example.com".includes(host). */
        if (add_attacker(plan, t, d, PROBE_CLASS_SUBSTRING, "origin-substring-1", "",
                         (corshdr_span){h.ptr, h.len - 1}, "") != 0 ||
            add_attacker(plan, t, d, PROBE_CLASS_SUBSTRING, "origin-substring-2", "",
                         (corshdr_span){r.ptr + 1, r.len - 1}, "") != 0)
            return -1;
        /* /^https:\/\/(www.)?example.com$/: a dot of the host replaced by 'x', where that gives another
         * registrable domain (wwwxexample.com, not www.examplexcom). Named by the dot's place. */
        size_t dots = 0;
        for (size_t i = 0; i < h.len && h.len < 300; i++) {
            if (h.ptr[i] != '.')
                continue;
            char host[300];
            memcpy(host, h.ptr, h.len);
            host[i] = 'x';
            snprintf(name, sizeof name, "origin-dot-%zu", ++dots);
            if (add_attacker(plan, t, d, PROBE_CLASS_UNESCAPED_DOT, name, "", (corshdr_span){host, h.len}, "") != 0)
                return -1;
        }
    }
    /* host + special character + ".evil.invalid": browsers such as Safari send some of these. */
    for (size_t i = 0; i < sizeof special_chars / sizeof special_chars[0]; i++) {
        char after[64];
        snprintf(after, sizeof after, "%s." EVIL, special_chars[i]);
        snprintf(name, sizeof name, "origin-special-%zu", i + 1);
        if (origin_of(plan, t, t->scheme, "", h, after, &o) != 0 ||
            add_origin(plan, t, PROBE_CLASS_SPECIAL_CHAR, name, o) != 0)
            return -1;
    }
    for (size_t i = 0; i < sizeof third_parties / sizeof third_parties[0]; i++) {
        snprintf(name, sizeof name, "origin-third-party-%zu", i + 1);
        if (keep(plan, third_parties[i], strlen(third_parties[i]), &o) != 0 ||
            add_origin(plan, t, PROBE_CLASS_THIRD_PARTY, name, o) != 0)
            return -1;
    }
    /* Trust in the site's own subdomains, and in the other subdomains of its registrable domain (its
     * siblings): not an attacker's name, but any script or takeover there reads the site's answers. */
    if (!probe_host_is_ip(h)) {
        if (origin_of(plan, t, t->scheme, "evil.", h, "", &o) != 0 ||
            add_origin(plan, t, PROBE_CLASS_SUBDOMAIN, "origin-subdomain", o) != 0)
            return -1;
        if (r.len && (origin_of(plan, t, t->scheme, "evil.", r, "", &o) != 0 ||
                      add_origin(plan, t, PROBE_CLASS_SIBLING, "origin-sibling", o) != 0))
            return -1;
    }
    /* An https site trusting its own host over http trusts anyone on the network path. */
    static const char https[] = "https";
    if (span_eq(t->scheme, (corshdr_span){https, sizeof https - 1})) {
        if (origin_of(plan, t, (corshdr_span){"http", 4}, "", h, "", &o) != 0 ||
            add_origin(plan, t, PROBE_CLASS_HTTP, "origin-http", o) != 0)
            return -1;
    }
    return 0;
}

static int plan_crlf(probe_plan *plan, const probe_target *t)
{
    corshdr_span marker = {PROBE_MARKER_HEADER, sizeof PROBE_MARKER_HEADER - 1};
    for (size_t i = 0; i < sizeof crlf_encodings / sizeof crlf_encodings[0]; i++) {
        probe_request *rq = add(plan, PROBE_ROLE_CRLF, 0, "crlf-%zu", i + 1);
        if (!rq)
            return -1;
        /* A space after the colon would be a separate element to some decoders: %20 keeps it one token. */
        if (keepf(plan, &rq->origin, "%.*s://" EVIL "%s" PROBE_MARKER_HEADER ":%s%zu", (int)t->scheme.len,
                  t->scheme.ptr, crlf_encodings[i], i < 2 ? "%20" : "", i + 1) != 0)
            return -1;
        rq->marker = marker;
    }
    return 0;
}

static int plan_preflights(probe_plan *plan, const probe_target *t)
{
    probe_request *rq = add(plan, PROBE_ROLE_SITE_PREFLIGHT, 1, "site-preflight");
    if (!rq)
        return -1;
    rq->origin = t->origin;
    rq->acrm = t->method;
    rq->acrh = t->acrh;

    /* The unrelated origin of plan_origins again, by a preflight: some servers validate only one kind. */
    for (size_t i = 0; i < plan->count; i++) {
        if (plan->items[i].role != PROBE_ROLE_ORIGIN || plan->items[i].cls != PROBE_CLASS_REFLECTED)
            continue;
        corshdr_span evil = plan->items[i].origin;
        if (!(rq = add(plan, PROBE_ROLE_ORIGIN, 1, "origin-reflected-preflight")))
            return -1;
        rq->cls = PROBE_CLASS_REFLECTED;
        rq->origin = evil;
        rq->acrm = t->method;
        break;
    }

    if (!(rq = add(plan, PROBE_ROLE_ACRH_MADE_UP, 1, "acrh-made-up")))
        return -1;
    rq->origin = t->origin;
    rq->acrm = t->method;
    rq->acrh = (corshdr_span){MADE_UP_HEADERS, sizeof MADE_UP_HEADERS - 1};
    rq->marker = (corshdr_span){MADE_UP_HEADER, sizeof MADE_UP_HEADER - 1};

    if (!(rq = add(plan, PROBE_ROLE_ACRM_MADE_UP, 1, "acrm-made-up")))
        return -1;
    rq->origin = t->origin;
    rq->acrm = (corshdr_span){MADE_UP_METHOD, sizeof MADE_UP_METHOD - 1};
    rq->marker = rq->acrm;

    /* Fetch sends ACRH as names joined by "," without spaces; a hostile client sends anything. */
    char *buf = malloc(HOSTILE_COMMAS + HOSTILE_NAME_BYTES);
    if (!buf)
        return -1;
    memset(buf, ',', HOSTILE_COMMAS);
    memcpy(buf + HOSTILE_COMMAS, HOSTILE_TAIL, sizeof HOSTILE_TAIL - 1);
    int bad = !(rq = add(plan, PROBE_ROLE_HOSTILE_ACRH, 1, "hostile-commas")) ||
              keep(plan, buf, HOSTILE_COMMAS + sizeof HOSTILE_TAIL - 1, &rq->acrh) != 0;
    if (!bad) {
        rq->origin = t->origin;
        rq->acrm = t->method;
        rq->marker = (corshdr_span){rq->acrh.ptr + HOSTILE_COMMAS, sizeof HOSTILE_TAIL - 1};
        rq->exclusive = 1; /* timed: nothing else of the target in flight to slow the server */
        memcpy(buf, "x-", 2);
        memset(buf + 2, 'a', HOSTILE_NAME_BYTES - 2);
        bad = !(rq = add(plan, PROBE_ROLE_HOSTILE_ACRH, 1, "hostile-long-name")) ||
              keep(plan, buf, HOSTILE_NAME_BYTES, &rq->acrh) != 0;
        if (!bad) {
            rq->origin = t->origin;
            rq->acrm = t->method;
            rq->marker = rq->acrh;
            rq->exclusive = 1;
        }
    }
    free(buf);
    return bad ? -1 : 0;
}

int probe_plan_build(const probe_target *t, const probe_domains *d, probe_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    /* The site's own actual request goes first, alone: it tells whether the host answers at all. */
    probe_request *rq = add(plan, PROBE_ROLE_SITE, 0, "site");
    if (!rq)
        return -1;
    rq->origin = t->origin;
    rq->exclusive = 1;
    if (plan_origins(plan, t, d) != 0 || plan_crlf(plan, t) != 0 || plan_preflights(plan, t) != 0) {
        probe_plan_free(plan);
        return -1;
    }
    return 0;
}

int probe_request_may_fail(const probe_request *rq)
{
    return rq->role == PROBE_ROLE_CRLF || rq->role == PROBE_ROLE_HOSTILE_ACRH;
}

void probe_plan_free(probe_plan *plan)
{
    for (size_t i = 0; i < plan->nstrings; i++)
        free(plan->strings[i]);
    free(plan->strings);
    free(plan->items);
    memset(plan, 0, sizeof *plan);
}
