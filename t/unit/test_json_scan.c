/*
 * The detectors' JSON reader (detect/s3u_json_scan.h): the language it
 * accepts and refuses, the depth limit, member lookup (first of duplicate
 * names, names with escapes or a NUL, the word compare at 8 and 16
 * bytes), iteration, text and numbers.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/s3u_json_scan.h"
#include "unit.h"


/* every document is checked through an exact-size copy, so that a read
 * past its end is caught by valgrind or AddressSanitizer */
typedef struct {
    char              *copy;
    size_t             len;
    const char        *end;     /* where the check stopped, NULL refused */
    s3u_json_value_t   root;
} doc_t;


static const char *
check_bytes(doc_t *d, const char *text, size_t len, int depth,
    s3u_json_names_t *names, s3u_json_value_t *found)
{
    free(d->copy);
    d->copy = malloc(len ? len : 1);
    memcpy(d->copy, text, len);
    d->len = len;
    memset(&d->root, 0, sizeof(d->root));
    d->end = s3u_json_check(d->copy, d->copy + len, depth, &d->root, names,
                            found);
    return d->end;
}


#define CHECK(d, s)  check_bytes((d), (s), sizeof(s) - 1, 64, NULL, NULL)


/* 1 when text is one whole document (nothing after the value) */
static int
accepted(doc_t *d, const char *text)
{
    size_t  len;

    len = strlen(text);
    return check_bytes(d, text, len, 64, NULL, NULL) == d->copy + len;
}


static int
accepted_bytes(doc_t *d, const char *text, size_t len)
{
    return check_bytes(d, text, len, 64, NULL, NULL) == d->copy + len;
}


/* for literals holding a NUL */
#define ACCEPTED(d, s)  accepted_bytes((d), (s), sizeof(s) - 1)


