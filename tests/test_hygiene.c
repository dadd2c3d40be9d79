/*
 * tests/test_hygiene.c - what text should not contain, and the certain fixes.
 */
#include <string.h>

#include "helpers.h"

typedef struct seen {
    char rule[64];
    char fragment[128];
    char fix[128];
    int has_fix;
    size_t n;
} seen;

static int keep_first(void *ctx, const gp_hygiene_issue *is)
{
    seen *s = ctx;
    if (s->n++ == 0) {
        snprintf(s->rule, sizeof s->rule, "%s", is->rule_id);
        s->has_fix = is->fix != NULL;
        snprintf(s->fix, sizeof s->fix, "%s", is->fix ? is->fix : "");
    }
    return 0;
}

/* The first issue of `text` in `field`; asserts its rule and (when given) its fix. */
static void expect(gp_field field, const char *text, const char *rule, const char *fix)
{
    gp_hygiene *h;
    assert_int_equal(gp_hygiene_new(&h, th_rules()), GP_OK);
    seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(gp_hygiene_check(h, text, strlen(text), field, keep_first, &s), GP_OK);
    if (!rule) {
        if (s.n)
            fail_msg("'%s' should be clean, got %s", text, s.rule);
    } else {
        assert_true(s.n >= 1);
        assert_string_equal(s.rule, rule);
        if (fix) {
            assert_true(s.has_fix);
            assert_string_equal(s.fix, fix);
        } else {
            assert_false(s.has_fix);
        }
    }
    gp_hygiene_free(h);
}

static void test_hygiene__mojibake_is_decoded(void **state)
{
    expect(GP_F_COUNTRY, "TÃ¼rkiye", "text.mojibake", "ü");
    expect(GP_F_TITLE, "the workerâ€™s portal", "text.mojibake", "’");
    expect(GP_F_TITLE, "Caisse nationale d'assurance vieillesse", NULL, NULL);
    expect(GP_F_TITLE, "São Paulo Ação", NULL, NULL); /* real accents are not mojibake */
}

static void test_hygiene__invisible_and_control_characters(void **state)
{
    expect(GP_F_TITLE, "Social\xE2\x80\x8BSecurity", "text.zero-width", "");
    expect(GP_F_TITLE, "impro\xC2\xADvement", "text.soft-hyphen", "");
    expect(GP_F_TITLE, "bell\x07here", "text.control-char", "");
    expect(GP_F_TITLE, "lost \xEF\xBF\xBD here", "text.replacement-char", NULL);
}

static void test_hygiene__ligatures_and_confusables(void **state)
{
    expect(GP_F_TITLE, "\xEF\xAC\x81nancial advice", "text.ligature", "fi");
    /* a Cyrillic a (U+0430) inside a Latin word */
    expect(GP_F_TITLE, "Soci\xD0\xB0l Security", "text.confusable", "Social");
    /* a whole word in another script is not a confusable */
    expect(GP_F_TITLE, "Пенсионный фонд", NULL, NULL);
}

static void test_hygiene__spacing_and_footers(void **state)
{
    expect(GP_F_TITLE, "National  Pension Service", "text.spacing", " ");
    expect(GP_F_DESCRIPTION, "One.\n\nTwo.", NULL, NULL); /* a paragraph break is fine */
    expect(GP_F_TITLE, "One\n\nTwo", "text.spacing", " ");
    expect(GP_F_DESCRIPTION, "a vital point 21 www.issa.int/goodpractices in controlling.",
           "text.footer", "");
}

static void test_hygiene__truncated_descriptions(void **state)
{
    expect(GP_F_DESCRIPTION, "These efforts include:", "text.truncated", NULL);
    expect(GP_F_DESCRIPTION, "It ends “well.”", NULL, NULL);
    expect(GP_F_TITLE, "A title without a full stop", NULL, NULL);
}

static void test_hygiene__broken_words_but_not_suspended_hyphens(void **state)
{
    expect(GP_F_DESCRIPTION, "an impro- vement.", "text.broken-word", NULL);
    expect(GP_F_DESCRIPTION, "short- and long-term benefits.", NULL, NULL);
    expect(GP_F_DESCRIPTION, "Gaststätten- und Hotelgewerbe.", NULL, NULL);
    expect(GP_F_DESCRIPTION, "work-related injuries.", NULL, NULL);
}

static void test_hygiene__fix_applies_every_certain_fix(void **state)
{
    gp_hygiene *h;
    assert_int_equal(gp_hygiene_new(&h, th_rules()), GP_OK);
    const char *text = "TÃ¼rkiye\xE2\x80\x8B portal for \xEF\xAC\x81nance, an impro- vement.";
    gp_buf out = GP_BUF_INIT;
    size_t n = 0;
    assert_int_equal(gp_hygiene_fix(h, text, strlen(text), GP_F_DESCRIPTION, &out, &n), GP_OK);
    assert_int_equal(n, 3);
    /* the broken word needs the dataset to be fixed; gp-lint decides it */
    assert_string_equal(out.data, "Türkiye portal for finance, an impro- vement.");
    gp_buf_free(&out);
    gp_hygiene_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hygiene__mojibake_is_decoded),
        cmocka_unit_test(test_hygiene__invisible_and_control_characters),
        cmocka_unit_test(test_hygiene__ligatures_and_confusables),
        cmocka_unit_test(test_hygiene__spacing_and_footers),
        cmocka_unit_test(test_hygiene__truncated_descriptions),
        cmocka_unit_test(test_hygiene__broken_words_but_not_suspended_hyphens),
        cmocka_unit_test(test_hygiene__fix_applies_every_certain_fix),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
