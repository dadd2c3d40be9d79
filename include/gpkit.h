/*
 * gpkit.h - everything gpkit offers, one header per module.
 */
#ifndef GPKIT_H
#define GPKIT_H

#include "gpkit/apply.h"
#include "gpkit/checks.h"
#include "gpkit/common.h"
#include "gpkit/config.h"
#include "gpkit/decisions.h"
#include "gpkit/dedup.h"
#include "gpkit/diag.h"
#include "gpkit/extract.h"
#include "gpkit/findings.h"
#include "gpkit/hygiene.h"
#include "gpkit/input.h"
#include "gpkit/lint.h"
#include "gpkit/mem.h"
#include "gpkit/norm.h"
#include "gpkit/record.h"
#include "gpkit/report.h"
#include "gpkit/rules.h"
#include "gpkit/text.h"

#endif
