/*
 * lib/lint_dataset.c - gp-lint's checks over the whole dataset.
 *
 * While records are checked, what these checks need is kept compactly: maps keyed by
 * canonical values of the spread of values one thing takes (the countries of an unknown
 * institution, the regions of a country), a list per thread of the implementation year
 * each record gives its practice (sorted by id at the end), and the words of the texts
 * in a Bloom filter. When reading ends the spreads, the words broken at a line end, the
 * duplicates (gp-dedup's findings), the variants discovery finds and the unused
 * suppressions are reported, and the variants kept as rule entries to suggest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* gp__hash's XXH3, inlined for the texts' words: tens of millions of short keys */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "gpkit/checks.h"
#include "internal.h"
#include "lint_impl.h"

/* Values listed in a finding (the rest are counted); a spread larger than SPREAD_SCAN
 * gets an index. */
enum { SPREAD_SHOWN = 6, SPREAD_SCAN = 16 };

/* ---- dataset-wide bookkeeping ---- */

void gp__lint_spreads_free(gp_map *m)
{
    size_t pos = 0;
    void *v;
    while (m && gp_map_next(m, &pos, NULL, NULL, &v))
        gp_map_free(((spread *)v)->index);
}

static spread_entry *spread_find(spread *s, const char *same)
{
    if (s->index) {
        uintptr_t i = (uintptr_t)gp_map_get(s->index, same, strlen(same));
        return i ? &s->e[i - 1] : NULL;
    }
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->e[i].same, same) == 0)
            return &s->e[i];
    return NULL;
}

static int spread_index(spread *s, size_t i)
{
    void **slot;
    const char *same = s->e[i].same;
    int rc = gp_map_upsert(s->index, same, strlen(same), &slot);
    if (rc < 0)
        return rc;
    *slot = (void *)(uintptr_t)(i + 1);
    return GP_OK;
}

/* Counts `value` (compared as `same`, shown as `value`) for `key`; lock held. */
int gp__lint_spread_add(gp_linter *l, gp_map *m, const char *key, const char *value,
                        const char *same, const place *at)
{
    void **slot;
    int rc = gp_map_upsert(m, key, strlen(key), &slot);
    if (rc < 0)
        return rc;
    spread *s = *slot;
    spread_entry *e = s ? spread_find(s, same) : NULL;
    if (e) {
        e->count++;
        /* the spelling shown is the earliest's, whichever thread came first */
        if (gp__lint_place_before(at, &e->first)) {
            e->first = gp__lint_keep_place(l, at);
            if (strcmp(e->value, value) != 0 && !(e->value = gp__lint_intern(l, value)))
                return GP_ENOMEM;
        }
        return GP_OK;
    }
    if (!s || s->n == s->cap) {
        size_t cap = s ? s->cap * 2 : 1;
        spread *bigger = gp_arena_alloc(l->keep, sizeof *bigger + cap * sizeof(spread_entry));
        if (!bigger)
            return GP_ENOMEM;
        bigger->n = s ? s->n : 0;
        bigger->cap = cap;
        bigger->index = s ? s->index : NULL;
        if (s)
            memcpy(bigger->e, s->e, s->n * sizeof(spread_entry));
        *slot = s = bigger;
    }
    e = &s->e[s->n];
    e->value = gp__lint_intern(l, value);
    e->same = same == value ? e->value : gp__lint_intern(l, same);
    e->count = 1;
    e->first = gp__lint_keep_place(l, at);
    if (!e->value || !e->same)
        return GP_ENOMEM;
    s->n++;
    if (!s->index && s->n > SPREAD_SCAN) {
        if (gp_map_new(&s->index))
            return GP_ENOMEM;
        for (size_t i = 0; i < s->n && !rc; i++)
            rc = spread_index(s, i);
    } else if (s->index) {
        rc = spread_index(s, s->n - 1);
    }
    return rc < 0 ? rc : GP_OK;
}

static int entry_cmp(const void *pa, const void *pb)
{
    const spread_entry *a = pa, *b = pb;
    return gp__lint_place_before(&a->first, &b->first)   ? -1
           : gp__lint_place_before(&b->first, &a->first) ? 1
                                                         : 0;
}

/*
 * The values in the order of their first place: threads add them in any order, and the
 * finding must not depend on it.
 */
static void spread_sort(spread *s)
{
    qsort(s->e, s->n, sizeof s->e[0], entry_cmp);
}

