/*
 * gp-lint - check records or dumps against the rules; report for people and for CI.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

enum {
    OPT_FORMAT = 1,
    OPT_FAIL_ON,
    OPT_BASELINE,
    OPT_WRITE_BASELINE,
    OPT_SUGGEST,
    OPT_NO_DISCOVERY,
    OPT_NO_DUPLICATES,
    OPT_JOBS,
    OPT_STATS
};

static const gp_opt options[] = {
    {"rules", 'r', "PATH", GP_OPT_RULES, "rule set: an entry file or a folder (default: bundled)"},
    {"format", 0, "FORMAT", OPT_FORMAT, "human (default), json, sarif, github or markdown"},
    {"fail-on", 0, "LEVEL", OPT_FAIL_ON,
     "exit 1 for new findings at or above error (default), warning, or never"},
    {"baseline", 0, "FILE", OPT_BASELINE, "findings this baseline lists are known, not new"},
    {"write-baseline", 0, "FILE", OPT_WRITE_BASELINE, "write every finding to FILE as a baseline"},
    {"suggest", 0, NULL, OPT_SUGGEST, "print rule YAML that resolves the variants found"},
    {"no-discovery", 0, NULL, OPT_NO_DISCOVERY, "do not look for variant spellings"},
    {"no-duplicates", 0, NULL, OPT_NO_DUPLICATES,
     "do not look for possible duplicates (gp-dedup's matching)"},
    {"jobs", 'j', "N", OPT_JOBS, "threads that check records (default: the processors)"},
    {"stats", 0, NULL, OPT_STATS, "print where the time went, phase by phase, on stderr"},
    {NULL, 0, NULL, 0, NULL}};

typedef struct run {
    gp_findings_format format;
    gp_severity fail_on; /* GP_SEV_OFF: never */
    const char *baseline;
    const char *write_baseline;
    int suggest;
    int stats;
    gp_lint_options lint;
    gp_linter *linter;
} run;

static int on_option(gp_tool *t, int id, const char *arg, void *ctx)
{
    run *r = ctx;
    switch (id) {
    case OPT_FORMAT:
        if (gp_findings_format_parse(arg, &r->format) != 0) {
            gp_tool_error(t, "unknown format '%s' (human, json, sarif, github, markdown)", arg);
            return 2;
        }
        return 0;
    case OPT_FAIL_ON:
        if (strcmp(arg, "never") == 0) {
            r->fail_on = GP_SEV_OFF;
        } else if (gp_severity_parse(arg, &r->fail_on) != 0 || r->fail_on == GP_SEV_INFO) {
            gp_tool_error(t, "unknown level '%s' for --fail-on (error, warning, never)", arg);
            return 2;
        }
        return 0;
    case OPT_BASELINE:
        r->baseline = arg;
        return 0;
    case OPT_WRITE_BASELINE:
        r->write_baseline = arg;
        return 0;
    case OPT_SUGGEST:
        r->suggest = 1;
        return 0;
    case OPT_STATS:
        r->stats = 1;
        return 0;
    case OPT_NO_DISCOVERY:
        r->lint.discovery = 0;
        return 0;
    case OPT_NO_DUPLICATES:
        r->lint.duplicates = 0;
        return 0;
    case OPT_JOBS: {
        char *end;
        long n = strtol(arg, &end, 10);
        if (*end || n < 1 || n > 64) {
            gp_tool_error(t, "--jobs needs a number from 1 to 64, not '%s'", arg);
            return 2;
        }
        r->lint.threads = (int)n;
        return 0;
    }
    }
    return 2;
}

/* Wall and process CPU seconds, for --stats. */
typedef struct stamp {
    double wall, cpu;
} stamp;

static stamp now(void)
{
    struct timespec w, c;
    clock_gettime(CLOCK_MONOTONIC, &w);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    return (stamp){(double)w.tv_sec + (double)w.tv_nsec / 1e9,
                   (double)c.tv_sec + (double)c.tv_nsec / 1e9};
}

static void print_phase(const char *name, double wall, double cpu)
{
    fprintf(stderr, "gp-lint: %-12s %8.3f s wall %8.3f s cpu\n", name, wall, cpu);
}

/* One line per phase: reading with the per-record checks, those of gp_lint_finish, sorting
 * and writing the findings; `t` holds the stamps taken between them. */
static void print_stats(gp_linter *l, size_t findings, const stamp t[5])
{
    fprintf(stderr, "gp-lint: %zu records, %zu findings\n", gp_linter_records(l), findings);
    print_phase("read", t[1].wall - t[0].wall, t[1].cpu - t[0].cpu);
    gp_lint_phase ph[8];
    size_t n = gp_lint_phases(l, ph, 8);
    for (size_t i = 0; i < n && i < 8; i++)
        print_phase(ph[i].name, ph[i].wall, ph[i].cpu);
    print_phase("sort", t[3].wall - t[2].wall, t[3].cpu - t[2].cpu);
    print_phase("write", t[4].wall - t[3].wall, t[4].cpu - t[3].cpu);
    print_phase("total", t[4].wall - t[0].wall, t[4].cpu - t[0].cpu);
}

