/* watch_clock.c — vector clocks, so that two watched accesses ordered by the program's
 * synchronisation are not taken for a race: a thread's clock passes to the threads it
 * creates, to the thread that joins it, and through semaphores (post -> wait),
 * conditions (signal/broadcast -> wait returning) and barriers (arrive -> leave). Plain
 * lock and unlock never order anything here: whether two accesses share a lock is the
 * lockset's question, so a race between two critical sections that happened to run one
 * after the other is still seen.
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

struct clock {
	uint32_t c[RT_VC_N];
	uint32_t version;              /* bumped (release) after c changed */
};

static struct rt_vc *thread_vc;      /* by registry slot */
static struct clock *done;
static struct rt_table objects;
static struct clock *object_clock;

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

static void merge_into(struct clock *to, const uint32_t *from)
{
	int changed = 0;
	for (int i = 0; i < RT_VC_N; i++)
		if (from[i] > __atomic_load_n(&to->c[i], __ATOMIC_RELAXED)) {
			atomic_max(&to->c[i], from[i]);
			changed = 1;
		}
	if (changed)
		__atomic_add_fetch(&to->version, 1, __ATOMIC_RELEASE);
}

static void learn(struct rt_vc *v, const struct clock *from)
{
	for (int i = 0; i < RT_VC_N; i++) {
		uint32_t x = __atomic_load_n(&from->c[i], __ATOMIC_ACQUIRE);
		if (x > v->c[i]) {
			v->c[i] = x;
			v->gen++;
		}
	}
}

/* The thread's later accesses are not covered by what it published before. */
static void advance(struct rt_vc *v, uint32_t seq)
{
	v->epoch++;
	if (v->c[seq % RT_VC_N] < v->epoch)
		v->c[seq % RT_VC_N] = v->epoch;
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
	advance(v, t->seq);
}

void rt_vc_created(struct rt_thread *parent, struct rt_thread *child)
{
	if (!on())
		return;
	struct rt_vc *p = rt_vc_of(parent), *c = rt_vc_of(child);
	memset(c, 0, sizeof *c);
	memcpy(c->c, p->c, sizeof c->c);
	advance(c, child->seq);
	p->released = 1;
}

void rt_vc_ended(struct rt_thread *t)
{
	if (!on())
		return;
	merge_into(&done[t->seq % DONE_SLOTS], rt_vc_of(t)->c);
}

void rt_vc_joined(struct rt_thread *t, uint32_t seq)
{
	if (on())
		learn(rt_vc_of(t), &done[seq % DONE_SLOTS]);
}

/* An object's clock. When the table is full, objects share one clock: that can only
 * order more. */
static struct clock *clock_of(const void *obj)
{
	static struct clock shared;
	if (!object_clock)
		return &shared;
	uint32_t id = rt_table_get(&objects, (uintptr_t)obj, 0, 0, 1, NULL, NULL, NULL);
	return id ? &object_clock[id] : &shared;
}

void rt_vc_release(struct rt_thread *t, const void *obj)
{
	if (!on())
		return;
	struct rt_vc *v = rt_vc_of(t);
	unsigned k = cache_slot(obj);
	v->released = 1;
	if (v->pub_obj[k] == obj && v->pub_gen[k] == v->gen)
		return;              /* published already, and nothing new since */
	merge_into(clock_of(obj), v->c);
	v->pub_obj[k] = obj;
	v->pub_gen[k] = v->gen;
}

void rt_vc_acquire(struct rt_thread *t, const void *obj)
{
	if (!on())
		return;
	rt_watch_refresh();      /* woken: a block handed over may have moved a heap word */
	rt_watch_woke();
	struct rt_vc *v = rt_vc_of(t);
	struct clock *c = clock_of(obj);
	unsigned k = cache_slot(obj);
	uint32_t version = __atomic_load_n(&c->version, __ATOMIC_ACQUIRE);
	if (v->got_obj[k] == obj && v->got_version[k] == version)
		return;              /* learned already */
	learn(v, c);
	v->got_obj[k] = obj;
	v->got_version[k] = version;
}
