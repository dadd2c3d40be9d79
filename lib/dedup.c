/*
 * lib/dedup.c - the dataset from many dumps: exact and near duplicates merged.
 *
 * This file holds the deduper, its threads and the run, which calls the phases in
 * order; each phase lives in the file named (docs/dedup.md tells the why):
 *  1. add (lib/dedup_ingest.c): records are copied into batches in the caller's thread;
 *     reader threads normalise them and keep each as its canonical JSON line (dd_store);
 *  2. group (lib/dedup_entities.c): records sorted by id and line; records with one id
 *     form an entity;
 *  3. features (lib/dedup_entities.c, threads): every entity, its records merged when
 *     several, gets its keys, description fingerprints and LSH band hashes
 *     (lib/dedup_score.c);
 *  4. pairs (lib/dedup_candidates.c): entities that share a blocking key or an LSH band
 *     (radix-sorted key runs, oversized runs skipped) and each booklet/listing pair of
 *     counterparts;
 *  5. scores (lib/dedup_candidates.c, threads): every candidate pair;
 *  6. clusters (lib/dedup_cluster.c): curator decisions first (distinct pairs, then
 *     forced merges), then the pairs at or above the merge threshold, best first, each
 *     joining two groups only when every record of one scores at least the review
 *     threshold with every record of the other (so a weak link cannot chain unrelated
 *     records); pairs from review up that end in different groups are possible
 *     duplicates, one per pair of groups;
 *  7. output (lib/dedup_output.c): groups in the order of their id (the smallest member
 *     id), each merged by the merge policy (lib/dedup_merge.c) and re-normalised by the
 *     threads a window at a time, then handed out in order.
 * --explain is lib/dedup_explain.c. The shared types and inner helpers are declared in
 * lib/dedup_impl.h.
 * Entities are indexed in id order and every tie is broken by index, so the output does
 * not depend on the order of the input or on the threads.
 */
#include "gpkit/dedup.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedup_impl.h"
#include "gpkit/norm.h"

enum { PAR_CHUNK = DD_PAR_CHUNK, MAX_THREADS = 64 };

/* ---- small helpers ---- */

int gp__dd_vec_push(dd_u64vec *v, uint64_t x)
{
    if (v->len == v->cap && GP_GROW(v->v, v->cap, v->len + 1) != GP_OK)
        return GP_ENOMEM;
    v->v[v->len++] = x;
    return GP_OK;
}

