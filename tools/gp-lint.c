/*
 * gp-lint - check records or dumps against the rules; report for people and for CI.
 */
#include <errno.h>
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
    OPT_OUTPUT,
    OPT_BASE,
    OPT_STATS
};

enum { MAX_OUTPUTS = 8 };

static const gp_opt options[] = {
    {"rules", 'r', "PATH", GP_OPT_RULES, "rule set: an entry file or a folder (default: bundled)"},
    GP_TOOL_CONFIG_OPTS,
    GP_TOOL_INPUT_OPTS,
    {"format", 0, "FORMAT", OPT_FORMAT,
     "write FORMAT to stdout: human (default), json, sarif, github or markdown"},
    {"output", 'o', "FORMAT=FILE", OPT_OUTPUT,
     "write FORMAT to FILE (- for stdout); repeat for several formats from one run"},
    {"base", 0, "DIR", OPT_BASE,
     "SARIF paths are relative to DIR (default: the repository root, else .)"},
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

typedef struct output {
    gp_findings_format format;
    const char *path;
} output;

typedef struct run {
    output outputs[MAX_OUTPUTS];
    size_t noutputs;
    int has_fail_on;
    const char *base;
    gp_severity fail_on; /* GP_SEV_OFF: never */
    const char *baseline;
    const char *write_baseline;
    int suggest;
    int stats;
    gp_lint_options lint;
    gp_linter *linter;
    gp_tool *tool;
    size_t records;
} run;

static int add_output(gp_tool *t, run *r, gp_findings_format format, const char *path)
{
    for (size_t i = 0; i < r->noutputs; i++)
        if (strcmp(r->outputs[i].path, path) == 0) {
            gp_tool_error(t, "two outputs go to %s%s%s", strcmp(path, "-") ? "'" : "",
                          strcmp(path, "-") ? path : "standard output",
                          strcmp(path, "-") ? "'" : "");
            return 2;
        }
    if (r->noutputs == MAX_OUTPUTS) {
        gp_tool_error(t, "at most %d outputs", MAX_OUTPUTS);
        return 2;
    }
    r->outputs[r->noutputs++] = (output){format, path};
    return 0;
}

static int on_option(gp_tool *t, int id, const char *arg, void *ctx)
{
    run *r = ctx;
    gp_findings_format format;
    const char *path;
    int in = gp_tool_input_option(t, id, arg);
    if (in >= 0)
        return in;
    switch (id) {
    case OPT_FORMAT:
        if (gp_findings_format_parse(arg, &format) != 0) {
            gp_tool_error(t, "unknown format '%s' (human, json, sarif, github, markdown)", arg);
            return 2;
        }
        return add_output(t, r, format, "-");
    case OPT_OUTPUT:
        if (gp_findings_output_parse(arg, &format, &path) != 0) {
            gp_tool_error(t,
                          "'--output' takes FORMAT=FILE with FORMAT human, json, sarif, github "
                          "or markdown, not '%s'",
                          arg);
            return 2;
        }
        return add_output(t, r, format, path);
    case OPT_BASE:
        r->base = arg;
        return 0;
    case OPT_FAIL_ON:
        r->has_fail_on = 1;
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

/* The summary is about the run: on stderr, whatever the format, so pipes get findings only. */
static void print_summary(gp_tool *t, const gp_diag_list *list, const unsigned char *is_new,
                          const gp_findings_info *info)
{
    if (t->verbosity == GP_QUIET)
        return;
    gp_buf line = GP_BUF_INIT;
    if (gp_findings_summary(&line, list, is_new, info) == GP_OK)
        fprintf(stderr, "%s\n", gp_buf_str(&line));
    gp_buf_free(&line);
}

static void on_progress(void *ctx, const char *phase, size_t done, size_t total)
{
    run *r = ctx;
    if (strcmp(phase, "reading") != 0) /* the matching's; "checking" counts them already */
        gp_tool_progress(r->tool, phase, done, total);
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
    if (r->lint.progress)
        gp_tool_progress(r->tool, "checking", ++r->records, 0);
    return gp_lint_record(r->linter, rec);
}

/* What the command line left unsaid, from the project file. */
static int apply_config(gp_tool *t, run *r)
{
    const gp_config *c = t->config;
    if (!c)
        return 0;
    if (!r->baseline)
        r->baseline = c->baseline;
    if (!r->has_fail_on && c->has_fail_on)
        r->fail_on = c->fail_on;
    if (!r->base)
        r->base = c->sarif_base;
    if (!r->noutputs)
        for (size_t i = 0; i < c->noutputs; i++)
            if (add_output(t, r, c->outputs[i].format, c->outputs[i].path))
                return 2;
    return 0;
}

/* Writes every output; a file that cannot be written is reported and the others go on. */
static int write_outputs(gp_tool *t, run *r, const gp_diag_list *list, const unsigned char *is_new,
                         gp_findings_info *info)
{
    int worst = GP_OK;
    for (size_t i = 0; i < r->noutputs; i++) {
        const output *o = &r->outputs[i];
        int to_stdout = strcmp(o->path, "-") == 0;
        int color = o->format == GP_FINDINGS_HUMAN && to_stdout && isatty(STDOUT_FILENO) &&
                    !getenv("NO_COLOR");
        gp_findings_report rep = {0};
        info->report = &rep;
        int rc = gp_findings_write_path(o->path, o->format, list, is_new, info, color);
        info->report = NULL;
        const char *where = to_stdout ? "standard output" : o->path;
        if (rc == GP_EIO && to_stdout) {
            gp_tool_flush(t, 1); /* notes why stdout failed while errno still tells */
        } else if (rc == GP_EIO) {
            gp_tool_error(t, "cannot write '%s': %s", o->path, strerror(errno));
            rc = GP_EIO;
        }
        if (rep.dropped)
            gp_tool_error(t,
                          "warning: the SARIF on %s%s%s holds %zu of %zu findings, the most "
                          "severe first (GitHub accepts at most %d results in a run)",
                          to_stdout ? "" : "'", where, to_stdout ? "" : "'", rep.results,
                          rep.results + rep.dropped, GP_SARIF_MAX_RESULTS);
        if (rep.outside)
            gp_tool_error(t,
                          "warning: %zu finding%s in files outside the SARIF base (first: '%s') "
                          "named by file name only; see --base",
                          rep.outside, rep.outside == 1 ? " is" : "s are", rep.outside_file);
        if (rc && (worst == GP_OK || worst == GP_EPIPE))
            worst = rc;
    }
    return worst;
}

int main(int argc, char **argv)
{
    gp_tool t = {
        .name = "gp-lint",
        .synopsis = "[OPTION]... [FILE]...",
        .summary = "Check good-practice dumps or records against the rules.\n"
                   "With no FILE, or when FILE is -, read standard input.",
        .opts = options,
        .details = "Checks: vocabulary (unknown values, aliases, former names), required fields,\n"
                   "patterns, year ranges, text hygiene, consistency across records, and variant\n"
                   "spellings no rule knows (discovery). Findings are sorted by place; --baseline\n"
                   "keeps known findings out of the exit status. Rule ids: rules/checks.yaml.\n"
                   "One run writes every --output (and --format to stdout); with neither, the\n"
                   "project file's outputs, else human on stdout. SARIF keeps at most 25000\n"
                   "results, the most severe first, and says on stderr when it left some out."};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    run r = {.fail_on = GP_SEV_ERROR,
             .lint = {.discovery = 1, .threads = cpus > 1 ? (int)cpus : 1, .duplicates = 1},
             .tool = &t};
    int first;
    int status = gp_tool_start(&t, argc, argv, 1, on_option, &r, &first);
    if (status >= 0)
        return status;
    if (apply_config(&t, &r))
        return gp_tool_finish(&t, GP_EINVAL);
    if (!r.noutputs)
        add_output(&t, &r, GP_FINDINGS_HUMAN, "-");
    if (gp_tool_shows_progress(&t)) {
        r.lint.progress = on_progress;
        r.lint.progress_ctx = &r;
    }
    /* Every finding, from reading the dumps to the dataset checks, goes into one list. */
    gp_diag_list *list = NULL;
    if (gp_diag_list_new(&list) != GP_OK)
        return gp_tool_finish(&t, GP_ENOMEM);
    if ((status = gp_tool_load_rules(&t))) {
        gp_diag_list_free(list);
        return gp_tool_finish(&t, GP_ERULES);
    }
    /* A baseline that cannot be read stops the run before the work, not after it. */
    gp_baseline *baseline = NULL;
    if (r.baseline && (status = gp_baseline_load(&baseline, r.baseline, &t.sink))) {
        gp_diag_list_free(list);
        return gp_tool_finish(&t, status);
    }
    gp_diag_sink findings;
    /* Run diagnostics stay in the report too when any output is for a machine. */
    int keep_run = 0;
    for (size_t i = 0; i < r.noutputs; i++)
        if (r.outputs[i].format != GP_FINDINGS_HUMAN)
            keep_run = 1;
    gp_tool_findings_sink(&t, &findings, list, keep_run);
    findings.level_fn = gp_ruleset_level;
    findings.level_ctx = t.rules;
    gp_extractor *ex = NULL;
    int rc = gp_tool_extractor(&t, &ex, &findings);
    if (rc && t.input.profile) {
        gp_diag_list_free(list);
        return gp_tool_finish(&t, rc);
    }
    if (!rc)
        rc = gp_linter_new(&r.linter, t.rules, &r.lint, &findings);
    int input_error = 0;
    stamp ts[5];
    ts[0] = now();
    if (first >= argc)
        argv[--first] = "-";
    for (int i = first; i < argc && !rc; i++) {
        gp_tool_stdin_hint(&t, argv[i]);
        int frc = gp_extract_file(ex, argv[i], gp_tool_display(&t, argv[i]), lint_one, &r);
        if (frc == GP_EIO || frc == GP_EINPUT || frc == GP_ERULES)
            input_error = frc;
        else
            rc = frc;
    }
    ts[1] = now();
    if (!rc)
        rc = gp_lint_finish(r.linter);
    gp_tool_progress_end(&t); /* before findings reach a terminal on stdout */
    ts[2] = now();
    size_t n = gp_diag_list_len(list), unchanged = 0, failing = 0;
    unsigned char *is_new = NULL;
    if (!rc) {
        gp_diag_list_sort(list);
        ts[3] = now();
        is_new = malloc(n ? n : 1);
        for (size_t i = 0; is_new && i < n; i++) {
            const gp_diag *d = gp_diag_list_get(list, i);
            char fp[17];
            /* without a baseline every finding is new: no fingerprint to look up */
            if (baseline)
                gp_finding_fingerprint(d, fp);
            is_new[i] = !baseline || !gp_baseline_has(baseline, fp);
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
        const gp_config *c = t.config;
        gp_findings_info info = {.tool = "gp-lint",
                                 .version = GP_VERSION_STRING,
                                 .rules = t.rules,
                                 .records = gp_linter_records(r.linter),
                                 .unchanged = unchanged,
                                 .base = r.base,
                                 .max_results = c ? c->sarif_max_results : 0,
                                 .help_uri = c ? c->sarif_help_uri : NULL,
                                 .stdin_name = t.stdin_name,
                                 .markdown_max = c ? c->markdown_max_findings : 0};
        rc = write_outputs(&t, &r, list, baseline ? is_new : NULL, &info);
        print_summary(&t, list, baseline ? is_new : NULL, &info);
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
