/*
 * lib/dedup_entities.c - phases 2 and 3 of gp-dedup: entities and their features.
 *
 * Records are sorted by id and line, and the records of one id form an entity (an
 * exact duplicate group). The record of an entity is parsed from its line, or merged
 * from its records when it has several, whenever it is needed; its features (keys,
 * fingerprints, LSH bands; lib/dedup_score.c) are computed by the threads.
 */
#include <stdlib.h>
#include <string.h>

#include "dedup_impl.h"

/* ---- 2, 3. entities and their features ---- */

/* By id; the records of one id are put in the order of their lines by
 * sort_entity_records, which reads them. */
static int rec_cmp(const void *x, const void *y)
{
    const dd_rec *a = x, *b = y;
    int c = strcmp(a->id, b->id);
    if (c)
        return c;
    return (a->off > b->off) - (a->off < b->off);
}

typedef struct line_ref {
    const char *json;
    dd_rec rec;
} line_ref;

static int line_cmp(const void *x, const void *y)
{
    const line_ref *a = x, *b = y;
    size_t n = a->rec.len < b->rec.len ? a->rec.len : b->rec.len;
    int c = memcmp(a->json, b->json, n);
    if (c)
        return c;
    return (a->rec.len > b->rec.len) - (a->rec.len < b->rec.len);
}

/*
 * Puts the records of an entity in the order of their lines, so that what is made of
 * them does not depend on the order of the input (called once per entity, by the
 * features phase, before anything reads them).
 */
static int sort_entity_records(gp_deduper *d, uint32_t e, gp_arena *arena, line_ref **out)
{
    const dd_ent *ent = &d->ents[e];
    line_ref *v = gp_arena_alloc(arena, ent->nrecs * sizeof *v);
    if (!v)
        return GP_ENOMEM;
    for (uint32_t j = 0; j < ent->nrecs; j++) {
        v[j].rec = d->recs[ent->first + j];
        int rc = gp__dd_rec_line(d, &v[j].rec, arena, &v[j].json);
        if (rc)
            return rc;
    }
    qsort(v, ent->nrecs, sizeof *v, line_cmp);
    for (uint32_t j = 0; j < ent->nrecs; j++)
        d->recs[ent->first + j] = v[j].rec;
    *out = v;
    return GP_OK;
}

/* The record of entity `e` for its features: its records read once, put in order and
 * merged (as gp__dd_entity_record has it). */
static int feature_record(gp_deduper *d, uint32_t e, gp_arena *arena, gp_record *out)
{
    const dd_ent *ent = &d->ents[e];
    if (ent->nrecs == 1) {
        const dd_rec r = d->recs[ent->first];
        gp_record_init(out, arena);
        gp_json_error err;
        const char *json;
        int rc = gp__dd_rec_line(d, &r, arena, &json);
        if (!rc)
            rc = gp_record_read_json(out, json, r.len, NULL, &err);
        return rc == GP_EPARSE ? GP_EINTERNAL : rc;
    }
    line_ref *v;
    int rc = sort_entity_records(d, e, arena, &v);
    gp_record **recs = rc ? NULL : gp_arena_alloc(arena, ent->nrecs * sizeof *recs);
    if (!rc && !recs)
        rc = GP_ENOMEM;
    for (uint32_t j = 0; j < ent->nrecs && !rc; j++) {
        if (!(recs[j] = gp_arena_alloc(arena, sizeof *recs[j])))
            return GP_ENOMEM;
        gp_record_init(recs[j], arena);
        gp_json_error err;
        rc = gp_record_read_json(recs[j], v[j].json, v[j].rec.len, NULL, &err);
        if (rc == GP_EPARSE)
            rc = GP_EINTERNAL;
    }
    dd_merged m;
    if (!rc)
        rc = gp__dd_merge(d->r, recs, ent->nrecs, arena, 0, &m);
    if (rc)
        return rc;
    *out = m.rec;
    out->id = ent->id;
    return GP_OK;
}