/* The least common value of a sorted spread (the earliest of equals): where a finding
 * about it is placed. */
static size_t spread_minority(const spread *s)
{
    size_t m = 0;
    for (size_t i = 1; i < s->n; i++)
        if (s->e[i].count < s->e[m].count)
            m = i;
    return m;
}

/* The first values by place with their counts; the others counted together. */
static void spread_list(const spread *s, gp_buf *out)
{
    size_t shown = s->n < SPREAD_SHOWN ? s->n : SPREAD_SHOWN, records = 0;
    for (size_t i = 0; i < shown; i++) {
        if (i)
            gp_buf_puts(out, ", ");
        gp_buf_printf(out, "'%s' (%zu)", s->e[i].value, s->e[i].count);
    }
    for (size_t i = shown; i < s->n; i++)
        records += s->e[i].count;
    if (s->n > shown)
        gp_buf_printf(out, " and %zu more (%zu record%s)", s->n - shown, records,
                      records == 1 ? "" : "s");
}

static void hash_probes(uint64_t h, uint64_t probe[3])
{
    uint64_t h2 = (h >> 32) | (h << 32);
    for (int k = 0; k < 3; k++)
        probe[k] = (h + (uint64_t)k * h2) % WORD_BITS;
}

static void word_probes(const char *w, size_t len, uint64_t probe[3])
{
    hash_probes(gp__hash(w, len), probe);
}

enum { WORDS_AHEAD = 16 };

/*
 * The probes of words to add, set a group of words after they were fetched: the filter
 * is larger than the caches, and waiting for one miss at a time was a seventh of gp-lint's
 * time (fetching a group just before setting it still waited for the first).
 */
typedef struct word_queue {
    uint64_t p[2][WORDS_AHEAD][3];
    int fill;     /* the group being filled; the other one is fetched */
    size_t n;     /* probes in the group being filled */
    size_t ready; /* probes in the fetched group */
} word_queue;

static void words_set(lworker *w, uint64_t (*p)[3], size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            w->words[p[i][k] / 64] |= (uint64_t)1 << (p[i][k] % 64);
}

static void words_push(lworker *w, word_queue *q, uint64_t hash)
{
    hash_probes(hash, q->p[q->fill][q->n++]);
    if (q->n < WORDS_AHEAD)
        return;
    for (size_t i = 0; i < q->n; i++)
        for (int k = 0; k < 3; k++)
            __builtin_prefetch(&w->words[q->p[q->fill][i][k] / 64], 1);
    words_set(w, q->p[!q->fill], q->ready);
    q->ready = q->n;
    q->n = 0;
    q->fill = !q->fill;
}

static void words_flush(lworker *w, word_queue *q)
{
    words_set(w, q->p[!q->fill], q->ready);
    words_set(w, q->p[q->fill], q->n);
    q->ready = q->n = 0;
}

static int word_seen(const lworker *w, const char *word, size_t len)
{
    uint64_t p[3];
    word_probes(word, len, p);
    for (int k = 0; k < 3; k++)
        if (!(w->words[p[k] / 64] & ((uint64_t)1 << (p[k] % 64))))
            return 0;
    return 1;
}

/* Bits of 64 bytes from `s` (zero past `len`): word bytes, per gp__lint_collect_words. */
static uint64_t word_bits(const unsigned char *s, size_t len)
{
    unsigned char b[65] = {0};
    const unsigned char *p = s;
    if (len < 65) { /* the last block: zeros after the text */
        memcpy(b, s, len);
        p = b;
    }
    uint64_t letter = 0, lower = 0, hyphen = 0;
#if defined(__SSE2__)
    const __m128i a1 = _mm_set1_epi8('a' - 1), z1 = _mm_set1_epi8('z' + 1),
                  x20 = _mm_set1_epi8(0x20), dash = _mm_set1_epi8('-');
    for (int k = 0; k < 4; k++) {
        __m128i c = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        __m128i folded = _mm_or_si128(c, x20);
        __m128i is_letter = _mm_and_si128(_mm_cmpgt_epi8(folded, a1), _mm_cmpgt_epi8(z1, folded));
        __m128i is_lower = _mm_and_si128(_mm_cmpgt_epi8(c, a1), _mm_cmpgt_epi8(z1, c));
        letter |= (uint64_t)(unsigned)_mm_movemask_epi8(is_letter) << (16 * k);
        lower |= (uint64_t)(unsigned)_mm_movemask_epi8(is_lower) << (16 * k);
        hyphen |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(c, dash)) << (16 * k);
    }
