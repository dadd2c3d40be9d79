/*
 * lib/norm_pipeline.c - normalising a stream of records on several threads, in order.
 *
 * The caller's thread fills batches of records (copied into the batch's arena) and
 * hands them to the workers; each worker has its own normaliser and its own rule set
 * (neither is thread-safe), loaded from the same file. A batch comes back with each
 * record's canonical JSON line, and the caller's thread passes the records on in input
 * order. At most WINDOW_PER_THREAD batches per thread are in flight, so memory stays
 * bounded whatever the input's size.
 *
 * With N threads the caller's thread is one of them: N - 1 workers are started, and
 * when the window is full the caller's thread normalises the newest batch itself (its
 * lines are still in its cache) instead of waiting. A third thread on two cores would
 * take a core from a worker each time it woke, once per batch; now a thread sleeps
 * only when it has nothing to do, and is woken only then.
 *
 * Diagnostics keep the order a single thread gives: those the record's maker emits
 * (through gp_norm_pipeline_sink) and those of the record's normalisation are kept with
 * the batch and replayed into the caller's sink, record by record, when the batch is
 * passed on. The caller's sink (rule levels, per-rule limits, counts) then sees exactly
 * the sequence it would see with one thread.
 *
 * Lines of a JSON Lines dump (gp_norm_pipeline_push_line) are copied as bytes and
 * parsed on the worker, so that the caller's thread, which must read and write in
 * order, does no more than that; a line's parsing diagnostics go before those of its
 * normalisation, as with one thread.
 *
 * With one thread there are no workers: records are normalised in place at once.
 */
#include "gpkit/extract.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gpkit/norm.h"
#include "internal.h"

/*
 * A batch is passed on early when its maker said this much without making records (a
 * file of malformed lines), so held diagnostics do not grow with the input.
 */
enum { BATCH_RECORDS = 256, WINDOW_PER_THREAD = 3, MAX_THREADS = 256, BATCH_MADE_MAX = 4096 };

typedef enum { B_FREE, B_FILLING, B_READY, B_WORKING, B_DONE } bstate;

typedef struct nbatch {
    bstate state;
    gp_arena *arena;
    gp_record recs[BATCH_RECORDS];
    gp_line lines[BATCH_RECORDS];      /* lines[i].text: record i is still this line */
    const char *files[BATCH_RECORDS];  /* the file of such a line (in the arena) */
    unsigned char skip[BATCH_RECORDS]; /* the line held no record */
    const char *file;                  /* the last file name copied into the arena */
    size_t nrec, skipped;
    gp_diag_list *made;               /* diagnostics of the records' maker */
    size_t made_end[BATCH_RECORDS];   /* made[..made_end[i]) come before record i */
    gp_diag_list *normed;             /* diagnostics of normalisation */
    size_t normed_end[BATCH_RECORDS]; /* normed[..normed_end[i]) belong to records up to i */
    gp_buf json;
    size_t json_end[BATCH_RECORDS];
    int rc;
} nbatch;

typedef struct worker {
    struct gp_norm_pipeline *p;
    pthread_t thread;
    int started;
    gp_ruleset *rules; /* its own; NULL for the caller's thread, which uses the caller's */
    gp_normalizer *norm;
    gp_diag_sink sink; /* collects into the batch at hand */
    nbatch *cur;
    int rc; /* setting up failed */
} worker;

struct gp_norm_pipeline {
    gp_ruleset *rules;
    gp_diag_sink *diags;
    gp_norm_out_fn fn;
    void *ctx;
    gp_buf *out; /* the caller's output buffer, or NULL */
    int threads, fix;
    /* one thread */
    gp_normalizer *norm;
    gp_buf json;
    gp_arena *line_arena; /* a pushed line's record */
    size_t skipped;
    /* workers; workers[0] is the caller's thread */
    worker *workers;
    nbatch *ring;
    size_t window;
    size_t filled, flushed; /* batch sequence numbers: next to fill, next to pass on */
    nbatch *filling;
    gp_diag_sink made_sink;
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    int idle_workers; /* waiting on work_cv */
    int caller_waits; /* the caller's thread waits on done_cv for the front batch */
    int quit, sync_ok;
    int rc; /* first error or stop; every call returns it from then on */
};

