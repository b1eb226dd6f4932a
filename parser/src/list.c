/* list: one header over its field lines. Fetch "get", "get, decode, and split", and "extract header list
 * values" for #token headers (RFC 9110 §5.6.1 lists of §5.6.2 tokens). */
#include "internal.h"

static int line_matches(const corshdr_field *f, const char *name, size_t name_len)
{
    return name_eq(f->name.ptr, f->name.len, name, name_len);
}

static int fields_ok(const corshdr_field *fields, size_t n, const char *name, size_t name_len)
{
    return (fields || n == 0) && span_ok(name, name_len);
}

corshdr_status corshdr_header_find(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                   size_t *index)
{
    if (!fields_ok(fields, n, name, name_len))
        return CORSHDR_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (line_matches(&fields[i], name, name_len)) {
            if (index)
                *index = i;
            return CORSHDR_OK;
        }
    return CORSHDR_ABSENT;
}

corshdr_status corshdr_header_combine(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                      char *buf, size_t cap, size_t *len)
{
    if (!fields_ok(fields, n, name, name_len) || !len || (!buf && cap))
        return CORSHDR_EINVAL;
    /* Fetch "get", step 2: the values, separated by 0x2C 0x20, in order. Size first, so a short buffer
     * is never half written. */
    size_t need = 0, lines = 0;
    for (size_t i = 0; i < n; i++) {
        if (!line_matches(&fields[i], name, name_len))
            continue;
        corshdr_span v = corshdr_value_trim(fields[i].value.ptr, fields[i].value.len);
        need += v.len + (lines ? 2 : 0);
        lines++;
    }
    *len = need;
    if (lines == 0)
        return CORSHDR_ABSENT;
    if (need > cap)
        return CORSHDR_ENOSPC;
    size_t at = 0;
    for (size_t i = 0, k = 0; i < n; i++) {
        if (!line_matches(&fields[i], name, name_len))
            continue;
        corshdr_span v = corshdr_value_trim(fields[i].value.ptr, fields[i].value.len);
        if (k++) {
            buf[at++] = ',';
            buf[at++] = ' ';
        }
        if (v.len)
            memcpy(buf + at, v.ptr, v.len);
        at += v.len;
    }
    return CORSHDR_OK;
}

void corshdr_split_init(corshdr_split *s, const char *ptr, size_t len)
{
    if (!s)
        return;
    s->ptr = nonnull(ptr);
    s->len = span_ok(ptr, len) ? len : 0;
    s->pos = 0;
    s->done = 0;
}

/* Fetch "collect an HTTP quoted string" with extract-value false: only the end position matters, since
 * the raw bytes stay in the element. pos is at the opening quote. */
static size_t skip_quoted(const char *p, size_t n, size_t pos)
{
    pos++;
    while (pos < n) {
        char c = p[pos++];
        if (c == '\\') {
            if (pos >= n)
                break; /* a trailing backslash is kept as is */
            pos++;
        } else if (c == '"') {
            break;
        }
    }
    return pos;
}

corshdr_status corshdr_split_next(corshdr_split *s, corshdr_span *elem)
{
    if (!s || !elem)
        return CORSHDR_EINVAL;
    if (s->done)
        return CORSHDR_DONE;
    const char *p = s->ptr;
    size_t n = s->len, start = s->pos, pos = s->pos;
    for (;;) {
        /* Fetch "get, decode, and split" (value), step 5.1: code points other than " and , */
        while (pos < n && p[pos] != '"' && p[pos] != ',')
            pos++;
        /* Step 5.2: a quoted string is copied whole; its commas do not split. */
        if (pos < n && p[pos] == '"') {
            pos = skip_quoted(p, n, pos);
            if (pos < n)
                continue;
        }
        break;
    }
    /* Steps 5.3-5.4: trim HTTP tab or space, append (empty elements included). */
    size_t a, b;
    trim_bounds(p + start, pos - start, &a, &b);
    *elem = span_make(p + start + a, b - a);
    if (pos >= n)
        s->done = 1; /* step 5.6 */
    else
        s->pos = pos + 1; /* step 5.8: past the comma, so a trailing comma yields a final "" */
    return CORSHDR_OK;
}

/* Moves the iterator to the next line named it->name after `from` (or past the end). */
static void list_seek(corshdr_list *it, size_t from)
{
    size_t i = from;
    while (i < it->nfields && !line_matches(&it->fields[i], it->name, it->name_len))
        i++;
    it->line = i;
    if (i < it->nfields) {
        const corshdr_span *v = &it->fields[i].value;
        trim_bounds(v->ptr, v->len, &it->pos, &it->end);
    }
}

