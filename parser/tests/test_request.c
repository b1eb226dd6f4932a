/* cors, request side: safelisted request headers, forbidden headers and methods, unsafe names, ACRH. */
#include "testutil.h"

static int safelisted(const char *name, const char *value)
{
    return corshdr_is_safelisted_request_header(G(name), strlen(name), G(value), strlen(value));
}

static void safelisted_accept_and_languages(void **state)
{
    (void)state;
    assert_true(safelisted("Accept", "text/html,application/xhtml+xml;q=0.9, */*;q=0.8"));
    assert_true(safelisted("ACCEPT", ""));
    assert_false(safelisted("Accept", "\"text/html\""));
    assert_false(safelisted("Accept", "text/html{"));
    assert_true(safelisted("Accept-Language", "en-US,en;q=0.9, *"));
    assert_false(safelisted("Accept-Language", "en_US"));
    assert_false(safelisted("Accept-Language", "en/US"));
    assert_true(safelisted("Content-Language", "de-DE"));
    assert_false(safelisted("Content-Language", "de\tDE"));
    assert_false(safelisted("X-Custom", "a"));
    assert_false(safelisted("Accept-Encoding", "gzip"));
}

static void safelisted_value_length_limit(void **state)
{
    (void)state;
    char v[130];
    memset(v, 'a', sizeof v);
    assert_true(corshdr_is_safelisted_request_header(G("Accept"), 6, guard_dup(v, 128), 128));
    assert_false(corshdr_is_safelisted_request_header(G("Accept"), 6, guard_dup(v, 129), 129));
}

static void safelisted_content_type_essence(void **state)
{
    (void)state;
    const char *ok[] = {"text/plain", "TEXT/PLAIN", "text/plain;charset=utf-8", " text/plain ", "text/plain ;x",
                        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                        "text/plain;", "text/plain; charset=a,b", "Text/Plain\t", "text/plain;;;=;x"};
    for (size_t i = 0; i < COUNT(ok); i++)
        if (!safelisted("Content-Type", ok[i]))
            fail_msg("%s not safelisted", ok[i]);
    const char *bad[] = {"application/json", "text/html", "text", "text/", "/plain", "text /plain", "text/plain\x7f",
                         "text/plain(", "text/plain:", "text/pl@in", "text/plain\x01", "\"text/plain\"", "",
                         "text/plain, application/json", "text/plain\x80", "text\\/plain", "text/plain\r",
                         "text/plain;\"x\"" /* a quote is a CORS-unsafe byte */};
    for (size_t i = 0; i < COUNT(bad); i++)
        if (safelisted("Content-Type", bad[i]))
            fail_msg("%s safelisted", bad[i]);
}

static void safelisted_range(void **state)
{
    (void)state;
    const char *ok[] = {"bytes=0-", "bytes=0-0", "bytes=5-10", "bytes=10-10", "bytes=0-99999999999999999999999",
                        "bytes=0010-11", "bytes=99999999999999999998-99999999999999999999"};
    for (size_t i = 0; i < COUNT(ok); i++)
        if (!safelisted("Range", ok[i]))
            fail_msg("%s not safelisted", ok[i]);
    const char *bad[] = {"bytes=-5", "bytes=10-5", "Bytes=0-", "bytes =0-", "bytes= 0-", "bytes=0 -", "bytes=0-1 ",
                         "bytes=0-1,2-3", "bytes=", "bytes=-", "bits=0-", "bytes0-", "bytes", "bytes=a-",
                         "bytes=99999999999999999999-99999999999999999998", "bytes=11-0010"};
    for (size_t i = 0; i < COUNT(bad); i++)
        if (safelisted("Range", bad[i]))
            fail_msg("%s safelisted", bad[i]);
}

static int forbidden(const char *name, const char *value)
{
    return corshdr_is_forbidden_request_header(G(name), strlen(name), G(value), strlen(value));
}

static void forbidden_names_and_prefixes(void **state)
{
    (void)state;
    const char *names[] = {"Accept-Charset", "Accept-Encoding", "Access-Control-Request-Headers",
                           "Access-Control-Request-Method", "Connection", "Content-Length", "Cookie", "Cookie2", "Date",
                           "DNT", "Expect", "Host", "Keep-Alive", "Origin", "Referer", "Set-Cookie", "TE", "Trailer",
                           "Transfer-Encoding", "Upgrade", "Via", "proxy-", "Proxy-Authorization", "Sec-", "sec-fetch-mode",
                           "SEC-CH-UA", "connection"};
    for (size_t i = 0; i < COUNT(names); i++)
        if (!forbidden(names[i], "x"))
            fail_msg("%s not forbidden", names[i]);
    const char *allowed[] = {"User-Agent", "Accept", "Authorization", "X-Proxy-", "Proxy", "Sec", "Secret", "Content-Type",
                             "Set-Cookie2", "Hostname", "Via2"};
    for (size_t i = 0; i < COUNT(allowed); i++)
        if (forbidden(allowed[i], "x"))
            fail_msg("%s forbidden", allowed[i]);
}

static void forbidden_method_override_values(void **state)
{
    (void)state;
    assert_true(forbidden("X-HTTP-Method-Override", "TRACE"));
    assert_true(forbidden("X-HTTP-Method", "connect"));
    assert_true(forbidden("X-Method-Override", "GET, track"));
    assert_true(forbidden("x-method-override", " Trace ,PUT"));
    assert_false(forbidden("X-HTTP-Method-Override", "PUT"));
    assert_false(forbidden("X-HTTP-Method-Override", "\"TRACE\""));
    assert_false(forbidden("X-HTTP-Method-Override", "TRACE2"));
    assert_false(forbidden("X-HTTP-Method-Override", ""));
    assert_false(forbidden("X-Method", "TRACE"));
}

