/*
 * tests/test_report.c - the review page: escaping, variant clusters, refused inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Writes `text` to a temporary file; returns its path (to free and unlink). */
static char *temp_file(const char *text)
{
    char *path = strdup("/tmp/gp-test-report-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* Builds a report from a findings file and writes it; returns the page. */
static char *page_of(const char *findings, const char *dataset)
{
    char *lint = temp_file(findings);
    char *data = dataset ? temp_file(dataset) : NULL;
    char *out = temp_file("");
    th_diags diags;
    th_diags_init(&diags);
    gp_report_options o = {lint, NULL, NULL, data, th_rules()};
    gp_report *r;
    assert_int_equal(gp_report_build(&r, &o, &diags.sink), GP_OK);
    assert_int_equal(gp_report_save(r, out), GP_OK);
    gp_report_free(r);
    th_diags_free(&diags);
    char *page = read_all(out);
    unlink(lint);
    unlink(out);
    if (data)
        unlink(data);
    free(lint);
    free(data);
    free(out);
    return page;
}

static void test_report__no_value_can_end_the_data_element(void **state)
{
    (void)state;
    /* a message, a value and a file name that try to close the script element */
    char *page = page_of(
        "{\"rule\":\"topic.alias\",\"level\":\"warning\",\"message\":\"x</script><script>"
        "alert(1)</script>\",\"file\":\"a</script>.txt\",\"line\":3,\"column\":1,"
        "\"record_id\":\"gp-0123456789abcdef\",\"pointer\":\"/topics/0\",\"value\":\"\\\"><img "
        "src=x onerror=alert(1)> & \xE2\x80\xA8\",\"fix\":\"</textarea>\"}\n",
        NULL);
    /* the only script ends are those of the data and of the page's script */
    assert_int_equal(count(page, "</script"), 2);
    assert_int_equal(count(page, "<script"), 2);
    assert_null(strstr(page, "<img"));
    assert_null(strstr(page, "</textarea"));
    /* the file name is in the static page (a filter option), escaped by the serializer */
    assert_non_null(strstr(page, "a&lt;/script&gt;.txt"));
    /* and in the data as JSON escapes, U+2028 included */
    assert_non_null(strstr(page, "x\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
    assert_non_null(strstr(page, "\\u0026 \\u2028"));
    assert_null(strstr(page, "\xE2\x80\xA8"));
    /* nothing is loaded from elsewhere */
    assert_null(strstr(page, "src=\"http"));
    assert_null(strstr(page, "href=\"http"));
    assert_non_null(strstr(page, "Content-Security-Policy"));
    free(page);
}

static void test_report__variant_cluster_gets_its_suggest_entry(void **state)
{
    (void)state;
    char *page = page_of(
        "{\"rule\":\"institution.variants\",\"level\":\"warning\",\"message\":\"institution "
        "variants in Korea, Republic of: 'National Pension Service' (3), 'NATIONAL PENSION "
        "SERVICE' (1); write 'National Pension Service' (key)\",\"file\":\"a.txt\",\"line\":1,"
        "\"value\":\"National Pension Service | NATIONAL PENSION SERVICE\",\"fix\":\"National "
        "Pension Service\",\"cluster\":{\"members\":[{\"count\":3,\"known\":false,\"value\":"
        "\"National Pension Service\"},{\"count\":1,\"known\":false,\"value\":\"NATIONAL "
        "PENSION SERVICE\"}],\"methods\":[\"key\"],\"proposed\":\"National Pension "
        "Service\",\"proposed_known\":false,\"scope\":\"Korea, Republic of\"}}\n"
        /* a spelling with " | " and a quote in it: the cluster is read, not the message */
        "{\"rule\":\"region.variants\",\"level\":\"warning\",\"message\":\"region variants: "
        "'Asia and the Pacific' (1, in the rules), 'Asia | 'Pacific' (1); write 'Asia and the "
        "Pacific' (words, ngrams)\",\"value\":\"Asia and the Pacific | Asia | 'Pacific\","
        "\"fix\":\"Asia and the Pacific\",\"cluster\":{\"members\":[{\"count\":1,\"known\":"
        "true,\"value\":\"Asia and the Pacific\"},{\"count\":1,\"known\":false,\"value\":"
        "\"Asia | 'Pacific\"}],\"methods\":[\"words\",\"ngrams\"],\"proposed\":\"Asia and the "
        "Pacific\",\"proposed_known\":true,\"scope\":null}}\n",
        NULL);
    assert_non_null(strstr(page, "\"scope\":\"Korea, Republic of\""));
    assert_non_null(strstr(page, "[\"National Pension Service\",3,false],[\"NATIONAL PENSION "
                                 "SERVICE\",1,false]"));
    /* the YAML gp-lint --suggest prints, as a JSON string */
    assert_non_null(strstr(page, "institutions:\\n  - name: \\\"National Pension Service\\\"\\n"
                                 "    country: \\\"Korea, Republic of\\\"\\n    aliases: "
                                 "[\\\"NATIONAL PENSION SERVICE\\\"]\\n"));
    assert_non_null(strstr(page, "regions:\\n  - alias_of: \\\"Asia and the Pacific\\\"\\n"
                                 "    aliases: [\\\"Asia | 'Pacific\\\"]\\n"));
    assert_non_null(
        strstr(page, "[\"Asia and the Pacific\",1,true],[\"Asia | 'Pacific\",1,false]"));
    free(page);
}

static void test_report__malformed_cluster_is_reported(void **state)
{
    (void)state;
    char *lint = temp_file("{\"rule\":\"topic.variants\",\"level\":\"warning\",\"message\":\"m\","
                           "\"cluster\":{\"members\":[{\"value\":\"Health\",\"count\":-1,"
                           "\"known\":true}],\"methods\":[],\"proposed\":\"Health\","
                           "\"proposed_known\":true,\"scope\":null}}\n");
    th_diags diags;
    th_diags_init(&diags);
    gp_report_options o = {lint, NULL, NULL, NULL, th_rules()};
    gp_report *r = (gp_report *)1;
    assert_int_equal(gp_report_build(&r, &o, &diags.sink), GP_EINPUT);
    assert_null(r);
    const gp_diag *d = th_diags_find(&diags, "report.input-invalid");
    assert_non_null(d);
    assert_string_equal(d->message, "line is not a gp-lint finding (gp-lint --format=json): "
                                    "member 1 of 'cluster' is not {value, count, known}");
    th_diags_free(&diags);
    unlink(lint);
    free(lint);
}

static void test_report__records_are_not_findings(void **state)
{
    (void)state;
    char *lint = temp_file("{\"id\":\"gp-0123456789abcdef\",\"title\":\"x\"}\n");
    th_diags diags;
    th_diags_init(&diags);
    gp_report_options o = {lint, NULL, NULL, NULL, th_rules()};
    gp_report *r = (gp_report *)1;
    assert_int_equal(gp_report_build(&r, &o, &diags.sink), GP_EINPUT);
    assert_null(r);
    const gp_diag *d = th_diags_find(&diags, "report.input-invalid");
    assert_non_null(d);
    assert_int_equal(d->line, 1);
    assert_string_equal(d->message,
                        "line is not a gp-lint finding (gp-lint --format=json): no 'rule' key");
    th_diags_free(&diags);
    unlink(lint);
    free(lint);
}

static void test_report__fix_is_offered_for_the_dataset_record(void **state)
{
    (void)state;
    char *page = page_of(
        "{\"rule\":\"text.spacing\",\"level\":\"warning\",\"message\":\"m\",\"record_id\":"
        "\"gp-0123456789abcdef\",\"pointer\":\"/title\",\"value\":\"a  b\",\"fix\":\"a b\"}\n",
        "{\"award\":null,\"award_year\":null,\"country\":\"Poland\",\"country_code\":\"PL\","
        "\"description\":null,\"id\":\"gp-0123456789abcdef\",\"implementation_year\":2021,"
        "\"institution\":null,\"jury_comment\":null,\"priority_areas\":[],\"region\":null,"
        "\"sources\":[],\"title\":\"a  b\",\"topics\":[]}\n");
    /* the finding names the record that holds the value, and that record is embedded */
    assert_non_null(strstr(page, "\"m\",0,\"gp-0123456789abcdef\"]"));
    assert_non_null(strstr(page, "\"records\":{\"gp-0123456789abcdef\":{"));
    assert_non_null(strstr(page, "\"countries\":[\"Poland\"]"));
    free(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report__no_value_can_end_the_data_element),
        cmocka_unit_test(test_report__variant_cluster_gets_its_suggest_entry),
        cmocka_unit_test(test_report__malformed_cluster_is_reported),
        cmocka_unit_test(test_report__records_are_not_findings),
        cmocka_unit_test(test_report__fix_is_offered_for_the_dataset_record),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
