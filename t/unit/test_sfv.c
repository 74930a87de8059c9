/*
 * The S3-Denial header and the problem+json body: RFC 8941 encoding,
 * expose levels, and that nothing from an upstream body breaks out of a
 * value.  Headers are checked with a strict dictionary parser written here;
 * bodies are parsed back with cJSON.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "detect/s3u_label.h"
#include "detect/s3u_sfv.h"
#include "unit.h"


/* --- a strict RFC 8941 dictionary parser (tokens, strings, integers) ------ */

#define MAX_MEMBERS  32

typedef struct {
    char   key[64];
    char   value[2048];      /* strings unescaped; tokens and integers as is */
    int    is_string;
} member_t;

typedef struct {
    member_t  m[MAX_MEMBERS];
    int       n;
} dict_t;


static int
parse_key(const char **pp, char *out, size_t size)
{
    const char  *p;
    size_t       n;

    p = *pp;
    if (!((*p >= 'a' && *p <= 'z') || *p == '*')) {
        return -1;
    }
    for (n = 0; (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
                || *p == '_' || *p == '-' || *p == '.' || *p == '*'; p++)
    {
        if (n + 1 >= size) {
            return -1;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
    *pp = p;
    return 0;
}


static int
parse_bare(const char **pp, member_t *m)
{
    const char  *p;
    size_t       n;

    p = *pp;
    n = 0;

    if (*p == '-' || (*p >= '0' && *p <= '9')) {
        if (*p == '-') {
            m->value[n++] = *p++;
        }
        while (*p >= '0' && *p <= '9' && n < 16) {
            m->value[n++] = *p++;
        }
        if (n == 0 || (n == 1 && m->value[0] == '-')
            || (*p >= '0' && *p <= '9'))
        {
            return -1;
        }

    } else if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
               || *p == '*')
    {
        while (*p && strchr("!#$%&'*+-.^_`|~:/", *p) != NULL
               ? 1 : ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
                      || (*p >= '0' && *p <= '9')))
        {
            if (n + 1 >= sizeof(m->value)) {
                return -1;
            }
            m->value[n++] = *p++;
        }

    } else {
        return -1;
    }

    m->value[n] = '\0';
    *pp = p;
    return 0;
}


static int
parse_string(const char **pp, member_t *m)
{
    const char  *p;
    size_t       n;

    p = *pp + 1;
    for (n = 0; *p != '"'; p++) {
        if (*p == '\\') {
            p++;
            if (*p != '"' && *p != '\\') {
                return -1;
            }
        } else if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e) {
            return -1;                      /* includes the NUL: unterminated */
        }
        if (n + 1 >= sizeof(m->value)) {
            return -1;
        }
        m->value[n++] = *p;
    }
    m->value[n] = '\0';
    m->is_string = 1;
    *pp = p + 1;
    return 0;
}


/* 0 when s is a well-formed dictionary of bare items */
static int
parse_dict(const char *s, dict_t *d)
{
    const char  *p;
    member_t    *m;

    memset(d, 0, sizeof(*d));
    p = s;

    while (*p) {
        if (d->n == MAX_MEMBERS) {
            return -1;
        }
        m = &d->m[d->n++];

        if (parse_key(&p, m->key, sizeof(m->key)) != 0 || *p++ != '=') {
            return -1;
        }
        if (*p == '"' ? parse_string(&p, m) != 0 : parse_bare(&p, m) != 0) {
            return -1;
        }
        if (*p == '\0') {
            break;
        }
        if (*p++ != ',') {
            return -1;
        }
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p == '\0') {
            return -1;                      /* trailing comma */
        }
    }

    return 0;
}


static const char *
get(const dict_t *d, const char *key)
{
    int  i;

    for (i = 0; i < d->n; i++) {
        if (strcmp(d->m[i].key, key) == 0) {
            return d->m[i].value;
        }
    }
    return NULL;
}


static int
count(const dict_t *d, const char *key)
{
    int  i, n;

    for (i = 0, n = 0; i < d->n; i++) {
        n += strcmp(d->m[i].key, key) == 0;
    }
    return n;
}


/* --- fixtures ---------------------------------------------------------------- */

