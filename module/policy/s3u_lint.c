/*
 * Lint: see s3u_lint.h for the checks and why each one matters.
 */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "policy/s3u_lint.h"
#include "policy/s3u_pset.h"
#include "policy/s3u_scenario.h"


struct s3u_lint_s {
    s3u_lint_finding_t  *items;
    size_t               n;
    size_t               cap;
};


s3u_lint_t *
s3u_lint_new(void)
{
    return calloc(1, sizeof(s3u_lint_t));
}


void
s3u_lint_free(s3u_lint_t *lt)
{
    if (lt != NULL) {
        free(lt->items);
        free(lt);
    }
}


size_t
s3u_lint_count(const s3u_lint_t *lt)
{
    return lt->n;
}


const s3u_lint_finding_t *
s3u_lint_at(const s3u_lint_t *lt, size_t i)
{
    return i < lt->n ? &lt->items[i] : NULL;
}


static void
add(s3u_lint_t *lt, const char *file, unsigned line, unsigned column,
    s3u_lint_severity_t severity, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void
add(s3u_lint_t *lt, const char *file, unsigned line, unsigned column,
    s3u_lint_severity_t severity, const char *check, const char *fmt, ...)
{
    s3u_lint_finding_t  *f, *grown;
    size_t               cap, i;
    va_list              ap;
    char                 message[sizeof(f->message)];

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);

    /* a policy reached twice (a set and a scenario using it) reports once */
    for (i = 0; i < lt->n; i++) {
        f = &lt->items[i];
        if (f->line == line && f->column == column
            && strcmp(f->check, check) == 0 && strcmp(f->file, file) == 0
            && strcmp(f->message, message) == 0)
        {
            return;
        }
    }

    if (lt->n == lt->cap) {
        cap = lt->cap ? lt->cap * 2 : 16;
        grown = realloc(lt->items, cap * sizeof(*grown));
        if (grown == NULL) {
            return;
        }
        lt->items = grown;
        lt->cap = cap;
    }
    f = &lt->items[lt->n++];
    snprintf(f->file, sizeof(f->file), "%s", file);
    f->line = line;
    f->column = column;
    f->severity = severity;
    snprintf(f->check, sizeof(f->check), "%s", check);
    memcpy(f->message, message, sizeof(f->message));
}


static void
add_error(s3u_lint_t *lt, const s3u_error_t *err)
{
    /* errors about a whole document (size, a missing file) have no
     * position of their own: report its start */
    add(lt, err->file, err->line ? err->line : 1,
        err->line ? err->column : 1, S3U_LINT_ERROR, "load", "%s",
        err->message);
}


/* --- the checks on one compiled policy ----------------------------------- */

static int
is_source_key(const char *key)
{
    return strcasecmp(key, "aws:SourceAccount") == 0
           || strcasecmp(key, "aws:SourceArn") == 0
           || strcasecmp(key, "aws:SourceOrgID") == 0
           || strcasecmp(key, "aws:SourceOrgPaths") == 0;
}


/* a positive operator: false when the key is absent */
static int
needs_key(const char *op)
{
    size_t  n = strlen(op);

    if (n >= 8 && strcmp(op + n - 8, "IfExists") == 0) {
        return 0;
    }
    if (strncmp(op, "ForAllValues:", 13) == 0 || strcmp(op, "Null") == 0) {
        return 0;
    }
    return strstr(op, "Not") == NULL;
}


/* keys that narrow who may call, or from where */
static int
restricts_caller(const char *key)
{
    static const char *const  keys[] = {
        "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount",
        "aws:PrincipalArn", "aws:PrincipalServiceName", "aws:SourceIp",
        "aws:SourceVpc", "aws:SourceVpce", "aws:SourceAccount",
        "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths",
        "aws:userid", "aws:username", "aws:VpcSourceIp", "aws:VpceAccount",
        "aws:VpceOrgID", "aws:VpceOrgPaths", "s3:DataAccessPointAccount",
        "s3:DataAccessPointArn", "kms:CallerAccount", "aws:ResourceOrgID",
        "aws:CalledVia", "aws:PrincipalIsAWSService"
    };
    size_t  i;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcasecmp(key, keys[i]) == 0) {
            return 1;
        }
    }
    return 0;
}


