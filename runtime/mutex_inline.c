/* mutex_inline.c — whether the mutex wrappers may take and give back a free normal mutex
 * themselves (mutex_inline.h) rather than through glibc's trylock and unlock.
 *
 * The wrappers' common case is a free lock taken and released. Calling glibc for it cost
 * about as many instructions as all the runtime's own bookkeeping (callgrind, lockheavy:
 * trylock 34 and unlock 24 per pair, of which a plain compare-and-swap and an exchange
 * are the work). For the kind whose protocol is one word, the wrappers do exactly what
 * glibc does to it; every other kind, and every busy lock, still goes to glibc, so all
 * paths speak glibc's protocol. Not when another library's wrappers stand between the
 * program and glibc (they must still be called), nor when glibc is told to elide locks
 * (GLIBC_TUNABLES glibc.elision.enable=1: glibc then marks a normal mutex for elision at
 * its first lock), nor with TSAFE_RT_INLINE_MUTEX=0. */
#include <dlfcn.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mutex_inline.h"

int rt_inline_mutex;

__attribute__((noinline, cold)) void rt_mutex_wake(pthread_mutex_t *m)
{
	int saved = errno;
	syscall(SYS_futex, &m->__data.__lock, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	errno = saved;
}

static int in_libc(void *fn)
{
	Dl_info info;
	if (!fn || !dladdr(fn, &info) || !info.dli_fname)
		return 0;
	const char *base = strrchr(info.dli_fname, '/');
	base = base ? base + 1 : info.dli_fname;
	return strncmp(base, "libc.so", 7) == 0;
}

void rt_inline_mutex_init(void)
{
	const char *off = getenv("TSAFE_RT_INLINE_MUTEX");
	const char *tunables = getenv("GLIBC_TUNABLES");
	rt_inline_mutex = !(off && strcmp(off, "0") == 0) &&
	                  !(tunables && strstr(tunables, "glibc.elision.enable=1")) &&
	                  in_libc((void *)rt_real.mutex_trylock) && in_libc((void *)rt_real.mutex_unlock);
}
