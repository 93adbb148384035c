/* contexts.c — which code runs in which thread, and when.
 *
 * A context is main (one per program) or one thread creation site reached from it. main is
 * walked first; every pthread_create it reaches starts a thread context, walked in turn
 * (threads may create threads). A thread is alive, in main's source order, from its
 * creation (the start of the enclosing loop, when created in a loop) to the join of its
 * handle (the end of the enclosing loop); code of main outside that interval does not run
 * alongside it. Every function is also walked on its own (CTX_ISOLATED) for the rules that
 * are about its own paths: lock leaks, double locks, unlocks of locks not held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct context *new_context(struct analysis *a, enum ctx_kind kind, const struct fn_ref *entry)
{
	struct context *c = xcalloc(1, sizeof *c);
	grow_array((void **)&a->ctxs, &a->cap_ctxs, a->nctxs, sizeof *a->ctxs);
	c->id = a->nctxs;
	a->ctxs[a->nctxs++] = c;
	c->kind = kind;
	c->entry = entry;
	c->program = c->id;
	return c;
}

/* x surely happens before y: at the first level where their chains differ, x's loop ends
 * before y's begins. A shared prefix in a loop counts once (one iteration). */
static int strictly_before(const struct when *x, const struct when *y)
{
	int n = x->n < y->n ? x->n : y->n;
	for (int i = 0; i < n; i++)
		if (when_lv(x, i)->pos != when_lv(y, i)->pos)
			return when_lv(x, i)->hi < when_lv(y, i)->lo;
	return 0;
}

int when_before(const struct when *x, const struct when *y)
{
	return strictly_before(x, y);
}

/* Lexicographic order of chains, for picking the first join. */
static int when_cmp(const struct when *x, const struct when *y)
{
	int n = x->n < y->n ? x->n : y->n;
	for (int i = 0; i < n; i++)
		if (when_lv(x, i)->pos != when_lv(y, i)->pos)
			return when_lv(x, i)->pos < when_lv(y, i)->pos ? -1 : 1;
	return x->n - y->n;
}

static int in_loop(const struct activation *f, const struct event *ev)
{
	for (; f; ev = f->call, f = f->caller)
		if (ev && (ev->flags & EVF_IN_LOOP))
			return 1;
	return 0;
}

/* What a thread argument names, without the context and calls that own it ("&~7.3:l:f:x"
 * is "&l:f:x"): the same local of another invocation has the same shape. */
static char *arg_shape(const char *arg)
{
	struct strbuf sb;
	sb_init(&sb);
	for (const char *p = arg ? arg : "?"; *p;) {
		size_t own = owner_prefix(p);
		if (own)
			p += own;
		else
			sb_addc(&sb, *p++);
	}
	return sb_detach(&sb);
}

enum { SHAPES_PER_SITE = 4 };     /* contexts of one site and entry told apart by argument */

/* The site reached again by its creator on a path exclusive with the ways before, with the
 * same argument and handle: still one instance per run. A handle local to a creating
 * wrapper (pthread_t t in xcreate(), returned) is another object in each of its calls,
 * the same in shape. */
static int exclusive_reach_alike(const struct context *c, const struct activation *f,
                                 const struct event *ev, const char *arg)
{
	char *handle = frame_path(f, ev->path);
	char *shape = handle ? arg_shape(handle) : NULL, *first = c->handle ? arg_shape(c->handle) : NULL;
	int alike = str_eq(arg, c->arg) && (str_eq(handle, c->handle) || (shape && str_eq(shape, first)));
	free(handle);
	free(shape);
	free(first);
	return alike && exclusive_new_reach(c, f, ev);
}

/* A thread context is one entry function started at one creation site of one program with
 * one shape of argument, whoever reaches the site: a helper that starts threads, called
 * from several places or by threads that are themselves started many times (or start each
 * other), gives one context with several instances, alive from the first start. The same
 * creator passing arguments that differ gives each instance its own object; creators in
 * different contexts passing the same local of their own invocation share the first one's
 * (its children race on it as siblings do). Past a few shapes, one context takes them all,
 * so that arguments built from arguments (node->next) cannot grow contexts for ever. */
