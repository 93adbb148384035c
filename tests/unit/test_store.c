/* test_store.c — the SQLite store: facts cache round-trip, findings across runs, the errors a
 * user meets when opening a database, and concurrent writers (threads and processes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "store/accesses.h"
#include "store/store.h"

/* ---- fixture: a fresh temporary directory per test ------------------------------------- */

struct fixture {
	char dir[64];
	char *db;
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	snprintf(fx->dir, sizeof fx->dir, "/tmp/tsafe-store-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	fx->db = xasprintf("%s/tsafe.db", fx->dir);
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx->db);
	free(fx);
	return 0;
}

static struct store *open_ok(const char *path)
{
	struct store *s = NULL;
	char *err = NULL;
	int rc = store_open(path, &s, &err);
	if (rc)
		fail_msg("store_open: %s", err);
	free(err);
	return s;
}

/* ---- hand-built facts with every field set ------------------------------------------- */

static void set_event(struct event *ev, enum ev_kind kind, int n)
{
	ev->kind = kind;
	ev->flags = EVF_WRITE | EVF_READ | EVF_IN_LOOP | ((unsigned)n << 9);
	ev->line = 10 + n;
	ev->col = 3 + n;
	ev->pos = n;
	ev->loop_lo = n - 1;
	ev->loop_hi = n + 2;
	ev->path = xasprintf("s:/src/a b.c:obj%d*.f[]", n);
	ev->name = xasprintf("a->f%d", n);
	ev->type = xstrdup(n % 2 ? "struct account *" : "");
	ev->lock_class = xasprintf("field:struct account.lock%d", n);
	ev->lock_kind = (enum lock_kind)(1 + n % 5);
	ev->api = xstrdup("pthread_mutex_lock");
	ev->callee = xasprintf("c:@F@helper%d", n);
	ev->arg = n % 3 ? xstrdup("&g:arg\twith tab") : NULL;
	ev->nargs = 3;
	ev->args = xcalloc(3, sizeof *ev->args);
	ev->args[0].path = xstrdup("&g:m");
	ev->args[0].lock_class = xstrdup("global:m");
	ev->args[1].path = xstrdup("");          /* "" and NULL must stay distinct */
	ev->args[1].lock_class = NULL;
	ev->args[2].path = xstrdup("\\N back\\slash\nnewline");
	ev->args[2].lock_class = xstrdup("\\");
}

/* variant changes content and size, so a replaced TU can be told from its predecessor. */
static void build_tu(struct tu_facts *tu, const char *file, const char *key, int variant)
{
	memset(tu, 0, sizeof *tu);
	tu->file = xstrdup(file);
	tu->cache_key = xstrdup(key);
	tu->parse_failed = 1;
	tu->ndiagnostics = 2;
	tu->diagnostics = xcalloc(2, sizeof *tu->diagnostics);
	tu->diagnostics[0] = xstrdup("a.c:1:2: error: unknown type name 'foo'");
	tu->diagnostics[1] = xstrdup("multi\nline\tdiag \\n");
	for (int fi = 0; fi < 2 + variant % 3; fi++) {
		struct function *fn = tu_add_function(tu);
		fn->usr = xasprintf("c:@F@fn%d_%d", fi, variant);
		fn->name = xasprintf("fn%d", fi);
		fn->file = xstrdup(file);
		fn->line = 5 + fi;
		fn->end_line = 50 + fi;
		fn->flags = FNF_STATIC | FNF_ADDR_TAKEN;
		fn->nparams = fi + variant;
		fn->norder_types = 2;
		fn->order_types = xcalloc(2, sizeof *fn->order_types);
		fn->order_types[0] = xstrdup("struct account");
		fn->order_types[1] = xstrdup("");
		for (int b = 0; b < 3; b++)
			fn_add_block(fn);
		block_add_succ(&fn->blocks[0], 2);
		block_add_succ(&fn->blocks[0], 1);
		block_add_succ(&fn->blocks[2], 1);   /* block 1 (exit) has no successors */
		for (int k = EV_ACCESS; k <= EV_PUT; k++)
			set_event(block_add_event(&fn->blocks[k == EV_RETURN ? 1 : 0]), k,
			          k + fi + variant);
	}
}

static void assert_same_str(const char *a, const char *b)
{
	if (!a) {
		assert_null(b);
		return;
	}
	assert_non_null(b);
	assert_string_equal(a, b);
}

static void assert_event_equal(const struct event *a, const struct event *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->line, b->line);
	assert_int_equal(a->col, b->col);
	assert_int_equal(a->pos, b->pos);
	assert_int_equal(a->loop_lo, b->loop_lo);
	assert_int_equal(a->loop_hi, b->loop_hi);
	assert_same_str(a->path, b->path);
	assert_same_str(a->name, b->name);
	assert_same_str(a->type, b->type);
	assert_same_str(a->lock_class, b->lock_class);
	assert_int_equal(a->lock_kind, b->lock_kind);
	assert_same_str(a->api, b->api);
	assert_same_str(a->callee, b->callee);
	assert_same_str(a->arg, b->arg);
	assert_int_equal(a->nargs, b->nargs);
	for (int i = 0; i < a->nargs; i++) {
		assert_same_str(a->args[i].path, b->args[i].path);
		assert_same_str(a->args[i].lock_class, b->args[i].lock_class);
	}
}

