/*
 * lib/lint.c - the linter: per-record checks, then checks over the whole dataset.
 *
 * This file holds the linter, its findings and its threads; the checks of one record
 * are lib/lint_record.c, the dataset-wide bookkeeping and checks lib/lint_dataset.c.
 *
 * Each record is checked as its source wrote it (so a finding can say "X is written Y"
 * and point at the dump) and normalised into a scratch copy to learn its canonical
 * values and its id. What the dataset-wide checks need is kept compactly in maps keyed
 * by canonical values: the countries an unknown institution appears in, the regions a
 * country is given; a list of the implementation year of each practice id; the words of
 * the texts in a Bloom filter (to decide how a word broken at a line end is spelled; a
 * false positive can only offer a fix for a spelling the texts do not use, about once in
 * ten thousand), and the values for variant discovery. Findings go to the sink after the rules'
 * suppressions are applied.
 *
 * With more than one thread, the caller's thread only copies records into batches; the
 * workers check them, each with its own copy of the rule set, normaliser and hygiene
 * checker (none of them is thread-safe), keep their findings in a list of their own and
 * hand it over per batch. The dataset-wide state is shared under one lock, which a worker
 * takes once per batch to add what the batch counted (gp__lint_apply). Nothing
 * depends on the order the workers see records in: a "first" place is the smallest one,
 * and the findings are sorted by whoever prints them.
 */
#include "gpkit/lint.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gpkit/checks.h"
#include "internal.h"
#include "lint_impl.h"

enum { BATCH_RECORDS = 256, THREADS_MAX = 16 };

static int worker_init(lworker *w, gp_linter *l, gp_ruleset *rules, int own_rules)
{
    memset(w, 0, sizeof *w);
    w->l = l;
    w->rules = rules;
    w->own_rules = own_rules;
    w->out = l->sink;
    gp_diag_sink_init(&w->quiet, NULL, NULL);
    int rc = gp_normalizer_new(&w->norm, rules, &w->quiet);
    if (!rc)
        rc = gp_hygiene_new(&w->hyg, rules);
    if (!rc && (gp_arena_new(&w->scratch) || gp_arena_new(&w->held) || gp_arena_new(&w->notes)))
        rc = GP_ENOMEM;
    if (!rc && !(w->words = calloc(WORD_BITS / 64, sizeof *w->words)))
        rc = GP_ENOMEM;
    return rc;
}

static void worker_free(lworker *w)
{
    gp_normalizer_free(w->norm);
    gp_hygiene_free(w->hyg);
    if (w->held)
        gp__lint_drop_pending(w);
    gp_arena_free(w->scratch);
    gp_arena_free(w->held);
    gp_arena_free(w->notes);
    free(w->years);
    free(w->words);
    free(w->pending);
    free(w->spreads);
    free(w->broken);
    gp_map_free(w->patterns);
    gp_buf_free(&w->pattern_key);
    gp_diag_list_free(w->local);
    if (w->own_rules)
        gp_ruleset_free(w->rules);
}

static void *worker_main(void *arg);
static int suppressed(gp_linter *l, const char *rule, const char *record_id);

/* gp-dedup's findings, through the rules' suppressions like every other finding. */
static int forward_dedup(void *ctx, const gp_diag *d)
{
    gp_linter *l = ctx;
    if (d->rule_id && suppressed(l, d->rule_id, d->record_id))
        return 0;
    return gp_diag_emit(l->sink, d);
}

