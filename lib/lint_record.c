/*
 * lib/lint_record.c - gp-lint's checks of one record.
 *
 * Each record is checked as its source wrote it, so a finding can say "X is written Y"
 * and point at the dump: its vocabulary values against the rules (unknown, former
 * name, alias), its texts by the hygiene checker, its fields against the rules' lint
 * section (required, ranges, patterns). A scratch copy normalised gives its canonical
 * values and id, which go to the dataset-wide bookkeeping (lib/lint_dataset.c).
 */
#include <stdlib.h>
#include <string.h>

#include "gpkit/checks.h"
#include "internal.h"
#include "lint_impl.h"

/* ---- pointers ---- */

/*
 * "/name" or, with an index of 0 or more, "/name/index" into `buf` of 48 bytes: written by
 * hand, as snprintf's twenty calls per record were a tenth of gp-lint's instructions.
 */
static const char *field_pointer(char *buf, gp_field f, long index)
{
    const char *name = gp_field_name(f);
    size_t n = strlen(name);
    if (n > 24) { /* no field name is that long */
        snprintf(buf, 48, index < 0 ? "/%s" : "/%s/%ld", name, index);
        return buf;
    }
    buf[0] = '/';
    memcpy(buf + 1, name, n);
    size_t k = n + 1;
    if (index >= 0) {
        char digits[24];
        size_t d = 0;
        do {
            digits[d++] = (char)('0' + index % 10);
            index /= 10;
        } while (index);
        buf[k++] = '/';
        while (d)
            buf[k++] = digits[--d];
    }
    buf[k] = '\0';
    return buf;
}

/* ---- vocabulary ---- */

/* "<kind>.<check>" into `rule` of 48 bytes (without snprintf, as above). */
static void kind_rule(char *rule, gp_vocab_kind kind, const char *check)
{
    const char *id = gp__lint_kind_ids[kind];
    size_t n = strlen(id), m = strlen(check);
    if (n + m + 2 > 48) {
        rule[0] = '\0';
        return;
    }
    memcpy(rule, id, n);
    rule[n] = '.';
    memcpy(rule + n + 1, check, m + 1);
}

const char *const gp__lint_kind_ids[GP_VOCAB_COUNT] = {"country", "region", "topic",
                                                       "priority-area", "institution"};

static int check_cleaned(lworker *w, const gp_record *rec, const char *id, gp_vocab_kind kind,
                         const char *pointer, const char *raw, const char *cleaned,
                         const char *scope, const char *country)
{
    gp_linter *l = w->l;
    const gp_resolution *found = gp_norm_resolve(w->norm, kind, raw, rec->award_year.value, scope);
    if (!found)
        return GP_ENOMEM;
    const gp_resolution r = *found;
    place at = gp__lint_field_place(rec, id, pointer);
    char rule[48];
    const char *name = gp_vocab_name(kind);
    if (l->opts.discovery) {
        /* counted with the batch's other values under one lock, by gp__lint_apply */
        if (GP_GROW(w->pending, w->pending_cap, w->npending + 1) != GP_OK)
            return GP_ENOMEM;
        const char *value = r.match == GP_MATCH_NONE ? cleaned : r.canonical;
        pending_value *pv = &w->pending[w->npending];
        pv->kind = kind;
        pv->known = r.match != GP_MATCH_NONE;
        pv->country = country;
        pv->value = value == raw || value == r.canonical ? value : gp_arena_strdup(w->held, value);
        pv->at = at;
        pv->at.pointer = gp_arena_strdup(w->held, pointer);
        if (!pv->value || !pv->at.pointer)
            return GP_ENOMEM;
        w->npending++;
    }
    switch (r.match) {
    case GP_MATCH_NONE:
        kind_rule(rule, kind, "unknown");
        return gp__lint_finding(w, &at, rule, raw, NULL, "unknown %s '%s'%s%s", name, raw,
                                country ? " in " : "", country ? country : "");
    case GP_MATCH_EXACT:
        return GP_OK;
    case GP_MATCH_FORMER:
        kind_rule(rule, kind, "former-name");
        return gp__lint_finding(w, &at, rule, raw, r.canonical,
                                "%s '%s' is a former name (until %d) for a %d record; now '%s'",
                                name, raw, r.until, rec->award_year.value, r.canonical);
    default:
        if (strcmp(cleaned, r.canonical) == 0 && strcmp(raw, cleaned) != 0)
            return GP_OK; /* only typography that gp-norm folds: text checks report it */
        if (r.translation) {
            /* correct for a page in another of the site's languages: off by default */
            kind_rule(rule, kind, "translation");
            return gp__lint_finding(w, &at, rule, raw, r.canonical,
                                    "%s '%s' is the translation of '%s'", name, raw, r.canonical);
        }
        kind_rule(rule, kind, "alias");
        return gp__lint_finding(w, &at, rule, raw, r.canonical, "%s '%s' should be written '%s'",
                                name, raw, r.canonical);
    }
}

