/*
 * tests/fuzz/fuzz.h - what the libFuzzer harnesses of tests/fuzz share.
 *
 * Each fuzz_<name>.c feeds its input to one parser, then normalises and writes every
 * record it got (fz_record), so the normaliser and the canonical writer are fuzzed too.
 * fz_record also checks two properties that must hold for any input, and aborts (a
 * finding) when one fails: what the writer wrote, the reader reads back to the same
 * bytes; normalising a canonical record again changes no byte.
 *
 * The bundled rules are loaded once, from $GPKIT_RULES or the source tree's rules/.
 * Parsers that only read from a path get the input through fz_write_file, which
 * writes it to a per-process folder under /dev/shm (or $TMPDIR).
 */
#ifndef GP_FUZZ_H
#define GP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "gpkit.h"

/* The bundled rule set, a normaliser over it and a sink that checks every diagnostic. */
typedef struct fz_env {
    gp_ruleset *rules;
    gp_normalizer *norm;
    gp_diag_sink sink;
} fz_env;

/* Loads the bundled rules once; aborts when they do not load. */
fz_env *fz_env_get(void);

/* A gp_record_fn: normalises and writes `rec` (ctx is the fz_env), checking both. */
int fz_record(void *ctx, gp_record *rec);

/* Writes `data` to `name` in the process's scratch folder; returns the path (static). */
const char *fz_write_file(const char *name, const uint8_t *data, size_t size);
/* The scratch folder (created on first use). */
const char *fz_dir(void);

/* Runs the extractor on the bytes, every record through fz_record. */
void fz_extract(gp_extractor *ex, const uint8_t *data, size_t size);

/* libFuzzer's entry points, defined by each harness. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message: a property that must hold did not. */
void fz_fail(const char *what, const char *detail, size_t len) __attribute__((noreturn));

#endif
