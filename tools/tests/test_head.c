/* head: the raw response-head reader of the corshdr tool. Every input is a guard-page copy, so a read
 * one byte past the buffer faults; the generated-input test checks the reader's invariants on many
 * shapes of head. */
#include <stdio.h>
#include <stdlib.h>

#include "head.h"
#include "testutil.h"

static corshdr_field fields[HEAD_MAX_FIELDS];

/* head_parse over a guard-page copy of (s, n). */
static head_code parse_n(const char *s, size_t n, size_t cap, head_info *info, head_error *err)
{
    return head_parse(guard_dup(s, n), n, fields, cap, info, err);
}

#define PARSE(lit, info, err) parse_n((lit), sizeof(lit) - 1, HEAD_MAX_FIELDS, (info), (err))

/* Asserts a rejection with its code, line and column. */
#define assert_rejects(lit, code_, line_, column_)                                                       \
    do {                                                                                                 \
        head_info i_;                                                                                    \
        head_error e_;                                                                                   \
        assert_int_equal(PARSE(lit, &i_, &e_), (code_));                                                 \
        assert_int_equal(e_.code, (code_));                                                              \
        assert_int_equal(e_.line, (line_));                                                              \
        assert_int_equal(e_.column, (column_));                                                          \
        assert_non_null(e_.expected);                                                                    \
    } while (0)

static void crlf_head_gives_untrimmed_spans(void **state)
{
    (void)state;
    head_info info;
    head_error err;
    assert_int_equal(PARSE("HTTP/1.1 204 No Content\r\nA: b \r\nC:\r\nD:x:y\r\n\r\nbody", &info, &err), HEAD_OK);
    assert_int_equal(info.status, 204);
    assert_int_equal(info.status_column, 10);
    assert_int_equal(info.nfields, 3);
    assert_int_equal(info.length, sizeof("HTTP/1.1 204 No Content\r\nA: b \r\nC:\r\nD:x:y\r\n\r\n") - 1);
    assert_span(fields[0].name, "A");
    assert_span(fields[0].value, " b "); /* the library trims, not the reader */
    assert_span(fields[1].name, "C");
    assert_span(fields[1].value, "");
    assert_span(fields[2].name, "D");
    assert_span(fields[2].value, "x:y"); /* the first colon ends the name */
}

static void lf_only_and_missing_blank_line_are_accepted(void **state)
{
    (void)state;
    head_info info;
    head_error err;
    assert_int_equal(PARSE("HTTP/1.0 200 OK\nA: 1\nB: 2", &info, &err), HEAD_OK);
    assert_int_equal(info.nfields, 2);
    assert_span(fields[1].value, " 2");
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\n", &info, &err), HEAD_OK);
    assert_int_equal(info.nfields, 0);
    assert_int_equal(PARSE("HTTP/1.1 200", &info, &err), HEAD_OK);
    assert_int_equal(info.status, 200);
}

static void only_one_cr_before_lf_is_a_line_ending(void **state)
{
    (void)state;
    head_info info;
    head_error err;
    /* The second CR and a bare CR stay in the value, where the library calls them a network error. */
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nA: b\r\r\nC: d\re\r\n\r\n", &info, &err), HEAD_OK);
    assert_span(fields[0].value, " b\r");
    assert_span(fields[1].value, " d\re");
    corshdr_error e;
    assert_int_equal(corshdr_fields_check(fields, info.nfields, &e), CORSHDR_EVALUE);
    assert_int_equal(head_field_line(e.line), 2);
    assert_int_equal(head_field_column(&fields[e.line], e.in_name, e.offset), 5);
}

