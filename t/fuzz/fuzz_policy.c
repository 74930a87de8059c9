/*
 * libFuzzer target: the policy parser (policy/s3u_policy.h), from JSON
 * text to a compiled policy, and what runs on a compiled policy: lint and
 * evaluation.
 *
 * The input is a policy file as an operator keeps it: raw policy JSON or
 * AWS CLI output ({"Policy": "<json>"}, {"PolicyDocument": ...},
 * {"PolicyVersion": {"Document": ...}}).  It is unwrapped and compiled as
 * every kind of policy.  A document that compiles is linted, then
 * evaluated as the identity policy and as the bucket, access point, KMS
 * key and trust policy of fixed requests that exercise principals,
 * variables and condition keys, and the results are explained as text and
 * JSON.
 *
 * Contracts checked: refusals carry a message, and a position inside the
 * document; compiled statements are well-formed (counts match arrays,
 * positions inside the text); evaluation of a loaded policy succeeds with
 * a decision of the enum and a layer name; identical evaluations give
 * identical answers.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "policy/s3u_eval.h"
#include "policy/s3u_json_pos.h"
#include "policy/s3u_lint.h"
#include "policy/s3u_policy.h"

#include "fuzz_util.h"


static unsigned
fuzz_count_lines(const uint8_t *data, size_t size)
{
    size_t    i;
    unsigned  n = 1;

    for (i = 0; i < size; i++) {
        n += data[i] == '\n';
    }

    return n;
}


static void
fuzz_check_error(const s3u_error_t *err, unsigned lines)
{
    char  buf[2048];

    FUZZ_CHECK(memchr(err->message, '\0', sizeof(err->message)) != NULL
               && err->message[0] != '\0', "refusal without a message");
    FUZZ_CHECK(memchr(err->file, '\0', sizeof(err->file)) != NULL,
               "file name not terminated");
    FUZZ_CHECK(err->line <= lines, "error at line %u of %u", err->line,
               lines);
    s3u_error_format(err, buf, sizeof(buf));
    FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)) != NULL, "format overran");
}


static void
fuzz_check_compiled(const s3u_policy_t *p, unsigned lines)
{
    size_t             i, j;
    char               name[64];
    const s3u_stmt_t  *st;

    FUZZ_CHECK(p->nstmts == 0 || p->stmts != NULL, "statements lost");

    for (i = 0; i < p->nstmts; i++) {
        st = &p->stmts[i];
        FUZZ_CHECK(st->line <= lines, "statement at line %u of %u", st->line,
                   lines);
        FUZZ_CHECK(st->nprincipals == 0 || st->principals != NULL,
                   "principals lost");
        FUZZ_CHECK(st->nactions == 0 || st->actions != NULL, "actions lost");
        FUZZ_CHECK(st->nresources == 0 || st->resources != NULL,
                   "resources lost");
        FUZZ_CHECK(st->nconds == 0 || st->conds != NULL, "conditions lost");

        for (j = 0; j < st->nactions; j++) {
            FUZZ_CHECK(st->actions[j].text != NULL, "action text NULL");
            (void) s3u_action_service_bit(st->actions[j].text,
                                          st->actions[j].len);
        }
        for (j = 0; j < st->nconds; j++) {
            FUZZ_CHECK(st->conds[j].cond != NULL, "condition not compiled");
        }

        s3u_stmt_name(st, name, sizeof(name));
        FUZZ_CHECK(memchr(name, '\0', sizeof(name)) != NULL,
                   "statement name overran");
        s3u_stmt_name(st, name, 1);
        FUZZ_CHECK(name[0] == '\0', "1-byte statement name not empty");
    }
}


/* request context of the fixed requests: keys AWS sets for a role session
 * calling S3 through the internet, plus tags policy variables read */
static const char *const fuzz_v_parn[] = {
    "arn:aws:iam::111122223333:role/lambda-exec-role" };
