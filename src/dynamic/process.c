/* process.c — one process image's records arranged by id: modules, stacks, classes,
 * edges (their updates folded in), threads with their joins and detaches, misuse,
 * deadlocks and how the process ended. Records may name ids defined later in the file
 * (threads race to write), so everything is loaded before anything is resolved. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"

/* Ids come from counters in the process, one record defining each: an id past the number
 * of records that could hold it is a damaged record (and would make a huge table). A fork
 * child read without its parent's log has no such bound (its counters go on from the
 * parent's): a million of each kind, so that a damaged one costs tens of megabytes, not a
 * gigabyte. */
#define MAX_ID (1u << 20)

static void *slot(struct dyn_process *p, void **arr, int *cap, uint32_t id, size_t size)
{
	if (id == 0 || id > MAX_ID || id > p->max_id)
		return NULL;
	grow_array(arr, cap, (int)id, size);     /* zeroes what it adds */
	return (char *)*arr + (size_t)id * size;
}

#define SLOT(p, field, capf, id) \
	((__typeof__(p->field))slot((p), (void **)&p->field, &p->capf, (id), sizeof *p->field))

static void add_module(struct dyn_process *p, const struct rt_module *m)
{
	for (int i = 0; i < p->nmods; i++)
		if (p->mods[i].lo == m->lo && str_eq(p->mods[i].path, m->path))
			return;
	grow_array((void **)&p->mods, &p->cap_mods, p->nmods, sizeof *p->mods);
	struct dyn_module *d = &p->mods[p->nmods++];
	d->path = xstrdup(m->path);
	d->base = m->base;
	d->lo = m->lo;
	d->hi = m->hi;
}

static void add_stack(struct dyn_process *p, const struct rt_stack *s)
{
	struct dyn_stack *d = SLOT(p, stacks, cap_stacks, s->id);
	if (!d || d->defined)
		return;
	d->defined = 1;
	d->n = (int)s->n;
	d->pc = s->pc;
}

static void add_class(struct dyn_process *p, const struct rt_class *c)
{
	struct dyn_class *d = SLOT(p, classes, cap_classes, c->id);
	if (!d || d->defined)
		return;
	d->defined = 1;
	d->kind = c->kind;
	d->how = c->how;
	d->addr = c->addr;
	d->stack = c->stack;
}

/* Gates only shrink: keep those every record still lists. */
static void intersect_gates(uint32_t gate[2], const uint32_t other[2])
{
	for (int k = 0; k < 2; k++)
		if (gate[k] && gate[k] != other[0] && gate[k] != other[1])
			gate[k] = 0;
}

static void add_edge(struct dyn_process *p, const struct rt_edge *e)
{
	struct dyn_edge *d = SLOT(p, edges, cap_edges, e->id);
	if (!d)
		return;
	if (d->defined) {            /* an update came first */
		d->defined = 1;
		d->e = *e;
		d->flags |= e->flags;
		intersect_gates(d->gate, e->gate);
		return;
	}
	d->defined = 1;
	d->e = *e;
	d->flags = e->flags;
	d->gate[0] = e->gate[0];
	d->gate[1] = e->gate[1];
}

static void update_edge(struct dyn_process *p, const struct rt_edge_update *u)
{
	struct dyn_edge *d = SLOT(p, edges, cap_edges, u->id);
	if (!d)
		return;
	if (!d->defined) {
		/* Defined later in this file, or in a fork parent's log: in the second case it
		 * is the parent's edge, and this one stays undefined. */
		d->flags |= u->flags;
		d->gate[0] = u->gate[0];
		d->gate[1] = u->gate[1];
		d->defined = -1;     /* provisional: add_edge completes it */
		return;
	}
	d->flags |= u->flags;
	intersect_gates(d->gate, u->gate);
}

static void add_thread(struct dyn_process *p, const struct rt_thread_rec *t)
{
	struct dyn_thread *d = SLOT(p, threads, cap_threads, t->seq);
	if (!d)
		return;
	d->defined = 1;
	d->parent = t->parent;
	d->stack = t->stack;
	d->flags = t->flags;
	d->start = t->start;
}

static void add_join(struct dyn_process *p, const struct rt_join *j, uint32_t type)
{
	struct dyn_thread *d = SLOT(p, threads, cap_threads, j->seq);
	if (!d)
		return;
	if (type == RT_DETACH)
		d->detached = 1;
	else if (type == RT_JOIN)
		d->joined = 1;
	else
		d->ended = 1;
}

#define APPEND(arr, n, cap, v) \
	(grow_array((void **)&(arr), &(cap), (n), sizeof *(arr)), (arr)[(n)++] = (v))

