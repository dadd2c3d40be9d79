/*
 * gpkit/report.h - the curator's review page: one self-contained HTML file.
 *
 * A report reads what the other tools wrote and turns it into one HTML page that a
 * curator opens from disk, with no request to any other host:
 *   findings   gp-lint --format=json (docs/findings.schema.json), one object a line;
 *   clusters   gp-dedup --clusters (docs/clusters.schema.json), one object a line;
 *   decisions  a curator decisions file (gpkit/decisions.h), shown as decided;
 *   dataset    canonical records (gp-dedup's output): the charts of records, the two
 *              records of each possible duplicate side by side, the current value of
 *              each field a finding proposes to fix.
 * The static part of the page (headings, charts drawn as inline SVG, the rules'
 * documentation, the filters) is built as a libxml2 tree and written by its HTML
 * serializer, so every value from a dump is escaped by construction. The rows are
 * embedded once as JSON in a <script type="application/json"> element, with '<', '>',
 * '&', U+2028 and U+2029 written as \uXXXX so that no value can end the element, and
 * the page's script renders them lazily with DOM calls (textContent, never markup).
 * The page keeps the curator's choices in the browser's localStorage and writes them,
 * with the decisions already in the file, as a decisions file to download.
 *
 * Ownership: a gp_report owns everything it read; it borrows the rule set, which must
 * outlive it.
 */
#ifndef GPKIT_REPORT_H
#define GPKIT_REPORT_H

#include "gpkit/diag.h"
#include "gpkit/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_report gp_report;

typedef struct gp_report_options {
    const char *findings;  /* gp-lint --format=json output; NULL: none */
    const char *clusters;  /* gp-dedup --clusters output; NULL: none */
    const char *decisions; /* a decisions file; NULL: none */
    const char *dataset;   /* canonical records ("-": standard input); NULL: none */
    gp_ruleset *rules;     /* the checks' documentation (rules/checks.yaml) */
} gp_report_options;

/*
 * Reads every input. A line of the findings or clusters file that is not what the file
 * claims to hold is reported as report.input-invalid (error) with its file:line:column,
 * a dataset with no record likewise, decisions with errors as gp_decisions_load reports
 * them. Returns GP_OK; GP_EINPUT when an input was refused (every problem reported);
 * GP_EIO when a file cannot be read; GP_ENOMEM.
 */
int gp_report_build(gp_report **out, const gp_report_options *opts, gp_diag_sink *diags);
void gp_report_free(gp_report *r);

/*
 * Writes the page to `path`, or to standard output when `path` is NULL or "-". A file
 * is written whole or not at all: into a temporary file in the same folder, renamed
 * over `path` once complete. Returns GP_OK; GP_EIO with errno telling why (the caller
 * names the file); GP_EPIPE; GP_ENOMEM; GP_ELIMIT when the data exceeds 1 GiB.
 */
int gp_report_save(const gp_report *r, const char *path);

/* Counts of what the report holds, for a summary line. */
typedef struct gp_report_stats {
    size_t findings, variants, merged, possible, records, decisions;
} gp_report_stats;

const gp_report_stats *gp_report_get_stats(const gp_report *r);

#ifdef __cplusplus
}
#endif
#endif
