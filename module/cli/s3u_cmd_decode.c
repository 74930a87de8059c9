/*
 * s3-unmask decode: opens a sealed S3-Denial-Token with the operator's
 * key file(s) and prints the diagnosis it carries.
 *
 *   s3-unmask decode --key FILE [--key FILE]... [--raw] TOKEN|-
 *   s3-unmask decode --key FILE [--key FILE]... --key-id
 *
 * Several --key options serve key rotation: the token's key id picks the
 * key.  Exit 0 opened (or key ids printed), 1 token refused, 2 usage
 * error or unreadable key.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "cli/s3u_cli.h"
#include "token/s3u_token.h"

#define S3U_DECODE_KEYS_MAX  8
#define S3U_DECODE_ERR_MAX   512

/* room for the largest token plus a pasted header name and blanks */
#define S3U_DECODE_INPUT_MAX  (s3u_token_size(S3U_TOKEN_PLAIN_MAX) + 4096)

static const char  s3u_decode_synopsis[] =
    "usage: s3-unmask decode --key FILE [--key FILE]... [--raw] TOKEN|-\n"
    "       s3-unmask decode --key FILE [--key FILE]... --key-id\n";

static const char  s3u_decode_help[] =
    "\n"
    "Opens a sealed S3-Denial-Token and prints the diagnosis it carries\n"
    "(pretty JSON; --raw prints it as sealed).  TOKEN may be \"-\" to read\n"
    "it from standard input; a pasted \"S3-Denial-Token:\" header name,\n"
    "surrounding blanks and quotes are ignored.  With several keys (key\n"
    "rotation) the token's key id picks the key.  --key-id prints each\n"
    "key file's key id.\n"
    "Exit status: 0 opened, 1 token refused, 2 usage error or bad key.\n";

typedef struct {
    const char       *path;
    s3u_token_key_t   key;
} s3u_decode_key_t;


/* reads all of standard input, at most max bytes; NULL on error */
static char *
s3u_decode_read_stdin(size_t max, size_t *len)
{
    char    *buf;
    size_t   n;

    buf = malloc(max + 1);
    if (buf == NULL) {
        fprintf(stderr, "s3-unmask decode: out of memory\n");
        return NULL;
    }

    n = fread(buf, 1, max + 1, stdin);
    if (ferror(stdin)) {
        fprintf(stderr, "s3-unmask decode: cannot read standard input\n");
        free(buf);
        return NULL;
    }
    if (n > max) {
        fprintf(stderr, "s3-unmask decode: standard input is longer than any"
                " S3-Denial-Token (%zu bytes)\n", max);
        free(buf);
        return NULL;
    }

    buf[n] = '\0';
    *len = n;
    return buf;
}


static int
s3u_decode_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


/*
 * The token as an operator pastes it: from a log line, a header dump
 * ("S3-Denial-Token: v1...") or a JSON string.  Only the decoration is
 * removed; the token itself is left for the codec to judge.
 */
static void
s3u_decode_trim(const char **token, size_t *len)
{
    static const char  name[] = "S3-Denial-Token:";
    const char        *p;
    size_t             n;

    p = *token;
    n = *len;

    while (n > 0 && s3u_decode_is_blank(p[0])) {
        p++;
        n--;
    }
    while (n > 0 && s3u_decode_is_blank(p[n - 1])) {
        n--;
    }

    if (n >= sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        p += sizeof(name) - 1;
        n -= sizeof(name) - 1;
        while (n > 0 && s3u_decode_is_blank(p[0])) {
            p++;
            n--;
        }
    }

    if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
        p++;
        n -= 2;
    }

    *token = p;
    *len = n;
}


static void
s3u_decode_print(const char *plain, size_t len, int raw)
{
    cJSON  *json;
    char   *pretty;

    json = raw ? NULL : cJSON_ParseWithLength(plain, len);
    pretty = json != NULL ? cJSON_Print(json) : NULL;

    if (pretty != NULL) {
        printf("%s\n", pretty);
    } else {
        if (!raw) {
            fprintf(stderr, "s3-unmask decode: note: the token holds no JSON;"
                    " printed as sealed\n");
        }
        fwrite(plain, 1, len, stdout);
        if (len == 0 || plain[len - 1] != '\n') {
            putchar('\n');
        }
    }

    if (pretty != NULL) {
        cJSON_free(pretty);
    }
    cJSON_Delete(json);
}


/* picks the key the token names; NULL when none does */
static const s3u_decode_key_t *
s3u_decode_pick(const s3u_decode_key_t *keys, int nkeys, const char *kid)
{
    int  i;

    for (i = 0; i < nkeys; i++) {
        if (strcmp(keys[i].key.kid, kid) == 0) {
            return &keys[i];
        }
    }
    return NULL;
}


