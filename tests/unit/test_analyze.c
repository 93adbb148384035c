/* test_analyze.c — the whole-program analysis on hand-built facts: locksets through
 * branches and helpers, thread lifetimes, and each rule's positive and negative cases.
 * Facts are built with the DSL of facts_dsl.h so each test reads like the C it stands for. */
#include "facts_dsl.h"
/* ---- data races ------------------------------------------------------------------------ */

static void test_unlocked_counter_races_with_itself(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	access_(w, b, 10, "g:counter", RD | WR);
	ret(w, b, 11);
	main_two_threads("worker");
	run();
	const struct finding *f = only("data-race");
	assert_int_equal(f->nlocs, 2);
	assert_int_equal(f->locs[0].line, 10);
	assert_int_equal(f->locs[1].line, 10);
	assert_string_equal(f->locs[0].file, "t.c");
	assert_string_equal(f->locs[0].locks, "none");
	assert_non_null(strstr(f->locs[0].thread, "worker"));
	assert_int_equal(found.n, 1);
}

/* Each racing write site leads one finding: main's two writes each race only with the
 * worker's write, and neither finding starts at the worker's line, which has its own. */
static void test_each_write_site_leads_its_own_finding(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	access_(w, b, 10, "g:flag", WR);
	ret(w, b, 11);
	struct function *r;              /* a second writer in main, in a function of its own */
	int rb = thread_fn("reset", &r);
	access_(r, rb, 70, "g:flag", WR);
	ret(r, rb, 71);
	struct function *m = fn("main", 0);
	int mb = blk(m);
	edge(m, 0, mb);
	create(m, mb, 50, "worker", "l:main:t1", "?", 0);
	create(m, mb, 51, "worker", "l:main:t2", "?", 0);
	access_(m, mb, 60, "g:flag", WR);
	call(m, mb, 65, "reset", NULL, NULL);
	join(m, mb, 80, "l:main:t1");
	join(m, mb, 81, "l:main:t2");
	ret(m, mb, 82);
	run();
	assert_int_equal(count("data-race"), 3);
	int primaries[3];
	for (int i = 0; i < 3; i++)
		primaries[i] = found.items[i].locs[0].line;
	qsort(primaries, 3, sizeof *primaries, cmp_int);
	assert_int_equal(primaries[0], 10);
	assert_int_equal(primaries[1], 60);
	assert_int_equal(primaries[2], 70);
}

static void test_common_lock_prevents_race(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	LOCK(w, b, 9, "m");
	access_(w, b, 10, "g:counter", RD | WR);
	UNLOCK(w, b, 11, "m");
	ret(w, b, 12);
	main_two_threads("worker");
	run();
	assert_int_equal(found.n, 0);
}

static void test_lock_on_one_branch_only_is_not_held_after_join(void **state)
{
	(void)state;
	/* if (x) lock(m); counter++;  — m is not held on every path */
	struct function *w = fn("worker", 1);
	int b1 = blk(w), b2 = blk(w), b3 = blk(w);
	edge(w, 0, b1);
	edge(w, b1, b2);
	edge(w, b1, b3);
	edge(w, b2, b3);
	LOCK(w, b2, 9, "m");
	access_(w, b3, 10, "g:counter", WR);
	ret(w, b3, 12);
	main_two_threads("worker");
	run();
	assert_int_equal(count("data-race"), 1);
	assert_int_equal(count("lock-leak"), 1);    /* and the thread can end holding m */
}

static void test_lock_wrapper_acts_as_acquire(void **state)
{
	(void)state;
	struct function *lk = fn("account_lock", 1);
	int b = blk(lk);
	edge(lk, 0, b);
	lock_(lk, b, 3, EV_LOCK, "p:0*.lock", "field:struct account.lock", 0);
	ret(lk, b, 4);
	struct function *ul = fn("account_unlock", 1);   /* fn() may move earlier functions */
	b = blk(ul);
	edge(ul, 0, b);
	lock_(ul, b, 6, EV_UNLOCK, "p:0*.lock", "field:struct account.lock", 0);
	ret(ul, b, 7);
	struct function *w;
	b = thread_fn("worker", &w);
	call(w, b, 9, "account_lock", "&g:acct", NULL);
	access_(w, b, 10, "g:acct.balance", RD | WR);
	call(w, b, 11, "account_unlock", "&g:acct", NULL);
	ret(w, b, 12);
	main_two_threads("worker");
	run();
	assert_int_equal(found.n, 0);      /* no race, and neither wrapper is a leak or misuse */
}

