/*
 * Byte-range helpers for the detectors (see s3u_scan.h).
 */

#include <stdint.h>
#include <string.h>

#include "detect/s3u_scan.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif


const unsigned char  s3u_ctype[256] = {
    [0x00 ... 0x08] = S3U_CT_CONTROL,
    ['\t' ... '\r'] = S3U_CT_CONTROL | S3U_CT_SPACE,     /* \t \n \v \f \r */
    [0x0e ... 0x1f] = S3U_CT_CONTROL,
    [' '] = S3U_CT_SPACE,
    ['.'] = S3U_CT_CODE,
    ['0' ... '9'] = S3U_CT_CODE,
    ['A' ... 'Z'] = S3U_CT_CODE,
    ['a' ... 'z'] = S3U_CT_CODE,
    [0x7f] = S3U_CT_CONTROL,
};


static int
lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}


const char *
s3u_find(const char *p, const char *end, const char *needle)
{
    size_t       nlen;
    const char  *last;

    nlen = strlen(needle);
    if (nlen == 0 || p == NULL || end - p < (ptrdiff_t) nlen) {
        return NULL;
    }

    last = end - nlen;

    while (p <= last) {
        p = memchr(p, needle[0], (size_t) (last - p) + 1);
        if (p == NULL) {
            return NULL;
        }
        if (memcmp(p, needle, nlen) == 0) {
            return p;
        }
        p++;
    }

    return NULL;
}


const char *
s3u_find_ci(const char *p, const char *end, const char *needle)
{
    int          first, other;
    size_t       nlen, i;
    const char  *last;

    nlen = strlen(needle);
    if (nlen == 0 || p == NULL || end - p < (ptrdiff_t) nlen) {
        return NULL;
    }

    last = end - nlen;
    first = lower((unsigned char) needle[0]);
    other = (first >= 'a' && first <= 'z') ? first - ('a' - 'A') : first;

    for ( /* void */ ; p <= last; p++) {

        if (first == other) {
            /* not a letter: let memchr find the candidates */
            p = memchr(p, first, (size_t) (last - p) + 1);
            if (p == NULL) {
                return NULL;
            }

        } else if (*p != first && *p != other) {
            continue;
        }

        for (i = 1; i < nlen; i++) {
            if (lower((unsigned char) p[i]) != lower((unsigned char) needle[i])) {
                break;
            }
        }
        if (i == nlen) {
            return p;
        }
    }

    return NULL;
}


const char *
s3u_phrase(const char *p, const char *end, const char *phrase)
{
    const char  *start;

    while (*phrase != '\0') {

        if (*phrase == ' ') {
            start = p;
            p = s3u_skip_space(p, end);
            if (p == start) {
                return NULL;
            }
            phrase++;
            continue;
        }

        if (p >= end
            || lower((unsigned char) *p) != lower((unsigned char) *phrase))
        {
            return NULL;
        }

        p++;
        phrase++;
    }

    return p;
}


const char *
s3u_find_phrase(const char *p, const char *end, const char *phrase,
    const char **mend)
{
    int          first;
    size_t       nlen;
    const char  *m, *last;

    if (!(p < end)) {
        return NULL;
    }

    /* every byte of the phrase matches at least one byte: no match starts
     * later than nlen bytes before the end (a short message, "Access
     * Denied", is ruled out without a look at its bytes) */
    nlen = strlen(phrase);
    if ((size_t) (end - p) < nlen) {
        return NULL;
    }
    last = end - (nlen > 0 ? nlen : 1);

    first = lower((unsigned char) phrase[0]);

    for ( /* void */ ; p <= last; p++) {
        if (first >= 'a' && first <= 'z') {
            /* a letter in either case, one test */
            if ((*p | 0x20) != first) {
                continue;
            }
        } else if (first == ' ' ? !s3u_is_space((unsigned char) *p)
                                : (unsigned char) *p != first)
        {
            continue;
        }
        m = s3u_phrase(p, end, phrase);
        if (m != NULL) {
            if (mend != NULL) {
                *mend = m;
            }
            return p;
        }
    }

    return NULL;
}


int
s3u_eq(const char *p, size_t len, const char *s)
{
    return strlen(s) == len && memcmp(p, s, len) == 0;
}


int
s3u_parse_status(const char *p, const char *end)
{
    int  n, digits;

    n = 0;

    for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits == 3) {
            return 0;
        }
        n = n * 10 + (*p - '0');
    }

    return (digits == 3 && n >= 100 && n <= 599) ? n : 0;
}


