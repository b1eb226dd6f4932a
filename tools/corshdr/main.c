/* corshdr: the command-line tool. main only dispatches: each command lives in its own file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "corshdr.h"
#include "probe.h"

static const char usage[] =
    "usage: corshdr COMMAND [options]\n"
    "       corshdr --help | --version\n"
    "\n"
    "Strict checks of CORS response headers, as browsers make them (WHATWG Fetch, RFC 9110).\n"
    "\n"
    "commands:\n"
    "  check     say whether a raw HTTP response head passes the CORS check or the preflight for a\n"
    "            request, which headers script may read, and why anything fails (line and byte)\n"
    "  conform   the conformance adapter: JSON Lines cases in, JSON Lines results out\n"
    "  probe     send a battery of CORS requests to a live server and report what its answers\n"
    "            allow, each finding with an ID, a severity, the request and the proving lines\n"
    "\n"
    "'corshdr COMMAND --help' describes a command; man corshdr has examples.\n";

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"check", cmd_check},
    {"conform", cmd_conform},
    {"probe", cmd_probe},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_error("a command is needed (see 'corshdr --help')");
        return CLI_EXIT_USAGE;
    }
    const char *word = argv[1];
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) {
        fputs(usage, stdout);
        return cli_flush(CLI_EXIT_OK);
    }
    if (strcmp(word, "--version") == 0) {
        printf("corshdr %s\n", corshdr_version());
        return cli_flush(CLI_EXIT_OK);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(word, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (word[0] == '-')
        cli_error("unknown option '%s' (see 'corshdr --help')", word);
    else
        cli_error("unknown command '%s' (see 'corshdr --help')", word);
    return CLI_EXIT_USAGE;
}
