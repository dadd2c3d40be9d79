/*
 * tests/test_text.c - matching keys, NFC, white space and folding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "internal.h"

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

/* The three steps gp-norm takes when one pass cannot tell. */
static void clean_slowly(gp_text *t, const gp_foldmap *m, const char *s, int paragraphs,
                         gp_buf *out)
{
    gp_buf fold = GP_BUF_INIT, nfc = GP_BUF_INIT;
    gp_fold_apply(m, s, strlen(s), &fold);
    assert_int_equal(gp_text_nfc(t, fold.data ? fold.data : "", fold.len, &nfc), GP_OK);
    assert_int_equal(gp_text_collapse_space(nfc.data ? nfc.data : "", nfc.len, paragraphs, out),
                     GP_OK);
    gp_buf_free(&fold);
    gp_buf_free(&nfc);
}

static void test_text__clean_in_one_pass_as_in_three(void **state)
{
    (void)state;
    gp_text *t;
    gp_foldmap *m;
    assert_int_equal(gp_text_new(&t), GP_OK);
    assert_int_equal(gp_foldmap_new(&m), GP_OK);
    assert_int_equal(gp_foldmap_add(m, 0x2011, "-", 1), GP_OK);            /* to ASCII */
    assert_int_equal(gp_foldmap_add(m, 0xA0, " ", 1), GP_OK);              /* to a space */
    assert_int_equal(gp_foldmap_add(m, 0x200B, "", 0), GP_OK);             /* away */
    assert_int_equal(gp_foldmap_add(m, 0xFB03, "ffi", 3), GP_OK);          /* longer */
    assert_int_equal(gp_foldmap_add(m, 0x2012, "\xE2\x80\x93", 3), GP_OK); /* not ASCII */
    static const char *const texts[] = {
        "plain words",
        "  two  spaces\tand a tab  ",
        "Old\xE2\x80\x91"
        "age \xC2\xA0 pensions\xC2\xA0",
        "\xE2\x80\x8B lead and trail \xE2\x80\x8B",
        "word\xE2\x80\x8B \xE2\x80\x8Bword",
        "e\xCC\x81 composes", /* NFC changes it: one pass gives up */
        "\xEF\xAC\x83"
        "cient \xE2\x80\x92 dash",
        "para one\n\npara two \n \n\t three\xE2\x80\xA9"
        "four\xE2\x80\xA8"
        "five",
        "caf\xC3\xA9 \xE2\x80\x9Cquoted\xE2\x80\x9D\r\nline",
        "\n\n",
        "",
        "ctl\x01char \x7F",
    };
    int fast_ones = 0;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        for (int paragraphs = 0; paragraphs < 2; paragraphs++) {
            gp_buf want = GP_BUF_INIT, got = GP_BUF_INIT;
            clean_slowly(t, m, texts[i], paragraphs, &want);
            gp_buf_puts(&got, "x");
            int rc = gp_text_clean_fast(m, texts[i], strlen(texts[i]), paragraphs, &got);
            assert_true(rc == 0 || rc == 1);
            if (rc == 1) {
                fast_ones++;
                assert_string_equal(got.data + 1, want.data ? want.data : "");
            } else {
                assert_string_equal(got.data, "x"); /* left as it was */
            }
            gp_buf_free(&want);
            gp_buf_free(&got);
        }
    }
    assert_int_equal(fast_ones, 2 * 10); /* all but the two that need NFC or fold to non-ASCII */
    gp_foldmap_free(m);
    gp_text_free(t);
}

static void test_text__key_opening_is_the_key_cut(void **state)
{
    (void)state;
    gp_text *t;
    assert_int_equal(gp_text_new(&t), GP_OK);
    static const char *const texts[] = {
        "one two three four five six",
        "Health & safety: the Fund’s plan, step-by-step",
        "Ålesund kommune – Дом культуры & co",
        "  & leading ampersand and trailing &",
        "few words",
        "",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        for (size_t words = 1; words <= 8; words++) {
            gp_buf full = GP_BUF_INIT, opening = GP_BUF_INIT;
            assert_int_equal(gp_text_key(t, texts[i], strlen(texts[i]), &full), GP_OK);
            assert_int_equal(gp_text_key_opening(t, texts[i], strlen(texts[i]), words, &opening),
                             GP_OK);
            const char *k = full.data ? full.data : "";
            size_t cut = gp_text_key_prefix(k, full.len, words);
            assert_int_equal(opening.len, cut);
            assert_memory_equal(opening.data ? opening.data : "", k, cut);
            gp_buf_free(&full);
            gp_buf_free(&opening);
        }
    }
    gp_text_free(t);
}

