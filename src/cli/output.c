/* output.c — the output options shared by every command that prints findings
 * (--db, --format, -o, --fail-on, --root) and the printing itself. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/rules.h"
#include "common/util.h"
#include "report/report.h"

void output_opts_init(struct output_opts *o)
{
	memset(o, 0, sizeof *o);
	o->db = "tsafe.db";
	o->format = "text";
	o->fail_on = "note";
}

const char *const report_format_names[] = {"text", "json", "sarif", "junit", "html", NULL};
const char *const fail_on_names[] = {"error", "warning", "note", "never", NULL};

const char *const severity_names[] = {"error", "warning", "note", NULL};

int finding_filter_apply(const struct finding_filter *f, struct finding_query *q)
{
	if (f->rule && !rule_find(f->rule))
		return cli_error("unknown rule '%s' for --rule (see rules/rules.json for the ids)", f->rule), -1;
	q->rule = f->rule;
	q->severity = f->severity;
	q->since_run = f->since;
	return 0;
}

int opt_parse_no_operands(const struct opt_command *c, int argc, char **argv)
{
	struct opt_rest rest;
	int r = opt_parse(c, argc, argv, &rest);
	if (r == 0 && rest.noperands + rest.nrest > 0) {
		cli_error("unexpected argument '%s' for %s (see 'tsafe %s --help')",
		          rest.noperands ? rest.operands[0] : rest.rest[0], c->name, c->name);
		r = -1;
	}
	opt_rest_free(&rest);
	return r;
}

static int severity_rank(const char *s)
{
	if (!s)
		return 0;
	if (!strcmp(s, "error"))
		return 3;
	if (!strcmp(s, "warning"))
		return 2;
	if (!strcmp(s, "note"))
		return 1;
	return 0;
}

int output_counts(const struct output_opts *o, const struct finding *f)
{
	int min = severity_rank(o->fail_on);
	return min && !f->suppressed && severity_rank(f->severity) >= min;
}

int output_over_threshold(const struct output_opts *o, const struct finding_list *l)
{
	for (int i = 0; i < l->n; i++)
		if (output_counts(o, &l->items[i]))
			return 1;
	return 0;
}

int output_run(const struct output_opts *o, struct store *st, long run, int clean)
{
	struct finding_list l = {0};
	struct finding_query q = {.run = run};
	int rc;
	if (store_findings_load(st, &q, &l)) {
		rc = cli_error("reading findings from '%s' failed: %s", o->db, store_errmsg(st));
	} else {
		finding_list_sort(&l);
		rc = output_findings(o, st, &l);
		if (rc == EXIT_CLEAN)
			rc = output_over_threshold(o, &l) ? EXIT_FINDINGS : clean;
	}
	finding_list_free(&l);
	return rc;
}

char *cli_command(int argc, char **argv)
{
	char *words = join_words(argv, argc);
	char *cmd = xasprintf("tsafe %s", words);
	free(words);
	return cmd;
}

int output_findings(const struct output_opts *o, struct store *st, const struct finding_list *l)
{
	/* Without -o: stdout, or stderr for a command whose stdout is the program's; -o - is
	 * stdout, asked for. */
	FILE *console = o->to_stderr && !o->out ? stderr : stdout;
	FILE *out = console;
	if (o->out && strcmp(o->out, "-") != 0) {
		out = fopen(o->out, "w");
		if (!out)
			return cli_error("cannot write '%s': %m (check the directory exists and is writable)", o->out);
	}
	struct report_opts ro = {
		.root = o->root,
		.color = out == console && isatty(fileno(console)) && !getenv("NO_COLOR"),
	};
	enum report_format fmt = (enum report_format)report_format_from_name(o->format);
	struct report_graph g = {0};
	if (fmt == FMT_HTML && st)
		graph_for_report(st, o->db, o->filter, &g);
	ro.graph_svg = g.svg;
	ro.graph_note = g.note;
	ro.graph_full_svg = g.full_svg;
	ro.graph_nodes = g.nodes;
	ro.graph_edges = g.edges;
	ro.graph_total_nodes = g.total_nodes;
	ro.graph_total_edges = g.total_edges;
	int rc = report_write(out, fmt, l, &ro);
	report_graph_free(&g);
	if (out != console && fclose(out) != 0)
		rc = -1;
	else if (out == console && fflush(console) != 0)
		rc = -1;
	return rc ? cli_error("writing the report to '%s' failed", out != console ? o->out
	                      : console == stderr ? "stderr" : "stdout") : 0;
}
