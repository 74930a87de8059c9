/*
 * Shared by the text readers only (s3u_detect_text.c, s3u_detect_frames.c,
 * s3u_detect_objects.c).  Every reader takes the text as [base, end) and
 * returns 1 when it recognised its form and filled *out (through
 * s3u_judge), 0 when the form is not there.
 */

#ifndef S3U_DETECT_TEXT_H
#define S3U_DETECT_TEXT_H

#include "detect/s3u_detect_int.h"

/* --- helpers --------------------------------------------------------------- */

const char *s3u_line_start(const char *base, const char *p);
const char *s3u_line_end(const char *p, const char *end);

/* the end of a "(Service: ...)" frame: its line, at most S3U_FRAME_MAX */
const char *s3u_frame_end(const char *p, const char *end);

/* the end of a message that runs to the end of its line, or of the JSON
 * string it sits in when the text is JSON-escaped */
const char *s3u_message_end(const char *p, const char *end);

/* a label at the start of a word ("RequestId: ", not "extendedRequestId: ") */
const char *s3u_find_label(const char *p, const char *end, const char *label);

/* the value after a label, up to whitespace or one of stops */
s3u_span_t s3u_value_after(const char *p, const char *end, const char *label,
    const char *stops);

/* a quoted value after a label that ends with its opening quote:
 * "code: '" or "code: Some(\"" */
s3u_span_t s3u_quoted_after(const char *p, const char *end,
    const char *label);

int s3u_span_has_code_shape(s3u_span_t s);

/* the origin an S3 or STS operation name ("PutObject", "AssumeRole") or a
 * service name ("S3", "Amazon S3", "Sts") stands for */
s3u_origin_e s3u_operation_origin(const char *op, size_t len);
s3u_origin_e s3u_service_origin(const char *svc, size_t len);

void s3u_form_init(s3u_form_t *form, const char *format);

/* --- readers, in the order s3u_detect_text tries them ---------------------- */

int s3u_read_php(const char *base, const char *end, s3u_finding_t *out);
int s3u_read_botocore(const char *base, const char *end, s3u_finding_t *out);
int s3u_read_go_v2(const char *base, const char *end, s3u_finding_t *out);
int s3u_read_go_v1(const char *base, const char *end, s3u_finding_t *out);
int s3u_read_java_v1(const char *base, const char *end, s3u_finding_t *out);
int s3u_read_java_v2(const char *base, const char *end, s3u_finding_t *out);

int s3u_read_node_v3_text(const char *base, const char *end,
    s3u_finding_t *out);
int s3u_read_node_v2_text(const char *base, const char *end,
    s3u_finding_t *out);
int s3u_read_node_v2_stack(const char *base, const char *end,
    s3u_finding_t *out);
int s3u_read_dotnet_fixed(const char *base, const char *end,
    s3u_finding_t *out);
int s3u_read_kotlin_fixed(const char *base, const char *end,
    s3u_finding_t *out);
int s3u_read_exception_class(const char *base, const char *end,
    s3u_finding_t *out);
int s3u_read_ruby(const char *base, const char *end, s3u_finding_t *out);
int s3u_read_rust(const char *base, const char *end, s3u_finding_t *out);
int s3u_read_lambda_fragment(const char *base, const char *end,
    s3u_finding_t *out);
int s3u_read_error_string(const char *base, const char *end,
    s3u_finding_t *out);
int s3u_read_aws_message(const char *base, const char *end,
    s3u_finding_t *out);

int s3u_read_cpp(const char *base, const char *end, s3u_finding_t *out);
int s3u_read_ios(const char *base, const char *end, s3u_finding_t *out);
int s3u_read_powershell(const char *base, const char *end,
    s3u_finding_t *out);
int s3u_read_s3fs(const char *base, const char *end, s3u_finding_t *out);
int s3u_read_minio_go(const char *base, const char *end, s3u_finding_t *out);
int s3u_read_service_fetch(const char *base, const char *end,
    s3u_finding_t *out);

#endif /* S3U_DETECT_TEXT_H */
