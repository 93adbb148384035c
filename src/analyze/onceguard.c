/* onceguard.c — setup that runs only while a variable is still zero.
 *
 *     static struct pool *jobs;                 void run(void) {
 *     void setup(void) {                            setup();
 *         if (jobs != NULL) return;                 start_workers();     // jobs != NULL
 *         jobs = make_pool(); …init…               …
 *     }                                         }   // teardown: join workers; jobs = NULL
 *
 * The code of setup() after the zero test of `jobs` that also sets `jobs` (its "first-run
 * region") runs only while `jobs` is zero. A thread created only where `jobs` is surely
 * nonzero (after a call that sets it or finds it set, at some level of its creation chain,
 * with nothing below resetting it), whose every other write of `jobs` (a teardown's reset)
 * cannot run alongside it, never runs while `jobs` is zero: the region does not run
 * alongside that thread, however often setup() is called. The extractor names a
 * static-storage variable tested once "o:PATH" (ASSUME events); nothing else reads them. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct guard_flow {                  /* per function, for one guard */
	unsigned char state;         /* 0 not computed, 1 computing, 2 done */
	unsigned char ensures;       /* every return leaves the variable nonzero */
	unsigned char resets;        /* some path may write it outside a first-run region */
	unsigned char *ens, *rst;    /* per event pos: surely nonzero / maybe reset before it */
};

struct onceguard {
	char **var;                  /* guard variables (access paths) */
	int n;
	unsigned short **region;     /* per fn: per event pos, 1 + guard of its region, or 0 */
	struct guard_flow **flow;    /* per guard, per fn */
	unsigned char **affected;    /* per guard, per fn: it or a callee writes or tests the
	                                variable (nothing else can change or tell its value) */
	unsigned char *safe;         /* per guard × context: 0 unknown, 1 safe, 2 not */
	int nsafe_ctx;
};

static int guard_of(const struct onceguard *og, const char *var)
{
	for (int i = 0; i < og->n; i++)
		if (str_eq(og->var[i], var))
			return i;
	return -1;
}

static int is_zero_test_of(const struct event *ev, const char *var)
{
	return ev->kind == EV_ASSUME && !(ev->flags & (EVF_TRUE | EVF_KILL)) && ev->path &&
	       str_starts(ev->path, "o:") && str_eq(ev->path + 2, var);
}

static int writes(const struct event *ev, const char *var)
{
	return ev->kind == EV_ACCESS && (ev->flags & EVF_WRITE) && ev->path && str_eq(ev->path, var);
}

unsigned char *zero_branch_events(const struct function *fn, const char *var)
{
	int nb = fn->nblocks;
	unsigned char *in = xmalloc((size_t)nb);
	memset(in, 2, (size_t)nb);                  /* 2: not reached yet */
	in[0] = 0;
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = 0; b < nb; b++) {
			if (in[b] == 2)
				continue;
			int out = in[b];
			for (int e = 0; e < fn->blocks[b].nevents; e++)
				out |= is_zero_test_of(&fn->blocks[b].events[e], var);
			for (int s = 0; s < fn->blocks[b].nsuccs; s++) {
				int t = fn->blocks[b].succs[s];
				int v = in[t] == 2 ? out : (in[t] & out);
				if (v != in[t])
					in[t] = (unsigned char)v, changed = 1;
			}
		}
	}
	unsigned char *passed = xcalloc((size_t)fn_max_pos(fn) + 1, 1);
	for (int b = 0; b < nb; b++) {
		int p = in[b] == 1;
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			p |= is_zero_test_of(ev, var);
			passed[ev->pos] = (unsigned char)p;
		}
	}
	free(in);
	return passed;
}

