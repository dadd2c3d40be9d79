/*
 * lib/dedup_rules.c - the 'dedup' section of the rules (blocking, weights, thresholds,
 * merge policy). Stub: filled in with gp-dedup.
 */
#include "rules_impl.h"
#include "ydoc.h"

void gp__dedup_rules_read(gp_ruleset *rs, struct gp_ydoc *d, struct yaml_node_s *node)
{
    (void)rs;
    static const char *const keys[] = {NULL};
    gp_y_check_map(d, node, "'dedup'", keys);
}

void gp__dedup_rules_free(struct gp_dedup_rules *r)
{
    (void)r;
}
