/*
 * lib/report_html.c - the review page as a libxml2 HTML tree, and writing it.
 *
 * Everything on the page that comes from the inputs goes into the tree as text nodes or
 * attribute values, which libxml2's HTML serializer escapes: nothing is ever pasted as
 * markup. The only raw contents are the page's own style sheet and script (lib/report/,
 * turned into C arrays at build time; see lib/CMakeLists.txt) and the JSON data, which
 * lib/report_data.c made safe inside a script element.
 *
 * The charts are SVG elements in the same tree: horizontal bars (labels can be long
 * file names), each with its count written beside it and a title, an axis with ticks
 * and a label, in colours that stay readable in grey when printed.
 */
#include <errno.h>
#include <libgen.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpkit/checks.h"
#include "gpkit/record.h"
#include "report_assets.h"
#include "report_impl.h"

#define CSS ((const char *)gp_report_css)
#define JS ((const char *)gp_report_js)

#define X(s) ((const xmlChar *)(s))

static xmlNodePtr el(xmlNodePtr parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, NULL, X(name), text ? X(text) : NULL);
}

static xmlNodePtr el_attr(xmlNodePtr parent, const char *name, const char *attr, const char *value,
                          const char *text)
{
    xmlNodePtr n = el(parent, name, text);
    if (n && attr)
        xmlSetProp(n, X(attr), X(value));
    return n;
}

static void attr(xmlNodePtr n, const char *name, const char *value)
{
    if (n)
        xmlSetProp(n, X(name), X(value));
}

static void attr_num(xmlNodePtr n, const char *name, double v)
{
    char s[32];
    snprintf(s, sizeof s, "%.1f", v);
    attr(n, name, s);
}

static void text(xmlNodePtr parent, const char *s)
{
    xmlAddChild(parent, xmlNewText(X(s)));
}

