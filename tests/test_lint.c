/*
 * tests/test_lint.c - gp-lint's checks on the seeds, discovery, suggestions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "helpers.h"

static const char *const seeds[] = {
    "fixtures/seeds/listing-europe-award-2024.txt", "fixtures/seeds/listing-implemented-2015.txt",
    "fixtures/seeds/listing-azerbaijan-israel.txt", "fixtures/seeds/listing-korea-split-header.txt",
    "fixtures/seeds/booklet-asia-pacific-2018.txt"};

/* Extracts the seeds with the bundled rules and lints them with `rules`. */
static gp_linter *lint_seeds_with(gp_ruleset *rules, th_diags *findings, int threads)
{
    th_records recs;
    th_records_init(&recs);
    th_diags extract;
    th_diags_init(&extract);
    for (size_t i = 0; i < GP_ARRAY_LEN(seeds); i++)
        assert_int_equal(th_extract(seeds[i], GP_FORMAT_AUTO, &recs, &extract), GP_OK);
    th_diags_free(&extract);
    gp_linter *l;
    gp_lint_options opts = {1, threads, 1, NULL, NULL};
    findings->sink.level_fn = gp_ruleset_level;
    findings->sink.level_ctx = rules;
    assert_int_equal(gp_linter_new(&l, rules, &opts, &findings->sink), GP_OK);
    for (size_t i = 0; i < recs.len; i++)
        assert_int_equal(gp_lint_record(l, &recs.items[i]), GP_OK);
    assert_int_equal(gp_lint_finish(l), GP_OK);
    th_records_free(&recs);
    return l;
}

static gp_linter *lint_seeds(gp_ruleset *rules, th_diags *findings)
{
    return lint_seeds_with(rules, findings, 1);
}

static size_t count_suffix(const th_diags *d, const char *suffix)
{
    size_t n = 0, sl = strlen(suffix);
    for (size_t i = 0; i < gp_diag_list_len(d->list); i++) {
        const char *id = gp_diag_list_get(d->list, i)->rule_id;
        size_t il = strlen(id);
        n += il >= sl && strcmp(id + il - sl, suffix) == 0;
    }
    return n;
}

static void test_lint__seeds_with_the_bundled_rules(void **state)
{
    th_diags d;
    th_diags_init(&d);
    gp_linter *l = lint_seeds(th_rules(), &d);
    assert_int_equal(gp_linter_records(l), 277);
    /* the one topic alias, at its line in the 2024 listing */
    assert_int_equal(th_diags_count(&d, "topic.alias"), 1);
    const gp_diag *g = th_diags_find(&d, "topic.alias");
    assert_string_equal(g->file, "fixtures/seeds/listing-europe-award-2024.txt");
    assert_int_equal(g->line, 365);
    assert_string_equal(g->value, "Programme & evaluation");
    assert_string_equal(g->fix, "Programme evaluation");
    assert_string_equal(g->pointer, "/topics/7");
    assert_non_null(g->record_id);
    /* the 2015 listing repeats a topic in one record: gp-norm drops it, lint says so */
    assert_int_equal(th_diags_count(&d, "topic.duplicate"), 1);
    g = th_diags_find(&d, "topic.duplicate");
    assert_string_equal(g->file, "fixtures/seeds/listing-implemented-2015.txt");
    assert_int_equal(g->line, 193);
    assert_string_equal(g->pointer, "/topics/2");
    assert_int_equal(g->severity, GP_SEV_INFO);
    /* the rules know every value; the Korea spellings of 003 and 004 are resolved */
    assert_int_equal(count_suffix(&d, ".unknown"), 0);
    assert_int_equal(count_suffix(&d, ".variants"), 0);
    assert_int_equal(count_suffix(&d, ".countries"), 0);
    for (size_t i = 0; i < gp_diag_list_len(d.list); i++) {
        const char *id = gp_diag_list_get(d.list, i)->rule_id;
        assert_true(strncmp(id, "country.", 8) != 0 && strncmp(id, "region.", 7) != 0);
    }
    /* gp-dedup's matching: the ZUS pair and the two Korean certificates, and the six
     * merged Korean entries whose booklet summary differs from the listing text */
    assert_int_equal(th_diags_count(&d, "record.possible-duplicate"), 3);
    assert_int_equal(th_diags_count(&d, "record.conflict"), 6);
    /* the descriptions the database cuts off, and words broken at line ends */
    assert_true(th_diags_count(&d, "text.truncated") >= 10);
    assert_true(th_diags_count(&d, "text.broken-word") >= 2);
    gp_linter_free(l);
    th_diags_free(&d);
}