static void
sample(s3u_finding_t *f)
{
    memset(f, 0, sizeof(*f));
    f->verdict = S3U_VERDICT_DENIAL;
    f->source = S3U_SOURCE_EVALUATOR;
    f->decision = S3U_DECISION_IMPLICIT_DENY;
    f->s3_status = 403;
    f->format = "s3-xml";
    strcpy(f->code, "AccessDenied");
    strcpy(f->service, "s3");
    strcpy(f->layer, "access-point-policy");
    strcpy(f->request_id, "4Y5GQ1WJ8W1XJ0J5");
    strcpy(f->host_id, "aG9zdA==");
    strcpy(f->principal, "arn:aws:sts::111122223333:assumed-role/r/s");
    strcpy(f->action, "s3:PutObject");
    strcpy(f->resource, "arn:aws:s3:eu-west-1:444455556666:accesspoint/ap/object/k");
    strcpy(f->statement, "policies/ap.json#AllowUploads");
    strcpy(f->reason, "no statement names the principal");
    strcpy(f->message, "Access Denied");
}


/* --- dictionary writer ------------------------------------------------------- */

static void
test_writer(void)
{
    char       buf[256];
    s3u_sfv_t  d;

    UNIT_OK(s3u_sfv_is_token("AccessDenied"), "token: AccessDenied");
    UNIT_OK(s3u_sfv_is_token("s3:PutObject"), "token: with ':'");
    UNIT_OK(s3u_sfv_is_token("a/b.c-d_e~f"), "token: tchar and '/'");
    UNIT_OK(!s3u_sfv_is_token("4Y5G"), "not a token: starts with a digit");
    UNIT_OK(!s3u_sfv_is_token("a b"), "not a token: space");
    UNIT_OK(!s3u_sfv_is_token("a,b"), "not a token: comma");
    UNIT_OK(!s3u_sfv_is_token("a=b"), "not a token: '='");
    UNIT_OK(!s3u_sfv_is_token("a\"b"), "not a token: quote");
    UNIT_OK(!s3u_sfv_is_token(""), "not a token: empty");
    UNIT_OK(!s3u_sfv_is_token("\xc3\xa9"), "not a token: non-ASCII");
    UNIT_OK(s3u_sfv_is_key("upstream-status"), "key: lowercase with '-'");
    UNIT_OK(!s3u_sfv_is_key("Code"), "not a key: uppercase");
    UNIT_OK(!s3u_sfv_is_key("1a"), "not a key: digit first");

    s3u_sfv_init(&d, buf, sizeof(buf));
    s3u_sfv_add_value(&d, "code", "AccessDenied");
    s3u_sfv_add_value(&d, "request-id", "4Y5G");
    s3u_sfv_add_value(&d, "empty", "");
    s3u_sfv_add_value(&d, "unsafe-only", "\r\n\x01\xff");
    s3u_sfv_add_integer(&d, "upstream-status", 500);
    s3u_sfv_add_string(&d, "s", "a\"b\\c");
    UNIT_INT(s3u_sfv_finish(&d), strlen(buf), "length returned");
    UNIT_STR(buf, "code=AccessDenied, request-id=\"4Y5G\", upstream-status=500,"
             " s=\"a\\\"b\\\\c\"",
             "tokens bare, others quoted, empties skipped, escapes");

    s3u_sfv_init(&d, buf, sizeof(buf));
    s3u_sfv_add_value(&d, "Bad", "x");
    UNIT_INT(s3u_sfv_finish(&d), 0, "an invalid key fails the whole value");
    UNIT_STR(buf, "", "and leaves an empty string");

    s3u_sfv_init(&d, buf, sizeof(buf));
    s3u_sfv_add_integer(&d, "n", 1000000000000000LL);
    UNIT_INT(s3u_sfv_finish(&d), 0, "integers over 15 digits fail");

    s3u_sfv_init(&d, buf, 8);
    s3u_sfv_add_value(&d, "code", "AccessDenied");
    UNIT_INT(s3u_sfv_finish(&d), 0, "too small a buffer fails");
    UNIT_STR(buf, "", "and leaves an empty string");
}


/* --- the header -------------------------------------------------------------- */