static void nul_bytes_are_the_library_s_to_judge(void **state)
{
    (void)state;
    static const char head[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\nX\0B: c\r\n\r\n";
    head_info info;
    head_error err;
    assert_int_equal(parse_n(head, sizeof head - 1, HEAD_MAX_FIELDS, &info, &err), HEAD_OK);
    assert_int_equal(info.nfields, 2);
    corshdr_error e;
    assert_int_equal(corshdr_fields_check(fields, 2, &e), CORSHDR_EVALUE);
    assert_int_equal(head_field_line(e.line), 2);
    assert_int_equal(head_field_column(&fields[e.line], e.in_name, e.offset), 7);
    assert_int_equal(corshdr_fields_check(fields + 1, 1, &e), CORSHDR_ENAME);
    assert_true(e.in_name);
    assert_int_equal(head_field_column(&fields[1], e.in_name, e.offset), 2);
}

static void status_line_forms(void **state)
{
    (void)state;
    head_info info;
    head_error err;
    assert_int_equal(PARSE("HTTP/1.1 404 Not Found\r\n", &info, &err), HEAD_OK);
    assert_int_equal(info.status, 404);
    assert_int_equal(PARSE("HTTP/1.1 200 \r\n", &info, &err), HEAD_OK);
    assert_int_equal(PARSE("HTTP/1.1 599 caf\xe9\tok\r\n", &info, &err), HEAD_OK); /* obs-text, HTAB */
    assert_int_equal(PARSE("HTTP/2 200\r\n", &info, &err), HEAD_OK);
    assert_int_equal(info.status_column, 8);
    assert_int_equal(PARSE("HTTP/3 100 \r\n", &info, &err), HEAD_OK);
    assert_int_equal(PARSE("HTTP/2.0 301 Moved\r\n", &info, &err), HEAD_OK);
    assert_int_equal(info.status, 301);
}

static void bad_status_lines_say_where(void **state)
{
    (void)state;
    assert_rejects("", HEAD_ESTATUS, 1, 1);
    assert_rejects("\r\nHTTP/1.1 200 OK\r\n", HEAD_ESTATUS, 1, 1);
    assert_rejects("<html>", HEAD_ESTATUS, 1, 1);
    assert_rejects("http/1.1 200 OK", HEAD_ESTATUS, 1, 1);
    assert_rejects("HTTP/1.1", HEAD_ESTATUS, 1, 9);
    assert_rejects("HTTP/1 200 OK", HEAD_ESTATUS, 1, 7);
    assert_rejects("HTTP/1.x 200 OK", HEAD_ESTATUS, 1, 8);
    assert_rejects("HTTP/4 200 OK", HEAD_ESTATUS, 1, 6);
    assert_rejects("HTTP/1.1  200 OK", HEAD_ESTATUS, 1, 10);
    assert_rejects("HTTP/1.1 20 OK", HEAD_ESTATUS, 1, 12);
    assert_rejects("HTTP/1.1 600 OK", HEAD_ESTATUS, 1, 10);
    assert_rejects("HTTP/1.1 099 OK", HEAD_ESTATUS, 1, 10);
    assert_rejects("HTTP/1.1 2000 OK", HEAD_ESTATUS, 1, 13);
    assert_rejects("HTTP/1.1 200 O\x01K", HEAD_ESTATUS, 1, 15);
    assert_rejects("HTTP/1.1 200 O\rK\r\n", HEAD_ESTATUS, 1, 15);
    assert_rejects("HTTP/1.1 200 OK\x7f", HEAD_ESTATUS, 1, 16);
    static const char nul[] = "HTTP/1.1 200 \0K";
    head_info info;
    head_error err;
    assert_int_equal(parse_n(nul, sizeof nul - 1, HEAD_MAX_FIELDS, &info, &err), HEAD_ESTATUS);
    assert_int_equal(err.column, 14);
}

static void field_line_errors_say_where(void **state)
{
    (void)state;
    assert_rejects("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", HEAD_EFOLD, 3, 1);
    assert_rejects("HTTP/1.1 200 OK\r\nA: b\r\n\tfolded\r\n\r\n", HEAD_EFOLD, 3, 1);
    assert_rejects("HTTP/1.1 200 OK\r\n A: b\r\n\r\n", HEAD_EFOLD, 2, 1);
    assert_rejects("HTTP/1.1 200 OK\r\nA: b\r\nNoColon\r\n\r\n", HEAD_ECOLON, 3, 8);
    assert_rejects("HTTP/1.1 200 OK\r\nName : v\r\n", HEAD_ESPACE, 2, 5);
    assert_rejects("HTTP/1.1 200 OK\r\nName \t: v\r\n", HEAD_ESPACE, 2, 5);
    /* An empty name is a line the library rejects (ENAME), not a reader error. */
    head_info info;
    head_error err;
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\n: v\r\n", &info, &err), HEAD_OK);
    assert_int_equal(fields[0].name.len, 0);
}

/* A buffer of `len` bytes: a status line, then field lines "A: x" padded to fill. */
static char *make_head(size_t lines, size_t *len, int blank)
{
    size_t n = 17 + (lines - 1) * 6 + (blank ? 2 : 0);
    char *buf = malloc(n);
    assert_non_null(buf);
    memcpy(buf, "HTTP/1.1 200 OK\r\n", 17);
    for (size_t i = 1; i < lines; i++)
        memcpy(buf + 17 + (i - 1) * 6, "A: x\r\n", 6);
    if (blank)
        memcpy(buf + n - 2, "\r\n", 2);
    *len = n;
    return buf;
}

static void line_limit_and_caller_capacity(void **state)
{
    (void)state;
    size_t len;
    head_info info;
    head_error err;
    char *buf = make_head(HEAD_MAX_LINES, &len, 1);
    assert_int_equal(parse_n(buf, len, HEAD_MAX_FIELDS, &info, &err), HEAD_OK);
    assert_int_equal(info.nfields, HEAD_MAX_FIELDS);
    assert_int_equal(parse_n(buf, len, 5, &info, &err), HEAD_ETOOMANY);
    assert_int_equal(err.line, 7);
    free(buf);
    buf = make_head(HEAD_MAX_LINES + 1, &len, 1);
    assert_int_equal(parse_n(buf, len, HEAD_MAX_FIELDS, &info, &err), HEAD_ETOOMANY);
    assert_int_equal(err.line, HEAD_MAX_LINES + 1);
    free(buf);
}

static void byte_limit_counts_the_blank_line(void **state)
{
    (void)state;
    head_info info;
    head_error err;
    /* A head of exactly HEAD_MAX_BYTES (status line, one long field, blank line), then a body. */
    size_t len = HEAD_MAX_BYTES + 100;
    char *buf = malloc(len);
    assert_non_null(buf);
    memset(buf, 'v', len);
    memcpy(buf, "HTTP/1.1 200 OK\r\nA: ", 20);
    memcpy(buf + HEAD_MAX_BYTES - 4, "\r\n\r\n", 4);
    assert_int_equal(parse_n(buf, len, HEAD_MAX_FIELDS, &info, &err), HEAD_OK);
    assert_int_equal(info.length, HEAD_MAX_BYTES);
    assert_int_equal(fields[0].value.len, HEAD_MAX_BYTES - 4 - 19);
    /* One byte later, the blank line ends past the limit. */
    memmove(buf + HEAD_MAX_BYTES - 3, "\r\n\r\n", 4);
    buf[HEAD_MAX_BYTES - 4] = 'v';
    assert_int_equal(parse_n(buf, len, HEAD_MAX_FIELDS, &info, &err), HEAD_ETOOBIG);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 2); /* the first byte past the limit */
    /* A single line longer than the limit. */
    memset(buf + 17, 'v', len - 17);
    assert_int_equal(parse_n(buf, len, HEAD_MAX_FIELDS, &info, &err), HEAD_ETOOBIG);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, HEAD_MAX_BYTES - 17 + 1);
    /* The same line ending at the end of a buffer within the limit is read (and has no colon). */
    assert_int_equal(parse_n(buf, HEAD_MAX_BYTES, HEAD_MAX_FIELDS, &info, &err), HEAD_ECOLON);
    assert_int_equal(err.column, HEAD_MAX_BYTES - 17 + 1);
    free(buf);
}

