/*
 * conform: the library's conformance adapter (DESIGN.md §5). One JSON case per input line, one JSON reply
 * per line, in order, flushed, whatever the line holds; each vector op of DESIGN.md §4 maps to the public
 * API as conformance/SEMANTICS.md defines it.
 */
#define _POSIX_C_SOURCE 200809L /* flockfile, getc_unlocked: the line reader */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "args.h"
#include "cli.h"
#include "jsonb.h"
#include "sized.h"

static const char usage[] =
    "usage: corshdr conform [--max-line BYTES] [--help]\n"
    "  --max-line BYTES  the longest line read, its LF not counted (default 16777216: 16 MiB); a longer\n"
    "                    line is answered {\"id\": null, \"error\": ...} and skipped unread, and one going on\n"
    "                    past 64 times BYTES ends the run (exit 1)\n"
    "\n"
    "The conformance adapter (DESIGN.md section 5). Reads JSON Lines on standard input, one case\n"
    "{\"id\", \"op\", \"input\"} per line, and writes one line per input line, in order, flushed:\n"
    "  {\"id\": ..., \"result\": {...}}      the library's answer\n"
    "  {\"id\": ..., \"unsupported\": true}  an op it does not know\n"
    "  {\"id\": ..., \"error\": \"message\"}   a malformed line (id null when unknown)\n"
    "Strings stand for bytes, one code point U+0000-U+00FF per byte. Exits 0 at end of input.\n"
    "Ops: token, field-value, combine, split, name-list, exposed, cors-check, preflight, max-age,\n"
    "request-safelisted, unsafe-names, forbidden-request, origin, policy-compile, policy-apply.\n";

/* ---- one vector case (`case` is a keyword): its memory and its error message ---------------------------- */

/* Every decoded string and array of a case lives in one list of blocks, freed when the case is answered. */
struct block {
    struct block *next;
    max_align_t data[];
};

struct vcase {
    struct block *blocks;
    char error[200]; /* the error line's message, when an op returns -1 */
};

/* Records why the case gets an error line (malformed input, or no memory); returns -1 so that callers
 * can `return case_error(...)`. */
static int case_error(struct vcase *k, const char *fmt, ...) CLI_PRINTF(2, 3);

static int case_error(struct vcase *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->error, sizeof k->error, fmt, ap);
    va_end(ap);
    return -1;
}

static void *vcase_alloc(struct vcase *k, size_t count, size_t size)
{
    if (size && count > (SIZE_MAX - sizeof(struct block)) / size) {
        case_error(k, "out of memory");
        return NULL;
    }
    struct block *b = malloc(sizeof *b + count * size);
    if (!b) {
        case_error(k, "out of memory");
        return NULL;
    }
    b->next = k->blocks;
    k->blocks = b;
    return b->data;
}

static void vcase_free(struct vcase *k)
{
    while (k->blocks) {
        struct block *next = k->blocks->next;
        free(k->blocks);
        k->blocks = next;
    }
}

/* ---- reading the input object (names in messages follow the vectors: input.headers[2][0]) ------------ */

static const json_t *field(struct vcase *k, const json_t *input, const char *key)
{
    const json_t *v = json_object_get(input, key);
    if (!v)
        case_error(k, "input.%s is missing", key);
    return v;
}

static int as_bytes(struct vcase *k, const json_t *v, const char *where, corshdr_span *out)
{
    if (!json_is_string(v))
        return case_error(k, "%s must be a string", where);
    char *buf = vcase_alloc(k, json_string_length(v), 1);
    if (!buf)
        return -1;
    if (jsonb_to_bytes(v, buf, &out->len) != 0)
        return case_error(k, "%s has a code point above U+00FF", where);
    out->ptr = buf;
    return 0;
}

static int get_bytes(struct vcase *k, const json_t *input, const char *key, corshdr_span *out)
{
    char where[64];
    const json_t *v = field(k, input, key);
    if (!v)
        return -1;
    snprintf(where, sizeof where, "input.%s", key);
    return as_bytes(k, v, where, out);
}

static int get_credentials(struct vcase *k, const json_t *input, corshdr_credentials *mode)
{
    const json_t *v = field(k, input, "credentials");
    if (!v)
        return -1;
    if (!json_is_string(v) || cli_credentials_parse(json_string_value(v), json_string_length(v), mode) != 0)
        return case_error(k, "input.credentials must be one of %s", cli_credentials_list);
    return 0;
}