static void assert_function_equal(const struct function *a, const struct function *b)
{
	assert_same_str(a->usr, b->usr);
	assert_same_str(a->name, b->name);
	assert_same_str(a->file, b->file);
	assert_int_equal(a->line, b->line);
	assert_int_equal(a->end_line, b->end_line);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->nparams, b->nparams);
	assert_int_equal(a->norder_types, b->norder_types);
	for (int i = 0; i < a->norder_types; i++)
		assert_same_str(a->order_types[i], b->order_types[i]);
	assert_int_equal(a->nblocks, b->nblocks);
	for (int i = 0; i < a->nblocks; i++) {
		const struct block *x = &a->blocks[i], *y = &b->blocks[i];
		assert_int_equal(x->nsuccs, y->nsuccs);
		for (int j = 0; j < x->nsuccs; j++)
			assert_int_equal(x->succs[j], y->succs[j]);
		assert_int_equal(x->nevents, y->nevents);
		for (int j = 0; j < x->nevents; j++)
			assert_event_equal(&x->events[j], &y->events[j]);
	}
}

static void assert_tu_equal(const struct tu_facts *a, const struct tu_facts *b)
{
	assert_same_str(a->file, b->file);
	assert_same_str(a->cache_key, b->cache_key);
	assert_int_equal(a->parse_failed, b->parse_failed);
	assert_int_equal(a->ndiagnostics, b->ndiagnostics);
	for (int i = 0; i < a->ndiagnostics; i++)
		assert_same_str(a->diagnostics[i], b->diagnostics[i]);
	assert_int_equal(a->nfuncs, b->nfuncs);
	for (int i = 0; i < a->nfuncs; i++)
		assert_function_equal(&a->funcs[i], &b->funcs[i]);
}

/* ---- facts cache ------------------------------------------------------------------------- */

static void test_facts_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	struct tu_facts want, got;
	build_tu(&want, "/src/a.c", "key-1", 1);
	assert_int_equal(store_facts_save(s, &want), 0);
	assert_int_equal(store_facts_load(s, "/src/a.c", "key-1", &got), 1);
	assert_tu_equal(&want, &got);
	tu_facts_free(&got);
	tu_facts_free(&want);

	/* Saving again replaces everything: no function or event of the old version remains,
	 * also after reopening the database. */
	build_tu(&want, "/src/a.c", "key-2", 0);
	want.parse_failed = 0;
	assert_int_equal(store_facts_save(s, &want), 0);
	store_close(s);
	s = open_ok(fx->db);
	assert_int_equal(store_facts_load(s, "/src/a.c", "key-2", &got), 1);
	assert_tu_equal(&want, &got);
	tu_facts_free(&got);
	tu_facts_free(&want);

	/* A TU with nothing in it round-trips too. */
	struct tu_facts empty = {.file = xstrdup("/src/empty.c"), .cache_key = xstrdup("k")};
	assert_int_equal(store_facts_save(s, &empty), 0);
	assert_int_equal(store_facts_load(s, "/src/empty.c", "k", &got), 1);
	assert_tu_equal(&empty, &got);
	tu_facts_free(&got);
	tu_facts_free(&empty);
	store_close(s);
}

static void test_cache_hit_and_miss(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	struct tu_facts tu, got;

	assert_null(store_facts_key(s, "/src/b.c"));
	assert_string_equal(store_errmsg(s), "");
	assert_int_equal(store_facts_load(s, "/src/b.c", "k1", &got), 0);
	assert_int_equal(got.nfuncs, 0);

	/* Meta may be recorded before any facts: it is no cache hit. */
	assert_int_equal(store_tu_meta_set(s, "/src/b.c", "hdr.h 1234"), 0);
	assert_null(store_facts_key(s, "/src/b.c"));
	assert_int_equal(store_facts_load(s, "/src/b.c", "k1", &got), 0);

	build_tu(&tu, "/src/b.c", "k1", 2);
	assert_int_equal(store_facts_save(s, &tu), 0);
	char *key = store_facts_key(s, "/src/b.c");
	assert_string_equal(key, "k1");
	free(key);
	assert_int_equal(store_facts_load(s, "/src/b.c", "k2", &got), 0);   /* stale */
	assert_null(got.funcs);
	assert_int_equal(store_facts_load(s, "/src/b.c", "k1", &got), 1);   /* hit */
	assert_int_equal(got.nfuncs, tu.nfuncs);
	tu_facts_free(&got);

	/* Saving facts keeps the meta, setting meta keeps the facts. */
	char *meta = store_tu_meta_get(s, "/src/b.c");
	assert_string_equal(meta, "hdr.h 1234");
	free(meta);
	assert_int_equal(store_tu_meta_set(s, "/src/b.c", "hdr.h 5678"), 0);
	assert_int_equal(store_facts_load(s, "/src/b.c", "k1", &got), 1);
	assert_tu_equal(&tu, &got);
	meta = store_tu_meta_get(s, "/src/b.c");
	assert_string_equal(meta, "hdr.h 5678");
	free(meta);
	tu_facts_free(&got);
	tu_facts_free(&tu);
	store_close(s);
}

/* ---- findings --------------------------------------------------------------------------- */

