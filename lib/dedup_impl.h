/*
 * lib/dedup_impl.h - the inside of gp-dedup, shared by lib/dedup*.c.
 *
 * Data layout (sized for a million records of about 1 KB in under 800 MiB):
 *  - every input record is normalised once and kept only as its canonical JSON line,
 *    written to an unlinked temporary file and read back when needed (dd_spill,
 *    lib/dedup_ingest.c; in memory when no file can be made); a dd_rec says where. The
 *    file is written in buckets of id (dd_buckets), so that what goes in id order reads
 *    a bucket at a time;
 *  - records with the same id form one entity (an exact duplicate group); the record of
 *    an entity of several records is merged from theirs whenever it is needed, never
 *    kept;
 *  - each entity has a compact feature set (dd_ent) for blocking and scoring: hashes of
 *    its keys, a 16-bit fingerprint of each word shingle of its description (two bytes
 *    a shingle, so a description is compared exactly at a small cost), the stems of its
 *    title words and its topics as 32-bit hashes;
 *  - candidate pairs are entity index pairs packed in a uint64_t (smaller index high).
 * Entities are sorted by id, so an index order is an id order and every result built
 * by index is the same whatever the order of the input.
 */
#ifndef GPKIT_DEDUP_IMPL_H
#define GPKIT_DEDUP_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include "gpkit/dedup.h"
#include "gpkit/norm.h"
#include "internal.h"
#include "rules_impl.h"

/* ---- the 'dedup' section of the rules (lib/dedup_rules.c) ---- */

/* Fields a blocking key is made of (bit masks). */
enum {
    GP_DD_KEY_INSTITUTION = 1,
    GP_DD_KEY_COUNTRY = 2,
    GP_DD_KEY_AWARD_YEAR = 4,
    GP_DD_KEY_IMPLEMENTATION_YEAR = 8
};

/* The parts of a score that are text similarities (weighted mean). */
enum {
    GP_DD_DESCRIPTION,
    GP_DD_TITLE,
    GP_DD_TITLE_IN_DESCRIPTION,
    GP_DD_COUNTERPART,
    GP_DD_TOPICS,
    GP_DD_TEXT_PARTS
};

/* The parts of a score that are factors (a disagreement multiplies the score). */
enum {
    GP_DD_INSTITUTION,
    GP_DD_COUNTRY,
    GP_DD_AWARD_YEAR,
    GP_DD_IMPLEMENTATION_YEAR,
    GP_DD_SAME_DOCUMENT,
    GP_DD_FACTOR_PARTS
};

enum {
    GP_DD_MAX_KEYS = 8,
    GP_DD_MAX_FORMATS = 8,
    GP_DD_MAX_SKETCH = 4096,
    GP_DD_MAX_PERMS = 256,
    GP_DD_MAX_BANDS = 64
};

/* Scalar fields the merge policy chooses by source precedence. */
enum { GP_DD_SCALARS = 9 };
extern const gp_field gp__dd_scalar_fields[GP_DD_SCALARS];

typedef struct gp_dedup_rules {
    unsigned keys[GP_DD_MAX_KEYS]; /* blocking keys, each a mask of GP_DD_KEY_* */
    size_t nkeys;
    size_t max_block;  /* a larger block gives no pairs */
    int shingle;       /* words per shingle */
    int bands, rows;   /* MinHash LSH: bands of rows minimums */
    size_t max_bucket; /* a larger LSH bucket gives no pairs */
    int sketch;        /* shingle fingerprints kept per description (the smallest) */
    int min_overlap;   /* shingles the smaller description needs for the overlap coefficient */
    int stem;          /* characters kept of each title word */
    /* a description that is a word prefix of the other's (a cut-off copy): at least
       prefix_min_words words, compared on the first prefix_max_chars bytes of the key */
    int prefix_min_words, prefix_max_chars;
    const char **stopwords;
    size_t nstopwords, stopwords_cap;
    uint64_t *stop_hashes; /* hash set of the stopwords (lib/dedup_rules.c) */
    size_t stop_mask;
    double weight[GP_DD_TEXT_PARTS];
    double factor[GP_DD_FACTOR_PARTS]; /* [GP_DD_INSTITUTION] unused: its similarity is used */
    double merge, review;
    gp_format counterparts[2]; /* GP_FORMAT_AUTO when unset */
    unsigned one_per_document; /* mask of 1 << gp_format */
    /* merge policy: precedence[scalar][rank] = format, nprec[scalar] entries */
    gp_format precedence[GP_DD_SCALARS][GP_DD_MAX_FORMATS];
    size_t nprec[GP_DD_SCALARS];
} gp_dedup_rules;

