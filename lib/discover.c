/*
 * lib/discover.c - clusters of variant spellings (see discover.h and docs/discovery.md).
 *
 * Layout: `vals` holds each distinct (kind, scope, spelling) with its count and first
 * place, found through `index`; the rules' names join as anchors (other names of a value
 * point at its canonical one). Running sorts the values by (kind, scope, spelling), so
 * that a node number is the same whatever order the records came in, then:
 *   1. per value (threads over ranges of values): the matching key, its code points, the
 *      word set, the bigram set and the acronyms;
 *   2. the first pass of the index (threads): per value, 64-bit hashes with its group and
 *      the entry type mixed in, of every deletion variant of the key with at most one
 *      deletion, of the word set, the bigram set and each acronym; sorted by hash in 256
 *      ranges; in each run of equal hashes two values of one group are a candidate pair
 *      (a pair within distance k shares a deletion variant, so none is missed), checked
 *      on the real strings;
 *   3. a second pass with two deletions, for the long values that may still be a centre;
 *   4. the edges sorted and merged, edges to another name of a rules' value moved to the
 *      value, then each group clustered round anchors: the rules' values first, then the
 *      unknown values by count, each joining the nearest centre it has an edge to, or
 *      becoming a centre itself.
 * Every step's output is sorted before use, so the clusters do not depend on the number
 * of threads. Memory grows with the distinct values, never with the records.
 */
#include "discover.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gpkit/text.h"
#include "internal.h"
#include "lint_impl.h"
#include "rules_impl.h"

enum {
    M_KEY = 1,
    M_WORDS = 2,
    M_NGRAMS = 4,
    M_DISTANCE = 8,
    M_ACRONYM = 16,
    M_SHORT = 32, /* one edit between values too short for typo matching: folding only */
    THREADS_MAX = 16,
    EQUAL_RUN_MAX = 64, /* a run of equal word sets larger than this is linked as a star */
};

/* Entry types of the index. */
enum { T_DELETE, T_WORDS, T_NGRAMS, T_ACRONYM };

/*
 * The allowed edit distance by the key's length in characters: none below 4 (two short
 * words one edit apart are as often different words as typos), 1 up to K2_MIN, 2 from
 * there. A pair is held to the allowance of its shorter value.
 */
enum { K1_MIN = 4, K2_MIN = 25 };

/* How much more frequent a neighbour must be for a small cluster to be folded into its. */
enum { FOLD_RATIO = 4 };

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
    const char *acronym; /* the rules' acronym of a known institution */
    size_t alias_of;     /* another name of the rules' value vals[alias_of - 1]; 0: none */
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
    int threads;
};

static const char *const kind_tag = "crtpi";

static int words_of(const gp_discover *d, const char *key, gp_buf *out);

