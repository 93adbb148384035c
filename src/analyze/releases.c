/* releases.c — a release proves the acquire. A helper can return holding a lock on some of
 * its paths, as its result or an out-parameter says (pull(…, &out) leaves out.item locked
 * when it found one), a fact the lockset walk does not follow: after the call the lock is
 * only "maybe held". When every path from an access on, in its function or, once that
 * returns, in a caller, reaches a release of that lock before anything returns further
 * (the caller's `item_unlock(out.hv)` at its end), the code holds it there — a release of a
 * lock not held would be the bug, and the lockset counts the lock as held.
 *
 * Only locks in named storage (a global, a static, an element of a static array of locks)
 * are matched, by class: a release through a pointer names no object. Per (function,
 * class), computed on first use: the blocks from whose start every path releases it (or
 * ends the process). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct release_map {
	struct keymap at;            /* (fn index, class) -> index in v + 1 */
	struct {
		unsigned char *set;  /* per block: released on every path from its start */
		int busy;            /* being computed (recursion: not released) */
	} *v;
	int n, cap;
};

/* The class of a lock object named without a parameter, or NULL. New string. */
static char *named_class(const char *path)
{
	if (!path || str_starts(path, "p:") || strchr(path, '*'))
		return NULL;
	return instance_class(path);
}

/* A lock event or argument whose lock tsafe cannot name (a void * handed back by a trylock
 * helper): it may release whichever lock that helper took. */
static int unknown_lock(const char *path, const char *cls)
{
	char *c = named_class(path && path[0] == '&' ? path + 1 : path);
	int unknown = !c && (!cls || !*cls || str_eq(cls, "?"));
	free(c);
	return unknown;
}

static const unsigned char *released_blocks(struct analysis *a, int k, const char *what,
                                            int unknown_ok);

/* Does a call of the function at r release `what` on every path: itself, or the lock an
 * argument designates (its parameter "p:N*" released)? */
static int call_releases(struct analysis *a, const struct event *ev, const struct fn_ref *r,
                         const char *what, int unknown_ok)
{
	int k = index_of_ref(&a->ix, r);
	const unsigned char *rel = str_starts(what, "p:") ? NULL : released_blocks(a, k, what, 0);
	if (rel && rel[0])
		return 1;
	char param[24], buf[24];
	snprintf(param, sizeof param, "%.*s", (int)strcspn(what, "*"), what);
	for (int i = 0; i < ev->nargs && i < 64; i++) {
		const struct call_arg *arg = &ev->args[i];
		const char *p = arg->path ? arg->path : "?";
		int passes;
		if (str_starts(what, "p:")) {
			passes = str_eq(p, param);                 /* its own parameter passed on */
		} else {
			char *c = named_class(p[0] == '&' ? p + 1 : p);
			passes = (c && str_eq(c, what)) || (unknown_ok && unknown_lock(p, arg->lock_class));
			free(c);
		}
		if (!passes)
			continue;
		snprintf(buf, sizeof buf, "p:%d*", i);
		rel = released_blocks(a, k, buf, 0);
		if (rel && rel[0])
			return 1;
	}
	return 0;
}

/* Does the event release `what` (a named class, or "p:N*": the lock the function's
 * parameter N designates): an unlock of it, or a call of a function that does on every path?
 * With unknown_ok, an unlock of a lock tsafe cannot name counts too. */
static int event_releases(struct analysis *a, int tu, const struct event *ev, const char *what,
                          int unknown_ok)
{
	if (ev->kind == EV_UNLOCK) {
		if (str_starts(what, "p:"))
			return ev->path && str_eq(ev->path, what);
		char *c = named_class(ev->path);
		int yes = (c && str_eq(c, what)) || (unknown_ok && unknown_lock(ev->path, ev->lock_class));
		free(c);
		return yes;
	}
	if (ev->kind != EV_CALL || !ev->callee || (ev->flags & EVF_VIA_POINTER))
		return 0;
	const struct fn_ref *r = index_resolve_call(&a->ix, ev, tu);
	return r && r->fn->nblocks && call_releases(a, ev, r, what, unknown_ok);
}