static void fill_finding(struct finding *f, const char *fp, const char *rule, const char *sev,
                         int line)
{
	f->rule = xstrdup(rule);
	f->severity = xstrdup(sev);
	f->message = xasprintf("%s at line %d", rule, line);
	f->symbol = xstrdup("counter");
	f->fingerprint = xstrdup(fp);
	struct location *l = finding_add_loc(f);
	l->file = xstrdup("src/a.c");
	l->line = line;
	l->col = 5;
	l->func = xstrdup("worker");
	l->message = xstrdup("write of 'counter' holding no locks");
	l->thread = xstrdup("thread 'worker' created at main.c:31");
	l->locks = xstrdup("");
	finding_add_frame(l, "worker", "src/a.c", line);
	finding_add_frame(l, NULL, "/usr/lib/odd\tname.so", 0);
	l = finding_add_loc(f);
	l->file = xstrdup("src/b.c");
	l->line = line + 1;
	l->func = xstrdup("main");
	l->message = xstrdup("read of 'counter'");
	l->locks = xstrdup("global:m, field:struct a.lock");
}

/* Adds one finding per fingerprint to `run`. */
static void add(struct store *s, long run, const char *const *fps, const char *rule,
                const char *sev, int line)
{
	struct finding_list l = {0};
	for (int i = 0; fps[i]; i++)
		fill_finding(finding_list_add(&l), fps[i], rule, sev, line);
	if (store_findings_add(s, run, l.items, l.n))
		fail_msg("store_findings_add: %s", store_errmsg(s));
	finding_list_free(&l);
}

static long run_with(struct store *s, const char *engine, const char *scope,
                     const char *const *fps, int line)
{
	long run = store_run_begin(s, engine, scope, "/proj", "tsafe scan");
	assert_true(run > 0);
	add(s, run, fps, "data-race", "error", line);
	assert_int_equal(store_run_end(s, run, 0), 0);
	return run;
}

static struct finding_list query(struct store *s, struct finding_query q)
{
	struct finding_list l = {0};
	if (store_findings_load(s, &q, &l))
		fail_msg("store_findings_load: %s", store_errmsg(s));
	return l;
}

static const struct finding *by_fp(const struct finding_list *l, const char *fp)
{
	for (int i = 0; i < l->n; i++)
		if (str_eq(l->items[i].fingerprint, fp))
			return &l->items[i];
	return NULL;
}

static void test_findings_across_runs(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	const char *const a[] = {"aaaa", NULL};
	long r1 = run_with(s, "static", "/proj", a, 10);
	long r2 = run_with(s, "static", "/proj", a, 12);
	assert_true(r2 > r1);
	/* The same finding twice in one run is still one run's evidence. */
	add(s, r2, a, "data-race", "error", 12);
	assert_int_equal(store_latest_run(s, "static"), r2);
	assert_int_equal(store_latest_run(s, "helgrind"), 0);

	struct finding_list l = query(s, (struct finding_query){0});
	assert_int_equal(l.n, 1);
	const struct finding *f = &l.items[0];
	assert_string_equal(f->fingerprint, "aaaa");
	assert_int_equal(f->times_seen, 2);
	assert_int_equal(f->first_run, r1);
	assert_int_equal(f->last_run, r2);
	assert_string_equal(f->engines, "static");
	assert_string_equal(f->engine, "static");
	assert_false(f->confirmed);

	/* Locations are the newest run's, and everything round-trips. */
	struct finding want = {0};
	fill_finding(&want, "aaaa", "data-race", "error", 12);
	assert_string_equal(f->message, want.message);
	assert_int_equal(f->nlocs, want.nlocs);
	for (int i = 0; i < want.nlocs; i++) {
		const struct location *x = &want.locs[i], *y = &f->locs[i];
		assert_same_str(x->file, y->file);
		assert_int_equal(x->line, y->line);
		assert_int_equal(x->col, y->col);
		assert_same_str(x->func, y->func);
		assert_same_str(x->message, y->message);
		assert_same_str(x->thread, y->thread);
		assert_same_str(x->locks, y->locks);
		assert_int_equal(x->nstack, y->nstack);
		for (int j = 0; j < x->nstack; j++) {
			assert_same_str(x->stack[j].func, y->stack[j].func);
			assert_same_str(x->stack[j].file, y->stack[j].file);
			assert_int_equal(x->stack[j].line, y->stack[j].line);
		}
	}
	finding_free(&want);
	finding_list_free(&l);

	/* Ingesting an older run later does not roll the locations back. */
	add(s, r1, a, "data-race", "error", 99);
	l = query(s, (struct finding_query){0});
	assert_int_equal(l.items[0].locs[0].line, 12);
	assert_int_equal(l.items[0].first_run, r1);
	assert_int_equal(l.items[0].last_run, r2);
	assert_int_equal(l.items[0].times_seen, 2);
	finding_list_free(&l);
	store_close(s);
}

static void test_current_only_drops_fixed(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	const char *const ab[] = {"aaaa", "bbbb", NULL};
	const char *const a[] = {"aaaa", NULL};
	const char *const c[] = {"cccc", NULL};
	run_with(s, "static", "/proj", ab, 10);
	run_with(s, "runtime", "./test --fast", c, 10);
	long r3 = run_with(s, "static", "/proj", a, 10);   /* bbbb was fixed */
	/* A run of another (engine, scope) and a run in progress hide nothing. */
	run_with(s, "static", "/elsewhere", (const char *const[]){NULL}, 0);
	assert_true(store_run_begin(s, "static", "/proj", "/proj", NULL) > r3);

	struct finding_list l = query(s, (struct finding_query){.current_only = 1});
	assert_int_equal(l.n, 2);
	assert_non_null(by_fp(&l, "aaaa"));
	assert_non_null(by_fp(&l, "cccc"));
	assert_null(by_fp(&l, "bbbb"));
	finding_list_free(&l);

	l = query(s, (struct finding_query){0});
	assert_int_equal(l.n, 3);
	finding_list_free(&l);

	/* A finished run of the same scope that finds nothing fixes everything it saw. */
	run_with(s, "runtime", "./test --fast", (const char *const[]){NULL}, 0);
	l = query(s, (struct finding_query){.current_only = 1});
	assert_int_equal(l.n, 1);
	assert_non_null(by_fp(&l, "aaaa"));
	finding_list_free(&l);
	store_close(s);
}

