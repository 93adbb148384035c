/* callgraph_close.c — "what a function does itself or through what it calls": a property
 * of definitions closed over the direct call graph, up to the fixpoint. Whether a function
 * takes a lock, creates a thread, tests or writes a known value's variables: each is the
 * same closure of a per-definition seed, one pass per level of calls until nothing moves. */
#include "internal.h"

void call_graph_close_flags(const struct call_graph *g, int nfns, unsigned char *flag)
{
	for (int changed = 1; changed;) {
		changed = 0;
		for (int k = 0; k < nfns; k++)
			for (int i = g->first[k]; i < g->first[k + 1] && !flag[k]; i++)
				if (flag[g->callee[i]])
					flag[k] = changed = 1;
	}
}

void call_graph_close_masks(const struct call_graph *g, int nfns, uint64_t *a, uint64_t *b)
{
	for (int changed = 1; changed;) {
		changed = 0;
		for (int k = 0; k < nfns; k++) {
			uint64_t x = a[k], y = b[k];
			for (int i = g->first[k]; i < g->first[k + 1] && (x & y) != ~0ull; i++) {
				x |= a[g->callee[i]];
				y |= b[g->callee[i]];
			}
			if (x != a[k] || y != b[k]) {
				a[k] = x;
				b[k] = y;
				changed = 1;
			}
		}
	}
}
