/*
 * Callers and Principal entries: see s3u_principal.h.
 */

#include <string.h>

#include "policy/s3u_principal.h"


int
s3u_arn_split(const char *s, size_t len, s3u_arn_t *arn)
{
    size_t  i, start, field;

    if (len < 4 || memcmp(s, "arn:", 4) != 0) {
        return -1;
    }
    field = 0;
    start = 0;
    for (i = 0; i < len && field < 5; i++) {
        if (s[i] == ':') {
            arn->part[field] = s + start;
            arn->len[field] = i - start;
            field++;
            start = i + 1;
        }
    }
    if (field < 5) {
        return -1;
    }
    arn->part[5] = s + start;
    arn->len[5] = len - start;
    return 0;
}


static int
is_account_id(const char *s, size_t len)
{
    size_t  i;

    if (len != 12) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}


static int
has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t  n = strlen(prefix);

    return len >= n && memcmp(s, prefix, n) == 0;
}


static int
same(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}


static void
copy_account(char *dst, const char *s, size_t len)
{
    if (is_account_id(s, len)) {
        memcpy(dst, s, len);
        dst[len] = '\0';
    } else {
        dst[0] = '\0';
    }
}


/* the last '/'-separated segment of s */
static void
last_segment(const char *s, size_t len, const char **out, size_t *out_len)
{
    size_t  i;

    for (i = len; i > 0 && s[i - 1] != '/'; i--) {
        /* void */
    }
    *out = s + i;
    *out_len = len - i;
}


static uint64_t
fnv(uint64_t h, const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        h = (h ^ (unsigned char) s[i]) * 1099511628211ull;
    }
    return h;
}


static uint64_t
role_key(const char *account, const char *name, size_t name_len)
{
    uint64_t  h;

    h = fnv(1469598103934665603ull, "R", 1);
    h = fnv(h, account, strlen(account));
    h = fnv(h, "/", 1);
    return fnv(h, name, name_len);
}


static uint64_t
arn_key(const char *arn, size_t len)
{
    return fnv(fnv(1469598103934665603ull, "A", 1), arn, len);
}


int
s3u_pr_key(const s3u_pr_t *pr, uint64_t *key)
{
    switch (pr->kind) {
    case S3U_PR_ROLE:
    case S3U_PR_SESSION:
        *key = role_key(pr->account, pr->role_name, pr->role_name_len);
        return 1;
    case S3U_PR_USER:
    case S3U_PR_FEDUSER:
        *key = arn_key(pr->value, pr->value_len);
        return 1;
    default:
        return 0;
    }
}


static void
caller_key(s3u_caller_t *c)
{
    switch (c->kind) {
    case S3U_CALLER_ROLE:
    case S3U_CALLER_SESSION:
        c->key = role_key(c->account, c->role_name, c->role_name_len);
        c->has_key = 1;
        break;
    case S3U_CALLER_USER:
    case S3U_CALLER_FEDUSER:
        c->key = arn_key(c->arn, c->arn_len);
        c->has_key = 1;
        break;
    default:
        break;
    }
}


void
s3u_caller_parse(const char *principal, s3u_caller_t *c)
{
    s3u_arn_t    arn;
    size_t       len, i;
    const char  *res;
    size_t       res_len;

    memset(c, 0, sizeof(*c));
    c->arn = principal ? principal : "";
    c->arn_len = strlen(c->arn);
    len = c->arn_len;

    if (len == 0 || strcmp(c->arn, "anonymous") == 0 || strcmp(c->arn, "*") == 0)
    {
        c->kind = S3U_CALLER_ANONYMOUS;
        return;
    }

    if (s3u_arn_split(c->arn, len, &arn) != 0) {
        c->kind = (len > 14 && strcmp(c->arn + len - 14, ".amazonaws.com") == 0)
                  ? S3U_CALLER_SERVICE : S3U_CALLER_OTHER;
        return;
    }

    c->partition = arn.part[1];
    c->partition_len = arn.len[1];
    copy_account(c->account, arn.part[4], arn.len[4]);
    res = arn.part[5];
    res_len = arn.len[5];
    c->kind = S3U_CALLER_OTHER;

    if (same(arn.part[2], arn.len[2], "iam", 3)) {
        if (same(res, res_len, "root", 4)) {
            c->kind = S3U_CALLER_ROOT;
        } else if (has_prefix(res, res_len, "user/")) {
            c->kind = S3U_CALLER_USER;
        } else if (has_prefix(res, res_len, "role/")) {
            c->kind = S3U_CALLER_ROLE;
            last_segment(res, res_len, &c->role_name, &c->role_name_len);
        }

    } else if (same(arn.part[2], arn.len[2], "sts", 3)) {
        if (has_prefix(res, res_len, "assumed-role/")) {
            c->kind = S3U_CALLER_SESSION;
            c->role_name = res + 13;
            for (i = 13; i < res_len && res[i] != '/'; i++) {
                /* void */
            }
            c->role_name_len = i - 13;
        } else if (has_prefix(res, res_len, "federated-user/")) {
            c->kind = S3U_CALLER_FEDUSER;
        }
    }

    caller_key(c);
}


