/*
 * lib/report.c - reading what gp-report shows, and the page's JSON data.
 *
 * The findings and clusters files are JSON Lines read with gp_input (so invalid UTF-8 and
 * binary files are reported as everywhere) and parsed line by line with jansson; a line
 * that is not what the file claims to hold stops the page (report.input-invalid, with
 * its place), since a page built from half a file would mislead. Findings are kept
 * compact (rule ids and files interned); clusters are kept as the JSON objects they are,
 * since the page shows every part of them. The dataset is read with the JSON Lines
 * extractor; of each record only its country and years are counted, and only the records
 * the page shows in full (both records of a possible duplicate, records a finding
 * proposes to fix) are kept, as canonical JSON.
 *
 * The data is embedded in the page once, as one JSON document; see gp__report_data.
 */
#include "gpkit/report.h"

#include <stdlib.h>
#include <string.h>

#include "gpkit/extract.h"
#include "gpkit/input.h"
#include "gpkit/lint.h"
#include "gpkit/record.h"
#include "report_impl.h"

#define MAX_PROBLEMS 10 /* bad lines reported per file before giving up on it */

int gp__rp_tab_add(rp_tab *t, const char *s, size_t count)
{
    if (!t->map && gp_map_new(&t->map) != GP_OK)
        return -1;
    void **slot;
    int rc = gp_map_upsert(t->map, s, strlen(s), &slot);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        size_t i = (size_t)(uintptr_t)*slot - 1;
        t->counts[i] += count;
        return (int)i;
    }
    if (GP_GROW(t->items, t->cap, t->len + 1) != GP_OK)
        return -1;
    size_t cap = t->cap;
    size_t *counts = realloc(t->counts, cap * sizeof *counts);
    if (!counts)
        return -1;
    t->counts = counts;
    t->items[t->len] = gp__strdup(s);
    if (!t->items[t->len])
        return -1;
    t->counts[t->len] = count;
    *slot = (void *)(uintptr_t)(t->len + 1);
    return (int)t->len++;
}

static void tab_free(rp_tab *t)
{
    for (size_t i = 0; i < t->len; i++)
        free(t->items[i]);
    free(t->items);
    free(t->counts);
    gp_map_free(t->map);
}

/* ---- reading JSON Lines ---- */

typedef struct jreader {
    gp_report *r;
    gp_diag_sink *diags;
    const char *what; /* "a gp-lint finding (gp-lint --format=json)" */
    const char *file;
    long line;
    int problems;
    size_t good; /* lines read as what the file claims */
} jreader;

static int bad(jreader *j, long column, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reports that the current line is not what the file claims. Returns GP_EINPUT. */
static int bad(jreader *j, long column, const char *fmt, ...)
{
    gp_buf msg = GP_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    gp_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    gp_diag d = GP_DIAG_INIT;
    d.severity = GP_SEV_ERROR;
    d.rule_id = "report.input-invalid";
    d.file = j->file;
    d.line = j->line;
    d.column = column;
    gp_diag_emitf(j->diags, &d, "line is not %s: %s", j->what, gp_buf_str(&msg));
    gp_buf_free(&msg);
    j->problems++;
    return GP_EINPUT;
}

/* A member that must be a string (or, with `nullable`, null or absent). */
static int want_string(jreader *j, json_t *o, const char *key, int nullable, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (json_is_string(v)) {
        *out = json_string_value(v);
        return GP_OK;
    }
    if (nullable && (!v || json_is_null(v)))
        return GP_OK;
    if (!v)
        return bad(j, 1, "no '%s' key", key);
    return bad(j, 1, "'%s' is not a string%s", key, nullable ? " or null" : "");
}

static int want_number(jreader *j, json_t *o, const char *key, long *out)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (long)json_integer_value(v);
        return GP_OK;
    }
    if (!v || json_is_null(v))
        return GP_OK;
    return bad(j, 1, "'%s' is not a positive number or null", key);
}