int gp_linter_new(gp_linter **out, gp_ruleset *rules, const gp_lint_options *opts,
                  gp_diag_sink *findings)
{
    *out = NULL;
    gp_linter *l = calloc(1, sizeof *l);
    if (!l)
        return GP_ENOMEM;
    l->rules = rules;
    l->sink = findings;
    l->opts.discovery = opts ? opts->discovery : 1;
    l->opts.threads = opts && opts->threads > 1 ? opts->threads : 1;
    l->opts.duplicates = opts ? opts->duplicates : 0;
    l->opts.progress = opts ? opts->progress : NULL;
    l->opts.progress_ctx = opts ? opts->progress_ctx : NULL;
    if (l->opts.threads > THREADS_MAX)
        l->opts.threads = THREADS_MAX;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->more, NULL);
    pthread_cond_init(&l->room, NULL);
    int rc = worker_init(&l->main, l, rules, 0);
    if (!rc)
        rc = gp_discover_new(&l->disc, rules);
    if (!rc)
        gp_discover_set_threads(l->disc, l->opts.threads);
    if (!rc && gp_arena_new(&l->keep))
        rc = GP_ENOMEM;
    if (!rc)
        rc = gp_map_new(&l->inst_countries);
    if (!rc)
        rc = gp_map_new(&l->country_regions);
    if (!rc)
        rc = gp_map_new(&l->interned);
    if (!rc && l->opts.duplicates) {
        gp_dedup_options dopts = {NULL, l->opts.threads, l->opts.progress, l->opts.progress_ctx};
        gp_diag_sink_init(&l->dedup_sink, forward_dedup, l);
        rc = gp_deduper_new(&l->dedup, rules, &dopts, &l->dedup_sink);
    }
    if (!rc && l->opts.threads > 1) {
        l->workers = calloc((size_t)l->opts.threads, sizeof *l->workers);
        if (!l->workers)
            rc = GP_ENOMEM;
        /* each thread its own rule set: lookups use scratch buffers and caches */
        for (int i = 0; !rc && i < l->opts.threads; i++) {
            gp_ruleset *copy;
            gp_diag_sink quiet;
            gp_diag_sink_init(&quiet, NULL, NULL);
            rc = gp_ruleset_load(&copy, gp_ruleset_path(rules), &quiet);
            if (rc)
                break;
            rc = worker_init(&l->workers[i], l, copy, 1);
            if (!rc)
                rc = gp_diag_list_new(&l->workers[i].local);
            if (!rc) {
                lworker *w = &l->workers[i];
                gp_diag_sink_init(&w->local_sink, gp_diag_list_collect, w->local);
                w->local_sink.level_fn = findings->level_fn;
                w->local_sink.level_ctx = findings->level_ctx;
                w->out = &w->local_sink;
            }
            l->nworkers++;
            if (rc)
                break;
            if (pthread_create(&l->workers[i].thread, NULL, worker_main, &l->workers[i]) != 0) {
                rc = GP_EINTERNAL;
                l->nworkers--;
                worker_free(&l->workers[i]);
            }
        }
    }
    if (rc) {
        gp_linter_free(l);
        return rc;
    }
    *out = l;
    return GP_OK;
}

void gp__lint_stop_workers(gp_linter *l)
{
    if (!l->nworkers)
        return;
    pthread_mutex_lock(&l->lock);
    l->done = 1;
    pthread_cond_broadcast(&l->more);
    pthread_mutex_unlock(&l->lock);
    for (size_t i = 0; i < l->nworkers; i++)
        pthread_join(l->workers[i].thread, NULL);
}

void gp__lint_free_batches(lbatch *b)
{
    while (b) {
        lbatch *next = b->next;
        gp_arena_free(b->arena);
        free(b->recs);
        free(b);
        b = next;
    }
}

void gp_linter_free(gp_linter *l)
{
    if (!l)
        return;
    if (!l->done)
        gp__lint_stop_workers(l);
    for (size_t i = 0; i < l->nworkers; i++)
        worker_free(&l->workers[i]);
    free(l->workers);
    gp__lint_free_batches(l->queue);
    gp__lint_free_batches(l->spare);
    gp__lint_free_batches(l->current);
    worker_free(&l->main);
    gp_deduper_free(l->dedup);
    gp_discover_free(l->disc);
    gp__lint_spreads_free(l->inst_countries); /* the spreads are in `keep` */
    gp__lint_spreads_free(l->country_regions);
    gp_arena_free(l->keep);
    gp_map_free(l->inst_countries);
    gp_map_free(l->country_regions);
    gp_map_free(l->interned);
    for (size_t i = 0; i < l->nbroken; i++) {
        free(l->broken[i].left);
        free(l->broken[i].right);
    }
    free(l->broken);
    for (size_t i = 0; i < l->nsuggestions; i++) {
        suggestion *sg = &l->suggestions[i];
        free(sg->scope);
        free(sg->canonical);
        for (size_t k = 0; k < sg->naliases; k++)
            free(sg->aliases[k]);
        free(sg->aliases);
    }
    free(l->suggestions);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->more);
    pthread_cond_destroy(&l->room);
    free(l);
}

