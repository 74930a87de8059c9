/*
 * A JSON reader that builds no tree and allocates nothing on the normal
 * path, for the detectors' error bodies:
 *
 *   s3u_json_check     one validating pass over a whole document, without
 *                      recursion (a fixed stack of container kinds); it
 *                      also notes the root object's members a caller asks
 *                      for, the one object nearly every body is about
 *   s3u_json_members   one pass over any other object's members, noting
 *                      the first member of each name asked for
 *   s3u_json_next      the members or elements of an object or array
 *   s3u_json_text      the text of a string value
 *   s3u_json_number    the value of a number, as strtod reads it
 *
 * Values are spans of the document with a type.  A nested value is
 * stepped over by a loop counting brackets, never by recursion; that loop
 * notes the length of every container it passes in a small static cache,
 * so that stepping over one again is at once and walking a whole document,
 * however deep, stays linear.  A string is decoded only when a caller
 * reads it, and only when it holds a backslash: otherwise its text is a
 * span of the document.  Decoded text goes to a static per-process
 * scratch (a malloc'ed block once the scratch is full), taken and given
 * back in stack order with s3u_json_mark and s3u_json_release.  Those,
 * and the name indexes built on first use, are why the reader is for
 * single-threaded callers: each nginx worker, the command, the tests and
 * the fuzzers are.
 *
 * The language is exactly the one the detectors' earlier tree parser
 * accepted, so that every body reads as it did:
 *
 * - whitespace between tokens is any byte from 0x00 to 0x20; one UTF-8 BOM
 *   may open the document (when at least two bytes follow it);
 * - strings may hold raw control bytes and any byte above 0x7f (UTF-8 is
 *   not checked); escapes are JSON's; a surrogate escape must be the first
 *   half of a pair, followed by the second;
 * - a number is what strtod reads of the run of [0-9.eE+-] bytes that
 *   starts with '-' or a digit: 01, 1., -.5 and 1.e5 are numbers; in an
 *   array or object the rest of a run is an error (1e, 1.2.3, 1-2), after
 *   the root value it is what follows the value;
 * - the text of a string ends at its first NUL (raw or \u0000), as the C
 *   string the tree held did; member names compare the same way.
 *
 * The one difference: that parser read a \u escape whose four characters
 * are not all hex digits as U+0000; here such a document is not JSON.
 *
 * s3u_json_check stops after the value: what follows is for the caller to
 * judge.  The other functions take values that came from a checked
 * document, and never read outside the value they are given.
 */

#ifndef S3U_JSON_SCAN_H
#define S3U_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* the deepest nesting s3u_json_check can be asked to allow */
#define S3U_JSON_DEPTH_MAX  256

/* the longest member name that can be looked for, and how many names one
 * table holds */
#define S3U_JSON_NAME_MAX   63
#define S3U_JSON_NAMES_MAX  64

typedef enum {
    S3U_JSON_NONE = 0,          /* no such member */
    S3U_JSON_NULL,
    S3U_JSON_FALSE,
    S3U_JSON_TRUE,
    S3U_JSON_NUMBER,
    S3U_JSON_STRING,
    S3U_JSON_ARRAY,
    S3U_JSON_OBJECT
} s3u_json_type_e;

/* value flags */
#define S3U_JSON_ESCAPED  0x01  /* a string that holds a backslash */
#define S3U_JSON_NUL      0x02  /* some string of the document holds a raw NUL */

typedef struct {
    const char     *p;          /* first byte: the quote, '{', '[', ... */
    const char     *end;        /* past the last byte */
    unsigned char   type;       /* s3u_json_type_e */
    unsigned char   flags;
} s3u_json_value_t;

typedef struct {
    const char     *name;
    size_t          len;
} s3u_json_name_t;

#define S3U_JSON_NAME(s)  { (s), sizeof(s) - 1 }

/*
 * The member names a caller looks for, distinct, at most
 * S3U_JSON_NAMES_MAX of them (more are ignored), each at most
 * S3U_JSON_NAME_MAX bytes (a longer one is never found).  Keep one in
 * static storage: its hash index is built when it is first used.
 */
