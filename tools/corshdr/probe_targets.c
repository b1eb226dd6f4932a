/*
 * probe_targets: what `corshdr probe` is pointed at. A target is a URL and the site's settings (its origin,
 * method, request headers, credentials mode), given on the command line or as one line of a --targets
 * file; each is checked with the library before any request is sent, and a bad one stops the command with
 * one error line that names the option (or the file, line and key) and shows the bytes escaped.
 *
 * A --targets file is bounded: PROBE_TARGETS_MAX_BYTES in all, PROBE_TARGETS_MAX_LINE a line,
 * PROBE_TARGETS_MAX targets. A line is a URL, or a JSON object with "url" and any of "origin", "method",
 * "credentials" and "request_headers" (a string or an array of strings); blank lines and lines starting
 * with '#' are skipped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"
#include "probe.h"
#include "sized.h"

/* What a target owns. */
struct storage {
    char *url_origin;        /* the URL's origin, serialized */
    char *path;              /* its path and query */
    char *authority;         /* host:port */
    corshdr_names unsafe;
    corshdr_span *name_spans;
    char *acrh;
};

/* Where a spec came from, for messages: "--origin 'x'" on the command line, "FILE:LINE: origin 'x'" from a
 * file (option names without their dashes, as the JSON keys are). */
static int spec_error(const probe_spec *s, const char *option, const char *value, const char *fmt, ...)
    CLI_PRINTF(4, 5);
static int spec_error(const probe_spec *s, const char *option, const char *value, const char *fmt, ...)
{
    char why[400], shown[CLI_ESCAPED_SIZE], file[CLI_ESCAPED_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    const char *name = option;
    if (s->file && strncmp(option, "--", 2) == 0)
        name = option + 2;
    if (s->file)
        cli_error("probe: %s:%zu: %s '%s': %s", cli_escape(file, s->file, strlen(s->file)), s->line, name,
                  cli_escape(shown, value, strlen(value)), why);
    else
        cli_error("probe: %s '%s': %s", name, cli_escape(shown, value, strlen(value)), why);
    return CLI_EXIT_USAGE;
}

/* A usage error naming where and why the library rejected a value. */
static int bad_value(const probe_spec *s, const char *option, const char *value, corshdr_status st,
                     const corshdr_error *err)
{
    if (err->offset != CORSHDR_NPOS)
        return spec_error(s, option, value, "%s (%s) at byte %zu: expected %s", corshdr_strerror(st),
                          corshdr_err_name(st), err->offset + 1, err->expected);
    return spec_error(s, option, value, "%s (%s): expected %s", corshdr_strerror(st), corshdr_err_name(st),
                      err->expected);
}

static int out_of_memory(void)
{
    cli_error("probe: out of memory");
    return CLI_EXIT_INPUT;
}

static const corshdr_error no_error = {CORSHDR_OK, CORSHDR_NPOS, CORSHDR_NPOS, 0, ""};

static void lowercase(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s + 32);
}

