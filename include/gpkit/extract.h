/*
 * gpkit/extract.h - document dumps to raw records.
 *
 * A gp_extractor reads files in one of the dump formats and hands each record it finds
 * to a callback, in the order of the file:
 *  - listing: the text dump of an ISSA database listing page (any language whose field
 *    labels the rules give);
 *  - booklet: the text of an ISSA Good Practice Awards booklet (PDF text);
 *  - html, xml: documents read with libxml2, records and fields selected by the XPath
 *    expressions of an extraction profile (YAML; see docs/profiles.md);
 *  - jsonl: records already extracted, one JSON object per line (validated);
 *  - practice: a page of the site that holds one practice (header lines, title,
 *    implementation year, description, topics);
 *  - old-practice: a practice page of the old site ("Institution | Country" header).
 * The format is detected per file from its content unless one is forced.
 *
 * Every record gets one source: the file as the caller named it, the line where the
 * record starts and the format, plus where each field was read.
 *
 * Ownership: the record passed to the callback, and all its strings, are valid only
 * during the call. The extractor borrows the rule set and the sink; both must outlive it.
 */
#ifndef GPKIT_EXTRACT_H
#define GPKIT_EXTRACT_H

#include <stddef.h>

#include "gpkit/diag.h"
#include "gpkit/input.h"
#include "gpkit/record.h"
#include "gpkit/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called once per record; return 0 to go on, anything else to stop (passed back). */
typedef int (*gp_record_fn)(void *ctx, gp_record *rec);

typedef struct gp_extract_options {
    gp_format format;    /* GP_FORMAT_AUTO to detect per file */
    const char *profile; /* extraction profile for html/xml; NULL: the rules' default */
} gp_extract_options;

typedef struct gp_extractor gp_extractor;

/*
 * A new extractor. A profile given in the options is loaded now: GP_ERULES when it has
 * errors (reported), GP_EIO when it cannot be read.
 */
int gp_extractor_new(gp_extractor **out, gp_ruleset *rules, const gp_extract_options *opts,
                     gp_diag_sink *diags);
void gp_extractor_free(gp_extractor *ex);

/*
 * Extracts the records of one file ("-" for standard input); `display` names it in
 * sources and diagnostics (NULL: the path). A folder stands for every file under it
 * (gp_input_walk: sorted, hidden names left out, recursive; `display` unused), read as
 * if each were named in turn. Problems with single records are reported and the rest
 * goes on. Returns GP_OK; GP_EIO, GP_EINPUT or GP_ERULES (bad profile) when a file could
 * not be read at all (in a folder: the last such, the other files still read); or what
 * the callback returned.
 */
int gp_extract_file(gp_extractor *ex, const char *path, const char *display, gp_record_fn fn,
                    void *ctx);

/* The same for bytes in memory. */
int gp_extract_mem(gp_extractor *ex, const char *display, const char *data, size_t len,
                   gp_record_fn fn, void *ctx);

/* The format that detection picks for the start of a file; GP_FORMAT_AUTO if none. */
gp_format gp_extract_detect(gp_extractor *ex, const char *text, size_t len);

/* Records handed to callbacks so far (with JSON Lines handed over: lines, not records). */
size_t gp_extractor_records(const gp_extractor *ex);

/*
 * JSON Lines handed over unparsed, so that the caller can parse them on other threads
 * (gp_norm_pipeline_push_line). With `fn` set, each non-blank line of a JSON Lines
 * input goes to `fn` as read, instead of being parsed here and handed to the record
 * callback; the other formats are unchanged. `file` is the input's display name, valid
 * during the call. NULL `fn` goes back to parsing here.
 */
typedef int (*gp_jsonl_line_fn)(void *ctx, const char *file, const gp_line *line);
void gp_extractor_hand_lines(gp_extractor *ex, gp_jsonl_line_fn fn, void *ctx);

/*
 * Parses one line of a JSON Lines dump as the extractor does: into `rec` (initialised
 * here, strings in `arena`), reporting what it reports (a malformed line, unknown keys,
 * NUL escapes, a year that is not one) to `diags` at `file` and the line's number. A
 * record without sources gets `file`, the line and "jsonl". Returns 1 when the line
 * held a record, 0 when it was reported and skipped, or a negative error.
 */
int gp_jsonl_parse_line(gp_record *rec, gp_arena *arena, const char *file, const gp_line *line,
                        gp_diag_sink *diags);

#ifdef __cplusplus
}
#endif
#endif