typedef struct {
    const s3u_json_name_t  *names;
    size_t                  n;
    size_t                  count;      /* the names indexed */
    int                     ready;
    uint64_t                head[S3U_JSON_NAMES_MAX];   /* first 8 bytes */
    uint64_t                tail[S3U_JSON_NAMES_MAX];   /* last 8 bytes */
    unsigned char           len[S3U_JSON_NAMES_MAX];
    unsigned char           next[S3U_JSON_NAMES_MAX];
    unsigned char           slot[64];
    uint64_t                lens[128];  /* by first byte, a bit for each
                                         * length a name has */
} s3u_json_names_t;

#define S3U_JSON_NAMES(table)                                                 \
    { (table), sizeof(table) / sizeof((table)[0]), 0, 0,                      \
      { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 } }

typedef struct {
    const char     *p;
    const char     *end;
    unsigned char   flags;
    unsigned char   object;
} s3u_json_iter_t;

typedef struct {
    size_t          used;
    void           *heap;
} s3u_json_mark_t;


/*
 * Checks that [p, end) opens with one JSON value (after an optional BOM
 * and whitespace) nested at most max_depth deep, an array or object being
 * one level.  Returns the end of the value and fills *root; NULL when it
 * is not JSON, too deep, or empty.  Nothing after the value is read.
 *
 * With names, found[i] becomes what s3u_json_members(root, names, found)
 * would give: the root object's first member named names[i], or type
 * S3U_JSON_NONE (always, when the root is not an object).  found has room
 * for every name; its content is undefined when NULL is returned.
 */
const char *s3u_json_check(const char *p, const char *end, int max_depth,
    s3u_json_value_t *root, s3u_json_names_t *names,
    s3u_json_value_t *found);

/*
 * One pass over the members of obj: found[i] becomes the first member
 * whose name, unescaped, is names[i] (the one a lookup in a tree finds),
 * type S3U_JSON_NONE when there is none or obj is not an object.
 */
void s3u_json_members(const s3u_json_value_t *obj, s3u_json_names_t *names,
    s3u_json_value_t *found);

/* the members of an object (key is the name, a string value) or the
 * elements of an array (key is left alone; it may be NULL) */
void s3u_json_iter(s3u_json_iter_t *it, const s3u_json_value_t *v);
int s3u_json_next(s3u_json_iter_t *it, s3u_json_value_t *key,
    s3u_json_value_t *val);

/*
 * The text of a string value, unescaped and cut at its first NUL: a span
 * of the document, or decoded into the scratch, where it stays until a
 * mark taken before is released.  Returns 0; -1 when v is not a string,
 * or when the text needed a block of memory and malloc failed.
 * s3u_json_text_decode is its way for strings with an escape or a NUL.
 */
int s3u_json_text_decode(const s3u_json_value_t *v, const char **text,
    size_t *len);

static inline int
s3u_json_text(const s3u_json_value_t *v, const char **text, size_t *len)
{
    /* most strings: a plain span, read without a call */
    if (v->type == S3U_JSON_STRING && v->flags == 0) {
        *text = v->p + 1;
        *len = (size_t) (v->end - v->p - 2);
        return 0;
    }

    return s3u_json_text_decode(v, text, len);
}

/* the value of a number as strtod reads it, with '.' as the decimal point
 * whatever the locale; NaN when v is not a number, or when a number of
 * over 63 bytes needed a block of memory and malloc failed */
double s3u_json_number(const s3u_json_value_t *v);

/*
 * The scratch: s3u_json_release(m) frees every text decoded since m was
 * taken; marks are released in the reverse order of taking.
 *
 * Inline, as every object and string the detectors read takes a mark and
 * gives it back, most of them with nothing decoded: the scratch's state is
 * extern for these two only.  s3u_json_release_blocks frees the heap
 * blocks taken since the block heap was the newest.
 */
typedef struct s3u_json_block_s  s3u_json_block_t;

extern size_t             s3u_json_scratch_used;
extern s3u_json_block_t  *s3u_json_blocks;

void s3u_json_release_blocks(void *heap);


static inline s3u_json_mark_t
s3u_json_mark(void)
{
    s3u_json_mark_t  m;

    m.used = s3u_json_scratch_used;
    m.heap = s3u_json_blocks;

    return m;
}


static inline void
s3u_json_release(s3u_json_mark_t m)
{
    if (s3u_json_blocks != m.heap) {
        s3u_json_release_blocks(m.heap);
    }

    s3u_json_scratch_used = m.used;
}

#endif /* S3U_JSON_SCAN_H */
