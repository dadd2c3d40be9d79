/*
 * tests/test_input.c - reading files as lines of valid UTF-8: line ends, byte order marks,
 * invalid and legacy-encoded bytes, NUL bytes and binary files, long lines.
 *
 * Bytes that matter are written out in hex so that each test shows its input; the
 * fixtures under fixtures/bad/ are read where a realistic file is the point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "internal.h" /* gp__input_set_line_max: the real limit is 256 MiB */

/* The lines of an input, copied, and the diagnostics it gave. */
typedef struct lines {
    char **text;
    size_t *len;
    long *number;
    long long *offset;
    size_t n;
    int rc; /* what gp_input_next_line returned last: 0 at the end, or an error */
} lines;

static void lines_free(lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->text[i]);
    free(l->text);
    free(l->len);
    free(l->number);
    free(l->offset);
    memset(l, 0, sizeof *l);
}

static void read_lines(gp_input *in, lines *l)
{
    memset(l, 0, sizeof *l);
    gp_line ln;
    int rc;
    while ((rc = gp_input_next_line(in, &ln)) > 0) {
        l->text = realloc(l->text, (l->n + 1) * sizeof *l->text);
        l->len = realloc(l->len, (l->n + 1) * sizeof *l->len);
        l->number = realloc(l->number, (l->n + 1) * sizeof *l->number);
        l->offset = realloc(l->offset, (l->n + 1) * sizeof *l->offset);
        assert_non_null(l->text);
        assert_non_null(l->len);
        assert_non_null(l->number);
        assert_non_null(l->offset);
        assert_int_equal(strlen(ln.text), ln.len); /* NUL-terminated, no NUL inside */
        l->text[l->n] = malloc(ln.len + 1);
        assert_non_null(l->text[l->n]);
        memcpy(l->text[l->n], ln.text, ln.len + 1);
        l->len[l->n] = ln.len;
        l->number[l->n] = ln.number;
        l->offset[l->n] = ln.offset;
        l->n++;
    }
    l->rc = rc;
}

static void read_mem(const char *data, size_t len, lines *l, th_diags *d)
{
    gp_input *in;
    th_diags_init(d);
    assert_int_equal(gp_input_open_mem(&in, "mem.txt", data, len, &d->sink), GP_OK);
    read_lines(in, l);
    gp_input_close(in);
}

static void read_fixture(const char *rel, lines *l, th_diags *d, char *encoding, size_t encsize)
{
    gp_input *in;
    th_diags_init(d);
    assert_int_equal(gp_input_open(&in, th_path(rel), rel, &d->sink), GP_OK);
    read_lines(in, l);
    if (encoding)
        snprintf(encoding, encsize, "%s", gp_input_encoding(in));
    gp_input_close(in);
}