/*
 * Byte-class searches, 16 bytes at a time with GCC's vector extensions
 * (SSE2 on x86-64, NEON on arm64, plain code elsewhere).  A vector
 * comparison gives 0xff in every byte of the class and 0 elsewhere, so the
 * first marked byte is exactly the first byte of the class, and a window
 * may overlap bytes already passed: they are masked out.  Nothing is read
 * outside [base, end).
 */

typedef unsigned char  s3u_vec_t __attribute__((vector_size(16)));
typedef signed char    s3u_svec_t __attribute__((vector_size(16)));
typedef uint64_t       s3u_vec64_t __attribute__((vector_size(16)));

#define S3U_VEC(c)                                                            \
    ((s3u_vec_t) { c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c })
#define S3U_SVEC(c)                                                           \
    ((s3u_svec_t) { c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c })
#define S3U_IOTA                                                              \
    ((s3u_vec_t) { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 })
#define S3U_LOW8                                                              \
    ((s3u_vec_t) { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,            \
                   0, 0, 0, 0, 0, 0, 0, 0 })

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define S3U_BIG_ENDIAN  1
#else
#define S3U_BIG_ENDIAN  0
#endif


/* the index of the first marked byte of m, 16 when none is */
static inline size_t
vec_first(s3u_vec_t m)
{
    uint64_t  lo, hi;

    memcpy(&lo, &m, 8);
    memcpy(&hi, (const char *) &m + 8, 8);

    if ((lo | hi) == 0) {
        return 16;
    }

#if S3U_BIG_ENDIAN
    return lo != 0 ? (size_t) __builtin_clzll(lo) >> 3
                   : 8 + ((size_t) __builtin_clzll(hi) >> 3);
#else
    return lo != 0 ? (size_t) __builtin_ctzll(lo) >> 3
                   : 8 + ((size_t) __builtin_ctzll(hi) >> 3);
#endif
}


/* the bytes of a window from index "from" on */
static inline s3u_vec_t
vec_from(size_t from)
{
    unsigned char  f;

    f = (unsigned char) from;

    return (s3u_vec_t) (S3U_IOTA >= S3U_VEC(f));
}


/*
 * The first byte of [p, end) in the class that stops() marks and stop()
 * tells, or end; bytes from base (at most p) on may be read.  16 bytes at
 * p at a time; what is left, in one load: the last 16 bytes from base
 * (those before p masked out); or, when fewer, two loads of 8 at p and at
 * end - 8; or the last 8 from base; or, when even those are not there,
 * byte by byte.  Inlined into each search below, where stops() and
 * stop() are constants.
 */
static inline __attribute__((always_inline)) const char *
vec_find(const char *base, const char *p, const char *end,
    s3u_vec_t (*stops)(s3u_vec_t), int (*stop)(unsigned char))
{
    size_t     j;
    uint64_t   a, b;
    s3u_vec_t  v;

    while (end - p >= 16) {
        memcpy(&v, p, 16);
        j = vec_first(stops(v));
        if (j < 16) {
            return p + j;
        }
        p += 16;
    }

    if (p == end) {
        return end;
    }

    if (end - base >= 16) {
        memcpy(&v, end - 16, 16);
        j = vec_first(stops(v) & vec_from((size_t) (p - (end - 16))));
        return end - 16 + j;
    }

    if (end - p >= 8) {
        /* a byte in both windows is found in the first one first */
        memcpy(&a, p, 8);
        memcpy(&b, end - 8, 8);
        v = (s3u_vec_t) (s3u_vec64_t) { a, b };
        j = vec_first(stops(v));
        return j < 8 ? p + j : end - 16 + j;
    }

    if (end - base >= 8) {
        /* the last 8 bytes, twice: only the first copy, from p on, counts */
        memcpy(&a, end - 8, 8);
        v = (s3u_vec_t) (s3u_vec64_t) { a, a };
        j = vec_first(stops(v) & S3U_LOW8
                      & vec_from((size_t) (p - (end - 8))));
        return j < 8 ? end - 8 + j : end;
    }

    while (p < end && !stop((unsigned char) *p)) {
        p++;
    }

    return p;
}


/* what s3u_field_set does not copy as it is: whitespace and control bytes
 * (below 0x21) and 0x7f; bytes from 0x80, UTF-8, are kept */
