/* handoff_race.c — a block used after it was handed over. A context that allocated a
 * block and stored it into a shared slot (an EV_PUT: `pending = o`) has given it away: a
 * thread that takes it out of that slot under the container's lock (handover.c: the taken
 * object is the taker's own) may use it at once. An access of the giver to the block after
 * the put (`o->shipped_at = now` after queueing o) races with the taker's accesses to the
 * same member, unless a lock both hold or the threads' lifetimes order them. The taker's
 * accesses are named after its local (its own object), the giver's after the block, so
 * the ordinary object grouping never pairs them: this pass does. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct handoff_put {
	int ctx;
	struct when when;
	char *slot, *block;          /* root terms: where it was put, the block ("h:F:12") */
};

struct handoff_take {
	int ctx;
	char *slot, *root;           /* root terms: the slot, the taker's name of the object */
};

struct handoff {
	struct handoff_put *puts;
	int nputs, cap_puts;
	struct handoff_take *takes;
	int ntakes, cap_takes;
};

static struct handoff *state(struct analysis *a)
{
	if (!a->handoff)
		a->handoff = xcalloc(1, sizeof *a->handoff);
	return a->handoff;
}

void handoff_note_put(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (f->ctx->kind == CTX_ISOLATED)
		return;
	char *slot = frame_path(f, ev->path), *block = frame_path(f, ev->arg);
	if (!slot || !block || block[0] != '&' || slot[0] == '?' || slot[0] == '~') {
		free(slot);
		free(block);
		return;
	}
	struct handoff *h = state(a);
	for (int i = 0; i < h->nputs; i++)
		if (h->puts[i].ctx == f->ctx->id && str_eq(h->puts[i].slot, slot) &&
		    str_eq(h->puts[i].block, block + 1)) {
			free(slot);
			free(block);
			return;
		}
	grow_array((void **)&h->puts, &h->cap_puts, h->nputs, sizeof *h->puts);
	struct handoff_put *p = &h->puts[h->nputs++];
	p->ctx = f->ctx->id;
	frame_when(a, f, ev, &p->when);
	p->slot = slot;
	p->block = xstrdup(block + 1);
	free(block);
}

/* At a take the walk has judged: only a take that makes the object the taker's own (its
 * name keeps the invocation's owner prefix) hides it from the object grouping. */
void handoff_note_take(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (f->ctx->kind == CTX_ISOLATED)
		return;
	char *root = frame_path(f, ev->arg), *slot = frame_path(f, ev->path);
	if (!root || !slot || !owner_prefix(root) || !strstr(root, "@take") || slot[0] == '?') {
		free(root);
		free(slot);
		return;
	}
	struct handoff *h = state(a);
	for (int i = 0; i < h->ntakes; i++)
		if (h->takes[i].ctx == f->ctx->id && str_eq(h->takes[i].root, root)) {
			free(root);
			free(slot);
			return;
		}
	grow_array((void **)&h->takes, &h->cap_takes, h->ntakes, sizeof *h->takes);
	h->takes[h->ntakes++] = (struct handoff_take){.ctx = f->ctx->id, .slot = slot, .root = root};
}

/* The part of `object` below block ("h:F:12.next" -> ".next"), or NULL. */
static const char *below(const char *object, const char *block)
{
	size_t n = strlen(block);
	if (strncmp(object, block, n) != 0 || !(object[n] == '.' || object[n] == '[' || object[n] == '*'))
		return NULL;
	return object + n;
}

/* The taker's access y names the member the giver's x does: root "*" + the same part
 * (the taker holds a pointer to the block, the giver the block itself). */
static int same_member(const char *y, const char *root, const char *part)
{
	size_t n = strlen(root);
	return strncmp(y, root, n) == 0 && y[n] == '*' && str_eq(y + n + 1, part);
}

