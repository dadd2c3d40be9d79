/*
 * gpkit/dedup.h - canonical records to the dataset: duplicates found and merged.
 *
 * A gp_deduper collects records (gp_dedup_add normalises a copy of each), then
 * gp_dedup_run finds the duplicates and gp_dedup_write hands out the results:
 *  - exact duplicates, records with the same id, are one practice;
 *  - near duplicates are found among candidate pairs that share a blocking key (from
 *    the rules: e.g. institution + country + award year) or a MinHash LSH band of the
 *    word shingles of title and description, never by comparing all pairs; each pair
 *    gets a score in [0, 1] from its field similarities, weights and factors; at or
 *    above the rules' merge threshold the two are merged, from the review threshold up
 *    they are a possible duplicate: kept apart and reported;
 *  - a curator's decisions (gpkit/decisions.h) force merges or keep records apart;
 *  - merged records take lists united, scalar fields by source precedence, sources
 *    united; each disagreement is kept as a conflict. The merged id is the smallest
 *    member id.
 * docs/dedup.md states the algorithm, the score and every schema.
 *
 * Everything handed out is the same, byte for byte, whatever the order of the records
 * added. The work is spread over threads (gp_dedup_options.threads); the calls
 * themselves must come from one thread.
 *
 * Ownership: the deduper copies what it is given; it borrows the rule set, the
 * decisions and the sink, which must outlive it. Everything passed to a callback is
 * valid only during the call.
 */
#ifndef GPKIT_DEDUP_H
#define GPKIT_DEDUP_H

#include <stddef.h>

#include "gpkit/decisions.h"
#include "gpkit/diag.h"
#include "gpkit/record.h"
#include "gpkit/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_deduper gp_deduper;

/* Progress of long work: a phase name ("reading", "scoring", ...), done of total. */
typedef void (*gp_dedup_progress_fn)(void *ctx, const char *phase, size_t done, size_t total);

typedef struct gp_dedup_options {
    const gp_decisions *decisions; /* NULL: none */
    int threads;                   /* 0: one per online processor */
    gp_dedup_progress_fn progress; /* NULL: none; called from the calling thread */
    void *progress_ctx;
} gp_dedup_options;

/* The rule set must have loaded without errors. Problems with records go to `diags`. */
int gp_deduper_new(gp_deduper **out, gp_ruleset *rules, const gp_dedup_options *opts,
                   gp_diag_sink *diags);
void gp_deduper_free(gp_deduper *d);

/*
 * Adds a copy of `rec` (not changed), to be normalised (gp_norm_record), in batches and
 * in a second thread when there are threads. An id the record carries is kept (a
 * merged record keeps its merged id when a dataset is deduplicated again); a record
 * without one gets gp-norm's. Only errors of normalisation are reported (gp-norm and
 * gp-lint report unknown values), at the latest by gp_dedup_run. Returns GP_OK,
 * GP_EINVAL after gp_dedup_run, GP_ENOMEM; an error of normalising may come from a
 * later call or from gp_dedup_run.
 */
int gp_dedup_add(gp_deduper *d, gp_record *rec);
/* gp_dedup_add as a gp_record_fn (for gp_extract_file); ctx is the deduper. */
int gp_dedup_add_fn(void *ctx, gp_record *rec);

/*
 * Groups, scores and clusters the records added (once). Decisions that name an id no
 * record has are reported (decision.unknown-id, warning); decisions that contradict
 * each other (decision.contradiction, error). Returns GP_OK or GP_ENOMEM.
 */
int gp_dedup_run(gp_deduper *d);

/* One part of a score: a text similarity (weighted) or a factor (multiplies). */
typedef struct gp_dedup_part {
    const char *name; /* "description", "title", "title_in_description", "counterpart",
                         "topics"; factors: "institution", "country", "award_year",
                         "implementation_year", "same_document" */
    int is_factor;
    double value;  /* similarity in [0, 1], or the factor */
    double weight; /* text parts */
} gp_dedup_part;

/* A scored pair of records (by their ids before merging). */
typedef struct gp_dedup_link {
    const char *a, *b; /* a < b */
    const char *how;   /* "score" (at or above merge), "decision", or "review" */
    double score;      /* three decimals */
    const gp_dedup_part *parts;
    size_t nparts;
} gp_dedup_link;

/* A record id that belongs to a group, with where its records came from. */
typedef struct gp_dedup_member {
    const char *id;
    size_t records; /* input records with that id */
    const gp_source *sources;
    size_t nsources;
} gp_dedup_member;