/* A variants finding's "cluster" (docs/findings.schema.json), checked so the page need not. */
static int want_cluster(jreader *j, json_t *o, json_t **out)
{
    json_t *c = json_object_get(o, "cluster");
    *out = NULL;
    if (!c || json_is_null(c))
        return GP_OK;
    json_t *members = json_object_get(c, "members");
    json_t *scope = json_object_get(c, "scope");
    if (!json_is_object(c) || !json_is_array(members) || !json_array_size(members) ||
        !json_is_string(json_object_get(c, "proposed")) ||
        !json_is_boolean(json_object_get(c, "proposed_known")) ||
        !(json_is_string(scope) || json_is_null(scope)))
        return bad(j, 1,
                   "'cluster' is not an object with members, proposed, proposed_known "
                   "and scope");
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
    {
        json_t *count = json_object_get(m, "count");
        if (!json_is_string(json_object_get(m, "value")) || !json_is_integer(count) ||
            json_integer_value(count) < 0 || !json_is_boolean(json_object_get(m, "known")))
            return bad(j, 1, "member %zu of 'cluster' is not {value, count, known}", i + 1);
    }
    *out = json_incref(c);
    return GP_OK;
}

typedef int (*jline_fn)(jreader *j, json_t *obj);

static int read_jsonl(gp_report *r, const char *path, const char *what, gp_diag_sink *diags,
                      jline_fn fn)
{
    gp_input *in = NULL;
    int rc = gp_input_open(&in, path, NULL, diags);
    if (rc)
        return rc;
    jreader j = {r, diags, what, gp_input_name(in), 0, 0, 0};
    size_t errors = diags->count[GP_SEV_ERROR];
    gp_line line;
    int got;
    int result = GP_OK;
    while ((got = gp_input_next_line(in, &line)) == 1) {
        j.line = line.number;
        if (gp__is_blank(line.text, line.len))
            continue;
        json_error_t err;
        json_t *obj = json_loadb(line.text, line.len, JSON_REJECT_DUPLICATES, &err);
        if (!obj) {
            result = bad(&j, err.column > 0 ? err.column : 1, "%s", err.text);
        } else if (!json_is_object(obj)) {
            result = bad(&j, 1, "not a JSON object");
        } else {
            rc = fn(&j, obj);
            if (rc == GP_ENOMEM) {
                json_decref(obj);
                gp_input_close(in);
                return rc;
            }
            if (rc)
                result = rc;
            else
                j.good++;
        }
        json_decref(obj);
        if (j.problems && !j.good)
            break; /* the first line already says the file holds something else */
        if (j.problems >= MAX_PROBLEMS) {
            gp_diag_report(diags, GP_SEV_ERROR, "report.input-invalid", j.file, 0, 0,
                           "too many lines that are not %s; stopped reading", what);
            break;
        }
    }
    if (got < 0)
        result = got == GP_ENOMEM ? GP_ENOMEM : GP_EINPUT;
    if (!result && diags->count[GP_SEV_ERROR] > errors)
        result = GP_EINPUT; /* invalid UTF-8, NUL bytes: the page would show damaged text */
    gp_input_close(in);
    return result;
}

/* ---- findings ---- */

static int add_rule_level(gp_report *r, int rule, gp_severity level)
{
    for (size_t i = 0; i < r->nrule_levels; i++)
        if (r->rule_levels[i].rule == rule && r->rule_levels[i].level == level) {
            r->rule_levels[i].count++;
            return GP_OK;
        }
    if (GP_GROW(r->rule_levels, r->rule_levels_cap, r->nrule_levels + 1) != GP_OK)
        return GP_ENOMEM;
    r->rule_levels[r->nrule_levels++] = (rp_rule_level){rule, level, 1};
    return GP_OK;
}