static corshdr_status list_stop(corshdr_list *it, corshdr_error *err, corshdr_status code, size_t line,
                                size_t offset, const char *expected)
{
    (void)fail(&it->error, code, line, offset, expected);
    if (err)
        *err = it->error;
    return code;
}

corshdr_status corshdr_list_init(corshdr_list *it, const corshdr_field *fields, size_t n, const char *name,
                                 size_t name_len, unsigned flags, const corshdr_options *opt, corshdr_error *err)
{
    if (!it)
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "an iterator");
    memset(it, 0, sizeof *it);
    it->fields = fields;
    it->nfields = 0;
    it->name = name;
    it->name_len = name_len;
    it->opt = corshdr__options(opt);
    it->flags = flags;
    if (!fields_ok(fields, n, name, name_len) || (flags & ~(CORSHDR_LIST_SINGLETON | CORSHDR_LIST_NONEMPTY)))
        return list_stop(it, err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "valid arguments");
    it->nfields = n;
    size_t lines = 0, first = n, raw = 0;
    for (size_t i = 0; i < n; i++) {
        if (!span_ok(fields[i].name.ptr, fields[i].name.len) || !span_ok(fields[i].value.ptr, fields[i].value.len))
            return list_stop(it, err, CORSHDR_EINVAL, i, CORSHDR_NPOS, "a span");
        if (!line_matches(&fields[i], name, name_len))
            continue;
        if (lines++ == 0)
            first = i;
        else if (flags & CORSHDR_LIST_SINGLETON)
            /* Fetch "extract header list values", step 2 */
            return list_stop(it, err, CORSHDR_EREPEATED, i, 0, "a single line");
        raw += fields[i].value.len;
    }
    /* max_bytes counts trimmed bytes; trimming is needed only when the raw bytes could exceed it. */
    for (size_t i = first; raw > it->opt.max_bytes && i < n; i++) {
        if (!line_matches(&fields[i], name, name_len))
            continue;
        size_t s, e;
        trim_bounds(fields[i].value.ptr, fields[i].value.len, &s, &e);
        it->bytes += e - s;
        if (it->bytes > it->opt.max_bytes)
            return list_stop(it, err, CORSHDR_ETOOLONG, i, e - (it->bytes - it->opt.max_bytes),
                             "at most max_bytes bytes");
    }
    if (lines == 0) {
        it->line = n;
        return list_stop(it, err, CORSHDR_ABSENT, CORSHDR_NPOS, CORSHDR_NPOS, "the header");
    }
    list_seek(it, first);
    err_clear(err);
    return CORSHDR_OK;
}

corshdr_status corshdr_list_next(corshdr_list *it, corshdr_span *elem, corshdr_error *err)
{
    if (!it || !elem)
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "an iterator and an element");
    if (it->error.code != CORSHDR_OK) {
        if (err)
            *err = it->error;
        return it->error.code;
    }
    while (it->line < it->nfields) {
        if (it->pos > it->end) {
            list_seek(it, it->line + 1);
            continue;
        }
        const char *p = nonnull(it->fields[it->line].value.ptr);
        size_t end = it->end, i = it->pos;
        /* RFC 9110 §5.6.1: element *( OWS "," OWS element ), any element may be empty. */
        while (i < end && ch_is((unsigned char)p[i], CH_OWS))
            i++;
        size_t t = i + corshdr_tchar_span(p + i, end - i, it->opt.kernel);
        size_t j = t;
        while (j < end && ch_is((unsigned char)p[j], CH_OWS))
            j++;
        if (j < end && p[j] != ',')
            return list_stop(it, err, CORSHDR_ETOKEN, it->line, j,
                             j == t ? "a tchar, or ',' between elements" : "',' between elements");
        it->pos = j < end ? j + 1 : end + 1;
        if (t == i) {
            if (++it->empties > it->opt.max_empty)
                return list_stop(it, err, CORSHDR_EEMPTIES, it->line, i, "at most max_empty empty elements");
            continue;
        }
        if (++it->elements > it->opt.max_elements)
            return list_stop(it, err, CORSHDR_ETOOMANY, it->line, i, "at most max_elements elements");
        *elem = span_make(p + i, t - i);
        return CORSHDR_OK;
    }
    if ((it->flags & CORSHDR_LIST_NONEMPTY) && it->elements == 0)
        return list_stop(it, err, CORSHDR_EEMPTY, CORSHDR_NPOS, CORSHDR_NPOS, "at least one element");
    return list_stop(it, err, CORSHDR_DONE, CORSHDR_NPOS, CORSHDR_NPOS, "");
}


