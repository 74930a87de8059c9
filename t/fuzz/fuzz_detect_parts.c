/*
 * libFuzzer target: every detector entry point on its own
 * (detect/s3u_detect_int.h, s3u_scan.h), not only through s3u_detect()'s
 * dispatch, so that each reader meets bodies the dispatcher would have
 * sent elsewhere (text readers on XML, the JSON reader on text, ...).
 *
 * The input is an error body, as for fuzz_detect.  Entry points run:
 * s3u_detect_text, s3u_detect_json (outer and nested), s3u_detect_xml_doc,
 * s3u_detect_xml_embedded, s3u_message_parse, s3u_code_from_message,
 * s3u_known_code, s3u_s3_error_status, s3u_parse_status, s3u_code_end and
 * s3u_field_set.
 *
 * Contracts checked: return values in their documented ranges; findings
 * pass fuzz_check_finding; a recognised form sets parsed and format; spans
 * of a parsed message lie inside the input; a code from a message is a
 * known one; s3u_field_set stores no control byte, no leading, trailing
 * or doubled space, returns strlen, never exceeds size - 1, and gives the
 * same text in place as copied.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/s3u_detect.h"
#include "detect/s3u_detect_int.h"
#include "detect/s3u_scan.h"

#include "fuzz_util.h"


static void
fuzz_span_inside(s3u_span_t s, const char *p, const char *end,
    const char *what)
{
    if (s.len == 0) {
        return;
    }
    FUZZ_CHECK(s.data >= p && s.data + s.len <= end,
               "%s span lies outside the input", what);
}


static void
fuzz_field_set(const uint8_t *data, size_t size)
{
    size_t  sizes[] = { 1, 2, 5, 64, 4096 }, i, n, m;
    char   *dst, *inplace;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        dst = malloc(sizes[i]);
        if (dst == NULL) {
            abort();
        }
        n = s3u_field_set(dst, sizes[i], (const char *) data, size);

        FUZZ_CHECK(n < sizes[i] && strlen(dst) == n,
                   "field_set returned %zu into %zu bytes", n, sizes[i]);
        FUZZ_CHECK(!fuzz_has_control(dst), "control byte stored");
        if (n > 0) {
            FUZZ_CHECK(dst[0] != ' ' && dst[n - 1] != ' ',
                       "leading or trailing space kept");
        }
        FUZZ_CHECK(strstr(dst, "  ") == NULL, "doubled space kept");

        /* in place (dst == src), as the XML reader uses it */
        inplace = malloc(size > sizes[i] ? size : sizes[i]);
        if (inplace == NULL) {
            abort();
        }
        if (size > 0) {
            memcpy(inplace, data, size);
        }
        m = s3u_field_set(inplace, sizes[i], inplace, size);
        FUZZ_CHECK(m == n && strcmp(inplace, dst) == 0,
                   "in place gave a different text");

        free(inplace);
        free(dst);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int             rc, status;
    char           *text;
    const char     *p, *end, *code, *e;
    s3u_finding_t   f;
    s3u_message_t   m;

    p = (const char *) data;
    end = p + size;

    memset(&f, 0, sizeof(f));
    rc = s3u_detect_text(p, size, &f);
    FUZZ_CHECK(rc == 0 || rc == 1, "detect_text returned %d", rc);
    fuzz_check_finding(&f);
    if (rc == 1) {
        FUZZ_CHECK(f.parsed && f.format != NULL, "recognised, no format");
    }

    memset(&f, 0, sizeof(f));
    rc = s3u_detect_json(p, size, &f, 0);
    FUZZ_CHECK(rc >= -1 && rc <= 1, "detect_json returned %d", rc);
    fuzz_check_finding(&f);

    memset(&f, 0, sizeof(f));
    rc = s3u_detect_json(p, size, &f, 3);
    FUZZ_CHECK(rc >= -1 && rc <= 1, "nested detect_json returned %d", rc);
    fuzz_check_finding(&f);

    memset(&f, 0, sizeof(f));
    rc = s3u_detect_xml_doc(p, size, &f);
    FUZZ_CHECK(rc >= -1 && rc <= 1, "detect_xml_doc returned %d", rc);
    fuzz_check_finding(&f);

    memset(&f, 0, sizeof(f));
    rc = s3u_detect_xml_embedded(p, size, &f);
    FUZZ_CHECK(rc == 0 || rc == 1, "detect_xml_embedded returned %d", rc);
    fuzz_check_finding(&f);

    if (s3u_message_parse(p, end, &m) == 1) {
        fuzz_span_inside(m.principal, p, end, "principal");
        fuzz_span_inside(m.action, p, end, "action");
        fuzz_span_inside(m.resource, p, end, "resource");
        FUZZ_CHECK(m.layer == NULL || fuzz_known_layer(m.layer),
                   "message layer \"%s\" unknown", m.layer);
    }

    for (status = 0; status <= 500; status += 250) {
        code = s3u_code_from_message(p, size, status == 250 ? 403 : status);
        if (code != NULL) {
            FUZZ_CHECK(s3u_s3_error_status(code) != 0,
                       "code \"%s\" from a message is not a known code",
                       code);
        }
    }

    (void) s3u_known_code(p, size);
    status = s3u_parse_status(p, end);
    FUZZ_CHECK(status == 0 || (status >= 100 && status <= 599),
               "status %d", status);
    e = s3u_code_end(p, end);
    FUZZ_CHECK(e >= p && e <= end, "code end outside the input");

    text = fuzz_strndup(data, size < 200 ? size : 200);
    status = s3u_s3_error_status(text);
    FUZZ_CHECK(status == 0 || (status >= 300 && status <= 599),
               "S3 status %d for a code", status);
    free(text);

    fuzz_field_set(data, size);

    return 0;
}