/* xorshift64: deterministic inputs, no libc rand state. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Heads built from pieces that stress the reader; on success every span must sit in the head, the
 * name must start its line (column 1), and the line numbers must match the LFs before it. */
static void generated_heads_keep_the_invariants(void **state)
{
    (void)state;
    static const char *const pieces[] = {"HTTP/1.1 200 OK", "HTTP/2 204", "A", ":", " ", "\t", "\r", "\n",
                                         "\r\n", "Name", "value", "\0", "\xff", "HTTP/1.1", "200", "x:y"};
    uint64_t seed = 0x9e3779b97f4a7c15u;
    char buf[256];
    size_t with_fields = 0;
    for (int round = 0; round < 200000; round++) {
        size_t n = 0;
        if (next_random(&seed) % 4)
            n = (size_t)snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\n");
        size_t count = next_random(&seed) % 24;
        for (size_t k = 0; k < count; k++) {
            const char *p = pieces[next_random(&seed) % (sizeof pieces / sizeof pieces[0])];
            size_t plen = p[0] ? strlen(p) : 1;
            if (n + plen > sizeof buf)
                break;
            memcpy(buf + n, p, plen);
            n += plen;
        }
        head_info info;
        head_error err;
        const char *g = guard_dup(buf, n);
        head_code st = head_parse(g, n, fields, HEAD_MAX_FIELDS, &info, &err);
        if (st != HEAD_OK) {
            assert_true(err.line >= 1 && err.column >= 1);
        } else {
            assert_true(info.length <= n);
            with_fields += info.nfields > 0;
            for (size_t i = 0; i < info.nfields; i++) {
                const corshdr_field *f = &fields[i];
                assert_true(f->name.ptr >= g && f->value.ptr + f->value.len <= g + info.length);
                assert_int_equal(f->name.ptr[-1], '\n');
                assert_int_equal(f->value.ptr[-1], ':');
                assert_null(memchr(f->name.ptr, ':', f->name.len));
                assert_null(memchr(f->value.ptr, '\n', f->value.len));
                size_t lfs = 0;
                for (const char *p = g; p < f->name.ptr; p++)
                    lfs += *p == '\n';
                assert_int_equal(head_field_line(i), lfs + 1);
            }
        }
        if (round % 1000 == 999)
            guard_release();
    }
    assert_true(with_fields > 10000); /* the generator does reach the field-line code */
}