/* Writes `data` to a new temporary file; the caller unlinks and frees the path. */
static char *write_temp(const void *data, size_t len)
{
    const char *dir = getenv("TMPDIR");
    char *path = malloc(4096);
    assert_non_null(path);
    snprintf(path, 4096, "%s/gpkit-test-input-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void read_temp(const void *data, size_t len, lines *l, th_diags *d)
{
    char *path = write_temp(data, len);
    gp_input *in;
    th_diags_init(d);
    assert_int_equal(gp_input_open(&in, path, "temp.txt", &d->sink), GP_OK);
    read_lines(in, l);
    gp_input_close(in);
    unlink(path);
    free(path);
}

static void test_input__bom_is_skipped(void **state)
{
    (void)state;
    static const char data[] = "\xEF\xBB\xBF"
                               "Database\n"
                               "Implementation year:\n";
    lines l;
    th_diags d;
    read_mem(data, sizeof data - 1, &l, &d);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.text[0], "Database");
    assert_int_equal(l.number[0], 1);
    assert_int_equal(l.offset[0], 3); /* offsets stay file offsets: the BOM counts */
    assert_string_equal(l.text[1], "Implementation year:");
    assert_int_equal(l.offset[1], 12);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__bom_fixture_reads_like_plain_utf8(void **state)
{
    (void)state;
    lines l;
    th_diags d;
    char enc[48];
    read_fixture("fixtures/bad/bom.txt", &l, &d, enc, sizeof enc);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 44);
    assert_string_equal(l.text[0], "Database");
    assert_string_equal(l.text[14], "Implementation year:");
    assert_string_equal(enc, "UTF-8");
    assert_int_equal(th_diags_count(&d, NULL), 0);
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__crlf_lf_and_lone_cr_end_lines(void **state)
{
    (void)state;
    /* CRLF, LF, lone CR, an empty CRLF line, and a last line without a line end */
    static const char data[] = "Award Year:\r\n2021\nKorea\rAsia\r\n\r\nTopic:";
    lines l;
    th_diags d;
    read_mem(data, sizeof data - 1, &l, &d);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 6);
    static const char *const want[] = {"Award Year:", "2021", "Korea", "Asia", "", "Topic:"};
    static const long long offsets[] = {0, 13, 18, 24, 30, 32};
    for (size_t i = 0; i < l.n; i++) {
        assert_string_equal(l.text[i], want[i]);
        assert_int_equal(l.number[i], (long)i + 1);
        assert_int_equal(l.offset[i], offsets[i]);
    }
    assert_int_equal(th_diags_count(&d, NULL), 0);
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__crlf_fixture_has_no_cr_left(void **state)
{
    (void)state;
    lines l;
    th_diags d;
    read_fixture("fixtures/bad/crlf.txt", &l, &d, NULL, 0);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 44); /* as many lines as the LF version (bom.txt) */
    for (size_t i = 0; i < l.n; i++)
        assert_null(strchr(l.text[i], '\r'));
    assert_string_equal(l.text[1], "");
    assert_string_equal(l.text[43], "Information and communication technology");
    assert_int_equal(th_diags_count(&d, NULL), 0);
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__crlf_split_between_blocks_is_one_line_end(void **state)
{
    (void)state;
    /* The first read takes 65536 bytes: put the CR last in it and the LF first after. */
    size_t first = 65536;
    size_t len = first + 6;
    char *data = malloc(len);
    assert_non_null(data);
    memset(data, 'x', first - 1);
    data[first - 1] = '\r';
    memcpy(data + first, "\nnext\n", 6);
    lines l;
    th_diags d;
    read_temp(data, len, &l, &d);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.len[0], first - 1);
    assert_string_equal(l.text[1], "next");
    assert_int_equal(l.number[1], 2);
    assert_int_equal(l.offset[1], (long long)first + 1);
    lines_free(&l);
    th_diags_free(&d);
    free(data);
}

static void test_input__invalid_utf8_is_replaced_and_reported(void **state)
{
    (void)state;
    lines l;
    th_diags d;
    char enc[48];
    read_fixture("fixtures/bad/invalid-utf8.txt", &l, &d, enc, sizeof enc);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 30); /* every line kept */
    assert_string_equal(enc, "UTF-8");
    /* a stray Latin-1 é (0xE9) */
    assert_string_equal(l.text[4], "Un\xEF\xBF\xBD"
                                   "dic (Unemployment Insurance) , France , Europe");
    /* a curly quote cut after two of its three bytes: one replacement, nothing else lost */
    assert_non_null(strstr(l.text[6], "The \xE2\x80\x9CIn the spotlight\xEF\xBF\xBD (Sur le vif)"));
    assert_non_null(strstr(l.text[6], "Un\xC3\xA9"
                                      "dic (Assurance ch\xC3\xB4mage)"));
    assert_int_equal(th_diags_count(&d, NULL), 2);
    assert_int_equal(th_diags_count(&d, "input.invalid-utf8"), 2);
    const gp_diag *g = gp_diag_list_get(d.list, 0);
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_string_equal(g->file, "fixtures/bad/invalid-utf8.txt");
    assert_int_equal(g->line, 5);
    assert_int_equal(g->column, 3);
    assert_int_equal(g->offset, 45);
    assert_string_equal(g->message,
                        "invalid UTF-8 byte 0xE9 at byte offset 45; replaced by U+FFFD");
    g = gp_diag_list_get(d.list, 1);
    assert_int_equal(g->line, 7);
    assert_int_equal(g->column, 22);
    assert_int_equal(g->offset, 117);
    assert_string_equal(g->message,
                        "invalid UTF-8 byte 0xE2 at byte offset 117; replaced by U+FFFD");
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__invalid_utf8_counts_more_on_one_line(void **state)
{
    (void)state;
    /* Enough valid UTF-8 (é, ’) for the file to be read as UTF-8 with a few errors. */
    static const char data[] = "Un\xC3\xA9"
                               "dic d\xC3\xA9j\xC3\xA0 \xE2\x80\x99s\n"
                               "a\xFF"
                               "b\xC0\xAF"
                               "c\n";
    lines l;
    th_diags d;
    read_mem(data, sizeof data - 1, &l, &d);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.text[0], "Un\xC3\xA9"
                                   "dic d\xC3\xA9j\xC3\xA0 \xE2\x80\x99s");
    /* 0xC0 0xAF is an overlong '/': each byte is replaced, none is read as '/' */
    assert_string_equal(l.text[1], "a\xEF\xBF\xBD"
                                   "b\xEF\xBF\xBD\xEF\xBF\xBD"
                                   "c");
    assert_int_equal(th_diags_count(&d, NULL), 1);
    const gp_diag *g = th_diags_find(&d, "input.invalid-utf8");
    assert_non_null(g);
    assert_int_equal(g->line, 2);
    assert_int_equal(g->column, 2);
    assert_int_equal(g->offset, 21);
    assert_string_equal(g->message, "invalid UTF-8 byte 0xFF at byte offset 21 and 2 more on this "
                                    "line; replaced by U+FFFD");
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__invalid_utf8_on_many_lines_is_summarised(void **state)
{
    (void)state;
    /* 60 lines with a stray byte each, and more valid UTF-8 than that */
    gp_buf b = GP_BUF_INIT;
    for (int i = 0; i < 60; i++)
        gp_buf_puts(&b, "Un\xC3\xA9"
                        "dic \xC3\xA9 x\x92y\n");
    lines l;
    th_diags d;
    read_mem(b.data, b.len, &l, &d);
    assert_int_equal(l.n, 60);
    assert_int_equal(th_diags_count(&d, "input.invalid-utf8"), 51);
    const gp_diag *last = gp_diag_list_get(d.list, 50);
    assert_int_equal(last->line, 0);
    assert_string_equal(last->message,
                        "invalid UTF-8 on 10 more lines of 'mem.txt' (replaced by U+FFFD)");
    lines_free(&l);
    th_diags_free(&d);
    gp_buf_free(&b);
}

static void test_input__windows_1252_is_detected_and_converted(void **state)
{
    (void)state;
    lines l;
    th_diags d;
    char enc[48];
    read_fixture("fixtures/bad/windows-1252.txt", &l, &d, enc, sizeof enc);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 30);
    assert_string_equal(enc, "windows-1252");
    assert_string_equal(l.text[4], "Un\xC3\xA9"
                                   "dic (Unemployment Insurance) , France , Europe");
    /* 0x93 and 0x94 are curly double quotes, 0x92 the curly apostrophe, 0xF4 ô */
    assert_non_null(strstr(l.text[6], "The \xE2\x80\x9CIn the spotlight\xE2\x80\x9D (Sur le vif)"));
    assert_non_null(strstr(l.text[6], "employee\xE2\x80\x99s job"));
    assert_non_null(strstr(l.text[6], "(Assurance ch\xC3\xB4mage)"));
    /* reported once, as a warning pointing at the first byte that is not ASCII */
    assert_int_equal(th_diags_count(&d, NULL), 1);
    const gp_diag *g = th_diags_find(&d, "input.legacy-encoding");
    assert_non_null(g);
    assert_int_equal(g->severity, GP_SEV_WARNING);
    assert_int_equal(g->line, 5);
    assert_int_equal(g->column, 3);
    assert_int_equal(g->offset, 45);
    assert_non_null(strstr(g->message, "'fixtures/bad/windows-1252.txt' is not UTF-8; read as "
                                       "windows-1252 (ICU charset detector: windows-1252"));
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__latin1_is_detected_and_converted(void **state)
{
    (void)state;
    lines l;
    th_diags d;
    char enc[48];
    read_fixture("fixtures/bad/latin1.txt", &l, &d, enc, sizeof enc);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 32);
    /* ISO-8859-1 is read as its superset windows-1252, as browsers do */
    assert_string_equal(enc, "windows-1252");
    assert_non_null(strstr(l.text[6], "(R\xC3\xA9gimen Especial"));
    assert_non_null(strstr(l.text[6], "Seguridad Social Espa\xC3\xB1ola"));
    assert_non_null(strstr(l.text[21], "(Sozialversicherung f\xC3\xBCr Landwirtschaft"));
    assert_int_equal(th_diags_count(&d, NULL), 1);
    const gp_diag *g = th_diags_find(&d, "input.legacy-encoding");
    assert_non_null(g);
    assert_int_equal(g->severity, GP_SEV_WARNING);
    assert_int_equal(g->line, 7);
    assert_int_equal(g->column, 129);
    assert_int_equal(g->offset, 252);
    assert_non_null(strstr(g->message, "(ICU charset detector: ISO-8859-1"));
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__legacy_warning_counts_cr_line_ends(void **state)
{
    (void)state;
    /* Old Mac line ends before the first accented byte: lines still count from 1. */
    static const char data[] = "Award Year:\r2021\r\nUn\xE9"
                               "dic , France , Europe\r";
    lines l;
    th_diags d;
    read_mem(data, sizeof data - 1, &l, &d);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.text[2], "Un\xC3\xA9"
                                   "dic , France , Europe");
    const gp_diag *g = th_diags_find(&d, "input.legacy-encoding");
    assert_non_null(g);
    assert_int_equal(g->line, 3);
    assert_int_equal(g->column, 3);
    assert_int_equal(g->offset, 20);
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__nul_in_legacy_text_is_replaced(void **state)
{
    (void)state;
    /* A Latin-1 file with a NUL after the first block that is sniffed for binary data. */
    gp_buf b = GP_BUF_INIT;
    for (int i = 0; i < 200; i++)
        gp_buf_puts(&b, "Caisse nationale de s\xE9"
                        "curit\xE9 sociale , Togo , Africa\n");
    size_t nul_line_offset = b.len;
    gp_buf_put(&b, "D\xE9ta\0 management\n", 17);
    lines l;
    th_diags d;
    read_mem(b.data, b.len, &l, &d);
    assert_true(nul_line_offset > 8000);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 201);
    assert_string_equal(l.text[0], "Caisse nationale de s\xC3\xA9"
                                   "curit\xC3\xA9 sociale , Togo , Africa");
    assert_string_equal(l.text[200], "D\xC3\xA9ta\xEF\xBF\xBD management");
    assert_int_equal(l.offset[200], (long long)nul_line_offset);
    assert_int_equal(th_diags_count(&d, "input.legacy-encoding"), 1);
    const gp_diag *g = th_diags_find(&d, "input.nul");
    assert_non_null(g);
    assert_int_equal(g->line, 201);
    assert_int_equal(g->column, 5);
    lines_free(&l);
    th_diags_free(&d);
    gp_buf_free(&b);
}

