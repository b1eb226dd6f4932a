/* lex: RFC 9110 tokens, Fetch header values, trimming, field-list checks, name comparison. */
#include "testutil.h"

static const char TCHARS[] = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void token_accepts_every_tchar(void **state)
{
    (void)state;
    const char *t = G(TCHARS);
    assert_int_equal(corshdr_token_check(t, strlen(TCHARS), NULL), CORSHDR_OK);
    assert_int_equal(corshdr_tchar_span(t, strlen(TCHARS), CORSHDR_KERNEL_SCALAR), strlen(TCHARS));
}

static void token_rejects_empty(void **state)
{
    (void)state;
    corshdr_error e;
    assert_int_equal(corshdr_token_check(G(""), 0, &e), CORSHDR_EEMPTY);
    assert_int_equal(e.code, CORSHDR_EEMPTY);
    assert_int_equal(corshdr_token_check(NULL, 0, NULL), CORSHDR_EEMPTY);
}

static void token_reports_first_bad_byte(void **state)
{
    (void)state;
    corshdr_error e;
    /* RFC 9110 §5.6.2: delimiters "(),/:;<=>?@[\]{} and DQUOTE are not tchar */
    const char *cases[] = {"a b", "a,b", "a/b", "a:b", "a;b", "a=b", "a\"b", "a(b", "a)b", "a{b", "a}b",
                           "a[b", "a]b", "a?b", "a@b", "a<b", "a>b", "a\\b", "a\tb", "a\x7f" "b", "a\x80" "b"};
    for (size_t i = 0; i < COUNT(cases); i++) {
        assert_int_equal(corshdr_token_check(G(cases[i]), 3, &e), CORSHDR_ETOKEN);
        assert_int_equal(e.offset, 1);
        assert_int_equal(e.line, CORSHDR_NPOS);
    }
    assert_int_equal(corshdr_token_check(G("abc "), 4, &e), CORSHDR_ETOKEN);
    assert_int_equal(e.offset, 3);
}

static void token_rejects_null_pointer_with_length(void **state)
{
    (void)state;
    assert_int_equal(corshdr_token_check(NULL, 3, NULL), CORSHDR_EINVAL);
    assert_int_equal(corshdr_tchar_span(NULL, 3, CORSHDR_KERNEL_AUTO), 0);
}

static void tchar_span_stops_at_first_non_tchar(void **state)
{
    (void)state;
    assert_int_equal(corshdr_tchar_span(G("abc,def"), 7, CORSHDR_KERNEL_AUTO), 3);
    assert_int_equal(corshdr_tchar_span(G(",abc"), 4, CORSHDR_KERNEL_AUTO), 0);
    assert_int_equal(corshdr_tchar_span(G(""), 0, CORSHDR_KERNEL_AUTO), 0);
    corshdr_kernel k = corshdr_kernel_active();
    assert_true(k == CORSHDR_KERNEL_SCALAR || k == CORSHDR_KERNEL_SSE2 || k == CORSHDR_KERNEL_AVX2);
}

static void value_check_rejects_nul_cr_lf(void **state)
{
    (void)state;
    corshdr_error e;
    assert_int_equal(corshdr_value_check(guard_dup("a\0b", 3), 3, &e), CORSHDR_EVALUE);
    assert_int_equal(e.offset, 1);
    assert_int_equal(corshdr_value_check(G("ab\r"), 3, &e), CORSHDR_EVALUE);
    assert_int_equal(e.offset, 2);
    assert_int_equal(corshdr_value_check(G("\nab"), 3, &e), CORSHDR_EVALUE);
    assert_int_equal(e.offset, 0);
}

static void value_check_rejects_surrounding_sp_htab(void **state)
{
    (void)state;
    corshdr_error e;
    assert_int_equal(corshdr_value_check(G(" a"), 2, &e), CORSHDR_ESPACE);
    assert_int_equal(e.offset, 0);
    assert_int_equal(corshdr_value_check(G("a\t"), 2, &e), CORSHDR_ESPACE);
    assert_int_equal(e.offset, 1);
}

