/*
 * lib/dedup_candidates.c - phases 4 and 5 of gp-dedup: candidate pairs and their scores.
 *
 * Pairs are the entities that share a blocking key or an LSH band (keys radix-sorted,
 * runs of equal keys paired, oversized runs skipped) and each booklet/listing pair of
 * counterparts; the union is sorted and every pair scored by the threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "dedup_impl.h"

/* ---- 4. candidate pairs ---- */

/* Stable LSD radix sort of kv by k (16 bits a pass; uniform passes skipped). */
int gp__dd_radix_kv(dd_kv *a, dd_kv *tmp, size_t n)
{
    size_t *count = malloc((1 << 16) * sizeof *count);
    if (!count)
        return GP_ENOMEM;
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, (1 << 16) * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(a[i].k >> shift) & 0xFFFF]++;
        if (n == 0 || count[(a[0].k >> shift) & 0xFFFF] == n)
            continue;
        size_t sum = 0;
        for (size_t k = 0; k < (1 << 16); k++) {
            size_t c = count[k];
            count[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(a[i].k >> shift) & 0xFFFF]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
    free(count);
    return GP_OK;
}

/* Pairs of every run of equal keys no longer than `max`; counts the longer runs. */
static int runs_to_pairs(size_t *skipped, const dd_kv *a, size_t n, size_t max, dd_u64vec *out)
{
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && a[j].k == a[i].k)
            j++;
        if (j - i > max) {
            (*skipped)++;
        } else {
            for (size_t x = i; x < j; x++)
                for (size_t y = x + 1; y < j; y++)
                    if (gp__dd_vec_push(out, gp__dd_pair_key(a[x].v, a[y].v)) != GP_OK)
                        return GP_ENOMEM;
        }
        i = j;
    }
    return GP_OK;
}

/* The blocking key `mask` of an entity, 0 when one of its fields is unknown. */
uint64_t gp__dd_block_key(const dd_ent *e, unsigned mask, size_t index)
{
    uint64_t parts[5] = {index + 1, 0, 0, 0, 0};
    if (mask & GP_DD_KEY_INSTITUTION) {
        if (!e->inst_hash)
            return 0;
        parts[1] = e->inst_hash;
    }
    if (mask & GP_DD_KEY_COUNTRY) {
        if (!e->country)
            return 0;
        parts[2] = e->country;
    }
    if (mask & GP_DD_KEY_AWARD_YEAR) {
        if (!e->award_year)
            return 0;
        parts[3] = e->award_year;
    }
    if (mask & GP_DD_KEY_IMPLEMENTATION_YEAR) {
        if (!e->impl_year)
            return 0;
        parts[4] = e->impl_year;
    }
    uint64_t h = XXH3_64bits(parts, sizeof parts);
    return h ? h : 1;
}

/* Tags each booklet entry and listing record that are the only ones of their block
 * (institution, country, award year) without a record from the other source. */
static int counterparts(gp_deduper *d, dd_u64vec *pairs)
{
    const gp_dedup_rules *r = d->r;
    if (r->counterparts[0] == GP_FORMAT_AUTO)
        return GP_OK;
    unsigned fx = 1u << r->counterparts[0], fy = 1u << r->counterparts[1];
    dd_kv *a = gp__big_alloc((d->nents ? d->nents : 1) * sizeof *a);
    dd_kv *tmp = gp__big_alloc((d->nents ? d->nents : 1) * sizeof *tmp);
    if (!a || !tmp) {
        free(a);
        free(tmp);
        return GP_ENOMEM;
    }
    unsigned triple = GP_DD_KEY_INSTITUTION | GP_DD_KEY_COUNTRY | GP_DD_KEY_AWARD_YEAR;
    size_t n = 0;
    for (size_t i = 0; i < d->nents; i++) {
        const dd_ent *e = &d->ents[i];
        int x = (e->formats & fx) && !(e->formats & fy);
        int y = (e->formats & fy) && !(e->formats & fx);
        uint64_t k = gp__dd_block_key(e, triple, GP_DD_MAX_KEYS);
        if (k && (x || y || (e->formats & (fx | fy))))
            a[n++] = (dd_kv){k, (uint32_t)i};
    }
    int rc = gp__dd_radix_kv(a, tmp, n);
    for (size_t i = 0; i < n && !rc;) {
        size_t j = i + 1;
        while (j < n && a[j].k == a[i].k)
            j++;
        uint32_t ox = DD_NONE, oy = DD_NONE;
        size_t cx = 0, cy = 0;
        for (size_t k = i; k < j; k++) {
            const dd_ent *e = &d->ents[a[k].v];
            if ((e->formats & fx) && !(e->formats & fy)) {
                cx++;
                ox = a[k].v;
            } else if ((e->formats & fy) && !(e->formats & fx)) {
                cy++;
                oy = a[k].v;
            }
        }
        if (cx == 1 && cy == 1) {
            d->ents[ox].counterpart = d->ents[oy].counterpart = (uint32_t)(ox < oy ? ox : oy);
            rc = gp__dd_vec_push(pairs, gp__dd_pair_key(ox, oy));
        }
        i = j;
    }
    free(a);
    free(tmp);
    return rc;
}

/* What a worker pairs: its sort buffers and the pairs of the spaces it took. */
typedef struct space_worker {
    dd_kv *a, *tmp;
    dd_u64vec blk, lsh;
    size_t skipped;
} space_worker;

typedef struct spaces_ctx {
    const uint32_t *bands;
    space_worker *per; /* one per worker */
} spaces_ctx;

/*
 * The pairs of key spaces [lo, hi): the blocking keys, then the LSH bands. Each space
 * is sorted on its own, so the threads take a space at a time; the pairs are sorted
 * and united afterwards, so which thread found a pair does not matter.
 */