static void test_input__utf16_with_bom_is_converted(void **state)
{
    (void)state;
    /* "Año\r\nb\n" in UTF-16LE, then in UTF-16BE */
    static const char le[] = "\xFF\xFE"
                             "A\0\xF1\0o\0\r\0\n\0b\0\n\0";
    static const char be[] = "\xFE\xFF"
                             "\0A\0\xF1\0o\0\r\0\n\0b\0\n";
    const char *const data[] = {le, be};
    const char *const names[] = {"UTF-16LE", "UTF-16BE"};
    for (int k = 0; k < 2; k++) {
        gp_input *in;
        th_diags d;
        th_diags_init(&d);
        assert_int_equal(gp_input_open_mem(&in, "mem.txt", data[k], sizeof le - 1, &d.sink), GP_OK);
        lines l;
        read_lines(in, &l);
        assert_string_equal(gp_input_encoding(in), names[k]);
        gp_input_close(in);
        assert_int_equal(l.rc, 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.text[0], "A\xC3\xB1o");
        assert_string_equal(l.text[1], "b");
        assert_int_equal(th_diags_count(&d, NULL), 1);
        const gp_diag *g = th_diags_find(&d, "input.legacy-encoding");
        assert_non_null(g);
        assert_int_equal(g->severity, GP_SEV_WARNING);
        lines_free(&l);
        th_diags_free(&d);
    }
}

