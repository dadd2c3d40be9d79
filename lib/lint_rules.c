/*
 * lib/lint_rules.c - the 'lint' section of the rules:
 *
 *   lint:
 *     required: [FIELD, ...]                  # record.required
 *     not_carried:                            # fields a source format never has: not
 *       FORMAT: [FIELD, ...]                  # required of a record all from it
 *     ranges:                                 # record.range
 *       award_year: {min: YEAR, max: YEAR}
 *     patterns:                               # record.pattern (ICU regular expressions)
 *       - field: FIELD
 *         match: REGEX | forbid: REGEX        # the value must (not) match
 *         message: TEXT                       # what a curator reads
 *     footers: [REGEX, ...]                   # text.footer: page footers left in text
 *     suppressions:                           # findings a curator has accepted
 *       - rule: RULE-ID
 *         record: ID                          # optional: every record when absent
 *         reason: TEXT                        # required: why it is accepted
 *     discovery:
 *       stopwords: [WORD, ...]                # ignored by the word-order fingerprint
 */
#include <stdlib.h>
#include <string.h>

#include "gpkit/checks.h"
#include "lint_impl.h"
#include "ydoc.h"

static const struct gp_lint_rules empty_rules;

const struct gp_lint_rules *gp__lint_rules(const gp_ruleset *rs)
{
    return rs && rs->lint ? rs->lint : &empty_rules;
}

struct gp_lint_rules *gp__lint_rules_mut(gp_ruleset *rs)
{
    return rs ? rs->lint : NULL;
}

