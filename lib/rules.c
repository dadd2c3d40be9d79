/*
 * lib/rules.c - looking things up in a loaded rule set.
 *
 * A spelling resolves through its matching key (gp__rules_key): a vocabulary's `names`
 * map gives the chain of every spelling with that key, each with its time of validity
 * (lib/rules_impl.h tells the layout); institutions are looked up within their country,
 * or by their bare key when the country is unknown and the name unique. Also the vocabularies'
 * entries, the checks' levels and documentation, the profiles, the typography and the labels the
 * readers match. Loading and validating a rule set, and the YAML schema it accepts, are
 * lib/rules_load.c.
 */
#include "rules_impl.h"

#include <string.h>

static const char *const vocab_names[GP_VOCAB_COUNT] = {"country", "region", "topic",
                                                        "priority area", "institution"};

const char *gp_vocab_name(gp_vocab_kind kind)
{
    return (unsigned)kind < GP_VOCAB_COUNT ? vocab_names[kind] : "value";
}

long gp__rules_key(gp_ruleset *rs, const char *s, size_t len)
{
    gp_buf_reset(&rs->key);
    int rc = gp_text_key(rs->text, s, len, &rs->key);
    if (rc)
        return rc;
    return (long)rs->key.len;
}

/* ---- queries ---- */

static int period_contains(const gp_name *n, int year)
{
    return (!n->from || year >= n->from) && (!n->until || year <= n->until);
}

int gp_ruleset_resolve(gp_ruleset *rs, gp_vocab_kind kind, const char *value, size_t len, int year,
                       const char *country_code, gp_resolution *res)
{
    memset(res, 0, sizeof *res);
    if ((unsigned)kind >= GP_VOCAB_COUNT || !value)
        return GP_EINVAL;
    gp_vocab *v = &rs->vocab[kind];
    const char *trimmed = value;
    size_t tlen = len;
    gp__trim(&trimmed, &tlen);
    gp_buf key = GP_BUF_INIT;
    gp_name *chain = NULL;
    if (kind == GP_VOCAB_INSTITUTION && country_code) {
        gp_buf_puts(&key, country_code);
        gp_buf_putc(&key, '\x1f');
    }
    if (gp__rules_key(rs, trimmed, tlen) < 0) {
        gp_buf_free(&key);
        return GP_ENOMEM;
    }
    size_t bare = key.len;
    gp_buf_put(&key, rs->key.data, rs->key.len);
    if (gp_buf_error(&key)) {
        gp_buf_free(&key);
        return GP_ENOMEM;
    }
    if (kind == GP_VOCAB_INSTITUTION && !country_code) {
        chain = gp_map_get(v->global, key.data, key.len);
        /* Without a country, a name is only good when every candidate is one body. */
        for (gp_name *n = chain; n; n = n->next) {
            if (n->entry != chain->entry) {
                chain = NULL;
                break;
            }
        }
    } else {
        chain = gp_map_get(v->names, key.data, key.len);
    }
    if (!chain) {
        gp_buf_free(&key);
        return GP_OK;
    }
    /* Prefer a name valid in `year`; else the one whose validity ended last. */
    gp_name *pick = NULL;
    for (gp_name *n = chain; n; n = n->next) {
        if (!year || period_contains(n, year)) {
            pick = n;
            break;
        }
    }
    int former = 0;
    if (!pick) {
        for (gp_name *n = chain; n; n = n->next)
            if (!pick || (n->until && (!pick->until || n->until > pick->until)))
                pick = n;
        former = pick->until && year > pick->until;
    }
    const gp_entry *e = &v->entries[pick->entry];
    res->canonical = e->name;
    res->code = e->code;
    res->region = e->region;
    res->country = e->country;
    res->acronym = e->acronym;
    res->alias = pick->spelling;
    res->from = pick->from;
    res->until = pick->until;
    res->index = pick->entry;
    res->translation =
        pick->kind == GP_NAME_TRANSLATION || pick->kind == GP_NAME_WRITTEN_TRANSLATION;
    if (former)
        res->match = GP_MATCH_FORMER;
    else if (strlen(e->name) == tlen && memcmp(e->name, trimmed, tlen) == 0)
        res->match = GP_MATCH_EXACT;
    else if (strcmp(e->key, key.data + bare) == 0)
        res->match = GP_MATCH_VARIANT;
    else
        res->match = GP_MATCH_ALIAS;
    gp_buf_free(&key);
    return GP_OK;
}

