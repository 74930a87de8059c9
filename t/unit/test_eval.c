/*
 * The evaluation core: same- and cross-account rules, principal forms and
 * what they bypass, layer attribution, access points, SSE-KMS, trust
 * policies, every condition operator family through a policy (with the
 * missing-key cases), and the explanations.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit.h"

#include "policy/s3u_eval.h"
#include "policy/s3u_policy.h"


#define ROLE     "arn:aws:iam::111122223333:role/app"
#define SESSION  "arn:aws:sts::111122223333:assumed-role/app/fn"
#define BUCKET   "arn:aws:s3:::b"
#define OBJECT   "arn:aws:s3:::b/k.txt"
#define AP       "arn:aws:s3:us-east-1:222233334444:accesspoint/ap"
#define AP_OBJ   AP "/object/k.txt"
#define KEY      "arn:aws:kms:us-east-1:222233334444:key/k1"

typedef struct {
    s3u_policy_t  *all[64];
    size_t         n;
} reg_t;


static const s3u_policy_t *
pol(reg_t *r, s3u_policy_kind_t kind, const char *text)
{
    s3u_json_doc_t  *doc;
    s3u_error_t      err;
    s3u_policy_t    *p;

    doc = s3u_json_parse("test", text, strlen(text), &err);
    p = doc ? s3u_policy_compile(doc, s3u_json_root(doc), kind, &err) : NULL;
    s3u_json_free(doc);
    if (p == NULL) {
        printf("# policy does not compile: %s:%u:%u: %s\n", err.file,
               err.line, err.column, err.message);
        return NULL;
    }
    r->all[r->n++] = p;
    return p;
}


static void
reg_free(reg_t *r)
{
    size_t  i;

    for (i = 0; i < r->n; i++) {
        s3u_policy_free(r->all[i]);
    }
    r->n = 0;
}


#define ALLOW_ID(act, res)                                                    \
    "{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Allow\","    \
    " \"Action\": \"" act "\", \"Resource\": \"" res "\"}}"

#define GRANT(who, act, res)                                                  \
    "{\"Version\": \"2012-10-17\", \"Statement\": {\"Sid\": \"Grant\","       \
    " \"Effect\": \"Allow\", \"Principal\": " who ", \"Action\": \"" act      \
    "\", \"Resource\": \"" res "\"}}"


static void
expect(const s3u_eval_input_t *in, s3u_decision_t d, s3u_layer_t layer,
    const char *what)
{
    s3u_eval_result_t  res;

    UNIT_INT(s3u_eval(in, &res), 0, "%s: evaluates", what);
    UNIT_STR(s3u_eval_decision_name(res.decision), s3u_eval_decision_name(d),
             "%s: decision", what);
    UNIT_STR(s3u_layer_name(res.layer), s3u_layer_name(layer),
             "%s: layer", what);
    if (res.decision != d || res.layer != layer) {
        printf("#   reason: %s\n", res.reason);
    }
}


static void
base(s3u_eval_input_t *in, const char *principal, const char *resource)
{
    memset(in, 0, sizeof(*in));
    in->principal = principal;
    in->action = "s3:PutObject";
    in->resource = resource;
}


static void
test_accounts(void)
{
    reg_t                 r = { .n = 0 };
    s3u_eval_input_t      in;
    const s3u_policy_t   *id[1], *scp_allow[1], *scp_deny_only[1];
    s3u_plist_t           scp[2];

    /* same account: identity alone */
    base(&in, "arn:aws:sts::222233334444:assumed-role/app/fn", OBJECT);
    in.bucket.present = 1;
    in.bucket.arn = BUCKET;
    in.bucket.account = "222233334444";
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "same account, nothing grants");
    id[0] = pol(&r, S3U_POLICY_IDENTITY, ALLOW_ID("s3:Put*", "arn:aws:s3:::b/*"));
    in.identity.docs = id;
    in.identity.n = 1;
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "same account, identity grants");

    /* same account: the bucket policy alone */
    in.identity.n = 0;
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
                           GRANT("{\"AWS\": \"arn:aws:iam::222233334444:role/app\"}",
                                 "s3:PutObject", "arn:aws:s3:::b/*"));
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "same account, bucket grants role");

    /* ... a role grant is limited by the boundary */
    in.boundary = pol(&r, S3U_POLICY_IDENTITY, ALLOW_ID("s3:GetObject", "*"));
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_BOUNDARY,
           "same account, role grant limited by the boundary");
    /* ... a session grant is not */
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        GRANT("{\"AWS\": \"arn:aws:sts::222233334444:assumed-role/app/fn\"}",
              "s3:PutObject", "arn:aws:s3:::b/*"));
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE,
           "same account, session grant bypasses the boundary");
    /* ... an account grant delegates to identity policies */
    in.boundary = NULL;
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        GRANT("{\"AWS\": \"222233334444\"}", "s3:PutObject", "*"));
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "same account, account grant needs identity");

    /* session policy limits identity grants */
    in.identity.n = 1;
    in.session = pol(&r, S3U_POLICY_IDENTITY, ALLOW_ID("s3:GetObject", "*"));
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_SESSION,
           "session policy limits the identity grant");
    in.session = NULL;

    /* cross-account: both sides */
    base(&in, SESSION, OBJECT);
    in.bucket.present = 1;
    in.bucket.arn = BUCKET;
    in.bucket.account = "222233334444";
    in.identity.docs = id;
    in.identity.n = 1;
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_BUCKET,
           "cross-account, identity only");
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
                           GRANT("{\"AWS\": \"" ROLE "\"}", "s3:PutObject",
                                 "arn:aws:s3:::b/*"));
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "cross-account, both grant");
    in.identity.n = 0;
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "cross-account, bucket only");
    in.identity.n = 1;
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        GRANT("{\"AWS\": \"arn:aws:iam::111122223333:root\"}", "s3:*", "*"));
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "cross-account, account grant");
    in.boundary = pol(&r, S3U_POLICY_IDENTITY, ALLOW_ID("s3:GetObject", "*"));
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_BOUNDARY,
           "cross-account, the boundary always limits");
    in.boundary = NULL;

    /* SCP levels: every level needs an Allow */
    scp_allow[0] = pol(&r, S3U_POLICY_IDENTITY, ALLOW_ID("*", "*"));
    scp_deny_only[0] = pol(&r, S3U_POLICY_IDENTITY,
        "{\"Statement\": {\"Effect\": \"Deny\", \"Action\": \"ec2:*\","
        " \"Resource\": \"*\"}}");
    scp[0].docs = scp_allow;
    scp[0].n = 1;
    scp[1].docs = scp_deny_only;
    scp[1].n = 1;
    in.scp = scp;
    in.nscp = 2;
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_SCP, "an SCP level without Allow");
    in.nscp = 1;
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "SCP levels all allow");

    /* RCPs: the implicit RCPFullAWSAccess; only explicit denies count */
    in.rcp = scp + 1;
    in.nrcp = 1;
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "RCP level without Allow allows");
    in.nrcp = 0;

    /* anonymous: only a "*" grant, SCPs do not apply */
    base(&in, "anonymous", OBJECT);
    in.action = "s3:GetObject";
    in.bucket.present = 1;
    in.bucket.arn = BUCKET;
    in.bucket.account = "222233334444";
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        GRANT("{\"AWS\": \"222233334444\"}", "s3:GetObject", "*"));
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_BUCKET,
           "anonymous, an account grant does not cover it");
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
                           GRANT("\"*\"", "s3:GetObject", "arn:aws:s3:::b/*"));
    in.scp = scp + 1;
    in.nscp = 1;
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "anonymous, public read");

    reg_free(&r);
}


