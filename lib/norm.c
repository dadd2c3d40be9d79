/*
 * lib/norm.c - canonical records: text clean-up, vocabulary resolution, stable ids.
 *
 * Text passes through three scratch buffers: typography folding, NFC, white space.
 * When nothing changed the record keeps its string, so canonical input costs no
 * allocation. Vocabulary lookups are cached per (value, country, year): a dataset
 * repeats the same few hundred names, and a matching key may need ICU's transliterator,
 * which is slow. The caches are dropped when they grow past CACHE_MAX entries, which
 * keeps memory flat on any input.
 */
#include "gpkit/norm.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "gpkit/hygiene.h"
#include "gpkit/text.h"
#include "internal.h"

/* Small enough to stay in the processor's cache: keyed by year and country too, the
 * institutions of a big dataset fill a large cache with entries seldom asked for again,
 * and there a lookup that misses memory costs more than resolving anew. */
enum { CACHE_MAX = 1 << 13, UNKNOWN_ORDER = 1 << 30 };

/* Bytes of scratch buffer kept between texts; more is freed after use. */
#define GP_NORM_SCRATCH_KEEP ((size_t)1 << 20)

struct gp_normalizer {
    gp_ruleset *rules;
    gp_diag_sink *diags;
    gp_text *text;
    gp_buf fold, nfc, space, key, ckey, idin;
    gp_map *cache;
    gp_arena *cache_arena;
    gp_norm_stats stats;
    gp_hygiene *fix; /* non-NULL when fixing */
    gp_buf fixed;
};

typedef struct cached {
    gp_resolution res; /* first: a resolution from the cache is its entry */
    const char *key;   /* matching key of res.canonical (ids), made on first use */
    size_t key_len;
    int same; /* the value looked up is the canonical spelling, byte for byte */
} cached;

int gp_normalizer_new(gp_normalizer **out, gp_ruleset *rules, gp_diag_sink *diags)
{
    *out = NULL;
    gp_normalizer *n = calloc(1, sizeof *n);
    if (!n)
        return GP_ENOMEM;
    n->rules = rules;
    n->diags = diags;
    int rc = gp_text_new(&n->text);
    if (!rc)
        rc = gp_map_new(&n->cache);
    if (!rc)
        rc = gp_arena_new(&n->cache_arena) ? GP_ENOMEM : GP_OK;
    if (rc) {
        gp_normalizer_free(n);
        return rc;
    }
    *out = n;
    return GP_OK;
}

void gp_normalizer_free(gp_normalizer *n)
{
    if (!n)
        return;
    gp_text_free(n->text);
    gp_buf_free(&n->fold);
    gp_buf_free(&n->nfc);
    gp_buf_free(&n->space);
    gp_buf_free(&n->key);
    gp_buf_free(&n->ckey);
    gp_buf_free(&n->idin);
    gp_map_free(n->cache);
    gp_arena_free(n->cache_arena);
    gp_hygiene_free(n->fix);
    gp_buf_free(&n->fixed);
    free(n);
}

const gp_norm_stats *gp_normalizer_stats(const gp_normalizer *n)
{
    return &n->stats;
}

/* A scratch buffer that one huge text made huge is given back rather than kept. */
static void shrink(gp_buf *b)
{
    if (b->cap > GP_NORM_SCRATCH_KEEP)
        gp_buf_free(b);
}

/*
 * Cleaned text of `s` in n->space; returns its length (0: nothing left) or a GP_E code.
 * Text that is surely NFC (most) is not copied for that step, and the scratch buffers
 * of a huge text are freed as soon as they are used, so a text costs about three times
 * its size here, however large.
 */
static long clean_text(gp_normalizer *n, const char *s, size_t len, int paragraphs)
{
    gp_buf_reset(&n->fold);
    gp_buf_reset(&n->nfc);
    gp_buf_reset(&n->space);
    /* one pass when it can tell, which is most text */
    int fast = gp_text_clean_fast(gp_ruleset_typography(n->rules), s, len, paragraphs, &n->space);
    if (fast < 0)
        return fast;
    if (fast)
        return (long)n->space.len;
    shrink(&n->space); /* a huge text: not four copies at once */
    gp_fold_apply(gp_ruleset_typography(n->rules), s, len, &n->fold);
    const gp_buf *cur = &n->fold;
    int rc = n->fold.oom ? GP_ENOMEM : GP_OK;
    if (!rc && !gp_text_surely_nfc(gp_buf_str(&n->fold), n->fold.len)) {
        rc = gp_text_nfc(n->text, gp_buf_str(&n->fold), n->fold.len, &n->nfc);
        cur = &n->nfc;
        shrink(&n->fold);
    }
    if (!rc)
        rc = gp_text_collapse_space(gp_buf_str(cur), cur->len, paragraphs, &n->space);
    if (!rc && (n->fold.oom || n->nfc.oom || n->space.oom))
        rc = GP_ENOMEM;
    shrink(&n->fold);
    shrink(&n->nfc);
    return rc ? rc : (long)n->space.len;
}

