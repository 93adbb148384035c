/* test_facts.c — the access-path algebra that lets helpers be analysed once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "facts/facts.h"

static void check_subst(const char *path, const char *arg, const char *want)
{
	struct call_arg a = {.path = (char *)arg};
	char *got = path_substitute(path, &a, 1);
	if (!want)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

static void test_substitute_through_address(void **state)
{
	(void)state;
	check_subst("p:0*.balance", "&g:bank.acct", "g:bank.acct.balance");
	check_subst("p:0*", "&g:counter", "g:counter");
	check_subst("p:0[]", "&g:arr[]", "g:arr[]");
	check_subst("p:0*.n", "l:main:s*", "l:main:s**.n");
	check_subst("g:x.f", "&g:y", "g:x.f");
	check_subst("&p:0*.lock", "&s:/a.c:mutex", "&s:/a.c:mutex.lock");   /* &l->lock, l = &mutex */
	check_subst("&p:0", "&g:y", NULL);                                   /* &&y */
	check_subst("p:0*", "?", NULL);
	check_subst("p:1*", "&g:y", NULL);
}

static void test_root(void **state)
{
	(void)state;
	char *r = path_root("&s:/a/b.c:m.f*");
	assert_string_equal(r, "s:/a/b.c:m");
	free(r);
	r = path_root("fs:/a/b.c:fn:x[]");
	assert_string_equal(r, "fs:/a/b.c:fn:x");
	free(r);
	r = path_root("p:12*.lock");
	assert_string_equal(r, "p:12");
	free(r);
}

static void test_kind_names_round_trip(void **state)
{
	(void)state;
	for (int k = EV_ACCESS; k <= EV_PUT; k++)
		assert_int_equal(ev_kind_from_name(ev_kind_name(k)), k);
	assert_int_equal(ev_kind_from_name("nonsense"), 0);
	for (int k = LK_MUTEX; k <= LK_WRAPPER; k++)
		assert_int_equal(lock_kind_from_name(lock_kind_name(k)), k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_substitute_through_address),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_kind_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
