/* lockorder.c — lock-order-inversion: a cycle in the graph of lock classes, where an edge
 * A → B means some thread acquired B while holding A (lockdep's model). Reported when the
 * cycle's edges come from more than one thread (or from a thread that runs several times),
 * unless one lock outside the cycle is held at every acquisition (a gate lock serialises
 * them). Two locks of one class nested (transfer(a, b)) are a cycle of one edge, fine when
 * the code orders them by address or id.
 *
 * Cycles are found per program in time linear in its graph per inversion (common/cycles.c):
 * each inversion is reported once, as its shortest cycle that counts (longer ones up to
 * MAX_CYCLE edges are tried when the shortest does not: a gate, one thread).
 * When asked (analyze_opts.edges), the edges themselves are handed out for the lock-order
 * graph that reports draw. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cycles.h"
#include "common/keymap.h"
#include "internal.h"

enum { MAX_CYCLE = 4 };

struct edge_group {            /* every record of one (from, to) pair within one program */
	int program, from, to;
	int reported;              /* an order of a reported cycle: the graph draws it */
	int *recs;
	int nrecs, cap;
};

struct graph {
	struct edge_group *g;
	int n, cap;
	int *slots;                /* open addressing: (program, from, to) -> group + 1, 0 free */
	size_t nslots;             /* a power of two, at least twice n */
};

static size_t slot_of(const struct graph *gr, int program, int from, int to)
{
	uint64_t h = ((uint64_t)(unsigned)program * 0x9E3779B97F4A7C15ull) ^
	             ((uint64_t)(unsigned)from << 32 | (unsigned)to);
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 32;
	size_t at = (size_t)h & (gr->nslots - 1);
	for (;; at = (at + 1) & (gr->nslots - 1)) {
		int k = gr->slots[at] - 1;
		if (k < 0 || (gr->g[k].program == program && gr->g[k].from == from && gr->g[k].to == to))
			return at;
	}
}

static void rehash(struct graph *gr)
{
	free(gr->slots);
	gr->nslots = gr->nslots ? gr->nslots * 2 : 1024;
	gr->slots = xcalloc(gr->nslots, sizeof *gr->slots);
	for (int k = 0; k < gr->n; k++)
		gr->slots[slot_of(gr, gr->g[k].program, gr->g[k].from, gr->g[k].to)] = k + 1;
}

static struct edge_group *group_of(struct graph *gr, int program, int from, int to)
{
	if ((size_t)gr->n * 2 >= gr->nslots)
		rehash(gr);
	size_t at = slot_of(gr, program, from, to);
	if (gr->slots[at])
		return &gr->g[gr->slots[at] - 1];
	grow_array((void **)&gr->g, &gr->cap, gr->n, sizeof *gr->g);
	gr->slots[at] = gr->n + 1;
	struct edge_group *e = &gr->g[gr->n++];
	memset(e, 0, sizeof *e);
	e->program = program;
	e->from = from;
	e->to = to;
	return e;
}

/* Classes held at every record of the edge, besides its own two. */
static int gate_holds(const struct analysis *a, const struct edge_group *e, int cls)
{
	for (int i = 0; i < e->nrecs; i++) {
		const struct edge_rec *r = &a->edges[e->recs[i]];
		int found = 0;
		for (int j = 0; j < r->ngates && !found; j++)
			found = j != r->gate_self && r->gates[j] == cls;
		if (!found)
			return 0;
	}
	return 1;
}

static int gated(const struct analysis *a, struct edge_group **cyc, int n)
{
	const struct edge_rec *r0 = &a->edges[cyc[0]->recs[0]];
	for (int j = 0; j < r0->ngates; j++) {
		if (j == r0->gate_self)
			continue;
		int all = 1;
		for (int k = 0; k < n && all; k++)
			all = gate_holds(a, cyc[k], r0->gates[j]);
		if (all)
			return 1;
	}
	return 0;
}

/* Is every edge taken only on the way to ending the process? Such a cycle can only hang
 * two threads that are both crashing; one taken by code that goes on is reported. */
static int all_dying(const struct analysis *a, struct edge_group **cyc, int n)
{
	for (int k = 0; k < n; k++)
		for (int i = 0; i < cyc[k]->nrecs; i++)
			if (!a->edges[cyc[k]->recs[i]].dying)
				return 0;
	return 1;
}

/* Can some record of x and some record of y be taken by two threads at once? Two threads
 * can, whenever they run (lockdep's view: another run may start them together); main's own
 * order, taken after it joined the thread that took the other one (stop the helper, then
 * take its locks in the other order to shut down), cannot: main's program order forbids it. */
