/*
 * libFuzzer target: the header encoder (detect/s3u_sfv.h), i.e. the last
 * step before bytes from an upstream body reach a client.
 *
 * Two findings are encoded per input:
 *   - the one s3u_detect() reads from the input as a body (the gateway's
 *     real path), and
 *   - one whose string fields are raw pieces of the input cut at '\n'
 *     (CR, quotes, backslashes, control and non-ASCII bytes included),
 *     which the encoder must survive even though detectors clean fields.
 * Each is encoded at every expose level into exactly sized heap buffers,
 * at full size and cut short.
 *
 * The oracle is an independent RFC 8941 dictionary reader written here:
 * the S3-Denial value must be a dictionary of key=token|string|integer
 * members, keys unique, only bytes 0x20-0x7E, and at "layer" none of the
 * keys that carry ARNs or ids (DESIGN.md section 3).  The problem+json
 * body must be valid UTF-8 and parse as a JSON object.  The dictionary writer is also driven
 * directly with keys and values from the input.
 *
 * The encoders and s3u_field_set copy runs of bytes found 16 at a time;
 * each is also held to a byte-at-a-time reference written here: the
 * header must be exactly what the reference writes, and s3u_field_set
 * must give exactly the reference's bytes, at every size around the
 * value's length and in place.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "detect/s3u_detect.h"
#include "detect/s3u_scan.h"
#include "detect/s3u_sfv.h"

#include "fuzz_util.h"
#include "../common/s3u_reference.h"


#define FUZZ_SFV_MAX_KEYS  32

static int
fuzz_lcalpha(int c)
{
    return c >= 'a' && c <= 'z';
}

static int
fuzz_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
fuzz_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int
fuzz_tchar(int c)
{
    return fuzz_alpha(c) || fuzz_digit(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}


/*
 * An RFC 8941 sf-dictionary as this encoder writes it: members separated
 * by "," and optional spaces, each key=bare-item with bare-item a token,
 * a string or an integer.  Returns NULL when valid, else what is wrong.
 * keys[] receives the member keys (NUL-terminated copies).
 */
static const char *
fuzz_sfv_parse(const char *s, char keys[][64], size_t *nkeys)
{
    size_t       n, k, i;
    const char  *p, *start;

    p = s;
    n = 0;

    if (*p == '\0') {
        return "empty dictionary";
    }

    for ( ;; ) {
        /* key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ) */
        start = p;
        if (!fuzz_lcalpha(*p) && *p != '*') {
            return "key does not start with lcalpha or *";
        }
        while (fuzz_lcalpha(*p) || fuzz_digit(*p) || (*p != '\0' && strchr("_-.*", *p))) {
            p++;
        }
        if ((size_t) (p - start) >= 64 || n == FUZZ_SFV_MAX_KEYS) {
            return "key too long or too many keys";
        }
        memcpy(keys[n], start, (size_t) (p - start));
        keys[n][p - start] = '\0';
        for (i = 0; i < n; i++) {
            if (strcmp(keys[i], keys[n]) == 0) {
                return "duplicate key";
            }
        }
        n++;

        if (*p != '=') {
            return "member without =value";
        }
        p++;

        if (*p == '"') {
            p++;
            for ( ;; ) {
                if (*p == '\\') {
                    p++;
                    if (*p != '"' && *p != '\\') {
                        return "bad escape in string";
                    }
                    p++;
                } else if (*p == '"') {
                    p++;
                    break;
                } else if (*p >= 0x20 && *p <= 0x7e) {
                    p++;
                } else {
                    return "byte outside 0x20-0x7E in string (or unterminated)";
                }
            }

        } else if (*p == '-' || fuzz_digit(*p)) {
            if (*p == '-') {
                p++;
            }
            k = 0;
            while (fuzz_digit(*p)) {
                p++;
                k++;
            }
            if (k == 0 || k > 15) {
                return "integer with no or more than 15 digits";
            }

        } else if (fuzz_alpha(*p) || *p == '*') {
            p++;
            while (fuzz_tchar(*p) || *p == ':' || *p == '/') {
                p++;
            }

        } else {
            return "value is not a token, string or integer";
        }

        if (*p == '\0') {
            break;
        }
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p != ',') {
            return "junk after a member";
        }
        p++;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p == '\0') {
            return "trailing comma";
        }
    }

    *nkeys = n;
    return NULL;
}


