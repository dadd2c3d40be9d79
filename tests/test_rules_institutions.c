/*
 * tests/test_rules_institutions.c - the bundled institutions vocabulary
 * (rules/institutions.yaml): names scoped to their country, acronyms, local-language
 * names, former names by year, every institution of the seeds known, and the ISSA members
 * real listing pages name.
 */
#include <string.h>

#include "helpers.h"

static gp_resolution resolve(const char *name, int year, const char *country)
{
    gp_resolution res;
    assert_int_equal(gp_ruleset_resolve(th_rules(), GP_VOCAB_INSTITUTION, name, strlen(name), year,
                                        country, &res),
                     GP_OK);
    return res;
}

static void assert_resolves(const char *name, const char *country, const char *canonical)
{
    gp_resolution res = resolve(name, 0, country);
    if (res.match == GP_MATCH_NONE)
        fail_msg("'%s' in %s does not resolve", name, country ? country : "(no country)");
    assert_string_equal(res.canonical, canonical);
    assert_string_equal(res.country, country);
}

static void test_rules_institutions__booklet_spelling_resolves_to_listing_name(void **state)
{
    /* The booklet's curly apostrophe; the listing's straight one is the canonical name. */
    gp_resolution res = resolve("Korea Workers’ Compensation & Welfare Service", 2018, "KR");
    assert_int_equal(res.match, GP_MATCH_VARIANT);
    assert_string_equal(res.canonical, "Korea Workers' Compensation & Welfare Service");
    assert_string_equal(res.country, "KR");
    assert_string_equal(res.acronym, "COMWEL");
    /* The descriptions' spellings. */
    assert_resolves("Korea Worker's Compensation and Welfare Service", "KR",
                    "Korea Workers' Compensation & Welfare Service");
    assert_resolves("COMWEL", "KR", "Korea Workers' Compensation & Welfare Service");
    assert_resolves("Viet Nam Social Security", "VN", "Vietnam Social Security");
    assert_resolves("Social Security Organization", "MY", "Social Security Organisation");
}

static void test_rules_institutions__acronym_resolves_only_in_its_country(void **state)
{
    gp_resolution res = resolve("ZUS", 0, "PL");
    assert_int_equal(res.match, GP_MATCH_ALIAS);
    assert_string_equal(res.canonical, "Social Insurance Institution");
    assert_string_equal(res.country, "PL");
    assert_string_equal(res.acronym, "ZUS");
    unsigned zus = res.index;

    assert_int_equal(resolve("ZUS", 0, NULL).match, GP_MATCH_NONE);
    assert_int_equal(resolve("ZUS", 0, "FI").match, GP_MATCH_NONE);
    assert_int_equal(resolve("ZUS", 0, "DE").match, GP_MATCH_NONE);

    /* Finland's body of the same English name is another entry, with its own acronym. */
    res = resolve("Social Insurance Institution", 0, "FI");
    assert_int_equal(res.match, GP_MATCH_EXACT);
    assert_string_equal(res.acronym, "Kela");
    assert_int_not_equal(res.index, zus);
    assert_int_equal(resolve("Kela", 0, "PL").match, GP_MATCH_NONE);
}

static void test_rules_institutions__shared_name_is_a_different_body_per_country(void **state)
{
    gp_resolution tg = resolve("National Social Security Fund", 0, "TG");
    gp_resolution ug = resolve("National Social Security Fund", 0, "UG");
    gp_resolution gn = resolve("National Social Security Fund", 0, "GN");
    assert_int_equal(tg.match, GP_MATCH_EXACT);
    assert_int_equal(ug.match, GP_MATCH_EXACT);
    assert_int_equal(gn.match, GP_MATCH_EXACT);
    assert_string_equal(tg.country, "TG");
    assert_string_equal(ug.country, "UG");
    assert_string_equal(gn.country, "GN");
    assert_int_not_equal(tg.index, ug.index);
    assert_int_not_equal(tg.index, gn.index);
    assert_int_not_equal(ug.index, gn.index);
    /* Without a country the name is ambiguous, so it resolves to nothing. */
    assert_int_equal(resolve("National Social Security Fund", 0, NULL).match, GP_MATCH_NONE);
    /* CNSS is Togo's only. */
    assert_resolves("CNSS", "TG", "National Social Security Fund");
    assert_int_equal(resolve("CNSS", 0, "UG").match, GP_MATCH_NONE);

    /* Both in the seeds: France's and Mauritania's CNAM share name and acronym. */
    gp_resolution fr = resolve("CNAM", 0, "FR");
    gp_resolution mr = resolve("CNAM", 0, "MR");
    assert_int_equal(fr.match, GP_MATCH_ALIAS);
    assert_int_equal(mr.match, GP_MATCH_ALIAS);
    assert_string_equal(fr.canonical, "National Sickness Insurance Fund");
    assert_string_equal(mr.canonical, "National Sickness Insurance Fund");
    assert_int_not_equal(fr.index, mr.index);
    assert_int_equal(resolve("National Sickness Insurance Fund", 0, NULL).match, GP_MATCH_NONE);
}

