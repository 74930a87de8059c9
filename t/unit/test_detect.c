/*
 * The detectors: every body of the shared error corpus and of t/corpus
 * classifies as its header says; inline cases for each SDK form, the
 * look-alikes that must stay untouched, and hostile input (truncated,
 * garbage, empty, huge, deeply nested).
 *
 * Corpus files are read at run time from the repository root (the working
 * directory of `prove`): t/corpus/ and $S3U_SHARED/reference/error-bodies/
 * (S3U_SHARED defaults to ../shared).
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/s3u_detect.h"
#include "detect/s3u_detect_int.h"
#include "detect/s3u_scan.h"
#include "detect/s3u_sfv.h"
#include "unit.h"
#include "../common/s3u_reference.h"


/* --- helpers --------------------------------------------------------------- */

/* runs the detectors on an exact-size copy without a NUL, so that any read
 * past len shows under valgrind */
static void
detect_bytes(const char *body, size_t len, const s3u_detect_meta_t *meta,
    s3u_finding_t *f)
{
    char  *copy;

    copy = malloc(len ? len : 1);
    memcpy(copy, body, len);
    s3u_detect(copy, len, meta, f);
    free(copy);
}


static void
detect(const char *body, s3u_finding_t *f)
{
    s3u_detect_meta_t  meta;

    memset(&meta, 0, sizeof(meta));
    meta.status = 500;
    detect_bytes(body, strlen(body), &meta, f);
}


static const char *
verdict(const s3u_finding_t *f)
{
    return s3u_verdict_name(f->verdict);
}


/* every string field is terminated inside its array */
static int
fields_terminated(const s3u_finding_t *f)
{
#define T(x)  (memchr(f->x, '\0', sizeof(f->x)) != NULL)
    return T(code) && T(service) && T(layer) && T(request_id) && T(host_id)
           && T(principal) && T(action) && T(resource) && T(message)
           && T(statement) && T(reason);
#undef T
}


/* no control byte in any field */
static int
fields_clean(const s3u_finding_t *f)
{
    const char  *fields[] = { f->code, f->service, f->layer, f->request_id,
                              f->host_id, f->principal, f->action,
                              f->resource, f->message };
    size_t       i;
    const char  *p;

    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        for (p = fields[i]; *p; p++) {
            if ((unsigned char) *p < 0x20 || *p == 0x7f) {
                return 0;
            }
        }
    }

    return 1;
}


/* --- the corpus ------------------------------------------------------------ */

typedef struct {
    char                name[256];
    char                verdict[32];
    char                code[64];
    char                layer[64];
    char                service[16];
    char                decision[32];
    char                format[64];
    char                action[128];
    char                principal[256];
    char                resource[512];
    char                request_id[128];
    char                host_id[256];
    int                 s3_status;
    int                 denial_flag;     /* s3-access-denial: 1 yes, 0 no, -1 absent */
    char                headers[4][256];
    int                 nheaders;
    s3u_detect_meta_t   meta;
    const char         *body;
    size_t              len;
} corpus_case_t;


/* "# key: value" into out (the whole value, or only its first word) */
static void
header_value(const char *line, const char *key, char *out, size_t size,
    int first_word)
{
    size_t       klen, n;
    const char  *v;

    klen = strlen(key);
    if (strncmp(line, "# ", 2) != 0 || strncmp(line + 2, key, klen) != 0
        || line[2 + klen] != ':')
    {
        return;
    }

    v = line + 3 + klen;
    while (*v == ' ') {
        v++;
    }

    n = first_word ? strcspn(v, " \t\r\n") : strcspn(v, "\r\n");
    if (n >= size) {
        n = size - 1;
    }
    memcpy(out, v, n);
    out[n] = '\0';
}


static void
set_meta_header(corpus_case_t *c, const char *h)
{
    const char    *colon, *v;
    s3u_slice_t   *slot;

    colon = strchr(h, ':');
    if (colon == NULL) {
        return;
    }
    v = colon + 1;
    while (*v == ' ') {
        v++;
    }

    if (strncasecmp(h, "X-Amz-Function-Error:", 21) == 0) {
        slot = &c->meta.function_error;
    } else if (strncasecmp(h, "Content-Type:", 13) == 0) {
        slot = &c->meta.content_type;
    } else if (strncasecmp(h, "x-amz-request-id:", 17) == 0) {
        slot = &c->meta.amz_request_id;
    } else if (strncasecmp(h, "x-amz-id-2:", 11) == 0) {
        slot = &c->meta.amz_id_2;
    } else {
        return;
    }

    slot->data = v;
    slot->len = strlen(v);
}


/* the expected verdict of a shared file, which says only whether it is a
 * denial: no denial with a known S3 code is an s3-error */
static void
derive_verdict(corpus_case_t *c)
{
    if (c->verdict[0] != '\0') {
        return;
    }

    if (c->denial_flag == 1) {
        strcpy(c->verdict, "denial");
    } else if (s3u_s3_error_status(c->code) != 0) {
        strcpy(c->verdict, "s3-error");
    } else {
        strcpy(c->verdict, "none");
    }
}


