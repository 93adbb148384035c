/* tu_meta.c — the per-file cache key and meta text, read without loading any facts. */
#include "internal.h"

static const char sql_key[] = "SELECT cache_key FROM tus WHERE file = ?1";
static const char sql_meta[] = "SELECT meta FROM tus WHERE file = ?1";
static const char sql_set_meta[] =
	"INSERT INTO tus (file, meta) VALUES (?1, ?2)"
	" ON CONFLICT (file) DO UPDATE SET meta = excluded.meta";

/* The text column of the single-row query for `file`, or NULL (absent, NULL or error). */
static char *lookup(struct store *s, const char *sql, const char *file)
{
	store_clear_error(s);
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return NULL;
	bind_str(st, 1, file);
	char *v = NULL;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = col_str(st, 0);
	else if (rc != SQLITE_DONE)
		store_fail(s, "reading the facts cache");
	sqlite3_reset(st);
	return v;
}

char *store_facts_key(struct store *s, const char *file)
{
	return lookup(s, sql_key, file);
}

char *store_tu_meta_get(struct store *s, const char *file)
{
	return lookup(s, sql_meta, file);
}

int store_tu_meta_set(struct store *s, const char *file, const char *meta)
{
	if (store_begin_write(s))
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_set_meta);
	if (!st) {
		store_rollback(s);
		return -1;
	}
	bind_str(st, 1, file);
	bind_str(st, 2, meta);
	if (store_step_done(s, st, "saving a file's cache metadata")) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}