static void test_input__utf16_odd_last_byte_is_reported(void **state)
{
    (void)state;
    /* "ab\n" in UTF-16LE, then one byte of a unit that was cut off */
    static const char data[] = "\xFF\xFE"
                               "a\0b\0\n\0c";
    lines l;
    th_diags d;
    read_mem(data, sizeof data - 1, &l, &d);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.text[0], "ab");
    assert_string_equal(l.text[1], "\xEF\xBF\xBD");
    const gp_diag *g = th_diags_find(&d, "input.invalid-utf8");
    assert_non_null(g);
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_int_equal(g->offset, 8);
    assert_string_equal(g->message, "invalid UTF-16LE at byte offset 8; replaced by U+FFFD");
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__utf16_lone_surrogate_is_reported(void **state)
{
    (void)state;
    /* "a", a high surrogate with no low one after it, "b", then a lone low surrogate */
    static const char data[] = "\xFE\xFF"
                               "\0a\xD8\x3D\0b\xDC\x00\0\n";
    lines l;
    th_diags d;
    read_mem(data, sizeof data - 1, &l, &d);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.text[0], "a\xEF\xBF\xBD"
                                   "b\xEF\xBF\xBD");
    assert_int_equal(th_diags_count(&d, "input.invalid-utf8"), 1);
    const gp_diag *g = th_diags_find(&d, "input.invalid-utf8");
    assert_int_equal(g->offset, 4);
    assert_string_equal(
        g->message, "invalid UTF-16BE at byte offset 4 and 1 more in the file; replaced by U+FFFD");
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__nul_in_first_block_is_refused(void **state)
{
    (void)state;
    gp_input *in;
    th_diags d;
    th_diags_init(&d);
    assert_int_equal(
        gp_input_open(&in, th_path("fixtures/bad/nul-byte.bin"), "nul-byte.bin", &d.sink), GP_OK);
    const char *text;
    size_t len;
    assert_int_equal(gp_input_peek(in, &text, &len), GP_EINPUT);
    gp_line ln;
    assert_int_equal(gp_input_next_line(in, &ln), GP_EINPUT);
    assert_int_equal(gp_input_next_line(in, &ln), GP_EINPUT); /* and stays refused */
    gp_input_close(in);
    assert_int_equal(th_diags_count(&d, NULL), 1); /* reported once */
    const gp_diag *g = th_diags_find(&d, "input.binary");
    assert_non_null(g);
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_int_equal(g->offset, 5);
    assert_string_equal(
        g->message,
        "'nul-byte.bin' looks like a binary file (NUL byte at byte offset 5): not read");
    th_diags_free(&d);
}

