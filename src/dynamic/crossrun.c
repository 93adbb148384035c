/* crossrun.c — lock-order cycles over class names, from this run's edges (every process)
 * and the stored edges of other test programs' newest runs. Each order of a cycle is
 * shown at its second acquisition, from this run when this run saw it, else from the
 * run that did (cited by number and command). */
#include <stdlib.h>
#include <string.h>

#include "common/findkit.h"
#include "common/util.h"
#include "internal.h"

#define MAX_CYCLE 4

struct pair {
	int from, to;
	const struct stored_edge **src;    /* run 0: this run */
	int nsrc, cap;
};

struct ngraph {
	const char **names;                /* sorted: a cycle is found from its smallest */
	int nnames;
	struct pair *pairs;
	int npairs, cap;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int name_index(const struct ngraph *g, const char *name)
{
	const char **hit = bsearch(&name, g->names, (size_t)g->nnames, sizeof *g->names, cmp_name);
	return hit ? (int)(hit - g->names) : -1;
}

static void add_names(const char ***names, int *n, int *cap, const struct stored_edge_list *l)
{
	for (int i = 0; i < l->n; i++) {
		grow_array((void **)names, cap, *n + 1, sizeof **names);
		(*names)[(*n)++] = l->items[i].from;
		(*names)[(*n)++] = l->items[i].to;
	}
}

static void add_sources(struct ngraph *g, const struct stored_edge_list *l)
{
	for (int i = 0; i < l->n; i++) {
		const struct stored_edge *e = &l->items[i];
		int a = name_index(g, e->from), b = name_index(g, e->to);
		if (a < 0 || b < 0 || a == b)
			continue;
		struct pair *p = NULL;
		for (int k = 0; k < g->npairs && !p; k++)
			if (g->pairs[k].from == a && g->pairs[k].to == b)
				p = &g->pairs[k];
		if (!p) {
			grow_array((void **)&g->pairs, &g->cap, g->npairs, sizeof *g->pairs);
			p = &g->pairs[g->npairs++];
			p->from = a;
			p->to = b;
		}
		grow_array((void **)&p->src, &p->cap, p->nsrc, sizeof *p->src);
		p->src[p->nsrc++] = e;
	}
}

static void build(struct ngraph *g, const struct stored_edge_list *mine,
                  const struct stored_edge_list *others)
{
	int cap = 0;
	add_names(&g->names, &g->nnames, &cap, mine);
	add_names(&g->names, &g->nnames, &cap, others);
	if (g->nnames)
		qsort(g->names, (size_t)g->nnames, sizeof *g->names, cmp_name);
	int w = 0;
	for (int i = 0; i < g->nnames; i++)
		if (!w || strcmp(g->names[w - 1], g->names[i]))
			g->names[w++] = g->names[i];
	g->nnames = w;
	add_sources(g, mine);
	add_sources(g, others);
}

/* ---- the conditions for a cycle to count -------------------------------------------- */

static int blocking(const struct pair *p)
{
	for (int i = 0; i < p->nsrc; i++)
		if (p->src[i]->flags & EDGE_BLOCKING)
			return 1;
	return 0;
}

static int has_gate(const struct stored_edge *e, const char *g)
{
	for (int i = 0; i < e->ngates; i++)
		if (!strcmp(e->gates[i], g))
			return 1;
	return 0;
}

/* One lock held around every occurrence of every order. */
static int gated(struct pair *const *cyc, int n)
{
	const struct stored_edge *first = cyc[0]->src[0];
	for (int k = 0; k < first->ngates; k++) {
		int all = 1;
		for (int i = 0; i < n && all; i++)
			for (int j = 0; j < cyc[i]->nsrc && all; j++)
				all = has_gate(cyc[i]->src[j], first->gates[k]);
		if (all)
			return 1;
	}
	return 0;
}

/* All of it made by one thread of one run. */
static int one_thread(struct pair *const *cyc, int n)
{
	const struct stored_edge *ref = NULL;
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < cyc[i]->nsrc; j++) {
			const struct stored_edge *e = cyc[i]->src[j];
			if (e->threads != 1 || !e->thread_key)
				return 0;
			if (!ref)
				ref = e;
			else if (e->run != ref->run || strcmp(e->thread_key, ref->thread_key))
				return 0;
		}
	}
	return 1;
}

static int current(struct pair *const *cyc, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < cyc[i]->nsrc; j++)
			if (cyc[i]->src[j]->run == 0)
				return 1;
	return 0;
}

/* The occurrence to show: this run's when it saw the order, else the newest run's. */
static const struct stored_edge *shown(const struct pair *p)
{
	const struct stored_edge *best = NULL;
	for (int i = 0; i < p->nsrc; i++) {
		const struct stored_edge *e = p->src[i];
		if (!best || (best->run != 0 && (e->run == 0 || e->run > best->run)))
			best = e;
	}
	return best;
}

/* ---- the finding -------------------------------------------------------------------- */

