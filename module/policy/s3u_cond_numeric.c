/*
 * Numeric condition values compared as exact decimals: "1.2" equals
 * "1.20", and 9007199254740993 is not rounded to its neighbour as a double
 * would be.  The parsed form points into the text, so parsing a request
 * value allocates nothing.
 */

#include <string.h>

#include "policy/s3u_cond_int.h"


int
s3u_cond_dec_parse(const char *s, size_t len, s3u_cond_dec_t *dec)
{
    size_t       i, digits;
    const char  *frac_end;

    memset(dec, 0, sizeof(*dec));

    if (s == NULL || len == 0) {
        return 0;
    }

    i = 0;

    if (s[0] == '-' || s[0] == '+') {
        dec->negative = (s[0] == '-');
        i++;
    }

    digits = 0;

    while (i < len && s[i] == '0') {
        i++;
        digits++;
    }

    dec->int_digits = s + i;

    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }

    dec->int_len = (size_t) (s + i - dec->int_digits);
    dec->frac_digits = s + i;

    if (i < len && s[i] == '.') {
        i++;
        dec->frac_digits = s + i;

        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }

        frac_end = s + i;

        while (frac_end > dec->frac_digits && frac_end[-1] == '0') {
            frac_end--;
        }

        dec->frac_len = (size_t) (frac_end - dec->frac_digits);
    }

    if (i != len || digits == 0) {
        return 0;
    }

    if (dec->int_len == 0 && dec->frac_len == 0) {
        dec->negative = 0;      /* -0 is 0 */
    }

    return 1;
}


/* compares magnitudes only */
static int
s3u_cond_dec_cmp_abs(const s3u_cond_dec_t *a, const s3u_cond_dec_t *b)
{
    int     r;
    size_t  i;
    char    da, db;

    if (a->int_len != b->int_len) {
        return a->int_len < b->int_len ? -1 : 1;
    }

    r = memcmp(a->int_digits, b->int_digits, a->int_len);
    if (r != 0) {
        return r < 0 ? -1 : 1;
    }

    for (i = 0; i < a->frac_len || i < b->frac_len; i++) {
        da = i < a->frac_len ? a->frac_digits[i] : '0';
        db = i < b->frac_len ? b->frac_digits[i] : '0';

        if (da != db) {
            return da < db ? -1 : 1;
        }
    }

    return 0;
}


int
s3u_cond_dec_cmp(const s3u_cond_dec_t *a, const s3u_cond_dec_t *b)
{
    if (a->negative != b->negative) {
        return a->negative ? -1 : 1;
    }

    return a->negative ? -s3u_cond_dec_cmp_abs(a, b)
                       : s3u_cond_dec_cmp_abs(a, b);
}
