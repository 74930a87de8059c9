/*
 * Counters of the gateway, kept in one flat struct that the nginx module
 * places in shared memory so that every worker adds to the same numbers,
 * and rendered in the Prometheus text exposition format.
 *
 * Label values come from small fixed sets (unknown codes count as "other")
 * so the number of series is bounded whatever upstreams send.
 */

#ifndef S3U_METRICS_H
#define S3U_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "detect/s3u_finding.h"

typedef enum {
    S3U_PASS_OVER_LIMIT = 0,
    S3U_PASS_COMPRESSED,
    S3U_PASS_UNPARSEABLE,
    S3U_PASS_NOT_IN_MEMORY,
    S3U_PASS_UPSTREAM_ABORTED,
    S3U_PASS_N
} s3u_pass_reason_e;

#define S3U_METRICS_CODES     8     /* AccessDenied, Forbidden, ..., other */
#define S3U_METRICS_SERVICES  4     /* s3, kms, sts, other */
#define S3U_METRICS_LAYERS    13    /* DESIGN.md's layers, "" as none */
#define S3U_METRICS_SOURCES   3     /* message, evaluator, none */
#define S3U_METRICS_S3_CODES  16    /* other S3 errors, by code */

typedef struct {
    uint64_t  inspected;
    uint64_t  rewritten;
    uint64_t  passed[S3U_PASS_N];
    uint64_t  denials[S3U_METRICS_CODES][S3U_METRICS_SERVICES]
                     [S3U_METRICS_LAYERS][S3U_METRICS_SOURCES];
    uint64_t  s3_errors[S3U_METRICS_S3_CODES];
    uint64_t  evaluations;
    uint64_t  drift;
} s3u_metrics_t;

/* all counting is atomic: the struct lives in memory shared by workers */
void s3u_metrics_inspected(s3u_metrics_t *m);
void s3u_metrics_rewritten(s3u_metrics_t *m);
void s3u_metrics_passed(s3u_metrics_t *m, s3u_pass_reason_e reason);
/* a denial, by the finding's code, service, layer and source; the
 * fields are read as whole words of their arrays, bytes after the NUL
 * included */
void s3u_metrics_denial(s3u_metrics_t *m, const s3u_finding_t *f);
void s3u_metrics_s3_error(s3u_metrics_t *m, const char *code);
void s3u_metrics_evaluation(s3u_metrics_t *m, int drift);

/*
 * Writes the exposition text; returns its length, or the length it would
 * need (like snprintf) when size is too small.
 */
size_t s3u_metrics_render(const s3u_metrics_t *m, char *out, size_t size);

#endif /* S3U_METRICS_H */
