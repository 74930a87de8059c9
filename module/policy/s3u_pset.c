/*
 * Policy sets: the manifest (policyset.json), loading every policy it
 * names, and resolving one request into the per-layer form of s3u_eval.h
 * with the request context AWS would build for it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "policy/s3u_plist.h"
#include "policy/s3u_principal.h"
#include "policy/s3u_pset.h"


#define S3U_PSET_CTX_MAX    96
#define S3U_PSET_VALS_MAX   192
#define S3U_PSET_STR_MAX    4096

typedef struct {
    const char          *id;
    const char          *org_id;
    const char         **org_paths;
    size_t               norg_paths;
    const s3u_plist_t   *scp;
    size_t               nscp;
    const s3u_plist_t   *rcp;
    size_t               nrcp;
} s3u_pset_account_t;

typedef struct {
    const char          *arn;
    s3u_caller_t         who;           /* parsed arn (points into arn) */
    const char          *unique_id;
    s3u_plist_t          identity;
    const s3u_policy_t  *boundary;
    const s3u_policy_t  *session;
    const s3u_policy_t  *trust;
    const char         **tag_keys;
    const char         **tag_values;
    size_t               ntags;
} s3u_pset_principal_t;

typedef struct {
    const char          *name;
    const char          *arn;
    const char          *account;
    const char          *kms_key;       /* default encryption key ARN */
    const s3u_policy_t  *policy;
} s3u_pset_bucket_t;

typedef struct {
    const char          *arn;
    size_t               arn_len;
    const char          *account;
    const char          *region;
    const char          *bucket;
    const char          *origin;        /* Internet or VPC */
    const s3u_policy_t  *policy;
} s3u_pset_ap_t;

typedef struct {
    const char          *arn;
    const char          *account;
    const char          *region;
    const s3u_policy_t  *policy;
} s3u_pset_key_t;

typedef struct {
    const char          *id;
    const s3u_policy_t  *policy;
} s3u_pset_vpce_t;

struct s3u_pset_s {
    char                  *dir;
    s3u_arena_t           *arena;
    s3u_pset_account_t    *accounts;
    size_t                 naccounts;
    s3u_pset_principal_t  *principals;
    size_t                 nprincipals;
    s3u_pset_bucket_t     *buckets;
    size_t                 nbuckets;
    s3u_pset_ap_t         *aps;
    size_t                 naps;
    s3u_pset_key_t        *keys;
    size_t                 nkeys;
    s3u_pset_vpce_t       *vpces;
    size_t                 nvpces;
    const char           **ctx_keys;    /* manifest "context" defaults */
    const char           **ctx_values;
    size_t                 nctx;
    s3u_plist_kept_t       owned;       /* every policy compiled */
};

typedef struct {
    s3u_pset_t            *ps;
    const s3u_json_doc_t  *doc;
    s3u_error_t           *err;
    s3u_plist_loader_t     lists;
} s3u_pload_t;


/* --- loading ------------------------------------------------------------- */

/* a manifest object with only the members it may have */
static int
check_keys(s3u_pload_t *pl, const cJSON *obj, const char *what,
    const char *const *known, size_t n)
{
    if (!cJSON_IsObject(obj)) {
        return s3u_json_fail(pl->err, pl->doc, obj, 0, "%s must be an object",
                             what);
    }
    return s3u_json_known_keys(pl->err, pl->doc, obj, what, known, n);
}


static char *
dup(s3u_pload_t *pl, const char *s)
{
    return s3u_arena_strndup(pl->ps->arena, s, strlen(s));
}


/* string member; required ones fail when absent, all when not strings */
static int
get_str(s3u_pload_t *pl, const cJSON *obj, const char *name, int required,
    const char **out)
{
    const cJSON  *m;

    *out = NULL;
    m = s3u_json_get(obj, name);
    if (m == NULL || cJSON_IsNull(m)) {
        if (required) {
            return s3u_json_fail(pl->err, pl->doc, obj, 0,
                                 "\"%s\" is required here", name);
        }
        return 0;
    }
    if (!cJSON_IsString(m) || m->valuestring[0] == '\0') {
        return s3u_json_fail(pl->err, pl->doc, m, 0,
                             "\"%s\" must be a non-empty string", name);
    }
    *out = dup(pl, m->valuestring);
    if (*out == NULL) {
        return s3u_json_fail(pl->err, pl->doc, m, 0, "out of memory");
    }
    return 0;
}


/* a policy reference: a path (string) or an inline document; null: none */
static int
load_ref(s3u_pload_t *pl, const cJSON *node, s3u_policy_kind_t kind,
    s3u_layer_t layer, const char *res, const s3u_policy_t **out)
{
    s3u_policy_t  *p;
    char           path[4096];

    *out = NULL;
    if (node == NULL || cJSON_IsNull(node)) {
        return 0;
    }
    if (cJSON_IsString(node)) {
        if (s3u_path_join(path, sizeof(path), pl->ps->dir,
                          node->valuestring)
            != 0)
        {
            return s3u_json_fail(pl->err, pl->doc, node, 0, "path too long");
        }
        p = s3u_policy_load_file(path, kind, pl->err);
        if (p == NULL) {
            if (pl->err->line == 0) {
                /* the file itself is missing: point at the reference */
                char  msg[512];

                snprintf(msg, sizeof(msg), "%s", pl->err->message);
                return s3u_json_fail(pl->err, pl->doc, node, 0,
                                     "policy file \"%s\": %s",
                                     node->valuestring, msg);
            }
            return -1;
        }
    } else if (cJSON_IsObject(node)) {
        p = s3u_policy_compile_wrapped(pl->doc, node, kind, pl->err, NULL,
                                       NULL);
        if (p == NULL) {
            return -1;
        }
    } else {
        return s3u_json_fail(pl->err, pl->doc, node, 0,
                             "a policy is a file path, an inline document,"
                             " or null");
    }
    if (s3u_plist_keep(&pl->ps->owned, p, layer, res) != 0) {
        return s3u_json_fail(pl->err, pl->doc, node, 0, "out of memory");
    }
    *out = p;
    return 0;
}


