/*
 * lib/findings.c - findings in human, JSON Lines, SARIF 2.1.0, GitHub and Markdown form,
 * their fingerprints, and baselines.
 *
 * JSON and SARIF are built with jansson and written by it (no canonical form is needed
 * there). A baseline is a JSON document with one finding per line, sorted by
 * fingerprint, so that a change to it reads well in a code review.
 */
#include "gpkit/findings.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "gpkit/checks.h"
#include "gpkit/common.h"
#include "gpkit/config.h"
#include "gpkit/record.h"
#include "internal.h"

int gp_findings_format_parse(const char *name, gp_findings_format *out)
{
    static const char *const names[] = {"human", "json", "sarif", "github", "markdown"};
    for (size_t i = 0; i < GP_ARRAY_LEN(names); i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (gp_findings_format)i;
            return 0;
        }
    }
    return -1;
}

void gp_finding_fingerprint(const gp_diag *d, char out[17])
{
    gp_buf b = GP_BUF_INIT;
    const char *parts[4] = {d->rule_id, d->record_id ? d->record_id : d->file, d->pointer,
                            d->value ? d->value : d->message};
    for (size_t i = 0; i < 4; i++) {
        if (parts[i])
            gp_buf_puts(&b, parts[i]);
        gp_buf_putc(&b, '\x1f');
    }
    snprintf(out, 17, "%016llx", (unsigned long long)XXH3_64bits(gp_buf_str(&b), b.len));
    gp_buf_free(&b);
}

/* ---- baselines ---- */

struct gp_baseline {
    gp_map *prints;
};

int gp_baseline_load(gp_baseline **out, const char *path, gp_diag_sink *diags)
{
    *out = NULL;
    /* Opened here, not by jansson: a missing file is said as every tool says it. */
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        gp_diag_report(diags, GP_SEV_ERROR, "input.unreadable", NULL, 0, 0,
                       "cannot open baseline '%s': %s", path, strerror(e));
        return GP_EIO;
    }
    json_error_t err;
    json_t *root = json_loadf(f, 0, &err);
    fclose(f);
    json_t *list = root ? json_object_get(root, "findings") : NULL;
    if (!json_is_array(list)) {
        gp_diag_report(diags, GP_SEV_ERROR, "input.unreadable", path, root ? 0 : err.line,
                       root ? 0 : err.column, "not a baseline: %s",
                       root ? "no 'findings' list" : err.text);
        json_decref(root);
        return GP_EPARSE;
    }
    gp_baseline *b = calloc(1, sizeof *b);
    if (!b || gp_map_new(&b->prints) != GP_OK) {
        free(b);
        json_decref(root);
        return GP_ENOMEM;
    }
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *fp = json_string_value(json_object_get(item, "fingerprint"));
        if (fp && gp_map_put(b->prints, fp, strlen(fp), (void *)1) != GP_OK) {
            gp_baseline_free(b);
            json_decref(root);
            return GP_ENOMEM;
        }
    }
    json_decref(root);
    *out = b;
    return GP_OK;
}

void gp_baseline_free(gp_baseline *b)
{
    if (!b)
        return;
    gp_map_free(b->prints);
    free(b);
}

int gp_baseline_has(const gp_baseline *b, const char *fingerprint)
{
    return b && gp_map_get(b->prints, fingerprint, strlen(fingerprint)) != NULL;
}

typedef struct printed {
    char fp[17];
    const gp_diag *d;
} printed;

static int printed_cmp(const void *a, const void *b)
{
    return strcmp(((const printed *)a)->fp, ((const printed *)b)->fp);
}

int gp_baseline_write(const char *path, const gp_diag_list *list)
{
    size_t n = gp_diag_list_len(list);
    printed *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        return GP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        p[i].d = gp_diag_list_get(list, i);
        gp_finding_fingerprint(p[i].d, p[i].fp);
    }
    qsort(p, n, sizeof *p, printed_cmp);
    FILE *f = fopen(path, "w");
    if (!f) {
        free(p);
        return GP_EIO;
    }
    fputs("{\n  \"gpkit_baseline\": 1,\n  \"findings\": [", f);
    size_t written = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(p[i].fp, p[i - 1].fp) == 0)
            continue;
        json_t *o = json_pack("{s:s, s:s?, s:s?}", "fingerprint", p[i].fp, "rule", p[i].d->rule_id,
                              "message", p[i].d->message);
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        fprintf(f, "%s\n    %s", written++ ? "," : "", s ? s : "{}");
        free(s);
        json_decref(o);
    }
    fputs(written ? "\n  ]\n}\n" : "]\n}\n", f);
    free(p);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? GP_EIO : GP_OK;
}

