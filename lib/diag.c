/*
 * lib/diag.c - diagnostic sinks, the human printer and owned lists of diagnostics.
 *
 * A gp_diag_list keeps each diagnostic as a struct whose strings live in the list's
 * arena, so a list of a million findings is two allocations per block, not six per item.
 */
#include "gpkit/diag.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *gp_severity_name(gp_severity sev)
{
    switch (sev) {
    case GP_SEV_ERROR:
        return "error";
    case GP_SEV_WARNING:
        return "warning";
    case GP_SEV_INFO:
        return "info";
    default:
        return "off";
    }
}

int gp_severity_parse(const char *name, gp_severity *out)
{
    static const struct {
        const char *name;
        gp_severity sev;
    } names[] = {{"error", GP_SEV_ERROR},
                 {"warning", GP_SEV_WARNING},
                 {"info", GP_SEV_INFO},
                 {"off", GP_SEV_OFF},
                 {"note", GP_SEV_INFO}};
    for (size_t i = 0; i < GP_ARRAY_LEN(names); i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].sev;
            return 0;
        }
    }
    return -1;
}

void gp_diag_sink_init(gp_diag_sink *sink, gp_diag_fn fn, void *ctx)
{
    memset(sink, 0, sizeof *sink);
    sink->fn = fn;
    sink->ctx = ctx;
}

/* How many diagnostics of each rule id a capped sink has seen (gp_diag_sink.held). */
typedef struct held_rule {
    char *id;
    size_t seen;
    gp_severity worst; /* of those held back */
} held_rule;

struct gp_diag_held {
    gp_map *index; /* rule id -> position + 1 in rules */
    held_rule *rules;
    size_t len, cap;
};

/* The counts of `rule_id` in a capped sink, NULL when out of memory (then not capped). */
static held_rule *held_find(gp_diag_sink *sink, const char *rule_id)
{
    struct gp_diag_held *h = sink->held;
    if (!h) {
        h = calloc(1, sizeof *h);
        if (!h || gp_map_new(&h->index) != GP_OK) {
            free(h);
            return NULL;
        }
        sink->held = h;
    }
    size_t len = strlen(rule_id);
    void **slot;
    int rc = gp_map_upsert(h->index, rule_id, len, &slot);
    if (rc == 0)
        return &h->rules[(size_t)(uintptr_t)*slot - 1];
    if (rc < 0 || GP_GROW(h->rules, h->cap, h->len + 1) != GP_OK)
        return NULL;
    held_rule *r = &h->rules[h->len];
    memset(r, 0, sizeof *r);
    r->id = gp__strndup(rule_id, len);
    if (!r->id)
        return NULL;
    *slot = (void *)(uintptr_t)(++h->len);
    return r;
}

int gp_diag_emit(gp_diag_sink *sink, const gp_diag *d)
{
    gp_diag copy = *d;
    if (sink->level_fn && d->rule_id)
        copy.severity = sink->level_fn(sink->level_ctx, d->rule_id, d->severity);
    if (copy.severity <= GP_SEV_OFF || copy.severity >= GP_SEV_COUNT)
        return 0;
    sink->count[copy.severity]++;
    if (sink->max_per_rule && d->rule_id) {
        held_rule *r = held_find(sink, d->rule_id);
        if (r && r->seen++ >= sink->max_per_rule) {
            if (copy.severity > r->worst)
                r->worst = copy.severity;
            return 0;
        }
    }
    return sink->fn ? sink->fn(sink->ctx, &copy) : 0;
}

/* "1,234,567": a count a reader takes in at a glance, the same in every locale. */
static void group_thousands(size_t n, char *out, size_t cap)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%zu", n);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < cap; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

int gp_diag_sink_summarize(gp_diag_sink *sink)
{
    struct gp_diag_held *h = sink->held;
    if (!h)
        return 0;
    int rc = 0;
    for (size_t i = 0; i < h->len; i++) {
        held_rule *r = &h->rules[i];
        if (r->seen > sink->max_per_rule && sink->fn && rc == 0) {
            char count[32];
            gp_buf msg = GP_BUF_INIT;
            group_thousands(r->seen - sink->max_per_rule, count, sizeof count);
            gp_buf_printf(&msg, "and %s more '%s'", count, r->id);
            if (sink->held_note)
                gp_buf_printf(&msg, "; %s", sink->held_note);
            gp_diag g = GP_DIAG_INIT;
            g.severity = r->worst;
            g.message = msg.oom ? "and more" : gp_buf_str(&msg);
            rc = sink->fn(sink->ctx, &g);
            gp_buf_free(&msg);
        }
        free(r->id);
    }
    gp_map_free(h->index);
    free(h->rules);
    free(h);
    sink->held = NULL;
    return rc;
}

int gp_diag_vreport(gp_diag_sink *sink, const gp_diag *base, const char *fmt, va_list ap)
{
    gp_buf msg = GP_BUF_INIT;
    gp_buf_vprintf(&msg, fmt, ap);
    gp_diag d = *base;
    d.message = msg.oom ? "out of memory while formatting a diagnostic" : gp_buf_str(&msg);
    int rc = gp_diag_emit(sink, &d);
    gp_buf_free(&msg);
    return rc;
}

