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

/* ---- discovery on values given directly ---- */

typedef struct dv {
    gp_vocab_kind kind;
    const char *scope;
    const char *value;
    int known;
    size_t count;
} dv;

/* Collects clusters as lines "suggestion: a | b | c"; checks that at most one member, the
 * first, is a value of the rules. */
static int collect_cluster(void *ctx, const gp_cluster *c)
{
    gp_buf *out = ctx;
    size_t known = 0;
    for (size_t i = 0; i < c->n; i++)
        known += c->members[i].known != 0;
    if (known > 1 || (known == 1 && !c->members[0].known))
        fail_msg("a cluster holds two values of the rules, or does not lead with one: '%s'",
                 c->members[0].value);
    assert_string_equal(c->suggestion, c->members[0].value);
    gp_buf_printf(out, "%s:", c->suggestion);
    for (size_t i = 0; i < c->n; i++)
        gp_buf_printf(out, "%s%s", i ? " | " : " ", c->members[i].value);
    gp_buf_puts(out, "\n");
    return 0;
}

/* The clusters of `vals` as lines, with `rules` (NULL: fixtures/rules/no-aliases). */
static char *discover_lines(gp_ruleset *rules, const dv *vals, size_t n, int threads)
{
    th_diags load;
    th_diags_init(&load);
    gp_ruleset *bare = NULL;
    if (!rules) {
        assert_int_equal(gp_ruleset_load(&bare, th_path("fixtures/rules/no-aliases"), &load.sink),
                         GP_OK);
        rules = bare;
    }
    gp_discover *d;
    assert_int_equal(gp_discover_new(&d, rules), GP_OK);
    gp_discover_set_threads(d, threads);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < vals[i].count; k++)
            assert_int_equal(gp_discover_add(d, vals[i].kind, vals[i].scope, vals[i].value,
                                             vals[i].known, "x", (long)(i + 1), 1, NULL, NULL),
                             GP_OK);
    gp_buf out = GP_BUF_INIT;
    gp_buf_puts(&out, "");
    assert_int_equal(gp_discover_run(d, collect_cluster, &out), GP_OK);
    gp_discover_free(d);
    gp_ruleset_free(bare);
    th_diags_free(&load);
    return gp_buf_detach(&out);
}

/* Whether one line of `lines` names both values as members. */
static int in_one_line(const char *lines, const char *a, const char *b)
{
    char na[256], nb[256];
    for (const char *l = lines; *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        const char *colon = memchr(l, ':', len);
        int ha = 0, hb = 0;
        for (const char *m = colon ? colon + 2 : l; m < l + len;) {
            const char *bar = strstr(m, " | ");
            size_t ml = bar && bar < l + len ? (size_t)(bar - m) : (size_t)(l + len - m);
            snprintf(na, sizeof na, "%.*s", (int)ml, m);
            snprintf(nb, sizeof nb, "%s", na);
            ha |= strcmp(na, a) == 0;
            hb |= strcmp(nb, b) == 0;
            m += ml + 3;
        }
        if (ha && hb)
            return 1;
        l += len + (e != NULL);
    }
    return 0;
}

/* Whether `v` is in any cluster. */
static int in_any(const char *lines, const char *v)
{
    char pat[300];
    snprintf(pat, sizeof pat, " %s\n", v);
    if (strstr(lines, pat))
        return 1;
    snprintf(pat, sizeof pat, " %s |", v);
    return strstr(lines, pat) != NULL;
}

static void test_lint__discovery_joins_typos_of_short_names(void **state)
{
    static const dv vals[] = {
        {GP_VOCAB_COUNTRY, NULL, "France", 1, 40},  {GP_VOCAB_COUNTRY, NULL, "Frnce", 0, 1},
        {GP_VOCAB_COUNTRY, NULL, "Iceland", 1, 30}, {GP_VOCAB_COUNTRY, NULL, "Icelad", 0, 2},
        {GP_VOCAB_COUNTRY, NULL, "Kuwait", 1, 20},  {GP_VOCAB_COUNTRY, NULL, "Kuwiat", 0, 1},
        {GP_VOCAB_COUNTRY, NULL, "Kuwaiy", 0, 1},   {GP_VOCAB_REGION, NULL, "Europe", 1, 50},
        {GP_VOCAB_REGION, NULL, "Eurofe", 0, 1},    {GP_VOCAB_COUNTRY, NULL, "Oma", 0, 1},
        {GP_VOCAB_COUNTRY, NULL, "OMA", 0, 1},      {GP_VOCAB_COUNTRY, NULL, "Oman", 1, 9},
    };
    char *lines = discover_lines(th_rules(), vals, GP_ARRAY_LEN(vals), 1);
    assert_true(in_one_line(lines, "France", "Frnce"));
    assert_true(in_one_line(lines, "Iceland", "Icelad"));
    assert_true(in_one_line(lines, "Kuwait", "Kuwiat"));
    assert_true(in_one_line(lines, "Kuwait", "Kuwaiy"));
    assert_true(in_one_line(lines, "Europe", "Eurofe"));
    /* too short for typo matching, but a cluster one edit from a far more frequent known
     * value does not propose its own spelling */
    assert_true(in_one_line(lines, "Oman", "Oma"));
    assert_true(in_one_line(lines, "Oman", "OMA"));
    free(lines);
}

