/*
 * lib/extract_impl.h - what the format readers share.
 *
 * Each reader gets the open input and fills ex->rec (whose strings live in ex->arena),
 * calling gp__extract_emit once per record; emit hands the record to the caller's
 * callback and then recycles the arena.
 */
#ifndef GPKIT_EXTRACT_IMPL_H
#define GPKIT_EXTRACT_IMPL_H

#include "gpkit/extract.h"
#include "gpkit/input.h"
#include "rules_impl.h"

typedef struct gp_profile gp_profile;

struct gp_extractor {
    gp_ruleset *rules;
    gp_diag_sink *diags;
    gp_format format;
    char *profile_path;
    gp_profile *profile;     /* the forced profile, or NULL */
    gp_profile *defaults[2]; /* html, xml: loaded on first use */
    gp_arena *arena;
    gp_record rec;
    gp_record_fn fn;
    void *ctx;
    gp_jsonl_line_fn line_fn; /* JSON Lines handed over unparsed, or NULL */
    void *line_ctx;
    const char *file; /* display name of the file being read */
    size_t records;
    gp_map *seen; /* device and inode of each file read -> its name (in seen_names) */
    gp_arena *seen_names;
};

/* Starts a new record in ex->rec with a source at `line` in `format`. */
gp_source *gp__extract_begin(gp_extractor *ex, long line, const char *format);
/* Hands ex->rec to the callback and recycles the arena. */
int gp__extract_emit(gp_extractor *ex);
/* Sets a string field and notes where it was read. */
int gp__extract_field(gp_extractor *ex, gp_field f, const char *value, size_t len, long line,
                      long column);
/* Appends to a list field and notes where the item was read. */
int gp__extract_item(gp_extractor *ex, gp_field f, const char *value, size_t len, long line,
                     long column);
/* Sets a year field from text, reporting text that is not a year. */
int gp__extract_year(gp_extractor *ex, gp_field f, const char *value, size_t len, long line,
                     long column);

/*
 * What a reader asks about the last line of a cut-off copy: whether `s` is a strict
 * beginning of one of `labels` (a label cut off), and whether it is a strict beginning of
 * a spelling the rules know in `kind` without being one itself (a value cut off).
 * Compared by matching key; an empty key is neither.
 */
int gp__extract_label_prefix(gp_ruleset *rs, const gp_labels *labels, const char *s, size_t len);
int gp__extract_value_prefix(gp_ruleset *rs, gp_vocab_kind kind, const char *s, size_t len);
/* Whether `s` names a value of `kind` the rules know (any spelling, any time). */
int gp__extract_known(gp_ruleset *rs, gp_vocab_kind kind, const char *s, size_t len);

/*
 * A line of a page the booklet and practice readers read whole: the text trimmed at both
 * ends (owned; "" for a blank line), its line number, the column where the trimmed text
 * begins, and a mark the reader may set on lines it passes over (the booklet's footers).
 */
typedef struct gp_page_line {
    char *text;
    size_t len;
    long no, col;
    int skip;
} gp_page_line;

/* Reads every line of `in` into *lines; *n counts them, also after an error. Returns
 * GP_OK, GP_ENOMEM or the input's error. Free with gp__extract_free_page. */
int gp__extract_read_page(gp_input *in, gp_page_line **lines, size_t *n);
void gp__extract_free_page(gp_page_line *lines, size_t n);

int gp__extract_listing(gp_extractor *ex, gp_input *in);
int gp__extract_booklet(gp_extractor *ex, gp_input *in);
int gp__extract_markup(gp_extractor *ex, gp_input *in, int html);
int gp__extract_jsonl(gp_extractor *ex, gp_input *in);
int gp__extract_practice(gp_extractor *ex, gp_input *in);
int gp__extract_old_practice(gp_extractor *ex, gp_input *in);
/* GP_FORMAT_PRACTICE or GP_FORMAT_OLD_PRACTICE when the text is such a page, else AUTO. */
gp_format gp__practice_detect(gp_extractor *ex, const char *text, size_t len);

int gp__profile_load(gp_profile **out, const char *path, gp_diag_sink *diags);
void gp__profile_free(gp_profile *p);

#endif
