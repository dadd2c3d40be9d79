/*
 * gpkit/diag.h - diagnostics as values.
 *
 * A diagnostic is one finding about the input or the rules: a severity, a stable rule
 * id ("topic.unknown"), a one-line message a curator understands and, when known, the
 * place it points at (file, line and column counted from 1, columns in characters, or a
 * byte offset). The library never prints: it hands each diagnostic to a gp_diag_sink,
 * whose callback decides what to do (print it, keep it in a gp_diag_list, count it).
 *
 * Message wording: lower case, no final period, what failed first, the subject quoted:
 * "topic 'Programme & evaluation' is written 'Programme evaluation'".
 *
 * Ownership: a gp_diag passed to a callback, and every string in it, is borrowed for the
 * duration of the call; copy what you keep (gp_diag_list does).
 */
#ifndef GPKIT_DIAG_H
#define GPKIT_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gp_severity {
    GP_SEV_OFF = 0, /* a check switched off by the rules; never emitted */
    GP_SEV_INFO = 1,
    GP_SEV_WARNING = 2,
    GP_SEV_ERROR = 3
} gp_severity;

#define GP_SEV_COUNT 4

/* "error", "warning", "info", "off". */
const char *gp_severity_name(gp_severity sev);
/* Parses a severity name; returns 0 and sets *out, or -1 for an unknown name. */
int gp_severity_parse(const char *name, gp_severity *out);

typedef struct gp_diag {
    gp_severity severity;
    const char *rule_id;   /* stable id such as "input.invalid-utf8" */
    const char *message;   /* one line, no final period */
    const char *file;      /* the file as given by the user, NULL when none */
    long line;             /* from 1; 0 when unknown */
    long column;           /* from 1, in characters; 0 when unknown */
    long long offset;      /* byte offset in the file; -1 when unknown */
    const char *record_id; /* id of the record concerned, NULL when none */
    const char *pointer;   /* RFC 6901 pointer to the field ("/topics/3"), NULL when none */
    const char *value;     /* the offending value, NULL when none */
    const char *fix;       /* replacement for `value` when the fix is certain, else NULL */
    const char *cluster;   /* <kind>.variants: the cluster as one JSON object (its layout is
                              in docs/findings.schema.json), else NULL */
} gp_diag;

/* A diagnostic with every place unknown; fill in what you know. */
#define GP_DIAG_INIT                                                                               \
    {                                                                                              \
        GP_SEV_ERROR, NULL, NULL, NULL, 0, 0, -1, NULL, NULL, NULL, NULL, NULL                     \
    }

/* Return 0 to go on; anything else is passed back by gp_diag_emit. */
typedef int (*gp_diag_fn)(void *ctx, const gp_diag *d);

/*
 * Maps a rule id to the level the rule set gives it (rules may raise, lower or switch
 * off a check). Returns `fallback` when the rules say nothing about `rule_id`.
 */
typedef gp_severity (*gp_level_fn)(void *ctx, const char *rule_id, gp_severity fallback);

typedef struct gp_diag_sink {
    gp_diag_fn fn; /* may be NULL: diagnostics are then only counted */
    void *ctx;
    gp_level_fn level_fn; /* may be NULL */
    void *level_ctx;
    size_t count[GP_SEV_COUNT]; /* diagnostics emitted, by final severity */
    /*
     * 0: every diagnostic reaches fn. Otherwise only the first `max_per_rule` of each
     * rule id do; the others are still counted above, and gp_diag_sink_summarize says
     * how many each rule id held back. A hostile file of a million identical mistakes
     * then costs a screenful, not a million lines. Such a sink must be summarized
     * before it goes away (that frees its per-rule counts).
     */
    size_t max_per_rule;
    struct gp_diag_held *held; /* per-rule counts, made on first use */
    /* NULL, or added to each "and N more" line after "; " (where to find them all). */
    const char *held_note;
} gp_diag_sink;

void gp_diag_sink_init(gp_diag_sink *sink, gp_diag_fn fn, void *ctx);

/*
 * Passes one line per rule id that held diagnostics back, in the order the rule ids
 * were first met: "and 1,234 more 'rule.id'" (digits grouped by three, then
 * "; <held_note>" when the sink has one), at their highest severity, with no place and
 * no rule id of its own (it is not counted again). Then forgets the counts. Returns
 * what the callback returned (0 when none).
 */
int gp_diag_sink_summarize(gp_diag_sink *sink);

/*
 * Applies the level override, counts and forwards `d`. A diagnostic whose level is
 * GP_SEV_OFF is dropped. Returns what the callback returned (0 when none).
 */
int gp_diag_emit(gp_diag_sink *sink, const gp_diag *d);

/* Formats the message and emits a diagnostic at a file position (line/column may be 0). */
int gp_diag_report(gp_diag_sink *sink, gp_severity sev, const char *rule_id, const char *file,
                   long line, long column, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Emits a copy of `base` with the formatted message. */
int gp_diag_emitf(gp_diag_sink *sink, const gp_diag *base, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int gp_diag_vreport(gp_diag_sink *sink, const gp_diag *base, const char *fmt, va_list ap);

/* The highest severity emitted so far, GP_SEV_OFF when none. */
gp_severity gp_diag_sink_worst(const gp_diag_sink *sink);

/*
 * The human format, one line: "file:line:col: severity: message [rule-id]". Parts that
 * are unknown are left out ("file: error: ...", "error: ..."). With `color`, the
 * severity is coloured with ANSI escapes (tools pass isatty()).
 */
void gp_diag_print_human(FILE *out, const gp_diag *d, int color);

/* A growable list of owned copies of diagnostics. */
typedef struct gp_diag_list gp_diag_list;

int gp_diag_list_new(gp_diag_list **out);
void gp_diag_list_free(gp_diag_list *list);
/* A gp_diag_fn that appends a copy of each diagnostic to the list given as ctx. */
int gp_diag_list_collect(void *list, const gp_diag *d);
size_t gp_diag_list_len(const gp_diag_list *list);
/* Empties the list (keeping its memory for reuse). */
void gp_diag_list_clear(gp_diag_list *list);
/* Borrowed; valid until the list changes or is freed. */
const gp_diag *gp_diag_list_get(const gp_diag_list *list, size_t i);
/* Stable sort by file, line, column, rule id, message. */
void gp_diag_list_sort(gp_diag_list *list);

#ifdef __cplusplus
}
#endif
#endif
