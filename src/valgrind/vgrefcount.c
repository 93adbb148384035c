/* vgrefcount.c — a free racing with another thread's access, in a reference-counted
 * object. With --free-is-write, Helgrind and DRD report the free of a block against every
 * earlier access by its other holders; when the block is freed only after an atomic
 * read-modify-write of one of its own members on every path (`if
 * (atomic_fetch_sub(&m->refs, 1) == 1) free(m)`), each holder's accesses come before its
 * own decrement, and the decrements are ordered among themselves: the free comes after
 * them all. The tools do not model atomics, so the race is kept but marked likely benign.
 * A count decremented with a plain `--` is no such order (the race is real). */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"

/* An atomic read-modify-write of a member of the block at `block` ("p:0" -> "p:0*.refs"). */
static int counts_down(const struct event *ev, const void *block)
{
	const char *b = block;
	size_t n = strlen(b);
	return ev->kind == EV_ACCESS && (ev->flags & EVF_ATOMIC) && (ev->flags & EVF_READ) &&
	       (ev->flags & EVF_WRITE) && ev->path && !strncmp(ev->path, b, n) &&
	       ev->path[n] == '*' && ev->path[n + 1] == '.';
}

/* The free at the side's line, when every path to it counts the block down first. */
static int refcounted_free_at(struct facts_at *fc, const struct location *side)
{
	const struct function *fn = facts_function_at(fc, side->file, side->line);
	for (int b = 0; fn && b < fn->nblocks; b++)
		for (int i = 0; i < fn->blocks[b].nevents; i++) {
			const struct event *ev = &fn->blocks[b].events[i];
			if (ev->line != side->line || ev->kind != EV_CALL || !str_eq(ev->name, "free") ||
			    !ev->nargs || !ev->args[0].path || !strcmp(ev->args[0].path, "?"))
				continue;
			const char *block = ev->args[0].path + (ev->args[0].path[0] == '&');
			if (facts_always_before(fn, b, i, counts_down, block))
				return 1;
		}
	return 0;
}

char *vg_refcounted_free(struct facts_at *fc, const struct finding *f)
{
	const struct location *s[2];
	int n = vg_sides(f, s);
	for (int k = 0; k < n; k++)
		if (refcounted_free_at(fc, s[k]))
			return xasprintf("likely benign: the block is freed at %s:%d only after an atomic "
			                 "read-modify-write of its reference count on every path, which "
			                 "orders every holder's accesses before the free (Valgrind does not "
			                 "model atomics)", s[k]->file, s[k]->line);
	return NULL;
}
