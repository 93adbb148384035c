/* lockcore.c — what every lock wrapper does around the real call: keep the thread's stack
 * of held locks, note lock-order edges on acquisition, and recognise misuse on release,
 * destroy and condition wait. Misuse is written once per (rule, class, site). */
#include <string.h>

#include "fast.h"

static struct rt_table misuses;

void rt_misuse_tables_init(void)
{
	rt_table_init(&misuses, 14);
}

int rt_held_index(const struct rt_thread *t, const void *lock)
{
	for (int i = t->nheld - 1; i >= 0; i--)
		if (t->held[i].lock == lock && !(RT_LOAD(&t->held[i].flags) & (HF_WAITING | HF_GONE)))
			return i;
	return -1;
}

/* Class of the lock and stack of the site, from the thread's cache when it can. */
static inline void lookup(struct rt_thread *t, void *lock, int kind, void *pc, uint32_t *cls,
                          uint32_t *site)
{
	struct rt_lock_cache *c = rt_lcache_slot(t, lock, pc);
	uint32_t gen = __atomic_load_n(&rt_bind_gen, __ATOMIC_ACQUIRE);
	if (RT_LIKELY(c->tmpl.lock == lock && c->tmpl.pc == pc && c->gen == gen)) {
		*cls = c->tmpl.cls;
		*site = c->tmpl.site;
		return;
	}
	*cls = rt_class_of(lock, kind, pc);
	*site = rt_site(pc);
	if (*cls && *site) {
		c = rt_lcache_fill(t, lock, pc);
		c->tmpl = (struct rt_held){.lock = lock, .pc = pc, .cls = *cls, .site = *site,
		                           .count = 1, .kind = (uint16_t)kind};
		c->after = NULL;
		c->gen = gen;
	}
}

struct rt_pre rt_before_full(struct rt_thread *t, void *lock, int kind, unsigned hflags, void *pc)
{
	struct rt_pre pre;
	pre.recursive = rt_held_index(t, lock) >= 0;   /* recursive mutex, or reads again */
	lookup(t, lock, kind, pc, &pre.cls, &pre.site);
	if (pre.recursive)
		return pre;
	struct rt_edges_out out;
	out.stack = out.len = 0;
	for (int i = 0; i < t->nheld; i++)
		if (!(RT_LOAD(&t->held[i].flags) & (HF_WAITING | HF_GONE)))
			rt_note_edge(t, i, pre.cls, lock, hflags, &out);
	rt_edges_flush(&out);
	return pre;
}

void rt_push_full(struct rt_thread *t, void *lock, int kind, unsigned hflags, void *pc,
                  struct rt_pre pre)
{
	int i = pre.recursive ? rt_held_index(t, lock) : -1;
	if (i >= 0) {
		t->held[i].count++;
		return;
	}
	int n = t->nheld;
	if (n == RT_MAX_HELD) {
		t->overflow++;
		return;
	}
	struct rt_held *h = &t->held[n];
	h->pc = pc;
	h->cls = pre.cls;
	h->site = pre.site;
	h->count = 1;
	h->kind = (uint16_t)kind;
	h->flags = (uint16_t)hflags;
	RT_STORE(&h->lock, lock);
	RT_STORE(&t->nheld, n + 1);
}

static void held_remove(struct rt_thread *t, int i)
{
	int n = t->nheld;
	for (int k = i; k + 1 < n; k++) {
		t->held[k] = t->held[k + 1];
	}
	RT_STORE(&t->nheld, n - 1);
}

int rt_lock_busy(const void *lock, int kind, pid_t *owner)
{
	*owner = 0;
	switch (kind) {
	case RTK_MUTEX: {
		const pthread_mutex_t *m = lock;
		*owner = RT_LOAD(&m->__data.__owner);
		return RT_LOAD(&m->__data.__lock) != 0;
	}
	case RTK_RWLOCK: {
		const pthread_rwlock_t *rw = lock;
		*owner = RT_LOAD(&rw->__data.__cur_writer);
		/* glibc keeps the reader count above 3 flag bits */
		return *owner != 0 || (RT_LOAD(&rw->__data.__readers) >> 3) != 0;
	}
	default:
#if defined(__x86_64__) || defined(__i386__)
		return RT_LOAD((const int *)lock) <= 0;   /* glibc on x86: 1 is unlocked */
#else
		return RT_LOAD((const int *)lock) != 0;
#endif
	}
}

int rt_lock_shared(const void *lock, int kind)
{
	switch (kind) {
	case RTK_MUTEX:
		return (RT_LOAD(&((const pthread_mutex_t *)lock)->__data.__kind) & 128) != 0;
	case RTK_RWLOCK:
		return RT_LOAD(&((const pthread_rwlock_t *)lock)->__data.__shared) != 0;
	default:
		return 0;            /* glibc's spinlock keeps no such flag */
	}
}

int rt_holds(const struct rt_thread *o, const void *lock, struct rt_held *out)
{
	int n = RT_LOAD(&o->nheld);
	for (int k = 0; k < n && k < RT_MAX_HELD; k++) {
		const void *l = RT_LOAD(&o->held[k].lock);
		if ((lock ? l == lock : l != NULL) &&
		    !(RT_LOAD(&o->held[k].flags) & (HF_WAITING | HF_GONE))) {
			*out = o->held[k];
			return 1;
		}
	}
	return 0;
}

