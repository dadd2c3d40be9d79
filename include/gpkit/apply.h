/*
 * gpkit/apply.h - a curator's field fixes (gpkit/decisions.h `fixes:`) applied to a
 * record stream.
 *
 * Each record is normalised as gp-norm normalises it (gpkit/norm.h), the fixes that
 * name its id are applied, and the record is normalised again, so what comes out is
 * the canonical record gp-norm would write for the fixed values. Ids:
 *  - a record that carries an id keeps it (as gp-dedup does); one without (a raw record,
 *    a dump) gets the id gp-norm computes, and fixes are matched by that id;
 *  - a fixed record keeps the id it had before the fix, although the id is computed from
 *    content (docs/ids.md) and a fix of the institution, country, award year or the
 *    opening of the description would give another: the decision names the record by
 *    that id, so the decision must not orphan itself, and gp-dedup and any later run of
 *    gp-apply must still find the record under it.
 *
 * Values are compared in canonical form: the fix's values (and the `was` values) are
 * set on a copy of the record and normalised with it, so `title: "Foo  bar"` equals a
 * record's `Foo bar`, and a topic list equals the same topics in another order. Per field
 * of a fix:
 *  - the record already has the fix's value: not set; when every record of the id had
 *    it, gp_apply_finish reports the field as decision.already-applied (info: the source
 *    was corrected, the fix can go);
 *  - the fix gives `was` and the record holds a value that is neither `was` nor the
 *    fix's: the record changed since the curator decided; not set, reported once per
 *    field as decision.conflict with both values. A record that holds nothing there
 *    (null or []) takes the fix's value: nothing in it is overwritten, and copies of one
 *    practice from other dumps often lack a field (a listing record has no title);
 *  - otherwise the value is set.
 * Findings point at the field's value in the decisions file and name the record id.
 * Merge and distinct decisions are gp-dedup's: they change nothing here. A fix is applied
 * to every record with its id (the same practice from several dumps); a fix whose id no
 * record had is reported by gp_apply_finish (decision.unknown-id), which needs only the
 * fixes' ids, so memory is bounded by the decisions, not by the records.
 *
 * Ownership: a gp_applier borrows the rule set, the decisions and the sink, which must
 * outlive it. It is not thread-safe. Records are changed in place; new strings go into
 * their arena.
 */
#ifndef GPKIT_APPLY_H
#define GPKIT_APPLY_H

#include <stddef.h>

#include "gpkit/decisions.h"
#include "gpkit/diag.h"
#include "gpkit/record.h"
#include "gpkit/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_applier gp_applier;

typedef struct gp_apply_stats {
    size_t records;         /* records given to gp_apply_record */
    size_t records_fixed;   /* records in which at least one field was set */
    size_t fields_set;      /* field values set, counted per record */
    size_t already_applied; /* field values not set: the record had them already */
    size_t conflicts;       /* field values not set: the record changed since the decision */
    size_t unknown_ids;     /* fix entries whose id no record had (after gp_apply_finish) */
    size_t fixes;           /* fix entries in the decisions */
    size_t left_to_dedup;   /* merge and distinct entries, passed over */
} gp_apply_stats;

/*
 * Makes an applier for the fixes of `decisions`. Normalisation problems at error level
 * (by the rules' levels) and the findings above go to `diags`. Returns GP_OK or
 * GP_ENOMEM.
 */
int gp_applier_new(gp_applier **out, gp_ruleset *rules, const gp_decisions *decisions,
                   gp_diag_sink *diags);
void gp_applier_free(gp_applier *a);

/*
 * Normalises `rec` and applies the fixes that name its id (see above). Returns GP_OK or
 * GP_ENOMEM.
 */
int gp_apply_record(gp_applier *a, gp_record *rec);

/*
 * Ends the stream: reports each fix whose id no record had (decision.unknown-id, at the
 * id in the decisions file) and each fixed field that every record of its id already
 * had (decision.already-applied). Call after the last record, and only when every input
 * was read (a stream cut short would report what it never reached). Returns GP_OK or
 * GP_ENOMEM.
 */
int gp_apply_finish(gp_applier *a);

/* Counts so far. */
const gp_apply_stats *gp_applier_stats(const gp_applier *a);

#ifdef __cplusplus
}
#endif
#endif
