/*
 * Prometheus counters of the gateway.  See s3u_metrics.h.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "detect/s3u_label.h"
#include "metrics/s3u_metrics.h"

static const char *const pass_reasons[S3U_PASS_N] = {
    "over_limit", "compressed", "unparseable", "not_in_memory",
    "upstream_aborted"
};

/* the denial labels are the finding's vocabularies (s3u_label.h) */
_Static_assert(S3U_METRICS_CODES == S3U_LABEL_CODES
               && S3U_METRICS_SERVICES == S3U_LABEL_SERVICES
               && S3U_METRICS_LAYERS == S3U_LABEL_LAYERS,
               "metrics label sets differ from s3u_label.h");

static const char *const sources[S3U_METRICS_SOURCES] = {
    "message", "evaluator", "none"
};

static const char *const s3_codes[S3U_METRICS_S3_CODES] = {
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "RequestTimeTooSkewed",
    "AllAccessDisabled", "AccountProblem", "ExpiredToken", "InvalidToken",
    "AccessControlListNotSupported", "NoSuchKey", "NoSuchBucket",
    "InvalidObjectState", "SlowDown", "InternalError", "InvalidRequest",
    "EntityTooLarge", "other"
};

static size_t
lookup(const char *const *set, size_t n, const char *value)
{
    size_t  i;

    if (value == NULL || value[0] == '\0') {
        value = "none";
    }

    /* the first byte tells most labels apart: a denial asks four sets */
    for (i = 0; i < n - 1; i++) {
        if (set[i][0] == value[0] && strcmp(set[i], value) == 0) {
            return i;
        }
    }

    return n - 1;
}

static void
add(uint64_t *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

void
s3u_metrics_inspected(s3u_metrics_t *m)
{
    add(&m->inspected);
}

void
s3u_metrics_rewritten(s3u_metrics_t *m)
{
    add(&m->rewritten);
}

void
s3u_metrics_passed(s3u_metrics_t *m, s3u_pass_reason_e reason)
{
    if ((unsigned) reason < S3U_PASS_N) {
        add(&m->passed[reason]);
    }
}

void
s3u_metrics_denial(s3u_metrics_t *m, const s3u_finding_t *f)
{
    size_t  c, s, l, o;

    c = s3u_label_code(f);
    s = s3u_label_service(f);

    /* an empty layer counts as none */
    l = f->layer[0] == '\0' ? S3U_LABEL_LAYER_NONE : s3u_label_layer(f);

    switch (f->source) {
    case S3U_SOURCE_MESSAGE:
        o = 0;
        break;
    case S3U_SOURCE_EVALUATOR:
        o = 1;
        break;
    default:
        o = 2;
    }

    add(&m->denials[c][s][l][o]);
}


void
s3u_metrics_s3_error(s3u_metrics_t *m, const char *code)
{
    add(&m->s3_errors[lookup(s3_codes, S3U_METRICS_S3_CODES, code)]);
}

void
s3u_metrics_evaluation(s3u_metrics_t *m, int drift)
{
    add(&m->evaluations);

    if (drift) {
        add(&m->drift);
    }
}

typedef struct {
    char    *out;
    size_t   size;
    size_t   len;
} s3u_text_t;

static void
put(s3u_text_t *t, const char *fmt, ...)
{
    int      n;
    va_list  ap;

    va_start(ap, fmt);
    n = vsnprintf(t->len < t->size ? t->out + t->len : NULL,
                  t->len < t->size ? t->size - t->len : 0, fmt, ap);
    va_end(ap);

    if (n > 0) {
        t->len += (size_t) n;
    }
}

static uint64_t
get(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void
counter_head(s3u_text_t *t, const char *name, const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

size_t
s3u_metrics_render(const s3u_metrics_t *m, char *out, size_t size)
{
    size_t      c, s, l, o;
    uint64_t    v;
    s3u_text_t  t = { out, size, 0 };

    if (size) {
        out[0] = '\0';
    }

    counter_head(&t, "s3_unmask_inspected_total",
                 "Upstream error responses held and read.");
    put(&t, "s3_unmask_inspected_total %llu\n",
        (unsigned long long) get(&m->inspected));

    counter_head(&t, "s3_unmask_rewritten_total",
                 "Responses whose status was restored.");
    put(&t, "s3_unmask_rewritten_total %llu\n",
        (unsigned long long) get(&m->rewritten));

    counter_head(&t, "s3_unmask_passed_through_total",
                 "Selected responses sent on unchanged, by reason.");
    for (c = 0; c < S3U_PASS_N; c++) {
        put(&t, "s3_unmask_passed_through_total{reason=\"%s\"} %llu\n",
            pass_reasons[c], (unsigned long long) get(&m->passed[c]));
    }

    counter_head(&t, "s3_unmask_denials_total",
                 "Authorization denials found in upstream bodies.");
    for (c = 0; c < S3U_METRICS_CODES; c++) {
        for (s = 0; s < S3U_METRICS_SERVICES; s++) {
            for (l = 0; l < S3U_METRICS_LAYERS; l++) {
                for (o = 0; o < S3U_METRICS_SOURCES; o++) {
                    v = get(&m->denials[c][s][l][o]);
                    if (v == 0) {
                        continue;
                    }

                    put(&t, "s3_unmask_denials_total{code=\"%s\","
                        "service=\"%s\",layer=\"%s\",source=\"%s\"} %llu\n",
                        s3u_label_codes[c].s, s3u_label_services[s].s,
                        s3u_label_layers[l].s, sources[o],
                        (unsigned long long) v);
                }
            }
        }
    }

    counter_head(&t, "s3_unmask_s3_errors_total",
                 "S3 errors other than denials found in upstream bodies.");
    for (c = 0; c < S3U_METRICS_S3_CODES; c++) {
        v = get(&m->s3_errors[c]);
        if (v) {
            put(&t, "s3_unmask_s3_errors_total{code=\"%s\"} %llu\n",
                s3_codes[c], (unsigned long long) v);
        }
    }

    counter_head(&t, "s3_unmask_evaluations_total",
                 "Policy-set evaluations of denials.");
    put(&t, "s3_unmask_evaluations_total %llu\n",
        (unsigned long long) get(&m->evaluations));

    counter_head(&t, "s3_unmask_drift_total",
                 "Denials the policy set on file would have allowed.");
    put(&t, "s3_unmask_drift_total %llu\n",
        (unsigned long long) get(&m->drift));

    return t.len;
}
