/*
 * lib/extract_booklet.c - the text of an ISSA Good Practice Awards booklet (from PDF).
 *
 * Layout, with every marker taken from the rules (booklet: headings, sections, labels,
 * footers):
 *
 *   Results of the ISSA Good Practice Awards – Asia and the Pacific 2018   <- region, year
 *   ...
 *   WINNING ENTRY                           <- a section: the award of the entries below;
 *   Republic of Korea: National Pension Service     a heading may wrap over two lines
 *   One-stop service through four ...       <- title, may wrap
 *   Priority areas: A, B,                   <- list, wraps after a comma
 *   C
 *   Summary: ...                            <- optional, paragraphs
 *   Jury's comment: ...                     <- optional ("Special mention from the Jury:")
 *
 * "X: Y" starts an entry only when X is a country the rules know (iso-codes names and
 * aliases), so a title such as "Tongzhou Programme: The Same-Boat ..." stays a title.
 * Page footers ("21 www.issa.int/goodpractices") are dropped. In summaries and jury
 * texts a blank line ends a paragraph only after a sentence has ended: blank lines in
 * mid-sentence are a page break of the PDF ("a vital point / (page) / in controlling").
 * A line opening with a bullet starts a paragraph of its own.
 *
 * The booklet is read whole into an array of lines: booklets are small, and titles and
 * wrapped headings need to look ahead.
 */
#include <stdlib.h>
#include <string.h>

#include "extract_impl.h"
#include "gpkit/text.h"

typedef gp_page_line bline; /* skip: a page footer */

typedef struct bparse {
    gp_extractor *ex;
    gp_ruleset *rs;
    bline *lines;
    size_t n;
    const char *award;
    char *region;
    long region_line, region_col;
    int year;
    long year_line, year_col;
    int warned_no_heading;
    int rc;
} bparse;

static int is_blank(const bline *l)
{
    return l->len == 0 || l->skip;
}

static int match_label(bparse *p, int which, const bline *l, const char **v, size_t *vlen)
{
    return gp__labels_match(p->rs, &p->rs->booklet.labels[which], l->text, l->len, v, vlen);
}

static int is_any_label(bparse *p, const bline *l)
{
    const char *v;
    size_t vl;
    for (int k = 0; k < GP_BOOKLET_LABELS; k++)
        if (match_label(p, k, l, &v, &vl))
            return 1;
    return 0;
}

/* "Country: Institution" with a country the rules know. */
static int is_entry_start(bparse *p, const bline *l, size_t *colon_at)
{
    if (l->len < 4)
        return 0;
    const char *colon = memchr(l->text, ':', l->len);
    if (!colon || colon == l->text || (size_t)(colon - l->text) > 60)
        return 0;
    const char *rest = colon + 1;
    size_t rl = l->len - (size_t)(rest - l->text);
    gp__trim(&rest, &rl);
    if (rl == 0)
        return 0;
    gp_resolution r;
    if (gp_ruleset_resolve(p->rs, GP_VOCAB_COUNTRY, l->text, (size_t)(colon - l->text), 0, NULL,
                           &r) != GP_OK ||
        r.match == GP_MATCH_NONE)
        return 0;
    *colon_at = (size_t)(colon - l->text);
    return 1;
}

/* A section heading at line i, possibly wrapped over the next lines; sets *used. */
static const gp_booklet_section *match_section(bparse *p, size_t i, size_t *used)
{
    const gp_booklet_rules *b = &p->rs->booklet;
    if (b->nsections == 0 || is_blank(&p->lines[i]) || p->lines[i].len > 120)
        return NULL;
    const gp_booklet_section *best = NULL;
    gp_buf joined = GP_BUF_INIT;
    for (size_t k = 0; k < 3 && i + k < p->n; k++) {
        const bline *l = &p->lines[i + k];
        if (is_blank(l) || l->len > 120)
            break;
        if (k)
            gp_buf_putc(&joined, ' ');
        gp_buf_put(&joined, l->text, l->len);
        long kl = gp__rules_key(p->rs, gp_buf_str(&joined), joined.len);
        if (kl <= 0)
            break;
        int prefix_of_any = 0;
        for (size_t s = 0; s < b->nsections; s++) {
            const char *key = b->sections[s].key;
            size_t sl = strlen(key);
            if (sl == (size_t)kl && memcmp(key, p->rs->key.data, sl) == 0) {
                best = &b->sections[s];
                *used = k + 1;
            } else if (sl > (size_t)kl && memcmp(key, p->rs->key.data, (size_t)kl) == 0 &&
                       key[kl] == ' ') {
                prefix_of_any = 1;
            }
        }
        if (!prefix_of_any)
            break;
    }
    gp_buf_free(&joined);
    return best;
}