static void test_input__nul_after_first_block_is_replaced(void **state)
{
    (void)state;
    lines l;
    th_diags d;
    read_fixture("fixtures/bad/nul-in-text.txt", &l, &d, NULL, 0);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 220);
    const char *nul = strstr(l.text[214], "before the epidemic\xEF\xBF\xBD spreads out rapidly");
    assert_non_null(nul);
    /* past the first 8000 bytes, where a NUL would mark a binary file */
    assert_true(l.offset[214] + (nul - l.text[214]) + 19 > 8000);
    assert_int_equal(th_diags_count(&d, NULL), 1);
    const gp_diag *g = th_diags_find(&d, "input.nul");
    assert_non_null(g);
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_int_equal(g->line, 215);
    assert_int_equal(g->column, 114);
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__nul_on_many_lines_is_summarised(void **state)
{
    (void)state;
    gp_buf b = GP_BUF_INIT;
    for (int i = 0; i < 400; i++) /* past the first 8000 bytes */
        gp_buf_puts(&b, "Implementation year:\n2020\n");
    for (int i = 0; i < 55; i++)
        gp_buf_put(&b, "a\0b\n", 4);
    lines l;
    th_diags d;
    read_mem(b.data, b.len, &l, &d);
    assert_int_equal(l.n, 855);
    assert_string_equal(l.text[854], "a\xEF\xBF\xBD"
                                     "b");
    assert_int_equal(th_diags_count(&d, "input.nul"), 51);
    const gp_diag *last = gp_diag_list_get(d.list, 50);
    assert_string_equal(last->rule_id, "input.nul");
    assert_string_equal(last->message,
                        "NUL bytes on 5 more lines of 'mem.txt' (replaced by U+FFFD)");
    lines_free(&l);
    th_diags_free(&d);
    gp_buf_free(&b);
}

