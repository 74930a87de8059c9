/*
 * A minimal TAP producer for the C unit tests: each binary prints "ok N",
 * "not ok N" and a plan, so prove runs them (prove --exec '') and counts
 * every check.  Header-only on purpose: one test binary is one .c file.
 */

#ifndef S3U_UNIT_H
#define S3U_UNIT_H

#include <stdio.h>
#include <string.h>

static int  unit_run;
static int  unit_failed;

#define UNIT_OK(cond, ...)                                                    \
    do {                                                                      \
        unit_run++;                                                           \
        if (cond) {                                                           \
            printf("ok %d - ", unit_run);                                     \
        } else {                                                              \
            unit_failed++;                                                    \
            printf("not ok %d - ", unit_run);                                 \
        }                                                                     \
        printf(__VA_ARGS__);                                                  \
        printf("\n");                                                         \
        if (!(cond)) {                                                        \
            printf("#   failed at %s line %d: %s\n", __FILE__, __LINE__,      \
                   #cond);                                                    \
        }                                                                     \
    } while (0)

#define UNIT_STR(got, want, ...)                                              \
    do {                                                                      \
        const char *unit_g_ = (got), *unit_w_ = (want);                       \
        int unit_eq_ = (unit_g_ != NULL && unit_w_ != NULL                    \
                        && strcmp(unit_g_, unit_w_) == 0);                    \
        UNIT_OK(unit_eq_, __VA_ARGS__);                                       \
        if (!unit_eq_) {                                                      \
            printf("#          got: \"%s\"\n#     expected: \"%s\"\n",        \
                   unit_g_ ? unit_g_ : "(null)", unit_w_ ? unit_w_ : "(null)"); \
        }                                                                     \
    } while (0)

#define UNIT_INT(got, want, ...)                                              \
    do {                                                                      \
        long unit_g_ = (long) (got), unit_w_ = (long) (want);                 \
        UNIT_OK(unit_g_ == unit_w_, __VA_ARGS__);                             \
        if (unit_g_ != unit_w_) {                                             \
            printf("#          got: %ld\n#     expected: %ld\n",              \
                   unit_g_, unit_w_);                                         \
        }                                                                     \
    } while (0)

/* prints the plan last, as TAP allows, and sets the exit status */
#define UNIT_DONE()                                                           \
    (printf("1..%d\n", unit_run), unit_failed ? 1 : 0)

#endif /* S3U_UNIT_H */
