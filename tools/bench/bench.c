/* corshdr-bench: corshdr against a careful naive parse, real HTTP libraries (h2o, nghttp2, libsoup) and
 * memchr (the ceiling), on the same buffers in the same run. Every figure is the median of repeated
 * rounds in thread CPU time (CLOCK_THREAD_CPUTIME_ID: what this thread spent, whatever else the machine
 * runs), printed beside the wall-clock median; ratios use CPU time. Also: reject/accept pairs for every
 * hostile family, the response-side checks, the server-side policy, and how the time of the hostile
 * inputs grows when they grow tenfold. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "baseline.h"
#include "corshdr.h"

#define ACAH_NAME "Access-Control-Allow-Headers"

/* ---- inputs ---------------------------------------------------------------------------------------- */

struct input {
    char *buf;          /* one value (NUL-terminated for libsoup), or the backing store of the lines */
    size_t len;
    corshdr_field *fields;
    size_t nfields;
    const char *method; /* the request method, for the policy workloads */
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

/* A value of len bytes in a fresh buffer with a NUL after it, as one Access-Control-Allow-Headers line. */
static struct input one_line(char *buf, size_t len)
{
    struct input in = {buf, len, xmalloc(sizeof(corshdr_field)), 1, NULL, NULL, NULL, 0};
    buf[len] = '\0';
    in.fields[0].name.ptr = ACAH_NAME;
    in.fields[0].name.len = sizeof ACAH_NAME - 1;
    in.fields[0].value.ptr = buf;
    in.fields[0].value.len = len;
    return in;
}

static struct input from_text(const char *text)
{
    size_t n = strlen(text);
    char *b = xmalloc(n + 1);
    memcpy(b, text, n);
    return one_line(b, n);
}

static struct input repeat_byte(char c, size_t n)
{
    char *b = xmalloc(n + 1);
    memset(b, c, n);
    return one_line(b, n);
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
    return one_line(b, n);
}

static struct input equal_names(size_t count)
{
    static const char item[] = "x-same, ";
    size_t k = sizeof item - 1;
    char *b = xmalloc(count * k + 1);
    for (size_t i = 0; i < count; i++)
        memcpy(b + i * k, item, k);
    return one_line(b, count * k - 2);
}

/* count distinct names "x-name-0001, x-name-0002, ...": the element-limit family. */
static struct input numbered_names(size_t count)
{
    size_t k = 13; /* "x-name-NNNN, " */
    char *b = xmalloc(count * k + 1);
    for (size_t i = 0; i < count; i++)
        snprintf(b + i * k, k + 1, "x-name-%04zu, ", i % 10000);
    return one_line(b, count * k - 2);
}

/* A list of exactly len bytes with at most len / 64 + 2 elements, well within the element limit for the
 * lengths used: 62-byte names, the last one padded to fill (the byte-limit family). */
static struct input list_of_bytes(size_t len)
{
    char *b = xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; n + 128 < len; i++) {
        n += (size_t)snprintf(b + n, 16, "x-name-%04zu-", i % 10000);
        memset(b + n, 'p', 62 - 12);
        n += 62 - 12;
        memcpy(b + n, ", ", 2);
        n += 2;
    }
    memset(b + n, 'z', len - n);
    return one_line(b, len);
}

/* A list of len bytes whose last byte is `last`: with '@' the ETOKEN family's reject input. */
static struct input list_ending(size_t len, char last)
{
    struct input in = list_of_bytes(len);
    in.buf[len - 1] = last;
    return in;
}

static struct input empty_lines(size_t count)
{
    struct input in = {xmalloc(1), 0, xmalloc(count * sizeof(corshdr_field)), count, NULL, NULL, NULL, 0};
    in.buf[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        in.fields[i].name.ptr = ACAH_NAME;
        in.fields[i].name.len = sizeof ACAH_NAME - 1;
        in.fields[i].value.ptr = in.buf;
        in.fields[i].value.len = 0;
    }
    return in;
}

static struct input token_buffer(size_t n)
{
    /* lowercase, so nghttp2's HTTP/2 name check accepts it too */
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
    char *b = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        b[i] = alphabet[rng() % (sizeof alphabet - 1)];
    return one_line(b, n);
}

