/*
 * The sealed S3-Denial-Token: the full diagnosis (JSON) for operators,
 * carried in a client-facing header that clients can neither read nor
 * forge, in the spirit of STS's encoded authorization messages.
 *
 * Token format, version 1 (all ASCII, safe in an HTTP header value):
 *
 *     v1.<kid>.<payload>
 *
 *   kid      12 lowercase hex characters: the first 6 bytes of
 *            SHA-256("s3-unmask token key id v1" || 0x00 || key).  It names
 *            the key (so keys can rotate and "wrong key" is told apart
 *            from "tampered") without revealing anything about it.
 *   payload  base64url without padding (RFC 4648 section 5) of
 *            nonce (12 bytes) || ciphertext (as long as the plaintext)
 *            || GCM tag (16 bytes).
 *
 * Cipher: AES-256-GCM with a fresh random 96-bit nonce per token
 * (RAND_bytes), and the 15 ASCII bytes "v1.<kid>" as additional
 * authenticated data, so neither the version nor the key id can be
 * changed without the tag failing.
 *
 * Everything is read-only on the key: one loaded key may be shared by
 * every nginx worker and thread.
 */

#ifndef S3U_TOKEN_H
#define S3U_TOKEN_H

#include <stddef.h>

#define S3U_TOKEN_KEY_LEN     32
#define S3U_TOKEN_KID_LEN     12            /* hex characters */
#define S3U_TOKEN_NONCE_LEN   12
#define S3U_TOKEN_TAG_LEN     16
#define S3U_TOKEN_VERSION     "v1"

/* the largest plaintext sealed or opened (a header value, after all) */
#define S3U_TOKEN_PLAIN_MAX   (1024 * 1024)

typedef struct {
    unsigned char  key[S3U_TOKEN_KEY_LEN];
    char           kid[16];                 /* S3U_TOKEN_KID_LEN + NUL */
} s3u_token_key_t;

/*
 * Key file: exactly 32 bytes of key, written as 32 raw bytes, 64 hex
 * characters, or base64 of 32 bytes (standard or url alphabet, padding
 * optional); the text forms may end with one "\n" or "\r\n".  Anything
 * else, an all-zero key, or a file that cannot be read is refused with
 * a message in err.  Return 0 on success, -1 on error.
 */
int s3u_token_key_load(const char *path, s3u_token_key_t *key, char *err,
    size_t err_size);
int s3u_token_key_parse(const unsigned char *data, size_t len,
    s3u_token_key_t *key, char *err, size_t err_size);

/* overwrites the key material (use before freeing a key) */
void s3u_token_key_wipe(s3u_token_key_t *key);

/*
 * Bytes out needs to seal plain_len bytes, INCLUDING the terminating NUL;
 * s3u_token_seal() returns this minus one.
 */
size_t s3u_token_size(size_t plain_len);

/*
 * Seals plain into out as a NUL-terminated token.  Returns the token's
 * length (without the NUL), or -1 when out_size < s3u_token_size(),
 * plain_len > S3U_TOKEN_PLAIN_MAX, or OpenSSL fails (no randomness).
 */
long s3u_token_seal(const s3u_token_key_t *key, const char *plain,
    size_t plain_len, char *out, size_t out_size);

/*
 * Opens a token: writes the plaintext and a NUL to out (which needs one
 * byte more than the plaintext; the payload length bounds it) and returns
 * the plaintext length.  On refusal returns -1, leaves no unauthenticated
 * bytes in out, and puts a message for the operator in err, e.g.
 *   token was sealed with key id 1a2b3c4d5e6f, this key is 0a1b2c3d4e5f
 *   token is corrupt or was tampered with (authentication failed)
 *   not an S3-Denial-Token (expected "v1." at the start)
 */
long s3u_token_open(const s3u_token_key_t *key, const char *token,
    size_t token_len, char *out, size_t out_size, char *err,
    size_t err_size);

/*
 * Reads the key id of a token without opening it (to pick one of several
 * keys); kid receives S3U_TOKEN_KID_LEN characters and a NUL.  Returns 0,
 * or -1 with a message in err when the token's header is malformed.
 */
int s3u_token_kid(const char *token, size_t token_len, char *kid,
    size_t kid_size, char *err, size_t err_size);

#endif /* S3U_TOKEN_H */
