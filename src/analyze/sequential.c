/* sequential.c — threads started once per pass and joined before the next: one at a time.
 *
 * A helper thread started and joined again for each file (in a loop of main's, or from
 * several calls) is several instances of one context, but two of them never run at once
 * when each instance is joined before any other starts: its start and its end differ at
 * some level of their call chains with no loop around the start from that level down (one
 * start per pass), and the instances' intervals are ordered pairwise or each lies inside its
 * own call of one activation (a read-ahead thread started and joined inside load(), which
 * a decoder's loop calls from several places). Such a context is not "several instances at
 * once": it does not race with itself. Chains keep every call level (WHEN_DEPTH), so a
 * thread started and joined five calls below main is seen as such. */
#include "internal.h"

/* One start per pass of the enclosing loops: joined at a later point of the same pass. */
static int one_per_pass(const struct instance *in)
{
	const struct when *s = &in->start, *e = &in->end;
	int n = s->n < e->n ? s->n : e->n, l = 0;
	while (l < n && when_lv(s, l)->pos == when_lv(e, l)->pos)
		l++;
	if (l == n || !when_before(s, e))
		return 0;
	return !(in->loops >> l);    /* no loop from there down starts several before the join */
}

/* Does instance in live inside the call at level l of its start: started and joined below
 * it? */
static int inside_call(const struct instance *in, int l)
{
	const struct when *s = &in->start, *e = &in->end;
	if (l + 1 >= s->n || l + 1 >= e->n)
		return 0;
	for (int i = 0; i <= l; i++)
		if (when_lv(s, i)->pos != when_lv(e, i)->pos)
			return 0;
	return 1;
}

/* Two instances that live inside two different calls of one activation (a helper started
 * and joined inside each call of load(), called from two places of one loop): one call
 * returns before the other is made, whatever the loop. */
static int in_other_calls(const struct instance *x, const struct instance *y)
{
	const struct when *s = &x->start, *t = &y->start;
	int n = s->n < t->n ? s->n : t->n, l = 0;
	while (l < n && when_lv(s, l)->pos == when_lv(t, l)->pos)
		l++;
	return l < n && inside_call(x, l) && inside_call(y, l);
}

int instances_sequential(const struct context *c)
{
	if (c->kind != CTX_THREAD || !c->parent || c->parent->multi ||
	    c->unbounded || c->unnamed_handle || c->ninst < 1)
		return 0;
	for (int k = 0; k < c->ninst; k++)
		if (!c->inst[k].has_end || !one_per_pass(&c->inst[k]))
			return 0;
	for (int k = 0; k < c->ninst; k++)
		for (int m = k + 1; m < c->ninst; m++)
			if (!when_before(&c->inst[k].end, &c->inst[m].start) &&
			    !when_before(&c->inst[m].end, &c->inst[k].start) &&
			    !in_other_calls(&c->inst[k], &c->inst[m]))
				return 0;
	return 1;
}

unsigned instance_loops(const struct activation *f, const struct event *ev)
{
	unsigned loops = 0;
	for (; f; ev = f->call, f = f->caller)
		if (ev && (ev->flags & EVF_IN_LOOP))
			loops |= 1u << (f->depth < WHEN_DEPTH ? f->depth : WHEN_DEPTH);
	return loops;
}

/* Code at chain x leaves a main call C (at the first level where x parts from the
 * instance's start) that the instance lives in: started and joined below C. Each run of C
 * starts and ends it, so x, elsewhere in the same activation (even in the same loop),
 * never meets it. */
int instance_apart(const struct when *x, const struct instance *in)
{
	const struct when *s = &in->start, *e = &in->end;
	if (!in->has_end)
		return 0;
	int n = s->n < e->n ? s->n : e->n, j = 0;
	if (x->n < n)
		n = x->n;
	while (j < n && when_lv(x, j)->pos == when_lv(s, j)->pos)
		j++;
	if (j == n)
		return 0;            /* x runs inside the same call: not apart */
	for (int l = 0; l <= j; l++)
		if (when_lv(s, l)->pos != when_lv(e, l)->pos)
			return 0;    /* started and joined in different places of the activation */
	return 1;
}

/* The first level where chains x and y part, or -1 when one is a prefix of the other. */
static int parting_level(const struct when *x, const struct when *y)
{
	int n = x->n < y->n ? x->n : y->n;
	for (int l = 0; l < n; l++)
		if (when_lv(x, l)->pos != when_lv(y, l)->pos)
			return l;
	return -1;
}

/* The creator's code at x surely ends before instance in starts: x comes first where their
 * chains part, and no loop around the start at that level runs it again after x (the
 * creator writing in iteration i + 1 while the thread of iteration i runs). */
static int before_start(const struct when *x, const struct instance *in)
{
	int l = parting_level(x, &in->start);
	return l >= 0 && when_before(x, &in->start) && !((in->loops >> l) & 1u);
}

/* Does the code of a thread at x (in its own chains) run alongside t, a thread it started?
 * Each instance lives from its start to the creator's first join of its handle after it,
 * in the creator's chains; a creator with several instances meets the children of the
 * others at any time. */
int creator_overlaps(const struct when *x, const struct context *t)
{
	if (t->parent->multi || t->unbounded || t->unnamed_handle || !t->ninst)
		return 1;
	for (int k = 0; k < t->ninst; k++) {
		const struct instance *in = &t->inst[k];
		if (!before_start(x, in) && !(in->has_end && when_before(&in->end, x)))
			return 1;
	}
	return 0;
}

/* Every instance of c ends before every instance of d starts, or the reverse. */
static int all_before(const struct context *c, const struct context *d)
{
	for (int k = 0; k < c->ninst; k++)
		for (int m = 0; m < d->ninst; m++)
			if (!c->inst[k].has_end || !when_before(&c->inst[k].end, &d->inst[m].start))
				return 0;
	return 1;
}

static int instances_known(const struct context *c)
{
	return c->ninst > 0 && !c->unnamed_handle && !c->unbounded;
}

/* Two threads of one creator that runs once, each joined by it before it starts the
 * other (a checker started and joined, then another): they never run together. */
int siblings_sequential(const struct context *c, const struct context *d)
{
	if (c->kind != CTX_THREAD || d->kind != CTX_THREAD || c->parent != d->parent ||
	    !c->parent || c->parent->multi || c == d || !instances_known(c) || !instances_known(d))
		return 0;
	return all_before(c, d) || all_before(d, c);
}
