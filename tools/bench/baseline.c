#include "baseline.h"

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
    size_t count = 0, i = 0;
    while (i <= n) {
        size_t start = i;
        while (i < n && p[i] != ',')
            i++;
        size_t s = start, e = i;
        while (s < e && (p[s] == ' ' || p[s] == '\t'))
            s++;
        while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
            e--;
        for (size_t k = s; k < e; k++)
            if (!table[(unsigned char)p[k]])
                return (size_t)-1;
        if (e > s) {
            if (count < cap) {
                out[2 * count] = s;
                out[2 * count + 1] = e - s;
            }
            count++;
        }
        i++;
    }
    return count;
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
