/* engine.c — the lockset dataflow: walks a function's control-flow graph with the set of
 * locks each path holds, descends into callees with the caller's state (so a helper that
 * only wraps pthread_mutex_lock acts as an acquire), and hands every event, with the state
 * before it, to the collector.
 *
 * Each function instance (a frame) is solved to a fixpoint first; only then is it walked
 * once more to report, so the collector sees converged states. Callee exit states are
 * memoised on (function, arguments, entry state); recursion and very deep chains are cut
 * (the call then has no effect), which only loses findings, never invents them. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "common/rules.h"

int class_intern(struct analysis *a, const char *cls)
{
	int id;
	if (keymap_get_str(&a->classes, cls, &id))
		return id;
	grow_array((void **)&a->class_names, &a->cap_classes, a->nclasses, sizeof *a->class_names);
	id = a->nclasses++;
	a->class_names[id] = xstrdup(cls);
	keymap_put_str(&a->classes, cls, id);
	return id;
}

/* A spelling taken from inside a macro can be a run of tokens, not an expression. */
static int readable(const char *spelling)
{
	return spelling && *spelling && strlen(spelling) <= 48 && !strpbrk(spelling, ";{}\"#");
}

int lock_key_intern(struct analysis *a, const char *cls, const char *instance, const char *spelling)
{
	kb_reset(&a->kb);
	kb_str(&a->kb, cls);
	kb_str(&a->kb, instance);
	struct hkey k = kb_hash(&a->kb);
	int id;
	if (!keymap_get(&a->keys, k, &id)) {
		grow_array((void **)&a->lock_keys, &a->cap_lock_keys, a->nlock_keys, sizeof *a->lock_keys);
		id = a->nlock_keys++;
		a->lock_keys[id].cls = xstrdup(cls);
		a->lock_keys[id].instance = xstrdup(instance);
		a->lock_keys[id].spelling = NULL;
		keymap_put(&a->keys, k, id);
		class_intern(a, cls);
	}
	/* first seen through a destroy call or an unreadable expression: the class's label,
	 * until an operation spells the lock as the code does */
	struct lock_key *key = &a->lock_keys[id];
	if (!key->spelled && readable(spelling)) {
		free(key->spelling);
		key->spelling = xstrdup(spelling);
		key->spelled = 1;
	} else if (!key->spelling) {
		key->spelling = class_label(cls);
	}
	return id;
}

/* Locals and heap blocks of a function belong to one invocation of it: give them a name
 * private to the context, except main's own (main runs once). */
/* Locals and heap blocks belong to one invocation of their function. main's own (depth 0)
 * exist once; any other is named after its context and the call chain that reached it,
 * "~CTX.POS.POS:l:f:x", so two calls of one helper own two objects while the threads the
 * same call starts share its object. */
static void privatize(const struct activation *f, const char *path, struct strbuf *sb)
{
	int amp = path[0] == '&';
	const char *p = path + amp;
	int local = str_starts(p, "l:") || str_starts(p, "h:");
	if (!local || (f->ctx->kind == CTX_MAIN && f->depth == 0)) {
		sb_add(sb, path);
		return;
	}
	sb_add(sb, amp ? "&~" : "~");
	if (f->ctx->kind == CTX_ISOLATED) {
		sb_add(sb, "I:");
		sb_add(sb, p);
		return;
	}
	sb_addint(sb, f->ctx->id);
	int pos[MAX_DEPTH], n = 0;
	for (const struct activation *g = f; g->caller && n < MAX_DEPTH; g = g->caller)
		if (g->caller->depth < WHEN_LEVELS)   /* as far as emission tells invocations apart */
			pos[n++] = g->call->pos;
	while (n--) {
		sb_addc(sb, '.');
		sb_addint(sb, pos[n]);
	}
	sb_addc(sb, ':');
	sb_add(sb, p);
}

