/*
 * tests/test_norm.c - canonical records: values, idempotence and stable ids.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

typedef struct fixture {
    th_records raw;
    th_diags diags;
    gp_normalizer *norm;
    gp_arena *arena;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    th_records_init(&f->raw);
    th_diags_init(&f->diags);
    assert_int_equal(gp_normalizer_new(&f->norm, th_rules(), &f->diags.sink), GP_OK);
    assert_int_equal(gp_arena_new(&f->arena), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    gp_normalizer_free(f->norm);
    th_records_free(&f->raw);
    th_diags_free(&f->diags);
    gp_arena_free(f->arena);
    free(f);
    return 0;
}

/* A normalised copy of raw record i. */
static gp_record normalised(fixture *f, const gp_record *raw)
{
    gp_record rec;
    assert_int_equal(gp_record_copy(&rec, raw, f->arena), GP_OK);
    assert_int_equal(gp_norm_record(f->norm, &rec), GP_OK);
    return rec;
}

static const gp_record *find(const th_records *r, const char *needle)
{
    for (size_t i = 0; i < r->len; i++)
        if (r->items[i].description && strstr(r->items[i].description, needle))
            return &r->items[i];
    fail_msg("no record with '%s'", needle);
    return NULL;
}

static void test_norm__topic_alias_takes_canonical_value(void **state)
{
    fixture *f = *state;
    assert_int_equal(th_extract("fixtures/seeds/listing-europe-award-2024.txt", GP_FORMAT_AUTO,
                                &f->raw, &f->diags),
                     GP_OK);
    size_t seen = 0;
    for (size_t i = 0; i < f->raw.len; i++) {
        const gp_strlist *t = &f->raw.items[i].topics;
        for (size_t k = 0; k < t->len; k++) {
            if (strcmp(t->items[k], "Programme & evaluation") != 0)
                continue;
            gp_record rec = normalised(f, &f->raw.items[i]);
            int found = 0;
            for (size_t j = 0; j < rec.topics.len; j++) {
                assert_string_not_equal(rec.topics.items[j], "Programme & evaluation");
                found |= strcmp(rec.topics.items[j], "Programme evaluation") == 0;
            }
            assert_true(found);
            seen++;
        }
    }
    assert_int_equal(seen, 1);
}

static void test_norm__korea_spellings_agree_across_sources(void **state)
{
    fixture *f = *state;
    assert_int_equal(th_extract("fixtures/seeds/listing-korea-split-header.txt", GP_FORMAT_AUTO,
                                &f->raw, &f->diags),
                     GP_OK);
    size_t listing = f->raw.len;
    assert_int_equal(th_extract("fixtures/seeds/booklet-asia-pacific-2018.txt", GP_FORMAT_AUTO,
                                &f->raw, &f->diags),
                     GP_OK);
    size_t korean = 0;
    for (size_t i = 0; i < f->raw.len; i++) {
        gp_record rec = normalised(f, &f->raw.items[i]);
        assert_non_null(rec.country_code);
        if (strcmp(rec.country_code, "KR") != 0)
            continue;
        korean++;
        assert_string_equal(rec.country, "Korea, Republic of");
        assert_string_equal(rec.region, "Asia and the Pacific");
        if (strstr(rec.institution, "Compensation"))
            assert_string_equal(rec.institution, "Korea Workers' Compensation & Welfare Service");
    }
    assert_int_equal(korean, listing + 8);
}

static void test_norm__normalising_twice_changes_nothing(void **state)
{
    fixture *f = *state;
    static const char *const seeds[] = {"fixtures/seeds/listing-europe-award-2024.txt",
                                        "fixtures/seeds/listing-implemented-2015.txt",
                                        "fixtures/seeds/listing-azerbaijan-israel.txt",
                                        "fixtures/seeds/listing-korea-split-header.txt",
                                        "fixtures/seeds/booklet-asia-pacific-2018.txt"};
    for (size_t s = 0; s < 5; s++)
        assert_int_equal(th_extract(seeds[s], GP_FORMAT_AUTO, &f->raw, &f->diags), GP_OK);
    gp_buf once = GP_BUF_INIT, twice = GP_BUF_INIT;
    for (size_t i = 0; i < f->raw.len; i++) {
        gp_record rec = normalised(f, &f->raw.items[i]);
        gp_buf_reset(&once);
        gp_record_write_json(&rec, &once, 0);
        assert_int_equal(gp_norm_record(f->norm, &rec), GP_OK);
        gp_buf_reset(&twice);
        gp_record_write_json(&rec, &twice, 0);
        assert_string_equal(once.data, twice.data);
    }
    gp_buf_free(&once);
    gp_buf_free(&twice);
}

