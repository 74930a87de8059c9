/*
 * Unit tests for the S3-Denial-Token codec (module/token): base64, key
 * files, sealing and opening, and every way a token can be refused.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "unit.h"

#include "token/s3u_base64.h"
#include "token/s3u_token.h"

#define MSG_MAX  512


/* a deterministic, non-trivial byte pattern (not a secret: tests only) */
static void
fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
    size_t    i;
    unsigned  x;

    x = seed * 2654435761u + 1;
    for (i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (unsigned char) (x >> 16);
    }
}


static int
contains(const char *haystack, const char *needle)
{
    return haystack != NULL && strstr(haystack, needle) != NULL;
}


static void
test_base64(void)
{
    static const struct {
        const char  *plain;
        const char  *encoded;
    } rfc4648[] = {
        { "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
        { "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
    };
    unsigned char  bytes[300], back[300];
    char           text[420], pieces[420];
    size_t         i, n, len, off, bad;
    long           got;
    int            all_ok;

    /* RFC 4648 section 10 vectors, without padding */
    for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        len = strlen(rfc4648[i].plain);
        n = s3u_base64url_encode((const unsigned char *) rfc4648[i].plain,
                                 len, text);
        text[n] = '\0';
        UNIT_STR(text, rfc4648[i].encoded, "base64url(\"%s\")",
                 rfc4648[i].plain);
        UNIT_INT(n, s3u_base64url_encoded_len(len),
                 "encoded_len(%zu) matches the encoder", len);

        got = s3u_base64_decode(text, n, back, sizeof(back), S3U_BASE64_URL,
                                NULL);
        UNIT_OK(got == (long) len && memcmp(back, rfc4648[i].plain, len) == 0,
                "decode(\"%s\") gives \"%s\" back", text, rfc4648[i].plain);
    }

    /* the two alphabets differ only in 62 and 63 */
    bytes[0] = 0xfb;
    bytes[1] = 0xff;
    n = s3u_base64url_encode(bytes, 2, text);
    text[n] = '\0';
    UNIT_STR(text, "-_8", "0xfb 0xff uses the url alphabet");
    UNIT_INT(s3u_base64_decode("+/8", 3, back, sizeof(back), S3U_BASE64_URL,
                               NULL), S3U_BASE64_EINVAL,
             "url mode refuses '+' and '/'");
    got = s3u_base64_decode("+/8", 3, back, sizeof(back), S3U_BASE64_STD, NULL);
    UNIT_OK(got == 2 && back[0] == 0xfb && back[1] == 0xff,
            "standard mode reads '+' and '/'");

    /* round trips of every length, whole and in pieces */
    all_ok = 1;
    for (len = 0; len <= sizeof(bytes); len++) {
        fill_pattern(bytes, len, (unsigned) len);
        n = s3u_base64url_encode(bytes, len, text);

        off = 0;
        for (i = 0; i < len; i += 9) {
            off += s3u_base64url_encode(bytes + i, len - i < 9 ? len - i : 9,
                                        pieces + off);
        }

        got = s3u_base64_decode(text, n, back, sizeof(back), S3U_BASE64_URL,
                                NULL);
        if (got != (long) len || memcmp(back, bytes, len) != 0
            || off != n || memcmp(pieces, text, n) != 0
            || s3u_base64_decode(text, n, NULL, 0, S3U_BASE64_URL, NULL)
               != (long) len)
        {
            all_ok = 0;
            printf("# round trip failed at length %zu\n", len);
        }
    }
    UNIT_OK(all_ok, "base64url round trips for 0..300 bytes, whole and in"
            " pieces of 9");

    /* strictness */
    UNIT_INT(s3u_base64_decode("Zh", 2, back, sizeof(back), S3U_BASE64_URL,
                               &bad), S3U_BASE64_EINVAL,
             "non-zero spare bits are refused (Zh is not Zg)");
    UNIT_INT(bad, 1, "  and the offset names the last character");
    UNIT_INT(s3u_base64_decode("Zm9", 3, back, sizeof(back), S3U_BASE64_URL,
                               NULL), S3U_BASE64_EINVAL,
             "non-zero spare bits are refused (Zm9 is not Zm8)");
    UNIT_INT(s3u_base64_decode("Zm9vY", 5, back, sizeof(back), S3U_BASE64_URL,
                               &bad), S3U_BASE64_EINVAL,
             "a length of 4n+1 is refused");
    UNIT_INT(bad, 5, "  and the offset is the length");
    UNIT_INT(s3u_base64_decode("Zm9v Yg", 7, back, sizeof(back),
                               S3U_BASE64_URL, &bad), S3U_BASE64_EINVAL,
             "a space is refused");
    UNIT_INT(bad, 4, "  at its offset");
    UNIT_INT(s3u_base64_decode("Zg==", 4, back, sizeof(back), S3U_BASE64_URL,
                               NULL), S3U_BASE64_EINVAL,
             "padding is refused without S3U_BASE64_PAD");
    UNIT_INT(s3u_base64_decode("Zg==", 4, back, sizeof(back),
                               S3U_BASE64_URL | S3U_BASE64_PAD, NULL), 1,
             "correct padding is read with S3U_BASE64_PAD");
    UNIT_INT(s3u_base64_decode("Zm8=", 4, back, sizeof(back),
                               S3U_BASE64_URL | S3U_BASE64_PAD, NULL), 2,
             "one '=' of padding");
    UNIT_INT(s3u_base64_decode("Zg=", 3, back, sizeof(back),
                               S3U_BASE64_URL | S3U_BASE64_PAD, NULL),
             S3U_BASE64_EINVAL, "incomplete padding is refused");
    UNIT_INT(s3u_base64_decode("Zm9v=", 5, back, sizeof(back),
                               S3U_BASE64_URL | S3U_BASE64_PAD, NULL),
             S3U_BASE64_EINVAL, "padding after a whole group is refused");
    UNIT_INT(s3u_base64_decode("Zg=A", 4, back, sizeof(back),
                               S3U_BASE64_URL | S3U_BASE64_PAD, NULL),
             S3U_BASE64_EINVAL, "'=' inside the text is refused");
    UNIT_INT(s3u_base64_decode("Zm9vYmFy", 8, back, 5, S3U_BASE64_URL, NULL),
             S3U_BASE64_ENOSPC, "a short destination is reported");
}


/* the key id as documented: SHA-256(label || 0 || key), 6 bytes, hex */
static void
documented_kid(const unsigned char *key, char *kid)
{
    static const char  label[] = "s3-unmask token key id v1";
    unsigned char      input[sizeof(label) + 32], md[32];
    unsigned int       md_len, i;

    memcpy(input, label, sizeof(label));
    memcpy(input + sizeof(label), key, 32);
    EVP_Digest(input, sizeof(input), md, &md_len, EVP_sha256(), NULL);
    for (i = 0; i < 6; i++) {
        sprintf(kid + 2 * i, "%02x", md[i]);
    }
}


static void
test_key_parse(void)
{
    unsigned char    raw[32], data[80];
    char             text[80], err[MSG_MAX], kid[16];
    s3u_token_key_t  key;
    size_t           i, n;
    int              rc;

    fill_pattern(raw, sizeof(raw), 7);
    documented_kid(raw, kid);

    /* raw bytes, with and without a line ending */
    rc = s3u_token_key_parse(raw, 32, &key, err, sizeof(err));
    UNIT_OK(rc == 0 && memcmp(key.key, raw, 32) == 0, "raw 32-byte key");
    UNIT_STR(key.kid, kid, "key id is the documented SHA-256 prefix");
    UNIT_INT(strlen(key.kid), S3U_TOKEN_KID_LEN, "key id length");

    memcpy(data, raw, 32);
    data[32] = '\n';
    rc = s3u_token_key_parse(data, 33, &key, err, sizeof(err));
    UNIT_OK(rc == 0 && memcmp(key.key, raw, 32) == 0, "raw key + \\n");
    data[32] = '\r';
    data[33] = '\n';
    rc = s3u_token_key_parse(data, 34, &key, err, sizeof(err));
    UNIT_OK(rc == 0 && memcmp(key.key, raw, 32) == 0, "raw key + \\r\\n");

    /* hex, both cases */
    for (i = 0; i < 32; i++) {
        sprintf(text + 2 * i, "%02x", raw[i]);
    }
    rc = s3u_token_key_parse((unsigned char *) text, 64, &key, err,
                             sizeof(err));
    UNIT_OK(rc == 0 && memcmp(key.key, raw, 32) == 0, "64 hex characters");
    UNIT_STR(key.kid, kid, "  same key id as the raw form");
    strcpy(text + 64, "\n");
    rc = s3u_token_key_parse((unsigned char *) text, 65, &key, err,
                             sizeof(err));
    UNIT_OK(rc == 0 && memcmp(key.key, raw, 32) == 0, "hex + \\n");
    for (i = 0; i < 32; i++) {
        sprintf(text + 2 * i, "%02X", raw[i]);
    }
    strcpy(text + 64, "\r\n");
    rc = s3u_token_key_parse((unsigned char *) text, 66, &key, err,
                             sizeof(err));
    UNIT_OK(rc == 0 && memcmp(key.key, raw, 32) == 0, "upper-case hex + \\r\\n");

    text[10] = 'g';
    rc = s3u_token_key_parse((unsigned char *) text, 64, &key, err,
                             sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "offset 10") && contains(err, "hex"),
            "hex with a bad digit names the offset: %s", err);

    /* base64: standard padded (openssl rand -base64 32), unpadded, url */
    n = s3u_base64url_encode(raw, 32, text);
    for (i = 0; i < n; i++) {
        text[i] = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
    }
    strcpy(text + n, "=\n");
    rc = s3u_token_key_parse((unsigned char *) text, n + 2, &key, err,
                             sizeof(err));
    UNIT_OK(rc == 0 && memcmp(key.key, raw, 32) == 0,
            "standard base64 with padding and \\n (%s)", err);
    UNIT_STR(key.kid, kid, "  same key id");
    rc = s3u_token_key_parse((unsigned char *) text, n, &key, err,
                             sizeof(err));
    UNIT_OK(rc == 0 && memcmp(key.key, raw, 32) == 0,
            "standard base64 without padding");
    n = s3u_base64url_encode(raw, 32, text);
    rc = s3u_token_key_parse((unsigned char *) text, n, &key, err,
                             sizeof(err));
    UNIT_OK(rc == 0 && memcmp(key.key, raw, 32) == 0, "base64url");
    text[5] = '*';
    rc = s3u_token_key_parse((unsigned char *) text, n, &key, err,
                             sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "base64") && contains(err, "offset 5"),
            "bad base64 names the offset: %s", err);

    /* wrong sizes and empty or zero keys */
    rc = s3u_token_key_parse(raw, 31, &key, err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "31 bytes") && contains(err, "32 raw"),
            "31 bytes is refused: %s", err);
    memcpy(data, raw, 32);
    data[32] = 'x';
    rc = s3u_token_key_parse(data, 33, &key, err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "33 bytes"),
            "33 bytes not ending in a newline is refused: %s", err);
    memset(text, 'a', 65);
    rc = s3u_token_key_parse((unsigned char *) text, 65, &key, err,
                             sizeof(err));
    UNIT_OK(rc == -1, "65 hex characters are refused: %s", err);
    rc = s3u_token_key_parse(raw, 0, &key, err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "empty"), "empty key: %s", err);
    rc = s3u_token_key_parse((unsigned char *) "\n", 1, &key, err,
                             sizeof(err));
    UNIT_OK(rc == -1, "a lone newline is refused: %s", err);
    memset(data, 0, 32);
    rc = s3u_token_key_parse(data, 32, &key, err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "zero"), "all-zero key: %s", err);
    memset(text, '0', 64);
    rc = s3u_token_key_parse((unsigned char *) text, 64, &key, err,
                             sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "zero"), "all-zero hex key: %s", err);

    /* another key, another id */
    fill_pattern(raw, sizeof(raw), 8);
    rc = s3u_token_key_parse(raw, 32, &key, err, sizeof(err));
    UNIT_OK(rc == 0 && strcmp(key.kid, kid) != 0,
            "a different key has a different key id");

    s3u_token_key_wipe(&key);
    n = 0;
    for (i = 0; i < sizeof(key.key); i++) {
        n += key.key[i] != 0;
    }
    UNIT_INT(n, 0, "wipe clears the key material");
}


