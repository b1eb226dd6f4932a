/* cli: error lines and credentials names shared by the commands. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    /* Flush first so the error line never lands in the middle of buffered output on a shared terminal. */
    fflush(stdout);
    fputs("corshdr: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const char *cli_escape(char *buf, const char *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t shown = n > 64 ? 64 : n, k = 0;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            buf[k++] = (char)c;
        } else {
            buf[k++] = '\\';
            buf[k++] = 'x';
            buf[k++] = hex[c >> 4];
            buf[k++] = hex[c & 15];
        }
    }
    buf[k] = '\0';
    if (shown < n)
        snprintf(buf + k, CLI_ESCAPED_SIZE - k, "... (%zu bytes)", n);
    return buf;
}

int cli_flush(int status)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return status;
    cli_error("cannot write standard output: %s", strerror(errno));
    return CLI_EXIT_INPUT;
}

/* Indexed by corshdr_credentials. */
static const char *const credentials_names[] = {"omit", "same-origin", "include"};

const char cli_credentials_list[] = "omit, same-origin, include";

int cli_credentials_parse(const char *p, size_t n, corshdr_credentials *mode)
{
    static const corshdr_credentials modes[] = {CORSHDR_CREDENTIALS_OMIT, CORSHDR_CREDENTIALS_SAME_ORIGIN,
                                                CORSHDR_CREDENTIALS_INCLUDE};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        const char *name = credentials_names[modes[i]];
        /* Exact bytes: Fetch's RequestCredentials enum is case-sensitive. */
        if (strlen(name) == n && memcmp(name, p, n) == 0) {
            *mode = modes[i];
            return 0;
        }
    }
    return -1;
}

const char *cli_credentials_name(corshdr_credentials mode)
{
    if ((unsigned)mode < sizeof credentials_names / sizeof credentials_names[0])
        return credentials_names[mode];
    return "unknown";
}
