/*
 * Condition operators: every family with a match, a non-match and the
 * missing-key case; the qualifiers; several values; variables; compile
 * errors; and the one-line explanations.
 */

#include <string.h>

#include "policy/s3u_cond.h"
#include "unit.h"


#define V(...)  ((const char *const []) { __VA_ARGS__, NULL })

static const char *const  v_src_account[] = { "111122223333" };
static const char *const  v_org[] = { "o-other" };
static const char *const  v_ip4[] = { "198.51.100.7" };
static const char *const  v_ip6[] = { "2001:db8::1" };
static const char *const  v_ip_mapped[] = { "::ffff:10.1.2.3" };
static const char *const  v_acl[] = { "bucket-owner-full-control" };
static const char *const  v_true[] = { "true" };
static const char *const  v_false[] = { "false" };
static const char *const  v_max_keys[] = { "10" };
static const char *const  v_tls[] = { "1.2" };
static const char *const  v_now[] = { "2026-09-01T12:00:00Z" };
static const char *const  v_epoch[] = { "1788264000" };
static const char *const  v_role[] = {
    "arn:aws:iam::111122223333:role/lambda-exec-role"
};
static const char *const  v_tag_keys[] = { "env", "team" };
static const char *const  v_org_paths[] = {
    "o-a/r-b/ou-c/", "o-a/r-b/ou-d/"
};
static const char *const  v_bin[] = { "aGVsbG8=" };
static const char *const  v_user[] = { "alice" };
static const char *const  v_team[] = { "blue" };
static const char *const  v_empty[] = { "" };
static const char *const  v_badnum[] = { "abc" };
static const char *const  v_mixed[] = { "Bucket-Owner-Full-Control" };

static const s3u_ctx_entry_t  entries[] = {
    { "aws:SourceAccount", v_src_account, 1 },
    { "aws:PrincipalOrgID", v_org, 1 },
    { "aws:SourceIp", v_ip4, 1 },
    { "x:ip6", v_ip6, 1 },
    { "x:ipmapped", v_ip_mapped, 1 },
    { "s3:x-amz-acl", v_acl, 1 },
    { "x:acl-mixed", v_mixed, 1 },
    { "aws:SecureTransport", v_true, 1 },
    { "aws:MultiFactorAuthPresent", v_false, 1 },
    { "s3:max-keys", v_max_keys, 1 },
    { "s3:TlsVersion", v_tls, 1 },
    { "aws:CurrentTime", v_now, 1 },
    { "aws:EpochTime", v_epoch, 1 },
    { "aws:PrincipalArn", v_role, 1 },
    { "aws:TagKeys", v_tag_keys, 2 },
    { "aws:PrincipalOrgPaths", v_org_paths, 2 },
    { "x:bin", v_bin, 1 },
    { "aws:username", v_user, 1 },
    { "aws:PrincipalTag/team", v_team, 1 },
    { "x:empty", v_empty, 1 },
    { "x:novalues", v_empty, 0 },
    { "x:badnum", v_badnum, 1 },
};

static const s3u_ctx_t  ctx = {
    entries, sizeof(entries) / sizeof(entries[0])
};

static char  why[512];
static char  err[512];


static size_t
count(const char *const *values)
{
    size_t  n;

    for (n = 0; values[n] != NULL; n++) {
        /* void */
    }

    return n;
}


/* 1 / 0 as s3u_cond_eval says, -1 when the clause does not compile */
static int
ev_flags(const char *op, const char *key, const char *const *values,
    unsigned flags)
{
    int          r;
    s3u_cond_t  *c;

    why[0] = '\0';
    c = s3u_cond_new_ex(op, key, values, count(values), flags, err,
                        sizeof(err));
    if (c == NULL) {
        return -1;
    }

    r = s3u_cond_eval(c, &ctx, why, sizeof(why));
    s3u_cond_free(c);

    return r;
}


static int
ev(const char *op, const char *key, const char *const *values)
{
    return ev_flags(op, key, values, S3U_PAT_VARS);
}


/* the compile error for a clause, or "" when it compiles */
static const char *
compile_error(const char *op, const char *key, const char *const *values)
{
    s3u_cond_t  *c;

    err[0] = '\0';
    c = s3u_cond_new(op, key, values, count(values), err, sizeof(err));
    if (c != NULL) {
        s3u_cond_free(c);
        return "";
    }

    return err;
}


