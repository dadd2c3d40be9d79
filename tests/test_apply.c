/*
 * tests/test_apply.c - curator fixes applied to the seed records.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static const char *const seeds[] = {
    "fixtures/seeds/booklet-asia-pacific-2018.txt",  "fixtures/seeds/listing-azerbaijan-israel.txt",
    "fixtures/seeds/listing-europe-award-2024.txt",  "fixtures/seeds/listing-implemented-2015.txt",
    "fixtures/seeds/listing-korea-split-header.txt",
};

typedef struct fixture {
    th_records raw; /* every seed record, as extracted */
    th_diags diags; /* what loading and applying report */
    gp_decisions *decisions;
    gp_applier *apply;
    gp_arena *arena;
    gp_buf line;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    th_records_init(&f->raw);
    th_diags_init(&f->diags);
    for (size_t i = 0; i < GP_ARRAY_LEN(seeds); i++)
        assert_int_equal(th_extract(seeds[i], GP_FORMAT_AUTO, &f->raw, &f->diags), GP_OK);
    assert_int_equal(f->raw.len, 277);
    assert_int_equal(gp_arena_new(&f->arena), GP_OK);
    th_diags_free(&f->diags);
    th_diags_init(&f->diags);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    gp_applier_free(f->apply);
    gp_decisions_free(f->decisions);
    th_records_free(&f->raw);
    th_diags_free(&f->diags);
    gp_arena_free(f->arena);
    gp_buf_free(&f->line);
    free(f);
    return 0;
}

static void load(fixture *f, const char *rel)
{
    assert_int_equal(gp_decisions_load(&f->decisions, th_path(rel), &f->diags.sink), GP_OK);
    assert_int_equal(gp_applier_new(&f->apply, th_rules(), f->decisions, &f->diags.sink), GP_OK);
}

/* Copies of every seed record through gp_apply_record, in input order. */
static gp_record *apply_all(fixture *f)
{
    gp_record *out = calloc(f->raw.len, sizeof *out);
    for (size_t i = 0; i < f->raw.len; i++) {
        assert_int_equal(gp_record_copy(&out[i], &f->raw.items[i], f->arena), GP_OK);
        assert_int_equal(gp_apply_record(f->apply, &out[i]), GP_OK);
    }
    return out;
}

/* The records of one id in `recs`, in input order (at most 4). */
static size_t with_id(gp_record *recs, size_t n, const char *id, gp_record **found)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(recs[i].id, id) == 0 && k < 4)
            found[k++] = &recs[i];
    return k;
}

static void test_apply__without_fixes_writes_the_bytes_gp_norm_writes(void **state)
{
    fixture *f = *state;
    /* merges and distinct pairs only: gp-dedup's, so nothing changes here */
    load(f, "fixtures/decisions/korea-certificates.yaml");
    gp_normalizer *norm;
    th_diags quiet;
    th_diags_init(&quiet);
    assert_int_equal(gp_normalizer_new(&norm, th_rules(), &quiet.sink), GP_OK);
    gp_buf want = GP_BUF_INIT;
    for (size_t i = 0; i < f->raw.len; i++) {
        gp_record a, b;
        assert_int_equal(gp_record_copy(&a, &f->raw.items[i], f->arena), GP_OK);
        assert_int_equal(gp_record_copy(&b, &f->raw.items[i], f->arena), GP_OK);
        assert_int_equal(gp_norm_record(norm, &a), GP_OK);
        assert_int_equal(gp_apply_record(f->apply, &b), GP_OK);
        gp_record_write_json(&a, &want, 0);
        gp_record_write_json(&b, &f->line, 0);
    }
    assert_int_equal(f->line.len, want.len);
    assert_memory_equal(f->line.data, want.data, want.len);
    assert_int_equal(gp_apply_finish(f->apply), GP_OK);
    assert_int_equal(th_diags_count(&f->diags, NULL), 0);
    const gp_apply_stats *s = gp_applier_stats(f->apply);
    assert_int_equal(s->records, 277);
    assert_int_equal(s->records_fixed, 0);
    assert_int_equal(s->left_to_dedup, 2);
    gp_buf_free(&want);
    gp_normalizer_free(norm);
    th_diags_free(&quiet);
}

