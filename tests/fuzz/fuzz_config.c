/*
 * tests/fuzz/fuzz_config.c - the project file (gp_config_load). The input is a
 * .gpkit.yaml; every value it yields is checked to be whole: a set path is a non-empty
 * string, every output names a known format and a path.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_env_get();
    return 0;
}

static void check_path(const char *what, const char *path)
{
    if (path && !*path)
        fz_fail("an empty path", what, strlen(what));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_env *e = fz_env_get();
    gp_config *c = NULL;
    if (gp_config_load(&c, fz_write_file(".gpkit.yaml", data, size), &e->sink) != GP_OK) {
        gp_config_free(c);
        return 0;
    }
    if (!c || !c->file)
        fz_fail("a project file without its name", NULL, 0);
    check_path("rules", c->rules);
    check_path("baseline", c->baseline);
    check_path("decisions", c->decisions);
    check_path("sarif base", c->sarif_base);
    for (size_t i = 0; i < c->noutputs; i++) {
        const gp_config_output *o = &c->outputs[i];
        if (!o->path || !*o->path)
            fz_fail("an output without a path", NULL, 0);
        if (o->format < GP_FINDINGS_HUMAN || o->format > GP_FINDINGS_MARKDOWN)
            fz_fail("an output with an unknown format", o->path, strlen(o->path));
    }
    gp_config_free(c);
    return 0;
}
