/* report.c — `tsafe report`: print what the database holds, whichever engine found it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/rules.h"
#include "common/util.h"

int cmd_report(int argc, char **argv)
{
	struct output_opts o;
	output_opts_init(&o);
	o.fail_on = "never";          /* a report is for reading; `gate` decides */
	struct finding_query q = {.current_only = 1};
	struct finding_filter f = {0};
	int all = 0;
	const struct option opts[] = {
		OPT_DB(&o),
		OPT_FORMAT(&o),
		OPT_OUTPUT(&o),
		OPT_FILTERS(&f),
		OPT_FLAG(0, "all", &all, "every finding ever stored, also those no longer present"),
		OPT_ROOT(&o, "where the sources of the snippets are (default: the current directory)"),
		OPT_FAIL_ON(&o),
		OPT_END(),
	};
	const struct opt_command cmd = {
		.name = "report",
		.usage = "tsafe report [options]",
		.about = "Prints the findings stored in the database: by default those still present in "
		         "the latest run of the engine that found them. --format html writes one "
		         "self-contained page (no network): the findings with source snippets and both "
		         "stacks, filters by rule, severity and file, and the lock-order graph (as 'tsafe "
		         "graph') with reported cycles in red.",
		.opts = opts,
	};
	int r = opt_parse_no_operands(&cmd, argc, argv);
	if (r)
		return r > 0 ? EXIT_CLEAN : EXIT_TOOL;
	q.current_only = !all;
	o.filter = &f;                /* the graph shows the cycles the findings' filter chose */
	char *err = NULL;
	if (rules_load(&err))
		return cli_error("%s", err);
	if (finding_filter_apply(&f, &q))
		return EXIT_TOOL;
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
