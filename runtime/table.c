/* table.c — the runtime's lock-free hash tables (lock instances, classes, sites, edges,
 * threads, reported misuses) and the mmap'd memory behind them.
 *
 * Open addressing with linear probing; entries are never removed. A slot is claimed with a
 * compare-and-swap on its state (empty -> filling), filled, then published (ready), so a
 * reader never sees half a key: it waits out the few instructions of a fill. Nothing here
 * blocks on a lock or allocates, so any interposed path may use it.
 */
#include <sys/mman.h>

#include "rt.h"

void *rt_map(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int rt_table_init(struct rt_table *t, int log2)
{
	uint64_t n = (uint64_t)1 << log2;
	t->slot = rt_map(n * sizeof *t->slot);
	t->mask = n - 1;
	t->next_id = 0;
	/* Past 3/4 full, probes get long: refuse new keys instead. */
	t->limit = (uint32_t)(n - n / 4);
	return t->slot ? 0 : -1;
}

static inline uint64_t mix(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t h = a * 0x9E3779B97F4A7C15ull;
	h ^= (b + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
	h ^= (c + 0x165667B19E3779F9ull) * 0xD6E8FEB86659FD93ull;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 32;
	return h;
}

static inline int matches(const struct rt_slot *s, uint64_t k0, uint64_t k1, uint64_t k2)
{
	return s->k0 == k0 && s->k1 == k1 && s->k2 == k2;
}

uint32_t rt_table_get(struct rt_table *t, uint64_t k0, uint64_t k1, uint64_t k2, int insert,
                      void (*init)(uint32_t id, void *ctx), void *ctx, int *fresh)
{
	if (fresh)
		*fresh = 0;
	if (!t->slot)
		return 0;
	uint64_t i = mix(k0, k1, k2) & t->mask;
	for (uint64_t probes = 0; probes <= t->mask; probes++, i = (i + 1) & t->mask) {
		struct rt_slot *s = &t->slot[i];
		uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (st == 0) {
			if (!insert)
				return 0;
			if (__atomic_load_n(&t->next_id, __ATOMIC_RELAXED) >= t->limit)
				return 0;
			uint32_t empty = 0;
			if (!__atomic_compare_exchange_n(&s->state, &empty, 1, 0, __ATOMIC_ACQUIRE,
			                                 __ATOMIC_ACQUIRE)) {
				st = empty;     /* someone claimed it first: look at it again */
			} else {
				s->k0 = k0;
				s->k1 = k1;
				s->k2 = k2;
				s->id = __atomic_add_fetch(&t->next_id, 1, __ATOMIC_RELAXED);
				if (init)
					init(s->id, ctx);
				__atomic_store_n(&s->state, 2, __ATOMIC_RELEASE);
				if (fresh)
					*fresh = 1;
				return s->id;
			}
		}
		while (st == 1) {       /* being filled by another thread: a few instructions */
			RT_PAUSE();
			st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		}
		if (matches(s, k0, k1, k2))
			return s->id;
	}
	return 0;
}
