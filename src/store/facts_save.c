/* facts_save.c — writing one translation unit's facts, replacing what was stored for it. */
#include "internal.h"

#include <stdlib.h>

static const char sql_upsert_tu[] =
	"INSERT INTO tus (file, cache_key, parsed_at, parse_failed, diagnostics)"
	" VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?3, ?4)"
	" ON CONFLICT (file) DO UPDATE SET cache_key = excluded.cache_key,"
	"  parsed_at = excluded.parsed_at, parse_failed = excluded.parse_failed,"
	"  diagnostics = excluded.diagnostics"
	" RETURNING id";
static const char sql_del_events[] = "DELETE FROM events WHERE tu_id = ?1";
static const char sql_del_blocks[] = "DELETE FROM blocks WHERE tu_id = ?1";
static const char sql_del_functions[] = "DELETE FROM functions WHERE tu_id = ?1";
static const char sql_ins_function[] =
	"INSERT INTO functions (tu_id, idx, usr, name, file, line, end_line, flags, nparams,"
	" order_types) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_ins_block[] =
	"INSERT INTO blocks (tu_id, fn, idx, succs) VALUES (?1, ?2, ?3, ?4)";
static const char sql_ins_event[] =
	"INSERT INTO events (tu_id, fn, block, idx, kind, flags, line, col, pos, loop_lo,"
	" loop_hi, path, name, type, lock_class, lock_kind, api, callee, arg, args)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	" ?18, ?19, ?20)";

static char *encode_args(const struct call_arg *args, int n)
{
	if (n == 0)
		return NULL;
	struct strbuf sb;
	sb_init(&sb);
	for (int i = 0; i < n; i++) {
		codec_put(&sb, args[i].path, '\t');
		codec_put(&sb, args[i].lock_class, '\n');
	}
	return sb_detach(&sb);
}

static int save_tu_row(struct store *s, const struct tu_facts *tu, sqlite3_int64 *tu_id)
{
	sqlite3_stmt *st = store_stmt(s, sql_upsert_tu);
	if (!st)
		return -1;
	char *diags = codec_put_strings(tu->diagnostics, tu->ndiagnostics);
	bind_str(st, 1, tu->file);
	bind_str(st, 2, tu->cache_key);
	sqlite3_bind_int(st, 3, tu->parse_failed);
	bind_str(st, 4, diags);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*tu_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	free(diags);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "saving a translation unit");
}

static int delete_facts(struct store *s, sqlite3_int64 tu_id)
{
	const char *const sqls[] = {sql_del_events, sql_del_blocks, sql_del_functions};
	for (int i = 0; i < 3; i++) {
		sqlite3_stmt *st = store_stmt(s, sqls[i]);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, tu_id);
		if (store_step_done(s, st, "deleting old facts"))
			return -1;
	}
	return 0;
}

static int save_event(struct store *s, sqlite3_int64 tu_id, int fn, int b, int idx,
                      const struct event *ev)
{
	sqlite3_stmt *st = store_stmt(s, sql_ins_event);
	if (!st)
		return -1;
	char *args = encode_args(ev->args, ev->nargs);
	sqlite3_bind_int64(st, 1, tu_id);
	sqlite3_bind_int(st, 2, fn);
	sqlite3_bind_int(st, 3, b);
	sqlite3_bind_int(st, 4, idx);
	bind_str(st, 5, ev_kind_name(ev->kind));
	sqlite3_bind_int64(st, 6, ev->flags);
	sqlite3_bind_int(st, 7, ev->line);
	sqlite3_bind_int(st, 8, ev->col);
	sqlite3_bind_int(st, 9, ev->pos);
	sqlite3_bind_int(st, 10, ev->loop_lo);
	sqlite3_bind_int(st, 11, ev->loop_hi);
	bind_str(st, 12, ev->path);
	bind_str(st, 13, ev->name);
	bind_str(st, 14, ev->type);
	bind_str(st, 15, ev->lock_class);
	bind_str(st, 16, ev->lock_kind ? lock_kind_name(ev->lock_kind) : NULL);
	bind_str(st, 17, ev->api);
	bind_str(st, 18, ev->callee);
	bind_str(st, 19, ev->arg);
	bind_str(st, 20, args);
	int rc = store_step_done(s, st, "saving an event");
	free(args);
	return rc;
}

static int save_block(struct store *s, sqlite3_int64 tu_id, int fn, int b,
                      const struct block *blk)
{
	sqlite3_stmt *st = store_stmt(s, sql_ins_block);
	if (!st)
		return -1;
	struct strbuf succs;
	sb_init(&succs);
	for (int i = 0; i < blk->nsuccs; i++)
		sb_addf(&succs, i ? " %d" : "%d", blk->succs[i]);
	char *text = sb_detach(&succs);
	sqlite3_bind_int64(st, 1, tu_id);
	sqlite3_bind_int(st, 2, fn);
	sqlite3_bind_int(st, 3, b);
	bind_str(st, 4, text);
	int rc = store_step_done(s, st, "saving a basic block");
	free(text);
	for (int e = 0; rc == 0 && e < blk->nevents; e++)
		rc = save_event(s, tu_id, fn, b, e, &blk->events[e]);
	return rc;
}

static int save_function(struct store *s, sqlite3_int64 tu_id, int idx, const struct function *f)
{
	sqlite3_stmt *st = store_stmt(s, sql_ins_function);
	if (!st)
		return -1;
	char *order = codec_put_strings(f->order_types, f->norder_types);
	sqlite3_bind_int64(st, 1, tu_id);
	sqlite3_bind_int(st, 2, idx);
	bind_str(st, 3, f->usr);
	bind_str(st, 4, f->name);
	bind_str(st, 5, f->file);
	sqlite3_bind_int(st, 6, f->line);
	sqlite3_bind_int(st, 7, f->end_line);
	sqlite3_bind_int64(st, 8, f->flags);
	sqlite3_bind_int(st, 9, f->nparams);
	bind_str(st, 10, order);
	int rc = store_step_done(s, st, "saving a function");
	free(order);
	for (int b = 0; rc == 0 && b < f->nblocks; b++)
		rc = save_block(s, tu_id, idx, b, &f->blocks[b]);
	return rc;
}

int store_facts_save(struct store *s, const struct tu_facts *tu)
{
	if (!tu->file)
		return store_failf(s, "database '%s': cannot save facts of a translation "
		                   "unit without a file name (this is a bug in the caller)", s->path);
	if (store_begin_write(s))
		return -1;
	sqlite3_int64 tu_id = 0;
	int rc = save_tu_row(s, tu, &tu_id) || delete_facts(s, tu_id) ? -1 : 0;
	for (int i = 0; rc == 0 && i < tu->nfuncs; i++)
		rc = save_function(s, tu_id, i, &tu->funcs[i]);
	if (rc) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}