static int groups_overlap(const struct analysis *a, const struct edge_group *x,
                          const struct edge_group *y)
{
	for (int i = 0; i < x->nrecs; i++)
		for (int j = 0; j < y->nrecs; j++) {
			const struct edge_rec *r = &a->edges[x->recs[i]], *q = &a->edges[y->recs[j]];
			const struct context *c = a->ctxs[r->ctx], *d = a->ctxs[q->ctx];
			if (c->kind != CTX_MAIN && d->kind != CTX_MAIN
			        ? r->ctx != q->ctx || c->multi
			        : contexts_concurrent(a, r->ctx, &r->when, q->ctx, &q->when))
				return 1;
		}
	return 0;
}

/* Can the edges be taken by different threads at once? Every two orders of the cycle must
 * be (groups_overlap). */
static int several_threads(const struct analysis *a, struct edge_group **cyc, int n)
{
	if (n > 1) {
		for (int k = 0; k < n; k++)
			for (int l = k + 1; l < n; l++)
				if (!groups_overlap(a, cyc[k], cyc[l]))
					return 0;
		return 1;
	}
	int first = -1;
	for (int k = 0; k < n; k++)
		for (int i = 0; i < cyc[k]->nrecs; i++) {
			int c = a->edges[cyc[k]->recs[i]].ctx;
			if (a->ctxs[c]->multi)
				return 1;
			if (first < 0)
				first = c;
			else if (c != first)
				return 1;
		}
	return 0;
}

/* The record of an edge to show: the one with the earliest inner acquisition. */
static const struct edge_rec *shown(const struct analysis *a, const struct edge_group *e)
{
	const struct edge_rec *best = NULL;
	for (int i = 0; i < e->nrecs; i++) {
		const struct edge_rec *r = &a->edges[e->recs[i]];
		if (r->same_instance_order_ok)
			continue;
		if (!best || strcmp(r->inner_fn->file, best->inner_fn->file) < 0 ||
		    (strcmp(r->inner_fn->file, best->inner_fn->file) == 0 && r->inner_ev->line < best->inner_ev->line))
			best = r;
	}
	return best;
}

/* "'b->lock' (struct account.lock)" for a field class, "'orders_lock'" for a named lock,
 * "'m->lock' (a.lock)" for a named lock a wrapper reaches through its parameter. */
static char *lock_text(const struct event *ev, const char *cls)
{
	char *label = class_label(cls);
	const char *name = ev && ev->name ? ev->name : label;
	char *t = str_eq(name, label) ? xasprintf("'%s'", name) : xasprintf("'%s' (%s)", name, label);
	free(label);
	return t;
}

static void add_edge_location(struct analysis *a, struct finding *f, const struct edge_rec *r)
{
	char *to = lock_text(r->inner_ev, a->class_names[r->to_cls]);
	char *from = lock_text(r->outer_ev, a->class_names[r->from_cls]);
	char *ofile = relative_path(a, r->outer_fn ? r->outer_fn->file : NULL);
	char *msg = xasprintf("acquires %s while holding %s (acquired at %s:%d)", to, from, ofile,
	                      r->outer_ev ? r->outer_ev->line : 0);
	struct location *loc = emit_location(a, f, r->inner_fn, r->inner_ev, msg);
	emit_thread(a, loc, a->ctxs[r->ctx]);
	emit_stack(a, loc, r->stack, r->nstack);
	free(msg);
	free(ofile);
	free(from);
	free(to);
}

