/*
 * The detectors' byte-range helpers (detect/s3u_scan.h): loose phrase
 * matching, case-insensitive search, and the field copy every value of a
 * finding goes through.
 */

#include <stdlib.h>
#include <string.h>

#include "detect/s3u_scan.h"
#include "unit.h"


/* s3u_field_set through an exact-size, unterminated copy of src */
static size_t
set(char *dst, size_t size, const char *src)
{
    char    *copy;
    size_t   n, len;

    len = strlen(src);
    copy = malloc(len ? len : 1);
    memcpy(copy, src, len);
    n = s3u_field_set(dst, size, copy, len);
    free(copy);

    return n;
}


static void
test_field_set(void)
{
    char    buf[16], inplace[32];
    size_t  n;

    n = set(buf, sizeof(buf), "  Access \r\n\t Denied  ");
    UNIT_STR(buf, "Access Denied", "trimmed, whitespace folded");
    UNIT_INT(n, strlen(buf), "returns the length");

    set(buf, sizeof(buf), "a\x01\x7f" "b\x1b[31m");
    UNIT_STR(buf, "ab[31m", "control bytes dropped");

    set(buf, 6, "abcdefgh");
    UNIT_STR(buf, "abcde", "cut at size - 1");

    set(buf, 6, "ab \xc3\xa9\xc3\xa9");
    UNIT_STR(buf, "ab \xc3\xa9", "cut before a split UTF-8 sequence");

    set(buf, 4, "ab\xc3\xa9");
    UNIT_STR(buf, "ab", "a two-byte character that does not fit is left out");

    set(buf, 5, "a b\x80\x80\x80");
    UNIT_STR(buf, "a", "no trailing space when nothing fits after it");

    set(buf, 5, "ab cd");
    UNIT_STR(buf, "ab c", "space kept when a byte follows it");

    set(buf, 1, "abc");
    UNIT_STR(buf, "", "size 1 holds only the terminator");

    UNIT_INT(s3u_field_set(buf, sizeof(buf), NULL, 5), 0, "NULL source");
    UNIT_STR(buf, "", "NULL source gives an empty field");
    UNIT_INT(s3u_field_set(buf, 0, "x", 1), 0, "size 0 writes nothing");

    strcpy(inplace, "  x \n y\tz  ");
    s3u_field_set(inplace, sizeof(inplace), inplace, strlen(inplace));
    UNIT_STR(inplace, "x y z", "in place (dst == src)");
}


static void
test_find(void)
{
    static const char  text[] = "xx <ERROR> &LT;Error&gt; Tail";
    const char        *end, *e;

    end = text + strlen(text);

    UNIT_OK(s3u_find(text, end, "Tail") == end - 4, "find: exact");
    UNIT_OK(s3u_find(text, end, "tail") == NULL, "find: case matters");
    UNIT_OK(s3u_find(text, end - 1, "Tail") == NULL, "find: respects end");
    UNIT_OK(s3u_find(text, end, "") == NULL, "find: empty needle");
    UNIT_OK(s3u_find_ci(text, end, "<error>") == text + 3, "find_ci: '<' first");
    UNIT_OK(s3u_find_ci(text, end, "&lt;ERROR&GT;") == text + 11,
            "find_ci: '&' first, letters in any case");
    UNIT_OK(s3u_find_ci(text, end, "TAIL") == end - 4, "find_ci: letter first");
    UNIT_OK(s3u_find_ci(text, end - 1, "tail") == NULL, "find_ci: respects end");

    {
        static const char  s[] = "Because\n   NO  identity-based";
        e = s3u_phrase(s, s + strlen(s), "because no identity");
        UNIT_OK(e == s + strlen("Because\n   NO  identity"),
                "phrase: case and whitespace runs are loose");
        UNIT_OK(s3u_phrase(s, s + strlen(s), "becauseno") == NULL,
                "phrase: letters must still match");
        UNIT_OK(s3u_phrase(s, s + 9, "because no identity") == NULL,
                "phrase: respects end");
    }
}


/* what s3u_field_set makes of a value that fits: whitespace trimmed and
 * folded to one space, other control bytes (and 0x7f) dropped */