static int
write_file(const char *path, const void *data, size_t len)
{
    FILE  *f;
    int    ok;

    f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    ok = fwrite(data, 1, len, f) == len;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}


static void
test_key_load(void)
{
    char             dir[] = "/tmp/s3u-test-token-XXXXXX";
    char             path[256], hex[70], err[MSG_MAX], big[200];
    unsigned char    raw[32];
    s3u_token_key_t  key;
    size_t           i;
    int              rc;

    if (mkdtemp(dir) == NULL) {
        UNIT_OK(0, "mkdtemp");
        return;
    }

    fill_pattern(raw, sizeof(raw), 11);
    for (i = 0; i < 32; i++) {
        sprintf(hex + 2 * i, "%02x", raw[i]);
    }
    strcat(hex, "\n");

    snprintf(path, sizeof(path), "%s/hex.key", dir);
    write_file(path, hex, 65);
    rc = s3u_token_key_load(path, &key, err, sizeof(err));
    UNIT_OK(rc == 0 && memcmp(key.key, raw, 32) == 0, "load a hex key file");
    unlink(path);

    snprintf(path, sizeof(path), "%s/raw.key", dir);
    write_file(path, raw, 32);
    rc = s3u_token_key_load(path, &key, err, sizeof(err));
    UNIT_OK(rc == 0 && memcmp(key.key, raw, 32) == 0, "load a raw key file");
    unlink(path);

    snprintf(path, sizeof(path), "%s/short.key", dir);
    write_file(path, hex, 20);
    rc = s3u_token_key_load(path, &key, err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, path) && contains(err, "20 bytes"),
            "a short key file is refused, naming it: %s", err);
    unlink(path);

    snprintf(path, sizeof(path), "%s/long.key", dir);
    memset(big, 'a', sizeof(big));
    write_file(path, big, sizeof(big));
    rc = s3u_token_key_load(path, &key, err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, path) && contains(err, "too long"),
            "a long key file is refused: %s", err);
    unlink(path);

    snprintf(path, sizeof(path), "%s/missing.key", dir);
    rc = s3u_token_key_load(path, &key, err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, path) && contains(err, "cannot open"),
            "a missing key file is refused: %s", err);

    rc = s3u_token_key_load(dir, &key, err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, dir), "a directory is refused: %s", err);

    rmdir(dir);
}


