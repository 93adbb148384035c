/* joined_slots.c — the element of a thread just joined. Threads started in a loop, each
 * with the handle t[k] and an identity k (the argument (void *)k, or &args[k] whose member
 * holds its own index: args[k].id = k, extract/own_index.c), each touch the element of an
 * array their identity names (collect.c's own_element: partial[w->id]). The creator that
 * joins t[i] and then, in the same straight-line code, touches x[i] touches the element of
 * the thread it has just joined: the other threads, still running, touch other elements.
 * That pair is ordered by the join. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The block of fn holding event ev, or -1. */
static int block_of(const struct function *fn, const struct event *ev)
{
	for (int b = 0; b < fn->nblocks; b++) {
		const struct block *blk = &fn->blocks[b];
		if (blk->nevents && ev >= blk->events && ev < blk->events + blk->nevents)
			return b;
	}
	return -1;
}

/* The plain variable subscript of a spelling's last [...]: "partial[i]" -> "i" (new). */
static char *spelled_subscript(const char *name)
{
	const char *open = name ? strrchr(name, '[') : NULL;
	const char *close = open ? strchr(open, ']') : NULL;
	if (!close || close[1] || close == open + 1)
		return NULL;
	for (const char *p = open + 1; p < close; p++)
		if (!(*p == '_' || (*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z')))
			return NULL;
	return xstrndup(open + 1, (size_t)(close - open - 1));
}

char *joined_slot_handle(const struct activation *f, const struct event *ev)
{
	if (f->ctx->kind == CTX_ISOLATED || !strstr(ev->path ? ev->path : "", "[]"))
		return NULL;
	char *sub = spelled_subscript(ev->name);
	int b = sub ? block_of(f->fn, ev) : -1;
	char *handle = NULL;
	for (const struct event *j = b >= 0 ? f->fn->blocks[b].events : NULL; j && j < ev && !handle; j++) {
		const char *var = j->kind == EV_THREAD_JOIN && j->arg ? strrchr(j->arg, ':') : NULL;
		if (var && str_eq(var + 1, sub))
			handle = frame_path(f, j->path);
	}
	free(sub);
	return handle;
}

/* Every write of member `field` of element path P in fn stores the element's own index
 * (and at least one does). */
static int holds_own_index(const struct function *fn, const char *elem, const char *field)
{
	char *member = xasprintf("%s.%s", elem, field);
	int own = 0, other = 0;
	for (int b = 0; fn && b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind != EV_ACCESS || !(ev->flags & EVF_WRITE) || !str_eq(ev->path, member))
				continue;
			if (ev->flags & EVF_OWN_INDEX)
				own = 1;
			else
				other = 1;
		}
	free(member);
	return own && !other;
}

/* Thread context c's identity is its handle's index, and `idx` (its own element's index,
 * in root terms) is that identity: the argument itself, or a member of it that holds its
 * own index. */
static int index_is_identity(const struct context *c, const char *idx)
{
	const struct event *cr = c->create_ev;
	if (!cr || !(cr->flags & EVF_OWN_INDEX) || !c->arg || c->arg[0] != '&' || !idx)
		return 0;
	if (str_eq(idx, c->arg))
		return str_eq(cr->arg, "?");          /* (void *)k: the value is the index */
	size_t n = strlen(c->arg + 1);
	const char *field = idx + n + 1;
	if (strncmp(idx, c->arg + 1, n) != 0 || idx[n] != '.' || strpbrk(field, ".*[") ||
	    !cr->arg || cr->arg[0] != '&')
		return 0;
	return holds_own_index(c->create_fn, cr->arg + 1, field);
}

int joined_slot_orders(const struct analysis *a, const struct access_rec *x, const struct access_rec *y)
{
	if (!x->own_element || !x->own_index || !y->joined_handle)
		return 0;
	const struct context *c = a->ctxs[x->ctx];
	return c->kind == CTX_THREAD && c->parent && c->parent->id == y->ctx && c->handle &&
	       str_eq(c->handle, y->joined_handle) && index_is_identity(c, x->own_index);
}