/* ---- "extract header list values" at kernel speed ---------------------------------------------------- */

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#define NOINLINE __attribute__((noinline))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define ALWAYS_INLINE inline
#define NOINLINE
#define UNLIKELY(x) (x)
#endif

#define LIST_FLAGS (CORSHDR_LIST_SINGLETON | CORSHDR_LIST_NONEMPTY)


/* The result of a list that read k elements: *count, and ENOSPC when they do not fit in cap. */
static ALWAYS_INLINE corshdr_status list_done(size_t k, size_t cap, size_t *count, corshdr_error *err)
{
    *count = k;
    if (err)
        err_clear(err);
    return k > cap ? fail(err, CORSHDR_ENOSPC, CORSHDR_NPOS, CORSHDR_NPOS, "room for *count elements") : CORSHDR_OK;
}

/* The reference: element by element through the iterator. The SCALAR kernel runs it, and every other
 * kernel's result, error record included, is held to it (tests and differential fuzz targets). */
static NOINLINE corshdr_status extract_scalar(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                     unsigned flags, const corshdr_options *opt, corshdr_span *out, size_t cap,
                                     size_t *count, corshdr_error *err)
{
    corshdr_list it;
    corshdr_status st = corshdr_list_init(&it, fields, n, name, name_len, flags, opt, err);
    if (st != CORSHDR_OK)
        return st;
    corshdr_span e;
    size_t k = 0;
    while ((st = corshdr_list_next(&it, &e, err)) == CORSHDR_OK) {
        if (k < cap)
            out[k] = e;
        k++;
    }
    return st == CORSHDR_DONE ? list_done(k, cap, count, err) : st;
}

/*
 * The vector path reads a line as 64-byte blocks of three masks (lex_simd.h): t (tchar), w (SP/HTAB),
 * c (comma). One pass decides everything: the tokens, the count of empty elements, and whether the line
 * breaks the grammar or a limit. A failure stops the pass in its block, and that block's masks locate
 * it exactly as the element-by-element reference would, so rejecting costs what accepting costs.
 */
typedef struct fast_list {
    corshdr_span *out;
    size_t cap;
    size_t k;      /* elements so far, over every line; counts past cap for ENOSPC */
    size_t room_k; /* elements still allowed (max_elements - k) */
    size_t room_e; /* empty elements still allowed */
    corshdr_kernel kernel;
    corshdr_status code; /* the failure, once found: its offset in the line and what was expected */
    size_t offset;
    const char *expected;
} fast_list;

static ALWAYS_INLINE void fast_init(fast_list *f, const corshdr_options *o, corshdr_kernel kernel, corshdr_span *out,
                                    size_t cap)
{
    f->out = out;
    f->cap = cap;
    f->k = 0;
    f->room_k = o->max_elements;
    f->room_e = o->max_empty;
    f->kernel = kernel;
    f->code = CORSHDR_OK;
    f->offset = 0;
    f->expected = "";
}

/* The block reader, for the vector kernels only (a build without them reads every list with the
 * iterator). */
#if CORSHDR_HAVE_X86_SIMD
/* What one block leaves to the next, within a line. */
typedef struct line_carry {
    uint64_t prev_t; /* the last byte was a tchar: a token runs on */
    uint64_t ws;     /* a SP/HTAB run that opened right after a token runs on */
    uint64_t empty;  /* no token since the last comma (or the line's start): the open element is empty */
} line_carry;

static const line_carry line_start = {0, 0, 1};

typedef struct block_bits {
    uint64_t starts, ends; /* first byte of each token; first byte after each token */
    uint64_t land;         /* the byte right after a SP/HTAB run that opened after a token */
    uint64_t bad;          /* a byte in no class, or a second token in one element */
    uint64_t closers;      /* commas that close an empty element */
    line_carry next;
} block_bits;

