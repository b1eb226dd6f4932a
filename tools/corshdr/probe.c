/*
 * probe: `corshdr probe URL` and `corshdr probe --targets FILE`. Reads the command line and the targets
 * (probe_targets.c), runs every target's battery (probe_plan.c) through the engine (probe_engine.c) over a
 * transport (probe_http.c, or probe_replay.c for tests), and reports each target's findings (probe_checks.c,
 * probe_report.c), and all of them as SARIF (probe_sarif.c) when asked. The exit status says whether a
 * finding reaches --fail-on, a target could not be probed, or the answers proved nothing.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "probe.h"

static const char usage[] =
    "usage: corshdr probe [options] URL\n"
    "       corshdr probe [options] --targets FILE\n"
    "\n"
    "Black-box validation of the CORS implementation answering URL (a server, a gateway, a\n"
    "middleware): sends a battery of actual and preflight requests with chosen Origin,\n"
    "Access-Control-Request-Method and -Headers values, reads every answer as a browser does, and\n"
    "reports findings, each with a stable ID, a severity, the request that showed it and the\n"
    "response lines that prove it. Only URL's host is contacted.\n"
    "\n"
    "the site:\n"
    "  --origin ORIGIN         the site's own origin, which the server should trust; untrusted\n"
    "                          origins are derived from it (default: the URL's origin)\n"
    "  --method METHOD         the method of the site's cross-origin requests, asked for in its\n"
    "                          preflight (default GET); actual requests use GET (HEAD for HEAD)\n"
    "  --request-headers NAMES the site's CORS-unsafe request-header names, comma-separated,\n"
    "                          asked for in its preflight; repeatable\n"
    "  --credentials MODE      the site's credentials mode: omit, same-origin (default), include\n"
    "  --header 'NAME: VALUE'  an extra header on every request (a cookie, a token); repeatable\n"
    "\n"
    "many targets:\n"
    "  --targets FILE          one target a line: a URL, or a JSON object with \"url\" and any of\n"
    "                          \"origin\", \"method\", \"credentials\", \"request_headers\" (the options\n"
    "                          above are the defaults); '-' reads standard input\n"
    "  --shard K/N             only the targets whose place in FILE is K modulo N (1 <= K <= N)\n"
    "  --concurrency N         requests in flight in all (default 16, at most 1024)\n"
    "  --per-host N            requests in flight to one host and port (default 4)\n"
    "\n"
    "reports:\n"
    "  --fail-on SEVERITY      exit 3 when a finding is at or above SEVERITY: info, low, medium,\n"
    "                          high (default) or critical\n"
    "  --json                  print one JSON object (a JSON Lines record a target with --targets)\n"
    "  --sarif FILE            also write every finding as a SARIF 2.1.0 log to FILE\n"
    "  --no-progress           no progress line on a terminal with --targets\n"
    "\n"
    "limits:\n"
    "  --connect-timeout SECONDS  per request (default 5)\n"
    "  --timeout SECONDS       per request, in all (default 10)\n"
    "  --deadline SECONDS      per target, its whole battery (default 60)\n"
    "  --slow MS               a hostile preflight answered slower than MS milliseconds (and 10\n"
    "                          times the median) is a finding (default 2000)\n"
    "  --max-head BYTES        an answer whose header lines (interim heads and trailers included)\n"
    "                          are longer is an error (default 65536, at most 307200)\n"
    "  --max-body BYTES        body bytes read before a transfer is cut (default 65536)\n"
    "  --follow-redirects      follow redirects of actual requests, to the same host only\n"
    "  --env-proxy             use the proxy the environment names (http_proxy, https_proxy)\n"
    "  -k, --insecure          do not verify the server's TLS certificate\n"
    "  -h, --help              print this help\n"
    "\n"
    "exit status: 0 no finding at or above --fail-on; 1 a target cannot be reached or answered\n"
    "malformed or too late; 2 bad arguments or targets; 3 a finding at or above --fail-on;\n"
    "4 inconclusive: no tried origin was allowed, not even the site's own (give --origin).\n";

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
    OPT_DEADLINE,
    OPT_SLOW,
    OPT_MAX_HEAD,
    OPT_MAX_BODY,
    OPT_FOLLOW,
    OPT_ENV_PROXY,
    OPT_INSECURE,
    OPT_TARGETS,
    OPT_SHARD,
    OPT_CONCURRENCY,
    OPT_PER_HOST,
    OPT_SARIF,
    OPT_NO_PROGRESS,
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
    {"deadline", 0, 1, OPT_DEADLINE},
    {"slow", 0, 1, OPT_SLOW},
    {"max-head", 0, 1, OPT_MAX_HEAD},
    {"max-body", 0, 1, OPT_MAX_BODY},
    {"follow-redirects", 0, 0, OPT_FOLLOW},
    {"env-proxy", 0, 0, OPT_ENV_PROXY},
    {"insecure", 'k', 0, OPT_INSECURE},
    {"targets", 0, 1, OPT_TARGETS},
    {"shard", 0, 1, OPT_SHARD},
    {"concurrency", 0, 1, OPT_CONCURRENCY},
    {"per-host", 0, 1, OPT_PER_HOST},
    {"sarif", 0, 1, OPT_SARIF},
    {"no-progress", 0, 0, OPT_NO_PROGRESS},
    /* Not in the help: canned answers instead of the network, for the tests (probe_replay.c). */
    {"replay", 0, 1, OPT_REPLAY},
    {NULL, 0, 0, 0},
};