/* The URL: http or https with a host; its origin (default port left out), path and query, host:port. */
static int read_url(const probe_spec *spec, struct storage *st)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    int status = CLI_EXIT_OK;
    if (!u)
        return out_of_memory();
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, spec->url, 0);
    if (uc != CURLUE_OK) {
        status = spec_error(spec, "URL", spec->url, "%s", curl_url_strerror(uc));
    } else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        status = spec_error(spec, "URL", spec->url, "only http and https URLs can be probed");
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        status = spec_error(spec, "URL", spec->url, "the URL has no host");
    } else {
        (void)curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
        char *explicit_port = NULL;
        (void)curl_url_get(u, CURLUPART_PORT, &explicit_port, 0);
        (void)curl_url_get(u, CURLUPART_PATH, &path, 0);
        (void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
        lowercase(host);
        /* A serialized origin leaves the scheme's default port out. */
        const char *p = explicit_port;
        int default_port = p && ((strcmp(scheme, "http") == 0 && strcmp(p, "80") == 0) ||
                                 (strcmp(scheme, "https") == 0 && strcmp(p, "443") == 0));
        size_t n = strlen(scheme) + strlen(host) + (p ? strlen(p) : 0) + 8;
        size_t m = (path ? strlen(path) : 1) + (query ? strlen(query) + 1 : 0) + 1;
        size_t a = strlen(host) + (port ? strlen(port) : 0) + 2;
        st->url_origin = malloc(n);
        st->path = malloc(m);
        st->authority = malloc(a);
        if (!st->url_origin || !st->path || !st->authority) {
            status = out_of_memory();
        } else {
            snprintf(st->url_origin, n, "%s://%s%s%s", scheme, host, p && !default_port ? ":" : "",
                     p && !default_port ? p : "");
            snprintf(st->path, m, "%s%s%s", path ? path : "/", query ? "?" : "", query ? query : "");
            snprintf(st->authority, a, "%s:%s", host, port ? port : "");
        }
        curl_free(explicit_port);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return status;
}

/* The parts of a checked serialized origin: scheme "://" host [":" port]. */
static void split_origin(probe_target *t)
{
    const char *p = t->origin.ptr, *end = p + t->origin.len;
    const char *sep = strstr(p, "://");
    t->scheme = (corshdr_span){p, (size_t)(sep - p)};
    const char *h = sep + 3, *colon = NULL;
    if (*h == '[') {
        const char *close = memchr(h, ']', (size_t)(end - h));
        colon = close && close + 1 < end ? close + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t)(end - h));
    }
    const char *host_end = colon ? colon : end;
    t->host = (corshdr_span){h, (size_t)(host_end - h)};
    t->port = colon ? (corshdr_span){colon + 1, (size_t)(end - colon - 1)} : (corshdr_span){"", 0};
}

static int read_request_headers(const probe_spec *spec, struct storage *st, probe_target *t)
{
    static const char acrh_name[] = "Access-Control-Request-Headers";
    size_t n = spec->nrequest_headers;
    corshdr_field *lists = calloc(n ? n : 1, sizeof *lists);
    if (!lists)
        return out_of_memory();
    for (size_t i = 0; i < n; i++) {
        lists[i].name = (corshdr_span){acrh_name, sizeof acrh_name - 1};
        lists[i].value = (corshdr_span){spec->request_headers[i], strlen(spec->request_headers[i])};
    }
    size_t count = 0;
    corshdr_error err = no_error;
    corshdr_status s = sized_list_extract(lists, n, acrh_name, sizeof acrh_name - 1, 0, NULL, &st->name_spans,
                                          &count, &err);
    free(lists);
    if (s == CORSHDR_ENOSPC)
        return out_of_memory();
    if (s != CORSHDR_OK && s != CORSHDR_ABSENT)
        return bad_value(spec, "--request-headers", err.line < n ? spec->request_headers[err.line] : "", s, &err);
    if (sized_names_init(&st->unsafe, count) != 0)
        return out_of_memory();
    for (size_t i = 0; i < count; i++)
        (void)corshdr_names_add(&st->unsafe, st->name_spans[i].ptr, st->name_spans[i].len);
    corshdr_names_sort(&st->unsafe);
    size_t len = 0;
    if (st->unsafe.count && sized_names_join(&st->unsafe, ",", 1, &st->acrh, &len) != CORSHDR_OK)
        return out_of_memory();
    t->unsafe = &st->unsafe;
    t->acrh = st->acrh ? (corshdr_span){st->acrh, len} : (corshdr_span){NULL, 0};
    return CLI_EXIT_OK;
}

