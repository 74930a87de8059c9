/*
 * Base64 encoder (base64url, unpadded) and a strict, table-free decoder.
 */

#include <stdint.h>

#include "token/s3u_base64.h"

static const char  s3u_base64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


size_t
s3u_base64url_encoded_len(size_t len)
{
    return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}


size_t
s3u_base64url_encode(const unsigned char *src, size_t len, char *dst)
{
    char      *p;
    uint32_t   group;

    p = dst;

    while (len >= 3) {
        group = (uint32_t) src[0] << 16 | (uint32_t) src[1] << 8 | src[2];
        *p++ = s3u_base64url_alphabet[group >> 18 & 0x3f];
        *p++ = s3u_base64url_alphabet[group >> 12 & 0x3f];
        *p++ = s3u_base64url_alphabet[group >> 6 & 0x3f];
        *p++ = s3u_base64url_alphabet[group & 0x3f];
        src += 3;
        len -= 3;
    }

    if (len) {
        group = (uint32_t) src[0] << 16;
        if (len == 2) {
            group |= (uint32_t) src[1] << 8;
        }
        *p++ = s3u_base64url_alphabet[group >> 18 & 0x3f];
        *p++ = s3u_base64url_alphabet[group >> 12 & 0x3f];
        if (len == 2) {
            *p++ = s3u_base64url_alphabet[group >> 6 & 0x3f];
        }
    }

    return (size_t) (p - dst);
}


/* the 6-bit value of c in the alphabets flags allow, or -1 */
static int
s3u_base64_value(unsigned char c, unsigned flags)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (flags & S3U_BASE64_URL) {
        if (c == '-') {
            return 62;
        }
        if (c == '_') {
            return 63;
        }
    }
    if (flags & S3U_BASE64_STD) {
        if (c == '+') {
            return 62;
        }
        if (c == '/') {
            return 63;
        }
    }
    return -1;
}


long
s3u_base64_decode(const char *src, size_t len, unsigned char *dst,
    size_t dst_size, unsigned flags, size_t *bad)
{
    size_t          i, chars, tail, out_len, pads;
    uint32_t        group;
    int             v, k;
    unsigned char  *p;

    chars = len;
    pads = 0;

    if (flags & S3U_BASE64_PAD) {
        while (chars > 0 && pads < 2 && src[chars - 1] == '=') {
            chars--;
            pads++;
        }
        /* padding, when present, must complete the last group exactly */
        if (pads && (len % 4 != 0 || chars % 4 == 0)) {
            if (bad) {
                *bad = chars;
            }
            return S3U_BASE64_EINVAL;
        }
    }

    tail = chars % 4;
    if (tail == 1) {
        if (bad) {
            *bad = len;
        }
        return S3U_BASE64_EINVAL;
    }

    out_len = chars / 4 * 3 + (tail ? tail - 1 : 0);
    if (dst != NULL && out_len > dst_size) {
        return S3U_BASE64_ENOSPC;
    }

    p = dst;
    group = 0;
    k = 0;

    for (i = 0; i < chars; i++) {
        v = s3u_base64_value((unsigned char) src[i], flags);
        if (v < 0) {
            if (bad) {
                *bad = i;
            }
            return S3U_BASE64_EINVAL;
        }

        group = group << 6 | (uint32_t) v;

        if (++k == 4) {
            if (p != NULL) {
                *p++ = (unsigned char) (group >> 16);
                *p++ = (unsigned char) (group >> 8);
                *p++ = (unsigned char) group;
            }
            group = 0;
            k = 0;
        }
    }

    if (k) {
        /*
         * 2 characters carry 12 bits for 1 byte, 3 carry 18 for 2: the
         * spare low bits must be zero, or two texts would decode alike
         */
        if ((k == 2 && (group & 0x0f)) || (k == 3 && (group & 0x03))) {
            if (bad) {
                *bad = chars - 1;
            }
            return S3U_BASE64_EINVAL;
        }

        if (p != NULL) {
            if (k == 2) {
                *p++ = (unsigned char) (group >> 4);
            } else {
                *p++ = (unsigned char) (group >> 10);
                *p++ = (unsigned char) (group >> 2);
            }
        }
    }

    return (long) out_len;
}
