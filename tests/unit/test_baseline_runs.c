/* test_baseline_runs.c — what `tsafe gate` compares with when there is no baseline file: the
 * run before the latest of each (engine, scope), skipping runs still in progress. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"
#include "store/runs_query.h"

struct fixture {
	char dir[64];
	char *db;
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	snprintf(fx->dir, sizeof fx->dir, "/tmp/tsafe-runs-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	fx->db = xasprintf("%s/tsafe.db", fx->dir);
	char *err = NULL;
	if (store_open(fx->db, &fx->s, &err)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	store_close(fx->s);
	char *cmd = xasprintf("rm -rf '%s'", fx->dir);
	int rc = system(cmd);
	free(cmd);
	free(fx->db);
	free(fx);
	return rc;
}

static long finished_run(struct store *s, const char *engine, const char *scope)
{
	long id = store_run_begin(s, engine, scope, "/p", "tsafe test");
	assert_true(id > 0);
	assert_int_equal(store_run_end(s, id, 0), 0);
	return id;
}

static const struct run_pair *pair_of(const struct run_pair *p, int n, const char *engine,
                                      const char *scope)
{
	for (int i = 0; i < n; i++)
		if (str_eq(p[i].engine, engine) && str_eq(p[i].scope, scope))
			return &p[i];
	fail_msg("no pair for %s %s", engine, scope);
	return NULL;
}

static void empty_database_has_no_pairs(void **state)
{
	struct fixture *fx = *state;
	struct run_pair *p;
	int n = -1;
	assert_int_equal(store_run_pairs(fx->s, &p, &n), 0);
	assert_int_equal(n, 0);
	run_pairs_free(p, n);
}

static void previous_run_per_engine_and_scope(void **state)
{
	struct fixture *fx = *state;
	finished_run(fx->s, "static", "/a");
	long b1 = finished_run(fx->s, "static", "/b");
	long a2 = finished_run(fx->s, "static", "/a");
	long r1 = finished_run(fx->s, "runtime", "/a");   /* same scope, other engine */
	long a3 = finished_run(fx->s, "static", "/a");
	/* A scan still running (or one that crashed before recording anything) is not the
	 * latest: comparing with it would call every finding fixed. */
	assert_true(store_run_begin(fx->s, "static", "/a", "/a", "tsafe scan") > 0);

	struct run_pair *p;
	int n;
	assert_int_equal(store_run_pairs(fx->s, &p, &n), 0);
	assert_int_equal(n, 3);
	const struct run_pair *a = pair_of(p, n, "static", "/a");
	assert_int_equal(a->latest, a3);
	assert_int_equal(a->previous, a2);
	const struct run_pair *b = pair_of(p, n, "static", "/b");
	assert_int_equal(b->latest, b1);
	assert_int_equal(b->previous, 0);
	const struct run_pair *r = pair_of(p, n, "runtime", "/a");
	assert_int_equal(r->latest, r1);
	assert_int_equal(r->previous, 0);
	/* Most recently run first. */
	assert_ptr_equal(a, &p[0]);
	assert_ptr_equal(b, &p[2]);
	run_pairs_free(p, n);
}

/* A run that recorded findings but never ended (killed after storing) still counts. */
static void unfinished_run_with_findings_counts(void **state)
{
	struct fixture *fx = *state;
	long first = finished_run(fx->s, "static", "/a");
	long killed = store_run_begin(fx->s, "static", "/a", "/a", "tsafe scan");
	struct finding f = {.rule = "data-race", .severity = "error", .message = "m",
	                    .fingerprint = "00ff", .engine = "static"};
	assert_int_equal(store_findings_add(fx->s, killed, &f, 1), 0);
	struct run_pair *p;
	int n;
	assert_int_equal(store_run_pairs(fx->s, &p, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].latest, killed);
	assert_int_equal(p[0].previous, first);
	run_pairs_free(p, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(empty_database_has_no_pairs, setup, teardown),
		cmocka_unit_test_setup_teardown(previous_run_per_engine_and_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(unfinished_run_with_findings_counts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
