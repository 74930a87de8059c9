/*
 * Scenario files: see s3u_scenario.h and ../shared/scenarios/FORMAT.md.
 * Unknown keys are errors, so a typo cannot silently change a scenario.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/s3u_plist.h"
#include "policy/s3u_pset.h"
#include "policy/s3u_scenario.h"


struct s3u_scenario_file_s {
    s3u_scenario_t      *items;
    size_t               n;
    s3u_arena_t         *arena;
    s3u_plist_kept_t     policies;      /* owned, freed with the file */
};

typedef struct {
    s3u_scenario_file_t   *sf;
    const s3u_json_doc_t  *doc;
    s3u_error_t           *err;
    const char            *dir;         /* folder of the scenario file */
    s3u_plist_loader_t     lists;
} s3u_sload_t;


static const char *
str_member(s3u_sload_t *sl, const cJSON *obj, const char *name, int required,
    const char *what)
{
    const cJSON  *m;
    const char   *s;

    m = s3u_json_get(obj, name);
    if (m == NULL || (cJSON_IsNull(m) && !required)) {
        if (required) {
            s3u_json_fail(sl->err, sl->doc, obj, 0, "%s has no \"%s\"", what,
                          name);
        }
        return NULL;
    }
    if (!cJSON_IsString(m)) {
        s3u_json_fail(sl->err, sl->doc, m, 0, "\"%s\" must be a string",
                      name);
        return NULL;
    }
    s = s3u_arena_strndup(sl->sf->arena, m->valuestring,
                          strlen(m->valuestring));
    if (s == NULL) {
        s3u_json_fail(sl->err, sl->doc, m, 0, "out of memory");
    }
    return s;
}


/* optional string member: absent or null leaves *out NULL */
static int
opt_str(s3u_sload_t *sl, const cJSON *obj, const char *name,
    const char **out)
{
    const cJSON  *m;

    *out = NULL;
    m = s3u_json_get(obj, name);
    if (m == NULL || cJSON_IsNull(m)) {
        return 0;
    }
    *out = str_member(sl, obj, name, 1, "");
    return *out ? 0 : -1;
}


/* a policy document (or null when allowed); *out NULL for null */
static int
load_doc(s3u_sload_t *sl, const cJSON *node, s3u_policy_kind_t kind,
    const s3u_policy_t **out)
{
    s3u_policy_t  *p;

    *out = NULL;
    if (node == NULL || cJSON_IsNull(node)) {
        return 0;
    }
    p = s3u_policy_compile_wrapped(sl->doc, node, kind, sl->err, NULL, NULL);
    if (p == NULL) {
        return -1;
    }
    /* a scenario names each policy's layer by where it puts it */
    if (s3u_plist_keep(&sl->sf->policies, p, S3U_LAYER_NONE, NULL) != 0) {
        return s3u_json_fail(sl->err, sl->doc, node, 0, "out of memory");
    }
    *out = p;
    return 0;
}


/* an item of a list: a policy document, never null */
static int
load_item(void *data, const cJSON *item, const char *what,
    s3u_policy_kind_t kind, s3u_layer_t layer, const s3u_policy_t **out)
{
    s3u_sload_t  *sl = data;

    (void) layer;       /* the list's place in s3u_eval_input_t says it */
    if (!cJSON_IsObject(item)) {
        return s3u_json_fail(sl->err, sl->doc, item, 0,
                             "\"%s\" must hold policy documents", what);
    }
    return load_doc(sl, item, kind, out);
}


/* a scenario's lists: inline documents only, in its words */
static const s3u_plist_format_t  docs_only = {
    load_item,
    "must be an array of levels (arrays of policy documents)",
    "must be an array of policy documents"
};


