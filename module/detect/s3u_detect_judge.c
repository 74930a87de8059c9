/*
 * From a recognised form to a finding: the S3 error code table and the
 * rules of DESIGN.md section 4.  A form only says what an SDK printed; the
 * judge decides what it means, so every detector applies the same rules:
 *
 * - AccessDenied is a denial when the action in a detailed message is s3:
 *   or kms: (S3 reports SSE-KMS failures as AccessDenied) or sts:AssumeRole*;
 *   any other action prefix (iam:, sqs:, dynamodb: ...) is another
 *   service's denial and gives nothing.  Without a detailed message it is a
 *   denial when the form is S3's own, or when the message is one of S3's
 *   fixed AccessDenied texts ("Access Denied", "Request has expired", ...)
 *   or absent (a bodiless answer).
 * - "Forbidden" and "403" are what SDKs make up for a bodiless HEAD 403;
 *   from a form that does not name S3 they count only with a 403 status.
 * - Other codes of the table are s3-error, except that codes other
 *   services use as well (InvalidRequest, InternalError, ...) need a form
 *   that names S3.
 * - A form that names another service never gives a finding.
 */

#include <string.h>
#include <strings.h>

#include "detect/s3u_detect.h"
#include "detect/s3u_detect_int.h"
#include "detect/s3u_scan.h"


typedef struct {
    const char  *code;
    int          status;
    int          generic;       /* other services use the same code */
} s3u_code_t;

static const s3u_code_t s3u_codes[] = {
    { "AccessDenied", 403, 0 },
    { "Forbidden", 403, 1 },
    { "AllAccessDisabled", 403, 0 },
    { "AccountProblem", 403, 0 },
    { "InvalidAccessKeyId", 403, 0 },
    { "SignatureDoesNotMatch", 403, 0 },
    { "RequestTimeTooSkewed", 403, 0 },
    { "InvalidObjectState", 403, 0 },
    { "InvalidSecurity", 403, 0 },
    { "InvalidPayer", 403, 0 },
    { "NotSignedUp", 403, 0 },
    { "MissingAuthenticationToken", 403, 1 },
    { "CrossLocationLoggingProhibited", 403, 0 },
    { "InvalidRegion", 403, 1 },
    { "UnauthorizedAccessError", 403, 0 },
    { "UnexpectedIPError", 403, 0 },
    { "ExpiredToken", 400, 0 },
    { "InvalidToken", 400, 0 },
    { "TokenRefreshRequired", 400, 0 },
    { "AccessControlListNotSupported", 400, 0 },
    { "InvalidBucketAclWithObjectOwnership", 400, 0 },
    { "KMS.DisabledException", 400, 0 },
    { "KMS.InvalidKeyUsageException", 400, 0 },
    { "KMS.KMSInvalidStateException", 400, 0 },
    { "KMS.NotFoundException", 400, 0 },
    { "AuthorizationHeaderMalformed", 400, 0 },
    { "InvalidRequest", 400, 1 },
    { "InvalidArgument", 400, 1 },
    { "InvalidBucketName", 400, 0 },
    { "EntityTooLarge", 400, 0 },
    { "EntityTooSmall", 400, 0 },
    { "BadDigest", 400, 0 },
    { "InvalidDigest", 400, 0 },
    { "InvalidAccessPoint", 400, 0 },
    { "InvalidAccessPointAliasError", 400, 0 },
    { "NoSuchKey", 404, 0 },
    { "NoSuchBucket", 404, 0 },
    { "NoSuchUpload", 404, 0 },
    { "NoSuchAccessPoint", 404, 0 },
    { "NoSuchVersion", 404, 0 },
    { "NoSuchBucketPolicy", 404, 0 },
    { "NotFound", 404, 1 },
    { "MethodNotAllowed", 405, 1 },
    { "PreconditionFailed", 412, 1 },
    { "PermanentRedirect", 301, 0 },
    { "TemporaryRedirect", 307, 1 },
    { "InternalError", 500, 1 },
    { "SlowDown", 503, 0 },
    { "ServiceUnavailable", 503, 1 },
};


static const s3u_code_t *
lookup(const char *p, size_t len)
{
    size_t  i;

    if (len == 0) {
        return NULL;
    }

    /* the first byte rules out most of the table without a strlen */
    for (i = 0; i < sizeof(s3u_codes) / sizeof(s3u_codes[0]); i++) {
        if (s3u_codes[i].code[0] == p[0] && s3u_eq(p, len, s3u_codes[i].code)) {
            return &s3u_codes[i];
        }
    }

    return NULL;
}