enum { MAX_INSTANCES = 1024 };     /* ways to start one context told apart for joins */

/* One more way main starts c (at w, with handle), each ended by its own join (results.c). */
static void add_instance(struct context *c, const struct when *w, const char *handle,
                         unsigned loops)
{
	if (!handle || c->ninst >= MAX_INSTANCES)
		c->unnamed_handle = 1;
	if (c->unnamed_handle)
		return;
	for (int i = 0; i < c->ninst; i++)
		if (str_eq(c->inst[i].handle, handle) && !when_cmp(&c->inst[i].start, w))
			return;
	c->inst = xrealloc(c->inst, (size_t)(c->ninst + 1) * sizeof *c->inst);
	memset(&c->inst[c->ninst], 0, sizeof *c->inst);
	c->inst[c->ninst].start = *w;
	c->inst[c->ninst].loops = loops;
	c->inst[c->ninst++].handle = xstrdup(handle);
}

/* Is context d creator or one of its ancestors: the site reached again by a thread it
 * started (threads that start each other)? */
static int ancestor_or_self(const struct context *d, const struct context *creator)
{
	for (const struct context *p = creator; p; p = p->parent)
		if (p == d)
			return 1;
	return 0;
}

/* The context of this site and entry that f's creator already started (or must share):
 * each creator starts its own threads, with its own start and joins (a helper that starts
 * I/O threads, called by main in one mode and by a coordinator thread in another, gives
 * each its own pair). Creators running one function (threads of two sites that each start
 * their own), a thread that descends from a context of the site, or more than
 * MAX_CREATORS creators share the first context, started by several: any time, several
 * instances (contexts do not multiply with the levels of threads that start threads). */
enum { MAX_CREATORS = 4 };

static struct context *site_context(struct analysis *a, const struct activation *f,
                                    const struct event *ev, const struct fn_ref *entry,
                                    const char *arg, const struct bindings *bound, int *shapes)
{
	char *shape = arg_shape(arg);
	struct context *c = NULL, *first = NULL, *mine = NULL, *shared = NULL;
	const struct context *others[MAX_CREATORS];
	int creators = 0;
	*shapes = 0;
	for (int i = 0; i < a->nctxs && !c; i++) {
		struct context *d = a->ctxs[i];
		if (d->kind != CTX_THREAD || d->create_ev != ev || d->entry != entry ||
		    d->program != f->ctx->program || !bindings_equal(d->bindings, bound))
			continue;
		if (!first)
			first = d;
		if (!shared && (ancestor_or_self(d, f->ctx) || d->parent->entry == f->ctx->entry))
			shared = d;
		if (d->parent != f->ctx) {
			int known = 0;
			for (int k = 0; k < creators && !known; k++)
				known = others[k] == d->parent;
			if (!known && creators < MAX_CREATORS)
				others[creators++] = d->parent;
			continue;
		}
		if (!mine)
			mine = d;
		(*shapes)++;
		if ((ev->flags & EVF_PER_INSTANCE) || str_eq(shape, d->shape))
			c = d;
	}
	if (!c && *shapes >= SHAPES_PER_SITE)
		c = mine;
	if (!c && (shared || creators >= MAX_CREATORS)) {
		c = shared ? shared : first;
		if (!str_eq(shape, c->shape))
			*shapes = SHAPES_PER_SITE;   /* arguments of every shape: one for them all */
	}
	free(shape);
	return c;
}

