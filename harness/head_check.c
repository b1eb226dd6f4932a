/*
 * head_check: the checks of the head targets (fuzz_head.c, fuzz_head_limits.c) on one response head:
 * head_parse (tools/corshdr/head.h) against a small line-by-line restatement of its documented rules
 * (status line, field lines split at the first colon, obs-fold / whitespace-before-colon / missing-colon
 * rejected, the blank line ends the head, at most HEAD_MAX_BYTES bytes and HEAD_MAX_LINES lines): same
 * code, same error line, the same field spans, status and length; fields are spans inside the head; a
 * field array one short gives HEAD_ETOOMANY; then the CORS check, the exposed filter, Max-Age and a
 * preflight over the fields agree with the oracle.
 */
#include "head_check.h"

#include <string.h>

#include "head.h"

static int digit(char c)
{
    return c >= '0' && c <= '9';
}

/* status-line = HTTP-version SP 3DIGIT [SP reason-phrase], versions HTTP/1.x, HTTP/2, HTTP/2.0, HTTP/3,
 * HTTP/3.0 (head.h), status 100-599, reason bytes HTAB, SP, VCHAR, obs-text. */
static int status_line_ok(const char *p, size_t n, int *status)
{
    size_t i;
    if (n < 5 || memcmp(p, "HTTP/", 5) != 0)
        return 0;
    if (n >= 8 && p[5] == '1' && p[6] == '.' && digit(p[7]))
        i = 8;
    else if (n >= 8 && (p[5] == '2' || p[5] == '3') && p[6] == '.' && p[7] == '0')
        i = 8;
    else if (n >= 6 && (p[5] == '2' || p[5] == '3'))
        i = 6;
    else
        return 0;
    if (i + 4 > n || p[i] != ' ' || !digit(p[i + 1]) || !digit(p[i + 2]) || !digit(p[i + 3]) || p[i + 1] < '1' ||
        p[i + 1] > '5')
        return 0;
    *status = (p[i + 1] - '0') * 100 + (p[i + 2] - '0') * 10 + (p[i + 3] - '0');
    i += 4;
    if (i < n && p[i] != ' ')
        return 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c != '\t' && (c < 0x20 || c == 0x7f))
            return 0;
    }
    return 1;
}

typedef struct expect {
    head_code code;
    size_t line;
    int status;
    size_t nfields;
    size_t length;
} expect;

/* The documented reader, restated: fills fields (room for cap) and returns what head_parse must say. */
static expect reread(const char *buf, size_t len, corshdr_field *fields, size_t cap)
{
    expect e = {HEAD_OK, 0, 0, 0, 0};
    size_t pos = 0, line = 0;
    while (pos < len || line == 0) {
        line++;
        /* A line ends at LF (one CR before it dropped) or at the end of the buffer. */
        const char *lf = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
        size_t end = lf ? (size_t)(lf - buf) : len, next = lf ? end + 1 : len;
        /* The head is at most HEAD_MAX_BYTES, its blank line included: in a longer buffer, a line whose LF
         * is not within the first HEAD_MAX_BYTES bytes is too big, whatever it holds. */
        if (len > HEAD_MAX_BYTES && (!lf || end >= HEAD_MAX_BYTES)) {
            e.code = HEAD_ETOOBIG;
            e.line = line;
            return e;
        }
        if (lf && end > pos && buf[end - 1] == '\r')
            end--;
        const char *p = buf + pos;
        size_t n = end - pos;
        if (line == 1) {
            if (len == 0 || !status_line_ok(p, n, &e.status)) {
                e.code = HEAD_ESTATUS;
                e.line = 1;
                return e;
            }
            pos = next;
            continue;
        }
        if (n == 0) {
            pos = next;
            break;
        }
        if (line > HEAD_MAX_LINES) {
            e.code = HEAD_ETOOMANY;
            e.line = line;
            return e;
        }
        const char *colon = memchr(p, ':', n);
        if (p[0] == ' ' || p[0] == '\t')
            e.code = HEAD_EFOLD;
        else if (!colon)
            e.code = HEAD_ECOLON;
        else if (colon > p && (colon[-1] == ' ' || colon[-1] == '\t'))
            e.code = HEAD_ESPACE;
        else if (e.nfields >= cap)
            e.code = HEAD_ETOOMANY;
        if (e.code != HEAD_OK) {
            e.line = line;
            return e;
        }
        fields[e.nfields].name.ptr = p;
        fields[e.nfields].name.len = (size_t)(colon - p);
        fields[e.nfields].value.ptr = colon + 1;
        fields[e.nfields].value.len = n - (size_t)(colon - p) - 1;
        e.nfields++;
        pos = next;
    }
    e.length = pos;
    return e;
}