static int get_status(struct vcase *k, const json_t *input, int *status)
{
    const json_t *v = field(k, input, "status");
    if (!v)
        return -1;
    /* JSON has one number type: 204.0 is the integer 204 (JSON Schema agrees), 204.5 is not. Every double
     * of magnitude 1e15 or more is integral, and only the clamp below matters for it (casting it would be
     * undefined behaviour). */
    double d = json_is_real(v) ? json_real_value(v) : 0;
    int big = d <= -1e15 || d >= 1e15;
    if (!json_is_integer(v) && !(json_is_real(v) && (big || d == (double)(json_int_t)d)))
        return case_error(k, "input.status must be an integer");
    json_int_t s = json_is_integer(v) ? json_integer_value(v) : big ? (d < 0 ? INT_MIN : INT_MAX) : (json_int_t)d;
    /* Clamping keeps every value outside 200-299 outside it, which is all the preflight asks. */
    *status = s < INT_MIN ? INT_MIN : s > INT_MAX ? INT_MAX : (int)s;
    return 0;
}

static int get_bytes_list(struct vcase *k, const json_t *input, const char *key, corshdr_span **items,
                          size_t *count)
{
    const json_t *v = field(k, input, key);
    if (!v)
        return -1;
    if (!json_is_array(v))
        return case_error(k, "input.%s must be an array of strings", key);
    size_t n = json_array_size(v);
    corshdr_span *out = vcase_alloc(k, n, sizeof *out);
    if (!out)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char where[80];
        snprintf(where, sizeof where, "input.%s[%zu]", key, i);
        if (as_bytes(k, json_array_get(v, i), where, &out[i]) != 0)
            return -1;
    }
    *items = out;
    *count = n;
    return 0;
}

/* input.headers: [[name, value], ...] in wire order. */
static int get_fields(struct vcase *k, const json_t *input, corshdr_field **fields, size_t *count)
{
    const json_t *v = field(k, input, "headers");
    if (!v)
        return -1;
    if (!json_is_array(v))
        return case_error(k, "input.headers must be an array");
    size_t n = json_array_size(v);
    corshdr_field *out = vcase_alloc(k, n, sizeof *out);
    if (!out)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const json_t *pair = json_array_get(v, i);
        char where[80];
        if (!json_is_array(pair) || json_array_size(pair) != 2)
            return case_error(k, "input.headers[%zu] must be a [name, value] pair", i);
        snprintf(where, sizeof where, "input.headers[%zu][0]", i);
        if (as_bytes(k, json_array_get(pair, 0), where, &out[i].name) != 0)
            return -1;
        snprintf(where, sizeof where, "input.headers[%zu][1]", i);
        if (as_bytes(k, json_array_get(pair, 1), where, &out[i].value) != 0)
            return -1;
    }
    *fields = out;
    *count = n;
    return 0;
}

/* ---- results -------------------------------------------------------------------------------------------- */

/* Hands a freshly built result over, or reports that building it ran out of memory. */
static int give(struct vcase *k, json_t *made, json_t **result)
{
    if (!made)
        return case_error(k, "out of memory");
    *result = made;
    return 0;
}

static int give_bool(struct vcase *k, const char *key, int value, json_t **result)
{
    return give(k, json_pack("{s:b}", key, value), result);
}

/* SEMANTICS.md §1: a list with a NUL/CR/LF value or a non-token name cannot exist: a network error. */
static int network_error(const corshdr_field *fields, size_t n)
{
    return corshdr_fields_check(fields, n, NULL) != CORSHDR_OK;
}

static int give_network_error(struct vcase *k, json_t **result)
{
    return give_bool(k, "network_error", 1, result);
}

/* A library call that cannot fail on the input the adapter gives it did fail: a bug worth a clear line. */
static int unexpected(struct vcase *k, const char *call, corshdr_status st)
{
    if (st == CORSHDR_ENOSPC)
        return case_error(k, "out of memory");
    return case_error(k, "internal error: %s returned %s", call, corshdr_err_name(st));
}

/* ---- the operations (DESIGN.md §4; rules in SEMANTICS.md §2-§4) --------------------------------------- */

typedef int (*op_fn)(struct vcase *k, const json_t *input, json_t **result);

static int op_token(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_span v;
    if (get_bytes(k, input, "value", &v) != 0)
        return -1;
    return give_bool(k, "valid", corshdr_token_check(v.ptr, v.len, NULL) == CORSHDR_OK, result);
}

static int op_field_value(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_span v;
    if (get_bytes(k, input, "value", &v) != 0)
        return -1;
    return give_bool(k, "valid", corshdr_value_check(v.ptr, v.len, NULL) == CORSHDR_OK, result);
}

/* The name and header list that combine, split and name-list read. 1 when the list is a network error. */
static int get_named_header(struct vcase *k, const json_t *input, corshdr_span *name, corshdr_field **fields,
                            size_t *n)
{
    if (get_bytes(k, input, "name", name) != 0 || get_fields(k, input, fields, n) != 0)
        return -1;
    return network_error(*fields, *n);
}

/* Fetch "get" of the named header, which combine and split both start from: 0 with the value in *buf
 * (the caller frees it), 1 when *result is already given (a network error, or an absent header as
 * `key: null`), -1 on a bad case. */
