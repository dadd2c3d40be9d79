/*
 * lib/extract_markup.c - HTML and XML documents through an extraction profile.
 *
 * A profile (YAML; docs/profiles.md) names the record nodes with one XPath and each
 * field with an XPath relative to a record node:
 *
 *   gpkit_profile: 1                 # optional; the only version there is
 *   description: TEXT                # optional
 *   format: html | xml               # optional: the parser to use for an input whose
 *                                    # format was detected (--from still wins)
 *   namespaces: {PREFIX: URI, ...}   # for XML exports with namespaces
 *   record: XPATH                    # must select nodes
 *   fields:                          # at least one
 *     institution: XPATH             # any record field but id and sources
 *     topics: XPATH                  # list fields take every node selected
 *     description: XPATH             # several nodes become paragraphs
 *
 * Every XPath is compiled, and tried on an empty document, when the profile is loaded,
 * so a syntax error, an unknown function or an undeclared namespace prefix is reported
 * at its file:line:column before any input is read.
 *
 * The text of a selected node is the text of its descendants as a browser shows it:
 * script, style, noscript and template skipped in HTML, a block element (p, li, div...)
 * separating words, and runs of ASCII white space collapsed to one space. A no-break
 * space is text, as in a browser; gp-norm folds it later like any other character.
 *
 * Safety: the network is never used (NONET and an entity loader that refuses
 * everything); external DTDs and entities are not loaded; the parser does not
 * substitute entities (no XML_PARSE_NOENT). libxml2 2.9 stops on an entity reference
 * loop or a billion-laughs bomb by itself, but not on one large entity referenced many
 * times, and XPath string functions would expand such references without limit. So
 * after parsing, every entity reference is replaced here with its text, the whole
 * document sharing one budget (GP_MARKUP_EXPAND_MAX); what does not fit is left out
 * and reported. The text of one field is bounded too (GP_MARKUP_TEXT_MAX), and all
 * tree walks are loops, not recursion, so a deeply nested page cannot exhaust the stack.
 */
#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract_impl.h"
#include "gpkit/text.h"
#include "ydoc.h"

/* Bytes of text one field may hold; every node walked counts as one byte more. */
#define GP_MARKUP_TEXT_MAX ((size_t)1 << 20)
/* Bytes and nodes that the entity references of one document may expand to. */
#define GP_MARKUP_EXPAND_MAX ((size_t)16 << 20)
/* Entities inside entities; libxml2 itself refuses loops. */
enum { ENTITY_DEPTH_MAX = 8 };

typedef struct ns_pair {
    char *prefix;
    char *uri;
} ns_pair;