static void test_main_races_only_while_threads_run(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	access_(w, b, 10, "g:data", WR);
	ret(w, b, 11);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	access_(m, b, 20, "g:data", WR);       /* before the thread: fine */
	create(m, b, 21, "worker", "l:main:t", "?", 0);
	access_(m, b, 22, "g:data", RD);       /* while it runs: race */
	join(m, b, 23, "l:main:t");
	access_(m, b, 24, "g:data", RD);       /* after the join: fine */
	ret(m, b, 25);
	run();
	const struct finding *f = only("data-race");
	assert_int_equal(f->locs[0].line, 10);
	assert_int_equal(f->locs[1].line, 22);
}

static void test_per_thread_argument_is_private(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	access_(w, b, 10, "p:0*.result", WR);
	ret(w, b, 11);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	create(m, b, 20, "worker", "l:main:t[]", "&l:main:args[]", EVF_IN_LOOP | EVF_PER_INSTANCE);
	join(m, b, 21, "l:main:t[]");
	ret(m, b, 22);
	run();
	assert_int_equal(found.n, 0);
}

static void test_shared_argument_races(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	access_(w, b, 10, "p:0*.total", RD | WR);
	ret(w, b, 11);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	create(m, b, 20, "worker", "l:main:t[]", "&l:main:shared", EVF_IN_LOOP);
	join(m, b, 21, "l:main:t[]");
	ret(m, b, 22);
	run();
	const struct finding *f = only("data-race");
	assert_string_equal(f->symbol, "l:main:shared.total");
}

static void test_read_only_and_atomic_sharing_is_fine(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	access_(w, b, 10, "g:config", RD);
	access_(w, b, 11, "g:hits", RD | WR | EVF_ATOMIC);
	ret(w, b, 12);
	main_two_threads("worker");
	run();
	assert_int_equal(found.n, 0);
}

static void test_rwlock_read_side_does_not_order_a_write(void **state)
{
	(void)state;
	struct function *r, *wr;
	int b = thread_fn("reader", &r);
	lock_(r, b, 9, EV_LOCK, "g:rw", "global:rw", EVF_SHARED);
	access_(r, b, 10, "g:table", RD);
	lock_(r, b, 11, EV_UNLOCK, "g:rw", "global:rw", 0);
	ret(r, b, 12);
	b = thread_fn("sloppy_writer", &wr);
	lock_(wr, b, 19, EV_LOCK, "g:rw", "global:rw", EVF_SHARED);   /* should be wrlock */
	access_(wr, b, 20, "g:table", WR);
	lock_(wr, b, 21, EV_UNLOCK, "g:rw", "global:rw", 0);
	ret(wr, b, 22);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	create(m, b, 30, "reader", "l:main:a", "?", 0);
	create(m, b, 31, "sloppy_writer", "l:main:b", "?", 0);
	join(m, b, 32, "l:main:a");
	join(m, b, 33, "l:main:b");
	ret(m, b, 34);
	run();
	assert_int_equal(count("data-race"), 1);
	/* With the writer taking the write lock, nothing. */
	tu_facts_free(&tu);
	finding_list_free(&found);
	setup(NULL);
	b = thread_fn("reader", &r);
	lock_(r, b, 9, EV_LOCK, "g:rw", "global:rw", EVF_SHARED);
	access_(r, b, 10, "g:table", RD);
	lock_(r, b, 11, EV_UNLOCK, "g:rw", "global:rw", 0);
	ret(r, b, 12);
	main_two_threads("reader");
	b = thread_fn("writer", &wr);
	lock_(wr, b, 19, EV_LOCK, "g:rw", "global:rw", 0);
	access_(wr, b, 20, "g:table", WR);
	lock_(wr, b, 21, EV_UNLOCK, "g:rw", "global:rw", 0);
	ret(wr, b, 22);
	run();
	assert_int_equal(found.n, 0);
}

