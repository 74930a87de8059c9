/*
 * Policy variables: ${key}, ${key, 'default'} and the escapes ${*}, ${?},
 * ${$}.  A value is split once, when the policy is loaded, into literal
 * runs and variables (s3u_pattern_new); matching then only copies the
 * literal runs and the variables' values into a bounded stack buffer.
 *
 * Characters produced by the escapes and by substituted values are marked
 * literal: a '*' in a request value (s3:prefix may hold one) must not turn
 * into a wildcard that the policy author never wrote.
 */

#include <stdlib.h>
#include <string.h>

#include "policy/s3u_cond.h"
#include "policy/s3u_cond_int.h"


typedef struct {
    int              is_var;
    size_t           off;       /* text run: offset in flat / lit */
    size_t           len;
    s3u_var_token_t  var;       /* variable: points into pattern->text */
} s3u_part_t;

struct s3u_pattern_s {
    char            *text;      /* as written, NUL terminated */
    size_t           text_len;
    char            *flat;      /* literal runs with escapes resolved; for
                                   a pattern without variables, the whole
                                   expansion (NUL terminated) */
    unsigned char   *lit;       /* per flat byte: 1 = never a wildcard */
    size_t           flat_len;
    s3u_part_t      *parts;
    size_t           nparts;
    int              has_vars;
    int              has_wildcard;
};


static int
s3u_var_space(char c)
{
    return c == ' ' || c == '\t';
}


void
s3u_var_scan(const char *p, const char *end, s3u_var_token_t *tok)
{
    const char  *q;

    memset(tok, 0, sizeof(*tok));
    tok->kind = S3U_VAR_NONE;

    if (end - p < 4 || p[0] != '$' || p[1] != '{') {
        return;
    }

    q = p + 2;

    if (q[1] == '}' && (q[0] == '*' || q[0] == '?' || q[0] == '$')) {
        tok->kind = S3U_VAR_ESCAPE;
        tok->ch = q[0];
        tok->consumed = 4;
        return;
    }

    while (q < end && s3u_var_space(*q)) {
        q++;
    }

    tok->key = q;

    while (q < end && *q != '}' && *q != ',' && !s3u_var_space(*q)) {
        if (*q == '$' || *q == '{' || *q == '\'') {
            return;
        }
        q++;
    }

    tok->key_len = (size_t) (q - tok->key);

    if (tok->key_len == 0) {
        return;
    }

    while (q < end && s3u_var_space(*q)) {
        q++;
    }

    if (q < end && *q == ',') {
        q++;

        while (q < end && s3u_var_space(*q)) {
            q++;
        }

        if (q >= end || *q != '\'') {
            return;
        }

        tok->dflt = ++q;

        while (q < end && *q != '\'') {
            q++;
        }

        if (q >= end) {
            tok->dflt = NULL;
            return;
        }

        tok->dflt_len = (size_t) (q - tok->dflt);
        q++;

        while (q < end && s3u_var_space(*q)) {
            q++;
        }
    }

    if (q >= end || *q != '}') {
        tok->dflt = NULL;
        tok->dflt_len = 0;
        return;
    }

    tok->kind = S3U_VAR_KEY;
    tok->consumed = (size_t) (q + 1 - p);
}


const char *
s3u_var_value(const s3u_ctx_t *ctx, const s3u_var_token_t *tok, size_t *len)
{
    const s3u_ctx_entry_t  *e;

    e = s3u_ctx_get(ctx, tok->key, tok->key_len);

    if (e != NULL && e->nvalues == 1 && e->values != NULL
        && e->values[0] != NULL)
    {
        *len = strlen(e->values[0]);
        return e->values[0];
    }

    if (e != NULL && e->nvalues > 1) {
        /* AWS: multivalued keys cannot be used as policy variables */
        return NULL;
    }

    if (tok->dflt != NULL) {
        *len = tok->dflt_len;
        return tok->dflt;
    }

    return NULL;
}


