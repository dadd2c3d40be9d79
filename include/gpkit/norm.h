/*
 * gpkit/norm.h - raw records to canonical records.
 *
 * Normalising a record, field by field:
 *  - text: characters folded by the rules' typography table, Unicode NFC, white space
 *    collapsed (paragraphs of description and jury_comment kept, separated by "\n\n");
 *    a field left empty becomes null;
 *  - years: a year that is not a number becomes null (reported);
 *  - country, region, institution, topics, priority areas: resolved through the rules to
 *    their canonical value; country_code from the country; a missing region from the
 *    country's region; topics and priority areas de-duplicated and sorted in the rules'
 *    order, values no rule knows kept as written, after the known ones, in input order;
 *  - sources: kept (file, line, format), field positions dropped;
 *  - id: computed as docs/ids.md describes (gp_norm_id).
 * A value no rule knows is kept and reported ("topic.unknown", warning) at the place the
 * record came from. Normalising a canonical record again changes nothing.
 *
 * A gp_normalizer caches lookups; it is not thread-safe (one per thread, each with its
 * own rule set). Ownership: the record is changed in place; new strings go into its
 * arena. The normaliser borrows the rule set and the sink.
 */
#ifndef GPKIT_NORM_H
#define GPKIT_NORM_H

#include "gpkit/diag.h"
#include "gpkit/input.h"
#include "gpkit/record.h"
#include "gpkit/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_normalizer gp_normalizer;

typedef struct gp_norm_stats {
    size_t records;                   /* records normalised */
    size_t text_changed[GP_F_COUNT];  /* values whose text changed (typography, NFC, spaces) */
    size_t canonicalised[GP_F_COUNT]; /* values replaced by their canonical spelling */
    size_t unknown[GP_F_COUNT];       /* values no rule knows */
    size_t filled[GP_F_COUNT];        /* values derived from another field */
    size_t dropped[GP_F_COUNT];       /* repeated list items, invalid years */
    size_t fixed[GP_F_COUNT];         /* values repaired by --fix (gpkit/hygiene.h) */
    size_t lines_skipped; /* lines pushed by gp_norm_pipeline_push_line that held no record */
} gp_norm_stats;

int gp_normalizer_new(gp_normalizer **out, gp_ruleset *rules, gp_diag_sink *diags);
void gp_normalizer_free(gp_normalizer *n);

/*
 * With `fix`, text fields first get the certain fixes of gpkit/hygiene.h (mojibake,
 * control and invisible characters, soft hyphens, ligatures, look-alike letters, page
 * footers), as gp-lint's findings propose them. Returns GP_OK or GP_ENOMEM.
 */
int gp_normalizer_set_fix(gp_normalizer *n, int fix);

/* Normalises `rec` in place (see above). Returns GP_OK or GP_ENOMEM. */
int gp_norm_record(gp_normalizer *n, gp_record *rec);

/*
 * Appends `s` cleaned as gp-norm cleans text (typography folded, NFC, white space
 * collapsed; paragraphs kept when asked). Returns GP_OK or GP_ENOMEM.
 */
int gp_norm_text(gp_normalizer *n, const char *s, int paragraphs, gp_buf *out);

/*
 * gp_ruleset_resolve through the normaliser's cache (keyed by value, country and year).
 * The result belongs to the normaliser and lives until it is freed; NULL when out of
 * memory.
 */
const gp_resolution *gp_norm_resolve(gp_normalizer *n, gp_vocab_kind kind, const char *value,
                                     int year, const char *country_code);

/* Counts so far. */
const gp_norm_stats *gp_normalizer_stats(const gp_normalizer *n);

/* Number of words of the description's matching key that go into the id. */
#define GP_ID_OPENING_WORDS 24

/*
 * The stable id of a canonical record, "gp-" and 16 hex digits, written to `out`
 * (at least 20 bytes). See docs/ids.md.
 */
int gp_norm_id(gp_normalizer *n, const gp_record *rec, char *out, size_t cap);

/*
 * A pipeline: records in, canonical records out in the same order, normalised on
 * `threads` threads: the caller's and `threads` - 1 workers (1: all on the caller's
 * thread; the default).
 *
 * The caller pushes records as it makes them (from gp_extract_file's callback, say) and
 * finishes; the pipeline calls `fn` on the caller's thread, in input order, with each
 * normalised record and its canonical JSON line (gp_record_write_json, newline
 * included). With workers, at most 3 batches of 256 records per thread are in flight,
 * so memory does not grow with the input; the caller's thread normalises batches too,
 * with `rules`, and each worker loads its own copy of the rule set (from
 * gp_ruleset_path), as neither rule sets nor normalisers are thread-safe.
 *
 * Diagnostics: give the code that makes the records gp_norm_pipeline_sink. Everything
 * reaches `diags` in the order one thread gives (a record's maker's diagnostics, its
 * normalisation's, then `fn`), whatever the number of threads, because the pipeline
 * holds them with their batch.
 *
 * Ownership: the pipeline borrows `rules` (the workers' copies are its own), `diags`
 * and `ctx`; the record and JSON passed to `fn` are borrowed for the call.
 */
typedef struct gp_norm_pipeline gp_norm_pipeline;

/* Return 0 to go on; anything else stops the pipeline and is returned by push/finish. */
typedef int (*gp_norm_out_fn)(void *ctx, const gp_record *rec, const char *json, size_t len);

typedef struct gp_norm_pipeline_options {
    int threads; /* threads, the caller's included; 1 (or 0 in the struct's zero value):
                    no workers */
    int fix;     /* as gp_normalizer_set_fix */
    gp_buf *out; /* when set, each JSON line is appended here before `fn` sees it (with
                    one thread it is written here directly: a huge record is not
                    copied); `fn` may flush and empty it */
} gp_norm_pipeline_options;

/* opts may be NULL (one thread, no fixes). GP_EINVAL for more than 256 threads. */
int gp_norm_pipeline_new(gp_norm_pipeline **out, gp_ruleset *rules,
                         const gp_norm_pipeline_options *opts, gp_diag_sink *diags,
                         gp_norm_out_fn fn, void *ctx);
/* Waits for the workers to stop; records not finished are dropped. */
void gp_norm_pipeline_free(gp_norm_pipeline *p);

/* The sink for the records' maker (`diags` itself with one thread). */
gp_diag_sink *gp_norm_pipeline_sink(gp_norm_pipeline *p);

/*
 * Normalises `rec`: in place with one thread (then `fn` is called before this
 * returns), else a copy, later. Returns GP_OK, GP_ENOMEM, or what `fn` returned; after
 * an error every call returns it.
 */
int gp_norm_pipeline_push(gp_norm_pipeline *p, gp_record *rec);

/*
 * A line of a JSON Lines dump, parsed (gp_jsonl_parse_line, its diagnostics in order
 * with the rest) and normalised on a worker: the caller's thread only copies the bytes.
 * Give it as the extractor's line function (gp_extractor_hand_lines). `file` and the
 * line are copied. A line that holds no record is reported and counted in
 * lines_skipped. Returns as push does.
 */
int gp_norm_pipeline_push_line(gp_norm_pipeline *p, const char *file, const gp_line *line);

/*
 * Waits for every record pushed, passes it on, and stops the workers (a record pushed
 * later is normalised on the caller's thread). Returns as push does.
 */
int gp_norm_pipeline_finish(gp_norm_pipeline *p);

/* The counts of all threads together (complete after gp_norm_pipeline_finish). */
void gp_norm_pipeline_stats(const gp_norm_pipeline *p, gp_norm_stats *out);

#ifdef __cplusplus
}
#endif
#endif
