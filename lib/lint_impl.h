/*
 * lib/lint_impl.h - the inside of gp-lint, shared by lib/lint*.c: the 'lint' section of
 * the rules, and the linter with the helpers its files share.
 */
#ifndef GPKIT_LINT_IMPL_H
#define GPKIT_LINT_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "discover.h"
#include "gpkit/dedup.h"
#include "gpkit/hygiene.h"
#include "gpkit/lint.h"
#include "gpkit/norm.h"
#include "gpkit/record.h"
#include "regex.h"
#include "rules_impl.h"

typedef struct gp_lint_pattern {
    gp_field field;
    gp_regex *re;
    int forbid; /* the value must not match (else: must match) */
    char *message;
} gp_lint_pattern;

typedef struct gp_lint_suppression {
    char *rule;
    char *record; /* a record id, or NULL for every record */
    char *reason;
    char *file;
    long line;
    atomic_size_t used; /* counted by every thread, without the lock */
} gp_lint_suppression;

typedef struct gp_lint_range {
    int set;
    long min, max;
} gp_lint_range;

struct gp_lint_rules {
    unsigned required;                                /* bit (1 << gp_field) per required field */
    unsigned not_carried[GP_FORMAT_OLD_PRACTICE + 1]; /* per source format: fields it lacks */
    gp_lint_range ranges[GP_F_COUNT];
    gp_lint_pattern *patterns;
    size_t npatterns, patterns_cap;
    gp_regex **footers;
    size_t nfooters, footers_cap;
    gp_lint_suppression *suppressions;
    size_t nsuppressions, suppressions_cap;
    char **stopwords;
    size_t nstopwords, stopwords_cap;
};

/* The lint section, or an empty one when the rules have none (never NULL). */
const struct gp_lint_rules *gp__lint_rules(const gp_ruleset *rs);
/* Writable access for the suppressions' use counts. */
struct gp_lint_rules *gp__lint_rules_mut(gp_ruleset *rs);

/* ---- the linter (lib/lint.c, lib/lint_record.c, lib/lint_dataset.c) ---- */

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

/*
 * Most things take one value: a spread starts with room for one and grows in the arena.
 * Every value is kept, so the finding does not depend on which thread came first; a
 * spread of many values is looked up through `index` (compared value -> entry + 1).
 */
typedef struct spread {
    size_t n, cap;
    gp_map *index;
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

/* A value for discovery, kept until the record's values are counted together. */
typedef struct pending_value {
    gp_vocab_kind kind;
    int known;
    const char *country, *value; /* the record's, the rules' or in the scratch arena */
    place at;
} pending_value;

/* The spreads a record counts in (gp__lint_spread_add). */
typedef enum spread_map { SPREAD_INST_COUNTRIES, SPREAD_COUNTRY_REGIONS } spread_map;

/*
 * The implementation year a record gives its practice. Every record has its own id but
 * for duplicates, so a map of the ids under the lock cost a tenth of gp-lint's time:
 * each thread lists them, and the lists are sorted together at the end.
 */
typedef struct year_note {
    uint64_t hash;         /* of the id */
    const char *id, *file; /* in the worker's `notes` arena */
    long line, column;
    size_t seq; /* the record's number in the input: the order one thread sees */
    int year;
} year_note;

/* A count for a spread, kept like a pending value. */
typedef struct pending_spread {
    spread_map map;
    const char *key, *value; /* in the worker's `held` arena or the batch's records */
    place at;
} pending_spread;

/* What one thread needs to check records. */
typedef struct lworker {
    struct gp_linter *l;
    gp_ruleset *rules; /* the linter's, or this thread's own copy */
    int own_rules;
    gp_normalizer *norm;
    gp_diag_sink quiet;
    gp_hygiene *hyg;
    gp_arena *scratch; /* per record */
    /* What a batch adds to the dataset-wide state, applied under one lock at its end
       (gp__lint_apply): counts and earliest places, which do not depend on the order. */
    gp_arena *held; /* their strings */
    pending_value *pending;
    size_t npending, pending_cap;
    pending_spread *spreads;
    size_t nspreads, spreads_cap;
    broken *broken;
    size_t nbroken, broken_cap;
    gp_arena *notes; /* for the whole run */
    year_note *years;
    size_t nyears, years_cap;
    const char *last_file; /* the last record's file, kept in `notes` */
    size_t seq;            /* the number of the record being checked */
    gp_map *patterns;      /* pattern index and value -> 1 + whether it matches (pattern_hit) */
    gp_buf pattern_key;
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
    size_t first; /* the number of its first record in the input */
    struct lbatch *next;
} lbatch;

/* The phases of gp_lint_finish that gp_lint_phases reports. */
enum {
    LINT_PHASE_CHECKS,
    LINT_PHASE_CONSISTENCY,
    LINT_PHASE_DUPLICATES,
    LINT_PHASE_DISCOVERY,
    LINT_PHASES
};

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
    atomic_int error; /* read by the caller's thread without the lock */
    gp_discover *disc;
    gp_deduper *dedup; /* NULL unless duplicates are asked for */
    gp_diag_sink dedup_sink;
    gp_arena *keep; /* for the whole run */
    size_t records;
    gp_map *inst_countries; /* unknown institution -> spread of countries */
    gp_map *country_regions;
    gp_map *interned; /* strings kept once (gp__lint_intern) -> their copy in `keep` */
    broken *broken;
    size_t nbroken, broken_cap;
    suggestion *suggestions;
    size_t nsuggestions, suggestions_cap;
    int finished;
    double phase_wall[LINT_PHASES], phase_cpu[LINT_PHASES]; /* seconds */
};

/* lib/lint.c: findings, and the threads */
void gp__lint_lock(gp_linter *l);
void gp__lint_unlock(gp_linter *l);
/* Reports a finding unless the rules suppress it; never called with the lock held. */
int gp__lint_finding(lworker *w, const place *at, const char *rule, const char *value,
                     const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The same, with the cluster of a <kind>.variants finding as a JSON object. */
int gp__lint_cluster_finding(lworker *w, const place *at, const char *rule, const char *value,
                             const char *fix, const char *cluster, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* The place of a field (pointer) of a record. */
place gp__lint_field_place(const gp_record *rec, const char *id, const char *pointer);
/* A copy of a place in the run's arena; called with the lock held. */
place gp__lint_keep_place(gp_linter *l, const place *p);
/* One copy of `s` for the whole run; called with the lock held. NULL when out of memory. */
const char *gp__lint_intern(gp_linter *l, const char *s);
int gp__lint_place_before(const place *a, const place *b);
void gp__lint_stop_workers(gp_linter *l);
void gp__lint_free_batches(lbatch *b);
void gp__lint_enqueue(gp_linter *l, lbatch *b);

/* lib/lint_record.c: the checks of one record */
/* The id part of the check ids of each vocabulary ("priority-area"). */
extern const char *const gp__lint_kind_ids[GP_VOCAB_COUNT];
int gp__lint_one(lworker *w, const gp_record *rec);
/* Adds what `w` kept since the last call to the dataset-wide state; lock held. */
int gp__lint_apply(lworker *w);
/* Frees what `w` kept and empties it. */
void gp__lint_drop_pending(lworker *w);

/* lib/lint_dataset.c: what the dataset-wide checks keep, and the checks */
/* Frees what the spreads of `m` hold outside the arena. */
void gp__lint_spreads_free(gp_map *m);
int gp__lint_spread_add(gp_linter *l, gp_map *m, const char *key, const char *value,
                        const char *same, const place *at);
void gp__lint_collect_words(lworker *lw, const char *text);

#endif