#else
    for (int i = 0; i < 64; i++) {
        letter |= (uint64_t)((unsigned)((p[i] | 32) - 'a') < 26) << i;
        lower |= (uint64_t)((unsigned)(p[i] - 'a') < 26) << i;
        hyphen |= (uint64_t)(p[i] == '-') << i;
    }
#endif
    /* a hyphen joins when a lower-case letter follows, as in the byte 64 of the text */
    uint64_t next = (unsigned)(p[64] - 'a') < 26;
    return letter | (hyphen & ((lower >> 1) | (next << 63)));
}

/* Adds the word of `len` bytes at `s` (a hyphen first is not part of it). */
static void add_word(lworker *lw, word_queue *q, const unsigned char *s, size_t len)
{
    if (*s == '-') {
        s++;
        len--;
    }
    if (len < 5 || len >= 64)
        return;
    char word[64];
    for (size_t k = 0; k < len; k++)
        word[k] = (char)(s[k] | 32); /* lower case; a hyphen stays one */
    words_push(lw, q, XXH3_64bits(word, len));
}

/*
 * Words of five letters or more and hyphenated words: what a broken word may be. A word
 * is a run of ASCII letters and of hyphens followed by a lower-case letter, not starting
 * with a hyphen. The runs are found from bit masks of 64 bytes at a time: a loop over the
 * bytes was a tenth of gp-lint's time.
 */
void gp__lint_collect_words(lworker *lw, const char *text)
{
    word_queue q;
    q.fill = 0;
    q.n = q.ready = 0;
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text), start = 0;
    uint64_t carry = 0; /* whether the byte before the block is in a word */
    for (size_t base = 0; base < len; base += 64) {
        uint64_t w = word_bits(s + base, len - base);
        uint64_t before = (w << 1) | carry;
        uint64_t edges = w ^ before; /* where words start (w) and end (not w) */
        carry = w >> 63;
        while (edges) {
            unsigned i = (unsigned)__builtin_ctzll(edges);
            edges &= edges - 1;
            if ((w >> i) & 1)
                start = base + i;
            else
                add_word(lw, &q, s + start, base + i - start);
        }
    }
    if (carry) /* a word up to the end, at a multiple of 64 bytes */
        add_word(lw, &q, s + start, len - start);
    words_flush(lw, &q);
}

/* ---- over the dataset ---- */

/* Reports `key` when seen with several values, at the first record that gave the least
 * common value. `fmt` gets the key and the list of values with their counts. */
__attribute__((format(printf, 6, 0))) static int report_spread(gp_linter *l, spread *s,
                                                               const char *key, const char *check,
                                                               int subject_is_value,
                                                               const char *fmt, gp_buf *list)
{
    if (s->n < 2)
        return GP_OK;
    gp_buf_reset(list);
    spread_sort(s);
    spread_list(s, list);
    size_t m = spread_minority(s);
    return gp__lint_finding(&l->main, &s->e[m].first, check, subject_is_value ? s->e[m].value : key,
                            NULL, fmt, key, gp_buf_str(list));
}

/* report_spread for each key of `map`. */
__attribute__((format(printf, 5, 0))) static int
report_spreads(gp_linter *l, gp_map *map, const char *check, int subject_is_value, const char *fmt)
{
    size_t pos = 0;
    const char *key;
    void *v;
    int rc = GP_OK;
    gp_buf list = GP_BUF_INIT;
    while (!rc && gp_map_next(map, &pos, &key, NULL, &v))
        rc = report_spread(l, v, key, check, subject_is_value, fmt, &list);
    gp_buf_free(&list);
    return rc;
}

typedef struct note_ref {
    uint64_t hash;
    const year_note *n;
} note_ref;

/* By id (its hash first), then in the input's order. */
static int note_cmp(const void *pa, const void *pb)
{
    const note_ref *a = pa, *b = pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    int c = strcmp(a->n->id, b->n->id);
    if (c)
        return c;
    return a->n->seq < b->n->seq ? -1 : a->n->seq > b->n->seq;
}

/* The years of one practice, `n` notes in the input's order, counted as
 * gp__lint_spread_add counts, and reported. `s` has room for `n` entries, `years` for
 * `n` years. */
