/* policy: every problem of a configuration at once, origin patterns and the bypasses they must refuse,
 * per-request answers (kind, status, lines, Vary, reasons), and a round trip through the client checks. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#define S(lit) {lit, sizeof(lit) - 1}

struct compiled {
    corshdr_policy p;
    uint64_t storage[256];
    corshdr_problem problems[32];
    size_t nproblems;
};

static corshdr_status compile(struct compiled *c, const corshdr_policy_config *cfg)
{
    return corshdr_policy_compile(&c->p, cfg, c->storage, sizeof c->storage, c->problems, COUNT(c->problems),
                                  &c->nproblems);
}

static const corshdr_span ORIGINS[] = {S("https://app.example"), S("https://admin.example:8443")};
static const corshdr_span METHODS[] = {S("PUT"), S("DELETE"), S("patch")};
static const corshdr_span HEADERS[] = {S("Content-Type"), S("X-Trace-Id"), S("authorization")};
static const corshdr_span EXPOSE[] = {S("X-Request-Id"), S("ETag")};

static corshdr_policy_config standard(void)
{
    corshdr_policy_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.origins = ORIGINS;
    cfg.norigins = 2;
    cfg.credentials = 1;
    cfg.methods = METHODS;
    cfg.nmethods = 3;
    cfg.headers = HEADERS;
    cfg.nheaders = 3;
    cfg.expose = EXPOSE;
    cfg.nexpose = 2;
    cfg.max_age = 600;
    return cfg;
}

static const corshdr_span ANY_ORIGIN[] = {S("*")};

/* standard() opened to every origin, which `*` allows only without credentials. */
static void compile_any_origin(struct compiled *c)
{
    corshdr_policy_config cfg = standard();
    cfg.origins = ANY_ORIGIN;
    cfg.norigins = 1;
    cfg.credentials = 0;
    assert_int_equal(compile(c, &cfg), CORSHDR_OK);
}

/* A stand-in for libpsl in this test: the suffixes its cases use. */
static int test_suffix(void *ctx, const char *d, size_t n)
{
    (void)ctx;
    return (n == 5 && !memcmp(d, "co.uk", 5)) || (n == 3 && !memcmp(d, "com", 3)) ||
           (n == 9 && !memcmp(d, "github.io", 9));
}

static void assert_problem(const corshdr_problem *p, corshdr_status code, corshdr_policy_part part, size_t index)
{
    if (p->code != code || p->part != part || p->index != index)
        fail_msg("problem %s part %d index %zu (%s); wanted %s part %d index %zu", corshdr_err_name(p->code),
                 (int)p->part, p->index, p->message, corshdr_err_name(code), (int)part, index);
    assert_non_null(p->message);
}

static void compile_reports_every_problem_at_once(void **state)
{
    (void)state;
    const corshdr_span origins[] = {S("*"), S("null"), S("http://app.example"), S("https://*.co.uk"),
                                    S("HTTPS://App.example"), S("https://app.example/"), S("https://app.example:443"),
                                    S("not an origin"), S("http://localhost:3000"), S("https://*.example.com:*"),
                                    S("https://*.1.2.3.4"), S("https://ok.example")};
    const corshdr_span methods[] = {S("PUT"), S("TRACE"), S("bad method"), S("*")};
    const corshdr_span headers[] = {S("*"), S("Cookie"), S("sec-fetch-mode"), S("x ok"), S("x-fine")};
    const corshdr_span expose[] = {S("set-cookie"), S(""), S("*")};
    corshdr_policy_config cfg = standard();
    cfg.origins = origins;
    cfg.norigins = COUNT(origins);
    cfg.methods = methods;
    cfg.nmethods = COUNT(methods);
    cfg.headers = headers;
    cfg.nheaders = COUNT(headers);
    cfg.expose = expose;
    cfg.nexpose = COUNT(expose);
    cfg.max_age = 86401;
    cfg.preflight_status = 404;
    cfg.is_public_suffix = test_suffix;
    struct compiled c;
    assert_int_equal(compile(&c, &cfg), CORSHDR_EPOLICY);
    const struct {
        corshdr_status code;
        corshdr_policy_part part;
        size_t index;
    } want[] = {
        {CORSHDR_EWILDCARD, CORSHDR_PART_ORIGINS, 0},     {CORSHDR_ENULL, CORSHDR_PART_ORIGINS, 1},
        {CORSHDR_EINSECURE, CORSHDR_PART_ORIGINS, 2},     {CORSHDR_EPUBLICSUFFIX, CORSHDR_PART_ORIGINS, 3},
        {CORSHDR_ECANONICAL, CORSHDR_PART_ORIGINS, 4},    {CORSHDR_ECANONICAL, CORSHDR_PART_ORIGINS, 5},
        {CORSHDR_ECANONICAL, CORSHDR_PART_ORIGINS, 6},    {CORSHDR_EORIGIN, CORSHDR_PART_ORIGINS, 7},
        {CORSHDR_EORIGIN, CORSHDR_PART_ORIGINS, 10},      {CORSHDR_EMETHOD, CORSHDR_PART_METHODS, 1},
        {CORSHDR_ETOKEN, CORSHDR_PART_METHODS, 2},        {CORSHDR_EWILDCARD, CORSHDR_PART_HEADERS, 0},
        {CORSHDR_EFORBIDDEN, CORSHDR_PART_HEADERS, 1},    {CORSHDR_EFORBIDDEN, CORSHDR_PART_HEADERS, 2},
        {CORSHDR_ETOKEN, CORSHDR_PART_HEADERS, 3},        {CORSHDR_EHEADER, CORSHDR_PART_EXPOSE, 0},
        {CORSHDR_EEMPTY, CORSHDR_PART_EXPOSE, 1},         {CORSHDR_EWILDCARD, CORSHDR_PART_EXPOSE, 2},
        {CORSHDR_EMAXAGE, CORSHDR_PART_SETTINGS, CORSHDR_NPOS}, {CORSHDR_ESTATUS, CORSHDR_PART_SETTINGS, CORSHDR_NPOS},
    };
    assert_int_equal(c.nproblems, COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++)
        assert_problem(&c.problems[i], want[i].code, want[i].part, want[i].index);
    assert_int_equal(c.problems[10].offset, 3); /* "bad method": the space */
    assert_int_equal(c.problems[7].offset, 3);  /* "not an origin": the space where "://" belongs */
    assert_int_equal(c.problems[8].offset, 8);  /* the subdomain pattern over an IP address: its host */

    /* fewer slots than problems: the first ones, and the count of all */
    corshdr_problem two[2];
    size_t n = 0;
    assert_int_equal(corshdr_policy_compile(&c.p, &cfg, c.storage, sizeof c.storage, two, 2, &n), CORSHDR_EPOLICY);
    assert_int_equal(n, COUNT(want));
    assert_problem(&two[1], CORSHDR_ENULL, CORSHDR_PART_ORIGINS, 1);

    /* without credentials the wildcards and http are fine, and the public suffix needs the callback */
    const corshdr_span fine[] = {S("*"), S("http://app.example"), S("https://*.co.uk")};
    cfg = standard();
    cfg.credentials = 0;
    cfg.origins = fine;
    cfg.norigins = 3;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    assert_int_equal(c.nproblems, 0);
    cfg.is_public_suffix = test_suffix;
    assert_int_equal(compile(&c, &cfg), CORSHDR_EPOLICY);
    assert_int_equal(c.nproblems, 1);
    assert_problem(&c.problems[0], CORSHDR_EPUBLICSUFFIX, CORSHDR_PART_ORIGINS, 2);
    assert_int_equal(c.problems[0].offset, 10); /* co.uk */

    /* a policy that allows nobody */
    cfg = standard();
    cfg.norigins = 0;
    assert_int_equal(compile(&c, &cfg), CORSHDR_EPOLICY);
    assert_problem(&c.problems[0], CORSHDR_EEMPTY, CORSHDR_PART_ORIGINS, CORSHDR_NPOS);
    cfg.allow_null = 1; /* null alone, but anyone can send it: never with credentials */
    assert_int_equal(compile(&c, &cfg), CORSHDR_EPOLICY);
    assert_int_equal(c.nproblems, 1);
    assert_problem(&c.problems[0], CORSHDR_ENULL, CORSHDR_PART_SETTINGS, CORSHDR_NPOS);
    cfg.credentials = 0;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    /* max-age bounds */
    cfg = standard();
    cfg.max_age = -2;
    assert_int_equal(compile(&c, &cfg), CORSHDR_EPOLICY);
    cfg.max_age = 86400;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    assert_span(c.p.acma, "86400");
    cfg.max_age = -1;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    assert_span(c.p.acma, "0");
}

