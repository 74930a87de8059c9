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
    s3u_metrics_denial(m, "AccessDenied", "s3", "access-point-policy",
                       "evaluator");
    s3u_metrics_denial(m, "AccessDenied", "s3", "access-point-policy",
                       "evaluator");
    s3u_metrics_denial(m, "Made\"Up", "weird", "bogus-layer", "message");
    s3u_metrics_denial(m, "Forbidden", "s3", "", "none");
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

    return UNIT_DONE();
}
