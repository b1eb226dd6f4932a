/*
 * probe: `corshdr probe`, black-box validation of live CORS implementations. The pieces, each in its own
 * file, share the types below:
 *   probe.c          the command: options, the targets, the reports and SARIF file, the exit status
 *   probe_targets.c  the targets: a URL and the site's settings, from the command line or --targets FILE
 *   probe_domain.c   registrable domains from the Public Suffix List (libpsl)
 *   probe_plan.c     the battery: which requests to send, with which Origin, ACRM and ACRH (pure)
 *   probe_engine.c   runs the batteries of many targets at once: concurrency, deadlines, progress
 *   probe_http.c     the transport: libcurl's multi interface, raw response heads, limits
 *   probe_replay.c   a transport without network, answering from canned heads (tests)
 *   probe_checks.c   the findings and the verdict: every response read by the library (pure)
 *   probe_report.c   a target's findings as text, JSON or a JSON Lines record
 *   probe_sarif.c    the findings of every target as one SARIF 2.1.0 log
 * Data flows one way: targets -> plan -> engine + transport -> responses -> checks -> findings -> reports.
 */
#ifndef CORSHDR_TOOL_PROBE_H
#define CORSHDR_TOOL_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "corshdr.h"
#include "head.h"

/* The command's entry point (main.c): argv[0] is "probe"; the return value is the exit status, one of
 * cli.h's: 0 no finding at or above --fail-on, CLI_EXIT_INPUT for an unreachable host or a malformed
 * answer, CLI_EXIT_USAGE, CLI_EXIT_FAIL for a finding at or above --fail-on, CLI_EXIT_INCONCLUSIVE when
 * no tried origin was allowed. */
int cmd_probe(int argc, char **argv);

/* ---- severities ------------------------------------------------------------------------------------- */

typedef enum probe_severity {
    PROBE_INFO = 0,
    PROBE_LOW,
    PROBE_MEDIUM,
    PROBE_HIGH,
    PROBE_CRITICAL
} probe_severity;

#define PROBE_SEVERITY_COUNT 5

/* "info", "low", "medium", "high", "critical"; never NULL. */
const char *probe_severity_name(probe_severity s);
/* The severity named by s (exact lowercase name): 0, or -1 when it names none. */
int probe_severity_parse(const char *s, probe_severity *out);

/* ---- registrable domains (probe_domain.c) ----------------------------------------------------------- */

/* The Public Suffix List, loaded once. */
typedef struct probe_domains probe_domains;

/* The newest of libpsl's built-in list and the system's (Debian: publicsuffix). 0, or -1 with a message. */
int probe_domains_open(probe_domains **out, char *err, size_t errlen);
void probe_domains_close(probe_domains *d);

/* 1 for an IP literal ("127.0.0.1", "[::1]"). */
int probe_host_is_ip(corshdr_span host);

/* The registrable domain of a lowercase host name (public suffix plus one label): a span into host, or
 * len 0 when it has none (an IP, a public suffix itself, a name under no listed suffix such as
 * "localhost"). */
corshdr_span probe_registrable(const probe_domains *d, corshdr_span host);

/* 1 when an attacker can register the registrable domain of `host` and it is not `site` (the site's
 * registrable domain): a listed public suffix (the list's implicit "*" rule does not count), LDH labels
 * of 1 to 63 bytes, at most 253 bytes. */
int probe_attacker_domain(const probe_domains *d, corshdr_span host, corshdr_span site);

/* ---- the targets (probe_targets.c) ------------------------------------------------------------------ */

/* One target as given: borrowed strings (the command line's, or the --targets file's). */
typedef struct probe_spec {
    const char *url;
    const char *origin;             /* the site's own origin; NULL: the URL's */
    const char *method;             /* NULL: GET */
    const char *credentials;        /* NULL: same-origin */
    const char *const *request_headers; /* --request-headers values, each a comma-separated list */
    size_t nrequest_headers;
    const char *file;               /* the --targets file and the 1-based line, for messages; NULL and 0 */
    size_t line;                    /* for the command line */
} probe_spec;

