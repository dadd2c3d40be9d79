/*
 * tests/test_decisions.c - reading a curator decisions file.
 */
#include <string.h>

#include "helpers.h"

static void test_decisions__every_kind_is_read_in_order(void **state)
{
    (void)state;
    th_diags diags;
    th_diags_init(&diags);
    gp_decisions *ds;
    assert_int_equal(
        gp_decisions_load(&ds, th_path("fixtures/decisions/all-kinds.yaml"), &diags.sink), GP_OK);
    assert_int_equal(th_diags_count(&diags, NULL), 0);
    assert_int_equal(gp_decisions_count(ds), 4);
    /* merges, then distinct entries, then fixes, each in the order of the file */
    const gp_decision *m1 = gp_decisions_get(ds, 0), *m2 = gp_decisions_get(ds, 1);
    const gp_decision *di = gp_decisions_get(ds, 2), *fx = gp_decisions_get(ds, 3);
    assert_null(gp_decisions_get(ds, 4));
    assert_int_equal(m1->kind, GP_DECISION_MERGE);
    assert_int_equal(m1->nids, 2);
    assert_string_equal(m1->ids[1], "gp-f8094f135f02a9e7");
    assert_null(m1->reason);
    assert_int_equal(m1->line, 15);
    assert_int_equal(m1->id_columns[1], 27);
    assert_int_equal(m2->nids, 3);
    assert_string_equal(m2->reason, "one practice");
    assert_int_equal(di->kind, GP_DECISION_DISTINCT);
    assert_string_equal(di->reason, "two programmes");
    assert_int_equal(fx->kind, GP_DECISION_FIX);
    assert_int_equal(fx->nids, 1);
    assert_string_equal(fx->ids[0], "gp-3e835a275efa1eff");
    assert_int_equal(fx->nfixes, 4);
    assert_string_equal(fx->file, th_path("fixtures/decisions/all-kinds.yaml"));
    gp_decisions_free(ds);
    th_diags_free(&diags);
}

static void test_decisions__fix_sets_the_fields(void **state)
{
    (void)state;
    th_diags diags;
    th_diags_init(&diags);
    gp_decisions *ds;
    assert_int_equal(
        gp_decisions_load(&ds, th_path("fixtures/decisions/all-kinds.yaml"), &diags.sink), GP_OK);
    const gp_decision *fx = gp_decisions_get(ds, 3);
    gp_arena *arena;
    assert_int_equal(gp_arena_new(&arena), GP_OK);
    gp_record rec;
    gp_record_init(&rec, arena);
    assert_int_equal(gp_record_set(&rec, GP_F_JURY_COMMENT, "a comment", 9), GP_OK);
    rec.implementation_year.value = 2022;
    assert_int_equal(gp_decision_apply(fx, &rec), GP_OK);
    assert_int_equal(rec.implementation_year.value, 2021);
    assert_string_equal(rec.title, "Family programmes handled by ZUS");
    assert_int_equal(rec.topics.len, 2);
    assert_string_equal(rec.topics.items[1], "Children");
    assert_null(rec.jury_comment);
    assert_int_equal(gp_decision_apply(gp_decisions_get(ds, 0), &rec), GP_EINVAL);
    gp_arena_free(arena);
    gp_decisions_free(ds);
    th_diags_free(&diags);
}

static void test_decisions__every_mistake_is_reported_with_its_place(void **state)
{
    (void)state;
    th_diags diags;
    th_diags_init(&diags);
    gp_decisions *ds = (gp_decisions *)1;
    assert_int_equal(
        gp_decisions_load(&ds, th_path("fixtures/decisions/malformed.yaml"), &diags.sink),
        GP_EPARSE);
    assert_null(ds);
    assert_int_equal(th_diags_count(&diags, "rules.unknown-key"), 2);
    const gp_diag *g = th_diags_find(&diags, "rules.unknown-key");
    assert_non_null(strstr(g->message, "'merges'"));
    assert_non_null(strstr(g->message, "did you mean 'merge'?"));
    assert_int_equal(g->line, 1);
    assert_int_equal(g->column, 1);
    assert_int_equal(th_diags_count(&diags, "decision.invalid"), 2);
    g = th_diags_find(&diags, "decision.invalid");
    assert_non_null(strstr(g->message, "'gp-8eb1eae84c95d04b' is named twice"));
    assert_int_equal(g->line, 4);
    assert_int_equal(g->column, 27);
    g = th_diags_find(&diags, "rules.type");
    assert_non_null(g);
    assert_int_equal(g->line, 10);
    th_diags_free(&diags);
}