static void
make_key(s3u_token_key_t *key, unsigned seed)
{
    unsigned char  raw[32];
    char           err[MSG_MAX];

    fill_pattern(raw, sizeof(raw), seed);
    if (s3u_token_key_parse(raw, sizeof(raw), key, err, sizeof(err)) != 0) {
        printf("# make_key: %s\n", err);
    }
}


/* the fixed part of a token: "v1." kid "." */
#define HEADER_LEN  (3 + S3U_TOKEN_KID_LEN + 1)


static void
test_round_trip(const s3u_token_key_t *key)
{
    static const size_t  sizes[] = { 0, 1, 2, 3, 100, 767, 768, 769, 1536,
                                     1537, 5000 };
    unsigned char   plain[5000];
    char           *token, *out, err[MSG_MAX], prefix[32];
    size_t          i, j, len, size;
    long            tlen, olen;
    int             charset_ok;

    token = malloc(s3u_token_size(sizeof(plain)));
    out = malloc(sizeof(plain) + 1);
    if (token == NULL || out == NULL) {
        UNIT_OK(0, "malloc");
        free(token);
        free(out);
        return;
    }

    snprintf(prefix, sizeof(prefix), "v1.%s.", key->kid);

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        len = sizes[i];
        fill_pattern(plain, len, (unsigned) (len + 3));
        size = s3u_token_size(len);

        tlen = s3u_token_seal(key, (char *) plain, len, token, size);
        UNIT_INT(tlen, (long) size - 1, "seal %zu bytes: length is"
                 " s3u_token_size() - 1", len);
        if (tlen < 0) {
            continue;
        }
        UNIT_INT(strlen(token), tlen, "  the token is NUL-terminated");

        charset_ok = strncmp(token, prefix, HEADER_LEN) == 0;
        for (j = HEADER_LEN; j < (size_t) tlen; j++) {
            if (!(token[j] >= 'A' && token[j] <= 'Z')
                && !(token[j] >= 'a' && token[j] <= 'z')
                && !(token[j] >= '0' && token[j] <= '9')
                && token[j] != '-' && token[j] != '_')
            {
                charset_ok = 0;
            }
        }
        UNIT_OK(charset_ok, "  starts with %s, then only base64url", prefix);

        memset(out, 'x', len + 1);
        olen = s3u_token_open(key, token, (size_t) tlen, out, len + 1, err,
                              sizeof(err));
        UNIT_OK(olen == (long) len && memcmp(out, plain, len) == 0
                && out[len] == '\0',
                "  opens to the same %zu bytes, NUL-terminated (%s)", len,
                olen < 0 ? err : "ok");

        if (len > 0) {
            olen = s3u_token_open(key, token, (size_t) tlen, out, len, err,
                                  sizeof(err));
            UNIT_OK(olen == -1 && contains(err, "too small"),
                    "  a buffer without room for the NUL is refused: %s",
                    err);
        }
    }

    /* sealing refuses a short buffer and an oversized plaintext */
    UNIT_INT(s3u_token_seal(key, "{}", 2, token, s3u_token_size(2) - 1), -1,
             "seal refuses a buffer one byte short");
    UNIT_INT(s3u_token_seal(key, (char *) plain, S3U_TOKEN_PLAIN_MAX + 1,
                            token, (size_t) -1), -1,
             "seal refuses more than S3U_TOKEN_PLAIN_MAX");

    free(token);
    free(out);
}