size_t gp_linter_records(const gp_linter *l)
{
    return l->records;
}

/* ---- findings ---- */

void gp__lint_lock(gp_linter *l)
{
    if (l->nworkers)
        pthread_mutex_lock(&l->lock);
}

void gp__lint_unlock(gp_linter *l)
{
    if (l->nworkers)
        pthread_mutex_unlock(&l->lock);
}

/* Without the lock: the suppressions do not change while records are checked, and their
 * use counts are atomic (the lock per finding kept the threads waiting on each other). */
static int suppressed(gp_linter *l, const char *rule, const char *record_id)
{
    struct gp_lint_rules *lr = gp__lint_rules_mut(l->rules);
    for (size_t i = 0; lr && i < lr->nsuppressions; i++) {
        gp_lint_suppression *sp = &lr->suppressions[i];
        if (strcmp(sp->rule, rule) == 0 &&
            (!sp->record || (record_id && strcmp(sp->record, record_id) == 0))) {
            atomic_fetch_add_explicit(&sp->used, 1, memory_order_relaxed);
            return 1;
        }
    }
    return 0;
}

static int vfinding(lworker *w, const place *at, const char *rule, const char *value,
                    const char *fix, const char *cluster, const char *fmt, va_list ap)
{
    if (suppressed(w->l, rule, at->record_id))
        return 0;
    const gp_check_info *info = gp_checks_find(rule);
    gp_diag d = GP_DIAG_INIT;
    d.severity = info ? info->level : GP_SEV_WARNING;
    d.rule_id = rule;
    d.file = at->file;
    d.line = at->line;
    d.column = at->column;
    d.record_id = at->record_id;
    d.pointer = at->pointer;
    d.value = value;
    d.fix = fix;
    d.cluster = cluster;
    return gp_diag_vreport(w->out, &d, fmt, ap);
}

