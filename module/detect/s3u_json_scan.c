/*
 * The detectors' JSON reader (see s3u_json_scan.h).  s3u_json_check is
 * the only function that judges the text; everything else walks a
 * document it accepted, and keeps inside the value it was given.
 */

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/s3u_json_scan.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif


/* byte classes (whitespace is any byte up to 0x20: no class needed) */
#define J_DIGIT   0x02
#define J_NUMBER  0x04          /* [0-9.eE+-]: the run a number is read from */
#define J_NEST    0x08          /* " { } [ ]: what a skip over a container
                                 * stops at */

static const unsigned char  json_class[256] = {
    ['0' ... '9'] = J_DIGIT | J_NUMBER,
    ['.'] = J_NUMBER,
    ['e'] = J_NUMBER,
    ['E'] = J_NUMBER,
    ['+'] = J_NUMBER,
    ['-'] = J_NUMBER,
    ['"'] = J_NEST,
    ['{'] = J_NEST,
    ['}'] = J_NEST,
    ['['] = J_NEST,
    [']'] = J_NEST,
};

#define json_is(c, class)  (json_class[(unsigned char) (c)] & (class))

/* for the string scan: inlined at each of its few call sites, where most
 * of the bytes of a body go through */
#define J_INLINE  static inline __attribute__((always_inline))


/*
 * Strings are most of an error body: they are searched sixteen bytes at a
 * time with SSE2 (every x86-64 has it), eight at a time elsewhere, for the
 * bytes that end a plain run.  In the eight-byte search (w - 0x01..) & ~w
 * & 0x80.. flags a zero byte exactly at the lowest one, which is the first
 * in memory on a little-endian machine; on others a byte loop does.  With
 * SSE2 the last fifteen bytes before end go through the byte loop too:
 * the eight-byte search's constants, set up at every inlined call site,
 * cost more than the few bytes it would save.  No load reaches past end.
 */
#if defined(__SSE2__)
#define J_SSE2   1
#else
#define J_SSE2   0
#endif

#if !J_SSE2 && defined(__BYTE_ORDER__)                                       \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define J_WORDS  1
#else
#define J_WORDS  0
#endif

#define J_ONES   0x0101010101010101ULL
#define J_HIGHS  0x8080808080808080ULL
#define J_ZERO(w)  (((w) - J_ONES) & ~(w) & J_HIGHS)


/* the first '"' or '\\' at or after p (a NUL too when nul), or end */
J_INLINE const char *
string_stop(const char *p, const char *end, int nul)
{
#if J_SSE2
    int       mask;
    __m128i   v, hits;
#endif
#if J_WORDS
    uint64_t  w, hit;
#endif

#if J_SSE2
    while (end - p >= 16) {
        v = _mm_loadu_si128((const __m128i *) (const void *) p);
        hits = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
        if (nul) {
            hits = _mm_or_si128(hits, _mm_cmpeq_epi8(v, _mm_setzero_si128()));
        }
        mask = _mm_movemask_epi8(hits);
        if (mask != 0) {
            return p + __builtin_ctz((unsigned) mask);
        }
        p += 16;
    }
#endif

#if J_WORDS
    while (end - p >= 8) {
        memcpy(&w, p, 8);
        hit = J_ZERO(w ^ (J_ONES * '"')) | J_ZERO(w ^ (J_ONES * '\\'));
        if (nul) {
            hit |= J_ZERO(w);
        }
        if (hit != 0) {
            return p + (__builtin_ctzll(hit) >> 3);
        }
        p += 8;
    }
#endif

    while (p < end && *p != '"' && *p != '\\' && (!nul || *p != '\0')) {
        p++;
    }

    return p;
}


/*
 * string_stop with NULs, for the root members' loop: last, the last place
 * a sixteen-byte block may start, is worked out once per document, not
 * at every name and text.  It is end - 16 as a number: a p past it has
 * fewer than sixteen bytes left, in a text of any length (no text ends in
 * the first sixteen bytes of the address space, so it never wraps).
 */
J_INLINE const char *
string_stop_at(const char *p, const char *end, uintptr_t last)
{
#if J_SSE2
    unsigned  mask;
    __m128i   v, hits;

    while ((uintptr_t) p <= last) {
        v = _mm_loadu_si128((const __m128i *) (const void *) p);
        hits = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
        hits = _mm_or_si128(hits, _mm_cmpeq_epi8(v, _mm_setzero_si128()));
        mask = (unsigned) _mm_movemask_epi8(hits);
        if (mask != 0) {
            return p + __builtin_ctz(mask);
        }
        p += 16;
    }

    while (p < end && *p != '"' && *p != '\\' && *p != '\0') {
        p++;
    }

    return p;
#else
    (void) last;

    return string_stop(p, end, 1);
#endif
}


