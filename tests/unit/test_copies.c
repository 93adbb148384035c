/* test_copies.c — header functions compiled into several translation units are kept once:
 * the copy of the lowest unit, whatever order units arrive in, with what every copy knew. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analyze/analyze.h"
#include "common/util.h"

static void add_fn(struct tu_facts *tu, const char *usr, const char *file, unsigned flags)
{
	struct function *f = tu_add_function(tu);
	f->usr = xstrdup(usr);
	f->name = xstrdup(strrchr(usr, '@') + 1);
	f->file = xstrdup(file);
	f->flags = flags;
	struct block *b = fn_add_block(f);
	block_add_event(b)->kind = EV_RETURN;
}

/* Unit i is /proj/uI.c with its own function, and the header's inline helper. */
static void make_units(struct tu_facts *tus, int n)
{
	for (int i = 0; i < n; i++) {
		tus[i].file = xasprintf("/proj/u%d.c", i);
		char *own = xasprintf("c:@F@own%d", i);
		add_fn(&tus[i], own, tus[i].file, 0);
		add_fn(&tus[i], "c:h.h@F@helper", "/proj/h.h", FNF_STATIC | (i == 2 ? FNF_ADDR_TAKEN : 0));
		free(own);
	}
}

static int count_named(const struct tu_facts *tu, const char *name)
{
	int n = 0;
	for (int i = 0; i < tu->nfuncs; i++)
		n += strcmp(tu->funcs[i].name, name) == 0;
	return n;
}

static void check_kept_once(const int *order)
{
	struct tu_facts tus[3] = {0};
	make_units(tus, 3);
	struct header_copies *h = header_copies_new(tus);
	for (int i = 0; i < 3; i++)
		header_copies_add(h, order[i]);
	header_copies_finish(h, 3);
	assert_int_equal(count_named(&tus[0], "helper"), 1);   /* the lowest unit's copy */
	assert_int_equal(count_named(&tus[1], "helper"), 0);
	assert_int_equal(count_named(&tus[2], "helper"), 0);
	for (int i = 0; i < 3; i++) {
		char *own = xasprintf("own%d", i);
		assert_int_equal(count_named(&tus[i], own), 1);     /* main-file code stays */
		free(own);
	}
	/* Unit 2 took its address: the kept copy says so. */
	const struct function *kept = &tus[0].funcs[1];
	assert_string_equal(kept->name, "helper");
	assert_true(kept->flags & FNF_ADDR_TAKEN);
	assert_true(kept->flags & FNF_STATIC);
	for (int i = 0; i < 3; i++)
		tu_facts_free(&tus[i]);
}

static void test_in_order(void **state)
{
	(void)state;
	check_kept_once((int[]){0, 1, 2});
}

static void test_workers_finish_out_of_order(void **state)
{
	(void)state;
	check_kept_once((int[]){2, 1, 0});
	check_kept_once((int[]){1, 2, 0});
}

static void test_same_name_in_main_files_is_not_a_copy(void **state)
{
	(void)state;
	struct tu_facts tus[2] = {0};
	for (int i = 0; i < 2; i++) {
		tus[i].file = xasprintf("/proj/tool%d.c", i);
		add_fn(&tus[i], "c:@F@main", tus[i].file, 0);
	}
	struct header_copies *h = header_copies_new(tus);
	header_copies_add(h, 1);
	header_copies_add(h, 0);
	header_copies_finish(h, 2);
	assert_int_equal(count_named(&tus[0], "main"), 1);
	assert_int_equal(count_named(&tus[1], "main"), 1);
	for (int i = 0; i < 2; i++)
		tu_facts_free(&tus[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_workers_finish_out_of_order),
		cmocka_unit_test(test_same_name_in_main_files_is_not_a_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
