/*
 * JSON bodies: Lambda error payloads of every runtime (errorType,
 * errorMessage, stackTrace, cause), serialized Node SDK errors (v2: code,
 * statusCode, requestId, extendedRequestId; v3: name, $fault, $metadata),
 * Step Functions failures whose cause holds a payload as a string, and an
 * application's own JSON that carries any SDK text in a member.
 *
 * The nesting depth is checked before cJSON sees the text, so deep input
 * costs one linear scan and no recursion.
 */

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "detect/s3u_detect.h"
#include "detect/s3u_detect_int.h"
#include "detect/s3u_scan.h"


/* JSON inside JSON strings is opened this many times at most */
#define S3U_JSON_NEST_MAX  2


static int json_value(const cJSON *v, s3u_finding_t *out, int depth,
    int nest);


/* 1 when no array or object nests deeper than limit */
static int
depth_ok(const char *p, const char *end, int limit)
{
    int  depth, in_string;

    depth = 0;
    in_string = 0;

    for ( /* void */ ; p < end; p++) {
        if (in_string) {
            if (*p == '\\') {
                p++;
            } else if (*p == '"') {
                in_string = 0;
            }
            continue;
        }

        switch (*p) {
        case '"':
            in_string = 1;
            break;
        case '{':
        case '[':
            if (++depth > limit) {
                return 0;
            }
            break;
        case '}':
        case ']':
            depth--;
            break;
        }
    }

    return 1;
}


static const char *
str(const cJSON *obj, const char *name)
{
    const cJSON  *v;

    v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}


static s3u_span_t
span_of(const char *s)
{
    return s ? s3u_span(s, strlen(s)) : s3u_span(NULL, 0);
}


static int
status_of(const cJSON *obj, const char *name)
{
    const cJSON  *v;

    v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (cJSON_IsNumber(v) && v->valuedouble >= 100 && v->valuedouble <= 599) {
        return (int) v->valuedouble;
    }

    return 0;
}


static int
code_shaped(const char *s)
{
    size_t  n;

    n = s ? strlen(s) : 0;
    return n > 0 && n < 64 && s3u_code_end(s, s + n) == s + n;
}


/* any string of an array (a stack trace) that contains needle */
static int
array_mentions(const cJSON *arr, const char *needle)
{
    const cJSON  *e;

    if (!cJSON_IsArray(arr)) {
        return 0;
    }

    cJSON_ArrayForEach(e, arr) {
        if (cJSON_IsString(e) && strstr(e->valuestring, needle) != NULL) {
            return 1;
        }
    }

    return 0;
}


/* --- Node SDK errors ---------------------------------------------------- */

