/*
 * RFC 8941 dictionary writer and the S3-Denial header (see s3u_sfv.h).
 */

#include <string.h>

#include "detect/s3u_label.h"
#include "detect/s3u_scan.h"
#include "detect/s3u_sfv.h"


/*
 * Byte classes, one lookup per byte instead of a strchr: RFC 9110 tchar
 * plus ":" and "/" (sf-token), and RFC 8941 keys.
 */
#define SFV_TSTART  0x01        /* ALPHA, "*": starts an sf-token */
#define SFV_TCHAR   0x02        /* the rest of an sf-token */
#define SFV_KSTART  0x04        /* lcalpha, "*": starts a key */
#define SFV_KCHAR   0x08        /* the rest of a key */

#define SFV_ALPHA   (SFV_TSTART | SFV_TCHAR)
#define SFV_LOWER   (SFV_TSTART | SFV_TCHAR | SFV_KSTART | SFV_KCHAR)

static const unsigned char  sfv_class[256] = {
    ['A' ... 'Z'] = SFV_ALPHA,
    ['a' ... 'z'] = SFV_LOWER,
    ['0' ... '9'] = SFV_TCHAR | SFV_KCHAR,
    ['*'] = SFV_TSTART | SFV_TCHAR | SFV_KSTART | SFV_KCHAR,
    ['_'] = SFV_TCHAR | SFV_KCHAR,
    ['-'] = SFV_TCHAR | SFV_KCHAR,
    ['.'] = SFV_TCHAR | SFV_KCHAR,
    ['!'] = SFV_TCHAR, ['#'] = SFV_TCHAR, ['$'] = SFV_TCHAR,
    ['%'] = SFV_TCHAR, ['&'] = SFV_TCHAR, ['\''] = SFV_TCHAR,
    ['+'] = SFV_TCHAR, ['^'] = SFV_TCHAR, ['`'] = SFV_TCHAR,
    ['|'] = SFV_TCHAR, ['~'] = SFV_TCHAR, [':'] = SFV_TCHAR,
    ['/'] = SFV_TCHAR,
};


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


/*
 * Writing.  An item whose longest possible text fits in what is left of
 * the buffer (every value byte escaped, with the separator, key, quotes
 * and NUL) is written straight, without a check per piece: the common
 * case, a header buffer being far larger than a finding.  Otherwise each
 * piece is checked, and one that does not fit, with room left for the
 * NUL, fails the whole dictionary.  Every item ends with a NUL.
 */

/* the bytes left, NUL included; 0 once the dictionary has failed */
static inline size_t
room(const s3u_sfv_t *d)
{
    return d->failed ? 0 : d->size - d->len;
}


static inline int
room_for(s3u_sfv_t *d, size_t n)
{
    if (d->failed || n >= d->size - d->len) {
        d->failed = 1;
        return 0;
    }

    return 1;
}


static inline void
put(s3u_sfv_t *d, const char *s, size_t n)
{
    if (room_for(d, n)) {
        memcpy(d->buf + d->len, s, n);
        d->len += n;
    }
}


static inline void
end_item(s3u_sfv_t *d)
{
    if (d->size > 0) {
        d->buf[d->len] = '\0';
    }
}


/* ", " before all but the first member, then "key=", at o (with room) */
static inline char *
put_key(const s3u_sfv_t *d, char *o, const char *key, size_t klen)
{
    if (d->len > 0) {
        *o++ = ',';
        *o++ = ' ';
    }

    s3u_copy_bytes(o, key, klen);
    o += klen;
    *o++ = '=';

    return o;
}


/* ends an item written straight up to o */
static inline void
end_at(s3u_sfv_t *d, char *o)
{
    *o = '\0';
    d->len = (size_t) (o - d->buf);
}


/* the length of s when it is an sf-token, else 0 */
static size_t
token_len(const char *s)
{
    const unsigned char  *p;

    p = (const unsigned char *) s;

    if (!(sfv_class[*p] & SFV_TSTART)) {
        return 0;                           /* also "" */
    }

    for (p++; sfv_class[*p] & SFV_TCHAR; p++) {
        /* void */
    }

    return *p == '\0' ? (size_t) (p - (const unsigned char *) s) : 0;
}


int
s3u_sfv_is_token(const char *s)
{
    return s != NULL && token_len(s) > 0;
}


