/*
 * lib/extract_jsonl.c - records already extracted, one JSON object per line.
 *
 * Each line is parsed and checked as a record (gp_record_read_json). A record keeps the
 * sources it carries, so provenance survives any number of passes; one without sources
 * gets this file and line. A malformed line is reported with its place and skipped;
 * blank lines are ignored. A "\u0000" escape is kept as U+FFFD and reported (input.nul),
 * as a NUL byte in a text file is. A key that is not a record field is dropped with a warning
 * that points at it and names the field it most likely misspells.
 */
#include <string.h>

#include "extract_impl.h"
#include "gpkit/text.h"
#include "ydoc.h"

/* Column of `"key":` in the line, 1 when it cannot be found (an escaped key). */
static long key_column(const char *line, size_t len, const char *key, size_t klen)
{
    for (size_t i = 0; i + klen + 2 <= len; i++) {
        const char *q = memchr(line + i, '"', len - i);
        if (!q)
            break;
        i = (size_t)(q - line);
        size_t j = i + 1 + klen;
        if (j >= len || memcmp(q + 1, key, klen) != 0 || line[j] != '"')
            continue;
        j++;
        while (j < len && (line[j] == ' ' || line[j] == '\t'))
            j++;
        if (j < len && line[j] == ':')
            return (long)gp_text_char_count(line, i) + 1;
    }
    return 1;
}

/* Warns about each key of `unknown` (NUL-terminated keys, as gp_record_read_json gives). */
static void report_unknown(gp_diag_sink *diags, const char *file, const gp_line *ln,
                           const gp_buf *unknown)
{
    const char *fields[GP_F_COUNT + 1];
    for (int f = 0; f < GP_F_COUNT; f++)
        fields[f] = gp_field_name((gp_field)f);
    fields[GP_F_COUNT] = NULL;
    for (size_t at = 0; at < unknown->len;) {
        const char *k = unknown->data + at;
        size_t klen = strlen(k);
        long col = key_column(ln->text, ln->len, k, klen);
        const char *hint = klen ? gp_y_suggest(k, fields) : NULL;
        if (hint)
            gp_diag_report(diags, GP_SEV_WARNING, "jsonl.unknown-key", file, ln->number, col,
                           "unknown key '%s' dropped; did you mean '%s'?", k, hint);
        else
            gp_diag_report(diags, GP_SEV_WARNING, "jsonl.unknown-key", file, ln->number, col,
                           "unknown key '%s' dropped", k);
        at += klen + 1;
    }
}

/* A year given as text: a number in a string is taken, anything else reported. */
static void check_year(gp_record *rec, gp_diag_sink *diags, const char *file, const gp_line *ln,
                       gp_field f)
{
    gp_year *y = gp_record_year(rec, f);
    int v;
    if (!y->text)
        return;
    if (gp_year_parse(y->text, strlen(y->text), &v)) {
        y->value = v;
        y->text = NULL;
        return;
    }
    const char *name = gp_field_name(f);
    long col = key_column(ln->text, ln->len, name, strlen(name));
    gp_diag_report(diags, GP_SEV_ERROR, "record.year-invalid", file, ln->number, col,
                   "%s '%s' is not a year; kept as text",
                   f == GP_F_AWARD_YEAR ? "award year" : "implementation year", y->text);
}

int gp_jsonl_parse_line(gp_record *rec, gp_arena *arena, const char *file, const gp_line *ln,
                        gp_diag_sink *diags)
{
    gp_record_init(rec, arena);
    gp_json_error err;
    gp_buf unknown = GP_BUF_INIT; /* allocates only when a line has unknown keys */
    int rc = gp_record_read_json(rec, ln->text, ln->len, &unknown, &err);
    if (rc == GP_EPARSE) {
        gp_diag_report(diags, GP_SEV_ERROR, "jsonl.malformed", file, ln->number, err.column,
                       "not a record: %s; line skipped", err.message);
        gp_buf_free(&unknown);
        return 0;
    }
    if (!rc && gp_buf_error(&unknown))
        rc = GP_ENOMEM;
    if (!rc && unknown.len)
        report_unknown(diags, file, ln, &unknown);
    gp_buf_free(&unknown);
    if (rc)
        return rc;
    if (err.nuls == 1)
        gp_diag_report(diags, GP_SEV_ERROR, "input.nul", file, ln->number, err.nul_column,
                       "'\\u0000' in a string; replaced by U+FFFD");
    else if (err.nuls > 1)
        gp_diag_report(diags, GP_SEV_ERROR, "input.nul", file, ln->number, err.nul_column,
                       "'\\u0000' in a string and %ld more on this line; replaced by U+FFFD",
                       err.nuls - 1);
    check_year(rec, diags, file, ln, GP_F_IMPLEMENTATION_YEAR);
    check_year(rec, diags, file, ln, GP_F_AWARD_YEAR);
    if (rec->nsources == 0 && !gp_record_add_source(rec, file, ln->number, "jsonl"))
        return GP_ENOMEM;
    return 1;
}

int gp__extract_jsonl(gp_extractor *ex, gp_input *in)
{
    gp_line ln;
    int rc;
    while ((rc = gp_input_next_line(in, &ln)) > 0) {
        if (gp__is_blank(ln.text, ln.len))
            continue;
        if (ex->line_fn) {
            ex->records++;
            if ((rc = ex->line_fn(ex->line_ctx, ex->file, &ln)))
                break;
            continue;
        }
        gp_arena_reset(ex->arena);
        rc = gp_jsonl_parse_line(&ex->rec, ex->arena, ex->file, &ln, ex->diags);
        if (rc < 0)
            break;
        if (rc > 0 && (rc = gp__extract_emit(ex)))
            break;
    }
    return rc;
}
