/* stall.c — when no thread of the process can move any more, and what else the waits on
 * semaphores and barriers tell: destroying one that threads wait on.
 *
 * A lock cycle is found by following holders (block.c). A semaphore, barrier or
 * condition has no holder: a thread waiting on one is stuck only when every thread that
 * could post it, arrive or signal is stuck too. So the process is deadlocked when every
 * thread is blocked in a wait without deadline (lock, join, semaphore, barrier,
 * condition) and nobody moved between two checks. The registry only knows the threads it
 * has met, so the kernel's count of the process's threads must match it, and the kernel
 * must see every thread asleep in its wait (asleep.c: a marked thread may be on its way
 * in or out, or in a signal handler); a semaphore can
 * also be posted by a signal handler or another process, so a process that catches
 * asynchronous signals, or a process-shared object, never counts as stuck.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"
#include "sys.h"

/* glibc's barrier (nptl/pthread_barrier_wait.c): `in` counts arrivals, `current_round`
 * is `in` at the start of the round being filled. */
struct glibc_barrier {
	unsigned int in, current_round, count;
	int shared;
	unsigned int out;
};

/* Threads wait in a round that has not filled yet (not just leaving a full one). */
static int barrier_pending(const void *b)
{
	const struct glibc_barrier *g = b;
	return RT_LOAD(&g->in) != RT_LOAD(&g->current_round);
}

static int sem_empty(void *s)
{
	int v = 1;
	return rt_real.sem_getvalue(s, &v) == 0 && v <= 0;
}

/* Whether the thread that owns a lock (a kernel thread id) is alive: in this process
 * or in another (a process-shared lock). */
static int alive(pid_t tid)
{
	int saved = errno;
	int yes = kill(tid, 0) == 0 || errno == EPERM;
	errno = saved;
	return yes;
}

/* A lock wait that nothing outside the registry can end: a thread tsafe knows holds the
 * lock (the check follows it), the waiter itself does, or its owner has ended. A lock
 * held by a thread of another process (process-shared), or taken where tsafe did not
 * see it, may still be released: never a verdict. */
static int lock_stuck(const struct rt_thread *o, void *lock, int kind, pid_t releasing)
{
	struct rt_held h;
	if (rt_find_holder(o, lock, &h))
		return 1;
	pid_t owner;
	rt_lock_busy(lock, kind, &owner);
	if (owner <= 0)
		return 0;
	if (owner == RT_LOAD(&o->tid))
		return 1;
	return owner != releasing && !alive(owner);
}

/* Blocked in a wait that only another thread of this process can end. */
static int stuck(const struct rt_thread *o)
{
	void *obj = RT_LOAD(&o->waiting_on);
	if (!RT_LOAD(&o->wait_stack))
		return 0;            /* not blocked (long enough to have its stack taken) */
	if (!obj)
		return RT_LOAD(&o->joining) != 0;
	if (RT_LOAD(&o->wait_flags) & (RT_WAIT_TIMED | RT_WAIT_SHARED))
		return 0;
	switch (RT_LOAD(&o->wait_kind)) {
	case RTK_SEM:
		return sem_empty(obj);
	case RTK_BARRIER:
		return barrier_pending(obj);
	case RTK_COND:
		return 1;
	default:
		return lock_stuck(o, obj, RT_LOAD(&o->wait_kind), 0);
	}
}

/* Signals whose handler could run while every thread sleeps. Faults cannot happen to a
 * sleeping thread, and glibc's own cancel/setxid signals post nothing. */
static int async_signal(int sig)
{
	switch (sig) {
	case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGTRAP: case SIGABRT:
	case SIGSYS: case 32: case 33:
		return 0;
	default:
		return 1;
	}
}

/* From /proc/self/status: the kernel's thread count, and whether a handler is installed
 * for an asynchronous signal. -1 when it cannot be read. */
