/* vgbenign.c — Valgrind's known false alarms, recognised with the static facts of the same
 * code (tsafe scan stored them in the database): Helgrind and DRD do not model C11/GCC
 * atomics (on x86 an atomic load or release store is a plain move), nor glibc's
 * pthread_once. A race on an object the static pass sees accessed only atomically, or
 * written only by a function nothing calls directly that Valgrind saw running inside
 * pthread_once/call_once, is kept but marked likely benign, with the reason: it does not
 * count at the gate or in the exit status. Without stored facts nothing is marked. */
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

static int is_once_frame(const char *fn)
{
	static const char *const names[] = {"pthread_once", "__pthread_once_slow", "call_once",
	                                    "__call_once", NULL};
	for (int i = 0; fn && names[i]; i++)
		if (!strcmp(fn, names[i]) || str_starts(fn, "pthread_once@"))
			return 1;
	return 0;
}

/* Did Valgrind see a side of the race in `func` running inside pthread_once/call_once? */
static int ran_under_once(const struct finding *f, const char *func)
{
	const struct location *s[2];
	int n = vg_sides(f, s);
	for (int i = 0; i < n; i++)
		for (int j = 1; j < s[i]->nstack; j++)
			if (str_eq(s[i]->stack[0].func, func) && is_once_frame(s[i]->stack[j].func))
				return 1;
	return 0;
}

/* The initialiser that writes the object, when every write is in one function nothing
 * calls directly and Valgrind saw it run under pthread_once; else NULL. */
static const char *once_writer(struct store *st, const struct finding *f,
                               const struct stored_access_list *a, int *err)
{
	const struct stored_access *w = NULL;
	for (int i = 0; i < a->n; i++) {
		if (!(a->items[i].flags & EVF_WRITE))
			continue;
		if (w && !str_eq(w->usr, a->items[i].usr))
			return NULL;
		w = &a->items[i];
	}
	if (!w || !ran_under_once(f, w->func))
		return NULL;
	int calls = store_direct_calls(st, w->usr);
	*err = calls < 0;
	return calls == 0 ? w->func : NULL;
}

void vg_mark_benign_reason(struct finding *f, char *reason)
{
	f->suppressed = 1;
	f->benign = 1;
	free(f->suppress_reason);
	f->suppress_reason = reason;
}

static int check(struct store *st, struct finding *f, const char *root)
{
	int err = 0;
	char *path = object_path(st, root, f, &err);
	if (!path)
		return err ? -1 : 0;
	struct stored_access_list a = {0};
	err = store_accesses_of(st, path, &a) != 0;
	const char *name = strrchr(path, ':') ? strrchr(path, ':') + 1 : path;
	const char *init = NULL;
	if (!err && all_atomic(&a))
		vg_mark_benign_reason(f, xasprintf("likely benign: the static pass sees '%s' accessed only through "
		                  "atomic operations, which Valgrind does not model", name));
	else if (!err && (init = once_writer(st, f, &a, &err)))
		vg_mark_benign_reason(f, xasprintf("likely benign: '%s' is written only by %s(), a pthread_once/"
		                  "call_once initialiser nothing else calls, and read after it", name, init));
	stored_access_list_free(&a);
	free(path);
	return err ? -1 : 0;
}

int vg_mark_benign(struct store *st, struct finding_list *l, const char *root)
{
	for (int i = 0; i < l->n; i++) {
		struct finding *f = &l->items[i];
		if (str_eq(f->rule, "data-race") && !f->suppressed && check(st, f, root))
			return -1;
	}
	return 0;
}