/* The block's bits from its masks and what came before it. Branch-free; bits past a line's end read as SP. */
static ALWAYS_INLINE block_bits block_eval(uint64_t t, uint64_t w, uint64_t c, line_carry in, int empties)
{
    block_bits b;
    uint64_t t_before = t << 1 | in.prev_t;
    b.starts = t & ~t_before;
    b.ends = ~t & t_before;
    /* RFC 9110 §5.6.1: one token per element. Adding the first bit of a SP/HTAB run that opened after a
     * token carries through the run onto the byte after it, which must not begin another token. */
    uint64_t opened = w & t_before;
    uint64_t s1 = w + opened, s2 = s1 + in.ws;
    b.next.ws = (uint64_t)(s1 < w) | (uint64_t)(s2 < s1);
    b.land = s2 & ~w;
    b.bad = ~(t | w | c) | (b.land & t);
    /* Empty elements: "no token yet" is set after every comma, cleared by a token's first byte and kept
     * by every other byte; adding carries it through a run of kept bytes onto the byte after the run.
     * A comma reached in that state closes an empty element. */
    if (empties) {
        uint64_t set = c << 1 | in.empty;
        uint64_t keep = ~(c | b.starts);
        uint64_t run = keep + (set & keep);
        b.closers = c & (set | run);
        b.next.empty = (uint64_t)(run < keep) | c >> 63;
    } else {
        b.closers = b.next.empty = 0;
    }
    b.next.prev_t = t >> 63;
    return b;
}

static ALWAYS_INLINE size_t bits_set(uint64_t x, int hw_popcnt)
{
#if CORSHDR_HAVE_X86_SIMD
    if (hw_popcnt) /* only in functions compiled for a CPU with POPCNT */
        return (size_t)__builtin_popcountll(x);
#else
    (void)hw_popcnt;
#endif
    return popcount64(x); /* the x86-64 baseline has no popcnt: SWAR, not a library call */
}

/* The position of set bit number r (from 0) of x, or 64 when x has no more than r set bits. */
static unsigned nth_bit(uint64_t x, size_t r)
{
    for (; r && x; r--)
        x &= x - 1;
    return x ? ctz64(x) : 64;
}

static void fast_fail(fast_list *f, corshdr_status code, size_t offset, const char *expected)
{
    f->code = code;
    f->offset = offset;
    f->expected = expected;
}

/* ETOKEN at a byte: after a token and SP/HTAB only a comma may come; elsewhere a tchar or a comma. */
static void fail_token(fast_list *f, size_t offset, int after_token_and_ws)
{
    fast_fail(f, CORSHDR_ETOKEN, offset,
              after_token_and_ws ? "',' between elements" : "a tchar, or ',' between elements");
}

/* The element whose token starts at `at` is one too many, unless it goes on to break the grammar: the
 * reference checks an element's bytes before it counts it. A bounded look at that element only. */
static void element_check(fast_list *f, const char *p, size_t n, size_t at)
{
    size_t te = at + corshdr_tchar_span(p + at, n - at, f->kernel);
    size_t j = te + corshdr__ows_span(p + te, n - te, f->kernel);
    if (j < n && p[j] != ',')
        fail_token(f, j, j > te);
    else
        fast_fail(f, CORSHDR_ETOOMANY, at, "at most max_elements elements");
}

/* A block failed: which rule, where. The first failing element decides, as in the reference; within
 * one element a grammar error comes before its count. */
static NOINLINE void locate(fast_list *f, const char *p, size_t n, size_t base, uint64_t t, uint64_t w, uint64_t c,
                            line_carry in)
{
    block_bits b = block_eval(t, w, c, in, 1);
    unsigned pb = b.bad ? ctz64(b.bad) : 64;
    unsigned pm = nth_bit(b.starts, f->room_k), pe = nth_bit(b.closers, f->room_e);
    unsigned first = pm < pe ? pm : pe;
    /* a bad byte first, or later in the too-many element (no comma between) */
    uint64_t between = pb < 64 && pb > pm ? (((uint64_t)1 << pb) - 1) & ~(((uint64_t)1 << pm) - 1) : 0;
    if (pb < 64 && (pb <= first || (first == pm && !(c & between))))
        fail_token(f, base + pb, (int)(b.land >> pb & 1));
    else if (first == pe)
        fast_fail(f, CORSHDR_EEMPTIES, base + pe, "at most max_empty empty elements");
    else
        element_check(f, p, n, base + pm);
}

/* Writes the spans of the tokens whose start bits are in `starts` into out[0..room), in order. A token
 * with no end bit runs to bit 63 for now (a later block closes it); bit 63 also keeps ctz defined. */
static ALWAYS_INLINE void emit_spans(const char *at, uint64_t starts, uint64_t ends, corshdr_span *out, size_t room)
{
    const uint64_t top = (uint64_t)1 << 63;
    for (size_t i = 0; starts && i < room; starts &= starts - 1, ends &= ends - 1, i++) {
        unsigned so = ctz64(starts);
        out[i].ptr = at + so;
        out[i].len = (size_t)ctz64(ends | top) - so;
    }
}

