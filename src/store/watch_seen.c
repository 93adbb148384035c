/* watch_seen.c — the watch engine's "watched, not seen racing": a `tsafe run` that
 * watched a static data-race finding's object and never saw two threads race on it
 * records what it observed (accesses at the finding's sites, threads, seconds watched).
 * The finding stays (a run sees only what it runs); loading findings attaches the newest
 * observation so that every report shows it beside the finding. A finding the watch
 * engine confirmed in some run shows no such note. */
#include "internal.h"

#include <string.h>

static const char sql_add[] =
	"INSERT OR REPLACE INTO watch_seen (finding_id, run_id, accesses, threads, watched_ms)"
	" SELECT id, ?2, ?3, ?4, ?5 FROM findings WHERE fingerprint = ?1";
static const char sql_newest[] =
	"SELECT run_id, accesses, threads, watched_ms FROM watch_seen WHERE finding_id = ?1"
	" ORDER BY run_id DESC LIMIT 1";

int store_watch_seen_add(struct store *s, long run, const struct watch_seen *w, int n)
{
	if (n <= 0)
		return 0;
	if (store_begin_write(s))
		return -1;
	for (int i = 0; i < n; i++) {
		sqlite3_stmt *st = store_stmt(s, sql_add);
		if (!st) {
			store_rollback(s);
			return -1;
		}
		bind_str(st, 1, w[i].fingerprint);
		sqlite3_bind_int64(st, 2, run);
		sqlite3_bind_int64(st, 3, w[i].accesses);
		sqlite3_bind_int(st, 4, w[i].threads);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)(w[i].seconds * 1000.0 + 0.5));
		if (store_step_done(s, st, "recording what the watch engine saw")) {
			store_rollback(s);
			return -1;
		}
	}
	return store_commit(s);
}

int store_watch_seen_attach(struct store *s, struct finding *f)
{
	if (!str_eq(f->rule, "data-race") || (f->engines && strstr(f->engines, "watch")))
		return 0;
	sqlite3_stmt *st = store_stmt(s, sql_newest);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, f->id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		f->watch_run = (long)sqlite3_column_int64(st, 0);
		f->watch_accesses = (long)sqlite3_column_int64(st, 1);
		f->watch_threads = sqlite3_column_int(st, 2);
		f->watch_seconds = (double)sqlite3_column_int64(st, 3) / 1000.0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
	     : store_fail(s, "loading what the watch engine saw of a finding");
}
