/*
 * tests/test_extract_practice.c - pages that hold one practice: the site's
 * single-practice page and the old site's practice page.
 */
#include <string.h>

#include "helpers.h"

static const char *const finland_topics[] = {
    "Family benefits", "Information and communication technology", "Service quality"};

static const char *const finland_description =
    "The Social Insurance Institution of Finland (Kela) built an online service through which a "
    "family applies for all its family benefits at once.\n\nThe service offers:\n\n• one "
    "application for child benefit, parental allowance and child home care allowance\n\n• a "
    "calculator of the expected benefit\n\n• reminders when a benefit is about to end\n\nSince "
    "the launch, the share of online applications rose from 62 to 91 per cent, and the average "
    "processing time fell by nine days.";

static void assert_opt_string(const char *got, const char *want)
{
    if (want)
        assert_string_equal(got, want);
    else
        assert_null(got);
}

/*
 * Every copy of the Finnish page: the header read through the rules whichever line is
 * missing, the title, the year, the list items and the topics under the label or bare.
 */
static void test_extract_practice__copies_of_one_page(void **state)
{
    static const struct {
        const char *file;
        const char *country, *region;
        int year;
        const char *rule; /* the one finding, or NULL */
        const char *message;
    } cases[] = {
        {"topics-under-label.txt", "Finland", "Europe", 2021, NULL, NULL},
        {"topics-as-bare-lines.txt", "Finland", "Europe", 2021, NULL, NULL},
        {"year-label-with-colon.txt", "Finland", "Europe", 2021, NULL, NULL},
        {"no-country-line.txt", NULL, "Europe", 2021, "practice.header-incomplete",
         "practice has no country"},
        {"no-region-line.txt", "Finland", NULL, 2021, "practice.header-incomplete",
         "practice has no region"},
        {"year-without-value.txt", "Finland", "Europe", 0, "practice.header-incomplete",
         "practice has no implementation year"},
        {"header-line-unknown.txt", NULL, "Europe", 2021, "practice.header-unreadable",
         "header line 'Suomi Finland' is neither a country nor a region the rules know; left "
         "out"},
    };
    for (size_t i = 0; i < GP_ARRAY_LEN(cases); i++) {
        char rel[96];
        snprintf(rel, sizeof rel, "fixtures/practice/%s", cases[i].file);
        th_records r;
        th_diags d;
        th_records_init(&r);
        th_diags_init(&d);
        assert_int_equal(th_extract(rel, GP_FORMAT_AUTO, &r, &d), GP_OK);
        assert_int_equal(r.len, 1);
        const gp_record *rec = &r.items[0];
        assert_string_equal(rec->sources[0].format, "practice");
        assert_int_equal(rec->sources[0].line, 1);
        assert_string_equal(rec->institution, "Social Insurance Institution");
        assert_opt_string(rec->country, cases[i].country);
        assert_opt_string(rec->region, cases[i].region);
        assert_string_equal(rec->title, "Family benefits at a single click");
        assert_int_equal(rec->implementation_year.value, cases[i].year);
        assert_int_equal(rec->award_year.value, 0);
        assert_string_equal(rec->description, finland_description);
        assert_int_equal(rec->topics.len, GP_ARRAY_LEN(finland_topics));
        for (size_t k = 0; k < GP_ARRAY_LEN(finland_topics); k++)
            assert_string_equal(rec->topics.items[k], finland_topics[k]);
        assert_int_equal(th_diags_count(&d, NULL), cases[i].rule ? 1 : 0);
        if (cases[i].rule) {
            const gp_diag *g = th_diags_find(&d, cases[i].rule);
            assert_non_null(g);
            assert_string_equal(g->message, cases[i].message);
        }
        th_records_free(&r);
        th_diags_free(&d);
    }
}

