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

corshdr_status corshdr__header_single(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                      size_t *index)
{
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        if (!line_matches(&fields[i], name, name_len))
            continue;
        *index = i;
        if (found++)
            return CORSHDR_EREPEATED;
    }
    return found ? CORSHDR_OK : CORSHDR_ABSENT;
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

/* Inlining control for the fast path. */
#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#define NOINLINE __attribute__((noinline))
#else
#define ALWAYS_INLINE inline
#define NOINLINE
#endif

/*
 * The tokens whose start bits are in `starts` (the bytes at `at`) into out[0..room), in order: ptr at each
 * start, len up to the matching end bit in `ends`. A token with no end bit runs to bit 63 for now (a
 * later block closes it); bit 63 also keeps ctz defined.
 */
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
 * Emits a block's tokens after the k already in out (emit_spans); when `open`, the block's first end bit
 * closes the token at out[k - 1], begun in an earlier block. With room for 64 more spans, the first four
 * slots are written without a branch (slots past the final count get junk; corshdr_list_extract
 * documents that out[count..cap) may be overwritten). hw_popcnt selects the instruction over the
 * portable count.
 */
static ALWAYS_INLINE size_t emit_block(const char *at, uint64_t starts, uint64_t ends, int open, corshdr_span *out,
                                       size_t cap, size_t k, int hw_popcnt)
{
    if (open && ends) { /* no end bit: the token runs through the whole block and stays open */
        if (k - 1 < cap)
            out[k - 1].len = (size_t)(at + ctz64(ends) - out[k - 1].ptr);
        ends &= ends - 1;
    }
#if CORSHDR_HAVE_X86_SIMD
    size_t n = hw_popcnt ? (size_t)__builtin_popcountll(starts) : popcount64(starts);
#else
    (void)hw_popcnt;
    size_t n = popcount64(starts);
#endif
    if (k <= cap && cap - k >= 64) {
        const uint64_t top = (uint64_t)1 << 63; /* keeps ctz defined once a mask runs out */
        for (size_t i = 0; i < 4; i++, starts &= starts - 1, ends &= ends - 1) {
            unsigned so = ctz64(starts | top), eo = ctz64(ends | top);
            out[k + i].ptr = at + so;
            out[k + i].len = (size_t)eo - so;
        }
        emit_spans(at, starts, ends, out + k + 4, 60); /* the rest, if there are more than four */
    } else if (k < cap) {
        emit_spans(at, starts, ends, out + k, cap - k);
    }
    return k + n;
}

/*
 * The vector path of one line: 64 bytes at a time, masks t (tchar), w (SP/HTAB), c (comma). A line is
 * well formed when every byte is in one of the classes and no run of w sits between two t bytes (that
 * would be two tokens in one element). Elements are the runs of t. Appends them to out[*count..cap),
 * counting past cap, and adds the line's commas to *commas. Returns 0 for a well-formed line, -1 when the
 * caller must run the scalar path, which reports the exact error.
 */
