/* The calling conventions of every public function (corshdr.h, "Conventions"): a NULL pointer where one
 * is needed, a NULL span with a length, an unknown flag or a too-small buffer without one give EINVAL
 * (or 0, or nothing written), never a read through NULL; and every optional output may be NULL, with the
 * same verdict as when it is given. */
#include "testutil.h"

/* A span of len bytes at NULL: the one invalid span (corshdr.h: NULL only with length 0). */
#define BAD(len) NULL, (size_t)(len)

static void options_init_ignores_null(void **state)
{
    (void)state;
    corshdr_options_init(NULL); /* nothing to fill: no write through NULL */
    corshdr_options o;
    memset(&o, 0xa5, sizeof o);
    corshdr_options_init(&o);
    assert_int_equal(o.max_elements, CORSHDR_DEFAULT_MAX_ELEMENTS);
    assert_int_equal(o.max_empty, CORSHDR_DEFAULT_MAX_EMPTY);
    assert_int_equal(o.max_bytes, CORSHDR_DEFAULT_MAX_BYTES);
    assert_int_equal(o.kernel, CORSHDR_KERNEL_AUTO);
}

static void lex_spans(void **state)
{
    (void)state;
    corshdr_error e;
    corshdr_field name[] = {F("X-A", "1"), {{BAD(3)}, {"v", 1}}};
    assert_int_equal(corshdr_fields_check(name, 2, &e), CORSHDR_EINVAL);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.offset, CORSHDR_NPOS);
    corshdr_field value[] = {{{"X", 1}, {BAD(3)}}};
    assert_int_equal(corshdr_fields_check(value, 1, &e), CORSHDR_EINVAL);
    assert_int_equal(e.line, 0);
    corshdr_field empty[] = {{{"X", 1}, {NULL, 0}}};
    assert_int_equal(corshdr_fields_check(empty, 1, &e), CORSHDR_OK);
    assert_int_equal(corshdr_fields_check(NULL, 0, &e), CORSHDR_OK);
}

