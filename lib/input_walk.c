/*
 * lib/input_walk.c - a folder named as an input stands for the files under it.
 *
 * Each folder is read whole, its entries sorted by the bytes of their names (the order
 * does not depend on the file system or the locale, so outputs are reproducible), and
 * visited depth first. Names starting with '.' are left out (.git, editor backups).
 * Symbolic links are followed; every folder read is kept by device and inode, so a link
 * back to a folder above, or two links to one folder, cannot make the walk read a file
 * twice or never end.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gpkit/input.h"
#include "internal.h"

enum { WALK_MAX_DEPTH = 128 };

typedef struct seen_dir {
    dev_t dev;
    ino_t ino;
    char *name;
} seen_dir;

typedef struct walker {
    gp_diag_sink *diags;
    gp_path_fn fn;
    void *ctx;
    seen_dir *seen;
    size_t nseen, cap;
    int failed; /* a folder could not be read */
} walker;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The visible entries of a folder, sorted; NULL with *rc set when it cannot be read. */
static char **list_dir(walker *w, const char *path, size_t *n, int *rc)
{
    *n = 0;
    *rc = GP_OK;
    DIR *dir = opendir(path);
    if (!dir) {
        int e = errno;
        gp_diag_report(w->diags, GP_SEV_ERROR, "input.unreadable", NULL, 0, 0,
                       "cannot open folder '%s': %s", path, strerror(e));
        *rc = GP_EIO;
        return NULL;
    }
    char **names = NULL;
    size_t cap = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *copy = NULL;
        if (GP_GROW(names, cap, *n + 1) != GP_OK || !(copy = gp__strdup(de->d_name))) {
            *rc = GP_ENOMEM;
            break;
        }
        names[(*n)++] = copy;
        errno = 0;
    }
    if (!*rc && errno) {
        int e = errno;
        gp_diag_report(w->diags, GP_SEV_ERROR, "input.unreadable", NULL, 0, 0,
                       "cannot read folder '%s': %s", path, strerror(e));
        *rc = GP_EIO;
    }
    closedir(dir);
    if (*rc) {
        for (size_t i = 0; i < *n; i++)
            free(names[i]);
        free(names);
        *n = 0;
        return NULL;
    }
    if (*n > 1)
        qsort(names, *n, sizeof *names, cmp_names);
    return names;
}

/* Notes a folder; 1 when it was read already (reported), 0, or GP_ENOMEM. */
static int seen_before(walker *w, const char *path, const struct stat *st)
{
    for (size_t i = 0; i < w->nseen; i++) {
        if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino) {
            gp_diag_report(w->diags, GP_SEV_WARNING, "input.repeated", NULL, 0, 0,
                           "folder '%s' is the same as '%s', read already; not read again", path,
                           w->seen[i].name);
            return 1;
        }
    }
    if (GP_GROW(w->seen, w->cap, w->nseen + 1) != GP_OK)
        return GP_ENOMEM;
    char *name = gp__strdup(path);
    if (!name)
        return GP_ENOMEM;
    w->seen[w->nseen++] = (seen_dir){st->st_dev, st->st_ino, name};
    return 0;
}

static int walk_dir(walker *w, const char *path, const struct stat *st, int depth)
{
    int rc = seen_before(w, path, st);
    if (rc)
        return rc < 0 ? rc : GP_OK;
    if (depth > WALK_MAX_DEPTH) {
        gp_diag_report(w->diags, GP_SEV_ERROR, "input.unreadable", NULL, 0, 0,
                       "folder '%s' is more than %d folders deep; not read", path, WALK_MAX_DEPTH);
        w->failed = 1;
        return GP_OK;
    }
    size_t n;
    char **names = list_dir(w, path, &n, &rc);
    if (!names) {
        if (rc == GP_EIO)
            w->failed = 1;
        return rc == GP_EIO ? GP_OK : rc;
    }
    size_t plen = strlen(path);
    while (plen > 1 && path[plen - 1] == '/')
        plen--;
    gp_buf child = GP_BUF_INIT;
    for (size_t i = 0; i < n && !rc; i++) {
        gp_buf_reset(&child);
        gp_buf_put(&child, path, plen);
        if (!(plen == 1 && path[0] == '/'))
            gp_buf_putc(&child, '/');
        gp_buf_puts(&child, names[i]);
        if (gp_buf_error(&child)) {
            rc = GP_ENOMEM;
            break;
        }
        struct stat cst;
        if (stat(gp_buf_str(&child), &cst) == 0 && S_ISDIR(cst.st_mode))
            rc = walk_dir(w, gp_buf_str(&child), &cst, depth + 1);
        else if (stat(gp_buf_str(&child), &cst) != 0 || S_ISREG(cst.st_mode))
            rc = w->fn(w->ctx, gp_buf_str(&child)); /* a dangling link: opening says so */
        /* sockets, pipes and devices in a folder are not dumps: left out */
    }
    gp_buf_free(&child);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int gp_input_walk(const char *path, gp_diag_sink *diags, gp_path_fn fn, void *ctx)
{
    struct stat st;
    if (!path || strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return fn(ctx, path ? path : "-");
    walker w = {diags, fn, ctx, NULL, 0, 0, 0};
    int rc = walk_dir(&w, path, &st, 0);
    for (size_t i = 0; i < w.nseen; i++)
        free(w.seen[i].name);
    free(w.seen);
    return rc ? rc : w.failed ? GP_EIO : GP_OK;
}