/* A trailing line the rules do not know as a topic stays description, and so does all above. */
static void test_extract_practice__last_line_not_a_topic_stays_text(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(
        th_extract("fixtures/practice/last-line-not-a-topic.txt", GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(r.len, 1);
    assert_int_equal(r.items[0].topics.len, 0);
    const char *desc = r.items[0].description;
    size_t n = strlen(desc);
    const char *tail = "\n\nFamily benefits are now claimed online by nine families in ten.";
    assert_true(n > strlen(tail));
    assert_string_equal(desc + n - strlen(tail), tail);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    th_records_free(&r);
    th_diags_free(&d);
}

/*
 * Bare topics followed by a link of the site's ("More at kela.fi"): the topics are read, the
 * link is reported and skipped, and the description keeps its last sentence whole.
 */
static void test_extract_practice__link_after_bare_topics_reported(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(
        th_extract("fixtures/practice/link-after-bare-topics.txt", GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(r.len, 1);
    assert_int_equal(r.items[0].topics.len, 1);
    assert_string_equal(r.items[0].topics.items[0], "Family benefits");
    const char *desc = r.items[0].description;
    size_t n = strlen(desc);
    const char *tail = "fell by nine days.";
    assert_true(n > strlen(tail));
    assert_string_equal(desc + n - strlen(tail), tail);
    assert_int_equal(th_diags_count(&d, NULL), 1);
    const gp_diag *link = th_diags_find(&d, "practice.unexpected-text");
    assert_non_null(link);
    assert_int_equal(link->line, 20);
    th_records_free(&r);
    th_diags_free(&d);
}

/* A copy cut inside its last bare topic: the piece is neither a topic nor description. */
static void test_extract_practice__cut_inside_last_topic(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(
        th_extract("fixtures/practice/cut-inside-bare-topic.txt", GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(r.len, 1);
    assert_int_equal(r.items[0].topics.len, 2);
    assert_string_equal(r.items[0].topics.items[1], "Information and communication technology");
    assert_string_equal(r.items[0].description, finland_description);
    assert_int_equal(th_diags_count(&d, NULL), 1);
    const gp_diag *g = th_diags_find(&d, "practice.truncated");
    assert_non_null(g);
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_int_equal(g->line, 21);
    assert_string_equal(g->message, "practice is cut off at the end of the file inside a topic "
                                    "('Service qua'); kept without it");
    th_records_free(&r);
    th_diags_free(&d);
}

/* Spanish labels and topics: known to the rules in any of the site's languages. */
static void test_extract_practice__spanish_page_with_bare_topics(void **state)
{
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(
        th_extract("fixtures/practice/spanish-bare-topics.txt", GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    assert_int_equal(r.len, 1);
    assert_string_equal(r.items[0].country, "Paraguay");
    assert_string_equal(r.items[0].region, "Américas");
    assert_int_equal(r.items[0].implementation_year.value, 2022);
    assert_int_equal(r.items[0].topics.len, 2);
    assert_string_equal(r.items[0].topics.items[0], "Salud");
    assert_string_equal(r.items[0].topics.items[1], "Extensión de la cobertura");
    th_records_free(&r);
    th_diags_free(&d);
}

/* The old site's page: chrome dropped and reported once, the title, institution | country. */
static void test_extract_practice__old_page_with_pipe_header(void **state)
{
    static const struct {
        const char *file;
        long line;
        size_t diags;
    } cases[] = {{"pipe-header-turkey.txt", 7, 1}, {"title-not-repeated.txt", 9, 2}};
    for (size_t i = 0; i < GP_ARRAY_LEN(cases); i++) {
        char rel[96];
        snprintf(rel, sizeof rel, "fixtures/old-page/%s", cases[i].file);
        th_records r;
        th_diags d;
        th_records_init(&r);
        th_diags_init(&d);
        assert_int_equal(th_extract(rel, GP_FORMAT_AUTO, &r, &d), GP_OK);
        assert_int_equal(r.len, 1);
        const gp_record *rec = &r.items[0];
        assert_string_equal(rec->sources[0].format, "old-practice");
        assert_int_equal(rec->sources[0].line, cases[i].line);
        assert_string_equal(rec->institution, "Social Security Institution");
        assert_string_equal(rec->country, "Turkey");
        assert_null(rec->region);
        assert_string_equal(rec->title, "Electronic services for employers");
        assert_int_equal(strncmp(rec->description, "The Social Security Institution (SGK)", 37), 0);
        assert_non_null(strstr(rec->description, ".\n\nWithin two years"));
        assert_int_equal(rec->implementation_year.value, 0);
        assert_int_equal(rec->topics.len, 0);
        assert_int_equal(th_diags_count(&d, NULL), cases[i].diags);
        const gp_diag *g = th_diags_find(&d, "practice.chrome");
        assert_non_null(g);
        assert_int_equal(g->severity, GP_SEV_INFO);
        assert_int_equal(g->line, 1);
        assert_string_equal(g->message, "site chrome skipped (3 lines): 'Good Practices'");
        if (cases[i].diags == 2) {
            g = th_diags_find(&d, "practice.unexpected-text");
            assert_non_null(g);
            assert_int_equal(g->line, 7);
            assert_string_equal(g->message,
                                "text outside the practice; skipped: 'Share this page'");
        }
        th_records_free(&r);
        th_diags_free(&d);
    }
}

/* Detection tells the pages from listings; the seeds stay listings. */
static void test_extract_practice__detection(void **state)
{
    static const struct {
        const char *text;
        gp_format want;
    } cases[] = {
        {"Kela\nFinland\nEurope\n\nTitle\n\nImplementation year\n2021\n\nText.\n",
         GP_FORMAT_PRACTICE},
        {"Kela\nEurope\n\nTitle\n\nImplementation year\n\nText.\n", GP_FORMAT_PRACTICE},
        {"Database\n\nImplementation year:\n2021\nAward Year:\n2024\nKela , Finland , Europe\n",
         GP_FORMAT_LISTING},
        /* a listing cut before its award year: no header line before the label */
        {"Database\n\nImplementation year:\n2021\nAwa", GP_FORMAT_LISTING},
        {"Good Practices\n\nTitle\n\nSocial Security Institution | Turkey\n\nText.\n",
         GP_FORMAT_OLD_PRACTICE},
        {"Good Practices\n\nTitle\n\nA | B\n\nText.\n", GP_FORMAT_AUTO},
    };
    th_diags d;
    th_diags_init(&d);
    gp_extractor *ex;
    assert_int_equal(gp_extractor_new(&ex, th_rules(), NULL, &d.sink), GP_OK);
    for (size_t i = 0; i < GP_ARRAY_LEN(cases); i++)
        assert_int_equal(gp_extract_detect(ex, cases[i].text, strlen(cases[i].text)),
                         cases[i].want);
    gp_extractor_free(ex);
    th_diags_free(&d);
}

/* A page forced into the format that it does not have is reported, not guessed. */
static void test_extract_practice__forced_format_without_its_marks(void **state)
{
    const char *text = "Some text\n\nwith no label at all\n";
    static const gp_format formats[] = {GP_FORMAT_PRACTICE, GP_FORMAT_OLD_PRACTICE};
    for (size_t i = 0; i < GP_ARRAY_LEN(formats); i++) {
        th_records r;
        th_diags d;
        th_records_init(&r);
        th_diags_init(&d);
        assert_int_equal(th_extract_mem("page.txt", text, strlen(text), formats[i], &r, &d), GP_OK);
        assert_int_equal(r.len, 0);
        assert_int_equal(th_diags_count(&d, "practice.header-unreadable"), 1);
        th_records_free(&r);
        th_diags_free(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_practice__copies_of_one_page),
        cmocka_unit_test(test_extract_practice__last_line_not_a_topic_stays_text),
        cmocka_unit_test(test_extract_practice__link_after_bare_topics_reported),
        cmocka_unit_test(test_extract_practice__cut_inside_last_topic),
        cmocka_unit_test(test_extract_practice__spanish_page_with_bare_topics),
        cmocka_unit_test(test_extract_practice__old_page_with_pipe_header),
        cmocka_unit_test(test_extract_practice__detection),
        cmocka_unit_test(test_extract_practice__forced_format_without_its_marks),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