static void test_lint__discovery_never_joins_two_known_values(void **state)
{
    /* typos that sit between two values of the rules, and chains of them */
    static const dv vals[] = {
        {GP_VOCAB_TOPIC, NULL, "Employment", 1, 500},
        {GP_VOCAB_TOPIC, NULL, "Unemployment", 1, 40},
        {GP_VOCAB_TOPIC, NULL, "Nemployment", 0, 3}, /* one edit from both */
        {GP_VOCAB_TOPIC, NULL, "Employmnet", 0, 2},
        {GP_VOCAB_TOPIC, NULL, "nemployment", 0, 1},
        {GP_VOCAB_TOPIC, NULL, "Unemploymnt", 0, 1},
        {GP_VOCAB_TOPIC, NULL, "Pensions", 1, 90},
        {GP_VOCAB_TOPIC, NULL, "Old-age pensions", 1, 30},
        {GP_VOCAB_TOPIC, NULL, "Old age pensions", 0, 2},
        {GP_VOCAB_TOPIC, NULL, "Pensons", 0, 1},
        {GP_VOCAB_COUNTRY, NULL, "Mali", 1, 20},
        {GP_VOCAB_COUNTRY, NULL, "Malta", 1, 20},
        {GP_VOCAB_COUNTRY, NULL, "Malawi", 1, 20},
        {GP_VOCAB_COUNTRY, NULL, "Mala", 0, 2}, /* one edit from Mali and from Malta */
        {GP_VOCAB_COUNTRY, NULL, "Maltaa", 0, 1},
        {GP_VOCAB_COUNTRY, NULL, "Niger", 1, 20},
        {GP_VOCAB_COUNTRY, NULL, "Nigeria", 1, 20},
        {GP_VOCAB_COUNTRY, NULL, "Nigeri", 0, 2},
        {GP_VOCAB_COUNTRY, NULL, "Nigerria", 0, 1},
        {GP_VOCAB_COUNTRY, NULL, "Ira", 0, 1},  /* "Iran" is a name of the rules too */
        {GP_VOCAB_COUNTRY, NULL, "Irat", 0, 2}, /* one edit from "Iran" and from "Iraq" */
        {GP_VOCAB_COUNTRY, NULL, "Iraq", 1, 20},
        {GP_VOCAB_COUNTRY, NULL, "Iraqq", 0, 1},
        {GP_VOCAB_INSTITUTION, "Atlantis", "Social Insurance Institution", 1, 10},
        {GP_VOCAB_INSTITUTION, "Atlantis", "Social Security Institution", 1, 10},
        {GP_VOCAB_INSTITUTION, "Atlantis", "Social Securty Institution", 0, 1},
    };
    char *lines = discover_lines(th_rules(), vals, GP_ARRAY_LEN(vals), 2);
    /* collect_cluster fails on a cluster with two known values; these are the anchors */
    assert_true(in_one_line(lines, "Employment", "Employmnet"));
    assert_true(in_one_line(lines, "Unemployment", "Unemploymnt"));
    assert_true(in_one_line(lines, "Old-age pensions", "Old age pensions"));
    assert_true(in_one_line(lines, "Pensions", "Pensons"));
    assert_true(in_one_line(lines, "Malta", "Maltaa"));
    assert_true(in_one_line(lines, "Nigeria", "Nigerria"));
    assert_true(in_one_line(lines, "Iraq", "Iraqq"));
    assert_true(in_one_line(lines, "Social Security Institution", "Social Securty Institution"));
    /* equally near two known values: left out, not guessed */
    assert_false(in_any(lines, "Nemployment"));
    assert_false(in_any(lines, "Mala"));
    assert_false(in_any(lines, "Nigeri"));
    assert_false(in_any(lines, "Ira"));
    assert_false(in_any(lines, "Irat"));
    /* the key's neighbour of a contested value is not pulled in through it */
    assert_false(in_one_line(lines, "Employment", "Unemployment"));
    free(lines);
}

