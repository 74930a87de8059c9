/*
 * Encoders for what a finding tells a client: the S3-Denial header (an
 * RFC 8941 structured-field dictionary) and an RFC 9457
 * application/problem+json body, at the expose levels of s3_unmask_expose.
 *
 * Nothing from an upstream body can break out of a value: header strings
 * keep only bytes 0x20-0x7E (with \" and \\ escaped), JSON strings are
 * escaped and keep only valid UTF-8.  Nothing is allocated.
 */

#ifndef S3U_SFV_H
#define S3U_SFV_H

#include <stddef.h>

#include "detect/s3u_finding.h"

/* --- the RFC 8941 dictionary writer -------------------------------------- */

typedef struct {
    char    *buf;
    size_t   size;
    size_t   len;
    int      failed;        /* out of room, or a key that is not a key */
} s3u_sfv_t;

void s3u_sfv_init(s3u_sfv_t *d, char *buf, size_t size);

/* key=value as sf-token when value is a valid token, else as sf-string;
 * skipped when the value is empty (after dropping unsafe bytes) */
void s3u_sfv_add_value(s3u_sfv_t *d, const char *key, const char *value);

/* key="value", always an sf-string; skipped when empty */
void s3u_sfv_add_string(s3u_sfv_t *d, const char *key, const char *value);

/* key=N; integers of at most 15 digits (RFC 8941 3.3.1) */
void s3u_sfv_add_integer(s3u_sfv_t *d, const char *key, long long value);

/* the NUL-terminated length, or 0 (and "" in buf) when anything failed */
size_t s3u_sfv_finish(s3u_sfv_t *d);

/* 1 when s is an RFC 8941 sf-token / a dictionary key */
int s3u_sfv_is_token(const char *s);
int s3u_sfv_is_key(const char *s);

/* --- header and body ------------------------------------------------------ */

typedef enum {
    S3U_EXPOSE_NONE = 0,
    S3U_EXPOSE_LAYER,
    S3U_EXPOSE_FULL
} s3u_expose_e;

/*
 * S3-Denial header value, e.g.
 *   code=AccessDenied, service=s3, layer=access-point-policy,
 *   source=evaluator, decision=implicit-deny, upstream-status=500,
 *   request-id="4Y5GQ1WJ8W1XJ0J5"
 * layer: code, service, layer, source, decision, upstream-status,
 * request-id (no ARNs, account ids, host id or message); full adds host-id,
 * principal, action, resource, statement, reason.  Empty items are
 * omitted (source "none" and an unknown decision included).  Returns the
 * length written (NUL-terminated); 0 for S3U_EXPOSE_NONE, for a finding
 * whose verdict is none, for one with a field that has no NUL within its
 * array, or when it does not fit.  Bytes of out after the
 * NUL (within size) may be overwritten: whole fields are copied at once.
 */
size_t s3u_denial_header(const s3u_finding_t *f, int upstream_status,
    s3u_expose_e expose, char *out, size_t size);

/*
 * RFC 9457 body: type, title, status, detail, and the extension members
 * code, service, layer, source, decision, upstream_status, request_id at
 * layer level; host_id, principal, action, resource, statement, reason
 * and message added at full; at none only type, title and status (the
 * body is still replaced, and tells no more than the status line).
 * Returns the length (NUL-terminated), 0 when it does not fit or the
 * verdict is none.
 */
size_t s3u_problem_json(const s3u_finding_t *f, int status,
    int upstream_status, s3u_expose_e expose, char *out, size_t size);

/* the names as used in headers, variables and JSON */
const char *s3u_verdict_name(s3u_verdict_e v);     /* "denial", "s3-error", "none" */
const char *s3u_source_name(s3u_source_e s);       /* "message", "evaluator", "none" */
const char *s3u_decision_name(s3u_decision_e d);   /* "Allow", "ExplicitDeny", "ImplicitDeny", "" */
/* the decision as a header token: "allow", "explicit-deny",
 * "implicit-deny", "" */
const char *s3u_decision_token(s3u_decision_e d);

#endif /* S3U_SFV_H */
