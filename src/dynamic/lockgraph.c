/* lockgraph.c — lock-order inversions from the runtime's edges.
 *
 * Inside one process, two locks of one class are ordered by instance: a -> b and b -> a
 * is an inversion even though both are "field:struct account.lock". Between classes the
 * graph is built over class names, from every process of this run and the newest run of
 * every other test program (cross-run prediction): A -> B seen by one test and B -> A by
 * another is the same latent deadlock. A cycle is left out when some order in it was only
 * ever taken by trylock, when one lock was held around every order (a gate), or when a
 * single thread made all of it (it cannot wait for itself that way).
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"

#define MAX_CYCLE 4

/* ---- this process's edges between different classes, by name ------------------------ */

static void fill_location(const struct dyn_ctx *c, struct dyn_process *p, uint32_t stack,
                          struct location *loc)
{
	int n;
	const struct frame *f = dyn_frames(c, p, stack, &n);
	if (!f)
		return;
	loc->file = xstrdup(f[0].file);
	loc->line = f[0].line;
	loc->func = xstrdup(f[0].func);
	for (int i = 0; i < n; i++)
		finding_add_frame(loc, f[i].func, f[i].file, f[i].line);
}

static struct stored_edge *find_pair(struct stored_edge_list *l, const char *from, const char *to)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->items[i].from, from) && !strcmp(l->items[i].to, to))
			return &l->items[i];
	return NULL;
}

static void gates_intersect(struct stored_edge *e, const char *const *g, int ng)
{
	int w = 0;
	for (int i = 0; i < e->ngates; i++) {
		int keep = 0;
		for (int k = 0; k < ng && !keep; k++)
			keep = !strcmp(e->gates[i], g[k]);
		if (keep)
			e->gates[w++] = e->gates[i];
		else
			free(e->gates[i]);
	}
	e->ngates = w;
}

static void new_pair(const struct dyn_ctx *c, struct dyn_process *p, const struct dyn_edge *d,
                     struct stored_edge *e, const char *const *gates, int ng)
{
	e->from = xstrdup(dyn_class_name(p, d->e.from));
	e->to = xstrdup(dyn_class_name(p, d->e.to));
	e->gates = xcalloc(2, sizeof *e->gates);
	for (int k = 0; k < ng; k++)
		e->gates[e->ngates++] = xstrdup(gates[k]);
	fill_location(c, p, d->e.inner_stack, &e->inner);
	fill_location(c, p, d->e.outer_stack, &e->outer);
	char *where = dyn_where(c, p, d->e.outer_stack);
	e->inner.message = xasprintf("acquires %s while holding %s (acquired at %s)",
	                             dyn_class_label(p, d->e.to), dyn_class_label(p, d->e.from), where);
	free(where);
	e->inner.thread = xstrdup(dyn_thread_desc(p, d->e.thread));
	e->inner.locks = xstrdup(e->from);
	e->outer.message = xstrdup("acquired here first");
	e->outer.thread = xstrdup(e->inner.thread);
}

void dyn_collect_edges(const struct dyn_ctx *c, struct dyn_process *p, struct stored_edge_list *l)
{
	for (int i = 1; i < process_nedges(p); i++) {
		const struct dyn_edge *d = &p->edges[i];
		if (d->defined != 1)
			continue;
		const char *from = dyn_class_name(p, d->e.from), *to = dyn_class_name(p, d->e.to);
		if (!strcmp(from, to))
			continue;      /* one class: by instance, in dyn_same_class_cycles */
		const char *gates[2];
		int ng = 0;
		for (int k = 0; k < 2; k++)
			if (d->gate[k])
				gates[ng++] = dyn_class_name(p, d->gate[k]);
		char *key = xasprintf("%d:%u", p->pid, d->e.thread);
		struct stored_edge *e = find_pair(l, from, to);
		if (!e) {
			e = stored_edge_list_add(l);
			new_pair(c, p, d, e, gates, ng);
			e->threads = d->flags & RTE_MULTI ? 2 : 1;
			e->thread_key = e->threads == 1 ? xstrdup(key) : NULL;
		} else {
			gates_intersect(e, gates, ng);
			if ((d->flags & RTE_MULTI) || !str_eq(e->thread_key, key)) {
				e->threads = e->threads > 1 ? e->threads + 1 : 2;
				free(e->thread_key);
				e->thread_key = NULL;
			}
		}
		if (d->flags & RTE_BLOCKING)
			e->flags |= EDGE_BLOCKING;
		free(key);
	}
}

/* ---- one class, by instance, inside a process --------------------------------------- */

struct inode {
	uint32_t cls;
	uint64_t inst;
};

struct igraph {
	struct inode *node;
	int nnodes, cap;
	const struct dyn_edge **edge;
	int *from, *to;
	int nedges, cap_edges, cap_from, cap_to;
};

static int node_of(struct igraph *g, uint32_t cls, uint64_t inst)
{
	for (int i = 0; i < g->nnodes; i++)
		if (g->node[i].cls == cls && g->node[i].inst == inst)
			return i;
	grow_array((void **)&g->node, &g->cap, g->nnodes, sizeof *g->node);
	g->node[g->nnodes].cls = cls;
	g->node[g->nnodes].inst = inst;
	return g->nnodes++;
}

