/*
 * The detectors' entry point: chooses readers by the body's first byte and
 * falls back to reading it as text.  See s3u_detect.h.
 *
 *   '<'        the whole body as S3's XML error document
 *   '{' '[' '"'  JSON (Lambda payloads, Node SDK errors, an app's own JSON)
 *   otherwise, or when those are not well-formed: SDK texts and S3 XML
 *   quoted inside text (s3u_detect_text.c), then a JSON object after a
 *   log prefix
 */

#include <string.h>

#include "detect/s3u_detect.h"
#include "detect/s3u_detect_int.h"
#include "detect/s3u_scan.h"


static void
ids_from_headers(const s3u_detect_meta_t *meta, s3u_finding_t *out)
{
    if (out->request_id[0] == '\0' && meta->amz_request_id.len > 0) {
        s3u_field_set(out->request_id, sizeof(out->request_id),
                      meta->amz_request_id.data, meta->amz_request_id.len);
    }

    if (out->host_id[0] == '\0' && meta->amz_id_2.len > 0) {
        s3u_field_set(out->host_id, sizeof(out->host_id),
                      meta->amz_id_2.data, meta->amz_id_2.len);
    }
}


/* a JSON object after a log prefix ("ERROR Invoke Error {...}"): from the
 * first '{' to the last '}' */
static void
json_after_prefix(const char *body, const char *end, s3u_finding_t *out)
{
    const char     *open, *close;
    s3u_finding_t   json;

    open = memchr(body, '{', (size_t) (end - body));
    if (open == NULL || open == body) {
        return;                     /* no object, or the body was one */
    }

    for (close = end; close > open && close[-1] != '}'; close--) {
        /* void */
    }

    if (close > open
        && s3u_detect_json(open, (size_t) (close - open), &json, 1) == 1)
    {
        *out = json;
    }
}


/* the structured readers; 1 recognised, 0 parsed as nothing of ours,
 * -1 the body is not of that kind */
static int
read_document(const char *p, const char *end, s3u_finding_t *out)
{
    if (p == end) {
        return -1;
    }

    if (*p == '<') {
        return s3u_detect_xml_doc(p, (size_t) (end - p), out);
    }

    if (*p == '{' || *p == '[' || *p == '"') {
        return s3u_detect_json(p, (size_t) (end - p), out, 0);
    }

    return -1;
}


void
s3u_detect(const char *body, size_t len, const s3u_detect_meta_t *meta,
    s3u_finding_t *out)
{
    int            rc;
    const char    *p, *end;
    s3u_finding_t  doc;

    s3u_finding_clear(out);

    if (body == NULL || len == 0) {
        return;
    }

    end = body + len;
    p = body;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
        p += 3;
    }
    p = s3u_skip_space(p, end);

    rc = read_document(p, end, out);

    if (rc == 0 && out->format != NULL && strcmp(out->format, "xml") == 0) {
        /* well-formed XML of another kind (STS's ErrorResponse, XHTML):
         * an S3 error can still be quoted inside it */
        doc = *out;
        if (!s3u_detect_text(body, len, out)) {
            *out = doc;
        }

    } else if (rc == -1) {
        s3u_finding_clear(out);
        if (!s3u_detect_text(body, len, out)) {
            json_after_prefix(body, end, out);
        }
    }

    if (out->verdict == S3U_VERDICT_NONE) {
        /* a non-finding carries no values, only how the body was read */
        rc = out->parsed;
        p = out->format;
        s3u_finding_clear(out);
        out->parsed = rc;
        out->format = p;
        return;
    }

    if (meta != NULL) {
        ids_from_headers(meta, out);
    }
}
