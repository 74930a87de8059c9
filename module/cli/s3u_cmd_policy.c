/*
 * s3-unmask eval, check and lint: the command-line face of the policy
 * evaluator (DESIGN.md section 7).  Exit codes: eval 0 allow, 1 deny;
 * check and lint 0 clean, 1 any failure or finding; 2 usage or input
 * error everywhere.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/s3u_cli.h"
#include "policy/s3u_eval.h"
#include "policy/s3u_lint.h"
#include "policy/s3u_pset.h"
#include "policy/s3u_scenario.h"


#define S3U_CLI_MAX_CONTEXT  256
#define S3U_CLI_MAX_DEPTH    16


static void
print_error(const s3u_error_t *err)
{
    char  buf[1200];

    s3u_error_format(err, buf, sizeof(buf));
    fprintf(stderr, "%s\n", buf);
}


static void
print_json(cJSON *o)
{
    char  *text;

    text = cJSON_Print(o);
    if (text != NULL) {
        printf("%s\n", text);
        free(text);
    }
}


/* --- eval ---------------------------------------------------------------- */

typedef struct {
    s3u_ctx_entry_t  entries[S3U_CLI_MAX_CONTEXT];
    const char      *values[S3U_CLI_MAX_CONTEXT];
    char            *keys[S3U_CLI_MAX_CONTEXT];
    size_t           n;
    size_t           nvalues;
} s3u_cli_ctx_t;


/* K=V; a key given again adds a value (multi-valued keys) */
static int
ctx_add(s3u_cli_ctx_t *c, const char *kv)
{
    const char  *eq;
    size_t       i, klen;

    eq = strchr(kv, '=');
    if (eq == NULL || eq == kv) {
        fprintf(stderr, "s3-unmask eval: --context wants KEY=VALUE, got"
                " \"%s\"\n", kv);
        return -1;
    }
    if (c->nvalues == S3U_CLI_MAX_CONTEXT) {
        fprintf(stderr, "s3-unmask eval: too many --context values\n");
        return -1;
    }
    klen = (size_t) (eq - kv);

    /* values of one key must be adjacent: rebuild lazily at the end */
    for (i = 0; i < c->n; i++) {
        if (strlen(c->keys[i]) == klen
            && strncasecmp(c->keys[i], kv, klen) == 0)
        {
            break;
        }
    }
    if (i == c->n) {
        c->keys[i] = strndup(kv, klen);
        if (c->keys[i] == NULL) {
            return -1;
        }
        c->entries[i].key = c->keys[i];
        c->entries[i].nvalues = 0;
        c->n++;
    }
    /* stash the value with its key index in the values array order */
    c->values[c->nvalues++] = kv;
    return 0;
}


/* groups the values per key into one contiguous array */
static void
ctx_finish(s3u_cli_ctx_t *c, const char **grouped)
{
    size_t       i, j, at, klen;
    const char  *kv;

    at = 0;
    for (i = 0; i < c->n; i++) {
        klen = strlen(c->keys[i]);
        c->entries[i].values = &grouped[at];
        for (j = 0; j < c->nvalues; j++) {
            kv = c->values[j];
            if (strncasecmp(kv, c->keys[i], klen) == 0 && kv[klen] == '=') {
                grouped[at++] = kv + klen + 1;
                c->entries[i].nvalues++;
            }
        }
    }
}


static void
ctx_free(s3u_cli_ctx_t *c)
{
    size_t  i;

    for (i = 0; i < c->n; i++) {
        free(c->keys[i]);
    }
}


static int
eval_usage(void)
{
    fprintf(stderr, "usage: s3-unmask eval --policies DIR --principal ARN"
            " --action ACT --resource ARN [--context K=V]... [--json]\n");
    return 2;
}