/* A 10 MB description line between two short lines, as a file and in memory. */
static void check_long_line(int from_file)
{
    size_t big = (size_t)10 << 20;
    static const char head[] = "Asia and Pacific\r\n\r\n";
    static const char tail[] = "\r\nTopic:\r\n";
    size_t len = sizeof head - 1 + big + sizeof tail - 1;
    char *data = malloc(len);
    assert_non_null(data);
    memcpy(data, head, sizeof head - 1);
    memset(data + sizeof head - 1, 'a', big);
    memcpy(data + sizeof head - 1 + big, tail, sizeof tail - 1);
    /* one accented letter in the middle, so the encoding is decided inside the line */
    memcpy(data + sizeof head - 1 + big / 2, "\xC3\xA9", 2);
    lines l;
    th_diags d;
    if (from_file)
        read_temp(data, len, &l, &d);
    else
        read_mem(data, len, &l, &d);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 4);
    assert_int_equal(l.len[2], big);
    assert_memory_equal(l.text[2], data + sizeof head - 1, big);
    assert_string_equal(l.text[3], "Topic:");
    assert_int_equal(l.number[3], 4);
    assert_int_equal(l.offset[3], (long long)(sizeof head - 1 + big + 2));
    assert_int_equal(th_diags_count(&d, NULL), 0);
    lines_free(&l);
    th_diags_free(&d);
    free(data);
}

static void test_input__long_line_is_read_whole(void **state)
{
    (void)state;
    check_long_line(1);
    check_long_line(0);
}

/* Reads `data` with the line limit lowered to `max` bytes, from a file or from memory. */
static void read_limited(const char *data, size_t len, size_t max, int from_file, lines *l,
                         th_diags *d)
{
    char *path = from_file ? write_temp(data, len) : NULL;
    gp_input *in;
    th_diags_init(d);
    if (from_file)
        assert_int_equal(gp_input_open(&in, path, "temp.txt", &d->sink), GP_OK);
    else
        assert_int_equal(gp_input_open_mem(&in, "mem.txt", data, len, &d->sink), GP_OK);
    gp__input_set_line_max(in, max);
    read_lines(in, l);
    gp_input_close(in);
    if (path)
        unlink(path);
    free(path);
}

/*
 * A 200,000-byte line with a limit of 64 bytes: cut at the limit (before the "é" that
 * straddles it, not inside it), reported once at its line, and the rest of it dropped;
 * the lines after it keep their numbers and offsets. From a file the rest is still
 * unread when the line is cut (the first read takes 65536 bytes); in memory it is not.
 */
static void check_line_too_long(int from_file)
{
    static const char head[] = "Asia and Pacific\r\n";
    static const char tail[] = "\r\n\r\nTopic:\r\n";
    size_t big = 200000, hl = sizeof head - 1;
    size_t len = hl + big + sizeof tail - 1;
    char *data = malloc(len);
    assert_non_null(data);
    memcpy(data, head, hl);
    memset(data + hl, 'a', big);
    memcpy(data + hl + 63, "\xC3\xA9", 2); /* bytes 64 and 65 of the line */
    memcpy(data + hl + big, tail, sizeof tail - 1);
    lines l;
    th_diags d;
    read_limited(data, len, 64, from_file, &l, &d);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.text[0], "Asia and Pacific");
    assert_int_equal(l.number[1], 2);
    assert_int_equal(l.len[1], 63);
    assert_memory_equal(l.text[1], data + hl, 63);
    assert_string_equal(l.text[2], "");
    assert_int_equal(l.number[2], 3);
    assert_int_equal(l.offset[2], (long long)(hl + big + 2));
    assert_string_equal(l.text[3], "Topic:");
    assert_int_equal(l.number[3], 4);
    assert_int_equal(l.offset[3], (long long)(hl + big + 4));
    assert_int_equal(th_diags_count(&d, NULL), 1);
    const gp_diag *g = th_diags_find(&d, "input.line-too-long");
    assert_non_null(g);
    assert_string_equal(g->file, from_file ? "temp.txt" : "mem.txt");
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_int_equal(g->line, 2);
    assert_int_equal(g->column, 0);
    assert_string_equal(g->message, "line is longer than 64 bytes; cut there");
    lines_free(&l);
    th_diags_free(&d);
    free(data);
}

static void test_input__line_too_long_is_cut_and_reported(void **state)
{
    (void)state;
    check_line_too_long(1);
    check_line_too_long(0);
}

