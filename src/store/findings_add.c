/* findings_add.c — recording what a run found: one row per fingerprint across all runs and
 * engines, one evidence row per (run, engine) that saw it.
 *
 * The newest run's word counts for a finding's message, suppression and locations, with one
 * exception: a finding both the static pass and a dynamic engine saw keeps the best of each.
 * The static pass describes the accesses (message, column, the thread by name, the locks
 * held), a dynamic engine knows the stacks that really ran: a dynamic run keeps the stored
 * description and adds its stacks (and locations of its own, such as where a heap block was
 * allocated), and a static run keeps the stored stacks of the locations it describes. */
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
static const char sql_has_engine[] =
	"SELECT EXISTS (SELECT 1 FROM evidence WHERE finding_id = ?1"
	" AND (engine = 'static') = ?2)";
static const char sql_keep_message[] =
	"UPDATE findings SET suppressed = ?2, suppress_reason = ?3, benign = ?4 WHERE id = ?1";
static const char sql_loc_stack[] =
	"SELECT stack FROM locations WHERE finding_id = ?1 AND file IS ?2 AND line = ?3"
	" AND func IS ?4";
static const char sql_set_stack[] =
	"UPDATE locations SET stack = coalesce(?5, stack), thread = coalesce(thread, ?6)"
	" WHERE finding_id = ?1 AND file IS ?2 AND line = ?3 AND func IS ?4";
static const char sql_next_idx[] =
	"SELECT coalesce(max(idx) + 1, 0) FROM locations WHERE finding_id = ?1";
static const char sql_tally[] =
	"UPDATE findings SET"
	" times_seen = (SELECT count(DISTINCT run_id) FROM evidence WHERE finding_id = ?1),"
	" confirmed = EXISTS (SELECT 1 FROM evidence WHERE finding_id = ?1 AND engine = 'static')"
	"  AND EXISTS (SELECT 1 FROM evidence WHERE finding_id = ?1"
	"   AND engine IN ('runtime', 'helgrind', 'drd', 'watch'))"
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
		store_failf(s, "database '%s': there is no run %ld to add findings to "
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

/* Inserts l at idx; its stack is `kept` when not NULL (a stored one), else its own. */
static int save_location(struct store *s, sqlite3_int64 id, int idx, const struct location *l,
                         const char *kept)
{
	sqlite3_stmt *st = store_stmt(s, sql_ins_location);
	if (!st)
		return -1;
	char *stack = kept ? xstrdup(kept) : codec_put_stack(l);
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

/* Whether finding id has evidence from the static pass (is_static 1) or from a dynamic
 * engine (0): 1, 0, or -1 on error. */
static int has_engine(struct store *s, sqlite3_int64 id, int is_static)
{
	sqlite3_stmt *st = store_stmt(s, sql_has_engine);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, is_static);
	int rc = sqlite3_step(st);
	int yes = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	return yes < 0 ? store_fail(s, "looking up a finding's engines") : yes;
}

static void bind_site(sqlite3_stmt *st, sqlite3_int64 id, const struct location *l)
{
	sqlite3_bind_int64(st, 1, id);
	bind_str(st, 2, l->file);
	sqlite3_bind_int(st, 3, l->line);
	bind_str(st, 4, l->func);
}

/* The stored stack of the location at l's site (caller frees), NULL when none; -1 on error. */
static int stored_stack(struct store *s, sqlite3_int64 id, const struct location *l, char **out)
{
	sqlite3_stmt *st = store_stmt(s, sql_loc_stack);
	if (!st)
		return -1;
	bind_site(st, id, l);
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? col_str(st, 0) : NULL;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, "reading a stored stack");
}

/* Replaces the locations with f's; with keep_stacks, a location at a stored one's site keeps
 * that stack (a dynamic engine's). */