static void
test_deny_order(void)
{
    reg_t                 r = { .n = 0 };
    s3u_eval_input_t      in;
    const s3u_policy_t   *id[1], *scp_doc[1];
    s3u_plist_t           scp[1];
    s3u_eval_result_t     res;

    base(&in, SESSION, OBJECT);
    id[0] = pol(&r, S3U_POLICY_IDENTITY,
        "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\","
        " \"Resource\": \"*\"}, {\"Sid\": \"NoPut\", \"Effect\": \"Deny\","
        " \"Action\": \"s3:PUTOBJECT\", \"Resource\": \"*\"}]}");
    in.identity.docs = id;
    in.identity.n = 1;
    in.bucket.present = 1;
    in.bucket.arn = BUCKET;
    in.bucket.account = "222233334444";
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\","
        " \"Action\": \"s3:*\", \"Resource\": \"*\"}, {\"Sid\": \"BDeny\","
        " \"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:*\","
        " \"Resource\": \"arn:aws:s3:::b/*\"}]}");
    expect(&in, S3U_EXPLICIT_DENY, S3U_LAYER_IDENTITY,
           "identity deny comes before bucket deny (actions ignore case)");
    UNIT_INT(s3u_eval(&in, &res), 0, "evaluates");
    UNIT_OK(res.stmt != NULL && res.stmt->sid != NULL
            && strcmp(res.stmt->sid, "NoPut") == 0, "the deny statement");

    scp_doc[0] = pol(&r, S3U_POLICY_IDENTITY,
        "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\","
        " \"Resource\": \"*\"}, {\"Effect\": \"Deny\", \"NotAction\":"
        " \"s3:Get*\", \"Resource\": \"*\"}]}");
    scp[0].docs = scp_doc;
    scp[0].n = 1;
    in.scp = scp;
    in.nscp = 1;
    expect(&in, S3U_EXPLICIT_DENY, S3U_LAYER_SCP,
           "SCP deny (NotAction) comes first");
    UNIT_INT(s3u_eval(&in, &res), 0, "evaluates");
    UNIT_OK(res.stmt != NULL && res.stmt->sid == NULL
            && res.stmt->index == 1, "statement without Sid: by index");

    in.action = "s3:GetObject";
    expect(&in, S3U_EXPLICIT_DENY, S3U_LAYER_BUCKET,
           "NotAction excludes GetObject; the bucket deny remains");

    /* NotPrincipal Deny applies to anyone with a boundary */
    in.nscp = 0;
    in.identity.n = 0;
    in.action = "s3:PutObject";
    in.identity.docs = id;
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        "{\"Statement\": {\"Effect\": \"Deny\", \"NotPrincipal\": {\"AWS\":"
        " [\"" SESSION "\", \"" ROLE "\", \"111122223333\"]}, \"Action\":"
        " \"s3:*\", \"Resource\": \"*\"}}");
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "NotPrincipal lists the whole chain: exempt");
    in.boundary = pol(&r, S3U_POLICY_IDENTITY, ALLOW_ID("s3:*", "*"));
    expect(&in, S3U_EXPLICIT_DENY, S3U_LAYER_BUCKET,
           "NotPrincipal Deny with a boundary: denied");
    reg_free(&r);
}