/* Everything one run owns, released by probe_free. */
struct run {
    probe_spec spec;        /* the command line's target, or the defaults of the file's targets */
    const char **names;     /* --request-headers values */
    const char **headers;   /* --header lines */
    const char *targets_file;
    const char *sarif_file;
    const char *replay;
    size_t shard_k, shard_n;
    int json, no_progress;
    probe_severity fail_on;
    probe_http_options http;
    probe_engine_options engine;

    probe_domains *domains;
    probe_target_list list;
    probe_target *targets;
    size_t ntargets;
    probe_transport transport;
    probe_sarif *sarif;
    /* tallies of the outcomes */
    size_t results[4];
    int write_failed;
};

static void probe_free(struct run *r)
{
    if (r->transport.close)
        r->transport.close(r->transport.ctx);
    for (size_t i = 0; r->targets && i < r->ntargets; i++)
        probe_target_free(&r->targets[i]);
    free(r->targets);
    probe_targets_free(&r->list);
    probe_domains_close(r->domains);
    probe_sarif_free(r->sarif);
    free(r->names);
    free(r->headers);
}

static int out_of_memory(void)
{
    cli_error("probe: out of memory");
    return CLI_EXIT_INPUT;
}

static int usage_error(const char *option, const char *value, const char *why)
{
    char shown[CLI_ESCAPED_SIZE];
    cli_error("probe: %s '%s': %s", option, cli_escape(shown, value, strlen(value)), why);
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

/* "K/N" with 1 <= K <= N <= 100000. */
static int parse_shard(const char *s, size_t *k, size_t *n)
{
    const char *slash = strchr(s, '/');
    char head[16];
    if (!slash || (size_t)(slash - s) >= sizeof head)
        return -1;
    memcpy(head, s, (size_t)(slash - s));
    head[slash - s] = '\0';
    if (args_size(head, 100000, k) != 0 || args_size(slash + 1, 100000, n) != 0 || *k < 1 || *k > *n)
        return -1;
    return 0;
}

/* CLI_EXIT_OK to go on, -1 when help was printed, or a usage exit status. */
static int parse_options(struct run *r, int argc, char **argv)
{
    r->names = calloc((size_t)argc, sizeof *r->names);
    r->headers = calloc((size_t)argc, sizeof *r->headers);
    if (!r->names || !r->headers)
        return out_of_memory();
    r->spec.request_headers = r->names;
    r->http.headers = r->headers;
    r->fail_on = PROBE_HIGH;
    r->http.connect_timeout_ms = 5000;
    r->engine.timeout_ms = 10000;
    r->engine.deadline_ms = 60000;
    r->http.max_head = 65536;
    r->http.max_body = 65536;
    r->engine.concurrency = 16;
    r->engine.per_host = 4;
    r->engine.checks.slow_ms = 2000;

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
            r->spec.origin = value;
            break;
        case OPT_METHOD:
            r->spec.method = value;
            break;
        case OPT_REQUEST_HEADERS:
            r->names[r->spec.nrequest_headers++] = value;
            break;
        case OPT_CREDENTIALS:
            r->spec.credentials = value;
            break;
        case OPT_HEADER:
            r->headers[r->http.nheaders++] = value;
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
            if (parse_seconds(value, &r->engine.timeout_ms) != 0)
                return usage_error("--timeout", value, "expected seconds, more than 0 and at most 86400");
            break;
        case OPT_DEADLINE:
            if (parse_seconds(value, &r->engine.deadline_ms) != 0)
                return usage_error("--deadline", value, "expected seconds, more than 0 and at most 86400");
            break;
        case OPT_SLOW:
            if (args_size(value, 86400000, &n) != 0 || n == 0)
                return usage_error("--slow", value, "expected milliseconds, 1 to 86400000");
            r->engine.checks.slow_ms = (double)n;
            break;
        case OPT_MAX_HEAD:
            if (args_size(value, PROBE_MAX_HEAD_LIMIT, &r->http.max_head) != 0 || r->http.max_head < 64)
                return usage_error("--max-head", value,
                                   "expected bytes, 64 to 307200 (libcurl refuses longer answers itself)");
            break;
        case OPT_MAX_BODY:
            if (args_size(value, (size_t)1 << 30, &r->http.max_body) != 0)
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
        case OPT_TARGETS:
            r->targets_file = value;
            break;
        case OPT_SHARD:
            if (parse_shard(value, &r->shard_k, &r->shard_n) != 0)
                return usage_error("--shard", value, "expected K/N with 1 <= K <= N <= 100000");
            break;
        case OPT_CONCURRENCY:
            if (args_size(value, 1024, &r->engine.concurrency) != 0 || r->engine.concurrency == 0)
                return usage_error("--concurrency", value, "expected a number of requests, 1 to 1024");
            break;
        case OPT_PER_HOST:
            if (args_size(value, 1024, &r->engine.per_host) != 0 || r->engine.per_host == 0)
                return usage_error("--per-host", value, "expected a number of requests, 1 to 1024");
            break;
        case OPT_SARIF:
            r->sarif_file = value;
            break;
        case OPT_NO_PROGRESS:
            r->no_progress = 1;
            break;
        case OPT_REPLAY:
            r->replay = value;
            break;
        case ARGS_OPERAND:
            if (r->spec.url) {
                char one[CLI_ESCAPED_SIZE], two[CLI_ESCAPED_SIZE];
                cli_error("probe: more than one URL ('%s' and '%s'); give many with --targets FILE",
                          cli_escape(one, r->spec.url, strlen(r->spec.url)), cli_escape(two, value, strlen(value)));
                return CLI_EXIT_USAGE;
            }
            r->spec.url = value;
            break;
        default:
            return CLI_EXIT_USAGE; /* args_next printed why */
        }
    }
    if (r->targets_file && r->spec.url)
        return usage_error("URL", r->spec.url, "give either a URL or --targets FILE, not both");
    if (!r->targets_file && !r->spec.url) {
        cli_error("probe: a URL or --targets FILE is required (see 'corshdr probe --help')");
        return CLI_EXIT_USAGE;
    }
    if (r->shard_n && !r->targets_file)
        return usage_error("--shard", "", "splits a --targets FILE; there is none");
    if (r->engine.per_host > r->engine.concurrency)
        r->engine.per_host = r->engine.concurrency;
    r->http.concurrency = r->engine.concurrency;
    r->http.per_host = r->engine.per_host;
    r->engine.checks.timeout_ms = (double)r->engine.timeout_ms;
    return CLI_EXIT_OK;
}

