/*
 * lib/dedup.c - the dataset from many dumps: exact and near duplicates merged.
 *
 * The run, phase by phase (docs/dedup.md tells the why):
 *  1. add: records are copied into batches in the caller's thread; reader threads
 *     normalise them and keep each as its canonical JSON line (dd_store);
 *  2. group: records sorted by id and line; records with one id form an entity;
 *  3. features (threads): every entity, its records merged when several, gets its keys,
 *     description fingerprints and LSH band hashes (lib/dedup_score.c);
 *  4. pairs: entities that share a blocking key or an LSH band (radix-sorted key runs,
 *     oversized runs skipped) and each booklet/listing pair of counterparts;
 *  5. scores (threads): every candidate pair;
 *  6. clusters: curator decisions first (distinct pairs, then forced merges), then the
 *     pairs at or above the merge threshold, best first, each joining two groups only
 *     when every record of one scores at least the review threshold with every record
 *     of the other (so a weak link cannot chain unrelated records); pairs from review
 *     up that end in different groups are possible duplicates, one per pair of groups;
 *  7. output: groups in the order of their id (the smallest member id), each merged by
 *     the merge policy (lib/dedup_merge.c) and re-normalised by the threads a window at
 *     a time, then handed out in order.
 * Entities are indexed in id order and every tie is broken by index, so the output does
 * not depend on the order of the input or on the threads.
 */
#include "gpkit/dedup.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "dedup_impl.h"
#include "gpkit/norm.h"

enum { STORE_CHUNK = 8 << 20, PAR_CHUNK = 256, MAX_THREADS = 64, GUARD_MAX_PAIRS = 4096 };

typedef struct store_chunk {
    struct store_chunk *next;
    size_t used, cap;
    char data[];
} store_chunk;

enum { LINK_SCORE, LINK_DECISION };

typedef struct link_rec {
    uint32_t a, b;
    uint32_t cluster; /* filled after clustering */
    double score;
    int how;
} link_rec;

typedef struct possible {
    uint32_t ca, cb; /* the groups (their smallest member) */
    uint32_t a, b;   /* the pair that scored */
    double score;
    const char *note;
} possible;

typedef struct u64vec {
    uint64_t *v;
    size_t len, cap;
} u64vec;

enum { DD_BATCH = 1024, DD_MAX_READERS = 8 };

typedef struct dd_batch {
    gp_arena *arena;
    gp_record recs[DD_BATCH];
    size_t len;
    size_t seq; /* its place in the input, from 0 */
} dd_batch;

/* Where a reader keeps what it normalised: lines and ids in chunks, and their index. */
typedef struct dd_store {
    store_chunk *chunks;
    dd_rec *recs;
    size_t nrecs, cap;
} dd_store;

/* A thread that normalises batches, with its own rule set and normaliser. */
typedef struct dd_reader {
    struct gp_deduper *d;
    pthread_t thread;
    gp_ruleset *rules; /* NULL: the deduper's (one thread) */
    gp_normalizer *norm;
    gp_diag_sink sink;
    gp_diag_list *errors; /* of the batch at hand */
    gp_buf line;
    dd_store store;
} dd_reader;

typedef struct dd_ingest {
    dd_reader readers[DD_MAX_READERS];
    int nreaders;   /* threads started; 0: the caller normalises */
    dd_reader self; /* the caller's, when there are no threads */
    dd_batch *pool;
    size_t npool;
    dd_batch *filling;
    size_t *free_list, nfree;
    size_t *queue, qhead, qlen;
    size_t seq;
    gp_diag_list **errors; /* per batch, handed to the sink when reading ends */
    size_t nerrors_cap;
    pthread_mutex_t mu;
    pthread_cond_t work, freed;
    int sync_ready, quit, rc;
} dd_ingest;

struct gp_deduper {
    gp_ruleset *rules;
    const gp_dedup_rules *r;
    gp_dedup_options opts;
    int nthreads;
    gp_diag_sink *diags;
    gp_diag_sink norm_sink;
    gp_normalizer *norm;
    gp_arena *arena; /* ids, notes */
    gp_arena *tmp;   /* one group at a time */
    gp_buf line;
    dd_ingest ingest;
    size_t added;
    dd_rec *recs;
    size_t nrecs;
    dd_ent *ents;
    size_t nents;
    uint32_t *cid; /* the group of each entity: its smallest member */
    dd_worker *workers;
    uint64_t *pairs;  /* sorted candidate pairs */
    uint16_t *scores; /* in thousandths: scores are compared rounded to three decimals */
    size_t npairs;
    link_rec *links;
    size_t nlinks, links_cap;
    possible *poss;
    size_t nposs, poss_cap;
    u64vec distinct;          /* sorted entity pairs declared distinct */
    u64vec distinct_clusters; /* sorted group pairs holding such a pair */
    int ran;
    gp_dedup_stats stats;
};

/* ---- small helpers ---- */

static uint64_t pair_key(uint32_t a, uint32_t b)
{
    return a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
}

static int vec_push(u64vec *v, uint64_t x)
{
    if (v->len == v->cap && GP_GROW(v->v, v->cap, v->len + 1) != GP_OK)
        return GP_ENOMEM;
    v->v[v->len++] = x;
    return GP_OK;
}

static int vec_find(const u64vec *v, uint64_t x)
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

static void progress(gp_deduper *d, const char *phase, size_t done, size_t total)
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

/* ---- set-up ---- */

static void ingest_free(gp_deduper *d);
static int collect_errors(void *ctx, const gp_diag *g);

