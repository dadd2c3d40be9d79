/*
 * lib/discover.c - clusters of variant spellings (see discover.h for the methods).
 *
 * Layout: `vals` holds each distinct (kind, scope, spelling) with its count and first
 * place, found through `index`. Running computes three strings per value (key, word set,
 * bigram set), links values that share one through maps from string to first value
 * (union-find), then compares word sets by edit distance inside blocks, and gathers the
 * clusters.
 */
#include "discover.h"

#include <stdlib.h>
#include <string.h>

#include "gpkit/text.h"
#include "internal.h"
#include "lint_impl.h"

enum { M_KEY = 1, M_WORDS = 2, M_NGRAMS = 4, M_DISTANCE = 8, BLOCK_MAX = 3000 };

typedef struct dvalue {
    gp_vocab_kind kind;
    const char *scope;     /* as first given, for display */
    const char *scope_key; /* its word set: "Republic of Korea" and "Korea, Republic of" agree */
    const char *value;
    size_t count;
    int known;
    const char *file;
    long line, column;
    const char *record_id;
    const char *pointer;
    const char *key, *words, *ngrams;
    size_t parent;
    unsigned methods;
} dvalue;

struct gp_discover {
    gp_ruleset *rules;
    gp_text *text;
    gp_arena *arena;
    gp_map *index;
    dvalue *vals;
    size_t n, cap;
    char **stop; /* stop words as keys */
    size_t nstop;
    gp_map *scopes; /* scope as given -> its word set */
};

static const char *const kind_tag = "crtpi";

static int words_of(gp_discover *d, const char *key, gp_buf *out);

int gp_discover_new(gp_discover **out, gp_ruleset *rules)
{
    *out = NULL;
    gp_discover *d = calloc(1, sizeof *d);
    if (!d)
        return GP_ENOMEM;
    d->rules = rules;
    int rc = gp_text_new(&d->text);
    if (!rc)
        rc = gp_arena_new(&d->arena) ? GP_ENOMEM : GP_OK;
    if (!rc)
        rc = gp_map_new(&d->index);
    if (!rc)
        rc = gp_map_new(&d->scopes);
    const struct gp_lint_rules *lr = gp__lint_rules(rules);
    if (!rc && lr->nstopwords) {
        d->stop = calloc(lr->nstopwords, sizeof *d->stop);
        if (!d->stop)
            rc = GP_ENOMEM;
        for (size_t i = 0; !rc && i < lr->nstopwords; i++) {
            gp_buf k = GP_BUF_INIT;
            gp_text_key(d->text, lr->stopwords[i], strlen(lr->stopwords[i]), &k);
            d->stop[d->nstop++] = gp_buf_detach(&k);
        }
    }
    if (rc) {
        gp_discover_free(d);
        return rc;
    }
    *out = d;
    return GP_OK;
}

void gp_discover_free(gp_discover *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nstop; i++)
        free(d->stop[i]);
    free(d->stop);
    free(d->vals);
    gp_map_free(d->index);
    gp_map_free(d->scopes);
    gp_arena_free(d->arena);
    gp_text_free(d->text);
    free(d);
}

static const char *keep(gp_discover *d, const char *s)
{
    return s ? gp_arena_strdup(d->arena, s) : NULL;
}

const char *gp_discover_scope_key(gp_discover *d, const char *scope)
{
    void **slot;
    int rc = gp_map_upsert(d->scopes, scope, strlen(scope), &slot);
    if (rc < 0)
        return NULL;
    if (rc == 1) {
        gp_buf key = GP_BUF_INIT, words = GP_BUF_INIT;
        rc = gp_text_key(d->text, scope, strlen(scope), &key);
        if (!rc)
            rc = words_of(d, gp_buf_str(&key), &words);
        *slot = rc ? NULL : gp_arena_strdup(d->arena, gp_buf_str(&words));
        gp_buf_free(&key);
        gp_buf_free(&words);
    }
    return *slot;
}

