/*
 * libFuzzer target: the condition evaluator and its leaves
 * (policy/s3u_cond.h): clause compilation and evaluation, wildcard and ARN
 * matching, policy variables and compiled patterns.
 *
 * Input, one item per line:
 *
 *     OPERATOR
 *     KEY
 *     VALUE          (policy values, any number, up to a line "--")
 *     --
 *     CTXKEY=V1<TAB>V2...   (request context; a line without '=' is a key
 *                            with no value)
 *
 * e.g. "StringLike\naws:PrincipalArn\narn:aws:iam::*:role/${aws:username}\n
 * --\naws:PrincipalArn=arn:aws:iam::1:role/x\naws:username=x\n".
 *
 * Contracts checked: compile errors come with a message; accessors give
 * back what was written; evaluation is 0 or 1 whatever the explanation
 * buffer (NULL, 1 byte, short, long) and the explanation is terminated;
 * "...IfExists" and "ForAllValues:" hold when the key is absent; Null
 * agrees with presence (a key with only empty values is null); String and Arn operators and their Not forms
 * disagree on a present single-valued key; a pattern without variables
 * matches exactly as s3u_glob_match / s3u_arn_match / equality do; a
 * string without wildcards globs itself; expansion is terminated and fits.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/s3u_cond.h"

#include "fuzz_util.h"


#define FUZZ_COND_MAX_VALUES  16
#define FUZZ_COND_MAX_CTX     16
#define FUZZ_COND_MAX_MULTI   8


typedef struct {
    char             *op;
    char             *key;
    char             *values[FUZZ_COND_MAX_VALUES];
    size_t            nvalues;

    s3u_ctx_entry_t   entries[FUZZ_COND_MAX_CTX];
    char             *ctx_keys[FUZZ_COND_MAX_CTX];
    char             *ctx_vals[FUZZ_COND_MAX_CTX][FUZZ_COND_MAX_MULTI];
    size_t            nentries;
    s3u_ctx_t         ctx;
} fuzz_cond_in_t;


static void
fuzz_cond_parse(const uint8_t *data, size_t size, fuzz_cond_in_t *in)
{
    size_t         n, i, j, nv;
    int            in_ctx;
    fuzz_piece_t   lines[2 + FUZZ_COND_MAX_VALUES + 1 + FUZZ_COND_MAX_CTX];
    fuzz_piece_t   vals[FUZZ_COND_MAX_MULTI];
    const uint8_t *eq;
    s3u_ctx_entry_t *e;

    memset(in, 0, sizeof(*in));
    n = fuzz_split(data, size, '\n', lines,
                   sizeof(lines) / sizeof(lines[0]));

    in->op = fuzz_strndup(lines[0].data, lines[0].len);
    in->key = fuzz_strndup(n > 1 ? lines[1].data : NULL,
                           n > 1 ? lines[1].len : 0);

    in_ctx = 0;
    for (i = 2; i < n; i++) {
        if (!in_ctx) {
            if (lines[i].len == 2 && memcmp(lines[i].data, "--", 2) == 0) {
                in_ctx = 1;
            } else if (in->nvalues < FUZZ_COND_MAX_VALUES) {
                in->values[in->nvalues++] = fuzz_strndup(lines[i].data,
                                                         lines[i].len);
            }
            continue;
        }

        if (in->nentries == FUZZ_COND_MAX_CTX) {
            break;
        }

        e = &in->entries[in->nentries];
        eq = memchr(lines[i].data, '=', lines[i].len);
        if (eq == NULL) {
            in->ctx_keys[in->nentries] = fuzz_strndup(lines[i].data,
                                                      lines[i].len);
            nv = 0;
        } else {
            in->ctx_keys[in->nentries] =
                fuzz_strndup(lines[i].data, (size_t) (eq - lines[i].data));
            nv = fuzz_split(eq + 1, lines[i].len
                                    - (size_t) (eq + 1 - lines[i].data),
                            '\t', vals, FUZZ_COND_MAX_MULTI);
            for (j = 0; j < nv; j++) {
                in->ctx_vals[in->nentries][j] = fuzz_strndup(vals[j].data,
                                                             vals[j].len);
            }
        }

        e->key = in->ctx_keys[in->nentries];
        e->values = (const char *const *) in->ctx_vals[in->nentries];
        e->nvalues = nv;
        in->nentries++;
    }

    in->ctx.entries = in->entries;
    in->ctx.n = in->nentries;
}


static void
fuzz_cond_free_in(fuzz_cond_in_t *in)
{
    size_t  i, j;

    free(in->op);
    free(in->key);
    for (i = 0; i < in->nvalues; i++) {
        free(in->values[i]);
    }
    for (i = 0; i < in->nentries; i++) {
        free(in->ctx_keys[i]);
        for (j = 0; j < in->entries[i].nvalues; j++) {
            free(in->ctx_vals[i][j]);
        }
    }
}


static int
fuzz_ends_with(const char *s, const char *suffix)
{
    size_t  n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}


/* evaluates with every kind of explanation buffer; all must agree */
static int
fuzz_cond_eval_all(const s3u_cond_t *cond, const s3u_ctx_t *ctx)
{
    int    r0, r1, r2, r3;
    char  *why1, *why2, why3[512];

    why1 = malloc(1);
    why2 = malloc(17);
    if (why1 == NULL || why2 == NULL) {
        abort();
    }

    r0 = s3u_cond_eval(cond, ctx, NULL, 0);
    r1 = s3u_cond_eval(cond, ctx, why1, 1);
    r2 = s3u_cond_eval(cond, ctx, why2, 17);
    r3 = s3u_cond_eval(cond, ctx, why3, sizeof(why3));

    FUZZ_CHECK(r0 == 0 || r0 == 1, "eval returned %d", r0);
    FUZZ_CHECK(r0 == r1 && r0 == r2 && r0 == r3,
               "eval depends on the explanation buffer: %d %d %d %d",
               r0, r1, r2, r3);
    if (r0 == 0) {
        FUZZ_CHECK(why1[0] == '\0', "1-byte explanation not terminated");
        FUZZ_CHECK(memchr(why2, '\0', 17) != NULL, "short explanation not "
                   "terminated");
        FUZZ_CHECK(memchr(why3, '\0', sizeof(why3)) != NULL,
                   "explanation not terminated");
    }

    free(why1);
    free(why2);
    return r0;
}


