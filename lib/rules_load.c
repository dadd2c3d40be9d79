/*
 * lib/rules_load.c - loading and validating a rule set (lookups: lib/rules.c).
 *
 * The YAML accepted, file by file (every file is a mapping; all keys are optional and a
 * section may be spread over several files):
 *
 *   gpkit: 1                          # format version of the rule files
 *   description: TEXT
 *   include: [PATH-or-GLOB, ...]      # relative to the including file
 *   countries:
 *     iso_codes: PATH                 # default /usr/share/iso-codes/json/iso_3166-1.json
 *     icu_languages: [en, fr, ...]    # ICU display names in these languages become aliases
 *     entries:
 *       - code: KR                    # ISO 3166-1 alpha-2 (required)
 *         name: TEXT                  # canonical name; default the ISO short name
 *         region: TEXT                # a region of `regions`
 *         aliases: [NAME, ...]
 *   regions | topics | priority_areas:
 *     - name: TEXT
 *       aliases: [NAME, ...]
 *       broader: [TEXT, ...]          # topics only: broader topics it implies
 *       description: TEXT
 *   institutions:
 *     - name: TEXT
 *       country: CODE-or-NAME         # required: names only mean something in a country
 *       acronym: TEXT
 *       aliases: [NAME, ...]
 *   typography:                       # characters folded in every text field
 *     - char: "U+2011"                # or the character itself
 *       to: "-"                       # may be "" (delete)
 *       name: TEXT
 *   listing:
 *     labels: {implementation_year: [TEXT...], award_year: [...], topics: [...]}
 *     separators: [" , ", ...]        # between institution, country and region
 *   booklet:
 *     headings: [REGEX, ...]          # with named groups (?<region>...) and (?<year>...)
 *     sections: [{heading: TEXT, award: TEXT}, ...]
 *     labels: {priority_areas: [...], summary: [...], jury_comment: [...]}
 *     footers: [REGEX, ...]           # page footers to drop
 *   practice:                         # a single-practice page of the newer site
 *     labels: {implementation_year: [TEXT...], topics: [...]}
 *     bullets: ["•", ...]               # marks opening a list item in a description
 *   old_practice:                     # a practice page of the old site
 *     separators: [" | ", ...]          # between institution and country
 *     chrome: [REGEX, ...]              # lines of the site's chrome, dropped and reported
 *   html: {profile: PATH}             # default extraction profiles
 *   xml: {profile: PATH}
 *   lint: {...}                       # gp-lint's settings: lib/lint_rules.c
 *   dedup: {...}                      # gp-dedup's settings: lib/dedup_rules.c
 *   checks:                           # documentation and level of each check
 *     - id: RULE-ID
 *       level: error | warning | info | off
 *       description: TEXT
 *       bad: TEXT
 *       good: TEXT
 *
 * NAME is either text or {name: TEXT, from: YEAR, until: YEAR}: the years the name was
 * in use. Two entries may share a name only when its times of validity do not overlap.
 *
 * Loading runs in two passes: the files are read and checked shape by shape into
 * declarations (struct gp_decls), then the vocabularies are built in dependency order
 * (regions, countries, topics, priority areas, institutions) so that a reference such
 * as an institution's country can be resolved wherever it was declared.
 */
#define _GNU_SOURCE /* dladdr */
#include "rules_impl.h"

#include <dlfcn.h>
#include <errno.h>
#include <glob.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpkit/checks.h"
#include "ydoc.h"

#ifndef GP_RULES_INSTALL_DIR
#define GP_RULES_INSTALL_DIR "/usr/local/share/gpkit/rules"
#endif
#ifndef GP_RULES_SOURCE_DIR
#define GP_RULES_SOURCE_DIR ""
#endif
#define GP_ISO_CODES_DEFAULT "/usr/share/iso-codes/json/iso_3166-1.json"
#define GP_ENTRY_FILE "gpkit.yaml"

enum { YEAR_MIN = 1900, YEAR_MAX = 2100 };

typedef struct place {
    const char *file;
    long line, column;
} place;

typedef struct decl_name {
    const char *spelling;
    int from, until;
    place at;
} decl_name;

typedef struct decl_entry {
    gp_vocab_kind kind;
    const char *name;
    const char *code;
    const char *country;
    const char *acronym;
    const char *region;
    place at, country_at, region_at;
    decl_name *aliases;
    size_t naliases, aliases_cap;
    decl_name *translations; /* labels in another of the site's languages */
    size_t ntranslations, translations_cap;
    decl_name *broader; /* spelling + place of each broader reference */
    size_t nbroader, broader_cap;
    long idx;    /* the entry built from it */
    int extends; /* alias_of: `name` is an entry declared elsewhere */
} decl_entry;

struct gp_decls {
    decl_entry *items;
    size_t len, cap;
    const char *iso_codes;
    place iso_at;
    const char **languages;
    size_t nlanguages, languages_cap;
};

/* ---- small helpers ---- */

static char *rs_strdup(gp_ruleset *rs, const char *s)
{
    return s ? gp_arena_strdup(rs->arena, s) : NULL;
}

