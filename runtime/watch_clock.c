/* watch_clock.c — vector clocks, so that two watched accesses ordered by the program's
 * synchronisation are not taken for a race: a thread's clock passes to the threads it
 * creates, to the thread that joins it, and through semaphores (post -> wait),
 * conditions (signal/broadcast -> wait returning), barriers (arrive -> leave) and locks
 * (an unlock -> the next lock of that lock, a read unlock excepted: readers never order
 * each other, so a write made under a read lock still races). Lock order is what makes
 * an object handed over through a locked pointer or queue (filled by one thread, used by
 * the next, neither holding the lock while touching it) ordered, as it is; two critical
 * sections under different locks stay unordered unless the run ordered them, as under
 * ThreadSanitizer.
 *
 * Clocks have RT_VC_N entries, a thread's at seq % RT_VC_N; two threads sharing an entry
 * can only make accesses look ordered, never unordered (a missed race, never a false
 * one). Only kept while watching.
 *
 * Synchronisation is far more frequent than watched accesses, so the work is lazy: a
 * thread's epoch moves at its first recorded access after a release (accesses carry the
 * epoch, and only they need telling apart), a release publishes nothing when the thread's
 * clock has not changed since it last published to that object, and an acquisition
 * learns nothing when the object's clock has not changed since the thread last learned
 * it. A producer and a consumer exchanging items through one condition then touch no
 * shared clock memory once their clocks have settled.
 */
#include <string.h>

#include "watch.h"

#define DONE_SLOTS 1024        /* clocks of ended threads, by seq % DONE_SLOTS */
#define OBJ_LOG2 12            /* clocks of semaphores, conditions, barriers */

/* Two rows, as a thread's clock has (watch.h): c by every synchronisation but locks, l
 * by every synchronisation. A lock's clock only ever fills l. */
struct rt_obj_clock {
	uint32_t c[RT_VC_N], l[RT_VC_N];
	uint32_t version;              /* bumped (release) after c or l changed */
};

/* Which rows an operation moves: a lock orders only the row that counts locks. */
enum rows { ALL_ROWS, LOCK_ROW };

static struct rt_vc *thread_vc;      /* by registry slot */
/* Entries in use: past the highest thread seq seen (at most RT_VC_N), every clock's
 * entries are 0, so merges and lessons stop there (a program of five threads compares
 * five entries, not 32, at each lock it hands over). */
static uint32_t width;
static struct rt_obj_clock *done;
static struct rt_table objects;
static struct rt_obj_clock *object_clock;

void rt_vc_init(void)
{
	thread_vc = rt_map((size_t)RT_MAX_THREADS * sizeof *thread_vc);
	done = rt_map((size_t)DONE_SLOTS * sizeof *done);
	if (rt_table_init(&objects, OBJ_LOG2) == 0)
		object_clock = rt_map(((size_t)1 << OBJ_LOG2) * sizeof *object_clock);
}

static int on(void)
{
	return __atomic_load_n(&rt_watch_on, __ATOMIC_ACQUIRE) && thread_vc;
}

struct rt_vc *rt_vc_of(const struct rt_thread *t)
{
	static struct rt_vc none;
	return thread_vc ? &thread_vc[t - rt_threads] : &none;
}

static void atomic_max(uint32_t *p, uint32_t v)
{
	uint32_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (old < v && !__atomic_compare_exchange_n(p, &old, v, 1, __ATOMIC_RELEASE,
	                                               __ATOMIC_RELAXED))
		;
}

static uint32_t entries(void)
{
	return __atomic_load_n(&width, __ATOMIC_ACQUIRE);
}

static void widen(uint32_t seq)
{
	atomic_max(&width, seq + 1 < RT_VC_N ? seq + 1 : RT_VC_N);
}

static int merge_row(uint32_t *to, const uint32_t *from)
{
	int changed = 0;
	for (uint32_t i = 0, n = entries(); i < n; i++)
		if (from[i] > __atomic_load_n(&to[i], __ATOMIC_RELAXED)) {
			atomic_max(&to[i], from[i]);
			changed = 1;
		}
	return changed;
}

static void merge_into(struct rt_obj_clock *to, const struct rt_vc *v, enum rows rows)
{
	int changed = merge_row(to->l, v->cl);
	if (rows == ALL_ROWS)
		changed |= merge_row(to->c, v->c);
	if (changed)
		__atomic_add_fetch(&to->version, 1, __ATOMIC_RELEASE);
}

static void learn_row(struct rt_vc *v, uint32_t *to, const uint32_t *from)
{
	for (uint32_t i = 0, n = entries(); i < n; i++) {
		uint32_t x = __atomic_load_n(&from[i], __ATOMIC_ACQUIRE);
		if (x > to[i]) {
			to[i] = x;
			v->gen++;
		}
	}
}

static void learn(struct rt_vc *v, const struct rt_obj_clock *from, enum rows rows)
{
	learn_row(v, v->cl, from->l);
	if (rows == ALL_ROWS)
		learn_row(v, v->c, from->c);
}

