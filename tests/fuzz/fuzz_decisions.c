/*
 * tests/fuzz/fuzz_decisions.c - curator decisions files (gp_decisions_load). The input
 * is a decisions file; every id of every decision is read, and every fix is applied to
 * a record that is then normalised and written (fuzz.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static gp_arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_env_get();
    if (gp_arena_new(&arena) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_env *e = fz_env_get();
    gp_decisions *d;
    if (gp_decisions_load(&d, fz_write_file("decisions.yaml", data, size), &e->sink) != GP_OK)
        return 0;
    size_t n = gp_decisions_count(d);
    for (size_t i = 0; i < n; i++) {
        const gp_decision *dec = gp_decisions_get(d, i);
        if (!dec || !dec->file)
            fz_fail("a decision without a file", NULL, 0);
        if (dec->kind != GP_DECISION_FIX && dec->nids < 2)
            fz_fail("a merge or distinct decision with fewer than two ids", NULL, 0);
        for (size_t k = 0; k < dec->nids; k++)
            if (!dec->ids[k] || !*dec->ids[k])
                fz_fail("a decision with an empty id", NULL, 0);
            else if (dec->id_lines[k] < 1 || dec->id_columns[k] < 1)
                fz_fail("an id without its place", dec->ids[k], strlen(dec->ids[k]));
        if (dec->reason)
            (void)strlen(dec->reason);
        if (dec->kind != GP_DECISION_FIX)
            continue;
        gp_arena_reset(arena);
        gp_record rec;
        gp_record_init(&rec, arena);
        gp_record_add_source(&rec, "fuzz.jsonl", 1, "jsonl");
        gp_record_set(&rec, GP_F_TITLE, "A title", 7);
        gp_record_set(&rec, GP_F_COUNTRY, "Poland", 6);
        if (gp_decision_apply(dec, &rec) != GP_OK)
            abort();
        fz_record(e, &rec);
    }
    gp_decisions_free(d);
    return 0;
}
