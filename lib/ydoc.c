/*
 * lib/ydoc.c - libyaml documents with positions, and shape checks that report.
 *
 * libyaml signals success with 1 and counts marks from 0; both are converted here and
 * nowhere else.
 */
#include "ydoc.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gpkit/text.h"
#include "internal.h"

/* Reads the whole file, at most GP_YAML_MAX_BYTES of it (one byte more tells it is
 * longer). Returns GP_OK, GP_EIO (reported) or GP_ELIMIT (reported). */
static int read_bounded(gp_ydoc *d, const char *path, unsigned char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        /* about the run, not a place in a file: "cannot open decisions 'x': reason" */
        int e = errno;
        gp_diag_report(d->sink, GP_SEV_ERROR, d->what ? "input.unreadable" : "rules.unreadable",
                       NULL, 0, 0, "cannot open %s%s'%s': %s", d->what ? d->what : "",
                       d->what ? " " : "", d->file, strerror(e));
        return GP_EIO;
    }
    gp_buf b = GP_BUF_INIT;
    char block[65536];
    size_t n;
    while (b.len <= GP_YAML_MAX_BYTES && (n = fread(block, 1, sizeof block, f)) > 0)
        gp_buf_put(&b, block, n);
    int bad = ferror(f), e = errno;
    fclose(f);
    if (bad) {
        gp_diag_report(d->sink, GP_SEV_ERROR, d->what ? "input.unreadable" : "rules.unreadable",
                       NULL, 0, 0, "cannot read %s%s'%s': %s", d->what ? d->what : "",
                       d->what ? " " : "", d->file, strerror(e));
        gp_buf_free(&b);
        return GP_EIO;
    }
    if (gp_buf_error(&b)) {
        gp_buf_free(&b);
        return GP_ENOMEM;
    }
    if (b.len > GP_YAML_MAX_BYTES) {
        gp_diag_report(d->sink, GP_SEV_ERROR, "rules.limit", d->file, 0, 0,
                       "'%s' is larger than %d MiB, the limit for a YAML file; not read", d->file,
                       GP_YAML_MAX_BYTES >> 20);
        gp_buf_free(&b);
        return GP_ELIMIT;
    }
    *len = b.len;
    *out = (unsigned char *)gp_buf_detach(&b);
    return *out ? GP_OK : GP_ENOMEM;
}

/* A collection being read by check_bounds: its anchor and the node count at its start. */
typedef struct open_node {
    char *anchor;
    size_t first;
} open_node;

static void limit_error(gp_ydoc *d, const yaml_event_t *ev, const char *fmt, long limit)
{
    gp_diag g = GP_DIAG_INIT;
    g.rule_id = "rules.limit";
    g.file = d->file;
    g.line = (long)ev->start_mark.line + 1;
    g.column = (long)ev->start_mark.column + 1;
    gp_diag_emitf(d->sink, &g, fmt, limit);
    d->errors++;
}

/*
 * Walks the events of the text, before any document is built, and stops at the first
 * bound it passes: collections nested deeper than GP_YAML_MAX_DEPTH (libyaml's scanner
 * does work proportional to the depth for every token, so 200 KB of '[' would take
 * minutes), or more than GP_YAML_MAX_NODES nodes once every alias is counted as the
 * nodes it stands for (a "billion laughs" of nested aliases would make the walk of the
 * rules exponential). Syntax errors are left to the loader, which reports them.
 * Returns GP_OK, GP_ELIMIT (reported) or GP_ENOMEM.
 */