static void rule_error(gp_ruleset *rs, const place *at, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void rule_error(gp_ruleset *rs, const place *at, const char *rule, const char *fmt, ...)
{
    gp_diag d = GP_DIAG_INIT;
    d.severity = GP_SEV_ERROR;
    d.rule_id = rule;
    if (at) {
        d.file = at->file;
        d.line = at->line;
        d.column = at->column;
    }
    va_list ap;
    va_start(ap, fmt);
    gp_diag_vreport(rs->diags, &d, fmt, ap);
    va_end(ap);
    rs->errors++;
}

static place node_place(gp_ruleset *rs, gp_ydoc *d, const yaml_node_t *n)
{
    place p = {rs_strdup(rs, d->file), gp_y_line(n), gp_y_column(n)};
    return p;
}

static int periods_overlap(int f1, int u1, int f2, int u2)
{
    int lo1 = f1 ? f1 : INT_MIN, hi1 = u1 ? u1 : INT_MAX;
    int lo2 = f2 ? f2 : INT_MIN, hi2 = u2 ? u2 : INT_MAX;
    return lo1 <= hi2 && lo2 <= hi1;
}

static int is_generated(int kind)
{
    return kind == GP_NAME_STANDARD || kind == GP_NAME_TRANSLATION;
}

/* ---- default path ---- */

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* The folder of the file holding the library's code: libgpkit.so, or the program it is
 * linked into statically. Not /proc/self/exe: a program using the library may live anywhere
 * (a Python interpreter, a build folder) and say nothing about where gpkit is installed. */
static int library_dir(char *out, size_t size)
{
    Dl_info info;
    if (!dladdr((void *)gp_rules_default_path, &info) || !info.dli_fname)
        return -1;
    char *real = realpath(info.dli_fname, NULL);
    if (!real)
        return -1;
    char *slash = strrchr(real, '/');
    int ok = slash && (size_t)(slash - real) < size;
    if (ok) {
        *slash = '\0';
        memcpy(out, real, (size_t)(slash - real) + 1);
    }
    free(real);
    return ok ? 0 : -1;
}

const char *gp_rules_default_path(void)
{
    static char found[PATH_MAX];
    const char *env = getenv("GPKIT_RULES");
    if (env && *env)
        return env;
    /* An installed tree may have been moved: the rules are where they are installed relative
     * to the library (GP_RULES_FROM_LIBDIR, e.g. ../share/gpkit/rules). */
    char dir[PATH_MAX - 128];
    if (library_dir(dir, sizeof dir) == 0) {
        snprintf(found, sizeof found, "%s/" GP_RULES_FROM_LIBDIR "/" GP_ENTRY_FILE, dir);
        if (file_exists(found)) {
            found[strlen(found) - strlen("/" GP_ENTRY_FILE)] = '\0';
            return found;
        }
    }
    if (file_exists(GP_RULES_INSTALL_DIR "/" GP_ENTRY_FILE))
        return GP_RULES_INSTALL_DIR;
    if (*GP_RULES_SOURCE_DIR && file_exists(GP_RULES_SOURCE_DIR "/" GP_ENTRY_FILE))
        return GP_RULES_SOURCE_DIR;
    return GP_RULES_INSTALL_DIR;
}

const char *gp_ruleset_path(const gp_ruleset *rs)
{
    return rs->path;
}

/* ---- declarations: reading one file ---- */

static decl_entry *decl_new(gp_ruleset *rs, gp_vocab_kind kind, place at)
{
    struct gp_decls *ds = rs->decls;
    if (GP_GROW(ds->items, ds->cap, ds->len + 1) != GP_OK)
        return NULL;
    decl_entry *e = &ds->items[ds->len++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->at = at;
    return e;
}

static int push_name(gp_ruleset *rs, decl_name **items, size_t *len, size_t *cap, decl_name n)
{
    if (gp__arena_grow(rs->arena, (void **)items, cap, *len, *len + 1, sizeof **items) != GP_OK)
        return GP_ENOMEM;
    (*items)[(*len)++] = n;
    return GP_OK;
}

/* NAME: text, or {name, from, until}. */
static int read_name(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *n, const char *what, decl_name *out)
{
    memset(out, 0, sizeof *out);
    out->at = node_place(rs, d, n);
    if (gp_y_scalar(n)) {
        out->spelling = rs_strdup(rs, gp_y_scalar(n));
    } else if (gp_y_is_map(n)) {
        static const char *const keys[] = {"name", "from", "until", "note", NULL};
        yaml_node_t *name = gp_y_get(d, n, "name");
        if (!name) {
            gp_y_error(d, n, "rules.type", "%s must be text or a mapping with 'name'", what);
            return -1;
        }
        gp_y_check_map(d, n, what, keys);
        const char *s = gp_y_string(d, name, "the 'name' of an alias");
        long v;
        if (s)
            out->spelling = rs_strdup(rs, s);
        yaml_node_t *f = gp_y_get(d, n, "from"), *u = gp_y_get(d, n, "until");
        if (f && gp_y_int(d, f, "'from'", YEAR_MIN, YEAR_MAX, &v) == 0)
            out->from = (int)v;
        if (u && gp_y_int(d, u, "'until'", YEAR_MIN, YEAR_MAX, &v) == 0)
            out->until = (int)v;
        if (out->from && out->until && out->from > out->until)
            gp_y_error(d, f, "rules.range", "'from' %d is after 'until' %d", out->from, out->until);
    } else {
        gp_y_error(d, n, "rules.type", "%s must be text or a mapping with 'name'", what);
        return -1;
    }
    if (out->spelling && !*out->spelling) {
        gp_y_error(d, n, "rules.type", "%s must not be empty", what);
        out->spelling = NULL;
    }
    return out->spelling ? 0 : -1;
}

/* A list of NAME (or one NAME) into an array of decl_name. */
static void read_names(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *n, const char *what,
                       decl_name **items, size_t *len, size_t *cap)
{
    if (!n)
        return;
    if (!gp_y_is_seq(n)) {
        decl_name one;
        if (read_name(rs, d, n, what, &one) == 0)
            push_name(rs, items, len, cap, one);
        return;
    }
    for (size_t i = 0; i < gp_y_seq_len(n); i++) {
        decl_name one;
        if (read_name(rs, d, gp_y_seq_item(d, n, i), what, &one) == 0)
            push_name(rs, items, len, cap, one);
    }
}

static void read_vocab(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *list, gp_vocab_kind kind,
                       const char *section)
{
    if (!gp_y_is_seq(list)) {
        gp_y_error(d, list, "rules.type", "'%s' must be a list of entries", section);
        return;
    }
    static const char *const topic_keys[] = {"name",    "alias_of",    "aliases", "translations",
                                             "broader", "description", NULL};
    static const char *const plain_keys[] = {"name",         "alias_of",    "aliases",
                                             "translations", "description", NULL};
    static const char *const inst_keys[] = {"name",    "alias_of",    "country", "acronym",
                                            "aliases", "description", NULL};
    const char *const *keys = kind == GP_VOCAB_TOPIC         ? topic_keys
                              : kind == GP_VOCAB_INSTITUTION ? inst_keys
                                                             : plain_keys;
    char what[64];
    snprintf(what, sizeof what, "an entry of '%s'", section);
    for (size_t i = 0; i < gp_y_seq_len(list); i++) {
        yaml_node_t *item = gp_y_seq_item(d, list, i);
        if (gp_y_check_map(d, item, what, keys) != 0)
            continue;
        yaml_node_t *name = gp_y_get(d, item, "name");
        yaml_node_t *of = gp_y_get(d, item, "alias_of");
        if (!name == !of) {
            gp_y_error(d, item, "rules.missing-key",
                       "%s needs a 'name', or 'alias_of' to add aliases to an entry", what);
            continue;
        }
        const char *s = gp_y_string(d, name ? name : of, name ? "'name'" : "'alias_of'");
        if (!s)
            continue;
        if (of && (gp_y_get(d, item, "acronym") || gp_y_get(d, item, "broader"))) {
            gp_y_error(d, item, "rules.type", "an 'alias_of' entry only adds aliases");
            continue;
        }
        decl_entry *e = decl_new(rs, kind, node_place(rs, d, name ? name : of));
        if (!e)
            return;
        e->name = rs_strdup(rs, s);
        e->extends = of != NULL;
        read_names(rs, d, gp_y_get(d, item, "aliases"), "an alias", &e->aliases, &e->naliases,
                   &e->aliases_cap);
        read_names(rs, d, gp_y_get(d, item, "translations"), "a translation", &e->translations,
                   &e->ntranslations, &e->translations_cap);
        if (kind == GP_VOCAB_TOPIC)
            read_names(rs, d, gp_y_get(d, item, "broader"), "a broader topic", &e->broader,
                       &e->nbroader, &e->broader_cap);
        if (kind == GP_VOCAB_INSTITUTION) {
            yaml_node_t *c = gp_y_get(d, item, "country");
            if (!c) {
                gp_y_error(d, item, "rules.missing-key",
                           "institution '%s' needs a 'country' (names only mean something in "
                           "a country)",
                           s);
            } else if ((s = gp_y_string(d, c, "'country'"))) {
                e->country = rs_strdup(rs, s);
                e->country_at = node_place(rs, d, c);
            }
            yaml_node_t *a = gp_y_get(d, item, "acronym");
            if (a && (s = gp_y_string(d, a, "'acronym'")))
                e->acronym = rs_strdup(rs, s);
        }
    }
}

static void read_countries(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node)
{
    static const char *const keys[] = {"iso_codes", "icu_languages", "entries", NULL};
    if (gp_y_check_map(d, node, "'countries'", keys) != 0)
        return;
    struct gp_decls *ds = rs->decls;
    yaml_node_t *iso = gp_y_get(d, node, "iso_codes");
    const char *s;
    if (iso && (s = gp_y_string(d, iso, "'iso_codes'"))) {
        /* a relative path is relative to the rule file, like an include */
        gp_buf path = GP_BUF_INIT;
        const char *slash = strrchr(d->file, '/');
        if (s[0] != '/' && slash)
            gp_buf_put(&path, d->file, (size_t)(slash - d->file) + 1);
        gp_buf_puts(&path, s);
        ds->iso_codes = rs_strdup(rs, gp_buf_str(&path));
        ds->iso_at = node_place(rs, d, iso);
        gp_buf_free(&path);
    }
    yaml_node_t *langs = gp_y_get(d, node, "icu_languages");
    if (langs) {
        if (!gp_y_is_seq(langs))
            gp_y_error(d, langs, "rules.type", "'icu_languages' must be a list of language codes");
        for (size_t i = 0; i < gp_y_seq_len(langs); i++) {
            if (!(s = gp_y_string(d, gp_y_seq_item(d, langs, i), "a language code")))
                continue;
            if (GP_GROW(ds->languages, ds->languages_cap, ds->nlanguages + 1) == GP_OK)
                ds->languages[ds->nlanguages++] = rs_strdup(rs, s);
        }
    }
    yaml_node_t *entries = gp_y_get(d, node, "entries");
    if (!entries)
        return;
    if (!gp_y_is_seq(entries)) {
        gp_y_error(d, entries, "rules.type", "'entries' of 'countries' must be a list");
        return;
    }
    static const char *const ekeys[] = {"code",    "alias_of",    "name", "region",
                                        "aliases", "description", NULL};
    for (size_t i = 0; i < gp_y_seq_len(entries); i++) {
        yaml_node_t *item = gp_y_seq_item(d, entries, i);
        if (gp_y_check_map(d, item, "a country entry", ekeys) != 0)
            continue;
        yaml_node_t *code = gp_y_get(d, item, "code");
        yaml_node_t *of = gp_y_get(d, item, "alias_of");
        if (of && !code) {
            if (gp_y_get(d, item, "name") || gp_y_get(d, item, "region")) {
                gp_y_error(d, item, "rules.type", "an 'alias_of' entry only adds aliases");
                continue;
            }
            if (!(s = gp_y_string(d, of, "'alias_of'")))
                continue;
            decl_entry *e = decl_new(rs, GP_VOCAB_COUNTRY, node_place(rs, d, of));
            if (!e)
                return;
            e->name = rs_strdup(rs, s);
            e->extends = 1;
            read_names(rs, d, gp_y_get(d, item, "aliases"), "an alias", &e->aliases, &e->naliases,
                       &e->aliases_cap);
            continue;
        }
        if (!code || of) {
            gp_y_error(d, item, "rules.missing-key",
                       "a country entry needs a 'code', or 'alias_of' to add aliases to one");
            continue;
        }
        if (!(s = gp_y_string(d, code, "'code'")))
            continue;
        if (strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z') {
            gp_y_error(d, code, "rules.type",
                       "'code' must be an ISO 3166-1 alpha-2 code in capitals, not '%s'", s);
            continue;
        }
        decl_entry *e = decl_new(rs, GP_VOCAB_COUNTRY, node_place(rs, d, code));
        if (!e)
            return;
        e->code = rs_strdup(rs, s);
        yaml_node_t *n = gp_y_get(d, item, "name");
        if (n && (s = gp_y_string(d, n, "'name'")))
            e->name = rs_strdup(rs, s);
        yaml_node_t *r = gp_y_get(d, item, "region");
        if (r && (s = gp_y_string(d, r, "'region'"))) {
            e->region = rs_strdup(rs, s);
            e->region_at = node_place(rs, d, r);
        }
        read_names(rs, d, gp_y_get(d, item, "aliases"), "an alias", &e->aliases, &e->naliases,
                   &e->aliases_cap);
    }
}

static void add_label(gp_ruleset *rs, gp_labels *labels, const char *text)
{
    size_t len = strlen(text);
    while (len && (text[len - 1] == ':' || text[len - 1] == ' '))
        len--;
    if (gp__rules_key(rs, text, len) <= 0)
        return;
    if (gp__arena_grow(rs->arena, (void **)&labels->items, &labels->cap, labels->len,
                       labels->len + 1, sizeof *labels->items) != GP_OK)
        return;
    gp_label *l = &labels->items[labels->len++];
    l->text = gp_arena_strndup(rs->arena, text, len);
    l->key = gp_arena_strndup(rs->arena, rs->key.data, rs->key.len);
    l->keylen = rs->key.len;
}

static void read_labels(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node, const char *what,
                        const char *const *keys, gp_labels *labels)
{
    if (gp_y_check_map(d, node, what, keys) != 0)
        return;
    for (size_t k = 0; keys[k]; k++) {
        yaml_node_t *v = gp_y_get(d, node, keys[k]);
        if (!v)
            continue;
        if (gp_y_scalar(v)) {
            add_label(rs, &labels[k], gp_y_scalar(v));
            continue;
        }
        if (!gp_y_is_seq(v)) {
            gp_y_error(d, v, "rules.type", "label '%s' must be text or a list of texts", keys[k]);
            continue;
        }
        for (size_t i = 0; i < gp_y_seq_len(v); i++) {
            const char *s = gp_y_string(d, gp_y_seq_item(d, v, i), "a label");
            if (s)
                add_label(rs, &labels[k], s);
        }
    }
}

static void read_regex_list(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node, const char *what,
                            gp_regex ***items, size_t *len, size_t *cap, const char *const *groups)
{
    if (!gp_y_is_seq(node)) {
        gp_y_error(d, node, "rules.type", "%s must be a list of regular expressions", what);
        return;
    }
    for (size_t i = 0; i < gp_y_seq_len(node); i++) {
        yaml_node_t *n = gp_y_seq_item(d, node, i);
        const char *pat = gp_y_string(d, n, "a regular expression");
        if (!pat)
            continue;
        gp_regex *re;
        char err[64];
        long off = 0;
        int rc = gp_regex_compile(&re, pat, 0, err, sizeof err, &off);
        if (rc == GP_EPARSE) {
            gp_diag dg = GP_DIAG_INIT;
            dg.rule_id = "rules.regex";
            dg.file = d->file;
            dg.line = gp_y_line(n);
            dg.column =
                gp_y_column(n) + off + (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? 0 : 1);
            gp_diag_emitf(rs->diags, &dg, "bad regular expression in %s: %s at character %ld", what,
                          err, off + 1);
            rs->errors++;
            continue;
        }
        if (rc)
            continue;
        for (size_t g = 0; groups && groups[g]; g++) {
            if (!strstr(pat, groups[g])) {
                gp_y_error(d, n, "rules.regex", "%s needs a group %s", what, groups[g]);
            }
        }
        if (GP_GROW(*items, *cap, *len + 1) != GP_OK) {
            gp_regex_free(re);
            return;
        }
        (*items)[(*len)++] = re;
    }
}

static void read_listing(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node)
{
    static const char *const keys[] = {"labels", "separators", NULL};
    if (gp_y_check_map(d, node, "'listing'", keys) != 0)
        return;
    static const char *const lkeys[] = {"implementation_year", "award_year", "topics", NULL};
    yaml_node_t *labels = gp_y_get(d, node, "labels");
    if (labels)
        read_labels(rs, d, labels, "'labels' of 'listing'", lkeys, rs->listing.labels);
    yaml_node_t *seps = gp_y_get(d, node, "separators");
    if (!seps)
        return;
    if (!gp_y_is_seq(seps)) {
        gp_y_error(d, seps, "rules.type", "'separators' must be a list of texts");
        return;
    }
    for (size_t i = 0; i < gp_y_seq_len(seps); i++) {
        const char *s = gp_y_string(d, gp_y_seq_item(d, seps, i), "a separator");
        if (!s || !*s)
            continue;
        if (GP_GROW(rs->listing.separators, rs->listing.separators_cap,
                    rs->listing.nseparators + 1) == GP_OK)
            rs->listing.separators[rs->listing.nseparators++] = rs_strdup(rs, s);
    }
}

/* A list of non-empty texts, kept in the rule set's arena. */
static void read_texts(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node, const char *what,
                       const char ***items, size_t *len, size_t *cap)
{
    if (!gp_y_is_seq(node)) {
        gp_y_error(d, node, "rules.type", "'%s' must be a list of texts", what);
        return;
    }
    for (size_t i = 0; i < gp_y_seq_len(node); i++) {
        const char *s = gp_y_string(d, gp_y_seq_item(d, node, i), "a text");
        if (!s || !*s)
            continue;
        if (gp__arena_grow(rs->arena, (void **)items, cap, *len, *len + 1, sizeof **items) == GP_OK)
            (*items)[(*len)++] = rs_strdup(rs, s);
    }
}

static void read_practice(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node)
{
    static const char *const keys[] = {"labels", "bullets", NULL};
    if (gp_y_check_map(d, node, "'practice'", keys) != 0)
        return;
    gp_practice_rules *pr = &rs->practice;
    static const char *const lkeys[] = {"implementation_year", "topics", NULL};
    yaml_node_t *n;
    if ((n = gp_y_get(d, node, "labels")))
        read_labels(rs, d, n, "'labels' of 'practice'", lkeys, pr->labels);
    if ((n = gp_y_get(d, node, "bullets")))
        read_texts(rs, d, n, "bullets", &pr->bullets, &pr->nbullets, &pr->bullets_cap);
}

static void read_old_practice(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node)
{
    static const char *const keys[] = {"separators", "chrome", NULL};
    if (gp_y_check_map(d, node, "'old_practice'", keys) != 0)
        return;
    gp_old_practice_rules *op = &rs->old_practice;
    yaml_node_t *n;
    if ((n = gp_y_get(d, node, "separators")))
        read_texts(rs, d, n, "separators", &op->separators, &op->nseparators, &op->separators_cap);
    if ((n = gp_y_get(d, node, "chrome")))
        read_regex_list(rs, d, n, "the site's chrome", &op->chrome, &op->nchrome, &op->chrome_cap,
                        NULL);
}

static void read_booklet(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node)
{
    static const char *const keys[] = {"headings", "sections", "labels", "footers", NULL};
    if (gp_y_check_map(d, node, "'booklet'", keys) != 0)
        return;
    gp_booklet_rules *b = &rs->booklet;
    static const char *const groups[] = {"(?<region>", "(?<year>", NULL};
    yaml_node_t *n;
    if ((n = gp_y_get(d, node, "headings")))
        read_regex_list(rs, d, n, "a booklet heading", &b->headings, &b->nheadings,
                        &b->headings_cap, groups);
    if ((n = gp_y_get(d, node, "footers")))
        read_regex_list(rs, d, n, "a booklet footer", &b->footers, &b->nfooters, &b->footers_cap,
                        NULL);
    static const char *const lkeys[] = {"priority_areas", "summary", "jury_comment", NULL};
    if ((n = gp_y_get(d, node, "labels")))
        read_labels(rs, d, n, "'labels' of 'booklet'", lkeys, b->labels);
    if (!(n = gp_y_get(d, node, "sections")))
        return;
    if (!gp_y_is_seq(n)) {
        gp_y_error(d, n, "rules.type", "'sections' must be a list");
        return;
    }
    static const char *const skeys[] = {"heading", "award", NULL};
    for (size_t i = 0; i < gp_y_seq_len(n); i++) {
        yaml_node_t *item = gp_y_seq_item(d, n, i);
        if (gp_y_check_map(d, item, "a booklet section", skeys) != 0)
            continue;
        const char *h = gp_y_string(d, gp_y_get(d, item, "heading"), "'heading'");
        const char *a = gp_y_string(d, gp_y_get(d, item, "award"), "'award'");
        if (!h || !a || gp__rules_key(rs, h, strlen(h)) <= 0)
            continue;
        if (GP_GROW(b->sections, b->sections_cap, b->nsections + 1) != GP_OK)
            return;
        gp_booklet_section *sec = &b->sections[b->nsections++];
        sec->heading = rs_strdup(rs, h);
        sec->key = gp_arena_strndup(rs->arena, rs->key.data, rs->key.len);
        sec->award = rs_strdup(rs, a);
    }
}

static void read_profile(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node, const char *dir,
                         const char **out, const char *what)
{
    static const char *const keys[] = {"profile", NULL};
    if (gp_y_check_map(d, node, what, keys) != 0)
        return;
    yaml_node_t *p = gp_y_get(d, node, "profile");
    const char *s = p ? gp_y_string(d, p, "'profile'") : NULL;
    if (!s)
        return;
    gp_buf path = GP_BUF_INIT;
    if (s[0] == '/')
        gp_buf_puts(&path, s);
    else
        gp_buf_printf(&path, "%s/%s", dir, s);
    if (!file_exists(gp_buf_str(&path)))
        gp_y_error(d, p, "rules.reference", "profile '%s' does not exist", gp_buf_str(&path));
    else
        *out = rs_strdup(rs, gp_buf_str(&path));
    gp_buf_free(&path);
}

static int parse_char(const char *s, uint32_t *cp)
{
    size_t len = strlen(s);
    if ((s[0] == 'U' || s[0] == 'u') && s[1] == '+' && len >= 3 && len <= 8) {
        char *end;
        unsigned long v = strtoul(s + 2, &end, 16);
        if (*end || v > 0x10FFFF)
            return -1;
        *cp = (uint32_t)v;
        return 0;
    }
    size_t i = 0;
    uint32_t c = gp_utf8_next(s, len, &i);
    if (i != len || len == 0)
        return -1;
    *cp = c;
    return 0;
}

static void read_typography(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node)
{
    if (!gp_y_is_seq(node)) {
        gp_y_error(d, node, "rules.type", "'typography' must be a list of {char, to}");
        return;
    }
    static const char *const keys[] = {"char", "to", "name", NULL};
    for (size_t i = 0; i < gp_y_seq_len(node); i++) {
        yaml_node_t *item = gp_y_seq_item(d, node, i);
        if (gp_y_check_map(d, item, "a typography entry", keys) != 0)
            continue;
        yaml_node_t *c = gp_y_get(d, item, "char"), *t = gp_y_get(d, item, "to");
        if (!c || !t) {
            gp_y_error(d, item, "rules.missing-key", "a typography entry needs 'char' and 'to'");
            continue;
        }
        const char *cs = gp_y_string(d, c, "'char'"), *ts = gp_y_string(d, t, "'to'");
        uint32_t cp;
        if (!cs || !ts)
            continue;
        if (parse_char(cs, &cp) != 0) {
            gp_y_error(d, c, "rules.type", "'char' must be one character or U+XXXX, not '%s'", cs);
            continue;
        }
        size_t prev_len;
        if (gp_foldmap_get(rs->typography, cp, &prev_len))
            gp_y_error(d, c, "rules.duplicate", "character U+%04X is folded twice", (unsigned)cp);
        else
            gp_foldmap_add(rs->typography, cp, ts, strlen(ts));
    }
}

static void read_checks(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node)
{
    if (!gp_y_is_seq(node)) {
        gp_y_error(d, node, "rules.type", "'checks' must be a list of {id, level, ...}");
        return;
    }
    static const char *const keys[] = {"id", "level", "description", "bad", "good", NULL};
    for (size_t i = 0; i < gp_y_seq_len(node); i++) {
        yaml_node_t *item = gp_y_seq_item(d, node, i);
        if (gp_y_check_map(d, item, "a check", keys) != 0)
            continue;
        yaml_node_t *idn = gp_y_get(d, item, "id");
        const char *id = idn ? gp_y_string(d, idn, "'id'") : NULL;
        if (!id) {
            if (!idn)
                gp_y_error(d, item, "rules.missing-key", "a check needs an 'id'");
            continue;
        }
        if (!gp_checks_find(id)) {
            const char *ids[256];
            size_t n = gp_checks_count() < 255 ? gp_checks_count() : 255;
            for (size_t k = 0; k < n; k++)
                ids[k] = gp_checks_get(k)->id;
            ids[n] = NULL;
            const char *hint = gp_y_suggest(id, ids);
            if (hint)
                gp_y_error(d, idn, "rules.unknown-check", "unknown check '%s'; did you mean '%s'?",
                           id, hint);
            else
                gp_y_error(d, idn, "rules.unknown-check", "unknown check '%s'", id);
            continue;
        }
        gp_check_doc *doc = gp_arena_alloc(rs->arena, sizeof *doc);
        if (!doc)
            return;
        memset(doc, 0, sizeof *doc);
        doc->id = rs_strdup(rs, id);
        static const char *const texts[] = {"description", "bad", "good"};
        const char **slots[] = {&doc->description, &doc->bad, &doc->good};
        for (size_t k = 0; k < 3; k++) {
            yaml_node_t *t = gp_y_get(d, item, texts[k]);
            const char *v = t ? gp_y_string(d, t, texts[k]) : NULL;
            *slots[k] = v ? rs_strdup(rs, v) : NULL;
        }
        yaml_node_t *lv = gp_y_get(d, item, "level");
        const char *ls = lv ? gp_y_string(d, lv, "'level'") : NULL;
        if (ls) {
            if (gp_severity_parse(ls, &doc->level) != 0)
                gp_y_error(d, lv, "rules.type",
                           "'level' must be error, warning, info or off, not '%s'", ls);
            else
                doc->has_level = 1;
        }
        void **slot;
        if (gp_map_upsert(rs->levels, id, strlen(id), &slot) == 0)
            gp_y_error(d, idn, "rules.duplicate", "check '%s' is configured twice", id);
        *slot = doc;
    }
}

static int load_file(gp_ruleset *rs, const char *path, const place *from);

static void read_includes(gp_ruleset *rs, gp_ydoc *d, yaml_node_t *node, const char *dir)
{
    if (!gp_y_is_seq(node) && !gp_y_scalar(node)) {
        gp_y_error(d, node, "rules.type", "'include' must be a list of paths");
        return;
    }
    size_t n = gp_y_is_seq(node) ? gp_y_seq_len(node) : 1;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = gp_y_is_seq(node) ? gp_y_seq_item(d, node, i) : node;
        const char *s = gp_y_string(d, item, "an included path");
        if (!s)
            continue;
        gp_buf path = GP_BUF_INIT;
        if (s[0] == '/')
            gp_buf_puts(&path, s);
        else
            gp_buf_printf(&path, "%s/%s", dir, s);
        place at = node_place(rs, d, item);
        if (strpbrk(s, "*?[")) {
            glob_t g;
            int grc = glob(gp_buf_str(&path), 0, NULL, &g);
            if (grc == 0) {
                for (size_t k = 0; k < g.gl_pathc; k++)
                    load_file(rs, g.gl_pathv[k], &at);
            }
            globfree(&g);
        } else {
            load_file(rs, gp_buf_str(&path), &at);
        }
        gp_buf_free(&path);
    }
}

static int load_file(gp_ruleset *rs, const char *path, const place *from)
{
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        int e = errno;
        if (from)
            rule_error(rs, from, "rules.unreadable", "cannot open rule file '%s': %s", path,
                       strerror(e));
        else /* the path the user gave (-r, GPKIT_RULES): about the run, no place */
            rule_error(rs, NULL, "rules.unreadable", "cannot open rules '%s': %s", path,
                       strerror(e));
        return GP_EIO;
    }
    void **slot;
    int ins = gp_map_upsert(rs->files, real, strlen(real), &slot);
    if (ins < 0)
        return GP_ENOMEM;
    if (ins == 0) {
        rule_error(rs, from, "rules.include", "'%s' is included more than once", path);
        return GP_ERULES;
    }
    gp_ydoc d;
    const char *display = rs_strdup(rs, path);
    int rc = gp_ydoc_load(&d, path, display, NULL, rs->diags);
    if (rc) {
        rs->errors++;
        gp_ydoc_free(&d);
        return rc;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");

    yaml_node_t *root = gp_y_root(&d);
    static const char *const keys[] = {
        "gpkit",   "description",    "include",      "countries",  "regions",
        "topics",  "priority_areas", "institutions", "typography", "listing",
        "booklet", "html",           "xml",          "checks",     "lint",
        "dedup",   "practice",       "old_practice", NULL};
    if (root && !(root->type == YAML_SCALAR_NODE && !*gp_y_scalar(root)) &&
        gp_y_check_map(&d, root, "a rule file", keys) == 0) {
        yaml_node_t *n;
        long version;
        if ((n = gp_y_get(&d, root, "gpkit")))
            gp_y_int(&d, n, "'gpkit'", 1, 1, &version);
        if ((n = gp_y_get(&d, root, "include")))
            read_includes(rs, &d, n, dir);
        if ((n = gp_y_get(&d, root, "countries")))
            read_countries(rs, &d, n);
        if ((n = gp_y_get(&d, root, "regions")))
            read_vocab(rs, &d, n, GP_VOCAB_REGION, "regions");
        if ((n = gp_y_get(&d, root, "topics")))
            read_vocab(rs, &d, n, GP_VOCAB_TOPIC, "topics");
        if ((n = gp_y_get(&d, root, "priority_areas")))
            read_vocab(rs, &d, n, GP_VOCAB_PRIORITY_AREA, "priority_areas");
        if ((n = gp_y_get(&d, root, "institutions")))
            read_vocab(rs, &d, n, GP_VOCAB_INSTITUTION, "institutions");
        if ((n = gp_y_get(&d, root, "typography")))
            read_typography(rs, &d, n);
        if ((n = gp_y_get(&d, root, "listing")))
            read_listing(rs, &d, n);
        if ((n = gp_y_get(&d, root, "booklet")))
            read_booklet(rs, &d, n);
        if ((n = gp_y_get(&d, root, "practice")))
            read_practice(rs, &d, n);
        if ((n = gp_y_get(&d, root, "old_practice")))
            read_old_practice(rs, &d, n);
        if ((n = gp_y_get(&d, root, "html")))
            read_profile(rs, &d, n, dir, &rs->profile_html, "'html'");
        if ((n = gp_y_get(&d, root, "xml")))
            read_profile(rs, &d, n, dir, &rs->profile_xml, "'xml'");
        if ((n = gp_y_get(&d, root, "checks")))
            read_checks(rs, &d, n);
        if ((n = gp_y_get(&d, root, "lint")))
            gp__lint_rules_read(rs, &d, n);
        if ((n = gp_y_get(&d, root, "dedup")))
            gp__dedup_rules_read(rs, &d, n);
    }
    rs->errors += d.errors;
    gp_ydoc_free(&d);
    return GP_OK;
}

/* ---- building the vocabularies ---- */

static long entry_add(gp_ruleset *rs, gp_vocab_kind kind, const char *name, const place *at)
{
    gp_vocab *v = &rs->vocab[kind];
    if (GP_GROW(v->entries, v->cap, v->len + 1) != GP_OK)
        return GP_ENOMEM;
    if (gp__rules_key(rs, name, strlen(name)) < 0)
        return GP_ENOMEM;
    gp_entry *e = &v->entries[v->len];
    memset(e, 0, sizeof *e);
    e->name = rs_strdup(rs, name);
    e->key = gp_arena_strndup(rs->arena, rs->key.data, rs->key.len);
    if (at) {
        e->file = at->file;
        e->line = at->line;
        e->column = at->column;
    }
    return (long)v->len++;
}

static const char *entry_place(const gp_entry *e, char *buf, size_t cap)
{
    if (e->file)
        snprintf(buf, cap, "%s:%ld", e->file, e->line);
    else
        snprintf(buf, cap, "iso-codes");
    return buf;
}

/* Scoped key (country prefix for institutions) into `out`. */
static int scoped_key(gp_ruleset *rs, const char *scope, const char *spelling, gp_buf *out)
{
    gp_buf_reset(out);
    if (scope) {
        gp_buf_puts(out, scope);
        gp_buf_putc(out, '\x1f');
    }
    if (gp__rules_key(rs, spelling, strlen(spelling)) < 0)
        return GP_ENOMEM;
    gp_buf_put(out, rs->key.data, rs->key.len);
    return gp_buf_error(out) ? GP_ENOMEM : GP_OK;
}

/*
 * Adds a spelling for entry `idx`. Conflicts with another entry whose time of validity
 * overlaps are errors for names written in the rules; generated names (iso-codes, ICU)
 * give way to written ones.
 */
static void name_add(gp_ruleset *rs, gp_vocab_kind kind, unsigned idx, const char *scope,
                     const char *spelling, int from, int until, int nkind, const place *at)
{
    gp_vocab *v = &rs->vocab[kind];
    gp_buf key = GP_BUF_INIT;
    if (scoped_key(rs, scope, spelling, &key) != GP_OK ||
        key.len == (scope ? strlen(scope) + 1 : 0)) {
        if (at && key.len == (scope ? strlen(scope) + 1 : 0))
            rule_error(rs, at, "rules.type", "%s name '%s' has no letters or digits",
                       gp_vocab_name(kind), spelling);
        gp_buf_free(&key);
        return;
    }
    void **slot;
    if (gp_map_upsert(v->names, key.data, key.len, &slot) < 0) {
        gp_buf_free(&key);
        return;
    }
    gp_name **link = (gp_name **)slot;
    /*
     * A name the rules write down says all there is to say about that spelling: it
     * replaces what iso-codes or ICU gave (a time of validity would otherwise be undone by
     * an open-ended translation), and generated names never join an explicit one.
     */
    if (is_generated(nkind)) {
        for (gp_name *o = *link; o; o = o->next)
            if (!is_generated(o->kind))
                goto done;
    } else {
        for (gp_name **pp = link; *pp;) {
            gp_name *o = *pp;
            if (is_generated(o->kind) && (o->entry == idx || o->kind == GP_NAME_TRANSLATION))
                *pp = o->next;
            else
                pp = &o->next;
        }
    }
    for (gp_name *o = *link; o; o = o->next) {
        if (o->entry == idx) {
            if (o->kind == nkind && o->from == from && o->until == until)
                goto done; /* the same name twice for one entry: harmless */
            continue;
        }
        if (!periods_overlap(o->from, o->until, from, until))
            continue;
        if (is_generated(nkind))
            goto done;
        char where[PATH_MAX + 32];
        const gp_entry *other = &v->entries[o->entry];
        if (o->file)
            snprintf(where, sizeof where, "%s:%ld", o->file, o->line);
        else
            entry_place(other, where, sizeof where);
        if (o->kind == GP_NAME_CANONICAL && nkind == GP_NAME_CANONICAL)
            rule_error(rs, at, "rules.duplicate", "duplicate %s '%s' (first at %s)",
                       gp_vocab_name(kind), spelling, where);
        else
            rule_error(rs, at, "rules.conflict", "%s name '%s' of '%s' is also a name of '%s' (%s)",
                       gp_vocab_name(kind), spelling, v->entries[idx].name, other->name, where);
        goto done;
    }
    gp_name *nm = gp_arena_alloc(rs->arena, sizeof *nm);
    if (!nm)
        goto done;
    nm->entry = idx;
    nm->from = from;
    nm->until = until;
    nm->spelling = rs_strdup(rs, spelling);
    nm->kind = nkind;
    if (at) {
        nm->file = at->file;
        nm->line = at->line;
        nm->column = at->column;
    }
    gp_name **tail = link;
    while (*tail)
        tail = &(*tail)->next;
    nm->next = NULL;
    *tail = nm;
    if (kind == GP_VOCAB_INSTITUTION && scope && nkind != GP_NAME_ACRONYM) {
        /* Also file the bare name, for records whose country is unknown. */
        size_t skip = strlen(scope) + 1;
        void **gslot;
        if (gp_map_upsert(v->global, key.data + skip, key.len - skip, &gslot) >= 0) {
            gp_name *g = gp_arena_alloc(rs->arena, sizeof *g);
            if (g) {
                *g = *nm;
                g->next = *gslot;
                *gslot = g;
            }
        }
    }
done:
    gp_buf_free(&key);
}

static int json_str(json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = json_is_string(v) ? json_string_value(v) : NULL;
    return *out != NULL;
}

static void load_iso(gp_ruleset *rs, gp_map *codes)
{
    struct gp_decls *ds = rs->decls;
    const char *path = ds->iso_codes ? ds->iso_codes : GP_ISO_CODES_DEFAULT;
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    json_t *list = root ? json_object_get(root, "3166-1") : NULL;
    if (!json_is_array(list)) {
        rule_error(rs, ds->iso_codes ? &ds->iso_at : NULL, "rules.unreadable",
                   "cannot read the iso-codes country list '%s': %s (install Debian's "
                   "iso-codes package)",
                   path, root ? "no '3166-1' list" : jerr.text);
        json_decref(root);
        return;
    }
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *code, *name, *official, *common;
        if (!json_str(c, "alpha_2", &code) || !json_str(c, "name", &name))
            continue;
        long idx = entry_add(rs, GP_VOCAB_COUNTRY, name, NULL);
        if (idx < 0)
            break;
        gp_entry *e = &rs->vocab[GP_VOCAB_COUNTRY].entries[idx];
        e->code = rs_strdup(rs, code);
        gp_map_put(codes, code, strlen(code), (void *)(uintptr_t)(idx + 1));
        name_add(rs, GP_VOCAB_COUNTRY, (unsigned)idx, NULL, name, 0, 0, GP_NAME_CANONICAL, NULL);
        if (json_str(c, "official_name", &official))
            name_add(rs, GP_VOCAB_COUNTRY, (unsigned)idx, NULL, official, 0, 0, GP_NAME_STANDARD,
                     NULL);
        if (json_str(c, "common_name", &common))
            name_add(rs, GP_VOCAB_COUNTRY, (unsigned)idx, NULL, common, 0, 0, GP_NAME_STANDARD,
                     NULL);
    }
    json_decref(root);
}

