/*
 * tests/test_diag.c - diagnostic sinks: levels, counts and the cap on repeats.
 */
#include <string.h>

#include "helpers.h"

static void emit_n(gp_diag_sink *sink, const char *rule_id, gp_severity sev, int n)
{
    for (int i = 0; i < n; i++)
        gp_diag_report(sink, sev, rule_id, "rules.yaml", i + 1, 1, "mistake %d", i + 1);
}

static void test_diag__repeats_past_the_cap_are_counted_and_summarised(void **state)
{
    (void)state;
    gp_diag_list *list;
    assert_int_equal(gp_diag_list_new(&list), GP_OK);
    gp_diag_sink sink;
    gp_diag_sink_init(&sink, gp_diag_list_collect, list);
    sink.max_per_rule = 3;
    emit_n(&sink, "rules.type", GP_SEV_ERROR, 10);
    emit_n(&sink, "rules.duplicate", GP_SEV_ERROR, 2);
    emit_n(&sink, "topic.unknown", GP_SEV_WARNING, 5);
    /* every one counts (the exit status depends on it); only the first three reach fn */
    assert_int_equal(sink.count[GP_SEV_ERROR], 12);
    assert_int_equal(sink.count[GP_SEV_WARNING], 5);
    assert_int_equal(gp_diag_list_len(list), 3 + 2 + 3);
    assert_string_equal(gp_diag_list_get(list, 2)->message, "mistake 3");
    assert_int_equal(gp_diag_sink_summarize(&sink), 0);
    assert_int_equal(gp_diag_list_len(list), 3 + 2 + 3 + 2);
    const gp_diag *g = gp_diag_list_get(list, 8);
    assert_string_equal(g->message, "and 7 more 'rules.type'");
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_null(g->rule_id);
    assert_null(g->file);
    g = gp_diag_list_get(list, 9);
    assert_string_equal(g->message, "and 2 more 'topic.unknown'");
    assert_int_equal(g->severity, GP_SEV_WARNING);
    /* the summary lines are not counted, and summarising again says nothing new */
    assert_int_equal(sink.count[GP_SEV_ERROR], 12);
    assert_int_equal(gp_diag_sink_summarize(&sink), 0);
    assert_int_equal(gp_diag_list_len(list), 10);
    gp_diag_list_free(list);
}

static void test_diag__summary_groups_digits_and_adds_the_note(void **state)
{
    (void)state;
    gp_diag_list *list;
    assert_int_equal(gp_diag_list_new(&list), GP_OK);
    gp_diag_sink sink;
    gp_diag_sink_init(&sink, gp_diag_list_collect, list);
    sink.max_per_rule = 10;
    sink.held_note = "--stats counts them";
    emit_n(&sink, "institution.unknown", GP_SEV_WARNING, 1010);
    emit_n(&sink, "topic.unknown", GP_SEV_WARNING, 13);
    assert_int_equal(gp_diag_sink_summarize(&sink), 0);
    assert_int_equal(gp_diag_list_len(list), 22);
    assert_string_equal(gp_diag_list_get(list, 20)->message,
                        "and 1,000 more 'institution.unknown'; --stats counts them");
    assert_string_equal(gp_diag_list_get(list, 21)->message,
                        "and 3 more 'topic.unknown'; --stats counts them");
    gp_diag_list_free(list);
}

static void test_diag__no_cap_passes_everything(void **state)
{
    (void)state;
    gp_diag_list *list;
    assert_int_equal(gp_diag_list_new(&list), GP_OK);
    gp_diag_sink sink;
    gp_diag_sink_init(&sink, gp_diag_list_collect, list);
    emit_n(&sink, "rules.type", GP_SEV_ERROR, 500);
    assert_int_equal(gp_diag_list_len(list), 500);
    assert_int_equal(gp_diag_sink_summarize(&sink), 0);
    assert_int_equal(gp_diag_list_len(list), 500);
    gp_diag_list_free(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diag__repeats_past_the_cap_are_counted_and_summarised),
        cmocka_unit_test(test_diag__summary_groups_digits_and_adds_the_note),
        cmocka_unit_test(test_diag__no_cap_passes_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
