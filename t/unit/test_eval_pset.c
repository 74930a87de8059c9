/*
 * Policy sets: the manifest, and resolving a request into the per-layer
 * form with the context AWS derives (principal, organization, tags, access
 * point keys, endpoint, SSE-KMS key, trust policy).  Each case writes a
 * small set into a temporary folder.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#include "policy/s3u_pset.h"


#define SESSION  "arn:aws:sts::111122223333:assumed-role/app/fn"
#define AP       "arn:aws:s3:us-east-1:222233334444:accesspoint/ap"
#define KEY      "arn:aws:kms:us-east-1:222233334444:key/k1"


static void
write_file(const char *dir, const char *name, const char *text)
{
    char   path[512];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}


static s3u_pset_t *
load(const char *dir, const char *manifest)
{
    s3u_error_t   err;
    s3u_pset_t   *ps;

    write_file(dir, "policyset.json", manifest);
    ps = s3u_pset_load(dir, &err);
    if (ps == NULL) {
        printf("# load: %s:%u:%u: %s\n", err.file, err.line, err.column,
               err.message);
    }
    return ps;
}


static void
expect(const s3u_pset_t *ps, const char *principal, const char *action,
    const char *resource, const s3u_ctx_t *extra, s3u_decision_t d,
    s3u_layer_t layer, const char *what)
{
    s3u_eval_result_t  res;

    if (ps == NULL) {
        UNIT_OK(0, "%s: the set loads", what);
        return;
    }
    UNIT_INT(s3u_pset_eval(ps, principal, action, resource, extra, &res), 0,
             "%s: evaluates", what);
    UNIT_STR(s3u_eval_decision_name(res.decision),
             s3u_eval_decision_name(d), "%s: decision", what);
    UNIT_STR(s3u_layer_name(res.layer), s3u_layer_name(layer), "%s: layer",
             what);
    if (res.decision != d || res.layer != layer) {
        printf("#   reason: %s\n", res.reason);
    }
}


static const char  *manifest_base =
    "{\n"
    "  \"accounts\": {\n"
    "    \"111122223333\": { \"org_id\": \"o-1\","
    " \"org_paths\": [\"o-1/r-1/ou-a/\"], \"scp\": [[\"full.json\"]] },\n"
    "    \"222233334444\": { \"org_id\": \"o-1\", \"rcp\": [[]] }\n"
    "  },\n"
    "  \"principals\": [\n"
    "    { \"arn\": \"arn:aws:iam::111122223333:role/svc/app\","
    " \"unique_id\": \"AROA1\", \"identity\": [\"id.json\"],"
    " \"tags\": { \"team\": \"payments\" } }\n"
    "  ],\n"
    "  \"buckets\": [ { \"name\": \"b\", \"account\": \"222233334444\","
    " \"policy\": \"bucket.json\", \"kms_key\": \"" KEY "\" } ],\n"
    "  \"access_points\": [ { \"arn\": \"" AP "\", \"bucket\": \"b\","
    " \"policy\": \"ap.json\" } ],\n"
    "  \"kms_keys\": [ { \"arn\": \"" KEY "\", \"policy\": \"key.json\" } ],\n"
    "  \"vpc_endpoints\": [ { \"id\": \"vpce-1\", \"policy\": \"vpce.json\" } ],\n"
    "  \"context\": { \"aws:SecureTransport\": \"true\" }\n"
    "}\n";


int
main(void)
{
    char                dir[] = "/tmp/s3u-test-pset-XXXXXX";
    s3u_pset_t         *ps;
    const char         *vals[2];
    s3u_ctx_entry_t     e[1] = { { NULL, vals, 1 } };
    s3u_ctx_t           extra = { e, 1 };
    char                cmd[600];

    if (mkdtemp(dir) == NULL) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }

    write_file(dir, "full.json", "{\"Statement\": {\"Effect\": \"Allow\","
               " \"Action\": \"*\", \"Resource\": \"*\"}}");
    /* identity: the team tag picks the prefix, through the access point */
    write_file(dir, "id.json", "{\"RoleName\": \"app\", \"PolicyName\": \"p\","
               " \"PolicyDocument\": {\"Version\": \"2012-10-17\","
               " \"Statement\": {\"Effect\": \"Allow\", \"Action\": [\"s3:*\","
               " \"kms:GenerateDataKey\"], \"Resource\": [\"" AP "/object/"
               "${aws:PrincipalTag/team}/*\", \"" KEY "\"]}}}");
    /* the access point grants the role only within the organization */
    write_file(dir, "ap.json", "{\"Policy\": \"{\\\"Version\\\":"
               " \\\"2012-10-17\\\", \\\"Statement\\\": {\\\"Effect\\\":"
               " \\\"Allow\\\", \\\"Principal\\\": {\\\"AWS\\\":"
               " \\\"arn:aws:iam::111122223333:role/app\\\"}, \\\"Action\\\":"
               " \\\"s3:PutObject\\\", \\\"Resource\\\": \\\"" AP "/object/*\\\","
               " \\\"Condition\\\": {\\\"StringEquals\\\":"
               " {\\\"aws:PrincipalOrgID\\\": \\\"o-1\\\","
               " \\\"aws:userid\\\": \\\"AROA1:fn\\\"}}}}\"}");
    /* the bucket delegates to its account's access points, over TLS */
    write_file(dir, "bucket.json", "{\"Statement\": [{\"Effect\": \"Allow\","
               " \"Principal\": \"*\", \"Action\": \"*\", \"Resource\":"
               " \"arn:aws:s3:::b/*\", \"Condition\": {\"StringEquals\":"
               " {\"s3:DataAccessPointAccount\": \"222233334444\","
               " \"s3:AccessPointNetworkOrigin\": \"Internet\"}}},"
               " {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\":"
               " \"s3:*\", \"Resource\": \"*\", \"Condition\": {\"Bool\":"
               " {\"aws:SecureTransport\": \"false\"}}}]}");
    /* the key: the role, only through S3 of us-east-1 */
    write_file(dir, "key.json", "{\"Statement\": {\"Effect\": \"Allow\","
               " \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:role/app\"},"
               " \"Action\": \"kms:GenerateDataKey\", \"Resource\": \"*\","
               " \"Condition\": {\"StringEquals\": {\"kms:ViaService\":"
               " \"s3.us-east-1.amazonaws.com\", \"kms:CallerAccount\":"
               " \"111122223333\"}}}}");
    write_file(dir, "vpce.json", "{\"Statement\": {\"Effect\": \"Allow\","
               " \"Principal\": \"*\", \"Action\": \"s3:GetObject\","
               " \"Resource\": \"*\"}}");

    ps = load(dir, manifest_base);
    UNIT_OK(ps != NULL, "the set loads (paths, CLI wrappers)");
    UNIT_OK(ps != NULL && s3u_pset_npolicies(ps) == 6,
            "every policy is loaded once per reference");

    expect(ps, SESSION, "s3:PutObject", AP "/object/payments/x", NULL,
           S3U_ALLOW, S3U_LAYER_NONE,
           "derived keys: org id, userid, tag, access point keys, KMS");
    expect(ps, SESSION, "s3:PutObject", AP "/object/other/x", NULL,
           S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "the tag variable limits the identity grant");

    e[0].key = "aws:SecureTransport";
    vals[0] = "false";
    expect(ps, SESSION, "s3:PutObject", AP "/object/payments/x", &extra,
           S3U_EXPLICIT_DENY, S3U_LAYER_BUCKET,
           "caller keys override the manifest's context");

    e[0].key = "aws:PrincipalOrgID";
    vals[0] = "o-2";
    expect(ps, SESSION, "s3:PutObject", AP "/object/payments/x", &extra,
           S3U_IMPLICIT_DENY, S3U_LAYER_ACCESS_POINT,
           "caller keys override derived ones");

    e[0].key = "aws:SourceVpce";
    vals[0] = "vpce-1";
    expect(ps, SESSION, "s3:PutObject", AP "/object/payments/x", &extra,
           S3U_IMPLICIT_DENY, S3U_LAYER_VPCE,
           "the endpoint named by aws:SourceVpce applies");
    vals[0] = "vpce-unknown";
    expect(ps, SESSION, "s3:PutObject", AP "/object/payments/x", &extra,
           S3U_ALLOW, S3U_LAYER_NONE, "an endpoint the set does not know");

    e[0].key = "s3:x-amz-server-side-encryption-aws-kms-key-id";
    vals[0] = "arn:aws:kms:us-east-1:222233334444:key/unknown";
    expect(ps, SESSION, "s3:PutObject", AP "/object/payments/x", &extra,
           S3U_ALLOW, S3U_LAYER_NONE, "a key the set does not know");

    expect(ps, "arn:aws:sts::111122223333:assumed-role/other/fn",
           "s3:PutObject", AP "/object/payments/x", NULL,
           S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "a role the set does not list has no identity policy");
    expect(ps, "anonymous", "s3:PutObject", "arn:aws:s3:::b/x", NULL,
           S3U_IMPLICIT_DENY, S3U_LAYER_BUCKET,
           "anonymous: the delegation needs the access point keys");
    s3u_pset_free(ps);

    /* the KMS leg: the key policy wants kms:ViaService of us-east-1 */
    write_file(dir, "key.json", "{\"Statement\": {\"Effect\": \"Allow\","
               " \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:role/app\"},"
               " \"Action\": \"kms:GenerateDataKey\", \"Resource\": \"*\","
               " \"Condition\": {\"StringEquals\": {\"kms:ViaService\":"
               " \"s3.eu-west-1.amazonaws.com\"}}}}");
    ps = load(dir, manifest_base);
    expect(ps, SESSION, "s3:PutObject", AP "/object/payments/x", NULL,
           S3U_IMPLICIT_DENY, S3U_LAYER_KMS,
           "the SSE-KMS leg sees kms:ViaService of the access point's region");
    expect(ps, SESSION, "s3:GetObject", AP "/object/payments/x", NULL,
           S3U_IMPLICIT_DENY, S3U_LAYER_ACCESS_POINT,
           "GetObject is not granted at the access point");
    s3u_pset_free(ps);

    /* trust policies */
    write_file(dir, "trust.json", "{\"Statement\": {\"Effect\": \"Allow\","
               " \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:role/svc/app\"},"
               " \"Action\": \"sts:AssumeRole\"}}");
    write_file(dir, "id2.json", "{\"Statement\": {\"Effect\": \"Allow\","
               " \"Action\": \"sts:AssumeRole\", \"Resource\":"
               " \"arn:aws:iam::222233334444:role/writer\"}}");
    ps = load(dir, "{\"principals\": [{\"arn\":"
              " \"arn:aws:iam::111122223333:role/svc/app\", \"identity\":"
              " \"id2.json\"}, {\"arn\": \"arn:aws:iam::222233334444:role/writer\","
              " \"trust\": \"trust.json\"}]}");
    expect(ps, SESSION, "sts:AssumeRole",
           "arn:aws:iam::222233334444:role/writer", NULL, S3U_ALLOW,
           S3U_LAYER_NONE, "the trust policy names the role (with its path)");
    expect(ps, "arn:aws:sts::111122223333:assumed-role/x/fn",
           "sts:AssumeRole", "arn:aws:iam::222233334444:role/writer", NULL,
           S3U_IMPLICIT_DENY, S3U_LAYER_IDENTITY,
           "an untrusted caller without identity policy: identity first");
    s3u_pset_free(ps);

    /* manifest errors name the position */
    {
        s3u_error_t  err;

        write_file(dir, "policyset.json", "{\n  \"bucket\": []\n}\n");
        UNIT_OK(s3u_pset_load(dir, &err) == NULL, "unknown manifest key");
        UNIT_INT(err.line, 2, "unknown manifest key: line");
        UNIT_INT(err.column, 3, "unknown manifest key: column");
        write_file(dir, "policyset.json", "{\"principals\": [{\"arn\":"
                   " \"arn:aws:sts::1:assumed-role/a/b\"}]}");
        UNIT_OK(s3u_pset_load(dir, &err) == NULL
                && strstr(err.message, "role or user") != NULL,
                "a principal must be a role or user: %s", err.message);
        write_file(dir, "policyset.json", "{\"access_points\": [{\"arn\":"
                   " \"arn:aws:s3:::b\", \"bucket\": \"b\"}]}");
        UNIT_OK(s3u_pset_load(dir, &err) == NULL
                && strstr(err.message, "accesspoint") != NULL,
                "an access point ARN is checked: %s", err.message);
        UNIT_OK(s3u_pset_load("/nonexistent/s3u", &err) == NULL,
                "a missing folder");
    }

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        printf("# could not remove %s\n", dir);
    }
    return UNIT_DONE();
}
