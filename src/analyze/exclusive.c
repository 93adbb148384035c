/* exclusive.c — threads created on exclusive branches do not run together.
 *
 * `if (server) start(listener); else start(client);` starts one of the two: their code
 * never runs at once. Two creations are exclusive when, along the calls that reached them
 * from their common creator, the first function where the two paths part holds two events
 * neither of which can reach the other in its control-flow graph, and nothing above that
 * point repeats (no enclosing loop, a creator that runs once, each site reached once). */
#include <stdlib.h>

#include "internal.h"

void exclusive_note_path(struct context *c, const struct activation *f, const struct event *ev)
{
	c->ncreate_path = f->depth + 1;
	c->create_path = xcalloc((size_t)c->ncreate_path, sizeof *c->create_path);
	for (const struct activation *g = f; g; ev = g->call, g = g->caller)
		c->create_path[g->depth] = (struct path_step){g->fn, ev};
}

static int block_of(const struct function *fn, const struct event *ev)
{
	for (int b = 0; b < fn->nblocks; b++)
		if (ev >= fn->blocks[b].events && ev < fn->blocks[b].events + fn->blocks[b].nevents)
			return b;
	return -1;
}

/* Can control reach event `to` after event `from` in fn (a later iteration included)? */
static int reaches(const struct function *fn, const struct event *from, const struct event *to)
{
	int bf = block_of(fn, from), bt = block_of(fn, to);
	if (bf < 0 || bt < 0)
		return 1;
	if (bf == bt && from < to)
		return 1;
	unsigned char *seen = xcalloc((size_t)fn->nblocks, 1);
	int *stack = xcalloc((size_t)fn->nblocks, sizeof *stack), n = 0, found = 0;
	for (int s = 0; s < fn->blocks[bf].nsuccs; s++)
		if (!seen[fn->blocks[bf].succs[s]]) {
			seen[fn->blocks[bf].succs[s]] = 1;
			stack[n++] = fn->blocks[bf].succs[s];
		}
	while (n && !found) {
		int b = stack[--n];
		found = b == bt;
		for (int s = 0; s < fn->blocks[b].nsuccs; s++)
			if (!seen[fn->blocks[b].succs[s]]) {
				seen[fn->blocks[b].succs[s]] = 1;
				stack[n++] = fn->blocks[b].succs[s];
			}
	}
	free(seen);
	free(stack);
	return found;
}

/* c and d have the same creator. */
static int siblings_exclusive(const struct context *c, const struct context *d)
{
	if (c->reaches > 1 || d->reaches > 1 || (c->parent->kind == CTX_THREAD && c->parent->multi))
		return 0;
	int n = c->ncreate_path < d->ncreate_path ? c->ncreate_path : d->ncreate_path;
	for (int i = 0; i < n; i++) {
		const struct path_step *x = &c->create_path[i], *y = &d->create_path[i];
		if (x->fn != y->fn)
			return 0;
		if (x->ev == y->ev) {
			if (x->ev->flags & EVF_IN_LOOP)
				return 0;         /* run again: the next time may take the other way */
			continue;
		}
		return !reaches(x->fn, x->ev, y->ev) && !reaches(x->fn, y->ev, x->ev);
	}
	return 0;
}

int contexts_exclusive(const struct context *c, const struct context *d)
{
	if (c->kind != CTX_THREAD || d->kind != CTX_THREAD)
		return 0;
	/* The ancestors of each that share a creator. */
	for (const struct context *x = c; x && x->kind == CTX_THREAD; x = x->parent)
		for (const struct context *y = d; y && y->kind == CTX_THREAD; y = y->parent)
			if (x != y && x->parent == y->parent)
				return siblings_exclusive(x, y);
	return 0;
}
