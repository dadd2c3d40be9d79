/*
 * lib/dedup_ingest.c - phase 1 of gp-dedup: adding records.
 *
 * The caller's thread copies records into batches; reader threads normalise the
 * batches and keep each record as its canonical JSON line and its id, in a store of
 * their own (chunks of STORE_CHUNK bytes). When reading ends the stores' indexes are
 * joined into one, and the errors of normalising handed to the sink in input order.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedup_impl.h"

/* LINE_KEEP: a reader keeps its line buffer for the next record up to this size */
enum { STORE_CHUNK = 8 << 20, LINE_KEEP = 4 << 20 };

typedef struct dd_chunk {
    struct dd_chunk *next;
    size_t used, cap;
    char data[];
} dd_chunk;

/* ---- 1. adding records ---- */

static const char *store_put(dd_store *st, const char *s, size_t len)
{
    dd_chunk *c = st->chunks;
    if (!c || c->cap - c->used < len + 1) {
        /* STORE_CHUNK with the header: whole huge pages (gp__big_alloc) */
        size_t cap = len + 1 > STORE_CHUNK - sizeof *c ? len + 1 : STORE_CHUNK - sizeof *c;
        c = gp__big_alloc(sizeof *c + cap);
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
        dd_chunk *next = st->chunks->next;
        free(st->chunks);
        st->chunks = next;
    }
    free(st->recs);
    free(st->bufs);
    free(st->slab);
    memset(st, 0, sizeof *st);
}

/* ---- the spill file ---- */

/* An unlinked temporary file in $TMPDIR (else /tmp), or -1. */
static int open_tmp(void)
{
    int fd = -1;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
#endif
    if (fd < 0) {
        size_t n = strlen(dir) + 32;
        char *path = malloc(n);
        if (!path)
            return -1;
        snprintf(path, n, "%s/gpkit-dedup-XXXXXX", dir);
        fd = mkstemp(path);
        if (fd >= 0)
            unlink(path);
        free(path);
    }
    return fd;
}

static void spill_open(dd_spill *sp)
{
    sp->fd = -1;
    if (pthread_mutex_init(&sp->mu, NULL) != 0)
        return; /* lines stay in memory */
    sp->mu_ready = 1;
    sp->fd = open_tmp();
}

static void spill_close(dd_spill *sp)
{
    if (sp->fd >= 0)
        close(sp->fd);
    if (sp->mu_ready)
        pthread_mutex_destroy(&sp->mu);
    memset(sp, 0, sizeof *sp);
    sp->fd = -1;
}

/* Writes bucket `b`'s buffer of a store (or one huge line) as one extent of the spill
 * file; the records' offsets become the file's. */