/* Compiles into exactly the storage it asks for, from a configuration freed right after. */
static void compile_reports_storage_and_keeps_nothing_of_the_config(void **state)
{
    (void)state;
    const char *texts[] = {"https://app.example", "https://*.example.com:*", "PUT", "X-Trace-Id", "ETag"};
    corshdr_span v[5];
    for (size_t i = 0; i < 5; i++) {
        char *copy = malloc(strlen(texts[i]));
        memcpy(copy, texts[i], strlen(texts[i]));
        v[i].ptr = copy;
        v[i].len = strlen(texts[i]);
    }
    corshdr_policy_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.origins = v;
    cfg.norigins = 2;
    cfg.methods = v + 2;
    cfg.nmethods = 1;
    cfg.headers = v + 3;
    cfg.nheaders = 1;
    cfg.expose = v + 4;
    cfg.nexpose = 1;
    corshdr_policy p;
    size_t n = 0;
    assert_int_equal(corshdr_policy_compile(&p, &cfg, NULL, 0, NULL, 0, &n), CORSHDR_ENOSPC);
    assert_int_equal(n, 0);
    void *storage = malloc(p.storage_needed);
    size_t need = p.storage_needed;
    assert_int_equal(corshdr_policy_compile(&p, &cfg, storage, need - 1, NULL, 0, &n), CORSHDR_ENOSPC);
    assert_int_equal(corshdr_policy_compile(&p, &cfg, storage, need, NULL, 0, &n), CORSHDR_OK);
    for (size_t i = 0; i < 5; i++)
        free((void *)(uintptr_t)v[i].ptr);
    corshdr_field req[] = {F("Origin", "https://a.example.com:8080"), F("Access-Control-Request-Method", "PUT"),
                           F("Access-Control-Request-Headers", "x-trace-id")};
    corshdr_policy_answer a;
    assert_int_equal(corshdr_policy_apply(&p, G("OPTIONS"), 7, req, 3, NULL, &a), CORSHDR_OK);
    assert_int_equal(corshdr_policy_apply(&p, G("GET"), 3, req, 1, NULL, &a), CORSHDR_OK);
    assert_span(a.lines[1].value, "ETag");
    free(storage);
    assert_int_equal(corshdr_policy_compile(NULL, &cfg, NULL, 0, NULL, 0, &n), CORSHDR_EINVAL);
    assert_int_equal(corshdr_policy_compile(&p, &cfg, NULL, 0, NULL, 0, NULL), CORSHDR_EINVAL);
}

static corshdr_status apply(const corshdr_policy *p, const char *method, const corshdr_field *req, size_t n,
                            corshdr_policy_answer *a)
{
    return corshdr_policy_apply(p, G(method), strlen(method), req, n, NULL, a);
}

