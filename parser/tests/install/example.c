/* Reads an Access-Control-Request-Headers field the way a server should: strictly, without allocating,
 * and prints the requested names as a sorted lowercase set. */
#include <stdio.h>
#include <string.h>

#include <corshdr.h>

int main(int argc, char **argv)
{
    const char *value = argc > 1 ? argv[1] : "X-Trace-Id, content-type,x-trace-id";
    corshdr_field field = {{"Access-Control-Request-Headers", 30}, {value, strlen(value)}};
    corshdr_span elems[32];
    size_t n;
    corshdr_error err;

    /* RFC 9110 1#field-name: at least one element, each a token, whole header or nothing. */
    corshdr_status st = corshdr_list_extract(&field, 1, "access-control-request-headers", 30,
                                             CORSHDR_LIST_NONEMPTY, NULL, elems, 32, &n, &err);
    if (st != CORSHDR_OK) {
        fprintf(stderr, "rejected: %s (%s) at byte %zu: expected %s\n", corshdr_err_name(st),
                corshdr_strerror(st), err.offset, err.expected);
        return 1;
    }

    corshdr_name storage[32];
    corshdr_names set;
    corshdr_names_init(&set, storage, 32);
    for (size_t i = 0; i < n; i++)
        corshdr_names_add(&set, elems[i].ptr, elems[i].len);
    corshdr_names_sort(&set);

    char out[256];
    size_t len;
    if (corshdr_names_join(&set, ",", 1, out, sizeof out, &len) != CORSHDR_OK)
        return 1;
    printf("%.*s\n", (int)len, out);
    return 0;
}
