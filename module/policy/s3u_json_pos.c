/*
 * JSON with source positions: see s3u_json_pos.h for the approach.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/s3u_json_pos.h"


typedef struct {
    const cJSON  *node;
    size_t        value_off;
    size_t        name_off;
} s3u_json_pos_t;

struct s3u_json_doc_s {
    cJSON                 *root;
    char                  *file;
    char                  *text;        /* NUL terminated copy */
    size_t                 len;
    s3u_json_pos_t        *pos;         /* sorted by node address */
    size_t                 npos;
    size_t                *lines;       /* offset of each line's start */
    size_t                 nlines;
    /* inner documents: the outer text and where the string token starts */
    const s3u_json_doc_t  *outer;
    size_t                 outer_off;
    /* inner documents: each escape sequence of the raw string token as
     * (decoded offset before, raw offset after, decoded offset after),
     * so that mapping an offset back costs a binary search, not a scan */
    size_t                *esc;
    size_t                 nesc;
    size_t                 raw_start;   /* past the opening quote */
    size_t                 raw_stop;    /* the closing quote, or the end */
    unsigned               unmapped:1;  /* inner text whose place in the
                                           outer file is not known */
};


static void
offset_to_line(const char *text, size_t len, size_t off, unsigned *line,
    unsigned *column)
{
    size_t    i;
    unsigned  l, c;

    l = 1;
    c = 1;
    if (off > len) {
        off = len;
    }
    for (i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *column = c;
}


/* line starts, so that a position costs a binary search, not a scan */
static int
index_lines(s3u_json_doc_t *doc)
{
    size_t  i, n;

    n = 1;
    for (i = 0; i < doc->len; i++) {
        n += (doc->text[i] == '\n');
    }
    doc->lines = malloc(n * sizeof(size_t));
    if (doc->lines == NULL) {
        return -1;
    }
    doc->lines[0] = 0;
    n = 1;
    for (i = 0; i < doc->len; i++) {
        if (doc->text[i] == '\n') {
            doc->lines[n++] = i + 1;
        }
    }
    doc->nlines = n;
    return 0;
}


static void
doc_offset_to_line(const s3u_json_doc_t *doc, size_t off, unsigned *line,
    unsigned *column)
{
    size_t  lo, hi, mid;

    if (doc->lines == NULL) {
        offset_to_line(doc->text, doc->len, off, line, column);
        return;
    }
    if (off > doc->len) {
        off = doc->len;
    }
    lo = 0;
    hi = doc->nlines;
    while (hi - lo > 1) {
        mid = lo + (hi - lo) / 2;
        if (doc->lines[mid] <= off) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    *line = (unsigned) (lo + 1);
    *column = (unsigned) (off - doc->lines[lo] + 1);
}


static unsigned
hex4(const char *p)
{
    unsigned  v, i, d;

    v = 0;
    for (i = 0; i < 4; i++) {
        d = (p[i] >= '0' && p[i] <= '9') ? (unsigned) (p[i] - '0')
            : (p[i] >= 'a' && p[i] <= 'f') ? (unsigned) (p[i] - 'a' + 10)
            : (p[i] >= 'A' && p[i] <= 'F') ? (unsigned) (p[i] - 'A' + 10) : 0;
        v = v * 16 + d;
    }
    return v;
}


/*
 * An inner document was decoded from a JSON string: walk the raw string
 * token once, counting decoded bytes, and note where each escape sequence
 * is, for inner_to_outer.
 */
static int
index_escapes(s3u_json_doc_t *doc)
{
    const char  *raw;
    size_t       i, end, decoded, step, n, cap;
    unsigned     cp;
    size_t      *esc, *grown;

    raw = doc->outer->text;
    end = doc->outer->len;
    i = doc->outer_off + 1;         /* past the opening quote */
    decoded = 0;
    esc = NULL;
    n = 0;
    cap = 0;

    doc->raw_start = i;

    while (i < end && raw[i] != '"') {
        if (raw[i] != '\\') {
            decoded++;
            i++;
            continue;
        }
        if (i + 1 >= end) {
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            grown = realloc(esc, cap * 3 * sizeof(size_t));
            if (grown == NULL) {
                free(esc);
                return -1;
            }
            esc = grown;
        }
        esc[n * 3] = decoded;
        if (raw[i + 1] != 'u') {
            decoded++;
            i += 2;
        } else {
            cp = (i + 6 <= end) ? hex4(raw + i + 2) : 0;
            step = 6;
            if (cp >= 0xd800 && cp < 0xdc00) {
                decoded += 4;
                step = 12;
            } else {
                decoded += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
            }
            i += step;
        }
        esc[n * 3 + 1] = i;
        esc[n * 3 + 2] = decoded;
        n++;
    }

    doc->esc = esc;
    doc->nesc = n;
    doc->raw_stop = i < end ? i : end;
    return 0;
}


/* the raw byte of the outer text that produced the inner offset */
static size_t
inner_to_outer(const s3u_json_doc_t *doc, size_t inner_off)
{
    size_t  lo, hi, mid, dec, raw;

    /* k = the number of escapes that end at or before inner_off */
    lo = 0;
    hi = doc->nesc;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (doc->esc[mid * 3 + 2] <= inner_off) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    if (lo == 0) {
        dec = 0;
        raw = doc->raw_start;
    } else {
        dec = doc->esc[(lo - 1) * 3 + 2];
        raw = doc->esc[(lo - 1) * 3 + 1];
    }

    /* inside the decoded bytes of the next escape: the byte after it */
    if (lo < doc->nesc && doc->esc[lo * 3] < inner_off) {
        return doc->esc[lo * 3 + 1];
    }

    /* a run of plain bytes, one raw byte each */
    raw += inner_off - dec;
    return raw < doc->raw_stop ? raw : doc->raw_stop;
}


void
s3u_json_where(const s3u_json_doc_t *doc, const cJSON *node, int name,
    unsigned *line, unsigned *column)
{
    size_t  lo, hi, mid, off;

    *line = 0;
    *column = 0;
    if (doc == NULL || node == NULL || doc->pos == NULL || doc->unmapped) {
        return;
    }

    lo = 0;
    hi = doc->npos;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if ((const void *) doc->pos[mid].node < (const void *) node) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo >= doc->npos || doc->pos[lo].node != node) {
        return;
    }

    off = name ? doc->pos[lo].name_off : doc->pos[lo].value_off;

    if (doc->outer != NULL) {
        off = inner_to_outer(doc, off);
        doc_offset_to_line(doc->outer, off, line, column);
        return;
    }
    doc_offset_to_line(doc, off, line, column);
}


static void
error_vset(s3u_error_t *err, const char *file, unsigned line,
    unsigned column, const char *fmt, va_list ap)
{
    if (err == NULL) {
        return;
    }
    snprintf(err->file, sizeof(err->file), "%s", file ? file : "-");
    err->line = line;
    err->column = column;
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
}


int
s3u_error_set(s3u_error_t *err, const char *file, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    error_vset(err, file, 0, 0, fmt, ap);
    va_end(ap);
    return -1;
}


int
s3u_json_fail(s3u_error_t *err, const s3u_json_doc_t *doc,
    const cJSON *node, int name, const char *fmt, ...)
{
    va_list   ap;
    unsigned  line, column;

    s3u_json_where(doc, node, name, &line, &column);
    va_start(ap, fmt);
    error_vset(err, doc ? s3u_json_file(doc) : "-", line, column, fmt, ap);
    va_end(ap);
    return -1;
}


void
s3u_error_format(const s3u_error_t *err, char *buf, size_t size)
{
    if (err->line > 0) {
        snprintf(buf, size, "%s:%u:%u: %s", err->file, err->line,
                 err->column, err->message);
    } else {
        snprintf(buf, size, "%s: %s", err->file, err->message);
    }
}


/* 0 when nesting stays within the limit; else the offset that broke it */
static int
depth_check(const char *text, size_t len, size_t *bad_off)
{
    size_t    i;
    unsigned  depth;
    int       in_string;

    depth = 0;
    in_string = 0;
    for (i = 0; i < len; i++) {
        if (in_string) {
            if (text[i] == '\\') {
                i++;
            } else if (text[i] == '"') {
                in_string = 0;
            }
            continue;
        }
        switch (text[i]) {
        case '"':
            in_string = 1;
            break;
        case '{':
        case '[':
            if (++depth > S3U_JSON_MAX_DEPTH) {
                *bad_off = i;
                return -1;
            }
            break;
        case '}':
        case ']':
            if (depth > 0) {
                depth--;
            }
            break;
        default:
            break;
        }
    }
    return 0;
}


/* as cJSON: every byte up to and including ' ' separates tokens */
static int
is_space(char c)
{
    return (unsigned char) c <= ' ' && c != '\0';
}


static size_t
skip_space(const char *t, size_t i, size_t len)
{
    while (i < len && is_space(t[i])) {
        i++;
    }
    return i;
}


static size_t
skip_string(const char *t, size_t i, size_t len)
{
    for (i++; i < len && t[i] != '"'; i++) {
        if (t[i] == '\\') {
            i++;
        }
    }
    return i + 1;
}


/*
 * Records value (and member name) offsets of a text cJSON already
 * accepted, in document order.  Returns the count written.
 */
static size_t
scan_offsets(const char *t, size_t len, s3u_json_pos_t *out, size_t max)
{
    size_t  i, j, n, name_off;
    int     have_name;

    n = 0;
    have_name = 0;
    name_off = 0;
    i = 0;
    while (i < len) {
        i = skip_space(t, i, len);
        if (i >= len) {
            break;
        }
        switch (t[i]) {
        case '{':
        case '[':
            if (n < max) {
                out[n].value_off = i;
                out[n].name_off = have_name ? name_off : i;
            }
            n++;
            have_name = 0;
            i++;
            break;
        case '}':
        case ']':
        case ',':
        case ':':
            i++;
            break;
        case '"':
            j = skip_string(t, i, len);
            if (skip_space(t, j, len) < len && t[skip_space(t, j, len)] == ':')
            {
                have_name = 1;
                name_off = i;
            } else {
                if (n < max) {
                    out[n].value_off = i;
                    out[n].name_off = have_name ? name_off : i;
                }
                n++;
                have_name = 0;
            }
            i = j;
            break;
        default:
            if (n < max) {
                out[n].value_off = i;
                out[n].name_off = have_name ? name_off : i;
            }
            n++;
            have_name = 0;
            while (i < len && t[i] != ',' && t[i] != '}' && t[i] != ']'
                   && !is_space(t[i]))
            {
                i++;
            }
            break;
        }
    }
    return n;
}


/* pre-order walk, bounded by the depth check done before parsing */
static size_t
assign_nodes(const cJSON *node, s3u_json_pos_t *pos, size_t n, size_t at)
{
    const cJSON  *child;

    if (at < n) {
        pos[at].node = node;
    }
    at++;
    for (child = node->child; child != NULL; child = child->next) {
        at = assign_nodes(child, pos, n, at);
    }
    return at;
}


static size_t
count_nodes(const cJSON *node)
{
    const cJSON  *child;
    size_t        n;

    n = 1;
    for (child = node->child; child != NULL; child = child->next) {
        n += count_nodes(child);
    }
    return n;
}


static int
pos_cmp(const void *a, const void *b)
{
    const s3u_json_pos_t  *pa = a, *pb = b;

    if ((const void *) pa->node < (const void *) pb->node) {
        return -1;
    }
    return (const void *) pa->node > (const void *) pb->node;
}


/* AWS rejects documents with a member twice (two Effects): so do we */
static int
check_duplicates(const s3u_json_doc_t *doc, const cJSON *node,
    s3u_error_t *err)
{
    const cJSON  *a, *b;
    size_t        n;

    if (cJSON_IsObject(node)) {
        n = 0;
        for (a = node->child; a != NULL; a = a->next, n++) {
            if (n > 1024) {
                break;          /* quadratic check: only for sane sizes */
            }
            for (b = node->child; b != a; b = b->next) {
                if (a->string && b->string && strcmp(a->string, b->string) == 0)
                {
                    return s3u_json_fail(err, doc, a, 1,
                                         "duplicate member \"%s\"", a->string);
                }
            }
        }
    }
    for (a = node->child; a != NULL; a = a->next) {
        if (check_duplicates(doc, a, err) != 0) {
            return -1;
        }
    }
    return 0;
}


static s3u_json_doc_t *
parse_common(const char *file, const char *text, size_t len,
    const s3u_json_doc_t *outer, size_t outer_off, s3u_error_t *err)
{
    s3u_json_doc_t  *doc;
    const char      *end;
    size_t           bad, n, scanned;
    unsigned         line, column;

    if (len > S3U_JSON_MAX_SIZE) {
        s3u_error_set(err, file, "document of %zu bytes exceeds the limit"
                      " of %u bytes", len, S3U_JSON_MAX_SIZE);
        return NULL;
    }

    doc = calloc(1, sizeof(*doc));
    if (doc == NULL) {
        s3u_error_set(err, file, "out of memory");
        return NULL;
    }
    doc->file = strdup(file ? file : "-");
    doc->text = malloc(len + 1);
    if (doc->file == NULL || doc->text == NULL) {
        s3u_error_set(err, file, "out of memory");
        goto failed;
    }
    memcpy(doc->text, text, len);
    doc->text[len] = '\0';
    doc->len = len;
    doc->outer = outer;
    doc->outer_off = outer_off;

    if (outer != NULL && index_escapes(doc) != 0) {
        s3u_error_set(err, file, "out of memory");
        goto failed;
    }

    if (strlen(doc->text) != len) {
        bad = strlen(doc->text);
        goto syntax;
    }

    if (depth_check(doc->text, len, &bad) != 0) {
        doc->pos = NULL;
        if (outer) {
            bad = inner_to_outer(doc, bad);
            offset_to_line(outer->text, outer->len, bad, &line, &column);
        } else {
            offset_to_line(doc->text, len, bad, &line, &column);
        }
        snprintf(err->file, sizeof(err->file), "%s", doc->file);
        err->line = line;
        err->column = column;
        snprintf(err->message, sizeof(err->message),
                 "nesting deeper than %d levels", S3U_JSON_MAX_DEPTH);
        goto failed;
    }

    end = NULL;
    doc->root = cJSON_ParseWithOpts(doc->text, &end, 1);
    if (doc->root == NULL) {
        bad = end ? (size_t) (end - doc->text) : 0;
        goto syntax;
    }

    if (outer == NULL && index_lines(doc) != 0) {
        s3u_error_set(err, file, "out of memory");
        goto failed;
    }

    n = count_nodes(doc->root);
    doc->pos = calloc(n, sizeof(s3u_json_pos_t));
    if (doc->pos == NULL) {
        s3u_error_set(err, file, "out of memory");
        goto failed;
    }
    scanned = scan_offsets(doc->text, len, doc->pos, n);
    if (scanned == n) {
        assign_nodes(doc->root, doc->pos, n, 0);
        qsort(doc->pos, n, sizeof(s3u_json_pos_t), pos_cmp);
        doc->npos = n;
    } else {
        /* should not happen; positions then read 0:0 rather than lie */
        free(doc->pos);
        doc->pos = NULL;
    }

    if (check_duplicates(doc, doc->root, err) != 0) {
        goto failed;
    }

    return doc;

syntax:

    if (outer) {
        bad = inner_to_outer(doc, bad);
        offset_to_line(outer->text, outer->len, bad, &line, &column);
    } else {
        offset_to_line(doc->text, len, bad, &line, &column);
    }
    if (err) {
        snprintf(err->file, sizeof(err->file), "%s", doc->file);
        err->line = line;
        err->column = column;
        if (bad >= len && outer == NULL) {
            snprintf(err->message, sizeof(err->message),
                     "JSON syntax error: unexpected end of document");
        } else {
            snprintf(err->message, sizeof(err->message),
                     "JSON syntax error");
        }
    }

failed:

    s3u_json_free(doc);
    return NULL;
}


s3u_json_doc_t *
s3u_json_parse(const char *file, const char *text, size_t len,
    s3u_error_t *err)
{
    return parse_common(file, text, len, NULL, 0, err);
}


s3u_json_doc_t *
s3u_json_parse_file(const char *path, s3u_error_t *err)
{
    FILE            *f;
    char            *buf;
    size_t           len, cap, got;
    s3u_json_doc_t  *doc;

    f = fopen(path, "rb");
    if (f == NULL) {
        s3u_error_set(err, path, "cannot open: %s", strerror(errno));
        return NULL;
    }

    cap = 65536;
    len = 0;
    buf = malloc(cap);
    while (buf != NULL) {
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len < cap) {
            break;
        }
        if (cap > S3U_JSON_MAX_SIZE) {
            break;
        }
        cap *= 2;
        {
            char  *grown = realloc(buf, cap);

            if (grown == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
        }
    }
    if (buf == NULL) {
        fclose(f);
        s3u_error_set(err, path, "out of memory");
        return NULL;
    }
    if (ferror(f)) {
        fclose(f);
        free(buf);
        s3u_error_set(err, path, "read error");
        return NULL;
    }
    fclose(f);

    doc = parse_common(path, buf, len, NULL, 0, err);
    free(buf);
    return doc;
}


s3u_json_doc_t *
s3u_json_parse_inner(const s3u_json_doc_t *outer, const cJSON *string_node,
    s3u_error_t *err)
{
    s3u_json_pos_t  *p;
    s3u_json_doc_t  *doc;
    size_t           lo, hi, mid;

    if (!cJSON_IsString(string_node) || string_node->valuestring == NULL) {
        s3u_json_fail(err, outer, string_node, 0, "expected a string");
        return NULL;
    }

    /* find the raw offset of the string token in the outer text */
    p = NULL;
    lo = 0;
    hi = outer->npos;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if ((const void *) outer->pos[mid].node < (const void *) string_node) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < outer->npos && outer->pos[lo].node == string_node) {
        p = &outer->pos[lo];
    }

    if (p == NULL || outer->outer != NULL) {
        /* no mapping: positions inside the string would name lines of
         * another text, so errors and nodes report no position */
        doc = parse_common(outer->file, string_node->valuestring,
                           strlen(string_node->valuestring), NULL, 0, err);
        if (doc == NULL) {
            if (err != NULL && err->line > 0) {
                char  msg[sizeof(err->message)];

                snprintf(msg, sizeof(msg), "%s", err->message);
                snprintf(err->message, sizeof(err->message),
                         "in the embedded policy string (its line %u,"
                         " column %u): %.400s", err->line, err->column, msg);
                err->line = 0;
                err->column = 0;
            }
            return NULL;
        }
        doc->unmapped = 1;
        return doc;
    }

    return parse_common(outer->file, string_node->valuestring,
                        strlen(string_node->valuestring), outer,
                        p->value_off, err);
}


