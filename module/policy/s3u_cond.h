/*
 * Request context, wildcard matching and IAM condition operators: the leaf
 * layer of the policy evaluator.  Pure C, no nginx headers.
 *
 * A condition clause ("StringEquals": {"aws:SourceAccount": ["1", "2"]})
 * is compiled once, when the policy is loaded (s3u_cond_new), into a form
 * whose evaluation does no parsing: CIDRs, dates and numbers are converted
 * at load time; only values with policy variables are resolved per request.
 */

#ifndef S3U_COND_H
#define S3U_COND_H

#include <stddef.h>

/* --- request context ---------------------------------------------------- */

/* one condition key of the request: key names compare case-insensitively,
 * values case-sensitively; a multi-valued key has nvalues > 1 */
typedef struct {
    const char          *key;
    const char *const   *values;
    size_t               nvalues;
} s3u_ctx_entry_t;

typedef struct {
    const s3u_ctx_entry_t  *entries;
    size_t                  n;
} s3u_ctx_t;

/* NULL when the key is absent from the request */
const s3u_ctx_entry_t *s3u_ctx_get(const s3u_ctx_t *ctx, const char *key,
    size_t key_len);


/* --- wildcard matching -------------------------------------------------- */

/* IAM glob: '*' any run (crossing '/' and ':'), '?' one character */
int s3u_glob_match(const char *pattern, size_t pattern_len, const char *s,
    size_t s_len, int ignore_case);

/* ArnLike: the six ':'-separated fields are matched one by one, so '*'
 * never crosses ':' outside the last (resource) field */
int s3u_arn_match(const char *pattern, size_t pattern_len, const char *arn,
    size_t arn_len);


/* --- policy variables --------------------------------------------------- */

/* Substitutes ${key}, ${key, 'default'} and the literal escapes ${*},
 * ${?}, ${$} in "in" using ctx.  Returns the length written (NUL
 * terminated), or -1 when a variable's key is absent and has no default
 * (or is multi-valued), or when the result does not fit in out_size: the
 * value then matches nothing, as in AWS.  Note that the escapes turn into
 * plain '*', '?' and '$' here, which a glob would take as wildcards; use
 * s3u_pattern_match to keep them literal. */
long s3u_var_expand(const char *in, size_t in_len, const s3u_ctx_t *ctx,
    char *out, size_t out_size);


/* --- compiled values (Resource patterns, condition values) --------------- */

/*
 * A value split once, at load time, into literal runs, the escapes ${*},
 * ${?}, ${$} (always literal characters, never wildcards) and variables
 * ${key} / ${key, 'default'}.  Matching substitutes the variables from the
 * request context into a bounded stack buffer: it never allocates.  The
 * evaluator uses it for Resource / NotResource entries.
 */
typedef struct s3u_pattern_s  s3u_pattern_t;

/* flags for s3u_pattern_new and s3u_cond_new_ex */
#define S3U_PAT_VARS        0x1     /* resolve ${...}: policy Version
                                       2012-10-17; without it the text is
                                       literal (2008-10-17 or no Version) */

/* how s3u_pattern_match compares */
#define S3U_MATCH_EQUALS        0   /* whole string, case-sensitive */
#define S3U_MATCH_EQUALS_ICASE  1   /* whole string, ASCII case-insensitive */
#define S3U_MATCH_GLOB          2   /* '*' and '?' wildcards */
#define S3U_MATCH_GLOB_ICASE    3   /* the same, case-insensitive (actions) */
#define S3U_MATCH_ARN           4   /* ArnLike / Resource: field by field */

/* NULL only when out of memory (every text is a valid pattern) */
s3u_pattern_t *s3u_pattern_new(const char *s, size_t len, unsigned flags,
    char *err, size_t err_size);
void s3u_pattern_free(s3u_pattern_t *pat);

/* 1 when the pattern holds variables (its meaning depends on the request) */
int s3u_pattern_has_vars(const s3u_pattern_t *pat);

/* the text as written in the policy (NUL terminated) */
const char *s3u_pattern_text(const s3u_pattern_t *pat);

/*
 * 1 on a match.  0 on no match, and also when a variable's key is absent
 * from ctx without a default (or is multi-valued), or when the expansion
 * would exceed S3U_EXPAND_MAX bytes: such a value matches nothing, as in
 * AWS.  ctx may be NULL (every variable is then absent).
 */
int s3u_pattern_match(const s3u_pattern_t *pat, const s3u_ctx_t *ctx,
    const char *s, size_t len, unsigned how);

/* the longest expanded value; a longer expansion matches nothing */
#define S3U_EXPAND_MAX      4096


/* --- condition clauses -------------------------------------------------- */

typedef struct s3u_cond_s  s3u_cond_t;

/*
 * Compiles one clause: operator (e.g. "ForAnyValue:StringLikeIfExists"),
 * key, and the policy's values.  On error returns NULL and writes a
 * message to err (e.g. "unknown condition operator \"StringEqual\"",
 * "IpAddress: \"10.0.0.0/33\" is not an IPv4 or IPv6 address or CIDR").
 * The caller adds file, line and column.
 */
s3u_cond_t *s3u_cond_new(const char *op, const char *key,
    const char *const *values, size_t nvalues, char *err, size_t err_size);

/*
 * As s3u_cond_new, with flags: S3U_PAT_VARS resolves policy variables in
 * String* and Arn* values (s3u_cond_new sets it: Version 2012-10-17);
 * without it "${...}" is literal text (Version 2008-10-17 or none).
 */
s3u_cond_t *s3u_cond_new_ex(const char *op, const char *key,
    const char *const *values, size_t nvalues, unsigned flags, char *err,
    size_t err_size);

void s3u_cond_free(s3u_cond_t *cond);

/*
 * 1 when the clause holds for the request, 0 when it does not.  When it
 * does not and why is not NULL, a one-line explanation is written there,
 * e.g. "StringEquals aws:SourceAccount: key absent from the request" or
 * "IpAddress aws:SourceIp: 198.51.100.7 not in 203.0.113.0/24".
 * Never allocates.
 */
int s3u_cond_eval(const s3u_cond_t *cond, const s3u_ctx_t *ctx, char *why,
    size_t why_size);

/* for explanations and lint: the operator as written, and the key */
const char *s3u_cond_op_name(const s3u_cond_t *cond);
const char *s3u_cond_key(const s3u_cond_t *cond);

/* for lint: the policy values as written, and whether any uses a
 * wildcard ('*' or '?' outside the ${*} ${?} escapes) under a Like or Arn
 * operator, or a policy variable */
size_t s3u_cond_nvalues(const s3u_cond_t *cond);
const char *s3u_cond_value(const s3u_cond_t *cond, size_t i);
int s3u_cond_has_wildcard(const s3u_cond_t *cond);
int s3u_cond_has_vars(const s3u_cond_t *cond);

#endif /* S3U_COND_H */
