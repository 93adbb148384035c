/* run_verdict.c — `tsafe run`'s exit status: the program's own, unless a finding at or
 * above --fail-on is new, that is, not seen by the previous run of the same engine and
 * scope (the program's earlier runs, compared as `tsafe gate` compares them). A known bug
 * that the test suite already lives with does not turn every later run red; a bug the
 * static pass found and this run confirms is new to this engine, and fails. */
#include <stdlib.h>

#include "run.h"
#include "store/runs_query.h"

/* The findings of the run before each of `runs` of the same engine and scope. */
static int previous_findings(struct store *st, const long *runs, int n, struct finding_list *prev)
{
	struct run_pair *pairs;
	int np;
	if (store_run_pairs(st, &pairs, &np))
		return -1;
	int rc = 0;
	for (int i = 0; i < np && !rc; i++) {
		int ours = 0;
		for (int k = 0; k < n; k++)
			ours |= pairs[i].latest == runs[k];
		if (!ours || !pairs[i].previous)
			continue;
		struct finding_query q = {.run = pairs[i].previous};
		rc = store_findings_load(st, &q, prev);
	}
	run_pairs_free(pairs, np);
	return rc;
}

static int seen_in(const struct finding_list *l, long id)
{
	for (int i = 0; i < l->n; i++)
		if (l->items[i].id == id)
			return 1;
	return 0;
}

int run_verdict(const struct output_opts *o, struct store *st, const long *runs, int n,
                const struct finding_list *l, int program_rc)
{
	struct finding_list prev = {0};
	if (previous_findings(st, runs, n, &prev)) {
		finding_list_free(&prev);
		return cli_error("reading the earlier runs from '%s' failed: %s", o->db, store_errmsg(st));
	}
	int fails = 0;
	for (int i = 0; i < l->n && !fails; i++)
		fails = output_counts(o, &l->items[i]) && !seen_in(&prev, l->items[i].id);
	finding_list_free(&prev);
	return fails ? EXIT_FINDINGS : program_rc;
}