/* ---- lock order ------------------------------------------------------------------------ */

static void two_orders(int gate, unsigned inner_flags)
{
	struct function *x, *y;
	int b = thread_fn("ab", &x);
	if (gate)
		LOCK(x, b, 8, "g");
	LOCK(x, b, 9, "a");
	lock_(x, b, 10, EV_LOCK, "g:b", "global:b", inner_flags);
	UNLOCK(x, b, 11, "b");
	UNLOCK(x, b, 12, "a");
	if (gate)
		UNLOCK(x, b, 13, "g");
	ret(x, b, 14);
	b = thread_fn("ba", &y);
	if (gate)
		LOCK(y, b, 18, "g");
	LOCK(y, b, 19, "b");
	LOCK(y, b, 20, "a");
	UNLOCK(y, b, 21, "a");
	UNLOCK(y, b, 22, "b");
	if (gate)
		UNLOCK(y, b, 23, "g");
	ret(y, b, 24);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	create(m, b, 30, "ab", "l:main:t1", "?", 0);
	join(m, b, 31, "l:main:t1");           /* even run one after the other: latent */
	create(m, b, 32, "ba", "l:main:t2", "?", 0);
	join(m, b, 33, "l:main:t2");
	ret(m, b, 34);
	run();
}

static void test_opposite_orders_are_an_inversion(void **state)
{
	(void)state;
	two_orders(0, 0);
	const struct finding *f = only("lock-order-inversion");
	assert_int_equal(f->nlocs, 2);
	assert_int_equal(f->locs[0].line, 10);
	assert_int_equal(f->locs[1].line, 20);
	assert_int_equal(found.n, 1);
}

static void test_gate_lock_serialises_the_orders(void **state)
{
	(void)state;
	two_orders(1, 0);
	assert_int_equal(found.n, 0);
}

static void test_trylock_inner_acquisition_orders_nothing(void **state)
{
	(void)state;
	two_orders(0, EVF_TRY);
	assert_int_equal(count("lock-order-inversion"), 0);
}

static const struct analyze_edge *edge_of(const struct analyze_edge_list *l, const char *from,
                                          const char *to)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->items[i].from, from) && !strcmp(l->items[i].to, to))
			return &l->items[i];
	return NULL;
}

/* The graph gets every edge, one per pair of classes, even those of a gated cycle that is
 * not reported; an inner trylock makes no edge. */
static void test_lock_order_edges_are_handed_out(void **state)
{
	(void)state;
	struct analyze_edge_list l = {0};
	edges_out = &l;
	two_orders(1, EVF_TRY);
	edges_out = NULL;
	assert_int_equal(count("lock-order-inversion"), 0);
	/* g -> b, b -> a; not a -> b (a trylock), nor g -> a: g -> b -> a says it (the graph
	 * keeps only the orders no longer path implies, cycles_needed). */
	assert_int_equal(l.n, 2);
	assert_null(edge_of(&l, "global:a", "global:b"));
	assert_null(edge_of(&l, "global:g", "global:a"));
	const struct analyze_edge *gb = edge_of(&l, "global:g", "global:b");
	assert_non_null(gb);
	assert_int_equal(gb->threads, 1);
	const struct analyze_edge *ba = edge_of(&l, "global:b", "global:a");
	assert_non_null(ba);
	assert_int_equal(ba->threads, 1);
	assert_string_equal(ba->inner.file, "t.c");
	assert_int_equal(ba->inner.line, 20);
	assert_string_equal(ba->inner.func, "ba");
	assert_non_null(strstr(ba->inner.thread, "thread 'ba'"));
	assert_true(ba->inner.nstack >= 1);
	assert_int_equal(ba->outer.line, 19);
	analyze_edge_list_free(&l);
}

