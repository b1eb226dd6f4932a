/*
 * Target head_limits (RECORDS, expanded): the head reader at its bounds, HEAD_MAX_BYTES (1 MiB) and
 * HEAD_MAX_LINES (10000 lines), which target head cannot reach within libFuzzer's -max_len=4096. A small
 * input describes a big head, prefix + K copies of a line + suffix:
 *   R0  prefix   placed first (a status line, say)
 *   R1  line     repeated K times (a field line "a:b\r\n", say)
 *   R2  K        a decimal number (fin_number); with F bit 3 it counts from the line bound, so that 0
 *                gives HEAD_MAX_LINES lines when the prefix and the line each end with one LF:
 *                K = HEAD_MAX_LINES - (LFs of the prefix) + K; with F bit 4 from the byte bound:
 *                K = (the copies that bring prefix + copies to HEAD_MAX_BYTES bytes, rounded up) + K
 *   R3  suffix   placed last (the blank line, a body, a last line without its LF)
 * K below 0 counts as 0; K is lowered to keep the head within HEAD_LIMITS_MAX bytes. Then the checks
 * of target head (head_check.c) on the expanded head.
 */
#include <string.h>

#include "head.h"
#include "head_check.h"

/* Twice the byte bound: room for a head over it by any amount the reader can tell apart. */
#define HEAD_LIMITS_MAX (2 * HEAD_MAX_BYTES)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    memset(&in, 0, sizeof in);
    corshdr_span prefix, line, suffix;
    fin_records(&in, data, size);
    (void)fin_record(&in, &prefix);
    (void)fin_record(&in, &line);
    long long k = fin_number(&in);
    (void)fin_record(&in, &suffix);

    if (in.flags & FIN_SWITCH_A) {
        long long lfs = 0;
        for (size_t i = 0; i < prefix.len; i++)
            lfs += prefix.ptr[i] == '\n';
        k += (long long)HEAD_MAX_LINES - lfs;
    } else if ((in.flags & FIN_SWITCH_B) && line.len > 0) {
        size_t room = prefix.len < HEAD_MAX_BYTES ? HEAD_MAX_BYTES - prefix.len : 0;
        k += (long long)((room + line.len - 1) / line.len);
    }
    /* Prefix and suffix are the input's own bytes (a few KiB under the engines); K is cut to fit. */
    size_t fixed = prefix.len + suffix.len;
    size_t room = fixed < HEAD_LIMITS_MAX ? HEAD_LIMITS_MAX - fixed : 0;
    size_t copies = k < 0 || line.len == 0 ? 0 : (size_t)k;
    if (line.len && copies > room / line.len)
        copies = room / line.len;

    size_t total = prefix.len + copies * line.len + suffix.len;
    char *head = fin_alloc(&in, total);
    size_t w = 0;
    if (prefix.len)
        memcpy(head, prefix.ptr, prefix.len);
    w += prefix.len;
    for (size_t i = 0; i < copies; i++, w += line.len)
        memcpy(head + w, line.ptr, line.len);
    if (suffix.len)
        memcpy(head + w, suffix.ptr, suffix.len);
    head_check(&in, head, total);
    fin_free(&in);
    return 0;
}
