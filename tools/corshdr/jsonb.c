/* jsonb: isomorphic bytes <-> JSON strings (see jsonb.h). */
#include "jsonb.h"

#include <stdint.h>
#include <stdlib.h>

int jsonb_to_bytes(const json_t *s, char *out, size_t *len)
{
    /* jansson hands out valid UTF-8 (JSON_ALLOW_NUL keeps U+0000 as a NUL byte), so only the lead byte
     * needs a look: U+0000..U+007F is one byte, U+0080..U+00FF is C2 or C3 and one continuation byte. */
    const unsigned char *p = (const unsigned char *)json_string_value(s);
    size_t n = json_string_length(s), w = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80) {
            out[w++] = (char)p[i];
        } else if ((p[i] == 0xC2 || p[i] == 0xC3) && i + 1 < n) {
            out[w++] = (char)(((p[i] & 0x03u) << 6) | (p[i + 1] & 0x3Fu));
            i++;
        } else {
            return -1;
        }
    }
    *len = w;
    return 0;
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static json_t *from_bytes(const char *p, size_t n, int lower)
{
    if (n > (SIZE_MAX - 1) / 2)
        return NULL;
    unsigned char *buf = malloc(2 * n + 1);
    if (!buf)
        return NULL;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (lower)
            c = ascii_lower(c); /* ASCII only, as Fetch's byte-lowercase and corshdr_names_join */
        if (c < 0x80) {
            buf[w++] = c;
        } else {
            buf[w++] = (unsigned char)(0xC0u | (c >> 6));
            buf[w++] = (unsigned char)(0x80u | (c & 0x3Fu));
        }
    }
    json_t *s = json_stringn((const char *)buf, w);
    free(buf);
    return s;
}

json_t *jsonb_from_bytes(const char *p, size_t n)
{
    return from_bytes(p, n, 0);
}

json_t *jsonb_names(const corshdr_names *set)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < set->count; i++) {
        const corshdr_span *name = &set->items[i].name;
        if (json_array_append_new(array, from_bytes(name->ptr, name->len, 1)) != 0) {
            json_decref(array);
            array = NULL;
        }
    }
    return array;
}

int jsonb_print(json_t *o, FILE *out)
{
    if (!o)
        return -1;
    int rc = json_dumpf(o, out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(o);
    if (rc == 0 && fputc('\n', out) == EOF)
        rc = -1;
    return rc;
}
