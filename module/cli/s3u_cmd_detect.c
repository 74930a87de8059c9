/*
 * s3-unmask detect [--status N] [--header 'Name: value']... [--json] FILE|-
 *
 * Runs the detectors on a saved body, as the module would on an upstream
 * response with that status and those headers.  A FILE that starts with
 * "# " is read in the error-corpus format: the "#" header lines and the
 * blank line after them are skipped, the rest is the body.
 *
 * Prints "denial|s3-error|none" and key=value pairs on one line, or with
 * --json one object.  Exit status: 0 denial, 1 anything else, 2 usage or
 * input error.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "cli/s3u_cli.h"
#include "detect/s3u_detect.h"
#include "detect/s3u_sfv.h"


#define S3U_DETECT_INPUT_MAX  (64 * 1024 * 1024)
#define S3U_DETECT_HEADERS    16


typedef struct {
    int                 json;
    const char         *file;
    s3u_detect_meta_t   meta;
} detect_args_t;


static int
usage(void)
{
    fprintf(stderr, "usage: s3-unmask detect [--status N]"
            " [--header 'Name: value']... [--json] FILE|-\n");
    return 2;
}


/* sets one of the response headers the detectors look at */
static int
set_header(detect_args_t *a, const char *line)
{
    size_t        nlen;
    const char   *colon, *v;
    s3u_slice_t  *slot;

    colon = strchr(line, ':');
    if (colon == NULL || colon == line) {
        fprintf(stderr, "s3-unmask detect: --header wants 'Name: value',"
                " got \"%s\"\n", line);
        return -1;
    }

    nlen = (size_t) (colon - line);
    v = colon + 1;
    while (*v == ' ' || *v == '\t') {
        v++;
    }

#define is_name(n)  (nlen == sizeof(n) - 1 && strncasecmp(line, n, nlen) == 0)

    if (is_name("X-Amz-Function-Error")) {
        slot = &a->meta.function_error;
    } else if (is_name("Content-Type")) {
        slot = &a->meta.content_type;
    } else if (is_name("x-amz-request-id")) {
        slot = &a->meta.amz_request_id;
    } else if (is_name("x-amz-id-2")) {
        slot = &a->meta.amz_id_2;
    } else {
        fprintf(stderr, "s3-unmask detect: header \"%.*s\" is not read by"
                " the detectors; ignored\n", (int) nlen, line);
        return 0;
    }

#undef is_name

    slot->data = v;
    slot->len = strlen(v);
    return 0;
}


static int
parse_args(int argc, char **argv, detect_args_t *a)
{
    int    i;
    long   n;
    char  *end;

    memset(a, 0, sizeof(*a));
    a->meta.status = 500;

    for (i = 1; i < argc; i++) {

        if (strcmp(argv[i], "--json") == 0) {
            a->json = 1;

        } else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc) {
            errno = 0;
            n = strtol(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || n < 100 || n > 599) {
                fprintf(stderr, "s3-unmask detect: bad --status \"%s\"\n",
                        argv[i]);
                return -1;
            }
            a->meta.status = (int) n;

        } else if (strcmp(argv[i], "--header") == 0 && i + 1 < argc) {
            if (set_header(a, argv[++i]) != 0) {
                return -1;
            }

        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "s3-unmask detect: unknown option \"%s\"\n",
                    argv[i]);
            return -1;

        } else if (a->file == NULL) {
            a->file = argv[i];

        } else {
            fprintf(stderr, "s3-unmask detect: one FILE only\n");
            return -1;
        }
    }

    return a->file ? 0 : -1;
}


static char *
read_all(const char *path, size_t *len)
{
    FILE    *f;
    char    *buf, *nbuf;
    size_t   size, n;

    f = (strcmp(path, "-") == 0) ? stdin : fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "s3-unmask detect: %s: %s\n", path, strerror(errno));
        return NULL;
    }

    size = 65536;
    n = 0;
    buf = malloc(size);

    while (buf != NULL) {
        n += fread(buf + n, 1, size - n, f);
        if (n < size) {
            break;
        }
        if (size >= S3U_DETECT_INPUT_MAX) {
            fprintf(stderr, "s3-unmask detect: %s: over %d bytes\n", path,
                    S3U_DETECT_INPUT_MAX);
            free(buf);
            buf = NULL;
            break;
        }
        nbuf = realloc(buf, size * 2);
        if (nbuf == NULL) {
            free(buf);
        }
        buf = nbuf;
        size *= 2;
    }

    if (buf != NULL && ferror(f)) {
        fprintf(stderr, "s3-unmask detect: %s: read error\n", path);
        free(buf);
        buf = NULL;
    }

    if (f != stdin) {
        fclose(f);
    }

    *len = n;
    return buf;
}


