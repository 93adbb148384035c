/* dynamic.h — the runtime engine's offline half: reads the logs libtsafe-rt.so wrote
 * (one per process), symbolises them with libdw and turns them into findings with the
 * project's rule ids, and into lock-order edges by class for cross-run prediction.
 *
 *   dynamic_ingest()      logs -> findings of one run (misuse, deadlocks, thread leaks,
 *                         inversions inside the run) + the run's edges
 *   dynamic_lock_order()  the run's edges + other runs' stored edges -> inversions, each
 *                         citing the runs that saw its orders
 */
#ifndef TSAFE_DYNAMIC_H
#define TSAFE_DYNAMIC_H

#include <stdint.h>

#include "../../runtime/rtformat.h"
#include "common/finding.h"
#include "store/edges.h"

struct watch_plan;

struct dyn_opts {
	const char *root;        /* project root: paths in findings are relative to it */
	struct watch_plan *watch;   /* what the watch engine watched (NULL: nothing); the
	                               runs' observations are added to it */
};

/* One of the runtime's bounds (RTL_* of rtformat.h), reached when count > 0. */
struct dyn_limit {
	uint32_t limit;
	uint64_t count;
};

struct dyn_summary {
	int processes;           /* process images that wrote a log */
	int threads;             /* threads seen, over all processes */
	int truncated;           /* logs whose last record was cut short (a crash) */
	int deadlocked;          /* processes the runtime ended on a deadlock */
	int exited;              /* processes that reached exit() */
	struct dyn_limit limits[RTL_MAX + 1];   /* the largest over the processes */
};

struct dyn_run {
	struct finding_list findings;
	struct stored_edge_list edges;    /* this run's edges between different classes */
	struct dyn_summary sum;
};

/* Reads every tsafe-rt.*.log in dir. Returns 0, or -1 with a one-line *err (caller
 * frees) when dir cannot be read. Unreadable or foreign files are skipped (counted in
 * the summary only through what they lack). Findings have fingerprints. */
int dynamic_ingest(const char *dir, const struct dyn_opts *o, struct dyn_run *out, char **err);

/* Lock-order inversions over the run's edges together with other runs' (others: edges
 * whose run > 0). A cycle is reported when at least one of its orders was seen in this
 * run, every order could block (not only trylocks), no one lock was held around all of
 * them, and more than one thread made them. Appends to r->findings. */
void dynamic_lock_order(struct dyn_run *r, const struct stored_edge_list *others,
                        const struct dyn_opts *o);

void dyn_run_free(struct dyn_run *r);

#endif