static void test_rules_institutions__local_language_name_resolves(void **state)
{
    assert_resolves("Deutsche Rentenversicherung Bund", "DE", "German Federal Pension Insurance");
    /* As the seed writes it, without the Polish diacritics. */
    assert_resolves("Zaklad Ubezpieczen Spolecznych", "PL", "Social Insurance Institution");
    assert_resolves("Caja Costarricense de Seguro Social", "CR",
                    "Social Insurance Fund of Costa Rica");
    assert_resolves("Service fédéral des Pensions", "BE", "Federal Pension Service");
    assert_resolves("Federal Pensions Service", "BE", "Federal Pension Service");
    assert_resolves("Sosyal Güvenlik Kurumu", "TR", "Social Security Institution");
    assert_resolves("Badan Penyelenggara Jaminan Sosial Kesehatan", "ID",
                    "Social Security Administering Body for the Health Sector");
    gp_resolution res = resolve("Kansaneläkelaitos", 0, "FI");
    assert_int_equal(res.match, GP_MATCH_ALIAS);
    assert_string_equal(res.canonical, "Social Insurance Institution");
    /* A local name is no name of the body elsewhere. */
    assert_int_equal(resolve("Deutsche Rentenversicherung Bund", 0, "AT").match, GP_MATCH_NONE);
}

static void test_rules_institutions__former_name_resolves_by_year(void **state)
{
    /* Oman's PASI became the Social Protection Fund in 2023. */
    gp_resolution res = resolve("Public Authority for Social Insurance", 2018, "OM");
    assert_int_equal(res.match, GP_MATCH_ALIAS);
    assert_string_equal(res.canonical, "Social Protection Fund");
    res = resolve("PASI", 2024, "OM");
    assert_int_equal(res.match, GP_MATCH_FORMER);
    assert_string_equal(res.canonical, "Social Protection Fund");
}

