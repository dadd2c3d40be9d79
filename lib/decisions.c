/*
 * lib/decisions.c - loading a curator decisions file (schema: gpkit/decisions.h).
 *
 * The YAML document is read with lib/ydoc.h, so every problem is reported at its
 * file:line:column and loading goes on to find the next one; the set is only handed
 * out when there was none. Decisions are kept in one array, merges first, then distinct
 * entries, then fixes, each group in the order of the file; all strings in one arena.
 */
#include "gpkit/decisions.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ydoc.h"

struct gp_decisions {
    char *path;
    gp_arena *arena;
    gp_decision *items;
    size_t len, cap;
};

static const char *dup(gp_decisions *ds, const char *s)
{
    return s ? gp_arena_strdup(ds->arena, s) : NULL;
}

static gp_decision *add(gp_decisions *ds, gp_ydoc *d, gp_decision_kind kind, const yaml_node_t *at)
{
    if (GP_GROW(ds->items, ds->cap, ds->len + 1) != GP_OK)
        return NULL;
    gp_decision *dec = &ds->items[ds->len++];
    memset(dec, 0, sizeof *dec);
    dec->kind = kind;
    dec->file = ds->path;
    dec->line = gp_y_line(at);
    dec->column = gp_y_column(at);
    (void)d;
    return dec;
}

/* A record id as gp_norm makes them (docs/ids.md): "gp-" and 16 lower-case hex digits.
 * Anything else cannot name a record, so it is a mistake in the file, not an unknown id. */
static int is_record_id(const char *s)
{
    if (strncmp(s, "gp-", 3) != 0)
        return 0;
    for (int i = 3; i < 19; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[19] == '\0';
}

/* Reports an id that is empty or malformed; returns 0 when `s` is a record id. */
static int check_id(gp_ydoc *d, const yaml_node_t *node, const char *s)
{
    if (!*s) {
        gp_y_error(d, node, "decision.invalid", "a record id must not be empty");
        return -1;
    }
    if (!is_record_id(s)) {
        gp_y_error(d, node, "decision.invalid",
                   "'%s' is not a record id ('gp-' and 16 lower-case hex digits)", s);
        return -1;
    }
    return 0;
}

/* The ids of a merge or distinct entry (a sequence of at least two distinct ids).
 * Returns 0, 1 when a problem was reported, or GP_ENOMEM. */
static int read_ids(gp_decisions *ds, gp_ydoc *d, const yaml_node_t *seq, const char *what,
                    gp_decision *dec)
{
    if (!gp_y_is_seq(seq)) {
        gp_y_error(d, seq, "rules.type", "%s must be a list of record ids", what);
        return 1; /* reported */
    }
    size_t n = gp_y_seq_len(seq);
    if (n < 2) {
        gp_y_error(d, seq, "decision.invalid", "%s must name at least two records", what);
        return 1; /* reported */
    }
    const char **ids = gp_arena_alloc(ds->arena, n * sizeof *ids);
    long *lines = gp_arena_alloc(ds->arena, n * sizeof *lines);
    long *cols = gp_arena_alloc(ds->arena, n * sizeof *cols);
    if (!ids || !lines || !cols)
        return GP_ENOMEM;
    /* a bad item leaves its slot NULL, and the check for repeats skips it */
    memset(ids, 0, n * sizeof *ids);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = gp_y_seq_item(d, seq, i);
        const char *s = gp_y_string(d, item, "a record id");
        if (!s || check_id(d, item, s) != 0) {
            bad = 1;
            continue;
        }
        for (size_t k = 0; k < i; k++)
            if (ids[k] && strcmp(ids[k], s) == 0) {
                gp_y_error(d, item, "decision.invalid", "'%s' is named twice in %s", s, what);
                bad = 1;
            }
        ids[i] = dup(ds, s);
        lines[i] = gp_y_line(item);
        cols[i] = gp_y_column(item);
    }
    if (bad)
        return 1; /* reported */
    dec->ids = ids;
    dec->nids = n;
    dec->id_lines = lines;
    dec->id_columns = cols;
    return 0;
}

