/*
 * The strict S3 error document reader: what it reads, what it refuses.
 */

#include <stdlib.h>
#include <string.h>

#include "detect/s3u_xml.h"
#include "unit.h"


typedef struct {
    char             code[64];
    char             message[128];
    char             request_id[32];
    char             host_id[64];
    s3u_xml_field_t  f[4];
} doc_t;


/* reads text (through an exact-size copy, so a read past len is caught
 * by valgrind) with the four usual fields */
static s3u_xml_rc_e
read_doc(const char *text, size_t len, doc_t *d)
{
    char          *copy;
    s3u_xml_rc_e   rc;

    memset(d, 0, sizeof(*d));
    d->f[0] = (s3u_xml_field_t) { "Code", d->code, sizeof(d->code), 0 };
    d->f[1] = (s3u_xml_field_t) { "Message", d->message,
                                  sizeof(d->message), 0 };
    d->f[2] = (s3u_xml_field_t) { "RequestId", d->request_id,
                                  sizeof(d->request_id), 0 };
    d->f[3] = (s3u_xml_field_t) { "HostId", d->host_id, sizeof(d->host_id),
                                  0 };

    copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    rc = s3u_xml_read_error(copy, len, d->f, 4);
    free(copy);

    return rc;
}


static s3u_xml_rc_e
read_str(const char *text, doc_t *d)
{
    return read_doc(text, strlen(text), d);
}


static void
test_well_formed(void)
{
    doc_t  d;

    UNIT_INT(read_str("<Error><Code>AccessDenied</Code><Message>Access Denied"
                      "</Message><RequestId>R1</RequestId><HostId>H1</HostId>"
                      "</Error>", &d), S3U_XML_OK, "single-line document");
    UNIT_STR(d.code, "AccessDenied", "Code read");
    UNIT_STR(d.message, "Access Denied", "Message read");
    UNIT_STR(d.request_id, "R1", "RequestId read");
    UNIT_STR(d.host_id, "H1", "HostId read");
    UNIT_INT(d.f[0].found, 2, "exact name match is marked 2");

    UNIT_INT(read_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<Error>\n  <Code>\n    NoSuchKey\n  </Code>\n"
                      "  <Key>a/b</Key>\n</Error>\n", &d),
             S3U_XML_OK, "declaration, pretty-printing, unknown element");
    UNIT_STR(d.code, "NoSuchKey", "whitespace around a value is trimmed");
    UNIT_INT(d.f[1].found, 0, "absent Message is not found");
    UNIT_STR(d.message, "", "absent Message is empty");

    UNIT_INT(read_str("\xef\xbb\xbf<!-- c --><Error><Code>X</Code></Error>"
                      "<!-- after -->  \n", &d),
             S3U_XML_OK, "BOM and comments before and after the root");
    UNIT_STR(d.code, "X", "code after a comment");

    UNIT_INT(read_str("<Error><Message>  Access\n\t  Denied \r\n</Message>"
                      "</Error>", &d), S3U_XML_OK, "wrapped message");
    UNIT_STR(d.message, "Access Denied", "whitespace runs folded to one space");

    UNIT_INT(read_str("<Error><Message><![CDATA[a <b> & c]]> tail</Message>"
                      "</Error>", &d), S3U_XML_OK, "CDATA");
    UNIT_STR(d.message, "a <b> & c tail", "CDATA kept verbatim");

    UNIT_INT(read_str("<Error><Message>a<i>inner</i>c</Message><HostId/>"
                      "</Error>", &d), S3U_XML_OK, "child elements and empty tag");
    UNIT_STR(d.message, "ac", "only the field's own text is read");
    UNIT_INT(d.f[3].found, 2, "self-closing HostId is found");
    UNIT_STR(d.host_id, "", "self-closing HostId is empty");

    UNIT_INT(read_str("<Error xmlns='urn:x' a=\"1\"><Code k = \"v&amp;w\">C"
                      "</Code ></Error >", &d), S3U_XML_OK, "attributes");
    UNIT_STR(d.code, "C", "value with attributes on its element");
}


