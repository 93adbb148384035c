/* misuse.c — findings about one place: double-lock, unlock-not-held, lock-leak,
 * cond-wait-unheld, cond-wait-no-loop (from the collector's records; mt-unsafe-call in
 * mtunsafe.c, fork-with-threads in fork_child.c), and thread-leak (from the thread contexts). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "common/rules.h"

static const char *lock_name(const struct analysis *a, const struct misuse_rec *m)
{
	if (m->ev->kind == EV_COND_WAIT && m->ev->arg)
		return a->lock_keys[m->key].spelling;
	return m->key >= 0 ? a->lock_keys[m->key].spelling : "?";
}

static char *message_of(struct analysis *a, const struct misuse_rec *m, char **here)
{
	const char *r = m->rule;
	const char *lk = m->key >= 0 ? lock_name(a, m) : "";
	const struct context *c = a->ctxs[m->ctx];
	if (!strcmp(r, "double-lock")) {
		*here = xasprintf("'%s' acquired again here", lk);
		return xasprintf("'%s' is locked again while already held", lk);
	}
	if (!strcmp(r, "destroy-locked")) {
		*here = xasprintf("'%s' destroyed here", lk);
		return xasprintf("'%s' is destroyed while it is held", lk);
	}
	if (!strcmp(r, "unlock-not-held")) {
		*here = xasprintf("'%s' released here", lk);
		return xasprintf("unlock of '%s', which is not held here", lk);
	}
	if (!strcmp(r, "lock-leak")) {
		int thread_end = c->kind == CTX_THREAD;
		*here = xasprintf("'%s' still held here", lk);
		if (thread_end)
			return xasprintf("thread '%s' can end while still holding '%s'", c->entry->fn->name, lk);
		return xasprintf("'%s' can return with '%s' still held on this path", m->fn->name, lk);
	}
	if (!strcmp(r, "guard-not-held") || !strcmp(r, "excluded-lock-held")) {
		/* ev: the call; other: what the callee declares (DECLARE). */
		const char *callee = m->ev->kind == EV_DECLARE ? m->ev->api : m->ev->name;
		callee = callee ? callee : "?";
		const char *cap = m->other && m->other->name ? m->other->name : "?";
		int excl = !strcmp(r, "excluded-lock-held");
		*here = xasprintf("calls '%s' %s '%s'", callee, excl ? "holding" : "without", cap);
		return excl ? xasprintf("'%s' is declared to take '%s' itself (EXCLUDES), but is called holding it",
		                        callee, cap)
		            : xasprintf("'%s' is declared to run holding '%s' (REQUIRES), but is called without it",
		                        callee, cap);
	}
	if (!strcmp(r, "cond-wait-unheld")) {
		*here = xasprintf("waits without holding '%s'", lk);
		return xasprintf("condition wait without holding its mutex '%s'", lk);
	}
	/* cond-wait-no-loop: at the wait, or at the call of a wrapper that waits */
	if (m->ev->kind == EV_CALL) {
		*here = xasprintf("waits once through '%s', without re-checking the predicate", m->ev->name);
		return xasprintf("condition wait through '%s' is not in a loop that re-checks its predicate",
		                 m->ev->name);
	}
	if (m->retests_nothing) {
		*here = xstrdup("waits in a loop that does not re-test what the signallers change");
		return xasprintf("condition wait on '%s' is in a loop, but the loop re-tests nothing its "
		                 "signallers change: it waits once for the predicate",
		                 m->ev->path && m->ev->name ? m->ev->name : "condition");
	}
	*here = xstrdup("waits once, without re-checking the predicate");
	return xasprintf("condition wait on '%s' is not in a loop that re-checks its predicate",
	                 m->ev->path && m->ev->name ? m->ev->name : "condition");
}

static void report(struct analysis *a, const struct misuse_rec *m)
{
	char *here = NULL;
	char *msg = message_of(a, m, &here);
	/* The class as the code names it there: the same whichever context found it. */
	char *sym = m->key >= 0 ? display_symbol(a, a->lock_keys[m->key].tcls)
	                        : xstrdup(m->ev->name ? m->ev->name : "");
	struct finding *f = emit_finding(a, m->rule, msg, sym);
	struct location *loc = emit_location(a, f, m->fn, m->ev, here);
	if (a->ctxs[m->ctx]->kind != CTX_ISOLATED)
		emit_thread(a, loc, a->ctxs[m->ctx]);
	emit_stack(a, loc, m->stack, m->nstack);
	if (m->other && m->other_fn)
		emit_location(a, f, m->other_fn, m->other,
		              m->other->kind == EV_DECLARE ? "declared here" : "first acquired here");
	free(here);
	free(msg);
	free(sym);
}

void check_misuse(struct analysis *a)
{
	for (int i = 0; i < a->nmis; i++) {
		const struct misuse_rec *m = &a->mis[i];
		if (strcmp(m->rule, "mt-unsafe-call") != 0 && strcmp(m->rule, "fork-with-threads") != 0)
			report(a, m);
	}
	check_mt_unsafe(a);
	check_forks(a);
}

/* Some join or detach in the program works on a handle tsafe cannot name (taken from a
 * list, returned by a function): it may be the one that joins any thread. */
static int has_unknown_join(const struct analysis *a, int program)
{
	for (int j = 0; j < a->njoins; j++)
		if (a->ctxs[a->joins[j].ctx]->program == program &&
		    (!a->joins[j].handle || a->joins[j].handle[0] == '?'))
			return 1;
	return 0;
}

/* A handle in named storage (a variable, a field of one, an array element), which every
 * join of it would name the same way. */
static int trackable(const char *handle)
{
	return handle && handle[0] != '?' && handle[0] != '~' && handle[0] != '&';
}

/* A creation site leaks when none of the threads it starts is joined or detached, and
 * every join in the program is understood. */
void check_thread_leaks(struct analysis *a)
{
	for (int i = 0; i < a->nctxs; i++) {
		const struct context *c = a->ctxs[i];
		if (c->kind != CTX_THREAD || !(trackable(c->handle) || handle_lost_with_frame(c)) ||
		    has_unknown_join(a, c->program))
			continue;
		/* One finding per creation site, whichever candidate entry it runs. */
		int reported_or_fine = 0;
		for (int j = 0; j < a->nctxs && !reported_or_fine; j++) {
			const struct context *d = a->ctxs[j];
			if (j != i && same_site(c, d) && (j < i || d->joined || d->detached))
				reported_or_fine = 1;
		}
		if (reported_or_fine || c->joined || c->detached)
			continue;
		char *msg = xasprintf("thread running '%s' is never joined or detached", c->entry->fn->name);
		struct finding *f = emit_finding(a, "thread-leak", msg, c->entry->fn->name);
		struct location *loc = emit_location(a, f, c->create_fn, c->create_ev, "created here");
		emit_stack(a, loc, c->create_stack, c->ncreate_stack);
		free(msg);
	}
}