/* `scope` is the country code institutions resolve in; `country` its name (discovery). */
static int check_name(lworker *w, const gp_record *rec, const char *id, gp_vocab_kind kind,
                      const char *pointer, const char *raw, const char *scope, const char *country)
{
    if (gp_text_is_clean(gp_ruleset_typography(w->rules), raw, strlen(raw), 0))
        return check_cleaned(w, rec, id, kind, pointer, raw, raw, scope, country);
    gp_buf clean = GP_BUF_INIT;
    int rc = gp_norm_text(w->norm, raw, 0, &clean);
    if (!rc)
        rc = check_cleaned(w, rec, id, kind, pointer, raw, gp_buf_str(&clean), scope, country);
    gp_buf_free(&clean);
    return rc;
}

/* ---- per record ---- */

typedef struct hissue {
    char *rule, *fragment, *fix, *message;
    char *left, *right; /* a broken word's halves */
    size_t count;
} hissue;

typedef struct hctx {
    lworker *w;
    const char *text;
    hissue *items;
    size_t n, cap;
} hctx;

/*
 * Issues of one field are grouped by rule and text: a bulleted summary with a tab after
 * each bullet is one finding "a tab inside the text (and 4 more)", not five alike.
 */
static int on_hygiene(void *ctx, const gp_hygiene_issue *is)
{
    hctx *h = ctx;
    if (strcmp(is->rule_id, "text.broken-word") != 0) {
        for (size_t i = 0; i < h->n; i++) {
            const hissue *it = &h->items[i];
            if (strcmp(it->rule, is->rule_id) == 0 && strlen(it->fragment) == is->end - is->start &&
                memcmp(it->fragment, h->text + is->start, is->end - is->start) == 0) {
                h->items[i].count++;
                return 0;
            }
        }
    }
    if (GP_GROW(h->items, h->cap, h->n + 1) != GP_OK)
        return GP_ENOMEM;
    hissue *it = &h->items[h->n++];
    it->rule = gp__strdup(is->rule_id);
    it->fragment = gp__strndup(h->text + is->start, is->end - is->start);
    it->fix = gp__strdup(is->fix);
    it->message = gp__strdup(is->message);
    it->left = it->right = NULL;
    it->count = 1;
    if (is->left && is->right) {
        /* broken words wait for the whole dataset: the texts tell how the word is spelled */
        free(it->message);
        it->message = NULL;
        it->left = gp__strdup(is->left);
        it->right = gp__strdup(is->right);
    }
    return (!it->rule || !it->fragment) ? GP_ENOMEM : 0;
}

