/*
 * lib/extract_listing.c - the text dump of an ISSA database listing page.
 *
 * A record, as the site prints it (labels from the rules, any language):
 *
 *   Implementation year:            <- a record starts at either year label
 *   2018                            (the value may also follow the label on its line)
 *   Award Year:
 *   2024
 *   Institution , Country , Region  <- one line split on " , ", or one part per line
 *                                      with lone "," lines between the parts
 *   (blank line, sometimes missing)
 *   Description, one or more paragraphs separated by blank lines
 *   Topic:                          <- optional block, one topic per line
 *   Topic one
 *   ...                             <- a blank line ends it
 *
 * The reader is a line-driven state machine; everything before the first year label is
 * the page's preamble and is skipped. Text after a topic block that a blank line ended,
 * up to the next year label, belongs to no record (a second page's preamble pasted
 * between two records): it is skipped and reported. Lines are trimmed; the lines of a
 * paragraph are joined with one space and paragraphs with "\n\n".
 *
 * Copies of a page are cut anywhere, so the last line of the file is held back until
 * the end is known and then read as what may be cut: a strict beginning of a label
 * (`Awa`) is no value; a header part or topic that ends the file is kept only when the
 * rules know it or cannot tell (an unknown country or region), and is left out when it
 * is a strict beginning of a known value (`Euro`) or an institution of a header that
 * never finished. Each such record is reported as listing.truncated.
 */
#include <stdlib.h>
#include <string.h>

#include "extract_impl.h"
#include "gpkit/text.h"

typedef enum {
    L_PREAMBLE,
    L_YEARS,       /* after a year label; waiting for the header */
    L_AFTER_PART,  /* read a header part; a lone separator line may follow */
    L_EXPECT_PART, /* after a lone separator: the next line is a part */
    L_BODY,
    L_TOPICS
} lstate;

typedef struct hpart {
    char *text;
    long line, column;
} hpart;

typedef struct lparse {
    gp_extractor *ex;
    gp_ruleset *rs;
    lstate st;
    long rec_line;
    int pending_year; /* field whose value is on the next line, or -1 */
    long pending_line;
    int have_year[2]; /* implementation, award */
    hpart parts[16];
    size_t nparts;
    int header_done;
    gp_buf desc;
    gp_buf para;
    long desc_line, desc_col;
    size_t ntopics;
    int topics_ended;     /* a blank line after the topics: what follows is no record's */
    int last_part_at_end; /* the last header part ends the file: it may be cut */
    const char *cut_what; /* what the file's end cut ("its region"), or NULL */
    char *cut_text;       /* the piece left out */
    long cut_line, cut_col;
    int rc;
} lparse;

static void free_parts(lparse *p)
{
    for (size_t i = 0; i < p->nparts; i++)
        free(p->parts[i].text);
    p->nparts = 0;
}

static void add_part(lparse *p, const char *s, size_t len, long line, long column)
{
    gp__trim(&s, &len);
    if (len == 0)
        return;
    if (p->nparts == GP_ARRAY_LEN(p->parts)) {
        /* More parts than any header has: join the rest into the last. */
        hpart *last = &p->parts[p->nparts - 1];
        size_t old = strlen(last->text);
        char *t = realloc(last->text, old + 2 + len + 1);
        if (!t) {
            p->rc = GP_ENOMEM;
            return;
        }
        memcpy(t + old, ", ", 2);
        memcpy(t + old + 2, s, len);
        t[old + 2 + len] = '\0';
        last->text = t;
        return;
    }
    hpart *h = &p->parts[p->nparts];
    h->text = gp__strndup(s, len);
    if (!h->text) {
        p->rc = GP_ENOMEM;
        return;
    }
    h->line = line;
    h->column = column;
    p->nparts++;
}

/* Splits a header line on the rules' separators (" , ") into parts. */
static void split_header(lparse *p, const char *line, size_t len, long lineno)
{
    const gp_listing_rules *lr = &p->rs->listing;
    size_t start = 0;
    for (size_t i = 0; i < len;) {
        size_t seplen = 0;
        for (size_t k = 0; k < lr->nseparators; k++) {
            size_t sl = strlen(lr->separators[k]);
            if (sl && i + sl <= len && memcmp(line + i, lr->separators[k], sl) == 0) {
                seplen = sl;
                break;
            }
        }
        if (!seplen) {
            i++;
            continue;
        }
        long col = (long)gp_text_char_count(line, start) + 1;
        add_part(p, line + start, i - start, lineno, col);
        i += seplen;
        start = i;
    }
    /* Leading white space does not count in the column. */
    const char *s = line + start;
    size_t n = len - start;
    size_t lead = 0;
    while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
        lead++;
    add_part(p, s, n, lineno, (long)gp_text_char_count(line, start + lead) + 1);
}

