/*
 * Seed maker for fuzz_token: seals a few diagnoses with the fuzzer's fixed
 * key and writes one token per file into DIR, so the fuzzer starts from
 * tokens that open (run.sh builds and runs it; the nonces are random, so
 * every run gives new tokens).
 *
 *   mkseed_token DIR
 */

#include <stdio.h>
#include <string.h>

#include "token/s3u_token.h"


static const unsigned char  key_bytes[S3U_TOKEN_KEY_LEN] =
    "s3-unmask fuzz key, not a secret";

static const char *const plains[] = {
    "",
    "{}",
    "{\"verdict\":\"denial\",\"code\":\"AccessDenied\",\"service\":\"s3\","
    "\"layer\":\"access-point-policy\",\"source\":\"evaluator\","
    "\"request_id\":\"4Y5GQ1WJ8W1XJ0J5\"}",
    "{\"code\":\"AccessDenied\",\"principal\":\"arn:aws:sts::111122223333:"
    "assumed-role/lambda-exec-role/upload-fn\",\"action\":\"s3:PutObject\","
    "\"resource\":\"arn:aws:s3:::corp-app-uploads/test.txt\","
    "\"statement\":\"bucket.json:12 DenyOutsideOrg\"}",
    "x",
    "xy",
    "xyz",
};


int
main(int argc, char **argv)
{
    char             path[4096], tok[4096], err[256];
    long             n;
    size_t           i;
    FILE            *f;
    s3u_token_key_t  key;

    if (argc != 2) {
        fprintf(stderr, "usage: mkseed_token DIR\n");
        return 2;
    }

    if (s3u_token_key_parse(key_bytes, sizeof(key_bytes), &key, err,
                            sizeof(err)) != 0)
    {
        fprintf(stderr, "mkseed_token: %s\n", err);
        return 1;
    }

    for (i = 0; i < sizeof(plains) / sizeof(plains[0]); i++) {
        n = s3u_token_seal(&key, plains[i], strlen(plains[i]), tok,
                           sizeof(tok));
        if (n < 0) {
            fprintf(stderr, "mkseed_token: sealing failed\n");
            return 1;
        }

        snprintf(path, sizeof(path), "%s/sealed-%zu", argv[1], i);
        f = fopen(path, "wb");
        if (f == NULL || fwrite(tok, 1, (size_t) n, f) != (size_t) n) {
            fprintf(stderr, "mkseed_token: cannot write %s\n", path);
            return 1;
        }
        fclose(f);
    }

    s3u_token_key_wipe(&key);
    return 0;
}