static int on_finding(jreader *j, json_t *o)
{
    gp_report *r = j->r;
    const char *rule, *level, *message, *file, *rid, *pointer, *value, *fix;
    long line, column;
    int rc = want_string(j, o, "rule", 0, &rule);
    if (!rc)
        rc = want_string(j, o, "level", 0, &level);
    if (!rc)
        rc = want_string(j, o, "message", 0, &message);
    if (!rc)
        rc = want_string(j, o, "file", 1, &file);
    if (!rc)
        rc = want_number(j, o, "line", &line);
    if (!rc)
        rc = want_number(j, o, "column", &column);
    if (!rc)
        rc = want_string(j, o, "record_id", 1, &rid);
    if (!rc)
        rc = want_string(j, o, "pointer", 1, &pointer);
    if (!rc)
        rc = want_string(j, o, "value", 1, &value);
    if (!rc)
        rc = want_string(j, o, "fix", 1, &fix);
    json_t *cluster = NULL;
    if (!rc)
        rc = want_cluster(j, o, &cluster);
    if (rc)
        return rc;
    gp_severity sev;
    if (gp_severity_parse(level, &sev) != 0 || sev == GP_SEV_OFF) {
        json_decref(cluster);
        return bad(j, 1, "'level' is '%s', not error, warning or info", level);
    }
    if (GP_GROW(r->findings, r->findings_cap, r->nfindings + 1) != GP_OK) {
        json_decref(cluster);
        return GP_ENOMEM;
    }
    rp_finding *f = &r->findings[r->nfindings++];
    memset(f, 0, sizeof *f);
    f->cluster = cluster;
    f->rule = gp__rp_tab_add(&r->rules, rule, 1);
    f->file = file ? gp__rp_tab_add(&r->files, file, 1) : -1;
    f->country = -1;
    f->level = sev;
    f->line = line;
    f->column = column;
    f->message = gp__strdup(message);
    f->record_id = gp__strdup(rid);
    f->pointer = gp__strdup(pointer);
    f->value = gp__strdup(value);
    f->fix = gp__strdup(fix);
    if (f->rule < 0 || (file && f->file < 0) || !f->message || (rid && !f->record_id) ||
        (pointer && !f->pointer) || (value && !f->value) || (fix && !f->fix))
        return GP_ENOMEM;
    return add_rule_level(r, f->rule, sev);
}

/* ---- clusters ---- */

static int on_cluster(jreader *j, json_t *o)
{
    gp_report *r = j->r;
    const char *kind, *id, *other = NULL;
    int rc = want_string(j, o, "kind", 0, &kind);
    if (!rc)
        rc = want_string(j, o, "id", 0, &id);
    if (rc)
        return rc;
    int possible = strcmp(kind, "possible-duplicate") == 0;
    if (!possible && strcmp(kind, "merged") != 0)
        return bad(j, 1, "'kind' is '%s', not merged or possible-duplicate", kind);
    if (possible && (rc = want_string(j, o, "other_id", 0, &other)))
        return rc;
    static const char *const lists[] = {"members", "links", "conflicts"};
    for (size_t i = 0; i < GP_ARRAY_LEN(lists); i++)
        if (!json_is_array(json_object_get(o, lists[i])))
            return bad(j, 1, "'%s' is not a list", lists[i]);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(o, "members"), i, m)
    {
        const char *mid;
        if (!json_is_object(m))
            return bad(j, 1, "a member is not an object");
        if ((rc = want_string(j, m, "id", 0, &mid)))
            return rc;
        json_t *n = json_object_get(m, "records");
        if (!json_is_integer(n) || json_integer_value(n) < 1)
            return bad(j, 1, "a member has no 'records' count");
        if (!possible)
            r->merged_away += (size_t)json_integer_value(n);
        if (!possible && strcmp(mid, id) != 0 &&
            gp_map_put(r->member_of, mid, strlen(mid), (void *)id) != GP_OK)
            return GP_ENOMEM;
    }
    if (!possible && r->merged_away)
        r->merged_away--; /* the group's own record */
    json_t *l;
    json_array_foreach(json_object_get(o, "links"), i, l)
    {
        if (!json_is_object(l) || !json_is_number(json_object_get(l, "score")))
            return bad(j, 1, "a link has no 'score'");
    }
    if (possible) {
        const char *ids[2] = {id, other};
        for (int k = 0; k < 2; k++) {
            void **slot;
            if (gp_map_upsert(r->need, ids[k], strlen(ids[k]), &slot) < 0)
                return GP_ENOMEM;
        }
    }
    /* keep it: the ids stay valid since `member_of` borrows from the kept object */
    return json_array_append(possible ? r->possible : r->merged, o) ? GP_ENOMEM : GP_OK;
}

