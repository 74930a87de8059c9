/*
 * Internals shared by the s3u_cond*.c, s3u_var.c and s3u_glob.c files:
 * compiled value representations and the per-family parse / compare
 * helpers.  Not part of the contract with the evaluator (s3u_cond.h is).
 */

#ifndef S3U_COND_INT_H
#define S3U_COND_INT_H

#include <stdint.h>
#include <stddef.h>

#include "policy/s3u_cond.h"
#include "token/s3u_base64.h"


/* --- glob with literal marks -------------------------------------------- */

/*
 * lit, when not NULL, holds one byte per pattern byte: non-zero means the
 * byte is a literal character even if it is '*' or '?' (it came from the
 * ${*} / ${?} escapes or from a substituted variable value).
 */
int s3u_glob_match_lit(const char *pat, const unsigned char *lit,
    size_t pat_len, const char *s, size_t s_len, int ignore_case);
int s3u_arn_match_lit(const char *pat, const unsigned char *lit,
    size_t pat_len, const char *arn, size_t arn_len);


/* --- policy variables --------------------------------------------------- */

#define S3U_VAR_NONE     0      /* not a ${...} form: '$' is literal */
#define S3U_VAR_ESCAPE   1      /* ${*} ${?} ${$}: one literal character */
#define S3U_VAR_KEY      2      /* ${key} or ${key, 'default'} */

typedef struct {
    int          kind;
    size_t       consumed;      /* bytes of the whole ${...} form */
    char         ch;            /* S3U_VAR_ESCAPE: the character */
    const char  *key;           /* S3U_VAR_KEY */
    size_t       key_len;
    const char  *dflt;          /* NULL when there is no default */
    size_t       dflt_len;
} s3u_var_token_t;

/* recognizes a ${...} form at p (p[0] == '$'); never reads past end */
void s3u_var_scan(const char *p, const char *end, s3u_var_token_t *tok);

/* the value a variable takes in ctx, or NULL when it cannot be resolved */
const char *s3u_var_value(const s3u_ctx_t *ctx, const s3u_var_token_t *tok,
    size_t *len);

/*
 * Expands pat into buf / lit (both S3U_EXPAND_MAX bytes).  Returns the
 * length, or -1 when a variable is unresolved or the result is too long.
 * For a pattern without variables it points *out / *out_lit at the
 * precomputed text instead of copying.
 */
long s3u_pattern_expand(const s3u_pattern_t *pat, const s3u_ctx_t *ctx,
    char *buf, unsigned char *lit, const char **out,
    const unsigned char **out_lit);

/* 1 when an active (unescaped) '*' or '?' occurs in the pattern's text */
int s3u_pattern_has_wildcard(const s3u_pattern_t *pat);

/* the first variable key of the pattern that ctx cannot resolve, or NULL */
const char *s3u_pattern_unresolved(const s3u_pattern_t *pat,
    const s3u_ctx_t *ctx, size_t *len);


/* --- numbers: exact decimal comparison ---------------------------------- */

/* points into the text it was parsed from: no copies, no rounding */
typedef struct {
    int          negative;
    const char  *int_digits;    /* without leading zeros */
    size_t       int_len;
    const char  *frac_digits;   /* without trailing zeros */
    size_t       frac_len;
} s3u_cond_dec_t;

int s3u_cond_dec_parse(const char *s, size_t len, s3u_cond_dec_t *dec);
int s3u_cond_dec_cmp(const s3u_cond_dec_t *a, const s3u_cond_dec_t *b);


/* --- dates -------------------------------------------------------------- */

typedef struct {
    int64_t      sec;           /* since 1970-01-01T00:00:00Z */
    int32_t      nsec;
} s3u_cond_time_t;

/* W3C ISO 8601 profile (YYYY[-MM[-DD[Thh:mm[:ss[.f]][TZD]]]]) or epoch
 * seconds (all digits, optional sign and fraction) */
int s3u_cond_date_parse(const char *s, size_t len, s3u_cond_time_t *t);
int s3u_cond_time_cmp(const s3u_cond_time_t *a, const s3u_cond_time_t *b);


/* --- IP addresses ------------------------------------------------------- */

typedef struct {
    int            family;      /* 4 or 6 */
    unsigned char  addr[16];    /* network order; IPv4 in the first 4 */
    unsigned       prefix;      /* 0..32 or 0..128 */
} s3u_cond_cidr_t;

/* an address or CIDR; a bare address gets a full-length prefix.  With
 * allow_prefix == 0 only a bare address is accepted. */
int s3u_cond_cidr_parse(const char *s, size_t len, int allow_prefix,
    s3u_cond_cidr_t *cidr);
int s3u_cond_cidr_contains(const s3u_cond_cidr_t *net,
    const s3u_cond_cidr_t *addr);


/* --- booleans and base64 ------------------------------------------------ */

/* 1 true, 0 false, -1 neither (case-insensitive "true" / "false") */
int s3u_cond_bool_parse(const char *s, size_t len);

/* BinaryEquals values: standard base64, padding optional, decoded by the
 * token codec's strict decoder (one text, one decoding); < 0 on error */
#define s3u_cond_base64_decode(s, len, out, out_size)                         \
    s3u_base64_decode(s, len, out, out_size, S3U_BASE64_STD|S3U_BASE64_PAD,   \
                      NULL)


/* --- bounded text output for explanations ------------------------------- */

typedef struct {
    char    *buf;
    size_t   size;
    size_t   len;
} s3u_cond_out_t;

void s3u_cond_out_init(s3u_cond_out_t *o, char *buf, size_t size);
void s3u_cond_out_str(s3u_cond_out_t *o, const char *s);
void s3u_cond_out_mem(s3u_cond_out_t *o, const char *s, size_t len);
/* a value from a request or policy, quoted, with control bytes, quotes and
 * backslashes escaped and very long values shortened */
void s3u_cond_out_quoted(s3u_cond_out_t *o, const char *s, size_t len);
/* the same, without quotes (numbers, dates, addresses) */
void s3u_cond_out_plain(s3u_cond_out_t *o, const char *s, size_t len);

#endif /* S3U_COND_INT_H */
