/*
 * gpkit/findings.h - writing findings for people and for CI, and baselines.
 *
 * Formats:
 *   human     "file:line:col: severity: message [rule-id]", one a line (the summary
 *             line is gp_findings_summary's, for stderr);
 *   json      JSON Lines, one object per finding: rule, level, message, file, line,
 *             column, record_id, pointer (RFC 6901), value, fix, fingerprint, baseline;
 *   sarif     one SARIF 2.1.0 log (GitHub code scanning): tool.driver with every rule
 *             (help, fullDescription, helpUri, tags), results with ruleId, level,
 *             message, physicalLocation (artifactLocation.uri relative to the base
 *             SRCROOT, region.startLine), partialFingerprints and baselineState. At
 *             most max_results results (GitHub refuses a run with more), the most
 *             severe first; what was left out is said in the run's invocation;
 *   github    "::error file=F,line=L,col=C,title=RULE::message" workflow commands;
 *   markdown  a job-summary page: counts by rule and level, then the findings in a
 *             table (GitHub shows only ten annotations of each kind per step).
 *
 * A finding's fingerprint does not depend on its line or column: it hashes the rule id,
 * the record id (or, for findings about a whole file, the file), the field pointer and
 * the offending value (or the message). A baseline file lists fingerprints; findings
 * whose fingerprint it lists are "unchanged", the rest are "new".
 *
 * Ownership: nothing returned needs freeing but the handles.
 */
#ifndef GPKIT_FINDINGS_H
#define GPKIT_FINDINGS_H

#include <stdio.h>

#include "gpkit/diag.h"
#include "gpkit/mem.h"
#include "gpkit/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gp_findings_format {
    GP_FINDINGS_HUMAN,
    GP_FINDINGS_JSON,
    GP_FINDINGS_SARIF,
    GP_FINDINGS_GITHUB,
    GP_FINDINGS_MARKDOWN
} gp_findings_format;

/* Returns 0 and sets *out, or -1 for an unknown name. */
int gp_findings_format_parse(const char *name, gp_findings_format *out);

/* 16 hex digits and a NUL, written to out[17]. */
void gp_finding_fingerprint(const gp_diag *d, char out[17]);

typedef struct gp_baseline gp_baseline;

/* Reads a baseline written by gp_baseline_write; problems are reported to `diags`. */
int gp_baseline_load(gp_baseline **out, const char *path, gp_diag_sink *diags);
void gp_baseline_free(gp_baseline *b);
int gp_baseline_has(const gp_baseline *b, const char *fingerprint);
/* Writes the fingerprints of every finding of `list` (sorted, one JSON document). */
int gp_baseline_write(const char *path, const gp_diag_list *list);

/* GitHub code scanning refuses a SARIF run with more results than this. */
#define GP_SARIF_MAX_RESULTS 25000
/* Where each check's documentation is: docs/checks.md, one heading per rule id. */
#define GP_CHECKS_DOC_URL "https://github.com/gpkit/gpkit/blob/main/docs/checks.md"

/* What one write left out, for the caller to say (SARIF only; zero otherwise). */
typedef struct gp_findings_report {
    size_t results;           /* results written */
    size_t dropped;           /* findings past max_results, left out */
    size_t outside;           /* findings in files outside the base, named by their file name */
    const char *outside_file; /* the first of those files */
} gp_findings_report;

typedef struct gp_findings_info {
    const char *tool;
    const char *version;
    gp_ruleset *rules; /* for the rules' help text (SARIF); may be NULL */
    size_t records;    /* records checked, for the summary */
    size_t unchanged;  /* findings the baseline knows (left out of the output) */
    /* SARIF: artifact URIs are relative to this directory (SRCROOT); NULL: the
     * repository root found from the working directory (gp_repo_root), else the
     * working directory. */
    const char *base;
    size_t max_results;         /* SARIF: 0 means GP_SARIF_MAX_RESULTS */
    const char *help_uri;       /* SARIF: the checks' page, "#anchor" appended; NULL: default */
    const char *stdin_name;     /* what standard input ("-") is called; NULL: "stdin" */
    size_t markdown_max;        /* markdown: findings listed (0: 500); all are counted */
    gp_findings_report *report; /* filled in when not NULL */
} gp_findings_info;

/*
 * Writes the findings of `list` (already sorted) in a format. `is_new[i]` says whether
 * finding i is new (NULL: all new); findings that are not new are left out of human,
 * github and markdown output and marked "unchanged" in json and sarif. `color` adds ANSI
 * colours to human output. Returns GP_OK, GP_EPIPE or GP_EIO.
 */
int gp_findings_write(FILE *out, gp_findings_format format, const gp_diag_list *list,
                      const unsigned char *is_new, const gp_findings_info *info, int color);

/*
 * One output of a run: "FORMAT=FILE" (FILE "-" is standard output), as gp-lint's
 * --output takes it. Returns 0 and sets *format and *path (pointing into spec), or -1.
 */
int gp_findings_output_parse(const char *spec, gp_findings_format *format, const char **path);

/*
 * gp_findings_write to the file `path`, created or truncated ("-": standard output, left
 * open). Returns GP_OK, GP_EPIPE, GP_EIO (errno tells why) or GP_ENOMEM.
 */
int gp_findings_write_path(const char *path, gp_findings_format format, const gp_diag_list *list,
                           const unsigned char *is_new, const gp_findings_info *info, int color);

/*
 * Appends the one-line summary, without a line end: "gp-lint: 277 records checked: 3
 * errors, 30 warnings, 0 info" and " (and N known from the baseline)". It is about the
 * run, so tools print it on stderr, whatever the format. GP_OK or GP_ENOMEM.
 */
int gp_findings_summary(gp_buf *out, const gp_diag_list *list, const unsigned char *is_new,
                        const gp_findings_info *info);

#ifdef __cplusplus
}
#endif
#endif