static int read_group(gp_decisions *ds, gp_ydoc *d, const yaml_node_t *node, gp_decision_kind kind,
                      const char *what)
{
    if (!gp_y_is_seq(node)) {
        gp_y_error(d, node, "rules.type", "'%s' must be a list of entries", what);
        return 0;
    }
    for (size_t i = 0; i < gp_y_seq_len(node); i++) {
        yaml_node_t *entry = gp_y_seq_item(d, node, i);
        char label[48];
        snprintf(label, sizeof label, "a '%s' entry", what);
        gp_decision *dec = add(ds, d, kind, entry);
        if (!dec)
            return GP_ENOMEM;
        int rc;
        if (gp_y_is_map(entry)) {
            static const char *const keys[] = {"ids", "reason", NULL};
            if (gp_y_check_map(d, entry, label, keys) != 0)
                continue;
            yaml_node_t *ids = gp_y_get(d, entry, "ids");
            yaml_node_t *reason = gp_y_get(d, entry, "reason");
            if (reason)
                dec->reason = dup(ds, gp_y_string(d, reason, "'reason'"));
            if (!ids) {
                gp_y_error(d, entry, "rules.missing-key", "%s needs 'ids'", label);
                continue;
            }
            rc = read_ids(ds, d, ids, label, dec);
        } else {
            rc = read_ids(ds, d, entry, label, dec);
        }
        if (rc == GP_ENOMEM)
            return rc;
    }
    return 0;
}

/* A field value as a fix or its `was` writes it: a year, a text or a list, any but a list
 * may be null. Returns 0, 1 when a problem was reported, or GP_ENOMEM. */
static int read_value(gp_decisions *ds, gp_ydoc *d, const yaml_node_t *v, gp_field f,
                      const char *what, const char **text, int *year, const char *const **items,
                      size_t *nitems)
{
    const char *s = gp_y_scalar(v);
    int null = s && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
               (strcmp(s, "null") == 0 || strcmp(s, "~") == 0 || !*s);
    if (gp_field_is_list(f)) {
        if (!gp_y_is_seq(v)) {
            gp_y_error(d, v, "rules.type", "%s must be a list of text", what);
            return 1; /* reported */
        }
        size_t n = gp_y_seq_len(v);
        const char **list = gp_arena_alloc(ds->arena, (n ? n : 1) * sizeof *list);
        if (!list)
            return GP_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            const char *t = gp_y_string(d, gp_y_seq_item(d, v, i), what);
            if (!t)
                return 1; /* reported */
            list[i] = dup(ds, t);
        }
        *items = list;
        *nitems = n;
        return 0;
    }
    if (null)
        return 0;
    if (gp_field_is_year(f)) {
        long y;
        if (gp_y_int(d, v, what, 1000, 2999, &y) != 0)
            return 1; /* reported */
        *year = (int)y;
        return 0;
    }
    s = gp_y_string(d, v, what);
    if (!s)
        return 1; /* reported */
    *text = dup(ds, s);
    return 0;
}

static int read_fix_value(gp_decisions *ds, gp_ydoc *d, const yaml_node_t *v, gp_field f,
                          gp_decision_fix *fix)
{
    char what[48];
    snprintf(what, sizeof what, "'%s'", gp_field_name(f));
    fix->field = f;
    fix->line = gp_y_line(v);
    fix->column = gp_y_column(v);
    return read_value(ds, d, v, f, what, &fix->text, &fix->year, &fix->items, &fix->nitems);
}

/* The `was` mapping of a fix entry: a value for fields among the `nf` the entry sets.
 * Returns 0 (problems reported) or GP_ENOMEM. */
