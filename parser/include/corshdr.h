/*
 * corshdr.h: strict, allocation-free parsing and checking of HTTP header-name lists and CORS headers.
 *
 * Rules implemented: RFC 9110 §5.1 (field names), §5.3 (field order), §5.5 (field values), §5.6.1 (lists),
 * §5.6.2 (tokens); WHATWG Fetch: "get", "get, decode, and split", "extract header list values", the CORS
 * check, the CORS-preflight fetch, the CORS-exposed header-name list, CORS-safelisted request headers,
 * CORS-unsafe request-header names, forbidden request headers and methods, and origin-or-null.
 * conformance/SEMANTICS.md gives the exact rule of every choice the specifications leave open.
 *
 * Conventions (the same for every function):
 * - Inputs are byte spans (ptr, len). Nothing is NUL-terminated, nothing is read outside the span, and a
 *   NULL ptr is allowed only with len 0.
 * - A header list is an array of corshdr_field in wire order, duplicates kept. Every function trims the
 *   SP and HTAB bytes around each line's value itself (RFC 9110 §5.5: OWS is not part of the value), so
 *   values may be passed as received. Names match byte-case-insensitively.
 * - Outputs are spans into the caller's input, or go into caller arrays and buffers with a capacity.
 *   When one is too small the call returns CORSHDR_ENOSPC and reports the size it needed.
 * - Functions that can fail return a corshdr_status and, when err is not NULL, fill *err with the field
 *   line, the byte offset and what was expected. No function allocates, keeps global mutable state,
 *   aborts or asserts on input; all are thread-safe and linear (or n log n for set sorting) in the input.
 */
#ifndef CORSHDR_H
#define CORSHDR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CORSHDR_VERSION_MAJOR 0
#define CORSHDR_VERSION_MINOR 1
#define CORSHDR_VERSION_PATCH 0
#define CORSHDR_VERSION_STRING "0.1.0"

#if defined(_WIN32) && defined(CORSHDR_SHARED_BUILD)
#define CORSHDR_API __declspec(dllexport)
#elif defined(__GNUC__)
#define CORSHDR_API __attribute__((visibility("default")))
#else
#define CORSHDR_API
#endif

/* "Not about one line" or "not about one byte" in an error record. */
#define CORSHDR_NPOS ((size_t)-1)

/*
 * Status codes. 0 and positive values are not errors; every negative value is a distinct failure kind
 * with a stable short name (corshdr_err_name) and a sentence (corshdr_strerror).
 */
typedef enum corshdr_status {
    CORSHDR_OK = 0,
    CORSHDR_DONE = 1,    /* an iterator has no further element */
    CORSHDR_ABSENT = 2,  /* the header is not in the list: Fetch's "null" */

    CORSHDR_EINVAL = -1,    /* bad argument: NULL pointer with a non-zero length, unknown flag */
    CORSHDR_ENOSPC = -2,    /* a caller array or buffer is too small; the needed size is reported */
    CORSHDR_ENAME = -3,     /* a field name is empty or has a byte that is not a tchar */
    CORSHDR_EVALUE = -4,    /* a field value contains NUL, CR or LF: Fetch treats it as a network error */
    CORSHDR_ESPACE = -5,    /* a header value begins or ends with SP or HTAB */
    CORSHDR_ETOKEN = -6,    /* a list element or token has a byte that is not a tchar */
    CORSHDR_EEMPTY = -7,    /* a token is empty, or a 1#rule list has no element */
    CORSHDR_EREPEATED = -8, /* a singleton header is on more than one line */
    CORSHDR_ETOOMANY = -9,  /* more list elements than options.max_elements */
    CORSHDR_EEMPTIES = -10, /* more empty list elements than options.max_empty */
    CORSHDR_ETOOLONG = -11, /* the header's lines hold more bytes than options.max_bytes */
    CORSHDR_EORIGIN = -12,  /* not a serialized origin nor `null` */
    CORSHDR_EMAXAGE = -13,  /* Access-Control-Max-Age is not delta-seconds */
    CORSHDR_ENOACAO = -14,  /* Access-Control-Allow-Origin is absent */
    CORSHDR_EACAO = -15,    /* Access-Control-Allow-Origin does not match the request origin */
    CORSHDR_EWILDCARD = -16, /* Access-Control-Allow-Origin is `*` and credentials mode is "include" */
    CORSHDR_EACAC = -17,    /* credentials "include" but Access-Control-Allow-Credentials is not `true` */
    CORSHDR_ESTATUS = -18,  /* the preflight response status is not 200-299 */
    CORSHDR_EMETHOD = -19,  /* the method is not allowed by Access-Control-Allow-Methods */
    CORSHDR_EHEADER = -20,  /* a request header is not allowed by Access-Control-Allow-Headers */
    CORSHDR_EAUTHORIZATION = -21, /* Authorization is requested but not listed by name (`*` never covers it) */
    CORSHDR_ENULL = -22,    /* the `null` origin: in a policy, only with allow_null */
    CORSHDR_EINSECURE = -23, /* an http:// origin (not loopback) trusted with credentials */
    CORSHDR_EPUBLICSUFFIX = -24, /* a subdomain pattern over a public suffix */
    CORSHDR_ECANONICAL = -25, /* an origin not as browsers serialize it (case, default port, path, slash) */
    CORSHDR_EFORBIDDEN = -26, /* a forbidden request-header name: scripts can never send it */
    CORSHDR_EPOLICY = -27   /* a policy configuration with problems, each reported */
} corshdr_status;