int gp_norm_text(gp_normalizer *n, const char *s, int paragraphs, gp_buf *out)
{
    long len = clean_text(n, s, strlen(s), paragraphs);
    if (len < 0)
        return (int)len;
    gp_buf_put(out, n->space.data ? n->space.data : "", (size_t)len);
    return gp_buf_error(out) ? GP_ENOMEM : GP_OK;
}

int gp_normalizer_set_fix(gp_normalizer *n, int fix)
{
    if (!fix) {
        gp_hygiene_free(n->fix);
        n->fix = NULL;
        return GP_OK;
    }
    return n->fix ? GP_OK : gp_hygiene_new(&n->fix, n->rules);
}

/* Applies the certain hygiene fixes to *slot (with --fix). */
static int fix_string(gp_normalizer *n, gp_record *rec, const char **slot, gp_field f)
{
    if (!n->fix || !*slot)
        return GP_OK;
    size_t count = 0;
    gp_buf_reset(&n->fixed);
    int rc = gp_hygiene_fix(n->fix, *slot, strlen(*slot), f, &n->fixed, &count);
    if (rc || count == 0)
        return rc;
    const char *copy = gp_arena_strndup(rec->arena, gp_buf_str(&n->fixed), n->fixed.len);
    if (!copy)
        return GP_ENOMEM;
    *slot = copy;
    n->stats.fixed[f] += count;
    return GP_OK;
}

/* Replaces *slot by its cleaned text (NULL when empty); counts a change. */
static int norm_string(gp_normalizer *n, gp_record *rec, const char **slot, gp_field f,
                       int paragraphs)
{
    if (!*slot)
        return GP_OK;
    int rc = fix_string(n, rec, slot, f);
    if (rc)
        return rc;
    size_t slen = strlen(*slot);
    if (gp_text_is_clean(gp_ruleset_typography(n->rules), *slot, slen, paragraphs))
        return GP_OK;
    long len = clean_text(n, *slot, slen, paragraphs);
    if (len < 0)
        return (int)len;
    if (len == 0) {
        *slot = NULL;
        n->stats.text_changed[f]++;
        return GP_OK;
    }
    if ((size_t)len == slen && memcmp(*slot, n->space.data, (size_t)len) == 0)
        return GP_OK;
    const char *copy = gp_arena_strndup(rec->arena, n->space.data, (size_t)len);
    shrink(&n->space);
    if (!copy)
        return GP_ENOMEM;
    *slot = copy;
    n->stats.text_changed[f]++;
    return GP_OK;
}

/*
 * Drops the cache when full. Only between records: a record keeps pointers to the
 * entries it resolved (and their keys) until it is done.
 */
static int trim_cache(gp_normalizer *n)
{
    if (gp_map_len(n->cache) < CACHE_MAX)
        return GP_OK;
    gp_map_free(n->cache);
    n->cache = NULL;
    gp_arena_reset(n->cache_arena);
    return gp_map_new(&n->cache);
}

static const gp_resolution *resolve(gp_normalizer *n, gp_vocab_kind kind, const char *value,
                                    int year, const char *cc)
{
    gp_buf *k = &n->ckey;
    gp_buf_reset(k);
    gp_buf_putc(k, (char)('0' + kind));
    gp_buf_puts(k, value);
    gp_buf_putc(k, '\x1f');
    if (cc)
        gp_buf_puts(k, cc);
    gp_buf_putc(k, '\x1f');
    gp_buf_put(k, &year, sizeof year); /* the key is only compared: raw bytes will do */
    if (gp_buf_error(k))
        return NULL;
    cached *c = gp_map_get(n->cache, k->data, k->len);
    if (c)
        return &c->res;
    c = gp_arena_alloc(n->cache_arena, sizeof *c);
    if (!c)
        return NULL;
    c->key = NULL;
    c->key_len = 0;
    c->same = 0;
    if (gp_ruleset_resolve(n->rules, kind, value, strlen(value), year, cc, &c->res) != GP_OK)
        return NULL;
    /* the key holds the value: compared once here, not at every lookup */
    c->same = c->res.canonical && strcmp(c->res.canonical, value) == 0;
    if (gp_map_put(n->cache, k->data, k->len, c) != GP_OK)
        return NULL;
    return &c->res;
}

