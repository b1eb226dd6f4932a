/* Every kernel gives the same answer: list extraction with SCALAR, SSE2 and AVX2 (and AUTO) agrees on
 * status, count, every element span and the whole error record (code, line, offset, expected), over
 * generated lists whose tokens, whitespace runs, bad bytes and limits fall on every side of the 64-byte
 * block boundaries. The vector kernels locate a failure from their own masks; the scalar kernel walks
 * element by element: the reference. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

static const corshdr_kernel KERNELS[] = {CORSHDR_KERNEL_SSE2, CORSHDR_KERNEL_AVX2, CORSHDR_KERNEL_AUTO};

static uint64_t seed = 0x2545f4914f6cdd1dULL;
static unsigned rnd(unsigned n)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (unsigned)(seed % n);
}

struct result {
    corshdr_status st;
    size_t count;
    corshdr_error err;
    corshdr_span out[256];
};

static void run(const corshdr_field *f, size_t n, corshdr_kernel k, unsigned flags, const corshdr_options *base,
                struct result *r)
{
    corshdr_options o = *base;
    o.kernel = k;
    memset(r, 0, sizeof *r);
    r->st = corshdr_list_extract(f, n, "a", 1, flags, &o, r->out, 256, &r->count, &r->err);
}

/* The same error record: code, line, offset and the text of what was expected. */
static int same_error(const corshdr_error *a, const corshdr_error *b)
{
    return a->code == b->code && a->line == b->line && a->offset == b->offset && a->in_name == b->in_name &&
           strcmp(a->expected, b->expected) == 0;
}

static void same(const corshdr_field *f, size_t n, unsigned flags, const corshdr_options *opt)
{
    static struct result want, got;
    run(f, n, CORSHDR_KERNEL_SCALAR, flags, opt, &want);
    for (size_t i = 0; i < COUNT(KERNELS); i++) {
        run(f, n, KERNELS[i], flags, opt, &got);
        if (got.st != want.st || got.count != want.count || !same_error(&got.err, &want.err))
            fail_msg("kernel %d: %s count %zu line %zu offset %zu '%s'; scalar: %s count %zu line %zu offset %zu '%s' "
                     "(value %.*s)",
                     (int)KERNELS[i], corshdr_err_name(got.st), got.count, got.err.line, got.err.offset,
                     got.err.expected, corshdr_err_name(want.st), want.count, want.err.line, want.err.offset,
                     want.err.expected, (int)f[0].value.len, f[0].value.ptr);
        for (size_t e = 0; e < want.count && e < 256; e++)
            if (got.out[e].ptr != want.out[e].ptr || got.out[e].len != want.out[e].len)
                fail_msg("kernel %d: element %zu differs", (int)KERNELS[i], e);
    }
}

/* Values from pieces that stress the block logic: long tokens, long whitespace runs, commas, bad bytes. */
static size_t make_value(char *buf, size_t cap)
{
    static const char *pieces[] = {"x", "Content-Type", ",", ", ", " ,", "\t", "   ", ",,", "a-b_c.d"};
    size_t n = 0;
    while (n < cap - 80 && rnd(12)) {
        unsigned r = rnd(16);
        if (r < 9) {
            const char *s = pieces[r];
            memcpy(buf + n, s, strlen(s));
            n += strlen(s);
        } else if (r < 12) { /* a run of one class, long enough to cross a block */
            size_t len = 1 + rnd(70);
            memset(buf + n, r == 9 ? 't' : r == 10 ? ' ' : ',', len);
            n += len;
        } else if (r == 12 && rnd(6) == 0) { /* a rare bad byte */
            static const char bad[] = "\"/;:@\x01\x7f\x80\xff()=";
            buf[n++] = bad[rnd(sizeof bad - 1)];
        } else {
            buf[n++] = 'q';
        }
    }
    return n;
}

