/*
 * The label sets of a finding's fields and their hashes.  See s3u_label.h.
 */

#include "detect/s3u_label.h"


/* n bytes of a word, counted from its first byte in memory; the masks
 * shift in two halves, never by 64 */
#define S3U_LABEL_NB(n, i)                                                    \
    ((n) >= 8 * (i) + 8 ? 8 : (n) > 8 * (i) ? (n) - 8 * (i) : 0)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define S3U_LABEL_MASK(n, i)                                                  \
    (~(~0ULL >> (4 * S3U_LABEL_NB(n, i)) >> (4 * S3U_LABEL_NB(n, i))))
#else
#define S3U_LABEL_MASK(n, i)                                                  \
    (((1ULL << (4 * S3U_LABEL_NB(n, i))) << (4 * S3U_LABEL_NB(n, i))) - 1)
#endif

#define S3U_LABEL(name)                                                       \
    { name, { S3U_LABEL_MASK(sizeof(name), 0),                                \
              S3U_LABEL_MASK(sizeof(name), 1),                                \
              S3U_LABEL_MASK(sizeof(name), 2) }, sizeof(name) - 1 }


const s3u_label_t  s3u_label_codes[S3U_LABEL_CODES] = {
    S3U_LABEL("AccessDenied"), S3U_LABEL("Forbidden"),
    S3U_LABEL("AllAccessDisabled"), S3U_LABEL("AccountProblem"),
    S3U_LABEL("InvalidAccessKeyId"), S3U_LABEL("SignatureDoesNotMatch"),
    S3U_LABEL("ExpiredToken"), S3U_LABEL("other")
};

const s3u_label_t  s3u_label_services[S3U_LABEL_SERVICES] = {
    S3U_LABEL("s3"), S3U_LABEL("kms"), S3U_LABEL("sts"), S3U_LABEL("other")
};

const s3u_label_t  s3u_label_layers[S3U_LABEL_LAYERS] = {
    S3U_LABEL("identity"), S3U_LABEL("permissions-boundary"),
    S3U_LABEL("session-policy"), S3U_LABEL("scp"), S3U_LABEL("rcp"),
    S3U_LABEL("vpc-endpoint-policy"), S3U_LABEL("bucket-policy"),
    S3U_LABEL("access-point-policy"), S3U_LABEL("resource-policy"),
    S3U_LABEL("kms-key-policy"), S3U_LABEL("role-trust-policy"),
    S3U_LABEL("none"), S3U_LABEL("unknown")
};


/*
 * The hashes, on bytes of the field as unsigned: codes (f[0] + f[3]) & 15,
 * services (f[0] + f[1]) & 7, layers (f[0] * 26 + f[1]) & 31; each is
 * one-to-one on its set (but for the last label).  The unit tests look up
 * every label and expect its own index.
 */

const unsigned char  s3u_label_code_slots[16] = {
    [0] = 4, [1] = 6, [2] = 3, [6] = 1, [8] = 2, [10] = 5, [14] = 7
};

const unsigned char  s3u_label_service_slots[8] = {
    [0] = 2, [6] = 1, [7] = 3
};

const unsigned char  s3u_label_layer_slots[32] = {
    [3] = 11, [5] = 2, [9] = 7, [11] = 10, [12] = 6, [14] = 1, [17] = 4,
    [19] = 3, [23] = 5, [25] = 9, [27] = 12, [29] = 8
};


/* the words a field is compared in fit the finding's arrays */
_Static_assert(sizeof(((s3u_finding_t *) 0)->code) >= 8 * S3U_LABEL_WORDS
               && sizeof(((s3u_finding_t *) 0)->layer)
                  >= 8 * S3U_LABEL_WORDS
               && sizeof(((s3u_finding_t *) 0)->service) >= 8,
               "a label's words outrun a finding's field");