static void test_decisions__was_gives_the_values_the_curator_saw(void **state)
{
    (void)state;
    th_diags diags;
    th_diags_init(&diags);
    gp_decisions *ds;
    assert_int_equal(
        gp_decisions_load(&ds, th_path("fixtures/decisions/fix-with-was.yaml"), &diags.sink),
        GP_OK);
    assert_int_equal(th_diags_count(&diags, NULL), 0);
    const gp_decision *fx = gp_decisions_get(ds, 0);
    assert_int_equal(fx->nfixes, 3); /* `was` is not a field the fix sets */
    const gp_decision_fix *title = &fx->fixes[0], *year = &fx->fixes[1], *topics = &fx->fixes[2];
    assert_int_equal(title->field, GP_F_TITLE);
    assert_true(title->has_was);
    assert_string_equal(title->was_text, "Increasing pension enrolment of non-regular workers");
    assert_int_equal(title->was_line, 12);
    assert_int_equal(title->was_column, 14);
    /* null and [] are values the curator saw, told from a missing `was` by has_was */
    assert_int_equal(year->field, GP_F_IMPLEMENTATION_YEAR);
    assert_true(year->has_was);
    assert_int_equal(year->was_year, 0);
    assert_int_equal(year->year, 2015);
    assert_true(topics->has_was);
    assert_int_equal(topics->was_nitems, 0);
    assert_int_equal(topics->nitems, 2);
    gp_decisions_free(ds);

    /* a fix without `was` says nothing about what the record held */
    assert_int_equal(
        gp_decisions_load(&ds, th_path("fixtures/decisions/all-kinds.yaml"), &diags.sink), GP_OK);
    fx = gp_decisions_get(ds, 3);
    for (size_t i = 0; i < fx->nfixes; i++)
        assert_false(fx->fixes[i].has_was);
    gp_decisions_free(ds);
    th_diags_free(&diags);
}

static void test_decisions__was_mistakes_are_reported_with_their_place(void **state)
{
    (void)state;
    th_diags diags;
    th_diags_init(&diags);
    gp_decisions *ds = (gp_decisions *)1;
    assert_int_equal(
        gp_decisions_load(&ds, th_path("fixtures/decisions/was-malformed.yaml"), &diags.sink),
        GP_EPARSE);
    assert_null(ds);
    assert_int_equal(th_diags_count(&diags, NULL), 4);
    const gp_diag *g = th_diags_find(&diags, "decision.invalid");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "'was' names 'description', which the fix"));
    assert_int_equal(g->line, 8);
    assert_int_equal(g->column, 7);
    assert_int_equal(th_diags_count(&diags, "rules.type"), 3);
    g = th_diags_find(&diags, "rules.type");
    assert_non_null(strstr(g->message, "'was' of 'implementation_year' must be a whole number"));
    assert_int_equal(g->line, 13);
    assert_int_equal(g->column, 28);
    th_diags_free(&diags);
}

static void test_decisions__missing_file_is_an_input_error(void **state)
{
    (void)state;
    th_diags diags;
    th_diags_init(&diags);
    gp_decisions *ds;
    assert_int_equal(gp_decisions_load(&ds, th_path("fixtures/decisions/none.yaml"), &diags.sink),
                     GP_EIO);
    assert_null(ds);
    /* the wording of every missing file, with no place; not a rules problem */
    const gp_diag *d = th_diags_find(&diags, "input.unreadable");
    assert_non_null(d);
    assert_null(d->file);
    assert_non_null(strstr(d->message, "cannot open decisions '"));
    assert_non_null(strstr(d->message, "none.yaml': No such file or directory"));
    assert_null(th_diags_find(&diags, "rules.unreadable"));
    th_diags_free(&diags);
}

