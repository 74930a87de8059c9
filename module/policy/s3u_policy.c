/*
 * Parsing and compiling one policy document: see s3u_policy.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/s3u_policy.h"
#include "policy/s3u_principal.h"


/* most values one Action, Resource, Principal or condition key may list */
#define S3U_POLICY_MAX_LIST   4096

typedef struct {
    const s3u_json_doc_t  *doc;
    s3u_policy_t          *policy;
    s3u_error_t           *err;
    /* every compiled condition, to free them with the policy */
    s3u_cond_t           **conds;
    size_t                 nconds;
    size_t                 cap_conds;
    /* every compiled pattern, handed to the policy at the end */
    s3u_pattern_t        **pats;
    size_t                 npats;
    size_t                 cap_pats;
} s3u_compile_t;


uint64_t
s3u_action_service_bit(const char *action, size_t len)
{
    uint64_t  h;
    size_t    i;
    char      ch;

    h = 1469598103934665603ull;
    for (i = 0; i < len && action[i] != ':'; i++) {
        ch = action[i];
        if (ch >= 'A' && ch <= 'Z') {
            ch = (char) (ch - 'A' + 'a');
        }
        h = (h ^ (unsigned char) ch) * 1099511628211ull;
    }
    return 1ull << (h % 64);
}


void
s3u_stmt_name(const s3u_stmt_t *st, char *buf, size_t size)
{
    if (st->sid != NULL && st->sid[0] != '\0') {
        snprintf(buf, size, "%s", st->sid);
    } else {
        snprintf(buf, size, "Statement[%u]", st->index);
    }
}


static void
where(s3u_compile_t *cc, const cJSON *node, int name, unsigned *line,
    unsigned *column)
{
    s3u_json_where(cc->doc, node, name, line, column);
}


static size_t
list_count(const cJSON *node)
{
    return cJSON_IsArray(node) ? (size_t) cJSON_GetArraySize(node) : 1;
}


/* a string, or a non-empty array of strings */
static int
check_string_list(s3u_compile_t *cc, const cJSON *node, const char *what)
{
    const cJSON  *item;

    if (cJSON_IsString(node)) {
        return 0;
    }
    if (!cJSON_IsArray(node)) {
        return s3u_json_fail(cc->err, cc->doc, node, 0,
                             "%s must be a string or an array of strings",
                             what);
    }
    if (node->child == NULL) {
        return s3u_json_fail(cc->err, cc->doc, node, 0, "%s is empty", what);
    }
    if (list_count(node) > S3U_POLICY_MAX_LIST) {
        return s3u_json_fail(cc->err, cc->doc, node, 0,
                             "%s lists more than %d values", what,
                             S3U_POLICY_MAX_LIST);
    }
    for (item = node->child; item != NULL; item = item->next) {
        if (!cJSON_IsString(item)) {
            return s3u_json_fail(cc->err, cc->doc, item, 0,
                                 "%s must hold strings only", what);
        }
    }
    return 0;
}


static unsigned
colons(const char *s, size_t len)
{
    unsigned  n;
    size_t    i;

    for (n = 0, i = 0; i < len; i++) {
        n += (s[i] == ':');
    }
    return n;
}


static const s3u_pattern_t *
compile_variables(s3u_compile_t *cc, const char *text, size_t len)
{
    char            err[128];
    size_t          cap;
    s3u_pattern_t  *pat, **pats;

    if (cc->npats == cc->cap_pats) {
        cap = cc->cap_pats ? cc->cap_pats * 2 : 8;
        pats = realloc(cc->pats, cap * sizeof(s3u_pattern_t *));
        if (pats == NULL) {
            return NULL;
        }
        cc->pats = pats;
        cc->cap_pats = cap;
    }

    pat = s3u_pattern_new(text, len, S3U_PAT_VARS, err, sizeof(err));
    if (pat != NULL) {
        cc->pats[cc->npats++] = pat;
    }
    return pat;
}


static void
free_patterns(s3u_pattern_t **pats, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        s3u_pattern_free(pats[i]);
    }
    free(pats);
}


