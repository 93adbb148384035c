/* rtformat.h — the records libtsafe-rt.so appends to its per-process log, and that
 * src/dynamic reads back. The one contract between the runtime and the CLI.
 *
 * A log is a sequence of records, each starting with struct rt_rec (type, total length in
 * bytes, a multiple of 8) and written with one write() as it happens, so a crash or _exit
 * loses at most the record being written; the reader drops a truncated last record. Ids
 * (stacks, classes, edges) are numbered by the process that wrote them, and a record may
 * name an id whose definition comes later in the file (threads race to write), so readers
 * load every record before resolving ids.
 *
 * Files are named tsafe-rt.<pid>.<n>.log in $TSAFE_RT_OUT (n: 0, or more after an exec
 * reused the pid). A fork child starts its own file whose RT_PROCESS record names the
 * parent's file and how many bytes of it were written before the fork: the ids defined in
 * that prefix are the child's too.
 *
 * Addresses are raw (the process's own); RT_MODULE records give the load bias of every
 * module so the reader can symbolise them offline with libdw.
 */
#ifndef TSAFE_RTFORMAT_H
#define TSAFE_RTFORMAT_H

#include <stdint.h>

#define RT_MAGIC   0x52465354u   /* "TSFR" */
#define RT_VERSION 2
#define RT_MAX_FRAMES 32         /* frames kept per stack */
#define RT_DEADLOCK_EXIT 124     /* exit status of a process the runtime ends on a deadlock */
#define RT_MAX_THREADS 16384     /* threads watched at once, at most (TSAFE_RT_MAX_THREADS
                                    may lower it) */

enum rt_rec_type {
	RT_PROCESS = 1,   /* first record of a file */
	RT_MODULE,        /* a loaded ELF module */
	RT_STACK,         /* a captured call stack */
	RT_CLASS,         /* a lock class */
	RT_EDGE,          /* a new lock-order edge between two classes */
	RT_EDGE_UPDATE,   /* an edge seen again in a way that changes what it proves */
	RT_THREAD,        /* a thread created */
	RT_JOIN,          /* a thread joined */
	RT_DETACH,        /* a thread detached */
	RT_MISUSE,        /* one misuse of a lock API (first time at its site) */
	RT_DEADLOCK,      /* threads blocked on each other's locks; the process is ended */
	RT_EXIT,          /* the process called exit() */
	RT_THREAD_END,    /* a thread created through a wrapper ended (struct rt_join, by = seq) */
	RT_LIMIT,         /* the runtime reached one of its bounds (written as it grows) */
	/* The watch engine (hardware watchpoints on the static pass's race candidates):
	 * numbered apart so that other record types can be added before them. */
	RT_WATCH_STATE = 64, /* watching started, was refused, or stopped */
	RT_WATCH_HIT,     /* a watched address was accessed */
	RT_WATCH_END,     /* at exit: the accesses seen per target */
};

struct rt_rec {
	uint32_t type;
	uint32_t len;             /* bytes including this header; multiple of 8 */
};

enum rt_process_flags {
	RTP_FORKED = 1,           /* a fork child: parent file and offset follow */
};

/* Followed by NUL-terminated strings: the executable's path, then (RTP_FORKED) the file
 * name of the parent's log. */
struct rt_process {
	struct rt_rec h;
	uint32_t magic, version;
	int32_t pid, ppid;
	uint32_t flags, pad;
	uint64_t parent_offset;   /* RTP_FORKED: bytes of the parent's log before the fork */
	uint64_t start_ns;        /* CLOCK_REALTIME */
	char strings[];
};

/* Followed by the module's path, NUL-terminated ("" for the main program: see exe). */
struct rt_module {
	struct rt_rec h;
	uint64_t base;            /* load bias (dlpi_addr) */
	uint64_t lo, hi;          /* address range of its PT_LOAD segments */
	char path[];
};

/* pc[0] is the innermost frame: the return address into the code that called the
 * interposed function (so pc - 1 is inside the call instruction). */
struct rt_stack {
	struct rt_rec h;
	uint32_t id, n;
	uint64_t pc[];
};

