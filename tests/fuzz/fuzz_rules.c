/*
 * tests/fuzz/fuzz_rules.c - rule sets (gp_ruleset_load). The input is the entry file
 * gpkit.yaml of a folder that also holds the bundled regions, topics, priority areas,
 * typography, formats, lint and checks files (links), so an input may include them.
 * A rule set that loads then reads a small listing and normalises and writes its record
 * with a normaliser of its own (fuzz.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static const char listing[] = "Social Insurance Institution , Poland , Europe\n"
                              "\n"
                              "A title\n"
                              "\n"
                              "Implementation year:\n"
                              "2019\n"
                              "Award Year:\n"
                              "2021\n"
                              "\n"
                              "One paragraph of description.\n"
                              "\n"
                              "Topic:\n"
                              "Health\n"
                              "Programme & evaluation\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_env_get();
    const char *rules = gp_ruleset_path(fz_env_get()->rules);
    const char *slash = strrchr(rules, '/');
    static const char *const linked[] = {"regions.yaml",    "topics.yaml",  "priority-areas.yaml",
                                         "typography.yaml", "formats.yaml", "lint.yaml",
                                         "checks.yaml",     "profiles",     NULL};
    for (size_t i = 0; linked[i]; i++) {
        char from[1024], to[1024];
        snprintf(from, sizeof from, "%.*s/%s", (int)(slash ? slash - rules : 1),
                 slash ? rules : ".", linked[i]);
        snprintf(to, sizeof to, "%s/%s", fz_dir(), linked[i]);
        if (symlink(from, to) != 0)
            perror("fuzz: symlink");
    }
    return 0;
}

static fz_env mine;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_env *e = fz_env_get();
    memset(&mine, 0, sizeof mine);
    gp_diag_sink_init(&mine.sink, e->sink.fn, e->sink.ctx);
    fz_write_file("gpkit.yaml", data, size);
    if (gp_ruleset_load(&mine.rules, fz_dir(), &e->sink) == GP_OK) {
        mine.sink.level_fn = gp_ruleset_level;
        mine.sink.level_ctx = mine.rules;
        gp_extractor *ex = NULL;
        gp_extract_options opts = {GP_FORMAT_AUTO, NULL};
        if (gp_normalizer_new(&mine.norm, mine.rules, &mine.sink) != GP_OK ||
            gp_extractor_new(&ex, mine.rules, &opts, &mine.sink) != GP_OK)
            abort();
        gp_extract_mem(ex, "fuzz.txt", listing, sizeof listing - 1, fz_record, &mine);
        gp_extractor_free(ex);
        gp_normalizer_free(mine.norm);
    }
    gp_ruleset_free(mine.rules);
    return 0;
}