static int load_entity(void *ctx, const dd_ent *e, gp_arena *arena, gp_record *out);

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
    gp_diag_sink_init(&d->norm_sink, collect_errors, &d->ingest.self);
    int rc = gp_normalizer_new(&d->norm, rules, &d->norm_sink);
    if (!rc && (gp_arena_new(&d->arena) || gp_arena_new(&d->tmp)))
        rc = GP_ENOMEM;
    if (!rc && !(d->workers = calloc((size_t)d->nthreads, sizeof *d->workers)))
        rc = GP_ENOMEM;
    for (int i = 0; i < d->nthreads && !rc; i++) {
        rc = gp__dd_worker_init(&d->workers[i]);
        d->workers[i].load = load_entity;
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
    ingest_free(d);
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

/* ---- 1. adding records ---- */

static const char *store_put(dd_store *st, const char *s, size_t len)
{
    store_chunk *c = st->chunks;
    if (!c || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > STORE_CHUNK ? len + 1 : STORE_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = st->chunks;
        c->used = 0;
        c->cap = cap;
        st->chunks = c;
    }
    char *p = c->data + c->used;
    memcpy(p, s, len);
    p[len] = '\0';
    c->used += len + 1;
    return p;
}

static void store_free(dd_store *st)
{
    while (st->chunks) {
        store_chunk *next = st->chunks->next;
        free(st->chunks);
        st->chunks = next;
    }
    free(st->recs);
    memset(st, 0, sizeof *st);
}

/* Normalises a record and keeps its line and id in the reader's store. */
static int keep_record(dd_reader *rd, gp_record *rec)
{
    dd_store *st = &rd->store;
    const char *given = rec->id && *rec->id ? rec->id : NULL;
    int rc = gp_norm_record(rd->norm, rec);
    if (rc)
        return rc;
    if (given)
        rec->id = given;
    gp_buf_reset(&rd->line);
    gp_record_write_json(rec, &rd->line, 0);
    if (gp_buf_error(&rd->line))
        return GP_ENOMEM;
    if (st->nrecs == st->cap && GP_GROW(st->recs, st->cap, st->nrecs + 1) != GP_OK)
        return GP_ENOMEM;
    size_t len = rd->line.len - 1; /* without the newline */
    const char *json = store_put(st, rd->line.data, len);
    const char *id = store_put(st, rec->id, strlen(rec->id));
    if (!json || !id)
        return GP_ENOMEM;
    st->recs[st->nrecs++] = (dd_rec){json, (uint32_t)len, 0, id};
    return GP_OK;
}

/* The normaliser's sink: errors into the list of the batch at hand. */
static int collect_errors(void *ctx, const gp_diag *g)
{
    dd_reader *rd = ctx;
    gp_ruleset *rules = rd->rules ? rd->rules : rd->d->rules;
    if (gp_ruleset_level(rules, g->rule_id, g->severity) < GP_SEV_ERROR)
        return 0;
    if (!rd->errors && gp_diag_list_new(&rd->errors) != GP_OK)
        return 0;
    return gp_diag_list_collect(rd->errors, g);
}

static int process_batch(dd_reader *rd, dd_batch *b, gp_diag_list **errors)
{
    rd->errors = NULL;
    int rc = GP_OK;
    for (size_t i = 0; i < b->len && !rc; i++)
        rc = keep_record(rd, &b->recs[i]);
    *errors = rd->errors;
    rd->errors = NULL;
    return rc;
}

/* Keeps the errors of batch `seq` (called with the lock held when there are threads). */
static int keep_errors(dd_ingest *in, size_t seq, gp_diag_list *list)
{
    if (seq >= in->nerrors_cap) {
        size_t old = in->nerrors_cap;
        if (GP_GROW(in->errors, in->nerrors_cap, seq + 1) != GP_OK) {
            gp_diag_list_free(list);
            return GP_ENOMEM;
        }
        memset(in->errors + old, 0, (in->nerrors_cap - old) * sizeof *in->errors);
    }
    in->errors[seq] = list;
    return GP_OK;
}

/*
 * Reading is a pipeline: the caller's thread extracts records and copies them into
 * batches; reader threads normalise the batches and keep the lines, each in a store of
 * its own. The errors of normalising are handed to the sink when reading ends, in the
 * order of the input, so what is reported does not depend on the threads.
 */
static void *reader_thread(void *arg)
{
    dd_reader *rd = arg;
    dd_ingest *in = &rd->d->ingest;
    pthread_mutex_lock(&in->mu);
    for (;;) {
        while (in->qlen == 0 && !in->quit)
            pthread_cond_wait(&in->work, &in->mu);
        if (in->qlen == 0)
            break;
        size_t k = in->queue[in->qhead];
        in->qhead = (in->qhead + 1) % in->npool;
        in->qlen--;
        int failed = in->rc != GP_OK;
        pthread_mutex_unlock(&in->mu);
        dd_batch *b = &in->pool[k];
        gp_diag_list *errors = NULL;
        int rc = failed ? GP_OK : process_batch(rd, b, &errors);
        gp_arena_reset(b->arena);
        b->len = 0;
        pthread_mutex_lock(&in->mu);
        if (!rc)
            rc = keep_errors(in, b->seq, errors);
        if (rc && !in->rc)
            in->rc = rc;
        in->free_list[in->nfree++] = k;
        pthread_cond_signal(&in->freed);
    }
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

static int reader_init(gp_deduper *d, dd_reader *rd, int own_rules)
{
    rd->d = d;
    if (!own_rules) {
        rd->norm = d->norm;
        return GP_OK;
    }
    gp_diag_sink quiet;
    gp_diag_sink_init(&quiet, NULL, NULL);
    int rc = gp_ruleset_load(&rd->rules, gp_ruleset_path(d->rules), &quiet);
    gp_diag_sink_init(&rd->sink, collect_errors, rd);
    if (!rc)
        rc = gp_normalizer_new(&rd->norm, rd->rules, &rd->sink);
    return rc;
}

static void reader_free(dd_reader *rd)
{
    if (rd->rules) {
        gp_normalizer_free(rd->norm);
        gp_ruleset_free(rd->rules);
    }
    gp_diag_list_free(rd->errors);
    gp_buf_free(&rd->line);
    store_free(&rd->store);
    memset(rd, 0, sizeof *rd);
}

/* Sets reading up: a pool of batches and, when there are processors, reader threads. */
static int ingest_start(gp_deduper *d)
{
    dd_ingest *in = &d->ingest;
    int want = d->nthreads > 1 ? d->nthreads : 0;
    if (want > DD_MAX_READERS)
        want = DD_MAX_READERS;
    in->npool = want ? (size_t)want + 2 : 1;
    in->pool = calloc(in->npool, sizeof *in->pool);
    in->free_list = calloc(in->npool, sizeof *in->free_list);
    in->queue = calloc(in->npool, sizeof *in->queue);
    if (!in->pool || !in->free_list || !in->queue)
        return GP_ENOMEM;
    for (size_t i = 0; i < in->npool; i++) {
        if (gp_arena_new(&in->pool[i].arena) != GP_OK)
            return GP_ENOMEM;
        in->free_list[in->nfree++] = in->npool - 1 - i;
    }
    int rc = reader_init(d, &in->self, 0);
    if (rc || !want)
        return rc;
    if (pthread_mutex_init(&in->mu, NULL) != 0)
        return GP_OK;
    if (pthread_cond_init(&in->work, NULL) != 0 || pthread_cond_init(&in->freed, NULL) != 0) {
        pthread_mutex_destroy(&in->mu);
        return GP_OK;
    }
    in->sync_ready = 1;
    for (int i = 0; i < want; i++) {
        dd_reader *rd = &in->readers[i];
        if (reader_init(d, rd, 1) != GP_OK ||
            pthread_create(&rd->thread, NULL, reader_thread, rd) != 0) {
            reader_free(rd);
            break; /* go on with the readers started, or in this thread */
        }
        in->nreaders++;
    }
    return GP_OK;
}

/* Hands the batch being filled over: to the readers, or normalised here. */
static int hand_over(gp_deduper *d)
{
    dd_ingest *in = &d->ingest;
    dd_batch *b = in->filling;
    in->filling = NULL;
    b->seq = in->seq++;
    if (!in->nreaders) {
        gp_diag_list *errors = NULL;
        int rc = process_batch(&in->self, b, &errors);
        if (!rc)
            rc = keep_errors(in, b->seq, errors);
        gp_arena_reset(b->arena);
        b->len = 0;
        in->free_list[in->nfree++] = (size_t)(b - in->pool);
        return rc;
    }
    pthread_mutex_lock(&in->mu);
    in->queue[(in->qhead + in->qlen++) % in->npool] = (size_t)(b - in->pool);
    pthread_cond_signal(&in->work);
    int rc = in->rc;
    pthread_mutex_unlock(&in->mu);
    return rc;
}

/* A free batch to fill (waits for a reader to free one). */
static int take_batch(gp_deduper *d)
{
    dd_ingest *in = &d->ingest;
    if (in->nreaders)
        pthread_mutex_lock(&in->mu);
    while (in->nfree == 0 && in->nreaders)
        pthread_cond_wait(&in->freed, &in->mu);
    int rc = in->rc;
    if (in->nfree)
        in->filling = &in->pool[in->free_list[--in->nfree]];
    if (in->nreaders)
        pthread_mutex_unlock(&in->mu);
    return rc ? rc : in->filling ? GP_OK : GP_EINTERNAL;
}

static void ingest_stop(gp_deduper *d)
{
    dd_ingest *in = &d->ingest;
    if (!in->nreaders)
        return;
    pthread_mutex_lock(&in->mu);
    in->quit = 1;
    pthread_cond_broadcast(&in->work);
    pthread_mutex_unlock(&in->mu);
    for (int i = 0; i < in->nreaders; i++)
        pthread_join(in->readers[i].thread, NULL);
    in->nreaders = 0;
}

/* The end of reading: the last batch normalised, the threads stopped, the errors
 * handed to the sink in input order, the stores' indexes joined into one. */
static int ingest_finish(gp_deduper *d)
{
    dd_ingest *in = &d->ingest;
    int rc = in->filling && in->filling->len ? hand_over(d) : GP_OK;
    ingest_stop(d);
    if (!rc)
        rc = in->rc;
    for (size_t k = 0; k < in->seq && k < in->nerrors_cap; k++) {
        for (size_t i = 0; in->errors[k] && i < gp_diag_list_len(in->errors[k]); i++)
            gp_diag_emit(d->diags, gp_diag_list_get(in->errors[k], i));
        gp_diag_list_free(in->errors[k]);
        in->errors[k] = NULL;
    }
    size_t n = in->self.store.nrecs;
    for (int i = 0; i < DD_MAX_READERS; i++)
        n += in->readers[i].store.nrecs;
    if (rc)
        return rc;
    if (n >= UINT32_MAX - 1)
        return GP_ELIMIT;
    d->recs = malloc((n ? n : 1) * sizeof *d->recs);
    if (!d->recs)
        return GP_ENOMEM;
    d->nrecs = 0;
    dd_store *stores[DD_MAX_READERS + 1];
    stores[0] = &in->self.store;
    for (int i = 0; i < DD_MAX_READERS; i++)
        stores[i + 1] = &in->readers[i].store;
    for (int i = 0; i <= DD_MAX_READERS; i++) {
        if (stores[i]->nrecs)
            memcpy(d->recs + d->nrecs, stores[i]->recs, stores[i]->nrecs * sizeof *d->recs);
        d->nrecs += stores[i]->nrecs;
        free(stores[i]->recs);
        stores[i]->recs = NULL;
        stores[i]->nrecs = stores[i]->cap = 0;
    }
    d->stats.records_in = d->nrecs;
    return GP_OK;
}

static void ingest_free(gp_deduper *d)
{
    dd_ingest *in = &d->ingest;
    ingest_stop(d);
    if (in->sync_ready) {
        pthread_cond_destroy(&in->work);
        pthread_cond_destroy(&in->freed);
        pthread_mutex_destroy(&in->mu);
    }
    for (int i = 0; i < DD_MAX_READERS; i++)
        reader_free(&in->readers[i]);
    reader_free(&in->self);
    for (size_t i = 0; in->pool && i < in->npool; i++)
        gp_arena_free(in->pool[i].arena);
    for (size_t k = 0; k < in->nerrors_cap; k++)
        gp_diag_list_free(in->errors[k]);
    free(in->errors);
    free(in->pool);
    free(in->free_list);
    free(in->queue);
    memset(in, 0, sizeof *in);
}

int gp_dedup_add(gp_deduper *d, gp_record *rec)
{
    if (d->ran)
        return GP_EINVAL;
    dd_ingest *in = &d->ingest;
    int rc;
    if (!in->pool && (rc = ingest_start(d)) != GP_OK)
        return rc;
    if (!in->filling && (rc = take_batch(d)) != GP_OK)
        return rc;
    dd_batch *b = in->filling;
    /* with its field positions, so that errors of normalising point at the field */
    if (gp_record_copy(&b->recs[b->len], rec, b->arena) != GP_OK)
        return GP_ENOMEM;
    b->len++;
    d->added++;
    if ((d->added & 8191) == 0)
        progress(d, "reading", d->added, 0);
    return b->len == DD_BATCH ? hand_over(d) : GP_OK;
}

int gp_dedup_add_fn(void *ctx, gp_record *rec)
{
    return gp_dedup_add(ctx, rec);
}

/* ---- threads ---- */

typedef int (*range_fn)(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx);

typedef struct par {
    gp_deduper *d;
    range_fn fn;
    void *ctx;
    const char *phase;
    size_t total;
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
        size_t lo = atomic_fetch_add(&p->next, PAR_CHUNK);
        if (lo >= p->total)
            break;
        size_t hi = lo + PAR_CHUNK < p->total ? lo + PAR_CHUNK : p->total;
        int rc = p->fn(p->d, w, lo, hi, p->ctx);
        if (rc) {
            int zero = 0;
            atomic_compare_exchange_strong(&p->rc, &zero, rc);
            break;
        }
        size_t done = atomic_fetch_add(&p->done, hi - lo) + (hi - lo);
        if (a->k == 0 && p->phase)
            progress(p->d, p->phase, done, p->total);
    }
    return NULL;
}

/*
 * Runs fn over [0, total) in chunks on up to `threads` workers; the calling thread is
 * worker 0. `phase` names the progress (NULL: none).
 */
static int parallel(gp_deduper *d, const char *phase, size_t total, range_fn fn, void *ctx,
                    int threads)
{
    par p = {d, fn, ctx, phase, total, 0, 0, 0};
    pthread_t th[MAX_THREADS];
    par_arg args[MAX_THREADS];
    int started = 1;
    int want = total > PAR_CHUNK ? threads : 1;
    for (int k = 0; k < want; k++)
        args[k] = (par_arg){&p, k};
    for (int k = 1; k < want; k++) {
        if (pthread_create(&th[k], NULL, par_thread, &args[k]) != 0)
            break; /* go on with fewer */
        started++;
    }
    par_thread(&args[0]);
    for (int k = 1; k < started; k++)
        pthread_join(th[k], NULL);
    if (phase)
        progress(d, phase, total, total);
    return atomic_load(&p.rc);
}

/* ---- 2, 3. entities and their features ---- */

static int rec_cmp(const void *x, const void *y)
{
    const dd_rec *a = x, *b = y;
    int c = strcmp(a->id, b->id);
    if (c)
        return c;
    size_t n = a->len < b->len ? a->len : b->len;
    c = memcmp(a->json, b->json, n);
    if (c)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

static int group(gp_deduper *d)
{
    progress(d, "grouping", 0, d->nrecs);
    qsort(d->recs, d->nrecs, sizeof *d->recs, rec_cmp);
    size_t n = 0;
    for (size_t i = 0; i < d->nrecs; i++)
        n += i == 0 || strcmp(d->recs[i].id, d->recs[i - 1].id) != 0;
    d->ents = calloc(n ? n : 1, sizeof *d->ents);
    d->cid = malloc((n ? n : 1) * sizeof *d->cid);
    if (!d->ents || !d->cid)
        return GP_ENOMEM;
    d->nents = 0;
    for (size_t i = 0; i < d->nrecs; i++) {
        if (i == 0 || strcmp(d->recs[i].id, d->recs[i - 1].id) != 0) {
            dd_ent *e = &d->ents[d->nents];
            uint32_t k = (uint32_t)d->nents++;
            e->id = d->recs[i].id;
            e->first = (uint32_t)i;
            e->parent = e->tail = k;
            e->next = e->counterpart = DD_NONE;
            e->size = 1;
        }
        d->ents[d->nents - 1].nrecs++;
        d->recs[i].entity = (uint32_t)(d->nents - 1);
    }
    d->stats.practices = d->nents;
    d->stats.merged_exact = d->nrecs - d->nents;
    return GP_OK;
}

/* Parses the records of entities `ids` into `arena`, in entity then record order. */
static int parse_records(gp_deduper *d, const uint32_t *ids, size_t nids, gp_arena *arena,
                         gp_record ***out, size_t *nout)
{
    size_t n = 0;
    for (size_t i = 0; i < nids; i++)
        n += d->ents[ids[i]].nrecs;
    gp_record **recs = gp_arena_alloc(arena, n * sizeof *recs);
    if (!recs)
        return GP_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < nids; i++) {
        const dd_ent *e = &d->ents[ids[i]];
        for (uint32_t j = 0; j < e->nrecs; j++) {
            const dd_rec *r = &d->recs[e->first + j];
            gp_record *rec = gp_arena_alloc(arena, sizeof *rec);
            if (!rec)
                return GP_ENOMEM;
            gp_record_init(rec, arena);
            gp_json_error err;
            int rc = gp_record_read_json(rec, r->json, r->len, NULL, &err);
            if (rc)
                return rc == GP_EPARSE ? GP_EINTERNAL : rc;
            recs[k++] = rec;
        }
    }
    *out = recs;
    *nout = k;
    return GP_OK;
}

/* The record of an entity: its record, or its records merged (no normalising: the
 * features do not depend on the order of lists). */
static int entity_record(gp_deduper *d, uint32_t e, gp_arena *arena, gp_record *out)
{
    const dd_ent *ent = &d->ents[e];
    if (ent->nrecs == 1) {
        const dd_rec *r = &d->recs[ent->first];
        gp_record_init(out, arena);
        gp_json_error err;
        int rc = gp_record_read_json(out, r->json, r->len, NULL, &err);
        return rc == GP_EPARSE ? GP_EINTERNAL : rc;
    }
    gp_record **recs;
    size_t n;
    dd_merged m;
    int rc = parse_records(d, &e, 1, arena, &recs, &n);
    if (!rc)
        rc = gp__dd_merge(d->r, recs, n, arena, 0, &m);
    if (rc)
        return rc;
    *out = m.rec;
    out->id = ent->id;
    return GP_OK;
}

static int load_entity(void *ctx, const dd_ent *e, gp_arena *arena, gp_record *out)
{
    gp_deduper *d = ctx;
    return entity_record(d, (uint32_t)(e - d->ents), arena, out);
}

typedef struct feat_ctx {
    uint32_t *bands;
} feat_ctx;

static int features_range(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx)
{
    feat_ctx *fc = ctx;
    size_t nb = (size_t)d->r->bands;
    for (size_t i = lo; i < hi; i++) {
        gp_record rec;
        gp_arena_reset(w->scratch);
        int rc = entity_record(d, (uint32_t)i, w->scratch, &rec);
        if (!rc)
            rc = gp__dd_features(w, d->r, &d->ents[i], &rec, fc->bands + i * nb);
        if (rc)
            return rc;
    }
    return GP_OK;
}

/* ---- 4. candidate pairs ---- */

typedef struct kv {
    uint64_t k;
    uint32_t v;
} kv;

/* Stable LSD radix sort of kv by k (16 bits a pass; uniform passes skipped). */
static int radix_kv(kv *a, kv *tmp, size_t n)
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
static int runs_to_pairs(gp_deduper *d, const kv *a, size_t n, size_t max, u64vec *out)
{
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && a[j].k == a[i].k)
            j++;
        if (j - i > max) {
            d->stats.blocks_skipped++;
        } else {
            for (size_t x = i; x < j; x++)
                for (size_t y = x + 1; y < j; y++)
                    if (vec_push(out, pair_key(a[x].v, a[y].v)) != GP_OK)
                        return GP_ENOMEM;
        }
        i = j;
    }
    return GP_OK;
}

