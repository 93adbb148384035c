/* fallback.c — the call made only when the calls before it were not.
 *
 *     int done = 0;
 *     for (i = 1; i < argc; i++)
 *         if (argv[i]) { process(argv[i]); done++; }
 *     if (done == 0)
 *         process(NULL);              // only when the loop processed nothing
 *
 * A local counter (the extractor's "o:c:NAME": set to 0 once, otherwise only incremented)
 * tested against zero splits a function's calls: the code of the zero branch, and each
 * call C after which every path to that test increments the counter (with no reset in
 * between) and which the zero branch cannot reach again. In one run of the function
 * either some such C ran, and the test fails, or none did and none will: the zero
 * branch's code and what C started (a thread still running) never meet. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct fallback {
	unsigned char **first;       /* per fn: per pos, the counter (1-based) whose zero branch
	                                excludes this call, or 0 */
	unsigned char **zero;        /* per fn: per pos, the counter whose zero branch holds it */
};

static int is_counter_event(const struct event *ev, const char *name, unsigned flags)
{
	return ev->kind == EV_ASSUME && ev->path && str_starts(ev->path, "o:c:") &&
	       str_eq(ev->path + 4, name) && (ev->flags & (EVF_TRUE | EVF_KILL)) == flags;
}

/* Forward: events some path from a zero test reaches (the test included). */
static unsigned char *after_zero_test(const struct function *fn, const char *name)
{
	int nb = fn->nblocks;
	unsigned char *in = xcalloc((size_t)(nb ? nb : 1), 1);
	unsigned char *reach = xcalloc((size_t)fn_max_pos(fn) + 1, 1);
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = 0; b < nb; b++) {
			int r = in[b];
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				r |= is_counter_event(ev, name, 0);
				reach[ev->pos] = (unsigned char)r;
			}
			for (int s = 0; r && s < fn->blocks[b].nsuccs; s++)
				if (!in[fn->blocks[b].succs[s]])
					in[fn->blocks[b].succs[s]] = 1, changed = 1;
		}
	}
	free(in);
	return reach;
}

/* Backward: just after each event, the paths to the counter's first test: bit 0, some
 * path passes no increment or reset; bit 1, on some path the last of them is a reset. A
 * call is counted when neither: on every path, the counter was incremented since any
 * reset. */
static unsigned char *unprotected_after(const struct function *fn, const char *name)
{
	int nb = fn->nblocks;
	unsigned char *out = xcalloc((size_t)(nb ? nb : 1), 1);
	unsigned char *after = xcalloc((size_t)fn_max_pos(fn) + 1, 1);
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = nb - 1; b >= 0; b--) {
			int v = 0;
			for (int s = 0; s < fn->blocks[b].nsuccs; s++)
				v |= out[fn->blocks[b].succs[s]];
			for (int e = fn->blocks[b].nevents - 1; e >= 0; e--) {
				const struct event *ev = &fn->blocks[b].events[e];
				after[ev->pos] = (unsigned char)v;
				if (is_counter_event(ev, name, 0))
					v = 1;
				else if (is_counter_event(ev, name, EVF_TRUE))
					v &= 2;
				else if (is_counter_event(ev, name, EVF_KILL))
					v = ((v & 1) << 1) | (v & 2);
			}
			if (v != out[b])
				out[b] = (unsigned char)v, changed = 1;
		}
	}
	free(out);
	return after;
}

static void add_counter(struct fallback *fb, int k, const struct function *fn, const char *name, int id)
{
	unsigned char *reach = after_zero_test(fn, name), *after = unprotected_after(fn, name);
	int np = fn_max_pos(fn) + 1;
	if (!fb->first[k]) {
		fb->first[k] = xcalloc((size_t)np, 1);
		fb->zero[k] = xcalloc((size_t)np, 1);
	}
	int incremented = 0;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++)
			incremented |= is_counter_event(&fn->blocks[b].events[e], name, EVF_TRUE);
	char *var = xasprintf("c:%s", name);
	unsigned char *zero = zero_branch_events(fn, var);
	free(var);
	for (int b = 0; incremented && b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (zero[ev->pos] && !fb->zero[k][ev->pos])
				fb->zero[k][ev->pos] = (unsigned char)id;
			if ((ev->kind == EV_CALL || ev->kind == EV_THREAD_CREATE) && !reach[ev->pos] &&
			    !after[ev->pos] && !fb->first[k][ev->pos])
				fb->first[k][ev->pos] = (unsigned char)id;
		}
	free(zero);
	free(reach);
	free(after);
}

/* Was the counter of path tested at an earlier event of fn (it is added once)? */
static int seen_before(const struct function *fn, int b0, int e0, const char *path)
{
	for (int b = 0; b <= b0; b++)
		for (int e = 0; e < (b == b0 ? e0 : fn->blocks[b].nevents); e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind == EV_ASSUME && !(ev->flags & (EVF_TRUE | EVF_KILL)) &&
			    str_eq(ev->path, path))
				return 1;
		}
	return 0;
}

void fallback_build(struct analysis *a)
{
	struct fallback *fb = xcalloc(1, sizeof *fb);
	a->fallback = fb;
	size_t nf = (size_t)(a->ix.nfns ? a->ix.nfns : 1);
	fb->first = xcalloc(nf, sizeof *fb->first);
	fb->zero = xcalloc(nf, sizeof *fb->zero);
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct function *fn = a->ix.fns[k].fn;
		int id = 0;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents && id < 255; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				if (ev->kind == EV_ASSUME && ev->path && str_starts(ev->path, "o:c:") &&
				    !(ev->flags & (EVF_TRUE | EVF_KILL)) && !seen_before(fn, b, e, ev->path))
					add_counter(fb, k, fn, ev->path + 4, ++id);
			}
	}
}

void fallback_free(struct analysis *a)
{
	struct fallback *fb = a->fallback;
	if (!fb)
		return;
	for (int k = 0; k < a->ix.nfns; k++) {
		free(fb->first[k]);
		free(fb->zero[k]);
	}
	free(fb->first);
	free(fb->zero);
	free(fb);
	a->fallback = NULL;
}

int fallback_exclusive(const struct analysis *a, const struct when *x, const struct when *y)
{
	const struct fallback *fb = a->fallback;
	int n = x->n < y->n ? x->n : y->n, l = 0;
	while (l < n && when_lv(x, l)->pos == when_lv(y, l)->pos)
		l++;
	if (!fb || l == n || when_lv(x, l)->fn != when_lv(y, l)->fn)
		return 0;
	int k = when_lv(x, l)->fn, px = when_lv(x, l)->pos, py = when_lv(y, l)->pos;
	if (!fb->first[k])
		return 0;
	return (fb->first[k][px] && fb->first[k][px] == fb->zero[k][py]) ||
	       (fb->zero[k][px] && fb->zero[k][px] == fb->first[k][py]);
}