int
s3u_sfv_is_key(const char *s)
{
    const unsigned char  *p;

    if (s == NULL) {
        return 0;
    }

    p = (const unsigned char *) s;

    if (!(sfv_class[*p] & SFV_KSTART)) {
        return 0;
    }

    for (p++; sfv_class[*p] & SFV_KCHAR; p++) {
        /* void */
    }

    return *p == '\0';
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


/*
 * ", " unless first, then "key=", checked.  The keys the header writes are
 * constants known to be keys; only the public writers, whose keys come
 * from callers, check them (s3u_sfv_is_key) first.
 */
static void
begin_item(s3u_sfv_t *d, const char *key, size_t klen)
{
    if (room_for(d, (d->len > 0 ? 2 : 0) + klen + 1)) {
        d->len = (size_t) (put_key(d, d->buf + d->len, key, klen) - d->buf);
    }
}


/* key=value for value bytes already known to make a token (or an
 * integer): n of them */
static void
token_item(s3u_sfv_t *d, const char *key, size_t klen, const char *value,
    size_t n)
{
    char  *o;

    if (room(d) >= klen + n + 4) {
        o = put_key(d, d->buf + d->len, key, klen);
        s3u_copy_bytes(o, value, n);
        end_at(d, o + n);
        return;
    }

    begin_item(d, key, klen);
    put(d, value, n);
    end_item(d);
}


/*
 * "value" for the n bytes at value, which hold at least one byte
 * 0x20-0x7E: '"' and '\\' escaped, the bytes a string cannot carry
 * dropped
 */
static char *
put_quoted(char *o, const char *value, size_t n)
{
    const char  *p, *q, *end;

    p = value;
    end = value + n;
    *o++ = '"';

    for ( ;; ) {
        q = s3u_quoted_plain_end(p, end);
        s3u_copy_bytes(o, p, (size_t) (q - p));
        o += q - p;
        if (q == end) {
            break;
        }
        if (*q == '"' || *q == '\\') {
            *o++ = '\\';
            *o++ = *q;
        }
        p = q + 1;
    }

    *o++ = '"';

    return o;
}


/*
 * key="value" for a value with at least one byte 0x20-0x7E: those bytes,
 * '"' and '\\' escaped; CR, LF, NUL and non-ASCII bytes dropped.
 */
static void
string_item(s3u_sfv_t *d, const char *key, size_t klen, const char *value)
{
    char         esc[2], *o;
    size_t       len, r;
    const char  *p, *q, *end;

    len = strlen(value);
    end = value + len;
    p = value;
    r = room(d);

    if (r >= klen + 6 && (r - klen - 6) / 2 >= len) {
        o = put_key(d, d->buf + d->len, key, klen);
        end_at(d, put_quoted(o, value, len));
        return;
    }

    begin_item(d, key, klen);
    put(d, "\"", 1);

    for ( ;; ) {
        q = s3u_quoted_plain_end(p, end);
        if (q > p) {
            put(d, p, (size_t) (q - p));
        }
        if (q == end) {
            break;
        }
        if (*q == '"' || *q == '\\') {
            esc[0] = '\\';
            esc[1] = *q;
            put(d, esc, 2);
        }
        p = q + 1;
    }

    put(d, "\"", 1);
    end_item(d);
}


/* key=N; value within the 15 digits of RFC 8941 */
static void
integer_item(s3u_sfv_t *d, const char *key, size_t klen, long long value)
{
    char                 num[24], *p;
    unsigned long long   u;

    p = num + sizeof(num);
    u = value < 0 ? 0 - (unsigned long long) value : (unsigned long long) value;

    do {
        *--p = (char) ('0' + u % 10);
        u /= 10;
    } while (u != 0);

    if (value < 0) {
        *--p = '-';
    }

    token_item(d, key, klen, p, (size_t) (num + sizeof(num) - p));
}


/* the key as the public writers take it, checked */
static int
public_key(s3u_sfv_t *d, const char *key, size_t *klen)
{
    if (!s3u_sfv_is_key(key)) {
        d->failed = 1;
        return 0;
    }

    *klen = strlen(key);
    return 1;
}


void
s3u_sfv_add_string(s3u_sfv_t *d, const char *key, const char *value)
{
    size_t  klen;

    if (!has_string_chars(value) || !public_key(d, key, &klen)) {
        return;
    }

    string_item(d, key, klen, value);
}


void
s3u_sfv_add_value(s3u_sfv_t *d, const char *key, const char *value)
{
    size_t  klen, n;

    n = value != NULL ? token_len(value) : 0;
    if (n > 0) {
        if (public_key(d, key, &klen)) {
            token_item(d, key, klen, value, n);
        }
        return;
    }

    s3u_sfv_add_string(d, key, value);
}


void
s3u_sfv_add_integer(s3u_sfv_t *d, const char *key, long long value)
{
    size_t  klen;

    if (value > 999999999999999LL || value < -999999999999999LL) {
        d->failed = 1;
        return;
    }

    if (public_key(d, key, &klen)) {
        integer_item(d, key, klen, value);
    }
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


/* a name and its length: the header writes these without a strlen */
typedef struct {
    const char  *s;
    size_t       len;
} sfv_name_t;

#define SFV_NAME(s)  ((sfv_name_t) { s, sizeof(s) - 1 })


static sfv_name_t
source_name(s3u_source_e s)
{
    switch (s) {
    case S3U_SOURCE_MESSAGE:
        return SFV_NAME("message");
    case S3U_SOURCE_EVALUATOR:
        return SFV_NAME("evaluator");
    default:
        return SFV_NAME("none");
    }
}


const char *
s3u_source_name(s3u_source_e s)
{
    return source_name(s).s;
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


static sfv_name_t
decision_token(s3u_decision_e d)
{
    switch (d) {
    case S3U_DECISION_ALLOW:
        return SFV_NAME("allow");
    case S3U_DECISION_EXPLICIT_DENY:
        return SFV_NAME("explicit-deny");
    case S3U_DECISION_IMPLICIT_DENY:
        return SFV_NAME("implicit-deny");
    default:
        return SFV_NAME("");
    }
}


const char *
s3u_decision_token(s3u_decision_e d)
{
    return decision_token(d).s;
}


/* --- the S3-Denial header ------------------------------------------------- */

/* a constant key and its length, for the writers above */
#define SFV_KEY(k)  k, sizeof(k) - 1


/* a string item of the header: written only when it carries a byte
 * 0x20-0x7E */
static void
string_field(s3u_sfv_t *d, const char *key, size_t klen, const char *value)
{
    if (has_string_chars(value)) {
        string_item(d, key, klen, value);
    }
}


/*
 * The header is written with one room check for all of the layer-level
 * items: SFV_LAYER_ROOM bytes hold the longest they can be, each field at
 * its array's size with every byte escaped (a smaller buffer gets them
 * through a stack buffer of that size).  Copies may run past an item's
 * end, by whole fields or padded names, into what that bound leaves for
 * the item; the next item or the NUL overwrites them.  The names of our
 * own vocabularies (source, decision) are kept with their keys and
 * lengths: they are known tokens and need no check.  The full-level items
 * follow with a room check each (full_field).  The bytes are those of the
 * dictionary writer's items (s3u_sfv_add_value, s3u_sfv_add_string,
 * s3u_sfv_add_integer) in this order, which t/unit/test_sfv.c and
 * fuzz_sfv check against a reference of their own.
 */

#define SFV_NAME_ROOM  32

#define SFV_ITEM_ROOM(key, field)                                             \
    (2 + sizeof(key) - 1 + 1 + 2 + 2 * (sizeof(field) - 1))

/* our names, "key=value" padded to a whole number of bytes to copy */
typedef struct {
    char    s[SFV_NAME_ROOM];
    size_t  len;
} sfv_item_t;

#define SFV_ITEM(s)  { s, sizeof(s) - 1 }

static const sfv_item_t  source_items[] = {
    SFV_ITEM("source=none"),
    SFV_ITEM("source=message"),
    SFV_ITEM("source=evaluator"),
};

/* "" (no item) for an unknown decision */
static const sfv_item_t  decision_items[] = {
    SFV_ITEM(""),
    SFV_ITEM("decision=allow"),
    SFV_ITEM("decision=explicit-deny"),
    SFV_ITEM("decision=implicit-deny"),
};

#define SFV_LAYER_ROOM                                                        \
    (SFV_ITEM_ROOM("code", ((s3u_finding_t *) 0)->code)                     \
     + SFV_ITEM_ROOM("service", ((s3u_finding_t *) 0)->service)             \
     + SFV_ITEM_ROOM("layer", ((s3u_finding_t *) 0)->layer)                 \
     + 2 * (2 + SFV_NAME_ROOM)                                                \
     + sizeof(", upstream-status=2147483647") - 1                             \
     + SFV_ITEM_ROOM("request-id", ((s3u_finding_t *) 0)->request_id)       \
     + 1)


/* ", " before all but the first item */
static inline char *
put_sep(char *o, const char *out)
{
    if (o != out) {
        o[0] = ',';
        o[1] = ' ';
        o += 2;
    }

    return o;
}


/*
 * A field as value_item writes it: a token, else a string, else nothing.
 * The value is copied as a whole field (a constant size); NULL when the
 * field is not NUL-terminated within it.
 */
static inline char *
put_value_field(char *o, const char *out, const char *item, size_t ilen,
    const char *field, size_t fsize)
{
    size_t  n;

    n = token_len(field);

    if (n > 0) {
        if (n >= fsize) {
            return NULL;
        }

        o = put_sep(o, out);
        memcpy(o, item, ilen);
        memcpy(o + ilen, field, fsize);
        return o + ilen + n;
    }

    if (!has_string_chars(field)) {
        return o;
    }

    n = strlen(field);
    if (n >= fsize) {
        return NULL;
    }

    o = put_sep(o, out);
    memcpy(o, item, ilen);

    return put_quoted(o + ilen, field, n);
}


/*
 * The first byte of a field that an sf-string does not carry as it is,
 * searched in the whole array: the NUL ends the search as such a byte,
 * so a plain value needs no strlen before it.  NULL when the array holds
 * no such byte, not even a NUL.
 */
static inline const char *
field_plain_end(const char *field, size_t fsize)
{
    const char  *q;

    q = s3u_quoted_plain_end(field, field + fsize);

    return q < field + fsize ? q : NULL;
}


/*
 * ", key=value" for a field as string_field writes it, after an item
 * (source is always written); NULL when the field is not NUL-terminated
 * within its array
 */
static inline char *
put_string_field(char *o, const char *item, size_t ilen, const char *field,
    size_t fsize)
{
    size_t       n;
    const char  *q;

    q = field_plain_end(field, fsize);
    if (q == NULL) {
        return NULL;
    }

    if (*q == '\0') {
        if (q == field) {
            return o;
        }

        /* the common case, nothing to escape or drop */
        n = (size_t) (q - field);
        o[0] = ',';
        o[1] = ' ';
        memcpy(o + 2, item, ilen);
        o += 2 + ilen;
        *o++ = '"';
        s3u_copy_bytes(o, field, n);
        o += n;
        *o++ = '"';

        return o;
    }

    if (!has_string_chars(field)) {
        return o;
    }

    n = strlen(field);
    if (n >= fsize) {
        return NULL;
    }

    o[0] = ',';
    o[1] = ' ';
    memcpy(o + 2, item, ilen);

    return put_quoted(o + 2 + ilen, field, n);
}


/*
 * A full-level field, after the straight writer: a plain value written at
 * once when it fits, anything else by string_field, whose checks give
 * the same bytes.  0 when the field is not NUL-terminated within its
 * array.
 */
static int
full_field(s3u_sfv_t *d, const char *key, size_t klen, const char *field,
    size_t fsize)
{
    char        *o;
    size_t       n;
    const char  *q;

    q = field_plain_end(field, fsize);
    if (q == NULL) {
        return 0;
    }

    if (*q == '\0') {
        n = (size_t) (q - field);
        if (n == 0) {
            return 1;
        }

        if (room(d) >= klen + n + 6) {
            o = put_key(d, d->buf + d->len, key, klen);
            *o++ = '"';
            s3u_copy_bytes(o, field, n);
            o += n;
            *o++ = '"';
            end_at(d, o);
            return 1;
        }
    }

    if (strnlen(field, fsize) == fsize) {
        return 0;
    }

    string_field(d, key, klen, field);

    return 1;
}


/*
 * key=label for a field that holds one of the labels of s3u_label.h: all
 * tokens, so the field needs no check; the label is copied as its whole
 * padded array, within what the field's own bound leaves
 */
static inline char *
put_label(char *o, const char *out, const char *key, size_t klen,
    const s3u_label_t *label)
{
    o = put_sep(o, out);
    memcpy(o, key, klen);
    memcpy(o + klen, label->s, sizeof(label->s));

    return o + klen + label->len;
}


/* one of our names, its key included */
static inline char *
put_name(char *o, const sfv_item_t *item)
{
    memcpy(o, item->s, SFV_NAME_ROOM);

    return o + item->len;
}


/* ", upstream-status=N" for N > 0, digits by hand */
static inline char *
put_status(char *o, unsigned int status)
{
    char          *e;
    unsigned int   n;

    memcpy(o, ", upstream-status=", 18);
    o += 18;

    /* HTTP statuses, the common case, have three digits */
    if (status >= 100 && status <= 999) {
        o[0] = (char) ('0' + status / 100);
        o[1] = (char) ('0' + status / 10 % 10);
        o[2] = (char) ('0' + status % 10);
        return o + 3;
    }

    for (n = status, e = o; n != 0; n /= 10) {
        e++;
    }

    for (o = e; status != 0; status /= 10) {
        *--o = (char) ('0' + status % 10);
    }

    return e;
}


#define SFV_FIELD(item, field)  item, sizeof(item) - 1, field, sizeof(field)
#define SFV_ARRAY(field)        field, sizeof(field)


size_t
s3u_denial_header(const s3u_finding_t *f, int upstream_status,
    s3u_expose_e expose, char *out, size_t size)
{
    char               *o, *base;
    char                small[SFV_LAYER_ROOM];
    size_t              i, len;
    s3u_sfv_t           d;
    const sfv_item_t   *decision;

    if (expose == S3U_EXPOSE_NONE || f->verdict == S3U_VERDICT_NONE) {
        goto none;
    }

    base = (size >= SFV_LAYER_ROOM) ? out : small;

    /* a field that holds a label of its set is a token as it is; any
     * other value is checked */
    i = s3u_label_code(f);
    o = i < S3U_LABEL_CODES - 1
        ? put_label(base, base, SFV_KEY("code="), &s3u_label_codes[i])
        : put_value_field(base, base, SFV_FIELD("code=", f->code));
    if (o == NULL) {
        goto none;
    }

    i = s3u_label_service(f);
    o = i < S3U_LABEL_SERVICES - 1
        ? put_label(o, base, SFV_KEY("service="), &s3u_label_services[i])
        : put_value_field(o, base, SFV_FIELD("service=", f->service));
    if (o == NULL) {
        goto none;
    }

    i = s3u_label_layer(f);
    o = i < S3U_LABEL_LAYERS - 1
        ? put_label(o, base, SFV_KEY("layer="), &s3u_label_layers[i])
        : put_value_field(o, base, SFV_FIELD("layer=", f->layer));
    if (o == NULL) {
        goto none;
    }

    /* source is always written: every item after it has a ", " */
    o = put_name(put_sep(o, base),
                 &source_items[(unsigned int) f->source
                               < sizeof(source_items) / sizeof(source_items[0])
                               ? f->source : S3U_SOURCE_NONE]);

    if ((unsigned int) f->decision
        < sizeof(decision_items) / sizeof(decision_items[0]))
    {
        decision = &decision_items[f->decision];
        if (decision->len > 0) {
            o[0] = ',';
            o[1] = ' ';
            o = put_name(o + 2, decision);
        }
    }

    if (upstream_status > 0) {
        o = put_status(o, (unsigned int) upstream_status);
    }

    o = put_string_field(o, SFV_FIELD("request-id=", f->request_id));
    if (o == NULL) {
        goto none;
    }

    *o = '\0';
    len = (size_t) (o - base);

    if (base == small) {
        if (len >= size) {
            goto none;
        }

        memcpy(out, small, len + 1);
    }

    if (expose != S3U_EXPOSE_FULL) {
        return len;
    }

    /* the rest checked item by item: full fields can together be longer
     * than any header buffer */
    d.buf = out;
    d.size = size;
    d.len = len;
    d.failed = 0;

    if (!full_field(&d, SFV_KEY("host-id"), SFV_ARRAY(f->host_id))
        || !full_field(&d, SFV_KEY("principal"), SFV_ARRAY(f->principal))
        || !full_field(&d, SFV_KEY("action"), SFV_ARRAY(f->action))
        || !full_field(&d, SFV_KEY("resource"), SFV_ARRAY(f->resource))
        || !full_field(&d, SFV_KEY("statement"), SFV_ARRAY(f->statement))
        || !full_field(&d, SFV_KEY("reason"), SFV_ARRAY(f->reason)))
    {
        goto none;
    }

    return s3u_sfv_finish(&d);

none:

    if (size > 0) {
        out[0] = '\0';
    }

    return 0;
}