/* ---- writers ---- */

static const char *sarif_level(gp_severity s)
{
    return s == GP_SEV_ERROR ? "error" : s == GP_SEV_WARNING ? "warning" : "note";
}

static int out_status(FILE *out)
{
    if (fflush(out) != 0 || ferror(out))
        return errno == EPIPE ? GP_EPIPE : GP_EIO;
    return GP_OK;
}

static void json_field(gp_buf *b, const char *key, const char *value, int first)
{
    if (!first)
        gp_buf_putc(b, ',');
    gp_json_write_string(b, key, strlen(key));
    gp_buf_putc(b, ':');
    if (value)
        gp_json_write_string(b, value, strlen(value));
    else
        gp_buf_puts(b, "null");
}

static void json_number(gp_buf *b, const char *key, long v)
{
    gp_buf_putc(b, ',');
    gp_json_write_string(b, key, strlen(key));
    gp_buf_putc(b, ':');
    if (v > 0)
        gp_buf_put_long(b, v);
    else
        gp_buf_puts(b, "null");
}

/* One finding as a JSON line, keys sorted (written directly: a million findings is common). */
static int write_json(FILE *out, const gp_diag_list *list, const unsigned char *is_new)
{
    gp_buf b = GP_BUF_INIT;
    for (size_t i = 0; i < gp_diag_list_len(list); i++) {
        const gp_diag *d = gp_diag_list_get(list, i);
        char fp[17];
        gp_finding_fingerprint(d, fp);
        gp_buf_reset(&b);
        gp_buf_putc(&b, '{');
        int first = 1;
        if (is_new) {
            json_field(&b, "baseline", is_new[i] ? "new" : "unchanged", 1);
            first = 0;
        }
        if (d->cluster) { /* already JSON: the object the linter built */
            if (!first)
                gp_buf_putc(&b, ',');
            gp_buf_puts(&b, "\"cluster\":");
            gp_buf_puts(&b, d->cluster);
            first = 0;
        }
        if (!first)
            gp_buf_putc(&b, ',');
        gp_buf_puts(&b, "\"column\":");
        if (d->column > 0)
            gp_buf_put_long(&b, d->column);
        else
            gp_buf_puts(&b, "null");
        json_field(&b, "file", d->file, 0);
        json_field(&b, "fingerprint", fp, 0);
        json_field(&b, "fix", d->fix, 0);
        json_field(&b, "level", gp_severity_name(d->severity), 0);
        json_number(&b, "line", d->line);
        json_field(&b, "message", d->message ? d->message : "", 0);
        json_field(&b, "pointer", d->pointer, 0);
        json_field(&b, "record_id", d->record_id, 0);
        json_field(&b, "rule", d->rule_id ? d->rule_id : "", 0);
        json_field(&b, "value", d->value, 0);
        gp_buf_puts(&b, "}\n");
        if (b.oom) {
            gp_buf_free(&b);
            return GP_ENOMEM;
        }
        if (fwrite(b.data, 1, b.len, out) != b.len)
            break;
    }
    gp_buf_free(&b);
    return out_status(out);
}

/* "topic.alias" -> "TopicAlias": SARIF's friendly rule name. */
static void rule_name(const char *id, char *out, size_t cap)
{
    size_t n = 0;
    int up = 1;
    for (const char *p = id; *p && n + 1 < cap; p++) {
        if (*p == '.' || *p == '-') {
            up = 1;
            continue;
        }
        out[n++] = (char)(up && *p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        up = 0;
    }
    out[n] = '\0';
}

/* A relative path as a URI reference: percent-encode what a URI may not hold. */
static char *uri_of(const char *path)
{
    gp_buf b = GP_BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            gp_buf_putc(&b, (char)*p);
        else
            gp_buf_printf(&b, "%%%02X", *p);
    }
    return gp_buf_detach(&b);
}

