/* test_cycles.c — the lock-order cycle search every engine uses (common/cycles.c): nothing
 * in a graph taken in one order, however dense; one inversion among many consistent edges
 * is one cycle, its shortest; independent inversions are one each; a shortest cycle the
 * caller does not count gives way to a longer one through the same edge; the edges' order
 * of arrival changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/cycles.h"
#include "common/util.h"

struct seen {
	int ncycles;
	int len[16];
	int first[16][8];            /* the cycles' edges, as offered */
	int refuse_len;              /* cycles of this length do not count */
	int offers;
};

static int take(void *ctx, const int *cyc, int n)
{
	struct seen *s = ctx;
	s->offers++;
	if (n == s->refuse_len)
		return 0;
	if (s->ncycles < 16) {
		s->len[s->ncycles] = n;
		memcpy(s->first[s->ncycles], cyc, (size_t)(n < 8 ? n : 8) * sizeof *cyc);
	}
	s->ncycles++;
	return 1;
}

/* Every pair i < j of n nodes: i -> j (the order of nested locks 0..n-1). */
static struct cycle_edge *nested(int n, int *nedges, int extra)
{
	struct cycle_edge *e = xcalloc((size_t)(n * (n - 1) / 2 + extra + 1), sizeof *e);
	int k = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			e[k++] = (struct cycle_edge){i, j};
	*nedges = k;
	return e;
}

static void test_one_order_has_no_cycle(void **state)
{
	(void)state;
	int ne;
	struct cycle_edge *e = nested(300, &ne, 0);
	struct seen s = {0};
	cycles_find(300, e, ne, 4, take, &s);
	assert_int_equal(s.offers, 0);
	free(e);
}

static void test_one_inversion_is_one_shortest_cycle(void **state)
{
	(void)state;
	int ne;
	struct cycle_edge *e = nested(300, &ne, 1);
	e[ne++] = (struct cycle_edge){299, 0};
	struct seen s = {0};
	cycles_find(300, e, ne, 4, take, &s);
	assert_int_equal(s.ncycles, 1);
	assert_int_equal(s.len[0], 2);                 /* 0 -> 299 -> 0 */
	assert_int_equal(e[s.first[0][0]].from, 0);
	assert_int_equal(e[s.first[0][0]].to, 299);
	assert_int_equal(e[s.first[0][1]].from, 299);
	assert_int_equal(e[s.first[0][1]].to, 0);
	free(e);
}

static void test_independent_inversions_are_one_each(void **state)
{
	(void)state;
	struct cycle_edge e[] = {{0, 1}, {1, 0}, {2, 3}, {3, 4}, {4, 2}, {5, 6}};
	struct seen s = {0};
	cycles_find(7, e, 6, 4, take, &s);
	assert_int_equal(s.ncycles, 2);
	assert_int_equal(s.len[0], 2);
	assert_int_equal(s.len[1], 3);
}

/* The cycle a -> b -> c -> a also has the chord a -> c: the shortest through c -> a wins. */
static void test_shortest_form(void **state)
{
	(void)state;
	struct cycle_edge e[] = {{0, 1}, {1, 2}, {2, 0}, {0, 2}};
	struct seen s = {0};
	cycles_find(3, e, 4, 4, take, &s);
	assert_int_equal(s.ncycles, 1);
	assert_int_equal(s.len[0], 2);
}

/* When the shortest cycle does not count (say a gate lock covers it), a longer one through
 * the same inverted edge is offered; no set of edges twice. */
static void test_longer_cycle_when_shortest_refused(void **state)
{
	(void)state;
	struct cycle_edge e[] = {{0, 1}, {1, 2}, {2, 0}, {0, 2}};
	struct seen s = {.refuse_len = 2};
	cycles_find(3, e, 4, 4, take, &s);
	assert_int_equal(s.ncycles, 1);
	assert_int_equal(s.len[0], 3);
	assert_int_equal(s.offers, 2);
}

