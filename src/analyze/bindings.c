/* bindings.c — function pointers a thread's creator set for it.
 *
 *     void pipeline_create(void (*split)(void)) {
 *         gSplit = split;                       // the creator stores its argument …
 *         pthread_create(&t, NULL, split_thread, NULL);
 *     }
 *     static void *split_thread(void *u) { gSplit(); return u; }   // … the thread calls it
 *
 * Called once with compress_split, once with extract_split (exclusive modes), the
 * program-wide view of `gSplit` holds both and the one split thread would run both. The
 * value a creator stored into a global function pointer before the creation, at any level
 * of the calls leading to it, is what that thread calls through it: each such binding is
 * its own thread context, and calls through the pointer in it run the bound function
 * (unless the creating function stores the pointer again after the creation). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct binding {
	char *slot;                  /* "g:gSplit" */
	char *value;                 /* "fn:USR" */
};

struct bindings {
	struct binding *v;
	int n;
};

static int named_storage(const char *p)
{
	return p && (str_starts(p, "g:") || str_starts(p, "s:")) && !strchr(p, '*');
}

static int bound(const struct bindings *b, const char *slot)
{
	for (int i = 0; b && i < b->n; i++)
		if (str_eq(b->v[i].slot, slot))
			return i;
	return -1;
}

/* Stores of function values into named storage before event `limit` of frame f's function
 * (innermost frame first: a later store hides an earlier one). */
static void frame_stores(struct bindings *b, const struct activation *f, int limit)
{
	const struct function *fn = f->fn;
	for (int k = 0; k < fn->nblocks; k++)
		for (int e = 0; e < fn->blocks[k].nevents; e++) {
			const struct event *ev = &fn->blocks[k].events[e];
			if (ev->kind != EV_STORE || ev->pos >= limit || !named_storage(ev->path) ||
			    !ev->arg || bound(b, ev->path) >= 0)
				continue;
			char *v = str_starts(ev->arg, "fn:") ? xstrdup(ev->arg) : frame_path(f, ev->arg);
			if (v && str_starts(v, "fn:")) {
				b->v = xrealloc(b->v, (size_t)(b->n + 1) * sizeof *b->v);
				b->v[b->n].slot = xstrdup(ev->path);
				b->v[b->n++].value = v;
			} else {
				free(v);
			}
		}
}

/* Drops the slots the creating function stores again after the creation (a second
 * thread's value: the first may read either). */
static void drop_restored(struct bindings *b, const struct function *fn, int after)
{
	for (int k = 0; k < fn->nblocks; k++)
		for (int e = 0; e < fn->blocks[k].nevents; e++) {
			const struct event *ev = &fn->blocks[k].events[e];
			int i = ev->kind == EV_STORE && ev->pos > after ? bound(b, ev->path) : -1;
			if (i < 0)
				continue;
			free(b->v[i].slot);
			free(b->v[i].value);
			b->v[i] = b->v[--b->n];
		}
}

struct bindings *bindings_at(const struct activation *f, const struct event *ev)
{
	struct bindings *b = xcalloc(1, sizeof *b);
	const struct function *creator = f->fn;
	int at = ev->pos;
	for (; f; ev = f->call, f = f->caller)
		frame_stores(b, f, ev->pos);
	drop_restored(b, creator, at);
	if (!b->n) {
		free(b);
		return NULL;
	}
	return b;
}

void bindings_free(struct bindings *b)
{
	for (int i = 0; b && i < b->n; i++) {
		free(b->v[i].slot);
		free(b->v[i].value);
	}
	if (b)
		free(b->v);
	free(b);
}

int bindings_equal(const struct bindings *x, const struct bindings *y)
{
	if ((x ? x->n : 0) != (y ? y->n : 0))
		return 0;
	for (int i = 0; x && i < x->n; i++) {
		int j = bound(y, x->v[i].slot);
		if (j < 0 || !str_eq(x->v[i].value, y->v[j].value))
			return 0;
	}
	return 1;
}

const char *bindings_value(const struct context *c, const char *slot)
{
	int i = c ? bound(c->bindings, slot) : -1;
	return i >= 0 ? c->bindings->v[i].value : NULL;
}
