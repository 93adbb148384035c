/* mutex_inline.h — a normal mutex's free lock taken and given back here, as glibc does it,
 * instead of through glibc's functions (mutex_inline.c decides when that is allowed). */
#ifndef TSAFE_RT_MUTEX_INLINE_H
#define TSAFE_RT_MUTEX_INLINE_H

#include <errno.h>

#include "rt.h"

/* Set once at start-up: glibc's own functions are the next ones and elide nothing. */
extern int rt_inline_mutex;
/* Wakes one sleeper of the mutex (out of line: the unlock that finds none needs no frame). */
void rt_mutex_wake(pthread_mutex_t *m);

/* The kind glibc gives PTHREAD_MUTEX_INITIALIZER and a default init: PTHREAD_MUTEX_TIMED_NP,
 * private, no elision flag. Its protocol is the lock word alone (0 free, 1 held, 2 held
 * with sleepers); owner and user count are bookkeeping glibc keeps beside it. */
static inline int rt_mutex_plain(const pthread_mutex_t *m)
{
	return RT_LOAD(&m->__data.__kind) == 0 && rt_inline_mutex;
}

/* glibc's pthread_mutex_trylock for that kind (nptl/pthread_mutex_trylock.c): a relaxed
 * look first, so that a busy lock's line is not taken for nothing. */
static inline int rt_mutex_trylock_plain(pthread_mutex_t *m, pid_t tid)
{
	int free_word = 0;
	if (RT_LOAD(&m->__data.__lock) != 0 ||
	    !__atomic_compare_exchange_n(&m->__data.__lock, &free_word, 1, 0, __ATOMIC_ACQUIRE,
	                                 __ATOMIC_RELAXED))
		return EBUSY;
	m->__data.__owner = tid;
	++m->__data.__nusers;
	return 0;
}

/* glibc's pthread_mutex_unlock for that kind (__pthread_mutex_unlock_usercnt, lll_unlock). */
static inline int rt_mutex_unlock_plain(pthread_mutex_t *m)
{
	m->__data.__owner = 0;
	--m->__data.__nusers;
	if (RT_UNLIKELY(__atomic_exchange_n(&m->__data.__lock, 0, __ATOMIC_RELEASE) > 1))
		rt_mutex_wake(m);
	return 0;
}

#endif
