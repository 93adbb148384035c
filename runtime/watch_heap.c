/* watch_heap.c — heap candidates: malloc, calloc and realloc are interposed, and a block
 * whose allocation returns into a candidate allocation site (the code ranges of the
 * allocation line, from the candidates file) becomes the watched block of that site's
 * heap words: each word's address moves to the newest block (when the word fits in it),
 * and threads re-arm (watch.c: the allocating thread at once, the others at their next
 * tick or wake-up).
 *
 * The cost of an allocation elsewhere is a subtraction and a comparison (against the
 * bounds of every site's code); one returning inside those bounds scans the few ranges. The real functions are looked up
 * with dlsym(RTLD_NEXT) (another allocator preloaded or linked after the runtime stays
 * the one that allocates); an allocation made by dlsym itself while it looks one up
 * (older glibc's dlerror buffer) gets NULL, which glibc handles, rather than recursing.
 * Nothing here allocates, locks or writes the log. */
#include <dlfcn.h>
#include <errno.h>

#include "watch.h"

uint32_t rt_watch_heap_gen;

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static RT_TLS __thread int looking_up;

static void *next_fn(void **slot, const char *name)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (RT_LIKELY(p) || looking_up)
		return p;
	looking_up = 1;
	p = dlsym(RTLD_NEXT, name);
	looking_up = 0;
	__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	return p;
}

/* The length of a word of t that fits a block of size bytes (0: none does). */
static int fitting_len(const struct rt_watch_target *t, size_t size)
{
	int len = t->len;
	while (len && t->link_addr + (uint64_t)len > size)
		len /= 2;
	return len;
}

/* Return addresses inside the sites' bounds found to be in no site, direct-mapped: the
 * program's other allocations near a candidate line cost one load and a comparison after
 * their first call. Entries are written racily, each atomically: a lost one is a scan. */
#define NOT_SITE_SLOTS 256
static uint64_t not_site[NOT_SITE_SLOTS];

static void allocated(uint64_t pc, void *block, size_t size)
{
	uint64_t *slot = &not_site[(pc ^ pc >> 8) % NOT_SITE_SLOTS];
	if (!block || __atomic_load_n(slot, __ATOMIC_RELAXED) == pc ||
	    !__atomic_load_n(&rt_watch_on, __ATOMIC_ACQUIRE))
		return;
	int found = 0;
	for (int r = 0; r < rt_watch_nranges; r++) {
		if (pc < rt_watch_ranges[r].lo || pc >= rt_watch_ranges[r].hi)
			continue;
		found = 1;
		for (int i = 0; i < rt_watch_ntargets; i++) {
			struct rt_watch_target *t = &rt_watch_targets[i];
			if (t->site != rt_watch_ranges[r].site)
				continue;
			int len = fitting_len(t, size);
			uint64_t w = len ? rt_watch_pack((uint64_t)(uintptr_t)block + t->link_addr, len) : 0;
			__atomic_store_n(&t->addr, w, __ATOMIC_RELEASE);
		}
	}
	if (!found) {
		__atomic_store_n(slot, pc, __ATOMIC_RELAXED);
		return;
	}
	__atomic_add_fetch(&rt_watch_heap_gen, 1, __ATOMIC_ACQ_REL);
	if (!rt_tls.guard)
		rt_watch_refresh();
}

void *malloc(size_t n)
{
	void *(*next)(size_t) = (__typeof__(next))next_fn((void **)&real_malloc, "malloc");
	if (RT_UNLIKELY(!next)) {
		errno = ENOMEM;
		return NULL;
	}
	void *r = next(n);
	uint64_t pc = (uint64_t)(uintptr_t)__builtin_return_address(0) - 1;
	if (RT_UNLIKELY(pc - rt_watch_heap_lo < rt_watch_heap_span))
		allocated(pc, r, n);
	return r;
}

void *calloc(size_t n, size_t size)
{
	void *(*next)(size_t, size_t) = (__typeof__(next))next_fn((void **)&real_calloc, "calloc");
	if (RT_UNLIKELY(!next)) {
		errno = ENOMEM;
		return NULL;
	}
	void *r = next(n, size);
	uint64_t pc = (uint64_t)(uintptr_t)__builtin_return_address(0) - 1;
	if (RT_UNLIKELY(pc - rt_watch_heap_lo < rt_watch_heap_span))
		allocated(pc, r, n * size);
	return r;
}

void *realloc(void *p, size_t n)
{
	void *(*next)(void *, size_t) = (__typeof__(next))next_fn((void **)&real_realloc, "realloc");
	if (RT_UNLIKELY(!next)) {
		errno = ENOMEM;
		return NULL;
	}
	void *r = next(p, n);
	uint64_t pc = (uint64_t)(uintptr_t)__builtin_return_address(0) - 1;
	if (RT_UNLIKELY(pc - rt_watch_heap_lo < rt_watch_heap_span))
		allocated(pc, r, n);
	return r;
}