struct gp_profile {
    int failed; /* a bundled profile that did not load: reported once, then refused */
    char *path;
    int html;         /* the parser the profile asks for... */
    int format_given; /* ...if it asks at all */
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

/* ---- libxml2's errors, converted here and nowhere else ---- */

/* The first error is kept, the others counted. */
typedef struct xerr_capture {
    char message[200];
    int count;
    int code;
    long line;
    long column;
    int offset;       /* XPath errors: where in the expression, in bytes; else -1 */
    long entity_line; /* the last line an entity loop was reported at (the outermost) */
    int entity_loop;  /* libxml2 stopped at an entity loop or bomb */
    int fatal;        /* errors that stopped the parser (HTML's others are noise) */
    char fatal_message[200];
    long fatal_line;
} xerr_capture;

static void copy_message(char *dst, size_t size, const char *msg)
{
    snprintf(dst, size, "%s", msg ? msg : "unknown error");
    size_t n = strlen(dst);
    while (n && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
        dst[--n] = '\0';
    /* Our messages are lower case; "XPath" and other acronyms stay as they are. */
    if (dst[0] >= 'A' && dst[0] <= 'Z' && dst[1] >= 'a' && dst[1] <= 'z')
        dst[0] = (char)(dst[0] - 'A' + 'a');
}

static void capture_error(void *ctx, const xmlError *e)
{
    xerr_capture *c = ctx;
    if (!e || e->level < XML_ERR_ERROR)
        return;
    if (e->code == XML_ERR_ENTITY_LOOP) {
        c->entity_loop = 1;
        if (e->line > 0)
            c->entity_line = e->line;
    }
    if (e->level == XML_ERR_FATAL && c->fatal++ == 0) {
        copy_message(c->fatal_message, sizeof c->fatal_message, e->message);
        c->fatal_line = e->line > 0 ? e->line : 0;
    }
    if (c->count++ > 0)
        return;
    copy_message(c->message, sizeof c->message, e->message);
    c->code = e->code;
    c->line = e->line > 0 ? e->line : 0;
    c->column = e->int2 > 0 ? e->int2 : 0; /* libxml2 keeps the column in int2 */
    c->offset = e->domain == XML_FROM_XPATH ? e->int1 : -1;
}

/* Some XPath failures also print a line of their own; the structured error says it all. */
static void ignore_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void capture_begin(xerr_capture *c)
{
    memset(c, 0, sizeof *c);
    c->offset = -1;
    /* libxml2 before 2.12 declares the callback without const; the call is the same. */
    xmlSetStructuredErrorFunc(c, (xmlStructuredErrorFunc)capture_error);
    xmlSetGenericErrorFunc(NULL, ignore_generic);
}

static void capture_end(void)
{
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlSetGenericErrorFunc(NULL, NULL);
}

/* ---- the profile ---- */

/*
 * The column of byte `offset` of a scalar's text: exact when the scalar is on one line
 * and written without escapes (plain, or quoted with nothing to unquote), else the
 * scalar's own column.
 */
static long scalar_column(const yaml_node_t *n, int offset)
{
    long col = gp_y_column(n);
    if (offset < 0 || n->type != YAML_SCALAR_NODE || n->start_mark.line != n->end_mark.line)
        return col;
    size_t len = n->data.scalar.length;
    size_t span = n->end_mark.index - n->start_mark.index;
    switch (n->data.scalar.style) {
    case YAML_PLAIN_SCALAR_STYLE:
        if (span != len)
            return col;
        break;
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
        if (span != len + 2)
            return col;
        col++;
        break;
    default:
        return col;
    }
    size_t off = (size_t)offset < len ? (size_t)offset : len;
    return col + (long)gp_text_char_count((const char *)n->data.scalar.value, off);
}

/* An empty document to try expressions on, so errors that need no data show at load. */
typedef struct probe {
    xmlDocPtr doc;
    xmlXPathContextPtr xp;
} probe;

static int probe_init(probe *pr)
{
    pr->xp = NULL;
    pr->doc = xmlNewDoc((const xmlChar *)"1.0");
    if (!pr->doc)
        return GP_ENOMEM;
    xmlNodePtr root = xmlNewDocNode(pr->doc, NULL, (const xmlChar *)"gpkit-probe", NULL);
    if (!root)
        return GP_ENOMEM;
    xmlDocSetRootElement(pr->doc, root);
    pr->xp = xmlXPathNewContext(pr->doc);
    return pr->xp ? GP_OK : GP_ENOMEM;
}

static void probe_free(probe *pr)
{
    xmlXPathFreeContext(pr->xp);
    xmlFreeDoc(pr->doc);
}

/*
 * Compiles the XPath of node `n` and tries it: from the document node for the record
 * expression, from an element for a field. NULL when it is bad (reported).
 */
static xmlXPathCompExprPtr compile_xpath(gp_ydoc *d, yaml_node_t *n, const char *what, probe *pr,
                                         int is_record)
{
    const char *expr = gp_y_string(d, n, what);
    if (!expr)
        return NULL;
    if (!*expr) {
        gp_y_error(d, n, "profile.xpath", "%s is empty; give an XPath", what);
        return NULL;
    }
    xerr_capture cap;
    capture_begin(&cap);
    xmlXPathCompExprPtr c = xmlXPathCompile((const xmlChar *)expr);
    int not_nodes = 0;
    if (c) {
        pr->xp->node = is_record ? (xmlNodePtr)pr->doc : xmlDocGetRootElement(pr->doc);
        xmlXPathObjectPtr res = xmlXPathCompiledEval(c, pr->xp);
        not_nodes = is_record && res && res->type != XPATH_NODESET;
        xmlXPathFreeObject(res);
    }
    capture_end();
    if (c && !cap.count && !not_nodes)
        return c;
    xmlXPathFreeCompExpr(c);
    gp_diag base = GP_DIAG_INIT;
    base.rule_id = "profile.xpath";
    base.file = d->file;
    base.line = gp_y_line(n);
    base.column = scalar_column(n, cap.count ? cap.offset : -1);
    if (cap.count || !c)
        gp_diag_emitf(d->sink, &base, "bad XPath in %s: %s: '%s'", what,
                      cap.count ? cap.message : "syntax error", expr);
    else
        gp_diag_emitf(d->sink, &base, "%s computes a value; it must select nodes: '%s'", what,
                      expr);
    d->errors++;
    return NULL;
}

static int load_namespaces(gp_ydoc *d, yaml_node_t *n, gp_profile *p, probe *pr)
{
    if (!gp_y_is_map(n)) {
        gp_y_error(d, n, "rules.type", "'namespaces' must map prefixes to URIs");
        return GP_OK;
    }
    size_t cnt = gp_y_map_len(n);
    p->ns = calloc(cnt ? cnt : 1, sizeof *p->ns);
    if (!p->ns)
        return GP_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *kn = gp_y_map_key(d, n, i);
        const char *pre = gp_y_string(d, kn, "a namespace prefix");
        const char *uri = gp_y_string(d, gp_y_map_value(d, n, i), "a namespace URI");
        if (!pre || !uri)
            continue;
        if (xmlValidateNCName((const xmlChar *)pre, 0) != 0) {
            gp_y_error(d, kn, "rules.type", "namespace prefix '%s' is not an XML name", pre);
            continue;
        }
        if (!*uri) {
            gp_y_error(d, gp_y_map_value(d, n, i), "rules.type",
                       "namespace prefix '%s' needs a URI", pre);
            continue;
        }
        ns_pair *ns = &p->ns[p->nns];
        ns->prefix = gp__strdup(pre);
        ns->uri = gp__strdup(uri);
        p->nns++;
        if (!ns->prefix || !ns->uri ||
            xmlXPathRegisterNs(pr->xp, (const xmlChar *)pre, (const xmlChar *)uri) != 0)
            return GP_ENOMEM;
    }
    return GP_OK;
}

static int load_fields(gp_ydoc *d, yaml_node_t *root, gp_profile *p, probe *pr)
{
    /* Every record field but the two the tools make: id and sources. */
    const char *fkeys[GP_F_COUNT + 1];
    size_t nk = 0;
    for (int f = 0; f < GP_F_COUNT; f++)
        if (f != GP_F_ID && f != GP_F_SOURCES)
            fkeys[nk++] = gp_field_name((gp_field)f);
    fkeys[nk] = NULL;
    yaml_node_t *fields = gp_y_get(d, root, "fields");
    if (!fields) {
        gp_y_error(d, root, "rules.missing-key", "a profile needs 'fields'");
        return GP_OK;
    }
    if (gp_y_check_map(d, fields, "'fields'", fkeys) != 0)
        return GP_OK;
    if (gp_y_map_len(fields) == 0)
        gp_y_error(d, fields, "rules.missing-key", "'fields' names no field");
    for (size_t i = 0; i < gp_y_map_len(fields); i++) {
        const char *name = gp_y_scalar(gp_y_map_key(d, fields, i));
        int f = name ? gp_field_lookup(name, strlen(name)) : -1;
        if (f < 0 || f == GP_F_ID || f == GP_F_SOURCES)
            continue; /* reported by gp_y_check_map */
        char what[64];
        snprintf(what, sizeof what, "field '%s'", name);
        xmlXPathFreeCompExpr(p->fields[f]);
        p->fields[f] = compile_xpath(d, gp_y_map_value(d, fields, i), what, pr, 0);
    }
    return GP_OK;
}

int gp__profile_load(gp_profile **out, const char *path, gp_diag_sink *diags)
{
    *out = NULL;
    gp_ydoc d;
    int rc = gp_ydoc_load(&d, path, path, "profile", diags);
    if (rc) {
        gp_ydoc_free(&d);
        return rc == GP_ENOMEM || rc == GP_EIO ? rc : GP_ERULES;
    }
    gp_profile *p = calloc(1, sizeof *p);
    probe pr = {NULL, NULL};
    if (!p || !(p->path = gp__strdup(path)) || probe_init(&pr) != GP_OK) {
        probe_free(&pr);
        gp__profile_free(p);
        gp_ydoc_free(&d);
        return GP_ENOMEM;
    }
    p->html = 1;
    yaml_node_t *root = gp_y_root(&d);
    static const char *const keys[] = {"gpkit_profile", "description", "format", "namespaces",
                                       "record",        "fields",      NULL};
    if (gp_y_check_map(&d, root, "an extraction profile", keys) == 0) {
        yaml_node_t *n;
        long v;
        if ((n = gp_y_get(&d, root, "gpkit_profile")))
            gp_y_int(&d, n, "'gpkit_profile'", 1, 1, &v);
        if ((n = gp_y_get(&d, root, "description")))
            gp_y_string(&d, n, "'description'");
        if ((n = gp_y_get(&d, root, "format"))) {
            const char *f = gp_y_string(&d, n, "'format'");
            if (f && (strcmp(f, "html") == 0 || strcmp(f, "xml") == 0)) {
                p->html = strcmp(f, "html") == 0;
                p->format_given = 1;
            } else if (f) {
                gp_y_error(&d, n, "rules.type", "'format' must be html or xml, not '%s'", f);
            }
        }
        /* Namespaces first: the expressions below are tried with them. */
        if ((n = gp_y_get(&d, root, "namespaces")))
            rc = load_namespaces(&d, n, p, &pr);
        if (rc == GP_OK) {
            if ((n = gp_y_get(&d, root, "record")))
                p->record = compile_xpath(&d, n, "'record'", &pr, 1);
            else
                gp_y_error(&d, root, "rules.missing-key", "a profile needs a 'record' XPath");
            rc = load_fields(&d, root, p, &pr);
        }
    }
    int errors = d.errors;
    probe_free(&pr);
    gp_ydoc_free(&d);
    if (rc || errors) {
        gp__profile_free(p);
        return rc ? rc : GP_ERULES;
    }
    *out = p;
    return GP_OK;
}

/*
 * libxml2 keeps a node's line in 16 bits. Past 65535 it finds a text node's line
 * elsewhere (XML_PARSE_BIG_LINES) but derives an element's from its first child, which
 * is a line late when the element ends its line; so parse() puts the element's true line
 * in its psvi field, which nothing else uses here.
 */
static long node_line(xmlNodePtr n)
{
    /* A namespace node is an xmlNs, which has no line (nor a parent field). */
    if (n->type == XML_NAMESPACE_DECL)
        return 0;
    if (n->type == XML_ATTRIBUTE_NODE && n->parent)
        n = n->parent;
    if (n->type == XML_ELEMENT_NODE && n->line == 65535 && n->psvi)
        return (long)(ptrdiff_t)n->psvi;
    long line = xmlGetLineNo(n);
    return line > 0 ? line : 0;
}

/* ---- entity references ---- */

static xmlParserInputPtr refuse_entities(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    /* No external entity, DTD or network resource is ever loaded. */
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

typedef struct expander {
    xmlDocPtr doc;
    size_t budget; /* bytes and nodes left for the whole document */
    int cut;       /* the budget ran out, or entities nest too deep */
    long cut_line;
    long line;       /* of the element whose references are being replaced */
    size_t external; /* references to external entities, left out */
    const xmlChar *ext_name;
    const xmlChar *ext_id;
    long ext_line;
    int oom;
} expander;

static xmlEntityPtr ref_entity(xmlDocPtr doc, xmlNodePtr ref)
{
    if (ref->children && ref->children->type == XML_ENTITY_DECL)
        return (xmlEntityPtr)ref->children;
    return xmlGetDocEntity(doc, ref->name);
}

static void expand_put(expander *x, gp_buf *out, const xmlChar *s)
{
    size_t len = s ? strlen((const char *)s) : 0;
    if (len > x->budget) {
        len = x->budget;
        x->cut = 1;
    }
    gp_buf_put(out, s, len);
    x->budget -= len;
}

static void entity_text(expander *x, xmlEntityPtr ent, gp_buf *out, int depth);

/* The text of a reference; external entities are counted and give nothing. */
static void ref_text(expander *x, xmlNodePtr ref, gp_buf *out, int depth)
{
    xmlEntityPtr ent = ref_entity(x->doc, ref);
    if (!ent) {
        /* Undeclared (already an XML error): keep what the document wrote. */
        gp_buf_putc(out, '&');
        expand_put(x, out, ref->name);
        gp_buf_putc(out, ';');
        return;
    }
    switch (ent->etype) {
    case XML_INTERNAL_GENERAL_ENTITY:
        entity_text(x, ent, out, depth + 1);
        return;
    case XML_INTERNAL_PREDEFINED_ENTITY:
        expand_put(x, out, ent->content);
        return;
    default:
        if (x->external++ == 0) {
            x->ext_name = ent->name;
            x->ext_id = ent->URI ? ent->URI : ent->SystemID;
            x->ext_line = x->line;
        }
        return;
    }
}

/* Appends the text an internal entity stands for; nested references expand in turn. */
static void entity_text(expander *x, xmlEntityPtr ent, gp_buf *out, int depth)
{
    if (depth > ENTITY_DEPTH_MAX) {
        x->cut = 1;
        return;
    }
    if (!ent->children) {
        /* libxml2 parses an entity at its first use; one it never parsed is plain text
           at most (it stopped on an error before). */
        if (ent->content && !strpbrk((const char *)ent->content, "&<"))
            expand_put(x, out, ent->content);
        return;
    }
    xmlNodePtr top = (xmlNodePtr)ent;
    xmlNodePtr n = ent->children;
    while (n && !x->cut) {
        if (x->budget == 0) {
            x->cut = 1;
            return;
        }
        x->budget--;
        int enter = 0;
        switch (n->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            expand_put(x, out, n->content);
            break;
        case XML_ENTITY_REF_NODE:
            ref_text(x, n, out, depth);
            break;
        case XML_ELEMENT_NODE:
            enter = n->children != NULL;
            break;
        default:
            break;
        }
        if (enter) {
            n = n->children;
            continue;
        }
        while (!n->next) {
            n = n->parent;
            if (!n || n == top)
                return;
        }
        n = n->next;
    }
}

/* Joins each run of adjacent text nodes among the children of `parent` into one. */
static void merge_text_runs(expander *x, xmlNodePtr parent, gp_buf *tmp)
{
    for (xmlNodePtr c = parent->children; c; c = c->next) {
        if (c->type != XML_TEXT_NODE || !c->next || c->next->type != XML_TEXT_NODE)
            continue;
        gp_buf_reset(tmp);
        xmlNodePtr t = c;
        for (; t && t->type == XML_TEXT_NODE; t = t->next)
            if (t->content)
                gp_buf_puts(tmp, (const char *)t->content);
        if (gp_buf_error(tmp)) {
            x->oom = 1;
            return;
        }
        if (tmp->len > INT_MAX)
            continue; /* a run that long came from a 2 GiB input; leave it in pieces */
        while (c->next && c->next->type == XML_TEXT_NODE) {
            xmlNodePtr dead = c->next;
            xmlUnlinkNode(dead);
            xmlFreeNode(dead);
        }
        xmlNodeSetContentLen(c, (const xmlChar *)gp_buf_str(tmp), (int)tmp->len);
    }
}

/* The line of `n` or of its element; references and new text nodes have none. */
static long element_line(xmlNodePtr n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->parent;
    return n ? node_line(n) : 0;
}

/* Replaces the entity references among the children of `parent` with text nodes. */
static void expand_children(expander *x, xmlNodePtr parent, gp_buf *tmp)
{
    int replaced = 0;
    xmlNodePtr next;
    x->line = element_line(parent);
    for (xmlNodePtr c = parent->children; c && !x->oom; c = next) {
        next = c->next;
        if (c->type != XML_ENTITY_REF_NODE)
            continue;
        gp_buf_reset(tmp);
        int was_cut = x->cut;
        if (!x->cut)
            ref_text(x, c, tmp, 0);
        if (x->cut && !was_cut)
            x->cut_line = x->line;
        if (gp_buf_error(tmp)) {
            x->oom = 1;
            return;
        }
        xmlNodePtr t = NULL;
        if (tmp->len) {
            /* the budget keeps the length far below INT_MAX */
            t = xmlNewDocTextLen(x->doc, (const xmlChar *)tmp->data, (int)tmp->len);
            if (!t) {
                x->oom = 1;
                return;
            }
            xmlReplaceNode(c, t);
        } else {
            xmlUnlinkNode(c);
        }
        xmlFreeNode(c); /* frees the reference, never the entity it names */
        replaced = 1;
    }
    if (replaced)
        merge_text_runs(x, parent, tmp);
}

/*
 * Replaces every entity reference of the document with its text, within the budget.
 * Sets *cut when text was left out (reported: an input error once the records are read).
 */
static int expand_entities(gp_extractor *ex, xmlDocPtr doc, int *cut)
{
    expander x = {doc, GP_MARKUP_EXPAND_MAX, 0, 0, 0, 0, NULL, NULL, 0, 0};
    gp_buf tmp = GP_BUF_INIT;
    xmlNodePtr n = doc->children;
    while (n && !x.oom) {
        if (n->type == XML_ELEMENT_NODE) {
            for (xmlAttrPtr a = n->properties; a && !x.oom; a = a->next)
                expand_children(&x, (xmlNodePtr)a, &tmp);
            expand_children(&x, n, &tmp);
            if (n->children) {
                n = n->children;
                continue;
            }
        }
        while (n && !n->next) {
            n = n->parent;
            if (n == (xmlNodePtr)doc)
                n = NULL;
        }
        if (n)
            n = n->next;
    }
    gp_buf_free(&tmp);
    if (x.oom)
        return GP_ENOMEM;
    *cut = x.cut;
    if (x.cut)
        gp_diag_report(ex->diags, GP_SEV_ERROR, "markup.entity-limit", ex->file,
                       x.cut_line > 0 ? x.cut_line : 0, 0,
                       "entity references in '%s' expand to more than %zu bytes or nest deeper "
                       "than %d (an entity bomb?); the text beyond is left out",
                       ex->file, GP_MARKUP_EXPAND_MAX, ENTITY_DEPTH_MAX);
    if (x.external)
        gp_diag_report(ex->diags, GP_SEV_WARNING, "markup.malformed", ex->file,
                       x.ext_line > 0 ? x.ext_line : 0, 0,
                       "external entity '%s'%s%s%s is never loaded; %zu reference%s to external "
                       "entities left out",
                       (const char *)x.ext_name, x.ext_id ? " ('" : "",
                       x.ext_id ? (const char *)x.ext_id : "", x.ext_id ? "')" : "", x.external,
                       x.external == 1 ? "" : "s");
    return GP_OK;
}

/* ---- the text of a node ---- */

typedef struct mctx {
    gp_extractor *ex;
    int html;
    size_t budget; /* for the field being read */
    int over_budget;
} mctx;

static int is_block(const xmlChar *name)
{
    static const char *const blocks[] = {
        "address", "article", "aside", "blockquote", "br",       "caption",    "dd",     "details",
        "dialog",  "div",     "dl",    "dt",         "fieldset", "figcaption", "figure", "footer",
        "form",    "h1",      "h2",    "h3",         "h4",       "h5",         "h6",     "header",
        "hr",      "li",      "main",  "nav",        "ol",       "p",          "pre",    "section",
        "summary", "table",   "td",    "th",         "tr",       "ul",         NULL};
    for (size_t i = 0; blocks[i]; i++)
        if (strcasecmp((const char *)name, blocks[i]) == 0)
            return 1;
    return 0;
}

/* Elements whose content a browser does not show as text. */
static int is_hidden(const mctx *m, xmlNodePtr n)
{
    static const char *const hidden[] = {"script", "style", "noscript", "template", NULL};
    if (!m->html)
        return 0;
    for (size_t i = 0; hidden[i]; i++)
        if (strcasecmp((const char *)n->name, hidden[i]) == 0)
            return 1;
    return 0;
}

static void put_text(mctx *m, gp_buf *out, const xmlChar *s)
{
    size_t len = s ? strlen((const char *)s) : 0;
    if (len > m->budget) {
        m->over_budget = 1;
        len = m->budget;
    }
    gp_buf_put(out, s, len);
    m->budget -= len;
}

/* Appends the text of the descendants of `top`, in document order, without recursion. */
static void walk_text(mctx *m, xmlNodePtr top, gp_buf *out)
{
    xmlNodePtr n = top->children;
    while (n && !m->over_budget) {
        if (m->budget == 0) {
            m->over_budget = 1;
            return;
        }
        m->budget--;
        int enter = 0;
        switch (n->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            put_text(m, out, n->content);
            break;
        case XML_ELEMENT_NODE:
            if (is_hidden(m, n))
                break;
            if (is_block(n->name))
                gp_buf_putc(out, ' ');
            enter = n->children != NULL;
            break;
        default:
            break; /* comments, processing instructions; entity references are gone */
        }
        if (enter) {
            n = n->children;
            continue;
        }
        while (!n->next) {
            n = n->parent;
            if (!n || n == top)
                return;
            if (n->type == XML_ELEMENT_NODE && is_block(n->name))
                gp_buf_putc(out, ' ');
        }
        n = n->next;
    }
}

/* Appends `s` with runs of ASCII white space as one space, trimmed (CSS white-space). */
static void collapse_space(const char *s, size_t len, gp_buf *out)
{
    int pending = 0, started = 0;
    size_t run = 0; /* start of the run of non-space bytes being scanned */
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? s[i] : ' ';
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f')
            continue;
        if (i > run) {
            if (pending && started)
                gp_buf_putc(out, ' ');
            gp_buf_put(out, s + run, i - run);
            started = 1;
            pending = 0;
        }
        pending = 1;
        run = i + 1;
    }
}

/* The text of one selected node, white space collapsed, appended to `out`. */
static void node_text(mctx *m, xmlNodePtr n, gp_buf *out)
{
    gp_buf raw = GP_BUF_INIT;
    switch (n->type) {
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
    case XML_COMMENT_NODE:
    case XML_PI_NODE:
        put_text(m, &raw, n->content);
        break;
    case XML_NAMESPACE_DECL:
        put_text(m, &raw, ((xmlNsPtr)n)->href);
        break;
    case XML_ELEMENT_NODE:
    case XML_ATTRIBUTE_NODE:
    case XML_DOCUMENT_NODE:
    case XML_HTML_DOCUMENT_NODE:
    case XML_DOCUMENT_FRAG_NODE:
        walk_text(m, n, &raw);
        break;
    default:
        break;
    }
    collapse_space(gp_buf_str(&raw), raw.len, out);
    if (gp_buf_error(&raw))
        out->oom = 1;
    gp_buf_free(&raw);
}

/* Sets field `f` of the record from an XPath result. Returns a GP_E* code. */
static int field_from_result(mctx *m, gp_field f, xmlXPathObjectPtr res, long rec_line, int *hit)
{
    gp_extractor *ex = m->ex;
    int rc = GP_OK;
    *hit = 0;
    if (!res)
        return GP_OK;
    if (res->type != XPATH_NODESET) {
        xmlChar *s = xmlXPathCastToString(res);
        if (!s)
            return GP_ENOMEM;
        gp_buf v = GP_BUF_INIT;
        size_t len = strlen((const char *)s);
        if (len > GP_MARKUP_TEXT_MAX) {
            len = GP_MARKUP_TEXT_MAX;
            m->over_budget = 1;
        }
        collapse_space((const char *)s, len, &v);
        xmlFree(s);
        *hit = v.len > 0;
        if (v.len == 0)
            rc = GP_OK;
        else if (gp_field_is_list(f))
            rc = gp__extract_item(ex, f, v.data, v.len, rec_line, 0);
        else if (gp_field_is_year(f))
            rc = gp__extract_year(ex, f, v.data, v.len, rec_line, 0);
        else
            rc = gp__extract_field(ex, f, v.data, v.len, rec_line, 0);
        if (rc == GP_OK && gp_buf_error(&v))
            rc = GP_ENOMEM;
        gp_buf_free(&v);
        return rc;
    }
    xmlNodeSetPtr set = res->nodesetval;
    int count = set ? set->nodeNr : 0;
    gp_buf joined = GP_BUF_INIT;
    long first_line = 0;
    /* Description and jury comment keep one paragraph per node, as the text dumps do. */
    const char *sep = f == GP_F_DESCRIPTION || f == GP_F_JURY_COMMENT ? "\n\n" : " ";
    for (int i = 0; i < count && rc == GP_OK && !m->over_budget; i++) {
        xmlNodePtr node = set->nodeTab[i];
        long line = node_line(node);
        if (line <= 0)
            line = rec_line;
        gp_buf v = GP_BUF_INIT;
        node_text(m, node, &v);
        if (gp_buf_error(&v))
            rc = GP_ENOMEM;
        else if (v.len && gp_field_is_list(f))
            rc = gp__extract_item(ex, f, v.data, v.len, line, 0);
        else if (v.len) {
            if (!first_line)
                first_line = line;
            if (joined.len)
                gp_buf_puts(&joined, sep);
            gp_buf_put(&joined, v.data, v.len);
        }
        if (v.len)
            *hit = 1;
        gp_buf_free(&v);
        /* A year is one value: the first node that has text. */
        if (gp_field_is_year(f) && joined.len)
            break;
    }
    if (rc == GP_OK && gp_buf_error(&joined))
        rc = GP_ENOMEM;
    if (rc == GP_OK && joined.len) {
        if (gp_field_is_year(f))
            rc = gp__extract_year(ex, f, joined.data, joined.len, first_line, 0);
        else
            rc = gp__extract_field(ex, f, joined.data, joined.len, first_line, 0);
    }
    gp_buf_free(&joined);
    return rc;
}

/* ---- reading a document ---- */

static gp_profile *profile_for(gp_extractor *ex, int html, int *rc)
{
    *rc = GP_OK;
    if (ex->profile)
        return ex->profile;
    gp_profile **slot = &ex->defaults[html ? 0 : 1];
    if (*slot && (*slot)->failed) {
        *rc = GP_ERULES;
        return NULL;
    }
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
    if (*rc == GP_ERULES || *rc == GP_EIO) {
        /* Its errors are reported; the next file of the run is refused without repeating
           them. The marker is freed with the extractor's other profiles. */
        *slot = calloc(1, sizeof **slot);
        if (*slot)
            (*slot)->failed = 1;
    }
    return *slot && !(*slot)->failed ? *slot : NULL;
}

/* After libxml2 made an element: its true line, when 16 bits cannot hold it (node_line). */
static void keep_big_line(void *ctx)
{
    xmlParserCtxtPtr ctxt = ctx;
    xmlNodePtr n = ctxt->node;
    if (n && n->type == XML_ELEMENT_NODE && n->line == 65535 && ctxt->input)
        n->psvi = (void *)(ptrdiff_t)ctxt->input->line;
}

static void html_start_element(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    xmlSAX2StartElement(ctx, name, atts);
    keep_big_line(ctx);
}

static void xml_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                              const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                              int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
    keep_big_line(ctx);
}