static int report_years(gp_linter *l, const note_ref *r, size_t n, spread *s, char (*years)[16],
                        gp_buf *list)
{
    s->n = 0;
    s->cap = n;
    s->index = NULL;
    for (size_t i = 0; i < n; i++) {
        const year_note *yn = r[i].n;
        place at = {yn->file, yn->line, yn->column, yn->id, "/implementation_year"};
        char year[16];
        snprintf(year, sizeof year, "%d", yn->year);
        size_t k = 0;
        while (k < s->n && strcmp(s->e[k].same, year) != 0)
            k++;
        if (k < s->n) {
            s->e[k].count++;
            if (gp__lint_place_before(&at, &s->e[k].first))
                s->e[k].first = at;
        } else {
            memcpy(years[k], year, sizeof year);
            s->e[k] = (spread_entry){years[k], years[k], 1, at};
            s->n++;
        }
    }
    return report_spread(l, s, r[0].n->id, "record.year-conflict", 1,
                         "practice %s is given several implementation years: %s", list);
}

/* Sorts `r` by the low 32 bits of the hash: two passes of a radix sort, as qsort of a
 * million notes was a third of a second alone at the end of the run. */
static int sort_by_hash(note_ref *r, size_t n)
{
    enum { DIGIT = 16, BUCKETS = 1 << DIGIT };
    note_ref *tmp = malloc(n * sizeof *tmp);
    size_t *count = malloc(BUCKETS * sizeof *count);
    if (!tmp || !count) {
        free(tmp);
        free(count);
        return GP_ENOMEM;
    }
    note_ref *from = r, *to = tmp;
    for (int shift = 0; shift < 32; shift += DIGIT) {
        memset(count, 0, BUCKETS * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(from[i].hash >> shift) & (BUCKETS - 1)]++;
        size_t sum = 0;
        for (size_t d = 0; d < BUCKETS; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            to[count[(from[i].hash >> shift) & (BUCKETS - 1)]++] = from[i];
        note_ref *t = from;
        from = to;
        to = t;
    }
    /* an even number of passes: the result is in `r` */
    free(tmp);
    free(count);
    return GP_OK;
}

/* record.year-conflict: the notes of every thread sorted by id, each id's in input order. */
static int finish_years(gp_linter *l)
{
    size_t total = l->main.nyears;
    for (size_t i = 0; i < l->nworkers; i++)
        total += l->workers[i].nyears;
    if (!total)
        return GP_OK;
    note_ref *refs = malloc(total * sizeof *refs);
    spread *s = NULL;        /* room for the notes of the largest practice so far */
    char(*years)[16] = NULL; /* their years */
    size_t room = 0;
    int rc = refs ? GP_OK : GP_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; !rc && i <= l->nworkers; i++) {
        const lworker *w = i < l->nworkers ? &l->workers[i] : &l->main;
        for (size_t j = 0; j < w->nyears; j++)
            refs[k++] = (note_ref){w->years[j].hash, &w->years[j]};
    }
    if (!rc)
        rc = sort_by_hash(refs, total);
    gp_buf list = GP_BUF_INIT;
    for (size_t i = 0, e; !rc && i < total; i = e) {
        /* the notes of one low half of a hash: most often one id once */
        for (e = i + 1; e < total && (uint32_t)refs[e].hash == (uint32_t)refs[i].hash;)
            e++;
        if (e - i == 1)
            continue;
        qsort(refs + i, e - i, sizeof *refs, note_cmp);
        for (size_t a = i, b; !rc && a < e; a = b) {
            for (b = a + 1; b < e && refs[b].hash == refs[a].hash &&
                            strcmp(refs[b].n->id, refs[a].n->id) == 0;)
                b++;
            if (b - a < 2)
                continue;
            if (b - a > room) {
                free(s);
                free(years);
                room = b - a;
                s = malloc(sizeof *s + room * sizeof(spread_entry));
                years = malloc(room * sizeof *years);
                if (!s || !years) {
                    rc = GP_ENOMEM;
                    break;
                }
            }
            rc = report_years(l, refs + a, b - a, s, years, &list);
        }
    }
    gp_buf_free(&list);
    free(refs);
    free(s);
    free(years);
    return rc;
}

static int finish_spreads(gp_linter *l)
{
    int rc = report_spreads(l, l->inst_countries, "institution.countries", 0,
                            "institution '%s' appears in several countries: %s");
    if (!rc)
        rc = report_spreads(l, l->country_regions, "region.inconsistent", 1,
                            "country %s is given several regions: %s");
    if (!rc)
        rc = finish_years(l);
    return rc;
}

