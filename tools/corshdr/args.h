/* args: a small command-line option reader. getopt_long is a GNU extension and the tool is strict C11 +
 * POSIX, so this reads what the commands need: --name VALUE, --name=VALUE, --flag, -h, "--" and "-". */
#ifndef CORSHDR_TOOL_ARGS_H
#define CORSHDR_TOOL_ARGS_H

#include <stddef.h>

typedef struct args_option {
    const char *name; /* the long name, without "--" */
    char short_name;  /* a one-letter alias such as 'h', or 0 */
    int has_value;    /* 1 when the option takes a value */
    int id;           /* what args_next returns for it; >= 0 */
} args_option;

typedef struct args {
    int argc;
    char **argv;
    int index;           /* the next argv element to read */
    int operands_only;   /* set after "--" */
    const char *command; /* for messages, e.g. "check" */
} args;

enum {
    ARGS_END = -1,     /* no argument left */
    ARGS_OPERAND = -2, /* *value is an operand (a file name, or "-") */
    ARGS_ERROR = -3    /* an unknown option or a missing value: the error line is printed */
};

/* Starts reading argv[1..argc) (argv[0] is the command's name). */
void args_init(args *a, int argc, char **argv, const char *command);

/* The id of the next option (with *value set when it takes one), or ARGS_END, ARGS_OPERAND, ARGS_ERROR.
 * opts ends with an entry whose name is NULL. */
int args_next(args *a, const args_option *opts, const char **value);

/* Reads an option's value as a decimal count of at most max: digits only (no sign, no space, no suffix).
 * 0 with *out set, or -1 for anything else, so a caller names the option in its own error line. */
int args_size(const char *s, size_t max, size_t *out);

#endif
