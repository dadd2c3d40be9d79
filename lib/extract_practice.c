/*
 * lib/extract_practice.c - pages that hold one practice: the site's single-practice page
 * ("practice") and the old site's practice page ("old-practice").
 *
 * A single-practice page, labels from the rules (practice: labels, bullets):
 *
 *   Social Insurance Institution    <- institution, country and region on lines of their
 *   Finland                            own; the country or the region line may be missing,
 *   Europe                             so which line is which is asked of the rules
 *                                   <- blank line
 *   Family benefits at a single click   <- the title
 *
 *   Implementation year             <- with or without colon; the value on the next line,
 *   2021                               on the label's line, or missing
 *   Description paragraphs; "  • item" lines are list items, each kept on a line (a
 *   paragraph) of its own; a line holding only a no-break space is a blank line.
 *   Topic:                          <- the topics under the label, or on other copies of
 *   Family benefits                    the page as bare lines at the very end: a trailing
 *   More at kela.fi                    line is a topic only when the rules know it as one;
 *                                      a link line or two after them is reported, skipped
 *
 * Blocks of text before the header block are no part of the practice: skipped, reported.
 *
 * An old practice page (old_practice: separators, chrome):
 *
 *   Good Practices                  <- the site's chrome (the rules' patterns): dropped,
 *   A good practice is ...             reported once
 *   Electronic services for employers   <- the title, often twice
 *   Social Security Institution | Turkey   <- institution and country (a known country)
 *   Electronic services for employers   <- the title again (optional)
 *   Description paragraphs.
 *
 * The last line of a page cut off inside a topic or the topic label is left out and
 * reported (practice.truncated). Neither page has an award year; the old page has no year, region
 * or topics either, so their absence is not reported. A header line the rules cannot place is
 * reported and left out, never guessed into a field. Both pages are read whole into an array of
 * lines: a page holds one practice.
 */
#include <stdlib.h>
#include <string.h>

#include "extract_impl.h"
#include "gpkit/text.h"

typedef gp_page_line pline;

typedef struct ppage {
    gp_extractor *ex;
    gp_ruleset *rs;
    pline *lines;
    size_t n;
    size_t chrome; /* lines of the site's chrome skipped */
    long chrome_line, chrome_col;
    const char *chrome_first;
    int rc;
} ppage;

static int read_lines(ppage *p, gp_input *in)
{
    return gp__extract_read_page(in, &p->lines, &p->n);
}

static void free_lines(ppage *p)
{
    gp__extract_free_page(p->lines, p->n);
}

static int is_chrome(ppage *p, const pline *l)
{
    const gp_old_practice_rules *op = &p->rs->old_practice;
    for (size_t i = 0; i < op->nchrome; i++)
        if (gp_regex_match(op->chrome[i], l->text, l->len, 0))
            return 1;
    return 0;
}

/*
 * A line outside the practice: the site's chrome is counted (`chrome` set) or reported
 * (`chrome` clear), so a caller makes two passes to report in the order of the lines.
 */
static void outside(ppage *p, const pline *l, int chrome)
{
    if (l->len == 0 || is_chrome(p, l) != chrome)
        return;
    if (chrome) {
        if (p->chrome++ == 0) {
            p->chrome_line = l->no;
            p->chrome_col = l->col;
            p->chrome_first = l->text;
        }
        return;
    }
    size_t n = gp__clip_len(l->text, l->len, 60);
    gp_diag_report(p->ex->diags, GP_SEV_WARNING, "practice.unexpected-text", p->ex->file, l->no,
                   l->col, "text outside the practice; skipped: '%.*s%s'", (int)n, l->text,
                   n < l->len ? "..." : "");
}

static void report_chrome(ppage *p)
{
    if (!p->chrome)
        return;
    size_t n = gp__clip_len(p->chrome_first, strlen(p->chrome_first), 60);
    gp_diag_report(p->ex->diags, GP_SEV_INFO, "practice.chrome", p->ex->file, p->chrome_line,
                   p->chrome_col, "site chrome skipped (%zu line%s): '%.*s%s'", p->chrome,
                   p->chrome == 1 ? "" : "s", (int)n, p->chrome_first,
                   n < strlen(p->chrome_first) ? "..." : "");
    p->chrome = 0;
}

