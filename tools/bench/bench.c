/* corshdr-bench: corshdr against a naive parse, memchr (the ceiling) and nghttp2's name check, on the
 * same buffers in the same run. Reports the median ns/op of repeated runs, bytes/s, ratios, and for the
 * hostile inputs how the time grows when the input grows tenfold. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jansson.h>
#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "baseline.h"
#include "corshdr.h"

/* ---- inputs ---------------------------------------------------------------------------------------- */

struct input {
    char *buf;          /* one value, or the backing store of the lines */
    size_t len;
    corshdr_field *fields;
    size_t nfields;
    corshdr_span *out;  /* room for every element, for the parsers that store them */
    size_t *naive_out;
    size_t cap;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "corshdr-bench: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static struct input one_line(const char *name, char *buf, size_t len)
{
    struct input in = {buf, len, xmalloc(sizeof(corshdr_field)), 1, NULL, NULL, 0};
    in.fields[0].name.ptr = name;
    in.fields[0].name.len = strlen(name);
    in.fields[0].value.ptr = buf;
    in.fields[0].value.len = len;
    return in;
}

static struct input from_text(const char *text)
{
    size_t n = strlen(text);
    char *b = xmalloc(n);
    memcpy(b, text, n);
    return one_line("Access-Control-Allow-Headers", b, n);
}

static struct input repeat_byte(char c, size_t n)
{
    char *b = xmalloc(n);
    memset(b, c, n);
    return one_line("Access-Control-Allow-Headers", b, n);
}

/* Real-looking header names joined with the separators people write. */
static struct input realistic_list(size_t target)
{
    static const char *names[] = {"Content-Type", "X-Requested-With", "Authorization", "X-Trace-Id", "Accept",
                                  "X-CSRF-Token", "If-None-Match", "X-Api-Key", "Cache-Control", "X-Request-Id",
                                  "traceparent", "tracestate", "X-Amz-Date", "X-Amz-Security-Token", "Range"};
    static const char *seps[] = {", ", ",", " , ", ",\t", ", "};
    char *b = xmalloc(target + 64);
    size_t n = 0;
    while (n < target) {
        const char *nm = names[rng() % (sizeof names / sizeof names[0])];
        size_t k = strlen(nm);
        if (n + k + 3 > target)
            break;
        if (n) {
            const char *s = seps[rng() % (sizeof seps / sizeof seps[0])];
            memcpy(b + n, s, strlen(s));
            n += strlen(s);
        }
        memcpy(b + n, nm, k);
        n += k;
    }
    return one_line("Access-Control-Allow-Headers", b, n);
}

static struct input equal_names(size_t count)
{
    static const char item[] = "x-same, ";
    size_t k = sizeof item - 1;
    char *b = xmalloc(count * k);
    for (size_t i = 0; i < count; i++)
        memcpy(b + i * k, item, k);
    return one_line("Access-Control-Allow-Headers", b, count * k - 2);
}

static struct input empty_lines(size_t count)
{
    struct input in = {xmalloc(1), 0, xmalloc(count * sizeof(corshdr_field)), count, NULL, NULL, 0};
    for (size_t i = 0; i < count; i++) {
        in.fields[i].name.ptr = "Access-Control-Allow-Headers";
        in.fields[i].name.len = 28;
        in.fields[i].value.ptr = in.buf;
        in.fields[i].value.len = 0;
    }
    return in;
}

static struct input token_buffer(size_t n)
{
    /* lowercase, so nghttp2's HTTP/2 name check accepts it too */
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
    char *b = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = alphabet[rng() % (sizeof alphabet - 1)];
    return one_line("X", b, n);
}

static struct input response_fields(int preflight)
{
    static const char *lines[][2] = {
        {"Date", "Tue, 24 Nov 2026 10:00:00 GMT"}, {"Content-Type", "application/json; charset=utf-8"},
        {"Content-Length", "1832"}, {"Connection", "keep-alive"}, {"Cache-Control", "private, max-age=0"},
        {"ETag", "W/\"728-x5X0z\""}, {"Vary", "Origin, Accept-Encoding"},
        {"Access-Control-Allow-Origin", "https://app.example"}, {"Access-Control-Allow-Credentials", "true"},
        {"Access-Control-Expose-Headers", "X-Request-Id, X-RateLimit-Remaining, ETag, Link"},
        {"X-Request-Id", "7c1e0a"}, {"X-RateLimit-Limit", "100"}, {"X-RateLimit-Remaining", "99"},
        {"Link", "</p2>; rel=next"}, {"Set-Cookie", "sid=1; Secure"}, {"Strict-Transport-Security", "max-age=63072000"},
        {"X-Content-Type-Options", "nosniff"}, {"Server", "nginx"}, {"Last-Modified", "Mon, 23 Nov 2026 10:00:00 GMT"},
        {"Pragma", "no-cache"}};
    static const char *pre[][2] = {
        {"Access-Control-Allow-Origin", "https://app.example"}, {"Access-Control-Allow-Credentials", "true"},
        {"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, PATCH"},
        {"Access-Control-Allow-Headers", "Content-Type, Authorization, X-Trace-Id, X-Requested-With"},
        {"Access-Control-Max-Age", "7200"}, {"Vary", "Origin"}, {"Content-Length", "0"}, {"Date", "x"}};
    size_t n = preflight ? sizeof pre / sizeof pre[0] : sizeof lines / sizeof lines[0];
    struct input in = {NULL, 0, xmalloc(n * sizeof(corshdr_field)), n, NULL, NULL, 0};
    for (size_t i = 0; i < n; i++) {
        const char *nm = preflight ? pre[i][0] : lines[i][0], *v = preflight ? pre[i][1] : lines[i][1];
        in.fields[i].name.ptr = nm;
        in.fields[i].name.len = strlen(nm);
        in.fields[i].value.ptr = v;
        in.fields[i].value.len = strlen(v);
        in.len += strlen(nm) + strlen(v) + 4;
    }
    return in;
}

static void input_free(struct input *in)
{
    free(in->buf);
    free(in->fields);
    free(in->out);
    free(in->naive_out);
}

/* ---- operations: each returns a checksum so the work cannot be optimized away ---------------------- */

/* Options with no limits, one per kernel, set up once in main as an embedder would: no timed call
 * pays for building them. */
static corshdr_options unlimited_opts[CORSHDR_KERNEL_AVX2 + 1];

static void unlimited_init(void)
{
    for (int k = 0; k <= CORSHDR_KERNEL_AVX2; k++) {
        corshdr_options_init(&unlimited_opts[k]);
        unlimited_opts[k].max_elements = unlimited_opts[k].max_empty = unlimited_opts[k].max_bytes = SIZE_MAX;
        unlimited_opts[k].kernel = (corshdr_kernel)k;
    }
}

static const corshdr_options *unlimited(corshdr_kernel k) { return &unlimited_opts[k]; }

/* A value's elements into an array: corshdr_list_parse for one line, corshdr_list_extract for several. */
static size_t list_parse(const struct input *in, corshdr_kernel k)
{
    const corshdr_options *o = unlimited(k);
    size_t count = 0;
    corshdr_status st = in->nfields == 1
                            ? corshdr_list_parse(in->buf, in->len, 0, o, in->out, in->cap, &count, NULL)
                            : corshdr_list_extract(in->fields, in->nfields, "access-control-allow-headers", 28, 0, o,
                                                   in->out, in->cap, &count, NULL);
    return st == CORSHDR_OK ? count : (size_t)-1;
}

static size_t op_list_auto(const struct input *in) { return list_parse(in, CORSHDR_KERNEL_AUTO); }

/* The same parse with no room for elements: it validates everything and counts (ENOSPC). Used for the
 * 10x linearity figure, so the output array's cache misses do not hide the parser's own growth. */
static size_t op_list_count(const struct input *in)
{
    const corshdr_options *o = unlimited(CORSHDR_KERNEL_AUTO);
    size_t count = 0;
    corshdr_status st = in->nfields == 1
                            ? corshdr_list_parse(in->buf, in->len, 0, o, NULL, 0, &count, NULL)
                            : corshdr_list_extract(in->fields, in->nfields, "access-control-allow-headers", 28, 0, o,
                                                   NULL, 0, &count, NULL);
    return st == CORSHDR_ENOSPC || st == CORSHDR_OK ? count : (size_t)-1;
}
static size_t op_list_scalar(const struct input *in) { return list_parse(in, CORSHDR_KERNEL_SCALAR); }

/* The streaming form, one element per call. */
static size_t op_list_iter(const struct input *in)
{
    const corshdr_options *o = unlimited(CORSHDR_KERNEL_AUTO);
    corshdr_list it;
    corshdr_span e;
    size_t count = 0;
    if (corshdr_list_init(&it, in->fields, in->nfields, "access-control-allow-headers", 28, 0, o, NULL) != CORSHDR_OK)
        return (size_t)-1;
    while (corshdr_list_next(&it, &e, NULL) == CORSHDR_OK)
        count++;
    return count;
}

static size_t op_list_naive(const struct input *in)
{
    size_t sum = 0;
    for (size_t i = 0; i < in->nfields; i++)
        sum += naive_list_parse(in->fields[i].value.ptr, in->fields[i].value.len, in->naive_out, in->cap);
    return sum;
}

static size_t op_memchr(const struct input *in)
{
    size_t sum = 0;
    for (size_t i = 0; i < in->nfields; i++)
        sum += memchr_scan(in->fields[i].value.ptr, in->fields[i].value.len);
    return sum;
}

static size_t op_token_auto(const struct input *in) { return corshdr_tchar_span(in->buf, in->len, CORSHDR_KERNEL_AUTO); }
static size_t op_token_scalar(const struct input *in) { return corshdr_tchar_span(in->buf, in->len, CORSHDR_KERNEL_SCALAR); }
static size_t op_token_naive(const struct input *in) { return (size_t)naive_token_valid(in->buf, in->len); }
static size_t op_token_nghttp2(const struct input *in)
{
    return (size_t)nghttp2_check_header_name((const uint8_t *)in->buf, in->len);
}

static size_t op_dedupe(const struct input *in)
{
    /* the elements of the list into a set, sorted and deduplicated */
    static corshdr_name *storage;
    static size_t cap;
    const corshdr_options *o = unlimited(CORSHDR_KERNEL_AUTO);
    size_t n = 0;
    if (corshdr_list_extract(in->fields, in->nfields, "access-control-allow-headers", 28, 0, o, NULL, 0, &n, NULL) !=
        CORSHDR_ENOSPC && n)
        return (size_t)-1;
    corshdr_span *elems = xmalloc(n * sizeof *elems);
    corshdr_list_extract(in->fields, in->nfields, "access-control-allow-headers", 28, 0, o, elems, n, &n, NULL);
    if (cap < n) {
        free(storage);
        storage = xmalloc(n * sizeof *storage);
        cap = n;
    }
    corshdr_names set;
    corshdr_names_init(&set, storage, cap);
    for (size_t i = 0; i < n; i++)
        corshdr_names_add(&set, elems[i].ptr, elems[i].len);
    corshdr_names_sort(&set);
    free(elems);
    return set.count;
}

static size_t op_exposed(const struct input *in)
{
    corshdr_name storage[32];
    corshdr_names set;
    corshdr_names_init(&set, storage, 32);
    corshdr_exposed_filter(in->fields, in->nfields, CORSHDR_CREDENTIALS_INCLUDE, NULL, &set, NULL);
    return set.count;
}

static size_t op_cors_check(const struct input *in)
{
    return (size_t)corshdr_cors_check(in->fields, in->nfields, "https://app.example", 19, CORSHDR_CREDENTIALS_INCLUDE,
                                      NULL) + 1;
}

static size_t op_preflight(const struct input *in)
{
    corshdr_name storage[4];
    corshdr_names set;
    corshdr_names_init(&set, storage, 4);
    corshdr_names_add(&set, "content-type", 12);
    corshdr_names_add(&set, "x-trace-id", 10);
    corshdr_request rq = {{"https://app.example", 19}, {"PUT", 3}, CORSHDR_CREDENTIALS_INCLUDE, &set, 0, 7200};
    uint32_t age = 0;
    return (size_t)corshdr_preflight_check(&rq, 204, in->fields, in->nfields, NULL, &age, NULL) + age;
}

/* Output room for the list parsers: one slot per byte bounds the element count. */
static void prepare(struct input *in)
{
    size_t total = 0;
    for (size_t i = 0; i < in->nfields; i++)
        total += in->fields[i].value.len;
    in->cap = total / 2 + 2;
    in->out = xmalloc(in->cap * sizeof *in->out);
    in->naive_out = xmalloc(2 * in->cap * sizeof *in->naive_out);
}

/* ---- timing ------------------------------------------------------------------------------------------ */

typedef size_t (*op_fn)(const struct input *);

static volatile size_t sink;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per call: enough calls to fill min_ns, the median of `repeat` such rounds. */
static double measure(op_fn fn, const struct input *in, double min_ns, int repeat)
{
    double *rounds = xmalloc((size_t)repeat * sizeof *rounds);
    size_t iters = 1;
    for (;;) { /* calibrate */
        double t0 = now_ns();
        for (size_t i = 0; i < iters; i++)
            sink += fn(in);
        double t = now_ns() - t0;
        if (t >= min_ns / 4 || iters > ((size_t)1 << 40))
            break;
        iters *= 2;
    }
    iters = iters * 4;
    for (int r = 0; r < repeat; r++) {
        double t0 = now_ns();
        for (size_t i = 0; i < iters; i++)
            sink += fn(in);
        rounds[r] = (now_ns() - t0) / (double)iters;
    }
    for (int i = 1; i < repeat; i++) /* insertion sort: repeat is small */
        for (int j = i; j > 0 && rounds[j] < rounds[j - 1]; j--) {
            double t = rounds[j];
            rounds[j] = rounds[j - 1];
            rounds[j - 1] = t;
        }
    double median = rounds[repeat / 2];
    free(rounds);
    return median;
}

/* ---- workloads ----------------------------------------------------------------------------------------- */

struct variant {
    const char *impl;
    op_fn fn;
};

struct workload {
    const char *name;
    const char *what;
    struct input (*make)(int tenfold); /* tenfold: the input 10x larger, for the linearity check */
    int hostile;
    struct variant v[5];
};

static struct input w_short(int t) { (void)t; return from_text("content-type, x-requested-with, x-trace-id"); }
static struct input w_expose10(int t)
{
    (void)t;
    return from_text("X-Request-Id, X-Trace-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, ETag, "
                     "Link, Location, Retry-After, X-Total-Count");
}
static struct input w_long(int t) { return realistic_list(t ? 10u << 20 : 1u << 20); }
static struct input w_commas(int t) { return repeat_byte(',', t ? 10u << 20 : 1u << 20); }
static struct input w_spaces(int t) { return repeat_byte(' ', t ? 10u << 20 : 1u << 20); }
static struct input w_one_token(int t) { return repeat_byte('a', t ? 10u << 20 : 1u << 20); }
static struct input w_equal(int t) { return equal_names(t ? 1000000 : 100000); }
static struct input w_empty_lines(int t) { return empty_lines(t ? 10240 : 1024); }
static struct input w_token(int t) { return token_buffer(t ? 10u << 20 : 1u << 20); }
static struct input w_response(int t) { (void)t; return response_fields(0); }
static struct input w_preflight(int t) { (void)t; return response_fields(1); }

#define LIST_VARIANTS {{"corshdr", op_list_auto}, {"corshdr-scalar", op_list_scalar}, {"naive", op_list_naive}, \
                       {"memchr", op_memchr}, {"corshdr-iter", op_list_iter}}

