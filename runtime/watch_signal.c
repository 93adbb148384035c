/* watch_signal.c — SIGTRAP belongs to the program. While watching, the runtime's handler
 * is the one installed; what the program asks for through sigaction/signal is kept as its
 * own action, returned when it asks, and called for every SIGTRAP that is not one of the
 * runtime's watch traps. A program that sets its own SIGTRAP action (a debugger-like
 * tool, its own watchpoints) wins: watching stops. SIGTRAP is never blocked while
 * watching: a blocked trap would stay pending while every access kept trapping. */
#include <errno.h>
#include <string.h>

#include "watch.h"

static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
static int (*real_pthread_sigmask)(int, const sigset_t *, sigset_t *);
static int (*real_sigprocmask)(int, const sigset_t *, sigset_t *);
static struct sigaction program_action;   /* what the program believes is installed */
static int installed;

#define SIGACTION() RT_NEXT(real_sigaction, "sigaction", NULL)

int rt_watch_install_handler(void)
{
	if (!SIGACTION() || real_sigaction(SIGTRAP, NULL, &program_action) != 0)
		return -1;
	if (program_action.sa_handler != SIG_DFL)
		return -1;       /* the program (or a tool around it) handles SIGTRAP already */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = rt_watch_trap;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (real_sigaction(SIGTRAP, &sa, NULL) != 0)
		return -1;
	installed = 1;
	return 0;
}

/* A SIGTRAP that is the program's: its action, as the kernel would have taken it. */
int rt_watch_program_action(int sig, siginfo_t *si, void *uc)
{
	struct sigaction a = program_action;
	if (a.sa_handler == SIG_IGN)
		return 0;
	if (a.sa_handler == SIG_DFL) {
		/* The default action ends the process: let the kernel take it. */
		struct sigaction dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		real_sigaction(sig, &dfl, NULL);
		raise(sig);
		return 0;
	}
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, si, uc);
	else
		a.sa_handler(sig);
	return 1;
}

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
	if (sig != SIGTRAP || !installed)
		return SIGACTION()(sig, act, old);
	if (old)
		*old = program_action;
	if (act) {
		program_action = *act;
		if (act->sa_handler != SIG_DFL)
			rt_watch_stop(RTW_PROGRAM_SIGTRAP);
	}
	return 0;
}

sighandler_t signal(int sig, sighandler_t handler)
{
	if (sig <= 0 || sig >= NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;      /* glibc's signal(): BSD semantics */
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, sig);
	return sigaction(sig, &sa, &old) == 0 ? old.sa_handler : SIG_ERR;
}

/* The set the program asked to block, without SIGTRAP while watching. */
static const sigset_t *without_trap(int how, const sigset_t *set, sigset_t *copy)
{
	if (!set || how == SIG_UNBLOCK || !__atomic_load_n(&rt_watch_on, __ATOMIC_RELAXED) ||
	    !sigismember(set, SIGTRAP))
		return set;
	*copy = *set;
	sigdelset(copy, SIGTRAP);
	return copy;
}

int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	__typeof__(real_pthread_sigmask) next = RT_NEXT(real_pthread_sigmask, "pthread_sigmask", NULL);
	sigset_t copy;
	return next(how, without_trap(how, set, &copy), old);
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	__typeof__(real_sigprocmask) next = RT_NEXT(real_sigprocmask, "sigprocmask", NULL);
	sigset_t copy;
	return next(how, without_trap(how, set, &copy), old);
}