static struct context *site_seen(struct analysis *a, const struct activation *f,
                                 const struct event *ev, const struct fn_ref *entry, const char *arg,
                                 const struct bindings *bound)
{
	int shapes;
	struct context *c = site_context(a, f, ev, entry, arg, bound, &shapes);
	if (!c)
		return NULL;
	struct when w;
	frame_when(a, f, ev, &w);
	int same_creator = c->parent == f->ctx;
	if (same_creator && f->ctx->kind == CTX_MAIN && when_cmp(&w, &c->start) < 0)
		c->start = w;
	if (same_creator) {
		char *handle = frame_path(f, ev->path);
		add_instance(c, &w, handle, instance_loops(f, ev));
		free(handle);
	}
	if (same_creator && !c->multi && exclusive_reach_alike(c, f, ev, arg)) {
		exclusive_note_path(c, f, ev);    /* another way to the one instance a run starts */
		return c;
	}
	c->multi = c->own_multi = 1;
	c->reaches++;
	if (!same_creator)
		c->unbounded = 1;            /* started by several contexts: any time */
	if (!str_eq(arg, c->arg) && !(ev->flags & EVF_PER_INSTANCE) &&
	    (same_creator || shapes >= SHAPES_PER_SITE)) {
		free(c->arg);
		c->arg = xasprintf("&~%d:targ", c->id);
	}
	char *handle = frame_path(f, ev->path);
	if (!str_eq(handle, c->handle)) {
		free(c->handle);
		c->handle = NULL;          /* several handles: joins cannot be matched */
	}
	free(handle);
	return c;
}

/* How many calls up the routine a wrapper started was named: pthread_create(…, start, …)
 * with start a parameter, passed on as a parameter by its caller, named by the caller's
 * caller (2). A trampoline's routine was stored by the wrapper from its parameter (1). */
static int naming_level(const struct activation *f, const struct event *ev, int trampoline)
{
	if (ev->callee)
		return trampoline && f->caller ? 1 : 0;
	int level = 0;
	const char *p = ev->api;
	for (; p && f->caller && f->call; f = f->caller, level++) {
		char *end;
		if (!str_starts(p, "p:"))
			break;
		long n = strtol(p + 2, &end, 10);
		if (*end || n < 0 || n >= f->call->nargs)
			break;
		p = f->call->args[n].path;
	}
	return level;
}

/* Threads started in a loop, each given the address of an array element (a wrapper's
 * create_worker(fn, &threads[i]) reaches pthread_create with "&threads[]"): each its own
 * slot, as &args[i] at a pthread_create in the loop is. */
static int slot_per_thread(const struct context *c, const char *arg)
{
	size_t n = arg ? strlen(arg) : 0;
	return c->multi && n > 3 && arg[0] == '&' && !strcmp(arg + n - 2, "[]");
}

/* The thread argument reaches the creation through wrappers' parameters from a call that
 * passes another array element each time (extract/fresh_slots.c: "N!" on its api):
 * create(&thr->tid, worker, thr) after thr = &threads[count], count++ after it. */
static int fresh_slot_through_wrappers(const struct activation *f, const struct event *ev)
{
	const char *p = ev->arg;
	for (; p && f->caller && f->call; f = f->caller) {
		char *end;
		if (!str_starts(p, "p:"))
			return 0;
		long n = strtol(p + 2, &end, 10);
		if (*end || n < 0 || n >= f->call->nargs)
			return 0;
		char mark[24];
		snprintf(mark, sizeof mark, "%ld!", n);
		for (const char *api = f->call->api; api && *api;) {
			const char *semi = strchr(api, ';');
			size_t len = semi ? (size_t)(semi - api) : strlen(api);
			if (len == strlen(mark) && !strncmp(api, mark, len))
				return 1;
			api = semi ? semi + 1 : NULL;
		}
		p = f->call->args[n].path;
	}
	return 0;
}