static void test_lint__discovery_elects_the_most_frequent_unknown_value(void **state)
{
    static const dv vals[] = {
        /* no value of the rules: the most frequent spelling is proposed */
        {GP_VOCAB_INSTITUTION, "Atlantis", "Argefntina Pension Fund", 0, 1},
        {GP_VOCAB_INSTITUTION, "Atlantis", "Argentina Pension Fund", 0, 7},
        {GP_VOCAB_INSTITUTION, "Atlantis", "Argenhtina Pension Fund", 0, 1},
        /* two different short words two edits apart stay apart; a 5-letter typo joins */
        {GP_VOCAB_INSTITUTION, "Atlantis", "Chile", 0, 3},
        {GP_VOCAB_INSTITUTION, "Atlantis", "China", 0, 3},
        {GP_VOCAB_INSTITUTION, "Atlantis", "Fondo", 0, 5},
        {GP_VOCAB_INSTITUTION, "Atlantis", "Fnodo", 0, 1},
        /* chains of one-edit steps do not join values that are far apart */
        {GP_VOCAB_INSTITUTION, "Atlantis", "Employment", 0, 9},
        {GP_VOCAB_INSTITUTION, "Atlantis", "Nemployment", 0, 1},
        {GP_VOCAB_INSTITUTION, "Atlantis", "Unemployment", 0, 8},
    };
    char *lines = discover_lines(NULL, vals, GP_ARRAY_LEN(vals), 1);
    assert_non_null(strstr(lines, "Argentina Pension Fund: Argentina Pension Fund | "));
    assert_true(in_one_line(lines, "Argentina Pension Fund", "Argefntina Pension Fund"));
    assert_true(in_one_line(lines, "Argentina Pension Fund", "Argenhtina Pension Fund"));
    assert_false(in_one_line(lines, "Chile", "China"));
    assert_true(in_one_line(lines, "Fondo", "Fnodo"));
    assert_false(in_one_line(lines, "Employment", "Unemployment"));
    free(lines);
}

static void test_lint__discovery_joins_names_sharing_an_acronym(void **state)
{
    /* one institution written in English and in Spanish, same acronym, same country */
    static const dv vals[] = {
        {GP_VOCAB_INSTITUTION, "Paraguay", "Workers' Protection Fund (FPT)", 0, 3},
        {GP_VOCAB_INSTITUTION, "Paraguay", "Fondo de Protección de los Trabajadores (FPT)", 0, 2},
        /* the same acronym in another country is another institution */
        {GP_VOCAB_INSTITUTION, "Bolivia", "Fondo de Pensiones del Trabajo FPT", 0, 2},
        /* different acronyms, and names in capitals whose words are no acronyms */
        {GP_VOCAB_INSTITUTION, "Paraguay", "National Health Fund (NHF)", 0, 2},
        {GP_VOCAB_INSTITUTION, "Paraguay", "NATIONAL HEALTH SERVICE", 0, 2},
        {GP_VOCAB_INSTITUTION, "Paraguay", "National Pension Service II", 0, 2},
        {GP_VOCAB_INSTITUTION, "Paraguay", "Workers' Pension Fund II", 0, 2},
    };
    char *lines = discover_lines(NULL, vals, GP_ARRAY_LEN(vals), 1);
    assert_true(in_one_line(lines, "Workers' Protection Fund (FPT)",
                            "Fondo de Protección de los Trabajadores (FPT)"));
    assert_false(in_any(lines, "Fondo de Pensiones del Trabajo FPT"));
    assert_false(in_any(lines, "National Health Fund (NHF)"));
    assert_false(in_any(lines, "National Pension Service II"));
    free(lines);
}

