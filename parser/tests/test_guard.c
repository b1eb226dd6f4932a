/* The guard pages work (a read one byte past a span faults), and every public function stays inside
 * spans that end at a guard page, at every length from 0 to 40. */
#define _DEFAULT_SOURCE
#include "testutil.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void read_past_guard_faults(void **state)
{
    (void)state;
    const char *p = G("abc");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        volatile char c = p[3]; /* one byte past: must fault */
        (void)c;
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* A plain build dies of SIGSEGV; under ASan the SEGV handler reports and exits non-zero. */
    int faulted = (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) || (WIFEXITED(status) && WEXITSTATUS(status) != 0);
    assert_true(faulted);
}

/* Runs every span-reading entry point on (p, n); the guard page catches any over-read. */
static void touch_all(const char *p, size_t n)
{
    corshdr_error e;
    corshdr_span s;
    size_t k;
    uint32_t age;
    char buf[64];
    (void)corshdr_tchar_span(p, n, CORSHDR_KERNEL_AUTO);
    (void)corshdr_tchar_span(p, n, CORSHDR_KERNEL_SCALAR);
    (void)corshdr_token_check(p, n, &e);
    (void)corshdr_value_check(p, n, &e);
    (void)corshdr_value_trim(p, n);
    (void)corshdr_origin_check(p, n, &e);
    (void)corshdr_method_normalize(p, n);
    (void)corshdr_is_forbidden_method(p, n);
    (void)corshdr_is_safelisted_method(p, n);
    (void)corshdr_is_safelisted_response_name(p, n);
    (void)corshdr_is_forbidden_response_name(p, n);
    const char *names[] = {"Accept", "Accept-Language", "Content-Type", "Range", "X-HTTP-Method-Override"};
    for (size_t i = 0; i < COUNT(names); i++) {
        (void)corshdr_is_safelisted_request_header(names[i], strlen(names[i]), p, n);
        (void)corshdr_is_forbidden_request_header(names[i], strlen(names[i]), p, n);
    }
    (void)corshdr_is_forbidden_request_header(p, n, p, n);
    corshdr_split sp;
    corshdr_split_init(&sp, p, n);
    while (corshdr_split_next(&sp, &s) == CORSHDR_OK)
        ;
    const char *hdrs[] = {"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                          "Access-Control-Expose-Headers", "Access-Control-Max-Age", "Access-Control-Allow-Credentials"};
    corshdr_field f[COUNT(hdrs)];
    for (size_t i = 0; i < COUNT(hdrs); i++) {
        f[i].name.ptr = hdrs[i];
        f[i].name.len = strlen(hdrs[i]);
        f[i].value.ptr = p;
        f[i].value.len = n;
    }
    corshdr_span out[8];
    (void)corshdr_list_extract(f, COUNT(f), hdrs[1], strlen(hdrs[1]), 0, NULL, out, 8, &k, &e);
    (void)corshdr_header_combine(f, COUNT(f), hdrs[0], strlen(hdrs[0]), buf, sizeof buf, &k);
    (void)corshdr_cors_check(f, COUNT(f), p, n, CORSHDR_CREDENTIALS_INCLUDE, &e);
    (void)corshdr_max_age_parse(f + 4, 1, &age, &e);
    corshdr_name st[16];
    corshdr_names set;
    corshdr_names_init(&set, st, 16);
    (void)corshdr_exposed_filter(f, COUNT(f), CORSHDR_CREDENTIALS_OMIT, NULL, &set, &e);
    (void)corshdr_is_exposed(f, COUNT(f), CORSHDR_CREDENTIALS_OMIT, NULL, p, n);
    corshdr_names_init(&set, st, 16);
    corshdr_names_add(&set, p, n);
    corshdr_request rq = {{p, n}, {p, n}, CORSHDR_CREDENTIALS_OMIT, &set, 0, 0};
    (void)corshdr_preflight_check(&rq, 200, f, COUNT(f), NULL, &age, &e);
    corshdr_field req[] = {{{p, n}, {p, n}}, {{"Content-Type", 12}, {p, n}}};
    corshdr_names_init(&set, st, 16);
    (void)corshdr_unsafe_names_collect(req, 2, &set, &e);
    (void)corshdr_fields_check(req, 2, &e);
    (void)corshdr_name_compare(p, n, p, n);
}

static void every_function_stays_in_bounds(void **state)
{
    (void)state;
    /* Byte patterns that drive parsers to their ends: open quotes, escapes, digits, ports, brackets. */
    const char *seeds[] = {"\"a\\", "https://[::1", "bytes=1-", "1234567890", "a, b ,\t", "http://a:8080",
                           "text/plain;", "*", "null", "x-a,x-b", "\\", "PUT", "-5"};
    char buf[41];
    touch_all(NULL, 0); /* (NULL, 0) is a valid empty span everywhere: no arithmetic on NULL (UBSan) */
    for (size_t s = 0; s < COUNT(seeds); s++) {
        size_t sl = strlen(seeds[s]);
        for (size_t n = 0; n <= 40; n++) {
            for (size_t i = 0; i < n; i++)
                buf[i] = seeds[s][i % sl];
            touch_all(guard_dup(buf, n), n);
        }
        guard_release();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(read_past_guard_faults, guard_teardown),
        cmocka_unit_test_teardown(every_function_stays_in_bounds, guard_teardown),
    };
    return cmocka_run_group_tests_name("guard", tests, NULL, NULL);
}