/* Reports a finding unless the rules suppress it; never called with the lock held. */
int gp__lint_finding(lworker *w, const place *at, const char *rule, const char *value,
                     const char *fix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfinding(w, at, rule, value, fix, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int gp__lint_cluster_finding(lworker *w, const place *at, const char *rule, const char *value,
                             const char *fix, const char *cluster, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfinding(w, at, rule, value, fix, cluster, fmt, ap);
    va_end(ap);
    return rc;
}

/* The place of a field (pointer) of a record. */
place gp__lint_field_place(const gp_record *rec, const char *id, const char *pointer)
{
    place p = {rec->nsources ? rec->sources[0].file : NULL, 0, 0, id, pointer};
    p.line = gp_record_field_line(rec, pointer, &p.column);
    return p;
}

/* One copy of `s` for the whole run; called with the lock held. NULL when out of memory. */
const char *gp__lint_intern(gp_linter *l, const char *s)
{
    size_t len = strlen(s);
    void **slot;
    int rc = gp_map_upsert(l->interned, s, len, &slot);
    if (rc < 0)
        return NULL;
    if (!*slot)
        *slot = gp_arena_strdup(l->keep, s);
    return *slot;
}

/* A copy of a place in the run's arena; called with the lock held. The file and the
 * pointer are among a few, and kept once: a million records keep a place each. */
place gp__lint_keep_place(gp_linter *l, const place *p)
{
    place k = *p;
    k.file = p->file ? gp__lint_intern(l, p->file) : NULL;
    k.record_id = p->record_id ? gp_arena_strdup(l->keep, p->record_id) : NULL;
    k.pointer = p->pointer ? gp__lint_intern(l, p->pointer) : NULL;
    return k;
}

int gp__lint_place_before(const place *a, const place *b)
{
    int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
    if (c)
        return c < 0;
    if (a->line != b->line)
        return a->line < b->line;
    return a->column < b->column;
}

/* ---- threads ---- */

/* Hands a worker's findings to the linter's sink; lock held. */
static int flush_local(lworker *w)
{
    gp_linter *l = w->l;
    int rc = GP_OK;
    for (size_t i = 0; i < gp_diag_list_len(w->local) && !rc; i++)
        rc = gp_diag_emit(l->sink, gp_diag_list_get(w->local, i));
    gp_diag_list_clear(w->local);
    return rc;
}

static void *worker_main(void *arg)
{
    lworker *w = arg;
    gp_linter *l = w->l;
    for (;;) {
        pthread_mutex_lock(&l->lock);
        while (!l->queue && !l->done)
            pthread_cond_wait(&l->more, &l->lock);
        lbatch *b = l->queue;
        if (b) {
            l->queue = b->next;
            if (!l->queue)
                l->queue_tail = NULL;
        }
        pthread_mutex_unlock(&l->lock);
        if (!b)
            break;
        int rc = GP_OK;
        for (size_t i = 0; i < b->n && !rc; i++) {
            w->seq = b->first + i;
            rc = gp__lint_one(w, &b->recs[i]);
        }
        /* the batch's dataset-wide counts and findings under one lock */
        pthread_mutex_lock(&l->lock);
        if (!rc)
            rc = gp__lint_apply(w);
        else
            gp__lint_drop_pending(w);
        int frc = flush_local(w);
        if ((rc || frc) && !l->error)
            l->error = rc ? rc : frc;
        b->n = 0;
        gp_arena_reset(b->arena);
        b->next = l->spare;
        l->spare = b;
        pthread_cond_signal(&l->room);
        pthread_mutex_unlock(&l->lock);
    }
    return NULL;
}

void gp__lint_enqueue(gp_linter *l, lbatch *b)
{
    pthread_mutex_lock(&l->lock);
    b->next = NULL;
    if (l->queue_tail)
        l->queue_tail->next = b;
    else
        l->queue = b;
    l->queue_tail = b;
    pthread_cond_signal(&l->more);
    pthread_mutex_unlock(&l->lock);
}

/* A batch to fill: a spare one, a new one, or (when enough exist) the next one freed. */
static lbatch *take_batch(gp_linter *l)
{
    pthread_mutex_lock(&l->lock);
    while (!l->spare && l->batches >= 2 * l->nworkers + 2 && !l->error)
        pthread_cond_wait(&l->room, &l->lock);
    lbatch *b = l->spare;
    if (b)
        l->spare = b->next;
    int error = l->error;
    pthread_mutex_unlock(&l->lock);
    if (b || error)
        return b;
    b = calloc(1, sizeof *b);
    if (!b || gp_arena_new(&b->arena)) {
        free(b);
        return NULL;
    }
    pthread_mutex_lock(&l->lock);
    l->batches++;
    pthread_mutex_unlock(&l->lock);
    return b;
}

int gp_lint_record(gp_linter *l, const gp_record *rec)
{
    l->records++;
    if (l->dedup) {
        /* the deduper copies the record and leaves it unchanged */
        int rc = gp_dedup_add(l->dedup, (gp_record *)rec);
        if (rc)
            return rc;
    }
    if (!l->nworkers) {
        l->main.seq = l->records;
        return gp__lint_one(&l->main, rec);
    }
    if (!l->current && !(l->current = take_batch(l))) {
        int error = l->error;
        return error ? error : GP_ENOMEM;
    }
    lbatch *b = l->current;
    if (!b->n)
        b->first = l->records;
    if (GP_GROW(b->recs, b->cap, b->n + 1) != GP_OK ||
        gp_record_copy(&b->recs[b->n], rec, b->arena) != GP_OK)
        return GP_ENOMEM;
    b->n++;
    if (b->n == BATCH_RECORDS) {
        gp__lint_enqueue(l, b);
        l->current = NULL;
    }
    return l->error; /* atomic: a lock here, twice a record, kept the workers waiting */
}
