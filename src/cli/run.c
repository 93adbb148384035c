/* run.c — `tsafe run -- PROGRAM ARGS…`: runs the program with libtsafe-rt.so preloaded
 * (children of fork and exec inherit it and write their own logs), waits for it, reads the
 * logs, predicts lock-order inversions together with the other test programs' stored
 * edges, stores the run and prints it from the database like every engine's findings.
 * --engine helgrind|drd runs it under Valgrind instead (run_valgrind.c), --engine all
 * under each in turn, printed as one report. Exits with the program's own status unless
 * findings reach --fail-on. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../runtime/rtformat.h"
#include "run.h"
#include "common/findkit.h"
#include "common/rules.h"
#include "common/spawn.h"
#include "common/util.h"
#include "dynamic/dynamic.h"
#include "dynamic/watch.h"
#include "store/edges.h"
#include "store/facts_at.h"
#include "valgrind/valgrind.h"

extern char **environ;

static int check_engine(struct run_args *a)
{
	if (a->logs && strcmp(a->engine, "runtime") != 0) {
		cli_error("--logs reads the runtime's logs: it does not go with --engine %s", a->engine);
		return -1;
	}
	for (int i = 0; i < a->suppressions.n; i++)
		if (access(a->suppressions.items[i], R_OK) != 0) {
			cli_error("cannot read the suppression file '%s': %m", a->suppressions.items[i]);
			return -1;
		}
	return 0;
}

/* 0 to go on, 1 after --help, -1 on a usage error (printed). */
static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const char *const engines[] = {"runtime", "helgrind", "drd", "all", NULL};
	output_opts_init(&a->out);
	a->out.fail_on = "error";
	a->out.to_stderr = 1;           /* the program's stdout is its own */
	a->engine = "runtime";
	a->deadlock_ms = -1;
	const struct option opts[] = {
		OPT_DB(&a->out),
		OPT_FORMAT(&a->out),
		OPT_OUTPUT(&a->out),
		OPT_ROOT(&a->out, "project root: paths in findings are relative to it (default .)"),
		OPT_FAIL_ON(&a->out),
		OPT_CHOICE(0, "engine", &a->engine, "E", engines,
		           "what watches the program: the preloaded runtime checker, Valgrind's helgrind "
		           "or drd (which also report data races; a race the static scan found too is "
		           "one finding, confirmed), or all three in turn"),
		OPT_INT(0, "deadlock-ms", &a->deadlock_ms, "N", 0, 86400000L,
		        "a thread blocked N ms on a lock starts the deadlock check (default 1000; 0: never)"),
		OPT_INT(0, "timeout", &a->timeout_s, "N", 0, 999999,
		        "end the program after N seconds (SIGTERM, then SIGKILL) and keep what was "
		        "recorded until then (default 0: no limit)"),
		OPT_STRING(0, "logs", &a->logs, "DIR",
		           "run nothing: read the logs a program wrote with LD_PRELOAD=libtsafe-rt.so "
		           "TSAFE_RT_OUT=DIR (kept afterwards)"),
		OPT_STRING(0, "scope", &a->scope, "TEXT",
		           "what the run is called for cross-run comparison (default: the command, or "
		           "DIR with --logs)"),
		OPT_LIST(0, "suppressions", &a->suppressions, "F", "a Valgrind suppression file"),
		OPT_FLAG(0, "no-watch", &a->no_watch,
		         "do not watch the static scan's data races (in the database) with hardware "
		         "watchpoints; by default the runtime does, and a race seen at run time is "
		         "marked confirmed by engine 'watch'"),
		OPT_END(),
	};
	const struct opt_command cmd = {
		.name = "run",
		.usage = "tsafe run [options] [--] PROGRAM [ARGS...]",
		.about = "Runs PROGRAM with the tsafe runtime preloaded and reports lock-order "
		         "inversions (also across the runs of other programs stored in the database), "
		         "deadlocks that happen, on locks, joins, semaphores and barriers (the program is "
		         "then ended), and misuse: double-lock, unlock-not-held, unlock-not-owner, "
		         "destroy-locked, destroy-in-use, cond-wait-unheld, lock-leak, thread-leak, "
		         "fork-with-threads. The program's stdin, stdout and stderr are its own: the "
		         "report goes to stderr (or -o FILE).",
		.opts = opts,
		.footer = "Exit status: the program's own (128+N when killed by signal N), unless a new "
		          "finding reaches --fail-on (then 1); 2 on a usage or tool error. SIGINT and "
		          "SIGTERM are passed to the program, and what was recorded is stored. A "
		          "statically linked or set-user-ID program cannot be run under the runtime (exit 2). "
		          "Environment: TSAFE_RT_LIB names libtsafe-rt.so.",
		.stop_at_operand = 1,
	};
	struct opt_rest rest;
	int r = opt_parse(&cmd, argc, argv, &rest);
	a->cmd = rest.rest;
	a->ncmd = rest.nrest;
	opt_rest_free(&rest);
	if (r)
		return r;
	if (a->ncmd == 0 && !a->logs) {
		cli_error("nothing to run: give the program after '--' (tsafe run -- ./test args)");
		return -1;
	}
	if (a->ncmd && a->logs) {
		cli_error("give either a program to run or --logs DIR to read, not both");
		return -1;
	}
	return check_engine(a);
}

