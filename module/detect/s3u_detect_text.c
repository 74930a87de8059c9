/*
 * SDK exception texts (reference section 5.5): what an application puts in
 * a 500 body when it catches an S3 error.  Each reader looks for its SDK's
 * exact frame (botocore's "An error occurred (X) when calling the Op
 * operation", Java's "(Service: ...; Status Code: ...)", ...) and reads the
 * code, message and ids out of it; a bare phrase is never enough.  The
 * first reader that recognises its form decides, strongest forms first.
 *
 * This file holds the order and the helpers the readers share; the
 * readers are in s3u_detect_frames.c (SDKs that print a fixed frame around
 * the code), s3u_detect_objects.c (printed error objects, exception
 * classes, bare strings) and s3u_detect_clients.c (aws-sdk-cpp, iOS,
 * PowerShell, s3fs, minio-go, AWS services fetching from S3).
 */

#include <string.h>

#include "detect/s3u_detect_int.h"
#include "detect/s3u_detect_text.h"
#include "detect/s3u_scan.h"


/* longest "(Service: ...)" frame of the Java SDKs worth reading */
#define S3U_FRAME_MAX  1024


typedef int (*text_reader_pt)(const char *base, const char *end,
    s3u_finding_t *out);


const char *
s3u_line_start(const char *base, const char *p)
{
    while (p > base && p[-1] != '\n') {
        p--;
    }

    return p;
}


const char *
s3u_line_end(const char *p, const char *end)
{
    const char  *nl;

    nl = memchr(p, '\n', (size_t) (end - p));
    return nl ? nl : end;
}


/* the end of an SDK's "(Service: ...)" frame: its line, at most
 * S3U_FRAME_MAX bytes, so that a body of repeated openings costs linear time */
const char *
s3u_frame_end(const char *p, const char *end)
{
    if (end - p > S3U_FRAME_MAX) {
        end = p + S3U_FRAME_MAX;
    }

    return s3u_line_end(p, end);
}


/*
 * The end of a message that runs to the end of its line.  In JSON-escaped
 * text the line can continue with the rest of the document: stop at a
 * literal "\n" too, and at a closing quote followed by JSON punctuation.
 */
const char *
s3u_message_end(const char *p, const char *end)
{
    const char  *q;

    end = s3u_line_end(p, end);

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
const char *
s3u_find_label(const char *p, const char *end, const char *label)
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
s3u_span_t
s3u_value_after(const char *p, const char *end, const char *label,
    const char *stops)
{
    const char  *v, *e;

    v = s3u_find_label(p, end, label);
    if (v == NULL) {
        return s3u_span(NULL, 0);
    }

    v += strlen(label);
    for (e = v; e < end && !s3u_is_space((unsigned char) *e)
                && strchr(stops, *e) == NULL; e++)
    {
        /* void */
    }

    return s3u_between(v, e);
}


/* a JavaScript or Rust literal string value after a label: 'x' or "x" */
s3u_span_t
s3u_quoted_after(const char *p, const char *end, const char *label)
{
    char         q;
    const char  *v, *e;

    v = s3u_find_label(p, end, label);
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

    return s3u_between(v, e);
}


int
s3u_span_has_code_shape(s3u_span_t s)
{
    return s.len > 0 && s.len < 64
           && s3u_code_end(s.data, s.data + s.len) == s.data + s.len;
}


/* an S3 or STS operation name decides the origin of botocore and PHP text */
s3u_origin_e
s3u_operation_origin(const char *op, size_t len)
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

    if ((len >= S3U_LEN("AssumeRole")
         && memcmp(op, "AssumeRole", S3U_LEN("AssumeRole")) == 0)
        || s3u_eq(op, len, "GetCallerIdentity")
        || s3u_eq(op, len, "GetSessionToken")
        || s3u_eq(op, len, "GetFederationToken"))
    {
        return S3U_ORIGIN_STS;
    }

    return S3U_ORIGIN_UNKNOWN;
}


s3u_origin_e
s3u_service_origin(const char *svc, size_t len)
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


void
s3u_form_init(s3u_form_t *form, const char *format)
{
    memset(form, 0, sizeof(*form));
    form->format = format;
}


static int
read_xml_embedded(const char *base, const char *end, s3u_finding_t *out)
{
    return s3u_detect_xml_embedded(base, (size_t) (end - base), out);
}


static const text_reader_pt readers[] = {
    s3u_read_php,
    read_xml_embedded,
    s3u_read_service_fetch,
    s3u_read_botocore,
    s3u_read_go_v2,
    s3u_read_go_v1,
    s3u_read_java_v1,
    s3u_read_java_v2,
    s3u_read_node_v3_text,
    s3u_read_node_v2_text,
    s3u_read_node_v2_stack,
    s3u_read_dotnet_fixed,
    s3u_read_kotlin_fixed,
    s3u_read_exception_class,
    s3u_read_ruby,
    s3u_read_rust,
    s3u_read_cpp,
    s3u_read_ios,
    s3u_read_powershell,
    s3u_read_minio_go,
    s3u_read_lambda_fragment,
    s3u_read_error_string,
    s3u_read_s3fs,
    s3u_read_aws_message,
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