static void start_thread(struct analysis *a, const struct activation *f, const struct event *ev,
                         const struct fn_ref *entry, const char *arg, int trampoline)
{
	struct bindings *bound = bindings_at(f, ev);
	struct context *seen = site_seen(a, f, ev, entry, arg, bound);
	if (seen) {
		bindings_free(bound);
		onceguard_note_create(a, seen, f, ev);
		return;
	}
	struct context *parent = f->ctx;
	struct context *c = new_context(a, CTX_THREAD, entry);
	c->reaches = 1;
	c->parent = parent;
	c->program = parent->program;
	c->own_multi = in_loop(f, ev);
	c->multi = c->own_multi || parent->multi;
	c->detached = (ev->flags & EVF_DETACHED) != 0;
	c->handle = frame_path(f, ev->path);
	c->shape = arg_shape(arg);
	int fresh = arg && fresh_slot_through_wrappers(f, ev);
	if (fresh)
		c->fresh_slot = xstrdup(arg + (arg[0] == '&'));
	if ((ev->flags & EVF_PER_INSTANCE) || slot_per_thread(c, arg) || fresh)
		c->arg = xasprintf("&~%d:targ", c->id);     /* each thread its own object */
	else
		c->arg = xstrdup(arg);
	struct when w;                                    /* in the creator's chains */
	frame_when(a, f, ev, &w);
	add_instance(c, &w, c->handle, instance_loops(f, ev));
	if (parent->kind == CTX_MAIN) {
		c->start = w;                                 /* end: set once joins are known */
	} else {
		c->start = parent->start;
		c->end = parent->end;
		c->has_end = parent->has_end;
	}
	c->create_ev = ev;
	c->create_fn = f->fn;
	c->bindings = bound;
	onceguard_note_create(a, c, f, ev);
	c->ncreate_stack = frame_stack(f, ev, &c->create_stack);
	c->shown = naming_level(f, ev, trampoline);
	exclusive_note_path(c, f, ev);
}

/* The start routine: named, or followed through pointers and wrappers (fnptr.c); an entry
 * that only runs the function its argument carries is seen through to that function. */
static void note_create(struct analysis *a, const struct activation *f, const struct event *ev)
{
	const struct fn_ref **entries = NULL;
	int n = 0;
	if (ev->callee) {
		const struct fn_ref *r = index_resolve(&a->ix, ev->callee, f->tu);
		if (r) {
			entries = xcalloc(1, sizeof *entries);
			entries[n++] = r;
		}
	} else {
		n = fnptr_targets(a, f, ev->api, ev->type, NULL, &entries);
	}
	if (!n)
		fnptr_note_unresolved(a, f, ev);
	char *arg = frame_path(f, ev->arg);
	for (int i = 0; i < n; i++) {
		const struct fn_ref *run = entries[i];
		char *targ = NULL;
		int trampoline = fnptr_trampoline(a, entries[i], arg, &run, &targ);
		if (!trampoline)
			targ = xstrdup(arg);
		start_thread(a, f, ev, run, targ, trampoline);
		free(targ);
	}
	free(arg);
	free(entries);
}

void contexts_note_thread_op(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (ev->kind == EV_THREAD_CREATE) {
		note_create(a, f, ev);
		return;
	}
	if (ev->kind == EV_THREAD_DETACH && (ev->flags & EVF_SELF)) {
		f->ctx->detached = 1;
		return;
	}
	struct thread_op *op = (grow_array((void **)&a->joins, &a->cap_joins, a->njoins, sizeof *a->joins),
	                        &a->joins[a->njoins++]);
	memset(op, 0, sizeof *op);
	op->ev = ev;
	op->fn = f->fn;
	op->ctx = f->ctx->id;
	op->handle = frame_path(f, ev->path);
	op->slot_handle = takes_slot_path(f, ev->path);
	frame_when(a, f, ev, &op->when);
}

/* A thread main started, joined by another thread whose end main knows, ends before that
 * one does: main joins a coordinator that joined the workers. Repeated for chains. */
static int ends_with(const struct context *c, const struct context *x, const char *handle)
{
	return c != x && c->kind == CTX_THREAD && !c->has_end && !c->unbounded && c->handle &&
	       str_eq(c->handle, handle) && c->program == x->program && c->parent->kind == CTX_MAIN &&
	       !strictly_before(&x->end, &c->start);
}

