/* spawn.h — running the watched program in the foreground: it keeps the terminal, its
 * own stdin, stdout and stderr; a SIGINT, SIGQUIT, SIGTERM or SIGHUP sent to tsafe is
 * passed on to it (the terminal's ^C and ^\ reach it directly), and tsafe stays to store
 * what was seen. An optional timeout ends it: SIGTERM, then SIGKILL. */
#ifndef TSAFE_SPAWN_H
#define TSAFE_SPAWN_H

#include <signal.h>
#include <sys/types.h>

struct foreground {
	struct sigaction old[4];     /* SIGINT, SIGQUIT, SIGTERM, SIGHUP */
	pid_t pid;
	int own_group;
};

/* The program as exec would find it (a PATH search when name has no slash), or NULL. */
char *spawn_find(const char *name);

/* Starts path with argv and envp (NULL: this process's environment), the four signals at
 * their defaults in it and passed on to it from here until foreground_end; own_group puts
 * it in a process group of its own (so that a timeout ends its children too). 0 with
 * *pid, or the errno value posix_spawn gave. */
int spawn_foreground(const char *path, char *const *argv, char *const *envp, int own_group,
                     pid_t *pid, struct foreground *fg);

/* How the wait ended. */
struct spawn_end {
	int timed_out;               /* the timeout ended it */
	int passed_on;               /* the last signal tsafe received and passed on, or 0 */
};

/* How long a program ended by a timeout has to exit after SIGTERM, before SIGKILL. */
#define SPAWN_GRACE_MS 2000

/* Waits for the program; after timeout_s seconds (0: never) sends SIGTERM to it (its
 * group with own_group) and SIGKILL grace_ms later. Its wait status, or -1. */
int spawn_wait(struct foreground *fg, int timeout_s, int grace_ms, struct spawn_end *end);

/* After the program was waited for and what it left was stored: the handlers back. */
void foreground_end(struct foreground *fg);

#endif