/* A sentence describing the code; never NULL (unknown codes get a generic sentence). */
CORSHDR_API const char *corshdr_strerror(corshdr_status code);
/* The code's stable short name, e.g. "ETOKEN", for logs and JSON; never NULL. */
CORSHDR_API const char *corshdr_err_name(corshdr_status code);
/* The library version, CORSHDR_VERSION_STRING of the build. */
CORSHDR_API const char *corshdr_version(void);

typedef struct corshdr_span {
    const char *ptr;
    size_t len;
} corshdr_span;

/* One field line as received: the name and the bytes after the colon. */
typedef struct corshdr_field {
    corshdr_span name;
    corshdr_span value;
} corshdr_field;

/* Where and why a call failed. Offsets count from the start of the span the caller passed. */
typedef struct corshdr_error {
    corshdr_status code;
    size_t line;          /* index into the field array, or CORSHDR_NPOS */
    size_t offset;        /* byte offset into that line's value (or name, see in_name), or CORSHDR_NPOS */
    int in_name;          /* 1 when offset points into the field name rather than the value */
    const char *expected; /* static text: what the rule wanted at that place */
} corshdr_error;

/* Which lexing kernel runs. AUTO picks the fastest the CPU supports, once; SCALAR is always present. */
typedef enum corshdr_kernel {
    CORSHDR_KERNEL_AUTO = 0,
    CORSHDR_KERNEL_SCALAR = 1,
    CORSHDR_KERNEL_SSE2 = 2,
    CORSHDR_KERNEL_AVX2 = 3
} corshdr_kernel;

#define CORSHDR_DEFAULT_MAX_ELEMENTS 1024
#define CORSHDR_DEFAULT_MAX_EMPTY 1024
#define CORSHDR_DEFAULT_MAX_BYTES 65536

/*
 * Limits on one header read as a list (all of its lines together), and the kernel. A hostile peer can
 * send megabytes of commas or names; the work stays linear, and these bound what a caller accepts.
 * Exceeding one is an error (ETOOMANY, EEMPTIES, ETOOLONG), never silent truncation. NULL options
 * anywhere mean the defaults.
 */
typedef struct corshdr_options {
    size_t max_elements; /* non-empty elements; default 1024 */
    size_t max_empty;    /* empty elements, RFC 9110 §5.6.1 "a reasonable number"; default 1024 */
    size_t max_bytes;    /* bytes of the trimmed lines; default 65536 */
    corshdr_kernel kernel;
} corshdr_options;

/* Fill *opt with the defaults above. */
CORSHDR_API void corshdr_options_init(corshdr_options *opt);

/* ---- lex: tokens and values ------------------------------------------------------------------------ */

/* The length of the longest prefix of (ptr, len) made of RFC 9110 tchar bytes, using the given kernel
 * (AUTO: the probed one; a kernel the CPU lacks falls back to SCALAR). Every kernel gives the same result. */
CORSHDR_API size_t corshdr_tchar_span(const char *ptr, size_t len, corshdr_kernel kernel);

/* The kernel AUTO resolves to on this machine (never AUTO). Set CORSHDR_KERNEL=scalar in the environment
 * before the first call, or build with -DCORSHDR_FORCE_SCALAR=ON, to force the scalar kernel. */
CORSHDR_API corshdr_kernel corshdr_kernel_active(void);

