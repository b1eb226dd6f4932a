/*
 * probe_checks: the findings of `corshdr probe`. Pure: reads the responses to the battery (probe_plan.c)
 * and says what they prove. Every header is read by the library, the way a browser reads it (Fetch's CORS
 * check, preflight, max-age, list extraction, "get, decode, and split"); nothing here parses a header
 * value itself. A finding keeps the first request that showed it, the head lines that prove it, and how
 * many responses showed it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "probe.h"
#include "sized.h"

/* Indexed by probe_id. The man page's table says the same; tools/tests/test_probe_replay.py checks both. */
static const probe_finding_def defs[PROBE_ID_COUNT] = {
    [F_CRLF_INJECTION] = {"CORS-CRLF-INJECTION", PROBE_CRITICAL,
                          "a decoded CR LF from Origin splits the response: header injection"},
    [F_ORIGIN_REFLECTED_CREDENTIALS] = {"CORS-ORIGIN-REFLECTED-CREDENTIALS", PROBE_CRITICAL,
                                        "any origin may read responses, with the user's credentials"},
    [F_ORIGIN_NULL_CREDENTIALS] = {"CORS-ORIGIN-NULL-CREDENTIALS", PROBE_CRITICAL,
                                   "the null origin (any sandboxed page) may read responses, with credentials"},
    [F_ORIGIN_PREFIX_CREDENTIALS] = {"CORS-ORIGIN-PREFIX-CREDENTIALS", PROBE_CRITICAL,
                                     "an attacker's host starting with the site's host may read, with credentials"},
    [F_ORIGIN_SUFFIX_CREDENTIALS] = {"CORS-ORIGIN-SUFFIX-CREDENTIALS", PROBE_CRITICAL,
                                     "an attacker's domain ending with the site's domain may read, with credentials"},
    [F_ORIGIN_SUBSTRING_CREDENTIALS] = {"CORS-ORIGIN-SUBSTRING-CREDENTIALS", PROBE_CRITICAL,
                                        "an attacker's domain that is a part of the site's host may read, "
                                        "with credentials"},
    [F_ORIGIN_UNESCAPED_DOT_CREDENTIALS] = {"CORS-ORIGIN-UNESCAPED-DOT-CREDENTIALS", PROBE_HIGH,
                                            "an attacker's domain made by replacing a dot of the host may "
                                            "read (an unescaped regex dot), with credentials"},
    [F_ORIGIN_SPECIAL_CHAR_CREDENTIALS] = {"CORS-ORIGIN-SPECIAL-CHAR-CREDENTIALS", PROBE_HIGH,
                                           "host + special character + attacker domain is trusted, with credentials"},
    [F_ORIGIN_THIRD_PARTY_CREDENTIALS] = {"CORS-ORIGIN-THIRD-PARTY-CREDENTIALS", PROBE_HIGH,
                                          "a public code-hosting origin may read responses, with credentials"},
    [F_ORIGIN_SUBDOMAIN_CREDENTIALS] = {"CORS-ORIGIN-SUBDOMAIN-CREDENTIALS", PROBE_MEDIUM,
                                        "any subdomain of the site's host may read responses, with credentials"},
    [F_ORIGIN_SIBLING_CREDENTIALS] = {"CORS-ORIGIN-SIBLING-CREDENTIALS", PROBE_MEDIUM,
                                      "any subdomain of the site's registrable domain may read responses, "
                                      "with credentials"},
    [F_ORIGIN_HTTP_CREDENTIALS] = {"CORS-ORIGIN-HTTP-CREDENTIALS", PROBE_MEDIUM,
                                   "the https site trusts its host over plain http, with credentials"},
    [F_ORIGIN_REFLECTED] = {"CORS-ORIGIN-REFLECTED", PROBE_MEDIUM,
                            "any origin may read responses (without credentials)"},
    [F_ORIGIN_NULL] = {"CORS-ORIGIN-NULL", PROBE_MEDIUM,
                       "the null origin (any sandboxed page) may read responses (without credentials)"},
    [F_ORIGIN_PREFIX] = {"CORS-ORIGIN-PREFIX", PROBE_MEDIUM,
                         "an attacker's host starting with the site's host may read (without credentials)"},
    [F_ORIGIN_SUFFIX] = {"CORS-ORIGIN-SUFFIX", PROBE_MEDIUM,
                         "an attacker's domain ending with the site's domain may read (without credentials)"},
    [F_ORIGIN_SUBSTRING] = {"CORS-ORIGIN-SUBSTRING", PROBE_MEDIUM,
                            "an attacker's domain that is a part of the site's host may read (without "
                            "credentials)"},
    [F_ORIGIN_UNESCAPED_DOT] = {"CORS-ORIGIN-UNESCAPED-DOT", PROBE_LOW,
                                "an attacker's domain made by replacing a dot of the host may read (without "
                                "credentials)"},
    [F_ORIGIN_SPECIAL_CHAR] = {"CORS-ORIGIN-SPECIAL-CHAR", PROBE_LOW,
                               "host + special character + attacker domain is trusted (without credentials)"},
    [F_ORIGIN_THIRD_PARTY] = {"CORS-ORIGIN-THIRD-PARTY", PROBE_LOW,
                              "a public code-hosting origin may read responses (without credentials)"},
    [F_ORIGIN_SUBDOMAIN] = {"CORS-ORIGIN-SUBDOMAIN", PROBE_LOW,
                            "any subdomain of the site's host may read responses (without credentials)"},
    [F_ORIGIN_SIBLING] = {"CORS-ORIGIN-SIBLING", PROBE_LOW,
                          "any subdomain of the site's registrable domain may read responses (without "
                          "credentials)"},
    [F_ORIGIN_HTTP] = {"CORS-ORIGIN-HTTP", PROBE_LOW,
                       "the https site trusts its host over plain http (without credentials)"},
    [F_ORIGIN_DECODED] = {"CORS-ORIGIN-DECODED", PROBE_MEDIUM,
                          "the server percent-decodes Origin before matching or echoing it"},
    [F_HOSTILE_ACRH_SLOW] = {"CORS-HOSTILE-ACRH-SLOW", PROBE_MEDIUM,
                             "a hostile Access-Control-Request-Headers makes the answer slow"},
    [F_WILDCARD_CREDENTIALS] = {"CORS-WILDCARD-CREDENTIALS", PROBE_LOW,
                                "Access-Control-Allow-Origin: * with credentials allowed (browsers refuse it)"},
    [F_ACAO_MULTIPLE] = {"CORS-ACAO-MULTIPLE", PROBE_LOW,
                         "several Access-Control-Allow-Origin values or lines (browsers refuse them)"},
    [F_ACAO_INVALID] = {"CORS-ACAO-INVALID", PROBE_LOW,
                        "Access-Control-Allow-Origin is not *, null or a serialized origin"},
    [F_ACAC_INVALID] = {"CORS-ACAC-INVALID", PROBE_LOW, "Access-Control-Allow-Credentials is not exactly `true`"},
    [F_ACAH_INVALID] = {"CORS-ACAH-INVALID", PROBE_LOW,
                        "Access-Control-Allow-Headers is not a list of tokens (the preflight fails)"},
    [F_ACAM_INVALID] = {"CORS-ACAM-INVALID", PROBE_LOW,
                        "Access-Control-Allow-Methods is not a list of tokens (the preflight fails)"},
    [F_ACEH_INVALID] = {"CORS-ACEH-INVALID", PROBE_LOW,
                        "Access-Control-Expose-Headers is not a list of tokens (it exposes nothing)"},
    [F_ACEH_SET_COOKIE] = {"CORS-ACEH-SET-COOKIE", PROBE_LOW,
                           "Access-Control-Expose-Headers lists Set-Cookie, which browsers never expose"},
    [F_HEADER_INVALID] = {"CORS-HEADER-INVALID", PROBE_LOW,
                          "a header line is invalid: browsers treat the response as a network error"},
    [F_VARY_ORIGIN_MISSING] = {"CORS-VARY-ORIGIN-MISSING", PROBE_LOW,
                               "Access-Control-Allow-Origin depends on Origin but Vary does not say so"},
    [F_PREFLIGHT_STATUS] = {"CORS-PREFLIGHT-STATUS", PROBE_LOW,
                            "a preflight allowing the origin has a non-2xx status (browsers reject it)"},
    [F_MAX_AGE_INVALID] = {"CORS-MAX-AGE-INVALID", PROBE_LOW,
                           "Access-Control-Max-Age is not a non-negative integer on one line"},
    [F_MAX_AGE_EXCESSIVE] = {"CORS-MAX-AGE-EXCESSIVE", PROBE_LOW,
                             "Access-Control-Max-Age is above every engine's cap (86400 s)"},
    [F_ACRH_REFLECTED] = {"CORS-ACRH-REFLECTED", PROBE_LOW,
                          "requested header names are echoed in Access-Control-Allow-Headers unvalidated"},
    [F_ACRM_REFLECTED] = {"CORS-ACRM-REFLECTED", PROBE_LOW,
                          "the requested method is echoed in Access-Control-Allow-Methods unvalidated"},
    [F_HOSTILE_ACRH_ERROR] = {"CORS-HOSTILE-ACRH-ERROR", PROBE_LOW,
                              "a hostile Access-Control-Request-Headers makes the server fail"},
    [F_WILDCARD] = {"CORS-WILDCARD", PROBE_INFO,
                    "Access-Control-Allow-Origin: *: any origin may read responses without credentials"},
    [F_PREFLIGHT_ONLY_HEADER] = {"CORS-PREFLIGHT-ONLY-HEADER", PROBE_INFO,
                                 "Access-Control-Allow-Methods, -Headers or Max-Age on a non-preflight response"},
    [F_OBSOLETE_HEADER] = {"CORS-OBSOLETE-HEADER", PROBE_INFO,
                           "the obsolete Access-Control header (a 2007 draft), which no browser reads"},
    [F_MAX_AGE_CAPPED] = {"CORS-MAX-AGE-CAPPED", PROBE_INFO,
                          "Access-Control-Max-Age is above some engines' caps (WebKit 600 s, Chromium 7200 s)"},
    [F_HOSTILE_ACRH_ECHOED] = {"CORS-HOSTILE-ACRH-ECHOED", PROBE_INFO,
                               "a hostile Access-Control-Request-Headers is echoed back whole"},
    [F_SITE_ORIGIN_DENIED] = {"CORS-SITE-ORIGIN-DENIED", PROBE_INFO,
                              "the site's own origin fails the CORS check"},
    [F_SITE_PREFLIGHT_DENIED] = {"CORS-SITE-PREFLIGHT-DENIED", PROBE_INFO,
                                 "the site's own preflight fails"},
};

