/* connection.c — opening and closing a database, error text, the prepared-statement cache
 * and transactions.
 *
 * Threading: connections are opened SQLITE_OPEN_NOMUTEX and each struct store is used by one
 * thread at a time; parallel workers open one each. The statement cache lives in the
 * struct store, so sharing one between threads would race even with SQLite's own mutexes.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BUSY_TIMEOUT_MS = 10000 };

int store_failf(struct store *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *msg = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	/* One line, always: SQLite messages can quote multi-line SQL. */
	for (char *c = msg; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	free(s->err);
	s->err = msg;
	return -1;
}

int store_fail(struct store *s, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);
	const char *hint = "";
	if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
		hint = " (another process held the database for over 10 s; retry, or pass --db PATH)";
	else if ((code & 0xff) == SQLITE_FULL)
		hint = " (free some disk space)";
	else if ((code & 0xff) == SQLITE_READONLY)
		hint = " (make the database and its directory writable, or pass --db PATH)";
	return store_failf(s, "database '%s': %s: %s%s", s->path, what,
	                   sqlite3_errmsg(s->db), hint);
}

void store_clear_error(struct store *s)
{
	free(s->err);
	s->err = NULL;
}

const char *store_errmsg(struct store *s)
{
	return s && s->err ? s->err : "";
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql)
{
	for (int i = 0; i < s->nstmts; i++) {
		if (s->stmts[i].sql == sql) {
			sqlite3_stmt *st = s->stmts[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		store_fail(s, "preparing a query");
		return NULL;
	}
	grow_array((void **)&s->stmts, &s->stmts_cap, s->nstmts, sizeof *s->stmts);
	s->stmts[s->nstmts++] = (struct cached_stmt){.sql = sql, .stmt = st};
	return st;
}

void store_stmts_finalize(struct store *s)
{
	for (int i = 0; i < s->nstmts; i++)
		sqlite3_finalize(s->stmts[i].stmt);
	free(s->stmts);
	s->stmts = NULL;
	s->nstmts = s->stmts_cap = 0;
}

static void reset_all(struct store *s)
{
	for (int i = 0; i < s->nstmts; i++)
		sqlite3_reset(s->stmts[i].stmt);
}

int store_step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(s, what);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int store_exec(struct store *s, const char *sql, const char *what)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, what);
	return 0;
}

int store_begin_write(struct store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE", "starting a write transaction");
}

int store_begin_read(struct store *s)
{
	return store_exec(s, "BEGIN", "starting a read transaction");
}

int store_commit(struct store *s)
{
	reset_all(s);
	if (store_exec(s, "COMMIT", "committing") == 0)
		return 0;
	store_rollback(s);
	return -1;
}

void store_rollback(struct store *s)
{
	reset_all(s);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

char *col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? xstrndup((const char *)t, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

/* Runs a journal_mode pragma; the resulting mode goes to mode[]. */
static int journal_mode(struct store *s, const char *sql, char mode[16])
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(mode, 16, "%s", (const char *)sqlite3_column_text(st, 0));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* journal_mode=WAL persists in the file, so it is set once, by whichever connection comes
 * first. The switch needs the database to itself and SQLite does not run the busy handler
 * for it: when another process is reading or switching, wait and look again. */
static int use_wal(struct store *s)
{
	char mode[16] = "";
	for (int waited = 0;; waited += 10) {
		int rc = journal_mode(s, "PRAGMA journal_mode", mode);
		if (rc == SQLITE_OK && (str_eq(mode, "wal") || str_eq(mode, "memory")))
			return 0;
		if (rc == SQLITE_OK)
			rc = journal_mode(s, "PRAGMA journal_mode=WAL", mode);
		if (rc == SQLITE_OK && str_eq(mode, "wal"))
			return 0;
		if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
			return store_fail(s, "switching to WAL journal mode");
		if (waited >= BUSY_TIMEOUT_MS)
			return store_failf(s, "database '%s': could not switch to WAL journal "
			                   "mode for 10 s (journal mode '%s'; another process keeps "
			                   "it busy: retry, or pass --db PATH)", s->path, mode);
		sqlite3_sleep(10);
	}
}

static int configure(struct store *s)
{
	if (use_wal(s))
		return -1;
	return store_exec(s, "PRAGMA synchronous=NORMAL", "setting synchronous=NORMAL");
}

static int open_failed(struct store *s, char **err)
{
	*err = xstrdup(s->err ? s->err : "cannot open database");
	store_close(s);
	return -1;
}

int store_open(const char *path, struct store **out, char **err)
{
	*out = NULL;
	*err = NULL;
	struct store *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	if (!sqlite3_threadsafe()) {
		store_failf(s, "cannot open database '%s': this SQLite library was built "
		            "without thread support (install a standard libsqlite3)", path);
		return open_failed(s, err);
	}
	if (!*path) {    /* SQLite would open a private temporary file: everything stored lost */
		store_failf(s, "the database path is empty: pass --db PATH (default ./tsafe.db)");
		return open_failed(s, err);
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		store_failf(s, "cannot open database '%s': %s (check that the directory "
		            "exists and is writable, or pass --db PATH)", path,
		            s->db ? sqlite3_errmsg(s->db) : "out of memory");
		return open_failed(s, err);
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	/* Check before any write: a foreign or newer file must stay untouched. */
	if (schema_check(s) || configure(s) || schema_migrate(s))
		return open_failed(s, err);
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	store_stmts_finalize(s);
	if (s->db)
		sqlite3_close(s->db);
	free(s->path);
	free(s->err);
	free(s);
}