/* RFC 9110 §5.6.2 token = 1*tchar. CORSHDR_OK, CORSHDR_EEMPTY, or CORSHDR_ETOKEN at the first bad byte. */
CORSHDR_API corshdr_status corshdr_token_check(const char *ptr, size_t len, corshdr_error *err);

/* Fetch "header value": no NUL, CR or LF (EVALUE), no leading or trailing SP/HTAB (ESPACE). The empty
 * value is valid; VT, FF, other controls and obs-text are allowed. */
CORSHDR_API corshdr_status corshdr_value_check(const char *ptr, size_t len, corshdr_error *err);

/* The span without its leading and trailing SP and HTAB (only those two: VT and FF are kept). */
CORSHDR_API corshdr_span corshdr_value_trim(const char *ptr, size_t len);

/* Checks a whole header list: every name a token (ENAME), no NUL, CR or LF in any value (EVALUE). Fetch
 * cannot represent a list that fails this, so the CORS functions treat it as a network error. */
CORSHDR_API corshdr_status corshdr_fields_check(const corshdr_field *fields, size_t n, corshdr_error *err);

/* Compares two names byte-case-insensitively in the byte order of their lowercase forms: <0, 0 or >0. */
CORSHDR_API int corshdr_name_compare(const char *a, size_t alen, const char *b, size_t blen);

/* ---- list: one header over its field lines ---------------------------------------------------------- */

/* The index of the first line whose name matches; CORSHDR_OK or CORSHDR_ABSENT. */
CORSHDR_API corshdr_status corshdr_header_find(const corshdr_field *fields, size_t n, const char *name,
                                               size_t name_len, size_t *index);

/*
 * Fetch "get": the trimmed values of every line named `name`, in order, joined by ", " into buf.
 * CORSHDR_OK with *len set; CORSHDR_ABSENT (no such line, *len = 0); CORSHDR_ENOSPC with *len the
 * bytes needed. buf may be NULL when cap is 0, to ask for the size.
 */
CORSHDR_API corshdr_status corshdr_header_combine(const corshdr_field *fields, size_t n, const char *name,
                                                  size_t name_len, char *buf, size_t cap, size_t *len);

/* Iterator for Fetch "get, decode, and split" of one value (use corshdr_header_combine first when the
 * header has several lines: a quoted string may span them). Never fails. */
typedef struct corshdr_split {
    const char *ptr;
    size_t len;
    size_t pos;
    int done;
} corshdr_split;

CORSHDR_API void corshdr_split_init(corshdr_split *s, const char *ptr, size_t len);
/* CORSHDR_OK with *elem (a span into the value: trimmed of SP/HTAB, quoted strings raw, maybe empty),
 * or CORSHDR_DONE. */
CORSHDR_API corshdr_status corshdr_split_next(corshdr_split *s, corshdr_span *elem);

/* Flags for the list functions. */
#define CORSHDR_LIST_SINGLETON 0x1u /* the header's ABNF allows one line: a second line is EREPEATED */
#define CORSHDR_LIST_NONEMPTY 0x2u  /* RFC 9110 1#rule: no element at all is EEMPTY */

/*
 * Iterator for Fetch "extract header list values" of a #token header (#field-name, #method): each line
 * split on ",", elements trimmed of SP/HTAB, empty elements skipped (counted against max_empty), every
 * other element must be a token. Elements are spans into the caller's values. The fields must outlive
 * the iterator. A failure can come after elements were produced: act on them only once next returned
 * CORSHDR_DONE (or use corshdr_list_extract).
 */
typedef struct corshdr_list {
    const corshdr_field *fields;
    size_t nfields;
    const char *name;
    size_t name_len;
    corshdr_options opt;
    unsigned flags;
    size_t line;     /* the line being read, or nfields when done */
    size_t pos;      /* offset in that line's value */
    size_t end;      /* end of that value after trimming */
    size_t elements; /* non-empty elements produced */
    size_t empties;  /* empty elements skipped */
    size_t bytes;    /* trimmed bytes of all its lines, counted only when max_bytes could be exceeded */
    corshdr_error error; /* the sticky outcome once DONE or failed; code CORSHDR_OK while running */
} corshdr_list;

/* CORSHDR_OK, CORSHDR_ABSENT (no such line), CORSHDR_EREPEATED (SINGLETON and two lines),
 * CORSHDR_ETOOLONG (lines longer than max_bytes), CORSHDR_EINVAL. */
CORSHDR_API corshdr_status corshdr_list_init(corshdr_list *it, const corshdr_field *fields, size_t n,
                                             const char *name, size_t name_len, unsigned flags,
                                             const corshdr_options *opt, corshdr_error *err);