static void
test_fresh_nonce(const s3u_token_key_t *key)
{
    const char  *json = "{\"code\":\"AccessDenied\"}";
    char         a[256], b[256];
    int          fds[2], status;
    pid_t        pid;
    ssize_t      n;
    long         la, lb;

    la = s3u_token_seal(key, json, strlen(json), a, sizeof(a));
    lb = s3u_token_seal(key, json, strlen(json), b, sizeof(b));
    UNIT_OK(la > 0 && la == lb && strcmp(a, b) != 0,
            "two seals of the same plaintext differ");
    UNIT_OK(memcmp(a + HEADER_LEN, b + HEADER_LEN, 16) != 0,
            "  in the nonce (first 16 payload characters)");

    /*
     * nginx workers are forked from one master: a fork-unsafe generator
     * would hand parent and child the same next nonce
     */
    if (pipe(fds) != 0) {
        UNIT_OK(0, "pipe");
        return;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        lb = s3u_token_seal(key, json, strlen(json), b, sizeof(b));
        n = lb > 0 ? write(fds[1], b, (size_t) lb + 1) : 0;
        close(fds[1]);
        _exit(n == lb + 1 ? 0 : 1);
    }
    close(fds[1]);
    la = s3u_token_seal(key, json, strlen(json), a, sizeof(a));
    memset(b, 0, sizeof(b));
    n = pid > 0 ? read(fds[0], b, sizeof(b) - 1) : -1;
    close(fds[0]);
    if (pid > 0) {
        waitpid(pid, &status, 0);
    }
    UNIT_OK(pid > 0 && n == la + 1 && la > 0
            && memcmp(a + HEADER_LEN, b + HEADER_LEN, 16) != 0,
            "parent and forked child draw different nonces");
}


