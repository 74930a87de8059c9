/*
 * Policy variables: s3u_var_expand (the contract the evaluator uses for
 * Resource entries) and compiled patterns (s3u_pattern_*), including the
 * escapes, defaults, absent and multi-valued keys, and overlong values.
 */

#include <stdlib.h>
#include <string.h>

#include "policy/s3u_cond.h"
#include "unit.h"


static const char *const  v_user[] = { "alice" };
static const char *const  v_team[] = { "blue" };
static const char *const  v_prefix[] = { "home/al*ce/" };
static const char *const  v_multi[] = { "a", "b" };
static const char *const  v_empty[] = { "" };

static const s3u_ctx_entry_t  entries[] = {
    { "aws:username", v_user, 1 },
    { "aws:PrincipalTag/Team", v_team, 1 },
    { "s3:prefix", v_prefix, 1 },
    { "aws:TagKeys", v_multi, 2 },
    { "aws:PrincipalTag/empty", v_empty, 1 },
};

static const s3u_ctx_t  ctx = {
    entries, sizeof(entries) / sizeof(entries[0])
};


static long
expand(const char *in, char *out, size_t size)
{
    return s3u_var_expand(in, strlen(in), &ctx, out, size);
}


static int
pmatch(const char *pat, unsigned flags, const char *s, unsigned how)
{
    int             r;
    s3u_pattern_t  *p;

    p = s3u_pattern_new(pat, strlen(pat), flags, NULL, 0);
    if (p == NULL) {
        return -1;
    }

    r = s3u_pattern_match(p, &ctx, s, strlen(s), how);
    s3u_pattern_free(p);

    return r;
}