/* Eight bytes of `id` from `at`, big-endian, zero past its end: in strcmp order. */
static uint64_t id_key(const char *id, size_t at)
{
    size_t len = strlen(id);
    uint64_t k = 0;
    for (size_t i = 0; i < 8; i++)
        k = k << 8 | (at + i < len ? (unsigned char)id[at + i] : 0);
    return k;
}

/*
 * Sorts the records by id: radix on the eight bytes after the prefix every id shares
 * ("gp-"), then each run of equal keys by rec_cmp; a million calls of strcmp through
 * qsort were seconds of one thread. *keys_out: each record's key in the new order
 * (to free; NULL for fewer than two records).
 */
static int sort_by_id(gp_deduper *d, uint64_t **keys_out)
{
    size_t n = d->nrecs;
    *keys_out = NULL;
    if (n < 2)
        return GP_OK;
    size_t common = strlen(d->recs[0].id);
    for (size_t i = 1; i < n && common; i++) {
        const char *a = d->recs[0].id, *b = d->recs[i].id;
        size_t k = 0;
        while (k < common && a[k] == b[k])
            k++;
        common = k;
    }
    dd_kv *keys = gp__big_alloc(2 * n * sizeof *keys);
    dd_rec *tmp = gp__big_alloc(n * sizeof *tmp);
    if (!keys || !tmp) {
        free(keys);
        free(tmp);
        return GP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = (dd_kv){id_key(d->recs[i].id, common), (uint32_t)i};
    if (gp__dd_radix_kv(keys, keys + n, n) != GP_OK) {
        free(keys);
        free(tmp);
        return GP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        tmp[i] = d->recs[keys[i].v];
    memcpy(d->recs, tmp, n * sizeof *tmp);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && keys[j].k == keys[i].k)
            j++;
        if (j - i > 1)
            qsort(d->recs + i, j - i, sizeof *d->recs, rec_cmp);
        i = j;
    }
    free(tmp);
    /* the keys in the records' new order, in place: what grouping compares first */
    uint64_t *sorted = (uint64_t *)(void *)keys;
    for (size_t i = 0; i < n; i++)
        sorted[i] = keys[i].k;
    *keys_out = sorted;
    return GP_OK;
}

int gp__dd_group(gp_deduper *d)
{
    gp__dd_progress(d, "grouping", 0, d->nrecs);
    uint64_t *keys;
    int rc = sort_by_id(d, &keys);
    if (rc)
        return rc;
    /*
     * Where an id begins: different keys tell without reading the ids, which lie all
     * over memory (a cache miss each); equal keys are compared in full.
     */
    uint8_t *begins = malloc(d->nrecs ? d->nrecs : 1);
    if (!begins) {
        free(keys);
        return GP_ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < d->nrecs; i++) {
        begins[i] = i == 0 || (keys ? keys[i] != keys[i - 1] : 0) ||
                    strcmp(d->recs[i].id, d->recs[i - 1].id) != 0;
        n += begins[i];
    }
    free(keys);
    d->ents = gp__big_calloc(n ? n : 1, sizeof *d->ents);
    d->cid = gp__big_alloc((n ? n : 1) * sizeof *d->cid);
    if (!d->ents || !d->cid) {
        free(begins);
        return GP_ENOMEM;
    }
    d->nents = 0;
    for (size_t i = 0; i < d->nrecs; i++) {
        if (begins[i]) {
            dd_ent *e = &d->ents[d->nents];
            uint32_t k = (uint32_t)d->nents++;
            e->id = d->recs[i].id;
            e->first = (uint32_t)i;
            e->parent = e->tail = k;
            e->next = e->counterpart = DD_NONE;
            e->size = 1;
        }
        d->ents[d->nents - 1].nrecs++;
        d->recs[i].entity = (uint32_t)(d->nents - 1);
    }
    free(begins);
    d->stats.practices = d->nents;
    d->stats.merged_exact = d->nrecs - d->nents;
    return GP_OK;
}