/* A target ready to probe: the URL and the site's settings checked and taken apart (owned storage). */
typedef struct probe_target {
    const char *url;            /* as given */
    corshdr_span path;          /* the URL's path and query, for reports ("/api?x=1") */
    corshdr_span origin;        /* the site's own origin, serialized (--origin or the URL's origin) */
    corshdr_span scheme;        /* parts of origin: "https" */
    corshdr_span host;          /* "app.example.com", "127.0.0.1", "[::1]" */
    corshdr_span port;          /* digits, or empty for the scheme's default */
    corshdr_span registrable;   /* the host's registrable domain ("example.com"); len 0 when none */
    const char *authority;      /* the URL's host and port ("127.0.0.1:8080"): what --per-host counts */
    int origin_given;           /* the origin differs from the URL's: the site is cross-origin */
    corshdr_span method;        /* --method, normalized as Fetch does */
    int head_requests;          /* actual requests use HEAD (--method HEAD) rather than GET */
    corshdr_credentials credentials;
    corshdr_names *unsafe;      /* --request-headers, sorted; may be empty */
    corshdr_span acrh;          /* their Access-Control-Request-Headers value; ptr NULL when none */
    const char *file;           /* where the target was given, for reports: NULL and 0 for the command */
    size_t line;                /* line */
    void *storage;              /* what the spans point into */
} probe_target;

/* Checks a spec and builds its target. 0, or CLI_EXIT_USAGE after one error line naming the spec's
 * option or the file's line and key, with the offending bytes escaped; CLI_EXIT_INPUT when out of memory. */
int probe_target_build(const probe_spec *spec, const probe_domains *d, probe_target *t);
void probe_target_free(probe_target *t);

/* Extra request lines (--header): a token name, a valid value, none the probe sets itself. 0, or
 * CLI_EXIT_USAGE after an error line. */
int probe_check_header_lines(const char *const *lines, size_t n);

/* The targets of a --targets FILE ("-": standard input). One target a line: a URL, or a JSON object
 * {"url": ..., "origin": ..., "method": ..., "credentials": ..., "request_headers": "..." or [...]};
 * blank lines and lines starting with '#' are skipped. `defaults` supplies what a line leaves out. */
typedef struct probe_target_list {
    probe_spec *items;
    size_t count;
    void *storage;
} probe_target_list;

#define PROBE_TARGETS_MAX_BYTES ((size_t)64 << 20) /* the file */
#define PROBE_TARGETS_MAX_LINE ((size_t)16384)     /* one line */
#define PROBE_TARGETS_MAX ((size_t)100000)         /* targets in it */

/* 0, or CLI_EXIT_USAGE / CLI_EXIT_INPUT after an error line ("FILE:LINE: ..."). */
int probe_targets_read(const char *path, const probe_spec *defaults, probe_target_list *out);
void probe_targets_free(probe_target_list *list);

/* ---- the battery ------------------------------------------------------------------------------------ */

/* What a request is for: which checks read its response. */
typedef enum probe_role {
    PROBE_ROLE_SITE,           /* actual request from the site's origin */
    PROBE_ROLE_SITE_PREFLIGHT, /* preflight from the site's origin for --method and --request-headers */
    PROBE_ROLE_ORIGIN,         /* from an origin the site does not own; `cls` says how it was made */
    PROBE_ROLE_ACRH_MADE_UP,   /* preflight asking for header names nobody uses */
    PROBE_ROLE_ACRM_MADE_UP,   /* preflight asking for a method nobody uses */
    PROBE_ROLE_CRLF,           /* Origin carrying an encoded CR LF and a marker header line */
    PROBE_ROLE_HOSTILE_ACRH    /* preflight with a hostile Access-Control-Request-Headers */
} probe_role;

/* How an untrusted origin was derived from the site's origin. */
typedef enum probe_class {
    PROBE_CLASS_REFLECTED = 0, /* an unrelated origin: any origin is trusted */
    PROBE_CLASS_NULL,          /* the opaque origin `null` (sandboxed frames, data: URLs) */
    PROBE_CLASS_PREFIX,        /* site host + ".evil.invalid": a starts-with or unanchored match */
    PROBE_CLASS_SUFFIX,        /* "evil" + registrable domain: an ends-with match */
    PROBE_CLASS_SUBSTRING,     /* a part of the site host that is another registrable domain */
    PROBE_CLASS_UNESCAPED_DOT, /* a dot of the host replaced by 'x', giving another registrable domain */
    PROBE_CLASS_SPECIAL_CHAR,  /* host + special character + ".evil.invalid": a broken host parser */
    PROBE_CLASS_THIRD_PARTY,   /* public code-hosting origins often put on allow-lists */
    PROBE_CLASS_SUBDOMAIN,     /* "evil." + host: the site's subdomains trusted */
    PROBE_CLASS_SIBLING,       /* "evil." + registrable domain: every subdomain of it trusted */
    PROBE_CLASS_HTTP,          /* the https site's host over http */
    PROBE_CLASS_COUNT
} probe_class;

