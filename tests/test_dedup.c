/*
 * tests/test_dedup.c - the dataset: exact and near duplicates, decisions, conflicts,
 * clusters, explanations and order independence, on the seeds and small fixtures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup_impl.h"
#include "helpers.h"

static const char *const seeds[] = {
    "fixtures/seeds/listing-europe-award-2024.txt", "fixtures/seeds/listing-implemented-2015.txt",
    "fixtures/seeds/listing-azerbaijan-israel.txt", "fixtures/seeds/listing-korea-split-header.txt",
    "fixtures/seeds/booklet-asia-pacific-2018.txt"};

/* Ids of the seeds (docs/ids.md) that the tests name. */
#define ZUS_REFUGEES "gp-8eb1eae84c95d04b"
#define ZUS_FAMILIES "gp-3e835a275efa1eff"
#define EMAS "gp-efc9adc0eab9ce33"
#define COMWEL_BOOKLET "gp-d62d7a57ce8e9ccf"
#define COMWEL_LISTING "gp-f8094f135f02a9e7"
#define NPS_BOOKLET "gp-0cc14dacd4e077d8"
#define NPS_LISTING "gp-fe25bd56c465b3cd"

typedef struct run {
    th_diags diags;
    gp_decisions *decisions;
    gp_deduper *d;
    gp_buf dataset;
    gp_buf clusters;
    th_records out; /* the dataset, parsed */
} run;

static int keep_line(void *ctx, const char *line, size_t len)
{
    gp_buf_put(&((run *)ctx)->dataset, line, len);
    return 0;
}

static int keep_cluster(void *ctx, const gp_dedup_cluster *c)
{
    gp_dedup_cluster_write_json(c, &((run *)ctx)->clusters);
    return 0;
}

static void start(run *r, const char *decisions, int threads)
{
    memset(r, 0, sizeof *r);
    th_diags_init(&r->diags);
    th_records_init(&r->out);
    if (decisions)
        assert_int_equal(gp_decisions_load(&r->decisions, th_path(decisions), &r->diags.sink),
                         GP_OK);
    gp_dedup_options o = {r->decisions, threads, NULL, NULL};
    assert_int_equal(gp_deduper_new(&r->d, th_rules(), &o, &r->diags.sink), GP_OK);
}

static void add_files(run *r, const char *const *files, size_t n)
{
    gp_extractor *ex;
    assert_int_equal(gp_extractor_new(&ex, th_rules(), NULL, &r->diags.sink), GP_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(gp_extract_file(ex, th_path(files[i]), files[i], gp_dedup_add_fn, r->d),
                         GP_OK);
    gp_extractor_free(ex);
}

/* Runs and writes the dataset (parsed into r->out) and the clusters file. */
static void finish(run *r, gp_diag_sink *findings)
{
    assert_int_equal(gp_dedup_run(r->d), GP_OK);
    gp_dedup_output out = {keep_line, r, keep_cluster, r, findings};
    assert_int_equal(gp_dedup_write(r->d, &out), GP_OK);
    const char *s = gp_buf_str(&r->dataset);
    while (*s) {
        const char *nl = strchr(s, '\n');
        assert_non_null(nl);
        gp_record rec;
        gp_record_init(&rec, r->out.arena);
        gp_json_error err;
        assert_int_equal(gp_record_read_json(&rec, s, (size_t)(nl - s), NULL, &err), GP_OK);
        th_collect(&r->out, &rec);
        s = nl + 1;
    }
}

static void stop(run *r)
{
    gp_deduper_free(r->d);
    gp_decisions_free(r->decisions);
    gp_buf_free(&r->dataset);
    gp_buf_free(&r->clusters);
    th_records_free(&r->out);
    th_diags_free(&r->diags);
}

static void run_seeds(run *r, const char *decisions)
{
    start(r, decisions, 0);
    add_files(r, seeds, GP_ARRAY_LEN(seeds));
    finish(r, NULL);
}

static const gp_record *find_id(const th_records *r, const char *id)
{
    for (size_t i = 0; i < r->len; i++)
        if (strcmp(r->items[i].id, id) == 0)
            return &r->items[i];
    return NULL;
}

static int has_format(const gp_record *rec, const char *format)
{
    for (size_t i = 0; i < rec->nsources; i++)
        if (strcmp(rec->sources[i].format, format) == 0)
            return 1;
    return 0;
}

/* The clusters file line of a possible duplicate of `a` and `b`, or NULL. */
static char *possible_line(const run *r, const char *a, const char *b)
{
    char want[96];
    snprintf(want, sizeof want, "\"id\":\"%s\",\"kind\":\"possible-duplicate\"",
             strcmp(a, b) < 0 ? a : b);
    char other[64];
    snprintf(other, sizeof other, "\"other_id\":\"%s\"}", strcmp(a, b) < 0 ? b : a);
    const char *s = gp_buf_str(&r->clusters);
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = (size_t)(nl - s);
        char *line = strndup(s, len);
        if (strstr(line, want) && strstr(line, other))
            return line;
        free(line);
        s = nl + 1;
    }
    return NULL;
}

