/*
 * Policy documents: parsing and compiling with positions, malformed input,
 * the AWS CLI wrappers, principal forms, and the Action / Resource
 * matchers as the evaluator uses them.
 */

#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "policy/s3u_eval.h"
#include "policy/s3u_policy.h"
#include "policy/s3u_principal.h"


/* compiles text; on error err holds the message and NULL comes back */
static s3u_policy_t *
compile(const char *text, s3u_policy_kind_t kind, s3u_error_t *err)
{
    s3u_json_doc_t  *doc, *inner;
    const cJSON     *node;
    s3u_policy_t    *p;

    memset(err, 0, sizeof(*err));
    doc = s3u_json_parse("mem.json", text, strlen(text), err);
    if (doc == NULL) {
        return NULL;
    }
    node = s3u_policy_unwrap(doc, s3u_json_root(doc), &inner, err);
    p = node ? s3u_policy_compile(inner ? inner : doc, node, kind, err)
             : NULL;
    s3u_json_free(inner);
    s3u_json_free(doc);
    return p;
}


/* expects a failure at line:column whose message holds needle */
static void
fails_at(const char *text, s3u_policy_kind_t kind, unsigned line,
    unsigned column, const char *needle, const char *what)
{
    s3u_error_t    err;
    s3u_policy_t  *p;

    p = compile(text, kind, &err);
    UNIT_OK(p == NULL, "%s: rejected", what);
    s3u_policy_free(p);
    UNIT_INT(err.line, line, "%s: line", what);
    UNIT_INT(err.column, column, "%s: column", what);
    UNIT_OK(strstr(err.message, needle) != NULL, "%s: message \"%s\" holds"
            " \"%s\"", what, err.message, needle);
    UNIT_STR(err.file, "mem.json", "%s: file", what);
}