static void
test_string(void)
{
    UNIT_INT(ev("StringEquals", "aws:SourceAccount", V("111122223333")), 1,
             "StringEquals match");
    UNIT_INT(ev("StringEquals", "aws:PrincipalOrgID", V("o-abc123")), 0,
             "StringEquals non-match");
    UNIT_STR(why, "StringEquals aws:PrincipalOrgID: \"o-other\" is not "
             "\"o-abc123\"", "StringEquals why");
    UNIT_INT(ev("StringEquals", "aws:SourceAccount", V("111122223333"))
             + ev("StringEquals", "AWS:SOURCEACCOUNT", V("111122223333")), 2,
             "condition key names are case-insensitive");
    UNIT_INT(ev("StringEquals", "x:absent", V("a")), 0,
             "StringEquals missing key");
    UNIT_STR(why, "StringEquals x:absent: key absent from the request",
             "missing key why");
    UNIT_INT(ev("StringEquals", "s3:x-amz-acl",
                V("Bucket-Owner-Full-Control")), 0,
             "StringEquals values are case-sensitive");
    UNIT_INT(ev("StringEquals", "s3:x-amz-acl", V("bucket-owner-*")), 0,
             "StringEquals takes no wildcard");
    UNIT_INT(ev("StringEquals", "aws:PrincipalOrgID", V("o-1", "o-other")), 1,
             "several values: OR");
    UNIT_INT(ev("StringEquals", "aws:PrincipalOrgID", V("o-1", "o-2", "o-3")),
             0, "several values, none matching");
    UNIT_STR(why, "StringEquals aws:PrincipalOrgID: \"o-other\" is not "
             "\"o-1\", \"o-2\" or \"o-3\"", "several values why");
    UNIT_INT(ev("StringEquals", "x:empty", V("")), 1,
             "empty value equals empty string");
    UNIT_INT(ev("StringEquals", "x:novalues", V("a")), 0,
             "key with no values: positive false");

    UNIT_INT(ev("StringNotEquals", "s3:x-amz-acl", V("private")), 1,
             "StringNotEquals match");
    UNIT_INT(ev("StringNotEquals", "s3:x-amz-acl",
                V("private", "bucket-owner-full-control")), 0,
             "StringNotEquals: one value equal, clause false (AND)");
    UNIT_STR(why, "StringNotEquals s3:x-amz-acl: \"bucket-owner-full-control\""
             " equals \"bucket-owner-full-control\"", "StringNotEquals why");
    UNIT_INT(ev("StringNotEquals", "x:absent", V("aws:kms")), 1,
             "StringNotEquals missing key: true");
    UNIT_INT(ev("StringNotEquals", "x:novalues", V("a")), 1,
             "StringNotEquals on a key with no values: true");

    UNIT_INT(ev("StringEqualsIgnoreCase", "x:acl-mixed",
                V("bucket-owner-full-control")), 1,
             "StringEqualsIgnoreCase match");
    UNIT_INT(ev("StringEqualsIgnoreCase", "x:acl-mixed", V("private")), 0,
             "StringEqualsIgnoreCase non-match");
    UNIT_INT(ev("StringEqualsIgnoreCase", "x:absent", V("a")), 0,
             "StringEqualsIgnoreCase missing key");
    UNIT_INT(ev("StringNotEqualsIgnoreCase", "x:acl-mixed", V("private")), 1,
             "StringNotEqualsIgnoreCase match");
    UNIT_INT(ev("StringNotEqualsIgnoreCase", "x:acl-mixed",
                V("BUCKET-owner-full-control")), 0,
             "StringNotEqualsIgnoreCase non-match");
    UNIT_INT(ev("StringNotEqualsIgnoreCase", "x:absent", V("a")), 1,
             "StringNotEqualsIgnoreCase missing key: true");

    UNIT_INT(ev("StringLike", "s3:x-amz-acl", V("bucket-owner-*")), 1,
             "StringLike match");
    UNIT_INT(ev("StringLike", "s3:x-amz-acl", V("bucket-?wner-full-control")),
             1, "StringLike ? match");
    UNIT_INT(ev("StringLike", "s3:x-amz-acl", V("public-*")), 0,
             "StringLike non-match");
    UNIT_STR(why, "StringLike s3:x-amz-acl: \"bucket-owner-full-control\" "
             "does not match \"public-*\"", "StringLike why");
    UNIT_INT(ev("StringLike", "x:acl-mixed", V("bucket-*")), 0,
             "StringLike is case-sensitive");
    UNIT_INT(ev("StringLike", "x:absent", V("*")), 0,
             "StringLike missing key: even * is false");
    UNIT_INT(ev("StringNotLike", "s3:x-amz-acl", V("public-*")), 1,
             "StringNotLike match");
    UNIT_INT(ev("StringNotLike", "s3:x-amz-acl", V("x", "*-full-*")), 0,
             "StringNotLike non-match");
    UNIT_STR(why, "StringNotLike s3:x-amz-acl: \"bucket-owner-full-control\" "
             "matches \"*-full-*\"", "StringNotLike why");
    UNIT_INT(ev("StringNotLike", "x:absent", V("*")), 1,
             "StringNotLike missing key: true");
}