int gp_discover_add(gp_discover *d, gp_vocab_kind kind, const char *scope, const char *value,
                    int known, const char *file, long line, long column, const char *record_id,
                    const char *pointer)
{
    const char *scope_key = NULL;
    if (scope && !(scope_key = gp_discover_scope_key(d, scope)))
        return GP_ENOMEM;
    gp_buf k = GP_BUF_INIT;
    gp_buf_putc(&k, kind_tag[kind]);
    if (scope_key)
        gp_buf_puts(&k, scope_key);
    gp_buf_putc(&k, '\x1f');
    gp_buf_puts(&k, value);
    if (gp_buf_error(&k)) {
        gp_buf_free(&k);
        return GP_ENOMEM;
    }
    void **slot;
    int rc = gp_map_upsert(d->index, k.data, k.len, &slot);
    gp_buf_free(&k);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        dvalue *v = &d->vals[(size_t)(uintptr_t)*slot - 1];
        v->count += file != NULL;
        v->known |= known;
        if (!v->file && file) {
            v->file = keep(d, file);
            v->line = line;
            v->column = column;
            v->record_id = keep(d, record_id);
            v->pointer = keep(d, pointer);
        }
        return GP_OK;
    }
    if (GP_GROW(d->vals, d->cap, d->n + 1) != GP_OK)
        return GP_ENOMEM;
    dvalue *v = &d->vals[d->n];
    memset(v, 0, sizeof *v);
    v->kind = kind;
    v->scope = keep(d, scope);
    v->scope_key = scope_key;
    v->value = keep(d, value);
    v->count = file != NULL;
    v->known = known;
    v->file = keep(d, file);
    v->line = line;
    v->column = column;
    v->record_id = keep(d, record_id);
    v->pointer = keep(d, pointer);
    *slot = (void *)(uintptr_t)(++d->n);
    return v->value ? GP_OK : GP_ENOMEM;
}

/* Every canonical name of the rules, so that a variant can point at it. */
static int add_anchors(gp_discover *d)
{
    static const gp_vocab_kind kinds[] = {GP_VOCAB_COUNTRY, GP_VOCAB_REGION, GP_VOCAB_TOPIC,
                                          GP_VOCAB_PRIORITY_AREA, GP_VOCAB_INSTITUTION};
    for (size_t k = 0; k < GP_ARRAY_LEN(kinds); k++) {
        const gp_vocab *v = &d->rules->vocab[kinds[k]];
        for (size_t i = 0; i < v->len; i++) {
            const char *scope = NULL;
            if (kinds[k] == GP_VOCAB_INSTITUTION) {
                /* scoped by the country's canonical name, as lint passes it */
                const gp_vocab *cv = &d->rules->vocab[GP_VOCAB_COUNTRY];
                for (size_t c = 0; c < cv->len && !scope; c++)
                    if (cv->entries[c].code && v->entries[i].country &&
                        strcmp(cv->entries[c].code, v->entries[i].country) == 0)
                        scope = cv->entries[c].name;
            }
            int rc =
                gp_discover_add(d, kinds[k], scope, v->entries[i].name, 1, NULL, 0, 0, NULL, NULL);
            if (rc)
                return rc;
        }
    }
    return GP_OK;
}

static size_t find(dvalue *vals, size_t i)
{
    while (vals[i].parent != i) {
        vals[i].parent = vals[vals[i].parent].parent;
        i = vals[i].parent;
    }
    return i;
}

static void unite(dvalue *vals, size_t a, size_t b, unsigned method)
{
    size_t ra = find(vals, a), rb = find(vals, b);
    vals[a].methods |= method;
    vals[b].methods |= method;
    if (ra == rb)
        return;
    if (rb < ra) {
        size_t t = ra;
        ra = rb;
        rb = t;
    }
    vals[rb].parent = ra;
}

