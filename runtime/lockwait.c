/* lockwait.c — a busy mutex's wait without a timer, as the program's own lock call would
 * wait, which another thread can still turn into a wait in slices.
 *
 * A sliced wait arms a kernel timer at every wait (a timed futex wait), which made a
 * contended mutex several times slower than native on an idle machine. glibc's normal,
 * recursive and adaptive mutexes share one protocol on their lock word (0 free, 1 held,
 * 2 held and maybe slept on: an unlock that finds 2 wakes one sleeper), and this wait
 * keeps it: it tries the lock, marks the word 2 and sleeps in futex_waitv on both the
 * lock word and the thread's slice_me word — unless, before it first sleeps, its wait
 * may complete a deadlock (rt_may_complete_deadlock): then it waits in slices. The program's unlock wakes it as it would wake
 * glibc's own sleeper; rt_wake_sleepers (a thread that finds the whole process blocked)
 * wakes it through slice_me, and it returns RT_WAIT_SLICED for the caller's sliced wait,
 * which checks for a deadlock. Having slept, it leaves the word at 2 when it gets the
 * lock, as glibc's sleepers do, so that the sleepers behind it are woken in turn. Other
 * kinds (error-checking, robust, priority, process-shared, elided) and kernels without
 * futex_waitv (before 5.16) keep the sliced wait.
 *
 * A sleeper that leaves for slices without the lock passes its wake-up on (wakes one
 * sleeper of the word). The unlock that woke it reset the word to 0 and woke one sleeper
 * only, expecting that sleeper to take the lock with the word at 2 (glibc's sleepers
 * take it with an exchange to 2) so that its own unlock wakes the next. One that instead
 * found the lock taken again by a thread that never slept (word 1), and was then told to
 * wait in slices, left the word at 1: when that thread released it before the sliced
 * wait marked the word again, nobody woke the remaining sleepers — glibc's own, such as
 * condition waiters re-taking their mutex — and they slept for good while the lock was
 * free. That lost wake-up was what ended bench/runtime/prodcons as deadlocked with this
 * wait on (the verdict was right: the process was stuck); tests/runtime/test_lockwait.c
 * replays it. A wake-up passed on for nothing costs a sleeper one more look at the word.
 *
 * On by default; TSAFE_RT_UNTIMED_WAIT=0 turns it off (every contended wait then in
 * slices). bench/runtime/README.md has the figures of both.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "rt.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

#define KIND_MASK 3              /* PTHREAD_MUTEX_KIND_MASK_NP */
#define KIND_NO_ELISION 512      /* PTHREAD_MUTEX_NO_ELISION_NP: harmless */

static int waitv;                /* 0 unknown, 1 works, 2 missing */

static int waitv_works(void)
{
	int s = RT_LOAD(&waitv);
	if (RT_UNLIKELY(!s)) {
		int saved = errno;
		s = syscall(SYS_futex_waitv, NULL, 0, 0, NULL, 0) < 0 && errno == ENOSYS ? 2 : 1;
		errno = saved;
		RT_STORE(&waitv, s);
	}
	return s == 1;
}

int rt_untimed_wait;              /* TSAFE_RT_UNTIMED_WAIT=0 turns it off (init.c) */

int rt_mutex_wakeable(const void *mutex)
{
	if (!rt_untimed_wait)
		return 0;
	int kind = RT_LOAD(&((const pthread_mutex_t *)mutex)->__data.__kind);
	return (kind & ~(KIND_MASK | KIND_NO_ELISION)) == 0 &&
	       (kind & KIND_MASK) != PTHREAD_MUTEX_ERRORCHECK_NP && waitv_works();
}

int rt_mutex_wait_untimed(struct rt_thread *t, void *mutex)
{
	int *word = &((pthread_mutex_t *)mutex)->__data.__lock;
	int saved = errno, slept = 0, r;
	for (int tries = 0;; tries++) {
		r = rt_real.mutex_trylock(mutex);
		if (r != EBUSY)
			break;
		if (__atomic_load_n(&t->slice_me, __ATOMIC_ACQUIRE) ||
		    (tries == 0 && rt_may_complete_deadlock(t))) {
			r = RT_WAIT_SLICED;
			break;
		}
		int held = 1;
		if (!__atomic_compare_exchange_n(word, &held, 2, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED) &&
		    held != 2)
			continue;        /* released meanwhile */
		struct futex_waitv on[2] = {
			{.val = 2, .uaddr = (uintptr_t)word, .flags = FUTEX_32 | FUTEX_PRIVATE_FLAG},
			{.val = 0, .uaddr = (uintptr_t)&t->slice_me, .flags = FUTEX_32 | FUTEX_PRIVATE_FLAG},
		};
		if (syscall(SYS_futex_waitv, on, 2, 0, NULL, 0) < 0 && errno != EAGAIN &&
		    errno != EINTR) {
			r = RT_WAIT_SLICED;      /* not a wait this kernel does here */
			break;
		}
		slept = 1;
	}
	if (r == 0 && slept) {
		int held = 1;
		__atomic_compare_exchange_n(word, &held, 2, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	} else if (r == RT_WAIT_SLICED && slept) {
		syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);   /* passed on */
	}
	errno = saved;
	return r;
}

void rt_wake_sleepers(void)
{
	int saved = errno;
	int high = RT_LOAD(&rt_threads_high);
	for (int s = 0; s < high; s++) {
		struct rt_thread *o = &rt_threads[s];
		if (!RT_LOAD(&o->used) || !RT_LOAD(&o->waiting_on) ||
		    !(RT_LOAD(&o->wait_flags) & RT_WAIT_UNTIMED))
			continue;
		__atomic_store_n(&o->slice_me, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &o->slice_me, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	errno = saved;
}
