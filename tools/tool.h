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
    GP_OPT_STDIN_NAME,
    GP_OPT_QUIET
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
    {                                                                                              \
        "no-config", 0, NULL, GP_OPT_NO_CONFIG, "read no project file"                             \
    }

/* How much a tool says on stderr: --quiet, the default, --verbose. */
typedef enum gp_verbosity { GP_QUIET = -1, GP_NORMAL = 0, GP_VERBOSE = 1 } gp_verbosity;

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
    int out_errno;            /* why writing stdout failed */
    gp_config *config;        /* the project file, NULL when none was read */
    gp_extract_options input; /* --from, --profile */
    const char *stdin_name;   /* --stdin-name: passed as the display name of "-" */
    /* --quiet: errors only on stderr (no warnings, notes, summaries or progress);
       --verbose: every diagnostic, none held back by the cap per rule */
    gp_verbosity verbosity;
    gp_diag_list *findings; /* gp_tool_findings_sink's list */
    int findings_keep_run;
    int progress_shown; /* a progress line is on the terminal */
    long long progress_last_ms;
    char progress_phase[48]; /* a new phase is shown at once */
} gp_tool;

/* Called for each option; return 0, or 2 for a usage error (already printed). */
typedef int (*gp_opt_fn)(gp_tool *t, int id, const char *arg, void *ctx);

/*
 * Sets up the tool (SIGPIPE ignored, stderr printer), parses argv with the table plus
 * --help, --version, -q/--quiet, -v/--verbose and (when `with_rules`) -r/--rules.
 * Returns -1 to go on with the operands from argv[*first], or an exit status to return
 * at once. A misspelt long option is answered with the nearest one ("did you mean").
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
 * Prints a diagnostic on stderr as the tool prints them all: with its place
 * ("file:line:col: severity: message [rule]"), or, for one about the run with no place
 * (a file that cannot be opened, "and N more"), git-style: "gp-x: message" ("gp-x:
 * warning: message" below error). --quiet drops everything below error.
 */
void gp_tool_print_diag(gp_tool *t, const gp_diag *d);

/* Whether a diagnostic says that an input was not read at all (it is about the run). */
int gp_tool_is_run_diag(const gp_diag *d);

/*
 * A sink for findings: each goes into `list`, except that those about the run
 * (gp_tool_is_run_diag) are printed on stderr, and kept in `list` as well only with
 * `keep_run` (a machine format, whose reader sees the whole run in it).
 */
void gp_tool_findings_sink(gp_tool *t, gp_diag_sink *sink, gp_diag_list *list, int keep_run);

/*
 * A progress line on stderr when it is a terminal (and not --quiet), rewritten at most
 * five times a second: "gp-x: PHASE DONE of TOTAL (P%)", or "gp-x: PHASE DONE records"
 * when TOTAL is 0. Diagnostics printed meanwhile clear it first; _end clears it.
 */
int gp_tool_shows_progress(const gp_tool *t);
void gp_tool_progress(gp_tool *t, const char *phase, size_t done, size_t total);
void gp_tool_progress_end(gp_tool *t);

/*
 * Before reading `path`: when it is "-" and standard input is a terminal that gives
 * nothing for a second, says on stderr how to end the input (not with --quiet).
 */
void gp_tool_stdin_hint(gp_tool *t, const char *path);

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
