/*
 * The fixed vocabularies of a finding's code, service and layer: the
 * label sets the metrics count by, which the S3-Denial header also uses
 * to know a field holds a valid token without checking it byte by byte.
 *
 * A field is looked up in its finding array, not as a string: each set
 * hashes two bytes of the array to the one label the field can hold, and
 * compares whole words of the array with that label's, masked to the
 * label's bytes and its NUL.  Bytes after a short value's NUL are read
 * (the arrays are at least as long as the words) but only pick a label
 * that the comparison then refuses.  No strlen, no strcmp, no loop.
 */

#ifndef S3U_LABEL_H
#define S3U_LABEL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "detect/s3u_finding.h"

#define S3U_LABEL_WORDS  3

typedef struct {
    char      s[8 * S3U_LABEL_WORDS];       /* NUL-padded */
    uint64_t  mask[S3U_LABEL_WORDS];        /* its bytes and NUL */
    size_t    len;
} s3u_label_t;

/* the last label of each set stands for everything else and is never
 * found by a lookup */
#define S3U_LABEL_CODES     8       /* AccessDenied, ..., other */
#define S3U_LABEL_SERVICES  4       /* s3, kms, sts, other */
#define S3U_LABEL_LAYERS    13      /* DESIGN.md's layers, none, unknown */
#define S3U_LABEL_LAYER_NONE  11

extern const s3u_label_t  s3u_label_codes[S3U_LABEL_CODES];
extern const s3u_label_t  s3u_label_services[S3U_LABEL_SERVICES];
extern const s3u_label_t  s3u_label_layers[S3U_LABEL_LAYERS];

/* hash -> 1 + the label's index, 0 for none (see s3u_label.c) */
extern const unsigned char  s3u_label_code_slots[16];
extern const unsigned char  s3u_label_service_slots[8];
extern const unsigned char  s3u_label_layer_slots[32];


/* a word of a field or a label */
static inline uint64_t
s3u_label_word(const char *p)
{
    uint64_t  w;

    memcpy(&w, p, 8);

    return w;
}


/*
 * The index of the label the field holds, or other: slot is the field's
 * hash looked up in its set's slots; long_field tells a field of all
 * S3U_LABEL_WORDS words from one of only the first (services, whose
 * labels fit it).  The words are written out: -O2 does not unroll a loop
 * over them, which was a third of the lookup.
 */
static inline size_t
s3u_label_index(const char *field, const s3u_label_t *set, unsigned int slot,
    int long_field, size_t other)
{
    uint64_t            diff;
    const s3u_label_t  *l;

    if (slot == 0) {
        return other;
    }

    l = &set[slot - 1];

    diff = (s3u_label_word(field) ^ s3u_label_word(l->s)) & l->mask[0];

    if (long_field) {
        diff |= (s3u_label_word(field + 8) ^ s3u_label_word(l->s + 8))
                & l->mask[1];
        diff |= (s3u_label_word(field + 16) ^ s3u_label_word(l->s + 16))
                & l->mask[2];
    }

    return diff == 0 ? slot - 1 : other;
}


/* f->code's label, S3U_LABEL_CODES - 1 (other) when none */
static inline size_t
s3u_label_code(const s3u_finding_t *f)
{
    const unsigned char  *c;

    c = (const unsigned char *) f->code;

    return s3u_label_index(f->code, s3u_label_codes,
                           s3u_label_code_slots[(c[0] + c[3]) & 15], 1,
                           S3U_LABEL_CODES - 1);
}


/* f->service's label, S3U_LABEL_SERVICES - 1 (other) when none */
static inline size_t
s3u_label_service(const s3u_finding_t *f)
{
    const unsigned char  *s;

    s = (const unsigned char *) f->service;

    return s3u_label_index(f->service, s3u_label_services,
                           s3u_label_service_slots[(s[0] + s[1]) & 7], 0,
                           S3U_LABEL_SERVICES - 1);
}


/* f->layer's label, S3U_LABEL_LAYERS - 1 (unknown) when none, an empty
 * layer included: the metrics count that as none themselves */
static inline size_t
s3u_label_layer(const s3u_finding_t *f)
{
    const unsigned char  *l;

    l = (const unsigned char *) f->layer;

    return s3u_label_index(f->layer, s3u_label_layers,
                           s3u_label_layer_slots[(l[0] * 26 + l[1]) & 31], 1,
                           S3U_LABEL_LAYERS - 1);
}

#endif /* S3U_LABEL_H */