static int collect_made(void *ctx, const gp_diag *d);

/* Diagnostics pass unchanged: levels, limits and counts are the caller's sink's, at replay. */
static int collect_normed(void *ctx, const gp_diag *d)
{
    worker *w = ctx;
    return gp_diag_list_collect(w->cur->normed, d);
}

static int replay(gp_norm_pipeline *p, const gp_diag_list *l, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        int rc = gp_diag_emit(p->diags, gp_diag_list_get(l, i));
        if (rc)
            return rc;
    }
    return GP_OK;
}

static void *work(void *arg);

static void batch_free(nbatch *b)
{
    gp_arena_free(b->arena);
    gp_diag_list_free(b->made);
    gp_diag_list_free(b->normed);
    gp_buf_free(&b->json);
}

static void stop_workers(gp_norm_pipeline *p)
{
    if (!p->workers)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->threads; i++)
        if (p->workers[i].started) {
            pthread_join(p->workers[i].thread, NULL);
            p->workers[i].started = 0;
        }
}

void gp_norm_pipeline_free(gp_norm_pipeline *p)
{
    if (!p)
        return;
    stop_workers(p);
    if (p->workers) {
        for (int i = 0; i < p->threads; i++) {
            gp_normalizer_free(p->workers[i].norm);
            gp_ruleset_free(p->workers[i].rules); /* NULL for the caller's */
        }
        free(p->workers);
    }
    if (p->ring) {
        for (size_t i = 0; i < p->window; i++)
            batch_free(&p->ring[i]);
        free(p->ring);
    }
    if (p->sync_ok) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->work_cv);
        pthread_cond_destroy(&p->done_cv);
    }
    gp_normalizer_free(p->norm);
    gp_buf_free(&p->json);
    gp_arena_free(p->line_arena);
    free(p);
}

int gp_norm_pipeline_new(gp_norm_pipeline **out, gp_ruleset *rules,
                         const gp_norm_pipeline_options *opts, gp_diag_sink *diags,
                         gp_norm_out_fn fn, void *ctx)
{
    *out = NULL;
    int threads = opts && opts->threads > 1 ? opts->threads : 1;
    if (threads > MAX_THREADS)
        return GP_EINVAL;
    gp_norm_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return GP_ENOMEM;
    p->rules = rules;
    p->diags = diags;
    p->fn = fn;
    p->ctx = ctx;
    p->threads = threads;
    p->fix = opts ? opts->fix : 0;
    p->out = opts ? opts->out : NULL;
    int rc;
    if (threads == 1) {
        rc = gp_normalizer_new(&p->norm, rules, diags);
        if (!rc && p->fix)
            rc = gp_normalizer_set_fix(p->norm, 1);
        if (rc) {
            gp_norm_pipeline_free(p);
            return rc;
        }
        *out = p;
        return GP_OK;
    }
    gp_diag_sink_init(&p->made_sink, collect_made, p);
    p->window = (size_t)threads * WINDOW_PER_THREAD;
    p->ring = calloc(p->window, sizeof *p->ring);
    p->workers = calloc((size_t)threads, sizeof *p->workers);
    rc = p->ring && p->workers ? GP_OK : GP_ENOMEM;
    for (size_t i = 0; i < p->window && !rc; i++) {
        nbatch *b = &p->ring[i];
        if (gp_arena_new(&b->arena) || gp_diag_list_new(&b->made) || gp_diag_list_new(&b->normed))
            rc = GP_ENOMEM;
    }
    if (!rc) {
        if (pthread_mutex_init(&p->mu, NULL) == 0 && pthread_cond_init(&p->work_cv, NULL) == 0 &&
            pthread_cond_init(&p->done_cv, NULL) == 0)
            p->sync_ok = 1;
        else
            rc = GP_EINTERNAL;
    }
    for (int i = 0; i < threads && !rc; i++)
        p->workers[i].p = p;
    if (!rc) {
        /* the caller's own normaliser, on the caller's rule set: only this thread uses it */
        worker *self = &p->workers[0];
        gp_diag_sink_init(&self->sink, collect_normed, self);
        rc = gp_normalizer_new(&self->norm, rules, &self->sink);
        if (!rc && p->fix)
            rc = gp_normalizer_set_fix(self->norm, 1);
    }
    for (int i = 1; i < threads && !rc; i++) {
        worker *w = &p->workers[i];
        if (pthread_create(&w->thread, NULL, work, w) != 0)
            rc = GP_EINTERNAL;
        else
            w->started = 1;
    }
    if (rc) {
        gp_norm_pipeline_free(p);
        return rc;
    }
    *out = p;
    return GP_OK;
}

