/*
 * lib/extract_markup.c - HTML and XML documents through an extraction profile.
 *
 * A profile (YAML) names the record nodes with one XPath and each field with an XPath
 * relative to a record node:
 *
 *   gpkit_profile: 1
 *   description: TEXT
 *   format: html | xml
 *   namespaces: {PREFIX: URI, ...}   # for XML exports with namespaces
 *   record: XPATH
 *   fields:
 *     institution: XPATH             # any record field but id and sources
 *     topics: XPATH                  # list fields take every node selected
 *     description: XPATH             # several nodes become paragraphs
 *
 * Text is taken from the selected nodes (script and style skipped), white space
 * collapsed as a browser would. Safety: the network is never used (NONET and an entity
 * loader that refuses everything), external entities and DTDs are not loaded, entities
 * are not substituted by the parser, and the text read through entity references is
 * bounded (GP_MARKUP_TEXT_MAX per field), so an entity bomb cannot blow up memory.
 */
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract_impl.h"
#include "gpkit/text.h"
#include "ydoc.h"

#define GP_MARKUP_TEXT_MAX ((size_t)1 << 20)
enum { ENTITY_DEPTH_MAX = 8, MARKUP_ERRORS_MAX = 20 };

typedef struct ns_pair {
    char *prefix;
    char *uri;
} ns_pair;

struct gp_profile {
    char *path;
    int html;
    xmlXPathCompExprPtr record;
    xmlXPathCompExprPtr fields[GP_F_COUNT];
    ns_pair *ns;
    size_t nns;
};

void gp__profile_free(gp_profile *p)
{
    if (!p)
        return;
    xmlXPathFreeCompExpr(p->record);
    for (int f = 0; f < GP_F_COUNT; f++)
        xmlXPathFreeCompExpr(p->fields[f]);
    for (size_t i = 0; i < p->nns; i++) {
        free(p->ns[i].prefix);
        free(p->ns[i].uri);
    }
    free(p->ns);
    free(p->path);
    free(p);
}

typedef struct xerr_capture {
    char message[200];
    int count;
} xerr_capture;

static void capture_error(void *ctx, const xmlError *e)
{
    xerr_capture *c = ctx;
    if (c->count++ == 0 && e && e->message) {
        snprintf(c->message, sizeof c->message, "%s", e->message);
        size_t n = strlen(c->message);
        while (n && (c->message[n - 1] == '\n' || c->message[n - 1] == ' '))
            c->message[--n] = '\0';
    }
}

static xmlXPathCompExprPtr compile_xpath(gp_ydoc *d, yaml_node_t *n, const char *what)
{
    const char *expr = gp_y_string(d, n, what);
    if (!expr)
        return NULL;
    xerr_capture cap = {"", 0};
    xmlSetStructuredErrorFunc(&cap, (xmlStructuredErrorFunc)capture_error);
    xmlXPathCompExprPtr c = xmlXPathCompile((const xmlChar *)expr);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!c)
        gp_y_error(d, n, "profile.xpath", "bad XPath in %s: %s: '%s'", what,
                   cap.message[0] ? cap.message : "syntax error", expr);
    return c;
}

