/*
 * tests/test_extract_bad.c - bad input through the extractor: every problem is reported
 * with its place and every record that can be read is still handed out.
 *
 * The fixtures are under fixtures/bad/, each a small excerpt of a seed dump with one
 * thing wrong; the header of each test says what.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

typedef struct run {
    th_records recs;
    th_diags diags;
    int rc;
} run;

static void extract(run *r, const char *rel, gp_format format)
{
    th_records_init(&r->recs);
    th_diags_init(&r->diags);
    r->rc = th_extract(rel, format, &r->recs, &r->diags);
}

static void extract_mem(run *r, const char *name, const char *data, size_t len)
{
    th_records_init(&r->recs);
    th_diags_init(&r->diags);
    r->rc = th_extract_mem(name, data, len, GP_FORMAT_AUTO, &r->recs, &r->diags);
}

static void run_free(run *r)
{
    th_records_free(&r->recs);
    th_diags_free(&r->diags);
}

/* The only diagnostic of the run, which must have this rule id, severity and place. */
static const gp_diag *only_diag(const run *r, const char *rule_id, gp_severity sev, long line,
                                long column)
{
    assert_int_equal(th_diags_count(&r->diags, NULL), 1);
    const gp_diag *d = th_diags_find(&r->diags, rule_id);
    assert_non_null(d);
    assert_int_equal(d->severity, sev);
    assert_int_equal(d->line, line);
    assert_int_equal(d->column, column);
    return d;
}

/* Last record ends after "Award Year:": reported at its first line, still handed out. */
static void test_extract_bad__record_cut_off_is_kept_and_reported(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/bad/record-cut-off.txt", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 3);
    const gp_record *last = &r.recs.items[2];
    assert_int_equal(last->nsources, 1);
    assert_string_equal(last->sources[0].file, "fixtures/bad/record-cut-off.txt");
    assert_string_equal(last->sources[0].format, "listing");
    assert_int_equal(last->sources[0].line, 31);
    assert_int_equal(last->implementation_year.value, 2020);
    assert_int_equal(last->award_year.value, 0);
    assert_null(last->award_year.text);
    assert_null(last->institution);
    const gp_diag *d = only_diag(&r, "listing.truncated", GP_SEV_ERROR, 31, 1);
    assert_string_equal(d->file, "fixtures/bad/record-cut-off.txt");
    assert_string_equal(d->message, "record is cut off at the end of the file after a year label; "
                                    "kept as far as it goes");
    /* the records before it are whole */
    assert_string_equal(r.recs.items[1].institution,
                        "Korea Workers' Compensation & Welfare Service");
    assert_int_equal(r.recs.items[1].topics.len, 3);
    run_free(&r);
}

/* A file that ends inside a header: what the record has so far is kept. */
static void test_extract_bad__record_cut_off_in_header_is_kept(void **state)
{
    (void)state;
    static const char data[] = "Implementation year:\n2020\nAward Year:\n2021\n"
                               "National Pension Service\n,\n";
    run r;
    extract_mem(&r, "cut.txt", data, sizeof data - 1);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 1);
    assert_string_equal(r.recs.items[0].institution, "National Pension Service");
    assert_int_equal(r.recs.items[0].award_year.value, 2021);
    const gp_diag *d = only_diag(&r, "listing.truncated", GP_SEV_ERROR, 1, 1);
    assert_non_null(strstr(d->message, "after part of its header"));
    run_free(&r);
}

/* The second record's header has no region: reported, the rest of the record read. */
static void test_extract_bad__header_without_region_is_reported(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/bad/header-incomplete.txt", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 2);
    const gp_record *rec = &r.recs.items[1];
    assert_string_equal(rec->institution, "Korea Workers' Compensation & Welfare Service");
    assert_string_equal(rec->country, "Korea, Republic of");
    assert_null(rec->region);
    assert_non_null(rec->description);
    assert_int_equal(strncmp(rec->description, "The Republic of Korea", 21), 0);
    assert_int_equal(rec->topics.len, 3);
    assert_int_equal(rec->sources[0].line, 15);
    const gp_diag *d = only_diag(&r, "listing.header-incomplete", GP_SEV_ERROR, 15, 1);
    assert_string_equal(d->message, "record has no region");
    assert_string_equal(r.recs.items[0].region, "Asia and Pacific");
    run_free(&r);
}

/* "20l8" (a lower-case L): kept as the text the dump wrote, and reported where it is. */
static void test_extract_bad__year_not_a_number_is_kept_as_text(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/bad/year-not-a-number.txt", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 2);
    const gp_record *rec = &r.recs.items[0];
    assert_int_equal(rec->implementation_year.value, 0);
    assert_non_null(rec->implementation_year.text);
    assert_string_equal(rec->implementation_year.text, "20l8");
    assert_int_equal(rec->award_year.value, 2024);
    assert_string_equal(rec->country, "Azerbaijan");
    const gp_diag *d = only_diag(&r, "record.year-invalid", GP_SEV_ERROR, 2, 1);
    assert_string_equal(d->message, "implementation year '20l8' is not a year; kept as text");
    assert_int_equal(r.recs.items[1].implementation_year.value, 2022);
    run_free(&r);
}

