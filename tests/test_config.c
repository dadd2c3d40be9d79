/*
 * tests/test_config.c - the project file (.gpkit.yaml): finding it, reading it; gp-lint's
 * outputs and the SARIF limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

static char tmp[256];

static void make_tmp(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/gpkit-test-config-XXXXXX");
    assert_non_null(mkdtemp(tmp));
    char *real = realpath(tmp, NULL); /* /tmp may be a symbolic link */
    assert_non_null(real);
    snprintf(tmp, sizeof tmp, "%s", real);
    free(real);
}

static const char *at(const char *rel)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", tmp, rel);
    return buf;
}

static void write_file(const char *rel, const char *text)
{
    FILE *f = fopen(at(rel), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_tmp(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
}

static void test_config__found_upward_but_not_past_the_repository_root(void **state)
{
    (void)state;
    make_tmp();
    assert_int_equal(mkdir(at("repo"), 0700), 0);
    assert_int_equal(mkdir(at("repo/.git"), 0700), 0);
    assert_int_equal(mkdir(at("repo/a"), 0700), 0);
    assert_int_equal(mkdir(at("repo/a/b"), 0700), 0);
    write_file(".gpkit.yaml", "fail-on: never\n"); /* another project's, above the root */
    char *found = NULL;
    assert_int_equal(gp_config_find(at("repo/a/b"), &found), GP_OK);
    assert_null(found);
    char *root = NULL;
    assert_int_equal(gp_repo_root(at("repo/a/b"), &root), GP_OK);
    assert_string_equal(root, at("repo"));
    free(root);
    write_file("repo/.gpkit.yaml", "fail-on: warning\n");
    assert_int_equal(gp_config_find(at("repo/a/b"), &found), GP_OK);
    assert_string_equal(found, at("repo/.gpkit.yaml"));
    free(found);
    remove_tmp();
}

static void test_config__paths_are_relative_to_the_file(void **state)
{
    (void)state;
    make_tmp();
    write_file(".gpkit.yaml", "rules: rules\n"
                              "baseline: lint-baseline.json\n"
                              "decisions: /abs/decisions.yaml\n"
                              "fail-on: never\n"
                              "outputs: [sarif=out/lint.sarif, human=-]\n"
                              "sarif: {base: ., max-results: 100, help-uri: https://x.org/c.md}\n"
                              "markdown: {max-findings: 20}\n");
    th_diags diags;
    th_diags_init(&diags);
    gp_config *c = NULL;
    assert_int_equal(gp_config_load(&c, at(".gpkit.yaml"), &diags.sink), GP_OK);
    assert_int_equal(th_diags_count(&diags, NULL), 0);
    char want[512];
    snprintf(want, sizeof want, "%s/rules", tmp);
    assert_string_equal(c->rules, want);
    snprintf(want, sizeof want, "%s/lint-baseline.json", tmp);
    assert_string_equal(c->baseline, want);
    assert_string_equal(c->decisions, "/abs/decisions.yaml");
    assert_true(c->has_fail_on);
    assert_int_equal(c->fail_on, GP_SEV_OFF);
    assert_int_equal(c->noutputs, 2);
    assert_int_equal(c->outputs[0].format, GP_FINDINGS_SARIF);
    snprintf(want, sizeof want, "%s/out/lint.sarif", tmp);
    assert_string_equal(c->outputs[0].path, want);
    assert_int_equal(c->outputs[1].format, GP_FINDINGS_HUMAN);
    assert_string_equal(c->outputs[1].path, "-"); /* standard output stays itself */
    assert_int_equal(c->sarif_max_results, 100);
    assert_string_equal(c->sarif_help_uri, "https://x.org/c.md");
    assert_int_equal(c->markdown_max_findings, 20);
    gp_config_free(c);
    th_diags_free(&diags);
    remove_tmp();
}

static void test_config__mistakes_reported_with_their_place(void **state)
{
    (void)state;
    make_tmp();
    write_file("p.yaml", "rules: rules\n"
                         "outputs: [sarif]\n"
                         "sarif: {max-results: 30000}\n"
                         "decision: d.yaml\n");
    th_diags diags;
    th_diags_init(&diags);
    gp_config *c = NULL;
    assert_int_equal(gp_config_load(&c, at("p.yaml"), &diags.sink), GP_ERULES);
    assert_null(c);
    const gp_diag *d = th_diags_find(&diags, "rules.unknown-key");
    assert_non_null(d);
    assert_int_equal(d->line, 4);
    assert_int_equal(d->column, 1);
    assert_non_null(strstr(d->message, "did you mean 'decisions'?"));
    d = th_diags_find(&diags, "rules.reference");
    assert_non_null(d);
    assert_int_equal(d->line, 2);
    assert_int_equal(d->column, 11);
    d = th_diags_find(&diags, "rules.range"); /* over GitHub's limit */
    assert_non_null(d);
    assert_int_equal(d->line, 3);
    th_diags_free(&diags);
    remove_tmp();
}

static void test_config__output_spec_is_format_equals_file(void **state)
{
    (void)state;
    gp_findings_format f;
    const char *path;
    assert_int_equal(gp_findings_output_parse("sarif=lint.sarif", &f, &path), 0);
    assert_int_equal(f, GP_FINDINGS_SARIF);
    assert_string_equal(path, "lint.sarif");
    assert_int_equal(gp_findings_output_parse("markdown=a=b.md", &f, &path), 0);
    assert_string_equal(path, "a=b.md"); /* the first '=' ends the format */
    assert_int_equal(gp_findings_output_parse("sarif", &f, &path), -1);
    assert_int_equal(gp_findings_output_parse("sarif=", &f, &path), -1);
    assert_int_equal(gp_findings_output_parse("xml=x.xml", &f, &path), -1);
}

static void test_config__sarif_keeps_the_most_severe_within_the_limit(void **state)
{
    (void)state;
    make_tmp();
    gp_diag_list *list = NULL;
    assert_int_equal(gp_diag_list_new(&list), GP_OK);
    gp_diag_sink sink;
    gp_diag_sink_init(&sink, gp_diag_list_collect, list);
    /* in the order of place: the info first, the error last */
    gp_diag_report(&sink, GP_SEV_INFO, "text.truncated", "a.txt", 1, 1, "INFO-FINDING");
    gp_diag_report(&sink, GP_SEV_WARNING, "text.truncated", "a.txt", 2, 1, "WARNING-FINDING");
    gp_diag_report(&sink, GP_SEV_ERROR, "text.truncated", "a.txt", 3, 1, "ERROR-FINDING");
    gp_findings_report rep = {0};
    gp_findings_info info = {.tool = "gp-lint", .base = tmp, .max_results = 2, .report = &rep};
    assert_int_equal(gp_findings_write_path(at("l.sarif"), GP_FINDINGS_SARIF, list, NULL, &info, 0),
                     GP_OK);
    assert_int_equal(rep.results, 2);
    assert_int_equal(rep.dropped, 1);
    FILE *f = fopen(at("l.sarif"), "r");
    assert_non_null(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    const char *e = strstr(text, "ERROR-FINDING"), *w = strstr(text, "WARNING-FINDING");
    assert_non_null(e);
    assert_non_null(w);
    assert_true(e < w);
    assert_null(strstr(text, "INFO-FINDING"));
    assert_non_null(strstr(text, "2 of 3 findings written"));
    assert_non_null(strstr(text, "\"toolExecutionNotifications\""));
    gp_diag_list_free(list);
    remove_tmp();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config__found_upward_but_not_past_the_repository_root),
        cmocka_unit_test(test_config__paths_are_relative_to_the_file),
        cmocka_unit_test(test_config__mistakes_reported_with_their_place),
        cmocka_unit_test(test_config__output_spec_is_format_equals_file),
        cmocka_unit_test(test_config__sarif_keeps_the_most_severe_within_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