/* The rule set's dedup settings, or the built-in defaults when it has none. */
const gp_dedup_rules *gp__dedup_rules(const gp_ruleset *rs);
/* Whether `word` (a matching-key word) is a stopword. */
int gp__dedup_stopword(const gp_dedup_rules *r, const char *word, size_t len);
/* The same for the XXH3-64 hash of a word. */
int gp__dedup_stop_hash(const gp_dedup_rules *r, uint64_t hash);
/* Name of a text part or a factor part as the clusters file and --explain write it. */
const char *gp__dd_text_part_name(int part);
const char *gp__dd_factor_part_name(int part);
/* The format of a source's format name; GP_FORMAT_AUTO for an unknown name. */
gp_format gp__dd_format(const char *name);

/* ---- records, entities, features ---- */

typedef struct dd_rec {
    uint64_t off; /* canonical line, without its newline: its offset in the spill file,
                     or its address when lines are kept in memory (see dd_spill) */
    uint32_t len;
    uint32_t entity;
    const char *id;
} dd_rec;

enum { DD_NONE = UINT32_MAX };

enum { DD_HEAD_STEP = 32, DD_HEAD_CHECKS = 12 };

typedef struct dd_ent {
    const char *id;
    uint32_t first, nrecs; /* its records: recs[first .. first + nrecs) */
    uint32_t parent;       /* union-find */
    uint32_t next;         /* next member of its cluster (DD_NONE ends) */
    uint32_t tail;         /* last member of its cluster, at the root */
    uint32_t size;         /* cluster size, at the root */
    uint32_t counterpart;  /* a tag shared with its one counterpart (see dedup.c), or DD_NONE */
    /* features */
    const char *inst_key; /* matching key of the institution, NULL when none */
    uint64_t inst_hash;   /* 0 when none */
    uint32_t country;     /* hash of the code (or of the country's key), 0 when none */
    uint32_t doc;         /* hash of its document when its format lists each practice once */
    uint16_t award_year, impl_year;
    uint16_t nsketch;   /* fingerprints kept (<= rules->sketch) */
    uint16_t nshingles; /* distinct description shingles (saturates at 65535) */
    uint8_t ntitle;     /* title stem hashes, first in `hashes` */
    uint8_t ntopics;    /* topic hashes, after the title stems */
    uint8_t formats;    /* mask of 1 << gp_format over its sources */
    uint8_t flags;
    uint32_t *hashes;
    /* the description's key when it has at most prefix_max_chars bytes (it may be the
       cut-off copy of another's), else NULL */
    const char *desc_head;
    uint32_t desc_len;   /* bytes of the description's key */
    uint16_t desc_words; /* words of the description (saturates at 65535) */
    /* 16-bit hashes of the description key's first DD_HEAD_STEP x (k + 1) bytes, so that
       a longer description is read again only when its opening may be the other's */
    uint16_t head_hash[DD_HEAD_CHECKS];
    uint16_t *sketch; /* sorted 16-bit fingerprints of the description's shingles */
} dd_ent;

enum { DD_HAS_TITLE = 1, DD_HAS_DESCRIPTION = 2 };

