/* findings_add.c — recording what a run found: one row per fingerprint across all runs and
 * engines, one evidence row per (run, engine) that saw it. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

static const char sql_run_engine[] = "SELECT engine FROM runs WHERE id = ?1";
static const char sql_find[] = "SELECT id, last_run FROM findings WHERE fingerprint = ?1";
static const char sql_insert[] =
	"INSERT INTO findings (fingerprint, rule, symbol, first_run, last_run)"
	" VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id";
static const char sql_seen[] =
	"UPDATE findings SET first_run = min(first_run, ?2), last_run = max(last_run, ?2)"
	" WHERE id = ?1";
static const char sql_newest[] =
	"UPDATE findings SET severity = ?2, message = ?3, suppressed = ?4, suppress_reason = ?5,"
	" benign = ?6 WHERE id = ?1";
static const char sql_evidence[] =
	"INSERT OR IGNORE INTO evidence (finding_id, run_id, engine) VALUES (?1, ?2, ?3)";
static const char sql_del_locations[] = "DELETE FROM locations WHERE finding_id = ?1";
static const char sql_ins_location[] =
	"INSERT INTO locations (finding_id, idx, file, line, col, func, message, thread, locks,"
	" stack) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_tally[] =
	"UPDATE findings SET"
	" times_seen = (SELECT count(DISTINCT run_id) FROM evidence WHERE finding_id = ?1),"
	" confirmed = EXISTS (SELECT 1 FROM evidence WHERE finding_id = ?1 AND engine = 'static')"
	"  AND EXISTS (SELECT 1 FROM evidence WHERE finding_id = ?1"
	"   AND engine IN ('runtime', 'helgrind', 'drd'))"
	" WHERE id = ?1";

static char *run_engine(struct store *s, long run)
{
	sqlite3_stmt *st = store_stmt(s, sql_run_engine);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, run);
	char *engine = NULL;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		engine = col_str(st, 0);
	else if (rc == SQLITE_DONE)
		store_failf(s, "tsafe: database '%s': there is no run %ld to add findings to "
		            "(this is a bug in the caller)", s->path, run);
	else
		store_fail(s, "looking up a run");
	sqlite3_reset(st);
	return engine;
}

static int bind_and_step(struct store *s, const char *sql, sqlite3_int64 id, long run,
                         const char *what)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (run)
		sqlite3_bind_int64(st, 2, run);
	return store_step_done(s, st, what);
}

static char *encode_stack(const struct location *loc)
{
	if (loc->nstack == 0)
		return NULL;
	struct strbuf sb;
	sb_init(&sb);
	for (int i = 0; i < loc->nstack; i++) {
		char line[16];
		snprintf(line, sizeof line, "%d", loc->stack[i].line);
		codec_put(&sb, loc->stack[i].func, '\t');
		codec_put(&sb, loc->stack[i].file, '\t');
		codec_put(&sb, line, '\n');
	}
	return sb_detach(&sb);
}

static int save_location(struct store *s, sqlite3_int64 id, int idx, const struct location *l)
{
	sqlite3_stmt *st = store_stmt(s, sql_ins_location);
	if (!st)
		return -1;
	char *stack = encode_stack(l);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, idx);
	bind_str(st, 3, l->file);
	sqlite3_bind_int(st, 4, l->line);
	sqlite3_bind_int(st, 5, l->col);
	bind_str(st, 6, l->func);
	bind_str(st, 7, l->message);
	bind_str(st, 8, l->thread);
	bind_str(st, 9, l->locks);
	bind_str(st, 10, stack);
	int rc = store_step_done(s, st, "saving a finding's location");
	free(stack);
	return rc;
}

/* Message, severity, suppression and locations: the newest run's word counts. */
static int save_newest(struct store *s, sqlite3_int64 id, const struct finding *f)
{
	sqlite3_stmt *st = store_stmt(s, sql_newest);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	bind_str(st, 2, f->severity);
	bind_str(st, 3, f->message);
	sqlite3_bind_int(st, 4, f->suppressed);
	bind_str(st, 5, f->suppress_reason);
	sqlite3_bind_int(st, 6, f->benign);
	if (store_step_done(s, st, "updating a finding") ||
	    bind_and_step(s, sql_del_locations, id, 0, "replacing a finding's locations"))
		return -1;
	for (int i = 0; i < f->nlocs; i++)
		if (save_location(s, id, i, &f->locs[i]))
			return -1;
	return 0;
}

/* The finding's id (new or existing) and whether `run` is its newest run so far; the
 * newest run's fields are written by save_newest(). */
static int upsert(struct store *s, long run, const struct finding *f, sqlite3_int64 *id,
                  int *newest)
{
	sqlite3_stmt *st = store_stmt(s, sql_find);
	if (!st)
		return -1;
	bind_str(st, 1, f->fingerprint);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*newest = run >= sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
		return bind_and_step(s, sql_seen, *id, run, "updating a finding");
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "looking up a finding");
	if (!(st = store_stmt(s, sql_insert)))
		return -1;
	bind_str(st, 1, f->fingerprint);
	bind_str(st, 2, f->rule);
	bind_str(st, 3, f->symbol);
	sqlite3_bind_int64(st, 4, run);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	*newest = 1;
	return rc == SQLITE_ROW ? 0 : store_fail(s, "saving a finding");
}

static int add_one(struct store *s, long run, const char *run_eng, const struct finding *f)
{
	if (!f->fingerprint || !f->rule)
		return store_failf(s, "tsafe: database '%s': a finding without %s cannot be stored "
		                   "(call finding_fingerprint() first; this is a bug in the caller)",
		                   s->path, f->rule ? "a fingerprint" : "a rule");
	sqlite3_int64 id = 0;
	int newest = 0;
	if (upsert(s, run, f, &id, &newest) || (newest && save_newest(s, id, f)))
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_evidence);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, run);
	bind_str(st, 3, f->engine ? f->engine : run_eng);
	if (store_step_done(s, st, "recording evidence"))
		return -1;
	return bind_and_step(s, sql_tally, id, 0, "counting a finding's evidence");
}

int store_findings_add(struct store *s, long run, const struct finding *f, int n)
{
	if (store_begin_write(s))
		return -1;
	char *engine = run_engine(s, run);
	int rc = engine ? 0 : -1;
	for (int i = 0; rc == 0 && i < n; i++)
		rc = add_one(s, run, engine, &f[i]);
	free(engine);
	if (rc) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}
