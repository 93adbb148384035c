/* vgbenign.c — Valgrind's known false alarms, recognised with the static facts of the same
 * code (tsafe scan stored them in the database): Helgrind and DRD do not model C11/GCC
 * atomics (on x86 an atomic load or release store is a plain move), nor glibc's
 * pthread_once (vgonce.c). A race on an object the static pass sees accessed only
 * atomically, ordered by one once object, a heap block published with release/acquire
 * atomics or filled before the reader's thread was created (vgpublish.c), two holders of one
 * rwlock one of which writes-locks it (vgrwlock.c), a free after an atomic reference count
 * (vgrefcount.c), or two holders of one spinlock made of an atomic flag (vgspinlock.c) is
 * kept but marked likely benign, with the reason: it does not count at the gate or in the
 * exit status. Without stored facts nothing is marked. */
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

/* Both racing lines access memory only through atomic operations in the static facts: a
 * flag spun on by test-and-set and cleared, a ready flag stored with release and loaded
 * with acquire. Two atomic operations never race, whatever object Valgrind names (often
 * not the one the facts name: a member reached through a parameter, `s->built`, is the
 * global array `shards` to Valgrind, so atomic_reason cannot match it). */
static char *atomic_lines_reason(struct facts_at *fc, const struct finding *f, int *err)
{
	const struct location *s[2];
	if (vg_sides(f, s) != 2)
		return NULL;
	for (int i = 0; i < 2; i++) {
		if (!s[i]->file || s[i]->line <= 0)
			return NULL;
		char *file = absolute(fc->root, s[i]->file);
		struct stored_access_list at = {0};
		*err |= store_accesses_at(fc->st, file, s[i]->line, &at) != 0;
		int atomic = !*err && all_atomic(&at);
		stored_access_list_free(&at);
		free(file);
		if (!atomic)
			return NULL;
	}
	return xasprintf("likely benign: the static pass sees only atomic operations at both lines "
	                 "(%s:%d and %s:%d), which Valgrind does not model", s[0]->file, s[0]->line,
	                 s[1]->file, s[1]->line);
}

static int check(struct facts_at *fc, struct finding *f)
{
	int err = 0;
	char *reason = atomic_reason(fc->st, fc->root, f, &err);
	if (!reason && !err)
		reason = atomic_lines_reason(fc, f, &err);
	char *(*const judges[])(struct facts_at *, const struct finding *) = {
		vg_once_ordered, vg_lazy_publication, vg_filled_before_threads, vg_rwlock_exclusive,
		vg_refcounted_free, vg_flag_lock_held, vg_pipe_handover, NULL};
	for (int j = 0; !reason && !err && judges[j]; j++)
		reason = judges[j](fc, f);
	if (reason)
		vg_mark_benign_reason(f, reason);
	return err || fc->err ? -1 : 0;
}

int vg_mark_benign(struct facts_at *fc, struct finding_list *l, const struct finding_list *known)
{
	int rc = 0;
	for (int i = 0; i < l->n && !rc; i++) {
		struct finding *f = &l->items[i];
		if (str_eq(f->rule, "data-race") && !f->suppressed)
			rc = check(fc, f);
	}
	vg_wait_echoes(fc, l);
	vg_cleanup_unlocks(fc, l);
	vg_destroy_echoes(fc, l, known);
	/* once the races that stay are known: those that are only another's consequence */
	for (int i = 0; i < l->n && !rc; i++) {
		struct finding *f = &l->items[i];
		char *reason = str_eq(f->rule, "data-race") && !f->suppressed
			? vg_consequence(fc, f, l, known) : NULL;
		if (!reason && str_eq(f->rule, "data-race") && !f->suppressed)
			reason = vg_mtunsafe_consequence(fc, f, l, known);
		if (reason)
			vg_mark_benign_reason(f, reason);
	}
	return rc || fc->err ? -1 : 0;
}
