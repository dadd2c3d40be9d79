/*
 * lib/lint.c - the linter: per-record checks, then checks over the whole dataset.
 *
 * Each record is checked as its source wrote it (so a finding can say "X is written Y"
 * and point at the dump) and normalised into a scratch copy to learn its canonical
 * values and its id. What the dataset-wide checks need is kept compactly in maps keyed
 * by canonical values or ids: the countries an unknown institution appears in, the
 * regions a country is given, the implementation years a practice is given, the words of
 * the texts in a Bloom filter (to decide how a word broken at a line end is spelled; a
 * false positive can only offer a fix for a spelling the texts do not use, about once in
 * ten thousand), and the values for variant discovery. Findings go to the sink after the rules'
 * suppressions are applied.
 *
 * With more than one thread, the caller's thread only copies records into batches; the
 * workers check them, each with its own copy of the rule set, normaliser and hygiene
 * checker (none of them is thread-safe), keep their findings in a list of their own and
 * hand it over per batch. The dataset-wide state is shared under one lock. Nothing
 * depends on the order the workers see records in: a "first" place is the smallest one,
 * and the findings are sorted by whoever prints them.
 */
#include "gpkit/lint.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "gpkit/checks.h"
#include "gpkit/dedup.h"
#include "gpkit/hygiene.h"
#include "gpkit/norm.h"
#include "gpkit/text.h"
#include "internal.h"
#include "lint_impl.h"

enum { SPREAD_MAX = 6 };

/* 2^24 bits (2 MiB) and three probes: under one false positive in 10^4 at 10^6 words. */
#define WORD_BITS ((uint64_t)1 << 24)

/* Where something was first seen. */
typedef struct place {
    const char *file;
    long line, column;
    const char *record_id;
    const char *pointer;
} place;

/* Counts of the different values one thing takes (countries of an institution, ...). */
typedef struct spread_entry {
    const char *value;
    const char *same; /* what is compared: "Republic of Korea" is KR's name */
    size_t count;
    place first;
} spread_entry;

/* Most things take one value: a spread starts with room for one and grows in the arena. */
typedef struct spread {
    size_t n, cap;
    spread_entry e[];
} spread;

typedef struct broken {
    place at;
    char *left, *right;
} broken;

typedef struct suggestion {
    gp_vocab_kind kind;
    char *scope;
    char *canonical;
    int known;
    char **aliases;
    size_t naliases;
} suggestion;

/* What one thread needs to check records. */
typedef struct lworker {
    struct gp_linter *l;
    gp_ruleset *rules; /* the linter's, or this thread's own copy */
    int own_rules;
    gp_normalizer *norm;
    gp_diag_sink quiet;
    gp_hygiene *hyg;
    gp_arena *scratch; /* per record */
    uint64_t *words;   /* Bloom filter of the words of the texts (WORD_BITS bits) */
    gp_diag_sink *out; /* the linter's sink, or `local_sink` in a worker thread */
    gp_diag_list *local;
    gp_diag_sink local_sink;
    pthread_t thread;
} lworker;

/* Records handed from the caller's thread to a worker. */
typedef struct lbatch {
    gp_arena *arena;
    gp_record *recs;
    size_t n, cap;
    struct lbatch *next;
} lbatch;

enum { BATCH_RECORDS = 256, THREADS_MAX = 16 };

struct gp_linter {
    gp_ruleset *rules;
    gp_diag_sink *sink;
    gp_lint_options opts;
    lworker main; /* the caller's thread: all the work when single-threaded */
    lworker *workers;
    size_t nworkers;
    pthread_mutex_t lock;
    pthread_cond_t more, room;
    lbatch *queue, *queue_tail, *spare, *current;
    size_t batches; /* allocated */
    int done;
    int error;
    gp_discover *disc;
    gp_deduper *dedup; /* NULL unless duplicates are asked for */
    gp_diag_sink dedup_sink;
    gp_arena *keep; /* for the whole run */
    size_t records;
    gp_map *inst_countries; /* unknown institution -> spread of countries */
    gp_map *country_regions;
    gp_map *practice_years;
    broken *broken;
    size_t nbroken, broken_cap;
    suggestion *suggestions;
    size_t nsuggestions, suggestions_cap;
    int finished;
};

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
    if (!rc && gp_arena_new(&w->scratch))
        rc = GP_ENOMEM;
    if (!rc && !(w->words = calloc(WORD_BITS / 64, sizeof *w->words)))
        rc = GP_ENOMEM;
    return rc;
}