static void
test_malformed(void)
{
    char    *deep;
    size_t   i, n;
    s3u_error_t  err;

    fails_at("{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",,}\n  ]\n}",
             S3U_POLICY_ANY, 3, 25, "syntax", "bad JSON");
    fails_at("{\"Statement\": {\"Effect\": 5, \"Action\": \"s3:*\","
             " \"Resource\": \"*\"}}", S3U_POLICY_ANY, 1, 26, "Effect",
             "Effect of the wrong type");
    fails_at("{\"Statement\": {\"Effect\": \"allow\", \"Action\": \"s3:*\","
             " \"Resource\": \"*\"}}", S3U_POLICY_ANY, 1, 26, "Effect",
             "Effect is case-sensitive");
    fails_at("{\"Statement\": []}", S3U_POLICY_ANY, 1, 15, "empty",
             "empty Statement");
    fails_at("{\"Statement\": \"x\"}", S3U_POLICY_ANY, 1, 15,
             "object or an array", "Statement of the wrong type");
    fails_at("{\"Version\": \"2012-10-17\"}", S3U_POLICY_ANY, 1, 1,
             "no Statement", "no Statement");
    fails_at("{\"Version\": \"2013-01-01\", \"Statement\": {}}",
             S3U_POLICY_ANY, 1, 13, "Version", "bad Version");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\","
             " \"Resource\": \"*\",\n \"Condition\": {\"StringEqual\":"
             " {\"aws:SourceIp\": \"1\"}}}}", S3U_POLICY_ANY, 2, 16,
             "StringEqual", "unknown operator");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Resource\": \"*\"}}",
             S3U_POLICY_ANY, 1, 15, "Action", "no Action");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [],"
             " \"Resource\": \"*\"}}", S3U_POLICY_ANY, 1, 45, "empty",
             "empty Action");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [1],"
             " \"Resource\": \"*\"}}", S3U_POLICY_ANY, 1, 46, "strings",
             "Action of numbers");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\"}}",
             S3U_POLICY_ANY, 1, 15, "Resource", "no Resource");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Actoin\": \"s3:*\","
             " \"Resource\": \"*\"}}", S3U_POLICY_ANY, 1, 35, "Actoin",
             "unknown element");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Effect\": \"Deny\","
             " \"Action\": \"s3:*\", \"Resource\": \"*\"}}", S3U_POLICY_ANY,
             1, 35, "duplicate", "a member twice");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Principal\": \"*\","
             " \"Action\": \"s3:*\", \"Resource\": \"*\"}}",
             S3U_POLICY_IDENTITY, 1, 35, "not allowed",
             "Principal in an identity policy");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\","
             " \"Resource\": \"*\"}}", S3U_POLICY_RESOURCE, 1, 15,
             "no Principal", "no Principal in a bucket policy");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Principal\":"
             " {\"AWS\": \"arn:aws:iam::*:role/x\"}, \"Action\": \"s3:*\","
             " \"Resource\": \"*\"}}", S3U_POLICY_RESOURCE, 1, 56,
             "wildcard", "wildcard inside a principal");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Principal\":"
             " {\"IAM\": \"x\"}, \"Action\": \"s3:*\", \"Resource\": \"*\"}}",
             S3U_POLICY_RESOURCE, 1, 49, "IAM", "unknown principal type");
    fails_at("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\","
             " \"Resource\": \"*\", \"Condition\": {\"StringEquals\":"
             " {\"k\": null}}}}", S3U_POLICY_ANY, 1, 106, "string",
             "null condition value");
    fails_at("[1, 2]", S3U_POLICY_ANY, 1, 1, "object", "not an object");
    fails_at("{\"Statement\": {}} x", S3U_POLICY_ANY, 1, 19, "syntax",
             "trailing garbage");
    fails_at("", S3U_POLICY_ANY, 1, 1, "syntax", "empty document");

    /* a document 100,000 levels deep fails cleanly */
    n = 100000;
    deep = malloc(2 * n + 1);
    for (i = 0; i < n; i++) {
        deep[i] = '[';
        deep[n + i] = ']';
    }
    deep[2 * n] = '\0';
    UNIT_OK(compile(deep, S3U_POLICY_ANY, &err) == NULL, "deep nesting"
            " rejected");
    UNIT_OK(strstr(err.message, "nesting") != NULL, "deep nesting: %s",
            err.message);
    UNIT_INT(err.column, 65, "deep nesting: column of the 65th level");
    free(deep);

    /* control bytes separate tokens as in cJSON: positions still line up */
    {
        s3u_json_doc_t  *doc;
        unsigned         line, column;

        doc = s3u_json_parse("mem.json", "{\"a\":\x01\x0b\"x\", \"b\": 1}",
                             19, &err);
        UNIT_OK(doc != NULL, "control bytes as separators");
        if (doc != NULL) {
            s3u_json_where(doc, s3u_json_get(s3u_json_root(doc), "b"), 0,
                           &line, &column);
            UNIT_INT(column, 18, "position after control-byte separators");
        }
        s3u_json_free(doc);
    }

    /* a NUL byte inside the document */
    {
        s3u_json_doc_t  *doc;

        doc = s3u_json_parse("mem.json", "{\"a\":\0}", 7, &err);
        UNIT_OK(doc == NULL, "NUL byte rejected");
        UNIT_INT(err.column, 6, "NUL byte: column");
        s3u_json_free(doc);
    }
}


static void
test_wrappers(void)
{
    s3u_error_t    err;
    s3u_policy_t  *p;

    p = compile("{\"Policy\": \"{\\\"Statement\\\": {\\\"Effect\\\":"
                " \\\"Allow\\\", \\\"Principal\\\": \\\"*\\\", \\\"Action\\\":"
                " \\\"s3:GetObject\\\", \\\"Resource\\\": \\\"*\\\"}}\"}",
                S3U_POLICY_RESOURCE, &err);
    UNIT_OK(p != NULL && p->nstmts == 1, "get-bucket-policy wrapper");
    s3u_policy_free(p);

    p = compile("{\"RoleName\": \"r\", \"PolicyName\": \"p\","
                " \"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Deny\","
                " \"Action\": \"s3:*\", \"Resource\": \"*\"}]}}",
                S3U_POLICY_IDENTITY, &err);
    UNIT_OK(p != NULL && p->nstmts == 1 && p->stmts[0].deny,
            "get-role-policy wrapper");
    s3u_policy_free(p);

    p = compile("{\"PolicyVersion\": {\"VersionId\": \"v1\", \"Document\":"
                " {\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\":"
                " \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}}}}",
                S3U_POLICY_IDENTITY, &err);
    UNIT_OK(p != NULL && p->vars, "get-policy-version wrapper");
    s3u_policy_free(p);

    /* an error inside the wrapped string points into the outer file */
    p = compile("{\n  \"Policy\": \"{\\\"Statement\\\": {\\\"Effect\\\":"
                " \\\"Alow\\\"}}\"\n}", S3U_POLICY_RESOURCE, &err);
    UNIT_OK(p == NULL, "error inside a wrapped policy");
    UNIT_INT(err.line, 2, "wrapped error: line of the string");
    UNIT_INT(err.column, 43, "wrapped error: column inside the string");
    s3u_policy_free(p);

    p = compile("{\"Policy\": \"{not json\"}", S3U_POLICY_RESOURCE, &err);
    UNIT_OK(p == NULL && strstr(err.message, "syntax") != NULL,
            "wrapped syntax error: %s", err.message);
    UNIT_OK(err.column == 14 || err.column == 15,
            "wrapped syntax error column inside the string (%u)", err.column);
}