static void
fold_model(char *dst, const char *src, size_t len)
{
    size_t  i, n;
    int     space;

    n = 0;
    space = 0;

    for (i = 0; i < len; i++) {
        if ((unsigned char) src[i] <= 0x20 || src[i] == 0x7f) {
            space |= s3u_is_space((unsigned char) src[i]) && n > 0;
            continue;
        }
        if (space) {
            dst[n++] = ' ';
            space = 0;
        }
        dst[n++] = src[i];
    }

    dst[n] = '\0';
}


/*
 * The whole-value test of s3u_field_set's common case judges a value in
 * windows of 4, 8 and 16 bytes put together: every value of up to 40
 * bytes with a space, two spaces, a tab, 0x7f or a control byte at each
 * place (first, last, across every window's edge) against the model.
 */
static void
test_field_set_windows(void)
{
    int          bad;
    char         src[48], want[48], got[64];
    size_t       len, i, k;
    const char  *ins[] = { " ", "  ", "\t", "\x7f", "\x01", " \x01",
                           "\xc3\xa9" };

    bad = 0;

    for (len = 1; len <= 40; len++) {
        for (i = 0; i < len; i++) {
            for (k = 0; k < sizeof(ins) / sizeof(ins[0]); k++) {
                memset(src, 'a', len);
                memcpy(src + i, ins[k],
                       i + strlen(ins[k]) <= len ? strlen(ins[k]) : len - i);
                src[len] = '\0';
                /* a second space further on: two plain runs */
                if (k == 0 && i + 3 < len) {
                    src[i + 2] = ' ';
                }

                fold_model(want, src, len);
                set(got, sizeof(got), src);
                if (strcmp(got, want) != 0 && bad++ < 5) {
                    printf("# len %zu at %zu insert %zu: \"%s\" not \"%s\"\n",
                           len, i, k, got, want);
                }
            }
        }
    }

    UNIT_INT(bad, 0, "field set: spaces and controls at every place of"
             " values up to 40 bytes");
}


/* s3u_code_end searches in windows of 16 and 8 bytes: a stop at every
 * place of codes up to 40 bytes, read through exact-size copies */
static void
test_code_end_windows(void)
{
    int          bad;
    char        *copy;
    size_t       len, i, k, want;
    const char  *e;
    const char   stops[] = { ' ', '/', ':', '@', '[', '`', '{', '\x7f', '\x80',
                             '\xe9', '\0', '-', '_' };

    bad = 0;

    for (len = 1; len <= 40; len++) {
        copy = malloc(len);
        for (i = 0; i <= len; i++) {
            for (k = 0; k < sizeof(stops); k++) {
                memset(copy, 'A', len);
                memcpy(copy, "aZ09.zY", len < 7 ? len : 7);
                if (i < len) {
                    copy[i] = stops[k];
                }
                want = i;
                e = s3u_code_end(copy, copy + len);
                if (e != copy + want && bad++ < 5) {
                    printf("# len %zu stop %zu (0x%02x) at %zu: got %td\n",
                           len, k, (unsigned char) stops[k], i, e - copy);
                }
            }
        }
        free(copy);
    }

    UNIT_INT(bad, 0, "code end: a stop at every place of codes up to 40"
             " bytes");
}


static void
test_numbers_and_codes(void)
{
    static const char  s[] = "403, 4031 99 AccessDenied.x: y";

    UNIT_INT(s3u_parse_status(s, s + 3), 403, "status 403");
    UNIT_INT(s3u_parse_status(s + 5, s + 9), 0, "four digits are no status");
    UNIT_INT(s3u_parse_status(s + 10, s + 12), 0, "two digits are no status");
    UNIT_INT(s3u_parse_status(s, s + 2), 0, "status cut by end");
    UNIT_OK(s3u_code_end(s + 13, s + strlen(s)) == s + 27,
            "code end: letters, digits and '.'");
    UNIT_OK(s3u_eq("abc", 3, "abc") && !s3u_eq("abc", 2, "abc"),
            "eq compares lengths");
    UNIT_OK(s3u_is_space('\v') && !s3u_is_space('x') && !s3u_is_space(0x85),
            "is_space");
}


int
main(void)
{
    test_field_set();
    test_field_set_windows();
    test_find();
    test_numbers_and_codes();
    test_code_end_windows();

    return UNIT_DONE();
}
