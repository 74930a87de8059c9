/*
 * Shared by the fuzz targets that hand whole files to lint (policy sets
 * and scenarios).
 */

#ifndef FUZZ_LINT_H
#define FUZZ_LINT_H

#include <string.h>

#include "policy/s3u_lint.h"
#include "fuzz_util.h"


/* lint reads the same file(s) its own way: it must not crash either, and
 * every finding it reports is complete */
static inline void
fuzz_lint_path(const char *path)
{
    size_t                     i, n;
    s3u_lint_t                *lt;
    const s3u_lint_finding_t  *lf;

    lt = s3u_lint_new();
    FUZZ_CHECK(lt != NULL, "lint_new failed");
    s3u_lint_path(lt, path);
    n = s3u_lint_count(lt);
    for (i = 0; i < n; i++) {
        lf = s3u_lint_at(lt, i);
        FUZZ_CHECK(lf != NULL, "lint finding %zu of %zu is NULL", i, n);
        FUZZ_CHECK(memchr(lf->message, '\0', sizeof(lf->message)) != NULL
                   && memchr(lf->file, '\0', sizeof(lf->file)) != NULL
                   && memchr(lf->check, '\0', sizeof(lf->check)) != NULL,
                   "lint finding not terminated");
        FUZZ_CHECK(lf->severity == S3U_LINT_WARNING
                   || lf->severity == S3U_LINT_ERROR, "severity %d",
                   (int) lf->severity);
    }
    s3u_lint_free(lt);
}

#endif /* FUZZ_LINT_H */