static void
test_access_point(void)
{
    reg_t                 r = { .n = 0 };
    s3u_eval_input_t      in;
    const s3u_policy_t   *id[1];
    const char           *keys_v[2][1] = { { "222233334444" }, { AP } };
    s3u_ctx_entry_t       e[2] = {
        { "s3:DataAccessPointAccount", keys_v[0], 1 },
        { "s3:DataAccessPointArn", keys_v[1], 1 },
    };
    s3u_ctx_t             ctx = { e, 2 };

    base(&in, SESSION, AP_OBJ);
    in.ctx = &ctx;
    id[0] = pol(&r, S3U_POLICY_IDENTITY, ALLOW_ID("s3:PutObject", AP "/object/*"));
    in.identity.docs = id;
    in.identity.n = 1;
    in.access_point.present = 1;
    in.access_point.arn = AP;
    in.access_point.account = "222233334444";
    in.access_point.bucket = "b";
    in.bucket.present = 1;
    in.bucket.arn = BUCKET;
    in.bucket.account = "222233334444";
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        "{\"Statement\": {\"Effect\": \"Allow\", \"Principal\": {\"AWS\":"
        " \"*\"}, \"Action\": \"*\", \"Resource\": [\"arn:aws:s3:::b\","
        " \"arn:aws:s3:::b/*\"], \"Condition\": {\"StringEquals\":"
        " {\"s3:DataAccessPointAccount\": \"222233334444\"}}}}");
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_ACCESS_POINT,
           "access point without a policy, cross-account");
    in.access_point.policy = pol(&r, S3U_POLICY_RESOURCE,
        GRANT("{\"AWS\": \"" ROLE "\"}", "s3:PutObject", AP "/object/*"));
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "both sides permit (delegation)");
    in.bucket.policy = NULL;
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_BUCKET, "no bucket policy");
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        GRANT("{\"AWS\": \"" ROLE "\"}", "s3:PutObject", "arn:aws:s3:::b/*"));
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE,
           "bucket side by a duplicated grant on the bucket ARN");
    in.ctx = NULL;
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        "{\"Statement\": {\"Effect\": \"Allow\", \"Principal\": \"*\","
        " \"Action\": \"*\", \"Resource\": \"arn:aws:s3:::b/*\","
        " \"Condition\": {\"StringEquals\": {\"s3:DataAccessPointAccount\":"
        " \"222233334444\"}}}}");
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_BUCKET,
           "delegation needs the access point keys in the context");

    /* the VPC endpoint policy must allow both ARNs */
    in.ctx = &ctx;
    in.vpce = pol(&r, S3U_POLICY_RESOURCE,
                  GRANT("\"*\"", "s3:PutObject", AP "/object/*"));
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_VPCE,
           "endpoint policy names only the access point");
    reg_free(&r);
}


