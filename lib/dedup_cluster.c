/*
 * lib/dedup_cluster.c - phase 6 of gp-dedup: clusters and curator decisions.
 *
 * Decisions first (distinct pairs, then forced merges in file order), then the pairs
 * at or above merge, best first, each joining two groups only when every record of one
 * scores at least review with every record of the other; pairs from review up that end
 * in different groups are possible duplicates, one per pair of groups. Union-find over
 * the entities; each group's id is its smallest member.
 */
#include <stdlib.h>
#include <string.h>

#include "dedup_impl.h"

enum { GUARD_MAX_PAIRS = 4096 };

/* ---- 6. clusters ---- */

static uint32_t find(dd_ent *e, uint32_t x)
{
    while (e[x].parent != x) {
        e[x].parent = e[e[x].parent].parent;
        x = e[x].parent;
    }
    return x;
}

static void unite(dd_ent *e, uint32_t a, uint32_t b)
{
    if (e[a].size < e[b].size || (e[a].size == e[b].size && a > b)) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    e[b].parent = a;
    e[a].size += e[b].size;
    e[e[a].tail].next = b;
    e[a].tail = e[b].tail;
}

/* Whether a distinct decision names a member of group A and a member of group B. */
static int distinct_between(gp_deduper *d, uint32_t ra, uint32_t rb)
{
    if (!d->distinct.len)
        return 0;
    for (uint32_t x = ra; x != DD_NONE; x = d->ents[x].next)
        for (uint32_t y = rb; y != DD_NONE; y = d->ents[y].next)
            if (gp__dd_vec_find(&d->distinct, gp__dd_pair_key(x, y)))
                return 1;
    return 0;
}

int64_t gp__dd_find_id(const gp_deduper *d, const char *id)
{
    size_t lo = 0, hi = d->nents;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(d->ents[mid].id, id);
        if (c == 0)
            return (int64_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The entity of each id of a decision; unknown ids reported. Returns how many known. */
static size_t decision_ids(gp_deduper *d, const gp_decision *dec, uint32_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < dec->nids; i++) {
        int64_t k = gp__dd_find_id(d, dec->ids[i]);
        if (k >= 0) {
            out[n++] = (uint32_t)k;
            continue;
        }
        d->stats.decisions_unknown++;
        gp_diag g = GP_DIAG_INIT;
        g.severity = GP_SEV_WARNING;
        g.rule_id = "decision.unknown-id";
        g.file = dec->file;
        g.line = dec->id_lines ? dec->id_lines[i] : dec->line;
        g.column = dec->id_columns ? dec->id_columns[i] : dec->column;
        g.record_id = dec->ids[i];
        g.value = dec->ids[i];
        gp_diag_emitf(d->diags, &g, "%s decision names '%s', which no record has; ignored",
                      dec->kind == GP_DECISION_MERGE ? "merge" : "distinct", dec->ids[i]);
    }
    return n;
}

static int add_link(gp_deduper *d, uint32_t a, uint32_t b, double score, int how)
{
    if (d->nlinks == d->links_cap && GP_GROW(d->links, d->links_cap, d->nlinks + 1) != GP_OK)
        return GP_ENOMEM;
    d->links[d->nlinks++] = (dd_link){a < b ? a : b, a < b ? b : a, 0, score, how};
    return GP_OK;
}

static int add_possible(gp_deduper *d, uint32_t a, uint32_t b, double score, const char *note)
{
    if (d->nposs == d->poss_cap && GP_GROW(d->poss, d->poss_cap, d->nposs + 1) != GP_OK)
        return GP_ENOMEM;
    d->poss[d->nposs++] = (dd_possible){0, 0, a, b, score, note};
    return GP_OK;
}

static int line_cmp(const void *x, const void *y)
{
    const gp_decision *a = *(const gp_decision *const *)x, *b = *(const gp_decision *const *)y;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return (a->column > b->column) - (a->column < b->column);
}

/*
 * Curator decisions: the ids of every merge and distinct entry are looked up in the
 * order of the file (unknown ones reported); then the distinct pairs are noted and the
 * merges applied in file order, each refused when a distinct pair would end in one group.
 */
static int apply_decisions(gp_deduper *d)
{
    const gp_decisions *ds = d->opts.decisions;
    size_t n = gp_decisions_count(ds);
    if (!n)
        return GP_OK;
    const gp_decision **order = malloc(n * sizeof *order);
    uint32_t **ids = calloc(n, sizeof *ids);
    size_t *nids = calloc(n, sizeof *nids);
    int rc = order && ids && nids ? GP_OK : GP_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const gp_decision *dec = gp_decisions_get(ds, i);
        if (dec->kind != GP_DECISION_FIX && dec->nids)
            order[m++] = dec;
    }
    if (!rc)
        qsort(order, m, sizeof *order, line_cmp);
    for (size_t i = 0; i < m && !rc; i++) {
        if (!(ids[i] = malloc(order[i]->nids * sizeof **ids)))
            rc = GP_ENOMEM;
        else
            nids[i] = decision_ids(d, order[i], ids[i]);
    }
    for (size_t i = 0; i < m && !rc; i++)
        if (order[i]->kind == GP_DECISION_DISTINCT)
            for (size_t x = 0; x < nids[i] && !rc; x++)
                for (size_t y = x + 1; y < nids[i] && !rc; y++)
                    rc = gp__dd_vec_push(&d->distinct, gp__dd_pair_key(ids[i][x], ids[i][y]));
    if (!rc)
        rc = gp__dd_sorted_unique(&d->distinct);
    for (size_t i = 0; i < m && !rc; i++) {
        const gp_decision *dec = order[i];
        if (dec->kind != GP_DECISION_MERGE)
            continue;
        for (size_t x = 1; x < nids[i] && !rc; x++) {
            uint32_t a = ids[i][0], b = ids[i][x];
            uint32_t ra = find(d->ents, a), rb = find(d->ents, b);
            if (ra == rb)
                continue;
            if (distinct_between(d, ra, rb)) {
                gp_diag g = GP_DIAG_INIT;
                g.severity = GP_SEV_ERROR;
                g.rule_id = "decision.contradiction";
                g.file = dec->file;
                g.line = dec->line;
                g.column = dec->column;
                g.record_id = d->ents[a].id;
                gp_diag_emitf(d->diags, &g,
                              "merge decision joins '%s' and '%s', which a distinct decision "
                              "keeps apart; not merged",
                              d->ents[a].id, d->ents[b].id);
                continue;
            }
            double s;
            rc = gp__dd_pair_score(d, a, b, &s);
            if (!rc)
                rc = add_link(d, a, b, s, DD_LINK_DECISION);
            unite(d->ents, ra, rb);
            d->stats.merged_decision++;
        }
    }
    for (size_t i = 0; ids && i < m; i++)
        free(ids[i]);
    free(ids);
    free(nids);
    free(order);
    return rc;
}

