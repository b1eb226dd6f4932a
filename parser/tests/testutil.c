#define _DEFAULT_SOURCE /* MAP_ANONYMOUS under -std=c11 */
#include "testutil.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct mapping {
    void *base;
    size_t size;
};

static struct mapping *maps;
static size_t nmaps, capmaps;

const char *guard_dup(const void *p, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data = (n + page - 1) / page * page;
    size_t size = data + page;
    char *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        fail_msg("mmap of %zu bytes failed", size);
    if (mprotect(base + data, page, PROT_NONE) != 0)
        fail_msg("mprotect failed");
    char *start = base + data - n;
    if (n)
        memcpy(start, p, n);
    if (nmaps == capmaps) {
        capmaps = capmaps ? capmaps * 2 : 256;
        maps = realloc(maps, capmaps * sizeof *maps);
        if (!maps)
            fail_msg("out of memory");
    }
    maps[nmaps].base = base;
    maps[nmaps].size = size;
    nmaps++;
    return start;
}

void guard_release(void)
{
    for (size_t i = 0; i < nmaps; i++)
        munmap(maps[i].base, maps[i].size);
    nmaps = 0;
}

size_t guard_live(void)
{
    return nmaps;
}

int guard_teardown(void **state)
{
    (void)state;
    guard_release();
    return 0;
}

corshdr_field field_n(const char *name, size_t name_len, const char *value, size_t value_len)
{
    corshdr_field f;
    f.name.ptr = guard_dup(name, name_len);
    f.name.len = name_len;
    f.value.ptr = guard_dup(value, value_len);
    f.value.len = value_len;
    return f;
}

corshdr_field F(const char *name, const char *value)
{
    return field_n(name, strlen(name), value, strlen(value));
}