static int read_was(gp_decisions *ds, gp_ydoc *d, const yaml_node_t *entry, const yaml_node_t *was,
                    const char *id, gp_decision_fix *fixes, size_t nf)
{
    if (!gp_y_is_map(was)) {
        gp_y_error(d, was, "rules.type",
                   "'was' of the fix of '%s' must be a mapping from field to value", id);
        return 0;
    }
    for (size_t k = 0; k < gp_y_map_len(was); k++) {
        yaml_node_t *key = gp_y_map_key(d, was, k);
        const char *name = gp_y_string(d, key, "a key of 'was'");
        if (!name)
            continue;
        int f = gp_field_lookup(name, strlen(name));
        gp_decision_fix *fx = NULL;
        for (size_t i = 0; i < nf && f >= 0 && !fx; i++)
            if ((int)fixes[i].field == f)
                fx = &fixes[i];
        if (!fx && f >= 0 && gp_y_get(d, entry, name))
            continue; /* the entry's value of that field is wrong, and was reported */
        if (!fx) {
            gp_y_error(d, key, "decision.invalid",
                       "'was' names '%s', which the fix of '%s' does not set", name, id);
            continue;
        }
        if (fx->has_was) {
            gp_y_error(d, key, "rules.duplicate", "key '%s' appears twice in 'was'", name);
            continue;
        }
        char what[64];
        snprintf(what, sizeof what, "'was' of '%s'", name);
        yaml_node_t *v = gp_y_map_value(d, was, k);
        int rc = read_value(ds, d, v, fx->field, what, &fx->was_text, &fx->was_year, &fx->was_items,
                            &fx->was_nitems);
        if (rc == GP_ENOMEM)
            return rc;
        if (rc == 0) {
            fx->has_was = 1;
            fx->was_line = gp_y_line(v);
            fx->was_column = gp_y_column(v);
        }
    }
    return 0;
}

static int read_fixes(gp_decisions *ds, gp_ydoc *d, const yaml_node_t *node)
{
    if (!gp_y_is_seq(node)) {
        gp_y_error(d, node, "rules.type", "'fixes' must be a list of entries");
        return 0;
    }
    /* Every record field but id and sources can be set. */
    const char *keys[GP_F_COUNT + 3];
    size_t nk = 0;
    keys[nk++] = "id";
    keys[nk++] = "reason";
    keys[nk++] = "was";
    for (int f = 0; f < GP_F_COUNT; f++)
        if (f != GP_F_ID && f != GP_F_SOURCES)
            keys[nk++] = gp_field_name((gp_field)f);
    keys[nk] = NULL;
    for (size_t i = 0; i < gp_y_seq_len(node); i++) {
        yaml_node_t *entry = gp_y_seq_item(d, node, i);
        gp_decision *dec = add(ds, d, GP_DECISION_FIX, entry);
        if (!dec)
            return GP_ENOMEM;
        if (gp_y_check_map(d, entry, "a 'fixes' entry", keys) != 0)
            continue;
        yaml_node_t *id = gp_y_get(d, entry, "id");
        if (!id) {
            gp_y_error(d, entry, "rules.missing-key", "a 'fixes' entry needs 'id'");
            continue;
        }
        const char *s = gp_y_string(d, id, "'id'");
        if (!s || check_id(d, id, s) != 0)
            continue;
        const char **ids = gp_arena_alloc(ds->arena, sizeof *ids);
        long *lc = gp_arena_alloc(ds->arena, 2 * sizeof *lc);
        if (!ids || !lc)
            return GP_ENOMEM;
        ids[0] = dup(ds, s);
        lc[0] = gp_y_line(id);
        lc[1] = gp_y_column(id);
        dec->ids = ids;
        dec->nids = 1;
        dec->id_lines = &lc[0];
        dec->id_columns = &lc[1];
        yaml_node_t *reason = gp_y_get(d, entry, "reason");
        if (reason)
            dec->reason = dup(ds, gp_y_string(d, reason, "'reason'"));
        size_t n = gp_y_map_len(entry);
        gp_decision_fix *fixes = gp_arena_alloc(ds->arena, (n ? n : 1) * sizeof *fixes);
        if (!fixes)
            return GP_ENOMEM;
        size_t nf = 0, given = 0;
        for (size_t k = 0; k < n; k++) {
            const char *name = gp_y_scalar(gp_y_map_key(d, entry, k));
            if (!name || strcmp(name, "id") == 0 || strcmp(name, "reason") == 0 ||
                strcmp(name, "was") == 0)
                continue;
            given++;
            int f = gp_field_lookup(name, strlen(name));
            if (f < 0 || f == GP_F_ID || f == GP_F_SOURCES)
                continue; /* reported by gp_y_check_map */
            memset(&fixes[nf], 0, sizeof fixes[nf]);
            int rc = read_fix_value(ds, d, gp_y_map_value(d, entry, k), (gp_field)f, &fixes[nf]);
            if (rc == GP_ENOMEM)
                return rc;
            if (rc == 0)
                nf++;
        }
        if (given == 0)
            gp_y_error(d, entry, "decision.invalid", "fix of '%s' sets no field", s);
        yaml_node_t *was = gp_y_get(d, entry, "was");
        if (was && read_was(ds, d, entry, was, s, fixes, nf) == GP_ENOMEM)
            return GP_ENOMEM;
        dec->fixes = fixes;
        dec->nfixes = nf;
    }
    return 0;
}