/* ---- id stability ---- */

static char *replace_all(gp_arena *a, const char *s, const char *from, const char *to)
{
    gp_buf b = GP_BUF_INIT;
    size_t fl = strlen(from);
    for (const char *p = s; *p;) {
        if (strncmp(p, from, fl) == 0) {
            gp_buf_puts(&b, to);
            p += fl;
        } else {
            gp_buf_putc(&b, *p++);
        }
    }
    char *out = gp_arena_strdup(a, gp_buf_str(&b));
    gp_buf_free(&b);
    return out;
}

static char *upper(gp_arena *a, const char *s)
{
    char *u = gp_arena_strdup(a, s);
    for (char *p = u; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return u;
}

static const char *id_of(fixture *f, const gp_record *raw)
{
    gp_record rec = normalised(f, raw);
    return rec.id;
}

static void test_norm__id_survives_cosmetic_changes(void **state)
{
    fixture *f = *state;
    assert_int_equal(th_extract("fixtures/seeds/listing-europe-award-2024.txt", GP_FORMAT_AUTO,
                                &f->raw, &f->diags),
                     GP_OK);
    /* Two paragraphs, curly quotes, an en dash, topics: the Swedish Pensions Agency record. */
    const gp_record *orig = find(&f->raw, "(Snabbkoll p");
    const char *id = id_of(f, orig);
    assert_true(strncmp(id, "gp-", 3) == 0 && strlen(id) == 19);

    gp_record p;
    gp_arena *a = f->arena;
    /* white space */
    assert_int_equal(gp_record_copy(&p, orig, a), GP_OK);
    p.description = replace_all(a, orig->description, " ", "  \n ");
    p.institution = replace_all(a, orig->institution, " ", "\t ");
    assert_string_equal(id_of(f, &p), id);
    /* case */
    assert_int_equal(gp_record_copy(&p, orig, a), GP_OK);
    p.description = upper(a, orig->description);
    p.institution = upper(a, orig->institution);
    p.country = upper(a, orig->country);
    assert_string_equal(id_of(f, &p), id);
    /* quotes and dashes */
    assert_int_equal(gp_record_copy(&p, orig, a), GP_OK);
    p.description = replace_all(a, replace_all(a, orig->description, "’", "'"), "–", "-");
    assert_string_not_equal(p.description, orig->description);
    assert_string_equal(id_of(f, &p), id);
    /* topic order and content */
    assert_int_equal(gp_record_copy(&p, orig, a), GP_OK);
    p.topics.len = 0;
    gp_strlist_push(a, &p.topics, "Service quality", 15);
    gp_strlist_push(a, &p.topics, "Health", 6);
    assert_string_equal(id_of(f, &p), id);
    /* a changed last paragraph */
    assert_int_equal(gp_record_copy(&p, orig, a), GP_OK);
    const char *cut = strstr(orig->description, "\n\n");
    assert_non_null(cut);
    gp_buf d = GP_BUF_INIT;
    gp_buf_put(&d, orig->description, (size_t)(cut - orig->description));
    gp_buf_puts(&d, "\n\nThe guide was used 100 000 times in its first year.");
    p.description = gp_arena_strdup(a, d.data);
    gp_buf_free(&d);
    assert_string_equal(id_of(f, &p), id);
    /* the country in another language, the institution with curly apostrophes */
    assert_int_equal(gp_record_copy(&p, orig, a), GP_OK);
    p.country = "Suède";
    assert_string_equal(id_of(f, &p), id);
}

static void test_norm__id_separates_practices(void **state)
{
    fixture *f = *state;
    assert_int_equal(th_extract("fixtures/seeds/listing-korea-split-header.txt", GP_FORMAT_AUTO,
                                &f->raw, &f->diags),
                     GP_OK);
    /* Same institution, country and award year; openings share their first twelve words. */
    const gp_record *a = find(&f->raw, "developed a credit rating model");
    const gp_record *b = find(&f->raw, "developed a digital consultation channel");
    assert_int_equal(a->award_year.value, b->award_year.value);
    assert_string_not_equal(id_of(f, a), id_of(f, b));
    /* Another award year is another practice. */
    gp_record p;
    assert_int_equal(gp_record_copy(&p, a, f->arena), GP_OK);
    p.award_year.value = 2022;
    assert_string_not_equal(id_of(f, &p), id_of(f, a));
}

static void test_norm__booklet_summary_and_listing_share_an_id(void **state)
{
    fixture *f = *state;
    th_records booklet;
    th_records_init(&booklet);
    assert_int_equal(th_extract("fixtures/seeds/listing-korea-split-header.txt", GP_FORMAT_AUTO,
                                &f->raw, &f->diags),
                     GP_OK);
    assert_int_equal(th_extract("fixtures/seeds/booklet-asia-pacific-2018.txt", GP_FORMAT_AUTO,
                                &booklet, &f->diags),
                     GP_OK);
    const gp_record *listing = find(&f->raw, "Following the social trend of greater use");
    const gp_record *entry = find(&booklet, "Following the social trend of greater use");
    assert_string_equal(id_of(f, listing), id_of(f, entry));
    th_records_free(&booklet);
}

static void test_norm__unknown_values_are_kept_and_reported(void **state)
{
    fixture *f = *state;
    const char *line =
        "{\"country\":\"Atlantis\",\"topics\":[\"Health\",\"Underwater basket "
        "weaving\",\"health\"],"
        "\"award_year\":\"20l8\",\"institution\":\" Sea  Fund \",\"sources\":[{\"file\":\"x.txt\","
        "\"line\":7,\"format\":\"listing\"}]}";
    gp_record rec;
    gp_record_init(&rec, f->arena);
    gp_json_error err;
    assert_int_equal(gp_record_read_json(&rec, line, strlen(line), NULL, &err), GP_OK);
    assert_int_equal(gp_norm_record(f->norm, &rec), GP_OK);
    assert_string_equal(rec.country, "Atlantis");
    assert_null(rec.country_code);
    assert_string_equal(rec.institution, "Sea Fund");
    assert_int_equal(rec.topics.len, 2);
    assert_string_equal(rec.topics.items[0], "Health");
    assert_string_equal(rec.topics.items[1], "Underwater basket weaving");
    assert_int_equal(rec.award_year.value, 0);
    assert_null(rec.award_year.text);
    const gp_diag *d = th_diags_find(&f->diags, "topic.unknown");
    assert_non_null(d);
    assert_string_equal(d->file, "x.txt");
    assert_int_equal(d->line, 7);
    assert_string_equal(d->pointer, "/topics/1");
    assert_non_null(th_diags_find(&f->diags, "country.unknown"));
    assert_non_null(th_diags_find(&f->diags, "record.year-invalid"));
    assert_int_equal(gp_normalizer_stats(f->norm)->unknown[GP_F_TOPICS], 1);
}

/*
 * A string with escapes is read whole: the plain runs between escapes (long ones,
 * UTF-8, quotes) as written, each escape decoded; a raw control character or the end
 * of the line after an escape is an error.
 */
static void test_norm__escaped_strings_read_whole(void **state)
{
    (void)state;
    gp_arena *arena;
    assert_int_equal(gp_arena_new(&arena), 0);
    const char *line = "{\"description\":\"First paragraph of the text.\\n\\nSecond, "
                       "with \\\"quotes\\\" and caf\\u00e9 and caf\xc3\xa9 beside a long "
                       "plain run of words\\tand a tab\\\\ end\"}";
    gp_record rec;
    gp_record_init(&rec, arena);
    gp_json_error err;
    assert_int_equal(gp_record_read_json(&rec, line, strlen(line), NULL, &err), GP_OK);
    assert_string_equal(rec.description,
                        "First paragraph of the text.\n\nSecond, with \"quotes\" and caf\xc3\xa9 "
                        "and caf\xc3\xa9 beside a long plain run of words\tand a tab\\ end");
    static const char *const bad[] = {
        "{\"title\":\"a\\nb\x01 and more plain text after it\"}",
        "{\"title\":\"a\\nb and more plain text, never closed",
    };
    static const char *const why[] = {"control character", "unterminated string"};
    for (size_t k = 0; k < 2; k++) {
        gp_record_init(&rec, arena);
        assert_int_equal(gp_record_read_json(&rec, bad[k], strlen(bad[k]), NULL, &err), GP_EPARSE);
        assert_non_null(strstr(err.message, why[k]));
    }
    gp_arena_free(arena);
}

/* What a pipeline wrote: the JSON lines, and the rule id and line of each diagnostic. */
typedef struct piped {
    gp_buf out;
    th_diags diags;
} piped;

static int keep_json(void *ctx, const gp_record *rec, const char *json, size_t len)
{
    (void)rec;
    gp_buf_put(&((piped *)ctx)->out, json, len);
    return GP_OK;
}

static void pipe_lines(piped *r, int threads, const char *const *lines, size_t n,
                       gp_norm_stats *stats)
{
    r->out = (gp_buf)GP_BUF_INIT;
    th_diags_init(&r->diags);
    gp_norm_pipeline *p;
    gp_norm_pipeline_options o = {.threads = threads};
    assert_int_equal(gp_norm_pipeline_new(&p, th_rules(), &o, &r->diags.sink, keep_json, r), GP_OK);
    for (size_t i = 0; i < n; i++) {
        gp_line ln = {.text = lines[i], .len = strlen(lines[i]), .number = (long)i + 1};
        assert_int_equal(gp_norm_pipeline_push_line(p, "dump.jsonl", &ln), GP_OK);
    }
    assert_int_equal(gp_norm_pipeline_finish(p), GP_OK);
    gp_norm_pipeline_stats(p, stats);
    gp_norm_pipeline_free(p);
}

/* Lines parsed on the workers give the bytes and the diagnostics, in order, of one thread. */
static void test_norm__lines_parsed_on_threads_as_on_one(void **state)
{
    (void)state;
    enum { N = 700 }; /* several batches of 256 */
    static char text[N][160];
    const char *lines[N];
    for (size_t i = 0; i < N; i++) {
        if (i % 97 == 5) /* cut off: not a record */
            snprintf(text[i], sizeof text[i], "{\"title\": \"Cut %zu", i);
        else
            snprintf(text[i], sizeof text[i],
                     "{\"title\": \"Practice %zu\", \"country\": \"%s\", \"award_yaer\": 2021}", i,
                     i % 3 ? "France" : "Atlantis");
        lines[i] = text[i];
    }
    piped one, two;
    gp_norm_stats s1, s2;
    pipe_lines(&one, 1, lines, N, &s1);
    pipe_lines(&two, 2, lines, N, &s2);
    assert_int_equal(s1.lines_skipped, 8);
    assert_int_equal(s2.lines_skipped, 8);
    assert_int_equal(s1.records, N - 8);
    assert_int_equal(s2.records, N - 8);
    assert_int_equal(one.out.len, two.out.len);
    assert_memory_equal(one.out.data, two.out.data, one.out.len);
    size_t nd = th_diags_count(&one.diags, NULL);
    assert_int_equal(th_diags_count(&one.diags, "jsonl.malformed"), 8);
    assert_int_equal(th_diags_count(&one.diags, "jsonl.unknown-key"), N - 8);
    assert_true(th_diags_count(&one.diags, "country.unknown") > 0);
    assert_int_equal(th_diags_count(&two.diags, NULL), nd);
    for (size_t i = 0; i < nd; i++) {
        const gp_diag *a = gp_diag_list_get(one.diags.list, i);
        const gp_diag *b = gp_diag_list_get(two.diags.list, i);
        assert_string_equal(a->rule_id, b->rule_id);
        assert_int_equal(a->line, b->line);
        assert_string_equal(b->file, "dump.jsonl");
    }
    gp_buf_free(&one.out);
    gp_buf_free(&two.out);
    th_diags_free(&one.diags);
    th_diags_free(&two.diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_norm__topic_alias_takes_canonical_value, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_norm__korea_spellings_agree_across_sources, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_norm__normalising_twice_changes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_norm__id_survives_cosmetic_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_norm__id_separates_practices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_norm__booklet_summary_and_listing_share_an_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_norm__unknown_values_are_kept_and_reported, setup,
                                        teardown),
        cmocka_unit_test(test_norm__lines_parsed_on_threads_as_on_one),
        cmocka_unit_test(test_norm__escaped_strings_read_whole),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
