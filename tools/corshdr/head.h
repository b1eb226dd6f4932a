/*
 * head: reads a raw HTTP/1.x response head (RFC 9112 §2, §4, §5) into corshdr field spans.
 *
 * Pure: no I/O, no allocation, no global state, and nothing outside buf[0, len) is read, so a fuzz target
 * can call head_parse on any bytes. The reader only finds the structure (status line, field lines, the
 * blank line); it does not judge names or values, so that the library reports those with its own rules
 * (a NUL in a value is the library's network error, not a reader error).
 */
#ifndef CORSHDR_TOOL_HEAD_H
#define CORSHDR_TOOL_HEAD_H

#include <stddef.h>

#include "corshdr.h"

/* Limits on what a hostile or broken file can make the tool hold. */
#define HEAD_MAX_BYTES ((size_t)1 << 20) /* the head, its blank line included */
#define HEAD_MAX_LINES ((size_t)10000)   /* the status line and the field lines */
#define HEAD_MAX_FIELDS (HEAD_MAX_LINES - 1)

typedef enum head_code {
    HEAD_OK = 0,
    HEAD_ESTATUS,  /* no status line, or not HTTP-version SP status-code [SP reason-phrase] */
    HEAD_ECOLON,   /* a field line without a colon */
    HEAD_ESPACE,   /* whitespace between a field name and its colon (RFC 9112 §5.1: reject) */
    HEAD_EFOLD,    /* a line starting with SP or HTAB: obs-fold (RFC 9112 §5.2), rejected */
    HEAD_ETOOBIG,  /* the head is longer than HEAD_MAX_BYTES */
    HEAD_ETOOMANY  /* more than HEAD_MAX_LINES lines, or more field lines than the caller's array holds */
} head_code;

/* Where and why the head was rejected. */
typedef struct head_error {
    head_code code;
    size_t line;          /* 1-based line of the input */
    size_t column;        /* 1-based byte column in that line */
    const char *expected; /* static text: what the reader wanted there */
} head_error;

typedef struct head_info {
    int status;           /* the status code, 100-599 */
    size_t status_column; /* 1-based column of the status code in line 1 */
    size_t nfields;       /* field lines stored */
    size_t length;        /* bytes of the head, its blank line included when there is one */
} head_info;

/*
 * Parses the head at the start of buf[0, len): the status line, then field lines up to a blank line or
 * the end of the buffer (a head without its blank line is accepted at end of input). Lines end with LF
 * or CRLF; one CR before the LF is dropped, any other CR stays in the line. Bytes after the blank line
 * (a body) are not read. Field i is stored in fields[i] as spans into buf: the name is everything before
 * the first colon, the value everything after it (untrimmed, as corshdr expects). HEAD_OK fills *info;
 * any other code fills *err (when not NULL) and leaves *info unspecified. cap may be anything;
 * HEAD_MAX_FIELDS is always enough.
 */
head_code head_parse(const char *buf, size_t len, corshdr_field *fields, size_t cap, head_info *info,
                     head_error *err);

/* A short sentence for a code; never NULL. */
const char *head_strerror(head_code code);

/* The 1-based input line of fields[index]: the status line is line 1 and no line is ever skipped. */
size_t head_field_line(size_t index);

/* The 1-based column of byte `offset` of a field's name (in_name) or of its value, as a corshdr_error
 * reports it. The name starts the line and the value starts right after the colon. */
size_t head_field_column(const corshdr_field *field, int in_name, size_t offset);

#endif