static size_t count_possible(const run *r)
{
    size_t n = 0;
    for (const char *s = gp_buf_str(&r->clusters);
         (s = strstr(s, "\"kind\":\"possible-duplicate\"")); s++)
        n++;
    return n;
}

static void test_dedup__seeds_give_231_records_and_161_listing_practices(void **state)
{
    (void)state;
    run r;
    run_seeds(&r, NULL);
    const gp_dedup_stats *s = gp_dedup_get_stats(r.d);
    assert_int_equal(s->records_in, 277);
    assert_int_equal(r.out.len, 231);
    assert_int_equal(s->records_out, 231);
    size_t listing = 0;
    for (size_t i = 0; i < r.out.len; i++) {
        listing += has_format(&r.out.items[i], "listing");
        if (i)
            assert_true(strcmp(r.out.items[i - 1].id, r.out.items[i].id) < 0);
    }
    assert_int_equal(listing, 161);
    /* the two certificates are only reported: 229 would mean they were merged */
    assert_int_equal(s->merged_score + s->merged_decision, 0);
    assert_int_equal(count_possible(&r), 3);
    stop(&r);
}

static void test_dedup__korean_booklet_entries_merge_with_their_listing_records(void **state)
{
    (void)state;
    run r;
    run_seeds(&r, NULL);
    size_t merged = 0;
    for (size_t i = 0; i < r.out.len; i++) {
        const gp_record *rec = &r.out.items[i];
        if (!rec->country_code || strcmp(rec->country_code, "KR") != 0 ||
            rec->award_year.value != 2018 || !has_format(rec, "booklet") ||
            !has_format(rec, "listing"))
            continue;
        merged++;
        /* booklet: title, priority areas, award, jury comment */
        assert_non_null(rec->title);
        assert_true(rec->priority_areas.len > 0);
        assert_non_null(rec->award);
        assert_non_null(rec->jury_comment);
        /* listing: the description (the booklet summary is a conflict, not the value) */
        assert_non_null(rec->description);
        assert_int_equal(rec->nsources, 2 + (strcmp(rec->id, "gp-0a696ab811d9a48a") == 0));
    }
    assert_int_equal(merged, 6);
    /* the one-stop service: the listing's description and topics, the booklet's title */
    const gp_record *one = find_id(&r.out, "gp-1f27fe92ce593f1a");
    assert_non_null(one);
    assert_string_equal(one->title,
                        "One-stop service through four social insurance information systems");
    assert_string_equal(one->award, "winner");
    assert_int_equal(one->topics.len, 2);
    assert_string_equal(one->topics.items[0], "E-services");
    assert_true(strncmp(one->description, "The National Pension Service (NPS) developed", 44) == 0);
    assert_true(strlen(one->description) < 1000); /* the listing's, not the longer summary */
    stop(&r);
}

static void test_dedup__korean_certificates_are_possible_duplicates(void **state)
{
    (void)state;
    run r;
    run_seeds(&r, NULL);
    char *comwel = possible_line(&r, COMWEL_BOOKLET, COMWEL_LISTING);
    char *nps = possible_line(&r, NPS_BOOKLET, NPS_LISTING);
    assert_non_null(comwel);
    assert_non_null(nps);
    assert_non_null(strstr(comwel, "\"score\":0.786"));
    assert_non_null(strstr(comwel, "\"counterpart\":{\"similarity\":1,\"weight\":4}"));
    assert_non_null(strstr(comwel, "\"title_in_description\":{\"similarity\":0.571"));
    assert_non_null(strstr(nps, "\"score\":0.625"));
    assert_non_null(find_id(&r.out, COMWEL_BOOKLET));
    assert_non_null(find_id(&r.out, COMWEL_LISTING));
    free(comwel);
    free(nps);
    stop(&r);
}

static void test_dedup__emas_is_one_record_with_united_topics(void **state)
{
    (void)state;
    run r;
    run_seeds(&r, NULL);
    const gp_record *emas = find_id(&r.out, EMAS);
    assert_non_null(emas);
    assert_int_equal(emas->nsources, 3);
    /* 6 topics in 000, 7 in 002: 8 together, in the rules' order */
    static const char *const want[] = {"Employment",
                                       "Unemployment",
                                       "Labour protection",
                                       "Social policies & programmes",
                                       "Coordination",
                                       "Human resource management",
                                       "Information and communication technology",
                                       "Data sharing"};
    assert_int_equal(emas->topics.len, GP_ARRAY_LEN(want));
    for (size_t i = 0; i < GP_ARRAY_LEN(want); i++)
        assert_string_equal(emas->topics.items[i], want[i]);
    stop(&r);
}

static void test_dedup__zus_practices_are_a_possible_duplicate_not_merged(void **state)
{
    (void)state;
    run r;
    run_seeds(&r, NULL);
    assert_non_null(find_id(&r.out, ZUS_REFUGEES));
    assert_non_null(find_id(&r.out, ZUS_FAMILIES));
    char *zus = possible_line(&r, ZUS_REFUGEES, ZUS_FAMILIES);
    assert_non_null(zus);
    assert_non_null(strstr(zus, "\"score\":0.494"));
    assert_non_null(strstr(zus, "\"implementation_year\":{\"factor\":0.75}"));
    assert_non_null(strstr(zus, "\"description\":{\"similarity\":0.683,\"weight\":8}"));
    assert_non_null(strstr(zus, "\"field\":\"implementation_year\""));
    free(zus);
    stop(&r);
}

