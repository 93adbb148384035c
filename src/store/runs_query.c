/* runs_query.c — the latest and previous run of each (engine, scope). */
#include "internal.h"
#include "runs_query.h"

#include <stdlib.h>

static const char sql_pairs[] =
	"WITH done AS ("
	"  SELECT r.id, r.engine, r.scope, row_number() OVER"
	"    (PARTITION BY r.engine, r.scope ORDER BY r.id DESC) AS rn"
	"  FROM runs r"
	"  WHERE r.ended IS NOT NULL OR EXISTS (SELECT 1 FROM evidence e WHERE e.run_id = r.id))"
	" SELECT engine, scope, max(CASE WHEN rn = 1 THEN id END),"
	"  coalesce(max(CASE WHEN rn = 2 THEN id END), 0)"
	" FROM done WHERE rn <= 2 GROUP BY engine, scope ORDER BY 3 DESC";

int store_run_pairs(struct store *s, struct run_pair **out, int *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql_pairs);
	if (!st)
		return -1;
	int cap = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		grow_array((void **)out, &cap, *n, sizeof **out);
		struct run_pair *p = &(*out)[(*n)++];
		p->engine = col_str(st, 0);
		p->scope = col_str(st, 1);
		p->latest = (long)sqlite3_column_int64(st, 2);
		p->previous = (long)sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	run_pairs_free(*out, *n);
	*out = NULL;
	*n = 0;
	return store_fail(s, "looking up the previous runs");
}

void run_pairs_free(struct run_pair *p, int n)
{
	for (int i = 0; i < n; i++) {
		free(p[i].engine);
		free(p[i].scope);
	}
	free(p);
}
