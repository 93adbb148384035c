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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
