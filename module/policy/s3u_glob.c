/*
 * IAM wildcard matching.  '*' matches any run of characters (including
 * '/' and ':'), '?' exactly one.  The matcher is the greedy two-pointer
 * walk: on a mismatch it only ever retries from the last '*', so patterns
 * such as "a*a*a*a*b" cost O(pattern * subject) at worst, never an
 * exponential backtrack.
 */

#include <stddef.h>
#include <string.h>

#include "policy/s3u_cond.h"
#include "policy/s3u_cond_int.h"


static unsigned char
s3u_glob_fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + ('a' - 'A')) : c;
}


int
s3u_glob_match_lit(const char *pat, const unsigned char *lit, size_t pat_len,
    const char *s, size_t s_len, int ignore_case)
{
    size_t         pi, si, star_pi, star_si;
    int            have_star;
    unsigned char  pc, sc;

    pi = 0;
    si = 0;
    star_pi = 0;
    star_si = 0;
    have_star = 0;

    while (si < s_len) {
        if (pi < pat_len) {
            pc = (unsigned char) pat[pi];

            if (pc == '*' && (lit == NULL || !lit[pi])) {
                /* remember where to resume: the star first matches
                 * nothing, and grows by one on each later mismatch */
                have_star = 1;
                star_pi = ++pi;
                star_si = si;
                continue;
            }

            sc = (unsigned char) s[si];

            if ((pc == '?' && (lit == NULL || !lit[pi]))
                || pc == sc
                || (ignore_case && s3u_glob_fold(pc) == s3u_glob_fold(sc)))
            {
                pi++;
                si++;
                continue;
            }
        }

        if (!have_star) {
            return 0;
        }

        pi = star_pi;
        si = ++star_si;
    }

    while (pi < pat_len && pat[pi] == '*' && (lit == NULL || !lit[pi])) {
        pi++;
    }

    return pi == pat_len;
}


int
s3u_glob_match(const char *pattern, size_t pattern_len, const char *s,
    size_t s_len, int ignore_case)
{
    if (pattern == NULL || s == NULL) {
        return 0;
    }

    return s3u_glob_match_lit(pattern, NULL, pattern_len, s, s_len,
                              ignore_case);
}


/* the length of the next field: up to the next ':', or everything for the
 * sixth (resource) field, which keeps its colons */
static size_t
s3u_arn_field(const char *p, size_t len, int last)
{
    const char  *colon;

    if (last) {
        return len;
    }

    colon = memchr(p, ':', len);

    return colon ? (size_t) (colon - p) : len;
}


int
s3u_arn_match_lit(const char *pat, const unsigned char *lit, size_t pat_len,
    const char *arn, size_t arn_len)
{
    int     field;
    size_t  pf, af;

    if (pat == NULL || arn == NULL) {
        return 0;
    }

    /* a bare "*" is "any resource" (Resource: "*", ArnLike "*") */
    if (pat_len == 1 && pat[0] == '*' && (lit == NULL || !lit[0])) {
        return 1;
    }

    for (field = 0; field < 6; field++) {
        pf = s3u_arn_field(pat, pat_len, field == 5);
        af = s3u_arn_field(arn, arn_len, field == 5);

        if (field < 5 && (pf == pat_len || af == arn_len)) {
            /* fewer than six fields on either side */
            return 0;
        }

        if (!s3u_glob_match_lit(pat, lit, pf, arn, af, 0)) {
            return 0;
        }

        if (field < 5) {
            pat += pf + 1;
            pat_len -= pf + 1;
            arn += af + 1;
            arn_len -= af + 1;

            if (lit != NULL) {
                lit += pf + 1;
            }
        }
    }

    return 1;
}


int
s3u_arn_match(const char *pattern, size_t pattern_len, const char *arn,
    size_t arn_len)
{
    return s3u_arn_match_lit(pattern, NULL, pattern_len, arn, arn_len);
}