static void
parse_case(corpus_case_t *c, const char *data, size_t len)
{
    char         line[1024], word[16], status[16];
    size_t       n;
    const char  *p, *end, *nl;

    end = data + len;
    p = data;
    c->denial_flag = -1;
    c->meta.status = 500;

    while (p < end && *p == '#') {
        nl = memchr(p, '\n', (size_t) (end - p));
        n = (size_t) ((nl ? nl : end) - p);
        if (n >= sizeof(line)) {
            n = sizeof(line) - 1;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        p = nl ? nl + 1 : end;

        header_value(line, "expected-verdict", c->verdict, sizeof(c->verdict), 1);
        header_value(line, "expected-code", c->code, sizeof(c->code), 1);
        header_value(line, "expected-layer", c->layer, sizeof(c->layer), 1);
        header_value(line, "expected-service", c->service, sizeof(c->service), 1);
        header_value(line, "expected-decision", c->decision,
                     sizeof(c->decision), 1);
        header_value(line, "expected-format", c->format, sizeof(c->format), 1);
        header_value(line, "expected-action", c->action, sizeof(c->action), 1);
        header_value(line, "expected-principal", c->principal,
                     sizeof(c->principal), 1);
        header_value(line, "expected-resource", c->resource,
                     sizeof(c->resource), 1);
        header_value(line, "expected-request-id", c->request_id,
                     sizeof(c->request_id), 1);
        header_value(line, "expected-host-id", c->host_id,
                     sizeof(c->host_id), 1);

        word[0] = '\0';
        header_value(line, "expected-s3-status", word, sizeof(word), 1);
        if (word[0] != '\0') {
            c->s3_status = atoi(word);
        }

        word[0] = '\0';
        header_value(line, "s3-access-denial", word, sizeof(word), 1);
        if (word[0] != '\0') {
            c->denial_flag = strcmp(word, "yes") == 0;
            /* the shared files name STS's scope in a note */
            if (strstr(line, "service=sts") != NULL) {
                strcpy(c->service, "sts");
            }
        }

        status[0] = '\0';
        header_value(line, "http-status-at-gateway", status, sizeof(status), 1);
        if (atoi(status) >= 100) {
            c->meta.status = atoi(status);
        }

        if (c->nheaders < 4) {
            c->headers[c->nheaders][0] = '\0';
            header_value(line, "header", c->headers[c->nheaders],
                         sizeof(c->headers[0]), 0);
            if (c->headers[c->nheaders][0] != '\0') {
                set_meta_header(c, c->headers[c->nheaders]);
                c->nheaders++;
            }
        }
    }

    /* one blank line ends the header */
    if (p < end && *p == '\r') {
        p++;
    }
    if (p < end && *p == '\n') {
        p++;
    }

    c->body = p;
    c->len = (size_t) (end - p);
    derive_verdict(c);
}


static char *
slurp(const char *path, size_t *len)
{
    FILE    *fp;
    char    *buf;
    long     size;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }

    fseek(fp, 0, SEEK_END);
    size = ftell(fp);
    fseek(fp, 0, SEEK_SET);

    buf = malloc((size_t) size + 1);
    *len = fread(buf, 1, (size_t) size, fp);
    fclose(fp);

    return buf;
}


static void
check_case(corpus_case_t *c)
{
    const char     *want_layer;
    s3u_finding_t   f;

    detect_bytes(c->body, c->len, &c->meta, &f);

    UNIT_STR(verdict(&f), c->verdict, "%s: verdict", c->name);
    UNIT_OK(f.verdict == S3U_VERDICT_NONE || f.parsed,
            "%s: a finding comes from a recognised form", c->name);

    if (strcmp(c->verdict, "none") == 0) {
        UNIT_STR(f.code, "", "%s: no code for a non-finding", c->name);
        return;
    }

    UNIT_STR(f.code, c->code, "%s: code", c->name);

    if (strcmp(c->verdict, "denial") == 0) {
        want_layer = strcmp(c->layer, "unknown") == 0 ? "" : c->layer;
        UNIT_STR(f.layer, want_layer, "%s: layer", c->name);
        UNIT_INT(f.s3_status, 403, "%s: a denial is S3's 403", c->name);
        UNIT_INT(f.source, want_layer[0] ? S3U_SOURCE_MESSAGE : S3U_SOURCE_NONE,
                 "%s: source", c->name);
    }

    if (c->service[0]) {
        UNIT_STR(f.service, c->service, "%s: service", c->name);
    } else {
        UNIT_STR(f.service, "s3", "%s: service s3", c->name);
    }
    if (c->decision[0]) {
        UNIT_STR(s3u_decision_name(f.decision), c->decision, "%s: decision",
                 c->name);
    }
    if (c->format[0]) {
        UNIT_STR(f.format, c->format, "%s: format", c->name);
    }
    if (c->action[0]) {
        UNIT_STR(f.action, c->action, "%s: action", c->name);
    }
    if (c->principal[0]) {
        UNIT_STR(f.principal, c->principal, "%s: principal", c->name);
    }
    if (c->resource[0]) {
        UNIT_STR(f.resource, c->resource, "%s: resource", c->name);
    }
    if (c->request_id[0]) {
        UNIT_STR(f.request_id, c->request_id, "%s: request id", c->name);
    }
    if (c->host_id[0]) {
        UNIT_STR(f.host_id, c->host_id, "%s: host id", c->name);
    }
    if (c->s3_status) {
        UNIT_INT(f.s3_status, c->s3_status, "%s: S3 status", c->name);
    }
}


/* every prefix of a body (in steps) is read safely */
static void
check_prefixes(corpus_case_t *c)
{
    size_t          n, bad;
    s3u_finding_t   f;

    bad = 0;
    for (n = 0; n < c->len; n += 5) {
        detect_bytes(c->body, n, &c->meta, &f);
        if (!fields_terminated(&f) || !fields_clean(&f)) {
            bad++;
        }
    }

    UNIT_INT(bad, 0, "%s: truncated copies read safely", c->name);
}


static int
by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}


static int
not_hidden(const struct dirent *e)
{
    return e->d_name[0] != '.';
}


static int
run_corpus_dir(const char *dir)
{
    int               i, n;
    char              path[1024];
    char             *data;
    size_t            len;
    corpus_case_t     c;
    struct dirent   **names;

    n = scandir(dir, &names, not_hidden, by_name);
    UNIT_OK(n > 0, "corpus directory %s has files", dir);
    if (n <= 0) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        data = slurp(path, &len);
        UNIT_OK(data != NULL, "%s: readable", names[i]->d_name);

        if (data != NULL) {
            memset(&c, 0, sizeof(c));
            snprintf(c.name, sizeof(c.name), "%s", names[i]->d_name);
            parse_case(&c, data, len);
            check_case(&c);
            check_prefixes(&c);
            free(data);
        }

        free(names[i]);
    }

    free(names);
    return n;
}


static void
test_corpus(void)
{
    char         dir[1024];
    const char  *shared;

    shared = getenv("S3U_SHARED");
    snprintf(dir, sizeof(dir), "%s/reference/error-bodies",
             shared ? shared : "../shared");

    run_corpus_dir(dir);
    run_corpus_dir("t/corpus");
}


