/*
 * lib/discover.h - variant discovery: clusters of spellings that no rule resolves.
 *
 * Values are counted per vocabulary and scope (institutions are scoped by country: a
 * name only means something in its country). Known values are counted under their
 * canonical spelling and every canonical name of the rules joins as an anchor, so a
 * cluster can say "write it as the rules do". Two values are linked when they have
 *   key       the same matching key (case, accents, punctuation, "&"/"and", quotes,
 *             transliteration to Latin);
 *   words     the same set of words once stop words are left out (word order);
 *   ngrams    the same set of character bigrams of those words;
 *   distance  keys within an edit distance (Damerau-Levenshtein, in characters) that
 *             grows with the length: 0 below 4 characters, 1 below 25, 2 from there;
 *             found through an index of deletion neighbourhoods, never all pairs, and
 *             none missed (docs/discovery.md);
 *   acronym   institutions of one country writing the same acronym ("Mutual for Safety
 *             CChC", "Mutual de Seguridad CChC").
 * Clusters form round anchors, not by chains of links: each known value is a centre,
 * each other value joins the nearest centre it is linked to (by rank: known, then
 * frequent), or becomes a centre when it is linked to none. Two known values are never in
 * one cluster. Only clusters holding at least one unknown value are reported.
 */
#ifndef GPKIT_DISCOVER_H
#define GPKIT_DISCOVER_H

#include "gpkit/rules.h"

typedef struct gp_discover gp_discover;

typedef struct gp_variant {
    const char *value;
    size_t count;
    int known; /* the rules' canonical spelling */
    const char *file;
    long line, column;
    const char *record_id;
    const char *pointer;
} gp_variant;

typedef struct gp_cluster {
    gp_vocab_kind kind;
    const char *scope;         /* institutions: the country code (or name) */
    const char *methods;       /* "key, words", the methods that linked the members */
    const gp_variant *members; /* the suggestion first, then by count, then by spelling */
    size_t n;
    const char *suggestion; /* the canonical spelling to use */
    int suggestion_known;   /* whether the rules already have it */
} gp_cluster;

typedef int (*gp_cluster_fn)(void *ctx, const gp_cluster *c);

int gp_discover_new(gp_discover **out, gp_ruleset *rules);
void gp_discover_free(gp_discover *d);
/* Threads gp_discover_run may use (default 1); the clusters are the same for any number. */
void gp_discover_set_threads(gp_discover *d, int threads);

/* Counts one value as a record gives it; `known` values are passed in canonical form. */
int gp_discover_add(gp_discover *d, gp_vocab_kind kind, const char *scope, const char *value,
                    int known, const char *file, long line, long column, const char *record_id,
                    const char *pointer);

/*
 * The word set of a country name as scopes use it ("korea republic" for both "Korea,
 * Republic of" and "Republic of Korea"); valid while `d` lives, NULL when out of memory.
 */
const char *gp_discover_scope_key(gp_discover *d, const char *scope);

/* Clusters the values and hands each cluster to `fn`, in a stable order. */
int gp_discover_run(gp_discover *d, gp_cluster_fn fn, void *ctx);

#endif