static int is_lone_separator(const lparse *p, const char *t, size_t len)
{
    if (len == 1 && (t[0] == ',' || t[0] == '|'))
        return 1;
    const gp_listing_rules *lr = &p->rs->listing;
    for (size_t k = 0; k < lr->nseparators; k++) {
        const char *s = lr->separators[k];
        size_t sl = strlen(s);
        gp__trim(&s, &sl);
        if (sl == len && memcmp(s, t, len) == 0)
            return 1;
    }
    return 0;
}

static void flush_paragraph(lparse *p)
{
    if (p->para.len == 0)
        return;
    if (p->desc.len)
        gp_buf_put(&p->desc, "\n\n", 2);
    gp_buf_put(&p->desc, p->para.data, p->para.len);
    gp_buf_reset(&p->para);
}

static void note_cut(lparse *p, const char *what, const char *t, size_t len, long line, long col)
{
    p->cut_what = what;
    free(p->cut_text);
    p->cut_text = gp__strndup(t, len);
    if (!p->cut_text)
        p->rc = GP_ENOMEM;
    p->cut_line = line;
    p->cut_col = col;
}

/*
 * The last header part ends the file. It stays when the rules know it, or when they
 * cannot tell (a country or region they do not know is reported later as unknown); a
 * strict beginning of a known value is a cut value, and so is the institution of a header
 * that never got further: institutions are an open list, so the rules cannot vouch for it.
 */
static void drop_cut_part(lparse *p)
{
    size_t n = p->nparts;
    hpart *h = &p->parts[n - 1];
    size_t len = strlen(h->text);
    gp_vocab_kind kind = n == 1   ? GP_VOCAB_INSTITUTION
                         : n == 2 ? GP_VOCAB_COUNTRY
                                  : GP_VOCAB_REGION;
    static const char *const what[] = {"its institution", "its country", "its region"};
    int cut = gp__extract_value_prefix(p->rs, kind, h->text, len) ||
              (kind == GP_VOCAB_INSTITUTION && !gp__extract_known(p->rs, kind, h->text, len));
    if (!cut)
        return;
    note_cut(p, what[n < 3 ? n - 1 : 2], h->text, len, h->line, h->column);
    /* The part keeps its place, so the parts before it keep their meaning. */
    free(h->text);
    h->text = NULL;
}

static void finish_header(lparse *p)
{
    if (p->header_done)
        return;
    p->header_done = 1;
    gp_extractor *ex = p->ex;
    if (p->last_part_at_end && p->nparts > 0)
        drop_cut_part(p);
    size_t n = p->nparts;
    if (n == 0)
        return;
    if (n > 3) {
        gp_diag_report(ex->diags, GP_SEV_WARNING, "listing.header-incomplete", ex->file,
                       p->parts[0].line, p->parts[0].column,
                       "header has %zu parts, not institution, country and region; the first %zu "
                       "are taken as the institution",
                       n, n - 2);
    }
    if (n >= 3) {
        hpart *c = &p->parts[n - 2], *r = &p->parts[n - 1];
        gp_buf inst = GP_BUF_INIT;
        for (size_t i = 0; i + 2 < n; i++) {
            if (i)
                gp_buf_puts(&inst, ", ");
            gp_buf_puts(&inst, p->parts[i].text);
        }
        p->rc = gp__extract_field(ex, GP_F_INSTITUTION, gp_buf_str(&inst), inst.len,
                                  p->parts[0].line, p->parts[0].column);
        gp_buf_free(&inst);
        if (!p->rc)
            p->rc =
                gp__extract_field(ex, GP_F_COUNTRY, c->text, strlen(c->text), c->line, c->column);
        if (!p->rc && r->text)
            p->rc =
                gp__extract_field(ex, GP_F_REGION, r->text, strlen(r->text), r->line, r->column);
        return;
    }
    if (p->parts[0].text)
        p->rc = gp__extract_field(ex, GP_F_INSTITUTION, p->parts[0].text, strlen(p->parts[0].text),
                                  p->parts[0].line, p->parts[0].column);
    if (n == 2 && !p->rc && p->parts[1].text)
        p->rc = gp__extract_field(ex, GP_F_COUNTRY, p->parts[1].text, strlen(p->parts[1].text),
                                  p->parts[1].line, p->parts[1].column);
}

