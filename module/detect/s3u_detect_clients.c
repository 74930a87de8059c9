/*
 * Readers for clients beyond the AWS SDKs of section 5.5 whose error text
 * has a fixed shape: aws-sdk-cpp's AWSError printout, the iOS SDK's
 * NSError description, AWS Tools for PowerShell, s3fs (Python), minio-go's
 * ErrorResponse printed with %+v, and the S3 errors that AWS services
 * (Lambda, CloudFormation) report when they fetch an object for the caller.
 * See s3u_detect_text.c for the order they are tried in.
 */

#include <string.h>

#include "detect/s3u_detect_int.h"
#include "detect/s3u_detect_text.h"
#include "detect/s3u_scan.h"


#define CPP_STATUS        "HTTP response code: "
#define CPP_REQUEST_ID    "Request ID: "
#define CPP_NAME          "Exception name: "
#define CPP_MESSAGE       "Error message: "
#define IOS_DOMAIN        "Error Domain=com.amazonaws."
#define IOS_USER_INFO     "UserInfo={"
#define PS_ERROR_ID       "FullyQualifiedErrorId : "
#define PS_S3_EXCEPTION   "Amazon.S3.AmazonS3Exception"
#define S3FS_ERROR        "PermissionError: "
#define MINIO_CODE        "Code:"
#define MINIO_MESSAGE     " Message:"
#define FETCH_CODE        "S3 Error Code: "
#define FETCH_MESSAGE     "S3 Error Message: "
#define CFN_OPEN          "S3 error: "
#define CFN_DOCS          "docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html"


/* the rest of the line after a label found in [p, end) */
static s3u_span_t
line_after(const char *p, const char *end, const char *label)
{
    const char  *v, *le;

    v = s3u_find_label(p, end, label);
    if (v == NULL) {
        return s3u_span(NULL, 0);
    }

    v += strlen(label);
    le = s3u_line_end(v, end);
    while (le > v && s3u_is_space((unsigned char) le[-1])) {
        le--;
    }

    return s3u_between(v, le);
}


/* --- aws-sdk-cpp: operator<< of AWSError ------------------------------- */

int
s3u_read_cpp(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *ls;
    s3u_form_t   form;

    p = s3u_find(base, end, CPP_NAME);
    if (p == NULL || s3u_find(base, p, CPP_STATUS) == NULL
        || s3u_find(p, end, CPP_MESSAGE) == NULL)
    {
        return 0;
    }

    s3u_form_init(&form, "cpp");

    ls = s3u_find(base, p, CPP_STATUS);
    form.status = s3u_parse_status(ls + S3U_LEN(CPP_STATUS), end);
    form.request_id = line_after(ls, p, CPP_REQUEST_ID);
    form.code = line_after(p, end, CPP_NAME);
    form.message = line_after(p, end, CPP_MESSAGE);

    /* the SDK logs the client class on the same line: JSON protocols are
     * never S3's */
    if (s3u_find(s3u_line_start(base, ls), ls, "AWSJsonClient") != NULL) {
        form.origin = S3U_ORIGIN_OTHER;
    }

    if (form.code.len == 0 && form.status == 403) {
        form.code = s3u_span("Forbidden", S3U_LEN("Forbidden"));
    }

    if (!s3u_span_has_code_shape(form.code)) {
        form.code = s3u_span(NULL, 0);
    }

    return s3u_judge(&form, out);
}


/* --- iOS: NSError description with a UserInfo dictionary --------------- */

/* "Key=value" inside "UserInfo={...}"; values end at ", Key=" or "}" */
static s3u_span_t
user_info(const char *info, const char *close, const char *key)
{
    const char  *k, *v, *e, *q;
    size_t       klen;

    klen = strlen(key);

    for (k = info; (k = s3u_find(k, close, key)) != NULL; k++) {
        if ((k == info || (k[-1] == ' ' && k[-2] == ','))
            && k + klen < close && k[klen] == '=')
        {
            break;
        }
    }

    if (k == NULL) {
        return s3u_span(NULL, 0);
    }

    v = k + klen + 1;

    /* up to the next ", Name=" */
    for (e = v; e < close; e++) {
        if (e[0] == ',' && e + 1 < close && e[1] == ' ') {
            for (q = e + 2; q < close && s3u_ctype_is(*q, S3U_CT_CODE); q++) {
                /* void */
            }
            if (q > e + 2 && q < close && *q == '=') {
                break;
            }
        }
    }

    return s3u_between(v, e);
}


int
s3u_read_ios(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *domain, *info, *close;
    s3u_form_t   form;

    p = s3u_find(base, end, IOS_DOMAIN);
    if (p == NULL) {
        return 0;
    }

    domain = p + S3U_LEN(IOS_DOMAIN);
    info = s3u_find(domain, s3u_line_end(domain, end), IOS_USER_INFO);
    if (info == NULL) {
        return 0;
    }
    info += S3U_LEN(IOS_USER_INFO);
    close = memchr(info, '}', (size_t) (s3u_line_end(info, end) - info));
    if (close == NULL) {
        return 0;
    }

    s3u_form_init(&form, "ios");
    form.code = user_info(info, close, "Code");
    form.message = user_info(info, close, "Message");
    form.request_id = user_info(info, close, "RequestId");
    form.host_id = user_info(info, close, "HostId");

    if (s3u_find(domain, info, "AWSS3") != NULL || form.host_id.len > 0) {
        form.origin = S3U_ORIGIN_S3;
    } else if (s3u_find(domain, info, "AWSSTS") != NULL) {
        form.origin = S3U_ORIGIN_STS;
    }

    if (!s3u_span_has_code_shape(form.code)) {
        form.code = s3u_span(NULL, 0);
    }

    return s3u_judge(&form, out);
}