static int starts_bullet(ppage *p, const pline *l)
{
    const gp_practice_rules *pr = &p->rs->practice;
    for (size_t i = 0; i < pr->nbullets; i++) {
        size_t bl = strlen(pr->bullets[i]);
        if (l->len >= bl && memcmp(l->text, pr->bullets[i], bl) == 0)
            return 1;
    }
    return 0;
}

/*
 * The description from lines [from, to): paragraphs joined with "\n\n", the lines of a
 * paragraph with a space. A list item (and the line after a list) starts a paragraph of its
 * own, as in the booklet reader, so that each item stays on a line of its own through
 * gp-norm, which folds single line breaks into spaces.
 */
static void read_description(ppage *p, size_t from, size_t to)
{
    gp_buf d = GP_BUF_INIT;
    int para_break = 0, prev_bullet = 0;
    long line = 0, col = 0;
    for (size_t i = from; i < to; i++) {
        const pline *l = &p->lines[i];
        if (l->len == 0) {
            para_break = d.len > 0;
            continue;
        }
        int bullet = starts_bullet(p, l);
        if (d.len == 0) {
            line = l->no;
            col = l->col;
        } else if (para_break) {
            gp_buf_put(&d, "\n\n", 2);
        } else {
            gp_buf_puts(&d, bullet || prev_bullet ? "\n\n" : " ");
        }
        gp_buf_put(&d, l->text, l->len);
        para_break = 0;
        prev_bullet = bullet;
    }
    if (d.oom)
        p->rc = GP_ENOMEM;
    else if (d.len && !p->rc)
        p->rc = gp__extract_field(p->ex, GP_F_DESCRIPTION, d.data, d.len, line, col);
    gp_buf_free(&d);
}

/* Lines [from, to) joined with spaces as the title. */
static void read_title(ppage *p, size_t from, size_t to)
{
    gp_buf t = GP_BUF_INIT;
    for (size_t i = from; i < to; i++) {
        if (p->lines[i].len == 0)
            continue;
        if (t.len)
            gp_buf_putc(&t, ' ');
        gp_buf_put(&t, p->lines[i].text, p->lines[i].len);
    }
    if (t.oom)
        p->rc = GP_ENOMEM;
    else if (t.len && !p->rc)
        p->rc = gp__extract_field(p->ex, GP_F_TITLE, t.data, t.len, p->lines[from].no,
                                  p->lines[from].col);
    gp_buf_free(&t);
}

static int same_text(ppage *p, const pline *a, const pline *b)
{
    if (gp__rules_key(p->rs, a->text, a->len) < 0)
        return 0;
    gp_buf ka = GP_BUF_INIT;
    gp_buf_put(&ka, p->rs->key.data, p->rs->key.len);
    int same = !ka.oom && gp__rules_key(p->rs, b->text, b->len) >= 0 && ka.len == p->rs->key.len &&
               memcmp(ka.data, p->rs->key.data, ka.len) == 0;
    gp_buf_free(&ka);
    return same;
}

/* ---- the single-practice page ---- */

enum { H_OTHER, H_COUNTRY, H_REGION };

static int place_of(ppage *p, const pline *l)
{
    if (l->len == 0 || l->len > 120)
        return H_OTHER;
    if (gp__extract_known(p->rs, GP_VOCAB_REGION, l->text, l->len))
        return H_REGION;
    if (gp__extract_known(p->rs, GP_VOCAB_COUNTRY, l->text, l->len))
        return H_COUNTRY;
    return H_OTHER;
}

typedef struct pheader {
    int institution, country, region; /* read */
    int unreadable;                   /* lines reported and left out */
} pheader;

/*
 * The header lines [from, to): the institution first, then a country and a region line
 * as the rules know them, in that order; any other line is reported and left out.
 */
