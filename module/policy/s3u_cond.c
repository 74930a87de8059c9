/*
 * Condition clauses: operator names, compilation of the policy's values,
 * the qualifiers (...IfExists, ForAllValues:, ForAnyValue:), AWS's rules
 * for missing keys and for several values, and the one-line explanation
 * of a failed clause.
 *
 * Evaluation reads only the compiled clause and the request context, and
 * uses the stack for variable expansion: it never allocates, so one
 * compiled policy set serves every nginx worker and request at once.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/s3u_cond.h"
#include "policy/s3u_cond_int.h"


enum {
    S3U_FAM_STRING = 0,
    S3U_FAM_NUMERIC,
    S3U_FAM_DATE,
    S3U_FAM_BOOL,
    S3U_FAM_BINARY,
    S3U_FAM_IP,
    S3U_FAM_ARN,
    S3U_FAM_NULL
};

enum {
    S3U_CMP_EQ = 0,
    S3U_CMP_LT,
    S3U_CMP_LE,
    S3U_CMP_GT,
    S3U_CMP_GE,
    S3U_CMP_LIKE
};

enum {
    S3U_SET_NONE = 0,
    S3U_SET_ALL,
    S3U_SET_ANY
};

typedef struct {
    const char  *name;
    unsigned     family;
    unsigned     cmp;
    unsigned     negated;       /* true on a missing key; holds when the
                                   value matches none of the policy's */
    unsigned     icase;
    const char  *holds;         /* "cv HOLDS pv": why a negated one fails */
    const char  *fails;         /* "cv FAILS pv": why a positive one fails */
} s3u_op_t;

static const s3u_op_t  s3u_ops[] = {
    { "StringEquals", S3U_FAM_STRING, S3U_CMP_EQ, 0, 0,
      "equals", "is not" },
    { "StringNotEquals", S3U_FAM_STRING, S3U_CMP_EQ, 1, 0,
      "equals", "is not" },
    { "StringEqualsIgnoreCase", S3U_FAM_STRING, S3U_CMP_EQ, 0, 1,
      "equals (ignoring case)", "is not (even ignoring case)" },
    { "StringNotEqualsIgnoreCase", S3U_FAM_STRING, S3U_CMP_EQ, 1, 1,
      "equals (ignoring case)", "is not (even ignoring case)" },
    { "StringLike", S3U_FAM_STRING, S3U_CMP_LIKE, 0, 0,
      "matches", "does not match" },
    { "StringNotLike", S3U_FAM_STRING, S3U_CMP_LIKE, 1, 0,
      "matches", "does not match" },

    { "NumericEquals", S3U_FAM_NUMERIC, S3U_CMP_EQ, 0, 0,
      "equals", "is not" },
    { "NumericNotEquals", S3U_FAM_NUMERIC, S3U_CMP_EQ, 1, 0,
      "equals", "is not" },
    { "NumericLessThan", S3U_FAM_NUMERIC, S3U_CMP_LT, 0, 0,
      "is less than", "is not less than" },
    { "NumericLessThanEquals", S3U_FAM_NUMERIC, S3U_CMP_LE, 0, 0,
      "is at most", "is not less than or equal to" },
    { "NumericGreaterThan", S3U_FAM_NUMERIC, S3U_CMP_GT, 0, 0,
      "is greater than", "is not greater than" },
    { "NumericGreaterThanEquals", S3U_FAM_NUMERIC, S3U_CMP_GE, 0, 0,
      "is at least", "is not greater than or equal to" },

    { "DateEquals", S3U_FAM_DATE, S3U_CMP_EQ, 0, 0,
      "is", "is not" },
    { "DateNotEquals", S3U_FAM_DATE, S3U_CMP_EQ, 1, 0,
      "is", "is not" },
    { "DateLessThan", S3U_FAM_DATE, S3U_CMP_LT, 0, 0,
      "is before", "is not before" },
    { "DateLessThanEquals", S3U_FAM_DATE, S3U_CMP_LE, 0, 0,
      "is at or before", "is not at or before" },
    { "DateGreaterThan", S3U_FAM_DATE, S3U_CMP_GT, 0, 0,
      "is after", "is not after" },
    { "DateGreaterThanEquals", S3U_FAM_DATE, S3U_CMP_GE, 0, 0,
      "is at or after", "is not at or after" },

    { "Bool", S3U_FAM_BOOL, S3U_CMP_EQ, 0, 0,
      "is", "is not" },
    { "BinaryEquals", S3U_FAM_BINARY, S3U_CMP_EQ, 0, 0,
      "equals", "is not" },

    { "IpAddress", S3U_FAM_IP, S3U_CMP_EQ, 0, 0,
      "in", "not in" },
    { "NotIpAddress", S3U_FAM_IP, S3U_CMP_EQ, 1, 0,
      "in", "not in" },

    /* ArnEquals behaves as ArnLike in AWS: wildcards work in both */
    { "ArnEquals", S3U_FAM_ARN, S3U_CMP_LIKE, 0, 0,
      "matches", "does not match" },
    { "ArnLike", S3U_FAM_ARN, S3U_CMP_LIKE, 0, 0,
      "matches", "does not match" },
    { "ArnNotEquals", S3U_FAM_ARN, S3U_CMP_LIKE, 1, 0,
      "matches", "does not match" },
    { "ArnNotLike", S3U_FAM_ARN, S3U_CMP_LIKE, 1, 0,
      "matches", "does not match" },

    { "Null", S3U_FAM_NULL, S3U_CMP_EQ, 0, 0,
      "", "" },
};