const gp_resolution *gp_norm_resolve(gp_normalizer *n, gp_vocab_kind kind, const char *value,
                                     int year, const char *country_code)
{
    if (trim_cache(n) != GP_OK)
        return NULL;
    return resolve(n, kind, value, year, country_code);
}

static const char *rule_for(gp_vocab_kind kind)
{
    static const char *const ids[GP_VOCAB_COUNT] = {"country.unknown", "region.unknown",
                                                    "topic.unknown", "priority-area.unknown",
                                                    "institution.unknown"};
    return ids[kind];
}

static void report_unknown(gp_normalizer *n, const gp_record *rec, gp_vocab_kind kind,
                           const char *pointer, const char *value)
{
    gp_diag d = GP_DIAG_INIT;
    d.severity = GP_SEV_WARNING;
    d.rule_id = rule_for(kind);
    d.file = rec->nsources ? rec->sources[0].file : NULL;
    d.line = gp_record_field_line(rec, pointer, &d.column);
    d.record_id = rec->id;
    d.pointer = pointer;
    d.value = value;
    gp_diag_emitf(n->diags, &d, "unknown %s '%s'; kept as written", gp_vocab_name(kind), value);
}

/* Resolves a scalar field; returns GP_OK, or GP_ENOMEM. Sets *res (NULL if unknown). */
static int norm_vocab_field(gp_normalizer *n, gp_record *rec, gp_field f, gp_vocab_kind kind,
                            const char *cc, const gp_resolution **res)
{
    const char **slot = gp_record_slot(rec, f);
    *res = NULL;
    if (!*slot)
        return GP_OK;
    const gp_resolution *r = resolve(n, kind, *slot, rec->award_year.value, cc);
    if (!r)
        return GP_ENOMEM;
    if (r->match == GP_MATCH_NONE) {
        char ptr[32];
        snprintf(ptr, sizeof ptr, "/%s", gp_field_name(f));
        report_unknown(n, rec, kind, ptr, *slot);
        n->stats.unknown[f]++;
        return GP_OK;
    }
    if (!((const cached *)(const void *)r)->same) {
        *slot = r->canonical;
        n->stats.canonicalised[f]++;
    }
    *res = r;
    return GP_OK;
}

typedef struct litem {
    const char *value;
    unsigned order;
    size_t pos;
    char *key; /* unknown items: for de-duplication */
} litem;

