/* rt.h — what the files of libtsafe-rt.so share: the real functions, per-thread state,
 * the lock-free tables, and the record writer.
 *
 * Rules every file follows, because this code runs inside someone else's program:
 *  - no malloc, stdio or locks of our own on an interposed path: memory comes from mmap'd
 *    arenas sized at start-up, shared state is atomics, output is write();
 *  - every wrapper enters through rt_enter(), which returns NULL when the thread is already
 *    inside the runtime (the unwinder and libc take locks too): the wrapper then forwards
 *    straight to the real function;
 *  - errno is preserved across our own system calls.
 */
#ifndef TSAFE_RT_H
#define TSAFE_RT_H

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "rtformat.h"

#define RT_TLS __attribute__((tls_model("initial-exec")))
#define RT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RT_LIKELY(x) __builtin_expect(!!(x), 1)
#define RT_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define RT_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#if defined(__x86_64__) || defined(__i386__)
#define RT_PAUSE() __builtin_ia32_pause()
#else
#define RT_PAUSE() __asm__ __volatile__("" ::: "memory")
#endif

/* ---- the real functions (init.c) ---------------------------------------------------- */

struct rt_real {
	int (*mutex_init)(pthread_mutex_t *, const pthread_mutexattr_t *);
	int (*mutex_lock)(pthread_mutex_t *);
	int (*mutex_trylock)(pthread_mutex_t *);
	int (*mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
	int (*mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
	int (*mutex_unlock)(pthread_mutex_t *);
	int (*mutex_destroy)(pthread_mutex_t *);
	int (*rwlock_init)(pthread_rwlock_t *, const pthread_rwlockattr_t *);
	int (*rwlock_rdlock)(pthread_rwlock_t *);
	int (*rwlock_tryrdlock)(pthread_rwlock_t *);
	int (*rwlock_timedrdlock)(pthread_rwlock_t *, const struct timespec *);
	int (*rwlock_clockrdlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
	int (*rwlock_wrlock)(pthread_rwlock_t *);
	int (*rwlock_trywrlock)(pthread_rwlock_t *);
	int (*rwlock_timedwrlock)(pthread_rwlock_t *, const struct timespec *);
	int (*rwlock_clockwrlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
	int (*rwlock_unlock)(pthread_rwlock_t *);
	int (*rwlock_destroy)(pthread_rwlock_t *);
	int (*spin_init)(pthread_spinlock_t *, int);
	int (*spin_lock)(pthread_spinlock_t *);
	int (*spin_trylock)(pthread_spinlock_t *);
	int (*spin_unlock)(pthread_spinlock_t *);
	int (*spin_destroy)(pthread_spinlock_t *);
	int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
	int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
	int (*cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *);
	int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	int (*join)(pthread_t, void **);
	int (*tryjoin_np)(pthread_t, void **);
	int (*timedjoin_np)(pthread_t, void **, const struct timespec *);
	int (*clockjoin_np)(pthread_t, void **, clockid_t, const struct timespec *);
	int (*detach)(pthread_t);
	pid_t (*fork)(void);
	int (*mtx_init)(mtx_t *, int);
	int (*mtx_lock)(mtx_t *);
	int (*mtx_trylock)(mtx_t *);
	int (*mtx_timedlock)(mtx_t *restrict, const struct timespec *restrict);
	int (*mtx_unlock)(mtx_t *);
	void (*mtx_destroy)(mtx_t *);
	int (*cnd_wait)(cnd_t *, mtx_t *);
	int (*cnd_timedwait)(cnd_t *restrict, mtx_t *restrict, const struct timespec *restrict);
	int (*thrd_create)(thrd_t *, thrd_start_t, void *);
	int (*thrd_detach)(thrd_t);
	int (*sem_init)(sem_t *, int, unsigned);
	int (*sem_destroy)(sem_t *);
	int (*sem_wait)(sem_t *);
	int (*sem_trywait)(sem_t *);
	int (*sem_timedwait)(sem_t *restrict, const struct timespec *restrict);
	int (*sem_clockwait)(sem_t *restrict, clockid_t, const struct timespec *restrict);
	int (*sem_close)(sem_t *);
	int (*sem_getvalue)(sem_t *restrict, int *restrict);
	int (*barrier_init)(pthread_barrier_t *restrict, const pthread_barrierattr_t *restrict,
	                    unsigned);
	int (*barrier_wait)(pthread_barrier_t *);
	int (*barrier_destroy)(pthread_barrier_t *);
};
extern struct rt_real rt_real;
extern int rt_resolved;
void rt_resolve(void);
/* The next definition of a function the runtime wraps outside rt_real, looked up the first
 * time it is needed (version preferred when given). Each slot is published on its own, so
 * a thread never calls through a slot another thread has not filled yet. */
void *rt_next(void **slot, const char *name, const char *version);
#define RT_NEXT(var, name, version) ((__typeof__(var))rt_next((void **)&(var), name, version))
static inline void rt_need_real(void)
{
	if (RT_UNLIKELY(!__atomic_load_n(&rt_resolved, __ATOMIC_ACQUIRE)))
		rt_resolve();
}

/* Settings read from the environment at start-up. */
extern long rt_deadlock_ms;      /* TSAFE_RT_DEADLOCK_MS: blocked this long = check; 0 off */

/* ---- threads (thread.c) -------------------------------------------------------------- */

#define RT_MAX_HELD 64
extern int rt_max_threads;        /* TSAFE_RT_MAX_THREADS: threads watched at once, at most */

enum held_flags {
	HF_TRY = 1,        /* acquired by trylock/timedlock: its edges prove no deadlock */
	HF_SHARED = 2,     /* read mode of a rwlock */
	HF_WAITING = 4,    /* released inside a condition wait */
	HF_GONE = 8,       /* released by another thread (unlock-not-owner): not held any more */
};

struct rt_held {
	void *lock;
	void *pc;          /* where it was acquired */
	uint32_t cls;
	uint32_t site;     /* stack of the first acquisition at pc */
	uint32_t count;    /* recursive acquisitions */
	uint16_t kind, flags;
};

/* The thread caches are two-way: two hot locks (or edges) whose hashes meet share a set
 * instead of evicting each other at every acquisition, which sent a whole thread down the
 * slow path in about one run in six of a benchmark with three locks per thread. */
#define RT_CACHE_SETS_LOG2 6
#define RT_CACHE (2 << RT_CACHE_SETS_LOG2)

/* The thread's memory of what it already looked up in the shared tables: the held entry
 * an acquisition of lock at pc pushes (count 1, no flags), copied whole. */
struct rt_lock_cache {
	struct rt_held tmpl;
	const void *after;          /* the one lock held when the edges were last known */
	uint32_t gen;               /* rt_bind_gen when filled */
};

struct rt_edge_cache {
	uint64_t key;               /* from << 32 | to: an edge that needs nothing more from us */
};

/* Cache-line aligned: a thread's hot fields (nheld, its stack, its caches) never share a
 * line with its neighbour's. */
struct __attribute__((aligned(64))) rt_thread {
	int used;                   /* slot taken (atomic) */
	uint32_t seq;               /* thread number in this process, from 1 */
	pid_t tid;
	int nheld;                  /* read by other threads: atomic */
	int overflow;               /* acquisitions beyond RT_MAX_HELD, not tracked */
	struct rt_held held[RT_MAX_HELD];
	/* Blocked in a lock wait, or waiting on a semaphore, barrier or condition (wait_kind
	 * says which): read by other threads' deadlock and destroy checks. */
	void *waiting_on;
	uint32_t joining;           /* blocked joining the thread of this number */
	uint32_t waiting_cls, wait_seq, wait_stack;
	uint16_t wait_kind;         /* RTK_* of waiting_on */
	uint16_t wait_flags;        /* RT_WAIT_* */
	void *wait_pc;
	int slice_me;               /* futex word: set to wake an untimed wait into slices */
	int slice_gap;              /* between two slices of a wait in slices: the last one
	                               timed out, the next is to come (asleep.c) */
	/* Set by the creator, read by the trampoline. */
	void *(*start)(void *);
	int (*c11_start)(void *);
	void *arg;
	int keyed;                  /* attached lazily: released by the key destructor */
	struct rt_lock_cache lcache[RT_CACHE];
	struct rt_edge_cache ecache[RT_CACHE];
};

/* The thread's state and its "inside the runtime" guard, one TLS block. */
struct rt_tls {
	struct rt_thread *self;
	int guard;
	int unwatched;              /* found the registry full, or ended its registration (its
	                               exit's destructors may still lock): never registered
	                               (again) */
};
extern RT_TLS __thread struct rt_tls rt_tls;
extern struct rt_thread *rt_threads;
extern int rt_threads_high;        /* slots [0, high) may be in use */

struct rt_thread *rt_attach(void);     /* the calling thread's state, registering it */
int rt_running(void);
void rt_after_fork(struct rt_thread *self, const char *parent_log, uint64_t parent_offset);
/* A registry slot (counted alive), or NULL when rt_max_threads are alive. */
struct rt_thread *rt_thread_claim(void);
/* A thread created while the registry was full runs unwatched: counted in the log. */
void rt_thread_refused(void);
void rt_threads_at_exit(void);             /* the final count of those */
void rt_thread_release(struct rt_thread *t);
void rt_thread_end(struct rt_thread *t);   /* lock-leak check, then release */
uint32_t rt_thread_seq_of(pthread_t th);   /* 0 when not created under the runtime */
void rt_thread_map(pthread_t th, uint32_t seq);
void rt_threads_after_fork(struct rt_thread *self);
void rt_threads_init(void);
void rt_write_thread(uint32_t seq, uint32_t parent, uint32_t stack, uint32_t flags, void *start);
void rt_write_join(int type, uint32_t seq, uint32_t by);   /* RT_JOIN or RT_DETACH */

/* Enter the runtime from a wrapper: NULL means "forward to the real function". */
static inline struct rt_thread *rt_enter(void)
{
	if (RT_UNLIKELY(rt_tls.guard))
		return NULL;           /* only ever set after rt_attach resolved rt_real */
	struct rt_thread *t = rt_tls.self;
	if (RT_UNLIKELY(!t) && !(t = rt_attach()))
		return NULL;
	rt_tls.guard = 1;
	return t;
}

static inline void rt_leave(void)
{
	rt_tls.guard = 0;
}

enum rt_wait_flags {
	RT_WAIT_TIMED = 1,          /* the program's own deadline ends it: never stuck */
	RT_WAIT_SHARED = 2,         /* process-shared: another process may release it */
	RT_WAIT_UNTIMED = 4,        /* a mutex's wait without a timer, which can be woken to
	                               wait in slices (lockwait.c) */
};

/* ---- lock-free tables (table.c) ------------------------------------------------------ */

struct rt_slot {
	uint64_t k0, k1, k2;
	uint32_t state;             /* 0 empty, 1 being filled, 2 ready */
	uint32_t id;
};

struct rt_table {
	struct rt_slot *slot;
	uint64_t mask;
	uint32_t next_id, limit;
};

/* Maps memory for 2^log2 slots (untouched pages cost nothing). 0 or -1. */
int rt_table_init(struct rt_table *t, int log2);
/* The id (from 1) of the key. When absent and insert is set, a new id is made, init(id,
 * ctx) is called before other threads can see it, and *fresh set. 0 when absent and not
 * inserted, or when the table is full. */
uint32_t rt_table_get(struct rt_table *t, uint64_t k0, uint64_t k1, uint64_t k2, int insert,
                      void (*init)(uint32_t id, void *ctx), void *ctx, int *fresh);
/* Maps zeroed memory that is never returned (NULL on failure). */
void *rt_map(size_t bytes);

/* ---- output (log.c) ------------------------------------------------------------------ */

/* The log directory (TSAFE_RT_OUT), made absolute against the current directory. 0 or -1. */
int rt_log_dir(const char *dir);
/* A new log file in that directory: at start-up, and in a fork child. 0 or -1. */
int rt_log_open(uint32_t flags, const char *parent, uint64_t parent_offset);
void rt_log_write(const void *rec, size_t len);
uint64_t rt_log_size(void);
/* One of the runtime's bounds reached (RTL_*): what the report says about it. */
void rt_write_limit(uint32_t what, uint32_t limit, uint64_t count);
const char *rt_log_name(void);
/* Records are built in a buffer of this size on the stack. */
#define RT_REC_MAX 1024
/* Sets the header and rounds the length up to 8. */
size_t rt_rec_finish(void *rec, uint32_t type, size_t len);
void rt_say(const char *msg);       /* one line on stderr, "tsafe-rt: " + msg */

/* ---- stacks and modules (stack.c) ---------------------------------------------------- */

void rt_sites_init(void);
void rt_modules_scan(void);           /* records modules not seen before */
void rt_modules_rewrite(void);        /* records every module again (a new file) */
int rt_in_data(const void *addr);     /* in some module's writable data or bss */
uint32_t rt_stack_id(void);           /* a fresh id */
void rt_stack_write(uint32_t id);     /* captures the calling stack (minus the runtime) */
/* The same from the frame whose pc is `from` (a signal handler's interrupted code). */
void rt_stack_write_from(uint32_t id, uint64_t from);
uint32_t rt_stack_now(void);          /* rt_stack_id + rt_stack_write */
uint32_t rt_site(void *pc);           /* the stack of the first call seen at pc */

/* ---- locks (classes.c, lockcore.c, block.c) ------------------------------------------ */

void rt_class_tables_init(void);
void rt_edge_tables_init(void);
void rt_misuse_tables_init(void);
/* What the edges of one acquisition share: its stack, captured by the first new edge that
 * needs it (0: not yet), and their records, written together by rt_edges_flush (before
 * the real lock). N held locks cost one stack and one write, not N of each. */
struct rt_edges_out {
	uint32_t stack;
	uint32_t len;
	unsigned char buf[2048];
};
/* An edge from held[i] to the lock being acquired (class `to`). */
void rt_note_edge(struct rt_thread *t, int i, uint32_t to, void *to_lock, unsigned hflags,
                  struct rt_edges_out *out);
void rt_edges_flush(struct rt_edges_out *out);
uint32_t rt_class_of(void *lock, int kind, void *pc);
/* Bumped whenever a lock address changes class: thread caches older than it are stale. */
extern uint32_t rt_bind_gen;
void rt_class_init(void *lock, int kind, void *pc);     /* an init call: new binding */
void rt_class_forget(void *lock);                        /* destroyed */
uint32_t rt_class_edges_inc(uint32_t cls);               /* same-class pairs seen so far */

/* An acquisition, in two halves around the real lock (fast.h inlines the common case). */
struct rt_pre {
	uint32_t cls, site;
	int recursive;          /* the thread holds the lock already */
};
struct rt_pre rt_before_full(struct rt_thread *t, void *lock, int kind, unsigned hflags, void *pc);
void rt_push_full(struct rt_thread *t, void *lock, int kind, unsigned hflags, void *pc,
                  struct rt_pre pre);
/* Before the real unlock. */
void rt_released(struct rt_thread *t, void *lock, int kind, void *pc);
/* Before the real destroy. */
void rt_destroying(struct rt_thread *t, void *lock, int kind, void *pc);
int rt_held_index(const struct rt_thread *t, const void *lock);
/* Condition waits: before (returns the held index or -1) and after. */
int rt_wait_begin(struct rt_thread *t, void *mutex, void *pc);
void rt_wait_end(struct rt_thread *t, int idx);
/* Misuse record, once per (rule, class, site). */
void rt_misuse(struct rt_thread *t, int rule, void *lock, int kind, uint32_t cls, void *pc,
               uint32_t other_stack, uint32_t other_thread);
void rt_mark_gone(struct rt_thread *holder, const void *lock);
/* A thread (other than t) holding lock (any lock when NULL); fills its held entry. */
struct rt_thread *rt_find_holder(const struct rt_thread *t, const void *lock, struct rt_held *out);
/* Whether thread o holds lock (any lock when NULL), read safely from any thread. */
int rt_holds(const struct rt_thread *o, const void *lock, struct rt_held *out);
/* Whether the lock itself says it is held (by anyone): glibc's own fields. */
int rt_lock_busy(const void *lock, int kind, pid_t *owner);
/* Whether the lock is process-shared (glibc's PTHREAD_MUTEX_PSHARED_BIT, rwlock flag). */
int rt_lock_shared(const void *lock, int kind);

/* The blocking wait of a lock that trylock found busy: double-lock check, then a wait
 * that checks for a deadlock once blocked longer than rt_deadlock_ms: in slices, or for a
 * mutex without a timer unless it may complete a deadlock (block.c, lockwait.c). wait()
 * returns 0, ETIMEDOUT at the deadline, or an error; with no deadline (NULL) it is the
 * lock's own blocking call. */
typedef int (*rt_timed_wait)(void *lock, const struct timespec *deadline_mono);
int rt_block(struct rt_thread *t, void *lock, int kind, struct rt_pre pre, unsigned hflags,
             void *pc, rt_timed_wait wait);
/* A join of thread number target, in slices of wait(ctx, deadline), watched the same way. */
int rt_block_join(struct rt_thread *t, uint32_t target, void *pc, rt_timed_wait wait, void *ctx);
/* A blocking wait on a semaphore, in slices, watched for the whole process being stuck;
 * the program's signals interrupt it as they would the real sem_wait (signals.c). */
int rt_block_on(struct rt_thread *t, void *obj, int kind, unsigned wflags, void *pc,
                rt_timed_wait wait);
/* Around a wait tsafe does not slice (a barrier, a condition, a timed wait): other
 * threads' checks see it. */
void rt_wait_mark(struct rt_thread *t, void *obj, int kind, unsigned wflags, void *pc);
void rt_wait_unmark(struct rt_thread *t);

/* ---- a mutex's wait without a timer (lockwait.c) ------------------------------------- */

#define RT_WAIT_SLICED (-1)         /* "wait in slices instead" */
/* Whether t's wait, published, may complete a deadlock: then nobody would be left awake
 * to check it, and it must wait in slices. Of the threads that block one after another
 * into a deadlock (a cycle, or every thread blocked), the last to publish its wait sees
 * all the others' (each publishes before it looks, and a fence orders the two), so it
 * finds the deadlock here (block.c). */
int rt_may_complete_deadlock(struct rt_thread *t);
/* Whether a busy mutex of this kind can be waited for without a timer here. */
extern int rt_untimed_wait;        /* lockwait.c's timer-less waits: on unless TSAFE_RT_UNTIMED_WAIT=0 */
int rt_mutex_wakeable(const void *mutex);
/* Waits until t holds the mutex, as glibc's lock would; RT_WAIT_SLICED when it must
 * sleep and rt_may_complete_deadlock says so, or when woken by rt_wake_sleepers. */
int rt_mutex_wait_untimed(struct rt_thread *t, void *mutex);
/* Whether the mutex wrappers take and give back a free normal mutex themselves
 * (mutex_inline.c): decided once at start-up, after rt_resolve. */
void rt_inline_mutex_init(void);
/* Wakes every untimed mutex wait into slices. */
void rt_wake_sleepers(void);
/* Whether every thread of the registry is blocked in a wait without deadline (a lock wait
 * only while its lock's release is not on its way), as self sees it. */
int rt_all_blocked(const struct rt_thread *self);

/* ---- the program's signals in a sliced wait (signals.c) ------------------------------ */

/* Blocks the program's asynchronous signals, saving its mask in *program. 0 or -1. */
int rt_signals_block(sigset_t *program);
/* Restores the program's mask, which handles what came while blocked: 1 when one of
 * those handlers would have interrupted the real wait. */
int rt_signals_unblock(const sigset_t *program);
/* A slice ended with EINTR (some handler ran): whether the real wait would have too. */
int rt_signals_interrupt(const sigset_t *program);

/* ---- semaphores and barriers (stall.c) ------------------------------------------------ */

#define RT_MAX_CYCLE 16

/* Threads blocked on each other, as the deadlock record lists them. */
struct rt_cycle {
	int n;
	int stall;                        /* every thread blocked (RTD_STALL) */
	struct rt_thread *th[RT_MAX_CYCLE];
	struct rt_held held[RT_MAX_CYCLE];   /* held[i]: what th[i] holds that th[i-1] waits for */
	uint64_t signature;               /* who waits, and which wait: unchanged = nobody moved */
};

/* The live thread with this number, or NULL (it has ended). */
struct rt_thread *rt_thread_numbered(uint32_t seq);
/* Whether a kind is a lock (held by one thread) rather than something waited on. */
static inline int rt_kind_is_lock(int kind)
{
	return kind == RTK_MUTEX || kind == RTK_RWLOCK || kind == RTK_SPIN;
}
/* Whether the kernel confirms that thread o, which the registry shows in a wait, is
 * blocked there (self, the thread checking, is): asleep in a futex wait, or between two
 * slices of a wait in slices (asleep.c). */
int rt_confirmed_blocked(const struct rt_thread *o, const struct rt_thread *self);
/* Whether the registry and the kernel agree that every thread of the process is blocked
 * for good, and some on a semaphore, barrier or condition; fills c in waits-for order. */
int rt_find_stall(struct rt_thread *t, struct rt_cycle *c);
/* Before a destroy (or a new init) of a semaphore or barrier: destroy-in-use when some
 * other thread waits on it. */
void rt_check_in_use(struct rt_thread *t, void *obj, int kind, void *pc);

#endif