/* Locks, and (RTK_SEM on) the objects a thread can wait on without holding them: these
 * get classes too, so that deadlock and misuse records can name them. */
enum rt_lock_kind { RTK_MUTEX = 1, RTK_RWLOCK, RTK_SPIN, RTK_SEM, RTK_BARRIER, RTK_COND };

enum rt_class_how {
	RTC_DATA = 1,             /* the lock lives in a module's data/bss: addr names it */
	RTC_INIT,                 /* a heap/stack lock, by the stack of its init call */
	RTC_FIRST,                /* a heap/stack lock never initialised by a call we saw: by
	                             the stack of its first lock */
};

struct rt_class {
	struct rt_rec h;
	uint32_t id;
	uint16_t kind, how;
	uint64_t addr;            /* RTC_DATA: the lock's address; else the first instance's */
	uint32_t stack;           /* RTC_INIT/RTC_FIRST: the site's stack; else 0 */
	uint32_t pad;
};

enum rt_edge_flags {
	RTE_BLOCKING = 1,         /* some second acquisition could block (not a trylock) */
	RTE_MULTI = 2,            /* made by more than one thread */
};

/* from -> to: `to` acquired while holding `from`. For two locks of one class the edge is
 * per pair of instances (from_inst, to_inst), else those are 0. gate[]: up to two classes
 * held across every occurrence (0: none). */
struct rt_edge {
	struct rt_rec h;
	uint32_t id, from, to, thread;
	uint32_t flags;
	uint32_t outer_stack;     /* where `from` was acquired (the first time at that site) */
	uint32_t inner_stack;     /* where `to` was acquired, captured for this edge */
	uint32_t gate[2];
	uint32_t pad;
	uint64_t from_inst, to_inst;
};

/* The edge's state now: flags only grow, gates only shrink. */
struct rt_edge_update {
	struct rt_rec h;
	uint32_t id, flags;
	uint32_t gate[2];
};

enum rt_thread_flags {
	RTT_C11 = 1,              /* thrd_create */
	RTT_DETACHED = 2,         /* created detached */
	RTT_MAIN = 4,             /* the process's initial thread */
	RTT_FOREIGN = 8,          /* not created through a wrapper: first seen locking */
};

struct rt_thread_rec {
	struct rt_rec h;
	uint32_t seq, parent;     /* thread numbers in this process, from 1 (main) */
	uint32_t stack;           /* where it was created */
	uint32_t flags;
	uint64_t start;           /* start routine address */
};

struct rt_join {              /* RT_JOIN, RT_DETACH and RT_THREAD_END */
	struct rt_rec h;
	uint32_t seq, by;
};

enum rt_rule {
	RTR_DOUBLE_LOCK = 1,
	RTR_UNLOCK_NOT_HELD,
	RTR_UNLOCK_NOT_OWNER,
	RTR_DESTROY_LOCKED,
	RTR_COND_WAIT_UNHELD,
	RTR_LOCK_LEAK,
	RTR_FORK_WITH_THREADS,
	RTR_DESTROY_IN_USE,       /* a semaphore or barrier destroyed (or re-initialised)
	                             while other_thread waits on it, at other_stack */
};

/* stack: where it happened. other_stack: where the lock was acquired (double-lock,
 * lock-leak, destroy-locked, fork-with-threads), by other_thread when that is another
 * thread. */
struct rt_misuse {
	struct rt_rec h;
	uint16_t rule, kind;
	uint32_t thread, cls, stack, other_stack, other_thread;
	uint64_t addr;
};

struct rt_deadlock_thread {
	uint32_t thread;
	uint32_t wait_cls, wait_stack;   /* the lock (or semaphore, barrier, condition: the
	                                    class's kind says) it is blocked on (0: a join),
	                                    and where */
	uint32_t held_cls, held_stack;   /* the lock it holds that the previous thread wants
	                                    (0 when the previous thread joins it) */
	uint32_t joining;                /* wait_cls 0: the thread it is joining */
};