/* Whether one variants finding holds both spellings. */
static int clustered(const th_diags *d, const char *a, const char *b)
{
    for (size_t i = 0; i < gp_diag_list_len(d->list); i++) {
        const gp_diag *g = gp_diag_list_get(d->list, i);
        size_t il = strlen(g->rule_id);
        if (il < 9 || strcmp(g->rule_id + il - 9, ".variants") != 0 || !g->value)
            continue;
        char va[256], vb[256];
        snprintf(va, sizeof va, "%s", g->value);
        int has_a = 0, has_b = 0;
        for (char *save = NULL, *m = strtok_r(va, "|", &save); m; m = strtok_r(NULL, "|", &save)) {
            while (*m == ' ')
                m++;
            size_t ml = strlen(m);
            while (ml && m[ml - 1] == ' ')
                m[--ml] = '\0';
            has_a |= strcmp(m, a) == 0;
            has_b |= strcmp(m, b) == 0;
        }
        (void)vb;
        if (has_a && has_b)
            return 1;
    }
    return 0;
}

static void test_lint__discovery_finds_what_the_rules_lack(void **state)
{
    th_diags d, load;
    th_diags_init(&d);
    th_diags_init(&load);
    gp_ruleset *bare;
    assert_int_equal(gp_ruleset_load(&bare, th_path("fixtures/rules/no-aliases"), &load.sink),
                     GP_OK);
    gp_linter *l = lint_seeds(bare, &d);
    assert_true(clustered(&d, "Programme & evaluation", "Programme evaluation"));
    assert_true(clustered(&d, "Korea, Republic of", "Republic of Korea"));
    assert_true(clustered(&d, "Iran, Islamic Republic of", "Islamic Republic of Iran"));
    assert_true(clustered(&d, "Asia and Pacific", "Asia and the Pacific"));
    assert_true(clustered(&d, "Korea Workers' Compensation & Welfare Service",
                          "Korea Workers\xE2\x80\x99 Compensation & Welfare Service"));
    const gp_diag *g = th_diags_find(&d, "topic.variants");
    assert_string_equal(g->fix, "Programme evaluation");
    assert_int_equal(g->line, 365);
    /* --suggest prints rule YAML for each cluster */
    gp_buf yaml = GP_BUF_INIT;
    assert_int_equal(gp_lint_suggest(l, &yaml), GP_OK);
    assert_non_null(strstr(yaml.data, "  - alias_of: \"Programme evaluation\"\n"
                                      "    aliases: [\"Programme & evaluation\"]\n"));
    assert_non_null(strstr(yaml.data, "    - alias_of: \"Korea, Republic of\"\n"
                                      "      aliases: [\"Republic of Korea\"]\n"));
    gp_buf_free(&yaml);
    gp_linter_free(l);
    gp_ruleset_free(bare);
    th_diags_free(&d);
    th_diags_free(&load);
}

static size_t clusters_seen;

static int count_cluster(void *ctx, const gp_cluster *c)
{
    (void)ctx;
    (void)c;
    clusters_seen++;
    return 0;
}