/* libtsafe-rt.so: $TSAFE_RT_LIB, else next to this tsafe (build tree or installed). */
static char *find_runtime(void)
{
	const char *env = getenv("TSAFE_RT_LIB");
	if (env && *env)
		return access(env, R_OK) == 0 ? realpath(env, NULL) : NULL;
	static const char *const places[] = {"runtime/libtsafe-rt.so", "libtsafe-rt.so",
	                                     "../lib/tsafe/libtsafe-rt.so"};
	for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
		char *p = exe_sibling(places[i]);
		char *real = p && access(p, R_OK) == 0 ? realpath(p, NULL) : NULL;
		free(p);
		if (real)
			return real;
	}
	return NULL;
}

/* 1 for an ELF executable with no program interpreter: nothing can be preloaded. */
static int statically_linked(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf64_Ehdr eh;
	int is_static = 0;
	if (read(fd, &eh, sizeof eh) == (ssize_t)sizeof eh && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr)) {
		is_static = 1;
		for (int i = 0; i < eh.e_phnum && is_static; i++) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (Elf64_Off)i * sizeof ph)) != (ssize_t)sizeof ph)
				break;
			if (ph.p_type == PT_INTERP)
				is_static = 0;
		}
	}
	close(fd);
	return is_static;
}

/* Why the dynamic loader would ignore LD_PRELOAD for path (it runs in secure mode: its
 * set-user-ID or set-group-ID bit gives it another identity than ours, or it carries file
 * capabilities), or NULL. Such bits do nothing on a nosuid mount. */
static const char *secure_execution(const char *path)
{
	struct stat st;
	struct statvfs fs;
	if (stat(path, &st) || (statvfs(path, &fs) == 0 && (fs.f_flag & ST_NOSUID)))
		return NULL;
	if ((st.st_mode & S_ISUID) && st.st_uid != getuid())
		return "set-user-ID";
	if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != getgid())
		return "set-group-ID";
	if (getxattr(path, "security.capability", NULL, 0) > 0)
		return "given file capabilities";
	return NULL;
}

/* The program's environment: ours, with the runtime preloaded and told where to write. */
static char **child_environment(const struct run_args *a, const char *lib, const char *logdir)
{
	int n = 0;
	while (environ[n])
		n++;
	char **env = xcalloc((size_t)n + 5, sizeof *env);
	const char *old_preload = NULL;
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (str_starts(environ[i], "LD_PRELOAD="))
			old_preload = environ[i] + 11;
		else if (!str_starts(environ[i], "TSAFE_RT_OUT=") && !str_starts(environ[i], "TSAFE_WATCH=") &&
		         !(a->deadlock_ms >= 0 && str_starts(environ[i], "TSAFE_RT_DEADLOCK_MS=")))
			env[k++] = xstrdup(environ[i]);
	}
	env[k++] = old_preload && *old_preload ? xasprintf("LD_PRELOAD=%s:%s", lib, old_preload)
	                                       : xasprintf("LD_PRELOAD=%s", lib);
	env[k++] = xasprintf("TSAFE_RT_OUT=%s", logdir);
	if (a->deadlock_ms >= 0)
		env[k++] = xasprintf("TSAFE_RT_DEADLOCK_MS=%d", a->deadlock_ms);
	if (a->watch_file)
		env[k++] = xasprintf("TSAFE_WATCH=%s", a->watch_file);
	return env;
}

