/* vgspinlock.c — a race between two accesses that both hold one spinlock made of an atomic
 * flag or word (a loop on test-and-set or compare-and-swap, released by a clear or a store
 * of 0: the static facts' locks of kind spin named by no lock API, extract/spin_flags.c).
 * Helgrind and DRD see only atomic instructions there, no lock, so every update under such
 * a lock is an alarm to them. When the static facts show both sides holding one such lock
 * (taken in the side's own function or a caller on its stack, directly or through a helper
 * that returns holding it, as `spin_lock(&f)`), the pair is kept but marked likely benign.
 * Only a lock that is one object counts (a global or static flag, no element of an array
 * nor a member reached through a pointer). */
#include <stdlib.h>
#include <string.h>

#include "common/rules.h"
#include "common/util.h"
#include "internal.h"

#define MAX_HELD VG_MAX_HELD

struct spin_ctx {
	struct facts_at *fc;
	char **owned;                /* names made for the calls of helpers */
	int nowned, cap;
};

static int flag_op(const struct event *ev)
{
	return (ev->kind == EV_LOCK || ev->kind == EV_UNLOCK) && ev->lock_kind == LK_SPIN &&
	       ev->api && !lockapi_find(ev->api) && ev->path;
}

/* A flag lock taken or released by the function's own code, named by its path. */
static int direct_op(const struct event *ev, void *arg, struct held_op *op)
{
	(void)arg;
	if (!flag_op(ev))
		return 0;
	*op = (struct held_op){ev->path, ev->kind == EV_LOCK, 0};
	return 1;
}

/* The one flag lock a helper's own code takes or releases (its path there), or NULL. */
static const char *helper_flag(const struct function *fn, int *releases)
{
	const char *path = NULL;
	*releases = 0;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (!flag_op(ev))
				continue;
			if (path && !str_eq(path, ev->path))
				return NULL;
			path = ev->path;
			*releases |= ev->kind == EV_UNLOCK;
		}
	return path;
}

/* A frame's flag locks: its own operations on a named flag, and the calls of a helper that
 * returns holding its flag (taken) or releases it, named by the call's argument. */
static int frame_op(const struct event *ev, void *arg, struct held_op *op)
{
	struct spin_ctx *c = arg;
	if (direct_op(ev, arg, op))
		return !str_starts(op->lock, "p:");   /* a parameter's: the caller names it */
	const struct function *callee = ev->kind == EV_CALL && ev->callee
	                                    ? facts_function_by_usr(c->fc, ev->callee) : NULL;
	int releases;
	const char *path = callee ? helper_flag(callee, &releases) : NULL;
	if (!path)
		return 0;
	struct held_lock h[MAX_HELD];
	int n = facts_locks_held_by(callee, 1, 0, direct_op, NULL, h, MAX_HELD), taken = 0;
	for (int j = 0; j < n; j++)
		taken |= str_eq(h[j].lock_class, path);
	char *name = str_starts(path, "p:") ? path_substitute(path, ev->args, ev->nargs) : xstrdup(path);
	if ((!taken && !releases) || !name) {
		free(name);
		return 0;
	}
	grow_array((void **)&c->owned, &c->cap, c->nowned, sizeof *c->owned);
	c->owned[c->nowned++] = name;
	*op = (struct held_op){name, taken, 0};
	return 1;
}

/* The flag locks a side holds for sure, in each function of its stack (names in out are
 * the context's: valid until it is freed). */
static int held_flags(struct spin_ctx *c, const struct location *side, struct held_lock *out)
{
	int n = 0;
	for (int k = 0; k < side->nstack && n < MAX_HELD; k++) {
		const struct frame *fr = &side->stack[k];
		const struct function *fn = facts_function_at(c->fc, fr->file, fr->line);
		int b, i;
		if (fn && facts_first_event_at(fn, fr->line, &b, &i))
			n += facts_locks_held_by(fn, b, i, frame_op, c, out + n, MAX_HELD - n);
	}
	return n;
}

/* A global or static flag, not an element nor a member reached through a pointer. */
static int one_flag(const char *path)
{
	return (str_starts(path, "g:") || str_starts(path, "s:")) && !strchr(path, '*') &&
	       !strstr(path, "[]");
}

char *vg_flag_lock_held(struct facts_at *fc, const struct finding *f)
{
	const struct location *s[2];
	if (vg_sides(f, s) != 2)
		return NULL;
	struct spin_ctx c = {.fc = fc};
	struct held_lock a[MAX_HELD], b[MAX_HELD];
	int na = held_flags(&c, s[0], a), nb = held_flags(&c, s[1], b);
	char *reason = NULL;
	for (int i = 0; i < na && !reason; i++)
		for (int j = 0; j < nb && !reason; j++)
			if (str_eq(a[i].lock_class, b[j].lock_class) && one_flag(a[i].lock_class)) {
				const char *name = strrchr(a[i].lock_class, ':') + 1;
				reason = xasprintf("likely benign: %s:%d and %s:%d both hold the spinlock '%s' (an "
				                   "atomic flag taken by a test-and-set or compare-and-swap loop), "
				                   "which Valgrind does not see as a lock", s[0]->file, s[0]->line,
				                   s[1]->file, s[1]->line, name);
			}
	for (int i = 0; i < c.nowned; i++)
		free(c.owned[i]);
	free(c.owned);
	return reason;
}
