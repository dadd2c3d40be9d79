/*
 * lib/util.c - growable arrays, the string hash map, small string helpers.
 *
 * gp_map layout: `entries` holds (key, len, hash, value) in insertion order; `slots` is
 * an open-addressing index (linear probing, power-of-two size, at most 50% full) of
 * entry numbers + 1, 0 meaning empty. Entries are never removed.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>
#include <xxhash.h>

int gp__grow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return GP_OK;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / size)
            return GP_ENOMEM;
        ncap *= 2;
    }
    void *p = realloc(*items, ncap * size);
    if (!p)
        return GP_ENOMEM;
    gp__advise_huge(p, ncap * size);
    *items = p;
    *cap = ncap;
    return GP_OK;
}

int gp__arena_grow(gp_arena *a, void **items, size_t *cap, size_t len, size_t need, size_t size)
{
    if (need <= *cap)
        return GP_OK;
    size_t ncap = *cap ? *cap * 2 : 4;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / size)
        return GP_ENOMEM;
    void *p = gp_arena_alloc(a, ncap * size);
    if (!p)
        return GP_ENOMEM;
    if (len)
        memcpy(p, *items, len * size);
    *items = p;
    *cap = ncap;
    return GP_OK;
}

uint64_t gp__hash(const void *data, size_t len)
{
    return XXH3_64bits(data, len);
}

typedef struct map_entry {
    const char *key;
    size_t len;
    uint64_t hash;
    void *value;
} map_entry;

struct gp_map {
    map_entry *entries;
    size_t len;
    size_t cap;
    uint32_t *slots; /* entry index + 1; 0 = empty */
    size_t nslots;
    gp_arena *keys;
};

int gp_map_new(gp_map **out)
{
    gp_map *m = calloc(1, sizeof *m);
    if (!m)
        return GP_ENOMEM;
    m->nslots = 16;
    m->slots = calloc(m->nslots, sizeof *m->slots);
    if (!m->slots || gp_arena_new(&m->keys) != 0) {
        free(m->slots);
        free(m);
        return GP_ENOMEM;
    }
    *out = m;
    return GP_OK;
}

void gp_map_free(gp_map *m)
{
    if (!m)
        return;
    free(m->entries);
    free(m->slots);
    gp_arena_free(m->keys);
    free(m);
}

size_t gp_map_len(const gp_map *m)
{
    return m->len;
}

static size_t find_slot(const gp_map *m, const char *key, size_t len, uint64_t h)
{
    size_t mask = m->nslots - 1;
    size_t i = (size_t)h & mask;
    for (;;) {
        uint32_t e = m->slots[i];
        if (e == 0)
            return i;
        const map_entry *me = &m->entries[e - 1];
        if (me->hash == h && me->len == len && memcmp(me->key, key, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

void *gp_map_get(const gp_map *m, const char *key, size_t len)
{
    uint64_t h = gp__hash(key, len);
    size_t i = find_slot(m, key, len, h);
    uint32_t e = m->slots[i];
    return e ? m->entries[e - 1].value : NULL;
}

static int rehash(gp_map *m)
{
    size_t n = m->nslots * 2;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return GP_ENOMEM;
    for (size_t k = 0; k < m->len; k++) {
        size_t i = (size_t)m->entries[k].hash & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = (uint32_t)(k + 1);
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = n;
    return GP_OK;
}

int gp_map_upsert(gp_map *m, const char *key, size_t len, void ***slot)
{
    uint64_t h = gp__hash(key, len);
    size_t i = find_slot(m, key, len, h);
    if (m->slots[i]) {
        *slot = &m->entries[m->slots[i] - 1].value;
        return 0;
    }
    if (m->len >= UINT32_MAX - 1)
        return GP_ENOMEM;
    if ((m->len + 1) * 2 > m->nslots) {
        if (rehash(m) != GP_OK)
            return GP_ENOMEM;
        i = find_slot(m, key, len, h);
    }
    if (GP_GROW(m->entries, m->cap, m->len + 1) != GP_OK)
        return GP_ENOMEM;
    char *k = gp_arena_strndup(m->keys, key, len);
    if (!k)
        return GP_ENOMEM;
    map_entry *e = &m->entries[m->len];
    e->key = k;
    e->len = len;
    e->hash = h;
    e->value = NULL;
    m->slots[i] = (uint32_t)(++m->len);
    *slot = &e->value;
    return 1;
}

int gp_map_put(gp_map *m, const char *key, size_t len, void *value)
{
    void **slot;
    int rc = gp_map_upsert(m, key, len, &slot);
    if (rc < 0)
        return rc;
    *slot = value;
    return GP_OK;
}

int gp_map_next(const gp_map *m, size_t *pos, const char **key, size_t *len, void **value)
{
    if (*pos >= m->len)
        return 0;
    const map_entry *e = &m->entries[(*pos)++];
    if (key)
        *key = e->key;
    if (len)
        *len = e->len;
    if (value)
        *value = e->value;
    return 1;
}

int gp__write_all(void *stream, const void *data, size_t len)
{
    FILE *f = stream;
    if (len && fwrite(data, 1, len, f) != len)
        return errno == EPIPE ? GP_EPIPE : GP_EIO;
    return GP_OK;
}

const char *gp__find(const char *text, size_t len, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return text;
    while (len >= nlen) {
        const char *p = memchr(text, needle[0], len - nlen + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, nlen) == 0)
            return p;
        len -= (size_t)(p - text) + 1;
        text = p + 1;
    }
    return NULL;
}

char *gp__strdup(const char *s)
{
    return s ? gp__strndup(s, strlen(s)) : NULL;
}

char *gp__strndup(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static int is_space_at(const char *s, size_t len, size_t i, size_t *width)
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
        *width = 1;
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
    UChar32 cp;
    size_t j = i;
    U8_NEXT(s, j, len, cp);
    *width = j - i;
    return cp >= 0 && (u_isUWhiteSpace(cp) || cp == 0xFEFF);
}

void gp__trim(const char **s, size_t *len)
{
    const char *p = *s;
    size_t n = *len, w;
    while (n && is_space_at(p, n, 0, &w)) {
        p += w;
        n -= w;
    }
    /* Walk back to the start of the last character, then test it. */
    while (n) {
        size_t i = n - 1;
        while (i > 0 && ((unsigned char)p[i] & 0xC0) == 0x80)
            i--;
        if (!is_space_at(p, n, i, &w) || i + w != n)
            break;
        n = i;
    }
    *s = p;
    *len = n;
}

int gp__is_blank(const char *s, size_t len)
{
    gp__trim(&s, &len);
    return len == 0;
}

size_t gp__clip_len(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    while (max > 0 && U8_IS_TRAIL((unsigned char)s[max]))
        max--;
    return max;
}
