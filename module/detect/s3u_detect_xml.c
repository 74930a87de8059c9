/*
 * S3's XML error document: the whole body, or a copy inside text (an SDK
 * message that quotes the body, a JSON string holding it escaped, an HTML
 * page holding it entity-escaped).
 */

#include <string.h>

#include "detect/s3u_detect_int.h"
#include "detect/s3u_scan.h"
#include "detect/s3u_xml.h"


/* longest embedded document worth unescaping; S3's are under 2 KB */
#define S3U_EMBEDDED_MAX     8192
/* documents tried per marker style, so that a body of repeated markers
 * costs linear time */
#define S3U_EMBEDDED_TRIES   8


typedef struct {
    char  code[64];
    char  message[1024];
    char  request_id[128];
    char  host_id[256];
} xml_values_t;


static s3u_xml_rc_e
read_values(const char *p, size_t len, xml_values_t *v)
{
    s3u_xml_field_t  fields[4];

    fields[0] = (s3u_xml_field_t) { "Code", v->code, sizeof(v->code), 0 };
    fields[1] = (s3u_xml_field_t) { "Message", v->message,
                                    sizeof(v->message), 0 };
    fields[2] = (s3u_xml_field_t) { "RequestId", v->request_id,
                                    sizeof(v->request_id), 0 };
    fields[3] = (s3u_xml_field_t) { "HostId", v->host_id,
                                    sizeof(v->host_id), 0 };

    return s3u_xml_read_error(p, len, fields, 4);
}


static int
judge_values(const xml_values_t *v, const char *format, s3u_origin_e origin,
    s3u_finding_t *out)
{
    s3u_form_t  form;

    memset(&form, 0, sizeof(form));
    form.format = format;
    form.origin = origin;
    form.code = s3u_span(v->code, strlen(v->code));
    form.message = s3u_span(v->message, strlen(v->message));
    form.request_id = s3u_span(v->request_id, strlen(v->request_id));
    form.host_id = s3u_span(v->host_id, strlen(v->host_id));

    return s3u_judge(&form, out);
}


int
s3u_detect_xml_doc(const char *p, size_t len, s3u_finding_t *out)
{
    xml_values_t  v;
    s3u_xml_rc_e  rc;

    rc = read_values(p, len, &v);

    if (rc == S3U_XML_OK) {
        return judge_values(&v, "s3-xml", S3U_ORIGIN_S3, out);
    }

    if (rc == S3U_XML_NOT_ERROR) {
        s3u_finding_clear(out);
        out->parsed = 1;
        out->format = "xml";
        return 0;
    }

    return -1;
}


/* --- unescaping --------------------------------------------------------- */

