/*
 * lib/config.c - the project file .gpkit.yaml: finding it and reading it.
 */
#include "gpkit/config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpkit/common.h"
#include "internal.h"
#include "ydoc.h"

/* The working directory, malloc'd (getcwd(NULL, 0) is a glibc extension). */
static char *cwd_dup(void)
{
    size_t cap = 256;
    for (;;) {
        char *b = malloc(cap);
        if (!b)
            return NULL;
        if (getcwd(b, cap))
            return b;
        free(b);
        if (errno != ERANGE || cap > (1u << 20))
            return NULL;
        cap *= 2;
    }
}

static int exists(const char *dir, const char *name, int *is_file)
{
    gp_buf p = GP_BUF_INIT;
    gp_buf_printf(&p, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name);
    struct stat st;
    int found = !p.oom && stat(gp_buf_str(&p), &st) == 0;
    if (is_file)
        *is_file = found && S_ISREG(st.st_mode);
    gp_buf_free(&p);
    return found;
}

/* Cuts the last component off an absolute path; 0 when it was the root already. */
static int parent(char *dir)
{
    char *slash = strrchr(dir, '/');
    if (!slash || (slash == dir && !dir[1]))
        return 0;
    if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    return 1;
}

static char *start_dir(const char *dir)
{
    if (!dir)
        return cwd_dup();
    char *r = realpath(dir, NULL);
    return r ? r : gp__strdup(dir);
}

int gp_repo_root(const char *dir, char **out)
{
    *out = NULL;
    char *d = start_dir(dir);
    if (!d)
        return GP_ENOMEM;
    do {
        if (exists(d, ".git", NULL)) {
            *out = d;
            return GP_OK;
        }
    } while (parent(d));
    free(d);
    return GP_OK;
}

int gp_config_find(const char *dir, char **out)
{
    *out = NULL;
    char *d = start_dir(dir);
    if (!d)
        return GP_ENOMEM;
    do {
        int is_file = 0;
        if (exists(d, GP_CONFIG_NAME, &is_file) && is_file) {
            gp_buf p = GP_BUF_INIT;
            gp_buf_printf(&p, "%s/%s", strcmp(d, "/") == 0 ? "" : d, GP_CONFIG_NAME);
            free(d);
            *out = gp_buf_detach(&p);
            return *out ? GP_OK : GP_ENOMEM;
        }
        /* a repository's project file is at its root: do not read a parent project's */
        if (exists(d, ".git", NULL))
            break;
    } while (parent(d));
    free(d);
    return GP_OK;
}

void gp_config_free(gp_config *c)
{
    if (!c)
        return;
    free(c->file);
    free(c->rules);
    free(c->baseline);
    free(c->decisions);
    for (size_t i = 0; i < c->noutputs; i++)
        free(c->outputs[i].path);
    free(c->outputs);
    free(c->sarif_base);
    free(c->sarif_help_uri);
    free(c);
}

/* A path of the file, relative to the file's own directory (`base`, with its '/'). */
static char *path_in(gp_ydoc *d, const yaml_node_t *node, const char *what, const char *base,
                     size_t base_len, int *oom)
{
    const char *s = gp_y_string(d, node, what);
    if (!s)
        return NULL;
    if (!*s) {
        gp_y_error(d, node, "rules.type", "%s must not be empty", what);
        return NULL;
    }
    gp_buf p = GP_BUF_INIT;
    if (s[0] != '/' && strcmp(s, "-") != 0)
        gp_buf_put(&p, base, base_len);
    gp_buf_puts(&p, s);
    char *r = gp_buf_detach(&p);
    if (!r)
        *oom = 1;
    return r;
}

static void read_size(gp_ydoc *d, const yaml_node_t *node, const char *what, long max, size_t *out)
{
    long v;
    if (gp_y_int(d, node, what, 1, max, &v) == 0)
        *out = (size_t)v;
}

