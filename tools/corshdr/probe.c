/*
 * probe: `corshdr probe URL`. Reads the command line into a target, builds the battery (probe_plan.c),
 * sends it through a transport (probe_http.c, or probe_replay.c for tests), parses every answer with the
 * tool's head reader, derives the findings with the library (probe_checks.c) and reports them
 * (probe_report.c). The exit status says whether a finding reaches --fail-on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "args.h"
#include "cli.h"
#include "probe.h"
#include "sized.h"

static const char usage[] =
    "usage: corshdr probe [options] URL\n"
    "\n"
    "Black-box validation of the CORS implementation answering URL (a server, a gateway, a\n"
    "middleware): sends a battery of actual and preflight requests with chosen Origin,\n"
    "Access-Control-Request-Method and -Headers values, reads every answer as a browser does, and\n"
    "reports findings, each with a stable ID, a severity, the request that showed it and the\n"
    "response lines that prove it. Only URL's host is contacted.\n"
    "\n"
    "options:\n"
    "  --origin ORIGIN         the site's own origin, which the server should trust; untrusted\n"
    "                          origins are derived from it (default: the URL's origin)\n"
    "  --method METHOD         the method of the site's cross-origin requests, asked for in its\n"
    "                          preflight (default GET); actual requests use GET (HEAD for HEAD)\n"
    "  --request-headers NAMES the site's CORS-unsafe request-header names, comma-separated,\n"
    "                          asked for in its preflight; repeatable\n"
    "  --credentials MODE      the site's credentials mode: omit, same-origin (default), include\n"
    "  --header 'NAME: VALUE'  an extra header on every request (a cookie, a token); repeatable\n"
    "  --fail-on SEVERITY      exit 3 when a finding is at or above SEVERITY: info, low, medium,\n"
    "                          high (default) or critical\n"
    "  --json                  print one JSON object instead of text\n"
    "  --connect-timeout SECONDS  per request (default 5)\n"
    "  --timeout SECONDS       per request, in all (default 10)\n"
    "  --slow MS               a hostile preflight answered slower than MS milliseconds (and 10\n"
    "                          times the median) is a finding (default 2000)\n"
    "  --max-head BYTES        a longer response head is an error (default 65536, at most 1048576)\n"
    "  --max-body BYTES        body bytes read before a transfer is cut (default 65536)\n"
    "  --follow-redirects      follow redirects of actual requests, to the same host only\n"
    "  --env-proxy             use the proxy the environment names (http_proxy, https_proxy)\n"
    "  -k, --insecure          do not verify the server's TLS certificate\n"
    "  -h, --help              print this help\n"
    "\n"
    "exit status: 0 no finding at or above --fail-on; 1 the host cannot be reached or answered\n"
    "malformed; 2 bad arguments; 3 a finding at or above --fail-on.\n";

enum option_id {
    OPT_HELP,
    OPT_ORIGIN,
    OPT_METHOD,
    OPT_REQUEST_HEADERS,
    OPT_CREDENTIALS,
    OPT_HEADER,
    OPT_FAIL_ON,
    OPT_JSON,
    OPT_CONNECT_TIMEOUT,
    OPT_TIMEOUT,
    OPT_SLOW,
    OPT_MAX_HEAD,
    OPT_MAX_BODY,
    OPT_FOLLOW,
    OPT_ENV_PROXY,
    OPT_INSECURE,
    OPT_REPLAY
};

static const args_option options[] = {
    {"help", 'h', 0, OPT_HELP},
    {"origin", 0, 1, OPT_ORIGIN},
    {"method", 0, 1, OPT_METHOD},
    {"request-headers", 0, 1, OPT_REQUEST_HEADERS},
    {"credentials", 0, 1, OPT_CREDENTIALS},
    {"header", 0, 1, OPT_HEADER},
    {"fail-on", 0, 1, OPT_FAIL_ON},
    {"json", 0, 0, OPT_JSON},
    {"connect-timeout", 0, 1, OPT_CONNECT_TIMEOUT},
    {"timeout", 0, 1, OPT_TIMEOUT},
    {"slow", 0, 1, OPT_SLOW},
    {"max-head", 0, 1, OPT_MAX_HEAD},
    {"max-body", 0, 1, OPT_MAX_BODY},
    {"follow-redirects", 0, 0, OPT_FOLLOW},
    {"env-proxy", 0, 0, OPT_ENV_PROXY},
    {"insecure", 'k', 0, OPT_INSECURE},
    /* Not in the help: canned answers instead of the network, for the tests (probe_replay.c). */
    {"replay", 0, 1, OPT_REPLAY},
    {NULL, 0, 0, 0},
};

