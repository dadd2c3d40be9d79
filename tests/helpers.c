/*
 * tests/helpers.c - shared test plumbing.
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gp_ruleset *rules;

const char *th_path(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", GP_SOURCE_DIR, rel);
    return buf;
}

static int print_diag(void *ctx, const gp_diag *d)
{
    (void)ctx;
    gp_diag_print_human(stderr, d, 0);
    return 0;
}

gp_ruleset *th_rules(void)
{
    if (!rules) {
        gp_diag_sink sink;
        gp_diag_sink_init(&sink, print_diag, NULL);
        int rc = gp_ruleset_load(&rules, th_path("rules"), &sink);
        assert_int_equal(rc, GP_OK);
    }
    return rules;
}

int th_teardown_rules(void **state)
{
    (void)state;
    gp_ruleset_free(rules);
    rules = NULL;
    gp_global_cleanup();
    return 0;
}

void th_records_init(th_records *r)
{
    memset(r, 0, sizeof *r);
    assert_int_equal(gp_arena_new(&r->arena), 0);
}

void th_records_free(th_records *r)
{
    free(r->items);
    gp_arena_free(r->arena);
    memset(r, 0, sizeof *r);
}

int th_collect(void *ctx, gp_record *rec)
{
    th_records *r = ctx;
    if (r->len == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->items = realloc(r->items, r->cap * sizeof *r->items);
        assert_non_null(r->items);
    }
    assert_int_equal(gp_record_copy(&r->items[r->len], rec, r->arena), GP_OK);
    r->len++;
    return 0;
}

void th_diags_init(th_diags *d)
{
    assert_int_equal(gp_diag_list_new(&d->list), GP_OK);
    gp_diag_sink_init(&d->sink, gp_diag_list_collect, d->list);
}

void th_diags_free(th_diags *d)
{
    gp_diag_list_free(d->list);
    d->list = NULL;
}

size_t th_diags_count(const th_diags *d, const char *rule_id)
{
    size_t n = 0;
    for (size_t i = 0; i < gp_diag_list_len(d->list); i++) {
        const gp_diag *g = gp_diag_list_get(d->list, i);
        if (!rule_id || (g->rule_id && strcmp(g->rule_id, rule_id) == 0))
            n++;
    }
    return n;
}

const gp_diag *th_diags_find(const th_diags *d, const char *rule_id)
{
    for (size_t i = 0; i < gp_diag_list_len(d->list); i++) {
        const gp_diag *g = gp_diag_list_get(d->list, i);
        if (g->rule_id && strcmp(g->rule_id, rule_id) == 0)
            return g;
    }
    return NULL;
}

static int extract(const char *rel, const char *data, size_t len, gp_format format, th_records *out,
                   th_diags *diags)
{
    gp_extract_options opts = {format, NULL};
    gp_extractor *ex;
    assert_int_equal(gp_extractor_new(&ex, th_rules(), &opts, &diags->sink), GP_OK);
    int rc = data ? gp_extract_mem(ex, rel, data, len, th_collect, out)
                  : gp_extract_file(ex, th_path(rel), rel, th_collect, out);
    gp_extractor_free(ex);
    return rc;
}

int th_extract(const char *rel, gp_format format, th_records *out, th_diags *diags)
{
    return extract(rel, NULL, 0, format, out, diags);
}

int th_extract_mem(const char *name, const char *data, size_t len, gp_format format,
                   th_records *out, th_diags *diags)
{
    return extract(name, data, len, format, out, diags);
}
