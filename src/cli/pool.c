/* pool.c — the parallel part of `tsafe scan`: N worker threads take translation units from
 * a shared counter, each with its own libclang index and its own database connection
 * (SQLite connections are not shared between threads), and write each result into the
 * unit's own slot. The shared counter, the progress line, the first error and the table
 * of header function copies are the only shared state, all under pool->lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "common/util.h"
#include "extract/extract.h"
#include "pool.h"

static void set_store_error(struct scan_pool *p, const char *msg)
{
	pthread_mutex_lock(&p->lock);
	if (!p->store_error)
		p->store_error = xstrdup(msg);
	pthread_mutex_unlock(&p->lock);
}

/* Extracts unit i (or loads it from the cache) into tu; returns its status and, for a
 * failure, why. */
static enum unit_status extract_unit(struct scan_pool *p, struct store *st, int i,
                                     struct tu_facts *tu, char **why)
{
	const struct compile_unit *u = &p->db->units[i];
	char *key = cache_probe(st, u, p->config_path);
	if (key) {             /* loaded later, and only if the analysis must run */
		tu->file = xstrdup(u->file);
		tu->cache_key = key;
		return UNIT_CACHED;
	}
	struct extract_opts eo = {
		.argv = (const char *const *)u->argv, .argc = u->argc, .directory = u->directory,
	};
	struct extract_deps deps = {0};
	enum unit_status status = UNIT_PARSED;
	if (extract_tu_deps(&eo, u->file, tu, &deps) != 0 || tu->parse_failed) {
		status = UNIT_FAILED;
		*why = xstrdup(tu->ndiagnostics ? tu->diagnostics[0] : "libclang could not parse it");
	} else if (tu->ndiagnostics) {  /* analysed, but not cached: the errors must show again */
		status = UNIT_PARTIAL;
		*why = xstrdup(tu->diagnostics[0]);
	} else if (cache_save(st, u, p->config_path, tu, &deps)) {
		set_store_error(p, store_errmsg(st));
	}
	extract_deps_free(&deps);
	return status;
}

static void process_unit(struct scan_pool *p, struct store *st, int i)
{
	struct tu_facts tu = {0};
	char *why = NULL;
	enum unit_status status = extract_unit(p, st, i, &tu, &why);
	/* Index i came from the shared counter to this worker alone: slot i has one writer.
	 * (tsafe cannot prove that an index is handed out once, hence the suppressions.) */
	p->facts[i] = tu;           /* tsafe: ignore[data-race] */
	p->status[i] = status;      /* tsafe: ignore[data-race] */
	p->why[i] = why;            /* tsafe: ignore[data-race] */
	if (status == UNIT_PARSED || status == UNIT_PARTIAL) {
		pthread_mutex_lock(&p->lock);
		header_copies_add(p->copies, i);
		pthread_mutex_unlock(&p->lock);
	}
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
	char *err = NULL;
	if (store_open(p->db_path, &st, &err)) {
		set_store_error(p, err);
		free(err);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&p->lock);
		int i = p->store_error ? p->db->n : p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->db->n)
			break;
		process_unit(p, st, i);
		pthread_mutex_lock(&p->lock);
		p->done++;
		show_progress(p, i);
		pthread_mutex_unlock(&p->lock);
	}
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
	p->copies = header_copies_new(p->facts);
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
	return p->store_error ? -1 : 0;
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
	free(p->store_error);
}
