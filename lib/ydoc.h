/*
 * lib/ydoc.h - reading YAML documents (rules, profiles, decisions) with validation.
 *
 * A gp_ydoc is one parsed YAML file (libyaml's document API) plus the diagnostic sink
 * its errors go to. The gp_y_* helpers check shapes and report every problem as an
 * error at the node's file:line:column (libyaml counts from 0; we add 1), then let the
 * caller go on, so one run lists all the mistakes of a rule file, not just the first.
 */
#ifndef GPKIT_YDOC_H
#define GPKIT_YDOC_H

#include <yaml.h>

#include "gpkit/diag.h"

typedef struct gp_ydoc {
    yaml_document_t doc;
    int loaded;
    const char *file; /* the name used in diagnostics */
    const char *what; /* "decisions", "profile"; NULL for a rule file */
    gp_diag_sink *sink;
    int errors;
} gp_ydoc;

/*
 * Bounds on every YAML file (rules, profiles, decisions), checked before a document is
 * built: its size, the depth of nested lists and mappings, and the number of values
 * with each alias counted as what it stands for. The bundled rules are under 100 KiB,
 * 6 levels deep and a few thousand values.
 */
#define GP_YAML_MAX_BYTES (16 << 20)
#define GP_YAML_MAX_DEPTH 64
#define GP_YAML_MAX_NODES 1000000L

/*
 * Parses `path`. `what` names the file in "cannot open decisions 'x.yaml': ..." (the
 * rule id is then input.unreadable); NULL for a rule file (rules.unreadable).
 * Returns GP_OK, GP_EIO (cannot open, reported) or GP_EPARSE (syntax
 * error, or a bound above passed, reported as "rules.limit" with its place). An empty
 * file is an empty mapping's absence: gp_y_root returns NULL.
 */
int gp_ydoc_load(gp_ydoc *d, const char *path, const char *display, const char *what,
                 gp_diag_sink *sink);
void gp_ydoc_free(gp_ydoc *d);

yaml_node_t *gp_y_root(gp_ydoc *d);
/* Reports an error at the node (or at the file when node is NULL); counts it. */
void gp_y_error(gp_ydoc *d, const yaml_node_t *node, const char *rule_id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
long gp_y_line(const yaml_node_t *node);
long gp_y_column(const yaml_node_t *node);

/* The scalar's text, or NULL when the node is not a scalar. */
const char *gp_y_scalar(const yaml_node_t *node);
int gp_y_is_map(const yaml_node_t *node);
int gp_y_is_seq(const yaml_node_t *node);

/*
 * Checks that `map` is a mapping whose keys are scalars from `allowed` (NULL-ended),
 * each at most once. Unknown keys are reported with a "did you mean" when one allowed
 * key is close. Returns 0 when the node is a mapping (even with bad keys), -1 if not.
 */
int gp_y_check_map(gp_ydoc *d, const yaml_node_t *map, const char *what,
                   const char *const *allowed);
/* The value of `key` in a mapping, NULL when absent. */
yaml_node_t *gp_y_get(gp_ydoc *d, const yaml_node_t *map, const char *key);

/* Sequence access: the number of items and the i-th node. */
size_t gp_y_seq_len(const yaml_node_t *seq);
yaml_node_t *gp_y_seq_item(gp_ydoc *d, const yaml_node_t *seq, size_t i);
/* Mapping access: the i-th key and value. */
size_t gp_y_map_len(const yaml_node_t *map);
yaml_node_t *gp_y_map_key(gp_ydoc *d, const yaml_node_t *map, size_t i);
yaml_node_t *gp_y_map_value(gp_ydoc *d, const yaml_node_t *map, size_t i);

/* A scalar string; reports "'what' must be text" otherwise. NULL when bad. */
const char *gp_y_string(gp_ydoc *d, const yaml_node_t *node, const char *what);
/* An integer scalar within [min, max]; reports otherwise. Returns 0 on success. */
int gp_y_int(gp_ydoc *d, const yaml_node_t *node, const char *what, long min, long max, long *out);
/* A boolean scalar (true/false/yes/no). Returns 0 on success. */
int gp_y_bool(gp_ydoc *d, const yaml_node_t *node, const char *what, int *out);

/* The allowed key closest to `key`, or NULL when none is close enough to suggest. */
const char *gp_y_suggest(const char *key, const char *const *allowed);

#endif