/* Both threads take g then a: the order counts both threads. With the gate both orders
 * of a and b are taken under g (no finding), and g -> b goes along g -> a -> b. */
static void test_handed_out_orders_count_their_threads(void **state)
{
	(void)state;
	struct analyze_edge_list l = {0};
	edges_out = &l;
	two_orders(1, 0);
	edges_out = NULL;
	assert_int_equal(count("lock-order-inversion"), 0);
	assert_int_equal(l.n, 3);       /* g -> a, a -> b, b -> a */
	const struct analyze_edge *ga = edge_of(&l, "global:g", "global:a");
	assert_non_null(ga);
	assert_int_equal(ga->threads, 2);
	assert_null(edge_of(&l, "global:g", "global:b"));
	assert_non_null(edge_of(&l, "global:a", "global:b"));
	assert_non_null(edge_of(&l, "global:b", "global:a"));
	analyze_edge_list_free(&l);
}

/* transfer(from, to) locks both accounts: called with accounts of unknown objects (the
 * thread's argument), or with two named ones in one order (swapped: both orders). */
static void transfer_program_with(int ordered, const char *x, const char *y, int swapped)
{
	struct function *t = fn("transfer", 2);
	if (ordered) {
		t->norder_types = 1;
		t->order_types = xcalloc(1, sizeof *t->order_types);
		t->order_types[0] = xstrdup("struct account");
	}
	int b = blk(t);
	edge(t, 0, b);
	lock_(t, b, 5, EV_LOCK, "p:0*.lock", "field:struct account.lock", 0);
	lock_(t, b, 6, EV_LOCK, "p:1*.lock", "field:struct account.lock", 0);
	lock_(t, b, 7, EV_UNLOCK, "p:1*.lock", "field:struct account.lock", 0);
	lock_(t, b, 8, EV_UNLOCK, "p:0*.lock", "field:struct account.lock", 0);
	ret(t, b, 9);
	struct function *w;
	b = thread_fn("worker", &w);
	struct event *c = ev(w, b, EV_CALL, 12);
	c->callee = xstrdup("c:@F@transfer");
	c->name = xstrdup("transfer");
	c->nargs = 2;
	c->args = xcalloc(2, sizeof *c->args);
	c->args[0].path = xstrdup(x);
	c->args[1].path = xstrdup(y);
	if (swapped) {
		c = ev(w, b, EV_CALL, 13);
		c->callee = xstrdup("c:@F@transfer");
		c->name = xstrdup("transfer");
		c->nargs = 2;
		c->args = xcalloc(2, sizeof *c->args);
		c->args[0].path = xstrdup(y);
		c->args[1].path = xstrdup(x);
	}
	ret(w, b, 14);
	main_two_threads("worker");
	run();
}

static void transfer_program(int ordered)
{
	transfer_program_with(ordered, "p:0*.from", "p:0*.to", 0);
}

/* Named accounts are locks of their own: one order is no inversion, both orders are. */
static void test_named_instances_are_classes_of_their_own(void **state)
{
	(void)state;
	transfer_program_with(0, "&g:x", "&g:y", 0);
	assert_int_equal(count("lock-order-inversion"), 0);
	teardown(NULL);
	setup(NULL);
	transfer_program_with(0, "&g:x", "&g:y", 1);
	const struct finding *f = only("lock-order-inversion");
	assert_non_null(strstr(f->symbol, "global:x.lock"));
	assert_non_null(strstr(f->symbol, "global:y.lock"));
	teardown(NULL);
	setup(NULL);
	transfer_program_with(1, "&g:x", "&g:y", 1);   /* ordered by id */
	assert_int_equal(count("lock-order-inversion"), 0);
}

static void test_same_class_nesting_needs_an_order(void **state)
{
	(void)state;
	transfer_program(0);
	const struct finding *f = only("lock-order-inversion");
	assert_int_equal(f->locs[0].line, 6);
	assert_int_equal(f->locs[1].line, 5);
}