/* docs/checks.md's anchor for a rule id as GitHub writes it: lower case, '.' dropped. */
static void doc_anchor(gp_buf *b, const char *id)
{
    for (const char *p = id; *p; p++)
        if (*p != '.')
            gp_buf_putc(b, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
}

static json_t *sarif_rule(const gp_check_info *c, gp_ruleset *rules, const char *help_uri)
{
    const gp_check_doc *doc = rules ? gp_ruleset_check(rules, c->id) : NULL;
    char name[64];
    rule_name(c->id, name, sizeof name);
    gp_buf help = GP_BUF_INIT, md = GP_BUF_INIT, uri = GP_BUF_INIT;
    const char *desc = doc && doc->description ? doc->description : c->summary;
    gp_buf_puts(&help, desc);
    gp_buf_printf(&md, "**%s** (`%s`)\n\n%s", name, c->id, desc);
    if (doc && doc->bad) {
        gp_buf_printf(&help, "\nBad: %s", doc->bad);
        gp_buf_printf(&md, "\n\nBad:\n```\n%s\n```", doc->bad);
    }
    if (doc && doc->good) {
        gp_buf_printf(&help, "\nGood: %s", doc->good);
        gp_buf_printf(&md, "\n\nGood:\n```\n%s\n```", doc->good);
    }
    gp_buf_printf(&uri, "%s#", help_uri);
    doc_anchor(&uri, c->id);
    /* the part before the dot groups the checks (input, listing, hygiene, ...) */
    const char *dot = strchr(c->id, '.');
    char category[32];
    snprintf(category, sizeof category, "%.*s", dot ? (int)(dot - c->id) : (int)strlen(c->id),
             c->id);
    gp_severity level = doc && doc->has_level ? doc->level : c->level;
    json_t *r =
        json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s}, s:s, s:{s:s, s:b}, s:{s:[s, s, s]}}",
                  "id", c->id, "name", name, "shortDescription", "text", c->summary,
                  "fullDescription", "text", desc, "help", "text", gp_buf_str(&help), "markdown",
                  gp_buf_str(&md), "helpUri", gp_buf_str(&uri), "defaultConfiguration", "level",
                  level == GP_SEV_OFF ? "none" : sarif_level(level), "enabled", level != GP_SEV_OFF,
                  "properties", "tags", "gpkit", "data-quality", category);
    gp_buf_free(&help);
    gp_buf_free(&md);
    gp_buf_free(&uri);
    return r;
}

/* Resolves "." and ".." in an absolute path, in place (for files that do not exist). */
static void squeeze_path(char *p)
{
    char *out = p;
    for (char *in = p; *in;) {
        while (*in == '/')
            in++;
        char *seg = in;
        while (*in && *in != '/')
            in++;
        size_t len = (size_t)(in - seg);
        if (len == 0 || (len == 1 && seg[0] == '.'))
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > p && *--out != '/')
                ;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, len);
        out += len;
    }
    if (out == p)
        *out++ = '/';
    *out = '\0';
}

/* The absolute, resolved form of a path; "." and ".." resolved by hand when it is absent. */
static char *absolute(const char *path, const char *cwd)
{
    char *r = realpath(path, NULL);
    if (r)
        return r;
    gp_buf b = GP_BUF_INIT;
    if (path[0] != '/')
        gp_buf_printf(&b, "%s/", cwd);
    gp_buf_puts(&b, path);
    char *s = gp_buf_detach(&b);
    if (s)
        squeeze_path(s);
    return s;
}

typedef struct sarif_paths {
    char *base; /* absolute, no trailing '/' ("" for the root) */
    char *cwd;
    const char *stdin_name;
    gp_map *uris; /* file as given -> its URI (malloc'd), or the address of `outside` */
    gp_findings_report *rep;
    int oom;
} sarif_paths;