#define S3U_NOPS  (sizeof(s3u_ops) / sizeof(s3u_ops[0]))

typedef struct {
    char             *text;     /* as written (NUL terminated) */
    size_t            len;
    union {
        s3u_pattern_t  *pat;    /* String*, Arn* */
        s3u_cond_dec_t       dec;    /* Numeric*: points into text */
        s3u_cond_time_t      time;   /* Date* */
        s3u_cond_cidr_t      cidr;   /* IpAddress, NotIpAddress */
        int             boolean;/* Bool, Null */
        struct {
            unsigned char  *bytes;
            size_t          len;
        } bin;                  /* BinaryEquals */
    } u;
} s3u_cond_val_t;

struct s3u_cond_s {
    char             *op_name;  /* as written */
    char             *key;
    const s3u_op_t   *op;
    unsigned          set;
    unsigned          if_exists;
    s3u_cond_val_t   *vals;
    size_t            nvals;
    int               has_wildcard;
    int               has_vars;
};


/* --- compilation -------------------------------------------------------- */

static void
s3u_cond_err(char *err, size_t err_size, const char *a, const char *b,
    const char *c, const char *d)
{
    s3u_cond_out_t  o;

    s3u_cond_out_init(&o, err, err_size);
    s3u_cond_out_str(&o, a);
    s3u_cond_out_str(&o, b);
    s3u_cond_out_str(&o, c);
    s3u_cond_out_str(&o, d);
}


static char *
s3u_strndup(const char *s, size_t len)
{
    char  *p;

    p = malloc(len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }

    return p;
}


/*
 * Splits "ForAnyValue:StringLikeIfExists" into its qualifiers and base
 * operator.  Names are case-sensitive, as IAM's own parser is: it rejects
 * "stringEquals" with "Invalid Condition type".  A name that differs only
 * in case gets a hint.
 */