static void
test_numeric(void)
{
    UNIT_INT(ev("NumericEquals", "s3:max-keys", V("10")), 1, "NumericEquals");
    UNIT_INT(ev("NumericEquals", "s3:max-keys", V("10.000")), 1,
             "NumericEquals 10 = 10.000");
    UNIT_INT(ev("NumericEquals", "s3:max-keys", V("+010")), 1,
             "NumericEquals with sign and leading zero");
    UNIT_INT(ev("NumericEquals", "s3:max-keys", V("11")), 0,
             "NumericEquals non-match");
    UNIT_STR(why, "NumericEquals s3:max-keys: 10 is not 11",
             "NumericEquals why");
    UNIT_INT(ev("NumericEquals", "x:absent", V("1")), 0,
             "NumericEquals missing key");
    UNIT_INT(ev("NumericNotEquals", "s3:max-keys", V("11")), 1,
             "NumericNotEquals match");
    UNIT_INT(ev("NumericNotEquals", "s3:max-keys", V("1", "10")), 0,
             "NumericNotEquals non-match");
    UNIT_INT(ev("NumericNotEquals", "x:absent", V("1")), 1,
             "NumericNotEquals missing key: true");

    UNIT_INT(ev("NumericLessThan", "s3:max-keys", V("11")), 1,
             "NumericLessThan match");
    UNIT_INT(ev("NumericLessThan", "s3:max-keys", V("10")), 0,
             "NumericLessThan equal is not less");
    UNIT_STR(why, "NumericLessThan s3:max-keys: 10 is not less than 10",
             "NumericLessThan why");
    UNIT_INT(ev("NumericLessThan", "x:absent", V("1")), 0,
             "NumericLessThan missing key");
    UNIT_INT(ev("NumericLessThanEquals", "s3:max-keys", V("10")), 1,
             "NumericLessThanEquals equal");
    UNIT_INT(ev("NumericLessThanEquals", "s3:max-keys", V("9.99")), 0,
             "NumericLessThanEquals non-match");
    UNIT_INT(ev("NumericLessThanEquals", "x:absent", V("1")), 0,
             "NumericLessThanEquals missing key");
    UNIT_INT(ev("NumericGreaterThan", "s3:max-keys", V("-5")), 1,
             "NumericGreaterThan negative bound");
    UNIT_INT(ev("NumericGreaterThan", "s3:max-keys", V("10.5")), 0,
             "NumericGreaterThan non-match");
    UNIT_INT(ev("NumericGreaterThan", "x:absent", V("1")), 0,
             "NumericGreaterThan missing key");
    UNIT_INT(ev("NumericGreaterThanEquals", "s3:TlsVersion", V("1.2")), 1,
             "NumericGreaterThanEquals decimal equal");
    UNIT_INT(ev("NumericGreaterThanEquals", "s3:TlsVersion", V("1.3")), 0,
             "NumericGreaterThanEquals decimal non-match");
    UNIT_INT(ev("NumericGreaterThanEquals", "s3:TlsVersion", V("1.19999")), 1,
             "1.2 >= 1.19999 (digit by digit, not by string length)");
    UNIT_INT(ev("NumericGreaterThanEquals", "x:absent", V("1")), 0,
             "NumericGreaterThanEquals missing key");
    UNIT_INT(ev("NumericLessThan", "s3:TlsVersion", V("-1.3")), 0,
             "1.2 is not less than -1.3");
    UNIT_INT(ev("NumericEquals", "x:badnum", V("1")), 0,
             "request value not a number: no match");
    UNIT_STR(why, "NumericEquals x:badnum: abc is not a number",
             "not-a-number why");
    UNIT_INT(ev("NumericNotEquals", "x:badnum", V("1")), 1,
             "request value not a number: negated true");
}


static void
test_date(void)
{
    UNIT_INT(ev("DateEquals", "aws:CurrentTime", V("2026-09-01T12:00:00Z")), 1,
             "DateEquals ISO");
    UNIT_INT(ev("DateEquals", "aws:CurrentTime", V("1788264000")), 1,
             "DateEquals epoch policy value, ISO request value");
    UNIT_INT(ev("DateEquals", "aws:EpochTime", V("2026-09-01T12:00:00Z")), 1,
             "DateEquals ISO policy value, epoch request value");
    UNIT_INT(ev("DateEquals", "aws:CurrentTime",
                V("2026-09-01T14:00:00+02:00")), 1, "DateEquals zone +02:00");
    UNIT_INT(ev("DateEquals", "aws:CurrentTime",
                V("2026-09-01T07:00:00-0500")), 1, "DateEquals zone -0500");
    UNIT_INT(ev("DateEquals", "aws:CurrentTime", V("2026-09-01T12:00Z")), 1,
             "DateEquals without seconds");
    UNIT_INT(ev("DateEquals", "aws:CurrentTime", V("2026-09-01T12:00:00")), 1,
             "DateEquals without zone is UTC");
    UNIT_INT(ev("DateEquals", "aws:CurrentTime",
                V("2026-09-01T12:00:00.000Z")), 1,
             "DateEquals zero fraction");
    UNIT_INT(ev("DateEquals", "aws:CurrentTime",
                V("2026-09-01T12:00:00.001Z")), 0,
             "DateEquals fraction differs");
    UNIT_INT(ev("DateEquals", "aws:CurrentTime", V("2026-09-01")), 0,
             "a date alone is midnight");
    UNIT_STR(why, "DateEquals aws:CurrentTime: 2026-09-01T12:00:00Z is not "
             "2026-09-01", "DateEquals why");
    UNIT_INT(ev("DateEquals", "x:absent", V("2026-09-01")), 0,
             "DateEquals missing key");
    UNIT_INT(ev("DateNotEquals", "aws:CurrentTime", V("2026-09-01")), 1,
             "DateNotEquals match");
    UNIT_INT(ev("DateNotEquals", "aws:CurrentTime", V("1788264000")), 0,
             "DateNotEquals non-match");
    UNIT_INT(ev("DateNotEquals", "x:absent", V("2026-09-01")), 1,
             "DateNotEquals missing key: true");
    UNIT_INT(ev("DateLessThan", "aws:CurrentTime", V("2026-09-02")), 1,
             "DateLessThan match");
    UNIT_INT(ev("DateLessThan", "aws:CurrentTime", V("2026-09")), 0,
             "DateLessThan non-match (YYYY-MM form)");
    UNIT_STR(why, "DateLessThan aws:CurrentTime: 2026-09-01T12:00:00Z is not "
             "before 2026-09", "DateLessThan why");
    UNIT_INT(ev("DateLessThan", "x:absent", V("2030-01-01")), 0,
             "DateLessThan missing key");
    UNIT_INT(ev("DateLessThanEquals", "aws:CurrentTime",
                V("2026-09-01T12:00:00Z")), 1, "DateLessThanEquals equal");
    UNIT_INT(ev("DateLessThanEquals", "aws:CurrentTime",
                V("2026-09-01T11:59:59.999Z")), 0,
             "DateLessThanEquals non-match");
    UNIT_INT(ev("DateLessThanEquals", "x:absent", V("2030-01-01")), 0,
             "DateLessThanEquals missing key");
    UNIT_INT(ev("DateGreaterThan", "aws:CurrentTime", V("2025-12-31T23:59Z")),
             1, "DateGreaterThan match");
    UNIT_INT(ev("DateGreaterThan", "aws:CurrentTime", V("2027-01-01")), 0,
             "DateGreaterThan non-match");
    UNIT_INT(ev("DateGreaterThan", "x:absent", V("2020-01-01")), 0,
             "DateGreaterThan missing key");
    UNIT_INT(ev("DateGreaterThanEquals", "aws:CurrentTime", V("1788264000")),
             1, "DateGreaterThanEquals equal (epoch)");
    UNIT_INT(ev("DateGreaterThanEquals", "aws:CurrentTime", V("1788264000.5")),
             0, "DateGreaterThanEquals epoch with fraction");
    UNIT_INT(ev("DateGreaterThanEquals", "x:absent", V("2020-01-01")), 0,
             "DateGreaterThanEquals missing key");
    UNIT_INT(ev("DateGreaterThan", "aws:CurrentTime", V("2024-02-29")), 1,
             "leap day accepted");
    UNIT_INT(ev("DateLessThan", "aws:CurrentTime", V("1969-12-31T23:59:59Z")),
             0, "date before the epoch");
    UNIT_INT(ev("DateGreaterThan", "aws:CurrentTime", V("-1")), 1,
             "negative epoch seconds");
    UNIT_INT(ev("DateEquals", "x:badnum", V("2020-01-01")), 0,
             "request value not a date: no match");
}


