/* accesses.c — the queries of accesses.h over the fact tables (functions, events). */
#include "accesses.h"
#include "facts/facts.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char sql_at[] =
	"SELECT e.path, e.flags, f.name, f.usr FROM events e"
	" JOIN functions f ON f.tu_id = e.tu_id AND f.idx = e.fn"
	" WHERE f.file = ?1 AND e.line = ?2 AND e.kind = 'access'";
static const char sql_of[] =
	"SELECT e.path, e.flags, f.name, f.usr FROM events e"
	" JOIN functions f ON f.tu_id = e.tu_id AND f.idx = e.fn"
	" WHERE e.path = ?1 AND e.kind = 'access'";
static const char sql_calls[] =
	"SELECT count(*) FROM events WHERE kind = 'call' AND callee = ?1 AND (flags & ?2) = 0";

static const char sql_tu_at[] =
	"SELECT t.file, t.cache_key FROM functions f JOIN tus t ON t.id = f.tu_id"
	" WHERE f.file = ?1 AND f.line <= ?2 AND f.end_line >= ?2 AND t.cache_key IS NOT NULL"
	" ORDER BY t.id LIMIT 1";

static int collect(struct store *s, sqlite3_stmt *st, struct stored_access_list *out)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->items = append_zeroed(out->items, &out->n, sizeof *out->items);
		struct stored_access *a = &out->items[out->n - 1];
		a->path = col_str(st, 0);
		a->flags = (unsigned)sqlite3_column_int(st, 1);
		a->func = col_str(st, 2);
		a->usr = col_str(st, 3);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "reading accesses");
}

int store_accesses_at(struct store *s, const char *file, int line, struct stored_access_list *out)
{
	sqlite3_stmt *st = store_stmt(s, sql_at);
	if (!st)
		return -1;
	bind_str(st, 1, file);
	sqlite3_bind_int(st, 2, line);
	return collect(s, st, out);
}

int store_accesses_of(struct store *s, const char *path, struct stored_access_list *out)
{
	sqlite3_stmt *st = store_stmt(s, sql_of);
	if (!st)
		return -1;
	bind_str(st, 1, path);
	return collect(s, st, out);
}

int store_direct_calls(struct store *s, const char *usr)
{
	sqlite3_stmt *st = store_stmt(s, sql_calls);
	if (!st)
		return -1;
	bind_str(st, 1, usr);
	sqlite3_bind_int(st, 2, EVF_VIA_POINTER);
	int n = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	else
		store_fail(s, "counting calls");
	sqlite3_reset(st);
	return n;
}

void stored_access_list_free(struct stored_access_list *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->items[i].path);
		free(l->items[i].func);
		free(l->items[i].usr);
	}
	free(l->items);
	memset(l, 0, sizeof *l);
}

int store_facts_at(struct store *s, const char *file, int line, struct tu_facts *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, sql_tu_at);
	if (!st)
		return -1;
	bind_str(st, 1, file);
	sqlite3_bind_int(st, 2, line);
	int rc = sqlite3_step(st);
	char *tu = rc == SQLITE_ROW ? col_str(st, 0) : NULL;
	char *key = rc == SQLITE_ROW ? col_str(st, 1) : NULL;
	sqlite3_reset(st);
	int found = rc == SQLITE_ROW ? store_facts_load(s, tu, key, out)
	          : rc == SQLITE_DONE ? 0 : store_fail(s, "looking up a function's unit");
	free(tu);
	free(key);
	return found;
}
