/* wrap_cond.c — condition waits. glibc re-takes the mutex inside the wait without calling
 * pthread_mutex_lock, so a wait is modelled here as a release and a re-acquisition of its
 * mutex; waiting without holding the mutex is cond-wait-unheld. The wait is marked, so
 * that other threads' deadlock checks count this thread as blocked (stall.c). A thread
 * cancelled in the wait ends it like a return (cancellation re-takes the mutex). Signal
 * and broadcast matter only to the watch engine's clocks (watch_sync.c). */
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

/* One wait, whichever function the program called. */
enum wait_fn { COND_WAIT, COND_TIMEDWAIT, COND_CLOCKWAIT, CND_WAIT, CND_TIMEDWAIT };

struct wait_call {
	enum wait_fn fn;
	void *c;
	pthread_mutex_t *m;
	clockid_t clock;
	const struct timespec *abstime;
	struct rt_thread *t;
	int held;               /* the mutex's held index, or -1 */
};

static int real_wait(const struct wait_call *w)
{
	switch (w->fn) {
	case COND_WAIT:
		return rt_real.cond_wait(w->c, w->m);
	case COND_TIMEDWAIT:
		return rt_real.cond_timedwait(w->c, w->m, w->abstime);
	case COND_CLOCKWAIT:
		return rt_real.cond_clockwait(w->c, w->m, w->clock, w->abstime);
	case CND_WAIT:
		return rt_real.cnd_wait(w->c, (mtx_t *)w->m);
	default:
		return rt_real.cnd_timedwait(w->c, (mtx_t *)w->m, w->abstime);
	}
}

/* A thread cancelled in the wait leaves it holding the mutex again (glibc re-takes it
 * before the cleanup handlers run, which usually unlock it): the wait ends here too. */
static void cancelled(void *p)
{
	const struct wait_call *w = p;
	end(w->t, w->held, w->c);
}

static int wait_on(struct wait_call *w, void *pc)
{
	int r;
	rt_need_real();
	w->held = begin(w->c, w->m, w->fn != COND_WAIT && w->fn != CND_WAIT, pc, &w->t);
	pthread_cleanup_push(cancelled, w);
	r = real_wait(w);
	pthread_cleanup_pop(0);
	end(w->t, w->held, w->c);
	return r;
}

int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	struct wait_call w = {.fn = COND_WAIT, .c = c, .m = m};
	return wait_on(&w, PC());
}

int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
                           const struct timespec *restrict abstime)
{
	struct wait_call w = {.fn = COND_TIMEDWAIT, .c = c, .m = m, .abstime = abstime};
	return wait_on(&w, PC());
}

int pthread_cond_clockwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
                           clockid_t clock, const struct timespec *restrict abstime)
{
	struct wait_call w = {.fn = COND_CLOCKWAIT, .c = c, .m = m, .clock = clock, .abstime = abstime};
	return wait_on(&w, PC());
}

int cnd_wait(cnd_t *c, mtx_t *m)
{
	struct wait_call w = {.fn = CND_WAIT, .c = c, .m = (pthread_mutex_t *)m};
	return wait_on(&w, PC());
}

int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts)
{
	struct wait_call w = {.fn = CND_TIMEDWAIT, .c = c, .m = (pthread_mutex_t *)m, .abstime = ts};
	return wait_on(&w, PC());
}
