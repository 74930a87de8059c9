/*
 * The request context: condition keys and their values for one request.
 * AWS compares key names case-insensitively, including the tag-name part
 * of aws:PrincipalTag/..., so the lookup folds ASCII case.
 */

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "policy/s3u_cond.h"


const s3u_ctx_entry_t *
s3u_ctx_get(const s3u_ctx_t *ctx, const char *key, size_t key_len)
{
    size_t                  i;
    const s3u_ctx_entry_t  *e;

    if (ctx == NULL || key == NULL) {
        return NULL;
    }

    for (i = 0; i < ctx->n; i++) {
        e = &ctx->entries[i];

        if (e->key != NULL
            && strlen(e->key) == key_len
            && strncasecmp(e->key, key, key_len) == 0)
        {
            return e;
        }
    }

    return NULL;
}
