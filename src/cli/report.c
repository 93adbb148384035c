/* report.c — `tsafe report`: print what the database holds, whichever engine found it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/rules.h"
#include "common/util.h"

static const char usage[] =
	"usage: tsafe report [--db PATH] [--format text|json|sarif|junit|html] [-o FILE]\n"
	"                    [--rule ID] [--severity error|warning|note] [--since RUN] [--all]\n"
	"                    [--root DIR] [--fail-on error|warning|note|never]\n"
	"\n"
	"Prints the findings stored in the database: by default those still present in the\n"
	"latest run of the engine that found them (--all: every finding ever stored).\n"
	"\n"
	"  --rule ID         only this rule (an id of rules/rules.json)\n"
	"  --severity SEV    only findings of severity SEV or above\n"
	"  --since RUN       only findings first seen in run RUN or later\n"
	"  --format html     one self-contained page (no network): the findings with source\n"
	"                    snippets and both stacks, filters by rule, severity and file, and\n"
	"                    the lock-order graph (as 'tsafe graph') with reported cycles in red\n"
	"  --root DIR        where the sources of the snippets are (default: the current directory)\n"
	"  -o FILE           write to FILE instead of stdout\n";

/* A run id for --since: a positive integer. */
static int parse_run(const char *s, long *run)
{
	char *end;
	*run = strtol(s, &end, 10);
	return *s && !*end && *run > 0 ? 0 : -1;
}

int cmd_report(int argc, char **argv)
{
	struct output_opts o;
	output_opts_init(&o);
	o.fail_on = "never";          /* a report is for reading; `gate` decides */
	struct finding_query q = {.current_only = 1};
	for (int i = 1; i < argc; i++) {
		int r = output_opt_parse(&o, argc, argv, &i);
		if (r < 0)
			return EXIT_TOOL;
		if (r)
			continue;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return EXIT_CLEAN;
		} else if (!strcmp(argv[i], "--all")) {
			q.current_only = 0;
		} else if (!strcmp(argv[i], "--rule") && i + 1 < argc) {
			q.rule = argv[++i];
		} else if (!strcmp(argv[i], "--severity") && i + 1 < argc) {
			q.severity = argv[++i];
			if (strcmp(q.severity, "error") && strcmp(q.severity, "warning") && strcmp(q.severity, "note"))
				return cli_error("unknown --severity '%s' (use error, warning or note)", q.severity);
		} else if (!strcmp(argv[i], "--since") && i + 1 < argc) {
			if (parse_run(argv[++i], &q.since_run))
				return cli_error("--since takes a run number (a positive integer), not '%s'", argv[i]);
		} else {
			return cli_error("unknown option '%s' for report (see 'tsafe report --help')", argv[i]);
		}
	}
	if (output_opts_check(&o))
		return EXIT_TOOL;
	char *err = NULL;
	if (rules_load(&err))
		return cli_error("%s", err);
	if (q.rule && !rule_find(q.rule))
		return cli_error("unknown rule '%s' for --rule (see rules/rules.json for the ids)", q.rule);
	if (access(o.db, F_OK) != 0)
		return cli_error("no database at '%s' (run 'tsafe scan' first, or pass --db PATH)", o.db);
	struct store *st;
	if (store_open(o.db, &st, &err)) {
		cli_error("%s", err);
		free(err);
		return EXIT_TOOL;
	}
	struct finding_list l = {0};
	int rc = EXIT_CLEAN;
	if (store_findings_load(st, &q, &l))
		rc = cli_error("reading findings from '%s' failed: %s", o.db, store_errmsg(st));
	else
		rc = output_findings(&o, st, &l);
	if (rc == EXIT_CLEAN && output_over_threshold(&o, &l))
		rc = EXIT_FINDINGS;
	finding_list_free(&l);
	store_close(st);
	return rc;
}
