/* names: case-insensitive sets in caller storage, including hostile inputs. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

static void add_sort_dedupes_keeping_first_spelling(void **state)
{
    (void)state;
    corshdr_name st[8];
    corshdr_names set;
    corshdr_names_init(&set, st, 8);
    const char *in[] = {"X-B", "x-a", "X-A", "x-b", "Content-Type", "X-a"};
    for (size_t i = 0; i < COUNT(in); i++)
        assert_int_equal(corshdr_names_add(&set, G(in[i]), strlen(in[i])), CORSHDR_OK);
    assert_false(set.sorted);
    corshdr_names_sort(&set);
    assert_true(set.sorted);
    assert_int_equal(set.count, 3);
    assert_span(set.items[0].name, "Content-Type");
    assert_span(set.items[1].name, "x-a");
    assert_span(set.items[2].name, "X-B");
    assert_int_equal(set.needed, 6);
}

static void find_is_case_insensitive(void **state)
{
    (void)state;
    corshdr_name st[4];
    corshdr_names set;
    size_t i = 99;
    corshdr_names_init(&set, st, 4);
    corshdr_names_add(&set, G("Authorization"), 13);
    corshdr_names_add(&set, G("x-y"), 3);
    assert_int_equal(corshdr_names_find(&set, G("x-y"), 3, &i), CORSHDR_EINVAL); /* not sorted yet */
    corshdr_names_sort(&set);
    assert_int_equal(corshdr_names_find(&set, G("AUTHORIZATION"), 13, &i), CORSHDR_OK);
    assert_int_equal(i, 0);
    assert_int_equal(corshdr_names_find(&set, G("X-Y"), 3, NULL), CORSHDR_OK);
    assert_int_equal(corshdr_names_find(&set, G("x-z"), 3, &i), CORSHDR_ABSENT);
    assert_int_equal(corshdr_names_find(&set, G(""), 0, &i), CORSHDR_ABSENT);
}

static void join_writes_lowercase_sorted(void **state)
{
    (void)state;
    corshdr_name st[4];
    corshdr_names set;
    char buf[64];
    size_t len;
    corshdr_names_init(&set, st, 4);
    corshdr_names_add(&set, G("X-Zeta"), 6);
    corshdr_names_add(&set, G("X-Alpha"), 7);
    corshdr_names_add(&set, G("x-alpha"), 7);
    assert_int_equal(corshdr_names_join(&set, ",", 1, buf, sizeof buf, &len), CORSHDR_EINVAL);
    corshdr_names_sort(&set);
    assert_int_equal(corshdr_names_join(&set, ",", 1, buf, sizeof buf, &len), CORSHDR_OK);
    assert_int_equal(len, 14);
    assert_memory_equal(buf, "x-alpha,x-zeta", 14);
    assert_int_equal(corshdr_names_join(&set, ", ", 2, buf, 5, &len), CORSHDR_ENOSPC);
    assert_int_equal(len, 15);
    /* an empty separator runs the names together */
    assert_int_equal(corshdr_names_join(&set, G(""), 0, buf, 13, &len), CORSHDR_OK);
    assert_int_equal(len, 13);
    assert_memory_equal(buf, "x-alphax-zeta", 13);
    corshdr_names_init(&set, st, 4);
    assert_int_equal(corshdr_names_join(&set, ",", 1, NULL, 0, &len), CORSHDR_OK);
    assert_int_equal(len, 0);
}

static void add_beyond_capacity_counts_needed(void **state)
{
    (void)state;
    corshdr_name st[2];
    corshdr_names set;
    corshdr_names_init(&set, st, 2);
    assert_int_equal(corshdr_names_add(&set, G("a"), 1), CORSHDR_OK);
    assert_int_equal(corshdr_names_add(&set, G("b"), 1), CORSHDR_OK);
    assert_int_equal(corshdr_names_add(&set, G("c"), 1), CORSHDR_ENOSPC);
    assert_int_equal(corshdr_names_add(&set, G("d"), 1), CORSHDR_ENOSPC);
    assert_int_equal(set.count, 2);
    assert_int_equal(set.needed, 4);
    corshdr_names_init(&set, NULL, 10);
    assert_int_equal(set.cap, 0);
    assert_int_equal(corshdr_names_add(&set, G("a"), 1), CORSHDR_ENOSPC);
    assert_int_equal(corshdr_names_add(NULL, G("a"), 1), CORSHDR_EINVAL);
    assert_int_equal(corshdr_names_add(&set, NULL, 1), CORSHDR_EINVAL);
}