static int known_word(const lworker *lw, const char *w)
{
    char low[64];
    size_t n = strlen(w);
    if (n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
    return word_seen(lw, low, n);
}

static int finish_broken(gp_linter *l)
{
    int rc = GP_OK;
    for (size_t i = 0; i < l->nbroken && !rc; i++) {
        broken *b = &l->broken[i];
        char joined[128], hyphened[128], shown[140];
        snprintf(joined, sizeof joined, "%s%s", b->left, b->right);
        snprintf(hyphened, sizeof hyphened, "%s-%s", b->left, b->right);
        snprintf(shown, sizeof shown, "%s- %s", b->left, b->right);
        int j = known_word(&l->main, joined), h = known_word(&l->main, hyphened);
        const char *fix = j && !h ? joined : h && !j ? hyphened : NULL;
        if (fix)
            rc = gp__lint_finding(&l->main, &b->at, "text.broken-word", shown, fix,
                                  "'%s' is a word broken at a line end; the texts write '%s' (%s)",
                                  shown, fix, b->at.pointer + 1);
        else
            rc = gp__lint_finding(&l->main, &b->at, "text.broken-word", shown, NULL,
                                  "'%s' looks like a word broken at a line end (%s)", shown,
                                  b->at.pointer + 1);
    }
    return rc;
}

static int keep_suggestion(gp_linter *l, const gp_cluster *c)
{
    if (GP_GROW(l->suggestions, l->suggestions_cap, l->nsuggestions + 1) != GP_OK)
        return GP_ENOMEM;
    suggestion *s = &l->suggestions[l->nsuggestions++];
    memset(s, 0, sizeof *s);
    s->kind = c->kind;
    s->scope = gp__strdup(c->scope);
    s->canonical = gp__strdup(c->suggestion);
    s->known = c->suggestion_known;
    s->aliases = calloc(c->n, sizeof *s->aliases);
    if (!s->canonical || !s->aliases)
        return GP_ENOMEM;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->members[i].value, c->suggestion) != 0)
            s->aliases[s->naliases++] = gp__strdup(c->members[i].value);
    return GP_OK;
}

static void json_str(gp_buf *b, const char *s)
{
    if (s)
        gp_json_write_string(b, s, strlen(s));
    else
        gp_buf_puts(b, "null");
}

/*
 * The cluster as the finding's "cluster" object, keys sorted like the finding's, so that
 * readers (gp-report, bench/score_variants.py) need not take the message apart:
 * {"members": [{"count", "known", "value"}], "methods": [...], "proposed",
 *  "proposed_known", "scope"}.
 */
static void cluster_json(gp_buf *b, const gp_cluster *c)
{
    gp_buf_puts(b, "{\"members\":[");
    for (size_t i = 0; i < c->n; i++) {
        const gp_variant *v = &c->members[i];
        gp_buf_printf(b, "%s{\"count\":%zu,\"known\":%s,\"value\":", i ? "," : "", v->count,
                      v->known ? "true" : "false");
        json_str(b, v->value);
        gp_buf_putc(b, '}');
    }
    gp_buf_puts(b, "],\"methods\":[");
    const char *m = c->methods ? c->methods : "";
    for (int first = 1; *m; first = 0) {
        size_t len = strcspn(m, ",");
        if (!first)
            gp_buf_putc(b, ',');
        gp_json_write_string(b, m, len);
        m += len;
        while (*m == ',' || *m == ' ')
            m++;
    }
    gp_buf_puts(b, "],\"proposed\":");
    json_str(b, c->suggestion);
    gp_buf_printf(b, ",\"proposed_known\":%s,\"scope\":", c->suggestion_known ? "true" : "false");
    json_str(b, c->scope);
    gp_buf_putc(b, '}');
}

