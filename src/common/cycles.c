/* cycles.c — the inversions of a lock-order graph (see cycles.h): Tarjan's strongly
 * connected components, a depth-first search for the back edges inside them, and per back
 * edge a breadth-first search for its shortest cycle, then a bounded search for longer ones.
 * Every search is iterative (graphs of thousands of classes would overflow the stack). */
#include "cycles.h"

#include <stdint.h>
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

/* Stable counting sort of edge indices src -> dst by key (from or to) over nnodes values. */
static void count_sort(const struct cycle_edge *edges, const int *src, int *dst, int nedges,
                       int nnodes, int by_from, int *count)
{
	memset(count, 0, ((size_t)nnodes + 1) * sizeof *count);
	for (int i = 0; i < nedges; i++)
		count[(by_from ? edges[src[i]].from : edges[src[i]].to) + 1]++;
	for (int v = 0; v < nnodes; v++)
		count[v + 1] += count[v];
	for (int i = 0; i < nedges; i++)
		dst[count[by_from ? edges[src[i]].from : edges[src[i]].to]++] = src[i];
}

/* Edges by source, then target, then index: two stable counting sorts (linear). */
static void build(struct graph *g, int nnodes, const struct cycle_edge *edges, int nedges)
{
	g->n = nnodes;
	g->e = edges;
	g->start = xcalloc((size_t)nnodes + 1, sizeof *g->start);
	g->out = xcalloc((size_t)nedges + 1, sizeof *g->out);
	g->comp = xcalloc((size_t)nnodes + 1, sizeof *g->comp);
	int *by_index = xcalloc((size_t)nedges + 1, sizeof *by_index);
	int *by_target = xcalloc((size_t)nedges + 1, sizeof *by_target);
	int *count = xcalloc((size_t)nnodes + 2, sizeof *count);
	for (int i = 0; i < nedges; i++) {
		by_index[i] = i;
		g->start[edges[i].from + 1]++;
	}
	for (int v = 0; v < nnodes; v++)
		g->start[v + 1] += g->start[v];
	count_sort(edges, by_index, by_target, nedges, nnodes, 0, count);
	count_sort(edges, by_target, g->out, nedges, nnodes, 1, count);
	free(count);
	free(by_target);
	free(by_index);
}

static void graph_free(struct graph *g)
{
	free(g->start);
	free(g->out);
	free(g->comp);
}

/* Tarjan's algorithm without recursion: comp[v] numbers v's component, in reverse
 * topological order (an edge between two components goes to a lower number). Returns how
 * many components. */
static int components(struct graph *g)
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
	return ncomp;
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

/* The back edges of a depth-first search, nodes in index order and each node's edges by
 * target (only the edges inside components when `inside_only`), in the order found, into
 * back[]; how many. Without them the graph searched has no cycle. */
static int back_edges(const struct graph *g, int inside_only, int *back)
{
	int nback = 0;
	char *state = xcalloc((size_t)g->n + 1, 1);    /* 0 new, 1 on the path, 2 done */
	int *next = xcalloc((size_t)g->n + 1, sizeof *next), *call = xcalloc((size_t)g->n + 1, sizeof *call);
	for (int root = 0; root < g->n; root++) {
		if (state[root])
			continue;
		int cp = 0;
		call[cp++] = root;
		state[root] = 1;
		next[root] = g->start[root];
		while (cp) {
			int v = call[cp - 1];
			if (next[v] == g->start[v + 1]) {
				state[v] = 2;
				cp--;
				continue;
			}
			int e = g->out[next[v]++], w = g->e[e].to;
			if (inside_only && !inside(g, e))
				continue;
			if (state[w] == 1) {
				back[nback++] = e;
			} else if (!state[w]) {
				state[w] = 1;
				next[w] = g->start[w];
				call[cp++] = w;
			}
		}
	}
	free(state);
	free(next);
	free(call);
	return nback;
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
	int *back = xcalloc((size_t)nedges + 1, sizeof *back);
	int nback = back_edges(&g, 1, back);
	for (int i = 0; i < nback; i++)
		inversion(&g, &s, back[i], max_len, &o);
	free(back);
	free(s.via);
	free(s.queue);
	free(s.cyc);
	free(s.path_nodes);
	free(o.sorted);
	keymap_free(&o.seen);
	graph_free(&g);
}

