/* graph_dot.c — the lock-order graph in Graphviz's DOT language: one node per lock class,
 * one edge per (outer, inner) pair of classes, labelled with where the inner lock was
 * taken. The edges of every cycle a finding reports (lock-order-inversion, deadlock) are
 * drawn red and carry class "cycle", which Graphviz keeps in its SVG, so a page can find
 * them. The graph only draws what the store holds; it computes no cycles of its own, and
 * leaves out the orders a longer path implies (common/cycles.h, cycles_needed: N locks
 * nested in one order are drawn as a chain of N-1 orders, not N(N-1)/2). At real size (dozens of locks, hundreds of orders) the whole graph is unreadable, so the
 * default view is the reported cycles and the locks one edge away from them, fitted to a
 * page; the whole graph is one option (or click) away. */
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "common/cycles.h"
#include "common/keymap.h"
#include "common/util.h"

#define CYCLE_COLOR "#cc0000"

/* One pair of classes, merged over the runs and engines that saw it. */
struct pair {
	const struct stored_edge *shown;   /* the first one seen */
	struct strbuf engines;             /* "static, runtime" */
	int blocking;                      /* some occurrence was not a trylock */
	int on_cycle;
};

/* The classes, in the order they first appear. */
struct nodes {
	const char **cls;
	int n, cap;
	struct keymap index;               /* class -> its node */
	unsigned char *on_cycle;
};

static void dot_quote(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '"');
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addc(sb, '\\');
		if (*p == '\n')
			sb_add(sb, "\\n");
		else
			sb_addc(sb, *p);
	}
	sb_addc(sb, '"');
}

static int node_of(struct nodes *ns, const char *cls)
{
	int at;
	if (keymap_get_str(&ns->index, cls, &at))
		return at;
	keymap_put_str(&ns->index, cls, ns->n);
	grow_array((void **)&ns->cls, &ns->cap, ns->n, sizeof *ns->cls);
	ns->cls[ns->n] = cls;
	return ns->n++;
}

/* Does some unsuppressed cycle finding go from `from` to `to`? Its symbol lists the cycle's
 * classes in lock order ("A -> B -> C" closes with C -> A); a single class is a cycle of two
 * locks of that class. */
static int on_reported_cycle(const struct finding_list *findings, const char *from, const char *to)
{
	for (int i = 0; findings && i < findings->n; i++) {
		const struct finding *f = &findings->items[i];
		if (f->suppressed || !f->symbol ||
		    !(str_eq(f->rule, "lock-order-inversion") || str_eq(f->rule, "deadlock")))
			continue;
		char *sym = xstrdup(f->symbol);
		char *cls[64];
		int n = 0;
		for (char *p = sym, *arrow; p && n < 64; p = arrow ? arrow + 4 : NULL) {
			arrow = strstr(p, " -> ");
			if (arrow)
				*arrow = '\0';
			cls[n++] = p;
		}
		int hit = 0;
		for (int k = 0; k < n && !hit; k++)
			hit = str_eq(cls[k], from) && str_eq(cls[(k + 1) % n], to);
		free(sym);
		if (hit)
			return 1;
	}
	return 0;
}

static struct pair *merge_pairs(const struct stored_edge *e, int n, int *npairs)
{
	struct pair *pairs = xcalloc((size_t)(n ? n : 1), sizeof *pairs);
	struct keymap index = {0};          /* (from, to) -> its pair */
	int np = 0;
	for (int i = 0; i < n; i++) {
		struct hkey key = hkey_of_strings(e[i].from, e[i].to);
		int at;
		struct pair *p = keymap_get(&index, key, &at) ? &pairs[at] : NULL;
		if (!p) {
			keymap_put(&index, key, np);
			p = &pairs[np++];
			p->shown = &e[i];
			sb_init(&p->engines);
		}
		const char *eng = e[i].run_engine ? e[i].run_engine : "runtime";
		if (!p->engines.buf || !strstr(p->engines.buf, eng))
			sb_addf(&p->engines, "%s%s", p->engines.len ? ", " : "", eng);
		p->blocking |= (e[i].flags & EDGE_BLOCKING) != 0;
	}
	keymap_free(&index);
	*npairs = np;
	return pairs;
}

/* Keeps the pairs of reported cycles and, of the others, those no longer path implies. */
static int needed_pairs(struct pair *pairs, int *ends, int np, int nnodes)
{
	struct cycle_edge *ce = xcalloc((size_t)np + 1, sizeof *ce);
	unsigned char *keep = xcalloc((size_t)np + 1, 1);
	for (int i = 0; i < np; i++) {
		ce[i] = (struct cycle_edge){ends[2 * i], ends[2 * i + 1]};
		keep[i] = (unsigned char)pairs[i].on_cycle;
	}
	cycles_needed(nnodes, ce, np, keep);
	int w = 0;
	for (int i = 0; i < np; i++) {
		if (!keep[i]) {
			sb_free(&pairs[i].engines);
			continue;
		}
		pairs[w] = pairs[i];
		ends[2 * w] = ends[2 * i];
		ends[2 * w + 1] = ends[2 * i + 1];
		w++;
	}
	free(keep);
	free(ce);
	return w;
}

/* "orders_lock" over "static:src/shop.c" for "static:src/shop.c:orders_lock", "m" over
 * "global" for "global:m", "struct account.lock" over "field" for a field class; other
 * classes ("site:x.c:42") as they are. */
static void node_label(struct strbuf *sb, const char *cls)
{
	const char *name = NULL;
	if (str_starts(cls, "field:"))
		name = cls + 6;
	else if (str_starts(cls, "global:") || str_starts(cls, "static:"))
		name = strrchr(cls, ':') + 1;
	if (!name || !*name) {
		sb_add(sb, cls);
		return;
	}
	sb_addf(sb, "%s\n%.*s", name, (int)(name - cls - 1), cls);
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path ? path : "?";
}