static int check_text(lworker *w, const gp_record *rec, const char *id, gp_field f,
                      const char *pointer, const char *text)
{
    if (!text)
        return GP_OK;
    hctx h = {w, text, NULL, 0, 0};
    int rc = gp_hygiene_check(w->hyg, text, strlen(text), f, on_hygiene, &h);
    place at = {0};
    if (h.n) /* finding the line of a field is not free, and most texts are clean */
        at = gp__lint_field_place(rec, id, pointer);
    for (size_t i = 0; i < h.n; i++) {
        hissue *it = &h.items[i];
        if (!rc && it->left && it->right) {
            /* kept with the batch: the pointer is the caller's buffer */
            const char *kept = gp_arena_strdup(w->held, pointer);
            if (!kept || GP_GROW(w->broken, w->broken_cap, w->nbroken + 1) != GP_OK) {
                rc = GP_ENOMEM;
            } else {
                broken *b = &w->broken[w->nbroken++];
                b->at = at;
                b->at.pointer = kept;
                b->left = it->left;
                b->right = it->right;
                it->left = it->right = NULL;
            }
        } else if (!rc && it->message) {
            if (it->count > 1)
                rc = gp__lint_finding(w, &at, it->rule, it->fragment, it->fix,
                                      "%s (%s; and %zu more)", it->message, pointer + 1,
                                      it->count - 1);
            else
                rc = gp__lint_finding(w, &at, it->rule, it->fragment, it->fix, "%s (%s)",
                                      it->message, pointer + 1);
        }
        free(it->rule);
        free(it->fragment);
        free(it->fix);
        free(it->message);
        free(it->left);
        free(it->right);
    }
    free(h.items);
    return rc;
}

static int field_empty(const gp_record *rec, gp_field f)
{
    if (gp_field_is_list(f))
        return gp_record_list_const(rec, f)->len == 0;
    if (gp_field_is_year(f)) {
        const gp_year *y = gp_record_year((gp_record *)rec, f);
        return y->value <= 0 && !y->text;
    }
    if (f == GP_F_ID)
        return 0;
    const char *v = gp_record_get(rec, f);
    return !v || gp__is_blank(v, strlen(v));
}

/* The place of the topic, as the record writes it, that resolves to `canonical`: the
 * canonical list is sorted and merged, so its indexes are not the record's. */
static place written_topic_place(lworker *w, const gp_record *rec, const char *id,
                                 const char *canonical, char *pointer, size_t size,
                                 const char **written)
{
    for (size_t k = 0; k < rec->topics.len; k++) {
        const char *raw = rec->topics.items[k];
        const gp_resolution *r =
            gp_norm_resolve(w->norm, GP_VOCAB_TOPIC, raw, rec->award_year.value, NULL);
        if (r && r->match != GP_MATCH_NONE && strcmp(r->canonical, canonical) == 0) {
            snprintf(pointer, size, "/topics/%zu", k);
            *written = raw;
            return gp__lint_field_place(rec, id, pointer);
        }
    }
    *written = canonical;
    return gp__lint_field_place(rec, id, "/topics");
}

enum { PATTERN_CACHE_MAX = 1 << 16 };

/* Fields whose values repeat from record to record: a vocabulary's. */
static int repeats(gp_field f)
{
    return f == GP_F_INSTITUTION || f == GP_F_COUNTRY || f == GP_F_REGION || f == GP_F_TOPICS ||
           f == GP_F_PRIORITY_AREAS;
}

/*
 * Whether pattern `i` matches `v`: remembered per worker for the values of a vocabulary,
 * which repeat (the institution pattern alone was 4% of gp-lint's instructions). Returns
 * 1, 0, or GP_ENOMEM.
 */
static int pattern_hit(lworker *w, size_t i, const gp_lint_pattern *p, const char *v)
{
    size_t len = strlen(v);
    if (!repeats(p->field) || i > 255)
        return gp_regex_match(p->re, v, len, 0);
    gp_buf_reset(&w->pattern_key);
    gp_buf_putc(&w->pattern_key, (char)i);
    gp_buf_put(&w->pattern_key, v, len);
    if (gp_buf_error(&w->pattern_key))
        return GP_ENOMEM;
    if (w->patterns && gp_map_len(w->patterns) >= PATTERN_CACHE_MAX) {
        gp_map_free(w->patterns); /* bounded: start again */
        w->patterns = NULL;
    }
    if (!w->patterns && gp_map_new(&w->patterns) != GP_OK)
        return GP_ENOMEM;
    void **slot;
    if (gp_map_upsert(w->patterns, w->pattern_key.data, w->pattern_key.len, &slot) < 0)
        return GP_ENOMEM;
    if (!*slot) /* 1 + the result, so that a value is never NULL */
        *slot = (void *)(uintptr_t)(1 + gp_regex_match(p->re, v, len, 0));
    return (int)((uintptr_t)*slot - 1);
}