/* CORSHDR_OK with *elem, CORSHDR_DONE, or CORSHDR_ETOKEN, ETOOMANY, EEMPTIES, EEMPTY (NONEMPTY). After an
 * error or DONE every further call returns the same status. */
CORSHDR_API corshdr_status corshdr_list_next(corshdr_list *it, corshdr_span *elem, corshdr_error *err);

/*
 * The whole of "extract header list values" into out[0..cap). CORSHDR_OK with *count elements (0 means
 * present but empty), CORSHDR_ABSENT (Fetch null, *count = 0), a list error (Fetch failure), or
 * CORSHDR_ENOSPC when the header is valid but holds *count > cap elements. The vector path writes
 * ahead, so out[*count..cap) may be overwritten; nothing past cap is ever written.
 */
CORSHDR_API corshdr_status corshdr_list_extract(const corshdr_field *fields, size_t n, const char *name,
                                                size_t name_len, unsigned flags, const corshdr_options *opt,
                                                corshdr_span *out, size_t cap, size_t *count,
                                                corshdr_error *err);

/*
 * The same for one value (e.g. an Access-Control-Request-Headers value your HTTP library already
 * combined): elements into out[0..cap). CORSHDR_OK with *count, a list error (err->line is
 * CORSHDR_NPOS, err->offset counts in the value), or CORSHDR_ENOSPC with the count needed. The fastest
 * way to read a list: the vector kernels classify 64 bytes at a time. As with corshdr_list_extract,
 * out[*count..cap) may be overwritten.
 */
CORSHDR_API corshdr_status corshdr_list_parse(const char *value, size_t len, unsigned flags,
                                              const corshdr_options *opt, corshdr_span *out, size_t cap,
                                              size_t *count, corshdr_error *err);

/* ---- names: case-insensitive header-name sets in caller storage ------------------------------------- */

/* One set member: the name as first spelled, and bookkeeping the set functions own. */
typedef struct corshdr_name {
    corshdr_span name;
    size_t seq;    /* order of addition: ties in sorting keep the first spelling */
    unsigned mark; /* scratch bit for set operations (preflight, exposed filter) */
} corshdr_name;

typedef struct corshdr_names {
    corshdr_name *items;
    size_t cap;
    size_t count;  /* members stored */
    size_t needed; /* names added so far, stored or not: the capacity an ENOSPC asks for */
    int sorted;    /* 1 after corshdr_names_sort until the next add */
} corshdr_names;

CORSHDR_API void corshdr_names_init(corshdr_names *set, corshdr_name *storage, size_t cap);
/* Appends a name (no copy: the bytes must outlive the set). CORSHDR_OK or CORSHDR_ENOSPC (set->needed
 * keeps counting, so the caller learns the capacity to retry with). */
CORSHDR_API corshdr_status corshdr_names_add(corshdr_names *set, const char *ptr, size_t len);
/* Sorts by lowercase bytes and drops case-insensitive duplicates, keeping the first spelling added.
 * O(n log n) comparisons, in place (heapsort; insertion sort up to 16 names, where it compares less):
 * no input, however hostile, makes it quadratic. */
CORSHDR_API void corshdr_names_sort(corshdr_names *set);
/* Looks a name up (case-insensitively) in a sorted set: CORSHDR_OK with *index, CORSHDR_ABSENT, or
 * CORSHDR_EINVAL when the set is not sorted. index may be NULL. */
CORSHDR_API corshdr_status corshdr_names_find(const corshdr_names *set, const char *ptr, size_t len,
                                              size_t *index);
/* Writes the members of a sorted set, lowercased, separated by sep, into buf. CORSHDR_OK with *len,
 * CORSHDR_ENOSPC with *len the bytes needed, CORSHDR_EINVAL when not sorted. */
CORSHDR_API corshdr_status corshdr_names_join(const corshdr_names *set, const char *sep, size_t sep_len,
                                              char *buf, size_t cap, size_t *len);

/* ---- cors: Fetch semantics ------------------------------------------------------------------------- */

typedef enum corshdr_credentials {
    CORSHDR_CREDENTIALS_OMIT = 0,
    CORSHDR_CREDENTIALS_SAME_ORIGIN = 1,
    CORSHDR_CREDENTIALS_INCLUDE = 2
} corshdr_credentials;

/* Fetch `origin-or-null` as a browser serializes it (SEMANTICS.md "origin"): `null`, or
 * scheme "://" host [":" port], lowercase, no default port, no path. CORSHDR_OK or CORSHDR_EORIGIN. */
