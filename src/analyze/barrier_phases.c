/* barrier_phases.c — accesses ordered by a barrier: what a thread does before its first
 * wait on a barrier happens before what any thread waiting on that barrier does after one
 * of its own waits (a round completes only when every participant has arrived). Kept
 * conservative:
 *  - the earlier access precedes every wait of its context on that barrier in the entry
 *    function, outside any loop that holds a wait (a later round's phase can otherwise
 *    reach the next round's earlier phase without another wait);
 *  - the later access follows one of its context's waits in the entry function, outside
 *    any loop that holds both;
 *  - as POSIX means barriers to be used, the count given to pthread_barrier_init is taken
 *    to be the number of threads that wait on it (more waiters than the count let a round
 *    complete without one of them). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct barrier_wait {
	int ctx;
	struct when when;
	char *barrier;               /* root terms */
};

struct barriers {
	struct barrier_wait *w;
	int n, cap;
};

void barriers_on_call(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (f->ctx->kind == CTX_ISOLATED || !str_eq(ev->name, "pthread_barrier_wait") || ev->nargs < 1 ||
	    !ev->args[0].path)
		return;
	/* &b names the barrier b, a pointer value P the barrier it points to, "P*" */
	char *p = frame_path(f, ev->args[0].path);
	if (!p || p[0] == '?') {
		free(p);
		return;
	}
	char *bar = p[0] == '&' ? xstrdup(p + 1) : xasprintf("%s*", p);
	free(p);
	if (!a->barriers)
		a->barriers = xcalloc(1, sizeof *a->barriers);
	struct barriers *b = a->barriers;
	struct when w;
	frame_when(a, f, ev, &w);
	for (int i = 0; i < b->n; i++)
		if (b->w[i].ctx == f->ctx->id && when_lv(&b->w[i].when, 0)->pos == when_lv(&w, 0)->pos &&
		    str_eq(b->w[i].barrier, bar)) {
			free(bar);
			return;
		}
	grow_array((void **)&b->w, &b->cap, b->n, sizeof *b->w);
	b->w[b->n++] = (struct barrier_wait){.ctx = f->ctx->id, .when = w, .barrier = bar};
}

/* x precedes every wait of its context on barrier `bar` (and there is one). */
static int before_every_wait(const struct barriers *b, const struct access_rec *x, const char *bar)
{
	int any = 0;
	for (int i = 0; i < b->n; i++) {
		if (b->w[i].ctx != x->ctx || !str_eq(b->w[i].barrier, bar))
			continue;
		if (!when_entry_before(&x->when, &b->w[i].when))
			return 0;
		any = 1;
	}
	return any;
}

int barrier_orders(const struct analysis *a, const struct access_rec *x, const struct access_rec *y)
{
	const struct barriers *b = a->barriers;
	for (int i = 0; b && i < b->n; i++) {
		const struct barrier_wait *w = &b->w[i];
		if (w->ctx == y->ctx && when_entry_before(&w->when, &y->when) &&
		    before_every_wait(b, x, w->barrier))
			return 1;
	}
	return 0;
}

void barriers_free(struct analysis *a)
{
	struct barriers *b = a->barriers;
	if (!b)
		return;
	for (int i = 0; i < b->n; i++)
		free(b->w[i].barrier);
	free(b->w);
	free(b);
	a->barriers = NULL;
}