/* Everything one run owns, released by probe_free. */
struct run {
    const char *url;
    const char *origin_arg;
    const char *method_arg;
    const char *credentials_arg;
    const char *replay;
    const char **names; /* --request-headers values */
    size_t nnames;
    int json;
    probe_severity fail_on;
    probe_http_options http;
    double slow_ms;

    char *url_origin;  /* the URL's origin, serialized */
    char *url_path;    /* its path and query */
    corshdr_names unsafe;
    corshdr_span *name_spans;
    char *acrh;
    size_t acrh_len;
    probe_target target;
    probe_plan plan;
    probe_response *responses;
    probe_findings findings;
    probe_transport transport;
};

static void probe_free(struct run *r)
{
    if (r->transport.close)
        r->transport.close(r->transport.ctx);
    for (size_t i = 0; r->responses && i < r->plan.count; i++)
        probe_response_free(&r->responses[i]);
    free(r->responses);
    probe_plan_free(&r->plan);
    free(r->names);
    free(r->http.headers);
    free(r->url_origin);
    free(r->url_path);
    free(r->unsafe.items);
    free(r->name_spans);
    free(r->acrh);
}

static int out_of_memory(void)
{
    cli_error("probe: out of memory");
    return CLI_EXIT_INPUT;
}

static int usage_error(const char *option, const char *value, const char *why)
{
    cli_error("probe: %s '%s': %s", option, value, why);
    return CLI_EXIT_USAGE;
}

/* ---- the command line ---------------------------------------------------------------------------------- */

/* A decimal number of seconds ("5", "0.25") as milliseconds, more than 0 and at most a day. */
static int parse_seconds(const char *s, long *ms)
{
    double v = 0, scale = 1;
    int digits = 0, dot = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '.' && !dot) {
            dot = 1;
        } else if (*p >= '0' && *p <= '9') {
            digits++;
            if (dot)
                v += (*p - '0') * (scale /= 10);
            else
                v = v * 10 + (*p - '0');
            if (v > 86400)
                return -1;
        } else {
            return -1;
        }
    }
    if (!digits || v * 1000 < 1)
        return -1;
    *ms = (long)(v * 1000 + 0.5);
    return 0;
}

static int parse_size(const char *s, size_t max, size_t *out)
{
    size_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (size_t)(*s - '0');
        if (v > max)
            return -1;
    }
    *out = v;
    return 0;
}