static void
test_kms_and_trust(void)
{
    reg_t                 r = { .n = 0 };
    s3u_eval_input_t      in;
    const s3u_policy_t   *id[1];
    s3u_eval_result_t     res;

    base(&in, "arn:aws:sts::222233334444:assumed-role/app/fn", OBJECT);
    id[0] = pol(&r, S3U_POLICY_IDENTITY,
        "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [\"s3:PutObject\","
        " \"kms:GenerateDataKey\"], \"Resource\": \"*\"}}");
    in.identity.docs = id;
    in.identity.n = 1;
    in.bucket.present = 1;
    in.bucket.arn = BUCKET;
    in.bucket.account = "222233334444";
    in.kms.present = 1;
    in.kms.arn = KEY;
    in.kms.account = "222233334444";
    in.kms.policy = pol(&r, S3U_POLICY_RESOURCE,
        GRANT("{\"AWS\": \"arn:aws:iam::444455556666:root\"}", "kms:*", "*"));
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_KMS,
           "key policy grants neither the caller nor its account");
    UNIT_INT(s3u_eval(&in, &res), 0, "evaluates");
    UNIT_STR(res.action, "kms:GenerateDataKey", "PutObject needs"
             " kms:GenerateDataKey");
    in.kms.policy = pol(&r, S3U_POLICY_RESOURCE,
        GRANT("{\"AWS\": \"arn:aws:iam::222233334444:root\"}", "kms:*", "*"));
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE,
           "key policy enables IAM policies; identity allows");
    in.action = "s3:GetObject";
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "GetObject needs kms:Decrypt, which identity does not allow");

    /* a direct KMS call on the key */
    in.action = "kms:GenerateDataKey";
    in.resource = KEY;
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "direct KMS call");
    in.kms.policy = NULL;
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_KMS,
           "a key without a policy grants nothing, even in its account");

    /* sts:AssumeRole against a trust policy */
    base(&in, SESSION, "arn:aws:iam::222233334444:role/writer");
    in.action = "sts:AssumeRole";
    id[0] = pol(&r, S3U_POLICY_IDENTITY,
                ALLOW_ID("sts:AssumeRole", "arn:aws:iam::222233334444:role/*"));
    in.identity.docs = id;
    in.identity.n = 1;
    in.role.present = 1;
    in.role.arn = "arn:aws:iam::222233334444:role/writer";
    in.role.account = "222233334444";
    in.role.policy = pol(&r, S3U_POLICY_TRUST,
        "{\"Statement\": {\"Effect\": \"Allow\", \"Principal\": {\"AWS\":"
        " \"" ROLE "\"}, \"Action\": \"sts:AssumeRole\"}}");
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "trusted role assumes");
    in.identity.n = 0;
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "cross-account AssumeRole needs an identity grant");
    in.identity.n = 1;
    in.principal = "arn:aws:sts::111122223333:assumed-role/other/x";
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_TRUST, "untrusted role");
    reg_free(&r);
}


/* one condition through a bucket policy grant: allowed or not */
typedef struct {
    const char  *op;
    const char  *value;         /* JSON value in the policy */
    const char  *ctx;           /* request value; NULL: key absent */
    int          allowed;
} cond_case_t;


static void
test_operators(void)
{
    static const cond_case_t  cases[] = {
        { "StringEquals", "\"a\"", "a", 1 },
        { "StringEquals", "\"a\"", "A", 0 },
        { "StringEquals", "\"a\"", NULL, 0 },
        { "StringNotEquals", "\"a\"", "b", 1 },
        { "StringNotEquals", "\"a\"", NULL, 1 },
        { "StringNotEquals", "[\"a\", \"b\"]", "b", 0 },
        { "StringEqualsIgnoreCase", "\"abc\"", "ABC", 1 },
        { "StringNotEqualsIgnoreCase", "\"abc\"", "ABC", 0 },
        { "StringLike", "\"a*c\"", "abbc", 1 },
        { "StringLike", "\"a?c\"", "abbc", 0 },
        { "StringLike", "\"a*\"", NULL, 0 },
        { "StringNotLike", "\"a*\"", NULL, 1 },
        { "StringEqualsIfExists", "\"a\"", NULL, 1 },
        { "StringEqualsIfExists", "\"a\"", "b", 0 },
        { "NumericLessThan", "10", "9", 1 },
        { "NumericLessThan", "\"10\"", "10", 0 },
        { "NumericGreaterThanEquals", "1.2", "1.2", 1 },
        { "NumericEquals", "5", NULL, 0 },
        { "NumericNotEquals", "5", NULL, 1 },
        { "DateLessThan", "\"2030-01-01T00:00:00Z\"", "2026-11-28T00:00:00Z",
          1 },
        { "DateGreaterThan", "\"2030-01-01T00:00:00Z\"", "1700000000", 0 },
        { "DateEquals", "\"2020-01-01T00:00:00Z\"", NULL, 0 },
        { "DateNotEquals", "\"2020-01-01T00:00:00Z\"", NULL, 1 },
        { "Bool", "\"true\"", "true", 1 },
        { "Bool", "true", "false", 0 },
        { "Bool", "\"true\"", NULL, 0 },
        { "BoolIfExists", "\"false\"", NULL, 1 },
        { "BinaryEquals", "\"aGVsbG8=\"", "aGVsbG8=", 1 },
        { "BinaryEquals", "\"aGVsbG8=\"", NULL, 0 },
        { "IpAddress", "\"203.0.113.0/24\"", "203.0.113.10", 1 },
        { "IpAddress", "\"203.0.113.0/24\"", "198.51.100.1", 0 },
        { "IpAddress", "\"2001:db8::/32\"", "2001:db8::1", 1 },
        { "IpAddress", "\"203.0.113.0/24\"", NULL, 0 },
        { "NotIpAddress", "\"203.0.113.0/24\"", NULL, 1 },
        { "NotIpAddress", "\"203.0.113.0/24\"", "203.0.113.9", 0 },
        { "ArnLike", "\"arn:aws:iam::*:role/app\"", ROLE, 1 },
        { "ArnLike", "\"arn:aws:iam::1*\"", ROLE, 0 },
        { "ArnEquals", "\"" ROLE "\"", NULL, 0 },
        { "ArnNotLike", "\"arn:aws:iam::*:role/x\"", NULL, 1 },
        { "ArnNotEquals", "\"" ROLE "\"", ROLE, 0 },
        { "Null", "\"true\"", NULL, 1 },
        { "Null", "\"true\"", "x", 0 },
        { "Null", "\"false\"", NULL, 0 },
        { "Null", "\"false\"", "x", 1 },
        { "ForAnyValue:StringLike", "\"o-1/*\"", NULL, 0 },
        { "ForAnyValue:StringLike", "\"o-1/*\"", "o-1/r/ou", 1 },
        { "ForAllValues:StringEquals", "\"a\"", NULL, 1 },
        { "ForAllValues:StringEquals", "\"a\"", "b", 0 },
    };
    reg_t               r = { .n = 0 };
    s3u_eval_input_t    in;
    s3u_eval_result_t   res;
    const char         *vals[1];
    s3u_ctx_entry_t     e[1] = { { "test:key", vals, 1 } };
    s3u_ctx_t           ctx = { e, 1 };
    char                text[1024];
    size_t              i;
    const s3u_policy_t *p;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text),
                 "{\"Statement\": {\"Effect\": \"Allow\", \"Principal\":"
                 " \"*\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\","
                 " \"Condition\": {\"%s\": {\"TEST:Key\": %s}}}}",
                 cases[i].op, cases[i].value);
        p = pol(&r, S3U_POLICY_RESOURCE, text);
        UNIT_OK(p != NULL, "%s %s compiles", cases[i].op, cases[i].value);
        if (p == NULL) {
            continue;
        }
        base(&in, "anonymous", OBJECT);
        in.action = "s3:GetObject";
        in.bucket.present = 1;
        in.bucket.arn = BUCKET;
        in.bucket.account = "222233334444";
        in.bucket.policy = p;
        vals[0] = cases[i].ctx;
        in.ctx = cases[i].ctx ? &ctx : NULL;
        s3u_eval(&in, &res);
        UNIT_INT(res.decision == S3U_ALLOW, cases[i].allowed,
                 "%s %s with %s%s%s: %s", cases[i].op, cases[i].value,
                 cases[i].ctx ? "\"" : "", cases[i].ctx ? cases[i].ctx
                 : "the key absent", cases[i].ctx ? "\"" : "",
                 cases[i].allowed ? "matches" : "does not match");
    }
    reg_free(&r);
}


