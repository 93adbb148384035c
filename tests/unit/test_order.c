/* test_order.c — what the analysis knows about order between threads: code that ends the
 * process, setup before the first thread at any depth, joins, exclusive creations; and what
 * it says about the kind of each race. Hand-built facts (facts_dsl.h). */
#include "facts_dsl.h"

static int found_symbol(const char *rule, const char *symbol)
{
	for (int i = 0; i < found.n; i++)
		if (!strcmp(found.items[i].rule, rule) && found.items[i].symbol &&
		    strstr(found.items[i].symbol, symbol))
			return 1;
	return 0;
}

/* A call of a function that never returns (declared so: abort). */
static void call_noreturn(struct function *f, int b, int line, const char *callee)
{
	struct event *e = ev(f, b, EV_CALL, line);
	e->callee = xasprintf("c:@F@%s", callee);
	e->name = xstrdup(callee);
	e->flags = EVF_NORETURN;
}

/* fatal() ends in abort() on every path; die() only calls fatal(). A worker writes
 * `failures` and calls die() on its error path: the extractor does not know die() never
 * returns, the analysis infers it (two levels), so that write is on the way out. */
static void test_inferred_noreturn_helpers_end_the_path(void **state)
{
	(void)state;
	struct function *fatal = fn("fatal", 0);
	int b = blk(fatal);
	edge(fatal, 0, b);
	call_noreturn(fatal, b, 3, "abort");
	struct function *die = fn("die", 0);
	b = blk(die);
	edge(die, 0, b);
	call(die, b, 6, "fatal", NULL, NULL);
	ret(die, b, 7);
	struct function *w = fn("worker", 1);
	int bc = blk(w), berr = blk(w), bok = blk(w);
	edge(w, 0, bc);
	edge(w, bc, berr);
	edge(w, bc, bok);
	access_(w, berr, 10, "g:failures", RD | WR);
	call(w, berr, 11, "die", NULL, NULL);
	edge(w, berr, bok);
	access_(w, bok, 12, "g:hits", RD | WR);
	ret(w, bok, 13);
	main_two_threads("worker");
	run();
	assert_true(found_symbol("data-race", "hits"));
	assert_false(found_symbol("data-race", "failures"));
	assert_int_equal(count("data-race"), 1);
}

/* A helper that returns on some path is not a way out: its callers' races count. */
static void test_helper_that_can_return_is_not_noreturn(void **state)
{
	(void)state;
	struct function *check = fn("check", 1);
	int b = blk(check), bd = blk(check), br = blk(check);
	edge(check, 0, b);
	edge(check, b, bd);
	edge(check, b, br);
	call_noreturn(check, bd, 3, "abort");
	ret(check, br, 4);
	struct function *w;
	b = thread_fn("worker", &w);
	access_(w, b, 10, "g:failures", RD | WR);
	call(w, b, 11, "check", "p:0", NULL);
	ret(w, b, 12);
	main_two_threads("worker");
	run();
	assert_true(found_symbol("data-race", "failures"));
}

/* A chain of helpers main -> l1 -> l2 -> l3 -> l4: returns l4's body block. */
static int deep_chain(struct function **l4)
{
	const char *names[] = {"main", "l1", "l2", "l3", "l4"};
	for (int i = 0; i < 4; i++) {
		struct function *f = fn(names[i], 0);
		int b = blk(f);
		edge(f, 0, b);
		call(f, b, 100 + i, names[i + 1], NULL, NULL);
		ret(f, b, 110 + i);
	}
	*l4 = fn("l4", 0);
	int b = blk(*l4);
	edge(*l4, 0, b);
	return b;
}

static void reader_thread(void)
{
	struct function *w;
	int b = thread_fn("worker", &w);
	access_(w, b, 10, "g:data", RD);
	ret(w, b, 11);
}

/* Setup four calls deep, then the thread's creation in the same function: the setup is
 * before the thread exists, whatever the depth. */
static void test_setup_before_the_first_thread_at_any_depth(void **state)
{
	(void)state;
	reader_thread();
	struct function *l4;
	int b = deep_chain(&l4);
	access_(l4, b, 20, "g:data", WR);
	create(l4, b, 21, "worker", "g:t", "?", 0);
	ret(l4, b, 22);
	run();
	assert_int_equal(count("data-race"), 0);
}

/* The same deep helper called before and after the creation: only the later call races. */
static void test_deep_helper_after_the_creation_still_races(void **state)
{
	(void)state;
	reader_thread();
	struct function *init = fn("init", 0);
	int b = blk(init);
	edge(init, 0, b);
	access_(init, b, 5, "g:data", WR);
	ret(init, b, 6);
	struct function *l4;
	b = deep_chain(&l4);
	call(l4, b, 20, "init", NULL, NULL);
	create(l4, b, 21, "worker", "g:t", "?", 0);
	call(l4, b, 22, "init", NULL, NULL);
	ret(l4, b, 23);
	run();
	const struct finding *f = only("data-race");
	assert_int_equal(f->locs[0].line, 5);
	assert_int_equal(f->locs[0].nstack >= 2 ? f->locs[0].stack[1].line : 0, 22);
}

