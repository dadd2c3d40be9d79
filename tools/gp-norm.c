/*
 * gp-norm - raw records (or dumps) to canonical records, streaming.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

enum { OPT_STRICT = 1, OPT_STATS, OPT_FIX, OPT_JOBS };

static const gp_opt options[] = {
    {"rules", 'r', "PATH", GP_OPT_RULES, "rule set: an entry file or a folder (default: bundled)"},
    GP_TOOL_CONFIG_OPTS,
    GP_TOOL_INPUT_OPTS,
    {"strict", 0, NULL, OPT_STRICT, "exit 1 when a value is unknown to the rules"},
    {"stats", 0, NULL, OPT_STATS, "print counts per field on stderr"},
    {"fix", 0, NULL, OPT_FIX, "apply the certain text fixes gp-lint proposes (mojibake, ...)"},
    {"jobs", 'j', "N", OPT_JOBS, "N threads, output in input order (default 1; 0: one per CPU)"},
    {NULL, 0, NULL, 0, NULL}};

typedef struct run {
    int strict;
    int stats;
    int fix;
    int jobs;
    gp_tool *tool;
    gp_norm_pipeline *pipe;
    size_t written;
} run;

static int on_option(gp_tool *t, int id, const char *arg, void *ctx)
{
    run *r = ctx;
    int in = gp_tool_input_option(t, id, arg);
    if (in >= 0)
        return in;
    if (id == OPT_JOBS) {
        char *end;
        long n = strtol(arg, &end, 10);
        if (*arg < '0' || *arg > '9' || *end || n > 256) {
            gp_tool_error(t, "-j wants a number of threads from 0 to 256, not '%s'", arg);
            return 2;
        }
        if (n == 0) {
            n = sysconf(_SC_NPROCESSORS_ONLN);
            n = n < 1 ? 1 : n > 256 ? 256 : n;
        }
        r->jobs = (int)n;
    } else if (id == OPT_STRICT)
        r->strict = 1;
    else if (id == OPT_STATS)
        r->stats = 1;
    else if (id == OPT_FIX)
        r->fix = 1;
    return 0;
}

static int push(void *ctx, gp_record *rec)
{
    run *r = ctx;
    return gp_norm_pipeline_push(r->pipe, rec);
}

static int push_line(void *ctx, const char *file, const gp_line *line)
{
    run *r = ctx;
    return gp_norm_pipeline_push_line(r->pipe, file, line);
}

static int write_record(void *ctx, const gp_record *rec, const char *json, size_t len)
{
    run *r = ctx;
    (void)rec;
    (void)json; /* already in the tool's buffer (the pipeline's `out`) */
    (void)len;
    r->written++;
    int rc = gp_tool_flush(r->tool, 0);
    return rc == GP_EPIPE ? GP_ESTOP : rc;
}

static void print_stats(const run *r, const gp_norm_stats *s, size_t read)
{
    fprintf(stderr, "gp-norm: %zu records in, %zu out\n", read, r->written);
    fprintf(stderr, "%-22s %10s %10s %10s %10s %10s %10s\n", "field", "text", "canonical",
            "unknown", "filled", "dropped", "fixed");
    for (int f = 0; f < GP_F_COUNT; f++) {
        if (!s->text_changed[f] && !s->canonicalised[f] && !s->unknown[f] && !s->filled[f] &&
            !s->dropped[f] && !s->fixed[f])
            continue;
        fprintf(stderr, "%-22s %10zu %10zu %10zu %10zu %10zu %10zu\n", gp_field_name((gp_field)f),
                s->text_changed[f], s->canonicalised[f], s->unknown[f], s->filled[f], s->dropped[f],
                s->fixed[f]);
    }
}

int main(int argc, char **argv)
{
    gp_tool t = {
        .name = "gp-norm",
        .synopsis = "[OPTION]... [FILE]...",
        .summary = "Write canonical records (RFC 8785 JSON Lines) for raw records or "
                   "dumps.\nWith no FILE, or when FILE is -, read standard input.",
        .opts = options,
        .details =
            "Text is NFC with typography folded and white space collapsed; "
            "country, region,\ninstitution, topics and priority areas take "
            "their canonical values; each record\ngets a stable id "
            "(docs/ids.md). Values no rule knows are kept and reported.\nWith -j N the output "
            "and the diagnostics are those of -j 1, byte for byte."};
    run r = {0, 0, 0, 1, &t, NULL, 0};
    int first;
    int status = gp_tool_start(&t, argc, argv, 1, on_option, &r, &first);
    if (status >= 0)
        return status;
    if ((status = gp_tool_load_rules(&t)))
        return gp_tool_finish(&t, GP_ERULES);
    gp_extractor *ex = NULL;
    gp_norm_pipeline_options po = {r.jobs, r.fix, &t.out};
    int rc = gp_norm_pipeline_new(&r.pipe, t.rules, &po, &t.sink, write_record, &r);
    if (!rc)
        rc = gp_tool_extractor(&t, &ex, gp_norm_pipeline_sink(r.pipe));
    if (!rc) /* JSON Lines are parsed on the pipeline's threads */
        gp_extractor_hand_lines(ex, push_line, &r);
    int worst = rc;
    if (first >= argc)
        argv[--first] = "-";
    for (int i = first; i < argc && worst != GP_ENOMEM && !rc; i++) {
        gp_tool_stdin_hint(&t, argv[i]);
        int frc = gp_extract_file(ex, argv[i], gp_tool_display(&t, argv[i]), push, &r);
        if (frc == GP_ESTOP || frc == GP_EPIPE)
            break;
        if (frc)
            worst = frc;
        if (frc == GP_ENOMEM || frc == GP_EINTERNAL)
            break;
    }
    size_t unknown = 0;
    if (r.pipe) {
        /* what is still in flight goes out, unless the reader has gone */
        int frc = gp_norm_pipeline_finish(r.pipe);
        if (frc && frc != GP_ESTOP && frc != GP_EPIPE && !worst)
            worst = frc;
        gp_norm_stats s;
        gp_norm_pipeline_stats(r.pipe, &s);
        for (int f = 0; f < GP_F_COUNT; f++)
            unknown += s.unknown[f];
        if (r.stats)
            print_stats(&r, &s, ex ? gp_extractor_records(ex) - s.lines_skipped : 0);
    }
    gp_extractor_free(ex);
    gp_norm_pipeline_free(r.pipe);
    status = gp_tool_finish(&t, worst);
    if (status == GP_EXIT_CLEAN && r.strict && unknown)
        status = GP_EXIT_FINDINGS;
    return status;
}