static void
test_variables_and_explain(void)
{
    reg_t               r = { .n = 0 };
    s3u_eval_input_t    in;
    s3u_eval_result_t   res;
    const s3u_policy_t *id[1];
    const char         *team[1] = { "payments" };
    s3u_ctx_entry_t     e[1] = { { "aws:PrincipalTag/team", team, 1 } };
    s3u_ctx_t           ctx = { e, 1 };
    char                text[4096];
    cJSON              *json;

    base(&in, "arn:aws:sts::222233334444:assumed-role/app/fn",
         "arn:aws:s3:::b/payments/x");
    id[0] = pol(&r, S3U_POLICY_IDENTITY,
        ALLOW_ID("s3:PutObject", "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"));
    in.identity.docs = id;
    in.identity.n = 1;
    in.ctx = &ctx;
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "variable resolves");
    in.ctx = NULL;
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "unresolved variable matches nothing");

    /* a request value is never a wildcard: a tag of "*" grants only "*" */
    team[0] = "*";
    in.ctx = &ctx;
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "a substituted \"*\" is literal");
    in.resource = "arn:aws:s3:::b/*/x";
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "and matches a literal \"*\"");
    in.resource = "arn:aws:s3:::b/payments/x";
    team[0] = "payments";

    /* Version 2008-10-17: ${...} is literal text */
    id[0] = pol(&r, S3U_POLICY_IDENTITY,
        "{\"Version\": \"2008-10-17\", \"Statement\": {\"Effect\": \"Allow\","
        " \"Action\": \"s3:PutObject\", \"Resource\":"
        " \"arn:aws:s3:::b/${aws:PrincipalTag/team}/*\"}}");
    in.ctx = &ctx;
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "2008-10-17: no variables");
    in.resource = "arn:aws:s3:::b/${aws:PrincipalTag/team}/x";
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "2008-10-17: literal match");

    /* ... and in condition values */
    {
        const char       *lit[1] = { "${aws:username}" };
        s3u_ctx_entry_t   le[1] = { { "test:key", lit, 1 } };
        s3u_ctx_t         lctx = { le, 1 };

        id[0] = pol(&r, S3U_POLICY_IDENTITY,
            "{\"Version\": \"2008-10-17\", \"Statement\": {\"Effect\":"
            " \"Allow\", \"Action\": \"s3:PutObject\", \"Resource\": \"*\","
            " \"Condition\": {\"StringEquals\": {\"test:key\":"
            " \"${aws:username}\"}}}}");
        in.ctx = &lctx;
        expect(&in, S3U_ALLOW, S3U_LAYER_NONE,
               "2008-10-17: a condition value with ${...} is literal");
        id[0] = pol(&r, S3U_POLICY_IDENTITY,
            "{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\":"
            " \"Allow\", \"Action\": \"s3:PutObject\", \"Resource\": \"*\","
            " \"Condition\": {\"StringEquals\": {\"test:key\":"
            " \"${aws:username}\"}}}}");
        expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
               "2012-10-17: the same value is a variable (absent here)");
        in.ctx = &ctx;
    }

    /* resources are case-sensitive */
    id[0] = pol(&r, S3U_POLICY_IDENTITY, ALLOW_ID("s3:PutObject",
                                                 "arn:aws:s3:::B/*"));
    in.resource = "arn:aws:s3:::b/k";
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "Resource is case-sensitive");

    /* the explanation names the failing condition */
    base(&in, SESSION, OBJECT);
    in.identity.docs = id;
    in.identity.n = 0;
    in.bucket.present = 1;
    in.bucket.arn = BUCKET;
    in.bucket.account = "111122223333";
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        "{\"Statement\": [{\"Sid\": \"Far\", \"Effect\": \"Allow\","
        " \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:role/x\"},"
        " \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::c/*\"},"
        " {\"Sid\": \"Near\", \"Effect\": \"Allow\", \"Principal\": {\"AWS\":"
        " \"" ROLE "\"}, \"Action\": \"s3:PutObject\", \"Resource\":"
        " \"arn:aws:s3:::b/*\", \"Condition\": {\"StringEquals\":"
        " {\"aws:SourceAccount\": \"111122223333\"}}}]}");
    UNIT_INT(s3u_eval(&in, &res), 0, "evaluates");
    UNIT_INT(res.decision, S3U_IMPLICIT_DENY, "implicit deny");
    UNIT_INT(res.layer, S3U_LAYER_IDENTITY,
             "same account, no grant: identity is the unmet layer");
    in.bucket.account = "999999999999";
    in.identity.n = 1;
    id[0] = pol(&r, S3U_POLICY_IDENTITY, ALLOW_ID("s3:*", "*"));
    UNIT_INT(s3u_eval(&in, &res), 0, "evaluates");
    UNIT_INT(res.layer, S3U_LAYER_BUCKET, "cross-account: bucket-policy");
    UNIT_INT(res.nclosest, 2, "both statements ranked");
    UNIT_OK(res.nclosest > 0 && res.closest[0].stmt->sid
            && strcmp(res.closest[0].stmt->sid, "Near") == 0,
            "the nearer statement first");
    UNIT_OK(res.nclosest > 0
            && strstr(res.closest[0].why, "aws:SourceAccount") != NULL
            && strstr(res.closest[0].why, "absent") != NULL,
            "why names the key and its absence: %s",
            res.nclosest ? res.closest[0].why : "");
    UNIT_OK(res.nclosest > 1
            && strstr(res.closest[1].why, "principal " SESSION " not named")
               != NULL, "the far one: principal not named: %s",
            res.nclosest > 1 ? res.closest[1].why : "");
    s3u_explain_text(&res, text, sizeof(text));
    UNIT_OK(strstr(text, "decision: ImplicitDeny\nlayer: bucket-policy\n")
            != NULL, "text output starts with decision and layer");
    json = s3u_explain_json(&res);
    UNIT_OK(json != NULL && cJSON_IsArray(cJSON_GetObjectItem(json,
                                                              "closest")),
            "JSON output has closest");
    UNIT_STR(cJSON_GetStringValue(cJSON_GetObjectItem(json, "layer")),
             "bucket-policy", "JSON layer");
    cJSON_Delete(json);
    reg_free(&r);
}


