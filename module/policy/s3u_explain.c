/*
 * The answer of an evaluation as readable text and as JSON: decision,
 * layer, reason, the deciding statement of an explicit deny, and for an
 * implicit deny the statements that came closest and what failed in each.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy/s3u_eval.h"


static size_t
append(char *buf, size_t size, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t
append(char *buf, size_t size, size_t len, const char *fmt, ...)
{
    va_list  ap;
    int      n;

    if (len + 1 >= size) {
        return len;
    }
    va_start(ap, fmt);
    n = vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return len;
    }
    len += (size_t) n;
    return len < size ? len : size - 1;
}


void
s3u_explain_text(const s3u_eval_result_t *res, char *buf, size_t size)
{
    size_t  len, i;
    char    name[128];

    if (size == 0) {
        return;
    }
    buf[0] = '\0';
    len = 0;
    len = append(buf, size, len, "decision: %s\n",
                 s3u_eval_decision_name(res->decision));
    len = append(buf, size, len, "layer: %s\n",
                 res->layer == S3U_LAYER_NONE ? "-"
                 : s3u_layer_name(res->layer));
    len = append(buf, size, len, "reason: %s\n", res->reason);

    if (res->stmt != NULL && res->policy != NULL) {
        s3u_stmt_name(res->stmt, name, sizeof(name));
        len = append(buf, size, len, "statement: %s:%u:%u %s\n",
                     res->policy->file, res->stmt->line, res->stmt->column,
                     name);
    }

    for (i = 0; i < res->nlayers; i++) {
        len = append(buf, size, len, "unmet: %s: %s\n",
                     s3u_layer_name(res->layers[i].layer),
                     res->layers[i].reason);
    }
    if (res->decision == S3U_IMPLICIT_DENY && res->nclosest == 0) {
        len = append(buf, size, len, "closest: none (no Allow statement in"
                     " the unmet layers)\n");
    }
    for (i = 0; i < res->nclosest; i++) {
        s3u_stmt_name(res->closest[i].stmt, name, sizeof(name));
        len = append(buf, size, len, "closest: %s %s:%u:%u %s: %s\n",
                     s3u_layer_name(res->closest[i].layer),
                     res->closest[i].policy->file,
                     res->closest[i].stmt->line,
                     res->closest[i].stmt->column, name,
                     res->closest[i].why[0] ? res->closest[i].why
                     : "matches");
    }
}


static cJSON *
statement_json(const s3u_policy_t *p, const s3u_stmt_t *st)
{
    cJSON  *o;

    o = cJSON_CreateObject();
    if (o == NULL) {
        return NULL;
    }
    cJSON_AddStringToObject(o, "file", p->file);
    if (st->sid) {
        cJSON_AddStringToObject(o, "sid", st->sid);
    } else {
        cJSON_AddNullToObject(o, "sid");
    }
    cJSON_AddNumberToObject(o, "index", st->index);
    cJSON_AddNumberToObject(o, "line", st->line);
    cJSON_AddNumberToObject(o, "column", st->column);
    cJSON_AddStringToObject(o, "effect", st->deny ? "Deny" : "Allow");
    return o;
}


cJSON *
s3u_explain_json(const s3u_eval_result_t *res)
{
    cJSON   *o, *arr, *c;
    size_t   i;

    o = cJSON_CreateObject();
    if (o == NULL) {
        return NULL;
    }
    cJSON_AddStringToObject(o, "decision", s3u_eval_decision_name(res->decision));
    if (res->layer == S3U_LAYER_NONE) {
        cJSON_AddNullToObject(o, "layer");
    } else {
        cJSON_AddStringToObject(o, "layer", s3u_layer_name(res->layer));
    }
    cJSON_AddStringToObject(o, "reason", res->reason);
    cJSON_AddStringToObject(o, "action", res->action);
    cJSON_AddStringToObject(o, "resource", res->resource);

    if (res->stmt != NULL && res->policy != NULL) {
        cJSON_AddItemToObject(o, "statement",
                              statement_json(res->policy, res->stmt));
    } else {
        cJSON_AddNullToObject(o, "statement");
    }

    arr = cJSON_AddArrayToObject(o, "unmet_layers");
    for (i = 0; arr && i < res->nlayers; i++) {
        c = cJSON_CreateObject();
        if (c == NULL) {
            break;
        }
        cJSON_AddStringToObject(c, "layer",
                                s3u_layer_name(res->layers[i].layer));
        cJSON_AddStringToObject(c, "reason", res->layers[i].reason);
        cJSON_AddItemToArray(arr, c);
    }

    arr = cJSON_AddArrayToObject(o, "closest");
    for (i = 0; arr && i < res->nclosest; i++) {
        c = statement_json(res->closest[i].policy, res->closest[i].stmt);
        if (c == NULL) {
            break;
        }
        cJSON_AddStringToObject(c, "layer",
                                s3u_layer_name(res->closest[i].layer));
        cJSON_AddStringToObject(c, "failed", res->closest[i].why);
        cJSON_AddItemToArray(arr, c);
    }
    return o;
}
