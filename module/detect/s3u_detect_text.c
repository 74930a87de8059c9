/*
 * SDK exception texts (reference section 5.5): what an application puts in
 * a 500 body when it catches an S3 error.  Each reader looks for its SDK's
 * exact frame (botocore's "An error occurred (X) when calling the Op
 * operation", Java's "(Service: ...; Status Code: ...)", ...) and reads the
 * code, message and ids out of it; a bare phrase is never enough.  The
 * first reader that recognises its form decides, strongest forms first.
 */

#include <string.h>

#include "detect/s3u_detect_int.h"
#include "detect/s3u_scan.h"


/* the frames' fixed words, named once so that stepping over them cannot
 * miscount */
#define PHP_OPEN         "Error executing \""
#define PHP_CLIENT       " (client): "
#define PHP_SERVER       " (server): "
#define BOTO_OPEN        "An error occurred ("
#define BOTO_OLD_OPEN    "A client error ("
#define BOTO_CALL        " when calling the "
#define GO2_OPEN         "operation error "
#define GO2_STATUS       "StatusCode: "
#define GO2_API          "api error "
#define GO1_STATUS       "status code: "
#define JAVA_OPEN        "(Service: "
#define JAVA_STATUS      "Status Code: "
#define JAVA_OLD_SERVICE "AWS Service: "
#define JAVA_OLD_MESSAGE "AWS Error Message: "
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


/* longest "(Service: ...)" frame of the Java SDKs worth reading */
#define S3U_FRAME_MAX  1024


typedef int (*text_reader_pt)(const char *base, const char *end,
    s3u_finding_t *out);


/* --- small helpers ------------------------------------------------------ */

static const char *
line_start(const char *base, const char *p)
{
    while (p > base && p[-1] != '\n') {
        p--;
    }

    return p;
}


static const char *
line_end(const char *p, const char *end)
{
    const char  *nl;

    nl = memchr(p, '\n', (size_t) (end - p));
    return nl ? nl : end;
}


/* the end of an SDK's "(Service: ...)" frame: its line, at most
 * S3U_FRAME_MAX bytes, so that a body of repeated openings costs linear time */
static const char *
frame_end(const char *p, const char *end)
{
    end = line_end(p, end);
    return (end - p > S3U_FRAME_MAX) ? p + S3U_FRAME_MAX : end;
}


/*
 * The end of a message that runs to the end of its line.  In JSON-escaped
 * text the line can continue with the rest of the document: stop at a
 * literal "\n" too, and at a closing quote followed by JSON punctuation.
 */
static const char *
message_end(const char *p, const char *end)
{
    const char  *q;

    end = line_end(p, end);

    for (q = p; q < end; q++) {
        if (q[0] == '\\' && q + 1 < end && (q[1] == 'n' || q[1] == 'r')) {
            return q;
        }
        if (q[0] == '"' && (q == p || q[-1] != '\\')
            && (q + 1 == end || q[1] == ',' || q[1] == '}' || q[1] == ']'))
        {
            return q;
        }
    }

    while (end > p && s3u_is_space((unsigned char) end[-1])) {
        end--;
    }

    return end;
}


/* a label that starts a word: "RequestId: " must not match inside
 * "extendedRequestId: " */
static const char *
find_label(const char *p, const char *end, const char *label)
{
    const char  *base, *v;

    for (base = p; (v = s3u_find(p, end, label)) != NULL; p = v + 1) {
        if (v == base || s3u_code_end(v - 1, v) == v - 1) {
            return v;
        }
    }

    return NULL;
}


/* value after a label, up to one of the stop bytes or whitespace */
static s3u_span_t
value_after(const char *p, const char *end, const char *label,
    const char *stops)
{
    const char  *v, *e;

    v = find_label(p, end, label);
    if (v == NULL) {
        return s3u_span(NULL, 0);
    }

    v += strlen(label);
    for (e = v; e < end && !s3u_is_space((unsigned char) *e)
                && strchr(stops, *e) == NULL; e++)
    {
        /* void */
    }

    return s3u_span(v, (size_t) (e - v));
}


