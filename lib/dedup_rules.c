/*
 * lib/dedup_rules.c - the 'dedup' section of the rules: blocking, MinHash/LSH, the
 * score's weights and factors, the two thresholds and the merge policy.
 *
 * The YAML accepted (every key optional; a key given again in a later file replaces
 * the earlier value; what no file gives keeps the default below, which is also what
 * rules/dedup.yaml writes out):
 *
 *   dedup:
 *     blocking:
 *       keys: [[institution, country, award_year], [country, award_year]]
 *       max_block: 50                # a larger block gives no pairs
 *     minhash:
 *       shingle: 2                   # words per shingle
 *       bands: 24                    # LSH: bands x rows minimums
 *       rows: 3
 *       max_bucket: 100              # a larger bucket gives no pairs
 *     scoring:
 *       sketch: 512                  # description shingles kept (the smallest hashes)
 *       min_overlap: 8               # shingles needed to use the overlap coefficient
 *       stem: 5                      # characters kept of a title word
 *       stopwords: [WORD, ...]       # title words that say nothing
 *       cut_prefix: {min_words: N, max_chars: N}  # a cut-off copy's description
 *       weights: {description: N, title: N, title_in_description: N, counterpart: N,
 *                 topics: N}
 *       factors: {country: F, award_year: F, implementation_year: F, same_document: F}
 *     thresholds: {merge: F, review: F}
 *     counterparts: [FORMAT, FORMAT]   # two sources that list each practice once
 *     one_per_document: [FORMAT, ...]  # a document of it lists a practice once
 *     precedence:                      # merge policy: formats in order of trust
 *       default: [FORMAT, ...]
 *       FIELD: [FORMAT, ...]           # a scalar field (title, description, ...)
 *
 * Blocking key fields: institution, country, award_year, implementation_year. Formats:
 * listing, booklet, html, xml, jsonl. Weights are >= 0, factors and thresholds within
 * [0, 1], review <= merge.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "dedup_impl.h"
#include "ydoc.h"

const gp_field gp__dd_scalar_fields[GP_DD_SCALARS] = {
    GP_F_INSTITUTION, GP_F_COUNTRY,     GP_F_REGION, GP_F_IMPLEMENTATION_YEAR, GP_F_AWARD_YEAR,
    GP_F_TITLE,       GP_F_DESCRIPTION, GP_F_AWARD,  GP_F_JURY_COMMENT};

static const char *const text_parts[GP_DD_TEXT_PARTS] = {
    "description", "title", "title_in_description", "counterpart", "topics"};
static const char *const factor_parts[GP_DD_FACTOR_PARTS] = {
    "institution", "country", "award_year", "implementation_year", "same_document"};

/* Title words that carry no meaning of their own (English; the rules may replace them). */
static const char *const default_stopwords[] = {
    "a",    "an",    "and", "are",  "as",    "at",   "be",      "by",  "for",  "from",
    "has",  "have",  "how", "in",   "into",  "is",   "it",      "its", "new",  "of",
    "on",   "or",    "our", "the",  "their", "this", "through", "to",  "with", "was",
    "were", "which", "who", "case", "using", "via",  "des",     "de",  "la",   "le",
    "les",  "et",    "el",  "los",  "del",   "y",    "en",      "der", "die",  "das",
    "und",  "fur",   "von", "zu",   "du",    "para", "por",     "un",  "une",  NULL};

static gp_dedup_rules defaults;
static int defaults_ready;

const char *gp__dd_text_part_name(int part)
{
    return part >= 0 && part < GP_DD_TEXT_PARTS ? text_parts[part] : NULL;
}

const char *gp__dd_factor_part_name(int part)
{
    return part >= 0 && part < GP_DD_FACTOR_PARTS ? factor_parts[part] : NULL;
}

gp_format gp__dd_format(const char *name)
{
    gp_format f;
    if (!name || gp_format_parse(name, &f) != 0)
        return GP_FORMAT_AUTO;
    return f;
}