static void test_lint__discovery_is_the_same_on_any_number_of_threads(void **state)
{
    /* typos of every kind of a few hundred names, some names far more frequent */
    static const char *const base[] = {"Employment",
                                       "Unemployment",
                                       "Pensions",
                                       "Old-age pensions",
                                       "Health",
                                       "Social Insurance Institution",
                                       "Social Security Institution",
                                       "Family benefits",
                                       "Contribution collection and compliance"};
    enum { N = 3000 };
    dv *vals = calloc(N, sizeof *vals);
    char(*text)[64] = calloc(N, sizeof *text);
    assert_non_null(vals);
    assert_non_null(text);
    unsigned seed = 7;
    for (size_t i = 0; i < N; i++) {
        const char *b = base[i % GP_ARRAY_LEN(base)];
        size_t len = strlen(b);
        seed = seed * 1103515245u + 12345u;
        size_t at = (seed >> 8) % len, how = (seed >> 20) % 5;
        char c = (char)('a' + (seed >> 12) % 26);
        /* the true value, or one insertion, deletion, substitution or transposition */
        char *t = text[i];
        size_t o = 0;
        for (size_t j = 0; j < len && o + 2 < sizeof text[i]; j++) {
            if (j == at && how == 1)
                t[o++] = c;
            if (j == at && how == 2)
                continue;
            if (j == at && how == 3) {
                t[o++] = c;
                continue;
            }
            if (j == at && how == 4 && j + 1 < len) {
                t[o++] = b[j + 1];
                t[o++] = b[j];
                j++;
                continue;
            }
            t[o++] = b[j];
        }
        t[o] = '\0';
        vals[i] = (dv){GP_VOCAB_TOPIC, NULL, text[i], 0, 1 + (i % 4 == 0) * 20};
    }
    char *one = discover_lines(NULL, vals, N, 1);
    char *two = discover_lines(NULL, vals, N, 2);
    char *five = discover_lines(NULL, vals, N, 5);
    assert_true(strlen(one) > 1000);
    assert_string_equal(one, two);
    assert_string_equal(one, five);
    assert_false(in_one_line(one, "Employment", "Unemployment"));
    assert_false(in_one_line(one, "Social Insurance Institution", "Social Security Institution"));
    free(one);
    free(two);
    free(five);
    free(vals);
    free(text);
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

/* The practice's two years (fixtures/consistency/practice-with-two-years.jsonl), the
 * first before the seeds and again after them: three batches of records apart. */
static char *lint_years_apart(int threads)
{
    th_records conflict, recs;
    th_records_init(&conflict);
    th_records_init(&recs);
    th_diags extract, found;
    th_diags_init(&extract);
    th_diags_init(&found);
    assert_int_equal(th_extract("fixtures/consistency/practice-with-two-years.jsonl",
                                GP_FORMAT_AUTO, &conflict, &extract),
                     GP_OK);
    assert_int_equal(conflict.len, 2);
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < GP_ARRAY_LEN(seeds); i++)
            assert_int_equal(th_extract(seeds[i], GP_FORMAT_AUTO, &recs, &extract), GP_OK);
    gp_linter *l;
    gp_lint_options opts = {0, threads, 0, NULL, NULL};
    found.sink.level_fn = gp_ruleset_level;
    found.sink.level_ctx = th_rules();
    assert_int_equal(gp_linter_new(&l, th_rules(), &opts, &found.sink), GP_OK);
    assert_int_equal(gp_lint_record(l, &conflict.items[0]), GP_OK);
    for (size_t i = 0; i < recs.len; i++) {
        assert_int_equal(gp_lint_record(l, &recs.items[i]), GP_OK);
        if (i == recs.len / 2)
            assert_int_equal(gp_lint_record(l, &conflict.items[1]), GP_OK);
    }
    assert_int_equal(gp_lint_record(l, &conflict.items[0]), GP_OK);
    assert_int_equal(gp_lint_finish(l), GP_OK);
    const gp_diag *d = th_diags_find(&found, "record.year-conflict");
    assert_non_null(d);
    assert_string_equal(d->message, "practice gp-aeda673a2e88a849 is given several "
                                    "implementation years: '2015' (2), '2016' (1)");
    assert_int_equal(d->line, 2); /* the minority's */
    char *out = printed(&found);
    gp_linter_free(l);
    th_records_free(&conflict);
    th_records_free(&recs);
    th_diags_free(&extract);
    th_diags_free(&found);
    return out;
}

/* Each thread keeps the years of its records; counted together they are one thread's. */
static void test_lint__threads_count_a_practice_s_years_across_batches(void **state)
{
    (void)state;
    char *one = lint_years_apart(1), *three = lint_years_apart(3);
    assert_string_equal(one, three);
    free(one);
    free(three);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lint__seeds_with_the_bundled_rules),
        cmocka_unit_test(test_lint__discovery_finds_what_the_rules_lack),
        cmocka_unit_test(test_lint__discovery_keeps_different_things_apart),
        cmocka_unit_test(test_lint__discovery_links_real_variants),
        cmocka_unit_test(test_lint__discovery_joins_typos_of_short_names),
        cmocka_unit_test(test_lint__discovery_never_joins_two_known_values),
        cmocka_unit_test(test_lint__discovery_elects_the_most_frequent_unknown_value),
        cmocka_unit_test(test_lint__discovery_joins_names_sharing_an_acronym),
        cmocka_unit_test(test_lint__discovery_is_the_same_on_any_number_of_threads),
        cmocka_unit_test(test_lint__suppressions_and_levels_come_from_the_rules),
        cmocka_unit_test(test_lint__threads_find_the_same),
        cmocka_unit_test(test_lint__threads_count_a_practice_s_years_across_batches),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