/* A file's URI relative to the base; files outside it are named by their file name. */
static const char *sarif_uri(sarif_paths *sp, const char *file, int *outside)
{
    void **slot;
    int added = gp_map_upsert(sp->uris, file, strlen(file), &slot);
    if (added < 0) {
        sp->oom = 1;
        return NULL;
    }
    if (!added) {
        const char *u = *slot;
        *outside = u[0] == '\x01';
        return u + 1;
    }
    char *abs = strcmp(file, "-") == 0 ? NULL : absolute(file, sp->cwd);
    size_t bl = strlen(sp->base);
    const char *rel = NULL;
    *outside = 0;
    if (abs && strncmp(abs, sp->base, bl) == 0 && abs[bl] == '/' && abs[bl + 1])
        rel = abs + bl + 1;
    else if (abs) {
        const char *slash = strrchr(abs, '/');
        rel = slash ? slash + 1 : abs;
        *outside = 1;
    }
    gp_buf b = GP_BUF_INIT;
    gp_buf_putc(&b, *outside ? '\x01' : '\0');
    char *u = uri_of(rel ? rel : sp->stdin_name);
    gp_buf_puts(&b, u ? u : "");
    free(u);
    free(abs);
    *slot = gp_buf_detach(&b);
    if (!*slot)
        sp->oom = 1;
    return *slot ? (const char *)*slot + 1 : NULL;
}

static void sarif_paths_free(sarif_paths *sp)
{
    size_t pos = 0, len;
    const char *key;
    void *v;
    while (sp->uris && gp_map_next(sp->uris, &pos, &key, &len, &v))
        free(v);
    gp_map_free(sp->uris);
    free(sp->base);
    free(sp->cwd);
}

static int sarif_paths_init(sarif_paths *sp, const gp_findings_info *info)
{
    memset(sp, 0, sizeof *sp);
    sp->stdin_name = info->stdin_name ? info->stdin_name : "stdin";
    sp->rep = info->report;
    if (gp_map_new(&sp->uris) != GP_OK)
        return GP_ENOMEM;
    sp->cwd = realpath(".", NULL);
    if (!sp->cwd)
        sp->cwd = gp__strdup("/");
    if (info->base)
        sp->base = absolute(info->base, sp->cwd);
    else if (gp_repo_root(NULL, &sp->base) != GP_OK)
        return GP_ENOMEM;
    if (!sp->base)
        sp->base = gp__strdup(sp->cwd);
    if (!sp->cwd || !sp->base)
        return GP_ENOMEM;
    size_t bl = strlen(sp->base);
    if (bl && sp->base[bl - 1] == '/')
        sp->base[bl - 1] = '\0'; /* the root, or a path given with '/' */
    return GP_OK;
}

typedef struct ranked {
    size_t i;
    int sev, is_new;
} ranked;

/* Most severe first, new before known, then in the list's order (place). */
static int ranked_cmp(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->sev != y->sev)
        return x->sev > y->sev ? -1 : 1;
    if (x->is_new != y->is_new)
        return x->is_new ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static json_t *sarif_result(const gp_diag *d, const unsigned char *is_new, size_t i,
                            sarif_paths *sp)
{
    char fp[17];
    gp_finding_fingerprint(d, fp);
    json_t *r = json_object();
    json_object_set_new(r, "ruleId", json_string(d->rule_id ? d->rule_id : "gpkit"));
    size_t index = 0;
    for (; index < gp_checks_count(); index++)
        if (d->rule_id && strcmp(gp_checks_get(index)->id, d->rule_id) == 0)
            break;
    if (index < gp_checks_count())
        json_object_set_new(r, "ruleIndex", json_integer((json_int_t)index));
    json_object_set_new(r, "level", json_string(sarif_level(d->severity)));
    json_object_set_new(r, "message", json_pack("{s:s}", "text", d->message ? d->message : ""));
    int outside = 0;
    const char *uri = sarif_uri(sp, d->file ? d->file : "-", &outside);
    json_t *region = json_pack("{s:I}", "startLine", (json_int_t)(d->line > 0 ? d->line : 1));
    if (d->column > 0)
        json_object_set_new(region, "startColumn", json_integer(d->column));
    json_t *art = json_pack("{s:s}", "uri", uri ? uri : "");
    if (!d->file || strcmp(d->file, "-") == 0)
        json_object_set_new(art, "description", json_pack("{s:s}", "text", "standard input"));
    else
        json_object_set_new(art, "uriBaseId", json_string("SRCROOT"));
    if (outside && sp->rep) {
        if (!sp->rep->outside++)
            sp->rep->outside_file = d->file;
    }
    json_object_set_new(r, "locations",
                        json_pack("[{s:{s:o, s:o}}]", "physicalLocation", "artifactLocation", art,
                                  "region", region));
    json_object_set_new(r, "partialFingerprints", json_pack("{s:s}", "gpkitFinding/v1", fp));
    if (is_new)
        json_object_set_new(r, "baselineState", json_string(is_new[i] ? "new" : "unchanged"));
    json_t *props = json_object();
    if (d->record_id)
        json_object_set_new(props, "recordId", json_string(d->record_id));
    if (d->pointer)
        json_object_set_new(props, "pointer", json_string(d->pointer));
    if (d->value)
        json_object_set_new(props, "value", json_string(d->value));
    if (d->fix)
        json_object_set_new(props, "fix", json_string(d->fix));
    json_object_set_new(r, "properties", props);
    return r;
}

