/* analyze.h — the whole-program analysis: facts of every translation unit in, findings out.
 *
 * It reads only struct tu_facts (src/facts/facts.h) and produces struct finding
 * (src/common/finding.h) with fingerprints set; it never touches the store or prints.
 */
#ifndef TSAFE_ANALYZE_H
#define TSAFE_ANALYZE_H

#include "common/finding.h"
#include "facts/facts.h"

/* One lock-order edge (some thread acquired `to` while holding `from`), for the lock-order
 * graph: one per pair of classes over every program, shown by its first inner acquisition. */
struct analyze_edge {
	char *from, *to;           /* lock classes, paths in them relative to the root */
	int threads;               /* thread contexts that make it */
	struct location outer;     /* the acquisition of `from` (file, line, func) */
	struct location inner;     /* the acquisition of `to`, with its thread and stack */
};

struct analyze_edge_list {
	struct analyze_edge *items;
	int n, cap;
};
void analyze_edge_list_free(struct analyze_edge_list *l);

struct analyze_opts {
	const char *root;      /* project root: finding paths are made relative to it */
	struct analyze_edge_list *edges;   /* when set, the lock-order edges are appended */
};

struct analyze_stats {
	int programs;          /* entry points analysed (each main, or library roots) */
	int threads;           /* thread contexts (creation sites) found */
	int functions;
	long frames;           /* function instances analysed (context-sensitive) */
	int truncated;         /* the work budget was reached: callees were cut, results partial */
	int unresolved;        /* thread creations whose start routine could not be followed */
};

/* Header functions compiled into several units are one function to the analysis. As each
 * unit's facts arrive (tus[t], in any order), header_copies_add frees the copies already
 * held by another unit; header_copies_finish compacts every unit's function array and
 * frees h. Not thread-safe: a caller with several workers serialises the calls. */
struct header_copies;
struct header_copies *header_copies_new(struct tu_facts *tus);
void header_copies_add(struct header_copies *h, int t);
void header_copies_finish(struct header_copies *h, int ntus);

/* Runs every rule over the facts; appends findings to out. rules_load() must have succeeded
 * (the MT-unsafe list comes from it). Returns 0. */
int analyze_program(struct tu_facts *tus, int ntus, const struct analyze_opts *o,
                    struct finding_list *out, struct analyze_stats *stats);

#endif
