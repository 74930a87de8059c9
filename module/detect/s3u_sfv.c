/*
 * RFC 8941 dictionary writer and the S3-Denial header (see s3u_sfv.h).
 */

#include <stdio.h>
#include <string.h>

#include "detect/s3u_sfv.h"


void
s3u_sfv_init(s3u_sfv_t *d, char *buf, size_t size)
{
    d->buf = buf;
    d->size = size;
    d->len = 0;
    d->failed = (size == 0);

    if (size > 0) {
        buf[0] = '\0';
    }
}


static void
put(s3u_sfv_t *d, const char *s, size_t n)
{
    if (d->failed || d->len + n + 1 > d->size) {
        d->failed = 1;
        return;
    }

    memcpy(d->buf + d->len, s, n);
    d->len += n;
    d->buf[d->len] = '\0';
}


static void
putc_(s3u_sfv_t *d, char c)
{
    put(d, &c, 1);
}


static int
is_alpha(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}


static int
is_digit(int c)
{
    return c >= '0' && c <= '9';
}


/* RFC 9110 tchar, plus ":" and "/" which sf-token allows */
static int
is_token_char(int c)
{
    return is_alpha(c) || is_digit(c)
           || (c != '\0' && strchr("!#$%&'*+-.^_`|~:/", c) != NULL);
}


int
s3u_sfv_is_token(const char *s)
{
    if (s == NULL || !(is_alpha((unsigned char) *s) || *s == '*')) {
        return 0;
    }

    for (s++; *s; s++) {
        if (!is_token_char((unsigned char) *s)) {
            return 0;
        }
    }

    return 1;
}


int
s3u_sfv_is_key(const char *s)
{
    if (s == NULL || !((*s >= 'a' && *s <= 'z') || *s == '*')) {
        return 0;
    }

    for (s++; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || is_digit((unsigned char) *s)
              || *s == '_' || *s == '-' || *s == '.' || *s == '*'))
        {
            return 0;
        }
    }

    return 1;
}


/* the bytes of s an sf-string can carry */
static int
string_char(unsigned char c)
{
    return c >= 0x20 && c <= 0x7e;
}


static int
has_string_chars(const char *s)
{
    for ( /* void */ ; s != NULL && *s; s++) {
        if (string_char((unsigned char) *s)) {
            return 1;
        }
    }

    return 0;
}


static int
begin_item(s3u_sfv_t *d, const char *key)
{
    if (!s3u_sfv_is_key(key)) {
        d->failed = 1;
        return -1;
    }

    if (d->len > 0) {
        put(d, ", ", 2);
    }
    put(d, key, strlen(key));
    putc_(d, '=');

    return 0;
}


void
s3u_sfv_add_string(s3u_sfv_t *d, const char *key, const char *value)
{
    const char  *p;

    if (!has_string_chars(value) || begin_item(d, key) != 0) {
        return;
    }

    putc_(d, '"');
    for (p = value; *p; p++) {
        if (!string_char((unsigned char) *p)) {
            continue;                       /* CR, LF, NUL, non-ASCII */
        }
        if (*p == '"' || *p == '\\') {
            putc_(d, '\\');
        }
        putc_(d, *p);
    }
    putc_(d, '"');
}


void
s3u_sfv_add_value(s3u_sfv_t *d, const char *key, const char *value)
{
    if (s3u_sfv_is_token(value)) {
        if (begin_item(d, key) == 0) {
            put(d, value, strlen(value));
        }
        return;
    }

    s3u_sfv_add_string(d, key, value);
}


void
s3u_sfv_add_integer(s3u_sfv_t *d, const char *key, long long value)
{
    char  num[24];
    int   n;

    if (value > 999999999999999LL || value < -999999999999999LL) {
        d->failed = 1;
        return;
    }

    if (begin_item(d, key) != 0) {
        return;
    }

    n = snprintf(num, sizeof(num), "%lld", value);
    put(d, num, (size_t) n);
}


size_t
s3u_sfv_finish(s3u_sfv_t *d)
{
    if (d->failed) {
        if (d->size > 0) {
            d->buf[0] = '\0';
        }
        return 0;
    }

    return d->len;
}


/* --- names ---------------------------------------------------------------- */

const char *
s3u_verdict_name(s3u_verdict_e v)
{
    switch (v) {
    case S3U_VERDICT_DENIAL:
        return "denial";
    case S3U_VERDICT_S3_ERROR:
        return "s3-error";
    default:
        return "none";
    }
}


const char *
s3u_source_name(s3u_source_e s)
{
    switch (s) {
    case S3U_SOURCE_MESSAGE:
        return "message";
    case S3U_SOURCE_EVALUATOR:
        return "evaluator";
    default:
        return "none";
    }
}


const char *
s3u_decision_name(s3u_decision_e d)
{
    switch (d) {
    case S3U_DECISION_ALLOW:
        return "Allow";
    case S3U_DECISION_EXPLICIT_DENY:
        return "ExplicitDeny";
    case S3U_DECISION_IMPLICIT_DENY:
        return "ImplicitDeny";
    default:
        return "";
    }
}


const char *
s3u_decision_token(s3u_decision_e d)
{
    switch (d) {
    case S3U_DECISION_ALLOW:
        return "allow";
    case S3U_DECISION_EXPLICIT_DENY:
        return "explicit-deny";
    case S3U_DECISION_IMPLICIT_DENY:
        return "implicit-deny";
    default:
        return "";
    }
}


/* --- the S3-Denial header ------------------------------------------------- */

size_t
s3u_denial_header(const s3u_finding_t *f, int upstream_status,
    s3u_expose_e expose, char *out, size_t size)
{
    s3u_sfv_t  d;

    s3u_sfv_init(&d, out, size);

    if (expose == S3U_EXPOSE_NONE || f->verdict == S3U_VERDICT_NONE) {
        return 0;
    }

    s3u_sfv_add_value(&d, "code", f->code);
    s3u_sfv_add_value(&d, "service", f->service);
    s3u_sfv_add_value(&d, "layer", f->layer);
    s3u_sfv_add_value(&d, "source", s3u_source_name(f->source));
    s3u_sfv_add_value(&d, "decision", s3u_decision_token(f->decision));
    if (upstream_status > 0) {
        s3u_sfv_add_integer(&d, "upstream-status", upstream_status);
    }
    s3u_sfv_add_string(&d, "request-id", f->request_id);

    if (expose == S3U_EXPOSE_FULL) {
        s3u_sfv_add_string(&d, "host-id", f->host_id);
        s3u_sfv_add_string(&d, "principal", f->principal);
        s3u_sfv_add_string(&d, "action", f->action);
        s3u_sfv_add_string(&d, "resource", f->resource);
        s3u_sfv_add_string(&d, "statement", f->statement);
        s3u_sfv_add_string(&d, "reason", f->reason);
    }

    return s3u_sfv_finish(&d);
}