/* --- inline cases ---------------------------------------------------------- */

#define XML_DENIED(msg)                                                       \
    "<Error><Code>AccessDenied</Code><Message>" msg "</Message>"              \
    "<RequestId>R</RequestId><HostId>H</HostId></Error>"

#define ROLE  "arn:aws:sts::111122223333:assumed-role/r/s"

static void
test_message_grammar(void)
{
    static const struct {
        const char  *message;
        const char  *layer;
        const char  *decision;
        const char  *service;
    } cases[] = {
        { "User: " ROLE " is not authorized to perform: s3:PutObject on"
          " resource: \"arn:aws:s3:::b/k\" because no identity-based policy"
          " allows the s3:PutObject action", "identity", "ImplicitDeny", "s3" },
        { "User: " ROLE " is not authorized to perform: s3:PutObject"
          " with an explicit deny in an identity-based policy",
          "identity", "ExplicitDeny", "s3" },
        { "User: " ROLE " is not authorized to perform: s3:PutObject on"
          " resource: arn:aws:s3:::b/k with an explicit deny in an identity"
          " policy. Go to https://console.aws.amazon.com/iam/home#/access-"
          "troubleshooter for complete details, or call the"
          " iam:GetAuthorizationDetails API with the following authorization"
          " id: 00000000-0000-0000-0000-000000000000",
          "identity", "ExplicitDeny", "s3" },
        { "User: " ROLE " is not authorized to perform: s3:GetObject"
          " BECAUSE NO Resource-Based Policy ALLOWS the s3:GetObject action",
          "resource-policy", "ImplicitDeny", "s3" },
        { "User: " ROLE " is not authorized to perform: s3:PutObject"
          " with an explicit deny in a VPC endpoint policy transitively"
          " through a service control policy",
          "vpc-endpoint-policy", "ExplicitDeny", "s3" },
        { "User: " ROLE " is not authorized to perform: s3:PutObject"
          " because no service control policy allows the s3:PutObject action",
          "scp", "ImplicitDeny", "s3" },
        { "User: " ROLE " is not authorized to perform: s3:PutObject"
          " with an explicit deny in a resource control policy",
          "rcp", "ExplicitDeny", "s3" },
        { "User: " ROLE " is not authorized to perform: s3:PutObject"
          " because no permissions boundary allows the s3:PutObject action",
          "permissions-boundary", "ImplicitDeny", "s3" },
        { "User: " ROLE " is not authorized to perform: s3:PutObject"
          " with an explicit deny in a session policy",
          "session-policy", "ExplicitDeny", "s3" },
        { "User: " ROLE " is not authorized to perform: kms:Decrypt on"
          " resource: arn:aws:kms:us-east-1:1:key/k with an explicit deny in"
          " a resource-based policy", "kms-key-policy", "ExplicitDeny", "kms" },
        { "User: " ROLE " is not authorized to perform: kms:GenerateDataKey"
          " on resource: arn:aws:kms:us-east-1:1:key/k because no key policy"
          " allows the kms:GenerateDataKey action",
          "kms-key-policy", "ImplicitDeny", "kms" },
        { "User: " ROLE " is not authorized to perform: s3:PutObjectAcl on"
          " resource: \"arn:aws:s3:::b/k\" because public ACLs are prevented"
          " by the BlockPublicAcls setting in S3 Block Public Access.",
          "", "", "s3" },
        { "User: " ROLE " is not authorized to perform: s3:PutObject",
          "", "", "s3" },
    };
    size_t          i;
    char            body[2048];
    s3u_finding_t   f;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(body, sizeof(body), XML_DENIED("%s"), cases[i].message);
        detect(body, &f);
        UNIT_STR(verdict(&f), "denial", "grammar %zu: denial", i);
        UNIT_STR(f.layer, cases[i].layer, "grammar %zu: layer", i);
        UNIT_STR(s3u_decision_name(f.decision), cases[i].decision,
                 "grammar %zu: decision", i);
        UNIT_STR(f.service, cases[i].service, "grammar %zu: service", i);
        UNIT_STR(f.principal, ROLE, "grammar %zu: principal", i);
    }

    detect(XML_DENIED("User: " ROLE " is not authorized to perform:"
                      " s3:PutObject on resource: &quot;arn:aws:s3:::b/k&quot;"
                      " because no identity-based policy allows it"), &f);
    UNIT_STR(f.resource, "arn:aws:s3:::b/k", "quoted resource unquoted");
    UNIT_STR(f.action, "s3:PutObject", "action read");
}


