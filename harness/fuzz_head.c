/*
 * Target head (RAW: the bytes of a response head, as `corshdr check` reads a file): the tool's pure
 * response-head reader (tools/corshdr/head.h), then the library over what it read. The checks are
 * head_check.c's. Its bounds (1 MiB, 10000 lines) are out of reach of libFuzzer's -max_len=4096: target
 * head_limits expands a small input into a head that big.
 */
#include <string.h>

#include "head_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    memset(&in, 0, sizeof in);
    corshdr_span head = fin_copy(&in, data, size);
    head_check(&in, head.ptr, size);
    fin_free(&in);
    return 0;
}