static int word_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_stop(const gp_discover *d, const char *w)
{
    for (size_t i = 0; i < d->nstop; i++)
        if (strcmp(d->stop[i], w) == 0)
            return 1;
    return 0;
}

/* The words of a key, stop words left out, sorted and unique, joined by spaces. */
static int words_of(gp_discover *d, const char *key, gp_buf *out)
{
    char *copy = gp__strdup(key);
    size_t nw = 0, capw = 8;
    char **words = copy ? malloc(capw * sizeof *words) : NULL;
    for (char *save = NULL, *w = words ? strtok_r(copy, " ", &save) : NULL; w;
         w = strtok_r(NULL, " ", &save)) {
        if (is_stop(d, w))
            continue;
        if (nw == capw) {
            char **bigger = realloc(words, 2 * capw * sizeof *words);
            if (!bigger)
                break;
            words = bigger;
            capw *= 2;
        }
        words[nw++] = w;
    }
    if (!words) {
        free(copy);
        return GP_ENOMEM;
    }
    qsort(words, nw, sizeof *words, word_cmp);
    for (size_t i = 0; i < nw; i++) {
        if (i && strcmp(words[i], words[i - 1]) == 0)
            continue;
        if (out->len)
            gp_buf_putc(out, ' ');
        gp_buf_puts(out, words[i]);
    }
    free(words);
    free(copy);
    return gp_buf_error(out) ? GP_ENOMEM : GP_OK;
}

/* key, words and bigrams of one value */
static int fingerprints(gp_discover *d, dvalue *v)
{
    gp_buf k = GP_BUF_INIT, wb = GP_BUF_INIT, gb = GP_BUF_INIT;
    int rc = gp_text_key(d->text, v->value, strlen(v->value), &k);
    if (!rc)
        rc = words_of(d, gp_buf_str(&k), &wb);
    v->key = gp_arena_strdup(d->arena, gp_buf_str(&k));
    v->words = gp_arena_strdup(d->arena, gp_buf_str(&wb));
    /* bigrams of the letters of the words, sorted and unique, as 2-byte units */
    const char *w = gp_buf_str(&wb);
    char grams[512][2];
    size_t ng = 0;
    for (size_t i = 0; w[i] && w[i + 1] && ng < 512; i++) {
        if (w[i] == ' ' || w[i + 1] == ' ')
            continue;
        char g[2] = {w[i], w[i + 1]};
        size_t at = ng;
        while (at > 0 && memcmp(grams[at - 1], g, 2) > 0)
            at--;
        if (at > 0 && memcmp(grams[at - 1], g, 2) == 0)
            continue;
        memmove(grams[at + 1], grams[at], (ng - at) * 2);
        memcpy(grams[at], g, 2);
        ng++;
    }
    gp_buf_put(&gb, grams, ng * 2);
    v->ngrams = gp_arena_strdup(d->arena, gp_buf_str(&gb));
    int oom = !v->key || !v->words || !v->ngrams || k.oom || wb.oom || gb.oom;
    gp_buf_free(&k);
    gp_buf_free(&wb);
    gp_buf_free(&gb);
    return rc ? rc : oom ? GP_ENOMEM : GP_OK;
}

/* Links the values of [from, to) (one kind and scope) that share the string `which`. */
static int link_equal(gp_discover *d, size_t *idx, size_t n, int which, unsigned method)
{
    gp_map *m;
    if (gp_map_new(&m) != GP_OK)
        return GP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        dvalue *v = &d->vals[idx[i]];
        const char *s = which == 0 ? v->key : which == 1 ? v->words : v->ngrams;
        if (!*s || (which == 2 && strlen(s) < 8))
            continue; /* nothing to compare, or too few bigrams to mean anything */
        void **slot;
        int rc = gp_map_upsert(m, s, strlen(s), &slot);
        if (rc < 0) {
            gp_map_free(m);
            return rc;
        }
        if (rc == 1)
            *slot = (void *)(uintptr_t)(idx[i] + 1);
        else
            unite(d->vals, (size_t)(uintptr_t)*slot - 1, idx[i], method);
    }
    gp_map_free(m);
    return GP_OK;
}