static int check_bounds(gp_ydoc *d, const unsigned char *text, size_t len)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return GP_ENOMEM;
    yaml_parser_set_input_string(&parser, text, len);
    gp_map *anchors = NULL;
    if (gp_map_new(&anchors) != GP_OK) {
        yaml_parser_delete(&parser);
        return GP_ENOMEM;
    }
    open_node open[GP_YAML_MAX_DEPTH + 1];
    int depth = 0, rc = GP_OK, done = 0;
    size_t nodes = 0;
    while (!done && rc == GP_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev))
            break; /* the loader reports it */
        size_t adds = 0;
        const yaml_char_t *anchor = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_SCALAR_EVENT:
            adds = 1;
            anchor = ev.data.scalar.anchor;
            break;
        case YAML_ALIAS_EVENT: {
            const char *a = (const char *)ev.data.alias.anchor;
            adds = (size_t)(uintptr_t)gp_map_get(anchors, a, strlen(a));
            if (!adds)
                adds = 1; /* an undefined alias: the loader reports it */
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            adds = 1;
            if (depth == GP_YAML_MAX_DEPTH) {
                limit_error(d, &ev,
                            "lists and mappings nested deeper than %ld levels, the limit for YAML",
                            depth);
                rc = GP_ELIMIT;
                break;
            }
            anchor = ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
                                                          : ev.data.mapping_start.anchor;
            open[depth].anchor = anchor ? gp__strdup((const char *)anchor) : NULL;
            open[depth].first = nodes;
            if (anchor && !open[depth].anchor)
                rc = GP_ENOMEM;
            depth++;
            anchor = NULL; /* recorded when the collection ends */
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0) {
                open_node *o = &open[--depth];
                if (o->anchor && gp_map_put(anchors, o->anchor, strlen(o->anchor),
                                            (void *)(uintptr_t)(nodes - o->first + 1)) != GP_OK)
                    rc = GP_ENOMEM;
                free(o->anchor);
            }
            break;
        default:
            break;
        }
        if (rc == GP_OK && anchor &&
            gp_map_put(anchors, (const char *)anchor, strlen((const char *)anchor),
                       (void *)(uintptr_t)1) != GP_OK)
            rc = GP_ENOMEM;
        if (rc == GP_OK) {
            nodes += adds;
            if (nodes > GP_YAML_MAX_NODES) {
                limit_error(
                    d, &ev,
                    "more than %ld values counting what each alias stands for, the limit for YAML",
                    GP_YAML_MAX_NODES);
                rc = GP_ELIMIT;
            }
        }
        yaml_event_delete(&ev);
    }
    while (depth > 0)
        free(open[--depth].anchor);
    gp_map_free(anchors);
    yaml_parser_delete(&parser);
    return rc;
}

int gp_ydoc_load(gp_ydoc *d, const char *path, const char *display, const char *what,
                 gp_diag_sink *sink)
{
    memset(d, 0, sizeof *d);
    d->file = display ? display : path;
    d->what = what;
    d->sink = sink;
    unsigned char *text = NULL;
    size_t len = 0;
    int rc = read_bounded(d, path, &text, &len);
    if (rc == GP_OK)
        rc = check_bounds(d, text, len);
    if (rc) {
        if (rc != GP_ENOMEM)
            d->errors++;
        free(text);
        return rc == GP_ELIMIT ? GP_EPARSE : rc;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        free(text);
        return GP_ENOMEM;
    }
    yaml_parser_set_input_string(&parser, text, len);
    int ok = yaml_parser_load(&parser, &d->doc);
    if (!ok) {
        const yaml_mark_t *m = parser.problem ? &parser.problem_mark : &parser.context_mark;
        char where[96] = "";
        /* libyaml notices a mistake where it ends; say where the construct began too */
        if (parser.context && parser.problem && parser.context_mark.line != m->line)
            snprintf(where, sizeof where, " (which starts at line %ld, column %ld)",
                     (long)parser.context_mark.line + 1, (long)parser.context_mark.column + 1);
        gp_diag_report(sink, GP_SEV_ERROR, "rules.syntax", d->file, (long)m->line + 1,
                       (long)m->column + 1, "malformed YAML: %s%s%s%s",
                       parser.problem ? parser.problem : "syntax error", parser.context ? " " : "",
                       parser.context ? parser.context : "", where);
        d->errors++;
        rc = parser.error == YAML_MEMORY_ERROR ? GP_ENOMEM : GP_EPARSE;
    } else {
        d->loaded = 1;
    }
    yaml_parser_delete(&parser);
    free(text);
    return rc;
}

void gp_ydoc_free(gp_ydoc *d)
{
    if (d->loaded)
        yaml_document_delete(&d->doc);
    d->loaded = 0;
}