/* A cut line whose CR ends the first read: the LF after it is its line end, not a line. */
static void test_input__line_too_long_ending_in_crlf_between_blocks(void **state)
{
    (void)state;
    size_t first = 65536;
    size_t len = first + 6;
    char *data = malloc(len);
    assert_non_null(data);
    memset(data, 'x', first - 1);
    data[first - 1] = '\r';
    memcpy(data + first, "\nnext\n", 6);
    lines l;
    th_diags d;
    read_limited(data, len, 100, 1, &l, &d);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.len[0], 100);
    assert_string_equal(l.text[1], "next");
    assert_int_equal(l.number[1], 2);
    assert_int_equal(l.offset[1], (long long)first + 1);
    assert_int_equal(th_diags_count(&d, "input.line-too-long"), 1);
    assert_int_equal(th_diags_find(&d, "input.line-too-long")->line, 1);
    lines_free(&l);
    th_diags_free(&d);
    free(data);
}

/* A line of exactly the limit is whole, even when its line end is not read yet. */
static void test_input__line_as_long_as_the_limit_is_kept(void **state)
{
    (void)state;
    size_t first = 65536;
    size_t len = first + 6;
    char *data = malloc(len);
    assert_non_null(data);
    memset(data, 'x', first);
    memcpy(data + first, "\nnext\n", 6);
    lines l;
    th_diags d;
    read_limited(data, len, first, 1, &l, &d);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.len[0], first);
    assert_string_equal(l.text[1], "next");
    assert_int_equal(l.number[1], 2);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    lines_free(&l);
    th_diags_free(&d);
    free(data);
}

static void test_input__empty_input_gives_no_line(void **state)
{
    (void)state;
    lines l;
    th_diags d;
    read_mem("", 0, &l, &d);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    lines_free(&l);
    th_diags_free(&d);

    gp_input *in;
    th_diags_init(&d);
    assert_int_equal(gp_input_open(&in, th_path("fixtures/bad/empty.txt"), NULL, &d.sink), GP_OK);
    const char *text;
    size_t len;
    assert_int_equal(gp_input_peek(in, &text, &len), GP_OK);
    assert_int_equal(len, 0);
    assert_string_equal(text, "");
    read_lines(in, &l);
    gp_input_close(in);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(th_diags_count(&d, NULL), 0);
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__empty_first_line_is_nul_terminated(void **state)
{
    (void)state;
    /* A file of one line end: the line buffer is allocated for it, and must still hold
     * a string (the ASan build fills new memory, so an unterminated text shows here). */
    static const char *const inputs[] = {"\n", "\r\n", "\nImplementation year:\n"};
    for (size_t k = 0; k < GP_ARRAY_LEN(inputs); k++) {
        gp_input *in;
        th_diags d;
        th_diags_init(&d);
        assert_int_equal(gp_input_open_mem(&in, "mem.txt", inputs[k], strlen(inputs[k]), &d.sink),
                         GP_OK);
        gp_line line;
        assert_int_equal(gp_input_next_line(in, &line), 1);
        assert_int_equal(line.len, 0);
        assert_int_equal(line.text[0], '\0');
        gp_input_close(in);
        th_diags_free(&d);
    }
}

static void test_input__line_numbers_and_offsets_count_bytes(void **state)
{
    (void)state;
    /* offsets are bytes (the BOM and the 3-byte ’ count), numbers count line ends */
    static const char data[] = "\xEF\xBB\xBF"
                               "Korea\xE2\x80\x99s\r\n"
                               "\n"
                               "Topic:\r"
                               "Health";
    lines l;
    th_diags d;
    read_mem(data, sizeof data - 1, &l, &d);
    assert_int_equal(l.n, 4);
    static const long long offsets[] = {3, 14, 15, 22};
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(l.number[i], (long)i + 1);
        assert_int_equal(l.offset[i], offsets[i]);
    }
    assert_string_equal(l.text[0], "Korea\xE2\x80\x99s");
    assert_string_equal(l.text[3], "Health");
    lines_free(&l);
    th_diags_free(&d);
}

static void test_input__missing_file_is_reported(void **state)
{
    (void)state;
    gp_input *in = NULL;
    th_diags d;
    th_diags_init(&d);
    assert_int_equal(gp_input_open(&in, th_path("fixtures/bad/no-such-file.txt"),
                                   "fixtures/bad/no-such-file.txt", &d.sink),
                     GP_EIO);
    const gp_diag *g = th_diags_find(&d, "input.unreadable");
    assert_non_null(g);
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_string_equal(g->message,
                        "cannot open 'fixtures/bad/no-such-file.txt': No such file or directory");
    th_diags_free(&d);
}

