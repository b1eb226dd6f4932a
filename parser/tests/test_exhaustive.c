/* Every byte value 0x00-0xFF at the start, middle and end of tokens, list elements, values, names and
 * origins, and beside commas and whitespace. Expectations come from the byte classes written out here
 * independently of the library's tables. Every input ends at a guard page. */
#include "testutil.h"

#include <stdio.h>

static const char TCHARS[] = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int tchar(int b) { return b != 0 && strchr(TCHARS, b) != NULL; }
static int ows(int b) { return b == ' ' || b == '\t'; }

static const corshdr_kernel KERNELS[] = {CORSHDR_KERNEL_AUTO, CORSHDR_KERNEL_SCALAR, CORSHDR_KERNEL_SSE2,
                                         CORSHDR_KERNEL_AVX2};

/* "ab?cd" with ? at offset pos. */
static void token_every_byte_every_position(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        for (size_t pos = 0; pos < 5; pos += 2) {
            char in[5] = {'a', 'b', 'c', 'd', 'e'};
            in[pos] = (char)b;
            const char *p = guard_dup(in, 5);
            corshdr_error e;
            corshdr_status st = corshdr_token_check(p, 5, &e);
            if (tchar(b)) {
                assert_int_equal(st, CORSHDR_OK);
            } else {
                assert_int_equal(st, CORSHDR_ETOKEN);
                assert_int_equal(e.offset, pos);
            }
            for (size_t k = 0; k < COUNT(KERNELS); k++)
                assert_int_equal(corshdr_tchar_span(p, 5, KERNELS[k]), tchar(b) ? 5 : pos);
        }
        guard_release();
    }
}

/* Long inputs, so that vector kernels see the odd byte in every lane and in the scalar tail. */
static void tchar_span_every_byte_every_lane(void **state)
{
    (void)state;
    char buf[80];
    for (int b = 0; b < 256; b++) {
        for (size_t pos = 0; pos < sizeof buf; pos++) {
            memset(buf, 'x', sizeof buf);
            buf[pos] = (char)b;
            const char *p = guard_dup(buf, sizeof buf);
            for (size_t k = 0; k < COUNT(KERNELS); k++)
                assert_int_equal(corshdr_tchar_span(p, sizeof buf, KERNELS[k]), tchar(b) ? sizeof buf : pos);
            /* shorter spans of the same bytes end before the odd byte, or at it */
            for (size_t len = pos; len <= pos + 1 && len <= sizeof buf; len++)
                for (size_t k = 0; k < COUNT(KERNELS); k++)
                    assert_int_equal(corshdr_tchar_span(p + sizeof buf - len, len, KERNELS[k]),
                                     corshdr_tchar_span(p + sizeof buf - len, len, CORSHDR_KERNEL_SCALAR));
        }
        guard_release();
    }
}

struct want {
    corshdr_status st;
    size_t offset;         /* when st is an error */
    const char *elems[5];  /* when st is OK */
};

static void check_list(const char *value, size_t len, const struct want *w)
{
    corshdr_field f = field_n("A", 1, value, len);
    corshdr_span out[8];
    size_t n = 0;
    corshdr_error e;
    corshdr_status st = corshdr_list_extract(&f, 1, "A", 1, 0, NULL, out, 8, &n, &e);
    assert_int_equal(st, w->st);
    if (st != CORSHDR_OK) {
        assert_int_equal(e.offset, w->offset);
        return;
    }
    size_t k = 0;
    while (k < COUNT(w->elems) && w->elems[k]) {
        assert_true(k < n);
        assert_int_equal(out[k].len, strlen(w->elems[k]));
        assert_memory_equal(out[k].ptr, w->elems[k], out[k].len);
        k++;
    }
    assert_int_equal(n, k);
}