static void test_same_class_nesting_ordered_by_id_is_fine(void **state)
{
	(void)state;
	transfer_program(1);
	assert_int_equal(count("lock-order-inversion"), 0);
}

/* ---- misuse ----------------------------------------------------------------------------- */

static void test_double_lock_and_unlock_not_held(void **state)
{
	(void)state;
	struct function *f = fn("f", 0);
	int b = blk(f);
	edge(f, 0, b);
	LOCK(f, b, 3, "m");
	LOCK(f, b, 4, "m");
	UNLOCK(f, b, 5, "m");     /* pairs with the second lock: the bug is reported once */
	UNLOCK(f, b, 6, "m");
	UNLOCK(f, b, 7, "m");     /* now it is not held */
	ret(f, b, 8);
	run();
	assert_int_equal(only("double-lock")->locs[0].line, 4);
	assert_int_equal(only("unlock-not-held")->locs[0].line, 7);
	assert_int_equal(found.n, 2);
}

static void test_locks_tsafe_cannot_name_are_not_one_lock(void **state)
{
	(void)state;
	/* lock_it(find(a)); lock_it(find(b)); — two locks through a wrapper, arguments unknown */
	struct function *lk = fn("lock_it", 1);
	int b = blk(lk);
	edge(lk, 0, b);
	lock_(lk, b, 3, EV_LOCK, "p:0*.lock", "field:struct obj.lock", 0);
	ret(lk, b, 4);
	struct function *f = fn("f", 0);
	b = blk(f);
	edge(f, 0, b);
	call(f, b, 10, "lock_it", "?", NULL);
	call(f, b, 11, "lock_it", "?", NULL);
	ret(f, b, 12);
	run();
	assert_int_equal(count("double-lock"), 0);
}

static void test_unlock_wrapper_is_not_misuse_but_its_misuse_is(void **state)
{
	(void)state;
	struct function *ul = fn("release", 0);
	int b = blk(ul);
	edge(ul, 0, b);
	UNLOCK(ul, b, 3, "m");             /* releases the caller's lock: fine alone */
	ret(ul, b, 4);
	run();
	assert_int_equal(found.n, 0);
	/* A thread calling it without holding m: the unlock is reported. */
	struct function *w;
	b = thread_fn("worker", &w);
	call(w, b, 10, "release", NULL, NULL);
	ret(w, b, 11);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	create(m, b, 20, "worker", "l:main:t", "?", 0);
	join(m, b, 21, "l:main:t");
	ret(m, b, 22);
	run();
	assert_int_equal(only("unlock-not-held")->locs[0].line, 3);
}

static void test_lock_leaked_on_error_path(void **state)
{
	(void)state;
	/* lock(m); if (err) return -1; unlock(m); return 0; */
	struct function *f = fn("f", 0);
	int b1 = blk(f), berr = blk(f), bok = blk(f);
	edge(f, 0, b1);
	LOCK(f, b1, 3, "m");
	edge(f, b1, berr);
	edge(f, b1, bok);
	ret(f, berr, 4);
	UNLOCK(f, bok, 5, "m");
	ret(f, bok, 6);
	run();
	const struct finding *leak = only("lock-leak");
	assert_int_equal(leak->locs[0].line, 4);
	assert_int_equal(leak->locs[1].line, 3);    /* where it was taken */
}

static void test_cond_wait_rules(void **state)
{
	(void)state;
	struct function *f = fn("f", 0);
	int b = blk(f);
	edge(f, 0, b);
	LOCK(f, b, 3, "m");
	struct event *w = lock_(f, b, 4, EV_COND_WAIT, "g:cv", NULL, EVF_IN_LOOP);
	w->arg = xstrdup("g:m");
	w->lock_class = xstrdup("global:m");
	UNLOCK(f, b, 5, "m");
	w = lock_(f, b, 6, EV_COND_WAIT, "g:cv", NULL, 0);     /* unheld, and not in a loop */
	w->arg = xstrdup("g:m");
	w->lock_class = xstrdup("global:m");
	ret(f, b, 7);
	run();
	assert_int_equal(only("cond-wait-unheld")->locs[0].line, 6);
	assert_int_equal(only("cond-wait-no-loop")->locs[0].line, 6);
}