/* A key of a long ASCII text is made a piece at a time; words across a seam stay whole. */
static void test_text__key_of_a_long_text_is_whole_across_pieces(void **state)
{
    (void)state;
    gp_text *t;
    assert_int_equal(gp_text_new(&t), GP_OK);
    enum { TOKENS = 60000 }; /* 300,000 bytes: several pieces, seams inside tokens */
    gp_buf text = GP_BUF_INIT, want = GP_BUF_INIT, got = GP_BUF_INIT;
    for (size_t i = 0; i < TOKENS; i++) {
        gp_buf_puts(&text, "Ab&c ");
        gp_buf_puts(&want, i ? " ab and c" : "ab and c");
    }
    assert_false(gp_buf_error(&text) || gp_buf_error(&want));
    assert_int_equal(gp_text_key(t, text.data, text.len, &got), GP_OK);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    gp_buf_free(&text);
    gp_buf_free(&want);
    gp_buf_free(&got);
    gp_text_free(t);
}

/* The key of s, whole (words 0) or opening, a byte at a time or 16 at once. */
static void key_both_ways(gp_text *t, const char *s, size_t len, size_t words)
{
    gp_buf bytewise = GP_BUF_INIT, vectors = GP_BUF_INIT;
    gp__text_key_vectors(0);
    int rc1 = words ? gp_text_key_opening(t, s, len, words, &bytewise)
                    : gp_text_key(t, s, len, &bytewise);
    gp__text_key_vectors(1);
    int rc2 =
        words ? gp_text_key_opening(t, s, len, words, &vectors) : gp_text_key(t, s, len, &vectors);
    assert_int_equal(rc1, GP_OK);
    assert_int_equal(rc2, GP_OK);
    if (bytewise.len != vectors.len ||
        memcmp(gp_buf_str(&bytewise), gp_buf_str(&vectors), bytewise.len) != 0)
        fail_msg("keys differ (%zu words) for \"%.*s\":\n  bytewise \"%s\"\n  vectors  \"%s\"",
                 words, (int)len, s, gp_buf_str(&bytewise), gp_buf_str(&vectors));
    gp_buf_free(&bytewise);
    gp_buf_free(&vectors);
}

/*
 * Keys made 16 bytes at a time equal keys made a byte at a time: on texts of runs of
 * spaces, capitals, digits, punctuation, apostrophes, "&" and a few non-ASCII
 * characters at every alignment, with and without a word limit, and on every line of
 * a real dump.
 */
static void test_text__key_vectors_equal_bytewise(void **state)
{
    (void)state;
    gp_text *t;
    assert_int_equal(gp_text_new(&t), GP_OK);
    static const char *const pieces[] = {
        "a", "b",  "z", "A", "Z",      "m",      "q",      "0",   "9",    " ",   " ",
        " ", "  ", ",", ".", "-",      "'",      "`",      "&",   "\t",   "\n",  "(",
        ")", "@",  "[", "{", "\u00e9", "\u2019", "\u00a0", "xyz", "Fund", " of "};
    srand(20261201);
    char text[400];
    for (int round = 0; round < 20000; round++) {
        size_t len = 0, want = (size_t)(rand() % 380);
        /* mostly letters and single spaces, as in prose, now and then anything */
        int plain = rand() % 4 != 0;
        while (len < want) {
            const char *p = pieces[rand() % (plain ? 10 : (int)GP_ARRAY_LEN(pieces))];
            size_t n = strlen(p);
            if (len + n >= sizeof text)
                break;
            memcpy(text + len, p, n);
            len += n;
        }
        key_both_ways(t, text, len, 0);
        key_both_ways(t, text, len, (size_t)(rand() % 40) + 1);
    }
    static const char *const dumps[] = {"fixtures/seeds/booklet-asia-pacific-2018.txt",
                                        "fixtures/seeds/listing-europe-award-2024.txt"};
    for (size_t d = 0; d < GP_ARRAY_LEN(dumps); d++) {
        FILE *f = fopen(th_path(dumps[d]), "rb");
        assert_non_null(f);
        char line[8192];
        size_t lines = 0;
        while (fgets(line, sizeof line, f)) {
            key_both_ways(t, line, strlen(line), 0);
            key_both_ways(t, line, strlen(line), 3);
            lines++;
        }
        fclose(f);
        assert_true(lines > 100);
    }
    gp_text_free(t);
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
        cmocka_unit_test(test_text__clean_in_one_pass_as_in_three),
        cmocka_unit_test(test_text__key_opening_is_the_key_cut),
        cmocka_unit_test(test_text__key_of_a_long_text_is_whole_across_pieces),
        cmocka_unit_test(test_text__key_vectors_equal_bytewise),
        cmocka_unit_test(test_text__edit_distance_counts_transpositions),
        cmocka_unit_test(test_text__edit_distance_counts_characters_not_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