int
s3u_s3_error_status(const char *code)
{
    const s3u_code_t  *c;

    if (code == NULL) {
        return 0;
    }

    c = lookup(code, strlen(code));
    return c ? c->status : 0;
}


int
s3u_known_code(const char *p, size_t len)
{
    return lookup(p, len) != NULL;
}


/* s starts with pfx; a prefix ending in ':' needs an action after it */
static int
prefix(const s3u_span_t *s, const char *pfx)
{
    size_t  n;

    n = strlen(pfx);
    return (s->len > n || (s->len == n && pfx[n - 1] != ':'))
           && strncasecmp(s->data, pfx, n) == 0;
}


/* the message without surrounding whitespace and trailing periods */
static s3u_span_t
trimmed(const s3u_span_t *msg)
{
    const char  *p, *end;

    end = msg->data + msg->len;
    p = s3u_skip_space(msg->data, end);
    while (end > p && (s3u_is_space((unsigned char) end[-1]) || end[-1] == '.')) {
        end--;
    }

    return s3u_between(p, end);
}


/* S3's other fixed AccessDenied messages (presigned URLs, anonymous
 * multipart uploads): S3's own words, so as good as the bare text */
static const char *const  s3u_denied_messages[] = {
    "Access Denied",
    "Request has expired",
    "There were headers present in the request which were not signed",
    "Anonymous users cannot initiate multipart uploads",
    "Anonymous users cannot copy objects",
    "Invalid date (should be seconds since epoch)",
    "Query-string authentication version 4 requires the X-Amz-Algorithm,"
    " X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders,"
    " and X-Amz-Expires parameters",
};


/* one of S3's own AccessDenied texts ("Access Denied", also as S3
 * imitations write it with a period) */
static int
s3_denied_message(const s3u_span_t *msg)
{
    size_t      i, n;
    s3u_span_t  t;

    t = trimmed(msg);

    for (i = 0; i < sizeof(s3u_denied_messages) / sizeof(s3u_denied_messages[0]);
         i++)
    {
        n = strlen(s3u_denied_messages[i]);
        if (t.len >= n && memcmp(t.data, s3u_denied_messages[i], n) == 0
            && (i > 0 || t.len == n))
        {
            return 1;
        }
    }

    return 0;
}


/* no message at all: "" or "null", what SDKs print for a bodiless answer */
static int
no_message(const s3u_span_t *msg)
{
    s3u_span_t  t;

    t = trimmed(msg);
    return t.len == 0 || s3u_eq(t.data, t.len, "null");
}


/* the service a denial belongs to, or NULL when it is none of ours */
static const char *
denial_service(const s3u_form_t *form, const s3u_message_t *m, int has_msg,
    int head_code)
{
    if (has_msg) {
        if (prefix(&m->action, "s3:") && form->origin != S3U_ORIGIN_STS) {
            return "s3";
        }
        if (prefix(&m->action, "kms:") && form->origin != S3U_ORIGIN_STS) {
            return "kms";
        }
        if (prefix(&m->action, "sts:AssumeRole")
            && form->origin != S3U_ORIGIN_S3)
        {
            return "sts";
        }
        return NULL;
    }

    if (form->origin == S3U_ORIGIN_S3) {
        return "s3";
    }

    /* a form that does not name its service: S3's bare text, or a
     * made-up HEAD code the SDK reported with a 403 */
    if (form->origin == S3U_ORIGIN_UNKNOWN
        && (head_code ? form->status == 403
                      : (no_message(&form->message)
                         || s3_denied_message(&form->message))))
    {
        return "s3";
    }

    return NULL;
}


static void
fill_message(const s3u_message_t *m, s3u_finding_t *out)
{
    s3u_field_set(out->principal, sizeof(out->principal),
                  m->principal.data, m->principal.len);
    s3u_field_set(out->action, sizeof(out->action),
                  m->action.data, m->action.len);
    s3u_field_set(out->resource, sizeof(out->resource),
                  m->resource.data, m->resource.len);

    if (m->layer != NULL) {
        strcpy(out->layer, m->layer);
        out->source = S3U_SOURCE_MESSAGE;
        out->decision = m->decision;
    }
}


static void
fill_ids(const s3u_form_t *form, s3u_finding_t *out)
{
    s3u_field_set(out->code, sizeof(out->code),
                  form->code.data, form->code.len);
    s3u_field_set(out->message, sizeof(out->message),
                  form->message.data, form->message.len);
    s3u_field_set(out->request_id, sizeof(out->request_id),
                  form->request_id.data, form->request_id.len);
    s3u_field_set(out->host_id, sizeof(out->host_id),
                  form->host_id.data, form->host_id.len);
}


