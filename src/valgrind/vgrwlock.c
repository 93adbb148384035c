/* vgrwlock.c — a race between two accesses that hold one rwlock, one of them for writing.
 * A write lock excludes every other holder, readers included: a write made under the read
 * lock (a bug against the other readers) cannot run at once with a read made under the
 * write lock, nor the reverse. When Valgrind pairs exactly those two, the pair is kept but
 * marked likely benign, with the locks the static facts show each side holding (taken in
 * its own function or a caller on its stack); the write under the read lock is reported
 * where it races with another reader. Only a lock that is one object counts (a global or
 * static one): two holders of a struct field's class may hold two different locks. */
#include <stdlib.h>
#include <string.h>

#include "common/findkit.h"
#include "common/util.h"
#include "internal.h"

#define MAX_HELD VG_MAX_HELD

int vg_one_object(const char *cls)
{
	return str_starts(cls, "global:") || str_starts(cls, "static:");
}

int vg_held_by(struct facts_at *fc, const struct location *side, struct held_lock *out)
{
	int n = 0;
	for (int k = 0; k < side->nstack && n < MAX_HELD; k++) {
		const struct frame *fr = &side->stack[k];
		const struct function *fn = facts_function_at(fc, fr->file, fr->line);
		int b, i;
		if (fn && facts_first_event_at(fn, fr->line, &b, &i))
			n += facts_locks_held_at(fn, b, i, out + n, MAX_HELD - n);
	}
	/* named as the findings name them: paths relative to the root */
	for (int i = 0; i < n; i++)
		out[i].lock_class = root_relative_text(fc->root, out[i].lock_class);
	return n;
}

void vg_held_free(struct held_lock *h, int n)
{
	for (int i = 0; i < n; i++)
		free((char *)h[i].lock_class);
}

static const char *mode(int shared)
{
	return shared ? "for reading" : "for writing";
}

static const char *label(const char *cls)
{
	if (str_starts(cls, "field:"))
		return cls + 6;
	const char *c = strrchr(cls, ':');
	return c ? c + 1 : cls;
}

char *vg_rwlock_exclusive(struct facts_at *fc, const struct finding *f)
{
	const struct location *s[2];
	if (vg_sides(f, s) != 2)
		return NULL;
	struct held_lock a[MAX_HELD], b[MAX_HELD];
	int na = vg_held_by(fc, s[0], a), nb = vg_held_by(fc, s[1], b);
	char *reason = NULL;
	for (int i = 0; i < na && !reason; i++)
		for (int j = 0; j < nb && !reason; j++)
			if (str_eq(a[i].lock_class, b[j].lock_class) && vg_one_object(a[i].lock_class) &&
			    (!a[i].shared || !b[j].shared))
				reason = xasprintf("likely benign: %s:%d holds '%s' %s and %s:%d holds it %s: "
				                   "a write lock excludes every other holder, so the two "
				                   "cannot run at once", s[0]->file, s[0]->line,
				                   label(a[i].lock_class), mode(a[i].shared), s[1]->file,
				                   s[1]->line, mode(b[j].shared));
	vg_held_free(a, na);
	vg_held_free(b, nb);
	return reason;
}