/* A small deterministic generator for shuffling. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The records of every seed dump. */
static void load_seeds(th_records *raw, th_diags *diags)
{
    th_records_init(raw);
    th_diags_init(diags);
    for (size_t i = 0; i < GP_ARRAY_LEN(seeds); i++)
        assert_int_equal(th_extract(seeds[i], GP_FORMAT_AUTO, raw, diags), GP_OK);
}

static void test_dedup__shuffled_input_gives_identical_bytes(void **state)
{
    (void)state;
    th_records raw;
    th_diags diags;
    load_seeds(&raw, &diags);
    run first;
    start(&first, NULL, 1);
    for (size_t i = 0; i < raw.len; i++)
        assert_int_equal(gp_dedup_add(first.d, &raw.items[i]), GP_OK);
    finish(&first, NULL);

    size_t *order = malloc(raw.len * sizeof *order);
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < raw.len; i++)
            order[i] = i;
        for (size_t i = raw.len - 1; i > 0; i--) {
            size_t j = (size_t)(next_random(&seed) % (i + 1));
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        if (round == 3) /* the files in reverse order, each in its own order */
            for (size_t i = 0; i < raw.len; i++)
                order[i] = raw.len - 1 - i;
        run again;
        start(&again, NULL, round % 2 ? 2 : 1);
        for (size_t i = 0; i < raw.len; i++)
            assert_int_equal(gp_dedup_add(again.d, &raw.items[order[i]]), GP_OK);
        finish(&again, NULL);
        assert_int_equal(again.dataset.len, first.dataset.len);
        assert_memory_equal(again.dataset.data, first.dataset.data, first.dataset.len);
        assert_int_equal(again.clusters.len, first.clusters.len);
        assert_memory_equal(again.clusters.data, first.clusters.data, first.clusters.len);
        stop(&again);
    }
    free(order);
    stop(&first);
    th_records_free(&raw);
    th_diags_free(&diags);
}

/* Runs `raw` copied `copies` times under new ids (every third copy with the id of the
 * one before, so that some ids have several records; some ids not gpkit's, before,
 * between and after the buckets of "gp-" and hex digits) and returns the dataset and
 * the clusters file. */
static void run_copies(const th_records *raw, int copies, int threads, gp_buf *dataset,
                       gp_buf *clusters)
{
    run r;
    start(&r, NULL, threads);
    for (int c = 0; c < copies; c++)
        for (size_t i = 0; i < raw->len; i++) {
            gp_record rec = raw->items[i];
            char id[32];
            int from = c - (c % 3 == 2);
            uint64_t h = ((uint64_t)i << 20 | (uint64_t)from) * 0x9e3779b97f4a7c15ULL;
            const char *form = from % 5 == 4   ? "ISSA-%016llx"
                               : from % 7 == 6 ? "gp-%016llX"
                               : from == 10    ? "zz-%016llx"
                                               : "gp-%016llx";
            snprintf(id, sizeof id, form, (unsigned long long)h);
            rec.id = id;
            /* most copies a practice of their own: a text of made-up words */
            char text[400];
            if (c % 4 != 0) {
                size_t at = 0;
                uint64_t x = h ^ 0x94d049bb133111ebULL;
                for (int w = 0; w < 40; w++) {
                    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                    for (int k = 0; k < 6; k++)
                        text[at++] = (char)('a' + (x >> (16 + 5 * k)) % 26);
                    text[at++] = ' ';
                }
                text[at - 1] = '\0';
                rec.description = text;
                rec.title = NULL;
            }
            assert_int_equal(gp_dedup_add(r.d, &rec), GP_OK);
        }
    finish(&r, NULL);
    gp_buf_put(dataset, r.dataset.data, r.dataset.len);
    gp_buf_put(clusters, r.clusters.data, r.clusters.len);
    stop(&r);
}

/* An id's bucket of the temporary file never decreases in strcmp order (what reading
 * by bucket relies on), whatever the id: a hash in hex after "gp-" or anything else. */