static int check_fields(lworker *w, const gp_record *rec, const gp_record *canon, const char *id)
{
    const struct gp_lint_rules *lr = gp__lint_rules(w->rules);
    char ptr[48];
    int rc = GP_OK;
    /* a field no source of the record can carry (a single-practice page has no award
       year) is not required of it */
    unsigned lacks = rec->nsources ? ~0u : 0u;
    for (size_t i = 0; i < rec->nsources; i++) {
        gp_format fmt;
        const char *name = rec->sources[i].format;
        lacks &= name && gp_format_parse(name, &fmt) == 0 ? lr->not_carried[fmt] : 0u;
    }
    for (int f = 0; f < GP_F_COUNT && !rc; f++) {
        if (!(lr->required & (1u << f)) || (lacks & (1u << f)) || !field_empty(rec, (gp_field)f))
            continue;
        place at = gp__lint_field_place(rec, id, NULL);
        snprintf(ptr, sizeof ptr, "/%s", gp_field_name((gp_field)f));
        at.pointer = ptr;
        rc = gp__lint_finding(w, &at, "record.required", NULL, NULL, "record has no %s",
                              gp_field_name((gp_field)f));
    }
    static const gp_field years[] = {GP_F_IMPLEMENTATION_YEAR, GP_F_AWARD_YEAR};
    for (size_t i = 0; i < 2 && !rc; i++) {
        const gp_lint_range *r = &lr->ranges[years[i]];
        const gp_year *y = gp_record_year((gp_record *)rec, years[i]);
        int out_of_range = y->value > 0 && r->set && (y->value < r->min || y->value > r->max);
        if (!out_of_range && !y->text)
            continue;
        place at = gp__lint_field_place(rec, id, field_pointer(ptr, years[i], -1));
        if (out_of_range) {
            char v[16];
            snprintf(v, sizeof v, "%d", y->value);
            rc = gp__lint_finding(w, &at, "record.range", v, NULL, "%s %d is outside %ld-%ld",
                                  gp_field_name(years[i]), y->value, r->min, r->max);
        } else if (y->text) {
            rc = gp__lint_finding(w, &at, "record.year-invalid", y->text, NULL,
                                  "%s '%s' is not a year", gp_field_name(years[i]), y->text);
        }
    }
    if (!rc && rec->implementation_year.value > 0 && rec->award_year.value > 0 &&
        rec->implementation_year.value > rec->award_year.value) {
        place at = gp__lint_field_place(rec, id, "/implementation_year");
        char v[16];
        snprintf(v, sizeof v, "%d", rec->implementation_year.value);
        rc = gp__lint_finding(w, &at, "record.year-order", v, NULL,
                              "implementation year %d is after award year %d",
                              rec->implementation_year.value, rec->award_year.value);
    }
    for (size_t i = 0; i < lr->npatterns && !rc; i++) {
        const gp_lint_pattern *p = &lr->patterns[i];
        const gp_strlist *list =
            gp_field_is_list(p->field) ? gp_record_list_const(rec, p->field) : NULL;
        size_t n = list ? list->len : 1;
        for (size_t k = 0; k < n && !rc; k++) {
            const char *v = list ? list->items[k] : gp_record_get(rec, p->field);
            if (!v)
                continue;
            int hit = pattern_hit(w, i, p, v);
            if (hit < 0)
                return hit;
            if (hit != p->forbid)
                continue;
            if (list)
                snprintf(ptr, sizeof ptr, "/%s/%zu", gp_field_name(p->field), k);
            else
                snprintf(ptr, sizeof ptr, "/%s", gp_field_name(p->field));
            place at = gp__lint_field_place(rec, id, ptr);
            rc = gp__lint_finding(w, &at, "record.pattern", v, NULL, "%s: '%s'", p->message, v);
        }
    }
    /* broader topics the rules imply, looked up on the canonical list */
    for (size_t i = 0; i < canon->topics.len && !rc; i++) {
        const char *t = canon->topics.items[i];
        const gp_resolution *found = gp_norm_resolve(w->norm, GP_VOCAB_TOPIC, t, 0, NULL);
        if (!found)
            return GP_ENOMEM;
        const gp_resolution r = *found; /* the next lookup may empty the cache */
        if (r.match == GP_MATCH_NONE)
            continue;
        size_t nb = gp_ruleset_broader_len(w->rules, GP_VOCAB_TOPIC, r.index);
        for (size_t b = 0; b < nb && !rc; b++) {
            const char *want = gp_ruleset_broader(w->rules, GP_VOCAB_TOPIC, r.index, b);
            int present = 0;
            for (size_t k = 0; k < canon->topics.len && !present; k++)
                present = strcmp(canon->topics.items[k], want) == 0;
            if (present)
                continue;
            char pointer[32];
            const char *written;
            place at = written_topic_place(w, rec, id, t, pointer, sizeof pointer, &written);
            /* no fix: a fix replaces the value, and `want` joins `t` rather than replacing it */
            rc = gp__lint_finding(w, &at, "topic.broader-missing", written, NULL,
                                  "topic '%s' implies '%s', which the record lacks", t, want);
        }
    }
    return rc;
}

