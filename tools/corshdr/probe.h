/*
 * probe: `corshdr probe`, black-box validation of a live CORS implementation. The pieces, each in its own
 * file, share the types below:
 *   probe.c          the command: options, the target, running the battery, the exit status
 *   probe_plan.c     the battery: which requests to send, with which Origin, ACRM and ACRH (pure)
 *   probe_http.c     the transport: libcurl, raw response heads, limits, no redirect unless asked
 *   probe_replay.c   a transport without network, answering from canned heads (tests)
 *   probe_checks.c   the findings: every response read by the library, each finding with its proof (pure)
 *   probe_report.c   the findings as text or JSON
 * Data flows one way: plan -> transport -> responses -> checks -> findings -> report.
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
 * answer, CLI_EXIT_USAGE, CLI_EXIT_FAIL for a finding at or above --fail-on. */
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

/* ---- the target: what the command line says about the site ----------------------------------------- */

typedef struct probe_target {
    const char *url;            /* as given */
    corshdr_span path;          /* the URL's path and query, for reports ("/api?x=1") */
    corshdr_span origin;        /* the site's own origin, serialized (--origin or the URL's origin) */
    corshdr_span scheme;        /* parts of origin: "https" */
    corshdr_span host;          /* "app.example.com", "127.0.0.1", "[::1]" */
    corshdr_span port;          /* digits, or empty for the scheme's default */
    int origin_given;           /* --origin differs from the URL's origin: the site is cross-origin */
    corshdr_span method;        /* --method, normalized as Fetch does */
    int head_requests;          /* actual requests use HEAD (--method HEAD) rather than GET */
    corshdr_credentials credentials;
    corshdr_names *unsafe;      /* --request-headers, sorted; may be empty */
    corshdr_span acrh;          /* their Access-Control-Request-Headers value; ptr NULL when none */
} probe_target;

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
    PROBE_CLASS_SUBSTRING,     /* a part of the site host: a contains-check the wrong way round */
    PROBE_CLASS_UNESCAPED_DOT, /* a dot of the host replaced by 'x': a regex with an unescaped dot */
    PROBE_CLASS_SPECIAL_CHAR,  /* host + special character + ".evil.invalid": a broken host parser */
    PROBE_CLASS_THIRD_PARTY,   /* public code-hosting origins often put on allow-lists */
    PROBE_CLASS_SUBDOMAIN,     /* "evil." + host: every subdomain trusted */
    PROBE_CLASS_HTTP,          /* the https site's host over http */
    PROBE_CLASS_COUNT
} probe_class;

typedef struct probe_request {
    char name[32];     /* stable, e.g. "origin-prefix" or "special-char-4": for reports and replay files */
    probe_role role;
    probe_class cls;   /* PROBE_ROLE_ORIGIN only */
    int preflight;     /* OPTIONS with Access-Control-Request-Method; otherwise the actual request */
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
int probe_plan_build(const probe_target *t, probe_plan *plan);
void probe_plan_free(probe_plan *plan);

/* ---- responses --------------------------------------------------------------------------------------- */

typedef struct probe_response {
    int failed;          /* the transport failed: error says why; no head */
    int timed_out;       /* ... because a timeout ran out */
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
    long timeout_ms;
    size_t max_head;       /* bytes of a response head */
    size_t max_body;       /* body bytes read before the transfer is cut */
    int follow_redirects;  /* actual requests only, same host only */
    int env_proxy;         /* use the proxy the environment names */
    int insecure;          /* skip TLS verification */
    const char **headers;  /* extra "Name: value" lines from --header */
    size_t nheaders;
} probe_http_options;

/* A transport sends one request of the plan and fills a response (raw head, timing, or a failure).
 * It returns 0, or -1 for an error of the tool itself (out of memory), with a message in the response. */
typedef struct probe_transport {
    void *ctx;
    int (*send)(void *ctx, const probe_target *t, const probe_request *rq, probe_response *out);
    void (*close)(void *ctx);
} probe_transport;

/* libcurl. 0, or -1 with a message in err. */
int probe_http_open(probe_transport *tr, const probe_http_options *opt, char *err, size_t errlen);

/* Canned responses from a JSON file (see probe_replay.c). 0, or -1 with a message in err. */
int probe_replay_open(probe_transport *tr, const char *path, char *err, size_t errlen);

/* ---- the report ---------------------------------------------------------------------------------------- */

typedef struct probe_run {
    const probe_target *target;
    const probe_plan *plan;
    const probe_response *responses;
    const probe_findings *findings;
    probe_severity fail_on;
    size_t nheaders;       /* --header lines sent with every request (not shown: they may hold secrets) */
    double elapsed_ms;     /* the whole battery */
} probe_run;

/* 1 when a finding is at or above fail_on. */
int probe_run_failed(const probe_run *run);

/* 0, or -1 on a write or memory error. */
int probe_report_text(const probe_run *run, FILE *out);
int probe_report_json(const probe_run *run, FILE *out);

#endif