/* Parses the records of entities `ids` into `arena`, in entity then record order. */
int gp__dd_parse_records(gp_deduper *d, const uint32_t *ids, size_t nids, gp_arena *arena,
                         gp_record ***out, size_t *nout)
{
    size_t n = 0;
    for (size_t i = 0; i < nids; i++)
        n += d->ents[ids[i]].nrecs;
    gp_record **recs = gp_arena_alloc(arena, n * sizeof *recs);
    if (!recs)
        return GP_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < nids; i++) {
        const dd_ent *e = &d->ents[ids[i]];
        for (uint32_t j = 0; j < e->nrecs; j++) {
            const dd_rec *r = &d->recs[e->first + j];
            gp_record *rec = gp_arena_alloc(arena, sizeof *rec);
            if (!rec)
                return GP_ENOMEM;
            gp_record_init(rec, arena);
            gp_json_error err;
            const char *json;
            int rc = gp__dd_rec_line(d, r, arena, &json);
            if (!rc)
                rc = gp_record_read_json(rec, json, r->len, NULL, &err);
            if (rc)
                return rc == GP_EPARSE ? GP_EINTERNAL : rc;
            recs[k++] = rec;
        }
    }
    *out = recs;
    *nout = k;
    return GP_OK;
}

/* The record of an entity: its record, or its records merged (no normalising: the
 * features do not depend on the order of lists). */
int gp__dd_entity_record(gp_deduper *d, uint32_t e, gp_arena *arena, gp_record *out)
{
    const dd_ent *ent = &d->ents[e];
    if (ent->nrecs == 1) {
        const dd_rec *r = &d->recs[ent->first];
        gp_record_init(out, arena);
        gp_json_error err;
        const char *json;
        int rc = gp__dd_rec_line(d, r, arena, &json);
        if (!rc)
            rc = gp_record_read_json(out, json, r->len, NULL, &err);
        return rc == GP_EPARSE ? GP_EINTERNAL : rc;
    }
    gp_record **recs;
    size_t n;
    dd_merged m;
    int rc = gp__dd_parse_records(d, &e, 1, arena, &recs, &n);
    if (!rc)
        rc = gp__dd_merge(d->r, recs, n, arena, 0, &m);
    if (rc)
        return rc;
    *out = m.rec;
    out->id = ent->id;
    return GP_OK;
}

int gp__dd_load_entity(void *ctx, const dd_ent *e, gp_arena *arena, gp_record *out)
{
    gp_deduper *d = ctx;
    return gp__dd_entity_record(d, (uint32_t)(e - d->ents), arena, out);
}

typedef struct feat_ctx {
    uint32_t *bands;
    const uint32_t *ids; /* entities, or records in the order of the file */
} feat_ctx;

/* The features of entities ids[lo, hi) (all entities when ids is NULL). */
static int features_range(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx)
{
    feat_ctx *fc = ctx;
    size_t nb = (size_t)d->r->bands;
    for (size_t k = lo; k < hi; k++) {
        uint32_t i = fc->ids ? fc->ids[k] : (uint32_t)k;
        gp_record rec;
        gp_arena_reset(w->scratch);
        int rc = feature_record(d, i, w->scratch, &rec);
        if (!rc)
            rc = gp__dd_features(w, d->r, &d->ents[i], &rec, fc->bands + (size_t)i * nb);
        gp__dd_worker_trim(w);
        if (rc)
            return rc;
    }
    gp_arena_reset(w->scratch);
    return GP_OK;
}

/*
 * Records ids[lo, hi) in the order of the spill file, their lines next to each other
 * there and read at once: the entities of one record get their features.
 */