/* Marks fn's first-run region of var when the zero branch of its test writes var. */
static void find_region(struct onceguard *og, int k, const struct function *fn, const char *var)
{
	unsigned char *passed = zero_branch_events(fn, var);
	int sets = 0;
	for (int b = 0; b < fn->nblocks && !sets; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (passed[ev->pos] && writes(ev, var) && !str_eq(ev->api, "=0"))
				sets = 1;
		}
	if (sets) {
		int g = guard_of(og, var);
		if (g < 0) {
			og->var = xrealloc(og->var, (size_t)(og->n + 1) * sizeof *og->var);
			og->var[g = og->n++] = xstrdup(var);
		}
		int np = fn_max_pos(fn) + 1;
		if (!og->region[k])
			og->region[k] = xcalloc((size_t)np, sizeof **og->region);
		for (int p = 0; p < np; p++)
			if (passed[p] && !og->region[k][p])
				og->region[k][p] = (unsigned short)(g + 1);
	}
	free(passed);
}

/* The guard of a variable an event writes or finds nonzero, or -1. */
static int touched_guard(const struct onceguard *og, const struct keymap *by_var, const struct event *ev)
{
	const char *var = NULL;
	if (ev->kind == EV_ACCESS && (ev->flags & EVF_WRITE))
		var = ev->path;
	else if (ev->kind == EV_ASSUME && (ev->flags & EVF_TRUE) && ev->path && str_starts(ev->path, "o:"))
		var = ev->path + 2;
	int g;
	return var && og->n && keymap_get_str(by_var, var, &g) ? g : -1;
}

/* affected[g]: the functions that touch guard g's variable, and their callers (through
 * direct calls): only these are solved. */
static void find_affected(struct analysis *a, struct onceguard *og)
{
	int nf = a->ix.nfns ? a->ix.nfns : 1;
	struct keymap by_var = {0};
	for (int g = 0; g < og->n; g++)
		keymap_put_str(&by_var, og->var[g], g);
	og->affected = xcalloc((size_t)og->n, sizeof *og->affected);
	for (int g = 0; g < og->n; g++)
		og->affected[g] = xcalloc((size_t)nf, 1);
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct function *fn = a->ix.fns[k].fn;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				int g = touched_guard(og, &by_var, &fn->blocks[b].events[e]);
				if (g >= 0)
					og->affected[g][k] = 1;
			}
	}
	keymap_free(&by_var);
	/* callers of each definition, then a walk up from the touching ones per guard */
	struct call_graph cg;
	call_graph_build(&a->ix, &cg);
	int *rfirst = xcalloc((size_t)nf + 1, sizeof *rfirst), *rcaller, *fill, *stack;
	for (int k = 0; k < a->ix.nfns; k++)
		rfirst[k + 1] = rfirst[k] + cg.callers[k];
	rcaller = xcalloc((size_t)(rfirst[a->ix.nfns] ? rfirst[a->ix.nfns] : 1), sizeof *rcaller);
	fill = xcalloc((size_t)nf, sizeof *fill);
	for (int k = 0; k < a->ix.nfns; k++)
		for (int i = cg.first[k]; i < cg.first[k + 1]; i++) {
			int c = cg.callee[i];
			rcaller[rfirst[c] + fill[c]++] = k;
		}
	stack = xcalloc((size_t)nf, sizeof *stack);
	for (int g = 0; g < og->n; g++) {
		unsigned char *aff = og->affected[g];
		int top = 0;
		for (int k = 0; k < a->ix.nfns; k++)
			if (aff[k])
				stack[top++] = k;
		while (top) {
			int k = stack[--top];
			for (int i = rfirst[k]; i < rfirst[k + 1]; i++)
				if (!aff[rcaller[i]])
					aff[rcaller[i]] = 1, stack[top++] = rcaller[i];
		}
	}
	free(stack);
	free(fill);
	free(rcaller);
	free(rfirst);
	call_graph_free(&cg);
}

