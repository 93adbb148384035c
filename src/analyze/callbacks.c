/* callbacks.c — functions the program hands to code outside it, which calls them back,
 * within the call or later from a thread of its own: `event_set(&ev, fd, flags, on_event,
 * conn)`, `signal(SIGTERM, on_term)`, `twalk(root, visit)`. When no root reaches such a
 * function, what it runs is no thread's code and is never checked for races: a clean
 * result must not hide that. Each one whose code (with what it calls) could race with the
 * program's analysed threads on a global or static (plain accesses, a write on one side)
 * is a note naming it and how much it leaves unchecked, counted on the summary line. A callback reached some other way, or one
 * that shares nothing with the threads (a qsort comparator, a crash handler's own state),
 * says nothing; nor does a once routine (pthread_once runs it inside the call). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int runs_inside_the_call(const struct event *call)
{
	return str_eq(call->name, "pthread_once") || str_eq(call->name, "call_once");
}

static int named_storage(const char *path)
{
	return path && (str_starts(path, "g:") || str_starts(path, "s:") || str_starts(path, "fs:"));
}

enum { USED = 1, WRITTEN = 2 };    /* how the analysed threads access a global */

/* The globals and statics some analysed thread accesses, and whether one writes it plainly. */
static void thread_objects(const struct analysis *a, struct keymap *out)
{
	for (int i = 0; i < a->nacc; i++) {
		const struct access_rec *r = &a->acc[i];
		if (a->ctxs[r->ctx]->kind != CTX_THREAD || !named_storage(r->object))
			continue;
		int how = USED;
		keymap_get_str(out, r->object, &how);
		keymap_put_str(out, r->object, how | (r->write && !r->atomic ? WRITTEN : 0));
	}
}

/* Accesses of fn that could race with the threads': plain, to a global they use, and a
 * write on one side at least (reading what the threads only read is no race). */
static int shared_with_threads(const struct function *fn, const struct keymap *objects)
{
	int n = 0;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			int how;
			if (ev->kind == EV_ACCESS && !(ev->flags & EVF_ATOMIC) && named_storage(ev->path) &&
			    keymap_get_str(objects, ev->path, &how))
				n += (ev->flags & EVF_WRITE) || (how & WRITTEN);
		}
	return n;
}

/* The definitions no root reached that the callback runs (itself included), marked in
 * `seen`; *shared counts their accesses to what the threads use. */
static int unseen_code(const struct analysis *a, const struct call_graph *g, int from,
                       const struct keymap *objects, unsigned char *seen, int *shared)
{
	int *stack = xcalloc((size_t)a->ix.nfns, sizeof *stack), n = 0, count = 0;
	stack[n++] = from;
	seen[from] = 1;
	*shared = 0;
	while (n) {
		int k = stack[--n];
		count++;
		*shared += shared_with_threads(a->ix.fns[k].fn, objects);
		for (int i = g->first[k]; i < g->first[k + 1]; i++) {
			int c = g->callee[i];
			if (!seen[c] && !a->reached[c]) {
				seen[c] = 1;
				stack[n++] = c;
			}
		}
	}
	free(stack);
	return count;
}

static void note_callback(struct analysis *a, const struct function *caller, const struct event *call,
                          const struct fn_ref *cb, int functions, int shared)
{
	char *msg = xasprintf("'%s' is handed to '%s', outside the program, which calls it back: "
	                      "tsafe does not follow it, so it and what it calls (%d function%s, "
	                      "%d access%s that could race with the program's threads) are not checked "
	                      "for races", cb->fn->name, call->name ? call->name : "?", functions,
	                      functions == 1 ? "" : "s", shared, shared == 1 ? "" : "es");
	struct finding *f = emit_finding(a, "callback-unfollowed", msg, cb->fn->name);
	emit_location(a, f, caller, call, "handed over here");
	free(msg);
}

/* The callbacks one call outside the program receives. */
static void check_call(struct analysis *a, const struct call_graph *g, const struct keymap *objects,
                       const struct fn_ref *caller, const struct event *ev, unsigned char *noted)
{
	if (ev->kind != EV_CALL || !ev->callee || runs_inside_the_call(ev) ||
	    index_resolve(&a->ix, ev->callee, caller->tu))
		return;
	for (int i = 0; i < ev->nargs; i++) {
		const char *p = ev->args[i].path;
		if (!p || !str_starts(p, "fn:"))
			continue;
		const struct fn_ref *cb = index_resolve(&a->ix, p + 3, caller->tu);
		int k = cb ? index_of_ref(&a->ix, cb) : -1;
		if (k < 0 || a->reached[k] || noted[k])
			continue;
		unsigned char *seen = xcalloc((size_t)a->ix.nfns, 1);
		int shared, functions = unseen_code(a, g, k, objects, seen, &shared);
		free(seen);
		noted[k] = 1;
		if (shared)
			note_callback(a, caller->fn, ev, cb, functions, shared);
	}
}

void check_unfollowed_callbacks(struct analysis *a)
{
	if (!a->ix.nfns)
		return;
	struct keymap objects = {0};
	thread_objects(a, &objects);
	struct call_graph g;
	call_graph_build(&a->ix, &g);
	unsigned char *noted = xcalloc((size_t)a->ix.nfns, 1);
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct function *fn = a->ix.fns[k].fn;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents; e++)
				check_call(a, &g, &objects, &a->ix.fns[k], &fn->blocks[b].events[e], noted);
	}
	free(noted);
	call_graph_free(&g);
	keymap_free(&objects);
}