/* The taker's first access racing with x, or NULL. */
static const struct access_rec *taker_side(const struct analysis *a, const struct handoff_take *t,
                                           const struct access_rec *x, const char *part)
{
	for (int j = 0; j < a->nacc; j++) {
		const struct access_rec *y = &a->acc[j];
		if (y->ctx == t->ctx && same_member(y->object, t->root, part) && records_race(a, x, y))
			return y;
	}
	return NULL;
}

/* Does event ev of fn (or a function it calls) wait for another thread: a condition wait, a
 * join, a semaphore or barrier wait? The giver may be waiting for the taker to be done. */
static int waits_for_others(const struct analysis *a, const struct function *fn, int tu,
                            const struct event *ev)
{
	if (ev->kind == EV_COND_WAIT || ev->kind == EV_THREAD_JOIN)
		return 1;
	if (ev->kind != EV_CALL)
		return 0;
	if (str_eq(ev->name, "sem_wait") || str_eq(ev->name, "sem_timedwait") ||
	    str_eq(ev->name, "pthread_barrier_wait"))
		return 1;
	const struct fn_ref *c = ev->callee ? index_resolve(&a->ix, ev->callee, tu) : NULL;
	return c && c->fn != fn && (fn_has_event(c->fn, EV_COND_WAIT) || fn_has_event(c->fn, EV_THREAD_JOIN));
}

/* x comes after the put in the entry function's source order (later in the same iteration
 * of a loop that allocates and puts a block each time, or after that loop), and the giver
 * does not wait for another thread in between (a request handed over, then its answer
 * awaited). */
static int after_put(const struct analysis *a, const struct handoff_put *p, const struct access_rec *x)
{
	const struct when *put = &p->when, *at = &x->when;
	if (put->n <= 0 || at->n <= 0 || when_lv(at, 0)->pos <= when_lv(put, 0)->pos)
		return 0;
	const struct fn_ref *entry = a->ctxs[p->ctx]->entry;
	const struct function *fn = entry->fn;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->pos > when_lv(put, 0)->pos && ev->pos < when_lv(at, 0)->pos &&
			    waits_for_others(a, fn, entry->tu, ev))
				return 0;
		}
	return 1;
}

static void check_put(struct analysis *a, const struct handoff_put *p, struct keymap *reported)
{
	const struct handoff *h = a->handoff;
	for (int k = 0; k < h->ntakes; k++) {
		const struct handoff_take *t = &h->takes[k];
		if (t->ctx == p->ctx || a->ctxs[t->ctx]->program != a->ctxs[p->ctx]->program ||
		    !str_eq(t->slot, p->slot))
			continue;
		for (int i = 0; i < a->nacc; i++) {
			const struct access_rec *x = &a->acc[i];
			const char *part = x->ctx == p->ctx ? below(x->object, p->block) : NULL;
			if (!part || !after_put(a, p, x))
				continue;
			struct hkey key = hkey_of_pointer(x->ev);
			if (keymap_get(reported, key, NULL))
				continue;
			const struct access_rec *y = taker_side(a, t, x, part);
			if (!y)
				continue;
			keymap_put(reported, key, 1);
			races_report_pair(a, x, y, "used after it was handed to another thread: the "
			                  "taker may be using it at the same time");
		}
	}
}

void check_handoff_races(struct analysis *a)
{
	if (!a->handoff)
		return;
	struct keymap reported = {0};
	for (int i = 0; i < a->handoff->nputs; i++)
		check_put(a, &a->handoff->puts[i], &reported);
	keymap_free(&reported);
}

void handoff_free(struct analysis *a)
{
	struct handoff *h = a->handoff;
	if (!h)
		return;
	for (int i = 0; i < h->nputs; i++) {
		free(h->puts[i].slot);
		free(h->puts[i].block);
	}
	for (int i = 0; i < h->ntakes; i++) {
		free(h->takes[i].slot);
		free(h->takes[i].root);
	}
	free(h->puts);
	free(h->takes);
	free(h);
	a->handoff = NULL;
}
