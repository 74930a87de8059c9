/*
 * The RFC 9457 application/problem+json body (see s3u_sfv.h), written
 * straight into the caller's buffer.
 */

#include <string.h>

#include "detect/s3u_scan.h"
#include "detect/s3u_sfv.h"


typedef struct {
    char    *buf;
    size_t   size;
    size_t   len;
    int      failed;
    int      members;
} json_out_t;


static inline void
put(json_out_t *j, const char *s, size_t n)
{
    if (j->failed || j->len + n + 1 > j->size) {
        j->failed = 1;
        return;
    }

    s3u_copy_bytes(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}


/* length of the well-formed UTF-8 sequence at p, 0 when it is not one */
static size_t
utf8_valid(const unsigned char *p)
{
    size_t  n, i;

    if (p[0] < 0x80) {
        return 1;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f)) {
            return 0;                       /* overlong, surrogate */
        }
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f)) {
            return 0;
        }
    } else {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {        /* also stops at the NUL */
            return 0;
        }
    }

    return n;
}


/*
 * s as a JSON string: runs of printable ASCII other than '"' and '\\' are
 * copied at once; '"' and '\\' escaped, control bytes and 0x7f as \u00XX,
 * well-formed UTF-8 kept, anything else dropped.
 */
static void
put_string(json_out_t *j, const char *s)
{
    char                  esc[6];
    size_t                n;
    const char           *p, *q, *end;
    const unsigned char  *u;

    static const char  hex[] = "0123456789abcdef";

    put(j, "\"", 1);

    p = s;
    end = s + strlen(s);

    while (p < end) {
        q = s3u_quoted_plain_end(p, end);
        if (q > p) {
            put(j, p, (size_t) (q - p));
        }
        if (q == end) {
            break;
        }

        u = (const unsigned char *) q;

        if (*u == '"' || *u == '\\') {
            esc[0] = '\\';
            esc[1] = (char) *u;
            put(j, esc, 2);
            n = 1;

        } else if (*u < 0x20 || *u == 0x7f) {
            esc[0] = '\\';
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[*u >> 4];
            esc[5] = hex[*u & 0xf];
            put(j, esc, 6);
            n = 1;

        } else {
            n = utf8_valid(u);
            if (n == 0) {
                n = 1;                      /* invalid UTF-8: dropped */
            } else {
                put(j, q, n);
            }
        }

        p = q + n;
    }

    put(j, "\"", 1);
}


/* a decimal int, by hand: snprintf's locale and format parsing cost more
 * than the number */
static void
put_int(json_out_t *j, int value)
{
    char          num[16], *p;
    unsigned int  u;

    p = num + sizeof(num);
    u = value < 0 ? 0u - (unsigned int) value : (unsigned int) value;

    do {
        *--p = (char) ('0' + u % 10);
        u /= 10;
    } while (u != 0);

    if (value < 0) {
        *--p = '-';
    }

    put(j, p, (size_t) (num + sizeof(num) - p));
}


/* a member name, quoted, with its colon and length: the names are
 * constants that need no escaping */
#define MEMBER(name)  "\"" name "\":", sizeof("\"" name "\":") - 1


static inline void
member_name(json_out_t *j, const char *name, size_t len)
{
    if (j->members++ > 0) {
        put(j, ",", 1);
    }
    put(j, name, len);
}


static inline void
member_string(json_out_t *j, const char *name, size_t len, const char *value)
{
    if (value == NULL || value[0] == '\0') {
        return;
    }

    member_name(j, name, len);
    put_string(j, value);
}


static inline void
member_int(json_out_t *j, const char *name, size_t len, int value)
{
    member_name(j, name, len);
    put_int(j, value);
}


/* appends s to buf (size bytes, NUL-terminated, len used) as snprintf
 * would: cut at size - 1; returns the new length */
static size_t
text_add(char *buf, size_t size, size_t len, const char *s)
{
    size_t  n;

    n = strlen(s);
    if (len + n > size - 1) {
        n = size - 1 > len ? size - 1 - len : 0;
    }

    memcpy(buf + len, s, n);
    buf[len + n] = '\0';

    return len + n;
}