void onceguard_build(struct analysis *a)
{
	struct onceguard *og = xcalloc(1, sizeof *og);
	a->onceguard = og;
	og->region = xcalloc((size_t)(a->ix.nfns ? a->ix.nfns : 1), sizeof *og->region);
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct function *fn = a->ix.fns[k].fn;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				if (ev->kind == EV_ASSUME && ev->path && str_starts(ev->path, "o:") &&
				    !str_starts(ev->path, "o:c:") && !(ev->flags & (EVF_TRUE | EVF_KILL)))
					find_region(og, k, fn, ev->path + 2);
			}
	}
	if (og->n) {
		og->flow = xcalloc((size_t)og->n, sizeof *og->flow);
		for (int g = 0; g < og->n; g++)
			og->flow[g] = xcalloc((size_t)(a->ix.nfns ? a->ix.nfns : 1), sizeof **og->flow);
		find_affected(a, og);
	}
}

void onceguard_free(struct analysis *a)
{
	struct onceguard *og = a->onceguard;
	if (!og)
		return;
	for (int g = 0; g < og->n; g++) {
		for (int k = 0; k < a->ix.nfns; k++) {
			free(og->flow[g][k].ens);
			free(og->flow[g][k].rst);
		}
		free(og->flow[g]);
		free(og->affected[g]);
		free(og->var[g]);
	}
	for (int k = 0; k < a->ix.nfns; k++)
		free(og->region[k]);
	free(og->flow);
	free(og->affected);
	free(og->var);
	free(og->region);
	free(og->safe);
	free(og);
	a->onceguard = NULL;
}

static const struct guard_flow *flow_of(struct analysis *a, int g, int k);

/* What event ev does to guard g's variable: 1 makes it surely nonzero, -1 may reset it. */
static int effect(struct analysis *a, int g, int k, const struct event *ev)
{
	struct onceguard *og = a->onceguard;
	const char *var = og->var[g];
	if (ev->kind == EV_ASSUME && (ev->flags & EVF_TRUE) && ev->path && str_starts(ev->path, "o:") &&
	    str_eq(ev->path + 2, var))
		return 1;
	if (writes(ev, var))
		return og->region[k] && og->region[k][ev->pos] == g + 1 && !str_eq(ev->api, "=0") ? 1 : -1;
	if (ev->kind != EV_CALL || !ev->callee)
		return 0;
	const struct fn_ref *r = index_resolve_call(&a->ix, ev, a->ix.fns[k].tu);
	if (!r)
		return 0;
	int callee = index_of_ref(&a->ix, r);
	if (!og->affected[g][callee])
		return 0;
	const struct guard_flow *c = flow_of(a, g, callee);
	return c->ensures ? 1 : c->resets ? -1 : 0;
}

/* Forward over fn's blocks: must "nonzero" and may "reset" at each event. */
static void solve(struct analysis *a, int g, int k, struct guard_flow *fl)
{
	const struct function *fn = a->ix.fns[k].fn;
	int nb = fn->nblocks, np = fn_max_pos(fn) + 1;
	unsigned char *ens = xmalloc((size_t)nb), *rst = xcalloc((size_t)nb, 1);
	memset(ens, 2, (size_t)nb);
	fl->ens = xcalloc((size_t)np, 1);
	fl->rst = xcalloc((size_t)np, 1);
	if (nb == 0) {
		free(ens), free(rst);
		return;
	}
	ens[0] = 0;
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = 0; b < nb; b++) {
			if (ens[b] == 2)
				continue;
			int e1 = ens[b], r1 = rst[b];
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				fl->ens[ev->pos] = (unsigned char)e1;
				fl->rst[ev->pos] = (unsigned char)r1;
				int eff = effect(a, g, k, ev);
				if (eff > 0)
					e1 = 1;
				else if (eff < 0)
					e1 = 0, r1 = 1;
			}
			for (int s = 0; s < fn->blocks[b].nsuccs; s++) {
				int t = fn->blocks[b].succs[s];
				int ne = ens[t] == 2 ? e1 : (ens[t] & e1), nr = rst[t] | r1;
				if (ne != ens[t] || nr != rst[t])
					ens[t] = (unsigned char)ne, rst[t] = (unsigned char)nr, changed = 1;
			}
		}
	}
	fl->ensures = nb > 1 && ens[1] == 1;
	fl->resets = 0;
	for (int b = 0; b < nb; b++)
		fl->resets |= rst[b] && ens[b] != 2;
	free(ens);
	free(rst);
}