/* ---- the targets --------------------------------------------------------------------------------------- */

static int build_targets(struct run *r)
{
    const probe_spec *specs = &r->spec;
    size_t count = 1;
    if (r->targets_file) {
        int status = probe_targets_read(r->targets_file, &r->spec, &r->list);
        if (status != CLI_EXIT_OK)
            return status;
        specs = r->list.items;
        count = r->list.count;
    }
    r->targets = calloc(count, sizeof *r->targets);
    if (!r->targets)
        return out_of_memory();
    for (size_t i = 0; i < count; i++) {
        /* A shard is the targets at places K-1, K-1+N, ...: the same split on every machine. */
        if (r->shard_n && i % r->shard_n != r->shard_k - 1)
            continue;
        int status = probe_target_build(&specs[i], r->domains, &r->targets[r->ntargets++]);
        if (status != CLI_EXIT_OK)
            return status;
    }
    return CLI_EXIT_OK;
}

/* ---- the outcomes ---------------------------------------------------------------------------------------- */

static int sink(void *ud, const probe_outcome *o)
{
    struct run *r = ud;
    probe_run run = {o, r->fail_on, r->http.nheaders};
    probe_result result = probe_run_result(&run);
    r->results[result]++;
    if (r->sarif && probe_sarif_add(r->sarif, &run) != 0) {
        out_of_memory();
        return -1;
    }
    if (!r->targets_file && o->error) {
        cli_error("probe: %s", o->error); /* one target: the error line is the whole answer */
        return 0;
    }
    int written;
    if (r->json)
        written = probe_report_json(&run, r->targets_file != NULL, stdout);
    else
        written = probe_report_text(&run, stdout) != 0 || (r->targets_file && fputc('\n', stdout) == EOF) ? -1 : 0;
    if (written != 0) {
        cli_error("probe: cannot write the report: %s", ferror(stdout) ? strerror(errno) : "out of memory");
        r->write_failed = 1;
        return -1;
    }
    return 0;
}