static int
load_doc_list(s3u_sload_t *sl, const cJSON *node, s3u_policy_kind_t kind,
    s3u_plist_t *out, const char *what)
{
    out->docs = NULL;
    out->n = 0;
    if (node == NULL || cJSON_IsNull(node)) {
        return 0;
    }
    if (!cJSON_IsArray(node)) {
        return s3u_json_fail(sl->err, sl->doc, node, 0,
                             "\"%s\" must be an array of policy documents",
                             what);
    }
    return s3u_plist_load(&sl->lists, node, kind, S3U_LAYER_IDENTITY, what,
                          out);
}


/* context object: key -> string or array of strings */
static int
load_ctx(s3u_sload_t *sl, const cJSON *node, const s3u_ctx_t *base,
    const s3u_ctx_t **out)
{
    const cJSON       *m, *v;
    s3u_ctx_entry_t   *entries;
    s3u_ctx_t         *ctx;
    const char       **values;
    size_t             n, nb, i, j, k;

    *out = base;
    if (node == NULL || cJSON_IsNull(node)) {
        return 0;
    }
    if (!cJSON_IsObject(node)) {
        return s3u_json_fail(sl->err, sl->doc, node, 0,
                             "\"context\" must be an object");
    }

    n = (size_t) cJSON_GetArraySize(node);
    nb = base ? base->n : 0;
    ctx = s3u_arena_alloc(sl->sf->arena, sizeof(*ctx));
    entries = s3u_arena_alloc(sl->sf->arena,
                              (n + nb + 1) * sizeof(*entries));
    if (ctx == NULL || entries == NULL) {
        return s3u_json_fail(sl->err, sl->doc, node, 0, "out of memory");
    }

    k = 0;
    for (m = node->child; m != NULL; m = m->next) {
        for (v = node->child; v != m; v = v->next) {
            if (strcasecmp(v->string, m->string) == 0) {
                return s3u_json_fail(sl->err, sl->doc, m, 1,
                                     "context key \"%s\" given twice (key"
                                     " names are case-insensitive)",
                                     m->string);
            }
        }
        if (cJSON_IsString(m)) {
            values = s3u_arena_alloc(sl->sf->arena, sizeof(char *));
            if (values == NULL) {
                return s3u_json_fail(sl->err, sl->doc, m, 0,
                                     "out of memory");
            }
            values[0] = m->valuestring;
            j = 1;
        } else if (cJSON_IsArray(m)) {
            j = (size_t) cJSON_GetArraySize(m);
            values = s3u_arena_alloc(sl->sf->arena,
                                     (j ? j : 1) * sizeof(char *));
            if (values == NULL) {
                return s3u_json_fail(sl->err, sl->doc, m, 0,
                                     "out of memory");
            }
            for (i = 0, v = m->child; v != NULL; v = v->next, i++) {
                if (!cJSON_IsString(v)) {
                    return s3u_json_fail(sl->err, sl->doc, v, 0,
                                         "context values are strings");
                }
                values[i] = v->valuestring;
            }
        } else {
            return s3u_json_fail(sl->err, sl->doc, m, 0,
                                 "context value of \"%s\" must be a string or"
                                 " an array of strings (write booleans,"
                                 " numbers and dates as strings)", m->string);
        }
        /* copy strings: the JSON tree does not outlive loading */
        entries[k].key = s3u_arena_strndup(sl->sf->arena, m->string,
                                           strlen(m->string));
        for (i = 0; i < j; i++) {
            values[i] = s3u_arena_strndup(sl->sf->arena, values[i],
                                          strlen(values[i]));
            if (values[i] == NULL) {
                return s3u_json_fail(sl->err, sl->doc, m, 0,
                                     "out of memory");
            }
        }
        if (entries[k].key == NULL) {
            return s3u_json_fail(sl->err, sl->doc, m, 0, "out of memory");
        }
        entries[k].values = values;
        entries[k].nvalues = j;
        k++;
    }

    /* base keys the overlay does not replace */
    for (i = 0; i < nb; i++) {
        for (j = 0; j < n; j++) {
            if (strcasecmp(base->entries[i].key, entries[j].key) == 0) {
                break;
            }
        }
        if (j == n) {
            entries[k++] = base->entries[i];
        }
    }

    ctx->entries = entries;
    ctx->n = k;
    *out = ctx;
    return 0;
}