int gp__profile_load(gp_profile **out, const char *path, gp_diag_sink *diags)
{
    *out = NULL;
    gp_ydoc d;
    int rc = gp_ydoc_load(&d, path, path, diags);
    if (rc) {
        gp_ydoc_free(&d);
        return rc == GP_ENOMEM ? rc : GP_ERULES;
    }
    gp_profile *p = calloc(1, sizeof *p);
    if (!p || !(p->path = gp__strdup(path))) {
        free(p);
        gp_ydoc_free(&d);
        return GP_ENOMEM;
    }
    p->html = 1;
    yaml_node_t *root = gp_y_root(&d);
    static const char *const keys[] = {"gpkit_profile", "description", "format", "namespaces",
                                       "record", "fields", NULL};
    if (gp_y_check_map(&d, root, "an extraction profile", keys) == 0) {
        yaml_node_t *n;
        long v;
        if ((n = gp_y_get(&d, root, "gpkit_profile")))
            gp_y_int(&d, n, "'gpkit_profile'", 1, 1, &v);
        if ((n = gp_y_get(&d, root, "format"))) {
            const char *f = gp_y_string(&d, n, "'format'");
            if (f && strcmp(f, "xml") == 0)
                p->html = 0;
            else if (f && strcmp(f, "html") != 0)
                gp_y_error(&d, n, "rules.type", "'format' must be html or xml, not '%s'", f);
        }
        if ((n = gp_y_get(&d, root, "namespaces"))) {
            if (!gp_y_is_map(n))
                gp_y_error(&d, n, "rules.type", "'namespaces' must map prefixes to URIs");
            size_t cnt = gp_y_map_len(n);
            p->ns = calloc(cnt ? cnt : 1, sizeof *p->ns);
            for (size_t i = 0; p->ns && i < cnt; i++) {
                const char *pre = gp_y_string(&d, gp_y_map_key(&d, n, i), "a namespace prefix");
                const char *uri = gp_y_string(&d, gp_y_map_value(&d, n, i), "a namespace URI");
                if (pre && uri) {
                    p->ns[p->nns].prefix = gp__strdup(pre);
                    p->ns[p->nns].uri = gp__strdup(uri);
                    p->nns++;
                }
            }
        }
        if ((n = gp_y_get(&d, root, "record")))
            p->record = compile_xpath(&d, n, "'record'");
        else
            gp_y_error(&d, root, "rules.missing-key", "a profile needs a 'record' XPath");
        yaml_node_t *fields = gp_y_get(&d, root, "fields");
        static const char *const fkeys[] = {"award",        "award_year",     "country",
                                            "country_code", "description",    "implementation_year",
                                            "institution",  "jury_comment",   "priority_areas",
                                            "region",       "title",          "topics",
                                            NULL};
        if (!fields)
            gp_y_error(&d, root, "rules.missing-key", "a profile needs 'fields'");
        else if (gp_y_check_map(&d, fields, "'fields'", fkeys) == 0) {
            for (size_t i = 0; i < gp_y_map_len(fields); i++) {
                const char *name = gp_y_scalar(gp_y_map_key(&d, fields, i));
                int f = name ? gp_field_lookup(name, strlen(name)) : -1;
                if (f < 0 || f == GP_F_ID || f == GP_F_SOURCES)
                    continue;
                char what[64];
                snprintf(what, sizeof what, "field '%s'", name);
                xmlXPathFreeCompExpr(p->fields[f]);
                p->fields[f] = compile_xpath(&d, gp_y_map_value(&d, fields, i), what);
            }
        }
    }
    int errors = d.errors;
    gp_ydoc_free(&d);
    if (errors) {
        gp__profile_free(p);
        return GP_ERULES;
    }
    *out = p;
    return GP_OK;
}

/* ---- reading a document ---- */