static int
names_service(const s3u_stmt_t *st)
{
    size_t  i;

    for (i = 0; i < st->nprincipals; i++) {
        if (st->principals[i].kind == S3U_PR_SERVICE) {
            return 1;
        }
    }
    return 0;
}


static int
public_principal(const s3u_stmt_t *st)
{
    size_t  i;

    for (i = 0; i < st->nprincipals; i++) {
        if (st->principals[i].kind == S3U_PR_STAR) {
            return 1;
        }
    }
    return 0;
}


static int
is_ap_resource(const s3u_pat_t *pat, const char *ap_arn)
{
    size_t  n;
    char    probe[1200];

    if (ap_arn == NULL) {
        return strstr(pat->text, ":accesspoint/") != NULL;
    }
    n = strlen(ap_arn);
    if (strcmp(pat->text, ap_arn) == 0
        || (strncmp(pat->text, ap_arn, n) == 0
            && strncmp(pat->text + n, "/object/", 8) == 0))
    {
        return 1;
    }
    /* a wildcard pattern counts when it covers the access point or its
     * objects */
    snprintf(probe, sizeof(probe), "%s/object/x", ap_arn);
    return pat->wild
           && (s3u_arn_match(pat->text, pat->len, ap_arn, n)
               || s3u_arn_match(pat->text, pat->len, probe, strlen(probe)));
}


void
s3u_lint_policy(s3u_lint_t *lt, const s3u_policy_t *p, s3u_layer_t layer,
    const char *resource_arn)
{
    const s3u_stmt_t  *st;
    size_t             i, j;
    int                ap, restricted, resource_policy;
    char               name[128];

    /* a loose file is an access point policy when it names one */
    ap = (layer == S3U_LAYER_ACCESS_POINT);
    if (layer == S3U_LAYER_NONE) {
        for (i = 0; i < p->nstmts && !ap; i++) {
            for (j = 0; p->stmts[i].has_principal
                        && j < p->stmts[i].nresources; j++)
            {
                if (strstr(p->stmts[i].resources[j].text, ":accesspoint/")) {
                    ap = 1;
                }
            }
        }
    }
    resource_policy = (layer == S3U_LAYER_BUCKET
                       || layer == S3U_LAYER_ACCESS_POINT
                       || layer == S3U_LAYER_KMS || layer == S3U_LAYER_TRUST
                       || layer == S3U_LAYER_RESOURCE
                       || layer == S3U_LAYER_NONE);

    for (i = 0; i < p->nstmts; i++) {
        st = &p->stmts[i];
        s3u_stmt_name(st, name, sizeof(name));

        if (ap && !st->not_resource) {
            for (j = 0; j < st->nresources; j++) {
                if (!is_ap_resource(&st->resources[j], resource_arn)) {
                    add(lt, p->file, st->resources[j].line,
                        st->resources[j].column, S3U_LINT_WARNING,
                        "ap-resource",
                        "statement %s: access point policy Resource \"%s\""
                        " is not the access point%s%s%s or its objects"
                        " (.../object/*): it never matches a request made"
                        " through the access point", name,
                        st->resources[j].text, resource_arn ? " (" : "",
                        resource_arn ? resource_arn : "",
                        resource_arn ? ")" : "");
                }
            }
        }

        if (!st->deny && st->not_principal) {
            add(lt, p->file, st->line, st->column, S3U_LINT_ERROR,
                "allow-notprincipal",
                "statement %s: Allow with NotPrincipal grants everyone not"
                " listed, anonymous callers included; AWS rejects it in most"
                " resource policies. Name the principals in Principal",
                name);
        }
        if (st->deny && st->not_principal) {
            add(lt, p->file, st->line, st->column, S3U_LINT_WARNING,
                "deny-notprincipal",
                "statement %s: Deny with NotPrincipal denies every caller"
                " that has a permissions boundary, and exempts a role"
                " session only when the session, role and account ARNs are"
                " all listed; prefer Principal \"*\" with ArnNotEquals on"
                " aws:PrincipalArn", name);
        }

        for (j = 0; j < st->nconds; j++) {
            if (!is_source_key(st->conds[j].key)
                || !needs_key(st->conds[j].op) || names_service(st)
                || (public_principal(st) && !st->not_principal))
            {
                continue;
            }
            add(lt, p->file, st->conds[j].line, st->conds[j].column,
                S3U_LINT_WARNING, "source-key",
                "statement %s: %s %s requires a key AWS sets only when a"
                " service principal (e.g. cloudtrail.amazonaws.com) calls on"
                " behalf of a resource; the statement names %s, so for a"
                " role or user calling S3 the key is absent and the %s never"
                " matches. Use aws:PrincipalAccount or aws:PrincipalArn",
                name, st->conds[j].op, st->conds[j].key,
                st->has_principal ? (st->nprincipals
                                     ? st->principals[0].value : "no one")
                                  : "the policy's own identity",
                st->deny ? "Deny" : "Allow");
        }

        if (!st->deny && resource_policy && st->has_principal
            && !st->not_principal && public_principal(st))
        {
            restricted = 0;
            for (j = 0; j < st->nconds; j++) {
                restricted |= restricts_caller(st->conds[j].key);
            }
            if (!restricted) {
                add(lt, p->file, st->line, st->column, S3U_LINT_WARNING,
                    "public-grant",
                    "statement %s: public grant: Principal \"*\" with Allow"
                    " and no condition restricting the caller"
                    " (aws:PrincipalOrgID, aws:PrincipalAccount,"
                    " aws:SourceVpce, aws:SourceIp, s3:DataAccessPointAccount"
                    " ...): anyone, anonymous callers included, gets %s%s",
                    name, st->nactions ? st->actions[0].text : "?",
                    st->nactions > 1 ? " and more" : "");
            }
        }
    }
}


