/*
 * Date condition values: the W3C profile of ISO 8601 that AWS documents
 * (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.fraction]] with a zone
 * of Z, +hh:mm, -hh:mm, +hhmm or +hh; no zone means UTC), or epoch seconds
 * (digits with an optional sign and fraction: aws:EpochTime style).  A
 * string of digits only is read as epoch seconds, never as a bare year.
 */

#include <string.h>

#include "policy/s3u_cond_int.h"


/* days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar */
static int64_t
s3u_cond_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t   era;
    unsigned  yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m + (m > 2 ? (unsigned) -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (int64_t) doe - 719468;
}


static unsigned
s3u_cond_days_in_month(unsigned y, unsigned m)
{
    static const unsigned char  days[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 29;
    }

    return days[m - 1];
}


/* exactly n digits at s[*i]; advances *i */
static int
s3u_cond_date_digits(const char *s, size_t len, size_t *i, size_t n,
    unsigned *out)
{
    size_t  k;

    if (len - *i < n) {
        return 0;
    }

    *out = 0;

    for (k = 0; k < n; k++) {
        if (s[*i + k] < '0' || s[*i + k] > '9') {
            return 0;
        }
        *out = *out * 10 + (unsigned) (s[*i + k] - '0');
    }

    *i += n;

    return 1;
}


/* a fraction ".ddd" at s[*i] (the dot already consumed) into nsec */
static int
s3u_cond_date_fraction(const char *s, size_t len, size_t *i, int32_t *nsec)
{
    size_t   start, k;
    int32_t  scale;

    start = *i;
    *nsec = 0;
    scale = 100000000;

    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        k = *i - start;

        if (k < 9) {
            *nsec += (int32_t) (s[*i] - '0') * scale;
            scale /= 10;
        }

        (*i)++;
    }

    return *i > start;
}


static int
s3u_cond_date_epoch(const char *s, size_t len, s3u_cond_time_t *t)
{
    size_t   i, ndigits;
    int      negative;
    int64_t  sec;
    int32_t  nsec;

    i = 0;
    negative = 0;

    if (s[0] == '-' || s[0] == '+') {
        negative = (s[0] == '-');
        i++;
    }

    sec = 0;
    ndigits = 0;

    while (i < len && s[i] >= '0' && s[i] <= '9') {
        /* 12 digits reach year 33658: enough, and no overflow */
        if (++ndigits > 12) {
            return 0;
        }
        sec = sec * 10 + (s[i] - '0');
        i++;
    }

    if (ndigits == 0) {
        return 0;
    }

    nsec = 0;

    if (i < len && s[i] == '.') {
        i++;
        if (!s3u_cond_date_fraction(s, len, &i, &nsec)) {
            return 0;
        }
    }

    if (i != len) {
        return 0;
    }

    if (negative && (sec != 0 || nsec != 0)) {
        sec = -sec;

        if (nsec != 0) {
            sec -= 1;
            nsec = 1000000000 - nsec;
        }
    }

    t->sec = sec;
    t->nsec = nsec;

    return 1;
}


int
s3u_cond_date_parse(const char *s, size_t len, s3u_cond_time_t *t)
{
    size_t    i;
    unsigned  year, month, day, hour, min, sec, zh, zm;
    int32_t   nsec;
    int64_t   offset;
    int       sign;

    memset(t, 0, sizeof(*t));

    if (s == NULL || len == 0) {
        return 0;
    }

    for (i = (s[0] == '-' || s[0] == '+'); i < len; i++) {
        if ((s[i] < '0' || s[i] > '9') && s[i] != '.') {
            break;
        }
    }

    if (i == len) {
        return s3u_cond_date_epoch(s, len, t);
    }

    i = 0;
    month = 1;
    day = 1;
    hour = 0;
    min = 0;
    sec = 0;
    nsec = 0;
    offset = 0;

    if (!s3u_cond_date_digits(s, len, &i, 4, &year)) {
        return 0;
    }

    if (i < len && s[i] == '-') {
        i++;
        if (!s3u_cond_date_digits(s, len, &i, 2, &month)
            || month < 1 || month > 12)
        {
            return 0;
        }

        if (i < len && s[i] == '-') {
            i++;
            if (!s3u_cond_date_digits(s, len, &i, 2, &day)
                || day < 1 || day > s3u_cond_days_in_month(year, month))
            {
                return 0;
            }

            if (i < len && (s[i] == 'T' || s[i] == 't')) {
                i++;

                if (!s3u_cond_date_digits(s, len, &i, 2, &hour) || hour > 23
                    || i >= len || s[i++] != ':'
                    || !s3u_cond_date_digits(s, len, &i, 2, &min) || min > 59)
                {
                    return 0;
                }

                if (i < len && s[i] == ':') {
                    i++;
                    /* 60: a leap second, which runs into the next minute */
                    if (!s3u_cond_date_digits(s, len, &i, 2, &sec)
                        || sec > 60)
                    {
                        return 0;
                    }

                    if (i < len && (s[i] == '.' || s[i] == ',')) {
                        i++;
                        if (!s3u_cond_date_fraction(s, len, &i, &nsec)) {
                            return 0;
                        }
                    }
                }

                if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
                    i++;

                } else if (i < len && (s[i] == '+' || s[i] == '-')) {
                    sign = (s[i] == '-') ? -1 : 1;
                    i++;
                    zm = 0;

                    if (!s3u_cond_date_digits(s, len, &i, 2, &zh) || zh > 23) {
                        return 0;
                    }

                    if (i < len && s[i] == ':') {
                        i++;
                        if (!s3u_cond_date_digits(s, len, &i, 2, &zm)) {
                            return 0;
                        }

                    } else if (i < len) {
                        if (!s3u_cond_date_digits(s, len, &i, 2, &zm)) {
                            return 0;
                        }
                    }

                    if (zm > 59) {
                        return 0;
                    }

                    offset = sign * (int64_t) (zh * 3600 + zm * 60);
                }
            }
        }
    }

    if (i != len) {
        return 0;
    }

    t->sec = s3u_cond_days_from_civil(year, month, day) * 86400
             + (int64_t) hour * 3600 + (int64_t) min * 60 + sec - offset;
    t->nsec = nsec;

    return 1;
}


int
s3u_cond_time_cmp(const s3u_cond_time_t *a, const s3u_cond_time_t *b)
{
    if (a->sec != b->sec) {
        return a->sec < b->sec ? -1 : 1;
    }

    if (a->nsec != b->nsec) {
        return a->nsec < b->nsec ? -1 : 1;
    }

    return 0;
}