static const char *const fuzz_v_pacct[] = { "111122223333" };
static const char *const fuzz_v_org[] = { "o-a1b2c3d4e5" };
static const char *const fuzz_v_paths[] = {
    "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/",
    "o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/" };
static const char *const fuzz_v_true[] = { "true" };
static const char *const fuzz_v_ip[] = { "203.0.113.10" };
static const char *const fuzz_v_time[] = { "2026-09-01T12:00:00Z" };
static const char *const fuzz_v_tag[] = { "uploads" };
static const char *const fuzz_v_user[] = { "AROAEXAMPLE:upload-fn" };
static const char *const fuzz_v_acl[] = { "bucket-owner-full-control" };
static const char *const fuzz_v_vpce[] = { "vpce-1a2b3c4d" };
static const char *const fuzz_v_origin[] = { "Internet" };

static const s3u_ctx_entry_t fuzz_entries[] = {
    { "aws:PrincipalArn", fuzz_v_parn, 1 },
    { "aws:PrincipalAccount", fuzz_v_pacct, 1 },
    { "aws:PrincipalOrgID", fuzz_v_org, 1 },
    { "aws:PrincipalOrgPaths", fuzz_v_paths, 2 },
    { "aws:SecureTransport", fuzz_v_true, 1 },
    { "aws:SourceIp", fuzz_v_ip, 1 },
    { "aws:CurrentTime", fuzz_v_time, 1 },
    { "aws:PrincipalTag/team", fuzz_v_tag, 1 },
    { "aws:userid", fuzz_v_user, 1 },
    { "s3:x-amz-acl", fuzz_v_acl, 1 },
    { "aws:SourceVpce", fuzz_v_vpce, 1 },
    { "s3:AccessPointNetworkOrigin", fuzz_v_origin, 1 },
};

static const s3u_ctx_t fuzz_ctx = {
    fuzz_entries, sizeof(fuzz_entries) / sizeof(fuzz_entries[0])
};

#define FUZZ_SESSION  "arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn"
#define FUZZ_AP       "arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads"
#define FUZZ_KEY      "arn:aws:kms:us-east-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab"


static void
fuzz_eval_check(const s3u_eval_input_t *in)
{
    int                 rc;
    char               *text, stmt[512];
    cJSON              *json;
    s3u_eval_result_t   res, again;

    rc = s3u_eval(in, &res);
    FUZZ_CHECK(rc == 0, "evaluation of a loaded policy failed: %s",
               res.reason);
    FUZZ_CHECK(res.decision == S3U_ALLOW || res.decision == S3U_EXPLICIT_DENY
               || res.decision == S3U_IMPLICIT_DENY, "decision %d",
               (int) res.decision);
    FUZZ_CHECK(res.layer >= S3U_LAYER_NONE && res.layer < S3U_LAYER_COUNT,
               "layer %d", (int) res.layer);
    FUZZ_CHECK((res.decision == S3U_ALLOW) == (res.layer == S3U_LAYER_NONE),
               "decision %s with layer \"%s\"",
               s3u_eval_decision_name(res.decision), s3u_layer_name(res.layer));
    FUZZ_CHECK(res.decision != S3U_EXPLICIT_DENY || res.stmt != NULL,
               "explicit deny without its statement");
    FUZZ_CHECK(res.nclosest <= S3U_EVAL_MAX_CLOSEST, "%zu closest",
               res.nclosest);
    FUZZ_CHECK(memchr(res.reason, '\0', sizeof(res.reason)) != NULL,
               "reason not terminated");

    rc = s3u_eval(in, &again);
    FUZZ_CHECK(rc == 0 && again.decision == res.decision
               && again.layer == res.layer && again.stmt == res.stmt
               && strcmp(again.reason, res.reason) == 0,
               "two evaluations of one request disagree");

    s3u_eval_statement(&res, stmt, sizeof(stmt));
    FUZZ_CHECK(memchr(stmt, '\0', sizeof(stmt)) != NULL, "statement overran");

    text = malloc(4096);
    if (text == NULL) {
        abort();
    }
    s3u_explain_text(&res, text, 4096);
    FUZZ_CHECK(memchr(text, '\0', 4096) != NULL, "explanation overran");
    s3u_explain_text(&res, text, 1);
    FUZZ_CHECK(text[0] == '\0', "1-byte explanation not empty");
    free(text);

    json = s3u_explain_json(&res);
    FUZZ_CHECK(json != NULL, "no JSON explanation");
    text = cJSON_PrintUnformatted(json);
    free(text);
    cJSON_Delete(json);
}


