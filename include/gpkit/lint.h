/*
 * gpkit/lint.h - checking records: rule checks, text hygiene, consistency across
 * records, and discovery of variant spellings no rule knows yet.
 *
 * A gp_linter takes records one at a time (raw from gp-extract, or canonical) and then
 * finishes with the checks that need the whole dataset. Every finding is a gp_diag
 * handed to the sink given at creation, with its rule id, the place in the source dump
 * (from the record's sources, so a finding points at the dump even when records came
 * through a pipe), the record's id, the field as an RFC 6901 pointer ("/topics/3"), the
 * offending value and, where the fix is certain, the replacement.
 *
 * Per record (at gp_lint_record):
 *   vocabulary   <kind>.unknown, <kind>.alias, <kind>.former-name for country, region,
 *                institution, topic and priority area (<kind> as in the rule ids);
 *   fields       record.required, record.pattern, record.range, record.year-order,
 *                topic.broader-missing;
 *   text         text.mojibake, text.control-char, text.zero-width, text.soft-hyphen,
 *                text.ligature, text.confusable, text.spacing, text.footer,
 *                text.truncated, text.replacement-char (see gpkit/hygiene.h).
 * At gp_lint_finish:
 *   consistency  institution.countries (one unknown institution in several countries),
 *                region.inconsistent (a country given several regions), region.mismatch
 *                (a region other than the country's region in the rules),
 *                record.year-conflict (one practice, different implementation years),
 *                text.broken-word (words split at a line end, "impro- vement");
 *   discovery    <kind>.variants: clusters of values that differ by case, accents,
 *                punctuation, "&"/"and", word order, character n-grams,
 *                transliteration or a small edit distance, one finding per cluster;
 *   duplicates   record.possible-duplicate, record.conflict: gp-dedup's matching
 *                (gpkit/dedup.h) on the records, when the options ask for it.
 *
 * Ownership: the linter borrows the rule set and the sink; records passed in are only
 * read during the call.
 */
#ifndef GPKIT_LINT_H
#define GPKIT_LINT_H

#include "gpkit/dedup.h"
#include "gpkit/diag.h"
#include "gpkit/mem.h"
#include "gpkit/record.h"
#include "gpkit/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_lint_options {
    int discovery;  /* cluster unknown values into variants (on by default) */
    int threads;    /* threads that check records; 0 or 1: the caller's thread only */
    int duplicates; /* run gp-dedup's matching: possible duplicates and conflicts */
    /* NULL: none. Called from gp_lint_finish's thread for its long phases: gp-dedup's
       matching (as gp_dedup_options.progress), then "finding variant spellings" (0 of 0) */
    gp_dedup_progress_fn progress;
    void *progress_ctx;
} gp_lint_options;

typedef struct gp_linter gp_linter;

int gp_linter_new(gp_linter **out, gp_ruleset *rules, const gp_lint_options *opts,
                  gp_diag_sink *findings);
void gp_linter_free(gp_linter *l);

/* Checks one record. Returns GP_OK, GP_ENOMEM, or what the sink returned. */
int gp_lint_record(gp_linter *l, const gp_record *rec);

/* Runs the checks that need every record. Call once, after the last record. */
int gp_lint_finish(gp_linter *l);

/*
 * After gp_lint_finish: appends the YAML that would resolve the discovered clusters, as
 * rule entries ready to paste into rules/ (aliases for the suggested canonical values).
 */
int gp_lint_suggest(const gp_linter *l, gp_buf *out);

/* One discovered cluster as a rule entry: the spellings to make aliases of a name. */
typedef struct gp_lint_suggestion {
    gp_vocab_kind kind;
    const char *scope;     /* institutions: the country the name belongs to; else NULL */
    const char *canonical; /* the suggested canonical spelling */
    int known;             /* whether the rules already have `canonical` */
    const char *const *aliases;
    size_t naliases;
} gp_lint_suggestion;

/*
 * Appends the rule YAML for `n` suggestions, grouped in the sections of the rule files,
 * exactly as gp_lint_suggest writes them (without its opening comment). gp-report uses
 * it to show the entry of one cluster.
 */
int gp_lint_suggest_yaml(const gp_lint_suggestion *s, size_t n, gp_buf *out);

/* Records checked so far. */
size_t gp_linter_records(const gp_linter *l);

/* Where the time of gp_lint_finish went (gp-lint --stats). */
typedef struct gp_lint_phase {
    const char *name; /* "checks" (the threads finishing the last records), "consistency",
                         "duplicates", "discovery" */
    double wall;      /* seconds */
    double cpu;       /* CPU seconds of the process, all threads together */
} gp_lint_phase;

/* After gp_lint_finish: copies up to `max` phases to `out`; returns how many there are. */
size_t gp_lint_phases(const gp_linter *l, gp_lint_phase *out, size_t max);

#ifdef __cplusplus
}
#endif
#endif