static void test_order_of_edges_changes_nothing(void **state)
{
	(void)state;
	struct cycle_edge a[] = {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {1, 3}, {2, 0}};
	struct cycle_edge b[] = {{2, 0}, {1, 3}, {3, 0}, {2, 3}, {1, 2}, {0, 1}};
	struct seen sa = {0}, sb = {0};
	cycles_find(4, a, 6, 4, take, &sa);
	cycles_find(4, b, 6, 4, take, &sb);
	assert_int_equal(sa.ncycles, sb.ncycles);
	for (int i = 0; i < sa.ncycles; i++) {
		assert_int_equal(sa.len[i], sb.len[i]);
		for (int k = 0; k < sa.len[i]; k++) {
			assert_int_equal(a[sa.first[i][k]].from, b[sb.first[i][k]].from);
			assert_int_equal(a[sa.first[i][k]].to, b[sb.first[i][k]].to);
		}
	}
}

/* What node `from` reaches over the kept edges (a bitmask of up to 32 nodes). */
static unsigned reaches(int n, const struct cycle_edge *e, int ne, const unsigned char *keep, int from)
{
	unsigned seen = 0, next = 1u << from;
	while (next != seen) {
		seen = next;
		for (int i = 0; i < ne; i++)
			if ((!keep || keep[i]) && (seen >> e[i].from & 1))
				next |= 1u << e[i].to;
	}
	(void)n;
	return seen;
}

static void test_needed_one_order_keeps_the_chain(void **state)
{
	(void)state;
	int ne;
	struct cycle_edge *e = nested(300, &ne, 0);
	unsigned char *keep = xcalloc((size_t)ne, 1);
	cycles_needed(300, e, ne, keep);
	int kept = 0;
	for (int i = 0; i < ne; i++) {
		kept += keep[i];
		if (keep[i])
			assert_int_equal(e[i].to, e[i].from + 1);
	}
	assert_int_equal(kept, 299);
	free(keep);
	free(e);
}

static void test_needed_keeps_a_cycle_and_what_reaches_what(void **state)
{
	(void)state;
	/* 0..3 nested with the inversion 3 -> 0, then 4 and 5 below them, and a self-loop (two
	 * locks of one class). Kept: the chain 0 -> 1 -> 2 -> 3 -> 4 -> 5, the inversion and the
	 * self-loop; every other order goes along the chain. */
	struct cycle_edge e[] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}, {3, 0},
	                         {2, 4}, {3, 4}, {4, 5}, {3, 5}, {0, 5}, {5, 5}};
	const unsigned char want[] = {1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1};
	int ne = (int)(sizeof e / sizeof *e);
	unsigned char keep[sizeof e / sizeof *e] = {0};
	cycles_needed(6, e, ne, keep);
	for (int i = 0; i < ne; i++)
		assert_int_equal(keep[i], want[i]);
	for (int v = 0; v < 6; v++)
		assert_int_equal(reaches(6, e, ne, keep, v), reaches(6, e, ne, NULL, v));
	/* An order the caller keeps (one of a reported cycle: 0 -> 3 -> 0) stays. */
	memset(keep, 0, sizeof keep);
	keep[2] = 1;
	cycles_needed(6, e, ne, keep);
	assert_int_equal(keep[2], 1);
	assert_int_equal(keep[6], 1);
}

static void test_needed_keeps_what_reaches_what(void **state)
{
	(void)state;
	/* Pseudo-random graphs of 12 nodes: the kept orders reach what all of them reach. */
	unsigned seed = 7;
	for (int round = 0; round < 200; round++) {
		struct cycle_edge e[40];
		int ne = 0;
		for (int i = 0; i < 40; i++) {
			seed = seed * 1103515245u + 12345u;
			int a = (int)(seed >> 16) % 12;
			seed = seed * 1103515245u + 12345u;
			int b = (int)(seed >> 16) % 12;
			e[ne++] = (struct cycle_edge){a, b};
		}
		unsigned char keep[40] = {0};
		cycles_needed(12, e, ne, keep);
		for (int v = 0; v < 12; v++)
			assert_int_equal(reaches(12, e, ne, keep, v), reaches(12, e, ne, NULL, v));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_order_has_no_cycle),
		cmocka_unit_test(test_one_inversion_is_one_shortest_cycle),
		cmocka_unit_test(test_independent_inversions_are_one_each),
		cmocka_unit_test(test_shortest_form),
		cmocka_unit_test(test_longer_cycle_when_shortest_refused),
		cmocka_unit_test(test_order_of_edges_changes_nothing),
		cmocka_unit_test(test_needed_one_order_keeps_the_chain),
		cmocka_unit_test(test_needed_keeps_a_cycle_and_what_reaches_what),
		cmocka_unit_test(test_needed_keeps_what_reaches_what),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
