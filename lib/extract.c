/*
 * lib/extract.c - the extractor: format detection, dispatch to the readers, and the
 * helpers they share to build records.
 *
 * Detection looks at the first block of decoded text: '{' opens JSON Lines, '<' markup
 * (HTML when it says so, else XML), and text is a listing when lines carry the listing's
 * year labels, a booklet when they carry the booklet's section headings or labels, a
 * single-practice page when an implementation year label comes after a line the rules
 * know as a country or region and no award year label is seen, an old practice page when
 * there is no label but an "Institution | Country" line with a known country. All
 * labels come from the rules, so a dump in another language is detected once its
 * labels are in the rules.
 */
#include "extract_impl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

int gp_extractor_new(gp_extractor **out, gp_ruleset *rules, const gp_extract_options *opts,
                     gp_diag_sink *diags)
{
    *out = NULL;
    gp_extractor *ex = calloc(1, sizeof *ex);
    if (!ex)
        return GP_ENOMEM;
    ex->rules = rules;
    ex->diags = diags;
    ex->format = opts ? opts->format : GP_FORMAT_AUTO;
    if (gp_arena_new(&ex->arena) != 0) {
        free(ex);
        return GP_ENOMEM;
    }
    if (opts && opts->profile) {
        int rc = gp__profile_load(&ex->profile, opts->profile, diags);
        if (rc) {
            gp_extractor_free(ex);
            return rc;
        }
    }
    *out = ex;
    return GP_OK;
}

void gp_extractor_free(gp_extractor *ex)
{
    if (!ex)
        return;
    gp__profile_free(ex->profile);
    gp__profile_free(ex->defaults[0]);
    gp__profile_free(ex->defaults[1]);
    gp_arena_free(ex->arena);
    gp_map_free(ex->seen);
    gp_arena_free(ex->seen_names);
    free(ex->profile_path);
    free(ex);
}

void gp_extractor_hand_lines(gp_extractor *ex, gp_jsonl_line_fn fn, void *ctx)
{
    ex->line_fn = fn;
    ex->line_ctx = ctx;
}

size_t gp_extractor_records(const gp_extractor *ex)
{
    return ex->records;
}

static int starts_with_ci(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(s, prefix, n) == 0;
}

static int contains_ci(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(s + i, needle, n) == 0)
            return 1;
    return 0;
}

gp_format gp_extract_detect(gp_extractor *ex, const char *text, size_t len)
{
    const char *s = text;
    size_t n = len;
    gp__trim(&s, &n);
    if (n == 0)
        return GP_FORMAT_AUTO;
    if (s[0] == '{')
        return GP_FORMAT_JSONL;
    if (s[0] == '<') {
        size_t look = n < 4096 ? n : 4096;
        if (starts_with_ci(s, n, "<!doctype html") || contains_ci(s, look, "<html"))
            return GP_FORMAT_HTML;
        return GP_FORMAT_XML;
    }
    gp_ruleset *rs = ex->rules;
    size_t listing = 0, booklet = 0;
    const char *v;
    size_t vlen;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *line = text + i;
        size_t ll = end - i;
        i = end + 1;
        if (ll > 120)
            continue;
        if (gp__labels_match(rs, &rs->listing.labels[GP_LISTING_IMPLEMENTATION_YEAR], line, ll, &v,
                             &vlen) ||
            gp__labels_match(rs, &rs->listing.labels[GP_LISTING_AWARD_YEAR], line, ll, &v, &vlen))
            listing++;
        else if (gp__labels_match(rs, &rs->booklet.labels[GP_BOOKLET_PRIORITY_AREAS], line, ll, &v,
                                  &vlen))
            booklet++;
        else
            for (size_t h = 0; h < rs->booklet.nheadings; h++)
                if (gp_regex_match(rs->booklet.headings[h], line, ll, 0))
                    booklet += 2;
    }
    /* A practice page also carries the year label: it is told apart by its header lines. */
    gp_format page = gp__practice_detect(ex, text, len);
    if (page == GP_FORMAT_PRACTICE || (listing == 0 && booklet == 0))
        return page;
    return listing >= booklet ? GP_FORMAT_LISTING : GP_FORMAT_BOOKLET;
}

int gp__extract_read_page(gp_input *in, gp_page_line **lines, size_t *n)
{
    gp_line ln;
    int rc;
    size_t cap = 0;
    while ((rc = gp_input_next_line(in, &ln)) > 0) {
        if (GP_GROW(*lines, cap, *n + 1) != GP_OK)
            return GP_ENOMEM;
        const char *t = ln.text;
        size_t len = ln.len;
        gp__trim(&t, &len);
        gp_page_line *l = &(*lines)[*n];
        l->text = gp__strndup(t, len);
        if (!l->text)
            return GP_ENOMEM;
        l->len = len;
        l->no = ln.number;
        l->col = (long)gp_text_char_count(ln.text, (size_t)(t - ln.text)) + 1;
        l->skip = 0;
        (*n)++;
    }
    return rc < 0 ? rc : GP_OK;
}