static ALWAYS_INLINE int line_fast_impl(const char *p, size_t n, corshdr__classify_fn classify, corshdr_span *out,
                                        size_t cap, size_t *count, size_t *commas, int hw_popcnt)
{
    enum { CHUNK = 16 }; /* blocks classified per call: 1 KiB */
    uint64_t t[CHUNK], w[CHUNK], c[CHUNK], prev_t = 0, carry = 0, bad = 0;
    size_t k = *count, ncommas = 0;
    if (n == 0)
        return 0;
    if (n <= 64) {
        /* One block, the usual size of a request's list: no chunk loop, nothing carried in or out. */
        ncommas = classify((const unsigned char *)p, n, 0, t, w, c);
        uint64_t tb = t[0], wb = w[0], t_before = tb << 1;
        uint64_t after_ws = (wb + (wb & t_before)) & ~wb; /* the same carry trick, no carry-in */
        if (~(tb | wb | c[0]) | (after_ws & tb))
            return -1;
        k = emit_block(p, tb & ~t_before, ~tb & t_before, 0, out, cap, k, hw_popcnt);
        if ((tb >> 63) && k - 1 < cap) /* a token up to byte 64 */
            out[k - 1].len = (size_t)(p + n - out[k - 1].ptr);
        *count = k;
        *commas += ncommas;
        return 0;
    }
    for (size_t base = 0; base < n;) {
        size_t bytes = n - base < CHUNK * 64 ? n - base : CHUNK * 64, nblocks = (bytes + 63) / 64;
        ncommas += classify((const unsigned char *)p + base, bytes, base, t, w, c);
        for (size_t b = 0; b < nblocks; b++, base += 64) {
            uint64_t tb = t[b], wb = w[b], t_before = tb << 1 | prev_t;
            bad |= ~(tb | wb | c[b]);
            /* A w-run that opens right after a t: adding its first bit carries through the run and lands
             * on the byte after it, which must not be a t. The carry crosses blocks. */
            uint64_t opened = wb & t_before;
            uint64_t sum = wb + opened, c1 = sum < wb;
            uint64_t sum2 = sum + carry, c2 = sum2 < sum;
            bad |= sum2 & ~wb & tb;
            carry = c1 | c2;
            k = emit_block(p + base, tb & ~t_before, ~tb & t_before, (int)prev_t, out, cap, k, hw_popcnt);
            prev_t = tb >> 63;
        }
    }
    if (prev_t && k - 1 < cap) /* a token up to the last byte of a 64-byte multiple */
        out[k - 1].len = (size_t)(p + n - out[k - 1].ptr);
    if (bad)
        return -1;
    *count = k;
    *commas += ncommas;
    return 0;
}

#if CORSHDR_HAVE_X86_SIMD
__attribute__((target("popcnt,bmi"))) static int line_fast_bmi(const char *p, size_t n, corshdr__classify_fn classify,
                                                               corshdr_span *out, size_t cap, size_t *count,
                                                               size_t *commas)
{
    return line_fast_impl(p, n, classify, out, cap, count, commas, 1);
}
#endif

static NOINLINE int line_fast_generic(const char *p, size_t n, corshdr__classify_fn classify, corshdr_span *out,
                                      size_t cap, size_t *count, size_t *commas)
{
    return line_fast_impl(p, n, classify, out, cap, count, commas, 0);
}

#if CORSHDR_HAVE_X86_SIMD
/*
 * A line under 64 bytes on the AVX2 kernel, the usual size of a request's list: the masks stay in
 * registers (no block arrays, no indirect call). Checks the line as line_fast_impl does (bits past n
 * are SP) and gives the token start and end bits (n < 64, so a token that runs to the end has its end
 * bit at n) and the comma count; -1 when the scalar path must decide.
 */
__attribute__((target("avx2,bmi,popcnt"))) static ALWAYS_INLINE int short_masks_avx2(const char *p, size_t n,
                                                                                     uint64_t *starts, uint64_t *ends,
                                                                                     size_t *commas)
{
    uint64_t t, w, c;
    classify_short_avx2((const unsigned char *)p, n, &t, &w, &c);
    uint64_t t_before = t << 1;
    uint64_t after_ws = (w + (w & t_before)) & ~w;
    if (~(t | w | c) | (after_ws & t))
        return -1;
    *starts = t & ~t_before;
    *ends = ~t & t_before;
    *commas = (size_t)__builtin_popcountll(c);
    return 0;
}

/* line_fast for a short line on AVX2. Same contract as line_fast_impl. */
__attribute__((target("avx2,bmi,popcnt"))) static int line_short_avx2(const char *p, size_t n, corshdr_span *out,
                                                                      size_t cap, size_t *count, size_t *commas)
{
    uint64_t starts, ends;
    size_t ncommas, k = *count;
    if (short_masks_avx2(p, n, &starts, &ends, &ncommas) != 0)
        return -1;
    if (k < cap) /* out is not NULL */
        emit_spans(p, starts, ends, out + k, cap - k);
    *count = k + (size_t)__builtin_popcountll(starts);
    *commas += ncommas;
    return 0;
}
#endif