static int pair_spaces(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx)
{
    spaces_ctx *sc = ctx;
    const gp_dedup_rules *r = d->r;
    space_worker *sw = &sc->per[w - d->workers];
    size_t n = d->nents;
    if (!sw->a) {
        sw->a = gp__big_alloc((n ? n : 1) * sizeof *sw->a);
        sw->tmp = gp__big_alloc((n ? n : 1) * sizeof *sw->tmp);
        if (!sw->a || !sw->tmp)
            return GP_ENOMEM;
    }
    dd_kv *a = sw->a;
    int rc = GP_OK;
    for (size_t s = lo; s < hi && !rc; s++) {
        size_t m = 0;
        if (s < r->nkeys) {
            for (size_t i = 0; i < n; i++) {
                uint64_t key = gp__dd_block_key(&d->ents[i], r->keys[s], s);
                if (key)
                    a[m++] = (dd_kv){key, (uint32_t)i};
            }
        } else {
            size_t b = s - r->nkeys;
            for (size_t i = 0; i < n; i++) {
                uint32_t h = sc->bands[i * (size_t)r->bands + b];
                if (h)
                    a[m++] = (dd_kv){h, (uint32_t)i};
            }
        }
        rc = gp__dd_radix_kv(a, sw->tmp, m);
        if (!rc)
            rc = s < r->nkeys ? runs_to_pairs(&sw->skipped, a, m, r->max_block, &sw->blk)
                              : runs_to_pairs(&sw->skipped, a, m, r->max_bucket, &sw->lsh);
    }
    return rc;
}

/* Appends `from` to `to` and frees it. */
static int vec_join(dd_u64vec *to, dd_u64vec *from)
{
    int rc = GP_OK;
    if (from->len && to->len + from->len > to->cap &&
        GP_GROW(to->v, to->cap, to->len + from->len) != GP_OK)
        rc = GP_ENOMEM;
    if (!rc && from->len) {
        memcpy(to->v + to->len, from->v, from->len * sizeof *from->v);
        to->len += from->len;
    }
    free(from->v);
    *from = (dd_u64vec){0};
    return rc;
}

int gp__dd_candidate_pairs(gp_deduper *d, const uint32_t *bands)
{
    const gp_dedup_rules *r = d->r;
    dd_u64vec blk = {0}, lsh = {0}, cp = {0};
    size_t spaces = r->nkeys + (size_t)r->bands;
    spaces_ctx sc = {bands, calloc((size_t)d->nthreads, sizeof *sc.per)};
    int rc = sc.per ? GP_OK : GP_ENOMEM;
    if (!rc)
        rc = gp__dd_parallel_chunks(d, "pairing", spaces, 1, pair_spaces, &sc, d->nthreads);
    for (int k = 0; sc.per && k < d->nthreads; k++) {
        space_worker *sw = &sc.per[k];
        free(sw->a);
        free(sw->tmp);
        d->stats.blocks_skipped += sw->skipped;
        if (!rc)
            rc = vec_join(&blk, &sw->blk);
        if (!rc)
            rc = vec_join(&lsh, &sw->lsh);
        free(sw->blk.v);
        free(sw->lsh.v);
    }
    free(sc.per);
    if (!rc)
        rc = counterparts(d, &cp);
    if (!rc)
        rc = gp__dd_sorted_unique(&blk);
    if (!rc)
        rc = gp__dd_sorted_unique(&lsh);
    if (!rc)
        rc = gp__dd_sorted_unique(&cp);
    d->stats.pairs_blocking = blk.len;
    d->stats.pairs_lsh = lsh.len;
    if (!rc) {
        /* the union of the three sorted sets */
        size_t total = blk.len + lsh.len + cp.len;
        d->pairs = gp__big_alloc((total ? total : 1) * sizeof *d->pairs);
        if (!d->pairs) {
            rc = GP_ENOMEM;
        } else {
            if (blk.len)
                memcpy(d->pairs, blk.v, blk.len * sizeof *blk.v);
            if (lsh.len)
                memcpy(d->pairs + blk.len, lsh.v, lsh.len * sizeof *lsh.v);
            if (cp.len)
                memcpy(d->pairs + blk.len + lsh.len, cp.v, cp.len * sizeof *cp.v);
            free(blk.v);
            free(lsh.v);
            blk.v = lsh.v = NULL;
            dd_u64vec all = {d->pairs, total, total};
            rc = gp__dd_sorted_unique(&all);
            d->npairs = all.len;
        }
    }
    free(blk.v);
    free(lsh.v);
    free(cp.v);
    d->stats.candidate_pairs = d->npairs;
    return rc;
}

/* ---- 5. scores ---- */

int gp__dd_score_range(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx)
{
    (void)ctx;
    for (size_t i = lo; i < hi; i++) {
        dd_score s;
        const dd_ent *a = &d->ents[d->pairs[i] >> 32], *b = &d->ents[d->pairs[i] & 0xFFFFFFFF];
        int rc = gp__dd_score(w, d->r, a, b, d->r->review, &s);
        if (rc)
            return rc;
        d->scores[i] = (uint16_t)llround(s.score * 1000.0);
    }
    return GP_OK;
}

/* The score of any two entities: the candidate's, or computed now. */
int gp__dd_pair_score(gp_deduper *d, uint32_t a, uint32_t b, double *out)
{
    uint64_t key = gp__dd_pair_key(a, b);
    size_t lo = 0, hi = d->npairs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->pairs[mid] == key) {
            *out = d->scores[mid] / 1000.0;
            return GP_OK;
        }
        if (d->pairs[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    dd_score s;
    int rc = gp__dd_score(&d->workers[0], d->r, &d->ents[a], &d->ents[b], d->r->review, &s);
    *out = s.score;
    return rc;
}