/* empty spans point at "" so that no pointer arithmetic starts at NULL */
static void
no_null_spans(s3u_form_t *form)
{
    s3u_span_t  *spans[4];
    size_t       i;

    spans[0] = &form->code;
    spans[1] = &form->message;
    spans[2] = &form->request_id;
    spans[3] = &form->host_id;

    for (i = 0; i < 4; i++) {
        if (spans[i]->data == NULL) {
            *spans[i] = s3u_span("", 0);
        }
    }
}


int
s3u_judge(const s3u_form_t *given, s3u_finding_t *out)
{
    int                head_code, has_msg;
    const char        *service;
    s3u_form_t         copy;
    s3u_message_t      m;
    const s3u_code_t  *c;
    const s3u_form_t  *form;

    copy = *given;
    no_null_spans(&copy);
    form = &copy;

    memset(out, 0, sizeof(*out));
    out->parsed = 1;
    out->format = form->format;

    if (form->origin == S3U_ORIGIN_OTHER || form->code.len == 0) {
        return 1;
    }

    has_msg = s3u_message_parse(form->message.data,
                                form->message.data + form->message.len, &m);

    head_code = (s3u_eq(form->code.data, form->code.len, "Forbidden")
                 || s3u_eq(form->code.data, form->code.len, "403"))
                && (form->status == 0 || form->status == 403);

    if (s3u_eq(form->code.data, form->code.len, "AccessDenied") || head_code) {
        service = denial_service(form, &m, has_msg, head_code);
        if (service == NULL) {
            return 1;
        }

        out->verdict = S3U_VERDICT_DENIAL;
        out->s3_status = 403;
        strcpy(out->service, service);
        fill_ids(form, out);
        if (has_msg) {
            fill_message(&m, out);
        }
        return 1;
    }

    c = lookup(form->code.data, form->code.len);
    if (c == NULL || form->origin == S3U_ORIGIN_STS
        || (c->generic && form->origin != S3U_ORIGIN_S3)
        || (has_msg && !prefix(&m.action, "s3:")))
    {
        return 1;
    }

    out->verdict = S3U_VERDICT_S3_ERROR;
    out->s3_status = c->status;
    strcpy(out->service, "s3");
    fill_ids(form, out);

    return 1;
}


/* S3's fixed messages, for SDKs that print the message but not the code */
static const struct {
    const char  *message;
    const char  *code;
} s3u_messages[] = {
    { "The specified key does not exist", "NoSuchKey" },
    { "The specified bucket does not exist", "NoSuchBucket" },
    { "The AWS Access Key Id you provided does not exist in our records",
      "InvalidAccessKeyId" },
    { "The request signature we calculated does not match the signature "
      "you provided", "SignatureDoesNotMatch" },
    { "The provided token has expired", "ExpiredToken" },
    { "The provided token is malformed or otherwise invalid",
      "InvalidToken" },
    { "The difference between the request time and the current time is too "
      "large", "RequestTimeTooSkewed" },
    { "All access to this object has been disabled", "AllAccessDisabled" },
    { "The operation is not valid for the object's storage class",
      "InvalidObjectState" },
    { "The bucket does not allow ACLs", "AccessControlListNotSupported" },
    { "There is a problem with your AWS account", "AccountProblem" },
};


const char *
s3u_code_from_message(const char *p, size_t len, int status)
{
    size_t         i, n;
    const char    *end;
    s3u_message_t  m;
    s3u_span_t     msg;

    end = p + len;
    p = s3u_skip_space(p, end);
    len = (size_t) (end - p);
    msg = s3u_span(p, len);

    if (status != 0 && status != 403) {
        /* only the denial shapes need the status to agree */
    } else if (s3u_message_parse(p, end, &m)) {
        return "AccessDenied";
    } else if (s3_denied_message(&msg)) {
        return "AccessDenied";
    } else if (status == 403
               && (no_message(&msg) || s3u_eq(p, len, "Forbidden")))
    {
        return "Forbidden";
    }

    for (i = 0; i < sizeof(s3u_messages) / sizeof(s3u_messages[0]); i++) {
        n = strlen(s3u_messages[i].message);
        if (len >= n && memcmp(p, s3u_messages[i].message, n) == 0) {
            return s3u_messages[i].code;
        }
    }

    return NULL;
}