static void test_mt_unsafe_only_when_its_state_is_shared_concurrently(void **state)
{
	(void)state;
	struct function *w, *solo;
	int b = thread_fn("worker", &w);
	call(w, b, 10, "strtok", NULL, NULL);       /* two instances: they share strtok's state */
	ret(w, b, 11);
	b = thread_fn("clock_thread", &solo);
	call(solo, b, 14, "gmtime", NULL, NULL);    /* shares the static struct tm with localtime */
	ret(solo, b, 15);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	call(m, b, 18, "localtime", NULL, NULL);    /* before any thread: fine */
	create(m, b, 19, "clock_thread", "l:main:c", "?", 0);
	create(m, b, 20, "worker", "l:main:t1", "?", 0);
	create(m, b, 21, "worker", "l:main:t2", "?", 0);
	call(m, b, 22, "strsignal", NULL, NULL);     /* only main uses strsignal's buffer: fine */
	call(m, b, 23, "ctime", NULL, NULL);         /* alongside clock_thread's gmtime: race */
	join(m, b, 24, "l:main:t1");
	join(m, b, 25, "l:main:t2");
	join(m, b, 26, "l:main:c");
	ret(m, b, 27);
	run();
	assert_int_equal(count("mt-unsafe-call"), 3);
	int lines[3] = {0}, n = 0;
	for (int i = 0; i < found.n; i++)
		if (!strcmp(found.items[i].rule, "mt-unsafe-call"))
			lines[n++] = found.items[i].locs[0].line;
	qsort(lines, 3, sizeof *lines, cmp_int);
	assert_int_equal(lines[0], 10);
	assert_int_equal(lines[1], 14);
	assert_int_equal(lines[2], 23);
	for (int i = 0; i < found.n; i++)
		if (found.items[i].locs[0].line == 10)
			assert_non_null(strstr(found.items[i].message, "strtok_r"));
}

static void test_thread_never_joined_leaks(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	ret(w, b, 11);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	create(m, b, 20, "worker", "l:main:t", "?", 0);
	create(m, b, 21, "worker", "l:main:u", "?", EVF_DETACHED);
	ret(m, b, 22);
	run();
	assert_int_equal(only("thread-leak")->locs[0].line, 20);
}

static void test_pointer_candidates_are_one_thread(void **state)
{
	(void)state;
	/* void *(*fn)(void *) = fast ? fast_path : slow_path; pthread_create(&t, 0, fn, 0); */
	struct function *x, *y;
	int b = thread_fn("fast_path", &x);
	access_(x, b, 10, "g:result", WR);
	ret(x, b, 11);
	b = thread_fn("slow_path", &y);
	access_(y, b, 20, "g:result", WR);
	ret(y, b, 21);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	create(m, b, 30, "fast_path", "l:main:t", "?", EVF_VIA_POINTER)->col = 2;
	create(m, b, 30, "slow_path", "l:main:t", "?", EVF_VIA_POINTER)->col = 2;
	ret(m, b, 31);
	run();
	assert_int_equal(count("data-race"), 0);          /* one thread runs one of them */
	assert_int_equal(only("thread-leak")->locs[0].line, 30);
}

static void test_fingerprints_ignore_line_numbers_and_order(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	access_(w, b, 10, "g:counter", RD | WR);
	ret(w, b, 11);
	main_two_threads("worker");
	run();
	char *first = xstrdup(only("data-race")->fingerprint);
	tu_facts_free(&tu);
	finding_list_free(&found);
	setup(NULL);
	b = thread_fn("worker", &w);
	access_(w, b, 30, "g:counter", RD | WR);      /* moved down by unrelated edits */
	ret(w, b, 31);
	main_two_threads("worker");
	run();
	assert_string_equal(only("data-race")->fingerprint, first);
	free(first);
}

