/*
 * lib/report_data.c - the JSON document embedded in the review page.
 *
 * One object, read once by the page's script (lib/report/report.js says how each part
 * is shown):
 *   levels     ["off", "info", "warning", "error"]: a finding's level is an index;
 *   rules      [[id, summary, description], ...]: a finding's rule is an index;
 *   files      [file, ...], countries [name, ...]: indexes as well;
 *   findings   [[rule, level, file, line, column, record_id, pointer, value, fix,
 *               message, country, fix_record], ...] in the order of the file, where
 *              fix_record is the id of the dataset record that holds the record (itself,
 *              or the group it was merged into) when the fix can be accepted, else null;
 *   variants   [{finding, kind, scope, suggestion, members: [[value, count, known]],
 *               yaml}, ...]: the discovery findings' "cluster" objects, with the
 *              --suggest entry;
 *   merged, possible   the clusters as gp-dedup --clusters wrote them, except that a
 *              conflict gives the index of the value kept (`kept`) for `chosen`;
 *   records    {id: canonical record}: both records of each possible duplicate and the
 *              records whose fields a finding proposes to fix;
 *   decisions  {file, merge: [{ids, reason}], distinct: [...], fixes: [{id, reason,
 *               fields: [[name, value], ...]}]}, or null; a fix may also carry
 *              was: [[name, value seen], ...], which the page writes back.
 * Strings are written as JSON (RFC 8785 escaping), then '<', '>', '&', U+2028 and U+2029
 * become \uXXXX: outside strings JSON has none of them, so this keeps the document
 * equal and makes it impossible for any value to end the <script> element it lives in.
 */
#include <stdlib.h>
#include <string.h>

#include "gpkit/checks.h"
#include "gpkit/lint.h"
#include "gpkit/record.h"
#include "report_impl.h"

static void jstr(gp_buf *b, const char *s)
{
    if (s)
        gp_json_write_string(b, s, strlen(s));
    else
        gp_buf_puts(b, "null");
}

static void jnum(gp_buf *b, long v, int null_if_zero)
{
    if (null_if_zero && v == 0)
        gp_buf_puts(b, "null");
    else
        gp_buf_put_long(b, v);
}

static void tab_json(gp_buf *b, const char *key, const rp_tab *t)
{
    gp_buf_printf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < t->len; i++) {
        if (i)
            gp_buf_putc(b, ',');
        jstr(b, t->items[i]);
    }
    gp_buf_putc(b, ']');
}

/* ---- variant clusters, from the discovery finding gp-lint wrote ---- */

/* The vocabulary of a "<kind>.variants" rule id, or -1. */
static int variant_kind(const char *rule)
{
    const char *dot = strrchr(rule, '.');
    if (!dot || strcmp(dot, ".variants") != 0)
        return -1;
    for (int k = 0; k < GP_VOCAB_COUNT; k++) {
        const char *name = gp_vocab_name((gp_vocab_kind)k); /* "priority area" */
        size_t n = strlen(name);
        if ((size_t)(dot - rule) != n)
            continue;
        size_t i = 0;
        while (i < n && (rule[i] == name[i] || (rule[i] == '-' && name[i] == ' ')))
            i++;
        if (i == n)
            return k;
    }
    return -1;
}

/* The page's form of a cluster gp-lint wrote in the finding's "cluster" (checked on reading). */
static int variant_json(gp_buf *b, const rp_finding *f, size_t index, int kind)
{
    json_t *members = json_object_get(f->cluster, "members");
    const char *scope = json_string_value(json_object_get(f->cluster, "scope"));
    const char *proposed = json_string_value(json_object_get(f->cluster, "proposed"));
    int known = json_is_true(json_object_get(f->cluster, "proposed_known"));
    size_t n = json_array_size(members), naliases = 0;
    const char **aliases = calloc(n ? n : 1, sizeof *aliases);
    if (!aliases)
        return GP_ENOMEM;
    gp_buf_printf(b, "{\"finding\":%zu,\"kind\":", index);
    jstr(b, gp_vocab_name((gp_vocab_kind)kind));
    gp_buf_puts(b, ",\"scope\":");
    jstr(b, scope);
    gp_buf_puts(b, ",\"suggestion\":");
    jstr(b, proposed);
    gp_buf_puts(b, ",\"members\":[");
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_array_get(members, i);
        const char *value = json_string_value(json_object_get(m, "value"));
        if (strcmp(value, proposed) != 0)
            aliases[naliases++] = value;
        gp_buf_puts(b, i ? ",[" : "[");
        jstr(b, value);
        gp_buf_printf(b, ",%lld,%s]", (long long)json_integer_value(json_object_get(m, "count")),
                      json_is_true(json_object_get(m, "known")) ? "true" : "false");
    }
    gp_buf_puts(b, "],\"yaml\":");
    gp_buf yaml = GP_BUF_INIT;
    gp_lint_suggestion sg = {(gp_vocab_kind)kind, scope, proposed, known, aliases, naliases};
    int rc = gp_lint_suggest_yaml(&sg, 1, &yaml);
    jstr(b, gp_buf_str(&yaml));
    gp_buf_putc(b, '}');
    gp_buf_free(&yaml);
    free(aliases);
    return rc;
}