static void
test_bool_binary_null(void)
{
    UNIT_INT(ev("Bool", "aws:SecureTransport", V("true")), 1, "Bool match");
    UNIT_INT(ev("Bool", "aws:SecureTransport", V("TRUE")), 1,
             "Bool values ignore case");
    UNIT_INT(ev("Bool", "aws:SecureTransport", V("false")), 0,
             "Bool non-match");
    UNIT_STR(why, "Bool aws:SecureTransport: \"true\" is not \"false\"",
             "Bool why");
    UNIT_INT(ev("Bool", "x:absent", V("false")), 0, "Bool missing key");
    UNIT_INT(ev("BoolIfExists", "aws:MultiFactorAuthPresent", V("false")), 1,
             "BoolIfExists present and false (role session)");
    UNIT_INT(ev("BoolIfExists", "aws:MultiFactorAuthPresent", V("true")), 0,
             "BoolIfExists present, other value");
    UNIT_INT(ev("BoolIfExists", "x:absent", V("true")), 1,
             "BoolIfExists missing key: true");
    UNIT_INT(ev("Bool", "x:badnum", V("true")), 0, "Bool on a non-boolean");

    UNIT_INT(ev("BinaryEquals", "x:bin", V("aGVsbG8=")), 1, "BinaryEquals");
    UNIT_INT(ev("BinaryEquals", "x:bin", V("aGVsbG8")), 1,
             "BinaryEquals compares bytes, padding optional");
    UNIT_INT(ev("BinaryEquals", "x:bin", V("d29ybGQ=")), 0,
             "BinaryEquals non-match");
    UNIT_INT(ev("BinaryEquals", "x:absent", V("aGVsbG8=")), 0,
             "BinaryEquals missing key");
    UNIT_INT(ev("BinaryEquals", "x:badnum", V("aGVsbG8=")), 0,
             "BinaryEquals request value not base64");

    UNIT_INT(ev("Null", "x:absent", V("true")), 1, "Null true, key absent");
    UNIT_INT(ev("Null", "aws:SourceIp", V("true")), 0,
             "Null true, key present");
    UNIT_STR(why, "Null aws:SourceIp: key present in the request (Null "
             "\"true\" requires it absent)", "Null true why");
    UNIT_INT(ev("Null", "aws:SourceIp", V("false")), 1,
             "Null false, key present");
    UNIT_INT(ev("Null", "x:absent", V("false")), 0, "Null false, key absent");
    UNIT_STR(why, "Null x:absent: key absent from the request (Null \"false\" "
             "requires it present)", "Null false why");
    UNIT_INT(ev("Null", "x:empty", V("true")), 1,
             "Null: an empty value counts as null");
    UNIT_INT(ev("Null", "x:empty", V("false")), 0,
             "Null false: an empty value is not a value");
    UNIT_INT(ev("Null", "aws:TagKeys", V("false")), 1,
             "Null false on a multivalued key");
}