static void read_header(ppage *p, size_t from, size_t to, pheader *h)
{
    for (size_t i = from; i < to && !p->rc; i++) {
        const pline *l = &p->lines[i];
        int place = place_of(p, l);
        if (i == from && place == H_OTHER) {
            h->institution = 1;
            p->rc = gp__extract_field(p->ex, GP_F_INSTITUTION, l->text, l->len, l->no, l->col);
        } else if (place == H_COUNTRY && !h->country && !h->region) {
            h->country = 1;
            p->rc = gp__extract_field(p->ex, GP_F_COUNTRY, l->text, l->len, l->no, l->col);
        } else if (place == H_REGION && !h->region) {
            h->region = 1;
            p->rc = gp__extract_field(p->ex, GP_F_REGION, l->text, l->len, l->no, l->col);
        } else {
            h->unreadable++;
            size_t n = gp__clip_len(l->text, l->len, 60);
            gp_diag_report(p->ex->diags, GP_SEV_ERROR, "practice.header-unreadable", p->ex->file,
                           l->no, l->col,
                           place == H_OTHER
                               ? "header line '%.*s%s' is neither a country nor a region the "
                                 "rules know; left out"
                               : "header line '%.*s%s' is out of place (institution, country, "
                                 "region); left out",
                           (int)n, l->text, n < l->len ? "..." : "");
        }
    }
}

/* A year value line is one short token with a digit; anything else is the description. */
static int plausible_year(const pline *l)
{
    if (l->len == 0 || l->len > 12 || memchr(l->text, ' ', l->len))
        return 0;
    for (size_t i = 0; i < l->len; i++)
        if (l->text[i] >= '0' && l->text[i] <= '9')
            return 1;
    return 0;
}

static int is_topic(ppage *p, const pline *l)
{
    return l->len > 0 && l->len <= 120 && gp__extract_known(p->rs, GP_VOCAB_TOPIC, l->text, l->len);
}

static void add_topic(ppage *p, const char *t, size_t len, long line, long col)
{
    if (!p->rc)
        p->rc = gp__extract_item(p->ex, GP_F_TOPICS, t, len, line, col);
}

/*
 * A page whose bare topic lines are followed by a line or two of the site's own (a link such
 * as "More at kela.fi"): the last block, after a blank line, opens with lines the rules know
 * as topics and ends with at most two short lines that are neither topics nor prose (they end
 * no sentence). Kept in the description, those lines would blame the text for stopping
 * mid-sentence; read as topics, they would invent a topic. The known lines are the topics and
 * the rest is reported and skipped. Anything else leaves the block to the description.
 */
static void trailer_after_topics(ppage *p, size_t body, size_t end, size_t *first,
                                 size_t *topics_end)
{
    size_t block = end;
    while (block > body && p->lines[block - 1].len > 0)
        block--;
    if (block == body || block == end)
        return; /* no description before the block, or no block */
    size_t t = block;
    while (t < end && is_topic(p, &p->lines[t]))
        t++;
    if (t == block || end - t > 2)
        return;
    for (size_t m = t; m < end; m++) {
        const pline *l = &p->lines[m];
        if (l->len > 80 || gp__ends_sentence(l->text, l->len))
            return;
    }
    *first = block;
    *topics_end = t;
}