int gp__dd_vec_find(const dd_u64vec *v, uint64_t x)
{
    size_t lo = 0, hi = v->len;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v->v[mid] == x)
            return 1;
        if (v->v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

void gp__dd_progress(gp_deduper *d, const char *phase, size_t done, size_t total)
{
    if (d->opts.progress)
        d->opts.progress(d->opts.progress_ctx, phase, done, total);
}

/*
 * LSD radix sort of 64-bit keys, 16 bits a pass, stable; a pass whose digit is the
 * same for every key is skipped. `tmp` holds n keys.
 */
static int radix_u64(uint64_t *a, uint64_t *tmp, size_t n)
{
    size_t *count = malloc((1 << 16) * sizeof *count);
    if (!count)
        return GP_ENOMEM;
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, (1 << 16) * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(a[i] >> shift) & 0xFFFF]++;
        if (n == 0 || count[(a[0] >> shift) & 0xFFFF] == n)
            continue;
        size_t sum = 0;
        for (size_t k = 0; k < (1 << 16); k++) {
            size_t c = count[k];
            count[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(a[i] >> shift) & 0xFFFF]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
    free(count);
    return GP_OK;
}

static size_t unique_u64(uint64_t *a, size_t n)
{
    if (n < 2)
        return n;
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (a[i] != a[k - 1])
            a[k++] = a[i];
    return k;
}

int gp__dd_sorted_unique(dd_u64vec *v)
{
    uint64_t *tmp = gp__big_alloc((v->len ? v->len : 1) * sizeof *tmp);
    if (!tmp)
        return GP_ENOMEM;
    int rc = radix_u64(v->v, tmp, v->len);
    free(tmp);
    if (rc)
        return rc;
    v->len = unique_u64(v->v, v->len);
    return GP_OK;
}

/* ---- set-up ---- */

int gp_deduper_new(gp_deduper **out, gp_ruleset *rules, const gp_dedup_options *opts,
                   gp_diag_sink *diags)
{
    *out = NULL;
    gp_deduper *d = calloc(1, sizeof *d);
    if (!d)
        return GP_ENOMEM;
    d->rules = rules;
    d->r = gp__dedup_rules(rules);
    if (opts)
        d->opts = *opts;
    d->diags = diags;
    long n = d->opts.threads > 0 ? d->opts.threads : sysconf(_SC_NPROCESSORS_ONLN);
    d->nthreads = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
    d->ingest.self.d = d;
    d->ingest.spill.fd = -1;
    gp_diag_sink_init(&d->norm_sink, gp__dd_collect_errors, &d->ingest.self);
    int rc = gp_normalizer_new(&d->norm, rules, &d->norm_sink);
    if (!rc && (gp_arena_new(&d->arena) || gp_arena_new(&d->tmp)))
        rc = GP_ENOMEM;
    if (!rc && !(d->workers = calloc((size_t)d->nthreads, sizeof *d->workers)))
        rc = GP_ENOMEM;
    for (int i = 0; i < d->nthreads && !rc; i++) {
        rc = gp__dd_worker_init(&d->workers[i]);
        d->workers[i].load = gp__dd_load_entity;
        d->workers[i].load_ctx = d;
    }
    if (rc) {
        gp_deduper_free(d);
        return rc;
    }
    *out = d;
    return GP_OK;
}

void gp_deduper_free(gp_deduper *d)
{
    if (!d)
        return;
    gp__dd_ingest_free(d);
    gp_normalizer_free(d->norm);
    gp_arena_free(d->arena);
    gp_arena_free(d->tmp);
    gp_buf_free(&d->line);
    free(d->recs);
    free(d->ents);
    free(d->cid);
    if (d->workers)
        for (int i = 0; i < d->nthreads; i++)
            gp__dd_worker_free(&d->workers[i]);
    free(d->workers);
    free(d->pairs);
    free(d->scores);
    free(d->links);
    free(d->poss);
    free(d->distinct.v);
    free(d->distinct_clusters.v);
    free(d);
}

const gp_dedup_stats *gp_dedup_get_stats(const gp_deduper *d)
{
    return &d->stats;
}

/* ---- threads ---- */

typedef struct par {
    gp_deduper *d;
    dd_range_fn fn;
    void *ctx;
    const char *phase;
    size_t total;
    size_t chunk;
    atomic_size_t next;
    atomic_size_t done;
    atomic_int rc;
} par;

typedef struct par_arg {
    par *p;
    int k;
} par_arg;

static void *par_thread(void *arg)
{
    par_arg *a = arg;
    par *p = a->p;
    dd_worker *w = &p->d->workers[a->k];
    while (atomic_load(&p->rc) == 0) {
        size_t lo = atomic_fetch_add(&p->next, p->chunk);
        if (lo >= p->total)
            break;
        size_t hi = lo + p->chunk < p->total ? lo + p->chunk : p->total;
        int rc = p->fn(p->d, w, lo, hi, p->ctx);
        if (rc) {
            int zero = 0;
            atomic_compare_exchange_strong(&p->rc, &zero, rc);
            break;
        }
        size_t done = atomic_fetch_add(&p->done, hi - lo) + (hi - lo);
        if (a->k == 0 && p->phase)
            gp__dd_progress(p->d, p->phase, done, p->total);
    }
    return NULL;
}

/*
 * Runs fn over [0, total) in chunks on up to `threads` workers; the calling thread is
 * worker 0. `phase` names the progress (NULL: none).
 */
int gp__dd_parallel(gp_deduper *d, const char *phase, size_t total, dd_range_fn fn, void *ctx,
                    int threads)
{
    return gp__dd_parallel_chunks(d, phase, total, PAR_CHUNK, fn, ctx, threads);
}

int gp__dd_parallel_chunks(gp_deduper *d, const char *phase, size_t total, size_t chunk,
                           dd_range_fn fn, void *ctx, int threads)
{
    return gp__dd_parallel_beside(d, phase, total, chunk, fn, ctx, threads, NULL, NULL);
}

int gp__dd_parallel_beside(gp_deduper *d, const char *phase, size_t total, size_t chunk,
                           dd_range_fn fn, void *ctx, int threads, int (*beside)(void *),
                           void *beside_ctx)
{
    par p = {d, fn, ctx, phase, total, chunk ? chunk : 1, 0, 0, 0};
    pthread_t th[MAX_THREADS];
    par_arg args[MAX_THREADS];
    int started = 1;
    size_t chunks = total / p.chunk + (total % p.chunk != 0);
    int want = total > p.chunk ? threads : 1;
    if ((size_t)want > chunks && chunks > 0)
        want = (int)chunks; /* no thread without a chunk */
    for (int k = 0; k < want; k++)
        args[k] = (par_arg){&p, k};
    for (int k = 1; k < want; k++) {
        if (pthread_create(&th[k], NULL, par_thread, &args[k]) != 0)
            break; /* go on with fewer */
        started++;
    }
    int beside_rc = beside ? beside(beside_ctx) : GP_OK;
    if (total)
        par_thread(&args[0]);
    for (int k = 1; k < started; k++)
        pthread_join(th[k], NULL);
    if (phase)
        gp__dd_progress(d, phase, total, total);
    return beside_rc ? beside_rc : atomic_load(&p.rc);
}

int gp_dedup_run(gp_deduper *d)
{
    if (d->ran)
        return GP_EINVAL;
    d->ran = 1;
    /* The defaults are built before the threads read them. */
    (void)gp__dedup_rules(d->rules);
    int rc = gp__dd_ingest_finish(d);
    gp__dd_progress(d, "reading", d->added, d->added);
    /* Each worker merges groups with a normaliser of its own: the readers' are idle now. */
    for (int k = 0; k < d->nthreads; k++)
        d->workers[k].norm = k == 0                   ? d->norm
                             : k - 1 < DD_MAX_READERS ? d->ingest.readers[k - 1].norm
                                                      : NULL;
    if (!rc)
        rc = gp__dd_group(d);
    uint32_t *bands = NULL;
    if (!rc) {
        bands = gp__big_calloc(d->nents * (size_t)d->r->bands + 1, sizeof *bands);
        if (!bands)
            rc = GP_ENOMEM;
    }
    if (!rc)
        rc = gp__dd_features_all(d, bands);
    if (!rc)
        rc = gp__dd_candidate_pairs(d, bands);
    free(bands);
    if (!rc && !(d->scores = gp__big_alloc((d->npairs ? d->npairs : 1) * sizeof *d->scores)))
        rc = GP_ENOMEM;
    if (!rc)
        rc = gp__dd_parallel(d, "scoring", d->npairs, gp__dd_score_range, NULL, d->nthreads);
    if (!rc)
        rc = gp__dd_cluster(d);
    return rc;
}
