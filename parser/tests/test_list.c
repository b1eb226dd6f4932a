/* list: Fetch "get", "get, decode, and split", "extract header list values" over field lines. */
#include "testutil.h"

#define NAME(s) G(s), strlen(s)

/* ---- get (combine) ---- */

static void find_returns_first_matching_line(void **state)
{
    (void)state;
    corshdr_field f[] = {F("B", "1"), F("a", "2"), F("A", "3")};
    size_t i = 99;
    assert_int_equal(corshdr_header_find(f, 3, NAME("A"), &i), CORSHDR_OK);
    assert_int_equal(i, 1);
    assert_int_equal(corshdr_header_find(f, 3, NAME("C"), &i), CORSHDR_ABSENT);
    assert_int_equal(corshdr_header_find(NULL, 1, NAME("C"), &i), CORSHDR_EINVAL);
}

static void combine_joins_lines_with_comma_space(void **state)
{
    (void)state;
    corshdr_field f[] = {F("A", " x "), F("B", "sniff"), F("a", "\ty")};
    char buf[32];
    size_t len;
    assert_int_equal(corshdr_header_combine(f, 3, NAME("A"), buf, sizeof buf, &len), CORSHDR_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(buf, "x, y", 4);
}

static void combine_keeps_empty_values(void **state)
{
    (void)state;
    corshdr_field f[] = {F("A", "nosniff"), F("B", "sniff"), F("A", "")};
    char buf[32];
    size_t len;
    assert_int_equal(corshdr_header_combine(f, 3, NAME("A"), buf, sizeof buf, &len), CORSHDR_OK);
    assert_int_equal(len, 9);
    assert_memory_equal(buf, "nosniff, ", 9);
    corshdr_field g[] = {F("A", "  ")};
    assert_int_equal(corshdr_header_combine(g, 1, NAME("a"), buf, sizeof buf, &len), CORSHDR_OK);
    assert_int_equal(len, 0);
}

static void combine_absent_is_null(void **state)
{
    (void)state;
    corshdr_field f[] = {F("B", "sniff")};
    size_t len = 7;
    assert_int_equal(corshdr_header_combine(f, 1, NAME("A"), NULL, 0, &len), CORSHDR_ABSENT);
    assert_int_equal(len, 0);
}

static void combine_reports_needed_size_without_writing(void **state)
{
    (void)state;
    corshdr_field f[] = {F("A", "abc"), F("A", "def")};
    char buf[4] = {'z', 'z', 'z', 'z'};
    size_t len;
    assert_int_equal(corshdr_header_combine(f, 2, NAME("A"), buf, 4, &len), CORSHDR_ENOSPC);
    assert_int_equal(len, 8);
    assert_memory_equal(buf, "zzzz", 4);
    assert_int_equal(corshdr_header_combine(f, 2, NAME("A"), NULL, 0, &len), CORSHDR_ENOSPC);
    assert_int_equal(len, 8);
    assert_int_equal(corshdr_header_combine(f, 2, NAME("A"), NULL, 4, &len), CORSHDR_EINVAL);
}

/* ---- get, decode, and split ---- */

static size_t split_all(const char *v, size_t n, corshdr_span *out, size_t cap)
{
    corshdr_split s;
    corshdr_span e;
    size_t k = 0;
    corshdr_split_init(&s, v, n);
    while (corshdr_split_next(&s, &e) == CORSHDR_OK) {
        assert_true(k < cap);
        out[k++] = e;
    }
    assert_int_equal(corshdr_split_next(&s, &e), CORSHDR_DONE);
    return k;
}

/* The example table of Fetch "get, decode, and split", row by row. */
static void split_fetch_example_table(void **state)
{
    (void)state;
    corshdr_span o[8];
    assert_int_equal(split_all(G("nosniff,"), 8, o, 8), 2);
    assert_span(o[0], "nosniff");
    assert_span(o[1], "");
    assert_int_equal(split_all(G(""), 0, o, 8), 1);
    assert_span(o[0], "");
    assert_int_equal(split_all(G("text/html;\", x/x"), 16, o, 8), 1);
    assert_span(o[0], "text/html;\", x/x");
    assert_int_equal(split_all(G("x/x;test=\"hi\",y/y"), 17, o, 8), 2);
    assert_span(o[0], "x/x;test=\"hi\"");
    assert_span(o[1], "y/y");
    assert_int_equal(split_all(G("x / x,,,1"), 9, o, 8), 4);
    assert_span(o[0], "x / x");
    assert_span(o[1], "");
    assert_span(o[2], "");
    assert_span(o[3], "1");
    assert_int_equal(split_all(G("\"1,2\", 3"), 8, o, 8), 2);
    assert_span(o[0], "\"1,2\"");
    assert_span(o[1], "3");
}

static void split_multi_line_quote_spans_lines_after_combine(void **state)
{
    (void)state;
    corshdr_field f[] = {F("A", "text/html;\""), F("A", "x/x")};
    char buf[64];
    size_t len;
    corshdr_span o[4];
    assert_int_equal(corshdr_header_combine(f, 2, NAME("a"), buf, sizeof buf, &len), CORSHDR_OK);
    assert_int_equal(split_all(buf, len, o, 4), 1);
    assert_span(o[0], "text/html;\", x/x");
}

static void split_escapes_and_unterminated_quotes(void **state)
{
    (void)state;
    corshdr_span o[4];
    /* a backslash-escaped quote does not end the string */
    assert_int_equal(split_all(G("\"a\\\",b\",c"), 9, o, 4), 2);
    assert_span(o[0], "\"a\\\",b\"");
    assert_span(o[1], "c");
    /* an unterminated quote runs to the end */
    assert_int_equal(split_all(G("a, \"b, c"), 8, o, 4), 2);
    assert_span(o[1], "\"b, c");
    /* a trailing backslash inside a quote is kept */
    assert_int_equal(split_all(G("\"a\\"), 3, o, 4), 1);
    assert_span(o[0], "\"a\\");
    /* text after a closing quote joins the same element */
    assert_int_equal(split_all(G("\"a\"b , c"), 8, o, 4), 2);
    assert_span(o[0], "\"a\"b");
}

static void split_trims_only_sp_and_htab(void **state)
{
    (void)state;
    corshdr_span o[4];
    assert_int_equal(split_all(G(" \ta\x0b , \x0c b"), 10, o, 4), 2);
    assert_span(o[0], "a\x0b");
    assert_span(o[1], "\x0c b");
}

static void split_rejects_null_arguments(void **state)
{
    (void)state;
    corshdr_split s;
    corshdr_span e;
    assert_int_equal(corshdr_split_next(NULL, &e), CORSHDR_EINVAL);
    corshdr_split_init(&s, NULL, 5); /* a NULL span is treated as empty */
    assert_int_equal(corshdr_split_next(&s, NULL), CORSHDR_EINVAL);
    assert_int_equal(corshdr_split_next(&s, &e), CORSHDR_OK);
    assert_int_equal(e.len, 0);
    corshdr_split_init(NULL, "x", 1); /* no crash */
}

/* ---- extract header list values ---- */

static corshdr_status extract(const corshdr_field *f, size_t n, const char *name, unsigned flags,
                              const corshdr_options *opt, corshdr_span *out, size_t cap, size_t *count,
                              corshdr_error *e)
{
    return corshdr_list_extract(f, n, G(name), strlen(name), flags, opt, out, cap, count, e);
}

static void extract_splits_trims_and_skips_empties(void **state)
{
    (void)state;
    corshdr_field f[] = {F("Access-Control-Allow-Headers", " , X-A ,\tx-b,, "), F("Other", "z"),
                         F("access-control-allow-headers", "X-C")};
    corshdr_span o[8];
    size_t n;
    assert_int_equal(extract(f, 3, "Access-Control-Allow-Headers", 0, NULL, o, 8, &n, NULL), CORSHDR_OK);
    assert_int_equal(n, 3);
    assert_span(o[0], "X-A");
    assert_span(o[1], "x-b");
    assert_span(o[2], "X-C");
}

static void extract_absent_is_distinct_from_empty(void **state)
{
    (void)state;
    corshdr_field f[] = {F("A", " , ,"), F("A", "")};
    corshdr_span o[2];
    size_t n = 9;
    assert_int_equal(extract(f, 2, "A", 0, NULL, o, 2, &n, NULL), CORSHDR_OK);
    assert_int_equal(n, 0);
    n = 9;
    assert_int_equal(extract(f, 2, "B", 0, NULL, o, 2, &n, NULL), CORSHDR_ABSENT);
    assert_int_equal(n, 0);
}

static void extract_fails_whole_header_on_one_bad_element(void **state)
{
    (void)state;
    corshdr_field f[] = {F("A", "x, y"), F("A", "ok, b@d, z")};
    corshdr_span o[8];
    size_t n = 9;
    corshdr_error e;
    assert_int_equal(extract(f, 2, "A", 0, NULL, o, 8, &n, &e), CORSHDR_ETOKEN);
    assert_int_equal(n, 0);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.offset, 5);
    /* two tokens separated by whitespace are not one element */
    corshdr_field g[] = {F("A", "x y")};
    assert_int_equal(extract(g, 1, "A", 0, NULL, o, 8, &n, &e), CORSHDR_ETOKEN);
    assert_int_equal(e.offset, 2);
    /* a quoted string is not a token */
    corshdr_field h[] = {F("A", "\"x\"")};
    assert_int_equal(extract(h, 1, "A", 0, NULL, o, 8, &n, &e), CORSHDR_ETOKEN);
    assert_int_equal(e.offset, 0);
}