static void test_confirmed_by_two_engines(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	const char *const ab[] = {"aaaa", "bbbb", NULL};
	const char *const a[] = {"aaaa", NULL};
	run_with(s, "static", "/proj", ab, 10);
	long hg = run_with(s, "helgrind", "./t", a, 10);

	struct finding_list l = query(s, (struct finding_query){0});
	const struct finding *fa = by_fp(&l, "aaaa"), *fb = by_fp(&l, "bbbb");
	assert_non_null(fa);
	assert_non_null(fb);
	assert_true(fa->confirmed);
	assert_string_equal(fa->engines, "helgrind,static");
	assert_string_equal(fa->engine, "helgrind");
	assert_int_equal(fa->times_seen, 2);
	assert_false(fb->confirmed);
	finding_list_free(&l);

	/* Two dynamic engines alone do not confirm. */
	const char *const d[] = {"dddd", NULL};
	run_with(s, "drd", "./t", d, 10);
	run_with(s, "runtime", "./t", d, 10);
	l = query(s, (struct finding_query){.run = hg});
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].fingerprint, "aaaa");
	finding_list_free(&l);
	l = query(s, (struct finding_query){0});
	assert_false(by_fp(&l, "dddd")->confirmed);
	finding_list_free(&l);
	store_close(s);
}

/* A run of the watch engine that watched a static race and never saw it race records what
 * it observed; the finding stays, and loading it shows the newest observation. A finding
 * the watch engine confirmed shows none; an unknown fingerprint is skipped. */
static void test_watch_seen(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	const char *const ab[] = {"aaaa", "bbbb", NULL};
	run_with(s, "static", "/proj", ab, 10);
	long r1 = store_run_begin(s, "runtime", "./t", "/proj", "tsafe run");
	struct watch_seen seen[] = {{"aaaa", 41, 1, 2.3104}, {"bbbb", 3, 2, 0.5}, {"zzzz", 1, 1, 1}};
	assert_int_equal(store_watch_seen_add(s, r1, seen, 3), 0);
	store_run_end(s, r1, 0);
	long r2 = store_run_begin(s, "runtime", "./t", "/proj", "tsafe run");
	seen[0].accesses = 7;
	assert_int_equal(store_watch_seen_add(s, r2, seen, 1), 0);
	struct finding_list l = {0};
	struct finding *w = finding_list_add(&l);
	fill_finding(w, "bbbb", "data-race", "error", 10);
	w->engine = xstrdup("watch");
	assert_int_equal(store_findings_add(s, r2, l.items, l.n), 0);
	finding_list_free(&l);
	store_run_end(s, r2, 0);

	l = query(s, (struct finding_query){0});
	const struct finding *fa = by_fp(&l, "aaaa"), *fb = by_fp(&l, "bbbb");
	assert_non_null(fa);
	assert_false(fa->confirmed);
	assert_int_equal(fa->watch_run, r2);
	assert_int_equal(fa->watch_accesses, 7);
	assert_int_equal(fa->watch_threads, 1);
	assert_true(fa->watch_seconds > 2.30 && fa->watch_seconds < 2.32);
	assert_true(fb->confirmed);
	assert_int_equal(fb->watch_run, 0);
	assert_null(by_fp(&l, "zzzz"));
	finding_list_free(&l);
	store_close(s);
}

/* What Helgrind would store for fill_finding's race: the same two sites, no locks, its own
 * messages, threads and deeper stacks, and where the heap block was allocated. */
static void fill_dynamic(struct finding *f, const char *fp, int line)
{
	f->rule = xstrdup("data-race");
	f->severity = xstrdup("error");
	f->message = xstrdup("data race on 'counter'");
	f->symbol = xstrdup("counter");
	f->fingerprint = xstrdup(fp);
	f->engine = xstrdup("helgrind");
	const char *files[] = {"src/a.c", "src/b.c", "src/alloc.c"};
	const char *funcs[] = {"worker", "main", "make"};
	for (int i = 0; i < 3; i++) {
		struct location *l = finding_add_loc(f);
		l->file = xstrdup(files[i]);
		l->line = i == 2 ? 7 : line + i;
		l->func = xstrdup(funcs[i]);
		l->message = xstrdup(i == 2 ? "the block was allocated here" : "write of 'counter'");
		l->thread = xstrdup(i == 0 ? "thread #3 created at main.c:31" : "main thread");
		finding_add_frame(l, funcs[i], files[i], l->line);
		finding_add_frame(l, "run_all", "src/run.c", 40 + i);
		finding_add_frame(l, "start", "src/run.c", 90);
	}
}