static int write_sarif(FILE *out, const gp_diag_list *list, const unsigned char *is_new,
                       const gp_findings_info *info)
{
    size_t n = gp_diag_list_len(list);
    size_t max = info->max_results ? info->max_results : GP_SARIF_MAX_RESULTS;
    ranked *order = malloc((n ? n : 1) * sizeof *order);
    sarif_paths sp;
    int rc = sarif_paths_init(&sp, info);
    if (!order || rc) {
        free(order);
        sarif_paths_free(&sp);
        return GP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = (ranked){i, gp_diag_list_get(list, i)->severity, !is_new || is_new[i]};
    qsort(order, n, sizeof *order, ranked_cmp);
    size_t kept = n < max ? n : max;

    json_t *rules = json_array();
    const char *help_uri = info->help_uri ? info->help_uri : GP_CHECKS_DOC_URL;
    for (size_t i = 0; i < gp_checks_count(); i++)
        json_array_append_new(rules, sarif_rule(gp_checks_get(i), info->rules, help_uri));
    json_t *results = json_array();
    for (size_t k = 0; k < kept; k++)
        json_array_append_new(
            results, sarif_result(gp_diag_list_get(list, order[k].i), is_new, order[k].i, &sp));
    json_t *notes = json_array();
    if (kept < n) {
        gp_buf m = GP_BUF_INIT;
        gp_buf_printf(&m,
                      "%zu of %zu findings written, the most severe first: GitHub code scanning "
                      "accepts at most %d results in a run; the JSON output has them all",
                      kept, n, GP_SARIF_MAX_RESULTS);
        json_array_append_new(notes, json_pack("{s:s, s:{s:s}, s:{s:s}}", "level", "warning",
                                               "message", "text", gp_buf_str(&m), "descriptor",
                                               "id", "gpkit.sarif-results-limit"));
        gp_buf_free(&m);
    }
    gp_buf base_uri = GP_BUF_INIT;
    gp_buf_puts(&base_uri, "file://");
    char *enc = uri_of(sp.base);
    gp_buf_printf(&base_uri, "%s/", enc ? enc : "");
    free(enc);
    json_t *invocation = json_pack("{s:b}", "executionSuccessful", 1);
    if (json_array_size(notes))
        json_object_set(invocation, "toolExecutionNotifications", notes);
    json_decref(notes);
    json_t *log = json_pack(
        "{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:{s:{s:s, s:{s:s}}}, s:[o], s:o, s:s}]}",
        "$schema", "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs",
        "tool", "driver", "name", info->tool ? info->tool : "gp-lint", "version",
        info->version ? info->version : GP_VERSION_STRING, "informationUri",
        "https://github.com/gpkit/gpkit", "rules", rules, "originalUriBaseIds", "SRCROOT", "uri",
        gp_buf_str(&base_uri), "description", "text",
        "the directory artifact URIs are relative to (gp-lint --base)", "invocations", invocation,
        "results", results, "columnKind", "unicodeCodePoints");
    int oom = sp.oom || base_uri.oom;
    gp_buf_free(&base_uri);
    if (info->report) {
        info->report->results = kept;
        info->report->dropped = n - kept;
    }
    free(order);
    if (!log || oom) {
        json_decref(log);
        sarif_paths_free(&sp);
        return GP_ENOMEM;
    }
    rc = json_dumpf(log, out, JSON_INDENT(2) | JSON_SORT_KEYS) ? GP_EIO : GP_OK;
    json_decref(log);
    /* the outside file names point into `list`, not into sp */
    sarif_paths_free(&sp);
    fputc('\n', out);
    return rc ? (out_status(out) ? out_status(out) : rc) : out_status(out);
}

static void github_escape(FILE *out, const char *s, int property)
{
    for (; s && *s; s++) {
        if (*s == '%')
            fputs("%25", out);
        else if (*s == '\r')
            fputs("%0D", out);
        else if (*s == '\n')
            fputs("%0A", out);
        else if (property && *s == ':')
            fputs("%3A", out);
        else if (property && *s == ',')
            fputs("%2C", out);
        else
            fputc(*s, out);
    }
}

static int write_github(FILE *out, const gp_diag_list *list, const unsigned char *is_new)
{
    for (size_t i = 0; i < gp_diag_list_len(list); i++) {
        if (is_new && !is_new[i])
            continue;
        const gp_diag *d = gp_diag_list_get(list, i);
        const char *cmd = d->severity == GP_SEV_ERROR     ? "error"
                          : d->severity == GP_SEV_WARNING ? "warning"
                                                          : "notice";
        fprintf(out, "::%s ", cmd);
        int comma = 0;
        if (d->file) {
            fputs("file=", out);
            github_escape(out, d->file, 1);
            comma = 1;
            if (d->line > 0) {
                fprintf(out, ",line=%ld", d->line);
                if (d->column > 0)
                    fprintf(out, ",col=%ld", d->column);
            }
        }
        fputs(comma ? ",title=" : "title=", out);
        github_escape(out, d->rule_id ? d->rule_id : "gpkit", 1);
        fputs("::", out);
        github_escape(out, d->message, 0);
        fputc('\n', out);
    }
    return out_status(out);
}

static void md_cell(gp_buf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            gp_buf_puts(b, "\\|");
        else if (*s == '\n' || *s == '\r')
            gp_buf_putc(b, ' ');
        else
            gp_buf_putc(b, *s);
    }
}

