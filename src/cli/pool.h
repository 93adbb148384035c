/* pool.h — translation units extracted in parallel by worker threads, each driving an
 * extractor process (see pool.c). */
#ifndef TSAFE_POOL_H
#define TSAFE_POOL_H

#include <pthread.h>

#include "cli.h"

enum unit_status {
	UNIT_PARSED = 1,     /* extracted now */
	UNIT_CACHED,         /* facts current in the database */
	UNIT_PARTIAL,        /* extracted, but the compiler reported errors */
	/* For these three, facts[i] has only file and cache_key: the facts are in the database,
	 * loaded only when the analysis must run. */
	UNIT_FAILED,         /* could not be analysed */
};

struct scan_pool {
	const struct compile_db *db;
	const char *db_path;
	const char *root;         /* the project root (its .tsafe.json names lock wrappers) */
	const char *config_path;  /* hashed into cache keys, or NULL */
	int jobs;
	int progress;             /* draw a progress line on stderr */

	/* Results, one slot per unit: each written only by the worker that took the unit. */
	struct tu_facts *facts;   /* file and cache_key (see above); all facts once loaded */
	enum unit_status *status;
	char **why;               /* UNIT_FAILED/PARTIAL: one line */

	/* Shared by the workers, under lock. */
	pthread_mutex_t lock;
	int next, done;
	char *fatal;              /* first failure that stops the scan: the database, or no
	                             extractor process could be started */
};

/* Finds every unit in the cache or has it extracted; returns 0, or -1 when the scan cannot
 * go on (pool->fatal says why). */
int pool_run(struct scan_pool *pool);
void pool_free(struct scan_pool *pool);

#endif