static int on_cluster(void *ctx, const gp_cluster *c)
{
    gp_linter *l = ctx;
    gp_buf msg = GP_BUF_INIT, value = GP_BUF_INIT, cluster = GP_BUF_INIT;
    cluster_json(&cluster, c);
    for (size_t i = 0; i < c->n; i++) {
        const gp_variant *v = &c->members[i];
        if (i)
            gp_buf_puts(&msg, ", ");
        if (v->count == 0) /* the rules' name, which no record wrote */
            gp_buf_printf(&msg, "'%s' (in the rules)", v->value);
        else
            gp_buf_printf(&msg, "'%s' (%zu%s)", v->value, v->count,
                          v->known ? ", in the rules" : "");
        if (i)
            gp_buf_puts(&value, " | ");
        gp_buf_puts(&value, v->value);
    }
    /* placed at the first record that uses a spelling other than the suggestion */
    const gp_variant *at = &c->members[0];
    for (size_t i = 0; i < c->n; i++)
        if (!c->members[i].known && c->members[i].file) {
            at = &c->members[i];
            break;
        }
    place p = {at->file, at->line, at->column, at->record_id, at->pointer};
    char rule[48];
    snprintf(rule, sizeof rule, "%s.variants", gp__lint_kind_ids[c->kind]);
    int rc =
        gp_buf_error(&msg) || gp_buf_error(&value) || gp_buf_error(&cluster) ? GP_ENOMEM : GP_OK;
    if (!rc)
        rc = gp__lint_cluster_finding(
            &l->main, &p, rule, gp_buf_str(&value), c->suggestion, gp_buf_str(&cluster),
            "%s variants%s%s: %s; write '%s' (%s)", gp_vocab_name(c->kind), c->scope ? " in " : "",
            c->scope ? c->scope : "", gp_buf_str(&msg), c->suggestion, c->methods);
    gp_buf_free(&msg);
    gp_buf_free(&value);
    gp_buf_free(&cluster);
    if (!rc)
        rc = keep_suggestion(l, c);
    return rc;
}

/* ---- where the time goes (--stats) ---- */

static const char *const phase_names[LINT_PHASES] = {"checks", "consistency", "duplicates",
                                                     "discovery"};

static void clock_now(double *wall, double *cpu)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    *wall = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    *cpu = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Adds the time since the last call to `phase`. */
static void phase_end(gp_linter *l, int phase, double *wall, double *cpu)
{
    double w, c;
    clock_now(&w, &c);
    l->phase_wall[phase] += w - *wall;
    l->phase_cpu[phase] += c - *cpu;
    *wall = w;
    *cpu = c;
}

size_t gp_lint_phases(const gp_linter *l, gp_lint_phase *out, size_t max)
{
    for (size_t i = 0; i < LINT_PHASES && i < max; i++)
        out[i] = (gp_lint_phase){phase_names[i], l->phase_wall[i], l->phase_cpu[i]};
    return LINT_PHASES;
}

int gp_lint_finish(gp_linter *l)
{
    if (l->finished)
        return GP_OK;
    l->finished = 1;
    double wall, cpu;
    clock_now(&wall, &cpu);
    if (l->nworkers) {
        if (l->current && l->current->n)
            gp__lint_enqueue(l, l->current);
        else
            gp__lint_free_batches(l->current);
        l->current = NULL;
        gp__lint_stop_workers(l);
        /* the dataset-wide checks run here alone, with every thread's words */
        for (size_t i = 0; i < l->nworkers; i++)
            for (size_t k = 0; k < WORD_BITS / 64; k++)
                l->main.words[k] |= l->workers[i].words[k];
        if (l->error)
            return l->error;
    }
    phase_end(l, LINT_PHASE_CHECKS, &wall, &cpu);
    int rc = finish_spreads(l);
    phase_end(l, LINT_PHASE_CONSISTENCY, &wall, &cpu);
    if (!rc && l->dedup) {
        gp_dedup_output out = {NULL, NULL, NULL, NULL, &l->dedup_sink};
        rc = gp_dedup_run(l->dedup);
        if (!rc)
            rc = gp_dedup_write(l->dedup, &out);
    }
    phase_end(l, LINT_PHASE_DUPLICATES, &wall, &cpu);
    if (!rc)
        rc = finish_broken(l);
    phase_end(l, LINT_PHASE_CONSISTENCY, &wall, &cpu);
    if (!rc && l->opts.discovery) {
        if (l->opts.progress)
            l->opts.progress(l->opts.progress_ctx, "finding variant spellings", 0, 0);
        rc = gp_discover_run(l->disc, on_cluster, l);
    }
    phase_end(l, LINT_PHASE_DISCOVERY, &wall, &cpu);
    struct gp_lint_rules *lr = gp__lint_rules_mut(l->rules);
    for (size_t i = 0; !rc && lr && i < lr->nsuppressions; i++) {
        gp_lint_suppression *s = &lr->suppressions[i];
        if (s->used)
            continue;
        place at = {s->file, s->line, 0, NULL, NULL};
        rc = gp__lint_finding(&l->main, &at, "lint.unused-suppression", s->rule, NULL,
                              "suppression of '%s'%s%s matched no finding", s->rule,
                              s->record ? " for " : "", s->record ? s->record : "");
    }
    phase_end(l, LINT_PHASE_CONSISTENCY, &wall, &cpu);
    return rc;
}