static int get_combined(struct vcase *k, const json_t *input, const char *key, char **buf, size_t *len,
                        json_t **result)
{
    corshdr_span name;
    corshdr_field *fields = NULL;
    size_t n = 0;
    int rc = get_named_header(k, input, &name, &fields, &n);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return give_network_error(k, result) == 0 ? 1 : -1;
    corshdr_status st = sized_combine(fields, n, name.ptr, name.len, buf, len);
    if (st == CORSHDR_ABSENT)
        return give(k, json_pack("{s:n}", key), result) == 0 ? 1 : -1;
    if (st != CORSHDR_OK)
        return unexpected(k, "corshdr_header_combine", st);
    return 0;
}

static int op_combine(struct vcase *k, const json_t *input, json_t **result)
{
    char *buf;
    size_t len;
    int rc = get_combined(k, input, "value", &buf, &len, result);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    json_t *value = jsonb_from_bytes(buf, len);
    free(buf);
    return give(k, json_pack("{s:o?}", "value", value), result);
}

static int op_split(struct vcase *k, const json_t *input, json_t **result)
{
    /* Fetch "get, decode, and split" splits the combined value: a quoted string may span lines. */
    char *buf;
    size_t len;
    int rc = get_combined(k, input, "values", &buf, &len, result);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    json_t *values = json_array();
    corshdr_split it;
    corshdr_span elem;
    corshdr_split_init(&it, buf, len);
    while (values && corshdr_split_next(&it, &elem) == CORSHDR_OK)
        if (json_array_append_new(values, jsonb_from_bytes(elem.ptr, elem.len)) != 0) {
            json_decref(values);
            values = NULL;
        }
    free(buf);
    return give(k, json_pack("{s:o}", "values", values), result);
}

/* Fetch "extract header list values", step 2: these headers' ABNF allows a single value
 * (SEMANTICS.md "name-list", step 2). */
static unsigned singleton_flag(corshdr_span name)
{
    static const char *const singletons[] = {"access-control-allow-origin", "access-control-allow-credentials",
                                             "access-control-max-age", "access-control-request-method"};
    for (size_t i = 0; i < sizeof singletons / sizeof singletons[0]; i++)
        if (corshdr_name_compare(name.ptr, name.len, singletons[i], strlen(singletons[i])) == 0)
            return CORSHDR_LIST_SINGLETON;
    return 0;
}

static int op_name_list(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_span name;
    corshdr_field *fields = NULL;
    size_t n = 0;
    int rc = get_named_header(k, input, &name, &fields, &n);
    if (rc != 0)
        return rc < 0 ? -1 : give_network_error(k, result);
    corshdr_span *elems;
    size_t count;
    corshdr_status st =
        sized_list_extract(fields, n, name.ptr, name.len, singleton_flag(name), NULL, &elems, &count, NULL);
    if (st == CORSHDR_ABSENT)
        return give(k, json_pack("{s:n}", "values"), result);
    if (st == CORSHDR_ENOSPC)
        return unexpected(k, "corshdr_list_extract", st);
    if (st != CORSHDR_OK)
        return give_bool(k, "failure", 1, result); /* every list error is Fetch's "failure" */
    json_t *values = json_array();
    for (size_t i = 0; values && i < count; i++)
        if (json_array_append_new(values, jsonb_from_bytes(elems[i].ptr, elems[i].len)) != 0) {
            json_decref(values);
            values = NULL;
        }
    free(elems);
    return give(k, json_pack("{s:o}", "values", values), result);
}

static int op_exposed(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_credentials credentials = CORSHDR_CREDENTIALS_OMIT;
    corshdr_field *fields = NULL;
    size_t n = 0;
    if (get_credentials(k, input, &credentials) != 0 || get_fields(k, input, &fields, &n) != 0)
        return -1;
    if (network_error(fields, n))
        return give_network_error(k, result);
    corshdr_names readable;
    if (sized_names_init(&readable, n) != 0) /* the API asks for room for every response name */
        return case_error(k, "out of memory");
    corshdr_status st = corshdr_exposed_filter(fields, n, credentials, NULL, &readable, NULL);
    int rc = st == CORSHDR_OK ? give(k, json_pack("{s:o}", "readable", jsonb_names(&readable)), result)
                              : unexpected(k, "corshdr_exposed_filter", st);
    free(readable.items);
    return rc;
}

static int op_cors_check(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_span origin;
    corshdr_credentials credentials = CORSHDR_CREDENTIALS_OMIT;
    corshdr_field *fields = NULL;
    size_t n = 0;
    if (get_bytes(k, input, "origin", &origin) != 0 || get_credentials(k, input, &credentials) != 0 ||
        get_fields(k, input, &fields, &n) != 0)
        return -1;
    if (network_error(fields, n))
        return give_network_error(k, result);
    corshdr_status st = corshdr_cors_check(fields, n, origin.ptr, origin.len, credentials, NULL);
    return give_bool(k, "ok", st == CORSHDR_OK, result);
}