/* the body of a corpus file: after the "# " lines and one blank line */
static const char *
corpus_body(const char *p, size_t *len)
{
    const char  *end, *nl;

    end = p + *len;

    if (*len < 2 || p[0] != '#' || p[1] != ' ') {
        return p;
    }

    while (p < end && *p == '#') {
        nl = memchr(p, '\n', (size_t) (end - p));
        p = nl ? nl + 1 : end;
    }

    if (p < end && *p == '\r') {
        p++;
    }
    if (p < end && *p == '\n') {
        p++;
    }

    *len = (size_t) (end - p);
    return p;
}


static const char *
shown_layer(const s3u_finding_t *f)
{
    if (f->layer[0] != '\0') {
        return f->layer;
    }

    return f->verdict == S3U_VERDICT_DENIAL ? "unknown" : "";
}


/* what the gateway would send: 403 for a denial, else the upstream's */
static int
gateway_status(const s3u_finding_t *f, int upstream)
{
    return f->verdict == S3U_VERDICT_DENIAL ? 403 : upstream;
}


static void
print_pair(const char *key, const char *value)
{
    const char  *p;

    if (value == NULL || value[0] == '\0') {
        return;
    }

    if (strpbrk(value, " \"\\") == NULL) {
        printf(" %s=%s", key, value);
        return;
    }

    printf(" %s=\"", key);
    for (p = value; *p; p++) {
        if (*p == '"' || *p == '\\') {
            putchar('\\');
        }
        putchar(*p);
    }
    putchar('"');
}


static void
print_line(const s3u_finding_t *f, int upstream)
{
    printf("%s", s3u_verdict_name(f->verdict));
    print_pair("code", f->code);
    print_pair("service", f->service);
    print_pair("layer", shown_layer(f));
    print_pair("decision", s3u_decision_name(f->decision));
    print_pair("request-id", f->request_id);
    print_pair("host-id", f->host_id);
    printf(" status=%d", gateway_status(f, upstream));
    print_pair("format", f->format);
    printf("\n");
}


static void
add_string(cJSON *obj, const char *key, const char *value)
{
    if (value != NULL && value[0] != '\0') {
        cJSON_AddStringToObject(obj, key, value);
    } else {
        cJSON_AddNullToObject(obj, key);
    }
}


static int
print_json(const s3u_finding_t *f, int upstream)
{
    char   *text;
    cJSON  *o;

    o = cJSON_CreateObject();
    if (o == NULL) {
        return -1;
    }

    add_string(o, "verdict", s3u_verdict_name(f->verdict));
    add_string(o, "code", f->code);
    add_string(o, "service", f->service);
    add_string(o, "layer", shown_layer(f));
    add_string(o, "decision", s3u_decision_name(f->decision));
    add_string(o, "source", f->verdict == S3U_VERDICT_NONE
                            ? "" : s3u_source_name(f->source));
    add_string(o, "request_id", f->request_id);
    add_string(o, "host_id", f->host_id);
    add_string(o, "principal", f->principal);
    add_string(o, "action", f->action);
    add_string(o, "resource", f->resource);
    add_string(o, "message", f->message);
    cJSON_AddNumberToObject(o, "status", gateway_status(f, upstream));
    cJSON_AddNumberToObject(o, "upstream_status", upstream);
    if (f->s3_status != 0) {
        cJSON_AddNumberToObject(o, "s3_status", f->s3_status);
    } else {
        cJSON_AddNullToObject(o, "s3_status");
    }
    cJSON_AddBoolToObject(o, "parsed", f->parsed);
    add_string(o, "format", f->format);

    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (text == NULL) {
        return -1;
    }

    printf("%s\n", text);
    cJSON_free(text);
    return 0;
}


int
s3u_cmd_detect(int argc, char **argv)
{
    char           *data;
    size_t          len;
    const char     *body;
    detect_args_t   a;
    s3u_finding_t   f;

    if (parse_args(argc, argv, &a) != 0) {
        return usage();
    }

    data = read_all(a.file, &len);
    if (data == NULL) {
        return 2;
    }

    body = corpus_body(data, &len);
    s3u_detect(body, len, &a.meta, &f);

    if (a.json) {
        if (print_json(&f, a.meta.status) != 0) {
            free(data);
            fprintf(stderr, "s3-unmask detect: out of memory\n");
            return 2;
        }
    } else {
        print_line(&f, a.meta.status);
    }

    free(data);
    return f.verdict == S3U_VERDICT_DENIAL ? 0 : 1;
}
