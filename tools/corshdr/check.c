/*
 * check: `corshdr check`. Reads a response head, runs the checks a browser runs for the request the
 * options describe (Fetch: CORS check, CORS-preflight fetch, CORS filter), and reports every verdict
 * with the input line and byte it is about. Everything is decided before anything is printed, so an
 * input error never leaves half a report behind.
 */
#include "check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "sized.h"

static const char usage[] =
    "usage: corshdr check --origin ORIGIN [options] [FILE]\n"
    "\n"
    "Reads a raw HTTP/1.x response head (status line and header lines up to the blank line) from\n"
    "FILE, or standard input when FILE is absent or '-', and says what a browser decides for a\n"
    "request from ORIGIN: the CORS check, the preflight (with --preflight) and its max-age, the\n"
    "response headers script may read, and the Access-Control-Request-Headers value it sends.\n"
    "\n"
    "options:\n"
    "  --origin ORIGIN         the request's serialized origin (https://app.example) or null; required\n"
    "  --method METHOD         the request method, as the page gives it (default GET)\n"
    "  --request-headers NAMES the request's CORS-unsafe header names, comma-separated; repeatable\n"
    "  --request-header 'NAME: VALUE'\n"
    "                          one request header set by the page; corshdr decides whether it is\n"
    "                          CORS-unsafe; repeatable\n"
    "  --credentials MODE      omit, same-origin (default) or include\n"
    "  --preflight             the response answers the preflight (OPTIONS) request\n"
    "  --max-age-cap N         cap the preflight cache time at N seconds, as engines do (0: none)\n"
    "  --json                  print one JSON object instead of text\n"
    "  -h, --help              print this help\n"
    "\n"
    "exit status: 0 every check passes; 1 unreadable or malformed input; 2 bad arguments;\n"
    "3 the CORS check or the preflight fails.\n";

enum option_id {
    OPT_HELP,
    OPT_ORIGIN,
    OPT_METHOD,
    OPT_REQUEST_HEADERS,
    OPT_REQUEST_HEADER,
    OPT_CREDENTIALS,
    OPT_PREFLIGHT,
    OPT_MAX_AGE_CAP,
    OPT_JSON
};

static const args_option options[] = {
    {"help", 'h', 0, OPT_HELP},
    {"origin", 0, 1, OPT_ORIGIN},
    {"method", 0, 1, OPT_METHOD},
    {"request-headers", 0, 1, OPT_REQUEST_HEADERS},
    {"request-header", 0, 1, OPT_REQUEST_HEADER},
    {"credentials", 0, 1, OPT_CREDENTIALS},
    {"preflight", 0, 0, OPT_PREFLIGHT},
    {"max-age-cap", 0, 1, OPT_MAX_AGE_CAP},
    {"json", 0, 0, OPT_JSON},
    {NULL, 0, 0, 0},
};

/* The command line as given; repeatable options point into argv. */
struct options {
    const char *origin;
    const char *method;
    const char *credentials;
    const char *max_age_cap;
    const char *file;
    const char **names; /* --request-headers values */
    size_t nnames;
    const char **headers; /* --request-header values */
    size_t nheaders;
    int preflight;
    int json;
};

/* Everything one run owns, released by check_free. */
struct run {
    struct options opt;
    check_request req;
    corshdr_field *req_fields; /* the --request-header lines a browser would send */
    corshdr_span *req_names;   /* the --request-headers elements */
    char *buf;                 /* the input */
    size_t len;
    corshdr_field *fields;
    check_report report;
};

static void check_free(struct run *r)
{
    free(r->opt.names);
    free(r->opt.headers);
    free(r->req.unsafe.items);
    free(r->req.acrh);
    free(r->req.dropped);
    free(r->req_fields);
    free(r->req_names);
    free(r->buf);
    free(r->fields);
    free(r->report.readable.items);
    free(r->report.hidden.items);
}

static int out_of_memory(void)
{
    cli_error("check: out of memory");
    return CLI_EXIT_INPUT;
}

/* An error record that says nothing yet, for calls that may leave parts of it unset. */
static const corshdr_error no_error = {CORSHDR_OK, CORSHDR_NPOS, CORSHDR_NPOS, 0, ""};

/* ---- the command line ------------------------------------------------------------------------------------ */

