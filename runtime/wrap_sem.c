/* wrap_sem.c — semaphores. A semaphore has no owner, so it is no lock: no held stack, no
 * edges, no leak. What matters is the wait: an untimed sem_wait that finds the semaphore
 * empty waits in slices, like a busy lock, so that it can notice that the whole process
 * is stuck (stall.c); a destroy or close while another thread waits is destroy-in-use.
 * The program's own timed waits are only marked, for that check. sem_post, sem_trywait,
 * sem_getvalue and sem_open need nothing and are not interposed. */
#include <errno.h>

#include "rt.h"
#include "watch.h"

#define PC() __builtin_return_address(0)

/* glibc's sem_t: the futex word(s), then `private`, FUTEX_SHARED (non-zero) for a
 * process-shared or named semaphore: another process may post it. */
static unsigned sem_flags(const sem_t *s)
{
	const int *w = (const int *)s;
	return w[sizeof(void *) == 8 ? 2 : 1] ? RT_WAIT_SHARED : 0;
}

int sem_init(sem_t *s, int pshared, unsigned value)
{
	rt_need_real();
	int r = rt_real.sem_init(s, pshared, value);
	struct rt_thread *t;
	if (r == 0 && (t = rt_enter())) {
		rt_class_init(s, RTK_SEM, PC());
		rt_leave();
	}
	return r;
}

static int sem_slice(void *s, const struct timespec *deadline)
{
	return rt_real.sem_clockwait(s, CLOCK_MONOTONIC, deadline) == 0 ? 0 : errno;
}

int sem_wait(sem_t *s)
{
	pthread_testcancel();                /* sem_wait is a cancellation point even when it
	                                        does not block */
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.sem_wait(s);
	if (!rt_real.sem_clockwait) {        /* glibc before 2.30: nothing to slice with */
		rt_leave();
		return rt_real.sem_wait(s);
	}
	int saved = errno;
	int r = rt_real.sem_trywait(s) == 0 ? 0 : errno;
	if (r == EAGAIN)
		r = rt_block_on(t, s, RTK_SEM, sem_flags(s), PC(), sem_slice);
	if (r == 0)
		rt_vc_acquire(t, s);
	rt_leave();
	errno = r ? r : saved;
	return r ? -1 : 0;
}

static void timed_begin(struct rt_thread *t, sem_t *s, void *pc)
{
	rt_wait_mark(t, s, RTK_SEM, RT_WAIT_TIMED | sem_flags(s), pc);
	rt_leave();
}

static void timed_end(struct rt_thread *t, sem_t *s, int r)
{
	if (r == 0 && rt_watch_on && rt_enter()) {
		rt_vc_acquire(t, s);
		rt_leave();
	}
}

int sem_timedwait(sem_t *restrict s, const struct timespec *restrict abstime)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.sem_timedwait(s, abstime);
	timed_begin(t, s, PC());
	int r = rt_real.sem_timedwait(s, abstime);
	rt_wait_unmark(t);
	timed_end(t, s, r);
	return r;
}

int sem_clockwait(sem_t *restrict s, clockid_t clock, const struct timespec *restrict abstime)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.sem_clockwait(s, clock, abstime);
	timed_begin(t, s, PC());
	int r = rt_real.sem_clockwait(s, clock, abstime);
	rt_wait_unmark(t);
	timed_end(t, s, r);
	return r;
}

/* Destroy and close: what threads still wait on it, then the class goes. */
static void ending(sem_t *s, void *pc)
{
	struct rt_thread *t = rt_enter();
	if (t) {
		rt_check_in_use(t, s, RTK_SEM, pc);
		rt_class_forget(s);
		rt_leave();
	}
}

int sem_destroy(sem_t *s)
{
	rt_need_real();
	ending(s, PC());
	return rt_real.sem_destroy(s);
}

int sem_close(sem_t *s)
{
	rt_need_real();
	ending(s, PC());
	return rt_real.sem_close(s);
}