static void
test_other_services(void)
{
    s3u_finding_t  f;

    detect(XML_DENIED("User: " ROLE " is not authorized to perform:"
                      " sqs:SendMessage on resource: q"), &f);
    UNIT_STR(verdict(&f), "none", "AccessDenied about sqs: is not ours");

    detect(XML_DENIED("User: " ROLE " is not authorized to perform:"
                      " sts:GetFederationToken"), &f);
    UNIT_STR(verdict(&f), "none", "sts: other than AssumeRole is not ours");

    detect("User: " ROLE " is not authorized to perform: kms:Decrypt on"
           " resource: arn:aws:kms:us-east-1:1:key/k because no identity-based"
           " policy allows the kms:Decrypt action", &f);
    UNIT_STR(verdict(&f), "none", "a bare kms: message may be a direct KMS call");

    detect("upload failed: User: " ROLE " is not authorized to perform:"
           " s3:PutObject on resource: \"arn:aws:s3:::b/k\" because no"
           " identity-based policy allows the s3:PutObject action", &f);
    UNIT_STR(verdict(&f), "denial", "a bare s3: message is S3's");
    UNIT_STR(f.format, "aws-message", "format of a bare message");
    UNIT_STR(f.code, "AccessDenied", "a bare message means AccessDenied");

    detect("upload-fn is not authorized to perform: s3:PutObject", &f);
    UNIT_STR(verdict(&f), "none", "a bare message needs AWS's \"User: ARN\"");

    detect("User: x is not authorized to perform: s3:Put_Object", &f);
    UNIT_STR(verdict(&f), "none", "an action name is letters and digits");

    detect("User: x is not authorized to perform: s3:", &f);
    UNIT_STR(verdict(&f), "none", "an action needs a name after the prefix");

    detect("{\"message\":\"Access to the resource https://sqs.us-east-1."
           "amazonaws.com/1/q is denied.\",\"code\":\"AccessDenied\","
           "\"statusCode\":403,\"requestId\":\"x\"}", &f);
    UNIT_STR(verdict(&f), "none", "node-v2 AccessDenied with SQS's message");

    detect("software.amazon.awssdk.services.dynamodb.model."
           "DynamoDbException: User: " ROLE " is not authorized to perform:"
           " dynamodb:PutItem (Service: DynamoDb, Status Code: 400,"
           " Request ID: X)", &f);
    UNIT_STR(verdict(&f), "none", "Java v2 frame naming DynamoDb");
    UNIT_INT(f.parsed, 1, "the frame was recognised");

    detect("com.amazonaws.services.securitytoken.model."
           "AWSSecurityTokenServiceException: User: " ROLE " is not authorized"
           " to perform: sts:AssumeRole on resource: arn:aws:iam::2:role/w"
           " (Service: AWSSecurityTokenService; Status Code: 403; Error Code:"
           " AccessDenied; Request ID: abc)", &f);
    UNIT_STR(verdict(&f), "denial", "Java v1 STS AssumeRole denial");
    UNIT_STR(f.service, "sts", "service sts");
    UNIT_STR(f.resource, "arn:aws:iam::2:role/w", "role ARN as resource");

    detect("{\"errorType\":\"Forbidden\",\"errorMessage\":\"no\"}", &f);
    UNIT_STR(verdict(&f), "none",
             "an app error named Forbidden, with no 403 and no S3 frame");

    detect(XML_DENIED("User: " ROLE " is not authorized to perform:"
                      " sts:AssumeRole on resource: arn:aws:iam::2:role/w"), &f);
    UNIT_STR(verdict(&f), "none", "S3's own XML cannot deny sts:AssumeRole");

    detect("An error occurred (AccessDeniedException) when calling the"
           " Invoke operation: User: " ROLE " is not authorized to perform:"
           " lambda:InvokeFunction", &f);
    UNIT_STR(verdict(&f), "none", "Lambda's AccessDeniedException");
}


static void
test_sdk_forms(void)
{
    s3u_finding_t  f;

    detect("An error occurred (SlowDown) when calling the PutObject operation"
           " (reached max retries: 4): Please reduce your request rate.", &f);
    UNIT_STR(verdict(&f), "s3-error", "botocore with retries: s3-error");
    UNIT_STR(f.code, "SlowDown", "code SlowDown");
    UNIT_INT(f.s3_status, 503, "SlowDown is 503");
    UNIT_STR(f.message, "Please reduce your request rate.",
             "message after the retry note");

    detect("An error occurred (InternalError) when calling the Foo operation:"
           " We encountered an internal error.", &f);
    UNIT_STR(verdict(&f), "none",
             "a code other services share needs a form that names S3");

    detect("An error occurred (InternalError) when calling the PutObject"
           " operation: We encountered an internal error.", &f);
    UNIT_STR(verdict(&f), "s3-error", "InternalError from an S3 operation");

    detect("\"An error occurred (AccessDenied) when calling the PutObject"
           " operation: Access Denied\"", &f);
    UNIT_STR(verdict(&f), "denial", "a JSON string document holding botocore");

    detect("{\"error\":{\"detail\":[\"x\",{\"e\":\"operation error S3: "
           "GetObject, https response error StatusCode: 403, RequestID: A1,"
           " HostID: B2, api error AccessDenied: Access Denied\"}]}}", &f);
    UNIT_STR(verdict(&f), "denial", "SDK text deep inside an app's JSON");
    UNIT_STR(f.request_id, "A1", "request id from the Go v2 frame");
    UNIT_STR(f.host_id, "B2", "host id from the Go v2 frame");

    detect("operation error S3: HeadObject, https response error StatusCode:"
           " 403, RequestID: A1, HostID: B2, api error Forbidden: Forbidden", &f);
    UNIT_STR(verdict(&f), "denial", "Go v2 HeadObject 403");
    UNIT_STR(f.code, "Forbidden", "code as the SDK gave it");

    detect("{\"message\":null,\"code\":\"Forbidden\",\"statusCode\":404,"
           "\"requestId\":\"x\"}", &f);
    UNIT_STR(verdict(&f), "none", "Forbidden with a status other than 403");

    detect("WeirdCode: something\n\tstatus code: 400, request id: R", &f);
    UNIT_STR(verdict(&f), "none", "Go v1 frame with an unknown code");
    UNIT_INT(f.parsed, 1, "Go v1 frame recognised");

    detect("Aws::STS::Errors::AccessDenied: User: " ROLE " is not authorized"
           " to perform: sts:AssumeRole on resource: arn:aws:iam::2:role/w", &f);
    UNIT_STR(verdict(&f), "denial", "Ruby STS AssumeRole");
    UNIT_STR(f.service, "sts", "Ruby STS service");

    detect("Aws::S3::Errors::NoSuchKey: The specified key does not exist.", &f);
    UNIT_STR(verdict(&f), "s3-error", "Ruby NoSuchKey");
    UNIT_INT(f.s3_status, 404, "NoSuchKey is 404");

    detect("Amazon.S3.AmazonS3Exception: The specified bucket does not exist", &f);
    UNIT_STR(f.code, "NoSuchBucket", ".NET: code from S3's fixed message");

    detect("Amazon.S3.AmazonS3Exception: Something unexpected happened", &f);
    UNIT_STR(verdict(&f), "none", ".NET with a message we do not know");

    detect("<Error><Code>AccessDenied</Code><Message><![CDATA[Access Denied]]>"
           "</Message><!-- note --></Error>", &f);
    UNIT_STR(verdict(&f), "denial", "S3 XML with CDATA and a comment");

    detect("<pre>&lt;Error&gt;&lt;Code&gt;AccessDenied&lt;/Code&gt;&lt;Message"
           "&gt;it&#39;s &#x22;denied&#34; &amp;amp; more&lt;/Message&gt;"
           "&lt;/Error&gt;</pre>", &f);
    UNIT_STR(verdict(&f), "denial", "HTML-escaped S3 XML");
    UNIT_STR(f.message, "it's \"denied\" & more",
             "numeric references and a doubly escaped ampersand");

    detect("\xef\xbb\xbf  \n<Error><Code>NoSuchKey</Code></Error>", &f);
    UNIT_STR(f.code, "NoSuchKey", "BOM and whitespace before the document");

    detect("<error><code>AccessDenied</code><message>Access Denied</message>"
           "</error>", &f);
    UNIT_STR(verdict(&f), "denial", "element-name case variants as a fallback");
}


