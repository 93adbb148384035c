/* init.c — start-up: the real functions behind the wrappers, the settings, the tables and
 * the output file, the main thread, and the exit record.
 *
 * Start-up is lazy: other libraries' constructors may lock before ours runs, so the first
 * wrapper call of the process initialises (under the thread's guard, so that what
 * initialisation itself calls goes straight to libc).
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "rt.h"
#include "watch.h"

struct rt_real rt_real;
int rt_resolved;
static int state;          /* 0 not started, 1 starting, 2 running, 3 off */
static pthread_key_t thread_key;

#define REAL(field, name) (rt_real.field = (__typeof__(rt_real.field))dlsym(RTLD_NEXT, name))
#define REAL_COND(field, name) (rt_real.field = (__typeof__(rt_real.field))cond_sym(name))

/* pthread_cond_* exist in two versions; programs link the GLIBC_2.3.2 one. */
static void *cond_sym(const char *name)
{
	void *p = dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2");
	return p ? p : dlsym(RTLD_NEXT, name);
}

void *rt_next(void **slot, const char *name, const char *version)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (RT_LIKELY(p))
		return p;
	p = version ? dlvsym(RTLD_NEXT, name, version) : NULL;
	if (!p)
		p = dlsym(RTLD_NEXT, name);
	__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	return p;
}

/* A lookup that fails makes dlsym allocate its error message, and a program with its own
 * malloc may lock inside it: the mutex functions come first, and a wrapper entered during
 * the lookups (on this thread) uses what is resolved instead of starting over. */
static RT_TLS __thread int resolving;

void rt_resolve(void)
{
	if (resolving)
		return;
	resolving = 1;
	REAL(mutex_init, "pthread_mutex_init");
	REAL(mutex_lock, "pthread_mutex_lock");
	REAL(mutex_trylock, "pthread_mutex_trylock");
	REAL(mutex_timedlock, "pthread_mutex_timedlock");
	REAL(mutex_clocklock, "pthread_mutex_clocklock");
	REAL(mutex_unlock, "pthread_mutex_unlock");
	REAL(mutex_destroy, "pthread_mutex_destroy");
	REAL(rwlock_init, "pthread_rwlock_init");
	REAL(rwlock_rdlock, "pthread_rwlock_rdlock");
	REAL(rwlock_tryrdlock, "pthread_rwlock_tryrdlock");
	REAL(rwlock_timedrdlock, "pthread_rwlock_timedrdlock");
	REAL(rwlock_clockrdlock, "pthread_rwlock_clockrdlock");
	REAL(rwlock_wrlock, "pthread_rwlock_wrlock");
	REAL(rwlock_trywrlock, "pthread_rwlock_trywrlock");
	REAL(rwlock_timedwrlock, "pthread_rwlock_timedwrlock");
	REAL(rwlock_clockwrlock, "pthread_rwlock_clockwrlock");
	REAL(rwlock_unlock, "pthread_rwlock_unlock");
	REAL(rwlock_destroy, "pthread_rwlock_destroy");
	REAL(spin_init, "pthread_spin_init");
	REAL(spin_lock, "pthread_spin_lock");
	REAL(spin_trylock, "pthread_spin_trylock");
	REAL(spin_unlock, "pthread_spin_unlock");
	REAL(spin_destroy, "pthread_spin_destroy");
	REAL_COND(cond_wait, "pthread_cond_wait");
	REAL_COND(cond_timedwait, "pthread_cond_timedwait");
	REAL(cond_clockwait, "pthread_cond_clockwait");
	REAL(create, "pthread_create");
	REAL(join, "pthread_join");
	REAL(tryjoin_np, "pthread_tryjoin_np");
	REAL(timedjoin_np, "pthread_timedjoin_np");
	REAL(clockjoin_np, "pthread_clockjoin_np");
	REAL(detach, "pthread_detach");
	REAL(fork, "fork");
	REAL(mtx_init, "mtx_init");
	REAL(mtx_lock, "mtx_lock");
	REAL(mtx_trylock, "mtx_trylock");
	REAL(mtx_timedlock, "mtx_timedlock");
	REAL(mtx_unlock, "mtx_unlock");
	REAL(mtx_destroy, "mtx_destroy");
	REAL(cnd_wait, "cnd_wait");
	REAL(cnd_timedwait, "cnd_timedwait");
	REAL(thrd_create, "thrd_create");
	REAL(thrd_detach, "thrd_detach");
	REAL(sem_init, "sem_init");
	REAL(sem_destroy, "sem_destroy");
	REAL(sem_wait, "sem_wait");
	REAL(sem_trywait, "sem_trywait");
	REAL(sem_timedwait, "sem_timedwait");
	REAL(sem_clockwait, "sem_clockwait");
	REAL(sem_close, "sem_close");
	REAL(sem_getvalue, "sem_getvalue");
	REAL(barrier_init, "pthread_barrier_init");
	REAL(barrier_wait, "pthread_barrier_wait");
	REAL(barrier_destroy, "pthread_barrier_destroy");
	resolving = 0;
	__atomic_store_n(&rt_resolved, 1, __ATOMIC_RELEASE);
}

