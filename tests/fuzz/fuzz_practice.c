/*
 * tests/fuzz/fuzz_practice.c - the site's single-practice pages and the old site's practice
 * pages: the input is one page, read with --format=practice and again with
 * --format=old-practice; every record is normalised and written (fuzz.h).
 */
#include <stdlib.h>

#include "fuzz.h"

static gp_extractor *practice, *old_practice;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_env *e = fz_env_get();
    gp_extract_options opts = {GP_FORMAT_PRACTICE, NULL};
    gp_extract_options old = {GP_FORMAT_OLD_PRACTICE, NULL};
    if (gp_extractor_new(&practice, e->rules, &opts, &e->sink) != GP_OK ||
        gp_extractor_new(&old_practice, e->rules, &old, &e->sink) != GP_OK)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_extract(practice, data, size);
    fz_extract(old_practice, data, size);
    return 0;
}