/* compiled once: an identity policy denying everything */
static const s3u_policy_t *
fuzz_deny_all(void)
{
    static s3u_policy_t  *deny;
    static const char     text[] =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"DenyAll\","
        "\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}";
    s3u_error_t           err;
    s3u_json_doc_t       *doc;

    if (deny == NULL) {
        doc = s3u_json_parse("deny-all.json", text, sizeof(text) - 1, &err);
        FUZZ_CHECK(doc != NULL, "deny-all: %s", err.message);
        deny = s3u_policy_compile(doc, s3u_json_root(doc),
                                  S3U_POLICY_IDENTITY, &err);
        FUZZ_CHECK(deny != NULL, "deny-all: %s", err.message);
        s3u_json_free(doc);
    }

    return deny;
}


static void
fuzz_evaluate(const s3u_policy_t *idp, const s3u_policy_t *rp,
    const s3u_policy_t *trust)
{
    s3u_eval_input_t       in;
    const s3u_policy_t    *docs[1];

    docs[0] = idp;

    /* 1: through the access point, the policy as identity and AP policy */
    memset(&in, 0, sizeof(in));
    in.principal = FUZZ_SESSION;
    in.action = "s3:PutObject";
    in.resource = FUZZ_AP "/object/test.txt";
    in.ctx = &fuzz_ctx;
    if (idp != NULL) {
        in.identity.docs = docs;
        in.identity.n = 1;
        in.boundary = idp;
    }
    in.access_point.present = 1;
    in.access_point.arn = FUZZ_AP;
    in.access_point.account = "222233334444";
    in.access_point.bucket = "corp-app-uploads";
    in.access_point.policy = rp;
    in.bucket.present = 1;
    in.bucket.arn = "arn:aws:s3:::corp-app-uploads";
    in.bucket.account = "222233334444";
    in.bucket.policy = rp;
    in.kms.present = 1;
    in.kms.arn = FUZZ_KEY;
    in.kms.account = "222233334444";
    in.kms.policy = rp;
    fuzz_eval_check(&in);

    /* an explicit deny of everything wins over whatever the fuzzed policy
     * says, in every layer it was put */
    {
        s3u_eval_result_t    res;
        const s3u_policy_t  *both[2];

        both[0] = idp != NULL ? idp : fuzz_deny_all();
        both[1] = fuzz_deny_all();
        in.identity.docs = both;
        in.identity.n = 2;
        FUZZ_CHECK(s3u_eval(&in, &res) == 0
                   && res.decision == S3U_EXPLICIT_DENY && res.stmt != NULL,
                   "a Deny * statement did not give an explicit deny (%s)",
                   s3u_eval_decision_name(res.decision));
        in.identity.docs = docs;
        in.identity.n = idp != NULL ? 1 : 0;
    }

    /* 2: same account, straight to the bucket, anonymous and a user */
    memset(&in, 0, sizeof(in));
    in.principal = "anonymous";
    in.action = "s3:GetObject";
    in.resource = "arn:aws:s3:::corp-app-uploads/a/b.txt";
    in.ctx = &fuzz_ctx;
    in.bucket.present = 1;
    in.bucket.arn = "arn:aws:s3:::corp-app-uploads";
    in.bucket.account = "222233334444";
    in.bucket.policy = rp;
    fuzz_eval_check(&in);

    in.principal = "arn:aws:iam::222233334444:user/alice";
    if (idp != NULL) {
        in.identity.docs = docs;
        in.identity.n = 1;
        in.session = idp;
    }
    fuzz_eval_check(&in);

    /* 3: sts:AssumeRole against the policy as a trust policy */
    if (trust != NULL) {
        memset(&in, 0, sizeof(in));
        in.principal = FUZZ_SESSION;
        in.action = "sts:AssumeRole";
        in.resource = "arn:aws:iam::222233334444:role/uploader";
        in.ctx = &fuzz_ctx;
        in.role.present = 1;
        in.role.arn = "arn:aws:iam::222233334444:role/uploader";
        in.role.account = "222233334444";
        in.role.policy = trust;
        fuzz_eval_check(&in);
    }
}


