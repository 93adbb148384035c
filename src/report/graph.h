/* graph.h — the lock-order graph of the stored edges: as Graphviz DOT, and drawn as SVG
 * (with libgvc, no subprocess) for `tsafe graph` and the HTML report. */
#ifndef TSAFE_REPORT_GRAPH_H
#define TSAFE_REPORT_GRAPH_H

#include "common/finding.h"
#include "store/edges.h"

/* Which part of the graph to draw, and what was drawn of how much. */
struct graph_view {
	int all;                 /* every lock and order; else (the default view) the reported
	                            cycles and the locks one edge from them, scaled to a page */
	int nodes, edges;        /* out: drawn */
	int total_nodes, total_edges;   /* out: in the whole graph */
};

/* The graph as DOT (new string): a node per lock class, an edge per (from, to) pair of
 * the n edges (several runs' and engines' occurrences merged), the edges of the cycles that
 * the unsuppressed lock-order-inversion and deadlock findings name drawn red, with class
 * "cycle". findings may be NULL (nothing highlighted); v NULL draws everything. */
char *report_graph_dot(const struct stored_edge *e, int n, const struct finding_list *findings,
                       struct graph_view *v);

/* Lays out and draws the DOT text as an <svg> element (no XML prolog: it is inlined in
 * HTML). 0 and *svg (caller frees), or -1 and *err, one line naming the problem and the fix
 * (caller frees), e.g. when Graphviz's plugins are missing. */
int report_graph_svg(const char *dot, char **svg, char **err);

#endif