static void test_dedup__id_buckets_follow_the_order_of_ids(void **state)
{
    (void)state;
    assert_int_equal(gp__dd_id_bucket("gp-0000000000000000"), 1);
    assert_int_equal(gp__dd_id_bucket("gp-ffffffffffffffff"), 256);
    assert_int_equal(gp__dd_id_bucket("ISSA-1"), 0);
    assert_int_equal(gp__dd_id_bucket("gp-0"), 0);
    assert_int_equal(gp__dd_id_bucket("gp-0g"), 16);
    assert_int_equal(gp__dd_id_bucket("gp-A1"), 160);
    assert_int_equal(gp__dd_id_bucket("zz"), 256);
    const char alphabet[] = "-0129:AFZafgpz";
    enum { N = 4000 };
    char(*ids)[8] = malloc(N * sizeof *ids);
    assert_non_null(ids);
    uint64_t x = 1;
    for (int i = 0; i < N; i++) {
        size_t len = 0;
        if (i % 2) /* half begin like gpkit's ids */
            len = (size_t)snprintf(ids[i], 8, "gp-");
        for (; len < 6; len++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            ids[i][len] = alphabet[(x >> 33) % (sizeof alphabet - 1)];
        }
        ids[i][len] = '\0';
    }
    qsort(ids, N, sizeof *ids, (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < N; i++) {
        uint32_t b = gp__dd_id_bucket(ids[i]);
        uint32_t starts = 0; /* bucket k > 0 starts at "gp-%02x" of k - 1 */
        for (unsigned k = 0; k < 256; k++) {
            char start[6];
            snprintf(start, sizeof start, "gp-%02x", k);
            starts += strcmp(start, ids[i]) <= 0;
        }
        assert_int_equal(b, starts);
        if (i)
            assert_true(gp__dd_id_bucket(ids[i - 1]) <= b);
    }
    free(ids);
}

/*
 * Large arrays start on a huge page (2 MB) and come zeroed from gp__big_calloc; an
 * arena's blocks grow to 4 MB, two huge pages, and are usable to their last byte (under
 * AddressSanitizer a miscounted block size is an overflow here).
 */
static void test_dedup__big_arrays_on_huge_page_boundaries(void **state)
{
    (void)state;
    size_t n = (size_t)3 << 20;
    unsigned char *z = gp__big_calloc(n, 1);
    assert_non_null(z);
    assert_int_equal((uintptr_t)z % ((uintptr_t)2 << 20), 0);
    for (size_t i = 0; i < n; i += 4093)
        assert_int_equal(z[i], 0);
    assert_int_equal(z[n - 1], 0);
    free(z);
    assert_null(gp__big_calloc(SIZE_MAX / 2, 4));
    void *small = gp__big_alloc(100);
    assert_non_null(small);
    free(small);
    /* an arena grows to blocks of 4 MB (header included), each filled to its end */
    gp_arena *a;
    assert_int_equal(gp_arena_new(&a), 0);
    enum { PIECE = 64 << 10 };
    char *last = NULL;
    size_t adjacent = 0, longest = 0;
    for (int i = 0; i < 256; i++) {
        char *p = gp_arena_alloc(a, PIECE);
        assert_non_null(p);
        memset(p, 'x', PIECE);
        adjacent = last && p == last + PIECE ? adjacent + 1 : 0;
        longest = adjacent > longest ? adjacent : longest;
        last = p;
    }
    assert_int_equal(longest + 1, ((4 << 20) - 64) / PIECE); /* 63 pieces in one block */
    char *own = gp_arena_alloc(a, (size_t)5 << 20); /* a large request: a block of its own */
    assert_non_null(own);
    memset(own, 'y', (size_t)5 << 20);
    gp_arena_free(a);
}

/* Sorted distinct 16-bit values: each of 0..65535 kept with odds keep/1024. */
static size_t random_sketch(uint64_t *x, uint16_t *out, size_t cap, unsigned keep, unsigned lo,
                            unsigned hi)
{
    size_t n = 0;
    for (unsigned v = lo; v <= hi && n < cap; v++) {
        *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
        if ((*x >> 54) < keep)
            out[n++] = (uint16_t)v;
    }
    return n;
}

/* Fingerprints shared by two sketches: 8 at once as one at a time, as brute force. */
static void test_dedup__common_fingerprints_counted_8_at_once_as_one_by_one(void **state)
{
    (void)state;
    enum { CAP = 700 };
    uint16_t a[CAP], b[CAP];
    uint64_t x = 7;
    for (int round = 0; round < 3000; round++) {
        /* sizes 0 to CAP, dense or sparse, overlapping ranges or not, 0 and 65535 too */
        unsigned lo = (unsigned)(round % 7 == 0 ? 0 : (round * 37) % 60000);
        unsigned hi = round % 5 == 0 ? 65535 : lo + 200 + (unsigned)(round % 900);
        size_t na =
            random_sketch(&x, a, (size_t)(round % CAP), 1 + (unsigned)(round % 1000), lo, hi);
        size_t nb =
            random_sketch(&x, b, (size_t)((round * 7) % CAP), 1 + (unsigned)((round * 3) % 1000),
                          lo + (unsigned)(round % 50), hi);
        size_t brute = 0;
        for (size_t i = 0; i < na; i++)
            for (size_t j = 0; j < nb; j++)
                brute += a[i] == b[j];
        gp__dd_common16_vectors(0);
        size_t one_by_one = gp__dd_common16(a, na, b, nb);
        gp__dd_common16_vectors(1);
        size_t at_once = gp__dd_common16(a, na, b, nb);
        if (one_by_one != brute || at_once != brute)
            fail_msg("round %d: %zu and %zu values: brute force %zu, one by one %zu, 8 at once %zu",
                     round, na, nb, brute, one_by_one, at_once);
        assert_int_equal(gp__dd_common16(b, nb, a, na), brute);
    }
}

/*
 * The lines go to the temporary file in buckets of ids and are read back a bucket at a
 * time, merged groups reaching into other buckets: the bytes are those of lines kept
 * in memory (no temporary directory), on one thread or two.
 */
static void test_dedup__lines_read_by_bucket_give_identical_bytes(void **state)
{
    (void)state;
    th_records raw;
    th_diags diags;
    load_seeds(&raw, &diags);
    /* about 10,000 records, 6,600 ids: 2 output windows, the second made ready while the
       first is written */
    enum { COPIES = 36 };
    gp_buf spilled = GP_BUF_INIT, spilled_cl = GP_BUF_INIT;
    run_copies(&raw, COPIES, 2, &spilled, &spilled_cl);
    gp_buf one = GP_BUF_INIT, one_cl = GP_BUF_INIT;
    run_copies(&raw, COPIES, 1, &one, &one_cl);
    const char *tmpdir = getenv("TMPDIR");
    char *saved = tmpdir ? strdup(tmpdir) : NULL;
    setenv("TMPDIR", "/nonexistent/dir", 1);
    gp_buf memory = GP_BUF_INIT, memory_cl = GP_BUF_INIT;
    run_copies(&raw, COPIES, 2, &memory, &memory_cl);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    assert_true(memory.len > 0 && memory_cl.len > 0);
    assert_int_equal(spilled.len, memory.len);
    assert_memory_equal(spilled.data, memory.data, memory.len);
    assert_int_equal(spilled_cl.len, memory_cl.len);
    assert_memory_equal(spilled_cl.data, memory_cl.data, memory_cl.len);
    assert_int_equal(one.len, memory.len);
    assert_memory_equal(one.data, memory.data, memory.len);
    assert_int_equal(one_cl.len, memory_cl.len);
    assert_memory_equal(one_cl.data, memory_cl.data, memory_cl.len);
    gp_buf_free(&spilled);
    gp_buf_free(&spilled_cl);
    gp_buf_free(&one);
    gp_buf_free(&one_cl);
    gp_buf_free(&memory);
    gp_buf_free(&memory_cl);
    th_records_free(&raw);
    th_diags_free(&diags);
}

static void test_dedup__merge_decisions_give_229_records(void **state)
{
    (void)state;
    run r;
    run_seeds(&r, "fixtures/decisions/korea-certificates.yaml");
    assert_int_equal(r.out.len, 229);
    assert_int_equal(gp_dedup_get_stats(r.d)->merged_decision, 2);
    /* the merged id is the smallest member id; both sources are kept */
    const gp_record *comwel = find_id(&r.out, COMWEL_BOOKLET);
    assert_non_null(comwel);
    assert_null(find_id(&r.out, COMWEL_LISTING));
    assert_true(has_format(comwel, "booklet") && has_format(comwel, "listing"));
    assert_non_null(comwel->title);
    assert_non_null(comwel->description);
    assert_null(possible_line(&r, COMWEL_BOOKLET, COMWEL_LISTING));
    assert_non_null(strstr(gp_buf_str(&r.clusters), "\"how\":\"decision\""));
    stop(&r);
}

static void test_dedup__distinct_decision_keeps_zus_apart_unreported(void **state)
{
    (void)state;
    run r;
    run_seeds(&r, "fixtures/decisions/zus-distinct.yaml");
    assert_int_equal(r.out.len, 231);
    assert_null(possible_line(&r, ZUS_REFUGEES, ZUS_FAMILIES));
    assert_int_equal(count_possible(&r), 2);
    stop(&r);
}

static void test_dedup__decision_naming_an_unknown_id_is_reported(void **state)
{
    (void)state;
    run r;
    run_seeds(&r, "fixtures/decisions/unknown-id.yaml");
    assert_int_equal(th_diags_count(&r.diags, "decision.unknown-id"), 2);
    const gp_diag *g = th_diags_find(&r.diags, "decision.unknown-id");
    assert_string_equal(g->record_id, "gp-0000000000000000");
    assert_int_equal(g->line, 3);
    assert_int_equal(g->column, 48);
    assert_int_equal(g->severity, GP_SEV_WARNING);
    /* the known ids of the entry are still merged */
    assert_int_equal(r.out.len, 230);
    assert_int_equal(gp_dedup_get_stats(r.d)->decisions_unknown, 2);
    stop(&r);
}

static void test_dedup__contradicting_decisions_are_reported(void **state)
{
    (void)state;
    run r;
    run_seeds(&r, "fixtures/decisions/contradiction.yaml");
    const gp_diag *g = th_diags_find(&r.diags, "decision.contradiction");
    assert_non_null(g);
    assert_int_equal(g->severity, GP_SEV_ERROR);
    assert_int_equal(g->line, 5);
    assert_non_null(find_id(&r.out, ZUS_REFUGEES));
    assert_non_null(find_id(&r.out, ZUS_FAMILIES));
    stop(&r);
}

static void test_dedup__nothing_is_lost(void **state)
{
    (void)state;
    run r;
    run_seeds(&r, "fixtures/decisions/korea-certificates.yaml");
    const gp_dedup_stats *s = gp_dedup_get_stats(r.d);
    /* every input record is in exactly one dataset record, named in its sources */
    th_records raw;
    th_diags diags;
    load_seeds(&raw, &diags);
    assert_int_equal(s->records_in, raw.len);
    size_t sources = 0;
    for (size_t i = 0; i < r.out.len; i++)
        sources += r.out.items[i].nsources;
    assert_int_equal(sources, raw.len);
    for (size_t i = 0; i < raw.len; i++) {
        const gp_source *want = &raw.items[i].sources[0];
        size_t found = 0;
        for (size_t k = 0; k < r.out.len; k++)
            for (size_t j = 0; j < r.out.items[k].nsources; j++)
                found += strcmp(r.out.items[k].sources[j].file, want->file) == 0 &&
                         r.out.items[k].sources[j].line == want->line;
        assert_int_equal(found, 1);
    }
    assert_int_equal(s->records_in,
                     s->records_out + s->merged_exact + s->merged_score + s->merged_decision);
    th_records_free(&raw);
    th_diags_free(&diags);
    stop(&r);
}

static void run_fixture(run *r, const char *file, gp_diag_sink *findings)
{
    start(r, NULL, 0);
    const char *files[] = {file};
    add_files(r, files, 1);
    finish(r, findings);
}

static void test_dedup__near_duplicate_merges_under_the_smallest_id(void **state)
{
    (void)state;
    run r;
    run_fixture(&r, "fixtures/dedup/near-duplicates.jsonl", NULL);
    /* a typo in the institution and two in the description: another id, one practice */
    assert_int_equal(gp_dedup_get_stats(r.d)->practices, 3);
    assert_int_equal(r.out.len, 2);
    assert_int_equal(gp_dedup_get_stats(r.d)->merged_score, 1);
    const gp_record *m = NULL;
    for (size_t i = 0; i < r.out.len; i++)
        if (r.out.items[i].nsources == 2)
            m = &r.out.items[i];
    assert_non_null(m);
    assert_string_equal(m->id, "gp-67aea1c57cea5266"); /* the smaller of the two */
    assert_string_equal(m->institution, "Social Insurance Institution");
    assert_int_equal(m->topics.len, 3);
    assert_non_null(strstr(gp_buf_str(&r.clusters), "\"how\":\"score\""));
    assert_non_null(strstr(gp_buf_str(&r.clusters), "\"value\":\"Social Insurance Instituton\""));
    stop(&r);
}

static void test_dedup__weak_link_does_not_chain_groups(void **state)
{
    (void)state;
    run r;
    run_fixture(&r, "fixtures/dedup/chain.jsonl", NULL);
    /* B contains A and C, which share nothing: B merges with one, the other stays */
    assert_int_equal(r.out.len, 2);
    assert_int_equal(gp_dedup_get_stats(r.d)->kept_apart, 1);
    const char *c = gp_buf_str(&r.clusters);
    assert_non_null(strstr(c, "\"kind\":\"possible-duplicate\""));
    assert_non_null(strstr(c, "in the groups it would join, score only 0.111, below review"));
    stop(&r);
}

static void test_dedup__conflicts_keep_every_value(void **state)
{
    (void)state;
    run r;
    th_diags findings;
    th_diags_init(&findings);
    run_fixture(&r, "fixtures/dedup/conflicts.jsonl", &findings.sink);
    assert_int_equal(r.out.len, 1);
    const gp_record *m = &r.out.items[0];
    /* listing description, booklet title, award and jury comment; lists united */
    assert_string_equal(m->title, "A single register of working lives");
    assert_string_equal(m->award, "certificate of merit");
    assert_true(strlen(m->description) > 300);
    assert_int_equal(m->topics.len, 4);
    assert_int_equal(m->priority_areas.len, 2);
    assert_int_equal(m->nsources, 3);
    assert_string_equal(m->sources[0].file, "dumps/booklet-2018.txt");
    assert_int_equal(m->implementation_year.value, 2016);
    const char *c = gp_buf_str(&r.clusters);
    assert_non_null(strstr(c, "{\"chosen\":\"2016\",\"field\":\"implementation_year\""));
    assert_non_null(strstr(c, "\"sources\":[{\"file\":\"dumps/europe-2018.txt\",\"format\":"
                              "\"listing\",\"line\":88}],\"value\":\"2019\""));
    assert_int_equal(gp_dedup_get_stats(r.d)->conflicts, 2);
    assert_int_equal(gp_dedup_get_stats(r.d)->conflicts_by_field[GP_F_IMPLEMENTATION_YEAR], 1);
    assert_int_equal(th_diags_count(&findings, "record.conflict"), 2);
    const gp_diag *g = th_diags_find(&findings, "record.conflict");
    assert_string_equal(g->record_id, "gp-13c1596abef3e59d");
    assert_string_equal(g->file, "dumps/booklet-2018.txt");
    assert_int_equal(g->line, 301);
    th_diags_free(&findings);
    stop(&r);
}

static void test_dedup__findings_name_the_other_record_and_the_score(void **state)
{
    (void)state;
    run r;
    th_diags findings;
    th_diags_init(&findings);
    start(&r, NULL, 0);
    add_files(&r, seeds, GP_ARRAY_LEN(seeds));
    finish(&r, &findings.sink);
    assert_int_equal(th_diags_count(&findings, "record.possible-duplicate"), 3);
    const gp_diag *zus = NULL;
    for (size_t i = 0; i < gp_diag_list_len(findings.list); i++) {
        const gp_diag *g = gp_diag_list_get(findings.list, i);
        if (g->record_id && strcmp(g->record_id, ZUS_FAMILIES) == 0)
            zus = g;
    }
    assert_non_null(zus);
    assert_string_equal(zus->rule_id, "record.possible-duplicate");
    assert_string_equal(zus->file, "fixtures/seeds/listing-europe-award-2024.txt");
    assert_int_equal(zus->line, 739);
    assert_non_null(strstr(zus->message, "possible duplicate of '" ZUS_REFUGEES "', score 0.494"));
    assert_non_null(strstr(zus->message, "implementation_year differs x0.75"));
    assert_non_null(strstr(zus->message, "fields that disagree: implementation_year, description"));
    assert_int_equal(th_diags_count(&findings, "record.conflict"), 6);
    th_diags_free(&findings);
    stop(&r);
}

static void test_dedup__explain_shows_keys_blocks_parts_and_outcome(void **state)
{
    (void)state;
    run r;
    run_seeds(&r, NULL);
    gp_buf out = GP_BUF_INIT;
    assert_int_equal(gp_dedup_explain(r.d, ZUS_REFUGEES, ZUS_FAMILIES, &out), GP_OK);
    const char *s = gp_buf_str(&out);
    assert_non_null(strstr(s, "fixtures/seeds/listing-europe-award-2024.txt:367 (listing)"));
    assert_non_null(strstr(s, "A social insurance institution"));
    assert_non_null(strstr(s, "A 2022     B 2021     differ"));
    assert_non_null(strstr(s, "institution+country+award_year      shared (2 records"));
    assert_non_null(strstr(s, "description            0.683 x 8"));
    assert_non_null(strstr(s, "implementation_year    x 0.75  differ"));
    assert_non_null(strstr(s, "score                  0.494   possible duplicate"));
    assert_non_null(strstr(s, "reported as a possible duplicate"));
    gp_buf_reset(&out);
    assert_int_equal(gp_dedup_explain(r.d, ZUS_REFUGEES, "gp-0000000000000000", &out), GP_EINVAL);
    assert_non_null(strstr(gp_buf_str(&out), "no record has id 'gp-0000000000000000'"));
    gp_buf_free(&out);
    stop(&r);
}

static void test_dedup__cut_off_prefix_merges_into_the_full_text(void **state)
{
    (void)state;
    static const char *const fixtures[] = {"fixtures/dedup/cut-off-prefix-3-words.jsonl",
                                           "fixtures/dedup/cut-off-prefix-6-words.jsonl",
                                           "fixtures/dedup/cut-off-prefix-12-words.jsonl",
                                           "fixtures/dedup/cut-off-prefix-30-words.jsonl"};
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        run r;
        run_fixture(&r, fixtures[i], NULL);
        assert_int_equal(r.out.len, 1);
        const gp_record *m = &r.out.items[0];
        assert_int_equal(m->nsources, 2); /* both sources kept */
        assert_non_null(strstr(m->description, "two neighbouring institutions.")); /* full text */
        assert_int_equal(m->topics.len, 1);
        stop(&r);
    }
}