static void list_arguments(void **state)
{
    (void)state;
    corshdr_field f[] = {F("X", "a, b")};
    corshdr_span out[4];
    size_t n = 99, idx = 99;
    char buf[16];
    corshdr_error e;

    /* header_find: no lines at all is not an error; a name needs its bytes; the index is optional */
    assert_int_equal(corshdr_header_find(NULL, 0, G("X"), 1, &idx), CORSHDR_ABSENT);
    assert_int_equal(corshdr_header_find(NULL, 1, G("X"), 1, &idx), CORSHDR_EINVAL);
    assert_int_equal(corshdr_header_find(f, 1, BAD(1), &idx), CORSHDR_EINVAL);
    assert_int_equal(corshdr_header_find(f, 1, G("x"), 1, NULL), CORSHDR_OK);
    assert_int_equal(corshdr_header_find(f, 1, G("x"), 1, &idx), CORSHDR_OK);
    assert_int_equal(idx, 0);

    /* header_combine: lines when n says so, a name with its bytes, *len, and a buffer when cap says so */
    assert_int_equal(corshdr_header_combine(NULL, 1, G("X"), 1, buf, sizeof buf, &n), CORSHDR_EINVAL);
    assert_int_equal(corshdr_header_combine(f, 1, BAD(1), buf, sizeof buf, &n), CORSHDR_EINVAL);
    assert_int_equal(corshdr_header_combine(NULL, 0, G("X"), 1, buf, sizeof buf, &n), CORSHDR_ABSENT);
    assert_int_equal(n, 0);
    assert_int_equal(corshdr_header_combine(f, 1, G("X"), 1, buf, sizeof buf, NULL), CORSHDR_EINVAL);
    assert_int_equal(corshdr_header_combine(f, 1, G("X"), 1, NULL, 4, &n), CORSHDR_EINVAL);
    assert_int_equal(corshdr_header_combine(f, 1, G("X"), 1, NULL, 0, &n), CORSHDR_ENOSPC);
    assert_int_equal(n, 4);

    /* the iterator: a bad span in any line, and no element to write to */
    corshdr_list it;
    corshdr_field badv[] = {F("Y", "1"), {{"X", 1}, {BAD(2)}}};
    assert_int_equal(corshdr_list_init(&it, badv, 2, G("X"), 1, 0, NULL, &e), CORSHDR_EINVAL);
    assert_int_equal(e.line, 1);
    assert_int_equal(corshdr_list_init(&it, f, 1, G("X"), 1, 0, NULL, &e), CORSHDR_OK);
    assert_int_equal(corshdr_list_next(&it, NULL, &e), CORSHDR_EINVAL);
    corshdr_span el;
    assert_int_equal(corshdr_list_next(&it, &el, NULL), CORSHDR_OK); /* the iterator was not disturbed */
    assert_span(el, "a");

    /* list_extract on every kernel: the same checks before any byte of a value is read */
    static const corshdr_kernel kernels[] = {CORSHDR_KERNEL_SCALAR, CORSHDR_KERNEL_SSE2, CORSHDR_KERNEL_AVX2,
                                             CORSHDR_KERNEL_AUTO};
    for (size_t k = 0; k < COUNT(kernels); k++) {
        corshdr_options o;
        corshdr_options_init(&o);
        o.kernel = kernels[k];
        assert_int_equal(corshdr_list_extract(NULL, 1, G("X"), 1, 0, &o, out, 4, &n, &e), CORSHDR_EINVAL);
        assert_int_equal(corshdr_list_extract(f, 1, BAD(1), 0, &o, out, 4, &n, &e), CORSHDR_EINVAL);
        assert_int_equal(corshdr_list_extract(f, 1, G("X"), 1, 0x4, &o, out, 4, &n, &e), CORSHDR_EINVAL);
        assert_int_equal(corshdr_list_extract(f, 1, G("X"), 1, 0, &o, NULL, 4, &n, &e), CORSHDR_EINVAL);
        assert_int_equal(corshdr_list_extract(f, 1, G("X"), 1, 0, &o, out, 4, NULL, &e), CORSHDR_EINVAL);
        corshdr_field badn[] = {F("Y", "1"), {{BAD(1)}, {"a", 1}}};
        assert_int_equal(corshdr_list_extract(badn, 2, G("X"), 1, 0, &o, out, 4, &n, &e), CORSHDR_EINVAL);
        assert_int_equal(e.line, 1);
        assert_int_equal(corshdr_list_extract(badv, 2, G("X"), 1, 0, &o, out, 4, &n, &e), CORSHDR_EINVAL);
        assert_int_equal(e.line, 1);
        /* and without an error record or output array, the verdict and count of the full call */
        assert_int_equal(corshdr_list_extract(f, 1, G("X"), 1, 0, &o, NULL, 0, &n, NULL), CORSHDR_ENOSPC);
        assert_int_equal(n, 2);
        assert_int_equal(corshdr_list_extract(f, 1, G("X"), 1, 0, &o, out, 4, &n, NULL), CORSHDR_OK);
        assert_int_equal(n, 2);

        /* list_parse likewise: a count, an array when cap says so, a value span, known flags */
        assert_int_equal(corshdr_list_parse(G("a"), 1, 0, &o, out, 4, NULL, &e), CORSHDR_EINVAL);
        assert_int_equal(corshdr_list_parse(G("a"), 1, 0, &o, NULL, 4, &n, &e), CORSHDR_EINVAL);
        assert_int_equal(corshdr_list_parse(BAD(3), 0, &o, out, 4, &n, &e), CORSHDR_EINVAL);
        assert_int_equal(e.code, CORSHDR_EINVAL);
        assert_int_equal(corshdr_list_parse(G("a"), 1, 0x4, &o, out, 4, &n, &e), CORSHDR_EINVAL);
        assert_int_equal(e.line, CORSHDR_NPOS);
        assert_int_equal(corshdr_list_parse(G("a"), 1, 0x4 | CORSHDR_LIST_NONEMPTY, &o, out, 4, &n, NULL),
                         CORSHDR_EINVAL);
        assert_int_equal(corshdr_list_parse(NULL, 0, 0, &o, out, 4, &n, &e), CORSHDR_OK);
        assert_int_equal(n, 0);
        assert_int_equal(corshdr_list_parse(G("a,b"), 3, 0, &o, out, 4, &n, NULL), CORSHDR_OK);
        assert_int_equal(n, 2);
        guard_release();
        f[0] = F("X", "a, b");
        badv[0] = F("Y", "1");
    }
}

