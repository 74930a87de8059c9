/*
 * libFuzzer target: the strict S3 XML error reader (detect/s3u_xml.h).
 *
 * The input is the whole document.  Each wanted field gets its own heap
 * buffer of exactly its size, some of them tiny, so that a write past a
 * field or a cut that forgets the NUL is an ASan report.  Contracts
 * checked: the result code is one of the enum, "found" is 0, 1 or 2, a
 * field found in a document that was read is NUL-terminated inside its
 * buffer and holds no control byte, and reading twice gives the same
 * answer.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/s3u_xml.h"

#include "fuzz_util.h"


#define FUZZ_XML_NFIELDS  5

static const struct {
    const char  *name;
    size_t       size;
} fuzz_xml_wanted[FUZZ_XML_NFIELDS] = {
    { "Code", 64 },
    { "Message", 9 },           /* cut mid-sentence, maybe mid-UTF-8 */
    { "RequestId", 1 },         /* room for the NUL only */
    { "HostId", 256 },
    { "Resource", 2 },
};


static s3u_xml_rc_e
fuzz_xml_read(const uint8_t *data, size_t size, s3u_xml_field_t *fields,
    char **bufs)
{
    size_t  i;

    for (i = 0; i < FUZZ_XML_NFIELDS; i++) {
        bufs[i] = malloc(fuzz_xml_wanted[i].size);
        if (bufs[i] == NULL) {
            abort();
        }
        /* garbage, not zeroes: the reader must terminate what it writes */
        memset(bufs[i], 'X', fuzz_xml_wanted[i].size);
        fields[i].name = fuzz_xml_wanted[i].name;
        fields[i].buf = bufs[i];
        fields[i].size = fuzz_xml_wanted[i].size;
        fields[i].found = 0;
    }

    return s3u_xml_read_error((const char *) data, size, fields,
                              FUZZ_XML_NFIELDS);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t           i;
    char            *bufs[FUZZ_XML_NFIELDS], *again[FUZZ_XML_NFIELDS];
    s3u_xml_rc_e     rc, rc2;
    s3u_xml_field_t  fields[FUZZ_XML_NFIELDS], fields2[FUZZ_XML_NFIELDS];

    rc = fuzz_xml_read(data, size, fields, bufs);

    FUZZ_CHECK(rc == S3U_XML_OK || rc == S3U_XML_EMPTY
               || rc == S3U_XML_MALFORMED || rc == S3U_XML_TOO_DEEP
               || rc == S3U_XML_NOT_ERROR, "result %d out of range", (int) rc);
    FUZZ_CHECK(s3u_xml_rc_name(rc) != NULL, "no name for result %d", (int) rc);

    for (i = 0; i < FUZZ_XML_NFIELDS; i++) {
        FUZZ_CHECK(fields[i].found >= 0 && fields[i].found <= 2,
                   "%s: found %d", fields[i].name, fields[i].found);

        /* on a refusal the fields may hold a partial value: only a
         * document that was read promises complete, terminated text */
        if (rc == S3U_XML_OK && fields[i].found) {
            FUZZ_CHECK(memchr(bufs[i], '\0', fuzz_xml_wanted[i].size) != NULL,
                       "%s is not NUL-terminated", fields[i].name);
            FUZZ_CHECK(!fuzz_has_control(bufs[i]),
                       "control byte in %s", fields[i].name);
        }
    }

    /* no hidden state: the same input gives the same answer */
    rc2 = fuzz_xml_read(data, size, fields2, again);
    FUZZ_CHECK(rc2 == rc, "second read gave %d, first %d", (int) rc2,
               (int) rc);

    for (i = 0; i < FUZZ_XML_NFIELDS; i++) {
        FUZZ_CHECK(fields2[i].found == fields[i].found,
                   "%s: found differs between reads", fields[i].name);
        if (rc == S3U_XML_OK && fields[i].found) {
            FUZZ_CHECK(strcmp(bufs[i], again[i]) == 0,
                       "%s differs between reads", fields[i].name);
        }
        free(bufs[i]);
        free(again[i]);
    }

    return 0;
}
