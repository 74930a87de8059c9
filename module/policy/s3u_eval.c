/*
 * The evaluation core.  A request is split into "sides", each one
 * resource with its owner and resource policy: a plain request has one;
 * a request through an access point has the access point side and the
 * bucket side (both must permit); an SSE-KMS upload adds the KMS call once
 * the S3 part is allowed.  For every side:
 *
 *   1. explicit deny scan, layer by layer in attribution order, over all
 *      sides at once: the first layer holding a matching Deny decides;
 *   2. the requirements of each side (SCP levels, endpoint policy,
 *      identity, boundary, session, resource policy) are checked and every
 *      unmet one sets its layer's bit; the lowest bit over all sides is
 *      the implicit deny's layer.
 *
 * Same account versus cross-account, and which principal form a resource
 * policy named, decide which requirements apply (reference 1.2 to 1.4,
 * FORMAT.md "Which layer is reported").
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/s3u_eval.h"
#include "policy/s3u_principal.h"


/* how strongly a resource policy's matching Allow grants the caller */
enum {
    S3U_GRANT_NONE = 0,
    S3U_GRANT_ACCOUNT,      /* delegates to the account's identity policies */
    S3U_GRANT_ROLE,         /* limited by boundary and session policy */
    S3U_GRANT_DIRECT        /* user, session, "*": not limited */
};

typedef struct {
    const char          *action;
    size_t               action_len;
    const char          *resource;
    size_t               resource_len;
    const s3u_ctx_t     *ctx;
    const s3u_caller_t  *caller;
    uint64_t             service_bit;
} s3u_req_t;

typedef struct {
    s3u_req_t            rq;
    s3u_layer_t          rlayer;        /* its resource policy's layer */
    const s3u_policy_t  *rpolicy;
    const char          *owner;         /* resource account; NULL unknown */
    unsigned             scp:1;
    unsigned             vpce:1;
    unsigned             identity:1;    /* identity, boundary, session */
    unsigned             bucket_side:1; /* the bucket behind an access point */
    unsigned             must_grant:1;  /* KMS key and trust policies */
    unsigned             unmet;
    size_t               scp_level;     /* first SCP level without Allow */
} s3u_side_t;

#define S3U_BIT(layer)  (1u << (layer))


static const char *const  layer_names[S3U_LAYER_COUNT] = {
    "", "rcp", "scp", "vpc-endpoint-policy", "identity",
    "permissions-boundary", "session-policy", "access-point-policy",
    "bucket-policy", "kms-key-policy", "role-trust-policy",
    "resource-policy", "unknown"
};


const char *
s3u_layer_name(s3u_layer_t layer)
{
    return (unsigned) layer < S3U_LAYER_COUNT ? layer_names[layer] : "unknown";
}


s3u_layer_t
s3u_layer_from_name(const char *name)
{
    unsigned  i;

    for (i = 1; i < S3U_LAYER_COUNT; i++) {
        if (strcmp(name, layer_names[i]) == 0) {
            return (s3u_layer_t) i;
        }
    }
    return S3U_LAYER_NONE;
}


const char *
s3u_eval_decision_name(s3u_decision_t d)
{
    switch (d) {
    case S3U_ALLOW:
        return "Allow";
    case S3U_EXPLICIT_DENY:
        return "ExplicitDeny";
    case S3U_IMPLICIT_DENY:
        return "ImplicitDeny";
    default:
        return "?";
    }
}


int
s3u_eval_decision_from_name(const char *name)
{
    if (strcmp(name, "Allow") == 0) {
        return S3U_ALLOW;
    }
    if (strcmp(name, "ExplicitDeny") == 0) {
        return S3U_EXPLICIT_DENY;
    }
    if (strcmp(name, "ImplicitDeny") == 0) {
        return S3U_IMPLICIT_DENY;
    }
    return 0;
}


/* --- statement matching -------------------------------------------------- */

static int
action_matches(const s3u_stmt_t *st, const s3u_req_t *rq)
{
    size_t  i;
    int     any;

    if (st->action_star) {
        return 1;
    }
    if (!st->not_action && (st->services & rq->service_bit) == 0) {
        return 0;
    }
    any = 0;
    for (i = 0; i < st->nactions && !any; i++) {
        if (st->actions[i].star) {
            any = 1;
            break;
        }
        if (st->actions[i].prefix > rq->action_len
            || strncasecmp(st->actions[i].text, rq->action,
                           st->actions[i].prefix) != 0)
        {
            continue;
        }
        any = st->actions[i].prefix == st->actions[i].len
              ? st->actions[i].len == rq->action_len
              : st->actions[i].tail_star ? 1
              : s3u_glob_match(st->actions[i].text, st->actions[i].len,
                               rq->action, rq->action_len, 1);
    }
    return st->not_action ? !any : any;
}