/* A topic listed twice, as written or as another name of the same topic: gp-norm drops
 * the repeat without a word, so the record says it. */
static int check_repeated_topics(lworker *w, const gp_record *rec, const char *id)
{
    const gp_strlist *t = &rec->topics;
    if (t->len < 2)
        return GP_OK;
    /* each topic looked up once (the rules own the canonical names), then compared pairwise */
    const char *small[16];
    const char **canon = t->len <= 16 ? small : malloc(t->len * sizeof *canon);
    if (!canon)
        return GP_ENOMEM;
    int rc = GP_OK;
    for (size_t i = 0; i < t->len && !rc; i++) {
        const gp_resolution *r =
            gp_norm_resolve(w->norm, GP_VOCAB_TOPIC, t->items[i], rec->award_year.value, NULL);
        if (!r)
            rc = GP_ENOMEM;
        else
            canon[i] = r->match != GP_MATCH_NONE ? r->canonical : NULL;
    }
    for (size_t i = 1; i < t->len && !rc; i++) {
        const char *ci = canon[i];
        for (size_t j = 0; j < i; j++) {
            const char *cj = canon[j];
            int same = ci && cj ? strcmp(ci, cj) == 0 : strcmp(t->items[i], t->items[j]) == 0;
            if (!same)
                continue;
            char ptr[48];
            snprintf(ptr, sizeof ptr, "/topics/%zu", i);
            place at = gp__lint_field_place(rec, id, ptr);
            if (strcmp(t->items[i], t->items[j]) == 0)
                rc = gp__lint_finding(w, &at, "topic.duplicate", t->items[i], NULL,
                                      "topic '%s' is listed twice (topics %zu and %zu); remove "
                                      "the second",
                                      t->items[i], j + 1, i + 1);
            else
                rc = gp__lint_finding(w, &at, "topic.duplicate", t->items[i], NULL,
                                      "topic '%s' repeats '%s' (topics %zu and %zu: both '%s'); "
                                      "remove the second",
                                      t->items[i], t->items[j], j + 1, i + 1, ci);
            break;
        }
    }
    if (canon != small)
        free(canon);
    return rc;
}

/* Keeps a count for a spread until the batch's end; `key` and `value` are copied. */
static int keep_spread(lworker *w, spread_map map, const char *key, const char *value,
                       const place *at)
{
    if (GP_GROW(w->spreads, w->spreads_cap, w->nspreads + 1) != GP_OK)
        return GP_ENOMEM;
    pending_spread *ps = &w->spreads[w->nspreads];
    ps->map = map;
    ps->key = gp_arena_strdup(w->held, key);
    ps->value = gp_arena_strdup(w->held, value);
    ps->at = *at;
    if (!ps->key || !ps->value)
        return GP_ENOMEM;
    w->nspreads++;
    return GP_OK;
}

