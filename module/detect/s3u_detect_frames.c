/*
 * Readers for the SDKs that print the error inside a fixed frame: PHP,
 * Python (botocore, boto3), Go v1 and v2, Java v1 and v2.  See
 * s3u_detect_text.c for the order they are tried in.
 */

#include <string.h>

#include "detect/s3u_detect_int.h"
#include "detect/s3u_detect_text.h"
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


/* --- PHP: "Error executing "Op" on "url"; AWS HTTP error: ..." ---------- */

int
s3u_read_php(const char *base, const char *end, s3u_finding_t *out)
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

    s3u_form_init(&form, "php");
    form.origin = s3u_operation_origin(op, (size_t) (ope - op));
    form.code = s3u_between(c, tag);
    p = tag + S3U_LEN(PHP_CLIENT);
    c = s3u_find(p, s3u_line_end(p, end), " - ");
    form.message = s3u_between(p, (c ? c : s3u_message_end(p, end)));

    return s3u_judge(&form, out);
}


/* --- Python botocore / boto3 -------------------------------------------- */

/* "(Code) when calling the Op operation" after an opening; sets the code's
 * end and the operation's span */
static int
botocore_frame(const char *code, const char *end, const char **ce,
    const char **op, const char **ope)
{
    /* a code is short: looking further would make repeated openings cost
     * quadratic time */
    *ce = memchr(code, ')', (size_t) (end - code < 64 ? end - code : 64));
    if (*ce == NULL || *ce == code || s3u_code_end(code, *ce) != *ce) {
        return 0;
    }

    *op = s3u_find(*ce, end, BOTO_CALL);
    if (*op == NULL || *op - *ce > 16) {
        return 0;                   /* ") occurred when calling the" at most */
    }
    *op += S3U_LEN(BOTO_CALL);
    *ope = s3u_code_end(*op, end);

    return *ope > *op && s3u_phrase(*ope, end, " operation") != NULL;
}


/* the first well-formed frame after either opening */
static const char *
botocore_find(const char *base, const char *end, const char **ce,
    const char **op, const char **ope)
{
    const char  *p, *code;

    for (p = base; (p = s3u_find(p, end, BOTO_OPEN)) != NULL; p++) {
        code = p + S3U_LEN(BOTO_OPEN);
        if (botocore_frame(code, end, ce, op, ope)) {
            return code;
        }
    }

    for (p = base; (p = s3u_find(p, end, BOTO_OLD_OPEN)) != NULL; p++) {
        code = p + S3U_LEN(BOTO_OLD_OPEN);
        if (botocore_frame(code, end, ce, op, ope)) {
            return code;
        }
    }

    return NULL;
}