/* A thread that starts threads: what it does before its first creation is ordered before
 * them; a loop around the creation makes the loop's body after. */
static void test_creating_thread_setup_is_before_its_children(void **state)
{
	(void)state;
	reader_thread();
	struct function *boss = fn("boss", 1);
	int b = blk(boss), loop = blk(boss), out = blk(boss);
	edge(boss, 0, b);
	access_(boss, b, 30, "g:data", WR);            /* before: fine */
	edge(boss, b, loop);
	access_(boss, loop, 31, "g:data", WR);         /* in the creating loop: races */
	create(boss, loop, 32, "worker", "g:t[]", "?", EVF_IN_LOOP);
	edge(boss, loop, loop);
	edge(boss, loop, out);
	ret(boss, out, 33);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	create(m, b, 40, "boss", "l:main:t", "?", 0);
	join(m, b, 41, "l:main:t");
	ret(m, b, 42);
	run();
	const struct finding *f = only("data-race");      /* the worker's read with line 31 */
	assert_int_equal(f->locs[0].line, 10);
	assert_int_equal(f->locs[1].line, 31);
}

/* main's file defines stop_timer(), which joins the timer thread; a library unit's
 * shutdown() calls it. The library can only call back into the one executable that defines
 * it: the join is seen, the thread is not leaked. */
static void test_library_calls_back_into_the_executable(void **state)
{
	(void)state;
	struct tu_facts units[2];
	struct function *w;
	int b = thread_fn("timer", &w);
	ret(w, b, 3);
	struct function *stop = fn("stop_timer", 0);
	b = blk(stop);
	edge(stop, 0, b);
	join(stop, b, 10, "g:tid");
	ret(stop, b, 11);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	create(m, b, 20, "timer", "g:tid", "?", 0);
	call(m, b, 21, "shutdown", NULL, NULL);
	ret(m, b, 22);
	units[0] = tu;
	memset(&tu, 0, sizeof tu);
	struct function *sd = fn("shutdown", 0);
	free(sd->file);
	sd->file = xstrdup("/proj/lib.c");
	b = blk(sd);
	edge(sd, 0, b);
	call(sd, b, 30, "stop_timer", NULL, NULL);
	ret(sd, b, 31);
	units[1] = tu;
	memset(&tu, 0, sizeof tu);
	struct analyze_opts o = {.root = "/proj"};
	analyze_program(units, 2, &o, &found, NULL);
	assert_int_equal(count("thread-leak"), 0);
	tu_facts_free(&units[0]);
	tu_facts_free(&units[1]);
}

/* main: start two workers, run `during` while they run, join both. */
static void main_with(void (*during)(struct function *m, int b))
{
	struct function *m = fn("main", 0);
	int b = blk(m);
	edge(m, 0, b);
	create(m, b, 50, "worker", "l:main:t1", "?", 0);
	create(m, b, 51, "worker", "l:main:t2", "?", 0);
	if (during)
		during(m, b);
	join(m, b, 53, "l:main:t1");
	join(m, b, 54, "l:main:t2");
	ret(m, b, 55);
}

static void read_hits(struct function *m, int b)
{
	access_(m, b, 52, "g:hits", RD);
}

static void set_stop(struct function *m, int b)
{
	access_(m, b, 52, "g:stop", WR);
}

/* Only incremented, and read while the increments go on: a statistics counter (warning). */
static void test_statistics_counter_is_a_warning(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	access_(w, b, 10, "g:hits", RD | WR);
	ret(w, b, 11);
	main_with(read_hits);
	run();
	const struct finding *f = only("data-race");
	assert_string_equal(f->severity, "warning");
	assert_non_null(strstr(f->message, "statistics counter"));
}

/* The same increments read only after the joins: the program's result, an error. */
static void test_count_read_after_the_joins_is_an_error(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	access_(w, b, 10, "g:hits", RD | WR);
	ret(w, b, 11);
	main_with(NULL);
	run();
	const struct finding *f = only("data-race");
	assert_string_equal(f->severity, "error");
	assert_non_null(strstr(f->message, "read-modify-write"));
}

/* Set once by main, polled in the workers' loop: a flag, with the relaxed-atomic fix. */
static void test_polled_flag_is_a_warning_with_the_c11_fix(void **state)
{
	(void)state;
	struct function *w = fn("worker", 1);
	int loop = blk(w), out = blk(w);
	edge(w, 0, loop);
	access_(w, loop, 10, "g:stop", RD);
	w->blocks[loop].events[0].flags |= EVF_IN_LOOP;
	edge(w, loop, loop);
	edge(w, loop, out);
	ret(w, out, 11);
	main_with(set_stop);
	run();
	const struct finding *f = only("data-race");
	assert_string_equal(f->severity, "warning");
	assert_non_null(strstr(f->message, "relaxed atomic"));
}

/* main initialises `running` before its thread exists, the thread sets it when it starts
 * and clears it when it ends, main polls it in a loop meanwhile: still a flag (set, reset),
 * since no thread sees main's initialisation being made. */