/*
 * A block's tokens after the k already in out; when `open`, the block's first end bit closes the token
 * at out[k - 1], begun in an earlier block. With room for 64 more spans, the first four are written
 * without a branch (slots past the final count get junk: the list functions document that
 * out[count..cap) may be overwritten). A block without tokens writes nothing, whatever the room.
 */
static ALWAYS_INLINE void emit_block(const char *at, uint64_t starts, uint64_t ends, uint64_t open, corshdr_span *out,
                                     size_t cap, size_t k)
{
    if (open && ends) { /* no end bit: the token runs through the whole block and stays open */
        if (k - 1 < cap)
            out[k - 1].len = (size_t)(at + ctz64(ends) - out[k - 1].ptr);
        ends &= ends - 1;
    }
    if (starts && k <= cap && cap - k >= 64) {
        const uint64_t top = (uint64_t)1 << 63; /* keeps ctz defined once a mask runs out */
        for (size_t i = 0; i < 4; i++, starts &= starts - 1, ends &= ends - 1) {
            unsigned so = ctz64(starts | top), eo = ctz64(ends | top);
            out[k + i].ptr = at + so;
            out[k + i].len = (size_t)eo - so;
        }
        emit_spans(at, starts, ends, out + k + 4, 60); /* the rest, if there are more than four */
    } else if (starts && k < cap) {
        emit_spans(at, starts, ends, out + k, cap - k);
    }
}

/*
 * The reading loop's own copies of the fast_list fields it updates: a store to out[] could alias the
 * fields, so they are loaded once per line, not once per span. `checked` is a constant per copy of the
 * loop: a line too short to pass a limit (every element but the last needs a comma of its own) skips
 * the per-block counting and takes its counts from the totals at its end.
 */
typedef struct line_counts {
    corshdr_span *out;
    size_t cap, k, room_k, room_e, commas;
} line_counts;

/* One block of a line at `base`: 0, or -1 with the failure located. */
static ALWAYS_INLINE int block_step(fast_list *f, line_counts *cn, const char *p, size_t n, size_t base, uint64_t t,
                                    uint64_t w, uint64_t c, line_carry *lc, int hw_popcnt, int checked)
{
    block_bits b = block_eval(t, w, c, *lc, checked);
    size_t ns = bits_set(b.starts, hw_popcnt), ne = checked ? bits_set(b.closers, hw_popcnt) : 0;
    if (UNLIKELY(b.bad | (uint64_t)(checked && (ns > cn->room_k || ne > cn->room_e)))) {
        f->room_k = cn->room_k;
        f->room_e = cn->room_e;
        locate(f, p, n, base, t, w, c, *lc);
        return -1;
    }
    if (checked) {
        cn->room_k -= ns;
        cn->room_e -= ne;
    } else {
        cn->commas += bits_set(c, hw_popcnt);
    }
    emit_block(p + base, b.starts, b.ends, lc->prev_t, cn->out, cn->cap, cn->k);
    cn->k += ns;
    *lc = b.next;
    return 0;
}

/* After a line's last block: close a token that ran to its last byte, store the counts back, and count
 * the last element if it is empty. */
static ALWAYS_INLINE int line_end(fast_list *f, const line_counts *cn, const char *p, size_t n, const line_carry *lc,
                                  int checked)
{
    if (lc->prev_t && cn->k - 1 < f->cap)
        f->out[cn->k - 1].len = (size_t)(p + n - f->out[cn->k - 1].ptr);
    if (!checked) { /* a well-formed line has one element more than commas; none can pass a limit */
        size_t k_line = cn->k - f->k;
        f->room_k -= k_line;
        f->room_e -= cn->commas + 1 - k_line;
        f->k = cn->k;
        return 0;
    }
    f->k = cn->k;
    f->room_k = cn->room_k;
    f->room_e = cn->room_e;
    if (lc->empty) {
        if (UNLIKELY(f->room_e == 0)) {
            size_t s, e;
            trim_bounds_k(p, n, f->kernel, &s, &e);
            fast_fail(f, CORSHDR_EEMPTIES, e, "at most max_empty empty elements");
            return -1;
        }
        f->room_e--;
    }
    return 0;
}

/* Whether a line of n bytes could pass a limit: it holds at most n + 1 elements of either kind. */
static ALWAYS_INLINE int line_needs_counts(const fast_list *f, size_t n)
{
    return f->room_e <= n || f->room_k <= n;
}