static const char *const severity_names[PROBE_SEVERITY_COUNT] = {"info", "low", "medium", "high", "critical"};

const char *probe_severity_name(probe_severity s)
{
    return (unsigned)s < PROBE_SEVERITY_COUNT ? severity_names[s] : "unknown";
}

int probe_severity_parse(const char *s, probe_severity *out)
{
    for (int i = 0; i < PROBE_SEVERITY_COUNT; i++)
        if (strcmp(s, severity_names[i]) == 0) {
            *out = (probe_severity)i;
            return 0;
        }
    return -1;
}

const probe_finding_def *probe_finding_info(probe_id id)
{
    return (unsigned)id < PROBE_ID_COUNT ? &defs[id] : NULL;
}

/* ---- header names and a response's lines ---------------------------------------------------------------- */

#define ACAO "Access-Control-Allow-Origin"
#define ACAC "Access-Control-Allow-Credentials"
#define ACAH "Access-Control-Allow-Headers"
#define ACAM "Access-Control-Allow-Methods"
#define ACEH "Access-Control-Expose-Headers"
#define ACMA "Access-Control-Max-Age"
#define VARY "Vary"
#define OBSOLETE "Access-Control"
#define SPAN(lit) ((corshdr_span){(lit), sizeof(lit) - 1})