static void
test_header_levels(void)
{
    char           buf[2048];
    size_t         n;
    dict_t         d;
    s3u_finding_t  f;

    sample(&f);

    n = s3u_denial_header(&f, 500, S3U_EXPOSE_LAYER, buf, sizeof(buf));
    UNIT_INT(n, strlen(buf), "layer: length");
    UNIT_STR(buf, "code=AccessDenied, service=s3, layer=access-point-policy,"
             " source=evaluator, decision=implicit-deny, upstream-status=500,"
             " request-id=\"4Y5GQ1WJ8W1XJ0J5\"", "layer: the documented example");
    UNIT_INT(parse_dict(buf, &d), 0, "layer: a valid dictionary");
    UNIT_OK(get(&d, "principal") == NULL && get(&d, "resource") == NULL
            && get(&d, "host-id") == NULL && get(&d, "action") == NULL
            && get(&d, "statement") == NULL && get(&d, "reason") == NULL,
            "layer: no ARNs, host id, statement or reason");
    UNIT_OK(strstr(buf, "111122223333") == NULL
            && strstr(buf, "444455556666") == NULL, "layer: no account ids");

    n = s3u_denial_header(&f, 500, S3U_EXPOSE_FULL, buf, sizeof(buf));
    UNIT_INT(parse_dict(buf, &d), 0, "full: a valid dictionary");
    UNIT_STR(get(&d, "principal"), f.principal, "full: principal");
    UNIT_STR(get(&d, "action"), "s3:PutObject", "full: action");
    UNIT_STR(get(&d, "resource"), f.resource, "full: resource");
    UNIT_STR(get(&d, "host-id"), "aG9zdA==", "full: host id");
    UNIT_STR(get(&d, "statement"), f.statement, "full: statement");
    UNIT_STR(get(&d, "reason"), f.reason, "full: reason");
    UNIT_OK(get(&d, "message") == NULL, "full: no free-text message");

    UNIT_INT(s3u_denial_header(&f, 500, S3U_EXPOSE_NONE, buf, sizeof(buf)), 0,
             "none: nothing");

    f.verdict = S3U_VERDICT_NONE;
    UNIT_INT(s3u_denial_header(&f, 500, S3U_EXPOSE_FULL, buf, sizeof(buf)), 0,
             "a non-finding: nothing");

    sample(&f);
    f.decision = S3U_DECISION_UNKNOWN;
    f.source = S3U_SOURCE_NONE;
    f.layer[0] = '\0';
    f.request_id[0] = '\0';
    s3u_denial_header(&f, 0, S3U_EXPOSE_LAYER, buf, sizeof(buf));
    UNIT_STR(buf, "code=AccessDenied, service=s3, source=none",
             "empty items and a zero upstream status omitted");

    sample(&f);
    n = s3u_denial_header(&f, 500, S3U_EXPOSE_LAYER, buf, sizeof(buf));
    UNIT_INT(s3u_denial_header(&f, 500, S3U_EXPOSE_LAYER, buf, n + 1), n,
             "fits in exactly len + 1");
    UNIT_INT(s3u_denial_header(&f, 500, S3U_EXPOSE_LAYER, buf, n), 0,
             "does not fit in len");
}


/* every field, filled with each attack, still gives one valid dictionary
 * whose values carry no byte outside 0x20-0x7E */