static xmlParserInputPtr refuse_entities(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    /* No external entity, DTD or network resource is ever loaded. */
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

typedef struct mctx {
    gp_extractor *ex;
    int html;
    size_t budget;
    int over_budget;
} mctx;

static int is_block(const xmlChar *name)
{
    static const char *const blocks[] = {"br",  "p",  "div", "li", "td", "th",  "tr",
                                         "h1",  "h2", "h3",  "h4", "h5", "h6",  "ul",
                                         "ol",  "dd", "dt",  "section", "article", "header",
                                         "footer", "blockquote", NULL};
    for (size_t i = 0; blocks[i]; i++)
        if (strcasecmp((const char *)name, blocks[i]) == 0)
            return 1;
    return 0;
}

static void node_text(mctx *m, xmlNodePtr n, gp_buf *out, int depth)
{
    for (; n; n = n->next) {
        if (m->over_budget)
            return;
        switch (n->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE: {
            size_t len = n->content ? strlen((const char *)n->content) : 0;
            if (len > m->budget) {
                m->over_budget = 1;
                len = m->budget;
            }
            gp_buf_put(out, n->content, len);
            m->budget -= len;
            break;
        }
        case XML_ELEMENT_NODE:
            if (m->html && (strcasecmp((const char *)n->name, "script") == 0 ||
                            strcasecmp((const char *)n->name, "style") == 0))
                break;
            if (is_block(n->name))
                gp_buf_putc(out, ' ');
            node_text(m, n->children, out, depth);
            if (is_block(n->name))
                gp_buf_putc(out, ' ');
            break;
        case XML_ENTITY_REF_NODE:
            if (depth >= ENTITY_DEPTH_MAX) {
                m->over_budget = 1;
                return;
            }
            if (n->children && n->children->type == XML_ENTITY_DECL)
                node_text(m, n->children->children, out, depth + 1);
            break;
        default:
            break;
        }
    }
}

/* The text of one node, white space collapsed, appended to `out`. */
static void one_text(mctx *m, xmlNodePtr n, gp_buf *out)
{
    gp_buf raw = GP_BUF_INIT;
    if (n->type == XML_ATTRIBUTE_NODE || n->type == XML_TEXT_NODE ||
        n->type == XML_CDATA_SECTION_NODE)
        node_text(m, n->children && n->type == XML_ATTRIBUTE_NODE ? n->children : n, &raw, 0);
    else
        node_text(m, n->children, &raw, 0);
    gp_text_collapse_space(gp_buf_str(&raw), raw.len, 0, out);
    gp_buf_free(&raw);
}

static int field_from_result(mctx *m, gp_field f, xmlXPathObjectPtr res, long rec_line)
{
    gp_extractor *ex = m->ex;
    int rc = GP_OK;
    if (!res)
        return GP_OK;
    if (res->type != XPATH_NODESET) {
        xmlChar *s = xmlXPathCastToString(res);
        if (!s)
            return GP_ENOMEM;
        gp_buf v = GP_BUF_INIT;
        size_t len = strlen((const char *)s);
        gp_text_collapse_space((const char *)s, len < GP_MARKUP_TEXT_MAX ? len : GP_MARKUP_TEXT_MAX,
                               0, &v);
        xmlFree(s);
        if (v.len == 0)
            ;
        else if (gp_field_is_list(f))
            rc = gp__extract_item(ex, f, v.data, v.len, rec_line, 0);
        else if (gp_field_is_year(f))
            rc = gp__extract_year(ex, f, v.data, v.len, rec_line, 0);
        else
            rc = gp__extract_field(ex, f, v.data, v.len, rec_line, 0);
        gp_buf_free(&v);
        return rc;
    }
    xmlNodeSetPtr set = res->nodesetval;
    int count = set ? set->nodeNr : 0;
    gp_buf joined = GP_BUF_INIT;
    long first_line = 0;
    for (int i = 0; i < count && rc == GP_OK; i++) {
        xmlNodePtr node = set->nodeTab[i];
        long line = xmlGetLineNo(node);
        gp_buf v = GP_BUF_INIT;
        one_text(m, node, &v);
        if (v.len) {
            if (gp_field_is_list(f)) {
                rc = gp__extract_item(ex, f, v.data, v.len, line > 0 ? line : rec_line, 0);
            } else {
                if (!first_line)
                    first_line = line > 0 ? line : rec_line;
                if (joined.len)
                    gp_buf_puts(&joined, f == GP_F_DESCRIPTION || f == GP_F_JURY_COMMENT ? "\n\n"
                                                                                         : " ");
                gp_buf_put(&joined, v.data, v.len);
            }
        }
        gp_buf_free(&v);
        if (!gp_field_is_list(f) && gp_field_is_year(f) && joined.len)
            break;
    }
    if (rc == GP_OK && joined.len) {
        if (gp_field_is_year(f))
            rc = gp__extract_year(ex, f, joined.data, joined.len, first_line, 0);
        else
            rc = gp__extract_field(ex, f, joined.data, joined.len, first_line, 0);
    }
    if (rc == GP_OK && joined.oom)
        rc = GP_ENOMEM;
    gp_buf_free(&joined);
    return rc;
}

static gp_profile *profile_for(gp_extractor *ex, int html, int *rc)
{
    *rc = GP_OK;
    if (ex->profile)
        return ex->profile;
    gp_profile **slot = &ex->defaults[html ? 0 : 1];
    if (*slot)
        return *slot;
    const char *path = gp_ruleset_profile(ex->rules, html ? "html" : "xml");
    if (!path) {
        gp_diag_report(ex->diags, GP_SEV_ERROR, "input.unknown-format", ex->file, 0, 0,
                       "no extraction profile for %s in the rules; give one with --profile",
                       html ? "HTML" : "XML");
        *rc = GP_EINPUT;
        return NULL;
    }
    *rc = gp__profile_load(slot, path, ex->diags);
    return *slot;
}

int gp__extract_markup(gp_extractor *ex, gp_input *in, int html)
{
    int rc;
    gp_profile *prof = profile_for(ex, html, &rc);
    if (!prof)
        return rc;
    char *text;
    size_t len;
    if ((rc = gp_input_read_all(in, &text, &len)))
        return rc;
    if (len > INT32_MAX) {
        free(text);
        return GP_ELIMIT;
    }
    xmlSetExternalEntityLoader(refuse_entities);
    xerr_capture cap = {"", 0};
    xmlSetStructuredErrorFunc(&cap, (xmlStructuredErrorFunc)capture_error);
    xmlDocPtr doc;
    if (html)
        doc = htmlReadMemory(text, (int)len, ex->file, "UTF-8",
                             HTML_PARSE_NONET | HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                 HTML_PARSE_NOWARNING);
    else
        doc = xmlReadMemory(text, (int)len, ex->file, "UTF-8",
                            XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOWARNING);
    xmlSetStructuredErrorFunc(NULL, NULL);
    free(text);
    if (!doc) {
        gp_diag_report(ex->diags, GP_SEV_ERROR, "markup.unreadable", ex->file, 0, 0,
                       "cannot parse '%s' as %s: %s", ex->file, html ? "HTML" : "XML",
                       cap.message[0] ? cap.message : "no document");
        return GP_EINPUT;
    }
    if (!html && cap.count)
        gp_diag_report(ex->diags, GP_SEV_WARNING, "markup.malformed", ex->file, 0, 0,
                       "'%s' is not well-formed XML (%d problems, first: %s); read as far as "
                       "possible",
                       ex->file, cap.count, cap.message);
    xmlXPathContextPtr xp = xmlXPathNewContext(doc);
    if (!xp) {
        xmlFreeDoc(doc);
        return GP_ENOMEM;
    }
    for (size_t i = 0; i < prof->nns; i++)
        xmlXPathRegisterNs(xp, (const xmlChar *)prof->ns[i].prefix,
                           (const xmlChar *)prof->ns[i].uri);
    xmlXPathObjectPtr recs = xmlXPathCompiledEval(prof->record, xp);
    rc = GP_OK;
    if (!recs || recs->type != XPATH_NODESET) {
        gp_diag_report(ex->diags, GP_SEV_ERROR, "markup.unreadable", ex->file, 0, 0,
                       "the profile's 'record' XPath does not select nodes in '%s'", ex->file);
        rc = GP_ERULES;
    }
    int nrec = rc == GP_OK && recs->nodesetval ? recs->nodesetval->nodeNr : 0;
    for (int r = 0; r < nrec && rc == GP_OK; r++) {
        xmlNodePtr node = recs->nodesetval->nodeTab[r];
        long line = xmlGetLineNo(node);
        if (line <= 0)
            line = 1;
        if (!gp__extract_begin(ex, line, html ? "html" : "xml")) {
            rc = GP_ENOMEM;
            break;
        }
        mctx m = {ex, html, GP_MARKUP_TEXT_MAX, 0};
        for (int f = 0; f < GP_F_COUNT && rc == GP_OK; f++) {
            if (!prof->fields[f])
                continue;
            xp->node = node;
            m.budget = GP_MARKUP_TEXT_MAX;
            xmlXPathObjectPtr res = xmlXPathCompiledEval(prof->fields[f], xp);
            rc = field_from_result(&m, (gp_field)f, res, line);
            xmlXPathFreeObject(res);
            if (m.over_budget) {
                gp_diag_report(ex->diags, GP_SEV_ERROR, "markup.malformed", ex->file, line, 0,
                               "field '%s' expands to more than %zu bytes (entity expansion?); "
                               "cut there",
                               gp_field_name((gp_field)f), GP_MARKUP_TEXT_MAX);
                m.over_budget = 0;
            }
        }
        if (rc == GP_OK)
            rc = gp__extract_emit(ex);
    }
    xmlXPathFreeObject(recs);
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
    return rc;
}
