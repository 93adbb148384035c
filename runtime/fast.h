/* fast.h — the common case of an acquisition and a release, inlined into the wrappers.
 *
 * An acquisition is split around the real lock so that the lock is held no longer than
 * without tsafe: before it, the lock's class and site and the edges from the locks held
 * (usually one compare each against the thread's caches); after it, only the push onto
 * the held stack. Anything unusual (a lock not seen before at this site, a new edge, a
 * recursive or same-class acquisition, a release out of order) takes the full path in
 * lockcore.c.
 *
 * The hottest wrappers (mutex lock and unlock) go further: rt_fast_push copies the
 * cached held entry onto the stack before the real trylock (undone when that fails), so
 * nothing but the lock's address lives across the call; a release of the top entry pops
 * first and then tail-calls the real unlock. These paths call nothing that can come back
 * into the runtime, so they only test the "inside tsafe" guard, never set it. */
#ifndef TSAFE_RT_FAST_H
#define TSAFE_RT_FAST_H

#include "rt.h"
#include "watch.h"

#define RT_INLINE __attribute__((always_inline)) static inline

RT_INLINE uint64_t rt_cache_set(uint64_t key)
{
	return 2 * ((key * 0x9E3779B97F4A7C15ull) >> (64 - RT_CACHE_SETS_LOG2));
}

RT_INLINE int rt_lcache_holds(const struct rt_lock_cache *c, const void *lock, const void *pc)
{
	return c->tmpl.lock == lock && c->tmpl.pc == pc;
}

/* The entry of lock at pc: the way of its set that holds it, else the first way. */
RT_INLINE struct rt_lock_cache *rt_lcache_slot(struct rt_thread *t, const void *lock, const void *pc)
{
	struct rt_lock_cache *way = &t->lcache[rt_cache_set((uintptr_t)lock ^ ((uint64_t)(uintptr_t)pc << 17))];
	return rt_lcache_holds(way, lock, pc) || !rt_lcache_holds(way + 1, lock, pc) ? way : way + 1;
}

/* The entry to fill for lock at pc: the way that holds it, else the first way, whose
 * entry moves to the second (the least recently filled goes). */
RT_INLINE struct rt_lock_cache *rt_lcache_fill(struct rt_thread *t, const void *lock, const void *pc)
{
	struct rt_lock_cache *c = rt_lcache_slot(t, lock, pc);
	if (!rt_lcache_holds(c, lock, pc) && c->tmpl.lock)
		c[1] = c[0];
	return c;
}

RT_INLINE int rt_ecache_has(const struct rt_thread *t, uint64_t key)
{
	const struct rt_edge_cache *way = &t->ecache[rt_cache_set(key)];
	return way[0].key == key || way[1].key == key;
}

RT_INLINE void rt_ecache_put(struct rt_thread *t, uint64_t key)
{
	struct rt_edge_cache *way = &t->ecache[rt_cache_set(key)];
	if (way[0].key != key && way[1].key != key) {
		way[1] = way[0];
		way[0].key = key;
	}
}

/* The way of lock's set that holds lock at pc, or NULL. */
RT_INLINE struct rt_lock_cache *rt_lcache_hit(struct rt_thread *t, const void *lock, const void *pc)
{
	struct rt_lock_cache *way = &t->lcache[rt_cache_set((uintptr_t)lock ^ ((uint64_t)(uintptr_t)pc << 17))];
	if (rt_lcache_holds(way, lock, pc))
		return way;
	return rt_lcache_holds(way + 1, lock, pc) ? way + 1 : NULL;
}

/* Whether every edge from the n locks held to c's lock is known and settled: then an
 * acquisition needs nothing from the shared tables. Under one held lock (the usual
 * nesting) the answer is remembered for that lock: while no lock changes class
 * (rt_bind_gen, which the caller checked), its class and the edge stay what they were. */
RT_INLINE int rt_edges_known(struct rt_thread *t, struct rt_lock_cache *c, const void *lock, int n)
{
	if (n == 1 && t->held[0].lock == c->after &&
	    !(RT_LOAD(&t->held[0].flags) & (HF_WAITING | HF_GONE)))
		return 1;
	for (int i = 0; i < n; i++) {
		const struct rt_held *h = &t->held[i];
		if (RT_UNLIKELY(h->lock == lock || h->cls == c->tmpl.cls))
			return 0;        /* taken again, or two locks of one class */
		if (RT_LOAD(&h->flags) & (HF_WAITING | HF_GONE))
			continue;
		uint64_t key = (uint64_t)h->cls << 32 | c->tmpl.cls;
		if (RT_UNLIKELY(!rt_ecache_has(t, key)))
			return 0;
		if (n == 1)
			c->after = h->lock;
	}
	return 1;
}

