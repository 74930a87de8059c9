/*
 * The strict S3 error document reader (see s3u_xml.h).  One pass, no
 * recursion: open elements are kept on a fixed stack of name slices.
 */

#include <string.h>

#include "detect/s3u_scan.h"
#include "detect/s3u_xml.h"


typedef struct {
    const char  *name;
    size_t       len;
} xml_name_t;

typedef struct {
    const char       *p;
    const char       *end;
    s3u_xml_field_t  *fields;
    size_t            nfields;
    xml_name_t        stack[S3U_XML_MAX_DEPTH];
    int               depth;
    int               collect;      /* the root is <Error>: read its children */
    s3u_xml_field_t  *target;       /* the child whose text is being read */
    size_t            tlen;
} xml_t;


static int
name_start_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'
           || c == ':' || c >= 0x80;
}


static int
name_char(unsigned char c)
{
    return name_start_char(c) || (c >= '0' && c <= '9') || c == '.'
           || c == '-';
}


static int
starts(const xml_t *x, const char *s)
{
    size_t  n;

    n = strlen(s);
    return (size_t) (x->end - x->p) >= n && memcmp(x->p, s, n) == 0;
}


static int
names_equal_ci(const char *a, size_t alen, const char *b)
{
    size_t  i;
    int     ca, cb;

    if (alen != strlen(b)) {
        return 0;
    }

    for (i = 0; i < alen; i++) {
        ca = (unsigned char) a[i];
        cb = (unsigned char) b[i];
        if (ca >= 'A' && ca <= 'Z') {
            ca += 'a' - 'A';
        }
        if (cb >= 'A' && cb <= 'Z') {
            cb += 'a' - 'A';
        }
        if (ca != cb) {
            return 0;
        }
    }

    return 1;
}


/* reads a name at x->p; returns its length, 0 when there is none */
static size_t
read_name(xml_t *x)
{
    const char  *start;

    start = x->p;

    if (x->p >= x->end || !name_start_char((unsigned char) *x->p)) {
        return 0;
    }

    while (x->p < x->end && name_char((unsigned char) *x->p)) {
        x->p++;
    }

    return (size_t) (x->p - start);
}


static void
skip_space(xml_t *x)
{
    x->p = s3u_skip_space(x->p, x->end);
}


/* appends decoded bytes to the current target, silently cut at its size */
static void
emit(xml_t *x, const char *s, size_t n)
{
    size_t  room;

    if (x->target == NULL) {
        return;
    }

    room = x->target->size - 1 - x->tlen;
    if (n > room) {
        n = room;
    }

    memcpy(x->target->buf + x->tlen, s, n);
    x->tlen += n;
}


static int
xml_char_ok(unsigned long cp)
{
    return cp == 0x9 || cp == 0xa || cp == 0xd
           || (cp >= 0x20 && cp <= 0xd7ff)
           || (cp >= 0xe000 && cp <= 0xfffd)
           || (cp >= 0x10000 && cp <= 0x10ffff);
}


static size_t
utf8_encode(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char) cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char) (0xc0 | (cp >> 6));
        out[1] = (char) (0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char) (0xe0 | (cp >> 12));
        out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char) (0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char) (0xf0 | (cp >> 18));
    out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char) (0x80 | (cp & 0x3f));
    return 4;
}


