/*
 * JSON documents with source positions.  cJSON builds the tree but keeps
 * no line or column, so a small scanner of our own records the byte
 * offset of every value (and of its member name) in document order; a
 * pre-order walk of the cJSON tree visits values in that same order, so
 * the n-th node owns the n-th offset.  Every error the policy code reports
 * goes through here and reads "FILE:LINE:COLUMN: message".
 *
 * Pure C, no nginx headers.
 */

#ifndef S3U_JSON_POS_H
#define S3U_JSON_POS_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* deepest nesting accepted before cJSON sees the text (it recurses) */
#define S3U_JSON_MAX_DEPTH  64
/* largest document accepted */
#define S3U_JSON_MAX_SIZE   (32u * 1024 * 1024)

typedef struct {
    char      file[512];
    unsigned  line;
    unsigned  column;
    char      message[512];
} s3u_error_t;

typedef struct s3u_json_doc_s  s3u_json_doc_t;

/* text need not be NUL terminated; the document keeps its own copy */
s3u_json_doc_t *s3u_json_parse(const char *file, const char *text,
    size_t len, s3u_error_t *err);
s3u_json_doc_t *s3u_json_parse_file(const char *path, s3u_error_t *err);

/*
 * Parses the JSON held in a string value of another document (the AWS
 * CLI's {"Policy": "<json>"}); positions map back into the outer file.
 */
s3u_json_doc_t *s3u_json_parse_inner(const s3u_json_doc_t *outer,
    const cJSON *string_node, s3u_error_t *err);

void s3u_json_free(s3u_json_doc_t *doc);

const cJSON *s3u_json_root(const s3u_json_doc_t *doc);
const char *s3u_json_file(const s3u_json_doc_t *doc);

/* position of a value; of its member name when name is set (0:0 unknown) */
void s3u_json_where(const s3u_json_doc_t *doc, const cJSON *node,
    int name, unsigned *line, unsigned *column);

/* fills err with FILE, the node's position and the message; returns -1 */
int s3u_json_fail(s3u_error_t *err, const s3u_json_doc_t *doc,
    const cJSON *node, int name, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "FILE:LINE:COLUMN: message" */
void s3u_error_format(const s3u_error_t *err, char *buf, size_t size);

/* error without a JSON node (missing file, ...): line and column 0 */
int s3u_error_set(s3u_error_t *err, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* case-sensitive member lookup (cJSON_GetObjectItem folds case) */
const cJSON *s3u_json_get(const cJSON *obj, const char *name);

/* manifests and scenarios refuse unknown members, so a typo cannot change
 * their meaning: -1 with "unknown key \"K\" in WHAT" at the member name */
int s3u_json_known_keys(s3u_error_t *err, const s3u_json_doc_t *doc,
    const cJSON *obj, const char *what, const char *const *known, size_t n);

/* dir/name, or name alone when it is absolute or dir is NULL; -1 when it
 * does not fit */
int s3u_path_join(char *out, size_t size, const char *dir, const char *name);

#endif /* S3U_JSON_POS_H */