static int match_heading(bparse *p, const bline *l)
{
    const gp_booklet_rules *b = &p->rs->booklet;
    for (size_t h = 0; h < b->nheadings; h++) {
        gp_regex *re = b->headings[h];
        if (!gp_regex_match(re, l->text, l->len, 0))
            continue;
        size_t s, e;
        if (gp_regex_group(re, "region", &s, &e)) {
            free(p->region);
            const char *r = l->text + s;
            size_t rl = e - s;
            gp__trim(&r, &rl);
            p->region = gp__strndup(r, rl);
            p->region_line = l->no;
            p->region_col = l->col + (long)gp_text_char_count(l->text, (size_t)(r - l->text));
        }
        if (gp_regex_group(re, "year", &s, &e)) {
            int y;
            if (gp_year_parse(l->text + s, e - s, &y)) {
                p->year = y;
                p->year_line = l->no;
                p->year_col = l->col + (long)gp_text_char_count(l->text, s);
            }
        }
        return 1;
    }
    return 0;
}

static uint32_t last_char(const char *s, size_t len, size_t *start)
{
    size_t i = len - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    *start = i;
    size_t j = i;
    return gp_utf8_next(s, len, &j);
}

/* Whether text ends a sentence: . ! ? : ; maybe followed by closing quotes or brackets. */
static int ends_sentence(const char *s, size_t len)
{
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    while (len) {
        size_t at;
        uint32_t c = last_char(s, len, &at);
        if (c == '.' || c == '!' || c == '?' || c == ':' || c == ';')
            return 1;
        if (c != '"' && c != ')' && c != 0x201D && c != 0x2019 && c != 0xBB)
            return 0;
        len = at;
    }
    return 1;
}

/* A line that opens a list item: it starts a paragraph of its own. */
static int starts_bullet(const char *s, size_t len)
{
    size_t i = 0;
    uint32_t c = gp_utf8_next(s, len, &i);
    return c == 0x2022 || c == 0x25E6 || c == 0x25AA || c == 0x2023 || c == 0x25CF || c == 0x2043 ||
           c == 0x25A0;
}

/* Paragraph text: lines joined by a space, paragraphs by "\n\n". */
typedef struct ptext {
    gp_buf buf;
    size_t para_start;
    int pending_break;
    long line, col;
} ptext;

static void ptext_add(ptext *t, const bline *l, const char *s, size_t len)
{
    gp__trim(&s, &len);
    if (len == 0) {
        if (t->buf.len)
            t->pending_break = 1;
        return;
    }
    if (t->buf.len == 0) {
        t->line = l->no;
        t->col = l->col + (long)gp_text_char_count(l->text, (size_t)(s - l->text));
    } else if (starts_bullet(s, len) ||
               (t->pending_break && ends_sentence(t->buf.data, t->buf.len))) {
        gp_buf_put(&t->buf, "\n\n", 2);
        t->para_start = t->buf.len;
    } else {
        gp_buf_putc(&t->buf, ' ');
    }
    t->pending_break = 0;
    gp_buf_put(&t->buf, s, len);
}