static void
test_ip(void)
{
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("198.51.100.0/24")), 1,
             "IpAddress /24 match");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("203.0.113.0/24")), 0,
             "IpAddress non-match");
    UNIT_STR(why, "IpAddress aws:SourceIp: 198.51.100.7 not in 203.0.113.0/24",
             "IpAddress why");
    UNIT_INT(ev("IpAddress", "x:absent", V("0.0.0.0/0")), 0,
             "IpAddress missing key (VPC endpoint)");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("198.51.100.7")), 1,
             "bare address is a /32");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("198.51.100.6")), 0,
             "bare address, neighbour");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("198.51.100.6/31")), 1,
             "/31 holds .6 and .7");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("198.51.100.8/30")), 0,
             "/30 next block");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("0.0.0.0/0")), 1,
             "/0 holds all");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("198.51.100.200/24")), 1,
             "host bits in the block are ignored");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("198.51.96.0/21")), 1,
             "/21 (prefix not on a byte boundary)");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("198.51.104.0/21")), 0,
             "/21 next block");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("10.0.0.0/8", "198.51.0.0/16")),
             1, "several blocks: OR");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("2001:db8::/32")), 0,
             "IPv4 request against an IPv6 block");
    UNIT_INT(ev("IpAddress", "x:ip6", V("2001:db8::/32")), 1, "IPv6 /32");
    UNIT_INT(ev("IpAddress", "x:ip6", V("2001:db8::1/128")), 1, "IPv6 /128");
    UNIT_INT(ev("IpAddress", "x:ip6", V("2001:db8::2/127")), 0,
             "IPv6 /127 other pair");
    UNIT_INT(ev("IpAddress", "x:ip6", V("2001:db9::/33")), 0,
             "IPv6 other block");
    UNIT_INT(ev("IpAddress", "x:ipmapped", V("10.0.0.0/8")), 1,
             "IPv4-mapped IPv6 request value");
    UNIT_INT(ev("IpAddress", "aws:SourceIp", V("::ffff:198.51.100.0/120")), 1,
             "IPv4-mapped IPv6 block");
    UNIT_INT(ev("NotIpAddress", "aws:SourceIp", V("203.0.113.0/24")), 1,
             "NotIpAddress match");
    UNIT_INT(ev("NotIpAddress", "aws:SourceIp",
                V("203.0.113.0/24", "198.51.100.0/24")), 0,
             "NotIpAddress non-match");
    UNIT_STR(why, "NotIpAddress aws:SourceIp: 198.51.100.7 in 198.51.100.0/24",
             "NotIpAddress why");
    UNIT_INT(ev("NotIpAddress", "x:absent", V("10.0.0.0/8")), 1,
             "NotIpAddress missing key: true");
    UNIT_INT(ev("IpAddress", "x:badnum", V("0.0.0.0/0")), 0,
             "IpAddress request value not an address");
}


static void
test_arn(void)
{
    const char  *role = "arn:aws:iam::111122223333:role/lambda-exec-role";

    UNIT_INT(ev("ArnEquals", "aws:PrincipalArn", V(role)), 1, "ArnEquals");
    UNIT_INT(ev("ArnEquals", "aws:PrincipalArn",
                V("arn:aws:iam::111122223333:role/*")), 1,
             "ArnEquals takes wildcards like ArnLike");
    UNIT_INT(ev("ArnEquals", "aws:PrincipalArn",
                V("arn:aws:iam::444455556666:role/lambda-exec-role")), 0,
             "ArnEquals non-match");
    UNIT_INT(ev("ArnEquals", "x:absent", V(role)), 0, "ArnEquals missing key");
    UNIT_INT(ev("ArnLike", "aws:PrincipalArn",
                V("arn:aws:iam::*:role/lambda-*")), 1, "ArnLike match");
    UNIT_INT(ev("ArnLike", "aws:PrincipalArn", V("arn:aws:iam::*:user/*")), 0,
             "ArnLike non-match");
    UNIT_STR(why, "ArnLike aws:PrincipalArn: \"arn:aws:iam::111122223333:role/"
             "lambda-exec-role\" does not match \"arn:aws:iam::*:user/*\"",
             "ArnLike why");
    UNIT_INT(ev("ArnLike", "aws:PrincipalArn",
                V("arn:*:role/lambda-exec-role")), 0,
             "ArnLike: a star does not swallow the colons");
    UNIT_INT(ev("StringLike", "aws:PrincipalArn",
                V("arn:*:role/lambda-exec-role")), 1,
             "... where StringLike would");
    UNIT_INT(ev("ArnLike", "x:absent", V("*")), 0, "ArnLike missing key");
    UNIT_INT(ev("ArnNotEquals", "aws:PrincipalArn",
                V("arn:aws:iam::111122223333:role/other")), 1,
             "ArnNotEquals match");
    UNIT_INT(ev("ArnNotEquals", "aws:PrincipalArn", V(role)), 0,
             "ArnNotEquals non-match");
    UNIT_INT(ev("ArnNotEquals", "x:absent", V(role)), 1,
             "ArnNotEquals missing key: true");
    UNIT_INT(ev("ArnNotLike", "aws:PrincipalArn", V("arn:aws:iam::*:user/*")),
             1, "ArnNotLike match");
    UNIT_INT(ev("ArnNotLike", "aws:PrincipalArn", V("arn:aws:iam::*:role/*")),
             0, "ArnNotLike non-match");
    UNIT_INT(ev("ArnNotLike", "x:absent", V("*")), 1,
             "ArnNotLike missing key: true");
    UNIT_INT(ev("ArnLike", "aws:SourceAccount", V("*")), 1,
             "ArnLike bare star");
    UNIT_INT(ev("ArnLike", "aws:SourceAccount", V("arn:*:*:*:*:*")), 0,
             "ArnLike against a non-ARN value");
}


