/*
 * Lists and levels of policies: see s3u_plist.h.
 */

#include <stdlib.h>

#include "policy/s3u_plist.h"


int
s3u_plist_load(const s3u_plist_loader_t *ld, const cJSON *node,
    s3u_policy_kind_t kind, s3u_layer_t layer, const char *what,
    s3u_plist_t *out)
{
    const cJSON          *item;
    const s3u_policy_t  **docs;
    size_t                n, i;

    out->docs = NULL;
    out->n = 0;
    n = (size_t) cJSON_GetArraySize(node);
    docs = s3u_arena_alloc(ld->arena, (n ? n : 1) * sizeof(*docs));
    if (docs == NULL) {
        return s3u_json_fail(ld->err, ld->doc, node, 0, "out of memory");
    }
    for (i = 0, item = node->child; item != NULL; item = item->next, i++) {
        if (ld->format->read(ld->data, item, what, kind, layer, &docs[i])
            != 0)
        {
            return -1;
        }
    }
    out->docs = docs;
    out->n = n;
    return 0;
}


int
s3u_plist_load_levels(const s3u_plist_loader_t *ld, const cJSON *node,
    s3u_policy_kind_t kind, s3u_layer_t layer, const char *what,
    const s3u_plist_t **out, size_t *nout)
{
    const cJSON  *level;
    s3u_plist_t  *levels;
    size_t        n, i;

    *out = NULL;
    *nout = 0;
    if (node == NULL || cJSON_IsNull(node)) {
        return 0;
    }
    if (!cJSON_IsArray(node)) {
        return s3u_json_fail(ld->err, ld->doc, node, 0, "\"%s\" %s", what,
                             ld->format->not_levels);
    }
    n = (size_t) cJSON_GetArraySize(node);
    levels = s3u_arena_alloc(ld->arena, (n ? n : 1) * sizeof(*levels));
    if (levels == NULL) {
        return s3u_json_fail(ld->err, ld->doc, node, 0, "out of memory");
    }
    for (i = 0, level = node->child; level != NULL; level = level->next, i++)
    {
        if (!cJSON_IsArray(level)) {
            return s3u_json_fail(ld->err, ld->doc, level, 0,
                                 "each \"%s\" level %s", what,
                                 ld->format->not_level);
        }
        if (s3u_plist_load(ld, level, kind, layer, what, &levels[i]) != 0) {
            return -1;
        }
    }
    *out = levels;
    *nout = n;
    return 0;
}


int
s3u_plist_keep(s3u_plist_kept_t *kept, s3u_policy_t *p, s3u_layer_t layer,
    const char *resource)
{
    s3u_plist_owned_t  *grown;
    size_t              cap;

    if (kept->n == kept->cap) {
        cap = kept->cap ? kept->cap * 2 : 16;
        grown = realloc(kept->items, cap * sizeof(*grown));
        if (grown == NULL) {
            s3u_policy_free(p);
            return -1;
        }
        kept->items = grown;
        kept->cap = cap;
    }
    kept->items[kept->n].policy = p;
    kept->items[kept->n].layer = layer;
    kept->items[kept->n].resource = resource;
    kept->n++;
    return 0;
}


void
s3u_plist_kept_free(s3u_plist_kept_t *kept)
{
    size_t  i;

    for (i = 0; i < kept->n; i++) {
        s3u_policy_free(kept->items[i].policy);
    }
    free(kept->items);
}
