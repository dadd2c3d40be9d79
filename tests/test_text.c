/*
 * tests/test_text.c - matching keys, NFC, white space and folding.
 */
#include <string.h>

#include "helpers.h"

static char *key_of(gp_text *t, const char *s)
{
    static gp_buf b;
    gp_buf_reset(&b);
    assert_int_equal(gp_text_key(t, s, strlen(s), &b), GP_OK);
    return b.data ? b.data : "";
}

static void test_text__key_ignores_case_quotes_and_ampersand(void **state)
{
    gp_text *t;
    assert_int_equal(gp_text_new(&t), GP_OK);
    assert_string_equal(key_of(t, "Korea Workers’ Compensation & Welfare Service"),
                        "korea workers compensation and welfare service");
    assert_string_equal(key_of(t, "korea workers' compensation and welfare  service"),
                        "korea workers compensation and welfare service");
    assert_string_equal(key_of(t, "Old‑age pensions"), "old age pensions");
    assert_string_equal(key_of(t, "Old age – pensions"), "old age pensions");
    gp_text_free(t);
}

static void test_text__key_transliterates_and_strips_accents(void **state)
{
    gp_text *t;
    assert_int_equal(gp_text_new(&t), GP_OK);
    assert_string_equal(key_of(t, "Türkiye"), "turkiye");
    assert_string_equal(key_of(t, "TÜRKIYE"), "turkiye");
    assert_string_equal(key_of(t, "Año de implementación:"), "ano de implementacion");
    assert_string_equal(key_of(t, "Россия"), "rossia");
    assert_string_equal(key_of(t, "ﬁnance"), "finance");
    assert_string_equal(key_of(t, "  ,  "), "");
    gp_text_free(t);
}

static void test_text__nfc_composes(void **state)
{
    gp_text *t;
    assert_int_equal(gp_text_new(&t), GP_OK);
    gp_buf b = GP_BUF_INIT;
    const char *decomposed = "Une\xCC\x81"
                             "dic";
    assert_int_equal(gp_text_nfc(t, decomposed, strlen(decomposed), &b), GP_OK);
    assert_string_equal(b.data, "Un\xC3\xA9"
                                "dic");
    gp_buf_reset(&b);
    assert_int_equal(gp_text_nfc(t, "plain", 5, &b), GP_OK);
    assert_string_equal(b.data, "plain");
    gp_buf_free(&b);
    gp_text_free(t);
}

static void test_text__collapse_keeps_paragraphs(void **state)
{
    gp_buf b = GP_BUF_INIT;
    const char *s = "  First  line\nsame paragraph. \n \n\tSecond\xC2\xA0paragraph  \n";
    assert_int_equal(gp_text_collapse_space(s, strlen(s), 1, &b), GP_OK);
    assert_string_equal(b.data, "First line same paragraph.\n\nSecond paragraph");
    gp_buf_reset(&b);
    assert_int_equal(gp_text_collapse_space(s, strlen(s), 0, &b), GP_OK);
    assert_string_equal(b.data, "First line same paragraph. Second paragraph");
    gp_buf_free(&b);
}

static void test_text__fold_replaces_mapped_characters(void **state)
{
    gp_foldmap *m;
    assert_int_equal(gp_foldmap_new(&m), GP_OK);
    assert_int_equal(gp_foldmap_add(m, 0x2011, "-", 1), GP_OK);
    assert_int_equal(gp_foldmap_add(m, 0xAD, "", 0), GP_OK);
    assert_int_equal(gp_foldmap_add(m, 0x1F600, "?", 1), GP_OK);
    gp_buf b = GP_BUF_INIT;
    const char *s = "Old\xE2\x80\x91"
                    "age impro\xC2\xAD"
                    "vement \xF0\x9F\x98\x80";
    assert_int_equal(gp_fold_apply(m, s, strlen(s), &b), 3);
    assert_string_equal(b.data, "Old-age improvement ?");
    gp_buf_free(&b);
    gp_foldmap_free(m);
}

static void test_text__edit_distance_counts_transpositions(void **state)
{
    assert_int_equal(gp_text_edit_distance("employment", 10, "unemployment", 12), 2);
    assert_int_equal(gp_text_edit_distance("ab", 2, "ba", 2), 1);
    assert_int_equal(gp_text_edit_distance("", 0, "abc", 3), 3);
}

static size_t dist(const char *a, const char *b)
{
    return gp_text_edit_distance(a, strlen(a), b, strlen(b));
}

static void test_text__edit_distance_counts_characters_not_bytes(void **state)
{
    /* One edit each, in two-byte (Cyrillic, Greek) and three-byte (CJK) characters. */
    assert_int_equal(
        dist("\u041C\u0438\u043D\u0438\u0441\u0442\u0435\u0440\u0441\u0442\u0432\u043E",
             "\u041C\u0438\u043D\u0438\u0441\u0442\u0435\u0440\u0441\u0442\u0432\u0430"),
        1); /* Министерство / Министерства: substitution */
    assert_int_equal(dist("\u03A5\u03C0\u03BF\u03C5\u03C1\u03B3\u03B5\u03AF\u03BF",
                          "\u03A5\u03C0\u03BF\u03C5\u03C1\u03B3\u03B5\u03AF\u03BF\u03C5"),
                     1); /* Υπουργείο / Υπουργείου: insertion */
    assert_int_equal(dist("\u0430\u0431", "\u0431\u0430"), 1); /* аб / ба: transposition */
    assert_int_equal(dist("\u52B4\u50CD\u7701", "\u52B4\u50CD"), 1); /* 労働省 / 労働 */
    assert_int_equal(dist("", "\u041C\u0438\u0440"), 3);
    /* Longer than the stack buffers: the heap fallback gives the same answer. */
    char a[1200], b[1200];
    for (int i = 0; i < 500; i++)
        memcpy(a + 2 * i, "\u0436", 2);
    memcpy(b, a, 1000);
    memcpy(b + 500, "\u0437", 2);
    a[1000] = b[1000] = '\0';
    assert_int_equal(dist(a, b), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text__key_ignores_case_quotes_and_ampersand),
        cmocka_unit_test(test_text__key_transliterates_and_strips_accents),
        cmocka_unit_test(test_text__nfc_composes),
        cmocka_unit_test(test_text__collapse_keeps_paragraphs),
        cmocka_unit_test(test_text__fold_replaces_mapped_characters),
        cmocka_unit_test(test_text__edit_distance_counts_transpositions),
        cmocka_unit_test(test_text__edit_distance_counts_characters_not_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
