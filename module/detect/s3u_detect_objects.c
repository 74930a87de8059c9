/*
 * Readers for printed error objects and exception classes: Node.js
 * (util.inspect, stacks, Error.toString()), .NET, Kotlin, Ruby, Rust, Lambda
 * payloads cut short, and AWS's detailed message on its own.  See
 * s3u_detect_text.c for the order they are tried in.
 */

#include <string.h>

#include "detect/s3u_detect_int.h"
#include "detect/s3u_detect_text.h"
#include "detect/s3u_scan.h"


/* the fixed words of these forms, named once so that stepping over them
 * cannot miscount */
#define NODE_HTTP_STATUS "httpStatusCode: "
#define NODE_STATUS      "statusCode: "
#define DOTNET_OPEN      "Error making request with Error Code "
#define DOTNET_STATUS    " and Http Status Code "
#define KOTLIN_OPEN      "Service returned error code "
#define KOTLIN_STATUS    "Protocol response: HTTP "
#define RUBY_S3          "Aws::S3::Errors::"
#define RUBY_STS         "Aws::STS::Errors::"
#define RUST_STATUS      "StatusCode("
#define RUST_STATUS_OLD  "status: "
#define LAMBDA_TYPE      "\"errorType\""

/* longest message an error string is checked against (S3's are shorter),
 * and how many "KnownCode: " candidates are checked at most: together they
 * keep a body of repeated candidates linear */
#define S3U_MESSAGE_MAX         2048
#define S3U_ERROR_STRING_TRIES  16


/* --- Node.js: util.inspect() of an SDK error ---------------------------- */

int
s3u_read_node_v3_text(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *ls, *c, *ce;
    s3u_form_t   form;

    p = s3u_find(base, end, "$metadata");
    if (p == NULL
        || (s3u_find(base, end, "'$fault': '") == NULL
            && s3u_find(base, end, "$fault: '") == NULL))
    {
        return 0;
    }

    s3u_form_init(&form, "node-v3-text");

    c = s3u_find(p, end, NODE_HTTP_STATUS);
    form.status = c ? s3u_parse_status(c + S3U_LEN(NODE_HTTP_STATUS), end) : 0;
    form.request_id = s3u_quoted_after(base, end, "RequestId: '");
    if (form.request_id.len == 0) {
        form.request_id = s3u_quoted_after(p, end, "requestId: '");
    }
    form.host_id = s3u_quoted_after(base, end, "HostId: '");
    if (form.host_id.len == 0) {
        form.host_id = s3u_quoted_after(p, end, "extendedRequestId: '");
    }
    if (form.host_id.len > 0 || s3u_find(base, end, "client-s3")) {
        form.origin = S3U_ORIGIN_S3;
    }

    form.code = s3u_quoted_after(base, end, "Code: '");
    if (form.code.len == 0) {
        form.code = s3u_quoted_after(base, end, "name: '");
    }

    /* the first line reads "Name: message" */
    ls = s3u_skip_space(base, end);
    ce = s3u_code_end(ls, end);
    if (ce > ls && ce + 1 < end && ce[0] == ':' && ce[1] == ' ') {
        if (form.code.len == 0) {
            form.code = s3u_between(ls, ce);
        }
        if (form.code.len == (size_t) (ce - ls)
            && memcmp(form.code.data, ls, form.code.len) == 0)
        {
            form.message = s3u_between(ce + 2, s3u_line_end(ce, end));
        }
    }

    if (form.code.len == 0 && form.status == 403) {
        form.code = s3u_span("Forbidden", S3U_LEN("Forbidden"));
    }

    if (!s3u_span_has_code_shape(form.code)) {
        form.code = s3u_span(NULL, 0);
    }

    return s3u_judge(&form, out);
}


int
s3u_read_node_v2_text(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *c;
    s3u_form_t   form;

    s3u_form_init(&form, "node-v2-text");

    form.code = s3u_quoted_after(base, end, "code: '");
    c = s3u_find(base, end, NODE_STATUS);
    if (form.code.len == 0 || c == NULL
        || (s3u_find(base, end, "requestId: ") == NULL
            && s3u_find(base, end, "retryable: ") == NULL))
    {
        return 0;
    }

    form.status = s3u_parse_status(c + S3U_LEN(NODE_STATUS), end);
    form.message = s3u_quoted_after(base, end, "message: '");
    form.request_id = s3u_quoted_after(base, end, "requestId: '");
    form.host_id = s3u_quoted_after(base, end, "extendedRequestId: '");

    if (form.host_id.len > 0 || s3u_find(base, end, "services/s3.js")) {
        form.origin = S3U_ORIGIN_S3;
    }

    if (!s3u_span_has_code_shape(form.code)) {
        form.code = s3u_span(NULL, 0);
    }

    return s3u_judge(&form, out);
}