/* ---- dataset ---- */

static int count_year(rp_tab *t, const gp_year *y)
{
    char text[16];
    if (y->value > 0)
        snprintf(text, sizeof text, "%d", y->value);
    else
        snprintf(text, sizeof text, "not given");
    return gp__rp_tab_add(t, text, 1) < 0 ? GP_ENOMEM : GP_OK;
}

static int on_record(void *ctx, gp_record *rec)
{
    gp_report *r = ctx;
    r->stats.records++;
    int c = gp__rp_tab_add(&r->countries, rec->country ? rec->country : "(none)", 1);
    if (c < 0 || count_year(&r->years, &rec->implementation_year) ||
        count_year(&r->award_years, &rec->award_year))
        return GP_ENOMEM;
    for (size_t i = 0; i < rec->nsources; i++)
        if (rec->sources[i].file && gp__rp_tab_add(&r->source_files, rec->sources[i].file, 1) < 0)
            return GP_ENOMEM;
    if (!rec->id)
        return GP_OK;
    size_t idlen = strlen(rec->id);
    if (gp_map_put(r->country_of, rec->id, idlen, (void *)(uintptr_t)(c + 1)) != GP_OK)
        return GP_ENOMEM;
    void **slot;
    int added = gp_map_upsert(r->need, rec->id, idlen, &slot);
    if (added < 0)
        return GP_ENOMEM;
    if (added) { /* not shown in full: marked so that a later copy is not kept either */
        *slot = (void *)&r->need;
        return GP_OK;
    }
    if (*slot)
        return GP_OK; /* already kept, or not wanted */
    gp_buf *b = calloc(1, sizeof *b);
    if (!b)
        return GP_ENOMEM;
    gp_record_write_json(rec, b, 0);
    if (gp_buf_error(b)) {
        gp_buf_free(b);
        free(b);
        return GP_ENOMEM;
    }
    *slot = b;
    return GP_OK;
}

static int read_dataset(gp_report *r, gp_diag_sink *diags)
{
    gp_extractor *ex = NULL;
    gp_extract_options eo = {GP_FORMAT_JSONL, NULL};
    int rc = gp_extractor_new(&ex, r->opts.rules, &eo, diags);
    if (rc)
        return rc;
    size_t errors = diags->count[GP_SEV_ERROR];
    rc = gp_extract_file(ex, r->opts.dataset, NULL, on_record, r);
    gp_extractor_free(ex);
    if (rc)
        return rc == GP_ENOMEM ? rc : GP_EINPUT;
    if (diags->count[GP_SEV_ERROR] > errors)
        return GP_EINPUT;
    if (r->stats.records == 0) {
        gp_diag_report(diags, GP_SEV_ERROR, "report.input-invalid",
                       strcmp(r->opts.dataset, "-") ? r->opts.dataset : "-", 0, 0,
                       "the dataset holds no record");
        return GP_EINPUT;
    }
    r->have_dataset = 1;
    return GP_OK;
}

/* ---- putting it together ---- */

/* The field a finding's pointer names, when a decision can fix it; else -1. */
static int fixable_field(const rp_finding *f)
{
    if (!f->pointer || f->pointer[0] != '/' || !f->fix || !f->value || !f->record_id)
        return -1;
    const char *name = f->pointer + 1;
    const char *slash = strchr(name, '/');
    size_t len = slash ? (size_t)(slash - name) : strlen(name);
    int field = gp_field_lookup(name, len);
    if (field < 0 || field == GP_F_ID || field == GP_F_SOURCES)
        return -1;
    if (slash && !gp_field_is_list((gp_field)field))
        return -1;
    return field;
}

/* The id of the dataset record that holds `id` (itself, or the group it merged into). */
static const char *dataset_id(const gp_report *r, const char *id)
{
    const char *to = gp_map_get(r->member_of, id, strlen(id));
    return to ? to : id;
}

