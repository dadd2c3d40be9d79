/*
 * tests/helpers.h - what the unit tests share: the bundled rules, fixture paths,
 * collecting records and diagnostics.
 */
#ifndef GPKIT_TEST_HELPERS_H
#define GPKIT_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gpkit.h"

#define GP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A path under the source tree (static buffer, one at a time). */
const char *th_path(const char *rel);

/* The bundled rules, loaded once per test program and freed by th_teardown_rules. */
gp_ruleset *th_rules(void);
int th_teardown_rules(void **state);

typedef struct th_records {
    gp_arena *arena;
    gp_record *items;
    size_t len, cap;
} th_records;

void th_records_init(th_records *r);
void th_records_free(th_records *r);
/* A gp_record_fn that keeps a deep copy of each record. */
int th_collect(void *ctx, gp_record *rec);

typedef struct th_diags {
    gp_diag_list *list;
    gp_diag_sink sink;
} th_diags;

void th_diags_init(th_diags *d);
void th_diags_free(th_diags *d);
/* Diagnostics with this rule id (NULL: all). */
size_t th_diags_count(const th_diags *d, const char *rule_id);
/* The first diagnostic with this rule id, or NULL. */
const gp_diag *th_diags_find(const th_diags *d, const char *rule_id);

/* Extracts a file (relative to the source tree) with the bundled rules. */
int th_extract(const char *rel, gp_format format, th_records *out, th_diags *diags);
/* Extracts bytes in memory. */
int th_extract_mem(const char *name, const char *data, size_t len, gp_format format,
                   th_records *out, th_diags *diags);

#endif
