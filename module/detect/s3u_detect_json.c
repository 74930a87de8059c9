/*
 * JSON bodies: Lambda error payloads of every runtime (errorType,
 * errorMessage, stackTrace, cause), serialized Node SDK errors (v2: code,
 * statusCode, requestId, extendedRequestId; v3: name, $fault, $metadata),
 * Step Functions failures whose cause holds a payload as a string, and an
 * application's own JSON that carries any SDK text in a member.
 *
 * The document is checked in one pass, depth limit included
 * (s3u_json_scan.h), so deep input costs one linear scan and no recursion.
 * Then each object the walk meets is read in one pass over its members,
 * which notes the first member of every name the readers below ask for.
 * A string stays a span of the body unless it holds an escape and is read.
 */

#include <string.h>

#include "detect/s3u_detect.h"
#include "detect/s3u_detect_int.h"
#include "detect/s3u_json_scan.h"
#include "detect/s3u_scan.h"


/* JSON inside JSON strings is opened this many times at most */
#define S3U_JSON_NEST_MAX  2


typedef struct {
    int                oom;         /* a text could not be decoded */
} json_ctx_t;


/* the members any reader looks at, read in one pass per object */
enum {
    J_METADATA = 0,
    J_FAULT,
    J_ERROR_TYPE,
    J_ERROR_MESSAGE,
    J_STACK_TRACE,
    J_TRACE,
    J_CAUSE,
    J_CODE,
    J_CODE_V3,
    J_NAME,
    J_MESSAGE,
    J_STATUS_CODE,
    J_REQUEST_ID,
    J_REQUEST_ID_V3,
    J_EXTENDED_REQUEST_ID,
    J_HOST_ID,
    J_RESPONSE_METADATA,
    J_MEMBERS
};

static const s3u_json_name_t  json_member_names[J_MEMBERS] = {
    [J_METADATA] = S3U_JSON_NAME("$metadata"),
    [J_FAULT] = S3U_JSON_NAME("$fault"),
    [J_ERROR_TYPE] = S3U_JSON_NAME("errorType"),
    [J_ERROR_MESSAGE] = S3U_JSON_NAME("errorMessage"),
    [J_STACK_TRACE] = S3U_JSON_NAME("stackTrace"),
    [J_TRACE] = S3U_JSON_NAME("trace"),
    [J_CAUSE] = S3U_JSON_NAME("cause"),
    [J_CODE] = S3U_JSON_NAME("code"),
    [J_CODE_V3] = S3U_JSON_NAME("Code"),
    [J_NAME] = S3U_JSON_NAME("name"),
    [J_MESSAGE] = S3U_JSON_NAME("message"),
    [J_STATUS_CODE] = S3U_JSON_NAME("statusCode"),
    [J_REQUEST_ID] = S3U_JSON_NAME("requestId"),
    [J_REQUEST_ID_V3] = S3U_JSON_NAME("RequestId"),
    [J_EXTENDED_REQUEST_ID] = S3U_JSON_NAME("extendedRequestId"),
    [J_HOST_ID] = S3U_JSON_NAME("HostId"),
    [J_RESPONSE_METADATA] = S3U_JSON_NAME("ResponseMetadata"),
};

/* the members of a Node SDK v3 error's $metadata */
enum {
    J_META_STATUS = 0,
    J_META_REQUEST_ID,
    J_META_EXTENDED_REQUEST_ID,
    J_META_MEMBERS
};

static const s3u_json_name_t  json_meta_names[J_META_MEMBERS] = {
    [J_META_STATUS] = S3U_JSON_NAME("httpStatusCode"),
    [J_META_REQUEST_ID] = S3U_JSON_NAME("requestId"),
    [J_META_EXTENDED_REQUEST_ID] = S3U_JSON_NAME("extendedRequestId"),
};

/* the members of botocore's ResponseMetadata */
enum {
    J_MD_REQUEST_ID = 0,
    J_MD_HOST_ID,
    J_MD_MEMBERS
};

static const s3u_json_name_t  json_md_names[J_MD_MEMBERS] = {
    [J_MD_REQUEST_ID] = S3U_JSON_NAME("RequestId"),
    [J_MD_HOST_ID] = S3U_JSON_NAME("HostId"),
};

/* indexed on first use; per process, as every caller is single-threaded */
static s3u_json_names_t  json_members = S3U_JSON_NAMES(json_member_names);
static s3u_json_names_t  json_meta_members = S3U_JSON_NAMES(json_meta_names);
static s3u_json_names_t  json_md_members = S3U_JSON_NAMES(json_md_names);


static int json_value(json_ctx_t *ctx, const s3u_json_value_t *v,
    const s3u_json_value_t *members, s3u_finding_t *out, int depth,
    int nest);