RT_INLINE int rt_cache_current(const struct rt_lock_cache *c)
{
	return c->gen == __atomic_load_n(&rt_bind_gen, __ATOMIC_ACQUIRE);
}

/* Whether c holds lock at pc, current, and every edge from the n locks held to it is known. */
RT_INLINE int rt_known(struct rt_thread *t, struct rt_lock_cache *c, const void *lock,
                       const void *pc, int n)
{
	return RT_LIKELY(rt_lcache_holds(c, lock, pc) && rt_cache_current(c)) &&
	       rt_edges_known(t, c, lock, n);
}

/* Before the real lock. */
RT_INLINE struct rt_pre rt_before(struct rt_thread *t, void *lock, int kind, unsigned hflags, void *pc)
{
	struct rt_lock_cache *c = rt_lcache_slot(t, lock, pc);
	if (RT_UNLIKELY(!rt_known(t, c, lock, pc, t->nheld)))
		goto full;
	return (struct rt_pre){.cls = c->tmpl.cls, .site = c->tmpl.site, .recursive = 0};
full:
	return rt_before_full(t, lock, kind, hflags, pc);
}

/* The watch engine's clocks follow every lock's unlock -> lock (watch_clock.c): after the
 * real lock succeeded, and before the real unlock. Nothing unless watching. */
RT_INLINE void rt_clock_locked(struct rt_thread *t, const void *lock)
{
	if (RT_UNLIKELY(__atomic_load_n(&rt_watch_on, __ATOMIC_RELAXED)))
		rt_vc_lock_acquired(t, lock);
}

RT_INLINE void rt_clock_unlocking(struct rt_thread *t, const void *lock)
{
	if (RT_UNLIKELY(__atomic_load_n(&rt_watch_on, __ATOMIC_RELAXED)))
		rt_vc_lock_releasing(t, lock);
}

/* After the real lock succeeded. */
RT_INLINE void rt_after(struct rt_thread *t, void *lock, int kind, unsigned hflags, void *pc,
                        struct rt_pre pre)
{
	rt_clock_locked(t, lock);
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

/* The thread, when the fast path may run: registered and not inside the runtime. */
RT_INLINE struct rt_thread *rt_fast_self(void)
{
	struct rt_thread *t = rt_tls.self;
	return RT_UNLIKELY(rt_tls.guard) ? NULL : t;
}

/* Before the real lock: when the class, the site and every edge are known, pushes the
 * held entry at once (the cached one, copied whole) and returns 1. The lock counts as
 * held from here, a few instructions early: another thread's check may find it held by a
 * thread that is not blocked, which proves no deadlock. */
RT_INLINE int rt_fast_push(struct rt_thread *t, void *lock, int kind, void *pc)
{
	struct rt_lock_cache *c = rt_lcache_hit(t, lock, pc);
	int n = t->nheld;
	if (RT_UNLIKELY(!c || n >= RT_MAX_HELD || !rt_cache_current(c) || c->tmpl.kind != kind ||
	                !rt_edges_known(t, c, lock, n)))
		return 0;
	t->held[n] = c->tmpl;
	RT_STORE(&t->nheld, n + 1);
	return 1;
}

/* The real lock failed (busy, or an error) after rt_fast_push: the entry goes again. */
RT_INLINE void rt_fast_unpush(const void *lock)
{
	struct rt_thread *t = rt_tls.self;
	int n = t->nheld;
	if (n > 0 && t->held[n - 1].lock == lock)
		RT_STORE(&t->nheld, n - 1);
}

/* Before the real unlock: pops the lock when it is the top entry, held once. Another
 * thread may then not find it held for the few instructions until the real unlock,
 * which at worst hides a deadlock cycle from one check, never makes one up. */
RT_INLINE int rt_fast_pop(struct rt_thread *t, const void *lock)
{
	if (!rt_release_is_top(t, lock))
		return 0;
	rt_clock_unlocking(t, lock);
	rt_pop(t);
	return 1;
}

#endif
