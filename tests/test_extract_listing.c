/*
 * tests/test_extract_listing.c - the listing reader on the seeds and on the
 * irregularities real dumps show.
 */
#include <string.h>

#include "helpers.h"

static size_t count_records(const char *rel)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract(rel, GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    size_t n = r.len;
    for (size_t i = 0; i < r.len; i++)
        assert_string_equal(r.items[i].sources[0].format, "listing");
    th_records_free(&r);
    th_diags_free(&d);
    return n;
}

static void test_extract_listing__seeds_give_every_record(void **state)
{
    assert_int_equal(count_records("fixtures/seeds/listing-europe-award-2024.txt"), 87);
    assert_int_equal(count_records("fixtures/seeds/listing-implemented-2015.txt"), 42);
    assert_int_equal(count_records("fixtures/seeds/listing-azerbaijan-israel.txt"), 33);
    assert_int_equal(count_records("fixtures/seeds/listing-korea-split-header.txt"), 39);
}

static void test_extract_listing__split_header_and_missing_topic_block(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(
        th_extract("fixtures/seeds/listing-korea-split-header.txt", GP_FORMAT_AUTO, &r, &d), GP_OK);
    const gp_record *first = &r.items[0];
    assert_string_equal(first->institution, "National Pension Service");
    assert_string_equal(first->country, "Korea, Republic of");
    assert_string_equal(first->region, "Asia and Pacific");
    assert_int_equal(first->implementation_year.value, 2020);
    assert_int_equal(first->award_year.value, 2021);
    assert_int_equal(first->sources[0].line, 15);
    long col;
    assert_int_equal(gp_record_field_line(first, "/country", &col), 21);
    assert_int_equal(col, 1);
    /* The last record has no Topic block and ends the file. */
    const gp_record *last = &r.items[r.len - 1];
    assert_int_equal(last->topics.len, 0);
    assert_non_null(strstr(last->description, "promote the national pension scheme:"));
    assert_string_equal(r.items[1].institution, "Korea Workers' Compensation & Welfare Service");
    th_records_free(&r);
    th_diags_free(&d);
}