/* the text of a string member; data NULL when the member is absent or not
 * a string (or, with ctx->oom set, when it could not be decoded) */
static inline s3u_span_t
str(json_ctx_t *ctx, const s3u_json_value_t *v)
{
    size_t       len;
    const char  *s;

    if (v->type != S3U_JSON_STRING) {
        return s3u_span(NULL, 0);
    }

    if (s3u_json_text(v, &s, &len) != 0) {
        ctx->oom = 1;
        return s3u_span(NULL, 0);
    }

    return s3u_span(s, len);
}


/* the first of two members that is a string */
static s3u_span_t
str_or(json_ctx_t *ctx, const s3u_json_value_t *a, const s3u_json_value_t *b)
{
    s3u_span_t  s;

    s = str(ctx, a);
    return s.data != NULL ? s : str(ctx, b);
}


static int
status_of(const s3u_json_value_t *v)
{
    double       d;
    unsigned     a, b, c;
    const char  *p;

    if (v->type != S3U_JSON_NUMBER) {
        return 0;
    }

    /* three digits, what a status nearly always is: their value, as
     * s3u_json_number would read it, without the call */
    p = v->p;
    if (v->end - p == 3) {
        a = (unsigned char) p[0] - '0';
        b = (unsigned char) p[1] - '0';
        c = (unsigned char) p[2] - '0';
        if (a <= 9 && b <= 9 && c <= 9) {
            a = a * 100 + b * 10 + c;
            return (a >= 100 && a <= 599) ? (int) a : 0;
        }
    }

    d = s3u_json_number(v);
    if (d >= 100 && d <= 599) {
        return (int) d;
    }

    return 0;
}


static int
code_shaped(s3u_span_t s)
{
    return s.len > 0 && s.len < 64
           && s3u_code_end(s.data, s.data + s.len) == s.data + s.len;
}


static int
has(s3u_span_t s, const char *needle)
{
    return s3u_find(s.data, s.data + s.len, needle) != NULL;
}


static int
starts_with(s3u_span_t s, const char *prefix)
{
    size_t  n;

    n = strlen(prefix);
    return s.len >= n && memcmp(s.data, prefix, n) == 0;
}


/* any string of an array (a stack trace) that contains needle */
static int
array_mentions(json_ctx_t *ctx, const s3u_json_value_t *arr,
    const char *needle)
{
    int               found;
    s3u_span_t        s;
    s3u_json_iter_t   it;
    s3u_json_mark_t   mark;
    s3u_json_value_t  e;

    if (arr->type != S3U_JSON_ARRAY) {
        return 0;
    }

    s3u_json_iter(&it, arr);

    while (s3u_json_next(&it, NULL, &e)) {
        if (e.type != S3U_JSON_STRING) {
            continue;
        }

        mark = s3u_json_mark();
        s = str(ctx, &e);
        found = (s.data != NULL && has(s, needle));
        s3u_json_release(mark);

        if (found) {
            return 1;
        }
    }

    return 0;
}


/* --- Node SDK errors ---------------------------------------------------- */

