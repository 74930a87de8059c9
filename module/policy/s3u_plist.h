/*
 * Lists of policies in policy-set manifests and scenario files: a JSON
 * array of policies, and the SCP and RCP levels of an organization, an
 * array of such lists, root first.  The two formats differ only in what
 * an item may be (a manifest: a file path or an inline document; a
 * scenario: an inline document) and in their words, so the shape is
 * checked here once and each format reads its own items.
 *
 * Pure C, no nginx headers.
 */

#ifndef S3U_PLIST_H
#define S3U_PLIST_H

#include "policy/s3u_eval.h"
#include "policy/s3u_json_pos.h"


/*
 * Reads item, a member of the list named what, into *out, refusing items
 * of the wrong type in the format's words; layer is the one the list
 * serves (a manifest records it for lint).  0, or -1 with err set.
 */
typedef int (*s3u_plist_read_pt)(void *data, const cJSON *item,
    const char *what, s3u_policy_kind_t kind, s3u_layer_t layer,
    const s3u_policy_t **out);

/* one format: a static table in each */
typedef struct {
    s3u_plist_read_pt   read;
    /* its words for levels of the wrong shape, after "\"WHAT\" " and
     * after "each \"WHAT\" level " */
    const char         *not_levels;
    const char         *not_level;
} s3u_plist_format_t;

typedef struct {
    const s3u_plist_format_t  *format;
    void                      *data;    /* read's first argument */
    s3u_arena_t               *arena;   /* holds the arrays made */
    const s3u_json_doc_t      *doc;
    s3u_error_t               *err;
} s3u_plist_loader_t;

/* node: a JSON array; every item is read */
int s3u_plist_load(const s3u_plist_loader_t *ld, const cJSON *node,
    s3u_policy_kind_t kind, s3u_layer_t layer, const char *what,
    s3u_plist_t *out);

/* node: an array of lists, root first; absent or null: no levels */
int s3u_plist_load_levels(const s3u_plist_loader_t *ld, const cJSON *node,
    s3u_policy_kind_t kind, s3u_layer_t layer, const char *what,
    const s3u_plist_t **out, size_t *nout);


/*
 * The policies a manifest or a scenario file compiled, freed with it; a
 * manifest also records each one's layer and resource for lint (a
 * scenario: S3U_LAYER_NONE and NULL).
 */
typedef struct {
    s3u_policy_t        *policy;
    s3u_layer_t          layer;
    const char          *resource;
} s3u_plist_owned_t;

typedef struct {
    s3u_plist_owned_t   *items;
    size_t               n;
    size_t               cap;
} s3u_plist_kept_t;

/*
 * Adds p to kept, which owns it from then on.  -1 when the list cannot
 * grow: p is freed then too, so that a caller never frees p itself.
 */
int s3u_plist_keep(s3u_plist_kept_t *kept, s3u_policy_t *p,
    s3u_layer_t layer, const char *resource);

/* frees every policy kept and the list itself */
void s3u_plist_kept_free(s3u_plist_kept_t *kept);

#endif /* S3U_PLIST_H */