static int read_outputs(gp_ydoc *d, gp_config *c, const yaml_node_t *seq, const char *base,
                        size_t base_len, int *oom)
{
    if (!gp_y_is_seq(seq)) {
        gp_y_error(d, seq, "rules.type", "'outputs' must be a list of FORMAT=FILE entries");
        return 0;
    }
    size_t n = gp_y_seq_len(seq);
    c->outputs = calloc(n ? n : 1, sizeof *c->outputs);
    if (!c->outputs)
        return GP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = gp_y_seq_item(d, seq, i);
        const char *s = gp_y_string(d, item, "an 'outputs' entry");
        gp_findings_format f;
        const char *file;
        if (!s)
            continue;
        if (gp_findings_output_parse(s, &f, &file) != 0) {
            gp_y_error(d, item, "rules.reference",
                       "'%s' is not FORMAT=FILE with FORMAT human, json, sarif, github or "
                       "markdown",
                       s);
            continue;
        }
        gp_buf p = GP_BUF_INIT;
        if (file[0] != '/' && strcmp(file, "-") != 0)
            gp_buf_put(&p, base, base_len);
        gp_buf_puts(&p, file);
        char *path = gp_buf_detach(&p);
        if (!path) {
            *oom = 1;
            return GP_ENOMEM;
        }
        c->outputs[c->noutputs++] = (gp_config_output){f, path};
    }
    return GP_OK;
}

int gp_config_load(gp_config **out, const char *path, gp_diag_sink *diags)
{
    *out = NULL;
    gp_config *c = calloc(1, sizeof *c);
    if (!c || !(c->file = gp__strdup(path))) {
        free(c);
        return GP_ENOMEM;
    }
    gp_ydoc d;
    int rc = gp_ydoc_load(&d, path, path, "project file", diags);
    if (rc) {
        gp_ydoc_free(&d);
        gp_config_free(c);
        return rc;
    }
    const char *slash = strrchr(path, '/');
    size_t base_len = slash ? (size_t)(slash - path) + 1 : 0;
    int oom = 0;
    yaml_node_t *root = gp_y_root(&d);
    static const char *const keys[] = {"rules",   "baseline", "decisions", "fail-on",
                                       "outputs", "sarif",    "markdown",  NULL};
    static const char *const sarif_keys[] = {"base", "max-results", "help-uri", NULL};
    static const char *const md_keys[] = {"max-findings", NULL};
    if (root && !(root->type == YAML_SCALAR_NODE && !*gp_y_scalar(root)) &&
        gp_y_check_map(&d, root, "a project file", keys) == 0) {
        yaml_node_t *n;
        if ((n = gp_y_get(&d, root, "rules")))
            c->rules = path_in(&d, n, "'rules'", path, base_len, &oom);
        if ((n = gp_y_get(&d, root, "baseline")))
            c->baseline = path_in(&d, n, "'baseline'", path, base_len, &oom);
        if ((n = gp_y_get(&d, root, "decisions")))
            c->decisions = path_in(&d, n, "'decisions'", path, base_len, &oom);
        if ((n = gp_y_get(&d, root, "fail-on"))) {
            const char *s = gp_y_string(&d, n, "'fail-on'");
            if (s && strcmp(s, "never") == 0) {
                c->has_fail_on = 1;
                c->fail_on = GP_SEV_OFF;
            } else if (s && gp_severity_parse(s, &c->fail_on) == 0 && c->fail_on != GP_SEV_INFO) {
                c->has_fail_on = 1;
            } else if (s) {
                gp_y_error(&d, n, "rules.reference",
                           "'fail-on' must be error, warning or never, not '%s'", s);
            }
        }
        if ((n = gp_y_get(&d, root, "outputs")))
            rc = read_outputs(&d, c, n, path, base_len, &oom);
        if ((n = gp_y_get(&d, root, "sarif")) &&
            gp_y_check_map(&d, n, "'sarif'", sarif_keys) == 0) {
            yaml_node_t *v;
            if ((v = gp_y_get(&d, n, "base")))
                c->sarif_base = path_in(&d, v, "'sarif: base'", path, base_len, &oom);
            if ((v = gp_y_get(&d, n, "max-results")))
                read_size(&d, v, "'sarif: max-results'", GP_SARIF_MAX_RESULTS,
                          &c->sarif_max_results);
            if ((v = gp_y_get(&d, n, "help-uri"))) {
                const char *s = gp_y_string(&d, v, "'sarif: help-uri'");
                if (s && !(c->sarif_help_uri = gp__strdup(s)))
                    oom = 1;
            }
        }
        if ((n = gp_y_get(&d, root, "markdown")) &&
            gp_y_check_map(&d, n, "'markdown'", md_keys) == 0) {
            yaml_node_t *v;
            if ((v = gp_y_get(&d, n, "max-findings")))
                read_size(&d, v, "'markdown: max-findings'", 1000000, &c->markdown_max_findings);
        }
    }
    if (oom && !rc)
        rc = GP_ENOMEM;
    if (!rc && d.errors)
        rc = GP_ERULES;
    gp_ydoc_free(&d);
    if (rc) {
        gp_config_free(c);
        return rc;
    }
    *out = c;
    return GP_OK;
}