static void list_every_byte_beside_commas_and_whitespace(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        char one[2] = {(char)b, 0};
        char bx[3] = {(char)b, 'x', 0}, xb[3] = {'x', (char)b, 0}, xby[4] = {'x', (char)b, 'y', 0};
        int t = tchar(b), o = ows(b), c = b == ',';
        /* "a,?x,c": start of an element, right after a comma */
        {
            char v[] = {'a', ',', (char)b, 'x', ',', 'c'};
            struct want w = {CORSHDR_ETOKEN, 2, {0}};
            if (t)
                w = (struct want){CORSHDR_OK, 0, {"a", bx, "c"}};
            else if (o || c)
                w = (struct want){CORSHDR_OK, 0, {"a", "x", "c"}};
            check_list(v, sizeof v, &w);
        }
        /* "a, x?y ,c": middle of an element, whitespace around it */
        {
            char v[] = {'a', ',', ' ', 'x', (char)b, 'y', ' ', ',', 'c'};
            struct want w = {CORSHDR_ETOKEN, 4, {0}};
            if (t)
                w = (struct want){CORSHDR_OK, 0, {"a", xby, "c"}};
            else if (o)
                w = (struct want){CORSHDR_ETOKEN, 5, {0}}; /* two tokens: 'y' where ',' belongs */
            else if (c)
                w = (struct want){CORSHDR_OK, 0, {"a", "x", "y", "c"}};
            check_list(v, sizeof v, &w);
        }
        /* "a,x?": end of the value */
        {
            char v[] = {'a', ',', 'x', (char)b};
            struct want w = {CORSHDR_ETOKEN, 3, {0}};
            if (t)
                w = (struct want){CORSHDR_OK, 0, {"a", xb}};
            else if (o || c)
                w = (struct want){CORSHDR_OK, 0, {"a", "x"}};
            check_list(v, sizeof v, &w);
        }
        /* "?" alone */
        {
            struct want w = {CORSHDR_ETOKEN, 0, {0}};
            if (t)
                w = (struct want){CORSHDR_OK, 0, {one}};
            else if (o || c)
                w = (struct want){CORSHDR_OK, 0, {0}};
            check_list(one, 1, &w);
        }
        guard_release();
    }
}

static size_t split_value(const char *v, size_t n, corshdr_span *out, size_t cap)
{
    corshdr_split s;
    corshdr_span e;
    size_t k = 0;
    corshdr_split_init(&s, guard_dup(v, n), n);
    while (corshdr_split_next(&s, &e) == CORSHDR_OK && k < cap)
        out[k++] = e;
    return k;
}

static void split_every_byte(void **state)
{
    (void)state;
    corshdr_span o[4];
    for (int b = 0; b < 256; b++) {
        char mid[] = {'a', (char)b, 'b', ',', 'c'};
        size_t n = split_value(mid, sizeof mid, o, 4);
        if (b == ',') {
            assert_int_equal(n, 3);
        } else if (b == '"') {
            assert_int_equal(n, 1); /* an unterminated quote swallows the comma */
            assert_int_equal(o[0].len, 5);
        } else {
            assert_int_equal(n, 2);
            assert_int_equal(o[0].len, 3);
            assert_int_equal((unsigned char)o[0].ptr[1], b);
        }
        char edge[] = {(char)b, 'a', (char)b};
        n = split_value(edge, 3, o, 4);
        if (ows(b)) {
            assert_int_equal(n, 1);
            assert_int_equal(o[0].len, 1);
        } else if (b == ',') {
            assert_int_equal(n, 3);
        } else if (b == '"') {
            assert_int_equal(n, 1);
            assert_int_equal(o[0].len, 3);
        } else {
            assert_int_equal(n, 1);
            assert_int_equal(o[0].len, 3);
        }
        guard_release();
    }
}

static void value_every_byte_every_position(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        for (size_t pos = 0; pos < 3; pos++) {
            char v[3] = {'a', 'b', 'c'};
            v[pos] = (char)b;
            corshdr_error e;
            corshdr_status st = corshdr_value_check(guard_dup(v, 3), 3, &e);
            if (b == 0 || b == '\r' || b == '\n')
                assert_int_equal(st, CORSHDR_EVALUE);
            else if (ows(b) && pos != 1)
                assert_int_equal(st, CORSHDR_ESPACE);
            else
                assert_int_equal(st, CORSHDR_OK);
            if (st != CORSHDR_OK)
                assert_int_equal(e.offset, pos);
            corshdr_span t = corshdr_value_trim(guard_dup(v, 3), 3);
            assert_int_equal(t.len, ows(b) && pos != 1 ? 2 : 3);
        }
        guard_release();
    }
}