static int read_practice(ppage *p)
{
    gp_ruleset *rs = p->rs;
    gp_extractor *ex = p->ex;
    const gp_labels *year_labels = &rs->practice.labels[GP_PRACTICE_IMPLEMENTATION_YEAR];
    const gp_labels *topic_labels = &rs->practice.labels[GP_PRACTICE_TOPICS];
    const char *v;
    size_t vlen;
    size_t label = p->n;
    for (size_t i = 0; i < p->n && label == p->n; i++)
        if (gp__labels_match(rs, year_labels, p->lines[i].text, p->lines[i].len, &v, &vlen))
            label = i;
    if (label == p->n) {
        gp_diag_report(ex->diags, GP_SEV_ERROR, "practice.header-unreadable", ex->file, 0, 0,
                       "no implementation year label in '%s'; not read as a practice page",
                       ex->file);
        return GP_OK;
    }

    /* Blocks of non-blank lines before the label: [header], title, after other text. */
    size_t title_from = label, title_to = label, head_from = label, head_to = label;
    size_t i = label;
    while (i > 0 && p->lines[i - 1].len == 0)
        i--;
    title_to = i;
    while (i > 0 && p->lines[i - 1].len > 0)
        i--;
    title_from = i;
    /*
     * A block holding a country or region line after its first line is the header and
     * the title at once (no blank line between them): the rules split it.
     */
    size_t last_place = title_from;
    for (size_t k = title_from + 1; k < title_to; k++)
        if (place_of(p, &p->lines[k]) != H_OTHER)
            last_place = k;
    if (last_place > title_from) {
        head_from = title_from;
        head_to = last_place + 1;
        title_from = head_to;
    } else {
        while (i > 0 && p->lines[i - 1].len == 0)
            i--;
        head_to = i;
        while (i > 0 && p->lines[i - 1].len > 0)
            i--;
        head_from = i;
    }
    long rec_line = head_from < head_to ? p->lines[head_from].no : p->lines[label].no;
    if (!gp__extract_begin(ex, rec_line, "practice"))
        return GP_ENOMEM;
    for (int pass = 1; pass >= 0; pass--) {
        for (size_t k = 0; k < head_from; k++)
            outside(p, &p->lines[k], pass);
        if (pass)
            report_chrome(p);
    }
    pheader h = {0, 0, 0, 0};
    read_header(p, head_from, head_to, &h);
    if (title_from < title_to)
        read_title(p, title_from, title_to);

    /* The year: on the label's line, on the next non-blank line, or missing. */
    const pline *ll = &p->lines[label];
    gp__labels_match(rs, year_labels, ll->text, ll->len, &v, &vlen);
    size_t body = label + 1;
    int have_year = 0;
    if (vlen) {
        long vcol = ll->col + (long)gp_text_char_count(ll->text, (size_t)(v - ll->text));
        if (!p->rc)
            p->rc = gp__extract_year(ex, GP_F_IMPLEMENTATION_YEAR, v, vlen, ll->no, vcol);
        have_year = 1;
    } else {
        while (body < p->n && p->lines[body].len == 0)
            body++;
        if (body < p->n && plausible_year(&p->lines[body])) {
            const pline *yl = &p->lines[body];
            if (!p->rc)
                p->rc = gp__extract_year(ex, GP_F_IMPLEMENTATION_YEAR, yl->text, yl->len, yl->no,
                                         yl->col);
            have_year = 1;
            body++;
        }
    }

    /*
     * A copy cut off at its end: a last line that is a strict beginning of a topic the rules
     * know, or of the topic label, is a piece of it, read as nothing (a blank line).
     */
    size_t last = p->n;
    while (last > body && p->lines[last - 1].len == 0)
        last--;
    if (last > body) {
        pline *l = &p->lines[last - 1];
        int label_cut = gp__extract_label_prefix(rs, topic_labels, l->text, l->len);
        if (label_cut || gp__extract_value_prefix(rs, GP_VOCAB_TOPIC, l->text, l->len)) {
            size_t n = gp__clip_len(l->text, l->len, 60);
            gp_diag_report(ex->diags, GP_SEV_ERROR, "practice.truncated", ex->file, l->no, l->col,
                           "practice is cut off at the end of the file inside %s ('%.*s%s'); "
                           "kept without it",
                           label_cut ? "a label" : "a topic", (int)n, l->text,
                           n < l->len ? "..." : "");
            l->len = 0;
        }
    }

    /* The topics: under the label, or the bare lines at the end the rules know as topics. */
    size_t desc_to = p->n, k;
    for (k = body; k < p->n; k++)
        if (gp__labels_match(rs, topic_labels, p->lines[k].text, p->lines[k].len, &v, &vlen))
            break;
    if (k < p->n) {
        desc_to = k;
        const pline *tl = &p->lines[k];
        size_t ntopics = 0;
        if (vlen) {
            long vcol = tl->col + (long)gp_text_char_count(tl->text, (size_t)(v - tl->text));
            add_topic(p, v, vlen, tl->no, vcol);
            ntopics++;
        }
        /* A blank line after the topics ends them; what follows is no part of the practice. */
        for (k++; k < p->n; k++) {
            const pline *l = &p->lines[k];
            if (l->len == 0 && ntopics > 0)
                break;
            if (l->len) {
                add_topic(p, l->text, l->len, l->no, l->col);
                ntopics++;
            }
        }
        for (int pass = 1; pass >= 0; pass--) {
            for (size_t m = k; m < p->n; m++)
                outside(p, &p->lines[m], pass);
            if (pass)
                report_chrome(p);
        }
    } else {
        size_t end = p->n;
        while (end > body && p->lines[end - 1].len == 0)
            end--;
        size_t first = end;
        while (first > body && is_topic(p, &p->lines[first - 1]))
            first--;
        size_t topics_end = end;
        if (first == end)
            trailer_after_topics(p, body, end, &first, &topics_end);
        desc_to = first;
        for (k = first; k < topics_end; k++)
            add_topic(p, p->lines[k].text, p->lines[k].len, p->lines[k].no, p->lines[k].col);
        for (int pass = 1; pass >= 0; pass--) {
            for (size_t m = topics_end; m < end; m++)
                outside(p, &p->lines[m], pass);
            if (pass)
                report_chrome(p);
        }
    }
    read_description(p, body, desc_to);

    const char *missing[5];
    size_t nm = 0;
    if (!h.institution)
        missing[nm++] = "institution";
    if (!h.country && !h.unreadable)
        missing[nm++] = "country";
    if (!h.region && !h.unreadable)
        missing[nm++] = "region";
    if (title_from >= title_to)
        missing[nm++] = "title";
    if (!have_year)
        missing[nm++] = "implementation year";
    if (nm) {
        gp_buf list = GP_BUF_INIT;
        for (size_t m = 0; m < nm; m++) {
            if (m)
                gp_buf_puts(&list, m + 1 == nm ? " and " : ", ");
            gp_buf_puts(&list, missing[m]);
        }
        gp_diag_report(ex->diags, GP_SEV_WARNING, "practice.header-incomplete", ex->file, rec_line,
                       1, "practice has no %s", gp_buf_str(&list));
        gp_buf_free(&list);
    }
    if (p->rc)
        return p->rc;
    return gp__extract_emit(ex);
}

