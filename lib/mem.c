/*
 * lib/mem.c - gp_buf (growable strings) and gp_arena (bump allocation in blocks).
 *
 * An arena is a list of blocks; allocation bumps a pointer in the newest block and
 * opens a new block (at least twice the request) when it is full. Reset frees all
 * blocks but the first, so a per-record arena reaches a steady size and stops calling
 * malloc.
 */
#include "gpkit/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

enum { HUGE_PAGE = 2 << 20 };

void gp__advise_huge(void *p, size_t size)
{
#if defined(MADV_HUGEPAGE)
    if (!p || size < GP_HUGE_MIN)
        return;
    uintptr_t start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t end = ((uintptr_t)p + size) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE); /* advice: may be refused */
#else
    (void)p;
    (void)size;
#endif
}

/* Whole huge pages from a huge page boundary, so that no huge page is shared. */
void *gp__big_alloc(size_t size)
{
    if (size < GP_HUGE_MIN)
        return malloc(size ? size : 1);
    if (size > SIZE_MAX - HUGE_PAGE)
        return NULL;
    size_t rounded = (size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    void *p = aligned_alloc(HUGE_PAGE, rounded);
    gp__advise_huge(p, rounded);
    return p;
}

void *gp__big_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    if (n * size < GP_HUGE_MIN)
        return calloc(n ? n : 1, size ? size : 1);
    void *p = gp__big_alloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void gp_buf_free(gp_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void gp_buf_reset(gp_buf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->data)
        b->data[0] = '\0';
}

int gp_buf_reserve(gp_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    /* a buffer reset while it had no memory is "" too: reserving makes it a string */
    p[b->len] = '\0';
    b->data = p;
    b->cap = cap;
    return 0;
}

/* The out-of-line copies of the inline appends (C11 6.7.4). */
extern inline void gp_buf_put(gp_buf *b, const void *data, size_t len);
extern inline void gp_buf_putc(gp_buf *b, char c);

void gp_buf_put_slow(gp_buf *b, const void *data, size_t len)
{
    if (gp_buf_reserve(b, len) != 0)
        return;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void gp_buf_puts(gp_buf *b, const char *s)
{
    gp_buf_put(b, s, strlen(s));
}

void gp_buf_put_long(gp_buf *b, long v)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    gp_buf_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

void gp_buf_vprintf(gp_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        gp_buf_put(b, small, (size_t)n);
        return;
    }
    if (gp_buf_reserve(b, (size_t)n) != 0)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void gp_buf_printf(gp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gp_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *gp_buf_str(const gp_buf *b)
{
    return b->data ? b->data : "";
}

int gp_buf_error(const gp_buf *b)
{
    return b->oom ? -1 : 0;
}

char *gp_buf_detach(gp_buf *b)
{
    if (b->oom) {
        gp_buf_free(b);
        return NULL;
    }
    char *s = b->data;
    if (!s)
        s = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

typedef struct gp_block {
    struct gp_block *next;
    size_t size;
    size_t used;
    _Alignas(max_align_t) unsigned char mem[];
} gp_block;

struct gp_arena {
    gp_block *head; /* newest block first */
    gp_block *first;
    size_t used;
};

enum { GP_ARENA_BLOCK = 16384 };
/* The largest block an arena grows to, header included: two whole huge pages. */
#define GP_ARENA_BLOCK_MAX ((size_t)4 << 20)

/*
 * A block of `size` bytes. A block of the arena's own largest size goes in huge pages
 * (two, header included); a block for one large request (a huge text) is its exact
 * size: rounded to huge pages, each copy of the text would waste up to 2 MB.
 */
static gp_block *block_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(gp_block))
        return NULL;
    gp_block *b = sizeof *b + size == GP_ARENA_BLOCK_MAX ? gp__big_alloc(GP_ARENA_BLOCK_MAX)
                                                         : malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

int gp_arena_new(gp_arena **out)
{
    gp_arena *a = calloc(1, sizeof *a);
    if (!a)
        return -1;
    a->first = a->head = block_new(GP_ARENA_BLOCK);
    if (!a->first) {
        free(a);
        return -1;
    }
    *out = a;
    return 0;
}

void gp_arena_free(gp_arena *a)
{
    if (!a)
        return;
    gp_block *b = a->head;
    while (b) {
        gp_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void gp_arena_reset(gp_arena *a)
{
    gp_block *b = a->head;
    while (b && b != a->first) {
        gp_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = a->first;
    a->first->used = 0;
    a->first->next = NULL;
    a->used = 0;
}

static void *arena_alloc(gp_arena *a, size_t size, size_t align)
{
    if (size > SIZE_MAX / 4)
        return NULL;
    gp_block *b = a->head;
    size_t start = (b->used + align - 1) & ~(align - 1);
    if (start > b->size || b->size - start < size) {
        size_t bsize = b->size * 2;
        if (bsize > GP_ARENA_BLOCK_MAX - sizeof(gp_block))
            bsize = GP_ARENA_BLOCK_MAX - sizeof(gp_block);
        /* a large request gets a block of its own size: twice a 100 MB text is too much */
        if (bsize < size)
            bsize = size > (size_t)1 << 20 ? size : size * 2;
        gp_block *nb = block_new(bsize);
        if (!nb)
            return NULL;
        nb->next = a->head;
        a->head = nb;
        b = nb;
        start = 0;
    }
    void *p = b->mem + start;
    a->used += start + size - b->used;
    b->used = start + size;
    return p;
}

void *gp_arena_alloc(gp_arena *a, size_t size)
{
    return arena_alloc(a, size ? size : 1, _Alignof(max_align_t));
}

char *gp_arena_strndup(gp_arena *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1, 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *gp_arena_strdup(gp_arena *a, const char *s)
{
    return gp_arena_strndup(a, s, strlen(s));
}

size_t gp_arena_used(const gp_arena *a)
{
    return a->used;
}
