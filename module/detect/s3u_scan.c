/*
 * Byte-range helpers for the detectors (see s3u_scan.h).
 */

#include <string.h>

#include "detect/s3u_scan.h"


int
s3u_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
           || c == '\v';
}


const char *
s3u_skip_space(const char *p, const char *end)
{
    while (p < end && s3u_is_space((unsigned char) *p)) {
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
    size_t       nlen, i;
    const char  *last;

    nlen = strlen(needle);
    if (nlen == 0 || p == NULL || end - p < (ptrdiff_t) nlen) {
        return NULL;
    }

    last = end - nlen;

    for ( /* void */ ; p <= last; p++) {
        for (i = 0; i < nlen; i++) {
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
        if (lower((unsigned char) *p) != first) {
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
    while (p < end
           && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
               || (*p >= '0' && *p <= '9') || *p == '.'))
    {
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


/* length of the UTF-8 sequence a lead byte starts, 1 for anything else */
static size_t
utf8_seq_len(unsigned char c)
{
    if (c >= 0xf0 && c <= 0xf4) {
        return 4;
    }
    if (c >= 0xe0) {
        return c <= 0xef ? 3 : 1;
    }
    if (c >= 0xc2) {
        return 2;
    }
    return 1;
}


size_t
s3u_field_set(char *dst, size_t size, const char *src, size_t len)
{
    size_t          n, seq;
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

        if (s3u_is_space(c)) {
            pending_space = (n > 0);
            p++;
            continue;
        }

        if (c < 0x20 || c == 0x7f) {
            p++;
            continue;
        }

        seq = utf8_seq_len(c);
        if (seq > (size_t) (end - p)) {
            seq = (size_t) (end - p);
        }

        if (n + pending_space + seq > size - 1) {
            break;
        }

        if (pending_space) {
            dst[n++] = ' ';
            pending_space = 0;
        }

        memmove(dst + n, p, seq);
        n += seq;
        p += seq;
    }

    dst[n] = '\0';

    return n;
}