static int litem_cmp(const void *a, const void *b)
{
    const litem *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int norm_list(gp_normalizer *n, gp_record *rec, gp_field f, gp_vocab_kind kind)
{
    gp_strlist *list = gp_record_list(rec, f);
    if (list->len == 0)
        return GP_OK;
    litem stack[32];
    litem *items = list->len <= 32 ? stack : malloc(list->len * sizeof *items);
    if (!items)
        return GP_ENOMEM;
    size_t m = 0;
    int rc = GP_OK;
    int changed = 0;
    for (size_t i = 0; i < list->len && rc == GP_OK; i++) {
        const char *v = list->items[i];
        if ((rc = norm_string(n, rec, &v, f, 0)) != GP_OK)
            break;
        if (!v) {
            changed = 1;
            continue;
        }
        const gp_resolution *r = resolve(n, kind, v, rec->award_year.value, NULL);
        if (!r) {
            rc = GP_ENOMEM;
            break;
        }
        litem it = {v, 0, i, NULL};
        if (r->match == GP_MATCH_NONE) {
            char ptr[48];
            snprintf(ptr, sizeof ptr, "/%s/%zu", gp_field_name(f), i);
            report_unknown(n, rec, kind, ptr, v);
            n->stats.unknown[f]++;
            it.order = UNKNOWN_ORDER;
            gp_buf_reset(&n->key);
            if ((rc = gp_text_key(n->text, v, strlen(v), &n->key)) != GP_OK)
                break;
            it.key = gp_arena_strndup(rec->arena, gp_buf_str(&n->key), n->key.len);
        } else {
            it.order = r->index;
            if (!((const cached *)(const void *)r)->same) {
                it.value = r->canonical;
                n->stats.canonicalised[f]++;
            }
        }
        int dup = 0;
        for (size_t k = 0; k < m && !dup; k++)
            dup = items[k].order == it.order &&
                  (it.order != UNKNOWN_ORDER || strcmp(items[k].key, it.key) == 0);
        if (dup) {
            n->stats.dropped[f]++;
            changed = 1;
            continue;
        }
        if (it.value != list->items[i])
            changed = 1;
        items[m++] = it;
    }
    if (rc == GP_OK) {
        /* a handful of items: insertion sort, without qsort's allocation */
        if (m > 32)
            qsort(items, m, sizeof *items, litem_cmp);
        for (size_t k = 1; k < m && m <= 32; k++) {
            litem it = items[k];
            size_t at = k;
            for (; at > 0 && litem_cmp(&items[at - 1], &it) > 0; at--)
                items[at] = items[at - 1];
            items[at] = it;
        }
        for (size_t k = 0; k < m; k++)
            if (items[k].pos != k)
                changed = 1;
        if (changed) {
            /* A fresh array: the old one may be shared with the caller's copy. */
            gp_strlist fresh = {NULL, 0, 0};
            for (size_t k = 0; k < m && rc == GP_OK; k++) {
                if (gp__arena_grow(rec->arena, (void **)&fresh.items, &fresh.cap, fresh.len,
                                   fresh.len + 1, sizeof *fresh.items) != GP_OK)
                    rc = GP_ENOMEM;
                else
                    fresh.items[fresh.len++] = items[k].value;
            }
            *list = fresh;
        }
    }
    if (items != stack)
        free(items);
    return rc;
}

static void norm_year(gp_normalizer *n, gp_record *rec, gp_field f)
{
    gp_year *y = gp_record_year(rec, f);
    if (!y->text)
        return;
    int v;
    if (gp_year_parse(y->text, strlen(y->text), &v)) {
        y->value = v;
    } else {
        char ptr[32];
        snprintf(ptr, sizeof ptr, "/%s", gp_field_name(f));
        gp_diag d = GP_DIAG_INIT;
        d.severity = GP_SEV_ERROR;
        d.rule_id = "record.year-invalid";
        d.file = rec->nsources ? rec->sources[0].file : NULL;
        d.line = gp_record_field_line(rec, ptr, &d.column);
        d.pointer = ptr;
        d.value = y->text;
        gp_diag_emitf(n->diags, &d, "%s '%s' is not a year; left empty",
                      f == GP_F_AWARD_YEAR ? "award year" : "implementation year", y->text);
        n->stats.dropped[f]++;
    }
    y->text = NULL;
}

/* Matching key of `s` appended to `out`, words cut after `max_words` (0: all). */
static int key_words(gp_normalizer *n, const char *s, size_t max_words, gp_buf *out)
{
    size_t len = strlen(s);
    int rc = max_words ? gp_text_key_opening(n->text, s, len, max_words, out)
                       : gp_text_key(n->text, s, len, out);
    return rc ? rc : gp_buf_error(out) ? GP_ENOMEM : GP_OK;
}

/*
 * The id; `inst` is the cache entry of the record's institution when it resolved (its
 * key is then made once per institution, not once per record), else NULL.
 */
static int norm_id(gp_normalizer *n, const gp_record *rec, cached *inst, char *out, size_t cap)
{
    if (cap < 20)
        return GP_EINVAL;
    gp_buf *in = &n->idin;
    gp_buf_reset(in);
    int rc = GP_OK;
    if (inst && !inst->key) {
        size_t at = in->len;
        if (!(rc = key_words(n, rec->institution, 0, in))) {
            char *k = gp_arena_strndup(n->cache_arena, in->data + at, in->len - at);
            if (!k)
                rc = GP_ENOMEM;
            inst->key = k;
            inst->key_len = in->len - at;
        }
    } else if (inst) {
        gp_buf_put(in, inst->key, inst->key_len);
    } else if (rec->institution) {
        rc = key_words(n, rec->institution, 0, in);
    }
    gp_buf_putc(in, '\x1f');
    if (rec->country_code)
        gp_buf_puts(in, rec->country_code);
    else if (rec->country && !rc)
        rc = key_words(n, rec->country, 0, in);
    gp_buf_putc(in, '\x1f');
    if (rec->award_year.value > 0)
        gp_buf_put_long(in, rec->award_year.value);
    gp_buf_putc(in, '\x1f');
    const char *opening = rec->description ? rec->description : rec->title;
    if (opening && !rc)
        rc = key_words(n, opening, GP_ID_OPENING_WORDS, in);
    if (!rc && gp_buf_error(in))
        rc = GP_ENOMEM;
    if (!rc) {
        static const char hex[] = "0123456789abcdef";
        uint64_t h = XXH3_64bits(in->data, in->len);
        memcpy(out, "gp-", 3);
        for (int i = 0; i < 16; i++)
            out[3 + i] = hex[(h >> (60 - 4 * i)) & 15];
        out[19] = '\0';
    }
    if (in->cap > GP_NORM_SCRATCH_KEEP)
        gp_buf_free(in);
    return rc;
}

int gp_norm_id(gp_normalizer *n, const gp_record *rec, char *out, size_t cap)
{
    return norm_id(n, rec, NULL, out, cap);
}

/* with_id 0: a record's non-empty id is kept, not computed (gp__norm_record_keep_id) */
static int norm_record(gp_normalizer *n, gp_record *rec, int with_id)
{
    static const struct {
        gp_field f;
        int paragraphs;
    } texts[] = {{GP_F_INSTITUTION, 0},  {GP_F_COUNTRY, 0}, {GP_F_COUNTRY_CODE, 0},
                 {GP_F_REGION, 0},       {GP_F_TITLE, 0},   {GP_F_DESCRIPTION, 1},
                 {GP_F_JURY_COMMENT, 1}, {GP_F_AWARD, 0}};
    int rc = trim_cache(n);
    if (rc)
        return rc;
    n->stats.records++;
    for (size_t i = 0; i < GP_ARRAY_LEN(texts) && rc == GP_OK; i++)
        rc = norm_string(n, rec, gp_record_slot(rec, texts[i].f), texts[i].f, texts[i].paragraphs);
    if (rc)
        return rc;
    norm_year(n, rec, GP_F_IMPLEMENTATION_YEAR);
    norm_year(n, rec, GP_F_AWARD_YEAR);

    /* Country first: it gives the code, the region and the scope of institutions. */
    const gp_resolution *country = NULL, *r;
    if ((rc = norm_vocab_field(n, rec, GP_F_COUNTRY, GP_VOCAB_COUNTRY, NULL, &country)))
        return rc;
    if (country) {
        if (!rec->country_code || strcmp(rec->country_code, country->code) != 0) {
            rec->country_code = country->code;
            n->stats.filled[GP_F_COUNTRY_CODE]++;
        }
    } else if (!rec->country && rec->country_code) {
        /* Only a code: the country it names. */
        for (size_t i = 0; i < gp_ruleset_vocab_len(n->rules, GP_VOCAB_COUNTRY); i++) {
            gp_resolution cr;
            const char *name = gp_ruleset_vocab_entry(n->rules, GP_VOCAB_COUNTRY, i);
            if (gp_ruleset_resolve(n->rules, GP_VOCAB_COUNTRY, name, strlen(name), 0, NULL, &cr) ==
                    GP_OK &&
                cr.code && strcmp(cr.code, rec->country_code) == 0) {
                rec->country = cr.canonical;
                n->stats.filled[GP_F_COUNTRY]++;
                country = resolve(n, GP_VOCAB_COUNTRY, cr.canonical, 0, NULL);
                break;
            }
        }
    }
    if ((rc = norm_vocab_field(n, rec, GP_F_REGION, GP_VOCAB_REGION, NULL, &r)))
        return rc;
    if (!rec->region && country && country->region) {
        rec->region = country->region;
        n->stats.filled[GP_F_REGION]++;
    }
    const gp_resolution *inst;
    if ((rc = norm_vocab_field(n, rec, GP_F_INSTITUTION, GP_VOCAB_INSTITUTION,
                               country ? country->code : NULL, &inst)))
        return rc;
    if ((rc = norm_list(n, rec, GP_F_TOPICS, GP_VOCAB_TOPIC)) ||
        (rc = norm_list(n, rec, GP_F_PRIORITY_AREAS, GP_VOCAB_PRIORITY_AREA)))
        return rc;
    for (size_t i = 0; i < rec->nsources; i++)
        rec->sources[i].nfields = 0;
    if (!with_id && rec->id && *rec->id)
        return GP_OK;
    char id[24];
    /* resolutions come from the cache: the entry holds the institution's key */
    if ((rc = norm_id(n, rec, (cached *)(uintptr_t)inst, id, sizeof id)))
        return rc;
    if (!rec->id || strcmp(rec->id, id) != 0) {
        const char *copy = gp_arena_strdup(rec->arena, id);
        if (!copy)
            return GP_ENOMEM;
        rec->id = copy;
    }
    return GP_OK;
}

int gp_norm_record(gp_normalizer *n, gp_record *rec)
{
    return norm_record(n, rec, 1);
}

int gp__norm_record_keep_id(gp_normalizer *n, gp_record *rec)
{
    return norm_record(n, rec, 0);
}