static void test_decisions__id_not_text_is_reported(void **state)
{
    (void)state;
    th_diags diags;
    th_diags_init(&diags);
    gp_decisions *ds = (gp_decisions *)1;
    /* "[g: ,7]": a one-pair mapping and a number, the 19 bytes that crashed gp-dedup */
    assert_int_equal(
        gp_decisions_load(&ds, th_path("fixtures/decisions/id-not-text.yaml"), &diags.sink),
        GP_EPARSE);
    assert_null(ds);
    const gp_diag *g = th_diags_find(&diags, "rules.type");
    assert_non_null(g);
    assert_int_equal(g->line, 2);
    assert_int_equal(g->column, 4);
    g = th_diags_find(&diags, "decision.invalid");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "'7' is not a record id"));
    assert_int_equal(g->column, 8);
    th_diags_free(&diags);
}

static void test_decisions__empty_id_is_reported_and_the_others_checked(void **state)
{
    (void)state;
    th_diags diags;
    th_diags_init(&diags);
    gp_decisions *ds = (gp_decisions *)1;
    assert_int_equal(
        gp_decisions_load(&ds, th_path("fixtures/decisions/id-empty.yaml"), &diags.sink),
        GP_EPARSE);
    assert_null(ds);
    assert_int_equal(th_diags_count(&diags, NULL), 1);
    const gp_diag *g = th_diags_find(&diags, "decision.invalid");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "a record id must not be empty"));
    assert_int_equal(g->line, 3);
    assert_int_equal(g->column, 6);
    th_diags_free(&diags);
}

static void test_decisions__malformed_id_is_reported(void **state)
{
    (void)state;
    th_diags diags;
    th_diags_init(&diags);
    gp_decisions *ds = (gp_decisions *)1;
    assert_int_equal(
        gp_decisions_load(&ds, th_path("fixtures/decisions/id-malformed.yaml"), &diags.sink),
        GP_EPARSE);
    assert_null(ds);
    assert_int_equal(th_diags_count(&diags, "decision.invalid"), 3);
    const gp_diag *g = th_diags_find(&diags, "decision.invalid");
    assert_non_null(strstr(g->message, "'GP-0000000000000002' is not a record id"));
    assert_non_null(strstr(g->message, "'gp-' and 16 lower-case hex digits"));
    assert_int_equal(g->line, 3);
    assert_int_equal(g->column, 27);
    th_diags_free(&diags);
}

static void test_decisions__version_alone_is_an_empty_set(void **state)
{
    (void)state;
    th_diags diags;
    th_diags_init(&diags);
    gp_decisions *ds;
    assert_int_equal(
        gp_decisions_load(&ds, th_path("fixtures/decisions/version-only.yaml"), &diags.sink),
        GP_OK);
    assert_int_equal(th_diags_count(&diags, NULL), 0);
    assert_int_equal(gp_decisions_count(ds), 0);
    assert_null(gp_decisions_get(ds, 0));
    gp_decisions_free(ds);
    th_diags_free(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decisions__every_kind_is_read_in_order),
        cmocka_unit_test(test_decisions__fix_sets_the_fields),
        cmocka_unit_test(test_decisions__every_mistake_is_reported_with_its_place),
        cmocka_unit_test(test_decisions__was_gives_the_values_the_curator_saw),
        cmocka_unit_test(test_decisions__was_mistakes_are_reported_with_their_place),
        cmocka_unit_test(test_decisions__missing_file_is_an_input_error),
        cmocka_unit_test(test_decisions__id_not_text_is_reported),
        cmocka_unit_test(test_decisions__empty_id_is_reported_and_the_others_checked),
        cmocka_unit_test(test_decisions__malformed_id_is_reported),
        cmocka_unit_test(test_decisions__version_alone_is_an_empty_set),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
