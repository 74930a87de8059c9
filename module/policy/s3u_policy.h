/*
 * One IAM policy document, parsed and compiled.  Compilation happens once,
 * at load time: statements become flat arrays of patterns, principals are
 * classified (account, user, role, session, ...) and conditions compiled
 * by s3u_cond_new, so that evaluating a request does no JSON work.  The
 * compiled form keeps the file, Sid, index and position of every statement
 * for explanations.  Read-only after compilation.
 *
 * Pure C, no nginx headers.
 */

#ifndef S3U_POLICY_H
#define S3U_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "policy/s3u_cond.h"
#include "policy/s3u_json_pos.h"


/* what a Principal entry names; the order is irrelevant */
typedef enum {
    S3U_PR_STAR = 1,        /* "*" or {"AWS": "*"} */
    S3U_PR_ACCOUNT,         /* "123456789012" or arn:...:iam::ACCT:root */
    S3U_PR_USER,            /* arn:...:iam::ACCT:user/[path/]NAME */
    S3U_PR_ROLE,            /* arn:...:iam::ACCT:role/[path/]NAME */
    S3U_PR_SESSION,         /* arn:...:sts::ACCT:assumed-role/ROLE/SESSION */
    S3U_PR_FEDUSER,         /* arn:...:sts::ACCT:federated-user/NAME */
    S3U_PR_SERVICE,         /* {"Service": "s3.amazonaws.com"} */
    S3U_PR_FEDERATED,       /* {"Federated": provider} */
    S3U_PR_CANONICAL,       /* {"CanonicalUser": id} */
    S3U_PR_OTHER            /* unique ids of deleted principals: no match */
} s3u_pr_kind_t;

typedef struct {
    s3u_pr_kind_t   kind;
    const char     *value;      /* as written */
    size_t          value_len;
    char            account[16];/* ACCOUNT, USER, ROLE, SESSION, FEDUSER */
    const char     *role_name;  /* ROLE, SESSION: the role's name */
    size_t          role_name_len;
    unsigned        line, column;
} s3u_pr_t;

/* an Action or Resource pattern */
typedef struct {
    const char     *text;
    size_t          len;
    unsigned        star:1;     /* exactly "*" */
    unsigned        wild:1;     /* holds '*' or '?' */
    unsigned        var:1;      /* holds ${...} and variables are on */
    size_t          prefix;     /* length of the literal head (before any
                                   wildcard or variable): a cheap reject */
    unsigned        tail_star:1;/* the pattern is head + "*", the "*" in
                                   the resource field: the head decides */
    /* var: split at load time, so that a substituted request value or a
       ${*} never becomes a wildcard */
    const s3u_pattern_t  *compiled;
    unsigned        line, column;
} s3u_pat_t;

typedef struct {
    s3u_cond_t     *cond;
    const char     *op;         /* as written */
    const char     *key;        /* as written */
    unsigned        line, column;
} s3u_stmt_cond_t;

typedef struct {
    const char       *sid;      /* NULL when the statement has none */
    unsigned          index;    /* position in Statement, from 0 */
    unsigned          line, column;
    unsigned          deny:1;
    unsigned          has_principal:1;
    unsigned          not_principal:1;
    unsigned          not_action:1;
    unsigned          not_resource:1;
    unsigned          action_star:1;    /* Action "*": no action test */
    uint64_t          services;         /* bloom of Action service prefixes;
                                           all ones when any may match */
    s3u_pr_t         *principals;
    size_t            nprincipals;
    s3u_pat_t        *actions;
    size_t            nactions;
    s3u_pat_t        *resources;
    size_t            nresources;
    s3u_stmt_cond_t  *conds;
    size_t            nconds;
} s3u_stmt_t;

/* what the document is used as: controls Principal rules */
typedef enum {
    S3U_POLICY_ANY = 0,     /* not known (lint of a loose file) */
    S3U_POLICY_IDENTITY,    /* identity, boundary, session, SCP: no Principal */
    S3U_POLICY_RESOURCE,    /* bucket, access point, key, RCP, VPCE */
    S3U_POLICY_TRUST        /* role trust policy: Principal, no Resource */
} s3u_policy_kind_t;

