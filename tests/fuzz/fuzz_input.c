/*
 * tests/fuzz/fuzz_input.c - input decoding (gp_input_*): encodings, byte order marks,
 * invalid bytes, NUL, line ends. Checks what gpkit/input.h promises of every line
 * (NUL-terminated, no NUL inside, valid UTF-8, numbers that grow), then puts the first
 * lines into a record's text fields, normalised and written (fuzz.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

enum { LINES_AS_RECORDS = 32 };

static gp_arena *arena;

/* Whether s[0..len) is well-formed UTF-8 (no surrogates, no overlong forms). */
static int valid_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, min = 0x10000;
        } else {
            return 0;
        }
        if (i + n >= len)
            return 0;
        unsigned cp = c & (0x3F >> n);
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

static void check_text(const char *what, const char *text, size_t len)
{
    if (!text)
        fz_fail(what, "NULL text", 4);
    if (text[len] != '\0')
        fz_fail(what, "not NUL-terminated", 18);
    if (strlen(text) != len)
        fz_fail(what, "a NUL byte inside", 17);
    if (!valid_utf8((const unsigned char *)text, len))
        fz_fail(what, text, len);
}

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
    gp_input *in;
    if (gp_input_open_mem(&in, "fuzz-input", data, size, &e->sink) != GP_OK)
        return 0;
    const char *peek;
    size_t plen;
    if (gp_input_peek(in, &peek, &plen) == GP_OK && plen)
        if (!valid_utf8((const unsigned char *)peek, plen))
            fz_fail("gp_input_peek gave text that is not UTF-8", peek, plen);
    gp_line line;
    long last = 0;
    int rc;
    while ((rc = gp_input_next_line(in, &line)) == 1) {
        check_text("gp_input_next_line broke its contract", line.text, line.len);
        if (line.number <= last)
            fz_fail("line numbers do not grow", line.text, line.len);
        last = line.number;
        if (line.number <= LINES_AS_RECORDS) {
            gp_arena_reset(arena);
            gp_record rec;
            gp_record_init(&rec, arena);
            gp_record_add_source(&rec, "fuzz-input", line.number, "listing");
            gp_record_set(&rec, GP_F_TITLE, line.text, line.len);
            gp_record_set(&rec, GP_F_DESCRIPTION, line.text, line.len);
            gp_record_set(&rec, GP_F_COUNTRY, line.text, line.len);
            gp_strlist_push(arena, &rec.topics, line.text, line.len);
            fz_record(e, &rec);
        }
    }
    if (strlen(gp_input_encoding(in)) == 0)
        fz_fail("no encoding name", NULL, 0);
    gp_input_close(in);

    /* the whole text at once */
    if (gp_input_open_mem(&in, "fuzz-input", data, size, &e->sink) != GP_OK)
        return 0;
    char *all = NULL;
    size_t alen = 0;
    if (gp_input_read_all(in, &all, &alen) == GP_OK && all)
        check_text("gp_input_read_all broke its contract", all, alen);
    free(all);
    gp_input_close(in);
    return 0;
}
