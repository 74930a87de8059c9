/*
 * References the tests and the fuzzers hold the core to: slow, plain
 * versions of what the core does fast, and the comparison of findings.
 * Included by t/unit/test_detect.c, t/fuzz/fuzz_sfv.c and
 * t/fuzz/fuzz_detect.c; static functions, one copy per program.
 */

#ifndef S3U_REFERENCE_H
#define S3U_REFERENCE_H

#include <string.h>

#include "detect/s3u_finding.h"


/* s3u_field_set as its header describes it, one byte at a time */
static inline size_t
s3u_ref_field_set(char *dst, size_t size, const char *src, size_t len)
{
    size_t          n, run, room;
    int             pending_space;
    unsigned char   c;
    const char     *p, *end;

    if (size == 0) {
        return 0;
    }
    if (src == NULL) {
        dst[0] = '\0';
        return 0;
    }

    n = 0;
    pending_space = 0;
    p = src;
    end = src + len;

    while (p < end) {
        c = (unsigned char) *p;

        if (c <= 0x20 || c == 0x7f) {
            if (c == ' ' || (c >= '\t' && c <= '\r')) {
                pending_space = (n > 0);
            }
            p++;
            continue;
        }

        /* a run of kept bytes; cut, when it does not fit, before a
         * continuation byte, and then with no space before nothing */
        for (run = 1; p + run < end; run++) {
            c = (unsigned char) p[run];
            if (c <= 0x20 || c == 0x7f) {
                break;
            }
        }

        room = size - 1 - n;
        if (room <= (size_t) pending_space) {
            break;
        }
        room -= pending_space;

        if (run > room) {
            run = room;
            while (run > 0 && ((unsigned char) p[run] & 0xc0) == 0x80) {
                run--;
            }
            if (run == 0) {
                break;
            }
            end = p + run;
        }

        if (pending_space) {
            dst[n++] = ' ';
            pending_space = 0;
        }
        memmove(dst + n, p, run);
        n += run;
        p += run;
    }

    dst[n] = '\0';
    return n;
}


/* the same finding: the scalars, and every field as the string it holds
 * (what lies after a field's NUL is not part of it: s3u_finding_clear) */
static inline int
s3u_ref_same_finding(const s3u_finding_t *a, const s3u_finding_t *b)
{
    return a->verdict == b->verdict && a->source == b->source
           && a->decision == b->decision && a->parsed == b->parsed
           && a->s3_status == b->s3_status && a->format == b->format
           && strcmp(a->code, b->code) == 0
           && strcmp(a->service, b->service) == 0
           && strcmp(a->layer, b->layer) == 0
           && strcmp(a->request_id, b->request_id) == 0
           && strcmp(a->host_id, b->host_id) == 0
           && strcmp(a->principal, b->principal) == 0
           && strcmp(a->action, b->action) == 0
           && strcmp(a->resource, b->resource) == 0
           && strcmp(a->message, b->message) == 0
           && strcmp(a->statement, b->statement) == 0
           && strcmp(a->reason, b->reason) == 0;
}

#endif /* S3U_REFERENCE_H */
