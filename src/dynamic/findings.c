/* findings.c — misuse, thread leaks and deadlocks of one process as findings with the
 * static analysis's rule ids, messages and symbols, so that a bug both engines see has
 * one fingerprint. Locations carry the whole symbolised stack, TSan style. */
#include <stdlib.h>
#include <string.h>

#include "common/findkit.h"
#include "common/util.h"
#include "internal.h"

struct finding *dyn_finding(const struct dyn_ctx *c, const char *rule, const char *message,
                            const char *symbol)
{
	return finding_new(c->out, "runtime", rule, message, symbol);
}

static const char *rule_id(int rule)
{
	static const char *const ids[] = {
		[RTR_DOUBLE_LOCK] = "double-lock",
		[RTR_UNLOCK_NOT_HELD] = "unlock-not-held",
		[RTR_UNLOCK_NOT_OWNER] = "unlock-not-owner",
		[RTR_DESTROY_LOCKED] = "destroy-locked",
		[RTR_COND_WAIT_UNHELD] = "cond-wait-unheld",
		[RTR_LOCK_LEAK] = "lock-leak",
		[RTR_FORK_WITH_THREADS] = "fork-with-threads",
		[RTR_DESTROY_IN_USE] = "destroy-in-use",
	};
	return rule > 0 && rule < (int)(sizeof ids / sizeof ids[0]) ? ids[rule] : NULL;
}

/* The message of the finding and of its first location. */
static void texts(struct dyn_process *p, const struct rt_misuse *m, char **msg, char **here)
{
	const char *lk = dyn_class_label(p, m->cls);
	const char *other = dyn_thread_desc(p, m->other_thread);
	switch (m->rule) {
	case RTR_DOUBLE_LOCK:
		*msg = xasprintf("%s is locked again while already held", lk);
		*here = xasprintf("%s acquired again here", lk);
		break;
	case RTR_UNLOCK_NOT_HELD:
		*msg = xasprintf("unlock of %s, which is not held here", lk);
		*here = xasprintf("%s released here", lk);
		break;
	case RTR_UNLOCK_NOT_OWNER:
		*msg = m->other_thread ? xasprintf("unlock of %s, which %s holds", lk, other)
		                       : xasprintf("unlock of %s, which another thread holds", lk);
		*here = xasprintf("%s released here", lk);
		break;
	case RTR_DESTROY_LOCKED:
		*msg = xasprintf("%s is destroyed while it is held", lk);
		*here = xasprintf("%s destroyed here", lk);
		break;
	case RTR_COND_WAIT_UNHELD:
		*msg = xasprintf("condition wait without holding its mutex %s", lk);
		*here = xasprintf("waits without holding %s", lk);
		break;
	case RTR_LOCK_LEAK:
		*msg = xasprintf("%s ended while still holding %s", dyn_thread_desc(p, m->thread), lk);
		*here = xasprintf("%s acquired here, never released", lk);
		break;
	case RTR_DESTROY_IN_USE: {
		char *obj = dyn_object_label(p, m->cls);
		*msg = xasprintf("%s is destroyed while %s waits %s it", obj, other,
		                 m->kind == RTK_BARRIER ? "at" : "on");
		*here = xasprintf("%s destroyed here", lk);
		free(obj);
		break;
	}
	default:   /* RTR_FORK_WITH_THREADS */
		*msg = xasprintf("fork() while %s holds %s: the child inherits a lock nobody will "
		                 "release", other, lk);
		*here = xstrdup("fork() called here");
		break;
	}
}

static const char *other_text(int rule)
{
	switch (rule) {
	case RTR_DOUBLE_LOCK:
		return "first acquired here";
	case RTR_DESTROY_IN_USE:
		return "waits on it here, in the thread that still uses it";
	case RTR_UNLOCK_NOT_OWNER:
	case RTR_DESTROY_LOCKED:
	case RTR_FORK_WITH_THREADS:
		return "acquired here by the thread that holds it";
	default:
		return NULL;
	}
}

