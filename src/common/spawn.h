/* spawn.h — running a program in the foreground, as system() does: while it runs, ^C and
 * ^\ go to it and tsafe ignores them, so that tsafe stays to report what was seen. */
#ifndef TSAFE_SPAWN_H
#define TSAFE_SPAWN_H

#include <signal.h>
#include <sys/types.h>

struct foreground {
	struct sigaction old_int, old_quit;
};

/* The program as exec would find it (a PATH search when name has no slash), or NULL. */
char *spawn_find(const char *name);

/* Starts path with argv and envp (NULL: this process's environment), SIGINT and SIGQUIT at
 * their defaults in it and ignored here until foreground_end; own_group puts it in a
 * process group of its own (so that a timeout can end its children too). 0 with *pid, or
 * the errno value posix_spawn gave. */
int spawn_foreground(const char *path, char *const *argv, char *const *envp, int own_group,
                     pid_t *pid, struct foreground *fg);
/* After the program was waited for (or failed to start): this process's handlers back. */
void foreground_end(struct foreground *fg);

#endif