int
s3u_pr_classify(const char *v, size_t len, s3u_pr_t *pr)
{
    s3u_arn_t    arn;
    const char  *res;
    size_t       res_len, i;

    pr->account[0] = '\0';
    pr->role_name = NULL;
    pr->role_name_len = 0;

    if (len == 1 && v[0] == '*') {
        pr->kind = S3U_PR_STAR;
        return 0;
    }
    if (memchr(v, '*', len) != NULL || memchr(v, '?', len) != NULL) {
        return -1;              /* no wildcards inside a principal */
    }
    if (is_account_id(v, len)) {
        pr->kind = S3U_PR_ACCOUNT;
        copy_account(pr->account, v, len);
        return 0;
    }
    if (s3u_arn_split(v, len, &arn) != 0) {
        pr->kind = S3U_PR_OTHER;        /* AROA... ids: match nothing */
        return 0;
    }

    copy_account(pr->account, arn.part[4], arn.len[4]);
    res = arn.part[5];
    res_len = arn.len[5];
    pr->kind = S3U_PR_OTHER;

    if (pr->account[0] == '\0') {
        return 0;
    }

    if (same(arn.part[2], arn.len[2], "iam", 3)) {
        if (same(res, res_len, "root", 4)) {
            pr->kind = S3U_PR_ACCOUNT;
        } else if (has_prefix(res, res_len, "user/")) {
            pr->kind = S3U_PR_USER;
        } else if (has_prefix(res, res_len, "role/")) {
            pr->kind = S3U_PR_ROLE;
            last_segment(res, res_len, &pr->role_name, &pr->role_name_len);
        }

    } else if (same(arn.part[2], arn.len[2], "sts", 3)) {
        if (has_prefix(res, res_len, "assumed-role/")) {
            pr->kind = S3U_PR_SESSION;
            pr->role_name = res + 13;
            for (i = 13; i < res_len && res[i] != '/'; i++) {
                /* void */
            }
            pr->role_name_len = i - 13;
        } else if (has_prefix(res, res_len, "federated-user/")) {
            pr->kind = S3U_PR_FEDUSER;
        }
    }
    return 0;
}


static int
role_names_caller(const s3u_pr_t *pr, const s3u_caller_t *c)
{
    return (c->kind == S3U_CALLER_SESSION || c->kind == S3U_CALLER_ROLE)
           && strcmp(pr->account, c->account) == 0
           && same(pr->role_name, pr->role_name_len, c->role_name,
                   c->role_name_len);
}


int
s3u_pr_matches(const s3u_pr_t *pr, const s3u_caller_t *c)
{
    switch (pr->kind) {

    case S3U_PR_STAR:
        return 1;

    case S3U_PR_ACCOUNT:
        return c->account[0] != '\0'
               && c->kind != S3U_CALLER_ANONYMOUS
               && strcmp(pr->account, c->account) == 0;

    case S3U_PR_USER:
        return c->kind == S3U_CALLER_USER
               && same(pr->value, pr->value_len, c->arn, c->arn_len);

    case S3U_PR_ROLE:
        return role_names_caller(pr, c);

    case S3U_PR_SESSION:
        return c->kind == S3U_CALLER_SESSION
               && same(pr->value, pr->value_len, c->arn, c->arn_len);

    case S3U_PR_FEDUSER:
        return c->kind == S3U_CALLER_FEDUSER
               && same(pr->value, pr->value_len, c->arn, c->arn_len);

    case S3U_PR_SERVICE:
    case S3U_PR_FEDERATED:
    case S3U_PR_CANONICAL:
        return same(pr->value, pr->value_len, c->arn, c->arn_len);

    default:
        return 0;
    }
}


int
s3u_notpr_exempts(const s3u_pr_t *prs, size_t n, const s3u_caller_t *c)
{
    size_t  i;
    int     account, identity, session;

    account = 0;
    identity = 0;
    session = 0;

    for (i = 0; i < n; i++) {
        switch (prs[i].kind) {
        case S3U_PR_STAR:
            return 1;
        case S3U_PR_ACCOUNT:
            account |= s3u_pr_matches(&prs[i], c);
            break;
        case S3U_PR_ROLE:
            identity |= s3u_pr_matches(&prs[i], c);
            break;
        case S3U_PR_USER:
        case S3U_PR_FEDUSER:
            identity |= s3u_pr_matches(&prs[i], c);
            break;
        case S3U_PR_SESSION:
            session |= s3u_pr_matches(&prs[i], c);
            break;
        default:
            if (s3u_pr_matches(&prs[i], c)) {
                return 1;       /* services and other exact names */
            }
            break;
        }
    }

    switch (c->kind) {
    case S3U_CALLER_SESSION:
        return account && identity && session;
    case S3U_CALLER_USER:
    case S3U_CALLER_ROLE:
    case S3U_CALLER_FEDUSER:
        return account && identity;
    case S3U_CALLER_ROOT:
        return account;
    default:
        return 0;
    }
}