/* CLI_EXIT_OK to go on, -1 when help was printed, or a usage exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
    /* Each repeatable option appears at most argc times. */
    o->names = calloc((size_t)argc, sizeof *o->names);
    o->headers = calloc((size_t)argc, sizeof *o->headers);
    if (!o->names || !o->headers)
        return out_of_memory();
    args a;
    const char *value;
    int id;
    args_init(&a, argc, argv, "check");
    while ((id = args_next(&a, options, &value)) != ARGS_END) {
        switch (id) {
        case OPT_HELP:
            fputs(usage, stdout);
            return -1;
        case OPT_ORIGIN:
            o->origin = value;
            break;
        case OPT_METHOD:
            o->method = value;
            break;
        case OPT_REQUEST_HEADERS:
            o->names[o->nnames++] = value;
            break;
        case OPT_REQUEST_HEADER:
            o->headers[o->nheaders++] = value;
            break;
        case OPT_CREDENTIALS:
            o->credentials = value;
            break;
        case OPT_PREFLIGHT:
            o->preflight = 1;
            break;
        case OPT_MAX_AGE_CAP:
            o->max_age_cap = value;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case ARGS_OPERAND:
            if (o->file) {
                char first[CLI_ESCAPED_SIZE], second[CLI_ESCAPED_SIZE];
                cli_error("check: more than one input file ('%s' and '%s')",
                          cli_escape(first, o->file, strlen(o->file)), cli_escape(second, value, strlen(value)));
                return CLI_EXIT_USAGE;
            }
            o->file = value;
            break;
        default:
            return CLI_EXIT_USAGE; /* args_next printed why */
        }
    }
    if (!o->origin) {
        cli_error("check: --origin is required (see 'corshdr check --help')");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* A usage error about one option's value, with where and why the library rejected it; the library's
 * offset counts from byte `base` of the value. */
static int bad_value(const char *option, const char *value, size_t base, corshdr_status st,
                     const corshdr_error *err)
{
    char shown[CLI_ESCAPED_SIZE];
    cli_escape(shown, value, strlen(value));
    if (err->offset != CORSHDR_NPOS)
        cli_error("check: %s '%s': %s (%s) at byte %zu: expected %s", option, shown, corshdr_strerror(st),
                  corshdr_err_name(st), base + err->offset + 1, err->expected);
    else
        cli_error("check: %s '%s': %s (%s): expected %s", option, shown, corshdr_strerror(st),
                  corshdr_err_name(st), err->expected);
    return CLI_EXIT_USAGE;
}

/* Whether a browser lets script send this header; the ones it would silently drop are recorded. */
static int keep_request_header(check_request *q, corshdr_span name, corshdr_span value)
{
    if (!corshdr_is_forbidden_request_header(name.ptr, name.len, value.ptr, value.len))
        return 1;
    q->dropped[q->ndropped++] = name;
    return 0;
}

/* The request-header names: --request-header lines decided by Fetch's "CORS-unsafe request-header
 * names", then the --request-headers elements, which are unsafe by definition. */
static int collect_unsafe_names(struct run *r)
{
    const struct options *o = &r->opt;
    check_request *q = &r->req;
    corshdr_error err = no_error;

    /* --request-headers is read as a #field-name list, like the Access-Control-Request-Headers a
     * server receives: one synthetic line per occurrence, every element a token. */
    static const char acrh_name[] = "Access-Control-Request-Headers";
    corshdr_field *lists = calloc(o->nnames ? o->nnames : 1, sizeof *lists);
    if (!lists)
        return out_of_memory();
    for (size_t i = 0; i < o->nnames; i++) {
        lists[i].name = (corshdr_span){acrh_name, sizeof acrh_name - 1};
        lists[i].value = (corshdr_span){o->names[i], strlen(o->names[i])};
    }
    size_t nnames = 0;
    corshdr_status st = sized_list_extract(lists, o->nnames, acrh_name, sizeof acrh_name - 1, 0, NULL,
                                           &r->req_names, &nnames, &err);
    free(lists);
    if (st == CORSHDR_ENOSPC)
        return out_of_memory();
    if (st != CORSHDR_OK && st != CORSHDR_ABSENT)
        return bad_value("--request-headers", err.line < o->nnames ? o->names[err.line] : "", 0, st, &err);

    r->req_fields = calloc(o->nheaders ? o->nheaders : 1, sizeof *r->req_fields);
    q->dropped = calloc(o->nheaders + nnames + 1, sizeof *q->dropped);
    if (!r->req_fields || !q->dropped || sized_names_init(&q->unsafe, o->nheaders + nnames) != 0)
        return out_of_memory();
    size_t kept = 0;
    for (size_t i = 0; i < o->nheaders; i++) {
        const char *h = o->headers[i];
        const char *colon = strchr(h, ':');
        if (!colon) {
            char shown[CLI_ESCAPED_SIZE];
            cli_error("check: --request-header '%s': expected 'Name: value'", cli_escape(shown, h, strlen(h)));
            return CLI_EXIT_USAGE;
        }
        corshdr_field f = {{h, (size_t)(colon - h)}, {colon + 1, strlen(colon + 1)}};
        if (keep_request_header(q, f.name, corshdr_value_trim(f.value.ptr, f.value.len)))
            r->req_fields[kept++] = f;
    }
    st = corshdr_unsafe_names_collect(r->req_fields, kept, &q->unsafe, &err);
    if (st == CORSHDR_ENAME || st == CORSHDR_EVALUE) {
        const corshdr_field *f = &r->req_fields[err.line < kept ? err.line : 0];
        /* the argument is "name:value": a value offset counts from after the colon */
        return bad_value("--request-header", f->name.ptr, err.in_name ? 0 : f->name.len + 1, st, &err);
    }
    if (st != CORSHDR_OK)
        return out_of_memory(); /* ENOSPC: the storage above holds every name */
    for (size_t i = 0; i < nnames; i++)
        if (keep_request_header(q, r->req_names[i], (corshdr_span){"", 0}))
            (void)corshdr_names_add(&q->unsafe, r->req_names[i].ptr, r->req_names[i].len);
    corshdr_names_sort(&q->unsafe);
    if (q->unsafe.count && sized_names_join(&q->unsafe, ",", 1, &q->acrh, &q->acrh_len) != CORSHDR_OK)
        return out_of_memory();
    return CLI_EXIT_OK;
}

/* The request from the options, each value checked as a browser would have it. */
static int build_request(struct run *r)
{
    const struct options *o = &r->opt;
    check_request *q = &r->req;
    corshdr_error err = no_error;

    /* A browser sends an origin in its serialized form; a mistyped one (a trailing slash, a default
     * port, uppercase) would make every check below fail for the wrong reason. */
    q->origin = (corshdr_span){o->origin, strlen(o->origin)};
    corshdr_status st = corshdr_origin_check(q->origin.ptr, q->origin.len, &err);
    if (st != CORSHDR_OK)
        return bad_value("--origin", o->origin, 0, st, &err);

    const char *method = o->method ? o->method : "GET";
    st = corshdr_token_check(method, strlen(method), &err);
    if (st != CORSHDR_OK)
        return bad_value("--method", method, 0, st, &err);
    if (corshdr_is_forbidden_method(method, strlen(method))) {
        char shown[CLI_ESCAPED_SIZE];
        cli_error("check: --method '%s': a forbidden method: browsers refuse to send it",
                  cli_escape(shown, method, strlen(method)));
        return CLI_EXIT_USAGE;
    }
    q->method = corshdr_method_normalize(method, strlen(method));

    q->credentials = CORSHDR_CREDENTIALS_SAME_ORIGIN;
    if (o->credentials && cli_credentials_parse(o->credentials, strlen(o->credentials), &q->credentials) != 0) {
        char shown[CLI_ESCAPED_SIZE];
        cli_error("check: --credentials '%s': expected one of %s",
                  cli_escape(shown, o->credentials, strlen(o->credentials)), cli_credentials_list);
        return CLI_EXIT_USAGE;
    }
    if (o->max_age_cap && !o->preflight) {
        cli_error("check: --max-age-cap applies to a preflight response: add --preflight");
        return CLI_EXIT_USAGE;
    }
    size_t cap = 0;
    if (o->max_age_cap && args_size(o->max_age_cap, UINT32_MAX, &cap) != 0) {
        char shown[CLI_ESCAPED_SIZE];
        cli_error("check: --max-age-cap '%s': expected a number of seconds, 0-4294967295",
                  cli_escape(shown, o->max_age_cap, strlen(o->max_age_cap)));
        return CLI_EXIT_USAGE;
    }
    if (o->max_age_cap)
        q->max_age_cap = (uint32_t)cap;
    q->preflight = o->preflight;
    return collect_unsafe_names(r);
}

/* ---- the input ------------------------------------------------------------------------------------------- */

/* Reads at most HEAD_MAX_BYTES + 1 bytes: one more than a head may hold, so that head_parse can tell a
 * head that is too long from one that ends right at the limit, without reading a large body. */
static int read_input(struct run *r)
{
    const char *path = r->opt.file;
    int from_stdin = !path || strcmp(path, "-") == 0;
    const char *name = from_stdin ? "<stdin>" : path;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        char shown[CLI_ESCAPED_SIZE];
        cli_error("check: cannot open '%s': %s", cli_escape(shown, name, strlen(name)), strerror(errno));
        return CLI_EXIT_INPUT;
    }
    size_t limit = HEAD_MAX_BYTES + 1, cap = 0;
    int status = CLI_EXIT_OK;
    while (r->len < limit) {
        if (r->len == cap) {
            size_t ncap = cap ? (cap * 2 < limit ? cap * 2 : limit) : 65536;
            char *nbuf = realloc(r->buf, ncap);
            if (!nbuf) {
                status = out_of_memory();
                break;
            }
            r->buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(r->buf + r->len, 1, cap - r->len, f);
        r->len += got;
        if (got == 0) {
            if (ferror(f)) {
                char shown[CLI_ESCAPED_SIZE];
                cli_error("check: cannot read '%s': %s", cli_escape(shown, name, strlen(name)), strerror(errno));
                status = CLI_EXIT_INPUT;
            }
            break;
        }
    }
    if (!from_stdin)
        fclose(f);
    r->report.source = name;
    return status;
}

static int parse_head(struct run *r)
{
    r->fields = calloc(HEAD_MAX_FIELDS, sizeof *r->fields);
    if (!r->fields)
        return out_of_memory();
    head_error err;
    if (head_parse(r->buf, r->len, r->fields, HEAD_MAX_FIELDS, &r->report.head, &err) != HEAD_OK) {
        char shown[CLI_ESCAPED_SIZE];
        cli_error("check: %s:%zu:%zu: %s: expected %s", cli_escape(shown, r->report.source, strlen(r->report.source)),
                  err.line, err.column, head_strerror(err.code), err.expected);
        return CLI_EXIT_INPUT;
    }
    r->report.buf = r->buf;
    r->report.fields = r->fields;
    return CLI_EXIT_OK;
}

/* ---- the checks ------------------------------------------------------------------------------------------ */

/* Places a library error in the input: a field index becomes its line, a byte offset its column. */
static finding locate(const check_report *r, corshdr_status code, const corshdr_error *err)
{
    finding f = {code, err->expected ? err->expected : "", 0, 0, CORSHDR_NPOS};
    if (code == CORSHDR_ESTATUS) {
        f.line = 1; /* the status line is not a field line: the library has no index for it */
        f.column = r->head.status_column;
    } else if (err->line < r->head.nfields) {
        f.field = err->line;
        f.line = head_field_line(err->line);
        if (err->offset != CORSHDR_NPOS)
            f.column = head_field_column(&r->fields[err->line], err->in_name, err->offset);
    }
    return f;
}

/* Fetch main fetch: the CORS filter, for a response whose CORS check passed; `hidden` gets the rest. */
static int filter_names(check_report *r)
{
    size_t n = r->head.nfields;
    if (sized_names_init(&r->readable, n) != 0 || sized_names_init(&r->hidden, n) != 0)
        return -1;
    if (r->cors_ok) {
        corshdr_error why = no_error;
        corshdr_status st = corshdr_exposed_filter(r->fields, n, r->req->credentials, NULL, &r->readable, &why);
        if (st != CORSHDR_OK)
            return -1; /* the list passed the CORS check and the storage holds every name */
        if (why.code < 0)
            r->expose_note = locate(r, why.code, &why);
    }
    for (size_t i = 0; i < n; i++)
        (void)corshdr_names_add(&r->hidden, r->fields[i].name.ptr, r->fields[i].name.len);
    corshdr_names_sort(&r->hidden);
    /* Keep the names the filter did not make readable; the set stays sorted and unique. */
    size_t w = 0;
    for (size_t i = 0; i < r->hidden.count; i++) {
        const corshdr_span *name = &r->hidden.items[i].name;
        if (corshdr_names_find(&r->readable, name->ptr, name->len, NULL) != CORSHDR_OK)
            r->hidden.items[w++] = r->hidden.items[i];
    }
    r->hidden.count = w;
    return 0;
}

static int run_checks(struct run *run)
{
    check_report *r = &run->report;
    check_request *q = &run->req;
    size_t n = r->head.nfields;
    r->req = q;
    /* Fetch: a CORS-preflight request is sent for an unsafelisted method or a CORS-unsafe header. */
    r->needs_preflight = !corshdr_is_safelisted_method(q->method.ptr, q->method.len) || q->unsafe.count > 0;

    corshdr_error err = no_error;
    corshdr_status st = corshdr_cors_check(r->fields, n, q->origin.ptr, q->origin.len, q->credentials, &err);
    r->cors_ok = st == CORSHDR_OK;
    if (!r->cors_ok)
        r->cors = locate(r, st, &err);

    if (q->preflight) {
        corshdr_request req = {q->origin, q->method, q->credentials, &q->unsafe, 0, q->max_age_cap};
        err = no_error;
        st = corshdr_preflight_check(&req, r->head.status, r->fields, n, NULL, &r->max_age, &err);
        r->preflight_ok = st == CORSHDR_OK;
        if (!r->preflight_ok)
            r->preflight = locate(r, st, &err);
        err = no_error;
        st = corshdr_max_age_parse(r->fields, n, &r->max_age_value, &err);
        if (st != CORSHDR_OK)
            r->max_age_note = locate(r, st, &err);
        return CLI_EXIT_OK;
    }
    return filter_names(r) == 0 ? CLI_EXIT_OK : out_of_memory();
}

/* ---- the report's shared reading helpers -------------------------------------------------------------- */

int report_ok(const check_report *r)
{
    return r->cors_ok && (!r->req->preflight || r->preflight_ok);
}

corshdr_span report_line(const check_report *r, size_t line)
{
    corshdr_span s = {NULL, 0};
    if (line == 1) {
        const char *lf = memchr(r->buf, '\n', r->head.length);
        s.ptr = r->buf;
        s.len = lf ? (size_t)(lf - r->buf) : r->head.length;
        if (s.len && s.ptr[s.len - 1] == '\r')
            s.len--;
    } else if (line >= 2 && line - 2 < r->head.nfields) {
        const corshdr_field *f = &r->fields[line - 2];
        s.ptr = f->name.ptr;
        s.len = (size_t)(f->value.ptr - f->name.ptr) + f->value.len;
    }
    return s;
}

corshdr_span report_finding_header(const check_report *r, const finding *f)
{
    corshdr_span none = {NULL, 0};
    return f->field < r->head.nfields ? r->fields[f->field].name : none;
}

/* ---- the command ----------------------------------------------------------------------------------------- */

static int check_main(struct run *r, int argc, char **argv)
{
    int status = parse_options(argc, argv, &r->opt);
    if (status != CLI_EXIT_OK)
        return status < 0 ? cli_flush(CLI_EXIT_OK) : status;
    if ((status = build_request(r)) != CLI_EXIT_OK || (status = read_input(r)) != CLI_EXIT_OK ||
        (status = parse_head(r)) != CLI_EXIT_OK || (status = run_checks(r)) != CLI_EXIT_OK)
        return status;
    int written = r->opt.json ? report_write_json(&r->report, stdout) : report_write_text(&r->report, stdout);
    if (written != 0) {
        cli_error("check: cannot write the report: %s", ferror(stdout) ? strerror(errno) : "out of memory");
        return CLI_EXIT_INPUT;
    }
    return cli_flush(report_ok(&r->report) ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

int cmd_check(int argc, char **argv)
{
    struct run r;
    memset(&r, 0, sizeof r);
    int status = check_main(&r, argc, argv);
    check_free(&r);
    return status;
}