/* an item of a list: a reference as load_ref takes it, but not null */
static int
load_item(void *data, const cJSON *item, const char *what,
    s3u_policy_kind_t kind, s3u_layer_t layer, const s3u_policy_t **out)
{
    s3u_pload_t  *pl = data;

    if (cJSON_IsNull(item)) {
        return s3u_json_fail(pl->err, pl->doc, item, 0,
                             "null in the %s list", what);
    }
    return load_ref(pl, item, kind, layer, NULL, out);
}


/* a manifest's lists: file paths or inline documents, in its words */
static const s3u_plist_format_t  paths_or_docs = {
    load_item,
    "is an array of levels, root first; each level an array of policies",
    "is an array of policies"
};


static int
load_list(s3u_pload_t *pl, const cJSON *node, s3u_policy_kind_t kind,
    s3u_layer_t layer, const char *what, s3u_plist_t *out)
{
    const s3u_policy_t  **docs;

    out->docs = NULL;
    out->n = 0;
    if (node == NULL || cJSON_IsNull(node)) {
        return 0;
    }
    if (!cJSON_IsArray(node)) {
        /* one reference alone is a list of one */
        docs = s3u_arena_alloc(pl->ps->arena, sizeof(*docs));
        if (docs == NULL || load_ref(pl, node, kind, layer, NULL, &docs[0]))
        {
            return -1;
        }
        out->docs = docs;
        out->n = docs[0] ? 1 : 0;
        return 0;
    }
    return s3u_plist_load(&pl->lists, node, kind, layer, what, out);
}


static int
load_strings(s3u_pload_t *pl, const cJSON *node, const char *what,
    const char ***out, size_t *nout)
{
    const cJSON   *item;
    const char   **v;
    size_t         n, i;

    *out = NULL;
    *nout = 0;
    if (node == NULL || cJSON_IsNull(node)) {
        return 0;
    }
    if (cJSON_IsString(node)) {
        v = s3u_arena_alloc(pl->ps->arena, sizeof(*v));
        if (v == NULL || (v[0] = dup(pl, node->valuestring)) == NULL) {
            return s3u_json_fail(pl->err, pl->doc, node, 0, "out of memory");
        }
        *out = v;
        *nout = 1;
        return 0;
    }
    if (!cJSON_IsArray(node)) {
        return s3u_json_fail(pl->err, pl->doc, node, 0,
                             "\"%s\" must be a string or an array of strings",
                             what);
    }
    n = (size_t) cJSON_GetArraySize(node);
    v = s3u_arena_alloc(pl->ps->arena, (n ? n : 1) * sizeof(*v));
    if (v == NULL) {
        return s3u_json_fail(pl->err, pl->doc, node, 0, "out of memory");
    }
    for (i = 0, item = node->child; item != NULL; item = item->next, i++) {
        if (!cJSON_IsString(item)) {
            return s3u_json_fail(pl->err, pl->doc, item, 0,
                                 "\"%s\" must hold strings", what);
        }
        v[i] = dup(pl, item->valuestring);
        if (v[i] == NULL) {
            return s3u_json_fail(pl->err, pl->doc, item, 0, "out of memory");
        }
    }
    *out = v;
    *nout = n;
    return 0;
}


/* {"k": "v", ...} into parallel arrays */
static int
load_map(s3u_pload_t *pl, const cJSON *node, const char *what,
    const char ***keys, const char ***values, size_t *n)
{
    const cJSON  *m;
    size_t        i, cnt;

    *keys = NULL;
    *values = NULL;
    *n = 0;
    if (node == NULL || cJSON_IsNull(node)) {
        return 0;
    }
    if (!cJSON_IsObject(node)) {
        return s3u_json_fail(pl->err, pl->doc, node, 0,
                             "\"%s\" must be an object of strings", what);
    }
    cnt = (size_t) cJSON_GetArraySize(node);
    *keys = s3u_arena_alloc(pl->ps->arena, (cnt ? cnt : 1) * sizeof(char *));
    *values = s3u_arena_alloc(pl->ps->arena,
                              (cnt ? cnt : 1) * sizeof(char *));
    if (*keys == NULL || *values == NULL) {
        return s3u_json_fail(pl->err, pl->doc, node, 0, "out of memory");
    }
    for (i = 0, m = node->child; m != NULL; m = m->next, i++) {
        if (!cJSON_IsString(m)) {
            return s3u_json_fail(pl->err, pl->doc, m, 0,
                                 "\"%s\" values must be strings", what);
        }
        (*keys)[i] = dup(pl, m->string);
        (*values)[i] = dup(pl, m->valuestring);
        if ((*keys)[i] == NULL || (*values)[i] == NULL) {
            return s3u_json_fail(pl->err, pl->doc, m, 0, "out of memory");
        }
    }
    *n = cnt;
    return 0;
}