int
s3u_cmd_eval(int argc, char **argv)
{
    const char         *dir, *principal, *action, *resource;
    const char         *grouped[S3U_CLI_MAX_CONTEXT];
    s3u_cli_ctx_t       cc;
    s3u_ctx_t           ctx;
    s3u_pset_t         *ps;
    s3u_error_t         err;
    s3u_eval_result_t   res;
    char                text[8192];
    int                 i, json, rc;
    cJSON              *o;

    dir = principal = action = resource = NULL;
    json = 0;
    memset(&cc, 0, sizeof(cc));

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (i + 1 < argc && strcmp(argv[i], "--policies") == 0) {
            dir = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--principal") == 0) {
            principal = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--action") == 0) {
            action = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--resource") == 0) {
            resource = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--context") == 0) {
            if (ctx_add(&cc, argv[++i]) != 0) {
                ctx_free(&cc);
                return 2;
            }
        } else {
            fprintf(stderr, "s3-unmask eval: unexpected argument \"%s\"\n",
                    argv[i]);
            ctx_free(&cc);
            return eval_usage();
        }
    }
    if (dir == NULL || principal == NULL || action == NULL
        || resource == NULL)
    {
        ctx_free(&cc);
        return eval_usage();
    }

    ctx_finish(&cc, grouped);
    ctx.entries = cc.entries;
    ctx.n = cc.n;

    ps = s3u_pset_load(dir, &err);
    if (ps == NULL) {
        print_error(&err);
        ctx_free(&cc);
        return 2;
    }

    if (s3u_pset_eval(ps, principal, action, resource, &ctx, &res) != 0) {
        fprintf(stderr, "s3-unmask eval: %s\n", res.reason);
        s3u_pset_free(ps);
        ctx_free(&cc);
        return 2;
    }

    if (json) {
        o = s3u_explain_json(&res);
        if (o != NULL) {
            print_json(o);
            cJSON_Delete(o);
        }
    } else {
        s3u_explain_text(&res, text, sizeof(text));
        fputs(text, stdout);
    }

    rc = res.decision == S3U_ALLOW ? 0 : 1;
    s3u_pset_free(ps);
    ctx_free(&cc);
    return rc;
}


/* --- check --------------------------------------------------------------- */

typedef struct {
    int      json;
    size_t   passed;
    size_t   failed;
    size_t   errors;
    cJSON   *results;
} s3u_check_t;


static int
is_dir(const char *path)
{
    struct stat  st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}


static int
has_suffix(const char *s, const char *suffix)
{
    size_t  n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}


static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


typedef void (*s3u_file_fn)(void *data, const char *path);


/*
 * Every *.json below dir, in name order; folders holding a policy-set
 * manifest are policy sets, not scenarios, and are skipped.
 */
static int
walk(const char *dir, int depth, s3u_file_fn fn, void *data,
    s3u_file_fn set_fn)
{
    DIR            *d;
    struct dirent  *e;
    char          **names, **grown, path[4096];
    size_t          n, cap, i;

    if (depth > S3U_CLI_MAX_DEPTH) {
        return 0;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, S3U_PSET_MANIFEST);
    if (access(path, F_OK) == 0) {
        if (set_fn != NULL) {
            set_fn(data, dir);
        }
        return 0;
    }
    d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "%s: cannot open folder\n", dir);
        return -1;
    }
    names = NULL;
    n = cap = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            grown = realloc(names, cap * sizeof(char *));
            if (grown == NULL) {
                break;
            }
            names = grown;
        }
        names[n] = strdup(e->d_name);
        if (names[n] != NULL) {
            n++;
        }
    }
    closedir(d);

    qsort(names, n, sizeof(char *), name_cmp);
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (is_dir(path)) {
            walk(path, depth + 1, fn, data, set_fn);
        } else if (has_suffix(names[i], ".json")) {
            fn(data, path);
        }
        free(names[i]);
    }
    free(names);
    return 0;
}


