/* vgdestroyecho.c — what the tools report after a mutex is destroyed while it is held. The
 * destroy is the bug (destroy-locked). glibc refuses it (EBUSY) and the mutex stays the
 * thread's, locked; Helgrind and DRD forget the lock at the destroy all the same: Helgrind
 * reports the call's failure, and both report the thread's later unlock of that mutex as
 * an unlock of an invalid lock ("not a mutex"). Each of those, of the same lock class in
 * the destroying function at or after the destroy, is kept and marked likely benign as
 * the destroy's echo. */
#include <string.h>

#include "common/util.h"
#include "internal.h"

/* A misuse report a forgotten lock explains: an unlock, or a kind of the tool's own. */
static int echo_kind(const struct finding *f)
{
	return str_starts(f->rule, "unlock-") || strchr(f->rule, ':') != NULL;
}

static int same_lock(const struct finding *destroy, const struct finding *f)
{
	return destroy->symbol && *destroy->symbol ? str_eq(destroy->symbol, f->symbol) : 1;
}

/* Is f, a finding of l, an echo of `destroy`? */
static int echoes(struct facts_at *fc, const struct finding *destroy, const struct finding *f)
{
	if (f == destroy || f->suppressed || !f->nlocs || !destroy->nlocs || !echo_kind(f) ||
	    !same_lock(destroy, f))
		return 0;
	const struct location *at = &destroy->locs[0], *loc = &f->locs[0];
	if (str_eq(loc->file, at->file) && str_eq(loc->func, at->func) && loc->line == at->line)
		return 1;
	return vg_runs_after(fc, at, loc);
}

static void mark_echoes(struct facts_at *fc, const struct finding *destroy, struct finding_list *l)
{
	const struct location *at = &destroy->locs[0];
	for (int k = 0; k < l->n; k++)
		if (echoes(fc, destroy, &l->items[k]))
			vg_mark_benign_reason(&l->items[k], xasprintf(
				"likely benign: the mutex destroyed while held at %s:%d (destroy-locked, the bug "
				"reported there) stays locked, since the destroy fails; the tool forgot it there "
				"and reports this use of it", at->file ? at->file : "?", at->line));
}

void vg_destroy_echoes(struct facts_at *fc, struct finding_list *l, const struct finding_list *known)
{
	const struct finding_list *lists[2] = {l, known};
	for (int j = 0; j < 2; j++)
		for (int i = 0; lists[j] && i < lists[j]->n; i++) {
			const struct finding *d = &lists[j]->items[i];
			if (str_eq(d->rule, "destroy-locked") && !d->suppressed && d->nlocs)
				mark_echoes(fc, d, l);
		}
}
