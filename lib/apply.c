/*
 * lib/apply.c - a curator's field fixes applied to a record stream (gpkit/apply.h).
 *
 * The fixes are indexed once by record id: a map from id to the first fix entry of
 * that id, entries of the same id chained in file order, each with what was already
 * reported about it, so a finding is said once however many copies of the record come.
 * A record with no fix costs one normalisation, as in gp-norm. A record with fixes is
 * compared field by field in canonical form: the fix's values, and the `was` values,
 * are set on copies of the record in a scratch arena and normalised with them.
 */
#include "gpkit/apply.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gpkit/norm.h"
#include "internal.h"

enum { SHOWN_CHARS = 60, SHOWN_ITEMS = 8 };

/* What became of one field of a fix, over the records of its id. */
typedef struct field_state {
    size_t set, already; /* records it was set on, records that had it */
    int conflict_said;
    const char *had, *had_shown; /* the value the first record that had it held, in full
                                    and as a message shows it */
} field_state;

typedef struct fix_entry {
    const gp_decision *dec;
    struct fix_entry *next; /* the next entry fixing the same id, in file order */
    int seen;               /* a record with this id came */
    field_state *fields;    /* one per field of the fix */
} fix_entry;

struct gp_applier {
    gp_ruleset *rules;
    gp_diag_sink *diags;
    gp_diag_sink norm_sink; /* the normaliser's: errors forwarded, unless quiet */
    int quiet;              /* normalising a trial copy: nothing is reported */
    gp_normalizer *norm;
    gp_map *by_id;
    fix_entry *entries;
    size_t nentries;
    field_state *fields;
    gp_arena *scratch; /* trial copies of the record at hand */
    gp_arena *keep;    /* values kept for gp_apply_finish: one per fixed field at most */
    gp_buf now, msg_now, msg_was, msg_fix;
    gp_apply_stats stats;
};

static int forward(void *ctx, const gp_diag *d)
{
    gp_applier *a = ctx;
    if (a->quiet || gp_ruleset_level(a->rules, d->rule_id, d->severity) < GP_SEV_ERROR)
        return 0;
    return gp_diag_emit(a->diags, d);
}

int gp_applier_new(gp_applier **out, gp_ruleset *rules, const gp_decisions *decisions,
                   gp_diag_sink *diags)
{
    *out = NULL;
    gp_applier *a = calloc(1, sizeof *a);
    if (!a)
        return GP_ENOMEM;
    a->rules = rules;
    a->diags = diags;
    gp_diag_sink_init(&a->norm_sink, forward, a);
    int rc = gp_normalizer_new(&a->norm, rules, &a->norm_sink);
    if (!rc)
        rc = gp_map_new(&a->by_id);
    if (!rc && (gp_arena_new(&a->scratch) != GP_OK || gp_arena_new(&a->keep) != GP_OK))
        rc = GP_ENOMEM;
    size_t n = gp_decisions_count(decisions), nfields = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const gp_decision *dec = gp_decisions_get(decisions, i);
        if (dec->kind == GP_DECISION_FIX) {
            a->stats.fixes++;
            nfields += dec->nfixes;
        } else {
            a->stats.left_to_dedup++;
        }
    }
    if (!rc && a->stats.fixes) {
        a->entries = calloc(a->stats.fixes, sizeof *a->entries);
        a->fields = calloc(nfields ? nfields : 1, sizeof *a->fields);
        if (!a->entries || !a->fields)
            rc = GP_ENOMEM;
    }
    size_t at = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const gp_decision *dec = gp_decisions_get(decisions, i);
        if (dec->kind != GP_DECISION_FIX || dec->nids != 1)
            continue;
        fix_entry *e = &a->entries[a->nentries++];
        e->dec = dec;
        e->fields = a->fields + at;
        at += dec->nfixes;
        void **slot;
        if (gp_map_upsert(a->by_id, dec->ids[0], strlen(dec->ids[0]), &slot) < 0) {
            rc = GP_ENOMEM;
            break;
        }
        if (!*slot) {
            *slot = e;
        } else { /* decisions come in file order: chain at the end */
            fix_entry *last = *slot;
            while (last->next)
                last = last->next;
            last->next = e;
        }
    }
    if (rc) {
        gp_applier_free(a);
        return rc;
    }
    *out = a;
    return GP_OK;
}