static inline s3u_vec_t
field_stops(s3u_vec_t v)
{
    return (s3u_vec_t) ((v < S3U_VEC(0x21)) | (v == S3U_VEC(0x7f)));
}


static inline int
field_stop(unsigned char c)
{
    return s3u_ctype_is(c, S3U_CT_CONTROL | S3U_CT_SPACE);
}


/* what a quoted string carries as it is: 0x20-0x7E but '"' and '\\' */
static inline s3u_vec_t
quoted_stops(s3u_vec_t v)
{
    s3u_svec_t  s;

    s = (s3u_svec_t) v;

    /* signed: below 0x20 and from 0x80 in one comparison */
    return (s3u_vec_t) ((s < S3U_SVEC(0x20)) | (s == S3U_SVEC(0x7f))
                        | (s == S3U_SVEC('"')) | (s == S3U_SVEC('\\')));
}


static inline int
quoted_stop(unsigned char c)
{
    return c < 0x20 || c > 0x7e || c == '"' || c == '\\';
}


const char *
s3u_quoted_plain_end(const char *p, const char *end)
{
    return vec_find(p, p, end, quoted_stops, quoted_stop);
}


/* what ends an error code: any byte but [A-Za-z0-9.] */
static inline s3u_vec_t
code_stops(s3u_vec_t v)
{
    s3u_vec_t  letter;

    letter = (v | S3U_VEC(0x20)) - S3U_VEC('a');

    return (s3u_vec_t) ~((v - S3U_VEC('0') < S3U_VEC(10))
                         | (letter < S3U_VEC(26))
                         | (v == S3U_VEC('.')));
}


static inline int
code_stop(unsigned char c)
{
    return !s3u_ctype_is(c, S3U_CT_CODE);
}


const char *
s3u_code_end(const char *p, const char *end)
{
    return vec_find(p, p, end, code_stops, code_stop);
}


/*
 * The end of the run of bytes s3u_field_set copies as they are, from p
 * (the byte after a kept one) on: kept bytes, and each single space
 * between two kept bytes (folding leaves it as it is).  Bytes from base on
 * may be read.
 */
static inline __attribute__((always_inline)) const char *
run_end(const char *base, const char *p, const char *end)
{
    for ( ;; ) {
        p = vec_find(base, p, end, field_stops, field_stop);
        if (end - p < 2 || *p != ' ' || field_stop((unsigned char) p[1])) {
            return p;
        }
        p += 2;
    }
}


/* s3u_field_set for any value: trims, folds, drops and cuts; out of line,
 * so that the common case in s3u_field_set saves no registers */
static __attribute__((noinline)) size_t
field_fold(char *dst, size_t size, const char *src, size_t len)
{
    size_t          n, run, room;
    int             pending_space;
    unsigned char   classes;
    const char     *p, *end, *limit;

    n = 0;
    pending_space = 0;
    p = src;
    end = src + len;

    while (p < end) {

        if (field_stop((unsigned char) *p)) {
            /* whitespace and control bytes, dropped; any whitespace among
             * them is one space, unless nothing was written before */
            classes = 0;
            do {
                classes |= s3u_ctype[(unsigned char) *p++];
            } while (p < end && field_stop((unsigned char) *p));

            if ((classes & S3U_CT_SPACE) && n > 0) {
                pending_space = 1;
            }
            continue;
        }

        room = size - 1 - n;
        if (room <= (size_t) pending_space) {
            break;
        }
        room -= pending_space;

        /* a run is copied at once; reading one byte past the room is
         * enough to know that it does not fit */
        limit = (size_t) (end - p) > room ? p + room + 1 : end;
        run = (size_t) (run_end(src, p + 1, limit) - p);

        if (run > room) {
            /* cut, but not inside a UTF-8 sequence, and never right after
             * a space: a space is written only with a byte after it */
            run = room;
            while (run > 0 && ((unsigned char) p[run] & 0xc0) == 0x80) {
                run--;
            }
            if (run > 0 && p[run - 1] == ' ') {
                run--;
            }
            if (run == 0) {
                break;                       /* no space before nothing */
            }
            end = p + run;                   /* nothing after the cut */
        }

        if (pending_space) {
            dst[n++] = ' ';
            pending_space = 0;
        }

        s3u_copy_bytes(dst + n, p, run);
        n += run;
        p += run;
    }

    dst[n] = '\0';

    return n;
}


