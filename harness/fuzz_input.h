/*
 * fuzz_input: how every fuzz target turns its raw bytes into the library's inputs, and how it reports a
 * wrong result.
 *
 * Formats (each target says which one it reads, and what its records mean):
 *
 *   VALUE    F V...          byte F (flags), then the value: every remaining byte.
 *   RECORDS  F S R0 S R1 ... byte F (flags), byte S (the separator, any value), then records separated by
 *                            S. A target reads its parameters from the first records; the records after
 *                            them are header lines: NAME ':' VALUE, split at the first ':' (a record
 *                            without ':' is a name with an empty value). The value is passed untrimmed.
 *   RAW                      the bytes as they are (the conform and head targets).
 *
 *   F bits 0-1  credentials mode: 0 omit, 1 same-origin, 2 include, 3 omit
 *   F bit  2    pass empty spans as (NULL, 0) instead of a pointer to a 0-byte allocation
 *   F bit  3    target switch A (name_list: CORSHDR_LIST_SINGLETON; preflight: use-CORS-preflight flag)
 *   F bit  4    target switch B (name_list: CORSHDR_LIST_NONEMPTY)
 *   F bits 5-7  L: 0 the default limits; 1-7 small limits max_elements = max_empty = L-1,
 *               max_bytes = 6*L, so every limit error is reachable with a short input
 *
 * Every span handed to the library is copied into its own malloc'd buffer of exactly its length, so
 * AddressSanitizer reports a read one byte past any span. Copies are freed by fin_free.
 *
 * A wrong result calls FUZZ_CHECK's failure path: a "corshdr-fuzz: MISMATCH" line on stderr naming the
 * check (file:line, which triage uses to tell findings apart), then abort(), which every engine and the
 * replay driver report as a crash.
 */
#ifndef CORSHDR_FUZZ_INPUT_H
#define CORSHDR_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "corshdr.h"
#include "oracle.h"

/* The libFuzzer entry point every target defines, and the optional one-time initializer (none defines
 * it today; the drivers call it when it exists). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#if defined(__GNUC__)
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
#endif

/* The replay driver (replay_main.c): runs every file, and every file of every folder, named in argv. */
int fuzz_replay(int argc, char **argv);

#define FIN_NULL_EMPTY 0x04u
#define FIN_SWITCH_A 0x08u
#define FIN_SWITCH_B 0x10u

typedef struct fuzz_input {
    unsigned flags;
    unsigned char sep;
    const unsigned char *p; /* the records (or the value), not yet copied */
    size_t n;
    size_t pos;
    int ended;
    void **allocs;
    size_t nallocs;
    size_t cap;
} fuzz_input;

/* The VALUE format: returns the value, copied. */
corshdr_span fin_value(fuzz_input *in, const uint8_t *data, size_t size);
/* The RECORDS format: reads F and S. */
void fin_records(fuzz_input *in, const uint8_t *data, size_t size);
/* The next record, copied; 0 when there is none (then *rec is an empty span). */
int fin_record(fuzz_input *in, corshdr_span *rec);
/* The next record parsed as a decimal integer (optional '-', digits; saturating; anything else gives 0). */
long long fin_number(fuzz_input *in);
/* All remaining records as header lines, in an array of exactly *n elements. */
corshdr_field *fin_fields(fuzz_input *in, size_t *n);
/* The RECORDS format of a target with one parameter: fin_records, the first record into *param, the
 * rest as header lines (fin_fields). */
corshdr_field *fin_param_fields(fuzz_input *in, const uint8_t *data, size_t size, corshdr_span *param, size_t *n);

/* Exact-size allocations, freed by fin_free. fin_alloc(in, 0) is a valid 0-byte allocation. */
void *fin_alloc(fuzz_input *in, size_t size);
/* A copy of (p, n) in its own allocation ((NULL, 0) when n is 0 and F bit 2 is set). */
corshdr_span fin_copy(fuzz_input *in, const void *p, size_t n);
void fin_free(fuzz_input *in);

corshdr_credentials fin_credentials(const fuzz_input *in);
/* The limits F selects, with `kernel`; fin_limits gives the same limits for the oracle. */
corshdr_options fin_options(const fuzz_input *in, corshdr_kernel kernel);
oracle_limits fin_limits(const fuzz_input *in);
oracle_limits fin_limits_of(const corshdr_options *opt);

/* Every kernel value, SCALAR first: the reference the others must agree with. */
extern const corshdr_kernel fin_kernels[4];
#define FIN_NKERNELS 4

/* Header-line helpers shared by the targets. */
/* A copy of the lines with every line named `name` split at each ',' into several lines (same name,
 * the pieces as values, in order): a #list header's result must not change. *m gets the new count. */
corshdr_field *fin_split_at_commas(fuzz_input *in, const corshdr_field *f, size_t n, const char *name,
                                   size_t nlen, size_t *m);
/* A header line from literal text, copied. */
corshdr_field fin_line(fuzz_input *in, const char *name, const char *value, size_t vlen);

/* corshdr_index_build on every kernel, checked: the same status and error record on each, the status of
 * the oracle's list check, and the lines of each CORS name the oracle counts. 1 with *ix (the SCALAR
 * kernel's) when the list is valid, else 0. */
int fin_index(fuzz_input *in, const corshdr_field *f, size_t n, corshdr_index *ix);

/* Reporting. */
#if defined(__GNUC__)
#define FUZZ_NORETURN __attribute__((noreturn))
#define FUZZ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FUZZ_NORETURN
#define FUZZ_PRINTF(f, a)
#endif

FUZZ_NORETURN void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...) FUZZ_PRINTF(4, 5);
/* A printable rendering of bytes for messages (C escapes, truncated); valid until the eighth next call. */
const char *fuzz_esc(const char *p, size_t n);
const char *fuzz_esc_span(corshdr_span s);

#define FUZZ_CHECK(cond, ...) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__))

/* p + i without arithmetic on a NULL pointer (a (NULL, 0) span stays NULL). */
static inline const char *fin_at(const char *p, size_t i)
{
    return p ? p + i : p;
}

/* 1 when the spans hold the same bytes. */
int fin_span_eq(corshdr_span a, const char *p, size_t n);
/* 1 when the library's element list equals the oracle's, byte for byte. */
int fin_spans_eq_olist(const corshdr_span *v, size_t n, const olist *l);

#endif
