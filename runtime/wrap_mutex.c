/* wrap_mutex.c — pthread_mutex_*: the real call, with the held-lock stack, edges and
 * misuse checks around it. A lock first tries the mutex: free, it costs what the real
 * lock costs; busy, the wait goes through rt_block (double-lock, deadlock watch). */
#include <errno.h>

#include "fast.h"

#define PC() __builtin_return_address(0)

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	rt_need_real();
	int r = rt_real.mutex_init(m, attr);
	struct rt_thread *t = rt_enter();
	if (t) {
		if (r == 0)
			rt_class_init(m, RTK_MUTEX, PC());
		rt_leave();
	}
	return r;
}

static int mutex_wait(void *lock, const struct timespec *deadline)
{
	return rt_real.mutex_clocklock(lock, CLOCK_MONOTONIC, deadline);
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.mutex_lock(m);
	struct rt_pre pre = rt_before(t, m, RTK_MUTEX, 0, PC());
	int r = rt_real.mutex_trylock(m);
	if (r == EBUSY)
		r = rt_block(t, m, RTK_MUTEX, pre.cls, 0, PC(), mutex_wait);
	if (r == 0 || r == EOWNERDEAD)
		rt_after(t, m, RTK_MUTEX, 0, PC(), pre);
	rt_leave();
	return r;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.mutex_trylock(m);
	int r = rt_real.mutex_trylock(m);
	if (r == 0 || r == EOWNERDEAD)
		rt_acquire(t, m, RTK_MUTEX, HF_TRY, PC());
	rt_leave();
	return r;
}

/* Timed waits are the program's own: tsafe only notes the acquisition. */
int pthread_mutex_timedlock(pthread_mutex_t *restrict m, const struct timespec *restrict abstime)
{
	rt_need_real();
	int r = rt_real.mutex_timedlock(m, abstime);
	struct rt_thread *t;
	if ((r == 0 || r == EOWNERDEAD) && (t = rt_enter())) {
		rt_acquire(t, m, RTK_MUTEX, HF_TRY, PC());
		rt_leave();
	}
	return r;
}

int pthread_mutex_clocklock(pthread_mutex_t *restrict m, clockid_t clock,
                            const struct timespec *restrict abstime)
{
	rt_need_real();
	int r = rt_real.mutex_clocklock(m, clock, abstime);
	struct rt_thread *t;
	if ((r == 0 || r == EOWNERDEAD) && (t = rt_enter())) {
		rt_acquire(t, m, RTK_MUTEX, HF_TRY, PC());
		rt_leave();
	}
	return r;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.mutex_unlock(m);
	int r;
	if (RT_LIKELY(rt_release_is_top(t, m))) {
		r = rt_real.mutex_unlock(m);
		rt_pop(t);
	} else {
		rt_released(t, m, RTK_MUTEX, PC());
		r = rt_real.mutex_unlock(m);
	}
	rt_leave();
	return r;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (t) {
		rt_destroying(t, m, RTK_MUTEX, PC());
		rt_leave();
	}
	return rt_real.mutex_destroy(m);
}