/* --- AWS Tools for PowerShell ------------------------------------------- */

int
s3u_read_powershell(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *ls, *le, *c, *sep, *found, *code;
    s3u_form_t   form;

    p = s3u_find(base, end, PS_ERROR_ID);
    if (p == NULL || s3u_phrase(p + S3U_LEN(PS_ERROR_ID), end, PS_S3_EXCEPTION)
                     == NULL)
    {
        return 0;
    }

    /* the last "Verb-S3Noun : message" line before the error id */
    found = NULL;
    for (ls = base; ls < p; ls = le + 1) {
        le = s3u_line_end(ls, p);
        c = s3u_skip_space(ls, le);
        sep = s3u_find(c, le, " : ");
        if (sep != NULL && s3u_find(c, sep, "-S3") != NULL
            && memchr(c, ' ', (size_t) (sep - c)) == NULL)
        {
            found = sep + S3U_LEN(" : ");
        }
        if (le == p) {
            break;
        }
    }

    if (found == NULL) {
        return 0;
    }

    s3u_form_init(&form, "powershell");
    form.origin = S3U_ORIGIN_S3;
    form.message = s3u_between(found, s3u_message_end(found, end)
                                            );
    code = s3u_code_from_message(form.message.data, form.message.len, 0);
    if (code != NULL) {
        form.code = s3u_span(code, strlen(code));
    }

    return s3u_judge(&form, out);
}


/* --- s3fs: S3 errors raised as Python OS errors ------------------------- */

int
s3u_read_s3fs(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *m, *code;
    s3u_form_t   form;

    p = s3u_find(base, end, S3FS_ERROR);
    if (p == NULL) {
        return 0;
    }

    m = p + S3U_LEN(S3FS_ERROR);
    code = s3u_code_from_message(m, (size_t) (s3u_message_end(m, end) - m), 0);
    if (code == NULL) {
        return 0;           /* a file system's own PermissionError */
    }

    s3u_form_init(&form, "s3fs");
    form.code = s3u_span(code, strlen(code));
    form.message = s3u_between(m, s3u_message_end(m, end));

    return s3u_judge(&form, out);
}


/* --- minio-go: fmt.Printf("%+v", minio.ErrorResponse) ------------------- */

int
s3u_read_minio_go(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *c, *ce, *m, *me, *le;
    s3u_form_t   form;

    m = NULL;
    ce = NULL;
    c = NULL;

    /* "Code:AccessDenied Message:..." as a struct field list */
    le = end;

    for (p = base; (p = s3u_find(p, end, MINIO_CODE)) != NULL; p++) {
        c = p + S3U_LEN(MINIO_CODE);
        le = s3u_line_end(c, end);
        ce = s3u_code_end(c, le);
        if (ce > c && (p == base || p[-1] == ' ' || p[-1] == '{')
            && (m = s3u_phrase(ce, le, MINIO_MESSAGE)) != NULL)
        {
            break;                  /* both fields on one line */
        }
    }

    if (p == NULL) {
        return 0;
    }

    s3u_form_init(&form, "minio-go");
    form.code = s3u_between(c, ce);

    /* the message runs to the next field of the struct */
    me = s3u_find(m, le, " BucketName:");
    me = me ? me : s3u_find(m, le, " Key:");
    me = me ? me : s3u_find(m, le, " RequestID:");
    me = me ? me : le;
    form.message = s3u_between(m, me);
    form.request_id = s3u_value_after(ce, le, "RequestID:", " }");
    form.host_id = s3u_value_after(ce, le, "HostID:", " }");

    p = s3u_find(ce, le, "StatusCode:");
    form.status = p ? s3u_parse_status(p + S3U_LEN("StatusCode:"), le) : 0;
    if (s3u_find(ce, le, "Server:AmazonS3") != NULL || form.host_id.len > 0) {
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


/* --- S3 errors reported by the AWS service that fetched the object ------ */

int
s3u_read_service_fetch(const char *base, const char *end, s3u_finding_t *out)
{
    const char  *p, *c, *m, *docs;
    s3u_form_t   form;

    s3u_form_init(&form, "aws-service-fetch");
    form.origin = S3U_ORIGIN_S3;

    /* Lambda: "... S3 Error Code: AccessDenied. S3 Error Message: Access
     * Denied" */
    p = s3u_find(base, end, FETCH_CODE);
    if (p != NULL && (m = s3u_find(p, s3u_line_end(p, end), FETCH_MESSAGE))
                     != NULL)
    {
        c = p + S3U_LEN(FETCH_CODE);
        form.code = s3u_between(c, s3u_code_end(c, m));
        if (form.code.len > 0 && c[form.code.len - 1] == '.') {
            form.code.len--;
        }
        m += S3U_LEN(FETCH_MESSAGE);
        form.message = s3u_between(m, s3u_message_end(m, end));
        return s3u_judge(&form, out);
    }

    /* CloudFormation: "S3 error: Access Denied For more information check
     * http://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html" */
    p = s3u_find(base, end, CFN_OPEN);
    if (p != NULL
        && (docs = s3u_find(p, end, CFN_DOCS)) != NULL
        && docs - p < 512)
    {
        m = p + S3U_LEN(CFN_OPEN);
        c = s3u_find_phrase(m, docs, " For more information", NULL);
        form.message = s3u_between(m, (c ? c : m));
        c = s3u_code_from_message(form.message.data, form.message.len, 0);
        if (c == NULL) {
            return 0;
        }
        form.code = s3u_span(c, strlen(c));
        form.format = "cloudformation";
        return s3u_judge(&form, out);
    }

    return 0;
}