static const s3u_op_t *
s3u_cond_parse_op(const char *name, unsigned *set, unsigned *if_exists,
    char *err, size_t err_size)
{
    size_t       i, len;
    const char  *base;
    s3u_cond_out_t    o;

    *set = S3U_SET_NONE;
    *if_exists = 0;
    base = name;

    if (strncmp(base, "ForAllValues:", 13) == 0) {
        *set = S3U_SET_ALL;
        base += 13;

    } else if (strncmp(base, "ForAnyValue:", 12) == 0) {
        *set = S3U_SET_ANY;
        base += 12;
    }

    len = strlen(base);

    if (len > 8 && strcmp(base + len - 8, "IfExists") == 0) {
        *if_exists = 1;
        len -= 8;
    }

    for (i = 0; i < S3U_NOPS; i++) {
        if (strlen(s3u_ops[i].name) == len
            && strncmp(s3u_ops[i].name, base, len) == 0)
        {
            if (s3u_ops[i].family == S3U_FAM_NULL
                && (*if_exists || *set != S3U_SET_NONE))
            {
                s3u_cond_err(err, err_size, "condition operator \"", name,
                             "\": Null takes neither IfExists nor a "
                             "ForAllValues:/ForAnyValue: qualifier", "");
                return NULL;
            }

            return &s3u_ops[i];
        }
    }

    s3u_cond_out_init(&o, err, err_size);
    s3u_cond_out_str(&o, "unknown condition operator ");
    s3u_cond_out_quoted(&o, name, strlen(name));

    /* a hint for the usual slip: the case of a letter */
    for (i = 0; i < S3U_NOPS; i++) {
        if (strlen(s3u_ops[i].name) == len
            && strncasecmp(s3u_ops[i].name, base, len) == 0)
        {
            s3u_cond_out_str(&o, " (operator names are case-sensitive: ");
            s3u_cond_out_str(&o, *set == S3U_SET_ALL ? "ForAllValues:"
                            : *set == S3U_SET_ANY ? "ForAnyValue:" : "");
            s3u_cond_out_str(&o, s3u_ops[i].name);
            s3u_cond_out_str(&o, *if_exists ? "IfExists)" : ")");
            break;
        }
    }

    return NULL;
}


static int
s3u_cond_compile_value(s3u_cond_t *cond, s3u_cond_val_t *v, unsigned flags,
    char *err, size_t err_size)
{
    long           n;
    int            b;
    const char    *what;
    s3u_cond_out_t      o;

    what = NULL;

    switch (cond->op->family) {

    case S3U_FAM_STRING:
    case S3U_FAM_ARN:
        v->u.pat = s3u_pattern_new(v->text, v->len, flags, err, err_size);
        if (v->u.pat == NULL) {
            return 0;
        }

        if (s3u_pattern_has_vars(v->u.pat)) {
            cond->has_vars = 1;
        }

        if (cond->op->cmp == S3U_CMP_LIKE
            && s3u_pattern_has_wildcard(v->u.pat))
        {
            cond->has_wildcard = 1;
        }

        return 1;

    case S3U_FAM_NUMERIC:
        if (s3u_cond_dec_parse(v->text, v->len, &v->u.dec)) {
            return 1;
        }
        what = " is not a number (digits with an optional sign and "
               "decimal fraction)";
        break;

    case S3U_FAM_DATE:
        if (s3u_cond_date_parse(v->text, v->len, &v->u.time)) {
            return 1;
        }
        what = " is not a date (ISO 8601 such as 2026-09-01T12:00:00Z, "
               "or epoch seconds)";
        break;

    case S3U_FAM_IP:
        if (s3u_cond_cidr_parse(v->text, v->len, 1, &v->u.cidr)) {
            return 1;
        }
        what = " is not an IPv4 or IPv6 address or CIDR";
        break;

    case S3U_FAM_BOOL:
    case S3U_FAM_NULL:
        b = s3u_cond_bool_parse(v->text, v->len);
        if (b >= 0) {
            v->u.boolean = b;
            return 1;
        }
        what = " is not \"true\" or \"false\"";
        break;

    case S3U_FAM_BINARY:
        /* base64 never decodes to more than 3/4 of its length */
        v->u.bin.bytes = malloc(v->len / 4 * 3 + 3);
        if (v->u.bin.bytes == NULL) {
            s3u_cond_err(err, err_size, "out of memory", "", "", "");
            return 0;
        }

        n = s3u_cond_base64_decode(v->text, v->len, v->u.bin.bytes,
                              v->len / 4 * 3 + 3);
        if (n >= 0 && v->len > 0) {
            v->u.bin.len = (size_t) n;
            return 1;
        }
        what = " is not base64";
        break;
    }

    s3u_cond_out_init(&o, err, err_size);
    s3u_cond_out_str(&o, cond->op_name);
    s3u_cond_out_str(&o, ": ");
    s3u_cond_out_quoted(&o, v->text, v->len);
    s3u_cond_out_str(&o, what);

    return 0;
}