/* WebKit caps the preflight cache at 600 s, Chromium at 7200 s, Firefox at 86400 s. */
#define CAP_WEBKIT 600u
#define CAP_CHROMIUM 7200u
#define CAP_FIREFOX 86400u

static const corshdr_error no_error = {CORSHDR_OK, CORSHDR_NPOS, CORSHDR_NPOS, 0, ""};

static int usable(const probe_response *r)
{
    return !r->failed && !r->malformed && r->head;
}

static int named(const corshdr_field *f, corshdr_span name)
{
    return corshdr_name_compare(f->name.ptr, f->name.len, name.ptr, name.len) == 0;
}

static size_t count_named(const probe_response *r, corshdr_span name)
{
    size_t n = 0;
    for (size_t i = 0; i < r->info.nfields; i++)
        n += (size_t)named(&r->fields[i], name);
    return n;
}

static int span_eq(corshdr_span a, corshdr_span b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

corshdr_span probe_head_line(const probe_response *r, size_t line)
{
    corshdr_span s = {NULL, 0};
    const char *p = r->head, *end = r->head ? r->head + r->head_len : NULL;
    for (size_t n = 1; p && p < end; n++) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        size_t len = lf ? (size_t)(lf - p) : (size_t)(end - p);
        if (n == line) {
            s.ptr = p;
            s.len = len && p[len - 1] == '\r' ? len - 1 : len;
            return s;
        }
        p = lf ? lf + 1 : end;
    }
    return s;
}

int probe_response_parse(probe_response *r)
{
    /* One field per line at most: the count of LFs bounds it, and the reader's own limit caps it. */
    size_t cap = 1;
    for (size_t i = 0; i < r->head_len && cap < HEAD_MAX_FIELDS; i++)
        cap += r->head[i] == '\n';
    free(r->fields);
    r->malformed = 0;
    r->fields = calloc(cap, sizeof *r->fields);
    if (!r->fields)
        return -1;
    if (head_parse(r->head, r->head_len, r->fields, cap, &r->info, &r->herr) != HEAD_OK) {
        r->malformed = 1;
        snprintf(r->error, sizeof r->error, "line %zu, column %zu: %s (expected %s)", r->herr.line,
                 r->herr.column, head_strerror(r->herr.code), r->herr.expected);
        r->info.nfields = 0;
    }
    return 0;
}

void probe_response_free(probe_response *r)
{
    free(r->head);
    free(r->fields);
    free(r->url);
    memset(r, 0, sizeof *r);
}

/* ---- findings under construction ------------------------------------------------------------------------- */

struct analysis {
    const probe_target *t;
    const probe_plan *plan;
    const probe_response *responses;
    const probe_check_options *opt;
    probe_finding all[PROBE_ID_COUNT]; /* indexed by ID; occurrences 0 means not found */
    double median_ms;
};

/* Counts one more response showing `id`; returns the finding to fill the first time, NULL after. */
static probe_finding *hit(struct analysis *a, probe_id id, size_t request)
{
    probe_finding *f = &a->all[id];
    if (f->occurrences++)
        return NULL;
    f->id = id;
    f->request = request;
    return f;
}

static void add_line(probe_finding *f, size_t line)
{
    size_t i = 0;
    while (i < f->nlines && f->lines[i] < line)
        i++;
    if ((i < f->nlines && f->lines[i] == line) || f->nlines == PROBE_MAX_EVIDENCE)
        return;
    memmove(&f->lines[i + 1], &f->lines[i], (f->nlines - i) * sizeof f->lines[0]);
    f->lines[i] = line;
    f->nlines++;
}

static void add_lines_named(probe_finding *f, const probe_response *r, corshdr_span name)
{
    for (size_t i = 0; i < r->info.nfields; i++)
        if (named(&r->fields[i], name))
            add_line(f, head_field_line(i));
}

/* The line of a library error, or every line of the header when the error names none. */
static void add_error_line(probe_finding *f, const probe_response *r, const corshdr_error *err, corshdr_span name)
{
    if (err->line < r->info.nfields)
        add_line(f, head_field_line(err->line));
    else
        add_lines_named(f, r, name);
}

/* Appends to f->detail, printf style. */
static void say(probe_finding *f, const char *fmt, ...) CLI_PRINTF(2, 3);
static void say(probe_finding *f, const char *fmt, ...)
{
    size_t len = strlen(f->detail);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail + len, sizeof f->detail - len, fmt, ap);
    va_end(ap);
}

/* Appends bytes, escaped (printable ASCII as is, others as \xHH) and cut after 64 bytes. */
static void say_bytes(probe_finding *f, corshdr_span s)
{
    size_t shown = s.len > 64 ? 64 : s.len;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            say(f, "%c", c);
        else
            say(f, "\\x%02X", c);
    }
    if (shown < s.len)
        say(f, "... (%zu bytes)", s.len);
}

static void say_error(probe_finding *f, corshdr_status st)
{
    say(f, "%s: %s", corshdr_err_name(st), corshdr_strerror(st));
}

/* ---- library readings of one response --------------------------------------------------------------------- */

/* The trimmed value of the only ACAO line; 0 when there is no line or several. */
static int acao_value(const probe_response *r, corshdr_span *value)
{
    size_t index;
    if (count_named(r, SPAN(ACAO)) != 1 ||
        corshdr_header_find(r->fields, r->info.nfields, ACAO, sizeof ACAO - 1, &index) != CORSHDR_OK)
        return 0;
    *value = corshdr_value_trim(r->fields[index].value.ptr, r->fields[index].value.len);
    return 1;
}

/* Fetch "get" of ACAC is exactly `true`. */
static int acac_true(const probe_response *r)
{
    char buf[8];
    size_t len;
    return corshdr_header_combine(r->fields, r->info.nfields, ACAC, sizeof ACAC - 1, buf, sizeof buf, &len) ==
               CORSHDR_OK &&
           span_eq((corshdr_span){buf, len}, SPAN("true"));
}