static void test_dedup__cut_off_prefix_is_explained(void **state)
{
    (void)state;
    run r;
    run_fixture(&r, "fixtures/dedup/cut-off-prefix-3-words.jsonl", NULL);
    gp_buf out = GP_BUF_INIT;
    /* the full record and its copy cut after three words and a half */
    assert_int_equal(gp_dedup_explain(r.d, "gp-f5a6fe2251b0a583", "gp-4eaded49a8d32376", &out),
                     GP_OK);
    assert_non_null(strstr(gp_buf_str(&out), "description is a cut-off prefix of the other's"));
    assert_non_null(strstr(gp_buf_str(&out), "score                  1.000   at or above merge"));
    gp_buf_free(&out);
    stop(&r);
}

static void test_dedup__cut_off_prefix_needs_the_same_year_and_institution(void **state)
{
    (void)state;
    static const char *const fixtures[] = {"fixtures/dedup/cut-off-prefix-other-year.jsonl",
                                           "fixtures/dedup/cut-off-prefix-other-institution.jsonl"};
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        run r;
        run_fixture(&r, fixtures[i], NULL);
        assert_int_equal(r.out.len, 2);
        assert_int_equal(gp_dedup_get_stats(r.d)->merged_score, 0);
        stop(&r);
    }
}