static void
test_header_injection(void)
{
    static const char *attacks[] = {
        "x\r\nSet-Cookie: a=b",
        "x\nX-Injected: 1",
        "x\", evil=\"1",
        "x\\\", evil=1",
        "x, y=z",
        "a=b; c",
        "\"",
        "\\",
        "\xc3\xa9t\xc3\xa9 \xff\xfe invalid \xc0\xaf",
        "\x7f\x01\x1b[31m",
        "tab\there",
    };
    char           *fields[10];
    char            buf[4096];
    size_t          i, k, sizes[10];
    const char     *p;
    int             bad_parse, bad_bytes, bad_count;
    dict_t          d;
    s3u_finding_t   f;

    bad_parse = bad_bytes = bad_count = 0;

    for (k = 0; k < 10; k++) {
        for (i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
            sample(&f);
            fields[0] = f.code;
            fields[1] = f.service;
            fields[2] = f.layer;
            fields[3] = f.request_id;
            fields[4] = f.host_id;
            fields[5] = f.principal;
            fields[6] = f.action;
            fields[7] = f.resource;
            fields[8] = f.statement;
            fields[9] = f.reason;
            sizes[0] = sizeof(f.code);
            sizes[1] = sizeof(f.service);
            sizes[2] = sizeof(f.layer);
            sizes[3] = sizeof(f.request_id);
            sizes[4] = sizeof(f.host_id);
            sizes[5] = sizeof(f.principal);
            sizes[6] = sizeof(f.action);
            sizes[7] = sizeof(f.resource);
            sizes[8] = sizeof(f.statement);
            sizes[9] = sizeof(f.reason);

            /* cut to the field, as the detectors store it: a longer
             * attack would run into the next field */
            snprintf(fields[k], sizes[k], "%s", attacks[i]);

            if (s3u_denial_header(&f, 502, S3U_EXPOSE_FULL, buf, sizeof(buf))
                == 0)
            {
                bad_parse++;
                continue;
            }

            for (p = buf; *p; p++) {
                if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e) {
                    bad_bytes++;
                }
            }

            if (parse_dict(buf, &d) != 0) {
                printf("# not a dictionary: %s\n", buf);
                bad_parse++;
                continue;
            }

            /* 13 members: code service layer source decision upstream-status
             * request-id host-id principal action resource statement reason */
            if (d.n != 13 || count(&d, "evil") || count(&d, "y")
                || count(&d, "code") != 1)
            {
                printf("# members: %d in %s\n", d.n, buf);
                bad_count++;
            }
        }
    }

    UNIT_INT(bad_parse, 0, "every attacked header parses as a dictionary");
    UNIT_INT(bad_bytes, 0, "no byte outside 0x20-0x7E in any header");
    UNIT_INT(bad_count, 0, "no attack adds or removes a member");

    sample(&f);
    strcpy(f.request_id, "ab\r\ncd\"e");
    s3u_denial_header(&f, 500, S3U_EXPOSE_LAYER, buf, sizeof(buf));
    parse_dict(buf, &d);
    UNIT_STR(get(&d, "request-id"), "abcd\"e", "CR LF dropped, quote kept escaped");
}


/* --- problem+json ------------------------------------------------------------ */

static const char *
jstr(const cJSON *o, const char *k)
{
    const cJSON  *v;

    v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}


