/*
 * The RFC 9457 application/problem+json body (see s3u_sfv.h), written
 * straight into the caller's buffer.
 */

#include <stdio.h>
#include <string.h>

#include "detect/s3u_sfv.h"


typedef struct {
    char    *buf;
    size_t   size;
    size_t   len;
    int      failed;
    int      members;
} json_out_t;


static void
put(json_out_t *j, const char *s, size_t n)
{
    if (j->failed || j->len + n + 1 > j->size) {
        j->failed = 1;
        return;
    }

    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}


static void
puts_(json_out_t *j, const char *s)
{
    put(j, s, strlen(s));
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


static void
put_string(json_out_t *j, const char *s)
{
    char                  esc[8];
    size_t                n;
    const unsigned char  *p;

    put(j, "\"", 1);

    for (p = (const unsigned char *) s; *p; p += n) {
        n = utf8_valid(p);
        if (n == 0) {
            n = 1;                          /* invalid UTF-8: dropped */
            continue;
        }
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char) *p;
            put(j, esc, 2);
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
            put(j, esc, 6);
        } else {
            put(j, (const char *) p, n);
        }
    }

    put(j, "\"", 1);
}


static void
member_name(json_out_t *j, const char *name)
{
    if (j->members++ > 0) {
        put(j, ",", 1);
    }
    put_string(j, name);
    put(j, ":", 1);
}


static void
member_string(json_out_t *j, const char *name, const char *value)
{
    if (value == NULL || value[0] == '\0') {
        return;
    }

    member_name(j, name);
    put_string(j, value);
}


static void
member_int(json_out_t *j, const char *name, int value)
{
    char  num[16];

    member_name(j, name);
    snprintf(num, sizeof(num), "%d", value);
    puts_(j, num);
}


static void
detail(const s3u_finding_t *f, char *buf, size_t size)
{
    const char  *decision;

    if (f->verdict != S3U_VERDICT_DENIAL) {
        snprintf(buf, size, "The upstream failed with the S3 error %s.",
                 f->code[0] ? f->code : "(no code)");
        return;
    }

    decision = f->decision == S3U_DECISION_EXPLICIT_DENY ? "an explicit deny"
             : f->decision == S3U_DECISION_IMPLICIT_DENY ? "no policy allowing"
             : NULL;

    if (f->layer[0] != '\0' && decision != NULL) {
        snprintf(buf, size, "%s denied the request (%s): %s in the %s layer.",
                 strcmp(f->service, "sts") == 0 ? "STS" : "S3",
                 f->code, decision, f->layer);
    } else if (f->layer[0] != '\0') {
        snprintf(buf, size, "%s denied the request (%s) at the %s layer.",
                 strcmp(f->service, "sts") == 0 ? "STS" : "S3",
                 f->code, f->layer);
    } else {
        snprintf(buf, size, "%s denied the request (%s); the denying policy"
                 " layer is not known.",
                 strcmp(f->service, "sts") == 0 ? "STS" : "S3", f->code);
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
        member_string(&j, "type", "urn:s3-unmask:denial");
        member_string(&j, "title", "Access denied by an AWS policy");
    } else {
        member_string(&j, "type", "urn:s3-unmask:s3-error");
        member_string(&j, "title", "The upstream failed with an S3 error");
    }
    member_int(&j, "status", status);

    /* "none" still replaces the body: say only what the status says */
    if (expose == S3U_EXPOSE_NONE) {
        goto done;
    }

    detail(f, text, sizeof(text));
    member_string(&j, "detail", text);

    member_string(&j, "code", f->code);
    member_string(&j, "service", f->service);
    member_string(&j, "layer", f->layer);
    member_string(&j, "source", s3u_source_name(f->source));
    member_string(&j, "decision", s3u_decision_token(f->decision));
    if (upstream_status > 0) {
        member_int(&j, "upstream_status", upstream_status);
    }
    member_string(&j, "request_id", f->request_id);

    if (expose == S3U_EXPOSE_FULL) {
        member_string(&j, "host_id", f->host_id);
        member_string(&j, "principal", f->principal);
        member_string(&j, "action", f->action);
        member_string(&j, "resource", f->resource);
        member_string(&j, "statement", f->statement);
        member_string(&j, "reason", f->reason);
        member_string(&j, "message", f->message);
    }

done:

    put(&j, "}", 1);

    if (j.failed) {
        out[0] = '\0';
        return 0;
    }

    return j.len;
}