static int
load_resource(s3u_sload_t *sl, const cJSON *node, const char *what,
    int with_bucket, s3u_policy_kind_t kind, s3u_resource_t *r)
{
    static const char *const  known_bucket[] = { "arn", "account", "policy" };
    static const char *const  known_ap[] = {
        "arn", "account", "bucket", "policy"
    };

    memset(r, 0, sizeof(*r));
    if (node == NULL || cJSON_IsNull(node)) {
        return 0;
    }
    if (!cJSON_IsObject(node)) {
        return s3u_json_fail(sl->err, sl->doc, node, 0,
                             "\"%s\" must be an object", what);
    }
    if (s3u_json_known_keys(sl->err, sl->doc, node, what,
                            with_bucket ? known_ap : known_bucket,
                            with_bucket ? 4 : 3) != 0)
    {
        return -1;
    }
    r->present = 1;
    r->arn = str_member(sl, node, "arn", 1, what);
    if (r->arn == NULL) {
        return -1;
    }
    if (opt_str(sl, node, "account", &r->account) != 0) {
        return -1;
    }
    if (with_bucket) {
        r->bucket = str_member(sl, node, "bucket", 1, what);
        if (r->bucket == NULL) {
            return -1;
        }
    }
    return load_doc(sl, s3u_json_get(node, "policy"), kind, &r->policy);
}


static int
load_kms(s3u_sload_t *sl, const cJSON *node, const s3u_ctx_t *req_ctx,
    s3u_kms_t *k)
{
    static const char *const  known[] = {
        "arn", "account", "policy", "action", "context"
    };

    memset(k, 0, sizeof(*k));
    if (node == NULL || cJSON_IsNull(node)) {
        return 0;
    }
    if (!cJSON_IsObject(node)) {
        return s3u_json_fail(sl->err, sl->doc, node, 0,
                             "\"kms_key\" must be an object");
    }
    if (s3u_json_known_keys(sl->err, sl->doc, node, "kms_key", known, 5) != 0) {
        return -1;
    }
    k->present = 1;
    k->arn = str_member(sl, node, "arn", 1, "kms_key");
    if (k->arn == NULL) {
        return -1;
    }
    if (opt_str(sl, node, "account", &k->account) != 0
        || opt_str(sl, node, "action", &k->action) != 0
        || load_ctx(sl, s3u_json_get(node, "context"), req_ctx, &k->ctx) != 0) {
        return -1;
    }
    return load_doc(sl, s3u_json_get(node, "policy"), S3U_POLICY_RESOURCE,
                    &k->policy);
}