static void test_rules_institutions__every_seed_institution_is_known(void **state)
{
    static const char *const seeds[] = {
        "fixtures/seeds/booklet-asia-pacific-2018.txt",
        "fixtures/seeds/listing-azerbaijan-israel.txt",
        "fixtures/seeds/listing-europe-award-2024.txt",
        "fixtures/seeds/listing-implemented-2015.txt",
        "fixtures/seeds/listing-korea-split-header.txt",
    };
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++)
        assert_int_equal(th_extract(seeds[i], GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_true(r.len > 200);

    gp_normalizer *n;
    assert_int_equal(gp_normalizer_new(&n, th_rules(), &d.sink), GP_OK);
    for (size_t i = 0; i < r.len; i++)
        assert_int_equal(gp_norm_record(n, &r.items[i]), GP_OK);
    const gp_diag *unknown = th_diags_find(&d, "institution.unknown");
    if (unknown)
        fail_msg("%zu unknown institutions, first '%s' at %s:%ld",
                 th_diags_count(&d, "institution.unknown"), unknown->value ? unknown->value : "",
                 unknown->file ? unknown->file : "", (long)unknown->line);
    assert_int_equal(th_diags_count(&d, "institution.unknown"), 0);
    assert_int_equal(gp_normalizer_stats(n)->unknown[GP_F_INSTITUTION], 0);
    /* Every record now names a canonical institution of its own country. */
    for (size_t i = 0; i < r.len; i++) {
        assert_non_null(r.items[i].institution);
        assert_non_null(r.items[i].country_code);
        gp_resolution res = resolve(r.items[i].institution, 0, r.items[i].country_code);
        assert_int_equal(res.match, GP_MATCH_EXACT);
    }
    gp_normalizer_free(n);
    th_records_free(&r);
    th_diags_free(&d);
}

static void test_rules_institutions__issa_members_named_in_issue_10_resolve(void **state)
{
    /* The real listing pages' spellings, each in its country. */
    assert_resolves("Social Security Institute of Guatemala", "GT",
                    "Social Security Institute of Guatemala");
    assert_resolves("Instituto Guatemalteco de Seguridad Social", "GT",
                    "Social Security Institute of Guatemala");
    assert_resolves("IGSS", "GT", "Social Security Institute of Guatemala");
    assert_resolves("Eswatini National Provident Fund", "SZ", "Eswatini National Provident Fund");
    assert_resolves("Seychelles Pension Fund", "SC", "Seychelles Pension Fund");
    /* The booklet's 2018 name stays canonical so that the seeds keep their values. */
    assert_resolves("Abu Dhabi Pension Fund", "AE",
                    "Abu Dhabi Retirement Pensions and Benefits Fund");
    assert_resolves("CNaPS", "MG", "National Social Insurance Fund");

    /* Madagascar's fund is not Cameroon's or Côte d'Ivoire's of the same English name. */
    gp_resolution mg = resolve("National Social Insurance Fund", 0, "MG");
    gp_resolution cm = resolve("National Social Insurance Fund", 0, "CM");
    gp_resolution ci = resolve("National Social Insurance Fund", 0, "CI");
    assert_int_equal(mg.match, GP_MATCH_EXACT);
    assert_int_equal(cm.match, GP_MATCH_EXACT);
    assert_int_equal(ci.match, GP_MATCH_ALIAS);
    assert_string_equal(ci.canonical,
                        "Social Insurance Institute - National Social Insurance Fund");
    assert_int_not_equal(mg.index, cm.index);
    assert_int_not_equal(mg.index, ci.index);
    assert_int_equal(resolve("National Social Insurance Fund", 0, NULL).match, GP_MATCH_NONE);
    assert_int_equal(resolve("CNaPS", 0, "CM").match, GP_MATCH_NONE);
}

static void test_rules_institutions__former_name_of_a_renamed_body_by_year(void **state)
{
    /* The French RSI was abolished at the end of 2017; the CPSTI took over. */
    gp_resolution res = resolve("Régime social des indépendants", 2016, "FR");
    assert_int_equal(res.match, GP_MATCH_ALIAS);
    assert_string_equal(res.canonical,
                        "Council for the Social Protection of Self-Employed Workers");
    res = resolve("RSI", 2021, "FR");
    assert_int_equal(res.match, GP_MATCH_FORMER);
    assert_string_equal(res.acronym, "CPSTI");
    /* Swaziland's fund took the country's new name in 2018. */
    res = resolve("Swaziland National Provident Fund", 2023, "SZ");
    assert_int_equal(res.match, GP_MATCH_FORMER);
    assert_string_equal(res.canonical, "Eswatini National Provident Fund");
}

static void test_rules_institutions__bundled_list_covers_the_issa_membership(void **state)
{
    /* A few hundred members in well over a hundred countries: check the order of size. */
    size_t n = gp_ruleset_vocab_len(th_rules(), GP_VOCAB_INSTITUTION);
    assert_true(n >= 250);
    gp_resolution res = resolve("National Social Security Fund", 0, "KE");
    assert_int_equal(res.match, GP_MATCH_EXACT);
    assert_string_equal(res.acronym, "NSSF");
    assert_resolves("Försäkringskassan", "SE", "Social Insurance Agency");
    assert_resolves("Sociálna poisťovňa", "SK", "Social Insurance Agency");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_institutions__booklet_spelling_resolves_to_listing_name),
        cmocka_unit_test(test_rules_institutions__acronym_resolves_only_in_its_country),
        cmocka_unit_test(test_rules_institutions__shared_name_is_a_different_body_per_country),
        cmocka_unit_test(test_rules_institutions__local_language_name_resolves),
        cmocka_unit_test(test_rules_institutions__former_name_resolves_by_year),
        cmocka_unit_test(test_rules_institutions__every_seed_institution_is_known),
        cmocka_unit_test(test_rules_institutions__issa_members_named_in_issue_10_resolve),
        cmocka_unit_test(test_rules_institutions__former_name_of_a_renamed_body_by_year),
        cmocka_unit_test(test_rules_institutions__bundled_list_covers_the_issa_membership),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
