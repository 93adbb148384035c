/* cycles.c — the inversions of a lock-order graph (see cycles.h): Tarjan's strongly
 * connected components, a depth-first search for the back edges inside them, and per back
 * edge a breadth-first search for its shortest cycle, then a bounded search for longer ones.
 * Every search is iterative (graphs of thousands of classes would overflow the stack). */
#include "cycles.h"

#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "util.h"

/* Paths tried per inversion after its shortest cycle did not count. */
enum { LONGER_BUDGET = 1 << 16 };

struct graph {
	int n;
	const struct cycle_edge *e;
	int *start;                  /* node v's edges are out[start[v] .. start[v + 1]) */
	int *out;                    /* edge indices, by source, then target, then index */
	int *comp;                   /* strongly connected component of each node */
};

static int by_source_target(const void *x, const void *y, void *edges)
{
	int a = *(const int *)x, b = *(const int *)y;
	const struct cycle_edge *p = (const struct cycle_edge *)edges + a;
	const struct cycle_edge *q = (const struct cycle_edge *)edges + b;
	if (p->from != q->from)
		return p->from < q->from ? -1 : 1;
	if (p->to != q->to)
		return p->to < q->to ? -1 : 1;
	return a < b ? -1 : a > b;
}

static void build(struct graph *g, int nnodes, const struct cycle_edge *edges, int nedges)
{
	g->n = nnodes;
	g->e = edges;
	g->start = xcalloc((size_t)nnodes + 1, sizeof *g->start);
	g->out = xcalloc((size_t)nedges + 1, sizeof *g->out);
	g->comp = xcalloc((size_t)nnodes + 1, sizeof *g->comp);
	for (int i = 0; i < nedges; i++) {
		g->out[i] = i;
		g->start[edges[i].from + 1]++;
	}
	for (int v = 0; v < nnodes; v++)
		g->start[v + 1] += g->start[v];
	qsort_r(g->out, (size_t)nedges, sizeof *g->out, by_source_target, (void *)edges);
}

static void graph_free(struct graph *g)
{
	free(g->start);
	free(g->out);
	free(g->comp);
}

/* Tarjan's algorithm without recursion: comp[v] numbers v's component. */
static void components(struct graph *g)
{
	int n = g->n, counter = 0, ncomp = 0, sp = 0, cp = 0;
	int *index = xcalloc((size_t)n + 1, sizeof *index);    /* 0: not visited yet */
	int *low = xcalloc((size_t)n + 1, sizeof *low);
	int *next = xcalloc((size_t)n + 1, sizeof *next);      /* position in v's edges */
	char *on = xcalloc((size_t)n + 1, 1);
	int *stack = xcalloc((size_t)n + 1, sizeof *stack), *call = xcalloc((size_t)n + 1, sizeof *call);
	for (int root = 0; root < n; root++) {
		if (index[root])
			continue;
		call[cp++] = root;
		while (cp) {
			int v = call[cp - 1];
			if (!index[v]) {
				index[v] = low[v] = ++counter;
				next[v] = g->start[v];
				stack[sp++] = v;
				on[v] = 1;
			}
			if (next[v] < g->start[v + 1]) {
				int w = g->e[g->out[next[v]++]].to;
				if (!index[w])
					call[cp++] = w;
				else if (on[w] && index[w] < low[v])
					low[v] = index[w];
				continue;
			}
			cp--;
			if (cp && low[v] < low[call[cp - 1]])
				low[call[cp - 1]] = low[v];
			if (low[v] == index[v]) {
				int w;
				do {
					w = stack[--sp];
					on[w] = 0;
					g->comp[w] = ncomp;
				} while (w != v);
				ncomp++;
			}
		}
	}
	free(index);
	free(low);
	free(next);
	free(on);
	free(stack);
	free(call);
}

/* An edge that can lie on a cycle of more than one node. */
static int inside(const struct graph *g, int edge)
{
	const struct cycle_edge *e = &g->e[edge];
	return e->from != e->to && g->comp[e->from] == g->comp[e->to];
}

/* ---- offering cycles once ------------------------------------------------------------ */

struct offer {
	cycle_fn fn;
	void *ctx;
	struct keymap seen;          /* the edge sets offered so far */
	int *sorted;
	int cap;
};

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	return a < b ? -1 : a > b;
}

static int offer(struct offer *o, const int *cyc, int n)
{
	grow_array((void **)&o->sorted, &o->cap, n, sizeof *o->sorted);
	memcpy(o->sorted, cyc, (size_t)n * sizeof *cyc);
	qsort(o->sorted, (size_t)n, sizeof *o->sorted, cmp_int);
	struct hkey k = hkey_of_ints(o->sorted, n);
	int dummy;
	if (keymap_get(&o->seen, k, &dummy))
		return 0;
	keymap_put(&o->seen, k, 1);
	return o->fn(o->ctx, cyc, n);
}

/* ---- one inversion: the back edge u -> v ---------------------------------------------- */

