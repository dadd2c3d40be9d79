/*
 * gpkit/common.h - result codes, version and process-wide set-up.
 *
 * Every library function that can fail returns an int: GP_OK (0) on success or one
 * of the negative GP_E* codes below. Codes are only ever added at the end, so a
 * number keeps its meaning across versions. What went wrong in detail, with its
 * place, is reported as a diagnostic (see gpkit/diag.h), not through the code.
 *
 * Ownership: nothing in this header allocates.
 */
#ifndef GPKIT_COMMON_H
#define GPKIT_COMMON_H

#ifdef __cplusplus
extern "C" {
#endif

#define GP_VERSION_STRING "0.1.0"

enum gp_result {
    GP_OK = 0,
    GP_ENOMEM = -1,    /* out of memory */
    GP_EIO = -2,       /* a file could not be opened, read or written */
    GP_EPARSE = -3,    /* a document that must be well formed is not (rules, profile) */
    GP_EINVAL = -4,    /* a caller passed an argument the function cannot use */
    GP_ERULES = -5,    /* the rule set has errors; each one was reported as a diagnostic */
    GP_EINPUT = -6,    /* an input was refused (binary file, unknown format) */
    GP_EPIPE = -7,     /* the reader of our output went away (broken pipe) */
    GP_EINTERNAL = -8, /* a library we use failed in a way we did not expect */
    GP_ELIMIT = -9,    /* a size limit was exceeded (line length, entity expansion) */
    GP_ESTOP = -10     /* a callback asked to stop early; not an error of the library */
};

/* Short, lower-case description of a result code ("out of memory"). Never NULL. */
const char *gp_strerror(int code);

/*
 * Exit status shared by every gp-* tool, documented in each --help and man page:
 * 0 clean, 1 findings at or above the failing level, 2 usage, input or rule-file
 * error, 3 internal error or out of memory.
 */
enum gp_exit { GP_EXIT_CLEAN = 0, GP_EXIT_FINDINGS = 1, GP_EXIT_USAGE = 2, GP_EXIT_INTERNAL = 3 };

/* The exit status that a tool should use for a library result code. */
int gp_exit_status(int code);

/*
 * Releases the caches that ICU and libxml2 keep for the life of the process, so
 * that leak checkers see a clean exit. Call once, last, after every gpkit object
 * has been freed.
 */
void gp_global_cleanup(void);

#ifdef __cplusplus
}
#endif
#endif
