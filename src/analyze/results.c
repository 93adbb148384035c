/* results.c — objects a call hands back: `t = launch(…)` where launch returns the block it
 * allocated (and started a thread whose handle lives in it). Each stored result records
 * which object the slot points to, in root terms; a join through the slot (join(t) →
 * pthread_join(t->id)) then names the handle the creation stored (the block's .id), so
 * threads started and joined through a library's own handle objects get their lifetime.
 * A slot keeps every object it was given (one per call chain that reached the store); a
 * join through it ends a thread whose every handle is one of them. A block put into a shared
 * slot (`th->next = threads; threads = th;`, EV_PUT) is given to it too, but a join through
 * such a list names every thread on it only from a loop that joins them all (join_all).
 * A handle returned by value (`sink = xcreate(…)`, xcreate returning its local pthread_t)
 * is a copy: a join of the slot names the handle the creation filled. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct result_map {
	struct keymap given;     /* "SLOT\nOBJECT" -> how slot was given object (GIVEN_*) */
};

enum { GIVEN_RESULT = 1, GIVEN_PUT = 2, GIVEN_COPY = 4 };

static char *pair_key(const char *slot, size_t nslot, const char *object, size_t nobject)
{
	return xasprintf("%.*s\n%.*s", (int)nslot, slot, (int)nobject, object);
}

static void remember(struct analysis *a, const char *slot, const char *object, int how)
{
	if (!a->results)
		a->results = xcalloc(1, sizeof *a->results);
	char *k = pair_key(slot, strlen(slot), object, strlen(object));
	int was = 0;
	keymap_get_str(&a->results->given, k, &was);
	keymap_put_str(&a->results->given, k, was | how);
	free(k);
}

/* The one object every return of the callee hands back: by address (copy 0: "&X" returned,
 * X given) or by value (copy 1: the handle object X itself). NULL when it returns several. */
static char *returned_object(const struct activation *callee, int copy)
{
	char *object = NULL;
	const struct function *fn = callee->fn;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind != EV_RETURN || !ev->path || (ev->path[0] == '&') == copy)
				continue;
			char *o = frame_path(callee, ev->path);
			const char *x = o && !copy && o[0] == '&' ? o + 1 : o;
			if (!x || (o[0] == '&') != !copy || (object && !str_eq(object, x))) {
				free(o);
				free(object);     /* returns several objects: none is the result */
				return NULL;
			}
			if (!object)
				object = xstrdup(x);
			free(o);
		}
	return object;
}

void results_note(struct analysis *a, const struct activation *caller, const struct event *call,
                  const struct activation *callee)
{
	if (!call->path || caller->ctx->kind == CTX_ISOLATED)
		return;
	for (int copy = 0; copy < 2; copy++) {
		char *object = returned_object(callee, copy);
		char *slot = object ? frame_path(caller, call->path) : NULL;
		if (slot)
			remember(a, slot, object, copy ? GIVEN_COPY : GIVEN_RESULT);
		free(slot);
		free(object);
	}
}

void results_note_put(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (f->ctx->kind == CTX_ISOLATED)
		return;
	char *slot = frame_path(f, ev->path), *block = frame_path(f, ev->arg);
	if (slot && block && block[0] == '&')
		remember(a, slot, block + 1, GIVEN_PUT);
	free(slot);
	free(block);
}

int results_join_names(const struct analysis *a, const char *join, const char *handle, int drains)
{
	if (a->results && join && handle) {      /* join(slot) of a handle copied into it */
		char *k = pair_key(join, strlen(join), handle, strlen(handle));
		int v = 0;
		keymap_get_str(&a->results->given, k, &v);
		free(k);
		if (v & GIVEN_COPY)
			return 1;
	}
	const char *star = join ? strchr(join, '*') : NULL;
	if (!a->results || !star || !handle)
		return 0;
	/* handle = OBJECT REST, where the join is SLOT*REST */
	size_t nrest = strlen(star + 1), nh = strlen(handle);
	if (nh <= nrest || strcmp(handle + nh - nrest, star + 1) != 0)
		return 0;
	char *k = pair_key(join, (size_t)(star - join), handle, nh - nrest);
	int v = 0;
	keymap_get_str(&a->results->given, k, &v);
	free(k);
	/* A list of handles names one thread per join: only a loop of joins drains it. */
	return (v & GIVEN_RESULT) || (drains && (v & GIVEN_PUT));
}

void results_free(struct analysis *a)
{
	if (!a->results)
		return;
	keymap_free(&a->results->given);
	free(a->results);
	a->results = NULL;
}
