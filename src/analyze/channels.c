/* channels.c — accesses handed over through a release/acquire channel: an atomic object (a
 * store that releases after the first access, a load that acquires and is tested before
 * the second: the access waits for its value) or a counting semaphore (sem_post after,
 * sem_wait before). The first access happens before the second when both lie in the same
 * round of their calls: the same chain of calls down to the function where they part, in
 * source order there (a call repeated by a loop repeats the access and the release
 * together).
 *
 * One direction orders the first side's access before the second's that saw its release.
 * When the first side runs again it could touch the object while the second still does, so
 * one more thing is needed (store/facts_handover.c judges the dynamic engines' alarms so):
 *  - the way back: the second access precedes a release of a channel the first side
 *    acquires before its access (a single-producer single-consumer ring: slots published
 *    through head and given back through tail, or through two semaphores), or
 *  - double-checked initialisation: the first access holds a lock under which its context
 *    tests the channel before it and stores the release: once the release is seen, no
 *    holder of that lock does the access again.
 * A relaxed store or load is no channel: memory_order_relaxed orders nothing. */
#include <stdlib.h>
#include <string.h>

#include "common/atomic_order.h"
#include "internal.h"

struct channel_op {
	int ctx;
	struct when when;
	char *chan;                  /* "a:" + the atomic object's root-terms path, "s:" + the
	                                semaphore's class */
	int kind;                    /* OP_RELEASE, OP_ACQUIRE, OP_TEST (tested, any order) */
	int rec;                     /* the atomic access's record, or -1 */
};

enum { OP_RELEASE, OP_ACQUIRE, OP_TEST };

struct channels {
	struct channel_op *op;
	int n, cap;
};

static struct channels *channels_of(struct analysis *a)
{
	if (!a->channels)
		a->channels = xcalloc(1, sizeof *a->channels);
	return a->channels;
}

static void add_op(struct channels *c, int ctx, const struct when *w, const char *pfx,
                   const char *name, int kind, int rec)
{
	grow_array((void **)&c->op, &c->cap, c->n, sizeof *c->op);
	c->op[c->n++] = (struct channel_op){ctx, *w, xasprintf("%s%s", pfx, name), kind, rec};
}

void channels_on_sem(struct analysis *a, const struct activation *f, const struct event *ev, int key)
{
	const struct lock_key *k = key >= 0 ? &a->lock_keys[key] : NULL;
	if (f->ctx->kind == CTX_ISOLATED || !k || k->kind != LK_SEM || k->binary_sem ||
	    (ev->kind != EV_LOCK && ev->kind != EV_UNLOCK) || (ev->flags & EVF_TRY))
		return;
	struct when w;
	frame_when(a, f, ev, &w);
	add_op(channels_of(a), f->ctx->id, &w, "s:", k->cls,
	       ev->kind == EV_UNLOCK ? OP_RELEASE : OP_ACQUIRE, -1);
}

/* Is ev's value tested by a branch: does its block end in one? */
static int tested(const struct function *fn, const struct event *ev)
{
	for (int b = 0; b < fn->nblocks; b++)
		if (ev >= fn->blocks[b].events && ev < fn->blocks[b].events + fn->blocks[b].nevents)
			return fn->blocks[b].nsuccs >= 2;
	return 0;
}

/* The atomic records that release (stores not relaxed) and acquire (tested loads not
 * relaxed); tests under a lock are found from the records themselves. */
static void index_atomics(const struct analysis *a, struct channels *c)
{
	for (int r = 0; r < a->nacc; r++) {
		const struct access_rec *x = &a->acc[r];
		if (!x->atomic || !x->object || x->ev->kind != EV_ACCESS)
			continue;
		const char *file = x->fn->file;
		int test = tested(x->fn, x->ev);
		if (atomic_line_releases(NULL, file, x->ev->line, x->ev->flags))
			add_op(c, x->ctx, &x->when, "a:", x->object, OP_RELEASE, r);
		if (test && atomic_line_acquires(NULL, file, x->ev->line, x->ev->flags))
			add_op(c, x->ctx, &x->when, "a:", x->object, OP_ACQUIRE, r);
		if (test)
			add_op(c, x->ctx, &x->when, "a:", x->object, OP_TEST, r);
	}
}