static void
test_lookalikes(void)
{
    static const char *bodies[] = {
        "Access Denied",
        "AccessDenied",
        "access denied for user 'root'@'localhost'",
        "{\"message\": \"Internal server error\"}",
        "{\"error\":\"AccessDenied\"}",
        "{\"errorType\":\"AccessDeniedException\",\"errorMessage\":\"x\"}",
        "{\"__type\":\"AccessDeniedException\",\"Message\":\"Access Denied\"}",
        "Error: EACCES: permission denied, open '/data/upload.bin'",
        "PermissionError: [Errno 13] Permission denied: '/tmp/x'",
        "403 Forbidden",
        "<html><body>403 Forbidden</body></html>",
        "The request was denied: status code: 403",
        "is not authorized to perform: ",
        "User: x is not authorized to perform: nothing",
        "An error occurred (AccessDenied when calling the PutObject operation",
        "An error occurred () when calling the PutObject operation: x",
        "(Service: S3, Status Code: 500, Request ID: R) Internal failure",
        "<Error><Code>AccessDenied</Code>",
        "{\"Code\":\"AccessDenied\"}",
        ("google.api_core.exceptions.Forbidden: 403 POST https://storage."
         "googleapis.com/upload: does not have storage.objects.create access"),
    };
    size_t          i;
    s3u_finding_t   f;

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        detect(bodies[i], &f);
        UNIT_STR(verdict(&f), "none", "left alone: %s", bodies[i]);
    }
}


static void
test_meta(void)
{
    s3u_detect_meta_t  meta;
    s3u_finding_t      f;
    const char        *body;

    memset(&meta, 0, sizeof(meta));
    meta.status = 403;
    meta.amz_request_id = (s3u_slice_t) { "HDRREQ", 6 };
    meta.amz_id_2 = (s3u_slice_t) { "HDRHOST\r\nX: y", 13 };

    body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
           "</Error>";
    detect_bytes(body, strlen(body), &meta, &f);
    UNIT_STR(f.request_id, "HDRREQ", "request id from x-amz-request-id");
    UNIT_STR(f.host_id, "HDRHOST X: y", "host id from x-amz-id-2, cleaned");

    body = "<Error><Code>AccessDenied</Code><RequestId>BODY</RequestId></Error>";
    detect_bytes(body, strlen(body), &meta, &f);
    UNIT_STR(f.request_id, "BODY", "the body's id wins over the header's");

    body = "{\"message\":\"x\"}";
    detect_bytes(body, strlen(body), &meta, &f);
    UNIT_STR(f.request_id, "", "no ids copied for a non-finding");

    s3u_detect(XML_DENIED("Access Denied"),
               strlen(XML_DENIED("Access Denied")), NULL, &f);
    UNIT_STR(verdict(&f), "denial", "meta may be NULL");
}


static void
test_fields_are_safe(void)
{
    s3u_finding_t  f;
    char           body[8192];
    size_t         n;

    detect("<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
           "<RequestId>a&#13;&#10;Set-Cookie: x=1&#0;</RequestId></Error>", &f);
    UNIT_STR(verdict(&f), "none", "&#0; makes the document malformed");

    detect("<Error><Code>AccessDenied</Code><RequestId>a&#13;&#10;Set-Cookie:"
           " x=1</RequestId></Error>", &f);
    UNIT_STR(f.request_id, "a Set-Cookie: x=1", "CR LF folded out of an id");
    UNIT_OK(fields_clean(&f), "no control byte in any field");

    detect("<Error><Code>Access&#10;Denied</Code></Error>", &f);
    UNIT_STR(verdict(&f), "none", "a code with a line break is no code");

    n = (size_t) snprintf(body, sizeof(body), "<Error><Code>AccessDenied"
                          "</Code><Message>");
    memset(body + n, 'm', 5000);
    n += 5000;
    n += (size_t) snprintf(body + n, sizeof(body) - n, "</Message></Error>");
    detect_bytes(body, n, NULL, &f);
    UNIT_INT(strlen(f.message), sizeof(f.message) - 1, "long message cut");
    UNIT_OK(fields_terminated(&f), "fields terminated after a cut");

    detect("{\"code\":\"AccessDenied\",\"statusCode\":403,\"requestId\":"
           "\"r\\u0000\\r\\nX\",\"message\":\"Access Denied\"}", &f);
    UNIT_OK(fields_clean(&f), "JSON escapes cannot put control bytes in fields");
}


