/* messages.c — a tagged message through a locked queue: what the sender did before it sent
 * the tag is done when the receiver acts on having received it.
 *
 * A pipeline's producer thread fills shared state, then, as its last act, pushes a STOP
 * tag on a queue (`queue_push(q, STOP, NULL)`, a call that takes the queue's lock); the
 * consumer pops (`tag = queue_pop(q, &item)`, another call that locks), and only where the
 * tag it got equals STOP (the extractor's "m:POS=K" atom, extract/compared.c) leaves its
 * loop and reads that state. The push's unlock and the pop's lock order them.
 *
 * Kept conservative, since a wrong "ordered" hides a real race:
 *  - a push of K is a call of a function that takes a lock itself with K among its
 *    arguments (a constant, or one a caller passed); a receipt is the branch where such a
 *    call's result, kept in a local, equals K;
 *  - the receiver's access must be past the receipts of one pop on every path of its
 *    function, or of a caller at any level of its call chain, directly or through a helper
 *    whose every return of 0 or NULL is past one (`pipeline_merged()` returns NULL only on
 *    STOP; its other returns hand out an item, taken for nonzero);
 *  - every push of K on a queue the receipt's call names (a shared argument in root terms)
 *    is made by the sender's context, which runs once, after the sender's access where
 *    their call chains part and in no loop holding both; pushes by contexts that never run
 *    in the same run as the sender (exclusive creations) cannot have been received where
 *    the sender's access happened.
 * A thread's frames are reported once per call state, not per call chain (engine.c
 * memo_key): a push helper the sender calls from two places with the same state is
 * recorded at the first place the walk reaches (source order), the earlier one. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct msg_end {                     /* a push or a receipt of one tag */
	int ctx, fn;                 /* context; function (receipts: where the branch is) */
	int pos;                     /* the call's pos in fn */
	long long k;
	struct when when;            /* pushes: where */
	char **queues;               /* the call's other arguments, in root terms */
	int nqueues;
};

struct messages {
	struct msg_end *push, *recv;
	int npush, cap_push, nrecv, cap_recv;
	struct keymap seen;
	unsigned char **past;        /* per function: per event pos, past a receipt on every path */
	signed char *zero_after;     /* per function: every return of 0 is past a receipt (-1 unknown) */
};

enum { DERIVE_DEPTH = 3 };           /* helpers returning 0 on receipt, followed this deep */

static const unsigned char *past_of(const struct analysis *a, int k);

static struct messages *messages_of(struct analysis *a)
{
	if (!a->messages)
		a->messages = xcalloc(1, sizeof *a->messages);
	return a->messages;
}

/* What the call at ev of definition k resolves to (the index caches it). */
static const struct fn_ref *callee(const struct analysis *a, int k, const struct event *ev)
{
	return index_callee_at((struct program_index *)&a->ix, k, ev);
}

/* The call event at pos in fn, or NULL. */
static const struct event *call_at(const struct function *fn, int pos)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++)
			if (fn->blocks[b].events[e].pos == pos && fn->blocks[b].events[e].kind == EV_CALL)
				return &fn->blocks[b].events[e];
	return NULL;
}

/* The call resolves to a function that takes a lock itself (a queue's push or pop). */
static int locking_call(struct analysis *a, const struct activation *f, const struct event *call)
{
	const struct fn_ref *r = call->callee ? callee(a, f->fn_index, call) : NULL;
	return r && fn_has_event(r->fn, EV_LOCK);
}