static int
compile_patterns(s3u_compile_t *cc, const cJSON *node, const char *what,
    s3u_pat_t **out, size_t *nout, int variables)
{
    const cJSON  *item;
    s3u_pat_t    *pats;
    size_t        n, i;

    if (check_string_list(cc, node, what) != 0) {
        return -1;
    }
    n = list_count(node);
    pats = s3u_arena_alloc(cc->policy->arena, n * sizeof(s3u_pat_t));
    if (pats == NULL) {
        return s3u_json_fail(cc->err, cc->doc, node, 0, "out of memory");
    }

    item = cJSON_IsArray(node) ? node->child : node;
    for (i = 0; i < n && item != NULL; i++, item = item->next) {
        pats[i].len = strlen(item->valuestring);
        pats[i].text = s3u_arena_strndup(cc->policy->arena, item->valuestring,
                                         pats[i].len);
        if (pats[i].text == NULL) {
            return s3u_json_fail(cc->err, cc->doc, item, 0, "out of memory");
        }
        if (pats[i].len == 0) {
            return s3u_json_fail(cc->err, cc->doc, item, 0,
                                 "%s value is empty", what);
        }
        pats[i].star = (pats[i].len == 1 && pats[i].text[0] == '*');
        pats[i].wild = (strpbrk(pats[i].text, "*?") != NULL);
        pats[i].var = variables && strstr(pats[i].text, "${") != NULL;
        pats[i].compiled = NULL;
        if (pats[i].var) {
            pats[i].compiled = compile_variables(cc, pats[i].text,
                                                 pats[i].len);
            if (pats[i].compiled == NULL) {
                return s3u_json_fail(cc->err, cc->doc, item, 0,
                                     "out of memory");
            }
        }
        pats[i].prefix = strcspn(pats[i].text, pats[i].var ? "*?$" : "*?");
        pats[i].tail_star = (pats[i].prefix + 1 == pats[i].len
                             && pats[i].text[pats[i].prefix] == '*'
                             && colons(pats[i].text, pats[i].prefix) >= 5);
        where(cc, item, 0, &pats[i].line, &pats[i].column);
        if (!cJSON_IsArray(node)) {
            break;
        }
    }
    *out = pats;
    *nout = n;
    return 0;
}


static int
add_principals(s3u_compile_t *cc, const cJSON *list, s3u_pr_kind_t kind,
    s3u_pr_t *prs, size_t *at)
{
    const cJSON  *item;
    s3u_pr_t     *pr;

    item = cJSON_IsArray(list) ? list->child : list;
    for ( /* void */ ; item != NULL; item = item->next) {
        pr = &prs[(*at)++];
        pr->value_len = strlen(item->valuestring);
        pr->value = s3u_arena_strndup(cc->policy->arena, item->valuestring,
                                      pr->value_len);
        if (pr->value == NULL) {
            return s3u_json_fail(cc->err, cc->doc, item, 0, "out of memory");
        }
        where(cc, item, 0, &pr->line, &pr->column);

        if (kind == S3U_PR_ACCOUNT) {   /* the "AWS" list */
            if (s3u_pr_classify(pr->value, pr->value_len, pr) != 0) {
                return s3u_json_fail(cc->err, cc->doc, item, 0,
                                     "principal \"%s\": a wildcard is only"
                                     " allowed as \"*\" alone", pr->value);
            }
        } else {
            pr->kind = kind;
            if (kind != S3U_PR_SERVICE && strcmp(pr->value, "*") == 0) {
                pr->kind = S3U_PR_STAR;
            }
        }
        if (!cJSON_IsArray(list)) {
            break;
        }
    }
    return 0;
}