static void warn_no_heading(bparse *p, const bline *l)
{
    if (p->warned_no_heading || p->region || p->year)
        return;
    p->warned_no_heading = 1;
    gp_diag_report(p->ex->diags, GP_SEV_WARNING, "booklet.no-heading", p->ex->file, l->no, l->col,
                   "no results heading before the first entry: region and award year unknown");
}

/* Adds the comma-separated items of `s` (within line l); 1 when the list goes on. */
static int add_items(bparse *p, const bline *l, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t j = 0; j <= len && !p->rc; j++) {
        if (j < len && s[j] != ',')
            continue;
        const char *item = s + start;
        size_t ilen = j - start;
        gp__trim(&item, &ilen);
        if (ilen)
            p->rc = gp__extract_item(
                p->ex, GP_F_PRIORITY_AREAS, item, ilen, l->no,
                l->col + (long)gp_text_char_count(l->text, (size_t)(item - l->text)));
        start = j + 1;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return len && s[len - 1] == ',';
}

/* Parses the entry that starts at *i; leaves *i at the first line after it. */
static void parse_entry(bparse *p, size_t *i, size_t colon_at)
{
    gp_extractor *ex = p->ex;
    const bline *first = &p->lines[*i];
    warn_no_heading(p, first);
    if (!gp__extract_begin(ex, first->no, "booklet")) {
        p->rc = GP_ENOMEM;
        return;
    }
    const char *inst = first->text + colon_at + 1;
    size_t il = first->len - colon_at - 1;
    gp__trim(&inst, &il);
    p->rc = gp__extract_field(ex, GP_F_COUNTRY, first->text, colon_at, first->no, first->col);
    if (!p->rc)
        p->rc = gp__extract_field(
            ex, GP_F_INSTITUTION, inst, il, first->no,
            first->col + (long)gp_text_char_count(first->text, (size_t)(inst - first->text)));
    if (!p->rc)
        p->rc = gp_record_set(&ex->rec, GP_F_AWARD, p->award, strlen(p->award));
    if (!p->rc && p->region)
        p->rc = gp__extract_field(ex, GP_F_REGION, p->region, strlen(p->region), p->region_line,
                                  p->region_col);
    if (p->year) {
        ex->rec.award_year.value = p->year;
        if (ex->rec.nsources)
            gp_source_add_field(ex->arena, &ex->rec.sources[0], "/award_year", p->year_line,
                                p->year_col);
    }
    size_t k = *i + 1;
    size_t dummy;
    const char *v;
    size_t vlen;

    /* Title: up to the first label, blank line or next entry. */
    ptext title = {GP_BUF_INIT, 0, 0, 0, 0};
    while (k < p->n && !is_blank(&p->lines[k]) && !is_any_label(p, &p->lines[k]) &&
           !is_entry_start(p, &p->lines[k], &dummy) && !match_section(p, k, &dummy)) {
        ptext_add(&title, &p->lines[k], p->lines[k].text, p->lines[k].len);
        k++;
    }
    if (title.buf.len && !p->rc)
        p->rc =
            gp__extract_field(ex, GP_F_TITLE, title.buf.data, title.buf.len, title.line, title.col);
    gp_buf_free(&title.buf);

    /* Priority areas: a list that wraps after a comma; items never span lines. */
    int have_areas = 0;
    if (k < p->n && match_label(p, GP_BOOKLET_PRIORITY_AREAS, &p->lines[k], &v, &vlen)) {
        have_areas = 1;
        int more = add_items(p, &p->lines[k], v, vlen);
        for (k++; more && k < p->n && !is_blank(&p->lines[k]) && !is_any_label(p, &p->lines[k]) &&
                  !is_entry_start(p, &p->lines[k], &dummy);
             k++)
            more = add_items(p, &p->lines[k], p->lines[k].text, p->lines[k].len);
    }
    if (!title.line || !have_areas)
        gp_diag_report(ex->diags, GP_SEV_WARNING, "booklet.entry-incomplete", ex->file, first->no,
                       first->col, "entry has no %s",
                       !title.line && !have_areas ? "title and no priority areas"
                       : !title.line              ? "title"
                                                  : "priority areas");

    /* Summary and jury text, up to the next entry or section. */
    ptext sum = {GP_BUF_INIT, 0, 0, 0, 0}, jury = {GP_BUF_INIT, 0, 0, 0, 0};
    ptext *cur = NULL;
    for (; k < p->n; k++) {
        const bline *l = &p->lines[k];
        if (l->skip)
            continue;
        if (!is_blank(l) &&
            (is_entry_start(p, l, &dummy) || match_section(p, k, &dummy) || match_heading(p, l)))
            break;
        if (match_label(p, GP_BOOKLET_SUMMARY, l, &v, &vlen)) {
            cur = &sum;
            if (cur->buf.len)
                cur->pending_break = 1;
            ptext_add(cur, l, v ? v : "", vlen);
            continue;
        }
        if (match_label(p, GP_BOOKLET_JURY_COMMENT, l, &v, &vlen)) {
            cur = &jury;
            if (cur->buf.len)
                cur->pending_break = 1;
            ptext_add(cur, l, v ? v : "", vlen);
            continue;
        }
        if (cur) {
            ptext_add(cur, l, l->text, l->len);
        } else if (!is_blank(l)) {
            size_t n = gp__clip_len(l->text, l->len, 60);
            gp_diag_report(ex->diags, GP_SEV_WARNING, "booklet.unexpected-text", ex->file, l->no,
                           l->col,
                           "text after the priority areas without a label; skipped: '%.*s%s'",
                           (int)n, l->text, n < l->len ? "..." : "");
        }
    }
    if (sum.buf.len && !p->rc)
        p->rc =
            gp__extract_field(ex, GP_F_DESCRIPTION, sum.buf.data, sum.buf.len, sum.line, sum.col);
    if (jury.buf.len && !p->rc)
        p->rc = gp__extract_field(ex, GP_F_JURY_COMMENT, jury.buf.data, jury.buf.len, jury.line,
                                  jury.col);
    if ((sum.buf.oom || jury.buf.oom) && !p->rc)
        p->rc = GP_ENOMEM;
    gp_buf_free(&sum.buf);
    gp_buf_free(&jury.buf);
    if (!p->rc)
        p->rc = gp__extract_emit(ex);
    *i = k;
}

