/* classes.c — lock identity, lockdep's way: every lock instance (an address) is bound to a
 * class. A lock in a module's data or bss is a class of its own, named offline by its
 * symbol; a heap or stack lock takes the class of the place it was initialised (or, when
 * no init call was seen, first locked), so every lock made by one line is one class.
 * An init call rebinds the address (memory is reused), a destroy unbinds it. */
#include <string.h>

#include "rt.h"

static struct rt_table instances;   /* address -> binding */
static uint32_t *inst_class;        /* instance id -> class id (0: unbound) */
static struct rt_table classes;     /* (how, key) -> class id */
static uint32_t *class_pairs;       /* class id -> same-class instance pairs recorded */

void rt_class_tables_init(void)
{
	if (rt_table_init(&instances, 22) == 0)
		inst_class = rt_map(((size_t)1 << 22) * sizeof *inst_class);
	if (rt_table_init(&classes, 18) == 0)
		class_pairs = rt_map(((size_t)1 << 18) * sizeof *class_pairs);
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
	if (!inst_class)
		return 0;
	uint32_t iid = rt_table_get(&instances, (uintptr_t)lock, 0, 0, 1, NULL, NULL, NULL);
	if (!iid)
		return 0;
	uint32_t cls = __atomic_load_n(&inst_class[iid], __ATOMIC_ACQUIRE);
	if (RT_UNLIKELY(!cls)) {
		uint32_t mine = make_class(lock, kind, pc, RTC_FIRST), none = 0;
		/* Two threads locking a new lock at once: the first binding wins. */
		cls = __atomic_compare_exchange_n(&inst_class[iid], &none, mine, 0, __ATOMIC_ACQ_REL,
		                                  __ATOMIC_ACQUIRE) ? mine : none;
	}
	return cls;
}

void rt_class_init(void *lock, int kind, void *pc)
{
	if (!inst_class)
		return;
	uint32_t iid = rt_table_get(&instances, (uintptr_t)lock, 0, 0, 1, NULL, NULL, NULL);
	if (iid)
		__atomic_store_n(&inst_class[iid], make_class(lock, kind, pc, RTC_INIT),
		                 __ATOMIC_RELEASE);
}

void rt_class_forget(void *lock)
{
	if (!inst_class)
		return;
	uint32_t iid = rt_table_get(&instances, (uintptr_t)lock, 0, 0, 0, NULL, NULL, NULL);
	if (iid)
		__atomic_store_n(&inst_class[iid], 0, __ATOMIC_RELEASE);
}

uint32_t rt_class_edges_inc(uint32_t cls)
{
	return class_pairs ? __atomic_add_fetch(&class_pairs[cls], 1, __ATOMIC_RELAXED) : UINT32_MAX;
}
