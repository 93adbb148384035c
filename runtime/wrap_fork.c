/* wrap_fork.c — fork. Forking while another thread holds a lock hands the child a lock
 * nobody will ever release: fork-with-threads. The child then starts its own log, which
 * continues the parent's numbering up to the fork. */
#include <string.h>

#include "rt.h"

#define PC() __builtin_return_address(0)

pid_t fork(void)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.fork();
	struct rt_held h;
	struct rt_thread *o = rt_find_holder(t, NULL, &h);   /* holding any lock */
	if (o)
		rt_misuse(t, RTR_FORK_WITH_THREADS, h.lock, h.kind, h.cls, PC(), h.site, o->seq);
	char parent[64];
	memcpy(parent, rt_log_name(), sizeof parent);
	uint64_t offset = rt_log_size();
	pid_t pid = rt_real.fork();
	if (pid == 0)
		rt_after_fork(t, parent, offset);
	rt_leave();
	return pid;
}