static int features_span(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx)
{
    feat_ctx *fc = ctx;
    size_t nb = (size_t)d->r->bands;
    const dd_rec first = d->recs[fc->ids[lo]], last = d->recs[fc->ids[hi - 1]];
    size_t span = (size_t)(last.off - first.off) + last.len;
    gp_arena_reset(w->render);
    char *buf = gp_arena_alloc(w->render, span + 1);
    if (!buf)
        return GP_ENOMEM;
    int rc = gp__dd_read_span(d, first.off, span, buf);
    for (size_t k = lo; k < hi && !rc; k++) {
        const dd_rec r = d->recs[fc->ids[k]];
        const char *line = buf + (r.off - first.off);
        gp_record rec;
        gp_arena_reset(w->scratch);
        gp_record_init(&rec, w->scratch);
        gp_json_error err;
        if (d->ents[r.entity].nrecs > 1)
            continue;
        rc = gp_record_read_json(&rec, line, r.len, NULL, &err);
        if (rc == GP_EPARSE)
            rc = GP_EINTERNAL;
        if (!rc)
            rc = gp__dd_features(w, d->r, &d->ents[r.entity], &rec,
                                 fc->bands + (size_t)r.entity * nb);
        gp__dd_worker_trim(w);
    }
    gp_arena_reset(w->scratch);
    gp_arena_reset(w->render);
    return rc;
}

/* The features of the entities of several records, ids[0, n), in index order: a
 * bucket of the spill file at a time when there is one, their lines then in memory. */
static int features_multi(gp_deduper *d, feat_ctx *fc, const uint32_t *ids, size_t n)
{
    if (!d->ingest.bk.ready) {
        fc->ids = ids;
        return gp__dd_parallel(d, "comparing", n, features_range, fc, d->nthreads);
    }
    int rc = GP_OK;
    for (size_t at = 0; at < n && !rc;) {
        uint32_t b = gp__dd_entity_bucket(d, ids[at]);
        size_t end = at;
        while (end < n && gp__dd_entity_bucket(d, ids[end]) == b)
            end++;
        rc = gp__dd_buckets_load(d, ids[at], ids[end - 1]);
        fc->ids = ids + at;
        if (!rc)
            rc = gp__dd_parallel(d, "comparing", end - at, features_range, fc, d->nthreads);
        at = end;
    }
    int unload = gp__dd_buckets_load(d, UINT32_MAX, UINT32_MAX);
    return rc ? rc : unload;
}

int gp__dd_features_all(gp_deduper *d, uint32_t *bands)
{
    feat_ctx fc = {bands, NULL};
    if (!gp__dd_spilled(d))
        return gp__dd_parallel(d, "comparing", d->nents, features_range, &fc, d->nthreads);
    int rc = GP_OK;
    /* every record from the file in its order (radix-sorted by offset), then the
     * entities of several records */
    size_t n = d->nrecs;
    uint32_t *all = gp__big_alloc((n ? n : 1) * sizeof *all);
    uint32_t *multi = gp__big_alloc((d->nents ? d->nents : 1) * sizeof *multi);
    dd_kv *order = gp__big_alloc(2 * (n ? n : 1) * sizeof *order);
    if (!all || !multi || !order) {
        free(all);
        free(multi);
        free(order);
        return GP_ENOMEM;
    }
    size_t nm = 0;
    for (size_t i = 0; i < d->nents; i++)
        if (d->ents[i].nrecs > 1)
            multi[nm++] = (uint32_t)i;
    for (size_t i = 0; i < n; i++)
        order[i] = (dd_kv){d->recs[i].off, (uint32_t)i};
    rc = gp__dd_radix_kv(order, order + n, n);
    for (size_t k = 0; k < n; k++)
        all[k] = order[k].v;
    free(order);
    fc.ids = all;
    if (!rc)
        rc = gp__dd_parallel(d, "comparing", n, features_span, &fc, d->nthreads);
    free(all);
    if (!rc)
        rc = features_multi(d, &fc, multi, nm);
    free(multi);
    return rc;
}