static void value_check_accepts_controls_obs_text_and_empty(void **state)
{
    (void)state;
    /* Fetch "header value": only NUL, CR, LF and surrounding SP/HTAB are excluded. */
    assert_int_equal(corshdr_value_check(G("\x0b" "a\x0c"), 3, NULL), CORSHDR_OK);
    assert_int_equal(corshdr_value_check(G("a\x01\x7f\xff b"), 6, NULL), CORSHDR_OK);
    assert_int_equal(corshdr_value_check(G(""), 0, NULL), CORSHDR_OK);
    assert_int_equal(corshdr_value_check(G("a \t b"), 5, NULL), CORSHDR_OK);
}

static void trim_removes_only_sp_and_htab(void **state)
{
    (void)state;
    assert_span(corshdr_value_trim(G(" \t a b \t "), 9), "a b");
    assert_span(corshdr_value_trim(G("\x0b" "a\x0c"), 3), "\x0b" "a\x0c");
    assert_span(corshdr_value_trim(G(" \t  "), 4), "");
    assert_span(corshdr_value_trim(G(""), 0), "");
    corshdr_span s = corshdr_value_trim(NULL, 5);
    assert_null(s.ptr);
    assert_int_equal(s.len, 0);
}

static void fields_check_finds_bad_name_and_value(void **state)
{
    (void)state;
    corshdr_error e;
    corshdr_field ok[] = {F("A", "b"), F("Content-Type", "text/plain")};
    assert_int_equal(corshdr_fields_check(ok, COUNT(ok), &e), CORSHDR_OK);
    corshdr_field bad_name[] = {F("A", "b"), F("Bad Name", "x")};
    assert_int_equal(corshdr_fields_check(bad_name, COUNT(bad_name), &e), CORSHDR_ENAME);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.offset, 3);
    assert_int_equal(e.in_name, 1);
    corshdr_field empty_name[] = {F("", "x")};
    assert_int_equal(corshdr_fields_check(empty_name, 1, &e), CORSHDR_ENAME);
    assert_int_equal(e.offset, 0);
    corshdr_field bad_value[] = {F("A", "b"), F("C", "d"), F("E", "x\ry")};
    assert_int_equal(corshdr_fields_check(bad_value, COUNT(bad_value), &e), CORSHDR_EVALUE);
    assert_int_equal(e.line, 2);
    assert_int_equal(e.offset, 1);
    assert_int_equal(e.in_name, 0);
    assert_int_equal(corshdr_fields_check(NULL, 0, &e), CORSHDR_OK);
    assert_int_equal(corshdr_fields_check(NULL, 1, &e), CORSHDR_EINVAL);
}

static void name_compare_folds_ascii_only(void **state)
{
    (void)state;
    assert_int_equal(corshdr_name_compare(G("Content-Type"), 12, G("content-TYPE"), 12), 0);
    assert_true(corshdr_name_compare(G("a"), 1, G("B"), 1) < 0);
    assert_true(corshdr_name_compare(G("B"), 1, G("a"), 1) > 0);
    assert_true(corshdr_name_compare(G("ab"), 2, G("abc"), 3) < 0);
    /* Bytes >= 0x80 are not folded: byte-lowercase is ASCII only. */
    assert_true(corshdr_name_compare(G("\xc4"), 1, G("\xe4"), 1) != 0);
    /* Lowercase byte order: '_' (0x5F) sorts before 'a' (0x61) but after 'A' (0x41) in raw bytes. */
    assert_true(corshdr_name_compare(G("_"), 1, G("A"), 1) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(token_accepts_every_tchar, guard_teardown),
        cmocka_unit_test_teardown(token_rejects_empty, guard_teardown),
        cmocka_unit_test_teardown(token_reports_first_bad_byte, guard_teardown),
        cmocka_unit_test_teardown(token_rejects_null_pointer_with_length, guard_teardown),
        cmocka_unit_test_teardown(tchar_span_stops_at_first_non_tchar, guard_teardown),
        cmocka_unit_test_teardown(value_check_rejects_nul_cr_lf, guard_teardown),
        cmocka_unit_test_teardown(value_check_rejects_surrounding_sp_htab, guard_teardown),
        cmocka_unit_test_teardown(value_check_accepts_controls_obs_text_and_empty, guard_teardown),
        cmocka_unit_test_teardown(trim_removes_only_sp_and_htab, guard_teardown),
        cmocka_unit_test_teardown(fields_check_finds_bad_name_and_value, guard_teardown),
        cmocka_unit_test_teardown(name_compare_folds_ascii_only, guard_teardown),
    };
    return cmocka_run_group_tests_name("lex", tests, NULL, NULL);
}
