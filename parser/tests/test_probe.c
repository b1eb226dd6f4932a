/* The CPU probe and the CORSHDR_KERNEL override, each run in a process of its own (CTest: unit.probe_*),
 * since the probe runs once per process. The first library call here is corshdr_list_parse with NULL
 * options: the path that probes the CPU before it parses. argv[1] names the kernel AUTO must then mean:
 * "best" (what this CPU and build have), "scalar" or "sse2"; CTest sets CORSHDR_KERNEL to match. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

static corshdr_kernel expected;

/* The best kernel of this CPU and build, found here as the library documents it: AVX2 (with BMI1 and
 * POPCNT), else SSE2, on x86-64 built with vector kernels; else SCALAR. */
static corshdr_kernel best_kernel(void)
{
#if !defined(CORSHDR_FORCE_SCALAR) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("popcnt")
               ? CORSHDR_KERNEL_AVX2
               : CORSHDR_KERNEL_SSE2;
#else
    return CORSHDR_KERNEL_SCALAR;
#endif
}

static void first_call_parses_with_null_options(void **state)
{
    (void)state;
    corshdr_span out[4];
    size_t n = 99;
    corshdr_error e;
    memset(&e, 0xa5, sizeof e);
    /* the first call of the process */
    assert_int_equal(corshdr_list_parse(G(" a , b,,c\t"), 10, CORSHDR_LIST_NONEMPTY, NULL, out, 4, &n, &e), CORSHDR_OK);
    assert_int_equal(n, 3);
    assert_span(out[0], "a");
    assert_span(out[1], "b");
    assert_span(out[2], "c");
    assert_int_equal(e.code, CORSHDR_OK);
    assert_int_equal(corshdr_kernel_active(), expected);
    /* NULL options are the defaults: 1024 elements pass, 1025 do not */
    static char many[2 * 1025];
    for (size_t i = 0; i < 1025; i++) {
        many[2 * i] = 'x';
        many[2 * i + 1] = ',';
    }
    static corshdr_span big[1025];
    assert_int_equal(corshdr_list_parse(guard_dup(many, 2 * 1024 - 1), 2 * 1024 - 1, 0, NULL, big, 1025, &n, &e), CORSHDR_OK);
    assert_int_equal(n, 1024);
    assert_int_equal(corshdr_list_parse(guard_dup(many, 2 * 1025 - 1), 2 * 1025 - 1, 0, NULL, big, 1025, &n, &e), CORSHDR_ETOOMANY);
    assert_int_equal(e.offset, 2 * 1024);
}

/* The probe runs once: the environment is read before the first call only. */
static void the_override_is_read_once(void **state)
{
    (void)state;
    const char *now = getenv("CORSHDR_KERNEL");
    setenv("CORSHDR_KERNEL", now && !strcmp(now, "scalar") ? "sse2" : "scalar", 1);
    assert_int_equal(corshdr_kernel_active(), expected);
    corshdr_span out[2];
    size_t n;
    assert_int_equal(corshdr_list_parse(G("a,b"), 3, 0, NULL, out, 2, &n, NULL), CORSHDR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(corshdr_kernel_active(), expected);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_probe best|scalar|sse2 (the kernel CORSHDR_KERNEL leaves AUTO at)\n");
        return 2;
    }
    corshdr_kernel best = best_kernel();
    if (!strcmp(argv[1], "best"))
        expected = best;
    else if (!strcmp(argv[1], "scalar"))
        expected = CORSHDR_KERNEL_SCALAR;
    else if (!strcmp(argv[1], "sse2"))
        expected = best == CORSHDR_KERNEL_SCALAR ? CORSHDR_KERNEL_SCALAR : CORSHDR_KERNEL_SSE2;
    else {
        fprintf(stderr, "test_probe: unknown kernel %s\n", argv[1]);
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(first_call_parses_with_null_options, guard_teardown),
        cmocka_unit_test_teardown(the_override_is_read_once, guard_teardown),
    };
    return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
