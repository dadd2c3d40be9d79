/*
 * gpkit/text.h - the Unicode operations gpkit needs, all done with ICU.
 *
 * Matching keys: two spellings of one name get the same key when they differ only in
 * case, accents, script (transliterated), compatibility forms, quotes, dashes and other
 * punctuation, "&" versus "and", or white space. The key is built as
 *   NFKC_Casefold -> "Any-Latin; Latin-ASCII" (only when not ASCII) -> lower case ->
 *   "&" becomes " and ", apostrophes vanish, every other character that is not a letter
 *   or a digit separates words -> words joined by one space.
 * So "Korea Workers’ Compensation & Welfare Service" and "korea workers' compensation and
 * welfare service" both give "korea workers compensation and welfare service".
 *
 * A gp_text holds the ICU objects (normaliser, transliterator) and scratch buffers; it
 * is not thread-safe: use one per thread.
 *
 * Ownership: results are appended to a caller's gp_buf.
 */
#ifndef GPKIT_TEXT_H
#define GPKIT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "gpkit/mem.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_text gp_text;

int gp_text_new(gp_text **out);
void gp_text_free(gp_text *t);

/* Appends the matching key of `s` (see above). */
int gp_text_key(gp_text *t, const char *s, size_t len, gp_buf *out);

/* Appends `s` in Unicode Normalization Form C. */
int gp_text_nfc(gp_text *t, const char *s, size_t len, gp_buf *out);
/*
 * 1 when valid UTF-8 `s` is certainly NFC already (every character NFC_Quick_Check=Yes
 * with combining class 0): gp_text_nfc would copy it unchanged. 0 when it may not be.
 */
int gp_text_surely_nfc(const char *s, size_t len);

/*
 * Appends `s` with white space collapsed: runs of white space inside a paragraph become
 * one space, each paragraph is trimmed, and with `keep_paragraphs` paragraphs (separated
 * in `s` by a line holding only white space) are joined by "\n\n"; without it by a space.
 */
int gp_text_collapse_space(const char *s, size_t len, int keep_paragraphs, gp_buf *out);

/* Whether the bytes are all ASCII. */
int gp_text_is_ascii(const char *s, size_t len);

/* Number of characters (code points) in valid UTF-8 `s`. */
size_t gp_text_char_count(const char *s, size_t len);

/*
 * Appends the first `nwords` words of the matching key of `s`: the key of the whole
 * text cut there, but the text after them is never looked at (a description's opening).
 */
int gp_text_key_opening(gp_text *t, const char *s, size_t len, size_t nwords, gp_buf *out);

/* Byte offset of the `n`th word end in a key (words separated by one space); len if fewer. */
size_t gp_text_key_prefix(const char *key, size_t len, size_t nwords);

/*
 * A character-folding table (typography rules): each code point maps to a replacement
 * string. Lookups for code points below 0x10000 are a direct table; see gp_fold_apply.
 */
typedef struct gp_foldmap gp_foldmap;

int gp_foldmap_new(gp_foldmap **out);
void gp_foldmap_free(gp_foldmap *m);
/* Adds or replaces the mapping of code point `cp` to UTF-8 `to` (may be empty: delete). */
int gp_foldmap_add(gp_foldmap *m, uint32_t cp, const char *to, size_t len);
/* The replacement for `cp`, or NULL when the table leaves it alone. */
const char *gp_foldmap_get(const gp_foldmap *m, uint32_t cp, size_t *len);
size_t gp_foldmap_size(const gp_foldmap *m);
/* Appends `s` with every mapped code point replaced. Returns the number of replacements. */
size_t gp_fold_apply(const gp_foldmap *m, const char *s, size_t len, gp_buf *out);

/*
 * Whether folding with `m`, NFC and gp_text_collapse_space(paragraphs) would all leave
 * `s` as it is (and it is not empty): one pass instead of three copies, for the text
 * that is already clean, which is most text.
 */
int gp_text_is_clean(const gp_foldmap *m, const char *s, size_t len, int paragraphs);

/*
 * Folding with `m`, NFC and gp_text_collapse_space(paragraphs) in one pass, when one
 * pass can tell (most text): appends the result and returns 1. Returns 0, with `out`
 * as it was, when a character may change under NFC or folds to something other than
 * one space, nothing or printable ASCII, or when `m` folds ASCII: then take the three
 * steps. GP_ENOMEM when out of memory.
 */
int gp_text_clean_fast(const gp_foldmap *m, const char *s, size_t len, int paragraphs, gp_buf *out);

/* Damerau-Levenshtein (optimal string alignment) distance between two UTF-8 strings, in
 * code points (an invalid byte counts as one). Allocates nothing for strings of up to 128
 * code points. */
size_t gp_text_edit_distance(const char *a, size_t alen, const char *b, size_t blen);

/* Decodes the code point at s[*i] (advancing *i); U+FFFD for an invalid sequence. */
uint32_t gp_utf8_next(const char *s, size_t len, size_t *i);
/* Appends the UTF-8 encoding of `cp`. */
void gp_utf8_put(gp_buf *out, uint32_t cp);

#ifdef __cplusplus
}
#endif
#endif
