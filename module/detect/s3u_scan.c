/*
 * Byte-range helpers for the detectors (see s3u_scan.h).
 */

#include <string.h>

#include "detect/s3u_scan.h"


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


int
s3u_is_space(int c)
{
    return s3u_ctype_is(c, S3U_CT_SPACE);
}


const char *
s3u_skip_space(const char *p, const char *end)
{
    while (p < end && s3u_ctype_is(*p, S3U_CT_SPACE)) {
        p++;
    }

    return p;
}


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
    const char  *m;

    first = lower((unsigned char) phrase[0]);

    for ( /* void */ ; p < end; p++) {
        if (first == ' ' ? !s3u_is_space((unsigned char) *p)
                         : lower((unsigned char) *p) != first)
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


const char *
s3u_code_end(const char *p, const char *end)
{
    while (p < end && s3u_ctype_is(*p, S3U_CT_CODE)) {
        p++;
    }

    return p;
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


size_t
s3u_field_set(char *dst, size_t size, const char *src, size_t len)
{
    size_t          n, run, room;
    int             pending_space;
    unsigned char   c;
    const char     *p, *end;

    if (size == 0) {
        return 0;
    }

    if (src == NULL) {
        dst[0] = '\0';
        return 0;
    }

    n = 0;
    pending_space = 0;
    p = src;
    end = src + len;

    while (p < end) {
        c = (unsigned char) *p;

        if (s3u_ctype_is(c, S3U_CT_CONTROL | S3U_CT_SPACE)) {
            if (s3u_ctype_is(c, S3U_CT_SPACE)) {
                pending_space = (n > 0);
            }
            p++;
            continue;
        }

        /* a run of bytes kept as they are, copied at once */
        for (run = 1; p + run < end; run++) {
            if (s3u_ctype_is(p[run], S3U_CT_CONTROL | S3U_CT_SPACE)) {
                break;
            }
        }

        room = size - 1 - n;
        if (room <= (size_t) pending_space) {
            break;
        }
        room -= pending_space;

        if (run > room) {
            /* cut, but not inside a UTF-8 sequence */
            run = room;
            while (run > 0 && ((unsigned char) p[run] & 0xc0) == 0x80) {
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

        memmove(dst + n, p, run);
        n += run;
        p += run;
    }

    dst[n] = '\0';

    return n;
}
