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

#endif
