/*
 * The gateway's counters: label mapping, bounded series, the exposition
 * text, and the snprintf-like size contract of the renderer.
 */

#include <stdlib.h>
#include <string.h>

#include "metrics/s3u_metrics.h"
#include "unit.h"

static int
has_line(const char *text, const char *line)
{
    const char  *p;
    size_t       n = strlen(line);

    for (p = text; (p = strstr(p, line)) != NULL; p++) {
        if ((p == text || p[-1] == '\n') && (p[n] == '\n')) {
            return 1;
        }
    }

    return 0;
}

/*
 * A finding's field as the detectors leave it: the value, its NUL, and
 * whatever was there before in the rest of the array (the lookup reads
 * whole words of the array).
 */
static void
set_field(char *field, size_t size, const char *value, int junk)
{
    memset(field, junk, size);
    memcpy(field, value, strlen(value) + 1);
}


static void
denial(s3u_metrics_t *m, const char *code, const char *service,
    const char *layer, s3u_source_e source)
{
    s3u_finding_t  f;

    memset(&f, 0x5a, sizeof(f));
    s3u_finding_clear(&f);
    f.verdict = S3U_VERDICT_DENIAL;
    f.source = source;
    set_field(f.code, sizeof(f.code), code, 'x');
    set_field(f.service, sizeof(f.service), service, '3');
    set_field(f.layer, sizeof(f.layer), layer, 0xff);

    s3u_metrics_denial(m, &f);
}


/* the one denial series a fresh counter set has after one call, as text */
static int
counted_as(const char *code, const char *service, const char *layer,
    s3u_source_e source, const char *series)
{
    int             ok;
    char           *text;
    size_t          len;
    s3u_metrics_t  *m;

    m = calloc(1, sizeof(*m));
    denial(m, code, service, layer, source);

    len = s3u_metrics_render(m, NULL, 0);
    text = malloc(len + 1);
    s3u_metrics_render(m, text, len + 1);

    ok = has_line(text, series);
    if (!ok) {
        printf("# %s\n", strstr(text, "s3_unmask_denials_total{"));
    }

    free(text);
    free(m);

    return ok;
}


/* every label of every set to its own series; near misses to other */
static void
test_labels(void)
{
    static const char *codes[] = {
        "AccessDenied", "Forbidden", "AllAccessDisabled", "AccountProblem",
        "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"
    };
    static const char *services[] = { "s3", "kms", "sts" };
    static const char *layers[] = {
        "identity", "permissions-boundary", "session-policy", "scp", "rcp",
        "vpc-endpoint-policy", "bucket-policy", "access-point-policy",
        "resource-policy", "kms-key-policy", "role-trust-policy", "none",
        "unknown"
    };
    static const char *other_codes[] = {
        "", "A", "Acc", "AccessDenie", "AccessDeniedX", "accessdenied",
        "AccountProblen", "SignatureDoesNotMatcH", "SignatureDoesNotMatchX",
        "Forbidden ", "Access\xff", "other", "\xc3\x89xpiredToken"
    };
    static const char *other_services[] = {
        "", "s", "s33", "S3", "km", "kmss", "ss", "other"
    };
    static const char *unknown_layers[] = {
        "s", "sc", "scpx", "rc", "identit", "identityx",
        "permissions-boundar", "permissions-boundaryx", "access-point",
        "None", "nonexx", "\x80"
    };
    char    series[256];
    size_t  i;
    int     bad;

    bad = 0;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        snprintf(series, sizeof(series), "s3_unmask_denials_total{code=\"%s\","
                 "service=\"s3\",layer=\"scp\",source=\"message\"} 1",
                 codes[i]);
        bad += !counted_as(codes[i], "s3", "scp", S3U_SOURCE_MESSAGE, series);
    }
    UNIT_INT(bad, 0, "every denial code counts under its own label");

    bad = 0;
    for (i = 0; i < sizeof(other_codes) / sizeof(other_codes[0]); i++) {
        bad += !counted_as(other_codes[i], "s3", "scp", S3U_SOURCE_MESSAGE,
                           "s3_unmask_denials_total{code=\"other\","
                           "service=\"s3\",layer=\"scp\","
                           "source=\"message\"} 1");
    }
    UNIT_INT(bad, 0, "prefixes, extensions, case changes of codes are other");

    bad = 0;
    for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
        snprintf(series, sizeof(series), "s3_unmask_denials_total{"
                 "code=\"Forbidden\",service=\"%s\",layer=\"rcp\","
                 "source=\"evaluator\"} 1", services[i]);
        bad += !counted_as("Forbidden", services[i], "rcp",
                           S3U_SOURCE_EVALUATOR, series);
    }
    UNIT_INT(bad, 0, "every service counts under its own label");

    bad = 0;
    for (i = 0; i < sizeof(other_services) / sizeof(other_services[0]); i++) {
        bad += !counted_as("Forbidden", other_services[i], "rcp",
                           S3U_SOURCE_EVALUATOR,
                           "s3_unmask_denials_total{code=\"Forbidden\","
                           "service=\"other\",layer=\"rcp\","
                           "source=\"evaluator\"} 1");
    }
    UNIT_INT(bad, 0, "near misses of services are other");

    bad = 0;
    for (i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
        snprintf(series, sizeof(series), "s3_unmask_denials_total{"
                 "code=\"AccessDenied\",service=\"kms\",layer=\"%s\","
                 "source=\"none\"} 1", layers[i]);
        bad += !counted_as("AccessDenied", "kms", layers[i],
                           S3U_SOURCE_NONE, series);
    }
    UNIT_INT(bad, 0, "every layer counts under its own label");

    bad = 0;
    for (i = 0; i < sizeof(unknown_layers) / sizeof(unknown_layers[0]); i++) {
        bad += !counted_as("AccessDenied", "kms", unknown_layers[i],
                           S3U_SOURCE_NONE,
                           "s3_unmask_denials_total{code=\"AccessDenied\","
                           "service=\"kms\",layer=\"unknown\","
                           "source=\"none\"} 1");
    }
    UNIT_INT(bad, 0, "near misses of layers are unknown");

    UNIT_OK(counted_as("AccessDenied", "sts", "", (s3u_source_e) 7,
                       "s3_unmask_denials_total{code=\"AccessDenied\","
                       "service=\"sts\",layer=\"none\",source=\"none\"} 1"),
            "an empty layer is none, a source out of range none");
}