static int replace_locations(struct store *s, sqlite3_int64 id, const struct finding *f,
                             int keep_stacks)
{
	char **kept = xcalloc((size_t)f->nlocs + 1, sizeof *kept);
	int rc = 0;
	for (int i = 0; keep_stacks && rc == 0 && i < f->nlocs; i++)
		rc = stored_stack(s, id, &f->locs[i], &kept[i]);
	if (rc == 0)
		rc = bind_and_step(s, sql_del_locations, id, 0, "replacing a finding's locations");
	for (int i = 0; rc == 0 && i < f->nlocs; i++)
		rc = save_location(s, id, i, &f->locs[i], kept[i]);
	for (int i = 0; i < f->nlocs; i++)
		free(kept[i]);
	free(kept);
	return rc;
}

/* A dynamic run of a finding the static pass described: each location at a stored site
 * gives it its stack (and its thread when it had none); the others are appended. */
static int add_stacks(struct store *s, sqlite3_int64 id, const struct finding *f)
{
	for (int i = 0; i < f->nlocs; i++) {
		const struct location *l = &f->locs[i];
		sqlite3_stmt *st = store_stmt(s, sql_set_stack);
		if (!st)
			return -1;
		bind_site(st, id, l);
		char *stack = codec_put_stack(l);
		bind_str(st, 5, stack);
		bind_str(st, 6, l->thread);
		int rc = store_step_done(s, st, "adding a stack to a finding");
		free(stack);
		if (rc)
			return -1;
		if (sqlite3_changes(s->db) > 0)
			continue;
		if (!(st = store_stmt(s, sql_next_idx)))
			return -1;
		sqlite3_bind_int64(st, 1, id);
		int idx = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		sqlite3_reset(st);
		if (idx < 0)
			return store_fail(s, "numbering a finding's locations");
		if (save_location(s, id, idx, l, NULL))
			return -1;
	}
	return 0;
}

/* Message, severity, suppression and locations: the newest run's word counts, but a
 * finding seen by the static pass and a dynamic engine keeps the best of each (see top). */
static int save_newest(struct store *s, sqlite3_int64 id, const struct finding *f,
                       const char *engine, int is_new)
{
	int is_static = str_eq(engine, "static");
	int other = is_new ? 0 : has_engine(s, id, !is_static);
	if (other < 0)
		return -1;
	sqlite3_stmt *st = store_stmt(s, other && !is_static ? sql_keep_message : sql_newest);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (other && !is_static) {
		sqlite3_bind_int(st, 2, f->suppressed);
		bind_str(st, 3, f->suppress_reason);
		sqlite3_bind_int(st, 4, f->benign);
	} else {
		bind_str(st, 2, f->severity);
		bind_str(st, 3, f->message);
		sqlite3_bind_int(st, 4, f->suppressed);
		bind_str(st, 5, f->suppress_reason);
		sqlite3_bind_int(st, 6, f->benign);
	}
	if (store_step_done(s, st, "updating a finding"))
		return -1;
	return other && !is_static ? add_stacks(s, id, f) : replace_locations(s, id, f, other);
}

/* The finding's id (new or existing) and whether `run` is its newest run so far; the
 * newest run's fields are written by save_newest(). */
static int upsert(struct store *s, long run, const struct finding *f, sqlite3_int64 *id,
                  int *newest, int *is_new)
{
	sqlite3_stmt *st = store_stmt(s, sql_find);
	if (!st)
		return -1;
	bind_str(st, 1, f->fingerprint);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*newest = run >= sqlite3_column_int64(st, 1);
		*is_new = 0;
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
	*newest = *is_new = 1;
	return rc == SQLITE_ROW ? 0 : store_fail(s, "saving a finding");
}

static int add_one(struct store *s, long run, const char *run_eng, const struct finding *f)
{
	if (!f->fingerprint || !f->rule)
		return store_failf(s, "database '%s': a finding without %s cannot be stored "
		                   "(call finding_fingerprint() first; this is a bug in the caller)",
		                   s->path, f->rule ? "a fingerprint" : "a rule");
	sqlite3_int64 id = 0;
	int newest = 0, is_new = 0;
	const char *engine = f->engine ? f->engine : run_eng;
	if (upsert(s, run, f, &id, &newest, &is_new) ||
	    (newest && save_newest(s, id, f, engine, is_new)))
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_evidence);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, run);
	bind_str(st, 3, engine);
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
