/* vgonce.c — a race with an access made inside a pthread_once/call_once initialiser. glibc
 * runs the initialiser once and makes every later pthread_once on the same once object
 * wait for it, with atomics Helgrind and DRD do not model; so they report the
 * initialiser's writes (a table filled, a block allocated and filled, a lock made) against
 * any later use. Such a race is likely benign when the static facts show that the other
 * access is ordered after the same once object's pthread_once: it is inside that once
 * object's initialiser too (which runs once), or some caller on its stack called
 * pthread_once on that object (or called a function that does, on every path: an accessor
 * such as config_get()) on every path to the call that led to it.
 *
 * The once object is the first argument of the pthread_once call that Valgrind's stack
 * shows running the initialiser (the user frame just below the C library's once frames),
 * read from the facts at that call's line. Two different once objects guard nothing
 * between them: a function run through two of them is run twice, and can race with
 * itself. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"

static const char *const once_apis[] = {"pthread_once", "call_once", NULL};

static int is_once_name(const char *fn)
{
	static const char *const inner[] = {"__pthread_once_slow", "__call_once", NULL};
	for (int i = 0; fn && once_apis[i]; i++)
		if (!strcmp(fn, once_apis[i]) || !strcmp(fn, inner[i]) ||
		    (str_starts(fn, once_apis[i]) && fn[strlen(once_apis[i])] == '@'))
			return 1;
	return 0;
}

/* A once object the facts can name across functions: a global or static variable. */
static char *once_object(const struct event *ev)
{
	if (ev->kind != EV_CALL || !ev->nargs || !ev->args[0].path)
		return NULL;
	int api = 0;
	for (int i = 0; once_apis[i] && !api; i++)
		api = str_eq(ev->name, once_apis[i]);
	const char *p = ev->args[0].path;
	p += *p == '&';
	if (!api || !(str_starts(p, "g:") || str_starts(p, "s:") || str_starts(p, "fs:")))
		return NULL;
	return xstrdup(p);
}

struct once_query {
	struct facts_at *fc;
	const char *object;
	int depth;                   /* calls followed so far */
};

/* pthread_once(object), or a call of a function that calls it on every path before it
 * returns (a `config_get()` accessor), a few calls deep. */
static int calls_once_on(const struct event *ev, const void *arg)
{
	const struct once_query *q = arg;
	char *o = once_object(ev);
	int yes = o && !strcmp(o, q->object);
	free(o);
	if (yes || ev->kind != EV_CALL || !ev->callee || q->depth >= 3)
		return yes;
	const struct function *callee = facts_function_by_usr(q->fc, ev->callee);
	struct once_query deeper = {q->fc, q->object, q->depth + 1};
	return callee && facts_always_passes(callee, calls_once_on, &deeper);
}

/* "…:acct_once" -> "acct_once". */
static const char *short_name(const char *path)
{
	const char *c = strrchr(path, ':');
	return c ? c + 1 : path;
}

/* The once object whose initialiser a side ran in (new string), or NULL. */
static char *initialiser_of(struct facts_at *fc, const struct location *side)
{
	for (int j = 1; j < side->nstack; j++) {
		if (!is_once_name(side->stack[j].func))
			continue;
		for (int k = j + 1; k < side->nstack; k++) {
			const struct frame *caller = &side->stack[k];
			if (caller->line <= 0 || is_once_name(caller->func))
				continue;
			const struct function *fn = facts_function_at(fc, caller->file, caller->line);
			for (int b = 0; fn && b < fn->nblocks; b++)
				for (int i = 0; i < fn->blocks[b].nevents; i++) {
					const struct event *ev = &fn->blocks[b].events[i];
					char *o = ev->line == caller->line ? once_object(ev) : NULL;
					if (o)
						return o;
				}
			return NULL;
		}
	}
	return NULL;
}

/* Is the side ordered after pthread_once(object) returned, in its own thread? */
static int after_once(struct facts_at *fc, const struct location *side, const char *object)
{
	char *own = initialiser_of(fc, side);
	int same = own && !strcmp(own, object);
	free(own);
	if (same)
		return 1;
	for (int j = 0; j < side->nstack; j++) {
		const struct frame *fr = &side->stack[j];
		if (fr->line <= 0)
			continue;
		const struct function *fn = facts_function_at(fc, fr->file, fr->line);
		struct once_query q = {fc, object, 0};
		if (fn && facts_ordered_after(fn, fr->line, calls_once_on, &q))
			return 1;
	}
	return 0;
}


/* An access to a block allocated inside a once initialiser, whose other side Valgrind
 * kept no stack of (the allocator's fill, calloc's zeroing): benign when the access, a read
 * or a write, is ordered after pthread_once on that same object — the fill is the
 * initialiser's, and the initialiser returned before that pthread_once did. (A race between
 * two later accesses has both sides' stacks, and is judged as any other.) */
static char *access_of_once_block(struct facts_at *fc, const struct finding *f,
                                  const struct location *use)
{
	const struct location *alloc = NULL;
	for (int i = 0; i < f->nlocs && !alloc; i++)
		if (str_eq(f->locs[i].message, VG_ALLOC_MESSAGE))
			alloc = &f->locs[i];
	char *object = alloc ? initialiser_of(fc, alloc) : NULL;
	const char *what = use->message && str_starts(use->message, "write") ? "write" : "read";
	char *reason = object && after_once(fc, use, object)
		? xasprintf("likely benign: the block was allocated at %s:%d inside the initialiser "
		            "of once object '%s', and the %s is ordered after pthread_once on that "
		            "same object", alloc->file, alloc->line, short_name(object), what)
		: NULL;
	free(object);
	return reason;
}

char *vg_once_ordered(struct facts_at *fc, const struct finding *f)
{
	const struct location *s[2];
	int n = vg_sides(f, s);
	if (n == 1)
		return access_of_once_block(fc, f, s[0]);
	if (n != 2)
		return NULL;
	for (int k = 0; k < 2; k++) {
		char *object = initialiser_of(fc, s[k]);
		if (!object)
			continue;
		char *reason = NULL;
		if (after_once(fc, s[1 - k], object))
			reason = xasprintf("likely benign: %s() at %s:%d ran inside the initialiser of "
			                   "once object '%s', and the other access is ordered after "
			                   "pthread_once on that same object",
			                   s[k]->func, s[k]->file, s[k]->line, short_name(object));
		free(object);
		if (reason)
			return reason;
	}
	return NULL;
}
