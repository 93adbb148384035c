/* facts_at.h — the stored static facts at a source position, for the engines that watch a
 * program run (runtime, Helgrind, DRD): the function defined at a file and line of a stack,
 * with its control-flow graph and events, the lock class the static pass gives a line, the
 * thread entry a creation site starts. Units are loaded on first use and kept. */
#ifndef TSAFE_STORE_FACTS_AT_H
#define TSAFE_STORE_FACTS_AT_H

#include "facts/facts.h"
#include "store.h"

struct facts_at {
	struct store *st;            /* NULL: no facts, every question answers "unknown" */
	const char *root;            /* project root: the files asked about are relative to it */
	struct tu_facts *tus;        /* units loaded so far */
	int ntus;
	int err;                     /* a store error happened (store_errmsg says which) */
};

/* The stored function defined at file:line (file relative to the root, or absolute), or
 * NULL. */
const struct function *facts_function_at(struct facts_at *fc, const char *file, int line);
void facts_at_free(struct facts_at *fc);

/* The lock class the static pass gives the lock operations at file:line (acquire, release,
 * condition wait, or a call passing a lock, such as pthread_mutex_init), paths relative to
 * the root ("field:struct account.lock", "static:a.c:m"): a new string, or NULL when the
 * line names no lock or more than one. */
char *facts_lock_class_at(struct facts_at *fc, const char *file, int line);

/* The entry function of the thread created at file:line, or NULL (borrowed). */
const char *facts_thread_entry_at(struct facts_at *fc, const char *file, int line);

/* The first event (in source order) at `line` of fn: 1 with *block, *idx, or 0. */
int facts_first_event_at(const struct function *fn, int line, int *block, int *idx);
/* Does every path from fn's entry to event (block, idx) pass an event is_mark accepts? */
int facts_always_before(const struct function *fn, int block, int idx,
                        int (*is_mark)(const struct event *, const void *), const void *arg);

/* Does every path from fn's entry to `line` pass an event is_mark accepts? The point is the
 * first event at that line; a line with no event of its own (a read through a local
 * pointer the facts do not follow) is taken as the point just after the last event before
 * it, which then counts as passed. */
int facts_ordered_after(const struct function *fn, int line,
                        int (*is_mark)(const struct event *, const void *), const void *arg);
/* The loaded function with this USR (a callee of a function already asked about: its
 * unit is loaded), or NULL. */
const struct function *facts_function_by_usr(struct facts_at *fc, const char *usr);
/* Can event (b2, i2) of fn run after event (b1, i1) in one call of fn? */
int facts_reaches(const struct function *fn, int b1, int i1, int b2, int i2);
/* Does every path from fn's entry to its exit pass an event is_mark accepts? */
int facts_always_passes(const struct function *fn,
                        int (*is_mark)(const struct event *, const void *), const void *arg);

/* Can fn write the block allocated at `heap` ("h:FILE:LINE": its members, elements, the
 * block itself) after event (b, i)? */
int facts_block_written_after(const struct function *fn, const char *heap, int b, int i);
/* ... after event (b, i) on a path that does not come back to it: a write on the retry
 * loop of a compare-and-swap runs before the next attempt, not after the one that
 * succeeds. */
int facts_block_written_after_exit(const struct function *fn, const char *heap, int b, int i);

/* A lock held for sure at an event: its class, and whether only for reading. */
struct held_lock {
	const char *lock_class;      /* borrowed from the facts */
	int shared;                  /* a read lock of a rwlock */
};
/* The locks fn holds on every path to event (b, i), taken in fn itself (at most max; the
 * first 64 classes of fn are followed; semaphores are not locks here); how many. */
int facts_locks_held_at(const struct function *fn, int b, int i, struct held_lock *out, int max);
/* The same with what each event does told by `step`: 1 and *op filled when the event takes
 * (acquire) or releases the lock op->lock (a string that lives until the call returns). */
struct held_op {
	const char *lock;
	int acquire, shared;
};
typedef int (*facts_held_op)(const struct event *ev, void *arg, struct held_op *op);
int facts_locks_held_by(const struct function *fn, int b, int i, facts_held_op step, void *arg,
                        struct held_lock *out, int max);

#endif