static void names_arguments(void **state)
{
    (void)state;
    corshdr_names_init(NULL, NULL, 4); /* no set: nothing written */
    corshdr_name st[4];
    corshdr_names set;
    size_t i = 99, len = 99;
    char buf[32];
    corshdr_names_init(&set, st, 4);
    corshdr_names_add(&set, G("X-B"), 3);
    corshdr_names_add(&set, G("X-A"), 3);
    corshdr_names_sort(&set);
    assert_int_equal(corshdr_names_find(NULL, G("x-a"), 3, &i), CORSHDR_EINVAL);
    assert_int_equal(corshdr_names_find(&set, BAD(3), &i), CORSHDR_EINVAL);
    assert_int_equal(i, 99);
    assert_int_equal(corshdr_names_find(&set, G("x-b"), 3, NULL), CORSHDR_OK);

    assert_int_equal(corshdr_names_join(NULL, ",", 1, buf, sizeof buf, &len), CORSHDR_EINVAL);
    assert_int_equal(corshdr_names_join(&set, ",", 1, buf, sizeof buf, NULL), CORSHDR_EINVAL);
    assert_int_equal(corshdr_names_join(&set, BAD(1), buf, sizeof buf, &len), CORSHDR_EINVAL);
    assert_int_equal(corshdr_names_join(&set, ",", 1, NULL, 4, &len), CORSHDR_EINVAL);
    assert_int_equal(len, 99);
    /* a NULL separator of length 0 is the empty separator */
    assert_int_equal(corshdr_names_join(&set, NULL, 0, buf, sizeof buf, &len), CORSHDR_OK);
    assert_int_equal(len, 6);
    assert_memory_equal(buf, "x-ax-b", 6);
}