void gp__extract_free_page(gp_page_line *lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i].text);
    free(lines);
}

int gp__extract_label_prefix(gp_ruleset *rs, const gp_labels *labels, const char *s, size_t len)
{
    if (gp__rules_key(rs, s, len) <= 0)
        return 0;
    for (size_t i = 0; i < labels->len; i++) {
        const gp_label *l = &labels->items[i];
        if (l->keylen > rs->key.len && memcmp(l->key, rs->key.data, rs->key.len) == 0)
            return 1;
    }
    return 0;
}

int gp__extract_known(gp_ruleset *rs, gp_vocab_kind kind, const char *s, size_t len)
{
    gp_resolution res;
    return gp_ruleset_resolve(rs, kind, s, len, 0, NULL, &res) == GP_OK &&
           res.match != GP_MATCH_NONE;
}

int gp__extract_value_prefix(gp_ruleset *rs, gp_vocab_kind kind, const char *s, size_t len)
{
    if ((unsigned)kind >= GP_VOCAB_COUNT || gp__extract_known(rs, kind, s, len))
        return 0;
    if (gp__rules_key(rs, s, len) <= 0)
        return 0;
    /* Institution names are keyed by country in `names`; `global` has them bare. */
    const gp_map *m = kind == GP_VOCAB_INSTITUTION ? rs->vocab[kind].global : rs->vocab[kind].names;
    size_t pos = 0;
    const char *key;
    size_t klen;
    void *value;
    while (m && gp_map_next(m, &pos, &key, &klen, &value))
        if (klen > rs->key.len && memcmp(key, rs->key.data, rs->key.len) == 0)
            return 1;
    return 0;
}

gp_source *gp__extract_begin(gp_extractor *ex, long line, const char *format)
{
    gp_arena_reset(ex->arena);
    gp_record_init(&ex->rec, ex->arena);
    return gp_record_add_source(&ex->rec, ex->file, line, format);
}

int gp__extract_emit(gp_extractor *ex)
{
    ex->records++;
    int rc = ex->fn ? ex->fn(ex->ctx, &ex->rec) : 0;
    gp_arena_reset(ex->arena);
    gp_record_init(&ex->rec, ex->arena);
    return rc;
}

static int note_field(gp_extractor *ex, const char *pointer, long line, long column)
{
    if (ex->rec.nsources == 0 || line <= 0)
        return GP_OK;
    return gp_source_add_field(ex->arena, &ex->rec.sources[0], pointer, line, column);
}

int gp__extract_field(gp_extractor *ex, gp_field f, const char *value, size_t len, long line,
                      long column)
{
    int rc = gp_record_set(&ex->rec, f, value, len);
    if (rc)
        return rc;
    char ptr[40];
    snprintf(ptr, sizeof ptr, "/%s", gp_field_name(f));
    return note_field(ex, ptr, line, column);
}

int gp__extract_item(gp_extractor *ex, gp_field f, const char *value, size_t len, long line,
                     long column)
{
    gp_strlist *list = gp_record_list(&ex->rec, f);
    if (!list)
        return GP_EINVAL;
    char ptr[48];
    snprintf(ptr, sizeof ptr, "/%s/%zu", gp_field_name(f), list->len);
    int rc = gp_strlist_push(ex->arena, list, value, len);
    if (rc)
        return rc;
    return note_field(ex, ptr, line, column);
}

int gp__extract_year(gp_extractor *ex, gp_field f, const char *value, size_t len, long line,
                     long column)
{
    gp_year *y = gp_record_year(&ex->rec, f);
    if (!y)
        return GP_EINVAL;
    int v;
    const char *t = value;
    size_t tl = len;
    gp__trim(&t, &tl);
    if (gp_year_parse(t, tl, &v)) {
        y->value = v;
        y->text = NULL;
    } else {
        y->value = 0;
        y->text = gp_arena_strndup(ex->arena, t, tl);
        if (!y->text)
            return GP_ENOMEM;
        gp_diag_report(ex->diags, GP_SEV_ERROR, "record.year-invalid", ex->file, line, column,
                       "%s '%.*s' is not a year; kept as text",
                       f == GP_F_AWARD_YEAR ? "award year" : "implementation year", (int)tl, t);
    }
    char ptr[40];
    snprintf(ptr, sizeof ptr, "/%s", gp_field_name(f));
    return note_field(ex, ptr, line, column);
}