/* Whether every member of one group scores at least `review` with every member of the
 * other; the first pair that does not is returned in *x, *y, *s. */
static int guard(gp_deduper *d, uint32_t ra, uint32_t rb, uint32_t *x, uint32_t *y, double *s)
{
    if ((uint64_t)d->ents[ra].size * d->ents[rb].size > GUARD_MAX_PAIRS) {
        *x = ra;
        *y = rb;
        *s = -1;
        return 0;
    }
    for (uint32_t i = ra; i != DD_NONE; i = d->ents[i].next)
        for (uint32_t j = rb; j != DD_NONE; j = d->ents[j].next) {
            double v;
            if (gp__dd_pair_score(d, i, j, &v) != GP_OK)
                return -1;
            if (v < d->r->review) {
                *x = i;
                *y = j;
                *s = v;
                return 0;
            }
        }
    return 1;
}

typedef struct edge {
    uint16_t score; /* thousandths */
    uint64_t pair;
} edge;

static int edge_cmp(const void *x, const void *y)
{
    const edge *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->pair < b->pair ? -1 : a->pair > b->pair;
}

static int poss_cmp(const void *x, const void *y)
{
    const dd_possible *a = x, *b = y;
    if (a->ca != b->ca)
        return a->ca < b->ca ? -1 : 1;
    if (a->cb != b->cb)
        return a->cb < b->cb ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    uint64_t pa = gp__dd_pair_key(a->a, a->b), pb = gp__dd_pair_key(b->a, b->b);
    return pa < pb ? -1 : pa > pb;
}

static int link_cmp(const void *x, const void *y)
{
    const dd_link *a = x, *b = y;
    if (a->cluster != b->cluster)
        return a->cluster < b->cluster ? -1 : 1;
    uint64_t pa = gp__dd_pair_key(a->a, a->b), pb = gp__dd_pair_key(b->a, b->b);
    return pa < pb ? -1 : pa > pb;
}

