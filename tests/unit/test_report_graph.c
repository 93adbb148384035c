/* test_report_graph.c — the lock-order graph as DOT: one node per class, one edge per pair
 * (occurrences from several runs and engines merged), the edges of reported cycles red with
 * class "cycle", names quoted so any class is valid DOT; and Graphviz draws it as SVG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "report/graph.h"

/* Under LeakSanitizer: Graphviz 2.42 leaks its plugin configuration (gvconfig), and pango,
 * cairo and fontconfig keep caches for the life of the process. Not tsafe's memory. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgvc.so\nleak:libfontconfig.so\nleak:libpango\nleak:libcairo.so\n"
	       "leak:libglib-2.0.so\n";
}

static struct stored_edge_list edges;
static struct finding_list findings;

static int setup(void **state)
{
	(void)state;
	memset(&edges, 0, sizeof edges);
	memset(&findings, 0, sizeof findings);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stored_edge_list_free(&edges);
	finding_list_free(&findings);
	return 0;
}

static void add_edge(const char *from, const char *to, const char *engine, unsigned flags, int line)
{
	struct stored_edge *e = stored_edge_list_add(&edges);
	e->from = xstrdup(from);
	e->to = xstrdup(to);
	e->flags = flags;
	e->run_engine = xstrdup(engine);
	e->inner.file = xstrdup("src/bank.c");
	e->inner.line = line;
	e->inner.func = xstrdup("transfer");
	e->outer.file = xstrdup("src/bank.c");
	e->outer.line = line - 1;
	e->outer.func = xstrdup("transfer");
}

static struct finding *add_cycle(const char *rule, const char *symbol)
{
	struct finding *f = finding_list_add(&findings);
	f->rule = xstrdup(rule);
	f->symbol = xstrdup(symbol);
	return f;
}

/* The DOT statement of the edge from -> to (its whole line), or NULL. */
static char *edge_line(const char *dot, const char *from, const char *to)
{
	char *head = xasprintf("  \"%s\" -> \"%s\" [", from, to);
	const char *p = strstr(dot, head);
	free(head);
	if (!p)
		return NULL;
	return xstrndup(p, strcspn(p, "\n"));
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_reported_cycle_is_red(void **state)
{
	(void)state;
	add_edge("global:a", "global:b", "static", EDGE_BLOCKING, 10);
	add_edge("global:b", "global:a", "static", EDGE_BLOCKING, 20);
	add_edge("global:c", "global:d", "static", EDGE_BLOCKING, 30);
	add_cycle("lock-order-inversion", "global:a -> global:b");
	char *dot = report_graph_dot(edges.items, edges.n, &findings, NULL);
	char *ab = edge_line(dot, "global:a", "global:b"), *ba = edge_line(dot, "global:b", "global:a");
	char *cd = edge_line(dot, "global:c", "global:d");
	assert_non_null(ab);
	assert_non_null(ba);
	assert_non_null(cd);
	assert_non_null(strstr(ab, "class=\"cycle\""));
	assert_non_null(strstr(ba, "class=\"cycle\""));
	assert_null(strstr(cd, "cycle"));
	assert_non_null(strstr(ab, "label=\"transfer\\nbank.c:10\""));
	assert_int_equal(count(dot, " -> "), 3 + 3);   /* three edges, three tooltips naming them */
	/* Four nodes and three edges, two of the nodes on the cycle. */
	assert_int_equal(count(dot, "[label=\""), 4 + 3);
	assert_int_equal(count(dot, "class=\"cycle\", color=\"#cc0000\", penwidth=2]"), 2);
	free(ab);
	free(ba);
	free(cd);
	free(dot);
}

static void test_three_class_cycle_and_same_class(void **state)
{
	(void)state;
	add_edge("global:a", "global:b", "runtime", EDGE_BLOCKING, 10);
	add_edge("global:b", "global:c", "runtime", EDGE_BLOCKING, 11);
	add_edge("global:c", "global:a", "runtime", EDGE_BLOCKING, 12);
	add_edge("global:c", "global:d", "runtime", EDGE_BLOCKING, 13);   /* not on the cycle */
	add_edge("global:a", "global:c", "runtime", EDGE_BLOCKING, 15);   /* a -> b -> c says it */
	add_edge("field:struct account.lock", "field:struct account.lock", "static", EDGE_BLOCKING, 14);
	add_cycle("deadlock", "global:a -> global:b -> global:c");
	add_cycle("lock-order-inversion", "field:struct account.lock");
	char *dot = report_graph_dot(edges.items, edges.n, &findings, NULL);
	const char *on[][2] = {{"global:a", "global:b"}, {"global:b", "global:c"}, {"global:c", "global:a"},
	                       {"field:struct account.lock", "field:struct account.lock"}};
	for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
		char *l = edge_line(dot, on[i][0], on[i][1]);
		assert_non_null(l);
		assert_non_null(strstr(l, "class=\"cycle\""));
		free(l);
	}
	char *off = edge_line(dot, "global:c", "global:d");
	assert_non_null(off);
	assert_null(strstr(off, "cycle"));
	free(off);
	/* An order a longer path implies is not drawn (a -> c: a -> b -> c). */
	assert_null(edge_line(dot, "global:a", "global:c"));
	assert_non_null(strstr(dot, "[label=\"struct account.lock\\nfield\""));
	assert_non_null(strstr(dot, "\"global:a\" [label=\"a\\nglobal\""));
	free(dot);
}

