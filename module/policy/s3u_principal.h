/*
 * Who is calling, and whether a Principal or NotPrincipal entry names
 * them.  A role ARN matches every session of the role; a session ARN only
 * that session; an account (id or :root ARN) every principal of the
 * account; "*" everyone, anonymous included.
 *
 * Pure C, no nginx headers.
 */

#ifndef S3U_PRINCIPAL_H
#define S3U_PRINCIPAL_H

#include <stddef.h>
#include <stdint.h>

#include "policy/s3u_policy.h"


/* the six ':' fields of an ARN; the last keeps any further ':' */
typedef struct {
    const char  *part[6];
    size_t       len[6];
} s3u_arn_t;

int s3u_arn_split(const char *s, size_t len, s3u_arn_t *arn);

typedef enum {
    S3U_CALLER_ANONYMOUS = 1,
    S3U_CALLER_USER,
    S3U_CALLER_ROLE,            /* a role ARN given as the caller */
    S3U_CALLER_SESSION,         /* assumed-role session */
    S3U_CALLER_FEDUSER,
    S3U_CALLER_ROOT,
    S3U_CALLER_SERVICE,         /* s3.amazonaws.com and friends */
    S3U_CALLER_OTHER
} s3u_caller_kind_t;

typedef struct {
    s3u_caller_kind_t   kind;
    const char         *arn;        /* as given */
    size_t              arn_len;
    char                account[16];/* "" when none */
    const char         *partition;
    size_t              partition_len;
    const char         *role_name;  /* ROLE, SESSION */
    size_t              role_name_len;
    unsigned            has_boundary:1;
    unsigned            has_key:1;
    uint64_t            key;        /* s3u_pr_key of who this is: the role
                                       for a session, the ARN for a user */
} s3u_caller_t;

void s3u_caller_parse(const char *principal, s3u_caller_t *caller);

/* classifies a Principal "AWS" value; -1 when it is not a valid form */
int s3u_pr_classify(const char *value, size_t len, s3u_pr_t *pr);

/* 1 when the entry names the caller (Principal semantics) */
int s3u_pr_matches(const s3u_pr_t *pr, const s3u_caller_t *caller);

/*
 * NotPrincipal: 1 when the list exempts the caller, which needs every
 * identity AWS checks to be listed (the account, then the role or user,
 * then the session).
 */
int s3u_notpr_exempts(const s3u_pr_t *prs, size_t n,
    const s3u_caller_t *caller);

/*
 * The key a policy's principal index files an entry under: account and
 * role name for roles and sessions (a role entry matches its sessions), the
 * ARN for users and federated users.  0 when the entry is not indexable.
 */
int s3u_pr_key(const s3u_pr_t *pr, uint64_t *key);

#endif /* S3U_PRINCIPAL_H */
