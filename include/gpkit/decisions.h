/*
 * gpkit/decisions.h - a curator decisions file: what people decided about records.
 *
 * A decisions file is YAML, kept next to the dumps and reviewed like code. It names
 * records by their id (docs/ids.md) and says, with an optional reason each:
 *
 *   gpkit: 1                                  # optional: the format version
 *   merge:                                    # these records are one practice
 *     - [gp-0cc14dacd4e077d8, gp-fe25bd56c465b3cd]
 *     - ids: [gp-..., gp-..., ...]
 *       reason: TEXT
 *   distinct:                                 # these records are different practices
 *     - ids: [gp-8eb1eae84c95d04b, gp-3e835a275efa1eff]
 *       reason: TEXT
 *   fixes:                                    # field values to set (gp-apply)
 *     - id: gp-...
 *       reason: TEXT
 *       implementation_year: 2021             # a year: a number or null
 *       title: TEXT                           # a text field: text or null
 *       topics: [TEXT, ...]                   # a list field: a list of text
 *
 * A merge or distinct entry is a list of two or more ids, or a mapping with `ids` and
 * `reason`. Loading checks the shape and reports every problem (unknown key with a
 * "did you mean", wrong type, an id that is empty or not "gp-" and 16 lower-case hex
 * digits, an id named twice in one entry, a field that cannot be fixed) with
 * file:line:column; whether the ids exist is for the tool that has the
 * records (gp-dedup reports unknown ids as decision.unknown-id).
 *
 * Ownership: a gp_decisions owns every string and array it hands out; they stay valid
 * until gp_decisions_free. A loaded set is read-only and may be shared between threads.
 */
#ifndef GPKIT_DECISIONS_H
#define GPKIT_DECISIONS_H

#include <stddef.h>

#include "gpkit/diag.h"
#include "gpkit/record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_decisions gp_decisions;

typedef enum gp_decision_kind {
    GP_DECISION_MERGE,    /* the ids are one practice */
    GP_DECISION_DISTINCT, /* the ids are pairwise different practices */
    GP_DECISION_FIX       /* set field values of one record */
} gp_decision_kind;

/* One field value of a fix. */
typedef struct gp_decision_fix {
    gp_field field;
    const char *text;         /* text fields; NULL sets null */
    int year;                 /* year fields; 0 sets null */
    const char *const *items; /* list fields */
    size_t nitems;
    long line, column; /* where the value is written */
} gp_decision_fix;

typedef struct gp_decision {
    gp_decision_kind kind;
    const char *const *ids; /* merge, distinct: two or more; fix: one */
    size_t nids;
    const char *reason; /* NULL when none is given */
    const char *file;   /* where the decision is written */
    long line, column;
    const long *id_lines, *id_columns; /* where each id is written */
    const gp_decision_fix *fixes;      /* fix only */
    size_t nfixes;
} gp_decision;

/*
 * Loads a decisions file; problems go to `diags` with their place. Returns GP_OK,
 * GP_EIO (cannot be read), GP_EPARSE (malformed YAML or a decision that is not well
 * formed; every problem reported) or GP_ENOMEM.
 */
int gp_decisions_load(gp_decisions **out, const char *path, gp_diag_sink *diags);
void gp_decisions_free(gp_decisions *d);

/* The file as given to gp_decisions_load. */
const char *gp_decisions_path(const gp_decisions *d);
/* Decisions in the order of the file: merges, then distinct pairs, then fixes. */
size_t gp_decisions_count(const gp_decisions *d);
const gp_decision *gp_decisions_get(const gp_decisions *d, size_t i);

/*
 * Sets the values of a fix decision on `rec` (strings are copied into its arena).
 * Returns GP_OK, GP_EINVAL when `dec` is not a fix, or GP_ENOMEM.
 */
int gp_decision_apply(const gp_decision *dec, gp_record *rec);

#ifdef __cplusplus
}
#endif
#endif
