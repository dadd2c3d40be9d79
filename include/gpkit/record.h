/*
 * gpkit/record.h - the record model and its JSON Lines form.
 *
 * One record is one good practice as a source gives it (raw, from gp-extract) or as the
 * dataset keeps it (canonical, from gp-norm and gp-dedup). Both have the same fields; in
 * a raw record most may be absent, a year may still be the text the source wrote, and
 * each source may list where in the dump every field was read (`fields`).
 *
 * JSON form: one object per line with every field present (null or [] when absent), keys
 * sorted and strings escaped as RFC 8785 (JSON Canonicalization Scheme) requires. The
 * schema is docs/record.schema.json.
 *
 * Ownership: every string and array of a record lives in the gp_arena given to
 * gp_record_init. The record does not own the arena; resetting or freeing the arena
 * ends the record. Setters copy their arguments into the arena.
 */
#ifndef GPKIT_RECORD_H
#define GPKIT_RECORD_H

#include <stddef.h>

#include "gpkit/diag.h"
#include "gpkit/mem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The fields, in the order of their JSON keys (RFC 8785 sorts keys). */
typedef enum gp_field {
    GP_F_AWARD,
    GP_F_AWARD_YEAR,
    GP_F_COUNTRY,
    GP_F_COUNTRY_CODE,
    GP_F_DESCRIPTION,
    GP_F_ID,
    GP_F_IMPLEMENTATION_YEAR,
    GP_F_INSTITUTION,
    GP_F_JURY_COMMENT,
    GP_F_PRIORITY_AREAS,
    GP_F_REGION,
    GP_F_SOURCES,
    GP_F_TITLE,
    GP_F_TOPICS,
    GP_F_COUNT
} gp_field;

/* "award_year"; NULL for an out-of-range value. */
const char *gp_field_name(gp_field f);
/* The field of that JSON key, or -1. */
int gp_field_lookup(const char *name, size_t len);
/* Whether the field holds a list of strings (topics, priority areas). */
int gp_field_is_list(gp_field f);
/* Whether the field holds a year. */
int gp_field_is_year(gp_field f);

/* A year: a number, or the text a source wrote where a number should be. */
typedef struct gp_year {
    int value;        /* > 0 when known */
    const char *text; /* non-NULL only when the source gave something that is not a year */
} gp_year;

typedef struct gp_strlist {
    const char **items;
    size_t len;
    size_t cap;
} gp_strlist;

/* Where a field of a raw record was read: "/topics/2" at line 31, column 1. */
typedef struct gp_fieldpos {
    const char *pointer;
    long line;
    long column;
} gp_fieldpos;

typedef struct gp_source {
    const char *file;    /* the file as the user gave it; "-" for standard input */
    long line;           /* the line where the record starts, from 1 */
    const char *format;  /* "listing", "booklet", "html", "xml" or "jsonl" */
    gp_fieldpos *fields; /* raw records only: where each field was read */
    size_t nfields;
    size_t fields_cap;
} gp_source;

typedef struct gp_record {
    gp_arena *arena;
    const char *id;
    const char *institution;
    const char *country;
    const char *country_code;
    const char *region;
    gp_year implementation_year;
    gp_year award_year;
    const char *title;
    const char *description;
    gp_strlist topics;
    gp_strlist priority_areas;
    const char *award;
    const char *jury_comment;
    gp_source *sources;
    size_t nsources;
    size_t sources_cap;
} gp_record;

/* An empty record whose strings will live in `arena`. */
void gp_record_init(gp_record *rec, gp_arena *arena);

/* Copies `len` bytes of `value` into the field (a string field; NULL clears it). */
int gp_record_set(gp_record *rec, gp_field f, const char *value, size_t len);
/*
 * The pointer slot of a string field, NULL for other fields. For code that replaces a
 * value by a string that already lives in the record's arena or longer.
 */
const char **gp_record_slot(gp_record *rec, gp_field f);
/* The string field's value or NULL (not for lists, years or sources). */
const char *gp_record_get(const gp_record *rec, gp_field f);
/* The list field (topics or priority areas). */
gp_strlist *gp_record_list(gp_record *rec, gp_field f);
const gp_strlist *gp_record_list_const(const gp_record *rec, gp_field f);
/* The year field (implementation or award year). */
gp_year *gp_record_year(gp_record *rec, gp_field f);

/* Appends a copy of the string to a list of the record. */
int gp_strlist_push(gp_arena *arena, gp_strlist *list, const char *s, size_t len);
/* Appends a source; the strings are copied. Returns the new source or NULL (OOM). */
gp_source *gp_record_add_source(gp_record *rec, const char *file, long line, const char *format);
/* Records where a field of the source was read. */
int gp_source_add_field(gp_arena *arena, gp_source *src, const char *pointer, long line,
                        long column);
/* Line of the field in the first source (falls back to the record's line), 0 if none. */
long gp_record_field_line(const gp_record *rec, const char *pointer, long *column);

/* Deep copy of `src` into `dst`, whose strings will live in `arena`. */
int gp_record_copy(gp_record *dst, const gp_record *src, gp_arena *arena);

/*
 * Parses a year as a source writes it. Returns 1 and sets *out for four digits between
 * 1000 and 2999 (surrounding white space allowed), 0 otherwise.
 */
int gp_year_parse(const char *s, size_t len, int *out);

/* Appends the record as one line of canonical JSON (RFC 8785) and a newline. */
void gp_record_write_json(const gp_record *rec, gp_buf *out, int with_field_positions);

/* Appends `s` as a JSON string as RFC 8785 writes it (quotes included). */
void gp_json_write_string(gp_buf *out, const char *s, size_t len);

/*
 * Why a JSON line was not a record: a message and the column (from 1, in characters).
 * Also set when the line was read: `nuls` "\u0000" escapes were replaced by U+FFFD (a
 * NUL cannot be kept in a C string, and silently cutting the text there loses it), the
 * first at column `nul_column`; the caller reports them.
 */
typedef struct gp_json_error {
    char message[160];
    long column;
    long nuls;
    long nul_column;
} gp_json_error;

/*
 * Parses one JSON Lines line into `rec` (initialised by the caller). The line must be
 * valid UTF-8 (gp_input guarantees it). Keys that are not record fields are skipped
 * and named in `unknown` (may be NULL), each followed by a NUL byte, so that any key,
 * even an empty one, can be told apart. Returns GP_OK, or
 * GP_EPARSE with `err` filled for malformed JSON or a field of the wrong type.
 */
int gp_record_read_json(gp_record *rec, const char *line, size_t len, gp_buf *unknown,
                        gp_json_error *err);

#ifdef __cplusplus
}
#endif
#endif