static void test_suppressed_or_other_rules_highlight_nothing(void **state)
{
	(void)state;
	add_edge("global:a", "global:b", "static", EDGE_BLOCKING, 10);
	add_edge("global:b", "global:a", "static", EDGE_BLOCKING, 20);
	add_cycle("lock-order-inversion", "global:a -> global:b")->suppressed = 1;
	add_cycle("data-race", "global:a -> global:b");
	char *dot = report_graph_dot(edges.items, edges.n, &findings, NULL);
	assert_null(strstr(dot, "cycle"));
	free(dot);
	dot = report_graph_dot(edges.items, edges.n, NULL, NULL);
	assert_null(strstr(dot, "cycle"));
	free(dot);
}

static void test_pairs_merge_over_engines(void **state)
{
	(void)state;
	add_edge("global:a", "global:b", "static", EDGE_BLOCKING, 10);
	add_edge("global:a", "global:b", "runtime", 0, 12);
	add_edge("global:a", "global:b", "runtime", 0, 14);
	add_edge("global:x", "site:t.c:7", "runtime", 0, 40);          /* only ever a trylock */
	char *dot = report_graph_dot(edges.items, edges.n, NULL, NULL);
	assert_int_equal(count(dot, "  \"global:a\" -> \"global:b\" ["), 1);
	char *ab = edge_line(dot, "global:a", "global:b"), *xy = edge_line(dot, "global:x", "site:t.c:7");
	assert_non_null(strstr(ab, "seen by static, runtime\""));
	assert_non_null(strstr(ab, "bank.c:10"));          /* the first occurrence is shown */
	assert_null(strstr(ab, "dashed"));
	assert_non_null(strstr(xy, "style=dashed"));
	assert_non_null(strstr(dot, "\"site:t.c:7\" [label=\"site:t.c:7\"]"));
	free(ab);
	free(xy);
	free(dot);
}

/* Quotes and backslashes in a class are escaped, so Graphviz reads the graph back. */
static void test_any_class_name_is_valid_dot(void **state)
{
	(void)state;
	add_edge("static:we\"ird\\dir/x.c:m", "global:<b>&", "static", EDGE_BLOCKING, 10);
	add_edge("global:<b>&", "static:we\"ird\\dir/x.c:m", "static", EDGE_BLOCKING, 20);
	add_cycle("lock-order-inversion", "global:<b>& -> static:we\"ird\\dir/x.c:m");
	char *dot = report_graph_dot(edges.items, edges.n, &findings, NULL);
	assert_non_null(strstr(dot, "\"static:we\\\"ird\\\\dir/x.c:m\" -> \"global:<b>&\" ["));
	char *svg = NULL, *err = NULL;
	if (report_graph_svg(dot, &svg, &err))
		fail_msg("%s", err);
	assert_true(str_starts(svg, "<svg"));
	assert_int_equal(count(svg, "class=\"edge cycle\""), 2);
	assert_non_null(strstr(svg, "global:&lt;b&gt;&amp;"));   /* Graphviz escapes what it draws */
	assert_null(strstr(svg, "<b>"));
	free(svg);
	free(dot);
}

static void test_unreadable_dot_is_an_error(void **state)
{
	(void)state;
	char *svg = NULL, *err = NULL;
	assert_int_equal(report_graph_svg("digraph { a -> ", &svg, &err), -1);
	assert_null(svg);
	assert_non_null(strstr(err, "Graphviz cannot read the lock-order graph"));
	assert_null(strchr(err, '\n'));
	free(err);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_reported_cycle_is_red),
		T(test_three_class_cycle_and_same_class),
		T(test_suppressed_or_other_rules_highlight_nothing),
		T(test_pairs_merge_over_engines),
		T(test_any_class_name_is_valid_dot),
		T(test_unreadable_dot_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
