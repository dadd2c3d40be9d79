/*
 * tests/fuzz/fuzz_detect.c - format detection: the input is any file; detection picks
 * its format (on the raw bytes, as a caller may ask, and on the decoded text, as
 * gp-extract does) and the chosen reader reads it; every record is normalised and
 * written (fuzz.h).
 */
#include <stdlib.h>

#include "fuzz.h"

static gp_extractor *ex;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_env *e = fz_env_get();
    gp_extract_options opts = {GP_FORMAT_AUTO, NULL};
    if (gp_extractor_new(&ex, e->rules, &opts, &e->sink) != GP_OK)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gp_format f = gp_extract_detect(ex, (const char *)data, size);
    if ((unsigned)f > GP_FORMAT_OLD_PRACTICE)
        fz_fail("detection returned no format at all", NULL, 0);
    fz_extract(ex, data, size);
    return 0;
}
