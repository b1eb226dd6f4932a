/* Helpers shared by the unit tests: guard-page copies of every input, and a field-list builder. */
#ifndef CORSHDR_TESTUTIL_H
#define CORSHDR_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "corshdr.h"

/* A copy of (p, n) whose last byte sits right before a PROT_NONE page, so reading one byte past the
 * span faults. Valid until guard_release(). */
const char *guard_dup(const void *p, size_t n);
/* Unmaps every guard copy (tests call it in long loops to stay under the kernel's map limit). */
void guard_release(void);
/* The number of live guard copies. */
size_t guard_live(void);

/* A NUL-free literal, guard-copied. */
#define G(s) guard_dup((s), strlen(s))
/* A field line with both spans guard-copied; strings may not contain NUL (use field_n for that). */
corshdr_field F(const char *name, const char *value);
corshdr_field field_n(const char *name, size_t name_len, const char *value, size_t value_len);

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A span over a NUL-terminated string (the NUL excluded). */
static inline corshdr_span span_of(const char *s)
{
    corshdr_span sp = {s, strlen(s)};
    return sp;
}

/* Asserts that a span holds exactly the literal. */
#define assert_span(span, lit)                                                                           \
    do {                                                                                                 \
        corshdr_span s_ = (span);                                                                        \
        assert_int_equal(s_.len, strlen(lit));                                                           \
        if (s_.len)                                                                                      \
            assert_memory_equal(s_.ptr, (lit), s_.len);                                                  \
    } while (0)

int guard_teardown(void **state);

#endif
