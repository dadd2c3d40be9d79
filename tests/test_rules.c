/*
 * tests/test_rules.c - loading and validating rule sets, and resolving names.
 */
#include <string.h>

#include "helpers.h"
#include "rules_impl.h"

/* Loads a fixture rule set that must fail; returns the first diagnostic of `rule_id`. */
static void expect_error(const char *dir, const char *rule_id, long line, long column,
                         const char *message)
{
    th_diags d;
    th_diags_init(&d);
    gp_ruleset *rs = NULL;
    assert_int_equal(gp_ruleset_load(&rs, th_path(dir), &d.sink), GP_ERULES);
    assert_null(rs);
    const gp_diag *g = th_diags_find(&d, rule_id);
    if (!g) {
        for (size_t i = 0; i < gp_diag_list_len(d.list); i++)
            gp_diag_print_human(stderr, gp_diag_list_get(d.list, i), 0);
        fail_msg("no %s diagnostic", rule_id);
    }
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_non_null(strstr(g->file, "gpkit.yaml"));
    assert_int_equal(g->line, line);
    assert_int_equal(g->column, column);
    if (!strstr(g->message, message))
        fail_msg("message '%s' lacks '%s'", g->message, message);
    th_diags_free(&d);
}

static void test_rules__unknown_key_suggests_the_close_one(void **state)
{
    expect_error("fixtures/rules/unknown-key", "rules.unknown-key", 4, 5,
                 "unknown key 'alias' in an entry of 'topics'; did you mean 'aliases'?");
}

static void test_rules__wrong_type_is_reported_where_it_is(void **state)
{
    expect_error("fixtures/rules/wrong-type", "rules.type", 2, 10,
                 "'regions' must be a list of entries");
}

static void test_rules__duplicate_entry(void **state)
{
    expect_error("fixtures/rules/duplicate-entry", "rules.duplicate", 5, 11,
                 "duplicate topic 'health'");
}

static void test_rules__alias_of_two_entries(void **state)
{
    expect_error("fixtures/rules/alias-conflict", "rules.conflict", 6, 15,
                 "topic name 'Salud' of 'Health insurance' is also a name of 'Health'");
}

static void test_rules__bad_regular_expression(void **state)
{
    expect_error("fixtures/rules/bad-regex", "rules.regex", 4, 17, "U_REGEX_MISMATCHED_PAREN");
}

static void test_rules__missing_include(void **state)
{
    expect_error("fixtures/rules/include-missing", "rules.unreadable", 2, 11, "topics.yaml");
}

static gp_resolution resolve(gp_vocab_kind kind, const char *value, int year, const char *cc)
{
    gp_resolution r;
    assert_int_equal(gp_ruleset_resolve(th_rules(), kind, value, strlen(value), year, cc, &r),
                     GP_OK);
    return r;
}

static void test_rules__countries_from_iso_codes_icu_and_aliases(void **state)
{
    static const char *const turkey[] = {
        "Türkiye", "Republic of Türkiye", "Turquie", "Turquía", "Türkei", "TURKIYE"};
    for (size_t i = 0; i < GP_ARRAY_LEN(turkey); i++) {
        gp_resolution r = resolve(GP_VOCAB_COUNTRY, turkey[i], 2024, NULL);
        assert_int_equal(r.match != GP_MATCH_NONE, 1);
        assert_string_equal(r.canonical, "Türkiye");
        assert_string_equal(r.code, "TR");
        assert_string_equal(r.region, "Europe");
    }
    gp_resolution kr = resolve(GP_VOCAB_COUNTRY, "Republic of Korea", 2018, NULL);
    assert_int_equal(kr.match, GP_MATCH_ALIAS);
    assert_string_equal(kr.canonical, "Korea, Republic of");
    assert_string_equal(kr.region, "Asia and the Pacific");
    assert_string_equal(resolve(GP_VOCAB_COUNTRY, "Vietnam", 0, NULL).code, "VN");
    assert_string_equal(resolve(GP_VOCAB_COUNTRY, "Islamic Republic of Iran", 0, NULL).code, "IR");
    assert_int_equal(resolve(GP_VOCAB_COUNTRY, "Korea, Republic of", 0, NULL).match,
                     GP_MATCH_EXACT);
    assert_int_equal(resolve(GP_VOCAB_COUNTRY, "korea republic of", 0, NULL).match,
                     GP_MATCH_VARIANT);
    assert_int_equal(resolve(GP_VOCAB_COUNTRY, "Atlantis", 0, NULL).match, GP_MATCH_NONE);
}

static void test_rules__translations_are_told_from_aliases(void **state)
{
    (void)state;
    gp_resolution salud = resolve(GP_VOCAB_TOPIC, "Salud", 2024, NULL);
    assert_int_equal(salud.match, GP_MATCH_ALIAS);
    assert_string_equal(salud.canonical, "Health");
    assert_int_equal(salud.translation, 1); /* topics.yaml: translations */
    gp_resolution prog = resolve(GP_VOCAB_TOPIC, "Programme & evaluation", 2024, NULL);
    assert_int_equal(prog.match, GP_MATCH_ALIAS);
    assert_int_equal(prog.translation, 0); /* topics.yaml: aliases */
    assert_int_equal(resolve(GP_VOCAB_COUNTRY, "Turquía", 2024, NULL).translation, 1); /* ICU */
    assert_int_equal(resolve(GP_VOCAB_COUNTRY, "Republic of Korea", 2018, NULL).translation, 0);
    assert_int_equal(resolve(GP_VOCAB_REGION, "Europa", 2024, NULL).translation, 1);
}

