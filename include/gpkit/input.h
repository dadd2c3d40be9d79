/*
 * gpkit/input.h - reading a text file as lines of valid UTF-8.
 *
 * gp_input reads a file (or standard input) in blocks and hands out lines without their
 * line end. What it guarantees and what it reports, each as a diagnostic with its place:
 *  - a UTF-8 byte order mark is skipped; CRLF, LF and a lone CR all end a line;
 *  - invalid UTF-8 is replaced by U+FFFD and reported ("input.invalid-utf8", error) with
 *    the byte offset, line and column; the line is kept;
 *  - a file that is not UTF-8 but a legacy 8-bit encoding (Windows-1252, ISO-8859-x) is
 *    recognised with ICU's charset detector, converted, and reported once
 *    ("input.legacy-encoding", warning); UTF-16 with a byte order mark likewise;
 *  - a NUL byte in the first block marks a binary file: it is refused
 *    ("input.binary", error) and gp_input_next_line returns GP_EINPUT; a NUL byte later
 *    is replaced by U+FFFD and reported ("input.nul", error);
 *  - a line longer than GP_INPUT_LINE_MAX is cut there (before a character that would be
 *    split) and reported ("input.line-too-long", error); the rest of it is skipped, so
 *    the lines after it keep their numbers.
 *
 * Ownership: the line handed out belongs to the gp_input and stays valid until the next
 * call to gp_input_next_line or gp_input_close.
 */
#ifndef GPKIT_INPUT_H
#define GPKIT_INPUT_H

#include <stddef.h>

#include "gpkit/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GP_INPUT_LINE_MAX ((size_t)256 << 20)

typedef struct gp_input gp_input;

typedef struct gp_line {
    const char *text; /* UTF-8, NUL-terminated, without the line end */
    size_t len;       /* bytes */
    long number;      /* from 1 */
    long long offset; /* byte offset of the line in the file as read */
} gp_line;

/*
 * Opens `path` ("-" or NULL for standard input). `display` is the name used in
 * diagnostics and sources (NULL: the path, or "-"). Diagnostics go to `diags`, which must
 * outlive the input. Returns GP_EIO (reported as "input.unreadable") when the file
 * cannot be opened.
 */
int gp_input_open(gp_input **out, const char *path, const char *display, gp_diag_sink *diags);

/* Reads from memory (tests, and callers that already hold the bytes); `data` is copied. */
int gp_input_open_mem(gp_input **out, const char *display, const void *data, size_t len,
                      gp_diag_sink *diags);

void gp_input_close(gp_input *in);

/* The name used in diagnostics. */
const char *gp_input_name(const gp_input *in);

/*
 * The start of the decoded text (at least the first block, or all of it when shorter),
 * for format detection. Does not consume it. Returns GP_OK, GP_EINPUT for a binary
 * file, GP_EIO on a read error.
 */
int gp_input_peek(gp_input *in, const char **text, size_t *len);

/* Returns 1 and fills `line`, 0 at the end of the input, or a negative GP_E* code. */
int gp_input_next_line(gp_input *in, gp_line *line);

/* Reads all that remains into `out` (lines joined with "\n"). */
int gp_input_read_all(gp_input *in, char **out, size_t *len);

/* Name of the encoding the input was read in ("UTF-8", "windows-1252", ...). */
const char *gp_input_encoding(const gp_input *in);

/* Total bytes read from the file so far. */
long long gp_input_bytes(const gp_input *in);

/* Called for each file of gp_input_walk; return 0 to go on, anything else to stop. */
typedef int (*gp_path_fn)(void *ctx, const char *path);

/*
 * Calls `fn` for each file `path` stands for: `path` itself when it is not a folder
 * (standard input "-", a file, a name that does not exist: opening it says why), else
 * every regular file under it, recursively. Within a folder the entries go in the byte
 * order of their names; names starting with '.' are left out (hidden files and folders);
 * symbolic links are followed, and a folder met again (a link loop, two links to one
 * folder) is reported ("input.repeated", warning) and not read again. The files get
 * names joined with '/' ("dumps/2024/a.txt"). A folder that cannot be read is reported
 * ("input.unreadable", no place) and left out. Returns what `fn` returned when not 0 (the
 * walk stops there), else GP_EIO when a folder could not be read, GP_ENOMEM, or GP_OK.
 */
int gp_input_walk(const char *path, gp_diag_sink *diags, gp_path_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