static void
test_hostile(void)
{
    size_t          i, n;
    char           *buf;
    unsigned        seed;
    s3u_finding_t   f;

    detect_bytes("", 0, NULL, &f);
    UNIT_STR(verdict(&f), "none", "empty body");
    UNIT_INT(f.parsed, 0, "empty body is not parsed");

    s3u_detect(NULL, 10, NULL, &f);
    UNIT_STR(verdict(&f), "none", "NULL body");

    detect(" \r\n\t ", &f);
    UNIT_STR(verdict(&f), "none", "whitespace body");

    /* 100,000 levels of JSON: over the depth limit, read as text */
    n = 200000;
    buf = malloc(n);
    memset(buf, '[', n / 2);
    memset(buf + n / 2, ']', n / 2);
    detect_bytes(buf, n, NULL, &f);
    UNIT_STR(verdict(&f), "none", "100,000 nested arrays");

    for (i = 0; i + 5 <= n; i += 5) {
        memcpy(buf + i, "{\"a\":", 5);
    }
    detect_bytes(buf, i, NULL, &f);
    UNIT_STR(verdict(&f), "none", "40,000 nested objects, unterminated");

    for (i = 0; i + 7 <= n; i += 7) {
        memcpy(buf + i, "<Error>", 7);
    }
    detect_bytes(buf, i, NULL, &f);
    UNIT_STR(verdict(&f), "none", "a body of repeated <Error>");

    for (i = 0; i + 20 <= n; i += 20) {
        memcpy(buf + i, "An error occurred (", 19);
        buf[i + 19] = 'x';
    }
    detect_bytes(buf, i, NULL, &f);
    UNIT_STR(verdict(&f), "none", "a body of repeated botocore openings");

    /* one-line bodies of repeated frame openings (linear time) */
    for (i = 0; i + 10 <= n; i += 10) {
        memcpy(buf + i, "(Service: ", 10);
    }
    detect_bytes(buf, i, NULL, &f);
    UNIT_STR(verdict(&f), "none", "a body of repeated Java frame openings");

    for (i = 0; i + 13 <= n; i += 13) {
        memcpy(buf + i, "status code: ", 13);
    }
    detect_bytes(buf, i, NULL, &f);
    UNIT_STR(verdict(&f), "none", "a body of repeated Go v1 openings");

    for (i = 0; i + 30 <= n; i += 30) {
        memcpy(buf + i, "is not authorized to perform: ", 30);
    }
    detect_bytes(buf, i, NULL, &f);
    UNIT_STR(verdict(&f), "none", "a body of repeated grammar openings");

    for (i = 0; i + 14 <= n; i += 14) {
        memcpy(buf + i, "AccessDenied: ", 14);
    }
    detect_bytes(buf, i, NULL, &f);
    UNIT_STR(verdict(&f), "none", "a line of repeated \"AccessDenied: \"");

    for (i = 0; i + 19 <= n; i += 19) {
        memcpy(buf + i, "An error occurred (", 19);
    }
    detect_bytes(buf, i, NULL, &f);
    UNIT_STR(verdict(&f), "none", "repeated botocore openings without a ')'");

    /* a valid denial after a megabyte of text is still found */
    free(buf);
    n = 1 << 20;
    buf = malloc(n + 200);
    memset(buf, 'x', n);
    i = (size_t) sprintf(buf + n, " An error occurred (AccessDenied) when"
                         " calling the PutObject operation: Access Denied");
    detect_bytes(buf, n + i, NULL, &f);
    UNIT_STR(verdict(&f), "denial", "a form after a megabyte of text");

    /* garbage: random bytes, and random bytes around structure */
    seed = 12345;
    for (i = 0; i < 2000; i++) {
        size_t  j, len;

        len = 1 + (i % 300);
        for (j = 0; j < len; j++) {
            seed = seed * 1103515245 + 12345;
            buf[j] = (char) (seed >> 16);
        }
        if (i % 3 == 0 && len > 40) {
            memcpy(buf + len / 3, "<Error><Code>AccessDenied</Code>", 32);
        }
        detect_bytes(buf, len, NULL, &f);
        if (!fields_terminated(&f) || !fields_clean(&f)) {
            break;
        }
    }
    UNIT_INT(i, 2000, "2000 garbage bodies read safely");

    free(buf);
}


/* inputs the fuzzers found: spans from two searches that crossed */
static void
test_fuzz_regressions(void)
{
    s3u_finding_t  f;

    detect("<Loc\xe1l ror} Code:Accean\n Message:Ac", &f);
    UNIT_STR(verdict(&f), "none", "minio-go fields split over two lines");
    UNIT_OK(fields_terminated(&f), "minio-go split: fields terminated");

    detect("x': (Aws::S3::Errors::AccessDenied)", &f);
    UNIT_OK(fields_terminated(&f) && fields_clean(&f),
            "ruby: message bounds that meet");

    detect("{\"errorType\": \"x\", \"cause\": {\"errorType\": \"Amazon.S3."
           "AmazonS3Exception: .\"}}", &f);
    UNIT_STR(verdict(&f), "none", "a message of one period is no message");

    detect("{ssageload-fn is not  authorized to perform: s3:Put_breqilur}", &f);
    UNIT_STR(verdict(&f), "none", "no principal, no valid action: no denial");
}

/* --- s3u_field_set: the fast paths against the byte-at-a-time version ---- */

/* both versions on an exact-size copy of src, into buffers filled with a
 * marker (and in place); 1 when every byte agrees */
static int
field_set_agrees(const char *src, size_t len, size_t size)
{
    char    *copy, a[1200], b[1200];
    size_t   na, nb;

    if (size > sizeof(a) || len > sizeof(a)) {
        return 0;
    }

    copy = malloc(len ? len : 1);
    memcpy(copy, src, len);

    memset(a, 0x5a, sizeof(a));
    memset(b, 0x5a, sizeof(b));
    na = s3u_ref_field_set(a, size, copy, len);
    nb = s3u_field_set(b, size, copy, len);
    free(copy);

    if (na != nb || memcmp(a, b, sizeof(a)) != 0) {
        return 0;
    }

    if (size < len) {
        return 1;
    }

    /* in place, as the XML reader does */
    memset(a, 0x5a, sizeof(a));
    memcpy(a, src, len);
    memcpy(b, a, sizeof(b));
    na = s3u_ref_field_set(a, size, a, len);
    nb = s3u_field_set(b, size, b, len);

    return na == nb && memcmp(a, b, sizeof(a)) == 0;
}


