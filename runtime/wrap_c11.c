/* wrap_c11.c — C11 <threads.h> mutexes. glibc's mtx_* call its pthread internals
 * directly, not the pthread_mutex_* symbols, so they need wrappers of their own; an mtx_t
 * is a pthread_mutex_t underneath, which lets the slow path reuse the mutex wait. */
#include <errno.h>

#include "fast.h"

#define PC() __builtin_return_address(0)

int mtx_init(mtx_t *m, int type)
{
	rt_need_real();
	int r = rt_real.mtx_init(m, type);
	struct rt_thread *t = rt_enter();
	if (t) {
		if (r == thrd_success)
			rt_class_init(m, RTK_MUTEX, PC());
		rt_leave();
	}
	return r;
}

static int mtx_wait(void *lock, const struct timespec *deadline)
{
	return deadline ? rt_real.mutex_clocklock(lock, CLOCK_MONOTONIC, deadline)
	                : rt_real.mutex_lock(lock);
}

static int to_thrd(int err)
{
	switch (err) {
	case 0:
		return thrd_success;
	case EBUSY:
		return thrd_busy;
	case ETIMEDOUT:
		return thrd_timedout;
	case ENOMEM:
		return thrd_nomem;
	default:
		return thrd_error;
	}
}

int mtx_lock(mtx_t *m)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.mtx_lock(m);
	struct rt_pre pre = rt_before(t, m, RTK_MUTEX, 0, PC());
	int r = rt_real.mtx_trylock(m);
	if (r == thrd_busy)
		r = to_thrd(rt_block(t, m, RTK_MUTEX, pre, 0, PC(), mtx_wait));
	if (r == thrd_success)
		rt_after(t, m, RTK_MUTEX, 0, PC(), pre);
	rt_leave();
	return r;
}

int mtx_trylock(mtx_t *m)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.mtx_trylock(m);
	int r = rt_real.mtx_trylock(m);
	if (r == thrd_success)
		rt_acquire(t, m, RTK_MUTEX, HF_TRY, PC());
	rt_leave();
	return r;
}

int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict ts)
{
	rt_need_real();
	int r = rt_real.mtx_timedlock(m, ts);
	struct rt_thread *t;
	if (r == thrd_success && (t = rt_enter())) {
		rt_acquire(t, m, RTK_MUTEX, HF_TRY, PC());
		rt_leave();
	}
	return r;
}

int mtx_unlock(mtx_t *m)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.mtx_unlock(m);
	int r;
	rt_clock_unlocking(t, m);
	if (RT_LIKELY(rt_release_is_top(t, m))) {
		r = rt_real.mtx_unlock(m);
		rt_pop(t);
	} else {
		rt_released(t, m, RTK_MUTEX, PC());
		r = rt_real.mtx_unlock(m);
	}
	rt_leave();
	return r;
}

void mtx_destroy(mtx_t *m)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (t) {
		rt_destroying(t, m, RTK_MUTEX, PC());
		rt_leave();
	}
	rt_real.mtx_destroy(m);
}