/* Whether the #token list `header` holds `want` (any case). A list that fails after the element still
 * counts: this asks whether the server echoed something, not what a browser would allow. */
static int list_has(const probe_response *r, const char *header, corshdr_span want)
{
    corshdr_list it;
    corshdr_span e;
    corshdr_error err = no_error;
    if (corshdr_list_init(&it, r->fields, r->info.nfields, header, strlen(header), 0, NULL, &err) != CORSHDR_OK)
        return 0;
    int found = 0;
    while (corshdr_list_next(&it, &e, &err) == CORSHDR_OK)
        found |= corshdr_name_compare(e.ptr, e.len, want.ptr, want.len) == 0;
    return found;
}

/* Vary (Fetch "get, decode, and split") names Origin or is `*`. */
static int varies_on_origin(const probe_response *r)
{
    char *value;
    size_t len;
    if (sized_combine(r->fields, r->info.nfields, VARY, sizeof VARY - 1, &value, &len) != CORSHDR_OK)
        return 0;
    corshdr_split s;
    corshdr_span e;
    int found = 0;
    corshdr_split_init(&s, value, len);
    while (!found && corshdr_split_next(&s, &e) == CORSHDR_OK)
        found = corshdr_name_compare(e.ptr, e.len, "origin", 6) == 0 || span_eq(e, SPAN("*"));
    free(value);
    return found;
}

/* 0 not readable by the origin, 1 readable without credentials (and not through `*`), 2 with credentials. */
static int trust_level(const probe_response *r, corshdr_span origin)
{
    corshdr_span v;
    if (corshdr_cors_check(r->fields, r->info.nfields, origin.ptr, origin.len, CORSHDR_CREDENTIALS_INCLUDE,
                           NULL) == CORSHDR_OK)
        return 2;
    if (corshdr_cors_check(r->fields, r->info.nfields, origin.ptr, origin.len, CORSHDR_CREDENTIALS_OMIT, NULL) ==
            CORSHDR_OK &&
        acao_value(r, &v) && !span_eq(v, SPAN("*")))
        return 1;
    return 0;
}

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Whether `value` is `sent` with its %XX escapes decoded, and differs from it. */
static int is_decoded(corshdr_span sent, corshdr_span value)
{
    size_t j = 0;
    int changed = 0;
    for (size_t i = 0; i < sent.len; i++, j++) {
        char c = sent.ptr[i];
        if (c == '%' && i + 2 < sent.len && hex(sent.ptr[i + 1]) >= 0 && hex(sent.ptr[i + 2]) >= 0) {
            c = (char)(hex(sent.ptr[i + 1]) * 16 + hex(sent.ptr[i + 2]));
            i += 2;
            changed = 1;
        }
        if (j >= value.len || value.ptr[j] != c)
            return 0;
    }
    return changed && j == value.len;
}

/* ---- per-role checks ------------------------------------------------------------------------------------- */

static const probe_id credentials_ids[PROBE_CLASS_COUNT] = {
    F_ORIGIN_REFLECTED_CREDENTIALS,    F_ORIGIN_NULL_CREDENTIALS,        F_ORIGIN_PREFIX_CREDENTIALS,
    F_ORIGIN_SUFFIX_CREDENTIALS,       F_ORIGIN_SUBSTRING_CREDENTIALS,   F_ORIGIN_UNESCAPED_DOT_CREDENTIALS,
    F_ORIGIN_SPECIAL_CHAR_CREDENTIALS, F_ORIGIN_THIRD_PARTY_CREDENTIALS, F_ORIGIN_SUBDOMAIN_CREDENTIALS,
    F_ORIGIN_SIBLING_CREDENTIALS,      F_ORIGIN_HTTP_CREDENTIALS};
static const probe_id plain_ids[PROBE_CLASS_COUNT] = {
    F_ORIGIN_REFLECTED,     F_ORIGIN_NULL,         F_ORIGIN_PREFIX,      F_ORIGIN_SUFFIX,
    F_ORIGIN_SUBSTRING,     F_ORIGIN_UNESCAPED_DOT, F_ORIGIN_SPECIAL_CHAR, F_ORIGIN_THIRD_PARTY,
    F_ORIGIN_SUBDOMAIN,     F_ORIGIN_SIBLING,      F_ORIGIN_HTTP};

/* The host of a serialized origin "scheme://host[:port]". */
static corshdr_span origin_host(corshdr_span origin)
{
    const char *p = origin.ptr, *end = origin.ptr + origin.len;
    for (; p + 2 < end && !(p[0] == ':' && p[1] == '/' && p[2] == '/'); p++)
        ;
    if (p + 2 >= end)
        return (corshdr_span){origin.ptr, 0};
    const char *h = p + 3, *e = h;
    while (e < end && *e != ':' && *e != '/')
        e++;
    return (corshdr_span){h, (size_t)(e - h)};
}

static int ends_with(corshdr_span s, corshdr_span tail)
{
    return tail.len && s.len >= tail.len && memcmp(s.ptr + s.len - tail.len, tail.ptr, tail.len) == 0;
}

/* Whether a broader class, trusted at least as much (level[] so far), explains why request i's origin
 * passed: then its own class proves nothing on its own, and naming it would claim a cause the evidence does
 * not show. Reflection explains everything; a starts-with match (the prefix origin) explains the special
 * characters after the host; an ends-with match on the registrable domain (the suffix origins) explains
 * every tried name ending in it (an unescaped-dot name that ends in it, a subdomain, a sibling); a trusted
 * sibling explains a subdomain of the site's host. */