s3u_cond_t *
s3u_cond_new_ex(const char *op, const char *key, const char *const *values,
    size_t nvalues, unsigned flags, char *err, size_t err_size)
{
    size_t           i;
    unsigned         set, if_exists;
    s3u_cond_t      *cond;
    const s3u_op_t  *base;

    if (err != NULL && err_size > 0) {
        err[0] = '\0';
    }

    if (op == NULL || key == NULL || (values == NULL && nvalues > 0)) {
        s3u_cond_err(err, err_size, "condition without operator, key or "
                     "values", "", "", "");
        return NULL;
    }

    base = s3u_cond_parse_op(op, &set, &if_exists, err, err_size);
    if (base == NULL) {
        return NULL;
    }

    if (key[0] == '\0') {
        s3u_cond_err(err, err_size, op, ": empty condition key", "", "");
        return NULL;
    }

    if (nvalues == 0) {
        /* IAM rejects an empty value list: the clause could never be
         * satisfied (positive) or always would be (negated) */
        s3u_cond_err(err, err_size, op, " ", key, ": no values");
        return NULL;
    }

    cond = calloc(1, sizeof(s3u_cond_t));
    if (cond == NULL) {
        goto nomem;
    }

    cond->op = base;
    cond->set = set;
    cond->if_exists = if_exists;
    cond->op_name = s3u_strndup(op, strlen(op));
    cond->key = s3u_strndup(key, strlen(key));
    cond->vals = calloc(nvalues, sizeof(s3u_cond_val_t));

    if (cond->op_name == NULL || cond->key == NULL || cond->vals == NULL) {
        goto nomem;
    }

    for (i = 0; i < nvalues; i++) {
        if (values[i] == NULL) {
            s3u_cond_err(err, err_size, op, " ", key, ": null value");
            goto failed;
        }

        cond->vals[i].len = strlen(values[i]);
        cond->vals[i].text = s3u_strndup(values[i], cond->vals[i].len);
        cond->nvals = i + 1;

        if (cond->vals[i].text == NULL) {
            goto nomem;
        }

        if (!s3u_cond_compile_value(cond, &cond->vals[i], flags, err,
                                    err_size))
        {
            goto failed;
        }
    }

    return cond;

nomem:

    s3u_cond_err(err, err_size, "out of memory", "", "", "");

failed:

    s3u_cond_free(cond);

    return NULL;
}


s3u_cond_t *
s3u_cond_new(const char *op, const char *key, const char *const *values,
    size_t nvalues, char *err, size_t err_size)
{
    return s3u_cond_new_ex(op, key, values, nvalues, S3U_PAT_VARS, err,
                           err_size);
}


void
s3u_cond_free(s3u_cond_t *cond)
{
    size_t  i;

    if (cond == NULL) {
        return;
    }

    for (i = 0; cond->vals != NULL && i < cond->nvals; i++) {
        if (cond->op->family == S3U_FAM_STRING
            || cond->op->family == S3U_FAM_ARN)
        {
            s3u_pattern_free(cond->vals[i].u.pat);

        } else if (cond->op->family == S3U_FAM_BINARY) {
            free(cond->vals[i].u.bin.bytes);
        }

        free(cond->vals[i].text);
    }

    free(cond->vals);
    free(cond->op_name);
    free(cond->key);
    free(cond);
}


const char *
s3u_cond_op_name(const s3u_cond_t *cond)
{
    return cond != NULL ? cond->op_name : NULL;
}


const char *
s3u_cond_key(const s3u_cond_t *cond)
{
    return cond != NULL ? cond->key : NULL;
}


size_t
s3u_cond_nvalues(const s3u_cond_t *cond)
{
    return cond != NULL ? cond->nvals : 0;
}