static void
test_compile(void)
{
    s3u_error_t        err;
    s3u_policy_t      *p;
    const s3u_stmt_t  *st;
    char               name[64];

    p = compile("{\"Version\": \"2012-10-17\", \"Statement\": [\n"
                " {\"Sid\": \"A\", \"Effect\": \"Allow\", \"Principal\":"
                " {\"AWS\": [\"111122223333\", \"arn:aws:iam::1:role/r\"],"
                " \"Service\": \"s3.amazonaws.com\"}, \"NotAction\":"
                " \"s3:Delete*\", \"Resource\": [\"arn:aws:s3:::b/*\","
                " \"arn:aws:s3:::b\"], \"Condition\": {\"NumericLessThan\":"
                " {\"s3:TlsVersion\": 1.2}, \"Bool\": {\"aws:SecureTransport\":"
                " true}}},\n {\"Effect\": \"Deny\", \"Principal\": \"*\","
                " \"Action\": \"*\", \"NotResource\": \"*\"}]}",
                S3U_POLICY_RESOURCE, &err);
    UNIT_OK(p != NULL, "full statement compiles (%s)", p ? "" : err.message);
    if (p == NULL) {
        return;
    }
    UNIT_INT(p->nstmts, 2, "two statements");
    st = &p->stmts[0];
    UNIT_STR(st->sid, "A", "Sid kept");
    UNIT_INT(st->line, 2, "statement line");
    UNIT_INT(st->nprincipals, 3, "principals of all types");
    UNIT_INT(st->principals[0].kind, S3U_PR_ACCOUNT, "account id form");
    UNIT_INT(st->principals[1].kind, S3U_PR_OTHER,
             "a malformed account in an ARN matches nothing");
    UNIT_INT(st->principals[2].kind, S3U_PR_SERVICE, "service form");
    UNIT_OK(st->not_action && st->nactions == 1, "NotAction");
    UNIT_INT(st->nresources, 2, "Resource list");
    UNIT_INT(st->nconds, 2, "two condition clauses");
    UNIT_STR(st->conds[0].key, "s3:TlsVersion", "condition key kept");
    st = &p->stmts[1];
    UNIT_OK(st->deny && st->not_resource && st->action_star, "second"
            " statement: Deny, NotResource, Action *");
    s3u_stmt_name(st, name, sizeof(name));
    UNIT_STR(name, "Statement[1]", "statements without Sid by index");
    UNIT_OK(p->stmts[0].services == ~0ull, "NotAction: every service");
    s3u_policy_free(p);
}


static void
classify(const char *v, s3u_pr_kind_t kind, const char *account,
    const char *role)
{
    s3u_pr_t  pr;

    memset(&pr, 0, sizeof(pr));
    pr.value = v;
    pr.value_len = strlen(v);
    UNIT_INT(s3u_pr_classify(v, strlen(v), &pr), 0, "classify %s", v);
    UNIT_INT(pr.kind, kind, "kind of %s", v);
    UNIT_STR(pr.account, account, "account of %s", v);
    if (role != NULL) {
        UNIT_OK(pr.role_name_len == strlen(role)
                && memcmp(pr.role_name, role, pr.role_name_len) == 0,
                "role name of %s", v);
    }
}


static int
matches(const char *entry, const char *caller)
{
    s3u_pr_t      pr;
    s3u_caller_t  c;

    memset(&pr, 0, sizeof(pr));
    pr.value = entry;
    pr.value_len = strlen(entry);
    if (strncmp(entry, "svc:", 4) == 0) {
        pr.kind = S3U_PR_SERVICE;
        pr.value += 4;
        pr.value_len -= 4;
    } else {
        s3u_pr_classify(entry, strlen(entry), &pr);
    }
    s3u_caller_parse(caller, &c);
    return s3u_pr_matches(&pr, &c);
}


