/*
 * lib/checks.c - the ids, default levels and summaries of every check.
 *
 * Kept sorted by id; add new ids, never rename one (baselines and suppressions refer
 * to them).
 */
#include "gpkit/checks.h"

#include <string.h>

static const gp_check_info checks[] = {
    {"booklet.entry-incomplete", GP_SEV_WARNING,
     "a booklet entry lacks its title or priority areas"},
    {"booklet.no-heading", GP_SEV_WARNING,
     "a booklet has no results heading giving region and year"},
    {"booklet.unexpected-text", GP_SEV_WARNING, "booklet text outside any entry was skipped"},
    {"country.unknown", GP_SEV_WARNING, "a country no rule knows"},
    {"input.binary", GP_SEV_ERROR, "the input is a binary file"},
    {"input.empty", GP_SEV_WARNING, "the input holds no text"},
    {"input.invalid-utf8", GP_SEV_ERROR, "bytes that are not UTF-8 were replaced by U+FFFD"},
    {"input.legacy-encoding", GP_SEV_WARNING,
     "the input is in a legacy encoding and was converted"},
    {"input.line-too-long", GP_SEV_ERROR, "a line exceeds the length limit and was cut"},
    {"input.no-records", GP_SEV_WARNING, "no record was found in the input"},
    {"input.nul", GP_SEV_ERROR, "a NUL byte in text was replaced by U+FFFD"},
    {"input.unknown-format", GP_SEV_ERROR, "the format of the input could not be recognised"},
    {"input.unreadable", GP_SEV_ERROR, "the input cannot be opened or read"},
    {"institution.unknown", GP_SEV_WARNING, "an institution no rule knows in its country"},
    {"jsonl.malformed", GP_SEV_ERROR, "a JSON Lines line is not a valid record"},
    {"jsonl.unknown-key", GP_SEV_WARNING, "a JSON record has keys that are not record fields"},
    {"listing.header-incomplete", GP_SEV_ERROR,
     "a listing record lacks institution, country or region"},
    {"listing.truncated", GP_SEV_ERROR, "a listing record is cut off at the end of the file"},
    {"listing.unexpected-text", GP_SEV_WARNING, "listing text outside any record was skipped"},
    {"markup.malformed", GP_SEV_WARNING, "the HTML or XML input has markup errors"},
    {"markup.unreadable", GP_SEV_ERROR, "the HTML or XML input cannot be parsed"},
    {"priority-area.unknown", GP_SEV_WARNING, "a priority area no rule knows"},
    {"profile.field-empty", GP_SEV_INFO, "a profile field selected nothing in a record"},
    {"record.year-invalid", GP_SEV_ERROR, "a year is not a four-digit number"},
    {"region.unknown", GP_SEV_WARNING, "a region no rule knows"},
    {"topic.unknown", GP_SEV_WARNING, "a topic no rule knows"},
};

const gp_check_info *gp_checks_find(const char *id)
{
    size_t lo = 0, hi = sizeof checks / sizeof checks[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(id, checks[mid].id);
        if (c == 0)
            return &checks[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

size_t gp_checks_count(void)
{
    return sizeof checks / sizeof checks[0];
}

const gp_check_info *gp_checks_get(size_t i)
{
    return i < gp_checks_count() ? &checks[i] : NULL;
}