int probe_target_build(const probe_spec *spec, const probe_domains *d, probe_target *t)
{
    memset(t, 0, sizeof *t);
    struct storage *st = calloc(1, sizeof *st);
    if (!st)
        return out_of_memory();
    t->storage = st;
    t->file = spec->file;
    t->line = spec->line;
    int status = read_url(spec, st);
    if (status != CLI_EXIT_OK)
        return status;
    t->url = spec->url;
    t->path = (corshdr_span){st->path, strlen(st->path)};
    t->authority = st->authority;

    const char *origin = spec->origin ? spec->origin : st->url_origin;
    corshdr_error err = no_error;
    corshdr_status s = corshdr_origin_check(origin, strlen(origin), &err);
    if (s != CORSHDR_OK)
        return spec->origin ? bad_value(spec, "--origin", origin, s, &err)
                            : spec_error(spec, "URL", spec->url, "its host cannot be a browser's origin; give --origin");
    if (strcmp(origin, "null") == 0)
        return spec_error(spec, "--origin", origin, "the site's own origin cannot be null");
    t->origin = (corshdr_span){origin, strlen(origin)};
    t->origin_given = strcmp(origin, st->url_origin) != 0;
    split_origin(t);
    t->registrable = probe_registrable(d, t->host);

    const char *method = spec->method ? spec->method : "GET";
    if ((s = corshdr_token_check(method, strlen(method), &err)) != CORSHDR_OK)
        return bad_value(spec, "--method", method, s, &err);
    if (corshdr_is_forbidden_method(method, strlen(method)))
        return spec_error(spec, "--method", method, "a forbidden method: browsers refuse to send it");
    t->method = corshdr_method_normalize(method, strlen(method));
    t->head_requests = t->method.len == 4 && memcmp(t->method.ptr, "HEAD", 4) == 0;

    t->credentials = CORSHDR_CREDENTIALS_SAME_ORIGIN;
    if (spec->credentials &&
        cli_credentials_parse(spec->credentials, strlen(spec->credentials), &t->credentials) != 0)
        return spec_error(spec, "--credentials", spec->credentials, "expected omit, same-origin or include");
    return read_request_headers(spec, st, t);
}

void probe_target_free(probe_target *t)
{
    struct storage *st = t->storage;
    if (st) {
        free(st->url_origin);
        free(st->path);
        free(st->authority);
        free(st->unsafe.items);
        free(st->name_spans);
        free(st->acrh);
        free(st);
    }
    memset(t, 0, sizeof *t);
}

int probe_check_header_lines(const char *const *lines, size_t n)
{
    static const char *const own[] = {"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"};
    static const probe_spec cli = {0};
    for (size_t i = 0; i < n; i++) {
        const char *h = lines[i];
        const char *colon = strchr(h, ':');
        if (!colon)
            return spec_error(&cli, "--header", h, "expected 'Name: value'");
        corshdr_error err = no_error;
        corshdr_status st = corshdr_token_check(h, (size_t)(colon - h), &err);
        if (st != CORSHDR_OK)
            return bad_value(&cli, "--header", h, st, &err);
        corshdr_span v = corshdr_value_trim(colon + 1, strlen(colon + 1));
        if ((st = corshdr_value_check(v.ptr, v.len, &err)) != CORSHDR_OK)
            return spec_error(&cli, "--header", h, "%s", corshdr_strerror(st));
        for (size_t k = 0; k < sizeof own / sizeof own[0]; k++)
            if (corshdr_name_compare(h, (size_t)(colon - h), own[k], strlen(own[k])) == 0)
                return spec_error(&cli, "--header", h, "the probe sets this header itself");
    }
    return CLI_EXIT_OK;
}

/* ---- --targets FILE ---------------------------------------------------------------------------------------- */

/* What a list owns: the file's bytes (URLs and JSON strings are copied into it), and the arrays of
 * request-header values. */
struct list_storage {
    char **strings;
    size_t nstrings, cap;
};

/* n + 1 zeroed bytes owned by the list; NULL when out of memory. */
static void *keep_zeroed(struct list_storage *ls, size_t n)
{
    if (ls->nstrings == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 256;
        char **s = realloc(ls->strings, cap * sizeof *s);
        if (!s)
            return NULL;
        ls->strings = s;
        ls->cap = cap;
    }
    char *c = calloc(1, n + 1);
    if (c)
        ls->strings[ls->nstrings++] = c;
    return c;
}