static void
test_principals(void)
{
    const char   *sess = "arn:aws:sts::111122223333:assumed-role/app/fn";
    s3u_pr_t      list[3];
    s3u_caller_t  c;
    size_t        i;
    const char   *names[3] = {
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::111122223333:role/app",
        "arn:aws:sts::111122223333:assumed-role/app/fn"
    };

    classify("*", S3U_PR_STAR, "", NULL);
    classify("111122223333", S3U_PR_ACCOUNT, "111122223333", NULL);
    classify("arn:aws:iam::111122223333:root", S3U_PR_ACCOUNT, "111122223333",
             NULL);
    classify("arn:aws:iam::111122223333:user/dev/alice", S3U_PR_USER,
             "111122223333", NULL);
    classify("arn:aws:iam::111122223333:role/service-role/app", S3U_PR_ROLE,
             "111122223333", "app");
    classify(sess, S3U_PR_SESSION, "111122223333", "app");
    classify("arn:aws:sts::111122223333:federated-user/bob", S3U_PR_FEDUSER,
             "111122223333", NULL);
    classify("AROAEXAMPLEROLEID0001", S3U_PR_OTHER, "", NULL);
    classify("arn:aws-cn:iam::111122223333:role/app", S3U_PR_ROLE,
             "111122223333", "app");

    UNIT_OK(matches("arn:aws:iam::111122223333:role/service-role/app", sess),
            "a role ARN (with path) matches the role's sessions");
    UNIT_OK(!matches("arn:aws:iam::111122223333:role/other", sess),
            "another role does not");
    UNIT_OK(!matches("arn:aws:iam::444455556666:role/app", sess),
            "the same role name in another account does not");
    UNIT_OK(matches(sess, sess), "a session ARN matches that session");
    UNIT_OK(!matches(sess, "arn:aws:sts::111122223333:assumed-role/app/x"),
            "and no other session");
    UNIT_OK(matches("111122223333", sess), "an account id matches its"
            " principals");
    UNIT_OK(matches("arn:aws:iam::111122223333:root",
                    "arn:aws:iam::111122223333:user/alice"),
            "a root ARN means the whole account");
    UNIT_OK(!matches("111122223333", "anonymous"), "an account never"
            " matches anonymous");
    UNIT_OK(matches("*", "anonymous"), "\"*\" matches anonymous");
    UNIT_OK(matches("arn:aws:iam::111122223333:user/alice",
                    "arn:aws:iam::111122223333:user/alice"), "user ARN");
    UNIT_OK(!matches("arn:aws:iam::111122223333:user/Alice",
                     "arn:aws:iam::111122223333:user/alice"),
            "user names are case-sensitive");
    UNIT_OK(matches("arn:aws:sts::111122223333:federated-user/bob",
                    "arn:aws:sts::111122223333:federated-user/bob"),
            "federated user");
    UNIT_OK(matches("svc:s3.amazonaws.com", "s3.amazonaws.com"),
            "service principal");
    UNIT_OK(!matches("svc:s3.amazonaws.com", sess),
            "a service entry does not match a role session");
    UNIT_OK(!matches("AROAEXAMPLEROLEID0001", sess), "unique ids match"
            " nothing");

    s3u_caller_parse(sess, &c);
    UNIT_INT(c.kind, S3U_CALLER_SESSION, "caller: session");
    s3u_caller_parse("anonymous", &c);
    UNIT_INT(c.kind, S3U_CALLER_ANONYMOUS, "caller: anonymous");
    s3u_caller_parse("cloudtrail.amazonaws.com", &c);
    UNIT_INT(c.kind, S3U_CALLER_SERVICE, "caller: service");

    /* NotPrincipal exempts a session only with account, role and session */
    memset(list, 0, sizeof(list));
    for (i = 0; i < 3; i++) {
        list[i].value = names[i];
        list[i].value_len = strlen(names[i]);
        s3u_pr_classify(names[i], strlen(names[i]), &list[i]);
    }
    s3u_caller_parse(sess, &c);
    UNIT_OK(s3u_notpr_exempts(list, 3, &c), "NotPrincipal: all three"
            " listed exempts the session");
    UNIT_OK(!s3u_notpr_exempts(list, 2, &c), "NotPrincipal: account and role"
            " only do not");
    UNIT_OK(!s3u_notpr_exempts(list + 1, 2, &c), "NotPrincipal: role and"
            " session without the account do not");
}


int
main(void)
{
    test_malformed();
    test_wrappers();
    test_compile();
    test_principals();
    return UNIT_DONE();
}