static int close_enough(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t shorter = la < lb ? la : lb;
    size_t allowed = shorter / 10;
    if (allowed == 0 || (la > lb ? la - lb : lb - la) > allowed)
        return 0;
    return gp_text_edit_distance(a, la, b, lb) <= allowed;
}

typedef struct block_entry {
    char tag[40];
    size_t value;
} block_entry;

static int block_cmp(const void *pa, const void *pb)
{
    const block_entry *a = pa, *b = pb;
    int c = strcmp(a->tag, b->tag);
    if (c)
        return c;
    return a->value < b->value ? -1 : a->value > b->value;
}

/* Edit distance between word sets, inside blocks: same first (or last) letter, length. */
static int link_distance(gp_discover *d, size_t *idx, size_t n)
{
    block_entry *be = malloc((n * 4 + 1) * sizeof *be);
    if (!be)
        return GP_ENOMEM;
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        const char *w = d->vals[idx[i]].words;
        size_t len = strlen(w);
        if (len < 10)
            continue;
        /* Two length buckets each, so neighbours across a bucket edge still meet. */
        for (int b = 0; b < 2; b++) {
            size_t bucket = len / 6 + (size_t)b;
            snprintf(be[nb].tag, sizeof be[nb].tag, "f%c%zu", w[0], bucket);
            be[nb++].value = idx[i];
            snprintf(be[nb].tag, sizeof be[nb].tag, "l%c%zu", w[len - 1], bucket);
            be[nb++].value = idx[i];
        }
    }
    qsort(be, nb, sizeof *be, block_cmp);
    for (size_t s = 0; s < nb;) {
        size_t e = s;
        while (e < nb && strcmp(be[e].tag, be[s].tag) == 0)
            e++;
        size_t size = e - s;
        for (size_t i = s; i < e; i++) {
            /* Large blocks compare near neighbours only (sorted neighbourhood). */
            size_t last = size > BLOCK_MAX && i + 50 < e ? i + 50 : e;
            for (size_t j = i + 1; j < last; j++) {
                dvalue *a = &d->vals[be[i].value], *b = &d->vals[be[j].value];
                if (find(d->vals, be[i].value) == find(d->vals, be[j].value))
                    continue;
                if (close_enough(a->words, b->words))
                    unite(d->vals, be[i].value, be[j].value, M_DISTANCE);
            }
        }
        s = e;
    }
    free(be);
    return GP_OK;
}

static int group_cmp(const void *pa, const void *pb, void *ctx)
{
    const dvalue *vals = ctx;
    const dvalue *a = &vals[*(const size_t *)pa], *b = &vals[*(const size_t *)pb];
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    int c = strcmp(a->scope_key ? a->scope_key : "", b->scope_key ? b->scope_key : "");
    if (c)
        return c;
    return strcmp(a->value, b->value);
}

/* qsort_r is not C11; sort indices with a static context instead. */
static const dvalue *sort_vals;

static int group_cmp_static(const void *a, const void *b)
{
    return group_cmp(a, b, (void *)sort_vals);
}

static int member_cmp(const void *pa, const void *pb)
{
    const gp_variant *a = pa, *b = pb;
    if (a->known != b->known)
        return a->known ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->value, b->value);
}

typedef struct rooted {
    size_t root;
    size_t value;
} rooted;

static const dvalue *root_vals;

static int rooted_cmp(const void *pa, const void *pb)
{
    const rooted *a = pa, *b = pb;
    if (a->root != b->root)
        return a->root < b->root ? -1 : 1;
    return strcmp(root_vals[a->value].value, root_vals[b->value].value);
}