/* 100,000 spellings of one name: one member, the first spelling (here "X-Same" at index 0). */
static void hostile_equal_names_collapse_to_first(void **state)
{
    (void)state;
    enum { N = 100000 };
    corshdr_name *st = malloc(N * sizeof *st);
    char *bytes = malloc((size_t)N * 6);
    assert_non_null(st);
    assert_non_null(bytes);
    corshdr_names set;
    corshdr_names_init(&set, st, N);
    for (size_t i = 0; i < N; i++) {
        char *p = bytes + i * 6;
        memcpy(p, "x-same", 6);
        for (int b = 0; b < 6; b++)
            if ((i >> b) & 1 && p[b] >= 'a' && p[b] <= 'z')
                p[b] = (char)(p[b] - 32);
        if (i == 0)
            memcpy(p, "X-Same", 6);
        assert_int_equal(corshdr_names_add(&set, p, 6), CORSHDR_OK);
    }
    corshdr_names_sort(&set);
    assert_int_equal(set.count, 1);
    assert_ptr_equal(set.items[0].name.ptr, bytes);
    free(st);
    free(bytes);
}

/* Names that collide in common string hashes (Java's hashCode: "Aa" == "BB"; the sums of bytes) are
 * kept apart: the set never hashes. */
static void hostile_hash_collisions_stay_distinct(void **state)
{
    (void)state;
    enum { N = 4096, L = 24 };
    static corshdr_name st[N];
    static char text[N][L];
    corshdr_names set;
    corshdr_names_init(&set, st, N);
    for (size_t i = 0; i < N; i++) {
        /* 12 blocks of "Aa" or "BB": 2^12 distinct names sharing one Java hashCode */
        for (int b = 0; b < 12; b++)
            memcpy(&text[i][2 * b], ((i >> b) & 1) ? "BB" : "Aa", 2);
        assert_int_equal(corshdr_names_add(&set, text[i], L), CORSHDR_OK);
    }
    corshdr_names_sort(&set);
    /* lowercase "aa" and "bb" stay distinct: nothing merges */
    assert_int_equal(set.count, N);
    for (size_t i = 1; i < set.count; i++)
        assert_true(corshdr_name_compare(set.items[i - 1].name.ptr, L, set.items[i].name.ptr, L) < 0);
}

static void sort_orders_by_lowercase_bytes(void **state)
{
    (void)state;
    corshdr_name st[8];
    corshdr_names set;
    corshdr_names_init(&set, st, 8);
    const char *in[] = {"b", "_x", "A", "a-", "Z", "0"};
    for (size_t i = 0; i < COUNT(in); i++)
        corshdr_names_add(&set, G(in[i]), strlen(in[i]));
    corshdr_names_sort(&set);
    const char *want[] = {"0", "_x", "A", "a-", "b", "Z"};
    assert_int_equal(set.count, COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++)
        assert_span(set.items[i].name, want[i]);
    corshdr_names_sort(NULL); /* no crash */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(add_sort_dedupes_keeping_first_spelling, guard_teardown),
        cmocka_unit_test_teardown(find_is_case_insensitive, guard_teardown),
        cmocka_unit_test_teardown(join_writes_lowercase_sorted, guard_teardown),
        cmocka_unit_test_teardown(add_beyond_capacity_counts_needed, guard_teardown),
        cmocka_unit_test_teardown(hostile_equal_names_collapse_to_first, guard_teardown),
        cmocka_unit_test_teardown(hostile_hash_collisions_stay_distinct, guard_teardown),
        cmocka_unit_test_teardown(sort_orders_by_lowercase_bytes, guard_teardown),
    };
    return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