static int
load_policies(s3u_sload_t *sl, const cJSON *node, s3u_eval_input_t *in)
{
    static const char *const  known[] = {
        "identity", "permissions_boundary", "session", "scp", "rcp",
        "vpc_endpoint", "bucket", "access_point", "kms_key", "role"
    };

    if (node == NULL || cJSON_IsNull(node)) {
        return 0;
    }
    if (!cJSON_IsObject(node)) {
        return s3u_json_fail(sl->err, sl->doc, node, 0,
                             "\"policies\" must be an object");
    }
    if (s3u_json_known_keys(sl->err, sl->doc, node, "policies", known,
                            sizeof(known) / sizeof(known[0])) != 0
        || load_doc_list(sl, s3u_json_get(node, "identity"),
                         S3U_POLICY_IDENTITY, &in->identity, "identity") != 0
        || load_doc(sl, s3u_json_get(node, "permissions_boundary"),
                    S3U_POLICY_IDENTITY, &in->boundary) != 0
        || load_doc(sl, s3u_json_get(node, "session"), S3U_POLICY_IDENTITY,
                    &in->session) != 0
        || s3u_plist_load_levels(&sl->lists, s3u_json_get(node, "scp"),
                                 S3U_POLICY_IDENTITY, S3U_LAYER_SCP, "scp",
                                 &in->scp, &in->nscp) != 0
        || s3u_plist_load_levels(&sl->lists, s3u_json_get(node, "rcp"),
                                 S3U_POLICY_RESOURCE, S3U_LAYER_RCP, "rcp",
                                 &in->rcp, &in->nrcp) != 0
        || load_doc(sl, s3u_json_get(node, "vpc_endpoint"),
                    S3U_POLICY_RESOURCE, &in->vpce) != 0
        || load_resource(sl, s3u_json_get(node, "bucket"), "bucket", 0,
                         S3U_POLICY_RESOURCE, &in->bucket) != 0
        || load_resource(sl, s3u_json_get(node, "access_point"),
                         "access_point", 1, S3U_POLICY_RESOURCE,
                         &in->access_point) != 0
        || load_resource(sl, s3u_json_get(node, "role"), "role", 0,
                         S3U_POLICY_TRUST, &in->role) != 0
        || load_kms(sl, s3u_json_get(node, "kms_key"), in->ctx, &in->kms)
           != 0)
    {
        return -1;
    }
    return 0;
}


