/* output.c — the output options shared by every command that prints findings
 * (--db, --format, -o, --fail-on, --root) and the printing itself. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/util.h"
#include "report/report.h"

void output_opts_init(struct output_opts *o)
{
	memset(o, 0, sizeof *o);
	o->db = "tsafe.db";
	o->format = "text";
	o->fail_on = "note";
}

static int takes_value(const char *opt, int argc, char **argv, int *i, const char **val)
{
	size_t n = strlen(opt);
	if (!strncmp(argv[*i], opt, n) && argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (strcmp(argv[*i], opt) != 0)
		return 0;
	if (*i + 1 >= argc) {
		cli_error("option '%s' needs a value", opt);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

int output_opt_parse(struct output_opts *o, int argc, char **argv, int *i)
{
	static const struct {
		const char *name;
		size_t off;
	} opts[] = {
		{"--db", offsetof(struct output_opts, db)},
		{"--format", offsetof(struct output_opts, format)},
		{"-o", offsetof(struct output_opts, out)},
		{"--output", offsetof(struct output_opts, out)},
		{"--fail-on", offsetof(struct output_opts, fail_on)},
		{"--root", offsetof(struct output_opts, root)},
	};
	for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
		const char *val;
		int r = takes_value(opts[k].name, argc, argv, i, &val);
		if (r)
			return r < 0 ? -1 : (*(const char **)((char *)o + opts[k].off) = val, 1);
	}
	return 0;
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

int output_opts_check(const struct output_opts *o)
{
	if (report_format_from_name(o->format) < 0)
		return cli_error("unknown --format '%s' (use text, json, sarif, junit or html)", o->format), -1;
	if (strcmp(o->fail_on, "never") != 0 && !severity_rank(o->fail_on))
		return cli_error("unknown --fail-on '%s' (use error, warning, note or never)", o->fail_on), -1;
	return 0;
}

int output_over_threshold(const struct output_opts *o, const struct finding_list *l)
{
	int min = severity_rank(o->fail_on);
	if (!min)
		return 0;
	for (int i = 0; i < l->n; i++)
		if (!l->items[i].suppressed && severity_rank(l->items[i].severity) >= min)
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
	FILE *out = stdout;
	if (o->out && strcmp(o->out, "-") != 0) {
		out = fopen(o->out, "w");
		if (!out)
			return cli_error("cannot write '%s': %m (check the directory exists and is writable)", o->out);
	}
	struct report_opts ro = {
		.root = o->root,
		.color = out == stdout && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"),
	};
	enum report_format fmt = (enum report_format)report_format_from_name(o->format);
	char *svg = NULL, *note = NULL;
	if (fmt == FMT_HTML && st)
		graph_for_report(st, o->db, &svg, &note);
	ro.graph_svg = svg;
	ro.graph_note = note;
	int rc = report_write(out, fmt, l, &ro);
	free(svg);
	free(note);
	if (out != stdout && fclose(out) != 0)
		rc = -1;
	else if (out == stdout && fflush(stdout) != 0)
		rc = -1;
	return rc ? cli_error("writing the report to '%s' failed", o->out ? o->out : "stdout") : 0;
}
