/*
 * libFuzzer target: the detectors' public entry point, s3u_detect().
 *
 * The input is an upstream error body, exactly as a seed file holds it.
 * Each body is judged under several response metas the gateway meets (no
 * meta, a masked 500 with XML, a Lambda Invoke 200 with
 * X-Amz-Function-Error, a real 403 whose id headers carry CR/LF), so one
 * seed covers every branch that depends on status and headers.
 *
 * Contracts checked on every finding: those of fuzz_check_finding (fields
 * terminated, no control bytes, known layer and service, a denial is a
 * 403 with a code), no denial from a body that never says "denied",
 * "forbidden", "403" or "not authorized" (unless the upstream answered
 * 403), and that judging the same body twice gives the same finding,
 * whatever the struct held before (no state between calls, nothing read
 * that was not written).
 */

#include <stdint.h>
#include <string.h>

#include "detect/s3u_detect.h"

#include "fuzz_util.h"
#include "../common/s3u_reference.h"


#define FUZZ_SLICE(s)  ((s3u_slice_t) { (s), sizeof(s) - 1 })

/* case-insensitive search in the raw body */
static int
fuzz_mentions(const uint8_t *data, size_t size, const char *word)
{
    size_t  i, j, n;

    n = strlen(word);
    for (i = 0; i + n <= size; i++) {
        for (j = 0; j < n; j++) {
            int  a = data[i + j], b = (unsigned char) word[j];

            if (a >= 'A' && a <= 'Z') {
                a += 'a' - 'A';
            }
            if (a != b) {
                break;
            }
        }
        if (j == n) {
            return 1;
        }
    }

    return 0;
}


/*
 * No denial without evidence (DESIGN.md section 4: false positives are
 * worse than misses): unless the upstream itself answered 403, a denial
 * needs the body to say so in one of S3's or the SDKs' words: a denial
 * word, or the start of one of S3's fixed AccessDenied messages (presigned
 * URLs, unsigned headers, anonymous uploads), which SDKs such as s3fs
 * re-raise without the code.  Bodies with escapes (JSON \u, XML &#) can
 * spell those words indirectly: skipped.
 */
static void
fuzz_check_evidence(const uint8_t *data, size_t size,
    const s3u_detect_meta_t *meta, const s3u_finding_t *f)
{
    if (f->verdict != S3U_VERDICT_DENIAL
        || (meta != NULL && meta->status == 403)
        || memchr(data, '\\', size) != NULL || memchr(data, '&', size) != NULL)
    {
        return;
    }

    FUZZ_CHECK(fuzz_mentions(data, size, "denied")
               || fuzz_mentions(data, size, "forbidden")
               || fuzz_mentions(data, size, "403")
               || fuzz_mentions(data, size, "not authorized")
               || fuzz_mentions(data, size, "request has expired")
               || fuzz_mentions(data, size, "were not signed")
               || fuzz_mentions(data, size, "anonymous users cannot")
               || fuzz_mentions(data, size, "invalid date (should be")
               || fuzz_mentions(data, size, "query-string authentication"),
               "a denial (code \"%s\") from a body that never says so",
               f->code);
}


static void
fuzz_detect_one(const uint8_t *data, size_t size,
    const s3u_detect_meta_t *meta)
{
    s3u_finding_t  first, second;

    /* garbage first: s3u_detect promises to clear the finding itself */
    memset(&first, 0xa5, sizeof(first));
    memset(&second, 0x5a, sizeof(second));

    s3u_detect((const char *) data, size, meta, &first);
    fuzz_check_finding(&first);
    fuzz_check_evidence(data, size, meta, &first);

    s3u_detect((const char *) data, size, meta, &second);
    FUZZ_CHECK(s3u_ref_same_finding(&first, &second),
               "two runs over the same body gave different findings");
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s3u_detect_meta_t  meta;

    fuzz_detect_one(data, size, NULL);

    memset(&meta, 0, sizeof(meta));
    meta.status = 500;
    meta.content_type = FUZZ_SLICE("application/xml");
    fuzz_detect_one(data, size, &meta);

    memset(&meta, 0, sizeof(meta));
    meta.status = 200;
    meta.content_type = FUZZ_SLICE("application/json");
    meta.function_error = FUZZ_SLICE("Unhandled");
    fuzz_detect_one(data, size, &meta);

    memset(&meta, 0, sizeof(meta));
    meta.status = 403;
    meta.content_type = FUZZ_SLICE("text/plain; charset=utf-8");
    meta.amz_request_id = FUZZ_SLICE("4Y5GQ1WJ8W1XJ0J5\r\nX-Injected: 1");
    meta.amz_id_2 = FUZZ_SLICE("id2\x01\x7f\"=\\");
    fuzz_detect_one(data, size, &meta);

    return 0;
}