/* the text of a string value as a NUL-terminated copy (static) */
static const char *
text_of(const s3u_json_value_t *v)
{
    static char  buf[256];
    size_t       len;
    const char  *s;

    if (s3u_json_text(v, &s, &len) != 0) {
        return "(error)";
    }
    if (len >= sizeof(buf)) {
        len = sizeof(buf) - 1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';

    return buf;
}


static void
test_language(void)
{
    doc_t  d;

    memset(&d, 0, sizeof(d));

    UNIT_OK(accepted(&d, "{\"a\":[1,-2.5e+3,\"x\",true,false,null,{}],"
                         "\"b\":{\"c\":[]}}"), "every kind of value");
    UNIT_INT(d.root.type, S3U_JSON_OBJECT, "root type object");
    UNIT_OK(accepted(&d, " \t\r\n{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }"),
            "JSON whitespace everywhere");
    UNIT_OK(accepted(&d, "\"s\""), "a string document");
    UNIT_INT(d.root.type, S3U_JSON_STRING, "root type string");
    UNIT_OK(accepted(&d, "12"), "a number document");
    UNIT_OK(accepted(&d, "null"), "a null document");
    UNIT_OK(accepted(&d, "[]"), "an empty array");

    /* the earlier parser's leniencies, kept */
    UNIT_OK(ACCEPTED(&d, "{\"a\":\x01\x00 1\x1f}"),
            "any byte up to 0x20 is whitespace");
    UNIT_OK(ACCEPTED(&d, "[\"a\x01\n\tb\"]"),
            "raw control bytes in a string");
    UNIT_OK(ACCEPTED(&d, "[\"a\0b\"]"), "a raw NUL in a string");
    UNIT_INT(d.root.flags & S3U_JSON_NUL, S3U_JSON_NUL,
             "a raw NUL marks the document");
    UNIT_OK(accepted(&d, "[\"\xff\xfe\xc0\x80\"]"), "invalid UTF-8 is bytes");
    UNIT_OK(accepted(&d, "[01,1.,-.5,1.e5,-0,00.0e-0]"),
            "numbers strtod reads whole");
    UNIT_OK(accepted(&d, "[\"\\ud83d\\ude00\\u00E9\\/\\b\\f\\n\\r\\t\\\"\\\\\"]"),
            "every escape, a surrogate pair");

    /* refused */
    UNIT_OK(!accepted(&d, ""), "empty");
    UNIT_OK(!accepted(&d, "  \n"), "whitespace only");
    UNIT_OK(!accepted(&d, "{\"a\":1,}"), "trailing comma in an object");
    UNIT_OK(!accepted(&d, "[1,]"), "trailing comma in an array");
    UNIT_OK(!accepted(&d, "{\"a\" 1}"), "missing colon");
    UNIT_OK(!accepted(&d, "{'a':1}"), "single quotes");
    UNIT_OK(!accepted(&d, "{a:1}"), "bare name");
    UNIT_OK(!accepted(&d, "{1:1}"), "number as name");
    UNIT_OK(!accepted(&d, "[nul]"), "short literal");
    UNIT_OK(!accepted(&d, "[True]"), "capital literal");
    UNIT_OK(!accepted(&d, "[\"abc]"), "unterminated string");
    UNIT_OK(!accepted(&d, "[\"abc\\"), "backslash at the end");
    UNIT_OK(!accepted(&d, "[\"\\x41\"]"), "unknown escape");
    UNIT_OK(!accepted(&d, "[\"\\u00zz\"]"), "non-hex \\u digits");
    UNIT_OK(!accepted(&d, "[\"\\u12\"]"), "short \\u escape");
    UNIT_OK(!accepted(&d, "[\"\\u1\\\"ab\"]"),
            "a quote among the \\u digits");
    UNIT_OK(!accepted(&d, "[\"\\udc00\"]"), "lone low surrogate");
    UNIT_OK(!accepted(&d, "[\"\\ud800\"]"), "lone high surrogate");
    UNIT_OK(!accepted(&d, "[\"\\ud800x\\udc00\"]"),
            "high surrogate not followed by the low one");
    UNIT_OK(!accepted(&d, "[\"\\ud800\\u0041\"]"),
            "high surrogate followed by a non-surrogate");
    UNIT_OK(!accepted(&d, "[1e]"), "exponent without digits");
    UNIT_OK(!accepted(&d, "[1e+]"), "signed exponent without digits");
    UNIT_OK(!accepted(&d, "[+1]"), "plus sign");
    UNIT_OK(!accepted(&d, "[.5]"), "leading point");
    UNIT_OK(!accepted(&d, "[-]"), "minus alone");
    UNIT_OK(!accepted(&d, "[--1]"), "two minus signs");
    UNIT_OK(!accepted(&d, "[1.2.3]"), "two points");
    UNIT_OK(!accepted(&d, "[1-2]"), "minus inside");
    UNIT_OK(!accepted(&d, "[1e5e]"), "more of the run after the exponent");
    UNIT_OK(!accepted(&d, "[0x10]"), "hex");
    UNIT_OK(!ACCEPTED(&d, "{\"a\":\x7f 1}"), "DEL is no whitespace");
    UNIT_OK(!accepted(&d, "{\"a\":1}}"), "a closing brace too many");
    UNIT_OK(!accepted(&d, "[1}"), "mismatched bracket");
    UNIT_OK(!accepted(&d, "{\"a\":1]"), "mismatched brace");

    /* where the value ends */
    UNIT_OK(check_bytes(&d, "12 x", 4, 64, NULL, NULL) == d.copy + 2,
            "the check stops after the value");
    UNIT_OK(check_bytes(&d, "{} ", 3, 64, NULL, NULL) == d.copy + 2,
            "trailing whitespace is the caller's");
    UNIT_OK(check_bytes(&d, "2024-03-01", 10, 64, NULL, NULL) == d.copy + 4,
            "a root number is what strtod reads of the run");
    UNIT_OK(check_bytes(&d, "1e5e", 4, 64, NULL, NULL) == d.copy + 3,
            "up to the exponent's digits");
    UNIT_OK(check_bytes(&d, "1e+x", 4, 64, NULL, NULL) == d.copy + 1,
            "an exponent without digits is left out");

    /* a BOM counts only when more than four bytes are given */
    UNIT_OK(accepted(&d, "\xef\xbb\xbf{\"a\":1}"), "BOM before an object");
    UNIT_OK(d.root.p == d.copy + 3, "root starts after the BOM");
    UNIT_OK(accepted(&d, "\xef\xbb\xbf \n[]"), "BOM then whitespace");
    UNIT_OK(accepted(&d, "\xef\xbb\xbf" "12"), "BOM and two bytes");
    UNIT_OK(!accepted(&d, "\xef\xbb\xbf" "1"), "BOM and one byte");
    UNIT_OK(!accepted(&d, " \xef\xbb\xbf[]"), "BOM after whitespace");
    UNIT_OK(!accepted(&d, "\xef\xbb\xbf\xef\xbb\xbf[]"), "two BOMs");

    free(d.copy);
}


static void
test_depth(void)
{
    char    *buf;
    size_t   i, n;
    doc_t    d;

    memset(&d, 0, sizeof(d));
    buf = malloc(400000);

    for (n = 63; n <= 65; n++) {
        memset(buf, '[', n);
        memset(buf + n, ']', n);
        UNIT_INT(check_bytes(&d, buf, 2 * n, 64, NULL, NULL) != NULL, n <= 64,
                 "%zu nested arrays with a limit of 64", n);
    }

    for (i = 0, n = 0; n < 65; n++, i += 5) {
        memcpy(buf + i, "{\"a\":", 5);
    }
    buf[i++] = '1';
    memset(buf + i, '}', 65);
    UNIT_OK(check_bytes(&d, buf, i + 65, 64, NULL, NULL) == NULL,
            "65 nested objects refused");
    UNIT_OK(check_bytes(&d, buf + 5, i + 64 - 5, 64, NULL, NULL)
            == d.copy + i + 64 - 5, "64 nested objects accepted");

    memset(buf, '[', 200000);
    memset(buf + 200000, ']', 200000);
    UNIT_OK(check_bytes(&d, buf, 400000, 64, NULL, NULL) == NULL,
            "200,000 levels refused without recursion");
    UNIT_OK(check_bytes(&d, buf + 200000 - 256, 512, 1000, NULL, NULL)
            == d.copy + 512, "a limit over 256 allows 256 levels");
    UNIT_OK(check_bytes(&d, buf + 200000 - 257, 514, 1000, NULL, NULL)
            == NULL, "and no more");

    /* brackets in strings do not count */
    UNIT_OK(check_bytes(&d, "[\"[[[[\",\"\\\"]]\"]", 15, 1, NULL, NULL)
            == d.copy + 15, "brackets in strings are not nesting");

    free(buf);
    free(d.copy);
}


enum {
    N_CODE = 0, N_MESSAGE, N_STATUS, N_ERID, N_EIGHT, N_NINE, N_SIXTEEN,
    N_SEVENTEEN, N_EMPTY, N_LONG, N_MAX
};

static const s3u_json_name_t  test_names[N_MAX] = {
    [N_CODE] = S3U_JSON_NAME("code"),
    [N_MESSAGE] = S3U_JSON_NAME("message"),
    [N_STATUS] = S3U_JSON_NAME("statusCode"),
    [N_ERID] = S3U_JSON_NAME("extendedRequestId"),
    [N_EIGHT] = S3U_JSON_NAME("abcdefgh"),
    [N_NINE] = S3U_JSON_NAME("abcdefghi"),
    [N_SIXTEEN] = S3U_JSON_NAME("abcdefghijklmnop"),
    [N_SEVENTEEN] = S3U_JSON_NAME("abcdefghijklmnopq"),
    [N_EMPTY] = S3U_JSON_NAME(""),
    [N_LONG] = S3U_JSON_NAME("a name of more than sixty-three bytes, which, "
                             "being that long, is never found"),
};

static s3u_json_names_t  names = S3U_JSON_NAMES(test_names);


/* members of the root read by the check, and by s3u_json_members: they
 * must agree; returns the check's */
static int
members(doc_t *d, const char *text, size_t len, s3u_json_value_t *found)
{
    size_t            i;
    s3u_json_value_t  again[N_MAX];

    if (check_bytes(d, text, len, 64, &names, found) == NULL) {
        return 0;
    }

    s3u_json_members(&d->root, &names, again);

    for (i = 0; i < N_MAX; i++) {
        if (found[i].type != again[i].type
            || (found[i].type != S3U_JSON_NONE
                && (found[i].p != again[i].p || found[i].end != again[i].end
                    || found[i].flags != again[i].flags)))
        {
            printf("# the check and s3u_json_members disagree on %s\n",
                   test_names[i].name);
            return 0;
        }
    }

    return 1;
}


#define MEMBERS(d, s, f)  members((d), (s), sizeof(s) - 1, (f))


static void
test_members(void)
{
    doc_t             d;
    s3u_json_value_t  f[N_MAX];

    memset(&d, 0, sizeof(d));

    UNIT_OK(MEMBERS(&d, "{\"message\":\"m\",\"code\":\"AccessDenied\","
                    "\"statusCode\":403}", f), "a flat object");
    UNIT_INT(f[N_CODE].type, S3U_JSON_STRING, "code is a string");
    UNIT_STR(text_of(&f[N_CODE]), "AccessDenied", "code text");
    UNIT_INT(f[N_STATUS].type, S3U_JSON_NUMBER, "statusCode is a number");
    UNIT_INT(f[N_ERID].type, S3U_JSON_NONE, "absent name not found");

    UNIT_OK(MEMBERS(&d, "{\"code\":\"first\",\"code\":\"second\"}", f),
            "duplicate names");
    UNIT_STR(text_of(&f[N_CODE]), "first", "the first of duplicates");

    UNIT_OK(MEMBERS(&d, "{\"code\":{\"code\":\"inner\",\"message\":\"i\"},"
                    "\"code\":\"outer\"}", f), "nested same names");
    UNIT_INT(f[N_CODE].type, S3U_JSON_OBJECT, "the first, an object");
    UNIT_INT(f[N_CODE].end - f[N_CODE].p,
             strlen("{\"code\":\"inner\",\"message\":\"i\"}"), "its whole span");
    UNIT_INT(f[N_MESSAGE].type, S3U_JSON_NONE,
             "a nested member is not the root's");

    UNIT_OK(MEMBERS(&d, "{\"x\":{\"a\":[1,{\"b\":2}]},\"message\":\"after\"}",
                    f), "a member after a nested object");
    UNIT_STR(text_of(&f[N_MESSAGE]), "after", "found past the nesting");

    UNIT_OK(MEMBERS(&d, "{\"co\\u0064e\":\"esc\"}", f), "escaped name");
    UNIT_STR(text_of(&f[N_CODE]), "esc", "matches unescaped");
    UNIT_OK(MEMBERS(&d, "{\"\\u0063\\u006F\\u0064\\u0065\":1}", f),
            "every byte escaped, upper-case hex");
    UNIT_INT(f[N_CODE].type, S3U_JSON_NUMBER, "matches");
    UNIT_OK(MEMBERS(&d, "{\"code\\u0000junk\":1}", f), "\\u0000 in a name");
    UNIT_INT(f[N_CODE].type, S3U_JSON_NUMBER, "the name ends at the NUL");
    UNIT_OK(MEMBERS(&d, "{\"code\0junk\":1}", f), "raw NUL in a name");
    UNIT_INT(f[N_CODE].type, S3U_JSON_NUMBER, "the name ends at the NUL");
    UNIT_OK(MEMBERS(&d, "{\"cod\\/e\":1,\"code\\n\":2,\"Code\":3,\"cod\":4,"
                    "\"codes\":5}", f), "near misses");
    UNIT_INT(f[N_CODE].type, S3U_JSON_NONE, "none of them is code");
    UNIT_OK(MEMBERS(&d, "{\"\":7}", f), "the empty name");
    UNIT_INT(f[N_EMPTY].type, S3U_JSON_NUMBER, "found");

    /* the word compare: the first and the last eight bytes, the middle of
     * longer names byte by byte */
    UNIT_OK(MEMBERS(&d, "{\"abcdefgX\":1,\"abcdefXhi\":1,\"abcdefghijkXmnop\":1,"
                    "\"abcdefghXjklmnopq\":1,\"Xbcdefgh\":1}", f),
            "names that differ in one byte");
    UNIT_INT(f[N_EIGHT].type + f[N_NINE].type + f[N_SIXTEEN].type
             + f[N_SEVENTEEN].type, 0, "none found");
    UNIT_OK(MEMBERS(&d, "{\"abcdefgh\":8,\"abcdefghi\":9,\"abcdefghijklmnop\":16,"
                    "\"abcdefghijklmnopq\":17}", f), "the names themselves");
    UNIT_INT(f[N_EIGHT].type + f[N_NINE].type + f[N_SIXTEEN].type
             + f[N_SEVENTEEN].type, 4 * S3U_JSON_NUMBER, "all found");
    UNIT_OK(MEMBERS(&d, "{\"extendedRequestIx\":1,\"extendedXequestId\":1}", f),
            "seventeen bytes, differing in the middle or the end");
    UNIT_INT(f[N_ERID].type, S3U_JSON_NONE, "not found");
    UNIT_OK(MEMBERS(&d, "{\"a name of more than sixty-three bytes, which, "
                    "being that long, is never found\":1}", f),
            "a name over the maximum");
    UNIT_INT(f[N_LONG].type, S3U_JSON_NONE, "never found");

    /* a short name at the very end of the buffer: read without a word
     * load past it (valgrind, ASan) */
    UNIT_OK(MEMBERS(&d, "{\"\":1}", f), "a short document");
    UNIT_OK(MEMBERS(&d, "{\"code\":1}", f), "a short name at the end");
    UNIT_INT(f[N_CODE].type, S3U_JSON_NUMBER, "found");

    UNIT_OK(MEMBERS(&d, "[{\"code\":1}]", f), "an array root");
    UNIT_INT(f[N_CODE].type, S3U_JSON_NONE, "has no members");
    UNIT_OK(MEMBERS(&d, "\"code\"", f), "a string root");
    UNIT_INT(f[N_CODE].type, S3U_JSON_NONE, "has no members");

    UNIT_OK(MEMBERS(&d, "{\"message\":\"a\\\"b\",\"code\":\"plain\"}", f),
            "escape flags");
    UNIT_INT(f[N_MESSAGE].flags, S3U_JSON_ESCAPED, "an escaped text");
    UNIT_INT(f[N_CODE].flags, 0, "a plain text");
    UNIT_OK(MEMBERS(&d, "{\"message\":\"a\",\"code\":\"b\0c\"}", f),
            "a NUL in a later string");
    UNIT_INT(f[N_MESSAGE].flags & S3U_JSON_NUL, S3U_JSON_NUL,
             "every member knows the document has a NUL");
    UNIT_STR(text_of(&f[N_CODE]), "b", "the text ends at the NUL");

    free(d.copy);
}


/*
 * The edges of the members loop's shortcuts: names longer than 63 bytes
 * whose first byte and length & 63 are a wanted name's (the prefilter
 * lets them by), short names masked by length, numbers read from the byte
 * after their first, and the root object ended by the loop.
 */
static void
test_member_edges(void)
{
    char              text[256];
    size_t            n, k;
    doc_t             d;
    s3u_json_value_t  f[N_MAX];

    memset(&d, 0, sizeof(d));

    /* "c" and 67 more bytes: 68 & 63 is the length of "code" */
    for (k = 64; k < 64 + 18; k++) {
        n = 0;
        text[n++] = '{';
        text[n++] = '"';
        text[n++] = 'c';
        text[n++] = 'o';
        memset(text + n, 'd', k - 2);
        n += k - 2;
        memcpy(text + n, "\":1,\"code\":\"X\"}", 16);
        n += 16;
        UNIT_OK(members(&d, text, n, f), "a name of %zu bytes", k);
        UNIT_STR(text_of(&f[N_CODE]), "X", "not taken for code (%zu)", k);
    }

    UNIT_OK(MEMBERS(&d, "{\"cod\":1,\"code\":2,\"codex\":3}", f),
            "names around code's length");
    UNIT_INT(f[N_CODE].end - f[N_CODE].p, 1, "code is the 2");
    UNIT_INT(f[N_CODE].p[0], '2', "code is the 2");
    UNIT_OK(MEMBERS(&d, "{\"codx\":1,\"code\":2,\"messagx\":3,"
                    "\"message\":4}", f), "the last byte of short names");
    UNIT_INT(f[N_CODE].p[0], '2', "code is the 2, not codx");
    UNIT_INT(f[N_MESSAGE].p[0], '4', "message is the 4, not messagx");
    UNIT_OK(MEMBERS(&d, "{\"abcdefg\":1,\"abcdefgh\":2}", f),
            "a seven-byte name");
    UNIT_INT(f[N_EIGHT].p[0], '2', "the eight-byte name only");

    UNIT_OK(!MEMBERS(&d, "{\"statusCode\":-}", f), "a lone minus");
    UNIT_OK(!MEMBERS(&d, "{\"statusCode\":-a}", f), "a minus, a letter");
    UNIT_OK(MEMBERS(&d, "{\"statusCode\":7}", f), "one digit");
    UNIT_INT(f[N_STATUS].end - f[N_STATUS].p, 1, "one digit's length");
    UNIT_OK(MEMBERS(&d, "{\"statusCode\":-7}", f), "a minus, a digit");
    UNIT_INT(f[N_STATUS].end - f[N_STATUS].p, 2, "its length");
    UNIT_OK(MEMBERS(&d, "{\"statusCode\":403,\"code\":\"x\"}", f),
            "a status then a text");
    UNIT_INT(f[N_STATUS].end - f[N_STATUS].p, 3, "the status' length");
    UNIT_OK(MEMBERS(&d, "{\"statusCode\":4.5e1}", f), "an exponent");
    UNIT_INT(f[N_STATUS].end - f[N_STATUS].p, 5, "read in full");
    UNIT_OK(!MEMBERS(&d, "{\"statusCode\":7", f), "a digit at the end");
    UNIT_OK(!MEMBERS(&d, "{\"statusCode\":-", f), "a minus at the end");

    UNIT_OK(MEMBERS(&d, "{\"code\":\"x\"}", f), "the root ended");
    UNIT_INT(d.root.type, S3U_JSON_OBJECT, "the root is an object");
    UNIT_INT(d.root.end - d.copy, 12, "the root's end");
    UNIT_INT(d.root.flags, 0, "no NUL");
    UNIT_OK(MEMBERS(&d, "{\"code\":\"x\0\"}", f), "a NUL, the root ended");
    UNIT_INT(d.root.flags, S3U_JSON_NUL, "the root knows of the NUL");
    UNIT_INT(f[N_CODE].flags & S3U_JSON_NUL, S3U_JSON_NUL,
             "and the members");
    UNIT_OK(MEMBERS(&d, "{\"code\":\"x\"}  ", f), "space after the root");
    UNIT_INT(d.end - d.copy, 12, "the check stops after the root");

    free(d.copy);
}


static void
test_iteration(void)
{
    int               n, types;
    doc_t             d;
    s3u_json_iter_t   it;
    s3u_json_value_t  key, val;

    memset(&d, 0, sizeof(d));

    CHECK(&d, "[ 1 , \"a]\\\"}\" , {\"x\":[\"]\"]} , [[]] , null ]");
    UNIT_OK(d.end == d.copy + d.len, "an array of everything");

    n = 0;
    types = 0;
    s3u_json_iter(&it, &d.root);
    while (s3u_json_next(&it, NULL, &val)) {
        n++;
        types = types * 10 + val.type;
    }
    UNIT_INT(n, 5, "five elements");
    UNIT_INT(types, S3U_JSON_NUMBER * 10000 + S3U_JSON_STRING * 1000
             + S3U_JSON_OBJECT * 100 + S3U_JSON_ARRAY * 10 + S3U_JSON_NULL,
             "of the right types, nesting skipped");

    CHECK(&d, "{\"a\":1,\"b\\u0041\":{\"c\":\"}\"},\"d\":\"e\"}");
    UNIT_OK(d.end == d.copy + d.len, "an object");

    n = 0;
    s3u_json_iter(&it, &d.root);
    while (s3u_json_next(&it, &key, &val)) {
        n++;
        if (n == 2) {
            UNIT_STR(text_of(&key), "bA", "a name is a string value");
            UNIT_INT(val.end - val.p, 9, "its value's span");
        }
        if (n == 3) {
            UNIT_STR(text_of(&val), "e", "the last value");
        }
    }
    UNIT_INT(n, 3, "three members");

    s3u_json_iter(&it, &key);
    UNIT_INT(s3u_json_next(&it, NULL, &val), 0, "a string has no elements");

    CHECK(&d, "{ }");
    s3u_json_iter(&it, &d.root);
    UNIT_INT(s3u_json_next(&it, &key, &val), 0, "an empty object");

    free(d.copy);
}


/* the cached lengths of containers: a second walk over the same
 * containers steps over them at once, and a new document where the last
 * one was does not get its lengths */
static void
test_lengths(void)
{
    int               n;
    char             *buf;
    doc_t             d;
    s3u_json_iter_t   it;
    s3u_json_value_t  f[N_MAX], v;

    memset(&d, 0, sizeof(d));

    buf = malloc(28);
    memcpy(buf, "{\"x\":[[1,2],[3]],\"code\":1}  ", 28);
    s3u_json_check(buf, buf + 26, 64, &d.root, NULL, NULL);
    s3u_json_members(&d.root, &names, f);
    UNIT_INT(f[N_CODE].type, S3U_JSON_NUMBER, "a member after nested arrays");
    s3u_json_members(&d.root, &names, f);
    UNIT_INT(f[N_CODE].type, S3U_JSON_NUMBER, "found again, lengths cached");

    /* the same bytes rewritten in place: the arrays have other lengths */
    memcpy(buf, "{\"x\":[[1],[2,3]],\"code\":[4]}", 28);
    UNIT_OK(s3u_json_check(buf, buf + 28, 64, &d.root, NULL, NULL)
            == buf + 28, "another document in the same place");
    s3u_json_members(&d.root, &names, f);
    UNIT_INT(f[N_CODE].type, S3U_JSON_ARRAY, "its member, not the old lengths");

    s3u_json_iter(&it, &d.root);
    n = 0;
    while (s3u_json_next(&it, NULL, &v)) {
        n++;
        if (n == 1) {
            UNIT_INT(v.end - v.p, 11, "the nested arrays' span");
        }
    }
    UNIT_INT(n, 2, "two members");

    free(buf);
    free(d.copy);
}


static void
test_text(void)
{
    char             *big;
    size_t            len, i;
    doc_t             d;
    const char       *s, *s2;
    s3u_json_mark_t   m, m2;
    s3u_json_iter_t   it;
    s3u_json_value_t  v;

    memset(&d, 0, sizeof(d));

    CHECK(&d, "\"plain\"");
    UNIT_INT(s3u_json_text(&d.root, &s, &len), 0, "plain text");
    UNIT_OK(s == d.copy + 1 && len == 5, "a span of the document");

    CHECK(&d, "\"a\\n\\/\\u00e9\\u20AC\\ud83d\\ude00\\\"\"");
    UNIT_STR(text_of(&d.root), "a\n/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
             "escapes decoded to UTF-8");

    CHECK(&d, "\"ab\\u0000cd\"");
    UNIT_INT(s3u_json_text(&d.root, &s, &len), 0, "\\u0000");
    UNIT_INT(len, 2, "cuts the text");

    CHECK(&d, "[\"ab\0cd\",\"x\"]");
    s3u_json_iter(&it, &d.root);
    s3u_json_next(&it, NULL, &v);
    UNIT_INT(s3u_json_text(&v, &s, &len), 0, "raw NUL");
    UNIT_OK(len == 2 && s == d.copy + 2, "cuts the span");
    s3u_json_next(&it, NULL, &v);
    UNIT_STR(text_of(&v), "x", "the next string");

    CHECK(&d, "1");
    UNIT_INT(s3u_json_text(&d.root, &s, &len), -1, "a number has no text");

    /* the scratch is a stack */
    CHECK(&d, "\"x\\ty\"");
    m = s3u_json_mark();
    s3u_json_text(&d.root, &s, &len);
    s3u_json_text(&d.root, &s2, &len);
    UNIT_OK(s2 != s, "two texts, two places");
    s3u_json_release(m);
    m2 = s3u_json_mark();
    UNIT_OK(m2.used == m.used && m2.heap == m.heap,
            "released: the scratch is back to the mark");

    /* texts bigger than the scratch: heap blocks, released too */
    len = 200000;
    big = malloc(len);
    big[0] = '"';
    for (i = 1; i + 2 < len; i += 2) {
        memcpy(big + i, "\\t", 2);
    }
    big[i++] = '"';
    check_bytes(&d, big, i, 64, NULL, NULL);
    UNIT_OK(d.end == d.copy + i, "a 200 KB string");
    m = s3u_json_mark();
    UNIT_INT(s3u_json_text(&d.root, &s, &len), 0, "decoded");
    UNIT_INT(len, (i - 2) / 2, "to its whole length");
    UNIT_OK(s[0] == '\t' && s[len - 1] == '\t', "every byte");
    UNIT_INT(s3u_json_text(&d.root, &s2, &len), 0, "a second one");
    UNIT_OK(s2 != s && s2[len - 1] == '\t', "in its own block");
    s3u_json_release(m);
    m2 = s3u_json_mark();
    UNIT_OK(m2.used == m.used && m2.heap == m.heap, "blocks freed");

    free(big);
    free(d.copy);
}


static double
number_of(doc_t *d, const char *text)
{
    if (check_bytes(d, text, strlen(text), 64, NULL, NULL) == NULL) {
        return -12345;
    }

    return s3u_json_number(&d->root);
}


static void
test_numbers(void)
{
    char   buf[128];
    doc_t  d;

    memset(&d, 0, sizeof(d));

    UNIT_OK(number_of(&d, "403") == 403, "an integer");
    UNIT_OK(number_of(&d, "-403") == -403, "a negative one");
    UNIT_OK(number_of(&d, "0403") == 403, "leading zero");
    UNIT_OK(number_of(&d, "403.0") == 403, "a point");
    UNIT_OK(number_of(&d, "4.03e2") == 403, "an exponent");
    UNIT_OK(number_of(&d, "4030E-1") == 403, "a negative exponent");
    UNIT_OK(number_of(&d, "403.") == 403, "a trailing point");
    UNIT_OK(number_of(&d, "403.9") == 403.9, "a fraction");
    UNIT_OK(number_of(&d, "99.999999999999999999") == 100,
            "rounded as strtod rounds");
    UNIT_OK(number_of(&d, "999999999999999") == 999999999999999.0,
            "fifteen digits");
    UNIT_OK(number_of(&d, "12345678901234567890") == 12345678901234567890.0,
            "twenty digits");
    snprintf(buf, sizeof(buf), "403%073de-73", 0);
    UNIT_OK(number_of(&d, buf) == 403, "over 63 bytes");
    UNIT_OK(isinf(number_of(&d, "1e400")), "too big: infinity");
    UNIT_OK(signbit(number_of(&d, "-0")) && number_of(&d, "-0") == 0,
            "negative zero");

    CHECK(&d, "\"403\"");
    UNIT_OK(isnan(s3u_json_number(&d.root)), "a string is no number");

    free(d.copy);
}


/*
 * A string's closing quote is searched inline and anything else (an
 * escape, a NUL, the end) is read out of line: an escape at every place of
 * a member's value, across the search's 16-byte windows, and the member
 * and the whole document read as they should.
 */
static void
test_string_stops(void)
{
    int               bad, ok, want_ok;
    char              doc[128], want[64];
    size_t            a, k, n, wn, len;
    const char       *got;
    doc_t             d;
    s3u_json_value_t  found[1];

    static s3u_json_name_t   name[] = { S3U_JSON_NAME("k") };
    static s3u_json_names_t  names = S3U_JSON_NAMES(name);

    static const struct {
        const char  *raw;
        size_t       len;
        const char  *text;      /* NULL: the document is refused */
        size_t       text_len;
        int          flags;
    } stops[] = {
        { "\\n", 2, "\n", 1, S3U_JSON_ESCAPED },
        { "\\\"", 2, "\"", 1, S3U_JSON_ESCAPED },
        { "\\u00e9", 6, "\xc3\xa9", 2, S3U_JSON_ESCAPED },
        { "\\ud83d\\ude00", 12, "\xf0\x9f\x98\x80", 4, S3U_JSON_ESCAPED },
        { "\0", 1, "", 0, S3U_JSON_NUL },
        { "\\x", 2, NULL, 0, 0 },
        { "\\ud800x", 7, NULL, 0, 0 },
        { "\\u12\"", 5, NULL, 0, 0 },
        { "\\", 1, NULL, 0, 0 },
    };

    memset(&d, 0, sizeof(d));
    bad = 0;

    for (a = 0; a <= 40; a++) {
        for (k = 0; k < sizeof(stops) / sizeof(stops[0]); k++) {
            n = 0;
            memcpy(doc, "{\"k\":\"", 6);
            n = 6;
            memset(doc + n, 'x', a);
            n += a;
            memcpy(doc + n, stops[k].raw, stops[k].len);
            n += stops[k].len;
            memcpy(doc + n, "yyy\"}", 5);
            n += 5;

            /* the text: the plain bytes, the stop's, then "yyy" unless a
             * NUL cut it */
            memset(want, 'x', a);
            wn = a;
            if (stops[k].text != NULL) {
                memcpy(want + wn, stops[k].text, stops[k].text_len);
                wn += stops[k].text_len;
                if (!(stops[k].flags & S3U_JSON_NUL)) {
                    memcpy(want + wn, "yyy", 3);
                    wn += 3;
                }
            }

            want_ok = (stops[k].text != NULL);
            ok = (check_bytes(&d, doc, n, 64, &names, found) == d.copy + n);

            if (ok != want_ok) {
                if (bad++ < 5) {
                    printf("# %zu plain bytes, stop %zu: %s\n", a, k,
                           ok ? "accepted" : "refused");
                }
                continue;
            }

            if (!ok) {
                /* unterminated too: the same document cut before its
                 * closing quote */
                if (check_bytes(&d, doc, n - 2, 64, &names, found) != NULL
                    && bad++ < 5)
                {
                    printf("# %zu plain bytes, stop %zu: cut accepted\n",
                           a, k);
                }
                continue;
            }

            if (found[0].type != S3U_JSON_STRING
                || (found[0].flags & S3U_JSON_ESCAPED)
                   != (stops[k].flags & S3U_JSON_ESCAPED)
                || (d.root.flags & S3U_JSON_NUL)
                   != (stops[k].flags & S3U_JSON_NUL)
                || s3u_json_text(&found[0], &got, &len) != 0
                || len != wn || memcmp(got, want, wn) != 0)
            {
                if (bad++ < 5) {
                    printf("# %zu plain bytes, stop %zu: member read"
                           " wrong\n", a, k);
                }
            }

            /* without a closing quote */
            if (check_bytes(&d, doc, n - 2, 64, &names, found) != NULL
                && bad++ < 5)
            {
                printf("# %zu plain bytes, stop %zu: unterminated string"
                       " accepted\n", a, k);
            }
        }
    }

    UNIT_INT(bad, 0, "string stops at every place of a value up to 40"
             " bytes");

    free(d.copy);
}


int
main(void)
{
    test_language();
    test_depth();
    test_members();
    test_member_edges();
    test_iteration();
    test_lengths();
    test_text();
    test_numbers();
    test_string_stops();

    return UNIT_DONE();
}