/* --- paths --------------------------------------------------------------- */

static void
lint_diag(void *data, const s3u_error_t *err)
{
    add_error(data, err);
}



static void
lint_list(s3u_lint_t *lt, const s3u_plist_t *l, s3u_layer_t layer)
{
    size_t  i;

    for (i = 0; i < l->n; i++) {
        s3u_lint_policy(lt, l->docs[i], layer, NULL);
    }
}


static void
lint_scenario(s3u_lint_t *lt, const s3u_scenario_t *sc)
{
    const s3u_eval_input_t  *in = &sc->input;
    const s3u_policy_t      *p;
    const char              *res;
    s3u_layer_t              layer;
    size_t                   i;

    if (sc->pset != NULL) {
        for (i = 0; i < s3u_pset_npolicies(sc->pset); i++) {
            p = s3u_pset_policy(sc->pset, i, &layer, &res);
            s3u_lint_policy(lt, p, layer, res);
        }
        return;
    }

    lint_list(lt, &in->identity, S3U_LAYER_IDENTITY);
    if (in->boundary) {
        s3u_lint_policy(lt, in->boundary, S3U_LAYER_BOUNDARY, NULL);
    }
    if (in->session) {
        s3u_lint_policy(lt, in->session, S3U_LAYER_SESSION, NULL);
    }
    for (i = 0; i < in->nscp; i++) {
        lint_list(lt, &in->scp[i], S3U_LAYER_SCP);
    }
    for (i = 0; i < in->nrcp; i++) {
        lint_list(lt, &in->rcp[i], S3U_LAYER_RCP);
    }
    if (in->vpce) {
        s3u_lint_policy(lt, in->vpce, S3U_LAYER_VPCE, NULL);
    }
    if (in->bucket.policy) {
        s3u_lint_policy(lt, in->bucket.policy, S3U_LAYER_BUCKET,
                        in->bucket.arn);
    }
    if (in->access_point.policy) {
        s3u_lint_policy(lt, in->access_point.policy, S3U_LAYER_ACCESS_POINT,
                        in->access_point.arn);
    }
    if (in->kms.policy) {
        s3u_lint_policy(lt, in->kms.policy, S3U_LAYER_KMS, in->kms.arn);
    }
    if (in->role.policy) {
        s3u_lint_policy(lt, in->role.policy, S3U_LAYER_TRUST, in->role.arn);
    }
}


static void
lint_set(s3u_lint_t *lt, const char *path)
{
    s3u_pset_t          *ps;
    s3u_error_t          err;
    const s3u_policy_t  *p;
    const char          *res;
    s3u_layer_t          layer;
    size_t               i;

    ps = s3u_pset_load(path, &err);
    if (ps == NULL) {
        add_error(lt, &err);
        return;
    }
    for (i = 0; i < s3u_pset_npolicies(ps); i++) {
        p = s3u_pset_policy(ps, i, &layer, &res);
        s3u_lint_policy(lt, p, layer, res);
    }
    s3u_pset_free(ps);
}