static void take_record(struct dyn_process *p, const struct rt_rec *r, int definitions_only)
{
	switch (r->type) {
	case RT_MODULE:
		add_module(p, (const void *)r);
		return;
	case RT_STACK:
		add_stack(p, (const void *)r);
		return;
	case RT_CLASS:
		add_class(p, (const void *)r);
		return;
	default:
		break;
	}
	if (definitions_only)
		return;
	switch (r->type) {
	case RT_EDGE:
		add_edge(p, (const void *)r);
		break;
	case RT_EDGE_UPDATE:
		update_edge(p, (const void *)r);
		break;
	case RT_THREAD:
		add_thread(p, (const void *)r);
		break;
	case RT_JOIN:
	case RT_DETACH:
	case RT_THREAD_END:
		add_join(p, (const void *)r, r->type);
		break;
	case RT_MISUSE:
		APPEND(p->misuses, p->nmisuses, p->cap_misuses, (const struct rt_misuse *)(const void *)r);
		break;
	case RT_DEADLOCK:
		APPEND(p->deadlocks, p->ndeadlocks, p->cap_deadlocks, (const struct rt_deadlock *)(const void *)r);
		p->deadlocked = 1;
		break;
	case RT_LIMIT: {
		const struct rt_limit *l = (const void *)r;
		if (l->what >= 1 && l->what <= RTL_MAX && l->count > p->limits[l->what].count)
			p->limits[l->what] = (struct dyn_limit){.limit = l->limit, .count = l->count};
		break;
	}
	case RT_WATCH_STATE:
	case RT_WATCH_HIT:
	case RT_WATCH_END:
		APPEND(p->watch, p->nwatch, p->cap_watch, r);
		break;
	case RT_EXIT:
		p->exited = 1;
		p->exit_status = ((const struct rt_exit *)(const void *)r)->status;
		break;
	default:
		break;
	}
}

void process_load(struct dyn_process *p, struct rt_file *f, const struct rt_file *parent)
{
	memset(p, 0, sizeof *p);
	p->file = f;
	p->pid = f->proc->pid;
	p->ppid = f->proc->ppid;
	p->exe = xstrdup(f->exe);
	/* Every id is defined by a record of at least 16 bytes, here or in the parent's log (a
	 * fork child's counters go on from its parent's: without that log, no bound). */
	p->max_id = parent || !(f->proc->flags & RTP_FORKED)
		? (uint32_t)((f->size + (parent ? parent->size : 0)) / 16 + 1) : MAX_ID;
	if (parent)
		for (const struct rt_rec *r = NULL; (r = rtlog_next(parent, r, f->proc->parent_offset));)
			take_record(p, r, 1);
	for (const struct rt_rec *r = NULL; (r = rtlog_next(f, r, 0));)
		take_record(p, r, 0);
	/* Updates of edges this file never defined belong to the parent's edges. */
	for (int i = 1; i < p->cap_edges; i++)
		if (p->edges[i].defined < 0)
			p->edges[i].defined = 0;
}

void process_free(struct dyn_process *p)
{
	free(p->exe);
	for (int i = 0; i < p->nmods; i++)
		free(p->mods[i].path);
	free(p->mods);
	for (int i = 0; i < p->cap_stacks; i++) {
		for (int k = 0; k < p->stacks[i].nframes; k++) {
			free(p->stacks[i].frames[k].func);
			free(p->stacks[i].frames[k].file);
		}
		free(p->stacks[i].frames);
	}
	free(p->stacks);
	for (int i = 0; i < p->cap_classes; i++) {
		free(p->classes[i].name);
		free(p->classes[i].symbol);
		free(p->classes[i].label);
	}
	free(p->classes);
	free(p->edges);
	for (int i = 0; i < p->cap_threads; i++) {
		free(p->threads[i].desc);
		free(p->threads[i].start_name);
	}
	free(p->threads);
	keymap_free(&p->stacks_by_pcs);
	free(p->misuses);
	free(p->deadlocks);
	free(p->watch);
	memset(p, 0, sizeof *p);
}

struct dyn_stack *process_stack(struct dyn_process *p, uint32_t id)
{
	return id && id < (uint32_t)p->cap_stacks && p->stacks[id].defined ? &p->stacks[id] : NULL;
}

struct dyn_class *process_class(struct dyn_process *p, uint32_t id)
{
	return id && id < (uint32_t)p->cap_classes && p->classes[id].defined ? &p->classes[id] : NULL;
}

struct dyn_thread *process_thread(struct dyn_process *p, uint32_t seq)
{
	return seq && seq < (uint32_t)p->cap_threads ? &p->threads[seq] : NULL;
}

int process_nedges(const struct dyn_process *p)
{
	return p->cap_edges;
}

struct symbolizer *process_sym(struct dyn_process *p)
{
	if (!p->sym && p->make_sym)
		p->sym = p->make_sym(p->sym_ctx, p);
	return p->sym;
}