/* The blocking key `mask` of an entity, 0 when one of its fields is unknown. */
static uint64_t block_key(const dd_ent *e, unsigned mask, size_t index)
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
static int counterparts(gp_deduper *d, u64vec *pairs)
{
    const gp_dedup_rules *r = d->r;
    if (r->counterparts[0] == GP_FORMAT_AUTO)
        return GP_OK;
    unsigned fx = 1u << r->counterparts[0], fy = 1u << r->counterparts[1];
    kv *a = malloc((d->nents ? d->nents : 1) * sizeof *a);
    kv *tmp = malloc((d->nents ? d->nents : 1) * sizeof *tmp);
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
        uint64_t k = block_key(e, triple, GP_DD_MAX_KEYS);
        if (k && (x || y || (e->formats & (fx | fy))))
            a[n++] = (kv){k, (uint32_t)i};
    }
    int rc = radix_kv(a, tmp, n);
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
            rc = vec_push(pairs, pair_key(ox, oy));
        }
        i = j;
    }
    free(a);
    free(tmp);
    return rc;
}

static int sorted_unique(u64vec *v)
{
    uint64_t *tmp = malloc((v->len ? v->len : 1) * sizeof *tmp);
    if (!tmp)
        return GP_ENOMEM;
    int rc = radix_u64(v->v, tmp, v->len);
    free(tmp);
    if (rc)
        return rc;
    v->len = unique_u64(v->v, v->len);
    return GP_OK;
}