int
s3u_read_botocore(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *code, *ce, *op, *ope, *ls;
    s3u_form_t   form;

    code = botocore_find(base, end, &ce, &op, &ope);
    if (code == NULL) {
        return 0;
    }

    s3u_form_init(&form, "botocore");

    /* " operation[ (reached max retries: N)]: message" */
    p = s3u_phrase(ope, end, " operation");
    if (p != NULL && s3u_phrase(p, end, " (reached max retries: ") != NULL) {
        p = memchr(p, ')', (size_t) (s3u_line_end(p, end) - p));
        p = p ? p + 1 : NULL;
    }
    if (p != NULL && p < end && *p == ':') {
        p = s3u_skip_space(p + 1, s3u_line_end(p, end));
        form.message = s3u_between(p, s3u_message_end(p, end));
    }

    form.code = s3u_between(code, ce);
    form.origin = s3u_operation_origin(op, (size_t) (ope - op));
    if (s3u_eq(code, (size_t) (ce - code), "403")) {
        form.status = 403;
    }

    ls = s3u_line_start(base, code);
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

int
s3u_read_go_v2(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *svc, *se, *le, *api, *c, *ce;
    s3u_form_t   form;

    p = s3u_find(base, end, GO2_OPEN);
    if (p == NULL) {
        return 0;
    }

    svc = p + S3U_LEN(GO2_OPEN);
    le = s3u_line_end(svc, end);
    se = memchr(svc, ':', (size_t) (le - svc));
    if (se == NULL || se == svc || se - svc > 40) {
        return 0;
    }

    s3u_form_init(&form, "go-v2");
    form.origin = s3u_service_origin(svc, (size_t) (se - svc));

    c = s3u_find(se, le, GO2_STATUS);
    if (c != NULL) {
        form.status = s3u_parse_status(c + S3U_LEN(GO2_STATUS), le);
    }
    form.request_id = s3u_value_after(se, le, "RequestID: ", ",");
    form.host_id = s3u_value_after(se, le, "HostID: ", ",");

    api = s3u_find(se, le, GO2_API);
    if (api != NULL) {
        c = api + S3U_LEN(GO2_API);
        ce = s3u_code_end(c, le);
        if (ce < le && *ce == ':') {
            form.code = s3u_between(c, ce);
            p = s3u_skip_space(ce + 1, le);
            form.message = s3u_between(p, s3u_message_end(p, end));
        }
    }

    return s3u_judge(&form, out);
}


/* --- Go SDK v1: "Code: Message\n\tstatus code: 403, request id: X" ------ */

int
s3u_read_go_v1(const char *base, const char *end, s3u_finding_t *out)
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

    s3u_form_init(&form, "go-v1");
    form.status = s3u_parse_status(t + S3U_LEN(GO1_STATUS), end);
    form.request_id = s3u_value_after(t, s3u_line_end(t, end), "request id: ", ",");
    form.host_id = s3u_value_after(t, s3u_line_end(t, end), "host id: ", ",");

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
    seg = s3u_line_start(base, sege);

    /* the first "Code: " whose Code is an S3 code */
    for (p = seg; (p = s3u_find(p, sege, ": ")) != NULL; p++) {
        for (c = p; c > seg && s3u_code_end(c - 1, p) == p; c--) {
            /* void */
        }
        if (c < p && s3u_known_code(c, (size_t) (p - c))) {
            form.code = s3u_between(c, p);
            stop = s3u_skip_space(p + 2, sege);
            form.message = s3u_between(stop, sege);
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

    ls = s3u_line_start(base, frame);

    /* after the last "Exception: " on the line, when there is one */
    for (p = ls; (e = s3u_find(p, frame, "Exception: ")) != NULL; p = e + 1) {
        ls = e + S3U_LEN("Exception: ");
    }

    ls = s3u_skip_space(ls, frame);
    return s3u_between(ls, frame);
}


int
s3u_read_java_v1(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *svc, *se, *le, *close;
    s3u_form_t   form;

    s3u_form_init(&form, "java-v1");

    for (p = base; (p = s3u_find(p, end, JAVA_OPEN)) != NULL; p++) {
        svc = p + S3U_LEN(JAVA_OPEN);
        le = s3u_frame_end(svc, end);
        se = memchr(svc, ';', (size_t) (le - svc));
        if (se != NULL && s3u_find(se, le, "; Error Code: ") != NULL) {
            break;
        }
    }

    if (p != NULL) {
        close = memchr(se, ')', (size_t) (le - se));
        close = close ? close : le;
        form.origin = s3u_service_origin(svc, (size_t) (se - svc));
        form.code = s3u_value_after(se, close, "Error Code: ", ";)");
        form.request_id = s3u_value_after(se, close, "Request ID: ", ";)");
        form.host_id = s3u_value_after(se, le, "Extended Request ID: ", ";),");
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
    le = s3u_line_end(p, end);
    if (s3u_find(p, le, "AWS Error Code: ") == NULL) {
        return 0;
    }

    svc = p + S3U_LEN(JAVA_OLD_SERVICE);
    se = memchr(svc, ',', (size_t) (le - svc));
    se = se ? se : le;
    form.origin = s3u_service_origin(svc, (size_t) (se - svc));
    form.code = s3u_value_after(p, le, "AWS Error Code: ", ",");
    form.request_id = s3u_value_after(p, le, "AWS Request ID: ", ",");
    p = s3u_find(s3u_line_start(base, p), le, JAVA_STATUS);
    form.status = p ? s3u_parse_status(p + S3U_LEN(JAVA_STATUS), le) : 0;
    p = s3u_find(svc, le, JAVA_OLD_MESSAGE);
    if (p != NULL) {
        p += S3U_LEN(JAVA_OLD_MESSAGE);
        form.message = s3u_between(p, s3u_message_end(p, end));
    }

    return s3u_judge(&form, out);
}


/* --- Java SDK v2: "<Message> (Service: S3, Status Code: 403, ...)" ------ */

int
s3u_read_java_v2(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *svc, *se, *le, *close, *code;
    s3u_form_t   form;

    for (p = base; (p = s3u_find(p, end, JAVA_OPEN)) != NULL; p++) {
        svc = p + S3U_LEN(JAVA_OPEN);
        le = s3u_frame_end(svc, end);
        se = memchr(svc, ',', (size_t) (le - svc));
        if (se != NULL && s3u_find(se, le, ", Status Code: ") == se) {
            break;
        }
    }

    if (p == NULL) {
        return 0;
    }

    s3u_form_init(&form, "java-v2");
    close = memchr(se, ')', (size_t) (le - se));
    close = close ? close : le;
    form.origin = s3u_service_origin(svc, (size_t) (se - svc));
    form.status = s3u_parse_status(se + S3U_LEN(", " JAVA_STATUS), close);
    form.request_id = s3u_value_after(se, close, "Request ID: ", ",)");
    form.host_id = s3u_value_after(se, close, "Extended Request ID: ", ",)");
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