static void
test_if_exists(void)
{
    UNIT_INT(ev("StringEqualsIfExists", "x:absent", V("a")), 1,
             "StringEqualsIfExists missing key: true");
    UNIT_INT(ev("StringEqualsIfExists", "s3:x-amz-acl", V("private")), 0,
             "StringEqualsIfExists present, other value");
    UNIT_INT(ev("StringEqualsIfExists", "s3:x-amz-acl",
                V("bucket-owner-full-control")), 1,
             "StringEqualsIfExists present, same value");
    UNIT_INT(ev("StringNotEqualsIfExists", "s3:x-amz-acl",
                V("bucket-owner-full-control")), 0,
             "StringNotEqualsIfExists present and equal");
    UNIT_INT(ev("StringNotEqualsIfExists", "x:absent", V("a")), 1,
             "StringNotEqualsIfExists missing key: true");
    UNIT_INT(ev("IpAddressIfExists", "x:absent", V("10.0.0.0/8")), 1,
             "IpAddressIfExists missing key");
    UNIT_INT(ev("IpAddressIfExists", "aws:SourceIp", V("10.0.0.0/8")), 0,
             "IpAddressIfExists present, outside");
    UNIT_INT(ev("NumericLessThanIfExists", "x:absent", V("1")), 1,
             "NumericLessThanIfExists missing key");
    UNIT_INT(ev("DateLessThanIfExists", "x:absent", V("2020-01-01")), 1,
             "DateLessThanIfExists missing key");
    UNIT_INT(ev("ArnLikeIfExists", "x:absent", V("arn:*:*:*:*:*")), 1,
             "ArnLikeIfExists missing key");
    UNIT_INT(ev("StringLikeIfExists", "x:novalues", V("*")), 0,
             "IfExists on a key present with no values: evaluated");
}


static void
test_sets(void)
{
    UNIT_INT(ev("ForAnyValue:StringEquals", "aws:TagKeys", V("team")), 1,
             "ForAnyValue match");
    UNIT_INT(ev("ForAnyValue:StringEquals", "aws:TagKeys", V("cost")), 0,
             "ForAnyValue non-match");
    UNIT_STR(why, "ForAnyValue:StringEquals aws:TagKeys: no request value "
             "(\"env\", \"team\") equals \"cost\"", "ForAnyValue why");
    UNIT_INT(ev("ForAnyValue:StringEquals", "x:absent", V("a")), 0,
             "ForAnyValue missing key: false");
    UNIT_INT(ev("ForAnyValue:StringEquals", "x:novalues", V("a")), 0,
             "ForAnyValue empty set: false");
    UNIT_INT(ev("ForAnyValue:StringLike", "aws:PrincipalOrgPaths",
                V("o-a/r-b/ou-d/*")), 1, "ForAnyValue:StringLike org paths");
    UNIT_INT(ev("ForAnyValue:StringNotEquals", "aws:TagKeys", V("env")), 1,
             "ForAnyValue:StringNotEquals: some value is not env");
    UNIT_INT(ev("ForAnyValue:StringNotEquals", "aws:TagKeys",
                V("env", "team")), 0,
             "ForAnyValue:StringNotEquals: every value listed");
    UNIT_STR(why, "ForAnyValue:StringNotEquals aws:TagKeys: every request "
             "value (\"env\", \"team\") equals one of \"env\", \"team\"",
             "ForAnyValue negated why");
    UNIT_INT(ev("ForAnyValue:StringEqualsIfExists", "x:absent", V("a")), 1,
             "ForAnyValue with IfExists, missing key: true");

    UNIT_INT(ev("ForAllValues:StringEquals", "aws:TagKeys",
                V("env", "team", "cost")), 1, "ForAllValues match (subset)");
    UNIT_INT(ev("ForAllValues:StringEquals", "aws:TagKeys", V("env")), 0,
             "ForAllValues non-match");
    UNIT_STR(why, "ForAllValues:StringEquals aws:TagKeys: request value "
             "\"team\" is not \"env\"", "ForAllValues why");
    UNIT_INT(ev("ForAllValues:StringEquals", "x:absent", V("a")), 1,
             "ForAllValues missing key: true");
    UNIT_INT(ev("ForAllValues:StringEquals", "x:novalues", V("a")), 1,
             "ForAllValues empty set: true");
    UNIT_INT(ev("ForAllValues:StringNotEquals", "aws:TagKeys", V("cost")), 1,
             "ForAllValues:StringNotEquals: none listed");
    UNIT_INT(ev("ForAllValues:StringNotEquals", "aws:TagKeys", V("team")), 0,
             "ForAllValues:StringNotEquals: one listed");
    UNIT_INT(ev("ForAllValues:StringNotLike", "x:absent", V("o-a/*")), 1,
             "ForAllValues with a negated operator, missing key: true "
             "(our choice)");
    UNIT_INT(ev("ForAllValues:ArnLike", "x:absent", V("arn:*:*:*:*:*")), 1,
             "ForAllValues:ArnLike missing key: true");

    /* no qualifier on a multivalued key */
    UNIT_INT(ev("StringEquals", "aws:TagKeys", V("team")), 1,
             "multivalued key, positive operator: any value");
    UNIT_INT(ev("StringEquals", "aws:TagKeys", V("cost", "x")), 0,
             "multivalued key, positive operator: none");
    UNIT_STR(why, "StringEquals aws:TagKeys: no request value (\"env\", "
             "\"team\") equals \"cost\" or \"x\"", "multivalued why");
    UNIT_INT(ev("StringNotEquals", "aws:TagKeys", V("team")), 0,
             "multivalued key, negated operator: false if any value matches");
    UNIT_INT(ev("StringNotEquals", "aws:TagKeys", V("cost")), 1,
             "multivalued key, negated operator: true if none matches");
}