/*
 * Internal entities are declared flat: a reference to an earlier internal entity inside
 * an entity's value is replaced by that entity's (already flat) text before libxml2
 * keeps the declaration. libxml2 2.9 measures nested references against the few bytes
 * of the enclosing entity's value, so three levels that stand for 30 KB stopped the
 * parser as a bomb; flat, the same text passes its checks, which stay in force for
 * whatever is not flattened. All declarations of a document share one budget
 * (GP_MARKUP_EXPAND_MAX); a declaration that would pass it is kept as written, and a
 * real bomb then still meets libxml2's own limits.
 */
typedef struct flattener {
    size_t budget;
    gp_map *flat; /* names of the entities declared flat */
    int oom;
} flattener;

static int predefined(const char *name, size_t len)
{
    static const char *const names[] = {"lt", "gt", "amp", "apos", "quot"};
    for (size_t i = 0; i < GP_ARRAY_LEN(names); i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return 1;
    return 0;
}

/* The flat text of `content` into `out`; 0 when some reference could not be resolved. */
static int flatten(xmlParserCtxtPtr ctxt, flattener *fl, const char *content, gp_buf *out)
{
    for (const char *p = content; *p;) {
        const char *amp = strchr(p, '&');
        const char *semi = amp ? strchr(amp, ';') : NULL;
        if (!amp || !semi) {
            gp_buf_puts(out, p);
            break;
        }
        gp_buf_put(out, p, (size_t)(amp - p));
        const char *name = amp + 1;
        size_t nlen = (size_t)(semi - name);
        p = semi + 1;
        if (*name == '#' || predefined(name, nlen)) {
            gp_buf_put(out, amp, nlen + 2);
            continue;
        }
        if (!gp_map_get(fl->flat, name, nlen))
            return 0; /* later, external, undeclared or itself not flat: keep the value */
        char *n = gp__strndup(name, nlen);
        xmlEntityPtr ent = n ? xmlGetDocEntity(ctxt->myDoc, (const xmlChar *)n) : NULL;
        free(n);
        if (!ent || !ent->content)
            return 0;
        gp_buf_puts(out, (const char *)ent->content);
        if (out->len > fl->budget)
            return 0;
    }
    return !gp_buf_error(out) && out->len <= fl->budget;
}

static void flat_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                             const xmlChar *system_id, xmlChar *content)
{
    xmlParserCtxtPtr ctxt = ctx;
    flattener *fl = ctxt->_private;
    xmlChar *use = content;
    gp_buf flat = GP_BUF_INIT;
    int is_flat = 0;
    if (fl && type == XML_INTERNAL_GENERAL_ENTITY && content && ctxt->myDoc) {
        if (flatten(ctxt, fl, (const char *)content, &flat)) {
            use = (xmlChar *)gp_buf_str(&flat);
            fl->budget -= flat.len;
            is_flat = 1;
        }
        if (gp_buf_error(&flat))
            fl->oom = 1;
    }
    xmlSAX2EntityDecl(ctx, name, type, public_id, system_id, use);
    /* the first declaration of a name is the one that counts, as in libxml2 */
    if (is_flat && !gp_map_get(fl->flat, (const char *)name, strlen((const char *)name)) &&
        gp_map_put(fl->flat, (const char *)name, strlen((const char *)name), fl) != GP_OK)
        fl->oom = 1;
    gp_buf_free(&flat);
}