/* --- byte-at-a-time references ------------------------------------------- */

/* appends s to out at *n, when it fits in size with its NUL */
static int
fuzz_put(char *out, size_t size, size_t *n, const char *s, size_t len)
{
    if (*n + len + 1 > size) {
        return 0;
    }
    memcpy(out + *n, s, len);
    *n += len;
    out[*n] = '\0';
    return 1;
}

/* one member as the header writes it: a token, else an sf-string of the
 * bytes 0x20-0x7E, else nothing; 0 when it does not fit */
static int
fuzz_ref_member(char *out, size_t size, size_t *n, const char *key,
    const char *value, int token_ok)
{
    size_t       i;
    int          token, any;
    char         esc[2];
    const char  *p;

    token = token_ok && (fuzz_alpha((unsigned char) value[0])
                         || value[0] == '*');
    any = 0;
    for (p = value; *p; p++) {
        if (p > value && !fuzz_tchar((unsigned char) *p) && *p != ':'
            && *p != '/')
        {
            token = 0;
        }
        if ((unsigned char) *p >= 0x20 && (unsigned char) *p <= 0x7e) {
            any = 1;
        }
    }
    if (!any) {
        return 1;                           /* no member */
    }

    if ((*n > 0 && !fuzz_put(out, size, n, ", ", 2))
        || !fuzz_put(out, size, n, key, strlen(key))
        || !fuzz_put(out, size, n, "=", 1))
    {
        return 0;
    }

    if (token) {
        return fuzz_put(out, size, n, value, strlen(value));
    }

    if (!fuzz_put(out, size, n, "\"", 1)) {
        return 0;
    }
    for (i = 0; value[i]; i++) {
        if ((unsigned char) value[i] < 0x20 || (unsigned char) value[i] > 0x7e) {
            continue;
        }
        esc[0] = '\\';
        esc[1] = value[i];
        if ((value[i] == '"' || value[i] == '\\')
            ? !fuzz_put(out, size, n, esc, 2)
            : !fuzz_put(out, size, n, value + i, 1))
        {
            return 0;
        }
    }
    return fuzz_put(out, size, n, "\"", 1);
}

/* the S3-Denial header by the references; its length, 0 when none */
static size_t
fuzz_ref_header(const s3u_finding_t *f, int upstream, s3u_expose_e expose,
    char *out, size_t size)
{
    size_t  n;
    char    num[24];
    int     ok;

    n = 0;
    out[0] = '\0';

    if (expose == S3U_EXPOSE_NONE || f->verdict == S3U_VERDICT_NONE) {
        return 0;
    }

    snprintf(num, sizeof(num), "%d", upstream);

    ok = fuzz_ref_member(out, size, &n, "code", f->code, 1)
         && fuzz_ref_member(out, size, &n, "service", f->service, 1)
         && fuzz_ref_member(out, size, &n, "layer", f->layer, 1)
         && fuzz_ref_member(out, size, &n, "source",
                            s3u_source_name(f->source), 1)
         && fuzz_ref_member(out, size, &n, "decision",
                            s3u_decision_token(f->decision), 1)
         && (upstream <= 0
             || ((n == 0 || fuzz_put(out, size, &n, ", ", 2))
                 && fuzz_put(out, size, &n, "upstream-status=", 16)
                 && fuzz_put(out, size, &n, num, strlen(num))))
         && fuzz_ref_member(out, size, &n, "request-id", f->request_id, 0);

    if (ok && expose == S3U_EXPOSE_FULL) {
        ok = fuzz_ref_member(out, size, &n, "host-id", f->host_id, 0)
             && fuzz_ref_member(out, size, &n, "principal", f->principal, 0)
             && fuzz_ref_member(out, size, &n, "action", f->action, 0)
             && fuzz_ref_member(out, size, &n, "resource", f->resource, 0)
             && fuzz_ref_member(out, size, &n, "statement", f->statement, 0)
             && fuzz_ref_member(out, size, &n, "reason", f->reason, 0);
    }

    if (!ok) {
        out[0] = '\0';
        return 0;
    }

    return n;
}