const char *
s3u_cond_value(const s3u_cond_t *cond, size_t i)
{
    return (cond != NULL && i < cond->nvals) ? cond->vals[i].text : NULL;
}


int
s3u_cond_has_wildcard(const s3u_cond_t *cond)
{
    return cond != NULL && cond->has_wildcard;
}


int
s3u_cond_has_vars(const s3u_cond_t *cond)
{
    return cond != NULL && cond->has_vars;
}


/* --- evaluation --------------------------------------------------------- */

/* the request value, parsed once for every policy value it meets */
typedef struct {
    const char      *text;
    size_t           len;
    int              valid;     /* parsed as the family requires */
    union {
        s3u_cond_dec_t    dec;
        s3u_cond_time_t   time;
        s3u_cond_cidr_t   cidr;
        int          boolean;
        struct {
            unsigned char  bytes[S3U_EXPAND_MAX];
            size_t         len;
        } bin;
    } u;
} s3u_cond_cv_t;


static void
s3u_cond_cv_parse(const s3u_cond_t *cond, s3u_cond_cv_t *cv, const char *s)
{
    long  n;

    cv->text = s != NULL ? s : "";
    cv->len = strlen(cv->text);
    cv->valid = 1;

    switch (cond->op->family) {

    case S3U_FAM_NUMERIC:
        cv->valid = s3u_cond_dec_parse(cv->text, cv->len, &cv->u.dec);
        break;

    case S3U_FAM_DATE:
        cv->valid = s3u_cond_date_parse(cv->text, cv->len, &cv->u.time);
        break;

    case S3U_FAM_IP:
        cv->valid = s3u_cond_cidr_parse(cv->text, cv->len, 0, &cv->u.cidr);
        break;

    case S3U_FAM_BOOL:
        cv->u.boolean = s3u_cond_bool_parse(cv->text, cv->len);
        cv->valid = cv->u.boolean >= 0;
        break;

    case S3U_FAM_BINARY:
        n = s3u_cond_base64_decode(cv->text, cv->len, cv->u.bin.bytes,
                              sizeof(cv->u.bin.bytes));
        cv->valid = n >= 0;
        cv->u.bin.len = n >= 0 ? (size_t) n : 0;
        break;

    default:
        break;
    }
}


static int
s3u_cond_order(unsigned cmp, int order)
{
    switch (cmp) {
    case S3U_CMP_EQ:
        return order == 0;
    case S3U_CMP_LT:
        return order < 0;
    case S3U_CMP_LE:
        return order <= 0;
    case S3U_CMP_GT:
        return order > 0;
    case S3U_CMP_GE:
        return order >= 0;
    default:
        return 0;
    }
}


/*
 * The base comparison of one request value with one policy value, before
 * any negation: "equals", "matches", "is in", "is less than".  A policy
 * value whose variable cannot be resolved compares false with everything.
 */
static int
s3u_cond_compare(const s3u_cond_t *cond, const s3u_cond_val_t *pv,
    const s3u_cond_cv_t *cv, const s3u_ctx_t *ctx)
{
    unsigned  how;

    if (!cv->valid) {
        return 0;
    }

    switch (cond->op->family) {

    case S3U_FAM_STRING:
        if (cond->op->cmp == S3U_CMP_LIKE) {
            how = S3U_MATCH_GLOB;
        } else {
            how = cond->op->icase ? S3U_MATCH_EQUALS_ICASE : S3U_MATCH_EQUALS;
        }
        return s3u_pattern_match(pv->u.pat, ctx, cv->text, cv->len, how);

    case S3U_FAM_ARN:
        return s3u_pattern_match(pv->u.pat, ctx, cv->text, cv->len,
                                 S3U_MATCH_ARN);

    case S3U_FAM_NUMERIC:
        return s3u_cond_order(cond->op->cmp,
                              s3u_cond_dec_cmp(&cv->u.dec, &pv->u.dec));

    case S3U_FAM_DATE:
        return s3u_cond_order(cond->op->cmp,
                              s3u_cond_time_cmp(&cv->u.time, &pv->u.time));

    case S3U_FAM_IP:
        return s3u_cond_cidr_contains(&pv->u.cidr, &cv->u.cidr);

    case S3U_FAM_BOOL:
        return cv->u.boolean == pv->u.boolean;

    case S3U_FAM_BINARY:
        return cv->u.bin.len == pv->u.bin.len
               && memcmp(cv->u.bin.bytes, pv->u.bin.bytes, cv->u.bin.len)
                  == 0;

    default:
        return 0;
    }
}