static int
compile_principal(s3u_compile_t *cc, const cJSON *node, s3u_stmt_t *st)
{
    static const struct {
        const char     *name;
        s3u_pr_kind_t   kind;
    } types[] = {
        { "AWS", S3U_PR_ACCOUNT },
        { "Service", S3U_PR_SERVICE },
        { "Federated", S3U_PR_FEDERATED },
        { "CanonicalUser", S3U_PR_CANONICAL },
    };
    const cJSON  *member;
    size_t        n, i, at;
    int           known;

    if (cJSON_IsString(node)) {
        if (strcmp(node->valuestring, "*") != 0) {
            return s3u_json_fail(cc->err, cc->doc, node, 0,
                                 "a string principal must be \"*\";"
                                 " write {\"AWS\": \"%s\"}",
                                 node->valuestring);
        }
        st->principals = s3u_arena_alloc(cc->policy->arena, sizeof(s3u_pr_t));
        if (st->principals == NULL) {
            return s3u_json_fail(cc->err, cc->doc, node, 0, "out of memory");
        }
        st->principals[0].kind = S3U_PR_STAR;
        st->principals[0].value = "*";
        st->principals[0].value_len = 1;
        where(cc, node, 0, &st->principals[0].line,
              &st->principals[0].column);
        st->nprincipals = 1;
        return 0;
    }

    if (!cJSON_IsObject(node) || node->child == NULL) {
        return s3u_json_fail(cc->err, cc->doc, node, 0,
                             "principal must be \"*\" or an object with AWS,"
                             " Service, Federated or CanonicalUser");
    }

    n = 0;
    for (member = node->child; member != NULL; member = member->next) {
        known = 0;
        for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
            if (strcmp(member->string, types[i].name) == 0) {
                known = 1;
            }
        }
        if (!known) {
            return s3u_json_fail(cc->err, cc->doc, member, 1,
                                 "unknown principal type \"%s\" (AWS,"
                                 " Service, Federated, CanonicalUser)",
                                 member->string);
        }
        if (check_string_list(cc, member, member->string) != 0) {
            return -1;
        }
        n += list_count(member);
    }

    st->principals = s3u_arena_alloc(cc->policy->arena, n * sizeof(s3u_pr_t));
    if (st->principals == NULL) {
        return s3u_json_fail(cc->err, cc->doc, node, 0, "out of memory");
    }

    at = 0;
    for (member = node->child; member != NULL; member = member->next) {
        for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
            if (strcmp(member->string, types[i].name) == 0
                && add_principals(cc, member, types[i].kind, st->principals,
                                  &at) != 0)
            {
                return -1;
            }
        }
    }
    st->nprincipals = at;
    return 0;
}


static int
remember_cond(s3u_compile_t *cc, s3u_cond_t *cond)
{
    s3u_cond_t  **grown;
    size_t        cap;

    if (cc->nconds == cc->cap_conds) {
        cap = cc->cap_conds ? cc->cap_conds * 2 : 16;
        grown = realloc(cc->conds, cap * sizeof(s3u_cond_t *));
        if (grown == NULL) {
            return -1;
        }
        cc->conds = grown;
        cc->cap_conds = cap;
    }
    cc->conds[cc->nconds++] = cond;
    return 0;
}


/*
 * A condition value as the string AWS compares: JSON numbers and booleans
 * are normalised to text.  Without variables (Version 2008-10-17 or none)
 * "${" is literal text: it is escaped so that expansion gives it back.
 */