/* ---- decisions ---- */

/* One value of a fix or of its `was:`, typed by its field. */
static void fix_value_json(gp_buf *b, gp_field field, const char *text, int year,
                           const char *const *items, size_t nitems)
{
    if (gp_field_is_list(field)) {
        gp_buf_putc(b, '[');
        for (size_t m = 0; m < nitems; m++) {
            if (m)
                gp_buf_putc(b, ',');
            jstr(b, items[m]);
        }
        gp_buf_putc(b, ']');
    } else if (gp_field_is_year(field)) {
        jnum(b, year, 1);
    } else {
        jstr(b, text);
    }
}

static void decisions_json(gp_buf *b, const gp_decisions *ds)
{
    if (!ds) {
        gp_buf_puts(b, "null");
        return;
    }
    static const char *const kinds[] = {"merge", "distinct", "fixes"};
    gp_buf_puts(b, "{\"file\":");
    jstr(b, gp_decisions_path(ds));
    size_t n = gp_decisions_count(ds);
    for (int k = GP_DECISION_MERGE; k <= GP_DECISION_FIX; k++) {
        gp_buf_printf(b, ",\"%s\":[", kinds[k]);
        int first = 1;
        for (size_t i = 0; i < n; i++) {
            const gp_decision *d = gp_decisions_get(ds, i);
            if ((int)d->kind != k)
                continue;
            gp_buf_puts(b, first ? "{" : ",{");
            first = 0;
            if (k == GP_DECISION_FIX) {
                gp_buf_puts(b, "\"id\":");
                jstr(b, d->nids ? d->ids[0] : NULL);
            } else {
                gp_buf_puts(b, "\"ids\":[");
                for (size_t j = 0; j < d->nids; j++) {
                    if (j)
                        gp_buf_putc(b, ',');
                    jstr(b, d->ids[j]);
                }
                gp_buf_putc(b, ']');
            }
            gp_buf_puts(b, ",\"reason\":");
            jstr(b, d->reason);
            if (k == GP_DECISION_FIX) {
                gp_buf_puts(b, ",\"fields\":[");
                for (size_t j = 0; j < d->nfixes; j++) {
                    const gp_decision_fix *fx = &d->fixes[j];
                    gp_buf_puts(b, j ? ",[" : "[");
                    jstr(b, gp_field_name(fx->field));
                    gp_buf_putc(b, ',');
                    fix_value_json(b, fx->field, fx->text, fx->year, fx->items, fx->nitems);
                    gp_buf_putc(b, ']');
                }
                /* the values the curator saw, so a download keeps them */
                gp_buf_puts(b, "],\"was\":[");
                int first_was = 1;
                for (size_t j = 0; j < d->nfixes; j++) {
                    const gp_decision_fix *fx = &d->fixes[j];
                    if (!fx->has_was)
                        continue;
                    gp_buf_puts(b, first_was ? "[" : ",[");
                    first_was = 0;
                    jstr(b, gp_field_name(fx->field));
                    gp_buf_putc(b, ',');
                    fix_value_json(b, fx->field, fx->was_text, fx->was_year, fx->was_items,
                                   fx->was_nitems);
                    gp_buf_putc(b, ']');
                }
                gp_buf_putc(b, ']');
            }
            gp_buf_putc(b, '}');
        }
        gp_buf_putc(b, ']');
    }
    gp_buf_putc(b, '}');
}

/* ---- the document ---- */

/*
 * A merged group's conflict names the value kept (`chosen`) and lists it again among its
 * values: the page gets the index of that value instead (`kept`), which saves a third
 * of the text of a large review (descriptions are most of it).
 */
static void index_chosen(json_t *cluster)
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(cluster, "conflicts"), i, k)
    {
        const char *chosen = json_string_value(json_object_get(k, "chosen"));
        if (!chosen)
            continue;
        size_t j;
        json_t *v;
        json_array_foreach(json_object_get(k, "values"), j, v)
        {
            const char *value = json_string_value(json_object_get(v, "value"));
            if (value && strcmp(value, chosen) == 0 &&
                json_object_set_new(k, "kept", json_integer((json_int_t)j)) == 0) {
                json_object_del(k, "chosen");
                break;
            }
        }
    }
}

static void clusters_json(gp_buf *b, const char *key, json_t *list)
{
    gp_buf_printf(b, ",\"%s\":[", key);
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        index_chosen(c);
        if (i)
            gp_buf_putc(b, ',');
        char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
        if (!s) {
            b->oom = 1;
            return;
        }
        gp_buf_puts(b, s);
        free(s);
    }
    gp_buf_putc(b, ']');
}