int gp_report_build(gp_report **out, const gp_report_options *opts, gp_diag_sink *diags)
{
    *out = NULL;
    gp_report *r = calloc(1, sizeof *r);
    if (!r)
        return GP_ENOMEM;
    r->opts = *opts;
    r->merged = json_array();
    r->possible = json_array();
    int rc = (!r->merged || !r->possible) ? GP_ENOMEM : GP_OK;
    if (!rc)
        rc = gp_map_new(&r->member_of);
    if (!rc)
        rc = gp_map_new(&r->need);
    if (!rc)
        rc = gp_map_new(&r->country_of);
    int refused = GP_OK;
    if (!rc && opts->findings) {
        rc = read_jsonl(r, opts->findings, "a gp-lint finding (gp-lint --format=json)", diags,
                        on_finding);
        if (rc == GP_EINPUT || rc == GP_EIO)
            refused = rc, rc = GP_OK;
    }
    if (!rc && opts->clusters) {
        rc = read_jsonl(r, opts->clusters, "a cluster (gp-dedup --clusters)", diags, on_cluster);
        if (rc == GP_EINPUT || rc == GP_EIO)
            refused = refused ? refused : rc, rc = GP_OK;
    }
    if (!rc && opts->decisions) {
        rc = gp_decisions_load(&r->decisions, opts->decisions, diags);
        if (rc == GP_EPARSE || rc == GP_EIO)
            refused = refused ? refused : GP_EINPUT, rc = GP_OK;
    }
    /* the records that findings propose to fix */
    for (size_t i = 0; !rc && i < r->nfindings; i++) {
        rp_finding *f = &r->findings[i];
        if (fixable_field(f) < 0)
            continue;
        const char *id = dataset_id(r, f->record_id);
        void **slot;
        if (gp_map_upsert(r->need, id, strlen(id), &slot) < 0)
            rc = GP_ENOMEM;
    }
    if (!rc && !refused && opts->dataset) {
        rc = read_dataset(r, diags);
        if (rc == GP_EINPUT || rc == GP_EIO)
            refused = rc, rc = GP_OK;
    }
    if (!rc && refused)
        rc = refused;
    for (size_t i = 0; !rc && i < r->nfindings; i++) {
        rp_finding *f = &r->findings[i];
        if (!f->record_id || !r->have_dataset)
            continue;
        const char *id = dataset_id(r, f->record_id);
        void *c = gp_map_get(r->country_of, id, strlen(id));
        f->country = c ? (int)(uintptr_t)c - 1 : -1;
        if (fixable_field(f) >= 0) {
            void *rec = gp_map_get(r->need, id, strlen(id));
            f->fixable = rec && rec != (void *)&r->need;
        }
    }
    if (!rc) {
        r->stats.findings = r->nfindings;
        r->stats.merged = json_array_size(r->merged);
        r->stats.possible = json_array_size(r->possible);
        r->stats.decisions = r->decisions ? gp_decisions_count(r->decisions) : 0;
        rc = gp__report_data(r);
    }
    if (rc) {
        gp_report_free(r);
        return rc;
    }
    *out = r;
    return GP_OK;
}

void gp_report_free(gp_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nfindings; i++) {
        rp_finding *f = &r->findings[i];
        free(f->record_id);
        free(f->pointer);
        free(f->value);
        free(f->fix);
        free(f->message);
        json_decref(f->cluster);
    }
    free(r->findings);
    free(r->rule_levels);
    tab_free(&r->rules);
    tab_free(&r->files);
    tab_free(&r->countries);
    tab_free(&r->years);
    tab_free(&r->award_years);
    tab_free(&r->source_files);
    if (r->need) {
        size_t pos = 0;
        const char *key;
        size_t len;
        void *v;
        while (gp_map_next(r->need, &pos, &key, &len, &v))
            if (v && v != (void *)&r->need) {
                gp_buf_free(v);
                free(v);
            }
        gp_map_free(r->need);
    }
    gp_map_free(r->member_of);
    gp_map_free(r->country_of);
    json_decref(r->merged);
    json_decref(r->possible);
    gp_decisions_free(r->decisions);
    gp_buf_free(&r->data);
    free(r);
}

const gp_report_stats *gp_report_get_stats(const gp_report *r)
{
    return &r->stats;
}