static void test_apply__fixed_record_keeps_its_id(void **state)
{
    fixture *f = *state;
    load(f, "fixtures/decisions/fix-sets-summary-keeps-id.yaml");
    gp_record *recs = apply_all(f);
    gp_record *hit[4];
    assert_int_equal(with_id(recs, f->raw.len, "gp-0cc14dacd4e077d8", hit), 1);
    assert_string_equal(hit[0]->description, "The National Pension Service (NPS) of the Republic "
                                             "of Korea has recently introduced a number of "
                                             "initiatives to support members who are about to "
                                             "retire.");
    assert_int_equal(hit[0]->implementation_year.value, 2017);
    /* the content now gives another id; the record keeps the one its decision names */
    gp_normalizer *norm;
    th_diags quiet;
    th_diags_init(&quiet);
    assert_int_equal(gp_normalizer_new(&norm, th_rules(), &quiet.sink), GP_OK);
    char id[24];
    assert_int_equal(gp_norm_id(norm, hit[0], id, sizeof id), GP_OK);
    assert_string_not_equal(id, "gp-0cc14dacd4e077d8");
    gp_normalizer_free(norm);
    th_diags_free(&quiet);
    assert_int_equal(gp_apply_finish(f->apply), GP_OK);
    assert_int_equal(th_diags_count(&f->diags, NULL), 0);
    assert_int_equal(gp_applier_stats(f->apply)->fields_set, 2);
    assert_int_equal(gp_applier_stats(f->apply)->records_fixed, 1);
    free(recs);
}

static void test_apply__values_compare_as_gp_norm_writes_them(void **state)
{
    fixture *f = *state;
    load(f, "fixtures/decisions/fix-already-applied.yaml");
    gp_record *recs = apply_all(f);
    gp_record *hit[4];
    /* the booklet copy has the title already (doubled space, U+2011 hyphen folded) ... */
    assert_int_equal(with_id(recs, f->raw.len, "gp-d0f28e19dbdb1c0d", hit), 2);
    assert_string_equal(hit[0]->title, "Increasing pension enrolment of non-regular workers");
    /* ... the listing copy had none and takes it, in canonical form */
    assert_string_equal(hit[1]->title, "Increasing pension enrolment of non-regular workers");
    /* topics in another order are the same topics */
    assert_int_equal(with_id(recs, f->raw.len, "gp-3e835a275efa1eff", hit), 1);
    assert_string_equal(hit[0]->topics.items[0], "Family benefits");
    assert_int_equal(gp_apply_finish(f->apply), GP_OK);
    /* the title was needed by one copy: not said; year and topics were not needed at all */
    assert_int_equal(th_diags_count(&f->diags, NULL), 2);
    assert_int_equal(th_diags_count(&f->diags, "decision.already-applied"), 2);
    const gp_diag *g = th_diags_find(&f->diags, "decision.already-applied");
    assert_int_equal(g->severity, GP_SEV_INFO);
    assert_string_equal(g->record_id, "gp-3e835a275efa1eff");
    assert_string_equal(g->pointer, "/implementation_year");
    assert_int_equal(g->line, 9);
    assert_int_equal(g->column, 26);
    assert_non_null(strstr(g->message, "already has implementation_year 2021; the fix can go"));
    assert_string_equal(g->value, "2021");
    const gp_apply_stats *s = gp_applier_stats(f->apply);
    assert_int_equal(s->fields_set, 1);
    assert_int_equal(s->already_applied, 3);
    free(recs);
}

