/* runs.c — one row per `tsafe scan` or `tsafe run`: what ran, on what, when, how it ended. */
#include "internal.h"

static const char sql_begin[] =
	"INSERT INTO runs (engine, scope, root, command, started, tsafe_version)"
	" VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?5) RETURNING id";
static const char sql_end[] =
	"UPDATE runs SET ended = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), exit_status = ?2"
	" WHERE id = ?1";
static const char sql_latest[] =
	"SELECT max(id) FROM runs WHERE ?1 IS NULL OR engine = ?1";

long store_run_begin(struct store *s, const char *engine, const char *scope, const char *root,
                     const char *command)
{
	if (!engine || !scope)
		return store_failf(s, "database '%s': a run needs an engine and a scope "
		                   "(this is a bug in the caller)", s->path);
	if (store_begin_write(s))
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_begin);
	long id = -1;
	if (st) {
		bind_str(st, 1, engine);
		bind_str(st, 2, scope);
		bind_str(st, 3, root);
		bind_str(st, 4, command);
		bind_str(st, 5, TSAFE_VERSION);
		if (sqlite3_step(st) == SQLITE_ROW)
			id = (long)sqlite3_column_int64(st, 0);
		else
			store_fail(s, "recording a new run");
	}
	if (id < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s) ? -1 : id;
}

int store_run_end(struct store *s, long run, int exit_status)
{
	if (store_begin_write(s))
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_end);
	int rc = -1;
	if (st) {
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int(st, 2, exit_status);
		rc = store_step_done(s, st, "recording the end of a run");
		if (rc == 0 && sqlite3_changes(s->db) != 1)
			rc = store_failf(s, "database '%s': there is no run %ld to end "
			                 "(this is a bug in the caller)", s->path, run);
	}
	if (rc) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}

long store_latest_run(struct store *s, const char *engine)
{
	sqlite3_stmt *st = store_stmt(s, sql_latest);
	if (!st)
		return -1;
	bind_str(st, 1, engine);
	long id = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		id = (long)sqlite3_column_int64(st, 0);   /* max() of nothing is NULL: 0 */
	else
		store_fail(s, "looking up the latest run");
	sqlite3_reset(st);
	return id;
}