/* the index of the first policy value the request value compares true
 * with, or -1 */
static long
s3u_cond_first_match(const s3u_cond_t *cond, const s3u_cond_cv_t *cv,
    const s3u_ctx_t *ctx)
{
    size_t  i;

    for (i = 0; i < cond->nvals; i++) {
        if (s3u_cond_compare(cond, &cond->vals[i], cv, ctx)) {
            return (long) i;
        }
    }

    return -1;
}


/* --- explanations ------------------------------------------------------- */

static int
s3u_cond_quotes(const s3u_cond_t *cond)
{
    unsigned  f;

    f = cond->op->family;

    return f == S3U_FAM_STRING || f == S3U_FAM_ARN || f == S3U_FAM_BOOL
           || f == S3U_FAM_BINARY;
}


static void
s3u_cond_why_start(const s3u_cond_t *cond, s3u_cond_out_t *o)
{
    s3u_cond_out_str(o, cond->op_name);
    s3u_cond_out_str(o, " ");
    s3u_cond_out_plain(o, cond->key, strlen(cond->key));
    s3u_cond_out_str(o, ": ");
}


static void
s3u_cond_why_value(const s3u_cond_t *cond, s3u_cond_out_t *o, const char *s,
    size_t len)
{
    if (s3u_cond_quotes(cond)) {
        s3u_cond_out_quoted(o, s, len);
    } else {
        s3u_cond_out_plain(o, s, len);
    }
}


static void
s3u_cond_why_simple(const s3u_cond_t *cond, char *why, size_t why_size,
    const char *text)
{
    s3u_cond_out_t  o;

    if (why == NULL || why_size == 0) {
        return;
    }

    s3u_cond_out_init(&o, why, why_size);
    s3u_cond_why_start(cond, &o);
    s3u_cond_out_str(&o, text);
}


static const char *
s3u_cond_family_noun(const s3u_cond_t *cond)
{
    switch (cond->op->family) {
    case S3U_FAM_NUMERIC:
        return " is not a number";
    case S3U_FAM_DATE:
        return " is not a date";
    case S3U_FAM_IP:
        return " is not an IP address";
    case S3U_FAM_BOOL:
        return " is not \"true\" or \"false\"";
    case S3U_FAM_BINARY:
        return " is not base64";
    default:
        return " is not valid";
    }
}


/* why a positive comparison failed for this request value:
 * "\"o-other\" is not \"o-abc123\"", "198.51.100.7 not in 203.0.113.0/24" */
static void
s3u_cond_why_nomatch(const s3u_cond_t *cond, const s3u_cond_cv_t *cv,
    const s3u_ctx_t *ctx, const char *lead, char *why, size_t why_size)
{
    size_t       i, klen;
    const char  *unresolved;
    s3u_cond_out_t    o;

    if (why == NULL || why_size == 0) {
        return;
    }

    s3u_cond_out_init(&o, why, why_size);
    s3u_cond_why_start(cond, &o);
    s3u_cond_out_str(&o, lead);
    s3u_cond_why_value(cond, &o, cv->text, cv->len);

    if (!cv->valid) {
        s3u_cond_out_str(&o, s3u_cond_family_noun(cond));
        return;
    }

    s3u_cond_out_str(&o, " ");
    s3u_cond_out_str(&o, cond->op->fails);
    s3u_cond_out_str(&o, " ");

    for (i = 0; i < cond->nvals; i++) {
        if (i > 0) {
            s3u_cond_out_str(&o, i + 1 == cond->nvals ? " or " : ", ");
        }
        s3u_cond_why_value(cond, &o, cond->vals[i].text, cond->vals[i].len);
    }

    /* a variable that did not resolve is the usual surprise: name it */
    for (i = 0; i < cond->nvals; i++) {
        if (cond->op->family != S3U_FAM_STRING
            && cond->op->family != S3U_FAM_ARN)
        {
            break;
        }

        unresolved = s3u_pattern_unresolved(cond->vals[i].u.pat, ctx, &klen);
        if (unresolved != NULL) {
            s3u_cond_out_str(&o, " (variable ");
            s3u_cond_out_plain(&o, unresolved, klen);
            s3u_cond_out_str(&o, " absent from the request)");
            break;
        }
    }
}