/* Action (case-insensitive) and Resource (case-sensitive) patterns */
static void
test_matchers(void)
{
    static const struct {
        const char  *field;     /* "Action", "NotAction", ... */
        const char  *pattern;
        const char  *action;
        const char  *resource;
        int          allowed;
    } cases[] = {
        { "Action", "s3:*Object*", "s3:PutObjectAcl", "arn:aws:s3:::b/k", 1 },
        { "Action", "s3:Get?bject", "s3:GetObject", "arn:aws:s3:::b/k", 1 },
        { "Action", "s3:Get?bject", "s3:GetObjectAcl", "arn:aws:s3:::b/k", 0 },
        { "Action", "S3:PUTOBJECT", "s3:PutObject", "arn:aws:s3:::b/k", 1 },
        { "Action", "s3:Put*", "s3:putobject", "arn:aws:s3:::b/k", 1 },
        { "Action", "s3:Put*", "kms:PutKeyPolicy", "arn:aws:s3:::b/k", 0 },
        { "Action", "*", "kms:Decrypt", "arn:aws:s3:::b/k", 1 },
        { "Action", "s3:*", "s3x:Get", "arn:aws:s3:::b/k", 0 },
        { "NotAction", "s3:Delete*", "s3:PutObject", "arn:aws:s3:::b/k", 1 },
        { "NotAction", "s3:Delete*", "s3:DeleteObject", "arn:aws:s3:::b/k", 0 },
        { "Resource", "arn:aws:s3:::b/*/test/*", "s3:PutObject",
          "arn:aws:s3:::b/1/2/test/x", 1 },
        { "Resource", "arn:aws:s3:::b/*/test/*", "s3:PutObject",
          "arn:aws:s3:::b//test/x", 1 },
        { "Resource", "arn:aws:s3:::b/*", "s3:PutObject",
          "arn:aws:s3:::b/a:b:c", 1 },
        { "Resource", "arn:aws:s3:::B/*", "s3:PutObject", "arn:aws:s3:::b/k",
          0 },
        { "Resource", "arn:aws:s3:::b/k?", "s3:PutObject", "arn:aws:s3:::b/k1",
          1 },
        { "Resource", "arn:aws:s3:::b/k?", "s3:PutObject",
          "arn:aws:s3:::b/k12", 0 },
        { "Resource", "arn:aws:s3:*:*:accesspoint/*", "s3:PutObject",
          AP_OBJ, 1 },
        { "Resource", "arn:aws:s3:::b", "s3:PutObject", "arn:aws:s3:::b/k",
          0 },
        { "Resource", "arn:aws:*:::b/k", "s3:PutObject", "arn:aws:s3:::b/k",
          1 },
        { "NotResource", "arn:aws:s3:::b/private/*", "s3:PutObject",
          "arn:aws:s3:::b/public/k", 1 },
        { "NotResource", "arn:aws:s3:::b/private/*", "s3:PutObject",
          "arn:aws:s3:::b/private/k", 0 },
    };
    reg_t               r = { .n = 0 };
    s3u_eval_input_t    in;
    s3u_eval_result_t   res;
    const s3u_policy_t *id[1];
    char                text[512];
    size_t              i;
    int                 is_action;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_action = strstr(cases[i].field, "Action") != NULL;
        snprintf(text, sizeof(text),
                 "{\"Statement\": {\"Effect\": \"Allow\", \"%s\": \"%s\","
                 " \"%s\": \"%s\"}}", cases[i].field, cases[i].pattern,
                 is_action ? "Resource" : "Action",
                 is_action ? "*" : "*");
        id[0] = pol(&r, S3U_POLICY_IDENTITY, text);
        if (id[0] == NULL) {
            UNIT_OK(0, "%s %s compiles", cases[i].field, cases[i].pattern);
            continue;
        }
        base(&in, "arn:aws:sts::222233334444:assumed-role/app/fn",
             cases[i].resource);
        in.action = cases[i].action;
        in.identity.docs = id;
        in.identity.n = 1;
        s3u_eval(&in, &res);
        UNIT_INT(res.decision == S3U_ALLOW, cases[i].allowed,
                 "%s %s %s %s %s", cases[i].field, cases[i].pattern,
                 cases[i].allowed ? "matches" : "does not match",
                 is_action ? cases[i].action : cases[i].resource,
                 cases[i].allowed ? "" : "");
    }
    reg_free(&r);
}


