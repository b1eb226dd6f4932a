/* policy: compile-time validation, per-request answers, and a round trip through the client checks. */
#include "testutil.h"

#include <stdio.h>

#define S(lit) {lit, sizeof(lit) - 1}

struct compiled {
    corshdr_policy p;
    corshdr_name items[16];
    char text[512];
};

static corshdr_status compile(struct compiled *c, const corshdr_policy_config *cfg, corshdr_error *e)
{
    return corshdr_policy_compile(&c->p, cfg, c->items, 16, c->text, sizeof c->text, e);
}

static const corshdr_span ORIGINS[] = {S("https://app.example"), S("https://admin.example:8443")};
static const corshdr_span METHODS[] = {S("PUT"), S("DELETE"), S("patch")};
static const corshdr_span HEADERS[] = {S("Content-Type"), S("X-Trace-Id"), S("authorization")};
static const corshdr_span EXPOSE[] = {S("X-Request-Id"), S("ETag")};

static corshdr_policy_config standard(void)
{
    corshdr_policy_config cfg = {ORIGINS, 2, 0, 1, METHODS, 3, HEADERS, 3, 0, EXPOSE, 2, 600};
    return cfg;
}

static void compile_validates_every_list(void **state)
{
    (void)state;
    struct compiled c;
    corshdr_error e;
    corshdr_policy_config cfg = standard();
    assert_int_equal(compile(&c, &cfg, &e), CORSHDR_OK);
    assert_span(c.p.acam, "PUT, DELETE, patch");
    assert_span(c.p.acah, "Content-Type, X-Trace-Id, authorization");
    assert_span(c.p.aceh, "X-Request-Id, ETag");
    assert_span(c.p.acma, "600");

    const corshdr_span bad_origin[] = {S("https://ok.example"), S("https://app.example/")};
    cfg.origins = bad_origin;
    assert_int_equal(compile(&c, &cfg, &e), CORSHDR_EORIGIN);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.offset, 19);
    cfg = standard();
    const corshdr_span bad_method[] = {S("PUT"), S("TRACE")};
    cfg.methods = bad_method;
    cfg.nmethods = 2;
    assert_int_equal(compile(&c, &cfg, &e), CORSHDR_EMETHOD);
    assert_int_equal(e.line, 1);
    const corshdr_span bad_token[] = {S("X-Ok"), S("X Bad")};
    cfg = standard();
    cfg.headers = bad_token;
    cfg.nheaders = 2;
    assert_int_equal(compile(&c, &cfg, &e), CORSHDR_ETOKEN);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.offset, 1);
    const corshdr_span cookie[] = {S("X-A"), S("set-cookie")};
    cfg = standard();
    cfg.expose = cookie;
    assert_int_equal(compile(&c, &cfg, &e), CORSHDR_EHEADER);
    cfg = standard();
    cfg.any_origin = 1;
    assert_int_equal(compile(&c, &cfg, &e), CORSHDR_EWILDCARD);
    cfg = standard();
    cfg.max_age = 2147483649u;
    assert_int_equal(compile(&c, &cfg, &e), CORSHDR_EMAXAGE);
    const corshdr_span empty[] = {S("")};
    cfg = standard();
    cfg.methods = empty;
    cfg.nmethods = 1;
    assert_int_equal(compile(&c, &cfg, &e), CORSHDR_EEMPTY);
}

static void compile_reports_storage_needed(void **state)
{
    (void)state;
    corshdr_policy p;
    corshdr_policy_config cfg = standard();
    assert_int_equal(corshdr_policy_compile(&p, &cfg, NULL, 0, NULL, 0, NULL), CORSHDR_ENOSPC);
    assert_int_equal(p.items_needed, 5);
    assert_int_equal(p.text_needed, 18 + 39 + 18 + 10 + 19 + 26);
    corshdr_name items[5];
    char text[130];
    assert_int_equal(corshdr_policy_compile(&p, &cfg, items, 5, text, p.text_needed, NULL), CORSHDR_OK);
    assert_int_equal(corshdr_policy_compile(NULL, &cfg, items, 5, text, 130, NULL), CORSHDR_EINVAL);
}

struct answer {
    corshdr_status st;
    corshdr_field out[CORSHDR_POLICY_FIELDS];
    size_t n;
    corshdr_error e;
};

static void apply(const corshdr_policy *p, const char *method, const corshdr_field *req, size_t n, struct answer *a)
{
    a->st = corshdr_policy_apply(p, G(method), strlen(method), req, n, NULL, a->out, &a->n, &a->e);
}

/* The value of the answer's line `name`, or NULL. */
static const corshdr_span *line(const struct answer *a, const char *name)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->out[i].name.len == strlen(name) && !memcmp(a->out[i].name.ptr, name, strlen(name)))
            return &a->out[i].value;
    return NULL;
}