/* Rebuilds the hash set of the stopwords: open addressing, a power of two at least
 * four times their number, 0 marks a free slot (hashes are never 0). */
static int hash_stopwords(gp_dedup_rules *r)
{
    free(r->stop_hashes);
    r->stop_hashes = NULL;
    r->stop_mask = 0;
    if (!r->nstopwords)
        return GP_OK;
    size_t size = 16;
    while (size < 4 * r->nstopwords)
        size *= 2;
    r->stop_hashes = calloc(size, sizeof *r->stop_hashes);
    if (!r->stop_hashes)
        return GP_ENOMEM;
    r->stop_mask = size - 1;
    for (size_t i = 0; i < r->nstopwords; i++) {
        uint64_t h = XXH3_64bits(r->stopwords[i], strlen(r->stopwords[i])) | 1;
        size_t k = (size_t)h & r->stop_mask;
        while (r->stop_hashes[k] && r->stop_hashes[k] != h)
            k = (k + 1) & r->stop_mask;
        r->stop_hashes[k] = h;
    }
    return GP_OK;
}

int gp__dedup_stopword(const gp_dedup_rules *r, const char *word, size_t len)
{
    return gp__dedup_stop_hash(r, XXH3_64bits(word, len));
}

int gp__dedup_stop_hash(const gp_dedup_rules *r, uint64_t h)
{
    if (!r->stop_hashes)
        return 0;
    h |= 1;
    for (size_t k = (size_t)h & r->stop_mask; r->stop_hashes[k]; k = (k + 1) & r->stop_mask)
        if (r->stop_hashes[k] == h)
            return 1;
    return 0;
}

static void set_precedence(gp_dedup_rules *r, size_t field, const gp_format *order, size_t n)
{
    memcpy(r->precedence[field], order, n * sizeof *order);
    r->nprec[field] = n;
}

static void init_defaults(gp_dedup_rules *r)
{
    memset(r, 0, sizeof *r);
    r->keys[0] = GP_DD_KEY_INSTITUTION | GP_DD_KEY_COUNTRY | GP_DD_KEY_AWARD_YEAR;
    r->keys[1] = GP_DD_KEY_COUNTRY | GP_DD_KEY_AWARD_YEAR;
    r->nkeys = 2;
    r->max_block = 50;
    r->shingle = 2;
    r->bands = 24;
    r->rows = 3;
    r->max_bucket = 100;
    r->sketch = 512;
    r->min_overlap = 8;
    r->stem = 5;
    r->prefix_min_words = 3;
    r->prefix_max_chars = 400;
    r->weight[GP_DD_DESCRIPTION] = 8;
    r->weight[GP_DD_TITLE] = 4;
    r->weight[GP_DD_TITLE_IN_DESCRIPTION] = 4;
    r->weight[GP_DD_COUNTERPART] = 4;
    r->weight[GP_DD_TOPICS] = 1;
    r->factor[GP_DD_INSTITUTION] = 1;
    r->factor[GP_DD_COUNTRY] = 0.5;
    r->factor[GP_DD_AWARD_YEAR] = 0.5;
    r->factor[GP_DD_IMPLEMENTATION_YEAR] = 0.75;
    r->factor[GP_DD_SAME_DOCUMENT] = 0;
    r->merge = 0.8;
    r->review = 0.4;
    r->counterparts[0] = GP_FORMAT_BOOKLET;
    r->counterparts[1] = GP_FORMAT_LISTING;
    r->one_per_document = 1u << GP_FORMAT_BOOKLET;
    static const gp_format listing_first[] = {GP_FORMAT_LISTING, GP_FORMAT_HTML, GP_FORMAT_XML,
                                              GP_FORMAT_JSONL, GP_FORMAT_BOOKLET};
    static const gp_format booklet_first[] = {GP_FORMAT_BOOKLET, GP_FORMAT_LISTING, GP_FORMAT_HTML,
                                              GP_FORMAT_XML, GP_FORMAT_JSONL};
    for (size_t i = 0; i < GP_DD_SCALARS; i++) {
        gp_field f = gp__dd_scalar_fields[i];
        int booklet = f == GP_F_TITLE || f == GP_F_AWARD || f == GP_F_JURY_COMMENT;
        set_precedence(r, i, booklet ? booklet_first : listing_first, 5);
    }
    for (const char *const *w = default_stopwords; *w; w++)
        r->nstopwords++;
    r->stopwords = (const char **)default_stopwords;
    r->stopwords_cap = 0; /* not owned */
}

