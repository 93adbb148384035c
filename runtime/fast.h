/* fast.h — the common case of an acquisition and a release, inlined into the wrappers.
 *
 * An acquisition is split around the real lock so that the lock is held no longer than
 * without tsafe: before it, the lock's class and site and the edges from the locks held
 * (usually one compare each against the thread's caches); after it, only the push onto
 * the held stack. A release of the most recent lock pops after the real unlock. Anything
 * unusual (a lock not seen before at this site, a new edge, a recursive or same-class
 * acquisition, a release out of order) takes the full path in lockcore.c. */
#ifndef TSAFE_RT_FAST_H
#define TSAFE_RT_FAST_H

#include "rt.h"

#define RT_INLINE __attribute__((always_inline)) static inline

RT_INLINE struct rt_lock_cache *rt_lcache_slot(struct rt_thread *t, const void *lock, const void *pc)
{
	uint64_t h = ((uint64_t)(uintptr_t)lock ^ ((uint64_t)(uintptr_t)pc << 17)) * 0x9E3779B97F4A7C15ull;
	return &t->lcache[h >> 58];
}

RT_INLINE struct rt_edge_cache *rt_ecache_slot(struct rt_thread *t, uint64_t key)
{
	return &t->ecache[(key * 0x9E3779B97F4A7C15ull) >> 58];
}

/* Before the real lock. */
RT_INLINE struct rt_pre rt_before(struct rt_thread *t, void *lock, int kind, unsigned hflags, void *pc)
{
	const struct rt_lock_cache *c = rt_lcache_slot(t, lock, pc);
	int n = t->nheld;
	if (RT_UNLIKELY(c->lock != lock || c->pc != pc ||
	                c->gen != __atomic_load_n(&rt_bind_gen, __ATOMIC_ACQUIRE)))
		goto full;
	for (int i = 0; i < n; i++) {
		const struct rt_held *h = &t->held[i];
		if (RT_UNLIKELY(h->lock == lock || h->cls == c->cls))
			goto full;       /* taken again, or two locks of one class */
		if (RT_LOAD(&h->flags) & (HF_WAITING | HF_GONE))
			continue;
		uint64_t key = (uint64_t)h->cls << 32 | c->cls;
		if (RT_UNLIKELY(rt_ecache_slot(t, key)->key != key))
			goto full;
	}
	return (struct rt_pre){.cls = c->cls, .site = c->site, .recursive = 0};
full:
	return rt_before_full(t, lock, kind, hflags, pc);
}

/* After the real lock succeeded. */
RT_INLINE void rt_after(struct rt_thread *t, void *lock, int kind, unsigned hflags, void *pc,
                        struct rt_pre pre)
{
	int n = t->nheld;
	if (RT_UNLIKELY(pre.recursive || n == RT_MAX_HELD)) {
		rt_push_full(t, lock, kind, hflags, pc, pre);
		return;
	}
	t->held[n] = (struct rt_held){.lock = lock, .pc = pc, .cls = pre.cls, .site = pre.site,
	                              .count = 1, .kind = (uint16_t)kind, .flags = (uint16_t)hflags};
	RT_STORE(&t->nheld, n + 1);
}

/* Whether the release can pop the top of the held stack after the real unlock. */
RT_INLINE int rt_release_is_top(const struct rt_thread *t, const void *lock)
{
	int n = t->nheld;
	if (RT_UNLIKELY(n <= 0))
		return 0;
	const struct rt_held *h = &t->held[n - 1];
	return h->lock == lock && h->count == 1 && !(RT_LOAD(&h->flags) & (HF_WAITING | HF_GONE));
}

RT_INLINE void rt_pop(struct rt_thread *t)
{
	RT_STORE(&t->nheld, t->nheld - 1);
}

/* The whole acquisition at once, for trylock-style calls whose result is known. */
RT_INLINE void rt_acquire(struct rt_thread *t, void *lock, int kind, unsigned hflags, void *pc)
{
	rt_after(t, lock, kind, hflags, pc, rt_before(t, lock, kind, hflags, pc));
}

#endif
