/*
 * lib/dedup_merge.c - the merge policy: several records of one practice become one.
 *
 *  - sources: every source of every record, sorted by file, line and format, once each;
 *  - topics, priority areas: united (the caller normalises the result, which puts them
 *    in the rules' canonical order and drops repeats);
 *  - a scalar field (institution, country, region, years, title, description, award,
 *    jury comment): the value of the records whose sources rank first in the field's
 *    source precedence (rules: dedup.precedence); among those, the value most of them
 *    give, then the longer, then the one first in byte order. country_code comes with
 *    the chosen country;
 *  - each scalar field with two or more values is a conflict, listing every value and
 *    the ids and the (first) sources of the records that give it; nothing is dropped
 *    silently.
 * The result does not depend on the order of the records given.
 */
#include <stdlib.h>
#include <string.h>

#include "dedup_impl.h"

static int source_cmp(const void *a, const void *b)
{
    const gp_source *x = a, *y = b;
    int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return strcmp(x->format ? x->format : "", y->format ? y->format : "");
}

static int str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Rank of a record for a scalar field: the best rank of its sources' formats. */
static size_t rank_of(const gp_dedup_rules *r, size_t scalar, const gp_record *rec)
{
    size_t best = GP_DD_MAX_FORMATS + 1;
    for (size_t i = 0; i < rec->nsources; i++) {
        gp_format f = gp__dd_format(rec->sources[i].format);
        size_t rank = GP_DD_MAX_FORMATS;
        for (size_t k = 0; k < r->nprec[scalar]; k++)
            if (r->precedence[scalar][k] == f)
                rank = k;
        if (rank < best)
            best = rank;
    }
    return best;
}

/* The value of a scalar field as text (years in decimal), NULL when absent. */
static const char *value_of(gp_arena *arena, const gp_record *rec, gp_field f, int *err)
{
    if (gp_field_is_year(f)) {
        const gp_year *y = gp_record_year((gp_record *)rec, f);
        if (y->value <= 0)
            return NULL;
        char num[16];
        snprintf(num, sizeof num, "%d", y->value);
        const char *s = gp_arena_strdup(arena, num);
        if (!s)
            *err = 1;
        return s;
    }
    return gp_record_get(rec, f);
}

typedef struct cand {
    const char *value;
    size_t rank;  /* best rank among the records that give it */
    size_t count; /* records at that rank that give it */
    size_t all;   /* records that give it */
    size_t first; /* first record that gives it at its best rank */
} cand;

static int better(const cand *x, const cand *y)
{
    if (x->rank != y->rank)
        return x->rank < y->rank;
    if (x->count != y->count)
        return x->count > y->count;
    size_t lx = strlen(x->value), ly = strlen(y->value);
    if (lx != ly)
        return lx > ly;
    return strcmp(x->value, y->value) < 0;
}

static int cand_cmp(const void *a, const void *b)
{
    return strcmp(((const cand *)a)->value, ((const cand *)b)->value);
}

