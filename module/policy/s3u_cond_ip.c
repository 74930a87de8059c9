/*
 * IpAddress / NotIpAddress: IPv4 and IPv6 addresses and CIDR blocks.  A
 * bare address is a /32 (or /128).  IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) are folded to IPv4 so that either spelling matches.
 */

#include <string.h>
#include <arpa/inet.h>

#include "policy/s3u_cond_int.h"


static const unsigned char  s3u_v4_mapped[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};


int
s3u_cond_cidr_parse(const char *s, size_t len, int allow_prefix,
    s3u_cond_cidr_t *cidr)
{
    size_t          addr_len, i;
    unsigned        prefix, max, bits;
    const char     *slash;
    char            text[INET6_ADDRSTRLEN + 1];
    unsigned char   mask;

    memset(cidr, 0, sizeof(*cidr));

    if (s == NULL || len == 0) {
        return 0;
    }

    slash = memchr(s, '/', len);
    addr_len = slash ? (size_t) (slash - s) : len;

    if (addr_len == 0 || addr_len >= sizeof(text)
        || memchr(s, '\0', addr_len) != NULL)
    {
        return 0;
    }

    memcpy(text, s, addr_len);
    text[addr_len] = '\0';

    if (inet_pton(AF_INET, text, cidr->addr) == 1) {
        cidr->family = 4;
        max = 32;

    } else if (inet_pton(AF_INET6, text, cidr->addr) == 1) {
        cidr->family = 6;
        max = 128;

    } else {
        return 0;
    }

    prefix = max;

    if (slash != NULL) {
        if (!allow_prefix) {
            return 0;
        }

        i = addr_len + 1;

        /* 1 to 3 digits, no sign, no leading zero (except "0" itself) */
        if (i == len || len - i > 3 || (s[i] == '0' && len - i > 1)) {
            return 0;
        }

        prefix = 0;

        for ( /* void */ ; i < len; i++) {
            if (s[i] < '0' || s[i] > '9') {
                return 0;
            }
            prefix = prefix * 10 + (unsigned) (s[i] - '0');
        }

        if (prefix > max) {
            return 0;
        }
    }

    if (cidr->family == 6 && memcmp(cidr->addr, s3u_v4_mapped, 12) == 0
        && prefix >= 96)
    {
        memmove(cidr->addr, cidr->addr + 12, 4);
        memset(cidr->addr + 4, 0, 12);
        cidr->family = 4;
        prefix -= 96;
    }

    cidr->prefix = prefix;

    /* AWS accepts host bits in a block (10.1.2.3/8): clear them */
    bits = prefix;

    for (i = 0; i < 16; i++) {
        if (bits >= 8) {
            bits -= 8;
            continue;
        }
        mask = (unsigned char) (bits ? 0xff << (8 - bits) : 0);
        cidr->addr[i] &= mask;
        bits = 0;
    }

    return 1;
}


int
s3u_cond_cidr_contains(const s3u_cond_cidr_t *net,
    const s3u_cond_cidr_t *addr)
{
    unsigned        full, rest;
    unsigned char   mask;

    if (net->family != addr->family) {
        return 0;
    }

    full = net->prefix / 8;
    rest = net->prefix % 8;

    if (memcmp(net->addr, addr->addr, full) != 0) {
        return 0;
    }

    if (rest == 0) {
        return 1;
    }

    mask = (unsigned char) (0xff << (8 - rest));

    return (net->addr[full] & mask) == (addr->addr[full] & mask);
}