/*
 * A good line, a line cut off inside a string, "topics" as one string, and a misspelt
 * key: the bad lines are reported at line and column and skipped, the others kept.
 */
static void test_extract_bad__malformed_jsonl_keeps_good_lines(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/bad/malformed.jsonl", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 2);
    /* records keep the sources they carry */
    assert_string_equal(r.recs.items[0].sources[0].file,
                        "fixtures/seeds/listing-korea-split-header.txt");
    assert_int_equal(r.recs.items[0].sources[0].line, 15);
    assert_string_equal(r.recs.items[0].institution, "National Pension Service");
    assert_int_equal(r.recs.items[1].sources[0].line, 75);
    assert_null(r.recs.items[1].institution); /* its key was misspelt */
    assert_int_equal(r.recs.items[1].topics.len, 3);

    assert_int_equal(th_diags_count(&r.diags, NULL), 3);
    assert_int_equal(th_diags_count(&r.diags, "jsonl.malformed"), 2);
    const gp_diag *d = gp_diag_list_get(r.diags.list, 0);
    assert_string_equal(d->rule_id, "jsonl.malformed");
    assert_int_equal(d->severity, GP_SEV_ERROR);
    assert_int_equal(d->line, 2);
    assert_int_equal(d->column, 164);
    assert_string_equal(d->message, "not a record: unterminated string; line skipped");
    d = gp_diag_list_get(r.diags.list, 1);
    assert_int_equal(d->line, 3);
    assert_int_equal(d->column, 764);
    assert_string_equal(d->message,
                        "not a record: field 'topics' must be an array of strings; line skipped");
    d = gp_diag_list_get(r.diags.list, 2);
    assert_string_equal(d->rule_id, "jsonl.unknown-key");
    assert_int_equal(d->severity, GP_SEV_WARNING);
    assert_int_equal(d->line, 4);
    assert_int_equal(d->column, 584);
    assert_string_equal(d->message,
                        "unknown key 'instituion' dropped; did you mean 'institution'?");
    run_free(&r);
}

/* Each unknown key is named at its own column; one far from any field gets no hint. */
static void test_extract_bad__jsonl_unknown_keys_each_reported(void **state)
{
    (void)state;
    static const char data[] = "{\"url\":\"https://ww1.issa.int/\", \"topic\" : [\"Health\"],"
                               "\"title\":\"Untact\"}\n";
    run r;
    extract_mem(&r, "keys.jsonl", data, sizeof data - 1);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 1);
    assert_string_equal(r.recs.items[0].title, "Untact");
    assert_int_equal(r.recs.items[0].sources[0].line, 1);
    assert_string_equal(r.recs.items[0].sources[0].format, "jsonl");
    assert_int_equal(th_diags_count(&r.diags, NULL), 2);
    const gp_diag *d = gp_diag_list_get(r.diags.list, 0);
    assert_int_equal(d->column, 2);
    assert_string_equal(d->message, "unknown key 'url' dropped");
    d = gp_diag_list_get(r.diags.list, 1);
    assert_int_equal(d->column, 33);
    assert_string_equal(d->message, "unknown key 'topic' dropped; did you mean 'topics'?");
    run_free(&r);
}

/* An empty file and one of white space only: a warning, no records, no failure. */
static void test_extract_bad__jsonl_odd_keys_and_text_years(void **state)
{
    const char *line =
        "{\"\":1,\"a, b\":2,\"award_year\":\"20l8\",\"implementation_year\":"
        "\"2015\",\"sources\":[{\"file\":\"x\",\"line\":1,\"format\":\"listing\"}]}\n";
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract_mem("odd.jsonl", line, strlen(line), GP_FORMAT_JSONL, &r, &d),
                     GP_OK);
    assert_int_equal(r.len, 1);
    /* an empty key and a key with ", " in it are both named */
    assert_int_equal(th_diags_count(&d, "jsonl.unknown-key"), 2);
    /* a year in a string is taken; text that is no year is kept and reported */
    assert_int_equal(r.items[0].implementation_year.value, 2015);
    assert_string_equal(r.items[0].award_year.text, "20l8");
    const gp_diag *g = th_diags_find(&d, "record.year-invalid");
    assert_non_null(g);
    assert_int_equal(g->line, 1);
    th_records_free(&r);
    th_diags_free(&d);
}

/* "\u0000" in a JSON string: kept as U+FFFD (a NUL would end the C string there) and
 * reported at the escape, once a line. */