#if defined(__SSE2__)

/*
 * s3u_field_set's stops in 16 bytes as bit masks, bit i for byte i: the
 * spaces, and every other stop.  With masks a whole value is judged at
 * once, where run_end stops at each space of a message.
 */
static inline __attribute__((always_inline)) void
field_masks(__m128i v, unsigned *sp, unsigned *bad)
{
    __m128i  space, stop;

    space = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));

    /* v <= 0x20, unsigned: min(v, 0x20) is v */
    stop = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)),
                                       v),
                        _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));

    *sp = (unsigned) _mm_movemask_epi8(space);
    *bad = (unsigned) _mm_movemask_epi8(_mm_andnot_si128(space, stop));
}


/*
 * 1 when [src, src + len), len > 0, is one run s3u_field_set copies as it
 * is (what run_end finds): no stop but single spaces, none of them first
 * or last.  Short values are read in two overlapping loads, whose masks
 * are put together at the bytes' own places; nothing outside the value
 * is read.
 */
static inline __attribute__((always_inline)) int
field_plain(const char *src, size_t len)
{
    size_t    i;
    uint32_t  a4, b4;
    uint64_t  a8, b8;
    unsigned  sp, bad, prev;
    __m128i   v;

    if (len < 16) {
        if (len >= 8) {
            memcpy(&a8, src, 8);
            memcpy(&b8, src + len - 8, 8);
            v = _mm_set_epi64x((long long) b8, (long long) a8);
            field_masks(v, &sp, &bad);
            sp = (sp & 0xff) | ((sp >> 8) << (len - 8));
            bad = (bad & 0xff) | ((bad >> 8) << (len - 8));

        } else if (len >= 4) {
            memcpy(&a4, src, 4);
            memcpy(&b4, src + len - 4, 4);
            v = _mm_set_epi32(0, 0, (int) b4, (int) a4);
            field_masks(v, &sp, &bad);
            /* the zero bytes above the two loads are stops: cut off */
            sp = (sp & 0xf) | (((sp >> 4) & 0xf) << (len - 4));
            bad = (bad & 0xf) | (((bad >> 4) & 0xf) << (len - 4));

        } else {
            for (sp = 0, bad = 0, i = 0; i < len; i++) {
                sp |= (unsigned) (src[i] == ' ') << i;
                bad |= (unsigned) (src[i] != ' '
                                   && field_stop((unsigned char) src[i]))
                       << i;
            }
        }

        /* a space first, last, or after a space */
        return bad == 0
               && (sp & ((sp << 1) | 1 | (1u << (len - 1)))) == 0;
    }

    prev = 1;                   /* a space first is as one after a space */

    for (i = 0; len - i >= 16; i += 16) {
        v = _mm_loadu_si128((const __m128i *) (const void *) (src + i));

        /* most windows of an id hold no stop at all: one test */
        if (_mm_movemask_epi8(_mm_or_si128(
                _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)))) == 0)
        {
            prev = 0;
            continue;
        }

        field_masks(v, &sp, &bad);
        if ((bad | (sp & ((sp << 1) | prev))) != 0) {
            return 0;
        }
        prev = sp >> 15;
    }

    if (i < len) {
        /* the last 16 bytes; those before i were judged already */
        v = _mm_loadu_si128((const __m128i *) (const void *)
                            (src + len - 16));
        field_masks(v, &sp, &bad);
        sp >>= 16 - (len - i);
        bad >>= 16 - (len - i);
        if ((bad | (sp & ((sp << 1) | prev))) != 0) {
            return 0;
        }
        prev = sp >> (len - i - 1);
    }

    return prev == 0;           /* no space last */
}

#else

static inline int
field_plain(const char *src, size_t len)
{
    return !field_stop((unsigned char) src[0])
           && run_end(src, src + 1, src + len) == src + len;
}

#endif


size_t
s3u_field_set(char *dst, size_t size, const char *src, size_t len)
{
    if (size == 0) {
        return 0;
    }

    if (src == NULL) {
        dst[0] = '\0';
        return 0;
    }

    /* most values are one run that fits: nothing to trim, fold, drop or
     * cut, so one search and one copy */
    if (len > 0 && len < size && field_plain(src, len)) {
        s3u_copy_bytes(dst, src, len);
        dst[len] = '\0';
        return len;
    }

    return field_fold(dst, size, src, len);
}