static int proc_status(int *threads, int *handlers)
{
	char buf[4096];
	int fd = rt_sys_open("/proc/self/status", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	size_t len = 0;
	ssize_t n;
	while (len < sizeof buf - 1 && (n = rt_sys_read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	rt_sys_close(fd);
	buf[len] = '\0';
	const char *th = strstr(buf, "\nThreads:"), *cgt = strstr(buf, "\nSigCgt:");
	if (!th || !cgt)
		return -1;
	*threads = (int)strtol(th + 9, NULL, 10);
	unsigned long long mask = strtoull(cgt + 8, NULL, 16);
	*handlers = 0;
	for (int sig = 1; sig <= 64; sig++)
		if ((mask >> (sig - 1) & 1) && async_signal(sig))
			*handlers = 1;
	return 0;
}

/* Whether the kernel confirms every thread the registry counts as blocked (asleep.c). */
static int all_confirmed(const struct rt_thread *self)
{
	int high = RT_LOAD(&rt_threads_high);
	for (int s = 0; s < high; s++) {
		const struct rt_thread *o = &rt_threads[s];
		if (RT_LOAD(&o->used) && !rt_confirmed_blocked(o, self))
			return 0;
	}
	return 1;
}

/* The thread th waits for directly: a lock's holder (its entry in *h), a joined thread. */
static struct rt_thread *successor(struct rt_thread *th, struct rt_held *h)
{
	void *obj = RT_LOAD(&th->waiting_on);
	memset(h, 0, sizeof *h);
	if (!obj)
		return rt_thread_numbered(RT_LOAD(&th->joining));
	if (!rt_kind_is_lock(RT_LOAD(&th->wait_kind)))
		return NULL;
	return rt_find_holder(th, obj, h);
}

static int listed(const struct rt_cycle *c, const struct rt_thread *th)
{
	for (int k = 0; k < c->n; k++)
		if (c->th[k] == th)
			return 1;
	return 0;
}

static struct rt_thread *first_unlisted(const struct rt_cycle *c)
{
	int high = RT_LOAD(&rt_threads_high);
	for (int s = 0; s < high; s++)
		if (RT_LOAD(&rt_threads[s].used) && !listed(c, &rt_threads[s]))
			return &rt_threads[s];
	return NULL;
}

/* Every thread, from t along "waits for" where that leads somewhere new. */
static void order(struct rt_thread *t, struct rt_cycle *c)
{
	struct rt_thread *cur = t;
	c->n = 0;
	c->stall = 1;
	while (cur && c->n < RT_MAX_CYCLE) {
		c->th[c->n++] = cur;
		struct rt_held h;
		struct rt_thread *next = successor(cur, &h);
		if (next && !listed(c, next)) {
			if (c->n < RT_MAX_CYCLE)
				c->held[c->n] = h;
		} else {
			next = first_unlisted(c);
			if (c->n < RT_MAX_CYCLE)
				memset(&c->held[c->n], 0, sizeof c->held[0]);
		}
		cur = next;
	}
	/* The list closes on t: what t holds that the last thread waits for. */
	struct rt_held h;
	if (c->n > 1 && successor(c->th[c->n - 1], &h) == t)
		c->held[0] = h;
	else
		memset(&c->held[0], 0, sizeof c->held[0]);
}

int rt_find_stall(struct rt_thread *t, struct rt_cycle *c)
{
	int high = RT_LOAD(&rt_threads_high), live = 0, waits = 0, sems = 0;
	uint64_t sig = 0;
	for (int s = 0; s < high; s++) {
		struct rt_thread *o = &rt_threads[s];
		if (!RT_LOAD(&o->used))
			continue;
		if (!stuck(o))
			return 0;
		live++;
		int kind = RT_LOAD(&o->wait_kind);
		if (RT_LOAD(&o->waiting_on) && !rt_kind_is_lock(kind)) {
			waits++;
			sems += kind == RTK_SEM;
		}
		sig = sig * 1000003u + ((uint64_t)RT_LOAD(&o->seq) << 32 | RT_LOAD(&o->wait_seq));
	}
	if (!waits)
		return 0;            /* only locks and joins: a cycle its own threads report */
	int threads, handlers;
	if (proc_status(&threads, &handlers) || threads != live || (sems && handlers) ||
	    !all_confirmed(t))
		return 0;
	order(t, c);
	c->signature = sig;
	return 1;
}

void rt_check_in_use(struct rt_thread *t, void *obj, int kind, void *pc)
{
	int high = RT_LOAD(&rt_threads_high);
	for (int s = 0; s < high; s++) {
		struct rt_thread *o = &rt_threads[s];
		if (o == t || !RT_LOAD(&o->used) || RT_LOAD(&o->waiting_on) != obj ||
		    RT_LOAD(&o->wait_kind) != kind)
			continue;
		if (kind == RTK_BARRIER && !barrier_pending(obj))
			return;          /* the round filled: they are on their way out */
		rt_misuse(t, RTR_DESTROY_IN_USE, obj, kind, RT_LOAD(&o->waiting_cls), pc,
		          RT_LOAD(&o->wait_stack), RT_LOAD(&o->seq));
		return;
	}
}

int rt_all_blocked(const struct rt_thread *self)
{
	int high = RT_LOAD(&rt_threads_high);
	for (int s = 0; s < high; s++) {
		const struct rt_thread *o = &rt_threads[s];
		if (!RT_LOAD(&o->used))
			continue;
		void *obj = RT_LOAD(&o->waiting_on);
		if ((!obj && !RT_LOAD(&o->joining)) || (RT_LOAD(&o->wait_flags) & RT_WAIT_TIMED))
			return 0;
		/* A lock wait is not blocked for good while the lock's release is on its way:
		 * no tracked holder, and an owner that is alive — the thread asking, say, which
		 * holds it as the mutex of the condition wait it is entering (that wait releases
		 * it). Counting those woke every timer-less lock wait into slices at nearly every
		 * condition wait of a producer/consumer. */
		int kind = RT_LOAD(&o->wait_kind);
		if (obj && rt_kind_is_lock(kind) && !lock_stuck(o, obj, kind, RT_LOAD(&self->tid)))
			return 0;
	}
	return 1;
}