long
s3u_var_expand(const char *in, size_t in_len, const s3u_ctx_t *ctx,
    char *out, size_t out_size)
{
    const char       *p, *end, *val;
    size_t            n, vlen;
    s3u_var_token_t   tok;

    if (in == NULL || out == NULL || out_size == 0) {
        return -1;
    }

    p = in;
    end = in + in_len;
    n = 0;

    while (p < end) {
        if (*p == '$') {
            s3u_var_scan(p, end, &tok);

            if (tok.kind == S3U_VAR_ESCAPE) {
                if (n + 1 >= out_size) {
                    return -1;
                }
                out[n++] = tok.ch;
                p += tok.consumed;
                continue;
            }

            if (tok.kind == S3U_VAR_KEY) {
                val = s3u_var_value(ctx, &tok, &vlen);

                if (val == NULL || n + vlen >= out_size) {
                    return -1;
                }

                memcpy(out + n, val, vlen);
                n += vlen;
                p += tok.consumed;
                continue;
            }
        }

        if (n + 1 >= out_size) {
            return -1;
        }

        out[n++] = *p++;
    }

    out[n] = '\0';

    return (long) n;
}


/* --- compiled patterns -------------------------------------------------- */

static void
s3u_pattern_close_run(s3u_pattern_t *pat, size_t *run_start)
{
    s3u_part_t  *part;

    if (pat->flat_len > *run_start) {
        part = &pat->parts[pat->nparts++];
        part->is_var = 0;
        part->off = *run_start;
        part->len = pat->flat_len - *run_start;
    }

    *run_start = pat->flat_len;
}


s3u_pattern_t *
s3u_pattern_new(const char *s, size_t len, unsigned flags, char *err,
    size_t err_size)
{
    size_t            i, run_start, max_parts;
    const char       *p, *end;
    s3u_part_t       *part;
    s3u_pattern_t    *pat;
    s3u_var_token_t   tok;

    if (s == NULL) {
        s = "";
        len = 0;
    }

    pat = calloc(1, sizeof(s3u_pattern_t));
    if (pat == NULL) {
        goto nomem;
    }

    /* each variable takes at least 4 bytes and adds at most two parts */
    max_parts = len / 2 + 2;

    pat->text = malloc(len + 1);
    pat->flat = malloc(len + 1);
    pat->lit = malloc(len + 1);
    pat->parts = malloc(max_parts * sizeof(s3u_part_t));

    if (pat->text == NULL || pat->flat == NULL || pat->lit == NULL
        || pat->parts == NULL)
    {
        goto nomem;
    }

    memcpy(pat->text, s, len);
    pat->text[len] = '\0';
    pat->text_len = len;

    p = pat->text;
    end = pat->text + len;
    run_start = 0;

    while (p < end) {
        if ((flags & S3U_PAT_VARS) && *p == '$') {
            s3u_var_scan(p, end, &tok);

            if (tok.kind == S3U_VAR_ESCAPE) {
                pat->flat[pat->flat_len] = tok.ch;
                pat->lit[pat->flat_len++] = 1;
                p += tok.consumed;
                continue;
            }

            if (tok.kind == S3U_VAR_KEY) {
                s3u_pattern_close_run(pat, &run_start);
                part = &pat->parts[pat->nparts++];
                part->is_var = 1;
                part->off = 0;
                part->len = 0;
                part->var = tok;
                pat->has_vars = 1;
                p += tok.consumed;
                continue;
            }
        }

        pat->flat[pat->flat_len] = *p++;
        pat->lit[pat->flat_len++] = 0;
    }

    s3u_pattern_close_run(pat, &run_start);
    pat->flat[pat->flat_len] = '\0';
    pat->lit[pat->flat_len] = 1;

    for (i = 0; i < pat->flat_len; i++) {
        if (!pat->lit[i] && (pat->flat[i] == '*' || pat->flat[i] == '?')) {
            pat->has_wildcard = 1;
            break;
        }
    }

    return pat;

nomem:

    if (err != NULL && err_size > 0) {
        strncpy(err, "out of memory", err_size - 1);
        err[err_size - 1] = '\0';
    }

    s3u_pattern_free(pat);

    return NULL;
}