/* The paths gp_input_walk hands out, joined with '|'. */
static int collect_path(void *ctx, const char *path)
{
    gp_buf *b = ctx;
    if (b->len)
        gp_buf_putc(b, '|');
    gp_buf_puts(b, path);
    return 0;
}

static void touch(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

static void test_input__walk_sorted_hidden_left_out_loop_read_once(void **state)
{
    (void)state;
    char dir[] = "/tmp/gp-walk-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[600], path[700];
    snprintf(sub, sizeof sub, "%s/b", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(path, sizeof path, "%s/.git", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    touch(dir, "c.txt");
    touch(dir, "B.txt"); /* bytes, not the locale: 'B' before 'b' before 'c' */
    touch(dir, ".hidden.txt");
    touch(path, "inside-hidden.txt");
    touch(sub, "a.txt");
    snprintf(path, sizeof path, "%s/b/up", dir);
    assert_int_equal(symlink("..", path), 0);
    th_diags diags;
    th_diags_init(&diags);
    gp_buf got = GP_BUF_INIT;
    assert_int_equal(gp_input_walk(dir, &diags.sink, collect_path, &got), GP_OK);
    char want[1024];
    snprintf(want, sizeof want, "%s/B.txt|%s/b/a.txt|%s/c.txt", dir, dir, dir);
    assert_string_equal(gp_buf_str(&got), want);
    assert_int_equal(th_diags_count(&diags, "input.repeated"), 1);
    /* a file, "-" and a name that does not exist are handed out as they are */
    gp_buf_reset(&got);
    assert_int_equal(gp_input_walk("-", &diags.sink, collect_path, &got), GP_OK);
    assert_int_equal(gp_input_walk("no/such/file", &diags.sink, collect_path, &got), GP_OK);
    assert_string_equal(gp_buf_str(&got), "-|no/such/file");
    gp_buf_free(&got);
    th_diags_free(&diags);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input__bom_is_skipped),
        cmocka_unit_test(test_input__bom_fixture_reads_like_plain_utf8),
        cmocka_unit_test(test_input__crlf_lf_and_lone_cr_end_lines),
        cmocka_unit_test(test_input__crlf_fixture_has_no_cr_left),
        cmocka_unit_test(test_input__crlf_split_between_blocks_is_one_line_end),
        cmocka_unit_test(test_input__invalid_utf8_is_replaced_and_reported),
        cmocka_unit_test(test_input__invalid_utf8_counts_more_on_one_line),
        cmocka_unit_test(test_input__invalid_utf8_on_many_lines_is_summarised),
        cmocka_unit_test(test_input__windows_1252_is_detected_and_converted),
        cmocka_unit_test(test_input__latin1_is_detected_and_converted),
        cmocka_unit_test(test_input__legacy_warning_counts_cr_line_ends),
        cmocka_unit_test(test_input__nul_in_legacy_text_is_replaced),
        cmocka_unit_test(test_input__utf16_with_bom_is_converted),
        cmocka_unit_test(test_input__utf16_odd_last_byte_is_reported),
        cmocka_unit_test(test_input__utf16_lone_surrogate_is_reported),
        cmocka_unit_test(test_input__nul_in_first_block_is_refused),
        cmocka_unit_test(test_input__nul_after_first_block_is_replaced),
        cmocka_unit_test(test_input__nul_on_many_lines_is_summarised),
        cmocka_unit_test(test_input__long_line_is_read_whole),
        cmocka_unit_test(test_input__line_too_long_is_cut_and_reported),
        cmocka_unit_test(test_input__line_too_long_ending_in_crlf_between_blocks),
        cmocka_unit_test(test_input__line_as_long_as_the_limit_is_kept),
        cmocka_unit_test(test_input__empty_input_gives_no_line),
        cmocka_unit_test(test_input__empty_first_line_is_nul_terminated),
        cmocka_unit_test(test_input__line_numbers_and_offsets_count_bytes),
        cmocka_unit_test(test_input__missing_file_is_reported),
        cmocka_unit_test(test_input__walk_sorted_hidden_left_out_loop_read_once),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