static void joins_through_threads(struct analysis *a)
{
	for (int changed = 1, round = 0; changed && round < a->nctxs; round++) {
		changed = 0;
		for (int j = 0; j < a->njoins; j++) {
			const struct thread_op *op = &a->joins[j];
			const struct context *x = a->ctxs[op->ctx];
			if (op->ev->kind != EV_THREAD_JOIN || !op->handle || x->kind != CTX_THREAD ||
			    !x->has_end || x->unbounded)
				continue;
			for (int i = 0; i < a->nctxs; i++)
				if (ends_with(a->ctxs[i], x, op->handle)) {
					a->ctxs[i]->end = x->end;
					a->ctxs[i]->has_end = 1;
					changed = 1;
				}
		}
	}
}

/* Does join op name instance k's handle, directly or through the object a call handed
 * back (join(t) where t = launch())? */
static int names_instance(const struct analysis *a, const struct thread_op *op,
                          const struct context *c, int k)
{
	int drains = (op->ev->flags & EVF_IN_LOOP) != 0;
	return str_eq(op->handle, c->inst[k].handle) ||
	       results_join_names(a, op->handle, c->inst[k].handle, drains) ||
	       results_join_names(a, op->slot_handle, c->inst[k].handle, drains);
}

/* A join names the thread when it names its one handle, or every way main started it. */
static int names_thread(const struct analysis *a, const struct thread_op *op, const struct context *c)
{
	if (str_eq(op->handle, c->handle) ||
	    results_join_names(a, op->handle, c->handle, (op->ev->flags & EVF_IN_LOOP) != 0))
		return 1;
	if (c->unnamed_handle || !c->ninst)
		return 0;
	for (int k = 0; k < c->ninst; k++)
		if (!names_instance(a, op, c, k))
			return 0;
	return 1;
}

/* Is join chain j a better end for an instance started at s than the end e found so far:
 * the first join after the start in source order, or, when none follows it, the first one
 * of the loop around it (a join earlier in the loop's body, reached in a later pass)? */
static int better_end(const struct when *s, const struct when *j, const struct when *e)
{
	int j_after = when_cmp(j, s) > 0, e_after = when_cmp(e, s) > 0;
	if (j_after != e_after)
		return j_after;
	return when_cmp(j, e) < 0;
}

/* Instances told apart: each started by its creator ends at the first join in the
 * creator of its own handle after it starts (a thread launched and joined once per file). */
static void resolve_instances(struct analysis *a, struct context *c)
{
	if (c->unnamed_handle || c->unbounded)
		return;
	for (int k = 0; k < c->ninst; k++) {
		struct instance *in = &c->inst[k];
		for (int j = 0; j < a->njoins; j++) {
			const struct thread_op *op = &a->joins[j];
			if (op->ev->kind != EV_THREAD_JOIN || op->ctx != c->parent->id || !op->handle ||
			    strictly_before(&op->when, &in->start) || !names_instance(a, op, c, k))
				continue;
			if (!in->has_end || better_end(&in->start, &op->when, &in->end)) {
				in->end = op->when;
				in->has_end = 1;
			}
		}
	}
}

/* Several instances at once, decided creators first (contexts are numbered in the order
 * they were found, a creator before what it starts): a thread started once by a creator
 * whose instances turned out to run one at a time runs one at a time too. */
static void resolve_multi(struct analysis *a)
{
	for (int i = 0; i < a->nctxs; i++) {
		struct context *c = a->ctxs[i];
		if (c->kind != CTX_THREAD || c->library)
			continue;
		if (c->parent->kind == CTX_THREAD && !c->unbounded)
			c->multi = c->own_multi || c->parent->multi;
		if (c->multi && ((c->joined_in_pass && !c->parent->multi) || instances_sequential(c)))
			c->multi = 0;
	}
}

/* A thread's interval ends at the first join of its handle in main after its creation;
 * a join or detach anywhere means it is not leaked. */
