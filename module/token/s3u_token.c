/*
 * Sealing and opening S3-Denial-Tokens (format in s3u_token.h).
 *
 * Both directions stream through a small stack buffer, so the only
 * allocation is OpenSSL's cipher context, freed on every path.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "token/s3u_base64.h"
#include "token/s3u_token.h"

/* "v1." + kid + "."; the part before the last dot is the AAD */
#define S3U_TOKEN_PREFIX      S3U_TOKEN_VERSION "."
#define S3U_TOKEN_PREFIX_LEN  (sizeof(S3U_TOKEN_PREFIX) - 1)
#define S3U_TOKEN_HEADER_LEN  (S3U_TOKEN_PREFIX_LEN + S3U_TOKEN_KID_LEN + 1)
#define S3U_TOKEN_AAD_LEN     (S3U_TOKEN_HEADER_LEN - 1)

#define S3U_TOKEN_OVERHEAD    (S3U_TOKEN_NONCE_LEN + S3U_TOKEN_TAG_LEN)

/* the nonce is a whole number of base64 groups: 12 bytes, 16 characters */
#define S3U_TOKEN_NONCE_CHARS  (S3U_TOKEN_NONCE_LEN / 3 * 4)

/* bytes per step: a multiple of 3, so each step encodes to whole groups */
#define S3U_TOKEN_CHUNK       768
#define S3U_TOKEN_CHUNK_CHARS (S3U_TOKEN_CHUNK / 3 * 4)


size_t
s3u_token_size(size_t plain_len)
{
    return S3U_TOKEN_HEADER_LEN
           + s3u_base64url_encoded_len(S3U_TOKEN_OVERHEAD + plain_len) + 1;
}


long
s3u_token_seal(const s3u_token_key_t *key, const char *plain,
    size_t plain_len, char *out, size_t out_size)
{
    unsigned char    nonce[S3U_TOKEN_NONCE_LEN];
    unsigned char    buf[S3U_TOKEN_CHUNK + S3U_TOKEN_TAG_LEN];
    const unsigned char  *in;
    EVP_CIPHER_CTX  *ctx;
    size_t           left;
    char            *p;
    int              outl, ok;

    if (key == NULL || out == NULL || (plain == NULL && plain_len != 0)
        || plain_len > S3U_TOKEN_PLAIN_MAX
        || out_size < s3u_token_size(plain_len))
    {
        return -1;
    }

    /*
     * A fresh nonce per token.  OpenSSL 3's DRBG notices a fork (it keeps
     * the pid it was seeded in) and reseeds, so nginx workers forked from
     * one master never draw the same nonces; t/unit/test_token.c checks it.
     */
    if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
        return -1;
    }

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        return -1;
    }

    p = out;
    memcpy(p, S3U_TOKEN_PREFIX, S3U_TOKEN_PREFIX_LEN);
    p += S3U_TOKEN_PREFIX_LEN;
    memcpy(p, key->kid, S3U_TOKEN_KID_LEN);
    p += S3U_TOKEN_KID_LEN;
    *p++ = '.';

    ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key->key, nonce) == 1
         && EVP_EncryptUpdate(ctx, NULL, &outl, (const unsigned char *) out,
                              (int) S3U_TOKEN_AAD_LEN) == 1;

    p += s3u_base64url_encode(nonce, sizeof(nonce), p);

    in = (const unsigned char *) plain;
    left = plain_len;

    while (ok && left > S3U_TOKEN_CHUNK) {
        ok = EVP_EncryptUpdate(ctx, buf, &outl, in, S3U_TOKEN_CHUNK) == 1
             && outl == S3U_TOKEN_CHUNK;
        p += s3u_base64url_encode(buf, S3U_TOKEN_CHUNK, p);
        in += S3U_TOKEN_CHUNK;
        left -= S3U_TOKEN_CHUNK;
    }

    /* the last piece (possibly empty) and the tag are encoded together */
    if (ok && left > 0) {
        ok = EVP_EncryptUpdate(ctx, buf, &outl, in, (int) left) == 1
             && (size_t) outl == left;
    }

    ok = ok
         && EVP_EncryptFinal_ex(ctx, buf + left, &outl) == 1
         && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, S3U_TOKEN_TAG_LEN,
                                buf + left) == 1;

    EVP_CIPHER_CTX_free(ctx);

    if (!ok) {
        out[0] = '\0';
        return -1;
    }

    p += s3u_base64url_encode(buf, left + S3U_TOKEN_TAG_LEN, p);
    *p = '\0';

    return (long) (p - out);
}


