/* facts_handover.c — two accesses handed over through a release/acquire channel, judged with
 * the stored facts (facts_handover.h). A channel is an atomic object (a store that releases
 * after the first access, a load that acquires and is tested before the second: the access
 * waits for the value) or a semaphore (sem_post after, sem_wait before). Helgrind and DRD do
 * not model C11 atomics, and the watch engine's clocks do not follow them.
 *
 * One direction orders the first side's access before the second's that saw its release.
 * When the first side runs again it could touch the object while the second still does, so
 * one more thing is needed:
 *  - the way back: the second side's access precedes a release of a channel the first side
 *    acquires before its access (a single-producer single-consumer ring: head published
 *    with release, tail given back with release), or
 *  - double-checked initialisation: the first side's access holds a lock under which it
 *    tests the channel before the access and releases it after: once the release is seen
 *    no holder of that lock does the access again.
 * A heap block's lone read (facts_handover_block) needs one direction only: a fresh block
 * is filled once. A relaxed store or load is no channel: memory_order_relaxed orders nothing. */
#include <stdlib.h>
#include <string.h>

#include "common/atomic_order.h"
#include "common/util.h"
#include "facts_handover.h"

enum { CALL_DEPTH = 3 };         /* calls followed to find an acquire on every path */

static int block_of(const struct function *fn, const struct event *ev, int *b, int *i)
{
	for (int k = 0; k < fn->nblocks; k++)
		if (ev >= fn->blocks[k].events && ev < fn->blocks[k].events + fn->blocks[k].nevents) {
			*b = k;
			*i = (int)(ev - fn->blocks[k].events);
			return 1;
		}
	return 0;
}

static int is_sem(const struct event *ev)
{
	return (ev->kind == EV_LOCK || ev->kind == EV_UNLOCK) && ev->lock_kind == LK_SEM &&
	       ev->lock_class && *ev->lock_class;
}

/* The channel ev releases (an atomic store that is not relaxed, a sem_post), or NULL. */
static const char *released(const struct function *fn, const struct event *ev)
{
	if (ev->kind == EV_UNLOCK && is_sem(ev))
		return ev->lock_class;
	if (ev->kind == EV_ACCESS && (ev->flags & EVF_ATOMIC) && ev->path &&
	    atomic_line_releases(NULL, fn->file, ev->line, ev->flags))
		return ev->path;
	return NULL;
}

/* Is ev an atomic access of `chan` whose value a branch tests (its block ends in one)? */
static int tested_access(const struct function *fn, const struct event *ev, const char *chan)
{
	int b, i;
	return ev->kind == EV_ACCESS && (ev->flags & EVF_ATOMIC) && str_eq(ev->path, chan) &&
	       block_of(fn, ev, &b, &i) && fn->blocks[b].nsuccs >= 2;
}

struct acquire_q {
	struct facts_at *fc;
	const struct function *fn;   /* the function whose events are asked about */
	const char *chan;
	int depth;
};

/* An acquire of the channel: a sem_wait, a tested load that acquires, or a call of a
 * function that does one on every path. */
static int acquires(const struct event *ev, const void *arg)
{
	const struct acquire_q *q = arg;
	if (ev->kind == EV_LOCK && is_sem(ev))
		return str_eq(ev->lock_class, q->chan);
	if (ev->kind == EV_ACCESS)
		return tested_access(q->fn, ev, q->chan) &&
		       atomic_line_acquires(NULL, q->fn->file, ev->line, ev->flags);
	if (ev->kind != EV_CALL || !ev->callee || q->depth >= CALL_DEPTH)
		return 0;
	const struct function *callee = facts_function_by_usr(q->fc, ev->callee);
	struct acquire_q deeper = {q->fc, callee, q->chan, q->depth + 1};
	return callee && callee != q->fn && facts_always_passes(callee, acquires, &deeper);
}

/* One direction found: the first side's access (fn, b, i) precedes the release rel. */
struct handover {
	const char *file;            /* the frame's file, as the stack names it */
	int frame;                   /* its index in the first side's stack */
	const struct function *fn;
	int b, i;
	const struct event *rel;
	int rb, ri;
};

struct recheck_q {
	const struct function *fn;
	const char *chan;
	const char *lock;            /* a lock class held at the access and at the release */
};

static int holds(const struct function *fn, int b, int i, const char *cls)
{
	struct held_lock h[16];
	int n = facts_locks_held_at(fn, b, i, h, 16);
	for (int k = 0; k < n; k++)
		if (!h[k].shared && str_eq(h[k].lock_class, cls))
			return 1;
	return 0;
}

/* A test of the channel made holding the lock. */
static int rechecks(const struct event *ev, const void *arg)
{
	const struct recheck_q *q = arg;
	int b, i;
	return tested_access(q->fn, ev, q->chan) && block_of(q->fn, ev, &b, &i) &&
	       holds(q->fn, b, i, q->lock);
}

/* Double-checked: a lock held at the access and at the release, under which every path to
 * the access tests the channel. */
static int double_checked(const struct handover *h, int line)
{
	struct held_lock at[16];
	int n = facts_locks_held_at(h->fn, h->b, h->i, at, 16);
	for (int k = 0; k < n; k++) {
		struct recheck_q q = {h->fn, h->rel->path, at[k].lock_class};
		if (!at[k].shared && holds(h->fn, h->rb, h->ri, at[k].lock_class) &&
		    h->rel->kind == EV_ACCESS && facts_ordered_after(h->fn, line, rechecks, &q))
			return 1;
	}
	return 0;
}