static void test_extract_bad__jsonl_nul_escape_is_replaced_and_reported(void **state)
{
    (void)state;
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    assert_int_equal(th_extract("fixtures/bad/nul-escape.jsonl", GP_FORMAT_AUTO, &r, &d), GP_OK);
    assert_int_equal(r.len, 1);
    assert_string_equal(r.items[0].title, "before\xEF\xBF\xBD"
                                          "after");
    assert_string_equal(r.items[0].institution, "X\xEF\xBF\xBDY");
    assert_int_equal(th_diags_count(&d, "input.nul"), 1);
    const gp_diag *g = th_diags_find(&d, "input.nul");
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_int_equal(g->line, 1);
    assert_int_equal(g->column, 17);
    assert_string_equal(g->message,
                        "'\\u0000' in a string and 1 more on this line; replaced by U+FFFD");
    th_records_free(&r);
    th_diags_free(&d);
}

/* The same file twice, by another name: read once, the second named in a warning. */
static void test_extract_bad__same_file_twice_is_read_once(void **state)
{
    (void)state;
    th_records r;
    th_diags d;
    th_records_init(&r);
    th_diags_init(&d);
    gp_extractor *ex;
    assert_int_equal(gp_extractor_new(&ex, th_rules(), NULL, &d.sink), GP_OK);
    char again[4096];
    snprintf(again, sizeof again, "%s", th_path("fixtures/seeds/../bad/year-not-a-number.txt"));
    assert_int_equal(
        gp_extract_file(ex, th_path("fixtures/bad/year-not-a-number.txt"), "a", th_collect, &r),
        GP_OK);
    size_t once = r.len;
    assert_true(once > 0);
    assert_int_equal(gp_extract_file(ex, again, "./a", th_collect, &r), GP_OK);
    assert_int_equal(r.len, once);
    assert_int_equal(th_diags_count(&d, "input.repeated"), 1);
    const gp_diag *g = th_diags_find(&d, "input.repeated");
    assert_int_equal(g->severity, GP_SEV_WARNING);
    assert_string_equal(g->message, "'./a' is the same file as 'a', read already; not read again");
    gp_extractor_free(ex);
    th_records_free(&r);
    th_diags_free(&d);
}

static void test_extract_bad__empty_file_gives_no_records(void **state)
{
    (void)state;
    static const char *const files[] = {"fixtures/bad/empty.txt", "fixtures/bad/blank.txt"};
    for (size_t i = 0; i < 2; i++) {
        run r;
        extract(&r, files[i], GP_FORMAT_AUTO);
        assert_int_equal(r.rc, GP_OK);
        assert_int_equal(r.recs.len, 0);
        const gp_diag *d = only_diag(&r, "input.empty", GP_SEV_WARNING, 0, 0);
        assert_string_equal(d->file, files[i]);
        run_free(&r);
    }
}

/* NUL bytes at the start: refused as a whole, with the offset of the first NUL. */
static void test_extract_bad__binary_file_is_refused(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/bad/nul-byte.bin", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_EINPUT);
    assert_int_equal(r.recs.len, 0);
    const gp_diag *d = only_diag(&r, "input.binary", GP_SEV_ERROR, 0, 0);
    assert_int_equal(d->offset, 5);
    run_free(&r);

    /* a forced format does not make it readable */
    extract(&r, "fixtures/bad/nul-byte.bin", GP_FORMAT_LISTING);
    assert_int_equal(r.rc, GP_EINPUT);
    assert_int_equal(r.recs.len, 0);
    run_free(&r);
}

/* Text that is no known dump: refused with a hint to name the format. */
static void test_extract_bad__unknown_format_is_refused(void **state)
{
    (void)state;
    static const char data[] = "Good Practices in Social Security\n\nISSA Database\n";
    run r;
    extract_mem(&r, "notes.txt", data, sizeof data - 1);
    assert_int_equal(r.rc, GP_EINPUT);
    assert_int_equal(r.recs.len, 0);
    const gp_diag *d = only_diag(&r, "input.unknown-format", GP_SEV_ERROR, 0, 0);
    assert_non_null(strstr(d->message, "name it with --from"));
    run_free(&r);
}

/* Replaced bytes stay in the record; the record is not dropped. */
static void test_extract_bad__invalid_utf8_keeps_the_record(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/bad/invalid-utf8.txt", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 2);
    assert_string_equal(r.recs.items[0].institution, "Un\xEF\xBF\xBD"
                                                     "dic (Unemployment Insurance)");
    assert_string_equal(r.recs.items[0].country, "France");
    assert_int_equal(th_diags_count(&r.diags, NULL), 2);
    assert_int_equal(th_diags_count(&r.diags, "input.invalid-utf8"), 2);
    run_free(&r);
}

