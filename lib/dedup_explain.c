/*
 * lib/dedup_explain.c - gp-dedup --explain: how two records compare, step by step.
 *
 * The records, their matching keys, the blocks and LSH bands they share, each part of
 * their score and what clustering made of them, read from a deduper that has run.
 * One walk writes both forms: the text for a curator and, when `j` is not NULL, the
 * same facts as one JSON object (docs/dedup.md) for scripts.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup_impl.h"

/* ---- --explain ---- */

static const char *const key_names[] = {"institution", "country", "award_year",
                                        "implementation_year"};

static void put_key_name(gp_buf *b, unsigned mask)
{
    int first = 1;
    for (int f = 0; f < 4; f++)
        if (mask & (1u << f)) {
            gp_buf_printf(b, "%s%s", first ? "" : "+", key_names[f]);
            first = 0;
        }
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *year_or_null(int y)
{
    return y > 0 ? json_integer(y) : json_null();
}

static void explain_record(gp_deduper *d, gp_buf *out, const char *label, uint32_t e,
                           const gp_record *rec, json_t *j)
{
    if (j) {
        json_t *srcs = json_array();
        for (size_t i = 0; i < rec->nsources; i++)
            json_array_append_new(srcs, json_pack("{s:o, s:I, s:o}", "file",
                                                  str_or_null(rec->sources[i].file), "line",
                                                  (json_int_t)rec->sources[i].line, "format",
                                                  str_or_null(rec->sources[i].format)));
        json_object_set_new(j, label[0] == 'A' ? "a" : "b",
                            json_pack("{s:s, s:o, s:o, s:o, s:o}", "id", d->ents[e].id,
                                      "institution", str_or_null(rec->institution), "country_code",
                                      str_or_null(rec->country_code), "award_year",
                                      year_or_null(rec->award_year.value), "sources", srcs));
    }
    gp_buf_printf(out, "%s  %s  %s", label, d->ents[e].id,
                  rec->institution ? rec->institution : "(no institution)");
    if (rec->country_code)
        gp_buf_printf(out, " (%s)", rec->country_code);
    if (rec->award_year.value > 0)
        gp_buf_printf(out, ", award %d", rec->award_year.value);
    gp_buf_putc(out, '\n');
    for (size_t i = 0; i < rec->nsources; i++)
        gp_buf_printf(out, "   %s:%ld (%s)\n", rec->sources[i].file ? rec->sources[i].file : "-",
                      rec->sources[i].line, rec->sources[i].format ? rec->sources[i].format : "?");
}

static void explain_values(gp_buf *out, const char *name, const char *a, size_t la, int cut_a,
                           const char *b, size_t lb, int cut_b, const char *verdict)
{
    gp_buf_printf(out, "  %-20s A %.*s%s\n", name, a ? (int)la : 6, a ? a : "(none)",
                  cut_a ? " ..." : "");
    gp_buf_printf(out, "  %-20s B %.*s%s\n", "", b ? (int)lb : 6, b ? b : "(none)",
                  cut_b ? " ..." : "");
    gp_buf_printf(out, "  %-20s   %s\n", "", verdict);
}

/* The matching keys of two values (the first `words` words when not 0). */
static void key_json(json_t *j, const char *name, json_t *a, json_t *b, const char *verdict)
{
    if (j)
        json_object_set_new(json_object_get(j, "keys"), name,
                            json_pack("{s:o, s:o, s:s}", "a", a, "b", b, "verdict", verdict));
    else {
        json_decref(a);
        json_decref(b);
    }
}

static int explain_key(dd_worker *w, gp_buf *out, const char *name, const char *a, const char *b,
                       size_t words, json_t *j)
{
    gp_buf ka = GP_BUF_INIT, kb = GP_BUF_INIT;
    int rc = GP_OK;
    if (a)
        rc = gp_text_key(w->text, a, strlen(a), &ka);
    if (!rc && b)
        rc = gp_text_key(w->text, b, strlen(b), &kb);
    if (!rc) {
        const char *sa = gp_buf_str(&ka), *sb = gp_buf_str(&kb);
        size_t la = words ? gp_text_key_prefix(sa, ka.len, words) : ka.len;
        size_t lb = words ? gp_text_key_prefix(sb, kb.len, words) : kb.len;
        const char *verdict = !a || !b                                          ? "not compared"
                              : ka.len == kb.len && memcmp(sa, sb, ka.len) == 0 ? "same"
                                                                                : "differ";
        explain_values(out, name, a ? sa : NULL, la, la < ka.len, b ? sb : NULL, lb, lb < kb.len,
                       verdict);
        if (j)
            key_json(j, name, a ? json_stringn(sa, la) : json_null(),
                     b ? json_stringn(sb, lb) : json_null(), verdict);
    }
    gp_buf_free(&ka);
    gp_buf_free(&kb);
    return rc;
}

static void explain_year(gp_buf *out, const char *name, int a, int b, json_t *j)
{
    char sa[16] = "(none)", sb[16] = "(none)";
    if (a > 0)
        snprintf(sa, sizeof sa, "%d", a);
    if (b > 0)
        snprintf(sb, sizeof sb, "%d", b);
    const char *verdict = a <= 0 || b <= 0 ? "not compared" : a == b ? "same" : "differ";
    gp_buf_printf(out, "  %-20s A %-8s B %-8s %s\n", name, sa, sb, verdict);
    if (j)
        key_json(j, name, year_or_null(a), year_or_null(b), verdict);
}

static int explain(gp_deduper *d, const char *id1, const char *id2, gp_buf *out, json_t *j)
{
    if (!d->ran)
        return GP_EINVAL;
    int64_t ia = gp__dd_find_id(d, id1), ib = gp__dd_find_id(d, id2);
    if (ia < 0 || ib < 0) {
        gp_buf_printf(out, "no record has id '%s'\n", ia < 0 ? id1 : id2);
        return GP_EINVAL;
    }
    uint32_t a = (uint32_t)ia, b = (uint32_t)ib;
    const gp_dedup_rules *r = d->r;
    dd_worker *w = &d->workers[0];
    gp_arena_reset(d->tmp);
    gp_record ra, rb;
    gp_record_init(&ra, d->tmp);
    gp_record_init(&rb, d->tmp);
    int rc = gp__dd_entity_record(d, a, d->tmp, &ra);
    if (!rc)
        rc = gp__dd_entity_record(d, b, d->tmp, &rb);
    if (rc)
        return rc;
    explain_record(d, out, "A", a, &ra, j);
    explain_record(d, out, "B", b, &rb, j);
    if (j)
        json_object_set_new(j, "same_record", json_boolean(a == b));
    if (a == b) {
        gp_buf_puts(out, "\nA and B are the same record\n");
        return gp_buf_error(out);
    }
    if (j) {
        json_object_set_new(j, "keys", json_object());
        json_object_set_new(j, "blocks", json_array());
    }

    gp_buf_puts(out, "\nmatching keys\n");
    rc = explain_key(w, out, "institution", ra.institution, rb.institution, 0, j);
    if (rc)
        return rc;
    if (ra.country_code && rb.country_code) {
        const char *ca = ra.country_code, *cb = rb.country_code;
        const char *verdict = strcmp(ca, cb) == 0 ? "same" : "differ";
        gp_buf_printf(out, "  %-20s A %-8s B %-8s %s\n", "country_code", ca, cb, verdict);
        key_json(j, "country_code", json_string(ca), json_string(cb), verdict);
    } else if ((rc = explain_key(w, out, "country", ra.country, rb.country, 0, j))) {
        return rc;
    }
    explain_year(out, "award_year", ra.award_year.value, rb.award_year.value, j);
    explain_year(out, "implementation_year", ra.implementation_year.value,
                 rb.implementation_year.value, j);
    if (!rc)
        rc = explain_key(w, out, "title", ra.title, rb.title, 0, j);
    if (!rc)
        rc = explain_key(w, out, "description", ra.description, rb.description, GP_ID_OPENING_WORDS,
                         j);
    if (rc)
        return rc;

    gp_buf_puts(out, "\nblocks\n");
    for (size_t k = 0; k < r->nkeys; k++) {
        uint64_t ka = gp__dd_block_key(&d->ents[a], r->keys[k], k);
        uint64_t kb = gp__dd_block_key(&d->ents[b], r->keys[k], k);
        size_t size = 0;
        if (ka && ka == kb)
            for (size_t i = 0; i < d->nents; i++)
                size += gp__dd_block_key(&d->ents[i], r->keys[k], k) == ka;
        gp_buf name = GP_BUF_INIT;
        put_key_name(&name, r->keys[k]);
        gp_buf_printf(out, "  %-36s", gp_buf_str(&name));
        if (j) {
            int is_shared = ka && ka == kb;
            json_array_append_new(
                json_object_get(j, "blocks"),
                json_pack("{s:s, s:b, s:b, s:o}", "key", gp_buf_str(&name), "shared", is_shared,
                          "too_large", is_shared && size > r->max_block, "records",
                          is_shared ? json_integer((json_int_t)size) : json_null()));
        }
        gp_buf_free(&name);
        if (!ka || !kb)
            gp_buf_puts(out, "not shared: a field is unknown\n");
        else if (ka != kb)
            gp_buf_puts(out, "not shared\n");
        else if (size > r->max_block)
            gp_buf_printf(out,
                          "shared, but the block holds %zu records (more than %zu): no "
                          "pairs from it\n",
                          size, r->max_block);
        else
            gp_buf_printf(out, "shared (%zu records in the block)\n", size);
    }
    uint32_t bands_a[GP_DD_MAX_BANDS], bands_b[GP_DD_MAX_BANDS];
    dd_ent ea = d->ents[a], eb = d->ents[b];
    rc = gp__dd_features(w, r, &ea, &ra, bands_a);
    if (!rc)
        rc = gp__dd_features(w, r, &eb, &rb, bands_b);
    if (rc)
        return rc;
    int shared = 0;
    for (int i = 0; i < r->bands; i++)
        shared += bands_a[i] && bands_a[i] == bands_b[i];
    gp_buf_printf(out, "  %-36s%d of %d bands shared\n", "minhash", shared, r->bands);
    int counterparts =
        d->ents[a].counterpart != DD_NONE && d->ents[a].counterpart == d->ents[b].counterpart;
    if (j)
        json_object_set_new(j, "minhash",
                            json_pack("{s:i, s:i, s:b}", "bands_shared", shared, "bands", r->bands,
                                      "counterparts", counterparts));
    if (counterparts)
        gp_buf_printf(out,
                      "  %-36sthe only %s and %s records of their block without a "
                      "counterpart\n",
                      "counterparts", gp_format_name(r->counterparts[0]),
                      gp_format_name(r->counterparts[1]));
    double cand = -1;
    uint64_t key = gp__dd_pair_key(a, b);
    for (size_t lo = 0, hi = d->npairs; lo < hi;) {
        size_t mid = (lo + hi) / 2;
        if (d->pairs[mid] == key) {
            cand = d->scores[mid] / 1000.0;
            break;
        }
        if (d->pairs[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    gp_buf_printf(out, "  candidate pair: %s\n",
                  cand >= 0 ? "yes" : "no (scored here only to explain)");
    if (j)
        json_object_set_new(j, "candidate_pair", json_boolean(cand >= 0));

    dd_score s;
    if ((rc = gp__dd_score(w, r, &d->ents[a], &d->ents[b], 0, &s)))
        return rc;
    gp_buf_puts(out, "\nscore\n");
    json_t *parts = j ? json_array() : NULL, *factors = j ? json_array() : NULL;
    for (int p = 0; p < GP_DD_TEXT_PARTS; p++) {
        if (!s.has[p])
            continue;
        if (parts) {
            json_t *part = json_pack("{s:s, s:f, s:f}", "part", gp__dd_text_part_name(p),
                                     "similarity", s.sim[p], "weight", r->weight[p]);
            if (p == GP_DD_DESCRIPTION)
                json_object_update_new(
                    part, json_pack("{s:I, s:I, s:f, s:b, s:b}", "shingles_a",
                                    (json_int_t)d->ents[a].nshingles, "shingles_b",
                                    (json_int_t)d->ents[b].nshingles, "jaccard", s.jaccard,
                                    "estimated", s.estimated, "cut_off_prefix", s.cut_prefix));
            else if (p == GP_DD_TITLE_IN_DESCRIPTION)
                json_object_update_new(part, json_pack("{s:i, s:i}", "title_words_shared",
                                                       (int)s.title_shared, "title_words",
                                                       (int)s.title_words));
            json_array_append_new(parts, part);
        }
        gp_buf_printf(out, "  %-22s %5.3f x %g", gp__dd_text_part_name(p), s.sim[p], r->weight[p]);
        if (p == GP_DD_DESCRIPTION)
            gp_buf_printf(out, "   overlap of %u and %u shingles; Jaccard %.3f%s",
                          (unsigned)d->ents[a].nshingles, (unsigned)d->ents[b].nshingles, s.jaccard,
                          s.estimated ? " (estimated: a long text)" : "");
        if (p == GP_DD_DESCRIPTION && s.cut_prefix)
            gp_buf_printf(out, "\n  %-22s         description is a cut-off prefix of the other's",
                          "");
        else if (p == GP_DD_TITLE_IN_DESCRIPTION)
            gp_buf_printf(out, "   %u of %u title words in the description", s.title_shared,
                          s.title_words);
        gp_buf_putc(out, '\n');
    }
    if (!s.comparable) {
        gp_buf_puts(out, "  nothing to compare: no description, title or counterpart on both "
                         "sides; score 0\n");
    } else {
        gp_buf_printf(out, "  %-22s %5.3f   weighted mean of the parts above\n", "text", s.text);
        for (int p = 0; p < GP_DD_FACTOR_PARTS; p++) {
            if (!s.has_factor[p])
                continue;
            const char *why = p == GP_DD_SAME_DOCUMENT
                                  ? "both from one document that lists each practice once"
                              : s.factor[p] >= 1.0 ? "same"
                                                   : "differ";
            gp_buf_printf(out, "  %-22s x %-5.3g %s\n", gp__dd_factor_part_name(p), s.factor[p],
                          why);
            if (factors)
                json_array_append_new(factors, json_pack("{s:s, s:f, s:s}", "factor",
                                                         gp__dd_factor_part_name(p), "value",
                                                         s.factor[p], "verdict", why));
        }
    }
    const char *verdict = s.score >= r->merge    ? "at or above merge"
                          : s.score >= r->review ? "possible duplicate"
                                                 : "below review";
    gp_buf_printf(out, "  %-22s %5.3f   %s (review %g, merge %g)\n", "score", s.score, verdict,
                  r->review, r->merge);
    if (j)
        json_object_set_new(j, "score",
                            json_pack("{s:b, s:o, s:f, s:o, s:f, s:s, s:f, s:f}", "comparable",
                                      s.comparable, "parts", parts, "text", s.text, "factors",
                                      factors, "score", s.score, "verdict", verdict, "review",
                                      r->review, "merge", r->merge));

    gp_buf_puts(out, "\noutcome\n  ");
    uint32_t ca = d->cid[a], cb = d->cid[b];
    if (ca == cb) {
        const char *how = NULL, *how_id = "through the group";
        for (size_t i = 0; i < d->nlinks; i++)
            if (d->links[i].a == (a < b ? a : b) && d->links[i].b == (a < b ? b : a)) {
                int decided = d->links[i].how == DD_LINK_DECISION;
                how = decided ? "by a merge decision" : "by their score";
                how_id = decided ? "decision" : "score";
            }
        gp_buf_printf(out, "merged %s into dataset record '%s'\n",
                      how ? how : "through other records of their group", d->ents[ca].id);
        if (j)
            json_object_set_new(j, "outcome",
                                json_pack("{s:s, s:s, s:s}", "outcome", "merged", "how", how_id,
                                          "dataset_id", d->ents[ca].id));
    } else {
        int poss = 0;
        const char *note = NULL;
        for (size_t i = 0; i < d->nposs; i++)
            if (d->poss[i].ca == (ca < cb ? ca : cb) && d->poss[i].cb == (ca < cb ? cb : ca)) {
                poss = 1;
                note = d->poss[i].note;
            }
        int distinct = gp__dd_vec_find(&d->distinct_clusters, gp__dd_pair_key(ca, cb)) != 0;
        if (j)
            json_object_set_new(j, "outcome",
                                json_pack("{s:s, s:s, s:b, s:o, s:s, s:s}", "outcome", "kept apart",
                                          "how", distinct ? "decision" : "score",
                                          "possible_duplicate", poss && !distinct, "note",
                                          str_or_null(note), "a_in", d->ents[ca].id, "b_in",
                                          d->ents[cb].id));
        if (distinct)
            gp_buf_puts(out, "kept apart by a distinct decision");
        else if (poss)
            gp_buf_printf(out, "kept apart; '%s' and '%s' are reported as a possible duplicate",
                          d->ents[ca < cb ? ca : cb].id, d->ents[ca < cb ? cb : ca].id);
        else
            gp_buf_puts(out, "kept apart");
        if (note)
            gp_buf_printf(out, "\n  %s", note);
        gp_buf_puts(out, "\n");
        if (ca != a || cb != b)
            gp_buf_printf(out, "  in the dataset: A is in '%s', B is in '%s'\n", d->ents[ca].id,
                          d->ents[cb].id);
    }
    return gp_buf_error(out);
}

int gp_dedup_explain(gp_deduper *d, const char *id1, const char *id2, gp_buf *out)
{
    return explain(d, id1, id2, out, NULL);
}

int gp_dedup_explain_json(gp_deduper *d, const char *id1, const char *id2, gp_buf *out)
{
    json_t *j = json_object();
    if (!j)
        return GP_ENOMEM;
    gp_buf text = GP_BUF_INIT;
    int rc = explain(d, id1, id2, &text, j);
    if (rc == GP_EINVAL) /* the reason, for the caller to print */
        gp_buf_put(out, text.data, text.len);
    gp_buf_free(&text);
    if (!rc) {
        char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
        if (s) {
            gp_buf_puts(out, s);
            gp_buf_putc(out, '\n');
            free(s);
        } else {
            rc = GP_ENOMEM;
        }
    }
    json_decref(j);
    return rc ? rc : gp_buf_error(out);
}
