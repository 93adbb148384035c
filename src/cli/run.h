/* run.h — what `tsafe run`'s engines share: the parsed command line, and the Valgrind
 * engines' part of the run (run_valgrind.c). */
#ifndef TSAFE_CLI_RUN_H
#define TSAFE_CLI_RUN_H

#include "cli.h"
#include "common/spawn.h"

struct run_args {
	struct output_opts out;
	char **cmd;
	int ncmd;
	const char *engine;      /* runtime (default), helgrind, drd or all */
	int deadlock_ms;         /* --deadlock-ms, -1: the runtime's default */
	const char *logs;        /* --logs: ingest only */
	const char *scope;
	struct opt_list suppressions;  /* --suppressions FILE…, for Valgrind */
	int timeout_s;           /* --timeout: every engine ends the program after it (0: never) */
	int no_watch;            /* --no-watch: the runtime watches no race candidates */
	const char *watch_file;  /* the candidates file the runtime reads (run_watch.c) */
};

/* The watch engine's part of a runtime run (run_watch.c): the static pass's data races
 * in the database become the addresses the runtime watches; afterwards, what was seen of
 * each. */
struct run_watch;
struct run_watch *run_watch_prepare(struct run_args *a, struct store *st,
                                    const char *program, const char *logdir);
struct watch_plan *run_watch_plan(struct run_watch *w);
void run_watch_report(const struct run_watch *w);
/* Stores the candidates watched and not seen racing with run (0 or -1, error printed). */
int run_watch_store(const struct run_watch *w, struct store *st, long run);
void run_watch_free(struct run_watch *w);

/* An engine's run id when the program ran but what it left could not be stored. */
#define RUN_NOT_STORED (-2L)

/* Runs the program under Valgrind's `tool` (helgrind or drd), reads its XML and stores the
 * run. Returns the run id (> 0) with *program_rc the program's exit status, or -1 (error
 * printed). */
long run_valgrind(const struct run_args *a, struct store *st, const char *valgrind,
                  const char *tool, int argc, char **argv, int *program_rc);

/* The current findings of every engine in the database (run_known.c); 0, or -1 with the
 * error printed. */
int run_load_known(const struct run_args *a, struct store *st, struct finding_list *known);
/* Gives the findings of l that are bugs the database knows (or repeat one another) one
 * identity (identity_merge); 0, or -1 with the error printed. */
int run_merge_known(const struct run_args *a, struct store *st, struct finding_list *l);

/* A new private directory $TMPDIR/prefix-XXXXXX for `what` the program writes, or NULL
 * (error printed); removed, with everything in it, by run_tmpdir_remove. */
char *run_tmpdir(const char *prefix, const char *what);
void run_tmpdir_remove(const char *dir);

/* The status tsafe returns for the program's wait status: its exit status, 128+N when
 * signal N ended it; why it ended on stderr when tsafe or a signal ended it. `under`
 * qualifies the messages (" under Valgrind", or ""). */
int run_exit_code(int status, const struct spawn_end *end, int timeout_s, const char *under);

/* The exit status of a run whose findings (all runs' together) are l: EXIT_FINDINGS when
 * one at or above --fail-on is new (not in the previous run of its engine and scope), else
 * program_rc; EXIT_TOOL on a database error (printed). */
int run_verdict(const struct output_opts *o, struct store *st, const long *runs, int n,
                const struct finding_list *l, int program_rc);

#endif