static void cors_arguments(void **state)
{
    (void)state;
    corshdr_field f[] = {F("Access-Control-Allow-Origin", "https://a.example"), F("Access-Control-Max-Age", "60"),
                         F("Access-Control-Allow-Methods", "PUT"), F("X-A", "1"),
                         F("Access-Control-Expose-Headers", "X-A")};
    corshdr_index ix;
    corshdr_error e;
    uint32_t s = 7;
    /* a value without bytes, on every kernel: the same record as corshdr_fields_check */
    corshdr_field badv[] = {F("X-A", "1"), {{"X-B", 3}, {BAD(3)}}};
    static const corshdr_kernel kernels[] = {CORSHDR_KERNEL_SCALAR, CORSHDR_KERNEL_SSE2, CORSHDR_KERNEL_AVX2};
    for (size_t k = 0; k < COUNT(kernels); k++) {
        corshdr_options o;
        corshdr_options_init(&o);
        o.kernel = kernels[k];
        assert_int_equal(corshdr_index_build(&ix, badv, 2, &o, &e), CORSHDR_EINVAL);
        assert_int_equal(e.line, 1);
    }
    assert_int_equal(corshdr_index_build(&ix, f, COUNT(f), NULL, NULL), CORSHDR_OK);

    assert_int_equal(corshdr_index_cors_check(&ix, BAD(17), CORSHDR_CREDENTIALS_OMIT, &e), CORSHDR_EINVAL);
    assert_int_equal(corshdr_index_cors_check(NULL, G("https://a.example"), 17, CORSHDR_CREDENTIALS_OMIT, &e),
                     CORSHDR_EINVAL);
    assert_int_equal(corshdr_index_cors_check(&ix, G("https://a.example"), 17, CORSHDR_CREDENTIALS_OMIT, NULL),
                     CORSHDR_OK);

    assert_int_equal(corshdr_index_max_age(NULL, &s, &e), CORSHDR_EINVAL);
    assert_int_equal(corshdr_index_max_age(&ix, NULL, &e), CORSHDR_EINVAL);
    assert_int_equal(s, 7);
    assert_int_equal(corshdr_index_max_age(&ix, &s, NULL), CORSHDR_OK);
    assert_int_equal(s, 60);
    assert_int_equal(corshdr_max_age_parse(NULL, 1, &s, &e), CORSHDR_EINVAL);
    assert_int_equal(corshdr_max_age_parse(NULL, 0, &s, &e), CORSHDR_ABSENT);
    assert_int_equal(s, 5);

    /* a request with a bad span, or none */
    corshdr_request rq = {{"https://a.example", 17}, {"PUT", 3}, CORSHDR_CREDENTIALS_OMIT, NULL, 0, 0};
    corshdr_request bad_origin = rq, bad_method = rq;
    bad_origin.origin = (corshdr_span){BAD(17)};
    bad_method.method = (corshdr_span){BAD(3)};
    const corshdr_request *bad[] = {NULL, &bad_origin, &bad_method};
    for (size_t i = 0; i < COUNT(bad); i++) {
        assert_int_equal(corshdr_preflight_check(bad[i], 204, f, COUNT(f), NULL, &s, &e), CORSHDR_EINVAL);
        assert_int_equal(corshdr_index_preflight_check(&ix, bad[i], 204, NULL, &s, &e), CORSHDR_EINVAL);
    }
    assert_int_equal(corshdr_index_preflight_check(NULL, &rq, 204, NULL, &s, &e), CORSHDR_EINVAL);
    /* max_age and err are optional */
    assert_int_equal(corshdr_index_preflight_check(&ix, &rq, 204, NULL, NULL, NULL), CORSHDR_OK);
    assert_int_equal(corshdr_preflight_check(&rq, 204, f, COUNT(f), NULL, NULL, NULL), CORSHDR_OK);
    assert_int_equal(corshdr_preflight_check(&rq, 204, f, COUNT(f), NULL, &s, NULL), CORSHDR_OK);
    assert_int_equal(s, 60);

    corshdr_name st[8];
    corshdr_names set;
    corshdr_names_init(&set, st, 8);
    assert_int_equal(corshdr_index_exposed_filter(NULL, CORSHDR_CREDENTIALS_OMIT, NULL, &set, &e), CORSHDR_EINVAL);
    assert_int_equal(corshdr_index_exposed_filter(&ix, CORSHDR_CREDENTIALS_OMIT, NULL, NULL, &e), CORSHDR_EINVAL);
    assert_int_equal(corshdr_index_exposed_filter(&ix, CORSHDR_CREDENTIALS_OMIT, NULL, &set, NULL), CORSHDR_OK);
    assert_int_equal(set.count, 1);
    assert_span(set.items[0].name, "X-A");

    assert_true(corshdr_index_is_exposed(&ix, CORSHDR_CREDENTIALS_OMIT, NULL, G("x-a"), 3));
    assert_false(corshdr_index_is_exposed(NULL, CORSHDR_CREDENTIALS_OMIT, NULL, G("x-a"), 3));
    assert_false(corshdr_index_is_exposed(&ix, CORSHDR_CREDENTIALS_OMIT, NULL, BAD(3)));
    assert_true(corshdr_is_exposed(f, COUNT(f), CORSHDR_CREDENTIALS_OMIT, NULL, G("x-a"), 3));
    assert_false(corshdr_is_exposed(f, COUNT(f), CORSHDR_CREDENTIALS_OMIT, NULL, BAD(3)));
}