static void add_translations(gp_ruleset *rs)
{
    struct gp_decls *ds = rs->decls;
    gp_vocab *v = &rs->vocab[GP_VOCAB_COUNTRY];
    for (size_t l = 0; l < ds->nlanguages; l++) {
        for (size_t i = 0; i < v->len; i++) {
            char loc[16];
            snprintf(loc, sizeof loc, "und_%s", v->entries[i].code);
            UChar name[128];
            UErrorCode st = U_ZERO_ERROR;
            int32_t n = uloc_getDisplayCountry(loc, ds->languages[l], name, 128, &st);
            /* ICU falls back to the code itself when it has no name. */
            if (U_FAILURE(st) || st == U_USING_DEFAULT_WARNING || n <= 2)
                continue;
            char utf8[512];
            int32_t m = 0;
            st = U_ZERO_ERROR;
            u_strToUTF8(utf8, sizeof utf8, &m, name, n, &st);
            if (U_FAILURE(st) || m >= (int32_t)sizeof utf8)
                continue;
            utf8[m] = '\0';
            name_add(rs, GP_VOCAB_COUNTRY, (unsigned)i, NULL, utf8, 0, 0, GP_NAME_TRANSLATION,
                     NULL);
        }
    }
}

static int resolve_country_ref(gp_ruleset *rs, gp_map *codes, const char *ref)
{
    void *v = gp_map_get(codes, ref, strlen(ref));
    if (v)
        return (int)(uintptr_t)v - 1;
    gp_resolution res;
    if (gp_ruleset_resolve(rs, GP_VOCAB_COUNTRY, ref, strlen(ref), 0, NULL, &res) == GP_OK &&
        res.match != GP_MATCH_NONE)
        return (int)res.index;
    return -1;
}