/* the detail sentence, as snprintf would format it */
static void
detail(const s3u_finding_t *f, char *buf, size_t size)
{
    size_t       n;
    const char  *decision, *who;

    buf[0] = '\0';

    if (f->verdict != S3U_VERDICT_DENIAL) {
        n = text_add(buf, size, 0, "The upstream failed with the S3 error ");
        n = text_add(buf, size, n, f->code[0] ? f->code : "(no code)");
        text_add(buf, size, n, ".");
        return;
    }

    decision = f->decision == S3U_DECISION_EXPLICIT_DENY ? "an explicit deny"
             : f->decision == S3U_DECISION_IMPLICIT_DENY ? "no policy allowing"
             : NULL;

    who = strcmp(f->service, "sts") == 0 ? "STS" : "S3";

    n = text_add(buf, size, 0, who);
    n = text_add(buf, size, n, " denied the request (");
    n = text_add(buf, size, n, f->code);

    if (f->layer[0] != '\0' && decision != NULL) {
        n = text_add(buf, size, n, "): ");
        n = text_add(buf, size, n, decision);
        n = text_add(buf, size, n, " in the ");
        n = text_add(buf, size, n, f->layer);
        text_add(buf, size, n, " layer.");
    } else if (f->layer[0] != '\0') {
        n = text_add(buf, size, n, ") at the ");
        n = text_add(buf, size, n, f->layer);
        text_add(buf, size, n, " layer.");
    } else {
        text_add(buf, size, n, "); the denying policy layer is not known.");
    }
}


size_t
s3u_problem_json(const s3u_finding_t *f, int status, int upstream_status,
    s3u_expose_e expose, char *out, size_t size)
{
    char        text[256];
    json_out_t  j;

    memset(&j, 0, sizeof(j));
    j.buf = out;
    j.size = size;
    j.failed = (size == 0);
    if (size > 0) {
        out[0] = '\0';
    }

    if (f->verdict == S3U_VERDICT_NONE || j.failed) {
        return 0;
    }

    put(&j, "{", 1);

    if (f->verdict == S3U_VERDICT_DENIAL) {
        member_string(&j, MEMBER("type"), "urn:s3-unmask:denial");
        member_string(&j, MEMBER("title"), "Access denied by an AWS policy");
    } else {
        member_string(&j, MEMBER("type"), "urn:s3-unmask:s3-error");
        member_string(&j, MEMBER("title"),
                      "The upstream failed with an S3 error");
    }
    member_int(&j, MEMBER("status"), status);

    /* "none" still replaces the body: say only what the status says */
    if (expose == S3U_EXPOSE_NONE) {
        goto done;
    }

    detail(f, text, sizeof(text));
    member_string(&j, MEMBER("detail"), text);

    member_string(&j, MEMBER("code"), f->code);
    member_string(&j, MEMBER("service"), f->service);
    member_string(&j, MEMBER("layer"), f->layer);
    member_string(&j, MEMBER("source"), s3u_source_name(f->source));
    member_string(&j, MEMBER("decision"), s3u_decision_token(f->decision));
    if (upstream_status > 0) {
        member_int(&j, MEMBER("upstream_status"), upstream_status);
    }
    member_string(&j, MEMBER("request_id"), f->request_id);

    if (expose == S3U_EXPOSE_FULL) {
        member_string(&j, MEMBER("host_id"), f->host_id);
        member_string(&j, MEMBER("principal"), f->principal);
        member_string(&j, MEMBER("action"), f->action);
        member_string(&j, MEMBER("resource"), f->resource);
        member_string(&j, MEMBER("statement"), f->statement);
        member_string(&j, MEMBER("reason"), f->reason);
        member_string(&j, MEMBER("message"), f->message);
    }

done:

    put(&j, "}", 1);

    if (j.failed) {
        out[0] = '\0';
        return 0;
    }

    return j.len;
}