static void
test_problem(void)
{
    char            buf[8192];
    size_t          n;
    cJSON          *o;
    const cJSON    *v;
    s3u_finding_t   f;

    sample(&f);
    n = s3u_problem_json(&f, 403, 500, S3U_EXPOSE_LAYER, buf, sizeof(buf));
    UNIT_INT(n, strlen(buf), "problem: length");
    o = cJSON_Parse(buf);
    UNIT_OK(o != NULL, "problem (layer) parses back");
    UNIT_STR(jstr(o, "type"), "urn:s3-unmask:denial", "type");
    UNIT_OK(jstr(o, "title") != NULL && jstr(o, "detail") != NULL,
            "title and detail");
    v = cJSON_GetObjectItemCaseSensitive(o, "status");
    UNIT_INT(cJSON_IsNumber(v) ? v->valueint : 0, 403, "status member");
    v = cJSON_GetObjectItemCaseSensitive(o, "upstream_status");
    UNIT_INT(cJSON_IsNumber(v) ? v->valueint : 0, 500, "upstream_status member");
    UNIT_STR(jstr(o, "code"), "AccessDenied", "code member");
    UNIT_STR(jstr(o, "layer"), "access-point-policy", "layer member");
    UNIT_STR(jstr(o, "decision"), "implicit-deny", "decision member");
    UNIT_STR(jstr(o, "request_id"), "4Y5GQ1WJ8W1XJ0J5", "request_id member");
    UNIT_OK(jstr(o, "principal") == NULL && jstr(o, "resource") == NULL
            && jstr(o, "host_id") == NULL && jstr(o, "message") == NULL,
            "layer level: no ARNs, host id or message");
    UNIT_OK(strstr(buf, "111122223333") == NULL, "layer level: no account id");
    cJSON_Delete(o);

    n = s3u_problem_json(&f, 403, 500, S3U_EXPOSE_FULL, buf, sizeof(buf));
    o = cJSON_Parse(buf);
    UNIT_OK(o != NULL, "problem (full) parses back");
    UNIT_STR(jstr(o, "principal"), f.principal, "full: principal");
    UNIT_STR(jstr(o, "resource"), f.resource, "full: resource");
    UNIT_STR(jstr(o, "statement"), f.statement, "full: statement");
    UNIT_STR(jstr(o, "message"), "Access Denied", "full: message");
    cJSON_Delete(o);

    UNIT_INT(s3u_problem_json(&f, 403, 500, S3U_EXPOSE_LAYER, buf, 40), 0,
             "does not fit: 0");
    UNIT_STR(buf, "", "does not fit: empty string");
    UNIT_OK(s3u_problem_json(&f, 403, 500, S3U_EXPOSE_NONE, buf, sizeof(buf))
            > 0, "expose none: still a document");
    o = cJSON_Parse(buf);
    UNIT_OK(o && cJSON_GetArraySize(o) == 3 && jstr(o, "type")
            && jstr(o, "title") && cJSON_GetObjectItem(o, "status"),
            "expose none: type, title and status only");
    cJSON_Delete(o);

    f.verdict = S3U_VERDICT_S3_ERROR;
    strcpy(f.code, "SignatureDoesNotMatch");
    s3u_problem_json(&f, 403, 500, S3U_EXPOSE_LAYER, buf, sizeof(buf));
    o = cJSON_Parse(buf);
    UNIT_STR(o ? jstr(o, "type") : NULL, "urn:s3-unmask:s3-error",
             "an s3-error has its own type");
    cJSON_Delete(o);

    /* hostile values: JSON stays valid, values come back minus bad UTF-8 */
    sample(&f);
    strcpy(f.message, "q\"uote \\ back\r\nline\x01 \xc3\xa9 \xff\xfe \xed\xa0\x80 end");
    strcpy(f.principal, "\"},\"evil\":{\"x\":\"");
    s3u_problem_json(&f, 403, 500, S3U_EXPOSE_FULL, buf, sizeof(buf));
    o = cJSON_Parse(buf);
    UNIT_OK(o != NULL, "hostile values: still valid JSON");
    UNIT_STR(o ? jstr(o, "message") : NULL,
             "q\"uote \\ back\r\nline\x01 \xc3\xa9   end",
             "escapes round-trip, invalid UTF-8 dropped");
    UNIT_STR(o ? jstr(o, "principal") : NULL, f.principal,
             "a quote in a value cannot close it");
    UNIT_OK(o != NULL && cJSON_GetObjectItemCaseSensitive(o, "evil") == NULL,
            "no injected member");
    cJSON_Delete(o);
}

/* --- the fast writers against the byte-at-a-time encoders ----------------- */

/* key="value" as the writer encoded it one byte at a time (RFC 8941
 * sf-string: 0x20-0x7E, '"' and '\\' escaped, the rest dropped) */
static void
ref_sf_string(char *out, const char *key, const char *value)
{
    const char  *p;

    out += sprintf(out, "%s=\"", key);
    for (p = value; *p; p++) {
        if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e) {
            continue;
        }
        if (*p == '"' || *p == '\\') {
            *out++ = '\\';
        }
        *out++ = *p;
    }
    strcpy(out, "\"");
}


/* the length of the well-formed UTF-8 sequence at p, 0 when none */
static size_t
ref_utf8(const unsigned char *p)
{
    size_t  n, i;

    if (p[0] < 0x80) {
        return 1;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f)) {
            return 0;
        }
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f)) {
            return 0;
        }
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    return n;
}


/* a JSON string as the body encoded it one byte at a time */
static void
ref_json_string(char *out, const char *value)
{
    size_t                n;
    const unsigned char  *p;

    *out++ = '"';
    for (p = (const unsigned char *) value; *p; p += n) {
        n = ref_utf8(p);
        if (n == 0) {
            n = 1;
            continue;
        }
        if (*p == '"' || *p == '\\') {
            *out++ = '\\';
            *out++ = (char) *p;
        } else if (*p < 0x20 || *p == 0x7f) {
            out += sprintf(out, "\\u%04x", *p);
        } else {
            memcpy(out, p, n);
            out += n;
        }
    }
    strcpy(out, "\"");
}


