/*
 * s3u_glob_match and s3u_arn_match: IAM wildcards, case folding, ARN
 * fields, and the absence of exponential backtracking.
 */

#include <string.h>

#include "policy/s3u_cond.h"
#include "unit.h"


static int
glob(const char *pat, const char *s, int icase)
{
    return s3u_glob_match(pat, strlen(pat), s, strlen(s), icase);
}


static int
arn(const char *pat, const char *s)
{
    return s3u_arn_match(pat, strlen(pat), s, strlen(s));
}


int
main(void)
{
    size_t   i;
    char     subject[20001], pattern[64];

    /* literals */
    UNIT_OK(glob("abc", "abc", 0), "literal equal");
    UNIT_OK(!glob("abc", "abd", 0), "literal differs");
    UNIT_OK(!glob("abc", "abcd", 0), "subject longer than literal");
    UNIT_OK(!glob("abcd", "abc", 0), "subject shorter than literal");
    UNIT_OK(glob("", "", 0), "empty pattern matches empty subject");
    UNIT_OK(!glob("", "a", 0), "empty pattern does not match text");

    /* star */
    UNIT_OK(glob("*", "", 0), "star matches empty");
    UNIT_OK(glob("*", "anything/at:all", 0), "star matches everything");
    UNIT_OK(glob("s3:Get*", "s3:GetObject", 0), "trailing star");
    UNIT_OK(!glob("s3:Get*", "s3:PutObject", 0),
            "trailing star, other prefix");
    UNIT_OK(glob("*Object*", "s3:GetObjectAcl", 0), "stars on both sides");
    UNIT_OK(glob("B/*/test/*", "B/1/2/test/x", 0), "star crosses slash");
    UNIT_OK(glob("B/*/test/*", "B//test/x", 0), "star matches empty segment");
    UNIT_OK(glob("B/*/test/*", "B/1/test/", 0), "trailing star matches empty");
    UNIT_OK(!glob("B/*/test/*", "B/test/x", 0), "slashes around star needed");
    UNIT_OK(glob("a*b*c", "aXXbYYc", 0), "two stars");
    UNIT_OK(glob("a*b*c", "abbbc", 0), "star needs backtracking");
    UNIT_OK(!glob("a*b*c", "abbb", 0), "missing tail after stars");
    UNIT_OK(glob("**", "x", 0), "double star");
    UNIT_OK(glob("*a", "aaa", 0), "leading star, repeated letter");
    UNIT_OK(!glob("*a", "aab", 0), "leading star, wrong last letter");

    /* question mark */
    UNIT_OK(glob("a?c", "abc", 0), "? matches one char");
    UNIT_OK(!glob("a?c", "ac", 0), "? needs one char");
    UNIT_OK(!glob("a?c", "abbc", 0), "? matches only one char");
    UNIT_OK(glob("?*", "x", 0), "? then star");
    UNIT_OK(!glob("?*", "", 0), "? then star needs one char");
    UNIT_OK(glob("a?", "a*", 0), "? matches a literal star in the subject");

    /* case */
    UNIT_OK(!glob("s3:putobject", "s3:PutObject", 0), "case-sensitive");
    UNIT_OK(glob("s3:putobject", "S3:PutObject", 1), "ignore case");
    UNIT_OK(glob("S3:PUT*", "s3:putObjectAcl", 1), "ignore case with star");
    UNIT_OK(!glob("s3:get*", "s3:PutObject", 1), "ignore case still compares");
    UNIT_OK(glob("\xc3\xa9*", "\xc3\xa9t\xc3\xa9", 0), "UTF-8 bytes compare");

    UNIT_OK(!s3u_glob_match(NULL, 0, "a", 1, 0), "NULL pattern never matches");
    UNIT_OK(s3u_glob_match("abX", 2, "abY", 2, 0), "lengths are honoured");

    /* pathological patterns: the greedy matcher is linear here */
    memset(subject, 'a', sizeof(subject) - 1);
    subject[sizeof(subject) - 1] = '\0';
    strcpy(pattern, "a*a*a*a*a*a*a*a*a*a*a*a*b");

    /* exponential backtracking would not finish: no clock needed */
    UNIT_OK(!glob(pattern, subject, 0), "a*a*...*b against a long run of a");

    subject[sizeof(subject) - 2] = 'b';
    UNIT_OK(glob(pattern, subject, 0), "the same pattern matches with a b");

    /* ARNs */
    UNIT_OK(arn("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b"),
            "ArnLike resource wildcard");
    UNIT_OK(arn("arn:aws:iam::*:role/app-*", "arn:aws:iam::123:role/app-x"),
            "wildcard account and role prefix");
    UNIT_OK(!arn("arn:aws:iam::*:role/app-*", "arn:aws:iam::123:user/app-x"),
            "resource type differs");
    UNIT_OK(!arn("arn:aws:iam::1*3:role/x", "arn:aws:iam::1:2:3:role/x"),
            "star does not cross a colon in the account field");
    UNIT_OK(glob("arn:aws:iam::1*3:role/x", "arn:aws:iam::1:2:3:role/x", 0),
            "while StringLike would cross it");
    UNIT_OK(arn("arn:aws:s3:::b/k:*", "arn:aws:s3:::b/k:with:colons"),
            "resource field keeps its colons");
    UNIT_OK(arn("arn:aws:sqs:*:*:*", "arn:aws:sqs:us-east-1:1:q"),
            "every field a star");
    UNIT_OK(!arn("arn:aws:sqs:*:*", "arn:aws:sqs:us-east-1:1:q"),
            "pattern with five fields never matches");
    UNIT_OK(!arn("arn:aws:s3:::b", "arn:aws:s3"),
            "ARN with fewer than six fields never matches");
    UNIT_OK(!arn("arn:aws:s3:::*", "not-an-arn"), "non-ARN subject");
    UNIT_OK(arn("*", "arn:aws:s3:::b"), "a bare star matches any ARN");
    UNIT_OK(!arn("arn:aws:s3:::B", "arn:aws:s3:::b"),
            "ARNs are case-sensitive");
    UNIT_OK(arn("arn:aws:s3:::b?", "arn:aws:s3:::b1"), "? in resource field");
    UNIT_OK(!arn("arn:aws:s3:::b", "arn:aws:s3:::b:"),
            "trailing colon is part of the resource");
    UNIT_OK(arn("arn:aws*:s3:::b", "arn:aws-cn:s3:::b"),
            "wildcard in the partition field");

    for (i = 0; i < 3; i++) {
        UNIT_OK(!arn("arn:aws:s3:::x", "arn:aws:s3:::y"), "repeatable %zu", i);
    }

    return UNIT_DONE();
}
