/*
 * tests/test_extract_markup.c - HTML and XML through extraction profiles.
 *
 * fixtures/html/listing-page.html is a saved ISSA listing page: six results among a
 * menu, a search form, scripts, styles, a pager and a footer. Its results are records of
 * the text dumps in fixtures/seeds/, so the fields are checked against the page's text
 * and against what the listing reader gives for the same practices.
 * fixtures/xml/ holds a namespaced export and the hostile documents (XXE, billion
 * laughs, malformed); fixtures/profiles/ the broken profiles.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

typedef struct run {
    th_records recs;
    th_diags diags;
    int rc;
} run;

static void run_init(run *r)
{
    th_records_init(&r->recs);
    th_diags_init(&r->diags);
    r->rc = GP_OK;
}

static void run_free(run *r)
{
    th_records_free(&r->recs);
    th_diags_free(&r->diags);
}

static void extract(run *r, const char *rel, gp_format format)
{
    run_init(r);
    r->rc = th_extract(rel, format, &r->recs, &r->diags);
}

static void extract_mem(run *r, const char *name, const char *data, gp_format format)
{
    run_init(r);
    r->rc = th_extract_mem(name, data, strlen(data), format, &r->recs, &r->diags);
}

/* Extracts with the profile `profile` (relative to the source tree) given as --profile. */
static void extract_with_profile(run *r, const char *profile, const char *rel, const char *data,
                                 gp_format format)
{
    run_init(r);
    char prof[4096];
    snprintf(prof, sizeof prof, "%s", th_path(profile));
    gp_extract_options opts = {format, prof};
    gp_extractor *ex;
    r->rc = gp_extractor_new(&ex, th_rules(), &opts, &r->diags.sink);
    if (r->rc != GP_OK)
        return;
    if (data)
        r->rc = gp_extract_mem(ex, rel, data, strlen(data), th_collect, &r->recs);
    else
        r->rc = gp_extract_file(ex, th_path(rel), rel, th_collect, &r->recs);
    gp_extractor_free(ex);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Whether any string of the record contains `needle`. */
static int record_contains(const gp_record *rec, const char *needle)
{
    const char *strings[] = {rec->institution,    rec->country,      rec->country_code,
                             rec->region,         rec->title,        rec->description,
                             rec->award,          rec->jury_comment, rec->implementation_year.text,
                             rec->award_year.text};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (strings[i] && strstr(strings[i], needle))
            return 1;
    for (size_t i = 0; i < rec->topics.len; i++)
        if (strstr(rec->topics.items[i], needle))
            return 1;
    for (size_t i = 0; i < rec->priority_areas.len; i++)
        if (strstr(rec->priority_areas.items[i], needle))
            return 1;
    return 0;
}

/* Bytes of text the record holds, all fields together. */
static size_t record_size(const gp_record *rec)
{
    const char *strings[] = {rec->institution, rec->country,     rec->country_code,
                             rec->region,      rec->title,       rec->description,
                             rec->award,       rec->jury_comment};
    size_t n = 0;
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        n += strings[i] ? strlen(strings[i]) : 0;
    for (size_t i = 0; i < rec->topics.len; i++)
        n += strlen(rec->topics.items[i]);
    for (size_t i = 0; i < rec->priority_areas.len; i++)
        n += strlen(rec->priority_areas.items[i]);
    return n;
}

static void assert_list(const gp_strlist *list, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    assert_int_equal(list->len, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(list->items[i], want[i]);
}

static void assert_same_string(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

/* Two records hold the same practice: every field but the sources is equal. */
static void assert_same_practice(const gp_record *a, const gp_record *b)
{
    assert_same_string(a->institution, b->institution);
    assert_same_string(a->country, b->country);
    assert_same_string(a->country_code, b->country_code);
    assert_same_string(a->region, b->region);
    assert_same_string(a->title, b->title);
    assert_same_string(a->description, b->description);
    assert_same_string(a->award, b->award);
    assert_same_string(a->jury_comment, b->jury_comment);
    assert_int_equal(a->implementation_year.value, b->implementation_year.value);
    assert_int_equal(a->award_year.value, b->award_year.value);
    assert_int_equal(a->topics.len, b->topics.len);
    for (size_t i = 0; i < a->topics.len; i++)
        assert_string_equal(a->topics.items[i], b->topics.items[i]);
    assert_int_equal(a->priority_areas.len, b->priority_areas.len);
}

/* ---- the listing page ---- */

static const char *const page = "fixtures/html/listing-page.html";

/* One record per result item, in page order, each starting at its <li>. */
static void test_extract_markup__html_page_gives_one_record_per_result(void **state)
{
    (void)state;
    run r;
    extract(&r, page, GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 6);
    static const long lines[] = {85, 123, 160, 181, 214, 246};
    for (size_t i = 0; i < 6; i++) {
        const gp_record *rec = &r.recs.items[i];
        assert_int_equal(rec->nsources, 1);
        assert_string_equal(rec->sources[0].file, page);
        assert_string_equal(rec->sources[0].format, "html");
        assert_int_equal(rec->sources[0].line, lines[i]);
    }
    /* a clean page: nothing to report */
    assert_int_equal(th_diags_count(&r.diags, NULL), 0);
    run_free(&r);
}

/* Every field of every result, as the page shows it. */
static void test_extract_markup__html_fields_are_the_page_text(void **state)
{
    (void)state;
    run r;
    extract(&r, page, GP_FORMAT_AUTO);
    assert_int_equal(r.recs.len, 6);
    const gp_record *rec = r.recs.items;

    assert_int_equal(rec[0].implementation_year.value, 2018);
    assert_int_equal(rec[0].award_year.value, 2024);
    assert_string_equal(rec[0].institution,
                        "Agency for Sustainable and Operational Social Security (DOST)");
    assert_string_equal(rec[0].country, "Azerbaijan");
    assert_string_equal(rec[0].region, "Europe");
    assert_string_equal(
        rec[0].description,
        "The key objectives of the portal are to provide comprehensive information about social "
        "protection entitlements and benefits, enable continuous monitoring of labour, "
        "employment, and social protection rights, and offer efficient and proactive services to "
        "users. To achieve these objectives, the “e-sosial” portal adopts a user-friendly "
        "approach based on the “one-stop shop” principle.");
    static const char *const topics0[] = {"Governance and administration",
                                          "Coordination",
                                          "Programme evaluation",
                                          "Information and communication technology",
                                          "Interoperability",
                                          "Service quality",
                                          "One-stop shops",
                                          "Social policies & programmes",
                                          "Labour protection",
                                          NULL};
    assert_list(&rec[0].topics, topics0);

    assert_int_equal(rec[1].implementation_year.value, 2023);
    assert_int_equal(rec[1].award_year.value, 2024);
    assert_string_equal(rec[1].institution, "German Federal Pension Insurance");
    assert_string_equal(rec[1].country, "Germany");
    assert_string_equal(rec[1].region, "Europe");
    assert_string_equal(
        rec[1].description,
        "Meine-Rehabilitation.de is a new web portal set up by the German Federal Pension "
        "Insurance (Deutsche Rentenversicherung Bund – DRV Bund) to help people find a "
        "quality-assured rehabilitation centre. For each centre, users can see the results of "
        "the quality assurance audits carried out by the DRV Bund. The new online service allows "
        "the DRV Bund to fulfil its legal obligation to publicly report quality assurance results "
        "for rehabilitation centres and support insured persons in exercising their right to "
        "choose a rehabilitation provider.");
    static const char *const topics1[] = {"Rehabilitation",
                                          "Disability",
                                          "Employment",
                                          "Return to work",
                                          "Awareness and information",
                                          "Service quality",
                                          "Quality assessment",
                                          "Transparency of working rules",
                                          NULL};
    assert_list(&rec[1].topics, topics1);

    assert_int_equal(rec[2].implementation_year.value, 2018);
    assert_int_equal(rec[2].award_year.value, 2018);
    assert_string_equal(rec[2].institution, "National Pension Service");
    assert_string_equal(rec[2].country, "Korea, Republic of");
    assert_string_equal(rec[2].region, "Asia and Pacific");
    assert_string_equal(rec[2].description,
                        "Following the social trend of greater use of smart phones than personal "
                        "computers (PCs), the National Pension Service (NPS) aims to make "
                        "processes more efficient and innovate on services through various means "
                        "in order to effectively introduce and promote the national pension "
                        "scheme:");
    assert_int_equal(rec[2].topics.len, 0);

    assert_int_equal(rec[3].implementation_year.value, 2022);
    assert_int_equal(rec[3].award_year.value, 2024);
    assert_string_equal(rec[3].institution, "Unédic (Unemployment Insurance)");
    assert_string_equal(rec[3].country, "France");
    assert_string_equal(rec[3].region, "Europe");
    assert_string_equal(rec[3].description,
                        "Launched in 2022, the “All about my unemployment rights” (Tout sur mes "
                        "droits Chômage) video series sees Alexandra Sabbe-Ferri, an employment "
                        "lawyer and founder of the mesindemnites.com website, come together with "
                        "an expert from France’s Unédic (Unemployment Insurance) (Unédic "
                        "(Assurance chômage)).");
    static const char *const topics3[] = {"Disability",
                                          "Employment",
                                          "Unemployment",
                                          "Information and communication technology",
                                          "Communication",
                                          "Transparency of working rules",
                                          NULL};
    assert_list(&rec[3].topics, topics3);

    assert_int_equal(rec[4].implementation_year.value, 2022);
    assert_int_equal(rec[4].award_year.value, 2024);
    assert_string_equal(rec[4].institution, "Social Security Institute");
    assert_string_equal(rec[4].country, "Portugal");
    assert_string_equal(rec[4].region, "Europe");
    assert_string_equal(rec[4].description,
                        "Implementation of a 360º Vision in direct social security, which allows "
                        "a single view of all relationship interactions and all individual "
                        "processes of people and companies with social security.\n\nThis new "
                        "relationship model streamlines and integrates, on a single platform, the "
                        "various channels of interaction between citizens and companies with "
                        "social security.");
    static const char *const topics4[] = {
        "Coordination",   "Information and communication technology",
        "Communication",  "Service quality",
        "One-stop shops", NULL};
    assert_list(&rec[4].topics, topics4);

    assert_int_equal(rec[5].implementation_year.value, 2020);
    assert_int_equal(rec[5].award_year.value, 2021);
    assert_string_equal(rec[5].institution, "Korea Workers' Compensation & Welfare Service");
    assert_string_equal(rec[5].country, "Korea, Republic of");
    assert_string_equal(rec[5].region, "Asia and Pacific");
    assert_string_equal(
        rec[5].description,
        "The Republic of Korea’s workers’ compensation supports the return to work of injured "
        "workers, as a social safety net protecting national human resources. The Korea Workers’ "
        "Compensation and Welfare Service (COMWEL) is an organization operating “Customized "
        "Integrated Services (CIS)” that establishes a rehabilitation plan for injured workers "
        "since\xC2\xA0"
        "2011, while implementing systematic rehabilitation services according to the "
        "established plan, helping the successful rehabilitation of workers.");
    static const char *const topics5[] = {"Occupational accidents and diseases", "Return to work",
                                          "Information and communication technology", NULL};
    assert_list(&rec[5].topics, topics5);

    /* the listing page has no booklet fields */
    for (size_t i = 0; i < 6; i++) {
        assert_null(rec[i].title);
        assert_null(rec[i].award);
        assert_null(rec[i].jury_comment);
        assert_null(rec[i].country_code);
        assert_int_equal(rec[i].priority_areas.len, 0);
    }
    run_free(&r);
}

/* The page and the text dumps show the same practices: the records must be equal. */
static void test_extract_markup__html_page_equals_the_listing_dumps(void **state)
{
    (void)state;
    run html, europe, korea;
    extract(&html, page, GP_FORMAT_AUTO);
    extract(&europe, "fixtures/seeds/listing-europe-award-2024.txt", GP_FORMAT_AUTO);
    extract(&korea, "fixtures/seeds/listing-korea-split-header.txt", GP_FORMAT_AUTO);
    assert_int_equal(html.recs.len, 6);
    /* the records that start at these lines of the dumps */
    const gp_record *want[6] = {NULL};
    static const long europe_lines[] = {15, 48, 0, 80, 95, 0};
    static const long korea_lines[] = {0, 0, 152, 0, 0, 29};
    for (size_t i = 0; i < 6; i++) {
        const run *src = europe_lines[i] ? &europe : &korea;
        long line = europe_lines[i] ? europe_lines[i] : korea_lines[i];
        for (size_t k = 0; k < src->recs.len; k++)
            if (src->recs.items[k].sources[0].line == line)
                want[i] = &src->recs.items[k];
        assert_non_null(want[i]);
        assert_same_practice(&html.recs.items[i], want[i]);
    }
    run_free(&html);
    run_free(&europe);
    run_free(&korea);
}

/* Scripts, styles, JSON-LD, menus, the form, the pager and the footer reach no field. */
static void test_extract_markup__html_page_chrome_stays_out_of_fields(void **state)
{
    (void)state;
    run r;
    extract(&r, page, GP_FORMAT_AUTO);
    assert_int_equal(r.recs.len, 6);
    /* text that only the page around the results holds */
    static const char *const chrome[] = {"stylesheet text",
                                         "Tracking Script",
                                         "Script Marker",
                                         "Structured Data",
                                         "1999",
                                         "dataLayer",
                                         "gtag",
                                         "jQuery",
                                         "Skip to main",
                                         "About the ISSA",
                                         "Français",
                                         "Breadcrumb",
                                         "Keywords",
                                         "online services",
                                         "- Any -",
                                         "Apply",
                                         "The map shows",
                                         "Pagination",
                                         "Next ›",
                                         "route des Morillons",
                                         "All rights",
                                         "Topic:",
                                         "Implementation year",
                                         "Award Year",
                                         "ISSA Database of",
                                         "Learn more about",
                                         NULL};
    for (size_t i = 0; i < r.recs.len; i++)
        for (size_t k = 0; chrome[k]; k++)
            if (record_contains(&r.recs.items[i], chrome[k]))
                fail_msg("record %zu holds '%s' from outside its result", i, chrome[k]);
    run_free(&r);
}

/* Named and numeric character references become characters; &nbsp; stays a no-break space. */
static void test_extract_markup__html_entities_are_decoded(void **state)
{
    (void)state;
    run r;
    extract(&r, page, GP_FORMAT_AUTO);
    assert_int_equal(r.recs.len, 6);
    const gp_record *rec = r.recs.items;
    assert_non_null(strstr(rec[0].description, "the “e-sosial” portal"));        /* &ldquo; */
    assert_string_equal(rec[0].topics.items[7], "Social policies & programmes"); /* &amp; */
    assert_non_null(strstr(rec[1].description, "Bund – DRV Bund"));              /* &ndash; */
    assert_string_equal(rec[3].institution, "Unédic (Unemployment Insurance)");  /* &eacute; */
    assert_non_null(strstr(rec[3].description, "France’s Unédic"));              /* &rsquo; */
    assert_non_null(strstr(rec[3].description, "Chômage"));                      /* &ocirc; */
    assert_non_null(strstr(rec[4].description, "360º Vision"));                  /* &ordm; */
    assert_non_null(strstr(rec[5].description, "workers’ compensation"));        /* &#8217; */
    assert_non_null(strstr(rec[5].description, "since\xC2\xA0"
                                               "2011")); /* &nbsp; */
    /* no reference is left undecoded */
    static const char *const raw[] = {"&amp;", "&ldquo;", "&rsquo;", "&nbsp;", "&#", NULL};
    for (size_t i = 0; i < r.recs.len; i++)
        for (size_t k = 0; raw[k]; k++)
            assert_false(record_contains(&rec[i], raw[k]));
    run_free(&r);
}

/* The header parts have their own elements, so a comma inside a country name is kept. */
static void test_extract_markup__html_comma_inside_country_is_kept(void **state)
{
    (void)state;
    run r;
    extract(&r, page, GP_FORMAT_AUTO);
    assert_int_equal(r.recs.len, 6);
    for (size_t i = 2; i < 6; i += 3) {
        assert_string_equal(r.recs.items[i].country, "Korea, Republic of");
        assert_string_equal(r.recs.items[i].region, "Asia and Pacific");
    }
    run_free(&r);
}

/* Each field points at the line of the element it was read from. */
static void test_extract_markup__html_field_positions_are_the_elements_lines(void **state)
{
    (void)state;
    run r;
    extract(&r, page, GP_FORMAT_AUTO);
    assert_int_equal(r.recs.len, 6);
    const gp_record *rec = &r.recs.items[0];
    assert_int_equal(gp_record_field_line(rec, "/implementation_year", NULL), 89);
    assert_int_equal(gp_record_field_line(rec, "/award_year", NULL), 91);
    assert_int_equal(gp_record_field_line(rec, "/institution", NULL), 94);
    assert_int_equal(gp_record_field_line(rec, "/country", NULL), 95);
    assert_int_equal(gp_record_field_line(rec, "/region", NULL), 96);
    assert_int_equal(gp_record_field_line(rec, "/description", NULL), 99);
    assert_int_equal(gp_record_field_line(rec, "/topics/0", NULL), 110);
    assert_int_equal(gp_record_field_line(rec, "/topics/8", NULL), 118);
    /* the second paragraph of the Portuguese practice does not move the field */
    assert_int_equal(gp_record_field_line(&r.recs.items[4], "/description", NULL), 228);
    run_free(&r);
}

/* Inside a selected element: hidden elements skipped, blocks separate words, inline not. */
static void test_extract_markup__html_text_is_what_a_browser_shows(void **state)
{
    (void)state;
    static const char doc[] =
        "<!DOCTYPE html><html><body><ol><li class=\"gp-result x\">\n"
        "<span class=\"gp-institution\">\n\tNational\r\n  Pension   Service\n</span>\n"
        "<span class=\"gp-country\">Korea,<script>var c = 'Script Country';</script> Republic "
        "of<style>.x{content:'Style Country'}</style></span>\n"
        "<div class=\"gp-description\"><p>One<br>two <b>bo</b><i>ld</i>"
        "<noscript>Enable JavaScript</noscript><template>Template text</template>"
        " <span>three</span>\n four&nbsp;&nbsp;five</p></div>\n"
        "<div class=\"gp-topics\"><ul><li>  Health  </li><li></li><li> </li>"
        "<li><div>Return</div><div>to work</div></li>"
        "<li><a href=\"#\">Service</a> quality</li></ul></div>\n"
        "</li></ol></body></html>\n";
    run r;
    extract_mem(&r, "browser.html", doc, GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 1);
    const gp_record *rec = &r.recs.items[0];
    assert_string_equal(rec->institution, "National Pension Service");
    assert_string_equal(rec->country, "Korea, Republic of");
    /* <br> breaks, <b>bo</b><i>ld</i> does not; &nbsp; is not white space */
    assert_string_equal(rec->description, "One two bold three four\xC2\xA0\xC2\xA0"
                                          "five");
    /* empty items are no topics; blocks inside an item separate its words */
    static const char *const topics[] = {"Health", "Return to work", "Service quality", NULL};
    assert_list(&rec->topics, topics);
    run_free(&r);
}

/* A field the profile names that matches in no record is reported once for the file. */
static void test_extract_markup__field_matching_nothing_is_reported(void **state)
{
    (void)state;
    static const char doc[] = "<!DOCTYPE html><html><body><ol>"
                              "<li class=\"gp-result\"><span class=\"gp-institution\">A</span></li>"
                              "<li class=\"gp-result\"><span class=\"gp-institution\">B</span>"
                              "<span class=\"gp-country\">Chile</span></li>"
                              "</ol></body></html>\n";
    run r;
    extract_mem(&r, "partial.html", doc, GP_FORMAT_AUTO);
    assert_int_equal(r.recs.len, 2);
    /* region, years, description and topics never match; country does once */
    assert_int_equal(th_diags_count(&r.diags, "profile.field-empty"), 5);
    for (size_t i = 0; i < gp_diag_list_len(r.diags.list); i++) {
        const gp_diag *d = gp_diag_list_get(r.diags.list, i);
        assert_string_equal(d->rule_id, "profile.field-empty");
        assert_int_equal(d->severity, GP_SEV_INFO);
        assert_null(strstr(d->message, "'country'"));
        assert_null(strstr(d->message, "'institution'"));
    }
    const gp_diag *d = th_diags_find(&r.diags, "profile.field-empty");
    assert_string_equal(d->message, "field 'award_year' of the profile selected nothing in the 2 "
                                    "records of 'partial.html'");
    run_free(&r);
}

/* A results list without <html> is detected as XML; --format=html reads it as the page. */
static void test_extract_markup__forced_html_reads_a_fragment(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/html/results-fragment.html", GP_FORMAT_AUTO);
    assert_int_equal(r.recs.len, 0);
    assert_non_null(th_diags_find(&r.diags, "input.no-records"));
    run_free(&r);

    extract(&r, "fixtures/html/results-fragment.html", GP_FORMAT_HTML);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 2);
    assert_string_equal(r.recs.items[0].country, "Korea, Republic of");
    assert_int_equal(r.recs.items[0].topics.len, 0);
    assert_string_equal(r.recs.items[1].institution, "Social Security Institute");
    assert_string_equal(r.recs.items[1].sources[0].format, "html");
    assert_int_equal(r.recs.items[1].sources[0].line, 25);
    assert_int_equal(th_diags_count(&r.diags, NULL), 0);
    run_free(&r);
}

/* The input is UTF-8 by the time libxml2 sees it: a declared charset must not decode it again. */
static void test_extract_markup__declared_charset_does_not_decode_again(void **state)
{
    (void)state;
    static const char html[] =
        "<!DOCTYPE html><html><head><meta charset=\"windows-1252\"></head><body><ol>"
        "<li class=\"gp-result\"><span class=\"gp-institution\">Unédic</span></li>"
        "</ol></body></html>\n";
    run r;
    extract_mem(&r, "charset.html", html, GP_FORMAT_AUTO);
    assert_int_equal(r.recs.len, 1);
    assert_string_equal(r.recs.items[0].institution, "Unédic"); /* not "UnÃ©dic" */
    run_free(&r);

    static const char xml[] =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
        "<gp-export xmlns=\"https://www.issa.int/ns/good-practices/export/1\"><practice>"
        "<institution>Unédic</institution></practice></gp-export>\n";
    extract_mem(&r, "charset.xml", xml, GP_FORMAT_AUTO);
    assert_int_equal(r.recs.len, 1);
    assert_string_equal(r.recs.items[0].institution, "Unédic");
    run_free(&r);
}

/* libxml2 keeps 16-bit line numbers unless told otherwise; positions past 65535 stay true. */
static void test_extract_markup__line_numbers_past_65535_are_kept(void **state)
{
    (void)state;
    gp_buf doc = GP_BUF_INIT;
    gp_buf_puts(&doc, "<!DOCTYPE html><html><body><ol>\n");
    for (int i = 0; i < 70000; i++)
        gp_buf_puts(&doc, "<!-- filler -->\n");
    gp_buf_puts(&doc, "<li class=\"gp-result\">\n<span class=\"gp-institution\">Far Down</span>\n"
                      "</li></ol></body></html>\n");
    assert_false(doc.oom);
    run r;
    extract_mem(&r, "long.html", doc.data, GP_FORMAT_AUTO);
    assert_int_equal(r.recs.len, 1);
    assert_int_equal(r.recs.items[0].sources[0].line, 70002);
    assert_int_equal(gp_record_field_line(&r.recs.items[0], "/institution", NULL), 70003);
    run_free(&r);

    gp_buf_reset(&doc);
    gp_buf_puts(&doc, "<?xml version=\"1.0\"?>\n"
                      "<gp-export xmlns=\"https://www.issa.int/ns/good-practices/export/1\">\n");
    for (int i = 0; i < 70000; i++)
        gp_buf_puts(&doc, "<!-- filler -->\n");
    gp_buf_puts(&doc, "<practice>\n<institution>Far Down</institution>\n</practice>\n"
                      "</gp-export>\n");
    assert_false(doc.oom);
    extract_mem(&r, "long.xml", doc.data, GP_FORMAT_AUTO);
    gp_buf_free(&doc);
    assert_int_equal(r.recs.len, 1);
    assert_int_equal(r.recs.items[0].sources[0].line, 70003);
    assert_int_equal(gp_record_field_line(&r.recs.items[0], "/institution", NULL), 70004);
    run_free(&r);
}

/* libxml2 stops at 256 levels of nesting; the HTML parser says nothing unless asked. The
 * rest of the page is lost, so it is an input error that says how many records were read. */
static void test_extract_markup__html_nested_too_deep_is_reported(void **state)
{
    (void)state;
    gp_buf doc = GP_BUF_INIT;
    gp_buf_puts(&doc, "<!DOCTYPE html><html><body><ol><li class=\"gp-result\">"
                      "<span class=\"gp-institution\">Kept</span>\n<div>");
    for (int i = 0; i < 1000; i++)
        gp_buf_puts(&doc, "<span>");
    gp_buf_puts(&doc, "deep");
    for (int i = 0; i < 1000; i++)
        gp_buf_puts(&doc, "</span>");
    gp_buf_puts(&doc, "</div><span class=\"gp-country\">Lost</span></li></ol></body></html>\n");
    assert_false(doc.oom);
    run r;
    extract_mem(&r, "deep.html", doc.data, GP_FORMAT_AUTO);
    gp_buf_free(&doc);
    assert_int_equal(r.rc, GP_EINPUT);
    assert_int_equal(r.recs.len, 1);
    assert_string_equal(r.recs.items[0].institution, "Kept");
    assert_null(r.recs.items[0].country);
    assert_null(th_diags_find(&r.diags, "markup.malformed"));
    const gp_diag *d = th_diags_find(&r.diags, "markup.unreadable");
    assert_non_null(d);
    assert_int_equal(d->severity, GP_SEV_ERROR);
    assert_int_equal(d->line, 2);
    assert_non_null(strstr(d->message, "cannot read 'deep.html' to its end: excessive depth"));
    assert_non_null(strstr(d->message, "; 1 record read, the rest of the file is lost"));
    run_free(&r);
}

/* ---- the XML export ---- */

static void test_extract_markup__xml_export_reads_namespaced_records(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/xml/export.xml", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 3);
    assert_int_equal(th_diags_count(&r.diags, NULL), 0);
    const gp_record *rec = r.recs.items;
    static const long lines[] = {6, 42, 82};
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(rec[i].sources[0].format, "xml");
        assert_int_equal(rec[i].sources[0].line, lines[i]);
        assert_string_equal(rec[i].region, "Asia and Pacific");
        assert_int_equal(rec[i].award_year.value, 2018); /* an attribute */
        assert_int_equal(rec[i].implementation_year.value, 0);
        assert_int_equal(rec[i].topics.len, 0);
    }

    assert_string_equal(rec[0].institution, "National Pension Service");
    assert_string_equal(rec[0].country, "Korea, Republic of");
    assert_string_equal(rec[0].country_code, "KR");
    assert_string_equal(rec[0].award, "winner");
    assert_string_equal(rec[0].title,
                        "One-stop service through four social insurance information systems");
    static const char *const areas0[] = {"Administrative Solutions for Coverage Extension",
                                         "Information and Communication Technology",
                                         "Service Quality", NULL};
    assert_list(&rec[0].priority_areas, areas0);
    assert_string_equal(
        rec[0].description,
        "The National Pension Service (NPS) developed a social insurance computer network that "
        "connects the databases of the four national social insurance programmes on pensions, "
        "health, employment and workers’ compensation. In February 2003, the NPS established the "
        "Social Insurance Information Center (the Center) that allows citizens to access all four "
        "social security schemes by visiting (or via online) any one office of the three "
        "administering organizations. By integrating the channels of the four social insurance "
        "schemes, citizens no longer need to visit each of the organizations for any service "
        "request, be it for registering to any of the four social insurance schemes, making "
        "inquiries, changes, requests or submissions, or filing claims. Connecting national "
        "information resources allowed the simplifying and streamlining of various application "
        "forms and documents, leading to huge improvements in the efficiency of processes. The "
        "initiative is also recognized as ground-breaking service in light of the user-friendly "
        "environment for citizens to check their insurance history and status online.");
    assert_string_equal(
        rec[0].jury_comment,
        "For some time now, one-stop service centres have been offered by individual social "
        "security organizations. What makes the National Pension Service initiative outstanding "
        "is that it has created a business model that offers Korean citizens the convenience of "
        "having all their needs from four social security programmes on pensions, health, "
        "employment and workers’ compensation, met virtually or physically in one location. The "
        "initiative started in 2011 and has been in full operation since 2013 with a robust track "
        "record. This is world class service.");

    assert_string_equal(rec[1].institution, "Korea Occupational Safety and Health Agency");
    assert_string_equal(rec[1].country_code, "KR");
    assert_string_equal(rec[1].award, "certificate of merit with special mention");
    /* &#x2019; and a title over two lines */
    assert_string_equal(rec[1].title, "Establishment and operation of workers’ health centers to "
                                      "promote health for vulnerable groups of workers");
    static const char *const areas1[] = {"Administrative Solutions for Coverage Extension",
                                         "Service Quality", NULL};
    assert_list(&rec[1].priority_areas, areas1);
    /* four <para>, four paragraphs */
    const char *p = rec[1].description;
    size_t paras = 1;
    for (const char *q = strstr(p, "\n\n"); q; q = strstr(q + 2, "\n\n"))
        paras++;
    assert_int_equal(paras, 4);
    assert_true(strncmp(p,
                        "The Korea Occupational Safety and Health Agency (KOSHA) has "
                        "established 42 workers’ health centers nationwide",
                        102) == 0);
    assert_true(ends_with(p, "\n\nWorkers’ health centers have contributed to improving "
                             "workers’ health, given the stable financial support from KOSHA. "
                             "The coverage of the center will steadily be expanded to include "
                             "services for internal stability through outreach services, "
                             "trauma counselling, etc."));
    /* from a CDATA section */
    assert_string_equal(
        rec[1].jury_comment,
        "This good practice is an excellent example of what it means to “know your clients”. "
        "Cognizant that small workplaces (those with less than 50 employees) have no legal "
        "obligation to appoint health managers and are therefore prone to more precarious work "
        "environments, this good practice literally brings health services closer to those who "
        "may need them most.");

    assert_string_equal(rec[2].institution, "Iranian Social Security Organization");
    assert_string_equal(rec[2].country, "Iran, Islamic Republic of");
    assert_string_equal(rec[2].country_code, "IR");
    assert_string_equal(rec[2].award, "certificate of merit");
    assert_string_equal(rec[2].title, "Comprehensive e-services: More effective, more reliable");
    assert_null(rec[2].description);
    assert_null(rec[2].jury_comment);
    static const char *const areas2[] = {"Information and Communication Technology",
                                         "Service Quality", NULL};
    assert_list(&rec[2].priority_areas, areas2);
    /* attributes point at their element's line */
    assert_int_equal(gp_record_field_line(&rec[2], "/country_code", NULL), 84);
    assert_int_equal(gp_record_field_line(&rec[2], "/award", NULL), 86);
    run_free(&r);
}

/* XXE: neither the file nor the URLs are read; internal entities still expand. */
static void test_extract_markup__xml_external_entities_are_not_loaded(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/xml/external-entity.xml", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 1);
    const gp_record *rec = &r.recs.items[0];
    assert_null(rec->title);        /* &passwd; */
    assert_null(rec->jury_comment); /* &remote; */
    assert_false(record_contains(rec, "root:"));
    assert_false(record_contains(rec, "/bin/"));
    assert_false(record_contains(rec, "&"));
    assert_string_equal(rec->institution, "National Pension Service");
    assert_string_equal(rec->description,
                        "One-stop service, as reported to the International Social Security "
                        "Association.");
    const gp_diag *d = th_diags_find(&r.diags, "markup.malformed");
    assert_non_null(d);
    assert_int_equal(d->severity, GP_SEV_WARNING);
    assert_int_equal(d->line, 17);
    assert_string_equal(d->message, "external entity 'passwd' ('file:///etc/passwd') is never "
                                    "loaded; 2 references to external entities left out");
    assert_int_equal(th_diags_count(&r.diags, "markup.malformed"), 1);
    run_free(&r);
}

/* Billion laughs: libxml2 stops at the bomb; what came before is kept, and since the rest of
 * the file is lost, it is an input error that says how many records were read. */
static void test_extract_markup__xml_entity_bomb_is_an_input_error(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/xml/entity-bomb-then-record.xml", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_EINPUT);
    assert_int_equal(r.recs.len, 2);
    assert_string_equal(r.recs.items[0].title,
                        "Comprehensive e-services: More effective, more reliable");
    assert_string_equal(r.recs.items[1].institution, "Laughing Institute");
    assert_null(r.recs.items[1].title);
    for (size_t i = 0; i < r.recs.len; i++)
        assert_true(record_size(&r.recs.items[i]) < 1000);
    assert_null(th_diags_find(&r.diags, "markup.malformed"));
    const gp_diag *d = th_diags_find(&r.diags, "markup.entity-limit");
    assert_non_null(d);
    assert_int_equal(d->severity, GP_SEV_ERROR);
    assert_int_equal(d->line, 25);
    assert_string_equal(d->message,
                        "entity references in 'fixtures/xml/entity-bomb-then-record.xml' loop or "
                        "pass libxml2's limits (an entity bomb?); 2 records read, the rest of the "
                        "file is lost");
    run_free(&r);
}

/* Entities nested three deep that stand for 30 KB: read whole, both records, no word. */
static void test_extract_markup__xml_nested_entities_expand_whole(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/xml/entity-nested-30kb.xml", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 2);
    const gp_record *rec = &r.recs.items[0];
    assert_non_null(rec->description);
    /* 300 copies of "Social security for all. " x 4, white space collapsed, trimmed */
    assert_int_equal(strlen(rec->description), 30000 - 1);
    assert_string_equal(r.recs.items[1].title, "After the entities & all");
    assert_null(th_diags_find(&r.diags, "markup.malformed"));
    assert_null(th_diags_find(&r.diags, "markup.entity-limit"));
    run_free(&r);
}

/* One large entity used many times passes libxml2's checks; the budget stops it. */
static void test_extract_markup__xml_repeated_entity_is_cut_at_the_budget(void **state)
{
    (void)state;
    /* 64 KiB referenced 400 times: 25 MiB, over the 16 MiB a document may expand to */
    size_t big = 64 * 1024, refs = 400;
    gp_buf doc = GP_BUF_INIT;
    gp_buf_puts(&doc, "<?xml version=\"1.0\"?>\n<!DOCTYPE gp-export [<!ENTITY big \"");
    for (size_t i = 0; i < big; i++)
        gp_buf_putc(&doc, 'A');
    gp_buf_puts(&doc, "\">]>\n<gp-export xmlns=\"https://www.issa.int/ns/good-practices/export/1\">"
                      "\n<practice>\n<institution>Quadratic Institute</institution>\n<title>");
    for (size_t i = 0; i < refs; i++)
        gp_buf_puts(&doc, "&big;");
    gp_buf_puts(&doc, "</title>\n<summary><para>");
    for (size_t i = 0; i < refs; i++)
        gp_buf_puts(&doc, "&big;");
    gp_buf_puts(&doc, "</para></summary>\n</practice>\n</gp-export>\n");
    assert_false(doc.oom);
    run r;
    extract_mem(&r, "quadratic.xml", doc.data, GP_FORMAT_AUTO);
    gp_buf_free(&doc);
    /* text was left out: an input error, the record kept as far as it goes */
    assert_int_equal(r.rc, GP_EINPUT);
    assert_int_equal(r.recs.len, 1);
    const gp_record *rec = &r.recs.items[0];
    assert_string_equal(rec->institution, "Quadratic Institute");
    /* the title holds the first MiB of As; the budget ran out before the summary */
    assert_non_null(rec->title);
    assert_in_range(strlen(rec->title), ((size_t)1 << 20) - 16, (size_t)1 << 20);
    assert_null(rec->description);
    assert_true(record_size(rec) <= ((size_t)1 << 20) + 100);
    int budget = 0, field = 0;
    for (size_t i = 0; i < gp_diag_list_len(r.diags.list); i++) {
        const gp_diag *d = gp_diag_list_get(r.diags.list, i);
        if (strcmp(d->rule_id, "markup.entity-limit") == 0 &&
            strstr(d->message, "expand to more than 16777216 bytes")) {
            budget++;
            assert_int_equal(d->line, 6); /* the <title> */
        }
        if (strcmp(d->rule_id, "markup.malformed") == 0 &&
            strstr(d->message, "the text of field 'title' is longer than 1048576 bytes"))
            field++;
    }
    assert_int_equal(budget, 1);
    assert_int_equal(field, 1);
    run_free(&r);
}

/* An unclosed tag: reported at its place, the records read as far as libxml2 recovers. */
static void test_extract_markup__xml_malformed_is_reported_with_its_place(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/xml/malformed.xml", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 2);
    assert_string_equal(r.recs.items[0].title,
                        "Comprehensive e-services: More effective, more reliable");
    assert_string_equal(r.recs.items[0].country_code, "IR");
    assert_string_equal(r.recs.items[1].title, "Social security mobile services");
    assert_int_equal(th_diags_count(&r.diags, "markup.malformed"), 1);
    const gp_diag *d = th_diags_find(&r.diags, "markup.malformed");
    assert_string_equal(d->file, "fixtures/xml/malformed.xml");
    assert_int_equal(d->line, 11);
    assert_int_equal(d->column, 14);
    assert_non_null(strstr(d->message, "is not well-formed XML: opening and ending tag mismatch: "
                                       "title line 10 and practice"));
    run_free(&r);
}

/*
 * An export cut off before its root element: libxml2 recovers an empty document, which
 * is not read "as far as possible" but reported as unreadable at the end of the text,
 * with no record and an input error.
 */
static void test_extract_markup__xml_without_root_element_is_unreadable(void **state)
{
    (void)state;
    const char *rel = "fixtures/xml/cut-before-root.xml";
    run r;
    extract(&r, rel, GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_EINPUT);
    assert_int_equal(r.recs.len, 0);
    assert_int_equal(th_diags_count(&r.diags, NULL), 1);
    const gp_diag *d = th_diags_find(&r.diags, "markup.unreadable");
    assert_non_null(d);
    assert_int_equal(d->severity, GP_SEV_ERROR);
    assert_string_equal(d->file, rel);
    assert_int_equal(d->line, 4);
    assert_int_equal(d->column, 1);
    assert_string_equal(d->message, "cannot parse 'fixtures/xml/cut-before-root.xml' as XML: "
                                    "start tag expected, '<' not found");
    run_free(&r);

    /* text that is no XML at all, named as XML */
    extract_mem(&r, "notes.txt", "Implementation year:\n2018\n", GP_FORMAT_XML);
    assert_int_equal(r.rc, GP_EINPUT);
    d = th_diags_find(&r.diags, "markup.unreadable");
    assert_non_null(d);
    assert_int_equal(d->line, 1);
    assert_int_equal(d->column, 1);
    run_free(&r);
}

/* ---- profiles ---- */

/* A syntax error in an XPath fails the profile at the place of the mistake. */
static void test_extract_markup__profile_bad_xpath_fails_with_its_place(void **state)
{
    (void)state;
    run r;
    extract_with_profile(&r, "fixtures/profiles/bad-xpath.yaml", page, NULL, GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_ERULES);
    assert_int_equal(th_diags_count(&r.diags, NULL), 1);
    const gp_diag *d = th_diags_find(&r.diags, "profile.xpath");
    assert_non_null(d);
    assert_int_equal(d->severity, GP_SEV_ERROR);
    assert_true(ends_with(d->file, "fixtures/profiles/bad-xpath.yaml"));
    assert_int_equal(d->line, 8);
    assert_int_equal(d->column, 39); /* where the missing ']' should be */
    assert_string_equal(d->message,
                        "bad XPath in field 'country': invalid predicate: './/span[@class='gp-"
                        "country''");
    run_free(&r);
}

/* A misspelt field is an unknown key, with the field that was meant. */
static void test_extract_markup__profile_unknown_key_suggests_the_field(void **state)
{
    (void)state;
    run r;
    extract_with_profile(&r, "fixtures/profiles/unknown-key.yaml", page, NULL, GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_ERULES);
    assert_int_equal(th_diags_count(&r.diags, NULL), 1);
    const gp_diag *d = th_diags_find(&r.diags, "rules.unknown-key");
    assert_non_null(d);
    assert_true(ends_with(d->file, "fixtures/profiles/unknown-key.yaml"));
    assert_int_equal(d->line, 7);
    assert_int_equal(d->column, 3);
    assert_string_equal(d->message,
                        "unknown key 'instituion' in 'fields'; did you mean 'institution'?");
    run_free(&r);
}

/* A prefix the profile does not declare is caught when it loads, not per document. */
static void test_extract_markup__profile_undeclared_prefix_fails_at_load(void **state)
{
    (void)state;
    run r;
    extract_with_profile(&r, "fixtures/profiles/undeclared-prefix.yaml", "fixtures/xml/export.xml",
                         NULL, GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_ERULES);
    assert_int_equal(r.recs.len, 0);
    assert_int_equal(th_diags_count(&r.diags, NULL), 1);
    const gp_diag *d = th_diags_find(&r.diags, "profile.xpath");
    assert_non_null(d);
    assert_int_equal(d->line, 8);
    assert_int_equal(d->column, 10);
    assert_string_equal(d->message,
                        "bad XPath in field 'title': undefined namespace prefix: 'export:title'");
    run_free(&r);
}

/* The profile's format picks the parser: XHTML (detected as HTML) read as namespaced XML. */
static void test_extract_markup__profile_format_picks_the_parser(void **state)
{
    (void)state;
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><ol>\n"
        "<li class=\"gp-result\"><span class=\"gp-institution\">Social Security "
        "Institute</span></li>\n"
        "</ol></body></html>\n";
    run r;
    extract_with_profile(&r, "fixtures/profiles/xhtml-as-xml.yaml", "page.xhtml", doc,
                         GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 1);
    assert_string_equal(r.recs.items[0].institution, "Social Security Institute");
    assert_string_equal(r.recs.items[0].sources[0].format, "xml");
    assert_int_equal(r.recs.items[0].sources[0].line, 3);
    run_free(&r);

    /* --format=html wins over the profile: the HTML parser drops the namespace */
    extract_with_profile(&r, "fixtures/profiles/xhtml-as-xml.yaml", "page.xhtml", doc,
                         GP_FORMAT_HTML);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 0);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_markup__html_page_gives_one_record_per_result),
        cmocka_unit_test(test_extract_markup__html_fields_are_the_page_text),
        cmocka_unit_test(test_extract_markup__html_page_equals_the_listing_dumps),
        cmocka_unit_test(test_extract_markup__html_page_chrome_stays_out_of_fields),
        cmocka_unit_test(test_extract_markup__html_entities_are_decoded),
        cmocka_unit_test(test_extract_markup__html_comma_inside_country_is_kept),
        cmocka_unit_test(test_extract_markup__html_field_positions_are_the_elements_lines),
        cmocka_unit_test(test_extract_markup__html_text_is_what_a_browser_shows),
        cmocka_unit_test(test_extract_markup__field_matching_nothing_is_reported),
        cmocka_unit_test(test_extract_markup__forced_html_reads_a_fragment),
        cmocka_unit_test(test_extract_markup__declared_charset_does_not_decode_again),
        cmocka_unit_test(test_extract_markup__line_numbers_past_65535_are_kept),
        cmocka_unit_test(test_extract_markup__html_nested_too_deep_is_reported),
        cmocka_unit_test(test_extract_markup__xml_export_reads_namespaced_records),
        cmocka_unit_test(test_extract_markup__xml_external_entities_are_not_loaded),
        cmocka_unit_test(test_extract_markup__xml_entity_bomb_is_an_input_error),
        cmocka_unit_test(test_extract_markup__xml_nested_entities_expand_whole),
        cmocka_unit_test(test_extract_markup__xml_repeated_entity_is_cut_at_the_budget),
        cmocka_unit_test(test_extract_markup__xml_malformed_is_reported_with_its_place),
        cmocka_unit_test(test_extract_markup__xml_without_root_element_is_unreadable),
        cmocka_unit_test(test_extract_markup__profile_bad_xpath_fails_with_its_place),
        cmocka_unit_test(test_extract_markup__profile_unknown_key_suggests_the_field),
        cmocka_unit_test(test_extract_markup__profile_undeclared_prefix_fails_at_load),
        cmocka_unit_test(test_extract_markup__profile_format_picks_the_parser),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