static size_t
hex4(const char *p, const char *end, unsigned *cp)
{
    unsigned  v;
    int       i;
    char      c;

    if (end - p < 4) {
        return 0;
    }

    v = 0;
    for (i = 0; i < 4; i++) {
        c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (unsigned) (c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (unsigned) (c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (unsigned) (c - 'A' + 10);
        } else {
            return 0;
        }
    }

    *cp = v;
    return 4;
}


/* one level of JSON string escapes; returns the length, 0 on a bad escape */
static size_t
json_unescape(const char *p, const char *end, char *out, size_t size)
{
    size_t    n;
    unsigned  cp;

    for (n = 0; p < end && n + 3 < size; p++) {
        if (*p != '\\') {
            out[n++] = *p;
            continue;
        }
        if (++p == end) {
            return 0;
        }
        switch (*p) {
        case 'n':  out[n++] = '\n'; break;
        case 'r':  out[n++] = '\r'; break;
        case 't':  out[n++] = '\t'; break;
        case 'b':
        case 'f':  out[n++] = ' '; break;
        case '"':
        case '\\':
        case '/':  out[n++] = *p; break;
        case 'u':
            if (hex4(p + 1, end, &cp) == 0) {
                return 0;
            }
            p += 4;
            if (cp < 0x80) {
                out[n++] = (char) cp;
            } else if (cp < 0x800) {
                out[n++] = (char) (0xc0 | (cp >> 6));
                out[n++] = (char) (0x80 | (cp & 0x3f));
            } else if (cp >= 0xd800 && cp <= 0xdfff) {
                out[n++] = '?';               /* halves of a pair: not text */
            } else {
                out[n++] = (char) (0xe0 | (cp >> 12));
                out[n++] = (char) (0x80 | ((cp >> 6) & 0x3f));
                out[n++] = (char) (0x80 | (cp & 0x3f));
            }
            break;
        default:
            return 0;
        }
    }

    return p == end ? n : 0;
}


/* an HTML numeric reference below 128 at p ("&#60;", "&#x3c;"); returns
 * its length and the byte in *c, 0 when it is not one */
static size_t
html_numeric(const char *p, const char *end, char *c)
{
    unsigned     cp, base, d;
    const char  *q;

    if (end - p < 4 || p[0] != '&' || p[1] != '#') {
        return 0;
    }

    q = p + 2;
    base = 10;
    if (*q == 'x' || *q == 'X') {
        base = 16;
        q++;
    }

    for (cp = 0; q < end && q - p < 8 && *q != ';'; q++) {
        if (*q >= '0' && *q <= '9') {
            d = (unsigned) (*q - '0');
        } else if (base == 16 && (*q | 0x20) >= 'a' && (*q | 0x20) <= 'f') {
            d = (unsigned) ((*q | 0x20) - 'a' + 10);
        } else {
            return 0;
        }
        cp = cp * base + d;
    }

    if (q == end || *q != ';' || cp == 0 || cp >= 0x80) {
        return 0;
    }

    *c = (char) cp;
    return (size_t) (q + 1 - p);
}


/* one level of HTML escaping: &lt; &gt; &amp; &quot; &apos; and numeric
 * references below 128; anything else is kept as it is */
static size_t
html_unescape(const char *p, const char *end, char *out, size_t size)
{
    static const struct {
        const char  *name;
        char         ch;
    } named[] = {
        { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
        { "&quot;", '"' }, { "&apos;", '\'' }
    };
    size_t  n, i, len;

    for (n = 0; p < end && n + 1 < size; ) {
        if (*p != '&') {
            out[n++] = *p++;
            continue;
        }

        for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
            len = strlen(named[i].name);
            if ((size_t) (end - p) >= len
                && memcmp(p, named[i].name, len) == 0)
            {
                break;
            }
        }

        if (i < sizeof(named) / sizeof(named[0])) {
            out[n++] = named[i].ch;
            p += len;

        } else if ((len = html_numeric(p, end, &out[n])) != 0) {
            n++;
            p += len;

        } else {
            out[n++] = *p++;
        }
    }

    return p == end ? n : 0;
}


/* --- embedded documents ------------------------------------------------- */

typedef enum {
    ESC_RAW = 0,
    ESC_JSON,
    ESC_HTML
} esc_e;

typedef struct {
    const char  *open;
    const char  *close;
    const char  *close_alt;         /* "<\/Error>" as JSON may write it */
    const char  *outer;             /* a query-protocol wrapper before it */
    const char  *outer_list;        /* EC2's <Response><Errors> */
    esc_e        esc;
    const char  *format;
} marker_t;

static const marker_t markers[] = {
    { "<Error>", "</Error>", "<\\/Error>", "<ErrorResponse", "<Errors>",
      ESC_RAW, "s3-xml-in-text" },
    { "\\u003cError\\u003e", "\\u003c/Error\\u003e", "\\u003c\\/Error\\u003e",
      "\\u003cErrorResponse", "\\u003cErrors\\u003e",
      ESC_JSON, "s3-xml-escaped" },
    { "&lt;Error&gt;", "&lt;/Error&gt;", NULL, "&lt;ErrorResponse",
      "&lt;Errors&gt;", ESC_HTML, "s3-xml-html-escaped" },
};


static s3u_origin_e
embedded_origin(const char *base, const char *at, const marker_t *mk)
{
    if (s3u_find_ci(base, at, mk->outer_list) != NULL) {
        return S3U_ORIGIN_OTHER;            /* EC2-style error lists */
    }

    if (s3u_find_ci(base, at, mk->outer) != NULL) {
        return S3U_ORIGIN_STS;              /* STS, IAM, SQS ...: query XML */
    }

    return S3U_ORIGIN_S3;
}


/* parses [p, end) after undoing the marker's escaping */
static s3u_xml_rc_e
read_escaped(const char *p, const char *end, esc_e esc, xml_values_t *v)
{
    char    buf[S3U_EMBEDDED_MAX];
    size_t  n;

    if (end - p > S3U_EMBEDDED_MAX) {
        return S3U_XML_MALFORMED;
    }

    n = (esc == ESC_HTML) ? html_unescape(p, end, buf, sizeof(buf))
                          : json_unescape(p, end, buf, sizeof(buf));
    if (n == 0) {
        return S3U_XML_MALFORMED;
    }

    return read_values(buf, n, v);
}


static int
try_marker(const char *base, const char *end, const marker_t *mk,
    s3u_finding_t *out)
{
    int            tries;
    size_t         clen;
    const char    *p, *close, *alt;
    xml_values_t   v;
    s3u_xml_rc_e   rc;

    p = base;

    for (tries = 0; tries < S3U_EMBEDDED_TRIES; tries++) {
        p = s3u_find_ci(p, end, mk->open);
        if (p == NULL) {
            return 0;
        }

        close = s3u_find_ci(p, end, mk->close);
        alt = mk->close_alt ? s3u_find_ci(p, end, mk->close_alt) : NULL;
        if (close == NULL || (alt != NULL && alt < close)) {
            close = alt;
            clen = alt ? strlen(mk->close_alt) : 0;
        } else {
            clen = strlen(mk->close);
        }

        if (close == NULL) {
            return 0;                       /* no complete document after p */
        }

        rc = S3U_XML_MALFORMED;
        if (mk->esc == ESC_RAW && close != alt) {
            rc = read_values(p, (size_t) (close + clen - p), &v);
        }
        if (rc != S3U_XML_OK) {
            rc = read_escaped(p, close + clen,
                              mk->esc == ESC_RAW ? ESC_JSON : mk->esc, &v);
        }

        if (rc == S3U_XML_OK) {
            return judge_values(&v, mk->format,
                                embedded_origin(base, p, mk), out);
        }

        p++;
    }

    return 0;
}


int
s3u_detect_xml_embedded(const char *p, size_t len, s3u_finding_t *out)
{
    size_t  i;

    for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
        if (try_marker(p, p + len, &markers[i], out)) {
            return 1;
        }
    }

    return 0;
}
