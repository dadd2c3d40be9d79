/*
 * lib/regex.h - ICU regular expressions over UTF-8 text (rule patterns, booklet markers).
 *
 * Patterns are ICU syntax (like Java's). Matching runs on UTF-8 through a UText, so no
 * text is converted; group offsets are byte offsets into the text.
 */
#ifndef GPKIT_REGEX_H
#define GPKIT_REGEX_H

#include <stddef.h>

typedef struct gp_regex gp_regex;

/*
 * Compiles `pattern` (UTF-8). On a syntax error returns GP_EPARSE and writes ICU's
 * reason to `err` and the offset in the pattern (in characters, from 0) to *err_offset.
 */
int gp_regex_compile(gp_regex **out, const char *pattern, int case_insensitive, char *err,
                     size_t errlen, long *err_offset);
void gp_regex_free(gp_regex *re);
const char *gp_regex_pattern(const gp_regex *re);
/* The text every match contains, found from the pattern (NULL when none is certain). */
const char *gp__regex_literal(gp_regex *re);

/* 1 when the pattern matches the whole text (`whole`) or somewhere in it, 0 when not. */
int gp_regex_match(gp_regex *re, const char *text, size_t len, int whole);
/* After a match: the byte span of the named group; 0 when the group did not take part. */
int gp_regex_group(gp_regex *re, const char *name, size_t *start, size_t *end);
/* After a match: the byte span of the whole match. */
void gp_regex_span(gp_regex *re, size_t *start, size_t *end);
/* Next match after the previous one (for scanning a text): 1 found, 0 none. */
int gp_regex_find_next(gp_regex *re);

#endif
