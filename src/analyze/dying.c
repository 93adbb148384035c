/* dying.c — code on its way to ending the process: every path from it reaches a call that
 * never returns (abort, exit, an assertion failure; EVF_NORETURN), or a call of a function
 * of the program that never returns itself, inferred: every path through it ends in such a
 * call (a project's fatal_error(), ovs_abort(), a log-and-exit helper). Two threads that
 * both fail an assertion race on the way out, as does one that writes a log level before
 * aborting: those are races in a crash, not races to fix, and the race check leaves them.
 *
 * Per function, computed on first use: the blocks from whose start every path dies. */
#include <stdlib.h>

#include "internal.h"

static unsigned char *function_dies(struct analysis *a, int k);

/* Per index fn: whether it can return (inferred on first use). A function being inferred is
 * taken to return when it is reached again through recursion. */
enum { NR_UNKNOWN, NR_BUSY, NR_RETURNS, NR_NEVER };

static int never_returns(struct analysis *a, int k)
{
	if (!a->noreturn)
		a->noreturn = xcalloc((size_t)(a->ix.nfns ? a->ix.nfns : 1), 1);
	if (a->noreturn[k] == NR_UNKNOWN) {
		a->noreturn[k] = NR_BUSY;
		const struct function *fn = a->ix.fns[k].fn;
		a->noreturn[k] = fn->nblocks > 0 && function_dies(a, k)[0] ? NR_NEVER : NR_RETURNS;
	}
	return a->noreturn[k] == NR_NEVER;
}

/* Does the event end the process: a call that never returns? A call through a pointer may
 * reach any of several functions: it is not taken to end anything. */
static int event_ends(struct analysis *a, int tu, const struct event *ev)
{
	if (ev->flags & EVF_NORETURN)
		return 1;
	if (ev->kind != EV_CALL || (ev->flags & EVF_VIA_POINTER))
		return 0;
	const struct fn_ref *r = index_resolve_call(&a->ix, ev, tu);
	return r && never_returns(a, index_of_ref(&a->ix, r));
}

static unsigned char *blocks_that_die(struct analysis *a, int k)
{
	const struct function *fn = a->ix.fns[k].fn;
	unsigned char *dies = xcalloc((size_t)(fn->nblocks ? fn->nblocks : 1), 1);
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents && !dies[b]; e++)
			dies[b] = event_ends(a, a->ix.fns[k].tu, &fn->blocks[b].events[e]);
	for (int changed = 1; changed;) {        /* backwards: all successors die */
		changed = 0;
		for (int b = 0; b < fn->nblocks; b++) {
			const struct block *blk = &fn->blocks[b];
			if (dies[b] || blk->nsuccs == 0)
				continue;
			int all = 1;
			for (int s = 0; s < blk->nsuccs && all; s++)
				all = dies[blk->succs[s]];
			if (all)
				dies[b] = changed = 1;
		}
	}
	return dies;
}

static unsigned char *function_dies(struct analysis *a, int k)
{
	if (!a->dying)
		a->dying = xcalloc((size_t)(a->ix.nfns ? a->ix.nfns : 1), sizeof *a->dying);
	if (!a->dying[k])
		a->dying[k] = blocks_that_die(a, k);
	return a->dying[k];
}

/* Does every path from event ev (itself included) of frame f's function die? */
static int event_dies(struct analysis *a, const struct activation *f, const struct event *ev)
{
	const unsigned char *dies = function_dies(a, f->fn_index);
	for (int b = 0; b < f->fn->nblocks; b++) {
		const struct block *blk = &f->fn->blocks[b];
		if (ev < blk->events || ev >= blk->events + blk->nevents)
			continue;
		for (const struct event *e = ev; e < blk->events + blk->nevents; e++)
			if (event_ends(a, f->tu, e))
				return 1;
		int all = blk->nsuccs > 0;
		for (int s = 0; s < blk->nsuccs && all; s++)
			all = dies[blk->succs[s]];
		return all;
	}
	return 0;
}

int frame_dies(struct analysis *a, const struct activation *f, const struct event *ev)
{
	for (; f; ev = f->call, f = f->caller)
		if (event_dies(a, f, ev))
			return 1;
	return 0;
}

void dying_free(struct analysis *a)
{
	for (int i = 0; a->dying && i < a->ix.nfns; i++)
		free(a->dying[i]);
	free(a->dying);
	free(a->noreturn);
}