/* Loads the record of an entity (its records merged when several) into `arena`. */
typedef int (*dd_load_fn)(void *ctx, const dd_ent *e, gp_arena *arena, gp_record *out);

/* Per-thread scratch for computing features and scores. */
typedef struct dd_worker {
    dd_load_fn load;
    void *load_ctx;
    gp_normalizer *norm;  /* for merged records; NULL until the records are read */
    gp_arena *render;     /* merged records being written */
    gp_arena *render_alt; /* the window before, while it is written (see gp_dedup_write) */
    gp_text *text;
    gp_arena *arena; /* features live here until the deduper is freed */
    gp_arena *scratch;
    gp_buf key, key2, line;
    uint64_t *h64;
    size_t h64_cap;
    uint32_t *h32, *h32b;
    size_t h32_cap, h32b_cap;
    uint16_t *h16;
    size_t h16_cap;
    uint8_t *stop;
    size_t stop_cap;
} dd_worker;

int gp__dd_worker_init(dd_worker *w);
void gp__dd_worker_free(dd_worker *w);
/* Frees the worker's buffers that a huge record grew (memory stays a small multiple of
 * the record at hand, not of the largest one seen). */
void gp__dd_worker_trim(dd_worker *w);

/*
 * Computes the features of entity `e` from its record. `bands` receives rules->bands LSH
 * band hashes (all 0 when the entity has no text).
 */
int gp__dd_features(dd_worker *w, const gp_dedup_rules *r, dd_ent *e, const gp_record *rec,
                    uint32_t *bands);

/* One scored pair, with every part (for the clusters file and --explain). */
typedef struct dd_score {
    int has[GP_DD_TEXT_PARTS];
    double sim[GP_DD_TEXT_PARTS];
    int has_factor[GP_DD_FACTOR_PARTS];
    double factor[GP_DD_FACTOR_PARTS];
    double jaccard;        /* description: Jaccard index */
    int estimated;         /* description: estimated from the smallest shingles only */
    int cut_prefix;        /* description: one is a cut-off prefix of the other's */
    double text;           /* weighted mean of the text parts */
    double score;          /* rounded to three decimals; 0 when nothing to compare */
    int comparable;        /* whether some text part could be compared */
    int bound;             /* the score is an upper bound (below the floor asked for) */
    unsigned title_shared; /* title_in_description: title words found */
    unsigned title_words;  /* title_in_description: title words looked for */
} dd_score;

/* The number of values two sorted arrays of distinct fingerprints share. */
size_t gp__dd_common16(const uint16_t *a, size_t na, const uint16_t *b, size_t nb);
/* Whether gp__dd_common16 compares 8 values at once where it can (the default); tests. */
void gp__dd_common16_vectors(int on);

/*
 * Scores entities a and b (see docs/dedup.md). A score below `floor` may be left an
 * upper bound (out->bound): pass 0 for every part.
 */
int gp__dd_score(dd_worker *w, const gp_dedup_rules *r, const dd_ent *a, const dd_ent *b,
                 double floor, dd_score *out);

/* Rounds to three decimals (scores are compared and written rounded). */
double gp__dd_round3(double x);
/* Appends a number with at most three decimals as RFC 8785 writes it. */
void gp__dd_put_number(gp_buf *b, double x);

/* ---- merging (lib/dedup_merge.c) ---- */

/* A value of a scalar field and the records that give it. */
typedef struct dd_value {
    const char *text; /* years as decimal text */
    const char **ids; /* distinct ids of the records, sorted */
    size_t nids;
    gp_source *sources; /* the first source of each record, sorted */
    size_t nsources;
} dd_value;

typedef struct dd_conflict {
    gp_field field;
    size_t chosen; /* index in values */
    dd_value *values;
    size_t nvalues;
} dd_conflict;

typedef struct dd_merged {
    gp_record rec;
    dd_conflict *conflicts;
    size_t nconflicts;
} dd_merged;

