/* findings_load.c — the findings a report or gate asks for, with their evidence summary.
 *
 * "Current" is decided per (engine, scope): a finding is current when some run that is the
 * latest of its (engine, scope) saw it. A run counts as the latest once it has ended or
 * recorded findings, so a crashed or still-running scan with nothing recorded hides
 * nothing, and a finished scan that no longer reports a bug drops it. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char sql_query[] =
	"WITH latest AS ("
	"  SELECT max(r.id) AS id FROM runs r"
	"  WHERE r.ended IS NOT NULL OR EXISTS (SELECT 1 FROM evidence e WHERE e.run_id = r.id)"
	"  GROUP BY r.engine, r.scope)"
	" SELECT f.id, f.fingerprint, f.rule, f.severity, f.message, f.symbol, f.first_run,"
	"  f.last_run, f.times_seen, f.suppressed, f.suppress_reason, f.confirmed,"
	"  (SELECT group_concat(engine, ',') FROM (SELECT DISTINCT engine FROM evidence"
	"    WHERE finding_id = f.id ORDER BY engine)),"
	"  (SELECT engine FROM evidence WHERE finding_id = f.id"
	"    ORDER BY run_id DESC, engine LIMIT 1),"
	"  f.benign"
	" FROM findings f"
	" WHERE (?1 = 0 OR f.id IN (SELECT finding_id FROM evidence"
	"    WHERE run_id IN (SELECT id FROM latest)))"
	"  AND (?2 IS NULL OR f.rule = ?2)"
	"  AND (?3 = 0 OR (CASE f.severity WHEN 'error' THEN 3 WHEN 'warning' THEN 2"
	"    WHEN 'note' THEN 1 ELSE 0 END) >= ?3)"
	"  AND (?4 = 0 OR f.first_run >= ?4)"
	"  AND (?5 = 0 OR EXISTS (SELECT 1 FROM evidence WHERE finding_id = f.id AND run_id = ?5))"
	" ORDER BY f.id";
static const char sql_locations[] =
	"SELECT file, line, col, func, message, thread, locks, stack FROM locations"
	" WHERE finding_id = ?1 ORDER BY idx";

static int severity_rank(const char *sev)
{
	static const char *const names[] = {"note", "warning", "error"};
	for (int i = 0; i < 3; i++)
		if (str_eq(sev, names[i]))
			return i + 1;
	return 0;
}

static int load_locations(struct store *s, struct finding *f)
{
	sqlite3_stmt *st = store_stmt(s, sql_locations);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, f->id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct location *l = finding_add_loc(f);
		l->file = col_str(st, 0);
		l->line = sqlite3_column_int(st, 1);
		l->col = sqlite3_column_int(st, 2);
		l->func = col_str(st, 3);
		l->message = col_str(st, 4);
		l->thread = col_str(st, 5);
		l->locks = col_str(st, 6);
		if (codec_get_stack((const char *)sqlite3_column_text(st, 7), l))
			return store_failf(s, "database '%s': the stack of finding %ld is "
			                   "malformed; delete the database or re-run the scan",
			                   s->path, f->id);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "loading a finding's locations");
}

static void read_finding(sqlite3_stmt *st, struct finding *f)
{
	f->id = (long)sqlite3_column_int64(st, 0);
	f->fingerprint = col_str(st, 1);
	f->rule = col_str(st, 2);
	f->severity = col_str(st, 3);
	f->message = col_str(st, 4);
	f->symbol = col_str(st, 5);
	f->first_run = (long)sqlite3_column_int64(st, 6);
	f->last_run = (long)sqlite3_column_int64(st, 7);
	f->times_seen = sqlite3_column_int(st, 8);
	f->suppressed = sqlite3_column_int(st, 9);
	f->suppress_reason = col_str(st, 10);
	f->confirmed = sqlite3_column_int(st, 11);
	f->engines = col_str(st, 12);
	f->engine = col_str(st, 13);
	f->benign = sqlite3_column_int(st, 14);
}

static int bind_query(struct store *s, sqlite3_stmt *st, const struct finding_query *q)
{
	int min_rank = 0;
	if (q->severity && !(min_rank = severity_rank(q->severity)))
		return store_failf(s, "unknown severity '%s' (use error, warning or note)",
		                   q->severity);
	sqlite3_bind_int(st, 1, q->current_only != 0);
	bind_str(st, 2, q->rule);
	sqlite3_bind_int(st, 3, min_rank);
	sqlite3_bind_int64(st, 4, q->since_run);
	sqlite3_bind_int64(st, 5, q->run);
	return 0;
}

int store_findings_load(struct store *s, const struct finding_query *q, struct finding_list *out)
{
	static const struct finding_query all;
	if (!q)
		q = &all;
	if (store_begin_read(s))
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_query);
	int first = out->n, rc = st ? bind_query(s, st, q) : -1;
	while (rc == 0) {
		int step = sqlite3_step(st);
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			rc = store_fail(s, "loading findings");
			break;
		}
		struct finding *f = finding_list_add(out);
		read_finding(st, f);
		rc = load_locations(s, f);
		if (rc == 0)
			rc = store_watch_seen_attach(s, f);
	}
	if (rc == 0)
		return store_commit(s);
	/* Leave the list as it was given. */
	while (out->n > first)
		finding_free(&out->items[--out->n]);
	store_rollback(s);
	return -1;
}