CORSHDR_API corshdr_status corshdr_origin_check(const char *ptr, size_t len, corshdr_error *err);

/*
 * One pass over a header list: whether Fetch can represent it (every name a token, no NUL, CR or LF in a
 * value) and where the lines the CORS functions read are. Each check below builds one and answers from
 * it; a caller that asks several things of one response (the CORS check, then the exposed headers, then
 * max-age) builds it once, in its own storage, and calls the corshdr_index_* forms. Names match
 * byte-case-insensitively. The fields must outlive the index.
 */
typedef enum corshdr_cors_name {
    CORSHDR_ACAO = 0, /* Access-Control-Allow-Origin */
    CORSHDR_ACAC,     /* Access-Control-Allow-Credentials */
    CORSHDR_ACAM,     /* Access-Control-Allow-Methods */
    CORSHDR_ACAH,     /* Access-Control-Allow-Headers */
    CORSHDR_ACEH,     /* Access-Control-Expose-Headers */
    CORSHDR_ACMA,     /* Access-Control-Max-Age */
    CORSHDR_ORIGIN,   /* Origin */
    CORSHDR_ACRM,     /* Access-Control-Request-Method */
    CORSHDR_ACRH,     /* Access-Control-Request-Headers */
    CORSHDR_CORS_NAMES
} corshdr_cors_name;

#define CORSHDR_INDEX_KEPT 8 /* lines of one header the index keeps; more are found again by name */

typedef struct corshdr_index {
    const corshdr_field *fields;
    size_t n;
    size_t count[CORSHDR_CORS_NAMES];                      /* lines with that name */
    size_t line[CORSHDR_CORS_NAMES][CORSHDR_INDEX_KEPT];   /* the first of them, in order */
} corshdr_index;

/* Builds *ix over fields[0..n), on opt's kernel (NULL: the defaults). CORSHDR_OK, or ENAME / EVALUE (the
 * list is a network error; err locates the first bad line as corshdr_fields_check does), or EINVAL. */
CORSHDR_API corshdr_status corshdr_index_build(corshdr_index *ix, const corshdr_field *fields, size_t n,
                                               const corshdr_options *opt, corshdr_error *err);

/*
 * Fetch "CORS check" of a response for a request whose byte-serialized origin is (origin, origin_len)
 * (`null` for an opaque origin). CORSHDR_OK, or why not: ENOACAO, EREPEATED, EWILDCARD, EACAO, EACAC; or
 * ENAME/EVALUE when the list itself is a network error.
 */
CORSHDR_API corshdr_status corshdr_cors_check(const corshdr_field *fields, size_t n, const char *origin,
                                              size_t origin_len, corshdr_credentials credentials,
                                              corshdr_error *err);

/* The same on an index built by corshdr_index_build (which already answered ENAME / EVALUE). */
CORSHDR_API corshdr_status corshdr_index_cors_check(const corshdr_index *ix, const char *origin, size_t origin_len,
                                                    corshdr_credentials credentials, corshdr_error *err);

/* The request a preflight answers. */
typedef struct corshdr_request {
    corshdr_span origin;             /* byte-serialized request origin, or `null` */
    corshdr_span method;             /* as the page gave it; normalized as Fetch does */
    corshdr_credentials credentials;
    corshdr_names *headers;          /* CORS-unsafe request-header names (any case), or NULL; sorted and
                                        its marks used by the call, so not shared while it runs */
    int use_preflight;               /* Fetch's use-CORS-preflight flag: an absent ACAM then allows the method */
    uint32_t max_age_cap;            /* the caller's cap on the cache time; 0 means none */
} corshdr_request;

/*
 * The checks Fetch's CORS-preflight fetch makes on its response: ok status, CORS check,
 * Access-Control-Allow-Methods and -Headers (strict list parse: a bad element fails), the method and
 * every request header allowed. On CORSHDR_OK, *max_age (may be NULL) is the cache time in seconds.
 * Errors: ESTATUS, the CORS check's, the list errors of ACAM/ACAH (err->line names the line), EMETHOD,
 * EHEADER, EAUTHORIZATION, ENAME/EVALUE.
 */
CORSHDR_API corshdr_status corshdr_preflight_check(const corshdr_request *req, int status,
                                                   const corshdr_field *fields, size_t n,
                                                   const corshdr_options *opt, uint32_t *max_age,
                                                   corshdr_error *err);

