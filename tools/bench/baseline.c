#include "baseline.h"

#include <h2o/memory.h>
#include <h2o/string_.h>
#include <libsoup/soup.h>
#include <nghttp2/nghttp2.h>
#include <string.h>

/* A table of its own, so the baseline shares nothing with the library. */
static int is_tchar(unsigned char c)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
        return 1;
    return c != 0 && memchr(extra, c, sizeof extra - 1) != NULL;
}

static unsigned char table[256];

void baseline_init(void)
{
    for (int c = 0; c < 256; c++)
        table[c] = (unsigned char)is_tchar((unsigned char)c);
}

size_t naive_list_parse(const char *p, size_t n, size_t *out, size_t cap)
{
    size_t count = 0;
    const char *s = p, *end = p + n;
    for (;;) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *e = comma ? comma : end, *a = s;
        while (a < e && (*a == ' ' || *a == '\t'))
            a++;
        while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        for (const char *k = a; k < e; k++)
            if (!table[(unsigned char)*k])
                return (size_t)-1;
        if (e > a) {
            if (count < cap) {
                out[2 * count] = (size_t)(a - p);
                out[2 * count + 1] = (size_t)(e - a);
            }
            count++;
        }
        if (!comma)
            return count;
        s = comma + 1;
    }
}

int naive_token_valid(const char *p, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!table[(unsigned char)p[i]])
            return 0;
    return 1;
}

size_t memchr_scan(const char *p, size_t n)
{
    const char *hit = memchr(p, 0x01, n);
    return hit ? (size_t)(hit - p) : n;
}

size_t h2o_list_split(const char *p, size_t n, size_t *out, size_t cap)
{
    h2o_iovec_t iter = h2o_iovec_init(p, n), value;
    const char *t;
    size_t len, count = 0;
    while ((t = h2o_next_token(&iter, ',', &len, &value)) != NULL) {
        if (len == 0) /* h2o yields the empty elements; a #rule list ignores them */
            continue;
        if (count < cap) {
            out[2 * count] = (size_t)(t - p);
            out[2 * count + 1] = len;
        }
        count++;
    }
    return count;
}

size_t h2o_nghttp2_list_parse(const char *p, size_t n, size_t *out, size_t cap)
{
    h2o_iovec_t iter = h2o_iovec_init(p, n), value;
    const char *t;
    size_t len, count = 0;
    while ((t = h2o_next_token(&iter, ',', &len, &value)) != NULL) {
        if (len == 0)
            continue;
        if (!nghttp2_check_header_name((const uint8_t *)t, len))
            return (size_t)-1;
        if (count < cap) {
            out[2 * count] = (size_t)(t - p);
            out[2 * count + 1] = len;
        }
        count++;
    }
    return count;
}

int nghttp2_token_valid(const char *p, size_t n)
{
    return nghttp2_check_header_name((const uint8_t *)p, n);
}

size_t soup_list_parse(const char *z)
{
    GSList *list = soup_header_parse_list(z);
    size_t count = g_slist_length(list);
    soup_header_free_list(list);
    return count;
}