static int explained(const struct analysis *a, const int level[PROBE_CLASS_COUNT], size_t i, int l)
{
    const probe_request *rq = &a->plan->items[i];
    if (rq->cls != PROBE_CLASS_REFLECTED && level[PROBE_CLASS_REFLECTED] >= l)
        return 1;
    switch (rq->cls) {
    case PROBE_CLASS_SPECIAL_CHAR:
        return level[PROBE_CLASS_PREFIX] >= l;
    case PROBE_CLASS_SUBDOMAIN:
        if (level[PROBE_CLASS_SIBLING] >= l)
            return 1;
        /* fall through */
    case PROBE_CLASS_UNESCAPED_DOT:
    case PROBE_CLASS_SIBLING:
        return level[PROBE_CLASS_SUFFIX] >= l && ends_with(origin_host(rq->origin), a->t->registrable);
    default:
        return 0;
    }
}

/* The trust each untrusted origin got (0 none, 1 without credentials, 2 with), or -1 for a request of
 * another kind or without a usable answer. */
static int origin_trust(const struct analysis *a, size_t i)
{
    const probe_request *rq = &a->plan->items[i];
    if (rq->role != PROBE_ROLE_ORIGIN || !usable(&a->responses[i]))
        return -1;
    return trust_level(&a->responses[i], rq->origin);
}

/* Untrusted origins: the most trust each class got that no broader class explains, and the first request
 * that showed it. The broad classes are settled first (reflection, then prefix and suffix, then sibling),
 * so that a narrower one is judged against what they already explain. */
static void untrusted_origins(struct analysis *a)
{
    static const probe_class order[PROBE_CLASS_COUNT] = {
        PROBE_CLASS_REFLECTED, PROBE_CLASS_PREFIX,   PROBE_CLASS_SUFFIX,        PROBE_CLASS_SIBLING,
        PROBE_CLASS_NULL,      PROBE_CLASS_SUBSTRING, PROBE_CLASS_UNESCAPED_DOT, PROBE_CLASS_SPECIAL_CHAR,
        PROBE_CLASS_THIRD_PARTY, PROBE_CLASS_SUBDOMAIN, PROBE_CLASS_HTTP};
    int level[PROBE_CLASS_COUNT] = {0};
    size_t first[PROBE_CLASS_COUNT] = {0}, count[PROBE_CLASS_COUNT] = {0};
    for (size_t k = 0; k < PROBE_CLASS_COUNT; k++) {
        probe_class c = order[k];
        for (size_t i = 0; i < a->plan->count; i++) {
            int l = a->plan->items[i].cls == c ? origin_trust(a, i) : -1;
            if (l <= 0 || explained(a, level, i, l))
                continue;
            count[c]++;
            if (l > level[c]) {
                level[c] = l;
                first[c] = i;
            }
        }
    }
    for (int c = 0; c < PROBE_CLASS_COUNT; c++) {
        if (level[c] == 0)
            continue;
        probe_finding *f = hit(a, level[c] == 2 ? credentials_ids[c] : plain_ids[c], first[c]);
        if (!f)
            continue;
        const probe_response *r = &a->responses[first[c]];
        f->occurrences = count[c];
        say(f, "the untrusted origin ");
        say_bytes(f, a->plan->items[first[c]].origin);
        say(f, " may read %s", level[c] == 2 ? "responses with credentials" : "responses");
        if (a->plan->items[first[c]].preflight)
            say(f, " (its preflight is allowed)");
        add_lines_named(f, r, SPAN(ACAO));
        add_lines_named(f, r, SPAN(ACAC));
    }
}

/* No answer allowed any origin it was asked for, the site's own included: the answers cannot tell a
 * server that trusts nobody from one that trusts an origin the probe did not try. The hint is the first
 * serialized origin some answer allowed instead of the one asked for. */
static void allowed_any(struct analysis *a, probe_findings *out)
{
    out->none_allowed = 1;
    out->hint[0] = '\0';
    for (size_t i = 0; i < a->plan->count; i++) {
        const probe_request *rq = &a->plan->items[i];
        const probe_response *r = &a->responses[i];
        if (rq->role == PROBE_ROLE_CRLF || !usable(r))
            continue;
        if (corshdr_cors_check(r->fields, r->info.nfields, rq->origin.ptr, rq->origin.len,
                               CORSHDR_CREDENTIALS_OMIT, NULL) == CORSHDR_OK ||
            corshdr_cors_check(r->fields, r->info.nfields, rq->origin.ptr, rq->origin.len,
                               CORSHDR_CREDENTIALS_INCLUDE, NULL) == CORSHDR_OK) {
            out->none_allowed = 0;
            out->hint[0] = '\0';
            return;
        }
        corshdr_span v;
        if (!out->hint[0] && acao_value(r, &v) && v.len < sizeof out->hint && !span_eq(v, SPAN("null")) &&
            corshdr_origin_check(v.ptr, v.len, NULL) == CORSHDR_OK) {
            memcpy(out->hint, v.ptr, v.len);
            out->hint[v.len] = '\0';
        }
    }
}

static void origin_decoded(struct analysis *a, size_t i)
{
    const probe_request *rq = &a->plan->items[i];
    corshdr_span v;
    if (!memchr(rq->origin.ptr, '%', rq->origin.len) || !acao_value(&a->responses[i], &v) ||
        !is_decoded(rq->origin, v))
        return;
    probe_finding *f = hit(a, F_ORIGIN_DECODED, i);
    if (!f)
        return;
    say(f, "sent Origin ");
    say_bytes(f, rq->origin);
    say(f, ", the answer allows ");
    say_bytes(f, v);
    add_lines_named(f, &a->responses[i], SPAN(ACAO));
}