/* Runs the program with the runtime preloaded; its wait status, or -1. The program keeps
 * the terminal and its descriptors; signals sent to tsafe are passed on (fg stays set up
 * until the caller has stored what the program left: foreground_end). */
static int spawn_and_wait(const struct run_args *a, const char *program, const char *lib,
                          const char *logdir, struct foreground *fg, struct spawn_end *end)
{
	char **env = child_environment(a, lib, logdir);
	pid_t pid;
	/* A timeout ends the program's children too: they need a process group of their own. */
	int err = spawn_foreground(program, a->cmd, env, a->timeout_s > 0, &pid, fg);
	int status = -1;
	if (err) {
		errno = err;
		cli_error("cannot run '%s': %m", a->cmd[0]);
	} else {
		status = spawn_wait(fg, a->timeout_s, SPAWN_GRACE_MS, end);
	}
	for (int i = 0; env[i]; i++)
		free(env[i]);
	free(env);
	return status;
}

/* Stores the run (findings and edges); its id, or -1 (error printed). */
static long store_dyn(const struct run_args *a, struct store *st, struct dyn_run *dr,
                      const char *scope, const char *command, int program_rc)
{
	long run = store_run_begin(st, "runtime", scope, a->out.root, command);
	if (run < 0 || store_findings_add(st, run, dr->findings.items, dr->findings.n) ||
	    store_edges_add(st, run, dr->edges.items, dr->edges.n)) {
		cli_error("storing findings in '%s' failed: %s", a->out.db, store_errmsg(st));
		return -1;
	}
	store_run_end(st, run, program_rc);
	return run;
}

/* The runtime's bounds the program reached: what was not watched, and how far it grew. */
static void limits(const struct dyn_limit *l)
{
	if (l[RTL_THREADS_ALIVE].count)
		fprintf(stderr, "tsafe: the program had at least %llu threads alive at once\n",
		        (unsigned long long)l[RTL_THREADS_ALIVE].count);
	if (l[RTL_THREADS].count)
		fprintf(stderr, "tsafe: more than %u threads were alive at once, the most the runtime "
		        "watches: at least %llu more were not watched (TSAFE_RT_MAX_THREADS sets the "
		        "bound, up to %d)\n", l[RTL_THREADS].limit,
		        (unsigned long long)l[RTL_THREADS].count, RT_MAX_THREADS);
	if (l[RTL_LOCKS].count)
		fprintf(stderr, "tsafe: the runtime's table of lock addresses filled up (%llu addresses "
		        "in use, destroyed ones reclaimed): locks at new addresses after that were not "
		        "watched\n", (unsigned long long)l[RTL_LOCKS].count);
}

static void summary(const struct dyn_run *dr)
{
	const struct dyn_summary *s = &dr->sum;
	fprintf(stderr, "tsafe: %d process%s, %d thread%s, %d finding%s", s->processes,
	        s->processes == 1 ? "" : "es", s->threads, s->threads == 1 ? "" : "s",
	        dr->findings.n, dr->findings.n == 1 ? "" : "s");
	if (s->truncated)
		fprintf(stderr, " (%d log%s cut short by a crash)", s->truncated, s->truncated == 1 ? "" : "s");
	fputc('\n', stderr);
	if (s->deadlocked)
		fprintf(stderr, "tsafe: the program deadlocked; the runtime ended it (exit status %d)\n",
		        RT_DEADLOCK_EXIT);
	limits(s->limits);
}

/* The runtime's inversions judged with the static facts, as Valgrind's are (a cycle of read
 * locks only cannot deadlock); 0, or -1 with the error printed. */
static int judge_runtime_orders(const struct run_args *a, struct store *st, struct finding_list *l)
{
	struct facts_at facts = {.st = st, .root = a->out.root};
	struct finding_list known = {0};
	int rc = run_load_known(a, st, &known);
	if (!rc && judge_lock_orders(&facts, l, &known))
		rc = cli_error("reading static facts from '%s' failed: %s", a->out.db, store_errmsg(st));
	finding_list_free(&known);
	facts_at_free(&facts);
	return rc ? -1 : 0;
}

/* After the program ended: logs -> findings, with the other programs' edges; stored.
 * The run's id, or -1 (error printed). */
