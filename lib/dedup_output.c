/*
 * lib/dedup_output.c - phase 7 of gp-dedup: the dataset, the clusters and findings.
 *
 * Groups are handed out in the order of their id: the workers merge a window of
 * groups (merge policy, lib/dedup_merge.c) and re-normalise them, then the caller's
 * thread writes each line, its cluster (members, links with their score parts,
 * conflicts) and possible duplicates, and reports conflicts and possible duplicates
 * as findings. gp_dedup_cluster_write_json writes a cluster as the clusters file has it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup_impl.h"

/* ---- 7. output ---- */

/* Parts of a score, in the order of the names (as the JSON object has them). */
static size_t score_parts(const gp_dedup_rules *r, const dd_score *s, gp_dedup_part *out)
{
    size_t n = 0;
    for (int p = 0; p < GP_DD_TEXT_PARTS; p++)
        if (s->has[p])
            out[n++] = (gp_dedup_part){gp__dd_text_part_name(p), 0, s->sim[p], r->weight[p]};
    for (int p = 0; p < GP_DD_FACTOR_PARTS; p++)
        if (s->has_factor[p])
            out[n++] = (gp_dedup_part){gp__dd_factor_part_name(p), 1, s->factor[p], 0};
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(out[j - 1].name, out[j].name) > 0; j--) {
            gp_dedup_part t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* A link with its parts, in the arena. */
static int make_link(gp_deduper *d, uint32_t a, uint32_t b, const char *how, gp_arena *arena,
                     gp_dedup_link *out)
{
    dd_score s;
    int rc = gp__dd_score(&d->workers[0], d->r, &d->ents[a], &d->ents[b], 0, &s);
    if (rc)
        return rc;
    gp_dedup_part *parts =
        gp_arena_alloc(arena, (GP_DD_TEXT_PARTS + GP_DD_FACTOR_PARTS) * sizeof *parts);
    if (!parts)
        return GP_ENOMEM;
    *out = (gp_dedup_link){d->ents[a].id, d->ents[b].id, how,
                           s.score,       parts,         score_parts(d->r, &s, parts)};
    return GP_OK;
}

/* A member: an entity with the sources of its records (from its line). */
static int make_member(gp_deduper *d, uint32_t e, gp_arena *arena, gp_dedup_member *out)
{
    gp_record *rec = gp_arena_alloc(arena, sizeof *rec);
    if (!rec)
        return GP_ENOMEM;
    int rc = gp__dd_entity_record(d, e, arena, rec);
    if (rc)
        return rc;
    *out = (gp_dedup_member){d->ents[e].id, d->ents[e].nrecs, rec->sources, rec->nsources};
    return GP_OK;
}

static const gp_dedup_conflict *convert_conflicts(const dd_merged *m, gp_arena *arena)
{
    gp_dedup_conflict *out = gp_arena_alloc(arena, (m->nconflicts + 1) * sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < m->nconflicts; i++) {
        const dd_conflict *c = &m->conflicts[i];
        gp_dedup_value *vals = gp_arena_alloc(arena, c->nvalues * sizeof *vals);
        if (!vals)
            return NULL;
        for (size_t k = 0; k < c->nvalues; k++)
            vals[k] = (gp_dedup_value){c->values[k].text, c->values[k].ids, c->values[k].nids,
                                       c->values[k].sources, c->values[k].nsources};
        out[i] = (gp_dedup_conflict){gp_field_name(c->field), c->values[c->chosen].text, vals,
                                     c->nvalues};
    }
    return out;
}

/* Fields where two records both have a value and the values differ. */
static int differences(gp_deduper *d, uint32_t a, uint32_t b, gp_arena *arena,
                       const gp_dedup_conflict **out, size_t *nout)
{
    uint32_t ids[2] = {a, b};
    gp_record *recs[2];
    for (int i = 0; i < 2; i++) {
        recs[i] = gp_arena_alloc(arena, sizeof *recs[i]);
        if (!recs[i])
            return GP_ENOMEM;
        int rc = gp__dd_entity_record(d, ids[i], arena, recs[i]);
        if (rc)
            return rc;
    }
    gp_dedup_conflict *c = gp_arena_alloc(arena, GP_DD_SCALARS * sizeof *c);
    if (!c)
        return GP_ENOMEM;
    size_t n = 0;
    for (size_t s = 0; s < GP_DD_SCALARS; s++) {
        gp_field f = gp__dd_scalar_fields[s];
        const char *v[2];
        for (int i = 0; i < 2; i++) {
            if (gp_field_is_year(f)) {
                int y = gp_record_year(recs[i], f)->value;
                char num[16];
                snprintf(num, sizeof num, "%d", y);
                v[i] = y > 0 ? gp_arena_strdup(arena, num) : NULL;
            } else {
                v[i] = gp_record_get(recs[i], f);
            }
        }
        if (!v[0] || !v[1] || strcmp(v[0], v[1]) == 0)
            continue;
        gp_dedup_value *vals = gp_arena_alloc(arena, 2 * sizeof *vals);
        const char **idv = gp_arena_alloc(arena, 2 * sizeof *idv);
        if (!vals || !idv)
            return GP_ENOMEM;
        int first = strcmp(v[0], v[1]) < 0 ? 0 : 1;
        for (int i = 0; i < 2; i++) {
            int src = i == 0 ? first : 1 - first;
            idv[i] = d->ents[ids[src]].id;
            vals[i] = (gp_dedup_value){v[src], &idv[i], 1, recs[src]->sources, recs[src]->nsources};
        }
        c[n++] = (gp_dedup_conflict){gp_field_name(f), NULL, vals, 2};
    }
    *out = c;
    *nout = n;
    return GP_OK;
}

static void put_clipped(gp_buf *b, const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max) {
        gp_buf_puts(b, s);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    gp_buf_put(b, s, max);
    gp_buf_puts(b, "...");
}

static int report_conflicts(gp_deduper *d, gp_diag_sink *sink, const gp_dedup_cluster *c)
{
    gp_buf msg = GP_BUF_INIT;
    int rc = GP_OK;
    for (size_t i = 0; i < c->nconflicts && !rc; i++) {
        const gp_dedup_conflict *cf = &c->conflicts[i];
        gp_buf_reset(&msg);
        gp_buf_printf(&msg, "records merged into '%s' disagree on %s: ", c->id, cf->field);
        for (size_t k = 0; k < cf->nvalues; k++) {
            const gp_dedup_value *v = &cf->values[k];
            if (k)
                gp_buf_puts(&msg, ", ");
            gp_buf_putc(&msg, '\'');
            put_clipped(&msg, v->value, 40);
            gp_buf_puts(&msg, "' from ");
            for (size_t j = 0; j < v->nsources; j++)
                gp_buf_printf(&msg, "%s%s:%ld", j ? " and " : "",
                              v->sources[j].file ? v->sources[j].file : "-", v->sources[j].line);
            if (v->nsources == 0)
                for (size_t j = 0; j < v->nids; j++)
                    gp_buf_printf(&msg, "%s'%s'", j ? " and " : "", v->ids[j]);
            if (v->value == cf->chosen || strcmp(v->value, cf->chosen) == 0)
                gp_buf_puts(&msg, " (kept)");
        }
        if (gp_buf_error(&msg)) {
            rc = GP_ENOMEM;
            break;
        }
        gp_diag g = GP_DIAG_INIT;
        g.severity = GP_SEV_WARNING;
        g.rule_id = "record.conflict";
        g.file = c->source ? c->source->file : NULL;
        g.line = c->source ? c->source->line : 0;
        g.record_id = c->id;
        char ptr[32];
        snprintf(ptr, sizeof ptr, "/%s", cf->field);
        g.pointer = ptr;
        /* the field, not the message with its lines: baselines must survive moved records */
        g.value = cf->field;
        g.message = gp_buf_str(&msg);
        gp_diag_emit(sink, &g);
    }
    gp_buf_free(&msg);
    (void)d;
    return rc;
}

static int report_possible(gp_deduper *d, gp_diag_sink *sink, const gp_dedup_cluster *c)
{
    gp_buf msg = GP_BUF_INIT;
    const gp_dedup_link *l = &c->links[0];
    gp_buf_printf(&msg, "possible duplicate of '%s', score ", c->other_id);
    gp__dd_put_number(&msg, l->score);
    gp_buf_puts(&msg, " (");
    int first = 1;
    for (size_t i = 0; i < l->nparts; i++) {
        const gp_dedup_part *p = &l->parts[i];
        if (p->is_factor && p->value >= 1.0)
            continue;
        gp_buf_puts(&msg, first ? "" : ", ");
        first = 0;
        if (p->is_factor) {
            gp_buf_printf(&msg, "%s differs x", p->name);
            gp__dd_put_number(&msg, p->value);
        } else {
            gp_buf_printf(&msg, "%s ", p->name);
            gp__dd_put_number(&msg, p->value);
        }
    }
    gp_buf_puts(&msg, ")");
    if (c->nconflicts) {
        gp_buf_puts(&msg, "; fields that disagree: ");
        for (size_t i = 0; i < c->nconflicts; i++)
            gp_buf_printf(&msg, "%s%s", i ? ", " : "", c->conflicts[i].field);
    }
    if (c->note)
        gp_buf_printf(&msg, "; %s", c->note);
    int rc = gp_buf_error(&msg);
    if (!rc) {
        gp_diag g = GP_DIAG_INIT;
        g.severity = GP_SEV_WARNING;
        g.rule_id = "record.possible-duplicate";
        g.file = c->source ? c->source->file : NULL;
        g.line = c->source ? c->source->line : 0;
        g.record_id = c->id;
        g.value = c->other_id;
        g.message = gp_buf_str(&msg);
        gp_diag_emit(sink, &g);
    }
    gp_buf_free(&msg);
    (void)d;
    return rc;
}

static int uint32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct walk {
    gp_deduper *d;
    const gp_dedup_output *out;
    size_t link; /* next link to hand out */
    size_t poss; /* next possible duplicate */
} walk;

static int emit_possibles(walk *w, uint32_t c, const gp_source *source)
{
    gp_deduper *d = w->d;
    const gp_dedup_output *out = w->out;
    int rc = GP_OK;
    while (!rc && w->poss < d->nposs && d->poss[w->poss].ca == c) {
        const dd_possible *p = &d->poss[w->poss++];
        if (!out->clusters && !out->findings)
            continue;
        gp_arena_reset(d->tmp);
        gp_dedup_member *m = gp_arena_alloc(d->tmp, 2 * sizeof *m);
        gp_dedup_link *l = gp_arena_alloc(d->tmp, sizeof *l);
        if (!m || !l)
            return GP_ENOMEM;
        gp_dedup_cluster cl = {GP_DEDUP_POSSIBLE,
                               d->ents[p->ca].id,
                               d->ents[p->cb].id,
                               source,
                               m,
                               2,
                               l,
                               1,
                               NULL,
                               0,
                               p->note};
        rc = make_member(d, p->a, d->tmp, &m[0]);
        if (!rc)
            rc = make_member(d, p->b, d->tmp, &m[1]);
        if (!rc)
            rc = make_link(d, p->a, p->b, "review", d->tmp, l);
        if (!rc)
            rc = differences(d, p->a, p->b, d->tmp, &cl.conflicts, &cl.nconflicts);
        if (!rc && out->clusters)
            rc = out->clusters(out->clusters_ctx, &cl);
        if (!rc && out->findings)
            rc = report_possible(d, out->findings, &cl);
    }
    return rc;
}

/* Copies a source's strings out of the group arena (they outlive it). */
static int keep_source(gp_deduper *d, gp_source *s)
{
    if (s->file && !(s->file = gp_arena_strdup(d->arena, s->file)))
        return GP_ENOMEM;
    if (s->format && !(s->format = gp_arena_strdup(d->arena, s->format)))
        return GP_ENOMEM;
    return GP_OK;
}

/* A group made ready for writing by a worker: its members and, when it has several
 * records, its merged record's line and its conflicts. */
typedef struct rendered {
    uint32_t *mem;
    size_t nm;
    int merged;       /* several records: `m` and `members` are set */
    const char *line; /* the dataset's line, with its newline */
    size_t len;
    dd_merged m;
    gp_dedup_member *members; /* when the window wants them */
} rendered;

typedef struct window {
    const uint32_t *groups;
    rendered *out;
    int members; /* clusters or findings are written: members of merged groups */
} window;

/* The root of x; reads only (the paths are flattened after clustering). */
static uint32_t root_of(const dd_ent *e, uint32_t x)
{
    while (e[x].parent != x)
        x = e[x].parent;
    return x;
}

/* The members of a merged group from its records parsed (as make_member has them). */
static int members_of(gp_deduper *d, rendered *r, gp_record *const *recs, gp_arena *arena)
{
    r->members = gp_arena_alloc(arena, r->nm * sizeof *r->members);
    if (!r->members)
        return GP_ENOMEM;
    size_t at = 0;
    for (size_t k = 0; k < r->nm; k++) {
        const dd_ent *e = &d->ents[r->mem[k]];
        const gp_record *rec = recs[at];
        dd_merged m;
        if (e->nrecs > 1) {
            int rc = gp__dd_merge(d->r, recs + at, e->nrecs, arena, 0, &m);
            if (rc)
                return rc;
            rec = &m.rec;
        }
        r->members[k] = (gp_dedup_member){e->id, e->nrecs, rec->sources, rec->nsources};
        at += e->nrecs;
    }
    return GP_OK;
}

static int render_range(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx)
{
    window *win = ctx;
    for (size_t i = lo; i < hi; i++) {
        uint32_t c = win->groups[i];
        rendered *r = &win->out[i];
        memset(r, 0, sizeof *r);
        const dd_ent *root = &d->ents[root_of(d->ents, c)];
        r->mem = gp_arena_alloc(w->render, root->size * sizeof *r->mem);
        if (!r->mem)
            return GP_ENOMEM;
        for (uint32_t x = (uint32_t)(root - d->ents); x != DD_NONE; x = d->ents[x].next)
            r->mem[r->nm++] = x;
        qsort(r->mem, r->nm, sizeof *r->mem, uint32_cmp);
        if (r->nm == 1 && d->ents[c].nrecs == 1) {
            /* its canonical line as it is, read here rather than in the writing thread */
            const dd_rec *line = &d->recs[d->ents[c].first];
            int rc = gp__dd_rec_line_nl(d, line, w->render, &r->line);
            if (rc)
                return rc;
            r->len = (size_t)line->len + 1;
            continue;
        }
        r->merged = 1;
        gp_record **recs;
        size_t n;
        int rc = gp__dd_parse_records(d, r->mem, r->nm, w->render, &recs, &n);
        if (!rc && win->members)
            rc = members_of(d, r, recs, w->render);
        if (!rc)
            rc = gp__dd_merge(d->r, recs, n, w->render, 1, &r->m);
        if (!rc) {
            r->m.rec.id = d->ents[c].id; /* the group's: kept, not computed */
            rc = gp__norm_record_keep_id(w->norm, &r->m.rec);
        }
        if (rc)
            return rc;
        gp_buf_reset(&w->line);
        gp_record_write_json(&r->m.rec, &w->line, 0);
        if (gp_buf_error(&w->line))
            return GP_ENOMEM;
        r->len = w->line.len;
        if (!(r->line = gp_arena_strndup(w->render, w->line.data, w->line.len)))
            return GP_ENOMEM;
        gp__dd_worker_trim(w);
    }
    return GP_OK;
}

/* Writes group `c` (its smallest member), made ready in `r`, and what is reported with it. */
static int emit_group(walk *w, uint32_t c, const rendered *r)
{
    gp_deduper *d = w->d;
    const gp_dedup_output *out = w->out;
    gp_arena_reset(d->tmp);
    const dd_ent *e = &d->ents[c];
    gp_source first = {0};
    int rc = GP_OK;
    if (!r->merged) {
        if (out->dataset)
            rc = out->dataset(out->dataset_ctx, r->line, r->len);
        if (!rc && d->nposs && w->poss < d->nposs && d->poss[w->poss].ca == c) {
            gp_record rec;
            rc = gp__dd_entity_record(d, c, d->tmp, &rec);
            if (!rc && rec.nsources)
                first = rec.sources[0];
            if (!rc)
                rc = keep_source(d, &first);
        }
        return rc ? rc : emit_possibles(w, c, first.file ? &first : NULL);
    }
    const dd_merged *m = &r->m;
    if (out->dataset)
        rc = out->dataset(out->dataset_ctx, r->line, r->len);
    d->stats.conflicts += m->nconflicts;
    for (size_t i = 0; i < m->nconflicts; i++)
        d->stats.conflicts_by_field[m->conflicts[i].field]++;
    if (m->rec.nsources)
        first = m->rec.sources[0];
    size_t nm = r->nm;
    gp_dedup_cluster cl = {
        GP_DEDUP_MERGED, e->id, NULL, first.file ? &first : NULL, NULL, nm, NULL, 0, NULL,
        m->nconflicts,   NULL};
    if (!rc && (out->clusters || out->findings)) {
        gp_dedup_member *mem = r->members;
        size_t nl = 0;
        while (w->link + nl < d->nlinks && d->links[w->link + nl].cluster == c)
            nl++;
        gp_dedup_link *links = gp_arena_alloc(d->tmp, (nl + 1) * sizeof *links);
        cl.conflicts = convert_conflicts(m, d->tmp);
        if (!mem || !links || !cl.conflicts)
            rc = GP_ENOMEM;
        for (size_t i = 0; i < nl && !rc; i++) {
            const dd_link *lr = &d->links[w->link + i];
            rc = make_link(d, lr->a, lr->b, lr->how == DD_LINK_DECISION ? "decision" : "score",
                           d->tmp, &links[i]);
        }
        cl.members = mem;
        cl.links = links;
        cl.nlinks = nl;
        if (!rc && out->clusters)
            rc = out->clusters(out->clusters_ctx, &cl);
        if (!rc && out->findings)
            rc = report_conflicts(d, out->findings, &cl);
    }
    while (w->link < d->nlinks && d->links[w->link].cluster == c)
        w->link++;
    if (rc)
        return rc;
    /* The possible duplicates reuse the arena: keep the first source. */
    if ((rc = keep_source(d, &first)))
        return rc;
    return emit_possibles(w, c, first.file ? &first : NULL);
}

/* A window made ready, written in order by the calling thread. */
typedef struct emit_job {
    walk *w;
    const uint32_t *groups;
    const rendered *ready;
    size_t n;
} emit_job;

static int emit_window(void *ctx)
{
    emit_job *job = ctx;
    int rc = GP_OK;
    for (size_t k = 0; k < job->n && !rc; k++)
        rc = emit_group(job->w, job->groups[k], &job->ready[k]);
    return rc;
}

/*
 * Groups are written in windows: the workers merge and normalise the groups of a window
 * (each with a normaliser of its own) while this thread writes the window before, in
 * order, then joins them. So each worker has two render arenas, the window's and the
 * one before's. The buckets of the window are loaded before it: the window being
 * written reads a line (a possible duplicate's source) from the spill file when its
 * bucket is gone.
 */
int gp_dedup_write(gp_deduper *d, const gp_dedup_output *out)
{
    if (!d->ran)
        return GP_EINVAL;
    d->stats.conflicts = 0;
    memset(d->stats.conflicts_by_field, 0, sizeof d->stats.conflicts_by_field);
    walk w = {d, out, 0, 0};
    int threads = 0; /* the workers that have a normaliser (the first always has) */
    while (threads < d->nthreads && d->workers[threads].norm)
        threads++;
    enum { WINDOW = 4096 };
    uint32_t *groups[2] = {malloc(WINDOW * sizeof *groups[0]), malloc(WINDOW * sizeof *groups[0])};
    rendered *ready[2] = {malloc(WINDOW * sizeof *ready[0]), malloc(WINDOW * sizeof *ready[0])};
    int rc = groups[0] && groups[1] && ready[0] && ready[1] ? GP_OK : GP_ENOMEM;
    size_t done = 0, before = 0; /* before: groups of the window before, still to write */
    int cur = 0;
    for (size_t i = 0; !rc;) {
        size_t n = 0;
        for (; i < d->nents && n < WINDOW; i++)
            if (d->cid[i] == i)
                groups[cur][n++] = (uint32_t)i;
        if (n == 0 && before == 0)
            break;
        for (int k = 0; k < d->nthreads; k++) {
            dd_worker *wk = &d->workers[k];
            gp_arena *t = wk->render;
            wk->render = wk->render_alt; /* the window before's stays until it is written */
            wk->render_alt = t;
            gp_arena_reset(wk->render);
        }
        window win = {groups[cur], ready[cur], out->clusters || out->findings};
        /* the lines of the window's entities at once (but members may be anywhere) */
        if (n)
            rc = gp__dd_buckets_load(d, groups[cur][0], groups[cur][n - 1]);
        emit_job job = {&w, groups[1 - cur], ready[1 - cur], before};
        if (!rc)
            rc = gp__dd_parallel_beside(d, NULL, n, DD_PAR_CHUNK, render_range, &win, threads,
                                        emit_window, &job);
        done += before;
        if (before)
            gp__dd_progress(d, "writing", done, d->stats.records_out);
        before = n;
        cur = 1 - cur;
    }
    for (int k = 0; k < d->nthreads; k++) {
        gp_arena_reset(d->workers[k].render);
        gp_arena_reset(d->workers[k].render_alt);
    }
    int unload = gp__dd_buckets_load(d, UINT32_MAX, UINT32_MAX);
    rc = rc ? rc : unload;
    for (int k = 0; k < 2; k++) {
        free(groups[k]);
        free(ready[k]);
    }
    return rc;
}

/* ---- the clusters file ---- */

static void put_source(gp_buf *b, const gp_source *s)
{
    gp_buf_puts(b, "{\"file\":");
    if (s->file)
        gp_json_write_string(b, s->file, strlen(s->file));
    else
        gp_buf_puts(b, "null");
    gp_buf_puts(b, ",\"format\":");
    if (s->format)
        gp_json_write_string(b, s->format, strlen(s->format));
    else
        gp_buf_puts(b, "null");
    gp_buf_puts(b, ",\"line\":");
    gp_buf_put_long(b, s->line);
    gp_buf_putc(b, '}');
}

static void put_str(gp_buf *b, const char *s)
{
    if (s)
        gp_json_write_string(b, s, strlen(s));
    else
        gp_buf_puts(b, "null");
}

void gp_dedup_cluster_write_json(const gp_dedup_cluster *c, gp_buf *b)
{
    gp_buf_puts(b, "{\"conflicts\":[");
    for (size_t i = 0; i < c->nconflicts; i++) {
        const gp_dedup_conflict *cf = &c->conflicts[i];
        gp_buf_puts(b, i ? ",{\"chosen\":" : "{\"chosen\":");
        put_str(b, cf->chosen);
        gp_buf_puts(b, ",\"field\":");
        put_str(b, cf->field);
        gp_buf_puts(b, ",\"values\":[");
        for (size_t k = 0; k < cf->nvalues; k++) {
            gp_buf_puts(b, k ? ",{\"ids\":[" : "{\"ids\":[");
            for (size_t j = 0; j < cf->values[k].nids; j++) {
                if (j)
                    gp_buf_putc(b, ',');
                put_str(b, cf->values[k].ids[j]);
            }
            gp_buf_puts(b, "],\"sources\":[");
            for (size_t j = 0; j < cf->values[k].nsources; j++) {
                if (j)
                    gp_buf_putc(b, ',');
                put_source(b, &cf->values[k].sources[j]);
            }
            gp_buf_puts(b, "],\"value\":");
            put_str(b, cf->values[k].value);
            gp_buf_putc(b, '}');
        }
        gp_buf_puts(b, "]}");
    }
    gp_buf_puts(b, "],\"id\":");
    put_str(b, c->id);
    gp_buf_puts(b, ",\"kind\":");
    put_str(b, c->kind == GP_DEDUP_MERGED ? "merged" : "possible-duplicate");
    gp_buf_puts(b, ",\"links\":[");
    for (size_t i = 0; i < c->nlinks; i++) {
        const gp_dedup_link *l = &c->links[i];
        gp_buf_puts(b, i ? ",{\"how\":" : "{\"how\":");
        put_str(b, l->how);
        gp_buf_puts(b, ",\"ids\":[");
        put_str(b, l->a);
        gp_buf_putc(b, ',');
        put_str(b, l->b);
        gp_buf_puts(b, "],\"parts\":{");
        for (size_t k = 0; k < l->nparts; k++) {
            const gp_dedup_part *p = &l->parts[k];
            if (k)
                gp_buf_putc(b, ',');
            put_str(b, p->name);
            if (p->is_factor) {
                gp_buf_puts(b, ":{\"factor\":");
                gp__dd_put_number(b, p->value);
            } else {
                gp_buf_puts(b, ":{\"similarity\":");
                gp__dd_put_number(b, p->value);
                gp_buf_puts(b, ",\"weight\":");
                gp__dd_put_number(b, p->weight);
            }
            gp_buf_putc(b, '}');
        }
        gp_buf_puts(b, "},\"score\":");
        gp__dd_put_number(b, l->score);
        gp_buf_putc(b, '}');
    }
    gp_buf_puts(b, "],\"members\":[");
    for (size_t i = 0; i < c->nmembers; i++) {
        const gp_dedup_member *m = &c->members[i];
        gp_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        put_str(b, m->id);
        gp_buf_puts(b, ",\"records\":");
        gp_buf_put_long(b, (long)m->records);
        gp_buf_puts(b, ",\"sources\":[");
        for (size_t k = 0; k < m->nsources; k++) {
            if (k)
                gp_buf_putc(b, ',');
            put_source(b, &m->sources[k]);
        }
        gp_buf_puts(b, "]}");
    }
    gp_buf_puts(b, "],\"note\":");
    put_str(b, c->note);
    gp_buf_puts(b, ",\"other_id\":");
    put_str(b, c->other_id);
    gp_buf_puts(b, "}\n");
}