/* The predicates answer 0 for a bad span; each would otherwise read through NULL. */
static void request_predicates_refuse_bad_spans(void **state)
{
    (void)state;
    assert_true(corshdr_is_safelisted_request_header(G("Accept"), 6, G("x"), 1));
    assert_false(corshdr_is_safelisted_request_header(BAD(6), G("x"), 1));
    assert_false(corshdr_is_safelisted_request_header(G("Accept"), 6, BAD(1)));
    assert_true(corshdr_is_safelisted_request_header(G("Accept"), 6, NULL, 0));

    assert_true(corshdr_is_forbidden_method(G("TRACE"), 5));
    assert_false(corshdr_is_forbidden_method(BAD(5)));

    assert_true(corshdr_is_forbidden_request_header(G("X-HTTP-Method"), 13, G("TRACE"), 5));
    assert_false(corshdr_is_forbidden_request_header(BAD(13), G("TRACE"), 5));
    assert_false(corshdr_is_forbidden_request_header(G("X-HTTP-Method"), 13, BAD(5)));

    assert_true(corshdr_is_safelisted_method(G("GET"), 3));
    assert_false(corshdr_is_safelisted_method(BAD(3)));
    assert_true(corshdr_is_safelisted_response_name(G("Pragma"), 6));
    assert_false(corshdr_is_safelisted_response_name(BAD(6)));
    assert_true(corshdr_is_forbidden_response_name(G("Set-Cookie"), 10));
    assert_false(corshdr_is_forbidden_response_name(BAD(10)));
    corshdr_span m = corshdr_method_normalize(BAD(3));
    assert_null(m.ptr);
    assert_int_equal(m.len, 0);
}

static void policy_arguments(void **state)
{
    (void)state;
    static const corshdr_span one[] = {{"https://a.example", 17}};
    corshdr_policy_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.origins = one;
    cfg.norigins = 1;
    corshdr_policy p;
    static uint64_t storage[64];
    corshdr_problem pr[4];
    size_t n = 99;
    /* every array the configuration or the call names by a count */
    assert_int_equal(corshdr_policy_compile(&p, NULL, storage, sizeof storage, pr, 4, &n), CORSHDR_EINVAL);
    assert_int_equal(corshdr_policy_compile(&p, &cfg, NULL, 64, pr, 4, &n), CORSHDR_EINVAL);
    assert_int_equal(corshdr_policy_compile(&p, &cfg, storage, sizeof storage, NULL, 4, &n), CORSHDR_EINVAL);
    corshdr_policy_config c = cfg;
    c.origins = NULL;
    assert_int_equal(corshdr_policy_compile(&p, &c, storage, sizeof storage, pr, 4, &n), CORSHDR_EINVAL);
    c = cfg;
    c.nmethods = 1;
    assert_int_equal(corshdr_policy_compile(&p, &c, storage, sizeof storage, pr, 4, &n), CORSHDR_EINVAL);
    c = cfg;
    c.nheaders = 1;
    assert_int_equal(corshdr_policy_compile(&p, &c, storage, sizeof storage, pr, 4, &n), CORSHDR_EINVAL);
    c = cfg;
    c.nexpose = 1;
    assert_int_equal(corshdr_policy_compile(&p, &c, storage, sizeof storage, pr, 4, &n), CORSHDR_EINVAL);
    assert_int_equal(n, 99);
    /* no problem array: the count alone */
    assert_int_equal(corshdr_policy_compile(&p, &cfg, storage, sizeof storage, NULL, 0, &n), CORSHDR_OK);
    assert_int_equal(n, 0);

    corshdr_field req[] = {F("Origin", "https://a.example")};
    corshdr_policy_answer a;
    assert_int_equal(corshdr_policy_apply(&p, G("GET"), 3, req, 1, NULL, NULL), CORSHDR_EINVAL);
    const struct {
        const corshdr_policy *p;
        const char *m;
        size_t mlen;
        const corshdr_field *req;
    } bad[] = {{NULL, "GET", 3, req}, {&p, NULL, 3, req}, {&p, "GET", 3, NULL}};
    for (size_t i = 0; i < COUNT(bad); i++) {
        assert_int_equal(corshdr_policy_apply(bad[i].p, bad[i].m, bad[i].mlen, bad[i].req, 1, NULL, &a),
                         CORSHDR_EINVAL);
        assert_int_equal(a.why.code, CORSHDR_EINVAL);
        assert_int_equal(a.nlines, 0);
        assert_int_equal(a.kind, CORSHDR_REQUEST_PLAIN);
    }
    assert_int_equal(corshdr_policy_apply(&p, G("GET"), 3, NULL, 0, NULL, &a), CORSHDR_ABSENT);
    assert_int_equal(corshdr_policy_apply(&p, G("GET"), 3, req, 1, NULL, &a), CORSHDR_OK);
}

/* Every function with an error record: the same status with err NULL as with one, and the record
 * (when given) holds that status. */