CORSHDR_API corshdr_status corshdr_index_preflight_check(const corshdr_index *ix, const corshdr_request *req,
                                                         int status, const corshdr_options *opt, uint32_t *max_age,
                                                         corshdr_error *err);

/*
 * Access-Control-Max-Age (SEMANTICS.md "max-age"). *seconds is always set: the value (saturating at
 * 2147483648), 0 for a negative integer, 5 when absent or invalid. Returns CORSHDR_OK, CORSHDR_ABSENT,
 * CORSHDR_EREPEATED or CORSHDR_EMAXAGE (negative or not digits), so a caller can say why.
 */
CORSHDR_API corshdr_status corshdr_max_age_parse(const corshdr_field *fields, size_t n, uint32_t *seconds,
                                                 corshdr_error *err);
CORSHDR_API corshdr_status corshdr_index_max_age(const corshdr_index *ix, uint32_t *seconds, corshdr_error *err);

/*
 * The CORS filter: which response header names script may read, assuming the CORS check passed. The
 * seven safelisted names, the Access-Control-Expose-Headers elements (`*` meaning every name unless
 * credentials is "include"), never Set-Cookie or Set-Cookie2. *readable must have been initialized with
 * storage for at least n names (names already in it are kept as candidates too, so start empty); on
 * CORSHDR_OK it holds the readable names, sorted and unique. A bad or
 * absent Expose-Headers exposes nothing more and is still CORSHDR_OK: err->code then says why (ABSENT or
 * the list error) so tools can explain it. ENAME/EVALUE: network error; ENOSPC: storage too small.
 */
CORSHDR_API corshdr_status corshdr_exposed_filter(const corshdr_field *fields, size_t n,
                                                  corshdr_credentials credentials, const corshdr_options *opt,
                                                  corshdr_names *readable, corshdr_error *err);
CORSHDR_API corshdr_status corshdr_index_exposed_filter(const corshdr_index *ix, corshdr_credentials credentials,
                                                        const corshdr_options *opt, corshdr_names *readable,
                                                        corshdr_error *err);

/* One name at a time (e.g. for Headers.get): 1 when script may read response header `name`, else 0.
 * A list that is a network error exposes nothing. */
CORSHDR_API int corshdr_is_exposed(const corshdr_field *fields, size_t n, corshdr_credentials credentials,
                                   const corshdr_options *opt, const char *name, size_t name_len);
CORSHDR_API int corshdr_index_is_exposed(const corshdr_index *ix, corshdr_credentials credentials,
                                         const corshdr_options *opt, const char *name, size_t name_len);

/* ---- cors: request side ---------------------------------------------------------------------------- */

/* Fetch "CORS-safelisted request-header" (value as given, not trimmed). 1 or 0. */
CORSHDR_API int corshdr_is_safelisted_request_header(const char *name, size_t name_len, const char *value,
                                                     size_t value_len);
/* Fetch "forbidden request-header", including proxy-/sec- prefixes and the method-override headers. */
CORSHDR_API int corshdr_is_forbidden_request_header(const char *name, size_t name_len, const char *value,
                                                    size_t value_len);
/* Fetch "forbidden method": CONNECT, TRACE, TRACK, case-insensitive. */
CORSHDR_API int corshdr_is_forbidden_method(const char *ptr, size_t len);
/* Fetch "CORS-safelisted method": GET, HEAD, POST, byte-exact (normalize first). */
CORSHDR_API int corshdr_is_safelisted_method(const char *ptr, size_t len);
/* The seven CORS-safelisted response-header names, case-insensitive. */
CORSHDR_API int corshdr_is_safelisted_response_name(const char *ptr, size_t len);
/* Fetch "forbidden response-header name": Set-Cookie, Set-Cookie2. */
CORSHDR_API int corshdr_is_forbidden_response_name(const char *ptr, size_t len);

/* Fetch method "normalize": DELETE, GET, HEAD, OPTIONS, POST, PUT in any case give their uppercase form
 * (a static string); anything else is returned as given. */
CORSHDR_API corshdr_span corshdr_method_normalize(const char *ptr, size_t len);

/*
 * Fetch "CORS-unsafe request-header names" of a request's author headers, added to *names (initialized
 * with storage for n names; names already there stay, so several header sets can be merged): on
 * CORSHDR_OK it is sorted and unique; corshdr_names_join(names, ",", 1, ...)
 * then writes the exact Access-Control-Request-Headers value a browser sends. ENAME/EVALUE for a list
 * that cannot exist, ENOSPC for too little storage.
 */