static void
test_fast_writers(void)
{
    static const char  specials[] = {
        '"', '\\', '\r', '\n', '\t', '\x01', '\x7f', ' ',
        (char) 0xc3, (char) 0xa9, (char) 0xe2, (char) 0x82, (char) 0xac,
        (char) 0xf0, (char) 0xed, (char) 0xa0, (char) 0xff,
    };
    char            value[128], want[1024], got[1024], *m;
    size_t          len, k, s, t, n, bad_sf, bad_json, bad_fit, runs;
    s3u_sfv_t       d;
    s3u_finding_t   f;

    /* every length past 4 windows of 16, one or two special bytes at every
     * position: the searches meet them in each of their windows */
    bad_sf = bad_json = bad_fit = runs = 0;
    for (len = 1; len <= 70; len++) {
        for (k = 0; k < len; k++) {
            for (s = 0; s < sizeof(specials); s++) {
                for (t = 0; t < sizeof(specials); t += 4) {
                    memset(value, 'a', len);
                    value[len] = '\0';
                    value[k] = specials[s];
                    value[(k * 7 + 3) % len] = specials[t];
                    runs++;

                    /* sf-string; a value with no byte 0x20-0x7E gives no
                     * member at all */
                    ref_sf_string(want, "k", value);
                    if (strcmp(want, "k=\"\"") == 0) {
                        want[0] = '\0';
                    }
                    s3u_sfv_init(&d, got, sizeof(got));
                    s3u_sfv_add_string(&d, "k", value);
                    n = s3u_sfv_finish(&d);
                    bad_sf += strcmp(got, want) != 0 || n != strlen(want);

                    /* the same in exactly its room, and one byte short */
                    if (n > 0) {
                        s3u_sfv_init(&d, got, n + 1);
                        s3u_sfv_add_string(&d, "k", value);
                        bad_fit += s3u_sfv_finish(&d) != n
                                   || strcmp(got, want) != 0;
                        s3u_sfv_init(&d, got, n);
                        s3u_sfv_add_string(&d, "k", value);
                        bad_fit += s3u_sfv_finish(&d) != 0 || got[0] != '\0';
                    }

                    /* a JSON string: the message, last member at full */
                    sample(&f);
                    strcpy(f.message, value);
                    ref_json_string(want, value);
                    n = s3u_problem_json(&f, 403, 500, S3U_EXPOSE_FULL, got,
                                         sizeof(got));
                    m = strstr(got, ",\"message\":");
                    bad_json += n == 0 || m == NULL
                                || strncmp(m + 11, want, strlen(want)) != 0
                                || strcmp(m + 11 + strlen(want), "}") != 0;
                }
            }
        }
    }
    UNIT_OK(bad_sf == 0, "sf-strings match the byte-at-a-time encoder:"
            " %zu of %zu differ", bad_sf, runs);
    UNIT_OK(bad_fit == 0, "sf-strings fit exactly in len + 1, never in len:"
            " %zu wrong", bad_fit);
    UNIT_OK(bad_json == 0, "JSON strings match the byte-at-a-time encoder:"
            " %zu of %zu differ", bad_json, runs);

    /* integers by hand, as %lld */
    s3u_sfv_init(&d, got, sizeof(got));
    s3u_sfv_add_integer(&d, "a", 0);
    s3u_sfv_add_integer(&d, "b", -1);
    s3u_sfv_add_integer(&d, "c", 999999999999999LL);
    s3u_sfv_add_integer(&d, "d", -999999999999999LL);
    s3u_sfv_add_integer(&d, "e", 403);
    s3u_sfv_finish(&d);
    UNIT_STR(got, "a=0, b=-1, c=999999999999999, d=-999999999999999, e=403",
             "integers: zero, negative and the 15-digit bounds");

    /* every tchar, ':' and '/' make a token; the first byte is stricter */
    s3u_sfv_init(&d, got, sizeof(got));
    s3u_sfv_add_value(&d, "t", "a0!#$%&'*+-.^_`|~:/Z");
    s3u_sfv_add_value(&d, "u", "*x");
    s3u_sfv_add_value(&d, "v", "-x");
    s3u_sfv_add_value(&d, "w", ":x");
    s3u_sfv_finish(&d);
    UNIT_STR(got, "t=a0!#$%&'*+-.^_`|~:/Z, u=*x, v=\"-x\", w=\":x\"",
             "tokens: every tchar after the first byte");

    /* a key is checked where it comes from a caller, and fails all */
    s3u_sfv_init(&d, got, sizeof(got));
    s3u_sfv_add_value(&d, "ok", "x");
    s3u_sfv_add_string(&d, "a b", "x");
    UNIT_INT(s3u_sfv_finish(&d), 0, "a key with a space fails the dictionary");
    s3u_sfv_init(&d, got, sizeof(got));
    s3u_sfv_add_string(&d, "Bad", "\r\n");
    UNIT_OK(s3u_sfv_finish(&d) == 0 && !d.failed,
            "an empty string is skipped before its key is looked at");

    /* status codes by hand, as %d */
    sample(&f);
    s3u_problem_json(&f, -2147483647 - 1, 2147483647, S3U_EXPOSE_LAYER, got,
                     sizeof(got));
    UNIT_OK(strstr(got, "\"status\":-2147483648,") != NULL
            && strstr(got, "\"upstream_status\":2147483647,") != NULL,
            "problem: INT_MIN and INT_MAX statuses");
}


