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

/* Diagnostic `i` of a run, pinned whole. */
static void assert_diag(const th_diags *d, size_t i, const char *rule_id, const char *file,
                        long line, long column, const char *message)
{
    assert_true(i < gp_diag_list_len(d->list));
    const gp_diag *g = gp_diag_list_get(d->list, i);
    assert_string_equal(g->rule_id, rule_id);
    assert_int_equal(g->severity, GP_SEV_WARNING);
    assert_string_equal(g->file, file);
    assert_int_equal(g->line, line);
    assert_int_equal(g->column, column);
    assert_string_equal(g->message, message);
}

/* An attestation whose title is missing: reported at the entry, which is still kept. */
static void test_extract_booklet__entry_without_title_is_kept_and_reported(void **state)
{
    const char *rel = "fixtures/booklet/entry-without-title.txt";
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract(rel, GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(th_diags_count(&d, NULL), 1);
    assert_diag(&d, 0, "booklet.entry-incomplete", rel, 4, 1, "entry has no title");
    assert_int_equal(r.len, 2);
    const gp_record *e = &r.items[0];
    assert_int_equal(e->sources[0].line, 4);
    assert_string_equal(e->award, "attestation");
    assert_string_equal(e->country, "Islamic Republic of Iran");
    assert_string_equal(e->institution, "Iranian Social Security Organization");
    assert_null(e->title);
    assert_int_equal(e->priority_areas.len, 1);
    assert_string_equal(e->priority_areas.items[0], "Service Quality");
    e = &r.items[1];
    assert_int_equal(e->sources[0].line, 7);
    assert_string_equal(e->title, "Consolidating and summarizing circulars");
    assert_string_equal(e->priority_areas.items[0], "Good Governance");
    th_records_free(&r);
    th_diags_free(&d);
}

/*
 * The priority areas wrap inside an item, not after a comma: the line after the label's
 * line is no list item, and is reported as text without a label (the situation inside an
 * entry). The items before the wrap are kept, and so is the next entry.
 */
static void test_extract_booklet__priority_areas_wrapped_mid_item_are_reported(void **state)
{
    const char *rel = "fixtures/booklet/priority-areas-wrapped-mid-item.txt";
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract(rel, GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(th_diags_count(&d, NULL), 1);
    assert_diag(&d, 0, "booklet.unexpected-text", rel, 8, 1,
                "text after the priority areas without a label; skipped: 'Administrations, "
                "Contribution Collection and Compliance'");
    assert_int_equal(r.len, 2);
    const gp_record *e = &r.items[0];
    assert_string_equal(e->country, "Singapore");
    assert_string_equal(e->title,
                        "#ICanAdult \xE2\x80\x93 Connecting with millenials on retirement "
                        "planning: A case of the Central Provident Fund Board");
    assert_int_equal(e->priority_areas.len, 2);
    assert_string_equal(e->priority_areas.items[0],
                        "Administrative Solutions for Coverage Extension");
    assert_string_equal(e->priority_areas.items[1], "Communication by Social Security");
    assert_null(e->description);
    e = &r.items[1];
    assert_int_equal(e->sources[0].line, 10);
    assert_string_equal(e->country, "United Arab Emirates");
    assert_string_equal(e->title, "Annual declaration project");
    assert_int_equal(e->priority_areas.len, 2);
    th_records_free(&r);
    th_diags_free(&d);
}

/*
 * The first attestation names its country as the rules do not know it ("Fiji Islands"),
 * so its lines are no entry: each is reported where it is (the situation in a section,
 * outside any entry), long ones quoted to 60 bytes; the next entry is read whole.
 */
static void test_extract_booklet__entry_with_unknown_country_is_reported(void **state)
{
    const char *rel = "fixtures/booklet/entry-with-unknown-country.txt";
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract(rel, GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(th_diags_count(&d, NULL), 4);
    const char *id = "booklet.unexpected-text";
    assert_diag(&d, 0, id, rel, 4, 1,
                "text outside any entry; skipped: 'Fiji Islands: Fiji National Provident Fund'");
    assert_diag(&d, 1, id, rel, 5, 1,
                "text outside any entry; skipped: 'Streamlining the investment operations of "
                "the Fiji National ...'");
    assert_diag(&d, 2, id, rel, 6, 1,
                "text outside any entry; skipped: 'The role of the International Finance "
                "Corporation'");
    assert_diag(&d, 3, id, rel, 7, 1,
                "text outside any entry; skipped: 'Priority area: Investment of Social Security "
                "Funds'");
    assert_int_equal(r.len, 1);
    const gp_record *e = &r.items[0];
    assert_int_equal(e->sources[0].line, 9);
    assert_string_equal(e->award, "attestation");
    assert_string_equal(e->country, "Indonesia");
    assert_string_equal(e->title, "Optimizing the principle of mutual cooperation through a "
                                  "family bill in the Social\xC2\xA0Health Insurance Fund");
    assert_int_equal(e->priority_areas.len, 3);
    assert_string_equal(e->priority_areas.items[2], "Service\xC2\xA0Quality");
    th_records_free(&r);
    th_diags_free(&d);
}

/* A skipped line is quoted to 60 bytes without cutting a character: here the ’ (3 bytes). */
static void test_extract_booklet__skipped_text_is_quoted_in_whole_characters(void **state)
{
    const char *text = "Results of the ISSA Good Practice Awards \xE2\x80\x93 Asia and the "
                       "Pacific 2018\n\nATTESTATIONS\n"
                       "Guarantee a better post-retirement life through pensioners\xE2\x80\x99 "
                       "loans\n"
                       "Priority areas: Service Quality\n\n"
                       "Jordan: Social Security Corporation\n"
                       "Using electronic exchange of data to facilitate the warrants of "
                       "attachment on \n"
                       "movable and immovable properties\n"
                       "Priority areas: Contribution Collection and Compliance, Information and "
                       "Communication Technology\n";
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(
        th_extract_mem("lost-entry-line.txt", text, strlen(text), GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(th_diags_count(&d, NULL), 2);
    assert_diag(&d, 0, "booklet.unexpected-text", "lost-entry-line.txt", 4, 1,
                "text outside any entry; skipped: 'Guarantee a better post-retirement life "
                "through pensioners...'");
    assert_diag(&d, 1, "booklet.unexpected-text", "lost-entry-line.txt", 5, 1,
                "text outside any entry; skipped: 'Priority areas: Service Quality'");
    assert_int_equal(r.len, 1);
    assert_string_equal(r.items[0].country, "Jordan");
    assert_int_equal(r.items[0].priority_areas.len, 2);
    th_records_free(&r);
    th_diags_free(&d);
}

/*
 * A label written without its colon and with nothing after it ("Priority area" alone on
 * its line, found by fuzz_detect): the entry is kept with no priority areas, and the
 * reader never does arithmetic on a value that is not there (UBSan: "applying zero
 * offset to null pointer").
 */
static void test_extract_booklet__label_without_colon_or_value(void **state)
{
    const char *text = "ATTESTATIONS\nT\xC3\xBCrkiye: Social Security Institution\nA title\n"
                       "Priority area\n";
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(
        th_extract_mem("label-alone.txt", text, strlen(text), GP_FORMAT_BOOKLET, &r, &d), GP_OK);
    assert_int_equal(r.len, 1);
    assert_string_equal(r.items[0].country, "T\xC3\xBCrkiye");
    assert_string_equal(r.items[0].title, "A title");
    assert_int_equal(r.items[0].priority_areas.len, 0);
    th_records_free(&r);
    th_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_booklet__seed_entries_by_award),
        cmocka_unit_test(test_extract_booklet__title_with_colon_and_page_break),
        cmocka_unit_test(test_extract_booklet__entries_need_a_heading),
        cmocka_unit_test(test_extract_booklet__entry_without_title_is_kept_and_reported),
        cmocka_unit_test(test_extract_booklet__priority_areas_wrapped_mid_item_are_reported),
        cmocka_unit_test(test_extract_booklet__entry_with_unknown_country_is_reported),
        cmocka_unit_test(test_extract_booklet__skipped_text_is_quoted_in_whole_characters),
        cmocka_unit_test(test_extract_booklet__label_without_colon_or_value),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
