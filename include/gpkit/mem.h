/*
 * gpkit/mem.h - growable byte buffers and arenas.
 *
 * gp_buf is a growable, always NUL-terminated byte string. It never aborts: when an
 * allocation fails the buffer sets `oom`, ignores every further append and the caller
 * checks `oom` (or the result of gp_buf_error) once at the end of a batch of appends.
 *
 * gp_arena hands out memory that lives until gp_arena_reset or gp_arena_free. Records
 * keep their strings in an arena so that a record is freed, or recycled for the next
 * line of input, in one call.
 *
 * Ownership: a gp_buf owns `data`; gp_buf_detach hands it to the caller (free()).
 * Arena memory belongs to the arena; pointers into it go stale at reset or free.
 */
#ifndef GPKIT_MEM_H
#define GPKIT_MEM_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_buf {
    char *data; /* NUL-terminated when cap > 0; may be NULL while empty */
    size_t len;
    size_t cap;
    int oom; /* set once an allocation failed; appends are then ignored */
} gp_buf;

#define GP_BUF_INIT                                                                                \
    {                                                                                              \
        0, 0, 0, 0                                                                                 \
    }

void gp_buf_free(gp_buf *b);
void gp_buf_reset(gp_buf *b);                /* len = 0, keeps the memory */
int gp_buf_reserve(gp_buf *b, size_t extra); /* room for `extra` more bytes */
/* The slow path of gp_buf_put: grows the buffer first. Public (the inline appends call it
 * from the caller's code) but not for direct use. */
void gp_buf_put_slow(gp_buf *b, const void *data, size_t len);

/* Appends `len` bytes. Inline: writing records is a stream of small appends. */
inline void gp_buf_put(gp_buf *b, const void *data, size_t len)
{
    if (b->cap - b->len > len && !b->oom) {
        if (len)
            memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = '\0';
        return;
    }
    gp_buf_put_slow(b, data, len);
}

inline void gp_buf_putc(gp_buf *b, char c)
{
    if (b->cap - b->len > 1 && !b->oom) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return;
    }
    gp_buf_put_slow(b, &c, 1);
}

void gp_buf_puts(gp_buf *b, const char *s);
/* Appends a decimal integer (without printf: it is on the hot path of every record). */
void gp_buf_put_long(gp_buf *b, long v);
void gp_buf_printf(gp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gp_buf_vprintf(gp_buf *b, const char *fmt, va_list ap);
/* The string so far, "" for an empty buffer; stays valid until the next append. */
const char *gp_buf_str(const gp_buf *b);
/* GP_ENOMEM when an append failed since the last reset, else GP_OK. */
int gp_buf_error(const gp_buf *b);
/* Hands the string to the caller (free() it) and empties the buffer; NULL on OOM. */
char *gp_buf_detach(gp_buf *b);

typedef struct gp_arena gp_arena;

int gp_arena_new(gp_arena **out);
void gp_arena_free(gp_arena *a);
/* Frees everything allocated from the arena but keeps its first block for reuse. */
void gp_arena_reset(gp_arena *a);
/* Memory aligned for any type; NULL when out of memory. */
void *gp_arena_alloc(gp_arena *a, size_t size);
/* Copies `len` bytes and adds a NUL; NULL when out of memory. */
char *gp_arena_strndup(gp_arena *a, const char *s, size_t len);
char *gp_arena_strdup(gp_arena *a, const char *s);
/* Bytes handed out since the last reset (for statistics and limits). */
size_t gp_arena_used(const gp_arena *a);

#ifdef __cplusplus
}
#endif
#endif