int
main(void)
{
    long            n;
    char            out[256], *big, *bigpat;
    s3u_pattern_t  *p;
    size_t          i;

    /* expansion */
    n = expand("home/${aws:username}/*", out, sizeof(out));
    UNIT_STR(out, "home/alice/*", "simple variable");
    UNIT_INT(n, strlen("home/alice/*"), "returns the length");

    expand("${AWS:USERNAME}", out, sizeof(out));
    UNIT_STR(out, "alice", "key names are case-insensitive");

    expand("${aws:principaltag/team}-x", out, sizeof(out));
    UNIT_STR(out, "blue-x", "tag name part case-insensitive too");

    expand("a${*}b${?}c${$}d", out, sizeof(out));
    UNIT_STR(out, "a*b?c$d", "escapes");

    UNIT_INT(expand("x/${aws:SourceArn}", out, sizeof(out)), -1,
             "absent key without default: no value");

    expand("${aws:PrincipalTag/dept, 'company-wide'}/x", out, sizeof(out));
    UNIT_STR(out, "company-wide/x", "default for an absent key");

    expand("${aws:username, 'nobody'}", out, sizeof(out));
    UNIT_STR(out, "alice", "default unused when the key is present");

    expand("${aws:PrincipalTag/dept,'a,b}c'}", out, sizeof(out));
    UNIT_STR(out, "a,b}c", "default without space, holding , and }");

    expand("${aws:PrincipalTag/dept, ''}z", out, sizeof(out));
    UNIT_STR(out, "z", "empty default");

    expand("${aws:PrincipalTag/empty}z", out, sizeof(out));
    UNIT_STR(out, "z", "present empty value substitutes nothing");

    UNIT_INT(expand("${aws:TagKeys}", out, sizeof(out)), -1,
             "multivalued key cannot be a variable");

    expand("cost $5 ${ } ${aws:username", out, sizeof(out));
    UNIT_STR(out, "cost $5 ${ } ${aws:username",
             "malformed forms stay literal text");

    expand("${aws:PrincipalTag/dept, 'unterminated}", out, sizeof(out));
    UNIT_STR(out, "${aws:PrincipalTag/dept, 'unterminated}",
             "unterminated default stays literal");

    expand("${}${$", out, sizeof(out));
    UNIT_STR(out, "${}${$", "empty and cut-off forms stay literal");

    UNIT_INT(expand("home/${aws:username}", out, 10), -1,
             "too small an output buffer: no value, no overflow");
    UNIT_INT(expand("abcdefghi", out, 9), -1, "exactly full: -1 (NUL)");
    UNIT_INT(expand("abcdefgh", out, 9), 8, "fits with its NUL");
    UNIT_INT(s3u_var_expand("x", 1, NULL, out, sizeof(out)), 1,
             "NULL context, no variables");
    UNIT_INT(s3u_var_expand("${a}", 4, NULL, out, sizeof(out)), -1,
             "NULL context: variables unresolved");

    /* compiled patterns */
    UNIT_INT(pmatch("arn:aws:s3:::b/home/${aws:username}/*", S3U_PAT_VARS,
                    "arn:aws:s3:::b/home/alice/f.txt", S3U_MATCH_ARN), 1,
             "Resource with a variable");
    UNIT_INT(pmatch("arn:aws:s3:::b/home/${aws:username}/*", S3U_PAT_VARS,
                    "arn:aws:s3:::b/home/bob/f.txt", S3U_MATCH_ARN), 0,
             "another user's folder");
    UNIT_INT(pmatch("arn:aws:s3:::b/home/${aws:username}/*", 0,
                    "arn:aws:s3:::b/home/alice/f.txt", S3U_MATCH_ARN), 0,
             "without variables (Version 2008-10-17) the text is literal");
    UNIT_INT(pmatch("arn:aws:s3:::b/${aws:username}", 0,
                    "arn:aws:s3:::b/${aws:username}", S3U_MATCH_ARN), 1,
             "... and matches itself");
    UNIT_INT(pmatch("arn:aws:s3:::b/${aws:SourceArn}/*", S3U_PAT_VARS,
                    "arn:aws:s3:::b/x/y", S3U_MATCH_ARN), 0,
             "unresolved variable matches nothing");
    UNIT_INT(pmatch("a${*}", S3U_PAT_VARS, "a*", S3U_MATCH_GLOB), 1,
             "escaped star matches a literal star");
    UNIT_INT(pmatch("a${*}", S3U_PAT_VARS, "abc", S3U_MATCH_GLOB), 0,
             "escaped star is no wildcard");
    UNIT_INT(pmatch("a${?}", S3U_PAT_VARS, "ab", S3U_MATCH_GLOB), 0,
             "escaped ? is no wildcard");
    UNIT_INT(pmatch("${s3:prefix}", S3U_PAT_VARS, "home/alice/",
                    S3U_MATCH_GLOB), 0,
             "a star in a substituted value is no wildcard");
    UNIT_INT(pmatch("${s3:prefix}", S3U_PAT_VARS, "home/al*ce/",
                    S3U_MATCH_GLOB), 1,
             "... it matches itself");
    UNIT_INT(pmatch("${aws:username}*", S3U_PAT_VARS, "alice-x",
                    S3U_MATCH_GLOB), 1,
             "written star after a variable stays a wildcard");
    UNIT_INT(pmatch("ALICE", S3U_PAT_VARS, "alice", S3U_MATCH_EQUALS), 0,
             "equals is case-sensitive");
    UNIT_INT(pmatch("ALICE", S3U_PAT_VARS, "alice", S3U_MATCH_EQUALS_ICASE), 1,
             "equals ignoring case");
    UNIT_INT(pmatch("s3:GET*", S3U_PAT_VARS, "s3:getobject",
                    S3U_MATCH_GLOB_ICASE), 1, "glob ignoring case");
    UNIT_INT(pmatch("x", S3U_PAT_VARS, "x", 99), 0, "unknown mode: no match");

    p = s3u_pattern_new("a/${aws:username}", 17, S3U_PAT_VARS, NULL, 0);
    UNIT_OK(p != NULL && s3u_pattern_has_vars(p), "has_vars");
    UNIT_STR(s3u_pattern_text(p), "a/${aws:username}", "text as written");
    UNIT_INT(s3u_pattern_match(p, NULL, "a/alice", 7, S3U_MATCH_EQUALS), 0,
             "NULL context: variable unresolved");
    s3u_pattern_free(p);

    p = s3u_pattern_new("a${*}", 5, S3U_PAT_VARS, NULL, 0);
    UNIT_OK(p != NULL && !s3u_pattern_has_vars(p), "escapes are not vars");
    s3u_pattern_free(p);
    s3u_pattern_free(NULL);

    /* an expansion beyond S3U_EXPAND_MAX matches nothing, never crashes */
    big = malloc(S3U_EXPAND_MAX + 2);
    bigpat = malloc(S3U_EXPAND_MAX + 40);
    for (i = 0; i < S3U_EXPAND_MAX + 1; i++) {
        big[i] = 'x';
    }
    big[S3U_EXPAND_MAX + 1] = '\0';
    strcpy(bigpat, big);
    strcat(bigpat, "${aws:username}");
    UNIT_INT(pmatch(bigpat, S3U_PAT_VARS, big, S3U_MATCH_GLOB), 0,
             "overlong expansion matches nothing");
    UNIT_INT(pmatch(big, S3U_PAT_VARS, big, S3U_MATCH_EQUALS), 1,
             "a long value without variables still compares");
    free(big);
    free(bigpat);

    return UNIT_DONE();
}