static const char *const fuzz_negations[][2] = {
    { "StringEquals", "StringNotEquals" },
    { "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase" },
    { "StringLike", "StringNotLike" },
    { "ArnEquals", "ArnNotEquals" },
    { "ArnLike", "ArnNotLike" },
};


static void
fuzz_cond_clause(fuzz_cond_in_t *in, unsigned flags)
{
    int                     r, rn;
    size_t                  i;
    char                    err[256];
    s3u_cond_t             *cond, *neg;
    const s3u_ctx_entry_t  *e;

    err[0] = '\0';
    cond = s3u_cond_new_ex(in->op, in->key,
                           (const char *const *) in->values, in->nvalues,
                           flags, err, sizeof(err));
    if (cond == NULL) {
        FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0',
                   "clause refused without a message");
        return;
    }

    FUZZ_CHECK(s3u_cond_op_name(cond) != NULL && s3u_cond_key(cond) != NULL,
               "accessor gave NULL");
    FUZZ_CHECK(s3u_cond_nvalues(cond) == in->nvalues,
               "nvalues %zu, written %zu", s3u_cond_nvalues(cond),
               in->nvalues);
    for (i = 0; i < in->nvalues; i++) {
        FUZZ_CHECK(strcmp(s3u_cond_value(cond, i), in->values[i]) == 0,
                   "value %zu not given back as written", i);
    }
    (void) s3u_cond_has_wildcard(cond);
    (void) s3u_cond_has_vars(cond);

    r = fuzz_cond_eval_all(cond, &in->ctx);
    e = s3u_ctx_get(&in->ctx, in->key, strlen(in->key));

    if (e == NULL) {
        FUZZ_CHECK(fuzz_cond_eval_all(cond, NULL) == r,
                   "an absent key and a NULL context disagree");

        if (fuzz_ends_with(in->op, "IfExists")
            && strncmp(in->op, "Null", 4) != 0)
        {
            FUZZ_CHECK(r == 1, "%s on an absent key is false", in->op);
        }
        if (strncmp(in->op, "ForAllValues:", 13) == 0) {
            FUZZ_CHECK(r == 1, "%s on an absent key is false", in->op);
        }
    }

    /* a key present with no value or only empty strings is null too
     * (s3u_cond.c, after the reference's section 8) */
    if (strcmp(in->op, "Null") == 0 && in->nvalues == 1) {
        int  has_value = 0;

        for (i = 0; e != NULL && i < e->nvalues; i++) {
            has_value |= e->values[i][0] != '\0';
        }
        if (strcmp(in->values[0], "true") == 0) {
            FUZZ_CHECK(r == !has_value, "Null true disagrees with presence");
        } else if (strcmp(in->values[0], "false") == 0) {
            FUZZ_CHECK(r == has_value, "Null false disagrees with presence");
        }
    }

    if (e != NULL && e->nvalues == 1) {
        for (i = 0; i < sizeof(fuzz_negations) / sizeof(fuzz_negations[0]);
             i++)
        {
            if (strcmp(in->op, fuzz_negations[i][0]) != 0) {
                continue;
            }
            neg = s3u_cond_new_ex(fuzz_negations[i][1], in->key,
                                  (const char *const *) in->values,
                                  in->nvalues, flags, err, sizeof(err));
            FUZZ_CHECK(neg != NULL, "%s compiles, %s does not: %s", in->op,
                       fuzz_negations[i][1], err);
            rn = fuzz_cond_eval_all(neg, &in->ctx);
            FUZZ_CHECK(rn == !r, "%s gave %d and %s gave %d on one value",
                       in->op, r, fuzz_negations[i][1], rn);
            s3u_cond_free(neg);
        }
    }

    s3u_cond_free(cond);
}