static void finish_record(lparse *p, int at_eof)
{
    gp_extractor *ex = p->ex;
    if (p->st == L_PREAMBLE)
        return;
    finish_header(p);
    flush_paragraph(p);
    if (p->desc.len && !p->rc)
        p->rc = gp__extract_field(ex, GP_F_DESCRIPTION, p->desc.data, p->desc.len, p->desc_line,
                                  p->desc_col);
    int cut = at_eof && (p->st == L_YEARS || p->st == L_EXPECT_PART || p->pending_year >= 0 ||
                         (p->st == L_AFTER_PART && p->nparts < 3));
    if (p->cut_what) {
        size_t n = gp__clip_len(p->cut_text, strlen(p->cut_text), 60);
        gp_diag_report(ex->diags, GP_SEV_ERROR, "listing.truncated", ex->file, p->cut_line,
                       p->cut_col,
                       "record is cut off at the end of the file inside %s ('%.*s%s'); kept "
                       "without it",
                       p->cut_what, (int)n, p->cut_text, n < strlen(p->cut_text) ? "..." : "");
    } else if (at_eof && p->st == L_AFTER_PART) {
        gp_diag_report(ex->diags, GP_SEV_ERROR, "listing.truncated", ex->file, p->rec_line, 1,
                       "record is cut off at the end of the file after %s; kept as far as it "
                       "goes",
                       p->nparts < 3 ? "part of its header" : "its header");
    } else if (cut) {
        const char *what = p->pending_year >= 0 ? "a year label"
                           : p->nparts == 0     ? "its years"
                                                : "part of its header";
        gp_diag_report(ex->diags, GP_SEV_ERROR, "listing.truncated", ex->file, p->rec_line, 1,
                       "record is cut off at the end of the file after %s; kept as far as it "
                       "goes",
                       what);
    } else {
        const char *missing[5];
        size_t nm = 0;
        if (p->nparts < 1)
            missing[nm++] = "institution";
        if (p->nparts < 2)
            missing[nm++] = "country";
        if (p->nparts < 3)
            missing[nm++] = "region";
        if (!p->have_year[0])
            missing[nm++] = "implementation year";
        if (!p->have_year[1])
            missing[nm++] = "award year";
        if (nm) {
            gp_buf list = GP_BUF_INIT;
            for (size_t i = 0; i < nm; i++) {
                if (i)
                    gp_buf_puts(&list, i + 1 == nm ? " and " : ", ");
                gp_buf_puts(&list, missing[i]);
            }
            gp_diag_report(ex->diags, GP_SEV_ERROR, "listing.header-incomplete", ex->file,
                           p->rec_line, 1, "record has no %s", gp_buf_str(&list));
            gp_buf_free(&list);
        }
    }
    if (!p->rc)
        p->rc = gp__extract_emit(ex);
    free_parts(p);
    gp_buf_reset(&p->desc);
    gp_buf_reset(&p->para);
    p->header_done = 0;
    p->pending_year = -1;
    p->have_year[0] = p->have_year[1] = 0;
    p->last_part_at_end = 0;
    p->cut_what = NULL;
    p->st = L_PREAMBLE;
}

static void begin_record(lparse *p, long line)
{
    p->rec_line = line;
    p->st = L_YEARS;
    p->desc_line = 0;
    p->ntopics = 0;
    p->topics_ended = 0;
    if (!gp__extract_begin(p->ex, line, "listing"))
        p->rc = GP_ENOMEM;
}

static void set_year(lparse *p, int which, const char *v, size_t vlen, long line, long col)
{
    gp_field f = which == 0 ? GP_F_IMPLEMENTATION_YEAR : GP_F_AWARD_YEAR;
    p->have_year[which] = 1;
    int rc = gp__extract_year(p->ex, f, v, vlen, line, col);
    if (rc)
        p->rc = rc;
}

