/* slot_pointees.c — what a thread reaches through pointers kept in its own slot. A thread
 * given a counter-indexed array element (extract/fresh_slots.c: xz's
 * thr = &coder->threads[coder->threads_initialized]) owns the element; what a pointer
 * member of it points to (thr->block_decoder.coder, the coder state lzma_block_decoder_init
 * allocated for this slot; thr->outbuf) is the thread's own as well, unless the program
 * stored into that member a pointer it was handed (thr->coder = coder: the parent every
 * slot names, as arg->pool in a pool), which fnptr.c's walk records in root terms. So two
 * instances of the thread never race there; the creator and other threads still do.
 * Not seen: a pointer member filled from a global or a call result that names one object
 * for every slot (the same block handed to two slots) — taken as the slot's own. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int slot_pointee_own(const struct analysis *a, int ctx, const char *object)
{
	const struct context *c = a->ctxs[ctx];
	if (!c->fresh_slot || object[0] != '~')
		return 0;
	const char *root = strchr(object, ':');
	if (!root || !str_starts(root, ":targ.") || atoi(object + 1) != ctx)
		return 0;
	const char *member = root + 5, *deref = strchr(member, '*');
	if (!deref || memchr(member, '[', (size_t)(deref - member)))
		return 0;
	char *stored = xasprintf("%s%.*s", c->fresh_slot, (int)(deref - member), member);
	int shared = fnptr_stored_into(a, stored);
	free(stored);
	return !shared;
}