static int
fuzz_has_wild(const char *s)
{
    return strchr(s, '*') != NULL || strchr(s, '?') != NULL;
}


static void
fuzz_patterns(fuzz_cond_in_t *in)
{
    int             m;
    long            n;
    size_t          i, j, k, vlen, slen;
    char            err[256], *small, *big;
    const char     *s;
    s3u_pattern_t  *lit, *var;

    small = malloc(8);
    big = malloc(S3U_EXPAND_MAX);
    if (small == NULL || big == NULL) {
        abort();
    }

    for (i = 0; i < in->nvalues && i < 4; i++) {
        vlen = strlen(in->values[i]);

        lit = s3u_pattern_new(in->values[i], vlen, 0, err, sizeof(err));
        var = s3u_pattern_new(in->values[i], vlen, S3U_PAT_VARS, err,
                              sizeof(err));
        FUZZ_CHECK(lit != NULL && var != NULL, "pattern refused: %s", err);
        FUZZ_CHECK(strcmp(s3u_pattern_text(lit), in->values[i]) == 0
                   && strcmp(s3u_pattern_text(var), in->values[i]) == 0,
                   "pattern text is not the value as written");
        FUZZ_CHECK(!s3u_pattern_has_vars(lit), "variables without VARS");

        if (!fuzz_has_wild(in->values[i])) {
            FUZZ_CHECK(s3u_glob_match(in->values[i], vlen, in->values[i],
                                      vlen, 0) == 1,
                       "a text without wildcards does not glob itself");
        }
        FUZZ_CHECK(s3u_glob_match("*", 1, in->values[i], vlen, 0) == 1,
                   "\"*\" does not match everything");

        n = s3u_var_expand(in->values[i], vlen, &in->ctx, small, 8);
        FUZZ_CHECK(n == -1 || (n >= 0 && n < 8 && small[n] == '\0'
                               && strlen(small) == (size_t) n),
                   "expansion into 8 bytes returned %ld", n);
        n = s3u_var_expand(in->values[i], vlen, &in->ctx, big,
                           S3U_EXPAND_MAX);
        FUZZ_CHECK(n == -1 || (n >= 0 && n < S3U_EXPAND_MAX && big[n] == '\0'),
                   "expansion returned %ld", n);

        for (j = 0; j < in->nentries; j++) {
            for (k = 0; k < in->entries[j].nvalues; k++) {
                s = in->entries[j].values[k];
                slen = strlen(s);

                m = s3u_pattern_match(lit, &in->ctx, s, slen,
                                      S3U_MATCH_EQUALS);
                FUZZ_CHECK(m == (vlen == slen && memcmp(s, in->values[i],
                                                        slen) == 0),
                           "EQUALS disagrees with equality");
                m = s3u_pattern_match(lit, &in->ctx, s, slen, S3U_MATCH_GLOB);
                FUZZ_CHECK(m == s3u_glob_match(in->values[i], vlen, s, slen,
                                               0),
                           "GLOB disagrees with s3u_glob_match");
                m = s3u_pattern_match(lit, &in->ctx, s, slen,
                                      S3U_MATCH_GLOB_ICASE);
                FUZZ_CHECK(m == s3u_glob_match(in->values[i], vlen, s, slen,
                                               1),
                           "GLOB_ICASE disagrees with s3u_glob_match");
                m = s3u_pattern_match(lit, &in->ctx, s, slen, S3U_MATCH_ARN);
                FUZZ_CHECK(m == s3u_arn_match(in->values[i], vlen, s, slen),
                           "ARN disagrees with s3u_arn_match");
                (void) s3u_pattern_match(lit, &in->ctx, s, slen,
                                         S3U_MATCH_EQUALS_ICASE);

                for (m = S3U_MATCH_EQUALS; m <= S3U_MATCH_ARN; m++) {
                    int r = s3u_pattern_match(var, &in->ctx, s, slen,
                                              (unsigned) m);
                    FUZZ_CHECK(r == 0 || r == 1, "match returned %d", r);
                    FUZZ_CHECK(r == s3u_pattern_match(var, NULL, s, slen,
                                                      (unsigned) m)
                               || s3u_pattern_has_vars(var),
                               "a pattern without variables depends on ctx");
                }
            }
        }

        s3u_pattern_free(lit);
        s3u_pattern_free(var);
    }

    free(small);
    free(big);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_cond_in_t  in;

    fuzz_cond_parse(data, size, &in);

    fuzz_cond_clause(&in, S3U_PAT_VARS);
    fuzz_cond_clause(&in, 0);
    fuzz_patterns(&in);

    fuzz_cond_free_in(&in);
    return 0;
}