static int merge_scalar(const gp_dedup_rules *r, size_t scalar, gp_record *const *recs, size_t n,
                        gp_arena *arena, int with_conflicts, dd_merged *out)
{
    gp_field f = gp__dd_scalar_fields[scalar];
    cand stack[16];
    cand *cands = n <= 16 ? stack : malloc(n * sizeof *cands);
    if (!cands)
        return GP_ENOMEM;
    size_t nc = 0;
    int err = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = value_of(arena, recs[i], f, &err);
        if (!v)
            continue;
        size_t rank = rank_of(r, scalar, recs[i]);
        size_t k = 0;
        while (k < nc && strcmp(cands[k].value, v) != 0)
            k++;
        if (k == nc)
            cands[nc++] = (cand){v, rank, 1, 1, i};
        else if (rank < cands[k].rank)
            cands[k] = (cand){v, rank, 1, cands[k].all + 1, i};
        else {
            cands[k].count += rank == cands[k].rank;
            cands[k].all++;
        }
    }
    int rc = err ? GP_ENOMEM : GP_OK;
    if (nc == 0 || rc) {
        if (cands != stack)
            free(cands);
        return rc;
    }
    qsort(cands, nc, sizeof *cands, cand_cmp);
    size_t best = 0;
    for (size_t k = 1; k < nc; k++)
        if (better(&cands[k], &cands[best]))
            best = k;
    const gp_record *from = recs[cands[best].first];
    if (gp_field_is_year(f)) {
        *gp_record_year(&out->rec, f) = *gp_record_year((gp_record *)from, f);
    } else {
        *gp_record_slot(&out->rec, f) = gp_record_get(from, f);
        if (f == GP_F_COUNTRY)
            out->rec.country_code = from->country_code;
    }
    if (nc > 1 && with_conflicts) {
        dd_conflict *c = &out->conflicts[out->nconflicts++];
        c->field = f;
        c->chosen = best;
        c->nvalues = nc;
        c->values = gp_arena_alloc(arena, nc * sizeof *c->values);
        if (!c->values)
            rc = GP_ENOMEM;
        for (size_t k = 0; k < nc && !rc; k++) {
            dd_value *v = &c->values[k];
            v->text = cands[k].value;
            v->ids = gp_arena_alloc(arena, cands[k].all * sizeof *v->ids);
            if (!v->ids) {
                rc = GP_ENOMEM;
                break;
            }
            v->sources = gp_arena_alloc(arena, cands[k].all * sizeof *v->sources);
            if (!v->sources) {
                rc = GP_ENOMEM;
                break;
            }
            v->nids = v->nsources = 0;
            for (size_t i = 0; i < n; i++) {
                const char *x = value_of(arena, recs[i], f, &err);
                if (!x || strcmp(x, v->text) != 0)
                    continue;
                if (recs[i]->nsources)
                    v->sources[v->nsources++] = recs[i]->sources[0];
                if (!recs[i]->id)
                    continue;
                int seen = 0;
                for (size_t j = 0; j < v->nids && !seen; j++)
                    seen = strcmp(v->ids[j], recs[i]->id) == 0;
                if (!seen)
                    v->ids[v->nids++] = recs[i]->id;
            }
            qsort(v->ids, v->nids, sizeof *v->ids, str_ptr_cmp);
            qsort(v->sources, v->nsources, sizeof *v->sources, source_cmp);
        }
        if (err)
            rc = GP_ENOMEM;
    }
    if (cands != stack)
        free(cands);
    return rc;
}

static int unite_list(gp_arena *arena, gp_strlist *dst, gp_record *const *recs, size_t n,
                      gp_field f)
{
    for (size_t i = 0; i < n; i++) {
        const gp_strlist *l = gp_record_list_const(recs[i], f);
        for (size_t k = 0; k < l->len; k++) {
            int seen = 0;
            for (size_t j = 0; j < dst->len && !seen; j++)
                seen = strcmp(dst->items[j], l->items[k]) == 0;
            if (!seen && gp_strlist_push(arena, dst, l->items[k], strlen(l->items[k])) != GP_OK)
                return GP_ENOMEM;
        }
    }
    return GP_OK;
}

int gp__dd_merge(const gp_dedup_rules *r, gp_record *const *recs, size_t n, gp_arena *arena,
                 int with_conflicts, dd_merged *out)
{
    memset(out, 0, sizeof *out);
    gp_record_init(&out->rec, arena);
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        ns += recs[i]->nsources;
    gp_source *all = malloc((ns ? ns : 1) * sizeof *all);
    if (!all)
        return GP_ENOMEM;
    ns = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < recs[i]->nsources; k++)
            all[ns++] = recs[i]->sources[k];
    qsort(all, ns, sizeof *all, source_cmp);
    int rc = GP_OK;
    for (size_t i = 0; i < ns && !rc; i++) {
        if (i && source_cmp(&all[i - 1], &all[i]) == 0)
            continue;
        if (!gp_record_add_source(&out->rec, all[i].file, all[i].line, all[i].format))
            rc = GP_ENOMEM;
    }
    free(all);
    if (!rc)
        rc = unite_list(arena, &out->rec.topics, recs, n, GP_F_TOPICS);
    if (!rc)
        rc = unite_list(arena, &out->rec.priority_areas, recs, n, GP_F_PRIORITY_AREAS);
    if (!rc) {
        out->conflicts = gp_arena_alloc(arena, GP_DD_SCALARS * sizeof *out->conflicts);
        if (!out->conflicts)
            rc = GP_ENOMEM;
    }
    for (size_t s = 0; s < GP_DD_SCALARS && !rc; s++)
        rc = merge_scalar(r, s, recs, n, arena, with_conflicts, out);
    return rc;
}
