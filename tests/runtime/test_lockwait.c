/* test_lockwait.c — the runtime's timer-less mutex wait (runtime/lockwait.c) never loses
 * the wake-up it was given.
 *
 * Replays, step by step, the interleaving that left bench/runtime/prodcons stuck with
 * TSAFE_RT_UNTIMED_WAIT=1: a waiter U sleeps in the timer-less wait, a second sleeper S
 * (glibc's own lock, as a condition waiter re-taking its mutex sleeps) behind it. The
 * holder unlocks, which wakes U only; before U looks again the lock is taken by a thread
 * that never slept (word 1, here done inside U's next trylock), and U is told to wait in
 * slices (slice_me). That lock is then released and U takes and releases it as its
 * sliced wait would. S must get the lock: before the fix U left the word at 1, both
 * releases found no sleeper to wake, and S slept for good on a free lock.
 *
 * The futex queue wakes in arrival order, which is what sends the unlock's one wake-up
 * to U rather than S. lockwait.c is included; the rest of the runtime is stubbed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lockwait.c"

/* What lockwait.c uses from the rest of the runtime. */
struct rt_real rt_real;
struct rt_thread *rt_threads;
int rt_threads_high;
int rt_may_complete_deadlock(struct rt_thread *t)
{
	(void)t;
	return 0;
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static struct rt_thread waiter;
static int trylocks;            /* the waiter's calls of the real trylock */
static pid_t tid_u, tid_s;
static int s_got;

static int (*glibc_trylock)(pthread_mutex_t *);

/* The steal and its release, on the lock word as a thread that never slept takes and
 * gives back a normal mutex (glibc's fast path: 0 -> 1, then an exchange to 0 that wakes
 * one sleeper when it finds 2). */
static int steal(pthread_mutex_t *mx)
{
	int free_word = 0;
	return __atomic_compare_exchange_n(&mx->__data.__lock, &free_word, 1, 0, __ATOMIC_ACQUIRE,
	                                   __ATOMIC_RELAXED);
}

static void give_back(pthread_mutex_t *mx)
{
	if (__atomic_exchange_n(&mx->__data.__lock, 0, __ATOMIC_RELEASE) > 1)
		syscall(SYS_futex, &mx->__data.__lock, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* The waiter's second look, just after the unlock woke it: a thread that never slept
 * takes the lock first (the steal), so the look fails. */
static int trylock_with_steal(pthread_mutex_t *mx)
{
	if (++trylocks == 2 && steal(mx))
		return EBUSY;
	return glibc_trylock(mx);
}

static long syscall_of(pid_t tid)
{
	char path[64], buf[64] = "";
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -2;
	char *got = fgets(buf, sizeof buf, f);
	fclose(f);
	return got && buf[0] >= '0' && buf[0] <= '9' ? strtol(buf, NULL, 10) : -1;
}

static void until_asleep_in(pid_t *tid, long nr)
{
	pid_t id;
	while (!(id = __atomic_load_n(tid, __ATOMIC_ACQUIRE)) || syscall_of(id) != nr)
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);   /* settled in the wait */
}

static void *run_u(void *arg)
{
	__atomic_store_n(&tid_u, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	int r = rt_mutex_wait_untimed(&waiter, &m);
	if (r != RT_WAIT_SLICED) {
		fprintf(stderr, "FAIL the waiter told to slice returned %d, not RT_WAIT_SLICED\n", r);
		exit(1);
	}
	give_back(&m);                /* the thread that stole it releases it */
	pthread_mutex_lock(&m);       /* the sliced wait, which finds the lock free */
	pthread_mutex_unlock(&m);
	return arg;
}

static void *run_s(void *arg)
{
	__atomic_store_n(&tid_s, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	pthread_mutex_lock(&m);
	__atomic_store_n(&s_got, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&m);
	return arg;
}

int main(void)
{
	glibc_trylock = pthread_mutex_trylock;
	rt_real.mutex_trylock = trylock_with_steal;
	rt_untimed_wait = 1;
	if (!rt_mutex_wakeable(&m)) {
		printf("skip - no futex_waitv on this kernel: the timer-less wait is not used\n");
		return 0;
	}
	pthread_t u, s;
	pthread_mutex_lock(&m);
	pthread_create(&u, NULL, run_u, NULL);
	until_asleep_in(&tid_u, 449);            /* futex_waitv */
	pthread_create(&s, NULL, run_s, NULL);
	pthread_detach(s);            /* stuck, it could not be joined */
	until_asleep_in(&tid_s, SYS_futex);
	__atomic_store_n(&waiter.slice_me, 1, __ATOMIC_RELEASE);   /* told, not woken */
	pthread_mutex_unlock(&m);                /* wakes U, the first sleeper */
	pthread_join(u, NULL);
	/* S gets it in microseconds; stuck, it never does. */
	for (int ms = 0; ms < 10000 && !__atomic_load_n(&s_got, __ATOMIC_ACQUIRE); ms++)
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	if (!__atomic_load_n(&s_got, __ATOMIC_ACQUIRE)) {
		fprintf(stderr, "FAIL the sleeper behind the timer-less waiter never got the free lock "
		        "(lock word %d): a lost wake-up\n", m.__data.__lock);
		return 1;
	}
	printf("ok - a waiter leaving for slices passed its wake-up on: the sleeper behind it got "
	       "the lock\n");
	return 0;
}
