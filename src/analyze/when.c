/* when.c — where an event happens in its context (struct when, internal.h): the chains of
 * calls that lead to events, interned. Every event a frame records shares its frame's chain
 * (the calls above it), so a record carries a pointer to one interned chain and its own
 * level, not a copy of every level: pigz's 272 K access records have 30 K distinct chains. */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

enum { CHUNK_LEVELS = 16384 };

struct when_chains {
	struct keymap index;         /* (chain above, call event, its function) -> chains[i] */
	const struct when_lv **chains;
	int n, cap;
	struct when_lv *chunk;       /* levels handed out from the newest chunk */
	int used;
	struct when_lv **chunks;     /* every chunk, to free */
	int nchunks, cap_chunks;
};

static struct when_lv *alloc_levels(struct when_chains *t, int n)
{
	if (!t->chunk || t->used + n > CHUNK_LEVELS) {
		grow_array((void **)&t->chunks, &t->cap_chunks, t->nchunks, sizeof *t->chunks);
		t->chunk = t->chunks[t->nchunks++] = xmalloc(CHUNK_LEVELS * sizeof *t->chunk);
		t->used = 0;
	}
	struct when_lv *p = t->chunk + t->used;
	t->used += n;
	return p;
}

static struct when_lv level_of(const struct event *ev, int fn)
{
	return (struct when_lv){.pos = ev->pos, .lo = ev->loop_lo, .hi = ev->loop_hi, .fn = fn};
}

/* The levels 0 .. f->depth - 1 of every event f records: the call made at each depth above
 * it. Interned by the chain above the caller's and the call, so equal chains are one array;
 * remembered in the frame (its activation outlives none of the records' arrays). */
static const struct when_lv *frame_chain(struct analysis *a, const struct activation *f)
{
	if (f->depth == 0 || f->chain)
		return f->chain;
	const struct when_lv *up = frame_chain(a, f->caller);
	if (!a->when_chains)
		a->when_chains = xcalloc(1, sizeof *a->when_chains);
	struct when_chains *t = a->when_chains;
	uintptr_t u = (uintptr_t)up, e = (uintptr_t)f->call;
	int key[5] = {(int)(uint32_t)u, (int)(uint32_t)(u >> 32), (int)(uint32_t)e,
	              (int)(uint32_t)(e >> 32), f->caller->fn_index};
	struct hkey h = hkey_of_ints(key, 5);
	int at;
	if (!keymap_get(&t->index, h, &at)) {
		int d = f->depth;
		struct when_lv *lv = alloc_levels(t, d);
		for (int i = 0; i < d - 1; i++)
			lv[i] = up[i];
		lv[d - 1] = level_of(f->call, f->caller->fn_index);
		grow_array((void **)&t->chains, &t->cap, t->n, sizeof *t->chains);
		at = t->n;
		t->chains[t->n++] = lv;
		keymap_put(&t->index, h, at);
	}
	/* the frame's own cache: activations are never const objects, only seen through const */
	((struct activation *)f)->chain = t->chains[at];
	return f->chain;
}

_Static_assert(WHEN_DEPTH >= MAX_DEPTH, "a chain keeps every level a walk follows");

void frame_when(struct analysis *a, const struct activation *f, const struct event *ev,
                struct when *w)
{
	w->pre = prethread_at(f, ev);
	w->n = f->depth + 1;
	w->up = frame_chain(a, f);
	w->last = level_of(ev, f->fn_index);
}

void when_chains_free(struct analysis *a)
{
	struct when_chains *t = a->when_chains;
	if (!t)
		return;
	for (int i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->chains);
	keymap_free(&t->index);
	free(t);
	a->when_chains = NULL;
}