static void extract_singleton_on_two_lines_fails(void **state)
{
    (void)state;
    corshdr_field f[] = {F("Access-Control-Max-Age", "5"), F("access-control-max-age", "5")};
    corshdr_span o[2];
    size_t n;
    corshdr_error e;
    assert_int_equal(extract(f, 2, "Access-Control-Max-Age", CORSHDR_LIST_SINGLETON, NULL, o, 2, &n, &e),
                     CORSHDR_EREPEATED);
    assert_int_equal(e.line, 1);
    assert_int_equal(extract(f, 1, "Access-Control-Max-Age", CORSHDR_LIST_SINGLETON, NULL, o, 2, &n, &e),
                     CORSHDR_OK);
    assert_int_equal(n, 1);
    /* without the flag, two lines are one list */
    assert_int_equal(extract(f, 2, "Access-Control-Max-Age", 0, NULL, o, 2, &n, &e), CORSHDR_OK);
    assert_int_equal(n, 2);
}

static void extract_one_or_more_rule(void **state)
{
    (void)state;
    corshdr_field f[] = {F("Access-Control-Request-Headers", " , ")};
    corshdr_span o[2];
    size_t n;
    assert_int_equal(extract(f, 1, "Access-Control-Request-Headers", CORSHDR_LIST_NONEMPTY, NULL, o, 2, &n, NULL),
                     CORSHDR_EEMPTY);
    corshdr_field g[] = {F("Access-Control-Request-Headers", ", x-a")};
    assert_int_equal(extract(g, 1, "Access-Control-Request-Headers", CORSHDR_LIST_NONEMPTY, NULL, o, 2, &n, NULL),
                     CORSHDR_OK);
    assert_int_equal(n, 1);
}