static void actual_requests(void **state)
{
    (void)state;
    struct compiled c;
    struct answer a;
    corshdr_policy_config cfg = standard();
    assert_int_equal(compile(&c, &cfg, NULL), CORSHDR_OK);
    corshdr_field ok[] = {F("Host", "api.example"), F("Origin", " https://app.example ")};
    apply(&c.p, "GET", ok, 2, &a);
    assert_int_equal(a.st, CORSHDR_OK);
    assert_int_equal(a.n, 4);
    assert_span(*line(&a, "Access-Control-Allow-Origin"), "https://app.example");
    assert_span(*line(&a, "Access-Control-Allow-Credentials"), "true");
    assert_span(*line(&a, "Access-Control-Expose-Headers"), "X-Request-Id, ETag");
    assert_span(*line(&a, "Vary"), "Origin");
    assert_null(line(&a, "Access-Control-Allow-Methods"));

    corshdr_field none[] = {F("Host", "api.example")};
    apply(&c.p, "GET", none, 1, &a);
    assert_int_equal(a.st, CORSHDR_ABSENT);
    assert_int_equal(a.n, 1);
    assert_span(*line(&a, "Vary"), "Origin");

    const char *denied[] = {"https://evil.example", "https://app.example.evil.example", "http://app.example", "null"};
    for (size_t i = 0; i < COUNT(denied); i++) {
        corshdr_field f[] = {F("Origin", denied[i])};
        apply(&c.p, "GET", f, 1, &a);
        assert_int_equal(a.st, CORSHDR_EACAO);
        assert_null(line(&a, "Access-Control-Allow-Origin"));
    }
    const char *malformed[] = {"https://APP.example", "https://app.example/", "app.example", ""};
    for (size_t i = 0; i < COUNT(malformed); i++) {
        corshdr_field f[] = {F("Origin", malformed[i])};
        apply(&c.p, "GET", f, 1, &a);
        assert_int_equal(a.st, CORSHDR_EORIGIN);
        assert_int_equal(a.n, 1);
    }
    corshdr_field two[] = {F("Origin", "https://app.example"), F("origin", "https://app.example")};
    apply(&c.p, "GET", two, 2, &a);
    assert_int_equal(a.st, CORSHDR_EREPEATED);
    corshdr_field crlf[] = {F("Origin", "https://app.example\r\nX: y")};
    apply(&c.p, "GET", crlf, 1, &a);
    assert_int_equal(a.st, CORSHDR_EVALUE);
    assert_int_equal(a.n, 0);
}

static void any_origin_answers_star_without_vary(void **state)
{
    (void)state;
    struct compiled c;
    struct answer a;
    corshdr_policy_config cfg = {NULL, 0, 1, 0, NULL, 0, NULL, 0, 0, NULL, 0, 0};
    assert_int_equal(compile(&c, &cfg, NULL), CORSHDR_OK);
    corshdr_field f[] = {F("Origin", "https://anyone.example")};
    apply(&c.p, "GET", f, 1, &a);
    assert_int_equal(a.st, CORSHDR_OK);
    assert_int_equal(a.n, 1);
    assert_span(*line(&a, "Access-Control-Allow-Origin"), "*");
}

static void preflights(void **state)
{
    (void)state;
    struct compiled c;
    struct answer a;
    corshdr_policy_config cfg = standard();
    assert_int_equal(compile(&c, &cfg, NULL), CORSHDR_OK);
    corshdr_field ok[] = {F("Origin", "https://admin.example:8443"), F("Access-Control-Request-Method", "PUT"),
                          F("Access-Control-Request-Headers", "content-type,x-trace-id")};
    apply(&c.p, "OPTIONS", ok, 3, &a);
    assert_int_equal(a.st, CORSHDR_OK);
    assert_span(*line(&a, "Access-Control-Allow-Methods"), "PUT, DELETE, patch");
    assert_span(*line(&a, "Access-Control-Allow-Headers"), "Content-Type, X-Trace-Id, authorization");
    assert_span(*line(&a, "Access-Control-Max-Age"), "600");
    assert_null(line(&a, "Access-Control-Expose-Headers"));
    /* OPTIONS without Access-Control-Request-Method is an actual request */
    apply(&c.p, "OPTIONS", ok, 1, &a);
    assert_int_equal(a.st, CORSHDR_OK);
    assert_null(line(&a, "Access-Control-Allow-Methods"));
    assert_non_null(line(&a, "Access-Control-Expose-Headers"));

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
        apply(&c.p, "OPTIONS", f, cases[i].acrh ? 3 : 2, &a);
        if (a.st != cases[i].st)
            fail_msg("case %zu: %s", i, corshdr_err_name(a.st));
        if (a.st != CORSHDR_OK)
            assert_null(line(&a, "Access-Control-Allow-Origin"));
    }
    corshdr_field two[] = {F("Origin", "https://app.example"), F("Access-Control-Request-Method", "PUT"),
                           F("Access-Control-Request-Headers", "x-trace-id"), F("Access-Control-Request-Headers", "x-a")};
    apply(&c.p, "OPTIONS", two, 4, &a);
    assert_int_equal(a.st, CORSHDR_EREPEATED);
    assert_int_equal(a.e.line, 3);
}