static int
one_resource_matches(const s3u_pat_t *pat, const s3u_req_t *rq)
{
    if (pat->star) {
        return 1;
    }
    if (pat->prefix > rq->resource_len
        || memcmp(pat->text, rq->resource, pat->prefix) != 0)
    {
        return 0;
    }
    if (pat->tail_star) {
        return 1;
    }
    if (pat->var) {
        /* an unresolved variable matches nothing */
        return s3u_pattern_match(pat->compiled, rq->ctx, rq->resource,
                                 rq->resource_len, S3U_MATCH_ARN);
    }
    if (!pat->wild) {
        return pat->len == rq->resource_len
               && memcmp(pat->text, rq->resource, pat->len) == 0;
    }
    return s3u_arn_match(pat->text, pat->len, rq->resource, rq->resource_len);
}


static int
resource_matches(const s3u_stmt_t *st, const s3u_req_t *rq)
{
    size_t  i;
    int     any;

    if (st->nresources == 0) {
        return 1;               /* trust policies name no Resource */
    }
    any = 0;
    for (i = 0; i < st->nresources && !any; i++) {
        any = one_resource_matches(&st->resources[i], rq);
    }
    return st->not_resource ? !any : any;
}


static int
grant_of(s3u_pr_kind_t kind)
{
    switch (kind) {
    case S3U_PR_ACCOUNT:
        return S3U_GRANT_ACCOUNT;
    case S3U_PR_ROLE:
        return S3U_GRANT_ROLE;
    default:
        return S3U_GRANT_DIRECT;
    }
}


/* 0 no match; else the grant strength of the best matching entry */
static int
principal_matches(const s3u_stmt_t *st, const s3u_req_t *rq)
{
    size_t  i;
    int     best, g;

    if (!st->has_principal) {
        return S3U_GRANT_DIRECT;
    }
    if (st->not_principal) {
        /* AWS: a Deny with NotPrincipal always applies to a principal
         * that has a permissions boundary, whatever it lists */
        if (st->deny && rq->caller->has_boundary) {
            return S3U_GRANT_DIRECT;
        }
        return s3u_notpr_exempts(st->principals, st->nprincipals, rq->caller)
               ? S3U_GRANT_NONE : S3U_GRANT_DIRECT;
    }
    best = S3U_GRANT_NONE;
    for (i = 0; i < st->nprincipals; i++) {
        if (s3u_pr_matches(&st->principals[i], rq->caller)) {
            g = grant_of(st->principals[i].kind);
            if (g > best) {
                best = g;
            }
        }
    }
    return best;
}


static int
conditions_hold(const s3u_stmt_t *st, const s3u_req_t *rq)
{
    size_t  i;

    for (i = 0; i < st->nconds; i++) {
        if (!s3u_cond_eval(st->conds[i].cond, rq->ctx, NULL, 0)) {
            return 0;
        }
    }
    return 1;
}


/* 0 when the statement does not apply; else its grant strength */
static int
stmt_applies(const s3u_stmt_t *st, const s3u_req_t *rq)
{
    int  g;

    if (!action_matches(st, rq) || !resource_matches(st, rq)) {
        return 0;
    }
    g = principal_matches(st, rq);
    if (g == S3U_GRANT_NONE) {
        return 0;
    }
    return conditions_hold(st, rq) ? g : 0;
}


/*
 * Walks the statements that can apply to the caller, in statement order:
 * all of them, or with a principal index the "always" list merged with
 * the caller's range.  Returns NULL at the end.
 */
typedef struct {
    size_t   all;
    size_t   ai;
    size_t   pi;
    size_t   pend;
} s3u_walk_t;