static inline const char *
skip_space(const char *p, const char *end)
{
    while (p < end && (unsigned char) *p <= 0x20) {
        p++;
    }

    return p;
}


/* four hex digits at p, or -1 */
static int
hex4(const char *p, const char *end)
{
    int  i, c, v;

    if (end - p < 4) {
        return -1;
    }

    v = 0;

    for (i = 0; i < 4; i++) {
        c = (unsigned char) p[i];

        if (c >= '0' && c <= '9') {
            c -= '0';
        } else if (c >= 'a' && c <= 'f') {
            c -= 'a' - 10;
        } else if (c >= 'A' && c <= 'F') {
            c -= 'A' - 10;
        } else {
            return -1;
        }

        v = (v << 4) | c;
    }

    return v;
}


static unsigned char
type_of(int c)
{
    switch (c) {
    case '"':
        return S3U_JSON_STRING;
    case '{':
        return S3U_JSON_OBJECT;
    case '[':
        return S3U_JSON_ARRAY;
    case 't':
        return S3U_JSON_TRUE;
    case 'f':
        return S3U_JSON_FALSE;
    case 'n':
        return S3U_JSON_NULL;
    default:
        return S3U_JSON_NUMBER;
    }
}


/*
 * Unescapes the inside of a checked string, [p, end), into out: until cap
 * bytes are written (the last character may add up to three more), and
 * never past the first NUL.  Returns the bytes written.
 */