static int op_preflight(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_request req = {0};
    corshdr_span *names = NULL;
    size_t nnames = 0, n = 0;
    int status = 0;
    corshdr_field *fields = NULL;
    if (get_bytes(k, input, "origin", &req.origin) != 0 || get_credentials(k, input, &req.credentials) != 0 ||
        get_bytes(k, input, "method", &req.method) != 0 ||
        get_bytes_list(k, input, "request_headers", &names, &nnames) != 0 ||
        get_status(k, input, &status) != 0 || get_fields(k, input, &fields, &n) != 0)
        return -1;
    if (network_error(fields, n))
        return give_network_error(k, result);
    corshdr_names set;
    if (sized_names_init(&set, nnames) != 0)
        return case_error(k, "out of memory");
    for (size_t i = 0; i < nnames; i++)
        (void)corshdr_names_add(&set, names[i].ptr, names[i].len); /* room for all: cannot fail */
    /* The vector op has no use-CORS-preflight flag and no cap (SEMANTICS.md "preflight"). */
    req.headers = &set;
    uint32_t max_age = 0;
    corshdr_status st = corshdr_preflight_check(&req, status, fields, n, NULL, &max_age, NULL);
    free(set.items);
    if (st != CORSHDR_OK)
        return give_bool(k, "ok", 0, result);
    return give(k, json_pack("{s:b, s:I}", "ok", 1, "max_age", (json_int_t)max_age), result);
}

static int op_max_age(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_field *fields = NULL;
    size_t n = 0;
    if (get_fields(k, input, &fields, &n) != 0)
        return -1;
    if (network_error(fields, n))
        return give_network_error(k, result);
    uint32_t seconds;
    /* The status only says why; seconds is always set, to the Fetch value. */
    (void)corshdr_max_age_parse(fields, n, &seconds, NULL);
    return give(k, json_pack("{s:I}", "seconds", (json_int_t)seconds), result);
}

static int op_request_safelisted(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_span name = {NULL, 0}, value = {NULL, 0};
    if (get_bytes(k, input, "name", &name) != 0 || get_bytes(k, input, "value", &value) != 0)
        return -1;
    return give_bool(k, "safelisted",
                     corshdr_is_safelisted_request_header(name.ptr, name.len, value.ptr, value.len), result);
}

static int op_unsafe_names(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_field *fields = NULL;
    size_t n = 0;
    if (get_fields(k, input, &fields, &n) != 0)
        return -1;
    if (network_error(fields, n))
        return give_network_error(k, result);
    corshdr_names set;
    if (sized_names_init(&set, n) != 0)
        return case_error(k, "out of memory");
    char *acrh = NULL;
    size_t len = 0;
    corshdr_status st = corshdr_unsafe_names_collect(fields, n, &set, NULL);
    if (st == CORSHDR_OK)
        st = sized_names_join(&set, ",", 1, &acrh, &len);
    int rc;
    if (st != CORSHDR_OK) {
        rc = unexpected(k, "corshdr_unsafe_names_collect", st);
    } else {
        json_t *value = set.count ? jsonb_from_bytes(acrh, len) : json_null();
        rc = give(k, json_pack("{s:o, s:o}", "names", jsonb_names(&set), "acrh", value), result);
    }
    free(acrh);
    free(set.items);
    return rc;
}

static int op_forbidden_request(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_span name = {NULL, 0}, value = {NULL, 0};
    if (get_bytes(k, input, "name", &name) != 0 || get_bytes(k, input, "value", &value) != 0)
        return -1;
    return give_bool(k, "forbidden",
                     corshdr_is_forbidden_request_header(name.ptr, name.len, value.ptr, value.len), result);
}

static int op_origin(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_span v;
    if (get_bytes(k, input, "value", &v) != 0)
        return -1;
    return give_bool(k, "valid", corshdr_origin_check(v.ptr, v.len, NULL) == CORSHDR_OK, result);
}

/* ---- the server policy (SEMANTICS.md "The server policy") ------------------------------------------------ */

/* The settings of input.policy; every one but origins is optional. */
static const char *const policy_keys[] = {"origins", "allow_null", "credentials", "methods", "headers", "expose",
                                          "max_age", "preflight_status", "debug", "public_suffixes"};

/* The case's public suffixes: the callback says whether a base domain is one of them, byte for byte. */
struct suffixes {
    const corshdr_span *v;
    size_t n;
};

static int is_listed_suffix(void *ctx, const char *domain, size_t len)
{
    const struct suffixes *s = ctx;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].len == len && (len == 0 || memcmp(s->v[i].ptr, domain, len) == 0))
            return 1;
    return 0;
}

