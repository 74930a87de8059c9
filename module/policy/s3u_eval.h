/*
 * The evaluation core: one request against the policies AWS would consult
 * for it, grouped by layer exactly as a scenario file holds them
 * (../shared/scenarios/FORMAT.md).  Policy sets resolve a request into
 * this same form, so there is one evaluation core for both.
 *
 * Evaluation is read-only on the compiled policies, does not allocate and
 * writes everything it reports into the caller's s3u_eval_result_t.
 *
 * Pure C, no nginx headers.
 */

#ifndef S3U_EVAL_H
#define S3U_EVAL_H

#include <stddef.h>

#include "policy/s3u_cond.h"
#include "policy/s3u_policy.h"


/* layers in attribution order (FORMAT.md), then the others */
typedef enum {
    S3U_LAYER_NONE = 0,
    S3U_LAYER_RCP,
    S3U_LAYER_SCP,
    S3U_LAYER_VPCE,
    S3U_LAYER_IDENTITY,
    S3U_LAYER_BOUNDARY,
    S3U_LAYER_SESSION,
    S3U_LAYER_ACCESS_POINT,
    S3U_LAYER_BUCKET,
    S3U_LAYER_KMS,
    S3U_LAYER_TRUST,
    S3U_LAYER_RESOURCE,     /* a resource policy of unknown kind */
    S3U_LAYER_UNKNOWN,
    S3U_LAYER_COUNT
} s3u_layer_t;

typedef enum {
    S3U_ALLOW = 1,
    S3U_EXPLICIT_DENY,
    S3U_IMPLICIT_DENY
} s3u_decision_t;

/* "identity", "bucket-policy", ...; "" for NONE */
const char *s3u_layer_name(s3u_layer_t layer);
s3u_layer_t s3u_layer_from_name(const char *name);
const char *s3u_eval_decision_name(s3u_decision_t decision);
int s3u_eval_decision_from_name(const char *name);


typedef struct {
    const s3u_policy_t *const  *docs;
    size_t                      n;
} s3u_plist_t;

typedef struct {
    unsigned             present:1;
    const char          *arn;
    const char          *account;
    const char          *bucket;        /* access point: its bucket's name */
    const s3u_policy_t  *policy;        /* NULL: no policy */
} s3u_resource_t;

typedef struct {
    unsigned             present:1;
    const char          *arn;
    const char          *account;
    const s3u_policy_t  *policy;
    const char          *action;        /* NULL: derived from the S3 action */
    const s3u_ctx_t     *ctx;           /* full context of the KMS call;
                                           NULL: the request's */
} s3u_kms_t;

typedef struct {
    const char          *principal;
    const char          *action;
    const char          *resource;
    const char          *resource_account;  /* NULL when not given */
    const s3u_ctx_t     *ctx;

    s3u_plist_t          identity;
    const s3u_policy_t  *boundary;
    const s3u_policy_t  *session;
    const s3u_plist_t   *scp;           /* levels, root first */
    size_t               nscp;
    const s3u_plist_t   *rcp;
    size_t               nrcp;
    const s3u_policy_t  *vpce;

    s3u_resource_t       bucket;
    s3u_resource_t       access_point;
    s3u_resource_t       role;          /* sts:AssumeRole: the role and its
                                           trust policy */
    s3u_kms_t            kms;
} s3u_eval_input_t;


/* one statement that came closest, and what failed in it */
typedef struct {
    s3u_layer_t          layer;
    const s3u_policy_t  *policy;
    const s3u_stmt_t    *stmt;
    char                 why[320];
} s3u_closest_t;

#define S3U_EVAL_MAX_CLOSEST  8     /* over all unmet layers */
#define S3U_EVAL_LAYER_CLOSEST 3    /* per unmet layer */
#define S3U_EVAL_MAX_UNMET    4     /* unmet layers explained */

/* one unmet layer of an implicit deny and why */
typedef struct {
    s3u_layer_t          layer;
    char                 reason[400];
} s3u_unmet_t;

typedef struct {
    s3u_decision_t       decision;
    s3u_layer_t          layer;         /* NONE for Allow */
    /* explicit deny: the statement; implicit: NULL */
    const s3u_policy_t  *policy;
    const s3u_stmt_t    *stmt;
    char                 reason[512];
    /* implicit deny: every unmet layer (attribution order, the first is
     * the decision's layer) and, per layer, the statements that came
     * closest */
    s3u_unmet_t          layers[S3U_EVAL_MAX_UNMET];
    size_t               nlayers;
    s3u_closest_t        closest[S3U_EVAL_MAX_CLOSEST];
    size_t               nclosest;
    unsigned             unmet;         /* bit per unmet layer */
    /* what was evaluated where the decision fell (KMS: the KMS call) */
    char                 action[128];
    char                 resource[512];
} s3u_eval_result_t;

/* 0 on success (the answer is in res), -1 on an unusable input */
int s3u_eval(const s3u_eval_input_t *in, s3u_eval_result_t *res);

/* "file:line Sid" of the deciding statement, or "" */
void s3u_eval_statement(const s3u_eval_result_t *res, char *buf,
    size_t size);

/* readable text: decision, layer, reason, closest statements */
void s3u_explain_text(const s3u_eval_result_t *res, char *buf, size_t size);

/* the same as a JSON object (caller deletes it) */
cJSON *s3u_explain_json(const s3u_eval_result_t *res);

#endif /* S3U_EVAL_H */
