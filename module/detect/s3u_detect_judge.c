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

#include "detect/s3u_detect.h"
#include "detect/s3u_detect_int.h"
#include "detect/s3u_scan.h"


typedef struct {
    const char  *code;
    size_t       len;           /* strlen(code), known at compile time */
    int          status;
    int          generic;       /* other services use the same code */
} s3u_code_t;

#define S3U_CODE(code, status, generic)                                       \
    { code, S3U_LEN(code), status, generic }

static const s3u_code_t s3u_codes[] = {
    S3U_CODE("AccessDenied", 403, 0),
    S3U_CODE("Forbidden", 403, 1),
    S3U_CODE("AllAccessDisabled", 403, 0),
    S3U_CODE("AccountProblem", 403, 0),
    S3U_CODE("InvalidAccessKeyId", 403, 0),
    S3U_CODE("SignatureDoesNotMatch", 403, 0),
    S3U_CODE("RequestTimeTooSkewed", 403, 0),
    S3U_CODE("InvalidObjectState", 403, 0),
    S3U_CODE("InvalidSecurity", 403, 0),
    S3U_CODE("InvalidPayer", 403, 0),
    S3U_CODE("NotSignedUp", 403, 0),
    S3U_CODE("MissingAuthenticationToken", 403, 1),
    S3U_CODE("CrossLocationLoggingProhibited", 403, 0),
    S3U_CODE("InvalidRegion", 403, 1),
    S3U_CODE("UnauthorizedAccessError", 403, 0),
    S3U_CODE("UnexpectedIPError", 403, 0),
    S3U_CODE("ExpiredToken", 400, 0),
    S3U_CODE("InvalidToken", 400, 0),
    S3U_CODE("TokenRefreshRequired", 400, 0),
    S3U_CODE("AccessControlListNotSupported", 400, 0),
    S3U_CODE("InvalidBucketAclWithObjectOwnership", 400, 0),
    S3U_CODE("KMS.DisabledException", 400, 0),
    S3U_CODE("KMS.InvalidKeyUsageException", 400, 0),
    S3U_CODE("KMS.KMSInvalidStateException", 400, 0),
    S3U_CODE("KMS.NotFoundException", 400, 0),
    S3U_CODE("AuthorizationHeaderMalformed", 400, 0),
    S3U_CODE("InvalidRequest", 400, 1),
    S3U_CODE("InvalidArgument", 400, 1),
    S3U_CODE("InvalidBucketName", 400, 0),
    S3U_CODE("EntityTooLarge", 400, 0),
    S3U_CODE("EntityTooSmall", 400, 0),
    S3U_CODE("BadDigest", 400, 0),
    S3U_CODE("InvalidDigest", 400, 0),
    S3U_CODE("InvalidAccessPoint", 400, 0),
    S3U_CODE("InvalidAccessPointAliasError", 400, 0),
    S3U_CODE("NoSuchKey", 404, 0),
    S3U_CODE("NoSuchBucket", 404, 0),
    S3U_CODE("NoSuchUpload", 404, 0),
    S3U_CODE("NoSuchAccessPoint", 404, 0),
    S3U_CODE("NoSuchVersion", 404, 0),
    S3U_CODE("NoSuchBucketPolicy", 404, 0),
    S3U_CODE("NotFound", 404, 1),
    S3U_CODE("MethodNotAllowed", 405, 1),
    S3U_CODE("PreconditionFailed", 412, 1),
    S3U_CODE("PermanentRedirect", 301, 0),
    S3U_CODE("TemporaryRedirect", 307, 1),
    S3U_CODE("InternalError", 500, 1),
    S3U_CODE("SlowDown", 503, 0),
    S3U_CODE("ServiceUnavailable", 503, 1),
};


