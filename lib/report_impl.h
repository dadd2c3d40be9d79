/*
 * lib/report_impl.h - what lib/report.c (reading the inputs, the page's JSON data) and
 * lib/report_html.c (the page itself) share.
 */
#ifndef GPKIT_REPORT_IMPL_H
#define GPKIT_REPORT_IMPL_H

#include <jansson.h>

#include "gpkit/decisions.h"
#include "gpkit/report.h"
#include "internal.h"

/* Interned strings with a count each: rule ids, files, countries, years. */
typedef struct rp_tab {
    gp_map *map; /* string -> index + 1 */
    char **items;
    size_t *counts;
    size_t len, cap;
} rp_tab;

/* Index of `s` in the table (added when new), or -1 when out of memory. */
int gp__rp_tab_add(rp_tab *t, const char *s, size_t count);

typedef struct rp_finding {
    int rule, file, country; /* indexes in the tables; -1 when none */
    gp_severity level;
    long line, column;
    char *record_id, *pointer, *value, *fix, *message;
    json_t *cluster; /* <kind>.variants: the finding's "cluster" object (checked), else NULL */
    int fixable;     /* the dataset has the record and the field can be fixed */
} rp_finding;

/* Counts by rule and level, for the chart. */
typedef struct rp_rule_level {
    int rule;
    gp_severity level;
    size_t count;
} rp_rule_level;

struct gp_report {
    gp_report_options opts;
    rp_tab rules, files, countries, years, award_years, source_files;
    rp_finding *findings;
    size_t nfindings, findings_cap;
    rp_rule_level *rule_levels;
    size_t nrule_levels, rule_levels_cap;
    json_t *merged, *possible; /* arrays of the clusters as read */
    size_t merged_away;        /* input records merged into another record */
    gp_decisions *decisions;
    gp_map *member_of;  /* merged member id -> id of its group (borrowed from `merged`) */
    gp_map *need;       /* ids whose record the page shows -> gp_buf * (NULL until read) */
    gp_map *country_of; /* dataset id -> country index + 1 */
    gp_buf data;        /* the page's JSON data, already safe inside a script element */
    char key[17];       /* names the page's saved choices in the browser */
    gp_report_stats stats;
    int have_dataset;
};

/* Writes the page's JSON data into r->data (called once, at the end of building). */
int gp__report_data(gp_report *r);

#endif