/* Service, Federated and CanonicalUser principals */
static void
test_principal_types(void)
{
    reg_t               r = { .n = 0 };
    s3u_eval_input_t    in;

    base(&in, "cloudtrail.amazonaws.com", "arn:aws:s3:::b/AWSLogs/x");
    in.bucket.present = 1;
    in.bucket.arn = BUCKET;
    in.bucket.account = "222233334444";
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        GRANT("{\"Service\": [\"cloudtrail.amazonaws.com\"]}",
              "s3:PutObject", "arn:aws:s3:::b/AWSLogs/*"));
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "service principal granted");
    in.principal = "config.amazonaws.com";
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_BUCKET,
           "another service is not");
    in.principal = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        GRANT("{\"CanonicalUser\": \"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be\"}",
              "s3:PutObject", "*"));
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "canonical user granted");

    /* a trust policy for web identity */
    base(&in, "cognito-identity.amazonaws.com",
         "arn:aws:iam::222233334444:role/web");
    in.action = "sts:AssumeRoleWithWebIdentity";
    in.role.present = 1;
    in.role.arn = "arn:aws:iam::222233334444:role/web";
    in.role.account = "222233334444";
    in.role.policy = pol(&r, S3U_POLICY_TRUST,
        "{\"Statement\": {\"Effect\": \"Allow\", \"Principal\":"
        " {\"Federated\": \"cognito-identity.amazonaws.com\"}, \"Action\":"
        " \"sts:AssumeRoleWithWebIdentity\"}}");
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE,
           "web identity: the trust policy names the provider");
    in.principal = "accounts.google.com";
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_TRUST,
           "web identity: another provider is not trusted");
    in.principal = "cognito-identity.amazonaws.com";
    in.action = "sts:AssumeRole";
    in.role.policy = pol(&r, S3U_POLICY_TRUST,
        "{\"Statement\": {\"Effect\": \"Allow\", \"Principal\":"
        " {\"Federated\": \"cognito-identity.amazonaws.com\"}, \"Action\":"
        " \"sts:AssumeRole\"}}");
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "federated principal trusted");
    reg_free(&r);
}