static int candidate_pairs(gp_deduper *d, const uint32_t *bands)
{
    const gp_dedup_rules *r = d->r;
    size_t n = d->nents;
    kv *a = malloc((n ? n : 1) * sizeof *a);
    kv *tmp = malloc((n ? n : 1) * sizeof *tmp);
    u64vec blk = {0}, lsh = {0}, cp = {0};
    int rc = a && tmp ? GP_OK : GP_ENOMEM;
    size_t spaces = r->nkeys + (size_t)r->bands, done = 0;
    for (size_t k = 0; k < r->nkeys && !rc; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t key = block_key(&d->ents[i], r->keys[k], k);
            if (key)
                a[m++] = (kv){key, (uint32_t)i};
        }
        rc = radix_kv(a, tmp, m);
        if (!rc)
            rc = runs_to_pairs(d, a, m, r->max_block, &blk);
        progress(d, "pairing", ++done, spaces);
    }
    for (int b = 0; b < r->bands && !rc; b++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t h = bands[i * (size_t)r->bands + (size_t)b];
            if (h)
                a[m++] = (kv){h, (uint32_t)i};
        }
        rc = radix_kv(a, tmp, m);
        if (!rc)
            rc = runs_to_pairs(d, a, m, r->max_bucket, &lsh);
        progress(d, "pairing", ++done, spaces);
    }
    free(a);
    free(tmp);
    if (!rc)
        rc = counterparts(d, &cp);
    if (!rc)
        rc = sorted_unique(&blk);
    if (!rc)
        rc = sorted_unique(&lsh);
    if (!rc)
        rc = sorted_unique(&cp);
    d->stats.pairs_blocking = blk.len;
    d->stats.pairs_lsh = lsh.len;
    if (!rc) {
        /* the union of the three sorted sets */
        size_t total = blk.len + lsh.len + cp.len;
        d->pairs = malloc((total ? total : 1) * sizeof *d->pairs);
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
            u64vec all = {d->pairs, total, total};
            rc = sorted_unique(&all);
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

static int score_range(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx)
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
static int pair_score(gp_deduper *d, uint32_t a, uint32_t b, double *out)
{
    uint64_t key = pair_key(a, b);
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

/* ---- 6. clusters ---- */

static uint32_t find(dd_ent *e, uint32_t x)
{
    while (e[x].parent != x) {
        e[x].parent = e[e[x].parent].parent;
        x = e[x].parent;
    }
    return x;
}

static void unite(dd_ent *e, uint32_t a, uint32_t b)
{
    if (e[a].size < e[b].size || (e[a].size == e[b].size && a > b)) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    e[b].parent = a;
    e[a].size += e[b].size;
    e[e[a].tail].next = b;
    e[a].tail = e[b].tail;
}

/* Whether a distinct decision names a member of group A and a member of group B. */
static int distinct_between(gp_deduper *d, uint32_t ra, uint32_t rb)
{
    if (!d->distinct.len)
        return 0;
    for (uint32_t x = ra; x != DD_NONE; x = d->ents[x].next)
        for (uint32_t y = rb; y != DD_NONE; y = d->ents[y].next)
            if (vec_find(&d->distinct, pair_key(x, y)))
                return 1;
    return 0;
}

static int64_t find_id(const gp_deduper *d, const char *id)
{
    size_t lo = 0, hi = d->nents;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(d->ents[mid].id, id);
        if (c == 0)
            return (int64_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The entity of each id of a decision; unknown ids reported. Returns how many known. */
static size_t decision_ids(gp_deduper *d, const gp_decision *dec, uint32_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < dec->nids; i++) {
        int64_t k = find_id(d, dec->ids[i]);
        if (k >= 0) {
            out[n++] = (uint32_t)k;
            continue;
        }
        d->stats.decisions_unknown++;
        gp_diag g = GP_DIAG_INIT;
        g.severity = GP_SEV_WARNING;
        g.rule_id = "decision.unknown-id";
        g.file = dec->file;
        g.line = dec->id_lines ? dec->id_lines[i] : dec->line;
        g.column = dec->id_columns ? dec->id_columns[i] : dec->column;
        g.record_id = dec->ids[i];
        g.value = dec->ids[i];
        gp_diag_emitf(d->diags, &g, "%s decision names '%s', which no record has; ignored",
                      dec->kind == GP_DECISION_MERGE ? "merge" : "distinct", dec->ids[i]);
    }
    return n;
}

static int add_link(gp_deduper *d, uint32_t a, uint32_t b, double score, int how)
{
    if (d->nlinks == d->links_cap && GP_GROW(d->links, d->links_cap, d->nlinks + 1) != GP_OK)
        return GP_ENOMEM;
    d->links[d->nlinks++] = (link_rec){a < b ? a : b, a < b ? b : a, 0, score, how};
    return GP_OK;
}

static int add_possible(gp_deduper *d, uint32_t a, uint32_t b, double score, const char *note)
{
    if (d->nposs == d->poss_cap && GP_GROW(d->poss, d->poss_cap, d->nposs + 1) != GP_OK)
        return GP_ENOMEM;
    d->poss[d->nposs++] = (possible){0, 0, a, b, score, note};
    return GP_OK;
}

static int line_cmp(const void *x, const void *y)
{
    const gp_decision *a = *(const gp_decision *const *)x, *b = *(const gp_decision *const *)y;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return (a->column > b->column) - (a->column < b->column);
}

/*
 * Curator decisions: the ids of every merge and distinct entry are looked up in the
 * order of the file (unknown ones reported); then the distinct pairs are noted and the
 * merges applied in file order, each refused when a distinct pair would end in one group.
 */
static int apply_decisions(gp_deduper *d)
{
    const gp_decisions *ds = d->opts.decisions;
    size_t n = gp_decisions_count(ds);
    if (!n)
        return GP_OK;
    const gp_decision **order = malloc(n * sizeof *order);
    uint32_t **ids = calloc(n, sizeof *ids);
    size_t *nids = calloc(n, sizeof *nids);
    int rc = order && ids && nids ? GP_OK : GP_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const gp_decision *dec = gp_decisions_get(ds, i);
        if (dec->kind != GP_DECISION_FIX && dec->nids)
            order[m++] = dec;
    }
    if (!rc)
        qsort(order, m, sizeof *order, line_cmp);
    for (size_t i = 0; i < m && !rc; i++) {
        if (!(ids[i] = malloc(order[i]->nids * sizeof **ids)))
            rc = GP_ENOMEM;
        else
            nids[i] = decision_ids(d, order[i], ids[i]);
    }
    for (size_t i = 0; i < m && !rc; i++)
        if (order[i]->kind == GP_DECISION_DISTINCT)
            for (size_t x = 0; x < nids[i] && !rc; x++)
                for (size_t y = x + 1; y < nids[i] && !rc; y++)
                    rc = vec_push(&d->distinct, pair_key(ids[i][x], ids[i][y]));
    if (!rc)
        rc = sorted_unique(&d->distinct);
    for (size_t i = 0; i < m && !rc; i++) {
        const gp_decision *dec = order[i];
        if (dec->kind != GP_DECISION_MERGE)
            continue;
        for (size_t x = 1; x < nids[i] && !rc; x++) {
            uint32_t a = ids[i][0], b = ids[i][x];
            uint32_t ra = find(d->ents, a), rb = find(d->ents, b);
            if (ra == rb)
                continue;
            if (distinct_between(d, ra, rb)) {
                gp_diag g = GP_DIAG_INIT;
                g.severity = GP_SEV_ERROR;
                g.rule_id = "decision.contradiction";
                g.file = dec->file;
                g.line = dec->line;
                g.column = dec->column;
                g.record_id = d->ents[a].id;
                gp_diag_emitf(d->diags, &g,
                              "merge decision joins '%s' and '%s', which a distinct decision "
                              "keeps apart; not merged",
                              d->ents[a].id, d->ents[b].id);
                continue;
            }
            double s;
            rc = pair_score(d, a, b, &s);
            if (!rc)
                rc = add_link(d, a, b, s, LINK_DECISION);
            unite(d->ents, ra, rb);
            d->stats.merged_decision++;
        }
    }
    for (size_t i = 0; ids && i < m; i++)
        free(ids[i]);
    free(ids);
    free(nids);
    free(order);
    return rc;
}

/* Whether every member of one group scores at least `review` with every member of the
 * other; the first pair that does not is returned in *x, *y, *s. */
static int guard(gp_deduper *d, uint32_t ra, uint32_t rb, uint32_t *x, uint32_t *y, double *s)
{
    if ((uint64_t)d->ents[ra].size * d->ents[rb].size > GUARD_MAX_PAIRS) {
        *x = ra;
        *y = rb;
        *s = -1;
        return 0;
    }
    for (uint32_t i = ra; i != DD_NONE; i = d->ents[i].next)
        for (uint32_t j = rb; j != DD_NONE; j = d->ents[j].next) {
            double v;
            if (pair_score(d, i, j, &v) != GP_OK)
                return -1;
            if (v < d->r->review) {
                *x = i;
                *y = j;
                *s = v;
                return 0;
            }
        }
    return 1;
}

typedef struct edge {
    uint16_t score; /* thousandths */
    uint64_t pair;
} edge;

static int edge_cmp(const void *x, const void *y)
{
    const edge *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->pair < b->pair ? -1 : a->pair > b->pair;
}

static int poss_cmp(const void *x, const void *y)
{
    const possible *a = x, *b = y;
    if (a->ca != b->ca)
        return a->ca < b->ca ? -1 : 1;
    if (a->cb != b->cb)
        return a->cb < b->cb ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    uint64_t pa = pair_key(a->a, a->b), pb = pair_key(b->a, b->b);
    return pa < pb ? -1 : pa > pb;
}

static int link_cmp(const void *x, const void *y)
{
    const link_rec *a = x, *b = y;
    if (a->cluster != b->cluster)
        return a->cluster < b->cluster ? -1 : 1;
    uint64_t pa = pair_key(a->a, a->b), pb = pair_key(b->a, b->b);
    return pa < pb ? -1 : pa > pb;
}

static int cluster(gp_deduper *d)
{
    const gp_dedup_rules *r = d->r;
    int rc = apply_decisions(d);
    if (rc)
        return rc;
    size_t ne = 0;
    for (size_t i = 0; i < d->npairs; i++)
        ne += d->scores[i] / 1000.0 >= r->merge;
    edge *edges = malloc((ne ? ne : 1) * sizeof *edges);
    if (!edges)
        return GP_ENOMEM;
    ne = 0;
    for (size_t i = 0; i < d->npairs; i++)
        if (d->scores[i] / 1000.0 >= r->merge)
            edges[ne++] = (edge){d->scores[i], d->pairs[i]};
    qsort(edges, ne, sizeof *edges, edge_cmp);
    for (size_t i = 0; i < ne && !rc; i++) {
        uint32_t a = (uint32_t)(edges[i].pair >> 32), b = (uint32_t)(edges[i].pair & 0xFFFFFFFF);
        uint32_t ra = find(d->ents, a), rb = find(d->ents, b);
        if (ra == rb)
            continue;
        if (distinct_between(d, ra, rb)) {
            d->stats.kept_apart++;
            continue;
        }
        uint32_t x, y;
        double s;
        int ok = guard(d, ra, rb, &x, &y, &s);
        if (ok < 0) {
            rc = GP_ENOMEM;
            break;
        }
        if (!ok) {
            d->stats.kept_apart++;
            gp_buf note = GP_BUF_INIT;
            if (s < 0)
                gp_buf_printf(&note,
                              "not merged: the groups of '%s' and '%s' are too large "
                              "to check every pair",
                              d->ents[a].id, d->ents[b].id);
            else
                gp_buf_printf(&note,
                              "not merged: '%s' and '%s', in the groups it would join, "
                              "score only %.3f, below review",
                              d->ents[x].id, d->ents[y].id, s);
            const char *text = note.oom ? NULL : gp_arena_strdup(d->arena, gp_buf_str(&note));
            gp_buf_free(&note);
            if (!text || add_possible(d, a, b, edges[i].score / 1000.0, text) != GP_OK)
                rc = GP_ENOMEM;
            continue;
        }
        rc = add_link(d, a, b, edges[i].score / 1000.0, LINK_SCORE);
        unite(d->ents, ra, rb);
        d->stats.merged_score++;
    }
    free(edges);
    for (size_t i = 0; i < d->npairs && !rc; i++)
        if (d->scores[i] / 1000.0 >= r->review && d->scores[i] / 1000.0 < r->merge)
            rc = add_possible(d, (uint32_t)(d->pairs[i] >> 32),
                              (uint32_t)(d->pairs[i] & 0xFFFFFFFF), d->scores[i] / 1000.0, NULL);
    if (rc)
        return rc;

    /* The id of each group is its smallest member: entities are in id order. */
    for (size_t i = 0; i < d->nents; i++)
        d->cid[i] = DD_NONE;
    for (size_t i = 0; i < d->nents; i++) {
        uint32_t root = find(d->ents, (uint32_t)i);
        if (d->cid[root] == DD_NONE || d->cid[root] > i)
            d->cid[root] = (uint32_t)i;
    }
    for (size_t i = 0; i < d->nents; i++)
        d->cid[i] = d->cid[find(d->ents, (uint32_t)i)];
    for (size_t i = 0; i < d->nents; i++) /* flat: the writers only read the roots */
        d->ents[i].parent = find(d->ents, (uint32_t)i);
    d->stats.records_out = 0;
    for (size_t i = 0; i < d->nents; i++)
        d->stats.records_out += d->cid[i] == i;

    for (size_t i = 0; i < d->distinct.len && !rc; i++) {
        uint32_t x = d->cid[d->distinct.v[i] >> 32], y = d->cid[d->distinct.v[i] & 0xFFFFFFFF];
        rc = vec_push(&d->distinct_clusters, pair_key(x, y));
    }
    if (!rc)
        rc = sorted_unique(&d->distinct_clusters);
    size_t k = 0;
    for (size_t i = 0; i < d->nposs; i++) {
        possible p = d->poss[i];
        p.ca = d->cid[p.a];
        p.cb = d->cid[p.b];
        if (p.ca == p.cb || vec_find(&d->distinct_clusters, pair_key(p.ca, p.cb)))
            continue;
        if (p.ca > p.cb) {
            uint32_t t = p.ca;
            p.ca = p.cb;
            p.cb = t;
            t = p.a;
            p.a = p.b;
            p.b = t;
        }
        d->poss[k++] = p;
    }
    if (k > 1)
        qsort(d->poss, k, sizeof *d->poss, poss_cmp);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || d->poss[u - 1].ca != d->poss[i].ca || d->poss[u - 1].cb != d->poss[i].cb)
            d->poss[u++] = d->poss[i];
    d->nposs = u;
    d->stats.possible_duplicates = u;
    for (size_t i = 0; i < d->nlinks; i++)
        d->links[i].cluster = d->cid[d->links[i].a];
    if (d->nlinks > 1)
        qsort(d->links, d->nlinks, sizeof *d->links, link_cmp);
    return rc;
}

int gp_dedup_run(gp_deduper *d)
{
    if (d->ran)
        return GP_EINVAL;
    d->ran = 1;
    /* The defaults are built before the threads read them. */
    (void)gp__dedup_rules(d->rules);
    int rc = ingest_finish(d);
    progress(d, "reading", d->added, d->added);
    /* Each worker merges groups with a normaliser of its own: the readers' are idle now. */
    for (int k = 0; k < d->nthreads; k++)
        d->workers[k].norm = k == 0                   ? d->norm
                             : k - 1 < DD_MAX_READERS ? d->ingest.readers[k - 1].norm
                                                      : NULL;
    if (!rc)
        rc = group(d);
    uint32_t *bands = NULL;
    if (!rc) {
        bands = calloc(d->nents * (size_t)d->r->bands + 1, sizeof *bands);
        if (!bands)
            rc = GP_ENOMEM;
    }
    if (!rc) {
        feat_ctx fc = {bands};
        rc = parallel(d, "comparing", d->nents, features_range, &fc, d->nthreads);
    }
    if (!rc)
        rc = candidate_pairs(d, bands);
    free(bands);
    if (!rc && !(d->scores = malloc((d->npairs ? d->npairs : 1) * sizeof *d->scores)))
        rc = GP_ENOMEM;
    if (!rc)
        rc = parallel(d, "scoring", d->npairs, score_range, NULL, d->nthreads);
    if (!rc)
        rc = cluster(d);
    return rc;
}

/* ---- 7. output ---- */

/* Parts of a score, in the order of the names (as the JSON object has them). */
static size_t score_parts(const gp_dedup_rules *r, const dd_score *s, gp_dedup_part *out)
{
    size_t n = 0;
    for (int p = 0; p < GP_DD_TEXT_PARTS; p++)
        if (s->has[p])
            out[n++] = (gp_dedup_part){gp__dd_text_part_name(p), 0, s->sim[p], r->weight[p]};
    for (int p = 0; p < GP_DD_FACTOR_PARTS; p++)
        if (s->has_factor[p])
            out[n++] = (gp_dedup_part){gp__dd_factor_part_name(p), 1, s->factor[p], 0};
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(out[j - 1].name, out[j].name) > 0; j--) {
            gp_dedup_part t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* A link with its parts, in the arena. */
static int make_link(gp_deduper *d, uint32_t a, uint32_t b, const char *how, gp_arena *arena,
                     gp_dedup_link *out)
{
    dd_score s;
    int rc = gp__dd_score(&d->workers[0], d->r, &d->ents[a], &d->ents[b], 0, &s);
    if (rc)
        return rc;
    gp_dedup_part *parts =
        gp_arena_alloc(arena, (GP_DD_TEXT_PARTS + GP_DD_FACTOR_PARTS) * sizeof *parts);
    if (!parts)
        return GP_ENOMEM;
    *out = (gp_dedup_link){d->ents[a].id, d->ents[b].id, how,
                           s.score,       parts,         score_parts(d->r, &s, parts)};
    return GP_OK;
}

/* A member: an entity with the sources of its records (from its line). */
static int make_member(gp_deduper *d, uint32_t e, gp_arena *arena, gp_dedup_member *out)
{
    gp_record *rec = gp_arena_alloc(arena, sizeof *rec);
    if (!rec)
        return GP_ENOMEM;
    int rc = entity_record(d, e, arena, rec);
    if (rc)
        return rc;
    *out = (gp_dedup_member){d->ents[e].id, d->ents[e].nrecs, rec->sources, rec->nsources};
    return GP_OK;
}

static const gp_dedup_conflict *convert_conflicts(const dd_merged *m, gp_arena *arena)
{
    gp_dedup_conflict *out = gp_arena_alloc(arena, (m->nconflicts + 1) * sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < m->nconflicts; i++) {
        const dd_conflict *c = &m->conflicts[i];
        gp_dedup_value *vals = gp_arena_alloc(arena, c->nvalues * sizeof *vals);
        if (!vals)
            return NULL;
        for (size_t k = 0; k < c->nvalues; k++)
            vals[k] = (gp_dedup_value){c->values[k].text, c->values[k].ids, c->values[k].nids,
                                       c->values[k].sources, c->values[k].nsources};
        out[i] = (gp_dedup_conflict){gp_field_name(c->field), c->values[c->chosen].text, vals,
                                     c->nvalues};
    }
    return out;
}

/* Fields where two records both have a value and the values differ. */
static int differences(gp_deduper *d, uint32_t a, uint32_t b, gp_arena *arena,
                       const gp_dedup_conflict **out, size_t *nout)
{
    uint32_t ids[2] = {a, b};
    gp_record *recs[2];
    for (int i = 0; i < 2; i++) {
        recs[i] = gp_arena_alloc(arena, sizeof *recs[i]);
        if (!recs[i])
            return GP_ENOMEM;
        int rc = entity_record(d, ids[i], arena, recs[i]);
        if (rc)
            return rc;
    }
    gp_dedup_conflict *c = gp_arena_alloc(arena, GP_DD_SCALARS * sizeof *c);
    if (!c)
        return GP_ENOMEM;
    size_t n = 0;
    for (size_t s = 0; s < GP_DD_SCALARS; s++) {
        gp_field f = gp__dd_scalar_fields[s];
        const char *v[2];
        for (int i = 0; i < 2; i++) {
            if (gp_field_is_year(f)) {
                int y = gp_record_year(recs[i], f)->value;
                char num[16];
                snprintf(num, sizeof num, "%d", y);
                v[i] = y > 0 ? gp_arena_strdup(arena, num) : NULL;
            } else {
                v[i] = gp_record_get(recs[i], f);
            }
        }
        if (!v[0] || !v[1] || strcmp(v[0], v[1]) == 0)
            continue;
        gp_dedup_value *vals = gp_arena_alloc(arena, 2 * sizeof *vals);
        const char **idv = gp_arena_alloc(arena, 2 * sizeof *idv);
        if (!vals || !idv)
            return GP_ENOMEM;
        int first = strcmp(v[0], v[1]) < 0 ? 0 : 1;
        for (int i = 0; i < 2; i++) {
            int src = i == 0 ? first : 1 - first;
            idv[i] = d->ents[ids[src]].id;
            vals[i] = (gp_dedup_value){v[src], &idv[i], 1, recs[src]->sources, recs[src]->nsources};
        }
        c[n++] = (gp_dedup_conflict){gp_field_name(f), NULL, vals, 2};
    }
    *out = c;
    *nout = n;
    return GP_OK;
}

static void put_clipped(gp_buf *b, const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max) {
        gp_buf_puts(b, s);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    gp_buf_put(b, s, max);
    gp_buf_puts(b, "...");
}

static int report_conflicts(gp_deduper *d, gp_diag_sink *sink, const gp_dedup_cluster *c)
{
    gp_buf msg = GP_BUF_INIT;
    int rc = GP_OK;
    for (size_t i = 0; i < c->nconflicts && !rc; i++) {
        const gp_dedup_conflict *cf = &c->conflicts[i];
        gp_buf_reset(&msg);
        gp_buf_printf(&msg, "records merged into '%s' disagree on %s: ", c->id, cf->field);
        for (size_t k = 0; k < cf->nvalues; k++) {
            const gp_dedup_value *v = &cf->values[k];
            if (k)
                gp_buf_puts(&msg, ", ");
            gp_buf_putc(&msg, '\'');
            put_clipped(&msg, v->value, 40);
            gp_buf_puts(&msg, "' from ");
            for (size_t j = 0; j < v->nsources; j++)
                gp_buf_printf(&msg, "%s%s:%ld", j ? " and " : "",
                              v->sources[j].file ? v->sources[j].file : "-", v->sources[j].line);
            if (v->nsources == 0)
                for (size_t j = 0; j < v->nids; j++)
                    gp_buf_printf(&msg, "%s'%s'", j ? " and " : "", v->ids[j]);
            if (v->value == cf->chosen || strcmp(v->value, cf->chosen) == 0)
                gp_buf_puts(&msg, " (kept)");
        }
        if (gp_buf_error(&msg)) {
            rc = GP_ENOMEM;
            break;
        }
        gp_diag g = GP_DIAG_INIT;
        g.severity = GP_SEV_WARNING;
        g.rule_id = "record.conflict";
        g.file = c->source ? c->source->file : NULL;
        g.line = c->source ? c->source->line : 0;
        g.record_id = c->id;
        char ptr[32];
        snprintf(ptr, sizeof ptr, "/%s", cf->field);
        g.pointer = ptr;
        /* the field, not the message with its lines: baselines must survive moved records */
        g.value = cf->field;
        g.message = gp_buf_str(&msg);
        gp_diag_emit(sink, &g);
    }
    gp_buf_free(&msg);
    (void)d;
    return rc;
}

static int report_possible(gp_deduper *d, gp_diag_sink *sink, const gp_dedup_cluster *c)
{
    gp_buf msg = GP_BUF_INIT;
    const gp_dedup_link *l = &c->links[0];
    gp_buf_printf(&msg, "possible duplicate of '%s', score ", c->other_id);
    gp__dd_put_number(&msg, l->score);
    gp_buf_puts(&msg, " (");
    int first = 1;
    for (size_t i = 0; i < l->nparts; i++) {
        const gp_dedup_part *p = &l->parts[i];
        if (p->is_factor && p->value >= 1.0)
            continue;
        gp_buf_puts(&msg, first ? "" : ", ");
        first = 0;
        if (p->is_factor) {
            gp_buf_printf(&msg, "%s differs x", p->name);
            gp__dd_put_number(&msg, p->value);
        } else {
            gp_buf_printf(&msg, "%s ", p->name);
            gp__dd_put_number(&msg, p->value);
        }
    }
    gp_buf_puts(&msg, ")");
    if (c->nconflicts) {
        gp_buf_puts(&msg, "; fields that disagree: ");
        for (size_t i = 0; i < c->nconflicts; i++)
            gp_buf_printf(&msg, "%s%s", i ? ", " : "", c->conflicts[i].field);
    }
    if (c->note)
        gp_buf_printf(&msg, "; %s", c->note);
    int rc = gp_buf_error(&msg);
    if (!rc) {
        gp_diag g = GP_DIAG_INIT;
        g.severity = GP_SEV_WARNING;
        g.rule_id = "record.possible-duplicate";
        g.file = c->source ? c->source->file : NULL;
        g.line = c->source ? c->source->line : 0;
        g.record_id = c->id;
        g.value = c->other_id;
        g.message = gp_buf_str(&msg);
        gp_diag_emit(sink, &g);
    }
    gp_buf_free(&msg);
    (void)d;
    return rc;
}

static int uint32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct walk {
    gp_deduper *d;
    const gp_dedup_output *out;
    size_t link; /* next link to hand out */
    size_t poss; /* next possible duplicate */
} walk;

static int emit_possibles(walk *w, uint32_t c, const gp_source *source)
{
    gp_deduper *d = w->d;
    const gp_dedup_output *out = w->out;
    int rc = GP_OK;
    while (!rc && w->poss < d->nposs && d->poss[w->poss].ca == c) {
        const possible *p = &d->poss[w->poss++];
        if (!out->clusters && !out->findings)
            continue;
        gp_arena_reset(d->tmp);
        gp_dedup_member *m = gp_arena_alloc(d->tmp, 2 * sizeof *m);
        gp_dedup_link *l = gp_arena_alloc(d->tmp, sizeof *l);
        if (!m || !l)
            return GP_ENOMEM;
        gp_dedup_cluster cl = {GP_DEDUP_POSSIBLE,
                               d->ents[p->ca].id,
                               d->ents[p->cb].id,
                               source,
                               m,
                               2,
                               l,
                               1,
                               NULL,
                               0,
                               p->note};
        rc = make_member(d, p->a, d->tmp, &m[0]);
        if (!rc)
            rc = make_member(d, p->b, d->tmp, &m[1]);
        if (!rc)
            rc = make_link(d, p->a, p->b, "review", d->tmp, l);
        if (!rc)
            rc = differences(d, p->a, p->b, d->tmp, &cl.conflicts, &cl.nconflicts);
        if (!rc && out->clusters)
            rc = out->clusters(out->clusters_ctx, &cl);
        if (!rc && out->findings)
            rc = report_possible(d, out->findings, &cl);
    }
    return rc;
}

/* Copies a source's strings out of the group arena (they outlive it). */
static int keep_source(gp_deduper *d, gp_source *s)
{
    if (s->file && !(s->file = gp_arena_strdup(d->arena, s->file)))
        return GP_ENOMEM;
    if (s->format && !(s->format = gp_arena_strdup(d->arena, s->format)))
        return GP_ENOMEM;
    return GP_OK;
}

/* A group made ready for writing by a worker: its members and, when it has several
 * records, its merged record's line and its conflicts. */
typedef struct rendered {
    uint32_t *mem;
    size_t nm;
    const char *line; /* merged groups, with its newline */
    size_t len;
    dd_merged m;
} rendered;

typedef struct window {
    const uint32_t *groups;
    rendered *out;
} window;

/* The root of x; reads only (the paths are flattened after clustering). */
static uint32_t root_of(const dd_ent *e, uint32_t x)
{
    while (e[x].parent != x)
        x = e[x].parent;
    return x;
}

static int render_range(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx)
{
    window *win = ctx;
    for (size_t i = lo; i < hi; i++) {
        uint32_t c = win->groups[i];
        rendered *r = &win->out[i];
        memset(r, 0, sizeof *r);
        const dd_ent *root = &d->ents[root_of(d->ents, c)];
        r->mem = gp_arena_alloc(w->render, root->size * sizeof *r->mem);
        if (!r->mem)
            return GP_ENOMEM;
        for (uint32_t x = (uint32_t)(root - d->ents); x != DD_NONE; x = d->ents[x].next)
            r->mem[r->nm++] = x;
        qsort(r->mem, r->nm, sizeof *r->mem, uint32_cmp);
        if (r->nm == 1 && d->ents[c].nrecs == 1)
            continue;
        gp_record **recs;
        size_t n;
        int rc = parse_records(d, r->mem, r->nm, w->render, &recs, &n);
        if (!rc)
            rc = gp__dd_merge(d->r, recs, n, w->render, 1, &r->m);
        if (!rc)
            rc = gp_norm_record(w->norm, &r->m.rec);
        if (rc)
            return rc;
        r->m.rec.id = d->ents[c].id;
        gp_buf_reset(&w->line);
        gp_record_write_json(&r->m.rec, &w->line, 0);
        if (gp_buf_error(&w->line))
            return GP_ENOMEM;
        r->len = w->line.len;
        if (!(r->line = gp_arena_strndup(w->render, w->line.data, w->line.len)))
            return GP_ENOMEM;
    }
    return GP_OK;
}

/* Writes group `c` (its smallest member), made ready in `r`, and what is reported with it. */
static int emit_group(walk *w, uint32_t c, const rendered *r)
{
    gp_deduper *d = w->d;
    const gp_dedup_output *out = w->out;
    gp_arena_reset(d->tmp);
    const dd_ent *e = &d->ents[c];
    gp_source first = {0};
    int rc = GP_OK;
    if (!r->line) {
        if (out->dataset) {
            gp_buf_reset(&d->line);
            gp_buf_put(&d->line, d->recs[e->first].json, d->recs[e->first].len);
            gp_buf_putc(&d->line, '\n');
            if (gp_buf_error(&d->line))
                return GP_ENOMEM;
            rc = out->dataset(out->dataset_ctx, d->line.data, d->line.len);
        }
        if (!rc && d->nposs && w->poss < d->nposs && d->poss[w->poss].ca == c) {
            gp_record rec;
            rc = entity_record(d, c, d->tmp, &rec);
            if (!rc && rec.nsources)
                first = rec.sources[0];
            if (!rc)
                rc = keep_source(d, &first);
        }
        return rc ? rc : emit_possibles(w, c, first.file ? &first : NULL);
    }
    const dd_merged *m = &r->m;
    if (out->dataset)
        rc = out->dataset(out->dataset_ctx, r->line, r->len);
    d->stats.conflicts += m->nconflicts;
    for (size_t i = 0; i < m->nconflicts; i++)
        d->stats.conflicts_by_field[m->conflicts[i].field]++;
    if (m->rec.nsources)
        first = m->rec.sources[0];
    size_t nm = r->nm;
    gp_dedup_cluster cl = {
        GP_DEDUP_MERGED, e->id, NULL, first.file ? &first : NULL, NULL, nm, NULL, 0, NULL,
        m->nconflicts,   NULL};
    if (!rc && (out->clusters || out->findings)) {
        gp_dedup_member *mem = gp_arena_alloc(d->tmp, nm * sizeof *mem);
        size_t nl = 0;
        while (w->link + nl < d->nlinks && d->links[w->link + nl].cluster == c)
            nl++;
        gp_dedup_link *links = gp_arena_alloc(d->tmp, (nl + 1) * sizeof *links);
        cl.conflicts = convert_conflicts(m, d->tmp);
        if (!mem || !links || !cl.conflicts)
            rc = GP_ENOMEM;
        for (size_t i = 0; i < nm && !rc; i++)
            rc = make_member(d, r->mem[i], d->tmp, &mem[i]);
        for (size_t i = 0; i < nl && !rc; i++) {
            const link_rec *lr = &d->links[w->link + i];
            rc = make_link(d, lr->a, lr->b, lr->how == LINK_DECISION ? "decision" : "score", d->tmp,
                           &links[i]);
        }
        cl.members = mem;
        cl.links = links;
        cl.nlinks = nl;
        if (!rc && out->clusters)
            rc = out->clusters(out->clusters_ctx, &cl);
        if (!rc && out->findings)
            rc = report_conflicts(d, out->findings, &cl);
    }
    while (w->link < d->nlinks && d->links[w->link].cluster == c)
        w->link++;
    if (rc)
        return rc;
    /* The possible duplicates reuse the arena: keep the first source. */
    if ((rc = keep_source(d, &first)))
        return rc;
    return emit_possibles(w, c, first.file ? &first : NULL);
}

/*
 * Groups are written in windows: the workers merge and normalise the groups of a window
 * (each with a normaliser of its own), then this thread hands them out in order.
 */
int gp_dedup_write(gp_deduper *d, const gp_dedup_output *out)
{
    if (!d->ran)
        return GP_EINVAL;
    d->stats.conflicts = 0;
    memset(d->stats.conflicts_by_field, 0, sizeof d->stats.conflicts_by_field);
    walk w = {d, out, 0, 0};
    int threads = 0; /* the workers that have a normaliser (the first always has) */
    while (threads < d->nthreads && d->workers[threads].norm)
        threads++;
    enum { WINDOW = 8192 };
    uint32_t *groups = malloc(WINDOW * sizeof *groups);
    rendered *ready = malloc(WINDOW * sizeof *ready);
    int rc = groups && ready ? GP_OK : GP_ENOMEM;
    size_t done = 0;
    for (size_t i = 0; i < d->nents && !rc;) {
        size_t n = 0;
        for (; i < d->nents && n < WINDOW; i++)
            if (d->cid[i] == i)
                groups[n++] = (uint32_t)i;
        for (int k = 0; k < d->nthreads; k++)
            gp_arena_reset(d->workers[k].render);
        window win = {groups, ready};
        rc = parallel(d, NULL, n, render_range, &win, threads);
        for (size_t k = 0; k < n && !rc; k++)
            rc = emit_group(&w, groups[k], &ready[k]);
        done += n;
        progress(d, "writing", done, d->stats.records_out);
    }
    free(groups);
    free(ready);
    return rc;
}

/* ---- the clusters file ---- */

static void put_source(gp_buf *b, const gp_source *s)
{
    gp_buf_puts(b, "{\"file\":");
    if (s->file)
        gp_json_write_string(b, s->file, strlen(s->file));
    else
        gp_buf_puts(b, "null");
    gp_buf_puts(b, ",\"format\":");
    if (s->format)
        gp_json_write_string(b, s->format, strlen(s->format));
    else
        gp_buf_puts(b, "null");
    gp_buf_puts(b, ",\"line\":");
    gp_buf_put_long(b, s->line);
    gp_buf_putc(b, '}');
}

static void put_str(gp_buf *b, const char *s)
{
    if (s)
        gp_json_write_string(b, s, strlen(s));
    else
        gp_buf_puts(b, "null");
}

void gp_dedup_cluster_write_json(const gp_dedup_cluster *c, gp_buf *b)
{
    gp_buf_puts(b, "{\"conflicts\":[");
    for (size_t i = 0; i < c->nconflicts; i++) {
        const gp_dedup_conflict *cf = &c->conflicts[i];
        gp_buf_puts(b, i ? ",{\"chosen\":" : "{\"chosen\":");
        put_str(b, cf->chosen);
        gp_buf_puts(b, ",\"field\":");
        put_str(b, cf->field);
        gp_buf_puts(b, ",\"values\":[");
        for (size_t k = 0; k < cf->nvalues; k++) {
            gp_buf_puts(b, k ? ",{\"ids\":[" : "{\"ids\":[");
            for (size_t j = 0; j < cf->values[k].nids; j++) {
                if (j)
                    gp_buf_putc(b, ',');
                put_str(b, cf->values[k].ids[j]);
            }
            gp_buf_puts(b, "],\"sources\":[");
            for (size_t j = 0; j < cf->values[k].nsources; j++) {
                if (j)
                    gp_buf_putc(b, ',');
                put_source(b, &cf->values[k].sources[j]);
            }
            gp_buf_puts(b, "],\"value\":");
            put_str(b, cf->values[k].value);
            gp_buf_putc(b, '}');
        }
        gp_buf_puts(b, "]}");
    }
    gp_buf_puts(b, "],\"id\":");
    put_str(b, c->id);
    gp_buf_puts(b, ",\"kind\":");
    put_str(b, c->kind == GP_DEDUP_MERGED ? "merged" : "possible-duplicate");
    gp_buf_puts(b, ",\"links\":[");
    for (size_t i = 0; i < c->nlinks; i++) {
        const gp_dedup_link *l = &c->links[i];
        gp_buf_puts(b, i ? ",{\"how\":" : "{\"how\":");
        put_str(b, l->how);
        gp_buf_puts(b, ",\"ids\":[");
        put_str(b, l->a);
        gp_buf_putc(b, ',');
        put_str(b, l->b);
        gp_buf_puts(b, "],\"parts\":{");
        for (size_t k = 0; k < l->nparts; k++) {
            const gp_dedup_part *p = &l->parts[k];
            if (k)
                gp_buf_putc(b, ',');
            put_str(b, p->name);
            if (p->is_factor) {
                gp_buf_puts(b, ":{\"factor\":");
                gp__dd_put_number(b, p->value);
            } else {
                gp_buf_puts(b, ":{\"similarity\":");
                gp__dd_put_number(b, p->value);
                gp_buf_puts(b, ",\"weight\":");
                gp__dd_put_number(b, p->weight);
            }
            gp_buf_putc(b, '}');
        }
        gp_buf_puts(b, "},\"score\":");
        gp__dd_put_number(b, l->score);
        gp_buf_putc(b, '}');
    }
    gp_buf_puts(b, "],\"members\":[");
    for (size_t i = 0; i < c->nmembers; i++) {
        const gp_dedup_member *m = &c->members[i];
        gp_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        put_str(b, m->id);
        gp_buf_puts(b, ",\"records\":");
        gp_buf_put_long(b, (long)m->records);
        gp_buf_puts(b, ",\"sources\":[");
        for (size_t k = 0; k < m->nsources; k++) {
            if (k)
                gp_buf_putc(b, ',');
            put_source(b, &m->sources[k]);
        }
        gp_buf_puts(b, "]}");
    }
    gp_buf_puts(b, "],\"note\":");
    put_str(b, c->note);
    gp_buf_puts(b, ",\"other_id\":");
    put_str(b, c->other_id);
    gp_buf_puts(b, "}\n");
}

/* ---- --explain ---- */

static const char *const key_names[] = {"institution", "country", "award_year",
                                        "implementation_year"};

static void put_key_name(gp_buf *b, unsigned mask)
{
    int first = 1;
    for (int f = 0; f < 4; f++)
        if (mask & (1u << f)) {
            gp_buf_printf(b, "%s%s", first ? "" : "+", key_names[f]);
            first = 0;
        }
}

static void explain_record(gp_deduper *d, gp_buf *out, const char *label, uint32_t e,
                           const gp_record *rec)
{
    gp_buf_printf(out, "%s  %s  %s", label, d->ents[e].id,
                  rec->institution ? rec->institution : "(no institution)");
    if (rec->country_code)
        gp_buf_printf(out, " (%s)", rec->country_code);
    if (rec->award_year.value > 0)
        gp_buf_printf(out, ", award %d", rec->award_year.value);
    gp_buf_putc(out, '\n');
    for (size_t i = 0; i < rec->nsources; i++)
        gp_buf_printf(out, "   %s:%ld (%s)\n", rec->sources[i].file ? rec->sources[i].file : "-",
                      rec->sources[i].line, rec->sources[i].format ? rec->sources[i].format : "?");
}

static void explain_values(gp_buf *out, const char *name, const char *a, size_t la, int cut_a,
                           const char *b, size_t lb, int cut_b, const char *verdict)
{
    gp_buf_printf(out, "  %-20s A %.*s%s\n", name, a ? (int)la : 6, a ? a : "(none)",
                  cut_a ? " ..." : "");
    gp_buf_printf(out, "  %-20s B %.*s%s\n", "", b ? (int)lb : 6, b ? b : "(none)",
                  cut_b ? " ..." : "");
    gp_buf_printf(out, "  %-20s   %s\n", "", verdict);
}

/* The matching keys of two values (the first `words` words when not 0). */
static int explain_key(dd_worker *w, gp_buf *out, const char *name, const char *a, const char *b,
                       size_t words)
{
    gp_buf ka = GP_BUF_INIT, kb = GP_BUF_INIT;
    int rc = GP_OK;
    if (a)
        rc = gp_text_key(w->text, a, strlen(a), &ka);
    if (!rc && b)
        rc = gp_text_key(w->text, b, strlen(b), &kb);
    if (!rc) {
        const char *sa = gp_buf_str(&ka), *sb = gp_buf_str(&kb);
        size_t la = words ? gp_text_key_prefix(sa, ka.len, words) : ka.len;
        size_t lb = words ? gp_text_key_prefix(sb, kb.len, words) : kb.len;
        const char *verdict = !a || !b                                          ? "not compared"
                              : ka.len == kb.len && memcmp(sa, sb, ka.len) == 0 ? "same"
                                                                                : "differ";
        explain_values(out, name, a ? sa : NULL, la, la < ka.len, b ? sb : NULL, lb, lb < kb.len,
                       verdict);
    }
    gp_buf_free(&ka);
    gp_buf_free(&kb);
    return rc;
}

static void explain_year(gp_buf *out, const char *name, int a, int b)
{
    char sa[16] = "(none)", sb[16] = "(none)";
    if (a > 0)
        snprintf(sa, sizeof sa, "%d", a);
    if (b > 0)
        snprintf(sb, sizeof sb, "%d", b);
    gp_buf_printf(out, "  %-20s A %-8s B %-8s %s\n", name, sa, sb,
                  a <= 0 || b <= 0 ? "not compared"
                  : a == b         ? "same"
                                   : "differ");
}

int gp_dedup_explain(gp_deduper *d, const char *id1, const char *id2, gp_buf *out)
{
    if (!d->ran)
        return GP_EINVAL;
    int64_t ia = find_id(d, id1), ib = find_id(d, id2);
    if (ia < 0 || ib < 0) {
        gp_buf_printf(out, "no record has id '%s'\n", ia < 0 ? id1 : id2);
        return GP_EINVAL;
    }
    uint32_t a = (uint32_t)ia, b = (uint32_t)ib;
    const gp_dedup_rules *r = d->r;
    dd_worker *w = &d->workers[0];
    gp_arena_reset(d->tmp);
    gp_record ra, rb;
    gp_record_init(&ra, d->tmp);
    gp_record_init(&rb, d->tmp);
    int rc = entity_record(d, a, d->tmp, &ra);
    if (!rc)
        rc = entity_record(d, b, d->tmp, &rb);
    if (rc)
        return rc;
    explain_record(d, out, "A", a, &ra);
    explain_record(d, out, "B", b, &rb);
    if (a == b) {
        gp_buf_puts(out, "\nA and B are the same record\n");
        return gp_buf_error(out);
    }

    gp_buf_puts(out, "\nmatching keys\n");
    rc = explain_key(w, out, "institution", ra.institution, rb.institution, 0);
    if (rc)
        return rc;
    if (ra.country_code && rb.country_code) {
        const char *ca = ra.country_code, *cb = rb.country_code;
        gp_buf_printf(out, "  %-20s A %-8s B %-8s %s\n", "country_code", ca, cb,
                      strcmp(ca, cb) == 0 ? "same" : "differ");
    } else if ((rc = explain_key(w, out, "country", ra.country, rb.country, 0))) {
        return rc;
    }
    explain_year(out, "award_year", ra.award_year.value, rb.award_year.value);
    explain_year(out, "implementation_year", ra.implementation_year.value,
                 rb.implementation_year.value);
    if (!rc)
        rc = explain_key(w, out, "title", ra.title, rb.title, 0);
    if (!rc)
        rc =
            explain_key(w, out, "description", ra.description, rb.description, GP_ID_OPENING_WORDS);
    if (rc)
        return rc;

    gp_buf_puts(out, "\nblocks\n");
    for (size_t k = 0; k < r->nkeys; k++) {
        uint64_t ka = block_key(&d->ents[a], r->keys[k], k);
        uint64_t kb = block_key(&d->ents[b], r->keys[k], k);
        size_t size = 0;
        if (ka && ka == kb)
            for (size_t i = 0; i < d->nents; i++)
                size += block_key(&d->ents[i], r->keys[k], k) == ka;
        gp_buf name = GP_BUF_INIT;
        put_key_name(&name, r->keys[k]);
        gp_buf_printf(out, "  %-36s", gp_buf_str(&name));
        gp_buf_free(&name);
        if (!ka || !kb)
            gp_buf_puts(out, "not shared: a field is unknown\n");
        else if (ka != kb)
            gp_buf_puts(out, "not shared\n");
        else if (size > r->max_block)
            gp_buf_printf(out,
                          "shared, but the block holds %zu records (more than %zu): no "
                          "pairs from it\n",
                          size, r->max_block);
        else
            gp_buf_printf(out, "shared (%zu records in the block)\n", size);
    }
    uint32_t bands_a[GP_DD_MAX_BANDS], bands_b[GP_DD_MAX_BANDS];
    dd_ent ea = d->ents[a], eb = d->ents[b];
    rc = gp__dd_features(w, r, &ea, &ra, bands_a);
    if (!rc)
        rc = gp__dd_features(w, r, &eb, &rb, bands_b);
    if (rc)
        return rc;
    int shared = 0;
    for (int i = 0; i < r->bands; i++)
        shared += bands_a[i] && bands_a[i] == bands_b[i];
    gp_buf_printf(out, "  %-36s%d of %d bands shared\n", "minhash", shared, r->bands);
    if (d->ents[a].counterpart != DD_NONE && d->ents[a].counterpart == d->ents[b].counterpart)
        gp_buf_printf(out,
                      "  %-36sthe only %s and %s records of their block without a "
                      "counterpart\n",
                      "counterparts", gp_format_name(r->counterparts[0]),
                      gp_format_name(r->counterparts[1]));
    double cand = -1;
    uint64_t key = pair_key(a, b);
    for (size_t lo = 0, hi = d->npairs; lo < hi;) {
        size_t mid = (lo + hi) / 2;
        if (d->pairs[mid] == key) {
            cand = d->scores[mid] / 1000.0;
            break;
        }
        if (d->pairs[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    gp_buf_printf(out, "  candidate pair: %s\n",
                  cand >= 0 ? "yes" : "no (scored here only to explain)");

    dd_score s;
    if ((rc = gp__dd_score(w, r, &d->ents[a], &d->ents[b], 0, &s)))
        return rc;
    gp_buf_puts(out, "\nscore\n");
    for (int p = 0; p < GP_DD_TEXT_PARTS; p++) {
        if (!s.has[p])
            continue;
        gp_buf_printf(out, "  %-22s %5.3f x %g", gp__dd_text_part_name(p), s.sim[p], r->weight[p]);
        if (p == GP_DD_DESCRIPTION)
            gp_buf_printf(out, "   overlap of %u and %u shingles; Jaccard %.3f%s",
                          (unsigned)d->ents[a].nshingles, (unsigned)d->ents[b].nshingles, s.jaccard,
                          s.estimated ? " (estimated: a long text)" : "");
        else if (p == GP_DD_TITLE_IN_DESCRIPTION)
            gp_buf_printf(out, "   %u of %u title words in the description", s.title_shared,
                          s.title_words);
        gp_buf_putc(out, '\n');
    }
    if (!s.comparable) {
        gp_buf_puts(out, "  nothing to compare: no description, title or counterpart on both "
                         "sides; score 0\n");
    } else {
        gp_buf_printf(out, "  %-22s %5.3f   weighted mean of the parts above\n", "text", s.text);
        for (int p = 0; p < GP_DD_FACTOR_PARTS; p++)
            if (s.has_factor[p])
                gp_buf_printf(out, "  %-22s x %-5.3g %s\n", gp__dd_factor_part_name(p), s.factor[p],
                              p == GP_DD_SAME_DOCUMENT
                                  ? "both from one document that lists each practice once"
                              : s.factor[p] >= 1.0 ? "same"
                                                   : "differ");
    }
    const char *verdict = s.score >= r->merge    ? "at or above merge"
                          : s.score >= r->review ? "possible duplicate"
                                                 : "below review";
    gp_buf_printf(out, "  %-22s %5.3f   %s (review %g, merge %g)\n", "score", s.score, verdict,
                  r->review, r->merge);

    gp_buf_puts(out, "\noutcome\n  ");
    uint32_t ca = d->cid[a], cb = d->cid[b];
    if (ca == cb) {
        const char *how = NULL;
        for (size_t i = 0; i < d->nlinks; i++)
            if (d->links[i].a == (a < b ? a : b) && d->links[i].b == (a < b ? b : a))
                how = d->links[i].how == LINK_DECISION ? "by a merge decision" : "by their score";
        gp_buf_printf(out, "merged %s into dataset record '%s'\n",
                      how ? how : "through other records of their group", d->ents[ca].id);
    } else {
        int poss = 0;
        const char *note = NULL;
        for (size_t i = 0; i < d->nposs; i++)
            if (d->poss[i].ca == (ca < cb ? ca : cb) && d->poss[i].cb == (ca < cb ? cb : ca)) {
                poss = 1;
                note = d->poss[i].note;
            }
        if (vec_find(&d->distinct_clusters, pair_key(ca, cb)))
            gp_buf_puts(out, "kept apart by a distinct decision");
        else if (poss)
            gp_buf_printf(out, "kept apart; '%s' and '%s' are reported as a possible duplicate",
                          d->ents[ca < cb ? ca : cb].id, d->ents[ca < cb ? cb : ca].id);
        else
            gp_buf_puts(out, "kept apart");
        if (note)
            gp_buf_printf(out, "\n  %s", note);
        gp_buf_puts(out, "\n");
        if (ca != a || cb != b)
            gp_buf_printf(out, "  in the dataset: A is in '%s', B is in '%s'\n", d->ents[ca].id,
                          d->ents[cb].id);
    }
    return gp_buf_error(out);
}