typedef struct s3u_arena_s  s3u_arena_t;

/* one entry of a policy's principal index */
typedef struct {
    uint64_t        key;        /* s3u_pr_key */
    uint32_t        stmt;
} s3u_pindex_t;

/* statements from which a resource policy is worth indexing */
#define S3U_POLICY_INDEX_MIN  16

typedef struct {
    const char     *file;
    unsigned        line, column;   /* of the document itself */
    unsigned        vars:1;         /* Version 2012-10-17: variables on */
    s3u_policy_kind_t  kind;
    s3u_stmt_t     *stmts;
    size_t          nstmts;
    /*
     * Principal index of large resource policies: a statement that names
     * only roles, sessions and users can apply to a caller only when one of
     * them has the caller's key, so evaluation visits the "always" list
     * and the caller's range of pindex, merged in statement order.
     */
    unsigned        indexed:1;
    uint32_t       *always;
    size_t          nalways;
    s3u_pindex_t   *pindex;         /* sorted by key, then statement */
    size_t          npindex;
    s3u_pattern_t **patterns;       /* the compiled patterns, to free */
    size_t          npatterns;
    s3u_arena_t    *arena;          /* owns everything above */
} s3u_policy_t;

/*
 * Compiles the policy held in node (an object; wrappers are removed by
 * the caller, see s3u_policy_unwrap and s3u_policy_compile_wrapped).
 * NULL on error, with err set to the file, line and column of the
 * offending value.
 */
s3u_policy_t *s3u_policy_compile(const s3u_json_doc_t *doc,
    const cJSON *node, s3u_policy_kind_t kind, s3u_error_t *err);

/*
 * As s3u_policy_compile, but an error inside a statement is handed to
 * diag (err holds it) and compilation goes on without that statement, so
 * that lint reports every broken statement.  Errors outside statements
 * still end it (NULL).
 */
typedef void (*s3u_policy_diag_pt)(void *data, const s3u_error_t *err);

s3u_policy_t *s3u_policy_compile_all(const s3u_json_doc_t *doc,
    const cJSON *node, s3u_policy_kind_t kind, s3u_error_t *err,
    s3u_policy_diag_pt diag, void *data);

/*
 * Removes AWS CLI wrappers: {"Policy": "<json string>"} (get-bucket-policy,
 * get-access-point-policy; *inner is set to a new document the caller
 * frees), {"PolicyDocument": doc-or-string} (get-role-policy),
 * {"PolicyVersion": {"Document": doc-or-string}} (get-policy-version), and
 * IAM's URL-encoded documents are not handled (the CLI decodes them).
 * Returns the node holding the policy itself, or NULL with err set.
 */
const cJSON *s3u_policy_unwrap(const s3u_json_doc_t *doc, const cJSON *node,
    s3u_json_doc_t **inner, s3u_error_t *err);

/*
 * s3u_policy_unwrap, then s3u_policy_compile_all of what it found (diag
 * NULL: the first error ends it): a policy as a file, a manifest or a
 * scenario holds it, wrapped or not.  NULL on error, with err set.
 */
s3u_policy_t *s3u_policy_compile_wrapped(const s3u_json_doc_t *doc,
    const cJSON *node, s3u_policy_kind_t kind, s3u_error_t *err,
    s3u_policy_diag_pt diag, void *data);

/* loads one policy file (raw or wrapped) */
s3u_policy_t *s3u_policy_load_file(const char *path, s3u_policy_kind_t kind,
    s3u_error_t *err);

void s3u_policy_free(s3u_policy_t *policy);

/* "Sid" or "Statement[3]" */
void s3u_stmt_name(const s3u_stmt_t *st, char *buf, size_t size);

/* bloom bit of an action's service prefix ("s3" of "s3:PutObject") */
uint64_t s3u_action_service_bit(const char *action, size_t len);


/* --- arena: one allocation list per policy, freed at once --------------- */

s3u_arena_t *s3u_arena_new(void);
void *s3u_arena_alloc(s3u_arena_t *a, size_t size);
char *s3u_arena_strndup(s3u_arena_t *a, const char *s, size_t len);
void s3u_arena_free(s3u_arena_t *a);

#endif /* S3U_POLICY_H */