/*
 * The header's straight writer: labels taken as tokens without a check,
 * statuses by hand, items first or not, and every buffer size from too
 * small to ample giving the whole header or nothing, never a byte past
 * size (malloc'ed to size, for the sanitizers).
 */
static void
header_at(const s3u_finding_t *f, int status, s3u_expose_e expose,
    const char *want, const char *what)
{
    char    buf[8192];
    size_t  n;

    n = s3u_denial_header(f, status, expose, buf, sizeof(buf));
    UNIT_STR(buf, want, "%s", what);
    UNIT_INT(n, strlen(want), "%s: length", what);
}


static void
fill_after_nul(char *field, size_t size, const char *value, int junk)
{
    memset(field, junk, size);
    memcpy(field, value, strlen(value) + 1);
}


static void
test_header_straight(void)
{
    static const struct {
        const s3u_label_t  *set;
        size_t              n;
    } sets[] = {
        { s3u_label_codes, S3U_LABEL_CODES },
        { s3u_label_services, S3U_LABEL_SERVICES },
        { s3u_label_layers, S3U_LABEL_LAYERS },
    };
    static const int  statuses[] = {
        1, 9, 10, 99, 100, 403, 999, 1000, 65535, 2147483647
    };
    char           want[1024], got[8192], *small;
    size_t         i, k, n, full, bad_token, bad_item, bad_size;
    s3u_finding_t  f;

    /* every label is a token; a field that holds it, whatever follows
     * its NUL, is written as one */
    bad_token = bad_item = 0;
    for (k = 0; k < 3; k++) {
        for (i = 0; i < sets[k].n; i++) {
            bad_token += !s3u_sfv_is_token(sets[k].set[i].s)
                         || strlen(sets[k].set[i].s) != sets[k].set[i].len;

            sample(&f);
            f.source = S3U_SOURCE_NONE;
            f.decision = S3U_DECISION_UNKNOWN;
            f.request_id[0] = '\0';
            fill_after_nul(f.code, sizeof(f.code), "C", '"');
            fill_after_nul(f.service, sizeof(f.service), "S", '\\');
            fill_after_nul(f.layer, sizeof(f.layer), "L", 0xff);
            fill_after_nul(k == 0 ? f.code : k == 1 ? f.service : f.layer,
                           k == 0 ? sizeof(f.code)
                           : k == 1 ? sizeof(f.service) : sizeof(f.layer),
                           sets[k].set[i].s, k == 2 ? '"' : 0xff);
            snprintf(want, sizeof(want),
                     "code=%s, service=%s, layer=%s, source=none",
                     k == 0 ? sets[k].set[i].s : "C",
                     k == 1 ? sets[k].set[i].s : "S",
                     k == 2 ? sets[k].set[i].s : "L");
            s3u_denial_header(&f, 0, S3U_EXPOSE_LAYER, got, sizeof(got));
            if (strcmp(got, want) != 0) {
                printf("# %s\n", got);
                bad_item++;
            }
        }
    }
    UNIT_INT(bad_token, 0, "every label is a token of its own length");
    UNIT_INT(bad_item, 0, "a field holding a label is written as that token");

    /* near misses of labels are checked as any value */
    sample(&f);
    strcpy(f.code, "AccessDenied\"");
    strcpy(f.service, "s3 ");
    strcpy(f.layer, "scp,x");
    f.source = (s3u_source_e) 9;
    f.decision = (s3u_decision_e) -1;
    f.request_id[0] = '\0';
    header_at(&f, 0, S3U_EXPOSE_LAYER,
              "code=\"AccessDenied\\\"\", service=\"s3 \", layer=\"scp,x\","
              " source=none", "near misses of labels are strings");

    /* nothing before source: no separator */
    sample(&f);
    f.code[0] = '\0';
    f.service[0] = '\0';
    strcpy(f.layer, "\r\n");
    f.decision = S3U_DECISION_ALLOW;
    header_at(&f, 7, S3U_EXPOSE_LAYER,
              "source=evaluator, decision=allow, upstream-status=7,"
              " request-id=\"4Y5GQ1WJ8W1XJ0J5\"", "source first");

    sample(&f);
    for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        snprintf(want, sizeof(want), "code=AccessDenied, service=s3,"
                 " layer=access-point-policy, source=evaluator,"
                 " decision=implicit-deny, upstream-status=%d,"
                 " request-id=\"4Y5GQ1WJ8W1XJ0J5\"", statuses[i]);
        header_at(&f, statuses[i], S3U_EXPOSE_LAYER, want,
                  "upstream status by hand");
    }

    /* the longest layer-level header: every byte of every field escaped;
     * and the sample at full.  At every size the whole header or none */
    bad_size = 0;
    for (k = 0; k < 2; k++) {
        sample(&f);
        if (k == 0) {
            memset(f.code, '"', sizeof(f.code) - 1);
            memset(f.service, '\\', sizeof(f.service) - 1);
            memset(f.layer, '"', sizeof(f.layer) - 1);
            memset(f.request_id, '\\', sizeof(f.request_id) - 1);
            f.decision = S3U_DECISION_EXPLICIT_DENY;
        }

        full = s3u_denial_header(&f, 2147483647,
                                 k == 0 ? S3U_EXPOSE_LAYER : S3U_EXPOSE_FULL,
                                 got, sizeof(got));
        for (n = 1; n <= full + 64; n++) {
            small = malloc(n);
            if (small == NULL) {
                abort();
            }
            i = s3u_denial_header(&f, 2147483647,
                                  k == 0 ? S3U_EXPOSE_LAYER : S3U_EXPOSE_FULL,
                                  small, n);
            bad_size += n > full ? i != full || strcmp(small, got) != 0
                                 : i != 0 || small[0] != '\0';
            free(small);
        }
    }
    UNIT_OK(full > 0, "the longest header is written");
    UNIT_INT(bad_size, 0, "every size: the whole header or nothing");
}


