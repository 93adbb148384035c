/* vgbenign.c — Valgrind's known false alarms, recognised with the static facts of the same
 * code (tsafe scan stored them in the database): Helgrind and DRD do not model C11/GCC
 * atomics (on x86 an atomic load or release store is a plain move), nor glibc's
 * pthread_once (vgonce.c). A race on an object the static pass sees accessed only
 * atomically, or ordered by one once object, is kept but marked likely benign, with the
 * reason: it does not count at the gate or in the exit status. Without stored facts nothing
 * is marked. */
#include <stdlib.h>
#include <string.h>

#include "facts/facts.h"
#include "store/accesses.h"
#include "common/util.h"
#include "internal.h"

static char *absolute(const char *root, const char *file)
{
	return file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", root, file);
}

/* The object path the facts record at one of the race's sides that names its variable
 * (new string), or NULL. */
static char *object_path(struct store *st, const char *root, const struct finding *f, int *err)
{
	const struct location *s[2];
	int n = vg_sides(f, s);
	char *found = NULL;
	for (int i = 0; i < n && !found && !*err; i++) {
		if (!s[i]->file)
			continue;
		struct stored_access_list at = {0};
		char *file = absolute(root, s[i]->file);
		*err = store_accesses_at(st, file, s[i]->line, &at) != 0;
		for (int j = 0; j < at.n && !found; j++)
			if (at.items[j].path[0] != 'p' && vg_same_object(at.items[j].path, f->symbol))
				found = xstrdup(at.items[j].path);
		stored_access_list_free(&at);
		free(file);
	}
	return found;
}

static int all_atomic(const struct stored_access_list *a)
{
	for (int i = 0; i < a->n; i++)
		if (!(a->items[i].flags & EVF_ATOMIC))
			return 0;
	return a->n > 0;
}

void vg_mark_benign_reason(struct finding *f, char *reason)
{
	f->suppressed = 1;
	f->benign = 1;
	free(f->suppress_reason);
	f->suppress_reason = reason;
}

/* The atomic-only reason for f's object (new string), or NULL. */
static char *atomic_reason(struct store *st, const char *root, const struct finding *f, int *err)
{
	char *path = object_path(st, root, f, err);
	if (!path)
		return NULL;
	struct stored_access_list a = {0};
	*err |= store_accesses_of(st, path, &a) != 0;
	const char *name = strrchr(path, ':') ? strrchr(path, ':') + 1 : path;
	char *reason = !*err && all_atomic(&a)
		? xasprintf("likely benign: the static pass sees '%s' accessed only through atomic "
		            "operations, which Valgrind does not model", name)
		: NULL;
	stored_access_list_free(&a);
	free(path);
	return reason;
}

static int check(struct facts_at *fc, struct finding *f)
{
	int err = 0;
	char *reason = atomic_reason(fc->st, fc->root, f, &err);
	if (!reason && !err)
		reason = vg_once_ordered(fc, f);
	if (reason)
		vg_mark_benign_reason(f, reason);
	return err || fc->err ? -1 : 0;
}

/* DRD counts a pthread_cond_wait on a mutex the thread does not hold as leaving the mutex
 * locked by it (README, Limits): the thread's later lock, unlock and exit of that mutex are
 * then misuse only in DRD's eyes. Such a finding on the class of a wait DRD reported as
 * cond-wait-unheld in the same run is that wait's echo. */
static void drd_wait_echoes(struct finding_list *l)
{
	for (int i = 0; i < l->n; i++) {
		const struct finding *w = &l->items[i];
		if (!str_eq(w->rule, "cond-wait-unheld") || !str_eq(w->engine, "drd") || !w->symbol ||
		    !*w->symbol)
			continue;
		for (int k = 0; k < l->n; k++) {
			struct finding *f = &l->items[k];
			if (k == i || f->suppressed || !str_eq(f->engine, "drd") ||
			    !str_eq(f->symbol, w->symbol) || str_eq(f->rule, "cond-wait-unheld") ||
			    !(str_starts(f->rule, "unlock-") || str_eq(f->rule, "lock-leak") ||
			      str_eq(f->rule, "double-lock") || str_eq(f->rule, "drd:MutexErr")))
				continue;
			const struct location *at = w->nlocs ? &w->locs[0] : NULL;
			vg_mark_benign_reason(f, xasprintf("likely benign: DRD takes the condition wait "
			                      "without the mutex at %s:%d for a lock of it, and reports "
			                      "the thread's later uses of the mutex", at ? at->file : "?",
			                      at ? at->line : 0));
		}
	}
}

int vg_mark_benign(struct facts_at *fc, struct finding_list *l)
{
	int rc = 0;
	for (int i = 0; i < l->n && !rc; i++) {
		struct finding *f = &l->items[i];
		if (str_eq(f->rule, "data-race") && !f->suppressed)
			rc = check(fc, f);
	}
	drd_wait_echoes(l);
	return rc;
}
