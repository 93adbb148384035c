/* spawn.c — a program run in the foreground the way system() runs one (see spawn.h): the
 * runtime engine's program and the Valgrind engines' valgrind. */
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"
#include "util.h"

extern char **environ;

char *spawn_find(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	char *dirs = xstrdup(path ? path : "/usr/bin:/bin");
	char *found = NULL;
	for (char *save, *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", *d ? d : ".", name);
		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(dirs);
	return found;
}

int spawn_foreground(const char *path, char *const *argv, char *const *envp, int own_group,
                     pid_t *pid, struct foreground *fg)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigaction(SIGINT, &ign, &fg->old_int);
	sigaction(SIGQUIT, &ign, &fg->old_quit);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	sigset_t dflt;
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGQUIT);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	short flags = POSIX_SPAWN_SETSIGDEF;
	if (own_group) {
		flags |= POSIX_SPAWN_SETPGROUP;
		posix_spawnattr_setpgroup(&attr, 0);
	}
	posix_spawnattr_setflags(&attr, flags);
	int err = posix_spawn(pid, path, NULL, &attr, argv, envp ? envp : environ);
	posix_spawnattr_destroy(&attr);
	return err;
}

void foreground_end(struct foreground *fg)
{
	sigaction(SIGINT, &fg->old_int, NULL);
	sigaction(SIGQUIT, &fg->old_quit, NULL);
}