/* ---- suggestions ---- */

static void yaml_string(gp_buf *out, const char *s)
{
    /* Double-quoted YAML: safe for any text. */
    gp_buf_putc(out, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            gp_buf_putc(out, '\\');
        gp_buf_putc(out, *p);
    }
    gp_buf_putc(out, '"');
}

static void yaml_aliases(gp_buf *out, const gp_lint_suggestion *s, const char *indent)
{
    gp_buf_printf(out, "%saliases: [", indent);
    for (size_t i = 0; i < s->naliases; i++) {
        if (i)
            gp_buf_puts(out, ", ");
        yaml_string(out, s->aliases[i]);
    }
    gp_buf_puts(out, "]\n");
}

int gp_lint_suggest_yaml(const gp_lint_suggestion *sg, size_t n, gp_buf *out)
{
    static const struct {
        gp_vocab_kind kind;
        const char *section;
    } sections[] = {{GP_VOCAB_REGION, "regions"},
                    {GP_VOCAB_TOPIC, "topics"},
                    {GP_VOCAB_PRIORITY_AREA, "priority_areas"},
                    {GP_VOCAB_INSTITUTION, "institutions"}};
    int any_country = 0;
    for (size_t i = 0; i < n; i++)
        any_country |= sg[i].kind == GP_VOCAB_COUNTRY;
    if (any_country) {
        gp_buf_puts(out, "countries:\n  entries:\n");
        for (size_t i = 0; i < n; i++) {
            const gp_lint_suggestion *s = &sg[i];
            if (s->kind != GP_VOCAB_COUNTRY)
                continue;
            if (s->known) {
                gp_buf_puts(out, "    - alias_of: ");
                yaml_string(out, s->canonical);
                gp_buf_putc(out, '\n');
            } else {
                gp_buf_puts(out, "    # no rule knows this country: give its ISO 3166-1 code\n"
                                 "    - code: XX\n      name: ");
                yaml_string(out, s->canonical);
                gp_buf_putc(out, '\n');
            }
            yaml_aliases(out, s, "      ");
        }
    }
    for (size_t k = 0; k < GP_ARRAY_LEN(sections); k++) {
        int header = 0;
        for (size_t i = 0; i < n; i++) {
            const gp_lint_suggestion *s = &sg[i];
            if (s->kind != sections[k].kind)
                continue;
            if (!header) {
                gp_buf_printf(out, "%s:\n", sections[k].section);
                header = 1;
            }
            gp_buf_puts(out, s->known ? "  - alias_of: " : "  - name: ");
            yaml_string(out, s->canonical);
            gp_buf_putc(out, '\n');
            if (s->kind == GP_VOCAB_INSTITUTION && s->scope) {
                gp_buf_puts(out, "    country: ");
                yaml_string(out, s->scope);
                gp_buf_putc(out, '\n');
            }
            yaml_aliases(out, s, "    ");
        }
    }
    return gp_buf_error(out) ? GP_ENOMEM : GP_OK;
}

int gp_lint_suggest(const gp_linter *l, gp_buf *out)
{
    gp_buf_puts(out, "# Rule entries that resolve the variants gp-lint found. Paste them into a\n"
                     "# file under rules/ (one that rules/gpkit.yaml includes), check each\n"
                     "# suggested canonical name, and run the tools again.\n");
    gp_lint_suggestion *sg = calloc(l->nsuggestions ? l->nsuggestions : 1, sizeof *sg);
    if (!sg)
        return GP_ENOMEM;
    for (size_t i = 0; i < l->nsuggestions; i++) {
        const suggestion *s = &l->suggestions[i];
        sg[i] = (gp_lint_suggestion){
            s->kind,    s->scope, s->canonical, s->known, (const char *const *)s->aliases,
            s->naliases};
    }
    int rc = gp_lint_suggest_yaml(sg, l->nsuggestions, out);
    free(sg);
    return rc;
}