static void methods(void **state)
{
    (void)state;
    assert_true(corshdr_is_forbidden_method(G("CONNECT"), 7));
    assert_true(corshdr_is_forbidden_method(G("trace"), 5));
    assert_true(corshdr_is_forbidden_method(G("TrAcK"), 5));
    assert_false(corshdr_is_forbidden_method(G("GET"), 3));
    assert_true(corshdr_is_safelisted_method(G("GET"), 3));
    assert_true(corshdr_is_safelisted_method(G("HEAD"), 4));
    assert_true(corshdr_is_safelisted_method(G("POST"), 4));
    assert_false(corshdr_is_safelisted_method(G("get"), 3));
    assert_false(corshdr_is_safelisted_method(G("PUT"), 3));
    const char *in[] = {"delete", "Get", "head", "options", "PoSt", "put", "patch", "Patch", "PATCH", "x-get", "gett"};
    const char *out[] = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "patch", "Patch", "PATCH", "x-get", "gett"};
    for (size_t i = 0; i < COUNT(in); i++)
        assert_span(corshdr_method_normalize(G(in[i]), strlen(in[i])), out[i]);
    assert_null(corshdr_method_normalize(NULL, 2).ptr);
}

static void response_names(void **state)
{
    (void)state;
    const char *safe[] = {"Cache-Control", "content-language", "CONTENT-LENGTH", "Content-Type", "Expires",
                          "Last-Modified", "Pragma"};
    for (size_t i = 0; i < COUNT(safe); i++)
        assert_true(corshdr_is_safelisted_response_name(G(safe[i]), strlen(safe[i])));
    assert_false(corshdr_is_safelisted_response_name(G("Date"), 4));
    assert_false(corshdr_is_safelisted_response_name(G("Content-Encoding"), 16));
    assert_true(corshdr_is_forbidden_response_name(G("set-cookie"), 10));
    assert_true(corshdr_is_forbidden_response_name(G("Set-Cookie2"), 11));
    assert_false(corshdr_is_forbidden_response_name(G("Set-Cookie3"), 11));
}

static void acrh(const corshdr_field *f, size_t n, const char *want)
{
    corshdr_name st[16];
    corshdr_names set;
    char buf[256];
    size_t len;
    corshdr_names_init(&set, st, 16);
    assert_int_equal(corshdr_unsafe_names_collect(f, n, &set, NULL), CORSHDR_OK);
    assert_int_equal(corshdr_names_join(&set, ",", 1, buf, sizeof buf, &len), CORSHDR_OK);
    buf[len] = 0;
    assert_string_equal(buf, want);
}

static void unsafe_names_sorted_lowercase_no_space(void **state)
{
    (void)state;
    corshdr_field f[] = {F("X-Zeta", "1"), F("Content-Type", "application/json"), F("Accept", "*/*"),
                         F("x-alpha", "2"), F("X-ALPHA", "3")};
    acrh(f, COUNT(f), "content-type,x-alpha,x-zeta");
    corshdr_field safe[] = {F("Accept", "text/plain"), F("Content-Type", "text/plain")};
    acrh(safe, COUNT(safe), "");
}

static void unsafe_names_1024_byte_rule(void **state)
{
    (void)state;
    char v[129];
    memset(v, 'a', 128);
    v[128] = 0;
    /* 8 safelisted values of 128 bytes: exactly 1024, still safelisted */
    corshdr_field f[9];
    for (size_t i = 0; i < 8; i++)
        f[i] = F("Accept", v);
    acrh(f, 8, "");
    f[8] = F("Accept-Language", "e");
    acrh(f, 9, "accept,accept-language");
    /* unsafe values do not count towards the 1024 bytes */
    f[8] = F("X-A", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    acrh(f, 9, "x-a");
}

static void unsafe_names_errors(void **state)
{
    (void)state;
    corshdr_field f[] = {F("X-A", "1"), F("X-B", "2"), F("X-C", "3")};
    corshdr_name st[2];
    corshdr_names set;
    corshdr_names_init(&set, st, 2);
    assert_int_equal(corshdr_unsafe_names_collect(f, 3, &set, NULL), CORSHDR_ENOSPC);
    assert_int_equal(set.needed, 3);
    corshdr_field bad[] = {F("X A", "1")};
    corshdr_names_init(&set, st, 2);
    assert_int_equal(corshdr_unsafe_names_collect(bad, 1, &set, NULL), CORSHDR_ENAME);
    assert_int_equal(corshdr_unsafe_names_collect(bad, 1, NULL, NULL), CORSHDR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(safelisted_accept_and_languages, guard_teardown),
        cmocka_unit_test_teardown(safelisted_value_length_limit, guard_teardown),
        cmocka_unit_test_teardown(safelisted_content_type_essence, guard_teardown),
        cmocka_unit_test_teardown(safelisted_range, guard_teardown),
        cmocka_unit_test_teardown(forbidden_names_and_prefixes, guard_teardown),
        cmocka_unit_test_teardown(forbidden_method_override_values, guard_teardown),
        cmocka_unit_test_teardown(methods, guard_teardown),
        cmocka_unit_test_teardown(response_names, guard_teardown),
        cmocka_unit_test_teardown(unsafe_names_sorted_lowercase_no_space, guard_teardown),
        cmocka_unit_test_teardown(unsafe_names_1024_byte_rule, guard_teardown),
        cmocka_unit_test_teardown(unsafe_names_errors, guard_teardown),
    };
    return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