static int kind_cmp(const void *a, const void *b)
{
    const gp_decision *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return (x->column > y->column) - (x->column < y->column);
}

int gp_decisions_load(gp_decisions **out, const char *path, gp_diag_sink *diags)
{
    *out = NULL;
    gp_decisions *ds = calloc(1, sizeof *ds);
    if (!ds || gp_arena_new(&ds->arena) != GP_OK || !(ds->path = gp__strdup(path))) {
        gp_decisions_free(ds);
        return GP_ENOMEM;
    }
    gp_ydoc d;
    int rc = gp_ydoc_load(&d, path, path, "decisions", diags);
    if (rc) {
        gp_ydoc_free(&d);
        gp_decisions_free(ds);
        return rc;
    }
    yaml_node_t *root = gp_y_root(&d);
    static const char *const keys[] = {"gpkit", "description", "merge", "distinct", "fixes", NULL};
    if (root && !(root->type == YAML_SCALAR_NODE && !*gp_y_scalar(root)) &&
        gp_y_check_map(&d, root, "a decisions file", keys) == 0) {
        yaml_node_t *n;
        long version;
        if ((n = gp_y_get(&d, root, "gpkit")))
            gp_y_int(&d, n, "'gpkit'", 1, 1, &version);
        if ((n = gp_y_get(&d, root, "description")))
            gp_y_string(&d, n, "'description'");
        if ((n = gp_y_get(&d, root, "merge")))
            rc = read_group(ds, &d, n, GP_DECISION_MERGE, "merge");
        if (!rc && (n = gp_y_get(&d, root, "distinct")))
            rc = read_group(ds, &d, n, GP_DECISION_DISTINCT, "distinct");
        if (!rc && (n = gp_y_get(&d, root, "fixes")))
            rc = read_fixes(ds, &d, n);
    }
    if (!rc && d.errors)
        rc = GP_EPARSE;
    gp_ydoc_free(&d);
    if (rc) {
        gp_decisions_free(ds);
        return rc;
    }
    /* Stable order whatever the order of the keys in the file (none: items is NULL). */
    if (ds->len)
        qsort(ds->items, ds->len, sizeof *ds->items, kind_cmp);
    *out = ds;
    return GP_OK;
}

void gp_decisions_free(gp_decisions *d)
{
    if (!d)
        return;
    free(d->items);
    gp_arena_free(d->arena);
    free(d->path);
    free(d);
}

const char *gp_decisions_path(const gp_decisions *d)
{
    return d->path;
}

size_t gp_decisions_count(const gp_decisions *d)
{
    return d ? d->len : 0;
}

const gp_decision *gp_decisions_get(const gp_decisions *d, size_t i)
{
    return d && i < d->len ? &d->items[i] : NULL;
}

int gp_decision_fix_apply(const gp_decision_fix *fx, gp_record *rec)
{
    if (gp_field_is_list(fx->field)) {
        gp_strlist *list = gp_record_list(rec, fx->field);
        memset(list, 0, sizeof *list);
        for (size_t k = 0; k < fx->nitems; k++)
            if (gp_strlist_push(rec->arena, list, fx->items[k], strlen(fx->items[k])) != GP_OK)
                return GP_ENOMEM;
    } else if (gp_field_is_year(fx->field)) {
        gp_year *y = gp_record_year(rec, fx->field);
        y->value = fx->year;
        y->text = NULL;
    } else if (gp_record_set(rec, fx->field, fx->text, fx->text ? strlen(fx->text) : 0) != GP_OK) {
        return GP_ENOMEM;
    }
    return GP_OK;
}

int gp_decision_apply(const gp_decision *dec, gp_record *rec)
{
    if (!dec || dec->kind != GP_DECISION_FIX)
        return GP_EINVAL;
    for (size_t i = 0; i < dec->nfixes; i++) {
        int rc = gp_decision_fix_apply(&dec->fixes[i], rec);
        if (rc)
            return rc;
    }
    return GP_OK;
}
