/* wrap_spin.c — pthread_spin_*. A spinlock has no owner field, so "held by another
 * thread" comes from the registry; waiting spins on trylock in slices like a mutex. */
#include <errno.h>

#include "fast.h"

#define PC() __builtin_return_address(0)

int pthread_spin_init(pthread_spinlock_t *s, int pshared)
{
	rt_need_real();
	int r = rt_real.spin_init(s, pshared);
	struct rt_thread *t = rt_enter();
	if (t) {
		if (r == 0)
			rt_class_init((void *)s, RTK_SPIN, PC());
		rt_leave();
	}
	return r;
}

static int spin_wait(void *lock, const struct timespec *deadline)
{
	if (!deadline)
		return rt_real.spin_lock(lock);
	for (unsigned n = 1;; n++) {
		if (rt_real.spin_trylock(lock) == 0)
			return 0;
		RT_PAUSE();
		if ((n & 1023) == 0) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > deadline->tv_sec ||
			    (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec))
				return ETIMEDOUT;
		}
	}
}

int pthread_spin_lock(pthread_spinlock_t *s)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.spin_lock(s);
	struct rt_pre pre = rt_before(t, (void *)s, RTK_SPIN, 0, PC());
	int r = rt_real.spin_trylock(s);
	if (r == EBUSY)
		r = rt_block(t, (void *)s, RTK_SPIN, pre, 0, PC(), spin_wait);
	if (r == 0)
		rt_after(t, (void *)s, RTK_SPIN, 0, PC(), pre);
	rt_leave();
	return r;
}

int pthread_spin_trylock(pthread_spinlock_t *s)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.spin_trylock(s);
	int r = rt_real.spin_trylock(s);
	if (r == 0)
		rt_acquire(t, (void *)s, RTK_SPIN, HF_TRY, PC());
	rt_leave();
	return r;
}

int pthread_spin_unlock(pthread_spinlock_t *s)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.spin_unlock(s);
	int r;
	rt_clock_unlocking(t, (void *)s);
	if (RT_LIKELY(rt_release_is_top(t, (void *)s))) {
		r = rt_real.spin_unlock(s);
		rt_pop(t);
	} else {
		rt_released(t, (void *)s, RTK_SPIN, PC());
		r = rt_real.spin_unlock(s);
	}
	rt_leave();
	return r;
}

int pthread_spin_destroy(pthread_spinlock_t *s)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (t) {
		rt_destroying(t, (void *)s, RTK_SPIN, PC());
		rt_leave();
	}
	return rt_real.spin_destroy(s);
}