void gp_applier_free(gp_applier *a)
{
    if (!a)
        return;
    gp_normalizer_free(a->norm);
    gp_map_free(a->by_id);
    free(a->entries);
    free(a->fields);
    gp_arena_free(a->scratch);
    gp_arena_free(a->keep);
    gp_buf_free(&a->now);
    gp_buf_free(&a->msg_now);
    gp_buf_free(&a->msg_was);
    gp_buf_free(&a->msg_fix);
    free(a);
}

const gp_apply_stats *gp_applier_stats(const gp_applier *a)
{
    return &a->stats;
}

/* Whether two canonical records hold the same value in field `f`. */
static int same_value(const gp_record *x, const gp_record *y, gp_field f)
{
    if (gp_field_is_list(f)) {
        const gp_strlist *a = gp_record_list_const(x, f), *b = gp_record_list_const(y, f);
        if (a->len != b->len)
            return 0;
        for (size_t i = 0; i < a->len; i++)
            if (strcmp(a->items[i], b->items[i]) != 0)
                return 0;
        return 1;
    }
    if (gp_field_is_year(f))
        return gp_record_year((gp_record *)x, f)->value == gp_record_year((gp_record *)y, f)->value;
    const char *a = gp_record_get(x, f), *b = gp_record_get(y, f);
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether the record holds nothing in field `f` (null or []). */
static int is_empty(gp_record *rec, gp_field f)
{
    if (gp_field_is_list(f))
        return gp_record_list(rec, f)->len == 0;
    if (gp_field_is_year(f))
        return gp_record_year(rec, f)->value <= 0;
    return gp_record_get(rec, f) == NULL;
}

/* Appends a text for a message: quoted, on one line, cut after `max` characters (0: all). */
static void put_text(gp_buf *out, const char *s, size_t max)
{
    gp_buf_putc(out, '\'');
    size_t chars = 0;
    for (const char *p = s; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80 && max && chars++ == max) {
            gp_buf_puts(out, "...");
            break;
        }
        gp_buf_putc(out, *p == '\n' || *p == '\t' ? ' ' : *p);
    }
    gp_buf_putc(out, '\'');
}

/* Appends a value of field `f` as a message shows it: 'text', 2021, [A, B] or null. */
static void put_value(gp_buf *out, gp_field f, const char *text, int year, const char *const *items,
                      size_t nitems, size_t max)
{
    if (gp_field_is_list(f)) {
        gp_buf_putc(out, '[');
        for (size_t i = 0; i < nitems; i++) {
            if (i)
                gp_buf_puts(out, ", ");
            if (max && i == SHOWN_ITEMS) {
                gp_buf_printf(out, "and %zu more", nitems - i);
                break;
            }
            put_text(out, items[i], max);
        }
        gp_buf_putc(out, ']');
    } else if (gp_field_is_year(f)) {
        if (year > 0)
            gp_buf_put_long(out, year);
        else
            gp_buf_puts(out, "null");
    } else if (text) {
        put_text(out, text, max);
    } else {
        gp_buf_puts(out, "null");
    }
}

static void put_record_value(gp_buf *out, gp_record *rec, gp_field f, size_t max)
{
    const gp_strlist *l = gp_field_is_list(f) ? gp_record_list(rec, f) : NULL;
    int year = gp_field_is_year(f) ? gp_record_year(rec, f)->value : 0;
    const char *text = !l && !gp_field_is_year(f) ? gp_record_get(rec, f) : NULL;
    put_value(out, f, text, year, l ? l->items : NULL, l ? l->len : 0, max);
}