static int field_of(gp_ydoc *d, yaml_node_t *n, const char *what)
{
    const char *name = gp_y_string(d, n, what);
    if (!name)
        return -1;
    int f = gp_field_lookup(name, strlen(name));
    if (f < 0 || f == GP_F_SOURCES) {
        const char *fields[GP_F_COUNT + 1];
        for (int i = 0; i < GP_F_COUNT; i++)
            fields[i] = gp_field_name((gp_field)i);
        fields[GP_F_COUNT] = NULL;
        const char *hint = gp_y_suggest(name, fields);
        gp_y_error(d, n, "rules.reference", "'%s' is not a record field%s%s%s", name,
                   hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
        return -1;
    }
    return f;
}

static gp_regex *compile(gp_ydoc *d, yaml_node_t *n, const char *what)
{
    const char *pat = gp_y_string(d, n, what);
    if (!pat)
        return NULL;
    gp_regex *re = NULL;
    char err[64];
    long off = 0;
    if (gp_regex_compile(&re, pat, 0, err, sizeof err, &off) == GP_EPARSE)
        gp_y_error(d, n, "rules.regex", "bad regular expression in %s: %s at character %ld", what,
                   err, off + 1);
    return re;
}

static void read_ranges(gp_ydoc *d, yaml_node_t *node, struct gp_lint_rules *lr)
{
    static const char *const keys[] = {"award_year", "implementation_year", NULL};
    if (gp_y_check_map(d, node, "'ranges'", keys) != 0)
        return;
    for (size_t i = 0; keys[i]; i++) {
        yaml_node_t *r = gp_y_get(d, node, keys[i]);
        if (!r)
            continue;
        static const char *const rkeys[] = {"min", "max", NULL};
        if (gp_y_check_map(d, r, "a range", rkeys) != 0)
            continue;
        gp_lint_range *range = &lr->ranges[gp_field_lookup(keys[i], strlen(keys[i]))];
        range->set = 1;
        range->min = 1000;
        range->max = 2999;
        yaml_node_t *v;
        if ((v = gp_y_get(d, r, "min")))
            gp_y_int(d, v, "'min'", 1000, 2999, &range->min);
        if ((v = gp_y_get(d, r, "max")))
            gp_y_int(d, v, "'max'", 1000, 2999, &range->max);
        if (range->min > range->max)
            gp_y_error(d, r, "rules.range", "'min' %ld is above 'max' %ld", range->min, range->max);
    }
}

static void read_patterns(gp_ydoc *d, yaml_node_t *node, struct gp_lint_rules *lr)
{
    if (!gp_y_is_seq(node)) {
        gp_y_error(d, node, "rules.type", "'patterns' must be a list");
        return;
    }
    static const char *const keys[] = {"field", "match", "forbid", "message", NULL};
    for (size_t i = 0; i < gp_y_seq_len(node); i++) {
        yaml_node_t *item = gp_y_seq_item(d, node, i);
        if (gp_y_check_map(d, item, "a pattern", keys) != 0)
            continue;
        yaml_node_t *fn = gp_y_get(d, item, "field"), *m = gp_y_get(d, item, "match"),
                    *fb = gp_y_get(d, item, "forbid"), *msg = gp_y_get(d, item, "message");
        if (!fn || !msg || (!m == !fb)) {
            gp_y_error(d, item, "rules.missing-key",
                       "a pattern needs 'field', 'message' and one of 'match' or 'forbid'");
            continue;
        }
        int f = field_of(d, fn, "'field'");
        const char *text = gp_y_string(d, msg, "'message'");
        gp_regex *re = compile(d, m ? m : fb, "a pattern");
        if (f < 0 || !text || !re) {
            gp_regex_free(re);
            continue;
        }
        if (GP_GROW(lr->patterns, lr->patterns_cap, lr->npatterns + 1) != GP_OK) {
            gp_regex_free(re);
            return;
        }
        gp_lint_pattern *p = &lr->patterns[lr->npatterns++];
        p->field = (gp_field)f;
        p->re = re;
        p->forbid = fb != NULL;
        p->message = gp__strdup(text);
    }
}

static void read_suppressions(gp_ydoc *d, yaml_node_t *node, struct gp_lint_rules *lr)
{
    if (!gp_y_is_seq(node)) {
        gp_y_error(d, node, "rules.type", "'suppressions' must be a list");
        return;
    }
    static const char *const keys[] = {"rule", "record", "reason", NULL};
    for (size_t i = 0; i < gp_y_seq_len(node); i++) {
        yaml_node_t *item = gp_y_seq_item(d, node, i);
        if (gp_y_check_map(d, item, "a suppression", keys) != 0)
            continue;
        yaml_node_t *rn = gp_y_get(d, item, "rule"), *rec = gp_y_get(d, item, "record"),
                    *why = gp_y_get(d, item, "reason");
        if (!rn || !why) {
            gp_y_error(d, item, "rules.missing-key",
                       "a suppression needs a 'rule' and a 'reason' (why it is accepted)");
            continue;
        }
        const char *rule = gp_y_string(d, rn, "'rule'");
        const char *reason = gp_y_string(d, why, "'reason'");
        const char *record = rec ? gp_y_string(d, rec, "'record'") : NULL;
        if (!rule || !reason || (rec && !record))
            continue;
        if (!gp_checks_find(rule)) {
            gp_y_error(d, rn, "rules.unknown-check", "unknown check '%s'", rule);
            continue;
        }
        if (GP_GROW(lr->suppressions, lr->suppressions_cap, lr->nsuppressions + 1) != GP_OK)
            return;
        gp_lint_suppression *sp = &lr->suppressions[lr->nsuppressions++];
        memset(sp, 0, sizeof *sp);
        sp->rule = gp__strdup(rule);
        sp->record = gp__strdup(record);
        sp->reason = gp__strdup(reason);
        sp->file = gp__strdup(d->file);
        sp->line = gp_y_line(item);
    }
}

void gp__lint_rules_read(gp_ruleset *rs, struct gp_ydoc *d, struct yaml_node_s *node)
{
    static const char *const keys[] = {"required", "not_carried",  "ranges",    "patterns",
                                       "footers",  "suppressions", "discovery", NULL};
    if (gp_y_check_map(d, node, "'lint'", keys) != 0)
        return;
    if (!rs->lint && !(rs->lint = calloc(1, sizeof *rs->lint)))
        return;
    struct gp_lint_rules *lr = rs->lint;
    yaml_node_t *n;
    if ((n = gp_y_get(d, node, "required"))) {
        if (!gp_y_is_seq(n))
            gp_y_error(d, n, "rules.type", "'required' must be a list of fields");
        for (size_t i = 0; i < gp_y_seq_len(n); i++) {
            int f = field_of(d, gp_y_seq_item(d, n, i), "a required field");
            if (f >= 0)
                lr->required |= 1u << f;
        }
    }
    if ((n = gp_y_get(d, node, "not_carried"))) {
        if (!gp_y_is_map(n))
            gp_y_error(d, n, "rules.type", "'not_carried' must map formats to lists of fields");
        for (size_t i = 0; gp_y_is_map(n) && i < gp_y_map_len(n); i++) {
            const char *name = gp_y_scalar(gp_y_map_key(d, n, i));
            yaml_node_t *list = gp_y_map_value(d, n, i);
            gp_format fmt;
            if (!name || gp_format_parse(name, &fmt) != 0 || fmt == GP_FORMAT_AUTO) {
                gp_y_error(d, gp_y_map_key(d, n, i), "rules.reference",
                           "'not_carried' names an unknown format '%s'", name ? name : "");
                continue;
            }
            if (!gp_y_is_seq(list)) {
                gp_y_error(d, list, "rules.type", "'not_carried.%s' must be a list of fields",
                           name);
                continue;
            }
            for (size_t k = 0; k < gp_y_seq_len(list); k++) {
                int f = field_of(d, gp_y_seq_item(d, list, k), "a field");
                if (f >= 0)
                    lr->not_carried[fmt] |= 1u << f;
            }
        }
    }
    if ((n = gp_y_get(d, node, "ranges")))
        read_ranges(d, n, lr);
    if ((n = gp_y_get(d, node, "patterns")))
        read_patterns(d, n, lr);
    if ((n = gp_y_get(d, node, "footers"))) {
        if (!gp_y_is_seq(n))
            gp_y_error(d, n, "rules.type", "'footers' must be a list of regular expressions");
        for (size_t i = 0; i < gp_y_seq_len(n); i++) {
            gp_regex *re = compile(d, gp_y_seq_item(d, n, i), "a footer");
            if (re && GP_GROW(lr->footers, lr->footers_cap, lr->nfooters + 1) == GP_OK)
                lr->footers[lr->nfooters++] = re;
            else
                gp_regex_free(re);
        }
    }
    if ((n = gp_y_get(d, node, "suppressions")))
        read_suppressions(d, n, lr);
    if ((n = gp_y_get(d, node, "discovery"))) {
        static const char *const dkeys[] = {"stopwords", NULL};
        yaml_node_t *sw;
        if (gp_y_check_map(d, n, "'discovery'", dkeys) == 0 && (sw = gp_y_get(d, n, "stopwords"))) {
            if (!gp_y_is_seq(sw))
                gp_y_error(d, sw, "rules.type", "'stopwords' must be a list of words");
            for (size_t i = 0; i < gp_y_seq_len(sw); i++) {
                const char *w = gp_y_string(d, gp_y_seq_item(d, sw, i), "a stopword");
                if (w && GP_GROW(lr->stopwords, lr->stopwords_cap, lr->nstopwords + 1) == GP_OK)
                    lr->stopwords[lr->nstopwords++] = gp__strdup(w);
            }
        }
    }
}

void gp__lint_rules_free(struct gp_lint_rules *lr)
{
    if (!lr)
        return;
    for (size_t i = 0; i < lr->npatterns; i++) {
        gp_regex_free(lr->patterns[i].re);
        free(lr->patterns[i].message);
    }
    for (size_t i = 0; i < lr->nfooters; i++)
        gp_regex_free(lr->footers[i]);
    for (size_t i = 0; i < lr->nsuppressions; i++) {
        free(lr->suppressions[i].rule);
        free(lr->suppressions[i].record);
        free(lr->suppressions[i].reason);
        free(lr->suppressions[i].file);
    }
    for (size_t i = 0; i < lr->nstopwords; i++)
        free(lr->stopwords[i]);
    free(lr->patterns);
    free(lr->footers);
    free(lr->suppressions);
    free(lr->stopwords);
    free(lr);
}