/* s3u_field_set against the reference on one piece: exact-size heap
 * buffers (an overrun is ASan's), sizes around the piece's length and
 * the fields', and in place */
static void
fuzz_check_field_set(const uint8_t *data, size_t len, size_t salt)
{
    static const size_t  fixed[] = { 1, 2, 9, 16, 17, 64, 128, 256, 1024 };
    size_t               sizes[16], i, k, na, nb;
    char                *src, *a, *b;

    k = 0;
    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        sizes[k++] = fixed[i];
    }
    sizes[k++] = len + 1;
    sizes[k++] = len;
    sizes[k++] = len > 1 ? len - 1 : 1;
    sizes[k++] = len / 2 + 1;
    sizes[k++] = salt % (len + 2) + 1;

    src = malloc(len ? len : 1);
    if (src == NULL) {
        abort();
    }
    if (len) {
        memcpy(src, data, len);
    }

    for (i = 0; i < k; i++) {
        if (sizes[i] == 0) {
            continue;
        }
        a = malloc(sizes[i]);
        b = malloc(sizes[i]);
        if (a == NULL || b == NULL) {
            abort();
        }
        memset(a, 0x5a, sizes[i]);
        memset(b, 0x5a, sizes[i]);
        na = s3u_ref_field_set(a, sizes[i], src, len);
        nb = s3u_field_set(b, sizes[i], src, len);
        FUZZ_CHECK(na == nb && memcmp(a, b, sizes[i]) == 0,
                   "field_set (len %zu, size %zu) gave %zu bytes, the"
                   " reference %zu", len, sizes[i], nb, na);

        if (sizes[i] >= len) {
            memset(a, 0x5a, sizes[i]);
            if (len) {
                memcpy(a, src, len);
            }
            memcpy(b, a, sizes[i]);
            na = s3u_ref_field_set(a, sizes[i], a, len);
            nb = s3u_field_set(b, sizes[i], b, len);
            FUZZ_CHECK(na == nb && memcmp(a, b, sizes[i]) == 0,
                       "field_set in place (len %zu, size %zu) gave %zu"
                       " bytes, the reference %zu", len, sizes[i], nb, na);
        }

        free(a);
        free(b);
    }

    free(src);
}


static const char *const fuzz_full_only[] = {
    "host-id", "principal", "action", "resource", "statement", "reason",
    "message",
};