/* A NUL-terminated copy of (p, n) owned by the list; NULL when out of memory. */
static char *keep(struct list_storage *ls, const char *p, size_t n)
{
    char *c = keep_zeroed(ls, n);
    if (c)
        memcpy(c, p, n);
    return c;
}

static int file_error(const char *path, size_t line, const char *fmt, ...) CLI_PRINTF(3, 4);
static int file_error(const char *path, size_t line, const char *fmt, ...)
{
    char why[400], file[CLI_ESCAPED_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (line)
        cli_error("probe: --targets %s:%zu: %s", cli_escape(file, path, strlen(path)), line, why);
    else
        cli_error("probe: --targets %s: %s", cli_escape(file, path, strlen(path)), why);
    return CLI_EXIT_USAGE;
}

/* The whole file, at most PROBE_TARGETS_MAX_BYTES, into *buf. 0, or an exit status after an error line. */
static int slurp(const char *path, char **buf, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        file_error(path, 0, "cannot open: %s", strerror(errno));
        return CLI_EXIT_INPUT;
    }
    size_t cap = 65536, n = 0;
    char *b = malloc(cap);
    int status = b ? CLI_EXIT_OK : out_of_memory();
    while (status == CLI_EXIT_OK) {
        if (n == cap) {
            if (cap > PROBE_TARGETS_MAX_BYTES) {
                status = file_error(path, 0, "longer than %zu bytes (the limit of a targets file)",
                                    PROBE_TARGETS_MAX_BYTES);
                break;
            }
            char *c = realloc(b, cap * 2);
            if (!c) {
                status = out_of_memory();
                break;
            }
            b = c;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                file_error(path, 0, "cannot read: %s", strerror(errno));
                status = CLI_EXIT_INPUT;
            }
            break;
        }
        if (n > PROBE_TARGETS_MAX_BYTES)
            status = file_error(path, 0, "longer than %zu bytes (the limit of a targets file)",
                                PROBE_TARGETS_MAX_BYTES);
    }
    if (f != stdin)
        fclose(f);
    if (status != CLI_EXIT_OK) {
        free(b);
        return status;
    }
    *buf = b;
    *len = n;
    return CLI_EXIT_OK;
}

/* A JSON target: {"url": ..., "origin", "method", "credentials", "request_headers"}. */
static int read_json_line(const char *path, size_t line, const char *p, size_t n, struct list_storage *ls,
                          probe_spec *spec)
{
    json_error_t jerr;
    json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!o)
        return file_error(path, line, "not a JSON object: %s (column %d)", jerr.text, jerr.column);
    int status = CLI_EXIT_OK;
    const char *key;
    json_t *v;
    if (!json_is_object(o))
        status = file_error(path, line, "expected a URL or a JSON object");
    json_object_foreach(o, key, v) {
        if (status != CLI_EXIT_OK)
            break;
        const char **field = strcmp(key, "url") == 0 ? &spec->url
                             : strcmp(key, "origin") == 0 ? &spec->origin
                             : strcmp(key, "method") == 0 ? &spec->method
                             : strcmp(key, "credentials") == 0 ? &spec->credentials
                                                               : NULL;
        if (field) {
            if (!json_is_string(v)) {
                status = file_error(path, line, "\"%s\" must be a string", key);
            } else if (!(*field = keep(ls, json_string_value(v), json_string_length(v)))) {
                status = out_of_memory();
            }
            continue;
        }
        if (strcmp(key, "request_headers") != 0) {
            char shown[CLI_ESCAPED_SIZE];
            status = file_error(path, line, "unknown key \"%s\" (expected url, origin, method, credentials, "
                                            "request_headers)", cli_escape(shown, key, strlen(key)));
            continue;
        }
        size_t count = json_is_array(v) ? json_array_size(v) : 1;
        const char **values = keep_zeroed(ls, count * sizeof(char *));
        if (!values) {
            status = out_of_memory();
            continue;
        }
        for (size_t i = 0; i < count && status == CLI_EXIT_OK; i++) {
            json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
            if (!json_is_string(e))
                status = file_error(path, line, "\"request_headers\" must be a string or an array of strings");
            else if (!(values[i] = keep(ls, json_string_value(e), json_string_length(e))))
                status = out_of_memory();
        }
        spec->request_headers = values;
        spec->nrequest_headers = count;
    }
    json_decref(o);
    if (status == CLI_EXIT_OK && !spec->url)
        status = file_error(path, line, "the object has no \"url\"");
    return status;
}

