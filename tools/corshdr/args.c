/* args: the option reader (see args.h). */
#include "args.h"

#include <string.h>

#include "cli.h"

void args_init(args *a, int argc, char **argv, const char *command)
{
    a->argc = argc;
    a->argv = argv;
    a->index = 1;
    a->operands_only = 0;
    a->command = command;
}

static int usage_error(const args *a, const char *what, const char *arg)
{
    char shown[CLI_ESCAPED_SIZE];
    cli_error("%s: %s '%s' (see 'corshdr %s --help')", a->command, what, cli_escape(shown, arg, strlen(arg)),
              a->command);
    return ARGS_ERROR;
}

int args_next(args *a, const args_option *opts, const char **value)
{
    *value = NULL;
    if (a->index >= a->argc)
        return ARGS_END;
    char *arg = a->argv[a->index++];
    /* "-" names standard input; anything not starting with '-' is an operand. */
    if (a->operands_only || arg[0] != '-' || arg[1] == '\0') {
        *value = arg;
        return ARGS_OPERAND;
    }
    if (strcmp(arg, "--") == 0) {
        a->operands_only = 1;
        return args_next(a, opts, value);
    }

    const args_option *o = NULL;
    const char *inline_value = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        for (const args_option *p = opts; p->name && !o; p++)
            if (strlen(p->name) == n && memcmp(p->name, name, n) == 0)
                o = p;
        inline_value = eq ? eq + 1 : NULL;
    } else if (arg[2] == '\0') {
        for (const args_option *p = opts; p->name && !o; p++)
            if (p->short_name && p->short_name == arg[1])
                o = p;
    }
    if (!o)
        return usage_error(a, "unknown option", arg);
    if (!o->has_value) {
        if (inline_value)
            return usage_error(a, "this option takes no value:", arg);
        return o->id;
    }
    if (inline_value) {
        *value = inline_value;
        return o->id;
    }
    if (a->index >= a->argc)
        return usage_error(a, "this option needs a value:", arg);
    *value = a->argv[a->index++];
    return o->id;
}

int args_size(const char *s, size_t max, size_t *out)
{
    size_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        size_t d = (size_t)(*s - '0');
        if (d > max || v > (max - d) / 10) /* before the multiply, so it cannot wrap */
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}
