/* signals.c — what a condition wait waits for and what its signallers change, by name (the
 * condition variable's field or variable name, the predicate's member or variable names):
 *  - a wait in a loop that re-tests nothing the signallers of its condition variable write
 *    (a worker's for (;;) around `if (!ready) wait`) waits once: cond-wait-no-loop, as a
 *    wait outside any loop;
 *  - a signal sent after the predicate was changed without the mutex its waiters hold can
 *    be lost (lost-wakeup): a waiter that found the predicate unchanged under the mutex and
 *    is about to wait misses it. A plain write racing with the waiter's read is already a
 *    data race; this is the change that races with nothing (an atomic store, or one under
 *    another lock).
 * Signallers are the functions that signal or broadcast the condition variable, with the
 * functions they call and those that call them (one level each way: `q->len++;
 * notify(q)`, `push(q, x); pthread_cond_signal(...)`). Names are compared, not objects: a
 * program whose condition variables share one field name pools their predicates. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void signals_last_name(const char *path, struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
	if (!path)
		return;
	size_t n = strlen(path);
	while (n && (path[n - 1] == '*' || (n >= 2 && path[n - 2] == '[' && path[n - 1] == ']')))
		n -= path[n - 1] == '*' ? 1 : 2;
	size_t start = n;
	while (start && path[start - 1] != '.' && path[start - 1] != ':')
		start--;
	for (size_t i = start; i < n; i++)
		sb_addc(sb, path[i]);
}

static void put_pair(struct keymap *m, const char *a, const char *b)
{
	keymap_put(m, hkey_of_strings(a, b), 1);
}

static int has_pair(const struct keymap *m, const char *a, const char *b)
{
	return keymap_get(m, hkey_of_strings(a, b), NULL);
}

/* Every name fn writes, as a writer for condition variable cv. */
static void note_writes(struct analysis *a, const struct function *fn, const char *cv, struct strbuf *nm)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind != EV_ACCESS || !(ev->flags & EVF_WRITE))
				continue;
			signals_last_name(ev->path, nm);
			if (nm->buf && nm->buf[0])
				put_pair(&a->sig_writes, cv, nm->buf);
		}
}

/* The condition variable fn signals (its name), or NULL; *ev the signal. */
static const char *signalled(const struct function *fn, struct strbuf *nm)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind == EV_COND_SIGNAL) {
				signals_last_name(ev->path, nm);
				if (nm->buf && nm->buf[0])
					return nm->buf;
			}
		}
	return NULL;
}

void signals_build(struct analysis *a)
{
	struct call_graph g;
	call_graph_build(&a->ix, &g);
	struct strbuf cv, nm;
	sb_init(&cv);
	sb_init(&nm);
	int n = a->ix.nfns;
	char **sig = xcalloc((size_t)(n ? n : 1), sizeof *sig);
	for (int k = 0; k < n; k++) {
		const char *s = signalled(a->ix.fns[k].fn, &cv);
		if (s) {
			sig[k] = xstrdup(s);
			keymap_put_str(&a->sig_cvs, sig[k], 1);
		}
	}
	for (int k = 0; k < n; k++)
		for (int i = g.first[k]; i < g.first[k + 1]; i++) {
			int callee = g.callee[i];
			if (sig[k])            /* the signaller and what it calls */
				note_writes(a, a->ix.fns[callee].fn, sig[k], &nm);
			if (sig[callee])       /* what calls a signaller */
				note_writes(a, a->ix.fns[k].fn, sig[callee], &nm);
		}
	for (int k = 0; k < n; k++)
		if (sig[k])
			note_writes(a, a->ix.fns[k].fn, sig[k], &nm);
	/* The predicates waiters re-test, per condition variable. */
	for (int k = 0; k < n; k++) {
		const struct function *fn = a->ix.fns[k].fn;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				if (ev->kind != EV_COND_WAIT || !ev->type)
					continue;
				signals_last_name(ev->path, &cv);
				for (const char *p = ev->type; *p;) {
					size_t len = strcspn(p, " ");
					char *name = xasprintf("%.*s", (int)len, p);
					put_pair(&a->sig_tested, cv.buf ? cv.buf : "", name);
					free(name);
					p += len + (p[len] == ' ');
				}
			}
	}
	for (int k = 0; k < n; k++)
		free(sig[k]);
	free(sig);
	sb_free(&cv);
	sb_free(&nm);
	call_graph_free(&g);
}