static int
node_v3(const cJSON *obj, s3u_finding_t *out)
{
    const cJSON  *meta;
    const char   *code;
    s3u_form_t    form;

    meta = cJSON_GetObjectItemCaseSensitive(obj, "$metadata");
    if (!cJSON_IsObject(meta) || str(obj, "$fault") == NULL) {
        return 0;
    }

    memset(&form, 0, sizeof(form));
    form.format = str(obj, "errorType") ? "lambda-node-v3" : "node-v3";
    form.status = status_of(meta, "httpStatusCode");

    code = str(obj, "Code");
    code = code ? code : str(obj, "name");
    code = code ? code : str(obj, "errorType");
    if (code == NULL && form.status == 403) {
        code = "Forbidden";
    }
    form.code = code_shaped(code) ? span_of(code) : s3u_span(NULL, 0);

    form.message = span_of(str(obj, "message") ? str(obj, "message")
                                               : str(obj, "errorMessage"));
    form.request_id = span_of(str(obj, "RequestId") ? str(obj, "RequestId")
                                                   : str(meta, "requestId"));
    form.host_id = span_of(str(obj, "HostId") ? str(obj, "HostId")
                                             : str(meta, "extendedRequestId"));
    if (form.host_id.len > 0) {
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


static int
node_v2(const cJSON *obj, s3u_finding_t *out)
{
    const char  *code;
    s3u_form_t   form;

    code = str(obj, "code");
    if (!code_shaped(code)
        || (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(obj, "statusCode"))
            && str(obj, "requestId") == NULL
            && str(obj, "extendedRequestId") == NULL))
    {
        return 0;
    }

    memset(&form, 0, sizeof(form));
    form.format = "node-v2";
    form.code = span_of(code);
    form.status = status_of(obj, "statusCode");
    form.message = span_of(str(obj, "message"));
    form.request_id = span_of(str(obj, "requestId"));
    form.host_id = span_of(str(obj, "extendedRequestId"));
    if (form.host_id.len > 0) {
        form.origin = S3U_ORIGIN_S3;
    }

    return s3u_judge(&form, out);
}


/* --- Lambda error payloads ---------------------------------------------- */

/* the runtime that wrote a payload, from its errorType */
static const char *
lambda_format(const char *type)
{
    if (strstr(type, "ClientError") || strstr(type, "S3UploadFailedError")) {
        return "lambda-python";
    }
    if (strncmp(type, "Function<", 9) == 0) {
        return "lambda-ruby";
    }
    if (strncmp(type, "com.", 4) == 0 || strncmp(type, "software.", 9) == 0
        || strncmp(type, "java.", 5) == 0)
    {
        return "lambda-java";
    }
    if (strncmp(type, "Amazon.", 7) == 0 || strncmp(type, "System.", 7) == 0
        || strcmp(type, "AmazonS3Exception") == 0)
    {
        return "lambda-dotnet";
    }
    if (type[0] == '*' || strstr(type, "errorString")
        || strstr(type, "OperationError") || strstr(type, "requestFailure"))
    {
        return "lambda-go";
    }

    return "lambda";
}


/* a payload whose errorType is the class of an S3 exception that prints
 * only S3's message (.NET, Kotlin, Ruby) */
static int
lambda_class_form(const char *type, const char *msg, const char *format,
    s3u_finding_t *out)
{
    const char  *ruby, *code;
    s3u_form_t   form;

    memset(&form, 0, sizeof(form));
    form.format = format;
    form.message = span_of(msg);

    ruby = strstr(type, "Aws::S3::Errors::");
    if (ruby != NULL) {
        form.origin = S3U_ORIGIN_S3;
        ruby += S3U_LEN("Aws::S3::Errors::");
        form.code = s3u_span(ruby, (size_t) (s3u_code_end(ruby, ruby
                                             + strlen(ruby)) - ruby));
        return s3u_judge(&form, out);
    }

    if (strstr(type, "AmazonS3Exception") || strstr(type, "S3Exception")) {
        form.origin = S3U_ORIGIN_S3;
        code = msg ? s3u_code_from_message(msg, strlen(msg), 0) : NULL;
        form.code = span_of(code);
        return s3u_judge(&form, out);
    }

    return 0;
}


static int
lambda_payload(const cJSON *obj, s3u_finding_t *out, int depth, int nest)
{
    const char    *type, *msg, *format;
    const cJSON   *cause, *trace;
    s3u_form_t     form;

    type = str(obj, "errorType");
    if (type == NULL) {
        return 0;
    }

    msg = str(obj, "errorMessage");
    format = lambda_format(type);

    /* Node v2: errorType is the S3 code itself */
    if (s3u_known_code(type, strlen(type))) {
        memset(&form, 0, sizeof(form));
        form.format = "lambda-node-v2";
        form.code = span_of(type);
        form.message = span_of(msg);
        trace = cJSON_GetObjectItemCaseSensitive(obj, "stackTrace");
        if (trace == NULL) {
            trace = cJSON_GetObjectItemCaseSensitive(obj, "trace");
        }
        if (array_mentions(trace, "services/s3.js")) {
            form.origin = S3U_ORIGIN_S3;
        }
        return s3u_judge(&form, out);
    }

    /* an SDK text in errorMessage: botocore, Java, Go ... */
    if (msg != NULL && s3u_detect_text(msg, strlen(msg), out)) {
        out->format = format;
        return 1;
    }

    if (lambda_class_form(type, msg, format, out)) {
        return 1;
    }

    /* Java and .NET nest the underlying exception */
    cause = cJSON_GetObjectItemCaseSensitive(obj, "cause");
    if (cJSON_IsObject(cause) && depth < S3U_DETECT_JSON_DEPTH) {
        return json_value(cause, out, depth + 1, nest);
    }

    return 0;
}


/* --- the walk ------------------------------------------------------------ */

static int
json_string(const char *s, s3u_finding_t *out, int nest)
{
    size_t       len;
    const char  *p;

    len = strlen(s);
    p = s3u_skip_space(s, s + len);

    /* a JSON document kept as a string (Step Functions' cause) */
    if (p < s + len && (*p == '{' || *p == '[') && nest < S3U_JSON_NEST_MAX
        && s3u_detect_json(s, len, out, nest + 1) == 1)
    {
        return 1;
    }

    return s3u_detect_text(s, len, out);
}


static int
json_value(const cJSON *v, s3u_finding_t *out, int depth, int nest)
{
    const cJSON  *child;

    if (depth > S3U_DETECT_JSON_DEPTH) {
        return 0;
    }

    if (cJSON_IsString(v)) {
        return json_string(v->valuestring, out, nest);
    }

    if (cJSON_IsObject(v)) {
        if (node_v3(v, out) || lambda_payload(v, out, depth, nest)
            || node_v2(v, out))
        {
            return 1;
        }
    }

    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        cJSON_ArrayForEach(child, v) {
            if (json_value(child, out, depth + 1, nest)) {
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
response_metadata(const cJSON *root, s3u_finding_t *out)
{
    const char   *s;
    const cJSON  *md;

    md = cJSON_GetObjectItemCaseSensitive(root, "ResponseMetadata");
    if (!cJSON_IsObject(md)) {
        return;
    }

    s = str(md, "RequestId");
    if (out->request_id[0] == '\0' && s != NULL) {
        s3u_field_set(out->request_id, sizeof(out->request_id), s, strlen(s));
    }

    s = str(md, "HostId");
    if (out->host_id[0] == '\0' && s != NULL) {
        s3u_field_set(out->host_id, sizeof(out->host_id), s, strlen(s));
    }
}


/*
 * The trees parsed here live only while one body is read, and a typical
 * error body makes a few dozen small nodes: they are carved from a static
 * arena instead of malloc'ed and freed one by one (that was a third of the
 * cost of a denial).  cJSON's allocator hooks are process-wide, so outside
 * a detection, and once the arena is full, they are plain malloc and free.
 * Each nginx worker, the command and the tests are single-threaded.
 */

#define S3U_JSON_ARENA_SIZE  (64 * 1024)

/* under AddressSanitizer every node keeps its own heap block, so that the
 * fuzzers still see an overrun of one */
#if defined(__SANITIZE_ADDRESS__)
#define S3U_JSON_ARENA  0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S3U_JSON_ARENA  0
#endif
#endif
#ifndef S3U_JSON_ARENA
#define S3U_JSON_ARENA  1
#endif

static unsigned char  s3u_json_arena[S3U_JSON_ARENA_SIZE]
                          __attribute__((aligned(16)));
static size_t         s3u_json_arena_used;
static int            s3u_json_arena_depth;


static void *
arena_malloc(size_t size)
{
    void  *p;

    size = (size + 15) & ~(size_t) 15;

    if (s3u_json_arena_depth > 0
        && size <= S3U_JSON_ARENA_SIZE - s3u_json_arena_used)
    {
        p = s3u_json_arena + s3u_json_arena_used;
        s3u_json_arena_used += size;
        return p;
    }

    return malloc(size);
}


static void
arena_free(void *p)
{
    unsigned char  *c = p;

    if (c >= s3u_json_arena && c < s3u_json_arena + S3U_JSON_ARENA_SIZE) {
        return;                     /* released with the whole arena */
    }

    free(p);
}


/* JSON held in a JSON string is parsed while the outer tree lives */
static cJSON *
arena_parse(const char *p, size_t len, const char **parse_end)
{
    static int  hooked;

    cJSON_Hooks  hooks = { arena_malloc, arena_free };

    if (S3U_JSON_ARENA && !hooked) {
        cJSON_InitHooks(&hooks);
        hooked = 1;
    }

    s3u_json_arena_depth++;

    return cJSON_ParseWithLengthOpts(p, len, parse_end, 0);
}


static void
arena_release(cJSON *root)
{
    cJSON_Delete(root);

    if (--s3u_json_arena_depth == 0) {
        s3u_json_arena_used = 0;
    }
}


int
s3u_detect_json(const char *p, size_t len, s3u_finding_t *out, int nest)
{
    int          rc;
    cJSON       *root;
    const char  *end, *parse_end;

    end = p + len;

    if (!depth_ok(p, end, S3U_DETECT_JSON_DEPTH)) {
        return -1;
    }

    parse_end = NULL;
    root = arena_parse(p, len, &parse_end);
    if (root == NULL) {
        arena_release(NULL);
        return -1;
    }

    /* strict: nothing but whitespace after the value */
    if (parse_end == NULL || s3u_skip_space(parse_end, end) != end) {
        arena_release(root);
        return -1;
    }

    rc = json_value(root, out, 0, nest);

    if (rc == 1 && cJSON_IsObject(root)) {
        response_metadata(root, out);
    }

    arena_release(root);

    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        out->parsed = 1;
        out->format = "json";
    }

    return rc;
}
