/* cycles.h — the cycles of a lock-order graph, found in time linear in the graph per
 * inversion, for every engine (the static analysis, the runtime's run, the cross-run graph).
 *
 * Strongly connected components (Tarjan) keep only the edges that lie on some cycle: a graph
 * taken in one consistent order has none, however dense. Over those edges a depth-first
 * search, nodes in index order and each node's edges by target, names the edges that close a
 * cycle (its back edges): each is one inversion. For each, a breadth-first search from its
 * target back to its source gives the shortest cycle through it, which is offered first;
 * when the caller does not count it (a gate lock, one thread…), longer cycles through the
 * same edge are offered, shortest first, up to max_len edges and a fixed amount of work.
 * What is found depends on the graph and on the numbering of its nodes (callers number them
 * in a canonical order: class names sorted), never on the order edges were added. */
#ifndef TSAFE_CYCLES_H
#define TSAFE_CYCLES_H

struct cycle_edge {
	int from, to;                /* nodes, 0 <= from, to < nnodes */
};

/* A cycle as edge indices in order (edges[cyc[k]].to == edges[cyc[k + 1]].from, the last
 * edge's target the first's source). Returns 1 when it counts (was reported): nothing
 * more is offered for its inversion. */
typedef int (*cycle_fn)(void *ctx, const int *cyc, int n);

/* Offers the cycles of the inversions of a graph. Self-loops (from == to) are left to the
 * caller. No set of edges is offered twice. */
void cycles_find(int nnodes, const struct cycle_edge *edges, int nedges, int max_len,
                 cycle_fn fn, void *ctx);

/* The orders a drawing or a later search needs: keep[i] is set for them and left as the
 * caller set it (1: an order it must keep, such as one of a reported cycle) for the others,
 * which a longer path implies. Kept: the back edges of a depth-first search (every cycle
 * has one) and the transitive reduction of the rest, which has no cycle (lockdep records
 * only the order from the most recent lock for the same reason). What reaches what is the
 * same as in the whole graph, so a cycle that another run's orders close is still found;
 * N locks nested in one order keep N-1 of their N(N-1)/2 orders. */
void cycles_needed(int nnodes, const struct cycle_edge *edges, int nedges, unsigned char *keep);

#endif
