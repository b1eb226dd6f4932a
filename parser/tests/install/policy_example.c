/* The server side: a policy checked and compiled once, then the CORS lines for each request. Prints
 * every problem of a bad configuration, or the answer to a preflight. */
#include <stdio.h>
#include <string.h>

#include <corshdr.h>

#define S(lit) {lit, sizeof(lit) - 1}

int main(int argc, char **argv)
{
    corshdr_span origins[] = {S("https://app.example.com"), S("https://*.tenant.example.com")};
    corshdr_span methods[] = {S("PUT"), S("DELETE")};
    corshdr_span headers[] = {S("content-type"), S("x-trace-id")};
    corshdr_span bad[] = {S("https://App.example.com/"), S("null")};
    corshdr_policy_config cfg = {0};
    cfg.origins = argc > 1 && argv[1][0] ? bad : origins; /* an argument: a configuration with problems */
    cfg.norigins = 2;
    cfg.credentials = 1;
    cfg.methods = methods;
    cfg.nmethods = 2;
    cfg.headers = headers;
    cfg.nheaders = 2;
    cfg.max_age = 600;

    static unsigned long long storage[64]; /* compile with size 0 first to learn the size */
    corshdr_policy policy;
    corshdr_problem problems[8];
    size_t n;
    if (corshdr_policy_compile(&policy, &cfg, storage, sizeof storage, problems, 8, &n) != CORSHDR_OK) {
        for (size_t i = 0; i < n && i < 8; i++)
            fprintf(stderr, "origin %zu: %s: %s\n", problems[i].index, corshdr_err_name(problems[i].code),
                    problems[i].message);
        return 1;
    }

    corshdr_field request[] = {{S("Host"), S("api.example.com")},
                               {S("Origin"), S("https://eu.tenant.example.com")},
                               {S("Access-Control-Request-Method"), S("PUT")},
                               {S("Access-Control-Request-Headers"), S("content-type,x-trace-id")}};
    corshdr_policy_answer a;
    corshdr_status st = corshdr_policy_apply(&policy, "OPTIONS", 7, request, 4, NULL, &a);
    printf("%s, status %d\n", corshdr_err_name(st), a.status);
    for (size_t i = 0; i < a.nlines; i++)
        printf("%.*s: %.*s\n", (int)a.lines[i].name.len, a.lines[i].name.ptr, (int)a.lines[i].value.len,
               a.lines[i].value.ptr);
    return 0;
}
