/*
 * Base64 for the token codec and the key file: RFC 4648 section 5
 * (base64url, no padding) for tokens, and the standard alphabet with
 * optional padding for keys made with "openssl rand -base64 32".
 *
 * Nothing here allocates.  Decoding is strict: a character outside the
 * chosen alphabet, an impossible length, or non-zero bits left over in the
 * last character are refused, so every text has exactly one decoding (a
 * changed character can never decode to the same bytes).
 */

#ifndef S3U_BASE64_H
#define S3U_BASE64_H

#include <stddef.h>

#define S3U_BASE64_URL   0x01   /* accept '-' and '_' for 62 and 63 */
#define S3U_BASE64_STD   0x02   /* accept '+' and '/' for 62 and 63 */
#define S3U_BASE64_PAD   0x04   /* accept correct trailing '=' padding */

#define S3U_BASE64_EINVAL  (-1) /* not base64 of the chosen kind */
#define S3U_BASE64_ENOSPC  (-2) /* dst_size is too small */

/* characters base64url (unpadded) needs for len bytes */
size_t s3u_base64url_encoded_len(size_t len);

/*
 * Writes exactly s3u_base64url_encoded_len(len) characters to dst, no NUL,
 * and returns that count.  Encoding a long input piece by piece gives the
 * same text as one call when every piece but the last is a multiple of 3.
 */
size_t s3u_base64url_encode(const unsigned char *src, size_t len, char *dst);

/*
 * Decodes len characters of src into dst and returns the byte count, or
 * S3U_BASE64_EINVAL with *bad (when not NULL) set to the offset of the
 * first character at fault (len when the length itself is impossible), or
 * S3U_BASE64_ENOSPC.  With dst NULL it only validates and counts.
 * Decoding piece by piece works when every piece but the last is a
 * multiple of 4 characters.
 */
long s3u_base64_decode(const char *src, size_t len, unsigned char *dst,
    size_t dst_size, unsigned flags, size_t *bad);

#endif /* S3U_BASE64_H */
