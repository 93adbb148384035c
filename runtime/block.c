/* block.c — waiting for a lock that is busy, and noticing when the wait is a deadlock.
 *
 * The wrappers first try the lock; only when it is busy do they come here. A thread that
 * already holds the lock is about to hang on itself: that double-lock is written before
 * the wait starts. A plain mutex is then waited for as the program's own lock call would
 * wait, without a timer (lockwait.c), unless this wait may complete a deadlock (see
 * wait_untimed). Other waits, and those, run in slices of a timed lock (or timed join: a
 * thread joining one that waits for its lock is deadlocked too), so no extra thread is
 * needed: once blocked longer than TSAFE_RT_DEADLOCK_MS, the waiting thread follows
 * "waits for a lock held by" from thread to thread; when that runs into a cycle twice in
 * a row with nobody having moved, the threads of the cycle are deadlocked. The cycle is
 * written with every thread's stacks and the process ends (exit status
 * RT_DEADLOCK_EXIT), so that a test run does not hang forever. A chain that ends at a
 * thread waiting on a semaphore, barrier or condition has no holder to follow: there the
 * question becomes whether the whole process is stuck (stall.c).
 */
#include <errno.h>
#include <string.h>

#include "rt.h"
#include "watch.h"

long rt_deadlock_ms = 1000;
static int reporting;