typedef struct probe_request {
    char name[32];     /* stable, e.g. "origin-prefix" or "special-char-4": for reports and replay files */
    probe_role role;
    probe_class cls;   /* PROBE_ROLE_ORIGIN only */
    int preflight;     /* OPTIONS with Access-Control-Request-Method; otherwise the actual request */
    int exclusive;     /* sent alone: nothing else of its target in flight (the first request, timed ones) */
    corshdr_span origin; /* the Origin bytes (owned by the plan) */
    corshdr_span acrm;   /* preflight: the Access-Control-Request-Method value */
    corshdr_span acrh;   /* the Access-Control-Request-Headers value; ptr NULL when not sent */
    corshdr_span marker; /* CRLF and hostile requests: a header name or element to look for */
} probe_request;

typedef struct probe_plan {
    probe_request *items;
    size_t count;
    size_t cap;
    char **strings;    /* every byte string the requests point into */
    size_t nstrings;
    size_t strings_cap;
} probe_plan;

/* The marker header name a CRLF injection would create. */
#define PROBE_MARKER_HEADER "X-Corshdr-Injected"

/* Builds the battery for the target: 0, or -1 when out of memory. Free with probe_plan_free. */
int probe_plan_build(const probe_target *t, const probe_domains *d, probe_plan *plan);
void probe_plan_free(probe_plan *plan);

/* Requests whose failure is a result (the server breaking under them), not a reason to stop. */
int probe_request_may_fail(const probe_request *rq);

/* ---- responses --------------------------------------------------------------------------------------- */

typedef struct probe_response {
    int done;            /* answered, failed or cancelled */
    int failed;          /* the transport failed: error says why; no head */
    int timed_out;       /* ... because a timeout ran out */
    int deadline;        /* ... that timeout was what was left of --deadline */
    int unreachable;     /* ... because no connection could be made (name, connect, TLS handshake) */
    int bad_reply;       /* ... because the transport itself rejected the answer as malformed */
    char error[320];     /* transport error, or why the head is malformed */
    char *head;          /* raw response head: status line, field lines, blank line (malloc'd) */
    size_t head_len;
    int malformed;       /* head_parse rejected it: herr says where */
    head_error herr;
    head_info info;      /* when a head was read and parsed */
    corshdr_field *fields;
    double elapsed_ms;   /* request sent to head received (or to the failure) */
    int body_cut;        /* the body was longer than --max-body and the transfer was cut */
    char *url;           /* the URL finally answering, when a redirect was followed (malloc'd), else NULL */
    unsigned redirects;  /* redirects followed */
    char redirect_note[160]; /* a redirect that was not followed, and why */
} probe_response;

/* Parses r->head into r->fields and r->info; sets r->malformed and r->error when the reader rejects it.
 * 0, or -1 when out of memory. */
int probe_response_parse(probe_response *r);
void probe_response_free(probe_response *r);

/* ---- findings ---------------------------------------------------------------------------------------- */

/* Every finding ID, in the order of the man page's table (and of reports within one severity). */
typedef enum probe_id {
    F_CRLF_INJECTION = 0,
    F_ORIGIN_REFLECTED_CREDENTIALS,
    F_ORIGIN_NULL_CREDENTIALS,
    F_ORIGIN_PREFIX_CREDENTIALS,
    F_ORIGIN_SUFFIX_CREDENTIALS,
    F_ORIGIN_SUBSTRING_CREDENTIALS,
    F_ORIGIN_UNESCAPED_DOT_CREDENTIALS,
    F_ORIGIN_SPECIAL_CHAR_CREDENTIALS,
    F_ORIGIN_THIRD_PARTY_CREDENTIALS,
    F_ORIGIN_SUBDOMAIN_CREDENTIALS,
    F_ORIGIN_SIBLING_CREDENTIALS,
    F_ORIGIN_HTTP_CREDENTIALS,
    F_ORIGIN_REFLECTED,
    F_ORIGIN_NULL,
    F_ORIGIN_PREFIX,
    F_ORIGIN_SUFFIX,
    F_ORIGIN_SUBSTRING,
    F_ORIGIN_UNESCAPED_DOT,
    F_ORIGIN_SPECIAL_CHAR,
    F_ORIGIN_THIRD_PARTY,
    F_ORIGIN_SUBDOMAIN,
    F_ORIGIN_SIBLING,
    F_ORIGIN_HTTP,
    F_ORIGIN_DECODED,
    F_HOSTILE_ACRH_SLOW,
    F_WILDCARD_CREDENTIALS,
    F_ACAO_MULTIPLE,
    F_ACAO_INVALID,
    F_ACAC_INVALID,
    F_ACAH_INVALID,
    F_ACAM_INVALID,
    F_ACEH_INVALID,
    F_ACEH_SET_COOKIE,
    F_HEADER_INVALID,
    F_VARY_ORIGIN_MISSING,
    F_PREFLIGHT_STATUS,
    F_MAX_AGE_INVALID,
    F_MAX_AGE_EXCESSIVE,
    F_ACRH_REFLECTED,
    F_ACRM_REFLECTED,
    F_HOSTILE_ACRH_ERROR,
    F_WILDCARD,
    F_PREFLIGHT_ONLY_HEADER,
    F_OBSOLETE_HEADER,
    F_MAX_AGE_CAPPED,
    F_HOSTILE_ACRH_ECHOED,
    F_SITE_ORIGIN_DENIED,
    F_SITE_PREFLIGHT_DENIED,
    PROBE_ID_COUNT
} probe_id;

