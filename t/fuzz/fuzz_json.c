/*
 * libFuzzer target: JSON with source positions (policy/s3u_json_pos.h),
 * the reader under every policy, policy-set and scenario file.  Its own
 * scanner runs before cJSON (depth and size limits, offsets of every
 * value), so it sees raw hostile text first.
 *
 * Contracts checked: a refusal has a message and a position inside the
 * text; in a parsed document every node (and every member name) has a
 * position inside the text, or 0:0; JSON held in a string parses as an
 * inner document whose positions map into the same text; lookups and
 * error formatting stay inside their buffers.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "policy/s3u_json_pos.h"

#include "fuzz_util.h"


typedef struct {
    unsigned  lines;
    unsigned  longest;      /* longest line, in bytes */
    unsigned  inner_docs;   /* string values parsed as JSON, bounded */
} fuzz_json_text_t;


static void
fuzz_json_measure(const uint8_t *data, size_t size, fuzz_json_text_t *t)
{
    size_t    i;
    unsigned  col = 0;

    t->lines = 1;
    t->longest = 0;
    t->inner_docs = 0;

    for (i = 0; i < size; i++) {
        if (data[i] == '\n') {
            t->lines++;
            col = 0;
        } else {
            col++;
            if (col > t->longest) {
                t->longest = col;
            }
        }
    }
}


static void
fuzz_json_where_ok(const s3u_json_doc_t *doc, const cJSON *node, int name,
    const fuzz_json_text_t *t)
{
    unsigned  line, column;

    s3u_json_where(doc, node, name, &line, &column);

    if (line == 0) {
        FUZZ_CHECK(column == 0, "line 0 with column %u", column);
        return;
    }

    FUZZ_CHECK(line <= t->lines, "node at line %u of %u", line, t->lines);
    /* columns count from 1; one past the end of the longest line at most */
    FUZZ_CHECK(column >= 1 && column <= t->longest + 1,
               "node at column %u, longest line %u", column, t->longest);
}


static void
fuzz_json_walk(const s3u_json_doc_t *doc, const cJSON *node,
    const fuzz_json_text_t *t, fuzz_json_text_t *counter, int depth)
{
    const cJSON     *child;
    s3u_error_t      err;
    s3u_json_doc_t  *inner;

    FUZZ_CHECK(depth <= S3U_JSON_MAX_DEPTH + 1,
               "a document nested %d deep was accepted", depth);

    fuzz_json_where_ok(doc, node, 0, t);
    if (node->string != NULL) {
        fuzz_json_where_ok(doc, node, 1, t);
    }

    if (cJSON_IsString(node) && node->valuestring != NULL
        && counter->inner_docs < 8)
    {
        counter->inner_docs++;
        memset(&err, 0, sizeof(err));
        inner = s3u_json_parse_inner(doc, node, &err);
        if (inner == NULL) {
            FUZZ_CHECK(err.message[0] != '\0'
                       && memchr(err.message, '\0', sizeof(err.message)),
                       "inner refusal without a message");
            FUZZ_CHECK(err.line <= t->lines, "inner error at line %u of %u",
                       err.line, t->lines);
        } else {
            /* inner positions map into the outer text */
            fuzz_json_where_ok(inner, s3u_json_root(inner), 0, t);
            s3u_json_free(inner);
        }
    }

    for (child = node->child; child != NULL; child = child->next) {
        if (cJSON_IsObject(node) && child->string != NULL) {
            /* s3u_json_get is case-sensitive and finds the first member */
            FUZZ_CHECK(s3u_json_get(node, child->string) != NULL,
                       "member \"%s\" not found by name", child->string);
        }
        fuzz_json_walk(doc, child, t, counter, depth + 1);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char               buf[1200], *tiny;
    s3u_error_t        err;
    s3u_json_doc_t    *doc;
    fuzz_json_text_t   t, counter;

    fuzz_json_measure(data, size, &t);
    memset(&err, 0, sizeof(err));
    memset(&counter, 0, sizeof(counter));

    doc = s3u_json_parse("fuzz.json", (const char *) data, size, &err);
    if (doc == NULL) {
        FUZZ_CHECK(err.message[0] != '\0'
                   && memchr(err.message, '\0', sizeof(err.message)) != NULL,
                   "refusal without a message");
        FUZZ_CHECK(err.line <= t.lines, "error at line %u of %u", err.line,
                   t.lines);
        FUZZ_CHECK(err.line == 0 || err.column <= t.longest + 1,
                   "error at column %u, longest line %u", err.column,
                   t.longest);

        s3u_error_format(&err, buf, sizeof(buf));
        FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)) != NULL, "format overran");
        tiny = malloc(3);
        if (tiny == NULL) {
            abort();
        }
        s3u_error_format(&err, tiny, 3);
        FUZZ_CHECK(memchr(tiny, '\0', 3) != NULL, "short format overran");
        free(tiny);
        return 0;
    }

    FUZZ_CHECK(s3u_json_root(doc) != NULL, "a parsed document without root");
    FUZZ_CHECK(strcmp(s3u_json_file(doc), "fuzz.json") == 0,
               "file name not kept");

    fuzz_json_walk(doc, s3u_json_root(doc), &t, &counter, 0);

    s3u_json_free(doc);
    return 0;
}