static void test_dedup__rules_set_the_thresholds(void **state)
{
    (void)state;
    /* with merge at 0.45 the ZUS pair (0.494) merges */
    th_diags diags;
    th_diags_init(&diags);
    gp_ruleset *rules;
    assert_int_equal(
        gp_ruleset_load(&rules, th_path("fixtures/dedup/rules-low-merge"), &diags.sink), GP_OK);
    gp_deduper *d;
    assert_int_equal(gp_deduper_new(&d, rules, NULL, &diags.sink), GP_OK);
    gp_extractor *ex;
    assert_int_equal(gp_extractor_new(&ex, rules, NULL, &diags.sink), GP_OK);
    assert_int_equal(gp_extract_file(ex, th_path(seeds[0]), seeds[0], gp_dedup_add_fn, d), GP_OK);
    assert_int_equal(gp_dedup_run(d), GP_OK);
    gp_buf out = GP_BUF_INIT;
    assert_int_equal(gp_dedup_explain(d, ZUS_REFUGEES, ZUS_FAMILIES, &out), GP_OK);
    assert_non_null(strstr(gp_buf_str(&out), "at or above merge (review 0.4, merge 0.45)"));
    assert_non_null(strstr(gp_buf_str(&out), "merged by their score into dataset record"));
    gp_buf_free(&out);
    gp_extractor_free(ex);
    gp_deduper_free(d);
    gp_ruleset_free(rules);
    th_diags_free(&diags);
}