typedef struct rule_count {
    const char *rule;
    gp_severity sev;
    size_t n;
} rule_count;

static int rule_count_cmp(const void *a, const void *b)
{
    const rule_count *x = a, *y = b;
    if (x->sev != y->sev)
        return x->sev > y->sev ? -1 : 1;
    return strcmp(x->rule, y->rule);
}

static void counts(const gp_diag_list *list, const unsigned char *is_new, size_t by_sev[4])
{
    memset(by_sev, 0, 4 * sizeof *by_sev);
    for (size_t i = 0; i < gp_diag_list_len(list); i++)
        if (!is_new || is_new[i])
            by_sev[gp_diag_list_get(list, i)->severity & 3]++;
}

static void summary_line(gp_buf *b, const gp_diag_list *list, const unsigned char *is_new,
                         const gp_findings_info *info)
{
    size_t by[4];
    counts(list, is_new, by);
    gp_buf_printf(b, "%s: %zu records checked: %zu error%s, %zu warning%s, %zu info", info->tool,
                  info->records, by[GP_SEV_ERROR], by[GP_SEV_ERROR] == 1 ? "" : "s",
                  by[GP_SEV_WARNING], by[GP_SEV_WARNING] == 1 ? "" : "s", by[GP_SEV_INFO]);
    if (info->unchanged)
        gp_buf_printf(b, " (and %zu known from the baseline)", info->unchanged);
}

