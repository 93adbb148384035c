/* wrap_fork.c — fork. Forking while another thread holds a lock hands the child a lock
 * nobody will ever release: fork-with-threads. The child then starts its own log, which
 * continues the parent's numbering up to the fork. */
#include <string.h>

#include "rt.h"

#define PC() __builtin_return_address(0)

/* Another thread holding a lock right now, with the entry of that lock. */
static struct rt_thread *other_holder(const struct rt_thread *t, struct rt_held *out)
{
	int high = RT_LOAD(&rt_threads_high);
	for (int s = 0; s < high; s++) {
		struct rt_thread *o = &rt_threads[s];
		if (o == t || !RT_LOAD(&o->used))
			continue;
		int n = RT_LOAD(&o->nheld);
		for (int k = 0; k < n && k < RT_MAX_HELD; k++) {
			if (!(RT_LOAD(&o->held[k].flags) & (HF_WAITING | HF_GONE))) {
				*out = o->held[k];
				if (RT_LOAD(&out->lock))
					return o;
			}
		}
	}
	return NULL;
}

pid_t fork(void)
{
	rt_need_real();
	struct rt_thread *t = rt_enter();
	if (!t)
		return rt_real.fork();
	struct rt_held h;
	struct rt_thread *o = other_holder(t, &h);
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
