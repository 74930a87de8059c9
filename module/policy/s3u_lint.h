/*
 * Lint: policy mistakes that make a statement useless or dangerous, each
 * reported as "FILE:LINE:COLUMN: warning|error: message":
 *   - syntax and structure errors (what loading reports);
 *   - unknown condition operators;
 *   - access point policies whose Resource is not the access point;
 *   - aws:SourceAccount / aws:SourceArn (and SourceOrgID, SourceOrgPaths)
 *     in an Allow whose principal is not a service: AWS sets those keys
 *     only when a service calls on behalf of a resource, so for a role or
 *     user calling S3 the statement never matches;
 *   - Allow with NotPrincipal;
 *   - public grants: Principal "*" in an Allow without a condition that
 *     restricts who the caller is or where the call comes from.
 *
 * Pure C, no nginx headers.
 */

#ifndef S3U_LINT_H
#define S3U_LINT_H

#include <stdio.h>

#include "policy/s3u_eval.h"
#include "policy/s3u_json_pos.h"

typedef enum {
    S3U_LINT_WARNING = 1,
    S3U_LINT_ERROR
} s3u_lint_severity_t;

typedef struct {
    char                  file[512];
    unsigned              line, column;
    s3u_lint_severity_t   severity;
    char                  check[32];    /* short id, e.g. "source-key" */
    char                  message[600];
} s3u_lint_finding_t;

typedef struct s3u_lint_s  s3u_lint_t;

s3u_lint_t *s3u_lint_new(void);
void s3u_lint_free(s3u_lint_t *lt);

/* a policy file (raw or AWS CLI output), a scenario file, or a policy-set
 * folder (or its manifest) */
void s3u_lint_path(s3u_lint_t *lt, const char *path);

/* one compiled policy serving layer; resource_arn: the access point,
 * bucket, key or role it is attached to, when known */
void s3u_lint_policy(s3u_lint_t *lt, const s3u_policy_t *p,
    s3u_layer_t layer, const char *resource_arn);

size_t s3u_lint_count(const s3u_lint_t *lt);
const s3u_lint_finding_t *s3u_lint_at(const s3u_lint_t *lt, size_t i);

/* prints every finding (text lines or one JSON object); returns the count */
size_t s3u_lint_report(const s3u_lint_t *lt, FILE *out, int json);

#endif /* S3U_LINT_H */
