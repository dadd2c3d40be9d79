/*
 * tests/fuzz/fuzz_listing.c - the database listing text dump (both header layouts): the input
 * is one dump read with --format=listing; every record is normalised and written (fuzz.h).
 */
#include <stdlib.h>

#include "fuzz.h"

static gp_extractor *ex;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_env *e = fz_env_get();
    gp_extract_options opts = {GP_FORMAT_LISTING, NULL};
    if (gp_extractor_new(&ex, e->rules, &opts, &e->sink) != GP_OK)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_extract(ex, data, size);
    return 0;
}
