/* single_threaded.c — code that runs only while the process has no thread but its first:
 * what follows a check that ends the process once a thread was started.
 *
 *   - a "threads started" flag: a variable in static storage whose every write stores a
 *     nonzero constant (never cleared, never counted), written on every path to every thread
 *     creation of the program, in the creating function (a wrapper's `multithreaded = true;`
 *     before its pthread_create). While it is zero, no thread was created;
 *   - a check: a function that returns only on paths where it found the flag zero or called
 *     another check (the nonzero branch ends the process: abort(), a fatal log);
 *   - an event that every path from its function's entry reaches through a call of a check,
 *     with no thread creation on the way, runs before any thread exists, and so does all that
 *     a call made there runs (OVS's fatal_signal_init: assert_single_threaded(), then its
 *     setup). An access there races with nothing, whichever thread calls the function: were
 *     any thread running, the check would have ended the process.
 * A frame called from there is walked apart from other calls of its function (the walk's
 * memo tells them apart), so a helper the checked setup shares with code that runs in
 * threads keeps its races there. Threads that code outside the program starts (a library's
 * own) set no flag: they are not modelled anywhere. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct single_threaded {
	struct keymap flags;         /* path -> 1: a threads-started flag */
	int nflags;
	unsigned char *check;        /* per index fn: a check */
	unsigned char **alone;       /* per index fn: per event pos, after a check (NULL: none) */
};

/* A whole variable in static storage: "g:NAME", "s:FILE:NAME", "fs:FILE:FUNC:NAME". */
static int static_variable(const char *path)
{
	if (!path || !(str_starts(path, "g:") || str_starts(path, "s:") || str_starts(path, "fs:")))
		return 0;
	const char *name = strrchr(path, ':') + 1;
	return *name && !strpbrk(name, ".*[&");
}

static int sets_nonzero(const struct event *ev)
{
	if (ev->flags & EVF_READ || !ev->api || ev->api[0] != '=')
		return 0;
	char *end;
	long long v = strtoll(ev->api + 1, &end, 0);
	return end != ev->api + 1 && !*end && v != 0;
}

/* Variables in static storage only ever set to nonzero constants: 1 in *cand; 2 when some
 * other write rules them out. */
static void candidates(const struct analysis *a, struct keymap *cand)
{
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct function *fn = a->ix.fns[k].fn;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				if (ev->kind != EV_ACCESS || !(ev->flags & EVF_WRITE) ||
				    !static_variable(ev->path))
					continue;
				int v = 0;
				keymap_get_str(cand, ev->path, &v);
				if (v != 2)
					keymap_put_str(cand, ev->path, sets_nonzero(ev) ? 1 : 2);
			}
	}
}

/* Searches the paths of fn from its entry event by event: step says of each whether the
 * path stops there (STOP) or reached what is sought (FOUND). Did some path reach it? */
enum { GO, STOP, FOUND };

static int some_path(const struct function *fn, int (*step)(const struct event *ev, void *ctx),
                     void *ctx)
{
	if (fn->nblocks == 0)
		return 0;
	unsigned char *seen = xcalloc((size_t)fn->nblocks, 1);
	int *todo = xcalloc((size_t)fn->nblocks, sizeof *todo), n = 0, found = 0;
	todo[n++] = 0;
	seen[0] = 1;
	while (n && !found) {
		const struct block *blk = &fn->blocks[todo[--n]];
		int at = GO;
		for (int e = 0; e < blk->nevents && at == GO; e++)
			at = step(&blk->events[e], ctx);
		found = at == FOUND;
		for (int s = 0; s < blk->nsuccs && at == GO; s++)
			if (!seen[blk->succs[s]]) {
				seen[blk->succs[s]] = 1;
				todo[n++] = blk->succs[s];
			}
	}
	free(seen);
	free(todo);
	return found;
}

struct unset_path {
	const struct event *target;
	const char *path;
};

/* Reaching target without a write of path first. */
static int unset_step(const struct event *ev, void *ctx)
{
	const struct unset_path *u = ctx;
	if (ev == u->target)
		return FOUND;
	return ev->kind == EV_ACCESS && (ev->flags & EVF_WRITE) && str_eq(ev->path, u->path) ? STOP : GO;
}

/* Does fn write path before every creation it holds? (1 when it holds none.) */
static int set_before_creations(const struct function *fn, const char *path)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			struct unset_path u = { ev, path };
			if (ev->kind == EV_THREAD_CREATE && some_path(fn, unset_step, &u))
				return 0;
		}
	return 1;
}

