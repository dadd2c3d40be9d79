/*
 * gpkit/rules.h - the rule set: the domain knowledge, loaded from YAML.
 *
 * A rule set is one entry file (rules/gpkit.yaml in the bundled set) and the files it
 * includes. It holds the vocabularies (countries on top of iso-codes, regions, topics,
 * priority areas, institutions per country), the typography folding table, the labels
 * and markers of the dump formats, and the checks' levels. The YAML schema is stated
 * at the top of lib/rules_load.c and in docs/rules.md.
 *
 * Loading validates everything and reports each problem (unknown key with a "did you
 * mean", wrong type, duplicate entry, an alias claimed by two entries, a bad regular
 * expression) as an error diagnostic with file:line:column; the load then fails with
 * GP_ERULES.
 *
 * Lookups go through matching keys (gpkit/text.h), so a name is found whatever its case,
 * accents, quotes, dashes or "&"/"and". A gp_ruleset is not thread-safe (lookups use
 * scratch buffers and caches); give each thread its own.
 *
 * Ownership: strings in a gp_resolution belong to the rule set and live until
 * gp_ruleset_free.
 */
#ifndef GPKIT_RULES_H
#define GPKIT_RULES_H

#include <stddef.h>

#include "gpkit/diag.h"
#include "gpkit/text.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_ruleset gp_ruleset;

/*
 * Loads the rule set at `path`: an entry file, or a folder holding gpkit.yaml. NULL
 * means the default (gp_rules_default_path). Problems go to `diags`. Returns GP_OK,
 * GP_EIO when the entry file cannot be opened (one diagnostic with no place: "cannot
 * open rules 'x': reason"), GP_ERULES when the rules have errors, or GP_ENOMEM.
 */
int gp_ruleset_load(gp_ruleset **out, const char *path, gp_diag_sink *diags);
void gp_ruleset_free(gp_ruleset *rs);

/*
 * Where the bundled rules are, first that exists of: $GPKIT_RULES; <dir of the running
 * program>/../share/gpkit/rules; the install prefix's share/gpkit/rules; the source
 * tree's rules/ (for tools run from a build folder). Returns a static string.
 */
const char *gp_rules_default_path(void);

/* The entry file that was loaded. */
const char *gp_ruleset_path(const gp_ruleset *rs);

typedef enum gp_vocab_kind {
    GP_VOCAB_COUNTRY,
    GP_VOCAB_REGION,
    GP_VOCAB_TOPIC,
    GP_VOCAB_PRIORITY_AREA,
    GP_VOCAB_INSTITUTION,
    GP_VOCAB_COUNT
} gp_vocab_kind;

/* "country", "region", "topic", "priority area", "institution". */
const char *gp_vocab_name(gp_vocab_kind kind);

typedef enum gp_match {
    GP_MATCH_NONE = 0, /* no rule knows the value */
    GP_MATCH_EXACT,    /* the canonical spelling itself */
    GP_MATCH_VARIANT,  /* the canonical name but for case, accents, quotes, dashes, spaces */
    GP_MATCH_ALIAS,    /* another name the rules give (alias, ISO name, translation, acronym) */
    GP_MATCH_FORMER    /* an alias whose time of validity ended before the record's year */
} gp_match;

typedef struct gp_resolution {
    gp_match match;
    const char *canonical; /* the canonical value; NULL when match is NONE */
    const char *code;      /* countries: ISO 3166-1 alpha-2 */
    const char *region;    /* countries: the ISSA region, when the rules give it */
    const char *country;   /* institutions: alpha-2 of the country */
    const char *acronym;   /* institutions: acronym, when known */
    const char *alias;     /* the rules' spelling of the name that matched */
    int from, until;       /* its time of validity (0: open) */
    unsigned index;        /* position of the entry in its vocabulary (canonical order) */
    int translation;       /* the name is the value in another language (GP_MATCH_ALIAS) */
} gp_resolution;

/*
 * Resolves `value` in a vocabulary. `year` (0 if unknown) picks among names valid at
 * different times; `country_code` scopes institutions (NULL: only names unique in the
 * whole rule set). Returns GP_OK with res->match == GP_MATCH_NONE for unknown values.
 */
int gp_ruleset_resolve(gp_ruleset *rs, gp_vocab_kind kind, const char *value, size_t len, int year,
                       const char *country_code, gp_resolution *res);

/* Number of canonical entries in a vocabulary, and the canonical name of entry i. */
size_t gp_ruleset_vocab_len(const gp_ruleset *rs, gp_vocab_kind kind);
const char *gp_ruleset_vocab_entry(const gp_ruleset *rs, gp_vocab_kind kind, size_t i);
/* Broader terms of entry i (topics): count, and each canonical name. */
size_t gp_ruleset_broader_len(const gp_ruleset *rs, gp_vocab_kind kind, size_t i);
const char *gp_ruleset_broader(const gp_ruleset *rs, gp_vocab_kind kind, size_t i, size_t k);

/* The typography folding table (never NULL; may be empty). */
const gp_foldmap *gp_ruleset_typography(const gp_ruleset *rs);

/* The ICU-backed text helper owned by the rule set (for keys). */
gp_text *gp_ruleset_text(gp_ruleset *rs);

/*
 * The level the rules give `rule_id`, or `fallback` when they say nothing. Usable as a
 * gp_level_fn with the rule set as context.
 */
gp_severity gp_ruleset_level(void *rs, const char *rule_id, gp_severity fallback);

/* What the rules say about a check (rules/checks.yaml): level and documentation. */
typedef struct gp_check_doc {
    const char *id;
    int has_level;
    gp_severity level;
    const char *description; /* NULL when not documented */
    const char *bad, *good;  /* examples, NULL when none */
} gp_check_doc;

/* The documentation of a check, or NULL when the rules say nothing about it. */
const gp_check_doc *gp_ruleset_check(const gp_ruleset *rs, const char *rule_id);

/* Path of the bundled extraction profile for "html" or "xml", NULL when none. */
const char *gp_ruleset_profile(const gp_ruleset *rs, const char *format);

#ifdef __cplusplus
}
#endif
#endif
