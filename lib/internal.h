/*
 * lib/internal.h - helpers shared inside the library, not part of the public API.
 *
 * gp_map: a hash table from byte strings to pointers (open addressing, XXH3 hashes).
 * Keys are copied into the map's own arena; values are borrowed pointers the map never
 * frees. Iteration order is the order of insertion, so output built from a map is
 * deterministic.
 */
#ifndef GPKIT_INTERNAL_H
#define GPKIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gpkit/common.h"
#include "gpkit/diag.h"
#include "gpkit/input.h"
#include "gpkit/mem.h"

#define GP_UNUSED(x) ((void)(x))
#define GP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Grows *items (of `size`-byte elements) so that it holds at least `need` of them. */
int gp__grow(void **items, size_t *cap, size_t need, size_t size);
#define GP_GROW(items, cap, need) gp__grow((void **)&(items), &(cap), (need), sizeof(*(items)))

/* Same, for arrays that live in an arena (the old array is left in the arena). */
int gp__arena_grow(gp_arena *a, void **items, size_t *cap, size_t len, size_t need, size_t size);

/*
 * Large arrays (GP_HUGE_MIN bytes and up) in transparent huge pages where the system
 * has them: on some virtual machines a page fault costs 12 microseconds, and a big run
 * of gp-dedup touches 600 MB a page at a time. gp__big_alloc and gp__big_calloc are
 * freed with free(); smaller sizes are plain malloc and calloc. gp__advise_huge asks
 * for huge pages over the whole 2 MB pages inside [p, p + size) of memory already had.
 */
#define GP_HUGE_MIN ((size_t)2 << 20)
void *gp__big_alloc(size_t size);
void *gp__big_calloc(size_t n, size_t size);
void gp__advise_huge(void *p, size_t size);

typedef struct gp_map gp_map;

int gp_map_new(gp_map **out);
void gp_map_free(gp_map *m);
size_t gp_map_len(const gp_map *m);
/* The value stored under the key, or NULL. */
void *gp_map_get(const gp_map *m, const char *key, size_t len);
/*
 * Finds or inserts the key. *slot points at its value (NULL for a new key) and may be
 * written. Returns 1 when inserted, 0 when found, GP_ENOMEM.
 */
int gp_map_upsert(gp_map *m, const char *key, size_t len, void ***slot);
int gp_map_put(gp_map *m, const char *key, size_t len, void *value);
/* Iterates in insertion order: start with *pos = 0; returns 0 at the end. */
int gp_map_next(const gp_map *m, size_t *pos, const char **key, size_t *len, void **value);

uint64_t gp__hash(const void *data, size_t len);

struct gp_normalizer;
struct gp_record;
/* gp_norm_record for a caller that keeps the record's own id (gp-dedup): a non-empty id
 * is left as it is, not computed only to be thrown away (its key of the description's
 * opening is a tenth of normalising a canonical record). */
int gp__norm_record_keep_id(struct gp_normalizer *n, struct gp_record *rec);

/* Writes `len` bytes to `fd` or FILE; maps EPIPE to GP_EPIPE, other errors to GP_EIO. */
int gp__write_all(void *stream, const void *data, size_t len);

/* The first occurrence of needle in text, or NULL (memmem is not C11 nor POSIX). */
const char *gp__find(const char *text, size_t len, const char *needle, size_t nlen);

/* strdup that returns NULL on failure (and for NULL). */
char *gp__strdup(const char *s);
char *gp__strndup(const char *s, size_t len);

/* Trims ASCII and Unicode white space (incl. NBSP) from both ends of a UTF-8 slice. */
void gp__trim(const char **s, size_t *len);

/* Whether a UTF-8 slice is empty or white space only. */
int gp__is_blank(const char *s, size_t len);

/* How many of the `len` bytes of UTF-8 `s` to quote in a message: at most `max`, never
   ending inside a character. */
size_t gp__clip_len(const char *s, size_t len, size_t max);

/* Whether text ends a sentence: . ! ? or an ellipsis, maybe before closing quotes or brackets. */
int gp__ends_sentence(const char *s, size_t len);

/*
 * Lowers the longest line `in` hands out whole (GP_INPUT_LINE_MAX, 256 MiB) to `max`
 * bytes, so that tests can reach the limit without a 256 MiB line.
 */
void gp__input_set_line_max(gp_input *in, size_t max);
/* Device and inode of the file being read (stdin included); GP_EIO when unknown. */
int gp__input_identity(const gp_input *in, unsigned long long *dev, unsigned long long *ino);
/*
 * Whether matching keys take ASCII text 16 bytes at a time where the processor can
 * (the default) or a byte at a time: for tests that compare the two. Not thread-safe.
 */
void gp__text_key_vectors(int on);

#endif