static void
fuzz_lint(const s3u_policy_t *p, s3u_layer_t layer, const char *arn)
{
    size_t       i, n;
    s3u_lint_t  *lt;
    FILE        *null;

    lt = s3u_lint_new();
    FUZZ_CHECK(lt != NULL, "lint_new failed");
    s3u_lint_policy(lt, p, layer, arn);
    n = s3u_lint_count(lt);
    for (i = 0; i < n; i++) {
        FUZZ_CHECK(s3u_lint_at(lt, i) != NULL, "lint finding %zu NULL", i);
    }
    null = fopen("/dev/null", "w");
    if (null != NULL) {
        FUZZ_CHECK(s3u_lint_report(lt, null, i & 1) == n,
                   "report count differs");
        fclose(null);
    }
    s3u_lint_free(lt);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                 k;
    unsigned            lines;
    const cJSON        *node;
    s3u_error_t         err;
    s3u_json_doc_t     *doc, *inner;
    s3u_policy_t       *p[4];
    static const s3u_policy_kind_t kinds[4] = {
        S3U_POLICY_ANY, S3U_POLICY_IDENTITY, S3U_POLICY_RESOURCE,
        S3U_POLICY_TRUST
    };

    lines = fuzz_count_lines(data, size);
    memset(&err, 0, sizeof(err));

    doc = s3u_json_parse("fuzz.json", (const char *) data, size, &err);
    if (doc == NULL) {
        fuzz_check_error(&err, lines);
        return 0;
    }

    inner = NULL;
    node = s3u_policy_unwrap(doc, s3u_json_root(doc), &inner, &err);
    if (node == NULL) {
        fuzz_check_error(&err, lines);
        FUZZ_CHECK(inner == NULL, "unwrap failed but kept a document");
        s3u_json_free(doc);
        return 0;
    }

    for (k = 0; k < 4; k++) {
        memset(&err, 0, sizeof(err));
        p[k] = s3u_policy_compile(inner ? inner : doc, node, kinds[k], &err);
        if (p[k] == NULL) {
            fuzz_check_error(&err, lines);
        } else {
            FUZZ_CHECK(p[k]->kind == kinds[k], "kind %d compiled as %d",
                       (int) kinds[k], (int) p[k]->kind);
            fuzz_check_compiled(p[k], lines);
        }
    }

    /* the compiled form must not point into the JSON documents */
    s3u_json_free(inner);
    s3u_json_free(doc);

    if (p[0] != NULL) {
        fuzz_lint(p[0], S3U_LAYER_ACCESS_POINT, FUZZ_AP);
        fuzz_lint(p[0], S3U_LAYER_IDENTITY, NULL);
    }
    if (p[1] != NULL || p[2] != NULL || p[3] != NULL) {
        fuzz_evaluate(p[1], p[2], p[3]);
    }

    for (k = 0; k < 4; k++) {
        s3u_policy_free(p[k]);
    }

    return 0;
}