static void report_no_value(lparse *p)
{
    int which = p->pending_year;
    p->pending_year = -1; /* have_year stays set: reported here, not again as missing */
    gp_diag_report(p->ex->diags, GP_SEV_ERROR, "listing.header-incomplete", p->ex->file,
                   p->pending_line, 1, "%s label has no value",
                   which == 0 ? "implementation year" : "award year");
}

/* A year value line is one short token; anything longer is the header that follows. */
static int plausible_year_line(const char *t, size_t len)
{
    return len > 0 && len <= 12 && !memchr(t, ' ', len) && !memchr(t, ',', len);
}

static int all_digits(const char *t, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (t[i] < '0' || t[i] > '9')
            return 0;
    return len > 0;
}

/*
 * The last non-blank line of the file, which may be cut anywhere. Returns 1 when the
 * line is a cut piece (noted, not read); 0 to read it as usual, marking a header part
 * that ends the file so that finish_header can judge it.
 */
static int read_last_line(lparse *p, const char *t, size_t len, long line, long col)
{
    gp_ruleset *rs = p->rs;
    if (p->st == L_PREAMBLE)
        return 0;
    int label_may_follow =
        p->st == L_BODY || p->st == L_TOPICS || p->st == L_AFTER_PART ||
        (p->st == L_YEARS && (p->pending_year >= 0 || !p->have_year[0] || !p->have_year[1]));
    for (size_t k = 0; label_may_follow && k < GP_LISTING_LABELS; k++) {
        if (gp__extract_label_prefix(rs, &rs->listing.labels[k], t, len)) {
            note_cut(p, "a label", t, len, line, col);
            return 1;
        }
    }
    if (p->pending_year >= 0) {
        if (all_digits(t, len) && len < 4) {
            note_cut(p, p->pending_year == 0 ? "its implementation year" : "its award year", t, len,
                     line, col);
            p->pending_year = -1;
            return 1;
        }
        return 0;
    }
    if (p->st == L_YEARS || p->st == L_EXPECT_PART) {
        p->last_part_at_end = !(len > 1 && t[len - 1] == ',');
        return 0;
    }
    if (p->st == L_TOPICS && !p->topics_ended &&
        gp__extract_value_prefix(rs, GP_VOCAB_TOPIC, t, len)) {
        note_cut(p, "a topic", t, len, line, col);
        return 1;
    }
    return 0;
}