void
s3u_lint_path(s3u_lint_t *lt, const char *path)
{
    struct stat            st;
    s3u_json_doc_t        *doc;
    s3u_scenario_file_t   *sf;
    s3u_policy_t          *p;
    s3u_error_t            err;
    size_t                 i, n;

    n = strlen(path);
    if ((stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        || (n >= 14 && strcmp(path + n - 14, S3U_PSET_MANIFEST) == 0))
    {
        lint_set(lt, path);
        return;
    }

    if (s3u_scenario_sniff(path)) {
        doc = s3u_json_parse_file(path, &err);
        if (doc == NULL) {
            add_error(lt, &err);
            return;
        }
        s3u_json_free(doc);

        /* parses: a scenario after all? (sniff says yes for broken
         * files too) */
        sf = s3u_scenario_load(path, &err);
        if (sf == NULL) {
            add_error(lt, &err);
            return;
        }
        for (i = 0; i < s3u_scenario_count(sf); i++) {
            lint_scenario(lt, s3u_scenario_at(sf, i));
        }
        s3u_scenario_file_free(sf);
        return;
    }

    doc = s3u_json_parse_file(path, &err);
    if (doc == NULL) {
        add_error(lt, &err);
        return;
    }
    /* every broken statement is reported, the rest is linted */
    p = s3u_policy_compile_wrapped(doc, s3u_json_root(doc), S3U_POLICY_ANY,
                                   &err, lint_diag, lt);
    s3u_json_free(doc);
    if (p == NULL) {
        add_error(lt, &err);
        return;
    }
    s3u_lint_policy(lt, p, S3U_LAYER_NONE, NULL);
    s3u_policy_free(p);
}


/* findings in file order: by file, line, column, then as found */
static int
finding_cmp(const void *a, const void *b)
{
    const s3u_lint_finding_t  *x = *(const s3u_lint_finding_t *const *) a;
    const s3u_lint_finding_t  *y = *(const s3u_lint_finding_t *const *) b;
    int                        c;

    c = strcmp(x->file, y->file);
    if (c != 0) {
        return c;
    }
    if (x->line != y->line) {
        return x->line < y->line ? -1 : 1;
    }
    if (x->column != y->column) {
        return x->column < y->column ? -1 : 1;
    }
    return (x > y) - (x < y);
}


size_t
s3u_lint_report(const s3u_lint_t *lt, FILE *out, int json)
{
    const s3u_lint_finding_t  *f, **order;
    cJSON                     *o, *arr, *item;
    char                      *text;
    size_t                     i;

    order = malloc((lt->n ? lt->n : 1) * sizeof(*order));
    if (order == NULL) {
        return lt->n;
    }
    for (i = 0; i < lt->n; i++) {
        order[i] = &lt->items[i];
    }
    qsort(order, lt->n, sizeof(*order), finding_cmp);

    if (!json) {
        for (i = 0; i < lt->n; i++) {
            f = order[i];
            fprintf(out, "%s:%u:%u: %s: %s [%s]\n", f->file, f->line,
                    f->column,
                    f->severity == S3U_LINT_ERROR ? "error" : "warning",
                    f->message, f->check);
        }
        free(order);
        return lt->n;
    }

    o = cJSON_CreateObject();
    arr = cJSON_AddArrayToObject(o, "findings");
    for (i = 0; arr != NULL && i < lt->n; i++) {
        f = order[i];
        item = cJSON_CreateObject();
        if (item == NULL) {
            break;
        }
        cJSON_AddStringToObject(item, "file", f->file);
        cJSON_AddNumberToObject(item, "line", f->line);
        cJSON_AddNumberToObject(item, "column", f->column);
        cJSON_AddStringToObject(item, "severity",
                                f->severity == S3U_LINT_ERROR
                                ? "error" : "warning");
        cJSON_AddStringToObject(item, "check", f->check);
        cJSON_AddStringToObject(item, "message", f->message);
        cJSON_AddItemToArray(arr, item);
    }
    cJSON_AddNumberToObject(o, "count", (double) lt->n);
    text = cJSON_Print(o);
    if (text != NULL) {
        fprintf(out, "%s\n", text);
        free(text);
    }
    cJSON_Delete(o);
    free(order);
    return lt->n;
}