static void
test_field_set_fast_paths(void)
{
    static const char  specials[] = {
        ' ', '\t', '\n', '\r', '\x01', '\x7f', '\0', '"',
        (char) 0xc3, (char) 0xa9, (char) 0xf0, (char) 0x80, (char) 0xff,
    };
    char          src[200], buf[256];
    size_t        len, i, k, s, size, bad, runs;
    const size_t  sizes[] = { 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64,
                              128, 1024 };

    /* every length up to beyond 4 windows of 16, one special byte at every
     * position, every size around the windows and the length: the search
     * windows (16 at p, the last 16, two of 8, the last 8, bytes) all meet
     * a stop at each of their positions, and cuts land on every byte */
    bad = runs = 0;
    for (len = 0; len <= 70; len++) {
        for (i = 0; i < len; i++) {
            src[i] = (char) ('a' + i % 26);
        }
        for (k = 0; k <= len; k++) {
            for (s = 0; s < sizeof(specials); s++) {
                if (k < len) {
                    src[k] = specials[s];
                }
                for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]) + 3; i++) {
                    size = i < sizeof(sizes) / sizeof(sizes[0]) ? sizes[i]
                         : len + (i - sizeof(sizes) / sizeof(sizes[0]));
                    if (size == 0) {
                        continue;
                    }
                    runs++;
                    bad += !field_set_agrees(src, len, size);
                }
                if (k < len) {
                    src[k] = (char) ('a' + k % 26);
                }
            }
        }
    }
    UNIT_OK(bad == 0 && runs > 100000,
            "field_set matches the byte-at-a-time version: %zu of %zu differ",
            bad, runs);

    /* two specials: single and double spaces, space and control, a UTF-8
     * sequence cut by a control byte */
    bad = runs = 0;
    for (len = 2; len <= 40; len++) {
        memset(src, 'x', len);
        for (k = 0; k + 1 < len; k++) {
            for (s = 0; s < sizeof(specials); s++) {
                for (i = 0; i < sizeof(specials); i++) {
                    src[k] = specials[s];
                    src[k + 1] = specials[i];
                    runs += 3;
                    bad += !field_set_agrees(src, len, len + 1);
                    bad += !field_set_agrees(src, len, len / 2 + 1);
                    bad += !field_set_agrees(src, len, 9);
                    src[k] = src[k + 1] = 'x';
                }
            }
        }
    }
    UNIT_OK(bad == 0, "field_set with two special bytes: %zu of %zu differ",
            bad, runs);

    /* the cases the fast paths were written for, spelled out */
    memset(src, 'A', 100);
    src[100] = '\x01';
    memcpy(src + 101, "tail", 4);
    UNIT_INT(s3u_field_set(buf, sizeof(buf), src, 105), 104,
             "long ASCII run, a control byte, a run: one value");
    UNIT_OK(memcmp(buf, src, 100) == 0 && strcmp(buf + 100, "tail") == 0,
            "the control byte is dropped, the runs joined");

    memset(src, 'A', 40);
    memcpy(src + 40, "\xc3\xa9" "B", 3);
    UNIT_INT(s3u_field_set(buf, 42, src, 43), 40,
             "a cut on a UTF-8 lead byte after a long run: the character"
             " is left out");
    UNIT_INT(s3u_field_set(buf, 43, src, 43), 42,
             "with room for it: kept whole");
    UNIT_OK(memcmp(buf + 40, "\xc3\xa9", 3) == 0, "and terminated after it");

    memset(src, 'A', 30);
    memcpy(src + 30, "\xf0\x9f\x98\x80" "B", 5);
    for (size = 31; size <= 34; size++) {
        s3u_field_set(buf, size, src, 35);
        UNIT_INT(strlen(buf), 30,
                 "a 4-byte sequence cut at size %zu: backed off whole", size);
    }

    memset(src, 'A', 20);
    memcpy(src + 20, " BCD", 4);
    UNIT_INT(s3u_field_set(buf, 22, src, 24), 20,
             "a cut right after a single space inside a run: no trailing"
             " space");
    UNIT_INT(s3u_field_set(buf, 23, src, 24), 22,
             "one byte more: the space and the byte after it");

    memcpy(src, "Access Denied", 13);
    UNIT_INT(s3u_field_set(buf, sizeof(buf), src, 13), 13,
             "S3's message: one run with its space");
    UNIT_STR(buf, "Access Denied", "copied as it is");

    memcpy(src, "Access  Denied ", 15);
    s3u_field_set(buf, sizeof(buf), src, 15);
    UNIT_STR(buf, "Access Denied", "a double space folded, a trailing one"
             " dropped");

    UNIT_INT(s3u_field_set(buf, sizeof(buf), "", 0), 0, "empty value");
    UNIT_STR(buf, "", "empty value: empty field");
}


/* --- the judge --------------------------------------------------------- */

static void
test_judge(void)
{
    char           junk[sizeof(s3u_finding_t)];
    s3u_form_t     form;
    s3u_finding_t  a, b;

    memset(&form, 0, sizeof(form));
    form.format = "test";
    form.origin = S3U_ORIGIN_S3;
    form.code = s3u_span("AccessDenied", 12);
    form.message = s3u_span("Access Denied", 13);
    form.request_id = s3u_span("4Y5GQ1WJ8W1XJ0J5", 16);
    form.host_id = s3u_span(NULL, 7);

    /* the finding is the same whatever was in it before: no byte left */
    memset(junk, 0xa5, sizeof(junk));
    memcpy(&a, junk, sizeof(a));
    memset(&b, 0, sizeof(b));
    s3u_judge(&form, &a);
    s3u_judge(&form, &b);
    UNIT_OK(s3u_ref_same_finding(&a, &b) && fields_terminated(&a),
            "judge: the same finding over garbage and over zeroes");
    UNIT_STR(a.code, "AccessDenied", "judge: the code");
    UNIT_STR(a.service, "s3", "judge: the service");
    UNIT_STR(a.message, "Access Denied", "judge: the message");
    UNIT_STR(a.request_id, "4Y5GQ1WJ8W1XJ0J5", "judge: the request id");
    UNIT_STR(a.host_id, "", "judge: a span without data is empty");

    form.code = s3u_span(NULL, 12);
    s3u_judge(&form, &a);
    UNIT_STR(verdict(&a), "none", "judge: a code without data is no code");
    UNIT_INT(a.parsed, 1, "judge: still parsed");

    form.code = s3u_span("Forbidden", 9);
    form.origin = S3U_ORIGIN_UNKNOWN;
    form.status = 403;
    form.message = s3u_span(NULL, 0);
    s3u_judge(&form, &a);
    UNIT_STR(verdict(&a), "denial", "judge: Forbidden with a 403 is a denial");
    UNIT_STR(a.code, "Forbidden", "judge: its code");

    form.status = 500;
    form.origin = S3U_ORIGIN_S3;
    s3u_judge(&form, &a);
    UNIT_STR(verdict(&a), "s3-error",
             "judge: Forbidden with a 500 from S3 is an s3-error");
    UNIT_INT(a.s3_status, 403, "judge: with the table's status");

    form.code = s3u_span("KMS.NotFoundException", 21);
    memcpy(&a, junk, sizeof(a));
    s3u_judge(&form, &a);
    UNIT_STR(a.code, "KMS.NotFoundException",
             "judge: a code from the table, terminated over garbage");

    form.code = s3u_span("SlowDown", 8);
    form.message = s3u_span("User: x is not authorized to perform: S3:GetObject",
                            50);
    s3u_judge(&form, &a);
    UNIT_STR(verdict(&a), "s3-error",
             "judge: an s3: action in any case keeps an s3-error");
    form.message = s3u_span("User: x is not authorized to perform: s4:GetObject",
                            50);
    s3u_judge(&form, &a);
    UNIT_STR(verdict(&a), "none", "judge: another prefix does not");
}