/* a JavaScript or Rust literal string value after a label: 'x' or "x" */
static s3u_span_t
quoted_after(const char *p, const char *end, const char *label)
{
    char         q;
    const char  *v, *e;

    v = find_label(p, end, label);
    if (v == NULL) {
        return s3u_span(NULL, 0);
    }

    v += strlen(label);
    q = v[-1];
    for (e = v; e < end && *e != q && *e != '\n'; e++) {
        if (*e == '\\' && e + 1 < end) {
            e++;
        }
    }

    return s3u_span(v, (size_t) (e - v));
}


static int
span_has_code_shape(s3u_span_t s)
{
    return s.len > 0 && s.len < 64
           && s3u_code_end(s.data, s.data + s.len) == s.data + s.len;
}


/* an S3 or STS operation name decides the origin of botocore and PHP text */
static s3u_origin_e
operation_origin(const char *op, size_t len)
{
    const char  *end;

    end = op + len;

    if (s3u_find(op, end, "Object") || s3u_find(op, end, "Bucket")
        || s3u_find(op, end, "Multipart") || s3u_find(op, end, "UploadPart")
        || s3u_eq(op, len, "ListParts")
        || s3u_find(op, end, "PublicAccessBlock"))
    {
        return S3U_ORIGIN_S3;
    }

    if ((len >= 10 && memcmp(op, "AssumeRole", 10) == 0)
        || s3u_eq(op, len, "GetCallerIdentity")
        || s3u_eq(op, len, "GetSessionToken")
        || s3u_eq(op, len, "GetFederationToken"))
    {
        return S3U_ORIGIN_STS;
    }

    return S3U_ORIGIN_UNKNOWN;
}


static s3u_origin_e
service_origin(const char *svc, size_t len)
{
    if (s3u_eq(svc, len, "S3") || s3u_eq(svc, len, "Amazon S3")
        || s3u_eq(svc, len, "s3"))
    {
        return S3U_ORIGIN_S3;
    }

    if (s3u_eq(svc, len, "STS") || s3u_eq(svc, len, "Sts")
        || s3u_eq(svc, len, "AWSSecurityTokenService")
        || s3u_eq(svc, len, "AWS Security Token Service"))
    {
        return S3U_ORIGIN_STS;
    }

    return S3U_ORIGIN_OTHER;
}


static void
form_init(s3u_form_t *form, const char *format)
{
    memset(form, 0, sizeof(*form));
    form->format = format;
}


/* --- PHP: "Error executing "Op" on "url"; AWS HTTP error: ..." ---------- */

static int
read_php(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *op, *ope, *tag, *c;
    s3u_form_t   form;

    p = s3u_find(base, end, PHP_OPEN);
    if (p == NULL || s3u_find(p, end, "AWS HTTP error: ") == NULL) {
        return 0;
    }

    op = p + S3U_LEN(PHP_OPEN);
    ope = memchr(op, '"', (size_t) (end - op));
    if (ope == NULL) {
        return 0;
    }

    if (s3u_detect_xml_embedded(p, (size_t) (end - p), out)) {
        out->format = "php";
        return 1;
    }

    /* no complete XML: "<Code> (client): <Message>" */
    tag = s3u_find(ope, end, PHP_CLIENT);
    if (tag == NULL) {
        tag = s3u_find(ope, end, PHP_SERVER);
    }
    if (tag == NULL) {
        return 0;
    }

    for (c = tag; c > ope && c[-1] != ' ' && c[-1] != '\n'; c--) {
        /* void */
    }

    form_init(&form, "php");
    form.origin = operation_origin(op, (size_t) (ope - op));
    form.code = s3u_span(c, (size_t) (tag - c));
    p = tag + S3U_LEN(PHP_CLIENT);
    c = s3u_find(p, line_end(p, end), " - ");
    form.message = s3u_span(p, (size_t) ((c ? c : message_end(p, end)) - p));

    return s3u_judge(&form, out);
}


/* --- Python botocore / boto3 -------------------------------------------- */