static void extract_reports_needed_capacity(void **state)
{
    (void)state;
    corshdr_field f[] = {F("A", "a,b,c,d")};
    corshdr_span o[2];
    size_t n;
    assert_int_equal(extract(f, 1, "A", 0, NULL, o, 2, &n, NULL), CORSHDR_ENOSPC);
    assert_int_equal(n, 4);
    assert_span(o[1], "b");
    assert_int_equal(extract(f, 1, "A", 0, NULL, NULL, 0, &n, NULL), CORSHDR_ENOSPC);
    assert_int_equal(n, 4);
    /* a failure later in the list wins over ENOSPC */
    corshdr_field g[] = {F("A", "a,b,c,d,?")};
    assert_int_equal(extract(g, 1, "A", 0, NULL, o, 2, &n, NULL), CORSHDR_ETOKEN);
}

static void extract_limits_are_enforced(void **state)
{
    (void)state;
    corshdr_options opt;
    corshdr_options_init(&opt);
    assert_int_equal(opt.max_elements, CORSHDR_DEFAULT_MAX_ELEMENTS);
    assert_int_equal(opt.max_empty, CORSHDR_DEFAULT_MAX_EMPTY);
    assert_int_equal(opt.max_bytes, CORSHDR_DEFAULT_MAX_BYTES);
    corshdr_span o[8];
    size_t n;
    corshdr_error e;
    opt.max_elements = 3;
    corshdr_field f[] = {F("A", "a,b,c"), F("A", "d")};
    assert_int_equal(extract(f, 1, "A", 0, &opt, o, 8, &n, &e), CORSHDR_OK);
    assert_int_equal(extract(f, 2, "A", 0, &opt, o, 8, &n, &e), CORSHDR_ETOOMANY);
    assert_int_equal(e.line, 1);
    opt.max_elements = 100;
    opt.max_empty = 2;
    corshdr_field g[] = {F("A", "a,,b,"), F("A", "")};
    assert_int_equal(extract(g, 1, "A", 0, &opt, o, 8, &n, &e), CORSHDR_OK);
    assert_int_equal(extract(g, 2, "A", 0, &opt, o, 8, &n, &e), CORSHDR_EEMPTIES);
    opt.max_empty = 100;
    opt.max_bytes = 6;
    corshdr_field h[] = {F("A", "  abc  "), F("A", "def"), F("A", "g")};
    assert_int_equal(extract(h, 2, "A", 0, &opt, o, 8, &n, &e), CORSHDR_OK);
    assert_int_equal(extract(h, 3, "A", 0, &opt, o, 8, &n, &e), CORSHDR_ETOOLONG);
    assert_int_equal(e.line, 2);
    assert_int_equal(e.offset, 0);
}