static void test_apply__conflict_keeps_the_field_and_sets_the_others(void **state)
{
    fixture *f = *state;
    load(f, "fixtures/decisions/fix-conflict.yaml");
    gp_record *recs = apply_all(f);
    gp_record *hit[4];
    assert_int_equal(with_id(recs, f->raw.len, "gp-10e619eef32152b1", hit), 3);
    for (size_t i = 0; i < 3; i++) /* every copy of the id gets the title */
        assert_string_equal(hit[i]->title,
                            "Proactive assignment of social benefits driven by artificial "
                            "intelligence");
    /* the two copies the curator saw take the topics; the changed one keeps its own */
    size_t with_ai = 0, kept = 0;
    for (size_t i = 0; i < 3; i++) {
        int ai = 0;
        for (size_t k = 0; k < hit[i]->topics.len; k++)
            ai |= strcmp(hit[i]->topics.items[k], "Artificial intelligence") == 0;
        with_ai += ai;
        kept += !ai && hit[i]->topics.len == 10;
    }
    assert_int_equal(with_ai, 2);
    assert_int_equal(kept, 1);
    assert_int_equal(th_diags_count(&f->diags, "decision.conflict"), 1);
    const gp_diag *g = th_diags_find(&f->diags, "decision.conflict");
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_string_equal(g->file, th_path("fixtures/decisions/fix-conflict.yaml"));
    assert_int_equal(g->line, 9);
    assert_int_equal(g->column, 13);
    assert_string_equal(g->record_id, "gp-10e619eef32152b1");
    assert_non_null(strstr(g->message, "has topics ['Old-age pensions'"));
    assert_non_null(strstr(g->message, "'Automated processing', and 2 more], neither"));
    const gp_apply_stats *s = gp_applier_stats(f->apply);
    assert_int_equal(s->fields_set, 5);
    assert_int_equal(s->conflicts, 1);
    assert_int_equal(s->records_fixed, 3);
    free(recs);
}

static void test_apply__unknown_id_is_said_at_the_end(void **state)
{
    fixture *f = *state;
    load(f, "fixtures/decisions/fix-unknown-id.yaml");
    gp_record *recs = apply_all(f);
    assert_int_equal(th_diags_count(&f->diags, NULL), 0);
    assert_int_equal(gp_apply_finish(f->apply), GP_OK);
    assert_int_equal(gp_apply_finish(f->apply), GP_OK); /* said once */
    assert_int_equal(th_diags_count(&f->diags, NULL), 1);
    const gp_diag *g = th_diags_find(&f->diags, "decision.unknown-id");
    assert_non_null(g);
    assert_string_equal(g->record_id, "gp-ffffffffffffffff");
    assert_int_equal(g->line, 5);
    assert_int_equal(g->column, 9);
    assert_int_equal(gp_applier_stats(f->apply)->unknown_ids, 1);
    assert_int_equal(gp_applier_stats(f->apply)->records_fixed, 2);
    free(recs);
}

static void test_apply__entries_of_one_id_apply_in_file_order(void **state)
{
    fixture *f = *state;
    load(f, "fixtures/decisions/two-fixes-one-id.yaml");
    gp_record *recs = apply_all(f);
    gp_record *hit[4];
    assert_int_equal(with_id(recs, f->raw.len, "gp-0cc14dacd4e077d8", hit), 1);
    assert_string_equal(hit[0]->title, "Services to prepare members for retirement");
    assert_int_equal(hit[0]->implementation_year.value, 2017);
    assert_int_equal(gp_apply_finish(f->apply), GP_OK);
    assert_int_equal(th_diags_count(&f->diags, NULL), 0);
    assert_int_equal(gp_applier_stats(f->apply)->fields_set, 3);
    assert_int_equal(gp_applier_stats(f->apply)->records_fixed, 1);
    free(recs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_apply__without_fixes_writes_the_bytes_gp_norm_writes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply__fixed_record_keeps_its_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply__values_compare_as_gp_norm_writes_them, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_apply__conflict_keeps_the_field_and_sets_the_others,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply__unknown_id_is_said_at_the_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply__entries_of_one_id_apply_in_file_order, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