static void test_flag_initialised_before_the_threads_is_a_flag(void **state)
{
	(void)state;
	struct function *w = fn("worker", 1);
	int b = blk(w);
	edge(w, 0, b);
	access_(w, b, 10, "g:running", WR);
	access_(w, b, 12, "g:running", WR);
	ret(w, b, 13);
	struct function *m = fn("main", 0);
	int setup = blk(m), poll = blk(m), done = blk(m);
	edge(m, 0, setup);
	access_(m, setup, 40, "g:running", WR);
	create(m, setup, 50, "worker", "l:main:t1", "?", 0);
	edge(m, setup, poll);
	access_(m, poll, 52, "g:running", RD);
	m->blocks[poll].events[0].flags |= EVF_IN_LOOP;
	edge(m, poll, poll);
	edge(m, poll, done);
	join(m, done, 53, "l:main:t1");
	ret(m, done, 55);
	run();
	assert_true(count("data-race") > 0);
	for (int i = 0; i < found.n; i++) {
		assert_string_equal(found.items[i].severity, "warning");
		assert_non_null(strstr(found.items[i].message, "flag written and polled"));
	}
}

/* Two threads assign the same object: an error that says a value is lost. */
static void test_write_write_is_an_error(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	access_(w, b, 10, "g:owner", WR);
	ret(w, b, 11);
	main_with(NULL);
	run();
	const struct finding *f = only("data-race");
	assert_string_equal(f->severity, "error");
	assert_non_null(strstr(f->message, "write-write"));
}

/* Every worker sets found = 1: the same value whichever write lands last, a warning with
 * the relaxed-atomic fix. A worker that stores 0 against one that stores 1 loses a value. */
static void store_const(struct function *f, int b, int line, const char *value)
{
	access_(f, b, line, "g:found", WR);
	f->blocks[b].events[f->blocks[b].nevents - 1].api = xstrdup(value);
}

static void store_zero(struct function *m, int b)
{
	store_const(m, b, 52, "=0");
}

static void test_same_constant_writes_are_a_warning(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	store_const(w, b, 10, "=1");
	ret(w, b, 11);
	main_with(NULL);
	run();
	const struct finding *f = only("data-race");
	assert_string_equal(f->severity, "warning");
	assert_non_null(strstr(f->message, "same value"));
}

static void test_different_constant_writes_are_an_error(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	store_const(w, b, 10, "=1");
	ret(w, b, 11);
	main_with(store_zero);
	run();
	int errors = 0;
	for (int i = 0; i < found.n; i++)
		errors += !strcmp(found.items[i].severity, "error") &&
		          strstr(found.items[i].message, "write-write") != NULL;
	assert_true(errors >= 1);
}

/* ctime in main while a thread calls gmtime (one static struct tm): the finding names both
 * calls; strerror, MT-Safe in glibc >= 2.32, is no finding even in two threads. */
static void test_mt_unsafe_call_names_both_calls(void **state)
{
	(void)state;
	struct function *w;
	int b = thread_fn("worker", &w);
	call(w, b, 10, "gmtime", NULL, NULL);
	call(w, b, 11, "strerror", NULL, NULL);
	ret(w, b, 12);
	struct function *m = fn("main", 0);
	b = blk(m);
	edge(m, 0, b);
	create(m, b, 20, "worker", "l:main:t", "?", 0);
	call(m, b, 21, "ctime", NULL, NULL);
	join(m, b, 22, "l:main:t");
	create(m, b, 24, "worker", "l:main:u", "?", 0);
	create(m, b, 25, "worker", "l:main:v", "?", 0);
	join(m, b, 26, "l:main:u");
	join(m, b, 27, "l:main:v");
	ret(m, b, 28);
	run();
	int n = 0;
	for (int i = 0; i < found.n; i++) {
		const struct finding *f = &found.items[i];
		assert_string_equal(f->rule, "mt-unsafe-call");
		assert_null(strstr(f->message, "strerror"));
		assert_int_equal(f->nlocs, 2);
		if (f->locs[0].line == 21) {
			assert_int_equal(f->locs[1].line, 10);
			assert_non_null(strstr(f->message, "'gmtime'"));
			n++;
		}
	}
	assert_int_equal(n, 1);
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
		T(test_inferred_noreturn_helpers_end_the_path),
		T(test_helper_that_can_return_is_not_noreturn),
		T(test_setup_before_the_first_thread_at_any_depth),
		T(test_deep_helper_after_the_creation_still_races),
		T(test_creating_thread_setup_is_before_its_children),
		T(test_library_calls_back_into_the_executable),
		T(test_statistics_counter_is_a_warning),
		T(test_count_read_after_the_joins_is_an_error),
		T(test_polled_flag_is_a_warning_with_the_c11_fix),
		T(test_flag_initialised_before_the_threads_is_a_flag),
		T(test_same_constant_writes_are_a_warning),
		T(test_different_constant_writes_are_an_error),
		T(test_write_write_is_an_error),
		T(test_mt_unsafe_call_names_both_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
