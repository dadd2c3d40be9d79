/*
 * tests/consumer/consumer.c - a program using the installed library as any other program
 * would (only <gpkit.h>, built with pkg-config or find_package(gpkit)): it loads the
 * installed rules with no path and normalises one record read from JSON.
 * Prints the rules' folder, then the normalised record.
 */
#include <gpkit.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    static const char line[] = "{\"title\":\"Safety  at work\",\"country\":\"Republic of Korea\"}";
    gp_diag_sink diags;
    gp_diag_sink_init(&diags, NULL, NULL);
    gp_ruleset *rules = NULL;
    if (gp_ruleset_load(&rules, NULL, &diags) != GP_OK) {
        fprintf(stderr, "consumer: cannot load the rules at '%s'\n", gp_rules_default_path());
        return 1;
    }
    gp_normalizer *norm = NULL;
    gp_arena *arena = NULL;
    gp_record rec;
    gp_buf out = GP_BUF_INIT;
    int rc = gp_normalizer_new(&norm, rules, &diags);
    if (rc == GP_OK)
        rc = gp_arena_new(&arena);
    if (rc == GP_OK) {
        gp_record_init(&rec, arena);
        gp_json_error err;
        rc = gp_record_read_json(&rec, line, strlen(line), NULL, &err);
    }
    if (rc == GP_OK)
        rc = gp_norm_record(norm, &rec);
    if (rc == GP_OK) {
        gp_record_write_json(&rec, &out, 0);
        printf("%s\n%s\n", gp_ruleset_path(rules), out.data);
    }
    gp_buf_free(&out);
    gp_arena_free(arena);
    gp_normalizer_free(norm);
    gp_ruleset_free(rules);
    return rc == GP_OK ? 0 : 1;
}