/* 3 when a target fails, else 1 when one could not be probed, else 4 when one is inconclusive, else 0. */
static int exit_status(const struct run *r)
{
    if (r->results[PROBE_RESULT_FAIL])
        return CLI_EXIT_FAIL;
    if (r->results[PROBE_RESULT_ERROR])
        return CLI_EXIT_INPUT;
    if (r->results[PROBE_RESULT_INCONCLUSIVE])
        return CLI_EXIT_INCONCLUSIVE;
    return CLI_EXIT_OK;
}

static int probe_main(struct run *r, int argc, char **argv)
{
    int status = parse_options(r, argc, argv);
    if (status != CLI_EXIT_OK)
        return status < 0 ? cli_flush(CLI_EXIT_OK) : status;
    char err[320];
    if (probe_domains_open(&r->domains, err, sizeof err) != 0) {
        cli_error("probe: %s", err);
        return CLI_EXIT_INPUT;
    }
    if ((status = probe_check_header_lines(r->headers, r->http.nheaders)) != CLI_EXIT_OK ||
        (status = build_targets(r)) != CLI_EXIT_OK)
        return status;
    if (r->sarif_file && !(r->sarif = probe_sarif_new()))
        return out_of_memory();
    int rc = r->replay ? probe_replay_open(&r->transport, r->replay, err, sizeof err)
                       : probe_http_open(&r->transport, &r->http, err, sizeof err);
    if (rc != 0) {
        cli_error("probe: %s", err);
        return r->replay ? CLI_EXIT_USAGE : CLI_EXIT_INPUT;
    }
    r->engine.progress = r->targets_file && !r->no_progress && isatty(STDERR_FILENO);
    if (probe_engine_run(&r->transport, r->domains, r->targets, r->ntargets, &r->engine, sink, r) != 0)
        return r->write_failed ? CLI_EXIT_INPUT : out_of_memory();
    if (r->targets_file && !r->json) {
        printf("targets:  %zu: %zu fail, %zu error, %zu inconclusive, %zu pass (--fail-on %s)\n", r->ntargets,
               r->results[PROBE_RESULT_FAIL], r->results[PROBE_RESULT_ERROR], r->results[PROBE_RESULT_INCONCLUSIVE],
               r->results[PROBE_RESULT_PASS], probe_severity_name(r->fail_on));
    }
    if (r->sarif && probe_sarif_write(r->sarif, r->sarif_file, err, sizeof err) != 0) {
        cli_error("probe: %s", err);
        return CLI_EXIT_INPUT;
    }
    return cli_flush(exit_status(r));
}

int cmd_probe(int argc, char **argv)
{
    struct run r;
    memset(&r, 0, sizeof r);
    int status = probe_main(&r, argc, argv);
    probe_free(&r);
    return status;
}
