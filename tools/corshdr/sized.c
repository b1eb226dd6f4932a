/* sized: size-query-then-fill wrappers over the library (see sized.h). */
#include "sized.h"

#include <stdlib.h>

/* malloc that never returns NULL for a successful zero-byte request, so "empty" and "no memory" differ. */
static void *alloc_array(size_t count, size_t size)
{
    return calloc(count ? count : 1, size);
}

corshdr_status sized_combine(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                             char **buf, size_t *len)
{
    *buf = NULL;
    corshdr_status st = corshdr_header_combine(fields, n, name, name_len, NULL, 0, len);
    if (st != CORSHDR_OK && st != CORSHDR_ENOSPC)
        return st;
    char *b = alloc_array(*len, 1);
    if (!b)
        return CORSHDR_ENOSPC;
    st = corshdr_header_combine(fields, n, name, name_len, b, *len, len);
    if (st != CORSHDR_OK) {
        free(b);
        return st;
    }
    *buf = b;
    return CORSHDR_OK;
}

corshdr_status sized_list_extract(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                  unsigned flags, const corshdr_options *opt, corshdr_span **out, size_t *count,
                                  corshdr_error *err)
{
    *out = NULL;
    /* First pass: validates the whole header and counts its elements (ENOSPC gives the count). */
    corshdr_status st = corshdr_list_extract(fields, n, name, name_len, flags, opt, NULL, 0, count, err);
    if (st != CORSHDR_OK && st != CORSHDR_ENOSPC)
        return st;
    corshdr_span *spans = alloc_array(*count, sizeof *spans);
    if (!spans)
        return CORSHDR_ENOSPC;
    st = corshdr_list_extract(fields, n, name, name_len, flags, opt, spans, *count, count, err);
    if (st != CORSHDR_OK) {
        free(spans);
        return st;
    }
    *out = spans;
    return CORSHDR_OK;
}

corshdr_status sized_names_join(const corshdr_names *set, const char *sep, size_t sep_len, char **buf,
                                size_t *len)
{
    *buf = NULL;
    corshdr_status st = corshdr_names_join(set, sep, sep_len, NULL, 0, len);
    if (st != CORSHDR_OK && st != CORSHDR_ENOSPC)
        return st;
    char *b = alloc_array(*len, 1);
    if (!b)
        return CORSHDR_ENOSPC;
    st = corshdr_names_join(set, sep, sep_len, b, *len, len);
    if (st != CORSHDR_OK) {
        free(b);
        return st;
    }
    *buf = b;
    return CORSHDR_OK;
}

int sized_names_init(corshdr_names *set, size_t cap)
{
    corshdr_name *storage = alloc_array(cap, sizeof *storage);
    corshdr_names_init(set, storage, storage ? cap : 0);
    return storage ? 0 : -1;
}
