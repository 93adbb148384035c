/* collect.c — the engine's visitor: turns each event, seen with the lock state before it,
 * into the records the rule checks read (accesses with their locksets, lock-order edges,
 * misuse). It decides nothing about concurrency; the checks do. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "common/rules.h"

#define PUSH(arr, n, cap) (grow_array((void **)&(arr), &(cap), (n), sizeof *(arr)), &(arr)[(n)++])

static int owned(const struct analysis *a, int key)
{
	/* semaphores have no owner, but one used as a lock is one */
	return a->lock_keys[key].kind != LK_SEM || a->lock_keys[key].binary_sem;
}

/* A lock reached through an argument tsafe could not name, or through a local pointer of
 * unknown value in a nested call (named per call chain, which is cut at WHEN_LEVELS): two
 * of them may or may not be the same lock, so rules about one instance (double lock,
 * unlock, wait, leak) stay silent. Lock sets and lock order still use its class. */
static int named(const struct analysis *a, int key)
{
	const char *inst = a->lock_keys[key].instance;
	if (inst[0] == '?')
		return 0;
	return !(inst[0] == '~' && strstr(inst, ":l:") && strchr(inst, '*'));
}

/* The release of a spinlock made of an atomic flag or word (extract/spin_flags.c: kind spin,
 * an operation no lock API entry names): clearing the flag, or storing 0 into the word, is
 * also how it is set up or reset, so one without a hold is no misuse. */
static int flag_release(const struct event *ev)
{
	return ev->lock_kind == LK_SPIN && ev->api && !lockapi_find(ev->api);
}

static int held_for_sure(const struct held *h)
{
	return h->mask == LS_HELD;
}

/* Not held on any path; or, in a function's own code walked on its own, released already
 * on some path that reaches here (a lock merely not taken on one path, if (c) lock(…), is
 * not enough). Callers' paths are not told apart by their arguments (pause(PAUSE) then
 * pause(RESUME)), so there only "every path" counts. */
static int not_held(const struct activation *f, unsigned char mask)
{
	if (ls_surely_unheld(mask))
		return 1;
	return f->ctx->kind == CTX_ISOLATED && f->depth == 0 && (mask & (LS_RELEASED | LS_DROPPED));
}

struct misuse_rec *misuse_add(struct analysis *a, const char *rule, const struct activation *f,
                              const struct event *ev, int key)
{
	struct misuse_rec *m = PUSH(a->mis, a->nmis, a->cap_mis);
	memset(m, 0, sizeof *m);
	m->rule = rule;
	m->ctx = f->ctx->id;
	m->ev = ev;
	m->fn = f->fn;
	m->key = key;
	frame_when(a, f, ev, &m->when);
	m->nstack = frame_stack(f, ev, &m->stack);
	return m;
}

static void add_misuse(struct analysis *a, const char *rule, const struct activation *f,
                       const struct event *ev, int key, const struct event *other,
                       const struct function *other_fn)
{
	struct misuse_rec *m = misuse_add(a, rule, f, ev, key);
	m->other = other;
	m->other_fn = other_fn;
}

void records_truncate(struct analysis *a, int nacc, int nedges)
{
	for (int i = nacc; i < a->nacc; i++) {
		free(a->acc[i].object);
		free(a->acc[i].locks);
		free(a->acc[i].lock_shared);
		free(a->acc[i].stack);
		free(a->acc[i].guard);
		free(a->acc[i].own_index);
		free(a->acc[i].joined_handle);
		free(a->acc[i].tokens);
		for (int j = 0; j < a->acc[i].ncaps; j++)
			free(a->acc[i].caps[j]);
		free(a->acc[i].caps);
	}
	a->nacc = nacc;
	for (int i = nedges; i < a->nedges; i++) {
		if (a->edges[i].owns_shared) {
			free((int *)a->edges[i].gates);
			free(a->edges[i].stack);
		}
	}
	a->nedges = nedges;
}

/* x[i] or (p + i)->f in a thread whose index was read from the thread's own argument
 * ((long)arg, arg->id): each running instance has an element of its own. */
static int own_element(const struct activation *f, const struct event *ev, char **index)
{
	if (!ev->arg || f->ctx->kind != CTX_THREAD)
		return 0;
	char *idx = frame_path(f, ev->arg);
	int own = idx && object_owner(idx + (idx[0] == '&')) == f->ctx->id;
	if (own)
		*index = idx;
	else
		free(idx);
	return own;
}

