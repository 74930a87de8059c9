/*
 * Prometheus counters of the gateway.  See s3u_metrics.h.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "metrics/s3u_metrics.h"

static const char *const pass_reasons[S3U_PASS_N] = {
    "over_limit", "compressed", "unparseable", "not_in_memory",
    "upstream_aborted"
};

/*
 * The denial labels, looked up in a finding's fields.  Each set is
 * hashed on two bytes of the field to the one label it can be, which is
 * then compared as whole words: the field's array is at least as long as
 * the words, so they are read from it whatever its length, and masked to
 * the label's bytes and its NUL.  No strlen, no strcmp, no loop over the
 * set.  The last label of each set stands for everything else and is not
 * looked up; the hashes are checked by the unit tests, every label to its
 * own index.
 */

#define S3U_LABEL_WORDS  3

typedef struct {
    char      s[8 * S3U_LABEL_WORDS];      /* NUL-padded */
    uint64_t  mask[S3U_LABEL_WORDS];       /* its bytes and NUL */
} s3u_label_t;

/* n bytes of a word, counted from its first byte in memory; shifts in
 * two halves, never by 64 */
#define S3U_LABEL_NB(n, i)                                                    \
    ((n) >= 8 * (i) + 8 ? 8 : (n) > 8 * (i) ? (n) - 8 * (i) : 0)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define S3U_LABEL_MASK(n, i)                                                  \
    (~(~0ULL >> (4 * S3U_LABEL_NB(n, i)) >> (4 * S3U_LABEL_NB(n, i))))
#else
#define S3U_LABEL_MASK(n, i)                                                  \
    (((1ULL << (4 * S3U_LABEL_NB(n, i))) << (4 * S3U_LABEL_NB(n, i))) - 1)
#endif

#define S3U_LABEL(name)                                                       \
    { name, { S3U_LABEL_MASK(sizeof(name), 0),                                \
              S3U_LABEL_MASK(sizeof(name), 1),                                \
              S3U_LABEL_MASK(sizeof(name), 2) } }

static const s3u_label_t  denial_codes[S3U_METRICS_CODES] = {
    S3U_LABEL("AccessDenied"), S3U_LABEL("Forbidden"),
    S3U_LABEL("AllAccessDisabled"), S3U_LABEL("AccountProblem"),
    S3U_LABEL("InvalidAccessKeyId"), S3U_LABEL("SignatureDoesNotMatch"),
    S3U_LABEL("ExpiredToken"), S3U_LABEL("other")
};

static const s3u_label_t  services[S3U_METRICS_SERVICES] = {
    S3U_LABEL("s3"), S3U_LABEL("kms"), S3U_LABEL("sts"), S3U_LABEL("other")
};

static const s3u_label_t  layers[S3U_METRICS_LAYERS] = {
    S3U_LABEL("identity"), S3U_LABEL("permissions-boundary"),
    S3U_LABEL("session-policy"), S3U_LABEL("scp"), S3U_LABEL("rcp"),
    S3U_LABEL("vpc-endpoint-policy"), S3U_LABEL("bucket-policy"),
    S3U_LABEL("access-point-policy"), S3U_LABEL("resource-policy"),
    S3U_LABEL("kms-key-policy"), S3U_LABEL("role-trust-policy"),
    S3U_LABEL("none"), S3U_LABEL("unknown")
};

#define S3U_LAYER_NONE_LABEL  11

static const char *const sources[S3U_METRICS_SOURCES] = {
    "message", "evaluator", "none"
};

/*
 * hash -> 1 + the label's index, 0 for none.  The hashes, on bytes of the
 * field as unsigned: codes (f[0] + f[3]) & 15, services (f[0] + f[1]) & 7,
 * layers (f[0] * 26 + f[1]) & 31; each is one-to-one on its set.  Bytes
 * after a short value's NUL are hashed too: they only pick a label that
 * the comparison then refuses.
 */
static const unsigned char  code_slots[16] = {
    [0] = 4, [1] = 6, [2] = 3, [6] = 1, [8] = 2, [10] = 5, [14] = 7
};