/* A line of any length: classified 1 KiB at a time into block masks, then read block by block. */
static ALWAYS_INLINE int scan_blocks(fast_list *f, const char *p, size_t n,
                                     void (*classify)(const unsigned char *, size_t, size_t, uint64_t *, uint64_t *,
                                                      uint64_t *),
                                     int hw_popcnt, int checked)
{
    enum { CHUNK = 16 }; /* blocks classified per call: 1 KiB */
    uint64_t t[CHUNK], w[CHUNK], c[CHUNK];
    line_carry lc = line_start;
    line_counts cn = {f->out, f->cap, f->k, f->room_k, f->room_e, 0};
    for (size_t base = 0; base < n;) {
        size_t bytes = n - base < CHUNK * 64 ? n - base : CHUNK * 64, nblocks = (bytes + 63) / 64;
        classify((const unsigned char *)p + base, bytes, base, t, w, c);
        for (size_t b = 0; b < nblocks; b++, base += 64)
            if (UNLIKELY(block_step(f, &cn, p, n, base, t[b], w[b], c[b], &lc, hw_popcnt, checked) != 0))
                return -1;
    }
    return line_end(f, &cn, p, n, &lc, checked);
}

/* A line under 64 bytes on AVX2, the usual size of a request's list: its masks stay in registers. */
LEX_AVX2 static ALWAYS_INLINE int scan_short_avx2(fast_list *f, const char *p, size_t n, int checked)
{
    uint64_t t, w, c;
    line_carry lc = line_start;
    line_counts cn = {f->out, f->cap, f->k, f->room_k, f->room_e, 0};
    classify_short_avx2((const unsigned char *)p, n, &t, &w, &c);
    if (UNLIKELY(block_step(f, &cn, p, n, 0, t, w, c, &lc, 1, checked) != 0))
        return -1;
    return line_end(f, &cn, p, n, &lc, checked);
}

LEX_AVX2 static NOINLINE int scan_line_avx2(fast_list *f, const char *p, size_t n)
{
    if (UNLIKELY(line_needs_counts(f, n)))
        return n < 64 ? scan_short_avx2(f, p, n, 1) : scan_blocks(f, p, n, corshdr__classify_avx2, 1, 1);
    return n < 64 ? scan_short_avx2(f, p, n, 0) : scan_blocks(f, p, n, corshdr__classify_avx2, 1, 0);
}

static NOINLINE int scan_line_sse2(fast_list *f, const char *p, size_t n)
{
    if (UNLIKELY(line_needs_counts(f, n)))
        return scan_blocks(f, p, n, corshdr__classify_sse2, 0, 1);
    return scan_blocks(f, p, n, corshdr__classify_sse2, 0, 0);
}
#endif

/* One line on a vector kernel (never SCALAR): 0, or -1 with f's failure set. */
static int scan_line(fast_list *f, const char *p, size_t n)
{
#if CORSHDR_HAVE_X86_SIMD
    return f->kernel == CORSHDR_KERNEL_AVX2 ? scan_line_avx2(f, p, n) : scan_line_sse2(f, p, n);
#else
    (void)f, (void)p, (void)n;
    return -1; /* unreachable: without vector kernels every call takes the scalar path */
#endif
}

/* list_init's byte limit without the iterator: the trimmed bytes of the lines, in order, until they
 * pass max_bytes. Only called when the raw bytes do, so the trimming (on the kernel) is rarely needed. */
static NOINLINE corshdr_status bytes_check(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                  size_t first, size_t max_bytes, corshdr_kernel kernel, corshdr_error *err)
{
    size_t bytes = 0;
    for (size_t i = first; i < n; i++) {
        if (!line_matches(&fields[i], name, name_len))
            continue;
        size_t s, e;
        trim_bounds_k(nonnull(fields[i].value.ptr), fields[i].value.len, kernel, &s, &e);
        bytes += e - s;
        if (bytes > max_bytes)
            return fail(err, CORSHDR_ETOOLONG, i, e - (bytes - max_bytes), "at most max_bytes bytes");
    }
    return CORSHDR_OK;
}

/* corshdr_list_parse through the reference: a one-line header whose name is the empty string. */
static NOINLINE corshdr_status parse_scalar(const char *value, size_t len, unsigned flags, const corshdr_options *o,
                                            corshdr_span *out, size_t cap, size_t *count, corshdr_error *err)
{
    corshdr_field f = {{"", 0}, {value, len}};
    *count = 0;
    corshdr_status st = extract_scalar(&f, 1, "", 0, flags & ~CORSHDR_LIST_SINGLETON, o, out, cap, count, err);
    if (err && err->line == 0)
        err->line = CORSHDR_NPOS; /* there are no lines, only the value */
    return st;
}