static void copy_location(struct location *dst, const struct location *src, const struct stored_edge *e)
{
	dst->file = xstrdup(src->file);
	dst->line = src->line;
	dst->col = src->col;
	dst->func = xstrdup(src->func);
	dst->message = e->run ? xasprintf("%s, in run %ld (%s)", src->message ? src->message : "",
	                                  e->run, e->run_scope ? e->run_scope : "?")
	                      : xstrdup(src->message);
	dst->thread = xstrdup(src->thread);
	dst->locks = xstrdup(src->locks);
	for (int i = 0; i < src->nstack; i++)
		finding_add_frame(dst, src->stack[i].func, src->stack[i].file, src->stack[i].line);
}

static char *symbol_of(const struct ngraph *g, struct pair *const *cyc, int n)
{
	/* Rotation from the smallest class (names are sorted, so the smallest index). */
	int lo = 0;
	for (int k = 1; k < n; k++)
		if (cyc[k]->from < cyc[lo]->from)
			lo = k;
	struct strbuf sb;
	sb_init(&sb);
	for (int k = 0; k < n; k++) {
		char *s = dyn_symbol_of_name(g->names[cyc[(lo + k) % n]->from]);
		sb_addf(&sb, "%s%s", k ? " -> " : "", s);
		free(s);
	}
	return sb_detach(&sb);
}

static void report(const struct dyn_ctx *c, const struct ngraph *g, struct pair *const *cyc, int n)
{
	const struct stored_edge *e[MAX_CYCLE];
	int first = 0;
	for (int k = 0; k < n; k++) {
		e[k] = shown(cyc[k]);
		if (e[k]->inner.line < e[first]->inner.line)
			first = k;
	}
	struct strbuf msg;
	sb_init(&msg);
	sb_add(&msg, "lock-order inversion: ");
	for (int k = 0; k <= n; k++) {
		char *l = dyn_label_of_name(g->names[cyc[(first + k) % n]->from]);
		sb_addf(&msg, "%s%s", k ? " -> " : "", l);
		free(l);
	}
	int other = 0;
	for (int k = 0; k < n; k++)
		other = other || e[k]->run;
	if (other) {
		sb_add(&msg, " (predicted across runs:");
		for (int k = 0; k < n; k++)
			if (e[k]->run)
				sb_addf(&msg, " run %ld saw the order %s -> %s;", e[k]->run,
				        g->names[cyc[k]->from], g->names[cyc[k]->to]);
		msg.buf[msg.len - 1] = ')';
	}
	char *sym = symbol_of(g, cyc, n);
	struct finding *f = dyn_finding(c, "lock-order-inversion", msg.buf, sym);
	for (int k = 0; k < n; k++) {
		const struct stored_edge *s = e[(first + k) % n];
		copy_location(finding_add_loc(f), &s->inner, s);
	}
	free(sym);
	sb_free(&msg);
}

/* The cycle already deadlocked in this run: that finding says more. */
static int deadlocked(const struct dyn_ctx *c, const struct ngraph *g, struct pair *const *cyc, int n)
{
	char *sym = symbol_of(g, cyc, n);
	int found = 0;
	for (int i = 0; i < c->out->n && !found; i++)
		found = str_eq(c->out->items[i].rule, "deadlock") && str_eq(c->out->items[i].symbol, sym);
	free(sym);
	return found;
}

static void consider(const struct dyn_ctx *c, const struct ngraph *g, struct pair *const *cyc, int n)
{
	for (int i = 0; i < n; i++)
		if (!blocking(cyc[i]))
			return;
	if (current(cyc, n) && !gated(cyc, n) && !one_thread(cyc, n) && !deadlocked(c, g, cyc, n))
		report(c, g, cyc, n);
}

static void search(const struct dyn_ctx *c, struct ngraph *g, int start, int at,
                   struct pair **path, int depth)
{
	for (int i = 0; i < g->npairs; i++) {
		struct pair *p = &g->pairs[i];
		if (p->from != at)
			continue;
		path[depth] = p;
		if (p->to == start) {
			consider(c, g, path, depth + 1);
			continue;
		}
		int seen = p->to < start;
		for (int k = 0; k < depth && !seen; k++)
			seen = path[k]->from == p->to;
		if (!seen && depth + 1 < MAX_CYCLE)
			search(c, g, start, p->to, path, depth + 1);
	}
}

void dynamic_lock_order(struct dyn_run *r, const struct stored_edge_list *others,
                        const struct dyn_opts *o)
{
	struct ngraph g = {0};
	struct stored_edge_list none = {0};
	build(&g, &r->edges, others ? others : &none);
	struct dyn_ctx c = {.opts = o, .out = &r->findings};
	int before = r->findings.n;
	struct pair *path[MAX_CYCLE];
	for (int s = 0; s < g.nnames; s++)
		search(&c, &g, s, s, path, 0);
	finding_list_finish(&r->findings, before, o->root);
	for (int i = 0; i < g.npairs; i++)
		free(g.pairs[i].src);
	free(g.pairs);
	free(g.names);
}