/* Records one end: the call's arguments but the constant ones, in root terms. */
static void note_end(struct analysis *a, const struct activation *f, const struct event *call,
                     long long k, int push)
{
	struct messages *m = messages_of(a);
	struct msg_end e = {.ctx = f->ctx->id, .fn = f->fn_index, .pos = call->pos, .k = k};
	frame_when(a, f, call, &e.when);
	struct keybuf kb = {0};
	kb_int(&kb, push);
	kb_int(&kb, e.ctx);
	kb_int(&kb, (long)k);
	for (int i = 0; i < e.when.n; i++)
		kb_int(&kb, when_lv(&e.when, i)->pos);
	struct hkey h = kb_hash(&kb);
	kb_free(&kb);
	if (keymap_get(&m->seen, h, NULL))
		return;
	keymap_put(&m->seen, h, 1);
	for (int i = 0; i < call->nargs; i++) {
		char *p = call->args[i].path ? frame_path(f, call->args[i].path) : NULL;
		if (!p || p[0] == '#' || p[0] == '?') {
			free(p);
			continue;
		}
		e.queues = xrealloc(e.queues, (size_t)(e.nqueues + 1) * sizeof *e.queues);
		e.queues[e.nqueues++] = p;
	}
	if (push) {
		grow_array((void **)&m->push, &m->cap_push, m->npush, sizeof *m->push);
		m->push[m->npush++] = e;
	} else {
		grow_array((void **)&m->recv, &m->cap_recv, m->nrecv, sizeof *m->recv);
		m->recv[m->nrecv++] = e;
	}
}

/* "m:POS=K" */
static int parse_message(const char *path, int *pos, long long *k)
{
	char *end;
	*pos = (int)strtol(path + 2, &end, 10);
	if (end == path + 2 || *end != '=')
		return 0;
	const char *v = end + 1;
	*k = strtoll(v, &end, 10);
	return end != v && !*end;
}

int messages_on_assume(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (!ev->path || !str_starts(ev->path, "m:"))
		return 0;
	int pos;
	long long k;
	if (!(ev->flags & EVF_TRUE) || f->ctx->kind == CTX_ISOLATED || !parse_message(ev->path, &pos, &k))
		return 1;
	const struct event *call = call_at(f->fn, pos);
	if (call && locking_call(a, f, call))
		note_end(a, f, call, k, 0);
	return 1;
}

void messages_note_call(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (f->ctx->kind == CTX_ISOLATED)
		return;
	int locks = -1;
	for (int i = 0; i < ev->nargs; i++) {
		const char *raw = ev->args[i].path;   /* a constant, or a parameter a caller set */
		if (!raw || (raw[0] != '#' && !str_starts(raw, "p:")))
			continue;
		char *p = frame_path(f, raw);
		char *end;
		long long k = p && p[0] == '#' ? strtoll(p + 1, &end, 10) : 0;
		if (k && !*end && (locks < 0 ? (locks = locking_call(a, f, ev)) : locks))
			note_end(a, f, ev, k, 1);
		free(p);
	}
}

/* ---- after the walk: where a receiver is past a receipt ---- */

static int zero_after_receipt(const struct analysis *a, int k);

struct receipt_pred {
	const struct analysis *a;
	int fn;
	int pop, helper;             /* only the receipts of the pop at this pos, or of calls
	                                of this helper (-1: any) */
};

/* A receipt of the pop at pos of function fn was recorded (the call locks). */
static int pop_recorded(const struct messages *m, int fn, int pos)
{
	for (int i = 0; i < m->nrecv; i++)
		if (m->recv[i].fn == fn && m->recv[i].pos == pos)
			return 1;
	return 0;
}

/* A receipt event of function p->fn: the branch where a popped tag equals K, or where a
 * helper that returns 0 only on receipt returned 0. */
static int receipt_event(const struct event *ev, void *ctx)
{
	struct receipt_pred *p = ctx;
	if (ev->kind != EV_ASSUME || !ev->path || (ev->flags & EVF_KILL))
		return 0;
	int pos = atoi(ev->path + 2);
	if (str_starts(ev->path, "m:"))
		return (ev->flags & EVF_TRUE) && p->helper < 0 && (p->pop < 0 || p->pop == pos) &&
		       pop_recorded(p->a->messages, p->fn, pos);
	if (!str_starts(ev->path, "r:") || (ev->flags & EVF_TRUE) || p->pop >= 0)
		return 0;
	const struct event *call = call_at(p->a->ix.fns[p->fn].fn, pos);
	const struct fn_ref *r = call ? callee(p->a, p->fn, call) : NULL;
	int k = r ? index_of_ref(&p->a->ix, r) : -1;
	return k >= 0 && (p->helper < 0 || p->helper == k) && zero_after_receipt(p->a, k);
}

