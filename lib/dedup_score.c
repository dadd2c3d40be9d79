/*
 * lib/dedup_score.c - the features of a practice and the score of a pair.
 *
 * Features come from the matching keys (gpkit/text.h) of the canonical record, so
 * case, accents, quotes, dashes and white space never matter:
 *  - the description's word shingles (rules: `shingle` words), each hashed from the
 *    hashes of its words, kept as a sorted set of 16-bit fingerprints (the `sketch`
 *    smallest for a very long text). Two different shingles meet by chance once in
 *    65536, about 0.3 false matches for two descriptions of 150 words: the comparison
 *    is exact for scoring purposes, at two bytes a shingle;
 *  - MinHash over the shingles of title and description: bands x rows minimums (one
 *    permutation hashing), each band of rows minimums hashed into one LSH key;
 *  - title words without stopwords, cut to `stem` characters ("services", "service"
 *    and "servicing" meet), hashed; topics hashed.
 * The score of a pair (docs/dedup.md):
 *   text  = sum(weight x similarity) / sum(weight) over the text parts both records have
 *   score = text x the factor of each disagreeing field, rounded to three decimals.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dedup_impl.h"

int gp__dd_worker_init(dd_worker *w)
{
    memset(w, 0, sizeof *w);
    if (gp_text_new(&w->text) != GP_OK || gp_arena_new(&w->arena) != GP_OK ||
        gp_arena_new(&w->scratch) != GP_OK || gp_arena_new(&w->render) != GP_OK ||
        gp_arena_new(&w->render_alt) != GP_OK) {
        gp__dd_worker_free(w);
        return GP_ENOMEM;
    }
    return GP_OK;
}

void gp__dd_worker_free(dd_worker *w)
{
    gp_text_free(w->text);
    gp_arena_free(w->arena);
    gp_arena_free(w->scratch);
    gp_arena_free(w->render);
    gp_arena_free(w->render_alt);
    gp_buf_free(&w->key);
    gp_buf_free(&w->key2);
    gp_buf_free(&w->line);
    free(w->h64);
    free(w->h32);
    free(w->h32b);
    free(w->h16);
    free(w->stop);
    memset(w, 0, sizeof *w);
}

void gp__dd_worker_trim(dd_worker *w)
{
    enum { KEEP = 4 << 20 };
    if (w->key.cap > KEEP)
        gp_buf_free(&w->key);
    if (w->key2.cap > KEEP)
        gp_buf_free(&w->key2);
    if (w->line.cap > KEEP)
        gp_buf_free(&w->line);
    if (w->h64_cap * sizeof *w->h64 > KEEP) {
        free(w->h64);
        w->h64 = NULL;
        w->h64_cap = 0;
    }
    if (w->h32_cap * sizeof *w->h32 > KEEP) {
        free(w->h32);
        w->h32 = NULL;
        w->h32_cap = 0;
    }
    if (w->h32b_cap * sizeof *w->h32b > KEEP) {
        free(w->h32b);
        w->h32b = NULL;
        w->h32b_cap = 0;
    }
    if (w->h16_cap * sizeof *w->h16 > KEEP) {
        free(w->h16);
        w->h16 = NULL;
        w->h16_cap = 0;
    }
    if (w->stop_cap > KEEP) {
        free(w->stop);
        w->stop = NULL;
        w->stop_cap = 0;
    }
}

double gp__dd_round3(double x)
{
    return floor(x * 1000.0 + 0.5) / 1000.0;
}

void gp__dd_put_number(gp_buf *b, double x)
{
    char num[32];
    snprintf(num, sizeof num, "%.3f", gp__dd_round3(x));
    size_t n = strlen(num);
    while (n > 0 && num[n - 1] == '0')
        n--;
    if (n > 0 && num[n - 1] == '.')
        n--;
    if (n == 2 && num[0] == '-' && num[1] == '0') /* -0 */
        gp_buf_putc(b, '0');
    else
        gp_buf_put(b, num, n);
}

static uint32_t hash32(const char *s, size_t len)
{
    uint32_t h = (uint32_t)(XXH3_64bits(s, len) >> 32);
    return h ? h : 1; /* 0 means "none" in dd_ent */
}

