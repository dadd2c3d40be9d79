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
    {"country.alias", GP_SEV_OFF, "a country written with another name the rules know"},
    {"country.former-name", GP_SEV_WARNING,
     "a country name no longer in use for the record's year"},
    {"country.translation", GP_SEV_OFF,
     "a country written in another of the site's languages (correct for its page)"},
    {"country.unknown", GP_SEV_WARNING, "a country no rule knows"},
    {"country.variants", GP_SEV_WARNING, "spellings of one country that no rule resolves yet"},
    {"decision.already-applied", GP_SEV_INFO,
     "a curator's fix sets a value the record already has"},
    {"decision.conflict", GP_SEV_ERROR,
     "a record changed since the curator's fix was decided; the field is not set"},
    {"decision.contradiction", GP_SEV_ERROR, "two curator decisions contradict each other"},
    {"decision.invalid", GP_SEV_ERROR, "a curator decision is malformed"},
    {"decision.unknown-id", GP_SEV_WARNING, "a curator decision names a record id no input has"},
    {"input.binary", GP_SEV_ERROR, "the input is a binary file"},
    {"input.empty", GP_SEV_WARNING, "the input holds no text"},
    {"input.invalid-utf8", GP_SEV_ERROR, "bytes that are not UTF-8 were replaced by U+FFFD"},
    {"input.legacy-encoding", GP_SEV_WARNING,
     "the input is in a legacy encoding and was converted"},
    {"input.line-too-long", GP_SEV_ERROR, "a line exceeds the length limit and was cut"},
    {"input.no-records", GP_SEV_WARNING, "no record was found in the input"},
    {"input.nul", GP_SEV_ERROR, "a NUL byte in text was replaced by U+FFFD"},
    {"input.repeated", GP_SEV_WARNING, "the same file was given twice and is read once"},
    {"input.unknown-format", GP_SEV_ERROR, "the format of the input could not be recognised"},
    {"input.unreadable", GP_SEV_ERROR, "the input cannot be opened or read"},
    {"institution.alias", GP_SEV_OFF, "an institution written with another name the rules know"},
    {"institution.countries", GP_SEV_WARNING, "one unknown institution in several countries"},
    {"institution.former-name", GP_SEV_WARNING,
     "an institution name no longer in use for the record's year"},
    {"institution.unknown", GP_SEV_WARNING, "an institution no rule knows in its country"},
    {"institution.variants", GP_SEV_WARNING,
     "spellings of one institution that no rule resolves yet"},
    {"jsonl.malformed", GP_SEV_ERROR, "a JSON Lines line is not a valid record"},
    {"jsonl.unknown-key", GP_SEV_WARNING, "a JSON record has keys that are not record fields"},
    {"lint.unused-suppression", GP_SEV_INFO, "a suppression in the rules that matched no finding"},
    {"listing.header-incomplete", GP_SEV_ERROR,
     "a listing record lacks institution, country or region"},
    {"listing.truncated", GP_SEV_ERROR, "a listing record is cut off at the end of the file"},
    {"listing.unexpected-text", GP_SEV_WARNING, "listing text outside any record was skipped"},
    {"markup.entity-limit", GP_SEV_ERROR,
     "entity references in XML expand past a limit; text or records were lost"},
    {"markup.malformed", GP_SEV_WARNING, "the HTML or XML input has markup errors"},
    {"markup.unreadable", GP_SEV_ERROR, "the HTML or XML input cannot be parsed"},
    {"practice.chrome", GP_SEV_INFO, "the site's chrome around a practice page was skipped"},
    {"practice.header-incomplete", GP_SEV_WARNING,
     "a practice page lacks its institution, country, region, title or year"},
    {"practice.header-unreadable", GP_SEV_ERROR,
     "a practice page's header line the rules cannot place was left out"},
    {"practice.truncated", GP_SEV_ERROR, "a practice page is cut off inside a topic or a label"},
    {"practice.unexpected-text", GP_SEV_WARNING, "text outside the practice of a page was skipped"},
    {"priority-area.alias", GP_SEV_WARNING,
     "a priority area written other than its canonical label"},
    {"priority-area.former-name", GP_SEV_WARNING, "a priority area label no longer in use"},
    {"priority-area.unknown", GP_SEV_WARNING, "a priority area no rule knows"},
    {"priority-area.variants", GP_SEV_WARNING,
     "spellings of one priority area that no rule resolves yet"},
    {"profile.field-empty", GP_SEV_INFO, "a profile field selected nothing in a record"},
    {"record.conflict", GP_SEV_WARNING, "merged records that disagree on a field"},
    {"record.pattern", GP_SEV_WARNING, "a value breaks a pattern of the rules"},
    {"record.possible-duplicate", GP_SEV_WARNING, "two records that may be the same practice"},
    {"record.range", GP_SEV_ERROR, "a year outside the range the rules allow"},
    {"record.required", GP_SEV_ERROR, "a field the rules require is empty"},
    {"record.year-conflict", GP_SEV_WARNING, "one practice given different implementation years"},
    {"record.year-invalid", GP_SEV_ERROR, "a year is not a four-digit number"},
    {"record.year-order", GP_SEV_ERROR, "an implementation year after the award year"},
    {"region.alias", GP_SEV_OFF, "a region written with another name the rules know"},
    {"region.former-name", GP_SEV_WARNING, "a region name no longer in use for the record's year"},
    {"region.inconsistent", GP_SEV_WARNING, "a country given several regions across the records"},
    {"region.mismatch", GP_SEV_WARNING, "a region other than the one the rules give the country"},
    {"region.translation", GP_SEV_OFF,
     "a region written in another of the site's languages (correct for its page)"},
    {"region.unknown", GP_SEV_WARNING, "a region no rule knows"},
    {"region.variants", GP_SEV_WARNING, "spellings of one region that no rule resolves yet"},
    {"report.input-invalid", GP_SEV_ERROR,
     "a findings, clusters or dataset file given to gp-report is not what it claims"},
    {"text.broken-word", GP_SEV_WARNING, "a word broken at a line end"},
    {"text.confusable", GP_SEV_ERROR, "a look-alike letter of another script inside a Latin word"},
    {"text.control-char", GP_SEV_ERROR, "a control character in text"},
    {"text.footer", GP_SEV_WARNING, "a page footer left inside text"},
    {"text.ligature", GP_SEV_WARNING, "a ligature character left by PDF text extraction"},
    {"text.mojibake", GP_SEV_ERROR, "UTF-8 text that was read as Windows-1252"},
    {"text.replacement-char", GP_SEV_ERROR, "U+FFFD in text: a character was lost earlier"},
    {"text.soft-hyphen", GP_SEV_WARNING, "a soft hyphen in text"},
    {"text.spacing", GP_SEV_WARNING, "doubled spaces, tabs or spaces at either end of text"},
    {"text.truncated", GP_SEV_WARNING, "a description that stops mid-sentence"},
    {"text.zero-width", GP_SEV_WARNING, "an invisible zero-width character in text"},
    {"topic.alias", GP_SEV_WARNING, "a topic written other than its canonical label"},
    {"topic.broader-missing", GP_SEV_INFO, "a topic without the broader topic it implies"},
    {"topic.duplicate", GP_SEV_INFO, "a topic listed twice in one record"},
    {"topic.former-name", GP_SEV_WARNING, "a topic label no longer in use for the record's year"},
    {"topic.translation", GP_SEV_OFF,
     "a topic written in another of the site's languages (correct for its page)"},
    {"topic.unknown", GP_SEV_WARNING, "a topic no rule knows"},
    {"topic.variants", GP_SEV_WARNING, "spellings of one topic that no rule resolves yet"},
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