/* Notes the year the record at `at` gives its practice (for record.year-conflict). */
static int note_year(lworker *w, int year, const place *at)
{
    if (GP_GROW(w->years, w->years_cap, w->nyears + 1) != GP_OK)
        return GP_ENOMEM;
    /* records come a file at a time: the file is kept once per run of records */
    if (at->file && (!w->last_file || strcmp(w->last_file, at->file) != 0) &&
        !(w->last_file = gp_arena_strdup(w->notes, at->file)))
        return GP_ENOMEM;
    year_note *n = &w->years[w->nyears];
    size_t len = strlen(at->record_id);
    n->hash = gp__hash(at->record_id, len);
    n->id = gp_arena_strndup(w->notes, at->record_id, len);
    n->file = at->file ? w->last_file : NULL;
    n->line = at->line;
    n->column = at->column;
    n->seq = w->seq;
    n->year = year;
    if (!n->id)
        return GP_ENOMEM;
    w->nyears++;
    return GP_OK;
}

void gp__lint_drop_pending(lworker *w)
{
    for (size_t i = 0; i < w->nbroken; i++) {
        free(w->broken[i].left);
        free(w->broken[i].right);
    }
    w->npending = w->nspreads = w->nbroken = 0;
    gp_arena_reset(w->held);
}

/* Lock held. Counts and earliest places: the same whatever the order batches come in. */
int gp__lint_apply(lworker *w)
{
    gp_linter *l = w->l;
    int rc = GP_OK;
    for (size_t i = 0; i < w->npending && !rc; i++) {
        const pending_value *pv = &w->pending[i];
        rc = gp_discover_add(l->disc, pv->kind, pv->country, pv->value, pv->known, pv->at.file,
                             pv->at.line, pv->at.column, pv->at.record_id, pv->at.pointer);
    }
    for (size_t i = 0; i < w->nspreads && !rc; i++) {
        const pending_spread *ps = &w->spreads[i];
        switch (ps->map) {
        case SPREAD_INST_COUNTRIES: {
            /* countries compared by their words: "Republic of Korea" is "Korea, Republic of" */
            const char *same = gp_discover_scope_key(l->disc, ps->value);
            rc = same ? gp__lint_spread_add(l, l->inst_countries, ps->key, ps->value, same, &ps->at)
                      : GP_ENOMEM;
            break;
        }
        case SPREAD_COUNTRY_REGIONS:
            rc = gp__lint_spread_add(l, l->country_regions, ps->key, ps->value, ps->value, &ps->at);
            break;
        }
    }
    if (!rc && w->nbroken && GP_GROW(l->broken, l->broken_cap, l->nbroken + w->nbroken) != GP_OK)
        rc = GP_ENOMEM;
    for (size_t i = 0; i < w->nbroken && !rc; i++) {
        broken *b = &l->broken[l->nbroken++];
        b->at = gp__lint_keep_place(l, &w->broken[i].at);
        b->left = w->broken[i].left;
        b->right = w->broken[i].right;
        w->broken[i].left = w->broken[i].right = NULL;
    }
    gp__lint_drop_pending(w);
    return rc;
}