static void add_names(gp_ruleset *rs, gp_vocab_kind kind, unsigned idx, const char *scope,
                      const decl_entry *d)
{
    for (size_t a = 0; a < d->naliases; a++) {
        const decl_name *n = &d->aliases[a];
        name_add(rs, kind, idx, scope, n->spelling, n->from, n->until, GP_NAME_ALIAS, &n->at);
    }
    for (size_t a = 0; a < d->ntranslations; a++) {
        const decl_name *n = &d->translations[a];
        name_add(rs, kind, idx, scope, n->spelling, n->from, n->until, GP_NAME_WRITTEN_TRANSLATION,
                 &n->at);
    }
}

/* 'alias_of' entries: aliases for an entry declared anywhere in the rules. */
static void apply_extensions(gp_ruleset *rs, gp_vocab_kind kind, gp_map *codes)
{
    struct gp_decls *ds = rs->decls;
    for (size_t i = 0; i < ds->len; i++) {
        decl_entry *d = &ds->items[i];
        if (d->kind != kind || !d->extends)
            continue;
        const char *scope = NULL;
        if (kind == GP_VOCAB_INSTITUTION) {
            int c = d->country ? resolve_country_ref(rs, codes, d->country) : -1;
            if (c < 0) {
                rule_error(rs, d->country ? &d->country_at : &d->at, "rules.reference",
                           "an 'alias_of' institution needs a known 'country'");
                continue;
            }
            scope = rs->vocab[GP_VOCAB_COUNTRY].entries[c].code;
        }
        gp_resolution r;
        if (gp_ruleset_resolve(rs, kind, d->name, strlen(d->name), 0, scope, &r) != GP_OK ||
            r.match == GP_MATCH_NONE) {
            rule_error(rs, &d->at, "rules.reference", "alias_of '%s' is not a %s of the rules",
                       d->name, gp_vocab_name(kind));
            continue;
        }
        add_names(rs, kind, r.index, scope, d);
    }
}