static void misuse_finding(const struct dyn_ctx *c, struct dyn_process *p, const struct rt_misuse *m)
{
	const char *rule = rule_id(m->rule);
	if (!rule)
		return;
	char *msg, *here;
	texts(p, m, &msg, &here);
	struct finding *f = dyn_finding(c, rule, msg, dyn_class_symbol(p, m->cls));
	struct location *loc = dyn_add_location(c, f, p, m->stack, here);
	loc->thread = xstrdup(dyn_thread_desc(p, m->thread));
	const char *ot = other_text(m->rule);
	if (ot && m->other_stack) {
		struct location *o = dyn_add_location(c, f, p, m->other_stack, ot);
		if (m->other_thread)
			o->thread = xstrdup(dyn_thread_desc(p, m->other_thread));
	}
	free(msg);
	free(here);
}

void dyn_misuse_findings(const struct dyn_ctx *c, struct dyn_process *p)
{
	for (int i = 0; i < p->nmisuses; i++)
		misuse_finding(c, p, p->misuses[i]);
}

static int leaked(const struct dyn_thread *t)
{
	return t->defined && !(t->flags & (RTT_MAIN | RTT_FOREIGN | RTT_DETACHED)) &&
	       !t->joined && !t->detached && t->ended;
}

/* Leaked threads sorted by creation site (stack, start routine), then by creation order. */
static int by_site(const void *a, const void *b)
{
	const struct dyn_thread *t = *(const struct dyn_thread *const *)a;
	const struct dyn_thread *u = *(const struct dyn_thread *const *)b;
	if (t->stack != u->stack)
		return t->stack < u->stack ? -1 : 1;
	if (t->start != u->start)
		return t->start < u->start ? -1 : 1;
	return t < u ? -1 : t > u;
}

static void leak_finding(const struct dyn_ctx *c, struct dyn_process *p,
                         const struct dyn_thread *t, int count)
{
	const char *fn = t->start_name ? t->start_name : "??";
	char *msg = count > 1
		? xasprintf("thread running '%s' is never joined or detached (%d threads)", fn, count)
		: xasprintf("thread running '%s' is never joined or detached", fn);
	struct finding *f = dyn_finding(c, "thread-leak", msg, fn);
	struct location *loc = dyn_add_location(c, f, p, t->stack, "created here");
	loc->thread = xstrdup(dyn_thread_desc(p, t->parent));
	free(msg);
}

/* Threads that ended but were neither joined nor detached by the time the process called
 * exit(), one finding per creation site, shown with its first thread (a process that
 * crashed or was ended says nothing). A thread still running at exit (a daemon's worker)
 * is not a leak: the process ends it, and no resource of an ended thread waits for a join.
 * Sorted by site, so that a program leaking many threads costs n log n, not n². */
void dyn_thread_leaks(const struct dyn_ctx *c, struct dyn_process *p)
{
	if (!p->exited)
		return;
	const struct dyn_thread **leaks = xcalloc((size_t)p->cap_threads + 1, sizeof *leaks);
	int n = 0;
	for (int i = 1; i < p->cap_threads; i++)
		if (leaked(&p->threads[i]))
			leaks[n++] = &p->threads[i];
	qsort(leaks, (size_t)n, sizeof *leaks, by_site);
	for (int i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && leaks[j]->stack == leaks[i]->stack &&
		                leaks[j]->start == leaks[i]->start; j++)
			;
		leak_finding(c, p, leaks[i], j - i);
	}
	free(leaks);
}

/* What thread i waits for: a lock's (or semaphore's…) class, or the end of a thread. */
static char *awaited_symbol(struct dyn_process *p, const struct rt_deadlock_thread *t)
{
	if (t->wait_cls)
		return xstrdup(dyn_class_symbol(p, t->wait_cls));
	struct dyn_thread *j = process_thread(p, t->joining);
	return xasprintf("join:%s", j && j->start_name ? j->start_name : "?");
}

static char *awaited_label(struct dyn_process *p, const struct rt_deadlock_thread *t)
{
	if (t->wait_cls)
		return dyn_object_label(p, t->wait_cls);
	return xasprintf("the end of %s", dyn_thread_desc(p, t->joining));
}