static long ingest(const struct run_args *a, struct store *st, const char *logdir,
                   const char *scope, const char *command, int program_rc,
                   struct watch_plan *watch)
{
	struct facts_at facts = {.st = st, .root = a->out.root};
	struct dyn_opts o = {.root = a->out.root, .facts = &facts, .watch = watch};
	struct dyn_run dr;
	char *err = NULL;
	int failed = dynamic_ingest(logdir, &o, &dr, &err);
	facts_at_free(&facts);
	if (failed) {
		cli_error("%s", err);
		free(err);
		return -1;
	}
	struct stored_edge_list others = {0};
	if (store_edges_load(st, scope, &others)) {
		dyn_run_free(&dr);
		cli_error("reading lock-order edges from '%s' failed: %s", a->out.db, store_errmsg(st));
		return -1;
	}
	dynamic_lock_order(&dr, &others, &o);
	if (run_merge_known(a, st, &dr.findings) || judge_runtime_orders(a, st, &dr.findings)) {
		stored_edge_list_free(&others);
		dyn_run_free(&dr);
		return -1;
	}
	summary(&dr);
	if (watch)
		watch_plan_report(watch, stderr);
	if (dr.sum.processes == 0)
		fprintf(stderr, "tsafe: the runtime wrote nothing: the program did not start, or does "
		        "not use the C library dynamically\n");
	long run = store_dyn(a, st, &dr, scope, command, program_rc);
	stored_edge_list_free(&others);
	dyn_run_free(&dr);
	return run;
}

/* The program with the runtime preloaded: the run's id and *program_rc; -1 when it could
 * not run; RUN_NOT_STORED when it ran but what it left could not be stored (the logs are
 * then kept, and where they are printed). */
static long run_runtime(struct run_args *a, struct store *st, const char *lib, const char *program,
                        int argc, char **argv, int *program_rc)
{
	char *logdir = run_tmpdir("tsafe-run", "the runtime's logs");
	if (!logdir)
		return -1;
	struct foreground fg;
	struct spawn_end end = {0};
	struct run_watch *watch = run_watch_prepare(a, st, program, logdir);
	int status = spawn_and_wait(a, program, lib, logdir, &fg, &end);
	a->watch_file = NULL;
	long run = -1;
	if (status != -1) {
		char *scope = a->scope ? xstrdup(a->scope) : join_words(a->cmd, a->ncmd);
		char *command = cli_command(argc, argv);
		*program_rc = run_exit_code(status, &end, a->timeout_s, "");
		run = ingest(a, st, logdir, scope, command, *program_rc, run_watch_plan(watch));
		run_watch_store(watch, st, run);
		if (run < 0) {
			fprintf(stderr, "tsafe: the runtime's logs are kept in %s: store them with 'tsafe "
			        "run --logs %s --scope '%s'' once the database can be written\n", logdir,
			        logdir, scope);
			run = RUN_NOT_STORED;
		}
		free(scope);
		free(command);
	}
	if (run != RUN_NOT_STORED)
		run_tmpdir_remove(logdir);
	run_watch_free(watch);
	foreground_end(&fg);
	free(logdir);
	return run;
}

static int uses(const struct run_args *a, const char *engine)
{
	return !strcmp(a->engine, "all") || !strcmp(a->engine, engine);
}

/* The findings of every run as one report (a finding two engines saw is printed once). */
static int print_runs(const struct run_args *a, struct store *st, const long *runs, int n, int clean)
{
	struct finding_list all = {0};
	int rc = 0;
	for (int i = 0; i < n && !rc; i++) {
		struct finding_list l = {0};
		struct finding_query q = {.run = runs[i]};
		rc = store_findings_load(st, &q, &l);
		for (int j = 0; j < l.n; j++)
			*finding_list_add(&all) = l.items[j];
		free(l.items);
	}
	finding_list_unique(&all, 0);
	if (rc) {
		rc = cli_error("reading findings from '%s' failed: %s", a->out.db, store_errmsg(st));
	} else {
		finding_list_sort(&all);
		rc = output_findings(&a->out, st, &all);
		if (rc == EXIT_CLEAN)
			rc = run_verdict(&a->out, st, runs, n, &all, clean);
	}
	finding_list_free(&all);
	return rc;
}