/* "AccessDenied: Access Denied" over a stack through aws-sdk's s3.js */
int
s3u_read_node_v2_stack(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *ls, *c, *ce, *le;
    s3u_form_t   form;

    p = s3u_find(base, end, "at Request.extractError (");
    if (p == NULL || s3u_find(p, s3u_line_end(p, end), "services/s3.js") == NULL) {
        return 0;
    }

    /* up over the "at ..." lines to the "Code: message" line */
    ls = s3u_line_start(base, p);
    while (ls > base) {
        ls = s3u_line_start(base, ls - 1);
        if (s3u_phrase(s3u_skip_space(ls, end), end, "at ") == NULL) {
            break;
        }
    }

    c = s3u_skip_space(ls, end);
    if (c < end && *c == '{') {
        c = s3u_skip_space(c + 1, end);     /* "{ AccessDenied: ..." */
    }
    ce = s3u_code_end(c, end);
    if (ce == c || ce + 1 >= end || ce[0] != ':' || ce[1] != ' ') {
        return 0;
    }

    s3u_form_init(&form, "node-v2-stack");
    form.origin = S3U_ORIGIN_S3;
    form.code = s3u_between(c, ce);
    le = s3u_line_end(ce, end);
    form.message = s3u_between(ce + 2, le);

    return s3u_judge(&form, out);
}


/* --- .NET, Kotlin and other "Class: message" exception texts ------------ */

static const struct {
    const char    *prefix;
    s3u_origin_e   origin;
    const char    *format;
} exception_classes[] = {
    { "Amazon.S3.AmazonS3Exception: ", S3U_ORIGIN_S3, "dotnet" },
    { "Amazon.SecurityToken.AmazonSecurityTokenServiceException: ",
      S3U_ORIGIN_STS, "dotnet" },
    { "aws.sdk.kotlin.services.s3.model.S3Exception: ", S3U_ORIGIN_S3,
      "kotlin" },
    { "aws.sdk.kotlin.services.sts.model.StsException: ", S3U_ORIGIN_STS,
      "kotlin" },
};