/* corshdr_list_parse on any vector kernel, any length. */
static NOINLINE corshdr_status parse_vector(const char *value, size_t len, corshdr_kernel kernel, unsigned flags,
                                            const corshdr_options *o, corshdr_span *out, size_t cap, size_t *count,
                                            corshdr_error *err)
{
    const char *p = nonnull(value);
    fast_list f;
    *count = 0;
    if (len > o->max_bytes) {
        size_t s, e;
        trim_bounds_k(p, len, kernel, &s, &e);
        if (e - s > o->max_bytes)
            return fail(err, CORSHDR_ETOOLONG, CORSHDR_NPOS, s + o->max_bytes, "at most max_bytes bytes");
    }
    fast_init(&f, o, kernel, out, cap);
    if (scan_line(&f, p, len) != 0)
        return fail(err, f.code, CORSHDR_NPOS, f.offset, f.expected);
    if ((flags & CORSHDR_LIST_NONEMPTY) && f.k == 0)
        return fail(err, CORSHDR_EEMPTY, CORSHDR_NPOS, CORSHDR_NPOS, "at least one element");
    return list_done(f.k, cap, count, err);
}

#if CORSHDR_HAVE_X86_SIMD
/* corshdr_list_parse of a value under 64 bytes on AVX2 (the request-list case) in one function. The
 * limits are checked and the results published before the tokens are written, so nothing read after
 * the stores to out can wait on them (a reload that 4K-aliases an out slot stalls). Anything but a
 * clean value goes to parse_vector, which locates the failure. */
LEX_AVX2 static NOINLINE corshdr_status parse_short_avx2(const char *value, size_t len, unsigned flags,
                                                         const corshdr_options *o, corshdr_span *out, size_t cap,
                                                         size_t *count, corshdr_error *err)
{
    const char *p = nonnull(value);
    uint64_t t, w, c;
    classify_short_avx2((const unsigned char *)p, len, &t, &w, &c);
    block_bits b = block_eval(t, w, c, line_start, 0);
    /* a well-formed value has one element more than commas */
    size_t k = (size_t)__builtin_popcountll(b.starts), empties = (size_t)__builtin_popcountll(c) + 1 - k;
    if (UNLIKELY(b.bad | (uint64_t)(k > o->max_elements) | (uint64_t)(empties > o->max_empty) |
                 (uint64_t)((flags & CORSHDR_LIST_NONEMPTY) && k == 0)))
        return parse_vector(value, len, CORSHDR_KERNEL_AVX2, flags, o, out, cap, count, err);
    corshdr_status st = list_done(k, cap, count, err);
    if (cap) /* out is not NULL */
        emit_spans(p, b.starts, b.ends, out, cap);
    return st;
}
#endif

/* One value, on a resolved kernel: corshdr_list_parse after its argument checks, and
 * corshdr_list_extract of a header on one line. */
static ALWAYS_INLINE corshdr_status parse_one(const char *value, size_t len, corshdr_kernel kernel, unsigned flags,
                                              const corshdr_options *o, corshdr_span *out, size_t cap, size_t *count,
                                              corshdr_error *err)
{
#if CORSHDR_HAVE_X86_SIMD
    if (kernel == CORSHDR_KERNEL_AVX2 && len < 64 && len <= o->max_bytes)
        return parse_short_avx2(value, len, flags, o, out, cap, count, err);
#endif
    if (kernel == CORSHDR_KERNEL_SCALAR)
        return parse_scalar(value, len, flags, o, out, cap, count, err);
    return parse_vector(value, len, kernel, flags, o, out, cap, count, err);
}

/* The lines of a header after the first few are found again by name: only a header on more lines than
 * any browser or server sends pays for the second look. */
enum { KEPT_LINES = CORSHDR_INDEX_KEPT };

/* A header on several lines, after the pass over the names: the byte limit, then each line read in turn,
 * the counts running on. */
static NOINLINE corshdr_status extract_lines(const corshdr_field *fields, const char *name, size_t name_len,
                                             unsigned flags, const corshdr_options *o, corshdr_kernel kernel,
                                             const size_t *kept, size_t lines, size_t raw, size_t n, corshdr_span *out,
                                             size_t cap, size_t *count, corshdr_error *err)
{
    corshdr_status st;
    if (raw > o->max_bytes &&
        (st = bytes_check(fields, n, name, name_len, kept[0], o->max_bytes, kernel, err)) != CORSHDR_OK)
        return st;
    fast_list f;
    fast_init(&f, o, kernel, out, cap);
    size_t i = kept[0];
    for (size_t l = 0; l < lines; l++) {
        if (l < KEPT_LINES)
            i = kept[l];
        else
            while (!line_matches(&fields[++i], name, name_len))
                ;
        if (scan_line(&f, nonnull(fields[i].value.ptr), fields[i].value.len) != 0)
            return fail(err, f.code, i, f.offset, f.expected);
    }
    if ((flags & CORSHDR_LIST_NONEMPTY) && f.k == 0)
        return fail(err, CORSHDR_EEMPTY, CORSHDR_NPOS, CORSHDR_NPOS, "at least one element");
    return list_done(f.k, cap, count, err);
}

