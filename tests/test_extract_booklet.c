/*
 * tests/test_extract_booklet.c - the awards booklet reader.
 */
#include <string.h>

#include "helpers.h"

static size_t count_award(const th_records *r, const char *award)
{
    size_t n = 0;
    for (size_t i = 0; i < r->len; i++)
        if (r->items[i].award && strcmp(r->items[i].award, award) == 0)
            n++;
    return n;
}

static void test_extract_booklet__seed_entries_by_award(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(
        th_extract("fixtures/seeds/booklet-asia-pacific-2018.txt", GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    assert_int_equal(r.len, 76);
    assert_int_equal(count_award(&r, "winner"), 1);
    assert_int_equal(count_award(&r, "certificate of merit with special mention"), 19);
    assert_int_equal(count_award(&r, "certificate of merit"), 34);
    assert_int_equal(count_award(&r, "attestation"), 22);
    size_t summaries = 0, jury = 0;
    for (size_t i = 0; i < r.len; i++) {
        const gp_record *rec = &r.items[i];
        summaries += rec->description != NULL;
        jury += rec->jury_comment != NULL;
        assert_string_equal(rec->region, "Asia and the Pacific");
        assert_int_equal(rec->award_year.value, 2018);
        assert_non_null(rec->title);
        assert_true(rec->priority_areas.len >= 1);
        assert_string_equal(rec->sources[0].format, "booklet");
        /* page footers never leak into the text */
        assert_null(strstr(rec->description ? rec->description : "", "www.issa.int"));
    }
    assert_int_equal(summaries, 20);
    assert_int_equal(jury, 20);
    const gp_record *winner = &r.items[0];
    assert_string_equal(winner->country, "Republic of Korea");
    assert_string_equal(winner->institution, "National Pension Service");
    assert_string_equal(winner->title,
                        "One-stop service through four social insurance information systems");
    assert_int_equal(winner->priority_areas.len, 3);
    assert_string_equal(winner->priority_areas.items[2], "Service Quality");
    assert_int_equal(winner->sources[0].line, 50);
    assert_true(strncmp(winner->jury_comment, "For some time now,", 18) == 0);
    th_records_free(&r);
    th_diags_free(&d);
}

static void test_extract_booklet__title_with_colon_and_page_break(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract("fixtures/booklet/title-with-colon.txt", GP_FORMAT_AUTO, &r, &d),
                     GP_OK);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    assert_int_equal(r.len, 3);
    const gp_record *e = &r.items[0];
    assert_string_equal(e->award, "certificate of merit with special mention");
    assert_string_equal(e->region, "Europe");
    assert_int_equal(e->award_year.value, 2019);
    assert_string_equal(e->country, "Poland");
    assert_string_equal(e->title,
                        "Tongzhou Programme: The Same-Boat Programme for the Polish Work Injury "
                        "Insurance");
    assert_int_equal(e->priority_areas.len, 2);
    assert_string_equal(e->priority_areas.items[1], "Workplace Health Promotion");
    /* the blank lines and the footer of a page break do not split the paragraph */
    assert_string_equal(e->description,
                        "The programme requires the construction industry to join the social "
                        "insurance coverage. This system has been proven to be a vital point in "
                        "controlling the sites.");
    assert_string_equal(e->jury_comment, "This is an innovative approach.");
    assert_string_equal(r.items[1].priority_areas.items[0], "Service Quality");
    assert_null(r.items[1].description);
    assert_string_equal(r.items[2].award, "attestation");
    assert_string_equal(r.items[2].country, "Türkiye");
    th_records_free(&r);
    th_diags_free(&d);
}

static void test_extract_booklet__entries_need_a_heading(void **state)
{
    const char *text = "WINNING ENTRY\nOman: Public Authority for Social Insurance\n"
                       "Smart Inspection System\nPriority area: Good Governance\n";
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(
        th_extract_mem("no-heading.txt", text, strlen(text), GP_FORMAT_BOOKLET, &r, &d), GP_OK);
    assert_int_equal(r.len, 1);
    assert_null(r.items[0].region);
    const gp_diag *g = th_diags_find(&d, "booklet.no-heading");
    assert_non_null(g);
    assert_int_equal(g->line, 2);
    th_records_free(&r);
    th_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_booklet__seed_entries_by_award),
        cmocka_unit_test(test_extract_booklet__title_with_colon_and_page_break),
        cmocka_unit_test(test_extract_booklet__entries_need_a_heading),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
