/* names: case-insensitive header-name sets in caller storage. Sorting, not hashing: a hash table can be
 * attacked with names built to collide, while heapsort is O(n log n) comparisons for any input and needs
 * no memory beyond the caller's array (up to 16 names, insertion sort: fewer comparisons, same order). */
#include "internal.h"

void corshdr_names_init(corshdr_names *set, corshdr_name *storage, size_t cap)
{
    if (!set)
        return;
    set->items = storage;
    set->cap = storage ? cap : 0;
    set->count = 0;
    set->needed = 0;
    set->sorted = 1; /* the empty set is sorted */
}

corshdr_status corshdr_names_add(corshdr_names *set, const char *ptr, size_t len)
{
    if (!set || !span_ok(ptr, len))
        return CORSHDR_EINVAL;
    size_t seq = set->needed++;
    if (set->count >= set->cap)
        return CORSHDR_ENOSPC;
    corshdr_name *m = &set->items[set->count++];
    m->name = span_make(ptr, len);
    m->seq = seq;
    m->mark = 0;
    set->sorted = 0;
    return CORSHDR_OK;
}

/* Lowercase byte order, then order of addition: equal names end up with the first spelling in front. */
static int before(const corshdr_name *a, const corshdr_name *b)
{
    int c = name_cmp(a->name.ptr, a->name.len, b->name.ptr, b->name.len);
    return c < 0 || (c == 0 && a->seq < b->seq);
}

static void sift_down(corshdr_name *v, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && before(&v[child], &v[child + 1]))
            child++;
        if (!before(&v[root], &v[child]))
            return;
        corshdr_name tmp = v[root];
        v[root] = v[child];
        v[child] = tmp;
        root = child;
    }
}

/* The few names of one response or request: insertion sort does fewer comparisons than heapsort there,
 * and its n^2 / 2 worst case is bounded by this size. */
enum { SMALL_SET = 16 };

/* The first 8 bytes of a name, lowercased, as a big-endian number (shorter names padded with 0, which
 * sorts first as a shorter name does): most comparisons end on it. */
static uint64_t sort_key(const corshdr_span *s)
{
    if (s->len >= 8)
        return key8(s->ptr);
    uint64_t k = 0;
    for (size_t i = 0; i < 8; i++)
        k = k << 8 | (i < s->len ? ch_lower((unsigned char)s->ptr[i]) : 0);
    return k;
}

/* Insertion sort on the keys, the whole order only where keys tie; the members move once, at the end. */
static void insertion_sort(corshdr_name *v, size_t n)
{
    uint64_t key[SMALL_SET];
    unsigned char order[SMALL_SET];
    for (size_t i = 0; i < n; i++) {
        uint64_t k = sort_key(&v[i].name);
        size_t j = i;
        for (; j > 0 && (k < key[j - 1] || (k == key[j - 1] && before(&v[i], &v[order[j - 1]]))); j--) {
            key[j] = key[j - 1];
            order[j] = order[j - 1];
        }
        key[j] = k;
        order[j] = (unsigned char)i;
    }
    corshdr_name sorted[SMALL_SET];
    for (size_t i = 0; i < n; i++)
        sorted[i] = v[order[i]];
    memcpy(v, sorted, n * sizeof *v);
}

void corshdr_names_sort(corshdr_names *set)
{
    if (!set || set->sorted)
        return;
    corshdr_name *v = set->items;
    size_t n = set->count;
    if (n <= SMALL_SET) {
        insertion_sort(v, n);
    } else {
        for (size_t i = n / 2; i-- > 0;)
            sift_down(v, i, n);
        for (size_t end = n; end > 1; end--) {
            corshdr_name tmp = v[0];
            v[0] = v[end - 1];
            v[end - 1] = tmp;
            sift_down(v, 0, end - 1);
        }
    }
    /* Fetch "convert header names to a sorted-lowercase set": keep one member per lowercase name. */
    size_t w = 0;
    for (size_t r = 0; r < n; r++) {
        if (w > 0 && name_cmp(v[w - 1].name.ptr, v[w - 1].name.len, v[r].name.ptr, v[r].name.len) == 0)
            continue;
        v[w++] = v[r];
    }
    set->count = w;
    set->sorted = 1;
}

corshdr_status corshdr_names_find(const corshdr_names *set, const char *ptr, size_t len, size_t *index)
{
    if (!set || !span_ok(ptr, len) || !set->sorted)
        return CORSHDR_EINVAL;
    size_t lo = 0, hi = set->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const corshdr_span *m = &set->items[mid].name;
        int c = name_cmp(m->ptr, m->len, ptr, len);
        if (c == 0) {
            if (index)
                *index = mid;
            return CORSHDR_OK;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return CORSHDR_ABSENT;
}

corshdr_status corshdr_names_join(const corshdr_names *set, const char *sep, size_t sep_len, char *buf, size_t cap,
                                  size_t *len)
{
    if (!set || !len || !span_ok(sep, sep_len) || (!buf && cap) || !set->sorted)
        return CORSHDR_EINVAL;
    size_t need = 0;
    for (size_t i = 0; i < set->count; i++)
        need += set->items[i].name.len + (i ? sep_len : 0);
    *len = need;
    if (need > cap)
        return CORSHDR_ENOSPC;
    size_t at = 0;
    for (size_t i = 0; i < set->count; i++) {
        if (i && sep_len) {
            memcpy(buf + at, sep, sep_len);
            at += sep_len;
        }
        const corshdr_span *m = &set->items[i].name;
        for (size_t k = 0; k < m->len; k++)
            buf[at++] = (char)ch_lower((unsigned char)m->ptr[k]);
    }
    return CORSHDR_OK;
}