static void
test_variables(void)
{
    UNIT_INT(ev("StringEquals", "aws:PrincipalTag/team",
                V("${aws:PrincipalTag/team}")), 1,
             "variable resolves to the same value");
    UNIT_INT(ev("StringLike", "s3:x-amz-acl", V("${aws:username}*")), 0,
             "variable prefix differs");
    UNIT_INT(ev("StringEquals", "aws:username", V("${aws:PrincipalTag/dept}")),
             0, "unresolved variable: positive operator false");
    UNIT_STR(why, "StringEquals aws:username: \"alice\" is not "
             "\"${aws:PrincipalTag/dept}\" (variable aws:PrincipalTag/dept "
             "absent from the request)", "unresolved variable why");
    UNIT_INT(ev("StringNotEquals", "aws:username",
                V("${aws:PrincipalTag/dept}")), 1,
             "unresolved variable: negated operator true");
    UNIT_INT(ev("StringEquals", "aws:PrincipalTag/team",
                V("${aws:PrincipalTag/dept, 'blue'}")), 1,
             "default used for the absent key");
    UNIT_INT(ev("ArnLike", "aws:PrincipalArn",
                V("arn:aws:iam::${aws:SourceAccount}:role/*")), 1,
             "variable inside an ARN");
    UNIT_INT(ev_flags("StringEquals", "aws:PrincipalTag/team",
                      V("${aws:PrincipalTag/team}"), 0), 0,
             "variables off (Version 2008-10-17): literal text");
    UNIT_INT(ev("StringEquals", "aws:username", V("${aws:USERNAME}")), 1,
             "variable key names are case-insensitive");
    UNIT_INT(ev("StringLike", "aws:username", V("al${*}")), 0,
             "${*} is a literal star, not a wildcard");
}