static void
walk_start(const s3u_policy_t *p, const s3u_caller_t *c, s3u_walk_t *w)
{
    size_t  lo, hi, mid;

    memset(w, 0, sizeof(*w));
    if (!p->indexed || !c->has_key) {
        return;
    }
    lo = 0;
    hi = p->npindex;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (p->pindex[mid].key < c->key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    w->pi = lo;
    for (hi = lo; hi < p->npindex && p->pindex[hi].key == c->key; hi++) {
        /* void */
    }
    w->pend = hi;
}


static const s3u_stmt_t *
walk_next(const s3u_policy_t *p, s3u_walk_t *w)
{
    if (!p->indexed) {
        return w->all < p->nstmts ? &p->stmts[w->all++] : NULL;
    }
    if (w->ai < p->nalways
        && (w->pi >= w->pend || p->always[w->ai] < p->pindex[w->pi].stmt))
    {
        return &p->stmts[p->always[w->ai++]];
    }
    if (w->pi < w->pend) {
        return &p->stmts[p->pindex[w->pi++].stmt];
    }
    return NULL;
}


static const s3u_stmt_t *
find_deny(const s3u_policy_t *p, const s3u_req_t *rq)
{
    const s3u_stmt_t  *st;
    s3u_walk_t         w;

    if (p == NULL) {
        return NULL;
    }
    walk_start(p, rq->caller, &w);
    while ((st = walk_next(p, &w)) != NULL) {
        if (st->deny && stmt_applies(st, rq)) {
            return st;
        }
    }
    return NULL;
}


/* the strongest grant of the policy's applicable Allow statements */
static int
policy_allows(const s3u_policy_t *p, const s3u_req_t *rq)
{
    const s3u_stmt_t  *st;
    s3u_walk_t         w;
    int                best, g;

    if (p == NULL) {
        return S3U_GRANT_NONE;
    }
    best = S3U_GRANT_NONE;
    walk_start(p, rq->caller, &w);
    while (best < S3U_GRANT_DIRECT && (st = walk_next(p, &w)) != NULL) {
        if (!st->deny) {
            g = stmt_applies(st, rq);
            if (g > best) {
                best = g;
            }
        }
    }
    return best;
}


static int
plist_allows(const s3u_plist_t *l, const s3u_req_t *rq)
{
    size_t  i;

    for (i = 0; i < l->n; i++) {
        if (policy_allows(l->docs[i], rq)) {
            return 1;
        }
    }
    return 0;
}


/* --- sides --------------------------------------------------------------- */

/* anonymous callers, services, and bare ids (canonical users, web
 * identity providers) have no identity policies, boundary or SCPs */
static int
caller_has_identity(const s3u_caller_t *c)
{
    return c->kind != S3U_CALLER_ANONYMOUS && c->kind != S3U_CALLER_SERVICE
           && !(c->kind == S3U_CALLER_OTHER && c->account[0] == '\0');
}


static void
side_init(s3u_side_t *s, const s3u_req_t *proto, const char *action,
    const char *resource, const s3u_ctx_t *ctx)
{
    memset(s, 0, sizeof(*s));
    s->rq = *proto;
    s->rq.action = action;
    s->rq.action_len = strlen(action);
    s->rq.resource = resource;
    s->rq.resource_len = strlen(resource);
    s->rq.ctx = ctx;
    s->rq.service_bit = s3u_action_service_bit(action, s->rq.action_len);
}


typedef struct {
    s3u_layer_t          layer;
    const s3u_policy_t  *policy;
    const s3u_stmt_t    *stmt;
} s3u_hit_t;


static int
deny_in(const s3u_policy_t *p, const s3u_req_t *rq, s3u_layer_t layer,
    s3u_hit_t *hit)
{
    const s3u_stmt_t  *st;

    st = find_deny(p, rq);
    if (st == NULL) {
        return 0;
    }
    hit->layer = layer;
    hit->policy = p;
    hit->stmt = st;
    return 1;
}


static int
deny_in_levels(const s3u_plist_t *levels, size_t n, const s3u_req_t *rq,
    s3u_layer_t layer, s3u_hit_t *hit)
{
    size_t  i, j;

    for (i = 0; i < n; i++) {
        for (j = 0; j < levels[i].n; j++) {
            if (deny_in(levels[i].docs[j], rq, layer, hit)) {
                return 1;
            }
        }
    }
    return 0;
}


/* explicit deny scan of one layer on one side */
static int
side_deny(const s3u_eval_input_t *in, const s3u_side_t *s, s3u_layer_t layer,
    s3u_hit_t *hit)
{
    const s3u_req_t  *rq = &s->rq;
    size_t            i;

    switch (layer) {
    case S3U_LAYER_RCP:
        return deny_in_levels(in->rcp, in->nrcp, rq, layer, hit);
    case S3U_LAYER_SCP:
        return s->scp && caller_has_identity(rq->caller)
               && deny_in_levels(in->scp, in->nscp, rq, layer, hit);
    case S3U_LAYER_VPCE:
        return s->vpce && deny_in(in->vpce, rq, layer, hit);
    case S3U_LAYER_IDENTITY:
        if (!s->identity || !caller_has_identity(rq->caller)) {
            return 0;
        }
        for (i = 0; i < in->identity.n; i++) {
            if (deny_in(in->identity.docs[i], rq, layer, hit)) {
                return 1;
            }
        }
        return 0;
    case S3U_LAYER_BOUNDARY:
        return s->identity && deny_in(in->boundary, rq, layer, hit);
    case S3U_LAYER_SESSION:
        return s->identity && deny_in(in->session, rq, layer, hit);
    default:
        return s->rlayer == layer && deny_in(s->rpolicy, rq, layer, hit);
    }
}


static int
same_account(const s3u_side_t *s)
{
    return s->owner == NULL || s->owner[0] == '\0'
           || strcmp(s->owner, s->rq.caller->account) == 0;
}


/* the requirements of one side; sets s->unmet */
static void
side_requirements(const s3u_eval_input_t *in, s3u_side_t *s)
{
    const s3u_req_t     *rq = &s->rq;
    const s3u_caller_t  *c = rq->caller;
    size_t               i;
    int                  grant, id_ok, b_ok, s_ok, same, limited, need_id;
    s3u_layer_t          rl;

    s->unmet = 0;
    rl = s->rlayer != S3U_LAYER_NONE ? s->rlayer : S3U_LAYER_RESOURCE;

    /* RCPs: RCPFullAWSAccess sits on every level, so levels never lack an
     * Allow; RCPs only deny explicitly */

    if (s->scp && caller_has_identity(c)) {
        for (i = 0; i < in->nscp; i++) {
            if (!plist_allows(&in->scp[i], rq)) {
                s->unmet |= S3U_BIT(S3U_LAYER_SCP);
                s->scp_level = i;
                break;
            }
        }
    }

    if (s->vpce && in->vpce != NULL && !policy_allows(in->vpce, rq)) {
        s->unmet |= S3U_BIT(S3U_LAYER_VPCE);
    }

    grant = policy_allows(s->rpolicy, rq);
    same = same_account(s);

    if (!caller_has_identity(c)) {
        /* anonymous and service callers: only a resource policy grants */
        if (grant < S3U_GRANT_ROLE) {
            s->unmet |= S3U_BIT(rl);
        }
        return;
    }

    if (s->bucket_side) {
        /* the identity side was evaluated on the access point; the bucket
         * permits through its policy, or, in the bucket's own account,
         * through an identity policy on the bucket ARN */
        if (grant != S3U_GRANT_NONE) {
            return;
        }
        if (same && plist_allows(&in->identity, rq)
            && (in->boundary == NULL || policy_allows(in->boundary, rq))
            && (in->session == NULL || policy_allows(in->session, rq)))
        {
            return;
        }
        s->unmet |= S3U_BIT(rl);
        return;
    }

    id_ok = plist_allows(&in->identity, rq);
    b_ok = in->boundary == NULL || policy_allows(in->boundary, rq);
    s_ok = in->session == NULL ? (c->kind != S3U_CALLER_FEDUSER
                                  || grant == S3U_GRANT_DIRECT)
                               : policy_allows(in->session, rq) != 0;

    if (s->must_grant && grant == S3U_GRANT_NONE) {
        s->unmet |= S3U_BIT(rl);
    }

    if (same && !s->must_grant) {
        if (grant == S3U_GRANT_DIRECT) {
            return;             /* named directly: nothing limits it */
        }
        need_id = (grant != S3U_GRANT_ROLE);
        limited = 1;
    } else if (same) {
        /* key and trust policies: their grant must exist; naming the
         * account delegates to identity policies */
        need_id = (grant == S3U_GRANT_ACCOUNT);
        limited = (grant != S3U_GRANT_DIRECT);
    } else {
        need_id = 1;
        limited = 1;
        if (grant == S3U_GRANT_NONE) {
            s->unmet |= S3U_BIT(rl);
        }
    }

    if (need_id && !id_ok) {
        s->unmet |= S3U_BIT(S3U_LAYER_IDENTITY);
    }
    if (limited && !b_ok) {
        s->unmet |= S3U_BIT(S3U_LAYER_BOUNDARY);
    }
    if (limited && !s_ok) {
        s->unmet |= S3U_BIT(S3U_LAYER_SESSION);
    }
}


/* --- explanations -------------------------------------------------------- */

typedef struct {
    char    *p;
    size_t   size;
    size_t   len;
} s3u_buf_t;


static void
bprintf(s3u_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bprintf(s3u_buf_t *b, const char *fmt, ...)
{
    va_list  ap;
    int      n;

    if (b->len + 1 >= b->size) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        b->len += (size_t) n;
        if (b->len >= b->size) {
            b->len = b->size - 1;
        }
    }
}


static void
list_patterns(s3u_buf_t *b, const s3u_pat_t *pats, size_t n)
{
    size_t  i;

    for (i = 0; i < n && i < 3; i++) {
        bprintf(b, "%s%s", i ? ", " : "", pats[i].text);
    }
    if (n > 3) {
        bprintf(b, ", ... (%zu in all)", n);
    }
}


static const char *
source_key_hint(const char *key)
{
    if (strcasecmp(key, "aws:SourceAccount") == 0
        || strcasecmp(key, "aws:SourceArn") == 0
        || strcasecmp(key, "aws:SourceOrgID") == 0
        || strcasecmp(key, "aws:SourceOrgPaths") == 0)
    {
        return " (AWS sets it only when a service principal calls on behalf"
               " of a resource; never for a role or user calling S3)";
    }
    return "";
}


/* scores how close a statement came and writes what failed */
static int
explain_stmt(const s3u_stmt_t *st, const s3u_req_t *rq, char *why,
    size_t size)
{
    s3u_buf_t  b;
    char       cwhy[256];
    size_t     i, j;
    int        score, fails;

    b.p = why;
    b.size = size;
    b.len = 0;
    why[0] = '\0';
    score = 0;
    fails = 0;

    if (!action_matches(st, rq)) {
        bprintf(&b, "%saction %.*s not matched (%s: ", fails++ ? "; " : "",
                (int) rq->action_len, rq->action,
                st->not_action ? "NotAction excludes it" : "Action");
        list_patterns(&b, st->actions, st->nactions);
        bprintf(&b, ")");
    } else {
        score += 4;
    }

    if (!resource_matches(st, rq)) {
        bprintf(&b, "%sresource %.*s not matched (%s: ",
                fails++ ? "; " : "", (int) rq->resource_len, rq->resource,
                st->not_resource ? "NotResource excludes it" : "Resource");
        list_patterns(&b, st->resources, st->nresources);
        bprintf(&b, ")");
    } else {
        score += 4;
    }

    if (principal_matches(st, rq) == S3U_GRANT_NONE) {
        if (st->not_principal) {
            bprintf(&b, "%sprincipal %.*s is exempted by NotPrincipal",
                    fails++ ? "; " : "", (int) rq->caller->arn_len,
                    rq->caller->arn);
        } else {
            bprintf(&b, "%sprincipal %.*s not named (Principal: ",
                    fails++ ? "; " : "", (int) rq->caller->arn_len,
                    rq->caller->arn);
            for (j = 0; j < st->nprincipals && j < 3; j++) {
                bprintf(&b, "%s%s", j ? ", " : "", st->principals[j].value);
            }
            if (st->nprincipals > 3) {
                bprintf(&b, ", ... (%zu in all)", st->nprincipals);
            }
            bprintf(&b, ")");
        }
    } else {
        score += 4;
    }

    for (i = 0; i < st->nconds; i++) {
        cwhy[0] = '\0';
        if (s3u_cond_eval(st->conds[i].cond, rq->ctx, cwhy, sizeof(cwhy))) {
            score++;
        } else {
            bprintf(&b, "%scondition %s%s", fails++ ? "; " : "",
                    cwhy[0] ? cwhy : st->conds[i].key,
                    source_key_hint(st->conds[i].key));
        }
    }
    return fails ? score : 1000;
}


/* how close a statement came, without writing why: ranking every
 * statement of a large policy must stay cheap */
static int
score_stmt(const s3u_stmt_t *st, const s3u_req_t *rq)
{
    size_t  i;
    int     score, fails;

    score = 0;
    fails = 0;
    if (action_matches(st, rq)) {
        score += 4;
    } else {
        fails++;
    }
    if (resource_matches(st, rq)) {
        score += 4;
    } else {
        fails++;
    }
    if (principal_matches(st, rq) != S3U_GRANT_NONE) {
        score += 4;
    } else {
        fails++;
    }
    for (i = 0; i < st->nconds; i++) {
        if (s3u_cond_eval(st->conds[i].cond, rq->ctx, NULL, 0)) {
            score++;
        } else {
            fails++;
        }
    }
    return fails ? score : 1000;
}


/* ranks p's Allow statements into res->closest[start .. start + cap) */
static void
closest_in(const s3u_policy_t *p, const s3u_req_t *rq, s3u_layer_t layer,
    s3u_eval_result_t *res, int *scores, size_t start, size_t cap)
{
    s3u_closest_t  tmp;
    size_t         i, k, end;
    int            score;

    if (p == NULL) {
        return;
    }
    for (i = 0; i < p->nstmts; i++) {
        if (p->stmts[i].deny) {
            continue;
        }
        score = score_stmt(&p->stmts[i], rq);
        end = res->nclosest;
        if (end - start == cap && score <= scores[cap - 1]) {
            continue;
        }
        explain_stmt(&p->stmts[i], rq, tmp.why, sizeof(tmp.why));
        tmp.layer = layer;
        tmp.policy = p;
        tmp.stmt = &p->stmts[i];

        /* insertion into the best-first segment */
        if (end - start == cap) {
            end--;
        } else {
            res->nclosest++;
        }
        k = end - start;
        while (k > 0 && scores[k - 1] < score) {
            res->closest[start + k] = res->closest[start + k - 1];
            scores[k] = scores[k - 1];
            k--;
        }
        res->closest[start + k] = tmp;
        scores[k] = score;
    }
}


static void
explain_layer(const s3u_eval_input_t *in, const s3u_side_t *s,
    s3u_layer_t layer, s3u_eval_result_t *res)
{
    int     scores[S3U_EVAL_LAYER_CLOSEST];
    size_t  i, start, cap;

    start = res->nclosest;
    cap = S3U_EVAL_MAX_CLOSEST - start;
    if (cap > S3U_EVAL_LAYER_CLOSEST) {
        cap = S3U_EVAL_LAYER_CLOSEST;
    }
    if (cap == 0) {
        return;
    }
    memset(scores, 0, sizeof(scores));

    switch (layer) {
    case S3U_LAYER_SCP:
        for (i = 0; i < in->scp[s->scp_level].n; i++) {
            closest_in(in->scp[s->scp_level].docs[i], &s->rq, layer, res,
                       scores, start, cap);
        }
        break;
    case S3U_LAYER_VPCE:
        closest_in(in->vpce, &s->rq, layer, res, scores, start, cap);
        break;
    case S3U_LAYER_IDENTITY:
        for (i = 0; i < in->identity.n; i++) {
            closest_in(in->identity.docs[i], &s->rq, layer, res, scores,
                       start, cap);
        }
        break;
    case S3U_LAYER_BOUNDARY:
        closest_in(in->boundary, &s->rq, layer, res, scores, start, cap);
        break;
    case S3U_LAYER_SESSION:
        closest_in(in->session, &s->rq, layer, res, scores, start, cap);
        break;
    default:
        closest_in(s->rpolicy, &s->rq, layer, res, scores, start, cap);
        break;
    }
}


typedef struct {
    char    *p;
    size_t   size;
} s3u_out_t;


static void
reason_set(s3u_out_t *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reason_set(s3u_out_t *res, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(res->p, res->size, fmt, ap);
    va_end(ap);
}


static void
implicit_reason(const s3u_eval_input_t *in, const s3u_side_t *s,
    s3u_layer_t layer, char *buf, size_t size)
{
    s3u_out_t         out = { buf, size };
    s3u_out_t        *res = &out;
    const s3u_req_t  *rq = &s->rq;
    const char       *who = rq->caller->arn;
    char              what[900];
    int               cross;

    cross = !same_account(s);
    snprintf(what, sizeof(what), "%s to perform %.*s on %.*s", who,
             (int) rq->action_len, rq->action, (int) rq->resource_len,
             rq->resource);

    switch (layer) {
    case S3U_LAYER_SCP:
        reason_set(res,
                 "no service control policy at level %zu (root is 1) allows"
                 " %s", s->scp_level + 1, what);
        break;
    case S3U_LAYER_VPCE:
        reason_set(res,
                 "the VPC endpoint policy does not allow %s", what);
        break;
    case S3U_LAYER_IDENTITY:
        reason_set(res,
                 "no identity-based policy allows %s%s", what,
                 in->identity.n == 0 ? " (the caller has none)"
                 : cross ? " (required: the resource is in another account)"
                 : "");
        break;
    case S3U_LAYER_BOUNDARY:
        reason_set(res,
                 "the permissions boundary does not allow %s", what);
        break;
    case S3U_LAYER_SESSION:
        if (in->session) {
            reason_set(res, "the session policy does not allow %s", what);
        } else {
            reason_set(res, "a federated-user session without a session"
                       " policy: no resource policy names the session, so"
                       " %s is denied", what);
        }
        break;
    case S3U_LAYER_ACCESS_POINT:
    case S3U_LAYER_BUCKET:
    case S3U_LAYER_KMS:
    case S3U_LAYER_TRUST:
        reason_set(res, "%s%s %s %s%s",
                 layer == S3U_LAYER_ACCESS_POINT ? "the access point policy"
                 : layer == S3U_LAYER_BUCKET ? "the bucket policy"
                 : layer == S3U_LAYER_KMS ? "the KMS key policy"
                 : "the role trust policy",
                 s->rpolicy ? "" : " (none attached)",
                 s->rpolicy ? "does not allow" : "cannot allow", what,
                 layer == S3U_LAYER_KMS
                 ? " (key policies must grant the caller or enable IAM"
                   " policies of its account)" : "");
        break;
    default:
        reason_set(res,
                 "no resource-based policy of account %s grants %s",
                 s->owner ? s->owner : "?", what);
        break;
    }
    (void) in;
}


/* --- the evaluation ------------------------------------------------------ */

static const char *
kms_action_for(const char *s3_action)
{
    static const char *const  put[] = {
        "s3:PutObject", "s3:CreateMultipartUpload", "s3:UploadPart",
        "s3:CopyObject"
    };
    size_t  i;

    for (i = 0; i < sizeof(put) / sizeof(put[0]); i++) {
        if (strcasecmp(s3_action, put[i]) == 0) {
            return "kms:GenerateDataKey";
        }
    }
    if (strcasecmp(s3_action, "s3:GetObject") == 0
        || strcasecmp(s3_action, "s3:GetObjectVersion") == 0)
    {
        return "kms:Decrypt";
    }
    return NULL;
}


/* the account field of an ARN, or NULL */
static const char *
arn_account(const char *arn, char *buf, size_t size)
{
    s3u_arn_t  a;

    if (arn == NULL || s3u_arn_split(arn, strlen(arn), &a) != 0
        || a.len[4] == 0 || a.len[4] >= size)
    {
        return NULL;
    }
    memcpy(buf, a.part[4], a.len[4]);
    buf[a.len[4]] = '\0';
    return buf;
}


/* bounded copy; snprintf costs more than the evaluation itself */
static size_t
copy_str(char *dst, size_t size, size_t at, const char *s, size_t len)
{
    if (at >= size) {
        return at;
    }
    if (len > size - 1 - at) {
        len = size - 1 - at;
    }
    memcpy(dst + at, s, len);
    dst[at + len] = '\0';
    return at + len;
}


static void
set_where(s3u_eval_result_t *res, const s3u_side_t *s)
{
    copy_str(res->action, sizeof(res->action), 0, s->rq.action,
             s->rq.action_len);
    copy_str(res->resource, sizeof(res->resource), 0, s->rq.resource,
             s->rq.resource_len);
}


/* runs the deny scan and the requirements over sides[0..n) */
static int
decide(const s3u_eval_input_t *in, s3u_side_t *sides, size_t n,
    s3u_eval_result_t *res)
{
    s3u_hit_t     hit;
    unsigned      layer, all;
    size_t        i;
    char          name[128];

    for (layer = S3U_LAYER_RCP; layer < S3U_LAYER_UNKNOWN; layer++) {
        for (i = 0; i < n; i++) {
            if (side_deny(in, &sides[i], (s3u_layer_t) layer, &hit)) {
                res->decision = S3U_EXPLICIT_DENY;
                res->layer = hit.layer;
                res->policy = hit.policy;
                res->stmt = hit.stmt;
                set_where(res, &sides[i]);
                s3u_stmt_name(hit.stmt, name, sizeof(name));
                snprintf(res->reason, sizeof(res->reason),
                         "explicit deny in %s: statement %s (%s:%u) matches"
                         " %s performing %.*s on %.*s%s",
                         s3u_layer_name(hit.layer), name, hit.policy->file,
                         hit.stmt->line, sides[i].rq.caller->arn,
                         (int) sides[i].rq.action_len, sides[i].rq.action,
                         (int) sides[i].rq.resource_len,
                         sides[i].rq.resource,
                         hit.stmt->not_principal
                         && sides[i].rq.caller->has_boundary
                         ? " (a Deny with NotPrincipal applies to every"
                           " caller that has a permissions boundary)" : "");
                return 1;
            }
        }
    }

    all = 0;
    for (i = 0; i < n; i++) {
        side_requirements(in, &sides[i]);
        all |= sides[i].unmet;
    }
    if (all == 0) {
        return 0;
    }
    res->unmet |= all;

    for (layer = S3U_LAYER_RCP; layer < S3U_LAYER_COUNT; layer++) {
        if (all & S3U_BIT(layer)) {
            break;
        }
    }
    res->decision = S3U_IMPLICIT_DENY;
    res->layer = (s3u_layer_t) layer;

    /* every unmet layer, in attribution order, from the first side that
     * misses it */
    for ( /* void */ ; layer < S3U_LAYER_COUNT; layer++) {
        if (!(all & S3U_BIT(layer)) || res->nlayers == S3U_EVAL_MAX_UNMET) {
            continue;
        }
        for (i = 0; i < n; i++) {
            if (sides[i].unmet & S3U_BIT(layer)) {
                if (res->nlayers == 0) {
                    set_where(res, &sides[i]);
                }
                res->layers[res->nlayers].layer = (s3u_layer_t) layer;
                implicit_reason(in, &sides[i], (s3u_layer_t) layer,
                                res->layers[res->nlayers].reason,
                                sizeof(res->layers[0].reason));
                res->nlayers++;
                explain_layer(in, &sides[i], (s3u_layer_t) layer, res);
                break;
            }
        }
    }
    snprintf(res->reason, sizeof(res->reason), "%s", res->layers[0].reason);
    return 1;
}


int
s3u_eval(const s3u_eval_input_t *in, s3u_eval_result_t *res)
{
    s3u_caller_t  caller;
    s3u_req_t     proto;
    s3u_side_t    sides[2], kms;
    size_t        nsides;
    const char   *key, *kms_action, *owner, *partition;
    size_t        partition_len;
    s3u_arn_t     ap_arn;
    char          bucket_res[2048], acct[16];
    int           through_ap;
    size_t        at;

    memset(res, 0, sizeof(*res));
    if (in->principal == NULL || in->action == NULL || in->resource == NULL) {
        snprintf(res->reason, sizeof(res->reason),
                 "principal, action and resource are required");
        return -1;
    }

    s3u_caller_parse(in->principal, &caller);
    caller.has_boundary = (in->boundary != NULL);

    memset(&proto, 0, sizeof(proto));
    proto.caller = &caller;

    nsides = 1;
    side_init(&sides[0], &proto, in->action, in->resource, in->ctx);
    sides[0].scp = 1;
    sides[0].vpce = 1;
    sides[0].identity = 1;

    through_ap = in->access_point.present
                 || strstr(in->resource, ":accesspoint/") != NULL;

    /* sts:AssumeRole, ...WithWebIdentity, ...WithSAML: the trust policy */
    if (in->role.present && strncasecmp(in->action, "sts:AssumeRole", 14) == 0)
    {
        sides[0].rlayer = S3U_LAYER_TRUST;
        sides[0].rpolicy = in->role.policy;
        sides[0].owner = in->role.account
                         ? in->role.account
                         : arn_account(in->role.arn, acct, sizeof(acct));
        sides[0].must_grant = 1;

    } else if (in->kms.present && in->kms.arn
               && strcmp(in->resource, in->kms.arn) == 0)
    {
        sides[0].rlayer = S3U_LAYER_KMS;
        sides[0].rpolicy = in->kms.policy;
        sides[0].owner = in->kms.account;
        sides[0].must_grant = 1;

    } else if (through_ap) {
        sides[0].rlayer = S3U_LAYER_ACCESS_POINT;
        sides[0].rpolicy = in->access_point.policy;
        sides[0].owner = in->access_point.account
                         ? in->access_point.account
                         : arn_account(in->resource, acct, sizeof(acct));

        /* the bucket side: arn:aws:s3:::BUCKET/KEY */
        key = strstr(in->resource, "/object/");
        partition = "aws";
        partition_len = 3;
        if (s3u_arn_split(in->resource, strlen(in->resource), &ap_arn) == 0
            && ap_arn.len[1] > 0)
        {
            partition = ap_arn.part[1];
            partition_len = ap_arn.len[1];
        }
        if (in->access_point.bucket != NULL || in->bucket.present) {
            const char  *bucket = in->access_point.bucket;

            if (bucket == NULL && in->bucket.arn != NULL
                && strncmp(in->bucket.arn, "arn:aws:s3:::", 13) == 0)
            {
                bucket = in->bucket.arn + 13;
            }
            if (bucket != NULL) {
                at = copy_str(bucket_res, sizeof(bucket_res), 0, "arn:", 4);
                at = copy_str(bucket_res, sizeof(bucket_res), at, partition,
                              partition_len);
                at = copy_str(bucket_res, sizeof(bucket_res), at, ":s3:::",
                              6);
                at = copy_str(bucket_res, sizeof(bucket_res), at, bucket,
                              strlen(bucket));
                if (key != NULL) {
                    copy_str(bucket_res, sizeof(bucket_res), at, key + 7,
                             strlen(key + 7));
                }
                side_init(&sides[1], &proto, in->action, bucket_res, in->ctx);
                sides[1].rlayer = S3U_LAYER_BUCKET;
                sides[1].rpolicy = in->bucket.policy;
                sides[1].owner = in->bucket.account;
                sides[1].vpce = 1;
                sides[1].bucket_side = 1;
                nsides = 2;
            }
        }

    } else if (in->bucket.present) {
        sides[0].rlayer = S3U_LAYER_BUCKET;
        sides[0].rpolicy = in->bucket.policy;
        sides[0].owner = in->bucket.account;

    } else {
        owner = in->resource_account
                ? in->resource_account
                : arn_account(in->resource, acct, sizeof(acct));
        sides[0].owner = owner;
    }

    if (sides[0].owner == NULL && in->resource_account != NULL) {
        sides[0].owner = in->resource_account;
    }

    if (decide(in, sides, nsides, res)) {
        return 0;
    }

    /* SSE-KMS: S3 calls KMS for the caller once the S3 part is allowed */
    if (in->kms.present && in->kms.arn
        && strcmp(in->resource, in->kms.arn) != 0)
    {
        kms_action = in->kms.action ? in->kms.action
                                    : kms_action_for(in->action);
        if (kms_action != NULL) {
            side_init(&kms, &proto, kms_action, in->kms.arn,
                      in->kms.ctx ? in->kms.ctx : in->ctx);
            kms.rlayer = S3U_LAYER_KMS;
            kms.rpolicy = in->kms.policy;
            kms.owner = in->kms.account
                        ? in->kms.account
                        : arn_account(in->kms.arn, acct, sizeof(acct));
            kms.scp = 1;
            kms.identity = 1;
            kms.must_grant = 1;
            if (decide(in, &kms, 1, res)) {
                return 0;
            }
        }
    }

    res->decision = S3U_ALLOW;
    res->layer = S3U_LAYER_NONE;
    set_where(res, &sides[0]);
    at = copy_str(res->reason, sizeof(res->reason), 0,
                  "no policy denies and every required layer allows ", 49);
    at = copy_str(res->reason, sizeof(res->reason), at, in->principal,
                  strlen(in->principal));
    at = copy_str(res->reason, sizeof(res->reason), at, " to perform ", 12);
    at = copy_str(res->reason, sizeof(res->reason), at, in->action,
                  strlen(in->action));
    at = copy_str(res->reason, sizeof(res->reason), at, " on ", 4);
    copy_str(res->reason, sizeof(res->reason), at, in->resource,
             strlen(in->resource));
    return 0;
}


void
s3u_eval_statement(const s3u_eval_result_t *res, char *buf, size_t size)
{
    char  name[128];

    if (res->stmt == NULL || res->policy == NULL) {
        if (size) {
            buf[0] = '\0';
        }
        return;
    }
    s3u_stmt_name(res->stmt, name, sizeof(name));
    snprintf(buf, size, "%s:%u %s", res->policy->file, res->stmt->line,
             name);
}
