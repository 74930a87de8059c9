/*
 * AWS's detailed authorization message (reference section 4.3):
 *
 *   User: <principal> is not authorized to perform: <action>
 *       [ on resource: <resource> | on this resource ] <reason>
 *
 *   <reason> = because no <T> allows the <action> action
 *            | with an explicit deny in (a|an|the) <T>[: <policy-arn>]
 *            | one of the S3 and KMS special texts
 *
 * Wording is matched loosely (case, wrapped lines, "a"/"an"/"the",
 * "identity policy" or "identity-based policy", "sessions policy"), as
 * the reference's section 8 item 12 asks.
 */

#include <string.h>

#include "detect/s3u_detect_int.h"
#include "detect/s3u_scan.h"


#define S3U_PRINCIPAL_MAX  600      /* how far back "User:" is looked for */
#define S3U_REASON_MAX     64       /* bytes of noise allowed before the reason */


typedef struct {
    const char  *wording;
    const char  *layer;
    const char  *kms_layer;         /* the same words about a kms: action */
} policy_type_t;

/* longest wordings first: "resource control policy" before "control policy" */
static const policy_type_t policy_types[] = {
    { "VPC endpoint policy", "vpc-endpoint-policy", "vpc-endpoint-policy" },
    { "identity-based policy", "identity", "identity" },
    { "identity based policy", "identity", "identity" },
    { "identity policy", "identity", "identity" },
    { "resource-based policy", "resource-policy", "kms-key-policy" },
    { "resource based policy", "resource-policy", "kms-key-policy" },
    { "permissions boundary", "permissions-boundary", "permissions-boundary" },
    { "permission boundary", "permissions-boundary", "permissions-boundary" },
    { "sessions policy", "session-policy", "session-policy" },
    { "session policy", "session-policy", "session-policy" },
    { "service control policy", "scp", "scp" },
    { "resource control policy", "rcp", "rcp" },
    { "role trust policy", "role-trust-policy", "role-trust-policy" },
    { "trust policy", "role-trust-policy", "role-trust-policy" },
    { "KMS key policy", "kms-key-policy", "kms-key-policy" },
    { "key policy", "kms-key-policy", "kms-key-policy" },
};


/* "service:Action": a service prefix of letters, digits and '-', then
 * an action name of letters and digits (or a wildcard); returns its end,
 * or p when there is none */
static const char *
action_end(const char *p, const char *end)
{
    const char  *q, *colon;

    for (q = p; q < end && (s3u_ctype_is(*q, S3U_CT_CODE) || *q == '-')
                && *q != '.'; q++)
    {
        /* void */
    }

    if (q == p || q == end || *q != ':') {
        return p;
    }

    colon = q;
    for (q++; q < end && ((s3u_ctype_is(*q, S3U_CT_CODE) && *q != '.')
                          || *q == '*'); q++)
    {
        /* void */
    }

    /* the name must end there: "s3:Put_x" is not the action s3:Put */
    if (q == colon + 1 || (q < end && (*q == '_' || *q == '-'))) {
        return p;
    }

    return q;
}


static int
is_kms(const s3u_message_t *m)
{
    return m->action.len > 4 && strncmp(m->action.data, "kms:", 4) == 0;
}


/* a policy type name at p; sets the layer and returns the match end */
static const char *
policy_type(const char *p, const char *end, s3u_message_t *m)
{
    size_t       i;
    const char  *e;

    for (i = 0; i < sizeof(policy_types) / sizeof(policy_types[0]); i++) {
        e = s3u_phrase(p, end, policy_types[i].wording);
        if (e != NULL) {
            m->layer = is_kms(m) ? policy_types[i].kms_layer
                                 : policy_types[i].layer;
            return e;
        }
    }

    return NULL;
}


static const char *
article(const char *p, const char *end)
{
    const char  *e;

    if ((e = s3u_phrase(p, end, "an ")) != NULL
        || (e = s3u_phrase(p, end, "a ")) != NULL
        || (e = s3u_phrase(p, end, "the ")) != NULL)
    {
        return e;
    }

    return p;
}


