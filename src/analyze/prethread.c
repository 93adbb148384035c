/* prethread.c — what a context does before it starts its first thread, at any call depth.
 *
 * Everything main (or any thread that creates threads) does before its first
 * pthread_create happens before every thread it starts: those threads do not exist yet. A
 * function "creates" when it holds a creation event or calls, directly or through a
 * pointer, a function that creates (transitively). Per function, an event is "after" when
 * some path from the function's entry to it passes a creating event (a loop around a
 * creation makes its whole body after). A frame is before the first thread when the call
 * that led to it was, in every caller up to the context's entry (struct activation.pre). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int is_creation(const struct event *ev)
{
	return ev->kind == EV_THREAD_CREATE;
}

/* creates[k]: definition k creates a thread itself or through the calls it makes. */
static unsigned char *creating_functions(struct program_index *ix)
{
	unsigned char *creates = xcalloc((size_t)(ix->nfns ? ix->nfns : 1), 1);
	for (int k = 0; k < ix->nfns; k++)
		creates[k] = fn_has_event(ix->fns[k].fn, EV_THREAD_CREATE);
	struct call_graph g;
	call_graph_build(ix, &g);
	call_graph_close_flags(&g, ix->nfns, creates);
	call_graph_free(&g);
	return creates;
}

static int creating_event(struct program_index *ix, const unsigned char *creates, int tu,
                          const struct event *ev)
{
	if (is_creation(ev))
		return 1;
	const struct fn_ref *r = ev->kind == EV_CALL ? index_resolve_call(ix, ev, tu) : NULL;
	return r && creates[index_of_ref(ix, r)];
}

int fn_max_pos(const struct function *fn)
{
	int n = 0;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++)
			if (fn->blocks[b].events[e].pos >= n)
				n = fn->blocks[b].events[e].pos + 1;
	return n;
}

unsigned char *events_past(const struct function *fn, int every,
                           int (*is_one)(const struct event *ev, void *ctx), void *ctx)
{
	int nb = fn->nblocks;
	unsigned char *in = xcalloc((size_t)(nb ? nb : 1), 1);   /* at the block's start */
	if (every && nb > 1)
		memset(in + 1, 1, (size_t)nb - 1);
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = 0; b < nb; b++) {
			const struct block *blk = &fn->blocks[b];
			int out = in[b];
			for (int e = 0; e < blk->nevents && !out; e++)
				out = is_one(&blk->events[e], ctx);
			for (int s = 0; s < blk->nsuccs; s++) {
				int t = blk->succs[s];
				if (!every && out && !in[t])
					in[t] = changed = 1;
				else if (every && !out && in[t] && t != 0)
					in[t] = 0, changed = 1;
			}
		}
	}
	unsigned char *past = xcalloc((size_t)fn_max_pos(fn) + 1, 1);
	for (int b = 0; b < nb; b++) {
		int passed = in[b];
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			past[ev->pos] = (unsigned char)passed;
			passed |= is_one(ev, ctx);
		}
	}
	free(in);
	return past;
}

struct creating {
	struct program_index *ix;
	const unsigned char *creates;
	int tu;
};

static int creating(const struct event *ev, void *ctx)
{
	struct creating *c = ctx;
	return creating_event(c->ix, c->creates, c->tu, ev);
}

/* after[pos] for the events of definition k; NULL when nothing in it creates a thread. */
static unsigned char *events_after(struct program_index *ix, const unsigned char *creates, int k)
{
	const struct function *fn = ix->fns[k].fn;
	if (!creates[k] || fn->nblocks == 0)
		return NULL;
	struct creating c = { ix, creates, ix->fns[k].tu };
	return events_past(fn, 0, creating, &c);
}

void prethread_build(struct analysis *a)
{
	unsigned char *creates = creating_functions(&a->ix);
	a->after_create = xcalloc((size_t)(a->ix.nfns ? a->ix.nfns : 1), sizeof *a->after_create);
	for (int k = 0; k < a->ix.nfns; k++)
		a->after_create[k] = events_after(&a->ix, creates, k);
	free(creates);
}

void prethread_free(struct analysis *a)
{
	for (int k = 0; a->after_create && k < a->ix.nfns; k++)
		free(a->after_create[k]);
	free(a->after_create);
}

int prethread_at(const struct activation *f, const struct event *ev)
{
	return f->pre && !(f->after && f->after[ev->pos]);
}

/* Is context d started, directly or through other threads, by context c, which runs once? */
static int started_by(const struct context *d, const struct context *c)
{
	if (c->kind == CTX_THREAD && c->multi)
		return 0;
	for (const struct context *p = d->parent; p; p = p->parent)
		if (p == c)
			return 1;
	return 0;
}

int prethread_orders(const struct context *c, const struct when *x, const struct context *d)
{
	return x && x->pre && started_by(d, c);
}