static const unsigned char  service_slots[8] = {
    [0] = 2, [6] = 1, [7] = 3
};

static const unsigned char  layer_slots[32] = {
    [3] = 11, [5] = 2, [9] = 7, [11] = 10, [12] = 6, [14] = 1, [17] = 4,
    [19] = 3, [23] = 5, [25] = 9, [27] = 12, [29] = 8
};

/* the words the fields are compared in fit the finding's arrays */
_Static_assert(sizeof(((s3u_finding_t *) 0)->code) >= 8 * S3U_LABEL_WORDS
               && sizeof(((s3u_finding_t *) 0)->layer)
                  >= 8 * S3U_LABEL_WORDS
               && sizeof(((s3u_finding_t *) 0)->service) >= 8,
               "a label's words outrun a finding's field");

static const char *const s3_codes[S3U_METRICS_S3_CODES] = {
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "RequestTimeTooSkewed",
    "AllAccessDisabled", "AccountProblem", "ExpiredToken", "InvalidToken",
    "AccessControlListNotSupported", "NoSuchKey", "NoSuchBucket",
    "InvalidObjectState", "SlowDown", "InternalError", "InvalidRequest",
    "EntityTooLarge", "other"
};

static size_t
lookup(const char *const *set, size_t n, const char *value)
{
    size_t  i;

    if (value == NULL || value[0] == '\0') {
        value = "none";
    }

    /* the first byte tells most labels apart: a denial asks four sets */
    for (i = 0; i < n - 1; i++) {
        if (set[i][0] == value[0] && strcmp(set[i], value) == 0) {
            return i;
        }
    }

    return n - 1;
}