gp_diag_sink *gp_norm_pipeline_sink(gp_norm_pipeline *p)
{
    return p->threads == 1 ? p->diags : &p->made_sink;
}

/* A worker's own rule set and normaliser, made on its thread so that they load in parallel. */
static int worker_setup(worker *w)
{
    gp_norm_pipeline *p = w->p;
    gp_diag_sink quiet; /* the caller's load reported any problem already */
    gp_diag_sink_init(&quiet, NULL, NULL);
    int rc = gp_ruleset_load(&w->rules, gp_ruleset_path(p->rules), &quiet);
    gp_diag_sink_summarize(&quiet);
    gp_diag_sink_init(&w->sink, collect_normed, w);
    if (!rc)
        rc = gp_normalizer_new(&w->norm, w->rules, &w->sink);
    if (!rc && p->fix)
        rc = gp_normalizer_set_fix(w->norm, 1);
    return rc;
}

static void normalise_batch(worker *w, nbatch *b)
{
    w->cur = b;
    gp_buf_reset(&b->json);
    int rc = w->rc;
    for (size_t i = 0; i < b->nrec && !rc; i++) {
        if (b->lines[i].text) {
            rc = gp_jsonl_parse_line(&b->recs[i], b->arena, b->files[i], &b->lines[i], &w->sink);
            b->skip[i] = rc == 0;
            rc = rc < 0 ? rc : GP_OK;
            b->skipped += b->skip[i];
        }
        if (!rc && !b->skip[i])
            rc = gp_norm_record(w->norm, &b->recs[i]);
        if (!rc && !b->skip[i]) {
            gp_record_write_json(&b->recs[i], &b->json, 0);
            if (gp_buf_error(&b->json))
                rc = GP_ENOMEM;
        }
        b->normed_end[i] = gp_diag_list_len(b->normed);
        b->json_end[i] = b->json.len;
    }
    b->rc = rc;
}

/* The oldest (or, `newest`, the newest) batch waiting for a thread, under the lock. */
static nbatch *ready_batch(gp_norm_pipeline *p, int newest)
{
    for (size_t i = 0; i < p->filled - p->flushed; i++) {
        size_t seq = newest ? p->filled - 1 - i : p->flushed + i;
        nbatch *b = &p->ring[seq % p->window];
        if (b->state == B_READY)
            return b;
    }
    return NULL;
}

/* Marks `b` done, under the lock; whether the caller's thread waits for it now. */
static int batch_done(gp_norm_pipeline *p, nbatch *b)
{
    b->state = B_DONE;
    return p->caller_waits && p->ring[p->flushed % p->window].state == B_DONE;
}

