/*
 * afl_main: the AFL++ driver of a fuzz target (CORSHDR_FUZZ_ENGINE=afl, compiled by afl-clang-fast or
 * afl-clang-lto, which define the __AFL_* macros used here; instrumentation/README.persistent_mode.md).
 *
 * Under afl-fuzz (and afl-showmap, afl-cmin, afl-tmin) the process is started once: __AFL_INIT starts the
 * fork server after the one-time setup (deferred init), then __AFL_LOOP runs up to FUZZ_AFL_LOOPS inputs
 * in the same process (persistent mode) before AFL++ forks a fresh one. Each input arrives in shared
 * memory (__AFL_FUZZ_TESTCASE_BUF / _LEN: no file, no read(2)), and is copied into a heap block of exactly
 * its size, as libFuzzer and the replay driver do, so that a read one byte past it trips AddressSanitizer
 * on every engine alike.
 *
 * Run by hand with files or folders as arguments, it is the replay driver (replay_main.c): afl-fuzz never
 * passes any (the test case is in shared memory), so a crash file is reproduced with
 *   fuzz_<target> CRASH_FILE
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* read(2), which __AFL_FUZZ_TESTCASE_LEN uses when there is no shared memory */

#include "fuzz_input.h"

#ifndef __AFL_FUZZ_TESTCASE_LEN
#error "afl_main.c needs the __AFL_* macros of afl-clang-fast or afl-clang-lto"
#endif

/* Inputs per process: large, since the targets keep no state between inputs (a leak or a corrupted heap
 * still shows, as ASan reports it when it happens); AFL++ starts a new process after a crash or timeout. */
#define FUZZ_AFL_LOOPS 1000000

/* The shared-memory buffer and its stdin fallback, defined at file scope by AFL++'s macro (which brings
 * its own ';'). */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wmissing-variable-declarations"
#endif
__AFL_FUZZ_INIT()

/* __AFL_LOOP is a statement expression (a GNU extension) inside AFL++'s own macro. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wgnu-statement-expression"
#endif

int main(int argc, char **argv)
{
    if (argc > 1)
        return fuzz_replay(argc, argv);

    /* The one-time setup, before the fork server starts, so that no process AFL++ forks redoes it: the
     * target's initializer if it has one, the library's lazy first-call work (the CPU probe that picks
     * the kernel), which would otherwise show as unstable coverage of each process's first input, and one
     * empty input (the harness's own first-call work: stdio, the allocator). */
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    (void)corshdr_kernel_active();
    unsigned char *warm = malloc(1);
    if (!warm)
        abort();
    (void)LLVMFuzzerTestOneInput(warm, 0);
    free(warm);
    __AFL_INIT();

    /* Read after __AFL_INIT, which maps the shared memory (before it, the pointer is the fallback's). */
    const unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(FUZZ_AFL_LOOPS)) {
        size_t len = __AFL_FUZZ_TESTCASE_LEN;
        unsigned char *exact = malloc(len);
        if (!exact && len)
            abort();
        if (len)
            memcpy(exact, buf, len);
        (void)LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    return 0;
}