int gp_diag_emitf(gp_diag_sink *sink, const gp_diag *base, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = gp_diag_vreport(sink, base, fmt, ap);
    va_end(ap);
    return rc;
}

int gp_diag_report(gp_diag_sink *sink, gp_severity sev, const char *rule_id, const char *file,
                   long line, long column, const char *fmt, ...)
{
    gp_diag d = GP_DIAG_INIT;
    d.severity = sev;
    d.rule_id = rule_id;
    d.file = file;
    d.line = line;
    d.column = column;
    va_list ap;
    va_start(ap, fmt);
    int rc = gp_diag_vreport(sink, &d, fmt, ap);
    va_end(ap);
    return rc;
}

gp_severity gp_diag_sink_worst(const gp_diag_sink *sink)
{
    for (int s = GP_SEV_COUNT - 1; s > GP_SEV_OFF; s--)
        if (sink->count[s])
            return (gp_severity)s;
    return GP_SEV_OFF;
}

void gp_diag_print_human(FILE *out, const gp_diag *d, int color)
{
    static const char *colors[GP_SEV_COUNT] = {"", "\033[1;36m", "\033[1;35m", "\033[1;31m"};
    if (d->file) {
        fputs(d->file, out);
        if (d->line > 0) {
            fprintf(out, ":%ld", d->line);
            if (d->column > 0)
                fprintf(out, ":%ld", d->column);
        } else if (d->offset >= 0) {
            fprintf(out, ":@%lld", d->offset);
        }
        fputs(": ", out);
    }
    const char *sev = gp_severity_name(d->severity);
    if (color && d->severity > GP_SEV_OFF && d->severity < GP_SEV_COUNT)
        fprintf(out, "%s%s:\033[0m ", colors[d->severity], sev);
    else
        fprintf(out, "%s: ", sev);
    fputs(d->message ? d->message : "", out);
    if (d->rule_id)
        fprintf(out, " [%s]", d->rule_id);
    fputc('\n', out);
}

struct gp_diag_list {
    gp_diag *items;
    size_t len;
    size_t cap;
    gp_arena *arena;
    const char *last_file; /* the last finding's file, kept once for a run of them */
};

int gp_diag_list_new(gp_diag_list **out)
{
    gp_diag_list *l = calloc(1, sizeof *l);
    if (!l || gp_arena_new(&l->arena) != 0) {
        free(l);
        return GP_ENOMEM;
    }
    *out = l;
    return GP_OK;
}

void gp_diag_list_free(gp_diag_list *list)
{
    if (!list)
        return;
    free(list->items);
    gp_arena_free(list->arena);
    free(list);
}

static int copy_str(gp_arena *a, const char **s)
{
    if (!*s)
        return 0;
    *s = gp_arena_strdup(a, *s);
    return *s ? 0 : -1;
}

int gp_diag_list_collect(void *ctx, const gp_diag *d)
{
    gp_diag_list *l = ctx;
    if (GP_GROW(l->items, l->cap, l->len + 1) != GP_OK)
        return GP_ENOMEM;
    gp_diag c = *d;
    /* most findings of a run are in one file: one copy, which the sort compares by address */
    if (c.file && l->last_file && strcmp(c.file, l->last_file) == 0)
        c.file = l->last_file;
    else if (copy_str(l->arena, &c.file))
        return GP_ENOMEM;
    else
        l->last_file = c.file;
    if (copy_str(l->arena, &c.rule_id) || copy_str(l->arena, &c.message) ||
        copy_str(l->arena, &c.record_id) || copy_str(l->arena, &c.pointer) ||
        copy_str(l->arena, &c.value) || copy_str(l->arena, &c.fix) ||
        copy_str(l->arena, &c.cluster))
        return GP_ENOMEM;
    l->items[l->len++] = c;
    return 0;
}

void gp_diag_list_clear(gp_diag_list *list)
{
    list->len = 0;
    list->last_file = NULL;
    gp_arena_reset(list->arena);
}

size_t gp_diag_list_len(const gp_diag_list *list)
{
    return list->len;
}

const gp_diag *gp_diag_list_get(const gp_diag_list *list, size_t i)
{
    return i < list->len ? &list->items[i] : NULL;
}

static int strcmp_null(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int diag_cmp(const void *pa, const void *pb)
{
    const gp_diag *a = pa, *b = pb;
    int c = a->file == b->file ? 0 : strcmp_null(a->file, b->file);
    if (c)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->column != b->column)
        return a->column < b->column ? -1 : 1;
    if ((c = strcmp_null(a->rule_id, b->rule_id)))
        return c;
    return strcmp_null(a->message, b->message);
}

void gp_diag_list_sort(gp_diag_list *list)
{
    /* qsort is not stable; ties on every key are identical lines, so order is moot. */
    if (list->len > 1)
        qsort(list->items, list->len, sizeof *list->items, diag_cmp);
}