static void
test_refusals(const s3u_token_key_t *key, const s3u_token_key_t *other,
    const char *json)
{
    char             token[512], bad[512], out[512], err[MSG_MAX], want[128];
    unsigned char    payload[400];
    s3u_token_key_t  copy;
    size_t           i, tlen, plen, nbytes, cut;
    long             rc;
    int              bit, all_refused, all_tampered, all_empty;
    char             swaps[80];
    size_t           nswaps;

    rc = s3u_token_seal(key, json, strlen(json), token, sizeof(token));
    if (rc < 0) {
        UNIT_OK(0, "seal");
        return;
    }
    tlen = (size_t) rc;

    /* the wrong key: named by key ids */
    rc = s3u_token_open(other, token, tlen, out, sizeof(out), err,
                        sizeof(err));
    snprintf(want, sizeof(want), "token was sealed with key id %s, this key"
             " is %s", key->kid, other->kid);
    UNIT_INT(rc, -1, "the wrong key is refused");
    UNIT_STR(err, want, "  with both key ids");

    /* a kid rewritten to the other key's: the AAD makes the tag fail */
    memcpy(bad, token, tlen + 1);
    memcpy(bad + 3, other->kid, S3U_TOKEN_KID_LEN);
    rc = s3u_token_open(other, bad, tlen, out, sizeof(out), err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "tampered"),
            "a key id swapped to the opener's key is tampering: %s", err);

    /* the same key material under a forged id is still this key */
    copy = *key;
    rc = s3u_token_open(&copy, token, tlen, out, sizeof(out), err,
                        sizeof(err));
    UNIT_OK(rc == (long) strlen(json) && strcmp(out, json) == 0,
            "a copy of the key opens it");
    memcpy(copy.kid, other->kid, sizeof(copy.kid));
    memcpy(bad, token, tlen + 1);
    memcpy(bad + 3, copy.kid, S3U_TOKEN_KID_LEN);
    rc = s3u_token_open(&copy, bad, tlen, out, sizeof(out), err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "tampered"),
            "the key id is authenticated even under the same key: %s", err);

    /*
     * every character replaced by every base64url character and a few
     * others (the last character of a partial group is the one a lax
     * decoder would let through)
     */
    nswaps = 0;
    for (i = 0; i < 26; i++) {
        swaps[nswaps++] = (char) ('A' + i);
        swaps[nswaps++] = (char) ('a' + i);
    }
    for (i = 0; i < 10; i++) {
        swaps[nswaps++] = (char) ('0' + i);
    }
    memcpy(swaps + nswaps, "-_.+/= \n\0\x80", 10);
    nswaps += 10;

    all_refused = 1;
    all_empty = 1;
    for (i = 0; i < tlen; i++) {
        for (bit = 0; bit < (int) nswaps; bit++) {
            memcpy(bad, token, tlen + 1);
            bad[i] = swaps[bit];
            if (bad[i] == token[i]) {
                continue;
            }
            memset(out, 'x', sizeof(out));
            rc = s3u_token_open(key, bad, tlen, out, sizeof(out), err,
                                sizeof(err));
            if (rc != -1) {
                all_refused = 0;
                printf("# accepted with character %zu = '%c'\n", i, bad[i]);
            }
            if (out[0] != '\0' && out[0] != 'x') {
                all_empty = 0;
            }
        }
    }
    UNIT_OK(all_refused, "every character of the token changed is refused"
            " (%zu characters, %zu ways each)", tlen, nswaps - 1);
    UNIT_OK(all_empty, "  and no plaintext is ever handed out");

    /* every bit of the decoded payload flipped: GCM says tampered */
    plen = tlen - HEADER_LEN;
    rc = s3u_base64_decode(token + HEADER_LEN, plen, payload, sizeof(payload),
                           S3U_BASE64_URL, NULL);
    nbytes = rc > 0 ? (size_t) rc : 0;
    UNIT_INT(nbytes, strlen(json) + S3U_TOKEN_NONCE_LEN + S3U_TOKEN_TAG_LEN,
             "payload is nonce + ciphertext + tag");
    all_tampered = nbytes > 0;
    for (i = 0; i < nbytes * 8; i++) {
        payload[i / 8] ^= (unsigned char) (1u << (i % 8));
        memcpy(bad, token, HEADER_LEN);
        s3u_base64url_encode(payload, nbytes, bad + HEADER_LEN);
        payload[i / 8] ^= (unsigned char) (1u << (i % 8));

        rc = s3u_token_open(key, bad, tlen, out, sizeof(out), err,
                            sizeof(err));
        if (rc != -1
            || strcmp(err, "token is corrupt or was tampered with"
                      " (authentication failed)") != 0)
        {
            all_tampered = 0;
            printf("# bit %zu: rc %ld, %s\n", i, rc, err);
        }
    }
    UNIT_OK(all_tampered, "every one of the %zu payload bits flipped is"
            " refused as tampered", nbytes * 8);

    /* truncation at every length, and extension */
    all_refused = 1;
    for (cut = 0; cut < tlen; cut++) {
        rc = s3u_token_open(key, token, cut, out, sizeof(out), err,
                            sizeof(err));
        if (rc != -1) {
            all_refused = 0;
            printf("# accepted truncated to %zu\n", cut);
        }
    }
    UNIT_OK(all_refused, "every truncation (0..%zu characters) is refused",
            tlen - 1);
    rc = s3u_token_open(key, token, tlen - 20, out, sizeof(out), err,
                        sizeof(err));
    UNIT_OK(rc == -1 && (contains(err, "tampered") || contains(err,
                                                               "truncated")),
            "  a token cut short says so or fails authentication: %s", err);
    rc = s3u_token_open(key, token, 10, out, sizeof(out), err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "truncated"),
            "  a token cut in its key id is truncated: %s", err);
    rc = s3u_token_open(key, token, HEADER_LEN + 20, out, sizeof(out), err,
                        sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "truncated"),
            "  a payload shorter than nonce and tag is truncated: %s", err);

    memcpy(bad, token, tlen);
    memcpy(bad + tlen, "AAAA", 5);
    rc = s3u_token_open(key, bad, tlen + 4, out, sizeof(out), err,
                        sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "tampered"),
            "four characters appended are refused: %s", err);

    /* bad base64url */
    memcpy(bad, token, tlen + 1);
    bad[HEADER_LEN + 7] = '+';
    rc = s3u_token_open(key, bad, tlen, out, sizeof(out), err, sizeof(err));
    snprintf(want, sizeof(want), "character %zu", (size_t) HEADER_LEN + 7);
    UNIT_OK(rc == -1 && contains(err, "base64url") && contains(err, want),
            "'+' in the payload is not base64url: %s", err);
    bad[HEADER_LEN + 7] = '\0';
    rc = s3u_token_open(key, bad, tlen, out, sizeof(out), err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "base64url"),
            "an embedded NUL is refused: %s", err);
    memcpy(bad, token, tlen);
    memcpy(bad + tlen, "==", 3);
    rc = s3u_token_open(key, bad, tlen + 2, out, sizeof(out), err,
                        sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "base64url"),
            "padding is refused: %s", err);

    /* versions and foreign strings */
    memcpy(bad, token, tlen + 1);
    bad[1] = '2';
    rc = s3u_token_open(key, bad, tlen, out, sizeof(out), err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "\"v2\"") && contains(err, "not"
                                                            " supported"),
            "version 2 is not supported: %s", err);
    rc = s3u_token_open(key, "v10.abc", 7, out, sizeof(out), err,
                        sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "\"v10\""), "v10 is named: %s", err);
    rc = s3u_token_open(key, "Bearer abc", 10, out, sizeof(out), err,
                        sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "not an S3-Denial-Token"),
            "a foreign string is not a token: %s", err);
    rc = s3u_token_open(key, "", 0, out, sizeof(out), err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "not an S3-Denial-Token"),
            "an empty string is not a token: %s", err);
    memcpy(bad, token, tlen + 1);
    bad[5] = 'F';
    rc = s3u_token_open(key, bad, tlen, out, sizeof(out), err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "key id"),
            "an upper-case key id is malformed: %s", err);
    memcpy(bad, token, tlen + 1);
    bad[HEADER_LEN - 1] = '-';
    rc = s3u_token_open(key, bad, tlen, out, sizeof(out), err, sizeof(err));
    UNIT_OK(rc == -1 && contains(err, "key id"),
            "a missing dot after the key id is malformed: %s", err);
}