/* --logs DIR: the logs of a program run with the runtime preloaded by hand. */
static int read_logs(struct run_args *a, struct store *st, int argc, char **argv)
{
	char dir[PATH_MAX];
	if (!realpath(a->logs, dir))
		return cli_error("--logs '%s' is not a directory (give the TSAFE_RT_OUT the program "
		                 "ran with)", a->logs);
	char *command = cli_command(argc, argv);
	long run = ingest(a, st, dir, a->scope ? a->scope : dir, command, EXIT_CLEAN, NULL);
	free(command);
	return run > 0 ? print_runs(a, st, &run, 1, EXIT_CLEAN) : EXIT_TOOL;
}

/* The engines asked for, one after the other; the exit status is the program's under the
 * first of them, unless findings reach --fail-on. */
static int run_engines(struct run_args *a, struct store *st, const char *lib, const char *valgrind,
                       const char *program, int argc, char **argv)
{
	static const char *const order[] = {"runtime", "helgrind", "drd"};
	long runs[3];
	int n = 0, first_rc = -1;
	for (int i = 0; i < 3; i++) {
		if (!uses(a, order[i]))
			continue;
		int program_rc = EXIT_TOOL;
		long run = i == 0 ? run_runtime(a, st, lib, program, argc, argv, &program_rc)
		                  : run_valgrind(a, st, valgrind, order[i], argc, argv, &program_rc);
		if (run == RUN_NOT_STORED)
			return program_rc;     /* the error and where the logs are are printed */
		if (run < 0)
			return EXIT_TOOL;
		runs[n++] = run;
		if (first_rc < 0)
			first_rc = program_rc;
	}
	return print_runs(a, st, runs, n, first_rc);
}

/* What the engines need: the runtime library, a dynamically linked program, Valgrind. */
static int find_tools(const struct run_args *a, char **lib, char **program, char **valgrind)
{
	if (uses(a, "runtime") && !(*lib = find_runtime()))
		return cli_error("cannot find libtsafe-rt.so next to tsafe (build the tsafe-rt target, "
		                 "or set TSAFE_RT_LIB to its path)");
	if (!(*program = spawn_find(a->cmd[0])))
		return cli_error("cannot run '%s': no such executable (check the path, or that it is "
		                 "in PATH)", a->cmd[0]);
	if (uses(a, "runtime") && statically_linked(*program))
		return cli_error("'%s' is statically linked, so the runtime cannot be preloaded into "
		                 "it: link it dynamically to use tsafe run (tsafe scan still works)",
		                 a->cmd[0]);
	const char *secure = uses(a, "runtime") ? secure_execution(*program) : NULL;
	if (secure)
		return cli_error("'%s' is %s, so the dynamic loader ignores LD_PRELOAD and the runtime "
		                 "cannot watch it: run a copy without that bit (or as its owner) to use "
		                 "tsafe run (tsafe scan still works)", a->cmd[0], secure);
	if (strcmp(a->engine, "runtime") != 0 && !(*valgrind = vg_find()))
		return cli_error("valgrind is not installed (or not on PATH): install it with "
		                 "'sudo apt-get install valgrind', or use --engine runtime");
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a = {0};
	struct store *st = NULL;
	char *err = NULL, *lib = NULL, *program = NULL, *valgrind = NULL, root[PATH_MAX];
	int rc = EXIT_TOOL;
	int parsed = parse_args(argc, argv, &a);
	if (parsed) {
		rc = parsed > 0 ? EXIT_CLEAN : EXIT_TOOL;
		goto out;
	}
	if (rules_load(&err)) {
		cli_error("%s", err);
		goto out;
	}
	if (!realpath(a.out.root ? a.out.root : ".", root)) {
		cli_error("--root '%s' is not a directory", a.out.root);
		goto out;
	}
	a.out.root = root;
	if (!a.logs && find_tools(&a, &lib, &program, &valgrind))
		goto out;
	if (store_open(a.out.db, &st, &err)) {
		cli_error("%s", err);
		goto out;
	}
	rc = a.logs ? read_logs(&a, st, argc, argv) : run_engines(&a, st, lib, valgrind, program, argc, argv);
out:
	if (st)
		store_close(st);
	free(err);
	free(lib);
	free(program);
	free(valgrind);
	free(a.suppressions.items);
	return rc;
}