corshdr_status corshdr_list_extract(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                    unsigned flags, const corshdr_options *opt, corshdr_span *out, size_t cap,
                                    size_t *count, corshdr_error *err)
{
    if (!count || (!out && cap))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a count and an output array");
    *count = 0;
    const corshdr_options *o = opt ? opt : &corshdr__default_options;
    corshdr_kernel kernel = corshdr__kernel(o->kernel);
    if (kernel == CORSHDR_KERNEL_SCALAR || !fields_ok(fields, n, name, name_len) || (flags & ~LIST_FLAGS))
        return extract_scalar(fields, n, name, name_len, flags, o, out, cap, count, err);
    /* One pass over the names, each compared once: the lines of the header, and the rules the reference
     * checks before any element (a bad span, a repeated singleton). */
    size_t kept[KEPT_LINES], lines = 0, raw = 0;
    for (size_t i = 0; i < n; i++) {
        const corshdr_field *fl = &fields[i];
        if (!span_ok(fl->name.ptr, fl->name.len) || !span_ok(fl->value.ptr, fl->value.len))
            return fail(err, CORSHDR_EINVAL, i, CORSHDR_NPOS, "a span");
        if (!line_matches(fl, name, name_len))
            continue;
        if (lines && (flags & CORSHDR_LIST_SINGLETON)) /* Fetch "extract header list values", step 2 */
            return fail(err, CORSHDR_EREPEATED, i, 0, "a single line");
        if (lines < KEPT_LINES)
            kept[lines] = i;
        lines++;
        raw += fl->value.len;
    }
    if (lines == 0)
        return fail(err, CORSHDR_ABSENT, CORSHDR_NPOS, CORSHDR_NPOS, "the header");
    return corshdr__extract_kept(fields, n, name, name_len, kept, lines, raw, flags, o, kernel, out, cap, count, err);
}

corshdr_status corshdr__extract_kept(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                     const size_t *kept, size_t lines, size_t raw, unsigned flags,
                                     const corshdr_options *o, corshdr_kernel kernel, corshdr_span *out, size_t cap,
                                     size_t *count, corshdr_error *err)
{
    *count = 0;
    if (kernel == CORSHDR_KERNEL_SCALAR)
        return extract_scalar(fields, n, name, name_len, flags, o, out, cap, count, err);
    if (lines == 1) { /* the usual case: the path of corshdr_list_parse, errors then named by line */
        const corshdr_span *v = &fields[kept[0]].value;
        corshdr_status st = parse_one(v->ptr, v->len, kernel, flags, o, out, cap, count, err);
        if (err && st < 0 && st != CORSHDR_ENOSPC && st != CORSHDR_EEMPTY)
            err->line = kept[0];
        return st;
    }
    return extract_lines(fields, name, name_len, flags, o, kernel, kept, lines, raw, n, out, cap, count, err);
}

/* The first call of the process: probe the CPU, then parse. */
static NOINLINE corshdr_status list_parse_first(const char *value, size_t len, unsigned flags,
                                                const corshdr_options *opt, corshdr_span *out, size_t cap,
                                                size_t *count, corshdr_error *err)
{
    (void)corshdr__probe_kernels();
    return corshdr_list_parse(value, len, flags, opt, out, cap, count, err);
}

corshdr_status corshdr_list_parse(const char *value, size_t len, unsigned flags, const corshdr_options *opt,
                                  corshdr_span *out, size_t cap, size_t *count, corshdr_error *err)
{
    if (!count || (!out && cap) || !span_ok(value, len))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a value, a count and an output array");
    const corshdr_options *o = opt ? opt : &corshdr__default_options;
    unsigned probed = atomic_load_explicit(&corshdr__probed, memory_order_relaxed);
    if (!probed) /* once: a call here would make every call save registers */
        return list_parse_first(value, len, flags, opt, out, cap, count, err);
    corshdr_kernel kernel = corshdr__kernel_from(probed, o->kernel);
    if (flags & ~LIST_FLAGS)
        return parse_scalar(value, len, flags, o, out, cap, count, err); /* which reports it */
    return parse_one(value, len, kernel, flags, o, out, cap, count, err);
}