/* One value of a disputed field and the records that give it: their ids and sources. */
typedef struct gp_dedup_value {
    const char *value; /* years as decimal text */
    const char *const *ids;
    size_t nids;
    const gp_source *sources; /* the first source of each record giving it */
    size_t nsources;
} gp_dedup_value;

typedef struct gp_dedup_conflict {
    const char *field;
    const char *chosen; /* the value the merged record has (NULL for a possible duplicate) */
    const gp_dedup_value *values;
    size_t nvalues;
} gp_dedup_conflict;

typedef enum gp_dedup_kind {
    GP_DEDUP_MERGED,  /* records that became one record of the dataset */
    GP_DEDUP_POSSIBLE /* two records of the dataset that may be one practice */
} gp_dedup_kind;

typedef struct gp_dedup_cluster {
    gp_dedup_kind kind;
    const char *id;          /* merged: the record's id in the dataset; possible: the smaller */
    const char *other_id;    /* possible: the other record's id; NULL for merged */
    const gp_source *source; /* the first source of `id`, for diagnostics */
    const gp_dedup_member *members; /* merged: every id merged; possible: the pair scored */
    size_t nmembers;
    const gp_dedup_link *links; /* merged: the pairs that joined ids; possible: the pair */
    size_t nlinks;
    const gp_dedup_conflict *conflicts; /* merged: disputed fields; possible: differences */
    size_t nconflicts;
    const char *note; /* possible: why a pair scoring above merge was kept apart, or NULL */
} gp_dedup_cluster;

typedef int (*gp_dedup_line_fn)(void *ctx, const char *line, size_t len);
typedef int (*gp_dedup_cluster_fn)(void *ctx, const gp_dedup_cluster *c);

typedef struct gp_dedup_output {
    gp_dedup_line_fn dataset; /* each record of the dataset, one JSON line with its newline */
    void *dataset_ctx;
    gp_dedup_cluster_fn clusters; /* each merged group and possible duplicate */
    void *clusters_ctx;
    gp_diag_sink *findings; /* record.possible-duplicate and record.conflict diagnostics */
} gp_dedup_output;

/*
 * After gp_dedup_run: goes through the dataset in id order and hands each record,
 * each group of merged records (after its record) and each possible duplicate (after
 * the record with the smaller id) to the consumers that are set. A callback's non-zero
 * return stops the walk and is returned. Can be called more than once.
 */
int gp_dedup_write(gp_deduper *d, const gp_dedup_output *out);

/* Appends a cluster as one line of JSON (RFC 8785) and a newline (docs/dedup.md). */
void gp_dedup_cluster_write_json(const gp_dedup_cluster *c, gp_buf *out);

/*
 * After gp_dedup_run: explains for a curator how two records (any ids added) compare:
 * their matching keys, the blocks they share, each part of the score and what became
 * of them. Appends text to `out`. Returns GP_OK, GP_EINVAL when an id is unknown
 * (named in `out`), GP_ENOMEM.
 */
int gp_dedup_explain(gp_deduper *d, const char *id1, const char *id2, gp_buf *out);

/*
 * The same facts as one line of JSON (keys sorted; docs/dedup.md lists them): the
 * records "a" and "b", "keys", "blocks", "minhash", "candidate_pair", "score" (parts,
 * factors, score, verdict, thresholds) and "outcome". Returns as gp_dedup_explain; on
 * GP_EINVAL `out` holds the reason as text.
 */
int gp_dedup_explain_json(gp_deduper *d, const char *id1, const char *id2, gp_buf *out);

typedef struct gp_dedup_stats {
    size_t records_in;      /* records added */
    size_t records_out;     /* records of the dataset */
    size_t practices;       /* distinct ids */
    size_t merged_exact;    /* records merged into a record with the same id */
    size_t merged_score;    /* ids merged into another by score */
    size_t merged_decision; /* ids merged into another by a decision */
    size_t candidate_pairs; /* pairs scored */
    size_t pairs_blocking;  /* pairs that share a blocking key */
    size_t pairs_lsh;       /* pairs that share an LSH band */
    size_t blocks_skipped;  /* blocks or buckets larger than the rules allow */
    size_t kept_apart;      /* pairs at or above merge that were not merged (guard, decision) */
    size_t possible_duplicates;
    size_t conflicts; /* disputed fields of merged records (after gp_dedup_write) */
    size_t conflicts_by_field[GP_F_COUNT];
    size_t decisions_unknown; /* ids named by decisions that no record has */
} gp_dedup_stats;

const gp_dedup_stats *gp_dedup_get_stats(const gp_deduper *d);

#ifdef __cplusplus
}
#endif
#endif
