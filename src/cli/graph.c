/* graph.c — `tsafe graph`: the lock-order graph of the current runs (every engine's), as
 * DOT or drawn as SVG; and the same picture for the HTML report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/util.h"
#include "report/graph.h"

/* The current lock-order findings (their symbols name the cycles to highlight). */
static int load_cycles(struct store *st, struct finding_list *out)
{
	static const char *const rules[] = {"lock-order-inversion", "deadlock"};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		struct finding_query q = {.current_only = 1, .rule = rules[i]};
		if (store_findings_load(st, &q, out))
			return -1;
	}
	return 0;
}

/* The graph of the current runs as DOT (new string), *nedges its stored edges; NULL with
 * the message in *err (caller frees). */
static char *current_dot(struct store *st, const char *db, int *nedges, char **err)
{
	struct stored_edge_list edges = {0};
	struct finding_list cycles = {0};
	char *dot = NULL;
	if (store_edges_current(st, &edges) || load_cycles(st, &cycles))
		*err = xasprintf("reading the lock-order graph from '%s' failed: %s", db, store_errmsg(st));
	else
		dot = report_graph_dot(edges.items, edges.n, &cycles);
	*nedges = edges.n;
	stored_edge_list_free(&edges);
	finding_list_free(&cycles);
	return dot;
}

void graph_for_report(struct store *st, const char *db, char **svg, char **note)
{
	int n = 0;
	char *err = NULL;
	char *dot = current_dot(st, db, &n, &err);
	*svg = NULL;
	*note = NULL;
	if (!dot || (n > 0 && report_graph_svg(dot, svg, &err)))
		*note = xasprintf("The picture is unavailable: %s.", err);
	else if (n == 0)
		*note = xstrdup("No lock-order edges were recorded: no thread took a lock while "
		                "holding another.");
	free(err);
	free(dot);
}

struct graph_args {
	const char *db, *format, *out;
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
		OPT_END(),
	};
	const struct opt_command cmd = {
		.name = "graph",
		.usage = "tsafe graph [--db PATH] [--format dot|svg] [-o FILE]",
		.about = "Prints the lock-order graph of the current runs (the latest scan, the latest "
		         "run of each program): one node per lock class, one edge per order seen (outer "
		         "-> inner), labelled with where the inner lock was taken. The edges of every "
		         "reported lock-order inversion or deadlock are red.",
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
	int rc = EXIT_TOOL, n = 0;
	char *dot = NULL, *svg = NULL;
	long latest = store_latest_run(st, NULL);
	if (latest < 0)
		cli_error("reading '%s' failed: %s", a.db, store_errmsg(st));
	else if (latest == 0)
		cli_error("the database '%s' holds no runs yet: run 'tsafe scan' or 'tsafe run' first", a.db);
	else if (!(dot = current_dot(st, a.db, &n, &err)))
		cli_error("%s", err);
	else if (!strcmp(a.format, "svg") && report_graph_svg(dot, &svg, &err))
		cli_error("%s", err);
	else
		rc = write_text(a.out, svg ? svg : dot);
	if (rc == EXIT_CLEAN && n == 0)
		fprintf(stderr, "tsafe: no lock-order edges in the current runs of '%s' (no thread took "
		                "a lock while holding another)\n", a.db);
	free(err);
	free(dot);
	free(svg);
	store_close(st);
	return rc;
}
