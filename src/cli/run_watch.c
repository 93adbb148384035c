/* run_watch.c — the watch engine inside `tsafe run`: before the program starts, the
 * current data-race findings of the static pass in the database are resolved to
 * addresses (src/dynamic/watch_plan.c) and written where the runtime reads them
 * (TSAFE_WATCH); after it ends, the ingestion judges the hits and this file says what
 * was watched and what was seen of each candidate. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "dynamic/watch.h"
#include "run.h"

struct run_watch {
	struct finding_list races;
	struct watch_plan plan;
	char *file;
};

/* The current data races the static pass found. */
static void load_races(struct store *st, struct finding_list *out)
{
	struct finding_list all = {0};
	struct finding_query q = {.current_only = 1, .rule = "data-race"};
	if (store_findings_load(st, &q, &all))
		return;
	for (int i = 0; i < all.n; i++) {
		if (all.items[i].engines && strstr(all.items[i].engines, "static"))
			*finding_list_add(out) = all.items[i];
		else
			finding_free(&all.items[i]);
	}
	free(all.items);
}

struct run_watch *run_watch_prepare(struct run_args *a, struct store *st,
                                    const char *program, const char *logdir)
{
	if (a->no_watch)
		return NULL;
	struct run_watch *w = xcalloc(1, sizeof *w);
	load_races(st, &w->races);
	char *err = NULL;
	if (watch_plan_make(&w->plan, &w->races, program, a->out.root, &err)) {
		fprintf(stderr, "tsafe: watch: %s: data races are not watched in this run\n", err);
		free(err);
		run_watch_free(w);
		return NULL;
	}
	if (w->plan.n == 0)
		watch_plan_globals(&w->plan, program, a->out.root);
	w->file = xasprintf("%s/watch-candidates.txt", logdir);
	if (w->plan.nt && watch_plan_write(&w->plan, w->file)) {
		fprintf(stderr, "tsafe: watch: cannot write '%s': data races are not watched in "
		        "this run\n", w->file);
		free(w->file);
		w->file = NULL;
	}
	a->watch_file = w->file;
	return w;
}

struct watch_plan *run_watch_plan(struct run_watch *w)
{
	return w ? &w->plan : NULL;
}

void run_watch_report(const struct run_watch *w)
{
	if (w)
		watch_plan_report(&w->plan, stderr);
}

/* Every candidate watched in a process that watched and never seen racing: stored with
 * the run, shown by every report beside the static finding. */
int run_watch_store(const struct run_watch *w, struct store *st, long run)
{
	if (!w || run <= 0 || !w->plan.processes_on)
		return 0;
	struct watch_seen *seen = xcalloc((size_t)w->plan.n + 1, sizeof *seen);
	int n = 0;
	for (int i = 0; i < w->plan.n; i++) {
		const struct watch_cand *c = &w->plan.c[i];
		if (c->f && !c->why_not && !c->confirmed && c->f->fingerprint)
			seen[n++] = (struct watch_seen){c->f->fingerprint, c->hits, c->threads, c->watched_s};
	}
	int rc = store_watch_seen_add(st, run, seen, n);
	free(seen);
	if (rc)
		fprintf(stderr, "tsafe: watch: recording what was watched failed: %s\n", store_errmsg(st));
	return rc;
}

void run_watch_free(struct run_watch *w)
{
	if (!w)
		return;
	watch_plan_free(&w->plan);
	finding_list_free(&w->races);
	free(w->file);
	free(w);
}