/* Final mixer (SplitMix64), for hashes built from other hashes. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static int grow64(dd_worker *w, size_t need)
{
    return need <= w->h64_cap ? GP_OK : GP_GROW(w->h64, w->h64_cap, need);
}

enum { FP_ARRAY_MAX = 4096 };

/* Description fingerprints: an array (v, n) or a bitmap of 65536 bits. */
typedef struct fp_set {
    uint16_t *v;
    uint64_t *bits;
    size_t n;
} fp_set;

/*
 * Makes the shingles of a key's `nw` words, `shingle` words each (all words when
 * fewer): the hash of each is folded from its word hashes. A shingle of stopwords only
 * takes no part in MinHash ("of the": shared by most texts, it would pair them all);
 * every shingle goes to `fp` when set. Returns the number of shingles.
 */
static size_t feed_shingles(const gp_dedup_rules *r, const char *key, size_t len, size_t nw,
                            uint32_t *mins, size_t nbins, fp_set *fp)
{
    if (nw == 0)
        return 0;
    size_t width = nw < (size_t)r->shingle ? nw : (size_t)r->shingle;
    uint64_t ring[8];
    uint8_t stop[8];
    size_t t = 0, i = 0, n = 0;
    while (i < len && t < nw) {
        const char *sp = memchr(key + i, ' ', len - i);
        size_t j = sp ? (size_t)(sp - key) : len;
        uint64_t h = XXH3_64bits(key + i, j - i);
        ring[t % width] = h;
        stop[t % width] = (uint8_t)gp__dedup_stop_hash(r, h);
        t++;
        i = j + 1;
        if (t < width)
            continue;
        size_t first = t - width;
        uint64_t x = 0x9e3779b97f4a7c15ULL * (width + 1);
        int all = 1;
        for (size_t q = 0; q < width; q++) {
            size_t at = (first + q) % width;
            x = mix64(x ^ ring[at]) + q;
            all = all && stop[at];
        }
        n++;
        if (!all && nbins) {
            size_t bin = (size_t)(((x >> 32) * nbins) >> 32);
            uint32_t v = (uint32_t)x;
            if (v < mins[bin])
                mins[bin] = v;
        }
        if (fp) {
            uint16_t f = (uint16_t)(mix64(x) >> 48);
            if (fp->bits)
                fp->bits[f >> 6] |= (uint64_t)1 << (f & 63);
            else
                fp->v[fp->n++] = f;
        }
    }
    return n;
}

/* Quicksort (median of three) with insertion sort for short runs; qsort's indirect
 * comparisons cost more than the rest of a record's features. */