static int report_cycle(struct analysis *a, struct edge_group **cyc, int n)
{
	const struct edge_rec **recs = xcalloc((size_t)n, sizeof *recs);
	int first = 0;
	for (int k = 0; k < n; k++) {
		recs[k] = shown(a, cyc[k]);
		if (!recs[k]) {
			free(recs);
			return 0;
		}
		if (recs[k]->inner_ev->line < recs[first]->inner_ev->line)
			first = k;
	}
	struct strbuf cycle, sym;
	sb_init(&cycle);
	sb_init(&sym);
	for (int k = 0; k <= n; k++) {
		char *c = class_label(a->class_names[cyc[(first + k) % n]->from]);
		sb_addf(&cycle, k ? " -> '%s'" : "'%s'", c);
		free(c);
	}
	/* The symbol names the classes in a canonical order so either direction is one finding. */
	int lo = 0;
	for (int k = 1; k < n; k++)
		if (strcmp(a->class_names[cyc[k]->from], a->class_names[cyc[lo]->from]) < 0)
			lo = k;
	for (int k = 0; k < n; k++) {
		char *c = display_symbol(a, a->class_names[cyc[(lo + k) % n]->from]);
		sb_addf(&sym, "%s%s", k ? " -> " : "", c);
		free(c);
	}
	char *msg = xasprintf("lock-order inversion: %s", cycle.buf);
	struct finding *f = emit_finding(a, "lock-order-inversion", msg, sym.buf);
	if (n == 1) {            /* two locks of one class: show the inner, then the outer */
		add_edge_location(a, f, recs[0]);
		if (recs[0]->outer_ev) {
			struct location *loc = emit_location(a, f, recs[0]->outer_fn, recs[0]->outer_ev,
			                                     "first lock of the same class acquired here");
			emit_thread(a, loc, a->ctxs[recs[0]->ctx]);
		}
	} else {
		for (int k = 0; k < n; k++)
			add_edge_location(a, f, recs[(first + k) % n]);
	}
	free(msg);
	free(recs);
	sb_free(&cycle);
	sb_free(&sym);
	return 1;
}

/* Does some record of edge group e have its inner (inner=1) or outer lock in write mode? */
static int some_writer(const struct analysis *a, const struct edge_group *e, int inner)
{
	for (int i = 0; i < e->nrecs; i++) {
		const struct edge_rec *r = &a->edges[e->recs[i]];
		if (!(inner ? r->inner_shared : r->outer_shared))
			return 1;
	}
	return 0;
}

/* On glibc's default (reader-preferring) rwlocks a read lock waits only for a writer: the
 * order A -> B of the cycle blocks only when B is wanted for writing or held for writing
 * by the next order (B -> C). A cycle with an order that never blocks cannot hang (a cycle
 * of read locks taken under read locks, or a mutex taken under a read lock that is only
 * ever read-locked under that mutex). */
static int cannot_block(const struct analysis *a, struct edge_group **cyc, int n)
{
	for (int k = 0; k < n; k++)
		if (!some_writer(a, cyc[k], 1) && !some_writer(a, cyc[(k + 1) % n], 0))
			return 1;
	return 0;
}

/* Reports the cycle when it counts; 1 when it did. */
static int consider(struct analysis *a, struct edge_group **cyc, int n)
{
	if (gated(a, cyc, n) || !several_threads(a, cyc, n) || all_dying(a, cyc, n) ||
	    cannot_block(a, cyc, n) || !report_cycle(a, cyc, n))
		return 0;
	for (int k = 0; k < n; k++)
		cyc[k]->reported = 1;
	return 1;
}

/* ---- the search: one program's graph over its classes, by name ------------------------ */

struct program_search {
	struct analysis *a;
	struct edge_group **groups;  /* the program's edges between different classes */
	struct edge_group **cyc;
	int cap;
};

static int offered(void *ctx, const int *cyc, int n)
{
	struct program_search *ps = ctx;
	grow_array((void **)&ps->cyc, &ps->cap, n, sizeof *ps->cyc);
	for (int k = 0; k < n; k++)
		ps->cyc[k] = ps->groups[cyc[k]];
	return consider(ps->a, ps->cyc, n);
}

static int by_name(const void *x, const void *y, void *names)
{
	return strcmp(((char **)names)[*(const int *)x], ((char **)names)[*(const int *)y]);
}

/* The inversions of each program (cycles.c), its classes numbered by name. */
static void search_programs(struct analysis *a, struct graph *gr)
{
	int *rank = xcalloc((size_t)a->nclasses + 1, sizeof *rank);
	int *order = xcalloc((size_t)a->nclasses + 1, sizeof *order);
	for (int c = 0; c < a->nclasses; c++)
		order[c] = c;
	qsort_r(order, (size_t)a->nclasses, sizeof *order, by_name, a->class_names);
	for (int i = 0; i < a->nclasses; i++)
		rank[order[i]] = i;
	int *by_program = xcalloc((size_t)gr->n + 1, sizeof *by_program);   /* programs done */
	struct cycle_edge *edges = xcalloc((size_t)gr->n + 1, sizeof *edges);
	struct program_search ps = {.a = a, .groups = xcalloc((size_t)gr->n + 1, sizeof *ps.groups)};
	int done = 0;
	for (int i = 0; i < gr->n; i++) {     /* programs in order of their first edge */
		int program = gr->g[i].program, n = 0, seen = 0;
		for (int j = 0; j < done && !seen; j++)
			seen = by_program[j] == program;
		if (seen)
			continue;
		by_program[done++] = program;
		for (int j = i; j < gr->n; j++) {
			struct edge_group *e = &gr->g[j];
			if (e->program != program || e->from == e->to)
				continue;
			ps.groups[n] = e;
			edges[n].from = rank[e->from];
			edges[n++].to = rank[e->to];
		}
		cycles_find(a->nclasses, edges, n, MAX_CYCLE, offered, &ps);
	}
	free(ps.groups);
	free(ps.cyc);
	free(edges);
	free(by_program);
	free(order);
	free(rank);
}