CORSHDR_API corshdr_status corshdr_unsafe_names_collect(const corshdr_field *headers, size_t n,
                                                        corshdr_names *names, corshdr_error *err);

/* ---- policy: the server side, compiled once, applied per request ---------------------------------- */

/*
 * What a server allows. corshdr_policy_compile checks every entry and reports every problem at once;
 * nothing is ever echoed to a client that was not checked.
 *
 * Origins: each entry is one of
 * - a serialized origin as browsers send it: "https://app.example.com", "http://localhost:8080";
 * - a subdomain pattern: a scheme, "://", "*." and a base domain (README.md shows one whole; a C
 *   comment cannot): one or more labels before the base, at any depth (a.example.com,
 *   a.b.example.com), never the base itself and never a name that only ends like it (evilexample.com);
 * - a port pattern "https://example.com:*": any port, the default included (instead of a port, never
 *   beside one); the two combine;
 * - "*": every origin, answered with `*` (not with credentials).
 * Matching is byte for byte on the serialized origin, so case, a trailing dot, userinfo or another IPv6
 * spelling never match: a browser never sends them. `null` is not an entry: set allow_null.
 */
typedef struct corshdr_policy_config {
    const corshdr_span *origins;
    size_t norigins;
    int allow_null;              /* answer `Origin: null` (sandboxed pages, file: URLs): anyone can send it,
                                    so never with credentials (ENULL) */
    int credentials;             /* send Access-Control-Allow-Credentials: true */
    const corshdr_span *methods; /* allowed beyond GET, HEAD, POST, exact case; "*": every method */
    size_t nmethods;
    const corshdr_span *headers; /* request header names, any case; "*": every name but Authorization, which
                                    must be named (Fetch: `*` never covers it) */
    size_t nheaders;
    const corshdr_span *expose;  /* response header names script may read; "*": all (not with credentials) */
    size_t nexpose;
    int32_t max_age;             /* Access-Control-Max-Age: 1-86400 s; 0 sends none (browsers keep 5 s);
                                    -1 sends 0 (no caching) */
    int preflight_status;        /* status of an allowed preflight's answer, 200-299; 0 means 204 */
    int debug;                   /* refusals carry a Corshdr-Reason line (off by default: it tells an
                                    attacker what the policy checks) */
    /* Whether a domain is a public suffix, e.g. libpsl's psl_is_public_suffix2 behind a wrapper: with
     * it, a subdomain pattern over a public suffix (any subdomain of co.uk) is refused (EPUBLICSUFFIX).
     * The library holds no suffix list of its own; NULL skips the check. */
    int (*is_public_suffix)(void *ctx, const char *domain, size_t len);
    void *suffix_ctx;
} corshdr_policy_config;

/* The part of a configuration a problem is in. */
typedef enum corshdr_policy_part {
    CORSHDR_PART_ORIGINS = 0,
    CORSHDR_PART_METHODS,
    CORSHDR_PART_HEADERS,
    CORSHDR_PART_EXPOSE,
    CORSHDR_PART_SETTINGS /* a flag or a number: allow_null, credentials, max_age, preflight_status */
} corshdr_policy_part;

/* One problem of a configuration. */
typedef struct corshdr_problem {
    corshdr_status code;      /* the rule it breaks: see corshdr_policy_compile */
    corshdr_policy_part part;
    size_t index;             /* the entry in that list, or CORSHDR_NPOS */
    size_t offset;            /* the byte in that entry, or CORSHDR_NPOS */
    const char *message;      /* static text: what is wrong */
} corshdr_problem;

/* A compiled policy: read-only once compiled, so one may serve every thread. Its fields are the
 * library's; everything points into the storage given to corshdr_policy_compile. */
typedef struct corshdr_policy {
    corshdr_names exact;         /* exact origins, sorted */
    corshdr_names headers;       /* named request headers, sorted */
    const void *patterns;        /* origin patterns */
    size_t npatterns;
    corshdr_span acam, acah, aceh, acma; /* rendered values */
    unsigned flags;
    int preflight_status;
    size_t storage_needed;       /* set by compile: the bytes of storage the configuration takes */
} corshdr_policy;