static xmlDocPtr parse(gp_extractor *ex, const char *text, size_t len, int html, xerr_capture *cap)
{
    /* The loader is process-wide in libxml2 2.9: put back whatever was there. */
    xmlExternalEntityLoader old = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(refuse_entities);
    capture_begin(cap);
    /* The text is UTF-8 already (gp_input converted it): a charset the document
       declares must not convert it again. */
    xmlDocPtr doc = NULL;
    if (html) {
        htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
        if (ctxt) {
            /* htmlReadMemory drops XML_PARSE_BIG_LINES (every line past 65535 would be
               65535); set on the context, the flag survives htmlCtxtUseOptions. */
            ctxt->options |= XML_PARSE_BIG_LINES;
            ctxt->sax->startElement = html_start_element;
            doc = htmlCtxtReadMemory(ctxt, text, (int)len, ex->file, "UTF-8",
                                     HTML_PARSE_NONET | HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                         HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC);
            htmlFreeParserCtxt(ctxt);
        }
    } else {
        xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
        flattener fl = {GP_MARKUP_EXPAND_MAX, NULL, 0};
        if (ctxt && gp_map_new(&fl.flat) == GP_OK) {
            ctxt->sax->startElementNs = xml_start_element;
            ctxt->sax->entityDecl = flat_entity_decl;
            ctxt->_private = &fl;
            doc = xmlCtxtReadMemory(ctxt, text, (int)len, ex->file, "UTF-8",
                                    XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOWARNING |
                                        XML_PARSE_IGNORE_ENC | XML_PARSE_BIG_LINES);
            if (fl.oom) {
                xmlFreeDoc(doc);
                doc = NULL;
            }
        }
        gp_map_free(fl.flat);
        if (ctxt)
            xmlFreeParserCtxt(ctxt);
    }
    capture_end();
    xmlSetExternalEntityLoader(old);
    return doc;
}