static void test_dedup__rules_section_is_validated(void **state)
{
    (void)state;
    th_diags diags;
    th_diags_init(&diags);
    gp_ruleset *rules = NULL;
    assert_int_equal(gp_ruleset_load(&rules, th_path("fixtures/dedup/rules-bad"), &diags.sink),
                     GP_ERULES);
    assert_null(rules);
    const gp_diag *g = th_diags_find(&diags, "rules.unknown-key");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "did you mean 'description'?"));
    assert_int_equal(g->line, 7);
    g = th_diags_find(&diags, "rules.range");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "'review' (0.7) must not be above 'merge' (0.5)"));
    assert_int_equal(th_diags_count(&diags, "rules.reference"), 2);
    th_diags_free(&diags);
}

static void test_dedup__record_without_text_is_kept(void **state)
{
    (void)state;
    /* No title, description or topics, and the worker's first record: its buffers have
     * never been allocated (clang's UBSan: "applying zero offset to null pointer") */
    run r;
    static const char *const files[] = {"fixtures/bad/blank-first-line.txt"};
    start(&r, NULL, 1);
    add_files(&r, files, GP_ARRAY_LEN(files));
    finish(&r, NULL);
    const gp_record *rec = NULL;
    for (size_t i = 0; i < r.out.len; i++)
        if (!r.out.items[i].title && !r.out.items[i].description)
            rec = &r.out.items[i];
    assert_non_null(rec);
    assert_int_equal(rec->implementation_year.value, 2020);
    assert_int_equal(gp_dedup_get_stats(r.d)->records_out, r.out.len);
    stop(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dedup__record_without_text_is_kept),
        cmocka_unit_test(test_dedup__seeds_give_231_records_and_161_listing_practices),
        cmocka_unit_test(test_dedup__korean_booklet_entries_merge_with_their_listing_records),
        cmocka_unit_test(test_dedup__korean_certificates_are_possible_duplicates),
        cmocka_unit_test(test_dedup__emas_is_one_record_with_united_topics),
        cmocka_unit_test(test_dedup__zus_practices_are_a_possible_duplicate_not_merged),
        cmocka_unit_test(test_dedup__shuffled_input_gives_identical_bytes),
        cmocka_unit_test(test_dedup__id_buckets_follow_the_order_of_ids),
        cmocka_unit_test(test_dedup__common_fingerprints_counted_8_at_once_as_one_by_one),
        cmocka_unit_test(test_dedup__big_arrays_on_huge_page_boundaries),
        cmocka_unit_test(test_dedup__lines_read_by_bucket_give_identical_bytes),
        cmocka_unit_test(test_dedup__merge_decisions_give_229_records),
        cmocka_unit_test(test_dedup__distinct_decision_keeps_zus_apart_unreported),
        cmocka_unit_test(test_dedup__decision_naming_an_unknown_id_is_reported),
        cmocka_unit_test(test_dedup__contradicting_decisions_are_reported),
        cmocka_unit_test(test_dedup__nothing_is_lost),
        cmocka_unit_test(test_dedup__near_duplicate_merges_under_the_smallest_id),
        cmocka_unit_test(test_dedup__weak_link_does_not_chain_groups),
        cmocka_unit_test(test_dedup__conflicts_keep_every_value),
        cmocka_unit_test(test_dedup__findings_name_the_other_record_and_the_score),
        cmocka_unit_test(test_dedup__explain_shows_keys_blocks_parts_and_outcome),
        cmocka_unit_test(test_dedup__cut_off_prefix_merges_into_the_full_text),
        cmocka_unit_test(test_dedup__cut_off_prefix_is_explained),
        cmocka_unit_test(test_dedup__cut_off_prefix_needs_the_same_year_and_institution),
        cmocka_unit_test(test_dedup__rules_set_the_thresholds),
        cmocka_unit_test(test_dedup__rules_section_is_validated),
    };
    return cmocka_run_group_tests(tests, NULL, th_teardown_rules);
}
