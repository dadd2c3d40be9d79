/*
 * lib/lint_rules.c - the 'lint' section of the rules (required fields, patterns,
 * ranges, suppressions, variant discovery). Stub: filled in with gp-lint.
 */
#include "rules_impl.h"
#include "ydoc.h"

void gp__lint_rules_read(gp_ruleset *rs, struct gp_ydoc *d, struct yaml_node_s *node)
{
    (void)rs;
    static const char *const keys[] = {NULL};
    gp_y_check_map(d, node, "'lint'", keys);
}

void gp__lint_rules_free(struct gp_lint_rules *r)
{
    (void)r;
}
