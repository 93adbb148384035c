/* wrap_thread.c — thread creation, join, detach and exit (pthread and C11). A created
 * thread starts in a trampoline that registers it, runs the program's function, and on
 * return reports the locks it still holds. Creation, joins and detaches are written as
 * they happen; tsafe finds the threads nobody joined or detached when the process exits.
 * pthread_exit and thrd_exit need no wrapper: they unwind through the trampoline's cleanup
 * handler, after the program's own handlers (which may release locks) have run. */
#include "rt.h"
#include "watch.h"

#define PC() __builtin_return_address(0)

static void started(struct rt_thread *t)
{
	rt_tls.self = t;
	rt_tls.guard = 1;
	t->tid = gettid();
	rt_thread_map(pthread_self(), t->seq);
	rt_watch_thread_begin(t);
	rt_tls.guard = 0;
}

/* Also run when the thread is cancelled (rt_thread_end does nothing the second time). */
static void ended(void *t)
{
	rt_thread_end(t);
}

static void *trampoline(void *p)
{
	struct rt_thread *t = p;
	void *r;
	started(t);
	pthread_cleanup_push(ended, t);
	r = t->start(t->arg);
	pthread_cleanup_pop(1);
	return r;
}

static int c11_trampoline(void *p)
{
	struct rt_thread *t = p;
	int r;
	started(t);
	pthread_cleanup_push(ended, t);
	r = t->c11_start(t->arg);
	pthread_cleanup_pop(1);
	return r;
}

static uint32_t detached_flag(const pthread_attr_t *attr)
{
	int state = PTHREAD_CREATE_JOINABLE;
	if (attr)
		pthread_attr_getdetachstate(attr, &state);
	return state == PTHREAD_CREATE_DETACHED ? RTT_DETACHED : 0;
}

int pthread_create(pthread_t *restrict th, const pthread_attr_t *restrict attr,
                   void *(*fn)(void *), void *restrict arg)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.create(th, attr, fn, arg);
	struct rt_thread *child = rt_thread_claim();
	if (!child) {
		rt_thread_refused();
		rt_leave();
		return rt_real.create(th, attr, fn, arg);
	}
	child->start = fn;
	child->arg = arg;
	rt_vc_created(t, child);
	uint32_t seq = child->seq, site = rt_site(PC()), flags = detached_flag(attr);
	int r = rt_real.create(th, attr, trampoline, child);
	if (r == 0) {
		rt_thread_map(*th, seq);
		rt_write_thread(seq, t->seq, site, flags, (void *)fn);
	} else {
		rt_thread_release(child);
	}
	rt_leave();
	return r;
}

/* Joins and detaches: the handle's thread number is read before the real call, after
 * which the handle may belong to a new thread. */
static uint32_t seq_before(pthread_t th)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return 0;
	uint32_t seq = rt_thread_seq_of(th);
	rt_leave();
	return seq;
}

static void record(int type, uint32_t seq)
{
	struct rt_thread *t;
	if (seq && (t = rt_enter())) {
		if (type == RT_JOIN)
			rt_vc_joined(t, seq);
		rt_write_join(type, seq, t->seq);
		rt_leave();
	}
}

struct join_ctx {
	pthread_t th;
	void **ret;
};

static int join_slice(void *p, const struct timespec *deadline)
{
	struct join_ctx *j = p;
	return rt_real.clockjoin_np(j->th, j->ret, CLOCK_MONOTONIC, deadline);
}

/* A join that can be part of a deadlock (the joined thread waits for a lock this one
 * holds): waited for in slices like a lock. */
static int watched_join(pthread_t th, void **ret, void *pc)
{
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.join(th, ret);
	uint32_t seq = rt_thread_seq_of(th);
	int r;
	if (seq && rt_real.clockjoin_np) {
		struct join_ctx j = {th, ret};
		r = rt_block_join(t, seq, pc, join_slice, &j);
		rt_leave();
	} else {
		rt_leave();
		r = rt_real.join(th, ret);
	}
	if (r == 0)
		record(RT_JOIN, seq);
	return r;
}

int pthread_join(pthread_t th, void **ret)
{
	rt_need_real();
	return watched_join(th, ret, PC());
}

int pthread_tryjoin_np(pthread_t th, void **ret)
{
	rt_need_real();
	uint32_t seq = seq_before(th);
	int r = rt_real.tryjoin_np(th, ret);
	if (r == 0)
		record(RT_JOIN, seq);
	return r;
}

int pthread_timedjoin_np(pthread_t th, void **ret, const struct timespec *abstime)
{
	rt_need_real();
	uint32_t seq = seq_before(th);
	int r = rt_real.timedjoin_np(th, ret, abstime);
	if (r == 0)
		record(RT_JOIN, seq);
	return r;
}

int pthread_detach(pthread_t th)
{
	rt_need_real();
	uint32_t seq = seq_before(th);
	int r = rt_real.detach(th);
	if (r == 0)
		record(RT_DETACH, seq);
	return r;
}

int thrd_create(thrd_t *th, thrd_start_t fn, void *arg)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.thrd_create(th, fn, arg);
	struct rt_thread *child = rt_thread_claim();
	if (!child) {
		rt_thread_refused();
		rt_leave();
		return rt_real.thrd_create(th, fn, arg);
	}
	child->c11_start = fn;
	child->arg = arg;
	rt_vc_created(t, child);
	uint32_t seq = child->seq, site = rt_site(PC());
	int r = rt_real.thrd_create(th, c11_trampoline, child);
	if (r == thrd_success) {
		rt_thread_map(*th, seq);
		rt_write_thread(seq, t->seq, site, RTT_C11, (void *)fn);
	} else {
		rt_thread_release(child);
	}
	rt_leave();
	return r;
}

int thrd_join(thrd_t th, int *res)
{
	rt_need_real();
	void *value;
	/* glibc's own thrd_join: a pthread join, the int carried in the pointer */
	int r = watched_join(th, &value, PC());
	if (r == 0 && res)
		*res = (int)(intptr_t)value;
	return r == 0 ? thrd_success : thrd_error;
}

int thrd_detach(thrd_t th)
{
	rt_need_real();
	uint32_t seq = seq_before(th);
	int r = rt_real.thrd_detach(th);
	if (r == thrd_success)
		record(RT_DETACH, seq);
	return r;
}