const gp_dedup_rules *gp__dedup_rules(const gp_ruleset *rs)
{
    if (rs && rs->dedup)
        return rs->dedup;
    /* Built once; later calls only read it. Callers set it up before starting threads. */
    if (!defaults_ready) {
        init_defaults(&defaults);
        if (hash_stopwords(&defaults) != GP_OK)
            defaults.nstopwords = 0;
        defaults_ready = 1;
    }
    return &defaults;
}

/* ---- reading ---- */

static int read_number(gp_ydoc *d, const yaml_node_t *node, const char *what, double min,
                       double max, double *out)
{
    const char *s = gp_y_scalar(node);
    char *end = NULL;
    double v = s && *s ? strtod(s, &end) : NAN;
    if (!s || end == s || *end || isnan(v)) {
        gp_y_error(d, node, "rules.type", "%s must be a number, not '%s'", what, s ? s : "");
        return -1;
    }
    if (v < min || v > max) {
        gp_y_error(d, node, "rules.range", "%s must be between %g and %g, not %g", what, min, max,
                   v);
        return -1;
    }
    *out = v;
    return 0;
}

static int read_size(gp_ydoc *d, const yaml_node_t *node, const char *what, long min, long max,
                     size_t *out)
{
    long v;
    if (gp_y_int(d, node, what, min, max, &v) != 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int read_int(gp_ydoc *d, const yaml_node_t *node, const char *what, long min, long max,
                    int *out)
{
    long v;
    if (gp_y_int(d, node, what, min, max, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int read_format(gp_ydoc *d, const yaml_node_t *node, const char *what, gp_format *out)
{
    const char *s = gp_y_string(d, node, what);
    if (!s)
        return -1;
    gp_format f = gp__dd_format(s);
    if (f == GP_FORMAT_AUTO) {
        static const char *const names[] = {"listing", "booklet", "html", "xml", "jsonl", NULL};
        const char *hint = gp_y_suggest(s, names);
        if (hint)
            gp_y_error(d, node, "rules.reference", "unknown format '%s' in %s; did you mean '%s'?",
                       s, what, hint);
        else
            gp_y_error(d, node, "rules.reference",
                       "unknown format '%s' in %s; formats are listing, booklet, html, xml, "
                       "jsonl",
                       s, what);
        return -1;
    }
    *out = f;
    return 0;
}

/* A sequence of formats; returns their number or -1. */
static long read_formats(gp_ydoc *d, const yaml_node_t *node, const char *what, gp_format *out,
                         size_t max)
{
    if (!gp_y_is_seq(node)) {
        gp_y_error(d, node, "rules.type", "%s must be a list of formats", what);
        return -1;
    }
    size_t n = gp_y_seq_len(node);
    if (n > max) {
        gp_y_error(d, node, "rules.range", "%s lists %zu formats; at most %zu", what, n, max);
        return -1;
    }
    size_t k = 0;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        gp_format f;
        if (read_format(d, gp_y_seq_item(d, node, i), what, &f) != 0) {
            bad = 1;
            continue;
        }
        for (size_t j = 0; j < k; j++)
            if (out[j] == f) {
                gp_y_error(d, gp_y_seq_item(d, node, i), "rules.duplicate",
                           "format '%s' is listed twice in %s", gp_format_name(f), what);
                bad = 1;
            }
        out[k++] = f;
    }
    return bad ? -1 : (long)k;
}

static void read_blocking(gp_dedup_rules *r, gp_ydoc *d, const yaml_node_t *node)
{
    static const char *const keys[] = {"keys", "max_block", NULL};
    if (gp_y_check_map(d, node, "'dedup.blocking'", keys) != 0)
        return;
    yaml_node_t *n;
    if ((n = gp_y_get(d, node, "max_block")))
        read_size(d, n, "'max_block'", 2, 100000, &r->max_block);
    if (!(n = gp_y_get(d, node, "keys")))
        return;
    if (!gp_y_is_seq(n)) {
        gp_y_error(d, n, "rules.type", "'keys' must be a list of lists of fields");
        return;
    }
    static const char *const fields[] = {"institution", "country", "award_year",
                                         "implementation_year", NULL};
    unsigned masks[GP_DD_MAX_KEYS];
    size_t nkeys = gp_y_seq_len(n);
    if (nkeys > GP_DD_MAX_KEYS) {
        gp_y_error(d, n, "rules.range", "'keys' lists %zu keys; at most %d", nkeys, GP_DD_MAX_KEYS);
        return;
    }
    int bad = 0;
    for (size_t i = 0; i < nkeys; i++) {
        yaml_node_t *key = gp_y_seq_item(d, n, i);
        masks[i] = 0;
        if (!gp_y_is_seq(key) || gp_y_seq_len(key) == 0) {
            gp_y_error(d, key, "rules.type", "a blocking key must be a list of fields");
            bad = 1;
            continue;
        }
        for (size_t k = 0; k < gp_y_seq_len(key); k++) {
            yaml_node_t *fn = gp_y_seq_item(d, key, k);
            const char *s = gp_y_string(d, fn, "a blocking key field");
            size_t f = 0;
            while (s && fields[f] && strcmp(fields[f], s) != 0)
                f++;
            if (!s) {
                bad = 1;
            } else if (!fields[f]) {
                const char *hint = gp_y_suggest(s, fields);
                if (hint)
                    gp_y_error(d, fn, "rules.reference",
                               "unknown blocking key field '%s'; did you mean '%s'?", s, hint);
                else
                    gp_y_error(d, fn, "rules.reference",
                               "unknown blocking key field '%s'; fields are institution, "
                               "country, award_year, implementation_year",
                               s);
                bad = 1;
            } else {
                masks[i] |= 1u << f;
            }
        }
    }
    if (!bad) {
        memcpy(r->keys, masks, nkeys * sizeof *masks);
        r->nkeys = nkeys;
    }
}

static void read_minhash(gp_dedup_rules *r, gp_ydoc *d, const yaml_node_t *node)
{
    static const char *const keys[] = {"shingle", "bands", "rows", "max_bucket", NULL};
    if (gp_y_check_map(d, node, "'dedup.minhash'", keys) != 0)
        return;
    yaml_node_t *n;
    if ((n = gp_y_get(d, node, "shingle")))
        read_int(d, n, "'shingle'", 1, 8, &r->shingle);
    if ((n = gp_y_get(d, node, "bands")))
        read_int(d, n, "'bands'", 0, GP_DD_MAX_BANDS, &r->bands);
    if ((n = gp_y_get(d, node, "rows")))
        read_int(d, n, "'rows'", 1, 16, &r->rows);
    if ((n = gp_y_get(d, node, "max_bucket")))
        read_size(d, n, "'max_bucket'", 2, 100000, &r->max_bucket);
    if (r->bands * r->rows > GP_DD_MAX_PERMS)
        gp_y_error(d, node, "rules.range", "'bands' x 'rows' must be at most %d, not %d",
                   GP_DD_MAX_PERMS, r->bands * r->rows);
}

static void read_stopwords(gp_dedup_rules *r, gp_ruleset *rs, gp_ydoc *d, const yaml_node_t *n)
{
    if (!gp_y_is_seq(n)) {
        gp_y_error(d, n, "rules.type", "'stopwords' must be a list of words");
        return;
    }
    size_t len = gp_y_seq_len(n);
    const char **words = gp_arena_alloc(rs->arena, (len ? len : 1) * sizeof *words);
    if (!words)
        return;
    gp_buf key = GP_BUF_INIT;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        yaml_node_t *item = gp_y_seq_item(d, n, i);
        const char *s = gp_y_string(d, item, "a stopword");
        if (!s)
            continue;
        gp_buf_reset(&key);
        if (gp_text_key(rs->text, s, strlen(s), &key) != GP_OK || key.len == 0 ||
            memchr(key.data, ' ', key.len)) {
            gp_y_error(d, item, "rules.type", "stopword '%s' must be one word", s);
            continue;
        }
        words[k++] = gp_arena_strndup(rs->arena, key.data, key.len);
    }
    gp_buf_free(&key);
    r->stopwords = words;
    r->nstopwords = k;
    hash_stopwords(r);
}

static void read_scoring(gp_dedup_rules *r, gp_ruleset *rs, gp_ydoc *d, const yaml_node_t *node)
{
    static const char *const keys[] = {"sketch",  "min_overlap", "stem",       "stopwords",
                                       "weights", "factors",     "cut_prefix", NULL};
    if (gp_y_check_map(d, node, "'dedup.scoring'", keys) != 0)
        return;
    yaml_node_t *n;
    if ((n = gp_y_get(d, node, "sketch")))
        read_int(d, n, "'sketch'", 8, GP_DD_MAX_SKETCH, &r->sketch);
    if ((n = gp_y_get(d, node, "min_overlap")))
        read_int(d, n, "'min_overlap'", 1, 10000, &r->min_overlap);
    if ((n = gp_y_get(d, node, "stem")))
        read_int(d, n, "'stem'", 0, 100, &r->stem);
    if ((n = gp_y_get(d, node, "stopwords")))
        read_stopwords(r, rs, d, n);
    if ((n = gp_y_get(d, node, "cut_prefix"))) {
        static const char *const c[] = {"min_words", "max_chars", NULL};
        yaml_node_t *v;
        if (gp_y_check_map(d, n, "'cut_prefix'", c) == 0) {
            if ((v = gp_y_get(d, n, "min_words")))
                read_int(d, v, "'min_words'", 1, 1000, &r->prefix_min_words);
            if ((v = gp_y_get(d, n, "max_chars")))
                read_int(d, v, "'max_chars'", 0, 100000, &r->prefix_max_chars);
        }
    }
    if ((n = gp_y_get(d, node, "weights"))) {
        static const char *const w[] = {"description", "title",  "title_in_description",
                                        "counterpart", "topics", NULL};
        if (gp_y_check_map(d, n, "'weights'", w) == 0)
            for (int p = 0; p < GP_DD_TEXT_PARTS; p++) {
                yaml_node_t *v = gp_y_get(d, n, text_parts[p]);
                char what[48];
                snprintf(what, sizeof what, "weight '%s'", text_parts[p]);
                if (v)
                    read_number(d, v, what, 0, 1000, &r->weight[p]);
            }
    }
    if ((n = gp_y_get(d, node, "factors"))) {
        static const char *const f[] = {"country", "award_year", "implementation_year",
                                        "same_document", NULL};
        if (gp_y_check_map(d, n, "'factors'", f) == 0)
            for (int p = GP_DD_COUNTRY; p < GP_DD_FACTOR_PARTS; p++) {
                yaml_node_t *v = gp_y_get(d, n, factor_parts[p]);
                char what[48];
                snprintf(what, sizeof what, "factor '%s'", factor_parts[p]);
                if (v)
                    read_number(d, v, what, 0, 1, &r->factor[p]);
            }
    }
}

static void read_thresholds(gp_dedup_rules *r, gp_ydoc *d, const yaml_node_t *node)
{
    static const char *const keys[] = {"merge", "review", NULL};
    if (gp_y_check_map(d, node, "'dedup.thresholds'", keys) != 0)
        return;
    yaml_node_t *n;
    if ((n = gp_y_get(d, node, "merge")))
        read_number(d, n, "'merge'", 0, 1, &r->merge);
    if ((n = gp_y_get(d, node, "review")))
        read_number(d, n, "'review'", 0, 1, &r->review);
    if (r->review > r->merge)
        gp_y_error(d, node, "rules.range", "'review' (%g) must not be above 'merge' (%g)",
                   r->review, r->merge);
}

static void read_precedence(gp_dedup_rules *r, gp_ydoc *d, const yaml_node_t *node)
{
    const char *names[GP_DD_SCALARS + 2];
    names[0] = "default";
    for (size_t i = 0; i < GP_DD_SCALARS; i++)
        names[i + 1] = gp_field_name(gp__dd_scalar_fields[i]);
    names[GP_DD_SCALARS + 1] = NULL;
    if (gp_y_check_map(d, node, "'dedup.precedence'", names) != 0)
        return;
    gp_format order[GP_DD_MAX_FORMATS];
    yaml_node_t *n = gp_y_get(d, node, "default");
    long k;
    if (n && (k = read_formats(d, n, "'precedence.default'", order, GP_DD_MAX_FORMATS)) >= 0)
        for (size_t i = 0; i < GP_DD_SCALARS; i++)
            set_precedence(r, i, order, (size_t)k);
    for (size_t i = 0; i < GP_DD_SCALARS; i++) {
        char what[64];
        snprintf(what, sizeof what, "'precedence.%s'", names[i + 1]);
        n = gp_y_get(d, node, names[i + 1]);
        if (n && (k = read_formats(d, n, what, order, GP_DD_MAX_FORMATS)) >= 0)
            set_precedence(r, i, order, (size_t)k);
    }
}

void gp__dedup_rules_read(gp_ruleset *rs, struct gp_ydoc *d, struct yaml_node_s *node)
{
    static const char *const keys[] = {
        "blocking",     "minhash",          "scoring",    "thresholds",
        "counterparts", "one_per_document", "precedence", NULL};
    if (gp_y_check_map(d, node, "'dedup'", keys) != 0)
        return;
    if (!rs->dedup) {
        gp_dedup_rules *r = calloc(1, sizeof *r);
        if (!r) {
            gp_y_error(d, node, "rules.unreadable", "out of memory reading 'dedup'");
            return;
        }
        init_defaults(r);
        if (hash_stopwords(r) != GP_OK)
            r->nstopwords = 0;
        rs->dedup = r;
    }
    gp_dedup_rules *r = rs->dedup;
    yaml_node_t *n;
    if ((n = gp_y_get(d, node, "blocking")))
        read_blocking(r, d, n);
    if ((n = gp_y_get(d, node, "minhash")))
        read_minhash(r, d, n);
    if ((n = gp_y_get(d, node, "scoring")))
        read_scoring(r, rs, d, n);
    if ((n = gp_y_get(d, node, "thresholds")))
        read_thresholds(r, d, n);
    if ((n = gp_y_get(d, node, "counterparts"))) {
        gp_format f[2];
        long k = read_formats(d, n, "'counterparts'", f, 2);
        if (k == 2) {
            r->counterparts[0] = f[0];
            r->counterparts[1] = f[1];
        } else if (k == 0) {
            r->counterparts[0] = r->counterparts[1] = GP_FORMAT_AUTO;
        } else if (k > 0) {
            gp_y_error(d, n, "rules.range", "'counterparts' names two formats or none");
        }
    }
    if ((n = gp_y_get(d, node, "one_per_document"))) {
        gp_format f[GP_DD_MAX_FORMATS];
        long k = read_formats(d, n, "'one_per_document'", f, GP_DD_MAX_FORMATS);
        if (k >= 0) {
            r->one_per_document = 0;
            for (long i = 0; i < k; i++)
                r->one_per_document |= 1u << f[i];
        }
    }
    if ((n = gp_y_get(d, node, "precedence")))
        read_precedence(r, d, n);
}

void gp__dedup_rules_free(struct gp_dedup_rules *r)
{
    if (!r)
        return;
    free(r->stop_hashes);
    free(r);
}