static void crlf(struct analysis *a, size_t i)
{
    const probe_response *r = &a->responses[i];
    if (r->failed && r->bad_reply) {
        /* libcurl itself rejected the head (a line without a colon): the answers to ordinary requests
         * passed, so the CR LF sent in this Origin broke it. */
        probe_finding *f = hit(a, F_CRLF_INJECTION, i);
        if (f)
            say(f, "the answer became malformed: %s", r->error);
        return;
    }
    if (r->failed)
        return; /* a refusal is no injection; the request is listed with its error */
    if (r->malformed) {
        probe_finding *f = hit(a, F_CRLF_INJECTION, i);
        if (f) {
            say(f, "the response head broke at line %zu: %s", r->herr.line, head_strerror(r->herr.code));
            add_line(f, r->herr.line);
        }
        return;
    }
    for (size_t k = 0; k < r->info.nfields; k++) {
        if (!named(&r->fields[k], a->plan->items[i].marker))
            continue;
        probe_finding *f = hit(a, F_CRLF_INJECTION, i);
        if (f) {
            say(f, "the marker header " PROBE_MARKER_HEADER " sent inside Origin came back as its own line");
            add_line(f, head_field_line(k));
            add_lines_named(f, r, SPAN(ACAO));
        }
        return;
    }
    corshdr_error err = no_error;
    corshdr_status st = corshdr_fields_check(r->fields, r->info.nfields, &err);
    if (st == CORSHDR_EVALUE) {
        probe_finding *f = hit(a, F_CRLF_INJECTION, i);
        if (f) {
            say(f, "a decoded CR or NUL came back in a header value (");
            say_error(f, st);
            say(f, ")");
            add_error_line(f, r, &err, SPAN(ACAO));
        }
    }
}

static void hostile(struct analysis *a, size_t i)
{
    const probe_request *rq = &a->plan->items[i];
    const probe_response *r = &a->responses[i];
    probe_finding *f;
    if (r->failed && r->timed_out) {
        if ((f = hit(a, F_HOSTILE_ACRH_SLOW, i)))
            say(f, "no answer within %.0f ms (%zu-byte Access-Control-Request-Headers)", a->opt->timeout_ms,
                rq->acrh.len);
        return;
    }
    if (r->failed || r->malformed) {
        if ((f = hit(a, F_HOSTILE_ACRH_ERROR, i))) {
            say(f, "%s: %s", r->failed ? "the request failed" : "the answer is malformed", r->error);
            if (r->malformed)
                add_line(f, r->herr.line);
        }
        return;
    }
    if (r->elapsed_ms > a->opt->slow_ms && r->elapsed_ms > 10 * a->median_ms && (f = hit(a, F_HOSTILE_ACRH_SLOW, i)))
        say(f, "answered in %.0f ms; the median of the other requests is %.1f ms", r->elapsed_ms, a->median_ms);
    if (r->info.status >= 500 && (f = hit(a, F_HOSTILE_ACRH_ERROR, i)))
        say(f, "answered with status %d", r->info.status);
    if (list_has(r, ACAH, rq->marker) && (f = hit(a, F_HOSTILE_ACRH_ECHOED, i))) {
        say(f, "the %zu-byte Access-Control-Request-Headers came back in Access-Control-Allow-Headers",
            rq->acrh.len);
        add_lines_named(f, r, SPAN(ACAH));
    }
}

static void made_up(struct analysis *a, size_t i)
{
    const probe_request *rq = &a->plan->items[i];
    const probe_response *r = &a->responses[i];
    int acrh = rq->role == PROBE_ROLE_ACRH_MADE_UP;
    const char *header = acrh ? ACAH : ACAM;
    if (!list_has(r, header, rq->marker))
        return;
    probe_finding *f = hit(a, acrh ? F_ACRH_REFLECTED : F_ACRM_REFLECTED, i);
    if (!f)
        return;
    say(f, "asked for the made-up %s ", acrh ? "header name" : "method");
    say_bytes(f, rq->marker);
    say(f, ", and %s allows it", header);
    add_lines_named(f, r, (corshdr_span){header, strlen(header)});
}

static void site_actual(struct analysis *a, size_t i)
{
    const probe_response *r = &a->responses[i];
    corshdr_error err = no_error;
    corshdr_status st = corshdr_cors_check(r->fields, r->info.nfields, a->t->origin.ptr, a->t->origin.len,
                                           a->t->credentials, &err);
    if (st == CORSHDR_OK)
        return;
    probe_finding *f = hit(a, F_SITE_ORIGIN_DENIED, i);
    if (!f)
        return;
    say(f, "credentials %s: ", cli_credentials_name(a->t->credentials));
    say_error(f, st);
    add_error_line(f, r, &err, SPAN(ACAO));
}

static void site_preflight(struct analysis *a, size_t i)
{
    const probe_request *rq = &a->plan->items[i];
    const probe_response *r = &a->responses[i];
    probe_finding *f;
    int ok_status = r->info.status >= 200 && r->info.status <= 299;
    if (!ok_status && trust_level(r, rq->origin) > 0) {
        if ((f = hit(a, F_PREFLIGHT_STATUS, i))) {
            say(f, "status %d with Access-Control-Allow-Origin for the site's origin", r->info.status);
            add_line(f, 1);
            add_lines_named(f, r, SPAN(ACAO));
        }
        return;
    }
    if (!a->t->origin_given)
        return; /* the URL's own origin: browsers send no preflight */
    corshdr_request req = {a->t->origin, a->t->method, a->t->credentials, a->t->unsafe, 0, 0};
    corshdr_error err = no_error;
    corshdr_status st = corshdr_preflight_check(&req, r->info.status, r->fields, r->info.nfields, NULL, NULL, &err);
    if (st == CORSHDR_OK || !(f = hit(a, F_SITE_PREFLIGHT_DENIED, i)))
        return;
    say(f, "method ");
    say_bytes(f, a->t->method);
    if (a->t->acrh.ptr) {
        say(f, ", headers ");
        say_bytes(f, a->t->acrh);
    }
    say(f, ", credentials %s: ", cli_credentials_name(a->t->credentials));
    say_error(f, st);
    if (st == CORSHDR_ESTATUS)
        add_line(f, 1);
    else
        add_error_line(f, r, &err, SPAN(ACAO));
}

/* ---- checks of every response ----------------------------------------------------------------------------- */

