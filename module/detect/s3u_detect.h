/*
 * The detectors: read a buffered upstream error body (plus its status and a
 * few headers) and decide, strictly, whether it carries an S3 authorization
 * denial, another S3 error, or nothing we know (DESIGN.md section 4).
 *
 * Pure C; no nginx headers; no state between calls.
 */

#ifndef S3U_DETECT_H
#define S3U_DETECT_H

#include <stddef.h>

#include "detect/s3u_finding.h"

typedef struct {
    const char  *data;
    size_t       len;
} s3u_slice_t;

typedef struct {
    int          status;          /* upstream HTTP status */
    s3u_slice_t  content_type;    /* len 0 when absent */
    s3u_slice_t  function_error;  /* X-Amz-Function-Error value; len 0 when absent */
    s3u_slice_t  amz_request_id;  /* x-amz-request-id response header, len 0 when absent */
    s3u_slice_t  amz_id_2;        /* x-amz-id-2 response header */
} s3u_detect_meta_t;

/*
 * Fills *out (clears it first).  body is NOT NUL-terminated and is never
 * read past len; meta may be NULL.  Allocates nothing on the normal path:
 * JSON strings with escapes are decoded into a static per-process scratch
 * (s3u_json_scan.h; a heap block only once 64 KB of it are in use), all of
 * it given back before returning, and the JSON reader's cache of container
 * lengths is good for one document only; so a process calls this from one
 * thread only.  JSON nested deeper than S3U_DETECT_JSON_DEPTH is not JSON
 * here (the body is then read as text).
 */
void s3u_detect(const char *body, size_t len, const s3u_detect_meta_t *meta,
    s3u_finding_t *out);

#define S3U_DETECT_JSON_DEPTH  64

/* S3's HTTP status for an S3 error code (DESIGN.md section 4 and the
 * reference's section 4.2); 0 when unknown.  "Forbidden" and "NotFound",
 * which SDKs make up for bodiless HEAD answers, are known too. */
int s3u_s3_error_status(const char *code);

#endif /* S3U_DETECT_H */