static void sort32(uint32_t *v, size_t n)
{
    while (n > 16) {
        uint32_t a = v[0], b = v[n / 2], c = v[n - 1];
        uint32_t pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        size_t i = 0, j = n - 1;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i >= j)
                break;
            uint32_t t = v[i];
            v[i] = v[j];
            v[j] = t;
            i++;
            j--;
        }
        /* recurse into the smaller side, loop on the larger */
        size_t left = j + 1;
        if (left < n - left) {
            sort32(v, left);
            v += left;
            n -= left;
        } else {
            sort32(v + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Sorts 16-bit values (radix, two passes; `tmp` holds n) and removes repeats. */
static size_t sort_unique16(uint16_t *v, uint16_t *tmp, size_t n)
{
    size_t lo[257] = {0}, hi[257] = {0};
    for (size_t i = 0; i < n; i++) {
        lo[(v[i] & 0xFF) + 1]++;
        hi[(v[i] >> 8) + 1]++;
    }
    for (size_t k = 1; k < 257; k++) {
        lo[k] += lo[k - 1];
        hi[k] += hi[k - 1];
    }
    for (size_t i = 0; i < n; i++)
        tmp[lo[v[i] & 0xFF]++] = v[i];
    for (size_t i = 0; i < n; i++)
        v[hi[tmp[i] >> 8]++] = tmp[i];
    size_t k = n ? 1 : 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

/* Sorts and removes repeats; returns the new length. */
static size_t sort_unique32(uint32_t *v, size_t n)
{
    if (n < 2)
        return n;
    sort32(v, n);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

/* Matching key of `s` into `buf` (reset first). */
static int key_of(dd_worker *w, gp_buf *buf, const char *s)
{
    gp_buf_reset(buf);
    if (!s)
        return GP_OK;
    return gp_text_key(w->text, s, strlen(s), buf);
}

/* Hash of the first `stem` characters of a word (all of it when stem is 0). */
static uint32_t stem_hash(const char *word, size_t len, int stem)
{
    if (stem > 0) {
        size_t i = 0;
        int chars = 0;
        while (i < len && chars < stem) {
            i++;
            while (i < len && ((unsigned char)word[i] & 0xC0) == 0x80)
                i++;
            chars++;
        }
        len = i;
    }
    return hash32(word, len);
}

/* Stem hashes of the words of a key that are not stopwords, into `out` (unsorted). */
static size_t stems(const gp_dedup_rules *r, const char *key, size_t len, uint32_t *out, size_t cap)
{
    size_t n = 0, i = 0;
    while (i < len && n < cap) {
        size_t j = i;
        while (j < len && key[j] != ' ')
            j++;
        if (j > i && !gp__dedup_stopword(r, key + i, j - i))
            out[n++] = stem_hash(key + i, j - i, r->stem);
        i = j + 1;
    }
    return n;
}

static size_t word_count(const char *key, size_t len)
{
    if (len == 0)
        return 0;
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += key[i] == ' ';
    return n;
}

/* The hash of each DD_HEAD_STEP x (k + 1) bytes that open a key (0 past its end). */
static void head_hashes(const char *key, size_t len, uint16_t *out)
{
    for (size_t k = 0; k < DD_HEAD_CHECKS; k++) {
        size_t n = (k + 1) * DD_HEAD_STEP;
        out[k] = n <= len ? (uint16_t)(XXH3_64bits(key, n) >> 48) : 0;
    }
}

/* The record of an entity, in the worker's scratch arena (reset first). */
static int load(dd_worker *w, const dd_ent *e, gp_record *rec)
{
    gp_arena_reset(w->scratch);
    return w->load(w->load_ctx, e, w->scratch, rec);
}

int gp__dd_features(dd_worker *w, const gp_dedup_rules *r, dd_ent *e, const gp_record *in,
                    uint32_t *bands)
{
    const gp_record rec = *in;
    int rc;
    e->inst_key = NULL;
    e->inst_hash = 0;
    if (rec.institution) {
        if ((rc = key_of(w, &w->key, rec.institution)))
            return rc;
        if (w->key.len) {
            e->inst_key = gp_arena_strndup(w->arena, w->key.data, w->key.len);
            if (!e->inst_key)
                return GP_ENOMEM;
            e->inst_hash = XXH3_64bits(w->key.data, w->key.len) | 1;
        }
    }
    e->country = 0;
    if (rec.country_code) {
        e->country = hash32(rec.country_code, strlen(rec.country_code));
    } else if (rec.country) {
        if ((rc = key_of(w, &w->key, rec.country)))
            return rc;
        if (w->key.len)
            e->country = hash32(w->key.data, w->key.len);
    }
    e->award_year = (uint16_t)(rec.award_year.value > 0 ? rec.award_year.value : 0);
    e->impl_year =
        (uint16_t)(rec.implementation_year.value > 0 ? rec.implementation_year.value : 0);
    e->formats = 0;
    e->doc = 0;
    for (size_t i = 0; i < rec.nsources; i++) {
        gp_format f = gp__dd_format(rec.sources[i].format);
        e->formats |= (uint8_t)(1u << f);
        if ((r->one_per_document >> f) & 1 && rec.sources[i].file) {
            uint32_t h = hash32(rec.sources[i].file, strlen(rec.sources[i].file));
            if (!e->doc || h < e->doc)
                e->doc = h;
        }
    }

    /* Words of description and title, shingled. */
    if ((rc = key_of(w, &w->key, rec.description)) || (rc = key_of(w, &w->key2, rec.title)))
        return rc;
    /* a key's words are separated by single spaces, none at either end: the shingles'
       words, counted once */
    size_t dw = word_count(w->key.data, w->key.len);
    size_t tw = word_count(w->key2.data, w->key2.len);
    /* the opening of the description, to tell a cut-off copy (see description_prefix) */
    e->desc_head = NULL;
    e->desc_len = (uint32_t)(w->key.len > UINT32_MAX ? UINT32_MAX : w->key.len);
    e->desc_words = (uint16_t)(dw > 65535 ? 65535 : dw);
    if (w->key.len && w->key.len <= (size_t)r->prefix_max_chars &&
        !(e->desc_head = gp_arena_strndup(w->arena, w->key.data, w->key.len)))
        return GP_ENOMEM;
    head_hashes(w->key.data, w->key.len, e->head_hash);
    /*
     * The shingles are made as the words go by (a window of `shingle` word hashes), so
     * a huge description costs no array per word: each goes to the MinHash bins of
     * title and description and, for the description, to the fingerprints, kept in an
     * array to sort, or in a bitmap of all 65536 when there are many.
     */
    size_t nbins = (size_t)r->bands * (size_t)r->rows;
    uint32_t mins[GP_DD_MAX_PERMS];
    for (size_t p = 0; p < nbins; p++)
        mins[p] = UINT32_MAX;
    size_t dwidth = dw < (size_t)r->shingle ? dw : (size_t)r->shingle;
    size_t nshing = dw ? dw - dwidth + 1 : 0;
    fp_set fp = {NULL, NULL, 0};
    if (nshing > FP_ARRAY_MAX) {
        if (grow64(w, 1024) != GP_OK)
            return GP_ENOMEM;
        fp.bits = w->h64;
        memset(fp.bits, 0, 1024 * sizeof *fp.bits);
    } else if (nshing) {
        if (2 * nshing > w->h16_cap && GP_GROW(w->h16, w->h16_cap, 2 * nshing) != GP_OK)
            return GP_ENOMEM;
        fp.v = w->h16;
    }
    size_t nd = feed_shingles(r, w->key.data, w->key.len, dw, mins, nbins, &fp);
    size_t nt = feed_shingles(r, w->key2.data, w->key2.len, tw, mins, nbins, NULL);
    e->flags = (uint8_t)((nd ? DD_HAS_DESCRIPTION : 0) | (tw ? DD_HAS_TITLE : 0));

    /*
     * MinHash of title and description shingles by one permutation hashing: the hash
     * picks one of bands x rows bins and the smallest rest per bin is kept, one step a
     * shingle instead of one per bin; an empty bin borrows from a full one (below), so
     * short texts still fill every band.
     */
    if (nd + nt == 0 || nbins == 0) {
        for (int b = 0; b < r->bands; b++)
            bands[b] = 0;
    } else {
        /*
         * An empty bin takes the value of the first full bin along a probe sequence of
         * its own (optimal densification): with a plain "next full bin to the right"
         * the empty bins of a band would all copy one bin, and two texts that share a
         * single common shingle would share the band.
         */
        uint32_t filled[GP_DD_MAX_PERMS];
        memcpy(filled, mins, nbins * sizeof *mins);
        size_t full = 0;
        for (size_t p = 0; p < nbins; p++)
            full += mins[p] != UINT32_MAX;
        for (size_t p = 0; p < nbins && full; p++) {
            if (mins[p] != UINT32_MAX)
                continue;
            for (uint64_t t = 1;; t++) {
                uint64_t probe = mix64(((uint64_t)p << 32) + t);
                size_t q = (size_t)(((probe >> 32) * nbins) >> 32);
                if (mins[q] != UINT32_MAX) {
                    filled[p] = (uint32_t)(mix64(mins[q] ^ ((uint64_t)p << 40)) >> 32);
                    break;
                }
            }
        }
        for (int b = 0; b < r->bands; b++) {
            uint32_t h = (uint32_t)(XXH3_64bits(&filled[(size_t)b * (size_t)r->rows],
                                                (size_t)r->rows * sizeof *filled) >>
                                    32);
            bands[b] = h ? h : 1;
        }
    }

    /* Description fingerprints, title stems and topics. */
    size_t cap = 32 + rec.topics.len + 1;
    if (cap > w->h32_cap && GP_GROW(w->h32, w->h32_cap, cap) != GP_OK)
        return GP_ENOMEM;
    if (fp.bits) {
        /* the smallest `sketch` set bits, and how many there are */
        if ((size_t)r->sketch > w->h16_cap &&
            GP_GROW(w->h16, w->h16_cap, (size_t)r->sketch) != GP_OK)
            return GP_ENOMEM;
        size_t k = 0;
        for (size_t i = 0; i < 1024; i++) {
            uint64_t bits = fp.bits[i];
            while (bits) {
                unsigned b = (unsigned)__builtin_ctzll(bits);
                bits &= bits - 1;
                if (k < (size_t)r->sketch)
                    w->h16[k] = (uint16_t)(i * 64 + b);
                k++;
            }
        }
        nd = k;
    } else if (nd) {
        /* h16 is still NULL while no description has been seen: no pointer sum on it */
        nd = sort_unique16(w->h16, w->h16 + nd, nd);
    }
    e->nshingles = (uint16_t)(nd > 65535 ? 65535 : nd);
    size_t ns = nd < (size_t)r->sketch ? nd : (size_t)r->sketch;
    e->nsketch = (uint16_t)ns;
    uint32_t *ts = w->h32;
    size_t nts = stems(r, w->key2.data ? w->key2.data : "", w->key2.len, ts, 32);
    nts = sort_unique32(ts, nts);
    e->ntitle = (uint8_t)nts;
    uint32_t *tp = ts + nts;
    size_t ntp = 0;
    for (size_t i = 0; i < rec.topics.len && ntp < 255; i++)
        tp[ntp++] = hash32(rec.topics.items[i], strlen(rec.topics.items[i]));
    ntp = sort_unique32(tp, ntp);
    e->ntopics = (uint8_t)ntp;

    size_t n32 = nts + ntp;
    void *mem = gp_arena_alloc(w->arena, n32 * sizeof(uint32_t) + ns * sizeof(uint16_t) + 1);
    if (!mem)
        return GP_ENOMEM;
    e->hashes = mem;
    e->sketch = (uint16_t *)(e->hashes + n32);
    memcpy(e->hashes, ts, n32 * sizeof *ts);
    if (ns)
        memcpy(e->sketch, w->h16, ns * sizeof *e->sketch);
    return GP_OK;
}

/* ---- scoring ---- */

static double jaccard_sorted(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                             size_t *inter_out)
{
    size_t i = 0, j = 0, inter = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) {
            inter++;
            i++;
            j++;
        } else if (a[i] < b[j]) {
            i++;
        } else {
            j++;
        }
    }
    if (inter_out)
        *inter_out = inter;
    size_t uni = na + nb - inter;
    return uni ? (double)inter / (double)uni : 0.0;
}

/* Whether common16 may compare 8 fingerprints with 8 at once (tests turn it off). */
static int common16_vectors = 1;

void gp__dd_common16_vectors(int on)
{
    common16_vectors = on;
}

/*
 * Size of the intersection of two sorted arrays of distinct fingerprints (a sketch
 * repeats none). This loop is most of the time spent scoring.
 */
size_t gp__dd_common16(const uint16_t *a, size_t na, const uint16_t *b, size_t nb)
{
    size_t i = 0, j = 0, inter = 0;
#if defined(__SSE2__)
    /*
     * Eight of a against eight of b in every rotation: 8 x 8 comparisons in a few
     * instructions, then the block with the smaller last value moves on (both when
     * equal), as the one-at-a-time merge below does, which finishes the last few. A
     * value matches at most one of the other's eight, so matching lanes count common
     * values. Per lane, matches are counted down from 0; a sketch holds at most 65535
     * values, so a lane counts below 16384.
     */
    __m128i found = _mm_setzero_si128();
    while (common16_vectors && i + 8 <= na && j + 8 <= nb) {
        __m128i va = _mm_loadu_si128((const __m128i *)(const void *)(a + i));
        __m128i vb = _mm_loadu_si128((const __m128i *)(const void *)(b + j));
        __m128i vb1 = _mm_or_si128(_mm_srli_si128(vb, 2), _mm_slli_si128(vb, 14));
        __m128i m = _mm_or_si128(_mm_cmpeq_epi16(va, vb), _mm_cmpeq_epi16(va, vb1));
        m = _mm_or_si128(m, _mm_cmpeq_epi16(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(0, 3, 2, 1))));
        m = _mm_or_si128(m, _mm_cmpeq_epi16(va, _mm_shuffle_epi32(vb1, _MM_SHUFFLE(0, 3, 2, 1))));
        m = _mm_or_si128(m, _mm_cmpeq_epi16(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(1, 0, 3, 2))));
        m = _mm_or_si128(m, _mm_cmpeq_epi16(va, _mm_shuffle_epi32(vb1, _MM_SHUFFLE(1, 0, 3, 2))));
        m = _mm_or_si128(m, _mm_cmpeq_epi16(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(2, 1, 0, 3))));
        m = _mm_or_si128(m, _mm_cmpeq_epi16(va, _mm_shuffle_epi32(vb1, _MM_SHUFFLE(2, 1, 0, 3))));
        found = _mm_sub_epi16(found, m);
        unsigned alast = a[i + 7], blast = b[j + 7];
        i += alast <= blast ? 8 : 0;
        j += blast <= alast ? 8 : 0;
    }
    uint16_t lanes[8];
    _mm_storeu_si128((__m128i *)(void *)lanes, found);
    for (int k = 0; k < 8; k++)
        inter += lanes[k];