static int
s3u_decode_open(const s3u_decode_key_t *keys, int nkeys, const char *token,
    size_t token_len, int raw)
{
    const s3u_decode_key_t  *use;
    char                     err[S3U_DECODE_ERR_MAX], kid[16], *plain;
    long                     n;
    int                      i;

    if (s3u_token_kid(token, token_len, kid, sizeof(kid), err, sizeof(err))
        != 0)
    {
        fprintf(stderr, "s3-unmask decode: %s\n", err);
        return 1;
    }

    use = s3u_decode_pick(keys, nkeys, kid);

    if (use == NULL && nkeys > 1) {
        fprintf(stderr, "s3-unmask decode: token was sealed with key id %s;"
                " none of the keys given has it:\n", kid);
        for (i = 0; i < nkeys; i++) {
            fprintf(stderr, "  %s  %s\n", keys[i].key.kid, keys[i].path);
        }
        return 1;
    }

    if (use == NULL) {
        /* one key: let the codec say "sealed with X, this key is Y" */
        use = &keys[0];
    }

    /* the plaintext is shorter than its base64url text */
    plain = malloc(token_len + 1);
    if (plain == NULL) {
        fprintf(stderr, "s3-unmask decode: out of memory\n");
        return 2;
    }

    n = s3u_token_open(&use->key, token, token_len, plain, token_len + 1,
                       err, sizeof(err));
    if (n < 0) {
        fprintf(stderr, "s3-unmask decode: %s\n", err);
        free(plain);
        return 1;
    }

    s3u_decode_print(plain, (size_t) n, raw);

    free(plain);
    return 0;
}


int
s3u_cmd_decode(int argc, char **argv)
{
    s3u_decode_key_t   keys[S3U_DECODE_KEYS_MAX];
    const char        *arg, *token, *path;
    char              *input, err[S3U_DECODE_ERR_MAX];
    size_t             token_len;
    int                i, nkeys, raw, show_kid, rc;

    nkeys = 0;
    raw = 0;
    show_kid = 0;
    token = NULL;
    input = NULL;
    rc = 2;

    for (i = 1; i < argc; i++) {
        arg = argv[i];

        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(s3u_decode_synopsis, stdout);
            fputs(s3u_decode_help, stdout);
            rc = 0;
            goto done;
        }

        if (strcmp(arg, "--key") == 0 || strncmp(arg, "--key=", 6) == 0) {
            if (arg[5] == '=') {
                path = arg + 6;
            } else if (i + 1 < argc) {
                path = argv[++i];
            } else {
                fprintf(stderr, "s3-unmask decode: --key needs a FILE\n");
                goto usage;
            }
            if (nkeys == S3U_DECODE_KEYS_MAX) {
                fprintf(stderr, "s3-unmask decode: at most %d --key options\n",
                        S3U_DECODE_KEYS_MAX);
                goto usage;
            }
            if (s3u_token_key_load(path, &keys[nkeys].key, err, sizeof(err))
                != 0)
            {
                fprintf(stderr, "s3-unmask decode: %s\n", err);
                goto done;
            }
            keys[nkeys++].path = path;
            continue;
        }

        if (strcmp(arg, "--key-id") == 0) {
            show_kid = 1;
            continue;
        }

        if (strcmp(arg, "--raw") == 0) {
            raw = 1;
            continue;
        }

        if (strcmp(arg, "--") == 0 && i + 1 < argc && token == NULL) {
            token = argv[++i];
            continue;
        }

        if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "s3-unmask decode: unknown option \"%s\"\n", arg);
            goto usage;
        }

        if (token != NULL) {
            fprintf(stderr, "s3-unmask decode: one TOKEN at a time\n");
            goto usage;
        }
        token = arg;
    }

    if (nkeys == 0) {
        fprintf(stderr, "s3-unmask decode: --key FILE is required\n");
        goto usage;
    }

    if (show_kid) {
        if (token != NULL) {
            fprintf(stderr, "s3-unmask decode: --key-id takes no TOKEN\n");
            goto usage;
        }
        for (i = 0; i < nkeys; i++) {
            printf("%s  %s\n", keys[i].key.kid, keys[i].path);
        }
        rc = 0;
        goto done;
    }

    if (token == NULL) {
        fprintf(stderr, "s3-unmask decode: TOKEN (or - for standard input)"
                " is required\n");
        goto usage;
    }

    if (strcmp(token, "-") == 0) {
        input = s3u_decode_read_stdin(S3U_DECODE_INPUT_MAX, &token_len);
        if (input == NULL) {
            goto done;
        }
        token = input;
    } else {
        token_len = strlen(token);
    }

    s3u_decode_trim(&token, &token_len);

    rc = s3u_decode_open(keys, nkeys, token, token_len, raw);
    goto done;

usage:

    fputs(s3u_decode_synopsis, stderr);
    rc = 2;

done:

    for (i = 0; i < nkeys; i++) {
        s3u_token_key_wipe(&keys[i].key);
    }
    free(input);

    return rc;
}
