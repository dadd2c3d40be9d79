/*
 * gp-apply - a curator decisions file's field fixes applied to records, streaming.
 */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

enum { OPT_CHECK = 1, OPT_STATS };

static const gp_opt options[] = {
    {"rules", 'r', "PATH", GP_OPT_RULES, "rule set: an entry file or a folder (default: bundled)"},
    GP_TOOL_CONFIG_OPTS,
    GP_TOOL_INPUT_OPTS,
    {"check", 0, NULL, OPT_CHECK, "check the decisions against the records; write no record"},
    {"stats", 0, NULL, OPT_STATS, "print records in and out, fixes set and skipped on stderr"},
    {NULL, 0, NULL, 0, NULL}};

typedef struct run {
    int check;
    int stats;
    gp_tool *tool;
    gp_applier *apply;
    size_t written;
} run;

static int on_option(gp_tool *t, int id, const char *arg, void *ctx)
{
    run *r = ctx;
    int in = gp_tool_input_option(t, id, arg);
    if (in >= 0)
        return in;
    (void)t;
    (void)arg;
    if (id == OPT_CHECK)
        r->check = 1;
    else if (id == OPT_STATS)
        r->stats = 1;
    return 0;
}

static int apply_and_write(void *ctx, gp_record *rec)
{
    run *r = ctx;
    int rc = gp_apply_record(r->apply, rec);
    if (rc || r->check)
        return rc;
    gp_record_write_json(rec, &r->tool->out, 0);
    r->written++;
    rc = gp_tool_flush(r->tool, 0);
    return rc == GP_EPIPE ? GP_ESTOP : rc;
}

static void print_stats(const run *r, const gp_apply_stats *s)
{
    fprintf(stderr, "gp-apply: %zu records in, %zu out, %zu changed by a fix\n", s->records,
            r->written, s->records_fixed);
    fprintf(stderr,
            "gp-apply: %zu fix %s, %zu field values set, %zu skipped (%zu already applied, %zu "
            "in conflict), %zu unknown ids\n",
            s->fixes, s->fixes == 1 ? "entry" : "entries", s->fields_set,
            s->already_applied + s->conflicts, s->already_applied, s->conflicts, s->unknown_ids);
    if (s->left_to_dedup)
        fprintf(stderr, "gp-apply: %zu merge and distinct decisions left to gp-dedup\n",
                s->left_to_dedup);
}

int main(int argc, char **argv)
{
    gp_tool t = {
        .name = "gp-apply",
        .synopsis = "[OPTION]... DECISIONS.yaml [FILE]...",
        .summary = "Write the records with the field fixes of a curator decisions file applied.\n"
                   "With no FILE, or when FILE is -, read standard input.",
        .opts = options,
        .details =
            "Records (canonical JSON Lines, or anything gp-extract reads) come out in input\n"
            "order as gp-norm writes them, with the values of each `fixes:` entry set on\n"
            "every record of its id. A fixed record keeps its id, so the decision still\n"
            "names it. A value the record already has is reported (decision.already-applied);\n"
            "with `was:`, a record holding neither the value the curator saw nor the fix's\n"
            "keeps its value and is reported (decision.conflict, an error); a fix whose id no\n"
            "record has is reported at the end (decision.unknown-id). Forced merges and\n"
            "distinct pairs are gp-dedup's: records pass through unchanged for them\n"
            "(gp-dedup --decisions). A decisions file with errors stops the run (status 2)\n"
            "before any record is written. See docs/decisions.md."};
    run r = {0, 0, &t, NULL, 0};
    int first;
    int status = gp_tool_start(&t, argc, argv, 1, on_option, &r, &first);
    if (status >= 0)
        return status;
    if (first >= argc) {
        gp_tool_error(&t, "missing the decisions file");
        fprintf(stderr, "Try 'gp-apply --help' for more information.\n");
        return gp_tool_finish(&t, GP_EINVAL);
    }
    const char *path = argv[first++];
    if ((status = gp_tool_load_rules(&t)))
        return gp_tool_finish(&t, GP_ERULES);
    gp_decisions *decisions = NULL;
    int rc = gp_decisions_load(&decisions, path, &t.sink);
    if (rc) {
        if (rc != GP_EIO) /* "cannot open decisions 'x'" was said */
            gp_tool_error(&t, "cannot use the decisions in '%s': %s", path, gp_strerror(rc));
        return gp_tool_finish(&t, rc);
    }
    gp_extractor *ex = NULL;
    rc = gp_tool_extractor(&t, &ex, NULL);
    if (!rc)
        rc = gp_applier_new(&r.apply, t.rules, decisions, &t.sink);
    int worst = rc, stopped = 0;
    if (first >= argc)
        argv[--first] = "-";
    for (int i = first; i < argc && !rc; i++) {
        gp_tool_stdin_hint(&t, argv[i]);
        int frc = gp_extract_file(ex, argv[i], gp_tool_display(&t, argv[i]), apply_and_write, &r);
        if (frc == GP_ESTOP || frc == GP_EPIPE) {
            stopped = 1;
            break;
        }
        if (frc)
            worst = frc;
        if (frc == GP_ENOMEM || frc == GP_EINTERNAL)
            break;
    }
    /* Unknown ids only when every record was seen. */
    if (r.apply && !stopped && worst == GP_OK)
        gp_apply_finish(r.apply);
    if (r.apply && r.stats)
        print_stats(&r, gp_applier_stats(r.apply));
    gp_applier_free(r.apply);
    gp_extractor_free(ex);
    gp_decisions_free(decisions);
    return gp_tool_finish(&t, worst);
}