static int get_policy_list(struct vcase *k, const json_t *policy, const char *key, const corshdr_span **items,
                           size_t *count)
{
    corshdr_span *v = NULL;
    *items = NULL;
    *count = 0;
    if (!json_object_get(policy, key) && strcmp(key, "origins") != 0)
        return 0;
    char name[40];
    snprintf(name, sizeof name, "policy.%s", key);
    if (!json_object_get(policy, key))
        return case_error(k, "input.%s is missing", name);
    /* get_bytes_list names its key in messages; a one-key object gives it "policy.KEY" */
    json_t *wrap = json_pack("{s:O}", name, json_object_get(policy, key));
    if (!wrap)
        return case_error(k, "out of memory");
    int rc = get_bytes_list(k, wrap, name, &v, count);
    json_decref(wrap);
    *items = v;
    return rc;
}

static int get_policy_flag(struct vcase *k, const json_t *policy, const char *key, int *flag)
{
    const json_t *v = json_object_get(policy, key);
    *flag = 0;
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return case_error(k, "input.policy.%s must be true or false", key);
    *flag = json_is_true(v);
    return 0;
}

/* An integer setting, clamped to what the field holds: a value outside the int range stays outside every
 * range the policy accepts, which is all compile asks of it. */
static int get_policy_number(struct vcase *k, const json_t *policy, const char *key, long long lo, long long hi,
                             long long *out)
{
    const json_t *v = json_object_get(policy, key);
    *out = 0;
    if (!v)
        return 0;
    double d = json_is_real(v) ? json_real_value(v) : 0;
    int big = d <= -1e15 || d >= 1e15;
    if (!json_is_integer(v) && !(json_is_real(v) && (big || d == (double)(json_int_t)d)))
        return case_error(k, "input.policy.%s must be an integer", key);
    json_int_t x = json_is_integer(v) ? json_integer_value(v) : big ? (d < 0 ? lo : hi) : (json_int_t)d;
    *out = x < lo ? lo : x > hi ? hi : x;
    return 0;
}

/* input.policy as a configuration: 0, or -1 with the case's error. */
static int get_policy(struct vcase *k, const json_t *input, corshdr_policy_config *cfg, struct suffixes *sfx)
{
    const json_t *policy = field(k, input, "policy");
    if (!policy)
        return -1;
    if (!json_is_object(policy))
        return case_error(k, "input.policy must be an object");
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)(uintptr_t)policy, key, value) {
        size_t known = 0;
        while (known < sizeof policy_keys / sizeof policy_keys[0] && strcmp(key, policy_keys[known]) != 0)
            known++;
        if (known == sizeof policy_keys / sizeof policy_keys[0])
            return case_error(k, "input.policy.%.60s is not a policy setting", key);
    }
    memset(cfg, 0, sizeof *cfg);
    long long max_age, status;
    if (get_policy_list(k, policy, "origins", &cfg->origins, &cfg->norigins) != 0 ||
        get_policy_flag(k, policy, "allow_null", &cfg->allow_null) != 0 ||
        get_policy_flag(k, policy, "credentials", &cfg->credentials) != 0 ||
        get_policy_list(k, policy, "methods", &cfg->methods, &cfg->nmethods) != 0 ||
        get_policy_list(k, policy, "headers", &cfg->headers, &cfg->nheaders) != 0 ||
        get_policy_list(k, policy, "expose", &cfg->expose, &cfg->nexpose) != 0 ||
        get_policy_number(k, policy, "max_age", INT32_MIN, INT32_MAX, &max_age) != 0 ||
        get_policy_number(k, policy, "preflight_status", INT_MIN, INT_MAX, &status) != 0 ||
        get_policy_flag(k, policy, "debug", &cfg->debug) != 0 ||
        get_policy_list(k, policy, "public_suffixes", &sfx->v, &sfx->n) != 0)
        return -1;
    cfg->max_age = (int32_t)max_age;
    cfg->preflight_status = (int)status;
    cfg->is_public_suffix = is_listed_suffix;
    cfg->suffix_ctx = sfx;
    return 0;
}

static const char *part_name(corshdr_policy_part part)
{
    switch (part) {
    case CORSHDR_PART_ORIGINS: return "origins";
    case CORSHDR_PART_METHODS: return "methods";
    case CORSHDR_PART_HEADERS: return "headers";
    case CORSHDR_PART_EXPOSE: return "expose";
    default: return "settings";
    }
}

/* Compiles the case's policy into *p (storage from the case's blocks). 0 compiled, 1 when *result holds
 * its problems (SEMANTICS.md policy-compile), -1 on a bad case. */