yaml_node_t *gp_y_root(gp_ydoc *d)
{
    return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

long gp_y_line(const yaml_node_t *node)
{
    return node ? (long)node->start_mark.line + 1 : 0;
}

long gp_y_column(const yaml_node_t *node)
{
    return node ? (long)node->start_mark.column + 1 : 0;
}

void gp_y_error(gp_ydoc *d, const yaml_node_t *node, const char *rule_id, const char *fmt, ...)
{
    gp_diag base = GP_DIAG_INIT;
    base.severity = GP_SEV_ERROR;
    base.rule_id = rule_id;
    base.file = d->file;
    base.line = gp_y_line(node);
    base.column = gp_y_column(node);
    va_list ap;
    va_start(ap, fmt);
    gp_diag_vreport(d->sink, &base, fmt, ap);
    va_end(ap);
    d->errors++;
}

const char *gp_y_scalar(const yaml_node_t *node)
{
    return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

int gp_y_is_map(const yaml_node_t *node)
{
    return node && node->type == YAML_MAPPING_NODE;
}

int gp_y_is_seq(const yaml_node_t *node)
{
    return node && node->type == YAML_SEQUENCE_NODE;
}

size_t gp_y_seq_len(const yaml_node_t *seq)
{
    if (!gp_y_is_seq(seq))
        return 0;
    return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *gp_y_seq_item(gp_ydoc *d, const yaml_node_t *seq, size_t i)
{
    return yaml_document_get_node(&d->doc, seq->data.sequence.items.start[i]);
}

size_t gp_y_map_len(const yaml_node_t *map)
{
    if (!gp_y_is_map(map))
        return 0;
    return (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
}

yaml_node_t *gp_y_map_key(gp_ydoc *d, const yaml_node_t *map, size_t i)
{
    return yaml_document_get_node(&d->doc, map->data.mapping.pairs.start[i].key);
}

yaml_node_t *gp_y_map_value(gp_ydoc *d, const yaml_node_t *map, size_t i)
{
    return yaml_document_get_node(&d->doc, map->data.mapping.pairs.start[i].value);
}

const char *gp_y_suggest(const char *key, const char *const *allowed)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, klen = strlen(key);
    for (size_t i = 0; allowed[i]; i++) {
        size_t alen = strlen(allowed[i]);
        size_t dist = gp_text_edit_distance(key, klen, allowed[i], alen);
        size_t limit = (alen > klen ? alen : klen) / 3;
        if (limit < 2)
            limit = 2;
        if (dist <= limit && dist < best_d) {
            best = allowed[i];
            best_d = dist;
        }
    }
    return best;
}

static const char *node_kind(const yaml_node_t *node)
{
    switch (node->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    default:
        return "text";
    }
}

int gp_y_check_map(gp_ydoc *d, const yaml_node_t *map, const char *what, const char *const *allowed)
{
    if (!gp_y_is_map(map)) {
        gp_y_error(d, map, "rules.type", "%s must be a mapping, not %s", what,
                   map ? node_kind(map) : "nothing");
        return -1;
    }
    size_t n = gp_y_map_len(map);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *k = gp_y_map_key(d, map, i);
        const char *name = gp_y_scalar(k);
        if (!name) {
            gp_y_error(d, k, "rules.type", "keys of %s must be text", what);
            continue;
        }
        int known = 0;
        for (size_t a = 0; allowed[a]; a++)
            if (strcmp(allowed[a], name) == 0)
                known = 1;
        if (!known) {
            const char *hint = gp_y_suggest(name, allowed);
            if (hint)
                gp_y_error(d, k, "rules.unknown-key", "unknown key '%s' in %s; did you mean '%s'?",
                           name, what, hint);
            else
                gp_y_error(d, k, "rules.unknown-key", "unknown key '%s' in %s", name, what);
        }
        for (size_t j = 0; j < i; j++) {
            const char *other = gp_y_scalar(gp_y_map_key(d, map, j));
            if (other && strcmp(other, name) == 0) {
                gp_y_error(d, k, "rules.duplicate",
                           "key '%s' appears twice in %s (first at line %ld)", name, what,
                           gp_y_line(gp_y_map_key(d, map, j)));
                break;
            }
        }
    }
    return 0;
}

yaml_node_t *gp_y_get(gp_ydoc *d, const yaml_node_t *map, const char *key)
{
    size_t n = gp_y_map_len(map);
    for (size_t i = 0; i < n; i++) {
        const char *name = gp_y_scalar(gp_y_map_key(d, map, i));
        if (name && strcmp(name, key) == 0)
            return gp_y_map_value(d, map, i);
    }
    return NULL;
}

const char *gp_y_string(gp_ydoc *d, const yaml_node_t *node, const char *what)
{
    const char *s = gp_y_scalar(node);
    if (!s) {
        gp_y_error(d, node, "rules.type", "%s must be text, not %s", what,
                   node ? node_kind(node) : "nothing");
        return NULL;
    }
    return s;
}

int gp_y_int(gp_ydoc *d, const yaml_node_t *node, const char *what, long min, long max, long *out)
{
    const char *s = gp_y_scalar(node);
    char *end = NULL;
    long v = 0;
    if (s) {
        errno = 0;
        v = strtol(s, &end, 10);
    }
    if (!s || !*s || *end || errno) {
        gp_y_error(d, node, "rules.type", "%s must be a whole number, not '%s'", what,
                   s ? s : node_kind(node));
        return -1;
    }
    if (v < min || v > max) {
        gp_y_error(d, node, "rules.range", "%s must be between %ld and %ld, not %ld", what, min,
                   max, v);
        return -1;
    }
    *out = v;
    return 0;
}

int gp_y_bool(gp_ydoc *d, const yaml_node_t *node, const char *what, int *out)
{
    const char *s = gp_y_scalar(node);
    static const char *yes[] = {"true", "yes", "on"}, *no[] = {"false", "no", "off"};
    for (size_t i = 0; s && i < 3; i++) {
        if (strcmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    gp_y_error(d, node, "rules.type", "%s must be true or false", what);
    return -1;
}
