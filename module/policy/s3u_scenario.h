/*
 * Scenario files (../shared/scenarios/FORMAT.md): one authorization
 * question with its expected answer, or an array of them.  Loading
 * compiles every inline policy into the per-layer form of s3u_eval.h.
 *
 * Extensions to FORMAT.md (documented in README.md):
 *   - top-level "policy_set": a policy-set folder, relative to the
 *     scenario file, instead of "policies"; the request is then resolved
 *     against the set exactly as `s3-unmask eval` does (derived context
 *     keys, overlaid with request.context);
 *   - policies."role": {"arn", "account", "policy"}: the role a
 *     sts:AssumeRole request targets, with its trust policy.
 *
 * Pure C, no nginx headers.
 */

#ifndef S3U_SCENARIO_H
#define S3U_SCENARIO_H

#include "policy/s3u_eval.h"
#include "policy/s3u_json_pos.h"

typedef struct s3u_pset_s  s3u_pset_t;

typedef struct {
    const char          *name;
    const char          *file;
    unsigned             line, column;
    s3u_eval_input_t     input;
    s3u_decision_t       expect_decision;
    s3u_layer_t          expect_layer;      /* NONE for Allow */
    s3u_pset_t          *pset;              /* "policy_set" scenarios */
} s3u_scenario_t;

typedef struct s3u_scenario_file_s  s3u_scenario_file_t;

s3u_scenario_file_t *s3u_scenario_load(const char *path, s3u_error_t *err);
void s3u_scenario_file_free(s3u_scenario_file_t *sf);

/* 0 when path holds JSON that is clearly not a scenario (no "expect" at
 * the top level: a policy, a manifest); 1 otherwise, broken files included
 * so that loading reports them.  Used when walking folders. */
int s3u_scenario_sniff(const char *path);

size_t s3u_scenario_count(const s3u_scenario_file_t *sf);
const s3u_scenario_t *s3u_scenario_at(const s3u_scenario_file_t *sf,
    size_t i);

/* evaluates the scenario; 0 on success */
int s3u_scenario_run(const s3u_scenario_t *sc, s3u_eval_result_t *res);

/* 1 when the result is the expected answer */
int s3u_scenario_passed(const s3u_scenario_t *sc,
    const s3u_eval_result_t *res);

#endif /* S3U_SCENARIO_H */
