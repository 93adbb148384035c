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

#include "common/cycles.h"
#include "common/keymap.h"
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
	struct keymap pairs = {0};          /* (from, to) -> its index in l */
	for (int i = 0; i < l->n; i++)
		keymap_put(&pairs, hkey_of_strings(l->items[i].from, l->items[i].to), i);
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
		struct hkey pk = hkey_of_strings(from, to);
		int at;
		struct stored_edge *e = keymap_get(&pairs, pk, &at) ? &l->items[at] : NULL;
		if (!e) {
			keymap_put(&pairs, pk, l->n);
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
	keymap_free(&pairs);
}

/* ---- one class, by instance, inside a process --------------------------------------- */

/* The instances of one class name and the edges between them. */
struct igraph {
	struct keymap node;          /* (class, instance) -> node */
	int nnodes;
	const struct dyn_edge **edge;
	struct cycle_edge *ends;
	int nedges, cap_edges, cap_ends;
	int reported;
};

static int node_of(struct igraph *g, uint32_t cls, uint64_t inst)
{
	struct keybuf kb = {0};       /* an instance is 64 bits: not hkey_of_ints */
	kb_int(&kb, cls);
	kb_int(&kb, (long)inst);
	struct hkey k = kb_hash(&kb);
	kb_free(&kb);
	int at;
	if (keymap_get(&g->node, k, &at))
		return at;
	keymap_put(&g->node, k, g->nnodes);
	return g->nnodes++;
}

static void add_instance_edge(struct igraph *g, const struct dyn_edge *x)
{
	int a = node_of(g, x->e.from, x->e.from_inst), b = node_of(g, x->e.to, x->e.to_inst);
	grow_array((void **)&g->edge, &g->cap_edges, g->nedges, sizeof *g->edge);
	grow_array((void **)&g->ends, &g->cap_ends, g->nedges, sizeof *g->ends);
	g->edge[g->nedges] = x;
	g->ends[g->nedges].from = a;
	g->ends[g->nedges++].to = b;
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

struct same_search {
	const struct dyn_ctx *c;
	struct dyn_process *p;
	struct igraph *g;
	const struct dyn_edge **path;
	int cap;
};

static int offered_same(void *ctx, const int *cyc, int n)
{
	struct same_search *s = ctx;
	if (s->g->reported)
		return 1;            /* one finding per class */
	grow_array((void **)&s->path, &s->cap, n, sizeof *s->path);
	for (int k = 0; k < n; k++)
		s->path[k] = s->g->edge[cyc[k]];
	if (!cycle_counts(s->path, n))
		return 0;
	report_same_class(s->c, s->p, s->path, n);
	s->g->reported = 1;
	return 1;
}

void dyn_same_class_cycles(const struct dyn_ctx *c, struct dyn_process *p)
{
	/* One graph per class name: its nodes are instances (or classes that share it). */
	struct keymap by_name = {0};         /* class name -> its graph */
	struct igraph *graphs = NULL;
	int ngraphs = 0, cap = 0;
	for (int i = 1; i < process_nedges(p); i++) {
		const struct dyn_edge *d = &p->edges[i];
		if (d->defined != 1)
			continue;
		const char *name = dyn_class_name(p, d->e.from);
		if (strcmp(name, dyn_class_name(p, d->e.to)))
			continue;
		int at;
		struct hkey k = hkey_of_string(name);
		if (!keymap_get(&by_name, k, &at)) {
			keymap_put(&by_name, k, at = ngraphs);
			grow_array((void **)&graphs, &cap, ngraphs, sizeof *graphs);
			memset(&graphs[ngraphs++], 0, sizeof *graphs);
		}
		add_instance_edge(&graphs[at], d);
	}
	for (int i = 0; i < ngraphs; i++) {
		struct igraph *g = &graphs[i];
		struct same_search s = {.c = c, .p = p, .g = g};
		cycles_find(g->nnodes, g->ends, g->nedges, MAX_CYCLE, offered_same, &s);
		free(s.path);
		keymap_free(&g->node);
		free(g->edge);
		free(g->ends);
	}
	free(graphs);
	keymap_free(&by_name);
}