/* Clusters `n` topic spellings (each seen once) with rules that know no topics. */
static size_t cluster_count(const char *const *values, size_t n)
{
    th_diags load;
    th_diags_init(&load);
    gp_ruleset *rs;
    assert_int_equal(gp_ruleset_load(&rs, th_path("fixtures/rules/no-aliases"), &load.sink), GP_OK);
    gp_discover *d;
    assert_int_equal(gp_discover_new(&d, rs), GP_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(gp_discover_add(d, GP_VOCAB_INSTITUTION, "Atlantis", values[i], 0, "x",
                                         (long)i + 1, 1, NULL, NULL),
                         GP_OK);
    clusters_seen = 0;
    assert_int_equal(gp_discover_run(d, count_cluster, NULL), GP_OK);
    gp_discover_free(d);
    gp_ruleset_free(rs);
    th_diags_free(&load);
    return clusters_seen;
}

static void test_lint__discovery_keeps_different_things_apart(void **state)
{
    static const char *const pairs[][2] = {
        {"Inequalities", "Gender Inequalities"},
        {"Pensions", "Old-age pensions"},
        {"Employment", "Unemployment"},
        {"Social Insurance Institution", "Social Security Institution"},
        {"National Social Security Fund", "National Social Insurance Fund"},
    };
    for (size_t i = 0; i < GP_ARRAY_LEN(pairs); i++)
        if (cluster_count(pairs[i], 2) != 0)
            fail_msg("'%s' and '%s' were clustered", pairs[i][0], pairs[i][1]);
}

static void test_lint__discovery_links_real_variants(void **state)
{
    static const char *const pairs[][2] = {
        {"Caisse nationale d’assurance vieillesse", "CAISSE NATIONALE D'ASSURANCE VIEILLESSE"},
        {"Türkiye Social Security Institution", "Turkiye Social Security Institution"},
        {"Social Security Fund & Pension Board", "Social Security Fund and Pension Board"},
        {"Pension Board of the Republic", "Republic Pension Board"},
        {"Contribution collection and compliance", "Contribution colection and compliance"},
    };
    for (size_t i = 0; i < GP_ARRAY_LEN(pairs); i++)
        if (cluster_count(pairs[i], 2) != 1)
            fail_msg("'%s' and '%s' were not clustered", pairs[i][0], pairs[i][1]);
}

static void test_lint__suppressions_and_levels_come_from_the_rules(void **state)
{
    th_diags d, load;
    th_diags_init(&d);
    th_diags_init(&load);
    gp_ruleset *rs;
    assert_int_equal(gp_ruleset_load(&rs, th_path("fixtures/rules/suppress-alias"), &load.sink),
                     GP_OK);
    gp_linter *l = lint_seeds(rs, &d);
    /* suppressed for its record, with a reason */
    assert_int_equal(th_diags_count(&d, "topic.alias"), 0);
    /* a suppression naming a record no finding has is reported */
    const gp_diag *u = th_diags_find(&d, "lint.unused-suppression");
    assert_non_null(u);
    assert_non_null(strstr(u->file, "fixtures/rules/suppress-alias/gpkit.yaml"));
    /* the level of text.truncated was raised to error by the rules */
    const gp_diag *t = th_diags_find(&d, "text.truncated");
    assert_non_null(t);
    assert_int_equal(t->severity, GP_SEV_ERROR);
    gp_linter_free(l);
    gp_ruleset_free(rs);
    th_diags_free(&d);
    th_diags_free(&load);
}

/* The findings of a run as sorted human lines. */
static char *printed(th_diags *d)
{
    gp_diag_list_sort(d->list);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    for (size_t i = 0; i < gp_diag_list_len(d->list); i++)
        gp_diag_print_human(f, gp_diag_list_get(d->list, i), 0);
    fclose(f);
    return buf;
}

static void test_lint__threads_find_the_same(void **state)
{
    th_diags one, three;
    th_diags_init(&one);
    th_diags_init(&three);
    gp_linter *a = lint_seeds_with(th_rules(), &one, 1);
    gp_linter *b = lint_seeds_with(th_rules(), &three, 3);
    assert_int_equal(gp_linter_records(b), 277);
    char *pa = printed(&one), *pb = printed(&three);
    assert_true(strlen(pa) > 1000);
    assert_string_equal(pa, pb);
    free(pa);
    free(pb);
    gp_linter_free(a);
    gp_linter_free(b);
    th_diags_free(&one);
    th_diags_free(&three);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lint__seeds_with_the_bundled_rules),
        cmocka_unit_test(test_lint__discovery_finds_what_the_rules_lack),
        cmocka_unit_test(test_lint__discovery_keeps_different_things_apart),
        cmocka_unit_test(test_lint__discovery_links_real_variants),
        cmocka_unit_test(test_lint__suppressions_and_levels_come_from_the_rules),
        cmocka_unit_test(test_lint__threads_find_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
