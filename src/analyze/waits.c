/* waits.c — what blocks on other threads besides locks: condition waits, joins, once.
 *  - cond-wait-unheld: a wait reached on some path without its mutex (a path that took it
 *    and released it, or never took it), not only on every path;
 *  - cond-wait-no-loop: a wait not in a loop, or in one that re-tests nothing its
 *    signallers change (signals.c); a wait whose condition variable is a
 *    parameter is a wrapper's (yarn's wait_for, ovs_mutex_cond_wait), judged at the call
 *    of the wrapper that names the condition, as a lock wrapper is;
 *  - deadlock: a thread joined while the joiner holds a lock that thread takes (if it has
 *    not taken it yet, neither goes on);
 *  - pthread_once (the extractor lowers it to a lock of the once object around the call of
 *    the initialiser, EVF_ONCE): its lock order is the lock rules'; what the initialiser
 *    does is ordered before every return of a call on that object, so it races with
 *    nothing (access_rec.once). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int held_for_sure(const struct held *h)
{
	return h->mask == LS_HELD;
}

/* Taken on some path reaching here and not held on another (released, never taken). */
static int maybe_unheld(unsigned char mask)
{
	return (mask & (LS_UNHELD | LS_RELEASED | LS_DROPPED)) && !(mask & (LS_UNCERTAIN | LS_ENTRY));
}

/* Parameter index N when path is that parameter's own object ("p:N*") or value ("p:N"),
 * else -1: a function handed its condition variable is a wait wrapper. */
static int bare_param(const char *p)
{
	if (!p || !str_starts(p, "p:"))
		return -1;
	char *end;
	long n = strtol(p + 2, &end, 10);
	return end > p + 2 && (*end == '\0' || !strcmp(end, "*")) ? (int)n : -1;
}

/* The parameter a wait's condition variable comes from: bare_param, or a member of the
 * parameter's struct reached by value ("p:N*.cond": xz's mythread_cond wraps the
 * pthread_cond_t) when the mutex is handed in too (a function that takes its own struct's
 * lock and waits is the waiter, not a wrapper). */
static int wait_param(const struct event *ev)
{
	int n = bare_param(ev->path);
	if (n >= 0 || bare_param(ev->arg) < 0 || !ev->path || !str_starts(ev->path, "p:"))
		return n;
	char *end;
	long m = strtol(ev->path + 2, &end, 10);
	return end[0] == '*' && end[1] == '.' && !strpbrk(end + 1, "*[") ? (int)m : -1;
}

/* The wait, or for a wrapper's wait (its condition variable a parameter: yarn's wait_for,
 * ovs_mutex_cond_wait), the call up the chain that names the condition variable: *g and
 * *at get its frame and event; 0 when no caller names it (a wrapper walked on its own).
 * Both rules judge a wrapper's wait there, as a lock wrapper's lock is its caller's. */
static int naming_call(const struct activation *f, const struct event *ev,
                       const struct activation **g, const struct event **at)
{
	*g = f;
	*at = ev;
	for (int n = wait_param(ev); n >= 0;) {
		if (!(*g)->caller || n >= (*g)->call->nargs)
			return 0;
		*at = (*g)->call;
		*g = (*g)->caller;
		n = bare_param((*at)->args[n].path);     /* passed on from the caller's parameter */
	}
	return 1;
}

void waits_on_cond_wait(struct analysis *a, const struct activation *f, const struct event *ev,
                        const struct lstate *s, int key, int named_key)
{
	unsigned char mask = ls_mask(s, key);
	int isolated_root = f->ctx->kind == CTX_ISOLATED && f->depth == 0;
	const struct activation *g;
	const struct event *at;
	if (!naming_call(f, ev, &g, &at))
		return;
	if (named_key && (ls_surely_unheld(mask) || (!isolated_root && maybe_unheld(mask)) ||
	                  (isolated_root && (mask & (LS_RELEASED | LS_DROPPED)))))
		misuse_add(a, "cond-wait-unheld", g, at, key);
	if (!(ev->flags & EVF_IN_LOOP) && !(at->flags & EVF_IN_LOOP))
		misuse_add(a, "cond-wait-no-loop", g, at, key);
	else if (at == ev && signals_loop_retests_nothing(a, ev))
		misuse_add(a, "cond-wait-no-loop", g, at, key)->retests_nothing = 1;
	if (f->ctx->kind != CTX_ISOLATED)
		signals_on_wait(a, ev, key);
	if (at == ev)
		flags_on_wait(a, f, ev, key);
}