static size_t
decode(const char *p, const char *end, char *out, size_t cap)
{
    int          hi, lo;
    size_t       n, run;
    uint32_t     cp;
    const char  *stop;

    n = 0;

    while (p < end && n < cap) {

        /* a plain run up to the next backslash or NUL, copied at once */
        stop = string_stop(p, end, 1);
        run = (size_t) (stop - p);
        if (run > cap - n) {
            run = cap - n;
        }
        memcpy(out + n, p, run);
        n += run;
        p += run;

        if (p >= end || n >= cap || *p != '\\') {
            break;                      /* the end, the cap or a NUL */
        }

        if (end - p < 2) {
            break;
        }

        switch (p[1]) {
        case 'b':
            out[n++] = '\b';
            p += 2;
            continue;
        case 'f':
            out[n++] = '\f';
            p += 2;
            continue;
        case 'n':
            out[n++] = '\n';
            p += 2;
            continue;
        case 'r':
            out[n++] = '\r';
            p += 2;
            continue;
        case 't':
            out[n++] = '\t';
            p += 2;
            continue;
        case 'u':
            break;
        default:
            out[n++] = p[1];            /* " \ / */
            p += 2;
            continue;
        }

        hi = hex4(p + 2, end);
        if (hi < 0) {
            break;
        }
        p += 6;
        cp = (uint32_t) hi;

        if (hi >= 0xd800 && hi <= 0xdbff) {
            lo = hex4(p + 2, end);
            if (lo < 0) {
                break;
            }
            p += 6;
            cp = 0x10000 + ((((uint32_t) hi & 0x3ff) << 10)
                            | ((uint32_t) lo & 0x3ff));
        }

        if (cp == 0) {
            break;
        }

        if (cp < 0x80) {
            out[n++] = (char) cp;
        } else if (cp < 0x800) {
            out[n++] = (char) (0xc0 | (cp >> 6));
            out[n++] = (char) (0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out[n++] = (char) (0xe0 | (cp >> 12));
            out[n++] = (char) (0x80 | ((cp >> 6) & 0x3f));
            out[n++] = (char) (0x80 | (cp & 0x3f));
        } else {
            out[n++] = (char) (0xf0 | (cp >> 18));
            out[n++] = (char) (0x80 | ((cp >> 12) & 0x3f));
            out[n++] = (char) (0x80 | ((cp >> 6) & 0x3f));
            out[n++] = (char) (0x80 | (cp & 0x3f));
        }
    }

    return n;
}


/* --- member names --------------------------------------------------------- */

/*
 * A name is compared as two words, its first and its last eight bytes
 * (read as little-endian numbers, zero-padded), and its length, and only
 * a name of over sixteen bytes needs its middle compared byte by byte.
 * The index hashes the first word and the length into 64 slots; names of
 * a slot are chained in the order of the table (slot and next hold
 * indexes + 1).
 */

static inline uint64_t
load8(const char *p)
{
    uint64_t  w;

    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif

    return w;
}


/* name_find tests a name's length as len & 63 in the prefilter */
#if S3U_JSON_NAME_MAX > 63
#error "S3U_JSON_NAME_MAX over 63 needs a wider prefilter"
#endif

/* the low len bytes of a word, for len < 8 */
static const uint64_t  name_low[8] = {
    0, 0xff, 0xffff, 0xffffff, 0xffffffffULL, 0xffffffffffULL,
    0xffffffffffffULL, 0xffffffffffffffULL
};


/* the words of the name of len bytes at p; the bytes up to limit may be
 * read, whatever len is */
J_INLINE void
name_words(const char *p, size_t len, const char *limit, uint64_t *head,
    uint64_t *tail)
{
    size_t    i;
    uint64_t  w;

    if (len >= 8) {
        *head = load8(p);
        *tail = (len > 8) ? load8(p + len - 8) : 0;
        return;
    }

    if (limit - p >= 8) {
        w = load8(p);
    } else {
        for (w = 0, i = 0; i < len; i++) {
            w |= (uint64_t) (unsigned char) p[i] << (8 * i);
        }
    }

    /* the name's bytes of the word kept by a mask from a table: one
     * load, where the shifts by len took five instructions */
    *head = w & name_low[len];
    *tail = 0;
}


/* a name's index in the prefilter (the low bits of its first byte, 0 for
 * the empty name): most names of a body are none of those looked for, and
 * are told apart by their first byte and length alone, before any word
 * of them is read or hashed */
#define name_first(p, len)  ((len) > 0 ? (unsigned char) (p)[0] & 0x7f : 0)


#define name_slot(head, len)                                                  \
    ((((head) + (len)) * 0x9e3779b97f4a7c15ULL) >> 58)


static void
names_ready(s3u_json_names_t *t)
{
    size_t       i, len, h;
    const char  *name;

    if (t->ready) {
        return;
    }

    t->count = (t->n < S3U_JSON_NAMES_MAX) ? t->n : S3U_JSON_NAMES_MAX;
    memset(t->slot, 0, sizeof(t->slot));
    memset(t->lens, 0, sizeof(t->lens));

    for (i = t->count; i-- > 0; /* void */ ) {
        name = t->names[i].name;
        len = t->names[i].len;

        if (len > S3U_JSON_NAME_MAX) {
            continue;
        }

        name_words(name, len, name + len, &t->head[i], &t->tail[i]);
        t->len[i] = (unsigned char) len;
        t->lens[name_first(name, len)] |= (uint64_t) 1 << len;

        h = name_slot(t->head[i], len);
        t->next[i] = t->slot[h];
        t->slot[h] = (unsigned char) (i + 1);
    }

    t->ready = 1;
}


/* the bytes of two names of len > 16 bytes between their first and last
 * eight: a few at most, compared in place, where a memcmp call made the
 * caller reload its vector constants */
static inline int
name_middle_eq(const char *a, const char *b, size_t len)
{
    size_t  k;

    for (k = 8; k < len - 8; k++) {
        if (a[k] != b[k]) {
            return 0;
        }
    }

    return 1;
}


/* the index in t of the name of len bytes at p, -1 */
J_INLINE int
name_find(const s3u_json_names_t *t, const char *p, size_t len,
    const char *limit)
{
    size_t    i, j;
    uint64_t  head, tail;

    /* a name longer than any in t may pass this test by len & 63, never
     * the compare of lengths below: one test less for the common names */
    if (!((t->lens[name_first(p, len)] >> (len & 63)) & 1)) {
        return -1;
    }

    name_words(p, len, limit, &head, &tail);

    for (j = t->slot[name_slot(head, len)]; j != 0; j = t->next[j - 1]) {
        i = j - 1;
        if (t->head[i] == head && t->tail[i] == tail && t->len[i] == len
            && (len <= 16 || name_middle_eq(t->names[i].name, p, len)))
        {
            return (int) i;
        }
    }

    return -1;
}


/* a name with a backslash (or in a document with a NUL) is unescaped and
 * cut at a NUL first: only as much of it as the longest name needs */
static int
name_find_decoded(const s3u_json_names_t *t, const char *p, const char *end)
{
    size_t  len;
    char    buf[S3U_JSON_NAME_MAX + 12];

    len = decode(p, end, buf, S3U_JSON_NAME_MAX + 1);

    return name_find(t, buf, len, buf + sizeof(buf));
}


/* the index in t of the member name held by the string [k, kend) (quotes
 * included), -1 when it is none of them; bytes up to limit may be read */
J_INLINE int
name_index(const s3u_json_names_t *t, const char *k, const char *kend,
    const char *limit, unsigned flags)
{
    if (flags & (S3U_JSON_ESCAPED | S3U_JSON_NUL)) {
        return name_find_decoded(t, k + 1, kend - 1);
    }

    return name_find(t, k + 1, (size_t) (kend - 1 - (k + 1)), limit);
}


static void
found_none(const s3u_json_names_t *t, s3u_json_value_t *found)
{
    memset(found, 0, t->count * sizeof(s3u_json_value_t));
}


/*
 * The lengths of containers met by the counting loop, by where they start,
 * so that a container is counted through once: a pass over an object's
 * members steps over its nested values, and the walk then goes into each
 * of them, whose own pass steps over their nested values again.  Entries
 * count only in the epoch they were made in: every check starts a new one,
 * as the text of a document gone (a body, a string decoded in the
 * scratch) may be where the next one is.  A cache: a slot is simply
 * taken over by the next container hashed to it.
 */
#define S3U_JSON_LENGTHS  1024
#define S3U_JSON_RECORD   64          /* open containers noted by one count */

typedef struct {
    const char  *p;
    uint32_t     len;
    uint32_t     epoch;
} s3u_json_length_t;

static s3u_json_length_t  s3u_json_lengths[S3U_JSON_LENGTHS];
static uint32_t           s3u_json_epoch;


/* --- the validating pass ------------------------------------------------ */

/* the rest of a string from p, a stop string_stop found in it (a
 * backslash, a NUL, or end): out of line, as most strings have none */
static __attribute__((noinline)) const char *
check_string_rest(const char *p, const char *end, unsigned *flags)
{
    int  cp, low;

    for ( ;; ) {
        if (p == end) {
            return NULL;
        }

        if (*p == '"') {
            return p + 1;
        }

        if (*p == '\0') {
            *flags |= S3U_JSON_NUL;
            p = string_stop(p + 1, end, 1);
            continue;
        }

        /* a backslash */

        *flags |= S3U_JSON_ESCAPED;

        if (end - p < 2) {
            return NULL;
        }

        switch (p[1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            p = string_stop(p + 2, end, 1);
            continue;

        case 'u':
            break;

        default:
            return NULL;
        }

        /* the earlier parser read non-hex digits as 0 (U+0000, which cut
         * the string): refused here */
        cp = hex4(p + 2, end);
        if (cp < 0 || (cp >= 0xdc00 && cp <= 0xdfff)) {
            return NULL;
        }
        p += 6;

        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (end - p < 2 || p[0] != '\\' || p[1] != 'u') {
                return NULL;
            }
            low = hex4(p + 2, end);
            if (low < 0xdc00 || low > 0xdfff) {
                return NULL;
            }
            p += 6;
        }

        p = string_stop(p, end, 1);
    }
}


/* a string at p (its opening quote); returns the byte after the closing
 * quote, NULL when it is not a string of the language.  *flags gets
 * S3U_JSON_ESCAPED and S3U_JSON_NUL for what the string holds.  Only the
 * search for the closing quote is inlined: the escapes' code, inlined at
 * each call site, made the loops around it spill and reload registers. */
J_INLINE const char *
check_string(const char *p, const char *end, unsigned *flags)
{
    p = string_stop(p + 1, end, 1);

    if (p < end && *p == '"') {
        return p + 1;
    }

    return check_string_rest(p, end, flags);
}


/* true, false or null at p, which its first byte chose: the byte after
 * it, or NULL when p does not hold the whole word.  Each word compared
 * with a constant length, which the compiler makes one load and compare
 * (not a memcmp call). */
static inline const char *
check_literal(const char *p, const char *end, unsigned *type)
{
    switch (*p) {
    case 't':
        *type = S3U_JSON_TRUE;
        return (end - p >= 4 && memcmp(p, "true", 4) == 0) ? p + 4 : NULL;
    case 'f':
        *type = S3U_JSON_FALSE;
        return (end - p >= 5 && memcmp(p, "false", 5) == 0) ? p + 5 : NULL;
    default:
        *type = S3U_JSON_NULL;
        return (end - p >= 4 && memcmp(p, "null", 4) == 0) ? p + 4 : NULL;
    }
}


/*
 * A number at p ('-' or a digit): as much as strtod reads,
 * -?(D+(.D*)?|.D+)([eE][+-]?D+)?, an exponent without digits left out.
 * The earlier parser took the run of [0-9.eE+-] bytes and as much of it
 * as strtod read: in an array or object a rest of the run is then refused
 * (it is no separator), after the root value it is the caller's.
 */
static const char *
check_number(const char *p, const char *end)
{
    size_t       digits;
    const char  *start, *mantissa_end;

    if (*p == '-') {
        p++;
    }

    start = p;
    while (p < end && json_is(*p, J_DIGIT)) {
        p++;
    }
    digits = (size_t) (p - start);

    if (p < end && *p == '.') {
        start = ++p;
        while (p < end && json_is(*p, J_DIGIT)) {
            p++;
        }
        digits += (size_t) (p - start);
    }

    if (digits == 0) {
        return NULL;
    }

    if (p < end && (*p == 'e' || *p == 'E')) {
        mantissa_end = p++;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        start = p;
        while (p < end && json_is(*p, J_DIGIT)) {
            p++;
        }
        if (p == start) {
            return mantissa_end;
        }
    }

    return p;
}


/*
 * One pass, as a state machine with a fixed stack: a bit per open
 * container, set for an object.  Labels: value (a value is due at p),
 * name (a member name is due at p), after (a value ended at p), close (a
 * container ended at p).
 */
const char *
s3u_json_check(const char *p, const char *end, int max_depth,
    s3u_json_value_t *root, s3u_json_names_t *names,
    s3u_json_value_t *found)
{
    int          depth, object, member;
    size_t       i, len;
    unsigned     flags, sflags, vflags, rflags, vtype, rtype;
    uint64_t     objects[S3U_JSON_DEPTH_MAX / 64];
    uintptr_t    last;
    const char  *start, *s, *kend, *vstart;

    if (p == NULL || p >= end) {
        return NULL;
    }

    if (max_depth > S3U_JSON_DEPTH_MAX) {
        max_depth = S3U_JSON_DEPTH_MAX;
    }

    if (names != NULL) {
        names_ready(names);
        found_none(names, found);
    }

    /* a BOM counted only when more than four bytes were given */
    if (end - p > 4 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
        p += 3;
    }

    p = skip_space(p, end);
    start = p;
    vstart = p;

    depth = 0;
    object = 0;
    flags = 0;
    sflags = 0;
    member = -1;            /* the wanted root member whose value is read */

    /* the lengths cached so far may be of texts now gone */
    if (++s3u_json_epoch == 0) {
        memset(s3u_json_lengths, 0, sizeof(s3u_json_lengths));
        s3u_json_epoch = 1;
    }

value:

    if (p >= end) {
        return NULL;
    }

    switch (*p) {

    case '"':
        sflags = 0;
        p = check_string(p, end, &sflags);
        if (p == NULL) {
            return NULL;
        }
        flags |= sflags;
        goto after;

    case '{':
    case '[':
        if (depth >= max_depth) {
            return NULL;
        }

        object = (*p == '{');
        if (depth == 0) {
            /* the root's bit with no shifts: the bits above it are set
             * or cleared before they are read */
            objects[0] = (uint64_t) object;
        } else if (object) {
            objects[depth >> 6] |= (uint64_t) 1 << (depth & 63);
        } else {
            objects[depth >> 6] &= ~((uint64_t) 1 << (depth & 63));
        }
        depth++;

        p = skip_space(p + 1, end);
        if (p < end && *p == (object ? '}' : ']')) {
            p++;
            goto close;
        }
        if (object) {
            goto name;
        }
        goto value;

    case 't':
    case 'f':
    case 'n':
        p = check_literal(p, end, &vtype);
        if (p == NULL) {
            return NULL;
        }
        goto after;

    default:
        if (*p != '-' && !json_is(*p, J_DIGIT)) {
            return NULL;
        }
        p = check_number(p, end);
        if (p == NULL) {
            return NULL;
        }
        goto after;
    }

name:

    /*
     * The root object's members, most of a body, in a loop of their own
     * that knows its depth, container and the type of each value, so that
     * the state machine's tests are not made for every member: a name
     * without a backslash or NUL, then a scalar value.  A name it cannot
     * take, and a nested value, go the general way below (which notes the
     * member when its value ends, then comes back here at the next name).
     * The checks are the general way's, in the same order.
     */
    last = (uintptr_t) end - 16;        /* see string_stop_at */

    while (depth == 1 && names != NULL) {
        if (p >= end || *p != '"') {
            return NULL;
        }

        kend = string_stop_at(p + 1, end, last);
        if (kend >= end || *kend != '"') {
            break;
        }

        len = (size_t) (kend - (p + 1));
        member = name_find(names, p + 1, len, end);
        if (member >= 0 && found[member].type != S3U_JSON_NONE) {
            member = -1;                /* not its first member of that name */
        }
        p = kend + 1;

        if (p < end && *p == ':') {
            p++;
        } else {
            p = skip_space(p, end);
            if (p >= end || *p != ':') {
                return NULL;
            }
            p++;
        }

        if (p >= end) {
            return NULL;
        }
        if ((unsigned char) *p <= 0x20) {
            p = skip_space(p, end);
            if (p >= end) {
                return NULL;
            }
        }

        vstart = p;
        vflags = 0;

        switch (*p) {
        case '"':

            /* check_string, with the flags of a text with an escape or
             * NUL in a variable of their own: vflags, whose address is
             * not taken, stays in a register */
            vtype = S3U_JSON_STRING;
            s = string_stop_at(p + 1, end, last);
            if (s < end && *s == '"') {
                p = s + 1;
                break;
            }
            rflags = 0;
            p = check_string_rest(s, end, &rflags);
            if (p == NULL) {
                return NULL;
            }
            vflags = rflags;
            flags |= rflags;
            break;

        case '{':
        case '[':
            goto value;

        case 't':
        case 'f':
        case 'n':
            p = check_literal(p, end, &vtype);
            if (p == NULL) {
                return NULL;
            }
            break;

        default:
            if (*p != '-' && !json_is(*p, J_DIGIT)) {
                return NULL;
            }

            /* digits, maybe a fraction, then a byte that goes on no
             * number (a status, a delay); anything else is read out in
             * full */
            kend = p + (*p == '-');
            s = p + 1;                  /* p holds a digit or the '-' */
            while (s < end && (unsigned char) (*s - '0') < 10) {
                s++;
            }
            if (s > kend && s < end && *s == '.') {
                s++;
                while (s < end && (unsigned char) (*s - '0') < 10) {
                    s++;
                }
            }
            if (s > kend && (s == end || !json_is(*s, J_NUMBER))) {
                p = s;
            } else {
                p = check_number(p, end);
                if (p == NULL) {
                    return NULL;
                }
            }
            vtype = S3U_JSON_NUMBER;
            break;
        }

        if (member >= 0) {
            found[member].p = vstart;
            found[member].end = p;
            found[member].type = vtype;
            found[member].flags = (unsigned char) (vflags & S3U_JSON_ESCAPED);
            member = -1;
        }

        if (p >= end) {
            return NULL;
        }
        if ((unsigned char) *p <= 0x20) {
            p = skip_space(p, end);
            if (p >= end) {
                return NULL;
            }
        }

        if (*p == ',') {
            p++;
            if (p < end && (unsigned char) *p <= 0x20) {
                p = skip_space(p, end);
            }
            continue;
        }

        if (*p != '}') {
            return NULL;
        }

        /* the root object's end: the whole document, known to be an
         * object, without the general way's tests */
        p++;
        rtype = S3U_JSON_OBJECT;
        goto done;
    }

    if (p >= end || *p != '"') {
        return NULL;
    }

    s = p;
    sflags = 0;
    p = check_string(p, end, &sflags);
    if (p == NULL) {
        return NULL;
    }
    flags |= sflags;
    kend = p;

    if (p < end && *p == ':') {
        p++;
    } else {
        p = skip_space(p, end);
        if (p >= end || *p != ':') {
            return NULL;
        }
        p++;
    }

    p = skip_space(p, end);

    /* a name at depth 1 is one of the root object's */
    if (depth == 1 && names != NULL) {
        member = name_index(names, s, kend, end, sflags);
        if (member >= 0 && found[member].type != S3U_JSON_NONE) {
            member = -1;                /* not its first member of that name */
        }
        vstart = p;
    }

    goto value;

after:

    if (member >= 0 && depth == 1) {
        found[member].p = vstart;
        found[member].end = p;
        found[member].type = type_of((unsigned char) *vstart);
        found[member].flags = (found[member].type == S3U_JSON_STRING)
                              ? (unsigned char) (sflags & S3U_JSON_ESCAPED)
                              : 0;
        member = -1;
    }

    if (depth == 0) {
        rtype = type_of((unsigned char) *start);
        goto done;
    }

    p = skip_space(p, end);
    if (p >= end) {
        return NULL;
    }

    if (*p == ',') {
        p = skip_space(p + 1, end);
        if (object) {
            goto name;
        }
        goto value;
    }

    if (*p != (object ? '}' : ']')) {
        return NULL;
    }
    p++;

close:

    depth--;
    object = (depth > 0)
             && ((objects[(depth - 1) >> 6] >> ((depth - 1) & 63)) & 1);

    goto after;

done:

    /* the root value ended at p, of type rtype */
    root->end = p;
    root->p = start;
    root->type = (unsigned char) rtype;
    root->flags = (unsigned char) (flags & S3U_JSON_NUL);
    if (rtype == S3U_JSON_STRING) {
        root->flags |= (unsigned char) (sflags & S3U_JSON_ESCAPED);
    }

    /* a NUL anywhere makes every name and text be looked at closely */
    if (names != NULL && (flags & S3U_JSON_NUL)) {
        for (i = 0; i < names->count; i++) {
            found[i].flags |= S3U_JSON_NUL;
        }
    }

    return p;
}


/* --- walking a checked document ----------------------------------------- */

/* past the closing quote of a string whose first byte after the opening
 * quote is at p; notes a backslash in *flags */
static inline const char *
skip_string(const char *p, const char *end, unsigned char *flags)
{
    for ( ;; ) {
        p = string_stop(p, end, 0);

        if (p >= end) {
            return end;
        }

        if (*p == '"') {
            return p + 1;
        }

        *flags |= S3U_JSON_ESCAPED;
        p += 2;
    }
}


#define length_slot(p)                                                        \
    ((((uintptr_t) (p)) * 0x9e3779b97f4a7c15ULL) >> 54)


static void
length_note(const char *p, size_t len)
{
    s3u_json_length_t  *l;

    if (len > UINT32_MAX) {
        return;
    }

    l = &s3u_json_lengths[length_slot(p)];
    l->p = p;
    l->len = (uint32_t) len;
    l->epoch = s3u_json_epoch;
}


/* past the bracket that closes the container opened at p, counting the
 * brackets between (strings skipped): no recursion; the length of every
 * container closed on the way is noted */
static const char *
skip_container(const char *p, const char *end)
{
    size_t         depth;
    unsigned char  flags;
    const char    *open[S3U_JSON_RECORD];

    depth = 0;

    while (p < end) {
        switch (*p) {
        case '"':
            p = skip_string(p + 1, end, &flags);
            continue;
        case '{':
        case '[':
            if (depth < S3U_JSON_RECORD) {
                open[depth] = p;
            }
            depth++;
            break;
        case '}':
        case ']':
            depth--;
            if (depth < S3U_JSON_RECORD) {
                length_note(open[depth], (size_t) (p + 1 - open[depth]));
            }
            if (depth == 0) {
                return p + 1;
            }
            break;
        }

        p++;
        while (p < end && !json_is(*p, J_NEST)) {
            p++;
        }
    }

    return end;
}


/* past the container at p: at once when its length is cached */
static inline const char *
skip_nested(const char *p, const char *end)
{
    const s3u_json_length_t  *l;

    l = &s3u_json_lengths[length_slot(p)];

    if (l->p == p && l->epoch == s3u_json_epoch
        && l->len <= (size_t) (end - p))
    {
        return p + l->len;
    }

    return skip_container(p, end);
}


/* the value at p: its type and end */
static inline const char *
skip_value(const char *p, const char *end, s3u_json_value_t *v)
{
    v->p = p;

    if (p >= end) {
        v->type = S3U_JSON_NONE;
        v->end = end;
        return end;
    }

    v->type = type_of((unsigned char) *p);

    switch (v->type) {
    case S3U_JSON_STRING:
        p = skip_string(p + 1, end, &v->flags);
        break;
    case S3U_JSON_OBJECT:
    case S3U_JSON_ARRAY:
        p = skip_nested(p, end);
        break;
    case S3U_JSON_TRUE:
    case S3U_JSON_NULL:
        p = (end - p >= 4) ? p + 4 : end;
        break;
    case S3U_JSON_FALSE:
        p = (end - p >= 5) ? p + 5 : end;
        break;
    default:
        while (p < end && json_is(*p, J_NUMBER)) {
            p++;
        }
        break;
    }

    v->end = p;
    return p;
}


void
s3u_json_iter(s3u_json_iter_t *it, const s3u_json_value_t *v)
{
    if (v->type == S3U_JSON_OBJECT || v->type == S3U_JSON_ARRAY) {
        it->p = v->p + 1;
        it->end = v->end - 1;           /* the closing bracket */
    } else {
        it->p = v->end;
        it->end = v->end;
    }

    it->flags = v->flags & S3U_JSON_NUL;
    it->object = (v->type == S3U_JSON_OBJECT);
}


static inline int
next_member(s3u_json_iter_t *it, s3u_json_value_t *key,
    s3u_json_value_t *val)
{
    const char  *p, *end;

    end = it->end;
    p = skip_space(it->p, end);

    if (p < end && *p == ',') {
        p = skip_space(p + 1, end);
    }

    if (p >= end) {
        it->p = end;
        return 0;
    }

    if (it->object) {
        key->p = p;
        key->type = S3U_JSON_STRING;
        key->flags = it->flags;
        p = (*p == '"') ? skip_string(p + 1, end, &key->flags) : end;
        key->end = p;

        p = skip_space(p, end);
        if (p < end && *p == ':') {
            p++;
        }
        p = skip_space(p, end);
    }

    val->flags = it->flags;
    it->p = skip_value(p, end, val);

    return val->type != S3U_JSON_NONE;
}


int
s3u_json_next(s3u_json_iter_t *it, s3u_json_value_t *key,
    s3u_json_value_t *val)
{
    s3u_json_value_t  k;

    return next_member(it, key ? key : &k, val);
}


void
s3u_json_members(const s3u_json_value_t *obj, s3u_json_names_t *names,
    s3u_json_value_t *found)
{
    int               i;
    size_t            left;
    s3u_json_iter_t   it;
    s3u_json_value_t  key, val;

    names_ready(names);
    found_none(names, found);

    if (obj->type != S3U_JSON_OBJECT) {
        return;
    }

    left = names->count;
    s3u_json_iter(&it, obj);

    while (left > 0 && next_member(&it, &key, &val)) {
        /* the closing bracket at it.end may be read */
        i = name_index(names, key.p, key.end, it.end + 1, key.flags);

        if (i >= 0 && found[i].type == S3U_JSON_NONE) {
            found[i] = val;
            left--;
        }
    }
}


/* --- text ----------------------------------------------------------------- */

/*
 * The scratch for decoded text.  Under AddressSanitizer every text gets
 * its own heap block of its exact size, so that the fuzzers see a read
 * past its end.
 */
#if defined(__SANITIZE_ADDRESS__)
#define S3U_JSON_SCRATCH  0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S3U_JSON_SCRATCH  0
#endif
#endif
#ifndef S3U_JSON_SCRATCH
#define S3U_JSON_SCRATCH  (64 * 1024)
#endif

struct s3u_json_block_s {
    s3u_json_block_t  *prev;
    char               data[];
};

static char               s3u_json_scratch[S3U_JSON_SCRATCH + 1];

/* extern for the inline s3u_json_mark and s3u_json_release only */
size_t                    s3u_json_scratch_used;
s3u_json_block_t         *s3u_json_blocks;


static char *
scratch_alloc(size_t n)
{
    char              *p;
    s3u_json_block_t  *b;

    if (n <= S3U_JSON_SCRATCH - s3u_json_scratch_used) {
        p = s3u_json_scratch + s3u_json_scratch_used;
        s3u_json_scratch_used += n;
        return p;
    }

    b = malloc(sizeof(s3u_json_block_t) + n);
    if (b == NULL) {
        return NULL;
    }

    b->prev = s3u_json_blocks;
    s3u_json_blocks = b;

    return b->data;
}


/* gives back the unused end of the last piece taken from the scratch */
static void
scratch_shrink(char *p, size_t size, size_t used)
{
    if (p + size == s3u_json_scratch + s3u_json_scratch_used) {
        s3u_json_scratch_used -= size - used;
    }
}


void
s3u_json_release_blocks(void *heap)
{
    s3u_json_block_t  *b;

    while (s3u_json_blocks != NULL && s3u_json_blocks != heap) {
        b = s3u_json_blocks;
        s3u_json_blocks = b->prev;
        free(b);
    }
}


int
s3u_json_text_decode(const s3u_json_value_t *v, const char **text,
    size_t *len)
{
    char        *buf;
    size_t       n, size;
    const char  *p, *end, *nul;

    if (v->type != S3U_JSON_STRING || v->end - v->p < 2) {
        return -1;
    }

    p = v->p + 1;
    end = v->end - 1;

    if (!(v->flags & S3U_JSON_ESCAPED)) {
        nul = memchr(p, '\0', (size_t) (end - p));
        *text = p;
        *len = (size_t) ((nul ? nul : end) - p);
        return 0;
    }

    /* unescaping never makes a string longer */
    size = (size_t) (end - p) + 1;
    buf = scratch_alloc(size);
    if (buf == NULL) {
        return -1;
    }

    n = decode(p, end, buf, size - 1);
    buf[n] = '\0';
    scratch_shrink(buf, size, n + 1);

    *text = buf;
    *len = n;
    return 0;
}


/* --- numbers ------------------------------------------------------------ */

/* strtod on a copy: terminated, and with the locale's decimal point in
 * place of '.' */
static __attribute__((noinline)) double
number_strtod(const char *p, size_t n)
{
    char             buf[64], *s, point;
    size_t           i;
    double           d;
    s3u_json_mark_t  m;

    m = s3u_json_mark();
    s = (n < sizeof(buf)) ? buf : scratch_alloc(n + 1);
    if (s == NULL) {
        return NAN;
    }

    point = *localeconv()->decimal_point;

    for (i = 0; i < n; i++) {
        s[i] = (p[i] == '.') ? point : p[i];
    }
    s[n] = '\0';

    d = strtod(s, NULL);

    s3u_json_release(m);

    return d;
}


double
s3u_json_number(const s3u_json_value_t *v)
{
    size_t       i, n;
    uint64_t     u;
    unsigned     c;
    const char  *p;

    if (v->type != S3U_JSON_NUMBER) {
        return NAN;
    }

    p = v->p;
    n = (size_t) (v->end - v->p);

    /* an integer of up to 15 digits (a status) is exact in a double */
    i = (n > 0 && p[0] == '-');
    if (n > i && n - i <= 15) {
        for (u = 0; i < n; i++) {
            c = (unsigned) (unsigned char) p[i] - '0';
            if (c > 9) {
                break;
            }
            u = u * 10 + c;
        }
        if (i == n) {
            return p[0] == '-' ? -(double) u : (double) u;
        }
    }

    return number_strtod(p, n);
}