static void kernels_agree_on_generated_lists(void **state)
{
    (void)state;
    corshdr_options opt;
    corshdr_options_init(&opt);
    char buf[1024];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = make_value(buf, sizeof buf);
        corshdr_field f[3];
        size_t lines = 1 + rnd(3);
        /* cut the value into lines at arbitrary points */
        size_t cut1 = n ? rnd((unsigned)n + 1) : 0, cut2 = cut1 + (n - cut1 ? rnd((unsigned)(n - cut1) + 1) : 0);
        if (lines == 1) {
            f[0] = field_n("A", 1, buf, n);
        } else {
            f[0] = field_n("A", 1, buf, cut1);
            f[1] = field_n("B", 1, "b", 1);
            f[2] = field_n("a", 1, buf + cut1, lines == 3 ? cut2 - cut1 : n - cut1);
            lines = 3;
        }
        opt.max_elements = rnd(4) ? 1024 : rnd(20);
        opt.max_empty = rnd(4) ? 1024 : rnd(20);
        opt.max_bytes = rnd(8) ? 65536 : rnd((unsigned)n + 2);
        same(f, lines, (rnd(2) ? CORSHDR_LIST_NONEMPTY : 0) | (rnd(8) ? 0 : CORSHDR_LIST_SINGLETON), &opt);
        if (iter % 512 == 0)
            guard_release();
    }
}

/* Hand-placed boundary cases: the event at byte 62, 63, 64, 65 and 127, 128. */
static void kernels_agree_at_block_edges(void **state)
{
    (void)state;
    corshdr_options opt;
    corshdr_options_init(&opt);
    char buf[200];
    const size_t at[] = {0, 1, 31, 32, 33, 62, 63, 64, 65, 126, 127, 128, 129};
    const char *events[] = {"a b", " b", "a ", ",", "a,b", "\"", "a\t\tb", "  ,  "};
    for (size_t i = 0; i < COUNT(at); i++)
        for (size_t e = 0; e < COUNT(events); e++)
            for (int fill = 0; fill < 3; fill++) {
                memset(buf, fill == 0 ? 'x' : fill == 1 ? ' ' : ',', sizeof buf);
                memcpy(buf + at[i], events[e], strlen(events[e]));
                for (size_t len = at[i] + strlen(events[e]); len <= at[i] + strlen(events[e]) + 2; len++) {
                    corshdr_field f = field_n("a", 1, buf, len);
                    same(&f, 1, 0, &opt);
                }
                guard_release();
            }
}

static void list_parse_matches_extract(void **state)
{
    (void)state;
    corshdr_span a[8], b[8];
    size_t na, nb;
    corshdr_error ea, eb;
    const char *v = " X-A ,x-b,, ";
    corshdr_field f = F("A", v);
    assert_int_equal(corshdr_list_parse(G(v), strlen(v), 0, NULL, a, 8, &na, &ea), CORSHDR_OK);
    assert_int_equal(corshdr_list_extract(&f, 1, "a", 1, 0, NULL, b, 8, &nb, &eb), CORSHDR_OK);
    assert_int_equal(na, 2);
    assert_int_equal(nb, 2);
    assert_span(a[0], "X-A");
    assert_span(a[1], "x-b");
    assert_int_equal(corshdr_list_parse(G("a b"), 3, 0, NULL, a, 8, &na, &ea), CORSHDR_ETOKEN);
    assert_int_equal(ea.line, CORSHDR_NPOS);
    assert_int_equal(ea.offset, 2);
    assert_int_equal(corshdr_list_parse(G(" , "), 3, CORSHDR_LIST_NONEMPTY, NULL, a, 8, &na, &ea), CORSHDR_EEMPTY);
    assert_int_equal(corshdr_list_parse(G("a,b,c"), 5, 0, NULL, a, 2, &na, &ea), CORSHDR_ENOSPC);
    assert_int_equal(na, 3);
    assert_int_equal(corshdr_list_parse(NULL, 0, 0, NULL, a, 8, &na, &ea), CORSHDR_OK);
    assert_int_equal(na, 0);
}

/* One corshdr_list_parse call, with `cap` slots (NULL when 0). */
static void parse_one(const char *v, size_t n, corshdr_kernel k, size_t cap, struct result *r)
{
    corshdr_options o;
    corshdr_options_init(&o);
    o.kernel = k;
    memset(r, 0, sizeof *r);
    r->st = corshdr_list_parse(v, n, 0, &o, cap ? r->out : NULL, cap, &r->count, &r->err);
}

/* corshdr_list_parse takes its own AVX2 path for values under 64 bytes (masks from two overlapping loads
 * of 32, 16, 8 or 4 bytes, or byte by byte under 4). Every byte value at every position of every length
 * up to 65, over a background of tokens, commas and whitespace, must give the scalar answer on every
 * kernel, with no room (out NULL), little room and enough room for the elements. */
