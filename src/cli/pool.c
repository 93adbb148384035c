/* pool.c — the parallel part of `tsafe scan`: N worker threads take translation units from
 * a shared counter; each has its own database connection (SQLite connections are not shared
 * between threads) and its own extractor process (extractor.c), which parses a unit the
 * cache does not have and stores its facts. Each result goes into the unit's own slot. The
 * shared counter, the progress line and the first error are the only shared state, all
 * under pool->lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "common/util.h"
#include "extractor.h"
#include "pool.h"

static void set_fatal(struct scan_pool *p, const char *msg)
{
	pthread_mutex_lock(&p->lock);
	if (!p->fatal)
		p->fatal = xstrdup(msg);
	pthread_mutex_unlock(&p->lock);
}

/* Finds unit i current in the cache, or has the worker's extractor process parse and store
 * it; sets tu's file and cache key (the facts stay in the database until the analysis
 * loads them) and returns its status and, for a problem, why. */
static enum unit_status extract_unit(struct scan_pool *p, struct store *st, struct extractor *x,
                                     int i, struct tu_facts *tu, char **why)
{
	const struct compile_unit *u = &p->db->units[i];
	tu->file = xstrdup(u->file);
	tu->cache_key = cache_probe(st, u, p->config_path);
	if (tu->cache_key)
		return UNIT_CACHED;
	struct extractor_args xa = {p->db_path, p->root, p->config_path};
	struct extracted e;
	extractor_run(x, &xa, u, &e);
	enum unit_status status = UNIT_FAILED;
	if (str_eq(e.status, "store-error") || str_eq(e.status, "cannot-start")) {
		set_fatal(p, e.why);
	} else if (str_eq(e.status, "parsed") || str_eq(e.status, "partial")) {
		status = str_eq(e.status, "parsed") ? UNIT_PARSED : UNIT_PARTIAL;
		tu->cache_key = e.key;
		e.key = NULL;
	}
	if (status != UNIT_PARSED) {
		*why = e.why;
		e.why = NULL;
	}
	extracted_free(&e);
	return status;
}

static void process_unit(struct scan_pool *p, struct store *st, struct extractor *x, int i)
{
	struct tu_facts tu = {0};
	char *why = NULL;
	enum unit_status status = extract_unit(p, st, x, i, &tu, &why);
	/* Index i came from the shared counter to this worker alone: slot i has one writer.
	 * (tsafe cannot prove that an index is handed out once, hence the suppressions.) */
	p->facts[i] = tu;           /* tsafe: ignore[data-race] */
	p->status[i] = status;      /* tsafe: ignore[data-race] */
	p->why[i] = why;            /* tsafe: ignore[data-race] */
}

static void show_progress(struct scan_pool *p, int i)
{
	if (!p->progress)
		return;
	const char *name = strrchr(p->db->units[i].file, '/');
	fprintf(stderr, "\r\033[K[%d/%d] %s", p->done, p->db->n, name ? name + 1 : p->db->units[i].file);
	if (p->done == p->db->n)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

static void *worker(void *arg)
{
	struct scan_pool *p = arg;
	struct store *st = NULL;
	struct extractor x = {0};
	char *err = NULL;
	if (store_open(p->db_path, &st, &err)) {
		set_fatal(p, err);
		free(err);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&p->lock);
		int i = p->fatal ? p->db->n : p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->db->n)
			break;
		process_unit(p, st, &x, i);
		pthread_mutex_lock(&p->lock);
		p->done++;
		show_progress(p, i);
		pthread_mutex_unlock(&p->lock);
	}
	extractor_stop(&x);
	store_close(st);
	return NULL;
}

int pool_run(struct scan_pool *p)
{
	int n = p->db->n;
	p->facts = xcalloc((size_t)(n ? n : 1), sizeof *p->facts);
	p->status = xcalloc((size_t)(n ? n : 1), sizeof *p->status);
	p->why = xcalloc((size_t)(n ? n : 1), sizeof *p->why);
	pthread_mutex_init(&p->lock, NULL);
	int jobs = p->jobs < 1 ? 1 : p->jobs > n ? (n ? n : 1) : p->jobs;
	if (jobs == 1) {
		worker(p);
	} else {
		pthread_t *th = xcalloc((size_t)jobs, sizeof *th);
		int started = 0;
		for (; started < jobs; started++)
			if (pthread_create(&th[started], NULL, worker, p) != 0)
				break;
		if (started == 0)
			worker(p);      /* no threads to be had: do the work here */
		for (int t = 0; t < started; t++)
			pthread_join(th[t], NULL);
		free(th);
	}
	pthread_mutex_destroy(&p->lock);
	return p->fatal ? -1 : 0;
}

void pool_free(struct scan_pool *p)
{
	for (int i = 0; p->facts && i < p->db->n; i++) {
		tu_facts_free(&p->facts[i]);
		free(p->why[i]);
	}
	free(p->facts);
	free(p->status);
	free(p->why);
	free(p->fatal);
}