static void textf(xmlNodePtr parent, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void textf(xmlNodePtr parent, const char *fmt, ...)
{
    char s[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    text(parent, s);
}

/* ---- charts ---- */

typedef struct bar {
    const char *label;
    size_t count;
} bar;

static int by_count(const void *a, const void *b)
{
    const bar *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->label, y->label);
}

static int by_label(const void *a, const void *b)
{
    const bar *x = a, *y = b;
    return strcmp(x->label, y->label);
}

/* A label cut to `max` characters (UTF-8), with an ellipsis when cut. */
static void short_label(const char *s, size_t max, char *out, size_t size)
{
    size_t chars = 0, i = 0;
    for (; s[i] && chars < max; chars++) {
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
    }
    if (!s[i] || i + 4 >= size) {
        snprintf(out, size, "%.*s", (int)(i < size ? i : size - 1), s);
        return;
    }
    snprintf(out, size, "%.*s\xE2\x80\xA6", (int)i, s);
}

static size_t nice_step(size_t max)
{
    size_t raw = max / 4 ? max / 4 : 1, step = 1;
    while (step * 10 <= raw)
        step *= 10;
    if (step * 5 <= raw)
        return step * 5;
    if (step * 2 <= raw)
        return step * 2;
    return step;
}

#define CHART_ROWS 15

/*
 * A horizontal bar chart in a <figure>: `bars` (reordered) by count, or by label when
 * `keep_label_order`; the first CHART_ROWS are drawn, the caption says how many more.
 */
static void bar_chart(xmlNodePtr parent, const char *id, const char *title, const char *axis,
                      bar *bars, size_t n, int keep_label_order)
{
    xmlNodePtr fig = el_attr(parent, "figure", "class", "chart", NULL);
    char cap_id[64];
    snprintf(cap_id, sizeof cap_id, "%s-title", id);
    xmlNodePtr cap = el_attr(fig, "figcaption", "id", cap_id, title);
    if (n == 0) {
        el(fig, "p", "Nothing to count.");
        return;
    }
    qsort(bars, n, sizeof *bars, by_count);
    size_t rows = keep_label_order ? CHART_ROWS * 3 : CHART_ROWS; /* years: all of a career */
    size_t shown = n < rows ? n : rows;
    if (n > shown)
        textf(cap, " (the %zu largest of %zu)", shown, n);
    if (keep_label_order)
        qsort(bars, shown, sizeof *bars, by_label);
    size_t max = 0;
    for (size_t i = 0; i < n; i++) {
        if (bars[i].count > max)
            max = bars[i].count;
    }
    size_t step = nice_step(max);
    size_t top = (max + step - 1) / step * step;
    if (top == 0)
        top = 1;
    const double label_w = 290, bar_w = 330, row_h = 22, pad = 8;
    const double width = label_w + bar_w + 70, axis_y = pad + shown * row_h + 4;
    const double height = axis_y + 44;
    char vb[64];
    snprintf(vb, sizeof vb, "0 0 %.0f %.0f", width, height);
    xmlNodePtr svg = el(fig, "svg", NULL);
    attr(svg, "viewBox", vb);
    attr(svg, "role", "img");
    attr(svg, "aria-labelledby", cap_id);
    attr(svg, "class", "bars");
    el(svg, "title", title);
    for (size_t t = 0; t <= top; t += step) {
        double x = label_w + bar_w * (double)t / (double)top;
        xmlNodePtr g = el(svg, "line", NULL);
        attr(g, "class", "grid");
        attr_num(g, "x1", x);
        attr_num(g, "x2", x);
        attr_num(g, "y1", pad - 2);
        attr_num(g, "y2", axis_y + 5);
        char num[32];
        snprintf(num, sizeof num, "%zu", t);
        xmlNodePtr tl = el(svg, "text", num);
        attr(tl, "class", "tick");
        attr_num(tl, "x", x);
        attr_num(tl, "y", axis_y + 18);
        attr(tl, "text-anchor", "middle");
    }
    for (size_t i = 0; i < shown; i++) {
        double y = pad + i * row_h;
        xmlNodePtr g = el(svg, "g", NULL);
        char full[1024];
        snprintf(full, sizeof full, "%s: %zu", bars[i].label, bars[i].count);
        el(g, "title", full);
        char label[256];
        short_label(bars[i].label, 48, label, sizeof label);
        xmlNodePtr lt = el(g, "text", label);
        attr_num(lt, "x", label_w - 8);
        attr_num(lt, "y", y + row_h * 0.68);
        attr(lt, "text-anchor", "end");
        xmlNodePtr rect = el(g, "rect", NULL);
        double w = bar_w * (double)bars[i].count / (double)top;
        attr_num(rect, "x", label_w);
        attr_num(rect, "y", y + 3);
        attr_num(rect, "width", w > 1 ? w : 1);
        attr_num(rect, "height", row_h - 6);
        char num[32];
        snprintf(num, sizeof num, "%zu", bars[i].count);
        xmlNodePtr ct = el(g, "text", num);
        attr(ct, "class", "count");
        attr_num(ct, "x", label_w + w + 6);
        attr_num(ct, "y", y + row_h * 0.68);
    }
    xmlNodePtr axis_line = el(svg, "line", NULL);
    attr(axis_line, "class", "axis");
    attr_num(axis_line, "x1", label_w);
    attr_num(axis_line, "x2", label_w + bar_w);
    attr_num(axis_line, "y1", axis_y);
    attr_num(axis_line, "y2", axis_y);
    xmlNodePtr al = el(svg, "text", axis);
    attr(al, "class", "axis-label");
    attr_num(al, "x", label_w + bar_w / 2);
    attr_num(al, "y", axis_y + 38);
    attr(al, "text-anchor", "middle");
}

static bar *tab_bars(const rp_tab *t)
{
    bar *b = calloc(t->len ? t->len : 1, sizeof *b);
    for (size_t i = 0; b && i < t->len; i++)
        b[i] = (bar){t->items[i], t->counts[i]};
    return b;
}

static int overview(xmlNodePtr main, const gp_report *r)
{
    xmlNodePtr sec = el_attr(main, "section", "id", "overview", NULL);
    attr(sec, "aria-labelledby", "overview-h");
    el_attr(sec, "h2", "id", "overview-h", "Overview");
    xmlNodePtr dl = el_attr(sec, "dl", "class", "summary", NULL);
    size_t by_level[GP_SEV_COUNT] = {0};
    for (size_t i = 0; i < r->nfindings; i++)
        by_level[r->findings[i].level]++;
    char s[128];
    struct {
        const char *what;
        size_t n;
        int shown;
    } items[] = {
        {"records in the dataset", r->stats.records, r->have_dataset},
        {"findings", r->nfindings, 1},
        {"errors", by_level[GP_SEV_ERROR], 1},
        {"warnings", by_level[GP_SEV_WARNING], 1},
        {"infos", by_level[GP_SEV_INFO], 1},
        {"variant clusters", r->stats.variants, 1},
        {"merged groups", r->stats.merged, 1},
        {"possible duplicates", r->stats.possible, 1},
        {"decisions in the decisions file", r->stats.decisions, 1},
    };
    for (size_t i = 0; i < GP_ARRAY_LEN(items); i++) {
        if (!items[i].shown)
            continue;
        xmlNodePtr div = el(dl, "div", NULL);
        el(div, "dt", items[i].what);
        snprintf(s, sizeof s, "%zu", items[i].n);
        el(div, "dd", s);
    }
    xmlNodePtr charts = el_attr(sec, "div", "class", "charts", NULL);
    /* findings per rule and level */
    bar *b = calloc(r->nrule_levels + 1, sizeof *b);
    char **labels = calloc(r->nrule_levels + 1, sizeof *labels);
    if (!b || !labels) {
        free(b);
        free(labels);
        return GP_ENOMEM;
    }
    for (size_t i = 0; i < r->nrule_levels; i++) {
        const rp_rule_level *rl = &r->rule_levels[i];
        size_t len = strlen(r->rules.items[rl->rule]) + 16;
        labels[i] = malloc(len);
        if (!labels[i])
            continue;
        snprintf(labels[i], len, "%s (%s)", r->rules.items[rl->rule], gp_severity_name(rl->level));
        b[i] = (bar){labels[i], rl->count};
    }
    bar_chart(charts, "chart-rules", "Findings per rule and level", "findings", b, r->nrule_levels,
              0);
    for (size_t i = 0; i < r->nrule_levels; i++)
        free(labels[i]);
    free(labels);
    free(b);
    /* duplicates */
    bar dup[] = {{"merged groups", r->stats.merged},
                 {"records merged into another", r->merged_away},
                 {"possible duplicate pairs", r->stats.possible}};
    bar_chart(charts, "chart-duplicates", "Duplicates merged and possible", "groups or pairs", dup,
              r->merged || r->possible ? GP_ARRAY_LEN(dup) : 0, 1);
    if (!r->have_dataset) {
        el_attr(sec, "p", "class", "note",
                "No dataset was given (gp-report DATASET.jsonl): the charts of records per file, "
                "country and year need it.");
        return GP_OK;
    }
    const struct {
        const rp_tab *tab;
        const char *id, *title;
        int by_year;
    } charts_of[] = {
        {&r->source_files, "chart-files", "Records per source file", 0},
        {&r->countries, "chart-countries", "Records per country", 0},
        {&r->years, "chart-years", "Records per implementation year", 1},
        {&r->award_years, "chart-award-years", "Records per award year", 1},
    };
    for (size_t i = 0; i < GP_ARRAY_LEN(charts_of); i++) {
        bar *bb = tab_bars(charts_of[i].tab);
        if (!bb)
            return GP_ENOMEM;
        bar_chart(charts, charts_of[i].id, charts_of[i].title, "records", bb, charts_of[i].tab->len,
                  charts_of[i].by_year);
        free(bb);
    }
    return GP_OK;
}

/* ---- findings, variants, duplicates, decisions: the static frames the script fills ---- */

static void th(xmlNodePtr tr, const char *label, const char *sort)
{
    xmlNodePtr h = el_attr(tr, "th", "scope", "col", NULL);
    if (!sort) {
        text(h, label);
        return;
    }
    attr(h, "aria-sort", "none");
    xmlNodePtr b = el_attr(h, "button", "type", "button", label);
    attr(b, "data-sort", sort);
    attr(b, "class", "sort");
}

static xmlNodePtr select_box(xmlNodePtr form, const char *id, const char *label, const char *all)
{
    xmlNodePtr div = el(form, "div", NULL);
    el_attr(div, "label", "for", id, label);
    xmlNodePtr sel = el_attr(div, "select", "id", id, NULL);
    el_attr(sel, "option", "value", "", all);
    return sel;
}

static void option(xmlNodePtr sel, size_t index, const char *label)
{
    char v[32];
    snprintf(v, sizeof v, "%zu", index);
    el_attr(sel, "option", "value", v, label);
}

static void more_button(xmlNodePtr parent, const char *id)
{
    xmlNodePtr b = el_attr(parent, "button", "type", "button", "Show more");
    attr(b, "id", id);
    attr(b, "class", "more");
    attr(b, "hidden", "hidden");
}

static void findings(xmlNodePtr main, const gp_report *r)
{
    xmlNodePtr sec = el_attr(main, "section", "id", "findings", NULL);
    attr(sec, "aria-labelledby", "findings-h");
    el_attr(sec, "h2", "id", "findings-h", "Findings");
    if (r->nfindings == 0) {
        el(sec, "p",
           r->opts.findings ? "gp-lint found nothing."
                            : "No findings file was given (--lint FINDINGS.jsonl).");
        return;
    }
    el(sec, "h3", "Rules with findings");
    xmlNodePtr table = el_attr(sec, "table", "class", "rules", NULL);
    el(table, "caption", "Each rule that has findings, what it checks, and an example.");
    xmlNodePtr tr = el(el(table, "thead", NULL), "tr", NULL);
    th(tr, "Rule", NULL);
    th(tr, "Findings", NULL);
    th(tr, "What it checks", NULL);
    th(tr, "Example", NULL);
    xmlNodePtr body = el(table, "tbody", NULL);
    for (size_t i = 0; i < r->rules.len; i++) {
        const char *id = r->rules.items[i];
        const gp_check_info *info = gp_checks_find(id);
        const gp_check_doc *doc = r->opts.rules ? gp_ruleset_check(r->opts.rules, id) : NULL;
        xmlNodePtr row = el(body, "tr", NULL);
        xmlNodePtr h = el_attr(row, "th", "scope", "row", NULL);
        char anchor[160];
        snprintf(anchor, sizeof anchor, "rule-%zu", i);
        attr(h, "id", anchor);
        el(h, "code", id);
        char count[64];
        snprintf(count, sizeof count, "%zu", r->rules.counts[i]);
        xmlNodePtr td = el(row, "td", NULL);
        text(td, count);
        text(td, " ");
        xmlNodePtr show = el_attr(td, "button", "type", "button", "show");
        attr(show, "class", "show-rule");
        snprintf(count, sizeof count, "%zu", i);
        attr(show, "data-rule", count);
        char label[200];
        snprintf(label, sizeof label, "show the findings of %s", id);
        attr(show, "aria-label", label);
        xmlNodePtr what = el(row, "td", NULL);
        if (info)
            el(what, "strong", info->summary);
        if (doc && doc->description) {
            if (info)
                text(what, ". ");
            text(what, doc->description);
        }
        if (!info && !(doc && doc->description))
            text(what, "not a check of these rules");
        xmlNodePtr ex = el(row, "td", NULL);
        if (doc && doc->bad) {
            el(ex, "span", "bad: ");
            el(ex, "code", doc->bad);
        }
        if (doc && doc->good) {
            if (doc->bad)
                el(ex, "br", NULL);
            el(ex, "span", "good: ");
            el(ex, "code", doc->good);
        }
    }
    el(sec, "h3", "All findings");
    xmlNodePtr form = el_attr(sec, "div", "class", "filters", NULL);
    attr(form, "role", "search");
    attr(form, "aria-label", "filter the findings");
    xmlNodePtr sel = select_box(form, "f-rule", "Rule", "all rules");
    for (size_t i = 0; i < r->rules.len; i++)
        option(sel, i, r->rules.items[i]);
    sel = select_box(form, "f-level", "Level", "all levels");
    for (int l = GP_SEV_ERROR; l >= GP_SEV_INFO; l--)
        option(sel, (size_t)l, gp_severity_name((gp_severity)l));
    sel = select_box(form, "f-file", "File", "all files");
    for (size_t i = 0; i < r->files.len; i++)
        option(sel, i, r->files.items[i]);
    sel = select_box(form, "f-country", "Country", "all countries");
    for (size_t i = 0; i < r->countries.len; i++)
        option(sel, i, r->countries.items[i]);
    xmlNodePtr div = el(form, "div", NULL);
    el_attr(div, "label", "for", "f-text", "Text");
    xmlNodePtr in = el_attr(div, "input", "id", "f-text", NULL);
    attr(in, "type", "search");
    attr(in, "placeholder", "words in message, value, id");
    div = el(form, "div", NULL);
    xmlNodePtr cb = el_attr(div, "input", "id", "f-fixable", NULL);
    attr(cb, "type", "checkbox");
    el_attr(div, "label", "for", "f-fixable", "only findings with a fix");
    xmlNodePtr status = el_attr(sec, "p", "id", "findings-status", NULL);
    attr(status, "aria-live", "polite");
    attr(status, "class", "status");
    table = el_attr(sec, "table", "id", "findings-table", NULL);
    attr(table, "class", "findings");
    el(table, "caption", "Findings: click a column header to sort.");
    tr = el(el(table, "thead", NULL), "tr", NULL);
    th(tr, "Place", "place");
    th(tr, "Level", "level");
    th(tr, "Rule", "rule");
    th(tr, "Record", "record");
    th(tr, "Country", "country");
    th(tr, "Finding", NULL);
    th(tr, "Decision", NULL);
    el(table, "tbody", NULL);
    more_button(sec, "findings-more");
}

static void frame(xmlNodePtr main, const char *id, const char *title, const char *intro)
{
    xmlNodePtr sec = el_attr(main, "section", "id", id, NULL);
    char h[64];
    snprintf(h, sizeof h, "%s-h", id);
    attr(sec, "aria-labelledby", h);
    el_attr(sec, "h2", "id", h, title);
    el(sec, "p", intro);
}

static void listing(xmlNodePtr sec, const char *id, const char *heading)
{
    if (heading)
        el(sec, "h3", heading);
    char s[64];
    snprintf(s, sizeof s, "%s-status", id);
    xmlNodePtr p = el_attr(sec, "p", "id", s, NULL);
    attr(p, "aria-live", "polite");
    attr(p, "class", "status");
    snprintf(s, sizeof s, "%s-list", id);
    el_attr(sec, "div", "id", s, NULL);
    snprintf(s, sizeof s, "%s-more", id);
    more_button(sec, s);
}

static void sections(xmlNodePtr main, const gp_report *r)
{
    frame(main, "variants", "Variant clusters",
          "Spellings of one value that no rule resolves yet, found by gp-lint's discovery: "
          "each member with how often records use it, the suggested canonical form, and the "
          "rule entry (gp-lint --suggest) that would resolve them.");
    listing(main->last, "variants", NULL);
    frame(main, "duplicates", "Duplicates",
          "Possible duplicates are pairs scored between the review and the merge thresholds: "
          "decide whether they are the same practice. Merged groups are the records gp-dedup "
          "made one, with the fields they disagreed on. Differences are marked word by word: "
          "removed words struck through, inserted words underlined.");
    listing(main->last, "possible", "Possible duplicates");
    listing(main->last, "merged", "Merged groups");
    xmlNodePtr sec = el_attr(main, "section", "id", "decisions", NULL);
    attr(sec, "aria-labelledby", "decisions-h");
    el_attr(sec, "h2", "id", "decisions-h", "Decisions");
    xmlNodePtr p = el(sec, "p", NULL);
    if (r->decisions) {
        text(p, "The decisions file ");
        el(p, "code", gp_decisions_path(r->decisions));
        textf(p, " holds %zu decisions; they are shown as decided. ", r->stats.decisions);
    }
    text(p, "Choices made in this page are kept by the browser for this report. The file to "
            "download holds the decisions of the file and the new ones; review it, save it as "
            "your decisions file and run gp-apply and gp-dedup --decisions with it.");
    xmlNodePtr status = el_attr(sec, "p", "id", "decisions-status", NULL);
    attr(status, "aria-live", "polite");
    attr(status, "class", "status");
    xmlNodePtr actions = el_attr(sec, "div", "class", "actions", NULL);
    xmlNodePtr b = el_attr(actions, "button", "type", "button", "Download decisions.yaml");
    attr(b, "id", "download");
    b = el_attr(actions, "button", "type", "button", "Forget the choices made in this page");
    attr(b, "id", "forget");
    el(sec, "h3", "decisions.yaml");
    xmlNodePtr pre = el_attr(sec, "pre", "id", "decisions-yaml", NULL);
    attr(pre, "class", "yaml");
    attr(pre, "tabindex", "0");
}

/* ---- the document ---- */

static xmlDocPtr build(const gp_report *r)
{
    htmlDocPtr doc = htmlNewDocNoDtD(NULL, NULL);
    if (!doc)
        return NULL;
    xmlCreateIntSubset(doc, X("html"), NULL, NULL);
    xmlNodePtr html = xmlNewDocNode(doc, NULL, X("html"), NULL);
    xmlDocSetRootElement(doc, html);
    attr(html, "lang", "en");
    xmlNodePtr head = el(html, "head", NULL);
    el_attr(head, "meta", "charset", "utf-8", NULL);
    xmlNodePtr m = el_attr(head, "meta", "name", "viewport", NULL);
    attr(m, "content", "width=device-width, initial-scale=1");
    /* nothing but this file and data: URLs may load (no network, even by mistake) */
    m = el_attr(head, "meta", "http-equiv", "Content-Security-Policy", NULL);
    attr(m, "content",
         "default-src 'none'; style-src 'unsafe-inline'; script-src "
         "'unsafe-inline'; img-src data:; connect-src 'none'");
    el(head, "title", "gpkit review report");
    xmlNodePtr style = el(head, "style", NULL);
    xmlNodeAddContent(style, X(CSS));
    xmlNodePtr body = el(html, "body", NULL);
    xmlNodePtr skip = el_attr(body, "a", "href", "#main", "Skip to the report");
    attr(skip, "class", "skip");
    xmlNodePtr header = el(body, "header", NULL);
    el(header, "h1", "gpkit review report");
    xmlNodePtr ul = el(el_attr(header, "nav", "aria-label", "sections", NULL), "ul", NULL);
    const char *nav[][2] = {{"#overview", "Overview"},
                            {"#findings", "Findings"},
                            {"#variants", "Variant clusters"},
                            {"#duplicates", "Duplicates"},
                            {"#decisions", "Decisions"}};
    for (size_t i = 0; i < GP_ARRAY_LEN(nav); i++)
        el_attr(el(ul, "li", NULL), "a", "href", nav[i][0], nav[i][1]);
    xmlNodePtr inputs = el_attr(header, "p", "class", "inputs", "Made by gp-report from ");
    const struct {
        const char *what, *path;
    } in[] = {{"findings", r->opts.findings},
              {"clusters", r->opts.clusters},
              {"decisions", r->opts.decisions},
              {"dataset", r->opts.dataset}};
    int any = 0;
    for (size_t i = 0; i < GP_ARRAY_LEN(in); i++) {
        if (!in[i].path)
            continue;
        if (any++)
            text(inputs, ", ");
        textf(inputs, "%s ", in[i].what);
        el(inputs, "code", in[i].path);
    }
    if (!any)
        text(inputs, "no input");
    text(inputs, ".");
    xmlNodePtr main = el_attr(body, "main", "id", "main", NULL);
    xmlNodePtr ns = el(main, "noscript", NULL);
    el(ns, "p", "The lists below need JavaScript; the overview and the rules do not.");
    if (overview(main, r) != GP_OK) {
        xmlFreeDoc(doc);
        return NULL;
    }
    findings(main, r);
    sections(main, r);
    xmlNodePtr data = el_attr(body, "script", "type", "application/json", NULL);
    attr(data, "id", "gp-data");
    attr(data, "data-key", r->key);
    xmlNodeAddContentLen(data, X(r->data.data), (int)r->data.len);
    xmlNodePtr script = el(body, "script", NULL);
    xmlNodeAddContent(script, X(JS));
    return doc;
}

/* Where the serializer writes: a stream, and the first error met (errno). */
typedef struct sink {
    FILE *f;
    int err;
} sink;

static int write_out(void *ctx, const char *data, int len)
{
    sink *s = ctx;
    if (s->err)
        return -1;
    if (len > 0 && fwrite(data, 1, (size_t)len, s->f) != (size_t)len) {
        s->err = errno ? errno : EIO;
        return -1;
    }
    return len;
}

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void quiet_structured(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

/* Writes the document; libxml2 reports nothing itself (a closed pipe is ours to tell). */
static int write_doc(xmlDocPtr doc, FILE *f)
{
    sink s = {f, 0};
    xmlOutputBufferPtr ob =
        xmlOutputBufferCreateIO(write_out, NULL, &s, xmlFindCharEncodingHandler("UTF-8"));
    if (!ob)
        return GP_ENOMEM;
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlSetStructuredErrorFunc(NULL, quiet_structured);
    htmlDocContentDumpFormatOutput(ob, doc, "UTF-8", 0);
    xmlOutputBufferWrite(ob, 1, "\n");
    int closed = xmlOutputBufferClose(ob);
    xmlSetGenericErrorFunc(NULL, NULL);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!s.err && fflush(f) != 0)
        s.err = errno;
    if (s.err) {
        errno = s.err;
        return s.err == EPIPE ? GP_EPIPE : GP_EIO;
    }
    return closed < 0 ? GP_ENOMEM : GP_OK;
}

int gp_report_save(const gp_report *r, const char *path)
{
    /* the page's own script must not end its element early */
    if (strstr(JS, "</") || strstr(CSS, "</"))
        return GP_EINTERNAL;
    if (r->data.len > (size_t)1 << 30)
        return GP_ELIMIT; /* libxml2 counts text in int */
    xmlDocPtr doc = build(r);
    if (!doc)
        return GP_ENOMEM;
    int rc;
    if (!path || strcmp(path, "-") == 0) {
        rc = write_doc(doc, stdout);
        xmlFreeDoc(doc);
        return rc;
    }
    /* a device or a pipe (-o /dev/stdout) is written as it is: there is nothing to rename */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        FILE *f = fopen(path, "w");
        if (!f) {
            xmlFreeDoc(doc);
            return GP_EIO;
        }
        rc = write_doc(doc, f);
        if (fclose(f) != 0 && !rc)
            rc = GP_EIO;
        xmlFreeDoc(doc);
        return rc;
    }
    /* a temporary file beside the page, renamed over it once whole */
    char *dcopy = gp__strdup(path), *bcopy = gp__strdup(path);
    gp_buf tmp = GP_BUF_INIT;
    if (dcopy && bcopy)
        gp_buf_printf(&tmp, "%s/.%s.XXXXXX", dirname(dcopy), basename(bcopy));
    free(dcopy);
    free(bcopy);
    if (gp_buf_error(&tmp) || !tmp.len) {
        gp_buf_free(&tmp);
        xmlFreeDoc(doc);
        return GP_ENOMEM;
    }
    int fd = mkstemp(tmp.data);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(tmp.data);
        }
        gp_buf_free(&tmp);
        xmlFreeDoc(doc);
        errno = e;
        return GP_EIO;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    rc = write_doc(doc, f);
    if (fclose(f) != 0 && !rc)
        rc = GP_EIO;
    xmlFreeDoc(doc);
    if (!rc && rename(tmp.data, path) != 0)
        rc = GP_EIO;
    if (rc) {
        int e = errno;
        unlink(tmp.data);
        errno = e;
    }
    gp_buf_free(&tmp);
    return rc;
}