/* a character reference after "&#"; -1 when malformed */
static int
char_ref(xml_t *x, char *out, size_t *n)
{
    unsigned long  cp;
    int            hex, digits, d;
    char           c;

    hex = 0;
    if (x->p < x->end && *x->p == 'x') {
        hex = 1;
        x->p++;
    }

    cp = 0;
    for (digits = 0; x->p < x->end && *x->p != ';'; x->p++, digits++) {
        c = *x->p;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (hex && c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (hex && c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            return -1;
        }
        if (digits >= 8) {
            return -1;
        }
        cp = cp * (hex ? 16 : 10) + (unsigned long) d;
    }

    if (digits == 0 || x->p >= x->end || !xml_char_ok(cp)) {
        return -1;
    }

    x->p++;                                  /* ';' */
    *n = utf8_encode(cp, out);
    return 0;
}


/* an entity at x->p ('&'); decoded bytes go to out; -1 when malformed */
static int
entity(xml_t *x, char *out, size_t *n)
{
    static const struct {
        const char  *name;
        char         ch;
    } named[] = {
        { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
        { "&quot;", '"' }, { "&apos;", '\'' }
    };
    size_t  i;

    for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (starts(x, named[i].name)) {
            x->p += strlen(named[i].name);
            out[0] = named[i].ch;
            *n = 1;
            return 0;
        }
    }

    if (starts(x, "&#")) {
        x->p += 2;
        return char_ref(x, out, n);
    }

    return -1;
}


/* character data up to the next '<' */
static int
text(xml_t *x)
{
    char           buf[4];
    size_t         n;
    unsigned char  c;
    const char    *run;

    while (x->p < x->end && *x->p != '<') {

        if (*x->p == '&') {
            if (entity(x, buf, &n) != 0) {
                return -1;
            }
            if (x->depth == 2) {
                emit(x, buf, n);
            }
            continue;
        }

        /* a run of plain bytes, checked and kept at once */
        for (run = x->p; run < x->end && *run != '<' && *run != '&'; run++) {
            c = (unsigned char) *run;

            if (s3u_ctype_is(c, S3U_CT_CONTROL)
                && c != '\t' && c != '\n' && c != '\r')
            {
                return -1;                   /* not an XML character */
            }

            if (x->depth == 0 && !s3u_ctype_is(c, S3U_CT_SPACE)) {
                return -1;                   /* text outside the root */
            }
        }

        if (x->depth == 2) {
            emit(x, x->p, (size_t) (run - x->p));
        }
        x->p = run;
    }

    return 0;
}


static int
comment(xml_t *x)
{
    const char  *close;

    close = s3u_find(x->p + S3U_LEN("<!--"), x->end, "-->");
    if (close == NULL) {
        return -1;
    }

    x->p = close + S3U_LEN("-->");
    return 0;
}


static int
cdata(xml_t *x)
{
    const char  *start, *close;

    start = x->p + S3U_LEN("<![CDATA[");
    close = s3u_find(start, x->end, "]]>");
    if (close == NULL || x->depth == 0) {
        return -1;
    }

    if (x->depth == 2) {
        emit(x, start, (size_t) (close - start));
    }

    x->p = close + S3U_LEN("]]>");
    return 0;
}


/* name="value" pairs up to '>' or "/>"; values are checked, not kept */
static int
attributes(xml_t *x)
{
    char         quote, buf[4];
    size_t       n;
    const char  *before;

    for ( ;; ) {
        before = x->p;
        skip_space(x);

        if (x->p >= x->end) {
            return -1;
        }
        if (*x->p == '>' || *x->p == '/') {
            return 0;
        }
        if (x->p == before || read_name(x) == 0) {
            return -1;                       /* attributes need a space */
        }

        skip_space(x);
        if (x->p >= x->end || *x->p != '=') {
            return -1;
        }
        x->p++;
        skip_space(x);

        if (x->p >= x->end || (*x->p != '"' && *x->p != '\'')) {
            return -1;
        }
        quote = *x->p++;

        while (x->p < x->end && *x->p != quote) {
            if (*x->p == '<') {
                return -1;
            }
            if (*x->p == '&') {
                if (entity(x, buf, &n) != 0) {
                    return -1;
                }
                continue;
            }
            x->p++;
        }

        if (x->p >= x->end) {
            return -1;
        }
        x->p++;
    }
}


/* chooses the caller's field for a child of <Error>, if any */
static void
select_target(xml_t *x, const char *name, size_t len)
{
    size_t            i;
    s3u_xml_field_t  *f;

    x->target = NULL;
    x->tlen = 0;

    for (i = 0; i < x->nfields; i++) {
        f = &x->fields[i];
        if (f->found < 2 && s3u_eq(name, len, f->name)) {
            f->found = 2;
            x->target = f;
            return;
        }
    }

    for (i = 0; i < x->nfields; i++) {
        f = &x->fields[i];
        if (f->found == 0 && names_equal_ci(name, len, f->name)) {
            f->found = 1;
            x->target = f;
            return;
        }
    }
}


static void
finish_target(xml_t *x)
{
    if (x->target == NULL) {
        return;
    }

    x->target->buf[x->tlen] = '\0';
    s3u_field_set(x->target->buf, x->target->size, x->target->buf, x->tlen);
    x->target = NULL;
}


static s3u_xml_rc_e
open_tag(xml_t *x)
{
    const char  *name;
    size_t       len;

    x->p++;                                  /* '<' */
    name = x->p;
    len = read_name(x);
    if (len == 0 || attributes(x) != 0) {
        return S3U_XML_MALFORMED;
    }

    if (x->depth == 0) {
        x->collect = names_equal_ci(name, len, "Error");
    }

    if (x->depth == S3U_XML_MAX_DEPTH) {
        return S3U_XML_TOO_DEEP;
    }

    x->stack[x->depth].name = name;
    x->stack[x->depth].len = len;
    x->depth++;

    if (x->depth == 2 && x->collect) {
        select_target(x, name, len);
    }

    if (*x->p == '/') {
        if (x->p + 1 >= x->end || x->p[1] != '>') {
            return S3U_XML_MALFORMED;
        }
        x->p += 2;
        if (x->depth == 2) {
            finish_target(x);
        }
        x->depth--;
        return S3U_XML_OK;
    }

    x->p++;                                  /* '>' */
    return S3U_XML_OK;
}


static s3u_xml_rc_e
close_tag(xml_t *x)
{
    const char  *name;
    size_t       len;
    xml_name_t  *top;

    x->p += 2;                               /* "</" */
    name = x->p;
    len = read_name(x);
    skip_space(x);

    if (len == 0 || x->depth == 0 || x->p >= x->end || *x->p != '>') {
        return S3U_XML_MALFORMED;
    }

    top = &x->stack[x->depth - 1];
    if (top->len != len || memcmp(top->name, name, len) != 0) {
        return S3U_XML_MALFORMED;
    }

    x->p++;
    if (x->depth == 2) {
        finish_target(x);
    }
    x->depth--;

    return S3U_XML_OK;
}


static s3u_xml_rc_e
markup(xml_t *x, int *root_done)
{
    s3u_xml_rc_e  rc;

    if (starts(x, "<!--")) {
        return comment(x) == 0 ? S3U_XML_OK : S3U_XML_MALFORMED;
    }

    if (starts(x, "<![CDATA[")) {
        return cdata(x) == 0 ? S3U_XML_OK : S3U_XML_MALFORMED;
    }

    if (starts(x, "<!") || starts(x, "<?")) {
        return S3U_XML_MALFORMED;            /* DOCTYPE, stray PI */
    }

    if (starts(x, "</")) {
        rc = close_tag(x);
    } else {
        if (*root_done) {
            return S3U_XML_MALFORMED;        /* a second root */
        }
        rc = open_tag(x);
    }

    if (rc == S3U_XML_OK && x->depth == 0) {
        *root_done = 1;
    }

    return rc;
}


static int
prolog(xml_t *x)
{
    const char  *close;

    if (starts(x, "\xef\xbb\xbf")) {
        x->p += 3;
    }

    if (starts(x, "<?xml")) {
        close = s3u_find(x->p, x->end, "?>");
        if (close == NULL) {
            return -1;
        }
        x->p = close + S3U_LEN("?>");
    }

    return 0;
}


s3u_xml_rc_e
s3u_xml_read_error(const char *doc, size_t len, s3u_xml_field_t *fields,
    size_t nfields)
{
    int           root_done;
    size_t        i;
    xml_t         x;
    s3u_xml_rc_e  rc;

    memset(&x, 0, sizeof(x));
    x.p = doc;
    x.end = doc + len;
    x.fields = fields;
    x.nfields = nfields;

    for (i = 0; i < nfields; i++) {
        fields[i].found = 0;
        if (fields[i].size > 0) {
            fields[i].buf[0] = '\0';
        } else {
            fields[i].found = 2;             /* nowhere to write: never chosen */
        }
    }

    if (s3u_skip_space(doc, x.end) == x.end) {
        return S3U_XML_EMPTY;
    }

    if (prolog(&x) != 0) {
        return S3U_XML_MALFORMED;
    }

    root_done = 0;

    while (x.p < x.end) {
        if (*x.p == '<') {
            rc = markup(&x, &root_done);
        } else {
            rc = text(&x) == 0 ? S3U_XML_OK : S3U_XML_MALFORMED;
        }
        if (rc != S3U_XML_OK) {
            return rc;
        }
    }

    if (!root_done || x.depth != 0) {
        return S3U_XML_MALFORMED;
    }

    return x.collect ? S3U_XML_OK : S3U_XML_NOT_ERROR;
}


const char *
s3u_xml_rc_name(s3u_xml_rc_e rc)
{
    switch (rc) {
    case S3U_XML_OK:
        return "ok";
    case S3U_XML_EMPTY:
        return "empty";
    case S3U_XML_MALFORMED:
        return "malformed";
    case S3U_XML_TOO_DEEP:
        return "too deep";
    case S3U_XML_NOT_ERROR:
        return "not an S3 error document";
    }

    return "unknown";
}