/* Legacy encodings: the fields come out as UTF-8, one warning per file. */
static void test_extract_bad__legacy_encodings_give_utf8_fields(void **state)
{
    (void)state;
    run r;
    extract(&r, "fixtures/bad/windows-1252.txt", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 2);
    assert_string_equal(r.recs.items[0].institution, "Un\xC3\xA9"
                                                     "dic (Unemployment Insurance)");
    assert_non_null(strstr(r.recs.items[1].description,
                           "the \xE2\x80\x9C"
                           "All about my unemployment rights\xE2\x80\x9D"));
    only_diag(&r, "input.legacy-encoding", GP_SEV_WARNING, 5, 3);
    run_free(&r);

    extract(&r, "fixtures/bad/latin1.txt", GP_FORMAT_AUTO);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 2);
    assert_string_equal(r.recs.items[0].country, "Spain");
    assert_non_null(strstr(r.recs.items[0].description, "Espa\xC3\xB1ola"));
    assert_non_null(strstr(r.recs.items[1].description, "f\xC3\xBCr Landwirtschaft"));
    only_diag(&r, "input.legacy-encoding", GP_SEV_WARNING, 7, 129);
    run_free(&r);
}

/* A BOM and CRLF line ends change nothing: same records, same lines, no diagnostic. */
static void test_extract_bad__bom_and_crlf_read_like_the_seed(void **state)
{
    (void)state;
    static const char *const files[] = {"fixtures/bad/bom.txt", "fixtures/bad/crlf.txt"};
    for (size_t i = 0; i < 2; i++) {
        run r;
        extract(&r, files[i], GP_FORMAT_AUTO);
        assert_int_equal(r.rc, GP_OK);
        assert_int_equal(r.recs.len, 2);
        assert_int_equal(th_diags_count(&r.diags, NULL), 0);
        const gp_record *rec = &r.recs.items[1];
        assert_int_equal(rec->sources[0].line, 29); /* as in the seed */
        assert_string_equal(rec->institution, "Korea Workers' Compensation & Welfare Service");
        assert_string_equal(rec->region, "Asia and Pacific");
        assert_null(strchr(rec->description, '\r'));
        assert_string_equal(rec->topics.items[2], "Information and communication technology");
        run_free(&r);
    }
}

/* A 10 MB description on one line is read whole into the record. */
static void test_extract_bad__ten_megabyte_line_is_kept_whole(void **state)
{
    (void)state;
    static const char head[] = "Implementation year:\n2020\nAward Year:\n2021\n"
                               "National Pension Service , Korea, Republic of , Asia and Pacific\n"
                               "\n";
    static const char tail[] = "\n\nTopic:\nHealth\n";
    size_t big = (size_t)10 << 20;
    size_t len = sizeof head - 1 + big + sizeof tail - 1;
    char *data = malloc(len);
    assert_non_null(data);
    memcpy(data, head, sizeof head - 1);
    memset(data + sizeof head - 1, 'a', big);
    memcpy(data + sizeof head - 1 + big, tail, sizeof tail - 1);
    run r;
    extract_mem(&r, "long.txt", data, len);
    free(data);
    assert_int_equal(r.rc, GP_OK);
    assert_int_equal(r.recs.len, 1);
    assert_int_equal(strlen(r.recs.items[0].description), big);
    assert_int_equal(r.recs.items[0].topics.len, 1);
    assert_string_equal(r.recs.items[0].topics.items[0], "Health");
    assert_int_equal(th_diags_count(&r.diags, NULL), 0);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_bad__record_cut_off_is_kept_and_reported),
        cmocka_unit_test(test_extract_bad__record_cut_off_in_header_is_kept),
        cmocka_unit_test(test_extract_bad__header_without_region_is_reported),
        cmocka_unit_test(test_extract_bad__year_not_a_number_is_kept_as_text),
        cmocka_unit_test(test_extract_bad__malformed_jsonl_keeps_good_lines),
        cmocka_unit_test(test_extract_bad__jsonl_unknown_keys_each_reported),
        cmocka_unit_test(test_extract_bad__jsonl_odd_keys_and_text_years),
        cmocka_unit_test(test_extract_bad__jsonl_nul_escape_is_replaced_and_reported),
        cmocka_unit_test(test_extract_bad__same_file_twice_is_read_once),
        cmocka_unit_test(test_extract_bad__empty_file_gives_no_records),
        cmocka_unit_test(test_extract_bad__binary_file_is_refused),
        cmocka_unit_test(test_extract_bad__unknown_format_is_refused),
        cmocka_unit_test(test_extract_bad__invalid_utf8_keeps_the_record),
        cmocka_unit_test(test_extract_bad__legacy_encodings_give_utf8_fields),
        cmocka_unit_test(test_extract_bad__bom_and_crlf_read_like_the_seed),
        cmocka_unit_test(test_extract_bad__ten_megabyte_line_is_kept_whole),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