static int extract_input(gp_extractor *ex, gp_input *in, gp_record_fn fn, void *ctx)
{
    ex->fn = fn;
    ex->ctx = ctx;
    ex->file = gp_input_name(in);
    const char *text;
    size_t len;
    int rc = gp_input_peek(in, &text, &len);
    if (rc)
        return rc;
    if (gp__is_blank(text, len)) {
        gp_diag_report(ex->diags, GP_SEV_WARNING, "input.empty", ex->file, 0, 0,
                       "'%s' is empty: no records", ex->file);
        return GP_OK;
    }
    gp_format f = ex->format;
    if (f == GP_FORMAT_AUTO)
        f = gp_extract_detect(ex, text, len);
    size_t before = ex->records;
    switch (f) {
    case GP_FORMAT_LISTING:
        rc = gp__extract_listing(ex, in);
        break;
    case GP_FORMAT_BOOKLET:
        rc = gp__extract_booklet(ex, in);
        break;
    case GP_FORMAT_HTML:
        rc = gp__extract_markup(ex, in, 1);
        break;
    case GP_FORMAT_XML:
        rc = gp__extract_markup(ex, in, 0);
        break;
    case GP_FORMAT_JSONL:
        rc = gp__extract_jsonl(ex, in);
        break;
    case GP_FORMAT_PRACTICE:
        rc = gp__extract_practice(ex, in);
        break;
    case GP_FORMAT_OLD_PRACTICE:
        rc = gp__extract_old_practice(ex, in);
        break;
    default:
        gp_diag_report(ex->diags, GP_SEV_ERROR, "input.unknown-format", ex->file, 0, 0,
                       "cannot tell the format of '%s' (not a listing, booklet, practice page, "
                       "HTML, XML or JSON Lines dump); name it with --from",
                       ex->file);
        return GP_EINPUT;
    }
    if (rc == GP_OK && ex->records == before)
        gp_diag_report(ex->diags, GP_SEV_WARNING, "input.no-records", ex->file, 0, 0,
                       "no records found in '%s' (read as %s)", ex->file, gp_format_name(f));
    return rc;
}

/*
 * Whether the file of `in` was read before by this extractor (compared by device and
 * inode, so "a", "./a" and a link to it are one file). The first time it is noted.
 * Returns 1 (reported: input.repeated), 0, or GP_ENOMEM.
 */
static int read_before(gp_extractor *ex, gp_input *in)
{
    unsigned long long id[2];
    if (gp__input_identity(in, &id[0], &id[1]) != GP_OK)
        return 0;
    if (!ex->seen && (gp_map_new(&ex->seen) != GP_OK || gp_arena_new(&ex->seen_names) != GP_OK))
        return GP_ENOMEM;
    const char *first = gp_map_get(ex->seen, (const char *)id, sizeof id);
    if (first) {
        gp_diag_report(ex->diags, GP_SEV_WARNING, "input.repeated", gp_input_name(in), 0, 0,
                       "'%s' is the same file as '%s', read already; not read again",
                       gp_input_name(in), first);
        return 1;
    }
    char *name = gp_arena_strdup(ex->seen_names, gp_input_name(in));
    if (!name || gp_map_put(ex->seen, (const char *)id, sizeof id, name) != GP_OK)
        return GP_ENOMEM;
    return 0;
}

static int extract_path(gp_extractor *ex, const char *path, const char *display, gp_record_fn fn,
                        void *ctx)
{
    gp_input *in;
    int rc = gp_input_open(&in, path, display, ex->diags);
    if (rc)
        return rc;
    rc = read_before(ex, in);
    if (rc) {
        gp_input_close(in);
        return rc < 0 ? rc : GP_OK;
    }
    rc = extract_input(ex, in, fn, ctx);
    gp_input_close(in);
    return rc;
}

/* One file of a folder: one that cannot be read does not stop the others. */
typedef struct folder_run {
    gp_extractor *ex;
    gp_record_fn fn;
    void *ctx;
    int worst;
} folder_run;

static int extract_walked(void *ctx, const char *path)
{
    folder_run *f = ctx;
    int rc = extract_path(f->ex, path, NULL, f->fn, f->ctx);
    if (rc == GP_EIO || rc == GP_EINPUT || rc == GP_ERULES) {
        f->worst = rc;
        return GP_OK;
    }
    return rc;
}

int gp_extract_file(gp_extractor *ex, const char *path, const char *display, gp_record_fn fn,
                    void *ctx)
{
    struct stat st;
    if (!path || strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return extract_path(ex, path, display, fn, ctx);
    folder_run f = {ex, fn, ctx, GP_OK};
    int rc = gp_input_walk(path, ex->diags, extract_walked, &f);
    return rc ? rc : f.worst;
}

int gp_extract_mem(gp_extractor *ex, const char *display, const char *data, size_t len,
                   gp_record_fn fn, void *ctx)
{
    gp_input *in;
    int rc = gp_input_open_mem(&in, display, data, len, ex->diags);
    if (rc)
        return rc;
    rc = extract_input(ex, in, fn, ctx);
    gp_input_close(in);
    return rc;
}
