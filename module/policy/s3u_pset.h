/*
 * Policy sets: a folder with one manifest, policyset.json, describing
 * accounts (organization, SCP and RCP levels), principals (identity
 * policies, permissions boundary, session policy, trust policy, tags),
 * buckets, access points, KMS keys and VPC endpoints.  Each policy is a
 * path relative to the folder (raw JSON or AWS CLI output) or inline.
 * The format is documented in README.md.
 *
 * Loaded and compiled once (nginx: at configuration time); evaluation is
 * read-only on the loaded set, does not allocate, and can run in any
 * number of worker processes at once.
 *
 * Pure C, no nginx headers.
 */

#ifndef S3U_PSET_H
#define S3U_PSET_H

#include "policy/s3u_eval.h"
#include "policy/s3u_json_pos.h"

#define S3U_PSET_MANIFEST  "policyset.json"

typedef struct s3u_pset_s  s3u_pset_t;

/* dir: the folder, or the manifest file itself; NULL on error */
s3u_pset_t *s3u_pset_load(const char *dir, s3u_error_t *err);
void s3u_pset_free(s3u_pset_t *ps);

/*
 * Resolves the request into the per-layer form and evaluates it.  The
 * context is derived the way AWS sets it for the call (aws:PrincipalArn
 * from a session ARN, aws:PrincipalAccount, aws:PrincipalType,
 * aws:PrincipalOrgID/OrgPaths, aws:PrincipalTag/KEY, aws:ResourceAccount,
 * s3:DataAccessPointArn/Account, s3:AccessPointNetworkOrigin, ...), then
 * overlaid with the manifest's "context" and the caller's extra keys
 * (aws:SecureTransport, aws:SourceIp, aws:CurrentTime, s3:x-amz-acl ...).
 * Returns 0 with the answer in res, -1 on an unusable request.
 */
int s3u_pset_eval(const s3u_pset_t *ps, const char *principal,
    const char *action, const char *resource, const s3u_ctx_t *extra,
    s3u_eval_result_t *res);

/* every policy of the set, with the layer it serves and its resource ARN
 * (access points, buckets, keys, roles; NULL otherwise), for lint; layer
 * and resource_arn may be NULL when not wanted */
size_t s3u_pset_npolicies(const s3u_pset_t *ps);
const s3u_policy_t *s3u_pset_policy(const s3u_pset_t *ps, size_t i,
    s3u_layer_t *layer, const char **resource_arn);

#endif /* S3U_PSET_H */