static void iterator_is_sticky_after_done_and_error(void **state)
{
    (void)state;
    corshdr_field f[] = {F("A", "x")};
    corshdr_list it;
    corshdr_span s;
    corshdr_error e;
    assert_int_equal(corshdr_list_init(&it, f, 1, G("A"), 1, 0, NULL, &e), CORSHDR_OK);
    assert_int_equal(corshdr_list_next(&it, &s, &e), CORSHDR_OK);
    assert_span(s, "x");
    assert_int_equal(corshdr_list_next(&it, &s, &e), CORSHDR_DONE);
    assert_int_equal(corshdr_list_next(&it, &s, &e), CORSHDR_DONE);
    corshdr_field g[] = {F("A", "x;")};
    assert_int_equal(corshdr_list_init(&it, g, 1, G("A"), 1, 0, NULL, &e), CORSHDR_OK);
    assert_int_equal(corshdr_list_next(&it, &s, &e), CORSHDR_ETOKEN);
    e.offset = 0;
    assert_int_equal(corshdr_list_next(&it, &s, &e), CORSHDR_ETOKEN);
    assert_int_equal(e.offset, 1);
    /* an absent header stays absent */
    assert_int_equal(corshdr_list_init(&it, g, 1, G("B"), 1, 0, NULL, &e), CORSHDR_ABSENT);
    assert_int_equal(corshdr_list_next(&it, &s, &e), CORSHDR_ABSENT);
}

static void iterator_rejects_bad_arguments(void **state)
{
    (void)state;
    corshdr_list it;
    corshdr_span s;
    corshdr_field f[] = {F("A", "x")};
    assert_int_equal(corshdr_list_init(NULL, f, 1, G("A"), 1, 0, NULL, NULL), CORSHDR_EINVAL);
    assert_int_equal(corshdr_list_init(&it, f, 1, G("A"), 1, 0x80, NULL, NULL), CORSHDR_EINVAL);
    assert_int_equal(corshdr_list_next(&it, &s, NULL), CORSHDR_EINVAL);
    assert_int_equal(corshdr_list_init(&it, NULL, 1, G("A"), 1, 0, NULL, NULL), CORSHDR_EINVAL);
    corshdr_field bad = {{NULL, 3}, {"x", 1}};
    assert_int_equal(corshdr_list_init(&it, &bad, 1, G("A"), 1, 0, NULL, NULL), CORSHDR_EINVAL);
    assert_int_equal(corshdr_list_next(NULL, &s, NULL), CORSHDR_EINVAL);
    size_t n;
    assert_int_equal(corshdr_list_extract(f, 1, G("A"), 1, 0, NULL, NULL, 0, NULL, NULL), CORSHDR_EINVAL);
    assert_int_equal(corshdr_list_extract(f, 1, G("A"), 1, 0, NULL, NULL, 5, &n, NULL), CORSHDR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(find_returns_first_matching_line, guard_teardown),
        cmocka_unit_test_teardown(combine_joins_lines_with_comma_space, guard_teardown),
        cmocka_unit_test_teardown(combine_keeps_empty_values, guard_teardown),
        cmocka_unit_test_teardown(combine_absent_is_null, guard_teardown),
        cmocka_unit_test_teardown(combine_reports_needed_size_without_writing, guard_teardown),
        cmocka_unit_test_teardown(split_fetch_example_table, guard_teardown),
        cmocka_unit_test_teardown(split_multi_line_quote_spans_lines_after_combine, guard_teardown),
        cmocka_unit_test_teardown(split_escapes_and_unterminated_quotes, guard_teardown),
        cmocka_unit_test_teardown(split_trims_only_sp_and_htab, guard_teardown),
        cmocka_unit_test_teardown(split_rejects_null_arguments, guard_teardown),
        cmocka_unit_test_teardown(extract_splits_trims_and_skips_empties, guard_teardown),
        cmocka_unit_test_teardown(extract_absent_is_distinct_from_empty, guard_teardown),
        cmocka_unit_test_teardown(extract_fails_whole_header_on_one_bad_element, guard_teardown),
        cmocka_unit_test_teardown(extract_singleton_on_two_lines_fails, guard_teardown),
        cmocka_unit_test_teardown(extract_one_or_more_rule, guard_teardown),
        cmocka_unit_test_teardown(extract_reports_needed_capacity, guard_teardown),
        cmocka_unit_test_teardown(extract_limits_are_enforced, guard_teardown),
        cmocka_unit_test_teardown(iterator_is_sticky_after_done_and_error, guard_teardown),
        cmocka_unit_test_teardown(iterator_rejects_bad_arguments, guard_teardown),
    };
    return cmocka_run_group_tests_name("list", tests, NULL, NULL);
}