static int
load_one(s3u_sload_t *sl, const cJSON *node, s3u_scenario_t *sc)
{
    static const char *const  known[] = {
        "name", "description", "source", "notes", "request", "policies",
        "expect", "policy_set"
    };
    static const char *const  known_req[] = {
        "principal", "action", "resource", "context", "resource_account"
    };
    static const char *const  known_exp[] = { "decision", "layer" };
    const cJSON  *req, *exp, *m, *v;
    const char   *set, *name;
    char          path[1024];

    if (!cJSON_IsObject(node)) {
        return s3u_json_fail(sl->err, sl->doc, node, 0,
                             "a scenario must be an object");
    }
    if (s3u_json_known_keys(sl->err, sl->doc, node, "the scenario", known,
                            sizeof(known) / sizeof(known[0])) != 0)
    {
        return -1;
    }
    s3u_json_where(sl->doc, node, 0, &sc->line, &sc->column);
    sc->file = s3u_arena_strndup(sl->sf->arena, s3u_json_file(sl->doc),
                                 strlen(s3u_json_file(sl->doc)));

    sc->name = str_member(sl, node, "name", 1, "the scenario");
    if (sc->name == NULL) {
        return -1;
    }
    for (name = sc->name; *name; name++) {
        if (!((*name >= 'a' && *name <= 'z') || (*name >= '0' && *name <= '9')
              || *name == '-'))
        {
            return s3u_json_fail(sl->err, sl->doc, s3u_json_get(node, "name"),
                                 0, "name must use [a-z0-9-] only");
        }
    }

    m = s3u_json_get(node, "description");
    if (m && !cJSON_IsString(m)) {
        return s3u_json_fail(sl->err, sl->doc, m, 0,
                             "\"description\" must be a string");
    }
    m = s3u_json_get(node, "notes");
    if (m && !cJSON_IsString(m)) {
        return s3u_json_fail(sl->err, sl->doc, m, 0,
                             "\"notes\" must be a string");
    }
    m = s3u_json_get(node, "source");
    if (m) {
        if (!cJSON_IsArray(m)) {
            return s3u_json_fail(sl->err, sl->doc, m, 0,
                                 "\"source\" must be an array of URLs");
        }
        for (v = m->child; v != NULL; v = v->next) {
            if (!cJSON_IsString(v)) {
                return s3u_json_fail(sl->err, sl->doc, v, 0,
                                     "\"source\" must hold strings");
            }
        }
    }

    req = s3u_json_get(node, "request");
    if (req == NULL || !cJSON_IsObject(req)) {
        return s3u_json_fail(sl->err, sl->doc, req ? req : node, 0,
                             "the scenario needs a \"request\" object");
    }
    if (s3u_json_known_keys(sl->err, sl->doc, req, "request", known_req, 5)
        != 0)
    {
        return -1;
    }
    sc->input.principal = str_member(sl, req, "principal", 1, "request");
    sc->input.action = str_member(sl, req, "action", 1, "request");
    sc->input.resource = str_member(sl, req, "resource", 1, "request");
    if (sc->input.principal == NULL || sc->input.action == NULL
        || sc->input.resource == NULL)
    {
        return -1;
    }
    if (opt_str(sl, req, "resource_account", &sc->input.resource_account)
        != 0
        || load_ctx(sl, s3u_json_get(req, "context"), NULL, &sc->input.ctx)
        != 0)
    {
        return -1;
    }

    exp = s3u_json_get(node, "expect");
    if (exp == NULL || !cJSON_IsObject(exp)) {
        return s3u_json_fail(sl->err, sl->doc, exp ? exp : node, 0,
                             "the scenario needs an \"expect\" object");
    }
    if (s3u_json_known_keys(sl->err, sl->doc, exp, "expect", known_exp, 2)
        != 0)
    {
        return -1;
    }
    m = s3u_json_get(exp, "decision");
    if (m == NULL || !cJSON_IsString(m)
        || s3u_eval_decision_from_name(m->valuestring) == 0)
    {
        return s3u_json_fail(sl->err, sl->doc, m ? m : exp, 0,
                             "expect.decision must be \"Allow\","
                             " \"ExplicitDeny\" or \"ImplicitDeny\"");
    }
    sc->expect_decision = (s3u_decision_t) s3u_eval_decision_from_name(
                                                          m->valuestring);
    m = s3u_json_get(exp, "layer");
    if (m == NULL) {
        return s3u_json_fail(sl->err, sl->doc, exp, 0,
                             "expect needs \"layer\" (null for Allow)");
    }
    if (cJSON_IsNull(m)) {
        sc->expect_layer = S3U_LAYER_NONE;
    } else if (!cJSON_IsString(m)
               || s3u_layer_from_name(m->valuestring) == S3U_LAYER_NONE)
    {
        return s3u_json_fail(sl->err, sl->doc, m, 0,
                             "expect.layer must be a layer name or null");
    } else {
        sc->expect_layer = s3u_layer_from_name(m->valuestring);
    }
    if ((sc->expect_layer == S3U_LAYER_NONE)
        != (sc->expect_decision == S3U_ALLOW))
    {
        return s3u_json_fail(sl->err, sl->doc, m, 0,
                             "expect.layer is null exactly when the decision"
                             " is Allow");
    }

    m = s3u_json_get(node, "policy_set");
    if (m != NULL) {
        if (s3u_json_get(node, "policies") != NULL) {
            return s3u_json_fail(sl->err, sl->doc, m, 1,
                                 "\"policy_set\" and \"policies\" together");
        }
        set = str_member(sl, node, "policy_set", 1, "the scenario");
        if (set == NULL) {
            return -1;
        }
        if (s3u_path_join(path, sizeof(path), sl->dir, set) != 0)
        {
            return s3u_json_fail(sl->err, sl->doc, m, 0, "path too long");
        }
        sc->pset = s3u_pset_load(path, sl->err);
        if (sc->pset == NULL) {
            return -1;
        }
        return 0;
    }

    return load_policies(sl, s3u_json_get(node, "policies"), &sc->input);
}


