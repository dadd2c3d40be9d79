/*
 * gpkit/checks.h - the registry of rule ids the library can report.
 *
 * Every diagnostic carries one of these ids. The registry gives each its default level
 * and a one-line summary; the rule set (rules/checks.yaml) documents each check with a
 * description and examples and may change its level. A rule file naming an id that is
 * not here is an error, so a typo cannot silently switch nothing off.
 *
 * Ownership: everything returned is static.
 */
#ifndef GPKIT_CHECKS_H
#define GPKIT_CHECKS_H

#include <stddef.h>

#include "gpkit/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_check_info {
    const char *id;
    gp_severity level; /* default level */
    const char *summary;
} gp_check_info;

/* The check with that id, or NULL. */
const gp_check_info *gp_checks_find(const char *id);
size_t gp_checks_count(void);
const gp_check_info *gp_checks_get(size_t i);

#ifdef __cplusplus
}
#endif
#endif
