/*
 * gpkit/hygiene.h - text hygiene: what a dump's text should not contain.
 *
 * Each issue names a byte span of the text, a rule id and, when the repair is certain,
 * the replacement for the span:
 *   text.mojibake          UTF-8 read as Windows-1252 ("Ã©", "â€™") -> the real text
 *   text.control-char      C0/C1 control characters -> removed
 *   text.zero-width        zero-width spaces and joiners, word joiners, BOMs -> removed
 *   text.soft-hyphen       U+00AD -> removed
 *   text.ligature          presentation-form ligatures from PDF text ("ﬁ") -> letters
 *   text.confusable        a letter of another script inside a Latin word (ICU uspoof;
 *                          a Cyrillic "а") -> the Latin letter it imitates
 *   text.spacing           doubled spaces, tabs, spaces at either end -> one space
 *   text.footer            a page footer left in the text ("21 www.issa.int/...") ->
 *                          removed (patterns from the rules)
 *   text.replacement-char  U+FFFD: something was lost earlier; no fix
 *   text.truncated         a description that stops mid-sentence; no fix
 *   text.broken-word       "impro- vement": a word split at a line end; the span covers
 *                          "- " and the fix is chosen by the caller (see gp-lint), who
 *                          knows which spellings the dataset uses
 * All Unicode properties come from ICU (scripts, spoof checks, compatibility forms).
 *
 * A gp_hygiene is not thread-safe. Ownership: issues and their strings are borrowed for
 * the duration of the callback.
 */
#ifndef GPKIT_HYGIENE_H
#define GPKIT_HYGIENE_H

#include <stddef.h>

#include "gpkit/mem.h"
#include "gpkit/record.h"
#include "gpkit/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_hygiene gp_hygiene;

typedef struct gp_hygiene_issue {
    const char *rule_id;
    size_t start, end;   /* the span in the text, in bytes */
    const char *fix;     /* replacement for the span when certain, else NULL */
    const char *message; /* one line, what is wrong */
    /* text.broken-word: the two halves, for the caller's choice of fix */
    const char *left, *right;
} gp_hygiene_issue;

typedef int (*gp_hygiene_fn)(void *ctx, const gp_hygiene_issue *issue);

/* `rules` gives the footer patterns (lint: footers); it may be NULL. */
int gp_hygiene_new(gp_hygiene **out, gp_ruleset *rules);
void gp_hygiene_free(gp_hygiene *h);

/*
 * Reports the issues of one field's text, in order of position. `paragraphs` says the
 * field may hold "\n\n" paragraph breaks (description, jury comment). Returns GP_OK, an
 * error code, or what the callback returned.
 */
int gp_hygiene_check(gp_hygiene *h, const char *text, size_t len, gp_field field, gp_hygiene_fn fn,
                     void *ctx);

/*
 * Appends `text` with every certain fix applied; *fixes (may be NULL) counts them.
 * Broken words are left alone: their fix needs the dataset.
 */
int gp_hygiene_fix(gp_hygiene *h, const char *text, size_t len, gp_field field, gp_buf *out,
                   size_t *fixes);

#ifdef __cplusplus
}
#endif
#endif
