/* Every status code: a stable name, a sentence, and a call that produces it. */
#include "testutil.h"

#include <stdio.h>

static const corshdr_status ALL[] = {
    CORSHDR_OK, CORSHDR_DONE, CORSHDR_ABSENT, CORSHDR_EINVAL, CORSHDR_ENOSPC, CORSHDR_ENAME, CORSHDR_EVALUE,
    CORSHDR_ESPACE, CORSHDR_ETOKEN, CORSHDR_EEMPTY, CORSHDR_EREPEATED, CORSHDR_ETOOMANY, CORSHDR_EEMPTIES,
    CORSHDR_ETOOLONG, CORSHDR_EORIGIN, CORSHDR_EMAXAGE, CORSHDR_ENOACAO, CORSHDR_EACAO, CORSHDR_EWILDCARD,
    CORSHDR_EACAC, CORSHDR_ESTATUS, CORSHDR_EMETHOD, CORSHDR_EHEADER, CORSHDR_EAUTHORIZATION, CORSHDR_ENULL,
    CORSHDR_EINSECURE, CORSHDR_EPUBLICSUFFIX, CORSHDR_ECANONICAL, CORSHDR_EFORBIDDEN, CORSHDR_EPOLICY,
};

static int every_name_a_suffix(void *ctx, const char *d, size_t n)
{
    (void)ctx, (void)d, (void)n;
    return 1;
}

/* The code of the only problem of a policy with this one origin or header entry (credentials on). */
static corshdr_status policy_problem(const char *origin, const char *header)
{
    corshdr_span o = {origin, strlen(origin)}, h = {header, strlen(header)};
    corshdr_policy_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.origins = &o;
    cfg.norigins = 1;
    cfg.credentials = 1;
    cfg.headers = &h;
    cfg.nheaders = 1;
    cfg.is_public_suffix = every_name_a_suffix;
    corshdr_policy p;
    corshdr_problem pr;
    size_t n = 0;
    corshdr_status st = corshdr_policy_compile(&p, &cfg, NULL, 0, &pr, 1, &n);
    return st == CORSHDR_EPOLICY && n == 1 ? pr.code : st;
}

static void every_code_has_a_distinct_name_and_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(ALL); i++) {
        const char *name = corshdr_err_name(ALL[i]);
        assert_string_not_equal(name, "UNKNOWN");
        assert_string_not_equal(corshdr_strerror(ALL[i]), "unknown status code");
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(name, corshdr_err_name(ALL[j]));
            assert_string_not_equal(corshdr_strerror(ALL[i]), corshdr_strerror(ALL[j]));
        }
    }
    assert_string_equal(corshdr_err_name(CORSHDR_ETOKEN), "ETOKEN");
    assert_string_equal(corshdr_err_name((corshdr_status)-999), "UNKNOWN");
    assert_string_equal(corshdr_strerror((corshdr_status)42), "unknown status code");
    assert_string_equal(corshdr_version(), CORSHDR_VERSION_STRING);
}