int
main(void)
{
    char           *text, small[16];
    size_t          len, len2;
    s3u_metrics_t  *m;

    m = calloc(1, sizeof(*m));

    s3u_metrics_inspected(m);
    s3u_metrics_inspected(m);
    s3u_metrics_inspected(m);
    s3u_metrics_rewritten(m);
    s3u_metrics_passed(m, S3U_PASS_OVER_LIMIT);
    s3u_metrics_passed(m, S3U_PASS_UNPARSEABLE);
    s3u_metrics_passed(m, S3U_PASS_UNPARSEABLE);
    denial(m, "AccessDenied", "s3", "access-point-policy",
           S3U_SOURCE_EVALUATOR);
    denial(m, "AccessDenied", "s3", "access-point-policy",
           S3U_SOURCE_EVALUATOR);
    denial(m, "Made\"Up", "weird", "bogus-layer", S3U_SOURCE_MESSAGE);
    denial(m, "Forbidden", "s3", "", S3U_SOURCE_NONE);
    s3u_metrics_s3_error(m, "NoSuchKey");
    s3u_metrics_s3_error(m, "<script>");
    s3u_metrics_evaluation(m, 0);
    s3u_metrics_evaluation(m, 1);

    len = s3u_metrics_render(m, NULL, 0);
    UNIT_OK(len > 0, "render reports the size it needs");

    text = malloc(len + 1);
    len2 = s3u_metrics_render(m, text, len + 1);
    UNIT_INT(len2, len, "rendered length matches the size asked for");

    UNIT_OK(has_line(text, "s3_unmask_inspected_total 3"), "inspected");
    UNIT_OK(has_line(text, "s3_unmask_rewritten_total 1"), "rewritten");
    UNIT_OK(has_line(text,
            "s3_unmask_passed_through_total{reason=\"over_limit\"} 1"),
            "passed through over the limit");
    UNIT_OK(has_line(text,
            "s3_unmask_passed_through_total{reason=\"unparseable\"} 2"),
            "passed through unparseable");
    UNIT_OK(has_line(text,
            "s3_unmask_passed_through_total{reason=\"compressed\"} 0"),
            "zero reasons are still listed");
    UNIT_OK(has_line(text, "s3_unmask_denials_total{code=\"AccessDenied\","
            "service=\"s3\",layer=\"access-point-policy\","
            "source=\"evaluator\"} 2"), "denial series counted twice");
    UNIT_OK(has_line(text, "s3_unmask_denials_total{code=\"other\","
            "service=\"other\",layer=\"unknown\",source=\"message\"} 1"),
            "unknown label values fold into other/unknown");
    UNIT_OK(has_line(text, "s3_unmask_denials_total{code=\"Forbidden\","
            "service=\"s3\",layer=\"none\",source=\"none\"} 1"),
            "an empty layer is none");
    UNIT_OK(strstr(text, "Made") == NULL && strstr(text, "<script>") == NULL,
            "upstream text never becomes a label value");
    UNIT_OK(has_line(text, "s3_unmask_s3_errors_total{code=\"NoSuchKey\"} 1"),
            "s3 error by code");
    UNIT_OK(has_line(text, "s3_unmask_s3_errors_total{code=\"other\"} 1"),
            "unknown s3 error code is other");
    UNIT_OK(has_line(text, "s3_unmask_evaluations_total 2"), "evaluations");
    UNIT_OK(has_line(text, "s3_unmask_drift_total 1"), "drift");
    UNIT_OK(has_line(text, "# TYPE s3_unmask_denials_total counter"),
            "TYPE line");
    UNIT_OK(text[len - 1] == '\n', "ends with a newline");

    len2 = s3u_metrics_render(m, small, sizeof(small));
    UNIT_INT(len2, len, "a short buffer still reports the full length");
    UNIT_INT(strlen(small), sizeof(small) - 1, "and is NUL-terminated");

    free(text);
    free(m);

    test_labels();

    return UNIT_DONE();
}