static void check_acao(struct analysis *a, size_t i)
{
    const probe_request *rq = &a->plan->items[i];
    const probe_response *r = &a->responses[i];
    probe_finding *f;
    size_t lines = count_named(r, SPAN(ACAO));
    corshdr_span v;
    if (lines > 1) {
        if ((f = hit(a, F_ACAO_MULTIPLE, i))) {
            say(f, "%zu Access-Control-Allow-Origin lines", lines);
            add_lines_named(f, r, SPAN(ACAO));
        }
        return;
    }
    if (!acao_value(r, &v) || span_eq(v, rq->origin))
        return; /* absent, or exactly what was sent: the origin checks judge that */
    if (span_eq(v, SPAN("*"))) {
        int credentials = acac_true(r);
        if ((f = hit(a, credentials ? F_WILDCARD_CREDENTIALS : F_WILDCARD, i))) {
            say(f, credentials ? "Access-Control-Allow-Origin: * and Access-Control-Allow-Credentials: true"
                               : "Access-Control-Allow-Origin: *");
            add_lines_named(f, r, SPAN(ACAO));
            add_lines_named(f, r, SPAN(ACAC));
        }
        return;
    }
    if (rq->role == PROBE_ROLE_ORIGIN && is_decoded(rq->origin, v))
        return; /* CORS-ORIGIN-DECODED says it */
    corshdr_split s;
    corshdr_span e;
    size_t elements = 0;
    corshdr_split_init(&s, v.ptr, v.len);
    while (corshdr_split_next(&s, &e) == CORSHDR_OK)
        elements++;
    if (elements > 1) {
        if ((f = hit(a, F_ACAO_MULTIPLE, i))) {
            say(f, "%zu values in one line: ", elements);
            say_bytes(f, v);
            add_lines_named(f, r, SPAN(ACAO));
        }
        return;
    }
    corshdr_error err = no_error;
    corshdr_status st = corshdr_origin_check(v.ptr, v.len, &err);
    if (st != CORSHDR_OK && (f = hit(a, F_ACAO_INVALID, i))) {
        say_bytes(f, v);
        say(f, ": ");
        say_error(f, st);
        if (err.offset != CORSHDR_NPOS)
            say(f, " at byte %zu, expected %s", err.offset + 1, err.expected);
        add_lines_named(f, r, SPAN(ACAO));
    }
}

static void check_list(struct analysis *a, size_t i, const char *header, probe_id id)
{
    const probe_response *r = &a->responses[i];
    corshdr_error err = no_error;
    size_t count;
    corshdr_status st =
        corshdr_list_extract(r->fields, r->info.nfields, header, strlen(header), 0, NULL, NULL, 0, &count, &err);
    if (st == CORSHDR_OK || st == CORSHDR_ABSENT || st == CORSHDR_ENOSPC)
        return; /* ENOSPC: valid, with elements the null array did not take */
    probe_finding *f = hit(a, id, i);
    if (!f)
        return;
    say_error(f, st);
    if (err.offset != CORSHDR_NPOS)
        say(f, " at byte %zu of the value, expected %s", err.offset + 1, err.expected);
    add_error_line(f, r, &err, (corshdr_span){header, strlen(header)});
}

static void check_response(struct analysis *a, size_t i)
{
    const probe_request *rq = &a->plan->items[i];
    const probe_response *r = &a->responses[i];
    probe_finding *f;
    corshdr_error err = no_error;
    corshdr_status st;

    /* A list that cannot exist is a network error for browsers: nothing in it is read. After a CRLF
     * request, crlf() has judged it. */
    if ((st = corshdr_fields_check(r->fields, r->info.nfields, &err)) != CORSHDR_OK) {
        if (rq->role != PROBE_ROLE_CRLF && (f = hit(a, F_HEADER_INVALID, i))) {
            say_error(f, st);
            add_error_line(f, r, &err, SPAN(ACAO));
        }
        return;
    }
    check_acao(a, i);
    if (count_named(r, SPAN(OBSOLETE)) && (f = hit(a, F_OBSOLETE_HEADER, i))) {
        say(f, "Access-Control is not CORS: Access-Control-Allow-Origin and its siblings replaced it");
        add_lines_named(f, r, SPAN(OBSOLETE));
    }
    if (count_named(r, SPAN(ACAC)) && !acac_true(r) && (f = hit(a, F_ACAC_INVALID, i))) {
        say(f, "Fetch reads the combined value, which must be byte-for-byte `true`");
        add_lines_named(f, r, SPAN(ACAC));
    }
    check_list(a, i, ACAH, F_ACAH_INVALID);
    check_list(a, i, ACAM, F_ACAM_INVALID);
    check_list(a, i, ACEH, F_ACEH_INVALID);

    corshdr_list it;
    corshdr_span e;
    if (corshdr_list_init(&it, r->fields, r->info.nfields, ACEH, sizeof ACEH - 1, 0, NULL, NULL) == CORSHDR_OK) {
        while (corshdr_list_next(&it, &e, NULL) == CORSHDR_OK) {
            if (!corshdr_is_forbidden_response_name(e.ptr, e.len) || !(f = hit(a, F_ACEH_SET_COOKIE, i)))
                continue;
            say_bytes(f, e);
            say(f, " is listed; script can never read it");
            add_lines_named(f, r, SPAN(ACEH));
            break;
        }
    }

    if (!rq->preflight) {
        size_t n = count_named(r, SPAN(ACAH)) + count_named(r, SPAN(ACAM)) + count_named(r, SPAN(ACMA));
        if (n && (f = hit(a, F_PREFLIGHT_ONLY_HEADER, i))) {
            say(f, "%zu preflight-only header line%s in the answer to %s", n, n == 1 ? "" : "s",
                a->t->head_requests ? "HEAD" : "GET");
            add_lines_named(f, r, SPAN(ACAM));
            add_lines_named(f, r, SPAN(ACAH));
            add_lines_named(f, r, SPAN(ACMA));
        }
        return;
    }
    uint32_t seconds;
    err = no_error;
    st = corshdr_max_age_parse(r->fields, r->info.nfields, &seconds, &err);
    if (st == CORSHDR_EMAXAGE || st == CORSHDR_EREPEATED) {
        if ((f = hit(a, F_MAX_AGE_INVALID, i))) {
            say_error(f, st);
            say(f, "; browsers use %lu s", (unsigned long)seconds);
            add_lines_named(f, r, SPAN(ACMA));
        }
    } else if (st == CORSHDR_OK && seconds > CAP_FIREFOX) {
        if ((f = hit(a, F_MAX_AGE_EXCESSIVE, i))) {
            say(f, "%lu s; engines cache at most %u s (Firefox), %u s (Chromium), %u s (WebKit)",
                (unsigned long)seconds, CAP_FIREFOX, CAP_CHROMIUM, CAP_WEBKIT);
            add_lines_named(f, r, SPAN(ACMA));
        }
    } else if (st == CORSHDR_OK && seconds > CAP_WEBKIT && (f = hit(a, F_MAX_AGE_CAPPED, i))) {
        say(f, "%lu s; capped at %u s by WebKit%s", (unsigned long)seconds, CAP_WEBKIT,
            seconds > CAP_CHROMIUM ? " and 7200 s by Chromium" : "");
        add_lines_named(f, r, SPAN(ACMA));
    }
}