/* Per function, per event pos: every path from its entry passed a receipt. */
static const unsigned char *past_of(const struct analysis *a, int k)
{
	struct messages *m = a->messages;
	if (!m->past)
		m->past = xcalloc((size_t)a->ix.nfns, sizeof *m->past);
	if (!m->past[k]) {
		struct receipt_pred p = {a, k, -1, -1};
		m->past[k] = events_past(a->ix.fns[k].fn, 1, receipt_event, &p);
	}
	return m->past[k];
}

/* Every return of 0 or NULL in function k is past a receipt, and there is one. */
static int zero_after_receipt(const struct analysis *a, int k)
{
	struct messages *m = a->messages;
	if (!m->zero_after) {
		m->zero_after = xcalloc((size_t)a->ix.nfns, 1);
		memset(m->zero_after, -1, (size_t)a->ix.nfns);
	}
	if (m->zero_after[k] >= 0)
		return m->zero_after[k];
	m->zero_after[k] = 0;                /* recursion: not (yet) */
	const struct function *fn = a->ix.fns[k].fn;
	const unsigned char *past = past_of(a, k);
	int any = 0, all = 1;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind == EV_RETURN && (ev->flags & EVF_RET_ZERO)) {
				any = 1;
				all &= past[ev->pos];
			}
		}
	m->zero_after[k] = (signed char)(any && all);
	return m->zero_after[k];
}

/* ---- ordering ---- */

static int share_queue(const struct msg_end *x, const struct msg_end *y)
{
	for (int i = 0; i < x->nqueues; i++)
		for (int j = 0; j < y->nqueues; j++)
			if (str_eq(x->queues[i], y->queues[j]))
				return 1;
	return 0;
}

/* x comes before y where their chains part, in no loop that holds both: x is not done
 * again after y. */
static int before_once(const struct when *x, const struct when *y)
{
	if (!when_before(x, y))
		return 0;
	for (int i = 0; i < x->n && i < y->n && when_lv(x, i)->pos == when_lv(y, i)->pos; i++)
		if (when_lv(x, i)->lo != when_lv(x, i)->hi)
			return 0;
	return 1;
}

/* Every push that receipt r may have taken was made by x's context after x. */
static int sent_after(const struct analysis *a, const struct msg_end *r, const struct access_rec *x)
{
	const struct messages *m = a->messages;
	const struct context *sender = a->ctxs[x->ctx];
	int any = 0;
	for (int i = 0; i < m->npush; i++) {
		const struct msg_end *p = &m->push[i];
		const struct context *c = a->ctxs[p->ctx];
		if (p->k != r->k || c->program != sender->program || !share_queue(p, r) ||
		    contexts_exclusive(c, sender))
			continue;
		if (p->ctx != x->ctx || !before_once(&x->when, &p->when))
			return 0;
		any = 1;
	}
	return any;
}

/* Every receipt of y's context in function fn (the pop at pos, or any: -1), and in the
 * helpers fn calls that return 0 only on receipt, was sent by x's context after x; and
 * there is one. */
