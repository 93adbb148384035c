/* handover.c — ownership transfer through a locked container (RacerD's ownership): an
 * object a thread takes out of a shared queue or list under the container's lock is that
 * thread's alone afterwards, so its accesses through the local that took it race with no
 * one. The extractor marks each take (`v = P; … P = v->next;`, extract/takes.c) and names
 * the object "l:FUNC:v@take"; here a take counts only when it is certain: some lock is held
 * for sure where P is unlinked, and nothing between reading P and unlinking it can have
 * released a lock (no unlock, no condition wait, no call that may do either) nor acquired
 * one, so the read and the unlink are one critical section. A ring's pop (`v = Q[H]; …
 * H = (H + 1) % N;`) is a take of the element at the head, judged the same way. Otherwise the taken object is what P designated
 * and its accesses are checked as such. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { TAKE_UNSEEN, TAKE_OWNED, TAKE_SHARED };

enum { RELEASE_DEPTH = 4 };     /* calls followed to see whether they may release a lock */

void takes_init(struct take_state *t, const struct function *fn)
{
	memset(t, 0, sizeof *t);
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind != EV_TAKE || !ev->arg || !ev->path)
				continue;
			grow_array((void **)&t->v, &t->cap, t->n, sizeof *t->v);
			t->v[t->n].ev = ev;
			t->v[t->n].verdict = TAKE_UNSEEN;
			t->n++;
		}
}

void takes_free(struct take_state *t)
{
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* Could a call of fn release a lock (an unlock, a condition wait, a call through a pointer
 * or deeper than we look)? */
static int may_release(const struct analysis *a, const struct fn_ref *r, int depth)
{
	if (depth <= 0)
		return 1;
	const struct function *fn = r->fn;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind == EV_UNLOCK || ev->kind == EV_COND_WAIT)
				return 1;
			if (ev->kind != EV_CALL)
				continue;
			if (!ev->callee)
				return 1;
			const struct fn_ref *c = index_resolve(&a->ix, ev->callee, r->tu);
			if (c && c->fn != fn && may_release(a, c, depth - 1))
				return 1;
		}
	return 0;
}

/* Does ev end the critical section the slot was read in? A release does; so does an
 * acquire: the lock held at the take may have been taken after the read (a read outside
 * the lock, the head advanced under it). */
static int releases(const struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (ev->kind == EV_UNLOCK || ev->kind == EV_COND_WAIT || ev->kind == EV_LOCK)
		return 1;
	if (ev->kind != EV_CALL)
		return 0;
	if (!ev->callee)
		return 1;
	const struct fn_ref *c = index_resolve(&a->ix, ev->callee, f->tu);
	return c && may_release(a, c, RELEASE_DEPTH);
}

/* A walk of the CFG from just after event `from` (block b, index i): does some path reach
 * event `to` without passing `from` again (a later iteration) and, when `release` is set,
 * through an event that may release a lock? The first release met restarts the walk from
 * it, looking for `to` alone. */
struct walk {
	const struct analysis *a;
	const struct activation *f;
	const struct event *from, *to;
	unsigned char *seen;
};

static int walk_from(struct walk *w, int b, int i, int release)
{
	const struct block *blk = &w->f->fn->blocks[b];
	for (; i < blk->nevents; i++) {
		const struct event *ev = &blk->events[i];
		if (ev == w->to)
			return !release;
		if (ev == w->from)
			return 0;
		if (release && releases(w->a, w->f, ev)) {
			int n = w->f->fn->nblocks;
			unsigned char *seen = w->seen;
			w->seen = xcalloc((size_t)n, 1);
			int hit = walk_from(w, b, i + 1, 0);
			free(w->seen);
			w->seen = seen;
			if (hit)
				return 1;
		}
	}
	for (int k = 0; k < blk->nsuccs; k++) {
		int s = blk->succs[k];
		if (w->seen[s])
			continue;
		w->seen[s] = 1;
		if (walk_from(w, s, 0, release))
			return 1;
	}
	return 0;
}

/* Can a lock have been released on some path from the read of the slot (the event at pos
 * `load`) to the take? Unknown reads count as yes. */
static int released_between(const struct analysis *a, const struct activation *f, int load,
                            const struct event *take)
{
	const struct function *fn = f->fn;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->pos != load)
				continue;
			struct walk w = {.a = a, .f = f, .from = ev, .to = take,
			                 .seen = xcalloc((size_t)fn->nblocks, 1)};
			int hit = walk_from(&w, b, e + 1, 1);
			free(w.seen);
			return hit;
		}
	return 1;
}

static int some_lock_held(const struct analysis *a, const struct lstate *s)
{
	for (int i = 0; i < s->n; i++) {
		const struct lock_key *k = &a->lock_keys[s->e[i].key];
		if (s->e[i].mask == LS_HELD && (k->kind != LK_SEM || k->binary_sem))
			return 1;
	}
	return 0;
}

void takes_visit(const struct analysis *a, const struct activation *f, const struct event *ev,
                 const struct lstate *s)
{
	struct take_state *t = f->takes;
	for (int i = 0; t && i < t->n; i++) {
		if (t->v[i].ev != ev || t->v[i].verdict == TAKE_SHARED)
			continue;
		/* the read of the slot is the last event before the assignment that took it */
		int owned = some_lock_held(a, s) &&
		            !released_between(a, f, atoi(ev->api ? ev->api : "0") - 1, ev);
		t->v[i].verdict = owned ? TAKE_OWNED : TAKE_SHARED;
	}
}

/* Length of the taken-object root at p ("l:FUNC:v@take"), or 0. */
static size_t take_root(const char *p)
{
	if (!str_starts(p, "l:"))
		return 0;
	size_t n = strcspn(p, ".*[");
	return n > 5 && !strncmp(p + n - 5, "@take", 5) ? n : 0;
}

int takes_resolve(const struct activation *f, const char *path, struct strbuf *sb,
                  int (*frame_path_sb)(const struct activation *, const char *, struct strbuf *))
{
	int amp = path[0] == '&';
	const char *p = path + amp;
	size_t n = take_root(p);
	if (!n)
		return 0;
	const struct event *take = NULL;
	int verdict = TAKE_UNSEEN;
	for (int i = 0; f->takes && i < f->takes->n; i++)
		if (strlen(f->takes->v[i].ev->arg) == n && !strncmp(f->takes->v[i].ev->arg, p, n)) {
			take = f->takes->v[i].ev;
			verdict = f->takes->v[i].verdict;
		}
	if (!take || verdict == TAKE_OWNED)
		return 0;
	/* Not surely the taker's: the object the slot designated, "P" + the rest. */
	char *was = xasprintf("%s%s%s", amp ? "&" : "", take->path, p + n);
	int r = frame_path_sb(f, was, sb);
	free(was);
	return r ? -1 : 1;
}

char *takes_slot_path(const struct activation *f, const char *path)
{
	const char *p = path ? path + (path[0] == '&') : "";
	size_t n = take_root(p);
	for (int i = 0; n && f->takes && i < f->takes->n; i++) {
		const struct event *take = f->takes->v[i].ev;
		if (strlen(take->arg) != n || strncmp(take->arg, p, n) != 0)
			continue;
		char *was = xasprintf("%s%s%s", path[0] == '&' ? "&" : "", take->path, p + n);
		char *r = frame_path(f, was);
		free(was);
		return r;
	}
	return NULL;
}