/* The flags: candidates every creating function sets before each of its creations. */
static void find_flags(struct analysis *a, struct single_threaded *st)
{
	struct keymap cand = {0};
	candidates(a, &cand);
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct function *fn = a->ix.fns[k].fn;
		if (!fn_has_event(fn, EV_THREAD_CREATE))
			continue;
		for (int b = 0; b < fn->nblocks; b++)       /* only what this creator sets can be one */
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				int v = 0;
				if (ev->kind != EV_ACCESS || !keymap_get_str(&cand, ev->path, &v) || v != 1)
					continue;
				int all = 1;
				for (int j = 0; j < a->ix.nfns && all; j++)
					if (fn_has_event(a->ix.fns[j].fn, EV_THREAD_CREATE))
						all = set_before_creations(a->ix.fns[j].fn, ev->path);
				keymap_put_str(&cand, ev->path, all ? 3 : 2);
				if (all && !keymap_get_str(&st->flags, ev->path, &v)) {
					keymap_put_str(&st->flags, ev->path, 1);
					st->nflags++;
				}
			}
	}
	keymap_free(&cand);
}

static int calls_check(struct analysis *a, const struct single_threaded *st, int tu,
                       const struct event *ev)
{
	if (ev->kind != EV_CALL || (ev->flags & EVF_VIA_POINTER))
		return 0;
	const struct fn_ref *r = index_resolve_call(&a->ix, ev, tu);
	return r && st->check[index_of_ref(&a->ix, r)];
}

/* Where a path of a check stops: the flag tested zero, a check called, the process ended. */
static int stops(struct analysis *a, const struct single_threaded *st, int tu, const struct event *ev)
{
	int v;
	if (ev->kind == EV_ASSUME && !(ev->flags & (EVF_TRUE | EVF_KILL)) && ev->path &&
	    str_starts(ev->path, "o:") && keymap_get_str(&st->flags, ev->path + 2, &v))
		return 1;
	return (ev->flags & EVF_NORETURN) || calls_check(a, st, tu, ev);
}

struct check_path {
	struct analysis *a;
	const struct single_threaded *st;
	int tu;
};

/* Returning without having stopped. */
static int return_step(const struct event *ev, void *ctx)
{
	const struct check_path *c = ctx;
	if (stops(c->a, c->st, c->tu, ev) || (ev->kind == EV_RETURN && (ev->flags & EVF_THREAD_EXIT)))
		return STOP;
	return ev->kind == EV_RETURN ? FOUND : GO;
}

/* Does definition k test the flag (or call a check) and return only past such a stop? */
static int is_check(struct analysis *a, const struct single_threaded *st, int k)
{
	const struct function *fn = a->ix.fns[k].fn;
	int tu = a->ix.fns[k].tu, tests = 0;
	for (int b = 0; b < fn->nblocks && !tests; b++)
		for (int e = 0; e < fn->blocks[b].nevents && !tests; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			tests = (ev->kind == EV_ASSUME && stops(a, st, tu, ev)) || calls_check(a, st, tu, ev);
		}
	if (!tests)
		return 0;
	struct check_path c = { a, st, tu };
	return !some_path(fn, return_step, &c);
}

static int check_call(const struct event *ev, void *ctx)
{
	const struct check_path *c = ctx;
	return calls_check(c->a, c->st, c->tu, ev);
}

/* alone[pos] for definition k: every path from its entry to the event passed a check call;
 * NULL when it calls none. */
static unsigned char *events_alone(struct analysis *a, const struct single_threaded *st, int k)
{
	const struct function *fn = a->ix.fns[k].fn;
	struct check_path c = { a, st, a->ix.fns[k].tu };
	int any = 0;
	for (int b = 0; b < fn->nblocks && !any; b++)
		for (int e = 0; e < fn->blocks[b].nevents && !any; e++)
			any = check_call(&fn->blocks[b].events[e], &c);
	return any ? events_past(fn, 1, check_call, &c) : NULL;
}

static struct single_threaded *build(struct analysis *a)
{
	struct single_threaded *st = xcalloc(1, sizeof *st);
	int n = a->ix.nfns ? a->ix.nfns : 1;
	st->check = xcalloc((size_t)n, 1);
	st->alone = xcalloc((size_t)n, sizeof *st->alone);
	find_flags(a, st);
	if (!st->nflags)
		return st;
	for (int changed = 1; changed;) {               /* checks that call checks */
		changed = 0;
		for (int k = 0; k < a->ix.nfns; k++)
			if (!st->check[k] && a->ix.fns[k].fn->nblocks > 0 && is_check(a, st, k))
				st->check[k] = changed = 1;
	}
	for (int k = 0; k < a->ix.nfns; k++)
		st->alone[k] = events_alone(a, st, k);
	return st;
}

int single_threaded_at(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (!a->single)
		a->single = build(a);
	if (!a->single->nflags || (f->after && f->after[ev->pos]))
		return 0;                       /* a thread may have been started on the way */
	const unsigned char *alone = a->single->alone[f->fn_index];
	return (alone && alone[ev->pos]) || f->alone;
}

void single_threaded_free(struct analysis *a)
{
	struct single_threaded *st = a->single;
	if (!st)
		return;
	for (int k = 0; k < a->ix.nfns; k++)
		free(st->alone[k]);
	free(st->alone);
	free(st->check);
	keymap_free(&st->flags);
	free(st);
	a->single = NULL;
}
