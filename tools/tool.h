/*
 * tools/tool.h - what every gp-* tool shares: the option table that drives both parsing
 * and --help, the diagnostic printer on stderr, rule loading, output to stdout, and the
 * exit status. Tools stay a page long: parse, call the library, map the result.
 */
#ifndef GPKIT_TOOL_H
#define GPKIT_TOOL_H

#include <stdio.h>

#include "gpkit.h"

enum {
    GP_OPT_HELP = 1000,
    GP_OPT_VERSION,
    GP_OPT_RULES,
    GP_OPT_CONFIG,
    GP_OPT_NO_CONFIG,
    GP_OPT_VERBOSE,
    GP_OPT_FROM,
    GP_OPT_PROFILE,
    GP_OPT_STDIN_NAME
};

/* The options of every tool that reads dumps, handled by gp_tool_input_option. */
#define GP_TOOL_INPUT_OPTS                                                                         \
    {"from", 0, "FORMAT", GP_OPT_FROM,                                                             \
     "input format: auto (default: per file), listing, booklet, practice, old-practice, html, "    \
     "xml, jsonl"},                                                                                \
        {"profile", 0, "FILE", GP_OPT_PROFILE,                                                     \
         "extraction profile (YAML) for html and xml input"},                                      \
    {                                                                                              \
        "stdin-name", 0, "NAME", GP_OPT_STDIN_NAME,                                                \
            "name standard input by NAME in records and findings"                                  \
    }

/* The options of every tool that takes rules: the project file and what it did. */
#define GP_TOOL_CONFIG_OPTS                                                                        \
    {"config", 0, "FILE", GP_OPT_CONFIG,                                                           \
     "project file (default: .gpkit.yaml here or above, up to the repository root)"},              \
        {"no-config", 0, NULL, GP_OPT_NO_CONFIG, "read no project file"},                          \
    {                                                                                              \
        "verbose", 0, NULL, GP_OPT_VERBOSE, "say which project file and rules were used"           \
    }

/* Diagnostics of one rule id printed on stderr before the rest are only counted. */
enum { GP_TOOL_MAX_PER_RULE = 100 };

typedef struct gp_opt {
    const char *name; /* long name, without "--" */
    char short_name;  /* 0 when none */
    const char *arg;  /* argument placeholder; NULL for a flag */
    int id;           /* what the parse callback receives */
    const char *help;
} gp_opt;

typedef struct gp_tool {
    const char *name;
    const char *synopsis; /* after the name: "[OPTION]... [FILE]..." */
    const char *summary;  /* one line */
    const gp_opt *opts;   /* ends with an entry whose name is NULL */
    const char *details;  /* printed after the options, before the exit status */
    /* run-time state */
    gp_diag_sink sink;
    int color;
    gp_ruleset *rules;
    gp_buf out;
    int out_broken;
    int out_errno;     /* why writing stdout failed */
    gp_config *config; /* the project file, NULL when none was read */
    int verbose;
    gp_extract_options input; /* --from, --profile */
    const char *stdin_name;   /* --stdin-name: passed as the display name of "-" */
} gp_tool;

/* Called for each option; return 0, or 2 for a usage error (already printed). */
typedef int (*gp_opt_fn)(gp_tool *t, int id, const char *arg, void *ctx);

/*
 * Sets up the tool (SIGPIPE ignored, stderr printer), parses argv with the table plus
 * --help, --version and (when `with_rules`) -r/--rules. Returns -1 to go on with the
 * operands from argv[*first], or an exit status to return at once.
 */
int gp_tool_start(gp_tool *t, int argc, char **argv, int with_rules, gp_opt_fn fn, void *ctx,
                  int *first);

/* Prints --help. */
void gp_tool_help(const gp_tool *t, FILE *out);

/* "gp-x: message" on stderr, for usage problems. */
void gp_tool_error(const gp_tool *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Handles GP_TOOL_INPUT_OPTS for a tool's option callback: 0 when done, 2 for a usage
 * error (printed), -1 when `id` is not one of them.
 */
int gp_tool_input_option(gp_tool *t, int id, const char *arg);

/*
 * A new extractor with --from and --profile; a profile that cannot be used is reported.
 * `sink` NULL: the tool's. Returns GP_OK or the library's code.
 */
int gp_tool_extractor(gp_tool *t, gp_extractor **ex, gp_diag_sink *sink);

/* The display name gp_extract_file takes for `path`: --stdin-name for "-", else NULL. */
const char *gp_tool_display(const gp_tool *t, const char *path);

/*
 * Loads the rules named by -r, or by the project file, or the bundled ones. Returns 0
 * or an exit status.
 */
int gp_tool_load_rules(gp_tool *t);

/* Writes t->out to stdout when it is large or `force`; a broken pipe sets out_broken. */
int gp_tool_flush(gp_tool *t, int force);

/*
 * The exit status for a library result and the diagnostics so far; frees the tool. A
 * failed write to stdout (disk full, I/O error) is reported and exits 2, whichever way
 * the tool wrote; a broken pipe stays quiet (the reader has all it wanted).
 */
int gp_tool_finish(gp_tool *t, int rc);

#endif