/* Reports a conflict on `rec`, or (rec NULL) that the records had the value of `had`. */
static int report(gp_applier *a, const gp_decision *dec, const gp_decision_fix *fx, gp_record *rec,
                  const field_state *had, const char *rule, gp_severity sev)
{
    char pointer[32];
    snprintf(pointer, sizeof pointer, "/%s", gp_field_name(fx->field));
    gp_buf_reset(&a->now);
    gp_buf_reset(&a->msg_now);
    gp_buf_reset(&a->msg_was);
    gp_buf_reset(&a->msg_fix);
    if (rec) {
        put_record_value(&a->now, rec, fx->field, 0);
        put_record_value(&a->msg_now, rec, fx->field, SHOWN_CHARS);
    }
    put_value(&a->msg_was, fx->field, fx->was_text, fx->was_year, fx->was_items, fx->was_nitems,
              SHOWN_CHARS);
    put_value(&a->msg_fix, fx->field, fx->text, fx->year, fx->items, fx->nitems, SHOWN_CHARS);
    if (gp_buf_error(&a->now) || gp_buf_error(&a->msg_now) || gp_buf_error(&a->msg_was) ||
        gp_buf_error(&a->msg_fix))
        return GP_ENOMEM;
    gp_diag d = GP_DIAG_INIT;
    d.severity = sev;
    d.rule_id = rule;
    d.file = dec->file;
    d.line = fx->line;
    d.column = fx->column;
    d.record_id = dec->ids[0];
    d.pointer = pointer;
    d.value = rec ? gp_buf_str(&a->now) : had->had;
    if (sev == GP_SEV_INFO)
        gp_diag_emitf(a->diags, &d, "'%s' already has %s %s; the fix can go", dec->ids[0],
                      gp_field_name(fx->field), had->had_shown);
    else
        gp_diag_emitf(a->diags, &d,
                      "'%s' has %s %s, neither %s as the curator saw it nor the fix's %s; "
                      "not set",
                      dec->ids[0], gp_field_name(fx->field), gp_buf_str(&a->msg_now),
                      gp_buf_str(&a->msg_was), gp_buf_str(&a->msg_fix));
    return GP_OK;
}

/* Keeps the value of field `f` of `rec` for a later message. */
static int keep_value(gp_applier *a, gp_record *rec, gp_field f, field_state *st)
{
    gp_buf_reset(&a->now);
    gp_buf_reset(&a->msg_now);
    put_record_value(&a->now, rec, f, 0);
    put_record_value(&a->msg_now, rec, f, SHOWN_CHARS);
    if (gp_buf_error(&a->now) || gp_buf_error(&a->msg_now))
        return GP_ENOMEM;
    st->had = gp_arena_strndup(a->keep, gp_buf_str(&a->now), a->now.len);
    st->had_shown = gp_arena_strndup(a->keep, gp_buf_str(&a->msg_now), a->msg_now.len);
    return st->had && st->had_shown ? GP_OK : GP_ENOMEM;
}

/* A copy of `rec` in the scratch arena with some values of `dec` set, normalised quietly:
 * the fix's values, or (`was`) the values the curator saw. */
static int trial(gp_applier *a, const gp_record *rec, const gp_decision *dec, int was,
                 gp_record *out)
{
    int rc = gp_record_copy(out, rec, a->scratch);
    for (size_t i = 0; i < dec->nfixes && !rc; i++) {
        const gp_decision_fix *fx = &dec->fixes[i];
        if (!was) {
            rc = gp_decision_fix_apply(fx, out);
        } else if (fx->has_was) {
            gp_decision_fix w = *fx;
            w.text = fx->was_text;
            w.year = fx->was_year;
            w.items = fx->was_items;
            w.nitems = fx->was_nitems;
            rc = gp_decision_fix_apply(&w, out);
        }
    }
    if (rc)
        return rc;
    a->quiet = 1;
    rc = gp_norm_record(a->norm, out);
    a->quiet = 0;
    return rc;
}