static void build(gp_ruleset *rs)
{
    struct gp_decls *ds = rs->decls;
    gp_map *codes = NULL;
    if (gp_map_new(&codes) != GP_OK)
        return;
    /* Regions first: countries refer to them. */
    for (size_t i = 0; i < ds->len; i++) {
        decl_entry *d = &ds->items[i];
        if ((d->kind != GP_VOCAB_REGION && d->kind != GP_VOCAB_TOPIC &&
             d->kind != GP_VOCAB_PRIORITY_AREA) ||
            d->extends)
            continue;
        long idx = entry_add(rs, d->kind, d->name, &d->at);
        if (idx < 0)
            break;
        d->idx = idx;
        name_add(rs, d->kind, (unsigned)idx, NULL, d->name, 0, 0, GP_NAME_CANONICAL, &d->at);
        add_names(rs, d->kind, (unsigned)idx, NULL, d);
    }
    apply_extensions(rs, GP_VOCAB_REGION, NULL);
    apply_extensions(rs, GP_VOCAB_TOPIC, NULL);
    apply_extensions(rs, GP_VOCAB_PRIORITY_AREA, NULL);
    load_iso(rs, codes);
    gp_vocab *cv = &rs->vocab[GP_VOCAB_COUNTRY];
    gp_map *seen_codes = NULL;
    gp_map_new(&seen_codes);
    for (size_t i = 0; i < ds->len; i++) {
        decl_entry *d = &ds->items[i];
        if (d->kind != GP_VOCAB_COUNTRY || d->extends)
            continue;
        if (seen_codes) {
            void **slot;
            if (gp_map_upsert(seen_codes, d->code, 2, &slot) == 0) {
                const decl_entry *first = *slot;
                rule_error(rs, &d->at, "rules.duplicate",
                           "country '%s' has two entries (first at %s:%ld)", d->code,
                           first->at.file, first->at.line);
                continue;
            }
            *slot = d;
        }
        void *found = gp_map_get(codes, d->code, 2);
        long idx;
        if (found) {
            idx = (long)(uintptr_t)found - 1;
            if (d->name && strcmp(d->name, cv->entries[idx].name) != 0) {
                /* A canonical name other than ISO's; the ISO name stays a known name. */
                if (gp__rules_key(rs, d->name, strlen(d->name)) < 0)
                    break;
                cv->entries[idx].name = d->name;
                cv->entries[idx].key = gp_arena_strndup(rs->arena, rs->key.data, rs->key.len);
                name_add(rs, GP_VOCAB_COUNTRY, (unsigned)idx, NULL, d->name, 0, 0,
                         GP_NAME_CANONICAL, &d->at);
            }
        } else if (d->name) {
            idx = entry_add(rs, GP_VOCAB_COUNTRY, d->name, &d->at);
            if (idx < 0)
                break;
            cv->entries[idx].code = d->code;
            gp_map_put(codes, d->code, 2, (void *)(uintptr_t)(idx + 1));
            name_add(rs, GP_VOCAB_COUNTRY, (unsigned)idx, NULL, d->name, 0, 0, GP_NAME_CANONICAL,
                     &d->at);
        } else {
            rule_error(rs, &d->at, "rules.reference",
                       "country code '%s' is not in iso-codes; give it a 'name'", d->code);
            continue;
        }
        if (d->region) {
            gp_resolution r;
            if (gp_ruleset_resolve(rs, GP_VOCAB_REGION, d->region, strlen(d->region), 0, NULL,
                                   &r) == GP_OK &&
                r.match != GP_MATCH_NONE)
                cv->entries[idx].region = r.canonical;
            else
                rule_error(rs, &d->region_at, "rules.reference",
                           "region '%s' of country '%s' is not a region of the rules", d->region,
                           d->code);
        }
        add_names(rs, GP_VOCAB_COUNTRY, (unsigned)idx, NULL, d);
    }
    gp_map_free(seen_codes);
    apply_extensions(rs, GP_VOCAB_COUNTRY, codes);
    add_translations(rs);
    /* Broader topics, now that every topic exists. */
    gp_vocab *tv = &rs->vocab[GP_VOCAB_TOPIC];
    for (size_t i = 0; i < ds->len; i++) {
        decl_entry *d = &ds->items[i];
        if (d->kind != GP_VOCAB_TOPIC || !d->nbroader)
            continue;
        size_t idx = (size_t)d->idx;
        const char **b = gp_arena_alloc(rs->arena, d->nbroader * sizeof *b);
        if (!b)
            break;
        size_t nb = 0;
        for (size_t k = 0; k < d->nbroader; k++) {
            gp_resolution r;
            const char *s = d->broader[k].spelling;
            if (gp_ruleset_resolve(rs, GP_VOCAB_TOPIC, s, strlen(s), 0, NULL, &r) == GP_OK &&
                r.match != GP_MATCH_NONE) {
                if (r.index == idx)
                    rule_error(rs, &d->broader[k].at, "rules.reference",
                               "topic '%s' cannot be broader than itself", d->name);
                else
                    b[nb++] = r.canonical;
            } else {
                rule_error(rs, &d->broader[k].at, "rules.reference",
                           "broader topic '%s' of '%s' is not a topic", s, d->name);
            }
        }
        tv->entries[idx].broader = b;
        tv->entries[idx].nbroader = nb;
    }
    /* Institutions, in their countries. */
    for (size_t i = 0; i < ds->len; i++) {
        decl_entry *d = &ds->items[i];
        if (d->kind != GP_VOCAB_INSTITUTION || !d->country || d->extends)
            continue;
        int c = resolve_country_ref(rs, codes, d->country);
        if (c < 0) {
            rule_error(rs, &d->country_at, "rules.reference",
                       "country '%s' of institution '%s' is not a known country", d->country,
                       d->name);
            continue;
        }
        const char *code = cv->entries[c].code;
        long idx = entry_add(rs, GP_VOCAB_INSTITUTION, d->name, &d->at);
        if (idx < 0)
            break;
        gp_entry *e = &rs->vocab[GP_VOCAB_INSTITUTION].entries[idx];
        e->country = code;
        e->acronym = d->acronym;
        name_add(rs, GP_VOCAB_INSTITUTION, (unsigned)idx, code, d->name, 0, 0, GP_NAME_CANONICAL,
                 &d->at);
        if (d->acronym)
            name_add(rs, GP_VOCAB_INSTITUTION, (unsigned)idx, code, d->acronym, 0, 0,
                     GP_NAME_ACRONYM, &d->at);
        add_names(rs, GP_VOCAB_INSTITUTION, (unsigned)idx, code, d);
    }
    apply_extensions(rs, GP_VOCAB_INSTITUTION, codes);
    gp_map_free(codes);
}