static void worker_free(lworker *w)
{
    gp_normalizer_free(w->norm);
    gp_hygiene_free(w->hyg);
    gp_arena_free(w->scratch);
    free(w->words);
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
    if (l->opts.threads > THREADS_MAX)
        l->opts.threads = THREADS_MAX;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->more, NULL);
    pthread_cond_init(&l->room, NULL);
    int rc = worker_init(&l->main, l, rules, 0);
    if (!rc)
        rc = gp_discover_new(&l->disc, rules);
    if (!rc && gp_arena_new(&l->keep))
        rc = GP_ENOMEM;
    if (!rc)
        rc = gp_map_new(&l->inst_countries);
    if (!rc)
        rc = gp_map_new(&l->country_regions);
    if (!rc)
        rc = gp_map_new(&l->practice_years);
    if (!rc && l->opts.duplicates) {
        gp_dedup_options dopts = {NULL, l->opts.threads, NULL, NULL};
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

static void stop_workers(gp_linter *l)
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

static void free_batches(lbatch *b)
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
        stop_workers(l);
    for (size_t i = 0; i < l->nworkers; i++)
        worker_free(&l->workers[i]);
    free(l->workers);
    free_batches(l->queue);
    free_batches(l->spare);
    free_batches(l->current);
    worker_free(&l->main);
    gp_deduper_free(l->dedup);
    gp_discover_free(l->disc);
    gp_arena_free(l->keep);
    gp_map_free(l->inst_countries);
    gp_map_free(l->country_regions);
    gp_map_free(l->practice_years);
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

static void lock(gp_linter *l)
{
    if (l->nworkers)
        pthread_mutex_lock(&l->lock);
}

static void unlock(gp_linter *l)
{
    if (l->nworkers)
        pthread_mutex_unlock(&l->lock);
}

static int suppressed(gp_linter *l, const char *rule, const char *record_id)
{
    struct gp_lint_rules *lr = gp__lint_rules_mut(l->rules);
    int hit = 0;
    lock(l);
    for (size_t i = 0; lr && i < lr->nsuppressions && !hit; i++) {
        gp_lint_suppression *sp = &lr->suppressions[i];
        if (strcmp(sp->rule, rule) == 0 &&
            (!sp->record || (record_id && strcmp(sp->record, record_id) == 0))) {
            sp->used++;
            hit = 1;
        }
    }
    unlock(l);
    return hit;
}

/* Reports a finding unless the rules suppress it; never called with the lock held. */
static int finding(lworker *w, const place *at, const char *rule, const char *value,
                   const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int finding(lworker *w, const place *at, const char *rule, const char *value,
                   const char *fix, const char *fmt, ...)
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
    va_list ap;
    va_start(ap, fmt);
    int rc = gp_diag_vreport(w->out, &d, fmt, ap);
    va_end(ap);
    return rc;
}

/* The place of a field (pointer) of a record. */
static place field_place(const gp_record *rec, const char *id, const char *pointer)
{
    place p = {rec->nsources ? rec->sources[0].file : NULL, 0, 0, id, pointer};
    p.line = gp_record_field_line(rec, pointer, &p.column);
    return p;
}

/* A copy of a place in the run's arena; called with the lock held. */
static place keep_place(gp_linter *l, const place *p)
{
    place k = *p;
    k.file = p->file ? gp_arena_strdup(l->keep, p->file) : NULL;
    k.record_id = p->record_id ? gp_arena_strdup(l->keep, p->record_id) : NULL;
    k.pointer = p->pointer ? gp_arena_strdup(l->keep, p->pointer) : NULL;
    return k;
}

static int place_before(const place *a, const place *b)
{
    int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
    if (c)
        return c < 0;
    if (a->line != b->line)
        return a->line < b->line;
    return a->column < b->column;
}

/* ---- vocabulary ---- */

static const char *const kind_ids[GP_VOCAB_COUNT] = {"country", "region", "topic", "priority-area",
                                                     "institution"};

static int check_cleaned(lworker *w, const gp_record *rec, const char *id, gp_vocab_kind kind,
                         const char *pointer, const char *raw, const char *cleaned,
                         const char *scope, const char *country)
{
    gp_linter *l = w->l;
    const gp_resolution *found = gp_norm_resolve(w->norm, kind, raw, rec->award_year.value, scope);
    if (!found)
        return GP_ENOMEM;
    const gp_resolution r = *found;
    int rc;
    place at = field_place(rec, id, pointer);
    char rule[48];
    const char *name = gp_vocab_name(kind);
    if (l->opts.discovery) {
        lock(l);
        rc = gp_discover_add(l->disc, kind, country,
                             r.match == GP_MATCH_NONE ? cleaned : r.canonical,
                             r.match != GP_MATCH_NONE, at.file, at.line, at.column, id, pointer);
        unlock(l);
        if (rc)
            return rc;
    }
    switch (r.match) {
    case GP_MATCH_NONE:
        snprintf(rule, sizeof rule, "%s.unknown", kind_ids[kind]);
        return finding(w, &at, rule, raw, NULL, "unknown %s '%s'%s%s", name, raw,
                       country ? " in " : "", country ? country : "");
    case GP_MATCH_EXACT:
        return GP_OK;
    case GP_MATCH_FORMER:
        snprintf(rule, sizeof rule, "%s.former-name", kind_ids[kind]);
        return finding(w, &at, rule, raw, r.canonical,
                       "%s '%s' is a former name (until %d) for a %d record; now '%s'", name, raw,
                       r.until, rec->award_year.value, r.canonical);
    default:
        if (strcmp(cleaned, r.canonical) == 0 && strcmp(raw, cleaned) != 0)
            return GP_OK; /* only typography that gp-norm folds: text checks report it */
        snprintf(rule, sizeof rule, "%s.alias", kind_ids[kind]);
        return finding(w, &at, rule, raw, r.canonical, "%s '%s' is written '%s'", name, raw,
                       r.canonical);
    }
}

/* `scope` is the country code institutions resolve in; `country` its name (discovery). */
static int check_name(lworker *w, const gp_record *rec, const char *id, gp_vocab_kind kind,
                      const char *pointer, const char *raw, const char *scope, const char *country)
{
    if (gp_text_is_clean(gp_ruleset_typography(w->rules), raw, strlen(raw), 0))
        return check_cleaned(w, rec, id, kind, pointer, raw, raw, scope, country);
    gp_buf clean = GP_BUF_INIT;
    int rc = gp_norm_text(w->norm, raw, 0, &clean);
    if (!rc)
        rc = check_cleaned(w, rec, id, kind, pointer, raw, gp_buf_str(&clean), scope, country);
    gp_buf_free(&clean);
    return rc;
}

/* ---- dataset-wide bookkeeping ---- */

/* Counts `value` (compared as `same`, shown as `value`) for `key`; lock held. */
static int spread_add(gp_linter *l, gp_map *m, const char *key, const char *value, const char *same,
                      const place *at)
{
    void **slot;
    int rc = gp_map_upsert(m, key, strlen(key), &slot);
    if (rc < 0)
        return rc;
    spread *s = *slot;
    for (size_t i = 0; s && i < s->n; i++) {
        spread_entry *e = &s->e[i];
        if (strcmp(e->same, same) == 0) {
            e->count++;
            if (place_before(at, &e->first))
                e->first = keep_place(l, at);
            return GP_OK;
        }
    }
    if (s && s->n == SPREAD_MAX)
        return GP_OK;
    if (!s || s->n == s->cap) {
        size_t cap = s ? s->cap * 2 : 1;
        spread *bigger = gp_arena_alloc(l->keep, sizeof *bigger + cap * sizeof(spread_entry));
        if (!bigger)
            return GP_ENOMEM;
        bigger->n = s ? s->n : 0;
        bigger->cap = cap;
        if (s)
            memcpy(bigger->e, s->e, s->n * sizeof(spread_entry));
        *slot = s = bigger;
    }
    spread_entry *e = &s->e[s->n];
    e->value = gp_arena_strdup(l->keep, value);
    e->same = same == value ? e->value : gp_arena_strdup(l->keep, same);
    e->count = 1;
    e->first = keep_place(l, at);
    if (!e->value || !e->same)
        return GP_ENOMEM;
    s->n++;
    return GP_OK;
}

/* The least common value of a spread: where a finding about it is placed. */
static size_t spread_minority(const spread *s)
{
    size_t m = 0;
    for (size_t i = 1; i < s->n; i++)
        if (s->e[i].count < s->e[m].count)
            m = i;
    return m;
}

static void spread_list(const spread *s, gp_buf *out)
{
    for (size_t i = 0; i < s->n; i++) {
        if (i)
            gp_buf_puts(out, ", ");
        gp_buf_printf(out, "'%s' (%zu)", s->e[i].value, s->e[i].count);
    }
}

static void word_probes(const char *w, size_t len, uint64_t probe[3])
{
    uint64_t h = gp__hash(w, len);
    uint64_t h2 = (h >> 32) | (h << 32);
    for (int k = 0; k < 3; k++)
        probe[k] = (h + (uint64_t)k * h2) % WORD_BITS;
}

static void word_add(lworker *w, const char *word, size_t len)
{
    uint64_t p[3];
    word_probes(word, len, p);
    for (int k = 0; k < 3; k++)
        w->words[p[k] / 64] |= (uint64_t)1 << (p[k] % 64);
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

static void collect_words(lworker *lw, const char *text)
{
    /* Words of five letters or more and hyphenated words: what a broken word may be. */
    const char *p = text;
    while (*p) {
        while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            p++;
        const char *start = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
               (*p == '-' && p[1] >= 'a' && p[1] <= 'z'))
            p++;
        size_t len = (size_t)(p - start);
        if (len >= 5 && len < 64) {
            char w[64];
            for (size_t i = 0; i < len; i++)
                w[i] = (char)(start[i] >= 'A' && start[i] <= 'Z' ? start[i] + 32 : start[i]);
            word_add(lw, w, len);
        }
    }
}

/* ---- per record ---- */

typedef struct hissue {
    char *rule, *fragment, *fix, *message;
    char *left, *right; /* a broken word's halves */
    size_t count;
} hissue;

typedef struct hctx {
    lworker *w;
    const char *text;
    hissue *items;
    size_t n, cap;
} hctx;

/*
 * Issues of one field are grouped by rule and text: a bulleted summary with a tab after
 * each bullet is one finding "a tab inside the text (and 4 more)", not five alike.
 */
static int on_hygiene(void *ctx, const gp_hygiene_issue *is)
{
    hctx *h = ctx;
    if (strcmp(is->rule_id, "text.broken-word") != 0) {
        for (size_t i = 0; i < h->n; i++) {
            const hissue *it = &h->items[i];
            if (strcmp(it->rule, is->rule_id) == 0 && strlen(it->fragment) == is->end - is->start &&
                memcmp(it->fragment, h->text + is->start, is->end - is->start) == 0) {
                h->items[i].count++;
                return 0;
            }
        }
    }
    if (GP_GROW(h->items, h->cap, h->n + 1) != GP_OK)
        return GP_ENOMEM;
    hissue *it = &h->items[h->n++];
    it->rule = gp__strdup(is->rule_id);
    it->fragment = gp__strndup(h->text + is->start, is->end - is->start);
    it->fix = gp__strdup(is->fix);
    it->message = gp__strdup(is->message);
    it->left = it->right = NULL;
    it->count = 1;
    if (is->left && is->right) {
        /* broken words wait for the whole dataset: the texts tell how the word is spelled */
        free(it->message);
        it->message = NULL;
        it->left = gp__strdup(is->left);
        it->right = gp__strdup(is->right);
    }
    return (!it->rule || !it->fragment) ? GP_ENOMEM : 0;
}

static int check_text(lworker *w, const gp_record *rec, const char *id, gp_field f,
                      const char *pointer, const char *text)
{
    if (!text)
        return GP_OK;
    gp_linter *l = w->l;
    hctx h = {w, text, NULL, 0, 0};
    int rc = gp_hygiene_check(w->hyg, text, strlen(text), f, on_hygiene, &h);
    place at = field_place(rec, id, pointer);
    for (size_t i = 0; i < h.n; i++) {
        hissue *it = &h.items[i];
        if (!rc && it->left && it->right) {
            lock(l);
            if (GP_GROW(l->broken, l->broken_cap, l->nbroken + 1) != GP_OK) {
                rc = GP_ENOMEM;
            } else {
                broken *b = &l->broken[l->nbroken++];
                b->at = keep_place(l, &at);
                b->left = it->left;
                b->right = it->right;
                it->left = it->right = NULL;
            }
            unlock(l);
        } else if (!rc && it->message) {
            if (it->count > 1)
                rc = finding(w, &at, it->rule, it->fragment, it->fix, "%s (%s; and %zu more)",
                             it->message, pointer + 1, it->count - 1);
            else
                rc = finding(w, &at, it->rule, it->fragment, it->fix, "%s (%s)", it->message,
                             pointer + 1);
        }
        free(it->rule);
        free(it->fragment);
        free(it->fix);
        free(it->message);
        free(it->left);
        free(it->right);
    }
    free(h.items);
    return rc;
}

static int field_empty(const gp_record *rec, gp_field f)
{
    if (gp_field_is_list(f))
        return gp_record_list_const(rec, f)->len == 0;
    if (gp_field_is_year(f)) {
        const gp_year *y = gp_record_year((gp_record *)rec, f);
        return y->value <= 0 && !y->text;
    }
    if (f == GP_F_ID)
        return 0;
    const char *v = gp_record_get(rec, f);
    return !v || gp__is_blank(v, strlen(v));
}

/* The place of the topic, as the record writes it, that resolves to `canonical`: the
 * canonical list is sorted and merged, so its indexes are not the record's. */
static place written_topic_place(lworker *w, const gp_record *rec, const char *id,
                                 const char *canonical, char *pointer, size_t size,
                                 const char **written)
{
    for (size_t k = 0; k < rec->topics.len; k++) {
        const char *raw = rec->topics.items[k];
        const gp_resolution *r =
            gp_norm_resolve(w->norm, GP_VOCAB_TOPIC, raw, rec->award_year.value, NULL);
        if (r && r->match != GP_MATCH_NONE && strcmp(r->canonical, canonical) == 0) {
            snprintf(pointer, size, "/topics/%zu", k);
            *written = raw;
            return field_place(rec, id, pointer);
        }
    }
    *written = canonical;
    return field_place(rec, id, "/topics");
}

static int check_fields(lworker *w, const gp_record *rec, const gp_record *canon, const char *id)
{
    const struct gp_lint_rules *lr = gp__lint_rules(w->rules);
    char ptr[48];
    int rc = GP_OK;
    for (int f = 0; f < GP_F_COUNT && !rc; f++) {
        if (!(lr->required & (1u << f)) || !field_empty(rec, (gp_field)f))
            continue;
        place at = field_place(rec, id, NULL);
        snprintf(ptr, sizeof ptr, "/%s", gp_field_name((gp_field)f));
        at.pointer = ptr;
        rc = finding(w, &at, "record.required", NULL, NULL, "record has no %s",
                     gp_field_name((gp_field)f));
    }
    static const gp_field years[] = {GP_F_IMPLEMENTATION_YEAR, GP_F_AWARD_YEAR};
    for (size_t i = 0; i < 2 && !rc; i++) {
        const gp_lint_range *r = &lr->ranges[years[i]];
        const gp_year *y = gp_record_year((gp_record *)rec, years[i]);
        snprintf(ptr, sizeof ptr, "/%s", gp_field_name(years[i]));
        place at = field_place(rec, id, ptr);
        if (y->value > 0 && r->set && (y->value < r->min || y->value > r->max)) {
            char v[16];
            snprintf(v, sizeof v, "%d", y->value);
            rc = finding(w, &at, "record.range", v, NULL, "%s %d is outside %ld-%ld",
                         gp_field_name(years[i]), y->value, r->min, r->max);
        } else if (y->text) {
            rc = finding(w, &at, "record.year-invalid", y->text, NULL, "%s '%s' is not a year",
                         gp_field_name(years[i]), y->text);
        }
    }
    if (!rc && rec->implementation_year.value > 0 && rec->award_year.value > 0 &&
        rec->implementation_year.value > rec->award_year.value) {
        place at = field_place(rec, id, "/implementation_year");
        char v[16];
        snprintf(v, sizeof v, "%d", rec->implementation_year.value);
        rc = finding(w, &at, "record.year-order", v, NULL,
                     "implementation year %d is after award year %d",
                     rec->implementation_year.value, rec->award_year.value);
    }
    for (size_t i = 0; i < lr->npatterns && !rc; i++) {
        const gp_lint_pattern *p = &lr->patterns[i];
        const gp_strlist *list =
            gp_field_is_list(p->field) ? gp_record_list_const(rec, p->field) : NULL;
        size_t n = list ? list->len : 1;
        for (size_t k = 0; k < n && !rc; k++) {
            const char *v = list ? list->items[k] : gp_record_get(rec, p->field);
            if (!v)
                continue;
            int hit = gp_regex_match(p->re, v, strlen(v), 0);
            if (hit != p->forbid)
                continue;
            if (list)
                snprintf(ptr, sizeof ptr, "/%s/%zu", gp_field_name(p->field), k);
            else
                snprintf(ptr, sizeof ptr, "/%s", gp_field_name(p->field));
            place at = field_place(rec, id, ptr);
            rc = finding(w, &at, "record.pattern", v, NULL, "%s: '%s'", p->message, v);
        }
    }
    /* broader topics the rules imply, looked up on the canonical list */
    for (size_t i = 0; i < canon->topics.len && !rc; i++) {
        gp_resolution r;
        const char *t = canon->topics.items[i];
        if (gp_ruleset_resolve(w->rules, GP_VOCAB_TOPIC, t, strlen(t), 0, NULL, &r) != GP_OK ||
            r.match == GP_MATCH_NONE)
            continue;
        size_t nb = gp_ruleset_broader_len(w->rules, GP_VOCAB_TOPIC, r.index);
        for (size_t b = 0; b < nb && !rc; b++) {
            const char *want = gp_ruleset_broader(w->rules, GP_VOCAB_TOPIC, r.index, b);
            int present = 0;
            for (size_t k = 0; k < canon->topics.len && !present; k++)
                present = strcmp(canon->topics.items[k], want) == 0;
            if (present)
                continue;
            char pointer[32];
            const char *written;
            place at = written_topic_place(w, rec, id, t, pointer, sizeof pointer, &written);
            /* no fix: a fix replaces the value, and `want` joins `t` rather than replacing it */
            rc = finding(w, &at, "topic.broader-missing", written, NULL,
                         "topic '%s' implies '%s', which the record lacks", t, want);
        }
    }
    return rc;
}

static int lint_one(lworker *w, const gp_record *rec)
{
    gp_linter *l = w->l;
    gp_arena_reset(w->scratch);
    gp_record canon;
    int rc = gp_record_copy(&canon, rec, w->scratch);
    if (!rc)
        rc = gp_norm_record(w->norm, &canon);
    if (rc)
        return rc;
    const char *id = canon.id;
    const char *cc = canon.country_code;

    /* vocabulary, on the values as written */
    if (rec->country && !rc)
        rc = check_name(w, rec, id, GP_VOCAB_COUNTRY, "/country", rec->country, NULL, NULL);
    if (rec->region && !rc)
        rc = check_name(w, rec, id, GP_VOCAB_REGION, "/region", rec->region, NULL, NULL);
    if (rec->institution && !rc)
        rc = check_name(w, rec, id, GP_VOCAB_INSTITUTION, "/institution", rec->institution, cc,
                        canon.country);
    static const struct {
        gp_field f;
        gp_vocab_kind kind;
    } lists[] = {{GP_F_TOPICS, GP_VOCAB_TOPIC}, {GP_F_PRIORITY_AREAS, GP_VOCAB_PRIORITY_AREA}};
    for (size_t k = 0; k < 2 && !rc; k++) {
        const gp_strlist *list = gp_record_list_const(rec, lists[k].f);
        for (size_t i = 0; i < list->len && !rc; i++) {
            char ptr[48];
            snprintf(ptr, sizeof ptr, "/%s/%zu", gp_field_name(lists[k].f), i);
            rc = check_name(w, rec, id, lists[k].kind, ptr, list->items[i], NULL, NULL);
        }
    }
    if (!rc)
        rc = check_fields(w, rec, &canon, id);

    /* text hygiene, on every text as written */
    static const gp_field texts[] = {GP_F_INSTITUTION, GP_F_COUNTRY,     GP_F_REGION,
                                     GP_F_TITLE,       GP_F_DESCRIPTION, GP_F_JURY_COMMENT};
    for (size_t i = 0; i < GP_ARRAY_LEN(texts) && !rc; i++) {
        char ptr[32];
        snprintf(ptr, sizeof ptr, "/%s", gp_field_name(texts[i]));
        rc = check_text(w, rec, id, texts[i], ptr, gp_record_get(rec, texts[i]));
    }
    for (size_t k = 0; k < 2 && !rc; k++) {
        const gp_strlist *list = gp_record_list_const(rec, lists[k].f);
        for (size_t i = 0; i < list->len && !rc; i++) {
            char ptr[48];
            snprintf(ptr, sizeof ptr, "/%s/%zu", gp_field_name(lists[k].f), i);
            rc = check_text(w, rec, id, lists[k].f, ptr, list->items[i]);
        }
    }
    if (rc)
        return rc;
    if (canon.description)
        collect_words(w, canon.description);
    if (canon.jury_comment)
        collect_words(w, canon.jury_comment);

    /* what the dataset-wide checks need */
    place at = field_place(rec, id, "/institution");
    gp_resolution r, cr;
    int unknown_institution = canon.institution && canon.country &&
                              gp_ruleset_resolve(w->rules, GP_VOCAB_INSTITUTION, canon.institution,
                                                 strlen(canon.institution), 0, cc, &r) == GP_OK &&
                              r.match == GP_MATCH_NONE;
    const char *country_region = NULL;
    if (cc && canon.region &&
        gp_ruleset_resolve(w->rules, GP_VOCAB_COUNTRY, canon.country, strlen(canon.country), 0,
                           NULL, &cr) == GP_OK)
        country_region = cr.region;
    lock(l);
    if (unknown_institution) {
        const char *same = gp_discover_scope_key(l->disc, canon.country);
        rc = same ? spread_add(l, l->inst_countries, canon.institution, canon.country, same, &at)
                  : GP_ENOMEM;
    }
    if (!rc && cc && canon.region) {
        place rat = field_place(rec, id, "/region");
        rc = spread_add(l, l->country_regions, cc, canon.region, canon.region, &rat);
    }
    if (!rc && id && canon.implementation_year.value > 0) {
        char year[16];
        snprintf(year, sizeof year, "%d", canon.implementation_year.value);
        place yat = field_place(rec, id, "/implementation_year");
        rc = spread_add(l, l->practice_years, id, year, year, &yat);
    }
    unlock(l);
    if (!rc && country_region && strcmp(country_region, canon.region) != 0) {
        at = field_place(rec, id, "/region");
        rc = finding(w, &at, "region.mismatch", canon.region, country_region,
                     "%s is in the region '%s', not '%s'", canon.country, country_region,
                     canon.region);
    }
    return rc;
}

/* ---- threads ---- */

/* Hands a worker's findings to the linter's sink. */
static int flush_local(lworker *w)
{
    gp_linter *l = w->l;
    int rc = GP_OK;
    lock(l);
    for (size_t i = 0; i < gp_diag_list_len(w->local) && !rc; i++)
        rc = gp_diag_emit(l->sink, gp_diag_list_get(w->local, i));
    unlock(l);
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
        for (size_t i = 0; i < b->n && !rc; i++)
            rc = lint_one(w, &b->recs[i]);
        int frc = flush_local(w);
        pthread_mutex_lock(&l->lock);
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

static void enqueue(gp_linter *l, lbatch *b)
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
    if (!l->nworkers)
        return lint_one(&l->main, rec);
    if (!l->current && !(l->current = take_batch(l))) {
        pthread_mutex_lock(&l->lock);
        int error = l->error;
        pthread_mutex_unlock(&l->lock);
        return error ? error : GP_ENOMEM;
    }
    lbatch *b = l->current;
    if (GP_GROW(b->recs, b->cap, b->n + 1) != GP_OK ||
        gp_record_copy(&b->recs[b->n], rec, b->arena) != GP_OK)
        return GP_ENOMEM;
    b->n++;
    if (b->n == BATCH_RECORDS) {
        enqueue(l, b);
        l->current = NULL;
    }
    pthread_mutex_lock(&l->lock);
    int error = l->error;
    pthread_mutex_unlock(&l->lock);
    return error;
}

/* ---- over the dataset ---- */

/* Reports each key of `map` seen with several values, at the first record that gave the
 * least common value. `fmt` gets the key and the list of values with their counts. */
__attribute__((format(printf, 5, 0))) static int
report_spreads(gp_linter *l, gp_map *map, const char *check, int subject_is_value, const char *fmt)
{
    size_t pos = 0;
    const char *key;
    void *v;
    int rc = GP_OK;
    gp_buf list = GP_BUF_INIT;
    while (!rc && gp_map_next(map, &pos, &key, NULL, &v)) {
        const spread *s = v;
        if (s->n < 2)
            continue;
        gp_buf_reset(&list);
        spread_list(s, &list);
        size_t m = spread_minority(s);
        rc = finding(&l->main, &s->e[m].first, check, subject_is_value ? s->e[m].value : key, NULL,
                     fmt, key, gp_buf_str(&list));
    }
    gp_buf_free(&list);
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
        rc = report_spreads(l, l->practice_years, "record.year-conflict", 1,
                            "practice %s is given several implementation years: %s");
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
            rc = finding(&l->main, &b->at, "text.broken-word", shown, fix,
                         "'%s' is a word broken at a line end; the texts write '%s' (%s)", shown,
                         fix, b->at.pointer + 1);
        else
            rc = finding(&l->main, &b->at, "text.broken-word", shown, NULL,
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

static int on_cluster(void *ctx, const gp_cluster *c)
{
    gp_linter *l = ctx;
    gp_buf msg = GP_BUF_INIT, value = GP_BUF_INIT;
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
    snprintf(rule, sizeof rule, "%s.variants", kind_ids[c->kind]);
    int rc = finding(&l->main, &p, rule, gp_buf_str(&value), c->suggestion,
                     "%s variants%s%s: %s; write '%s' (%s)", gp_vocab_name(c->kind),
                     c->scope ? " in " : "", c->scope ? c->scope : "", gp_buf_str(&msg),
                     c->suggestion, c->methods);
    gp_buf_free(&msg);
    gp_buf_free(&value);
    if (!rc)
        rc = keep_suggestion(l, c);
    return rc;
}

int gp_lint_finish(gp_linter *l)
{
    if (l->finished)
        return GP_OK;
    l->finished = 1;
    if (l->nworkers) {
        if (l->current && l->current->n)
            enqueue(l, l->current);
        else
            free_batches(l->current);
        l->current = NULL;
        stop_workers(l);
        /* the dataset-wide checks run here alone, with every thread's words */
        for (size_t i = 0; i < l->nworkers; i++)
            for (size_t k = 0; k < WORD_BITS / 64; k++)
                l->main.words[k] |= l->workers[i].words[k];
        if (l->error)
            return l->error;
    }
    int rc = finish_spreads(l);
    if (!rc && l->dedup) {
        gp_dedup_output out = {NULL, NULL, NULL, NULL, &l->dedup_sink};
        rc = gp_dedup_run(l->dedup);
        if (!rc)
            rc = gp_dedup_write(l->dedup, &out);
    }
    if (!rc)
        rc = finish_broken(l);
    if (!rc && l->opts.discovery)
        rc = gp_discover_run(l->disc, on_cluster, l);
    struct gp_lint_rules *lr = gp__lint_rules_mut(l->rules);
    for (size_t i = 0; !rc && lr && i < lr->nsuppressions; i++) {
        gp_lint_suppression *s = &lr->suppressions[i];
        if (s->used)
            continue;
        place at = {s->file, s->line, 0, NULL, NULL};
        rc = finding(&l->main, &at, "lint.unused-suppression", s->rule, NULL,
                     "suppression of '%s'%s%s matched no finding", s->rule,
                     s->record ? " for " : "", s->record ? s->record : "");
    }
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
