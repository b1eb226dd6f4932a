/* origin: Fetch origin-or-null as browsers serialize it (conformance/SEMANTICS.md "origin"). */
#include "testutil.h"

static corshdr_status check(const char *s, corshdr_error *e)
{
    return corshdr_origin_check(G(s), strlen(s), e);
}

static void accepts_serialized_origins(void **state)
{
    (void)state;
    const char *ok[] = {"null", "https://example.com", "http://a.b.c.example:8080", "https://xn--bcher-kva.example",
                        "http://127.0.0.1", "http://255.255.255.255:1", "http://[::1]", "https://[2001:db8::7]:8443",
                        "http://[::ffff:192.0.2.1]", "http://[1:2:3:4:5:6:7:8]", "http://[1::]", "chrome-extension://abcdef",
                        "moz-extension://0f1e", "http://a_b.example", "http://localhost:0", "http://example.com.",
                        "https://a:65535", "ws://a:443", "wss://a:80", "https://a:80", "http://0x.example"};
    for (size_t i = 0; i < COUNT(ok); i++) {
        corshdr_error e;
        if (check(ok[i], &e) != CORSHDR_OK)
            fail_msg("%s rejected at %zu: %s", ok[i], e.offset, e.expected);
    }
}

static void rejects_what_browsers_never_send(void **state)
{
    (void)state;
    struct {
        const char *in;
        size_t offset;
    } bad[] = {
        {"", 0},                          /* empty */
        {"Null", 0},                      /* null is case-sensitive */
        {"null ", 4},                     /* no whitespace */
        {"HTTPS://a.example", 0},         /* uppercase scheme */
        {"https://A.example", 8},         /* uppercase host */
        {"https://a.example/", 17},       /* trailing slash */
        {"https://a.example/path", 17},   /* path */
        {"https://a.example?q", 17},      /* query */
        {"https://a.example#f", 17},      /* fragment */
        {"https://user@a.example", 12},   /* userinfo */
        {"https://a.example:443", 17},    /* default port */
        {"http://a.example:80", 16},      /* default port */
        {"ftp://a:21", 7},                /* default port */
        {"https://a.example:", 18},       /* empty port */
        {"https://a.example:08080", 18},  /* leading zero */
        {"https://a.example:65536", 18},  /* out of range */
        {"https://a.example:123456", 18}, /* six digits */
        {"https://a.example:12ab", 18},   /* not digits */
        {"https:/a.example", 5},          /* one slash */
        {"https//a.example", 5},          /* no colon */
        {"1http://a", 0},                 /* scheme starts with a letter */
        {"https://", 8},                  /* no host */
        {"https://a..b", 10},             /* empty label */
        {"https://.a", 8},                /* empty first label */
        {"http://1.2.3", 7},              /* numeric last label: must be a full IPv4 */
        {"http://01.2.3.4", 7},           /* leading zero octet */
        {"http://256.0.0.1", 7},          /* octet out of range */
        {"http://1.2.3.4.", 7},           /* the URL parser drops this dot */
        {"http://a.0x1f", 7},             /* ends in a hex number */
        {"http://[::1", 7},               /* unclosed bracket */
        {"http://[::1]x", 12},            /* after the bracket */
        {"http://[1:2:3:4:5:6:7:8:9]", 7},/* nine groups */
        {"http://[1::2::3]", 7},          /* two elisions */
        {"http://[::FFFF:1]", 7},         /* uppercase hex */
        {"http://[12345::]", 7},          /* five hex digits */
        {"http://[1:2:3:4:5:6:7]", 7},    /* seven groups, no elision */
        {"http://[1:]", 7},               /* trailing colon */
        {"http://[::1.2.3]", 7},          /* short IPv4 tail */
        {"https://a%41.example", 9},      /* percent-escape */
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        corshdr_error e;
        if (check(bad[i].in, &e) != CORSHDR_EORIGIN)
            fail_msg("%s accepted", bad[i].in);
        if (e.offset != bad[i].offset)
            fail_msg("%s: offset %zu, wanted %zu", bad[i].in, e.offset, bad[i].offset);
    }
}

static void rejects_long_labels_and_hosts(void **state)
{
    (void)state;
    char buf[300];
    memcpy(buf, "http://", 7);
    memset(buf + 7, 'a', 63);
    assert_int_equal(corshdr_origin_check(guard_dup(buf, 70), 70, NULL), CORSHDR_OK);
    memset(buf + 7, 'a', 64);
    assert_int_equal(corshdr_origin_check(guard_dup(buf, 71), 71, NULL), CORSHDR_EORIGIN);
    /* "a.a. ... .a": 253 bytes, the most a domain may have */
    for (size_t i = 0; i < 253; i++)
        buf[7 + i] = (i % 2) ? '.' : 'a';
    assert_int_equal(corshdr_origin_check(guard_dup(buf, 7 + 253), 7 + 253, NULL), CORSHDR_OK);
    buf[7 + 253] = '.'; /* a trailing dot does not count */
    assert_int_equal(corshdr_origin_check(guard_dup(buf, 7 + 254), 7 + 254, NULL), CORSHDR_OK);
    buf[7 + 253] = 'a'; /* 254 bytes */
    assert_int_equal(corshdr_origin_check(guard_dup(buf, 7 + 254), 7 + 254, NULL), CORSHDR_EORIGIN);
    assert_int_equal(corshdr_origin_check(NULL, 3, NULL), CORSHDR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(accepts_serialized_origins, guard_teardown),
        cmocka_unit_test_teardown(rejects_what_browsers_never_send, guard_teardown),
        cmocka_unit_test_teardown(rejects_long_labels_and_hosts, guard_teardown),
    };
    return cmocka_run_group_tests_name("origin", tests, NULL, NULL);
}