/*
 * Merges records (parsed, canonical, in a deterministic order) into `out` by the merge
 * policy: sources united and sorted, lists united (the caller re-normalises to put them
 * in canonical order), scalars by source precedence, every disagreement a conflict
 * (only listed `with_conflicts`). Everything lives in `arena`.
 */
int gp__dd_merge(const gp_dedup_rules *r, gp_record *const *recs, size_t n, gp_arena *arena,
                 int with_conflicts, dd_merged *out);

/* ---- the deduper and its phases (lib/dedup.c and the files it names) ---- */

enum { DD_LINK_SCORE, DD_LINK_DECISION };

typedef struct dd_link {
    uint32_t a, b;
    uint32_t cluster; /* filled after clustering */
    double score;
    int how;
} dd_link;

typedef struct dd_possible {
    uint32_t ca, cb; /* the groups (their smallest member) */
    uint32_t a, b;   /* the pair that scored */
    double score;
    const char *note;
} dd_possible;

typedef struct dd_u64vec {
    uint64_t *v;
    size_t len, cap;
} dd_u64vec;

enum { DD_BATCH = 1024, DD_MAX_READERS = 8 };

typedef struct dd_batch {
    gp_arena *arena;
    gp_record recs[DD_BATCH];
    size_t len;
    size_t seq; /* its place in the input, from 0 */
} dd_batch;

/*
 * The canonical lines of all records go to one unlinked temporary file (in $TMPDIR,
 * else /tmp) and are read back with pread when a record is needed: a million records
 * are a gigabyte of lines, which the page cache holds better than the heap. When no
 * temporary file can be made, lines stay in memory (fd -1).
 */
typedef struct dd_spill {
    int fd;
    uint64_t size; /* bytes written or claimed */
    pthread_mutex_t mu;
    int mu_ready;
} dd_spill;

enum { DD_BB_RECS = 64 };

/* Lines on their way to one bucket of the spill file, and which records they are. */
typedef struct dd_bbuf {
    char *data;
    uint32_t len, n;
    uint32_t rec[DD_BB_RECS]; /* the records in the buffer (indexes in the store's recs) */
    uint32_t pos[DD_BB_RECS]; /* and where */
} dd_bbuf;

/* Where a reader keeps what it normalised: ids in chunks, lines in a buffer per bucket on
 * their way to the spill file (or in chunks), and their index. */
typedef struct dd_store {
    struct dd_chunk *chunks;
    dd_rec *recs;
    size_t nrecs, cap;
    dd_bbuf *bufs; /* DD_ID_BUCKETS; a record's offset is known once its buffer is written */
    char *slab;    /* the buffers' memory, one block (in huge pages where there are) */
} dd_store;

/*
 * Ids are hashes in hex ("gp-" and 16 digits, docs/ids.md), so the two digits after
 * "gp-" cut the id order into 256 ranges of about the same size. A reader writes each
 * line to the buffer of its id's bucket and a full buffer as one extent of the spill
 * file, so that what goes in id order (the entities: the features of the entities of
 * several records, the output) reads the extents of a bucket at once instead of a line
 * at a time (a million small reads cost seconds). Buckets 0 and 256 take the ids before
 * and after those ranges.
 */
enum { DD_ID_BUCKETS = 257 };

typedef struct dd_extent {
    uint64_t off;
    uint32_t len;
    uint32_t bucket;
    char *mem; /* its bytes while its bucket is read in */
} dd_extent;

typedef struct dd_buckets {
    size_t bbytes;  /* a buffer's size */
    dd_extent *ext; /* appended under the spill file's lock */
    size_t next, ext_cap;
    size_t *first; /* after reading: the extents of bucket b, sorted by offset, are
                      ext[first[b] .. first[b + 1]) */
    char **mem;    /* the buckets read in (the output's window), else NULL */
    char *loading; /* the buckets being read in (gp__dd_buckets_load) */
    int ready;
} dd_buckets;