int probe_targets_read(const char *path, const probe_spec *defaults, probe_target_list *out)
{
    memset(out, 0, sizeof *out);
    struct list_storage *ls = calloc(1, sizeof *ls);
    if (!ls)
        return out_of_memory();
    out->storage = ls;
    char *buf;
    size_t len;
    int status = slurp(path, &buf, &len);
    if (status != CLI_EXIT_OK)
        return status;
    const char *file = keep(ls, path, strlen(path));
    size_t cap = 0, line = 0;
    for (size_t pos = 0; pos < len && status == CLI_EXIT_OK;) {
        const char *p = buf + pos, *lf = memchr(p, '\n', len - pos);
        size_t n = lf ? (size_t)(lf - p) : len - pos;
        pos += n + (lf ? 1 : 0);
        line++;
        if (n > PROBE_TARGETS_MAX_LINE) {
            status = file_error(path, line, "longer than %zu bytes (the limit of a line)", PROBE_TARGETS_MAX_LINE);
            break;
        }
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        while (n && (*p == ' ' || *p == '\t'))
            p++, n--;
        if (n == 0 || *p == '#')
            continue;
        if (!file) {
            status = out_of_memory();
            break;
        }
        if (out->count == PROBE_TARGETS_MAX) {
            status = file_error(path, line, "more than %zu targets (the limit of a targets file)", PROBE_TARGETS_MAX);
            break;
        }
        if (out->count == cap) {
            cap = cap ? cap * 2 : 64;
            probe_spec *items = realloc(out->items, cap * sizeof *items);
            if (!items) {
                status = out_of_memory();
                break;
            }
            out->items = items;
        }
        probe_spec *spec = &out->items[out->count];
        memset(spec, 0, sizeof *spec);
        spec->file = file;
        spec->line = line;
        if (*p == '{') {
            status = read_json_line(path, line, p, n, ls, spec);
        } else {
            for (size_t i = 0; i < n && status == CLI_EXIT_OK; i++)
                if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f) {
                    char shown[CLI_ESCAPED_SIZE];
                    status = file_error(path, line, "'%s': a URL has no space or control byte (byte %zu)",
                                        cli_escape(shown, p, n), i + 1);
                }
            if (status == CLI_EXIT_OK && !(spec->url = keep(ls, p, n)))
                status = out_of_memory();
        }
        if (status != CLI_EXIT_OK)
            break;
        if (!spec->origin)
            spec->origin = defaults->origin;
        if (!spec->method)
            spec->method = defaults->method;
        if (!spec->credentials)
            spec->credentials = defaults->credentials;
        if (!spec->request_headers) {
            spec->request_headers = defaults->request_headers;
            spec->nrequest_headers = defaults->nrequest_headers;
        }
        out->count++;
    }
    free(buf);
    if (status == CLI_EXIT_OK && out->count == 0)
        status = file_error(path, 0, "no target in it");
    return status;
}

void probe_targets_free(probe_target_list *list)
{
    struct list_storage *ls = list->storage;
    if (ls) {
        for (size_t i = 0; i < ls->nstrings; i++)
            free(ls->strings[i]);
        free(ls->strings);
        free(ls);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}