int gp_discover_new(gp_discover **out, gp_ruleset *rules)
{
    *out = NULL;
    gp_discover *d = calloc(1, sizeof *d);
    if (!d)
        return GP_ENOMEM;
    d->rules = rules;
    d->threads = 1;
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

void gp_discover_set_threads(gp_discover *d, int threads)
{
    d->threads = threads < 1 ? 1 : threads > THREADS_MAX ? THREADS_MAX : threads;
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

/* Whether place (file, line, column) comes before the one `v` keeps. */
static int earlier(const dvalue *v, const char *file, long line, long column)
{
    if (!v->file)
        return 1;
    int c = strcmp(file, v->file);
    if (c)
        return c < 0;
    return line != v->line ? line < v->line : column < v->column;
}

static void set_place(gp_discover *d, dvalue *v, const char *file, long line, long column,
                      const char *record_id, const char *pointer)
{
    v->file = keep(d, file);
    v->line = line;
    v->column = column;
    v->record_id = keep(d, record_id);
    v->pointer = keep(d, pointer);
}

/* Adds or counts a value; *at is its index in `vals`. */
static int add_value(gp_discover *d, gp_vocab_kind kind, const char *scope, const char *value,
                     int known, const char *file, long line, long column, const char *record_id,
                     const char *pointer, size_t *at)
{
    const char *scope_key = NULL;
    if (scope && !(scope_key = gp_discover_scope_key(d, scope)))
        return GP_ENOMEM;
    /* the map key "<kind><scope words>\x1f<value>", on the stack when it fits */
    char small[512];
    size_t ls = scope_key ? strlen(scope_key) : 0, lv = strlen(value), lk = ls + lv + 2;
    char *k = lk <= sizeof small ? small : malloc(lk);
    if (!k)
        return GP_ENOMEM;
    k[0] = kind_tag[kind];
    if (ls)
        memcpy(k + 1, scope_key, ls);
    k[ls + 1] = '\x1f';
    memcpy(k + ls + 2, value, lv);
    void **slot;
    int rc = gp_map_upsert(d->index, k, lk, &slot);
    if (k != small)
        free(k);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        dvalue *v = &d->vals[(size_t)(uintptr_t)*slot - 1];
        *at = (size_t)(uintptr_t)*slot - 1;
        v->count += file != NULL;
        v->known |= known;
        /* the first place in the input, whichever thread got there first */
        if (file && earlier(v, file, line, column))
            set_place(d, v, file, line, column, record_id, pointer);
        return v->value && (!file || v->file) ? GP_OK : GP_ENOMEM;
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
    if (file)
        set_place(d, v, file, line, column, record_id, pointer);
    *at = d->n;
    *slot = (void *)(uintptr_t)(++d->n);
    return v->value ? GP_OK : GP_ENOMEM;
}

int gp_discover_add(gp_discover *d, gp_vocab_kind kind, const char *scope, const char *value,
                    int known, const char *file, long line, long column, const char *record_id,
                    const char *pointer)
{
    size_t at;
    return add_value(d, kind, scope, value, known, file, line, column, record_id, pointer, &at);
}

/* The canonical name of the country an institution entry belongs to (its scope). */
static const char *country_name(const gp_discover *d, const char *code)
{
    const gp_vocab *cv = &d->rules->vocab[GP_VOCAB_COUNTRY];
    for (size_t c = 0; code && c < cv->len; c++)
        if (cv->entries[c].code && strcmp(cv->entries[c].code, code) == 0)
            return cv->entries[c].name;
    return NULL;
}

/*
 * Every canonical name of the rules, so that a variant can point at it, and the other
 * names the rules write for it (aliases, former names, ISO names, the site's
 * translations; not ICU's translations into every language): a typo of "Iran" is as near
 * "Iran, Islamic Republic of" as of "Iraq", though only the canonical name is counted.
 */
static int add_anchors(gp_discover *d)
{
    static const gp_vocab_kind kinds[] = {GP_VOCAB_COUNTRY, GP_VOCAB_REGION, GP_VOCAB_TOPIC,
                                          GP_VOCAB_PRIORITY_AREA, GP_VOCAB_INSTITUTION};
    for (size_t k = 0; k < GP_ARRAY_LEN(kinds); k++) {
        const gp_vocab *v = &d->rules->vocab[kinds[k]];
        size_t *anchor = malloc((v->len ? v->len : 1) * sizeof *anchor);
        if (!anchor)
            return GP_ENOMEM;
        int rc = GP_OK;
        for (size_t i = 0; i < v->len && !rc; i++) {
            /* institutions are scoped by the country's canonical name, as lint passes it */
            const char *scope =
                kinds[k] == GP_VOCAB_INSTITUTION ? country_name(d, v->entries[i].country) : NULL;
            rc = add_value(d, kinds[k], scope, v->entries[i].name, 1, NULL, 0, 0, NULL, NULL,
                           &anchor[i]);
            if (!rc && v->entries[i].acronym)
                d->vals[anchor[i]].acronym = v->entries[i].acronym;
        }
        size_t pos = 0;
        const char *key;
        size_t klen;
        void *chain;
        while (!rc && v->names && gp_map_next(v->names, &pos, &key, &klen, &chain)) {
            for (const gp_name *nm = chain; nm && !rc; nm = nm->next) {
                if ((nm->kind != GP_NAME_ALIAS && nm->kind != GP_NAME_STANDARD &&
                     nm->kind != GP_NAME_WRITTEN_TRANSLATION) ||
                    nm->entry >= v->len || !nm->spelling)
                    continue;
                const gp_entry *en = &v->entries[nm->entry];
                const char *scope =
                    kinds[k] == GP_VOCAB_INSTITUTION ? country_name(d, en->country) : NULL;
                size_t at;
                rc = add_value(d, kinds[k], scope, nm->spelling, 1, NULL, 0, 0, NULL, NULL, &at);
                /* a spelling that is itself a canonical name stays its own value */
                if (!rc && at != anchor[nm->entry] && !d->vals[at].alias_of &&
                    d->vals[at].count == 0 && strcmp(d->vals[at].value, en->name) != 0) {
                    int canonical = 0;
                    for (size_t i = 0; i < v->len && !canonical; i++)
                        canonical = anchor[i] == at;
                    if (!canonical)
                        d->vals[at].alias_of = anchor[nm->entry] + 1;
                }
            }
        }
        free(anchor);
        if (rc)
            return rc;
    }
    return GP_OK;
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
static int words_of(const gp_discover *d, const char *key, gp_buf *out)
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

/* ---- threads ---- */

typedef void (*task_fn)(void *ctx, int thread, int nthreads);

typedef struct task {
    task_fn fn;
    void *ctx;
    int thread, nthreads;
} task;

static void *task_main(void *p)
{
    task *t = p;
    t->fn(t->ctx, t->thread, t->nthreads);
    return NULL;
}

/* Runs fn on `nthreads` threads (the caller is thread 0); fewer when one cannot start. */
static void run_threads(int nthreads, task_fn fn, void *ctx)
{
    pthread_t th[THREADS_MAX];
    task tasks[THREADS_MAX];
    int started = 1;
    for (int k = 1; k < nthreads; k++) {
        tasks[k] = (task){fn, ctx, k, nthreads};
        if (pthread_create(&th[k], NULL, task_main, &tasks[k]) != 0)
            break;
        started++;
    }
    /* Work is claimed through counters, so threads that did not start leave none undone. */
    fn(ctx, 0, nthreads);
    for (int k = 1; k < started; k++)
        pthread_join(th[k], NULL);
}

/* ---- per value: key, words, bigrams, acronyms ---- */

typedef struct node {
    const dvalue *v;
    uint32_t group;
    uint32_t nch;       /* code points of the key */
    const uint32_t *cp; /* the key's code points */
    const char *key, *words, *ngrams;
    const char *acro[4]; /* acronyms, upper case */
    uint8_t nacro;
    uint8_t k;     /* allowed distance */
    uint8_t depth; /* deletions indexed in the current pass (0: only the key itself) */
    uint8_t in_pass;
    uint32_t canon; /* the node of the rules' value this name is another name of, or itself */
    size_t entry_off, nentries;
} node;

typedef struct run_ctx {
    gp_discover *d;
    node *nodes;
    size_t n;
    gp_text *text[THREADS_MAX];
    gp_arena *arena[THREADS_MAX];
    atomic_size_t next;
    atomic_int rc;
    struct entry *entries;
    size_t nentries;
    int first; /* the first pass (see count_entries) */
    size_t bucket_start[257];
    struct edge_vec *edges; /* one per thread */
} run_ctx;

static unsigned allowed_for(size_t nch)
{
    return nch < K1_MIN ? 0 : nch < K2_MIN ? 1 : 2;
}

static int is_acronym_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/*
 * Acronyms a name writes ("Mutual de Seguridad CChC"): a token of 3 to 12 bytes with at
 * least two capitals and twice as many capitals as small letters, not a Roman numeral.
 * A name written all in capitals has none (each of its words would look like one).
 */
static void acronyms_of(gp_arena *a, node *nd, const char *s)
{
    int lower = 0, tokens = 0;
    for (const char *p = s; *p; p++)
        lower |= *p >= 'a' && *p <= 'z';
    for (const char *p = s; *p;) {
        while (*p && !is_acronym_char((unsigned char)*p))
            p++;
        const char *b = p;
        while (*p && is_acronym_char((unsigned char)*p))
            p++;
        tokens += p > b;
    }
    if (!lower && tokens > 1)
        return;
    for (const char *p = s; *p && nd->nacro < GP_ARRAY_LEN(nd->acro);) {
        while (*p && !is_acronym_char((unsigned char)*p))
            p++;
        const char *b = p;
        int up = 0, low = 0, roman = 1;
        for (; *p && is_acronym_char((unsigned char)*p); p++) {
            up += *p >= 'A' && *p <= 'Z';
            low += *p >= 'a' && *p <= 'z';
            roman &= *p == 'I' || *p == 'V' || *p == 'X';
        }
        size_t len = (size_t)(p - b);
        if (len < 3 || len > 12 || up < 2 || up < 2 * low || roman)
            continue;
        char *t = gp_arena_strndup(a, b, len);
        if (!t)
            return;
        for (char *q = t; *q; q++)
            if (*q >= 'a' && *q <= 'z')
                *q = (char)(*q - 'a' + 'A');
        nd->acro[nd->nacro++] = t;
    }
}

static int prepare_node(run_ctx *rc, int th, node *nd)
{
    gp_arena *a = rc->arena[th];
    gp_buf k = GP_BUF_INIT, wb = GP_BUF_INIT;
    int err = gp_text_key(rc->text[th], nd->v->value, strlen(nd->v->value), &k);
    if (!err)
        err = words_of(rc->d, gp_buf_str(&k), &wb);
    nd->key = gp_arena_strdup(a, gp_buf_str(&k));
    nd->words = gp_arena_strdup(a, gp_buf_str(&wb));
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
    nd->ngrams = gp_arena_strndup(a, grams[0], ng * 2);
    int oom = !nd->key || !nd->words || !nd->ngrams || k.oom || wb.oom;
    gp_buf_free(&k);
    gp_buf_free(&wb);
    if (err || oom)
        return err ? err : GP_ENOMEM;
    size_t len = strlen(nd->key), n = gp_text_char_count(nd->key, len);
    uint32_t *cp = gp_arena_alloc(a, (n ? n : 1) * sizeof *cp);
    if (!cp)
        return GP_ENOMEM;
    n = 0;
    for (size_t i = 0; i < len;)
        cp[n++] = gp_utf8_next(nd->key, len, &i);
    nd->cp = cp;
    nd->nch = (uint32_t)n;
    nd->k = (uint8_t)allowed_for(n);
    if (nd->v->kind == GP_VOCAB_INSTITUTION) {
        acronyms_of(a, nd, nd->v->value);
        if (nd->v->acronym && nd->nacro < GP_ARRAY_LEN(nd->acro)) {
            node tmp = {0};
            acronyms_of(a, &tmp, nd->v->acronym);
            for (size_t i = 0; i < tmp.nacro && nd->nacro < GP_ARRAY_LEN(nd->acro); i++)
                nd->acro[nd->nacro++] = tmp.acro[i];
        }
    }
    return GP_OK;
}

enum { CHUNK = 256 };

static void prepare_task(void *p, int th, int nthreads)
{
    (void)nthreads;
    run_ctx *rc = p;
    for (;;) {
        size_t s = atomic_fetch_add(&rc->next, CHUNK);
        if (s >= rc->n || atomic_load(&rc->rc))
            return;
        size_t e = s + CHUNK < rc->n ? s + CHUNK : rc->n;
        for (size_t i = s; i < e; i++) {
            int err = prepare_node(rc, th, &rc->nodes[i]);
            if (err) {
                int zero = 0;
                atomic_compare_exchange_strong(&rc->rc, &zero, err);
                return;
            }
        }
    }
}

/* ---- the index ---- */

typedef struct entry {
    uint64_t h;
    uint32_t node;
    uint8_t type;
    uint8_t aux; /* deletions made (T_DELETE) or the acronym's number (T_ACRONYM) */
} entry;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t salt(uint32_t group, int type)
{
    return mix64(((uint64_t)group << 8 | (uint64_t)type) + 0x9e3779b97f4a7c15ULL);
}

static const uint64_t HB = 0x100000001b3ULL;

/*
 * Two passes: the first indexes every value with at most one deletion, plus its word set,
 * bigram set and acronyms; the second only the long values that could still be a centre
 * (see second_pass) with up to two deletions.
 */
static size_t count_entries(const node *nd, int first)
{
    if (!nd->in_pass)
        return 0;
    size_t n = nd->nch, ne = 1;
    if (nd->depth >= 1)
        ne += n;
    if (nd->depth >= 2)
        ne += n * (n - 1) / 2;
    if (first) {
        ne += *nd->words != '\0';
        ne += strlen(nd->ngrams) >= 8;
        ne += nd->nacro;
    }
    return ne;
}

/*
 * Deletion variants by polynomial hashes of code points: with prefix hashes P and powers
 * of B, the hash of the key without positions i (and j) costs O(1), so the n(n-1)/2
 * variants of depth 2 cost no more than their number. The hash is only a bucket key:
 * a collision gives a pair to check, never a pair missed.
 */
static void node_entries(const node *nd, uint32_t id, entry *out, uint64_t *pre, uint64_t *pw,
                         int first)
{
    size_t n = nd->nch, o = 0;
    const uint32_t *c = nd->cp;
    pre[0] = 0;
    pw[0] = 1;
    for (size_t i = 0; i < n; i++) {
        pre[i + 1] = pre[i] * HB + c[i] + 1;
        pw[i + 1] = pw[i] * HB;
    }
    uint64_t sd = salt(nd->group, T_DELETE);
#define SUB(x, y) (pre[y] - pre[x] * pw[(y) - (x)])
    out[o++] = (entry){mix64(pre[n] ^ sd ^ (uint64_t)n), id, T_DELETE, 0};
    if (nd->depth >= 1)
        for (size_t i = 0; i < n; i++) {
            uint64_t h = pre[i] * pw[n - i - 1] + SUB(i + 1, n);
            out[o++] = (entry){mix64(h ^ sd ^ (uint64_t)(n - 1)), id, T_DELETE, 1};
        }
    if (nd->depth >= 2)
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                uint64_t h =
                    (pre[i] * pw[j - i - 1] + SUB(i + 1, j)) * pw[n - j - 1] + SUB(j + 1, n);
                out[o++] = (entry){mix64(h ^ sd ^ (uint64_t)(n - 2)), id, T_DELETE, 2};
            }
#undef SUB
    if (!first)
        return;
    if (*nd->words)
        out[o++] = (entry){mix64(gp__hash(nd->words, strlen(nd->words)) ^ salt(nd->group, T_WORDS)),
                           id, T_WORDS, 0};
    if (strlen(nd->ngrams) >= 8)
        out[o++] =
            (entry){mix64(gp__hash(nd->ngrams, strlen(nd->ngrams)) ^ salt(nd->group, T_NGRAMS)), id,
                    T_NGRAMS, 0};
    for (uint8_t i = 0; i < nd->nacro; i++)
        out[o++] =
            (entry){mix64(gp__hash(nd->acro[i], strlen(nd->acro[i])) ^ salt(nd->group, T_ACRONYM)),
                    id, T_ACRONYM, i};
}

static void entries_task(void *p, int th, int nthreads)
{
    (void)th;
    (void)nthreads;
    run_ctx *rc = p;
    uint64_t *pre = NULL, *pw = NULL;
    size_t cap = 0;
    for (;;) {
        size_t s = atomic_fetch_add(&rc->next, CHUNK);
        if (s >= rc->n || atomic_load(&rc->rc))
            break;
        size_t e = s + CHUNK < rc->n ? s + CHUNK : rc->n;
        for (size_t i = s; i < e; i++) {
            node *nd = &rc->nodes[i];
            if (nd->nch + 1 > cap) {
                free(pre);
                free(pw);
                cap = nd->nch + 64;
                pre = malloc(cap * sizeof *pre);
                pw = malloc(cap * sizeof *pw);
                if (!pre || !pw) {
                    int zero = 0;
                    atomic_compare_exchange_strong(&rc->rc, &zero, GP_ENOMEM);
                    cap = 0;
                    goto out;
                }
            }
            if (nd->in_pass)
                node_entries(nd, (uint32_t)i, rc->entries + nd->entry_off, pre, pw, rc->first);
        }
    }
out:
    free(pre);
    free(pw);
}

static int entry_cmp(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    if (a->h != b->h)
        return a->h < b->h ? -1 : 1;
    if (a->node != b->node)
        return a->node < b->node ? -1 : 1;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return (a->aux > b->aux) - (a->aux < b->aux);
}

/* ---- pairs ---- */

typedef struct edge {
    uint32_t a, b; /* a < b */
    uint8_t weight;
    uint8_t methods;
} edge;

typedef struct edge_vec {
    edge *e;
    size_t n, cap;
    uint64_t *cand; /* pairs to check by edit distance, a << 32 | b */
    size_t ncand, capcand;
    int oom;
} edge_vec;

static void push_edge(edge_vec *v, uint32_t a, uint32_t b, unsigned weight, unsigned methods)
{
    if (v->oom || GP_GROW(v->e, v->cap, v->n + 1) != GP_OK) {
        v->oom = 1;
        return;
    }
    v->e[v->n++] = (edge){a < b ? a : b, a < b ? b : a, (uint8_t)weight, (uint8_t)methods};
}

static void push_cand(edge_vec *v, uint32_t a, uint32_t b)
{
    if (v->oom || GP_GROW(v->cand, v->capcand, v->ncand + 1) != GP_OK) {
        v->oom = 1;
        return;
    }
    v->cand[v->ncand++] = (uint64_t)(a < b ? a : b) << 32 | (a < b ? b : a);
}

/*
 * Optimal string alignment distance of code points, computed only inside the band
 * |i - j| <= k; returns k + 1 for anything farther.
 */
static unsigned osa_within(const uint32_t *a, size_t n, const uint32_t *b, size_t m, unsigned k)
{
    const unsigned inf = k + 1;
    if ((n > m ? n - m : m - n) > k)
        return inf;
    enum { W = 256 };
    if (m >= W)
        return inf; /* not a name; never clustered by distance */
    unsigned r[3][W];
    unsigned *pp = r[0], *p = r[1], *c = r[2];
    for (size_t j = 0; j <= m; j++)
        p[j] = j <= k ? (unsigned)j : inf;
    /* each row is computed in its band; the cells beside the band are set to inf */
    for (size_t i = 1; i <= n; i++) {
        size_t lo = i > k ? i - k : 1, hi = i + k < m ? i + k : m;
        c[0] = i <= k ? (unsigned)i : inf;
        if (lo > 1)
            c[lo - 1] = inf;
        unsigned best = c[0];
        for (size_t j = lo; j <= hi; j++) {
            unsigned v = p[j - 1] + (a[i - 1] != b[j - 1]);
            if (p[j] + 1 < v)
                v = p[j] + 1;
            if (c[j - 1] + 1 < v)
                v = c[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v > inf ? inf : v;
            if (c[j] < best)
                best = c[j];
        }
        if (hi < m)
            c[hi + 1] = inf;
        if (best > k)
            return inf;
        unsigned *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    return p[m] > inf ? inf : p[m];
}

static int same_words(const node *x, const node *y, int type, uint8_t ax, uint8_t ay)
{
    switch (type) {
    case T_WORDS:
        return strcmp(x->words, y->words) == 0;
    case T_NGRAMS:
        return strcmp(x->ngrams, y->ngrams) == 0;
    default:
        return strcmp(x->acro[ax], y->acro[ay]) == 0;
    }
}

/* The pairs of one run of equal hashes. */
static void run_pairs(run_ctx *rc, edge_vec *ev, const entry *s, const entry *e)
{
    /* a large run of one word set needs no more than a star to link it */
    int star = s->type != T_DELETE && e - s > EQUAL_RUN_MAX;
    for (const entry *x = s; x < e; x++) {
        if (star && x == s)
            continue;
        const node *nx = &rc->nodes[x->node];
        for (const entry *y = star ? s : x + 1; y < (star ? s + 1 : e); y++) {
            if (y->node == x->node || y->type != x->type)
                continue;
            const node *ny = &rc->nodes[y->node];
            if (nx->group != ny->group)
                continue;
            if (x->type == T_DELETE) {
                unsigned k = nx->depth < ny->depth ? nx->depth : ny->depth;
                unsigned dl = nx->nch > ny->nch ? nx->nch - ny->nch : ny->nch - nx->nch;
                /* a pair within k shares a variant of at most k deletions on each side */
                if (x->aux > k || y->aux > k || dl > k)
                    continue;
                push_cand(ev, x->node, y->node);
            } else if (same_words(nx, ny, x->type, x->aux, y->aux)) {
                static const unsigned char method[] = {0, M_WORDS, M_NGRAMS, M_ACRONYM};
                push_edge(ev, x->node, y->node, x->type == T_WORDS ? 0 : 1, method[x->type]);
            }
        }
    }
}

static int u64_cmp(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

static void pairs_task(void *p, int th, int nthreads)
{
    (void)nthreads;
    run_ctx *rc = p;
    edge_vec *ev = &rc->edges[th];
    for (;;) {
        size_t bk = atomic_fetch_add(&rc->next, 1);
        if (bk >= 256)
            break;
        entry *b = rc->entries + rc->bucket_start[bk], *be = rc->entries + rc->bucket_start[bk + 1];
        qsort(b, (size_t)(be - b), sizeof *b, entry_cmp);
        for (entry *s = b; s < be;) {
            entry *e = s + 1;
            while (e < be && e->h == s->h)
                e++;
            if (e - s > 1)
                run_pairs(rc, ev, s, e);
            s = e;
        }
    }
    /* check the candidates by edit distance, each pair once */
    if (ev->ncand)
        qsort(ev->cand, ev->ncand, sizeof *ev->cand, u64_cmp);
    for (size_t i = 0; i < ev->ncand; i++) {
        if (i && ev->cand[i] == ev->cand[i - 1])
            continue;
        uint32_t a = (uint32_t)(ev->cand[i] >> 32), b = (uint32_t)ev->cand[i];
        const node *na = &rc->nodes[a], *nb = &rc->nodes[b];
        unsigned k = na->depth < nb->depth ? na->depth : nb->depth;
        unsigned dist = osa_within(na->cp, na->nch, nb->cp, nb->nch, k);
        unsigned allowed = na->k < nb->k ? na->k : nb->k;
        if (dist <= k)
            push_edge(ev, a, b, dist, (dist ? M_DISTANCE : M_KEY) | (dist > allowed ? M_SHORT : 0));
    }
    free(ev->cand);
    ev->cand = NULL;
    ev->ncand = ev->capcand = 0;
}

static int edge_cmp(const void *pa, const void *pb)
{
    const edge *a = pa, *b = pb;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    return (a->weight > b->weight) - (a->weight < b->weight);
}

/* ---- clusters round anchors ---- */

typedef struct adj {
    uint32_t to;
    uint8_t weight, methods;
} adj;

#define NONE UINT32_MAX
#define CONTESTED (UINT32_MAX - 1)

/* Centres are taken by rank: known first, then by count, then by spelling (node order). */
static int rank_before(const node *nodes, uint32_t a, uint32_t b)
{
    const dvalue *x = nodes[a].v, *y = nodes[b].v;
    if (x->known != y->known)
        return x->known;
    if (x->count != y->count)
        return x->count > y->count;
    return a < b;
}

typedef struct ranked {
    int known;
    size_t count;
    uint32_t node;
} ranked;

static int ranked_cmp(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->known != b->known)
        return a->known ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return (a->node > b->node) - (a->node < b->node);
}

typedef struct group_ctx {
    const node *nodes;
    const size_t *off; /* adjacency offsets */
    const adj *adj;
    uint32_t *centre; /* per node: its centre (itself for a centre), NONE or CONTESTED */
    uint8_t *methods; /* per node: how it joined its centre */
    ranked *order;    /* scratch */
    uint32_t *size;   /* per centre: its members, itself included */
} group_ctx;

/* The centre a node ends with, through clusters folded into others. */
static uint32_t centre_of(const uint32_t *centre, uint32_t v)
{
    uint32_t c = centre[v];
    if (c == NONE || c == CONTESTED)
        return c;
    while (centre[c] != c)
        c = centre[c];
    return c;
}

/*
 * Each value joins the nearest centre among its direct neighbours (no chains: a typo of
 * a typo too far from the true value stays out rather than bridging two values). Known
 * values are the first centres, so two of them never share a cluster; an unknown value
 * next to no centre becomes one. Nearest two known values at once: left out (contested).
 */
static void cluster_group(group_ctx *g, size_t s, size_t e)
{
    const node *nodes = g->nodes;
    size_t n = e - s;
    for (size_t i = 0; i < n; i++)
        g->order[i] = (ranked){nodes[s + i].v->known, nodes[s + i].v->count, (uint32_t)(s + i)};
    qsort(g->order, n, sizeof *g->order, ranked_cmp);
    for (size_t r = 0; r < n; r++) {
        uint32_t v = g->order[r].node;
        if (nodes[v].v->known) {
            g->centre[v] = v;
            continue;
        }
        uint32_t best = NONE;
        unsigned bw = 0, bm = 0;
        int tie = 0;
        for (size_t a = g->off[v]; a < g->off[v + 1]; a++) {
            uint32_t c = g->adj[a].to;
            if (g->centre[c] != c || (g->adj[a].methods & M_SHORT))
                continue; /* not a centre (or not yet), or too short to join by one edit */
            unsigned w = g->adj[a].weight;
            int ck = nodes[c].v->known;
            if (best == NONE || w < bw || (w == bw && ck && !nodes[best].v->known)) {
                best = c;
                bw = w;
                bm = g->adj[a].methods;
                tie = 0;
            } else if (w == bw && ck && nodes[best].v->known) {
                tie = 1;
            } else if (w == bw && !ck && !nodes[best].v->known && rank_before(nodes, c, best)) {
                best = c;
                bm = g->adj[a].methods;
            }
        }
        if (tie) {
            g->centre[v] = CONTESTED;
        } else if (best != NONE) {
            g->centre[v] = best;
            g->methods[v] = (uint8_t)bm;
        } else {
            g->centre[v] = v;
        }
    }
    /*
     * The value proposed for a cluster of unknown values must not be one edit from a
     * known value far more frequent than itself ("Oma" and "OMA" beside "Oman"): values
     * too short for typo matching are folded into that value's cluster then. (Longer
     * values one edit from a centre have joined it above.) A lone value is left alone: it
     * proposes nothing, and "Ira" may as well be "Iran" as "Iraq".
     */
    for (size_t i = s; i < e; i++)
        g->size[i] = 0;
    for (size_t i = s; i < e; i++)
        if (g->centre[i] != NONE && g->centre[i] != CONTESTED)
            g->size[g->centre[i]]++;
    for (size_t r = 0; r < n; r++) {
        uint32_t c = g->order[r].node;
        if (g->centre[c] != c || nodes[c].v->known || g->size[c] < 2)
            continue;
        uint32_t into = NONE;
        size_t floor = FOLD_RATIO * (nodes[c].v->count ? nodes[c].v->count : 1);
        for (size_t a = g->off[c]; a < g->off[c + 1]; a++) {
            uint32_t w = g->adj[a].to;
            if (!(g->adj[a].methods & M_SHORT) || g->centre[w] != w || !nodes[w].v->known ||
                nodes[w].v->count < floor)
                continue;
            if (into != NONE && into != w)
                into = CONTESTED; /* "Ira" beside "Iran" and "Iraq": no guess */
            else
                into = w;
        }
        if (into != NONE && into != CONTESTED) {
            for (size_t i = s; i < e; i++)
                if (g->centre[i] == c)
                    g->centre[i] = into;
            g->methods[c] = M_DISTANCE;
        }
    }
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
    uint32_t root, node;
    const dvalue *lead; /* the member used first in the input: clusters come in that order */
} rooted;

static int rooted_cmp(const void *pa, const void *pb)
{
    const rooted *a = pa, *b = pb;
    if (a->root != b->root)
        return a->root < b->root ? -1 : 1;
    return (a->node > b->node) - (a->node < b->node);
}

static int lead_cmp(const void *pa, const void *pb)
{
    const rooted *a = pa, *b = pb;
    const dvalue *x = a->lead, *y = b->lead;
    if (x != y) {
        if (!x->file || !y->file) {
            if (x->file || y->file)
                return x->file ? -1 : 1;
        } else if (earlier(x, y->file, y->line, y->column)) {
            return 1;
        } else if (earlier(y, x->file, x->line, x->column)) {
            return -1;
        }
    }
    return rooted_cmp(pa, pb);
}

static int emit_group(const node *nodes, const uint32_t *centre, const uint8_t *methods, size_t s,
                      size_t e, gp_cluster_fn fn, void *ctx, rooted *order, gp_variant *members)
{
    size_t n = 0;
    for (size_t i = s; i < e; i++) {
        uint32_t c = centre_of(centre, (uint32_t)i);
        if (c != NONE && c != CONTESTED)
            order[n++] = (rooted){c, (uint32_t)i, nodes[i].v};
    }
    qsort(order, n, sizeof *order, rooted_cmp);
    for (size_t a = 0; a < n;) {
        size_t b = a;
        const dvalue *lead = order[a].lead;
        for (; b < n && order[b].root == order[a].root; b++) {
            const dvalue *v = order[b].lead;
            if (v->file && earlier(lead, v->file, v->line, v->column))
                lead = v;
        }
        for (size_t i = a; i < b; i++)
            order[i].lead = lead;
        a = b;
    }
    qsort(order, n, sizeof *order, lead_cmp);
    int rc = GP_OK;
    for (size_t a = 0; a < n && !rc;) {
        size_t b = a;
        while (b < n && order[b].root == order[a].root)
            b++;
        /*
         * Members: the values records used, and the rules' canonical spelling (which may
         * not be used yet). Worth a finding when a used value is unknown.
         */
        size_t m = 0, unknown = 0;
        unsigned how = 0;
        for (size_t i = a; i < b; i++) {
            const dvalue *v = nodes[order[i].node].v;
            members[m++] = (gp_variant){v->value, v->count,  v->known,     v->file,
                                        v->line,  v->column, v->record_id, v->pointer};
            unknown += !v->known && v->count > 0;
            how |= methods[order[i].node];
        }
        qsort(members, m, sizeof *members, member_cmp);
        /* a canonical spelling nobody used is shown only as the suggestion */
        size_t out = 0;
        for (size_t i = 0; i < m; i++)
            if (members[i].count > 0 || i == 0)
                members[out++] = members[i];
        if (unknown && out >= 2) {
            gp_buf mb = GP_BUF_INIT;
            static const char *const names[] = {"key", "words", "ngrams", "distance", "acronym"};
            for (int bit = 0; bit < 5; bit++) {
                if (!(how & (1u << bit)))
                    continue;
                if (mb.len)
                    gp_buf_puts(&mb, ", ");
                gp_buf_puts(&mb, names[bit]);
            }
            const dvalue *first = nodes[order[a].node].v;
            gp_cluster c = {first->kind, first->scope,     gp_buf_str(&mb), members,
                            out,         members[0].value, members[0].known};
            rc = gp_buf_error(&mb) ? GP_ENOMEM : fn(ctx, &c);
            gp_buf_free(&mb);
        }
        a = b;
    }
    return rc;
}

/* ---- the run ---- */

typedef struct sorted_val {
    gp_vocab_kind kind;
    const char *scope_key, *value;
    size_t at;
} sorted_val;

static int sorted_cmp(const void *pa, const void *pb)
{
    const sorted_val *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    int c = strcmp(a->scope_key ? a->scope_key : "", b->scope_key ? b->scope_key : "");
    if (c)
        return c;
    return strcmp(a->value, b->value);
}

static int same_group(const sorted_val *a, const sorted_val *b)
{
    return a->kind == b->kind &&
           strcmp(a->scope_key ? a->scope_key : "", b->scope_key ? b->scope_key : "") == 0;
}

static void run_free(run_ctx *rc)
{
    for (int t = 0; t < THREADS_MAX; t++) {
        if (t > 0)
            gp_text_free(rc->text[t]);
        gp_arena_free(rc->arena[t]);
        if (rc->edges) {
            free(rc->edges[t].e);
            free(rc->edges[t].cand);
        }
    }
    free(rc->edges);
    free(rc->entries);
    free(rc->nodes);
}

/* Nodes in (kind, scope, spelling) order, their keys and their index entries. */
static int build_nodes(run_ctx *rc, int nthreads)
{
    gp_discover *d = rc->d;
    sorted_val *sv = malloc((d->n ? d->n : 1) * sizeof *sv);
    rc->nodes = calloc(d->n ? d->n : 1, sizeof *rc->nodes);
    if (!sv || !rc->nodes) {
        free(sv);
        return GP_ENOMEM;
    }
    for (size_t i = 0; i < d->n; i++)
        sv[i] = (sorted_val){d->vals[i].kind, d->vals[i].scope_key, d->vals[i].value, i};
    qsort(sv, d->n, sizeof *sv, sorted_cmp);
    uint32_t group = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (i && !same_group(&sv[i - 1], &sv[i]))
            group++;
        rc->nodes[i].v = &d->vals[sv[i].at];
        rc->nodes[i].group = group;
    }
    /* another name of a value of the rules stands for that value's node */
    uint32_t *node_of = malloc((d->n ? d->n : 1) * sizeof *node_of);
    if (!node_of) {
        free(sv);
        return GP_ENOMEM;
    }
    for (size_t i = 0; i < d->n; i++)
        node_of[sv[i].at] = (uint32_t)i;
    for (size_t i = 0; i < d->n; i++) {
        size_t of = rc->nodes[i].v->alias_of;
        rc->nodes[i].canon = of ? node_of[of - 1] : (uint32_t)i;
    }
    free(node_of);
    free(sv);
    rc->n = d->n;
    rc->text[0] = d->text;
    for (int t = 0; t < nthreads; t++) {
        if (t > 0 && gp_text_new(&rc->text[t]))
            return GP_ENOMEM;
        if (gp_arena_new(&rc->arena[t]))
            return GP_ENOMEM;
    }
    atomic_store(&rc->next, 0);
    run_threads(nthreads, prepare_task, rc);
    return atomic_load(&rc->rc);
}

static int bucket_entries(run_ctx *rc);

/* One pass of the index: entries of the nodes in the pass, then the pairs they share. */
static int index_pass(run_ctx *rc, int nthreads, int first)
{
    size_t total = 0;
    rc->first = first;
    for (size_t i = 0; i < rc->n; i++) {
        rc->nodes[i].entry_off = total;
        rc->nodes[i].nentries = count_entries(&rc->nodes[i], first);
        total += rc->nodes[i].nentries;
    }
    rc->entries = malloc((total ? total : 1) * sizeof *rc->entries);
    if (!rc->entries)
        return GP_ENOMEM;
    rc->nentries = total;
    atomic_store(&rc->next, 0);
    run_threads(nthreads, entries_task, rc);
    int err = atomic_load(&rc->rc);
    if (!err)
        err = bucket_entries(rc);
    if (!err) {
        atomic_store(&rc->next, 0);
        run_threads(nthreads, pairs_task, rc);
    }
    free(rc->entries);
    rc->entries = NULL;
    return err;
}

/* Entries into 256 ranges by their hash's top byte: each range is sorted by one thread. */
static int bucket_entries(run_ctx *rc)
{
    size_t count[256] = {0};
    for (size_t i = 0; i < rc->nentries; i++)
        count[rc->entries[i].h >> 56]++;
    rc->bucket_start[0] = 0;
    for (int b = 0; b < 256; b++)
        rc->bucket_start[b + 1] = rc->bucket_start[b] + count[b];
    entry *to = malloc((rc->nentries ? rc->nentries : 1) * sizeof *to);
    if (!to)
        return GP_ENOMEM;
    size_t at[256];
    memcpy(at, rc->bucket_start, sizeof at);
    for (size_t i = 0; i < rc->nentries; i++)
        to[at[rc->entries[i].h >> 56]++] = rc->entries[i];
    free(rc->entries);
    rc->entries = to;
    return GP_OK;
}

/* The edges of every thread, sorted, each pair once (least weight, every method). */
static int merge_edges(run_ctx *rc, int nthreads, edge **out, size_t *nout)
{
    size_t total = *nout;
    for (int t = 0; t < nthreads; t++) {
        if (rc->edges[t].oom)
            return GP_ENOMEM;
        total += rc->edges[t].n;
    }
    edge *all = malloc((total ? total : 1) * sizeof *all);
    if (!all)
        return GP_ENOMEM;
    size_t n = *nout;
    if (n)
        memcpy(all, *out, n * sizeof *all);
    for (int t = 0; t < nthreads; t++) {
        if (rc->edges[t].n)
            memcpy(all + n, rc->edges[t].e, rc->edges[t].n * sizeof *all);
        n += rc->edges[t].n;
        free(rc->edges[t].e);
        rc->edges[t].e = NULL;
        rc->edges[t].n = rc->edges[t].cap = 0;
    }
    qsort(all, n, sizeof *all, edge_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && all[m - 1].a == all[i].a && all[m - 1].b == all[i].b) {
            all[m - 1].methods |= all[i].methods; /* the first has the least weight */
            continue;
        }
        all[m++] = all[i];
    }
    free(*out);
    *out = all;
    *nout = m;
    return GP_OK;
}

static int cluster_all(run_ctx *rc, const edge *edges, size_t nedges, gp_cluster_fn fn, void *ctx)
{
    size_t n = rc->n;
    size_t *off = calloc(n + 1, sizeof *off);
    adj *adjs = malloc((2 * nedges + 1) * sizeof *adjs);
    uint32_t *centre = malloc((n ? n : 1) * sizeof *centre);
    uint8_t *methods = calloc(n ? n : 1, 1);
    size_t *fill = malloc((n ? n : 1) * sizeof *fill);
    ranked *order = malloc((n ? n : 1) * sizeof *order);
    uint32_t *size = malloc((n ? n : 1) * sizeof *size);
    rooted *ro = malloc((n ? n : 1) * sizeof *ro);
    gp_variant *members = malloc((n ? n : 1) * sizeof *members);
    int err = GP_OK;
    if (!off || !adjs || !centre || !methods || !fill || !order || !size || !ro || !members) {
        err = GP_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < nedges; i++) {
        off[edges[i].a + 1]++;
        off[edges[i].b + 1]++;
    }
    for (size_t i = 0; i < n; i++)
        off[i + 1] += off[i];
    for (size_t i = 0; i < n; i++)
        fill[i] = off[i];
    for (size_t i = 0; i < nedges; i++) {
        adjs[fill[edges[i].a]++] = (adj){edges[i].b, edges[i].weight, edges[i].methods};
        adjs[fill[edges[i].b]++] = (adj){edges[i].a, edges[i].weight, edges[i].methods};
    }
    for (size_t i = 0; i < n; i++)
        centre[i] = NONE;
    group_ctx g = {rc->nodes, off, adjs, centre, methods, order, size};
    for (size_t s = 0; s < n && !err;) {
        size_t e = s + 1;
        while (e < n && rc->nodes[e].group == rc->nodes[s].group)
            e++;
        cluster_group(&g, s, e);
        err = emit_group(rc->nodes, centre, methods, s, e, fn, ctx, ro, members);
        s = e;
    }
done:
    free(off);
    free(adjs);
    free(centre);
    free(methods);
    free(fill);
    free(order);
    free(size);
    free(ro);
    free(members);
    return err;
}

/*
 * An edge to another name of a value of the rules becomes an edge to that value, so
 * that a value near "Iran" is near "Iran, Islamic Republic of". Returns whether any did.
 */
static int remap_edges(run_ctx *rc, edge *edges, size_t *nedges)
{
    size_t m = 0;
    int changed = 0;
    for (size_t i = 0; i < *nedges; i++) {
        uint32_t a = rc->nodes[edges[i].a].canon, b = rc->nodes[edges[i].b].canon;
        changed |= a != edges[i].a || b != edges[i].b;
        if (a == b)
            continue;
        edges[m] = edges[i];
        edges[m].a = a < b ? a : b;
        edges[m].b = a < b ? b : a;
        m++;
    }
    *nedges = m;
    return changed;
}

/*
 * The second pass, for two edits: between long values that could be a centre, that is
 * known values and values with no link to one ranked above them. A value one edit from
 * a more frequent one joins it (or its centre) anyway, so two edits are only looked for
 * where they can change a cluster, and the pairs between the many one-edit typos of a
 * frequent value (all within two edits of each other) are never enumerated.
 * Returns how many values take part.
 */
static size_t second_pass_nodes(run_ctx *rc, const edge *edges, size_t nedges)
{
    for (size_t i = 0; i < rc->n; i++)
        rc->nodes[i].in_pass = rc->nodes[i].k >= 2;
    for (size_t i = 0; i < nedges; i++) {
        uint32_t lower = rank_before(rc->nodes, edges[i].a, edges[i].b) ? edges[i].b : edges[i].a;
        if (!rc->nodes[lower].v->known)
            rc->nodes[lower].in_pass = 0;
    }
    /* known values take part only where an unknown value does: no pairs without one */
    size_t n = 0;
    for (size_t s = 0; s < rc->n;) {
        size_t e = s, unknown = 0;
        for (; e < rc->n && rc->nodes[e].group == rc->nodes[s].group; e++)
            unknown += rc->nodes[e].in_pass && !rc->nodes[e].v->known;
        for (size_t i = s; i < e; i++) {
            node *nd = &rc->nodes[i];
            nd->in_pass = nd->in_pass && unknown;
            nd->depth = nd->in_pass ? 2 : 0;
            n += nd->in_pass;
        }
        s = e;
    }
    return n;
}

int gp_discover_run(gp_discover *d, gp_cluster_fn fn, void *ctx)
{
    int err = add_anchors(d);
    if (err)
        return err;
    if (d->n >= UINT32_MAX - 2)
        return GP_ENOMEM;
    int nthreads = d->threads;
    run_ctx *rc = calloc(1, sizeof *rc);
    if (!rc)
        return GP_ENOMEM;
    rc->d = d;
    rc->edges = calloc(THREADS_MAX, sizeof *rc->edges);
    err = rc->edges ? build_nodes(rc, nthreads) : GP_ENOMEM;
    edge *edges = NULL;
    size_t nedges = 0;
    for (size_t i = 0; i < rc->n; i++) {
        rc->nodes[i].in_pass = 1;
        /* values too short for typo matching still find one-edit neighbours to fold into */
        rc->nodes[i].depth = rc->nodes[i].nch >= 3;
    }
    if (!err)
        err = index_pass(rc, nthreads, 1);
    if (!err)
        err = merge_edges(rc, nthreads, &edges, &nedges);
    if (!err && second_pass_nodes(rc, edges, nedges))
        err = index_pass(rc, nthreads, 0);
    if (!err)
        err = merge_edges(rc, nthreads, &edges, &nedges);
    if (!err && remap_edges(rc, edges, &nedges))
        err = merge_edges(rc, nthreads, &edges, &nedges);
    if (!err)
        err = cluster_all(rc, edges, nedges, fn, ctx);
    free(edges);
    run_free(rc);
    free(rc);
    return err;
}
