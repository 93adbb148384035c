/* classes.c — lock identity, lockdep's way: every lock instance (an address) is bound to a
 * class. A lock in a module's data or bss is a class of its own, named offline by its
 * symbol; a heap or stack lock takes the class of the place it was initialised (or, when
 * no init call was seen, first locked), so every lock made by one line is one class.
 * An init call rebinds the address (memory is reused), a destroy unbinds it. */
#include <string.h>

#include "rt.h"

uint32_t rt_bind_gen = 1;
static struct rt_table classes;     /* (how, key) -> class id */
static uint32_t *class_pairs;       /* class id -> same-class instance pairs recorded */

/* Lock instances: address -> class, in 16-byte slots, the only table that grows with the
 * program. Within a page of the program's memory, slots follow addresses (one per 32
 * bytes, no two mutexes share one: a page's locks fill one 2 KB block of slots); pages go
 * to blocks by a hash, so that no array of locks, however large, lines up into one long
 * run of full slots. The table's pages touched are at most one per page of the program's
 * memory that holds locks. A destroyed lock's slot is a tombstone: it keeps its address
 * (other addresses probe past it) until a new address whose probe passes it takes it
 * over, so locks made and destroyed without end never fill the table. Each slot's word is
 * a generation (one more at every takeover) and the class; a thread that found a slot
 * under its old address cannot bind a class into it after a takeover (its compare-and-
 * swap of the word fails, and it looks again). Two first uses of one address racing with
 * the destroy of another may give the address two slots; the first one is found. */
#define INST_LOG2 22
#define INST_BUSY UINT32_MAX          /* class while the slot is being (re)filled */
#define INST_DEAD (UINT32_MAX - 1)    /* class of a destroyed lock: a tombstone */
struct inst {
	uint64_t addr;
	uint64_t word;       /* generation << 32 | class (0: not bound yet); 0: empty */
};
static struct inst *instances;
static uint32_t ninstances;          /* slots ever used (tombstones included) */
static int table_full_said;

void rt_class_tables_init(void)
{
	instances = rt_map(((size_t)1 << INST_LOG2) * sizeof *instances);
	if (rt_table_init(&classes, 18) == 0)
		class_pairs = rt_map(((size_t)1 << 18) * sizeof *class_pairs);
}

static inline uint32_t cls_of(uint64_t w)
{
	return (uint32_t)w;
}

static inline uint64_t with_cls(uint64_t w, uint32_t cls)
{
	return (w & ~(uint64_t)UINT32_MAX) | cls;
}

/* A bound class: not empty, not destroyed, not being filled. */
static inline int bound(uint32_t cls)
{
	return cls && cls < INST_DEAD;
}

/* The slot's word and address as one consistent pair (a seqlock read: the word again
 * after the address); waits out a fill, a few instructions. */
static uint64_t read_slot(struct inst *s, uint64_t *addr)
{
	for (;;) {
		uint64_t w = __atomic_load_n(&s->word, __ATOMIC_ACQUIRE);
		if (cls_of(w) == INST_BUSY) {
			RT_PAUSE();
			continue;
		}
		*addr = __atomic_load_n(&s->addr, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->word, __ATOMIC_RELAXED) == w)
			return w;
	}
}

/* Takes slot s (whose word was w) for addr a: its word, or 0 when another thread changed
 * the slot first. */
