/* edges.c — the lock_edges table (schema.c creates it): each run's lock-order edges by
 * class, and the query that gives the newest edges of every other test program for
 * cross-run prediction. */
#include "internal.h"
#include "edges.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_copy[] =
	"INSERT OR REPLACE INTO lock_edges (run_id, from_class, to_class, flags, threads,"
	" thread_key, gates, inner_file, inner_line, inner_func, inner_message, inner_thread,"
	" inner_locks, inner_stack, outer_file, outer_line, outer_func, outer_stack)"
	" SELECT ?2, from_class, to_class, flags, threads,"
	" thread_key, gates, inner_file, inner_line, inner_func, inner_message, inner_thread,"
	" inner_locks, inner_stack, outer_file, outer_line, outer_func, outer_stack"
	" FROM lock_edges WHERE run_id = ?1";

static const char sql_insert[] =
	"INSERT OR REPLACE INTO lock_edges (run_id, from_class, to_class, flags, threads,"
	" thread_key, gates, inner_file, inner_line, inner_func, inner_message, inner_thread,"
	" inner_locks, inner_stack, outer_file, outer_line, outer_func, outer_stack)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

#define SELECT_EDGES \
	"SELECT e.from_class, e.to_class, e.flags, e.threads, e.thread_key, e.gates," \
	" e.inner_file, e.inner_line, e.inner_func, e.inner_message, e.inner_thread," \
	" e.inner_locks, e.inner_stack, e.outer_file, e.outer_line, e.outer_func, e.outer_stack," \
	" e.run_id, r.scope, r.engine" \
	" FROM lock_edges e JOIN runs r ON r.id = e.run_id"

/* The newest finished runtime run of each scope, except the one given. */
static const char sql_load[] =
	SELECT_EDGES
	" WHERE r.engine = 'runtime' AND r.scope IS NOT ?1"
	"  AND r.id = (SELECT max(r2.id) FROM runs r2 WHERE r2.engine = 'runtime'"
	"              AND r2.scope = r.scope AND r2.ended IS NOT NULL)"
	" ORDER BY e.run_id, e.from_class, e.to_class";

/* The current run of each (engine, scope), as store_findings_load's current_only sees it,
 * where recording edges also counts as having recorded something. */
static const char sql_current[] =
	SELECT_EDGES
	" WHERE r.id = (SELECT max(r2.id) FROM runs r2 WHERE r2.engine = r.engine"
	"               AND r2.scope = r.scope AND (r2.ended IS NOT NULL"
	"               OR EXISTS (SELECT 1 FROM evidence v WHERE v.run_id = r2.id)"
	"               OR EXISTS (SELECT 1 FROM lock_edges l WHERE l.run_id = r2.id)))"
	" ORDER BY e.from_class, e.to_class, e.run_id";

struct stored_edge *stored_edge_list_add(struct stored_edge_list *l)
{
	grow_array((void **)&l->items, &l->cap, l->n, sizeof *l->items);
	struct stored_edge *e = &l->items[l->n++];
	memset(e, 0, sizeof *e);
	return e;
}

void stored_edge_free(struct stored_edge *e)
{
	free(e->from);
	free(e->to);
	free(e->thread_key);
	for (int i = 0; i < e->ngates; i++)
		free(e->gates[i]);
	free(e->gates);
	location_free(&e->inner);
	location_free(&e->outer);
	free(e->run_scope);
	free(e->run_engine);
	memset(e, 0, sizeof *e);
}

void stored_edge_list_free(struct stored_edge_list *l)
{
	for (int i = 0; i < l->n; i++)
		stored_edge_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof *l);
}