static int compile_policy(struct vcase *k, const json_t *input, corshdr_policy *p, json_t **result)
{
    corshdr_policy_config cfg;
    struct suffixes sfx;
    if (get_policy(k, input, &cfg, &sfx) != 0)
        return -1;
    /* at most two problems per origin entry (EINSECURE and EPUBLICSUFFIX), one per other entry, EEMPTY
     * for no origin, and the two settings */
    size_t cap = 2 * cfg.norigins + cfg.nmethods + cfg.nheaders + cfg.nexpose + 3, n = 0;
    corshdr_problem *problems = vcase_alloc(k, cap, sizeof *problems);
    if (!problems)
        return -1;
    corshdr_status st = corshdr_policy_compile(p, &cfg, NULL, 0, problems, cap, &n);
    if (st == CORSHDR_ENOSPC) {
        size_t need = p->storage_needed;
        void *storage = vcase_alloc(k, need, 1);
        if (!storage)
            return -1;
        st = corshdr_policy_compile(p, &cfg, storage, need, problems, cap, &n);
    }
    if (st == CORSHDR_OK)
        return 0;
    if (st != CORSHDR_EPOLICY || n > cap)
        return unexpected(k, "corshdr_policy_compile", st);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        json_t *index = problems[i].index == CORSHDR_NPOS ? json_null() : json_integer((json_int_t)problems[i].index);
        if (json_array_append_new(list, json_pack("{s:s, s:s, s:o?}", "code", corshdr_err_name(problems[i].code),
                                                  "part", part_name(problems[i].part), "index", index)) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return give(k, json_pack("{s:o?}", "problems", list), result) == 0 ? 1 : -1;
}

static int op_policy_compile(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_policy p;
    int rc = compile_policy(k, input, &p, result);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    return give_bool(k, "ok", 1, result);
}

/* The answer's lines in the result's order: by lowercase name, then as added. */
static int line_order(const void *a, const void *b)
{
    const corshdr_field *x = *(const corshdr_field *const *)a, *y = *(const corshdr_field *const *)b;
    int c = corshdr_name_compare(x->name.ptr, x->name.len, y->name.ptr, y->name.len);
    return c ? c : (x < y ? -1 : x > y);
}

static json_t *answer_lines(const corshdr_policy_answer *a)
{
    const corshdr_field *order[CORSHDR_POLICY_FIELDS];
    for (size_t i = 0; i < a->nlines; i++)
        order[i] = &a->lines[i];
    qsort(order, a->nlines, sizeof order[0], line_order);
    json_t *lines = json_array();
    for (size_t i = 0; lines && i < a->nlines; i++) {
        char name[64];
        size_t len = order[i]->name.len < sizeof name ? order[i]->name.len : sizeof name;
        for (size_t j = 0; j < len; j++) {
            char c = order[i]->name.ptr[j];
            name[j] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
        json_t *pair = json_pack("[o?, o?]", jsonb_from_bytes(name, len),
                                 jsonb_from_bytes(order[i]->value.ptr, order[i]->value.len));
        if (json_array_append_new(lines, pair) != 0) {
            json_decref(lines);
            lines = NULL;
        }
    }
    return lines;
}

static int op_policy_apply(struct vcase *k, const json_t *input, json_t **result)
{
    corshdr_span method;
    corshdr_field *fields = NULL;
    size_t n = 0;
    corshdr_policy p;
    /* the request's lines are not checked as a list: apply reads Origin and the two request headers only */
    if (get_bytes(k, input, "method", &method) != 0 || get_fields(k, input, &fields, &n) != 0)
        return -1;
    int rc = compile_policy(k, input, &p, result);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    corshdr_policy_answer a;
    corshdr_status st = corshdr_policy_apply(&p, method.ptr, method.len, fields, n, NULL, &a);
    if (st == CORSHDR_EINVAL || a.nlines > CORSHDR_POLICY_FIELDS)
        return unexpected(k, "corshdr_policy_apply", st);
    static const char *const kinds[] = {"plain", "actual", "preflight"};
    json_t *status = a.status ? json_integer(a.status) : json_null();
    return give(k, json_pack("{s:s, s:o?, s:s, s:o?}", "kind", kinds[a.kind], "status", status, "reason",
                             corshdr_err_name(st), "lines", answer_lines(&a)),
                result);
}

static const struct op {
    const char *name;
    op_fn run;
} ops[] = {
    {"token", op_token},
    {"field-value", op_field_value},
    {"combine", op_combine},
    {"split", op_split},
    {"name-list", op_name_list},
    {"exposed", op_exposed},
    {"cors-check", op_cors_check},
    {"preflight", op_preflight},
    {"max-age", op_max_age},
    {"request-safelisted", op_request_safelisted},
    {"unsafe-names", op_unsafe_names},
    {"forbidden-request", op_forbidden_request},
    {"origin", op_origin},
    {"policy-compile", op_policy_compile},
    {"policy-apply", op_policy_apply},
};

static const struct op *op_find(const json_t *name)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strlen(ops[i].name) == json_string_length(name) &&
            memcmp(ops[i].name, json_string_value(name), json_string_length(name)) == 0)
            return &ops[i];
    return NULL;
}

