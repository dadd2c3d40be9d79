/*
 * tools/tool.c - the shared part of the gp-* tools.
 */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *rules_arg;
static const char *config_arg;
static int no_config;

static int load_config(gp_tool *t);

/* ---- messages on stderr ---- */

static void clear_progress(gp_tool *t)
{
    if (t->progress_shown)
        fputs("\r\033[K", stderr);
    t->progress_shown = 0;
}

void gp_tool_print_diag(gp_tool *t, const gp_diag *d)
{
    if (t->verbosity == GP_QUIET && d->severity < GP_SEV_ERROR)
        return;
    clear_progress(t);
    if (d->file || d->line > 0)
        gp_diag_print_human(stderr, d, t->color);
    else if (d->severity == GP_SEV_ERROR || !d->rule_id)
        fprintf(stderr, "%s: %s\n", t->name, d->message ? d->message : "");
    else
        fprintf(stderr, "%s: %s: %s\n", t->name, gp_severity_name(d->severity),
                d->message ? d->message : "");
}

static int print_diag(void *ctx, const gp_diag *d)
{
    gp_tool_print_diag(ctx, d);
    return 0;
}

int gp_tool_is_run_diag(const gp_diag *d)
{
    /* Each says that a whole input, the rules or the profile could not be used. */
    static const char *const ids[] = {
        "input.unreadable", "input.binary",   "input.unknown-format", "input.empty",
        "input.no-records", "input.repeated", "markup.unreadable"};
    if (!d->rule_id || !d->file)
        return 1;
    if (strncmp(d->rule_id, "rules.", 6) == 0 || strncmp(d->rule_id, "profile.", 8) == 0)
        return 1;
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        if (strcmp(d->rule_id, ids[i]) == 0)
            return 1;
    return 0;
}

/* Findings go into the report; those about the run reach the terminal too. */
static int collect_finding(void *ctx, const gp_diag *d)
{
    gp_tool *t = ctx;
    if (gp_tool_is_run_diag(d)) {
        gp_tool_print_diag(t, d);
        if (!t->findings_keep_run)
            return 0;
    }
    return gp_diag_list_collect(t->findings, d);
}

void gp_tool_findings_sink(gp_tool *t, gp_diag_sink *sink, gp_diag_list *list, int keep_run)
{
    t->findings = list;
    t->findings_keep_run = keep_run;
    gp_diag_sink_init(sink, collect_finding, t);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int gp_tool_shows_progress(const gp_tool *t)
{
    return t->verbosity != GP_QUIET && isatty(STDERR_FILENO);
}

void gp_tool_progress(gp_tool *t, const char *phase, size_t done, size_t total)
{
    if (!gp_tool_shows_progress(t))
        return;
    long long now = now_ms();
    /* a line rewritten at most five times a second costs nothing next to the work */
    int same_phase = strncmp(t->progress_phase, phase, sizeof t->progress_phase - 1) == 0;
    if (t->progress_shown && same_phase && now - t->progress_last_ms < 200 &&
        !(total && done == total))
        return;
    t->progress_last_ms = now;
    snprintf(t->progress_phase, sizeof t->progress_phase, "%s", phase);
    if (total)
        fprintf(stderr, "\r\033[K%s: %s %zu of %zu (%zu%%)", t->name, phase, done, total,
                done * 100 / total);
    else if (done)
        fprintf(stderr, "\r\033[K%s: %s %zu records", t->name, phase, done);
    else
        fprintf(stderr, "\r\033[K%s: %s", t->name, phase);
    t->progress_shown = 1;
}

void gp_tool_progress_end(gp_tool *t)
{
    clear_progress(t);
}

void gp_tool_stdin_hint(gp_tool *t, const char *path)
{
    if (strcmp(path, "-") != 0 || t->verbosity == GP_QUIET || !isatty(STDIN_FILENO))
        return;
    /* A terminal that gives nothing for a second: the user may not know we wait for it. */
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, 1000) == 0) {
        clear_progress(t);
        fprintf(stderr, "%s: reading records from standard input; Ctrl-D ends\n", t->name);
    }
}