static void
fuzz_check_header(const s3u_finding_t *f, int upstream, s3u_expose_e expose)
{
    char         keys[FUZZ_SFV_MAX_KEYS][64], *buf, *small, *ref;
    size_t       len, len2, nkeys, i, j, cut;
    const char  *bad;

    buf = malloc(8192);
    if (buf == NULL) {
        abort();
    }

    len = s3u_denial_header(f, upstream, expose, buf, 8192);
    FUZZ_CHECK(len < 8192, "length %zu does not fit the buffer", len);

    ref = malloc(8192);
    if (ref == NULL) {
        abort();
    }
    len2 = fuzz_ref_header(f, upstream, expose, ref, 8192);
    FUZZ_CHECK(len == len2 && strcmp(buf, ref) == 0,
               "header differs from the reference:\n  [%s]\n  [%s]", buf,
               ref);
    free(ref);

    if (expose == S3U_EXPOSE_NONE || f->verdict == S3U_VERDICT_NONE) {
        FUZZ_CHECK(len == 0, "header written at expose none or for no verdict");
    }

    if (len > 0) {
        FUZZ_CHECK(strlen(buf) == len, "returned %zu, strlen %zu", len,
                   strlen(buf));
        bad = fuzz_sfv_parse(buf, keys, &nkeys);
        FUZZ_CHECK(bad == NULL, "not an RFC 8941 dictionary (%s): [%s]", bad,
                   buf);

        if (expose == S3U_EXPOSE_LAYER) {
            for (i = 0; i < nkeys; i++) {
                for (j = 0; j < sizeof(fuzz_full_only) / sizeof(fuzz_full_only[0]); j++) {
                    FUZZ_CHECK(strcmp(keys[i], fuzz_full_only[j]) != 0,
                               "expose layer leaks \"%s\": [%s]", keys[i], buf);
                }
            }
        }

        /* a buffer one byte short must give 0, never a cut header; an
         * exact buffer the same text */
        small = malloc(len + 1);
        if (small == NULL) {
            abort();
        }
        len2 = s3u_denial_header(f, upstream, expose, small, len + 1);
        FUZZ_CHECK(len2 == len && strcmp(small, buf) == 0,
                   "an exact-size buffer gave a different header");
        cut = len;
        len2 = s3u_denial_header(f, upstream, expose, small, cut);
        FUZZ_CHECK(len2 == 0, "a short buffer gave %zu bytes", len2);
        free(small);
    }

    free(buf);
}


/* strict UTF-8 (RFC 3629): no overlong forms, surrogates or > U+10FFFF */
static int
fuzz_utf8_valid(const unsigned char *p, size_t len)
{
    size_t    i, n, k;
    uint32_t  cp, min;

    for (i = 0; i < len; i += n) {
        if (p[i] < 0x80) {
            n = 1;
            continue;
        }
        if ((p[i] & 0xe0) == 0xc0) {
            n = 2; cp = p[i] & 0x1f; min = 0x80;
        } else if ((p[i] & 0xf0) == 0xe0) {
            n = 3; cp = p[i] & 0x0f; min = 0x800;
        } else if ((p[i] & 0xf8) == 0xf0) {
            n = 4; cp = p[i] & 0x07; min = 0x10000;
        } else {
            return 0;
        }
        if (i + n > len) {
            return 0;
        }
        for (k = 1; k < n; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
    }

    return 1;
}


static void
fuzz_check_problem(const s3u_finding_t *f, int upstream, s3u_expose_e expose)
{
    char    *buf;
    size_t   len;
    cJSON   *doc;

    buf = malloc(16384);
    if (buf == NULL) {
        abort();
    }

    len = s3u_problem_json(f, f->s3_status ? f->s3_status : 403, upstream,
                           expose, buf, 16384);
    FUZZ_CHECK(len < 16384, "problem length %zu does not fit", len);

    if (len > 0) {
        FUZZ_CHECK(strlen(buf) == len, "problem: returned %zu, strlen %zu",
                   len, strlen(buf));
        FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *) buf, len),
                   "problem+json is not valid UTF-8");
        doc = cJSON_ParseWithLength(buf, len);
        FUZZ_CHECK(doc != NULL && cJSON_IsObject(doc),
                   "problem+json is not a JSON object: %s", buf);
        cJSON_Delete(doc);

        /* a short buffer: 0, never half a document */
        FUZZ_CHECK(s3u_problem_json(f, 403, upstream, expose, buf, len) == 0
                   || len == 0, "a short buffer gave a cut document");
    }

    free(buf);
}


static void
fuzz_encode_all(const s3u_finding_t *f, int upstream)
{
    fuzz_check_header(f, upstream, S3U_EXPOSE_NONE);
    fuzz_check_header(f, upstream, S3U_EXPOSE_LAYER);
    fuzz_check_header(f, upstream, S3U_EXPOSE_FULL);
    fuzz_check_problem(f, upstream, S3U_EXPOSE_LAYER);
    fuzz_check_problem(f, upstream, S3U_EXPOSE_FULL);
}