static void *work(void *arg)
{
    worker *w = arg;
    gp_norm_pipeline *p = w->p;
    w->rc = worker_setup(w);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        nbatch *b;
        while (!(b = ready_batch(p, 0)) && !p->quit) {
            p->idle_workers++;
            pthread_cond_wait(&p->work_cv, &p->mu);
            p->idle_workers--;
        }
        if (!b) /* quit, nothing left */
            break;
        b->state = B_WORKING;
        pthread_mutex_unlock(&p->mu);
        normalise_batch(w, b);
        pthread_mutex_lock(&p->mu);
        if (batch_done(p, b)) {
            /* woken outside the lock, so that it does not wake only to wait for it */
            pthread_mutex_unlock(&p->mu);
            pthread_cond_signal(&p->done_cv);
            pthread_mutex_lock(&p->mu);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* One record out: appended to the caller's buffer when there is one, then to `fn`. */
static int emit(gp_norm_pipeline *p, const gp_record *rec, const char *json, size_t len)
{
    if (p->out) {
        size_t at = p->out->len;
        gp_buf_put(p->out, json, len);
        if (gp_buf_error(p->out))
            return GP_ENOMEM;
        json = p->out->data + at;
    }
    return p->fn ? p->fn(p->ctx, rec, json, len) : GP_OK;
}

/* Passes the oldest batch on: diagnostics and records in input order. */
static int pass_on(gp_norm_pipeline *p, nbatch *b)
{
    int rc = b->rc;
    size_t made = 0, normed = 0, json = 0;
    for (size_t i = 0; i < b->nrec && !rc; i++) {
        if (!(rc = replay(p, b->made, made, b->made_end[i])) &&
            !(rc = replay(p, b->normed, normed, b->normed_end[i])) && !b->skip[i])
            rc = emit(p, &b->recs[i], b->json.data + json, b->json_end[i] - json);
        made = b->made_end[i];
        normed = b->normed_end[i];
        json = b->json_end[i];
    }
    /* what the maker said after the batch's last record (the end of a file) */
    if (!rc)
        rc = replay(p, b->made, made, gp_diag_list_len(b->made));
    gp_arena_reset(b->arena);
    gp_diag_list_clear(b->made);
    gp_diag_list_clear(b->normed);
    if (b->json.cap > ((size_t)4 << 20))
        gp_buf_free(&b->json);
    p->skipped += b->skipped;
    memset(b->lines, 0, b->nrec * sizeof b->lines[0]);
    memset(b->skip, 0, b->nrec);
    b->file = NULL;
    b->skipped = 0;
    b->nrec = 0;
    b->rc = GP_OK;
    return rc;
}

/* Passes on the finished batches at the front. */
static int drain(gp_norm_pipeline *p)
{
    for (;;) {
        pthread_mutex_lock(&p->mu);
        nbatch *b = NULL;
        if (p->flushed < p->filled && p->ring[p->flushed % p->window].state == B_DONE)
            b = &p->ring[p->flushed % p->window];
        pthread_mutex_unlock(&p->mu);
        if (!b)
            return GP_OK;
        int rc = pass_on(p, b);
        /* the workers look at the window's front and states */
        pthread_mutex_lock(&p->mu);
        b->state = B_FREE;
        p->flushed++;
        pthread_mutex_unlock(&p->mu);
        if (rc)
            return rc;
    }
}

/*
 * The caller's thread's share of the work, when it cannot fill: it normalises the
 * newest batch no worker has taken, or else waits until the front batch is done.
 */
static void help_or_wait(gp_norm_pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    nbatch *b = ready_batch(p, 1);
    if (b) {
        b->state = B_WORKING;
        pthread_mutex_unlock(&p->mu);
        normalise_batch(&p->workers[0], b);
        pthread_mutex_lock(&p->mu);
        b->state = B_DONE;
    } else {
        p->caller_waits = 1;
        while (p->ring[p->flushed % p->window].state != B_DONE)
            pthread_cond_wait(&p->done_cv, &p->mu);
        p->caller_waits = 0;
    }
    pthread_mutex_unlock(&p->mu);
}

/* Passes everything in flight on, helping the workers with it. */
static int drain_all(gp_norm_pipeline *p)
{
    int rc;
    while (!(rc = drain(p)) && p->flushed < p->filled)
        help_or_wait(p);
    return rc;
}

/* The batch being filled, once there is room in the window. */
static nbatch *filling(gp_norm_pipeline *p)
{
    if (p->filling)
        return p->filling;
    int rc;
    while (!(rc = drain(p)) && p->filled - p->flushed >= p->window)
        help_or_wait(p);
    if (rc) {
        p->rc = rc;
        return NULL;
    }
    p->filling = &p->ring[p->filled % p->window];
    p->filling->state = B_FILLING;
    return p->filling;
}

static int dispatch(gp_norm_pipeline *p)
{
    if (!p->filling)
        return GP_OK;
    pthread_mutex_lock(&p->mu);
    p->filling->state = B_READY;
    p->filling = NULL;
    p->filled++;
    int wake = p->idle_workers > 0;
    pthread_mutex_unlock(&p->mu);
    if (wake)
        pthread_cond_signal(&p->work_cv);
    return drain(p);
}

static int collect_made(void *ctx, const gp_diag *d)
{
    gp_norm_pipeline *p = ctx;
    nbatch *b = filling(p);
    if (!b)
        return p->rc;
    int rc = gp_diag_list_collect(b->made, d);
    if (!rc && gp_diag_list_len(b->made) >= BATCH_MADE_MAX && (rc = dispatch(p)))
        p->rc = rc;
    return rc;
}

int gp_norm_pipeline_push(gp_norm_pipeline *p, gp_record *rec)
{
    if (p->rc)
        return p->rc;
    if (p->threads == 1) {
        /* straight into the caller's buffer when there is one: a huge record once */
        gp_buf *json = p->out ? p->out : &p->json;
        size_t at = p->out ? json->len : 0;
        int rc = gp_norm_record(p->norm, rec);
        if (!rc) {
            if (!p->out)
                gp_buf_reset(json);
            gp_record_write_json(rec, json, 0);
            rc = gp_buf_error(json) ? GP_ENOMEM : GP_OK;
        }
        if (!rc && p->fn)
            rc = p->fn(p->ctx, rec, json->data + at, json->len - at);
        if (p->json.cap > ((size_t)4 << 20))
            gp_buf_free(&p->json);
        return p->rc = rc;
    }
    nbatch *b = filling(p);
    if (!b)
        return p->rc;
    int rc = gp_record_copy(&b->recs[b->nrec], rec, b->arena);
    if (rc)
        return p->rc = rc;
    b->made_end[b->nrec] = gp_diag_list_len(b->made);
    if (++b->nrec == BATCH_RECORDS)
        rc = dispatch(p);
    return p->rc = rc;
}

int gp_norm_pipeline_push_line(gp_norm_pipeline *p, const char *file, const gp_line *line)
{
    if (p->rc)
        return p->rc;
    if (p->threads == 1) {
        if (!p->line_arena && gp_arena_new(&p->line_arena))
            return p->rc = GP_ENOMEM;
        gp_arena_reset(p->line_arena);
        gp_record rec;
        int rc = gp_jsonl_parse_line(&rec, p->line_arena, file, line, p->diags);
        if (rc < 0)
            return p->rc = rc;
        if (rc == 0) {
            p->skipped++;
            return GP_OK;
        }
        return gp_norm_pipeline_push(p, &rec);
    }
    nbatch *b = filling(p);
    if (!b)
        return p->rc;
    size_t i = b->nrec;
    if (!b->file || strcmp(b->file, file) != 0)
        b->file = gp_arena_strndup(b->arena, file, strlen(file));
    char *text = gp_arena_alloc(b->arena, line->len + 1);
    if (!b->file || !text)
        return p->rc = GP_ENOMEM;
    memcpy(text, line->text, line->len);
    text[line->len] = '\0';
    b->lines[i] = *line;
    b->lines[i].text = text;
    b->files[i] = b->file;
    b->made_end[i] = gp_diag_list_len(b->made);
    int rc = GP_OK;
    if (++b->nrec == BATCH_RECORDS)
        rc = dispatch(p);
    return p->rc = rc;
}

int gp_norm_pipeline_finish(gp_norm_pipeline *p)
{
    if (p->threads == 1)
        return p->rc;
    if (!p->rc) {
        int rc = dispatch(p);
        if (!rc)
            rc = drain_all(p);
        p->rc = rc;
    }
    /* The workers are done: their counts can be read (one may never have had a batch). */
    stop_workers(p);
    return p->rc;
}

void gp_norm_pipeline_stats(const gp_norm_pipeline *p, gp_norm_stats *out)
{
    memset(out, 0, sizeof *out);
    out->lines_skipped = p->skipped;
    for (int i = 0; i < p->threads; i++) {
        const gp_normalizer *n = p->threads == 1 ? p->norm : p->workers[i].norm;
        if (!n)
            continue;
        const gp_norm_stats *s = gp_normalizer_stats(n);
        out->records += s->records;
        for (int f = 0; f < GP_F_COUNT; f++) {
            out->text_changed[f] += s->text_changed[f];
            out->canonicalised[f] += s->canonicalised[f];
            out->unknown[f] += s->unknown[f];
            out->filled[f] += s->filled[f];
            out->dropped[f] += s->dropped[f];
            out->fixed[f] += s->fixed[f];
        }
    }
}