static void
test_names(void)
{
    UNIT_STR(s3u_verdict_name(S3U_VERDICT_DENIAL), "denial", "verdict denial");
    UNIT_STR(s3u_verdict_name(S3U_VERDICT_S3_ERROR), "s3-error", "verdict s3-error");
    UNIT_STR(s3u_verdict_name(S3U_VERDICT_NONE), "none", "verdict none");
    UNIT_STR(s3u_source_name(S3U_SOURCE_MESSAGE), "message", "source message");
    UNIT_STR(s3u_source_name(S3U_SOURCE_EVALUATOR), "evaluator", "source evaluator");
    UNIT_STR(s3u_source_name(S3U_SOURCE_NONE), "none", "source none");
    UNIT_STR(s3u_decision_name(S3U_DECISION_ALLOW), "Allow", "decision Allow");
    UNIT_STR(s3u_decision_name(S3U_DECISION_EXPLICIT_DENY), "ExplicitDeny",
             "decision ExplicitDeny");
    UNIT_STR(s3u_decision_name(S3U_DECISION_IMPLICIT_DENY), "ImplicitDeny",
             "decision ImplicitDeny");
    UNIT_STR(s3u_decision_name(S3U_DECISION_UNKNOWN), "", "decision unknown");
    UNIT_STR(s3u_decision_token(S3U_DECISION_EXPLICIT_DENY), "explicit-deny",
             "decision token");
}


int
main(void)
{
    test_writer();
    test_header_levels();
    test_header_injection();
    test_problem();
    test_names();
    test_fast_writers();
    test_header_straight();

    return UNIT_DONE();
}
