/* cors: the CORS check, the preflight checks, Access-Control-Max-Age and the exposed-header filter. */
#include "testutil.h"

#define ORIGIN "https://app.example"
#define O G(ORIGIN), strlen(ORIGIN)

static corshdr_status check(const corshdr_field *f, size_t n, corshdr_credentials c, corshdr_error *e)
{
    return corshdr_cors_check(f, n, O, c, e);
}

/* ---- CORS check ---- */

static void cors_star_passes_without_credentials_only(void **state)
{
    (void)state;
    corshdr_field f[] = {F("Access-Control-Allow-Origin", " * ")};
    corshdr_error e;
    assert_int_equal(check(f, 1, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_OK);
    assert_int_equal(check(f, 1, CORSHDR_CREDENTIALS_SAME_ORIGIN, &e), CORSHDR_OK);
    assert_int_equal(check(f, 1, CORSHDR_CREDENTIALS_INCLUDE, &e), CORSHDR_EWILDCARD);
    assert_int_equal(e.line, 0);
    assert_int_equal(e.offset, 1);
    /* even with Access-Control-Allow-Credentials: true */
    corshdr_field g[] = {F("Access-Control-Allow-Origin", "*"), F("Access-Control-Allow-Credentials", "true")};
    assert_int_equal(check(g, 2, CORSHDR_CREDENTIALS_INCLUDE, &e), CORSHDR_EWILDCARD);
}

static void cors_origin_must_match_byte_for_byte(void **state)
{
    (void)state;
    corshdr_error e;
    corshdr_field ok[] = {F("access-control-allow-origin", ORIGIN)};
    assert_int_equal(check(ok, 1, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_OK);
    const char *bad[] = {"https://APP.example", "https://app.example/", "https://app.example:443", "http://app.example",
                         "https://app.example.evil", "app.example", "https://app.example, https://b.example", "null",
                         "\"https://app.example\""};
    for (size_t i = 0; i < COUNT(bad); i++) {
        corshdr_field f[] = {F("Access-Control-Allow-Origin", bad[i])};
        assert_int_equal(check(f, 1, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_EACAO);
        assert_int_equal(e.line, 0);
    }
    corshdr_field f[] = {F("Access-Control-Allow-Origin", "https://app.exXmple")};
    assert_int_equal(check(f, 1, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_EACAO);
    assert_int_equal(e.offset, 14);
}

static void cors_null_matches_only_opaque_origin(void **state)
{
    (void)state;
    corshdr_field f[] = {F("Access-Control-Allow-Origin", "null")};
    assert_int_equal(corshdr_cors_check(f, 1, G("null"), 4, CORSHDR_CREDENTIALS_OMIT, NULL), CORSHDR_OK);
    assert_int_equal(check(f, 1, CORSHDR_CREDENTIALS_OMIT, NULL), CORSHDR_EACAO);
    corshdr_field g[] = {F("Access-Control-Allow-Origin", "NULL")};
    assert_int_equal(corshdr_cors_check(g, 1, G("null"), 4, CORSHDR_CREDENTIALS_OMIT, NULL), CORSHDR_EACAO);
}

static void cors_absent_and_repeated_acao_fail(void **state)
{
    (void)state;
    corshdr_error e;
    corshdr_field none[] = {F("Vary", "Origin")};
    assert_int_equal(check(none, 1, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_ENOACAO);
    assert_int_equal(check(NULL, 0, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_ENOACAO);
    /* wpt fetch/api/cors/cors-multiple-origins: two lines fail even when both are right */
    corshdr_field two[] = {F("Access-Control-Allow-Origin", ORIGIN), F("X", "y"), F("Access-Control-Allow-Origin", ORIGIN)};
    assert_int_equal(check(two, 3, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_EREPEATED);
    assert_int_equal(e.line, 2);
    corshdr_field stars[] = {F("Access-Control-Allow-Origin", "*"), F("Access-Control-Allow-Origin", "*")};
    assert_int_equal(check(stars, 2, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_EREPEATED);
}

static void cors_credentials_need_exactly_true(void **state)
{
    (void)state;
    corshdr_error e;
    corshdr_field ok[] = {F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Allow-Credentials", " true\t")};
    assert_int_equal(check(ok, 2, CORSHDR_CREDENTIALS_INCLUDE, &e), CORSHDR_OK);
    const char *bad[] = {"True", "TRUE", "1", "yes", "", "true,", "\"true\""};
    for (size_t i = 0; i < COUNT(bad); i++) {
        corshdr_field f[] = {F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Allow-Credentials", bad[i])};
        assert_int_equal(check(f, 2, CORSHDR_CREDENTIALS_INCLUDE, &e), CORSHDR_EACAC);
        assert_int_equal(e.line, 1);
        /* without credentials the header does not matter */
        assert_int_equal(check(f, 2, CORSHDR_CREDENTIALS_SAME_ORIGIN, &e), CORSHDR_OK);
    }
    corshdr_field absent[] = {F("Access-Control-Allow-Origin", ORIGIN)};
    assert_int_equal(check(absent, 1, CORSHDR_CREDENTIALS_INCLUDE, &e), CORSHDR_EACAC);
    assert_int_equal(e.line, CORSHDR_NPOS);
    /* Fetch "get" combines two lines to "true, true" */
    corshdr_field two[] = {F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Allow-Credentials", "true"),
                           F("Access-Control-Allow-Credentials", "true")};
    assert_int_equal(check(two, 3, CORSHDR_CREDENTIALS_INCLUDE, &e), CORSHDR_EACAC);
}

static void cors_network_error_lists(void **state)
{
    (void)state;
    corshdr_error e;
    corshdr_field nul[] = {F("Access-Control-Allow-Origin", "*"), field_n("X", 1, "a\0b", 3)};
    assert_int_equal(check(nul, 2, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_EVALUE);
    assert_int_equal(e.line, 1);
    corshdr_field name[] = {F("Access-Control-Allow-Origin", "*"), F("X:Y", "z")};
    assert_int_equal(check(name, 2, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_ENAME);
    assert_int_equal(corshdr_cors_check(nul, 2, NULL, 3, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_EINVAL);
}

/* ---- preflight ---- */

struct pf {
    corshdr_name storage[8];
    corshdr_names set;
    corshdr_request req;
};

static void pf_init(struct pf *p, const char *method, corshdr_credentials c, const char **headers, size_t nh)
{
    corshdr_names_init(&p->set, p->storage, 8);
    for (size_t i = 0; i < nh; i++)
        corshdr_names_add(&p->set, G(headers[i]), strlen(headers[i]));
    p->req.origin = (corshdr_span){G(ORIGIN), strlen(ORIGIN)};
    p->req.method = (corshdr_span){G(method), strlen(method)};
    p->req.credentials = c;
    p->req.headers = nh ? &p->set : NULL;
    p->req.use_preflight = 0;
    p->req.max_age_cap = 0;
}

static corshdr_status preflight(struct pf *p, int status, const corshdr_field *f, size_t n, uint32_t *age,
                                corshdr_error *e)
{
    return corshdr_preflight_check(&p->req, status, f, n, NULL, age, e);
}

static void preflight_needs_ok_status_and_cors_check(void **state)
{
    (void)state;
    struct pf p;
    uint32_t age = 0;
    corshdr_error e;
    pf_init(&p, "PUT", CORSHDR_CREDENTIALS_OMIT, NULL, 0);
    corshdr_field f[] = {F("Access-Control-Allow-Origin", "*"), F("Access-Control-Allow-Methods", "PUT")};
    assert_int_equal(preflight(&p, 200, f, 2, &age, &e), CORSHDR_OK);
    assert_int_equal(age, 5);
    assert_int_equal(preflight(&p, 299, f, 2, &age, &e), CORSHDR_OK);
    /* wpt cors-preflight-status: every non-2xx fails */
    const int bad[] = {100, 199, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 500, 503, 0};
    for (size_t i = 0; i < COUNT(bad); i++)
        assert_int_equal(preflight(&p, bad[i], f, 2, &age, &e), CORSHDR_ESTATUS);
    corshdr_field g[] = {F("Access-Control-Allow-Methods", "PUT")};
    assert_int_equal(preflight(&p, 204, g, 1, &age, &e), CORSHDR_ENOACAO);
}

static void preflight_method_rules(void **state)
{
    (void)state;
    struct pf p;
    corshdr_error e;
    corshdr_field f[] = {F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Allow-Methods", "patch, PUT, DELETE")};
    /* normalization uppercases delete but not patch */
    pf_init(&p, "delete", CORSHDR_CREDENTIALS_OMIT, NULL, 0);
    assert_int_equal(preflight(&p, 204, f, 2, NULL, &e), CORSHDR_OK);
    pf_init(&p, "patch", CORSHDR_CREDENTIALS_OMIT, NULL, 0);
    assert_int_equal(preflight(&p, 204, f, 2, NULL, &e), CORSHDR_OK);
    pf_init(&p, "PATCH", CORSHDR_CREDENTIALS_OMIT, NULL, 0);
    assert_int_equal(preflight(&p, 204, f, 2, NULL, &e), CORSHDR_EMETHOD);
    assert_int_equal(e.line, 1);
    corshdr_field g[] = {F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Allow-Methods", "put")};
    pf_init(&p, "put", CORSHDR_CREDENTIALS_OMIT, NULL, 0); /* normalized to PUT: `put` does not match */
    assert_int_equal(preflight(&p, 204, g, 2, NULL, &e), CORSHDR_EMETHOD);
    /* GET, HEAD, POST always pass, even with no ACAM, in any case given by the page */
    corshdr_field h[] = {F("Access-Control-Allow-Origin", ORIGIN)};
    const char *safe[] = {"GET", "head", "Post"};
    for (size_t i = 0; i < COUNT(safe); i++) {
        pf_init(&p, safe[i], CORSHDR_CREDENTIALS_OMIT, NULL, 0);
        assert_int_equal(preflight(&p, 200, h, 1, NULL, &e), CORSHDR_OK);
    }
    pf_init(&p, "PUT", CORSHDR_CREDENTIALS_OMIT, NULL, 0);
    assert_int_equal(preflight(&p, 200, h, 1, NULL, &e), CORSHDR_EMETHOD);
    assert_int_equal(e.line, CORSHDR_NPOS);
    p.req.use_preflight = 1; /* Fetch step 7.4: an absent ACAM then means « method » */
    assert_int_equal(preflight(&p, 200, h, 1, NULL, &e), CORSHDR_OK);
}

static void preflight_method_wildcard_only_without_credentials(void **state)
{
    (void)state;
    struct pf p;
    corshdr_field f[] = {F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Allow-Methods", "*"),
                         F("Access-Control-Allow-Credentials", "true")};
    pf_init(&p, "SOMETHING", CORSHDR_CREDENTIALS_OMIT, NULL, 0);
    assert_int_equal(preflight(&p, 200, f, 3, NULL, NULL), CORSHDR_OK);
    pf_init(&p, "SOMETHING", CORSHDR_CREDENTIALS_INCLUDE, NULL, 0);
    assert_int_equal(preflight(&p, 200, f, 3, NULL, NULL), CORSHDR_EMETHOD);
    /* with credentials `*` is a literal method name */
    pf_init(&p, "*", CORSHDR_CREDENTIALS_INCLUDE, NULL, 0);
    assert_int_equal(preflight(&p, 200, f, 3, NULL, NULL), CORSHDR_OK);
}

static void preflight_header_rules(void **state)
{
    (void)state;
    struct pf p;
    corshdr_error e;
    const char *req[] = {"X-Trace-Id", "content-type"};
    corshdr_field f[] = {F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Allow-Headers", "x-trace-id"),
                         F("Access-Control-Allow-Headers", "Content-Type")};
    pf_init(&p, "GET", CORSHDR_CREDENTIALS_OMIT, req, 2);
    assert_int_equal(preflight(&p, 200, f, 3, NULL, &e), CORSHDR_OK);
    assert_int_equal(preflight(&p, 200, f, 2, NULL, &e), CORSHDR_EHEADER);
    assert_int_equal(e.line, 1);
    corshdr_field star[] = {F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Allow-Headers", "*"),
                            F("Access-Control-Allow-Credentials", "true")};
    assert_int_equal(preflight(&p, 200, star, 3, NULL, &e), CORSHDR_OK);
    pf_init(&p, "GET", CORSHDR_CREDENTIALS_INCLUDE, req, 2);
    assert_int_equal(preflight(&p, 200, star, 3, NULL, &e), CORSHDR_EHEADER);
}

static void preflight_authorization_never_covered_by_star(void **state)
{
    (void)state;
    struct pf p;
    corshdr_error e;
    const char *req[] = {"authorization", "x-a"};
    corshdr_field star[] = {F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Allow-Headers", "*")};
    pf_init(&p, "GET", CORSHDR_CREDENTIALS_OMIT, req, 2);
    assert_int_equal(preflight(&p, 200, star, 2, NULL, &e), CORSHDR_EAUTHORIZATION);
    assert_int_equal(e.line, 1);
    corshdr_field named[] = {F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Allow-Headers", "*, Authorization")};
    assert_int_equal(preflight(&p, 200, named, 2, NULL, &e), CORSHDR_OK);
    corshdr_field other[] = {F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Allow-Headers", "x-a")};
    assert_int_equal(preflight(&p, 200, other, 2, NULL, &e), CORSHDR_EHEADER);
}

static void preflight_invalid_lists_fail(void **state)
{
    (void)state;
    struct pf p;
    corshdr_error e;
    pf_init(&p, "GET", CORSHDR_CREDENTIALS_OMIT, NULL, 0);
    /* wpt cors-preflight-response-validation: a bad element fails even when nothing else is needed */
    corshdr_field m[] = {F("Access-Control-Allow-Origin", "*"), F("Access-Control-Allow-Methods", "GET, b@d")};
    assert_int_equal(preflight(&p, 200, m, 2, NULL, &e), CORSHDR_ETOKEN);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.offset, 6);
    corshdr_field h[] = {F("Access-Control-Allow-Origin", "*"), F("Access-Control-Allow-Headers", "x-a, \"x-b\"")};
    assert_int_equal(preflight(&p, 200, h, 2, NULL, &e), CORSHDR_ETOKEN);
    assert_int_equal(e.line, 1);
    corshdr_field bad_value[] = {F("Access-Control-Allow-Origin", "*"), F("Access-Control-Allow-Headers", "x\r")};
    assert_int_equal(preflight(&p, 200, bad_value, 2, NULL, &e), CORSHDR_EVALUE);
    assert_int_equal(corshdr_preflight_check(NULL, 200, m, 2, NULL, NULL, &e), CORSHDR_EINVAL);
}

static void preflight_max_age_and_cap(void **state)
{
    (void)state;
    struct pf p;
    uint32_t age = 0;
    pf_init(&p, "GET", CORSHDR_CREDENTIALS_OMIT, NULL, 0);
    corshdr_field f[] = {F("Access-Control-Allow-Origin", "*"), F("Access-Control-Max-Age", "86400")};
    assert_int_equal(preflight(&p, 200, f, 2, &age, NULL), CORSHDR_OK);
    assert_int_equal(age, 86400);
    p.req.max_age_cap = 7200;
    assert_int_equal(preflight(&p, 200, f, 2, &age, NULL), CORSHDR_OK);
    assert_int_equal(age, 7200);
}

/* ---- max-age ---- */

static void max_age_values(void **state)
{
    (void)state;
    struct {
        const char *in;
        uint32_t want;
        corshdr_status st;
    } cases[] = {
        {"0", 0, CORSHDR_OK},          {"600", 600, CORSHDR_OK},           {" 7200\t", 7200, CORSHDR_OK},
        {"007", 7, CORSHDR_OK},        {"2147483647", 2147483647u, CORSHDR_OK},
        {"2147483648", 2147483648u, CORSHDR_OK}, {"2147483649", 2147483648u, CORSHDR_OK},
        {"99999999999999999999999999", 2147483648u, CORSHDR_OK},
        {"-1", 0, CORSHDR_EMAXAGE},    {"-0", 0, CORSHDR_EMAXAGE},         {"-99999999999999", 0, CORSHDR_EMAXAGE},
        {"", 5, CORSHDR_EMAXAGE},      {"-", 5, CORSHDR_EMAXAGE},          {"+5", 5, CORSHDR_EMAXAGE},
        {"1.5", 5, CORSHDR_EMAXAGE},   {"5, 6", 5, CORSHDR_EMAXAGE},       {"5 6", 5, CORSHDR_EMAXAGE},
        {"0x10", 5, CORSHDR_EMAXAGE},  {"--1", 5, CORSHDR_EMAXAGE},        {"\"5\"", 5, CORSHDR_EMAXAGE},
        {"5s", 5, CORSHDR_EMAXAGE},    {"\x0b" "5", 5, CORSHDR_EMAXAGE},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        corshdr_field f[] = {F("Access-Control-Max-Age", cases[i].in)};
        uint32_t s = 12345;
        corshdr_status st = corshdr_max_age_parse(f, 1, &s, NULL);
        if (st != cases[i].st || s != cases[i].want)
            fail_msg("\"%s\": %s %u", cases[i].in, corshdr_err_name(st), (unsigned)s);
    }
    uint32_t s = 0;
    corshdr_error e;
    assert_int_equal(corshdr_max_age_parse(NULL, 0, &s, &e), CORSHDR_ABSENT);
    assert_int_equal(s, 5);
    corshdr_field two[] = {F("Access-Control-Max-Age", "600"), F("access-control-max-age", "600")};
    assert_int_equal(corshdr_max_age_parse(two, 2, &s, &e), CORSHDR_EREPEATED);
    assert_int_equal(s, 5);
    assert_int_equal(e.line, 1);
    assert_int_equal(corshdr_max_age_parse(two, 2, NULL, &e), CORSHDR_EINVAL);
}

/* ---- exposed headers ---- */

static void expect_readable(const corshdr_field *f, size_t n, corshdr_credentials c, const char *want_joined)
{
    corshdr_name st[32];
    corshdr_names set;
    corshdr_error e;
    char buf[512];
    size_t len;
    corshdr_names_init(&set, st, 32);
    assert_int_equal(corshdr_exposed_filter(f, n, c, NULL, &set, &e), CORSHDR_OK);
    assert_int_equal(corshdr_names_join(&set, " ", 1, buf, sizeof buf, &len), CORSHDR_OK);
    buf[len] = 0;
    assert_string_equal(buf, want_joined);
    for (size_t i = 0; i < set.count; i++)
        assert_true(corshdr_is_exposed(f, n, c, NULL, set.items[i].name.ptr, set.items[i].name.len));
}

static void exposed_safelisted_seven_include_content_length(void **state)
{
    (void)state;
    corshdr_field f[] = {F("Cache-Control", "no-cache"), F("Content-Language", "en"), F("Content-Length", "3"),
                         F("Content-Type", "text/plain"), F("Expires", "0"), F("Last-Modified", "x"), F("Pragma", "no-cache"),
                         F("Date", "x"), F("Server", "x"), F("X-Custom", "1"), F("Set-Cookie", "a=b")};
    expect_readable(f, COUNT(f), CORSHDR_CREDENTIALS_OMIT,
                    "cache-control content-language content-length content-type expires last-modified pragma");
}

static void exposed_lists_several_custom_headers(void **state)
{
    (void)state;
    corshdr_field f[] = {F("X-A", "1"), F("X-B", "2"), F("x-c", "3"), F("X-D", "4"), F("X-A", "again"),
                         F("Access-Control-Expose-Headers", "x-a, X-C"), F("Access-Control-Expose-Headers", " x-nothere ,x-b")};
    expect_readable(f, COUNT(f), CORSHDR_CREDENTIALS_INCLUDE, "x-a x-b x-c");
}

static void exposed_star_depends_on_credentials(void **state)
{
    (void)state;
    corshdr_field f[] = {F("X-A", "1"), F("Content-Type", "t"), F("Set-Cookie", "a=b"), F("Set-Cookie2", "c"),
                         F("Access-Control-Expose-Headers", "*")};
    expect_readable(f, COUNT(f), CORSHDR_CREDENTIALS_SAME_ORIGIN, "access-control-expose-headers content-type x-a");
    expect_readable(f, COUNT(f), CORSHDR_CREDENTIALS_INCLUDE, "content-type");
    /* with credentials, `*` is the literal name `*` */
    corshdr_field g[] = {F("*", "1"), F("X-A", "1"), F("Access-Control-Expose-Headers", "*")};
    expect_readable(g, COUNT(g), CORSHDR_CREDENTIALS_INCLUDE, "*");
}

static void exposed_set_cookie_never(void **state)
{
    (void)state;
    corshdr_field f[] = {F("Set-Cookie", "a=b"), F("set-cookie2", "c"),
                         F("Access-Control-Expose-Headers", "Set-Cookie, SET-COOKIE2")};
    expect_readable(f, COUNT(f), CORSHDR_CREDENTIALS_OMIT, "");
    assert_false(corshdr_is_exposed(f, COUNT(f), CORSHDR_CREDENTIALS_OMIT, NULL, G("Set-Cookie"), 10));
    /* a list longer than the short path reads (more than 16 elements) takes the sorted-set path */
    corshdr_field g[] = {F("Set-Cookie", "a=b"), F("X-Q", "1"),
                         F("Access-Control-Expose-Headers", "x-a, x-b, x-c, x-d, x-e, x-f, x-g, x-h, x-i, x-j, "
                                                            "x-k, x-l, x-m, x-n, x-o, x-p, X-Q, Set-Cookie")};
    expect_readable(g, COUNT(g), CORSHDR_CREDENTIALS_OMIT, "x-q");
}

static void exposed_invalid_list_exposes_nothing_more(void **state)
{
    (void)state;
    corshdr_field f[] = {F("X-A", "1"), F("Content-Type", "t"), F("Access-Control-Expose-Headers", "X-A, b@d")};
    corshdr_name st[8];
    corshdr_names set;
    corshdr_error e;
    corshdr_names_init(&set, st, 8);
    assert_int_equal(corshdr_exposed_filter(f, 3, CORSHDR_CREDENTIALS_OMIT, NULL, &set, &e), CORSHDR_OK);
    assert_int_equal(e.code, CORSHDR_ETOKEN);
    assert_int_equal(e.line, 2);
    assert_int_equal(set.count, 1);
    assert_span(set.items[0].name, "Content-Type");
    assert_false(corshdr_is_exposed(f, 3, CORSHDR_CREDENTIALS_OMIT, NULL, G("x-a"), 3));
    corshdr_field none[] = {F("X-A", "1")};
    corshdr_names_init(&set, st, 8);
    assert_int_equal(corshdr_exposed_filter(none, 1, CORSHDR_CREDENTIALS_OMIT, NULL, &set, &e), CORSHDR_OK);
    assert_int_equal(e.code, CORSHDR_ABSENT);
    assert_int_equal(set.count, 0);
}

static void exposed_storage_and_network_errors(void **state)
{
    (void)state;
    corshdr_field f[] = {F("X-A", "1"), F("X-B", "1"), F("X-C", "1")};
    corshdr_name st[2];
    corshdr_names set;
    corshdr_names_init(&set, st, 2);
    assert_int_equal(corshdr_exposed_filter(f, 3, CORSHDR_CREDENTIALS_OMIT, NULL, &set, NULL), CORSHDR_ENOSPC);
    assert_int_equal(set.needed, 3);
    corshdr_field bad[] = {F("X-A", "1\n")};
    corshdr_names_init(&set, st, 2);
    assert_int_equal(corshdr_exposed_filter(bad, 1, CORSHDR_CREDENTIALS_OMIT, NULL, &set, NULL), CORSHDR_EVALUE);
    assert_false(corshdr_is_exposed(bad, 1, CORSHDR_CREDENTIALS_OMIT, NULL, G("Content-Type"), 12));
    assert_int_equal(corshdr_exposed_filter(bad, 1, CORSHDR_CREDENTIALS_OMIT, NULL, NULL, NULL), CORSHDR_EINVAL);
}

/* Names already in the set are candidates too (corshdr.h): kept when readable, dropped when not, on the
 * short Expose-Headers path and on the long one (more than 16 elements) alike. */
static void exposed_keeps_readable_candidates(void **state)
{
    (void)state;
    const char *lists[] = {"X-A, X-Extra", "x-a, x-b, x-c, x-d, x-e, x-f, x-g, x-h, x-i, x-j, x-k, x-l, x-m, x-n, x-o, "
                                           "x-p, X-Extra"};
    for (size_t i = 0; i < COUNT(lists); i++) {
        corshdr_field f[] = {F("X-A", "1"), F("X-Hidden", "2"), F("Access-Control-Expose-Headers", lists[i])};
        corshdr_name st[8];
        corshdr_names set;
        corshdr_error e;
        char buf[128];
        size_t len;
        corshdr_names_init(&set, st, 8);
        const char *candidates[] = {"X-Extra", "X-Secret", "Content-Language", "set-cookie"};
        for (size_t c = 0; c < COUNT(candidates); c++)
            assert_int_equal(corshdr_names_add(&set, G(candidates[c]), strlen(candidates[c])), CORSHDR_OK);
        assert_int_equal(corshdr_exposed_filter(f, 3, CORSHDR_CREDENTIALS_OMIT, NULL, &set, &e), CORSHDR_OK);
        assert_int_equal(e.code, CORSHDR_OK);
        assert_int_equal(corshdr_names_join(&set, ",", 1, buf, sizeof buf, &len), CORSHDR_OK);
        buf[len] = 0;
        assert_string_equal(buf, "content-language,x-a,x-extra");
    }
}

/* One name at a time: `*` exposes every name but Set-Cookie without credentials, and with credentials
 * is only the name `*` (Fetch: "CORS-exposed header-name list", main fetch). */
static void is_exposed_star_and_credentials(void **state)
{
    (void)state;
    corshdr_field f[] = {F("X-A", "1"), F("X-B", "2"), F("*", "3"), F("Access-Control-Expose-Headers", "*, X-B")};
    assert_true(corshdr_is_exposed(f, 4, CORSHDR_CREDENTIALS_OMIT, NULL, G("X-A"), 3));
    assert_true(corshdr_is_exposed(f, 4, CORSHDR_CREDENTIALS_SAME_ORIGIN, NULL, G("x-unsent"), 8));
    assert_false(corshdr_is_exposed(f, 4, CORSHDR_CREDENTIALS_OMIT, NULL, G("Set-Cookie"), 10));
    /* credentials include: `*` covers nothing, an unlisted name stays hidden */
    assert_false(corshdr_is_exposed(f, 4, CORSHDR_CREDENTIALS_INCLUDE, NULL, G("X-A"), 3));
    assert_true(corshdr_is_exposed(f, 4, CORSHDR_CREDENTIALS_INCLUDE, NULL, G("x-b"), 3));
    assert_true(corshdr_is_exposed(f, 4, CORSHDR_CREDENTIALS_INCLUDE, NULL, G("*"), 1));
    assert_true(corshdr_is_exposed(f, 4, CORSHDR_CREDENTIALS_INCLUDE, NULL, G("Content-Type"), 12));
}

/* Names that are no CORS header: longer than any (64 bytes and more), or of a CORS name's length with its
 * telling byte but another name. The index passes them by on every kernel, and so does max-age, which
 * reads names only (a name without bytes among them). */
static void index_ignores_names_that_only_look_like_cors(void **state)
{
    (void)state;
    const char *longname = "Access-Control-Allow-Origin-Access-Control-Allow-Methods-And-So-On-And-On";
    corshdr_field f[] = {F(longname, "*"), F("Access-Control-Allow-Mistake", "PUT"),
                         F("Access-Control-Allow-Origin", ORIGIN), F("Access-Control-Expose-Headers-X", "X-A")};
    const corshdr_kernel ks[] = {CORSHDR_KERNEL_SCALAR, CORSHDR_KERNEL_SSE2, CORSHDR_KERNEL_AVX2, CORSHDR_KERNEL_AUTO};
    for (size_t k = 0; k < COUNT(ks); k++) {
        corshdr_options o;
        corshdr_options_init(&o);
        o.kernel = ks[k];
        corshdr_index ix;
        assert_int_equal(corshdr_index_build(&ix, f, COUNT(f), &o, NULL), CORSHDR_OK);
        assert_int_equal(ix.count[CORSHDR_ACAO], 1);
        assert_int_equal(ix.line[CORSHDR_ACAO][0], 2);
        assert_int_equal(ix.count[CORSHDR_ACAM], 0);
        assert_int_equal(ix.count[CORSHDR_ACEH], 0);
        assert_int_equal(corshdr_index_cors_check(&ix, O, CORSHDR_CREDENTIALS_OMIT, NULL), CORSHDR_OK);
    }
    struct pf p;
    pf_init(&p, "PUT", CORSHDR_CREDENTIALS_OMIT, NULL, 0);
    corshdr_error e;
    assert_int_equal(preflight(&p, 204, f, COUNT(f), NULL, &e), CORSHDR_EMETHOD);
    assert_int_equal(e.line, CORSHDR_NPOS); /* no Access-Control-Allow-Methods line at all */
    corshdr_field ages[] = {F(longname, "1"), {{NULL, 22}, {"7", 1}}, F("Access-Control-Max-Age", "60")};
    uint32_t s = 0;
    assert_int_equal(corshdr_max_age_parse(ages, 3, &s, &e), CORSHDR_OK);
    assert_int_equal(s, 60);
}

/* One pass finds every CORS line (any case, several lines, more lines than it keeps), and the checks on
 * it answer what the plain calls answer. */
static void index_finds_the_cors_lines_once(void **state)
{
    (void)state;
    corshdr_field f[] = {F("Date", "x"), F("ACCESS-CONTROL-ALLOW-ORIGIN", "https://a.example"),
                         F("access-control-expose-headers", "X-A"), F("Vary", "Origin"),
                         F("Access-Control-Expose-Headers", "X-B, *"), F("X-A", "1"), F("X-B", "2"),
                         F("Access-Control-Max-Age", "600"), F("Access-Control-Allow-Credentials", "true"),
                         F("Origin", "https://req.example")};
    corshdr_index ix;
    corshdr_error e;
    assert_int_equal(corshdr_index_build(&ix, f, COUNT(f), NULL, &e), CORSHDR_OK);
    assert_int_equal(ix.count[CORSHDR_ACAO], 1);
    assert_int_equal(ix.line[CORSHDR_ACAO][0], 1);
    assert_int_equal(ix.count[CORSHDR_ACEH], 2);
    assert_int_equal(ix.line[CORSHDR_ACEH][1], 4);
    assert_int_equal(ix.count[CORSHDR_ACMA], 1);
    assert_int_equal(ix.count[CORSHDR_ORIGIN], 1);
    assert_int_equal(ix.count[CORSHDR_ACAM], 0);
    assert_int_equal(corshdr_index_cors_check(&ix, G("https://a.example"), 17, CORSHDR_CREDENTIALS_INCLUDE, &e), CORSHDR_OK);
    assert_int_equal(corshdr_index_cors_check(&ix, G("https://b.example"), 17, CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_EACAO);
    assert_int_equal(e.line, 1);
    uint32_t s = 0;
    assert_int_equal(corshdr_index_max_age(&ix, &s, NULL), CORSHDR_OK);
    assert_int_equal(s, 600);
    corshdr_name st[16];
    corshdr_names set;
    corshdr_names_init(&set, st, 16);
    assert_int_equal(corshdr_index_exposed_filter(&ix, CORSHDR_CREDENTIALS_INCLUDE, NULL, &set, &e), CORSHDR_OK);
    char out[128];
    size_t len;
    assert_int_equal(corshdr_names_join(&set, ",", 1, out, sizeof out, &len), CORSHDR_OK);
    assert_memory_equal(out, "x-a,x-b", len); /* `*` with credentials is only a name */
    assert_int_equal(len, 7);
    assert_true(corshdr_index_is_exposed(&ix, CORSHDR_CREDENTIALS_OMIT, NULL, G("X-Anything"), 10));
    assert_false(corshdr_index_is_exposed(&ix, CORSHDR_CREDENTIALS_INCLUDE, NULL, G("X-Anything"), 10));
    /* more lines of one header than the index keeps: the rest are found by name, in order */
    corshdr_field many[12];
    for (size_t i = 0; i < 12; i++)
        many[i] = F(i % 2 ? "Access-Control-Expose-Headers" : "X-Other", i == 11 ? "X-Last" : "X-Mid");
    assert_int_equal(corshdr_index_build(&ix, many, 12, NULL, NULL), CORSHDR_OK);
    assert_int_equal(ix.count[CORSHDR_ACEH], 6);
    assert_true(corshdr_index_is_exposed(&ix, CORSHDR_CREDENTIALS_OMIT, NULL, G("x-last"), 6));
    /* a list Fetch cannot hold: the same error as corshdr_fields_check, on every kernel */
    corshdr_field bad[] = {F("A", "1"), F("B C", "2"), F("D", "3\r")};
    const corshdr_kernel ks[] = {CORSHDR_KERNEL_SCALAR, CORSHDR_KERNEL_SSE2, CORSHDR_KERNEL_AVX2};
    for (size_t k = 0; k < COUNT(ks); k++) {
        corshdr_options o;
        corshdr_options_init(&o);
        o.kernel = ks[k];
        assert_int_equal(corshdr_index_build(&ix, bad, 3, &o, &e), CORSHDR_ENAME);
        assert_int_equal(e.line, 1);
        assert_int_equal(e.offset, 1);
        assert_true(e.in_name);
        assert_int_equal(corshdr_index_build(&ix, bad + 2, 1, &o, &e), CORSHDR_EVALUE);
        assert_int_equal(e.offset, 1);
    }
    assert_int_equal(corshdr_index_build(NULL, f, 1, NULL, &e), CORSHDR_EINVAL);
    assert_int_equal(corshdr_index_build(&ix, NULL, 1, NULL, &e), CORSHDR_EINVAL);
    assert_int_equal(corshdr_index_cors_check(NULL, "", 0, CORSHDR_CREDENTIALS_OMIT, NULL), CORSHDR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(index_finds_the_cors_lines_once, guard_teardown),
        cmocka_unit_test_teardown(cors_star_passes_without_credentials_only, guard_teardown),
        cmocka_unit_test_teardown(cors_origin_must_match_byte_for_byte, guard_teardown),
        cmocka_unit_test_teardown(cors_null_matches_only_opaque_origin, guard_teardown),
        cmocka_unit_test_teardown(cors_absent_and_repeated_acao_fail, guard_teardown),
        cmocka_unit_test_teardown(cors_credentials_need_exactly_true, guard_teardown),
        cmocka_unit_test_teardown(cors_network_error_lists, guard_teardown),
        cmocka_unit_test_teardown(preflight_needs_ok_status_and_cors_check, guard_teardown),
        cmocka_unit_test_teardown(preflight_method_rules, guard_teardown),
        cmocka_unit_test_teardown(preflight_method_wildcard_only_without_credentials, guard_teardown),
        cmocka_unit_test_teardown(preflight_header_rules, guard_teardown),
        cmocka_unit_test_teardown(preflight_authorization_never_covered_by_star, guard_teardown),
        cmocka_unit_test_teardown(preflight_invalid_lists_fail, guard_teardown),
        cmocka_unit_test_teardown(preflight_max_age_and_cap, guard_teardown),
        cmocka_unit_test_teardown(max_age_values, guard_teardown),
        cmocka_unit_test_teardown(exposed_safelisted_seven_include_content_length, guard_teardown),
        cmocka_unit_test_teardown(exposed_lists_several_custom_headers, guard_teardown),
        cmocka_unit_test_teardown(exposed_star_depends_on_credentials, guard_teardown),
        cmocka_unit_test_teardown(exposed_set_cookie_never, guard_teardown),
        cmocka_unit_test_teardown(exposed_invalid_list_exposes_nothing_more, guard_teardown),
        cmocka_unit_test_teardown(exposed_storage_and_network_errors, guard_teardown),
        cmocka_unit_test_teardown(exposed_keeps_readable_candidates, guard_teardown),
        cmocka_unit_test_teardown(is_exposed_star_and_credentials, guard_teardown),
        cmocka_unit_test_teardown(index_ignores_names_that_only_look_like_cors, guard_teardown),
    };
    return cmocka_run_group_tests_name("cors", tests, NULL, NULL);
}
