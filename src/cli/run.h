/* run.h — what `tsafe run`'s engines share: the parsed command line, and the Valgrind
 * engines' part of the run (run_valgrind.c). */
#ifndef TSAFE_CLI_RUN_H
#define TSAFE_CLI_RUN_H

#include "cli.h"

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
};

/* Runs the program under Valgrind's `tool` (helgrind or drd), reads its XML and stores the
 * run. Returns the run id (> 0) with *program_rc the program's exit status, or -1 (error
 * printed). */
long run_valgrind(const struct run_args *a, struct store *st, const char *valgrind,
                  const char *tool, int argc, char **argv, int *program_rc);

#endif
