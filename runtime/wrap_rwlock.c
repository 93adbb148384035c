/* wrap_rwlock.c — pthread_rwlock_*: like mutexes, with the read mode remembered on the
 * held entry (two read locks of one rwlock by one thread are not a double lock). */
#include <errno.h>

#include "fast.h"

#define PC() __builtin_return_address(0)

int pthread_rwlock_init(pthread_rwlock_t *restrict rw, const pthread_rwlockattr_t *restrict attr)
{
	rt_need_real();
	int r = rt_real.rwlock_init(rw, attr);
	struct rt_thread *t = rt_enter();
	if (t) {
		if (r == 0)
			rt_class_init(rw, RTK_RWLOCK, PC());
		rt_leave();
	}
	return r;
}

static int rd_wait(void *lock, const struct timespec *deadline)
{
	return deadline ? rt_real.rwlock_clockrdlock(lock, CLOCK_MONOTONIC, deadline)
	                : rt_real.rwlock_rdlock(lock);
}

static int wr_wait(void *lock, const struct timespec *deadline)
{
	return deadline ? rt_real.rwlock_clockwrlock(lock, CLOCK_MONOTONIC, deadline)
	                : rt_real.rwlock_wrlock(lock);
}

/* rdlock and wrlock: try first, block through rt_block when busy. */
static int lock_blocking(pthread_rwlock_t *rw, int shared, void *pc)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return shared ? rt_real.rwlock_rdlock(rw) : rt_real.rwlock_wrlock(rw);
	unsigned hf = shared ? HF_SHARED : 0;
	struct rt_pre pre = rt_before(t, rw, RTK_RWLOCK, hf, pc);
	int r = shared ? rt_real.rwlock_tryrdlock(rw) : rt_real.rwlock_trywrlock(rw);
	if (r == EBUSY)
		r = rt_block(t, rw, RTK_RWLOCK, pre, hf, pc, shared ? rd_wait : wr_wait);
	if (r == 0)
		rt_after(t, rw, RTK_RWLOCK, hf, pc, pre);
	rt_leave();
	return r;
}

int pthread_rwlock_rdlock(pthread_rwlock_t *rw)
{
	return lock_blocking(rw, 1, PC());
}

int pthread_rwlock_wrlock(pthread_rwlock_t *rw)
{
	return lock_blocking(rw, 0, PC());
}

static int after_try(pthread_rwlock_t *rw, int r, unsigned hf, void *pc)
{
	struct rt_thread *t;
	if (r == 0 && (t = rt_enter())) {
		rt_acquire(t, rw, RTK_RWLOCK, hf | HF_TRY, pc);
		rt_leave();
	}
	return r;
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw)
{
	rt_need_real();
	return after_try(rw, rt_real.rwlock_tryrdlock(rw), HF_SHARED, PC());
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *rw)
{
	rt_need_real();
	return after_try(rw, rt_real.rwlock_trywrlock(rw), 0, PC());
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *restrict rw, const struct timespec *restrict abstime)
{
	rt_need_real();
	return after_try(rw, rt_real.rwlock_timedrdlock(rw, abstime), HF_SHARED, PC());
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *restrict rw, const struct timespec *restrict abstime)
{
	rt_need_real();
	return after_try(rw, rt_real.rwlock_timedwrlock(rw, abstime), 0, PC());
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t *restrict rw, clockid_t clock,
                               const struct timespec *restrict abstime)
{
	rt_need_real();
	return after_try(rw, rt_real.rwlock_clockrdlock(rw, clock, abstime), HF_SHARED, PC());
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t *restrict rw, clockid_t clock,
                               const struct timespec *restrict abstime)
{
	rt_need_real();
	return after_try(rw, rt_real.rwlock_clockwrlock(rw, clock, abstime), 0, PC());
}

int pthread_rwlock_unlock(pthread_rwlock_t *rw)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.rwlock_unlock(rw);
	int r;
	rt_clock_unlocking(t, rw);
	if (RT_LIKELY(rt_release_is_top(t, rw))) {
		r = rt_real.rwlock_unlock(rw);
		rt_pop(t);
	} else {
		rt_released(t, rw, RTK_RWLOCK, PC());
		r = rt_real.rwlock_unlock(rw);
	}
	rt_leave();
	return r;
}

int pthread_rwlock_destroy(pthread_rwlock_t *rw)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (t) {
		rt_destroying(t, rw, RTK_RWLOCK, PC());
		rt_leave();
	}
	return rt_real.rwlock_destroy(rw);
}