typedef struct probe_finding_def {
    const char *name;         /* the stable ID, "CORS-ORIGIN-REFLECTED" */
    probe_severity severity;
    const char *title;        /* one line: what it means */
} probe_finding_def;

const probe_finding_def *probe_finding_info(probe_id id);

#define PROBE_MAX_EVIDENCE 6

typedef struct probe_finding {
    probe_id id;
    size_t request;        /* index in the plan of the request that showed it first */
    char detail[320];      /* what exactly was seen */
    size_t lines[PROBE_MAX_EVIDENCE]; /* 1-based lines of that response's head that prove it, ascending */
    size_t nlines;
    size_t occurrences;    /* responses that showed it */
} probe_finding;

typedef struct probe_findings {
    probe_finding items[PROBE_ID_COUNT]; /* one per ID */
    size_t count;
    int none_allowed;      /* no answer allowed any tried origin, the site's own included */
    char hint[200];        /* then: an origin some answer allowed instead (its ACAO), or "" */
} probe_findings;

typedef struct probe_check_options {
    double slow_ms;        /* a hostile-ACRH answer slower than this (and 10x the median) is slow */
    double timeout_ms;     /* for messages */
} probe_check_options;

/* Derives the findings from the responses (responses[i] answers plan->items[i]), most severe first, then
 * in ID order. Pure: no I/O. 0, or -1 when out of memory. */
int probe_analyze(const probe_target *t, const probe_plan *plan, const probe_response *responses,
                  const probe_check_options *opt, probe_findings *out);

/* The 1-based line `line` of a response head, without its line ending; ptr NULL when there is none. */
corshdr_span probe_head_line(const probe_response *r, size_t line);

/* ---- transports ---------------------------------------------------------------------------------------- */

typedef struct probe_http_options {
    long connect_timeout_ms;
    size_t max_head;       /* bytes of every header line of an answer: interim heads, the head, trailers */
    size_t max_body;       /* body bytes read before the transfer is cut */
    size_t concurrency;    /* connections in all (libcurl's limit, beside the engine's own) */
    size_t per_host;       /* ... to one host and port */
    int follow_redirects;  /* actual requests only, same host only */
    int env_proxy;         /* use the proxy the environment names */
    int insecure;          /* skip TLS verification */
    const char *const *headers; /* extra "Name: value" lines from --header */
    size_t nheaders;
} probe_http_options;

/* The most --max-head can be: libcurl (curl 8.3, and Debian 12's 7.88.1, which carries that fix) refuses an
 * answer whose header lines pass 300 KiB itself (curl: "Too large response headers"), and any single line
 * over 100 KiB (CURL_MAX_HTTP_HEADER), whatever the probe would allow. */
#define PROBE_MAX_HEAD_LIMIT ((size_t)300 * 1024)

/* One request on its way: what the engine hands a transport and gets back when it is done. */
typedef struct probe_exchange {
    const probe_target *target;
    const probe_request *request;
    probe_response *response;  /* filled by the transport; response->done set when finished */
    long timeout_ms;           /* for this request: --timeout, or what is left of --deadline */
    int deadline_bound;        /* the timeout is what was left of --deadline */
    double started_ms;         /* the engine's clock, when it was started */
    void *owner;               /* the engine's */
    void *priv;                /* the transport's */
} probe_exchange;

/* A transport runs exchanges, many at a time. start: 0, or -1 when out of memory. poll: waits at most
 * wait_ms for exchanges to finish and hands back up to cap of them; 0, or -1 when out of memory. cancel:
 * stops an exchange that has not finished (it is not handed back). */