static int emit_clusters(gp_discover *d, size_t *idx, size_t n, gp_cluster_fn fn, void *ctx)
{
    rooted *order = malloc((n ? n : 1) * sizeof *order);
    gp_variant *members = malloc((n ? n : 1) * sizeof *members);
    if (!order || !members) {
        free(order);
        free(members);
        return GP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = (rooted){find(d->vals, idx[i]), idx[i]};
    root_vals = d->vals;
    qsort(order, n, sizeof *order, rooted_cmp);
    int rc = GP_OK;
    for (size_t s = 0; s < n && !rc;) {
        size_t e = s;
        while (e < n && order[e].root == order[s].root)
            e++;
        /*
         * Members: the values records used, and the rules' canonical spellings (which
         * may not be used yet). Worth a finding when a used value is unknown.
         */
        size_t m = 0, unknown = 0;
        unsigned methods = 0;
        for (size_t i = s; i < e; i++) {
            const dvalue *v = &d->vals[order[i].value];
            members[m++] = (gp_variant){v->value, v->count,  v->known,     v->file,
                                        v->line,  v->column, v->record_id, v->pointer};
            unknown += !v->known && v->count > 0;
            methods |= v->methods;
        }
        qsort(members, m, sizeof *members, member_cmp);
        /* canonical spellings nobody used are shown only as the suggestion */
        size_t out = 0;
        for (size_t i = 0; i < m; i++)
            if (members[i].count > 0 || i == 0)
                members[out++] = members[i];
        if (unknown && out >= 2) {
            gp_buf mb = GP_BUF_INIT;
            static const char *const names[] = {"key", "words", "ngrams", "distance"};
            for (int b = 0; b < 4; b++) {
                if (!(methods & (1u << b)))
                    continue;
                if (mb.len)
                    gp_buf_puts(&mb, ", ");
                gp_buf_puts(&mb, names[b]);
            }
            const dvalue *first = &d->vals[order[s].value];
            gp_cluster c = {first->kind, first->scope,     gp_buf_str(&mb), members,
                            out,         members[0].value, members[0].known};
            rc = fn(ctx, &c);
            gp_buf_free(&mb);
        }
        s = e;
    }
    free(order);
    free(members);
    return rc;
}

int gp_discover_run(gp_discover *d, gp_cluster_fn fn, void *ctx)
{
    int rc = add_anchors(d);
    if (rc)
        return rc;
    for (size_t i = 0; i < d->n && !rc; i++) {
        d->vals[i].parent = i;
        rc = fingerprints(d, &d->vals[i]);
    }
    if (rc)
        return rc;
    size_t *idx = malloc((d->n ? d->n : 1) * sizeof *idx);
    if (!idx)
        return GP_ENOMEM;
    for (size_t i = 0; i < d->n; i++)
        idx[i] = i;
    sort_vals = d->vals;
    qsort(idx, d->n, sizeof *idx, group_cmp_static);
    /* one group per kind and scope */
    for (size_t s = 0; s < d->n && !rc;) {
        const dvalue *a = &d->vals[idx[s]];
        size_t e = s + 1;
        while (e < d->n) {
            const dvalue *b = &d->vals[idx[e]];
            if (b->kind != a->kind ||
                strcmp(b->scope_key ? b->scope_key : "", a->scope_key ? a->scope_key : ""))
                break;
            e++;
        }
        size_t n = e - s;
        rc = link_equal(d, idx + s, n, 0, M_KEY);
        if (!rc)
            rc = link_equal(d, idx + s, n, 1, M_WORDS);
        if (!rc)
            rc = link_equal(d, idx + s, n, 2, M_NGRAMS);
        if (!rc)
            rc = link_distance(d, idx + s, n);
        if (!rc)
            rc = emit_clusters(d, idx + s, n, fn, ctx);
        s = e;
    }
    free(idx);
    return rc;
}