/* ---- lock ownership across functions ----------------------------------------------------- */

/* if (trylock(m) == 0) return it; return NULL;  and  switch: lock(m) / unlock(m): a function
 * that returns holding a lock wherever it takes it is an acquire, one that releases its
 * caller's lock is a release: neither is a leak. */
static void test_acquire_and_release_helpers_are_not_leaks(void **state)
{
	(void)state;
	struct function *g = fn("iter_get", 0);
	int bt = blk(g), bs = blk(g), bf = blk(g);
	edge(g, 0, bt);
	edge(g, bt, bs);
	edge(g, bt, bf);
	LOCK(g, bs, 3, "m")->flags |= EVF_TRY;
	ret(g, bs, 4);
	ret(g, bf, 5);
	struct function *p = fn("pause", 1);
	int bp = blk(p), bl = blk(p), bu = blk(p);
	edge(p, 0, bp);
	edge(p, bp, bl);
	edge(p, bp, bu);
	LOCK(p, bl, 10, "h");
	ret(p, bl, 11);
	UNLOCK(p, bu, 12, "h");
	ret(p, bu, 13);
	run();
	assert_int_equal(found.n, 0);
}

/* lock(m); if (x) unlock(m); unlock(m);  — released already on one path */
static void test_unlock_after_release_on_some_path(void **state)
{
	(void)state;
	struct function *f = fn("f", 0);
	int b1 = blk(f), b2 = blk(f), b3 = blk(f);
	edge(f, 0, b1);
	LOCK(f, b1, 3, "m");
	edge(f, b1, b2);
	edge(f, b1, b3);
	UNLOCK(f, b2, 4, "m");
	edge(f, b2, b3);
	UNLOCK(f, b3, 5, "m");
	ret(f, b3, 6);
	run();
	assert_int_equal(only("unlock-not-held")->locs[0].line, 5);
}

/* A lock taken through one pointer and released through another of unknown value with the
 * same struct-field class (e->buckets[b]->mutex, then e->pages[id].mutex): one lock. */
static void test_release_through_another_pointer_of_the_class(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	lock_(w, b, 3, EV_LOCK, "p:0*.buckets[]*.mutex", "field:struct page.mutex", 0);
	lock_(w, b, 4, EV_UNLOCK, "p:0*.pages[].mutex", "field:struct page.mutex", 0);
	ret(w, b, 5);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	create(m, b, 20, "worker", "l:main:t", "&g:engine", 0);
	join(m, b, 21, "l:main:t");
	ret(m, b, 22);
	run();
	assert_int_equal(found.n, 0);
}

static struct event *assume(struct function *f, int b, int line, const char *atom, unsigned flags)
{
	struct event *e = ev(f, b, EV_ASSUME, line);
	e->path = xstrdup(atom);
	e->flags = flags;
	return e;
}

/* if (c) lock(m); counter++ under if (c); if (c) unlock(m);  — one path each way: no leak,
 * no unlock of an unheld lock, and the guarded access holds m. */
static void test_correlated_branches_are_one_path_each_way(void **state)
{
	(void)state;
	struct function *w;
	int b0 = thread_fn("worker", &w);
	int t1 = blk(w), f1 = blk(w), l1 = blk(w), j1 = blk(w);
	int t2 = blk(w), f2 = blk(w), a2 = blk(w), j2 = blk(w);
	int t3 = blk(w), f3 = blk(w), u3 = blk(w), j3 = blk(w);
	edge(w, b0, t1); edge(w, b0, f1);
	assume(w, t1, 3, "v:c", EVF_TRUE); edge(w, t1, l1);
	assume(w, f1, 3, "v:c", 0); edge(w, f1, j1);
	LOCK(w, l1, 4, "m"); edge(w, l1, j1);
	edge(w, j1, t2); edge(w, j1, f2);
	assume(w, t2, 5, "v:c", EVF_TRUE); edge(w, t2, a2);
	assume(w, f2, 5, "v:c", 0); edge(w, f2, j2);
	access_(w, a2, 6, "g:counter", RD | WR); edge(w, a2, j2);
	edge(w, j2, t3); edge(w, j2, f3);
	assume(w, t3, 7, "v:c", EVF_TRUE); edge(w, t3, u3);
	assume(w, f3, 7, "v:c", 0); edge(w, f3, j3);
	UNLOCK(w, u3, 8, "m"); edge(w, u3, j3);
	ret(w, j3, 9);
	main_two_threads("worker");
	run();
	assert_int_equal(found.n, 0);
}