void
s3u_pattern_free(s3u_pattern_t *pat)
{
    if (pat == NULL) {
        return;
    }

    free(pat->text);
    free(pat->flat);
    free(pat->lit);
    free(pat->parts);
    free(pat);
}


int
s3u_pattern_has_vars(const s3u_pattern_t *pat)
{
    return pat != NULL && pat->has_vars;
}


int
s3u_pattern_has_wildcard(const s3u_pattern_t *pat)
{
    return pat != NULL && pat->has_wildcard;
}


const char *
s3u_pattern_text(const s3u_pattern_t *pat)
{
    return pat != NULL ? pat->text : NULL;
}


long
s3u_pattern_expand(const s3u_pattern_t *pat, const s3u_ctx_t *ctx,
    char *buf, unsigned char *lit, const char **out,
    const unsigned char **out_lit)
{
    size_t             i, n, vlen;
    const char        *val;
    const s3u_part_t  *part;

    if (!pat->has_vars) {
        *out = pat->flat;
        *out_lit = pat->lit;
        return (long) pat->flat_len;
    }

    n = 0;

    for (i = 0; i < pat->nparts; i++) {
        part = &pat->parts[i];

        if (part->is_var) {
            val = s3u_var_value(ctx, &part->var, &vlen);

            if (val == NULL || vlen >= S3U_EXPAND_MAX - n) {
                return -1;
            }

            memcpy(buf + n, val, vlen);
            memset(lit + n, 1, vlen);

        } else {
            vlen = part->len;

            if (vlen >= S3U_EXPAND_MAX - n) {
                return -1;
            }

            memcpy(buf + n, pat->flat + part->off, vlen);
            memcpy(lit + n, pat->lit + part->off, vlen);
        }

        n += vlen;
    }

    buf[n] = '\0';
    *out = buf;
    *out_lit = lit;

    return (long) n;
}


const char *
s3u_pattern_unresolved(const s3u_pattern_t *pat, const s3u_ctx_t *ctx,
    size_t *len)
{
    size_t             i, vlen;
    const s3u_part_t  *part;

    for (i = 0; pat != NULL && i < pat->nparts; i++) {
        part = &pat->parts[i];

        if (part->is_var && s3u_var_value(ctx, &part->var, &vlen) == NULL) {
            *len = part->var.key_len;
            return part->var.key;
        }
    }

    return NULL;
}


static int
s3u_mem_eq_icase(const char *a, const char *b, size_t n)
{
    size_t         i;
    unsigned char  ca, cb;

    for (i = 0; i < n; i++) {
        ca = (unsigned char) a[i];
        cb = (unsigned char) b[i];

        if (ca >= 'A' && ca <= 'Z') {
            ca = (unsigned char) (ca + ('a' - 'A'));
        }
        if (cb >= 'A' && cb <= 'Z') {
            cb = (unsigned char) (cb + ('a' - 'A'));
        }
        if (ca != cb) {
            return 0;
        }
    }

    return 1;
}


int
s3u_pattern_match(const s3u_pattern_t *pat, const s3u_ctx_t *ctx,
    const char *s, size_t len, unsigned how)
{
    long                  n;
    char                  buf[S3U_EXPAND_MAX];
    unsigned char         lit[S3U_EXPAND_MAX];
    const char           *p;
    const unsigned char  *pl;

    if (pat == NULL || s == NULL) {
        return 0;
    }

    n = s3u_pattern_expand(pat, ctx, buf, lit, &p, &pl);
    if (n < 0) {
        return 0;
    }

    switch (how) {

    case S3U_MATCH_EQUALS:
        return (size_t) n == len && memcmp(p, s, len) == 0;

    case S3U_MATCH_EQUALS_ICASE:
        return (size_t) n == len && s3u_mem_eq_icase(p, s, len);

    case S3U_MATCH_GLOB:
        return s3u_glob_match_lit(p, pl, (size_t) n, s, len, 0);

    case S3U_MATCH_GLOB_ICASE:
        return s3u_glob_match_lit(p, pl, (size_t) n, s, len, 1);

    case S3U_MATCH_ARN:
        return s3u_arn_match_lit(p, pl, (size_t) n, s, len);

    default:
        return 0;
    }
}