static const char *wait_verb(struct dyn_process *p, const struct rt_deadlock_thread *t)
{
	if (!t->wait_cls)
		return "waits for";
	switch (dyn_class_kind(p, t->wait_cls)) {
	case RTK_SEM:
	case RTK_COND:
		return "waits on";
	case RTK_BARRIER:
		return "waits at";
	default:
		return "blocks acquiring";
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The symbol of a lock cycle is its classes in lock order from the smallest (the one its
 * lock-order inversion gets); a stall has no order: its waits, sorted. */
static char *cycle_symbol(struct dyn_process *p, const struct rt_deadlock *d)
{
	char **sym = xcalloc(d->n, sizeof *sym);
	uint32_t lo = 0;
	for (uint32_t i = 0; i < d->n; i++) {
		sym[i] = awaited_symbol(p, &d->t[i]);
		if (strcmp(sym[i], sym[lo]) < 0)
			lo = i;
	}
	if (d->flags & RTD_STALL) {
		qsort(sym, d->n, sizeof *sym, cmp_str);
		lo = 0;
	}
	struct strbuf sb;
	sb_init(&sb);
	for (uint32_t k = 0; k < d->n; k++)
		sb_addf(&sb, "%s%s", k ? (d->flags & RTD_STALL ? ", " : " -> ") : "",
		        sym[(lo + k) % d->n]);
	for (uint32_t i = 0; i < d->n; i++)
		free(sym[i]);
	free(sym);
	return sb_detach(&sb);
}

/* Where thread i of the cycle is blocked: its file and line, for a canonical order. */
static int blocked_before(const struct dyn_ctx *c, struct dyn_process *p, const struct rt_deadlock *d,
                          uint32_t a, uint32_t b)
{
	int na, nb;
	const struct frame *fa = dyn_frames(c, p, d->t[a].wait_stack, &na);
	const struct frame *fb = dyn_frames(c, p, d->t[b].wait_stack, &nb);
	int cmp = strcmp(fa && fa->file ? fa->file : "", fb && fb->file ? fb->file : "");
	return cmp < 0 || (cmp == 0 && (fa ? fa->line : 0) < (fb ? fb->line : 0));
}

static char *deadlock_message(struct dyn_process *p, const struct rt_deadlock *d, uint32_t first)
{
	int stall = d->flags & RTD_STALL;
	struct strbuf cyc;
	sb_init(&cyc);
	for (uint32_t i = 0; i < d->n + !stall; i++) {
		char *l = awaited_label(p, &d->t[(first + i) % d->n]);
		sb_addf(&cyc, "%s%s", i ? (stall ? "; " : " -> ") : "", l);
		free(l);
	}
	char *msg = stall
		? xasprintf("deadlock: every thread is blocked and none can wake another (%u waiting: %s); "
		            "the process was ended", d->n, cyc.buf)
		: xasprintf("deadlock: %u threads wait for each other (%s); the process was ended",
		            d->n, cyc.buf);
	sb_free(&cyc);
	return msg;
}

static void deadlock_finding(const struct dyn_ctx *c, struct dyn_process *p, const struct rt_deadlock *d)
{
	/* Shown from the blocked acquisition that comes first in the source, whichever thread
	 * noticed the deadlock. */
	uint32_t first = 0;
	for (uint32_t i = 1; i < d->n; i++)
		if (blocked_before(c, p, d, i, first))
			first = i;
	char *msg = deadlock_message(p, d, first);
	char *sym = cycle_symbol(p, d);
	struct finding *f = dyn_finding(c, "deadlock", msg, sym);
	for (uint32_t k = 0; k < d->n; k++) {
		const struct rt_deadlock_thread *t = &d->t[(first + k) % d->n];
		char *where = dyn_where(c, p, t->held_stack);
		char *awaited = awaited_label(p, t);
		char *here = t->held_cls
			? xasprintf("%s %s while holding %s (acquired at %s)", wait_verb(p, t), awaited,
			            dyn_class_label(p, t->held_cls), where)
			: xasprintf("%s %s", wait_verb(p, t), awaited);
		struct location *loc = dyn_add_location(c, f, p, t->wait_stack, here);
		loc->thread = xstrdup(dyn_thread_desc(p, t->thread));
		if (t->held_cls)
			loc->locks = xstrdup(dyn_class_name(p, t->held_cls));
		free(awaited);
		free(here);
		free(where);
	}
	free(sym);
	free(msg);
}

void dyn_deadlocks(const struct dyn_ctx *c, struct dyn_process *p)
{
	for (int i = 0; i < p->ndeadlocks; i++)
		/* a thread blocked on its own lock is its double-lock */
		if (p->deadlocks[i]->n > 1 || (p->deadlocks[i]->flags & RTD_STALL))
			deadlock_finding(c, p, p->deadlocks[i]);
}
