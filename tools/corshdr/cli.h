/* cli: what every command of the corshdr tool shares: exit statuses, error lines, the credentials mode
 * names, and the commands' entry points. */
#ifndef CORSHDR_TOOL_CLI_H
#define CORSHDR_TOOL_CLI_H

#include <stddef.h>

#include "corshdr.h"

#if defined(__GNUC__)
#define CLI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CLI_PRINTF(fmt, args)
#endif

/* Exit statuses, documented in corshdr.1. */
enum {
    CLI_EXIT_OK = 0,    /* done; for check: every check asked for passes */
    CLI_EXIT_INPUT = 1, /* unreadable or malformed input, out of memory, write error */
    CLI_EXIT_USAGE = 2, /* bad command line */
    CLI_EXIT_FAIL = 3,  /* check: the CORS check or the preflight fails */
    CLI_EXIT_INCONCLUSIVE = 4 /* probe: no tried origin was allowed, so the answers prove nothing */
};

/* Prints "corshdr: " and the message as one line on stderr. */
void cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);

/* Room for cli_escape's result: 64 bytes shown, each as at most 4 characters, and the cut's note. */
#define CLI_ESCAPED_SIZE (64 * 4 + 40)

/* (p, n) made safe to echo in an error line: printable ASCII as is, a backslash and every other byte as
 * \xHH (no terminal control, no line break, nothing hidden), cut after 64 bytes with "... (N bytes)" so
 * that a huge argument cannot flood the terminal. Writes into buf (CLI_ESCAPED_SIZE bytes) and returns it. */
const char *cli_escape(char *buf, const char *p, size_t n);

/* Flushes standard output: `status`, or CLI_EXIT_INPUT after an error line when the output could not be
 * written (a full disk, a closed pipe), so that a truncated output never exits 0. */
int cli_flush(int status);

/* The credentials mode named by (p, n): "omit", "same-origin" or "include". 0 on success, -1 otherwise. */
int cli_credentials_parse(const char *p, size_t n, corshdr_credentials *mode);
/* The name of a credentials mode; never NULL. */
const char *cli_credentials_name(corshdr_credentials mode);
/* The accepted names, for messages: "omit, same-origin, include". */
extern const char cli_credentials_list[];

/* Commands: argv[0] is the command's name; the return value is the exit status. */
int cmd_conform(int argc, char **argv);
int cmd_check(int argc, char **argv);

#endif