/* line_fast_impl on a vector kernel (never SCALAR). */
static inline int line_fast(const char *p, size_t n, corshdr_kernel kernel, corshdr_span *out, size_t cap,
                            size_t *count, size_t *commas)
{
#if CORSHDR_HAVE_X86_SIMD
    /* Every AVX2 CPU has POPCNT and BMI: there, counting bits is one instruction, not a library call. */
    if (kernel == CORSHDR_KERNEL_AVX2)
        return n < 64 ? line_short_avx2(p, n, out, cap, count, commas)
                      : line_fast_bmi(p, n, corshdr__classify_avx2, out, cap, count, commas);
#endif
    return line_fast_generic(p, n, corshdr__classifier(kernel), out, cap, count, commas);
}

/* "extract header list values" through the vector path. CORSHDR_OK, or CORSHDR_DONE when the scalar
 * path must decide (malformed input, a limit reached). */
static corshdr_status extract_fast(const corshdr_list *it, corshdr_kernel kernel, corshdr_span *out,
                                   size_t cap, size_t *count)
{
    size_t k = 0, slots = 0, commas = 0;
    for (size_t i = it->line; i < it->nfields; i++) {
        if (!line_matches(&it->fields[i], it->name, it->name_len))
            continue;
        /* Untrimmed: surrounding SP/HTAB is just whitespace to the block rules. */
        const corshdr_span *v = &it->fields[i].value;
        if (line_fast(nonnull(v->ptr), v->len, kernel, out, cap, &k, &commas) != 0)
            return CORSHDR_DONE;
        slots++;
    }
    slots += commas; /* a line has one element slot more than it has commas */
    if (k > it->opt.max_elements || slots - k > it->opt.max_empty ||
        ((it->flags & CORSHDR_LIST_NONEMPTY) && k == 0))
        return CORSHDR_DONE;
    *count = k;
    return CORSHDR_OK;
}

corshdr_status corshdr_list_extract(const corshdr_field *fields, size_t n, const char *name, size_t name_len,
                                    unsigned flags, const corshdr_options *opt, corshdr_span *out, size_t cap,
                                    size_t *count, corshdr_error *err)
{
    if (!count || (!out && cap))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a count and an output array");
    *count = 0;
    corshdr_list it;
    corshdr_status st = corshdr_list_init(&it, fields, n, name, name_len, flags, opt, err);
    if (st != CORSHDR_OK)
        return st;
    size_t k = 0;
    corshdr_kernel kernel = corshdr__kernel(it.opt.kernel);
    if (kernel == CORSHDR_KERNEL_SCALAR || extract_fast(&it, kernel, out, cap, &k) != CORSHDR_OK) {
        /* the scalar path: the reference for every result and every error report */
        corshdr_span e;
        k = 0;
        while ((st = corshdr_list_next(&it, &e, err)) == CORSHDR_OK) {
            if (k < cap)
                out[k] = e;
            k++;
        }
        if (st != CORSHDR_DONE)
            return st;
    }
    *count = k;
    err_clear(err);
    if (k > cap)
        return fail(err, CORSHDR_ENOSPC, CORSHDR_NPOS, CORSHDR_NPOS, "room for *count elements");
    return CORSHDR_OK;
}

/* Everything but a clean value (an error to locate, a limit, the scalar kernel): a one-line header whose
 * name is the empty string. Out of line, so the fast path stays small. */
static NOINLINE corshdr_status list_parse_slow(const char *value, size_t len, unsigned flags,
                                               const corshdr_options *opt, corshdr_span *out, size_t cap,
                                               size_t *count, corshdr_error *err)
{
    corshdr_field f = {{"", 0}, {value, len}};
    corshdr_status st = corshdr_list_extract(&f, 1, "", 0, flags & ~CORSHDR_LIST_SINGLETON, opt, out, cap, count, err);
    if (err && err->line == 0)
        err->line = CORSHDR_NPOS; /* there are no lines, only the value */
    return st;
}

/* Whether k elements and `commas` commas of a whole value are within the limits and flags; if not, the
 * slow path reports which limit. */
