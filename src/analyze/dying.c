/* dying.c — code on its way to ending the process: every path from it reaches a call that
 * never returns (abort, exit, an assertion failure; EVF_NORETURN). Two threads that both
 * fail an assertion race on the way out, as does one that writes a log level before
 * aborting: those are races in a crash, not races to fix, and the race check leaves them.
 *
 * Per function, computed on first use: the blocks from whose start every path dies. */
#include <stdlib.h>

#include "internal.h"

static unsigned char *blocks_that_die(const struct function *fn)
{
	unsigned char *dies = xcalloc((size_t)(fn->nblocks ? fn->nblocks : 1), 1);
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents && !dies[b]; e++)
			dies[b] = (fn->blocks[b].events[e].flags & EVF_NORETURN) != 0;
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

/* Does every path from event ev (itself included) of frame f's function die? */
static int event_dies(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (!a->dying)
		a->dying = xcalloc((size_t)(a->ix.nfns ? a->ix.nfns : 1), sizeof *a->dying);
	unsigned char **dies = &a->dying[f->fn_index];
	if (!*dies)
		*dies = blocks_that_die(f->fn);
	for (int b = 0; b < f->fn->nblocks; b++) {
		const struct block *blk = &f->fn->blocks[b];
		if (ev < blk->events || ev >= blk->events + blk->nevents)
			continue;
		for (const struct event *e = ev; e < blk->events + blk->nevents; e++)
			if (e->flags & EVF_NORETURN)
				return 1;
		int all = blk->nsuccs > 0;
		for (int s = 0; s < blk->nsuccs && all; s++)
			all = (*dies)[blk->succs[s]];
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
}