/* ---- one line in, one line out --------------------------------------------------------------------------- */

/* {"id": id, "error": message}. The message may quote input bytes (jansson's "near '...'"), so anything
 * but printable ASCII becomes '?' to keep the reply valid, readable JSON. */
static json_t *error_reply(const json_t *id, const char *fmt, ...) CLI_PRINTF(2, 3);

static json_t *error_reply(const json_t *id, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            *p = '?';
    return json_pack("{s:O?, s:s}", "id", id, "error", msg);
}

/* The reply to a well-formed case: its result, or why its input is malformed. */
static json_t *run(const struct op *op, const json_t *id, const json_t *input)
{
    struct vcase k = {NULL, {0}};
    json_t *result = NULL;
    json_t *reply = op->run(&k, input, &result) == 0 ? json_pack("{s:O, s:o}", "id", id, "result", result)
                                                      : error_reply(id, "%s", k.error);
    vcase_free(&k);
    return reply;
}

static json_t *answer(const char *line, size_t len)
{
    if (len == 0)
        return error_reply(NULL, "the line is empty");
    json_error_t jerr;
    /* DECODE_ANY so that a bare number or string gets the precise "not an object" message below. */
    json_t *c = json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!c)
        return error_reply(NULL, "the line is not JSON: %s at column %d", jerr.text, jerr.column);
    json_t *reply;
    const json_t *id = json_object_get(c, "id"); /* NULL when c is not an object */
    const json_t *op_name = json_object_get(c, "op");
    const json_t *input = json_object_get(c, "input");
    const struct op *op = json_is_string(op_name) ? op_find(op_name) : NULL;
    /* The order of the checks is the reference adapter's, so both answer a bad line alike. */
    if (!json_is_object(c))
        reply = error_reply(NULL, "the line is not a JSON object");
    else if (!json_is_string(id))
        reply = error_reply(NULL, "id must be a string");
    else if (!json_is_string(op_name))
        reply = error_reply(id, "op must be a string");
    else if (!op)
        reply = json_pack("{s:O, s:b}", "id", id, "unsupported", 1);
    else if (!input)
        reply = error_reply(id, "input is missing");
    else if (!json_is_object(input))
        reply = error_reply(id, "input must be an object");
    else
        reply = run(op, id, input);
    json_decref(c);
    return reply;
}

/* Writes one reply line and flushes it: the caller may wait for it before sending the next case. */
static int emit(json_t *reply)
{
    char *text = reply ? json_dumps(reply, JSON_ENSURE_ASCII | JSON_COMPACT) : NULL;
    json_decref(reply);
    /* Out of memory for the reply itself: still one line, so the output stays in step with the input. */
    int failed = fputs(text ? text : "{\"id\":null,\"error\":\"out of memory\"}", stdout) == EOF ||
                 fputc('\n', stdout) == EOF || fflush(stdout) == EOF;
    free(text);
    return failed ? -1 : 0;
}

/* ---- reading the cases: one line at a time, never more than --max-line bytes held -------------------- */

#define CONFORM_MAX_LINE ((size_t)16 << 20)
/* The largest --max-line: a bound above it protects nothing. */
#define CONFORM_MAX_LINE_LIMIT ((size_t)1 << 30)
/* A too-long line is skipped up to its LF; one still going after this many times --max-line bytes is no
 * JSON Lines at all (/dev/zero, a binary file): reading it to its end would take unbounded time. */
#define CONFORM_SKIP_FACTOR 64

typedef enum {
    LINE_OK,       /* r->buf[0, r->len) is the line, without its LF */
    LINE_TOO_LONG, /* the line passed r->max bytes: r->len is r->max; line_skip reads the rest */
    LINE_ENDLESS,  /* line_skip: the line went on past CONFORM_SKIP_FACTOR * r->max bytes */
    LINE_END,      /* no line: the end of the input */
    LINE_ENOMEM,
    LINE_EIO
} line_status;

struct line_reader {
    FILE *in;
    size_t max;    /* --max-line */
    char *buf;     /* grown as lines need it, up to max bytes: memory follows the longest line kept */
    size_t cap;
    size_t len;
    size_t number; /* 1-based number of the line last read */
};

/* Reads the next line. getc_unlocked rather than fread: fread waits for a whole block, and a client may
 * wait for the answer to one line before it sends the next. */