static int insert_one(struct store *s, long run, const struct stored_edge *e)
{
	sqlite3_stmt *st = store_stmt(s, sql_insert);
	if (!st)
		return -1;
	char *gates = codec_put_strings(e->gates, e->ngates);
	char *istack = codec_put_stack(&e->inner), *ostack = codec_put_stack(&e->outer);
	sqlite3_bind_int64(st, 1, run);
	bind_str(st, 2, e->from);
	bind_str(st, 3, e->to);
	sqlite3_bind_int(st, 4, (int)e->flags);
	sqlite3_bind_int(st, 5, e->threads);
	bind_str(st, 6, e->thread_key);
	bind_str(st, 7, gates);
	bind_str(st, 8, e->inner.file);
	sqlite3_bind_int(st, 9, e->inner.line);
	bind_str(st, 10, e->inner.func);
	bind_str(st, 11, e->inner.message);
	bind_str(st, 12, e->inner.thread);
	bind_str(st, 13, e->inner.locks);
	bind_str(st, 14, istack);
	bind_str(st, 15, e->outer.file);
	sqlite3_bind_int(st, 16, e->outer.line);
	bind_str(st, 17, e->outer.func);
	bind_str(st, 18, ostack);
	int rc = store_step_done(s, st, "recording a lock-order edge");
	free(gates);
	free(istack);
	free(ostack);
	return rc;
}

int store_edges_copy(struct store *s, long from_run, long to_run)
{
	if (store_begin_write(s))
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_copy);
	if (!st) {
		store_rollback(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, from_run);
	sqlite3_bind_int64(st, 2, to_run);
	if (store_step_done(s, st, "copying lock-order edges")) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}

static int by_classes(const void *x, const void *y)
{
	const struct stored_edge *a = *(const struct stored_edge *const *)x;
	const struct stored_edge *b = *(const struct stored_edge *const *)y;
	int c = strcmp(a->from, b->from);
	return c ? c : strcmp(a->to, b->to);
}

int store_edges_add(struct store *s, long run, const struct stored_edge *e, int n)
{
	store_clear_error(s);
	for (int i = 0; i < n; i++)
		if (!e[i].from || !e[i].to)
			return store_failf(s, "database '%s': a lock-order edge needs both classes "
			                   "(this is a bug in the caller)", s->path);
	/* In key order, each row goes at the end of the table's tree, not at a random place in
	 * it: a run of tens of thousands of orders is stored several times faster. */
	const struct stored_edge **order = xcalloc((size_t)n + 1, sizeof *order);
	for (int i = 0; i < n; i++)
		order[i] = &e[i];
	qsort(order, (size_t)n, sizeof *order, by_classes);
	if (store_begin_write(s)) {
		free(order);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n && !rc; i++)
		rc = insert_one(s, run, order[i]);
	free(order);
	if (rc) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}

static int read_row(struct store *s, sqlite3_stmt *st, struct stored_edge *e)
{
	e->from = col_str(st, 0);
	e->to = col_str(st, 1);
	e->flags = (unsigned)sqlite3_column_int(st, 2);
	e->threads = sqlite3_column_int(st, 3);
	e->thread_key = col_str(st, 4);
	e->inner.file = col_str(st, 6);
	e->inner.line = sqlite3_column_int(st, 7);
	e->inner.func = col_str(st, 8);
	e->inner.message = col_str(st, 9);
	e->inner.thread = col_str(st, 10);
	e->inner.locks = col_str(st, 11);
	e->outer.file = col_str(st, 13);
	e->outer.line = sqlite3_column_int(st, 14);
	e->outer.func = col_str(st, 15);
	e->run = (long)sqlite3_column_int64(st, 17);
	e->run_scope = col_str(st, 18);
	e->run_engine = col_str(st, 19);
	if (codec_get_strings((const char *)sqlite3_column_text(st, 5), &e->gates, &e->ngates) ||
	    codec_get_stack((const char *)sqlite3_column_text(st, 12), &e->inner) ||
	    codec_get_stack((const char *)sqlite3_column_text(st, 16), &e->outer))
		return store_failf(s, "database '%s': a lock-order edge of run %ld is "
		                   "malformed (the database was edited or damaged)", s->path, e->run);
	return 0;
}

static int load_rows(struct store *s, sqlite3_stmt *st, struct stored_edge_list *out)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (read_row(s, st, stored_edge_list_add(out))) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "reading lock-order edges");
}

int store_edges_load(struct store *s, const char *exclude_scope, struct stored_edge_list *out)
{
	store_clear_error(s);
	sqlite3_stmt *st = store_stmt(s, sql_load);
	if (!st)
		return -1;
	bind_str(st, 1, exclude_scope);
	return load_rows(s, st, out);
}

int store_edges_current(struct store *s, struct stored_edge_list *out)
{
	store_clear_error(s);
	sqlite3_stmt *st = store_stmt(s, sql_current);
	return st ? load_rows(s, st, out) : -1;
}