static void
check_file(void *data, const char *path)
{
    s3u_check_t           *ck = data;
    s3u_scenario_file_t   *sf;
    const s3u_scenario_t  *sc;
    s3u_error_t            err;
    s3u_eval_result_t      res;
    size_t                 i;
    int                    pass;
    cJSON                 *r, *e;
    char                   text[8192];

    sf = s3u_scenario_load(path, &err);
    if (sf == NULL) {
        print_error(&err);
        ck->errors++;
        if (ck->json) {
            r = cJSON_CreateObject();
            s3u_error_format(&err, text, sizeof(text));
            cJSON_AddStringToObject(r, "file", path);
            cJSON_AddStringToObject(r, "error", text);
            cJSON_AddItemToArray(ck->results, r);
        }
        return;
    }

    for (i = 0; i < s3u_scenario_count(sf); i++) {
        sc = s3u_scenario_at(sf, i);
        if (s3u_scenario_run(sc, &res) != 0) {
            fprintf(stderr, "%s: %s: %s\n", path, sc->name, res.reason);
            ck->errors++;
            continue;
        }
        pass = s3u_scenario_passed(sc, &res);
        if (pass) {
            ck->passed++;
        } else {
            ck->failed++;
        }

        if (ck->json) {
            r = cJSON_CreateObject();
            cJSON_AddStringToObject(r, "name", sc->name);
            cJSON_AddStringToObject(r, "file", path);
            cJSON_AddBoolToObject(r, "pass", pass);
            cJSON_AddStringToObject(r, "decision",
                                    s3u_eval_decision_name(res.decision));
            if (res.layer == S3U_LAYER_NONE) {
                cJSON_AddNullToObject(r, "layer");
            } else {
                cJSON_AddStringToObject(r, "layer",
                                        s3u_layer_name(res.layer));
            }
            e = cJSON_AddObjectToObject(r, "expect");
            cJSON_AddStringToObject(e, "decision",
                                    s3u_eval_decision_name(sc->expect_decision));
            if (sc->expect_layer == S3U_LAYER_NONE) {
                cJSON_AddNullToObject(e, "layer");
            } else {
                cJSON_AddStringToObject(e, "layer",
                                        s3u_layer_name(sc->expect_layer));
            }
            cJSON_AddItemToObject(r, "explanation", s3u_explain_json(&res));
            cJSON_AddItemToArray(ck->results, r);
            continue;
        }

        printf("%s %s %s %s\n", sc->name, pass ? "PASS" : "FAIL",
               s3u_eval_decision_name(res.decision),
               res.layer == S3U_LAYER_NONE ? "-" : s3u_layer_name(res.layer));
        if (!pass) {
            s3u_explain_text(&res, text, sizeof(text));
            fprintf(stderr, "# %s (%s): expected %s %s\n%s", sc->name, path,
                    s3u_eval_decision_name(sc->expect_decision),
                    sc->expect_layer == S3U_LAYER_NONE
                    ? "-" : s3u_layer_name(sc->expect_layer), text);
        }
    }
    s3u_scenario_file_free(sf);
}


/* in folders, policy files and manifests sit beside scenarios */
static void
check_walked(void *data, const char *path)
{
    if (s3u_scenario_sniff(path)) {
        check_file(data, path);
    }
}


int
s3u_cmd_check(int argc, char **argv)
{
    s3u_check_t  ck;
    cJSON       *o;
    int          i, nfiles;

    memset(&ck, 0, sizeof(ck));
    nfiles = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            ck.json = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "usage: s3-unmask check [--json] FILE|DIR...\n");
            return 2;
        } else {
            nfiles++;
        }
    }
    if (nfiles == 0) {
        fprintf(stderr, "usage: s3-unmask check [--json] FILE|DIR...\n");
        return 2;
    }
    if (ck.json) {
        ck.results = cJSON_CreateArray();
    }

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            continue;
        }
        if (is_dir(argv[i])) {
            if (walk(argv[i], 0, check_walked, &ck, NULL) != 0) {
                ck.errors++;
            }
        } else {
            check_file(&ck, argv[i]);
        }
    }

    if (ck.json) {
        o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "results", ck.results);
        cJSON_AddNumberToObject(o, "passed", (double) ck.passed);
        cJSON_AddNumberToObject(o, "failed", (double) ck.failed);
        cJSON_AddNumberToObject(o, "errors", (double) ck.errors);
        print_json(o);
        cJSON_Delete(o);
    } else {
        printf("%zu passed, %zu failed\n", ck.passed, ck.failed);
    }

    if (ck.errors) {
        return 2;
    }
    return ck.failed ? 1 : 0;
}


/* --- lint ---------------------------------------------------------------- */

static void
lint_file(void *data, const char *path)
{
    s3u_lint_t  *lt = data;

    s3u_lint_path(lt, path);
}


int
s3u_cmd_lint(int argc, char **argv)
{
    s3u_lint_t  *lt;
    int          i, json, nfiles, rc;

    json = 0;
    nfiles = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "usage: s3-unmask lint [--json] DIR|FILE...\n");
            return 2;
        } else {
            nfiles++;
        }
    }
    if (nfiles == 0) {
        fprintf(stderr, "usage: s3-unmask lint [--json] DIR|FILE...\n");
        return 2;
    }

    lt = s3u_lint_new();
    if (lt == NULL) {
        return 2;
    }
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            continue;
        }
        if (!is_dir(argv[i])) {
            if (access(argv[i], R_OK) != 0) {
                fprintf(stderr, "%s: cannot open\n", argv[i]);
                s3u_lint_free(lt);
                return 2;
            }
            s3u_lint_path(lt, argv[i]);
            continue;
        }
        walk(argv[i], 0, lint_file, lt, lint_file);
    }

    rc = s3u_lint_report(lt, stdout, json) > 0 ? 1 : 0;
    s3u_lint_free(lt);
    return rc;
}
