/* results.c — objects a call hands back: `t = launch(…)` where launch returns the block it
 * allocated (and started a thread whose handle lives in it). Each stored result records
 * which object the slot points to, in root terms; a join through the slot (join(t) →
 * pthread_join(t->id)) then names the handle the creation stored (the block's .id), so
 * threads started and joined through a library's own handle objects get their lifetime.
 * A slot keeps every object it was given (one per call chain that reached the store); a
 * join through it ends a thread whose every handle is one of them. A block put into a shared
 * slot (`th->next = threads; threads = th;`, EV_PUT) is given to it too, but a join through
 * such a list names every thread on it only from a loop that joins them all (join_all). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct result_map {
	struct keymap given;     /* "SLOT\nOBJECT" -> how slot was given object (GIVEN_*) */
};

enum { GIVEN_RESULT = 1, GIVEN_PUT = 2 };

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

void results_note(struct analysis *a, const struct activation *caller, const struct event *call,
                  const struct activation *callee)
{
	if (!call->path || caller->ctx->kind == CTX_ISOLATED)
		return;
	char *slot = NULL, *object = NULL;
	const struct function *fn = callee->fn;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind != EV_RETURN || !ev->path || ev->path[0] != '&')
				continue;
			char *o = frame_path(callee, ev->path);
			if (!o || o[0] != '&' || (object && !str_eq(object, o + 1))) {
				free(o);
				free(object);     /* returns several objects: none is the result */
				return;
			}
			if (!object)
				object = xstrdup(o + 1);
			free(o);
		}
	if (object)
		slot = frame_path(caller, call->path);
	if (slot)
		remember(a, slot, object, GIVEN_RESULT);
	free(slot);
	free(object);
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
