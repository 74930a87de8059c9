/*
 * libFuzzer target: the detectors' JSON reader (detect/s3u_json_scan.h)
 * on its own, with cJSON, the parser the detectors used before it, as the
 * oracle of the language it keeps.
 *
 * The input is any text.  Contracts checked: it is accepted exactly when
 * cJSON accepts it, the value ending at the same byte (not compared for
 * an input holding a \u escape with non-hex digits, which cJSON read as
 * U+0000, or nested deeper than the reader's limit can be); in an
 * accepted document every value has cJSON's type and lies inside its
 * container, members and elements come in cJSON's order with the same
 * names, texts (unescaped, cut at a NUL) and numbers; the members noted
 * by the check and by s3u_json_members are those
 * cJSON_GetObjectItemCaseSensitive finds; every text decoded is given
 * back with its mark.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "detect/s3u_json_scan.h"

#include "fuzz_util.h"


static int
fuzz_type(const cJSON *c)
{
    if (c == NULL) {
        return S3U_JSON_NONE;
    }

    switch (c->type & 0xff) {
    case cJSON_False:
        return S3U_JSON_FALSE;
    case cJSON_True:
        return S3U_JSON_TRUE;
    case cJSON_NULL:
        return S3U_JSON_NULL;
    case cJSON_Number:
        return S3U_JSON_NUMBER;
    case cJSON_String:
        return S3U_JSON_STRING;
    case cJSON_Array:
        return S3U_JSON_ARRAY;
    case cJSON_Object:
        return S3U_JSON_OBJECT;
    }

    return -1;
}


static void
fuzz_text_is(const s3u_json_value_t *v, const char *want, const char *what)
{
    size_t           len;
    const char      *s;
    s3u_json_mark_t  m;

    m = s3u_json_mark();
    FUZZ_CHECK(s3u_json_text(v, &s, &len) == 0, "%s: no text", what);
    FUZZ_CHECK(len == strlen(want) && memcmp(s, want, len) == 0,
               "%s: text \"%.*s\", cJSON \"%s\"", what, (int) len, s, want);
    s3u_json_release(m);
}


/* a scalar against cJSON's; containers by type only */
static void
fuzz_scalar_is(const s3u_json_value_t *v, const cJSON *c, const char *what)
{
    double  d;

    FUZZ_CHECK(v->type == fuzz_type(c), "%s: type %d, cJSON's %d", what,
               v->type, fuzz_type(c));

    if (v->type == S3U_JSON_STRING) {
        fuzz_text_is(v, c->valuestring, what);

    } else if (v->type == S3U_JSON_NUMBER) {
        d = s3u_json_number(v);
        FUZZ_CHECK(d == c->valuedouble
                   || (isnan(d) && isnan(c->valuedouble)),
                   "%s: number %.17g, cJSON %.17g", what, d, c->valuedouble);
    }
}


/* the distinct member names of an object, as a table to look up (names
 * longer than a table takes are left out) */
typedef struct {
    s3u_json_name_t   names[S3U_JSON_NAMES_MAX];
    s3u_json_names_t  t;
} fuzz_names_t;


static void
fuzz_names(const cJSON *obj, fuzz_names_t *fn)
{
    size_t        n, i, len;
    const cJSON  *c;

    memset(fn, 0, sizeof(*fn));
    n = 0;

    for (c = obj->child; c != NULL && n < S3U_JSON_NAMES_MAX; c = c->next) {
        len = strlen(c->string);
        if (len > S3U_JSON_NAME_MAX) {
            continue;
        }
        for (i = 0; i < n; i++) {
            if (strcmp(fn->names[i].name, c->string) == 0) {
                break;
            }
        }
        if (i == n) {
            fn->names[n].name = c->string;
            fn->names[n].len = len;
            n++;
        }
    }

    fn->t.names = fn->names;
    fn->t.n = n;
}


static void
fuzz_found_are(const fuzz_names_t *fn, const cJSON *obj,
    const s3u_json_value_t *found, const char *what)
{
    size_t  i;

    for (i = 0; i < fn->t.n; i++) {
        fuzz_scalar_is(&found[i], cJSON_GetObjectItemCaseSensitive(obj,
                       fn->names[i].name), what);
    }
}


/* out of line: the recursion below keeps small frames */
static __attribute__((noinline)) void
fuzz_members_are(const s3u_json_value_t *v, const cJSON *c)
{
    fuzz_names_t      fn;
    s3u_json_value_t  found[S3U_JSON_NAMES_MAX];

    fuzz_names(c, &fn);
    s3u_json_members(v, &fn.t, found);
    fuzz_found_are(&fn, c, found, "member");
}