/* A header list from name/value pairs (static strings). */
static struct input lines_of(const char *const (*pairs)[2], size_t n, const char *method)
{
    struct input in = {xmalloc(1), 0, xmalloc(n * sizeof(corshdr_field)), n, method, NULL, NULL, 0};
    in.buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        in.fields[i].name.ptr = pairs[i][0];
        in.fields[i].name.len = strlen(pairs[i][0]);
        in.fields[i].value.ptr = pairs[i][1];
        in.fields[i].value.len = strlen(pairs[i][1]);
        in.len += strlen(pairs[i][0]) + strlen(pairs[i][1]) + 4;
    }
    return in;
}

static const char *const response_lines[][2] = {
    {"Date", "Tue, 24 Nov 2026 10:00:00 GMT"}, {"Content-Type", "application/json; charset=utf-8"},
    {"Content-Length", "1832"}, {"Connection", "keep-alive"}, {"Cache-Control", "private, max-age=0"},
    {"ETag", "W/\"728-x5X0z\""}, {"Vary", "Origin, Accept-Encoding"},
    {"Access-Control-Allow-Origin", "https://app.example"}, {"Access-Control-Allow-Credentials", "true"},
    {"Access-Control-Expose-Headers", "X-Request-Id, X-RateLimit-Remaining, ETag, Link"},
    {"X-Request-Id", "7c1e0a"}, {"X-RateLimit-Limit", "100"}, {"X-RateLimit-Remaining", "99"},
    {"Link", "</p2>; rel=next"}, {"Set-Cookie", "sid=1; Secure"}, {"Strict-Transport-Security", "max-age=63072000"},
    {"X-Content-Type-Options", "nosniff"}, {"Server", "nginx"}, {"Last-Modified", "Mon, 23 Nov 2026 10:00:00 GMT"},
    {"Pragma", "no-cache"}};

static const char *const preflight_response_lines[][2] = {
    {"Access-Control-Allow-Origin", "https://app.example"}, {"Access-Control-Allow-Credentials", "true"},
    {"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, PATCH"},
    {"Access-Control-Allow-Headers", "Content-Type, Authorization, X-Trace-Id, X-Requested-With"},
    {"Access-Control-Max-Age", "7200"}, {"Vary", "Origin"}, {"Content-Length", "0"}, {"Date", "x"}};

#define UA "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"

/* What Chromium sends: a preflight and the actual request after it. The ACRH line is patched per workload. */
static const char *const preflight_request_lines[][2] = {
    {"Host", "api.example.com"}, {"Connection", "keep-alive"}, {"Accept", "*/*"},
    {"Access-Control-Request-Method", "PUT"},
    {"Access-Control-Request-Headers", "content-type,x-requested-with,x-trace-id"},
    {"Origin", "https://app.example.com"}, {"User-Agent", UA}, {"Sec-Fetch-Mode", "cors"},
    {"Sec-Fetch-Site", "same-site"}, {"Sec-Fetch-Dest", "empty"}, {"Referer", "https://app.example.com/"},
    {"Accept-Encoding", "gzip, deflate, br, zstd"}, {"Accept-Language", "en-US,en;q=0.9"}};

static const char *const actual_request_lines[][2] = {
    {"Host", "api.example.com"}, {"Connection", "keep-alive"},
    {"sec-ch-ua", "\"Chromium\";v=\"156\", \"Not)A;Brand\";v=\"24\""}, {"Accept", "application/json"},
    {"sec-ch-ua-mobile", "?0"}, {"User-Agent", UA}, {"sec-ch-ua-platform", "\"Linux\""},
    {"Origin", "https://app.example.com"}, {"Sec-Fetch-Site", "same-site"}, {"Sec-Fetch-Mode", "cors"},
    {"Sec-Fetch-Dest", "empty"}, {"Referer", "https://app.example.com/"},
    {"Accept-Encoding", "gzip, deflate, br, zstd"}, {"Accept-Language", "en-US,en;q=0.9"}};

static char commas_1024[1024 + 1];