/* Does fn itself release (acquire) the channel somewhere? */
static int fn_does(struct facts_at *fc, const struct function *fn, const char *chan, int release)
{
	struct acquire_q q = {fc, fn, chan, CALL_DEPTH};
	for (int b = 0; b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (release ? str_eq(released(fn, ev), chan) : acquires(ev, &q))
				return 1;
		}
	return 0;
}

/* Is the second side's access, in some frame of its stack, after an acquire of chan on
 * every path (in a function that never releases it, when one_way)? */
static int acquired_before(struct facts_at *fc, const struct location *second, const char *chan,
                           int one_way)
{
	for (int k = 0; k < second->nstack; k++) {
		const struct frame *fr = &second->stack[k];
		const struct function *fn = facts_function_at(fc, fr->file, fr->line);
		struct acquire_q q = {fc, fn, chan, 0};
		if (fn && facts_ordered_after(fn, fr->line, acquires, &q) &&
		    !(one_way && fn_does(fc, fn, chan, 1)))
			return 1;
	}
	return 0;
}

/* What a direction must show besides the release and the acquire. */
enum {
	ANY,        /* nothing: the first side runs once per object (a fresh block's fill) */
	ONE_WAY,    /* the function that releases the channel never acquires it, the one that
	               acquires it never releases it (a semaphore both waited on and posted by
	               each holder is a gate letting several in at once) */
	GUARDED,    /* double-checked as above */
};

/* A release after the first side's access (in some frame of its stack, later in that
 * function's source and reachable from it) that the second side acquires before its own,
 * with what `need` asks. */
static int direction(struct facts_at *fc, const struct location *first,
                     const struct location *second, int need, struct handover *out)
{
	for (int k = 0; k < first->nstack; k++) {
		const struct frame *fr = &first->stack[k];
		struct handover h = {.file = fr->file, .frame = k,
		                     .fn = facts_function_at(fc, fr->file, fr->line)};
		if (!h.fn || !facts_first_event_at(h.fn, fr->line, &h.b, &h.i))
			continue;
		const struct event *at = &h.fn->blocks[h.b].events[h.i];
		for (h.rb = 0; h.rb < h.fn->nblocks; h.rb++)
			for (h.ri = 0; h.ri < h.fn->blocks[h.rb].nevents; h.ri++) {
				h.rel = &h.fn->blocks[h.rb].events[h.ri];
				const char *chan = released(h.fn, h.rel);
				if (!chan || h.rel->pos <= at->pos ||
				    !facts_reaches(h.fn, h.b, h.i, h.rb, h.ri) ||
				    (need == GUARDED && !double_checked(&h, fr->line)) ||
				    (need == ONE_WAY && fn_does(fc, h.fn, chan, 0)) ||
				    !acquired_before(fc, second, chan, need == ONE_WAY))
					continue;
				*out = h;
				return 1;
			}
	}
	return 0;
}

static const char *spelling(const struct event *ev)
{
	return ev->name ? ev->name : ev->path;
}

char *facts_handover(struct facts_at *fc, const struct location *a, const struct location *b)
{
	if (!fc || !fc->st)
		return NULL;
	const struct location *side[2] = {a, b};
	for (int k = 0; k < 2; k++) {
		const struct location *first = side[k], *second = side[1 - k];
		struct handover there, back;
		if (direction(fc, first, second, ONE_WAY, &there) &&
		    direction(fc, second, first, ONE_WAY, &back))
			return xasprintf("likely benign: handed over both ways by release/acquire: %s:%d "
			                 "comes before the release of '%s' (%s:%d) that %s:%d waits for, "
			                 "and %s:%d before the release of '%s' (%s:%d) that %s:%d waits "
			                 "for; the engine does not model it", first->file, first->line,
			                 spelling(there.rel), there.file, there.rel->line, second->file,
			                 second->line, second->file, second->line, spelling(back.rel),
			                 back.file, back.rel->line, first->file, first->line);
		if (direction(fc, first, second, GUARDED, &there))
			return xasprintf("likely benign: %s:%d is done under a lock that re-tests '%s' "
			                 "and released through it (%s:%d); %s:%d acquires it before its "
			                 "access: double-checked initialisation ordered by release/"
			                 "acquire, which the engine does not model", first->file,
			                 first->line, spelling(there.rel), there.file, there.rel->line,
			                 second->file, second->line);
	}
	return NULL;
}

char *facts_handover_block(struct facts_at *fc, const struct location *alloc,
                           const struct location *reader)
{
	struct handover h;
	if (!fc || !fc->st || !direction(fc, alloc, reader, ANY, &h) || h.frame != 0)
		return NULL;
	char *heap = xasprintf("h:%s:%d", h.fn->file, alloc->line);
	int later = facts_block_written_after(h.fn, heap, h.rb, h.ri);
	free(heap);
	return later ? NULL
	             : xasprintf("likely benign: the block allocated at %s:%d is filled before "
	                         "'%s' is released (%s:%d), and read at %s:%d after an acquire of "
	                         "it: release/acquire orders them, which the engine does not "
	                         "model", alloc->file, alloc->line, spelling(h.rel), h.file,
	                         h.rel->line, reader->file, reader->line);
}