enum rt_deadlock_flags {
	RTD_STALL = 1,            /* every thread of the process is blocked, and some wait on
	                             a semaphore, barrier or condition that only another
	                             (blocked) thread could release: the list is every
	                             thread, in waits-for order where there is one */
};

/* The cycle in order: thread i waits for a lock held by thread i+1 (mod n), or joins
 * thread i+1. n = 1 without RTD_STALL is a thread blocked on a lock it holds itself (a
 * double-lock, reported as such). held_cls of thread i is set when thread i-1 waits for
 * a lock thread i holds. */
struct rt_deadlock {
	struct rt_rec h;
	uint32_t n, flags;
	struct rt_deadlock_thread t[];
};

enum rt_limit_what {
	RTL_LOCKS = 1,            /* the table of lock addresses is full: locks at new
	                             addresses are not watched (count: addresses tracked) */
	RTL_THREADS,              /* more threads alive at once than the registry holds: the
	                             others are not watched (count: threads not watched) */
	RTL_THREADS_ALIVE,        /* threads alive at once (count), from 1024 on */
};
#define RTL_MAX RTL_THREADS_ALIVE

/* Written when count first reaches a power of two (once for RTL_LOCKS): the reader keeps
 * the largest. limit: the runtime's bound. */
struct rt_limit {
	struct rt_rec h;
	uint32_t what, limit;
	uint64_t count;
};

struct rt_exit {
	struct rt_rec h;
	int32_t status, pad;
};

/* ---- the watch engine ---- */

#define RT_WATCH_VC 32           /* vector clock entries (threads by seq % RT_WATCH_VC) */
#define RT_WATCH_LOCKS 8         /* locks recorded per access */

enum rt_watch_status {
	RTW_ON = 1,               /* watching: ntargets placed, in ngroups rotated each slice */
	RTW_NO_TARGETS,           /* no candidate lies in a loaded module */
	RTW_DENIED,               /* perf_event_open refused: err says why */
	RTW_DEBUGGER,             /* a debugger (ptrace) is attached */
	RTW_PROGRAM_SIGTRAP,      /* the program set its own SIGTRAP action: watching ended */
	RTW_BAD_FILE,             /* the candidates file cannot be read */
};

struct rt_watch_state {
	struct rt_rec h;
	uint32_t status, err;     /* RTW_*, errno of the refusal */
	uint32_t ntargets, ngroups;
	uint64_t slice_ns;        /* how long one group stays armed */
	uint64_t at_ns;           /* CLOCK_MONOTONIC */
};

enum rt_watch_hit_flags {
	RTWH_WRITE = 1,           /* the access wrote */
	RTWH_READ = 2,            /* the access only read */
};
#define RTWH_SHARED_LOCK 1u       /* bit 0 of an address in locks[]: held for reading */

/* One trap: thread `thread` accessed target `target` (its address addr) at pc; it held
 * nlocks locks (addresses; bit 0 set when held for reading), its vector clocks were vc
 * (create, join, semaphores, conditions, barriers, once) and lvc (those and locks),
 * entries by thread seq % RT_WATCH_VC, and its own clock epoch. stack: 0 when none was
 * captured (only the first hits of a target carry one). */
struct rt_watch_hit {
	struct rt_rec h;
	uint32_t target, thread;
	uint32_t flags, stack;
	uint64_t addr, pc;
	uint32_t epoch, nlocks;
	uint64_t locks[RT_WATCH_LOCKS];
	uint32_t vc[RT_WATCH_VC];
	uint32_t lvc[RT_WATCH_VC];    /* the clock with locks' unlock -> lock orders too */
};

struct rt_watch_count {
	uint32_t target, hits;
};

/* At exit: the traps of every target that took any (hits not all written as records),
 * and the threads' tick periods armed and rested (a thread that switches often rests its
 * watches to bound their cost): the share of the time the targets were really armed. */
struct rt_watch_end {
	struct rt_rec h;
	uint64_t at_ns;           /* CLOCK_MONOTONIC */
	uint64_t armed_ticks, rested_ticks;
	uint32_t n, pad;
	struct rt_watch_count t[];
};

#endif