static int
s3u_is_base64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '_';
}


static int
s3u_is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}


int
s3u_token_kid(const char *token, size_t token_len, char *kid,
    size_t kid_size, char *err, size_t err_size)
{
    size_t  i;

    if (token == NULL || kid == NULL || kid_size < S3U_TOKEN_KID_LEN + 1) {
        snprintf(err, err_size, "invalid arguments");
        return -1;
    }

    if (token_len < S3U_TOKEN_PREFIX_LEN
        || memcmp(token, S3U_TOKEN_PREFIX, S3U_TOKEN_PREFIX_LEN) != 0)
    {
        /* "v<digits>." is some other version of ours, anything else not */
        for (i = 1; i < token_len && i < 10; i++) {
            if (token[i] < '0' || token[i] > '9') {
                break;
            }
        }
        if (token_len > 0 && token[0] == 'v' && i > 1 && i < token_len
            && token[i] == '.')
        {
            snprintf(err, err_size,
                     "S3-Denial-Token version \"%.*s\" is not supported"
                     " (this build reads " S3U_TOKEN_VERSION ")",
                     (int) i, token);
        } else {
            snprintf(err, err_size, "not an S3-Denial-Token (expected \""
                     S3U_TOKEN_PREFIX "\" at the start)");
        }
        return -1;
    }

    if (token_len < S3U_TOKEN_HEADER_LEN) {
        snprintf(err, err_size,
                 "S3-Denial-Token is truncated (it ends inside the key id)");
        return -1;
    }

    for (i = 0; i < S3U_TOKEN_KID_LEN; i++) {
        if (!s3u_is_lower_hex(token[S3U_TOKEN_PREFIX_LEN + i])) {
            break;
        }
    }
    if (i < S3U_TOKEN_KID_LEN || token[S3U_TOKEN_HEADER_LEN - 1] != '.') {
        snprintf(err, err_size, "malformed S3-Denial-Token: the key id after"
                 " \"" S3U_TOKEN_PREFIX "\" must be %d lowercase hex"
                 " characters and a \".\"", S3U_TOKEN_KID_LEN);
        return -1;
    }

    memcpy(kid, token + S3U_TOKEN_PREFIX_LEN, S3U_TOKEN_KID_LEN);
    kid[S3U_TOKEN_KID_LEN] = '\0';

    return 0;
}


