/* exclusive.c — threads created on exclusive branches do not run together.
 *
 * `if (server) start(listener); else start(client);` starts one of the two: their code
 * never runs at once. Two creations are exclusive when, along the calls that reached them
 * from their common creator, the first function where the two paths part holds two events
 * neither of which can reach the other in its control-flow graph, and nothing above that
 * point repeats (no enclosing loop, a creator that runs once, each site reached once).
 * The same holds for one site reached on two such paths (a helper that starts the thread,
 * called from both arms of a switch on the program's mode): each run starts one instance. */
#include <stdlib.h>

#include "internal.h"

static struct reach_path path_to(const struct activation *f, const struct event *ev)
{
	struct reach_path p = {xcalloc((size_t)f->depth + 1, sizeof *p.steps), f->depth + 1};
	for (const struct activation *g = f; g; ev = g->call, g = g->caller)
		p.steps[g->depth] = (struct path_step){g->fn, ev};
	return p;
}

void exclusive_note_path(struct context *c, const struct activation *f, const struct event *ev)
{
	size_t size = (size_t)(c->ncreate_paths + 1) * sizeof *c->create_paths;
	c->create_paths = xrealloc(c->create_paths, size);
	c->create_paths[c->ncreate_paths++] = path_to(f, ev);
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

/* Two paths from one creator's entry part at two events of one function neither of
 * which reaches the other, with nothing repeating above. */
static int paths_exclusive(const struct reach_path *p, const struct reach_path *q)
{
	int n = p->n < q->n ? p->n : q->n;
	for (int i = 0; i < n; i++) {
		const struct path_step *x = &p->steps[i], *y = &q->steps[i];
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

static int creator_runs_once(const struct context *c)
{
	return !(c->parent->kind == CTX_THREAD && c->parent->multi);
}

int exclusive_new_reach(const struct context *c, const struct activation *f, const struct event *ev)
{
	if (c->reaches > 1 || !creator_runs_once(c))
		return 0;
	struct reach_path p = path_to(f, ev);
	int all = 1;
	for (int k = 0; k < c->ncreate_paths && all; k++)
		all = paths_exclusive(&p, &c->create_paths[k]);
	free(p.steps);
	return all;
}

/* c and d have the same creator: every way of reaching one excludes every way of reaching
 * the other. */
static int siblings_exclusive(const struct context *c, const struct context *d)
{
	if (c->reaches > 1 || d->reaches > 1 || !creator_runs_once(c))
		return 0;
	for (int i = 0; i < c->ncreate_paths; i++)
		for (int j = 0; j < d->ncreate_paths; j++)
			if (!paths_exclusive(&c->create_paths[i], &d->create_paths[j]))
				return 0;
	return c->ncreate_paths > 0 && d->ncreate_paths > 0;
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
