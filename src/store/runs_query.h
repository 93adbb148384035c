/* runs_query.h — questions about the runs themselves, for comparing one run with another
 * (`tsafe gate` without a baseline file). Same conventions as store.h. */
#ifndef TSAFE_STORE_RUNS_QUERY_H
#define TSAFE_STORE_RUNS_QUERY_H

#include "store.h"

/* The latest run of one (engine, scope) and the one before it. A run counts once it has
 * ended or recorded findings (the definition store_findings_load's current_only uses), so
 * a scan still running or one that crashed before recording anything is skipped. */
struct run_pair {
	char *engine, *scope;
	long latest;
	long previous;      /* 0 when the (engine, scope) has run only once */
};

/* Every (engine, scope) that has a run, most recently run first. *out is malloc'd (free
 * with run_pairs_free), *n its length. Returns 0 or -1. */
int store_run_pairs(struct store *s, struct run_pair **out, int *n);
void run_pairs_free(struct run_pair *p, int n);

#endif