#endif
    while (i < na && j < nb) {
        /* without branches: which way a merge goes is a coin toss */
        unsigned x = a[i], y = b[j];
        inter += x == y;
        i += x <= y;
        j += y <= x;
    }
    return inter;
}

/* Description similarity; sets the Jaccard index and whether it is estimated. */
static double description_sim(const gp_dedup_rules *r, const dd_ent *a, const dd_ent *b,
                              double *jacc, int *estimated)
{
    const uint16_t *sa = a->sketch, *sb = b->sketch;
    size_t na = a->nsketch, nb = b->nsketch;
    int ta = a->nshingles > a->nsketch, tb = b->nshingles > b->nsketch;
    double j;
    if (!ta && !tb) {
        size_t inter = gp__dd_common16(sa, na, sb, nb);
        j = na + nb - inter ? (double)inter / (double)(na + nb - inter) : 0.0;
        *estimated = 0;
    } else {
        /* Below the smaller cut of a cut list, membership in both is known. */
        unsigned t = 65536;
        if (ta && sa[na - 1] < t)
            t = sa[na - 1];
        if (tb && sb[nb - 1] < t)
            t = sb[nb - 1];
        size_t ka = 0, kb = 0;
        while (ka < na && sa[ka] < t)
            ka++;
        while (kb < nb && sb[kb] < t)
            kb++;
        size_t inter = gp__dd_common16(sa, ka, sb, kb);
        j = ka + kb - inter ? (double)inter / (double)(ka + kb - inter) : 0.0;
        *estimated = 1;
    }
    *jacc = j;
    double n1 = a->nshingles, n2 = b->nshingles;
    double small = n1 < n2 ? n1 : n2;
    if (small < r->min_overlap)
        return j;
    double inter = j * (n1 + n2) / (1.0 + j);
    double overlap = inter / small;
    return overlap > 1.0 ? 1.0 : overlap;
}