int gp__lint_one(lworker *w, const gp_record *rec)
{
    gp_linter *l = w->l;
    gp_arena_reset(w->scratch);
    gp_record canon;
    int rc = gp_record_copy(&canon, rec, w->scratch);
    if (!rc)
        rc = gp_norm_record(w->norm, &canon);
    if (rc)
        return rc;
    /* what the batch keeps outlives the scratch arena */
    const char *id = canon.id ? gp_arena_strdup(w->held, canon.id) : NULL;
    const char *country = canon.country ? gp_arena_strdup(w->held, canon.country) : NULL;
    if ((canon.id && !id) || (canon.country && !country))
        return GP_ENOMEM;
    const char *cc = canon.country_code;

    /* vocabulary, on the values as written */
    if (rec->country && !rc)
        rc = check_name(w, rec, id, GP_VOCAB_COUNTRY, "/country", rec->country, NULL, NULL);
    if (rec->region && !rc)
        rc = check_name(w, rec, id, GP_VOCAB_REGION, "/region", rec->region, NULL, NULL);
    if (rec->institution && !rc)
        rc = check_name(w, rec, id, GP_VOCAB_INSTITUTION, "/institution", rec->institution, cc,
                        country);
    static const struct {
        gp_field f;
        gp_vocab_kind kind;
    } lists[] = {{GP_F_TOPICS, GP_VOCAB_TOPIC}, {GP_F_PRIORITY_AREAS, GP_VOCAB_PRIORITY_AREA}};
    for (size_t k = 0; k < 2 && !rc; k++) {
        const gp_strlist *list = gp_record_list_const(rec, lists[k].f);
        for (size_t i = 0; i < list->len && !rc; i++) {
            char ptr[48];
            rc = check_name(w, rec, id, lists[k].kind, field_pointer(ptr, lists[k].f, (long)i),
                            list->items[i], NULL, NULL);
        }
    }
    if (!rc)
        rc = check_repeated_topics(w, rec, id);
    if (!rc)
        rc = check_fields(w, rec, &canon, id);

    /* text hygiene, on every text as written */
    static const gp_field texts[] = {GP_F_INSTITUTION, GP_F_COUNTRY,     GP_F_REGION,
                                     GP_F_TITLE,       GP_F_DESCRIPTION, GP_F_JURY_COMMENT};
    for (size_t i = 0; i < GP_ARRAY_LEN(texts) && !rc; i++) {
        char ptr[48];
        rc = check_text(w, rec, id, texts[i], field_pointer(ptr, texts[i], -1),
                        gp_record_get(rec, texts[i]));
    }
    for (size_t k = 0; k < 2 && !rc; k++) {
        const gp_strlist *list = gp_record_list_const(rec, lists[k].f);
        for (size_t i = 0; i < list->len && !rc; i++) {
            char ptr[48];
            rc = check_text(w, rec, id, lists[k].f, field_pointer(ptr, lists[k].f, (long)i),
                            list->items[i]);
        }
    }
    if (rc)
        return rc;
    if (canon.description)
        gp__lint_collect_words(w, canon.description);
    if (canon.jury_comment)
        gp__lint_collect_words(w, canon.jury_comment);

    /* what the dataset-wide checks need, looked up through the normaliser's cache: the
       same few values come back record after record */
    place at = gp__lint_field_place(rec, id, "/institution");
    const gp_resolution *found;
    int unknown_institution = 0;
    if (canon.institution && canon.country) {
        if (!(found = gp_norm_resolve(w->norm, GP_VOCAB_INSTITUTION, canon.institution, 0, cc)))
            return GP_ENOMEM;
        unknown_institution = found->match == GP_MATCH_NONE;
    }
    /* an unknown region is region.unknown and nothing more: one bad value, one finding */
    const char *region = NULL;
    if (canon.region) {
        if (!(found = gp_norm_resolve(w->norm, GP_VOCAB_REGION, canon.region, 0, NULL)))
            return GP_ENOMEM;
        region = found->match != GP_MATCH_NONE ? canon.region : NULL;
    }
    const char *country_region = NULL;
    if (cc && region) {
        if (!(found = gp_norm_resolve(w->norm, GP_VOCAB_COUNTRY, canon.country, 0, NULL)))
            return GP_ENOMEM;
        country_region = found->region; /* owned by the rules, not by the cache */
    }
    if (!rc && unknown_institution)
        rc = keep_spread(w, SPREAD_INST_COUNTRIES, canon.institution, country, &at);
    if (!rc && cc && region) {
        place rat = gp__lint_field_place(rec, id, "/region");
        rc = keep_spread(w, SPREAD_COUNTRY_REGIONS, cc, canon.region, &rat);
    }
    if (!rc && id && canon.implementation_year.value > 0) {
        place yat = gp__lint_field_place(rec, id, "/implementation_year");
        rc = note_year(w, canon.implementation_year.value, &yat);
    }
    if (!rc && !l->nworkers) /* the caller's record: gone when this returns */
        rc = gp__lint_apply(w);
    if (!rc && country_region && strcmp(country_region, canon.region) != 0) {
        at = gp__lint_field_place(rec, id, "/region");
        rc = gp__lint_finding(w, &at, "region.mismatch", canon.region, country_region,
                              "%s is in the region '%s', not '%s'", canon.country, country_region,
                              canon.region);
    }
    return rc;
}