static void list_parse_short_values_agree(void **state)
{
    (void)state;
    static const char bg[] = "x-a, b ,c,,d\te  f,g,h-i,jk ,\t, lmn,o,p,q , r,st,u ,v,w,,xy,z,0,1 ,2";
    static struct result want, got;
    const size_t caps[] = {0, 1, 3, 256};
    for (size_t len = 1; len <= 65; len++) {
        /* One guard-page copy per length, ending at the guard, changed in place (the pages are writable). */
        char *v = (char *)(uintptr_t)guard_dup(bg, len);
        for (size_t pos = 0; pos < len; pos++)
            for (unsigned byte = 0; byte < 256; byte++) {
                v[pos] = (char)byte;
                for (size_t c = 0; c < COUNT(caps); c++) {
                    parse_one(v, len, CORSHDR_KERNEL_SCALAR, caps[c], &want);
                    for (size_t i = 0; i < COUNT(KERNELS); i++) {
                        parse_one(v, len, KERNELS[i], caps[c], &got);
                        if (got.st != want.st || got.count != want.count || !same_error(&got.err, &want.err))
                            fail_msg("kernel %d, length %zu, byte 0x%02x at %zu, cap %zu: %s count %zu offset %zu; "
                                     "scalar: %s count %zu offset %zu",
                                     (int)KERNELS[i], len, byte, pos, caps[c], corshdr_err_name(got.st), got.count,
                                     got.err.offset, corshdr_err_name(want.st), want.count, want.err.offset);
                        for (size_t e = 0; e < want.count && e < caps[c]; e++)
                            if (got.out[e].ptr != want.out[e].ptr || got.out[e].len != want.out[e].len)
                                fail_msg("kernel %d, length %zu, byte 0x%02x at %zu: element %zu differs",
                                         (int)KERNELS[i], len, byte, pos, e);
                    }
                }
                v[pos] = bg[pos];
            }
        guard_release();
    }
}

/* The limits, one step either side, on long values of each hostile family (the reject paths the vector
 * kernels take without the reference): empty elements, elements, bytes, a bad byte late in the line,
 * with the line split at every point of interest. */
static void kernels_agree_at_the_limits(void **state)
{
    (void)state;
    static char buf[8192];
    corshdr_options opt;
    corshdr_options_init(&opt);
    for (size_t n = 1000; n <= 1100; n++) {
        memset(buf, ',', n);
        for (int variant = 0; variant < 4; variant++) {
            if (variant == 1)
                buf[n / 2] = 'a'; /* one element in the middle */
            if (variant == 2)
                memset(buf + n - 40, ' ', 40);
            if (variant == 3)
                buf[n - 1] = '@';
            corshdr_field f = field_n("a", 1, buf, n);
            same(&f, 1, 0, &opt);
            corshdr_field two[2] = {field_n("a", 1, buf, n / 3), field_n("A", 1, buf + n / 3, n - n / 3)};
            same(two, 2, 0, &opt);
        }
        guard_release();
    }
    /* 1024 and 1025 names, with their element and comma on both sides of a block edge */
    for (size_t names = 1020; names <= 1030; names++) {
        size_t len = 0;
        for (size_t i = 0; i < names; i++)
            len += (size_t)snprintf(buf + len, sizeof buf - len, i ? ", n%zu" : "n%zu", i % 7);
        for (int tail = 0; tail < 3; tail++) {
            size_t m = len;
            if (tail == 1)
                buf[m++] = ' ', buf[m++] = 'z'; /* the extra element runs on into a second token */
            if (tail == 2)
                buf[m++] = '\x01';
            corshdr_field f = field_n("a", 1, buf, m);
            same(&f, 1, 0, &opt);
        }
        guard_release();
    }
    opt.max_bytes = 4000;
    for (size_t n = 3990; n <= 4010; n++) {
        memset(buf, 'x', n);
        buf[0] = buf[n - 1] = ' ';
        corshdr_field f = field_n("a", 1, buf, n);
        same(&f, 1, 0, &opt);
        guard_release();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(kernels_agree_on_generated_lists, guard_teardown),
        cmocka_unit_test_teardown(kernels_agree_at_block_edges, guard_teardown),
        cmocka_unit_test_teardown(list_parse_matches_extract, guard_teardown),
        cmocka_unit_test_teardown(list_parse_short_values_agree, guard_teardown),
        cmocka_unit_test_teardown(kernels_agree_at_the_limits, guard_teardown),
    };
    return cmocka_run_group_tests_name("kernels", tests, NULL, NULL);
}