static void resolve_lifetimes(struct analysis *a)
{
	for (int i = 0; i < a->nctxs; i++) {
		struct context *c = a->ctxs[i];
		if (c->kind != CTX_THREAD)
			continue;
		resolve_instances(a, c);
		for (int j = 0; j < a->njoins; j++) {
			const struct thread_op *op = &a->joins[j];
			if (!op->handle || a->ctxs[op->ctx]->program != c->program || !names_thread(a, op, c))
				continue;
			if (op->ev->kind == EV_THREAD_DETACH)
				c->detached = 1;
			else
				c->joined = 1;
			/* One instance ends at the first join after it starts; several at the last. */
			int better = !c->has_end || (c->reaches > 1 ? when_cmp(&op->when, &c->end) > 0
			                                              : when_cmp(&op->when, &c->end) < 0);
			if (op->ev->kind == EV_THREAD_JOIN && op->ctx == c->parent->id && !c->unbounded &&
			    c->parent->kind == CTX_MAIN && !strictly_before(&op->when, &c->start) && better) {
				c->end = op->when;
				c->has_end = 1;
			}
			/* Created and joined in the same iteration: one instance at a time. */
			if (op->ev->kind == EV_THREAD_JOIN && op->fn == c->create_fn &&
			    op->ev->pos > c->create_ev->pos && op->ev->loop_lo == c->create_ev->loop_lo)
				c->joined_in_pass = 1;
		}
	}
	resolve_multi(a);
	joins_through_threads(a);
	/* Threads created by threads live as long as their creator. */
	for (int i = 0; i < a->nctxs; i++) {
		struct context *c = a->ctxs[i];
		if (c->kind == CTX_THREAD && c->unbounded) {
			c->start.n = 0;            /* overlaps everything */
			c->has_end = 0;
		} else if (c->kind == CTX_THREAD && c->parent && c->parent->kind == CTX_THREAD) {
			c->start = c->parent->start;
			c->end = c->parent->end;
			c->has_end = c->parent->has_end;
		}
	}
}

void run_thread(struct analysis *a, struct context *c)
{
	int n = c->entry->fn->nparams > 0 ? c->entry->fn->nparams : 1;
	struct call_arg *args = xcalloc((size_t)n, sizeof *args);
	args[0].path = c->arg ? c->arg : (char *)"?";
	engine_run_context(a, c, args, n);
	free(args);
}

/* A program that started no thread has nothing to race with and no lock order that two
 * threads could invert: its accesses and lock-order edges are dropped as soon as its walk
 * ends, so that a project of many single-threaded tools does not hold them all. */
static void run_main(struct analysis *a, struct context *c)
{
	int nacc = a->nacc, nedges = a->nedges, nctxs = a->nctxs;
	engine_run_context(a, c, NULL, 0);
	if (a->nctxs == nctxs)
		records_truncate(a, nacc, nedges);
}

void call_graph_build(const struct program_index *ix, struct call_graph *g)
{
	int cap = 0, n = 0;
	g->first = xcalloc((size_t)ix->nfns + 1, sizeof *g->first);
	g->callers = xcalloc((size_t)(ix->nfns ? ix->nfns : 1), sizeof *g->callers);
	g->callee = NULL;
	for (int k = 0; k < ix->nfns; k++) {
		g->first[k] = n;
		const struct function *fn = ix->fns[k].fn;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				const struct fn_ref *r = ev->kind == EV_CALL ? index_resolve(ix, ev->callee, ix->fns[k].tu) : NULL;
				if (!r)
					continue;
				grow_array((void **)&g->callee, &cap, n, sizeof *g->callee);
				g->callee[n++] = index_of_ref(ix, r);
				g->callers[index_of_ref(ix, r)]++;
			}
	}
	g->first[ix->nfns] = n;
}

void call_graph_free(struct call_graph *g)
{
	free(g->first);
	free(g->callee);
	free(g->callers);
}