/* CLI_EXIT_OK to go on, -1 when help was printed, or a usage exit status. */
static int parse_options(struct run *r, int argc, char **argv)
{
    r->names = calloc((size_t)argc, sizeof *r->names);
    const char **headers = calloc((size_t)argc, sizeof *headers);
    r->http.headers = headers;
    if (!r->names || !headers)
        return out_of_memory();
    r->fail_on = PROBE_HIGH;
    r->http.connect_timeout_ms = 5000;
    r->http.timeout_ms = 10000;
    r->http.max_head = 65536;
    r->http.max_body = 65536;
    r->slow_ms = 2000;

    args a;
    const char *value;
    int id;
    size_t n;
    args_init(&a, argc, argv, "probe");
    while ((id = args_next(&a, options, &value)) != ARGS_END) {
        switch (id) {
        case OPT_HELP:
            fputs(usage, stdout);
            return -1;
        case OPT_ORIGIN:
            r->origin_arg = value;
            break;
        case OPT_METHOD:
            r->method_arg = value;
            break;
        case OPT_REQUEST_HEADERS:
            r->names[r->nnames++] = value;
            break;
        case OPT_CREDENTIALS:
            r->credentials_arg = value;
            break;
        case OPT_HEADER:
            headers[r->http.nheaders++] = value;
            break;
        case OPT_FAIL_ON:
            if (probe_severity_parse(value, &r->fail_on) != 0)
                return usage_error("--fail-on", value, "expected info, low, medium, high or critical");
            break;
        case OPT_JSON:
            r->json = 1;
            break;
        case OPT_CONNECT_TIMEOUT:
            if (parse_seconds(value, &r->http.connect_timeout_ms) != 0)
                return usage_error("--connect-timeout", value, "expected seconds, more than 0 and at most 86400");
            break;
        case OPT_TIMEOUT:
            if (parse_seconds(value, &r->http.timeout_ms) != 0)
                return usage_error("--timeout", value, "expected seconds, more than 0 and at most 86400");
            break;
        case OPT_SLOW:
            if (parse_size(value, 86400000, &n) != 0 || n == 0)
                return usage_error("--slow", value, "expected milliseconds, 1 to 86400000");
            r->slow_ms = (double)n;
            break;
        case OPT_MAX_HEAD:
            if (parse_size(value, HEAD_MAX_BYTES, &r->http.max_head) != 0 || r->http.max_head < 64)
                return usage_error("--max-head", value, "expected bytes, 64 to 1048576");
            break;
        case OPT_MAX_BODY:
            if (parse_size(value, (size_t)1 << 30, &r->http.max_body) != 0)
                return usage_error("--max-body", value, "expected bytes, 0 to 1073741824");
            break;
        case OPT_FOLLOW:
            r->http.follow_redirects = 1;
            break;
        case OPT_ENV_PROXY:
            r->http.env_proxy = 1;
            break;
        case OPT_INSECURE:
            r->http.insecure = 1;
            break;
        case OPT_REPLAY:
            r->replay = value;
            break;
        case ARGS_OPERAND:
            if (r->url) {
                cli_error("probe: more than one URL ('%s' and '%s')", r->url, value);
                return CLI_EXIT_USAGE;
            }
            r->url = value;
            break;
        default:
            return CLI_EXIT_USAGE; /* args_next printed why */
        }
    }
    if (!r->url) {
        cli_error("probe: a URL is required (see 'corshdr probe --help')");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* A usage error naming where and why the library rejected an option's value. */
static int bad_value(const char *option, const char *value, corshdr_status st, const corshdr_error *err)
{
    if (err->offset != CORSHDR_NPOS)
        cli_error("probe: %s '%s': %s (%s) at byte %zu: expected %s", option, value, corshdr_strerror(st),
                  corshdr_err_name(st), err->offset + 1, err->expected);
    else
        cli_error("probe: %s '%s': %s (%s): expected %s", option, value, corshdr_strerror(st),
                  corshdr_err_name(st), err->expected);
    return CLI_EXIT_USAGE;
}

static const corshdr_error no_error = {CORSHDR_OK, CORSHDR_NPOS, CORSHDR_NPOS, 0, ""};

static void lowercase(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s + 32);
}

/* The URL: http or https with a host; its origin (default port left out) and its path and query. */
static int read_url(struct run *r)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    int status = CLI_EXIT_OK;
    if (!u)
        return out_of_memory();
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, r->url, 0);
    if (uc != CURLUE_OK) {
        status = usage_error("URL", r->url, curl_url_strerror(uc));
    } else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        status = usage_error("URL", r->url, "only http and https URLs can be probed");
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        status = usage_error("URL", r->url, "the URL has no host");
    } else {
        (void)curl_url_get(u, CURLUPART_PORT, &port, 0);
        (void)curl_url_get(u, CURLUPART_PATH, &path, 0);
        (void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
        lowercase(host);
        /* A serialized origin leaves the scheme's default port out. */
        int default_port = port && ((strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
                                    (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0));
        size_t n = strlen(scheme) + strlen(host) + (port ? strlen(port) : 0) + 8;
        size_t m = (path ? strlen(path) : 1) + (query ? strlen(query) + 1 : 0) + 1;
        r->url_origin = malloc(n);
        r->url_path = malloc(m);
        if (!r->url_origin || !r->url_path) {
            status = out_of_memory();
        } else {
            snprintf(r->url_origin, n, "%s://%s%s%s", scheme, host, port && !default_port ? ":" : "",
                     port && !default_port ? port : "");
            snprintf(r->url_path, m, "%s%s%s", path ? path : "/", query ? "?" : "", query ? query : "");
        }
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

static int read_request_headers(struct run *r)
{
    static const char acrh_name[] = "Access-Control-Request-Headers";
    corshdr_field *lists = calloc(r->nnames ? r->nnames : 1, sizeof *lists);
    if (!lists)
        return out_of_memory();
    for (size_t i = 0; i < r->nnames; i++) {
        lists[i].name = (corshdr_span){acrh_name, sizeof acrh_name - 1};
        lists[i].value = (corshdr_span){r->names[i], strlen(r->names[i])};
    }
    size_t count = 0;
    corshdr_error err = no_error;
    corshdr_status st = sized_list_extract(lists, r->nnames, acrh_name, sizeof acrh_name - 1, 0, NULL,
                                           &r->name_spans, &count, &err);
    free(lists);
    if (st == CORSHDR_ENOSPC)
        return out_of_memory();
    if (st != CORSHDR_OK && st != CORSHDR_ABSENT)
        return bad_value("--request-headers", err.line < r->nnames ? r->names[err.line] : "", st, &err);
    if (sized_names_init(&r->unsafe, count) != 0)
        return out_of_memory();
    for (size_t i = 0; i < count; i++)
        (void)corshdr_names_add(&r->unsafe, r->name_spans[i].ptr, r->name_spans[i].len);
    corshdr_names_sort(&r->unsafe);
    if (r->unsafe.count && sized_names_join(&r->unsafe, ",", 1, &r->acrh, &r->acrh_len) != CORSHDR_OK)
        return out_of_memory();
    return CLI_EXIT_OK;
}

/* --header lines: a token name, a valid value, and not one of the headers the probe itself sets. */
static int check_headers(const struct run *r)
{
    static const char *const own[] = {"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"};
    for (size_t i = 0; i < r->http.nheaders; i++) {
        const char *h = r->http.headers[i];
        const char *colon = strchr(h, ':');
        if (!colon)
            return usage_error("--header", h, "expected 'Name: value'");
        corshdr_error err = no_error;
        corshdr_status st = corshdr_token_check(h, (size_t)(colon - h), &err);
        if (st != CORSHDR_OK)
            return bad_value("--header", h, st, &err);
        corshdr_span v = corshdr_value_trim(colon + 1, strlen(colon + 1));
        if ((st = corshdr_value_check(v.ptr, v.len, &err)) != CORSHDR_OK)
            return usage_error("--header", h, corshdr_strerror(st));
        for (size_t k = 0; k < sizeof own / sizeof own[0]; k++)
            if (corshdr_name_compare(h, (size_t)(colon - h), own[k], strlen(own[k])) == 0)
                return usage_error("--header", h, "the probe sets this header itself");
    }
    return CLI_EXIT_OK;
}

static int build_target(struct run *r)
{
    probe_target *t = &r->target;
    int status = read_url(r);
    if (status != CLI_EXIT_OK)
        return status;
    t->url = r->url;
    t->path = (corshdr_span){r->url_path, strlen(r->url_path)};

    const char *origin = r->origin_arg ? r->origin_arg : r->url_origin;
    corshdr_error err = no_error;
    corshdr_status st = corshdr_origin_check(origin, strlen(origin), &err);
    if (st != CORSHDR_OK)
        return r->origin_arg ? bad_value("--origin", origin, st, &err)
                             : usage_error("URL", r->url, "its host cannot be a browser's origin; give --origin");
    if (strcmp(origin, "null") == 0)
        return usage_error("--origin", origin, "the site's own origin cannot be null");
    t->origin = (corshdr_span){origin, strlen(origin)};
    t->origin_given = strcmp(origin, r->url_origin) != 0;
    split_origin(t);

    const char *method = r->method_arg ? r->method_arg : "GET";
    if ((st = corshdr_token_check(method, strlen(method), &err)) != CORSHDR_OK)
        return bad_value("--method", method, st, &err);
    if (corshdr_is_forbidden_method(method, strlen(method)))
        return usage_error("--method", method, "a forbidden method: browsers refuse to send it");
    t->method = corshdr_method_normalize(method, strlen(method));
    t->head_requests = t->method.len == 4 && memcmp(t->method.ptr, "HEAD", 4) == 0;

    t->credentials = CORSHDR_CREDENTIALS_SAME_ORIGIN;
    if (r->credentials_arg &&
        cli_credentials_parse(r->credentials_arg, strlen(r->credentials_arg), &t->credentials) != 0)
        return usage_error("--credentials", r->credentials_arg, "expected omit, same-origin or include");
    if ((status = read_request_headers(r)) != CLI_EXIT_OK || (status = check_headers(r)) != CLI_EXIT_OK)
        return status;
    t->unsafe = &r->unsafe;
    t->acrh = r->acrh ? (corshdr_span){r->acrh, r->acrh_len} : (corshdr_span){NULL, 0};
    return CLI_EXIT_OK;
}

/* ---- running the battery -------------------------------------------------------------------------------- */

/* Requests whose failure is a result (the server breaking under them), not a reason to stop. */
static int may_fail(const probe_request *rq)
{
    return rq->role == PROBE_ROLE_CRLF || rq->role == PROBE_ROLE_HOSTILE_ACRH;
}

static int send_all(struct run *r, double *elapsed)
{
    char err[256];
    int rc = r->replay ? probe_replay_open(&r->transport, r->replay, err, sizeof err)
                       : probe_http_open(&r->transport, &r->http, err, sizeof err);
    if (rc != 0) {
        cli_error("probe: %s", err);
        return r->replay ? CLI_EXIT_USAGE : CLI_EXIT_INPUT;
    }
    r->responses = calloc(r->plan.count ? r->plan.count : 1, sizeof *r->responses);
    if (!r->responses)
        return out_of_memory();
    *elapsed = 0;
    for (size_t i = 0; i < r->plan.count; i++) {
        const probe_request *rq = &r->plan.items[i];
        probe_response *resp = &r->responses[i];
        if (r->transport.send(r->transport.ctx, &r->target, rq, resp) != 0 ||
            (!resp->failed && probe_response_parse(resp) != 0))
            return out_of_memory();
        *elapsed += resp->elapsed_ms;
        if (may_fail(rq) || (!resp->failed && !resp->malformed))
            continue;
        if (resp->unreachable)
            cli_error("probe: cannot reach %s: %s", r->url, resp->error);
        else
            cli_error("probe: %s: %s answer to request '%s' (%s): %s", resp->url ? resp->url : r->url,
                      resp->failed && !resp->bad_reply ? "no" : "malformed", rq->name,
                      rq->preflight ? "OPTIONS" : r->target.head_requests ? "HEAD" : "GET", resp->error);
        return CLI_EXIT_INPUT;
    }
    return CLI_EXIT_OK;
}

static int probe_main(struct run *r, int argc, char **argv)
{
    int status = parse_options(r, argc, argv);
    if (status != CLI_EXIT_OK)
        return status < 0 ? cli_flush(CLI_EXIT_OK) : status;
    if ((status = build_target(r)) != CLI_EXIT_OK)
        return status;
    if (probe_plan_build(&r->target, &r->plan) != 0)
        return out_of_memory();
    double elapsed;
    if ((status = send_all(r, &elapsed)) != CLI_EXIT_OK)
        return status;
    probe_check_options copt = {r->slow_ms, (double)r->http.timeout_ms};
    if (probe_analyze(&r->target, &r->plan, r->responses, &copt, &r->findings) != 0)
        return out_of_memory();
    probe_run run = {&r->target, &r->plan, r->responses, &r->findings, r->fail_on, r->http.nheaders, elapsed};
    int written = r->json ? probe_report_json(&run, stdout) : probe_report_text(&run, stdout);
    if (written != 0) {
        cli_error("probe: cannot write the report: %s", ferror(stdout) ? strerror(errno) : "out of memory");
        return CLI_EXIT_INPUT;
    }
    return cli_flush(probe_run_failed(&run) ? CLI_EXIT_FAIL : CLI_EXIT_OK);
}

int cmd_probe(int argc, char **argv)
{
    struct run r;
    memset(&r, 0, sizeof r);
    int status = probe_main(&r, argc, argv);
    probe_free(&r);
    return status;
}