/* Applies one fix entry to `rec` (canonical); sets *changed when a field was set. */
static int apply_entry(gp_applier *a, fix_entry *e, gp_record *rec, int *changed)
{
    const gp_decision *dec = e->dec;
    if (dec->nfixes > GP_F_COUNT) /* the loader refuses a field named twice */
        return GP_EINVAL;
    gp_arena_reset(a->scratch);
    gp_record want, saw;
    int rc = trial(a, rec, dec, 0, &want);
    int any_was = 0;
    for (size_t i = 0; i < dec->nfixes; i++)
        any_was |= dec->fixes[i].has_was;
    if (!rc && any_was)
        rc = trial(a, rec, dec, 1, &saw);
    if (rc)
        return rc;
    /* Decide every field on the record as it came, then set. */
    unsigned char set[GP_F_COUNT] = {0};
    for (size_t i = 0; i < dec->nfixes && !rc; i++) {
        const gp_decision_fix *fx = &dec->fixes[i];
        if (same_value(rec, &want, fx->field)) {
            a->stats.already_applied++;
            /* said by gp_apply_finish when no record needed it, with the value it had */
            if (e->fields[i].already++ == 0)
                rc = keep_value(a, rec, fx->field, &e->fields[i]);
        } else if (fx->has_was && !same_value(rec, &saw, fx->field) && !is_empty(rec, fx->field)) {
            a->stats.conflicts++;
            if (!e->fields[i].conflict_said) {
                e->fields[i].conflict_said = 1;
                rc = report(a, dec, fx, rec, NULL, "decision.conflict", GP_SEV_ERROR);
            }
        } else {
            set[i] = 1;
        }
    }
    for (size_t i = 0; i < dec->nfixes && !rc; i++) {
        if (!set[i])
            continue;
        rc = gp_decision_fix_apply(&dec->fixes[i], rec);
        a->stats.fields_set++;
        e->fields[i].set++;
        *changed = 1;
    }
    return rc;
}

int gp_apply_record(gp_applier *a, gp_record *rec)
{
    a->stats.records++;
    const char *given = rec->id && *rec->id ? rec->id : NULL;
    int rc = gp_norm_record(a->norm, rec);
    if (rc)
        return rc;
    if (given)
        rec->id = given;
    fix_entry *e = gp_map_get(a->by_id, rec->id, strlen(rec->id));
    if (!e)
        return GP_OK;
    const char *id = rec->id;
    int changed = 0;
    for (; e && !rc; e = e->next) {
        e->seen = 1;
        rc = apply_entry(a, e, rec, &changed);
    }
    if (rc || !changed)
        return rc;
    a->stats.records_fixed++;
    rc = gp_norm_record(a->norm, rec);
    rec->id = id; /* see gpkit/apply.h: a decision must not orphan itself */
    return rc;
}

int gp_apply_finish(gp_applier *a)
{
    int rc = GP_OK;
    for (size_t i = 0; i < a->nentries && !rc; i++) {
        fix_entry *e = &a->entries[i];
        const gp_decision *dec = e->dec;
        if (e->seen) {
            /* A field every record of the id already had: the source was corrected. */
            for (size_t k = 0; k < dec->nfixes && !rc; k++)
                if (e->fields[k].already && !e->fields[k].set) {
                    e->fields[k].already = 0; /* said once, even if called again */
                    rc = report(a, dec, &dec->fixes[k], NULL, &e->fields[k],
                                "decision.already-applied", GP_SEV_INFO);
                }
            continue;
        }
        a->stats.unknown_ids++;
        gp_diag d = GP_DIAG_INIT;
        d.severity = GP_SEV_WARNING;
        d.rule_id = "decision.unknown-id";
        d.file = dec->file;
        d.line = dec->id_lines ? dec->id_lines[0] : dec->line;
        d.column = dec->id_columns ? dec->id_columns[0] : dec->column;
        d.record_id = dec->ids[0];
        d.value = dec->ids[0];
        gp_diag_emitf(a->diags, &d, "fix decision names '%s', which no record has; ignored",
                      dec->ids[0]);
        e->seen = 1; /* said once, even if called again */
    }
    return rc;
}
