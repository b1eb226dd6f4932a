/* head_check: what the head targets check of one response head (see head_check.c). */
#ifndef CORSHDR_FUZZ_HEAD_CHECK_H
#define CORSHDR_FUZZ_HEAD_CHECK_H

#include <stddef.h>

#include "fuzz_input.h"

/* Runs every check on buf[0, size) (an exact-size allocation of the caller's), allocating through `in`;
 * a wrong result aborts through FUZZ_CHECK. */
void head_check(fuzz_input *in, const char *buf, size_t size);

#endif