static const struct workload workloads[] = {
    {"acrh-short", "Access-Control-Request-Headers, 3 names", w_short, 0, LIST_VARIANTS},
    {"expose-10", "Access-Control-Expose-Headers, 10 names", w_expose10, 0, LIST_VARIANTS},
    {"list-1mib", "1 MiB list of real-looking names, mixed OWS", w_long, 1, LIST_VARIANTS},
    {"hostile-commas", "1 MiB of commas", w_commas, 1, LIST_VARIANTS},
    {"hostile-spaces", "1 MiB of spaces", w_spaces, 1, LIST_VARIANTS},
    {"hostile-one-token", "one 1 MiB token", w_one_token, 1, LIST_VARIANTS},
    {"hostile-equal-names", "100,000 equal names", w_equal, 1, LIST_VARIANTS},
    {"hostile-equal-dedupe", "100,000 equal names into a sorted set", w_equal, 1, {{"corshdr", op_dedupe}}},
    {"hostile-empty-lines", "1024 empty field lines", w_empty_lines, 1, LIST_VARIANTS},
    {"token-1mib", "token validation over 1 MiB", w_token, 1,
     {{"corshdr", op_token_auto}, {"corshdr-scalar", op_token_scalar}, {"naive", op_token_naive},
      {"nghttp2", op_token_nghttp2}, {"memchr", op_memchr}}},
    {"exposed-20", "exposed headers of a 20-line response", w_response, 0, {{"corshdr", op_exposed}}},
    {"cors-check", "CORS check of a typical response", w_response, 0, {{"corshdr", op_cors_check}}},
    {"preflight", "preflight check of a typical response", w_preflight, 0, {{"corshdr", op_preflight}}},
};