/* int take(void) { if (trylock(m) == 0) return 0; return 1; }
 * if (take() == 0) { counter++; unlock(m); }  — the helper's status decides the branch. */
static void test_status_of_a_trylock_helper_decides_the_branch(void **state)
{
	(void)state;
	struct function *t = fn("take", 0);
	int ok = blk(t), busy = blk(t);
	edge(t, 0, ok); edge(t, 0, busy);
	LOCK(t, ok, 2, "m")->flags |= EVF_TRY;
	ev(t, ok, EV_RETURN, 3)->flags |= EVF_RET_ZERO; edge(t, ok, 1);
	ev(t, busy, EV_RETURN, 4)->flags |= EVF_RET_NONZERO; edge(t, busy, 1);
	struct function *w;
	int b0 = thread_fn("worker", &w);
	int yes = blk(w), no = blk(w), end = blk(w);
	call(w, b0, 10, "take", NULL, NULL);
	edge(w, b0, yes); edge(w, b0, no);
	char *atom = xasprintf("r:%d", next_pos(w) - 1);
	assume(w, yes, 10, atom, 0);
	assume(w, no, 10, atom, EVF_TRUE);
	free(atom);
	access_(w, yes, 11, "g:counter", RD | WR);
	UNLOCK(w, yes, 12, "m");
	edge(w, yes, end); edge(w, no, end);
	ret(w, end, 13);
	main_two_threads("worker");
	run();
	assert_int_equal(found.n, 0);
}

int main(void)
{
	char *err = NULL;
	if (rules_load(&err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_unlocked_counter_races_with_itself),
		T(test_each_write_site_leads_its_own_finding),
		T(test_common_lock_prevents_race),
		T(test_lock_on_one_branch_only_is_not_held_after_join),
		T(test_lock_wrapper_acts_as_acquire),
		T(test_main_races_only_while_threads_run),
		T(test_per_thread_argument_is_private),
		T(test_shared_argument_races),
		T(test_read_only_and_atomic_sharing_is_fine),
		T(test_rwlock_read_side_does_not_order_a_write),
		T(test_opposite_orders_are_an_inversion),
		T(test_gate_lock_serialises_the_orders),
		T(test_trylock_inner_acquisition_orders_nothing),
		T(test_lock_order_edges_are_handed_out),
		T(test_handed_out_orders_count_their_threads),
		T(test_same_class_nesting_needs_an_order),
		T(test_same_class_nesting_ordered_by_id_is_fine),
		T(test_named_instances_are_classes_of_their_own),
		T(test_double_lock_and_unlock_not_held),
		T(test_locks_tsafe_cannot_name_are_not_one_lock),
		T(test_unlock_wrapper_is_not_misuse_but_its_misuse_is),
		T(test_lock_leaked_on_error_path),
		T(test_cond_wait_rules),
		T(test_mt_unsafe_only_when_its_state_is_shared_concurrently),
		T(test_thread_never_joined_leaks),
		T(test_pointer_candidates_are_one_thread),
		T(test_fingerprints_ignore_line_numbers_and_order),
		T(test_acquire_and_release_helpers_are_not_leaks),
		T(test_unlock_after_release_on_some_path),
		T(test_release_through_another_pointer_of_the_class),
		T(test_correlated_branches_are_one_path_each_way),
		T(test_status_of_a_trylock_helper_decides_the_branch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