/* The value of the answer's line `name`, or NULL. */
static const corshdr_span *line(const corshdr_policy_answer *a, const char *name)
{
    for (size_t i = 0; i < a->nlines; i++)
        if (a->lines[i].name.len == strlen(name) && !memcmp(a->lines[i].name.ptr, name, strlen(name)))
            return &a->lines[i].value;
    return NULL;
}

static corshdr_status origin_verdict(const corshdr_policy *p, const char *origin)
{
    corshdr_field f[] = {F("Origin", origin)};
    corshdr_policy_answer a;
    corshdr_status st = apply(p, "GET", f, 1, &a);
    if (st == CORSHDR_OK) {
        assert_span(*line(&a, "Access-Control-Allow-Origin"), origin);
    } else {
        assert_null(line(&a, "Access-Control-Allow-Origin"));
        assert_int_equal(a.why.code, st);
    }
    return st;
}

/* Patterns match what they say and nothing else: every way a name can look like an allowed one. */
static void origin_patterns_admit_no_bypass(void **state)
{
    (void)state;
    const corshdr_span origins[] = {S("https://app.example"), S("https://*.example.com"), S("http://localhost:*"),
                                    S("https://*.tenant.example.net:*"), S("https://[::1]:8443")};
    corshdr_policy_config cfg = standard();
    cfg.origins = origins;
    cfg.norigins = COUNT(origins);
    struct compiled c;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    const char *allowed[] = {"https://app.example", "https://a.example.com", "https://a.b.c.example.com",
                             "https://x-1.example.com", "http://localhost", "http://localhost:3000",
                             "https://t.tenant.example.net", "https://t.tenant.example.net:9443", "https://[::1]:8443"};
    for (size_t i = 0; i < COUNT(allowed); i++)
        if (origin_verdict(&c.p, allowed[i]) != CORSHDR_OK)
            fail_msg("%s refused", allowed[i]);
    const char *refused[] = {
        "https://example.com",              /* the base itself */
        "https://evilexample.com",          /* a suffix without its dot */
        "https://example.com.evil.net",     /* a prefix */
        "https://a.example.com.evil.net",   /* both */
        "https://aexample.com",             /* the dot replaced */
        "http://a.example.com",             /* another scheme */
        "https://a.example.com:8443",       /* a port the pattern does not name */
        "https://app.example:443",          /* not canonical: never sent, so never allowed */
        "https://app.example.",             /* a trailing dot is another host */
        "https://a.example.com.",
        "https://app.examplex",
        "https://xapp.example",
        "http://localhost.evil.net",
        "https://localhost",
        "https://[::1]",                    /* another port */
        "https://tenant.example.net",
        "https://[0:0:0:0:0:0:0:1]:8443",   /* [::1] spelled another way: never what a browser sends */
        "https://[::0001]:8443",
        "null",
    };
    for (size_t i = 0; i < COUNT(refused); i++) {
        corshdr_status st = origin_verdict(&c.p, refused[i]);
        if (st != CORSHDR_EACAO && st != CORSHDR_EORIGIN && st != CORSHDR_ENULL)
            fail_msg("%s gave %s", refused[i], corshdr_err_name(st));
    }
    /* malformed: case, userinfo, paths: EORIGIN, never a match */
    const char *malformed[] = {"https://A.example.com", "https://user@a.example.com", "https://a.example.com/",
                               "https://a.example.com/x", "https://[::1]:8443/",
                               "https://a.example.com:08443", "HTTPS://app.example", "https://app.example\t,x",
                               "app.example", ""};
    for (size_t i = 0; i < COUNT(malformed); i++)
        if (origin_verdict(&c.p, malformed[i]) != CORSHDR_EORIGIN)
            fail_msg("%s not refused as malformed", malformed[i]);
    /* null: refused unless allowed, and then answered as null */
    assert_int_equal(origin_verdict(&c.p, "null"), CORSHDR_ENULL);
    cfg.allow_null = 1;
    cfg.credentials = 0;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    assert_int_equal(origin_verdict(&c.p, "null"), CORSHDR_OK);
    assert_int_equal(origin_verdict(&c.p, "NULL"), CORSHDR_EORIGIN); /* four bytes, not the null origin */
}

static void actual_requests(void **state)
{
    (void)state;
    struct compiled c;
    corshdr_policy_answer a;
    corshdr_policy_config cfg = standard();
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    corshdr_field ok[] = {F("Host", "api.example"), F("Origin", " https://app.example ")};
    assert_int_equal(apply(&c.p, "GET", ok, 2, &a), CORSHDR_OK);
    assert_int_equal(a.kind, CORSHDR_REQUEST_ACTUAL);
    assert_int_equal(a.status, 0);
    assert_int_equal(a.nlines, 4);
    assert_span(*line(&a, "Access-Control-Allow-Origin"), "https://app.example");
    assert_span(*line(&a, "Access-Control-Allow-Credentials"), "true");
    assert_span(*line(&a, "Access-Control-Expose-Headers"), "X-Request-Id, ETag");
    assert_span(*line(&a, "Vary"), "Origin");
    assert_null(line(&a, "Access-Control-Allow-Methods"));

    /* not CORS: only Vary, since the answer would differ with an Origin */
    corshdr_field none[] = {F("Host", "api.example")};
    assert_int_equal(apply(&c.p, "GET", none, 1, &a), CORSHDR_ABSENT);
    assert_int_equal(a.kind, CORSHDR_REQUEST_PLAIN);
    assert_int_equal(a.nlines, 1);
    assert_span(*line(&a, "Vary"), "Origin");

    /* a plain OPTIONS is an actual request; its answer depends on the preflight headers too */
    assert_int_equal(apply(&c.p, "OPTIONS", ok, 2, &a), CORSHDR_OK);
    assert_int_equal(a.kind, CORSHDR_REQUEST_ACTUAL);
    assert_int_equal(a.status, 0);
    assert_non_null(line(&a, "Access-Control-Expose-Headers"));
    assert_span(*line(&a, "Vary"), "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");

    corshdr_field two[] = {F("Origin", "https://app.example"), F("origin", "https://app.example")};
    assert_int_equal(apply(&c.p, "GET", two, 2, &a), CORSHDR_EREPEATED);
    assert_int_equal(a.why.line, 1);
    corshdr_field crlf[] = {F("Origin", "https://app.example\r\nX: y")};
    assert_int_equal(apply(&c.p, "GET", crlf, 1, &a), CORSHDR_EVALUE);
    assert_int_equal(a.why.offset, 19);
    assert_int_equal(a.nlines, 1); /* Vary */
    /* lines it does not read are not its business */
    corshdr_field other[] = {F("X (bad)", "v"), field_n("X-Nul", 5, "a\0b", 3), F("Origin", "https://app.example")};
    assert_int_equal(apply(&c.p, "GET", other, 3, &a), CORSHDR_OK);
    assert_int_equal(corshdr_policy_apply(&c.p, NULL, 1, ok, 2, NULL, &a), CORSHDR_EINVAL);
    assert_int_equal(corshdr_policy_apply(&c.p, G("GET"), 3, ok, 2, NULL, NULL), CORSHDR_EINVAL);
}