/* The thread's later accesses are not covered by what it published before. */
static void advance(struct rt_vc *v, uint32_t seq)
{
	v->epoch++;
	if (v->c[seq % RT_VC_N] < v->epoch)
		v->c[seq % RT_VC_N] = v->epoch;
	if (v->cl[seq % RT_VC_N] < v->epoch)
		v->cl[seq % RT_VC_N] = v->epoch;
	v->gen++;
	v->released = 0;
}

static unsigned cache_slot(const void *obj)
{
	return (unsigned)(((uintptr_t)obj * 0x9E3779B97F4A7C15ull) >> 61) % RT_VC_CACHE;
}

void rt_vc_access(struct rt_thread *t)
{
	struct rt_vc *v = rt_vc_of(t);
	if (v->released)
		advance(v, t->seq);
}

void rt_vc_thread_start(struct rt_thread *t)
{
	if (!on())
		return;
	struct rt_vc *v = rt_vc_of(t);
	memset(v, 0, sizeof *v);
	widen(t->seq);
	advance(v, t->seq);
}

void rt_vc_created(struct rt_thread *parent, struct rt_thread *child)
{
	if (!on())
		return;
	struct rt_vc *p = rt_vc_of(parent), *c = rt_vc_of(child);
	memset(c, 0, sizeof *c);
	memcpy(c->c, p->c, sizeof c->c);
	memcpy(c->cl, p->cl, sizeof c->cl);
	widen(child->seq);
	advance(c, child->seq);
	p->released = 1;
}

void rt_vc_ended(struct rt_thread *t)
{
	if (!on())
		return;
	merge_into(&done[t->seq % DONE_SLOTS], rt_vc_of(t), ALL_ROWS);
}

void rt_vc_joined(struct rt_thread *t, uint32_t seq)
{
	if (on())
		learn(rt_vc_of(t), &done[seq % DONE_SLOTS], ALL_ROWS);
}

/* An object's clock. When the table is full, objects share one clock: that can only
 * order more. */
static struct rt_obj_clock *clock_of(const void *obj)
{
	static struct rt_obj_clock shared;
	if (!object_clock)
		return &shared;
	uint32_t id = rt_table_get(&objects, (uintptr_t)obj, 0, 0, 1, NULL, NULL, NULL);
	return id ? &object_clock[id] : &shared;
}

static void publish(struct rt_vc *v, const void *obj, enum rows rows)
{
	unsigned k = cache_slot(obj);
	v->released = 1;
	if (v->pub_obj[k] == obj && v->pub_gen[k] == v->gen)
		return;              /* published already, and nothing new since */
	merge_into(clock_of(obj), v, rows);
	v->pub_obj[k] = obj;
	v->pub_gen[k] = v->gen;
}

void rt_vc_release(struct rt_thread *t, const void *obj)
{
	if (on())
		publish(rt_vc_of(t), obj, ALL_ROWS);
}

/* What the thread learns from obj's clock: nothing when it learned this version already
 * (the cache also keeps the clock's place, so a lock taken again costs no lookup). */
static void learn_from(struct rt_vc *v, const void *obj, enum rows rows)
{
	unsigned k = cache_slot(obj);
	int cached = v->got_obj[k] == obj;
	struct rt_obj_clock *c = cached ? v->got_clock[k] : clock_of(obj);
	uint32_t version = __atomic_load_n(&c->version, __ATOMIC_ACQUIRE);
	if (cached && v->got_version[k] == version)
		return;              /* learned already */
	learn(v, c, rows);
	v->got_obj[k] = obj;
	v->got_clock[k] = c;
	v->got_version[k] = version;
}

void rt_vc_acquire(struct rt_thread *t, const void *obj)
{
	if (!on())
		return;
	rt_watch_refresh();      /* woken: a block handed over may have moved a heap word */
	rt_watch_woke();
	learn_from(rt_vc_of(t), obj, ALL_ROWS);
}

/* The lock wrappers call these from their fast paths, outside the runtime's guard: the
 * guard is set so that a trap taken meanwhile (a program's signal handler touching a
 * watched word) records nothing while the clock is half updated. */
void rt_vc_lock_acquired(struct rt_thread *t, const void *lock)
{
	if (!on())
		return;
	int guard = rt_tls.guard;
	rt_tls.guard = 1;
	learn_from(rt_vc_of(t), lock, LOCK_ROW);
	rt_tls.guard = guard;
}

void rt_vc_lock_releasing(struct rt_thread *t, const void *lock)
{
	if (!on())
		return;
	int i = rt_held_index(t, lock);
	if (i >= 0 && (t->held[i].flags & HF_SHARED))
		return;
	int guard = rt_tls.guard;
	rt_tls.guard = 1;
	publish(rt_vc_of(t), lock, LOCK_ROW);
	rt_tls.guard = guard;
}
