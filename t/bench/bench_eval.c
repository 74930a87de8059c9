/*
 * Evaluator throughput and scaling for ./build.sh bench.
 *
 *   bench_eval scenarios SECONDS FILE...
 *       evaluations per second over the scenario files (every scenario
 *       once per round, rounds until SECONDS have passed), after a warm-up
 *       round that also checks each answer against its expectation;
 *
 *   bench_eval pset SECONDS DIR PRINCIPAL ACTION RESOURCE [KEY=VALUE]...
 *       load time of the policy set in DIR (best of a few loads) and the
 *       time of one s3u_pset_eval of the request.
 *
 * Each prints one JSON object on stdout.  Linked against the core
 * (libs3u.a) exactly as the module and the CLI are.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/s3u_eval.h"
#include "policy/s3u_pset.h"
#include "policy/s3u_scenario.h"


#define BENCH_LOADS       5
#define BENCH_MAX_FILES   1024
#define BENCH_MAX_CTX     32


static double
now_sec(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* JSON string body: the names we print are ours, but quote them right */
static void
print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            printf("\\%c", *s);
        } else if ((unsigned char) *s < 0x20) {
            printf("\\u%04x", (unsigned char) *s);
        } else {
            putchar(*s);
        }
    }
    putchar('"');
}


static int
bench_scenarios(double seconds, int nfiles, char **paths)
{
    s3u_scenario_file_t      *files[BENCH_MAX_FILES];
    const s3u_scenario_t    **all;
    s3u_eval_result_t         res;
    s3u_error_t               err;
    size_t                    n, i, k, passed;
    unsigned long             evals, checksum;
    double                    start, now, deadline;
    char                      msg[1024];
    int                       f, rc;

    if (nfiles > BENCH_MAX_FILES) {
        fprintf(stderr, "bench_eval: at most %d files\n", BENCH_MAX_FILES);
        return 2;
    }

    n = 0;
    for (f = 0; f < nfiles; f++) {
        memset(&err, 0, sizeof(err));
        files[f] = s3u_scenario_load(paths[f], &err);
        if (files[f] == NULL) {
            s3u_error_format(&err, msg, sizeof(msg));
            fprintf(stderr, "bench_eval: %s\n", msg);
            while (f-- > 0) {
                s3u_scenario_file_free(files[f]);
            }
            return 2;
        }
        n += s3u_scenario_count(files[f]);
    }

    all = calloc(n ? n : 1, sizeof(*all));
    if (all == NULL) {
        return 2;
    }

    for (f = 0, k = 0; f < nfiles; f++) {
        for (i = 0; i < s3u_scenario_count(files[f]); i++) {
            all[k++] = s3u_scenario_at(files[f], i);
        }
    }

    /* warm-up round, and the check that the answers are the documented ones */
    passed = 0;
    rc = 0;
    for (k = 0; k < n; k++) {
        if (s3u_scenario_run(all[k], &res) != 0) {
            fprintf(stderr, "bench_eval: %s: unusable input\n", all[k]->name);
            rc = 1;
            continue;
        }
        passed += (size_t) s3u_scenario_passed(all[k], &res);
    }

    evals = 0;
    checksum = 0;
    start = now_sec();
    deadline = start + seconds;

    do {
        for (k = 0; k < n; k++) {
            s3u_scenario_run(all[k], &res);
            checksum += (unsigned long) res.decision + res.layer;
        }
        evals += n;
        now = now_sec();
    } while (now < deadline);

    printf("{\"scenarios\":%zu,\"passed\":%zu,\"evaluations\":%lu,"
           "\"seconds\":%.6f,\"evals_per_sec\":%.1f,"
           "\"usec_per_eval\":%.4f,\"checksum\":%lu}\n",
           n, passed, evals, now - start, (double) evals / (now - start),
           (now - start) * 1e6 / (double) evals, checksum);

    free(all);
    for (f = 0; f < nfiles; f++) {
        s3u_scenario_file_free(files[f]);
    }

    return rc;
}