static void any_header_echoes_the_checked_list(void **state)
{
    (void)state;
    struct compiled c;
    struct answer a;
    corshdr_policy_config cfg = standard();
    cfg.any_header = 1;
    assert_int_equal(compile(&c, &cfg, NULL), CORSHDR_OK);
    corshdr_field f[] = {F("Origin", "https://app.example"), F("Access-Control-Request-Method", "PUT"),
                         F("Access-Control-Request-Headers", " authorization,x-anything ")};
    apply(&c.p, "OPTIONS", f, 3, &a);
    assert_int_equal(a.st, CORSHDR_OK);
    assert_span(*line(&a, "Access-Control-Allow-Headers"), "authorization,x-anything");
    assert_span(*line(&a, "Vary"), "Origin, Access-Control-Request-Headers");
}

/* Whatever the policy answers, the library's own client side agrees: an allowed preflight passes
 * corshdr_preflight_check, a denied one fails it, over every combination below. */
static void round_trip_through_client_checks(void **state)
{
    (void)state;
    const char *origins[] = {"https://app.example", "https://evil.example", "https://admin.example:8443"};
    const char *methods[] = {"GET", "PUT", "patch", "PATCH", "DELETE", "OPTIONS"};
    const char *headers[] = {"", "content-type", "x-trace-id,authorization", "x-other", "authorization"};
    const corshdr_credentials creds[] = {CORSHDR_CREDENTIALS_OMIT, CORSHDR_CREDENTIALS_INCLUDE};
    size_t checked = 0;
    for (int variant = 0; variant < 4; variant++) {
        struct compiled c;
        corshdr_policy_config cfg = standard();
        cfg.credentials = variant & 1;
        cfg.any_header = variant >> 1 & 1;
        if (variant == 2) { /* any origin, no credentials */
            cfg.any_origin = 1;
            cfg.credentials = 0;
        }
        assert_int_equal(compile(&c, &cfg, NULL), CORSHDR_OK);
        for (size_t o = 0; o < COUNT(origins); o++)
            for (size_t m = 0; m < COUNT(methods); m++)
                for (size_t h = 0; h < COUNT(headers); h++)
                    for (size_t cr = 0; cr < COUNT(creds); cr++) {
                        corshdr_field req[] = {F("Origin", origins[o]), F("Access-Control-Request-Method", methods[m]),
                                               F("Access-Control-Request-Headers", headers[h])};
                        struct answer a;
                        apply(&c.p, "OPTIONS", req, headers[h][0] ? 3 : 2, &a);
                        /* the browser's side of the same exchange */
                        corshdr_name st[4];
                        corshdr_names names;
                        corshdr_names_init(&names, st, 4);
                        corshdr_span hs[4];
                        size_t nh = 0;
                        corshdr_list_parse(headers[h], strlen(headers[h]), 0, NULL, hs, 4, &nh, NULL);
                        for (size_t i = 0; i < nh; i++)
                            corshdr_names_add(&names, hs[i].ptr, hs[i].len);
                        corshdr_request rq = {span_of(origins[o]), span_of(methods[m]), creds[cr], &names, 0, 0};
                        corshdr_status client = corshdr_preflight_check(&rq, 204, a.out, a.n, NULL, NULL, NULL);
                        /* a policy without credentials still fails a credentialed request at the client */
                        int expect_pass = a.st == CORSHDR_OK && (creds[cr] != CORSHDR_CREDENTIALS_INCLUDE || cfg.credentials);
                        if ((client == CORSHDR_OK) != expect_pass)
                            fail_msg("policy %d, %s %s [%s] credentials %d: policy %s, client %s", variant, origins[o],
                                     methods[m], headers[h], (int)creds[cr], corshdr_err_name(a.st),
                                     corshdr_err_name(client));
                        checked++;
                    }
        guard_release();
    }
    assert_int_equal(checked, 4 * 3 * 6 * 5 * 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(compile_validates_every_list, guard_teardown),
        cmocka_unit_test_teardown(compile_reports_storage_needed, guard_teardown),
        cmocka_unit_test_teardown(actual_requests, guard_teardown),
        cmocka_unit_test_teardown(any_origin_answers_star_without_vary, guard_teardown),
        cmocka_unit_test_teardown(preflights, guard_teardown),
        cmocka_unit_test_teardown(any_header_echoes_the_checked_list, guard_teardown),
        cmocka_unit_test_teardown(round_trip_through_client_checks, guard_teardown),
    };
    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