/* Does definition `from` reach definition `to` through direct calls? */
static int reaches(const struct call_graph *g, int nfns, int from, int to)
{
	unsigned char *seen = xcalloc((size_t)nfns, 1);
	int *stack = xcalloc((size_t)nfns, sizeof *stack), n = 0, found = 0;
	stack[n++] = from;
	seen[from] = 1;
	while (n && !found) {
		int k = stack[--n];
		for (int i = g->first[k]; i < g->first[k + 1] && !found; i++) {
			int c = g->callee[i];
			found = c == to;
			if (!seen[c]) {
				seen[c] = 1;
				stack[n++] = c;
			}
		}
	}
	free(seen);
	free(stack);
	return found;
}

int fn_has_event(const struct function *fn, enum ev_kind kind)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++)
			if (fn->blocks[b].events[e].kind == kind)
				return 1;
	return 0;
}

static void add_mains(struct analysis *a)
{
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct fn_ref *r = &a->ix.fns[k];
		if (str_eq(r->fn->name, "main") && !(r->fn->flags & FNF_STATIC))
			new_context(a, CTX_MAIN, r);
	}
}

/* Code that starts threads but that no program root reaches: a library without main, or a
 * function called through a pointer (a command table, a callback). Each such function with
 * no direct caller becomes a root of its own, so its threads are analysed too. Its callers
 * (and so where the threads are joined) are unknown: it is a best effort. */
static int add_unreached_roots(struct analysis *a)
{
	struct call_graph g;
	call_graph_build(&a->ix, &g);
	int added = 0;
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct fn_ref *r = &a->ix.fns[k];
		if (a->reached[k] || g.callers[k] || !fn_has_event(r->fn, EV_THREAD_CREATE))
			continue;
		new_context(a, CTX_MAIN, r);
		added++;
	}
	/* A creator with callers that nobody reached: walk from its topmost uncalled caller. */
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct fn_ref *r = &a->ix.fns[k];
		if (a->reached[k] || !g.callers[k] || !fn_has_event(r->fn, EV_THREAD_CREATE))
			continue;
		for (int j = 0; j < a->ix.nfns; j++)
			if (!g.callers[j] && !a->reached[j] && reaches(&g, a->ix.nfns, j, k)) {
				new_context(a, CTX_MAIN, &a->ix.fns[j]);
				a->reached[j] = 1;
				added++;
			}
	}
	call_graph_free(&g);
	return added;
}

static void run_isolated(struct analysis *a)
{
	struct keymap seen = {0};
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct fn_ref *r = &a->ix.fns[k];
		char *id = xasprintf("%s|%s", r->fn->usr ? r->fn->usr : r->fn->name, r->fn->file);
		int dup = keymap_get_str(&seen, id, NULL);
		keymap_put_str(&seen, id, 1);
		free(id);
		if (dup)
			continue;    /* a header function parsed in several TUs */
		struct context *c = new_context(a, CTX_ISOLATED, r);
		if (neutral_fn(a, k))
			continue;    /* no lock on any of its paths: nothing to report */
		int n = r->fn->nparams;
		struct call_arg *args = xcalloc((size_t)(n ? n : 1), sizeof *args);
		for (int i = 0; i < n; i++)
			args[i].path = xasprintf("p:%d", i);
		engine_run_context(a, c, args, n);
		for (int i = 0; i < n; i++)
			free(args[i].path);
		free(args);
	}
	keymap_free(&seen);
}

static void walk_contexts(struct analysis *a, int from)
{
	for (int i = from; i < a->nctxs; i++) {  /* grows while threads are found */
		struct context *c = a->ctxs[i];
		if (c->kind == CTX_MAIN)
			run_main(a, c);
		else
			run_thread(a, c);
	}
}

void contexts_discover(struct analysis *a)
{
	a->reached = xcalloc((size_t)(a->ix.nfns ? a->ix.nfns : 1), 1);
	prethread_build(a);
	onceguard_build(a);
	fallback_build(a);
	add_mains(a);
	walk_contexts(a, 0);
	int before = a->nctxs;
	if (add_unreached_roots(a))
		walk_contexts(a, before);
	contexts_add_library(a);
	resolve_lifetimes(a);
	run_isolated(a);
}