/* array (or object keyed by id) of entries: allocates and counts */
static void *
alloc_entries(s3u_pload_t *pl, const cJSON *node, const char *what,
    size_t size, size_t *n)
{
    void  *p;

    *n = 0;
    if (node == NULL || cJSON_IsNull(node)) {
        return NULL;
    }
    if (!cJSON_IsArray(node) && !cJSON_IsObject(node)) {
        s3u_json_fail(pl->err, pl->doc, node, 0, "\"%s\" must be %s", what,
                      strcmp(what, "accounts") == 0
                      ? "an object keyed by account id" : "an array");
        return NULL;
    }
    *n = (size_t) cJSON_GetArraySize(node);
    p = s3u_arena_alloc(pl->ps->arena, (*n ? *n : 1) * size);
    if (p == NULL) {
        s3u_json_fail(pl->err, pl->doc, node, 0, "out of memory");
        *n = 0;
    }
    return p;
}


static int
is_account(const char *s)
{
    size_t  i;

    for (i = 0; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return i == 12;
}


static int
load_accounts(s3u_pload_t *pl, const cJSON *node)
{
    static const char *const  known[] = {
        "org_id", "org_paths", "scp", "rcp", "name"
    };
    s3u_pset_t          *ps = pl->ps;
    const cJSON         *m;
    s3u_pset_account_t  *a;
    const char          *name;
    size_t               i;

    if (node == NULL) {
        return 0;
    }
    if (!cJSON_IsObject(node)) {
        return s3u_json_fail(pl->err, pl->doc, node, 0,
                             "\"accounts\" must be an object keyed by"
                             " account id");
    }
    ps->accounts = alloc_entries(pl, node, "accounts", sizeof(*a),
                                 &ps->naccounts);
    if (ps->accounts == NULL && ps->naccounts) {
        return -1;
    }
    for (i = 0, m = node->child; m != NULL; m = m->next, i++) {
        a = &ps->accounts[i];
        if (!is_account(m->string)) {
            return s3u_json_fail(pl->err, pl->doc, m, 1,
                                 "\"%s\" is not a 12-digit account id",
                                 m->string);
        }
        if (check_keys(pl, m, "an account", known, 5) != 0) {
            return -1;
        }
        a->id = dup(pl, m->string);
        if (a->id == NULL
            || get_str(pl, m, "name", 0, &name) != 0
            || get_str(pl, m, "org_id", 0, &a->org_id) != 0
            || load_strings(pl, s3u_json_get(m, "org_paths"), "org_paths",
                            &a->org_paths, &a->norg_paths) != 0
            || s3u_plist_load_levels(&pl->lists, s3u_json_get(m, "scp"),
                                     S3U_POLICY_IDENTITY, S3U_LAYER_SCP,
                                     "scp", &a->scp, &a->nscp) != 0
            || s3u_plist_load_levels(&pl->lists, s3u_json_get(m, "rcp"),
                                     S3U_POLICY_RESOURCE, S3U_LAYER_RCP,
                                     "rcp", &a->rcp, &a->nrcp) != 0)
        {
            return -1;
        }
    }
    return 0;
}


static int
load_principals(s3u_pload_t *pl, const cJSON *node)
{
    static const char *const  known[] = {
        "arn", "unique_id", "identity", "permissions_boundary",
        "session_policy", "trust", "tags", "description"
    };
    s3u_pset_t            *ps = pl->ps;
    const cJSON           *m;
    s3u_pset_principal_t  *p;
    size_t                 i;

    ps->principals = alloc_entries(pl, node, "principals", sizeof(*p),
                                   &ps->nprincipals);
    if (node != NULL && !cJSON_IsNull(node) && !cJSON_IsArray(node)) {
        return s3u_json_fail(pl->err, pl->doc, node, 0,
                             "\"principals\" must be an array");
    }
    if (ps->principals == NULL && ps->nprincipals) {
        return -1;
    }
    for (i = 0, m = node ? node->child : NULL; m != NULL; m = m->next, i++) {
        p = &ps->principals[i];
        if (check_keys(pl, m, "a principal", known, 8) != 0
            || get_str(pl, m, "arn", 1, &p->arn) != 0
            || get_str(pl, m, "unique_id", 0, &p->unique_id) != 0)
        {
            return -1;
        }
        s3u_caller_parse(p->arn, &p->who);
        if (p->who.kind != S3U_CALLER_ROLE && p->who.kind != S3U_CALLER_USER)
        {
            return s3u_json_fail(pl->err, pl->doc, s3u_json_get(m, "arn"), 0,
                                 "a principal is an IAM role or user ARN"
                                 " (arn:aws:iam::ACCOUNT:role/NAME or"
                                 " :user/NAME)");
        }
        if (load_list(pl, s3u_json_get(m, "identity"), S3U_POLICY_IDENTITY,
                      S3U_LAYER_IDENTITY, "identity", &p->identity) != 0
            || load_ref(pl, s3u_json_get(m, "permissions_boundary"),
                        S3U_POLICY_IDENTITY, S3U_LAYER_BOUNDARY, NULL,
                        &p->boundary) != 0
            || load_ref(pl, s3u_json_get(m, "session_policy"),
                        S3U_POLICY_IDENTITY, S3U_LAYER_SESSION, NULL,
                        &p->session) != 0
            || load_ref(pl, s3u_json_get(m, "trust"), S3U_POLICY_TRUST,
                        S3U_LAYER_TRUST, p->arn, &p->trust) != 0
            || load_map(pl, s3u_json_get(m, "tags"), "tags", &p->tag_keys,
                        &p->tag_values, &p->ntags) != 0)
        {
            return -1;
        }
    }
    return 0;
}


static const char *
arn_field(s3u_pload_t *pl, const char *arn, int field)
{
    s3u_arn_t  a;

    if (s3u_arn_split(arn, strlen(arn), &a) != 0 || a.len[field] == 0) {
        return NULL;
    }
    return s3u_arena_strndup(pl->ps->arena, a.part[field], a.len[field]);
}


static int
load_buckets(s3u_pload_t *pl, const cJSON *node)
{
    static const char *const  known[] = {
        "name", "account", "policy", "kms_key", "description"
    };
    s3u_pset_t         *ps = pl->ps;
    const cJSON        *m;
    s3u_pset_bucket_t  *b;
    size_t              i;
    char                arn[1100];

    if (node != NULL && !cJSON_IsNull(node) && !cJSON_IsArray(node)) {
        return s3u_json_fail(pl->err, pl->doc, node, 0,
                             "\"buckets\" must be an array");
    }
    ps->buckets = alloc_entries(pl, node, "buckets", sizeof(*b),
                                &ps->nbuckets);
    if (ps->buckets == NULL && ps->nbuckets) {
        return -1;
    }
    for (i = 0, m = node ? node->child : NULL; m != NULL; m = m->next, i++) {
        b = &ps->buckets[i];
        if (check_keys(pl, m, "a bucket", known, 5) != 0
            || get_str(pl, m, "name", 1, &b->name) != 0
            || get_str(pl, m, "account", 1, &b->account) != 0
            || get_str(pl, m, "kms_key", 0, &b->kms_key) != 0)
        {
            return -1;
        }
        if (strchr(b->name, ':') || strchr(b->name, '/')) {
            return s3u_json_fail(pl->err, pl->doc, s3u_json_get(m, "name"), 0,
                                 "a bucket \"name\" is the bare name, not an"
                                 " ARN");
        }
        snprintf(arn, sizeof(arn), "arn:aws:s3:::%s", b->name);
        b->arn = dup(pl, arn);
        if (b->arn == NULL
            || load_ref(pl, s3u_json_get(m, "policy"), S3U_POLICY_RESOURCE,
                        S3U_LAYER_BUCKET, b->arn, &b->policy) != 0)
        {
            return -1;
        }
    }
    return 0;
}


static int
load_aps(s3u_pload_t *pl, const cJSON *node)
{
    static const char *const  known[] = {
        "arn", "bucket", "network_origin", "policy", "description"
    };
    s3u_pset_t     *ps = pl->ps;
    const cJSON    *m;
    s3u_pset_ap_t  *ap;
    size_t          i;

    if (node != NULL && !cJSON_IsNull(node) && !cJSON_IsArray(node)) {
        return s3u_json_fail(pl->err, pl->doc, node, 0,
                             "\"access_points\" must be an array");
    }
    ps->aps = alloc_entries(pl, node, "access_points", sizeof(*ap),
                            &ps->naps);
    if (ps->aps == NULL && ps->naps) {
        return -1;
    }
    for (i = 0, m = node ? node->child : NULL; m != NULL; m = m->next, i++) {
        ap = &ps->aps[i];
        if (check_keys(pl, m, "an access point", known, 5) != 0
            || get_str(pl, m, "arn", 1, &ap->arn) != 0
            || get_str(pl, m, "bucket", 1, &ap->bucket) != 0
            || get_str(pl, m, "network_origin", 0, &ap->origin) != 0)
        {
            return -1;
        }
        ap->arn_len = strlen(ap->arn);
        ap->account = arn_field(pl, ap->arn, 4);
        ap->region = arn_field(pl, ap->arn, 3);
        if (ap->account == NULL || ap->region == NULL
            || strstr(ap->arn, ":accesspoint/") == NULL)
        {
            return s3u_json_fail(pl->err, pl->doc, s3u_json_get(m, "arn"), 0,
                                 "an access point ARN reads"
                                 " arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME");
        }
        if (ap->origin == NULL) {
            ap->origin = "Internet";
        } else if (strcmp(ap->origin, "Internet") != 0
                   && strcmp(ap->origin, "VPC") != 0)
        {
            return s3u_json_fail(pl->err, pl->doc,
                                 s3u_json_get(m, "network_origin"), 0,
                                 "network_origin is \"Internet\" or \"VPC\"");
        }
        if (load_ref(pl, s3u_json_get(m, "policy"), S3U_POLICY_RESOURCE,
                     S3U_LAYER_ACCESS_POINT, ap->arn, &ap->policy) != 0)
        {
            return -1;
        }
    }
    return 0;
}


static int
load_keys(s3u_pload_t *pl, const cJSON *node)
{
    static const char *const  known[] = { "arn", "policy", "description" };
    s3u_pset_t      *ps = pl->ps;
    const cJSON     *m;
    s3u_pset_key_t  *k;
    size_t           i;

    if (node != NULL && !cJSON_IsNull(node) && !cJSON_IsArray(node)) {
        return s3u_json_fail(pl->err, pl->doc, node, 0,
                             "\"kms_keys\" must be an array");
    }
    ps->keys = alloc_entries(pl, node, "kms_keys", sizeof(*k), &ps->nkeys);
    if (ps->keys == NULL && ps->nkeys) {
        return -1;
    }
    for (i = 0, m = node ? node->child : NULL; m != NULL; m = m->next, i++) {
        k = &ps->keys[i];
        if (check_keys(pl, m, "a KMS key", known, 3) != 0
            || get_str(pl, m, "arn", 1, &k->arn) != 0)
        {
            return -1;
        }
        k->account = arn_field(pl, k->arn, 4);
        k->region = arn_field(pl, k->arn, 3);
        if (k->account == NULL || k->region == NULL) {
            return s3u_json_fail(pl->err, pl->doc, s3u_json_get(m, "arn"), 0,
                                 "a KMS key ARN reads"
                                 " arn:aws:kms:REGION:ACCOUNT:key/ID");
        }
        if (load_ref(pl, s3u_json_get(m, "policy"), S3U_POLICY_RESOURCE,
                     S3U_LAYER_KMS, k->arn, &k->policy) != 0)
        {
            return -1;
        }
    }
    return 0;
}


static int
load_vpces(s3u_pload_t *pl, const cJSON *node)
{
    static const char *const  known[] = { "id", "policy", "description" };
    s3u_pset_t       *ps = pl->ps;
    const cJSON      *m;
    s3u_pset_vpce_t  *v;
    size_t            i;

    if (node != NULL && !cJSON_IsNull(node) && !cJSON_IsArray(node)) {
        return s3u_json_fail(pl->err, pl->doc, node, 0,
                             "\"vpc_endpoints\" must be an array");
    }
    ps->vpces = alloc_entries(pl, node, "vpc_endpoints", sizeof(*v),
                              &ps->nvpces);
    if (ps->vpces == NULL && ps->nvpces) {
        return -1;
    }
    for (i = 0, m = node ? node->child : NULL; m != NULL; m = m->next, i++) {
        v = &ps->vpces[i];
        if (check_keys(pl, m, "a VPC endpoint", known, 3) != 0
            || get_str(pl, m, "id", 1, &v->id) != 0
            || load_ref(pl, s3u_json_get(m, "policy"), S3U_POLICY_RESOURCE,
                        S3U_LAYER_VPCE, v->id, &v->policy) != 0)
        {
            return -1;
        }
    }
    return 0;
}


s3u_pset_t *
s3u_pset_load(const char *dir, s3u_error_t *err)
{
    static const char *const  known[] = {
        "description", "accounts", "principals", "buckets", "access_points",
        "kms_keys", "vpc_endpoints", "context"
    };
    s3u_pset_t      *ps;
    s3u_json_doc_t  *doc;
    s3u_pload_t      pl;
    const cJSON     *root;
    struct stat      st;
    char             manifest[4096];
    size_t           len;

    len = strlen(dir);
    if (stat(dir, &st) != 0) {
        s3u_error_set(err, dir, "no such policy set");
        return NULL;
    }
    ps = calloc(1, sizeof(*ps));
    if (ps == NULL || (ps->arena = s3u_arena_new()) == NULL) {
        free(ps);
        s3u_error_set(err, dir, "out of memory");
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        ps->dir = strdup(dir);
        if (s3u_path_join(manifest, sizeof(manifest), dir,
                          S3U_PSET_MANIFEST)
            != 0)
        {
            s3u_error_set(err, dir, "path too long");
            s3u_pset_free(ps);
            return NULL;
        }
    } else {
        /* the manifest itself was named: its folder is the set */
        while (len > 0 && dir[len - 1] != '/') {
            len--;
        }
        ps->dir = len ? strndup(dir, len - (len > 1)) : strdup(".");
        snprintf(manifest, sizeof(manifest), "%s", dir);
    }
    if (ps->dir == NULL) {
        s3u_error_set(err, dir, "out of memory");
        s3u_pset_free(ps);
        return NULL;
    }

    doc = s3u_json_parse_file(manifest, err);
    if (doc == NULL) {
        s3u_pset_free(ps);
        return NULL;
    }

    memset(&pl, 0, sizeof(pl));
    pl.ps = ps;
    pl.doc = doc;
    pl.err = err;
    pl.lists = (s3u_plist_loader_t) {
        &paths_or_docs, &pl, ps->arena, doc, err
    };
    root = s3u_json_root(doc);

    if (check_keys(&pl, root, "the manifest", known, 8) != 0
        || load_accounts(&pl, s3u_json_get(root, "accounts")) != 0
        || load_principals(&pl, s3u_json_get(root, "principals")) != 0
        || load_buckets(&pl, s3u_json_get(root, "buckets")) != 0
        || load_aps(&pl, s3u_json_get(root, "access_points")) != 0
        || load_keys(&pl, s3u_json_get(root, "kms_keys")) != 0
        || load_vpces(&pl, s3u_json_get(root, "vpc_endpoints")) != 0
        || load_map(&pl, s3u_json_get(root, "context"), "context",
                    &ps->ctx_keys, &ps->ctx_values, &ps->nctx) != 0)
    {
        s3u_json_free(doc);
        s3u_pset_free(ps);
        return NULL;
    }
    if (ps->nctx > S3U_PSET_CTX_MAX / 2) {
        s3u_json_fail(err, doc, s3u_json_get(root, "context"), 0,
                      "at most %d context keys", S3U_PSET_CTX_MAX / 2);
        s3u_json_free(doc);
        s3u_pset_free(ps);
        return NULL;
    }

    s3u_json_free(doc);
    return ps;
}


void
s3u_pset_free(s3u_pset_t *ps)
{
    if (ps == NULL) {
        return;
    }
    s3u_plist_kept_free(&ps->owned);
    free(ps->dir);
    s3u_arena_free(ps->arena);
    free(ps);
}


size_t
s3u_pset_npolicies(const s3u_pset_t *ps)
{
    return ps->owned.n;
}


const s3u_policy_t *
s3u_pset_policy(const s3u_pset_t *ps, size_t i, s3u_layer_t *layer,
    const char **resource_arn)
{
    if (i >= ps->owned.n) {
        return NULL;
    }
    if (layer != NULL) {
        *layer = ps->owned.items[i].layer;
    }
    if (resource_arn != NULL) {
        *resource_arn = ps->owned.items[i].resource;
    }
    return ps->owned.items[i].policy;
}


/* --- resolving a request ------------------------------------------------- */

/* a request context built on the stack: bounded, no allocation */
typedef struct {
    s3u_ctx_entry_t   entries[S3U_PSET_CTX_MAX];
    const char       *vals[S3U_PSET_VALS_MAX];
    char              str[S3U_PSET_STR_MAX];
    size_t            n;
    size_t            nvals;
    size_t            used;
    s3u_ctx_t         ctx;
} s3u_ctxbuf_t;


static const char *
cb_str(s3u_ctxbuf_t *cb, const char *a, size_t alen, const char *b,
    size_t blen)
{
    char  *p;

    if (cb->used + alen + blen + 1 > sizeof(cb->str)) {
        return NULL;
    }
    p = cb->str + cb->used;
    memcpy(p, a, alen);
    memcpy(p + alen, b, blen);
    p[alen + blen] = '\0';
    cb->used += alen + blen + 1;
    return p;
}


/* sets key (replacing an earlier value of the same key) */
static void
cb_set(s3u_ctxbuf_t *cb, const char *key, const char *const *values,
    size_t n)
{
    size_t  i, at;

    if (key == NULL || cb->nvals + n > S3U_PSET_VALS_MAX) {
        return;
    }
    for (at = 0; at < cb->n; at++) {
        if (strcasecmp(cb->entries[at].key, key) == 0) {
            break;
        }
    }
    if (at == cb->n) {
        if (cb->n == S3U_PSET_CTX_MAX) {
            return;
        }
        cb->n++;
    }
    for (i = 0; i < n; i++) {
        cb->vals[cb->nvals + i] = values[i];
    }
    cb->entries[at].key = key;
    cb->entries[at].values = &cb->vals[cb->nvals];
    cb->entries[at].nvalues = n;
    cb->nvals += n;
}


/* derived keys are distinct by construction: no search for a duplicate */
static void
cb_add(s3u_ctxbuf_t *cb, const char *key, const char *const *values,
    size_t n)
{
    size_t  i;

    if (key == NULL || cb->n == S3U_PSET_CTX_MAX
        || cb->nvals + n > S3U_PSET_VALS_MAX)
    {
        return;
    }
    for (i = 0; i < n; i++) {
        cb->vals[cb->nvals + i] = values[i];
    }
    cb->entries[cb->n].key = key;
    cb->entries[cb->n].values = &cb->vals[cb->nvals];
    cb->entries[cb->n].nvalues = n;
    cb->n++;
    cb->nvals += n;
}


static void
cb_set1(s3u_ctxbuf_t *cb, const char *key, const char *value)
{
    if (value != NULL) {
        cb_set(cb, key, &value, 1);
    }
}


static void
cb_add1(s3u_ctxbuf_t *cb, const char *key, const char *value)
{
    if (value != NULL) {
        cb_add(cb, key, &value, 1);
    }
}


static const s3u_pset_account_t *
find_account(const s3u_pset_t *ps, const char *id)
{
    size_t  i;

    for (i = 0; id != NULL && i < ps->naccounts; i++) {
        if (strcmp(ps->accounts[i].id, id) == 0) {
            return &ps->accounts[i];
        }
    }
    return NULL;
}


static const s3u_pset_principal_t *
find_principal(const s3u_pset_t *ps, const s3u_caller_t *c)
{
    const s3u_pset_principal_t  *p;
    size_t                       i;

    for (i = 0; i < ps->nprincipals; i++) {
        p = &ps->principals[i];
        if (strcmp(p->who.account, c->account) != 0) {
            continue;
        }
        if ((c->kind == S3U_CALLER_SESSION || c->kind == S3U_CALLER_ROLE)
            && p->who.kind == S3U_CALLER_ROLE
            && p->who.role_name_len == c->role_name_len
            && memcmp(p->who.role_name, c->role_name, c->role_name_len) == 0)
        {
            return p;
        }
        if (c->kind == S3U_CALLER_USER && strcmp(p->arn, c->arn) == 0) {
            return p;
        }
    }
    return NULL;
}


static const s3u_pset_principal_t *
find_role(const s3u_pset_t *ps, const char *arn)
{
    s3u_caller_t  c;

    s3u_caller_parse(arn, &c);
    if (c.kind != S3U_CALLER_ROLE) {
        return NULL;
    }
    return find_principal(ps, &c);
}


static const s3u_pset_ap_t *
find_ap(const s3u_pset_t *ps, const char *resource)
{
    const s3u_pset_ap_t  *ap;
    size_t                i;

    for (i = 0; i < ps->naps; i++) {
        ap = &ps->aps[i];
        if (strncmp(resource, ap->arn, ap->arn_len) == 0
            && (resource[ap->arn_len] == '\0' || resource[ap->arn_len] == '/'))
        {
            return ap;
        }
    }
    return NULL;
}


static const s3u_pset_bucket_t *
find_bucket(const s3u_pset_t *ps, const char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < ps->nbuckets; i++) {
        if (strlen(ps->buckets[i].name) == len
            && memcmp(ps->buckets[i].name, name, len) == 0)
        {
            return &ps->buckets[i];
        }
    }
    return NULL;
}


