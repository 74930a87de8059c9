/*
 * The diagnosis of one upstream error response: what the detectors read
 * from the body and, later, what the policy evaluator adds.  Shared by the
 * nginx module, the s3-unmask command, the unit tests and the fuzzers.
 *
 * Fixed-size fields so that one inspection needs no allocation beyond the
 * struct itself; every field is a NUL-terminated string, "" when unknown.
 * Values are stored as read (XML entities decoded, JSON unescaped), cut at
 * the field size, with control bytes removed: encoders for headers and
 * logs still escape them (see s3u_sfv.h).
 */

#ifndef S3U_FINDING_H
#define S3U_FINDING_H

#include <stddef.h>

typedef enum {
    S3U_VERDICT_NONE = 0,       /* not an S3 error we know: leave the response */
    S3U_VERDICT_S3_ERROR,       /* an S3 error other than a denial */
    S3U_VERDICT_DENIAL          /* an S3 (or S3-via-KMS, or STS) authorization denial */
} s3u_verdict_e;

typedef enum {
    S3U_SOURCE_NONE = 0,
    S3U_SOURCE_MESSAGE,         /* the layer was named by AWS's detailed message */
    S3U_SOURCE_EVALUATOR        /* the layer was found by evaluating the policy set */
} s3u_source_e;

typedef enum {
    S3U_DECISION_UNKNOWN = 0,
    S3U_DECISION_ALLOW,
    S3U_DECISION_EXPLICIT_DENY,
    S3U_DECISION_IMPLICIT_DENY
} s3u_decision_e;

typedef struct {
    s3u_verdict_e   verdict;
    s3u_source_e    source;
    s3u_decision_e  decision;

    int             parsed;         /* body was a recognised document or SDK text form */
    int             s3_status;      /* HTTP status S3 meant (403 for a denial), 0 unknown */

    const char     *format;         /* static name of the form read, e.g. "s3-xml" */

    char            code[64];       /* S3 error code: AccessDenied, Forbidden, ... */
    char            service[16];    /* s3, kms, sts */
    char            layer[32];      /* a layer name of DESIGN.md section 3 */
    char            request_id[128];
    char            host_id[256];
    char            principal[512];
    char            action[128];
    char            resource[1024];
    char            message[1024];
    char            statement[256]; /* evaluator: file and Sid or index */
    char            reason[512];    /* evaluator: why; or drift */
} s3u_finding_t;


/*
 * Empties a finding.  Every field is read as a NUL-terminated string, so
 * clearing the scalars and each field's first byte is enough; zeroing the
 * whole 4 KB, twice per inspected response, showed in the denial path's
 * profile.
 */
static inline void
s3u_finding_clear(s3u_finding_t *f)
{
    f->verdict = S3U_VERDICT_NONE;
    f->source = S3U_SOURCE_NONE;
    f->decision = S3U_DECISION_UNKNOWN;
    f->parsed = 0;
    f->s3_status = 0;
    f->format = NULL;

    f->code[0] = '\0';
    f->service[0] = '\0';
    f->layer[0] = '\0';
    f->request_id[0] = '\0';
    f->host_id[0] = '\0';
    f->principal[0] = '\0';
    f->action[0] = '\0';
    f->resource[0] = '\0';
    f->message[0] = '\0';
    f->statement[0] = '\0';
    f->reason[0] = '\0';
}

#endif /* S3U_FINDING_H */