static void
test_entities(void)
{
    doc_t  d;

    UNIT_INT(read_str("<Error><Message>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;"
                      "&#xE9;&#x1F600;</Message></Error>", &d),
             S3U_XML_OK, "all entity kinds");
    UNIT_STR(d.message, "<>&\"'AB\xc3\xa9\xf0\x9f\x98\x80",
             "entities decoded, character references as UTF-8");

    UNIT_INT(read_str("<Error><Message>a&#10;b&#13;&#10;c&#9;d</Message></Error>",
                      &d), S3U_XML_OK, "line-break references");
    UNIT_STR(d.message, "a b c d", "references to CR/LF/TAB become spaces");

    UNIT_INT(read_str("<Error><Message>&nbsp;</Message></Error>", &d),
             S3U_XML_MALFORMED, "undeclared entity refused");
    UNIT_INT(read_str("<Error><Message>a & b</Message></Error>", &d),
             S3U_XML_MALFORMED, "bare ampersand refused");
    UNIT_INT(read_str("<Error><Message>&#0;</Message></Error>", &d),
             S3U_XML_MALFORMED, "&#0; refused");
    UNIT_INT(read_str("<Error><Message>&#xD800;</Message></Error>", &d),
             S3U_XML_MALFORMED, "surrogate reference refused");
    UNIT_INT(read_str("<Error><Message>&#x110000;</Message></Error>", &d),
             S3U_XML_MALFORMED, "reference past U+10FFFF refused");
    UNIT_INT(read_str("<Error><Message>&#;</Message></Error>", &d),
             S3U_XML_MALFORMED, "empty reference refused");
    UNIT_INT(read_str("<Error><Message>&#12a;</Message></Error>", &d),
             S3U_XML_MALFORMED, "bad digit refused");
    UNIT_INT(read_str("<Error><Message>&#1234567890;</Message></Error>", &d),
             S3U_XML_MALFORMED, "overlong reference refused");
    UNIT_INT(read_str("<Error><Message>a\x01</Message></Error>", &d),
             S3U_XML_MALFORMED, "control byte in text refused");
}


static void
test_malformed(void)
{
    static const char *bad[] = {
        "<Error><Code>AccessDenied</Message></Error>",
        "<Error><Code>AccessDenied</Code>",
        "<Error><Code>AccessDenied</Code></Error></Error>",
        "<Error></Error><Error></Error>",
        "<Error></Error>garbage",
        "junk<Error></Error>",
        "<Error><?pi x?></Error>",
        "<!DOCTYPE Error [<!ENTITY x \"y\">]><Error>&x;</Error>",
        "<Error a=1></Error>",
        "<Error a=\"1\"b=\"2\"></Error>",
        "<Error a=\"<\"></Error>",
        "<Error a=\"1></Error>",
        "<Error/",
        "<Error><1x></1x></Error>",
        "<Error><![CDATA[ open </Error>",
        "<![CDATA[x]]><Error/>",
        "<Error><!-- open </Error>",
        "<?xml version=\"1.0\"",
        "<?xml version=\"1.0\"?>",
        "<Error></ Error>",
        "<",
        "</Error>",
        "<Error",
    };
    size_t  i;
    doc_t   d;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        UNIT_INT(read_str(bad[i], &d), S3U_XML_MALFORMED, "refused: %s",
                 bad[i]);
    }

    UNIT_INT(read_str("", &d), S3U_XML_EMPTY, "empty input");
    UNIT_INT(read_str(" \n\t ", &d), S3U_XML_EMPTY, "whitespace only");
    UNIT_INT(read_str("<ErrorResponse><Error><Code>AccessDenied</Code></Error>"
                      "</ErrorResponse>", &d),
             S3U_XML_NOT_ERROR, "another root is well-formed, not ours");
    UNIT_STR(d.code, "", "nothing read under another root");

    /* len is respected: the same bytes cut before the end are refused */
    UNIT_INT(read_doc("<Error><Code>X</Code></Error>", 22, &d),
             S3U_XML_MALFORMED, "a document cut by len is not complete");
}