size_t gp_ruleset_vocab_len(const gp_ruleset *rs, gp_vocab_kind kind)
{
    return (unsigned)kind < GP_VOCAB_COUNT ? rs->vocab[kind].len : 0;
}

const char *gp_ruleset_vocab_entry(const gp_ruleset *rs, gp_vocab_kind kind, size_t i)
{
    if ((unsigned)kind >= GP_VOCAB_COUNT || i >= rs->vocab[kind].len)
        return NULL;
    return rs->vocab[kind].entries[i].name;
}

size_t gp_ruleset_broader_len(const gp_ruleset *rs, gp_vocab_kind kind, size_t i)
{
    if ((unsigned)kind >= GP_VOCAB_COUNT || i >= rs->vocab[kind].len)
        return 0;
    return rs->vocab[kind].entries[i].nbroader;
}

const char *gp_ruleset_broader(const gp_ruleset *rs, gp_vocab_kind kind, size_t i, size_t k)
{
    if (k >= gp_ruleset_broader_len(rs, kind, i))
        return NULL;
    return rs->vocab[kind].entries[i].broader[k];
}

const gp_foldmap *gp_ruleset_typography(const gp_ruleset *rs)
{
    return rs->typography;
}

gp_text *gp_ruleset_text(gp_ruleset *rs)
{
    return rs->text;
}

gp_severity gp_ruleset_level(void *ctx, const char *rule_id, gp_severity fallback)
{
    gp_ruleset *rs = ctx;
    if (!rs || !rule_id)
        return fallback;
    const gp_check_doc *doc = gp_map_get(rs->levels, rule_id, strlen(rule_id));
    return doc && doc->has_level ? doc->level : fallback;
}

const gp_check_doc *gp_ruleset_check(const gp_ruleset *rs, const char *rule_id)
{
    return rule_id ? gp_map_get(rs->levels, rule_id, strlen(rule_id)) : NULL;
}

const char *gp_ruleset_profile(const gp_ruleset *rs, const char *format)
{
    if (strcmp(format, "html") == 0)
        return rs->profile_html;
    if (strcmp(format, "xml") == 0)
        return rs->profile_xml;
    return NULL;
}

int gp__labels_match(gp_ruleset *rs, const gp_labels *labels, const char *line, size_t len,
                     const char **value, size_t *vlen)
{
    const char *s = line;
    size_t n = len;
    gp__trim(&s, &n);
    *value = NULL;
    *vlen = 0;
    if (n == 0 || n > 120 || labels->len == 0)
        return 0;
    const char *colon = memchr(s, ':', n);
    size_t head = colon ? (size_t)(colon - s) : n;
    if (gp__rules_key(rs, s, head) <= 0)
        return 0;
    for (size_t i = 0; i < labels->len; i++) {
        const gp_label *l = &labels->items[i];
        if (l->keylen == rs->key.len && memcmp(l->key, rs->key.data, l->keylen) == 0) {
            if (colon) {
                const char *v = colon + 1;
                size_t vl = n - head - 1;
                gp__trim(&v, &vl);
                *value = v;
                *vlen = vl;
            } else {
                *value = s + n; /* nothing after the label: empty, but a place in the line */
            }
            return 1;
        }
    }
    if (colon)
        return 0;
    /* "Año de premio 2024": a label without colon, its value the last word. */
    const char *last = s + n;
    while (last > s && last[-1] != ' ' && last[-1] != '\t')
        last--;
    if (last == s)
        return 0;
    if (gp__rules_key(rs, s, (size_t)(last - s)) <= 0)
        return 0;
    for (size_t i = 0; i < labels->len; i++) {
        const gp_label *l = &labels->items[i];
        if (l->keylen == rs->key.len && memcmp(l->key, rs->key.data, l->keylen) == 0) {
            *value = last;
            *vlen = (size_t)(s + n - last);
            return 1;
        }
    }
    return 0;
}