/* free(p): a write of the whole block p points to ("X*" for a pointer X, "X" for &X). */
static char *freed_block(const struct activation *f, const struct event *ev)
{
	if (ev->nargs < 1)
		return NULL;
	char *p = frame_path(f, ev->args[0].path);
	if (!p || p[0] == '?')
		return free(p), NULL;
	/* A block reached from an invocation's own objects (a thread's argument array whose
	 * pointers the thread filled itself) may be its own: only shared roots are judged. */
	char *block = p[0] == '~' || str_starts(p, "&~") ? NULL
	            : p[0] == '&' ? xstrdup(p + 1) : xasprintf("%s*", p);
	free(p);
	return block;
}

static void record_access(struct analysis *a, const struct activation *f, const struct event *ev,
                          const struct lstate *s)
{
	int freeing = ev->kind == EV_CALL;
	char *obj = freeing ? freed_block(f, ev) : frame_path(f, ev->path);
	if (!obj || obj[0] == '?' || str_starts(obj, "&")) {
		free(obj);             /* unknown: nothing to compare it with */
		return;
	}
	struct access_rec *r = PUSH(a->acc, a->nacc, a->cap_acc);
	memset(r, 0, sizeof *r);
	r->ctx = f->ctx->id;
	r->object = obj;
	r->ev = ev;
	r->fn = f->fn;
	r->write = freeing || (ev->flags & EVF_WRITE) != 0;
	r->freeing = freeing;
	r->atomic = (ev->flags & EVF_ATOMIC) != 0;
	r->dying = frame_dies(a, f, ev);
	r->alone = single_threaded_at(a, f, ev);
	r->own_element = own_element(f, ev, &r->own_index);
	r->joined_handle = joined_slot_handle(f, ev);
	r->once_guard = onceguard_region(a, f, ev);
	frame_when(a, f, ev, &r->when);
	r->locks = xcalloc((size_t)(s->n ? s->n : 1), sizeof *r->locks);
	r->lock_shared = xcalloc((size_t)(s->n ? s->n : 1), 1);
	for (int i = 0; i < s->n; i++) {
		/* A semaphore bounds how many threads enter; it does not exclude them. */
		if (!owned(a, s->e[i].key) || !(held_for_sure(&s->e[i]) ||
		    ((s->e[i].mask & LS_HELD) && releases_prove_held(a, f, ev, &s->e[i]))))
			continue;
		if (s->e[i].acq && (s->e[i].acq->flags & EVF_ONCE))
			r->once = 1;
		r->locks[r->nlocks] = class_intern(a, a->lock_keys[s->e[i].key].cls);
		r->lock_shared[r->nlocks++] = s->e[i].shared;
	}
	r->ntokens = tokens_held(a, s, &r->tokens);
	r->nstack = frame_stack(f, ev, &r->stack);
	declared_on_access(a, f, ev, s, r);
}

static int is_lock_type_name(const char *t)
{
	return str_eq(t, "pthread_mutex_t") || str_eq(t, "pthread_rwlock_t") ||
	       str_eq(t, "pthread_spinlock_t") || str_eq(t, "mtx_t");
}

/* "field:struct account.lock" -> does fn compare struct account pointers or ids, or the
 * lock pointers themselves? */
static int order_fixed(const struct function *fn, const char *cls)
{
	if (!fn)
		return 0;
	const char *type = str_starts(cls, "field:") ? cls + 6 : NULL;
	const char *dot = type ? strrchr(type, '.') : NULL;
	for (int i = 0; i < fn->norder_types; i++) {
		const char *t = fn->order_types[i];
		if (is_lock_type_name(t) ||
		    (dot && strlen(t) == (size_t)(dot - type) && strncmp(t, type, (size_t)(dot - type)) == 0))
			return 1;
	}
	return 0;
}

/* fn compares, or calls a helper that compares (lock_before(a, b)). */
static int orders(struct analysis *a, const struct function *fn, int tu, const char *cls)
{
	if (order_fixed(fn, cls))
		return 1;
	for (int b = 0; fn && b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			const struct fn_ref *r = ev->kind == EV_CALL ? index_resolve_call(&a->ix, ev, tu) : NULL;
			if (r && order_fixed(r->fn, cls))
				return 1;
		}
	return 0;
}

/* The comparison that fixes the order may sit in any caller (transfer() comparing ids and
 * calling account_lock() twice), or in a helper one of them calls. */
static int ordered_on_chain(struct analysis *a, const struct activation *f, const struct held *h,
                            const char *cls)
{
	if (order_fixed(h->acq_fn, cls))
		return 1;
	for (; f; f = f->caller)
		if (orders(a, f->fn, f->tu, cls))
			return 1;
	return 0;
}

/* What every edge of one acquisition shares (the first edge owns it): the classes held for
 * sure (n held locks make n edges, not n² entries) and the acquisition's stack. */
struct acquisition {
	int *cls;                    /* class of each entry of the lock state held for sure */
	int *held, nheld;            /* the held classes other than the lock acquired */
	int *at;                     /* entry -> its index in held, -1 none */
	struct frame_site *stack;
	int nstack;
};