static uint64_t take(struct inst *s, uint64_t w, uint64_t a)
{
	uint64_t busy = (w & ~(uint64_t)UINT32_MAX) + ((uint64_t)1 << 32) + INST_BUSY;
	if (busy >> 32 == 0)          /* generation 0 would read as empty */
		busy += (uint64_t)1 << 32;
	if (!__atomic_compare_exchange_n(&s->word, &w, busy, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return 0;
	__atomic_store_n(&s->addr, a, __ATOMIC_RELAXED);
	__atomic_store_n(&s->word, with_cls(busy, 0), __ATOMIC_RELEASE);
	return with_cls(busy, 0);
}

/* The table is full and no tombstone lies on the way: said once, in the log. */
static void table_full(void)
{
	if (!__atomic_exchange_n(&table_full_said, 1, __ATOMIC_RELAXED))
		rt_write_limit(RTL_LOCKS, (uint32_t)(((uint64_t)1 << INST_LOG2) / 4 * 3),
		               __atomic_load_n(&ninstances, __ATOMIC_RELAXED));
}

/* The slot of addr and its word in *word; inserted (unbound) when absent and insert is
 * set. NULL when absent, or when the table is full. */
static struct inst *instance(const void *lock, int insert, uint64_t *word)
{
	const uint64_t mask = ((uint64_t)1 << INST_LOG2) - 1;
	uint64_t a = (uintptr_t)lock;
	uint64_t block = ((a >> 12) * 0x9E3779B97F4A7C15ull) >> (64 - (INST_LOG2 - 7));
	uint64_t home = (block << 7 | ((a >> 5) & 127)) & mask;
	if (!instances)
		return NULL;
again:;
	struct inst *tomb = NULL;
	uint64_t tomb_w = 0;
	for (uint64_t probes = 0, i = home; probes <= mask; probes++, i = (i + 1) & mask) {
		struct inst *s = &instances[i];
		uint64_t addr, w = read_slot(s, &addr);
		if (w && addr == a) {
			*word = w;
			return s;
		}
		if (w && cls_of(w) == INST_DEAD && !tomb) {
			tomb = s;
			tomb_w = w;
		}
		if (w)
			continue;
		if (!insert)              /* an empty slot ends the probe: absent */
			return NULL;
		if (!tomb && __atomic_load_n(&ninstances, __ATOMIC_RELAXED) >= (mask + 1) / 4 * 3)
			break;
		if (!tomb)
			__atomic_add_fetch(&ninstances, 1, __ATOMIC_RELAXED);
		if (!(*word = take(tomb ? tomb : s, tomb ? tomb_w : 0, a))) {
			if (!tomb)
				__atomic_sub_fetch(&ninstances, 1, __ATOMIC_RELAXED);
			goto again;           /* someone took it first: look again */
		}
		return tomb ? tomb : s;
	}
	if (insert && tomb && (*word = take(tomb, tomb_w, a)))
		return tomb;
	if (insert)
		table_full();
	return NULL;
}

static void write_class(uint32_t id, int kind, int how, void *lock, uint32_t stack)
{
	char buf[sizeof(struct rt_class) + 8];
	struct rt_class *c = (struct rt_class *)buf;
	memset(c, 0, sizeof *c);
	c->id = id;
	c->kind = (uint16_t)kind;
	c->how = (uint16_t)how;
	c->addr = (uintptr_t)lock;
	c->stack = stack;
	rt_log_write(buf, rt_rec_finish(buf, RT_CLASS, sizeof *c));
}

/* The class a binding made now at pc gets. */
static uint32_t make_class(void *lock, int kind, void *pc, int how)
{
	/* The site first: capturing its stack notices modules loaded since the last look. */
	uint32_t stack = rt_site(pc);
	uint64_t key = (uintptr_t)pc;
	if (rt_in_data(lock)) {
		how = RTC_DATA;
		key = (uintptr_t)lock;
		stack = 0;
	}
	int fresh;
	uint32_t id = rt_table_get(&classes, (uint64_t)how, key, 0, 1, NULL, NULL, &fresh);
	if (fresh)
		write_class(id, kind, how, lock, stack);
	return id;
}

uint32_t rt_class_of(void *lock, int kind, void *pc)
{
	for (;;) {
		uint64_t w;
		struct inst *in = instance(lock, 1, &w);
		if (!in)
			return 0;
		if (bound(cls_of(w)))
			return cls_of(w);
		uint32_t mine = make_class(lock, kind, pc, RTC_FIRST);
		/* Two threads locking a new lock at once: the first binding wins. */
		uint64_t seen = w;
		if (__atomic_compare_exchange_n(&in->word, &seen, with_cls(w, mine), 0,
		                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return mine;
		if (seen >> 32 == w >> 32 && bound(cls_of(seen)))
			return cls_of(seen);
		/* destroyed or taken over meanwhile: look again */
	}
}

/* Sets the class of the lock's slot (an init call, a destroy): 0, or -1 when the
 * table has no slot for it. */
static int rebind(void *lock, int insert, uint32_t (*cls)(void *lock, int kind, void *pc),
                  int kind, void *pc)
{
	for (;;) {
		uint64_t w;
		struct inst *in = instance(lock, insert, &w);
		if (!in)
			return -1;
		if (cls_of(w) == INST_DEAD && !insert)
			return 0;             /* destroyed already */
		if (__atomic_compare_exchange_n(&in->word, &w, with_cls(w, cls(lock, kind, pc)), 0,
		                                __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			if (bound(cls_of(w)))  /* rebound: some thread may remember the old class */
				__atomic_add_fetch(&rt_bind_gen, 1, __ATOMIC_RELEASE);
			return 0;
		}
	}
}

static uint32_t init_class(void *lock, int kind, void *pc)
{
	return make_class(lock, kind, pc, RTC_INIT);
}

static uint32_t dead_class(void *lock, int kind, void *pc)
{
	(void)lock, (void)kind, (void)pc;
	return INST_DEAD;
}

void rt_class_init(void *lock, int kind, void *pc)
{
	rebind(lock, 1, init_class, kind, pc);
}

void rt_class_forget(void *lock)
{
	rebind(lock, 0, dead_class, 0, NULL);
}

uint32_t rt_class_edges_inc(uint32_t cls)
{
	return class_pairs ? __atomic_add_fetch(&class_pairs[cls], 1, __ATOMIC_RELAXED) : UINT32_MAX;
}