void analyze_edge_list_free(struct analyze_edge_list *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->items[i].from);
		free(l->items[i].to);
		location_free(&l->items[i].outer);
		location_free(&l->items[i].inner);
	}
	free(l->items);
	memset(l, 0, sizeof *l);
}

static int threads_of(const struct analysis *a, const struct edge_group *e)
{
	int n = 0;
	for (int i = 0; i < e->nrecs; i++) {
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = a->edges[e->recs[j]].ctx == a->edges[e->recs[i]].ctx;
		n += !seen;
	}
	return n;
}

/* One edge per pair of classes over every program: a pair seen again adds its threads.
 * Only the orders the graph needs are handed out (cycles_needed: those of reported cycles,
 * and of the rest those no longer path implies): N locks nested in one order are N-1 orders to draw and
 * store, not N(N-1)/2, and what reaches what stays the same. The sites are built as a
 * cycle's locations are, so the graph and the findings agree. */
static void export_edges(struct analysis *a, const struct graph *gr)
{
	struct analyze_edge_list *out = a->opts->edges;
	struct keymap pairs = {0};          /* (from, to) -> its index in out */
	for (int k = 0; k < out->n; k++)
		keymap_put(&pairs, hkey_of_strings(out->items[k].from, out->items[k].to), k);
	struct cycle_edge *orders = xcalloc((size_t)gr->n + 1, sizeof *orders);
	unsigned char *keep = xcalloc((size_t)gr->n + 1, 1);
	for (int i = 0; i < gr->n; i++) {
		orders[i] = (struct cycle_edge){gr->g[i].from, gr->g[i].to};
		keep[i] = (unsigned char)gr->g[i].reported;
	}
	cycles_needed(a->nclasses, orders, gr->n, keep);
	for (int i = 0; i < gr->n; i++) {
		const struct edge_rec *r = keep[i] ? shown(a, &gr->g[i]) : NULL;
		if (!r)
			continue;
		char *from = display_symbol(a, a->class_names[r->from_cls]);
		char *to = display_symbol(a, a->class_names[r->to_cls]);
		struct hkey key = hkey_of_strings(from, to);
		int at;
		struct analyze_edge *e = keymap_get(&pairs, key, &at) ? &out->items[at] : NULL;
		if (e) {
			e->threads += threads_of(a, &gr->g[i]);
			free(from);
			free(to);
			continue;
		}
		keymap_put(&pairs, key, out->n);
		grow_array((void **)&out->items, &out->cap, out->n, sizeof *out->items);
		e = &out->items[out->n++];
		memset(e, 0, sizeof *e);
		e->from = from;
		e->to = to;
		e->threads = threads_of(a, &gr->g[i]);
		struct finding sites = {0};
		add_edge_location(a, &sites, r);
		e->inner = sites.locs[0];
		if (r->outer_fn) {
			emit_location(a, &sites, r->outer_fn, r->outer_ev, "holding this lock");
			e->outer = sites.locs[1];
		}
		free(sites.locs);
	}
	free(keep);
	free(orders);
	keymap_free(&pairs);
}

void check_lock_order(struct analysis *a)
{
	struct graph gr = {0};
	for (int i = 0; i < a->nedges; i++) {
		const struct edge_rec *r = &a->edges[i];
		struct edge_group *e = group_of(&gr, a->ctxs[r->ctx]->program, r->from_cls, r->to_cls);
		grow_array((void **)&e->recs, &e->cap, e->nrecs, sizeof *e->recs);
		e->recs[e->nrecs++] = i;
	}
	for (int i = 0; i < gr.n; i++) {
		struct edge_group *e = &gr.g[i];
		if (e->from == e->to)
			consider(a, &e, 1);
	}
	search_programs(a, &gr);
	if (a->opts->edges)
		export_edges(a, &gr);
	for (int i = 0; i < gr.n; i++)
		free(gr.g[i].recs);
	free(gr.g);
	free(gr.slots);
}