/* A thread that normalises batches, with its own rule set and normaliser. */
typedef struct dd_reader {
    struct gp_deduper *d;
    pthread_t thread;
    gp_ruleset *rules; /* NULL: the deduper's (one thread) */
    gp_normalizer *norm;
    gp_diag_sink sink;
    gp_diag_list *errors; /* of the batch at hand */
    gp_buf line;
    dd_store store;
} dd_reader;

typedef struct dd_ingest {
    dd_reader readers[DD_MAX_READERS];
    int nreaders;   /* threads started; 0: the caller normalises */
    dd_reader self; /* the caller's, when there are no threads */
    dd_batch *pool;
    size_t npool;
    dd_batch *filling;
    size_t *free_list, nfree;
    size_t *queue, qhead, qlen;
    size_t seq;
    gp_diag_list **errors; /* per batch, handed to the sink when reading ends */
    size_t nerrors_cap;
    dd_spill spill;
    dd_buckets bk;
    pthread_mutex_t mu;
    pthread_cond_t work, freed;
    int sync_ready, quit, rc;
} dd_ingest;

struct gp_deduper {
    gp_ruleset *rules;
    const gp_dedup_rules *r;
    gp_dedup_options opts;
    int nthreads;
    gp_diag_sink *diags;
    gp_diag_sink norm_sink;
    gp_normalizer *norm;
    gp_arena *arena; /* ids, notes */
    gp_arena *tmp;   /* one group at a time */
    gp_buf line;
    dd_ingest ingest;
    size_t added;
    dd_rec *recs;
    size_t nrecs;
    dd_ent *ents;
    size_t nents;
    uint32_t *cid; /* the group of each entity: its smallest member */
    dd_worker *workers;
    uint64_t *pairs;  /* sorted candidate pairs */
    uint16_t *scores; /* in thousandths: scores are compared rounded to three decimals */
    size_t npairs;
    dd_link *links;
    size_t nlinks, links_cap;
    dd_possible *poss;
    size_t nposs, poss_cap;
    dd_u64vec distinct;          /* sorted entity pairs declared distinct */
    dd_u64vec distinct_clusters; /* sorted group pairs holding such a pair */
    int ran;
    gp_dedup_stats stats;
};

/* The smaller entity index high: a pair's key sorts pairs by their first member. */
static inline uint64_t gp__dd_pair_key(uint32_t a, uint32_t b)
{
    return a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
}

/* lib/dedup.c: small helpers and the threads */
int gp__dd_vec_push(dd_u64vec *v, uint64_t x);

/* A 64-bit sort key and the index of what it sorts. */
typedef struct dd_kv {
    uint64_t k;
    uint32_t v;
} dd_kv;

/* Stable LSD radix sort of a by k, tmp as scratch (n each). GP_OK or GP_ENOMEM. */
int gp__dd_radix_kv(dd_kv *a, dd_kv *tmp, size_t n);
/* Whether sorted `v` holds x. */
int gp__dd_vec_find(const dd_u64vec *v, uint64_t x);
void gp__dd_progress(gp_deduper *d, const char *phase, size_t done, size_t total);
/* Sorts `v` and drops repeats. */
int gp__dd_sorted_unique(dd_u64vec *v);
typedef int (*dd_range_fn)(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx);
enum { DD_PAR_CHUNK = 256 };
/*
 * Runs fn over [0, total) in chunks on up to `threads` workers; the calling thread is
 * worker 0. `phase` names the progress (NULL: none).
 */
int gp__dd_parallel(gp_deduper *d, const char *phase, size_t total, dd_range_fn fn, void *ctx,
                    int threads);
/* The same in chunks of `chunk` (gp__dd_parallel's are DD_PAR_CHUNK): for a few big items. */
int gp__dd_parallel_chunks(gp_deduper *d, const char *phase, size_t total, size_t chunk,
                           dd_range_fn fn, void *ctx, int threads);