/* A thread's own argument object belongs to that thread, but not what a pointer stored in
 * it points to: its creator filled it (arg->pool->count: the pool every thread's argument
 * names). Locals and heap blocks of an invocation, and what their pointers reach, are its. */
int object_owner(const char *object)
{
	if (object[0] != '~')
		return -1;
	const char *root = strchr(object, ':');
	if (root && str_starts(root, ":targ") && strchr(root, '*'))
		return -1;
	return atoi(object + 1);
}

/* Appends the frame's name for path to sb; -1 (nothing appended) when it names no object. */
static int frame_path_sb(const struct activation *f, const char *path, struct strbuf *sb)
{
	if (!path || (path[0] == '?' && !path[1]))
		return -1;
	const char *p = path + (path[0] == '&');
	if (str_starts(p, "p:"))
		return path_substitute_sb(sb, path, f->args, f->nargs);
	int taken = takes_resolve(f, path, sb, frame_path_sb);
	if (taken)
		return taken > 0 ? 0 : -1;
	privatize(f, path, sb);
	return 0;
}

char *frame_path(const struct activation *f, const char *path)
{
	struct strbuf sb;
	sb_init(&sb);
	if (frame_path_sb(f, path, &sb)) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

/* The lock class of a lock reached only through a parameter: the caller's argument's. */
static const char *param_class(const struct activation *f, const char *path)
{
	if (!str_starts(path, "p:"))
		return NULL;
	char *end;
	long n = strtol(path + 2, &end, 10);
	if ((*end && strcmp(end, "*") != 0) || n < 0 || n >= f->nargs)
		return NULL;
	return f->args[n].lock_class;
}

static int event_lock_key(struct analysis *a, const struct activation *f, const struct event *ev,
                          const char *path)
{
	const char *tcls = ev->lock_class && *ev->lock_class ? ev->lock_class : param_class(f, path);
	if (!tcls || !*tcls)
		tcls = "?";
	char *inst = frame_path(f, path);
	if (!inst)   /* a lock behind an argument we cannot name: stable within its function */
		inst = xasprintf("?%s:%s", f->fn->usr ? f->fn->usr : f->fn->name, path);
	char *own = instance_class(inst);
	int k = lock_key_intern(a, own ? own : tcls, inst, ev->name);
	free(own);
	free(inst);
	if (!a->lock_keys[k].tcls) {
		a->lock_keys[k].tcls = xstrdup(tcls);
		a->lock_keys[k].binary_sem = ev->lock_kind == LK_SEM && lockid_binary_sem(a, &a->lock_keys[k]);
	}
	if (!a->lock_keys[k].kind && ev->kind != EV_COND_WAIT)
		a->lock_keys[k].kind = ev->lock_kind;
	return k;
}

int frame_stack(const struct activation *f, const struct event *ev, struct frame_site **out)
{
	int n = 0;
	for (const struct activation *g = f; g; g = g->caller)
		n++;
	struct frame_site *st = xcalloc((size_t)n, sizeof *st);
	int i = 0, line = ev ? ev->line : f->fn->line;
	for (const struct activation *g = f; g; g = g->caller) {
		st[i].fn = g->fn;
		st[i].line = line;
		line = g->call ? g->call->line : g->fn->line;
		i++;
	}
	*out = st;
	return n;
}

static void apply_lock(struct analysis *a, const struct activation *f, const struct event *ev,
                       struct lstate *s, int key)
{
	(void)a;
	unsigned char mask = LS_HELD;
	if (ev->flags & EVF_UNCERTAIN)
		mask = LS_HELD | LS_UNHELD | LS_UNCERTAIN;
	struct held *old = ls_find(s, key);
	if (old && old->mask == LS_HELD && !(ev->flags & EVF_TRY) && old->extra < 3) {
		old->extra++;           /* a double lock: reported by the collector */
		return;
	}
	struct held *h = ls_set(s, key, mask);
	h->shared = (ev->flags & EVF_SHARED) != 0;
	h->acq = ev;
	h->acq_fn = f->fn;
}

/* A walked unlock (extract/hand_over.c) may release the node under another of its names:
 * what it leaves is uncertain, so no leak is judged from it. */
static void apply_unlock(struct lstate *s, int key, const struct event *ev)
{
	struct held *h = ls_find(s, key);
	if (h && h->extra) {
		h->extra--;
		return;
	}
	unsigned char before = h ? h->mask : s->dflt, after = 0;
	if (before & (LS_ENTRY | LS_DROPPED))
		after |= LS_DROPPED;
	if (before & ~(LS_ENTRY | LS_DROPPED))
		after |= LS_RELEASED;
	if (ev->flags & EVF_WALKED)
		after |= LS_UNCERTAIN;
	h = ls_set(s, key, after);
	h->extra = 0;
}

static int on_chain(const struct activation *f, const struct function *fn)
{
	for (; f; f = f->caller)
		if (f->fn == fn)
			return 1;
	return 0;
}

/* How many calls on f's chain went through a pointer in the same field as ev's: a chain
 * of coders each calling the next through its vtable (liblzma's next.code, a filter
 * chain) is followed VTABLE_NESTING deep. Candidates' lock effects are never taken, so
 * stopping there loses only the accesses of deeper links (each of which is also walked
 * nearer the root), not lock state. */
static int vtable_nesting(const struct activation *f, const struct event *ev)
{
	int n = 0;
	for (; ev->type && f && f->call; f = f->caller)
		n += !f->call->callee && str_eq(f->call->type, ev->type);
	return n;
}

/* The callee's arguments in root terms, written into the scratch of the callee's depth:
 * frames nest, so the frame at a depth ends before its scratch is used again, and the
 * millions of calls walked on a large project allocate nothing here. Lock classes are
 * borrowed from the call's facts or the caller's arguments, which outlive the frame. */
static void frame_args(struct analysis *a, const struct activation *caller, const struct event *call,
                       struct activation *callee)
{
	struct frame_scratch *fs = &a->scratch[callee->depth];
	int n = call->nargs;
	if (n > fs->cap) {
		fs->cap = n;
		fs->args = xrealloc(fs->args, (size_t)n * sizeof *fs->args);
		fs->at = xrealloc(fs->at, (size_t)n * sizeof *fs->at);
	}
	fs->paths.len = 0;
	for (int i = 0; i < n; i++) {
		const struct call_arg *in = &call->args[i];
		fs->at[i] = fs->paths.len;
		size_t at = fs->paths.len;
		if (frame_path_sb(caller, in->path, &fs->paths))
			sb_addc(&fs->paths, '?');
		else if (fs->paths.buf[at] == '#' && !constargs_keep(a, callee->fn_index, i)) {
			fs->paths.len = at;          /* a constant nothing decides on: one solution */
			sb_addc(&fs->paths, '?');
		}
		sb_addn(&fs->paths, "", 1);      /* the NUL that ends this path */
		fs->args[i].lock_class = in->lock_class ? in->lock_class
		                                        : (char *)param_class(caller, in->path ? in->path : "");
	}
	for (int i = 0; i < n; i++)
		fs->args[i].path = fs->paths.buf + fs->at[i];
	callee->args = fs->args;
	callee->nargs = n;
}

/* takes_init, skipped for the many functions that take nothing out of a container (a scan
 * of every event, at every frame, otherwise). */
static void frame_takes(struct analysis *a, const struct activation *f, struct take_state *t)
{
	if (!a->takes_none)
		a->takes_none = xcalloc((size_t)a->ix.nfns, 1);
	memset(t, 0, sizeof *t);
	if (a->takes_none[f->fn_index] == 1)
		return;
	takes_init(t, f->fn);
	a->takes_none[f->fn_index] = t->n ? 2 : 1;
}

/* Index of a stored copy of exit state s: the many frames that exit in the same state
 * share one. */
static int exit_state_intern(struct analysis *a, const struct lstate *s)
{
	kb_reset(&a->kb);
	ls_key_full(s, &a->kb);
	struct hkey k = kb_hash(&a->kb);
	int idx;
	if (keymap_get(&a->exit_unique, k, &idx))
		return idx;
	grow_array((void **)&a->exit_states, &a->cap_exit, a->nexit, sizeof *a->exit_states);
	ls_init(&a->exit_states[a->nexit], s->dflt);
	ls_copy(&a->exit_states[a->nexit], s);
	keymap_put(&a->exit_unique, k, a->nexit);
	return a->nexit++;
}

/* What tells one solution of a frame from another: context, (with_pos) the call chain
 * positions that emission distinguishes, the function, its arguments and entry state. */
static struct hkey memo_key(struct analysis *a, const struct activation *f,
                            const struct lstate *entry, int with_pos)
{
	struct keybuf *kb = &a->kb;
	kb_reset(kb);
	kb_int(kb, f->ctx->kind == CTX_ISOLATED ? -1 : f->ctx->shares_frames ? -4 : f->ctx->id);
	for (const struct activation *g = f; with_pos && g->caller; g = g->caller)
		if (g->caller->depth < WHEN_LEVELS)    /* main: when matters, the chain says it */
			kb_int(kb, g->call->pos);
	kb_int(kb, -2);
	kb_int(kb, f->fn_index);
	kb_int(kb, f->pre);          /* before the first thread or not: records differ */
	kb_int(kb, f->alone);        /* after a single-threaded check or not: the same */
	for (int i = 0; i < f->nargs; i++) {
		kb_str(kb, f->args[i].path);
		kb_str(kb, f->args[i].lock_class);
	}
	kb_int(kb, -3);
	ls_key(entry, kb);
	return kb_hash(kb);
}

static void solve_frame(struct analysis *a, const struct activation *f, const struct lstate *entry,
                        struct lstate *exit, int emit);
static void neutral_exit(struct analysis *a, struct activation *sub, const struct lstate *s,
                         struct lstate *out);

/* Where its code runs decides which threads it meets: main, and a thread that starts
 * threads (its code meets them between their start and its join of them). */
static int chain_matters(const struct analysis *a, const struct context *c)
{
	return c->kind == CTX_MAIN ||
	       (c->kind == CTX_THREAD && a->after_create[index_of_ref(&a->ix, c->entry)] != NULL);
}

/* The state after a call to callee from frame f in state s; with emit, also reports the
 * callee's events. */
static void apply_call(struct analysis *a, const struct activation *f, const struct event *ev,
                       const struct fn_ref *callee, struct lstate *s, int emit)
{
	if (f->depth + 1 >= MAX_DEPTH)
		return;
	if (on_chain(f, callee->fn)) {
		/* what the caller computes now holds for this chain only; but the lock effects of a
		 * call through a pointer are never taken, so cutting one changes nothing */
		if (!(ev->flags & EVF_VIA_POINTER))
			a->cuts++;
		return;
	}
	if (a->frames > FRAME_BUDGET) {   /* a pathological call graph: stop descending */
		a->truncated = 1;
		return;
	}
	struct activation sub = {
		.fn = callee->fn, .tu = callee->tu, .caller = f, .call = ev,
		.fn_index = index_of_ref(&a->ix, callee),
		.depth = f->depth + 1, .ctx = f->ctx,
		.pre = prethread_at(f, ev),
		.alone = single_threaded_at(a, f, ev),
	};
	sub.after = a->after_create[sub.fn_index];
	frame_args(a, f, ev, &sub);
	struct take_state takes = {0};
	sub.takes = &takes;

	/* The states of this call live in the scratch of the caller's depth (kept arrays). */
	struct call_scratch *cs = &a->calls[f->depth], own = {0};
	if (cs->busy)
		cs = &own;
	cs->busy = 1;
	struct lstate *out = &cs->out, *saved = &cs->saved;
	out->dflt = saved->dflt = s->dflt;
	int conditions = ls_has_conditions(s);
	if (conditions) {
		ls_copy(saved, s);
		ls_forget_conditions(s);
	}
	struct lstate aside = {0};
	int facts_aside = 0;
	if (f->ctx->kind == CTX_ISOLATED && neutral_call_at(a, sub.fn_index, sub.depth)) {
		neutral_exit(a, &sub, s, out);
		goto after;
	}
	frame_takes(a, &sub, &takes);
	facts_aside = known_set_aside(a, sub.fn_index, s, &aside);
	/* One memo entry per key: bit 0 = reported, the rest = 1 + index of its exit state. */
	struct hkey key = memo_key(a, &sub, s, 0);
	int v = 0, report = 0;
	keymap_get(&a->memo, key, &v);
	if (emit && chain_matters(a, f->ctx)) {       /* reported once per call chain */
		struct hkey ek = memo_key(a, &sub, s, 1);
		int ev = 0;
		keymap_get(&a->memo, ek, &ev);
		report = !(ev & 1);
		if (report)
			keymap_put(&a->memo, ek, ev | 1);
		if (report && hkey_eq(ek, key))
			v |= 1;
	} else if (emit) {
		report = !(v & 1);
		v |= 1;
	}
	/* Reporting solves the frame too: one walk gives both when neither was done. An exit
	 * state that depended on a call cut on this chain (recursion: an unlock helper already
	 * on the chain leaves its lock held) is not reused for other chains. */
	long cuts = a->cuts;
	if (report || !(v >> 1))
		solve_frame(a, &sub, s, out, report);
	if (!(v >> 1)) {
		if (a->cuts == cuts)
			v |= (exit_state_intern(a, out) + 1) << 1;
	} else
		ls_copy(out, &a->exit_states[(v >> 1) - 1]);
	keymap_put(&a->memo, key, v);
	if (emit)
		results_note(a, f, ev, &sub);
after:
	/* A call through a pointer may reach any of several candidates: take none of their
	 * lock effects rather than all of them in sequence. */
	atoms_after_call(a, &sub, out);
	if (!(ev->flags & EVF_VIA_POINTER))
		ls_copy(s, out);
	if (conditions)
		ls_restore_conditions(s, saved);
	if (facts_aside) {
		known_put_back(s, &aside);
		ls_free(&aside);
	}
	if (cs == &own) {
		ls_free(out);
		ls_free(saved);
	}
	cs->busy = 0;
	takes_free(&takes);
}

/* The state after a call, from an isolated walk, of a lock-neutral function (neutral.c) in
 * state s (without conditions): s's locks, with what the callee's own walk from no lock at
 * all says of its branches and its return value; no path when it cannot return. That walk
 * is solved once per callee and the constants deciding its branches. */
static void neutral_exit(struct analysis *a, struct activation *sub, const struct lstate *s,
                         struct lstate *out)
{
	struct keybuf *kb = &a->kb;
	kb_reset(kb);
	kb_int(kb, -5);
	kb_int(kb, sub->fn_index);
	for (int i = 0; i < sub->nargs; i++)
		if (sub->args[i].path[0] == '#') {
			kb_int(kb, i);
			kb_str(kb, sub->args[i].path);
		}
	struct hkey key = kb_hash(kb);
	int v;
	if (!keymap_get(&a->memo, key, &v)) {
		struct lstate none, exit;
		ls_init(&none, s->dflt);
		ls_init(&exit, s->dflt);
		struct take_state takes;
		frame_takes(a, sub, &takes);
		sub->takes = &takes;
		solve_frame(a, sub, &none, &exit, 0);
		v = exit_state_intern(a, &exit);
		keymap_put(&a->memo, key, v);
		takes_free(&takes);
		sub->takes = NULL;
		ls_free(&none);
		ls_free(&exit);
	}
	const struct lstate *shape = &a->exit_states[v];
	if (s->bottom || shape->bottom)
		ls_bottom(out);
	else
		ls_with_assumptions(out, s, shape);
}

/* Could held entry h be the lock released as key? The same struct-field class; or, for a
 * lock released through a pointer of unknown type and object (a void * handed back by a
 * trylock helper), a lock taken by a trylock. */
static int may_alias(const struct analysis *a, const struct held *h, int key)
{
	const struct lock_key *k = &a->lock_keys[key], *o = &a->lock_keys[h->key];
	if (str_eq(k->cls, "?"))
		return h->acq && (h->acq->flags & EVF_TRY);
	/* one of the two is reached through a pointer whose object is unknown */
	return str_eq(o->tcls, k->tcls) && (str_starts(o->cls, "field:") || str_starts(k->cls, "field:"));
}

/* A lock released (or waited with) while surely not held, when exactly one other lock it
 * may designate may be held: two pointers of unknown value that designate one lock (taken
 * as e->buckets[b]->mutex, released as e->pages[id].mutex in the helper that ends the
 * protocol; a trylock helper's lock released through the pointer it returned). The
 * release is that lock's. */
static int unheld_alias(struct analysis *a, const struct lstate *s, int key)
{
	const char *tcls = a->lock_keys[key].tcls;
	if ((!str_starts(tcls, "field:") && !str_eq(tcls, "?")) || !ls_surely_unheld(ls_mask(s, key)))
		return key;
	int found = -1;
	for (int i = 0; i < s->n; i++) {
		int k = s->e[i].key;
		if (k == key || !(s->e[i].mask & LS_HELD) || !may_alias(a, &s->e[i], key))
			continue;
		if (found >= 0)
			return key;
		found = k;
	}
	return found >= 0 ? found : key;
}

/* The lock a destroy call ends (pthread_mutex_destroy(&c->lock)): its key, or -1. */
static int destroyed_key(struct analysis *a, const struct activation *f, const struct event *ev)
{
	const struct lock_api *api = ev->name ? lockapi_find(ev->name) : NULL;
	if (!api || api->op != LOP_DESTROY || api->kind == LK_SEM || ev->nargs < 1 ||
	    !ev->args[0].lock_class || !ev->args[0].path)
		return -1;
	struct event lock = *ev;     /* the destroyed object, as a lock operation names it */
	lock.lock_class = ev->args[0].lock_class;
	lock.name = NULL;            /* the call's name is the function's, not the lock's */
	const char *p = ev->args[0].path;
	return event_lock_key(a, f, &lock, p + (p[0] == '&'));
}

static void transfer(struct analysis *a, const struct activation *f, const struct event *ev,
                     struct lstate *s, int emit)
{
	int key = -1;
	/* A declared operation stands for a body the program lacks. */
	if ((ev->flags & EVF_DECLARED) && index_resolve(&a->ix, ev->callee, f->tu))
		return;
	switch (ev->kind) {
	case EV_LOCK:
		key = event_lock_key(a, f, ev, ev->path);
		break;
	case EV_UNLOCK:
		key = unheld_alias(a, s, event_lock_key(a, f, ev, ev->path));
		break;
	case EV_COND_WAIT:
		key = unheld_alias(a, s, event_lock_key(a, f, ev, ev->arg ? ev->arg : "?"));
		break;
	case EV_CALL:
		key = destroyed_key(a, f, ev);
		break;
	default:
		break;
	}
	if (emit)
		collect_event(a, f, ev, s, key);
	if (ev->kind == EV_LOCK)
		apply_lock(a, f, ev, s, key);
	else if (ev->kind == EV_UNLOCK)
		apply_unlock(s, key, ev);
	else if (ev->kind == EV_CALL && ev->callee) {
		const struct fn_ref *callee = index_callee_at(&a->ix, f->fn_index, ev);
		lockid_note_init(a, f, ev);
		if (emit)
			messages_note_call(a, f, ev);
		atoms_before_call(a, f, ev, s);
		if (callee)
			apply_call(a, f, ev, callee, s, emit);
	} else if (ev->kind == EV_CALL) {   /* through a pointer: every candidate, none's locks */
		const struct fn_ref **t = NULL;
		int n = 0;
		if (vtable_nesting(f, ev) < VTABLE_NESTING)
			n = fnptr_targets(a, f, ev->arg, ev->type, ev->api, &t);
		atoms_before_call(a, f, ev, s);
		for (int i = 0; i < n; i++)
			apply_call(a, f, ev, t[i], s, emit);
		free(t);
	} else if (ev->kind == EV_ASSUME) {
		if (!tokens_on_assume(a, f, ev, s) && !known_on_assume(a, f, ev, s) &&
		    !(emit ? messages_on_assume(a, f, ev) : ev->path && str_starts(ev->path, "m:")))
			atoms_assume(a, f, ev, s);
	} else if (ev->kind == EV_ACCESS) {
		tokens_on_write(a, f, ev, s);
		known_on_write(a, f, ev, s);
	}
	else if (ev->kind == EV_TAKE) {
		takes_visit(a, f, ev, s);
		if (emit)
			handoff_note_take(a, f, ev);
	} else if (ev->kind == EV_PUT && emit) {
		results_note_put(a, f, ev);
		handoff_note_put(a, f, ev);
	}
}

/* Walks block b from state `in`; joins what reaches each RETURN into *ret. */
static void walk_block(struct analysis *a, const struct activation *f, int b, const struct lstate *in,
                       struct lstate *out, struct lstate *ret, const struct lstate *fn_exit, int emit)
{
	const struct block *blk = &f->fn->blocks[b];
	ls_copy(out, in);
	for (int i = 0; i < blk->nevents && !out->bottom; i++) {
		const struct event *ev = &blk->events[i];
		if (ev->kind == EV_RETURN) {
			if (emit)
				collect_return(a, f, ev, out, fn_exit);
			if (!(ev->flags & EVF_THREAD_EXIT))
				atoms_join_return(a, f, ev, ret, out);
			ls_bottom(out);          /* nothing after a return in this block runs */
			break;
		}
		transfer(a, f, ev, out, emit);
	}
}

/* Walks blocks until what reaches each one stops growing, a block again only when its
 * input grew, lowest index first: blocks are numbered in source order, so a function
 * without loops converges in one pass, with no round just to confirm it. *ret gets the
 * join of the states at every RETURN. */
static void fixpoint(struct analysis *a, const struct activation *f, struct block_state *bs,
                     struct lstate *cur, struct lstate *ret)
{
	int n = f->fn->nblocks;
	long budget = 64L * n;          /* a lattice this small converges long before */
	bs[0].pending = 1;
	for (int b = 0; b < n && budget-- > 0;) {
		if (!bs[b].pending) {
			b++;
			continue;
		}
		bs[b].pending = 0;
		ls_bottom(&bs[b].ret);
		walk_block(a, f, b, &bs[b].in, cur, &bs[b].ret, NULL, 0);
		int next = b + 1;
		for (int i = 0; i < f->fn->blocks[b].nsuccs; i++) {
			int s = f->fn->blocks[b].succs[i];
			if (ls_join(&bs[s].in, cur)) {
				bs[s].pending = 1;
				if (s < next)
					next = s;      /* a loop's back edge */
			}
		}
		b = next;
	}
	ls_bottom(ret);
	for (int b = 0; b < n; b++)
		ls_join(ret, &bs[b].ret);
}

/* The block states of a frame at f's depth: frames nest, so the scratch of a depth is free
 * again when its frame ends, and its states keep their arrays (most frames allocate
 * nothing). A frame that finds its depth's scratch in use gets arrays of its own. */
static struct block_scratch *blocks_for(struct analysis *a, const struct activation *f, int n,
                                        unsigned char dflt)
{
	struct block_scratch *own = NULL, *sc = &a->blocks[f->depth];
	if (sc->busy)
		sc = own = xcalloc(1, sizeof *own);
	if (n > sc->cap) {
		sc->bs = xrealloc(sc->bs, (size_t)n * sizeof *sc->bs);
		memset(sc->bs + sc->cap, 0, (size_t)(n - sc->cap) * sizeof *sc->bs);
		sc->cap = n;
	}
	sc->busy = own ? 2 : 1;
	struct lstate *all[] = {&sc->cur, &sc->ret, &sc->ret2};
	for (int i = 0; i < 3; i++)
		all[i]->dflt = dflt;
	for (int b = 0; b < n; b++) {
		sc->bs[b].in.dflt = sc->bs[b].ret.dflt = dflt;
		ls_bottom(&sc->bs[b].in);
		ls_bottom(&sc->bs[b].ret);
		sc->bs[b].pending = 0;
	}
	return sc;
}

static void block_scratch_clear(struct block_scratch *sc)
{
	for (int b = 0; b < sc->cap; b++) {
		ls_free(&sc->bs[b].in);
		ls_free(&sc->bs[b].ret);
	}
	free(sc->bs);
	ls_free(&sc->cur);
	ls_free(&sc->ret);
	ls_free(&sc->ret2);
	memset(sc, 0, sizeof *sc);
}

static void blocks_done(struct block_scratch *sc)
{
	if (sc->busy == 2) {
		block_scratch_clear(sc);
		free(sc);
	} else {
		sc->busy = 0;
	}
}

static void solve_frame(struct analysis *a, const struct activation *f, const struct lstate *entry,
                        struct lstate *exit, int emit)
{
	const struct function *fn = f->fn;
	a->frames++;
	if (f->ctx->kind != CTX_ISOLATED && a->reached)
		a->reached[f->fn_index] = 1;
	if (fn->nblocks == 0) {
		ls_copy(exit, entry);
		return;
	}
	struct block_scratch *sc = blocks_for(a, f, fn->nblocks, entry->dflt);
	struct block_state *bs = sc->bs;
	ls_copy(&bs[0].in, entry);
	struct lstate *cur = &sc->cur, *ret = &sc->ret;
	fixpoint(a, f, bs, cur, ret);
	if (emit) {
		struct lstate *ret2 = &sc->ret2;
		ls_bottom(ret2);
		for (int b = 0; b < fn->nblocks; b++)
			if (!bs[b].in.bottom)
				walk_block(a, f, b, &bs[b].in, cur, ret2, ret, 1);
	}
	ls_copy(exit, ret);
	blocks_done(sc);
}

void frame_scratch_free(struct analysis *a)
{
	for (int d = 0; d < MAX_DEPTH; d++) {
		free(a->scratch[d].args);
		free(a->scratch[d].at);
		sb_free(&a->scratch[d].paths);
		block_scratch_clear(&a->blocks[d]);
		ls_free(&a->calls[d].out);
		ls_free(&a->calls[d].saved);
	}
}

void engine_run_context(struct analysis *a, struct context *ctx, struct call_arg *args, int nargs)
{
	struct activation f = {
		.fn = ctx->entry->fn, .tu = ctx->entry->tu, .args = args, .nargs = nargs, .ctx = ctx,
		.fn_index = index_of_ref(&a->ix, ctx->entry), .pre = 1,
	};
	f.after = a->after_create[f.fn_index];
	struct take_state takes;
	frame_takes(a, &f, &takes);
	f.takes = &takes;
	struct lstate entry, exit;
	/* A library call may come with its caller's locks held: like a function alone. */
	ls_init(&entry, ctx->kind == CTX_ISOLATED || ctx->library ? LS_ENTRY : LS_UNHELD);
	ls_init(&exit, entry.dflt);
	solve_frame(a, &f, &entry, &exit, 1);
	ls_free(&entry);
	ls_free(&exit);
	takes_free(&takes);
}