static void acquisition_of(struct analysis *a, const struct activation *f, const struct event *ev,
                           const struct lstate *s, int key, struct acquisition *q)
{
	q->cls = xcalloc((size_t)s->n, sizeof *q->cls);
	q->held = xcalloc((size_t)s->n, sizeof *q->held);
	q->at = xcalloc((size_t)s->n, sizeof *q->at);
	q->nheld = 0;
	for (int j = 0; j < s->n; j++) {
		q->at[j] = -1;
		q->cls[j] = -1;
		if (!held_for_sure(&s->e[j]))
			continue;
		q->cls[j] = class_intern(a, a->lock_keys[s->e[j].key].cls);
		if (s->e[j].key != key) {
			q->at[j] = q->nheld;
			q->held[q->nheld++] = q->cls[j];
		}
	}
	q->nstack = frame_stack(f, ev, &q->stack);
}

static void record_edges(struct analysis *a, const struct activation *f, const struct event *ev,
                         const struct lstate *s, int key)
{
	int to = class_intern(a, a->lock_keys[key].cls), dying = -1;
	const char *tcls = a->lock_keys[key].tcls;
	struct acquisition q = {0};
	int owner = 1;
	for (int i = 0; i < s->n; i++) {
		const struct held *h = &s->e[i];
		/* Two elements of an array of locks nest as two locks of one class. */
		int elements = h->key == key && lock_keys_other_element(&a->lock_keys[key], h->acq, ev);
		if (!held_for_sure(h) || (h->key == key && !elements) || !owned(a, h->key))
			continue;
		if (!q.cls)
			acquisition_of(a, f, ev, s, key, &q);
		struct edge_rec *e = PUSH(a->edges, a->nedges, a->cap_edges);
		memset(e, 0, sizeof *e);
		e->ctx = f->ctx->id;
		e->from_cls = q.cls[i];
		e->to_cls = to;
		e->outer_ev = h->acq;
		e->outer_fn = h->acq_fn;
		e->outer_shared = h->shared;
		e->inner_shared = (ev->flags & EVF_SHARED) != 0;
		e->inner_ev = ev;
		e->inner_fn = f->fn;
		if (f->ctx->kind == CTX_MAIN)
			frame_when(a, f, ev, &e->when);
		if (dying < 0)
			dying = frame_dies(a, f, ev);
		e->dying = dying;
		/* Two locks of one kind (by the code's class: two accounts, two elements) taken in
		 * an order the code fixes by address or id. */
		e->same_instance_order_ok = str_eq(a->lock_keys[h->key].tcls, tcls) &&
		                            ordered_on_chain(a, f, h, tcls);
		e->gates = q.held;
		e->ngates = q.nheld;
		e->gate_self = q.at[i];   /* -1: an element of the lock acquired, not among them */
		e->stack = q.stack;
		e->nstack = q.nstack;
		e->owns_shared = owner;
		owner = 0;
	}
	if (owner)
		free(q.held);
	free(q.cls);
	free(q.at);
}

/* Through a pointer a hand-over-hand walk moves (extract/hand_over.c): the name may be
 * another node's, so misuse is not judged by it. */
static int walked(const struct event *x, const struct event *y)
{
	return (x && (x->flags & EVF_WALKED)) || (y && (y->flags & EVF_WALKED));
}

static void on_lock(struct analysis *a, const struct activation *f, const struct event *ev,
                    const struct lstate *s, int key)
{
	struct held *h = ls_find((struct lstate *)s, key);
	int both_shared = h && h->shared && (ev->flags & EVF_SHARED);
	if (h && held_for_sure(h) && owned(a, key) && named(a, key) && !(ev->flags & EVF_TRY) &&
	    !both_shared && !lock_keys_other_element(&a->lock_keys[key], h->acq, ev) && !walked(ev, h->acq) &&
	    !lock_key_recursive(a, key, ev) && !frame_dies(a, f, ev))   /* a bug in a crash */
		add_misuse(a, "double-lock", f, ev, key, h->acq, h->acq_fn);
	/* A successful trylock cannot block, so it orders nothing (lockdep agrees). */
	if (f->ctx->kind != CTX_ISOLATED && owned(a, key) && !(ev->flags & EVF_TRY))
		record_edges(a, f, ev, s, key);
	if (f->ctx->kind != CTX_ISOLATED && owned(a, key))
		waits_on_lock(a, f, ev, key);
}

static void on_destroy(struct analysis *a, const struct activation *f, const struct event *ev,
                       const struct lstate *s, int key)
{
	struct held *h = ls_find((struct lstate *)s, key);
	if (h && held_for_sure(h) && owned(a, key) && named(a, key) && !frame_dies(a, f, ev))
		add_misuse(a, "destroy-locked", f, ev, key, h->acq, h->acq_fn);
}

