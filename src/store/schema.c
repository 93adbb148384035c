/* schema.c — the database schema, its version (PRAGMA user_version) and its migrations.
 *
 * Tables (version 1):
 *
 *   runs       one row per `tsafe scan` / `tsafe run`: engine (static|runtime|helgrind|drd),
 *              scope (project root of a scan, command of a run), root, command, started and
 *              ended (UTC, ISO 8601; ended NULL while running or after a crash),
 *              exit_status, tsafe_version. "Current" findings are computed per
 *              (engine, scope): index runs_engine_scope.
 *
 *   tus        one row per translation unit, keyed by its canonical main file (UNIQUE; the
 *              integer id keeps the long path out of the fact rows). cache_key is NULL when
 *              only meta was ever set. diagnostics: codec list (see codec.c).
 *   functions  (tu_id, idx) -> one struct function; order_types is a codec list.
 *   blocks     (tu_id, fn, idx) -> succs, space-separated block indices.
 *   events     (tu_id, fn, block, idx) -> one struct event flattened: kind and lock_kind by
 *              their stable names (ev_kind_name/lock_kind_name; lock_kind NULL when 0),
 *              args as a codec list of "path TAB lock_class LF" (NULL when no argument).
 *              The three fact tables are WITHOUT ROWID on those keys: replacing a TU is a
 *              range delete and loading it a range scan, already in order.
 *
 *   findings   one row per fingerprint (UNIQUE): rule, severity, message, symbol,
 *              suppressed, suppress_reason as last reported by the newest run that saw it;
 *              first_run/last_run (run ids), times_seen (number of runs with evidence),
 *              confirmed (evidence from "static" and from runtime|helgrind|drd|watch).
 *   locations  (finding_id, idx) -> one struct location; idx 0 is the primary one. stack is
 *              a codec list of "func TAB file TAB line LF" frames, innermost first.
 *   evidence   (finding_id, run_id, engine): which engine saw the finding in which run.
 *              evidence_run serves "findings of run N" and "current findings".
 *
 * Added in version 2:
 *
 *   lock_edges (run_id, from_class, to_class) -> one lock-order edge a runtime run saw,
 *              with both acquisition sites and stacks (edges.c).
 *
 * Added in version 3:
 *
 *   analysis_cache  key -> the static run whose findings the whole-program analysis of
 *              inputs hashed to key produced, and its statistics (results.c).
 *
 * Added in version 4:
 *
 *   findings.benign  1 when the newest run that saw the finding marked it a dynamic
 *              engine's likely false alarm (it is then also suppressed, with the reason).
 *
 * Added in version 5:
 *
 *   events_access_line, events_access_path, events_call_callee  partial indexes for the
 *              fact queries of the Valgrind engines (accesses.c): the accesses at a line,
 *              the accesses of an object, the direct calls of a function. Without them each
 *              query scans every event of every stored unit.
 *
 * Added in version 6:
 *
 *   watch_seen (finding_id, run_id) -> what a `tsafe run` whose watch engine watched the
 *              object of a static data-race finding and never saw it race observed:
 *              accesses at the finding's sites, distinct threads, milliseconds watched
 *              (watch_seen.c). The finding is kept; reports show the newest row.
 *
 * Added in version 7:
 *
 *   analysis_cache.truncated  1 when the analysis those findings came from reached its
 *              work budget (deterministic: the same inputs are cut the same way), so a
 *              re-scan that reuses it says so as the analysis did.
 *
 * Migrations: migrations[i] takes a database from version i to i+1 (version 0 = empty).
 * To change the schema append a step; never edit a released one. A database whose version
 * is newer than this tsafe's is refused, untouched.
 */
#include "internal.h"

#include <stdlib.h>

