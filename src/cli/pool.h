/* pool.h — translation units extracted in parallel by worker threads (see pool.c). */
#ifndef TSAFE_POOL_H
#define TSAFE_POOL_H

#include <pthread.h>

#include "analyze/analyze.h"
#include "cli.h"

enum unit_status {
	UNIT_PARSED = 1,     /* extracted now */
	UNIT_CACHED,         /* facts current in the database: file and cache_key set, not loaded */
	UNIT_PARTIAL,        /* extracted, but the compiler reported errors */
	UNIT_FAILED,         /* could not be analysed */
};

struct scan_pool {
	const struct compile_db *db;
	const char *db_path;
	const char *config_path;  /* hashed into cache keys, or NULL */
	int jobs;
	int progress;             /* draw a progress line on stderr */

	/* Results, one slot per unit: each written only by the worker that took the unit. */
	struct tu_facts *facts;
	enum unit_status *status;
	char **why;               /* UNIT_FAILED/PARTIAL: one line */

	/* Shared by the workers, under lock. */
	pthread_mutex_t lock;
	struct header_copies *copies;  /* frees header functions other units also hold; the
	                                  caller adds the cached units it loads, then finishes it */
	int next, done;
	char *store_error;        /* first store failure, fatal for the scan */
};

/* Extracts (or loads from the cache) every unit; returns 0, or -1 when the database failed
 * (pool->store_error says why). */
int pool_run(struct scan_pool *pool);
void pool_free(struct scan_pool *pool);

#endif
