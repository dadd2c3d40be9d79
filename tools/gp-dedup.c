/*
 * gp-dedup - canonical records from many dumps to one dataset, each practice once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

enum { OPT_DECISIONS = 1, OPT_CLUSTERS, OPT_STATS, OPT_EXPLAIN, OPT_FORMAT, OPT_JOBS };

static const gp_opt options[] = {
    {"rules", 'r', "PATH", GP_OPT_RULES, "rule set: an entry file or a folder (default: bundled)"},
    GP_TOOL_CONFIG_OPTS,
    GP_TOOL_INPUT_OPTS,
    {"decisions", 0, "FILE", OPT_DECISIONS, "curator decisions: forced merges, distinct pairs"},
    {"clusters", 0, "FILE", OPT_CLUSTERS,
     "write each merged group and possible duplicate to FILE (JSON Lines)"},
    {"stats", 0, NULL, OPT_STATS, "print counts, possible duplicates and conflicts on stderr"},
    {"explain", 0, "ID1 ID2", OPT_EXPLAIN,
     "explain how two records compare instead of writing the dataset"},
    {"format", 0, "FORMAT", OPT_FORMAT, "--explain as text (default) or json"},
    {"jobs", 'j', "N", OPT_JOBS, "threads to use (default: one per processor)"},
    {NULL, 0, NULL, 0, NULL}};

typedef struct run {
    const char *decisions;
    const char *clusters;
    const char *explain;
    int explain_json;
    int format_given;
    int stats;
    int jobs;
    gp_tool *tool;
    FILE *clusters_file;
    gp_buf cbuf;
} run;

static int on_option(gp_tool *t, int id, const char *arg, void *ctx)
{
    run *r = ctx;
    int in = gp_tool_input_option(t, id, arg);
    if (in >= 0)
        return in;
    char *end;
    switch (id) {
    case OPT_DECISIONS:
        r->decisions = arg;
        break;
    case OPT_CLUSTERS:
        r->clusters = arg;
        break;
    case OPT_STATS:
        r->stats = 1;
        break;
    case OPT_EXPLAIN:
        r->explain = arg;
        break;
    case OPT_FORMAT:
        if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0) {
            gp_tool_error(t, "unknown format '%s' for --explain (text, json)", arg);
            return 2;
        }
        r->explain_json = strcmp(arg, "json") == 0;
        r->format_given = 1;
        break;
    case OPT_JOBS:
        errno = 0;
        r->jobs = (int)strtol(arg, &end, 10);
        if (errno || *end || r->jobs < 1 || r->jobs > 64) {
            gp_tool_error(t, "'--jobs' needs a number from 1 to 64, not '%s'", arg);
            return 2;
        }
        break;
    }
    return 0;
}

static void on_progress(void *ctx, const char *phase, size_t done, size_t total)
{
    run *r = ctx;
    gp_tool_progress(r->tool, phase, done, total);
}

static int write_line(void *ctx, const char *line, size_t len)
{
    run *r = ctx;
    gp_buf_put(&r->tool->out, line, len);
    int rc = gp_tool_flush(r->tool, 0);
    return rc == GP_EPIPE ? GP_ESTOP : rc;
}

static int write_cluster(void *ctx, const gp_dedup_cluster *c)
{
    run *r = ctx;
    gp_dedup_cluster_write_json(c, &r->cbuf);
    if (gp_buf_error(&r->cbuf))
        return GP_ENOMEM;
    if (r->cbuf.len < (1u << 16))
        return GP_OK;
    size_t n = fwrite(r->cbuf.data, 1, r->cbuf.len, r->clusters_file);
    int rc = n == r->cbuf.len ? GP_OK : GP_EIO;
    gp_buf_reset(&r->cbuf);
    return rc;
}

static void print_stats(const gp_dedup_stats *s)
{
    fprintf(stderr,
            "gp-dedup: %zu records in, %zu out, %zu merged into others (%zu with the same id, "
            "%zu by score, %zu by decision)\n",
            s->records_in, s->records_out, s->records_in - s->records_out, s->merged_exact,
            s->merged_score, s->merged_decision);
    fprintf(stderr,
            "gp-dedup: %zu ids, %zu candidate pairs (%zu share a blocking key, %zu a minhash "
            "band), %zu blocks too large to pair\n",
            s->practices, s->candidate_pairs, s->pairs_blocking, s->pairs_lsh, s->blocks_skipped);
    fprintf(stderr, "gp-dedup: %zu possible duplicates, %zu pairs at or above merge kept apart\n",
            s->possible_duplicates, s->kept_apart);
    fprintf(stderr, "gp-dedup: %zu conflicts", s->conflicts);
    const char *sep = ": ";
    for (int f = 0; f < GP_F_COUNT; f++)
        if (s->conflicts_by_field[f]) {
            fprintf(stderr, "%s%s %zu", sep, gp_field_name((gp_field)f), s->conflicts_by_field[f]);
            sep = ", ";
        }
    fputc('\n', stderr);
    if (s->decisions_unknown)
        fprintf(stderr, "gp-dedup: %zu ids named by decisions are unknown\n", s->decisions_unknown);
}

int main(int argc, char **argv)
{
    gp_tool t = {
        .name = "gp-dedup",
        .synopsis = "[OPTION]... [FILE]...\n  or:  gp-dedup --explain ID1 ID2 [OPTION]... "
                    "[FILE]...",
        .summary = "Write the dataset: canonical records with each practice once, sorted by "
                   "id.\nWith no FILE, or when FILE is -, read standard input.",
        .opts = options,
        .details =
            "Records with the same id are merged. Other pairs that share a blocking key or a "
            "minhash\nband of their title and description are scored from their field "
            "similarities; at or\nabove the rules' merge threshold they are merged, from the "
            "review threshold up they\nare possible duplicates, kept apart and listed by "
            "--clusters. Merged records unite\ntheir lists and sources, take each other field "
            "by source precedence and keep the\nsmallest member id; every disagreement is a "
            "conflict in --clusters. See docs/dedup.md."};
    run r = {0};
    r.tool = &t;
    int first;
    int status = gp_tool_start(&t, argc, argv, 1, on_option, &r, &first);
    if (status >= 0)
        return status;
    if (!r.decisions && t.config)
        r.decisions = t.config->decisions;
    const char *explain2 = NULL;
    if (r.format_given && !r.explain) {
        gp_tool_error(&t, "'--format' chooses how --explain prints; the dataset is JSON Lines");
        fprintf(stderr, "Try 'gp-dedup --help' for more information.\n");
        return gp_tool_finish(&t, GP_EINVAL);
    }
    if (r.explain) {
        if (first >= argc) {
            gp_tool_error(&t, "'--explain' needs two record ids");
            fprintf(stderr, "Try 'gp-dedup --help' for more information.\n");
            return gp_tool_finish(&t, GP_EINVAL);
        }
        explain2 = argv[first++];
    }
    if ((status = gp_tool_load_rules(&t)))
        return gp_tool_finish(&t, GP_ERULES);
    gp_decisions *decisions = NULL;
    int rc = GP_OK;
    if (r.decisions && (rc = gp_decisions_load(&decisions, r.decisions, &t.sink))) {
        if (rc != GP_EIO) /* "cannot open decisions 'x'" was said */
            gp_tool_error(&t, "cannot use the decisions in '%s': %s", r.decisions, gp_strerror(rc));
        return gp_tool_finish(&t, rc == GP_ENOMEM ? rc : GP_EINPUT);
    }
    if (r.clusters && !(r.clusters_file = fopen(r.clusters, "w"))) {
        gp_tool_error(&t, "cannot write '%s': %s", r.clusters, strerror(errno));
        gp_decisions_free(decisions);
        return gp_tool_finish(&t, GP_EIO);
    }
    gp_dedup_options opts = {decisions, r.jobs, NULL, &r};
    if (gp_tool_shows_progress(&t))
        opts.progress = on_progress;
    gp_extractor *ex = NULL;
    gp_deduper *dd = NULL;
    rc = gp_tool_extractor(&t, &ex, NULL);
    if (!rc)
        rc = gp_deduper_new(&dd, t.rules, &opts, &t.sink);
    int worst = rc;
    if (first >= argc)
        argv[--first] = "-";
    for (int i = first; i < argc && !rc; i++) {
        gp_tool_stdin_hint(&t, argv[i]);
        int frc = gp_extract_file(ex, argv[i], gp_tool_display(&t, argv[i]), gp_dedup_add_fn, dd);
        if (frc)
            worst = frc;
        if (frc == GP_ENOMEM || frc == GP_EINTERNAL || frc == GP_ELIMIT)
            rc = frc;
    }
    if (!rc)
        rc = gp_dedup_run(dd);
    if (!rc && r.explain) {
        gp_buf text = GP_BUF_INIT;
        rc = r.explain_json ? gp_dedup_explain_json(dd, r.explain, explain2, &text)
                            : gp_dedup_explain(dd, r.explain, explain2, &text);
        gp_tool_progress_end(&t);
        if (rc == GP_EINVAL) {
            gp_tool_error(&t, "%.*s", (int)(text.len ? text.len - 1 : 0), gp_buf_str(&text));
            worst = GP_EINPUT;
            rc = GP_OK;
        } else if (!rc) {
            gp_buf_put(&t.out, text.data, text.len);
        }
        gp_buf_free(&text);
    } else if (!rc) {
        gp_dedup_output out = {write_line, &r, r.clusters_file ? write_cluster : NULL, &r, NULL};
        rc = gp_dedup_write(dd, &out);
        if (rc == GP_ESTOP)
            rc = GP_OK;
        gp_tool_progress_end(&t);
        if (!rc && r.stats)
            print_stats(gp_dedup_get_stats(dd));
    }
    gp_tool_progress_end(&t);
    if (r.clusters_file) {
        if (r.cbuf.len && fwrite(r.cbuf.data, 1, r.cbuf.len, r.clusters_file) != r.cbuf.len)
            rc = rc ? rc : GP_EIO;
        if (fclose(r.clusters_file) != 0 && !rc)
            rc = GP_EIO;
        if (rc == GP_EIO)
            gp_tool_error(&t, "cannot write '%s': %s", r.clusters, strerror(errno));
    }
    gp_buf_free(&r.cbuf);
    gp_deduper_free(dd);
    gp_extractor_free(ex);
    gp_decisions_free(decisions);
    return gp_tool_finish(&t, rc ? rc : worst);
}