static void at_exit(int status, void *arg)
{
	(void)arg;
	struct rt_exit e;
	memset(&e, 0, sizeof e);
	e.status = status;
	rt_log_write(&e, rt_rec_finish(&e, RT_EXIT, sizeof e));
	rt_threads_at_exit();
}

/* Threads we first meet when they lock (not created through our wrappers) are released
 * when they end through this key's destructor. */
static void thread_key_done(void *p)
{
	struct rt_thread *t = p;
	if (t && rt_tls.self == t)
		rt_thread_end(t);
}

static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	long n = strtol(v, &end, 10);
	return *end ? dflt : n;
}

/* 0 when the runtime records, -1 when it stays out of the way. */
static int start(void)
{
	rt_need_real();
	const char *dir = getenv("TSAFE_RT_OUT");
	if (!dir || !*dir) {
		rt_say("TSAFE_RT_OUT is not set: recording nothing (set it to the directory for "
		       "the logs, or use 'tsafe run')");
		return -1;
	}
	rt_deadlock_ms = env_long("TSAFE_RT_DEADLOCK_MS", rt_deadlock_ms);
	rt_untimed_wait = env_long("TSAFE_RT_UNTIMED_WAIT", 1) != 0;   /* 0: waits in slices */
	rt_inline_mutex_init();
	long max_threads = env_long("TSAFE_RT_MAX_THREADS", RT_MAX_THREADS);
	rt_max_threads = max_threads < 1 || max_threads > RT_MAX_THREADS ? RT_MAX_THREADS : (int)max_threads;
	rt_threads_init();
	rt_class_tables_init();
	rt_edge_tables_init();
	rt_misuse_tables_init();
	rt_sites_init();
	if (!rt_threads) {
		rt_say("cannot map memory for the thread registry: recording nothing");
		return -1;
	}
	if (rt_log_dir(dir) || rt_log_open(0, NULL, 0)) {
		rt_say("cannot create a log file in TSAFE_RT_OUT (check that the directory exists "
		       "and is writable): recording nothing");
		return -1;
	}
	rt_modules_scan();
	pthread_key_create(&thread_key, thread_key_done);
	on_exit(at_exit, NULL);
	rt_watch_init();
	return 0;
}

struct rt_thread *rt_attach(void)
{
	/* The wrappers' fast paths do not check: every NULL from here leads to rt_real. */
	rt_need_real();
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
	if (rt_tls.unwatched)
		return NULL;
	if (RT_UNLIKELY(s != 2)) {
		if (s != 0)
			return NULL;     /* off, or being started by this very call chain */
		int expect = 0;
		if (!__atomic_compare_exchange_n(&state, &expect, 1, 0, __ATOMIC_ACQ_REL,
		                                 __ATOMIC_ACQUIRE))
			return NULL;
		rt_tls.guard = 1;
		int ok = start() == 0;
		rt_tls.guard = 0;
		__atomic_store_n(&state, ok ? 2 : 3, __ATOMIC_RELEASE);
		if (!ok)
			return NULL;
	}
	struct rt_thread *t = rt_thread_claim();
	if (!t) {
		rt_tls.unwatched = 1;     /* not again at every lock */
		return NULL;
	}
	t->tid = (pid_t)syscall(SYS_gettid);
	rt_tls.self = t;
	int main_thread = t->tid == getpid();
	rt_tls.guard = 1;
	rt_thread_map(pthread_self(), t->seq);   /* joinable by handle too: main can be joined */
	if (!main_thread) {
		t->keyed = 1;
		pthread_setspecific(thread_key, t);
	}
	rt_write_thread(t->seq, 0, 0, main_thread ? RTT_MAIN : RTT_FOREIGN, NULL);
	rt_vc_thread_start(t);
	rt_watch_thread_begin(t);
	rt_tls.guard = 0;
	return t;
}

int rt_running(void)
{
	return __atomic_load_n(&state, __ATOMIC_ACQUIRE) == 2;
}

/* Every process image writes its log from the start, even one that never locks: the run
 * then knows every program that ran (and which of them exited normally). */
__attribute__((constructor)) static void rt_constructor(void)
{
	if (!rt_tls.self && !rt_tls.guard)
		rt_attach();
}

/* A fork child: its own file, whose ids continue the parent's up to the fork. */
void rt_after_fork(struct rt_thread *self, const char *parent_log, uint64_t parent_offset)
{
	rt_threads_after_fork(self);
	if (rt_log_open(RTP_FORKED, parent_log, parent_offset)) {
		__atomic_store_n(&state, 3, __ATOMIC_RELEASE);
		return;
	}
	rt_modules_rewrite();
	rt_write_thread(self->seq, 0, 0, RTT_MAIN, NULL);
}
