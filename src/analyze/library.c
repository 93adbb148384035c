/* library.c — code without a main to call it: a library, or the library units of a compile
 * database whose exported functions no program root reaches. Any number of its callers'
 * threads may run that API at once, alongside each other and themselves (RacerD's
 * assumption for a class that declares itself thread-safe by taking locks).
 *
 * To stay actionable, not every exported function counts: only the API's entry points
 * (exported, defined in a unit without main that some program uses and that is not in a
 * main's directory — any, when nothing defines main — called by nothing in the program,
 * reached by no program root) that take a lock (themselves or in what they call), and those that
 * touch a global the locking ones touch under a lock (the unlocked getter next to the
 * locked setter). A library that never locks makes no claim to be thread-safe, and is left
 * alone. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Per definition: does it, or anything it calls directly, take a lock? */
static unsigned char *lock_takers(const struct program_index *ix, const struct call_graph *g)
{
	int n = ix->nfns;
	unsigned char *takes = xcalloc((size_t)(n ? n : 1), 1);
	for (int k = 0; k < n; k++)
		takes[k] = fn_has_event(ix->fns[k].fn, EV_LOCK);
	call_graph_close_flags(g, n, takes);
	return takes;
}

/* The length of a path's directory part, its last '/' included ("src/a.c" -> 4). */
static size_t dir_length(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? (size_t)(slash - path + 1) : 0;
}

/* A unit in the directory of a unit defining main is that program's own code, not a
 * library it links: what it exports and main never reaches is dead code there, not an API
 * other threads call. */
static int beside_a_main(const struct program_index *ix, int t)
{
	const char *file = ix->tus[t].file;
	size_t n = dir_length(file);
	for (int m = 0; m < ix->ntus && file; m++)
		if (ix->tu_has_main[m] && ix->tus[m].file && dir_length(ix->tus[m].file) == n &&
		    !strncmp(ix->tus[m].file, file, n))
			return 1;
	return 0;
}

/* Units that are a library here: all of them when no unit defines main; else those a
 * program uses (one of its functions was reached) that do not sit beside a main, the
 * others being no one's library (a fuzz target, a plugin whose host is elsewhere). */
static unsigned char *library_units(const struct analysis *a)
{
	unsigned char *used = xcalloc((size_t)(a->ix.ntus ? a->ix.ntus : 1), 1);
	int any_main = 0;
	for (int t = 0; t < a->ix.ntus; t++)
		any_main |= a->ix.tu_has_main[t];
	for (int k = 0; k < a->ix.nfns; k++)
		if (!any_main || a->reached[k])
			used[a->ix.fns[k].tu] = 1;
	for (int t = 0; t < a->ix.ntus && any_main; t++)
		if (used[t] && beside_a_main(&a->ix, t))
			used[t] = 0;
	return used;
}

static int api_entry(const struct analysis *a, const struct call_graph *g, const unsigned char *units,
                     int k)
{
	const struct fn_ref *r = &a->ix.fns[k];
	if (a->reached[k] || g->callers[k] || (r->fn->flags & FNF_STATIC) || a->ix.tu_has_main[r->tu] ||
	    !units[r->tu] ||
	    str_eq(r->fn->name, "main") || r->fn->nblocks == 0)
		return 0;
	int first;                        /* a header's function parsed in several units: once */
	return !r->fn->usr || !keymap_get_str(&a->ix.by_usr, r->fn->usr, &first) || first == k;
}

/* The library's API threads descend from a root of their own (never walked: the library's
 * callers are not in the program), a program apart from any main's. */
static struct context *library_context(struct analysis *a, int k, struct context **root)
{
	if (!*root)
		*root = new_context(a, CTX_MAIN, &a->ix.fns[k]);
	struct context *c = new_context(a, CTX_THREAD, &a->ix.fns[k]);
	c->library = 1;
	c->multi = 1;
	c->reaches = 2;                   /* any number of callers */
	c->unbounded = 1;
	c->parent = *root;
	c->program = (*root)->id;
	return c;
}

/* Globals and statics the library's locking entry points touch holding a lock. */
static void locked_objects(const struct analysis *a, int from_acc, struct keymap *out)
{
	for (int i = from_acc; i < a->nacc; i++)
		if (a->acc[i].nlocks && a->acc[i].object[0] != '~')
			keymap_put_str(out, a->acc[i].object, 1);
}

static int touches(const struct analysis *a, int from_acc, const struct keymap *objects)
{
	for (int i = from_acc; i < a->nacc; i++)
		if (keymap_get_str(objects, a->acc[i].object, NULL))
			return 1;
	return 0;
}

void contexts_add_library(struct analysis *a)
{
	struct call_graph g;
	call_graph_build(&a->ix, &g);
	unsigned char *takes = lock_takers(&a->ix, &g);
	unsigned char *entry = xcalloc((size_t)(a->ix.nfns ? a->ix.nfns : 1), 1);
	unsigned char *units = library_units(a);
	for (int k = 0; k < a->ix.nfns; k++)
		entry[k] = api_entry(a, &g, units, k);
	free(units);
	struct context *root = NULL;
	int first_acc = a->nacc;
	for (int k = 0; k < a->ix.nfns; k++) {
		if (!entry[k] || !takes[k])
			continue;
		/* The API's threads are all alike (any number, alongside each other and themselves,
		 * in a program of their own): what a callee does in one stands for all, so each
		 * callee frame is solved and reported once, not once per entry point that calls
		 * it (on a large library, thousands of entries reach one logging module). The
		 * second kind below is not shared: its records may be taken back. */
		struct context *c = library_context(a, k, &root);
		c->shares_frames = 1;
		run_thread(a, c);
	}
	struct keymap locked = {0};
	locked_objects(a, first_acc, &locked);
	for (int k = 0; k < a->ix.nfns && root; k++) {
		if (!entry[k] || takes[k])
			continue;
		int nacc = a->nacc, nedges = a->nedges;
		struct context *c = library_context(a, k, &root);
		run_thread(a, c);
		if (!touches(a, nacc, &locked)) {
			records_truncate(a, nacc, nedges);
			c->kind = CTX_ISOLATED;       /* not an API thread after all: counted nowhere */
		}
	}
	keymap_free(&locked);
	free(entry);
	free(takes);
	call_graph_free(&g);
}