static void
test_compile(void)
{
    s3u_cond_t  *c;

    UNIT_STR(compile_error("StringEqual", "k", V("a")),
             "unknown condition operator \"StringEqual\"", "unknown operator");
    UNIT_STR(compile_error("stringEquals", "k", V("a")),
             "unknown condition operator \"stringEquals\" (operator names are "
             "case-sensitive: StringEquals)", "operator case hint");
    UNIT_STR(compile_error("ForAllValues:StringEqualsIfexists", "k", V("a")),
             "unknown condition operator "
             "\"ForAllValues:StringEqualsIfexists\"",
             "bad IfExists suffix");
    UNIT_STR(compile_error("ForSomeValues:StringEquals", "k", V("a")),
             "unknown condition operator \"ForSomeValues:StringEquals\"",
             "unknown qualifier");
    UNIT_STR(compile_error("IfExists", "k", V("a")),
             "unknown condition operator \"IfExists\"", "IfExists alone");
    UNIT_STR(compile_error("NullIfExists", "k", V("true")),
             "condition operator \"NullIfExists\": Null takes neither "
             "IfExists nor a ForAllValues:/ForAnyValue: qualifier",
             "NullIfExists");
    UNIT_STR(compile_error("ForAnyValue:Null", "k", V("true")),
             "condition operator \"ForAnyValue:Null\": Null takes neither "
             "IfExists nor a ForAllValues:/ForAnyValue: qualifier",
             "ForAnyValue:Null");
    UNIT_STR(compile_error("IpAddress", "aws:SourceIp", V("10.0.0.0/33")),
             "IpAddress: \"10.0.0.0/33\" is not an IPv4 or IPv6 address or "
             "CIDR", "bad CIDR prefix");
    UNIT_OK(compile_error("IpAddress", "k", V("10.0.0/8"))[0] != '\0',
            "bad IPv4 address");
    UNIT_OK(compile_error("IpAddress", "k", V("10.0.0.0/"))[0] != '\0',
            "empty prefix");
    UNIT_OK(compile_error("IpAddress", "k", V("10.0.0.0/08"))[0] != '\0',
            "prefix with a leading zero");
    UNIT_OK(compile_error("NotIpAddress", "k", V("2001:db8::/129"))[0] != '\0',
            "IPv6 prefix over 128");
    UNIT_OK(compile_error("IpAddress", "k", V("2001:db8::/128"))[0] == '\0',
            "IPv6 /128 compiles");
    UNIT_STR(compile_error("DateLessThan", "aws:CurrentTime",
                           V("2026-13-01T00:00:00Z")),
             "DateLessThan: \"2026-13-01T00:00:00Z\" is not a date (ISO 8601 "
             "such as 2026-09-01T12:00:00Z, or epoch seconds)", "bad month");
    UNIT_OK(compile_error("DateEquals", "k", V("2025-02-29"))[0] != '\0',
            "no 29 February in 2025");
    UNIT_OK(compile_error("DateEquals", "k", V("2026-09-01T24:00Z"))[0]
            != '\0', "hour 24");
    UNIT_OK(compile_error("DateEquals", "k", V("2026-09-01T12:00:00+25:00"))[0]
            != '\0', "zone +25:00");
    UNIT_OK(compile_error("DateEquals", "k", V("yesterday"))[0] != '\0',
            "words are no date");
    UNIT_OK(compile_error("DateEquals", "k", V("2026-09-01 12:00"))[0] != '\0',
            "space instead of T");
    UNIT_STR(compile_error("NumericLessThan", "s3:max-keys", V("ten")),
             "NumericLessThan: \"ten\" is not a number (digits with an "
             "optional sign and decimal fraction)", "bad number");
    UNIT_OK(compile_error("NumericEquals", "k", V("1e3"))[0] != '\0',
            "exponent rejected");
    UNIT_OK(compile_error("NumericEquals", "k", V("."))[0] != '\0',
            "lone dot rejected");
    UNIT_OK(compile_error("NumericEquals", "k", V(""))[0] != '\0',
            "empty number rejected");
    UNIT_OK(compile_error("NumericEquals", "k", V("1.5.2"))[0] != '\0',
            "two dots rejected");
    UNIT_STR(compile_error("Bool", "aws:SecureTransport", V("yes")),
             "Bool: \"yes\" is not \"true\" or \"false\"", "bad boolean");
    UNIT_STR(compile_error("Null", "k", V("1")),
             "Null: \"1\" is not \"true\" or \"false\"", "bad Null value");
    UNIT_STR(compile_error("BinaryEquals", "k", V("not base64!")),
             "BinaryEquals: \"not base64!\" is not base64", "bad base64");
    UNIT_OK(compile_error("BinaryEquals", "k", V("aGVsbG8==="))[0] != '\0',
            "too much padding");
    UNIT_OK(compile_error("BinaryEquals", "k", V("a"))[0] != '\0',
            "one base64 character");
    UNIT_OK(compile_error("StringEquals", "", V("a"))[0] != '\0',
            "empty key rejected");

    err[0] = '\0';
    c = s3u_cond_new("StringEquals", "k", NULL, 0, err, sizeof(err));
    UNIT_OK(c == NULL && strstr(err, "no values") != NULL, "no values: %s",
            err);

    c = s3u_cond_new("ForAnyValue:StringLikeIfExists", "Aws:TagKeys",
                     V("a*", "b${?}", "${aws:username}"), 3, err,
                     sizeof(err));
    UNIT_OK(c != NULL, "qualified operator compiles");
    UNIT_STR(s3u_cond_op_name(c), "ForAnyValue:StringLikeIfExists",
             "operator as written");
    UNIT_STR(s3u_cond_key(c), "Aws:TagKeys", "key as written");
    UNIT_INT(s3u_cond_nvalues(c), 3, "value count");
    UNIT_STR(s3u_cond_value(c, 1), "b${?}", "value as written");
    UNIT_OK(s3u_cond_value(c, 3) == NULL, "value out of range");
    UNIT_INT(s3u_cond_has_wildcard(c), 1, "has a wildcard");
    UNIT_INT(s3u_cond_has_vars(c), 1, "has a variable");
    s3u_cond_free(c);

    c = s3u_cond_new("StringLike", "k", V("b${?}"), 1, err, sizeof(err));
    UNIT_INT(s3u_cond_has_wildcard(c), 0, "escaped ? is no wildcard");
    UNIT_INT(s3u_cond_has_vars(c), 0, "an escape is no variable");
    s3u_cond_free(c);

    c = s3u_cond_new("StringEquals", "k", V("a*"), 1, err, sizeof(err));
    UNIT_INT(s3u_cond_has_wildcard(c), 0, "StringEquals never has wildcards");
    s3u_cond_free(c);

    UNIT_INT(s3u_cond_eval(NULL, &ctx, why, sizeof(why)), 0, "NULL clause");
    s3u_cond_free(NULL);

    c = s3u_cond_new("StringEquals", "aws:PrincipalOrgID", V("o-abc123"), 1,
                     err, sizeof(err));
    UNIT_INT(s3u_cond_eval(c, &ctx, why, 10), 0, "short why buffer");
    UNIT_INT(strlen(why), 9, "why cut and terminated");
    UNIT_INT(s3u_cond_eval(c, &ctx, NULL, 0), 0, "no why buffer");
    UNIT_INT(s3u_cond_eval(c, NULL, why, sizeof(why)), 0, "NULL context");
    s3u_cond_free(c);
}


int
main(void)
{
    test_string();
    test_numeric();
    test_date();
    test_bool_binary_null();
    test_ip();
    test_arn();
    test_if_exists();
    test_sets();
    test_variables();
    test_compile();

    return UNIT_DONE();
}