static struct input preflight_request(int hostile)
{
    size_t n = sizeof preflight_request_lines / sizeof preflight_request_lines[0];
    struct input in = lines_of(preflight_request_lines, n, "OPTIONS");
    if (hostile) {
        memset(commas_1024, ',', 1024);
        in.fields[4].value.ptr = commas_1024;
        in.fields[4].value.len = 1024;
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

/* Options set up once in main, as an embedder would: no timed call pays for building them. The list
 * workloads run without limits (a 1 MiB list has far more than 1024 elements); the reject/accept pairs
 * and the checks run with the defaults. */
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

static size_t parse_with(const struct input *in, const corshdr_options *o, size_t cap)
{
    size_t count = 0;
    corshdr_status st = corshdr_list_parse(in->buf, in->len, 0, o, in->out, cap, &count, NULL);
    return st == CORSHDR_OK ? count : (size_t)-1;
}

static size_t extract_with(const struct input *in, const corshdr_options *o, size_t cap)
{
    size_t count = 0;
    corshdr_status st = corshdr_list_extract(in->fields, in->nfields, "access-control-allow-headers", 28, 0, o,
                                             in->out, cap, &count, NULL);
    return st == CORSHDR_OK ? count : (size_t)-1;
}

/* corshdr_list_parse for one value; a multi-line input has no single value, so extract. */
static size_t op_list_parse(const struct input *in)
{
    return in->nfields == 1 ? parse_with(in, unlimited(CORSHDR_KERNEL_AUTO), in->cap)
                            : extract_with(in, unlimited(CORSHDR_KERNEL_AUTO), in->cap);
}
static size_t op_list_extract(const struct input *in) { return extract_with(in, unlimited(CORSHDR_KERNEL_AUTO), in->cap); }
static size_t op_list_scalar(const struct input *in)
{
    return in->nfields == 1 ? parse_with(in, unlimited(CORSHDR_KERNEL_SCALAR), in->cap)
                            : extract_with(in, unlimited(CORSHDR_KERNEL_SCALAR), in->cap);
}
/* Room for only 32 elements: the result is ENOSPC when there are more, after the same validation. */
static size_t op_list_room32(const struct input *in)
{
    size_t count = 0;
    corshdr_status st = in->nfields == 1
                            ? corshdr_list_parse(in->buf, in->len, 0, unlimited(CORSHDR_KERNEL_AUTO), in->out, 32,
                                                 &count, NULL)
                            : corshdr_list_extract(in->fields, in->nfields, "access-control-allow-headers", 28, 0,
                                                   unlimited(CORSHDR_KERNEL_AUTO), in->out, 32, &count, NULL);
    return st == CORSHDR_OK || st == CORSHDR_ENOSPC ? count : (size_t)-1;
}

/* No room at all: validates and counts (ENOSPC). The 10x linearity figure uses it, so the output
 * array's cache misses do not hide the parser's own growth. */
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

/* The streaming form, one element per call. */
static size_t op_list_iter(const struct input *in)
{
    corshdr_list it;
    corshdr_span e;
    size_t count = 0;
    if (corshdr_list_init(&it, in->fields, in->nfields, "access-control-allow-headers", 28, 0,
                          unlimited(CORSHDR_KERNEL_AUTO), NULL) != CORSHDR_OK)
        return (size_t)-1;
    while (corshdr_list_next(&it, &e, NULL) == CORSHDR_OK)
        count++;
    return count;
}

/* The peers read each line's value on its own, as a caller of theirs would. */
#define PER_LINE(expr)                                                                                      \
    size_t sum = 0;                                                                                          \
    for (size_t i = 0; i < in->nfields; i++) {                                                               \
        const char *p = in->fields[i].value.ptr;                                                             \
        size_t n = in->fields[i].value.len;                                                                  \
        sum += (expr);                                                                                       \
    }                                                                                                        \
    return sum

static size_t op_list_naive(const struct input *in) { PER_LINE(naive_list_parse(p, n, in->naive_out, in->cap)); }
static size_t op_list_h2o(const struct input *in) { PER_LINE(h2o_list_split(p, n, in->naive_out, in->cap)); }
static size_t op_list_h2o_nghttp2(const struct input *in)
{
    PER_LINE(h2o_nghttp2_list_parse(p, n, in->naive_out, in->cap));
}
static size_t op_memchr(const struct input *in) { PER_LINE(memchr_scan(p, n)); }
/* libsoup wants a C string: the one-value inputs carry a NUL after the value. */
static size_t op_list_soup(const struct input *in) { return in->nfields == 1 ? soup_list_parse(in->buf) : 0; }

/* Default limits: the reject/accept pairs. */
static size_t op_parse_default(const struct input *in) { return parse_with(in, NULL, in->cap); }
static size_t op_extract_default(const struct input *in) { return extract_with(in, NULL, in->cap); }

static size_t op_token_auto(const struct input *in) { return corshdr_tchar_span(in->buf, in->len, CORSHDR_KERNEL_AUTO); }
static size_t op_token_scalar(const struct input *in) { return corshdr_tchar_span(in->buf, in->len, CORSHDR_KERNEL_SCALAR); }
static size_t op_token_naive(const struct input *in) { return (size_t)naive_token_valid(in->buf, in->len); }
static size_t op_token_nghttp2(const struct input *in) { return (size_t)nghttp2_token_valid(in->buf, in->len); }

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

/* What a client asks of one response: the CORS check, the readable headers, the cache time; as three
 * calls, and from one index. */
static size_t op_three_calls(const struct input *in)
{
    corshdr_name storage[32];
    corshdr_names set;
    corshdr_names_init(&set, storage, 32);
    uint32_t s = 0;
    size_t r = (size_t)corshdr_cors_check(in->fields, in->nfields, "https://app.example", 19,
                                          CORSHDR_CREDENTIALS_INCLUDE, NULL);
    corshdr_exposed_filter(in->fields, in->nfields, CORSHDR_CREDENTIALS_INCLUDE, NULL, &set, NULL);
    corshdr_max_age_parse(in->fields, in->nfields, &s, NULL);
    return r + set.count + s;
}

static size_t op_three_indexed(const struct input *in)
{
    corshdr_name storage[32];
    corshdr_names set;
    corshdr_names_init(&set, storage, 32);
    uint32_t s = 0;
    corshdr_index ix;
    if (corshdr_index_build(&ix, in->fields, in->nfields, NULL, NULL) != CORSHDR_OK)
        return 0;
    size_t r = (size_t)corshdr_index_cors_check(&ix, "https://app.example", 19, CORSHDR_CREDENTIALS_INCLUDE, NULL);
    corshdr_index_exposed_filter(&ix, CORSHDR_CREDENTIALS_INCLUDE, NULL, &set, NULL);
    corshdr_index_max_age(&ix, &s, NULL);
    return r + set.count + s;
}

static size_t op_index(const struct input *in)
{
    corshdr_index ix;
    return (size_t)corshdr_index_build(&ix, in->fields, in->nfields, NULL, NULL) + ix.count[CORSHDR_ACAO];
}

static size_t op_max_age(const struct input *in)
{
    uint32_t s = 0;
    return (size_t)corshdr_max_age_parse(in->fields, in->nfields, &s, NULL) + s;
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

/* A server's policy, compiled once in main. */
static corshdr_policy policy;
static uint64_t policy_storage[128];

static int policy_init(void)
{
    static const corshdr_span origins[] = {{"https://app.example.com", 23}, {"https://admin.example.com", 25},
                                           {"https://*.tenant.example.com", 28}};
    static const corshdr_span methods[] = {{"PUT", 3}, {"PATCH", 5}, {"DELETE", 6}};
    static const corshdr_span headers[] = {{"content-type", 12}, {"authorization", 13}, {"x-trace-id", 10},
                                           {"x-requested-with", 16}};
    static const corshdr_span expose[] = {{"x-request-id", 12}};
    corshdr_policy_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.origins = origins;
    cfg.norigins = 3;
    cfg.credentials = 1;
    cfg.methods = methods;
    cfg.nmethods = 3;
    cfg.headers = headers;
    cfg.nheaders = 4;
    cfg.expose = expose;
    cfg.nexpose = 1;
    cfg.max_age = 7200;
    size_t problems = 0;
    return corshdr_policy_compile(&policy, &cfg, policy_storage, sizeof policy_storage, NULL, 0, &problems) ==
           CORSHDR_OK;
}

static size_t op_policy(const struct input *in)
{
    corshdr_policy_answer a;
    corshdr_status st = corshdr_policy_apply(&policy, in->method, strlen(in->method), in->fields, in->nfields, NULL, &a);
    return (size_t)(st + 100) * 16 + a.nlines;
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

static double clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct timing {
    double cpu, wall; /* ns per call: medians of the rounds */
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ns per call: enough calls to fill min_ns, the median of `repeat` such rounds, in each clock. */
static struct timing measure(op_fn fn, const struct input *in, double min_ns, int repeat)
{
    double cpu[64], wall[64];
    size_t iters = 1;
    for (;;) { /* calibrate */
        double t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        for (size_t i = 0; i < iters; i++)
            sink += fn(in);
        double t = clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
        if (t >= min_ns / 4 || iters > ((size_t)1 << 40))
            break;
        iters *= 2;
    }
    iters = iters * 4;
    for (int r = 0; r < repeat; r++) {
        double w0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        for (size_t i = 0; i < iters; i++)
            sink += fn(in);
        cpu[r] = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0) / (double)iters;
        wall[r] = (clock_ns(CLOCK_MONOTONIC) - w0) / (double)iters;
    }
    qsort(cpu, (size_t)repeat, sizeof cpu[0], cmp_double);
    qsort(wall, (size_t)repeat, sizeof wall[0], cmp_double);
    struct timing t = {cpu[repeat / 2], wall[repeat / 2]};
    return t;
}

/* ---- workloads ----------------------------------------------------------------------------------------- */

#define MAX_VARIANTS 9

struct variant {
    const char *impl;
    op_fn fn;
};

enum kind { PLAIN, HOSTILE /* also timed at 10x its size */ };

struct workload {
    const char *name;
    const char *what;
    struct input (*make)(int tenfold);
    enum kind kind;
    struct variant v[MAX_VARIANTS];
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
static struct input w_response(int t) { (void)t; return lines_of(response_lines, 20, "GET"); }
static struct input w_preflight_response(int t) { (void)t; return lines_of(preflight_response_lines, 8, "OPTIONS"); }
static struct input w_policy_preflight(int t) { (void)t; return preflight_request(0); }
static struct input w_policy_hostile(int t) { (void)t; return preflight_request(1); }
static struct input w_policy_actual(int t)
{
    (void)t;
    return lines_of(actual_request_lines, sizeof actual_request_lines / sizeof actual_request_lines[0], "GET");
}
/* The reject/accept pairs: the same family one step either side of a default limit. */
static struct input w_commas_1023(int t) { (void)t; return repeat_byte(',', 1023); }
static struct input w_commas_1024(int t) { (void)t; return repeat_byte(',', 1024); }
static struct input w_names_1024(int t) { (void)t; return numbered_names(1024); }
static struct input w_names_1025(int t) { (void)t; return numbered_names(1025); }
static struct input w_bytes_65536(int t) { (void)t; return list_of_bytes(65536); }
static struct input w_bytes_65537(int t) { (void)t; return list_of_bytes(65537); }
static struct input w_good_end(int t) { (void)t; return list_ending(1024, 'z'); }
static struct input w_bad_end(int t) { (void)t; return list_ending(1024, '@'); }

#define LIST_VARIANTS                                                                                        \
    {{"corshdr", op_list_parse}, {"corshdr-extract", op_list_extract}, {"corshdr-scalar", op_list_scalar},     \
     {"corshdr-iter", op_list_iter}, {"naive", op_list_naive}, {"h2o", op_list_h2o},                           \
     {"h2o+nghttp2", op_list_h2o_nghttp2}, {"libsoup", op_list_soup}, {"memchr", op_memchr}}
#define HOSTILE_VARIANTS                                                                                     \
    {{"corshdr", op_list_parse}, {"corshdr-extract", op_list_extract}, {"corshdr-room32", op_list_room32},     \
     {"corshdr-scalar", op_list_scalar}, {"naive", op_list_naive}, {"h2o", op_list_h2o},                       \
     {"h2o+nghttp2", op_list_h2o_nghttp2}, {"libsoup", op_list_soup}, {"memchr", op_memchr}}
#define PAIR_VARIANTS {{"corshdr", op_parse_default}, {"corshdr-extract", op_extract_default}}

static const struct workload workloads[] = {
    {"acrh-short", "Access-Control-Request-Headers, 3 names, 42 bytes", w_short, PLAIN, LIST_VARIANTS},
    {"expose-10", "Access-Control-Expose-Headers, 10 names", w_expose10, PLAIN, LIST_VARIANTS},
    {"list-1mib", "1 MiB list of real-looking names, mixed OWS", w_long, HOSTILE, LIST_VARIANTS},
    {"hostile-commas", "1 MiB of commas", w_commas, HOSTILE, HOSTILE_VARIANTS},
    {"hostile-spaces", "1 MiB of spaces", w_spaces, HOSTILE, HOSTILE_VARIANTS},
    {"hostile-one-token", "one 1 MiB token", w_one_token, HOSTILE, HOSTILE_VARIANTS},
    {"hostile-equal-names", "100,000 equal names", w_equal, HOSTILE, HOSTILE_VARIANTS},
    {"hostile-equal-dedupe", "100,000 equal names into a sorted set", w_equal, HOSTILE, {{"corshdr", op_dedupe}}},
    {"hostile-empty-lines", "1024 empty field lines", w_empty_lines, HOSTILE,
     {{"corshdr", op_list_extract}, {"corshdr-scalar", op_list_scalar}, {"corshdr-iter", op_list_iter},
      {"naive", op_list_naive}, {"memchr", op_memchr}}},
    {"token-1mib", "token validation over 1 MiB", w_token, HOSTILE,
     {{"corshdr", op_token_auto}, {"corshdr-scalar", op_token_scalar}, {"naive", op_token_naive},
      {"nghttp2", op_token_nghttp2}, {"memchr", op_memchr}}},
    {"accept-commas-1023", "1023 commas: 1024 empty elements, accepted", w_commas_1023, PLAIN, PAIR_VARIANTS},
    {"reject-commas-1024", "1024 commas: 1025 empty elements, EEMPTIES", w_commas_1024, PLAIN, PAIR_VARIANTS},
    {"accept-names-1024", "1024 names, accepted", w_names_1024, PLAIN, PAIR_VARIANTS},
    {"reject-names-1025", "1025 names, ETOOMANY", w_names_1025, PLAIN, PAIR_VARIANTS},
    {"accept-bytes-65536", "a list of 65,536 bytes, accepted", w_bytes_65536, PLAIN, PAIR_VARIANTS},
    {"reject-bytes-65537", "a list of 65,537 bytes, ETOOLONG", w_bytes_65537, PLAIN, PAIR_VARIANTS},
    {"accept-token-end", "a 1 KiB list, accepted", w_good_end, PLAIN, PAIR_VARIANTS},
    {"reject-token-end", "the same list with '@' as its last byte, ETOKEN", w_bad_end, PLAIN, PAIR_VARIANTS},
    {"exposed-20", "exposed headers of a 20-line response", w_response, PLAIN, {{"corshdr", op_exposed}}},
    {"cors-check", "CORS check of a 20-line response", w_response, PLAIN, {{"corshdr", op_cors_check}}},
    {"index-20", "one pass over the 20-line response (corshdr_index_build)", w_response, PLAIN,
     {{"corshdr", op_index}}},
    {"response-3", "CORS check + exposed headers + max-age of the 20-line response", w_response, PLAIN,
     {{"corshdr-indexed", op_three_indexed}, {"corshdr-3-calls", op_three_calls}}},
    {"max-age", "Access-Control-Max-Age of an 8-line preflight response", w_preflight_response, PLAIN,
     {{"corshdr", op_max_age}}},
    {"preflight", "preflight check of an 8-line preflight response", w_preflight_response, PLAIN,
     {{"corshdr", op_preflight}}},
    {"policy-preflight", "policy: a 13-line preflight request, ACRH of 3 names", w_policy_preflight, PLAIN,
     {{"corshdr", op_policy}}},
    {"policy-acrh-commas", "policy: the same preflight with an ACRH of 1024 commas", w_policy_hostile, PLAIN,
     {{"corshdr", op_policy}}},
    {"policy-actual", "policy: a 14-line actual (GET) request", w_policy_actual, PLAIN, {{"corshdr", op_policy}}},
};

/* Reject/accept pairs: rejecting should cost about what accepting the same size costs. */
static const char *const pairs[][3] = {
    {"empty elements", "accept-commas-1023", "reject-commas-1024"},
    {"elements", "accept-names-1024", "reject-names-1025"},
    {"bytes", "accept-bytes-65536", "reject-bytes-65537"},
    {"bad last byte", "accept-token-end", "reject-token-end"},
};

struct figure {
    const char *workload, *impl;
    struct timing t;
    int differs; /* a peer whose result differs from corshdr's on this input: no ratio against it */
};

static struct figure figures[sizeof workloads / sizeof workloads[0] * MAX_VARIANTS];
static size_t nfigures;

static const struct figure *find(const char *workload, const char *impl)
{
    for (size_t i = 0; i < nfigures; i++)
        if (!strcmp(figures[i].workload, workload) && !strcmp(figures[i].impl, impl))
            return &figures[i];
    return NULL;
}

static double cpu_of(const struct workload *w, const char *impl)
{
    const struct figure *f = find(w->name, impl);
    return f && !f->differs ? f->t.cpu : 0;
}

static void usage(void)
{
    printf("usage: corshdr-bench [--quick] [--json] [--only WORKLOAD] [--impl IMPL]\n"
           "  --quick  a few ms per figure: proves the tool works, not a measurement\n"
           "  --json   one JSON object on stdout\n"
           "  --only   one workload (by name); --impl: one implementation (ratios need all)\n"
           "  --once 1|10  with --only: run corshdr once on the 1x or 10x input (for instruction\n"
           "               counting under callgrind: tools/bench/linearity.sh); --build-only\n"
           "               stops after building the input\n"
           "Times are ns per call, medians of the rounds, thread CPU time and wall clock; ratios use CPU time.\n");
}

/* The kernels must agree on the same bytes, or the figures compare different work. */
static int agree(const struct workload *wl, const size_t *check)
{
    for (int i = 1; i < MAX_VARIANTS && wl->v[i].impl; i++) {
        if (strncmp(wl->v[i].impl, "corshdr", 7) || !strcmp(wl->v[i].impl, "corshdr-room32"))
            continue;
        if (check[i] != check[0]) {
            fprintf(stderr, "corshdr-bench: %s: %s and %s disagree (%zu vs %zu)\n", wl->name, wl->v[0].impl,
                    wl->v[i].impl, check[0], check[i]);
            return 0;
        }
    }
    return 1;
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
            usage();
            return 0;
        } else {
            fprintf(stderr, "corshdr-bench: unknown argument (try --help)\n");
            return 2;
        }
    }
    baseline_init();
    if (!policy_init()) {
        fprintf(stderr, "corshdr-bench: the benchmark's policy does not compile\n");
        return 1;
    }
    const size_t nworkloads = sizeof workloads / sizeof workloads[0];
    if (once >= 0) {
        for (size_t w = 0; w < nworkloads; w++) {
            if (!only || strcmp(only, workloads[w].name))
                continue;
            struct input in = workloads[w].make(once);
            prepare(&in);
            op_fn f = workloads[w].v[0].fn == op_list_parse ? op_list_count : workloads[w].v[0].fn;
            size_t r = build_only ? 0 : f(&in);
            input_free(&in);
            return r == (size_t)-1;
        }
        fprintf(stderr, "corshdr-bench: --once needs --only WORKLOAD (a workload name)\n");
        return 2;
    }
    double min_ns = quick ? 2e5 : 5e7;
    int repeat = quick ? 3 : 11;
    json_t *out = json_object(), *rows = json_array();
    json_object_set_new(out, "kernel", json_integer(corshdr_kernel_active()));
    json_object_set_new(out, "quick", json_boolean(quick));
    json_object_set_new(out, "clock", json_string("ns per call, median of rounds; ratios from thread CPU time"));
    if (!json)
        printf("%-21s %-16s %11s %11s %9s %8s %8s %8s  %s\n", "workload", "impl", "cpu ns/op", "wall ns/op", "MB/s",
               "x naive", "x h2o+ng", "x memchr", "cpu, 10x input");
    int matched = 0;
    for (size_t w = 0; w < nworkloads; w++) {
        const struct workload *wl = &workloads[w];
        if (only && strcmp(only, wl->name))
            continue;
        matched = 1;
        struct input in = wl->make(0);
        prepare(&in);
        size_t check[MAX_VARIANTS] = {0};
        for (int i = 0; i < MAX_VARIANTS && wl->v[i].impl; i++) {
            check[i] = wl->v[i].fn(&in);
            if (only_impl && strcmp(only_impl, wl->v[i].impl))
                continue;
            figures[nfigures].workload = wl->name;
            figures[nfigures].impl = wl->v[i].impl;
            /* memchr does other work by design; the token workload's peers answer 0/1, corshdr a length */
            figures[nfigures].differs = strncmp(wl->v[i].impl, "corshdr", 7) && strcmp(wl->v[i].impl, "memchr") &&
                                        wl->v[0].fn == op_list_parse && check[i] != check[0];
            figures[nfigures++].t = measure(wl->v[i].fn, &in, min_ns, repeat);
        }
        if (!agree(wl, check))
            return 1;
        double ratio10 = 0;
        if (wl->kind == HOSTILE && !quick && cpu_of(wl, wl->v[0].impl) > 0) {
            struct input big = wl->make(1);
            prepare(&big);
            /* list workloads: count-only on both sizes (see op_list_count) */
            op_fn f = wl->v[0].fn == op_list_parse ? op_list_count : wl->v[0].fn;
            double base = f == wl->v[0].fn ? cpu_of(wl, wl->v[0].impl) : measure(f, &in, min_ns, repeat).cpu;
            ratio10 = measure(f, &big, min_ns, repeat).cpu / base;
            input_free(&big);
        }
        double naive = cpu_of(wl, "naive"), hn = cpu_of(wl, "h2o+nghttp2"), mc = cpu_of(wl, "memchr");
        for (int i = 0; i < MAX_VARIANTS && wl->v[i].impl; i++) {
            const struct figure *f = find(wl->name, wl->v[i].impl);
            if (!f)
                continue;
            const struct timing *t = &f->t;
            int differs = f->differs;
            double mbs = in.len ? (double)in.len / t->cpu * 1e3 : 0;
            json_t *row = json_pack("{s:s, s:s, s:s, s:I, s:f, s:f, s:f}", "workload", wl->name, "what", wl->what,
                                    "impl", wl->v[i].impl, "bytes", (json_int_t)in.len, "cpu_ns_per_op", t->cpu,
                                    "wall_ns_per_op", t->wall, "mb_per_s", mbs);
            if (differs)
                json_object_set_new(row, "rejects_input", json_true());
            if (naive > 0)
                json_object_set_new(row, "speedup_vs_naive", json_real(naive / t->cpu));
            if (hn > 0)
                json_object_set_new(row, "speedup_vs_h2o_nghttp2", json_real(hn / t->cpu));
            if (mc > 0)
                json_object_set_new(row, "speedup_vs_memchr", json_real(mc / t->cpu));
            if (i == 0 && ratio10 > 0)
                json_object_set_new(row, "cpu_ratio_10x_input", json_real(ratio10));
            json_array_append_new(rows, row);
            if (!json) {
                char r1[16] = "", r2[16] = "", r3[16] = "", r4[40] = "";
                if (naive > 0)
                    snprintf(r1, sizeof r1, "%.2f", naive / t->cpu);
                if (hn > 0)
                    snprintf(r2, sizeof r2, "%.2f", hn / t->cpu);
                if (mc > 0)
                    snprintf(r3, sizeof r3, "%.2f", mc / t->cpu);
                if (i == 0 && ratio10 > 0)
                    snprintf(r4, sizeof r4, "%.2fx", ratio10);
                if (differs)
                    snprintf(r4, sizeof r4, "(rejects the input: no ratio)");
                printf("%-21s %-16s %11.1f %11.1f %9.0f %8s %8s %8s  %s\n", i ? "" : wl->name, wl->v[i].impl, t->cpu,
                       t->wall, mbs, r1, r2, r3, r4);
            }
        }
        input_free(&in);
    }
    if (!matched) {
        fprintf(stderr, "corshdr-bench: no workload of that name (try --help)\n");
        return 2;
    }
    json_t *jpairs = json_array();
    int header = 0;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        for (const char *impl = "corshdr"; impl; impl = !strcmp(impl, "corshdr") ? "corshdr-extract" : NULL) {
            const struct figure *fa = find(pairs[i][1], impl), *fr = find(pairs[i][2], impl);
            if (!fa || !fr)
                continue;
            const struct timing *a = &fa->t, *r = &fr->t;
            json_array_append_new(jpairs, json_pack("{s:s, s:s, s:f, s:f, s:f}", "family", pairs[i][0], "impl", impl,
                                                    "accept_cpu_ns", a->cpu, "reject_cpu_ns", r->cpu, "ratio",
                                                    r->cpu / a->cpu));
            if (!json) {
                if (!header++)
                    printf("\n%-16s %-16s %12s %12s %8s\n", "reject/accept", "impl", "accept cpu", "reject cpu", "ratio");
                printf("%-16s %-16s %12.1f %12.1f %7.2fx\n", pairs[i][0], impl, a->cpu, r->cpu, r->cpu / a->cpu);
            }
        }
    }
    json_object_set_new(out, "results", rows);
    json_object_set_new(out, "reject_accept", jpairs);
    if (json) {
        if (json_dumpf(out, stdout, JSON_INDENT(1)) != 0 || putchar('\n') == EOF) {
            fprintf(stderr, "corshdr-bench: cannot write output: %s\n", strerror(errno));
            return 1;
        }
    }
    json_decref(out);
    return 0;
}
