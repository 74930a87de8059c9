/*
 * Token keys: reading the key file in its three accepted forms, and the
 * key id derived from the key.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "token/s3u_base64.h"
#include "token/s3u_token.h"

/* more than any accepted form ("\r\n"-terminated hex is 66 bytes) */
#define S3U_TOKEN_KEY_FILE_MAX  128

#define S3U_TOKEN_KEY_HINT                                                    \
    "expected 32 raw bytes, 64 hex characters or base64 of 32 bytes"          \
    " (make one with: openssl rand -hex 32)"

/* domain separation: this hash is a key id, nothing else */
static const char  s3u_token_kid_label[] = "s3-unmask token key id v1";


static int
s3u_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}


static int
s3u_token_key_derive_kid(s3u_token_key_t *key)
{
    static const char  hex[] = "0123456789abcdef";
    unsigned char      input[sizeof(s3u_token_kid_label) + S3U_TOKEN_KEY_LEN];
    unsigned char      md[EVP_MAX_MD_SIZE];
    unsigned int       md_len, i;
    int                ok;

    /* the label's NUL is the separator between label and key */
    memcpy(input, s3u_token_kid_label, sizeof(s3u_token_kid_label));
    memcpy(input + sizeof(s3u_token_kid_label), key->key, S3U_TOKEN_KEY_LEN);

    ok = EVP_Digest(input, sizeof(input), md, &md_len, EVP_sha256(), NULL);
    OPENSSL_cleanse(input, sizeof(input));

    if (ok != 1 || md_len * 2 < S3U_TOKEN_KID_LEN) {
        return -1;
    }

    for (i = 0; i < S3U_TOKEN_KID_LEN / 2; i++) {
        key->kid[2 * i] = hex[md[i] >> 4];
        key->kid[2 * i + 1] = hex[md[i] & 0x0f];
    }
    key->kid[S3U_TOKEN_KID_LEN] = '\0';

    OPENSSL_cleanse(md, sizeof(md));
    return 0;
}


int
s3u_token_key_parse(const unsigned char *data, size_t len,
    s3u_token_key_t *key, char *err, size_t err_size)
{
    unsigned char  raw[S3U_TOKEN_KEY_LEN + 2];
    size_t         text_len, i, bad;
    long           n;
    int            hi, lo, nonzero;

    memset(key, 0, sizeof(*key));

    if (len == 0) {
        snprintf(err, err_size, "key is empty; " S3U_TOKEN_KEY_HINT);
        return -1;
    }

    /* the text forms may carry one line ending */
    text_len = len;
    if (text_len >= 1 && data[text_len - 1] == '\n') {
        text_len--;
        if (text_len >= 1 && data[text_len - 1] == '\r') {
            text_len--;
        }
    }

    /*
     * The forms' lengths never overlap (32-34, 43-46, 64-66), so the
     * length alone says which one was meant: the message can then say
     * what is wrong with it rather than only that it is wrong.
     */

    if (len == S3U_TOKEN_KEY_LEN
        || (len == S3U_TOKEN_KEY_LEN + 1 && data[S3U_TOKEN_KEY_LEN] == '\n')
        || (len == S3U_TOKEN_KEY_LEN + 2 && data[S3U_TOKEN_KEY_LEN] == '\r'
            && data[S3U_TOKEN_KEY_LEN + 1] == '\n'))
    {
        memcpy(key->key, data, S3U_TOKEN_KEY_LEN);

    } else if (text_len == 2 * S3U_TOKEN_KEY_LEN) {
        for (i = 0; i < S3U_TOKEN_KEY_LEN; i++) {
            hi = s3u_hex_value(data[2 * i]);
            lo = s3u_hex_value(data[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                OPENSSL_cleanse(key, sizeof(*key));
                snprintf(err, err_size,
                         "key has 64 characters like a hex key, but the"
                         " character at offset %zu is not a hex digit",
                         hi < 0 ? 2 * i : 2 * i + 1);
                return -1;
            }
            key->key[i] = (unsigned char) (hi << 4 | lo);
        }

    } else if (text_len >= 43 && text_len <= 44) {
        n = s3u_base64_decode((const char *) data, text_len, raw, sizeof(raw),
                              S3U_BASE64_STD | S3U_BASE64_URL | S3U_BASE64_PAD,
                              &bad);
        if (n != S3U_TOKEN_KEY_LEN) {
            OPENSSL_cleanse(raw, sizeof(raw));
            if (n == S3U_BASE64_EINVAL && bad < text_len) {
                snprintf(err, err_size,
                         "key has %zu characters like a base64 key, but is"
                         " not base64 at offset %zu", text_len, bad);
            } else {
                snprintf(err, err_size,
                         "key has %zu characters like a base64 key, but does"
                         " not decode to 32 bytes", text_len);
            }
            return -1;
        }
        memcpy(key->key, raw, S3U_TOKEN_KEY_LEN);
        OPENSSL_cleanse(raw, sizeof(raw));

    } else {
        snprintf(err, err_size, "key is %zu bytes long; " S3U_TOKEN_KEY_HINT,
                 len);
        return -1;
    }

    nonzero = 0;
    for (i = 0; i < S3U_TOKEN_KEY_LEN; i++) {
        nonzero |= key->key[i];
    }
    if (!nonzero) {
        /* /dev/zero or an unfilled template, never a real key */
        snprintf(err, err_size,
                 "key is all zero bytes (make one with: openssl rand -hex 32)");
        return -1;
    }

    if (s3u_token_key_derive_kid(key) != 0) {
        OPENSSL_cleanse(key, sizeof(*key));
        snprintf(err, err_size, "cannot derive the key id (OpenSSL SHA-256)");
        return -1;
    }

    return 0;
}


int
s3u_token_key_load(const char *path, s3u_token_key_t *key, char *err,
    size_t err_size)
{
    unsigned char  data[S3U_TOKEN_KEY_FILE_MAX + 1];
    char           reason[256];
    size_t         len;
    ssize_t        n;
    int            fd, rc;

    memset(key, 0, sizeof(*key));

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd == -1) {
        snprintf(err, err_size, "cannot open key file \"%s\": %s", path,
                 strerror(errno));
        return -1;
    }

    len = 0;
    while (len < sizeof(data)) {
        n = read(fd, data + len, sizeof(data) - len);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n == -1) {
            snprintf(err, err_size, "cannot read key file \"%s\": %s", path,
                     strerror(errno));
            close(fd);
            OPENSSL_cleanse(data, sizeof(data));
            return -1;
        }
        if (n == 0) {
            break;
        }
        len += (size_t) n;
    }

    close(fd);

    if (len > S3U_TOKEN_KEY_FILE_MAX) {
        OPENSSL_cleanse(data, sizeof(data));
        snprintf(err, err_size, "key file \"%s\" is too long (over %d bytes);"
                 " " S3U_TOKEN_KEY_HINT, path, S3U_TOKEN_KEY_FILE_MAX);
        return -1;
    }

    rc = s3u_token_key_parse(data, len, key, reason, sizeof(reason));
    OPENSSL_cleanse(data, sizeof(data));

    if (rc != 0) {
        snprintf(err, err_size, "key file \"%s\": %s", path, reason);
        return -1;
    }

    return 0;
}


void
s3u_token_key_wipe(s3u_token_key_t *key)
{
    OPENSSL_cleanse(key, sizeof(*key));
}