/* ACAO depends on Origin when the actual requests' answers differ in it; every such answer must then say
 * Vary: Origin, or a shared cache hands one origin's answer to another. The proof shown is the first answer
 * with an ACAO line (the most telling), else the first answer. */
static int vary(struct analysis *a)
{
    const probe_response *first = NULL;
    char *first_value = NULL;
    size_t first_len = 0;
    int first_status = CORSHDR_ABSENT, depends = 0;
    for (size_t i = 0; i < a->plan->count && !depends; i++) {
        const probe_response *r = &a->responses[i];
        if (a->plan->items[i].preflight || !usable(r))
            continue;
        char *value;
        size_t len;
        int st = sized_combine(r->fields, r->info.nfields, ACAO, sizeof ACAO - 1, &value, &len);
        if (st == CORSHDR_ENOSPC) {
            free(first_value);
            return -1;
        }
        if (!first) {
            first = r;
            first_value = value;
            first_len = len;
            first_status = st;
            continue;
        }
        depends = st != first_status || (st == CORSHDR_OK && !span_eq((corshdr_span){value, len},
                                                                      (corshdr_span){first_value, first_len}));
        free(value);
    }
    free(first_value);
    if (!depends)
        return 0;
    size_t shown = CORSHDR_NPOS, count = 0;
    for (size_t pass = 0; pass < 2 && shown == CORSHDR_NPOS; pass++) {
        count = 0;
        for (size_t i = 0; i < a->plan->count; i++) {
            const probe_response *r = &a->responses[i];
            if (a->plan->items[i].preflight || !usable(r) || varies_on_origin(r))
                continue;
            count++;
            if (shown == CORSHDR_NPOS && (pass == 1 || count_named(r, SPAN(ACAO))))
                shown = i;
        }
    }
    probe_finding *f = shown == CORSHDR_NPOS ? NULL : hit(a, F_VARY_ORIGIN_MISSING, shown);
    if (!f)
        return 0;
    const probe_response *r = &a->responses[shown];
    f->occurrences = count;
    say(f, "answers to different origins differ in Access-Control-Allow-Origin; this one has %s",
        count_named(r, SPAN(VARY)) ? "a Vary without Origin" : "no Vary");
    add_lines_named(f, r, SPAN(ACAO));
    add_lines_named(f, r, SPAN(VARY));
    return 0;
}

static int compare_ms(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The median time of the answered requests that are not hostile: what "slow" is measured against. */
static int median_ms(const probe_plan *plan, const probe_response *responses, double *median)
{
    double *t = calloc(plan->count ? plan->count : 1, sizeof *t);
    size_t n = 0;
    if (!t)
        return -1;
    for (size_t i = 0; i < plan->count; i++)
        if (plan->items[i].role != PROBE_ROLE_HOSTILE_ACRH && !responses[i].failed)
            t[n++] = responses[i].elapsed_ms;
    qsort(t, n, sizeof *t, compare_ms);
    *median = n == 0 ? 0 : n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    free(t);
    return 0;
}

static int compare_findings(const void *x, const void *y)
{
    const probe_finding *a = x, *b = y;
    probe_severity sa = defs[a->id].severity, sb = defs[b->id].severity;
    if (sa != sb)
        return sa > sb ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

int probe_analyze(const probe_target *t, const probe_plan *plan, const probe_response *responses,
                  const probe_check_options *opt, probe_findings *out)
{
    struct analysis a;
    memset(&a, 0, sizeof a);
    memset(out, 0, sizeof *out);
    a.t = t;
    a.plan = plan;
    a.responses = responses;
    a.opt = opt;
    if (median_ms(plan, responses, &a.median_ms) != 0)
        return -1;

    for (size_t i = 0; i < plan->count; i++) {
        const probe_response *r = &responses[i];
        switch (plan->items[i].role) {
        case PROBE_ROLE_CRLF:
            crlf(&a, i);
            break;
        case PROBE_ROLE_HOSTILE_ACRH:
            hostile(&a, i);
            break;
        case PROBE_ROLE_ORIGIN:
            if (usable(r))
                origin_decoded(&a, i);
            break;
        case PROBE_ROLE_ACRH_MADE_UP:
        case PROBE_ROLE_ACRM_MADE_UP:
            if (usable(r))
                made_up(&a, i);
            break;
        case PROBE_ROLE_SITE:
            if (usable(r) && t->origin_given)
                site_actual(&a, i);
            break;
        case PROBE_ROLE_SITE_PREFLIGHT:
            if (usable(r))
                site_preflight(&a, i);
            break;
        }
        if (usable(r))
            check_response(&a, i);
    }
    untrusted_origins(&a);
    if (vary(&a) != 0)
        return -1;
    allowed_any(&a, out);

    for (int id = 0; id < PROBE_ID_COUNT; id++)
        if (a.all[id].occurrences)
            out->items[out->count++] = a.all[id];
    qsort(out->items, out->count, sizeof out->items[0], compare_findings);
    return 0;
}
