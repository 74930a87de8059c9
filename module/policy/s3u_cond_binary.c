/*
 * Bool and BinaryEquals values, and the bounded writer the explanations
 * use (it never allocates and always leaves a NUL-terminated line).
 */

#include <string.h>
#include <strings.h>

#include "policy/s3u_cond_int.h"


int
s3u_cond_bool_parse(const char *s, size_t len)
{
    if (s == NULL) {
        return -1;
    }

    if (len == 4 && strncasecmp(s, "true", 4) == 0) {
        return 1;
    }

    if (len == 5 && strncasecmp(s, "false", 5) == 0) {
        return 0;
    }

    return -1;
}


/* --- explanation writer ------------------------------------------------- */

/* a value longer than this is cut in explanations */
#define S3U_COND_OUT_VALUE_MAX  200


void
s3u_cond_out_init(s3u_cond_out_t *o, char *buf, size_t size)
{
    o->buf = buf;
    o->size = buf != NULL ? size : 0;
    o->len = 0;

    if (o->size > 0) {
        o->buf[0] = '\0';
    }
}


static void
s3u_cond_out_char(s3u_cond_out_t *o, char c)
{
    if (o->len + 1 < o->size) {
        o->buf[o->len++] = c;
        o->buf[o->len] = '\0';
    }
}


void
s3u_cond_out_mem(s3u_cond_out_t *o, const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        s3u_cond_out_char(o, s[i]);
    }
}


void
s3u_cond_out_str(s3u_cond_out_t *o, const char *s)
{
    if (s != NULL) {
        s3u_cond_out_mem(o, s, strlen(s));
    }
}


void
s3u_cond_out_plain(s3u_cond_out_t *o, const char *s, size_t len)
{
    size_t         i;
    unsigned char  c;
    static const char  hex[] = "0123456789abcdef";

    for (i = 0; i < len; i++) {
        if (i == S3U_COND_OUT_VALUE_MAX) {
            s3u_cond_out_str(o, "...");
            return;
        }

        c = (unsigned char) s[i];

        if (c < 0x20 || c == 0x7f) {
            s3u_cond_out_str(o, "\\x");
            s3u_cond_out_char(o, hex[c >> 4]);
            s3u_cond_out_char(o, hex[c & 0xf]);

        } else if (c == '"' || c == '\\') {
            s3u_cond_out_char(o, '\\');
            s3u_cond_out_char(o, (char) c);

        } else {
            s3u_cond_out_char(o, (char) c);
        }
    }
}


void
s3u_cond_out_quoted(s3u_cond_out_t *o, const char *s, size_t len)
{
    s3u_cond_out_char(o, '"');
    s3u_cond_out_plain(o, s, len);
    s3u_cond_out_char(o, '"');
}