/* ---- joins while holding a lock ---- */

void waits_on_lock(struct analysis *a, const struct activation *f, const struct event *ev, int key)
{
	(void)ev;
	kb_reset(&a->kb);
	kb_int(&a->kb, f->ctx->id);
	kb_int(&a->kb, class_intern(a, a->lock_keys[key].cls));
	struct hkey k = kb_hash(&a->kb);
	if (!keymap_get(&a->ctx_takes, k, NULL))
		keymap_put(&a->ctx_takes, k, key);
}

void waits_on_join(struct analysis *a, const struct activation *f, const struct event *ev,
                   const struct lstate *s)
{
	int n = 0;
	for (int i = 0; i < s->n; i++)
		n += held_for_sure(&s->e[i]);
	if (!n || f->ctx->kind == CTX_ISOLATED)
		return;
	char *handle = frame_path(f, ev->path);
	if (!handle)
		return;
	grow_array((void **)&a->held_joins, &a->cap_held_joins, a->nheld_joins, sizeof *a->held_joins);
	struct held_join *j = &a->held_joins[a->nheld_joins++];
	memset(j, 0, sizeof *j);
	j->handle = handle;
	j->ctx = f->ctx->id;
	j->ev = ev;
	j->fn = f->fn;
	j->keys = xcalloc((size_t)n, sizeof *j->keys);
	j->acq = xcalloc((size_t)n, sizeof *j->acq);
	j->acq_fn = xcalloc((size_t)n, sizeof *j->acq_fn);
	for (int i = 0; i < s->n; i++)
		if (held_for_sure(&s->e[i])) {
			j->acq[j->nkeys] = s->e[i].acq;
			j->acq_fn[j->nkeys] = s->e[i].acq_fn;
			j->keys[j->nkeys++] = s->e[i].key;
		}
	j->nstack = frame_stack(f, ev, &j->stack);
}

static void report_join(struct analysis *a, const struct held_join *j, int i, const struct context *t)
{
	const char *lk = a->lock_keys[j->keys[i]].spelling;
	const char *entry = t->entry->fn->name;
	char *msg = xasprintf("joins thread '%s' while holding '%s', which that thread takes: if it "
	                      "has not taken it yet, neither thread can go on", entry, lk);
	char *sym = display_symbol(a, a->lock_keys[j->keys[i]].cls);
	char *full = xasprintf("%s|join:%s", sym, entry);
	struct finding *f = emit_finding(a, "deadlock", msg, full);
	char *here = xasprintf("joins '%s' holding '%s'", entry, lk);
	struct location *loc = emit_location(a, f, j->fn, j->ev, here);
	emit_thread(a, loc, a->ctxs[j->ctx]);
	emit_stack(a, loc, j->stack, j->nstack);
	if (j->acq[i] && j->acq_fn[i])
		emit_location(a, f, j->acq_fn[i], j->acq[i], "lock acquired here");
	if (t->create_ev && t->create_fn)
		emit_location(a, f, t->create_fn, t->create_ev, "the joined thread, created here");
	free(here);
	free(full);
	free(sym);
	free(msg);
}

void check_held_joins(struct analysis *a)
{
	for (int k = 0; k < a->nheld_joins; k++) {
		const struct held_join *j = &a->held_joins[k];
		for (int c = 0; c < a->nctxs; c++) {
			const struct context *t = a->ctxs[c];
			if (t->kind != CTX_THREAD || !t->handle || strcmp(t->handle, j->handle) != 0 ||
			    t->program != a->ctxs[j->ctx]->program || t->id == j->ctx)
				continue;
			for (int i = 0; i < j->nkeys; i++) {
				kb_reset(&a->kb);
				kb_int(&a->kb, t->id);
				kb_int(&a->kb, class_intern(a, a->lock_keys[j->keys[i]].cls));
				if (keymap_get(&a->ctx_takes, kb_hash(&a->kb), NULL)) {
					report_join(a, j, i, t);
					i = j->nkeys;
					c = a->nctxs;   /* one finding per join and lock */
				}
			}
		}
	}
}

void waits_free(struct analysis *a)
{
	for (int k = 0; k < a->nheld_joins; k++) {
		struct held_join *j = &a->held_joins[k];
		free(j->handle);
		free(j->keys);
		free(j->acq);
		free(j->acq_fn);
		free(j->stack);
	}
	free(a->held_joins);
	keymap_free(&a->ctx_takes);
}
