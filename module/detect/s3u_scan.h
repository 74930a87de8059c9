/*
 * Byte-range helpers for the detectors: searching, loose phrase matching and
 * copying values into a finding's fixed fields; and for the encoders
 * (s3u_sfv.c, s3u_problem.c), the search for what a quoted string cannot
 * carry as it is and a copy for short values.  Every function takes an
 * explicit end pointer or length; nothing here needs a NUL-terminated
 * body.
 */

#ifndef S3U_SCAN_H
#define S3U_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* the length of a string literal, for stepping over a matched label */
#define S3U_LEN(literal)  (sizeof(literal) - 1)

/* byte classes, looked up once per byte in the hot loops */
#define S3U_CT_SPACE    0x01        /* space, \t \r \n \f \v */
#define S3U_CT_CONTROL  0x02        /* below 0x20, and 0x7f (spaces too) */
#define S3U_CT_CODE     0x04        /* [A-Za-z0-9.]: an error code's bytes */

extern const unsigned char  s3u_ctype[256];

#define s3u_ctype_is(c, class)  (s3u_ctype[(unsigned char) (c)] & (class))

/* inline: called around nearly every token the detectors read, most
 * often with no whitespace to skip */
static inline int
s3u_is_space(int c)
{
    return s3u_ctype_is(c, S3U_CT_SPACE);
}


static inline const char *
s3u_skip_space(const char *p, const char *end)
{
    while (p < end && s3u_ctype_is(*p, S3U_CT_SPACE)) {
        p++;
    }

    return p;
}


/* first occurrence of the NUL-terminated needle in [p, end), or NULL */
const char *s3u_find(const char *p, const char *end, const char *needle);
/* the same, ASCII letters compared without case */
const char *s3u_find_ci(const char *p, const char *end, const char *needle);

/*
 * Loose phrase matching, for AWS wording that SDKs and terminals wrap:
 * letters compare without case and each space of the phrase matches one or
 * more whitespace bytes.  s3u_phrase matches at p and returns the end of the
 * match; s3u_find_phrase searches and returns the start (end in *mend).
 */
const char *s3u_phrase(const char *p, const char *end, const char *phrase);
const char *s3u_find_phrase(const char *p, const char *end,
    const char *phrase, const char **mend);

/* exact comparison of a byte range with a NUL-terminated string */
int s3u_eq(const char *p, size_t len, const char *s);

/* [A-Za-z0-9.] run at p: the shape of an error code; returns its end */
const char *s3u_code_end(const char *p, const char *end);

/* a decimal HTTP status (100-599) at p, 0 when there is none */
int s3u_parse_status(const char *p, const char *end);

/*
 * Copies a value into a fixed field: leading and trailing whitespace
 * trimmed, runs of whitespace and line breaks folded into one space, other
 * control bytes dropped, cut at size - 1 bytes without splitting a UTF-8
 * sequence.  Always NUL-terminates (size > 0).  Returns the length stored.
 * dst may be src: the copy runs forwards and never overtakes its source.
 */
size_t s3u_field_set(char *dst, size_t size, const char *src, size_t len);

/*
 * The first byte of [p, end) that a quoted string (an RFC 8941 sf-string,
 * a JSON string) does not carry as it is: outside 0x20-0x7E, '"' or '\\';
 * end when there is none.  Reads nothing outside [p, end).
 */
const char *s3u_quoted_plain_end(const char *p, const char *end);

/*
 * n bytes from src to dst, which may overlap: up to 32 bytes in a few
 * loads and then as many stores (no byte outside [dst, dst + n) is
 * written), more with memmove.  Field values are short, and a call costs
 * more than copying them.
 */
static inline void
s3u_copy_bytes(char *dst, const char *src, size_t n)
{
    char      c0, c1, c2;
    uint32_t  a4, b4;
    uint64_t  a8, b8, c8, d8;

    if (n > 32) {
        memmove(dst, src, n);

    } else if (n >= 16) {
        memcpy(&a8, src, 8);
        memcpy(&b8, src + 8, 8);
        memcpy(&c8, src + n - 16, 8);
        memcpy(&d8, src + n - 8, 8);
        memcpy(dst, &a8, 8);
        memcpy(dst + 8, &b8, 8);
        memcpy(dst + n - 16, &c8, 8);
        memcpy(dst + n - 8, &d8, 8);

    } else if (n >= 8) {
        memcpy(&a8, src, 8);
        memcpy(&b8, src + n - 8, 8);
        memcpy(dst, &a8, 8);
        memcpy(dst + n - 8, &b8, 8);

    } else if (n >= 4) {
        memcpy(&a4, src, 4);
        memcpy(&b4, src + n - 4, 4);
        memcpy(dst, &a4, 4);
        memcpy(dst + n - 4, &b4, 4);

    } else if (n > 0) {
        c0 = src[0];
        c1 = src[n / 2];
        c2 = src[n - 1];
        dst[0] = c0;
        dst[n / 2] = c1;
        dst[n - 1] = c2;
    }
}

#endif /* S3U_SCAN_H */