static void null_buffer_is_an_empty_input(void **state)
{
    (void)state;
    head_info info;
    head_error err;
    assert_int_equal(head_parse(NULL, 5, fields, HEAD_MAX_FIELDS, &info, &err), HEAD_ESTATUS);
    assert_int_equal(head_parse("HTTP/1.1 200 OK", 15, fields, HEAD_MAX_FIELDS, &info, NULL), HEAD_OK);
    for (int c = HEAD_OK; c <= HEAD_ETOOMANY; c++)
        assert_non_null(head_strerror((head_code)c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(crlf_head_gives_untrimmed_spans, guard_teardown),
        cmocka_unit_test_teardown(lf_only_and_missing_blank_line_are_accepted, guard_teardown),
        cmocka_unit_test_teardown(only_one_cr_before_lf_is_a_line_ending, guard_teardown),
        cmocka_unit_test_teardown(nul_bytes_are_the_library_s_to_judge, guard_teardown),
        cmocka_unit_test_teardown(status_line_forms, guard_teardown),
        cmocka_unit_test_teardown(bad_status_lines_say_where, guard_teardown),
        cmocka_unit_test_teardown(field_line_errors_say_where, guard_teardown),
        cmocka_unit_test_teardown(line_limit_and_caller_capacity, guard_teardown),
        cmocka_unit_test_teardown(byte_limit_counts_the_blank_line, guard_teardown),
        cmocka_unit_test_teardown(generated_heads_keep_the_invariants, guard_teardown),
        cmocka_unit_test_teardown(null_buffer_is_an_empty_input, guard_teardown),
    };
    return cmocka_run_group_tests_name("head", tests, NULL, NULL);
}