/* A wait in a loop that re-tests none of what its signallers write. */
int signals_loop_retests_nothing(struct analysis *a, const struct event *wait)
{
	if (!wait->type || !(wait->flags & EVF_IN_LOOP))
		return 0;
	struct strbuf cv, name;
	sb_init(&cv);
	sb_init(&name);
	signals_last_name(wait->path, &cv);
	int judged = cv.buf && keymap_get_str(&a->sig_cvs, cv.buf, NULL), retests = 0;
	for (const char *p = wait->type; judged && *p && !retests;) {
		size_t len = strcspn(p, " ");
		name.len = 0;
		if (name.buf)
			name.buf[0] = '\0';
		for (size_t i = 0; i < len; i++)
			sb_addc(&name, p[i]);
		retests = has_pair(&a->sig_writes, cv.buf, name.buf);
		p += len + (p[len] == ' ');
	}
	sb_free(&cv);
	sb_free(&name);
	return judged && !retests;
}

/* ---- lost wake-ups ---- */

/* At a signal: the writes of the same frame before it that change a predicate its waiters
 * test, without a lock (or atomically): candidates, judged once the waiters' mutexes are
 * known. */
void signals_on_signal(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (prethread_at(f, ev))
		return;                /* no waiter exists yet */
	struct strbuf cv, nm;
	sb_init(&cv);
	sb_init(&nm);
	signals_last_name(ev->path, &cv);
	for (int i = a->nacc - 1; cv.buf && i >= 0 && i >= a->nacc - 256; i--) {
		const struct access_rec *r = &a->acc[i];
		if (r->ctx != f->ctx->id || r->fn != f->fn || r->ev->pos >= ev->pos || !r->write || r->dying)
			continue;
		if (!r->atomic && !r->nlocks)
			continue;          /* a plain unlocked write: a data race says it */
		signals_last_name(r->ev->path, &nm);
		if (!nm.buf || !has_pair(&a->sig_tested, cv.buf, nm.buf))
			continue;
		grow_array((void **)&a->lost, &a->cap_lost, a->nlost, sizeof *a->lost);
		struct lost_wakeup *l = &a->lost[a->nlost++];
		memset(l, 0, sizeof *l);
		l->signal = ev;
		l->write = r->ev;
		l->fn = f->fn;
		l->ctx = f->ctx->id;
		l->cv = xstrdup(cv.buf);
		l->locks = xmalloc((size_t)(r->nlocks ? r->nlocks : 1) * sizeof *l->locks);
		memcpy(l->locks, r->locks, (size_t)r->nlocks * sizeof *l->locks);
		l->nlocks = r->nlocks;
		l->nstack = frame_stack(f, ev, &l->stack);
		break;
	}
	sb_free(&cv);
	sb_free(&nm);
}

void signals_on_wait(struct analysis *a, const struct event *ev, int key)
{
	struct strbuf cv;
	sb_init(&cv);
	signals_last_name(ev->path, &cv);
	if (cv.buf && key >= 0) {
		char *cls = xasprintf("%d", class_intern(a, a->lock_keys[key].cls));
		put_pair(&a->sig_mutex, cv.buf, cls);
		keymap_put_str(&a->sig_waited, cv.buf, 1);
		free(cls);
	}
	sb_free(&cv);
}

void check_lost_wakeups(struct analysis *a)
{
	for (int i = 0; i < a->nlost; i++) {
		const struct lost_wakeup *l = &a->lost[i];
		if (!keymap_get_str(&a->sig_waited, l->cv, NULL))
			continue;
		int held = 0;
		for (int j = 0; j < l->nlocks && !held; j++) {
			char *cls = xasprintf("%d", l->locks[j]);
			held = has_pair(&a->sig_mutex, l->cv, cls);
			free(cls);
		}
		if (held)
			continue;
		const char *pred = l->write->name ? l->write->name : "?";
		char *msg = xasprintf("'%s' is changed without the mutex its waiters hold, then '%s' is "
		                      "signalled: a waiter that found '%s' unchanged and is about to wait "
		                      "misses the signal", pred, l->cv, pred);
		struct finding *f = emit_finding(a, "lost-wakeup", msg, pred);
		emit_location(a, f, l->fn, l->write, "changed here, without the waiters' mutex");
		struct location *loc = emit_location(a, f, l->fn, l->signal, "signalled here");
		emit_thread(a, loc, a->ctxs[l->ctx]);
		emit_stack(a, loc, l->stack, l->nstack);
		free(msg);
	}
}

void signals_free(struct analysis *a)
{
	for (int i = 0; i < a->nlost; i++) {
		free(a->lost[i].cv);
		free(a->lost[i].locks);
		free(a->lost[i].stack);
	}
	free(a->lost);
	keymap_free(&a->sig_cvs);
	keymap_free(&a->sig_writes);
	keymap_free(&a->sig_tested);
	keymap_free(&a->sig_mutex);
	keymap_free(&a->sig_waited);
}