static const char *const migrations[] = {
	/* 0 -> 1: the initial schema. */
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  engine TEXT NOT NULL,"
	"  scope TEXT NOT NULL,"
	"  root TEXT,"
	"  command TEXT,"
	"  started TEXT NOT NULL,"
	"  ended TEXT,"
	"  exit_status INTEGER,"
	"  tsafe_version TEXT NOT NULL);"
	"CREATE INDEX runs_engine_scope ON runs(engine, scope, id);"

	"CREATE TABLE tus ("
	"  id INTEGER PRIMARY KEY,"
	"  file TEXT NOT NULL UNIQUE,"
	"  cache_key TEXT,"
	"  meta TEXT,"
	"  parsed_at TEXT,"
	"  parse_failed INTEGER NOT NULL DEFAULT 0,"
	"  diagnostics TEXT);"
	"CREATE TABLE functions ("
	"  tu_id INTEGER NOT NULL, idx INTEGER NOT NULL,"
	"  usr TEXT, name TEXT, file TEXT,"
	"  line INTEGER NOT NULL, end_line INTEGER NOT NULL,"
	"  flags INTEGER NOT NULL, nparams INTEGER NOT NULL,"
	"  order_types TEXT,"
	"  PRIMARY KEY (tu_id, idx)) WITHOUT ROWID;"
	"CREATE TABLE blocks ("
	"  tu_id INTEGER NOT NULL, fn INTEGER NOT NULL, idx INTEGER NOT NULL,"
	"  succs TEXT NOT NULL,"
	"  PRIMARY KEY (tu_id, fn, idx)) WITHOUT ROWID;"
	"CREATE TABLE events ("
	"  tu_id INTEGER NOT NULL, fn INTEGER NOT NULL, block INTEGER NOT NULL,"
	"  idx INTEGER NOT NULL,"
	"  kind TEXT NOT NULL, flags INTEGER NOT NULL,"
	"  line INTEGER NOT NULL, col INTEGER NOT NULL, pos INTEGER NOT NULL,"
	"  loop_lo INTEGER NOT NULL, loop_hi INTEGER NOT NULL,"
	"  path TEXT, name TEXT, type TEXT, lock_class TEXT, lock_kind TEXT,"
	"  api TEXT, callee TEXT, arg TEXT, args TEXT,"
	"  PRIMARY KEY (tu_id, fn, block, idx)) WITHOUT ROWID;"

	"CREATE TABLE findings ("
	"  id INTEGER PRIMARY KEY,"
	"  fingerprint TEXT NOT NULL UNIQUE,"
	"  rule TEXT NOT NULL,"
	"  severity TEXT,"
	"  message TEXT,"
	"  symbol TEXT,"
	"  first_run INTEGER NOT NULL,"
	"  last_run INTEGER NOT NULL,"
	"  times_seen INTEGER NOT NULL DEFAULT 0,"
	"  suppressed INTEGER NOT NULL DEFAULT 0,"
	"  suppress_reason TEXT,"
	"  confirmed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX findings_rule ON findings(rule);"
	"CREATE TABLE locations ("
	"  finding_id INTEGER NOT NULL, idx INTEGER NOT NULL,"
	"  file TEXT, line INTEGER NOT NULL, col INTEGER NOT NULL,"
	"  func TEXT, message TEXT, thread TEXT, locks TEXT, stack TEXT,"
	"  PRIMARY KEY (finding_id, idx)) WITHOUT ROWID;"
	"CREATE TABLE evidence ("
	"  finding_id INTEGER NOT NULL, run_id INTEGER NOT NULL, engine TEXT NOT NULL,"
	"  PRIMARY KEY (finding_id, run_id, engine)) WITHOUT ROWID;"
	"CREATE INDEX evidence_run ON evidence(run_id);",

	/* 1 -> 2: lock-order edges of runtime runs, by lock class (cross-run prediction).
	 * IF NOT EXISTS: databases of early builds created this table on first use. */
	"CREATE TABLE IF NOT EXISTS lock_edges ("
	"  run_id INTEGER NOT NULL, from_class TEXT NOT NULL, to_class TEXT NOT NULL,"
	"  flags INTEGER NOT NULL, threads INTEGER NOT NULL, thread_key TEXT, gates TEXT,"
	"  inner_file TEXT, inner_line INTEGER NOT NULL, inner_func TEXT, inner_message TEXT,"
	"  inner_thread TEXT, inner_locks TEXT, inner_stack TEXT,"
	"  outer_file TEXT, outer_line INTEGER NOT NULL, outer_func TEXT, outer_stack TEXT,"
	"  PRIMARY KEY (run_id, from_class, to_class)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS lock_edges_classes ON lock_edges(from_class, to_class);",

	/* 2 -> 3: whole-program analysis results by the key of their inputs. */
	"CREATE TABLE analysis_cache ("
	"  key TEXT PRIMARY KEY, run_id INTEGER NOT NULL,"
	"  programs INTEGER NOT NULL, threads INTEGER NOT NULL) WITHOUT ROWID;",

	/* 3 -> 4: likely-benign races of the Valgrind engines. */
	"ALTER TABLE findings ADD COLUMN benign INTEGER NOT NULL DEFAULT 0;",

	/* 4 -> 5: indexes for the fact queries of accesses.c (partial: only the event kinds
	 * they read, so a scan stores little more). */
	"CREATE INDEX events_access_line ON events(line) WHERE kind = 'access';"
	"CREATE INDEX events_access_path ON events(path) WHERE kind = 'access';"
	"CREATE INDEX events_call_callee ON events(callee) WHERE kind = 'call';",

	/* 5 -> 6: the watch engine's "watched, not seen racing" observations. */
	"CREATE TABLE watch_seen ("
	"  finding_id INTEGER NOT NULL, run_id INTEGER NOT NULL,"
	"  accesses INTEGER NOT NULL, threads INTEGER NOT NULL, watched_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (finding_id, run_id)) WITHOUT ROWID;",

	/* 6 -> 7: whether a cached analysis was cut by its work budget. */
	"ALTER TABLE analysis_cache ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;",
};