/* large resource policies use a principal index: same answers */
static void
test_index(void)
{
    reg_t               r = { .n = 0 };
    s3u_eval_input_t    in;
    s3u_eval_result_t   res;
    const s3u_policy_t *id[1];
    char               *text;
    size_t              len, i;

    text = malloc(65536);
    len = (size_t) snprintf(text, 65536, "{\"Statement\": [");
    for (i = 0; i < 40; i++) {
        len += (size_t) snprintf(text + len, 65536 - len,
            "%s{\"Sid\": \"S%zu\", \"Effect\": \"%s\", \"Principal\":"
            " %s, \"Action\": \"s3:PutObject\", \"Resource\":"
            " \"arn:aws:s3:::b/%s/*\"}", i ? ", " : "", i,
            (i == 7 || i == 30) ? "Deny" : "Allow",
            i == 30 ? "\"*\""
            : i % 10 == 9 ? "{\"AWS\": \"222233334444\"}"
            : i == 12 ? "{\"AWS\": [\"arn:aws:iam::111122223333:user/u\","
                        " \"arn:aws:iam::111122223333:role/r7\"]}"
            : "{\"AWS\": \"arn:aws:iam::111122223333:role/r%zu\"}",
            i == 7 || i == 30 ? "deny" : "p");
    }
    snprintf(text + len, 65536 - len, "]}");
    /* name the roles rA, rB, ... in order of appearance (statement 7,
     * a Deny, names rH) */
    for (i = 0; i < 40; i++) {
        char  *at = strstr(text, "role/r%zu");

        if (at == NULL) {
            break;
        }
        at[6] = (char) ('A' + i % 26);
        memmove(at + 7, at + 9, strlen(at + 9) + 1);
    }
    id[0] = pol(&r, S3U_POLICY_RESOURCE, text);
    UNIT_OK(id[0] != NULL && id[0]->indexed, "a 40-statement bucket policy"
            " is indexed");
    if (id[0] == NULL) {
        free(text);
        return;
    }
    UNIT_OK(id[0]->nalways > 0 && id[0]->npindex > 0, "both lists used");

    base(&in, "arn:aws:sts::111122223333:assumed-role/rA/s",
         "arn:aws:s3:::b/p/k");
    in.bucket.present = 1;
    in.bucket.arn = BUCKET;
    in.bucket.account = "111122223333";
    in.bucket.policy = id[0];
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "indexed role grant");
    in.principal = "arn:aws:sts::111122223333:assumed-role/nobody/s";
    expect(&in, S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "an unnamed role finds nothing");
    in.principal = "arn:aws:iam::111122223333:user/u";
    expect(&in, S3U_ALLOW, S3U_LAYER_NONE, "indexed user grant");
    in.resource = "arn:aws:s3:::b/deny/k";
    in.principal = "arn:aws:sts::111122223333:assumed-role/rH/s";
    UNIT_INT(s3u_eval(&in, &res), 0, "evaluates");
    UNIT_INT(res.decision, S3U_EXPLICIT_DENY, "indexed deny applies");
    UNIT_OK(res.stmt != NULL && res.stmt->index == 7,
            "the first deny in statement order (index 7, not the \"*\" at 30)");
    in.principal = "arn:aws:sts::111122223333:assumed-role/rB/s";
    UNIT_INT(s3u_eval(&in, &res), 0, "evaluates");
    UNIT_OK(res.decision == S3U_EXPLICIT_DENY && res.stmt != NULL
            && res.stmt->index == 30, "another role meets the \"*\" deny");
    free(text);
    reg_free(&r);
}


static void
test_speed(void)
{
    reg_t               r = { .n = 0 };
    s3u_eval_input_t    in;
    s3u_eval_result_t   res;
    const s3u_policy_t *id[1];
    struct timespec     t0, t1;
    double              secs;
    long                i, n = 200000;

    base(&in, SESSION, OBJECT);
    id[0] = pol(&r, S3U_POLICY_IDENTITY, ALLOW_ID("s3:PutObject", "*"));
    in.identity.docs = id;
    in.identity.n = 1;
    in.bucket.present = 1;
    in.bucket.arn = BUCKET;
    in.bucket.account = "222233334444";
    in.bucket.policy = pol(&r, S3U_POLICY_RESOURCE,
        GRANT("{\"AWS\": \"" ROLE "\"}", "s3:PutObject", "arn:aws:s3:::b/*"));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < n; i++) {
        s3u_eval(&in, &res);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double) (t1.tv_sec - t0.tv_sec)
           + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("# %.0f evaluations/s (%.2f us each)\n", n / secs,
           secs / n * 1e6);
    UNIT_OK(res.decision == S3U_ALLOW, "the timed evaluation allows");
    reg_free(&r);
}


int
main(void)
{
    test_accounts();
    test_deny_order();
    test_access_point();
    test_kms_and_trust();
    test_operators();
    test_variables_and_explain();
    test_matchers();
    test_principal_types();
    test_index();
    test_speed();
    return UNIT_DONE();
}