static void report_malformed(gp_extractor *ex, const xerr_capture *cap)
{
    if (cap->entity_loop && cap->code == XML_ERR_ENTITY_LOOP)
        return; /* an input error, reported once the records before it are read */
    gp_diag_report(ex->diags, GP_SEV_WARNING, "markup.malformed", ex->file, cap->line,
                   cap->line ? cap->column : 0,
                   "'%s' is not well-formed XML: %s%s; read as far as possible", ex->file,
                   cap->message, cap->count > 1 ? " (and more problems after it)" : "");
}

/* Evaluates one field's XPath for the record at xp->node and sets the field. */
static int read_field(mctx *m, gp_profile *prof, gp_field f, xmlXPathContextPtr xp, long line,
                      int *hit, int *reported)
{
    gp_extractor *ex = m->ex;
    xerr_capture cap;
    capture_begin(&cap);
    xmlXPathObjectPtr res = xmlXPathCompiledEval(prof->fields[f], xp);
    capture_end();
    if (!res && cap.count && !*reported) {
        /* Once per file: the same expression fails the same way in every record. */
        gp_diag_report(ex->diags, GP_SEV_ERROR, "profile.xpath", ex->file, line, 0,
                       "cannot evaluate field '%s' of profile '%s': %s", gp_field_name(f),
                       prof->path, cap.message);
        *reported = 1;
    }
    m->budget = GP_MARKUP_TEXT_MAX;
    m->over_budget = 0;
    int rc = field_from_result(m, f, res, line, hit);
    xmlXPathFreeObject(res);
    if (m->over_budget)
        gp_diag_report(ex->diags, GP_SEV_ERROR, "markup.malformed", ex->file, line, 0,
                       "the text of field '%s' is longer than %zu bytes; cut there",
                       gp_field_name(f), GP_MARKUP_TEXT_MAX);
    return rc;
}