static int receipts_ordered(const struct analysis *a, int fn, int pos, int ctx,
                            const struct access_rec *x, int depth)
{
	const struct messages *m = a->messages;
	int any = 0;
	for (int i = 0; i < m->nrecv; i++) {
		const struct msg_end *r = &m->recv[i];
		if (r->ctx != ctx || r->fn != fn || (pos >= 0 && r->pos != pos))
			continue;
		if (!sent_after(a, r, x))
			return 0;
		any = 1;
	}
	if (pos >= 0 || depth <= 0 || !m->zero_after)
		return any;
	const struct function *f = a->ix.fns[fn].fn;
	for (int b = 0; b < f->nblocks; b++)
		for (int e = 0; e < f->blocks[b].nevents; e++) {
			const struct event *ev = &f->blocks[b].events[e];
			const struct fn_ref *c = ev->kind == EV_CALL && ev->callee ? callee(a, fn, ev) : NULL;
			int k = c ? index_of_ref(&a->ix, c) : -1;
			if (k < 0 || m->zero_after[k] != 1)
				continue;
			if (!receipts_ordered(a, k, -1, ctx, x, depth - 1))
				return 0;
			any = 1;
		}
	return any;
}

/* y's event at level l (in function fn) is past, on every path, the receipts of one pop
 * or of one helper, all of them sent by x's context after x. */
static int level_ordered(const struct analysis *a, const struct access_rec *x,
                         const struct access_rec *y, int l)
{
	const struct when_lv *lv = when_lv(&y->when, l);
	const struct function *f = a->ix.fns[lv->fn].fn;
	int done = 0;
	for (int b = 0; b < f->nblocks && !done; b++)
		for (int e = 0; e < f->blocks[b].nevents && !done; e++) {
			const struct event *ev = &f->blocks[b].events[e];
			if (ev->kind != EV_ASSUME || !ev->path || !receipt_event(ev, &(struct receipt_pred){a, lv->fn, -1, -1}))
				continue;
			int pos = atoi(ev->path + 2), k = -1;
			if (str_starts(ev->path, "r:")) {
				const struct fn_ref *r = callee(a, lv->fn, call_at(f, pos));
				k = index_of_ref(&a->ix, r);
			}
			struct receipt_pred only = {a, lv->fn, k < 0 ? pos : -1, k};
			unsigned char *past = events_past(f, 1, receipt_event, &only);
			done = past[lv->pos] && (k < 0 ? receipts_ordered(a, lv->fn, pos, y->ctx, x, 0)
			                                : receipts_ordered(a, k, -1, y->ctx, x, DERIVE_DEPTH));
			free(past);
		}
	return done;
}

/* y is past a receipt at some level of its calls; the level's receipts, all sent by x's
 * context after x. */
static int level_past(const struct analysis *a, const struct access_rec *y, int l)
{
	const struct when_lv *lv = when_lv(&y->when, l);
	return lv->fn >= 0 && lv->fn < a->ix.nfns && past_of(a, lv->fn)[lv->pos];
}

int message_orders(const struct analysis *a, const struct access_rec *x, const struct access_rec *y)
{
	const struct context *sender = a->ctxs[x->ctx];
	if (!a->messages || !a->messages->nrecv || x->ctx == y->ctx || sender->multi ||
	    sender->unbounded || sender->library || sender->kind == CTX_ISOLATED)
		return 0;
	for (int l = 0; l < y->when.n; l++)
		if (level_past(a, y, l) && level_ordered(a, x, y, l))
			return 1;
	return 0;
}

int messages_past_receipt(const struct analysis *a, const struct access_rec *y)
{
	if (!a->messages || !a->messages->nrecv)
		return 0;
	for (int l = 0; l < y->when.n; l++)
		if (level_past(a, y, l))
			return 1;
	return 0;
}

void messages_free(struct analysis *a)
{
	struct messages *m = a->messages;
	if (!m)
		return;
	for (int pass = 0; pass < 2; pass++) {
		struct msg_end *v = pass ? m->recv : m->push;
		int n = pass ? m->nrecv : m->npush;
		for (int i = 0; i < n; i++) {
			for (int q = 0; q < v[i].nqueues; q++)
				free(v[i].queues[q]);
			free(v[i].queues);
		}
		free(v);
	}
	for (int k = 0; m->past && k < a->ix.nfns; k++)
		free(m->past[k]);
	free(m->past);
	free(m->zero_after);
	keymap_free(&m->seen);
	free(m);
	a->messages = NULL;
}
