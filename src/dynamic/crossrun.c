/* crossrun.c — lock-order cycles over class names, from this run's edges (every process)
 * and the stored edges of other test programs' newest runs, one finding per inversion (its
 * shortest cycle that counts: common/cycles.c). Each order of a cycle is
 * shown at its second acquisition, from this run when this run saw it, else from the
 * run that did (cited by number and command). */
#include <stdlib.h>
#include <string.h>

#include "common/cycles.h"
#include "common/keymap.h"
#include "common/util.h"
#include "internal.h"

#define MAX_CYCLE 4

struct pair {
	int from, to;
	const struct stored_edge **src;    /* run 0: this run */
	int nsrc, cap;
};

struct ngraph {
	const char **names;                /* sorted: nodes are numbered by name */
	int nnames;
	struct pair *pairs;
	int npairs, cap;
	struct keymap index;               /* (from, to) -> its pair */
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Each distinct class name once, in g->names (sorted later); name_ids: name -> its slot. */
static void add_names(struct ngraph *g, int *cap, struct keymap *name_ids,
                      const struct stored_edge_list *l)
{
	for (int i = 0; i < l->n; i++) {
		const char *ends[2] = {l->items[i].from, l->items[i].to};
		for (int k = 0; k < 2; k++) {
			struct hkey h = hkey_of_string(ends[k]);
			if (keymap_get(name_ids, h, NULL))
				continue;
			keymap_put(name_ids, h, g->nnames);
			grow_array((void **)&g->names, cap, g->nnames, sizeof *g->names);
			g->names[g->nnames++] = ends[k];
		}
	}
}

static int name_index(const struct keymap *name_ids, const char *name)
{
	int at;
	return keymap_get(name_ids, hkey_of_string(name), &at) ? at : -1;
}

static void add_sources(struct ngraph *g, const struct keymap *name_ids,
                        const struct stored_edge_list *l)
{
	for (int i = 0; i < l->n; i++) {
		const struct stored_edge *e = &l->items[i];
		int a = name_index(name_ids, e->from), b = name_index(name_ids, e->to);
		if (a < 0 || b < 0 || a == b)
			continue;
		struct hkey key = hkey_of_ints((const int[]){a, b}, 2);
		int at;
		struct pair *p = keymap_get(&g->index, key, &at) ? &g->pairs[at] : NULL;
		if (!p) {
			keymap_put(&g->index, key, g->npairs);
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
	struct keymap name_ids = {0};
	add_names(g, &cap, &name_ids, mine);
	add_names(g, &cap, &name_ids, others);
	if (g->nnames)
		qsort(g->names, (size_t)g->nnames, sizeof *g->names, cmp_name);
	for (int i = 0; i < g->nnames; i++)     /* nodes numbered by name */
		keymap_put(&name_ids, hkey_of_string(g->names[i]), i);
	add_sources(g, &name_ids, mine);
	add_sources(g, &name_ids, others);
	keymap_free(&name_ids);
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
	const struct stored_edge **e = xcalloc((size_t)n, sizeof *e);
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
	free(e);
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

/* Reports the cycle when it counts; 1 when it did. */
static int consider(const struct dyn_ctx *c, const struct ngraph *g, struct pair *const *cyc, int n)
{
	for (int i = 0; i < n; i++)
		if (!blocking(cyc[i]))
			return 0;
	if (!current(cyc, n) || gated(cyc, n) || one_thread(cyc, n) || deadlocked(c, g, cyc, n))
		return 0;
	report(c, g, cyc, n);
	return 1;
}

struct search {
	const struct dyn_ctx *c;
	struct ngraph *g;
	struct pair **cyc;
	int cap;
};

static int offered(void *ctx, const int *cyc, int n)
{
	struct search *s = ctx;
	grow_array((void **)&s->cyc, &s->cap, n, sizeof *s->cyc);
	for (int k = 0; k < n; k++)
		s->cyc[k] = &s->g->pairs[cyc[k]];
	return consider(s->c, s->g, s->cyc, n);
}

void dynamic_lock_order(struct dyn_run *r, const struct stored_edge_list *others,
                        const struct dyn_opts *o)
{
	struct ngraph g = {0};
	struct stored_edge_list none = {0};
	build(&g, &r->edges, others ? others : &none);
	struct dyn_ctx c = {.opts = o, .out = &r->findings};
	int before = r->findings.n;
	/* One inversion, one finding: its shortest cycle that counts (common/cycles.c). */
	struct cycle_edge *edges = xcalloc((size_t)g.npairs + 1, sizeof *edges);
	for (int i = 0; i < g.npairs; i++) {
		edges[i].from = g.pairs[i].from;
		edges[i].to = g.pairs[i].to;
	}
	struct search s = {.c = &c, .g = &g};
	cycles_find(g.nnames, edges, g.npairs, MAX_CYCLE, offered, &s);
	free(s.cyc);
	free(edges);
	for (int i = before; i < r->findings.n; i++)
		finding_fingerprint(&r->findings.items[i], o->root);
	for (int i = 0; i < g.npairs; i++)
		free(g.pairs[i].src);
	free(g.pairs);
	free(g.names);
	keymap_free(&g.index);
}