static void test_rules__former_names_depend_on_the_year(void **state)
{
    gp_resolution old = resolve(GP_VOCAB_COUNTRY, "Turkey", 2019, NULL);
    assert_int_equal(old.match, GP_MATCH_ALIAS);
    assert_string_equal(old.canonical, "Türkiye");
    gp_resolution later = resolve(GP_VOCAB_COUNTRY, "Turkey", 2024, NULL);
    assert_int_equal(later.match, GP_MATCH_FORMER);
    assert_string_equal(later.canonical, "Türkiye");
    assert_int_equal(later.until, 2022);
}

static void test_rules__regions_topics_and_priority_areas(void **state)
{
    assert_string_equal(resolve(GP_VOCAB_REGION, "Asia and Pacific", 0, NULL).canonical,
                        "Asia and the Pacific");
    assert_string_equal(resolve(GP_VOCAB_REGION, "Américas", 0, NULL).canonical, "Americas");
    assert_string_equal(resolve(GP_VOCAB_TOPIC, "Programme & evaluation", 0, NULL).canonical,
                        "Programme evaluation");
    assert_string_equal(resolve(GP_VOCAB_TOPIC, "Shocks and extreme events", 0, NULL).canonical,
                        "Shocks & extreme events");
    assert_string_equal(resolve(GP_VOCAB_TOPIC, "Old age – pensions", 0, NULL).canonical,
                        "Old-age pensions");
    assert_string_equal(
        resolve(GP_VOCAB_TOPIC, "Recaudación y cobranza de cotizaciones", 0, NULL).canonical,
        "Contribution collection and compliance");
    /* Different topics stay different. */
    assert_string_equal(resolve(GP_VOCAB_TOPIC, "Unemployment", 0, NULL).canonical, "Unemployment");
    assert_string_equal(resolve(GP_VOCAB_TOPIC, "Gender Inequalities", 0, NULL).canonical,
                        "Gender Inequalities");
    assert_int_equal(gp_ruleset_vocab_len(th_rules(), GP_VOCAB_PRIORITY_AREA), 12);
    assert_string_equal(resolve(GP_VOCAB_PRIORITY_AREA, "Service Quality", 0, NULL).canonical,
                        "Service Quality");
}

static void test_rules__folder_or_entry_file(void **state)
{
    th_diags d;
    th_diags_init(&d);
    gp_ruleset *rs;
    assert_int_equal(gp_ruleset_load(&rs, th_path("rules/gpkit.yaml"), &d.sink), GP_OK);
    assert_non_null(strstr(gp_ruleset_path(rs), "rules/gpkit.yaml"));
    gp_ruleset_free(rs);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    th_diags_free(&d);
}

static void test_rules__every_check_is_documented(void **state)
{
    for (size_t i = 0; i < gp_checks_count(); i++) {
        const gp_check_info *c = gp_checks_get(i);
        const gp_check_doc *doc = gp_ruleset_check(th_rules(), c->id);
        if (!doc || !doc->description)
            fail_msg("check '%s' has no description in rules/checks.yaml", c->id);
        /* the documented level is the library's default: the doc tells the truth */
        if (!doc->has_level || doc->level != c->level)
            fail_msg("check '%s': rules/checks.yaml gives level %s, the library %s", c->id,
                     doc->has_level ? gp_severity_name(doc->level) : "none",
                     gp_severity_name(c->level));
    }
}

/*
 * A line that is a label written without its colon and nothing after it ("Priority
 * area") matches with an empty value, not a NULL one: the readers do arithmetic on it
 * (found by fuzz_detect; UBSan: "applying zero offset to null pointer").
 */
static void test_rules__label_alone_has_an_empty_value(void **state)
{
    gp_ruleset *rs = th_rules();
    const char *line = "Priority area";
    const char *v = NULL;
    size_t vlen = 99;
    assert_int_equal(gp__labels_match(rs, &rs->booklet.labels[GP_BOOKLET_PRIORITY_AREAS], line,
                                      strlen(line), &v, &vlen),
                     1);
    assert_non_null(v);
    assert_int_equal(vlen, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules__unknown_key_suggests_the_close_one),
        cmocka_unit_test(test_rules__wrong_type_is_reported_where_it_is),
        cmocka_unit_test(test_rules__duplicate_entry),
        cmocka_unit_test(test_rules__alias_of_two_entries),
        cmocka_unit_test(test_rules__bad_regular_expression),
        cmocka_unit_test(test_rules__missing_include),
        cmocka_unit_test(test_rules__countries_from_iso_codes_icu_and_aliases),
        cmocka_unit_test(test_rules__translations_are_told_from_aliases),
        cmocka_unit_test(test_rules__former_names_depend_on_the_year),
        cmocka_unit_test(test_rules__regions_topics_and_priority_areas),
        cmocka_unit_test(test_rules__folder_or_entry_file),
        cmocka_unit_test(test_rules__every_check_is_documented),
        cmocka_unit_test(test_rules__label_alone_has_an_empty_value),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