static void
add(uint64_t *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

void
s3u_metrics_inspected(s3u_metrics_t *m)
{
    add(&m->inspected);
}

void
s3u_metrics_rewritten(s3u_metrics_t *m)
{
    add(&m->rewritten);
}

void
s3u_metrics_passed(s3u_metrics_t *m, s3u_pass_reason_e reason)
{
    if ((unsigned) reason < S3U_PASS_N) {
        add(&m->passed[reason]);
    }
}

/* a word of a field or a label */
static inline uint64_t
word(const char *p)
{
    uint64_t  w;

    memcpy(&w, p, 8);

    return w;
}


/*
 * The index of the label the field holds, or other: slot is the field's
 * hash looked up in its set's slots; long_field tells a field of all
 * S3U_LABEL_WORDS words from one of only the first (services, whose
 * labels fit it).  The words are written out, not looped over: -O2 does
 * not unroll the loop, which was a third of the lookup.
 */
static inline size_t
label_index(const char *field, const s3u_label_t *set, unsigned int slot,
    int long_field, size_t other)
{
    uint64_t            diff;
    const s3u_label_t  *l;

    if (slot == 0) {
        return other;
    }

    l = &set[slot - 1];

    diff = (word(field) ^ word(l->s)) & l->mask[0];

    if (long_field) {
        diff |= (word(field + 8) ^ word(l->s + 8)) & l->mask[1];
        diff |= (word(field + 16) ^ word(l->s + 16)) & l->mask[2];
    }

    return diff == 0 ? slot - 1 : other;
}


void
s3u_metrics_denial(s3u_metrics_t *m, const s3u_finding_t *f)
{
    size_t                c, s, l, o;
    const unsigned char  *code, *service, *layer;

    code = (const unsigned char *) f->code;
    service = (const unsigned char *) f->service;
    layer = (const unsigned char *) f->layer;

    c = label_index(f->code, denial_codes,
                    code_slots[(code[0] + code[3]) & 15], 1,
                    S3U_METRICS_CODES - 1);

    s = label_index(f->service, services,
                    service_slots[(service[0] + service[1]) & 7], 0,
                    S3U_METRICS_SERVICES - 1);

    /* an empty layer counts as none */
    l = layer[0] == '\0'
        ? S3U_LAYER_NONE_LABEL
        : label_index(f->layer, layers,
                      layer_slots[(layer[0] * 26 + layer[1]) & 31],
                      1, S3U_METRICS_LAYERS - 1);

    switch (f->source) {
    case S3U_SOURCE_MESSAGE:
        o = 0;
        break;
    case S3U_SOURCE_EVALUATOR:
        o = 1;
        break;
    default:
        o = 2;
    }

    add(&m->denials[c][s][l][o]);
}

void
s3u_metrics_s3_error(s3u_metrics_t *m, const char *code)
{
    add(&m->s3_errors[lookup(s3_codes, S3U_METRICS_S3_CODES, code)]);
}

void
s3u_metrics_evaluation(s3u_metrics_t *m, int drift)
{
    add(&m->evaluations);

    if (drift) {
        add(&m->drift);
    }
}

typedef struct {
    char    *out;
    size_t   size;
    size_t   len;
} s3u_text_t;

static void
put(s3u_text_t *t, const char *fmt, ...)
{
    int      n;
    va_list  ap;

    va_start(ap, fmt);
    n = vsnprintf(t->len < t->size ? t->out + t->len : NULL,
                  t->len < t->size ? t->size - t->len : 0, fmt, ap);
    va_end(ap);

    if (n > 0) {
        t->len += (size_t) n;
    }
}

static uint64_t
get(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void
counter_head(s3u_text_t *t, const char *name, const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

size_t
s3u_metrics_render(const s3u_metrics_t *m, char *out, size_t size)
{
    size_t      c, s, l, o;
    uint64_t    v;
    s3u_text_t  t = { out, size, 0 };

    if (size) {
        out[0] = '\0';
    }

    counter_head(&t, "s3_unmask_inspected_total",
                 "Upstream error responses held and read.");
    put(&t, "s3_unmask_inspected_total %llu\n",
        (unsigned long long) get(&m->inspected));

    counter_head(&t, "s3_unmask_rewritten_total",
                 "Responses whose status was restored.");
    put(&t, "s3_unmask_rewritten_total %llu\n",
        (unsigned long long) get(&m->rewritten));

    counter_head(&t, "s3_unmask_passed_through_total",
                 "Selected responses sent on unchanged, by reason.");
    for (c = 0; c < S3U_PASS_N; c++) {
        put(&t, "s3_unmask_passed_through_total{reason=\"%s\"} %llu\n",
            pass_reasons[c], (unsigned long long) get(&m->passed[c]));
    }

    counter_head(&t, "s3_unmask_denials_total",
                 "Authorization denials found in upstream bodies.");
    for (c = 0; c < S3U_METRICS_CODES; c++) {
        for (s = 0; s < S3U_METRICS_SERVICES; s++) {
            for (l = 0; l < S3U_METRICS_LAYERS; l++) {
                for (o = 0; o < S3U_METRICS_SOURCES; o++) {
                    v = get(&m->denials[c][s][l][o]);
                    if (v == 0) {
                        continue;
                    }

                    put(&t, "s3_unmask_denials_total{code=\"%s\","
                        "service=\"%s\",layer=\"%s\",source=\"%s\"} %llu\n",
                        denial_codes[c].s, services[s].s, layers[l].s,
                        sources[o], (unsigned long long) v);
                }
            }
        }
    }

    counter_head(&t, "s3_unmask_s3_errors_total",
                 "S3 errors other than denials found in upstream bodies.");
    for (c = 0; c < S3U_METRICS_S3_CODES; c++) {
        v = get(&m->s3_errors[c]);
        if (v) {
            put(&t, "s3_unmask_s3_errors_total{code=\"%s\"} %llu\n",
                s3_codes[c], (unsigned long long) v);
        }
    }

    counter_head(&t, "s3_unmask_evaluations_total",
                 "Policy-set evaluations of denials.");
    put(&t, "s3_unmask_evaluations_total %llu\n",
        (unsigned long long) get(&m->evaluations));

    counter_head(&t, "s3_unmask_drift_total",
                 "Denials the policy set on file would have allowed.");
    put(&t, "s3_unmask_drift_total %llu\n",
        (unsigned long long) get(&m->drift));

    return t.len;
}