void gp_tool_error(const gp_tool *t, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", t->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The help text from column 30, wrapped at word ends to stay within 79 columns. */
static void print_wrapped(FILE *out, const char *text)
{
    const size_t width = 79 - 30;
    const char *p = text;
    while (*p) {
        size_t len = strlen(p);
        if (len > width) {
            len = width;
            while (len > 0 && p[len] != ' ')
                len--;
            if (len == 0)
                len = strcspn(p, " ");
        }
        fprintf(out, "%.*s\n", (int)len, p);
        p += len;
        while (*p == ' ')
            p++;
        if (*p)
            fprintf(out, "%30s", "");
    }
}

static void print_opt(FILE *out, const gp_opt *o)
{
    char left[64];
    if (o->short_name)
        snprintf(left, sizeof left, "  -%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    else
        snprintf(left, sizeof left, "      --%s%s%s", o->name, o->arg ? "=" : "",
                 o->arg ? o->arg : "");
    if (strlen(left) > 28)
        fprintf(out, "%s\n%30s", left, "");
    else
        fprintf(out, "%-30s", left);
    print_wrapped(out, o->help);
}

void gp_tool_help(const gp_tool *t, FILE *out)
{
    fprintf(out, "Usage: %s %s\n%s\n\nOptions:\n", t->name, t->synopsis, t->summary);
    for (const gp_opt *o = t->opts; o && o->name; o++)
        print_opt(out, o);
    fprintf(out,
            "  -q, --quiet                 print only errors on stderr (no warnings, notes,\n"
            "                              summary or progress)\n"
            "  -v, --verbose               print every diagnostic (by default %d of each rule,\n"
            "                              then a count)\n"
            "  -h, --help                  show this help and exit\n"
            "      --version               show the version and exit\n",
            GP_TOOL_MAX_PER_RULE);
    if (t->details)
        fprintf(out, "\n%s\n", t->details);
    fprintf(out,
            "\nExit status: 0 clean; 1 findings at error level; 2 usage, unreadable input,\n"
            "rule-file error or output not written; 3 internal error or out of memory.\n"
            "The bundled rules: %s\n",
            gp_rules_default_path());
}

/*
 * Flushes stdout and notes whether anything written to it was lost: by t->out, by
 * stdio (gp-lint prints through a FILE *), or by --help. GP_OK, GP_EPIPE or GP_EIO.
 */
static int stdout_status(gp_tool *t)
{
    /* a write that failed just before (stdio drops what it could not write) left errno */
    int before = errno;
    errno = 0;
    if ((fflush(stdout) != 0 || ferror(stdout)) && !t->out_broken) {
        t->out_broken = 1;
        t->out_errno = errno ? errno : before ? before : EIO;
    }
    if (!t->out_broken)
        return GP_OK;
    return t->out_errno == EPIPE ? GP_EPIPE : GP_EIO;
}

/* Says once that stdout could not be written; a broken pipe is not worth a word. */
static void report_stdout(gp_tool *t)
{
    if (t->out_broken && t->out_errno != EPIPE && t->out_errno != 0) {
        gp_tool_error(t, "cannot write standard output: %s", strerror(t->out_errno));
        t->out_errno = 0;
    }
}

/* ---- option parsing ---- */

/* Edits (insert, delete, replace, swap two neighbours) from a to b; ASCII option names. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAX = 64 };
    size_t n = strlen(a), m = strlen(b);
    if (n >= MAX || m >= MAX)
        return (size_t)-1;
    size_t d[MAX][MAX];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[n][m];
}

/*
 * Says what is wrong with an unknown long option `arg` ("--formt=json") and which options
 * were probably meant: those it begins (getopt refuses an ambiguous abbreviation), else
 * the nearest by edit distance when it is near enough to be a slip.
 */
static void unknown_long_option(const gp_tool *t, const struct option *longs, const char *arg)
{
    char given[64];
    snprintf(given, sizeof given, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    size_t len = strlen(given), prefixed = 0;
    for (const struct option *o = longs; len && o->name; o++)
        prefixed += strncmp(o->name, given, len) == 0;
    if (prefixed > 1) {
        fprintf(stderr, "%s: option '--%s' is ambiguous; possibilities:", t->name, given);
        for (const struct option *o = longs; o->name; o++)
            if (strncmp(o->name, given, len) == 0)
                fprintf(stderr, " '--%s'", o->name);
        fputc('\n', stderr);
        return;
    }
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (const struct option *o = longs; o->name; o++) {
        size_t d = edit_distance(given, o->name);
        if (d < best_d) {
            best_d = d;
            best = o->name;
        }
    }
    /* a third of the name: "formt", "fail-onn", "stast" are slips, "x" for "jobs" is not */
    size_t allowed = strlen(best ? best : "") / 3;
    if (best && best_d <= (allowed ? allowed : 1))
        fprintf(stderr, "%s: unknown option '--%s'; did you mean '--%s'?\n", t->name, given, best);
    else
        fprintf(stderr, "%s: unknown option '--%s'\n", t->name, given);
}

/* Sets what the common options (-q, -v) change once the command line is read. */
static void apply_verbosity(gp_tool *t)
{
    t->sink.max_per_rule = t->verbosity == GP_VERBOSE ? 0 : GP_TOOL_MAX_PER_RULE;
    int has_stats = 0;
    for (const gp_opt *o = t->opts; o && o->name; o++)
        has_stats |= strcmp(o->name, "stats") == 0;
    t->sink.held_note = has_stats ? "--stats counts them" : "--verbose shows them";
}

int gp_tool_start(gp_tool *t, int argc, char **argv, int with_rules, gp_opt_fn fn, void *ctx,
                  int *first)
{
    signal(SIGPIPE, SIG_IGN);
#if defined(__GLIBC__)
    /*
     * Freed memory stays with the process for the next phase: gp-dedup frees and asks
     * again for arrays of tens of MiB phase after phase, and glibc handed each back to
     * the kernel, so every page was faulted in afresh (a fifth of its CPU time went to
     * the kernel). Blocks above 32 MiB, a huge record's, are still given back.
     */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
    gp_diag_sink_init(&t->sink, print_diag, t);
    apply_verbosity(t);
    t->color = isatty(STDERR_FILENO) && !getenv("NO_COLOR");
    rules_arg = config_arg = NULL;
    no_config = 0;

    size_t n = 0;
    while (t->opts && t->opts[n].name)
        n++;
    struct option *longs = calloc(n + 6, sizeof *longs);
    char shorts[128] = ":hqv"; /* ':' first: a missing argument is told from an unknown option */
    if (!longs)
        return GP_EXIT_INTERNAL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const gp_opt *o = &t->opts[i];
        longs[k++] =
            (struct option){o->name, o->arg ? required_argument : no_argument, NULL, o->id};
        if (o->short_name && strlen(shorts) + 3 < sizeof shorts) {
            size_t l = strlen(shorts);
            shorts[l] = o->short_name;
            shorts[l + 1] = o->arg ? ':' : '\0';
            shorts[l + 2] = '\0';
        }
    }
    longs[k++] = (struct option){"help", no_argument, NULL, GP_OPT_HELP};
    longs[k++] = (struct option){"version", no_argument, NULL, GP_OPT_VERSION};
    longs[k++] = (struct option){"quiet", no_argument, NULL, GP_OPT_QUIET};
    longs[k++] = (struct option){"verbose", no_argument, NULL, GP_OPT_VERBOSE};
    if (with_rules) {
        longs[k++] = (struct option){"rules", required_argument, NULL, GP_OPT_RULES};
        strcat(shorts, "r:");
    }
    int status = -1;
    opterr = 0;
    int c;
    while (status < 0 && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == 'h' || c == GP_OPT_HELP) {
            gp_tool_help(t, stdout);
            status = GP_EXIT_CLEAN;
        } else if (c == GP_OPT_VERSION) {
            printf("%s (gpkit) %s\n", t->name, GP_VERSION_STRING);
            status = GP_EXIT_CLEAN;
        } else if (c == 'r' || c == GP_OPT_RULES) {
            rules_arg = optarg;
        } else if (c == 'q' || c == GP_OPT_QUIET) {
            t->verbosity = GP_QUIET;
        } else if (c == 'v' || c == GP_OPT_VERBOSE) {
            t->verbosity = GP_VERBOSE;
        } else if (c == ':') {
            gp_tool_error(t, "option '%s' needs an argument", argv[optind - 1]);
            fprintf(stderr, "Try '%s --help' for more information.\n", t->name);
            status = GP_EXIT_USAGE;
        } else if (c == '?') {
            if (optopt > 0 && optopt < 128 && optopt != '?')
                gp_tool_error(t, "unknown option '-%c'", optopt);
            else if (strncmp(argv[optind - 1], "--", 2) == 0)
                unknown_long_option(t, longs, argv[optind - 1]);
            else
                gp_tool_error(t, "unknown option '%s'", argv[optind - 1]);
            fprintf(stderr, "Try '%s --help' for more information.\n", t->name);
            status = GP_EXIT_USAGE;
        } else if (c == GP_OPT_CONFIG) {
            config_arg = optarg;
        } else if (c == GP_OPT_NO_CONFIG) {
            no_config = 1;
        } else {
            int id = c;
            for (size_t i = 0; i < n; i++)
                if (t->opts[i].short_name == c)
                    id = t->opts[i].id;
            if (fn(t, id, optarg, ctx) != 0)
                status = GP_EXIT_USAGE;
        }
    }
    free(longs);
    apply_verbosity(t);
    *first = optind;
    if (status < 0 && with_rules)
        status = load_config(t);
    if (status == GP_EXIT_CLEAN && stdout_status(t) == GP_EIO) {
        report_stdout(t);
        status = gp_exit_status(GP_EIO);
    }
    return status;
}

/* The project file: --config FILE, else .gpkit.yaml found upward, unless --no-config. */
static int load_config(gp_tool *t)
{
    char *found = NULL;
    if (!config_arg && !no_config && gp_config_find(NULL, &found) != GP_OK)
        return GP_EXIT_INTERNAL;
    const char *path = config_arg ? config_arg : found;
    if (!path || no_config) {
        if (t->verbosity == GP_VERBOSE)
            gp_tool_error(t, "no project file (%s)",
                          no_config ? "--no-config" : "no " GP_CONFIG_NAME " here or above");
        free(found);
        return -1;
    }
    int rc = gp_config_load(&t->config, path, &t->sink);
    if (rc) {
        gp_diag_sink_summarize(&t->sink);
        if (rc == GP_ERULES || rc == GP_EPARSE)
            gp_tool_error(t, "the project file '%s' has errors", path);
        else if (rc != GP_EIO) /* a file that cannot be read was reported, with why */
            gp_tool_error(t, "cannot use the project file '%s': %s", path, gp_strerror(rc));
        free(found);
        return gp_exit_status(rc == GP_ENOMEM ? rc : GP_EINPUT);
    }
    if (t->verbosity == GP_VERBOSE)
        gp_tool_error(t, "project file: %s", path);
    free(found);
    return -1;
}

int gp_tool_input_option(gp_tool *t, int id, const char *arg)
{
    switch (id) {
    case GP_OPT_FROM:
        if (gp_format_parse(arg, &t->input.format) != 0) {
            gp_tool_error(t,
                          "unknown input format '%s' (auto, listing, booklet, practice, "
                          "old-practice, html, xml, jsonl)",
                          arg);
            return 2;
        }
        return 0;
    case GP_OPT_PROFILE:
        t->input.profile = arg;
        return 0;
    case GP_OPT_STDIN_NAME:
        t->stdin_name = arg;
        return 0;
    }
    return -1;
}

int gp_tool_extractor(gp_tool *t, gp_extractor **ex, gp_diag_sink *sink)
{
    int rc = gp_extractor_new(ex, t->rules, &t->input, sink ? sink : &t->sink);
    if (rc && rc != GP_EIO && t->input.profile) /* "cannot open profile 'x'" was said */
        gp_tool_error(t, "cannot use the profile '%s': %s", t->input.profile, gp_strerror(rc));
    return rc;
}

const char *gp_tool_display(const gp_tool *t, const char *path)
{
    return t->stdin_name && strcmp(path, "-") == 0 ? t->stdin_name : NULL;
}

int gp_tool_load_rules(gp_tool *t)
{
    if (!rules_arg && t->config && t->config->rules)
        rules_arg = t->config->rules;
    if (t->verbosity == GP_VERBOSE)
        gp_tool_error(t, "rules: %s", rules_arg ? rules_arg : gp_rules_default_path());
    t->sink.level_fn = NULL;
    int rc = gp_ruleset_load(&t->rules, rules_arg, &t->sink);
    if (rc) {
        gp_diag_sink_summarize(&t->sink);
        if (rc != GP_EIO) /* a file that cannot be opened was said in one line */
            gp_tool_error(t, "cannot load the rules from '%s': %s",
                          rules_arg ? rules_arg : gp_rules_default_path(), gp_strerror(rc));
        return gp_exit_status(rc);
    }
    t->sink.level_fn = gp_ruleset_level;
    t->sink.level_ctx = t->rules;
    return 0;
}

int gp_tool_flush(gp_tool *t, int force)
{
    if (t->out_broken) {
        gp_buf_reset(&t->out);
        return GP_EPIPE;
    }
    if (gp_buf_error(&t->out))
        return GP_ENOMEM;
    if (!force && t->out.len < (1u << 16))
        return GP_OK;
    size_t wrote = 0;
    if (t->out.len) {
        errno = 0;
        wrote = fwrite(t->out.data, 1, t->out.len, stdout);
    }
    if (wrote != t->out.len) {
        t->out_broken = 1;
        t->out_errno = errno ? errno : EIO;
        gp_buf_reset(&t->out);
        return t->out_errno == EPIPE ? GP_EPIPE : GP_EIO;
    }
    gp_buf_reset(&t->out);
    return force ? stdout_status(t) : GP_OK;
}

int gp_tool_finish(gp_tool *t, int rc)
{
    int frc = gp_tool_flush(t, 1);
    if (frc == GP_OK || frc == GP_EPIPE)
        frc = stdout_status(t); /* what went through stdio, not t->out */
    if (frc == GP_EPIPE && rc == GP_EIO)
        rc = GP_EPIPE; /* the library saw the closed pipe as a write error */
    if ((rc == GP_OK || rc == GP_EPIPE) && frc != GP_OK && frc != GP_EPIPE)
        rc = frc;
    report_stdout(t);
    gp_diag_sink_summarize(&t->sink);
    int status = gp_exit_status(rc);
    if (status == GP_EXIT_CLEAN && t->sink.count[GP_SEV_ERROR] > 0)
        status = GP_EXIT_FINDINGS;
    if (rc == GP_ENOMEM || rc == GP_EINTERNAL || rc == GP_ELIMIT)
        gp_tool_error(t, "%s", gp_strerror(rc));
    gp_ruleset_free(t->rules);
    t->rules = NULL;
    gp_config_free(t->config);
    t->config = NULL;
    gp_buf_free(&t->out);
    /* Leave nothing for leak checkers; stdout may already be closed by the reader. */
    gp_global_cleanup();
    return status;
}