void
s3u_json_free(s3u_json_doc_t *doc)
{
    if (doc == NULL) {
        return;
    }
    cJSON_Delete(doc->root);
    free(doc->file);
    free(doc->text);
    free(doc->pos);
    free(doc->lines);
    free(doc->esc);
    free(doc);
}


const cJSON *
s3u_json_root(const s3u_json_doc_t *doc)
{
    return doc->root;
}


const char *
s3u_json_file(const s3u_json_doc_t *doc)
{
    return doc->file;
}


const cJSON *
s3u_json_get(const cJSON *obj, const char *name)
{
    const cJSON  *item;

    if (!cJSON_IsObject(obj)) {
        return NULL;
    }
    for (item = obj->child; item != NULL; item = item->next) {
        if (item->string != NULL && strcmp(item->string, name) == 0) {
            return item;
        }
    }
    return NULL;
}


int
s3u_json_known_keys(s3u_error_t *err, const s3u_json_doc_t *doc,
    const cJSON *obj, const char *what, const char *const *known, size_t n)
{
    const cJSON  *m;
    size_t        i;

    for (m = obj->child; m != NULL; m = m->next) {
        for (i = 0; i < n && strcmp(m->string, known[i]) != 0; i++) {
            /* void */
        }
        if (i == n) {
            return s3u_json_fail(err, doc, m, 1, "unknown key \"%s\" in %s",
                                 m->string, what);
        }
    }
    return 0;
}


int
s3u_path_join(char *out, size_t size, const char *dir, const char *name)
{
    size_t  dl, nl;

    dl = (dir == NULL || name[0] == '/') ? 0 : strlen(dir);
    nl = strlen(name);
    if (dl + 1 + nl + 1 > size) {
        return -1;
    }
    if (dl) {
        memcpy(out, dir, dl);
        out[dl++] = '/';
    }
    memcpy(out + dl, name, nl + 1);
    return 0;
}