static const s3u_pset_key_t *
find_key(const s3u_pset_t *ps, const char *arn)
{
    size_t  i;

    for (i = 0; arn != NULL && i < ps->nkeys; i++) {
        if (strcmp(ps->keys[i].arn, arn) == 0) {
            return &ps->keys[i];
        }
    }
    return NULL;
}


static const char *
ctx_first(const s3u_ctx_t *ctx, const char *key)
{
    const s3u_ctx_entry_t  *e;

    e = s3u_ctx_get(ctx, key, strlen(key));
    return (e != NULL && e->nvalues > 0) ? e->values[0] : NULL;
}


/* the principal keys AWS derives from who signed */
static void
derive_principal(const s3u_pset_t *ps, const s3u_caller_t *c,
    const s3u_pset_principal_t *pe, s3u_ctxbuf_t *cb)
{
    const s3u_pset_account_t  *acct;
    const char                *arn, *sess, *type, *key;
    char                       role_arn[600];
    size_t                     i;

    if (c->kind == S3U_CALLER_ANONYMOUS) {
        cb_add1(cb, "aws:PrincipalAccount", "anonymous");
        cb_add1(cb, "aws:PrincipalType", "Anonymous");
        cb_add1(cb, "aws:userid", "anonymous");
        return;
    }
    if (c->kind == S3U_CALLER_SERVICE) {
        cb_add1(cb, "aws:PrincipalIsAWSService", "true");
        cb_add1(cb, "aws:PrincipalServiceName", c->arn);
        return;
    }

    type = NULL;
    arn = c->arn;
    switch (c->kind) {
    case S3U_CALLER_SESSION:
    case S3U_CALLER_ROLE:
        type = "AssumedRole";
        if (pe != NULL) {
            arn = pe->arn;      /* keeps the role's path */
        } else {
            snprintf(role_arn, sizeof(role_arn), "arn:%.*s:iam::%s:role/%.*s",
                     (int) c->partition_len, c->partition, c->account,
                     (int) c->role_name_len, c->role_name);
            arn = cb_str(cb, role_arn, strlen(role_arn), "", 0);
        }
        break;
    case S3U_CALLER_USER:
        type = "User";
        cb_add1(cb, "aws:username", strrchr(c->arn, '/') + 1);
        break;
    case S3U_CALLER_FEDUSER:
        type = "FederatedUser";
        break;
    case S3U_CALLER_ROOT:
        type = "Account";
        break;
    default:
        break;
    }
    cb_add1(cb, "aws:PrincipalArn", arn);
    cb_add1(cb, "aws:PrincipalAccount", c->account[0] ? c->account : NULL);
    cb_add1(cb, "aws:PrincipalType", type);
    cb_add1(cb, "aws:PrincipalIsAWSService", "false");
    cb_add1(cb, "aws:ViaAWSService", "false");

    if (pe != NULL && pe->unique_id != NULL) {
        if (c->kind == S3U_CALLER_SESSION) {
            /* ROLE-UNIQUE-ID:session-name */
            sess = c->role_name + c->role_name_len;
            sess = (*sess == '/') ? sess + 1 : sess;
            snprintf(role_arn, sizeof(role_arn), "%s:%s", pe->unique_id,
                     sess);
            cb_add1(cb, "aws:userid",
                    cb_str(cb, role_arn, strlen(role_arn), "", 0));
        } else {
            cb_add1(cb, "aws:userid", pe->unique_id);
        }
    }

    acct = find_account(ps, c->account);
    if (acct != NULL) {
        cb_add1(cb, "aws:PrincipalOrgID", acct->org_id);
        if (acct->norg_paths) {
            cb_add(cb, "aws:PrincipalOrgPaths", acct->org_paths,
                   acct->norg_paths);
        }
    }

    for (i = 0; pe != NULL && i < pe->ntags; i++) {
        key = cb_str(cb, "aws:PrincipalTag/", 17, pe->tag_keys[i],
                     strlen(pe->tag_keys[i]));
        cb_add1(cb, key, pe->tag_values[i]);
    }
}


