/* engines.c — the lock-order analysis of each engine timed alone, from its input to its
 * findings, without the database (bench/lockorder/bench.py runs it; see bench/README.md).
 *
 *   engines static FILE.c     facts extracted once with libclang, then the whole-program
 *                             analysis (analyze_program: contexts, locksets, lock order) timed
 *   engines runtime LOGDIR    the runtime's logs read, symbolised and turned into findings,
 *                             then the lock-order search over the run's edges (dynamic_ingest
 *                             + dynamic_lock_order) timed
 *
 * Prints "<seconds> <lock-order-inversion findings> <edges>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/analyze.h"
#include "common/rules.h"
#include "dynamic/dynamic.h"
#include "extract/extract.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int inversions(const struct finding_list *l)
{
	int n = 0;
	for (int i = 0; i < l->n; i++)
		n += !strcmp(l->items[i].rule, "lock-order-inversion");
	return n;
}

static int run_static(const char *file)
{
	struct extract_opts eo = {0};
	struct tu_facts tu;
	if (extract_tu(&eo, file, &tu) != 0) {
		fprintf(stderr, "engines: cannot parse %s\n", file);
		return 2;
	}
	struct finding_list found = {0};
	struct analyze_edge_list edges = {0};
	struct analyze_opts o = {.root = "/", .edges = &edges};
	double t0 = now();
	analyze_program(&tu, 1, &o, &found, NULL);
	double t = now() - t0;
	printf("%.3f %d %d\n", t, inversions(&found), edges.n);
	finding_list_free(&found);
	analyze_edge_list_free(&edges);
	tu_facts_free(&tu);
	return 0;
}

static int run_runtime(const char *dir)
{
	struct dyn_opts o = {.root = "/"};
	struct dyn_run r;
	char *err = NULL;
	double t0 = now();
	if (dynamic_ingest(dir, &o, &r, &err)) {
		fprintf(stderr, "engines: %s\n", err);
		return 2;
	}
	dynamic_lock_order(&r, NULL, &o);
	double t = now() - t0;
	printf("%.3f %d %d\n", t, inversions(&r.findings), r.edges.n);
	dyn_run_free(&r);
	return 0;
}

int main(int argc, char **argv)
{
	char *err = NULL;
	if (argc != 3 || rules_load(&err)) {
		fprintf(stderr, "usage: engines static FILE.c | engines runtime LOGDIR\n");
		return 2;
	}
	return !strcmp(argv[1], "static") ? run_static(argv[2]) : run_runtime(argv[2]);
}