/* Copies `in` to `out` with the characters that could end a script element escaped. */
static void script_safe(const gp_buf *in, gp_buf *out)
{
    gp_buf_reserve(out, in->len + in->len / 16);
    const unsigned char *p = (const unsigned char *)in->data;
    for (size_t i = 0; i < in->len; i++) {
        unsigned char c = p[i];
        if (c == '<' || c == '>' || c == '&')
            gp_buf_printf(out, "\\u%04x", c);
        else if (c == 0xE2 && i + 2 < in->len && p[i + 1] == 0x80 &&
                 (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
            gp_buf_puts(out, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
            i += 2;
        } else
            gp_buf_putc(out, (char)c);
    }
}

int gp__report_data(gp_report *r)
{
    gp_buf b = GP_BUF_INIT;
    gp_buf_puts(&b, "{\"levels\":[\"off\",\"info\",\"warning\",\"error\"],\"rules\":[");
    for (size_t i = 0; i < r->rules.len; i++) {
        const char *id = r->rules.items[i];
        const gp_check_info *info = gp_checks_find(id);
        const gp_check_doc *doc = r->opts.rules ? gp_ruleset_check(r->opts.rules, id) : NULL;
        gp_buf_puts(&b, i ? ",[" : "[");
        jstr(&b, id);
        gp_buf_putc(&b, ',');
        jstr(&b, info ? info->summary : NULL);
        gp_buf_putc(&b, ',');
        jstr(&b, doc ? doc->description : NULL);
        gp_buf_putc(&b, ']');
    }
    gp_buf_putc(&b, ']');
    tab_json(&b, "files", &r->files);
    tab_json(&b, "countries", &r->countries);
    gp_buf_puts(&b, ",\"findings\":[");
    for (size_t i = 0; i < r->nfindings; i++) {
        const rp_finding *f = &r->findings[i];
        if (i)
            gp_buf_putc(&b, ',');
        gp_buf_printf(&b, "[%d,%d,", f->rule, (int)f->level);
        jnum(&b, f->file, 0);
        gp_buf_putc(&b, ',');
        jnum(&b, f->line, 1);
        gp_buf_putc(&b, ',');
        jnum(&b, f->column, 1);
        const char *strs[] = {f->record_id, f->pointer, f->value, f->fix, f->message};
        for (size_t k = 0; k < GP_ARRAY_LEN(strs); k++) {
            gp_buf_putc(&b, ',');
            jstr(&b, strs[k]);
        }
        gp_buf_putc(&b, ',');
        jnum(&b, f->country, 0);
        gp_buf_putc(&b, ',');
        const char *to =
            f->fixable ? gp_map_get(r->member_of, f->record_id, strlen(f->record_id)) : NULL;
        jstr(&b, f->fixable ? (to ? to : f->record_id) : NULL);
        gp_buf_putc(&b, ']');
    }
    gp_buf_puts(&b, "],\"variants\":[");
    int rc = GP_OK;
    size_t nvariants = 0;
    for (size_t i = 0; !rc && i < r->nfindings; i++) {
        const rp_finding *f = &r->findings[i];
        int kind = variant_kind(r->rules.items[f->rule]);
        if (kind < 0 || !f->cluster) /* an older gp-lint wrote none: listed as a finding only */
            continue;
        if (nvariants++)
            gp_buf_putc(&b, ',');
        rc = variant_json(&b, f, i, kind);
    }
    r->stats.variants = nvariants;
    gp_buf_putc(&b, ']');
    clusters_json(&b, "merged", r->merged);
    clusters_json(&b, "possible", r->possible);
    gp_buf_puts(&b, ",\"records\":{");
    size_t pos = 0, nrec = 0;
    const char *key;
    size_t klen;
    void *v;
    while (gp_map_next(r->need, &pos, &key, &klen, &v)) {
        if (!v || v == (void *)&r->need)
            continue;
        const gp_buf *rec = v;
        if (nrec++)
            gp_buf_putc(&b, ',');
        gp_json_write_string(&b, key, klen);
        gp_buf_putc(&b, ':');
        gp_buf_put(&b, rec->data,
                   rec->len && rec->data[rec->len - 1] == '\n' ? rec->len - 1 : rec->len);
    }
    gp_buf_puts(&b, "},\"decisions\":");
    decisions_json(&b, r->decisions);
    gp_buf_putc(&b, '}');
    if (!rc && gp_buf_error(&b))
        rc = GP_ENOMEM;
    if (!rc) {
        script_safe(&b, &r->data);
        if (gp_buf_error(&r->data))
            rc = GP_ENOMEM;
    }
    if (!rc)
        snprintf(r->key, sizeof r->key, "%016llx",
                 (unsigned long long)gp__hash(r->data.data, r->data.len));
    gp_buf_free(&b);
    return rc;
}