void collect_event(struct analysis *a, const struct activation *f, const struct event *ev,
                   const struct lstate *s, int key)
{
	int isolated = f->ctx->kind == CTX_ISOLATED;
	channels_on_sem(a, f, ev, key);  /* sem_post / sem_wait of a counting semaphore */
	switch (ev->kind) {
	case EV_ACCESS:
		if (!isolated)
			record_access(a, f, ev, s);
		break;
	case EV_LOCK:
		on_lock(a, f, ev, s, key);
		break;
	case EV_UNLOCK:
		if (not_held(f, ls_mask(s, key)) && owned(a, key) && named(a, key) && !frame_dies(a, f, ev) &&
		    !flag_release(ev) && !walked(ev, NULL))
			add_misuse(a, "unlock-not-held", f, ev, key, NULL, NULL);
		break;
	case EV_COND_WAIT:
		waits_on_cond_wait(a, f, ev, s, key, named(a, key));
		break;
	case EV_CALL:
		if (key >= 0)   /* a lock's destroy (engine.c): destroying it held is a bug */
			on_destroy(a, f, ev, s, key);
		if (!isolated && mt_unsafe_find(ev->name) && !index_resolve(&a->ix, ev->callee, f->tu))
			add_misuse(a, "mt-unsafe-call", f, ev, -1, NULL, NULL);
		/* free(p) writes the block: a free racing with an access is a race. */
		if (!isolated && str_eq(ev->name, "free") && !index_resolve(&a->ix, ev->callee, f->tu))
			record_access(a, f, ev, s);
		barriers_on_call(a, f, ev);
		forks_on_call(a, f, ev);
		break;
	case EV_STORE:
		fnptr_note_store(a, f, ev);
		break;
	case EV_DECLARE:
		declared_on_event(a, f, ev, s);
		break;
	case EV_COND_SIGNAL:
		if (!isolated)
			signals_on_signal(a, f, ev);
		break;
	case EV_THREAD_JOIN:
		waits_on_join(a, f, ev, s);
		/* fall through */
	case EV_THREAD_CREATE:
	case EV_THREAD_DETACH:
		if (!isolated)
			contexts_note_thread_op(a, f, ev);
		break;
	default:
		break;
	}
}

/* A lock still held where a function returns is a leak when some other path takes it and
 * releases it before returning (a function that returns holding it wherever it takes it
 * is an acquire, not a leak); a thread that ends holding a lock leaks it whatever the
 * path. */
/* Exit state h is held on the returns of success (0 for a status, nonzero for a pointer or
 * a bool) and on no other return. */
static int held_on_success(const struct function *fn, const struct held *h)
{
	if (!h || !h->catom)
		return 0;
	int ok_nonzero = (fn->flags & FNF_NONZERO_OK) != 0;
	unsigned char ok = ok_nonzero ? h->m_true : h->m_false, fail = ok_nonzero ? h->m_false : h->m_true;
	return ok == LS_HELD && !(fail & LS_HELD);
}

void collect_return(struct analysis *a, const struct activation *f, const struct event *ev,
                    const struct lstate *at, const struct lstate *fn_exit)
{
	int thread_end = f->ctx->kind == CTX_THREAD && !f->ctx->library &&   /* an API call is no thread */
		(f->depth == 0 || (ev->flags & EVF_THREAD_EXIT));
	int own_paths = f->ctx->kind == CTX_ISOLATED && f->depth == 0;
	if (!thread_end && !own_paths)
		return;
	for (int i = 0; i < at->n; i++) {
		const struct held *h = &at->e[i];
		if (!(h->mask & LS_HELD) || (h->mask & LS_UNCERTAIN) || !owned(a, h->key) || !named(a, h->key) ||
		    walked(h->acq, NULL))
			continue;
		if (!thread_end && (ev->flags & EVF_THREAD_EXIT))
			continue;
		/* Only when another return path releases it: a function that returns holding it
		 * wherever it took it is an acquire (a trylock helper, an iterator), as is one
		 * that holds it exactly when it returns success. */
		if (!thread_end && (!(ls_mask(fn_exit, h->key) & LS_RELEASED) ||
		                    held_on_success(f->fn, ls_find((struct lstate *)fn_exit, h->key))))
			continue;
		/* A lock left maybe-held by a callee (a conditional acquire such as a trylock
		 * wrapper or a once-guard) is that callee's design, reported there if anywhere. */
		if (h->acq_fn != f->fn && !(thread_end && h->mask == LS_HELD))
			continue;
		add_misuse(a, "lock-leak", f, ev, h->key, h->acq, h->acq_fn);
	}
}