static line_status line_read(struct line_reader *r)
{
    line_status st = LINE_OK;
    int c = 0;
    r->len = 0;
    r->number++;
    flockfile(r->in);
    while ((c = getc_unlocked(r->in)) != EOF && c != '\n') {
        if (r->len == r->max) {
            st = LINE_TOO_LONG;
            break;
        }
        if (r->len == r->cap) {
            size_t cap = r->cap < 4096 ? 4096 : r->cap > r->max / 2 ? r->max : 2 * r->cap;
            char *bigger = realloc(r->buf, cap);
            if (!bigger) {
                st = LINE_ENOMEM;
                break;
            }
            r->buf = bigger;
            r->cap = cap;
        }
        r->buf[r->len++] = (char)c;
    }
    if (st == LINE_OK && c == EOF)
        st = ferror(r->in) ? LINE_EIO : r->len == 0 ? LINE_END : LINE_OK;
    funlockfile(r->in);
    return st;
}

static size_t skip_limit(size_t max)
{
    return max <= SIZE_MAX / CONFORM_SKIP_FACTOR ? max * CONFORM_SKIP_FACTOR : SIZE_MAX;
}

/* After LINE_TOO_LONG: reads the rest of the line without keeping it, and gives back the buffer, which
 * held r->max bytes (the next lines need only what they hold). */
static line_status line_skip(struct line_reader *r)
{
    size_t limit = skip_limit(r->max);
    size_t seen = r->max + 1; /* the byte line_read stopped at is read */
    line_status st = LINE_OK;
    int c = 0;
    free(r->buf);
    r->buf = NULL;
    r->cap = 0;
    flockfile(r->in);
    while ((c = getc_unlocked(r->in)) != EOF && c != '\n')
        if (++seen > limit) {
            st = LINE_ENDLESS;
            break;
        }
    if (st == LINE_OK && c == EOF && ferror(r->in))
        st = LINE_EIO;
    funlockfile(r->in);
    return st;
}

int cmd_conform(int argc, char **argv)
{
    enum { OPT_HELP = 'h', OPT_MAX_LINE = 1 };
    static const args_option options[] = {
        {"help", 'h', 0, OPT_HELP}, {"max-line", 0, 1, OPT_MAX_LINE}, {NULL, 0, 0, 0}};
    args a;
    const char *value;
    int id;
    struct line_reader r = {stdin, CONFORM_MAX_LINE, NULL, 0, 0, 0};
    args_init(&a, argc, argv, "conform");
    while ((id = args_next(&a, options, &value)) != ARGS_END) {
        if (id == OPT_HELP) {
            fputs(usage, stdout);
            return cli_flush(CLI_EXIT_OK);
        }
        if (id == OPT_MAX_LINE) {
            if (args_size(value, CONFORM_MAX_LINE_LIMIT, &r.max) == 0 && r.max > 0)
                continue;
            char shown[CLI_ESCAPED_SIZE];
            cli_error("conform: --max-line must be a number of bytes from 1 to %zu, not '%s'", CONFORM_MAX_LINE_LIMIT,
                      cli_escape(shown, value, strlen(value)));
            return CLI_EXIT_USAGE;
        }
        if (id == ARGS_OPERAND) {
            char shown[CLI_ESCAPED_SIZE];
            cli_error("conform: unexpected argument '%s': cases are read from standard input",
                      cli_escape(shown, value, strlen(value)));
            return CLI_EXIT_USAGE;
        }
        return CLI_EXIT_USAGE;
    }

    int status = CLI_EXIT_OK;
    line_status st;
    while ((st = line_read(&r)) == LINE_OK || st == LINE_TOO_LONG) {
        json_t *reply;
        if (st == LINE_TOO_LONG) {
            /* Answered at once, before the rest arrives: the peer may be waiting for it. The id is in the
             * part not read, so it is unknown. */
            reply = error_reply(NULL, "line %zu is longer than %zu bytes (--max-line): skipped unread, so its id is "
                                      "unknown", r.number, r.max);
        } else {
            size_t len = r.len;
            if (len && r.buf[len - 1] == '\r')
                len--;
            reply = answer(r.buf ? r.buf : "", len);
        }
        if (emit(reply) != 0) {
            cli_error("conform: cannot write standard output: %s", strerror(errno));
            status = CLI_EXIT_INPUT;
            break;
        }
        if (st == LINE_TOO_LONG && (st = line_skip(&r)) != LINE_OK)
            break;
    }
    if (status == CLI_EXIT_OK && st != LINE_END) {
        if (st == LINE_ENDLESS)
            cli_error("conform: line %zu goes on past %zu bytes without a line feed: the input is not JSON Lines; "
                      "stopped", r.number, skip_limit(r.max));
        else if (st == LINE_ENOMEM)
            cli_error("conform: out of memory for line %zu (%zu bytes read)", r.number, r.len);
        else
            cli_error("conform: cannot read standard input: %s", strerror(errno));
        status = CLI_EXIT_INPUT;
    }
    free(r.buf);
    return status;
}