/* Emits the records of the document; *nread is how many. */
static int read_records(gp_extractor *ex, gp_profile *prof, xmlDocPtr doc, int html, int *nread)
{
    *nread = 0;
    xmlXPathContextPtr xp = xmlXPathNewContext(doc);
    if (!xp)
        return GP_ENOMEM;
    for (size_t i = 0; i < prof->nns; i++)
        xmlXPathRegisterNs(xp, (const xmlChar *)prof->ns[i].prefix,
                           (const xmlChar *)prof->ns[i].uri);
    xerr_capture cap;
    capture_begin(&cap);
    xmlXPathObjectPtr recs = xmlXPathCompiledEval(prof->record, xp);
    capture_end();
    if (!recs || recs->type != XPATH_NODESET) {
        gp_diag_report(ex->diags, GP_SEV_ERROR, "profile.xpath", ex->file, 0, 0,
                       "cannot select the records of '%s' with the 'record' XPath of profile "
                       "'%s': %s",
                       ex->file, prof->path, cap.count ? cap.message : "it gives no nodes");
        xmlXPathFreeObject(recs);
        xmlXPathFreeContext(xp);
        return GP_ERULES;
    }
    int rc = GP_OK;
    int nrec = recs->nodesetval ? recs->nodesetval->nodeNr : 0;
    size_t hits[GP_F_COUNT] = {0};
    int reported[GP_F_COUNT] = {0};
    mctx m = {ex, html, GP_MARKUP_TEXT_MAX, 0};
    for (int r = 0; r < nrec && rc == GP_OK; r++) {
        xmlNodePtr node = recs->nodesetval->nodeTab[r];
        long line = node_line(node);
        if (line <= 0)
            line = 1;
        if (!gp__extract_begin(ex, line, html ? "html" : "xml")) {
            rc = GP_ENOMEM;
            break;
        }
        for (int f = 0; f < GP_F_COUNT && rc == GP_OK; f++) {
            if (!prof->fields[f])
                continue;
            int hit = 0;
            xp->node = node;
            rc = read_field(&m, prof, (gp_field)f, xp, line, &hit, &reported[f]);
            hits[f] += (size_t)hit;
        }
        if (rc == GP_OK)
            rc = gp__extract_emit(ex);
        if (rc == GP_OK)
            ++*nread;
    }
    /* A field that never matched usually means the page changed, not the practices. */
    for (int f = 0; f < GP_F_COUNT && rc == GP_OK && nrec > 0; f++)
        if (prof->fields[f] && hits[f] == 0 && !reported[f])
            gp_diag_report(ex->diags, GP_SEV_INFO, "profile.field-empty", ex->file, 0, 0,
                           "field '%s' of the profile selected nothing in the %d record%s of '%s'",
                           gp_field_name((gp_field)f), nrec, nrec == 1 ? "" : "s", ex->file);
    xmlXPathFreeObject(recs);
    xmlXPathFreeContext(xp);
    return rc;
}

