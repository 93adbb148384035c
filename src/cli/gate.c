/* gate.c — `tsafe gate`: the CI verdict. Compares the current findings with a baseline file
 * (or, without one, with the previous run of each engine and scope) by fingerprint, lists
 * what is new, and fails only on new, unsuppressed findings at or above the threshold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/baseline.h"
#include "common/util.h"
#include "store/runs_query.h"

struct gate_args {
	struct output_opts o;
	const char *baseline;
};

/* 0 to go on, 1 after --help, -1 on a usage error (printed). The gate's output is its
 * verdict, always text: of the output options only --db and --fail-on mean something. */
static int parse_args(int argc, char **argv, struct gate_args *a)
{
	output_opts_init(&a->o);
	a->o.fail_on = "warning";
	const struct option opts[] = {
		OPT_DB(&a->o),
		OPT_STRING(0, "baseline", &a->baseline, "FILE",
		           "the accepted findings, as 'tsafe baseline save' wrote them (default: compare "
		           "the latest run of each engine and scope with the run before it)"),
		OPT_FAIL_ON(&a->o),
		OPT_END(),
	};
	const struct opt_command cmd = {
		.name = "gate",
		.usage = "tsafe gate [--db PATH] [--baseline FILE] [--fail-on SEV]",
		.about = "Compares the findings the database currently holds with the baseline by "
		         "fingerprint, so moved lines and unrelated edits change nothing. Prints \"N new, "
		         "M fixed, K unchanged\" and the new findings.",
		.opts = opts,
		.footer = "Exit status: 1 when a new, unsuppressed finding is at or above --fail-on, 0 "
		          "otherwise, 2 on errors (missing, corrupt or newer baseline included).",
	};
	return opt_parse_no_operands(&cmd, argc, argv);
}

/* The findings of the run before the latest of each (engine, scope), as a baseline. `what`
 * says what they are, for the summary line. */
static int previous_runs(struct store *st, const char *db, struct baseline *b, char **what)
{
	struct run_pair *pairs;
	int n;
	if (store_run_pairs(st, &pairs, &n))
		return cli_error("reading the runs in '%s' failed: %s", db, store_errmsg(st));
	struct strbuf sb;
	sb_init(&sb);
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		const struct run_pair *p = &pairs[i];
		sb_add(&sb, i ? "; " : "against ");
		if (!p->previous) {
			sb_addf(&sb, "nothing: run %ld is the first %s run on %s", p->latest, p->engine,
			        p->scope);
			continue;
		}
		sb_addf(&sb, "run %ld, the %s run on %s before run %ld", p->previous, p->engine,
		        p->scope, p->latest);
		struct finding_query q = {.run = p->previous};
		struct finding_list l = {0};
		if (store_findings_load(st, &q, &l))
			rc = cli_error("reading findings from '%s' failed: %s", db, store_errmsg(st));
		baseline_add_findings(b, &l);
		finding_list_free(&l);
	}
	if (!n)
		sb_add(&sb, "against nothing: the database has no finished run");
	*what = sb_detach(&sb);
	run_pairs_free(pairs, n);
	return rc;
}

static int severity_rank(const char *s)
{
	return str_eq(s, "error") ? 3 : str_eq(s, "warning") ? 2 : str_eq(s, "note") ? 1 : 0;
}

/* New findings that fail the gate. */
static int failing(const struct gate_args *a, const struct finding_list *l,
                   const struct baseline_diff *d)
{
	int min = severity_rank(a->o.fail_on), n = 0;
	for (int i = 0; min && i < d->nadded; i++)
		n += severity_rank(l->items[d->added[i]].severity) >= min;
	return n;
}

/* The new findings in full (like `tsafe report`), the fixed ones in a line each. */
static int print_changes(const struct gate_args *a, const struct finding_list *l,
                         const struct baseline *b, const struct baseline_diff *d)
{
	if (d->nadded) {
		struct finding_list added = {.items = xcalloc((size_t)d->nadded, sizeof *added.items)};
		for (int i = 0; i < d->nadded; i++)
			added.items[added.n++] = l->items[d->added[i]];   /* borrowed, not owned */
		printf("new findings:\n\n");
		struct output_opts text = a->o;
		text.format = "text";
		text.out = NULL;
		int rc = output_findings(&text, NULL, &added);
		free(added.items);
		if (rc)
			return rc;
		putchar('\n');
	}
	for (int i = 0; i < d->nfixed; i++) {
		const struct baseline_entry *e = &b->items[d->fixed[i]];
		printf("fixed: %s%s%s: %s [%s]\n", e->file ? e->file : "<unknown>",
		       e->function ? ": in " : "", e->function ? e->function : "",
		       e->message ? e->message : e->fingerprint, e->rule ? e->rule : "?");
	}
	if (d->nfixed)
		putchar('\n');
	return 0;
}

static int verdict(const struct gate_args *a, const struct finding_list *l,
                   const struct baseline *b, const char *against)
{
	struct baseline_diff d;
	baseline_compare(b, l, &d);
	int rc = print_changes(a, l, b, &d);
	if (rc == 0) {
		printf("%d new, %d fixed, %d unchanged", d.nadded, d.nfixed, d.unchanged);
		if (d.suppressed)
			printf(", %d suppressed", d.suppressed);
		printf(" (%s)\n", against);
		int bad = failing(a, l, &d);
		if (bad)
			printf("gate failed: %d new finding%s at or above '%s'\n", bad, bad == 1 ? "" : "s",
			       a->o.fail_on);
		else if (!severity_rank(a->o.fail_on))
			printf("gate passed: --fail-on never\n");
		else
			printf("gate passed: no new finding at or above '%s'\n", a->o.fail_on);
		rc = fflush(stdout) ? cli_error("writing to stdout failed") : bad ? EXIT_FINDINGS : 0;
	}
	baseline_diff_free(&d);
	return rc;
}

static int gate(const struct gate_args *a, struct store *st, struct baseline *b)
{
	struct finding_query q = {.current_only = 1};
	struct finding_list l = {0};
	char *against = NULL;
	int rc;
	if (store_findings_load(st, &q, &l))
		rc = cli_error("reading findings from '%s' failed: %s", a->o.db, store_errmsg(st));
	else if (a->baseline)
		rc = 0, against = xasprintf("against baseline '%s'", a->baseline);
	else
		rc = previous_runs(st, a->o.db, b, &against);
	if (rc == 0) {
		finding_list_sort(&l);
		rc = verdict(a, &l, b, against);
	}
	free(against);
	finding_list_free(&l);
	return rc;
}

int cmd_gate(int argc, char **argv)
{
	struct gate_args a = {0};
	int parsed = parse_args(argc, argv, &a);
	if (parsed)
		return parsed > 0 ? EXIT_CLEAN : EXIT_TOOL;
	struct baseline b = {0};
	char *err = NULL;
	if (a.baseline && baseline_load(&b, a.baseline, &err)) {
		cli_error("%s", err);
		free(err);
		return EXIT_TOOL;
	}
	int rc;
	struct store *st = NULL;
	if (access(a.o.db, F_OK) != 0) {
		rc = cli_error("no database at '%s' (run 'tsafe scan' first, or pass --db PATH)", a.o.db);
	} else if (store_open(a.o.db, &st, &err)) {
		rc = cli_error("%s", err);
		free(err);
	} else {
		rc = gate(&a, st, &b);
		store_close(st);
	}
	baseline_free(&b);
	return rc;
}