static void add_dynamic(struct store *s, const char *fp, int line)
{
	long run = store_run_begin(s, "helgrind", "./t", "/proj", "tsafe run");
	struct finding_list l = {0};
	fill_dynamic(finding_list_add(&l), fp, line);
	if (store_findings_add(s, run, l.items, l.n))
		fail_msg("store_findings_add: %s", store_errmsg(s));
	finding_list_free(&l);
	store_run_end(s, run, 0);
}

/* A static race confirmed by a later Helgrind run keeps the static description (message,
 * locks held, named thread) and gains Helgrind's stacks and allocation site; a later scan
 * keeps those stacks. A finding only one kind of engine saw is replaced by its newest run. */
static void test_confirmed_keeps_both_engines_detail(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	const char *const a[] = {"aaaa", NULL};
	run_with(s, "static", "/proj", a, 10);
	add_dynamic(s, "aaaa", 10);
	add_dynamic(s, "dddd", 10);

	struct finding_list l = query(s, (struct finding_query){0});
	const struct finding *f = by_fp(&l, "aaaa");
	assert_true(f->confirmed);
	assert_string_equal(f->message, "data-race at line 10");
	assert_int_equal(f->nlocs, 3);
	assert_string_equal(f->locs[0].locks, "");
	assert_string_equal(f->locs[0].message, "write of 'counter' holding no locks");
	assert_string_equal(f->locs[0].thread, "thread 'worker' created at main.c:31");
	assert_int_equal(f->locs[0].col, 5);
	assert_int_equal(f->locs[0].nstack, 3);
	assert_string_equal(f->locs[0].stack[1].func, "run_all");
	assert_string_equal(f->locs[1].locks, "global:m, field:struct a.lock");
	assert_string_equal(f->locs[1].thread, "main thread");    /* static had none */
	assert_int_equal(f->locs[1].nstack, 3);
	assert_string_equal(f->locs[2].file, "src/alloc.c");
	assert_string_equal(f->locs[2].message, "the block was allocated here");
	/* Helgrind alone: Helgrind's word. */
	const struct finding *d = by_fp(&l, "dddd");
	assert_string_equal(d->message, "data race on 'counter'");
	assert_null(d->locs[0].locks);
	finding_list_free(&l);

	/* A newer scan: the static description again, with Helgrind's stacks where it knew them. */
	run_with(s, "static", "/proj", a, 10);
	l = query(s, (struct finding_query){0});
	f = by_fp(&l, "aaaa");
	assert_int_equal(f->nlocs, 2);
	assert_string_equal(f->locs[0].locks, "");
	assert_int_equal(f->locs[0].nstack, 3);
	assert_string_equal(f->locs[1].stack[2].func, "start");
	finding_list_free(&l);

	/* The code moved: the scan's own stacks (nothing stored at its new lines). */
	run_with(s, "static", "/proj", a, 20);
	l = query(s, (struct finding_query){0});
	f = by_fp(&l, "aaaa");
	assert_int_equal(f->locs[0].line, 20);
	assert_int_equal(f->locs[0].nstack, 2);
	finding_list_free(&l);
	store_close(s);
}

static void test_filters(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	long r1 = store_run_begin(s, "static", "/proj", "/proj", NULL);
	add(s, r1, (const char *const[]){"e1", NULL}, "data-race", "error", 1);
	add(s, r1, (const char *const[]){"w1", NULL}, "lock-leak", "warning", 2);
	add(s, r1, (const char *const[]){"n1", NULL}, "thread-leak", "note", 3);
	store_run_end(s, r1, 0);
	long r2 = store_run_begin(s, "static", "/proj", "/proj", NULL);
	add(s, r2, (const char *const[]){"e1", "w2", NULL}, "data-race", "error", 1);
	store_run_end(s, r2, 0);

	struct finding_list l = query(s, (struct finding_query){.rule = "lock-leak"});
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].fingerprint, "w1");
	finding_list_free(&l);

	l = query(s, (struct finding_query){.severity = "warning"});
	assert_int_equal(l.n, 3);
	assert_null(by_fp(&l, "n1"));
	finding_list_free(&l);
	l = query(s, (struct finding_query){.severity = "note"});
	assert_int_equal(l.n, 4);
	finding_list_free(&l);

	l = query(s, (struct finding_query){.since_run = r2});
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].fingerprint, "w2");
	finding_list_free(&l);

	l = query(s, (struct finding_query){.run = r2, .rule = "data-race"});
	assert_int_equal(l.n, 2);
	finding_list_free(&l);

	struct finding_list bad = {0};
	assert_int_equal(store_findings_load(s, &(struct finding_query){.severity = "fatal"},
	                                     &bad), -1);
	assert_non_null(strstr(store_errmsg(s), "'fatal'"));
	assert_int_equal(bad.n, 0);

	/* A finding with no fingerprint is refused and the batch is not half-written. */
	struct finding_list two = {0};
	fill_finding(finding_list_add(&two), "zz", "data-race", "error", 1);
	fill_finding(finding_list_add(&two), "yy", "data-race", "error", 1);
	free(two.items[1].fingerprint);
	two.items[1].fingerprint = NULL;
	assert_int_equal(store_findings_add(s, r2, two.items, two.n), -1);
	assert_non_null(strstr(store_errmsg(s), "fingerprint"));
	finding_list_free(&two);
	l = query(s, (struct finding_query){0});
	assert_null(by_fp(&l, "zz"));
	finding_list_free(&l);
	store_close(s);
}

