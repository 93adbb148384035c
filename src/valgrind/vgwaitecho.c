/* vgwaitecho.c — what a condition wait on a mutex the thread does not hold makes the tools
 * report next. The wait is the bug (cond-wait-unheld); after it:
 *
 *   - DRD counts the wait as leaving the mutex locked by the waiter (README, Limits), and
 *     reports the thread's later lock, unlock and exit of that mutex as misuse;
 *   - glibc's pthread_cond_wait re-locks the mutex it was given before it returns, held or
 *     not, inside the C library where Helgrind does not see it: Helgrind then reports the
 *     thread's later unlock of it (in the function that waited) as an unlock of a lock not
 *     held, and its accesses after the wait as unprotected — racing with accesses that hold
 *     that mutex.
 *
 * Each is kept, marked likely benign as an echo of the wait reported in the same run. And
 * Helgrind's blame of glibc's own wake-up inside a wait that holds its mutex is marked
 * likely benign, with the static facts' word for it. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"

static int drd_misuse(const struct finding *f)
{
	return str_starts(f->rule, "unlock-") || str_eq(f->rule, "lock-leak") ||
	       str_eq(f->rule, "double-lock") || str_eq(f->rule, "drd:MutexErr");
}

static char *echo_reason(const struct location *at, const char *what)
{
	return xasprintf("likely benign: %s the condition wait without the mutex at %s:%d (the "
	                 "bug reported there)", what, at && at->file ? at->file : "?",
	                 at ? at->line : 0);
}

int vg_runs_after(struct facts_at *fc, const struct location *wait, const struct location *loc)
{
	if (!str_eq(loc->func, wait->func) || !str_eq(loc->file, wait->file))
		return 0;
	int wb, wi, b, i;
	const struct function *fn = facts_function_at(fc, wait->file, wait->line);
	if (!fn || !facts_first_event_at(fn, wait->line, &wb, &wi))
		return loc->line > wait->line;        /* no facts: below it in the source */
	return facts_first_event_at(fn, loc->line, &b, &i) ? facts_reaches(fn, wb, wi, b, i)
	                                                   : loc->line > wait->line;
}

/* Do the static facts see `cls` held for sure at loc (in its function or its callers)? */
static int held_at(struct facts_at *fc, const struct location *loc, const char *cls)
{
	struct held_lock h[VG_MAX_HELD];
	int n = vg_held_by(fc, loc, h), holds = 0;
	for (int j = 0; j < n && !holds; j++)
		holds = str_eq(h[j].lock_class, cls);
	vg_held_free(h, n);
	return holds;
}

/* A race one side of which runs after the wait in the waiting function, while the other
 * holds the mutex. */
static int race_after_wait(struct facts_at *fc, const struct finding *f,
                           const struct location *wait, const char *mutex)
{
	const struct location *s[2];
	if (vg_sides(f, s) != 2 || !vg_one_object(mutex))
		return 0;
	for (int k = 0; k < 2; k++) {
		if (vg_runs_after(fc, wait, s[k]) && held_at(fc, s[1 - k], mutex))
			return 1;
	}
	return 0;
}

/* Helgrind's "associated lock is not held" blames the wake-up glibc sends from inside a
 * wait: a wait that times out (or is cancelled) signals the condition while its mutex is
 * released, before re-locking it. When the static facts see the wait's mutex held on every
 * path to the wait, the caller did nothing wrong: the reason (new string), or NULL. */
static char *inner_wakeup_reason(struct facts_at *fc, const struct finding *w)
{
	const struct location *at = &w->locs[0];
	if (!str_eq(w->engine, "helgrind") || !w->message ||
	    !strstr(w->message, "associated lock is not held") || !at->file)
		return NULL;
	char *cls = facts_lock_class_at(fc, at->file, at->line);   /* the wait's mutex */
	if (!cls)
		return NULL;
	char *reason = held_at(fc, at, cls)
		? xasprintf("likely benign: the static pass sees '%s' held at this wait on every "
		            "path; Helgrind blames the wake-up glibc sends from inside a wait that "
		            "timed out, while the mutex is released", cls)
		: NULL;
	free(cls);
	return reason;
}

void vg_wait_echoes(struct facts_at *fc, struct finding_list *l)
{
	for (int i = 0; i < l->n; i++) {
		struct finding *w = &l->items[i];
		if (!str_eq(w->rule, "cond-wait-unheld") || w->suppressed || !w->nlocs)
			continue;
		char *inner = inner_wakeup_reason(fc, w);
		if (inner) {
			vg_mark_benign_reason(w, inner);
			continue;
		}
		if (!w->symbol || !*w->symbol)
			continue;
		const struct location *at = &w->locs[0];
		int drd = str_eq(w->engine, "drd");
		for (int k = 0; k < l->n; k++) {
			struct finding *f = &l->items[k];
			if (k == i || f->suppressed || !str_eq(f->engine, w->engine) || !f->nlocs)
				continue;
			if (drd && str_eq(f->symbol, w->symbol) && drd_misuse(f))
				vg_mark_benign_reason(f, echo_reason(at, "DRD takes for a lock of the mutex"));
			else if (!drd && str_eq(f->rule, "unlock-not-held") &&
			         str_eq(f->symbol, w->symbol) && vg_runs_after(fc, at, &f->locs[0]))
				vg_mark_benign_reason(f, echo_reason(at, "glibc's pthread_cond_wait re-locks "
				                      "the mutex before it returns, unseen by Helgrind, so "
				                      "this unlock releases a lock the thread holds; it "
				                      "follows"));
			else if (str_eq(f->rule, "data-race") &&
			         race_after_wait(fc, f, at, w->symbol))
				vg_mark_benign_reason(f, echo_reason(at, "the access runs with the mutex "
				                      "glibc's pthread_cond_wait re-locked before it returned "
				                      "(unseen by Valgrind), after"));
		}
	}
}
