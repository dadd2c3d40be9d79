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

int gp__extract_listing(gp_extractor *ex, gp_input *in);
int gp__extract_booklet(gp_extractor *ex, gp_input *in);
int gp__extract_markup(gp_extractor *ex, gp_input *in, int html);
int gp__extract_jsonl(gp_extractor *ex, gp_input *in);

int gp__profile_load(gp_profile **out, const char *path, gp_diag_sink *diags);
void gp__profile_free(gp_profile *p);

#endif
