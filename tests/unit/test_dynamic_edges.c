/* test_dynamic_edges.c — the store's lock_edges table: a run's edges round-trip with
 * their stacks and gates, and the edges offered for cross-run prediction are those of
 * the newest finished run of every other scope (a newer run of a scope supersedes its
 * older ones, so an order the program no longer takes drops out). The graph reads the
 * edges of the current run of every (engine, scope), a scan still printing its run
 * included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "store/edges.h"

static char path[64];

static struct store *open_db(void)
{
	snprintf(path, sizeof path, "/tmp/tsafe-edges-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	struct store *s = NULL;
	char *err = NULL;
	if (store_open(path, &s, &err))
		fail_msg("store_open: %s", err);
	return s;
}

static void close_db(struct store *s)
{
	store_close(s);
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	unlink(path);
	unlink(wal);
	unlink(shm);
	free(wal);
	free(shm);
}

static void make_edge(struct stored_edge *e, const char *from, const char *to)
{
	memset(e, 0, sizeof *e);
	e->from = xstrdup(from);
	e->to = xstrdup(to);
	e->flags = EDGE_BLOCKING;
	e->threads = 1;
	e->thread_key = xstrdup("12:3");
	e->gates = xcalloc(2, sizeof *e->gates);
	e->gates[e->ngates++] = xstrdup("global:gate\twith tab");
	e->inner.file = xstrdup("src/a.c");
	e->inner.line = 31;
	e->inner.func = xstrdup("transfer");
	e->inner.message = xstrdup("acquires 'b' while holding 'a'");
	e->inner.thread = xstrdup("thread 'payer' created at src/a.c:50");
	finding_add_frame(&e->inner, "transfer", "src/a.c", 31);
	finding_add_frame(&e->inner, "payer", "src/a.c", 44);
	e->outer.file = xstrdup("src/a.c");
	e->outer.line = 30;
	e->outer.func = xstrdup("transfer");
}

static long finished_run(struct store *s, const char *scope)
{
	long run = store_run_begin(s, "runtime", scope, "/src", scope);
	assert_true(run > 0);
	return run;
}

static void test_round_trip(void **state)
{
	(void)state;
	struct store *s = open_db();
	long run = finished_run(s, "./test_a");
	struct stored_edge e;
	make_edge(&e, "global:a", "global:b");
	assert_int_equal(store_edges_add(s, run, &e, 1), 0);
	assert_int_equal(store_run_end(s, run, 0), 0);
	struct stored_edge_list l = {0};
	assert_int_equal(store_edges_load(s, "./other", &l), 0);
	assert_int_equal(l.n, 1);
	struct stored_edge *g = &l.items[0];
	assert_string_equal(g->from, "global:a");
	assert_string_equal(g->to, "global:b");
	assert_int_equal(g->flags, EDGE_BLOCKING);
	assert_string_equal(g->thread_key, "12:3");
	assert_int_equal(g->ngates, 1);
	assert_string_equal(g->gates[0], "global:gate\twith tab");
	assert_int_equal(g->inner.line, 31);
	assert_string_equal(g->inner.thread, e.inner.thread);
	assert_int_equal(g->inner.nstack, 2);
	assert_string_equal(g->inner.stack[1].func, "payer");
	assert_int_equal(g->inner.stack[1].line, 44);
	assert_int_equal(g->outer.line, 30);
	assert_int_equal(g->run, run);
	assert_string_equal(g->run_scope, "./test_a");
	stored_edge_list_free(&l);
	/* The scope being run now does not meet its own earlier runs. */
	assert_int_equal(store_edges_load(s, "./test_a", &l), 0);
	assert_int_equal(l.n, 0);
	stored_edge_free(&e);
	close_db(s);
}

static void test_newest_run_of_each_scope(void **state)
{
	(void)state;
	struct store *s = open_db();
	struct stored_edge e;
	make_edge(&e, "global:b", "global:a");
	long old = finished_run(s, "./test_b");
	assert_int_equal(store_edges_add(s, old, &e, 1), 0);
	assert_int_equal(store_run_end(s, old, 0), 0);
	long fixed = finished_run(s, "./test_b");        /* the order is gone */
	assert_int_equal(store_run_end(s, fixed, 0), 0);
	long other = finished_run(s, "./test_c");
	assert_int_equal(store_edges_add(s, other, &e, 1), 0);
	assert_int_equal(store_run_end(s, other, 0), 0);
	long running = finished_run(s, "./test_d");      /* not ended: not offered */
	assert_int_equal(store_edges_add(s, running, &e, 1), 0);
	struct stored_edge_list l = {0};
	assert_int_equal(store_edges_load(s, "./test_a", &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0].run, other);
	stored_edge_list_free(&l);
	stored_edge_free(&e);
	close_db(s);
}

static long run_of(struct store *s, const char *engine, const char *scope)
{
	long run = store_run_begin(s, engine, scope, "/src", scope);
	assert_true(run > 0);
	return run;
}

static void test_current_edges_of_every_engine(void **state)
{
	(void)state;
	struct store *s = open_db();
	struct stored_edge ab, ba, cd;
	make_edge(&ab, "global:a", "global:b");
	make_edge(&ba, "global:b", "global:a");
	make_edge(&cd, "global:c", "global:d");
	long old = run_of(s, "static", "/src");
	assert_int_equal(store_edges_add(s, old, &cd, 1), 0);     /* fixed since: drops out */
	assert_int_equal(store_run_end(s, old, 0), 0);
	long scan = run_of(s, "static", "/src");                  /* printing, not ended yet */
	assert_int_equal(store_edges_add(s, scan, &ab, 1), 0);
	long rt = run_of(s, "runtime", "./test_a");
	assert_int_equal(store_edges_add(s, rt, &ba, 1), 0);
	assert_int_equal(store_edges_add(s, rt, &ab, 1), 0);
	assert_int_equal(store_run_end(s, rt, 0), 0);
	struct stored_edge_list l = {0};
	assert_int_equal(store_edges_current(s, &l), 0);
	assert_int_equal(l.n, 3);             /* ordered by from, to, run */
	assert_string_equal(l.items[0].from, "global:a");
	assert_int_equal(l.items[0].run, scan);
	assert_string_equal(l.items[0].run_engine, "static");
	assert_string_equal(l.items[1].from, "global:a");
	assert_string_equal(l.items[1].run_engine, "runtime");
	assert_string_equal(l.items[2].from, "global:b");
	assert_string_equal(l.items[2].run_scope, "./test_a");
	stored_edge_list_free(&l);
	stored_edge_free(&ab);
	stored_edge_free(&ba);
	stored_edge_free(&cd);
	close_db(s);
}

static void test_edge_needs_classes(void **state)
{
	(void)state;
	struct store *s = open_db();
	long run = finished_run(s, "./x");
	struct stored_edge e = {0};
	assert_int_equal(store_edges_add(s, run, &e, 1), -1);
	assert_non_null(strstr(store_errmsg(s), "needs both classes"));
	close_db(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_newest_run_of_each_scope),
		cmocka_unit_test(test_current_edges_of_every_engine),
		cmocka_unit_test(test_edge_needs_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