/* ---- opening errors -------------------------------------------------------------------- */

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	struct strbuf sb;
	sb_init(&sb);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		sb_addn(&sb, buf, n);
	fclose(fp);
	return sb_detach(&sb);
}

static void open_fails(const char *path, const char *expect)
{
	struct store *s = (struct store *)1;
	char *err = NULL;
	assert_int_equal(store_open(path, &s, &err), -1);
	assert_null(s);
	assert_non_null(err);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, expect));
	assert_non_null(strstr(err, "--db PATH"));
	assert_null(strchr(err, '\n'));
	free(err);
}

static void test_open_missing_directory(void **state)
{
	struct fixture *fx = *state;
	char *path = xasprintf("%s/no/such/dir/tsafe.db", fx->dir);
	open_fails(path, "directory exists");
	free(path);
}

static void test_open_not_a_database(void **state)
{
	struct fixture *fx = *state;
	static const char text[] = "int main(void) { return 0; }\n"
	                           "this is a C file, not a database, and must survive\n";
	FILE *fp = fopen(fx->db, "wb");
	fwrite(text, 1, sizeof text - 1, fp);
	fclose(fp);
	open_fails(fx->db, "not an SQLite database");
	char *after = slurp(fx->db);
	assert_string_equal(after, text);
	free(after);
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void test_open_foreign_database(void **state)
{
	struct fixture *fx = *state;
	raw_exec(fx->db, "CREATE TABLE notes(t); INSERT INTO notes VALUES ('keep me');");
	open_fails(fx->db, "not a tsafe");
	assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM notes"), 1);
}

static void test_open_newer_schema(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	long run = store_run_begin(s, "static", "/proj", "/proj", NULL);
	assert_true(run > 0);
	store_close(s);
	int newer = store_schema_version() + 1;
	char *sql = xasprintf("PRAGMA user_version = %d", newer);
	raw_exec(fx->db, sql);
	free(sql);
	open_fails(fx->db, "newer tsafe");
	assert_int_equal(raw_int(fx->db, "PRAGMA user_version"), newer);
	assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM runs"), 1);
}

static void test_reopen_keeps_data(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	long run = store_run_begin(s, "static", "/proj", "/proj", NULL);
	store_close(s);
	s = open_ok(fx->db);
	assert_int_equal(store_latest_run(s, NULL), run);
	assert_int_equal(raw_int(fx->db, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(store_run_end(s, run + 1, 0), -1);
	assert_non_null(strstr(store_errmsg(s), "no run"));
	store_close(s);
}

/* What migration 4 -> 5 adds, dropped to make a database of an older version. */
#define DROP_V5 "DROP INDEX events_access_line; DROP INDEX events_access_path; " \
                "DROP INDEX events_call_callee; " DROP_V6
/* What migration 5 -> 6 adds. */
#define DROP_V6 "DROP TABLE watch_seen; " DROP_V7
/* What migration 6 -> 7 adds. */
#define DROP_V7 "ALTER TABLE analysis_cache DROP COLUMN truncated; "

/* A version-1 database (before lock_edges was a migration) opens, keeps its runs, and
 * gains the table; one whose early build already made the table keeps its rows. */
static void test_migrates_version_1(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	long run = store_run_begin(s, "runtime", "./prog", "/proj", NULL);
	store_close(s);
	raw_exec(fx->db, DROP_V5 "DROP TABLE lock_edges; DROP TABLE analysis_cache; ALTER TABLE findings DROP COLUMN benign; PRAGMA user_version = 1;");
	s = open_ok(fx->db);
	store_close(s);
	assert_int_equal(raw_int(fx->db, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM runs"), 1);
	raw_exec(fx->db, "INSERT INTO lock_edges (run_id, from_class, to_class, flags, threads,"
	                 " inner_line, outer_line) VALUES (1, 'global:a', 'global:b', 0, 1, 3, 4);"
	                 DROP_V5 "DROP TABLE analysis_cache; ALTER TABLE findings DROP COLUMN benign; "
	                 "PRAGMA user_version = 1;");
	s = open_ok(fx->db);
	assert_int_equal(store_latest_run(s, NULL), run);
	store_close(s);
	assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM lock_edges"), 1);
}

/* SQLite's plan for sql, its steps' details joined ("SEARCH e USING INDEX …"). */
static char *raw_plan(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *q = xasprintf("EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	struct strbuf sb;
	sb_init(&sb);
	while (sqlite3_step(st) == SQLITE_ROW)
		sb_addf(&sb, "%s; ", (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(q);
	return sb_detach(&sb);
}

static void assert_plan_uses(const char *path, const char *sql, const char *index)
{
	char *plan = raw_plan(path, sql);
	if (!strstr(plan, index))
		fail_msg("plan of '%s' does not use %s: %s", sql, index, plan);
	free(plan);
}

/* A version-4 database gains the fact-query indexes (4 -> 5); the queries of accesses.c
 * answer as before and no longer scan every event. */
static void test_migrates_version_4(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	struct tu_facts tu;
	build_tu(&tu, "/src/a.c", "key-1", 0);
	assert_int_equal(store_facts_save(s, &tu), 0);
	store_close(s);
	raw_exec(fx->db, DROP_V5 "PRAGMA user_version = 4;");
	s = open_ok(fx->db);
	assert_int_equal(raw_int(fx->db, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	                                 " AND name IN ('events_access_line', 'events_access_path',"
	                                 " 'events_call_callee')"), 3);

	/* The answers: what the saved facts hold. */
	const struct event *acc = NULL, *call = NULL;
	int nacc_path = 0, nacc_line = 0, ncalls = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int f = 0; f < tu.nfuncs; f++)
			for (int b = 0; b < tu.funcs[f].nblocks; b++)
				for (int e = 0; e < tu.funcs[f].blocks[b].nevents; e++) {
					const struct event *ev = &tu.funcs[f].blocks[b].events[e];
					if (pass == 0) {
						acc = !acc && ev->kind == EV_ACCESS ? ev : acc;
						call = !call && ev->kind == EV_CALL ? ev : call;
						continue;
					}
					nacc_path += ev->kind == EV_ACCESS && str_eq(ev->path, acc->path);
					nacc_line += ev->kind == EV_ACCESS && ev->line == acc->line;
					ncalls += ev->kind == EV_CALL && str_eq(ev->callee, call->callee) &&
					          !(ev->flags & EVF_VIA_POINTER);
				}
	assert_non_null(acc);
	assert_non_null(call);
	struct stored_access_list l = {0};
	assert_int_equal(store_accesses_of(s, acc->path, &l), 0);
	assert_int_equal(l.n, nacc_path);
	stored_access_list_free(&l);
	assert_int_equal(store_accesses_at(s, "/src/a.c", acc->line, &l), 0);
	assert_int_equal(l.n, nacc_line);
	assert_true(l.n > 0);
	stored_access_list_free(&l);
	assert_int_equal(store_direct_calls(s, call->callee), ncalls);
	store_close(s);

	assert_plan_uses(fx->db, "SELECT * FROM events WHERE path = 'x' AND kind = 'access'",
	                 "events_access_path");
	assert_plan_uses(fx->db, "SELECT * FROM events e JOIN functions f ON f.tu_id = e.tu_id"
	                 " AND f.idx = e.fn WHERE f.file = 'a' AND e.line = 3 AND e.kind = 'access'",
	                 "events_access_line");
	assert_plan_uses(fx->db, "SELECT count(*) FROM events WHERE kind = 'call' AND callee = 'u'"
	                 " AND (flags & 4) = 0", "events_call_callee");
	tu_facts_free(&tu);
}

/* The analysis results cache answers for a key only with a run that ended, with the
 * analysis's statistics (a truncated one included). */
static void test_results_cache(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ok(fx->db);
	struct stored_results r = {0};
	assert_int_equal(store_results_get(s, "k1", &r), 0);
	long run = store_run_begin(s, "static", "/proj", "/proj", NULL);
	struct stored_results put = {.run = run, .programs = 3, .threads = 2};
	assert_int_equal(store_results_put(s, "k1", &put), 0);
	assert_int_equal(store_results_get(s, "k1", &r), 0);     /* still running */
	assert_int_equal(store_run_end(s, run, 1), 0);
	assert_int_equal(store_results_get(s, "k1", &r), 1);
	assert_int_equal(r.run, run);
	assert_int_equal(r.programs, 3);
	assert_int_equal(r.threads, 2);
	assert_int_equal(store_results_get(s, "k2", &r), 0);
	long run2 = store_run_begin(s, "static", "/proj", "/proj", NULL);
	store_run_end(s, run2, 0);
	put.run = run2;
	put.truncated = 1;       /* an analysis cut by its work budget is reused as cut */
	assert_int_equal(store_results_put(s, "k1", &put), 0);  /* replaced */
	assert_int_equal(store_results_get(s, "k1", &r), 1);
	assert_int_equal(r.run, run2);
	assert_int_equal(r.truncated, 1);
	store_close(s);
}

/* ---- concurrency ---------------------------------------------------------------------- */

enum { NTHREADS = 8, TUS_PER_THREAD = 20, NPROCS = 4, FINDINGS_PER_PROC = 40 };

struct worker {
	const char *db;
	int id;
	int failed;
	char err[512];
};

static char *tu_name(int thread, int i)
{
	return i < 0 ? xstrdup("/src/shared.c") : xasprintf("/src/t%d_%d.c", thread, i);
}

static void *save_worker(void *arg)
{
	struct worker *w = arg;
	struct store *s;
	char *err;
	if (store_open(w->db, &s, &err)) {
		snprintf(w->err, sizeof w->err, "%s", err);
		free(err);
		w->failed = 1;
		return NULL;
	}
	for (int i = -1; i < TUS_PER_THREAD && !w->failed; i++) {
		struct tu_facts tu;
		char *file = tu_name(w->id, i), *key = xasprintf("key-%d", w->id);
		build_tu(&tu, file, key, w->id);
		if (store_facts_save(s, &tu)) {
			snprintf(w->err, sizeof w->err, "%s", store_errmsg(s));
			w->failed = 1;
		}
		tu_facts_free(&tu);
		free(file);
		free(key);
	}
	store_close(s);
	return NULL;
}

struct reader {
	const char *db;
	atomic_int stop;      /* set by the main thread once the writers are joined */
	int loads, torn;
	char err[512];
};

/* Whether a loaded shared.c is wholly the version its key names (build_tu's variant). */
static int whole_version(const struct tu_facts *tu, int variant)
{
	char *suffix = xasprintf("_%d", variant);
	int ok = tu->nfuncs == 2 + variant % 3;
	for (int i = 0; ok && i < tu->nfuncs; i++) {
		const char *usr = tu->funcs[i].usr;
		size_t n = strlen(usr), m = strlen(suffix);
		ok = n > m && strcmp(usr + n - m, suffix) == 0 && tu->funcs[i].nblocks == 3;
	}
	free(suffix);
	return ok;
}

/* Loads shared.c while the workers rewrite it: each load must be one version, whole. */
static void *read_worker(void *arg)
{
	struct reader *r = arg;
	struct store *s;
	char *err;
	if (store_open(r->db, &s, &err)) {
		snprintf(r->err, sizeof r->err, "%s", err);
		free(err);
		return NULL;
	}
	while (!r->stop && !r->err[0]) {
		char *key = store_facts_key(s, "/src/shared.c");
		struct tu_facts tu = {0};
		int rc = key ? store_facts_load(s, "/src/shared.c", key, &tu) : 0;
		if (rc < 0)
			snprintf(r->err, sizeof r->err, "%s", store_errmsg(s));
		if (rc == 1) {
			r->loads++;
			r->torn += !whole_version(&tu, atoi(key + 4));
		}
		tu_facts_free(&tu);
		free(key);
	}
	store_close(s);
	return NULL;
}

static void test_threads_save_concurrently(void **state)
{
	struct fixture *fx = *state;
	pthread_t th[NTHREADS], rth;
	struct worker w[NTHREADS];
	struct reader r = {.db = fx->db};
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){.db = fx->db, .id = i};
		assert_int_equal(pthread_create(&th[i], NULL, save_worker, &w[i]), 0);
	}
	assert_int_equal(pthread_create(&rth, NULL, read_worker, &r), 0);
	/* Join all before failing: a thread left running would hold SQLite's mutexes
	 * across the fork of a later test. */
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	r.stop = 1;
	pthread_join(rth, NULL);
	for (int i = 0; i < NTHREADS; i++)
		if (w[i].failed)
			fail_msg("worker %d: %s", i, w[i].err);
	if (r.err[0])
		fail_msg("reader: %s", r.err);
	assert_int_equal(r.torn, 0);
	struct store *s = open_ok(fx->db);
	for (int t = 0; t < NTHREADS; t++) {
		for (int i = -1; i < TUS_PER_THREAD; i++) {
			struct tu_facts want, got;
			char *file = tu_name(t, i);
			char *key = i < 0 ? store_facts_key(s, file) : xasprintf("key-%d", t);
			assert_non_null(key);
			/* shared.c: whichever thread saved last, its version whole. */
			build_tu(&want, file, key, atoi(key + 4));
			assert_int_equal(store_facts_load(s, file, key, &got), 1);
			assert_tu_equal(&want, &got);
			tu_facts_free(&want);
			tu_facts_free(&got);
			free(file);
			free(key);
		}
	}
	store_close(s);
}

/* A child process: its own connection (and possibly the database's creation), one run,
 * findings added in small batches, some shared with every other process. */
static int add_process(const char *db, int id)
{
	struct store *s;
	char *err;
	if (store_open(db, &s, &err)) {
		fprintf(stderr, "process %d: %s\n", id, err);
		return 1;
	}
	char *scope = xasprintf("./t%d", id);
	long run = store_run_begin(s, "runtime", scope, NULL, scope);
	int rc = run > 0 ? 0 : 1;
	for (int i = 0; i < FINDINGS_PER_PROC && rc == 0; i += 4) {
		struct finding_list l = {0};
		for (int j = i; j < i + 4; j++) {
			char *fp = j % 2 ? xasprintf("shared-%d", j) : xasprintf("p%d-%d", id, j);
			fill_finding(finding_list_add(&l), fp, "data-race", "error", j + 1);
			free(fp);
		}
		rc = store_findings_add(s, run, l.items, l.n) ? 1 : 0;
		finding_list_free(&l);
	}
	if (rc == 0)
		rc = store_run_end(s, run, 0) ? 1 : 0;
	if (rc)
		fprintf(stderr, "process %d: %s\n", id, store_errmsg(s));
	free(scope);
	store_close(s);
	return rc;
}

static void test_processes_add_concurrently(void **state)
{
	struct fixture *fx = *state;
	pid_t pids[NPROCS];
	for (int i = 0; i < NPROCS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			alarm(60);   /* a deadlock fails the test instead of hanging it */
			_exit(add_process(fx->db, i));
		}
	}
	for (int i = 0; i < NPROCS; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	struct store *s = open_ok(fx->db);
	struct finding_list l = query(s, (struct finding_query){.current_only = 1});
	int shared = FINDINGS_PER_PROC / 2;
	assert_int_equal(l.n, NPROCS * (FINDINGS_PER_PROC - shared) + shared);
	for (int j = 1; j < FINDINGS_PER_PROC; j += 2) {
		char *fp = xasprintf("shared-%d", j);
		const struct finding *f = by_fp(&l, fp);
		assert_non_null(f);
		assert_int_equal(f->times_seen, NPROCS);
		free(fp);
	}
	finding_list_free(&l);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_facts_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_hit_and_miss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_findings_across_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_current_only_drops_fixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confirmed_by_two_engines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confirmed_keeps_both_engines_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_not_a_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_foreign_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_newer_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrates_version_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrates_version_4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_results_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_save_concurrently, setup, teardown),
		cmocka_unit_test_setup_teardown(test_processes_add_concurrently, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
