/* vgspawn.c — running a program under Helgrind or DRD: XML into a private directory, one
 * file per process (children of fork and exec too), the suppressions tsafe ships for
 * the C library's own synchronisation plus the user's, and an optional timeout after
 * which the program is killed and what Valgrind wrote until then is kept. */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/rules.h"
#include "common/spawn.h"
#include "common/util.h"
#include "internal.h"

extern char **environ;

char *vg_find(void)
{
	return spawn_find("valgrind");
}

static char **valgrind_argv(const char *valgrind, const struct vg_opts *o, char *const *cmd,
                            const char *dir)
{
	int ncmd = 0;
	while (cmd[ncmd])
		ncmd++;
	char **argv = xcalloc((size_t)(o->nsuppressions + ncmd + 12), sizeof *argv);
	int k = 0;
	argv[k++] = xstrdup(valgrind);
	argv[k++] = xasprintf("--tool=%s", o->tool);
	argv[k++] = xstrdup("--xml=yes");
	argv[k++] = xasprintf("--xml-file=%s/vg.%%p.xml", dir);
	argv[k++] = xstrdup("--trace-children=yes");
	/* A free() racing with another thread's access is a use after free in waiting: both
	 * tools see it only when free counts as a write. */
	argv[k++] = xstrdup("--free-is-write=yes");
	/* Valgrind runs one thread at a time. By default the thread that gives up the big lock
	 * may take it straight back when the kernel says so, so which interleaving a run sees
	 * (and whether two threads' accesses meet unordered at all) follows the machine's load.
	 * Round-robin hand-over makes it follow the program's own work instead: a race whose
	 * two threads are runnable together is seen whatever else the machine is doing. "try":
	 * where the kernel lacks what the ticket lock needs, the default is kept. */
	argv[k++] = xstrdup("--fair-sched=try");
	/* DRD skips stack variables by default: a loop counter whose address each thread gets
	 * is then never seen racing. */
	if (!strcmp(o->tool, "drd"))
		argv[k++] = xstrdup("--check-stack-var=yes");
	char *shipped = xasprintf("%s/valgrind.supp", rules_dir());
	if (access(shipped, R_OK) == 0)
		argv[k++] = xasprintf("--suppressions=%s", shipped);
	free(shipped);
	for (int i = 0; i < o->nsuppressions; i++)
		argv[k++] = xasprintf("--suppressions=%s", o->suppressions[i]);
	argv[k++] = xstrdup("--");
	for (int i = 0; i < ncmd; i++)
		argv[k++] = xstrdup(cmd[i]);
	return argv;
}

int vg_spawn(const char *valgrind, const struct vg_opts *o, char *const *cmd, const char *dir,
             int *timed_out)
{
	char **argv = valgrind_argv(valgrind, o, cmd, dir);
	/* ^C and SIGTERM go to the program, and tsafe stays to read what Valgrind saw. A
	 * timeout needs a process group of its own, to end the program's children too. */
	struct foreground fg;
	struct spawn_end end = {0};
	pid_t pid;
	int err = spawn_foreground(valgrind, argv, NULL, o->timeout_s > 0, &pid, &fg);
	int status = -1;
	if (err)
		fprintf(stderr, "tsafe: cannot run '%s': %s\n", valgrind, strerror(err));
	else
		status = spawn_wait(&fg, o->timeout_s, SPAWN_GRACE_MS, &end);
	*timed_out = end.timed_out;
	foreground_end(&fg);
	for (int i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
	return status;
}