int gp__extract_practice(gp_extractor *ex, gp_input *in)
{
    ppage p;
    memset(&p, 0, sizeof p);
    p.ex = ex;
    p.rs = ex->rules;
    int rc = read_lines(&p, in);
    if (rc == GP_OK)
        rc = read_practice(&p);
    free_lines(&p);
    return rc;
}

/* ---- the old site's practice page ---- */

/* Splits "Institution | Country" on the last separator whose right side is a known country. */
static int split_pipe(ppage *p, const pline *l, size_t *inst_len, size_t *country_at)
{
    const gp_old_practice_rules *op = &p->rs->old_practice;
    if (l->len > 400)
        return 0;
    for (size_t s = 0; s < op->nseparators; s++) {
        const char *sep = op->separators[s];
        size_t sl = strlen(sep);
        for (size_t at = l->len; at-- > 0;) {
            if (at + sl > l->len || memcmp(l->text + at, sep, sl) != 0)
                continue;
            const char *c = l->text + at + sl;
            size_t cl = l->len - at - sl;
            const char *it = l->text;
            size_t il = at;
            gp__trim(&c, &cl);
            gp__trim(&it, &il);
            if (il == 0 || cl == 0 || !gp__extract_known(p->rs, GP_VOCAB_COUNTRY, c, cl))
                break;
            *inst_len = il;
            *country_at = (size_t)(c - l->text);
            return 1;
        }
    }
    return 0;
}