static void field_name_every_byte(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        char name[3] = {'x', (char)b, 'y'};
        corshdr_field f = field_n(name, 3, "v", 1);
        corshdr_error e;
        corshdr_status st = corshdr_fields_check(&f, 1, &e);
        assert_int_equal(st, tchar(b) ? CORSHDR_OK : CORSHDR_ENAME);
        if (!tchar(b))
            assert_int_equal(e.offset, 1);
        /* the byte in the value instead: only NUL, CR, LF make a network error */
        char value[3] = {'x', (char)b, 'y'};
        f = field_n("N", 1, value, 3);
        st = corshdr_fields_check(&f, 1, &e);
        assert_int_equal(st, (b == 0 || b == '\r' || b == '\n') ? CORSHDR_EVALUE : CORSHDR_OK);
        guard_release();
    }
}

/* Header names match byte-case-insensitively (ASCII letters only): every pair of bytes, at the first,
 * a middle and the last position of names of every length the comparison treats apart (1 to 3 bytes
 * one by one, 4-7 and 8-15 in two overlapping loads, 16 and up 16 at a time), through
 * corshdr_header_find. Guard pages end both names, so a read past either faults. */
static void name_match_every_byte_pair(void **state)
{
    (void)state;
    const size_t lengths[] = {1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33};
    char a[40], b[40];
    for (size_t li = 0; li < COUNT(lengths); li++) {
        size_t len = lengths[li];
        const size_t where[] = {0, len / 2, len - 1};
        for (size_t wi = 0; wi < COUNT(where); wi++) {
            memset(a, 'k', len);
            memset(b, 'K', len);
            char *ga = (char *)(uintptr_t)guard_dup(a, len), *gb = (char *)(uintptr_t)guard_dup(b, len);
            for (int x = 0; x < 256; x++)
                for (int y = 0; y < 256; y++) {
                    ga[where[wi]] = (char)x;
                    gb[where[wi]] = (char)y;
                    int lx = x >= 'A' && x <= 'Z' ? x + 32 : x, ly = y >= 'A' && y <= 'Z' ? y + 32 : y;
                    corshdr_field f = {{ga, len}, {"v", 1}};
                    size_t at;
                    corshdr_status st = corshdr_header_find(&f, 1, gb, len, &at);
                    if (st != (lx == ly ? CORSHDR_OK : CORSHDR_ABSENT))
                        fail_msg("length %zu, position %zu: bytes 0x%02x and 0x%02x gave %s", len, where[wi], x, y,
                                 corshdr_err_name(st));
                }
            guard_release();
        }
    }
}

static void origin_host_every_byte(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        char v[] = "https://a?b.example";
        v[9] = (char)b;
        int ok = (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_' || b == '.';
        assert_int_equal(corshdr_origin_check(guard_dup(v, strlen("https://a?b.example")), strlen("https://a?b.example"),
                                              NULL),
                         ok ? CORSHDR_OK : CORSHDR_EORIGIN);
        guard_release();
    }
}

/* Fetch "CORS-unsafe request-header byte", listed here from the spec text. */
static int cors_unsafe(int b)
{
    return (b < 0x20 && b != 0x09) || (b != 0 && strchr("\"():<>?@[\\]{}", b) != NULL) || b == 0x7f;
}

static void accept_value_every_byte(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        char v[3] = {'a', (char)b, 'b'};
        assert_int_equal(corshdr_is_safelisted_request_header("Accept", 6, guard_dup(v, 3), 3), !cors_unsafe(b));
        int lang = (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
                   (b != 0 && strchr(" *,-.;=", b) != NULL);
        assert_int_equal(corshdr_is_safelisted_request_header("Content-Language", 16, guard_dup(v, 3), 3), lang);
        guard_release();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(token_every_byte_every_position, guard_teardown),
        cmocka_unit_test_teardown(tchar_span_every_byte_every_lane, guard_teardown),
        cmocka_unit_test_teardown(list_every_byte_beside_commas_and_whitespace, guard_teardown),
        cmocka_unit_test_teardown(split_every_byte, guard_teardown),
        cmocka_unit_test_teardown(value_every_byte_every_position, guard_teardown),
        cmocka_unit_test_teardown(field_name_every_byte, guard_teardown),
        cmocka_unit_test_teardown(name_match_every_byte_pair, guard_teardown),
        cmocka_unit_test_teardown(origin_host_every_byte, guard_teardown),
        cmocka_unit_test_teardown(accept_value_every_byte, guard_teardown),
    };
    return cmocka_run_group_tests_name("exhaustive", tests, NULL, NULL);
}