struct scratch {
	int *via;                    /* BFS: the edge that reached each node, -1 none */
	int *queue;
	int *cyc;
	int *path_nodes;
};

/* The shortest cycle through back edge b: a path from its target to its source. */
static int shortest(const struct graph *g, struct scratch *s, int b, struct offer *o)
{
	int u = g->e[b].from, v = g->e[b].to, head = 0, tail = 0;
	for (int i = 0; i < g->n; i++)
		s->via[i] = -1;
	s->queue[tail++] = v;
	s->via[v] = b;
	while (head < tail && s->via[u] < 0) {
		int x = s->queue[head++];
		for (int k = g->start[x]; k < g->start[x + 1]; k++) {
			int e = g->out[k], y = g->e[e].to;
			if (!inside(g, e) || g->comp[y] != g->comp[v] || s->via[y] >= 0)
				continue;
			s->via[y] = e;
			s->queue[tail++] = y;
		}
	}
	if (s->via[u] < 0)
		return 0;
	int n = 0;
	for (int x = u; x != v; x = g->e[s->via[x]].from)
		s->cyc[n++] = s->via[x];
	/* The path was collected backwards from u: reversed, it runs from v, and b closes it. */
	for (int i = 0; i < n / 2; i++) {
		int t = s->cyc[i];
		s->cyc[i] = s->cyc[n - 1 - i];
		s->cyc[n - 1 - i] = t;
	}
	s->cyc[n++] = b;
	return offer(o, s->cyc, n);
}

/* Simple paths of exactly len edges from `at` to u (depth-first, by target), each closed
 * by b into a cycle; stops when one counts or the budget is spent. */
static int paths_of(const struct graph *g, struct scratch *s, int b, int at, int depth, int len,
                    int *budget, struct offer *o)
{
	int u = g->e[b].from;
	if (depth == len)
		return 0;
	for (int k = g->start[at]; k < g->start[at + 1] && *budget > 0; k++) {
		int e = g->out[k], y = g->e[e].to;
		if (!inside(g, e) || g->comp[y] != g->comp[u])
			continue;
		--*budget;
		int seen = 0;
		for (int i = 0; i <= depth && !seen; i++)
			seen = s->path_nodes[i] == y;
		if (seen && y != u)
			continue;
		s->cyc[depth] = e;
		if (y == u) {
			if (depth + 1 == len) {
				s->cyc[depth + 1] = b;
				if (offer(o, s->cyc, len + 1))
					return 1;
			}
			continue;
		}
		s->path_nodes[depth + 1] = y;
		if (paths_of(g, s, b, y, depth + 1, len, budget, o))
			return 1;
	}
	return 0;
}

static void inversion(const struct graph *g, struct scratch *s, int b, int max_len, struct offer *o)
{
	if (shortest(g, s, b, o))
		return;
	int budget = LONGER_BUDGET;
	s->path_nodes[0] = g->e[b].to;
	for (int len = 1; len < max_len && budget > 0; len++)
		if (paths_of(g, s, b, g->e[b].to, 0, len, &budget, o))
			return;
}

/* ---- the back edges: a depth-first search over the edges inside components ------------ */

void cycles_find(int nnodes, const struct cycle_edge *edges, int nedges, int max_len,
                 cycle_fn fn, void *ctx)
{
	struct graph g;
	build(&g, nnodes, edges, nedges);
	components(&g);
	struct offer o = {.fn = fn, .ctx = ctx};
	struct scratch s = {
		.via = xcalloc((size_t)nnodes + 1, sizeof(int)),
		.queue = xcalloc((size_t)nnodes + 1, sizeof(int)),
		.cyc = xcalloc((size_t)nnodes + (size_t)max_len + 2, sizeof(int)),
		.path_nodes = xcalloc((size_t)max_len + 2, sizeof(int)),
	};
	char *state = xcalloc((size_t)nnodes + 1, 1);    /* 0 new, 1 on the path, 2 done */
	int *next = xcalloc((size_t)nnodes + 1, sizeof *next), *call = xcalloc((size_t)nnodes + 1, sizeof *call);
	for (int root = 0; root < nnodes; root++) {
		if (state[root])
			continue;
		int cp = 0;
		call[cp++] = root;
		state[root] = 1;
		next[root] = g.start[root];
		while (cp) {
			int v = call[cp - 1];
			if (next[v] == g.start[v + 1]) {
				state[v] = 2;
				cp--;
				continue;
			}
			int e = g.out[next[v]++], w = edges[e].to;
			if (!inside(&g, e))
				continue;
			if (state[w] == 1) {
				inversion(&g, &s, e, max_len, &o);
			} else if (!state[w]) {
				state[w] = 1;
				next[w] = g.start[w];
				call[cp++] = w;
			}
		}
	}
	free(state);
	free(next);
	free(call);
	free(s.via);
	free(s.queue);
	free(s.cyc);
	free(s.path_nodes);
	free(o.sorted);
	keymap_free(&o.seen);
	graph_free(&g);
}
