/* head: the raw response-head reader (see head.h). Every scan is bounded by both len and HEAD_MAX_BYTES,
 * so the work is linear in min(len, HEAD_MAX_BYTES) whatever the input. */
#include "head.h"

#include <string.h>

static head_code fail(head_error *err, head_code code, size_t line, size_t column, const char *expected)
{
    if (err) {
        err->code = code;
        err->line = line;
        err->column = column;
        err->expected = expected;
    }
    return code;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* One line: its bytes are [start, end), without the line ending; the next line starts at next. */
struct line {
    size_t start;
    size_t end;
    size_t next;
};

/* The line starting at pos. 0 when it does not end within HEAD_MAX_BYTES of the buffer's start (only
 * possible when the buffer is longer than that: a shorter buffer's last line ends at its end). */
static int line_at(const char *buf, size_t len, size_t pos, struct line *l)
{
    size_t limit = len < HEAD_MAX_BYTES ? len : HEAD_MAX_BYTES;
    const char *lf = pos < limit ? memchr(buf + pos, '\n', limit - pos) : NULL;
    l->start = pos;
    if (lf) {
        size_t at = (size_t)(lf - buf);
        /* RFC 9112 §2.2: a recipient may take a bare LF as a line terminator; CR LF is the norm. */
        l->end = at > pos && buf[at - 1] == '\r' ? at - 1 : at;
        l->next = at + 1;
        return 1;
    }
    if (len > HEAD_MAX_BYTES)
        return 0;
    l->end = len;
    l->next = len;
    return 1;
}

/* RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]. The SP before an empty
 * reason is often left out, so it is optional. Besides HTTP/1.x, the "HTTP/2" and "HTTP/3" lines that
 * curl -i prints are accepted, so its output can be checked as it is. */
static head_code status_line(const char *p, size_t n, head_info *info, head_error *err)
{
    static const char prefix[] = "HTTP/";
    const char *want = "a status line such as HTTP/1.1 200 OK";
    size_t i = 0;
    while (i < 5 && i < n && p[i] == prefix[i])
        i++;
    if (i < 5)
        return fail(err, HEAD_ESTATUS, 1, i + 1, want);
    if (i < n && p[i] == '1') {
        if (i + 1 >= n || p[i + 1] != '.')
            return fail(err, HEAD_ESTATUS, 1, i + 2, "'.' in the version HTTP/1.x");
        if (i + 2 >= n || !is_digit((unsigned char)p[i + 2]))
            return fail(err, HEAD_ESTATUS, 1, i + 3, "a digit in the version HTTP/1.x");
        i += 3;
    } else if (i < n && (p[i] == '2' || p[i] == '3')) {
        i++;
        if (i + 1 < n && p[i] == '.' && p[i + 1] == '0')
            i += 2;
    } else {
        return fail(err, HEAD_ESTATUS, 1, i + 1, "the HTTP version: 1.x, 2 or 3");
    }
    if (i >= n || p[i] != ' ')
        return fail(err, HEAD_ESTATUS, 1, i + 1, "SP after the HTTP version");
    i++;
    size_t code = i;
    for (size_t k = 0; k < 3; k++, i++)
        if (i >= n || !is_digit((unsigned char)p[i]) || (k == 0 && (p[i] < '1' || p[i] > '5')))
            return fail(err, HEAD_ESTATUS, 1, i + 1, "a three-digit status code, 100-599");
    if (i < n && p[i] != ' ')
        return fail(err, HEAD_ESTATUS, 1, i + 1, "SP or the end of the line after the status code");
    /* reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ): no other control byte, no bare CR */
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c != '\t' && (c < 0x20 || c == 0x7f))
            return fail(err, HEAD_ESTATUS, 1, i + 1, "a reason-phrase byte: HTAB, SP, visible ASCII or obs-text");
    }
    info->status = (p[code] - '0') * 100 + (p[code + 1] - '0') * 10 + (p[code + 2] - '0');
    info->status_column = code + 1;
    return HEAD_OK;
}

head_code head_parse(const char *buf, size_t len, corshdr_field *fields, size_t cap, head_info *info,
                     head_error *err)
{
    if (!buf || !info)
        len = 0;
    if (len == 0)
        return fail(err, HEAD_ESTATUS, 1, 1, "a status line such as HTTP/1.1 200 OK");
    struct line l;
    if (!line_at(buf, len, 0, &l))
        return fail(err, HEAD_ETOOBIG, 1, HEAD_MAX_BYTES + 1, "a head of at most 1 MiB");
    head_code st = status_line(buf, l.end, info, err);
    if (st != HEAD_OK)
        return st;

    size_t n = 0, line = 1, pos = l.next;
    while (pos < len) {
        line++;
        if (!line_at(buf, len, pos, &l))
            return fail(err, HEAD_ETOOBIG, line, HEAD_MAX_BYTES - pos + 1, "a head of at most 1 MiB");
        if (l.end == l.start) {
            pos = l.next; /* the blank line that ends the head */
            break;
        }
        if (line > HEAD_MAX_LINES)
            return fail(err, HEAD_ETOOMANY, line, 1, "a head of at most 10000 lines");
        const char *p = buf + l.start;
        size_t plen = l.end - l.start;
        /* RFC 9112 §5.2: obs-fold is deprecated and a recipient may reject it; a checker must not guess
         * how each engine would unfold. §2.2 asks the same for whitespace right after the status line. */
        if (is_ows((unsigned char)p[0]))
            return fail(err, HEAD_EFOLD, line, 1,
                        line == 2 ? "a field name, not whitespace, right after the status line"
                                  : "a field name at the start of the line, not an obs-fold continuation");
        const char *colon = memchr(p, ':', plen);
        if (!colon)
            return fail(err, HEAD_ECOLON, line, plen + 1, "a field line: name ':' value");
        size_t name_len = (size_t)(colon - p);
        /* RFC 9112 §5.1: whitespace before the colon must be rejected (it enables request smuggling
         * and response splitting when two parsers disagree about the name). */
        if (name_len > 0 && is_ows((unsigned char)p[name_len - 1])) {
            size_t ws = name_len;
            while (ws > 0 && is_ows((unsigned char)p[ws - 1]))
                ws--;
            return fail(err, HEAD_ESPACE, line, ws + 1, "':' right after the field name, no whitespace");
        }
        if (n >= cap)
            return fail(err, HEAD_ETOOMANY, line, 1, "no more field lines than the caller's array holds");
        fields[n].name.ptr = p;
        fields[n].name.len = name_len;
        fields[n].value.ptr = colon + 1;
        fields[n].value.len = plen - name_len - 1;
        n++;
        pos = l.next;
    }
    info->nfields = n;
    info->length = pos;
    return HEAD_OK;
}

const char *head_strerror(head_code code)
{
    switch (code) {
    case HEAD_OK:
        return "success";
    case HEAD_ESTATUS:
        return "invalid or missing status line";
    case HEAD_ECOLON:
        return "field line without a colon";
    case HEAD_ESPACE:
        return "whitespace between a field name and its colon";
    case HEAD_EFOLD:
        return "line starts with whitespace (obs-fold continuation)";
    case HEAD_ETOOBIG:
        return "response head longer than 1 MiB";
    case HEAD_ETOOMANY:
        return "too many lines in the response head";
    }
    return "unknown head error";
}

size_t head_field_line(size_t index)
{
    return index + 2;
}

size_t head_field_column(const corshdr_field *field, int in_name, size_t offset)
{
    return in_name ? offset + 1 : field->name.len + 2 + offset;
}