int gp__extract_markup(gp_extractor *ex, gp_input *in, int html)
{
    int rc;
    gp_profile *prof = profile_for(ex, html, &rc);
    if (!prof)
        return rc;
    /* A detected format only says "markup"; the profile knows which parser fits it. */
    if (ex->format == GP_FORMAT_AUTO && prof->format_given)
        html = prof->html;
    char *text;
    size_t len;
    if ((rc = gp_input_read_all(in, &text, &len)))
        return rc;
    if (len > INT_MAX) {
        free(text);
        gp_diag_report(ex->diags, GP_SEV_ERROR, "markup.unreadable", ex->file, 0, 0,
                       "'%s' is larger than libxml2 can read (2 GiB)", ex->file);
        return GP_ELIMIT;
    }
    xerr_capture cap;
    xmlDocPtr doc = parse(ex, text, len, html, &cap);
    free(text);
    /* Recovering, libxml2 returns a document for any text; one without a single element
       (an export cut off before its root, a file that is no XML) was not read at all. */
    if (doc && !html && !xmlDocGetRootElement(doc)) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (!doc) {
        gp_diag_report(ex->diags, GP_SEV_ERROR, "markup.unreadable", ex->file, cap.line,
                       cap.line ? cap.column : 0, "cannot parse '%s' as %s: %s", ex->file,
                       html ? "HTML" : "XML", cap.count ? cap.message : "no document");
        return GP_EINPUT;
    }
    if (!html && cap.count)
        report_malformed(ex, &cap);
    int cut = 0, nread = 0;
    rc = html ? GP_OK : expand_entities(ex, doc, &cut);
    if (rc == GP_OK)
        rc = read_records(ex, prof, doc, html, &nread);
    xmlFreeDoc(doc);
    if (rc == GP_OK && !html && cap.entity_loop) {
        /* libxml2 stopped there: whatever the file holds after it is lost */
        gp_diag_report(ex->diags, GP_SEV_ERROR, "markup.entity-limit", ex->file, cap.entity_line, 0,
                       "entity references in '%s' loop or pass libxml2's limits (an entity "
                       "bomb?); %d record%s read, the rest of the file is lost",
                       ex->file, nread, nread == 1 ? "" : "s");
        rc = GP_EINPUT;
    }
    if (rc == GP_OK && html && cap.fatal) {
        /* libxml2 stops there (nesting deeper than 256 elements, for one) */
        gp_diag_report(ex->diags, GP_SEV_ERROR, "markup.unreadable", ex->file, cap.fatal_line, 0,
                       "cannot read '%s' to its end: %s; %d record%s read, the rest of the file "
                       "is lost",
                       ex->file, cap.fatal_message, nread, nread == 1 ? "" : "s");
        rc = GP_EINPUT;
    }
    if (rc == GP_OK && cut)
        rc = GP_EINPUT; /* text was left out (reported) */
    return rc;
}
