/*
 * Helpers shared by the libFuzzer targets (header-only: each target is one
 * .c file linked with the core).  A target reports a broken contract with
 * FUZZ_CHECK, which aborts, so libFuzzer saves the input as a crash
 * exactly as it does for a sanitizer report.
 */

#ifndef S3U_FUZZ_UTIL_H
#define S3U_FUZZ_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/s3u_finding.h"


#define FUZZ_CHECK(cond, ...)                                                 \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "fuzz contract broken at %s:%d: %s\n  ",          \
                    __FILE__, __LINE__, #cond);                               \
            fprintf(stderr, __VA_ARGS__);                                     \
            fprintf(stderr, "\n");                                            \
            abort();                                                          \
        }                                                                     \
    } while (0)


/* a piece of the input; the data is not NUL-terminated */
typedef struct {
    const uint8_t  *data;
    size_t          len;
} fuzz_piece_t;

/*
 * Cuts the input at every sep byte into at most max pieces; the last piece
 * keeps the rest, separators included.  Returns the number of pieces (at
 * least 1).
 */
static inline size_t
fuzz_split(const uint8_t *data, size_t size, uint8_t sep, fuzz_piece_t *out,
    size_t max)
{
    size_t  n, start, i;

    n = 0;
    start = 0;

    for (i = 0; i < size && n + 1 < max; i++) {
        if (data[i] == sep) {
            out[n].data = data + start;
            out[n].len = i - start;
            n++;
            start = i + 1;
        }
    }

    out[n].data = data + start;
    out[n].len = size - start;

    return n + 1;
}

/* a NUL-terminated heap copy of exactly len + 1 bytes (ASan sees overreads) */
static inline char *
fuzz_strndup(const uint8_t *data, size_t len)
{
    char  *s;

    s = malloc(len + 1);
    if (s == NULL) {
        abort();
    }
    if (len) {
        memcpy(s, data, len);
    }
    s[len] = '\0';

    return s;
}

/* a C string stored in a fixed field must end inside the field */
#define FUZZ_FIELD_TERMINATED(field)                                          \
    FUZZ_CHECK(memchr((field), '\0', sizeof(field)) != NULL,                  \
               "field %s is not NUL-terminated", #field)

/* no byte below 0x20 nor DEL: stored values are cleaned of control bytes */
static inline int
fuzz_has_control(const char *s)
{
    const unsigned char  *p;

    for (p = (const unsigned char *) s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return 1;
        }
    }

    return 0;
}

static const char *const fuzz_layer_names[] = {
    "", "identity", "permissions-boundary", "session-policy", "scp", "rcp",
    "vpc-endpoint-policy", "bucket-policy", "access-point-policy",
    "resource-policy", "kms-key-policy", "role-trust-policy", "unknown",
};

static inline int
fuzz_known_layer(const char *layer)
{
    size_t  i;

    for (i = 0; i < sizeof(fuzz_layer_names) / sizeof(fuzz_layer_names[0]);
         i++)
    {
        if (strcmp(layer, fuzz_layer_names[i]) == 0) {
            return 1;
        }
    }

    return 0;
}

/* the contracts of s3u_finding.h and DESIGN.md section 4 on any finding */
static inline void
fuzz_check_finding(const s3u_finding_t *f)
{
    FUZZ_CHECK(f->verdict == S3U_VERDICT_NONE
               || f->verdict == S3U_VERDICT_S3_ERROR
               || f->verdict == S3U_VERDICT_DENIAL,
               "verdict %d out of range", (int) f->verdict);

    FUZZ_FIELD_TERMINATED(f->code);
    FUZZ_FIELD_TERMINATED(f->service);
    FUZZ_FIELD_TERMINATED(f->layer);
    FUZZ_FIELD_TERMINATED(f->request_id);
    FUZZ_FIELD_TERMINATED(f->host_id);
    FUZZ_FIELD_TERMINATED(f->principal);
    FUZZ_FIELD_TERMINATED(f->action);
    FUZZ_FIELD_TERMINATED(f->resource);
    FUZZ_FIELD_TERMINATED(f->message);
    FUZZ_FIELD_TERMINATED(f->statement);
    FUZZ_FIELD_TERMINATED(f->reason);

    FUZZ_CHECK(!fuzz_has_control(f->code), "control byte in code");
    FUZZ_CHECK(!fuzz_has_control(f->service), "control byte in service");
    FUZZ_CHECK(!fuzz_has_control(f->request_id), "control byte in request_id");
    FUZZ_CHECK(!fuzz_has_control(f->host_id), "control byte in host_id");
    FUZZ_CHECK(!fuzz_has_control(f->principal), "control byte in principal");
    FUZZ_CHECK(!fuzz_has_control(f->action), "control byte in action");
    FUZZ_CHECK(!fuzz_has_control(f->resource), "control byte in resource");
    FUZZ_CHECK(!fuzz_has_control(f->message), "control byte in message");

    FUZZ_CHECK(fuzz_known_layer(f->layer), "unknown layer \"%s\"", f->layer);

    FUZZ_CHECK(f->service[0] == '\0' || strcmp(f->service, "s3") == 0
               || strcmp(f->service, "kms") == 0
               || strcmp(f->service, "sts") == 0,
               "unknown service \"%s\"", f->service);

    FUZZ_CHECK(!f->parsed || f->format != NULL,
               "parsed is set but format is NULL");

    if (f->verdict == S3U_VERDICT_DENIAL) {
        FUZZ_CHECK(f->s3_status == 403, "a denial with s3_status %d",
                   f->s3_status);
        FUZZ_CHECK(f->code[0] != '\0', "a denial without a code");
    }

    if (f->verdict == S3U_VERDICT_NONE) {
        FUZZ_CHECK(f->layer[0] == '\0', "no verdict but layer \"%s\"",
                   f->layer);
    }
}

/*
 * A private scratch directory for targets that must hand files to the
 * loaders: $S3U_FUZZ_TMP (run.sh points it into BUILD_DIR), else $TMPDIR,
 * else /tmp; one subdirectory per process.
 */
static inline const char *
fuzz_scratch_dir(void)
{
    static char  dir[4096];
    const char  *base;

    if (dir[0] != '\0') {
        return dir;
    }

    base = getenv("S3U_FUZZ_TMP");
    if (base == NULL || base[0] == '\0') {
        base = getenv("TMPDIR");
    }
    if (base == NULL || base[0] == '\0') {
        base = "/tmp";
    }

    (void) mkdir(base, 0700);
    snprintf(dir, sizeof(dir), "%s/s3u-fuzz-%ld", base, (long) getpid());
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "fuzz: cannot create %s\n", dir);
        abort();
    }

    return dir;
}

/* writes a whole file, aborting on failure (the scratch dir is ours) */
static inline void
fuzz_write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE  *f;

    f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "fuzz: cannot write %s\n", path);
        abort();
    }
    if (len && fwrite(data, 1, len, f) != len) {
        abort();
    }
    fclose(f);
}

#endif /* S3U_FUZZ_UTIL_H */