struct rt_thread *rt_find_holder(const struct rt_thread *t, const void *lock, struct rt_held *out)
{
	int high = RT_LOAD(&rt_threads_high);
	for (int s = 0; s < high; s++) {
		struct rt_thread *o = &rt_threads[s];
		if (o != t && RT_LOAD(&o->used) && rt_holds(o, lock, out))
			return o;
	}
	return NULL;
}

static int misuse_fresh(int rule, uint32_t cls, void *pc)
{
	int fresh = 0;
	rt_table_get(&misuses, (uint64_t)rule << 32 | cls, (uintptr_t)pc, 0, 1, NULL, NULL, &fresh);
	return fresh;
}

void rt_misuse(struct rt_thread *t, int rule, void *lock, int kind, uint32_t cls, void *pc,
               uint32_t other_stack, uint32_t other_thread)
{
	if (!cls)
		cls = rt_class_of(lock, kind, pc);
	if (!misuse_fresh(rule, cls, pc))
		return;
	struct rt_misuse m;
	memset(&m, 0, sizeof m);
	m.rule = (uint16_t)rule;
	m.kind = (uint16_t)kind;
	m.thread = t->seq;
	m.cls = cls;
	m.stack = rule == RTR_LOCK_LEAK ? rt_site(pc) : rt_stack_now();
	m.other_stack = other_stack;
	m.other_thread = other_thread;
	m.addr = (uintptr_t)lock;
	rt_log_write(&m, rt_rec_finish(&m, RT_MISUSE, sizeof m));
}

/* Misuse by a lock another thread holds (or nobody does): who, and where they took it. */
static void misuse_other(struct rt_thread *t, int rule, void *lock, int kind, void *pc)
{
	struct rt_held other = {0};
	struct rt_thread *o = rt_find_holder(t, lock, &other);
	rt_misuse(t, rule, lock, kind, 0, pc, o ? other.site : 0, o ? o->seq : 0);
	if (o && rule == RTR_UNLOCK_NOT_OWNER)
		rt_mark_gone(o, lock);
}

/* The lock was released for its holder: the holder no longer counts it as held (no
 * edges from it, no lock-leak when it ends). */
void rt_mark_gone(struct rt_thread *o, const void *lock)
{
	int n = RT_LOAD(&o->nheld);
	for (int k = 0; k < n && k < RT_MAX_HELD; k++)
		if (RT_LOAD(&o->held[k].lock) == lock)
			__atomic_or_fetch(&o->held[k].flags, HF_GONE, __ATOMIC_RELAXED);
}

void rt_released(struct rt_thread *t, void *lock, int kind, void *pc)
{
	int i = rt_held_index(t, lock);
	if (RT_LIKELY(i >= 0)) {
		if (--t->held[i].count == 0)
			held_remove(t, i);
		return;
	}
	if (t->overflow) {       /* deeper than we track: trust the program */
		t->overflow--;
		return;
	}
	pid_t owner;
	int busy = rt_lock_busy(lock, kind, &owner);
	if (busy && kind == RTK_MUTEX && owner == t->tid)
		return;              /* taken where we could not see it (inside the runtime) */
	misuse_other(t, busy ? RTR_UNLOCK_NOT_OWNER : RTR_UNLOCK_NOT_HELD, lock, kind, pc);
}

void rt_destroying(struct rt_thread *t, void *lock, int kind, void *pc)
{
	int i = rt_held_index(t, lock);
	pid_t owner;
	if (i >= 0) {
		rt_misuse(t, RTR_DESTROY_LOCKED, lock, kind, t->held[i].cls, pc, t->held[i].site, t->seq);
		held_remove(t, i);
	} else if (rt_lock_busy(lock, kind, &owner)) {
		misuse_other(t, RTR_DESTROY_LOCKED, lock, kind, pc);
	}
	rt_class_forget(lock);
}

int rt_wait_begin(struct rt_thread *t, void *mutex, void *pc)
{
	int i = rt_held_index(t, mutex);
	if (i >= 0) {
		rt_clock_unlocking(t, mutex);   /* the wait gives the mutex up */
		__atomic_or_fetch(&t->held[i].flags, HF_WAITING, __ATOMIC_RELAXED);
		return i;
	}
	pid_t owner;
	int busy = rt_lock_busy(mutex, RTK_MUTEX, &owner);
	if (!(busy && owner == t->tid) && !t->overflow)
		rt_misuse(t, RTR_COND_WAIT_UNHELD, mutex, RTK_MUTEX, 0, pc, 0, 0);
	return -1;
}

/* The wait re-took the mutex while the locks above it stayed held: those are edges. */
void rt_wait_end(struct rt_thread *t, int i)
{
	if (i < 0 || i >= t->nheld || !(t->held[i].flags & HF_WAITING))
		return;
	__atomic_and_fetch(&t->held[i].flags, (uint16_t)~HF_WAITING, __ATOMIC_RELAXED);
	struct rt_held m = t->held[i];
	rt_clock_locked(t, m.lock);
	struct rt_edges_out out;
	out.stack = out.len = 0;
	for (int k = i + 1; k < t->nheld; k++)
		rt_note_edge(t, k, m.cls, m.lock, 0, &out);
	rt_edges_flush(&out);
}