static ALWAYS_INLINE int parse_within(size_t k, size_t commas, unsigned flags, const corshdr_options *o)
{
    return k <= o->max_elements && commas + 1 - k <= o->max_empty && !((flags & CORSHDR_LIST_NONEMPTY) && k == 0);
}

/* The result of a parse that found k elements: *count, and ENOSPC when they do not fit in cap. */
static ALWAYS_INLINE corshdr_status parse_done(size_t k, size_t cap, size_t *count, corshdr_error *err)
{
    *count = k;
    if (err)
        err_clear(err);
    return k > cap ? fail(err, CORSHDR_ENOSPC, CORSHDR_NPOS, CORSHDR_NPOS, "room for *count elements") : CORSHDR_OK;
}

#if CORSHDR_HAVE_X86_SIMD
/* corshdr_list_parse of a value under 64 bytes on AVX2, in one function: the request-list case. The
 * limits are checked and the results published before the tokens are written, so nothing read after
 * the stores to out can wait on them (a reload that 4K-aliases an out slot stalls). */
__attribute__((target("avx2,bmi,popcnt"))) static NOINLINE corshdr_status
list_parse_short_avx2(const char *value, size_t len, unsigned flags, const corshdr_options *o, corshdr_span *out,
                      size_t cap, size_t *count, corshdr_error *err)
{
    const char *p = nonnull(value);
    uint64_t starts, ends;
    size_t commas;
    if (short_masks_avx2(p, len, &starts, &ends, &commas) != 0)
        return list_parse_slow(value, len, flags, o, out, cap, count, err);
    size_t k = (size_t)__builtin_popcountll(starts);
    if (!parse_within(k, commas, flags, o))
        return list_parse_slow(value, len, flags, o, out, cap, count, err);
    corshdr_status st = parse_done(k, cap, count, err);
    if (cap) /* out is not NULL */
        emit_spans(p, starts, ends, out, cap);
    return st;
}
#endif

/* corshdr_list_parse on any vector kernel. Out of line, as is the short path: the entry point only
 * checks and dispatches, with no registers to save. */
static NOINLINE corshdr_status list_parse_vector(const char *value, size_t len, corshdr_kernel kernel, unsigned flags,
                                                 const corshdr_options *o, corshdr_span *out, size_t cap,
                                                 size_t *count, corshdr_error *err)
{
    size_t k = 0, commas = 0;
    if (line_fast(nonnull(value), len, kernel, out, cap, &k, &commas) == 0 && parse_within(k, commas, flags, o))
        return parse_done(k, cap, count, err);
    return list_parse_slow(value, len, flags, o, out, cap, count, err);
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
    static const corshdr_options defaults = {CORSHDR_DEFAULT_MAX_ELEMENTS, CORSHDR_DEFAULT_MAX_EMPTY,
                                             CORSHDR_DEFAULT_MAX_BYTES, CORSHDR_KERNEL_AUTO};
    if (!count || (!out && cap) || !span_ok(value, len))
        return fail(err, CORSHDR_EINVAL, CORSHDR_NPOS, CORSHDR_NPOS, "a value, a count and an output array");
    const corshdr_options *o = opt ? opt : &defaults;
    unsigned probed = atomic_load_explicit(&corshdr__probed, memory_order_relaxed);
    if (!probed) /* once: a call here would make every call save registers */
        return list_parse_first(value, len, flags, opt, out, cap, count, err);
    corshdr_kernel kernel = corshdr__kernel_from(probed, o->kernel);
    if (kernel == CORSHDR_KERNEL_SCALAR || len > o->max_bytes ||
        (flags & ~(CORSHDR_LIST_SINGLETON | CORSHDR_LIST_NONEMPTY)))
        return list_parse_slow(value, len, flags, o, out, cap, count, err);
    /* The common case, a clean value, straight through the vector path: no lines to find. */
#if CORSHDR_HAVE_X86_SIMD
    if (kernel == CORSHDR_KERNEL_AVX2 && len < 64)
        return list_parse_short_avx2(value, len, flags, o, out, cap, count, err);
#endif
    return list_parse_vector(value, len, kernel, flags, o, out, cap, count, err);
}