/* Stems of the institution keys of both records (their words say nothing of the practice). */
static size_t institution_stems(const gp_dedup_rules *r, const dd_ent *a, const dd_ent *b,
                                uint32_t *out, size_t cap)
{
    size_t n = 0;
    if (a->inst_key)
        n += stems(r, a->inst_key, strlen(a->inst_key), out, cap);
    if (b->inst_key)
        n += stems(r, b->inst_key, strlen(b->inst_key), out + n, cap - n);
    return sort_unique32(out, n);
}

static int contains32(const uint32_t *v, size_t n, uint32_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] == x)
            return 1;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/*
 * Share of the title words of `t` (a record without description) found among the
 * words of the description of `d`, the words of both institutions' names left out.
 */
static int title_in_description(dd_worker *w, const gp_dedup_rules *r, const dd_ent *t,
                                const dd_ent *d, dd_score *out)
{
    gp_record rec;
    int rc = load(w, d, &rec);
    if (rc)
        return rc;
    if ((rc = key_of(w, &w->key, rec.description)))
        return rc;
    size_t nw = word_count(w->key.data, w->key.len);
    size_t need = nw + 64;
    if (need > w->h32b_cap && GP_GROW(w->h32b, w->h32b_cap, need) != GP_OK)
        return GP_ENOMEM;
    uint32_t *inst = w->h32b;
    size_t ni = institution_stems(r, t, d, inst, 64);
    uint32_t *desc = inst + ni;
    size_t nd = stems(r, w->key.data ? w->key.data : "", w->key.len, desc, nw);
    nd = sort_unique32(desc, nd);
    const uint32_t *title = t->hashes;
    unsigned words = 0, shared = 0;
    for (size_t i = 0; i < t->ntitle; i++) {
        if (contains32(inst, ni, title[i]))
            continue;
        words++;
        shared += (unsigned)contains32(desc, nd, title[i]);
    }
    if (words == 0)
        return GP_OK;
    out->has[GP_DD_TITLE_IN_DESCRIPTION] = 1;
    out->sim[GP_DD_TITLE_IN_DESCRIPTION] = (double)shared / (double)words;
    out->title_shared = shared;
    out->title_words = words;
    return GP_OK;
}