void head_check(fuzz_input *in, const char *buf, size_t size)
{
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += buf[i] == '\n';
    size_t cap = lines < HEAD_MAX_FIELDS ? lines : HEAD_MAX_FIELDS;
    corshdr_field *fields = fin_alloc(in, cap * sizeof *fields);
    corshdr_field *mine = fin_alloc(in, cap * sizeof *mine);
    head_info info;
    head_error err;
    memset(&err, 0, sizeof err);
    head_code code = head_parse(buf, size, fields, cap, &info, &err);
    expect e = reread(buf, size, mine, cap);
    FUZZ_CHECK(code == e.code, "head_parse = %d (%s) at line %zu, expected %d at line %zu", (int)code,
               head_strerror(code), err.line, (int)e.code, e.line);
    if (code != HEAD_OK) {
        FUZZ_CHECK(err.code == code && err.line == e.line && err.column >= 1 && err.expected,
                   "head error record: code %d line %zu (expected %zu) column %zu", (int)err.code, err.line, e.line,
                   err.column);
        return;
    }
    FUZZ_CHECK(info.status == e.status && info.nfields == e.nfields && info.length == e.length,
               "head_parse: status %d, %zu fields, length %zu; expected %d, %zu, %zu", info.status, info.nfields,
               info.length, e.status, e.nfields, e.length);
    size_t n = info.nfields;
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(fields[i].name.ptr == mine[i].name.ptr && fields[i].name.len == mine[i].name.len &&
                       fields[i].value.ptr == mine[i].value.ptr && fields[i].value.len == mine[i].value.len,
                   "field %zu: %s: %s, expected %s: %s", i, fuzz_esc_span(fields[i].name), fuzz_esc_span(fields[i].value),
                   fuzz_esc_span(mine[i].name), fuzz_esc_span(mine[i].value));
        FUZZ_CHECK(fields[i].value.ptr + fields[i].value.len <= buf + info.length, "field %zu past the head", i);
        FUZZ_CHECK(head_field_line(i) >= 2, "head_field_line");
    }
    if (n > 0) {
        corshdr_field *fewer = fin_alloc(in, (n - 1) * sizeof *fewer);
        head_info i2;
        FUZZ_CHECK(head_parse(buf, size, fewer, n - 1, &i2, NULL) == HEAD_ETOOMANY, "one field short is not ETOOMANY");
    }

    /* The library over the fields, as `corshdr check` uses it. */
    static const char origin[] = "https://app.example";
    oracle_limits lim = {CORSHDR_DEFAULT_MAX_ELEMENTS, CORSHDR_DEFAULT_MAX_EMPTY, CORSHDR_DEFAULT_MAX_BYTES};
    for (int c = 0; c < 3; c++) {
        corshdr_credentials cred = (corshdr_credentials)c;
        corshdr_status st = corshdr_cors_check(fields, n, origin, strlen(origin), cred, NULL);
        corshdr_status want = oracle_cors_check(fields, n, origin, strlen(origin), cred);
        FUZZ_CHECK(st == want, "cors_check = %s, oracle %s", corshdr_err_name(st), corshdr_err_name(want));

        corshdr_names set;
        corshdr_names_init(&set, fin_alloc(in, n * sizeof(corshdr_name)), n);
        st = corshdr_exposed_filter(fields, n, cred, NULL, &set, NULL);
        olist readable = {0};
        want = oracle_exposed(fields, n, cred, &lim, &readable);
        FUZZ_CHECK(st == want, "exposed_filter = %s, oracle %s", corshdr_err_name(st), corshdr_err_name(want));
        if (st == CORSHDR_OK) {
            size_t len = 0;
            (void)corshdr_names_join(&set, ",", 1, NULL, 0, &len);
            char *j = fin_alloc(in, len);
            (void)corshdr_names_join(&set, ",", 1, j, len, &len);
            ostr w = olist_join(&readable, ",", 1);
            FUZZ_CHECK(w.n == len && (len == 0 || memcmp(w.p, j, len) == 0), "readable %s, oracle %s",
                       fuzz_esc(j, len), fuzz_esc(w.p, w.n));
            ostr_free(&w);
        }
        olist_free(&readable);

        /* `corshdr check --preflight --method PUT --request-headers "content-type, x-trace-id"` */
        static const char *const names[] = {"content-type", "x-trace-id"};
        corshdr_span spans[2];
        corshdr_names req_set;
        corshdr_names_init(&req_set, fin_alloc(in, 2 * sizeof(corshdr_name)), 2);
        for (int k = 0; k < 2; k++) {
            spans[k] = fin_copy(in, names[k], strlen(names[k]));
            (void)corshdr_names_add(&req_set, spans[k].ptr, spans[k].len);
        }
        corshdr_request req;
        memset(&req, 0, sizeof req);
        req.origin = fin_copy(in, origin, strlen(origin));
        req.method = fin_copy(in, "PUT", 3);
        req.credentials = cred;
        req.headers = &req_set;
        uint32_t age = 0, want_age = 0;
        st = corshdr_preflight_check(&req, info.status, fields, n, NULL, &age, NULL);
        oracle_request oreq = {req.origin, req.method, cred, spans, 2, 0, 0};
        int verdict = oracle_preflight(&oreq, info.status, fields, n, &lim, &want_age);
        FUZZ_CHECK(verdict < 0 ? st == CORSHDR_ENAME || st == CORSHDR_EVALUE
                               : (st == CORSHDR_OK) == verdict && (!verdict || age == want_age),
                   "preflight = %s %u, oracle %d %u", corshdr_err_name(st), age, verdict, want_age);
    }
    uint32_t s1 = 0, s2 = 0;
    corshdr_status a = corshdr_max_age_parse(fields, n, &s1, NULL), b = oracle_max_age(fields, n, &s2);
    FUZZ_CHECK(a == b && s1 == s2, "max_age = %s %u, oracle %s %u", corshdr_err_name(a), s1, corshdr_err_name(b), s2);
}
