/* bare_interposer.c — the floor for any LD_PRELOAD lock checker: wrappers that count the
 * locks a thread holds and forward (the lock through trylock, as libtsafe-rt does) and
 * nothing else. bench.py preloads it to show what interposition alone costs. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

static int (*real_lock)(pthread_mutex_t *), (*real_trylock)(pthread_mutex_t *),
	(*real_unlock)(pthread_mutex_t *);
static __thread int held __attribute__((tls_model("initial-exec")));

static void resolve(void)
{
	real_lock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_lock");
	real_trylock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_trylock");
	real_unlock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_unlock");
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	if (!real_unlock)
		resolve();
	int r = real_trylock(m);
	if (r == EBUSY)
		r = real_lock(m);
	held += r == 0;
	return r;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (!real_unlock)
		resolve();
	held--;
	return real_unlock(m);
}