/* Every order blocks, more than one thread, no common gate. */
static int cycle_counts(const struct dyn_edge *const *e, int n)
{
	uint32_t thread = 0;
	int many = 0;
	for (int i = 0; i < n; i++) {
		if (!(e[i]->flags & RTE_BLOCKING))
			return 0;
		if ((e[i]->flags & RTE_MULTI) || (thread && thread != e[i]->e.thread))
			many = 1;
		thread = e[i]->e.thread;
	}
	if (!many)
		return 0;
	for (int k = 0; k < 2; k++) {
		uint32_t g = e[0]->gate[k];
		int everywhere = g != 0;
		for (int i = 1; i < n && everywhere; i++)
			everywhere = e[i]->gate[0] == g || e[i]->gate[1] == g;
		if (everywhere)
			return 0;
	}
	return 1;
}

static void report_same_class(const struct dyn_ctx *c, struct dyn_process *p,
                              const struct dyn_edge *const *e, int n)
{
	/* Shown like the static analysis shows it: one order's inner and outer acquisition,
	 * the one whose inner line comes first. */
	int best = 0, best_line = 0;
	for (int i = 0; i < n; i++) {
		int k;
		const struct frame *f = dyn_frames(c, p, e[i]->e.inner_stack, &k);
		int line = f ? f->line : 0;
		if (i == 0 || line < best_line) {
			best = i;
			best_line = line;
		}
	}
	const struct dyn_edge *d = e[best];
	/* Two locks of this class really deadlocked in this run: that finding says more. */
	const char *sym = dyn_class_symbol(p, d->e.to);
	char *pair = xasprintf("%s -> %s", sym, sym);
	int deadlocked = 0;
	for (int i = 0; i < c->out->n && !deadlocked; i++)
		deadlocked = str_eq(c->out->items[i].rule, "deadlock") && str_eq(c->out->items[i].symbol, pair);
	free(pair);
	if (deadlocked)
		return;
	const char *lk = dyn_class_label(p, d->e.to);
	char *msg = xasprintf("lock-order inversion: %s -> %s", lk, lk);
	struct finding *f = dyn_finding(c, "lock-order-inversion", msg, dyn_class_symbol(p, d->e.to));
	char *where = dyn_where(c, p, d->e.outer_stack);
	char *here = xasprintf("acquires %s while holding another lock of its class (acquired at %s), "
	                       "and another thread takes the two in the other order",
	                       lk, where);
	struct location *loc = dyn_add_location(c, f, p, d->e.inner_stack, here);
	loc->thread = xstrdup(dyn_thread_desc(p, d->e.thread));
	loc = dyn_add_location(c, f, p, d->e.outer_stack, "first lock of the same class acquired here");
	loc->thread = xstrdup(dyn_thread_desc(p, d->e.thread));
	free(here);
	free(where);
	free(msg);
}

static int search_same(const struct dyn_ctx *c, struct dyn_process *p, struct igraph *g, int start,
                       int at, const struct dyn_edge **path, int *nodes, int depth)
{
	for (int i = 0; i < g->nedges; i++) {
		if (g->from[i] != at)
			continue;
		path[depth] = g->edge[i];
		if (g->to[i] == start) {
			if (cycle_counts(path, depth + 1)) {
				report_same_class(c, p, path, depth + 1);
				return 1;
			}
			continue;
		}
		int seen = g->to[i] < start;
		for (int k = 0; k < depth && !seen; k++)
			seen = nodes[k] == g->to[i];
		nodes[depth] = g->to[i];
		if (!seen && depth + 1 < MAX_CYCLE &&
		    search_same(c, p, g, start, g->to[i], path, nodes, depth + 1))
			return 1;
	}
	return 0;
}

void dyn_same_class_cycles(const struct dyn_ctx *c, struct dyn_process *p)
{
	/* One graph per class name: its nodes are instances (or classes that share it). */
	for (int i = 1; i < process_nedges(p); i++) {
		const struct dyn_edge *d = &p->edges[i];
		if (d->defined != 1)
			continue;
		const char *name = dyn_class_name(p, d->e.from);
		if (strcmp(name, dyn_class_name(p, d->e.to)))
			continue;
		int first = 1;     /* build the graph once, at the first edge of the name */
		for (int j = 1; j < i && first; j++)
			first = p->edges[j].defined != 1 ||
			        strcmp(dyn_class_name(p, p->edges[j].e.from), name) ||
			        strcmp(dyn_class_name(p, p->edges[j].e.to), name);
		if (!first)
			continue;
		struct igraph g = {0};
		for (int j = i; j < process_nedges(p); j++) {
			const struct dyn_edge *x = &p->edges[j];
			if (x->defined != 1 || strcmp(dyn_class_name(p, x->e.from), name) ||
			    strcmp(dyn_class_name(p, x->e.to), name))
				continue;
			int a = node_of(&g, x->e.from, x->e.from_inst), b = node_of(&g, x->e.to, x->e.to_inst);
			grow_array((void **)&g.edge, &g.cap_edges, g.nedges, sizeof *g.edge);
			grow_array((void **)&g.from, &g.cap_from, g.nedges, sizeof *g.from);
			grow_array((void **)&g.to, &g.cap_to, g.nedges, sizeof *g.to);
			g.edge[g.nedges] = x;
			g.from[g.nedges] = a;
			g.to[g.nedges++] = b;
		}
		const struct dyn_edge *path[MAX_CYCLE];
		int nodes[MAX_CYCLE];
		for (int s = 0; s < g.nnodes; s++)
			if (search_same(c, p, &g, s, s, path, nodes, 0))
				break;     /* one finding per class */
		free(g.node);
		free(g.edge);
		free(g.from);
		free(g.to);
	}
}