long
s3u_token_open(const s3u_token_key_t *key, const char *token,
    size_t token_len, char *out, size_t out_size, char *err,
    size_t err_size)
{
    unsigned char    nonce[S3U_TOKEN_NONCE_LEN];
    unsigned char    tag[S3U_TOKEN_TAG_LEN];
    unsigned char    buf[S3U_TOKEN_CHUNK];
    char             kid[S3U_TOKEN_KID_LEN + 1];
    const char      *payload;
    EVP_CIPHER_CTX  *ctx;
    size_t           payload_len, bad, ct_len, done, pos, chars, got, to_ct;
    long             n;
    int              outl, ok, authentic;

    if (key == NULL || out == NULL || out_size == 0) {
        snprintf(err, err_size, "invalid arguments");
        return -1;
    }

    out[0] = '\0';

    if (s3u_token_kid(token, token_len, kid, sizeof(kid), err, err_size)
        != 0)
    {
        return -1;
    }

    if (strcmp(kid, key->kid) != 0) {
        snprintf(err, err_size, "token was sealed with key id %s, this key"
                 " is %s", kid, key->kid);
        return -1;
    }

    payload = token + S3U_TOKEN_HEADER_LEN;
    payload_len = token_len - S3U_TOKEN_HEADER_LEN;

    if (payload_len
        > s3u_base64url_encoded_len(S3U_TOKEN_OVERHEAD + S3U_TOKEN_PLAIN_MAX))
    {
        snprintf(err, err_size, "S3-Denial-Token is too long (%zu"
                 " characters)", token_len);
        return -1;
    }

    /* validate the whole payload first: a bad character is not "tampered" */
    n = s3u_base64_decode(payload, payload_len, NULL, 0, S3U_BASE64_URL, &bad);
    if (n < 0) {
        /*
         * a valid character refused at the very end has spare bits set:
         * the usual sign of a token cut short
         */
        if (bad + 1 == payload_len && s3u_is_base64url(payload[bad])) {
            bad = payload_len;
        }

        if (bad < payload_len) {
            snprintf(err, err_size, "malformed S3-Denial-Token: character %zu"
                     " is not base64url", S3U_TOKEN_HEADER_LEN + bad);
        } else {
            snprintf(err, err_size, "S3-Denial-Token is truncated or"
                     " malformed: its %zu payload characters do not end on"
                     " a base64url boundary", payload_len);
        }
        return -1;
    }

    if ((size_t) n < S3U_TOKEN_OVERHEAD) {
        snprintf(err, err_size, "S3-Denial-Token is truncated (%ld payload"
                 " bytes, at least %d needed)", n, S3U_TOKEN_OVERHEAD);
        return -1;
    }

    ct_len = (size_t) n - S3U_TOKEN_OVERHEAD;

    if (out_size < ct_len + 1) {
        snprintf(err, err_size, "output buffer too small (%zu bytes for %zu"
                 " bytes of plaintext)", out_size, ct_len);
        return -1;
    }

    (void) s3u_base64_decode(payload, S3U_TOKEN_NONCE_CHARS, nonce,
                             sizeof(nonce), S3U_BASE64_URL, NULL);

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        snprintf(err, err_size, "out of memory (OpenSSL cipher context)");
        return -1;
    }

    ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key->key, nonce) == 1
         && EVP_DecryptUpdate(ctx, NULL, &outl, (const unsigned char *) token,
                              (int) S3U_TOKEN_AAD_LEN) == 1;

    /*
     * ciphertext || tag, a chunk at a time: bytes before ct_len are
     * decrypted straight into out, the rest is the tag
     */
    done = 0;
    pos = S3U_TOKEN_NONCE_CHARS;

    while (ok && pos < payload_len) {
        chars = payload_len - pos;
        if (chars > S3U_TOKEN_CHUNK_CHARS) {
            chars = S3U_TOKEN_CHUNK_CHARS;
        }

        n = s3u_base64_decode(payload + pos, chars, buf, sizeof(buf),
                              S3U_BASE64_URL, NULL);
        if (n < 0) {
            ok = 0;
            break;
        }
        got = (size_t) n;

        to_ct = done < ct_len ? ct_len - done : 0;
        if (to_ct > got) {
            to_ct = got;
        }

        if (to_ct > 0) {
            ok = EVP_DecryptUpdate(ctx, (unsigned char *) out + done, &outl,
                                   buf, (int) to_ct) == 1
                 && (size_t) outl == to_ct;
        }
        if (got > to_ct) {
            memcpy(tag + (done + to_ct - ct_len), buf + to_ct, got - to_ct);
        }

        done += got;
        pos += chars;
    }

    authentic = 0;

    if (ok && done == ct_len + S3U_TOKEN_TAG_LEN) {
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
                                 S3U_TOKEN_TAG_LEN, tag) == 1;
        authentic = ok
                    && EVP_DecryptFinal_ex(ctx, (unsigned char *) out + ct_len,
                                           &outl) > 0;
    } else {
        ok = 0;
    }

    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(buf, sizeof(buf));

    if (!authentic) {
        /* never hand out plaintext the tag did not vouch for */
        OPENSSL_cleanse(out, ct_len + 1);
        out[0] = '\0';
        if (ok) {
            snprintf(err, err_size, "token is corrupt or was tampered with"
                     " (authentication failed)");
        } else {
            snprintf(err, err_size, "cannot open the token: OpenSSL"
                     " AES-256-GCM failed");
        }
        return -1;
    }

    out[ct_len] = '\0';

    return (long) ct_len;
}
