/*
 * lib/rules_impl.h - the inside of a gp_ruleset, for the library's own modules.
 *
 * Vocabulary layout: `entries` holds the canonical values in the order the rules give
 * them (that order is the canonical order of topic lists). `names` maps a matching key
 * to a chain of gp_name, one per spelling that resolves to an entry, each with its time
 * of validity. Institution keys are prefixed with the country code and a 0x1F byte,
 * because an institution name or acronym only means something within its country;
 * `global` maps bare keys of institution names (not acronyms) to their chains too, and
 * is used when the country is unknown and the name is unique.
 */
#ifndef GPKIT_RULES_IMPL_H
#define GPKIT_RULES_IMPL_H

#include "gpkit/rules.h"
#include "internal.h"
#include "regex.h"

enum gp_name_kind {
    GP_NAME_CANONICAL,
    GP_NAME_ALIAS,              /* written in the rules */
    GP_NAME_ACRONYM,            /* institutions */
    GP_NAME_STANDARD,           /* iso-codes' official and common names */
    GP_NAME_TRANSLATION,        /* ICU's display names in other languages */
    GP_NAME_WRITTEN_TRANSLATION /* written in the rules: a label in another of the site's
                                   languages (`translations:`) */
};

typedef struct gp_name {
    unsigned entry;
    int from, until; /* 0: open */
    const char *spelling;
    const char *file; /* where the rules define it; NULL for generated names */
    long line, column;
    int kind;
    struct gp_name *next;
} gp_name;

typedef struct gp_entry {
    const char *name;
    const char *key;
    const char *code;    /* countries */
    const char *region;  /* countries: canonical region */
    const char *country; /* institutions: alpha-2 */
    const char *acronym; /* institutions */
    const char **broader;
    size_t nbroader;
    const char *file;
    long line, column;
} gp_entry;

typedef struct gp_vocab {
    gp_entry *entries;
    size_t len, cap;
    gp_map *names;
    gp_map *global; /* institutions only */
} gp_vocab;

typedef struct gp_label {
    const char *text;
    const char *key;
    size_t keylen;
} gp_label;

typedef struct gp_labels {
    gp_label *items;
    size_t len, cap;
} gp_labels;

enum {
    GP_LISTING_IMPLEMENTATION_YEAR,
    GP_LISTING_AWARD_YEAR,
    GP_LISTING_TOPICS,
    GP_LISTING_LABELS
};

typedef struct gp_listing_rules {
    gp_labels labels[GP_LISTING_LABELS];
    const char **separators; /* header separators such as " , " */
    size_t nseparators, separators_cap;
} gp_listing_rules;

typedef struct gp_booklet_section {
    const char *heading;
    const char *key;
    const char *award;
} gp_booklet_section;

enum { GP_BOOKLET_PRIORITY_AREAS, GP_BOOKLET_SUMMARY, GP_BOOKLET_JURY_COMMENT, GP_BOOKLET_LABELS };

typedef struct gp_booklet_rules {
    gp_regex **headings; /* named groups: region, year */
    size_t nheadings, headings_cap;
    gp_booklet_section *sections;
    size_t nsections, sections_cap;
    gp_labels labels[GP_BOOKLET_LABELS];
    gp_regex **footers;
    size_t nfooters, footers_cap;
} gp_booklet_rules;

/* Single-practice pages: the newer site's and the old site's. */
enum { GP_PRACTICE_IMPLEMENTATION_YEAR, GP_PRACTICE_TOPICS, GP_PRACTICE_LABELS };

typedef struct gp_practice_rules {
    gp_labels labels[GP_PRACTICE_LABELS];
    const char **bullets; /* marks opening a list item in a description ("•") */
    size_t nbullets, bullets_cap;
} gp_practice_rules;

typedef struct gp_old_practice_rules {
    const char **separators; /* between institution and country (" | ") */
    size_t nseparators, separators_cap;
    gp_regex **chrome; /* lines of the site's chrome, dropped before the practice */
    size_t nchrome, chrome_cap;
} gp_old_practice_rules;

/* Sections read by other modules (lib/lint_rules.c, lib/dedup_rules.c). */
struct gp_lint_rules;
struct gp_dedup_rules;

struct gp_ruleset {
    char *path;
    gp_arena *arena;
    gp_text *text;
    gp_buf key;
    gp_diag_sink *diags;
    int errors;

    gp_vocab vocab[GP_VOCAB_COUNT];
    gp_foldmap *typography;
    gp_listing_rules listing;
    gp_booklet_rules booklet;
    gp_practice_rules practice;
    gp_old_practice_rules old_practice;
    const char *profile_html;
    const char *profile_xml;
    gp_map *levels;               /* rule id -> gp_level */
    struct gp_lint_rules *lint;   /* NULL when no file has a 'lint' section */
    struct gp_dedup_rules *dedup; /* NULL when no file has a 'dedup' section */

    /* what the files declared, resolved once all of them are read */
    struct gp_decls *decls;
    gp_map *files; /* real paths already loaded */
};

/* Matching key of `s` in rs->key (reset first); returns its length or a GP_E code. */
long gp__rules_key(gp_ruleset *rs, const char *s, size_t len);

/* Whether `line` is one of the labels; sets *value to text after the label on the line. */
int gp__labels_match(gp_ruleset *rs, const gp_labels *labels, const char *line, size_t len,
                     const char **value, size_t *vlen);

/*
 * Readers of the sections other modules own. Each is called once per file that has the
 * section, reports problems through gp_y_error and keeps what it read in the rule set
 * (allocating its struct on the first call); the free functions accept NULL.
 */
struct gp_ydoc;
struct yaml_node_s;
void gp__lint_rules_read(gp_ruleset *rs, struct gp_ydoc *d, struct yaml_node_s *node);
void gp__lint_rules_free(struct gp_lint_rules *r);
void gp__dedup_rules_read(gp_ruleset *rs, struct gp_ydoc *d, struct yaml_node_s *node);
void gp__dedup_rules_free(struct gp_dedup_rules *r);

#endif