static void
derive_resource_account(const s3u_pset_t *ps, const char *owner,
    s3u_ctxbuf_t *cb)
{
    const s3u_pset_account_t  *acct;

    if (owner == NULL) {
        return;
    }
    cb_add1(cb, "aws:ResourceAccount", owner);
    cb_add1(cb, "s3:ResourceAccount", owner);
    acct = find_account(ps, owner);
    if (acct != NULL) {
        cb_add1(cb, "aws:ResourceOrgID", acct->org_id);
        if (acct->norg_paths) {
            cb_add(cb, "aws:ResourceOrgPaths", acct->org_paths,
                   acct->norg_paths);
        }
    }
}


static const char *
kms_action_for(const char *s3_action)
{
    if (strcasecmp(s3_action, "s3:PutObject") == 0
        || strcasecmp(s3_action, "s3:CreateMultipartUpload") == 0
        || strcasecmp(s3_action, "s3:UploadPart") == 0
        || strcasecmp(s3_action, "s3:CopyObject") == 0)
    {
        return "kms:GenerateDataKey";
    }
    if (strcasecmp(s3_action, "s3:GetObject") == 0
        || strcasecmp(s3_action, "s3:GetObjectVersion") == 0)
    {
        return "kms:Decrypt";
    }
    return NULL;
}


