/* edges.c — the lock-order graph as the runtime sees it: an edge from every held lock's
 * class to the class being acquired, recorded once per class pair with the stack of the
 * second acquisition (the first one's is its site's). Afterwards an edge is only written
 * again when it starts proving more: a blocking (not try) acquisition, a second thread,
 * or a gate lock that no longer covers every occurrence. Two locks of one class are
 * recorded per pair of instances (a bounded number per class): their order, not their
 * class, is what can invert. */
#include <string.h>

#include "fast.h"

#define MAX_PAIRS_PER_CLASS 256

struct edge_info {
	uint32_t flags;      /* RTE_* (atomic, only grows) */
	uint32_t thread;     /* the first thread that made it */
	uint32_t gate[2];    /* classes held around every occurrence so far (atomic) */
};

static struct rt_table edges;
static struct edge_info *info;

void rt_edge_tables_init(void)
{
	if (rt_table_init(&edges, 18) == 0)
		info = rt_map(((size_t)1 << 18) * sizeof *info);
}

/* Classes held below position i (acquired before held[i]) other than the edge's own. */
static int held_below(const struct rt_thread *t, int i, uint32_t cls)
{
	for (int k = 0; k < i; k++)
		if (t->held[k].cls == cls && !(RT_LOAD(&t->held[k].flags) & (HF_WAITING | HF_GONE)))
			return 1;
	return 0;
}

struct new_edge {
	const struct rt_thread *t;
	int i;               /* held index of the `from` lock */
	uint32_t to;
	unsigned hflags;
	struct edge_info init;
};

static void gates_of(struct new_edge *ne)
{
	const struct rt_thread *t = ne->t;
	int n = 0;
	for (int k = 0; k < ne->i && n < 2; k++) {
		uint32_t c = t->held[k].cls;
		if (!c || (RT_LOAD(&t->held[k].flags) & (HF_WAITING | HF_GONE)) || c == t->held[ne->i].cls || c == ne->to ||
		    (n && ne->init.gate[0] == c))
			continue;
		ne->init.gate[n++] = c;
	}
}

static void edge_init(uint32_t id, void *ctx)
{
	info[id] = ((struct new_edge *)ctx)->init;
}

void rt_edges_flush(struct rt_edges_out *out)
{
	if (out->len)
		rt_log_write(out->buf, out->len);
	out->len = 0;
}

static void put(struct rt_edges_out *out, const void *rec, size_t len)
{
	if (out->len + len > sizeof out->buf)
		rt_edges_flush(out);
	memcpy(out->buf + out->len, rec, len);
	out->len += (uint32_t)len;
}

static void write_edge(uint32_t id, const struct new_edge *ne, void *to_lock, struct rt_edges_out *out)
{
	const struct rt_held *from = &ne->t->held[ne->i];
	struct rt_edge e;
	memset(&e, 0, sizeof e);
	e.id = id;
	e.from = from->cls;
	e.to = ne->to;
	e.thread = ne->t->seq;
	e.flags = ne->init.flags;
	e.outer_stack = from->site;
	if (!out->stack)
		out->stack = rt_stack_now();
	e.inner_stack = out->stack;
	e.gate[0] = ne->init.gate[0];
	e.gate[1] = ne->init.gate[1];
	if (from->cls == ne->to) {
		e.from_inst = (uintptr_t)from->lock;
		e.to_inst = (uintptr_t)to_lock;
	}
	put(out, &e, rt_rec_finish(&e, RT_EDGE, sizeof e));
}

static void write_update(uint32_t id, uint32_t flags, const struct edge_info *ei,
                         struct rt_edges_out *out)
{
	struct rt_edge_update u;
	memset(&u, 0, sizeof u);
	u.id = id;
	u.flags = flags;
	u.gate[0] = RT_LOAD(&ei->gate[0]);
	u.gate[1] = RT_LOAD(&ei->gate[1]);
	put(out, &u, rt_rec_finish(&u, RT_EDGE_UPDATE, sizeof u));
}

/* Nothing this thread can do with the edge adds to it: it blocks, and it is multi-thread
 * or ours, and has no gate to narrow. */
static int settled(const struct rt_thread *t, uint32_t id)
{
	const struct edge_info *ei = &info[id];
	uint32_t f = RT_LOAD(&ei->flags);
	return (f & RTE_BLOCKING) && ((f & RTE_MULTI) || ei->thread == t->seq) &&
	       !RT_LOAD(&ei->gate[0]) && !RT_LOAD(&ei->gate[1]);
}

/* An edge seen before: does this occurrence prove more than the earlier ones? */
static void seen_again(const struct rt_thread *t, int i, uint32_t id, unsigned hflags,
                       struct rt_edges_out *out)
{
	struct edge_info *ei = &info[id];
	uint32_t f = RT_LOAD(&ei->flags), add = 0;
	if (!(f & RTE_BLOCKING) && !(hflags & HF_TRY))
		add |= RTE_BLOCKING;
	if (!(f & RTE_MULTI) && ei->thread != t->seq)
		add |= RTE_MULTI;
	int changed = 0;
	for (int k = 0; k < 2; k++) {
		uint32_t g = RT_LOAD(&ei->gate[k]);
		if (g && !held_below(t, i, g) &&
		    __atomic_compare_exchange_n(&ei->gate[k], &g, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			changed = 1;
	}
	if (!add && !changed)
		return;
	if (add)
		f = __atomic_or_fetch(&ei->flags, add, __ATOMIC_RELAXED);
	write_update(id, f, ei, out);
}

void rt_note_edge(struct rt_thread *t, int i, uint32_t to, void *to_lock, unsigned hflags,
                  struct rt_edges_out *out)
{
	const struct rt_held *from = &t->held[i];
	if (!info || !from->cls || !to)
		return;
	uint64_t k1 = 0, k2 = 0;
	if (from->cls == to) {
		k1 = (uintptr_t)from->lock;
		k2 = (uintptr_t)to_lock;
	}
	uint64_t k0 = (uint64_t)from->cls << 32 | to;
	/* A known edge this thread cannot add to costs one compare. */
	if (RT_LIKELY(!k1 && rt_ecache_has(t, k0)))
		return;
	uint32_t id = rt_table_get(&edges, k0, k1, k2, 0, NULL, NULL, NULL);
	if (RT_LIKELY(id)) {
		seen_again(t, i, id, hflags, out);
		if (!k1 && settled(t, id))
			rt_ecache_put(t, k0);
		return;
	}
	if (from->cls == to && rt_class_edges_inc(to) > MAX_PAIRS_PER_CLASS)
		return;
	struct new_edge ne = {.t = t, .i = i, .to = to, .hflags = hflags};
	ne.init.flags = hflags & HF_TRY ? 0 : RTE_BLOCKING;
	ne.init.thread = t->seq;
	gates_of(&ne);
	int fresh;
	id = rt_table_get(&edges, k0, k1, k2, 1, edge_init, &ne, &fresh);
	if (fresh)
		write_edge(id, &ne, to_lock, out);
	else if (id)
		seen_again(t, i, id, hflags, out);
}