static int write_markdown(FILE *out, const gp_diag_list *list, const unsigned char *is_new,
                          const gp_findings_info *info)
{
    /* a job summary is limited to 1 MiB; 500 rows stay well under it */
    const size_t SHOWN_MAX = info->markdown_max ? info->markdown_max : 500;
    gp_buf b = GP_BUF_INIT;
    gp_buf_puts(&b, "## ");
    summary_line(&b, list, is_new, info);
    gp_buf_puts(&b, "\n\n");
    size_t n = gp_diag_list_len(list);
    rule_count *rc = calloc(n ? n : 1, sizeof *rc);
    size_t nr = 0;
    for (size_t i = 0; rc && i < n; i++) {
        if (is_new && !is_new[i])
            continue;
        const gp_diag *d = gp_diag_list_get(list, i);
        size_t k = 0;
        while (k < nr &&
               !(strcmp(rc[k].rule, d->rule_id ? d->rule_id : "") == 0 && rc[k].sev == d->severity))
            k++;
        if (k == nr)
            rc[nr++] = (rule_count){d->rule_id ? d->rule_id : "", d->severity, 0};
        rc[k].n++;
    }
    if (nr) {
        qsort(rc, nr, sizeof *rc, rule_count_cmp);
        gp_buf_puts(&b, "| rule | level | findings |\n| --- | --- | ---: |\n");
        for (size_t k = 0; k < nr; k++)
            gp_buf_printf(&b, "| `%s` | %s | %zu |\n", rc[k].rule, gp_severity_name(rc[k].sev),
                          rc[k].n);
        gp_buf_puts(&b, "\n### Findings\n\n| place | level | rule | message |\n"
                        "| --- | --- | --- | --- |\n");
        size_t shown = 0, total = 0;
        for (size_t i = 0; i < n; i++) {
            if (is_new && !is_new[i])
                continue;
            total++;
            if (shown == SHOWN_MAX)
                continue;
            shown++;
            const gp_diag *d = gp_diag_list_get(list, i);
            gp_buf_puts(&b, "| `");
            md_cell(&b, d->file ? d->file : "-");
            if (d->line > 0)
                gp_buf_printf(&b, ":%ld", d->line);
            if (d->column > 0)
                gp_buf_printf(&b, ":%ld", d->column);
            gp_buf_printf(&b, "` | %s | `%s` | ", gp_severity_name(d->severity),
                          d->rule_id ? d->rule_id : "");
            md_cell(&b, d->message);
            gp_buf_puts(&b, " |\n");
        }
        if (total > shown)
            gp_buf_printf(&b, "\n... and %zu more; the SARIF or JSON output has them all.\n",
                          total - shown);
    } else {
        gp_buf_puts(&b, "No findings.\n");
    }
    free(rc);
    if (b.oom) {
        gp_buf_free(&b);
        return GP_ENOMEM;
    }
    fwrite(b.data, 1, b.len, out);
    gp_buf_free(&b);
    return out_status(out);
}

static int write_human(FILE *out, const gp_diag_list *list, const unsigned char *is_new,
                       const gp_findings_info *info, int color)
{
    for (size_t i = 0; i < gp_diag_list_len(list); i++) {
        if (is_new && !is_new[i])
            continue;
        gp_diag_print_human(out, gp_diag_list_get(list, i), color);
        if (ferror(out))
            return out_status(out);
    }
    (void)info; /* the summary is the tool's to print, on stderr: gp_findings_summary */
    return out_status(out);
}

int gp_findings_output_parse(const char *spec, gp_findings_format *format, const char **path)
{
    const char *eq = strchr(spec, '=');
    char name[16];
    if (!eq || !eq[1] || (size_t)(eq - spec) >= sizeof name)
        return -1;
    memcpy(name, spec, (size_t)(eq - spec));
    name[eq - spec] = '\0';
    if (gp_findings_format_parse(name, format) != 0)
        return -1;
    *path = eq + 1;
    return 0;
}

int gp_findings_write_path(const char *path, gp_findings_format format, const gp_diag_list *list,
                           const unsigned char *is_new, const gp_findings_info *info, int color)
{
    if (strcmp(path, "-") == 0)
        return gp_findings_write(stdout, format, list, is_new, info, color);
    FILE *f = fopen(path, "w");
    if (!f)
        return GP_EIO;
    int rc = gp_findings_write(f, format, list, is_new, info, color);
    int saved = errno;
    if (fclose(f) != 0 && rc == GP_OK)
        return GP_EIO;
    errno = saved;
    return rc == GP_EPIPE ? GP_EIO : rc; /* a file is no pipe that closed early */
}

int gp_findings_summary(gp_buf *out, const gp_diag_list *list, const unsigned char *is_new,
                        const gp_findings_info *info)
{
    summary_line(out, list, is_new, info);
    return gp_buf_error(out) ? GP_ENOMEM : GP_OK;
}

int gp_findings_write(FILE *out, gp_findings_format format, const gp_diag_list *list,
                      const unsigned char *is_new, const gp_findings_info *info, int color)
{
    switch (format) {
    case GP_FINDINGS_JSON:
        return write_json(out, list, is_new);
    case GP_FINDINGS_SARIF:
        return write_sarif(out, list, is_new, info);
    case GP_FINDINGS_GITHUB:
        return write_github(out, list, is_new);
    case GP_FINDINGS_MARKDOWN:
        return write_markdown(out, list, is_new, info);
    default:
        return write_human(out, list, is_new, info, color);
    }
}