static int lint_one(void *ctx, gp_record *rec)
{
    run *r = ctx;
    return gp_lint_record(r->linter, rec);
}

int main(int argc, char **argv)
{
    gp_tool t = {.name = "gp-lint",
                 .synopsis = "[OPTION]... [FILE]...",
                 .summary = "Check good-practice dumps or records against the rules.\n"
                            "With no FILE, or when FILE is -, read standard input.",
                 .opts = options,
                 .details = "Checks: vocabulary (unknown values, aliases, former names), "
                            "required fields,\npatterns, year ranges, text hygiene, consistency "
                            "across records, and variant\nspellings no rule knows (discovery). "
                            "Findings are sorted by place; --baseline\nkeeps known findings "
                            "out of the exit status. Rule ids: rules/checks.yaml."};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    run r = {
        GP_FINDINGS_HUMAN, GP_SEV_ERROR, NULL, NULL, 0, 0, {1, cpus > 1 ? (int)cpus : 1, 1}, NULL};
    int first;
    int status = gp_tool_start(&t, argc, argv, 1, on_option, &r, &first);
    if (status >= 0)
        return status;
    /* Every finding, from reading the dumps to the dataset checks, goes into one list. */
    gp_diag_list *list = NULL;
    if (gp_diag_list_new(&list) != GP_OK)
        return gp_tool_finish(&t, GP_ENOMEM);
    if ((status = gp_tool_load_rules(&t))) {
        gp_diag_list_free(list);
        return gp_tool_finish(&t, GP_ERULES);
    }
    gp_diag_sink findings;
    gp_diag_sink_init(&findings, gp_diag_list_collect, list);
    findings.level_fn = gp_ruleset_level;
    findings.level_ctx = t.rules;
    gp_extractor *ex = NULL;
    int rc = gp_extractor_new(&ex, t.rules, NULL, &findings);
    if (!rc)
        rc = gp_linter_new(&r.linter, t.rules, &r.lint, &findings);
    int input_error = 0;
    stamp ts[5];
    ts[0] = now();
    if (first >= argc)
        argv[--first] = "-";
    for (int i = first; i < argc && !rc; i++) {
        int frc = gp_extract_file(ex, argv[i], NULL, lint_one, &r);
        if (frc == GP_EIO || frc == GP_EINPUT || frc == GP_ERULES)
            input_error = frc;
        else
            rc = frc;
    }
    ts[1] = now();
    if (!rc)
        rc = gp_lint_finish(r.linter);
    ts[2] = now();
    gp_baseline *baseline = NULL;
    if (!rc && r.baseline)
        rc = gp_baseline_load(&baseline, r.baseline, &t.sink);
    size_t n = gp_diag_list_len(list), unchanged = 0, failing = 0;
    unsigned char *is_new = NULL;
    if (!rc) {
        gp_diag_list_sort(list);
        ts[3] = now();
        is_new = malloc(n ? n : 1);
        for (size_t i = 0; is_new && i < n; i++) {
            const gp_diag *d = gp_diag_list_get(list, i);
            char fp[17];
            gp_finding_fingerprint(d, fp);
            is_new[i] = !gp_baseline_has(baseline, fp);
            unchanged += !is_new[i];
            if (is_new[i] && r.fail_on != GP_SEV_OFF && d->severity >= r.fail_on)
                failing++;
        }
        if (!is_new)
            rc = GP_ENOMEM;
    }
    if (!rc && r.write_baseline) {
        rc = gp_baseline_write(r.write_baseline, list);
        if (rc)
            gp_tool_error(&t, "cannot write the baseline '%s'", r.write_baseline);
        failing = 0; /* the baseline now accepts every finding */
    }
    if (!rc && r.suggest) {
        gp_buf yaml = GP_BUF_INIT;
        rc = gp_lint_suggest(r.linter, &yaml);
        if (!rc)
            fputs(gp_buf_str(&yaml), stdout);
        gp_buf_free(&yaml);
    } else if (!rc) {
        gp_findings_info info = {"gp-lint", GP_VERSION_STRING, t.rules, gp_linter_records(r.linter),
                                 unchanged};
        int color = r.format == GP_FINDINGS_HUMAN && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        rc = gp_findings_write(stdout, r.format, list, baseline ? is_new : NULL, &info, color);
        if (rc == GP_EIO)
            gp_tool_flush(&t, 1); /* notes why stdout failed while errno still tells */
    }
    if (!rc && r.stats) {
        ts[4] = now();
        print_stats(r.linter, n, ts);
    }
    free(is_new);
    gp_baseline_free(baseline);
    gp_linter_free(r.linter);
    gp_extractor_free(ex);
    gp_diag_list_free(list);
    status = gp_tool_finish(&t, rc ? rc : input_error);
    if (status == GP_EXIT_CLEAN && failing)
        status = GP_EXIT_FINDINGS;
    return status;
}