static void compute(struct analysis *a, int k, const char *cls, int unknown_ok, unsigned char *rel)
{
	const struct function *fn = a->ix.fns[k].fn;
	int tu = a->ix.fns[k].tu;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents && !rel[b]; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			rel[b] = event_releases(a, tu, ev, cls, unknown_ok) || (ev->flags & EVF_NORETURN);
		}
	/* Backwards, from "every block releases" down (the greatest fixpoint: a loop releases
	 * when what follows it does, loops being taken to end): a block that does not release
	 * itself releases when all its successors do; the exit does not, nor code that can
	 * never reach it (a thread's endless loop), unless it releases itself. */
	int n = fn->nblocks;
	unsigned char *own = xcalloc((size_t)(n ? n : 1), 1);
	unsigned char *exits = xcalloc((size_t)(n ? n : 1), 1);
	if (n > 1)
		exits[1] = 1;
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = n - 1; b >= 0; b--)
			for (int s = 0; s < fn->blocks[b].nsuccs && !exits[b]; s++)
				if (exits[fn->blocks[b].succs[s]])
					exits[b] = changed = 1;
	}
	for (int b = 0; b < n; b++) {
		own[b] = rel[b];
		rel[b] = own[b] || (fn->blocks[b].nsuccs > 0 && exits[b]);
	}
	free(exits);
	for (int changed = 1; changed;) {
		changed = 0;
		for (int b = fn->nblocks - 1; b >= 0; b--) {
			const struct block *blk = &fn->blocks[b];
			if (own[b] || !rel[b])
				continue;
			for (int s = 0; s < blk->nsuccs; s++)
				if (!rel[blk->succs[s]]) {
					rel[b] = 0;
					changed = 1;
					break;
				}
		}
	}
	free(own);
}

static const unsigned char *released_blocks(struct analysis *a, int k, const char *cls,
                                            int unknown_ok)
{
	struct release_map *m = a->releases;
	if (!m)
		m = a->releases = xcalloc(1, sizeof *m);
	kb_reset(&a->kb);
	kb_int(&a->kb, k);
	kb_int(&a->kb, unknown_ok);
	kb_str(&a->kb, cls);
	struct hkey key = kb_hash(&a->kb);
	int at;
	if (keymap_get(&m->at, key, &at))
		return m->v[at - 1].busy ? NULL : m->v[at - 1].set;
	int i = m->n++;
	grow_array((void **)&m->v, &m->cap, i, sizeof *m->v);
	int nb = a->ix.fns[k].fn->nblocks;
	unsigned char *rel = xcalloc((size_t)(nb ? nb : 1), 1);
	m->v[i].set = rel;
	m->v[i].busy = 1;
	keymap_put(&m->at, key, i + 1);
	compute(a, k, cls, unknown_ok, rel);
	m->v[i].busy = 0;        /* m->v may have moved: index again */
	return rel;
}

/* Does every path after event ev (itself excluded) of frame f's function release cls? */
static int released_after_event(struct analysis *a, const struct activation *f,
                                const struct event *ev, const char *cls, int unknown_ok)
{
	for (int b = 0; b < f->fn->nblocks; b++) {
		const struct block *blk = &f->fn->blocks[b];
		if (ev < blk->events || ev >= blk->events + blk->nevents)
			continue;
		for (const struct event *e = ev + 1; e < blk->events + blk->nevents; e++)
			if (event_releases(a, f->tu, e, cls, unknown_ok) || (e->flags & EVF_NORETURN))
				return 1;
		const unsigned char *rel = released_blocks(a, f->fn_index, cls, unknown_ok);
		int all = rel && blk->nsuccs > 0;
		for (int s = 0; s < blk->nsuccs && all; s++)
			all = rel[blk->succs[s]];
		return all;
	}
	return 0;
}

int releases_prove_held(struct analysis *a, const struct activation *f, const struct event *ev,
                        const struct held *h)
{
	const char *cls = a->lock_keys[h->key].cls;
	if (!str_starts(cls, "global:") && !str_starts(cls, "static:"))
		return 0;
	/* A lock a trylock took may come back as a pointer the release goes through. */
	int unknown_ok = h->acq && (h->acq->flags & EVF_TRY);
	for (; f; ev = f->call, f = f->caller)
		if (released_after_event(a, f, ev, cls, unknown_ok))
			return 1;
	return 0;
}

void releases_free(struct analysis *a)
{
	struct release_map *m = a->releases;
	if (!m)
		return;
	for (int i = 0; i < m->n; i++)
		free(m->v[i].set);
	free(m->v);
	keymap_free(&m->at);
	free(m);
	a->releases = NULL;
}
