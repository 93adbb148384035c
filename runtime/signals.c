/* signals.c — the program's signals and the runtime's sliced waits. sem_wait is waited
 * for in slices (block.c), and a signal must end it exactly when it would end the real,
 * untimed sem_wait: when it is handled while the thread waits, by a handler without
 * SA_RESTART (a handler with SA_RESTART lets the real wait go on).
 *
 * Two things differ from the real wait. A timed futex wait (a slice) fails with EINTR
 * after any handler, SA_RESTART or not: the handlers the thread could have run say
 * whether the real wait would have. And between slices the thread is in the runtime, not
 * asleep: there the program's signals stay blocked, so that one that comes is handled
 * (and counted) just before the next slice instead of unseen. What remains unseen is a
 * signal in the few instructions between a slice's end and the blocking, as the real wait
 * has its own few before it sleeps. Synchronous signals are never blocked. */
#include <signal.h>

#include "rt.h"

static void blockable(sigset_t *set)
{
	static const int synchronous[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT};
	sigfillset(set);
	for (size_t i = 0; i < sizeof synchronous / sizeof synchronous[0]; i++)
		sigdelset(set, synchronous[i]);
}

int rt_signals_block(sigset_t *program)
{
	sigset_t all;
	blockable(&all);
	return pthread_sigmask(SIG_BLOCK, &all, program);
}

/* A handler for sig that ends an interrupted wait with EINTR. */
static int interrupts(int sig)
{
	struct sigaction sa;
	if (sigaction(sig, NULL, &sa))
		return 0;                  /* glibc's own signals: they restart */
	if (!(sa.sa_flags & SA_SIGINFO) && (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN))
		return 0;                  /* no handler: the wait goes on (or the process ends) */
	return !(sa.sa_flags & SA_RESTART);
}

int rt_signals_unblock(const sigset_t *program)
{
	sigset_t pending;
	sigpending(&pending);
	pthread_sigmask(SIG_SETMASK, program, NULL);   /* what came is handled here */
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&pending, sig) == 1 && sigismember(program, sig) == 0 && interrupts(sig))
			return 1;
	return 0;
}

int rt_signals_interrupt(const sigset_t *program)
{
	/* Which signal it was is not known: a handler the thread could run that does not
	 * restart is enough (with handlers of both kinds, EINTR is the side that never
	 * hangs a shutdown). */
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(program, sig) == 0 && interrupts(sig))
			return 1;
	return 0;
}