static int read_old_practice(ppage *p)
{
    gp_extractor *ex = p->ex;
    size_t pipe = p->n, inst_len = 0, country_at = 0;
    for (size_t i = 0; i < p->n && pipe == p->n; i++)
        if (p->lines[i].len && split_pipe(p, &p->lines[i], &inst_len, &country_at))
            pipe = i;
    if (pipe == p->n) {
        gp_diag_report(ex->diags, GP_SEV_ERROR, "practice.header-unreadable", ex->file, 0, 0,
                       "no 'institution | country' line in '%s'; not read as an old practice "
                       "page",
                       ex->file);
        return GP_OK;
    }
    /* The title: the last line before the header that is not the site's chrome. */
    size_t title = p->n;
    for (size_t i = pipe; i-- > 0;) {
        if (p->lines[i].len && !is_chrome(p, &p->lines[i])) {
            title = i;
            break;
        }
    }
    size_t first_title = title;
    for (size_t i = 0; title < p->n && i < title; i++)
        if (p->lines[i].len && same_text(p, &p->lines[i], &p->lines[title])) {
            first_title = i;
            break;
        }
    const pline *pl = &p->lines[pipe];
    if (!gp__extract_begin(ex, first_title < p->n ? p->lines[first_title].no : pl->no,
                           "old-practice"))
        return GP_ENOMEM;
    for (int pass = 1; pass >= 0; pass--) {
        for (size_t i = 0; i < pipe; i++) {
            const pline *l = &p->lines[i];
            if (i == title || (title < p->n && l->len && same_text(p, l, &p->lines[title])))
                continue;
            outside(p, l, pass);
        }
        if (pass)
            report_chrome(p);
    }
    if (!p->rc)
        p->rc = gp__extract_field(ex, GP_F_INSTITUTION, pl->text, inst_len, pl->no, pl->col);
    const char *c = pl->text + country_at;
    size_t cl = pl->len - country_at;
    gp__trim(&c, &cl);
    if (!p->rc)
        p->rc = gp__extract_field(ex, GP_F_COUNTRY, c, cl, pl->no,
                                  pl->col + (long)gp_text_char_count(pl->text, country_at));
    /* After the header: the title once more, or (no title before) the title itself. */
    size_t body = pipe + 1;
    while (body < p->n && p->lines[body].len == 0)
        body++;
    if (title < p->n) {
        if (!p->rc)
            read_title(p, title, title + 1);
        if (body < p->n && same_text(p, &p->lines[body], &p->lines[title]))
            body++;
    } else if (body < p->n) {
        read_title(p, body, body + 1);
        body++;
    }
    read_description(p, body, p->n);
    if (title == p->n && body >= p->n)
        gp_diag_report(ex->diags, GP_SEV_WARNING, "practice.header-incomplete", ex->file, pl->no, 1,
                       "practice has no title");
    if (p->rc)
        return p->rc;
    return gp__extract_emit(ex);
}

int gp__extract_old_practice(gp_extractor *ex, gp_input *in)
{
    ppage p;
    memset(&p, 0, sizeof p);
    p.ex = ex;
    p.rs = ex->rules;
    int rc = read_lines(&p, in);
    if (rc == GP_OK)
        rc = read_old_practice(&p);
    free_lines(&p);
    return rc;
}

/* ---- detection ---- */

gp_format gp__practice_detect(gp_extractor *ex, const char *text, size_t len)
{
    gp_ruleset *rs = ex->rules;
    const gp_labels *year_labels = &rs->practice.labels[GP_PRACTICE_IMPLEMENTATION_YEAR];
    const gp_labels *award = &rs->listing.labels[GP_LISTING_AWARD_YEAR];
    ppage p;
    memset(&p, 0, sizeof p);
    p.ex = ex;
    p.rs = rs;
    int place_before = 0, year_label = 0, pipe = 0;
    const char *v;
    size_t vlen;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        pline l = {(char *)text + i, end - i, 0, 0, 0};
        i = end + 1;
        const char *t = l.text;
        gp__trim(&t, &l.len);
        l.text = (char *)t;
        if (l.len == 0 || l.len > 400)
            continue;
        if (gp__labels_match(rs, award, l.text, l.len, &v, &vlen))
            return GP_FORMAT_AUTO; /* a listing */
        if (!year_label && gp__labels_match(rs, year_labels, l.text, l.len, &v, &vlen)) {
            year_label = 1;
            continue;
        }
        if (!year_label && !place_before && l.len <= 60 && !memchr(l.text, ':', l.len) &&
            place_of(&p, &l) != H_OTHER)
            place_before = 1;
        size_t il, ca;
        if (!pipe && !year_label && split_pipe(&p, &l, &il, &ca))
            pipe = 1;
    }
    if (year_label)
        return place_before ? GP_FORMAT_PRACTICE : GP_FORMAT_AUTO;
    return pipe ? GP_FORMAT_OLD_PRACTICE : GP_FORMAT_AUTO;
}
