/* wrap_mutex.c — pthread_mutex_*: the real call, with the held-lock stack, edges and
 * misuse checks around it. A lock first tries the mutex: free, it costs what the real
 * lock costs (a normal mutex is taken and given back here, as glibc would: mutex_inline.h);
 * busy, the wait goes through rt_block (double-lock, deadlock watch). */
#include <errno.h>

#include "fast.h"
#include "mutex_inline.h"

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
	return deadline ? rt_real.mutex_clocklock(lock, CLOCK_MONOTONIC, deadline)
	                : rt_real.mutex_lock(lock);
}

/* A busy mutex is tried again briefly before it is waited for, as an adaptive mutex
 * spins: a short critical section is usually over by then. Without it a wait in slices
 * armed a kernel timer at every contended acquisition (four threads taking turns on one
 * lock ran three times slower), and the timer-less wait (lockwait.c), which spends more
 * than glibc's own between the failed try and its sleep, slept that much more often
 * (x3.3 native on an idle machine in session 6, against x0.99 with this spin). */
#define SPIN_TRIES 16
static int try_briefly(pthread_mutex_t *m)
{
	if (rt_deadlock_ms <= 0)
		return EBUSY;
	for (int i = 0; i < SPIN_TRIES; i++) {
		for (int k = 0; k < 32; k++)
			RT_PAUSE();
		if (rt_real.mutex_trylock(m) == 0)
			return 0;
	}
	return EBUSY;
}

/* Everything the fast path leaves: tried is the real trylock's result after a fast push
 * (undone here), or -1 when it has not been called yet. */
static __attribute__((noinline)) int lock_slow(pthread_mutex_t *m, void *pc, int tried)
{
	if (tried >= 0)
		rt_fast_unpush(m);
	struct rt_thread *t = rt_enter();
	if (!t)
		return tried < 0 || tried == EBUSY ? rt_real.mutex_lock(m) : tried;
	struct rt_pre pre = rt_before(t, m, RTK_MUTEX, 0, pc);
	int r = tried < 0 ? rt_real.mutex_trylock(m) : tried;
	if (r == EBUSY)
		r = try_briefly(m);
	if (r == EBUSY)
		r = rt_block(t, m, RTK_MUTEX, pre, 0, pc, mutex_wait);
	if (r == 0 || r == EOWNERDEAD)
		rt_after(t, m, RTK_MUTEX, 0, pc, pre);
	rt_leave();
	return r;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	struct rt_thread *t = rt_fast_self();
	if (RT_UNLIKELY(!t || !rt_fast_push(t, m, RTK_MUTEX, PC())))
		return lock_slow(m, PC(), -1);
	int r = RT_LIKELY(rt_mutex_plain(m) && t->tid) ? rt_mutex_trylock_plain(m, t->tid)
	                                               : rt_real.mutex_trylock(m);
	if (RT_LIKELY(r == 0)) {
		rt_clock_locked(t, m);
		return 0;
	}
	return lock_slow(m, PC(), r);
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

static __attribute__((noinline)) int unlock_slow(pthread_mutex_t *m, void *pc)
{
	struct rt_thread *t = rt_enter();
	if (t) {
		rt_clock_unlocking(t, m);
		rt_released(t, m, RTK_MUTEX, pc);
		rt_leave();
	}
	return rt_real.mutex_unlock(m);
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	struct rt_thread *t = rt_fast_self();
	if (RT_LIKELY(t && rt_fast_pop(t, m)))
		return RT_LIKELY(rt_mutex_plain(m)) ? rt_mutex_unlock_plain(m) : rt_real.mutex_unlock(m);
	return unlock_slow(m, PC());
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