/* ---- the orders a graph needs ------------------------------------------------------- */

/* Above this many nodes the reachability sets would take too much memory (n²/8 bytes):
 * every edge is kept. */
enum { NEEDED_MAX_NODES = 1 << 14 };

/* The transitive reduction of an acyclic graph: implied[e] = 1 for every edge that another
 * path gives. Its components are its nodes, numbered sinks first (components()), so each
 * node's successors have their reach (nodes reached by at least one edge) by then. */
static void reduce(struct graph *g, unsigned char *implied_edge)
{
	int n = g->n;
	components(g);
	size_t words = ((size_t)n + 63) / 64;
	uint64_t *reach = xcalloc((size_t)n * words + 1, sizeof *reach);
	uint64_t *implied = xcalloc(words + 1, sizeof *implied);
	int *node_of = xcalloc((size_t)n + 1, sizeof *node_of);     /* component -> node */
	int *mark = xcalloc((size_t)n + 1, sizeof *mark);           /* successor seen for c + 1 */
	int *succ = xcalloc((size_t)n + 1, sizeof *succ);
	for (int v = 0; v < n; v++)
		node_of[g->comp[v]] = v;
	for (int c = 0; c < n; c++) {
		int v = node_of[c], nsucc = 0;
		for (int k = g->start[v]; k < g->start[v + 1]; k++) {
			int d = g->comp[g->e[g->out[k]].to];
			if (mark[d] != c + 1) {
				mark[d] = c + 1;
				succ[nsucc++] = d;
			}
		}
		memset(implied, 0, words * sizeof *implied);
		for (int s = 0; s < nsucc; s++) {
			const uint64_t *rd = reach + (size_t)succ[s] * words;
			for (size_t w = 0; w < words; w++)
				implied[w] |= rd[w];
		}
		uint64_t *rc = reach + (size_t)c * words;
		for (size_t w = 0; w < words; w++)
			rc[w] = implied[w];
		for (int s = 0; s < nsucc; s++)
			rc[succ[s] / 64] |= (uint64_t)1 << (succ[s] % 64);
		/* An order to a node that another successor already reaches is implied. */
		for (int k = g->start[v]; k < g->start[v + 1]; k++) {
			int e = g->out[k], d = g->comp[g->e[e].to];
			if (implied[d / 64] >> (d % 64) & 1)
				implied_edge[e] = 1;
		}
	}
	free(succ);
	free(mark);
	free(node_of);
	free(implied);
	free(reach);
}

void cycles_needed(int nnodes, const struct cycle_edge *edges, int nedges, unsigned char *keep)
{
	if (nnodes > NEEDED_MAX_NODES) {
		for (int i = 0; i < nedges; i++)
			keep[i] = 1;
		return;
	}
	struct graph g;
	build(&g, nnodes, edges, nedges);
	int *found = xcalloc((size_t)nedges + 1, sizeof *found);
	unsigned char *back = xcalloc((size_t)nedges + 1, 1);
	for (int i = 0, n = back_edges(&g, 0, found); i < n; i++)
		back[found[i]] = 1;
	free(found);
	/* What is left without the back edges has no cycle: its transitive reduction, and
	 * every back edge, reach what the whole graph reaches. */
	struct cycle_edge *dag = xcalloc((size_t)nedges + 1, sizeof *dag);
	int *index = xcalloc((size_t)nedges + 1, sizeof *index), ndag = 0;
	for (int i = 0; i < nedges; i++)
		if (!back[i]) {
			index[ndag] = i;
			dag[ndag++] = edges[i];
		}
	struct graph d;
	build(&d, nnodes, dag, ndag);
	unsigned char *implied = xcalloc((size_t)ndag + 1, 1);
	reduce(&d, implied);
	for (int i = 0; i < nedges; i++)
		keep[i] = keep[i] || back[i];
	for (int i = 0; i < ndag; i++)
		keep[index[i]] = keep[index[i]] || !implied[i];
	free(implied);
	graph_free(&d);
	free(index);
	free(dag);
	free(back);
	graph_free(&g);
}
