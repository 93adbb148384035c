/* watch.h — what the watch files of libtsafe-rt.so share: the watched targets (read from
 * the candidates file tsafe run writes), the per-thread hardware watchpoints, and the
 * vector clocks that tell whether two watched accesses were ordered.
 *
 * Everything here is off (and costs one load per hook) unless TSAFE_WATCH names a
 * candidates file and perf_event_open works.
 */
#ifndef TSAFE_RT_WATCH_H
#define TSAFE_RT_WATCH_H

#include <signal.h>

#include "rt.h"

#define RT_WATCH_REGS 4            /* x86-64 debug registers per thread */
#define RT_WATCH_MAX_TARGETS 1024
#define RT_WATCH_GROUP_MAX 4       /* targets armed at once (fewer when some need two) */
#define RT_WATCH_MAX_RANGES 256    /* code ranges of heap allocation sites */

struct rt_watch_target {
	uint32_t id;                   /* the candidate's number in the file */
	uint16_t len;                  /* 1, 2, 4 or 8, the address aligned to it */
	uint16_t rw;                   /* 1: reads matter (RW watch + W counter), 0: W only */
	int32_t site;                  /* a heap word: its allocation site, else -1 */
	uint64_t link_addr;            /* as in the module's symbol table; a heap word: its
	                                  offset in the block */
	uint64_t addr;                 /* in this process (0: its module is not loaded); a heap
	                                  word: rt_watch_pack(address, length) in the newest
	                                  block of its site (0: none yet), atomic */
	uint32_t hits;                 /* traps taken (atomic) */
	uint32_t stacks;               /* hits recorded with a stack (atomic) */
	char module[256];              /* the module's real path */
};

/* A heap allocation site's code: a malloc/calloc/realloc returning to [lo, hi). */
struct rt_watch_range {
	uint64_t lo, hi;               /* in this process */
	int32_t site;
};

/* Whether watching is on in this process (a plain load on every hook). */
extern int rt_watch_on;

/* watch_targets.c */
extern struct rt_watch_target rt_watch_targets[RT_WATCH_MAX_TARGETS];
extern int rt_watch_ntargets;
/* The targets as groups that fit the debug registers: group g is targets
 * [group_first[g], group_first[g + 1]). */
extern int rt_watch_ngroups;
extern int rt_watch_group_first[RT_WATCH_MAX_TARGETS + 1];
extern struct rt_watch_range rt_watch_ranges[RT_WATCH_MAX_RANGES];
extern int rt_watch_nranges;
/* Every range lies in [rt_watch_heap_lo, rt_watch_heap_lo + rt_watch_heap_span): an
 * allocation returning elsewhere costs one subtraction and one comparison (span 0: no
 * heap candidate). */
extern uint64_t rt_watch_heap_lo, rt_watch_heap_span;
/* Reads the file TSAFE_WATCH names and places the targets in this process; the number of
 * targets placed (0: nothing to watch). */
int rt_watch_load_targets(const char *path);
/* A heap word's address and the length that fits its block, as one atomic word. */
#define RT_WATCH_LEN_SHIFT 56
static inline uint64_t rt_watch_pack(uint64_t addr, int len)
{
	return addr | (uint64_t)len << RT_WATCH_LEN_SHIFT;
}
static inline uint64_t rt_watch_packed_addr(uint64_t w)
{
	return w & ((1ull << RT_WATCH_LEN_SHIFT) - 1);
}
static inline int rt_watch_packed_len(uint64_t w)
{
	return (int)(w >> RT_WATCH_LEN_SHIFT);
}
/* The registers a target takes. */
static inline int rt_watch_target_regs(const struct rt_watch_target *t)
{
	return t->rw ? 2 : 1;
}

/* watch.c */
void rt_watch_init(void);                         /* after the log is open */
void rt_watch_thread_begin(struct rt_thread *t);  /* on the thread itself */
void rt_watch_thread_end(struct rt_thread *t);
void rt_watch_stop(int why);                      /* RTW_* reason: watching ends */
/* After a heap word moved to a new block: the thread re-arms its group now if that group
 * holds a heap word (at most once between two ticks), else at its next tick. */
void rt_watch_refresh(void);
/* After the thread woke from a blocking wait: every RT_WATCH_WAKES wake-ups it weighs its
 * watches' cost (watch_budget.c), as its ticks do (a thread that mostly waits uses little
 * CPU time, so ticks come seldom). */
void rt_watch_woke(void);
/* watch_heap.c: a block returned by malloc/calloc/realloc to ret; watched when ret is in
 * a candidate allocation site. */
extern uint32_t rt_watch_heap_gen;   /* bumped whenever a heap word moves */
/* The SIGTRAP handler, and the program's own SIGTRAP action it forwards to. */
void rt_watch_trap(int sig, siginfo_t *si, void *uc);

/* watch_budget.c: whether a thread that switches often arms its registers this period. */
struct rt_watch_budget {
	uint64_t switches;             /* the thread's context switches at the period's start */
	uint64_t cpu_ns;               /* its CPU time then */
	uint32_t rest_left;            /* periods still to rest */
	int armed;                     /* the current period is armed */
};
extern uint64_t rt_watch_armed_ticks, rt_watch_rested_ticks;   /* the process's (atomic) */
void rt_watch_budget_start(struct rt_watch_budget *b);
/* At the end of a period (a tick, or RT_WATCH_WAKES wake-ups): regs armed in it; whether
 * the next one is armed. */
int rt_watch_budget_tick(struct rt_watch_budget *b, int regs);

/* watch_signal.c: whether the program set its own SIGTRAP action (then it is called). */
int rt_watch_program_action(int sig, siginfo_t *si, void *uc);
int rt_watch_install_handler(void);

/* watch_clock.c: vector clocks over create/join, semaphores, conditions, barriers and locks. */
#define RT_VC_N 32
#define RT_VC_CACHE 8
struct rt_vc {
	uint32_t epoch;                /* this thread's own clock */
	uint32_t c[RT_VC_N];           /* what it knows of each thread (by seq % RT_VC_N) */
	uint32_t cl[RT_VC_N];          /* the same, lock unlock -> lock orders included */
	uint32_t gen;                  /* bumped whenever c changes */
	int released;                  /* released since the epoch last moved */
	/* What needs no work again: the object last published to at generation gen, the
	 * object clock version last learned. */
	const void *pub_obj[RT_VC_CACHE];
	uint32_t pub_gen[RT_VC_CACHE];
	const void *got_obj[RT_VC_CACHE];
	struct rt_obj_clock *got_clock[RT_VC_CACHE];
	uint32_t got_version[RT_VC_CACHE];
};
struct rt_vc *rt_vc_of(const struct rt_thread *t);
/* Before a watched access is recorded: the epoch after the thread's last release. */
void rt_vc_access(struct rt_thread *t);
void rt_vc_thread_start(struct rt_thread *t);     /* a thread first met (main, foreign) */
void rt_vc_created(struct rt_thread *parent, struct rt_thread *child);
void rt_vc_ended(struct rt_thread *t);
void rt_vc_joined(struct rt_thread *t, uint32_t seq);
void rt_vc_release(struct rt_thread *t, const void *obj);   /* post, signal, arrive */
void rt_vc_acquire(struct rt_thread *t, const void *obj);   /* wait returned */
void rt_vc_lock_acquired(struct rt_thread *t, const void *lock);   /* after the real lock */
void rt_vc_lock_releasing(struct rt_thread *t, const void *lock);  /* before the real unlock */
void rt_vc_init(void);

#endif
