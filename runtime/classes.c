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
 * program. Slots follow addresses (one per 32 bytes, no two mutexes share one), so the
 * pages touched are at most half the memory the program's locks are spread over, however
 * many locks there are. Same claim/publish protocol as table.c; the class is rebound in
 * place. */
#define INST_LOG2 22
struct inst {
	uint64_t addr;
	uint32_t state;      /* 0 empty, 1 being filled, 2 ready */
	uint32_t cls;        /* 0: unbound (never locked, or destroyed) */
};
static struct inst *instances;
static uint32_t ninstances;

void rt_class_tables_init(void)
{
	instances = rt_map(((size_t)1 << INST_LOG2) * sizeof *instances);
	if (rt_table_init(&classes, 18) == 0)
		class_pairs = rt_map(((size_t)1 << 18) * sizeof *class_pairs);
}

/* The slot of addr; inserted (unbound) when absent and insert is set. NULL when absent
 * or the table is full. */
static struct inst *instance(const void *lock, int insert, int *fresh)
{
	const uint64_t mask = ((uint64_t)1 << INST_LOG2) - 1;
	/* Higher address bits are folded in to keep distant regions apart. */
	uint64_t a = (uintptr_t)lock, i = ((a >> 5) ^ (a >> 27) ^ (a >> 44)) & mask;
	*fresh = 0;
	if (!instances)
		return NULL;
	for (uint64_t probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
		struct inst *s = &instances[i];
		uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (st == 0) {
			if (!insert || __atomic_load_n(&ninstances, __ATOMIC_RELAXED) >= (mask + 1) / 4 * 3)
				return NULL;
			uint32_t empty = 0;
			if (__atomic_compare_exchange_n(&s->state, &empty, 1, 0, __ATOMIC_ACQUIRE,
			                                __ATOMIC_ACQUIRE)) {
				s->addr = a;
				__atomic_add_fetch(&ninstances, 1, __ATOMIC_RELAXED);
				__atomic_store_n(&s->state, 2, __ATOMIC_RELEASE);
				*fresh = 1;
				return s;
			}
			st = empty;
		}
		while (st == 1) {
			RT_PAUSE();
			st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		}
		if (s->addr == a)
			return s;
	}
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
	int fresh;
	struct inst *in = instance(lock, 1, &fresh);
	if (!in)
		return 0;
	uint32_t cls = __atomic_load_n(&in->cls, __ATOMIC_ACQUIRE);
	if (RT_UNLIKELY(!cls)) {
		uint32_t mine = make_class(lock, kind, pc, RTC_FIRST), none = 0;
		/* Two threads locking a new lock at once: the first binding wins. */
		cls = __atomic_compare_exchange_n(&in->cls, &none, mine, 0, __ATOMIC_ACQ_REL,
		                                  __ATOMIC_ACQUIRE) ? mine : none;
	}
	return cls;
}

void rt_class_init(void *lock, int kind, void *pc)
{
	int fresh;
	struct inst *in = instance(lock, 1, &fresh);
	if (!in)
		return;
	uint32_t old = __atomic_exchange_n(&in->cls, make_class(lock, kind, pc, RTC_INIT),
	                                   __ATOMIC_ACQ_REL);
	if (old)        /* rebound: some thread may remember the old class */
		__atomic_add_fetch(&rt_bind_gen, 1, __ATOMIC_RELEASE);
}

void rt_class_forget(void *lock)
{
	int fresh;
	struct inst *in = instance(lock, 0, &fresh);
	if (in && __atomic_exchange_n(&in->cls, 0, __ATOMIC_ACQ_REL))
		__atomic_add_fetch(&rt_bind_gen, 1, __ATOMIC_RELEASE);
}

uint32_t rt_class_edges_inc(uint32_t cls)
{
	return class_pairs ? __atomic_add_fetch(&class_pairs[cls], 1, __ATOMIC_RELAXED) : UINT32_MAX;
}