/* Two candidates of one pthread_create through a function pointer: one thread runs one of
 * them, so they are alternatives, not two threads. */
int same_site(const struct context *c, const struct context *d)
{
	if (c->kind != CTX_THREAD || d->kind != CTX_THREAD || !c->create_ev || !d->create_ev ||
	    c->create_fn != d->create_fn || c->create_ev->line != d->create_ev->line ||
	    c->create_ev->col != d->create_ev->col || c->parent != d->parent ||
	    c->start.n != d->start.n)
		return 0;
	for (int i = 0; i + 1 < c->start.n; i++)      /* reached through the same calls */
		if (when_lv(&c->start, i)->pos != when_lv(&d->start, i)->pos)
			return 0;
	return 1;
}

/* The ancestor of t (or t) that creator started, or NULL. A thread lives within the life
 * of the thread that started it (its start and end are its creator's): what decides
 * whether the creator's code meets it is when the creator started and joined that
 * ancestor. */
static const struct context *started_through(const struct context *t, const struct context *creator)
{
	for (; t && t->kind == CTX_THREAD; t = t->parent)
		if (t->parent == creator)
			return t;
		else if (t->unbounded)
			return NULL;
	return NULL;
}

/* The ancestors of each (or themselves) that one creator started one after the other. */
static int descendants_sequential(const struct context *c, const struct context *d)
{
	for (const struct context *x = c; x && x->kind == CTX_THREAD && !x->unbounded; x = x->parent)
		for (const struct context *y = d; y && y->kind == CTX_THREAD && !y->unbounded; y = y->parent)
			if (x != y && x->parent == y->parent)
				return siblings_sequential(x, y);
	return 0;
}

/* Main code at chain e runs alongside thread t unless it surely ends before t starts or
 * surely starts after t is joined. */
static int main_overlaps(const struct analysis *a, const struct when *e, const struct context *t)
{
	const struct context *top = started_through(t, a->ctxs[t->program]);
	if (top && top != t && top->parent->kind == CTX_MAIN)
		t = top;
	if (!strictly_before(e, &t->start) && !(t->has_end && strictly_before(&t->end, e)) &&
	    t->ninst > 1 && !t->unnamed_handle && !t->unbounded && t->parent->kind == CTX_MAIN) {
		/* main started it several ways, each joined on its own: inside one of them? */
		for (int k = 0; k < t->ninst; k++) {
			const struct instance *in = &t->inst[k];
			if (!strictly_before(e, &in->start) && !(in->has_end && strictly_before(&in->end, e)) &&
			    !fallback_exclusive(a, e, &in->start) && !instance_apart(e, in))
				return 1;
		}
		return 0;
	}
	return !strictly_before(e, &t->start) && !(t->has_end && strictly_before(&t->end, e)) &&
	       !(t->ninst == 1 && !t->unbounded && !t->unnamed_handle && t->parent->kind == CTX_MAIN &&
	         (fallback_exclusive(a, e, &t->start) || instance_apart(e, &t->inst[0])));
}

int contexts_concurrent(const struct analysis *a, int cx, const struct when *x, int cy,
                        const struct when *y)
{
	const struct context *c = a->ctxs[cx], *d = a->ctxs[cy];
	if (c->program != d->program)
		return 0;
	if (cx == cy || same_site(c, d))
		return c->kind == CTX_THREAD && c->multi;
	if (prethread_orders(c, x, d) || prethread_orders(d, y, c) || contexts_exclusive(c, d) ||
	    descendants_sequential(c, d))
		return 0;
	if (c->kind == CTX_MAIN)
		return main_overlaps(a, x, d);
	if (d->kind == CTX_MAIN)
		return main_overlaps(a, y, c);
	const struct context *t = started_through(d, c);
	if (t && x)
		return creator_overlaps(x, t);
	if ((t = started_through(c, d)) && y)
		return creator_overlaps(y, t);
	return !(c->has_end && strictly_before(&c->end, &d->start)) &&
	       !(d->has_end && strictly_before(&d->end, &c->start));
}
