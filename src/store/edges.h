/* edges.h — lock-order edges by lock class, kept per run so that an order seen in one run
 * and its reverse seen in another can be reported together (cross-run prediction, which
 * no single-run tool gives). Written by `tsafe run` after each run (read back by the next)
 * and by `tsafe scan` (the static analysis's edges); `tsafe graph` and the HTML report draw
 * the edges of the current runs.
 *
 * The table (schema.c, version 2):
 *
 *   lock_edges  (run_id, from_class, to_class) -> flags, threads, gates and the two
 *               acquisitions (file, line, function, thread, stack) for reports.
 */
#ifndef TSAFE_STORE_EDGES_H
#define TSAFE_STORE_EDGES_H

#include "store.h"

enum {
	EDGE_BLOCKING = 1,     /* some second acquisition could block (was not a trylock) */
};

struct stored_edge {
	char *from, *to;       /* lock classes: "global:a", "field:struct account.lock", … */
	unsigned flags;        /* EDGE_* */
	int threads;           /* distinct threads that made the edge in its run (1 or more) */
	char *thread_key;      /* when threads == 1: which one (within its run), else NULL */
	char **gates;          /* classes held around every occurrence (a common gate lock) */
	int ngates;
	struct location inner; /* the acquisition of `to` (file, line, func, thread, stack) */
	struct location outer; /* the acquisition of `from` */
	/* Filled by store_edges_load: */
	long run;
	char *run_scope;       /* what that run ran (its command) */
	char *run_engine;      /* "static", "runtime", … */
};

struct stored_edge_list {
	struct stored_edge *items;
	int n, cap;
};

struct stored_edge *stored_edge_list_add(struct stored_edge_list *l);   /* zeroed */
void stored_edge_free(struct stored_edge *e);
void stored_edge_list_free(struct stored_edge_list *l);

/* Records the edges of `run` (one transaction; a pair already stored for the run is
 * replaced). */
int store_edges_add(struct store *s, long run, const struct stored_edge *e, int n);

/* Gives run to_run the edges of from_run (a scan that reuses an earlier analysis). */
int store_edges_copy(struct store *s, long from_run, long to_run);

/* Appends the edges of the newest finished runtime run of every scope other than
 * `exclude_scope` (the scope being run now supersedes its own earlier runs, and an older
 * run of a scope is superseded by its newer ones, so a fixed order drops out). */
int store_edges_load(struct store *s, const char *exclude_scope, struct stored_edge_list *out);

/* Appends the edges of the current run of every (engine, scope): its newest run that has
 * ended or recorded edges or findings (so a scan printing its own run sees its edges),
 * ordered by from, to, run. Returns 0 or -1. */
int store_edges_current(struct store *s, struct stored_edge_list *out);

#endif
