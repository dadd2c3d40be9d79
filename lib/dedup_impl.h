/*
 * lib/dedup_impl.h - the inside of gp-dedup, shared by lib/dedup*.c.
 *
 * Data layout (sized for a million records of about 1 KB in under 2 GB):
 *  - every input record is normalised once and kept only as its canonical JSON line,
 *    in big chunks (dd_store in lib/dedup.c); a dd_rec points at it;
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

#include <stdint.h>

#include "gpkit/dedup.h"
#include "gpkit/extract.h"
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
    const char *json; /* canonical line, without its newline */
    uint32_t len;
    uint32_t entity;
    const char *id;
} dd_rec;

enum { DD_NONE = UINT32_MAX };

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
    uint16_t *sketch; /* sorted 16-bit fingerprints of the description's shingles */
} dd_ent;

enum { DD_HAS_TITLE = 1, DD_HAS_DESCRIPTION = 2 };

/* Loads the record of an entity (its records merged when several) into `arena`. */
typedef int (*dd_load_fn)(void *ctx, const dd_ent *e, gp_arena *arena, gp_record *out);

/* Per-thread scratch for computing features and scores. */
typedef struct dd_worker {
    dd_load_fn load;
    void *load_ctx;
    gp_normalizer *norm; /* for merged records; NULL until the records are read */
    gp_arena *render;    /* merged records being written */
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
    double text;           /* weighted mean of the text parts */
    double score;          /* rounded to three decimals; 0 when nothing to compare */
    int comparable;        /* whether some text part could be compared */
    int bound;             /* the score is an upper bound (below the floor asked for) */
    unsigned title_shared; /* title_in_description: title words found */
    unsigned title_words;  /* title_in_description: title words looked for */
} dd_score;

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

#endif
