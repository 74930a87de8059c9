/*
 * libFuzzer target: the policy-set loader (policy/s3u_pset.h) and request
 * resolution against a loaded set.
 *
 * A policy set is a folder, so the input is a small archive of it: the
 * manifest, then optional policy files, each introduced by a line
 *
 *     === NAME
 *
 * (NAME of [A-Za-z0-9._-], other bytes become '_', so every file stays in
 * the scratch folder; at most 8 files).  Text before the first "===" line
 * is policyset.json.  The folder is emptied before each input.  The
 * manifest can still name paths outside it ("../x"): the loader reads
 * them, which is its documented job; run.sh gives the fuzzer /dev/null as
 * stdin so that no path blocks.
 *
 * A set that loads is evaluated for fixed requests (a role session through
 * an access point, straight to a bucket, a user, anonymous, a KMS key,
 * sts:AssumeRole) plus, for every principal, bucket and access point
 * named in the manifest, a request built from them.  Contracts: a refusal
 * has a message; s3u_pset_eval returns 0 or -1, and on 0 a decision of
 * the enum, Allow exactly with no layer, an explicit deny with its
 * statement; the policies it lists have layers of the enum; evaluating
 * twice gives the same answer.
 */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "policy/s3u_eval.h"
#include "policy/s3u_lint.h"
#include "policy/s3u_pset.h"

#include "fuzz_util.h"
#include "fuzz_lint.h"


#define FUZZ_PSET_MAX_FILES  8


static void
fuzz_pset_clear(const char *dir)
{
    DIR            *d;
    struct dirent  *de;
    char            path[4200];

    d = opendir(dir);
    if (d == NULL) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        (void) unlink(path);
    }
    closedir(d);
}


/* writes the manifest and the files of the input into dir */
static void
fuzz_pset_unpack(const char *dir, const uint8_t *data, size_t size)
{
    size_t          i, start, nfiles, n;
    char            path[4200], name[64];
    const uint8_t  *p, *end, *line_end, *body;

    fuzz_pset_clear(dir);

    end = data + size;
    p = data;
    body = data;
    snprintf(name, sizeof(name), "policyset.json");
    nfiles = 0;

    for ( ;; ) {
        /* find the next "=== " at a line start */
        const uint8_t  *next = NULL;

        for (start = (size_t) (p - data); start + 4 <= size; start++) {
            if ((start == 0 || data[start - 1] == '\n')
                && memcmp(data + start, "=== ", 4) == 0)
            {
                next = data + start;
                break;
            }
        }

        if (next == NULL || nfiles + 1 == FUZZ_PSET_MAX_FILES) {
            snprintf(path, sizeof(path), "%s/%s", dir, name);
            fuzz_write_file(path, body, (size_t) (end - body));
            return;
        }

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fuzz_write_file(path, body, (size_t) (next - body));
        nfiles++;

        line_end = memchr(next, '\n', (size_t) (end - next));
        if (line_end == NULL) {
            line_end = end;
        }
        n = (size_t) (line_end - (next + 4));
        if (n > sizeof(name) - 1) {
            n = sizeof(name) - 1;
        }
        for (i = 0; i < n; i++) {
            uint8_t c = next[4 + i];
            name[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                       || (c >= '0' && c <= '9') || c == '.' || c == '-'
                       || c == '_') ? (char) c : '_';
        }
        name[n] = '\0';
        if (n == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            snprintf(name, sizeof(name), "file%zu", nfiles);
        }

        body = line_end < end ? line_end + 1 : end;
        p = body;
    }
}


static void
fuzz_pset_eval(const s3u_pset_t *ps, const char *principal,
    const char *action, const char *resource, const s3u_ctx_t *extra)
{
    int                 rc, rc2;
    char                text[2048];
    s3u_eval_result_t   res, again;

    rc = s3u_pset_eval(ps, principal, action, resource, extra, &res);
    FUZZ_CHECK(rc == 0 || rc == -1, "pset_eval returned %d", rc);
    FUZZ_CHECK(memchr(res.reason, '\0', sizeof(res.reason)) != NULL,
               "reason not terminated");

    rc2 = s3u_pset_eval(ps, principal, action, resource, extra, &again);
    FUZZ_CHECK(rc2 == rc, "two evaluations: %d then %d", rc, rc2);

    if (rc != 0) {
        return;
    }

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
    FUZZ_CHECK(again.decision == res.decision && again.layer == res.layer
               && strcmp(again.reason, res.reason) == 0,
               "two evaluations of one request disagree");

    s3u_explain_text(&res, text, sizeof(text));
    FUZZ_CHECK(memchr(text, '\0', sizeof(text)) != NULL, "explain overran");
}


static const char *const fuzz_v_true[] = { "true" };
static const char *const fuzz_v_ip[] = { "198.51.100.7" };
static const char *const fuzz_v_acl[] = { "public-read" };
static const char *const fuzz_v_time[] = { "2026-11-28T00:00:00Z" };

static const s3u_ctx_entry_t fuzz_extra_entries[] = {
    { "aws:SecureTransport", fuzz_v_true, 1 },
    { "aws:SourceIp", fuzz_v_ip, 1 },
    { "s3:x-amz-acl", fuzz_v_acl, 1 },
    { "aws:CurrentTime", fuzz_v_time, 1 },
};

static const s3u_ctx_t fuzz_extra = {
    fuzz_extra_entries,
    sizeof(fuzz_extra_entries) / sizeof(fuzz_extra_entries[0])
};


