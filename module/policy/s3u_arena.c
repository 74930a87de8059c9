/*
 * A bump allocator over a list of blocks: a compiled policy is many small
 * strings and arrays that live and die together.
 */

#include <stdlib.h>
#include <string.h>

#include "policy/s3u_policy.h"


#define S3U_ARENA_BLOCK  4096

typedef struct s3u_arena_block_s  s3u_arena_block_t;

struct s3u_arena_block_s {
    s3u_arena_block_t  *next;
    size_t              used;
    size_t              size;
    /* data follows, aligned for any type */
    max_align_t         data[];
};

struct s3u_arena_s {
    s3u_arena_block_t  *head;
};


s3u_arena_t *
s3u_arena_new(void)
{
    return calloc(1, sizeof(s3u_arena_t));
}


void *
s3u_arena_alloc(s3u_arena_t *a, size_t size)
{
    s3u_arena_block_t  *b;
    size_t              cap;
    void               *p;

    size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    if (size == 0) {
        size = sizeof(max_align_t);
    }

    b = a->head;
    if (b == NULL || b->size - b->used < size) {
        cap = size > S3U_ARENA_BLOCK ? size : S3U_ARENA_BLOCK;
        b = malloc(sizeof(s3u_arena_block_t) + cap);
        if (b == NULL) {
            return NULL;
        }
        b->used = 0;
        b->size = cap;
        b->next = a->head;
        a->head = b;
    }

    p = (char *) b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}


char *
s3u_arena_strndup(s3u_arena_t *a, const char *s, size_t len)
{
    char  *p;

    p = s3u_arena_alloc(a, len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}


void
s3u_arena_free(s3u_arena_t *a)
{
    s3u_arena_block_t  *b, *next;

    if (a == NULL) {
        return;
    }
    for (b = a->head; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}