static void add_ms(struct timespec *ts, long ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

struct rt_thread *rt_thread_numbered(uint32_t seq)
{
	int high = RT_LOAD(&rt_threads_high);
	for (int s = 0; s < high; s++)
		if (RT_LOAD(&rt_threads[s].used) && RT_LOAD(&rt_threads[s].seq) == seq)
			return &rt_threads[s];
	return NULL;
}

/* Follows the waits-for chain from t (waiting for a lock leads to its holder, joining a
 * thread to that thread). 1 when it runs into a cycle, through t or further on (a thread
 * stuck behind a deadlock sees it as well as the deadlocked threads do): c then holds the
 * cycle alone, in waits-for order, and the signature of the whole chain. -1 when it ends
 * at a thread that is not blocked, 0 elsewhere (a semaphore, no holder known). */
static int find_cycle(struct rt_thread *t, struct rt_cycle *c)
{
	struct rt_thread *path[RT_MAX_CYCLE];
	struct rt_held held[RT_MAX_CYCLE];   /* held[i]: what path[i] holds that path[i-1] waits for */
	struct rt_thread *cur = t;
	c->stall = 0;
	c->signature = 0;
	for (int n = 0; n < RT_MAX_CYCLE; n++) {
		void *lock = RT_LOAD(&cur->waiting_on);
		uint32_t joining = RT_LOAD(&cur->joining);
		if (!lock && !joining)
			return -1;
		if (!RT_LOAD(&cur->wait_stack))
			return 0;            /* not blocked long enough to have its stack taken */
		if (lock && !rt_kind_is_lock(RT_LOAD(&cur->wait_kind)))
			return 0;            /* nobody holds a semaphore: see rt_find_stall */
		path[n] = cur;
		c->signature = c->signature * 1000003u + ((uint64_t)cur->seq << 32 | RT_LOAD(&cur->wait_seq));
		struct rt_held h = {0};
		struct rt_thread *next;
		if (!lock)
			next = rt_thread_numbered(joining);   /* waits for that thread to end */
		else if (rt_holds(cur, lock, &h))
			next = cur;                           /* waits for itself */
		else
			next = rt_find_holder(cur, lock, &h);
		if (!next)
			return 0;
		for (int k = 0; k <= n; k++) {
			if (path[k] != next)
				continue;
			c->n = n + 1 - k;
			for (int i = 0; i < c->n; i++) {
				c->th[i] = path[k + i];
				c->held[i] = i ? held[k + i] : h;
			}
			return 1;
		}
		if (n + 1 < RT_MAX_CYCLE)
			held[n + 1] = h;
		cur = next;
	}
	return 0;
}

static void report(struct rt_cycle *c)
{
	char buf[sizeof(struct rt_deadlock) + RT_MAX_CYCLE * sizeof(struct rt_deadlock_thread)];
	struct rt_deadlock *d = (struct rt_deadlock *)buf;
	memset(d, 0, sizeof buf);
	d->n = (uint32_t)c->n;
	d->flags = c->stall ? RTD_STALL : 0;
	for (int i = 0; i < c->n; i++) {
		struct rt_thread *th = c->th[i];
		d->t[i].thread = th->seq;
		d->t[i].wait_cls = RT_LOAD(&th->waiting_cls);
		d->t[i].wait_stack = RT_LOAD(&th->wait_stack);
		d->t[i].held_cls = c->held[i].cls;
		d->t[i].held_stack = c->held[i].site;
		d->t[i].joining = RT_LOAD(&th->joining);
	}
	rt_log_write(buf, rt_rec_finish(buf, RT_DEADLOCK,
	                                sizeof *d + (size_t)c->n * sizeof d->t[0]));
	rt_say(c->stall ? "deadlock: every thread is blocked, waiting on the others; ending the process"
	       : c->n == 1 ? "a thread is blocked on a lock it holds itself; ending the process"
	                   : "deadlock: threads wait for each other's locks or ends; ending the process");
	_exit(RT_DEADLOCK_EXIT);
}

/* One check of a thread blocked longer than rt_deadlock_ms: the signature of the cycle or
 * stall it is part of, or stuck behind (0: none), every thread of it confirmed blocked by
 * the kernel (asleep.c). The same signature as the previous check (last) means nobody
 * moved in between: the deadlock is reported, the process ended. */
static int cycle_confirmed(const struct rt_cycle *c, const struct rt_thread *t)
{
	for (int i = 0; i < c->n; i++)
		if (!rt_confirmed_blocked(c->th[i], t))
			return 0;
	return 1;
}

static uint64_t check_deadlock(struct rt_thread *t, uint64_t last)
{
	struct rt_cycle c;
	uint64_t sig = (find_cycle(t, &c) > 0 && cycle_confirmed(&c, t)) || rt_find_stall(t, &c)
	               ? c.signature : 0;
	if (sig && sig == last && !__atomic_exchange_n(&reporting, 1, __ATOMIC_ACQ_REL))
		report(&c);
	return sig;
}

/* Waits in slices; between them, once blocked long enough, looks for a deadlock.
 * program: for a wait the program's signals may interrupt (sem_wait), its signal mask,
 * with its signals blocked on entry and between slices (signals.c). */
static int wait_in_slices(struct rt_thread *t, void *what, rt_timed_wait wait,
                          const sigset_t *program)
{
	long slice = rt_deadlock_ms > 0 ? rt_deadlock_ms / 4 : 1000;
	slice = slice < 10 ? 10 : slice > 250 ? 250 : slice;
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	long waited = 0;
	uint64_t last = 0;
	for (;;) {
		add_ms(&deadline, slice);
		RT_STORE(&t->slice_gap, 0);
		if (program && rt_signals_unblock(program))
			return EINTR;
		int r = wait(what, &deadline);
		if (program && r != 0)
			rt_signals_block(NULL);
		if (r == EINTR && program && !rt_signals_interrupt(program))
			continue;        /* every handler restarts: so would the real wait */
		if (r != ETIMEDOUT)
			return r;
		RT_STORE(&t->slice_gap, 1);   /* not through: waits again (asleep.c) */
		waited += slice;
		if (!RT_LOAD(&t->wait_stack))
			RT_STORE(&t->wait_stack, rt_stack_now());
		if (rt_deadlock_ms > 0 && waited >= rt_deadlock_ms)
			last = check_deadlock(t, last);
	}
}

/* A wait that is a cancellation point (sem_wait, a join) may unwind the thread: it is
 * no longer blocked, and the program's cleanup handlers run outside the runtime. */
static void wait_cancelled(void *p)
{
	struct rt_thread *t = p;
	__atomic_store_n(&t->waiting_on, NULL, __ATOMIC_RELEASE);
	RT_STORE(&t->joining, 0);
	rt_leave();
}

static int wait_watched(struct rt_thread *t, void *what, rt_timed_wait wait,
                        const sigset_t *program)
{
	int r;
	pthread_cleanup_push(wait_cancelled, t);
	r = wait_in_slices(t, what, wait, program);
	pthread_cleanup_pop(0);
	return r;
}

static void begin_wait(struct rt_thread *t, int kind, unsigned wflags, uint32_t cls,
                       uint32_t joining, void *pc, uint32_t stack)
{
	RT_STORE(&t->waiting_cls, cls);
	RT_STORE(&t->joining, joining);
	RT_STORE(&t->wait_pc, pc);
	RT_STORE(&t->wait_kind, (uint16_t)kind);
	RT_STORE(&t->wait_flags, (uint16_t)wflags);
	RT_STORE(&t->wait_stack, stack);
	__atomic_add_fetch(&t->wait_seq, 1, __ATOMIC_RELAXED);
}

int rt_may_complete_deadlock(struct rt_thread *t)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	struct rt_cycle c;
	int chain = find_cycle(t, &c);
	return chain > 0 || (chain == 0 && rt_all_blocked(t));
}

