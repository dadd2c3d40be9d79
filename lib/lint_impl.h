/*
 * lib/lint_impl.h - the 'lint' section of the rules, as the lint modules use it.
 */
#ifndef GPKIT_LINT_IMPL_H
#define GPKIT_LINT_IMPL_H

#include "gpkit/record.h"
#include "regex.h"
#include "rules_impl.h"

typedef struct gp_lint_pattern {
    gp_field field;
    gp_regex *re;
    int forbid; /* the value must not match (else: must match) */
    char *message;
} gp_lint_pattern;

typedef struct gp_lint_suppression {
    char *rule;
    char *record; /* a record id, or NULL for every record */
    char *reason;
    char *file;
    long line;
    size_t used;
} gp_lint_suppression;

typedef struct gp_lint_range {
    int set;
    long min, max;
} gp_lint_range;

struct gp_lint_rules {
    unsigned required; /* bit (1 << gp_field) per required field */
    gp_lint_range ranges[GP_F_COUNT];
    gp_lint_pattern *patterns;
    size_t npatterns, patterns_cap;
    gp_regex **footers;
    size_t nfooters, footers_cap;
    gp_lint_suppression *suppressions;
    size_t nsuppressions, suppressions_cap;
    char **stopwords;
    size_t nstopwords, stopwords_cap;
};

/* The lint section, or an empty one when the rules have none (never NULL). */
const struct gp_lint_rules *gp__lint_rules(const gp_ruleset *rs);
/* Writable access for the suppressions' use counts. */
struct gp_lint_rules *gp__lint_rules_mut(gp_ruleset *rs);

#endif