/*
 * Whether one description is a cut-off copy of the other's: the same institution,
 * country and years, and the shorter description's matching key (at least
 * prefix_min_words words, all of it within the stored opening) opens the longer one's,
 * ending on a word boundary or inside a word (a page cut mid-word).
 */
static int description_prefix(dd_worker *w, const gp_dedup_rules *r, const dd_ent *a,
                              const dd_ent *b, int *out)
{
    *out = 0;
    if (!a->inst_hash || a->inst_hash != b->inst_hash || !a->country || a->country != b->country ||
        a->award_year != b->award_year || a->impl_year != b->impl_year || !a->desc_len ||
        !b->desc_len || a->desc_len == b->desc_len)
        return GP_OK;
    const dd_ent *s = a->desc_len < b->desc_len ? a : b, *l = s == a ? b : a;
    if (s->desc_words < r->prefix_min_words || s->desc_len > (uint32_t)r->prefix_max_chars ||
        !s->desc_head)
        return GP_OK;
    size_t checks = s->desc_len / DD_HEAD_STEP;
    if (checks > DD_HEAD_CHECKS)
        checks = DD_HEAD_CHECKS;
    if (checks && s->head_hash[checks - 1] != l->head_hash[checks - 1])
        return GP_OK;
    if (l->desc_head) {
        *out = memcmp(s->desc_head, l->desc_head, s->desc_len) == 0;
        return GP_OK;
    }
    /* the longer description is not kept: its key is made again */
    gp_record rec;
    int rc = load(w, l, &rec);
    if (!rc)
        rc = key_of(w, &w->key, rec.description);
    if (!rc)
        *out = w->key.len >= s->desc_len && memcmp(s->desc_head, w->key.data, s->desc_len) == 0;
    return rc;
}