int rt_block(struct rt_thread *t, void *lock, int kind, struct rt_pre pre, unsigned hflags,
             void *pc, rt_timed_wait wait)
{
	int i = rt_held_index(t, lock);
	if (i >= 0 && !((hflags & HF_SHARED) && (t->held[i].flags & HF_SHARED)))
		rt_misuse(t, RTR_DOUBLE_LOCK, lock, kind, pre.cls, pc, t->held[i].site, t->seq);
	/* Without a timer the site's stack stands for the wait's (no slice to take it in). */
	int checks = rt_deadlock_ms > 0;
	int untimed = !checks || (kind == RTK_MUTEX && pre.site && rt_mutex_wakeable(lock));
	RT_STORE(&t->slice_me, 0);         /* before the wait is seen: a wake-up may follow */
	begin_wait(t, kind, untimed && checks ? RT_WAIT_UNTIMED : 0, pre.cls, 0, pc,
	           untimed ? pre.site : 0);
	__atomic_store_n(&t->waiting_on, lock, __ATOMIC_RELEASE);
	int r = RT_WAIT_SLICED;
	if (!checks)
		r = wait(lock, NULL);          /* nobody checks: the lock's own wait */
	else if (untimed)
		r = rt_mutex_wait_untimed(t, lock);
	if (r == RT_WAIT_SLICED)
		r = wait_watched(t, lock, wait, NULL);
	__atomic_store_n(&t->waiting_on, NULL, __ATOMIC_RELEASE);
	if (RT_UNLIKELY(rt_watch_on))
		rt_watch_woke();       /* a thread that blocks often: its watches' budget */
	return r;
}

int rt_block_join(struct rt_thread *t, uint32_t target, void *pc, rt_timed_wait wait, void *ctx)
{
	begin_wait(t, 0, 0, 0, target, pc, 0);
	int r = wait_watched(t, ctx, wait, NULL);
	RT_STORE(&t->joining, 0);
	return r;
}

/* A semaphore, barrier or condition has no owner to blame, so the wait's class and site
 * are taken at once (not after a slice, as for a lock): a destroy, or another thread's
 * deadlock check, may need them while this thread sleeps. */
void rt_wait_mark(struct rt_thread *t, void *obj, int kind, unsigned wflags, void *pc)
{
	begin_wait(t, kind, wflags, rt_class_of(obj, kind, pc), 0, pc, rt_site(pc));
	__atomic_store_n(&t->waiting_on, obj, __ATOMIC_RELEASE);
	if (kind == RTK_SEM || (wflags & RT_WAIT_TIMED) || rt_deadlock_ms <= 0)
		return;              /* it ends by itself, or waits in slices that check */
	/* A condition or barrier wait cannot be sliced: when it is the last of the process's
	 * threads to block, the lock waits that sleep without a timer are woken to slice. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rt_all_blocked(t))
		rt_wake_sleepers();
}

void rt_wait_unmark(struct rt_thread *t)
{
	__atomic_store_n(&t->waiting_on, NULL, __ATOMIC_RELEASE);
}

int rt_block_on(struct rt_thread *t, void *obj, int kind, unsigned wflags, void *pc,
                rt_timed_wait wait)
{
	sigset_t program;
	int blocked = rt_signals_block(&program) == 0;
	rt_wait_mark(t, obj, kind, wflags, pc);
	int r = wait_watched(t, obj, wait, blocked ? &program : NULL);
	rt_wait_unmark(t);
	if (blocked)
		pthread_sigmask(SIG_SETMASK, &program, NULL);
	return r;
}
