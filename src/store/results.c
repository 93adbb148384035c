/* results.c — the whole-program analysis results cache: which run's findings came from
 * exactly these inputs. `tsafe scan` hashes everything the analysis reads (every unit's
 * facts-cache key, the options) into one key; a later scan with the same key takes that
 * run's findings instead of analysing again. */
#include "internal.h"

static const char sql_get[] =
	"SELECT c.run_id, c.programs, c.threads, c.truncated FROM analysis_cache c"
	" JOIN runs r ON r.id = c.run_id"
	" WHERE c.key = ?1 AND r.ended IS NOT NULL";
static const char sql_put[] =
	"INSERT INTO analysis_cache (key, run_id, programs, threads, truncated)"
	" VALUES (?1, ?2, ?3, ?4, ?5)"
	" ON CONFLICT (key) DO UPDATE SET run_id = excluded.run_id, programs = excluded.programs,"
	" threads = excluded.threads, truncated = excluded.truncated";

int store_results_get(struct store *s, const char *key, struct stored_results *out)
{
	store_clear_error(s);
	sqlite3_stmt *st = store_stmt(s, sql_get);
	if (!st)
		return -1;
	bind_str(st, 1, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->run = sqlite3_column_int64(st, 0);
		out->programs = sqlite3_column_int(st, 1);
		out->threads = sqlite3_column_int(st, 2);
		out->truncated = sqlite3_column_int(st, 3);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_fail(s, "reading the analysis cache");
}

int store_results_put(struct store *s, const char *key, const struct stored_results *r)
{
	if (store_begin_write(s))
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_put);
	if (!st) {
		store_rollback(s);
		return -1;
	}
	bind_str(st, 1, key);
	sqlite3_bind_int64(st, 2, r->run);
	sqlite3_bind_int(st, 3, r->programs);
	sqlite3_bind_int(st, 4, r->threads);
	sqlite3_bind_int(st, 5, r->truncated);
	if (store_step_done(s, st, "saving the analysis cache")) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}
