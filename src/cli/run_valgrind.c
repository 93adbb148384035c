/* run_valgrind.c — `tsafe run --engine helgrind|drd`: the program under Valgrind, its XML
 * read into findings, races matched with the data races the database already knows (the
 * static pass's become confirmed), the project's suppressions applied, Valgrind's known
 * false alarms marked likely benign from the static facts, and the run stored. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "analyze/suppress.h"
#include "common/config.h"
#include "common/findkit.h"
#include "common/identity.h"
#include "common/util.h"
#include "run.h"
#include "valgrind/valgrind.h"

/* Locks and threads named as the other engines name them, identity (known races, and bugs
 * another engine reported), the project's suppressions, then Valgrind's false alarms. */
static int refine(const struct run_args *a, struct store *st, const struct project_config *cfg,
                  struct finding_list *l)
{
	struct facts_at fc = {.st = st, .root = a->out.root};
	struct finding_list known = {0};
	int rc = run_load_known(a, st, &known);
	if (!rc && vg_name_locks(&fc, l))
		rc = -1;
	if (!rc) {
		finding_list_finish(l, 0, a->out.root);
		vg_confirm(l, &known);
		vg_join_by_object(&fc, l, &known);
		vg_join_by_address(l);
		identity_merge(l, &known);
		rc = vg_mark_benign(&fc, l, &known) || judge_lock_orders(&fc, l, &known);
	}
	if (rc && known.items)
		cli_error("reading static facts from '%s' failed: %s", a->out.db, store_errmsg(st));
	if (!rc)
		suppress_apply(l, a->out.root, cfg);
	finding_list_free(&known);
	facts_at_free(&fc);
	return rc ? -1 : 0;
}

static long store_run(const struct run_args *a, struct store *st, const char *tool,
                      struct finding_list *l, int argc, char **argv, int program_rc)
{
	char *scope = a->scope ? xstrdup(a->scope) : join_words(a->cmd, a->ncmd);
	char *command = cli_command(argc, argv);
	long run = store_run_begin(st, tool, scope, a->out.root, command);
	if (run < 0 || store_findings_add(st, run, l->items, l->n)) {
		cli_error("storing findings in '%s' failed: %s", a->out.db, store_errmsg(st));
		run = -1;
	} else {
		store_run_end(st, run, program_rc);
	}
	free(scope);
	free(command);
	return run;
}

static void summary(const char *tool, const struct vg_summary *s, const struct finding_list *l)
{
	int benign = 0;
	for (int i = 0; i < l->n; i++)
		benign += l->items[i].benign;
	fprintf(stderr, "tsafe: %s: %d process%s, %d error%s, %d finding%s", tool, s->processes,
	        s->processes == 1 ? "" : "es", s->errors, s->errors == 1 ? "" : "s", l->n,
	        l->n == 1 ? "" : "s");
	if (benign)
		fprintf(stderr, " (%d likely benign)", benign);
	if (s->truncated)
		fprintf(stderr, " (%d output%s cut short)", s->truncated, s->truncated == 1 ? "" : "s");
	fputc('\n', stderr);
}

long run_valgrind(const struct run_args *a, struct store *st, const char *valgrind,
                  const char *tool, int argc, char **argv, int *program_rc)
{
	/* The project's configuration first: its lock wrappers tell trylocks apart (vgtrylock.c). */
	struct project_config cfg = {0};
	char *err = NULL;
	if (config_load(a->out.root, &cfg, &err)) {
		cli_error("%s", err);
		free(err);
		return -1;
	}
	char *dir = run_tmpdir("tsafe-vg", "Valgrind's output");
	if (!dir) {
		config_free(&cfg);
		return -1;
	}
	struct vg_opts o = {.tool = tool, .root = a->out.root,
	                    .suppressions = (char *const *)a->suppressions.items,
	                    .nsuppressions = a->suppressions.n, .timeout_s = a->timeout_s};
	int timed_out = 0;
	long run = -1;
	int status = vg_spawn(valgrind, &o, a->cmd, dir, &timed_out);
	struct finding_list l = {0};
	struct vg_summary sum = {0};
	if (status != -1) {
		struct spawn_end end = {.timed_out = timed_out};
		*program_rc = run_exit_code(status, &end, a->timeout_s, " under Valgrind");
		if (vg_ingest(dir, &o, &l, &sum, &err))
			cli_error("%s", err);
		else if (!refine(a, st, &cfg, &l))
			run = store_run(a, st, tool, &l, argc, argv, *program_rc);
		if (run > 0)
			summary(tool, &sum, &l);
		if (run > 0 && sum.processes == 0)
			fprintf(stderr, "tsafe: Valgrind wrote nothing: the program did not start under "
			        "it (see Valgrind's messages above)\n");
	}
	free(err);
	config_free(&cfg);
	finding_list_free(&l);
	run_tmpdir_remove(dir);
	free(dir);
	return run;
}