static void err_is_optional(void **state)
{
    (void)state;
    corshdr_field ok[] = {F("Access-Control-Allow-Origin", "*"), F("Access-Control-Allow-Methods", "PUT, x@y"),
                          F("Access-Control-Max-Age", "-1"), F("X", "a,,b")};
    corshdr_error e;
    corshdr_span out[4];
    size_t n;
    uint32_t s;
    corshdr_list it;
    corshdr_name st[8];
    corshdr_names set;
    corshdr_request rq = {{"https://a.example", 17}, {"PUT", 3}, CORSHDR_CREDENTIALS_OMIT, NULL, 0, 0};
#define BOTH(call_e, call_null)                                                                                \
    do {                                                                                                       \
        corshdr_status with_ = (call_e);                                                                       \
        assert_int_equal(e.code, with_);                                                                       \
        assert_int_equal((call_null), with_);                                                                  \
    } while (0)
    BOTH(corshdr_token_check(G("a b"), 3, &e), corshdr_token_check(G("a b"), 3, NULL));
    BOTH(corshdr_value_check(G(" a"), 2, &e), corshdr_value_check(G(" a"), 2, NULL));
    BOTH(corshdr_fields_check(ok, 4, &e), corshdr_fields_check(ok, 4, NULL));
    BOTH(corshdr_list_init(&it, ok, 4, G("y"), 1, 0, NULL, &e), corshdr_list_init(&it, ok, 4, G("y"), 1, 0, NULL, NULL));
    BOTH(corshdr_list_extract(ok, 4, G("access-control-allow-methods"), 28, 0, NULL, out, 4, &n, &e),
         corshdr_list_extract(ok, 4, G("access-control-allow-methods"), 28, 0, NULL, out, 4, &n, NULL));
    BOTH(corshdr_list_parse(G("a,,b"), 4, 0, NULL, out, 1, &n, &e), corshdr_list_parse(G("a,,b"), 4, 0, NULL, out, 1, &n, NULL));
    BOTH(corshdr_origin_check(G("https://A.example"), 17, &e), corshdr_origin_check(G("https://A.example"), 17, NULL));
    BOTH(corshdr_cors_check(ok, 4, G("https://a.example"), 17, CORSHDR_CREDENTIALS_INCLUDE, &e),
         corshdr_cors_check(ok, 4, G("https://a.example"), 17, CORSHDR_CREDENTIALS_INCLUDE, NULL));
    BOTH(corshdr_max_age_parse(ok, 4, &s, &e), corshdr_max_age_parse(ok, 4, &s, NULL));
    BOTH(corshdr_preflight_check(&rq, 204, ok, 4, NULL, &s, &e), corshdr_preflight_check(&rq, 204, ok, 4, NULL, &s, NULL));
    /* the exposed filter succeeds either way; err, when given, says why nothing more is exposed */
    corshdr_names_init(&set, st, 8);
    assert_int_equal(corshdr_exposed_filter(ok, 4, CORSHDR_CREDENTIALS_OMIT, NULL, &set, &e), CORSHDR_OK);
    assert_int_equal(e.code, CORSHDR_ABSENT);
    corshdr_names_init(&set, st, 8);
    assert_int_equal(corshdr_exposed_filter(ok, 4, CORSHDR_CREDENTIALS_OMIT, NULL, &set, NULL), CORSHDR_OK);
    corshdr_names_init(&set, st, 1);
    BOTH(corshdr_unsafe_names_collect(ok, 4, &set, &e), corshdr_unsafe_names_collect(ok, 4, &set, NULL));
#undef BOTH
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_init_ignores_null),
        cmocka_unit_test_teardown(lex_spans, guard_teardown),
        cmocka_unit_test_teardown(list_arguments, guard_teardown),
        cmocka_unit_test_teardown(names_arguments, guard_teardown),
        cmocka_unit_test_teardown(cors_arguments, guard_teardown),
        cmocka_unit_test_teardown(request_predicates_refuse_bad_spans, guard_teardown),
        cmocka_unit_test_teardown(policy_arguments, guard_teardown),
        cmocka_unit_test_teardown(err_is_optional, guard_teardown),
    };
    return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
