/*
 * tests/fuzz/fuzz.c - the plumbing the harnesses share (see fuzz.h).
 */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef GP_FUZZ_RULES_DIR
#define GP_FUZZ_RULES_DIR "rules"
#endif

static fz_env env;
static int env_ready;
static FILE *devnull;

void fz_fail(const char *what, const char *detail, size_t len)
{
    fprintf(stderr, "fuzz: %s\n%.*s\n", what, (int)(len > 4000 ? 4000 : len), detail ? detail : "");
    abort();
}

/* Every string of a diagnostic must be a terminated string; the printer reads them all. */
static int check_diag(void *ctx, const gp_diag *d)
{
    (void)ctx;
    const char *s[] = {d->rule_id, d->message, d->file, d->record_id, d->pointer, d->value, d->fix};
    size_t n = 0;
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        if (s[i])
            n += strlen(s[i]);
    if (!d->rule_id || !d->message)
        fz_fail("diagnostic without rule id or message", NULL, n);
    gp_diag_print_human(devnull, d, 0);
    return 0;
}

static int print_diag(void *ctx, const gp_diag *d)
{
    (void)ctx;
    gp_diag_print_human(stderr, d, 0);
    return 0;
}

static void env_free(void)
{
    gp_normalizer_free(env.norm);
    gp_ruleset_free(env.rules);
    gp_global_cleanup();
    if (devnull)
        fclose(devnull);
}

fz_env *fz_env_get(void)
{
    if (env_ready)
        return &env;
    const char *path = getenv("GPKIT_RULES");
    if (!path || !*path)
        path = GP_FUZZ_RULES_DIR;
    gp_diag_sink load;
    gp_diag_sink_init(&load, print_diag, NULL);
    if (gp_ruleset_load(&env.rules, path, &load) != GP_OK) {
        fprintf(stderr, "fuzz: cannot load the rules in '%s'\n", path);
        abort();
    }
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    gp_diag_sink_init(&env.sink, check_diag, NULL);
    env.sink.level_fn = gp_ruleset_level;
    env.sink.level_ctx = env.rules;
    if (gp_normalizer_new(&env.norm, env.rules, &env.sink) != GP_OK)
        abort();
    env_ready = 1;
    atexit(env_free);
    return &env;
}

static gp_buf first, second, unknown;
static gp_arena *scratch;

/* Reads `line` (one JSON line and its newline) into a fresh record. */
static void read_back(gp_record *rec, const gp_buf *line)
{
    gp_record_init(rec, scratch);
    gp_json_error err;
    gp_buf_reset(&unknown);
    if (gp_record_read_json(rec, line->data, line->len - 1, &unknown, &err) != GP_OK) {
        fprintf(stderr, "fuzz: reader: %s at column %ld\n", err.message, err.column);
        fz_fail("the record reader refuses what the writer wrote", line->data, line->len);
    }
    if (unknown.len)
        fz_fail("the record reader finds unknown keys in what the writer wrote", line->data,
                line->len);
}

static void same(const gp_buf *a, const gp_buf *b, const char *what)
{
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0) {
        fprintf(stderr, "fuzz: first:  %.*s", (int)a->len, a->data);
        fprintf(stderr, "fuzz: second: %.*s", (int)b->len, b->data);
        fz_fail(what, NULL, 0);
    }
}

int fz_record(void *ctx, gp_record *rec)
{
    fz_env *e = ctx;
    if (!scratch && gp_arena_new(&scratch) != 0)
        abort();
    gp_record copy;

    /* the raw record, with where each field was read */
    gp_buf_reset(&first);
    gp_record_write_json(rec, &first, 1);
    if (gp_buf_error(&first))
        abort();
    if (first.len == 0 || first.data[first.len - 1] != '\n' ||
        memchr(first.data, '\n', first.len) != first.data + first.len - 1)
        fz_fail("the writer did not write one line", first.data, first.len);
    gp_arena_reset(scratch);
    read_back(&copy, &first);
    gp_buf_reset(&second);
    gp_record_write_json(&copy, &second, 1);
    same(&first, &second, "a raw record does not read back to the same bytes");

    /* canonical: normalising it again changes nothing */
    if (gp_norm_record(e->norm, rec) != GP_OK)
        abort();
    gp_buf_reset(&first);
    gp_record_write_json(rec, &first, 0);
    gp_arena_reset(scratch);
    read_back(&copy, &first);
    if (gp_norm_record(e->norm, &copy) != GP_OK)
        abort();
    gp_buf_reset(&second);
    gp_record_write_json(&copy, &second, 0);
    same(&first, &second, "normalising a canonical record again changes it");
    return 0;
}

void fz_extract(gp_extractor *ex, const uint8_t *data, size_t size)
{
    gp_extract_mem(ex, "fuzz-input", (const char *)data, size, fz_record, fz_env_get());
}

static char dir[256];

static void dir_remove(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        char path[512];
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

const char *fz_dir(void)
{
    if (dir[0])
        return dir;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/gpkit-fuzz-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(dir_remove);
    return dir;
}

const char *fz_write_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fz_dir(), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror("fuzz: open");
        abort();
    }
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            perror("fuzz: write");
            abort();
        }
        done += (size_t)n;
    }
    close(fd);
    return path;
}