/* One call per code; the table is checked against ALL so a new code cannot go untested. */
static corshdr_status produce(corshdr_status want)
{
    corshdr_field acao_star[] = {F("Access-Control-Allow-Origin", "*")};
    corshdr_field acao_o[] = {F("Access-Control-Allow-Origin", "https://a.example")};
    corshdr_field pre[] = {F("Access-Control-Allow-Origin", "https://a.example"),
                           F("Access-Control-Allow-Methods", "PUT"), F("Access-Control-Allow-Headers", "*")};
    corshdr_name st[4];
    corshdr_names set;
    corshdr_request rq = {{"https://a.example", 17}, {"PUT", 3}, CORSHDR_CREDENTIALS_OMIT, NULL, 0, 0};
    corshdr_options opt;
    corshdr_span out[4];
    size_t n;
    uint32_t s;
    corshdr_list it;
    corshdr_span e;
    corshdr_options_init(&opt);
    switch (want) {
    case CORSHDR_OK:
        return corshdr_token_check(G("a"), 1, NULL);
    case CORSHDR_DONE:
        corshdr_list_init(&it, acao_star, 1, G("access-control-allow-origin"), 27, 0, NULL, NULL);
        corshdr_list_next(&it, &e, NULL);
        return corshdr_list_next(&it, &e, NULL);
    case CORSHDR_ABSENT:
        return corshdr_header_find(acao_star, 1, G("Vary"), 4, &n);
    case CORSHDR_EINVAL:
        return corshdr_value_check(NULL, 1, NULL);
    case CORSHDR_ENOSPC: {
        corshdr_field f[] = {F("X", "a,b")};
        return corshdr_list_extract(f, 1, G("X"), 1, 0, NULL, out, 1, &n, NULL);
    }
    case CORSHDR_ENAME: {
        corshdr_field f[] = {F("X Y", "a")};
        return corshdr_fields_check(f, 1, NULL);
    }
    case CORSHDR_EVALUE: {
        corshdr_field f[] = {F("X", "a\nb")};
        return corshdr_cors_check(f, 1, G("null"), 4, CORSHDR_CREDENTIALS_OMIT, NULL);
    }
    case CORSHDR_ESPACE:
        return corshdr_value_check(G("a "), 2, NULL);
    case CORSHDR_ETOKEN:
        return corshdr_token_check(G("a,b"), 3, NULL);
    case CORSHDR_EEMPTY:
        return corshdr_token_check(G(""), 0, NULL);
    case CORSHDR_EREPEATED: {
        corshdr_field f[] = {F("Access-Control-Allow-Origin", "*"), F("Access-Control-Allow-Origin", "*")};
        return corshdr_cors_check(f, 2, G("null"), 4, CORSHDR_CREDENTIALS_OMIT, NULL);
    }
    case CORSHDR_ETOOMANY: {
        corshdr_field f[] = {F("X", "a,b,c")};
        opt.max_elements = 2;
        return corshdr_list_extract(f, 1, G("X"), 1, 0, &opt, out, 4, &n, NULL);
    }
    case CORSHDR_EEMPTIES: {
        corshdr_field f[] = {F("X", ",,,")};
        opt.max_empty = 2;
        return corshdr_list_extract(f, 1, G("X"), 1, 0, &opt, out, 4, &n, NULL);
    }
    case CORSHDR_ETOOLONG: {
        corshdr_field f[] = {F("X", "abcdef")};
        opt.max_bytes = 5;
        return corshdr_list_extract(f, 1, G("X"), 1, 0, &opt, out, 4, &n, NULL);
    }
    case CORSHDR_EORIGIN:
        return corshdr_origin_check(G("https://A.example"), 17, NULL);
    case CORSHDR_EMAXAGE: {
        corshdr_field f[] = {F("Access-Control-Max-Age", "1.5")};
        return corshdr_max_age_parse(f, 1, &s, NULL);
    }
    case CORSHDR_ENOACAO: {
        corshdr_field f[] = {F("Vary", "Origin")};
        return corshdr_cors_check(f, 1, G("null"), 4, CORSHDR_CREDENTIALS_OMIT, NULL);
    }
    case CORSHDR_EACAO:
        return corshdr_cors_check(acao_o, 1, G("https://b.example"), 17, CORSHDR_CREDENTIALS_OMIT, NULL);
    case CORSHDR_EWILDCARD:
        return corshdr_cors_check(acao_star, 1, G("https://b.example"), 17, CORSHDR_CREDENTIALS_INCLUDE, NULL);
    case CORSHDR_EACAC:
        return corshdr_cors_check(acao_o, 1, G("https://a.example"), 17, CORSHDR_CREDENTIALS_INCLUDE, NULL);
    case CORSHDR_ESTATUS:
        return corshdr_preflight_check(&rq, 404, pre, 3, NULL, &s, NULL);
    case CORSHDR_EMETHOD:
        rq.method = (corshdr_span){"patch", 5};
        return corshdr_preflight_check(&rq, 204, pre, 3, NULL, &s, NULL);
    case CORSHDR_EHEADER:
        corshdr_names_init(&set, st, 4);
        corshdr_names_add(&set, G("x-a"), 3);
        rq.headers = &set;
        rq.credentials = CORSHDR_CREDENTIALS_INCLUDE;
        pre[0].value = (corshdr_span){G("https://a.example"), 17};
        {
            corshdr_field f[] = {pre[0], pre[1], pre[2], F("Access-Control-Allow-Credentials", "true")};
            return corshdr_preflight_check(&rq, 204, f, 4, NULL, &s, NULL);
        }
    case CORSHDR_ENULL:
        return policy_problem("null", "x-a");
    case CORSHDR_EINSECURE:
        return policy_problem("http://a.example", "x-a");
    case CORSHDR_EPUBLICSUFFIX:
        return policy_problem("https://*.a.example", "x-a");
    case CORSHDR_ECANONICAL:
        return policy_problem("https://a.example/", "x-a");
    case CORSHDR_EFORBIDDEN:
        return policy_problem("https://a.example", "cookie");
    case CORSHDR_EPOLICY: {
        corshdr_policy_config cfg;
        memset(&cfg, 0, sizeof cfg);
        corshdr_policy p;
        size_t problems = 0;
        return corshdr_policy_compile(&p, &cfg, NULL, 0, NULL, 0, &problems);
    }
    case CORSHDR_EAUTHORIZATION:
        corshdr_names_init(&set, st, 4);
        corshdr_names_add(&set, G("Authorization"), 13);
        rq.headers = &set;
        return corshdr_preflight_check(&rq, 204, pre, 3, NULL, &s, NULL);
    }
    return CORSHDR_OK;
}

static void every_code_is_produced(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(ALL); i++) {
        corshdr_status got = produce(ALL[i]);
        if (got != ALL[i])
            fail_msg("wanted %s, got %s", corshdr_err_name(ALL[i]), corshdr_err_name(got));
        guard_release();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_has_a_distinct_name_and_text),
        cmocka_unit_test_teardown(every_code_is_produced, guard_teardown),
    };
    return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
