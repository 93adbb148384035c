/* neutral.c — functions that are lock-neutral: in a function walked on its own
 * (CTX_ISOLATED, for the rules about its own paths), a call of one can change nothing but
 * whether the call returns and what it is known to return.
 *
 * Isolated walks record no accesses, so a callee that takes, releases or waits on no lock,
 * declares no capability, starts, joins or hands over nothing, calls nothing through a
 * pointer and nothing but such functions, leaves the caller's locks as they were. What it
 * does say (it never returns, it returns 0) depends on its own branches alone, and those on
 * the constants passed to the parameters that decide them (constargs.c): engine.c solves
 * that once per function and constants instead of once per caller's state and arguments,
 * which on a large program is most of the isolated walks' frames.
 *
 * Only a callee whose calls form no cycle qualifies, and only where its deepest call still
 * fits under MAX_DEPTH, so that no recursion or depth cut makes one call of it differ from
 * another: its height is its longest chain of calls. */
#include <stdlib.h>

#include "internal.h"

/* Can this event, walked in an isolated context, touch a lock state, make a record or
 * depend on the context? */
static int event_neutral(const struct event *ev)
{
	if (ev->flags & EVF_DECLARED)
		return 0;
	switch (ev->kind) {
	case EV_ACCESS:
	case EV_RETURN:
	case EV_ASSUME:
	case EV_STORE:
	case EV_COND_SIGNAL:
		return 1;
	case EV_CALL:   /* by name: a mutex made recursive through the caller's arguments */
		return ev->callee && !str_eq(ev->name, "pthread_mutex_init");
	default:
		return 0;
	}
}

enum { UNSEEN = -3, VISITING = -2, NOT_NEUTRAL = -1 };

/* The height of k's call tree when k is neutral, else NOT_NEUTRAL. */
static int height_of(struct analysis *a, int k, int *h)
{
	if (h[k] != UNSEEN)
		return h[k] == VISITING ? NOT_NEUTRAL : h[k];    /* a cycle */
	h[k] = VISITING;
	const struct function *fn = a->ix.fns[k].fn;
	int height = 0;
	for (int b = 0; b < fn->nblocks && height >= 0; b++)
		for (int e = 0; e < fn->blocks[b].nevents && height >= 0; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (!event_neutral(ev)) {
				height = NOT_NEUTRAL;
				break;
			}
			const struct fn_ref *r = ev->kind == EV_CALL ? index_resolve_call(&a->ix, ev, a->ix.fns[k].tu) : NULL;
			if (!r)
				continue;         /* code the program lacks: the call is no frame */
			int c = height_of(a, index_of_ref(&a->ix, r), h);
			height = c < 0 ? NOT_NEUTRAL : c + 1 > height ? c + 1 : height;
		}
	h[k] = height;
	return height;
}

void neutral_build(struct analysis *a)
{
	int n = a->ix.nfns;
	a->neutral = xcalloc((size_t)(n ? n : 1), sizeof *a->neutral);
	for (int k = 0; k < n; k++)
		a->neutral[k] = UNSEEN;
	for (int k = 0; k < n; k++)
		height_of(a, k, a->neutral);
}

int neutral_fn(const struct analysis *a, int k)
{
	return a->neutral && a->neutral[k] >= 0;
}

int neutral_call_at(const struct analysis *a, int k, int depth)
{
	return neutral_fn(a, k) && depth + a->neutral[k] < MAX_DEPTH;
}

void neutral_free(struct analysis *a)
{
	free(a->neutral);
	a->neutral = NULL;
}