/* the reason clause, looked for right after the action or resource */
static void
reason(const char *p, const char *end, s3u_message_t *m)
{
    const char  *e, *limit;

    limit = (end - p > S3U_REASON_MAX) ? p + S3U_REASON_MAX : end;

    for ( /* void */ ; p < limit; p++) {

        if ((e = s3u_phrase(p, end, "because no ")) != NULL) {
            if (policy_type(e, end, m) != NULL) {
                m->decision = S3U_DECISION_IMPLICIT_DENY;
            }
            return;
        }

        if ((e = s3u_phrase(p, end, "with an explicit deny in ")) != NULL) {
            if (policy_type(article(e, end), end, m) != NULL) {
                m->decision = S3U_DECISION_EXPLICIT_DENY;
            }
            return;
        }

        if (s3u_phrase(p, end, "because the resource does not exist in this "
                       "Region, no resource-based policies allow access")
            != NULL)
        {
            /* KMS's cross-account form: the key policy, or no such key */
            m->layer = is_kms(m) ? "kms-key-policy" : "resource-policy";
            return;
        }

        if (s3u_phrase(p, end, "because public ") != NULL
            || s3u_phrase(p, end, "because this bucket has blocked ") != NULL)
        {
            /* Block Public Access and bucket settings: no policy layer */
            return;
        }
    }
}


/* strips one level of quoting around a value: "x", \"x\", &quot;x&quot; */
static const char *
resource(const char *p, const char *end, s3u_message_t *m)
{
    const char  *close, *start;

    if (p < end && *p == '"') {
        start = p + 1;
        close = memchr(start, '"', (size_t) (end - start));

    } else if (end - p >= 2 && p[0] == '\\' && p[1] == '"') {
        start = p + 2;
        close = s3u_find(start, end, "\\\"");

    } else if (end - p >= 6 && memcmp(p, "&quot;", 6) == 0) {
        start = p + 6;
        close = s3u_find(start, end, "&quot;");

    } else {
        start = p;
        close = NULL;
    }

    if (close == NULL) {
        /* unquoted, or a quote the source cut off: up to whitespace */
        close = start;
        while (close < end && !s3u_is_space((unsigned char) *close)
               && *close != '"' && *close != '\\')
        {
            close++;
        }
        p = close;
        if (close > start && (close[-1] == '.' || close[-1] == ',')) {
            close--;
        }

    } else {
        p = close + (*close == '"' ? 1 : (*close == '\\' ? 2 : 6));
    }

    m->resource = s3u_span(start, (size_t) (close - start));
    return p;
}


static void
principal(const char *start, const char *verb, s3u_message_t *m)
{
    const char  *from, *user, *e, *p;

    from = (verb - start > S3U_PRINCIPAL_MAX) ? verb - S3U_PRINCIPAL_MAX
                                              : start;
    user = NULL;
    e = NULL;

    /* the last "User:" before the verb */
    for (p = from; (p = s3u_find_phrase(p, verb, "User:", &e)) != NULL; p++) {
        user = e;
    }

    if (user == NULL) {
        return;
    }

    user = s3u_skip_space(user, verb);
    p = verb;
    while (p > user && s3u_is_space((unsigned char) p[-1])) {
        p--;
    }

    m->principal = s3u_span(user, (size_t) (p - user));
}


int
s3u_message_parse(const char *p, const char *end, s3u_message_t *m)
{
    const char  *verb, *e, *a;

    memset(m, 0, sizeof(*m));

    /* every byte of the phrase matches at least one byte: a shorter text
     * (most messages, "Access Denied") is none, without a search */
    if (end - p < (ptrdiff_t) S3U_LEN("is not authorized to perform:")) {
        return 0;
    }

    verb = s3u_find_phrase(p, end, "is not authorized to perform:", &e);
    if (verb == NULL) {
        return 0;
    }

    a = s3u_skip_space(e, end);
    e = action_end(a, end);
    if (e == a) {
        return 0;                             /* not "service:Action" */
    }

    m->action = s3u_span(a, (size_t) (e - a));
    principal(p, verb, m);

    e = s3u_skip_space(e, end);

    if ((a = s3u_phrase(e, end, "on resource:")) != NULL) {
        e = resource(s3u_skip_space(a, end), end, m);

    } else if ((a = s3u_phrase(e, end, "on resource ")) != NULL) {
        e = resource(a, end, m);

    } else if ((a = s3u_phrase(e, end, "on this resource")) != NULL) {
        e = a;
    }

    reason(s3u_skip_space(e, end), end, m);

    return 1;
}