/* why a negated operator failed: the request value matched a policy value */
static void
s3u_cond_why_match(const s3u_cond_t *cond, const s3u_cond_cv_t *cv,
    long which, const char *lead, char *why, size_t why_size)
{
    s3u_cond_out_t  o;

    if (why == NULL || why_size == 0) {
        return;
    }

    s3u_cond_out_init(&o, why, why_size);
    s3u_cond_why_start(cond, &o);
    s3u_cond_out_str(&o, lead);
    s3u_cond_why_value(cond, &o, cv->text, cv->len);
    s3u_cond_out_str(&o, " ");
    s3u_cond_out_str(&o, cond->op->holds);
    s3u_cond_out_str(&o, " ");
    s3u_cond_why_value(cond, &o, cond->vals[which].text,
                       cond->vals[which].len);
}


/* why a multivalued key failed as a whole: "no request value (\"a\", \"b\")
 * equals \"c\"", or for a negated operator "every request value (...)
 * equals one of ..." */
static void
s3u_cond_why_set(const s3u_cond_t *cond, const s3u_ctx_entry_t *e,
    char *why, size_t why_size)
{
    size_t           i;
    s3u_cond_out_t   o;

    if (why == NULL || why_size == 0) {
        return;
    }

    s3u_cond_out_init(&o, why, why_size);
    s3u_cond_why_start(cond, &o);
    s3u_cond_out_str(&o, cond->op->negated ? "every request value ("
                                           : "no request value (");

    for (i = 0; i < e->nvalues; i++) {
        if (i > 0) {
            s3u_cond_out_str(&o, ", ");
        }
        if (e->values[i] != NULL) {
            s3u_cond_why_value(cond, &o, e->values[i], strlen(e->values[i]));
        }
    }

    s3u_cond_out_str(&o, ") ");
    s3u_cond_out_str(&o, cond->op->holds);
    s3u_cond_out_str(&o, cond->op->negated && cond->nvals > 1 ? " one of "
                                                              : " ");

    for (i = 0; i < cond->nvals; i++) {
        if (i > 0) {
            s3u_cond_out_str(&o, cond->op->negated ? ", "
                                 : (i + 1 == cond->nvals ? " or " : ", "));
        }
        s3u_cond_why_value(cond, &o, cond->vals[i].text, cond->vals[i].len);
    }
}


/* --- the operators' rules ----------------------------------------------- */

/*
 * Null: "true" holds when the key is absent, "false" when it is present.
 * A key present with no value or only empty strings counts as null: AWS
 * says empty user-supplied values resolve to null (reference section 8).
 */
static int
s3u_cond_eval_null(const s3u_cond_t *cond, const s3u_ctx_entry_t *e,
    char *why, size_t why_size)
{
    size_t  i;
    int     is_null;

    is_null = 1;

    for (i = 0; e != NULL && e->values != NULL && i < e->nvalues; i++) {
        if (e->values[i] != NULL && e->values[i][0] != '\0') {
            is_null = 0;
            break;
        }
    }

    for (i = 0; i < cond->nvals; i++) {
        if (cond->vals[i].u.boolean == is_null) {
            return 1;
        }
    }

    if (e == NULL) {
        s3u_cond_why_simple(cond, why, why_size,
                            "key absent from the request (Null \"false\" "
                            "requires it present)");
    } else if (is_null) {
        s3u_cond_why_simple(cond, why, why_size,
                            "key present but empty (Null \"false\" "
                            "requires a value)");
    } else {
        s3u_cond_why_simple(cond, why, why_size,
                            "key present in the request (Null \"true\" "
                            "requires it absent)");
    }

    return 0;
}


