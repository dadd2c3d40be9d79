/*
 * gp-report - findings and duplicate clusters to one self-contained HTML review page.
 */
#include <errno.h>
#include <string.h>

#include "tool.h"

enum { OPT_LINT = 1, OPT_CLUSTERS, OPT_DECISIONS, OPT_OUTPUT };

static const gp_opt options[] = {
    {"rules", 'r', "PATH", GP_OPT_RULES, "rule set: an entry file or a folder (default: bundled)"},
    GP_TOOL_CONFIG_OPTS,
    {"lint", 0, "FILE", OPT_LINT, "findings of gp-lint --format=json"},
    {"clusters", 0, "FILE", OPT_CLUSTERS,
     "merged groups and possible duplicates of gp-dedup --clusters"},
    {"decisions", 0, "FILE", OPT_DECISIONS,
     "curator decisions so far: shown as decided, kept in the download"},
    {"output", 'o', "FILE", OPT_OUTPUT,
     "write the page to FILE (whole or not at all) instead of stdout"},
    {NULL, 0, NULL, 0, NULL}};

typedef struct run {
    gp_report_options opts;
    const char *output;
} run;

static int on_option(gp_tool *t, int id, const char *arg, void *ctx)
{
    run *r = ctx;
    (void)t;
    if (id == OPT_LINT)
        r->opts.findings = arg;
    else if (id == OPT_CLUSTERS)
        r->opts.clusters = arg;
    else if (id == OPT_DECISIONS)
        r->opts.decisions = arg;
    else if (id == OPT_OUTPUT)
        r->output = arg;
    return 0;
}

int main(int argc, char **argv)
{
    gp_tool t = {
        .name = "gp-report",
        .synopsis = "[OPTION]... [DATASET.jsonl]",
        .summary = "Write one self-contained HTML page for curators: an overview in charts, the "
                   "findings\nby rule, variant clusters, duplicates side by side, and buttons "
                   "that record decisions.\nDATASET is gp-dedup's output (- for standard input); "
                   "with none, no record is shown.",
        .opts = options,
        .details =
            "The page makes no request to any other host: its style, script, charts and data are "
            "inside it.\nA curator's choices (same practice, different practices, accept fix) are "
            "kept by the browser\nand downloaded as a decisions file with the decisions given by "
            "--decisions. An input that\nis not what its option says is an error "
            "(report.input-invalid) and no page is written."};
    run r = {0};
    int first;
    int status = gp_tool_start(&t, argc, argv, 1, on_option, &r, &first);
    if (status >= 0)
        return status;
    if (argc - first > 1) {
        gp_tool_error(&t, "one dataset at most, not %d files", argc - first);
        fprintf(stderr, "Try 'gp-report --help' for more information.\n");
        return gp_tool_finish(&t, GP_EINVAL);
    }
    if (!r.opts.decisions && t.config)
        r.opts.decisions = t.config->decisions;
    if ((status = gp_tool_load_rules(&t)))
        return gp_tool_finish(&t, GP_ERULES);
    r.opts.dataset = first < argc ? argv[first] : NULL;
    if (r.opts.dataset)
        gp_tool_stdin_hint(&t, r.opts.dataset);
    r.opts.rules = t.rules;
    gp_report *rep = NULL;
    int rc = gp_report_build(&rep, &r.opts, &t.sink);
    if (rc == GP_EINPUT || rc == GP_EIO)
        gp_tool_error(&t, "no page written: an input is not usable");
    if (!rc) {
        rc = gp_report_save(rep, r.output);
        if (rc == GP_EIO)
            gp_tool_error(&t, "cannot write '%s': %s", r.output ? r.output : "-", strerror(errno));
        if (rc == GP_EPIPE)
            rc = GP_OK;
    }
    gp_report_free(rep);
    return gp_tool_finish(&t, rc);
}