static int
bench_pset(double seconds, const char *dir, const char *principal,
    const char *action, const char *resource, int nkv, char **kv)
{
    s3u_pset_t         *ps;
    s3u_ctx_entry_t     entries[BENCH_MAX_CTX];
    const char         *values[BENCH_MAX_CTX];
    s3u_ctx_t           extra;
    s3u_eval_result_t   res;
    s3u_error_t         err;
    double              t0, t1, best_load, best, start, now, deadline;
    unsigned long       evals, batch, b;
    size_t              nstmts, i;
    const s3u_policy_t *p;
    const char         *res_arn;
    s3u_layer_t         layer;
    char               *eq, msg[1024];
    int                 l;

    if (nkv > BENCH_MAX_CTX) {
        fprintf(stderr, "bench_eval: at most %d context keys\n",
                BENCH_MAX_CTX);
        return 2;
    }

    memset(entries, 0, sizeof(entries));
    for (l = 0; l < nkv; l++) {
        eq = strchr(kv[l], '=');
        if (eq == NULL) {
            fprintf(stderr, "bench_eval: %s: KEY=VALUE expected\n", kv[l]);
            return 2;
        }
        *eq = '\0';
        entries[l].key = kv[l];
        values[l] = eq + 1;
        entries[l].values = &values[l];
        entries[l].nvalues = 1;
    }
    extra.entries = entries;
    extra.n = (size_t) nkv;

    best_load = 0;
    ps = NULL;
    /* best of a few loads; one when a load takes more than a second */
    for (l = 0; l < BENCH_LOADS && best_load < 1.0; l++) {
        if (ps) {
            s3u_pset_free(ps);
        }
        memset(&err, 0, sizeof(err));
        t0 = now_sec();
        ps = s3u_pset_load(dir, &err);
        t1 = now_sec();
        if (ps == NULL) {
            s3u_error_format(&err, msg, sizeof(msg));
            fprintf(stderr, "bench_eval: %s\n", msg);
            return 2;
        }
        if (l == 0 || t1 - t0 < best_load) {
            best_load = t1 - t0;
        }
    }

    nstmts = 0;
    for (i = 0; i < s3u_pset_npolicies(ps); i++) {
        p = s3u_pset_policy(ps, i, &layer, &res_arn);
        nstmts += p ? p->nstmts : 0;
    }

    if (s3u_pset_eval(ps, principal, action, resource, &extra, &res) != 0) {
        fprintf(stderr, "bench_eval: %s: unusable request\n", dir);
        s3u_pset_free(ps);
        return 2;
    }

    /*
     * Batches of about a millisecond each; the mean is over all of them,
     * and the best batch is the figure least disturbed by whatever else
     * the machine runs (scaling compares sizes with it)
     */
    t0 = now_sec();
    s3u_pset_eval(ps, principal, action, resource, &extra, &res);
    batch = (unsigned long) (1e-3 / (now_sec() - t0 + 1e-9)) + 1;

    evals = 0;
    best = 0;
    start = now_sec();
    deadline = start + seconds;
    do {
        t0 = now_sec();
        for (b = 0; b < batch; b++) {
            s3u_pset_eval(ps, principal, action, resource, &extra, &res);
        }
        now = now_sec();
        if (best == 0 || (now - t0) / (double) batch < best) {
            best = (now - t0) / (double) batch;
        }
        evals += batch;
    } while (now < deadline);

    printf("{\"statements\":%zu,\"load_sec\":%.6f,\"evaluations\":%lu,"
           "\"usec_per_eval\":%.3f,\"usec_per_eval_best\":%.3f,"
           "\"decision\":",
           nstmts, best_load, evals, (now - start) * 1e6 / (double) evals,
           best * 1e6);
    print_json_string(s3u_eval_decision_name(res.decision));
    printf(",\"layer\":");
    print_json_string(s3u_layer_name(res.layer));
    printf("}\n");

    s3u_pset_free(ps);
    return 0;
}


int
main(int argc, char **argv)
{
    double  seconds;

    if (argc >= 4 && strcmp(argv[1], "scenarios") == 0) {
        seconds = atof(argv[2]);
        return bench_scenarios(seconds > 0 ? seconds : 1, argc - 3, argv + 3);
    }

    if (argc >= 7 && strcmp(argv[1], "pset") == 0) {
        seconds = atof(argv[2]);
        return bench_pset(seconds > 0 ? seconds : 1, argv[3], argv[4],
                          argv[5], argv[6], argc - 7, argv + 7);
    }

    fprintf(stderr,
            "usage: bench_eval scenarios SECONDS FILE...\n"
            "       bench_eval pset SECONDS DIR PRINCIPAL ACTION RESOURCE"
            " [KEY=VALUE]...\n");
    return 2;
}
