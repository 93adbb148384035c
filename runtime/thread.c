/* thread.c — the registry of live threads (their held locks are what deadlock and fork
 * checks read), thread numbers, and what happens when a thread ends: every lock it still
 * holds is a lock-leak. Slots live in one mmap'd array and are reused. */
#include <string.h>
#include <sys/syscall.h>

#include "rt.h"
#include "watch.h"

RT_TLS __thread struct rt_tls rt_tls;
struct rt_thread *rt_threads;
int rt_threads_high;
int rt_max_threads = RT_MAX_THREADS;
static uint32_t thread_seqs;
static int claim_hint;
static int alive;                    /* slots in use */
static uint64_t unwatched;           /* threads created while the registry was full */
static struct rt_table handles;      /* pthread_t -> slot of handle_seq */
static uint32_t *handle_seq;

void rt_threads_init(void)
{
	rt_threads = rt_map((size_t)RT_MAX_THREADS * sizeof *rt_threads);
	if (rt_table_init(&handles, 16) == 0)
		handle_seq = rt_map(((size_t)1 << 16) * sizeof *handle_seq);
}

static int power_of_two(uint64_t n)
{
	return (n & (n - 1)) == 0;
}

void rt_threads_at_exit(void)
{
	uint64_t n = __atomic_load_n(&unwatched, __ATOMIC_RELAXED);
	if (n && !power_of_two(n))   /* the exact count, past the last power of two written */
		rt_write_limit(RTL_THREADS, (uint32_t)rt_max_threads, n);
}

void rt_thread_refused(void)
{
	uint64_t n = __atomic_add_fetch(&unwatched, 1, __ATOMIC_RELAXED);
	if (power_of_two(n))
		rt_write_limit(RTL_THREADS, (uint32_t)rt_max_threads, n);
}

struct rt_thread *rt_thread_claim(void)
{
	if (!rt_threads)
		return NULL;
	int now = __atomic_add_fetch(&alive, 1, __ATOMIC_RELAXED);
	if (now > rt_max_threads) {
		__atomic_sub_fetch(&alive, 1, __ATOMIC_RELAXED);
		return NULL;          /* full: O(1), a thread bomb costs nothing more */
	}
	if (now >= 1024 && power_of_two((uint64_t)now))
		rt_write_limit(RTL_THREADS_ALIVE, (uint32_t)rt_max_threads, (uint64_t)now);
	int hint = RT_LOAD(&claim_hint);
	for (int n = 0; n < RT_MAX_THREADS; n++) {
		int i = (hint + n) % RT_MAX_THREADS;
		struct rt_thread *s = &rt_threads[i];
		int free_slot = 0;
		if (RT_LOAD(&s->used) || !__atomic_compare_exchange_n(&s->used, &free_slot, 1, 0,
		                                                      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		RT_STORE(&s->nheld, 0);
		s->overflow = 0;
		RT_STORE(&s->waiting_on, NULL);
		RT_STORE(&s->slice_gap, 0);
		s->start = NULL;
		s->c11_start = NULL;
		s->keyed = 0;
		s->tid = 0;
		memset(s->ecache, 0, sizeof s->ecache);   /* "settled" was the old thread's */
		s->seq = __atomic_add_fetch(&thread_seqs, 1, __ATOMIC_RELAXED);
		int high = RT_LOAD(&rt_threads_high);
		while (high < i + 1 &&
		       !__atomic_compare_exchange_n(&rt_threads_high, &high, i + 1, 0, __ATOMIC_RELEASE,
		                                    __ATOMIC_RELAXED))
			;
		RT_STORE(&claim_hint, i + 1);
		return s;
	}
	__atomic_sub_fetch(&alive, 1, __ATOMIC_RELAXED);
	return NULL;
}

void rt_thread_release(struct rt_thread *t)
{
	RT_STORE(&t->nheld, 0);
	RT_STORE(&t->waiting_on, NULL);
	__atomic_store_n(&t->used, 0, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&alive, 1, __ATOMIC_RELAXED);
}

void rt_thread_end(struct rt_thread *t)
{
	if (rt_tls.self != t)
		return;          /* ended already (pthread_exit, then the cleanup handler) */
	int guard = rt_tls.guard;
	rt_tls.guard = 1;
	rt_watch_thread_end(t);
	rt_vc_ended(t);
	for (int i = 0; i < t->nheld; i++) {
		const struct rt_held *h = &t->held[i];
		if (RT_LOAD(&h->flags) & HF_GONE)
			continue;
		rt_misuse(t, RTR_LOCK_LEAK, h->lock, h->kind, h->cls, h->pc, h->site, t->seq);
	}
	/* A thread still running when the process exits is not leaked; one that ended and
	 * was never joined is: ingestion tells them apart by this record. */
	rt_write_join(RT_THREAD_END, t->seq, t->seq);
	rt_tls.self = NULL;
	rt_tls.unwatched = 1;
	rt_thread_release(t);
	rt_tls.guard = guard;
}

static void set_seq(uint32_t id, void *ctx)
{
	handle_seq[id] = *(uint32_t *)ctx;
}

void rt_thread_map(pthread_t th, uint32_t seq)
{
	if (!handle_seq)
		return;
	int fresh;
	uint32_t id = rt_table_get(&handles, (uint64_t)th, 0, 0, 1, set_seq, &seq, &fresh);
	if (id && !fresh)   /* a handle reused after its thread was joined or detached */
		__atomic_store_n(&handle_seq[id], seq, __ATOMIC_RELAXED);
}

uint32_t rt_thread_seq_of(pthread_t th)
{
	if (!handle_seq)
		return 0;
	uint32_t id = rt_table_get(&handles, (uint64_t)th, 0, 0, 0, NULL, NULL, NULL);
	return id ? __atomic_load_n(&handle_seq[id], __ATOMIC_RELAXED) : 0;
}

void rt_write_thread(uint32_t seq, uint32_t parent, uint32_t stack, uint32_t flags, void *start)
{
	struct rt_thread_rec r;
	memset(&r, 0, sizeof r);
	r.seq = seq;
	r.parent = parent;
	r.stack = stack;
	r.flags = flags;
	r.start = (uintptr_t)start;
	rt_log_write(&r, rt_rec_finish(&r, RT_THREAD, sizeof r));
}

void rt_write_join(int type, uint32_t seq, uint32_t by)
{
	struct rt_join j;
	memset(&j, 0, sizeof j);
	j.seq = seq;
	j.by = by;
	rt_log_write(&j, rt_rec_finish(&j, (uint32_t)type, sizeof j));
}

/* In a fork child only the forking thread exists. What it held stays held, except a
 * process-shared lock: that one is still the parent's, and the child's own lock of it
 * waits for the parent. */
void rt_threads_after_fork(struct rt_thread *self)
{
	int high = RT_LOAD(&rt_threads_high);
	for (int i = 0; i < high; i++)
		if (&rt_threads[i] != self && RT_LOAD(&rt_threads[i].used))
			rt_thread_release(&rt_threads[i]);
	self->tid = (pid_t)syscall(SYS_gettid);
	int n = 0;
	for (int i = 0; i < self->nheld; i++)
		if (!rt_lock_shared(self->held[i].lock, self->held[i].kind))
			self->held[n++] = self->held[i];
	RT_STORE(&self->nheld, n);
}