static int spill_extent(gp_deduper *d, dd_store *st, uint32_t b, const char *data, uint32_t len,
                        const uint32_t *recs, const uint32_t *pos, uint32_t n)
{
    dd_spill *sp = &d->ingest.spill;
    dd_buckets *bk = &d->ingest.bk;
    pthread_mutex_lock(&sp->mu);
    uint64_t at = sp->size;
    int rc = GP_OK;
    if (bk->next == bk->ext_cap && GP_GROW(bk->ext, bk->ext_cap, bk->next + 1) != GP_OK)
        rc = GP_ENOMEM;
    else
        bk->ext[bk->next++] = (dd_extent){at, len, b, NULL};
    sp->size += len;
    pthread_mutex_unlock(&sp->mu);
    if (rc)
        return rc;
    for (uint32_t done = 0; done < len;) {
        ssize_t w = pwrite(sp->fd, data + done, len - done, (off_t)(at + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return GP_EIO;
        done += (uint32_t)w;
    }
    for (uint32_t i = 0; i < n; i++)
        st->recs[recs[i]].off = at + pos[i];
    return GP_OK;
}

static int store_flush(gp_deduper *d, dd_store *st, uint32_t b)
{
    dd_bbuf *bb = &st->bufs[b];
    int rc = bb->len ? spill_extent(d, st, b, bb->data, bb->len, bb->rec, bb->pos, bb->n) : GP_OK;
    bb->len = bb->n = 0;
    return rc;
}

/* Keeps the line of the store's record `rec`: in memory, or in the buffer of its id's
 * bucket on its way to the spill file (its offset set when the buffer is written). */
static int store_line(gp_deduper *d, dd_store *st, uint32_t rec, const char *s, uint32_t len)
{
    dd_buckets *bk = &d->ingest.bk;
    if (d->ingest.spill.fd < 0) {
        const char *p = store_put(st, s, len);
        if (!p)
            return GP_ENOMEM;
        st->recs[rec].off = (uint64_t)(uintptr_t)p;
        return GP_OK;
    }
    uint32_t b = gp__dd_id_bucket(st->recs[rec].id);
    if (len > bk->bbytes) { /* a huge line is an extent of its own */
        uint32_t zero = 0;
        return spill_extent(d, st, b, s, len, &rec, &zero, 1);
    }
    if (!st->bufs) {
        /* one block for all: 257 small ones took a page fault at a time */
        st->bufs = calloc(DD_ID_BUCKETS, sizeof *st->bufs);
        st->slab = gp__big_alloc(DD_ID_BUCKETS * bk->bbytes);
        if (!st->bufs || !st->slab) {
            free(st->bufs);
            free(st->slab);
            st->bufs = NULL;
            st->slab = NULL;
            return GP_ENOMEM;
        }
        for (size_t k = 0; k < DD_ID_BUCKETS; k++)
            st->bufs[k].data = st->slab + k * bk->bbytes;
    }
    dd_bbuf *bb = &st->bufs[b];
    int rc;
    if ((bb->len + len > bk->bbytes || bb->n == DD_BB_RECS) && (rc = store_flush(d, st, b)))
        return rc;
    memcpy(bb->data + bb->len, s, len);
    bb->rec[bb->n] = rec;
    bb->pos[bb->n++] = bb->len;
    bb->len += len;
    return GP_OK;
}

int gp__dd_spilled(const gp_deduper *d)
{
    return d->ingest.spill.fd >= 0;
}

int gp__dd_read_span(gp_deduper *d, uint64_t off, size_t len, char *out)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(d->ingest.spill.fd, out + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return GP_EIO;
        done += (size_t)n;
    }
    return GP_OK;
}

/* ---- the spill file's buckets (dd_buckets) ---- */

/* Buffers: at most this many bytes for all, at most BB_MAX each. */
enum { BK_BUDGET = 32 << 20, BB_MAX = 64 << 10, BB_MIN = 4 << 10 };
/* A bucket larger than this is not read in (its lines are read one by one). */
#define BK_LOAD_MAX ((uint64_t)64 << 20)

/* Lower case only: "A" to "F" sort before "a", between the buckets' starts. */
static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

uint32_t gp__dd_id_bucket(const char *id)
{
    /* bucket b > 0 starts at "gp-" and the two digits of b - 1: in strcmp order, an
       id's bucket is the number of starts at or before it */
    if (strncmp(id, "gp-", 3) == 0) {
        int hi = hex_digit(id[3]), lo = hi < 0 ? -1 : hex_digit(id[4]);
        if (lo >= 0)
            return (uint32_t)(hi * 16 + lo) + 1;
    }
    uint32_t lo = 0, hi = DD_ID_BUCKETS - 1; /* how many starts are <= id: in [lo, hi] */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2; /* is start mid (of bucket mid) <= id? */
        char start[6];
        snprintf(start, sizeof start, "gp-%02x", mid - 1);
        if (strcmp(start, id) <= 0)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

uint32_t gp__dd_entity_bucket(const gp_deduper *d, uint32_t e)
{
    return gp__dd_id_bucket(d->ents[e].id);
}

static int ext_cmp(const void *x, const void *y)
{
    const dd_extent *a = x, *b = y;
    if (a->bucket != b->bucket)
        return a->bucket < b->bucket ? -1 : 1;
    return (a->off > b->off) - (a->off < b->off);
}

/* When reading ends: every buffer written, the extents indexed by bucket. */
static int buckets_finish(gp_deduper *d, dd_store **stores, int nstores)
{
    dd_buckets *bk = &d->ingest.bk;
    int rc = GP_OK;
    for (int i = 0; i < nstores; i++) {
        dd_store *st = stores[i];
        for (uint32_t b = 0; st->bufs && b < DD_ID_BUCKETS; b++)
            if (!rc)
                rc = store_flush(d, st, b);
        free(st->bufs);
        st->bufs = NULL;
        free(st->slab);
        st->slab = NULL;
    }
    if (rc || d->ingest.spill.fd < 0)
        return rc;
    qsort(bk->ext, bk->next, sizeof *bk->ext, ext_cmp);
    bk->first = calloc(DD_ID_BUCKETS + 1, sizeof *bk->first);
    bk->mem = calloc(DD_ID_BUCKETS, sizeof *bk->mem);
    bk->loading = calloc(DD_ID_BUCKETS, 1);
    if (!bk->first || !bk->mem || !bk->loading)
        return GP_ENOMEM;
    for (size_t i = 0, b = 0; b <= DD_ID_BUCKETS; b++) {
        while (i < bk->next && bk->ext[i].bucket < b)
            i++;
        bk->first[b] = i;
    }
    bk->ready = 1;
    return GP_OK;
}

static void bk_unload(dd_buckets *bk, size_t b)
{
    free(bk->mem[b]);
    bk->mem[b] = NULL;
    for (size_t i = bk->first[b]; i < bk->first[b + 1]; i++)
        bk->ext[i].mem = NULL;
}

/* Reads extents todo[lo, hi) (a dd_range_fn: the threads read a bucket together). */
static int bk_read_range(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx)
{
    (void)w;
    dd_extent **todo = ctx;
    int rc = GP_OK;
    for (size_t i = lo; i < hi && !rc; i++)
        rc = gp__dd_read_span(d, todo[i]->off, todo[i]->len, todo[i]->mem);
    return rc;
}

int gp__dd_buckets_load(gp_deduper *d, uint32_t lo, uint32_t hi)
{
    dd_buckets *bk = &d->ingest.bk;
    if (!bk->ready)
        return GP_OK;
    /* UINT32_MAX: none */
    size_t blo = lo == UINT32_MAX ? DD_ID_BUCKETS : gp__dd_entity_bucket(d, lo);
    size_t bhi = hi == UINT32_MAX ? 0 : gp__dd_entity_bucket(d, hi);
    size_t ntodo = 0;
    for (size_t b = 0; b < DD_ID_BUCKETS; b++) {
        bk->loading[b] = 0;
        if (b < blo || b > bhi) {
            if (bk->mem[b])
                bk_unload(bk, b);
            continue;
        }
        if (bk->mem[b])
            continue;
        uint64_t bytes = 0;
        for (size_t i = bk->first[b]; i < bk->first[b + 1]; i++)
            bytes += bk->ext[i].len;
        if (bytes == 0 || bytes > BK_LOAD_MAX)
            continue;
        char *m = gp__big_alloc((size_t)bytes);
        if (!m)
            return GP_ENOMEM;
        bk->mem[b] = m;
        bk->loading[b] = 1;
        for (size_t i = bk->first[b]; i < bk->first[b + 1]; i++) {
            bk->ext[i].mem = m;
            m += bk->ext[i].len;
        }
        ntodo += bk->first[b + 1] - bk->first[b];
    }
    if (!ntodo)
        return GP_OK;
    dd_extent **todo = malloc(ntodo * sizeof *todo);
    int rc = todo ? GP_OK : GP_ENOMEM;
    size_t n = 0;
    for (size_t b = 0; b < DD_ID_BUCKETS && todo; b++)
        for (size_t i = bk->first[b]; bk->loading[b] && i < bk->first[b + 1]; i++)
            todo[n++] = &bk->ext[i];
    if (!rc)
        rc = gp__dd_parallel_chunks(d, NULL, n, 4, bk_read_range, todo, d->nthreads);
    for (size_t b = 0; b < DD_ID_BUCKETS; b++) {
        if (rc && bk->loading[b])
            bk_unload(bk, b);
        bk->loading[b] = 0;
    }
    free(todo);
    return rc;
}

/* The line of `r` when its bucket is read in, else NULL. */
static const char *bk_line(const gp_deduper *d, const dd_rec *r)
{
    const dd_buckets *bk = &d->ingest.bk;
    if (!bk->ready)
        return NULL;
    size_t b = gp__dd_id_bucket(r->id);
    if (!bk->mem[b])
        return NULL;
    size_t lo = bk->first[b], hi = bk->first[b + 1];
    while (lo < hi) { /* the last extent that starts at or before the line */
        size_t mid = lo + (hi - lo) / 2;
        if (bk->ext[mid].off <= r->off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == bk->first[b])
        return NULL;
    const dd_extent *x = &bk->ext[lo - 1];
    if (!x->mem || r->off + r->len > x->off + x->len)
        return NULL;
    return x->mem + (r->off - x->off);
}

static void bk_free(dd_buckets *bk)
{
    for (size_t b = 0; bk->mem && b < DD_ID_BUCKETS; b++)
        free(bk->mem[b]);
    free(bk->mem);
    free(bk->loading);
    free(bk->first);
    free(bk->ext);
}

/* The line into `arena`, with a newline when `nl` (then always a copy). */
static int rec_line(gp_deduper *d, const dd_rec *r, gp_arena *arena, int nl, const char **out)
{
    const dd_spill *sp = &d->ingest.spill;
    if (sp->fd < 0 && !nl) {
        *out = (const char *)(uintptr_t)r->off;
        return GP_OK;
    }
    char *p = gp_arena_alloc(arena, (size_t)r->len + 2);
    if (!p)
        return GP_ENOMEM;
    const char *mem = sp->fd < 0 ? (const char *)(uintptr_t)r->off : bk_line(d, r);
    if (mem) {
        memcpy(p, mem, r->len);
    } else {
        int rc = gp__dd_read_span(d, r->off, r->len, p);
        if (rc)
            return rc;
    }
    p[r->len] = nl ? '\n' : '\0';
    p[r->len + 1] = '\0';
    *out = p;
    return GP_OK;
}

int gp__dd_rec_line(gp_deduper *d, const dd_rec *r, gp_arena *arena, const char **out)
{
    return rec_line(d, r, arena, 0, out);
}

int gp__dd_rec_line_nl(gp_deduper *d, const dd_rec *r, gp_arena *arena, const char **out)
{
    return rec_line(d, r, arena, 1, out);
}

/* Normalises a record and keeps its line and id in the reader's store. */
static int keep_record(dd_reader *rd, gp_record *rec)
{
    dd_store *st = &rd->store;
    /* a record's own id is kept (the computed one only when it has none) */
    int rc = gp__norm_record_keep_id(rd->norm, rec);
    if (rc)
        return rc;
    gp_buf_reset(&rd->line);
    gp_record_write_json(rec, &rd->line, 0);
    if (gp_buf_error(&rd->line))
        return GP_ENOMEM;
    if (st->nrecs == st->cap && GP_GROW(st->recs, st->cap, st->nrecs + 1) != GP_OK)
        return GP_ENOMEM;
    size_t len = rd->line.len - 1; /* without the newline */
    if (len >= UINT32_MAX)
        return GP_ELIMIT;
    const char *id = store_put(st, rec->id, strlen(rec->id));
    if (!id)
        return GP_ENOMEM;
    st->recs[st->nrecs] = (dd_rec){0, (uint32_t)len, 0, id};
    rc = store_line(rd->d, st, (uint32_t)st->nrecs, rd->line.data, (uint32_t)len);
    if (rc)
        return rc;
    st->nrecs++;
    /* a huge line's buffer is not kept for the next records */
    if (rd->line.cap > LINE_KEEP)
        gp_buf_free(&rd->line);
    return GP_OK;
}

/* The normaliser's sink: errors into the list of the batch at hand. */
int gp__dd_collect_errors(void *ctx, const gp_diag *g)
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
    gp_diag_sink_init(&rd->sink, gp__dd_collect_errors, rd);
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
    spill_open(&in->spill);
    size_t bytes = BK_BUDGET / ((size_t)(want + 1) * DD_ID_BUCKETS);
    in->bk.bbytes = bytes > BB_MAX ? BB_MAX : bytes < BB_MIN ? BB_MIN : bytes;
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
int gp__dd_ingest_finish(gp_deduper *d)
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
    dd_store *stores[DD_MAX_READERS + 1];
    stores[0] = &in->self.store;
    for (int i = 0; i < DD_MAX_READERS; i++)
        stores[i + 1] = &in->readers[i].store;
    size_t n = 0;
    for (int i = 0; i <= DD_MAX_READERS; i++)
        n += stores[i]->nrecs;
    if (!rc)
        rc = buckets_finish(d, stores, DD_MAX_READERS + 1);
    if (rc)
        return rc;
    if (n >= UINT32_MAX - 1)
        return GP_ELIMIT;
    d->recs = gp__big_alloc((n ? n : 1) * sizeof *d->recs);
    if (!d->recs)
        return GP_ENOMEM;
    d->nrecs = 0;
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

void gp__dd_ingest_free(gp_deduper *d)
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
    bk_free(&in->bk);
    spill_close(&in->spill);
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
        gp__dd_progress(d, "reading", d->added, 0);
    return b->len == DD_BATCH ? hand_over(d) : GP_OK;
}

int gp_dedup_add_fn(void *ctx, gp_record *rec)
{
    return gp_dedup_add(ctx, rec);
}
