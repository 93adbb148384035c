/* wrap_mutex.c — pthread_mutex_*: the real call, with the held-lock stack, edges and
 * misuse checks around it. A lock first tries the mutex: free, it costs what the real
 * lock costs; busy, the wait goes through rt_block (double-lock, deadlock watch). */
#include <errno.h>

#include "rt.h"

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
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.mutex_lock(m);
	int r = rt_real.mutex_trylock(m);
	if (r == EBUSY)
		r = rt_block(t, m, RTK_MUTEX, 0, PC(), mutex_wait);
	if (r == 0 || r == EOWNERDEAD)
		rt_acquired(t, m, RTK_MUTEX, 0, PC());
	rt_leave();
	return r;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.mutex_trylock(m);
	int r = rt_real.mutex_trylock(m);
	if (r == 0 || r == EOWNERDEAD)
		rt_acquired(t, m, RTK_MUTEX, HF_TRY, PC());
	rt_leave();
	return r;
}

int pthread_mutex_timedlock(pthread_mutex_t *restrict m, const struct timespec *restrict abstime)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.mutex_timedlock(m, abstime);
	rt_leave();     /* the wait is the program's: we only watch the result */
	int r = rt_real.mutex_timedlock(m, abstime);
	if ((r == 0 || r == EOWNERDEAD) && (t = rt_enter())) {
		rt_acquired(t, m, RTK_MUTEX, HF_TRY, PC());
		rt_leave();
	}
	return r;
}

int pthread_mutex_clocklock(pthread_mutex_t *restrict m, clockid_t clock,
                            const struct timespec *restrict abstime)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.mutex_clocklock(m, clock, abstime);
	rt_leave();
	int r = rt_real.mutex_clocklock(m, clock, abstime);
	if ((r == 0 || r == EOWNERDEAD) && (t = rt_enter())) {
		rt_acquired(t, m, RTK_MUTEX, HF_TRY, PC());
		rt_leave();
	}
	return r;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.mutex_unlock(m);
	rt_released(t, m, RTK_MUTEX, PC());
	int r = rt_real.mutex_unlock(m);
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