int gp__dd_cluster(gp_deduper *d)
{
    const gp_dedup_rules *r = d->r;
    int rc = apply_decisions(d);
    if (rc)
        return rc;
    size_t ne = 0;
    for (size_t i = 0; i < d->npairs; i++)
        ne += d->scores[i] / 1000.0 >= r->merge;
    edge *edges = gp__big_alloc((ne ? ne : 1) * sizeof *edges);
    if (!edges)
        return GP_ENOMEM;
    ne = 0;
    for (size_t i = 0; i < d->npairs; i++)
        if (d->scores[i] / 1000.0 >= r->merge)
            edges[ne++] = (edge){d->scores[i], d->pairs[i]};
    qsort(edges, ne, sizeof *edges, edge_cmp);
    for (size_t i = 0; i < ne && !rc; i++) {
        uint32_t a = (uint32_t)(edges[i].pair >> 32), b = (uint32_t)(edges[i].pair & 0xFFFFFFFF);
        uint32_t ra = find(d->ents, a), rb = find(d->ents, b);
        if (ra == rb)
            continue;
        if (distinct_between(d, ra, rb)) {
            d->stats.kept_apart++;
            continue;
        }
        uint32_t x, y;
        double s;
        int ok = guard(d, ra, rb, &x, &y, &s);
        if (ok < 0) {
            rc = GP_ENOMEM;
            break;
        }
        if (!ok) {
            d->stats.kept_apart++;
            gp_buf note = GP_BUF_INIT;
            if (s < 0)
                gp_buf_printf(&note,
                              "not merged: the groups of '%s' and '%s' are too large "
                              "to check every pair",
                              d->ents[a].id, d->ents[b].id);
            else
                gp_buf_printf(&note,
                              "not merged: '%s' and '%s', in the groups it would join, "
                              "score only %.3f, below review",
                              d->ents[x].id, d->ents[y].id, s);
            const char *text = note.oom ? NULL : gp_arena_strdup(d->arena, gp_buf_str(&note));
            gp_buf_free(&note);
            if (!text || add_possible(d, a, b, edges[i].score / 1000.0, text) != GP_OK)
                rc = GP_ENOMEM;
            continue;
        }
        rc = add_link(d, a, b, edges[i].score / 1000.0, DD_LINK_SCORE);
        unite(d->ents, ra, rb);
        d->stats.merged_score++;
    }
    free(edges);
    for (size_t i = 0; i < d->npairs && !rc; i++)
        if (d->scores[i] / 1000.0 >= r->review && d->scores[i] / 1000.0 < r->merge)
            rc = add_possible(d, (uint32_t)(d->pairs[i] >> 32),
                              (uint32_t)(d->pairs[i] & 0xFFFFFFFF), d->scores[i] / 1000.0, NULL);
    if (rc)
        return rc;

    /* The id of each group is its smallest member: entities are in id order. */
    for (size_t i = 0; i < d->nents; i++)
        d->cid[i] = DD_NONE;
    for (size_t i = 0; i < d->nents; i++) {
        uint32_t root = find(d->ents, (uint32_t)i);
        if (d->cid[root] == DD_NONE || d->cid[root] > i)
            d->cid[root] = (uint32_t)i;
    }
    for (size_t i = 0; i < d->nents; i++)
        d->cid[i] = d->cid[find(d->ents, (uint32_t)i)];
    for (size_t i = 0; i < d->nents; i++) /* flat: the writers only read the roots */
        d->ents[i].parent = find(d->ents, (uint32_t)i);
    d->stats.records_out = 0;
    for (size_t i = 0; i < d->nents; i++)
        d->stats.records_out += d->cid[i] == i;

    for (size_t i = 0; i < d->distinct.len && !rc; i++) {
        uint32_t x = d->cid[d->distinct.v[i] >> 32], y = d->cid[d->distinct.v[i] & 0xFFFFFFFF];
        rc = gp__dd_vec_push(&d->distinct_clusters, gp__dd_pair_key(x, y));
    }
    if (!rc)
        rc = gp__dd_sorted_unique(&d->distinct_clusters);
    size_t k = 0;
    for (size_t i = 0; i < d->nposs; i++) {
        dd_possible p = d->poss[i];
        p.ca = d->cid[p.a];
        p.cb = d->cid[p.b];
        if (p.ca == p.cb || gp__dd_vec_find(&d->distinct_clusters, gp__dd_pair_key(p.ca, p.cb)))
            continue;
        if (p.ca > p.cb) {
            uint32_t t = p.ca;
            p.ca = p.cb;
            p.cb = t;
            t = p.a;
            p.a = p.b;
            p.b = t;
        }
        d->poss[k++] = p;
    }
    if (k > 1)
        qsort(d->poss, k, sizeof *d->poss, poss_cmp);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || d->poss[u - 1].ca != d->poss[i].ca || d->poss[u - 1].cb != d->poss[i].cb)
            d->poss[u++] = d->poss[i];
    d->nposs = u;
    d->stats.possible_duplicates = u;
    for (size_t i = 0; i < d->nlinks; i++)
        d->links[i].cluster = d->cid[d->links[i].a];
    if (d->nlinks > 1)
        qsort(d->links, d->nlinks, sizeof *d->links, link_cmp);
    return rc;
}
