/*
 * gpkit/config.h - the project file: .gpkit.yaml, found from the working directory up.
 *
 * A repository of dumps keeps the options its tools share in one file, as .editorconfig
 * or pyproject.toml are kept: the rules, the lint baseline, the curator decisions, what
 * fails the lint, the lint outputs and the options of each output format:
 *
 *   rules: rules                  # -r (the folder of gpkit.yaml, the rules' entry file)
 *   baseline: lint-baseline.json  # gp-lint --baseline
 *   decisions: decisions.yaml     # gp-dedup and gp-report --decisions
 *   fail-on: error                # gp-lint --fail-on
 *   outputs: [sarif=lint.sarif]   # gp-lint --output, FORMAT=FILE each
 *   sarif: {base: ., max-results: 25000, help-uri: https://...}
 *   markdown: {max-findings: 500}
 *
 * (Not "gpkit.yaml": that is the name of a rule set's entry file, which a repository of
 * dumps keeps in its rules/ folder.)
 *
 * Relative paths in the file are relative to the file's directory, so every tool finds
 * the same files from any subdirectory. The command line wins over the file.
 *
 * Ownership: a gp_config owns its strings; free it with gp_config_free.
 */
#ifndef GPKIT_CONFIG_H
#define GPKIT_CONFIG_H

#include "gpkit/diag.h"
#include "gpkit/findings.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GP_CONFIG_NAME ".gpkit.yaml"

typedef struct gp_config_output {
    gp_findings_format format;
    char *path; /* "-" is standard output */
} gp_config_output;

typedef struct gp_config {
    char *file;                         /* the file read */
    char *rules, *baseline, *decisions; /* NULL when not set */
    int has_fail_on;
    gp_severity fail_on; /* GP_SEV_OFF: never */
    gp_config_output *outputs;
    size_t noutputs;
    char *sarif_base, *sarif_help_uri;
    size_t sarif_max_results;     /* 0: not set */
    size_t markdown_max_findings; /* 0: not set */
} gp_config;

/*
 * The root of the git repository holding `dir` (NULL: the working directory): the
 * nearest directory upward with a .git entry. *out is malloc'd, NULL when there is none.
 * Returns GP_OK or GP_ENOMEM.
 */
int gp_repo_root(const char *dir, char **out);

/*
 * Looks for GP_CONFIG_NAME in `dir` (NULL: the working directory) and its parents, up
 * to the repository root (the directory holding .git) or the filesystem root. *out is
 * the malloc'd path of the file found, NULL when none. Returns GP_OK or GP_ENOMEM.
 */
int gp_config_find(const char *dir, char **out);

/*
 * Reads a project file. Every mistake is reported to `diags` at its file:line:column
 * (unknown keys with a "did you mean"); returns GP_OK, GP_EIO (cannot read it),
 * GP_EPARSE (not YAML) or GP_ERULES (read, with errors), or GP_ENOMEM.
 */
int gp_config_load(gp_config **out, const char *path, gp_diag_sink *diags);
void gp_config_free(gp_config *c);

#ifdef __cplusplus
}
#endif
#endif