/* requests built from what the manifest names, read back with cJSON */
static void
fuzz_pset_named(const s3u_pset_t *ps, const uint8_t *data, size_t size)
{
    int           nreq;
    char          res[1200], who[1200];
    cJSON        *root, *list, *m, *arn, *name;
    const char   *ap, *bucket;

    root = cJSON_ParseWithLength((const char *) data, size);
    if (root == NULL) {
        return;
    }

    ap = NULL;
    bucket = NULL;
    list = cJSON_GetObjectItemCaseSensitive(root, "access_points");
    m = cJSON_IsArray(list) ? list->child : NULL;
    arn = m ? cJSON_GetObjectItemCaseSensitive(m, "arn") : NULL;
    if (cJSON_IsString(arn)) {
        ap = arn->valuestring;
    }
    list = cJSON_GetObjectItemCaseSensitive(root, "buckets");
    m = cJSON_IsArray(list) ? list->child : NULL;
    name = m ? cJSON_GetObjectItemCaseSensitive(m, "name") : NULL;
    if (cJSON_IsString(name)) {
        bucket = name->valuestring;
    }

    list = cJSON_GetObjectItemCaseSensitive(root, "principals");
    nreq = 0;
    for (m = cJSON_IsArray(list) ? list->child : NULL; m && nreq < 4;
         m = m->next, nreq++)
    {
        arn = cJSON_GetObjectItemCaseSensitive(m, "arn");
        if (!cJSON_IsString(arn)) {
            continue;
        }
        snprintf(who, sizeof(who), "%s", arn->valuestring);

        if (ap != NULL) {
            snprintf(res, sizeof(res), "%s/object/k.txt", ap);
            fuzz_pset_eval(ps, who, "s3:PutObject", res, &fuzz_extra);
        }
        if (bucket != NULL) {
            snprintf(res, sizeof(res), "arn:aws:s3:::%s/k.txt", bucket);
            fuzz_pset_eval(ps, who, "s3:GetObject", res, NULL);
            snprintf(res, sizeof(res), "arn:aws:s3:::%s", bucket);
            fuzz_pset_eval(ps, who, "s3:ListBucket", res, &fuzz_extra);
        }

        /* a session of a role principal */
        if (strstr(who, ":role/") != NULL) {
            char        sess[1300];
            const char *acct = strstr(who, "::");
            const char *role = strstr(who, ":role/");

            if (acct != NULL && role > acct) {
                snprintf(sess, sizeof(sess),
                         "arn:aws:sts::%.*s:assumed-role/%s/fuzz-session",
                         (int) (role - acct - 2), acct + 2,
                         strrchr(role, '/') + 1);
                if (bucket != NULL) {
                    snprintf(res, sizeof(res), "arn:aws:s3:::%s/k.txt",
                             bucket);
                    fuzz_pset_eval(ps, sess, "s3:PutObject", res,
                                   &fuzz_extra);
                }
                fuzz_pset_eval(ps, sess, "sts:AssumeRole", who, NULL);
            }
        }
    }

    cJSON_Delete(root);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t              i, n;
    const char         *dir, *arn;
    s3u_layer_t         layer;
    s3u_error_t         err;
    s3u_pset_t         *ps;
    const s3u_policy_t *p;
    size_t              mlen;

    dir = fuzz_scratch_dir();
    fuzz_pset_unpack(dir, data, size);

    fuzz_lint_path(dir);

    memset(&err, 0, sizeof(err));
    ps = s3u_pset_load(dir, &err);
    if (ps == NULL) {
        FUZZ_CHECK(err.message[0] != '\0'
                   && memchr(err.message, '\0', sizeof(err.message)) != NULL,
                   "refusal without a message");
        return 0;
    }

    n = s3u_pset_npolicies(ps);
    for (i = 0; i < n; i++) {
        arn = NULL;
        p = s3u_pset_policy(ps, i, &layer, &arn);
        FUZZ_CHECK(p != NULL, "policy %zu of %zu is NULL", i, n);
        FUZZ_CHECK(layer > S3U_LAYER_NONE && layer < S3U_LAYER_COUNT,
                   "policy %zu has layer %d", i, (int) layer);
    }

    fuzz_pset_eval(ps, "arn:aws:sts::111122223333:assumed-role/"
                   "lambda-exec-role/upload-fn", "s3:PutObject",
                   "arn:aws:s3:us-east-1:222233334444:accesspoint/"
                   "app-uploads/object/test.txt", &fuzz_extra);
    fuzz_pset_eval(ps, "arn:aws:iam::111122223333:user/alice",
                   "s3:GetObject", "arn:aws:s3:::corp-app-uploads/a.txt",
                   NULL);
    fuzz_pset_eval(ps, "anonymous", "s3:GetObject",
                   "arn:aws:s3:::corp-app-uploads/a.txt", &fuzz_extra);
    fuzz_pset_eval(ps, "arn:aws:sts::111122223333:assumed-role/"
                   "lambda-exec-role/upload-fn", "kms:GenerateDataKey",
                   "arn:aws:kms:us-east-1:222233334444:key/1234", NULL);
    fuzz_pset_eval(ps, "", "", "", NULL);

    /* the manifest part of the input */
    mlen = size;
    for (i = 0; i + 4 <= size; i++) {
        if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, "=== ", 4) == 0) {
            mlen = i;
            break;
        }
    }
    fuzz_pset_named(ps, data, mlen);

    s3u_pset_free(ps);
    return 0;
}