static void
test_nested_json_strings(void)
{
    s3u_finding_t  f;

    detect("{\"error\":\"States.TaskFailed\",\"cause\":\"{\\\"errorType\\\":"
           "\\\"AccessDenied\\\",\\\"errorMessage\\\":\\\"Access Denied\\\","
           "\\\"trace\\\":[]}\"}", &f);
    UNIT_STR(verdict(&f), "denial", "a payload kept as a JSON string");
    UNIT_STR(f.format, "lambda-node-v2", "its form is the inner payload's");

    detect("{\"a\":\"{\\\"b\\\":\\\"{\\\\\\\"c\\\\\\\":\\\\\\\"{}\\\\\\\"}\\\"}\"}",
           &f);
    UNIT_STR(verdict(&f), "none", "JSON in JSON in JSON: bounded, nothing found");

    detect("{\"a\":1} trailing", &f);
    UNIT_INT(f.parsed, 0, "JSON with trailing garbage is not a document");
}


static void
test_status_table(void)
{
    UNIT_INT(s3u_s3_error_status("AccessDenied"), 403, "AccessDenied 403");
    UNIT_INT(s3u_s3_error_status("SignatureDoesNotMatch"), 403, "SignatureDoesNotMatch 403");
    UNIT_INT(s3u_s3_error_status("InvalidAccessKeyId"), 403, "InvalidAccessKeyId 403");
    UNIT_INT(s3u_s3_error_status("RequestTimeTooSkewed"), 403, "RequestTimeTooSkewed 403");
    UNIT_INT(s3u_s3_error_status("ExpiredToken"), 400, "ExpiredToken 400");
    UNIT_INT(s3u_s3_error_status("InvalidToken"), 400, "InvalidToken 400");
    UNIT_INT(s3u_s3_error_status("NoSuchKey"), 404, "NoSuchKey 404");
    UNIT_INT(s3u_s3_error_status("NoSuchBucket"), 404, "NoSuchBucket 404");
    UNIT_INT(s3u_s3_error_status("AccessControlListNotSupported"), 400,
             "AccessControlListNotSupported 400");
    UNIT_INT(s3u_s3_error_status("AllAccessDisabled"), 403, "AllAccessDisabled 403");
    UNIT_INT(s3u_s3_error_status("AccountProblem"), 403, "AccountProblem 403");
    UNIT_INT(s3u_s3_error_status("InvalidObjectState"), 403, "InvalidObjectState 403");
    UNIT_INT(s3u_s3_error_status("KMS.NotFoundException"), 400, "KMS.NotFoundException 400");
    UNIT_INT(s3u_s3_error_status("MethodNotAllowed"), 405, "MethodNotAllowed 405");
    UNIT_INT(s3u_s3_error_status("SlowDown"), 503, "SlowDown 503");
    UNIT_INT(s3u_s3_error_status("AccessDeniedException"), 0, "not an S3 code");
    UNIT_INT(s3u_s3_error_status("accessdenied"), 0, "codes are case-sensitive");
    UNIT_INT(s3u_s3_error_status(""), 0, "empty code");
    UNIT_INT(s3u_s3_error_status(NULL), 0, "NULL code");
}


/* a Node v2 error's statusCode: three digits are read without strtod,
 * every other number with it; "Forbidden" from a form that does not name
 * S3 is a denial only with status 403 */
static void
test_status_numbers(void)
{
    size_t         i;
    char           body[160];
    s3u_finding_t  f;

    static const struct {
        const char  *status;
        const char  *verdict;
    } cases[] = {
        { "403", "denial" },
        { "403.0", "denial" },
        { "4.03e2", "denial" },
        { "403e0", "denial" },
        { "404", "none" },
        { "402", "none" },
        { "413", "none" },
        { "503", "none" },
        { "600", "none" },
        { "099", "none" },
        { "-403", "none" },
        { "4030", "none" },
        { "40", "none" },
        { "404.9", "none" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(body, sizeof(body), "{\"code\":\"Forbidden\","
                 "\"statusCode\":%s,\"requestId\":\"R\"}", cases[i].status);
        detect(body, &f);
        UNIT_STR(verdict(&f), cases[i].verdict, "statusCode %s",
                 cases[i].status);
    }
}


int
main(void)
{
    test_corpus();
    test_message_grammar();
    test_other_services();
    test_sdk_forms();
    test_lookalikes();
    test_meta();
    test_fields_are_safe();
    test_hostile();
    test_nested_json_strings();
    test_fuzz_regressions();
    test_status_table();
    test_field_set_fast_paths();
    test_judge();
    test_status_numbers();

    return UNIT_DONE();
}
