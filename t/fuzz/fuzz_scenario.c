/*
 * libFuzzer target: scenario files (policy/s3u_scenario.h), the way
 * `s3-unmask check` reads them, which drives the whole evaluation core:
 * every layer's policies are compiled from the file and the request is
 * evaluated through them (s3u_eval).  Seeds are the shared scenarios.
 *
 * The input is the scenario file, written to a scratch folder (the loader
 * takes a path, and "policy_set" names a folder relative to the file).
 *
 * Contracts checked: a refusal has a message; a loaded file has as many
 * scenarios as it says, each with a name; running one gives a decision
 * of the enum, Allow exactly when no layer, an explicit deny with its
 * statement; passed() is 0 or 1 and agrees with the expectation; running
 * twice gives the same answer; explanations stay inside their buffers.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "policy/s3u_eval.h"
#include "policy/s3u_lint.h"
#include "policy/s3u_scenario.h"

#include "fuzz_util.h"
#include "fuzz_lint.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                    rc, passed;
    size_t                 i, n;
    char                   path[4200], text[4096], *json_text;
    cJSON                 *json;
    s3u_error_t            err;
    s3u_eval_result_t      res, again;
    s3u_scenario_file_t   *sf;
    const s3u_scenario_t  *sc;

    snprintf(path, sizeof(path), "%s/scenario.json", fuzz_scratch_dir());
    fuzz_write_file(path, data, size);

    fuzz_lint_path(path);

    memset(&err, 0, sizeof(err));
    sf = s3u_scenario_load(path, &err);
    if (sf == NULL) {
        FUZZ_CHECK(err.message[0] != '\0'
                   && memchr(err.message, '\0', sizeof(err.message)) != NULL,
                   "refusal without a message");
        return 0;
    }

    n = s3u_scenario_count(sf);
    for (i = 0; i < n; i++) {
        sc = s3u_scenario_at(sf, i);
        FUZZ_CHECK(sc != NULL && sc->name != NULL, "scenario %zu of %zu",
                   i, n);

        rc = s3u_scenario_run(sc, &res);
        if (rc != 0) {
            FUZZ_CHECK(memchr(res.reason, '\0', sizeof(res.reason)) != NULL,
                       "reason not terminated");
            continue;
        }

        FUZZ_CHECK(res.decision == S3U_ALLOW
                   || res.decision == S3U_EXPLICIT_DENY
                   || res.decision == S3U_IMPLICIT_DENY, "decision %d",
                   (int) res.decision);
        FUZZ_CHECK(res.layer >= S3U_LAYER_NONE && res.layer < S3U_LAYER_COUNT,
                   "layer %d", (int) res.layer);
        FUZZ_CHECK((res.decision == S3U_ALLOW)
                   == (res.layer == S3U_LAYER_NONE),
                   "decision %s with layer \"%s\"",
                   s3u_eval_decision_name(res.decision),
                   s3u_layer_name(res.layer));
        FUZZ_CHECK(res.decision != S3U_EXPLICIT_DENY || res.stmt != NULL,
                   "explicit deny without its statement");

        passed = s3u_scenario_passed(sc, &res);
        FUZZ_CHECK(passed == 0 || passed == 1, "passed() gave %d", passed);
        if (passed) {
            FUZZ_CHECK(res.decision == sc->expect_decision,
                       "passed, but %s is not the expected %s",
                       s3u_eval_decision_name(res.decision),
                       s3u_eval_decision_name(sc->expect_decision));
        }

        rc = s3u_scenario_run(sc, &again);
        FUZZ_CHECK(rc == 0 && again.decision == res.decision
                   && again.layer == res.layer && again.stmt == res.stmt
                   && strcmp(again.reason, res.reason) == 0,
                   "two runs of one scenario disagree");

        s3u_explain_text(&res, text, sizeof(text));
        FUZZ_CHECK(memchr(text, '\0', sizeof(text)) != NULL,
                   "explanation overran");
        s3u_eval_statement(&res, text, sizeof(text));
        FUZZ_CHECK(memchr(text, '\0', sizeof(text)) != NULL,
                   "statement overran");

        json = s3u_explain_json(&res);
        FUZZ_CHECK(json != NULL, "no JSON explanation");
        json_text = cJSON_PrintUnformatted(json);
        free(json_text);
        cJSON_Delete(json);
    }

    s3u_scenario_file_free(sf);
    return 0;
}