int
s3u_read_dotnet_fixed(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *c, *ce, *le;
    s3u_form_t   form;

    /* the fixed string .NET prints for a bodiless error */
    p = s3u_find(base, end, DOTNET_OPEN);
    if (p == NULL) {
        return 0;
    }

    s3u_form_init(&form, "dotnet");
    c = p + S3U_LEN(DOTNET_OPEN);
    ce = s3u_code_end(c, end);
    form.code = s3u_between(c, ce);

    le = s3u_line_end(ce, end);
    p = s3u_find(ce, le, DOTNET_STATUS);
    if (p != NULL) {
        p += S3U_LEN(DOTNET_STATUS);
        if (s3u_phrase(p, le, "Forbidden") != NULL) {
            form.status = 403;
        } else if (s3u_phrase(p, le, "NotFound") != NULL) {
            form.status = 404;
        }
    }

    if (s3u_find(s3u_line_start(base, p ? p : ce), ce, "AmazonS3Exception")) {
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


int
s3u_read_kotlin_fixed(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *c, *ce, *le;
    s3u_form_t   form;

    /* Kotlin, bodiless: "Service returned error code 403: Forbidden, Error
     * type: Unknown, Protocol response: HTTP 403 Forbidden, Request ID: ..." */
    p = s3u_find(base, end, KOTLIN_OPEN);
    if (p == NULL) {
        return 0;
    }

    s3u_form_init(&form, "kotlin");
    le = s3u_line_end(p, end);
    c = p + S3U_LEN(KOTLIN_OPEN);
    ce = s3u_code_end(c, le);
    form.code = s3u_between(c, ce);

    p = s3u_find(ce, le, KOTLIN_STATUS);
    form.status = p ? s3u_parse_status(p + S3U_LEN(KOTLIN_STATUS), le) : 0;
    form.request_id = s3u_value_after(ce, le, "Request ID: ", ",");
    form.host_id = s3u_value_after(ce, le, "Extended request ID: ", ",");

    if (s3u_find(s3u_line_start(base, c), c, "S3Exception")) {
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


int
s3u_read_exception_class(const char *base, const char *end, s3u_finding_t *out)
{
    size_t       i;
    const char  *p, *m, *code;
    s3u_form_t   form;

    for (i = 0; i < sizeof(exception_classes) / sizeof(exception_classes[0]);
         i++)
    {
        p = s3u_find(base, end, exception_classes[i].prefix);
        if (p == NULL) {
            continue;
        }

        s3u_form_init(&form, exception_classes[i].format);
        form.origin = exception_classes[i].origin;
        m = p + strlen(exception_classes[i].prefix);
        form.message = s3u_between(m, s3u_message_end(m, end));

        code = s3u_code_from_message(form.message.data, form.message.len, 0);
        if (code != NULL) {
            form.code = s3u_span(code, strlen(code));
        }

        return s3u_judge(&form, out);
    }

    return 0;
}


/* --- Ruby: Aws::S3::Errors::AccessDenied -------------------------------- */

int
s3u_read_ruby(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *c, *ce, *ls, *m;
    s3u_form_t   form;

    s3u_form_init(&form, "ruby");

    p = s3u_find(base, end, RUBY_S3);
    if (p != NULL) {
        form.origin = S3U_ORIGIN_S3;
        c = p + S3U_LEN(RUBY_S3);
    } else {
        p = s3u_find(base, end, RUBY_STS);
        if (p == NULL) {
            return 0;
        }
        form.origin = S3U_ORIGIN_STS;
        c = p + S3U_LEN(RUBY_STS);
    }

    ce = s3u_code_end(c, end);
    form.code = s3u_between(c, ce);

    if (ce + 1 < end && ce[0] == ':' && ce[1] == ' ') {
        /* "Aws::S3::Errors::AccessDenied: Access Denied" */
        m = ce + 2;
        form.message = s3u_between(m, s3u_message_end(m, end));

    } else if (p - base >= 2 && p[-1] == '(' && p[-2] == ' ') {
        /* "file.rb:12:in `put': Access Denied (Aws::S3::Errors::AccessDenied)" */
        ls = s3u_line_start(base, p);
        m = s3u_find(ls, p, "': ");
        m = m ? m + 3 : ls;
        form.message = s3u_between(m, p - 2);
    }

    return s3u_judge(&form, out);
}


/* --- Rust: Debug output of SdkError ------------------------------------- */

int
s3u_read_rust(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p;
    s3u_form_t   form;

    if (s3u_find(base, end, "ErrorMetadata") == NULL) {
        return 0;
    }

    s3u_form_init(&form, "rust");
    form.code = s3u_quoted_after(base, end, "code: Some(\"");
    form.message = s3u_quoted_after(base, end, "message: Some(\"");
    form.request_id = s3u_quoted_after(base, end, "\"aws_request_id\": \"");
    form.host_id = s3u_quoted_after(base, end, "\"s3_extended_request_id\": \"");

    p = s3u_find(base, end, RUST_STATUS);
    if (p != NULL) {
        form.status = s3u_parse_status(p + S3U_LEN(RUST_STATUS), end);
    } else if ((p = s3u_find(base, end, RUST_STATUS_OLD)) != NULL) {
        form.status = s3u_parse_status(p + S3U_LEN(RUST_STATUS_OLD), end);
    }

    if (form.host_id.len > 0 || s3u_find(base, end, "aws_sdk_s3")) {
        form.origin = S3U_ORIGIN_S3;
    }

    if (form.code.len == 0 && form.status == 403
        && (s3u_find(base, end, "HeadObjectError")
            || s3u_find(base, end, "HeadBucketError")))
    {
        form.code = s3u_span("Forbidden", S3U_LEN("Forbidden"));
    }

    if (!s3u_span_has_code_shape(form.code)) {
        form.code = s3u_span(NULL, 0);
    }

    return s3u_judge(&form, out);
}


/* --- a Lambda payload cut short: "errorType": "NoSuchKey" ---------------- */

int
s3u_read_lambda_fragment(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *v, *e;
    s3u_form_t   form;

    p = s3u_find(base, end, LAMBDA_TYPE);
    if (p == NULL) {
        return 0;
    }

    v = s3u_skip_space(p + S3U_LEN(LAMBDA_TYPE), end);
    if (v == end || *v != ':') {
        return 0;
    }
    v = s3u_skip_space(v + 1, end);
    if (v == end || *v != '"') {
        return 0;
    }
    v++;
    e = s3u_code_end(v, end);
    if (e == end || *e != '"' || !s3u_known_code(v, (size_t) (e - v))) {
        return 0;                   /* only Node's "errorType is the code" */
    }

    s3u_form_init(&form, "lambda-node-v2");
    form.code = s3u_between(v, e);
    form.message = s3u_quoted_after(base, end, "\"errorMessage\": \"");
    if (form.message.len == 0) {
        form.message = s3u_quoted_after(base, end, "\"errorMessage\":\"");
    }
    if (s3u_find(base, end, "services/s3.js")) {
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


/* --- "Code: message": JavaScript's String(err), C++ and Go logs ---------- */

/* 1 when S3's message fits the code: the bare or detailed denial text for
 * AccessDenied, S3's fixed message for the others */
static int
message_fits_code(s3u_span_t code, s3u_span_t msg)
{
    const char  *meant;

    meant = s3u_code_from_message(msg.data, msg.len, 0);
    return meant != NULL && s3u_eq(code.data, code.len, meant);
}


/* "Code: " ending at colon, the code a known one that starts a word */
static s3u_span_t
code_before_colon(const char *base, const char *colon)
{
    const char  *c;

    for (c = colon; c > base && s3u_ctype_is(c[-1], S3U_CT_CODE); c--) {
        /* void */
    }

    if (c == colon || !s3u_known_code(c, (size_t) (colon - c))) {
        return s3u_span(NULL, 0);
    }

    return s3u_between(c, colon);
}


int
s3u_read_error_string(const char *base, const char *end, s3u_finding_t *out)
{
    int          tries;
    const char  *colon, *m, *me;
    s3u_form_t   form;

    s3u_form_init(&form, "error-string");

    tries = 0;

    for (colon = base; (colon = s3u_find(colon, end, ": ")) != NULL; colon++) {
        form.code = code_before_colon(base, colon);
        if (form.code.len == 0) {
            continue;
        }

        if (++tries > S3U_ERROR_STRING_TRIES) {
            return 0;
        }

        /* each candidate reads a bounded message, so that a line of
         * repeated "AccessDenied: " costs linear time */
        m = colon + S3U_LEN(": ");
        me = (end - m > S3U_MESSAGE_MAX) ? m + S3U_MESSAGE_MAX : end;
        form.message = s3u_between(m, s3u_message_end(m, me));

        /* the pair must agree, or it is only a word and a colon */
        if (message_fits_code(form.code, form.message)) {
            return s3u_judge(&form, out);
        }
    }

    return 0;
}


/* --- AWS's detailed message on its own ---------------------------------- */

int
s3u_read_aws_message(const char *base, const char *end, s3u_finding_t *out)
{
    const char     *p, *from, *u;
    s3u_form_t      form;
    s3u_message_t   m;

    if (!s3u_message_parse(base, end, &m)) {
        return 0;
    }

    s3u_form_init(&form, "aws-message");

    /* without a code, only AWS's whole sentence ("User: ARN is not
     * authorized ...") and only actions that can only be S3's or STS's */
    if (m.principal.len > 0
        && ((m.action.len > 3 && strncmp(m.action.data, "s3:", 3) == 0)
            || (m.action.len >= 14
                && strncmp(m.action.data, "sts:AssumeRole", 14) == 0)))
    {
        form.code = s3u_span("AccessDenied", S3U_LEN("AccessDenied"));
    }

    /* the message starts at "User:" when it is on the principal's line */
    p = m.action.data;
    from = m.principal.len ? m.principal.data : s3u_line_start(base, p);
    u = s3u_find(s3u_line_start(base, from), from, "User:");
    if (u != NULL) {
        from = u;
    }
    form.message = s3u_between(from, s3u_message_end(p, end));

    return s3u_judge(&form, out);
}