int
s3u_cond_eval(const s3u_cond_t *cond, const s3u_ctx_t *ctx, char *why,
    size_t why_size)
{
    size_t                  i;
    long                    which;
    int                     holds;
    s3u_cond_cv_t           cv;
    const s3u_ctx_entry_t  *e;

    if (why != NULL && why_size > 0) {
        why[0] = '\0';
    }

    if (cond == NULL) {
        return 0;
    }

    e = s3u_ctx_get(ctx, cond->key, strlen(cond->key));

    if (cond->op->family == S3U_FAM_NULL) {
        return s3u_cond_eval_null(cond, e, why, why_size);
    }

    /* missing key, or a key present with no values (an empty set) */
    if (e == NULL || e->nvalues == 0 || e->values == NULL) {
        if (cond->set == S3U_SET_ALL) {
            return 1;                   /* vacuously true */
        }

        if (e == NULL && cond->if_exists) {
            return 1;
        }

        if (cond->set == S3U_SET_NONE && cond->op->negated) {
            return 1;                   /* nothing matches the values */
        }

        s3u_cond_why_simple(cond, why, why_size,
                            e == NULL ? "key absent from the request"
                                      : "key present with no values");
        return 0;
    }

    switch (cond->set) {

    case S3U_SET_ANY:
        /* some request value satisfies the operator */
        for (i = 0; i < e->nvalues; i++) {
            s3u_cond_cv_parse(cond, &cv, e->values[i]);
            which = s3u_cond_first_match(cond, &cv, ctx);
            holds = cond->op->negated ? which < 0 : which >= 0;

            if (holds) {
                return 1;
            }
        }

        if (why != NULL && why_size > 0) {
            if (e->nvalues == 1 && !cond->op->negated) {
                s3u_cond_why_nomatch(cond, &cv, ctx, "", why, why_size);
            } else if (e->nvalues == 1) {
                s3u_cond_why_match(cond, &cv,
                                   s3u_cond_first_match(cond, &cv, ctx),
                                   "", why, why_size);
            } else {
                s3u_cond_why_set(cond, e, why, why_size);
            }
        }

        return 0;

    case S3U_SET_ALL:
        /* every request value satisfies the operator */
        for (i = 0; i < e->nvalues; i++) {
            s3u_cond_cv_parse(cond, &cv, e->values[i]);
            which = s3u_cond_first_match(cond, &cv, ctx);

            if (cond->op->negated && which >= 0) {
                s3u_cond_why_match(cond, &cv, which, "request value ",
                                   why, why_size);
                return 0;
            }

            if (!cond->op->negated && which < 0) {
                s3u_cond_why_nomatch(cond, &cv, ctx, "request value ",
                                     why, why_size);
                return 0;
            }
        }

        return 1;

    default:
        break;
    }

    /*
     * No qualifier.  Positive: some request value (usually the only one)
     * matches some policy value (OR).  Negated: no request value matches
     * any policy value (the AND of the negations); for a multivalued key
     * this is the negation of the positive operator.
     */
    for (i = 0; i < e->nvalues; i++) {
        s3u_cond_cv_parse(cond, &cv, e->values[i]);
        which = s3u_cond_first_match(cond, &cv, ctx);

        if (!cond->op->negated && which >= 0) {
            return 1;
        }

        if (cond->op->negated && which >= 0) {
            s3u_cond_why_match(cond, &cv, which, "", why, why_size);
            return 0;
        }
    }

    if (cond->op->negated) {
        return 1;
    }

    if (e->nvalues == 1) {
        s3u_cond_why_nomatch(cond, &cv, ctx, "", why, why_size);
    } else {
        s3u_cond_why_set(cond, e, why, why_size);
    }

    return 0;
}