/* ---- life cycle ---- */

int gp_ruleset_load(gp_ruleset **out, const char *path, gp_diag_sink *diags)
{
    *out = NULL;
    gp_ruleset *rs = calloc(1, sizeof *rs);
    if (!rs)
        return GP_ENOMEM;
    rs->diags = diags;
    struct gp_decls decls;
    memset(&decls, 0, sizeof decls);
    rs->decls = &decls;
    int rc = gp_arena_new(&rs->arena) ? GP_ENOMEM : GP_OK;
    if (!rc)
        rc = gp_text_new(&rs->text);
    if (!rc)
        rc = gp_foldmap_new(&rs->typography);
    for (int k = 0; !rc && k < GP_VOCAB_COUNT; k++) {
        rc = gp_map_new(&rs->vocab[k].names);
        if (!rc && k == GP_VOCAB_INSTITUTION)
            rc = gp_map_new(&rs->vocab[k].global);
    }
    if (!rc)
        rc = gp_map_new(&rs->levels);
    if (!rc)
        rc = gp_map_new(&rs->files);
    if (rc) {
        gp_ruleset_free(rs);
        return rc;
    }
    if (!path)
        path = gp_rules_default_path();
    gp_buf entry = GP_BUF_INIT;
    size_t plen = strlen(path);
    while (plen > 1 && path[plen - 1] == '/')
        plen--;
    gp_buf_put(&entry, path, plen);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        gp_buf_printf(&entry, "/%s", GP_ENTRY_FILE);
    }
    rs->path = gp__strdup(gp_buf_str(&entry));
    gp_buf_free(&entry);
    if (!rs->path) {
        gp_ruleset_free(rs);
        return GP_ENOMEM;
    }
    rc = load_file(rs, rs->path, NULL);
    if (rc == GP_OK || rs->errors)
        build(rs);
    free(decls.items);
    free(decls.languages);
    rs->decls = NULL;
    if (rc == GP_ENOMEM) {
        gp_ruleset_free(rs);
        return rc;
    }
    if (rs->errors || rc) {
        gp_ruleset_free(rs);
        /* the entry file missing is one message already; no "the rules have errors" */
        return rc == GP_EIO ? GP_EIO : GP_ERULES;
    }
    *out = rs;
    return GP_OK;
}

void gp_ruleset_free(gp_ruleset *rs)
{
    if (!rs)
        return;
    for (int k = 0; k < GP_VOCAB_COUNT; k++) {
        free(rs->vocab[k].entries);
        gp_map_free(rs->vocab[k].names);
        gp_map_free(rs->vocab[k].global);
    }
    for (size_t i = 0; i < rs->booklet.nheadings; i++)
        gp_regex_free(rs->booklet.headings[i]);
    for (size_t i = 0; i < rs->booklet.nfooters; i++)
        gp_regex_free(rs->booklet.footers[i]);
    free(rs->booklet.headings);
    free(rs->booklet.footers);
    free(rs->booklet.sections);
    for (size_t i = 0; i < rs->old_practice.nchrome; i++)
        gp_regex_free(rs->old_practice.chrome[i]);
    free(rs->old_practice.chrome);
    free(rs->listing.separators);
    gp_map_free(rs->levels);
    gp_map_free(rs->files);
    gp__lint_rules_free(rs->lint);
    gp__dedup_rules_free(rs->dedup);
    gp_foldmap_free(rs->typography);
    gp_text_free(rs->text);
    gp_buf_free(&rs->key);
    gp_arena_free(rs->arena);
    free(rs->path);
    free(rs);
}