static void edge_tooltip(struct strbuf *sb, const struct pair *p)
{
	const struct stored_edge *e = p->shown;
	sb_addf(sb, "%s -> %s\n%s acquired at %s:%d in %s", e->from, e->to, e->to,
	        e->inner.file ? e->inner.file : "?", e->inner.line, e->inner.func ? e->inner.func : "?");
	if (e->outer.file)
		sb_addf(sb, "\nwhile holding %s, acquired at %s:%d in %s", e->from, e->outer.file,
		        e->outer.line, e->outer.func ? e->outer.func : "?");
	if (e->inner.thread)
		sb_addf(sb, "\nin %s", e->inner.thread);
	sb_addf(sb, "\nseen by %s", p->engines.buf);
}

/* Nodes are named by their class, so the SVG's titles name them too. */
static void write_edge(struct strbuf *out, const struct pair *p)
{
	struct strbuf t;
	sb_init(&t);
	const struct stored_edge *e = p->shown;
	sb_add(out, "  ");
	dot_quote(out, e->from);
	sb_add(out, " -> ");
	dot_quote(out, e->to);
	sb_add(out, " [label=");
	sb_addf(&t, "%s\n%s:%d", e->inner.func ? e->inner.func : "?", base_name(e->inner.file),
	        e->inner.line);
	dot_quote(out, t.buf);
	t.len = 0;
	edge_tooltip(&t, p);
	sb_add(out, ", tooltip=");
	dot_quote(out, t.buf);
	sb_free(&t);
	if (!p->blocking)
		sb_add(out, ", style=dashed");
	if (p->on_cycle)
		sb_add(out, ", class=\"cycle\", color=\"" CYCLE_COLOR "\", fontcolor=\"" CYCLE_COLOR
		       "\", penwidth=2.5");
	sb_add(out, "];\n");
}

static void write_node(struct strbuf *out, const struct nodes *ns, int i)
{
	struct strbuf t;
	sb_init(&t);
	node_label(&t, ns->cls[i]);
	sb_add(out, "  ");
	dot_quote(out, ns->cls[i]);
	sb_add(out, " [label=");
	dot_quote(out, t.buf);
	if (ns->on_cycle[i])
		sb_add(out, ", class=\"cycle\", color=\"" CYCLE_COLOR "\", penwidth=2");
	sb_add(out, "];\n");
	sb_free(&t);
}

/* The default view: edges touching a node of a reported cycle, and their nodes. */
static void choose_view(int np, const int *ends, const struct nodes *ns, int all,
                        unsigned char *pair_shown, unsigned char *node_shown)
{
	for (int i = 0; i < np; i++) {
		int a = ends[2 * i], b = ends[2 * i + 1];
		pair_shown[i] = all || ns->on_cycle[a] || ns->on_cycle[b];
		if (pair_shown[i])
			node_shown[a] = node_shown[b] = 1;
	}
	for (int i = 0; i < ns->n; i++)
		node_shown[i] |= all;
}

static int count_set(const unsigned char *v, int n)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		k += v[i] != 0;
	return k;
}

char *report_graph_dot(const struct stored_edge *e, int n, const struct finding_list *findings,
                       struct graph_view *v)
{
	int all = !v || v->all;
	int np;
	struct pair *pairs = merge_pairs(e, n, &np);
	struct nodes ns = {0};
	int *ends = xcalloc((size_t)(2 * np + 1), sizeof *ends);
	for (int i = 0; i < np; i++) {
		ends[2 * i] = node_of(&ns, pairs[i].shown->from);
		ends[2 * i + 1] = node_of(&ns, pairs[i].shown->to);
	}
	ns.on_cycle = xcalloc((size_t)(ns.n + 1), 1);
	for (int i = 0; i < np; i++) {
		pairs[i].on_cycle = on_reported_cycle(findings, pairs[i].shown->from, pairs[i].shown->to);
		if (pairs[i].on_cycle)
			ns.on_cycle[ends[2 * i]] = ns.on_cycle[ends[2 * i + 1]] = 1;
	}
	np = needed_pairs(pairs, ends, np, ns.n);
	unsigned char *pair_shown = xcalloc((size_t)np + 1, 1), *node_shown = xcalloc((size_t)ns.n + 1, 1);
	choose_view(np, ends, &ns, all, pair_shown, node_shown);
	if (v) {
		v->nodes = count_set(node_shown, ns.n);
		v->edges = count_set(pair_shown, np);
		v->total_nodes = ns.n;
		v->total_edges = np;
	}
	struct strbuf out;
	sb_init(&out);
	sb_add(&out, "digraph lock_order {\n"
	             "  graph [fontname=\"Helvetica,sans-Serif\"");
	if (!all)
		sb_add(&out, ", size=\"10,7.5\"");    /* inches: shrunk to a landscape page if larger */
	sb_add(&out, "];\n"
	             "  node [shape=box, style=rounded, fontname=\"Helvetica,sans-Serif\", fontsize=11];\n"
	             "  edge [fontname=\"Helvetica,sans-Serif\", fontsize=9];\n");
	for (int i = 0; i < ns.n; i++)
		if (node_shown[i])
			write_node(&out, &ns, i);
	for (int i = 0; i < np; i++)
		if (pair_shown[i])
			write_edge(&out, &pairs[i]);
	sb_add(&out, "}\n");
	free(pair_shown);
	free(node_shown);
	for (int i = 0; i < np; i++)
		sb_free(&pairs[i].engines);
	free(pairs);
	free(ends);
	free(ns.cls);
	keymap_free(&ns.index);
	free(ns.on_cycle);
	return sb_detach(&out);
}