static int
node_v3(json_ctx_t *ctx, const s3u_json_value_t *m, s3u_finding_t *out)
{
    s3u_span_t        code;
    s3u_form_t        form;
    s3u_json_value_t  meta[J_META_MEMBERS];

    if (m[J_METADATA].type != S3U_JSON_OBJECT
        || m[J_FAULT].type != S3U_JSON_STRING)
    {
        return 0;
    }

    s3u_json_members(&m[J_METADATA], &json_meta_members, meta);

    memset(&form, 0, sizeof(form));
    form.format = (m[J_ERROR_TYPE].type == S3U_JSON_STRING) ? "lambda-node-v3"
                                                            : "node-v3";
    form.status = status_of(&meta[J_META_STATUS]);

    code = str(ctx, &m[J_CODE_V3]);
    if (code.data == NULL) {
        code = str_or(ctx, &m[J_NAME], &m[J_ERROR_TYPE]);
    }
    if (code.data == NULL && form.status == 403) {
        code = s3u_span("Forbidden", S3U_LEN("Forbidden"));
    }
    form.code = code_shaped(code) ? code : s3u_span(NULL, 0);

    form.message = str_or(ctx, &m[J_MESSAGE], &m[J_ERROR_MESSAGE]);
    form.request_id = str_or(ctx, &m[J_REQUEST_ID_V3],
                             &meta[J_META_REQUEST_ID]);
    form.host_id = str_or(ctx, &m[J_HOST_ID],
                          &meta[J_META_EXTENDED_REQUEST_ID]);
    if (form.host_id.len > 0) {
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


static int
node_v2(json_ctx_t *ctx, const s3u_json_value_t *m, s3u_finding_t *out)
{
    s3u_span_t  code;
    s3u_form_t  form;

    code = str(ctx, &m[J_CODE]);
    if (!code_shaped(code)
        || (m[J_STATUS_CODE].type != S3U_JSON_NUMBER
            && m[J_REQUEST_ID].type != S3U_JSON_STRING
            && m[J_EXTENDED_REQUEST_ID].type != S3U_JSON_STRING))
    {
        return 0;
    }

    memset(&form, 0, sizeof(form));
    form.format = "node-v2";
    form.code = code;
    form.status = status_of(&m[J_STATUS_CODE]);
    form.message = str(ctx, &m[J_MESSAGE]);
    form.request_id = str(ctx, &m[J_REQUEST_ID]);
    form.host_id = str(ctx, &m[J_EXTENDED_REQUEST_ID]);
    if (form.host_id.len > 0) {
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


/* --- Lambda error payloads ---------------------------------------------- */

/* the runtime that wrote a payload, from its errorType */
static const char *
lambda_format(s3u_span_t type)
{
    if (has(type, "ClientError") || has(type, "S3UploadFailedError")) {
        return "lambda-python";
    }
    if (starts_with(type, "Function<")) {
        return "lambda-ruby";
    }
    if (starts_with(type, "com.") || starts_with(type, "software.")
        || starts_with(type, "java."))
    {
        return "lambda-java";
    }
    if (starts_with(type, "Amazon.") || starts_with(type, "System.")
        || s3u_eq(type.data, type.len, "AmazonS3Exception"))
    {
        return "lambda-dotnet";
    }
    if ((type.len > 0 && type.data[0] == '*') || has(type, "errorString")
        || has(type, "OperationError") || has(type, "requestFailure"))
    {
        return "lambda-go";
    }

    return "lambda";
}


/* a payload whose errorType is the class of an S3 exception that prints
 * only S3's message (.NET, Kotlin, Ruby) */
static int
lambda_class_form(s3u_span_t type, s3u_span_t msg, const char *format,
    s3u_finding_t *out)
{
    const char  *ruby, *end, *code;
    s3u_form_t   form;

    memset(&form, 0, sizeof(form));
    form.format = format;
    form.message = msg;

    end = type.data + type.len;

    ruby = s3u_find(type.data, end, "Aws::S3::Errors::");
    if (ruby != NULL) {
        form.origin = S3U_ORIGIN_S3;
        ruby += S3U_LEN("Aws::S3::Errors::");
        form.code = s3u_span(ruby, (size_t) (s3u_code_end(ruby, end) - ruby));
        return s3u_judge(&form, out);
    }

    if (has(type, "AmazonS3Exception") || has(type, "S3Exception")) {
        form.origin = S3U_ORIGIN_S3;
        code = msg.data ? s3u_code_from_message(msg.data, msg.len, 0) : NULL;
        form.code = code ? s3u_span(code, strlen(code)) : s3u_span(NULL, 0);
        return s3u_judge(&form, out);
    }

    return 0;
}


static int
lambda_payload(json_ctx_t *ctx, const s3u_json_value_t *m,
    s3u_finding_t *out, int depth, int nest)
{
    const char              *format;
    s3u_span_t               type, msg;
    s3u_form_t               form;
    const s3u_json_value_t  *trace;

    type = str(ctx, &m[J_ERROR_TYPE]);
    if (type.data == NULL) {
        return 0;
    }

    msg = str(ctx, &m[J_ERROR_MESSAGE]);
    format = lambda_format(type);

    /* Node v2: errorType is the S3 code itself */
    if (s3u_known_code(type.data, type.len)) {
        memset(&form, 0, sizeof(form));
        form.format = "lambda-node-v2";
        form.code = type;
        form.message = msg;
        trace = (m[J_STACK_TRACE].type != S3U_JSON_NONE) ? &m[J_STACK_TRACE]
                                                         : &m[J_TRACE];
        if (array_mentions(ctx, trace, "services/s3.js")) {
            form.origin = S3U_ORIGIN_S3;
        }
        return s3u_judge(&form, out);
    }

    /* an SDK text in errorMessage: botocore, Java, Go ... */
    if (msg.data != NULL && s3u_detect_text(msg.data, msg.len, out)) {
        out->format = format;
        return 1;
    }

    if (lambda_class_form(type, msg, format, out)) {
        return 1;
    }

    /* Java and .NET nest the underlying exception */
    if (m[J_CAUSE].type == S3U_JSON_OBJECT && depth < S3U_DETECT_JSON_DEPTH) {
        return json_value(ctx, &m[J_CAUSE], NULL, out, depth + 1, nest);
    }

    return 0;
}


/* --- the walk ------------------------------------------------------------ */

static int
json_string(json_ctx_t *ctx, const s3u_json_value_t *v, s3u_finding_t *out,
    int nest)
{
    const char  *p;
    s3u_span_t   s;

    s = str(ctx, v);
    if (s.data == NULL) {
        return 0;
    }

    p = s3u_skip_space(s.data, s.data + s.len);

    /* a JSON document kept as a string (Step Functions' cause) */
    if (p < s.data + s.len && (*p == '{' || *p == '[')
        && nest < S3U_JSON_NEST_MAX
        && s3u_detect_json(s.data, s.len, out, nest + 1) == 1)
    {
        return 1;
    }

    return s3u_detect_text(s.data, s.len, out);
}


/* members: those of v, an object, when the check already read them */
static int
json_value(json_ctx_t *ctx, const s3u_json_value_t *v,
    const s3u_json_value_t *members, s3u_finding_t *out, int depth,
    int nest)
{
    int               rc;
    s3u_json_iter_t   it;
    s3u_json_mark_t   mark;
    s3u_json_value_t  child, m[J_MEMBERS];

    if (depth > S3U_DETECT_JSON_DEPTH || ctx->oom) {
        return 0;
    }

    /* the texts decoded for a string, or for an object's readers, are
     * given back before the walk goes on */

    if (v->type == S3U_JSON_STRING) {
        mark = s3u_json_mark();
        rc = json_string(ctx, v, out, nest);
        s3u_json_release(mark);
        return rc;
    }

    if (v->type == S3U_JSON_OBJECT) {
        if (members == NULL) {
            s3u_json_members(v, &json_members, m);
            members = m;
        }

        mark = s3u_json_mark();
        rc = node_v3(ctx, members, out)
             || lambda_payload(ctx, members, out, depth, nest)
             || node_v2(ctx, members, out);
        s3u_json_release(mark);

        if (rc) {
            return 1;
        }
    }

    if (v->type == S3U_JSON_OBJECT || v->type == S3U_JSON_ARRAY) {
        s3u_json_iter(&it, v);
        while (s3u_json_next(&it, NULL, &child)) {
            if (json_value(ctx, &child, NULL, out, depth + 1, nest)) {
                return 1;
            }
        }
    }

    return 0;
}


/*
 * botocore's parsed error (err.response), which applications dump next to
 * the message: {"Error": {...}, "ResponseMetadata": {"RequestId", "HostId"}}
 */

static void
response_metadata(json_ctx_t *ctx, const s3u_json_value_t *metadata,
    s3u_finding_t *out)
{
    s3u_span_t        s;
    s3u_json_value_t  md[J_MD_MEMBERS];

    if (metadata->type != S3U_JSON_OBJECT) {
        return;
    }

    s3u_json_members(metadata, &json_md_members, md);

    s = str(ctx, &md[J_MD_REQUEST_ID]);
    if (out->request_id[0] == '\0' && s.data != NULL) {
        s3u_field_set(out->request_id, sizeof(out->request_id), s.data, s.len);
    }

    s = str(ctx, &md[J_MD_HOST_ID]);
    if (out->host_id[0] == '\0' && s.data != NULL) {
        s3u_field_set(out->host_id, sizeof(out->host_id), s.data, s.len);
    }
}


int
s3u_detect_json(const char *p, size_t len, s3u_finding_t *out, int nest)
{
    int               rc;
    const char       *end, *value_end;
    json_ctx_t        ctx;
    s3u_json_mark_t   mark;
    s3u_json_value_t  root, m[J_MEMBERS];

    end = p + len;

    /* every text read is given back when the document is done */
    mark = s3u_json_mark();

    /* the root object's members are read by the check itself */
    value_end = s3u_json_check(p, end, S3U_DETECT_JSON_DEPTH, &root,
                               &json_members, m);

    /* strict: nothing but whitespace after the value */
    if (value_end == NULL || s3u_skip_space(value_end, end) != end) {
        s3u_json_release(mark);
        return -1;
    }

    ctx.oom = 0;

    rc = json_value(&ctx, &root, m, out, 0, nest);

    if (rc == 1 && root.type == S3U_JSON_OBJECT) {
        response_metadata(&ctx, &m[J_RESPONSE_METADATA], out);
    }

    s3u_json_release(mark);

    /* a text that could not be decoded for want of memory: the document
     * is not read at all, as the tree parser could not build it */
    if (ctx.oom) {
        memset(out, 0, sizeof(*out));
        return -1;
    }

    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        out->parsed = 1;
        out->format = "json";
    }

    return rc;
}