int
main(void)
{
    s3u_token_key_t  key, other;
    char             kid[16], err[MSG_MAX], token[256];
    long             n;

    test_base64();
    test_key_parse();
    test_key_load();

    make_key(&key, 1);
    make_key(&other, 2);

    test_round_trip(&key);
    test_fresh_nonce(&key);
    /* three lengths, so the payload ends in a full and both partial groups */
    test_refusals(&key, &other, "{\"code\":\"AccessDenied\",\"layer\":"
                  "\"access-point-policy\",\"principal\":"
                  "\"arn:aws:sts::111122223333:assumed-role/r/s\"}");
    test_refusals(&key, &other, "{\"code\":\"AccessDenied\",\"x\":12}");
    test_refusals(&key, &other, "{\"code\":\"AccessDenied\",\"x\":1}");

    n = s3u_token_seal(&key, "{}", 2, token, sizeof(token));
    UNIT_OK(n > 0 && s3u_token_kid(token, (size_t) n, kid, sizeof(kid), err,
                                   sizeof(err)) == 0
            && strcmp(kid, key.kid) == 0,
            "s3u_token_kid reads the sealing key's id");
    UNIT_INT(s3u_token_kid(token, (size_t) n, kid, 12, err, sizeof(err)), -1,
             "s3u_token_kid needs room for the NUL");

    s3u_token_key_wipe(&key);
    s3u_token_key_wipe(&other);

    return UNIT_DONE();
}
