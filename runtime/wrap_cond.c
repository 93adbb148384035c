/* wrap_cond.c — condition waits. glibc re-takes the mutex inside the wait without calling
 * pthread_mutex_lock, so a wait is modelled here as a release and a re-acquisition of its
 * mutex; waiting without holding the mutex is cond-wait-unheld. The wait is marked, so
 * that other threads' deadlock checks count this thread as blocked (stall.c). Signal and
 * broadcast matter only to the watch engine's clocks (watch_sync.c). */
#include "rt.h"
#include "watch.h"

#define PC() __builtin_return_address(0)

/* glibc's __wrefs bit 0: a process-shared condition, which another process may signal. */
static unsigned cond_flags(const void *c, int timed)
{
	return (((const pthread_cond_t *)c)->__data.__wrefs & 1 ? RT_WAIT_SHARED : 0) |
	       (timed ? RT_WAIT_TIMED : 0);
}

/* Before the real wait: the held index of the mutex, or -1 (also when not tracking). */
static int begin(void *c, pthread_mutex_t *m, int timed, void *pc, struct rt_thread **tp)
{
	struct rt_thread *t = rt_enter();
	*tp = t;
	if (!t)
		return -1;
	int i = rt_wait_begin(t, m, pc);
	if (!timed)   /* a timed wait ends by itself: nothing to mark */
		rt_wait_mark(t, c, RTK_COND, cond_flags(c, timed), pc);
	rt_leave();
	return i;
}

static void end(struct rt_thread *t, int i, const void *c)
{
	if (t && rt_enter()) {
		rt_wait_unmark(t);
		rt_wait_end(t, i);
		rt_vc_acquire(t, c);
		rt_leave();
	}
}

int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	rt_need_real();
	struct rt_thread *t;
	int i = begin(c, m, 0, PC(), &t);
	int r = rt_real.cond_wait(c, m);
	end(t, i, c);
	return r;
}

int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
                           const struct timespec *restrict abstime)
{
	rt_need_real();
	struct rt_thread *t;
	int i = begin(c, m, 1, PC(), &t);
	int r = rt_real.cond_timedwait(c, m, abstime);
	end(t, i, c);
	return r;
}

int pthread_cond_clockwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
                           clockid_t clock, const struct timespec *restrict abstime)
{
	rt_need_real();
	struct rt_thread *t;
	int i = begin(c, m, 1, PC(), &t);
	int r = rt_real.cond_clockwait(c, m, clock, abstime);
	end(t, i, c);
	return r;
}

int cnd_wait(cnd_t *c, mtx_t *m)
{
	rt_need_real();
	struct rt_thread *t;
	int i = begin(c, (pthread_mutex_t *)m, 0, PC(), &t);
	int r = rt_real.cnd_wait(c, m);
	end(t, i, c);
	return r;
}

int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts)
{
	rt_need_real();
	struct rt_thread *t;
	int i = begin(c, (pthread_mutex_t *)m, 1, PC(), &t);
	int r = rt_real.cnd_timedwait(c, m, ts);
	end(t, i, c);
	return r;
}
