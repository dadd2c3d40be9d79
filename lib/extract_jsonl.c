/*
 * lib/extract_jsonl.c - records already extracted, one JSON object per line.
 *
 * Each line is parsed and checked as a record (gp_record_read_json). A record keeps the
 * sources it carries, so provenance survives any number of passes; one without sources
 * gets this file and line. A malformed line is reported with its place and skipped;
 * blank lines are ignored.
 */
#include <string.h>

#include "extract_impl.h"

int gp__extract_jsonl(gp_extractor *ex, gp_input *in)
{
    gp_line ln;
    int rc;
    gp_buf unknown = GP_BUF_INIT;
    while ((rc = gp_input_next_line(in, &ln)) > 0) {
        if (gp__is_blank(ln.text, ln.len))
            continue;
        gp_arena_reset(ex->arena);
        gp_record_init(&ex->rec, ex->arena);
        gp_json_error err;
        gp_buf_reset(&unknown);
        rc = gp_record_read_json(&ex->rec, ln.text, ln.len, &unknown, &err);
        if (rc == GP_EPARSE) {
            gp_diag_report(ex->diags, GP_SEV_ERROR, "jsonl.malformed", ex->file, ln.number,
                           err.column, "not a record: %s; line skipped", err.message);
            continue;
        }
        if (rc)
            break;
        if (unknown.len)
            gp_diag_report(ex->diags, GP_SEV_WARNING, "jsonl.unknown-key", ex->file, ln.number, 1,
                           "keys that are not record fields were dropped: %s",
                           gp_buf_str(&unknown));
        if (ex->rec.nsources == 0 && !gp_record_add_source(&ex->rec, ex->file, ln.number, "jsonl")) {
            rc = GP_ENOMEM;
            break;
        }
        rc = gp__extract_emit(ex);
        if (rc)
            break;
    }
    gp_buf_free(&unknown);
    return rc;
}