/* x and y in one round of their context: the same calls down to where they part, x first
 * in source order there. */
static int round_before(const struct when *x, const struct when *y)
{
	int n = x->n < y->n ? x->n : y->n;
	for (int i = 0; i < n; i++) {
		const struct when_lv *p = when_lv(x, i), *q = when_lv(y, i);
		if (p->fn != q->fn)
			return 0;
		if (p->pos != q->pos)
			return p->pos < q->pos;
	}
	return 0;
}

static int holds(const struct access_rec *r, int cls)
{
	for (int i = 0; i < r->nlocks; i++)
		if (r->locks[i] == cls && !r->lock_shared[i])
			return 1;
	return 0;
}

/* x holds a lock the release holds too, under which x's context tests the channel
 * before x in the same round. */
static int double_checked(const struct analysis *a, const struct channels *c,
                          const struct access_rec *x, const struct channel_op *rel)
{
	if (rel->rec < 0)
		return 0;
	const struct access_rec *r = &a->acc[rel->rec];
	for (int i = 0; i < x->nlocks; i++) {
		if (x->lock_shared[i] || !holds(r, x->locks[i]))
			continue;
		for (int k = 0; k < c->n; k++) {
			const struct channel_op *t = &c->op[k];
			if (t->kind != OP_TEST || t->ctx != x->ctx || !str_eq(t->chan, rel->chan))
				continue;
			const struct access_rec *test = &a->acc[t->rec];
			if (holds(test, x->locks[i]) &&
			    round_before(&test->when, &x->when))
				return 1;
		}
	}
	return 0;
}

/* Does context ctx do an operation of that kind on the channel? */
static int ctx_does(const struct channels *c, int ctx, const char *chan, int kind)
{
	for (int i = 0; i < c->n; i++)
		if (c->op[i].ctx == ctx && c->op[i].kind == kind && str_eq(c->op[i].chan, chan))
			return 1;
	return 0;
}

/* Some release of a channel follows x in its round, and y's context acquires that channel
 * before y in y's round; with `guarded`, a release double-checked as above, else a channel
 * one way only: x's context never acquires it, y's never releases it (a semaphore both
 * waited on and posted by each holder is a gate that lets several in at once). */
static int direction(const struct analysis *a, const struct channels *c,
                     const struct access_rec *x, const struct access_rec *y, int guarded)
{
	for (int i = 0; i < c->n; i++) {
		const struct channel_op *rel = &c->op[i];
		if (rel->kind != OP_RELEASE || rel->ctx != x->ctx || !round_before(&x->when, &rel->when) ||
		    (guarded ? !double_checked(a, c, x, rel)
		             : ctx_does(c, x->ctx, rel->chan, OP_ACQUIRE) ||
		               ctx_does(c, y->ctx, rel->chan, OP_RELEASE)))
			continue;
		for (int j = 0; j < c->n; j++) {
			const struct channel_op *acq = &c->op[j];
			if (acq->kind == OP_ACQUIRE && acq->ctx == y->ctx && str_eq(acq->chan, rel->chan) &&
			    round_before(&acq->when, &y->when))
				return 1;
		}
	}
	return 0;
}

void channels_index(struct analysis *a)
{
	index_atomics(a, channels_of(a));
}

int channel_orders(const struct analysis *a, const struct access_rec *x, const struct access_rec *y)
{
	const struct channels *c = a->channels;
	if (!c || !c->n)
		return 0;
	for (int k = 0; k < 2; k++) {
		const struct access_rec *p = k ? y : x, *q = k ? x : y;
		if ((direction(a, c, p, q, 0) && direction(a, c, q, p, 0)) || direction(a, c, p, q, 1))
			return 1;
	}
	return 0;
}

void channels_free(struct analysis *a)
{
	struct channels *c = a->channels;
	if (!c)
		return;
	for (int i = 0; i < c->n; i++)
		free(c->op[i].chan);
	free(c->op);
	free(c);
	a->channels = NULL;
}
