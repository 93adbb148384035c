/* spawn.c — the watched program in the foreground (see spawn.h): the runtime engine's
 * program and the Valgrind engines' valgrind. */
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"
#include "util.h"

extern char **environ;

static const int passed_signals[4] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};

/* What the handler needs: one program runs at a time. */
static volatile sig_atomic_t fg_pid, fg_group, fg_last;

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

/* The terminal sends ^C and ^\ (si_code SI_KERNEL) to its whole foreground group, the
 * program included unless it has a group of its own: passing those on would deliver them
 * twice. Everything sent to tsafe alone (kill, timeout(1), a CI runner) is passed on. */
static void pass_on(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	pid_t pid = (pid_t)fg_pid;
	if (pid > 0 && !(si && si->si_code == SI_KERNEL && !fg_group)) {
		kill(fg_group ? -pid : pid, sig);
		fg_last = sig;
	}
	errno = saved;
}

int spawn_foreground(const char *path, char *const *argv, char *const *envp, int own_group,
                     pid_t *pid, struct foreground *fg)
{
	sigset_t block, old_mask;
	sigemptyset(&block);
	for (int i = 0; i < 4; i++)
		sigaddset(&block, passed_signals[i]);
	/* Held back until the pid is known, so that none is lost in between. */
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	struct sigaction sa = {.sa_sigaction = pass_on, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++)
		sigaction(passed_signals[i], &sa, &fg->old[i]);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigdefault(&attr, &block);
	posix_spawnattr_setsigmask(&attr, &old_mask);
	short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
	if (own_group) {
		flags |= POSIX_SPAWN_SETPGROUP;
		posix_spawnattr_setpgroup(&attr, 0);
	}
	posix_spawnattr_setflags(&attr, flags);
	int err = posix_spawn(pid, path, NULL, &attr, argv, envp ? envp : environ);
	posix_spawnattr_destroy(&attr);
	fg->pid = err ? 0 : *pid;
	fg->own_group = own_group;
	fg_group = own_group;
	fg_last = 0;
	fg_pid = fg->pid;
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return err;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

int spawn_wait(struct foreground *fg, int timeout_s, int grace_ms, struct spawn_end *end)
{
	int status = -1;
	pid_t target = fg->own_group ? -fg->pid : fg->pid;
	struct timespec start, tick = {0, 20 * 1000 * 1000};
	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(end, 0, sizeof *end);
	int killed = 0;
	for (;;) {
		pid_t r = waitpid(fg->pid, &status, timeout_s ? WNOHANG : 0);
		if (r == fg->pid)
			break;
		if (r < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (!timeout_s)
			continue;          /* interrupted by a signal, passed on already */
		long ms = ms_since(&start);
		if (!end->timed_out && ms >= timeout_s * 1000L) {
			end->timed_out = 1;
			kill(target, SIGTERM);
		} else if (end->timed_out && !killed && ms >= timeout_s * 1000L + grace_ms) {
			killed = 1;
			kill(target, SIGKILL);
		}
		nanosleep(&tick, NULL);
	}
	fg_pid = 0;                  /* nothing left to pass signals on to */
	end->passed_on = (int)fg_last;
	return status;
}

void foreground_end(struct foreground *fg)
{
	fg_pid = 0;
	for (int i = 0; i < 4; i++)
		sigaction(passed_signals[i], &fg->old[i], NULL);
}
