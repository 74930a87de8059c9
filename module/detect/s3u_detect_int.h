/*
 * Shared between the detector files only: the form an SDK rendering was
 * read into, and the judge that turns a form into a finding.
 */

#ifndef S3U_DETECT_INT_H
#define S3U_DETECT_INT_H

#include <stddef.h>

#include "detect/s3u_finding.h"

/* which service the form itself says answered; the action in a detailed
 * message can still overrule UNKNOWN */
typedef enum {
    S3U_ORIGIN_UNKNOWN = 0,
    S3U_ORIGIN_S3,          /* S3 XML, "Service: Amazon S3", S3Exception, ... */
    S3U_ORIGIN_STS,         /* STS's query-protocol XML, "Service: Sts", ... */
    S3U_ORIGIN_OTHER        /* named another service: never a finding */
} s3u_origin_e;

typedef struct {
    const char    *data;
    size_t         len;
} s3u_span_t;

/* what a detector read from one SDK or wire form */
typedef struct {
    const char    *format;      /* static name, e.g. "botocore" */
    s3u_origin_e   origin;
    int            status;      /* HTTP status the form reports, 0 unknown */
    s3u_span_t     code;        /* error code as given, may be empty */
    s3u_span_t     message;     /* S3's message text, may be empty */
    s3u_span_t     request_id;
    s3u_span_t     host_id;
} s3u_form_t;

/* AWS's detailed message, read by s3u_message_parse */
typedef struct {
    s3u_span_t      principal;
    s3u_span_t      action;
    s3u_span_t      resource;
    const char     *layer;      /* static layer name, NULL when not named */
    s3u_decision_e  decision;
} s3u_message_t;

/* 1 when [p, end) holds "... is not authorized to perform: svc:Action ..." */
int s3u_message_parse(const char *p, const char *end, s3u_message_t *m);

/* decides verdict, service, layer, ... of a form; always sets parsed and
 * format (the form was recognised); returns 1 */
int s3u_judge(const s3u_form_t *form, s3u_finding_t *out);

/* a recognised S3 error code: nonzero when s3u_s3_error_status knows it */
int s3u_known_code(const char *p, size_t len);

/* the code an SDK that prints no code (Java v2, .NET's message, Kotlin)
 * meant, from S3's message and the status: "AccessDenied" for S3's bare or
 * detailed denial text, "Forbidden" for a bodiless 403, the code of a
 * known S3 message; NULL when the message says nothing we know */
const char *s3u_code_from_message(const char *p, size_t len, int status);

/* text forms (SDK exception strings, embedded S3 XML); 1 when one was
 * recognised and *out filled */
int s3u_detect_text(const char *p, size_t len, s3u_finding_t *out);

/* JSON documents; -1 not JSON (or too deep), 0 JSON with nothing known in
 * it (out->parsed set), 1 recognised; nest counts JSON held in strings */
int s3u_detect_json(const char *p, size_t len, s3u_finding_t *out, int nest);

/* the whole body as an S3 XML error document; 1 recognised, 0 well-formed
 * XML of another kind (out->parsed set), -1 not well-formed */
int s3u_detect_xml_doc(const char *p, size_t len, s3u_finding_t *out);

/* S3 XML inside text: raw, JSON-escaped or HTML-escaped */
int s3u_detect_xml_embedded(const char *p, size_t len, s3u_finding_t *out);

#define s3u_span(s, n)  ((s3u_span_t) { (s), (n) })

/* the bytes [from, to), empty when to is not after from: spans built from
 * two searches never get a negative length */
static inline s3u_span_t
s3u_between(const char *from, const char *to)
{
    return (from != NULL && to > from)
           ? s3u_span(from, (size_t) (to - from)) : s3u_span(from, 0);
}

#endif /* S3U_DETECT_INT_H */