static int
read_botocore(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *code, *ce, *op, *ope, *ls;
    s3u_form_t   form;

    form_init(&form, "botocore");

    p = s3u_find(base, end, BOTO_OPEN);
    if (p != NULL) {
        code = p + S3U_LEN(BOTO_OPEN);
    } else {
        p = s3u_find(base, end, BOTO_OLD_OPEN);
        if (p == NULL) {
            return 0;
        }
        code = p + S3U_LEN(BOTO_OLD_OPEN);
    }

    ce = memchr(code, ')', (size_t) (end - code));
    if (ce == NULL || ce == code || ce - code >= 64
        || s3u_code_end(code, ce) != ce)
    {
        return 0;
    }

    op = s3u_find(ce, end, BOTO_CALL);
    if (op == NULL || op - ce > 16) {
        return 0;
    }
    op += S3U_LEN(BOTO_CALL);
    ope = s3u_code_end(op, end);
    if (ope == op || s3u_phrase(ope, end, " operation") == NULL) {
        return 0;
    }

    /* " operation[ (reached max retries: N)]: message" */
    p = s3u_phrase(ope, end, " operation");
    if (p != NULL && s3u_phrase(p, end, " (reached max retries: ") != NULL) {
        p = memchr(p, ')', (size_t) (line_end(p, end) - p));
        p = p ? p + 1 : NULL;
    }
    if (p != NULL && p < end && *p == ':') {
        p = s3u_skip_space(p + 1, line_end(p, end));
        form.message = s3u_span(p, (size_t) (message_end(p, end) - p));
    }

    form.code = s3u_span(code, (size_t) (ce - code));
    form.origin = operation_origin(op, (size_t) (ope - op));
    if (s3u_eq(code, (size_t) (ce - code), "403")) {
        form.status = 403;
    }

    ls = line_start(base, code);
    if (s3u_find(ls, code, "S3UploadFailedError")
        || s3u_find(ls, code, "Failed to upload ")
        || s3u_find(ls, code, "Failed to download "))
    {
        form.format = "boto3-s3-transfer";
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


/* --- Go SDK v2 (smithy-go) ---------------------------------------------- */

static int
read_go_v2(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *svc, *se, *le, *api, *c, *ce;
    s3u_form_t   form;

    p = s3u_find(base, end, GO2_OPEN);
    if (p == NULL) {
        return 0;
    }

    svc = p + S3U_LEN(GO2_OPEN);
    le = line_end(svc, end);
    se = memchr(svc, ':', (size_t) (le - svc));
    if (se == NULL || se == svc || se - svc > 40) {
        return 0;
    }

    form_init(&form, "go-v2");
    form.origin = service_origin(svc, (size_t) (se - svc));

    c = s3u_find(se, le, GO2_STATUS);
    if (c != NULL) {
        form.status = s3u_parse_status(c + S3U_LEN(GO2_STATUS), le);
    }
    form.request_id = value_after(se, le, "RequestID: ", ",");
    form.host_id = value_after(se, le, "HostID: ", ",");

    api = s3u_find(se, le, GO2_API);
    if (api != NULL) {
        c = api + S3U_LEN(GO2_API);
        ce = s3u_code_end(c, le);
        if (ce < le && *ce == ':') {
            form.code = s3u_span(c, (size_t) (ce - c));
            p = s3u_skip_space(ce + 1, le);
            form.message = s3u_span(p, (size_t) (message_end(p, end) - p));
        }
    }

    return s3u_judge(&form, out);
}


/* --- Go SDK v1: "Code: Message\n\tstatus code: 403, request id: X" ------ */

static int
read_go_v1(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *t, *seg, *sege, *p, *c, *stop;
    s3u_form_t   form;

    for (t = base; (t = s3u_find(t, end, GO1_STATUS)) != NULL; t++) {
        if (s3u_parse_status(t + S3U_LEN(GO1_STATUS), end) != 0
            && s3u_phrase(t + S3U_LEN(GO1_STATUS) + 3, end, ", request id: ")
               != NULL)
        {
            break;
        }
    }

    if (t == NULL) {
        return 0;
    }

    form_init(&form, "go-v1");
    form.status = s3u_parse_status(t + S3U_LEN(GO1_STATUS), end);
    form.request_id = value_after(t, line_end(t, end), "request id: ", ",");
    form.host_id = value_after(t, line_end(t, end), "host id: ", ",");

    /* the "Code: Message" part ends where the status part starts: on the
     * same line after a space, or the line before */
    sege = t;
    while (sege > base && (sege[-1] == ' ' || sege[-1] == '\t')) {
        sege--;
    }
    if (sege > base && sege[-1] == '\n') {
        sege--;
        if (sege > base && sege[-1] == '\r') {
            sege--;
        }
    }
    seg = line_start(base, sege);

    /* the first "Code: " whose Code is an S3 code */
    for (p = seg; (p = s3u_find(p, sege, ": ")) != NULL; p++) {
        for (c = p; c > seg && s3u_code_end(c - 1, p) == p; c--) {
            /* void */
        }
        if (c < p && s3u_known_code(c, (size_t) (p - c))) {
            form.code = s3u_span(c, (size_t) (p - c));
            stop = s3u_skip_space(p + 2, sege);
            form.message = s3u_span(stop, (size_t) (sege - stop));
            break;
        }
    }

    return s3u_judge(&form, out);
}


/* --- Java SDK v1 -------------------------------------------------------- */

static s3u_span_t
java_message(const char *base, const char *frame)
{
    const char  *ls, *p, *e;

    ls = line_start(base, frame);

    /* after the last "Exception: " on the line, when there is one */
    for (p = ls; (e = s3u_find(p, frame, "Exception: ")) != NULL; p = e + 1) {
        ls = e + S3U_LEN("Exception: ");
    }

    ls = s3u_skip_space(ls, frame);
    return s3u_span(ls, (size_t) (frame - ls));
}


static int
read_java_v1(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *svc, *se, *le, *close;
    s3u_form_t   form;

    form_init(&form, "java-v1");

    for (p = base; (p = s3u_find(p, end, JAVA_OPEN)) != NULL; p++) {
        svc = p + S3U_LEN(JAVA_OPEN);
        le = frame_end(svc, end);
        se = memchr(svc, ';', (size_t) (le - svc));
        if (se != NULL && s3u_find(se, le, "; Error Code: ") != NULL) {
            break;
        }
    }

    if (p != NULL) {
        close = memchr(se, ')', (size_t) (le - se));
        close = close ? close : le;
        form.origin = service_origin(svc, (size_t) (se - svc));
        form.code = value_after(se, close, "Error Code: ", ";)");
        form.request_id = value_after(se, close, "Request ID: ", ";)");
        form.host_id = value_after(se, le, "Extended Request ID: ", ";),");
        p = s3u_find(se, close, JAVA_STATUS);
        form.status = p ? s3u_parse_status(p + S3U_LEN(JAVA_STATUS), close)
                        : 0;
        form.message = java_message(base, svc - S3U_LEN(JAVA_OPEN));
        return s3u_judge(&form, out);
    }

    /* before 2014: "Status Code: 403, AWS Service: Amazon S3, AWS Request
     * ID: X, AWS Error Code: AccessDenied, AWS Error Message: Access Denied" */
    p = s3u_find(base, end, JAVA_OLD_SERVICE);
    if (p == NULL) {
        return 0;
    }
    le = line_end(p, end);
    if (s3u_find(p, le, "AWS Error Code: ") == NULL) {
        return 0;
    }

    svc = p + S3U_LEN(JAVA_OLD_SERVICE);
    se = memchr(svc, ',', (size_t) (le - svc));
    se = se ? se : le;
    form.origin = service_origin(svc, (size_t) (se - svc));
    form.code = value_after(p, le, "AWS Error Code: ", ",");
    form.request_id = value_after(p, le, "AWS Request ID: ", ",");
    p = s3u_find(line_start(base, p), le, JAVA_STATUS);
    form.status = p ? s3u_parse_status(p + S3U_LEN(JAVA_STATUS), le) : 0;
    p = s3u_find(svc, le, JAVA_OLD_MESSAGE);
    if (p != NULL) {
        p += S3U_LEN(JAVA_OLD_MESSAGE);
        form.message = s3u_span(p, (size_t) (message_end(p, end) - p));
    }

    return s3u_judge(&form, out);
}


/* --- Java SDK v2: "<Message> (Service: S3, Status Code: 403, ...)" ------ */

static int
read_java_v2(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *svc, *se, *le, *close, *code;
    s3u_form_t   form;

    for (p = base; (p = s3u_find(p, end, JAVA_OPEN)) != NULL; p++) {
        svc = p + S3U_LEN(JAVA_OPEN);
        le = frame_end(svc, end);
        se = memchr(svc, ',', (size_t) (le - svc));
        if (se != NULL && s3u_find(se, le, ", Status Code: ") == se) {
            break;
        }
    }

    if (p == NULL) {
        return 0;
    }

    form_init(&form, "java-v2");
    close = memchr(se, ')', (size_t) (le - se));
    close = close ? close : le;
    form.origin = service_origin(svc, (size_t) (se - svc));
    form.status = s3u_parse_status(se + S3U_LEN(", " JAVA_STATUS), close);
    form.request_id = value_after(se, close, "Request ID: ", ",)");
    form.host_id = value_after(se, close, "Extended Request ID: ", ",)");
    form.message = java_message(base, p);

    while (form.message.len > 0
           && s3u_is_space((unsigned char) form.message.data[form.message.len - 1]))
    {
        form.message.len--;
    }

    /* v2 prints no code: S3's message and the status say which */
    code = s3u_code_from_message(form.message.data, form.message.len,
                                 form.status);
    if (code != NULL) {
        form.code = s3u_span(code, strlen(code));
    }

    return s3u_judge(&form, out);
}


/* --- Node.js: util.inspect() of an SDK error ---------------------------- */

static int
read_node_v3_text(const char *base, const char *end, s3u_finding_t *out)
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

    form_init(&form, "node-v3-text");

    c = s3u_find(p, end, NODE_HTTP_STATUS);
    form.status = c ? s3u_parse_status(c + S3U_LEN(NODE_HTTP_STATUS), end) : 0;
    form.request_id = quoted_after(base, end, "RequestId: '");
    if (form.request_id.len == 0) {
        form.request_id = quoted_after(p, end, "requestId: '");
    }
    form.host_id = quoted_after(base, end, "HostId: '");
    if (form.host_id.len == 0) {
        form.host_id = quoted_after(p, end, "extendedRequestId: '");
    }
    if (form.host_id.len > 0 || s3u_find(base, end, "client-s3")) {
        form.origin = S3U_ORIGIN_S3;
    }

    form.code = quoted_after(base, end, "Code: '");
    if (form.code.len == 0) {
        form.code = quoted_after(base, end, "name: '");
    }

    /* the first line reads "Name: message" */
    ls = s3u_skip_space(base, end);
    ce = s3u_code_end(ls, end);
    if (ce > ls && ce + 1 < end && ce[0] == ':' && ce[1] == ' ') {
        if (form.code.len == 0) {
            form.code = s3u_span(ls, (size_t) (ce - ls));
        }
        if (form.code.len == (size_t) (ce - ls)
            && memcmp(form.code.data, ls, form.code.len) == 0)
        {
            form.message = s3u_span(ce + 2,
                                    (size_t) (line_end(ce, end) - ce - 2));
        }
    }

    if (form.code.len == 0 && form.status == 403) {
        form.code = s3u_span("Forbidden", 9);
    }

    if (!span_has_code_shape(form.code)) {
        form.code = s3u_span(NULL, 0);
    }

    return s3u_judge(&form, out);
}


static int
read_node_v2_text(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *c;
    s3u_form_t   form;

    form_init(&form, "node-v2-text");

    form.code = quoted_after(base, end, "code: '");
    c = s3u_find(base, end, NODE_STATUS);
    if (form.code.len == 0 || c == NULL
        || (s3u_find(base, end, "requestId: ") == NULL
            && s3u_find(base, end, "retryable: ") == NULL))
    {
        return 0;
    }

    form.status = s3u_parse_status(c + S3U_LEN(NODE_STATUS), end);
    form.message = quoted_after(base, end, "message: '");
    form.request_id = quoted_after(base, end, "requestId: '");
    form.host_id = quoted_after(base, end, "extendedRequestId: '");

    if (form.host_id.len > 0 || s3u_find(base, end, "services/s3.js")) {
        form.origin = S3U_ORIGIN_S3;
    }

    if (!span_has_code_shape(form.code)) {
        form.code = s3u_span(NULL, 0);
    }

    return s3u_judge(&form, out);
}


/* "AccessDenied: Access Denied" over a stack through aws-sdk's s3.js */
static int
read_node_v2_stack(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *ls, *c, *ce, *le;
    s3u_form_t   form;

    p = s3u_find(base, end, "at Request.extractError (");
    if (p == NULL || s3u_find(p, line_end(p, end), "services/s3.js") == NULL) {
        return 0;
    }

    /* up over the "at ..." lines to the "Code: message" line */
    ls = line_start(base, p);
    while (ls > base) {
        ls = line_start(base, ls - 1);
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

    form_init(&form, "node-v2-stack");
    form.origin = S3U_ORIGIN_S3;
    form.code = s3u_span(c, (size_t) (ce - c));
    le = line_end(ce, end);
    form.message = s3u_span(ce + 2, (size_t) (le - ce - 2));

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


static int
read_dotnet_fixed(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *c, *ce, *le;
    s3u_form_t   form;

    /* the fixed string .NET prints for a bodiless error */
    p = s3u_find(base, end, DOTNET_OPEN);
    if (p == NULL) {
        return 0;
    }

    form_init(&form, "dotnet");
    c = p + S3U_LEN(DOTNET_OPEN);
    ce = s3u_code_end(c, end);
    form.code = s3u_span(c, (size_t) (ce - c));

    le = line_end(ce, end);
    p = s3u_find(ce, le, DOTNET_STATUS);
    if (p != NULL) {
        p += S3U_LEN(DOTNET_STATUS);
        if (s3u_phrase(p, le, "Forbidden") != NULL) {
            form.status = 403;
        } else if (s3u_phrase(p, le, "NotFound") != NULL) {
            form.status = 404;
        }
    }

    if (s3u_find(line_start(base, p ? p : ce), ce, "AmazonS3Exception")) {
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


static int
read_kotlin_fixed(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *c, *ce, *le;
    s3u_form_t   form;

    /* Kotlin, bodiless: "Service returned error code 403: Forbidden, Error
     * type: Unknown, Protocol response: HTTP 403 Forbidden, Request ID: ..." */
    p = s3u_find(base, end, KOTLIN_OPEN);
    if (p == NULL) {
        return 0;
    }

    form_init(&form, "kotlin");
    le = line_end(p, end);
    c = p + S3U_LEN(KOTLIN_OPEN);
    ce = s3u_code_end(c, le);
    form.code = s3u_span(c, (size_t) (ce - c));

    p = s3u_find(ce, le, KOTLIN_STATUS);
    form.status = p ? s3u_parse_status(p + S3U_LEN(KOTLIN_STATUS), le) : 0;
    form.request_id = value_after(ce, le, "Request ID: ", ",");
    form.host_id = value_after(ce, le, "Extended request ID: ", ",");

    if (s3u_find(line_start(base, c), c, "S3Exception")) {
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


static int
read_exception_class(const char *base, const char *end, s3u_finding_t *out)
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

        form_init(&form, exception_classes[i].format);
        form.origin = exception_classes[i].origin;
        m = p + strlen(exception_classes[i].prefix);
        form.message = s3u_span(m, (size_t) (message_end(m, end) - m));

        code = s3u_code_from_message(form.message.data, form.message.len, 0);
        if (code != NULL) {
            form.code = s3u_span(code, strlen(code));
        }

        return s3u_judge(&form, out);
    }

    return 0;
}


/* --- Ruby: Aws::S3::Errors::AccessDenied -------------------------------- */

static int
read_ruby(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *c, *ce, *ls, *m;
    s3u_form_t   form;

    form_init(&form, "ruby");

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
    form.code = s3u_span(c, (size_t) (ce - c));

    if (ce + 1 < end && ce[0] == ':' && ce[1] == ' ') {
        /* "Aws::S3::Errors::AccessDenied: Access Denied" */
        m = ce + 2;
        form.message = s3u_span(m, (size_t) (message_end(m, end) - m));

    } else if (p - base >= 2 && p[-1] == '(' && p[-2] == ' ') {
        /* "file.rb:12:in `put': Access Denied (Aws::S3::Errors::AccessDenied)" */
        ls = line_start(base, p);
        m = s3u_find(ls, p, "': ");
        m = m ? m + 3 : ls;
        form.message = s3u_span(m, (size_t) (p - 2 - m));
    }

    return s3u_judge(&form, out);
}


/* --- Rust: Debug output of SdkError ------------------------------------- */

static int
read_rust(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p;
    s3u_form_t   form;

    if (s3u_find(base, end, "ErrorMetadata") == NULL) {
        return 0;
    }

    form_init(&form, "rust");
    form.code = quoted_after(base, end, "code: Some(\"");
    form.message = quoted_after(base, end, "message: Some(\"");
    form.request_id = quoted_after(base, end, "\"aws_request_id\": \"");
    form.host_id = quoted_after(base, end, "\"s3_extended_request_id\": \"");

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
        form.code = s3u_span("Forbidden", 9);
    }

    if (!span_has_code_shape(form.code)) {
        form.code = s3u_span(NULL, 0);
    }

    return s3u_judge(&form, out);
}


/* --- a Lambda payload cut short: "errorType": "NoSuchKey" ---------------- */

static int
read_lambda_fragment(const char *base, const char *end, s3u_finding_t *out)
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

    form_init(&form, "lambda-node-v2");
    form.code = s3u_span(v, (size_t) (e - v));
    form.message = quoted_after(base, end, "\"errorMessage\": \"");
    if (form.message.len == 0) {
        form.message = quoted_after(base, end, "\"errorMessage\":\"");
    }
    if (s3u_find(base, end, "services/s3.js")) {
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


/* --- "Code: message" lines: JavaScript's Error.toString() --------------- */

/* 1 when S3's message fits the code: the bare or detailed denial text for
 * AccessDenied, S3's fixed message for the others */
static int
message_fits_code(s3u_span_t code, s3u_span_t msg)
{
    const char  *meant;

    meant = s3u_code_from_message(msg.data, msg.len, 0);
    return meant != NULL && s3u_eq(code.data, code.len, meant);
}


static int
read_error_string(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *ls, *le, *c, *ce, *m;
    s3u_form_t   form;

    form_init(&form, "error-string");

    for (ls = base; ls < end; ls = le + 1) {
        le = line_end(ls, end);
        c = s3u_skip_space(ls, le);
        ce = s3u_code_end(c, le);

        if (ce == c || le - ce < 2 || ce[0] != ':' || ce[1] != ' '
            || !s3u_known_code(c, (size_t) (ce - c)))
        {
            if (le == end) {
                break;
            }
            continue;
        }

        m = ce + 2;
        form.code = s3u_span(c, (size_t) (ce - c));
        form.message = s3u_span(m, (size_t) (message_end(m, end) - m));

        /* the pair must agree, or it is only a word and a colon */
        if (message_fits_code(form.code, form.message)) {
            return s3u_judge(&form, out);
        }

        if (le == end) {
            break;
        }
    }

    return 0;
}


/* --- AWS's detailed message on its own ---------------------------------- */

static int
read_aws_message(const char *base, const char *end, s3u_finding_t *out)
{
    const char     *p, *from, *u;
    s3u_form_t      form;
    s3u_message_t   m;

    if (!s3u_message_parse(base, end, &m)) {
        return 0;
    }

    form_init(&form, "aws-message");

    /* without a code, only actions that can only be S3's or STS's */
    if ((m.action.len > 3 && strncmp(m.action.data, "s3:", 3) == 0)
        || (m.action.len >= 14
            && strncmp(m.action.data, "sts:AssumeRole", 14) == 0))
    {
        form.code = s3u_span("AccessDenied", 12);
    }

    /* the message starts at "User:" when it is on the principal's line */
    p = m.action.data;
    from = m.principal.len ? m.principal.data : line_start(base, p);
    u = s3u_find(line_start(base, from), from, "User:");
    if (u != NULL) {
        from = u;
    }
    form.message = s3u_span(from, (size_t) (message_end(p, end) - from));

    return s3u_judge(&form, out);
}


static int
read_xml_embedded(const char *base, const char *end, s3u_finding_t *out)
{
    return s3u_detect_xml_embedded(base, (size_t) (end - base), out);
}


static const text_reader_pt readers[] = {
    read_php,
    read_xml_embedded,
    read_botocore,
    read_go_v2,
    read_go_v1,
    read_java_v1,
    read_java_v2,
    read_node_v3_text,
    read_node_v2_text,
    read_node_v2_stack,
    read_dotnet_fixed,
    read_kotlin_fixed,
    read_exception_class,
    read_ruby,
    read_rust,
    read_lambda_fragment,
    read_error_string,
    read_aws_message,
};


int
s3u_detect_text(const char *p, size_t len, s3u_finding_t *out)
{
    size_t  i;

    if (p == NULL || len == 0) {
        return 0;
    }

    for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
        if (readers[i](p, p + len, out)) {
            return 1;
        }
    }

    return 0;
}