typedef struct probe_transport {
    void *ctx;
    int (*start)(void *ctx, probe_exchange *x);
    int (*poll)(void *ctx, long wait_ms, probe_exchange **done, size_t cap, size_t *count);
    void (*cancel)(void *ctx, probe_exchange *x);
    void (*close)(void *ctx);
} probe_transport;

/* The exchanges a transport has finished and not yet handed back, in order (probe_engine.c). */
typedef struct probe_done_queue {
    probe_exchange **v;
    size_t n, cap;
} probe_done_queue;

/* Appends x: 0, or -1 when out of memory. */
int probe_done_push(probe_done_queue *q, probe_exchange *x);
/* Moves up to cap of the oldest into out: how many. */
size_t probe_done_take(probe_done_queue *q, probe_exchange **out, size_t cap);
/* Drops x if it is queued. */
void probe_done_drop(probe_done_queue *q, const probe_exchange *x);

/* libcurl's multi interface. 0, or -1 with a message in err. */
int probe_http_open(probe_transport *tr, const probe_http_options *opt, char *err, size_t errlen);

/* Canned responses from a JSON file (see probe_replay.c). 0, or -1 with a message in err. */
int probe_replay_open(probe_transport *tr, const char *path, char *err, size_t errlen);

/* ---- the engine: many targets at once (probe_engine.c) -------------------------------------------------- */

typedef struct probe_engine_options {
    size_t concurrency;    /* requests in flight, in all */
    size_t per_host;       /* ... to one host and port */
    long timeout_ms;       /* one request */
    long deadline_ms;      /* one target's whole battery */
    int progress;          /* keep a progress line on standard error (a terminal) */
    probe_check_options checks;
} probe_engine_options;

/* What became of one target, handed to the sink in the targets' order. */
typedef struct probe_outcome {
    size_t index;                    /* among the targets run */
    const probe_target *target;
    const probe_plan *plan;
    const probe_response *responses; /* responses[i] answers plan->items[i]; unsent ones are not done */
    const probe_findings *findings;  /* NULL when the target could not be probed */
    const char *error;               /* then: why, one line naming the URL and the request */
    int unreachable;                 /* ... no connection could be made at all */
    double elapsed_ms;               /* the battery, from its first request to its last answer */
} probe_outcome;

/* 0, or -1 to stop the run (a write error, reported by the sink). */
typedef int (*probe_sink)(void *ud, const probe_outcome *o);

/* Runs the battery of every target through tr and hands each outcome to sink, in order. 0; -1 when out of
 * memory or the sink stopped the run. */
int probe_engine_run(probe_transport *tr, const probe_domains *d, const probe_target *targets, size_t count,
                     const probe_engine_options *opt, probe_sink sink, void *ud);

/* ---- the reports ---------------------------------------------------------------------------------------- */

typedef enum probe_result {
    PROBE_RESULT_PASS = 0,      /* no finding at or above --fail-on, and some origin was allowed */
    PROBE_RESULT_FAIL,          /* a finding at or above --fail-on */
    PROBE_RESULT_INCONCLUSIVE,  /* no tried origin was allowed: the answers prove nothing */
    PROBE_RESULT_ERROR          /* the target could not be probed */
} probe_result;

/* "pass", "fail", "inconclusive", "error". */
const char *probe_result_name(probe_result r);

typedef struct probe_run {
    const probe_outcome *outcome;
    probe_severity fail_on;
    size_t nheaders;       /* --header lines sent with every request (not shown: they may hold secrets) */
} probe_run;

probe_result probe_run_result(const probe_run *run);

/* 0, or -1 on a write or memory error. */
int probe_report_text(const probe_run *run, FILE *out);
/* One JSON object: indented, or on one line (a JSON Lines record) when `line` is set. */
int probe_report_json(const probe_run *run, int line, FILE *out);

/* SARIF 2.1.0: results are added as targets finish, the log is written at the end. */
typedef struct probe_sarif probe_sarif;
probe_sarif *probe_sarif_new(void);
/* 0, or -1 when out of memory. */
int probe_sarif_add(probe_sarif *s, const probe_run *run);
/* Writes the log to path through a temporary file renamed into place, so that a failure never leaves a
 * partial file. 0, or -1 with a message in err. */
int probe_sarif_write(probe_sarif *s, const char *path, char *err, size_t errlen);
void probe_sarif_free(probe_sarif *s);

#endif