/*
 * Checks cfg and compiles it into *p, in storage[0..size) (the configuration need not outlive the call).
 * CORSHDR_OK; CORSHDR_EPOLICY with *nproblems problems, the first min(*nproblems, cap) in problems[], in
 * the order of the configuration; CORSHDR_ENOSPC with p->storage_needed set (compile with size 0 first to
 * learn it); CORSHDR_EINVAL. The problems, each with its own code:
 * - EWILDCARD: "*" in origins, headers or expose, together with credentials;
 * - ENULL: "null" in origins (set allow_null instead, knowing anyone can send it), or allow_null together
 *   with credentials (any page can make a sandboxed iframe and read the user's data: part SETTINGS);
 * - EINSECURE: an http:// or ws:// origin with credentials, unless its host is loopback (localhost,
 *   *.localhost, 127.0.0.0/8, [::1]);
 * - EPUBLICSUFFIX: a subdomain pattern over a public suffix (needs is_public_suffix, which gets the base
 *   without a trailing dot: libpsl calls "co.uk" a public suffix but not "co.uk.");
 * - ECANONICAL: an origin not as browsers send it (uppercase, a default port, a path or trailing slash),
 *   or a standard method (DELETE, GET, HEAD, OPTIONS, POST, PUT) not in uppercase: browsers send those
 *   upper-cased and methods compare byte for byte, so "put" would never match;
 * - EORIGIN: an entry that is not an origin or a pattern at all; EEMPTY: no origin and no allow_null;
 * - ETOKEN / EEMPTY: a method or header name that is not a token;
 * - EMETHOD: a forbidden method (CONNECT, TRACE, TRACK: browsers never send it);
 * - EFORBIDDEN: a forbidden request-header name (Fetch: scripts can never set it);
 * - EHEADER: Set-Cookie or Set-Cookie2 in expose (never readable);
 * - EMAXAGE: max_age outside -1..86400; ESTATUS: preflight_status outside 200-299.
 */
CORSHDR_API corshdr_status corshdr_policy_compile(corshdr_policy *p, const corshdr_policy_config *cfg, void *storage,
                                                  size_t size, corshdr_problem *problems, size_t cap,
                                                  size_t *nproblems);

/* What a request is to CORS. */
typedef enum corshdr_request_kind {
    CORSHDR_REQUEST_PLAIN = 0, /* no Origin: not a CORS request */
    CORSHDR_REQUEST_ACTUAL,    /* with Origin (an OPTIONS without Access-Control-Request-Method too) */
    CORSHDR_REQUEST_PREFLIGHT  /* OPTIONS with Origin and Access-Control-Request-Method */
} corshdr_request_kind;

/* The most lines corshdr_policy_apply adds to a response. */
#define CORSHDR_POLICY_FIELDS 7

/* The policy's answer to one request. */
typedef struct corshdr_policy_answer {
    corshdr_request_kind kind;
    int status;       /* a preflight's status to answer with: the policy's (204) when allowed, 403 when not;
                         0 for other requests: the application's */
    corshdr_field lines[CORSHDR_POLICY_FIELDS]; /* to add to the response: names are static, values point
                                                   into the policy or into the request's checked bytes */
    size_t nlines;
    corshdr_error why; /* CORSHDR_OK, or the reason refused and where (line, offset in its value) */
} corshdr_policy_answer;

/*
 * The CORS lines for one request: `method` as received, `request` its header lines. Reads only Origin,
 * Access-Control-Request-Method and Access-Control-Request-Headers (the last on any number of lines,
 * within opt's limits), each once. Returns CORSHDR_OK (a CORS request allowed: add the lines; answer a
 * preflight with answer->status and no body), CORSHDR_ABSENT (not a CORS request: add the lines, a Vary
 * at most), or why the request is refused (the lines then hold Vary and, in debug mode, the reason):
 * EORIGIN (Origin malformed), EREPEATED (Origin or Access-Control-Request-Method on two lines), EVALUE
 * (NUL, CR or LF in one of those lines), ENULL (`null`, not allowed), EACAO (an origin the policy does
 * not allow), EMETHOD, EHEADER, EAUTHORIZATION (asked for and only `*` allows headers), or a list error
 * of Access-Control-Request-Headers (ETOKEN, EEMPTY, ETOOMANY, EEMPTIES, ETOOLONG). Vary is added to
 * every answer whose content depends on the request (Origin, unless the answer is the `*` that every
 * origin gets from a policy allowing all; for an OPTIONS request also the two request headers): a new
 * line, never replacing the application's. Nothing is allocated.
 */
CORSHDR_API corshdr_status corshdr_policy_apply(const corshdr_policy *p, const char *method, size_t method_len,
                                                const corshdr_field *request, size_t n, const corshdr_options *opt,
                                                corshdr_policy_answer *answer);

#ifdef __cplusplus
}
#endif

#endif /* CORSHDR_H */