/*
 * The same, with `beside` run on the calling thread first, while the other workers
 * start on fn (the caller joins them when it returns); its error comes first.
 */
int gp__dd_parallel_beside(gp_deduper *d, const char *phase, size_t total, size_t chunk,
                           dd_range_fn fn, void *ctx, int threads, int (*beside)(void *),
                           void *beside_ctx);

/* lib/dedup_ingest.c: 1. adding records */
/* The normaliser's sink: errors into the list of the batch at hand. */
int gp__dd_collect_errors(void *ctx, const gp_diag *g);
/* The end of reading: the last batch normalised, the threads stopped, the errors
 * handed to the sink in input order, the stores' indexes joined into one. */
int gp__dd_ingest_finish(gp_deduper *d);
void gp__dd_ingest_free(gp_deduper *d);
/* The canonical line of a record (len bytes and a NUL), read into `arena` when it was
 * spilled. Thread-safe. */
int gp__dd_rec_line(gp_deduper *d, const dd_rec *r, gp_arena *arena, const char **out);
/* Whether the lines are in the spill file; then gp__dd_read_span reads `len` bytes of
 * it from `off` (lines are written one after the other, in no gap). */
int gp__dd_spilled(const gp_deduper *d);
int gp__dd_read_span(gp_deduper *d, uint64_t off, size_t len, char *out);
/* The same with a newline after the line (len + 1 bytes and a NUL), always a copy. */
int gp__dd_rec_line_nl(gp_deduper *d, const dd_rec *r, gp_arena *arena, const char **out);

/* The bucket of the spill file that the lines of records of id `id` are in. */
uint32_t gp__dd_id_bucket(const char *id);
/* The bucket of entity `e` (after grouping). */
uint32_t gp__dd_entity_bucket(const gp_deduper *d, uint32_t e);
/* Reads in the buckets of entities [lo, hi] and lets the others go (caller's thread,
 * no other thread reading lines). */
int gp__dd_buckets_load(gp_deduper *d, uint32_t lo, uint32_t hi);

/* lib/dedup_entities.c: 2, 3. entities and their features */
int gp__dd_group(gp_deduper *d);
/* Parses the records of entities `ids` into `arena`, in entity then record order. */
int gp__dd_parse_records(gp_deduper *d, const uint32_t *ids, size_t nids, gp_arena *arena,
                         gp_record ***out, size_t *nout);
/* The record of an entity: its record, or its records merged (no normalising: the
 * features do not depend on the order of lists). */
int gp__dd_entity_record(gp_deduper *d, uint32_t e, gp_arena *arena, gp_record *out);
/* gp__dd_entity_record as a worker's dd_load_fn (ctx: the deduper). */
int gp__dd_load_entity(void *ctx, const dd_ent *e, gp_arena *arena, gp_record *out);
/* The features of every entity and its LSH bands (rules->bands each), by the threads. */
int gp__dd_features_all(gp_deduper *d, uint32_t *bands);

/* lib/dedup_candidates.c: 4. candidate pairs, 5. scores */
/* The blocking key `mask` of an entity, 0 when one of its fields is unknown. */
uint64_t gp__dd_block_key(const dd_ent *e, unsigned mask, size_t index);
int gp__dd_candidate_pairs(gp_deduper *d, const uint32_t *bands);
/* The scores of candidate pairs [lo, hi) (a dd_range_fn). */
int gp__dd_score_range(gp_deduper *d, dd_worker *w, size_t lo, size_t hi, void *ctx);
/* The score of any two entities: the candidate's, or computed now. */
int gp__dd_pair_score(gp_deduper *d, uint32_t a, uint32_t b, double *out);

/* lib/dedup_cluster.c: 6. clusters */
/* The entity of an id, -1 when none. */
int64_t gp__dd_find_id(const gp_deduper *d, const char *id);
int gp__dd_cluster(gp_deduper *d);

#endif
