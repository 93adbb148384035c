/* run_known.c — what a run found, joined with what the database already knows before it is
 * stored: the findings of every engine's current runs, so that a bug another engine (or an
 * earlier run) reported keeps one identity (common/identity.h). */
#include <stdlib.h>

#include "common/identity.h"
#include "run.h"

int run_load_known(const struct run_args *a, struct store *st, struct finding_list *known)
{
	struct finding_query q = {.current_only = 1};
	if (store_findings_load(st, &q, known)) {
		finding_list_free(known);
		return cli_error("reading the stored findings from '%s' failed: %s", a->out.db,
		                 store_errmsg(st));
	}
	return 0;
}

int run_merge_known(const struct run_args *a, struct store *st, struct finding_list *l)
{
	struct finding_list known = {0};
	if (run_load_known(a, st, &known))
		return -1;
	identity_merge(l, &known);
	finding_list_free(&known);
	return 0;
}