/* copies a raw piece into a field, cut, NUL-terminated, bytes unchanged */
#define FUZZ_RAW(field, piece)                                                \
    do {                                                                      \
        size_t  n_ = (piece).len < sizeof(field) - 1                          \
                     ? (piece).len : sizeof(field) - 1;                       \
        if (n_ > 0) {                                                         \
            memcpy((field), (piece).data, n_);                                \
        }                                                                     \
        (field)[n_] = '\0';                                                   \
    } while (0)

static void
fuzz_raw_finding(const uint8_t *data, size_t size)
{
    size_t          n, i;
    char            key[64], *value;
    fuzz_piece_t    pc[14];
    s3u_finding_t   f;
    s3u_sfv_t       d;
    char            out[512];

    memset(pc, 0, sizeof(pc));
    n = fuzz_split(data, size, '\n', pc, 14);
    memset(&f, 0, sizeof(f));

    f.verdict = size > 0 && (data[0] & 1) ? S3U_VERDICT_DENIAL
                                           : S3U_VERDICT_S3_ERROR;
    f.source = size > 1 ? data[1] % 3 : 0;
    f.decision = size > 2 ? data[2] % 4 : 0;
    f.s3_status = 403;
    f.format = "fuzz";
    FUZZ_RAW(f.code, pc[0]);
    FUZZ_RAW(f.service, pc[1]);
    FUZZ_RAW(f.layer, pc[2]);
    FUZZ_RAW(f.request_id, pc[3]);
    FUZZ_RAW(f.host_id, pc[4]);
    FUZZ_RAW(f.principal, pc[5]);
    FUZZ_RAW(f.action, pc[6]);
    FUZZ_RAW(f.resource, pc[7]);
    FUZZ_RAW(f.message, pc[8]);
    FUZZ_RAW(f.statement, pc[9]);
    FUZZ_RAW(f.reason, pc[10]);

    fuzz_encode_all(&f, size > 3 ? (int) data[3] * 3 : 500);

    /* the writer itself: key and values straight from the input */
    s3u_sfv_init(&d, out, sizeof(out));
    for (i = 0; i + 1 < n && i < 12; i += 2) {
        FUZZ_RAW(key, pc[i]);
        value = fuzz_strndup(pc[i + 1].data, pc[i + 1].len);
        switch (i % 3) {
        case 0:
            s3u_sfv_add_value(&d, key, value);
            break;
        case 1:
            s3u_sfv_add_string(&d, key, value);
            break;
        default:
            s3u_sfv_add_integer(&d, key, (long long) pc[i + 1].len * 1000003 - 7);
            break;
        }
        (void) s3u_sfv_is_token(value);
        (void) s3u_sfv_is_key(key);
        free(value);
    }

    if (s3u_sfv_finish(&d) > 0) {
        char    keys[FUZZ_SFV_MAX_KEYS][64];
        size_t  nkeys;
        const char *bad;

        FUZZ_CHECK(memchr(out, '\0', sizeof(out)) != NULL, "writer: no NUL");
        bad = fuzz_sfv_parse(out, keys, &nkeys);
        /* the writer does not refuse a repeated key: tolerate only that */
        FUZZ_CHECK(bad == NULL || strcmp(bad, "duplicate key") == 0,
                   "writer output is not a dictionary (%s): [%s]", bad, out);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s3u_finding_t      f;
    s3u_detect_meta_t  meta;

    memset(&meta, 0, sizeof(meta));
    meta.status = 500;
    s3u_detect((const char *) data, size, &meta, &f);
    fuzz_encode_all(&f, 500);

    fuzz_raw_finding(data, size);

    /* the field copy every value goes through, on the whole input and on
     * its first bytes */
    fuzz_check_field_set(data, size, size > 0 ? data[0] : 0);
    if (size > 4) {
        fuzz_check_field_set(data + 1, data[1] % (size - 1), data[2]);
    }

    return 0;
}