static void
fuzz_compare(const s3u_json_value_t *v, const cJSON *c)
{
    const cJSON       *child;
    s3u_json_iter_t    it;
    s3u_json_value_t   key, val;

    fuzz_scalar_is(v, c, "value");

    if (v->type != S3U_JSON_ARRAY && v->type != S3U_JSON_OBJECT) {
        return;
    }

    child = c->child;
    s3u_json_iter(&it, v);

    while (s3u_json_next(&it, &key, &val)) {
        FUZZ_CHECK(child != NULL, "more members or elements than cJSON's");
        FUZZ_CHECK(val.p > v->p && val.end < v->end && val.p < val.end,
                   "a value outside its container");

        if (v->type == S3U_JSON_OBJECT) {
            FUZZ_CHECK(key.p > v->p && key.end <= val.p, "a name out of place");
            fuzz_text_is(&key, child->string, "name");
        }

        fuzz_compare(&val, child);
        child = child->next;
    }

    FUZZ_CHECK(child == NULL, "fewer members or elements than cJSON's");

    if (v->type == S3U_JSON_OBJECT) {
        fuzz_members_are(v, c);
    }
}


/* a \u escape whose four characters are not all hex digits, where cJSON
 * and the reader part ways on purpose (approximate: any such bytes) */
static int
fuzz_bad_hex(const uint8_t *data, size_t size)
{
    size_t  i, j;

    for (i = 0; i + 1 < size; i++) {
        if (data[i] != '\\' || data[i + 1] != 'u') {
            continue;
        }
        for (j = i + 2; j < i + 6; j++) {
            if (j >= size || !((data[j] >= '0' && data[j] <= '9')
                               || ((data[j] | 0x20) >= 'a'
                                   && (data[j] | 0x20) <= 'f')))
            {
                return 1;
            }
        }
    }

    return 0;
}


static size_t
fuzz_brackets(const uint8_t *data, size_t size)
{
    size_t  i, n;

    for (i = 0, n = 0; i < size; i++) {
        n += (data[i] == '[' || data[i] == '{');
    }

    return n;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char              *copy;
    cJSON             *tree;
    const char        *end, *cjson_end;
    fuzz_names_t       fn;
    s3u_json_mark_t    before, checked, after, m;
    s3u_json_value_t   root, again, found[S3U_JSON_NAMES_MAX];

    /* an exact-size copy: a read past the end is an ASan report */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        abort();
    }
    if (size) {
        memcpy(copy, data, size);
    }

    before = s3u_json_mark();

    cjson_end = NULL;
    tree = cJSON_ParseWithLengthOpts(copy, size, &cjson_end, 0);

    memset(&fn, 0, sizeof(fn));
    if (tree != NULL && cJSON_IsObject(tree)) {
        fuzz_names(tree, &fn);
    }

    end = s3u_json_check(copy, copy + size, S3U_JSON_DEPTH_MAX, &root,
                         &fn.t, found);
    checked = s3u_json_mark();

    if (!fuzz_bad_hex(data, size)
        && fuzz_brackets(data, size) <= S3U_JSON_DEPTH_MAX)
    {
        FUZZ_CHECK((end != NULL) == (tree != NULL),
                   "accepted %d, cJSON %d", end != NULL, tree != NULL);
        if (tree != NULL) {
            FUZZ_CHECK(end == cjson_end, "the value ends at %td, cJSON's"
                       " at %td", end - copy, cjson_end - copy);
        }
    }

    if (end != NULL) {
        FUZZ_CHECK(root.p >= copy && root.end == end && root.p < end,
                   "root span outside the input");

        /* a value is a document of its own */
        m = s3u_json_mark();
        FUZZ_CHECK(s3u_json_check(root.p, root.end, S3U_JSON_DEPTH_MAX,
                                  &again, NULL, NULL) == root.end
                   && again.p == root.p && again.type == root.type,
                   "the root read again is not the same");
        s3u_json_release(m);
    }

    if (end != NULL && tree != NULL) {
        fuzz_compare(&root, tree);
        if (root.type == S3U_JSON_OBJECT) {
            fuzz_found_are(&fn, tree, found, "root member");
        }
    }

    after = s3u_json_mark();
    FUZZ_CHECK(after.used == checked.used && after.heap == checked.heap,
               "the scratch is not back to its mark");

    s3u_json_release(before);

    cJSON_Delete(tree);
    free(copy);

    return 0;
}