s3u_scenario_file_t *
s3u_scenario_load(const char *path, s3u_error_t *err)
{
    s3u_scenario_file_t  *sf;
    s3u_json_doc_t       *doc;
    s3u_sload_t           sl;
    const cJSON          *root, *item;
    size_t                n, i, j;
    char                  dir[1024];
    const char           *slash;

    doc = s3u_json_parse_file(path, err);
    if (doc == NULL) {
        return NULL;
    }
    sf = calloc(1, sizeof(*sf));
    if (sf == NULL || (sf->arena = s3u_arena_new()) == NULL) {
        free(sf);
        s3u_json_free(doc);
        s3u_error_set(err, path, "out of memory");
        return NULL;
    }

    slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");
    } else {
        snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
        if (dir[0] == '\0') {
            snprintf(dir, sizeof(dir), "/");
        }
    }

    memset(&sl, 0, sizeof(sl));
    sl.sf = sf;
    sl.doc = doc;
    sl.err = err;
    sl.dir = dir;
    sl.lists = (s3u_plist_loader_t) {
        &docs_only, &sl, sf->arena, doc, err
    };
    err->message[0] = '\0';

    root = s3u_json_root(doc);
    n = cJSON_IsArray(root) ? (size_t) cJSON_GetArraySize(root) : 1;
    if (cJSON_IsArray(root) && n == 0) {
        s3u_json_fail(err, doc, root, 0, "no scenario in the array");
        goto failed;
    }
    sf->items = calloc(n, sizeof(s3u_scenario_t));
    if (sf->items == NULL) {
        s3u_error_set(err, path, "out of memory");
        goto failed;
    }
    item = cJSON_IsArray(root) ? root->child : root;
    for (i = 0; i < n; i++, item = item->next) {
        sf->n = i + 1;
        if (load_one(&sl, item, &sf->items[i]) != 0) {
            goto failed;
        }
        for (j = 0; j < i; j++) {
            if (strcmp(sf->items[j].name, sf->items[i].name) == 0) {
                s3u_json_fail(err, doc, s3u_json_get(item, "name"), 0,
                              "scenario name \"%s\" used twice",
                              sf->items[i].name);
                goto failed;
            }
        }
    }

    s3u_json_free(doc);
    return sf;

failed:

    s3u_json_free(doc);
    s3u_scenario_file_free(sf);
    return NULL;
}


void
s3u_scenario_file_free(s3u_scenario_file_t *sf)
{
    size_t  i;

    if (sf == NULL) {
        return;
    }
    for (i = 0; i < sf->n; i++) {
        s3u_pset_free(sf->items[i].pset);
    }
    s3u_plist_kept_free(&sf->policies);
    free(sf->items);
    s3u_arena_free(sf->arena);
    free(sf);
}


size_t
s3u_scenario_count(const s3u_scenario_file_t *sf)
{
    return sf->n;
}


const s3u_scenario_t *
s3u_scenario_at(const s3u_scenario_file_t *sf, size_t i)
{
    return i < sf->n ? &sf->items[i] : NULL;
}


int
s3u_scenario_run(const s3u_scenario_t *sc, s3u_eval_result_t *res)
{
    if (sc->pset != NULL) {
        return s3u_pset_eval(sc->pset, sc->input.principal, sc->input.action,
                             sc->input.resource, sc->input.ctx, res);
    }
    return s3u_eval(&sc->input, res);
}


int
s3u_scenario_passed(const s3u_scenario_t *sc, const s3u_eval_result_t *res)
{
    return res->decision == sc->expect_decision
           && res->layer == sc->expect_layer;
}


int
s3u_scenario_sniff(const char *path)
{
    s3u_json_doc_t  *doc;
    s3u_error_t      err;
    const cJSON     *root;
    int              yes;

    doc = s3u_json_parse_file(path, &err);
    if (doc == NULL) {
        return 1;
    }
    root = s3u_json_root(doc);
    if (cJSON_IsArray(root)) {
        root = root->child;
    }
    yes = cJSON_IsObject(root) && s3u_json_get(root, "expect") != NULL;
    s3u_json_free(doc);
    return yes;
}