static void
test_depth(void)
{
    char    buf[1024];
    size_t  n;
    int     i, levels;
    doc_t   d;

    for (levels = S3U_XML_MAX_DEPTH; levels <= S3U_XML_MAX_DEPTH + 1; levels++) {
        n = 0;
        n += (size_t) sprintf(buf + n, "<Error>");
        for (i = 1; i < levels; i++) {
            n += (size_t) sprintf(buf + n, "<a>");
        }
        for (i = 1; i < levels; i++) {
            n += (size_t) sprintf(buf + n, "</a>");
        }
        n += (size_t) sprintf(buf + n, "</Error>");

        UNIT_INT(read_doc(buf, n, &d),
                 levels <= S3U_XML_MAX_DEPTH ? S3U_XML_OK : S3U_XML_TOO_DEEP,
                 "%d levels of nesting", levels);
    }
}


static void
test_deep_input(void)
{
    char    *buf;
    size_t   i, n;
    doc_t    d;

    n = 300000;
    buf = malloc(n);
    for (i = 0; i + 3 <= n; i += 3) {
        memcpy(buf + i, "<a>", 3);
    }

    UNIT_INT(read_doc(buf, i, &d), S3U_XML_TOO_DEEP,
             "100,000 open tags stop at the depth limit");
    free(buf);
}


static void
test_case_variants(void)
{
    doc_t  d;

    UNIT_INT(read_str("<error><code>AccessDenied</code><requestid>r</requestid>"
                      "</error>", &d), S3U_XML_OK, "lower-case imitation");
    UNIT_STR(d.code, "AccessDenied", "case variant read as a fallback");
    UNIT_INT(d.f[0].found, 1, "case variant is marked 1");

    UNIT_INT(read_str("<Error><code>lower</code><Code>Exact</Code>"
                      "<CODE>upper</CODE></Error>", &d),
             S3U_XML_OK, "both spellings");
    UNIT_STR(d.code, "Exact", "the exact name wins over a variant");

    UNIT_INT(read_str("<Error><Code>First</Code><Code>Second</Code></Error>",
                      &d), S3U_XML_OK, "repeated element");
    UNIT_STR(d.code, "First", "the first of repeated elements is kept");
}


static void
test_cut_to_size(void)
{
    char             small[8];
    char             big[2100];
    size_t           i;
    s3u_xml_field_t  f;

    memcpy(big, "<Error><Message>", 16);
    for (i = 16; i < 16 + 2000; i++) {
        big[i] = (char) ('a' + i % 26);
    }
    memcpy(big + i, "</Message></Error>", 18);

    f = (s3u_xml_field_t) { "Message", small, sizeof(small), 0 };
    UNIT_INT(s3u_xml_read_error(big, i + 18, &f, 1), S3U_XML_OK,
             "long value into a small buffer");
    UNIT_INT(strlen(small), sizeof(small) - 1, "value cut at size - 1");
    UNIT_OK(memcmp(small, big + 16, 7) == 0, "cut keeps the beginning");
}


static void
test_every_prefix(void)
{
    static const char doc[] =
        "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>"
        "<Message>a &amp; b<![CDATA[c]]></Message><!-- x --></Error>";
    size_t  n, ok;
    doc_t   d;

    ok = 0;
    for (n = 0; n < sizeof(doc) - 1; n++) {
        if (read_doc(doc, n, &d) == S3U_XML_OK) {
            ok++;
        }
    }

    UNIT_INT(ok, 0, "no proper prefix of a document is accepted");
    UNIT_INT(read_doc(doc, sizeof(doc) - 1, &d), S3U_XML_OK,
             "the whole document is");
    UNIT_STR(d.message, "a & bc", "text, entity and CDATA joined");
}


static void
test_rc_names(void)
{
    UNIT_STR(s3u_xml_rc_name(S3U_XML_OK), "ok", "rc name ok");
    UNIT_STR(s3u_xml_rc_name(S3U_XML_TOO_DEEP), "too deep", "rc name too deep");
    UNIT_STR(s3u_xml_rc_name(S3U_XML_NOT_ERROR), "not an S3 error document",
             "rc name not error");
}


int
main(void)
{
    test_well_formed();
    test_entities();
    test_malformed();
    test_depth();
    test_deep_input();
    test_case_variants();
    test_cut_to_size();
    test_every_prefix();
    test_rc_names();

    return UNIT_DONE();
}
