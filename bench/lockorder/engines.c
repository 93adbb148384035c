/* engines.c — the lock-order analysis of each engine timed alone, from its input to its
 * findings, without the database (bench/lockorder/bench.py runs it; see bench/README.md).
 *
 *   engines static FILE.c     facts extracted once with libclang, then the whole-program
 *                             analysis (analyze_program: contexts, locksets, lock order) timed
 *   engines runtime LOGDIR    the runtime's logs read, symbolised and turned into findings,
 *                             then the lock-order search over the run's edges (dynamic_ingest
 *                             + dynamic_lock_order) timed
 *   engines crossrun N [inv]  the cross-run search alone over stored edges: N classes in one
 *                             order, every pair an edge (N(N-1)/2), another run's inverted
 *                             edge with "inv" (dynamic_lock_order)
 *
 * Prints "<seconds> <lock-order-inversion findings> <edges>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/analyze.h"
#include "common/util.h"
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

/* The stored edges of a run of N nested classes (this run), and of another run that took
 * the last class and then the first. */
static int run_crossrun(int n, int inverted)
{
	struct dyn_run r = {0};
	struct stored_edge_list others = {0};
	char **names = calloc((size_t)n, sizeof *names);
	for (int i = 0; i < n; i++)
		names[i] = xasprintf("global:m%d", i);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			struct stored_edge *e = stored_edge_list_add(&r.edges);
			e->from = xstrdup(names[i]);
			e->to = xstrdup(names[j]);
			e->flags = EDGE_BLOCKING;
			e->threads = 2;
		}
	if (inverted) {
		struct stored_edge *e = stored_edge_list_add(&others);
		e->from = xstrdup(names[n - 1]);
		e->to = xstrdup(names[0]);
		e->flags = EDGE_BLOCKING;
		e->threads = 1;
		e->thread_key = xstrdup("1:3");
		e->run = 7;
	}
	struct dyn_opts o = {.root = "/"};
	double t0 = now();
	dynamic_lock_order(&r, &others, &o);
	double t = now() - t0;
	printf("%.3f %d %d\n", t, inversions(&r.findings), r.edges.n + others.n);
	dyn_run_free(&r);
	stored_edge_list_free(&others);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
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
	if (argc < 3 || rules_load(&err)) {
		fprintf(stderr, "usage: engines static FILE.c | runtime LOGDIR | crossrun N [inv]\n");
		return 2;
	}
	if (!strcmp(argv[1], "crossrun"))
		return run_crossrun(atoi(argv[2]), argc > 3);
	return !strcmp(argv[1], "static") ? run_static(argv[2]) : run_runtime(argv[2]);
}
