/* watch.h — the watch engine's offline half: which addresses the runtime watches for the
 * static pass's data-race findings (the candidates file), and what the hits it recorded
 * say about each: a race seen (two threads, a write, no common lock, not ordered by the
 * program's synchronisation) confirms the finding; otherwise it is "watched, not seen
 * racing", with what was observed.
 *
 *   watch_plan_make()    static findings + the program's DWARF -> targets
 *   watch_plan_write()   the candidates file the runtime reads (TSAFE_WATCH)
 *   dynamic_ingest()     with dyn_opts.watch set, judges the hits of every process
 *   watch_plan_report()  one line per candidate, and why nothing was watched
 */
#ifndef TSAFE_DYNAMIC_WATCH_H
#define TSAFE_DYNAMIC_WATCH_H

#include <stdint.h>
#include <stdio.h>

#include "common/finding.h"

#define WATCH_TARGETS_PER_CANDIDATE 16

struct watch_target {
	int cand;                   /* index in plan->c */
	const char *module;         /* borrowed from plan->modules (NULL for a heap word) */
	uint64_t link_addr;         /* a heap word: its offset in the block */
	int len, rw;
	int site;                   /* a heap word: its allocation site (plan->ranges), else -1 */
};

/* Where a heap candidate's blocks are allocated: a call to malloc, calloc or realloc
 * whose return address - 1 lies in [lo, hi) of module (the allocation line's code, from
 * the DWARF line table). A site has one range or more. */
struct watch_alloc_range {
	int site;
	const char *module;         /* borrowed from plan->modules */
	uint64_t lo, hi;
};

/* One of a finding's access lines (file canonical absolute). */
struct watch_site {
	char *file;
	int line;
};

struct watch_cand {
	const struct finding *f;    /* the static finding (the caller's list owns it), or
	                               NULL for a variable watched without a scan */
	char *symbol;               /* without a finding: its access path ("g:hits") */
	char *label;                /* what messages call the object: "balance" */
	const char *why_not;        /* not watched: why (static text) */
	int first_target, ntargets;
	struct watch_site sites[2]; /* the finding's two accesses: traps elsewhere do not count */
	int nsites;
	/* what the runs saw */
	long hits;                  /* traps taken at its sites */
	long elsewhere;             /* traps taken elsewhere (not counted) */
	int threads;                /* distinct threads among the recorded hits */
	double watched_s;           /* armed for this long (process time x share of slices) */
	int confirmed;
	int atomic;                 /* without a scan: seen updated by atomic instructions */
};

struct watch_plan {
	struct watch_cand *c;
	int n, cap;
	struct watch_target *t;
	int nt, capt;
	char **modules;
	int nmodules, cap_modules;
	struct watch_alloc_range *ranges;
	int nranges, cap_ranges;
	char **site_keys;           /* "FILE:LINE" of each allocation site, by site number */
	int nsites, cap_sites;
	int globals;                /* no scan: the program's own variables, sampled */
	/* what the processes said about watching */
	int processes_on;           /* processes that watched */
	int denied_err;             /* a process could not open a watchpoint: errno */
	int status_off;             /* another reason none watched (RTW_*), 0 none */
};

/* Candidates from the data-race findings in races (only those with two sides; the list
 * must outlive the plan), resolved in the DWARF of the program and the libraries it
 * loads; root: the project root the findings' paths are relative to. Returns 0, or -1
 * with *err when the program cannot be read. */
int watch_plan_make(struct watch_plan *w, const struct finding_list *races, const char *program,
                    const char *root, char **err);
/* Without candidates from a scan: the program's own writable variables with a static
 * address (up to 64; not atomics, constants or synchronisation objects). Their number. */
int watch_plan_globals(struct watch_plan *w, const char *program, const char *root);
int watch_plan_write(const struct watch_plan *w, const char *path);
void watch_plan_report(const struct watch_plan *w, FILE *out);
void watch_plan_free(struct watch_plan *w);

#endif