static const struct guard_flow *flow_of(struct analysis *a, int g, int k)
{
	struct guard_flow *fl = &a->onceguard->flow[g][k];
	if (fl->state == 0) {
		fl->state = 1;               /* a recursive call: neither ensures nor resets */
		solve(a, g, k, fl);
		fl->state = 2;
	}
	return fl;
}

/* Is guard g's variable surely nonzero at event ev of frame f: set at some level of the
 * calls that lead there, and reset by none below it? */
static int nonzero_at(struct analysis *a, int g, const struct activation *f, const struct event *ev)
{
	for (; f; ev = f->call, f = f->caller) {
		if (!a->onceguard->affected[g][f->fn_index])
			continue;            /* nothing here changes or tells its value */
		const struct guard_flow *fl = flow_of(a, g, f->fn_index);
		if (!fl->ens || !fl->rst)
			return 0;
		if (fl->ens[ev->pos])
			return 1;
		if (fl->rst[ev->pos])
			return 0;
	}
	return 0;
}

void onceguard_note_create(struct analysis *a, struct context *c, const struct activation *f,
                           const struct event *ev)
{
	struct onceguard *og = a->onceguard;
	if (!og || !og->n)
		return;
	int first = !c->once_set;
	if (first)
		c->once_set = xcalloc((size_t)og->n, 1);
	for (int g = 0; g < og->n; g++)
		if (first || c->once_set[g])
			c->once_set[g] = (unsigned char)nonzero_at(a, g, f, ev);
}

int onceguard_region(const struct analysis *a, const struct activation *f, const struct event *ev)
{
	const struct onceguard *og = a->onceguard;
	if (!og || !og->n)
		return 0;
	for (; f; ev = f->call, f = f->caller)
		if (og->region[f->fn_index] && og->region[f->fn_index][ev->pos])
			return og->region[f->fn_index][ev->pos];
	return 0;
}

/* Thread context t never runs while guard g's variable is zero: created where it is
 * nonzero, and no write of it outside a first-run region can run alongside t. */
static int safe(const struct analysis *a, int g, const struct context *t)
{
	if (t->kind != CTX_THREAD || !t->once_set || !t->once_set[g])
		return 0;
	const char *var = a->onceguard->var[g];
	for (int i = 0; i < a->nacc; i++) {
		const struct access_rec *w = &a->acc[i];
		if (!w->write || w->once_guard == g + 1 || !str_eq(w->object, var))
			continue;
		if (w->ctx == t->id || contexts_concurrent(a, w->ctx, &w->when, t->id, &t->start))
			return 0;
	}
	return 1;
}

static int region_excludes(const struct analysis *a, const struct access_rec *x, const struct access_rec *y)
{
	struct onceguard *og = a->onceguard;
	if (!x->once_guard)
		return 0;
	int g = x->once_guard - 1;
	if (og->nsafe_ctx != a->nctxs) {
		free(og->safe);
		og->safe = xcalloc((size_t)og->n * (size_t)a->nctxs, 1);
		og->nsafe_ctx = a->nctxs;
	}
	unsigned char *s = &og->safe[(size_t)g * (size_t)a->nctxs + (size_t)y->ctx];
	if (!*s)
		*s = safe(a, g, a->ctxs[y->ctx]) ? 1 : 2;
	return *s == 1;
}

int onceguard_excludes(const struct analysis *a, const struct access_rec *x, const struct access_rec *y)
{
	return region_excludes(a, x, y) || region_excludes(a, y, x);
}
