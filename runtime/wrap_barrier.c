/* wrap_barrier.c — pthread barriers. A barrier wait cannot be sliced (glibc has no timed
 * one), so it is only marked: a thread blocked in a lock wait or a join sees it in its
 * deadlock checks (a thread waiting at a barrier while holding a lock that a thread that
 * must arrive needs, or a barrier that too few threads reach), and the last thread to
 * block wakes lock waits that sleep without a timer to check (block.c). Destroying a barrier in
 * whose unfinished round threads wait is destroy-in-use (glibc's destroy then waits for
 * the round, usually for ever). */
#include "rt.h"
#include "watch.h"

#define PC() __builtin_return_address(0)

/* glibc's barrier: `shared` (4th word) is FUTEX_SHARED for a process-shared one. */
static unsigned barrier_flags(const pthread_barrier_t *b)
{
	return ((const int *)b)[3] ? RT_WAIT_SHARED : 0;
}

int pthread_barrier_init(pthread_barrier_t *restrict b, const pthread_barrierattr_t *restrict attr,
                         unsigned count)
{
	rt_need_real();
	int r = rt_real.barrier_init(b, attr, count);
	struct rt_thread *t;
	if (r == 0 && (t = rt_enter())) {
		rt_class_init(b, RTK_BARRIER, PC());
		rt_leave();
	}
	return r;
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.barrier_wait(b);
	rt_wait_mark(t, b, RTK_BARRIER, barrier_flags(b), PC());
	rt_vc_release(t, b);
	rt_leave();
	int r = rt_real.barrier_wait(b);
	rt_wait_unmark(t);
	if (rt_watch_on && rt_enter()) {
		rt_vc_acquire(t, b);
		rt_leave();
	}
	return r;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (t) {
		rt_check_in_use(t, b, RTK_BARRIER, PC());
		rt_class_forget(b);
		rt_leave();
	}
	return rt_real.barrier_destroy(b);
}