static double institution_sim(const dd_ent *a, const dd_ent *b)
{
    size_t la = strlen(a->inst_key), lb = strlen(b->inst_key);
    size_t dist = gp_text_edit_distance(a->inst_key, la, b->inst_key, lb);
    /* the distance counts characters, so the length it is measured against does too */
    size_t ca = gp_text_char_count(a->inst_key, la), cb = gp_text_char_count(b->inst_key, lb);
    size_t longer = ca > cb ? ca : cb;
    return longer ? 1.0 - (double)dist / (double)longer : 1.0;
}

int gp__dd_score(dd_worker *w, const gp_dedup_rules *r, const dd_ent *a, const dd_ent *b,
                 double floor, dd_score *out)
{
    memset(out, 0, sizeof *out);
    if ((a->flags & DD_HAS_DESCRIPTION) && (b->flags & DD_HAS_DESCRIPTION)) {
        out->has[GP_DD_DESCRIPTION] = 1;
        out->sim[GP_DD_DESCRIPTION] = description_sim(r, a, b, &out->jaccard, &out->estimated);
        int rc = description_prefix(w, r, a, b, &out->cut_prefix);
        if (rc)
            return rc;
        if (out->cut_prefix)
            out->sim[GP_DD_DESCRIPTION] = 1.0;
    }
    if (a->ntitle && b->ntitle) {
        out->has[GP_DD_TITLE] = 1;
        out->sim[GP_DD_TITLE] = jaccard_sorted(a->hashes, a->ntitle, b->hashes, b->ntitle, NULL);
    }
    if (!out->has[GP_DD_DESCRIPTION]) {
        int rc = GP_OK;
        if (a->ntitle && !(a->flags & DD_HAS_DESCRIPTION) && (b->flags & DD_HAS_DESCRIPTION))
            rc = title_in_description(w, r, a, b, out);
        else if (b->ntitle && !(b->flags & DD_HAS_DESCRIPTION) && (a->flags & DD_HAS_DESCRIPTION))
            rc = title_in_description(w, r, b, a, out);
        if (rc)
            return rc;
        if (a->counterpart != DD_NONE && a->counterpart == b->counterpart) {
            out->has[GP_DD_COUNTERPART] = 1;
            out->sim[GP_DD_COUNTERPART] = 1.0;
        }
    }
    if (a->ntopics && b->ntopics) {
        out->has[GP_DD_TOPICS] = 1;
        out->sim[GP_DD_TOPICS] = jaccard_sorted(a->hashes + a->ntitle, a->ntopics,
                                                b->hashes + b->ntitle, b->ntopics, NULL);
    }

    int inst_later = 0;
    if (a->inst_key && b->inst_key) {
        out->has_factor[GP_DD_INSTITUTION] = 1;
        out->factor[GP_DD_INSTITUTION] = 1.0;
        inst_later = a->inst_hash != b->inst_hash;
    }
    struct {
        int part;
        unsigned x, y;
    } plain[] = {{GP_DD_COUNTRY, a->country, b->country},
                 {GP_DD_AWARD_YEAR, a->award_year, b->award_year},
                 {GP_DD_IMPLEMENTATION_YEAR, a->impl_year, b->impl_year}};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        if (!plain[i].x || !plain[i].y)
            continue;
        out->has_factor[plain[i].part] = 1;
        out->factor[plain[i].part] = plain[i].x == plain[i].y ? 1.0 : r->factor[plain[i].part];
    }
    if (a->doc && a->doc == b->doc) {
        out->has_factor[GP_DD_SAME_DOCUMENT] = 1;
        out->factor[GP_DD_SAME_DOCUMENT] = r->factor[GP_DD_SAME_DOCUMENT];
    }

    double sum = 0, wsum = 0;
    for (int p = 0; p < GP_DD_TEXT_PARTS; p++) {
        if (!out->has[p] || r->weight[p] <= 0)
            continue;
        sum += r->weight[p] * out->sim[p];
        wsum += r->weight[p];
        if (p != GP_DD_TOPICS)
            out->comparable = 1;
    }
    if (!out->comparable || wsum <= 0)
        return GP_OK;
    out->text = sum / wsum;
    double s = out->text;
    for (int p = 0; p < GP_DD_FACTOR_PARTS; p++)
        if (out->has_factor[p])
            s *= out->factor[p];
    /*
     * Institution names that differ cost an edit distance, the dearest part; when the
     * score without it is below `floor` already, it cannot matter and is left out
     * (the score is then an upper bound, below the floor).
     */
    if (inst_later && s >= floor) {
        out->factor[GP_DD_INSTITUTION] = institution_sim(a, b);
        s *= out->factor[GP_DD_INSTITUTION];
    } else if (inst_later) {
        out->has_factor[GP_DD_INSTITUTION] = 0;
        out->bound = 1;
    }
    out->score = gp__dd_round3(s);
    return GP_OK;
}