static int read_lines(bparse *p, gp_input *in)
{
    int rc = gp__extract_read_page(in, &p->lines, &p->n);
    for (size_t i = 0; rc == GP_OK && i < p->n; i++) {
        bline *l = &p->lines[i];
        for (size_t f = 0; l->len && f < p->rs->booklet.nfooters; f++)
            if (gp_regex_match(p->rs->booklet.footers[f], l->text, l->len, 1))
                l->skip = 1;
    }
    return rc;
}

int gp__extract_booklet(gp_extractor *ex, gp_input *in)
{
    bparse p;
    memset(&p, 0, sizeof p);
    p.ex = ex;
    p.rs = ex->rules;
    int rc = read_lines(&p, in);
    size_t i = 0;
    while (rc == GP_OK && !p.rc && i < p.n) {
        const bline *l = &p.lines[i];
        size_t used, colon_at;
        if (is_blank(l)) {
            i++;
            continue;
        }
        if (match_heading(&p, l)) {
            i++;
            continue;
        }
        const gp_booklet_section *sec = match_section(&p, i, &used);
        if (sec) {
            p.award = sec->award;
            i += used;
            continue;
        }
        if (p.award && is_entry_start(&p, l, &colon_at)) {
            parse_entry(&p, &i, colon_at);
            continue;
        }
        if (p.award) {
            size_t n = gp__clip_len(l->text, l->len, 60);
            gp_diag_report(ex->diags, GP_SEV_WARNING, "booklet.unexpected-text", ex->file, l->no,
                           l->col, "text outside any entry; skipped: '%.*s%s'", (int)n, l->text,
                           n < l->len ? "..." : "");
        }
        i++;
    }
    gp__extract_free_page(p.lines, p.n);
    free(p.region);
    return rc ? rc : p.rc;
}