static const s3u_code_t *
lookup(const char *p, size_t len)
{
    size_t  i;

    if (len == 0) {
        return NULL;
    }

    /* the length and the first byte rule out most of the table */
    for (i = 0; i < sizeof(s3u_codes) / sizeof(s3u_codes[0]); i++) {
        if (s3u_codes[i].len == len && s3u_codes[i].code[0] == p[0]
            && memcmp(p, s3u_codes[i].code, len) == 0)
        {
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


/* the span is the string literal lit: its length is a constant, so the
 * comparison is a few instructions, not a strlen and a memcmp call */
#define span_is(s, lit)                                                       \
    ((s)->len == S3U_LEN(lit) && memcmp((s)->data, lit, S3U_LEN(lit)) == 0)


/* s starts with pfx (n bytes), ASCII letters in either case, as
 * strncasecmp in the C locale; a prefix ending in ':' needs an action
 * after it */
static int
prefix_n(const s3u_span_t *s, const char *pfx, size_t n)
{
    size_t  i;
    int     a, b;

    if (!(s->len > n || (s->len == n && pfx[n - 1] != ':'))) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        a = (unsigned char) s->data[i];
        b = (unsigned char) pfx[i];
        if (a != b) {
            /* the same letter in the other case, or a mismatch */
            a |= 0x20;
            if (a != (b | 0x20) || a < 'a' || a > 'z') {
                return 0;
            }
        }
    }

    return 1;
}

#define prefix(s, lit)  prefix_n(s, lit, S3U_LEN(lit))


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
#define S3U_TEXT(text)  { text, S3U_LEN(text) }

static const struct {
    const char  *text;
    size_t       len;
} s3u_denied_messages[] = {
    S3U_TEXT("Access Denied"),
    S3U_TEXT("Request has expired"),
    S3U_TEXT("There were headers present in the request which were not"
             " signed"),
    S3U_TEXT("Anonymous users cannot initiate multipart uploads"),
    S3U_TEXT("Anonymous users cannot copy objects"),
    S3U_TEXT("Invalid date (should be seconds since epoch)"),
    S3U_TEXT("Query-string authentication version 4 requires the"
             " X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature,"
             " X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires"
             " parameters"),
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
        n = s3u_denied_messages[i].len;
        if (t.len >= n && memcmp(t.data, s3u_denied_messages[i].text, n) == 0
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
    return t.len == 0 || span_is(&t, "null");
}


/* the services a denial can belong to, each padded with NULs to 4 bytes:
 * copied with one fixed-size store */
static const char  s3u_service_s3[4] = "s3";
static const char  s3u_service_kms[4] = "kms";
static const char  s3u_service_sts[4] = "sts";


/* the service a denial belongs to, or NULL when it is none of ours */
static const char *
denial_service(const s3u_form_t *form, const s3u_span_t *msg,
    const s3u_message_t *m, int has_msg, int head_code)
{
    if (has_msg) {
        if (prefix(&m->action, "s3:") && form->origin != S3U_ORIGIN_STS) {
            return s3u_service_s3;
        }
        if (prefix(&m->action, "kms:") && form->origin != S3U_ORIGIN_STS) {
            return s3u_service_kms;
        }
        if (prefix(&m->action, "sts:AssumeRole")
            && form->origin != S3U_ORIGIN_S3)
        {
            return s3u_service_sts;
        }
        return NULL;
    }

    if (form->origin == S3U_ORIGIN_S3) {
        return s3u_service_s3;
    }

    /* a form that does not name its service: S3's bare text, or a
     * made-up HEAD code the SDK reported with a 403 */
    if (form->origin == S3U_ORIGIN_UNKNOWN
        && (head_code ? form->status == 403
                      : (no_message(msg) || s3_denied_message(msg))))
    {
        return s3u_service_s3;
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


/*
 * The code is copied from the table entry it was matched against: what
 * s3u_field_set would make of the matched bytes, as a code has nothing to
 * trim, fold or drop.  The other values go through s3u_field_set, which
 * takes a NULL span as "".
 */
static inline void
fill_ids(const s3u_form_t *form, const s3u_span_t *msg, s3u_finding_t *out)
{
    s3u_field_set(out->message, sizeof(out->message), msg->data, msg->len);
    s3u_field_set(out->request_id, sizeof(out->request_id),
                  form->request_id.data, form->request_id.len);
    s3u_field_set(out->host_id, sizeof(out->host_id),
                  form->host_id.data, form->host_id.len);
}


/* the codes of a denial, padded with NULs to 16 bytes: copied, NUL
 * included, with one fixed-size store */
static const char  s3u_denial_codes[][16] = {
    "AccessDenied", "Forbidden", "403",
};


int
s3u_judge(const s3u_form_t *form, s3u_finding_t *out)
{
    int                head_code, has_msg;
    const char        *service, *code;
    s3u_span_t         msg;
    s3u_message_t      m;
    const s3u_code_t  *c;

    /* every field is read as the string before its NUL: clearing the
     * first bytes is enough (s3u_finding.h), and the 4 KB memset was half
     * of the judge */
    s3u_finding_clear(out);
    out->parsed = 1;
    out->format = form->format;

    /* a span without data is empty, and its data must not be NULL for the
     * pointer arithmetic of the readers below */
    if (form->origin == S3U_ORIGIN_OTHER || form->code.data == NULL
        || form->code.len == 0)
    {
        return 1;
    }

    msg = form->message.data != NULL ? form->message : s3u_span("", 0);

    has_msg = s3u_message_parse(msg.data, msg.data + msg.len, &m);

    /* AccessDenied; Forbidden and 403 are the HEAD codes SDKs make up,
     * and count only with no status or a 403 */
    if (span_is(&form->code, "AccessDenied")) {
        code = s3u_denial_codes[0];
        head_code = 0;

    } else if (form->status != 0 && form->status != 403) {
        code = NULL;
        head_code = 0;

    } else if (span_is(&form->code, "Forbidden")) {
        code = s3u_denial_codes[1];
        head_code = 1;

    } else if (span_is(&form->code, "403")) {
        code = s3u_denial_codes[2];
        head_code = 1;

    } else {
        code = NULL;
        head_code = 0;
    }

    if (code != NULL) {
        service = denial_service(form, &msg, &m, has_msg, head_code);
        if (service == NULL) {
            return 1;
        }

        out->verdict = S3U_VERDICT_DENIAL;
        out->s3_status = 403;
        memcpy(out->service, service, 4);
        memcpy(out->code, code, 16);
        fill_ids(form, &msg, out);
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
    memcpy(out->service, s3u_service_s3, 4);
    memcpy(out->code, c->code, c->len + 1);
    fill_ids(form, &msg, out);

    return 1;
}


/* S3's fixed messages, for SDKs that print the message but not the code */
#define S3U_MESSAGE(text, code)  { text, S3U_LEN(text), code }

static const struct {
    const char  *message;
    size_t       len;
    const char  *code;
} s3u_messages[] = {
    S3U_MESSAGE("The specified key does not exist", "NoSuchKey"),
    S3U_MESSAGE("The specified bucket does not exist", "NoSuchBucket"),
    S3U_MESSAGE("The AWS Access Key Id you provided does not exist in our"
                " records", "InvalidAccessKeyId"),
    S3U_MESSAGE("The request signature we calculated does not match the"
                " signature you provided", "SignatureDoesNotMatch"),
    S3U_MESSAGE("The provided token has expired", "ExpiredToken"),
    S3U_MESSAGE("The provided token is malformed or otherwise invalid",
                "InvalidToken"),
    S3U_MESSAGE("The difference between the request time and the current"
                " time is too large", "RequestTimeTooSkewed"),
    S3U_MESSAGE("All access to this object has been disabled",
                "AllAccessDisabled"),
    S3U_MESSAGE("The operation is not valid for the object's storage class",
                "InvalidObjectState"),
    S3U_MESSAGE("The bucket does not allow ACLs",
                "AccessControlListNotSupported"),
    S3U_MESSAGE("There is a problem with your AWS account", "AccountProblem"),
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
               && (no_message(&msg) || span_is(&msg, "Forbidden")))
    {
        return "Forbidden";
    }

    for (i = 0; i < sizeof(s3u_messages) / sizeof(s3u_messages[0]); i++) {
        n = s3u_messages[i].len;
        if (len >= n && memcmp(p, s3u_messages[i].message, n) == 0) {
            return s3u_messages[i].code;
        }
    }

    return NULL;
}
