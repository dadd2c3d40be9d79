/*
 * gp-extract - document dumps to raw records, one JSON object per line.
 */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

enum { OPT_FORMAT = 1, OPT_NO_POSITIONS, OPT_STATS };

static const gp_opt options[] = {
    {"rules", 'r', "PATH", GP_OPT_RULES, "rule set: an entry file or a folder (default: bundled)"},
    GP_TOOL_CONFIG_OPTS,
    GP_TOOL_INPUT_OPTS,
    {"format", 0, "FORMAT", OPT_FORMAT, "the same as --from (the older spelling)"},
    {"no-positions", 0, NULL, OPT_NO_POSITIONS, "leave out where each field was read"},
    {"stats", 0, NULL, OPT_STATS, "print counts of files and records on stderr"},
    {NULL, 0, NULL, 0, NULL}};

typedef struct run {
    int positions;
    int stats;
} run;

static int on_option(gp_tool *t, int id, const char *arg, void *ctx)
{
    run *r = ctx;
    int in = gp_tool_input_option(t, id == OPT_FORMAT ? GP_OPT_FROM : id, arg);
    if (in >= 0)
        return in;
    switch (id) {
    case OPT_NO_POSITIONS:
        r->positions = 0;
        return 0;
    case OPT_STATS:
        r->stats = 1;
        return 0;
    }
    return 2;
}

typedef struct out_ctx {
    gp_tool *tool;
    int positions;
} out_ctx;

static int write_record(void *ctx, gp_record *rec)
{
    out_ctx *o = ctx;
    gp_record_write_json(rec, &o->tool->out, o->positions);
    int rc = gp_tool_flush(o->tool, 0);
    return rc == GP_EPIPE ? GP_ESTOP : rc;
}

int main(int argc, char **argv)
{
    gp_tool t = {.name = "gp-extract",
                 .synopsis = "[OPTION]... [FILE]...",
                 .summary = "Turn ISSA good-practice dumps into raw records, one JSON object per "
                            "line on stdout.\nWith no FILE, or when FILE is -, read standard "
                            "input.",
                 .opts = options,
                 .details = "Formats: listing (database listing text dump), booklet (awards "
                            "booklet text),\npractice (a page holding one practice), old-practice "
                            "(the old site's practice page),\nhtml and xml (through an XPath "
                            "extraction profile), jsonl (records, validated).\nEach record's "
                            "'sources' names the file, "
                            "the line where the record starts and the format."};
    run r = {1, 0};
    int first;
    int status = gp_tool_start(&t, argc, argv, 1, on_option, &r, &first);
    if (status >= 0)
        return status;
    if ((status = gp_tool_load_rules(&t)))
        return gp_tool_finish(&t, GP_ERULES);
    gp_extractor *ex;
    int rc = gp_tool_extractor(&t, &ex, NULL);
    if (rc)
        return gp_tool_finish(&t, rc);
    out_ctx o = {&t, r.positions};
    int worst = GP_OK;
    size_t files = 0;
    if (first >= argc)
        argv[--first] = "-";
    for (int i = first; i < argc; i++) {
        files++;
        gp_tool_stdin_hint(&t, argv[i]);
        rc = gp_extract_file(ex, argv[i], gp_tool_display(&t, argv[i]), write_record, &o);
        if (rc == GP_ESTOP || rc == GP_EPIPE)
            break;
        if (rc == GP_ENOMEM || rc == GP_EINTERNAL) {
            worst = rc;
            break;
        }
        if (rc)
            worst = rc;
    }
    if (r.stats)
        fprintf(stderr, "gp-extract: %zu files, %zu records, %zu errors, %zu warnings\n", files,
                gp_extractor_records(ex), t.sink.count[GP_SEV_ERROR], t.sink.count[GP_SEV_WARNING]);
    gp_extractor_free(ex);
    return gp_tool_finish(&t, worst);
}
