/*
 * A strict reader for S3's XML error document, and only for that:
 *
 *   [<?xml ...?>] <Error> <Code>..</Code> <Message>..</Message> ... </Error>
 *
 * Well-formedness is checked (balanced tags, one root, nothing but
 * whitespace and comments after it, attributes well quoted, only the five
 * predefined entities and character references, no DOCTYPE, depth at most
 * S3U_XML_MAX_DEPTH); the text of the root's child elements that the
 * caller asks for is decoded into the caller's buffers.  Nothing is
 * allocated and no byte past len is read.
 */

#ifndef S3U_XML_H
#define S3U_XML_H

#include <stddef.h>

#define S3U_XML_MAX_DEPTH  32

typedef enum {
    S3U_XML_OK = 0,
    S3U_XML_EMPTY,          /* nothing but whitespace */
    S3U_XML_MALFORMED,      /* not well-formed XML */
    S3U_XML_TOO_DEEP,       /* nesting over S3U_XML_MAX_DEPTH */
    S3U_XML_NOT_ERROR       /* well-formed, but the root is not <Error> */
} s3u_xml_rc_e;

/*
 * One child element of <Error> wanted by the caller.  Names compare
 * exactly; when no child matches exactly, a child whose name differs only
 * in case is taken (some S3 imitations write <code>).  The decoded text has
 * its control bytes removed and whitespace folded (s3u_field_set rules).
 */
typedef struct {
    const char  *name;
    char        *buf;
    size_t       size;
    int          found;      /* 0 none, 1 case variant, 2 exact */
} s3u_xml_field_t;

s3u_xml_rc_e s3u_xml_read_error(const char *doc, size_t len,
    s3u_xml_field_t *fields, size_t nfields);

const char *s3u_xml_rc_name(s3u_xml_rc_e rc);

#endif /* S3U_XML_H */
