/* graph.c — `tsafe graph`: the lock-order graph of the current runs (every engine's), as
 * DOT or drawn as SVG; and the same picture for the HTML report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/rules.h"
#include "common/util.h"
#include "report/graph.h"

/* The current lock-order findings the filter lets through (their symbols name the cycles
 * to draw and highlight); filter NULL: all of them. */
static int load_cycles(struct store *st, const struct finding_filter *filter, struct finding_list *out)
{
	static const char *const rules[] = {"lock-order-inversion", "deadlock"};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		if (filter && filter->rule && strcmp(filter->rule, rules[i]) != 0)
			continue;
		struct finding_query q = {.current_only = 1, .rule = rules[i]};
		if (filter) {
			q.severity = filter->severity;
			q.since_run = filter->since;
		}
		if (store_findings_load(st, &q, out))
			return -1;
	}
	return 0;
}

/* The graph of the current runs as DOT in view v (new string; v says what it drew); NULL
 * with the message in *err (caller frees). */
static char *current_dot(struct store *st, const char *db, const struct finding_filter *filter,
                         struct graph_view *v, char **err)
{
	struct stored_edge_list edges = {0};
	struct finding_list cycles = {0};
	char *dot = NULL;
	if (store_edges_current(st, &edges) || load_cycles(st, filter, &cycles))
		*err = xasprintf("reading the lock-order graph from '%s' failed: %s", db, store_errmsg(st));
	else
		dot = report_graph_dot(edges.items, edges.n, &cycles, v);
	stored_edge_list_free(&edges);
	finding_list_free(&cycles);
	return dot;
}

/* The view as an <svg> element (new string), or NULL with *err. */
static char *view_svg(struct store *st, const char *db, const struct finding_filter *filter,
                      struct graph_view *v, char **err)
{
	char *svg = NULL, *dot = current_dot(st, db, filter, v, err);
	if (dot && v->edges > 0 && report_graph_svg(dot, &svg, err))
		svg = NULL;
	free(dot);
	return svg;
}

void graph_for_report(struct store *st, const char *db, const struct finding_filter *filter,
                      struct report_graph *g)
{
	struct graph_view cycles = {0}, whole = {.all = 1};
	char *err = NULL;
	memset(g, 0, sizeof *g);
	g->svg = view_svg(st, db, filter, &cycles, &err);
	if (!err)      /* the whole graph marks every reported cycle, whatever was chosen */
		g->full_svg = view_svg(st, db, NULL, &whole, &err);
	g->nodes = cycles.nodes;
	g->edges = cycles.edges;
	g->total_nodes = whole.total_nodes;
	g->total_edges = whole.total_edges;
	if (err)
		g->note = xasprintf("The picture is unavailable: %s.", err);
	else if (whole.total_edges == 0)
		g->note = xstrdup("No lock-order edges were recorded: no thread took a lock while "
		                  "holding another.");
	else if (cycles.edges == 0)
		g->note = xasprintf("No reported lock-order cycle%s: the whole graph (%d locks, %d "
		                    "orders) is below.", filter && (filter->rule || filter->severity ||
		                    filter->since) ? " among the chosen findings" : "",
		                    whole.total_nodes, whole.total_edges);
	free(err);
}

void report_graph_free(struct report_graph *g)
{
	free(g->svg);
	free(g->full_svg);
	free(g->note);
	memset(g, 0, sizeof *g);
}

struct graph_args {
	const char *db, *format, *out;
	struct finding_filter filter;
	int all;
};

/* 0 to go on, 1 after --help, -1 on a usage error (printed). */
static int parse_args(int argc, char **argv, struct graph_args *a)
{
	static const char *const formats[] = {"dot", "svg", NULL};
	const struct option opts[] = {
		OPT_DB(a),
		OPT_CHOICE(0, "format", &a->format, "FMT", formats,
		           "dot is Graphviz's input, svg is drawn with Graphviz's library"),
		OPT_STRING('o', "output", &a->out, "FILE", "write the graph to FILE instead of stdout"),
		OPT_FLAG(0, "all", &a->all, "the whole graph, every lock and order, at full size"),
		OPT_FILTERS(&a->filter),
		OPT_END(),
	};
	const struct opt_command cmd = {
		.name = "graph",
		.usage = "tsafe graph [--db PATH] [--format dot|svg] [-o FILE] [--all] [--rule ID] "
		         "[--severity SEV] [--since RUN]",
		.about = "Prints the lock-order graph of the current runs (the latest scan, the latest "
		         "run of each program): one node per lock class, one edge per order seen (outer "
		         "-> inner), labelled with where the inner lock was taken. By default it shows the "
		         "reported lock-order inversions and deadlocks (chosen by --rule, --severity and "
		         "--since as findings are), red, and the locks one edge from them, scaled to a "
		         "page; --all shows everything.",
		.opts = opts,
	};
	return opt_parse_no_operands(&cmd, argc, argv);
}

static int write_text(const char *path, const char *text)
{
	FILE *out = path && strcmp(path, "-") != 0 ? fopen(path, "w") : stdout;
	if (!out)
		return cli_error("cannot write '%s': %m (check the directory exists and is writable)", path);
	int bad = fputs(text, out) < 0;
	bad |= out == stdout ? fflush(out) != 0 : fclose(out) != 0;
	return bad ? cli_error("writing the graph to '%s' failed", out == stdout ? "stdout" : path)
	           : EXIT_CLEAN;
}

static void say_what_was_drawn(const char *db, const struct graph_view *v)
{
	if (v->total_edges == 0)
		fprintf(stderr, "tsafe: no lock-order edges in the current runs of '%s' (no thread took "
		                "a lock while holding another)\n", db);
	else if (!v->all)
		fprintf(stderr, "tsafe: %d of %d locks and %d of %d orders: the reported cycles and the "
		        "locks one edge from them (--all: the whole graph)\n", v->nodes, v->total_nodes,
		        v->edges, v->total_edges);
}

int cmd_graph(int argc, char **argv)
{
	struct graph_args a = {.db = "tsafe.db", .format = "dot"};
	int r = parse_args(argc, argv, &a);
	if (r)
		return r > 0 ? EXIT_CLEAN : EXIT_TOOL;
	if (access(a.db, F_OK) != 0)
		return cli_error("no database at '%s' (run 'tsafe scan' or 'tsafe run' first, or pass "
		                 "--db PATH)", a.db);
	struct store *st;
	char *err = NULL;
	if (store_open(a.db, &st, &err)) {
		cli_error("%s", err);
		free(err);
		return EXIT_TOOL;
	}
	int rc = EXIT_TOOL;
	char *dot = NULL, *svg = NULL;
	struct graph_view v = {.all = a.all};
	struct finding_query unused = {0};
	long latest = store_latest_run(st, NULL);
	if (latest < 0)
		cli_error("reading '%s' failed: %s", a.db, store_errmsg(st));
	else if (latest == 0)
		cli_error("the database '%s' holds no runs yet: run 'tsafe scan' or 'tsafe run' first", a.db);
	else if (rules_load(&err) || finding_filter_apply(&a.filter, &unused))
		err ? cli_error("%s", err) : 0;
	else if (!(dot = current_dot(st, a.db, &a.filter, &v, &err)))
		cli_error("%s", err);
	else if (!strcmp(a.format, "svg") && report_graph_svg(dot, &svg, &err))
		cli_error("%s", err);
	else
		rc = write_text(a.out, svg ? svg : dot);
	if (rc == EXIT_CLEAN)
		say_what_was_drawn(a.db, &v);
	free(err);
	free(dot);
	free(svg);
	store_close(st);
	return rc;
}
