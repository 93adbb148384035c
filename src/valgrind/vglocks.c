/* vglocks.c — Valgrind's lock errors named as the other engines name them. Helgrind and DRD
 * identify a lock by its address only, so their misuse and lock-order findings carry no lock
 * class and could never be the static pass's or the runtime's finding of the same bug. With
 * the static facts in the database, a lock is named by the class the static pass gives the
 * line that takes, releases, waits on or makes it (the first location whose line names one),
 * a lock-order error by the classes of its acquisitions, and a thread by the entry function
 * its creation site starts ("thread #3 'worker' created at a.c:57"). */
#include <stdlib.h>
#include <string.h>

#include "common/identity.h"
#include "common/util.h"
#include "internal.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct classes of f's locations, sorted; how many. */
static int classes_of(struct facts_at *fc, const struct finding *f, char ***out)
{
	char **cls = NULL;
	int n = 0;
	for (int i = 0; i < f->nlocs; i++) {
		char *c = facts_lock_class_at(fc, f->locs[i].file, f->locs[i].line);
		int dup = 0;
		for (int k = 0; c && k < n && !dup; k++)
			dup = !strcmp(cls[k], c);
		if (!c || dup) {
			free(c);
			continue;
		}
		cls = append_zeroed(cls, &n, sizeof *cls);
		cls[n - 1] = c;
	}
	if (n)
		qsort(cls, (size_t)n, sizeof *cls, cmp_str);
	*out = cls;
	return n;
}

static char *label(const char *cls)
{
	if (str_starts(cls, "field:"))
		return xstrdup(cls + 6);
	const char *c = strrchr(cls, ':');
	return xstrdup(c ? c + 1 : cls);
}

/* A lock-order error: its classes as the symbol, "A -> B" from the smallest (one class: two
 * locks of one class, taken in both orders), and named in the message. */
static void name_order(struct finding *f, char **cls, int n)
{
	if (n < 1)
		return;
	struct strbuf sym, names;
	sb_init(&sym);
	sb_init(&names);
	for (int i = 0; i < n; i++) {
		char *l = label(cls[i]);
		sb_addf(&sym, "%s%s", i ? " -> " : "", cls[i]);
		sb_addf(&names, "%s'%s'", i ? (i == n - 1 ? " and " : ", ") : "", l);
		free(l);
	}
	char *msg = n == 1 ? xasprintf("lock-order inversion between two locks of %s: %s", names.buf,
	                               f->message)
	                   : xasprintf("lock-order inversion between %s: %s", names.buf, f->message);
	free(f->message);
	f->message = msg;
	free(f->symbol);
	f->symbol = sb_detach(&sym);
	sb_free(&names);
}

/* "thread #3 created at a.c:57" -> "thread #3 'worker' created at a.c:57". */
static void name_thread(struct facts_at *fc, struct location *loc)
{
	const char *at = loc->thread ? strstr(loc->thread, " created at ") : NULL;
	if (!at || !str_starts(loc->thread, "thread #") || strchr(loc->thread, '\''))
		return;
	const char *where = at + 12;
	const char *colon = strrchr(where, ':');
	if (!colon)
		return;
	char *file = xstrndup(where, (size_t)(colon - where));
	const char *entry = facts_thread_entry_at(fc, file, atoi(colon + 1));
	if (entry) {
		char *d = xasprintf("%.*s '%s'%s", (int)(at - loc->thread), loc->thread, entry, at);
		free(loc->thread);
		loc->thread = d;
	}
	free(file);
}

int vg_name_locks(struct facts_at *fc, struct finding_list *l)
{
	for (int i = 0; i < l->n; i++) {
		struct finding *f = &l->items[i];
		for (int k = 0; k < f->nlocs; k++)
			name_thread(fc, &f->locs[k]);
		/* Misuse of a rule, or a tool's own lock error kind (drd:MutexErr…). */
		const char *family = rule_family(f->rule);
		if (str_eq(f->rule, "data-race") || str_eq(family, "thread-leak") ||
		    (f->symbol && *f->symbol))
			continue;
		char **cls;
		int n = classes_of(fc, f, &cls);
		if (str_eq(family, "order")) {
			name_order(f, cls, n);
		} else if (n) {
			/* The class of the first location that names one. */
			for (int k = 0; k < f->nlocs; k++) {
				char *c = facts_lock_class_at(fc, f->locs[k].file, f->locs[k].line);
				if (c) {
					free(f->symbol);
					f->symbol = c;
					break;
				}
			}
		}
		for (int k = 0; k < n; k++)
			free(cls[k]);
		free(cls);
	}
	return fc->err ? -1 : 0;
}