static void process_line(lparse *p, const gp_line *ln, int at_end)
{
    gp_ruleset *rs = p->rs;
    const char *t = ln->text;
    size_t len = ln->len;
    gp__trim(&t, &len);
    long col = (long)gp_text_char_count(ln->text, (size_t)(t - ln->text)) + 1;
    const char *v = NULL;
    size_t vlen = 0;
    int blank = len == 0;

    if (!blank && len <= 120) {
        int which = -1;
        if (gp__labels_match(rs, &rs->listing.labels[GP_LISTING_IMPLEMENTATION_YEAR], t, len, &v,
                             &vlen))
            which = 0;
        else if (gp__labels_match(rs, &rs->listing.labels[GP_LISTING_AWARD_YEAR], t, len, &v,
                                  &vlen))
            which = 1;
        if (which >= 0) {
            if (p->pending_year >= 0) {
                report_no_value(p);
            }
            if (p->st == L_PREAMBLE) {
                begin_record(p, ln->number);
            } else if (p->st != L_YEARS || p->have_year[which]) {
                finish_record(p, 0);
                begin_record(p, ln->number);
            }
            if (vlen) {
                long vcol = (long)gp_text_char_count(ln->text, (size_t)(v - ln->text)) + 1;
                set_year(p, which, v, vlen, ln->number, vcol);
            } else {
                p->pending_year = which;
                p->pending_line = ln->number;
                p->have_year[which] = 1;
            }
            return;
        }
        if (p->st != L_PREAMBLE && p->st != L_TOPICS &&
            gp__labels_match(rs, &rs->listing.labels[GP_LISTING_TOPICS], t, len, &v, &vlen)) {
            finish_header(p);
            flush_paragraph(p);
            p->st = L_TOPICS;
            if (vlen) {
                long vcol = (long)gp_text_char_count(ln->text, (size_t)(v - ln->text)) + 1;
                p->ntopics++;
                p->rc = gp__extract_item(p->ex, GP_F_TOPICS, v, vlen, ln->number, vcol);
            }
            return;
        }
    }
    if (at_end && !blank && read_last_line(p, t, len, ln->number, col))
        return;
    if (p->pending_year >= 0 && !blank) {
        int which = p->pending_year;
        p->pending_year = -1;
        if (plausible_year_line(t, len)) {
            set_year(p, which, t, len, ln->number, col);
            return;
        }
        p->pending_year = which;
        report_no_value(p);
    }
    switch (p->st) {
    case L_PREAMBLE:
        return;
    case L_YEARS:
    case L_EXPECT_PART:
        if (blank)
            return;
        if (len > 1 && t[len - 1] == ',') {
            split_header(p, t, len - 1, ln->number);
            p->st = L_EXPECT_PART;
        } else {
            split_header(p, t, len, ln->number);
            p->st = L_AFTER_PART;
        }
        return;
    case L_AFTER_PART:
        if (!blank && is_lone_separator(p, t, len)) {
            p->st = L_EXPECT_PART;
            return;
        }
        finish_header(p);
        p->st = L_BODY;
        if (blank)
            return;
        /* no blank line after the header: this line opens the description */
        break;
    case L_BODY:
        break;
    case L_TOPICS:
        if (blank) {
            p->topics_ended = p->ntopics > 0;
        } else if (p->topics_ended) {
            size_t n = gp__clip_len(t, len, 60);
            gp_diag_report(p->ex->diags, GP_SEV_WARNING, "listing.unexpected-text", p->ex->file,
                           ln->number, col, "text outside any record; skipped: '%.*s%s'", (int)n, t,
                           n < len ? "..." : "");
        } else {
            p->ntopics++;
            p->rc = gp__extract_item(p->ex, GP_F_TOPICS, t, len, ln->number, col);
        }
        return;
    }
    /* L_BODY */
    if (blank) {
        flush_paragraph(p);
        return;
    }
    if (p->desc_line == 0) {
        p->desc_line = ln->number;
        p->desc_col = col;
    }
    if (p->para.len)
        gp_buf_putc(&p->para, ' ');
    gp_buf_put(&p->para, t, len);
}

static void replay_blanks(lparse *p, const gp_line *after, long n)
{
    gp_line b = {"", 0, after->number, after->offset};
    for (long i = 1; i <= n && p->rc == 0; i++) {
        b.number = after->number + i;
        process_line(p, &b, 0);
    }
}

int gp__extract_listing(gp_extractor *ex, gp_input *in)
{
    lparse p;
    memset(&p, 0, sizeof p);
    p.ex = ex;
    p.rs = ex->rules;
    p.pending_year = -1;
    p.st = L_PREAMBLE;
    /*
     * The last non-blank line is held back (copied: the input reuses its buffer) with the
     * count of blank lines after it, until a later line shows it is not the file's last.
     */
    gp_buf held = GP_BUF_INIT;
    gp_line hl = {0};
    int holding = 0;
    long blanks = 0;
    gp_line ln;
    int rc = 0;
    while (p.rc == 0 && (rc = gp_input_next_line(in, &ln)) > 0) {
        if (gp__is_blank(ln.text, ln.len)) {
            if (holding)
                blanks++;
            else
                process_line(&p, &ln, 0);
            continue;
        }
        if (holding) {
            process_line(&p, &hl, 0);
            replay_blanks(&p, &hl, blanks);
        }
        gp_buf_reset(&held);
        gp_buf_put(&held, ln.text, ln.len);
        if (held.oom) {
            p.rc = GP_ENOMEM;
            break;
        }
        hl = ln;
        hl.text = gp_buf_str(&held);
        holding = 1;
        blanks = 0;
    }
    if (holding && p.rc == 0 && rc == 0) {
        process_line(&p, &hl, 1);
        replay_blanks(&p, &hl, blanks);
    }
    if (p.rc == 0 && rc == 0)
        finish_record(&p, 1);
    int oom = p.desc.oom || p.para.oom || held.oom;
    gp_buf_free(&held);
    free(p.cut_text);
    free_parts(&p);
    gp_buf_free(&p.desc);
    gp_buf_free(&p.para);
    if (p.rc)
        return p.rc;
    if (oom)
        return GP_ENOMEM;
    return rc < 0 ? rc : GP_OK;
}
