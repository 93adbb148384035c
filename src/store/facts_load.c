/* facts_load.c — reading one translation unit's facts back, exactly as they were saved.
 * The three range scans come back in key order, so functions, blocks and events are
 * appended in place; anything out of order means the database was edited by hand. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char sql_tu[] =
	"SELECT id, cache_key, parse_failed, diagnostics FROM tus WHERE file = ?1";
static const char sql_functions[] =
	"SELECT idx, usr, name, file, line, end_line, flags, nparams, order_types"
	" FROM functions WHERE tu_id = ?1 ORDER BY idx";
static const char sql_blocks[] =
	"SELECT fn, idx, succs FROM blocks WHERE tu_id = ?1 ORDER BY fn, idx";
static const char sql_events[] =
	"SELECT fn, block, idx, kind, flags, line, col, pos, loop_lo, loop_hi, path, name, type,"
	" lock_class, lock_kind, api, callee, arg, args"
	" FROM events WHERE tu_id = ?1 ORDER BY fn, block, idx";

static int corrupt(struct store *s, const char *what)
{
	return store_failf(s, "database '%s': stored facts are inconsistent (%s); "
	                   "delete the database to rebuild its cache", s->path, what);
}

static int decode_args(const char *text, struct event *ev)
{
	int cap = 0;
	for (const char *p = text; p && *p;) {
		grow_array((void **)&ev->args, &cap, ev->nargs, sizeof *ev->args);
		struct call_arg *a = &ev->args[ev->nargs++];
		if (codec_get(&p, '\t', &a->path) || codec_get(&p, '\n', &a->lock_class))
			return -1;
	}
	return 0;
}

static int decode_succs(const char *text, struct block *b)
{
	for (const char *p = text; p && *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 0 || v > 1 << 30 || (*end && *end != ' '))
			return -1;
		block_add_succ(b, (int)v);
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int load_functions(struct store *s, sqlite3_int64 tu_id, struct tu_facts *tu)
{
	sqlite3_stmt *st = store_stmt(s, sql_functions);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, tu_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 0) != tu->nfuncs)
			return corrupt(s, "function numbering");
		struct function *f = tu_add_function(tu);
		f->usr = col_str(st, 1);
		f->name = col_str(st, 2);
		f->file = col_str(st, 3);
		f->line = sqlite3_column_int(st, 4);
		f->end_line = sqlite3_column_int(st, 5);
		f->flags = (unsigned)sqlite3_column_int64(st, 6);
		f->nparams = sqlite3_column_int(st, 7);
		const char *ot = (const char *)sqlite3_column_text(st, 8);
		if (codec_get_strings(ot, &f->order_types, &f->norder_types))
			return corrupt(s, "order_types");
	}
	return rc == SQLITE_DONE ? 0 : store_fail(s, "loading functions");
}

static int load_blocks(struct store *s, sqlite3_int64 tu_id, struct tu_facts *tu)
{
	sqlite3_stmt *st = store_stmt(s, sql_blocks);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, tu_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int fn = sqlite3_column_int(st, 0);
		if (fn < 0 || fn >= tu->nfuncs || sqlite3_column_int(st, 1) != tu->funcs[fn].nblocks)
			return corrupt(s, "block numbering");
		struct block *b = fn_add_block(&tu->funcs[fn]);
		if (decode_succs((const char *)sqlite3_column_text(st, 2), b))
			return corrupt(s, "block successors");
	}
	return rc == SQLITE_DONE ? 0 : store_fail(s, "loading basic blocks");
}

static int read_event(sqlite3_stmt *st, struct event *ev)
{
	ev->kind = ev_kind_from_name((const char *)sqlite3_column_text(st, 3));
	ev->flags = (unsigned)sqlite3_column_int64(st, 4);
	ev->line = sqlite3_column_int(st, 5);
	ev->col = sqlite3_column_int(st, 6);
	ev->pos = sqlite3_column_int(st, 7);
	ev->loop_lo = sqlite3_column_int(st, 8);
	ev->loop_hi = sqlite3_column_int(st, 9);
	ev->path = col_str(st, 10);
	ev->name = col_str(st, 11);
	ev->type = col_str(st, 12);
	ev->lock_class = col_str(st, 13);
	const char *lk = (const char *)sqlite3_column_text(st, 14);
	ev->lock_kind = lk ? lock_kind_from_name(lk) : 0;
	ev->api = col_str(st, 15);
	ev->callee = col_str(st, 16);
	ev->arg = col_str(st, 17);
	if (!ev->kind || (lk && !ev->lock_kind))
		return -1;
	return decode_args((const char *)sqlite3_column_text(st, 18), ev);
}

static int load_events(struct store *s, sqlite3_int64 tu_id, struct tu_facts *tu)
{
	sqlite3_stmt *st = store_stmt(s, sql_events);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, tu_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int fn = sqlite3_column_int(st, 0);
		int b = sqlite3_column_int(st, 1);
		if (fn < 0 || fn >= tu->nfuncs || b < 0 || b >= tu->funcs[fn].nblocks)
			return corrupt(s, "event placement");
		struct block *blk = &tu->funcs[fn].blocks[b];
		if (sqlite3_column_int(st, 2) != blk->nevents)
			return corrupt(s, "event numbering");
		if (read_event(st, block_add_event(blk)))
			return corrupt(s, "event fields");
	}
	return rc == SQLITE_DONE ? 0 : store_fail(s, "loading events");
}

/* 1 when the TU row exists with this key (its id in *tu_id and header fields in *out). */
static int load_header(struct store *s, const char *file, const char *key,
                       sqlite3_int64 *tu_id, struct tu_facts *out)
{
	sqlite3_stmt *st = store_stmt(s, sql_tu);
	if (!st)
		return -1;
	bind_str(st, 1, file);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_fail(s, "looking up a translation unit");
	const char *stored = (const char *)sqlite3_column_text(st, 1);
	if (!stored || !str_eq(stored, key))
		return 0;
	*tu_id = sqlite3_column_int64(st, 0);
	out->file = xstrdup(file);
	out->cache_key = xstrdup(stored);
	out->parse_failed = sqlite3_column_int(st, 2);
	if (codec_get_strings((const char *)sqlite3_column_text(st, 3), &out->diagnostics,
	                   &out->ndiagnostics))
		return corrupt(s, "diagnostics");
	return 1;
}

int store_facts_load(struct store *s, const char *file, const char *cache_key,
                     struct tu_facts *out)
{
	memset(out, 0, sizeof *out);
	/* One snapshot: a concurrent save of the same file must not be seen half-way. */
	if (store_begin_read(s))
		return -1;
	sqlite3_int64 tu_id = 0;
	int found = load_header(s, file, cache_key, &tu_id, out);
	if (found == 1 && (load_functions(s, tu_id, out) || load_blocks(s, tu_id, out) ||
	                   load_events(s, tu_id, out)))
		found = -1;
	if (found != 1)
		tu_facts_free(out);
	else
		tu_facts_shrink(out);
	if (found < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s) ? -1 : found;
}