#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

int store_schema_version(void)
{
	return SCHEMA_VERSION;
}

/* PRAGMA user_version, or -1. The first read of the file: a file that is not a database
 * fails here, before anything was written to it. */
static int read_version(struct store *s, int *version)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (rc == SQLITE_ROW)
		return 0;
	if ((sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_NOTADB)
		return store_failf(s, "cannot use '%s': the file is not an SQLite database "
		                   "(it was left untouched; pass --db PATH to use another file)",
		                   s->path);
	return store_failf(s, "cannot open database '%s': %s (check that the file is "
	                   "readable and its directory writable, or pass --db PATH)",
	                   s->path, sqlite3_errmsg(s->db));
}

static int has_tables(struct store *s, int *yes)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_schema", -1, &st,
	                       NULL) != SQLITE_OK)
		return store_fail(s, "reading the schema");
	int rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "reading the schema");
}

/* Whether a database at `version` can be used (and migrated) by this tsafe. */
static int usable(struct store *s, int version)
{
	if (version > SCHEMA_VERSION)
		return store_failf(s, "database '%s' was written by a newer tsafe (schema %d, "
		                   "this tsafe knows up to %d): upgrade tsafe, or pass --db PATH to "
		                   "use another database", s->path, version, SCHEMA_VERSION);
	if (version > 0)
		return 0;
	int tables;
	if (has_tables(s, &tables))
		return -1;
	if (tables)
		return store_failf(s, "'%s' is an SQLite database but not a tsafe one (it "
		                   "was left untouched; pass --db PATH to use another file)", s->path);
	return 0;
}

int schema_check(struct store *s)
{
	/* One snapshot: another process may be creating the schema meanwhile, and its tables
	 * without its user_version would look like someone else's database. */
	if (store_begin_read(s))
		return -1;
	int version = 0;
	if (read_version(s, &version) || usable(s, version)) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}

static int run_steps(struct store *s, int from)
{
	for (int v = from; v < SCHEMA_VERSION; v++) {
		char *what = xasprintf("migrating the schema from version %d to %d", v, v + 1);
		int rc = store_exec(s, migrations[v], what);
		free(what);
		if (rc)
			return -1;
	}
	char *sql = xasprintf("PRAGMA user_version = %d", SCHEMA_VERSION);
	int rc = store_exec(s, sql, "recording the schema version");
	free(sql);
	return rc;
}

int schema_migrate(struct store *s)
{
	int version = 0;
	if (read_version(s, &version))
		return -1;
	if (version == SCHEMA_VERSION)
		return 0;
	if (store_begin_write(s))
		return -1;
	/* Another process may have migrated while we waited for the write lock. */
	if (read_version(s, &version) || usable(s, version) ||
	    (version < SCHEMA_VERSION && run_steps(s, version))) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}
