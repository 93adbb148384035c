/* watch_sync.c — the releasing half of the orderings the watch engine's vector clocks
 * follow (semaphore posts, condition signals and broadcasts, a successful sem_trywait's
 * acquisition, pthread_once), which the rest of the runtime has no reason to interpose.
 * Each forwards straight to libc unless watching is on. */
#include "watch.h"

static int (*real_sem_post)(sem_t *);
static int (*real_sem_trywait)(sem_t *);
static int (*real_cond_signal)(pthread_cond_t *);
static int (*real_cond_broadcast)(pthread_cond_t *);
static int (*real_cnd_signal)(cnd_t *);
static int (*real_cnd_broadcast)(cnd_t *);

/* pthread_cond_* exist in two versions; programs link the GLIBC_2.3.2 one. */
#define COND_VERSION "GLIBC_2.3.2"

/* The calling thread, when watching is on and it may enter the runtime. */
static struct rt_thread *watching(void)
{
	if (RT_LIKELY(!__atomic_load_n(&rt_watch_on, __ATOMIC_RELAXED)))
		return NULL;
	return rt_enter();
}

static void release(const void *obj)
{
	struct rt_thread *t = watching();
	if (t) {
		rt_vc_release(t, obj);
		rt_leave();
	}
}

static void acquire(const void *obj)
{
	struct rt_thread *t = watching();
	if (t) {
		rt_vc_acquire(t, obj);
		rt_leave();
	}
}

int sem_post(sem_t *s)
{
	__typeof__(real_sem_post) next = RT_NEXT(real_sem_post, "sem_post", NULL);
	release(s);
	return next(s);
}

int sem_trywait(sem_t *s)
{
	__typeof__(real_sem_trywait) next = RT_NEXT(real_sem_trywait, "sem_trywait", NULL);
	int r = next(s);
	if (r == 0)
		acquire(s);
	return r;
}

int pthread_cond_signal(pthread_cond_t *c)
{
	__typeof__(real_cond_signal) next = RT_NEXT(real_cond_signal, "pthread_cond_signal", COND_VERSION);
	release(c);
	return next(c);
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	__typeof__(real_cond_broadcast) next =
		RT_NEXT(real_cond_broadcast, "pthread_cond_broadcast", COND_VERSION);
	release(c);
	return next(c);
}

int cnd_signal(cnd_t *c)
{
	__typeof__(real_cnd_signal) next = RT_NEXT(real_cnd_signal, "cnd_signal", NULL);
	release(c);
	return next(c);
}

int cnd_broadcast(cnd_t *c)
{
	__typeof__(real_cnd_broadcast) next = RT_NEXT(real_cnd_broadcast, "cnd_broadcast", NULL);
	release(c);
	return next(c);
}

/* pthread_once: the initialiser's effects are ordered before every caller that returns
 * from the once. The routine runs through a trampoline that releases the once object
 * after it. The C name differs from the exported one so that a whole-program scan of a
 * project holding this runtime does not take it for the pthread_once its other programs
 * call (those never load it). */
static int (*real_once)(pthread_once_t *, void (*)(void));
static RT_TLS __thread void (*once_routine)(void);
static RT_TLS __thread pthread_once_t *once_object;

static void once_trampoline(void)
{
	void (*fn)(void) = once_routine;
	pthread_once_t *o = once_object;
	fn();
	release(o);
}

int rt_pthread_once(pthread_once_t *o, void (*fn)(void)) __asm__("pthread_once");
int rt_pthread_once(pthread_once_t *o, void (*fn)(void))
{
	__typeof__(real_once) next = RT_NEXT(real_once, "pthread_once", NULL);
	if (RT_LIKELY(!__atomic_load_n(&rt_watch_on, __ATOMIC_RELAXED)))
		return next(o, fn);
	void (*saved_fn)(void) = once_routine;
	pthread_once_t *saved_o = once_object;
	once_routine = fn;
	once_object = o;
	int r = next(o, once_trampoline);
	once_routine = saved_fn;
	once_object = saved_o;
	acquire(o);
	return r;
}