static char *
cond_value(s3u_compile_t *cc, const cJSON *v)
{
    char          num[64];
    const char   *s, *p;
    char         *out, *o;
    size_t        dollars;

    if (cJSON_IsString(v)) {
        s = v->valuestring;
    } else if (cJSON_IsBool(v)) {
        s = cJSON_IsTrue(v) ? "true" : "false";
    } else if (cJSON_IsNumber(v)) {
        snprintf(num, sizeof(num), "%.15g", v->valuedouble);
        s = num;
    } else {
        return NULL;
    }

    if (cc->policy->vars || strstr(s, "${") == NULL) {
        return s3u_arena_strndup(cc->policy->arena, s, strlen(s));
    }

    dollars = 0;
    for (p = s; *p; p++) {
        dollars += (*p == '$');
    }
    out = s3u_arena_alloc(cc->policy->arena, strlen(s) + dollars * 4 + 1);
    if (out == NULL) {
        return NULL;
    }
    for (o = out, p = s; *p; p++) {
        if (*p == '$') {
            memcpy(o, "${$}", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}


static int
compile_condition(s3u_compile_t *cc, const cJSON *node, s3u_stmt_t *st)
{
    const cJSON   *op, *key, *v;
    const char   **values;
    size_t         n, i, nclauses;
    char           msg[256];
    s3u_cond_t    *cond;
    s3u_stmt_cond_t  *sc;

    if (!cJSON_IsObject(node)) {
        return s3u_json_fail(cc->err, cc->doc, node, 0,
                             "Condition must be an object");
    }

    nclauses = 0;
    for (op = node->child; op != NULL; op = op->next) {
        if (!cJSON_IsObject(op) || op->child == NULL) {
            return s3u_json_fail(cc->err, cc->doc, op, 0,
                                 "condition operator \"%s\" must map keys to"
                                 " values", op->string);
        }
        nclauses += (size_t) cJSON_GetArraySize(op);
    }

    st->conds = s3u_arena_alloc(cc->policy->arena,
                                (nclauses ? nclauses : 1)
                                * sizeof(s3u_stmt_cond_t));
    values = NULL;
    if (st->conds == NULL) {
        return s3u_json_fail(cc->err, cc->doc, node, 0, "out of memory");
    }

    for (op = node->child; op != NULL; op = op->next) {
        for (key = op->child; key != NULL; key = key->next) {
            if (cJSON_IsArray(key)) {
                if (key->child == NULL) {
                    return s3u_json_fail(cc->err, cc->doc, key, 0,
                                         "condition key \"%s\" lists no"
                                         " values", key->string);
                }
                n = list_count(key);
                if (n > S3U_POLICY_MAX_LIST) {
                    return s3u_json_fail(cc->err, cc->doc, key, 0,
                                         "condition key \"%s\" lists too many"
                                         " values", key->string);
                }
            } else {
                n = 1;
            }

            values = s3u_arena_alloc(cc->policy->arena, n * sizeof(char *));
            if (values == NULL) {
                return s3u_json_fail(cc->err, cc->doc, key, 0,
                                     "out of memory");
            }
            v = cJSON_IsArray(key) ? key->child : key;
            for (i = 0; i < n && v != NULL; i++, v = v->next) {
                values[i] = cond_value(cc, v);
                if (values[i] == NULL) {
                    return s3u_json_fail(cc->err, cc->doc, v, 0,
                                         "condition value for \"%s\" must be"
                                         " a string, number or boolean",
                                         key->string);
                }
                if (!cJSON_IsArray(key)) {
                    break;
                }
            }

            msg[0] = '\0';
            cond = s3u_cond_new(op->string, key->string, values, n, msg,
                                sizeof(msg));
            if (cond == NULL) {
                return s3u_json_fail(cc->err, cc->doc,
                                     msg[0] && strstr(msg, "operator") ? op
                                                                       : key,
                                     1, "%s", msg[0] ? msg
                                     : "invalid condition");
            }
            if (remember_cond(cc, cond) != 0) {
                s3u_cond_free(cond);
                return s3u_json_fail(cc->err, cc->doc, key, 0,
                                     "out of memory");
            }

            sc = &st->conds[st->nconds++];
            sc->cond = cond;
            sc->op = s3u_arena_strndup(cc->policy->arena, op->string,
                                       strlen(op->string));
            sc->key = s3u_arena_strndup(cc->policy->arena, key->string,
                                        strlen(key->string));
            if (sc->op == NULL || sc->key == NULL) {
                return s3u_json_fail(cc->err, cc->doc, key, 0,
                                     "out of memory");
            }
            where(cc, key, 1, &sc->line, &sc->column);
        }
    }
    return 0;
}


static uint64_t
services_of(const s3u_stmt_t *st)
{
    uint64_t  bits;
    size_t    i;
    const char  *colon;

    if (st->not_action) {
        return ~0ull;
    }
    bits = 0;
    for (i = 0; i < st->nactions; i++) {
        colon = memchr(st->actions[i].text, ':', st->actions[i].len);
        if (colon == NULL
            || memchr(st->actions[i].text, '*',
                      (size_t) (colon - st->actions[i].text)) != NULL
            || memchr(st->actions[i].text, '?',
                      (size_t) (colon - st->actions[i].text)) != NULL)
        {
            return ~0ull;
        }
        bits |= s3u_action_service_bit(st->actions[i].text,
                                       st->actions[i].len);
    }
    return bits;
}


static int
compile_statement(s3u_compile_t *cc, const cJSON *node, unsigned index,
    s3u_stmt_t *st)
{
    static const char *const known[] = {
        "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
        "Resource", "NotResource", "Condition"
    };
    const cJSON  *m, *effect, *pr, *npr, *act, *nact, *res, *nres, *cond;
    size_t        i;
    int           ok;
    s3u_policy_kind_t  kind = cc->policy->kind;

    if (!cJSON_IsObject(node)) {
        return s3u_json_fail(cc->err, cc->doc, node, 0,
                             "a statement must be an object");
    }
    for (m = node->child; m != NULL; m = m->next) {
        ok = 0;
        for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
            ok |= (strcmp(m->string, known[i]) == 0);
        }
        if (!ok) {
            return s3u_json_fail(cc->err, cc->doc, m, 1,
                                 "unknown statement element \"%s\"",
                                 m->string);
        }
    }

    st->index = index;
    where(cc, node, 0, &st->line, &st->column);

    m = s3u_json_get(node, "Sid");
    if (m != NULL) {
        if (!cJSON_IsString(m)) {
            return s3u_json_fail(cc->err, cc->doc, m, 0,
                                 "Sid must be a string");
        }
        st->sid = s3u_arena_strndup(cc->policy->arena, m->valuestring,
                                    strlen(m->valuestring));
        if (st->sid == NULL) {
            return s3u_json_fail(cc->err, cc->doc, m, 0, "out of memory");
        }
    }

    effect = s3u_json_get(node, "Effect");
    if (effect == NULL) {
        return s3u_json_fail(cc->err, cc->doc, node, 0,
                             "statement has no Effect");
    }
    if (!cJSON_IsString(effect)
        || (strcmp(effect->valuestring, "Allow") != 0
            && strcmp(effect->valuestring, "Deny") != 0))
    {
        return s3u_json_fail(cc->err, cc->doc, effect, 0,
                             "Effect must be \"Allow\" or \"Deny\"");
    }
    st->deny = (effect->valuestring[0] == 'D');

    pr = s3u_json_get(node, "Principal");
    npr = s3u_json_get(node, "NotPrincipal");
    if (pr && npr) {
        return s3u_json_fail(cc->err, cc->doc, npr, 1,
                             "Principal and NotPrincipal together");
    }
    if (pr || npr) {
        if (kind == S3U_POLICY_IDENTITY) {
            return s3u_json_fail(cc->err, cc->doc, pr ? pr : npr, 1,
                                 "%s is not allowed in this policy type"
                                 " (identity, boundary, session or SCP)",
                                 pr ? "Principal" : "NotPrincipal");
        }
        st->has_principal = 1;
        st->not_principal = (npr != NULL);
        if (compile_principal(cc, pr ? pr : npr, st) != 0) {
            return -1;
        }
    } else if (kind == S3U_POLICY_RESOURCE || kind == S3U_POLICY_TRUST) {
        return s3u_json_fail(cc->err, cc->doc, node, 0,
                             "statement has no Principal (required in a"
                             " resource-based policy)");
    }

    act = s3u_json_get(node, "Action");
    nact = s3u_json_get(node, "NotAction");
    if ((act == NULL) == (nact == NULL)) {
        return s3u_json_fail(cc->err, cc->doc, act ? nact : node, act != NULL,
                             "statement needs exactly one of Action and"
                             " NotAction");
    }
    st->not_action = (nact != NULL);
    if (compile_patterns(cc, act ? act : nact,
                         act ? "Action" : "NotAction", &st->actions,
                         &st->nactions, 0) != 0)
    {
        return -1;
    }
    for (i = 0; i < st->nactions; i++) {
        if (!st->actions[i].star
            && memchr(st->actions[i].text, ':', st->actions[i].len) == NULL)
        {
            return s3u_json_fail(cc->err, cc->doc, act ? act : nact, 0,
                                 "action \"%s\" is not service:Action",
                                 st->actions[i].text);
        }
        st->action_star |= (st->actions[i].star && !st->not_action);
        /* in an action '*' crosses ':' too: "s3:Get*" is decided by "s3:Get" */
        st->actions[i].tail_star = (st->actions[i].prefix + 1
                                    == st->actions[i].len);
    }
    st->services = services_of(st);

    res = s3u_json_get(node, "Resource");
    nres = s3u_json_get(node, "NotResource");
    if (res && nres) {
        return s3u_json_fail(cc->err, cc->doc, nres, 1,
                             "Resource and NotResource together");
    }
    if (res == NULL && nres == NULL) {
        if (kind != S3U_POLICY_TRUST) {
            return s3u_json_fail(cc->err, cc->doc, node, 0,
                                 "statement needs Resource or NotResource");
        }
    } else {
        st->not_resource = (nres != NULL);
        if (compile_patterns(cc, res ? res : nres,
                             res ? "Resource" : "NotResource", &st->resources,
                             &st->nresources, cc->policy->vars) != 0)
        {
            return -1;
        }
    }

    cond = s3u_json_get(node, "Condition");
    if (cond != NULL && compile_condition(cc, cond, st) != 0) {
        return -1;
    }
    return 0;
}


static int
pindex_cmp(const void *a, const void *b)
{
    const s3u_pindex_t  *x = a, *y = b;

    if (x->key != y->key) {
        return x->key < y->key ? -1 : 1;
    }
    return (x->stmt > y->stmt) - (x->stmt < y->stmt);
}


/* builds the principal index; 0 also when the policy is not worth it */
static int
build_index(s3u_policy_t *p)
{
    const s3u_stmt_t  *st;
    size_t             i, j, n, keyed;
    uint64_t           key;
    int                indexable;

    if (p->nstmts < S3U_POLICY_INDEX_MIN || p->nstmts > UINT32_MAX) {
        return 0;
    }

    keyed = 0;
    for (i = 0; i < p->nstmts; i++) {
        keyed += p->stmts[i].nprincipals;
    }
    p->always = s3u_arena_alloc(p->arena, p->nstmts * sizeof(uint32_t));
    p->pindex = s3u_arena_alloc(p->arena,
                                (keyed ? keyed : 1) * sizeof(s3u_pindex_t));
    if (p->always == NULL || p->pindex == NULL) {
        return -1;
    }

    for (i = 0; i < p->nstmts; i++) {
        st = &p->stmts[i];
        indexable = st->has_principal && !st->not_principal;
        for (j = 0; indexable && j < st->nprincipals; j++) {
            if (!s3u_pr_key(&st->principals[j], &key)
                && st->principals[j].kind != S3U_PR_OTHER)
            {
                indexable = 0;
            }
        }
        if (!indexable) {
            p->always[p->nalways++] = (uint32_t) i;
            continue;
        }
        for (j = 0; j < st->nprincipals; j++) {
            if (s3u_pr_key(&st->principals[j], &key)) {
                p->pindex[p->npindex].key = key;
                p->pindex[p->npindex].stmt = (uint32_t) i;
                p->npindex++;
            }
        }
    }

    if (p->npindex == 0) {
        return 0;               /* nothing to gain */
    }
    qsort(p->pindex, p->npindex, sizeof(s3u_pindex_t), pindex_cmp);
    for (i = 0, n = 0; i < p->npindex; i++) {
        if (n == 0 || pindex_cmp(&p->pindex[n - 1], &p->pindex[i]) != 0) {
            p->pindex[n++] = p->pindex[i];
        }
    }
    p->npindex = n;
    p->indexed = 1;
    return 0;
}


s3u_policy_t *
s3u_policy_compile(const s3u_json_doc_t *doc, const cJSON *node,
    s3u_policy_kind_t kind, s3u_error_t *err)
{
    return s3u_policy_compile_all(doc, node, kind, err, NULL, NULL);
}


s3u_policy_t *
s3u_policy_compile_all(const s3u_json_doc_t *doc, const cJSON *node,
    s3u_policy_kind_t kind, s3u_error_t *err, s3u_policy_diag_pt diag,
    void *data)
{
    s3u_compile_t  cc;
    size_t         kept, first_cond, c;
    s3u_policy_t  *p;
    const cJSON   *m, *version, *stmts, *item;
    size_t         n, i;

    if (!cJSON_IsObject(node)) {
        s3u_json_fail(err, doc, node, 0, "a policy must be a JSON object");
        return NULL;
    }

    p = calloc(1, sizeof(s3u_policy_t));
    if (p == NULL) {
        s3u_error_set(err, s3u_json_file(doc), "out of memory");
        return NULL;
    }
    p->arena = s3u_arena_new();
    if (p->arena == NULL) {
        free(p);
        s3u_error_set(err, s3u_json_file(doc), "out of memory");
        return NULL;
    }
    p->kind = kind;
    p->file = s3u_arena_strndup(p->arena, s3u_json_file(doc),
                                strlen(s3u_json_file(doc)));
    s3u_json_where(doc, node, 0, &p->line, &p->column);

    memset(&cc, 0, sizeof(cc));
    cc.doc = doc;
    cc.policy = p;
    cc.err = err;

    for (m = node->child; m != NULL; m = m->next) {
        if (strcmp(m->string, "Version") != 0 && strcmp(m->string, "Id") != 0
            && strcmp(m->string, "Statement") != 0)
        {
            s3u_json_fail(err, doc, m, 1, "unknown policy element \"%s\"",
                          m->string);
            goto failed;
        }
    }

    version = s3u_json_get(node, "Version");
    if (version != NULL) {
        if (!cJSON_IsString(version)
            || (strcmp(version->valuestring, "2012-10-17") != 0
                && strcmp(version->valuestring, "2008-10-17") != 0))
        {
            s3u_json_fail(err, doc, version, 0,
                          "Version must be \"2012-10-17\" or \"2008-10-17\"");
            goto failed;
        }
        p->vars = (strcmp(version->valuestring, "2012-10-17") == 0);
    }

    m = s3u_json_get(node, "Id");
    if (m != NULL && !cJSON_IsString(m)) {
        s3u_json_fail(err, doc, m, 0, "Id must be a string");
        goto failed;
    }

    stmts = s3u_json_get(node, "Statement");
    if (stmts == NULL) {
        s3u_json_fail(err, doc, node, 0, "policy has no Statement");
        goto failed;
    }
    if (!cJSON_IsArray(stmts) && !cJSON_IsObject(stmts)) {
        s3u_json_fail(err, doc, stmts, 0,
                      "Statement must be an object or an array");
        goto failed;
    }
    if (cJSON_IsArray(stmts) && stmts->child == NULL) {
        s3u_json_fail(err, doc, stmts, 0, "Statement is empty");
        goto failed;
    }

    n = cJSON_IsArray(stmts) ? (size_t) cJSON_GetArraySize(stmts) : 1;
    p->stmts = s3u_arena_alloc(p->arena, n * sizeof(s3u_stmt_t));
    if (p->stmts == NULL) {
        s3u_error_set(err, s3u_json_file(doc), "out of memory");
        goto failed;
    }

    item = cJSON_IsArray(stmts) ? stmts->child : stmts;
    kept = 0;
    for (i = 0; i < n; i++, item = item->next) {
        first_cond = cc.nconds;
        memset(&p->stmts[kept], 0, sizeof(s3u_stmt_t));
        if (compile_statement(&cc, item, (unsigned) i, &p->stmts[kept]) == 0)
        {
            p->nstmts = ++kept;
            continue;
        }
        if (diag == NULL) {
            goto failed;
        }
        /* lint: report, drop the statement and its conditions, go on */
        diag(data, err);
        for (c = first_cond; c < cc.nconds; c++) {
            s3u_cond_free(cc.conds[c]);
        }
        cc.nconds = first_cond;
    }

    if (build_index(p) != 0) {
        s3u_error_set(err, s3u_json_file(doc), "out of memory");
        goto failed;
    }

    /* the conditions are reached through the statements from now on */
    free(cc.conds);
    p->patterns = cc.pats;
    p->npatterns = cc.npats;
    return p;

failed:

    for (i = 0; i < cc.nconds; i++) {
        s3u_cond_free(cc.conds[i]);
    }
    free(cc.conds);
    free_patterns(cc.pats, cc.npats);
    s3u_arena_free(p->arena);
    free(p);
    return NULL;
}


void
s3u_policy_free(s3u_policy_t *policy)
{
    size_t  i, j;

    if (policy == NULL) {
        return;
    }
    for (i = 0; i < policy->nstmts; i++) {
        for (j = 0; j < policy->stmts[i].nconds; j++) {
            s3u_cond_free(policy->stmts[i].conds[j].cond);
        }
    }
    free_patterns(policy->patterns, policy->npatterns);
    s3u_arena_free(policy->arena);
    free(policy);
}


const cJSON *
s3u_policy_unwrap(const s3u_json_doc_t *doc, const cJSON *node,
    s3u_json_doc_t **inner, s3u_error_t *err)
{
    const cJSON  *w;

    *inner = NULL;
    if (!cJSON_IsObject(node)) {
        s3u_json_fail(err, doc, node, 0, "a policy must be a JSON object");
        return NULL;
    }

    w = s3u_json_get(node, "PolicyVersion");
    if (w != NULL && node->child->next == NULL) {
        if (!cJSON_IsObject(w)) {
            s3u_json_fail(err, doc, w, 0, "PolicyVersion must be an object");
            return NULL;
        }
        w = s3u_json_get(w, "Document");
        if (w == NULL) {
            s3u_json_fail(err, doc, node, 0, "PolicyVersion has no Document");
            return NULL;
        }
    } else {
        w = s3u_json_get(node, "Policy");
        if (w == NULL) {
            w = s3u_json_get(node, "PolicyDocument");
        }
        if (w == NULL || s3u_json_get(node, "Statement") != NULL) {
            return node;            /* a raw policy */
        }
    }

    if (cJSON_IsString(w)) {
        *inner = s3u_json_parse_inner(doc, w, err);
        if (*inner == NULL) {
            return NULL;
        }
        return s3u_json_root(*inner);
    }
    return w;
}


s3u_policy_t *
s3u_policy_compile_wrapped(const s3u_json_doc_t *doc, const cJSON *node,
    s3u_policy_kind_t kind, s3u_error_t *err, s3u_policy_diag_pt diag,
    void *data)
{
    s3u_json_doc_t  *inner;
    const cJSON     *pol;
    s3u_policy_t    *p;

    pol = s3u_policy_unwrap(doc, node, &inner, err);
    if (pol == NULL) {
        return NULL;
    }
    /* a {"Policy": "<json string>"} wrapper holds its own document, and
     * positions in err point into it; the policy keeps nothing of it */
    p = s3u_policy_compile_all(inner ? inner : doc, pol, kind, err, diag,
                               data);
    s3u_json_free(inner);
    return p;
}


s3u_policy_t *
s3u_policy_load_file(const char *path, s3u_policy_kind_t kind,
    s3u_error_t *err)
{
    s3u_json_doc_t  *doc;
    s3u_policy_t    *p;

    doc = s3u_json_parse_file(path, err);
    if (doc == NULL) {
        return NULL;
    }
    p = s3u_policy_compile_wrapped(doc, s3u_json_root(doc), kind, err, NULL,
                                   NULL);
    s3u_json_free(doc);
    return p;
}