int
s3u_pset_eval(const s3u_pset_t *ps, const char *principal,
    const char *action, const char *resource, const s3u_ctx_t *extra,
    s3u_eval_result_t *res)
{
    s3u_ctxbuf_t                 cb, kb;
    s3u_eval_input_t             in;
    s3u_caller_t                 caller;
    const s3u_pset_principal_t  *pe, *role;
    const s3u_pset_ap_t         *ap;
    const s3u_pset_bucket_t     *bucket;
    const s3u_pset_key_t        *key;
    const s3u_pset_account_t    *caller_acct, *owner_acct;
    const char                  *owner, *vpce, *key_arn, *region, *name, *end;
    char                         via[128];
    size_t                       i;

    memset(&in, 0, sizeof(in));
    if (principal == NULL || action == NULL || resource == NULL) {
        memset(res, 0, sizeof(*res));
        snprintf(res->reason, sizeof(res->reason),
                 "principal, action and resource are required");
        return -1;
    }
    in.principal = principal;
    in.action = action;
    in.resource = resource;

    s3u_caller_parse(principal, &caller);
    pe = find_principal(ps, &caller);

    /*
     * Keys in priority order: what the caller knows, the manifest's
     * defaults, then what AWS derives.  s3u_ctx_get returns the first
     * entry with a key, so a later duplicate is shadowed; adding without
     * searching for duplicates keeps this cheap.
     */
    cb.n = cb.nvals = cb.used = 0;
    for (i = 0; extra != NULL && i < extra->n; i++) {
        cb_add(&cb, extra->entries[i].key, extra->entries[i].values,
               extra->entries[i].nvalues);
    }
    for (i = 0; i < ps->nctx; i++) {
        cb_add1(&cb, ps->ctx_keys[i], ps->ctx_values[i]);
    }
    derive_principal(ps, &caller, pe, &cb);

    /* the resource, its owner and the access point keys */
    owner = NULL;
    region = NULL;
    ap = find_ap(ps, resource);
    bucket = NULL;
    key = find_key(ps, resource);
    role = NULL;

    if (ap != NULL) {
        bucket = find_bucket(ps, ap->bucket, strlen(ap->bucket));
        owner = ap->account;
        region = ap->region;
        in.access_point.present = 1;
        in.access_point.arn = ap->arn;
        in.access_point.account = ap->account;
        in.access_point.bucket = ap->bucket;
        in.access_point.policy = ap->policy;
        cb_add1(&cb, "s3:DataAccessPointArn", ap->arn);
        cb_add1(&cb, "s3:DataAccessPointAccount", ap->account);
        cb_add1(&cb, "s3:AccessPointNetworkOrigin", ap->origin);

    } else if (strncmp(resource, "arn:aws:s3:::", 13) == 0) {
        name = resource + 13;
        end = strchr(name, '/');
        bucket = find_bucket(ps, name, end ? (size_t) (end - name)
                                           : strlen(name));
        owner = bucket ? bucket->account : NULL;

    } else if (key != NULL) {
        owner = key->account;

    } else if (strcasecmp(action, "sts:AssumeRole") == 0) {
        role = find_role(ps, resource);
        if (role != NULL) {
            owner = role->who.account;
            in.role.present = 1;
            in.role.arn = role->arn;
            in.role.account = role->who.account;
            in.role.policy = role->trust;
        }
    }

    if (bucket != NULL) {
        in.bucket.present = 1;
        in.bucket.arn = bucket->arn;
        in.bucket.account = bucket->account;
        in.bucket.policy = bucket->policy;
        if (ap != NULL && owner == NULL) {
            owner = bucket->account;
        }
    }
    derive_resource_account(ps, owner, &cb);
    if (owner == NULL) {
        in.resource_account = NULL;
    }

    cb.ctx.entries = cb.entries;
    cb.ctx.n = cb.n;
    in.ctx = &cb.ctx;

    /* layers of the caller */
    if (pe != NULL) {
        in.identity = pe->identity;
        in.boundary = pe->boundary;
        if (caller.kind == S3U_CALLER_SESSION
            || caller.kind == S3U_CALLER_FEDUSER)
        {
            in.session = pe->session;
        }
    }
    caller_acct = find_account(ps, caller.account);
    if (caller_acct != NULL && caller.kind != S3U_CALLER_ANONYMOUS
        && caller.kind != S3U_CALLER_SERVICE)
    {
        in.scp = caller_acct->scp;
        in.nscp = caller_acct->nscp;
    }
    owner_acct = find_account(ps, owner);
    if (owner_acct != NULL) {
        in.rcp = owner_acct->rcp;
        in.nrcp = owner_acct->nrcp;
    }

    /* the VPC endpoint the request came through, if the set knows it */
    vpce = ctx_first(&cb.ctx, "aws:SourceVpce");
    for (i = 0; vpce != NULL && i < ps->nvpces; i++) {
        if (strcmp(ps->vpces[i].id, vpce) == 0) {
            /* no policy attached: AWS's default allows everything */
            in.vpce = ps->vpces[i].policy;
        }
    }

    /* a KMS call on a key, or the SSE-KMS leg of an object operation */
    if (key != NULL) {
        in.kms.present = 1;
        in.kms.arn = key->arn;
        in.kms.account = key->account;
        in.kms.policy = key->policy;
    } else if (kms_action_for(action) != NULL) {
        key_arn = ctx_first(&cb.ctx,
                            "s3:x-amz-server-side-encryption-aws-kms-key-id");
        if (key_arn == NULL && bucket != NULL) {
            key_arn = bucket->kms_key;
        }
        key = find_key(ps, key_arn);
        if (key != NULL) {
            kb = cb;
            /* the copy's entries point into cb's arrays: re-point them */
            for (i = 0; i < kb.n; i++) {
                kb.entries[i].values = kb.vals
                                       + (cb.entries[i].values - cb.vals);
            }
            snprintf(via, sizeof(via), "s3.%s.amazonaws.com",
                     region ? region : key->region);
            cb_set1(&kb, "kms:ViaService",
                    cb_str(&kb, via, strlen(via), "", 0));
            cb_set1(&kb, "kms:CallerAccount",
                    caller.account[0] ? caller.account : NULL);
            cb_set1(&kb, "aws:ResourceAccount", key->account);
            cb_set1(&kb, "aws:ViaAWSService", "true");
            kb.ctx.entries = kb.entries;
            kb.ctx.n = kb.n;
            in.kms.present = 1;
            in.kms.arn = key->arn;
            in.kms.account = key->account;
            in.kms.policy = key->policy;
            in.kms.action = kms_action_for(action);
            in.kms.ctx = &kb.ctx;
        }
    }

    return s3u_eval(&in, res);
}