static void any_origin_answers_star(void **state)
{
    (void)state;
    struct compiled c;
    corshdr_policy_answer a;
    compile_any_origin(&c);
    corshdr_field f[] = {F("Origin", "https://anyone.example")};
    assert_int_equal(apply(&c.p, "GET", f, 1, &a), CORSHDR_OK);
    assert_int_equal(a.nlines, 2);
    assert_span(*line(&a, "Access-Control-Allow-Origin"), "*");
    assert_null(line(&a, "Vary"));
    corshdr_field pf[] = {F("Origin", "null"), F("Access-Control-Request-Method", "DELETE")};
    assert_int_equal(apply(&c.p, "OPTIONS", pf, 2, &a), CORSHDR_OK);
    assert_span(*line(&a, "Access-Control-Allow-Origin"), "*");
    assert_span(*line(&a, "Vary"), "Access-Control-Request-Method, Access-Control-Request-Headers");
}

static void preflights(void **state)
{
    (void)state;
    struct compiled c;
    corshdr_policy_answer a;
    corshdr_policy_config cfg = standard();
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    corshdr_field ok[] = {F("Origin", "https://admin.example:8443"), F("Access-Control-Request-Method", "PUT"),
                          F("Access-Control-Request-Headers", "content-type,x-trace-id")};
    assert_int_equal(apply(&c.p, "OPTIONS", ok, 3, &a), CORSHDR_OK);
    assert_int_equal(a.kind, CORSHDR_REQUEST_PREFLIGHT);
    assert_int_equal(a.status, 204);
    assert_span(*line(&a, "Access-Control-Allow-Methods"), "PUT, DELETE, patch");
    assert_span(*line(&a, "Access-Control-Allow-Headers"), "Content-Type, X-Trace-Id, authorization");
    assert_span(*line(&a, "Access-Control-Max-Age"), "600");
    assert_span(*line(&a, "Vary"), "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    assert_null(line(&a, "Access-Control-Expose-Headers"));

    struct {
        const char *acrm, *acrh;
        corshdr_status st;
    } cases[] = {
        {"PATCH", NULL, CORSHDR_EMETHOD},       /* methods are case-sensitive: only `patch` is allowed */
        {"patch", NULL, CORSHDR_OK},
        {"GET", NULL, CORSHDR_OK},              /* safelisted methods need no listing */
        {"POST", "x-other", CORSHDR_EHEADER},
        {"POST", "AUTHORIZATION", CORSHDR_OK},  /* names are case-insensitive */
        {"PUT, GET", NULL, CORSHDR_ETOKEN},     /* one method */
        {"", NULL, CORSHDR_EEMPTY},
        {"PUT", "x-trace-id, b@d", CORSHDR_ETOKEN},
        {"PUT", " , ", CORSHDR_OK},             /* an empty list asks for nothing */
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        corshdr_field f[] = {F("Origin", "https://app.example"), F("Access-Control-Request-Method", cases[i].acrm),
                             F("Access-Control-Request-Headers", cases[i].acrh ? cases[i].acrh : "")};
        corshdr_status st = apply(&c.p, "OPTIONS", f, cases[i].acrh ? 3 : 2, &a);
        if (st != cases[i].st)
            fail_msg("case %zu: %s", i, corshdr_err_name(st));
        if (st != CORSHDR_OK) {
            assert_int_equal(a.status, 403);
            assert_int_equal(a.nlines, 1); /* Vary, no CORS line */
            assert_null(line(&a, "Corshdr-Reason")); /* debug is off */
        }
    }
    /* Access-Control-Request-Headers on several lines: every element of every line is checked */
    corshdr_field two[] = {F("Origin", "https://app.example"), F("Access-Control-Request-Method", "PUT"),
                           F("Access-Control-Request-Headers", "x-trace-id"), F("X-Other", "1"),
                           F("Access-Control-Request-Headers", "content-type, x-nope")};
    assert_int_equal(apply(&c.p, "OPTIONS", two, 5, &a), CORSHDR_EHEADER);
    assert_int_equal(a.why.line, 4);
    assert_int_equal(a.why.offset, 14);
    two[4] = F("Access-Control-Request-Headers", "content-type");
    assert_int_equal(apply(&c.p, "OPTIONS", two, 5, &a), CORSHDR_OK);
    /* a hostile list is refused at its limit, bounded */
    static char commas[1024];
    memset(commas, ',', sizeof commas);
    corshdr_field hostile[] = {F("Origin", "https://app.example"), F("Access-Control-Request-Method", "PUT"),
                               field_n("Access-Control-Request-Headers", 30, commas, sizeof commas)};
    assert_int_equal(apply(&c.p, "OPTIONS", hostile, 3, &a), CORSHDR_EEMPTIES);
    assert_int_equal(a.why.line, 2);
    /* two method lines */
    corshdr_field twice[] = {F("Origin", "https://app.example"), F("Access-Control-Request-Method", "PUT"),
                             F("Access-Control-Request-Method", "PUT")};
    assert_int_equal(apply(&c.p, "OPTIONS", twice, 3, &a), CORSHDR_EREPEATED);
    assert_int_equal(a.why.line, 2);
    /* a configured status, and the reason header in debug mode */
    cfg.preflight_status = 200;
    cfg.debug = 1;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    assert_int_equal(apply(&c.p, "OPTIONS", ok, 3, &a), CORSHDR_OK);
    assert_int_equal(a.status, 200);
    assert_null(line(&a, "Corshdr-Reason"));
    corshdr_field evil[] = {F("Origin", "https://evil.example"), F("Access-Control-Request-Method", "PUT")};
    assert_int_equal(apply(&c.p, "OPTIONS", evil, 2, &a), CORSHDR_EACAO);
    assert_int_equal(a.status, 403);
    assert_span(*line(&a, "Corshdr-Reason"), "EACAO: origin not allowed");
}

/* `*` for headers: everything but Authorization, which must be named (Fetch); any method with and
 * without credentials. */
static void wildcards_follow_fetch(void **state)
{
    (void)state;
    const corshdr_span any[] = {S("*")};
    const corshdr_span any_and_auth[] = {S("*"), S("Authorization")};
    corshdr_policy_config cfg = standard();
    cfg.credentials = 0;
    cfg.headers = any;
    cfg.nheaders = 1;
    cfg.methods = any;
    cfg.nmethods = 1;
    struct compiled c;
    corshdr_policy_answer a;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    corshdr_field f[] = {F("Origin", "https://app.example"), F("Access-Control-Request-Method", "PURGE"),
                         F("Access-Control-Request-Headers", "x-anything, authorization")};
    assert_int_equal(apply(&c.p, "OPTIONS", f, 3, &a), CORSHDR_EAUTHORIZATION);
    assert_int_equal(a.why.offset, 12);
    f[2] = F("Access-Control-Request-Headers", "x-anything");
    assert_int_equal(apply(&c.p, "OPTIONS", f, 3, &a), CORSHDR_OK);
    assert_span(*line(&a, "Access-Control-Allow-Methods"), "*");
    assert_span(*line(&a, "Access-Control-Allow-Headers"), "*");
    cfg.headers = any_and_auth;
    cfg.nheaders = 2;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    f[2] = F("Access-Control-Request-Headers", "x-anything, authorization");
    assert_int_equal(apply(&c.p, "OPTIONS", f, 3, &a), CORSHDR_OK);
    assert_span(*line(&a, "Access-Control-Allow-Headers"), "*, Authorization");
    /* with credentials `*` in ACAM fails in browsers: the checked method is echoed instead */
    cfg = standard();
    cfg.methods = any;
    cfg.nmethods = 1;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    corshdr_field g[] = {F("Origin", "https://app.example"), F("Access-Control-Request-Method", " PURGE ")};
    assert_int_equal(apply(&c.p, "OPTIONS", g, 2, &a), CORSHDR_OK);
    assert_span(*line(&a, "Access-Control-Allow-Methods"), "PURGE");
}

/* Found by the conformance vectors (conformance/vectors/policy-*.json): entries that looked valid but
 * allowed more than they said, and problems given the wrong code. */
static void compile_refuses_entries_wider_than_they_look(void **state)
{
    (void)state;
    const corshdr_span origins[] = {
        S("https://*."),              /* a pattern with no base: every origin whose host ends in "." */
        S("https://*.:*"),
        S("https://a.example:8443:*"), /* a port and any port */
        S("http://127.evil.example"), /* a domain, not 127.0.0.0/8: insecure with credentials */
        S("http://127.0.0.1:3000"),   /* loopback */
        S("https://*.Example.com"),   /* patterns are judged like origins: not canonical, not malformed */
        S("HTTPS://example.com:*"),
        S("https://*.example.com/"),
        S("https://*.example.com:443"),
        S("https://*.co.uk."),        /* the suffix check sees co.uk, as libpsl would judge it */
        S("https://*.example.com."),
    };
    corshdr_policy_config cfg = standard();
    cfg.origins = origins;
    cfg.norigins = COUNT(origins);
    cfg.is_public_suffix = test_suffix;
    struct compiled c;
    assert_int_equal(compile(&c, &cfg), CORSHDR_EPOLICY);
    const struct {
        corshdr_status code;
        size_t index;
    } want[] = {{CORSHDR_EORIGIN, 0},    {CORSHDR_EORIGIN, 1},    {CORSHDR_EORIGIN, 2},    {CORSHDR_EINSECURE, 3},
                {CORSHDR_ECANONICAL, 5}, {CORSHDR_ECANONICAL, 6}, {CORSHDR_ECANONICAL, 7}, {CORSHDR_ECANONICAL, 8},
                {CORSHDR_EPUBLICSUFFIX, 9}};
    assert_int_equal(c.nproblems, COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++)
        assert_problem(&c.problems[i], want[i].code, CORSHDR_PART_ORIGINS, want[i].index);
    assert_int_equal(c.problems[2].offset, 22); /* the ":*" after the port */

    /* what is left allows exactly what it says */
    const corshdr_span fine[] = {S("http://127.0.0.1:3000"), S("https://*.example.com."), S("https://a.example:*")};
    cfg.origins = fine;
    cfg.norigins = COUNT(fine);
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    assert_int_equal(origin_verdict(&c.p, "http://127.0.0.1:3000"), CORSHDR_OK);
    assert_int_equal(origin_verdict(&c.p, "https://b.example.com."), CORSHDR_OK);
    assert_int_equal(origin_verdict(&c.p, "https://b.example.com"), CORSHDR_EACAO);
    assert_int_equal(origin_verdict(&c.p, "https://evil.net."), CORSHDR_EACAO);
    assert_int_equal(origin_verdict(&c.p, "https://a.example:8443"), CORSHDR_OK);
}

/* Origin entries at the edges: loopback is an IPv4 address or a localhost name, never a short or a
 * look-alike domain; an entry without bytes, "null" with a port wildcard, a scheme alone and a broken
 * host are malformed (EORIGIN), not merely written another way (ECANONICAL). */
static void compile_judges_entries_at_the_edges(void **state)
{
    (void)state;
    const corshdr_span origins[] = {
        S("http://a.b"),             /* 0: shorter than "127." and not localhost: insecure */
        S("http://127.1-2.example"), /* 1: a domain that begins "127.": insecure */
        S("http://127.0.0.1"),       /* 2: loopback */
        {NULL, 5},                   /* 3: no bytes */
        S("null:*"),                 /* 4: null is no origin entry, with a port wildcard neither */
        S("http:x"),                 /* 5: a scheme, then nothing an origin has */
        S("http://a!b"),             /* 6: malformed, with no default port to blame */
        S("HTTP://A.B:80"),          /* 7: only not canonical */
        S("http://a!b:80"),          /* 8: a default port, and malformed without it too */
        S("http://127.0.0.-"),       /* 9: digits, dots and a hyphen: a domain, insecure */
    };
    corshdr_policy_config cfg = standard();
    cfg.origins = origins;
    cfg.norigins = COUNT(origins);
    struct compiled c;
    assert_int_equal(compile(&c, &cfg), CORSHDR_EPOLICY);
    const struct {
        corshdr_status code;
        size_t index, offset;
    } want[] = {{CORSHDR_EINSECURE, 0, 0}, {CORSHDR_EINSECURE, 1, 0}, {CORSHDR_EORIGIN, 3, CORSHDR_NPOS},
                {CORSHDR_EORIGIN, 4, 0},   {CORSHDR_EORIGIN, 5, 4},   {CORSHDR_EORIGIN, 6, 8},
                {CORSHDR_ECANONICAL, 7, CORSHDR_NPOS}, {CORSHDR_EORIGIN, 8, 8}, {CORSHDR_EINSECURE, 9, 0}};
    assert_int_equal(c.nproblems, COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++) {
        assert_problem(&c.problems[i], want[i].code, CORSHDR_PART_ORIGINS, want[i].index);
        assert_int_equal(c.problems[i].offset, want[i].offset);
    }
}

/* Browsers upper-case the six standard methods (Fetch "normalize") and the policy compares methods byte
 * for byte: a standard one in another case could never match, any other keeps the case it is given. */
static void compile_wants_standard_methods_upper_case(void **state)
{
    (void)state;
    const corshdr_span methods[] = {S("get"), S("PUT"), S("Delete"), S("patch"), S("PATCH"), S("OPTIONs"),
                                    S("puts"), S("POsT")};
    corshdr_policy_config cfg = standard();
    cfg.methods = methods;
    cfg.nmethods = COUNT(methods);
    struct compiled c;
    assert_int_equal(compile(&c, &cfg), CORSHDR_EPOLICY);
    const size_t want[][2] = {{0, 0}, {2, 1}, {5, 6}, {7, 2}}; /* entry, the first byte not as sent */
    assert_int_equal(c.nproblems, COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++) {
        assert_problem(&c.problems[i], CORSHDR_ECANONICAL, CORSHDR_PART_METHODS, want[i][0]);
        assert_int_equal(c.problems[i].offset, want[i][1]);
    }
    /* PATCH and patch are two methods, both allowed; "Patch" is a third */
    const corshdr_span fine[] = {S("PUT"), S("patch"), S("PATCH"), S("puts")};
    cfg.methods = fine;
    cfg.nmethods = COUNT(fine);
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    corshdr_policy_answer a;
    corshdr_field pf[] = {F("Origin", "https://app.example"), F("Access-Control-Request-Method", "patch")};
    assert_int_equal(apply(&c.p, "OPTIONS", pf, 2, &a), CORSHDR_OK);
    pf[1].value = (corshdr_span)S("Patch");
    assert_int_equal(apply(&c.p, "OPTIONS", pf, 2, &a), CORSHDR_EMETHOD);
}

/* Requests at the edges of what apply reads: a scheme as long as the pattern's, a port the pattern does
 * not name, an Origin line without bytes (or a name without bytes, which is no Origin line), a request
 * header list whose first line is empty, Authorization under a policy without `*`, and "options", which
 * is not the OPTIONS method (methods are case-sensitive). */
static void apply_reads_requests_at_the_edges(void **state)
{
    (void)state;
    const corshdr_span origins[] = {S("http://*.example.com"), S("https://*.example.com:8443"), S("https://app.example")};
    const corshdr_span headers[] = {S("X-A"), S("X-B")};
    corshdr_policy_config cfg = standard();
    cfg.credentials = 0;
    cfg.origins = origins;
    cfg.norigins = COUNT(origins);
    cfg.headers = headers;
    cfg.nheaders = COUNT(headers);
    struct compiled c;
    corshdr_policy_answer a;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    assert_int_equal(origin_verdict(&c.p, "http://a.example.com"), CORSHDR_OK);
    assert_int_equal(origin_verdict(&c.p, "abcd://a.example.com"), CORSHDR_EACAO);
    assert_int_equal(origin_verdict(&c.p, "https://a.example.com:8443"), CORSHDR_OK);
    assert_int_equal(origin_verdict(&c.p, "https://a.example.com:8444"), CORSHDR_EACAO);

    corshdr_field nobytes[] = {{{"Origin", 6}, {NULL, 5}}};
    assert_int_equal(apply(&c.p, "GET", nobytes, 1, &a), CORSHDR_EINVAL);
    assert_int_equal(a.kind, CORSHDR_REQUEST_ACTUAL);
    assert_int_equal(a.why.line, 0);
    assert_null(line(&a, "Access-Control-Allow-Origin"));
    assert_span(*line(&a, "Vary"), "Origin");
    corshdr_field noname[] = {{{NULL, 6}, {"https://app.example", 19}}};
    assert_int_equal(apply(&c.p, "GET", noname, 1, &a), CORSHDR_ABSENT);
    assert_int_equal(a.kind, CORSHDR_REQUEST_PLAIN);

    corshdr_field two[] = {F("Origin", "https://app.example"), F("Access-Control-Request-Method", "PUT"),
                           F("Access-Control-Request-Headers", ""), F("Access-Control-Request-Headers", "x-a, x-c")};
    assert_int_equal(apply(&c.p, "OPTIONS", two, 4, &a), CORSHDR_EHEADER);
    assert_int_equal(a.why.line, 3);
    assert_int_equal(a.why.offset, 5);
    two[3] = F("Access-Control-Request-Headers", "x-a, Authorization");
    assert_int_equal(apply(&c.p, "OPTIONS", two, 4, &a), CORSHDR_EHEADER); /* EAUTHORIZATION: only under `*` */
    assert_int_equal(a.why.offset, 5);
    two[3] = F("Access-Control-Request-Headers", "x-b,X-A");
    assert_int_equal(apply(&c.p, "OPTIONS", two, 4, &a), CORSHDR_OK);
    assert_int_equal(a.kind, CORSHDR_REQUEST_PREFLIGHT);

    assert_int_equal(apply(&c.p, "options", two, 4, &a), CORSHDR_OK);
    assert_int_equal(a.kind, CORSHDR_REQUEST_ACTUAL);
    assert_int_equal(a.status, 0);
    assert_null(line(&a, "Access-Control-Allow-Methods"));
    assert_span(*line(&a, "Vary"), "Origin");
}

/* A policy allowing any header, asked for more names than the one-pass buffer holds (64), over two lines:
 * every name is allowed but Authorization, which is then found on its line. */
static void any_header_over_many_lines(void **state)
{
    (void)state;
    const corshdr_span any[] = {S("*")};
    corshdr_policy_config cfg = standard();
    cfg.credentials = 0;
    cfg.headers = any;
    cfg.nheaders = 1;
    struct compiled c;
    corshdr_policy_answer a;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    char l1[512], l2[512];
    size_t n1 = 0, n2 = 0;
    for (int i = 0; i < 40; i++) {
        n1 += (size_t)snprintf(l1 + n1, sizeof l1 - n1, "%sx-a%d", i ? ", " : "", i);
        n2 += (size_t)snprintf(l2 + n2, sizeof l2 - n2, "%sx-b%d", i ? "," : "", i);
    }
    corshdr_field f[] = {F("Origin", "https://app.example"), F("Access-Control-Request-Method", "PUT"),
                         field_n("Access-Control-Request-Headers", 30, l1, n1),
                         field_n("access-control-request-headers", 30, l2, n2)};
    assert_int_equal(apply(&c.p, "OPTIONS", f, 4, &a), CORSHDR_OK);
    assert_span(*line(&a, "Access-Control-Allow-Headers"), "*");
    n2 += (size_t)snprintf(l2 + n2, sizeof l2 - n2, ",authorization");
    f[3] = field_n("access-control-request-headers", 30, l2, n2);
    assert_int_equal(apply(&c.p, "OPTIONS", f, 4, &a), CORSHDR_EAUTHORIZATION);
    assert_int_equal(a.why.line, 3);
    assert_int_equal(a.why.offset, n2 - 13);
    assert_null(line(&a, "Access-Control-Allow-Headers"));
}

/* More exact origins than the linear look handles: the set finds names case-insensitively, yet an origin
 * in another case is still no origin. */
static void many_exact_origins_match_byte_for_byte(void **state)
{
    (void)state;
    char text[20][32];
    corshdr_span origins[20];
    for (size_t i = 0; i < COUNT(origins); i++) {
        origins[i].len = (size_t)snprintf(text[i], sizeof text[i], "https://app%zu.example", i);
        origins[i].ptr = text[i];
    }
    corshdr_policy_config cfg = standard();
    cfg.origins = origins;
    cfg.norigins = COUNT(origins);
    struct compiled c;
    assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
    assert_int_equal(origin_verdict(&c.p, "https://app17.example"), CORSHDR_OK);
    assert_int_equal(origin_verdict(&c.p, "https://APP17.example"), CORSHDR_EORIGIN);
    assert_int_equal(origin_verdict(&c.p, "https://App17.Example"), CORSHDR_EORIGIN);
    assert_int_equal(origin_verdict(&c.p, "https://app20.example"), CORSHDR_EACAO);
}

/* Under `*` only the allowed answer is the same for every origin: a request without Origin, or with a
 * bad one, gets Vary: Origin, so that no cache serves its answer (no Access-Control-Allow-Origin) to the
 * CORS requests after it. */
static void any_origin_varies_unless_answered_star(void **state)
{
    (void)state;
    struct compiled c;
    corshdr_policy_answer a;
    compile_any_origin(&c);
    corshdr_field none[] = {F("Host", "api.example")};
    assert_int_equal(apply(&c.p, "GET", none, 1, &a), CORSHDR_ABSENT);
    assert_int_equal(a.nlines, 1);
    assert_span(*line(&a, "Vary"), "Origin");
    assert_int_equal(apply(&c.p, "OPTIONS", none, 1, &a), CORSHDR_ABSENT);
    assert_span(*line(&a, "Vary"), "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    corshdr_field bad[] = {F("Origin", "https://a.example/")};
    assert_int_equal(apply(&c.p, "GET", bad, 1, &a), CORSHDR_EORIGIN);
    assert_int_equal(a.nlines, 1);
    assert_span(*line(&a, "Vary"), "Origin");
    corshdr_field good[] = {F("Origin", "https://a.example")};
    assert_int_equal(apply(&c.p, "GET", good, 1, &a), CORSHDR_OK);
    assert_null(line(&a, "Vary"));
}

/* Whatever the policy answers, the library's own client side agrees: an allowed preflight passes
 * corshdr_preflight_check, a refused one fails it, over every combination below. */
static void round_trip_through_client_checks(void **state)
{
    (void)state;
    const char *origins[] = {"https://app.example", "https://evil.example", "https://admin.example:8443",
                             "https://a.sub.example"};
    const char *methods[] = {"GET", "PUT", "patch", "PATCH", "DELETE", "OPTIONS", "PURGE"};
    const char *headers[] = {"", "content-type", "x-trace-id,authorization", "x-other", "authorization"};
    const corshdr_credentials creds[] = {CORSHDR_CREDENTIALS_OMIT, CORSHDR_CREDENTIALS_INCLUDE};
    const corshdr_span with_pattern[] = {S("https://app.example"), S("https://admin.example:8443"),
                                         S("https://*.sub.example")};
    const corshdr_span star[] = {S("*")};
    size_t checked = 0;
    for (int variant = 0; variant < 5; variant++) {
        struct compiled c;
        corshdr_policy_config cfg = standard();
        cfg.origins = with_pattern;
        cfg.norigins = 3;
        cfg.credentials = variant & 1;
        if (variant >= 2) { /* `*` headers, no credentials */
            cfg.credentials = 0;
            cfg.headers = star;
            cfg.nheaders = 1;
        }
        if (variant == 3) { /* any origin */
            cfg.origins = star;
            cfg.norigins = 1;
        }
        if (variant == 4) /* any method */
            cfg.methods = star, cfg.nmethods = 1;
        assert_int_equal(compile(&c, &cfg), CORSHDR_OK);
        for (size_t o = 0; o < COUNT(origins); o++)
            for (size_t m = 0; m < COUNT(methods); m++)
                for (size_t h = 0; h < COUNT(headers); h++)
                    for (size_t cr = 0; cr < COUNT(creds); cr++) {
                        corshdr_field req[] = {F("Origin", origins[o]), F("Access-Control-Request-Method", methods[m]),
                                               F("Access-Control-Request-Headers", headers[h])};
                        corshdr_policy_answer a;
                        corshdr_status st = apply(&c.p, "OPTIONS", req, headers[h][0] ? 3 : 2, &a);
                        /* the browser's side of the same exchange */
                        corshdr_name st4[4];
                        corshdr_names names;
                        corshdr_names_init(&names, st4, 4);
                        corshdr_span hs[4];
                        size_t nh = 0;
                        corshdr_list_parse(headers[h], strlen(headers[h]), 0, NULL, hs, 4, &nh, NULL);
                        for (size_t i = 0; i < nh; i++)
                            corshdr_names_add(&names, hs[i].ptr, hs[i].len);
                        corshdr_request rq = {span_of(origins[o]), span_of(methods[m]), creds[cr], &names, 0, 0};
                        corshdr_status client =
                            corshdr_preflight_check(&rq, a.status ? a.status : 204, a.lines, a.nlines, NULL, NULL, NULL);
                        /* a policy without credentials still fails a credentialed request at the client */
                        int expect_pass = st == CORSHDR_OK && (creds[cr] != CORSHDR_CREDENTIALS_INCLUDE || cfg.credentials);
                        if ((client == CORSHDR_OK) != expect_pass)
                            fail_msg("policy %d, %s %s [%s] credentials %d: policy %s, client %s", variant, origins[o],
                                     methods[m], headers[h], (int)creds[cr], corshdr_err_name(st),
                                     corshdr_err_name(client));
                        checked++;
                    }
        guard_release();
    }
    assert_int_equal(checked, 5 * 4 * 7 * 5 * 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(compile_reports_every_problem_at_once, guard_teardown),
        cmocka_unit_test_teardown(compile_reports_storage_and_keeps_nothing_of_the_config, guard_teardown),
        cmocka_unit_test_teardown(origin_patterns_admit_no_bypass, guard_teardown),
        cmocka_unit_test_teardown(actual_requests, guard_teardown),
        cmocka_unit_test_teardown(any_origin_answers_star, guard_teardown),
        cmocka_unit_test_teardown(preflights, guard_teardown),
        cmocka_unit_test_teardown(wildcards_follow_fetch, guard_teardown),
        cmocka_unit_test_teardown(compile_refuses_entries_wider_than_they_look, guard_teardown),
        cmocka_unit_test_teardown(many_exact_origins_match_byte_for_byte, guard_teardown),
        cmocka_unit_test_teardown(any_origin_varies_unless_answered_star, guard_teardown),
        cmocka_unit_test_teardown(round_trip_through_client_checks, guard_teardown),
        cmocka_unit_test_teardown(compile_judges_entries_at_the_edges, guard_teardown),
        cmocka_unit_test_teardown(compile_wants_standard_methods_upper_case, guard_teardown),
        cmocka_unit_test_teardown(apply_reads_requests_at_the_edges, guard_teardown),
        cmocka_unit_test_teardown(any_header_over_many_lines, guard_teardown),
    };
    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
