/*
 * libFuzzer target: the token codec (token/s3u_token.h, s3u_base64.h).
 *
 * The input is taken four ways:
 *   - as an S3-Denial-Token opened with a fixed key (seeds are real tokens
 *     sealed with it, see t/fuzz/mkseed_token.c): the result is -1 or a
 *     NUL-terminated plaintext that fits; the key id reader agrees with
 *     the opener about the header;
 *   - as base64 text under every flag combination: counting (dst NULL)
 *     and decoding agree, and a strict base64url decoding re-encodes to
 *     the very same text (one text, one decoding);
 *   - as a key file's content: loaded or refused with a message;
 *   - as a plaintext: sealing then opening gives it back, and changing
 *     any one character of the token (chosen by the input) is refused.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token/s3u_base64.h"
#include "token/s3u_token.h"

#include "fuzz_util.h"


/* the key mkseed_token.c seals the seed tokens with */
static const unsigned char  fuzz_key_bytes[S3U_TOKEN_KEY_LEN] =
    "s3-unmask fuzz key, not a secret";


static void
fuzz_load_key(s3u_token_key_t *key)
{
    char  err[256];

    if (s3u_token_key_parse(fuzz_key_bytes, sizeof(fuzz_key_bytes), key, err,
                            sizeof(err)) != 0)
    {
        fprintf(stderr, "fuzz_token: the fixed key is refused: %s\n", err);
        abort();
    }
}


static void
fuzz_open(const s3u_token_key_t *key, const uint8_t *data, size_t size)
{
    char   *out, err[256], kid[S3U_TOKEN_KID_LEN + 1];
    long    n;
    int     rc;
    size_t  out_size;

    /* the payload bounds the plaintext: one byte more than the token */
    out_size = size + 1;
    out = malloc(out_size);
    if (out == NULL) {
        abort();
    }
    err[0] = '\0';

    n = s3u_token_open(key, (const char *) data, size, out, out_size, err,
                       sizeof(err));
    if (n < 0) {
        FUZZ_CHECK(n == -1, "open returned %ld", n);
        FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0',
                   "refusal without a message");
    } else {
        FUZZ_CHECK((size_t) n < out_size && out[n] == '\0',
                   "plaintext of %ld bytes not terminated in %zu", n,
                   out_size);
    }

    rc = s3u_token_kid((const char *) data, size, kid, sizeof(kid), err,
                       sizeof(err));
    if (n >= 0) {
        FUZZ_CHECK(rc == 0 && strcmp(kid, key->kid) == 0,
                   "opened, but the key id reader disagrees");
    }
    if (rc == 0) {
        FUZZ_CHECK(strlen(kid) == S3U_TOKEN_KID_LEN, "key id of %zu chars",
                   strlen(kid));
    }

    /* a buffer too small for the plaintext: refused, never overrun */
    if (n > 0) {
        free(out);
        out = malloc((size_t) n);
        if (out == NULL) {
            abort();
        }
        FUZZ_CHECK(s3u_token_open(key, (const char *) data, size, out,
                                  (size_t) n, err, sizeof(err)) == -1,
                   "opened into a buffer without room for the NUL");
    }

    free(out);
}


static void
fuzz_base64(const uint8_t *data, size_t size)
{
    unsigned        flags;
    long            counted, decoded;
    size_t          bad, cap;
    unsigned char  *dst;
    char           *again;

    cap = size / 4 * 3 + 3;

    for (flags = 1; flags < 8; flags++) {
        counted = s3u_base64_decode((const char *) data, size, NULL, 0, flags,
                                    &bad);
        dst = malloc(cap);
        if (dst == NULL) {
            abort();
        }
        decoded = s3u_base64_decode((const char *) data, size, dst, cap, flags,
                                    &bad);
        FUZZ_CHECK(counted == decoded, "flags %u: counted %ld, decoded %ld",
                   flags, counted, decoded);
        if (decoded == S3U_BASE64_EINVAL) {
            FUZZ_CHECK(bad <= size, "bad offset %zu past %zu", bad, size);
        }
        FUZZ_CHECK(decoded != S3U_BASE64_ENOSPC,
                   "flags %u: no space in %zu bytes for %zu chars", flags,
                   cap, size);

        if (decoded >= 0) {
            FUZZ_CHECK((size_t) decoded <= cap, "decoded more than room");

            if (flags == S3U_BASE64_URL) {
                again = malloc(s3u_base64url_encoded_len((size_t) decoded) + 1);
                if (again == NULL) {
                    abort();
                }
                FUZZ_CHECK(s3u_base64url_encode(dst, (size_t) decoded, again)
                           == size && memcmp(again, data, size) == 0,
                           "base64url text does not re-encode to itself");
                free(again);
            }

            /* one byte too small must be refused, not overrun */
            if (decoded > 0) {
                FUZZ_CHECK(s3u_base64_decode((const char *) data, size, dst,
                                             (size_t) decoded - 1, flags,
                                             NULL) == S3U_BASE64_ENOSPC,
                           "decoded into a buffer one byte short");
            }
        }
        free(dst);
    }
}


static void
fuzz_key_file(const uint8_t *data, size_t size)
{
    char             err[256];
    s3u_token_key_t  key;

    err[0] = '\0';
    if (s3u_token_key_parse(data, size, &key, err, sizeof(err)) == 0) {
        FUZZ_CHECK(strlen(key.kid) == S3U_TOKEN_KID_LEN, "kid of %zu chars",
                   strlen(key.kid));
        s3u_token_key_wipe(&key);
    } else {
        FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0',
                   "key refused without a message");
    }
}


static void
fuzz_round_trip(const s3u_token_key_t *key, const uint8_t *data, size_t size)
{
    char    *tok, *plain, err[256];
    long     tlen, plen;
    size_t   tsize, at;

    tsize = s3u_token_size(size);
    tok = malloc(tsize);
    plain = malloc(tsize);
    if (tok == NULL || plain == NULL) {
        abort();
    }

    tlen = s3u_token_seal(key, (const char *) data, size, tok, tsize);
    FUZZ_CHECK(tlen >= 0 && (size_t) tlen == tsize - 1,
               "sealed %ld chars, size said %zu", tlen, tsize);
    FUZZ_CHECK(s3u_token_seal(key, (const char *) data, size, tok, tsize - 1)
               == -1, "sealed into a buffer one byte short");

    tlen = s3u_token_seal(key, (const char *) data, size, tok, tsize);
    plen = s3u_token_open(key, tok, (size_t) tlen, plain, tsize, err,
                          sizeof(err));
    FUZZ_CHECK(plen >= 0 && (size_t) plen == size
               && (size == 0 || memcmp(plain, data, size) == 0),
               "round trip failed: %s", err);

    /* change one character (to another of the same alphabet) */
    if (tlen > 0) {
        at = size > 0 ? (data[0] * 131u + size) % (size_t) tlen : 0;
        tok[at] = tok[at] == 'A' ? 'B' : 'A';
        plen = s3u_token_open(key, tok, (size_t) tlen, plain, tsize, err,
                              sizeof(err));
        FUZZ_CHECK(plen == -1, "a token changed at %zu still opens", at);
    }

    free(tok);
    free(plain);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s3u_token_key_t  key;

    fuzz_load_key(&key);

    fuzz_open(&key, data, size);
    fuzz_base64(data, size);
    fuzz_key_file(data, size);
    fuzz_round_trip(&key, data, size);

    s3u_token_key_wipe(&key);
    return 0;
}