static void test_extract_listing__paragraphs_are_kept(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(
        th_extract("fixtures/listing/line-break-in-paragraph.txt", GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(r.len, 1);
    assert_string_equal(r.items[0].description,
                        "Implementation of a 360º Vision in direct social security, which allows a "
                        "single view of all relationship interactions.\n\nThis new relationship "
                        "model streamlines the channels.");
    assert_int_equal(r.items[0].topics.len, 2);
    assert_string_equal(r.items[0].topics.items[0], "Coordination");
    th_records_free(&r);
    th_diags_free(&d);
}

static void test_extract_listing__labels_come_from_the_rules(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract("fixtures/listing/spanish-labels.txt", GP_FORMAT_AUTO, &r, &d),
                     GP_OK);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    assert_int_equal(r.len, 2);
    assert_int_equal(r.items[0].implementation_year.value, 2019);
    assert_int_equal(r.items[0].award_year.value, 2021);
    assert_string_equal(r.items[0].country, "Francia");
    assert_string_equal(r.items[0].region, "Europa");
    assert_string_equal(r.items[1].topics.items[0], "Salud");
    th_records_free(&r);
    th_diags_free(&d);
}

static void test_extract_listing__header_without_blank_line(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(
        th_extract("fixtures/listing/no-blank-after-header.txt", GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(r.len, 2);
    assert_string_equal(r.items[0].region, "Europe");
    assert_string_equal(r.items[0].description,
                        "The needs of end users are at long last being prioritized in digital "
                        "projects.");
    assert_string_equal(r.items[1].institution, "Swedish Pensions Agency");
    th_records_free(&r);
    th_diags_free(&d);
}

static void test_extract_listing__commas_inside_values(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract("fixtures/listing/values-with-commas.txt", GP_FORMAT_AUTO, &r, &d),
                     GP_OK);
    assert_int_equal(r.len, 1);
    assert_string_equal(r.items[0].country, "Iran, Islamic Republic of");
    assert_string_equal(r.items[0].region, "Asia and Pacific");
    /* a topic listed twice is kept as the source gives it; gp-norm removes the repeat */
    assert_int_equal(r.items[0].topics.len, 3);
    assert_string_equal(r.items[0].topics.items[0], "Error, evasion and fraud");
    th_records_free(&r);
    th_diags_free(&d);
}

static void test_extract_listing__old_pipe_header_is_reported_not_dropped(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract("fixtures/listing/header-with-pipe.txt", GP_FORMAT_AUTO, &r, &d),
                     GP_OK);
    assert_int_equal(r.len, 1);
    assert_string_equal(r.items[0].institution, "Social Security Institution");
    assert_string_equal(r.items[0].country, "Turkey");
    assert_null(r.items[0].region);
    const gp_diag *g = th_diags_find(&d, "listing.header-incomplete");
    assert_non_null(g);
    assert_int_equal(g->line, 1);
    assert_string_equal(g->message, "record has no region");
    th_records_free(&r);
    th_diags_free(&d);
}

/*
 * The first lines of a page's preamble between two records (two page dumps joined): a
 * blank line ends the first record's topics, so they are not taken as topics; each line
 * is reported where it is and skipped, and both records are whole.
 */
static void test_extract_listing__stray_text_between_records_is_reported(void **state)
{
    static const char *const topics[] = {"Employment",   "Unemployment",
                                         "Coordination", "Information and communication technology",
                                         "Data sharing", "Labour protection"};
    const char *rel = "fixtures/listing/stray-text-between-records.txt";
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract(rel, GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(th_diags_count(&d, NULL), 2);
    static const struct {
        long line;
        const char *message;
    } want[] = {{17, "text outside any record; skipped: 'Database'"},
                {19, "text outside any record; skipped: 'Good Practices in Social Security'"}};
    for (size_t i = 0; i < GP_ARRAY_LEN(want); i++) {
        const gp_diag *g = gp_diag_list_get(d.list, i);
        assert_string_equal(g->rule_id, "listing.unexpected-text");
        assert_int_equal(g->severity, GP_SEV_WARNING);
        assert_string_equal(g->file, rel);
        assert_int_equal(g->line, want[i].line);
        assert_int_equal(g->column, 1);
        assert_string_equal(g->message, want[i].message);
    }
    assert_int_equal(r.len, 2);
    const gp_record *emas = &r.items[0];
    assert_string_equal(emas->country, "Azerbaijan");
    assert_int_equal(emas->topics.len, GP_ARRAY_LEN(topics));
    for (size_t i = 0; i < GP_ARRAY_LEN(topics); i++)
        assert_string_equal(emas->topics.items[i], topics[i]);
    const gp_record *drv = &r.items[1];
    assert_int_equal(drv->sources[0].line, 21);
    assert_string_equal(drv->institution, "German Federal Pension Insurance");
    assert_int_equal(drv->implementation_year.value, 2023);
    assert_int_equal(strncmp(drv->description, "Meine-Rehabilitation.de is a new web portal", 43),
                     0);
    assert_int_equal(drv->topics.len, 8);
    assert_string_equal(drv->topics.items[7], "Transparency of working rules");
    th_records_free(&r);
    th_diags_free(&d);
}

/* A blank line between "Topic:" and the first topic does not end the block. */
static void test_extract_listing__blank_line_before_the_first_topic(void **state)
{
    const char *text = "Implementation year:\n2023\nAward Year:\n2024\n"
                       "German Federal Pension Insurance , Germany , Europe\n\n"
                       "Meine-Rehabilitation.de is a new web portal.\n\nTopic:\n\n"
                       "Rehabilitation\nDisability\n";
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract_mem("topics.txt", text, strlen(text), GP_FORMAT_AUTO, &r, &d),
                     GP_OK);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    assert_int_equal(r.len, 1);
    assert_int_equal(r.items[0].topics.len, 2);
    assert_string_equal(r.items[0].topics.items[1], "Disability");
    th_records_free(&r);
    th_diags_free(&d);
}

/*
 * Copies cut off inside a header, a label or a topic: no piece of a label or of a cut
 * value becomes a field value; the record keeps the rest and is reported as cut.
 */
static void test_extract_listing__cut_inside_header_or_label(void **state)
{
    static const struct {
        const char *file;
        const char *institution, *country, *region, *topic;
        long line, column;
        const char *message;
    } cases[] = {
        {"cut-inside-region.txt", "Social Insurance Agency", "Sweden", NULL, NULL, 15, 36,
         "inside its region ('Euro')"},
        {"cut-inside-split-region.txt", "National Social Security Fund", "Kenya", NULL, NULL, 19, 1,
         "inside its region ('Afri')"},
        {"cut-inside-country.txt", "Social Insurance Agency", NULL, NULL, NULL, 15, 27,
         "inside its country ('Swe')"},
        {"cut-inside-institution.txt", NULL, NULL, NULL, NULL, 15, 1,
         "inside its institution ('Iranian Socia')"},
        {"cut-inside-award-label.txt", NULL, NULL, NULL, NULL, 13, 1, "inside a label ('Awa')"},
        {"cut-inside-topic.txt", "Swedish Pensions Agency", "Sweden", "Europe", "Old-age pensions",
         21, 1, "inside a topic ('Information and communication tech')"},
    };
    for (size_t i = 0; i < GP_ARRAY_LEN(cases); i++) {
        char rel[96];
        snprintf(rel, sizeof rel, "fixtures/listing/%s", cases[i].file);
        th_records r;
        th_diags d;
        th_records_init(&r);
        th_diags_init(&d);
        assert_int_equal(th_extract(rel, GP_FORMAT_AUTO, &r, &d), GP_OK);
        assert_int_equal(r.len, 2);
        const gp_record *cut = &r.items[1];
        if (cases[i].institution)
            assert_string_equal(cut->institution, cases[i].institution);
        else
            assert_null(cut->institution);
        if (cases[i].country)
            assert_string_equal(cut->country, cases[i].country);
        else
            assert_null(cut->country);
        if (cases[i].region)
            assert_string_equal(cut->region, cases[i].region);
        else
            assert_null(cut->region);
        assert_int_equal(cut->topics.len, cases[i].topic ? 1 : 0);
        if (cases[i].topic)
            assert_string_equal(cut->topics.items[0], cases[i].topic);
        assert_int_equal(th_diags_count(&d, NULL), 1);
        const gp_diag *g = th_diags_find(&d, "listing.truncated");
        assert_non_null(g);
        assert_int_equal(g->severity, GP_SEV_ERROR);
        assert_int_equal(g->line, cases[i].line);
        assert_int_equal(g->column, cases[i].column);
        assert_non_null(strstr(g->message, cases[i].message));
        th_records_free(&r);
        th_diags_free(&d);
    }
}

/* A value that ends the file but is whole (or unknown, not a beginning) is kept. */
static void test_extract_listing__whole_value_at_the_end_is_kept(void **state)
{
    static const char *const texts[] = {
        "Implementation year:\n2022\nAward Year:\n2024\nSocial Insurance Agency , Sweden , "
        "Europe\n",
        "Implementation year:\n2022\nAward Year:\n2024\nSocial Insurance Agency , Sweden , "
        "Nordics",
    };
    static const char *const regions[] = {"Europe", "Nordics"};
    for (size_t i = 0; i < GP_ARRAY_LEN(texts); i++) {
        th_records r;
        th_diags d;
        th_records_init(&r);
        th_diags_init(&d);
        assert_int_equal(
            th_extract_mem("end.txt", texts[i], strlen(texts[i]), GP_FORMAT_AUTO, &r, &d), GP_OK);
        assert_int_equal(r.len, 1);
        assert_string_equal(r.items[0].region, regions[i]);
        const gp_diag *g = th_diags_find(&d, "listing.truncated");
        assert_non_null(g);
        assert_string_equal(g->message, "record is cut off at the end of the file after its "
                                        "header; kept as far as it goes");
        th_records_free(&r);
        th_diags_free(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_listing__seeds_give_every_record),
        cmocka_unit_test(test_extract_listing__split_header_and_missing_topic_block),
        cmocka_unit_test(test_extract_listing__paragraphs_are_kept),
        cmocka_unit_test(test_extract_listing__labels_come_from_the_rules),
        cmocka_unit_test(test_extract_listing__header_without_blank_line),
        cmocka_unit_test(test_extract_listing__commas_inside_values),
        cmocka_unit_test(test_extract_listing__old_pipe_header_is_reported_not_dropped),
        cmocka_unit_test(test_extract_listing__stray_text_between_records_is_reported),
        cmocka_unit_test(test_extract_listing__blank_line_before_the_first_topic),
        cmocka_unit_test(test_extract_listing__cut_inside_header_or_label),
        cmocka_unit_test(test_extract_listing__whole_value_at_the_end_is_kept),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