static double find_ns(const double *ns, const struct workload *w, const char *impl)
{
    for (int i = 0; i < 5 && w->v[i].impl; i++)
        if (!strcmp(w->v[i].impl, impl))
            return ns[i];
    return 0;
}

int main(int argc, char **argv)
{
    int quick = 0, json = 0;
    const char *only = NULL, *only_impl = NULL;
    int once = -1;      /* --once 1|10: build the workload at that scale, run corshdr once, print nothing timed */
    int build_only = 0; /* with --once: build the input and stop, so its cost can be subtracted */
    unlimited_init();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--impl") && i + 1 < argc)
            only_impl = argv[++i];
        else if (!strcmp(argv[i], "--once") && i + 1 < argc && (!strcmp(argv[i + 1], "1") || !strcmp(argv[i + 1], "10")))
            once = !strcmp(argv[++i], "10");
        else if (!strcmp(argv[i], "--build-only"))
            build_only = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: corshdr-bench [--quick] [--json] [--only WORKLOAD] [--impl IMPL]\n"
                   "  --quick  a few ms per figure: proves the tool works, not a measurement\n"
                   "  --json   one JSON object on stdout\n"
                   "  --impl   measure only this implementation (for profiling; ratios need all)\n"
                   "  --once 1|10  with --only: run corshdr once on the 1x or 10x input (for instruction\n"
                   "               counting under callgrind: tools/bench/linearity.sh); --build-only\n"
                   "               stops after building the input\n");
            return 0;
        } else {
            fprintf(stderr, "corshdr-bench: unknown argument '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    baseline_init();
    if (once >= 0) {
        for (size_t w = 0; w < sizeof workloads / sizeof workloads[0]; w++) {
            if (!only || strcmp(only, workloads[w].name))
                continue;
            struct input in = workloads[w].make(once);
            prepare(&in);
            op_fn f = workloads[w].v[0].fn == op_list_auto ? op_list_count : workloads[w].v[0].fn;
            size_t r = build_only ? 0 : f(&in);
            input_free(&in);
            return r == (size_t)-1;
        }
        fprintf(stderr, "corshdr-bench: --once needs --only WORKLOAD\n");
        return 2;
    }
    double min_ns = quick ? 2e5 : 5e7;
    int repeat = quick ? 3 : 11;
    json_t *out = json_object(), *rows = json_array();
    json_object_set_new(out, "kernel", json_integer(corshdr_kernel_active()));
    json_object_set_new(out, "quick", json_boolean(quick));
    if (!json)
        printf("%-22s %-15s %12s %10s %9s %9s %9s  %s\n", "workload", "impl", "ns/op", "MB/s", "x naive", "x memchr",
               "x nghttp2", "time, 10x input");
    int matched = 0;
    for (size_t w = 0; w < sizeof workloads / sizeof workloads[0]; w++) {
        const struct workload *wl = &workloads[w];
        if (only && strcmp(only, wl->name))
            continue;
        matched = 1;
        struct input in = wl->make(0);
        prepare(&in);
        double ns[5] = {0};
        size_t check[5];
        for (int i = 0; i < 5 && wl->v[i].impl; i++) {
            check[i] = wl->v[i].fn(&in);
            if (!only_impl || !strcmp(only_impl, wl->v[i].impl))
                ns[i] = measure(wl->v[i].fn, &in, min_ns, repeat);
        }
        /* the same result from both corshdr paths, on the same bytes */
        if (wl->v[1].impl && !strcmp(wl->v[1].impl, "corshdr-scalar") && check[0] != check[1]) {
            fprintf(stderr, "corshdr-bench: %s: kernels disagree (%zu vs %zu)\n", wl->name, check[0], check[1]);
            return 1;
        }
        double ratio10 = 0;
        if (wl->hostile && !quick && ns[0] > 0) {
            struct input big = wl->make(1);
            prepare(&big);
            /* list workloads: count-only on both sizes (see op_list_count) */
            op_fn f = wl->v[0].fn == op_list_auto ? op_list_count : wl->v[0].fn;
            ratio10 = measure(f, &big, min_ns, repeat) / (f == wl->v[0].fn ? ns[0] : measure(f, &in, min_ns, repeat));
            input_free(&big);
        }
        double naive = find_ns(ns, wl, "naive"), mc = find_ns(ns, wl, "memchr"), ng = find_ns(ns, wl, "nghttp2");
        for (int i = 0; i < 5 && wl->v[i].impl; i++) {
            if (ns[i] <= 0)
                continue;
            double mbs = in.len ? (double)in.len / ns[i] * 1e3 : 0;
            json_t *row = json_pack("{s:s, s:s, s:s, s:I, s:f, s:f}", "workload", wl->name, "what", wl->what, "impl",
                                    wl->v[i].impl, "bytes", (json_int_t)in.len, "ns_per_op", ns[i], "mb_per_s", mbs);
            if (naive > 0)
                json_object_set_new(row, "speedup_vs_naive", json_real(naive / ns[i]));
            if (mc > 0)
                json_object_set_new(row, "speedup_vs_memchr", json_real(mc / ns[i]));
            if (ng > 0)
                json_object_set_new(row, "speedup_vs_nghttp2", json_real(ng / ns[i]));
            if (i == 0 && ratio10 > 0)
                json_object_set_new(row, "time_ratio_10x_input", json_real(ratio10));
            json_array_append_new(rows, row);
            if (!json) {
                char r1[16] = "", r2[16] = "", r3[16] = "", r4[16] = "";
                if (naive > 0)
                    snprintf(r1, sizeof r1, "%.2f", naive / ns[i]);
                if (mc > 0)
                    snprintf(r2, sizeof r2, "%.2f", mc / ns[i]);
                if (ng > 0)
                    snprintf(r3, sizeof r3, "%.2f", ng / ns[i]);
                if (i == 0 && ratio10 > 0)
                    snprintf(r4, sizeof r4, "%.2fx", ratio10);
                printf("%-22s %-15s %12.1f %10.0f %9s %9s %9s  %s\n", i ? "" : wl->name, wl->v[i].impl, ns[i], mbs, r1,
                       r2, r3, r4);
            }
        }
        input_free(&in);
    }
    if (!matched) {
        fprintf(stderr, "corshdr-bench: no workload named '%s'\n", only);
        return 2;
    }
    json_object_set_new(out, "results", rows);
    if (json) {
        if (json_dumpf(out, stdout, JSON_INDENT(1)) != 0 || putchar('\n') == EOF) {
            fprintf(stderr, "corshdr-bench: cannot write output: %s\n", strerror(errno));
            return 1;
        }
    }
    json_decref(out);
    return 0;
}
