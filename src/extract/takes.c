/* takes.c — objects taken out of a shared container. A linked one: `v = P; … P = v->next;`
 * reads the pointer a container slot P holds (a queue's or a list's head) into local v,
 * then unlinks that object by storing its successor into P. A ring: `v = Q[H]; … H = (H +
 * 1) % N;` (or H++, H += 1, & MASK; v a pointer or a struct copy of the element) reads the
 * element at the head, then advances the head past it, so no other popper reads it again.
 * From then on v no longer designates what the slot designates: it holds the taken object.
 * Its paths become "l:FUNC:v@take…" and an EV_TAKE event tells the analysis where, so that
 * it can decide (analyze/handover.c) whether the take happened under a lock and the object
 * is the taker's alone. A slot given another shared slot's pointer instead (`v = P; P =
 * spare;`, a swap) is a take too (replaced_by). The reverse, a block the function
 * allocated stored into a shared slot, is an EV_PUT. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* A pointer value read from an object (a slot): not an address, not a parameter itself,
 * not an object taken already. */
static int loaded_alias(const char *alias)
{
	if (!alias || alias[0] == '&' || alias[0] == '?' || strstr(alias, "@take"))
		return 0;
	if (str_starts(alias, "p:")) {
		const char *p = alias + 2;
		while (*p >= '0' && *p <= '9')
			p++;
		return *p != '\0';          /* p:0*.head, not p:0 */
	}
	return 1;
}

/* value == slot "*." FIELD: the successor of the object the slot holds (v->next). */
static int successor_of(const char *value, const char *slot)
{
	size_t n = strlen(slot);
	if (!value || strncmp(value, slot, n) != 0 || strncmp(value + n, "*.", 2) != 0)
		return 0;
	return strcspn(value + n + 2, ".*[") == strlen(value + n + 2);
}

/* `S = v` with v a local holding a block this function allocated, S shared: the block is
 * put where others can reach it (a list of thread handles: analyze/results.c). */
static void note_put(struct xfn *f, CXCursor l, CXCursor rhs, const char *slot)
{
	CXCursor v = strip_expr(rhs);
	if (clang_getCursorKind(v) != CXCursor_DeclRefExpr || !path_is_shared(slot))
		return;
	struct local *local = local_find(f, clang_getCursorReferenced(v));
	if (!local || !local->alias || !str_starts(local->alias, "&h:"))
		return;
	struct event *ev = emit(f, EV_PUT, l);
	ev->path = xstrdup(slot);
	ev->arg = xstrdup(local->alias);
}

/* v, which read the object at slot *held (v's alias, or the object a struct v copied) at
 * event alias_pos, now holds it alone if the take is certain: EV_TAKE at l, v renamed. */
static void take(struct xfn *f, CXCursor l, struct local *v, char **held)
{
	const char *slot = *held;
	struct event *ev = emit(f, EV_TAKE, l);
	ev->path = xstrdup(slot);
	ev->arg = xasprintf("l:%s:%s@take", f->name, v->name);
	ev->name = cursor_text(f->x, l);
	ev->api = xasprintf("%d", v->alias_pos);
	free(*held);
	*held = xstrdup(ev->arg);
	free(v->ring_head);
	v->ring_head = NULL;
}

/* The head H of Q[H], Q[H % N], Q[H & MASK]: the path of the object it was read from. */
static char *head_path(struct xfn *f, CXCursor index)
{
	CXCursor e = strip_expr(index);
	if (clang_getCursorKind(e) == CXCursor_BinaryOperator) {
		enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(e);
		if (op == CXBinaryOperator_Rem || op == CXBinaryOperator_And)
			e = strip_expr(cursor_child(e, 0));
	}
	char *p = int_source(f, e);
	if (!p)
		p = path_of(f, e);
	if (!path_is_shared(p)) {
		free(p);
		return NULL;
	}
	return p;
}

char *ring_head_of(struct xfn *f, CXCursor value)
{
	CXCursor e = strip_expr(value);
	if (clang_getCursorKind(e) != CXCursor_ArraySubscriptExpr)
		return NULL;
	return head_path(f, cursor_child(e, 1));
}

/* value is the head `slot` advanced by a constant: (H + 1) % N, H + 1, (H + 1) & MASK. */
static int advances(struct xfn *f, CXCursor value, const char *slot)
{
	CXCursor e = strip_expr(value);
	if (clang_getCursorKind(e) != CXCursor_BinaryOperator)
		return 0;
	enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(e);
	if (op == CXBinaryOperator_Rem || op == CXBinaryOperator_And)
		return advances(f, cursor_child(e, 0), slot);
	if (op != CXBinaryOperator_Add)
		return 0;
	for (int side = 0; side < 2; side++) {
		if (!is_int_literal(cursor_child(e, 1 - side), NULL))
			continue;
		char *h = head_path(f, cursor_child(e, side));
		int yes = h && str_eq(h, slot);
		free(h);
		if (yes)
			return 1;
	}
	return 0;
}

/* The head `slot` advanced at l: every local that read the element at it is popped. */
static void ring_advance(struct xfn *f, CXCursor l, const char *slot)
{
	for (int i = 0; i < f->nlocals; i++) {
		struct local *v = &f->locals[i];
		if (!v->ring_head || !str_eq(v->ring_head, slot) || v->escapes)
			continue;
		if (v->copy_of && path_is_shared(v->copy_of))
			take(f, l, v, &v->copy_of);
		else if (loaded_alias(v->alias))
			take(f, l, v, &v->alias);
	}
}

void note_ring_advance(struct xfn *f, CXCursor lhs)
{
	char *slot = path_of(f, strip_implicit(lhs));
	if (path_is_shared(slot))
		ring_advance(f, strip_implicit(lhs), slot);
	free(slot);
}

/* value is another shared slot's pointer (`full = pending; pending = spare;`): the slot
 * now holds another object, and a local that read it holds the one it held, as after an
 * unlink (a swap with a spare buffer under the lock). */
static int replaced_by(const char *value, const char *slot)
{
	return loaded_alias(value) && path_is_shared(value) && path_is_shared(slot) &&
	       !str_eq(value, slot) && !str_starts(value, slot);
}

void note_take(struct xfn *f, CXCursor lhs, CXCursor rhs)
{
	CXCursor l = strip_implicit(lhs);
	char *slot = path_of(f, l);
	if (!slot || slot[0] == '&') {
		free(slot);
		return;
	}
	note_put(f, l, rhs, slot);
	char *value = value_path(f, rhs);
	if (successor_of(value, slot) || (is_pointer_type(clang_getCursorType(l)) && replaced_by(value, slot))) {
		for (int i = 0; i < f->nlocals; i++) {
			struct local *v = &f->locals[i];
			if (loaded_alias(v->alias) && str_eq(v->alias, slot) && !v->escapes)
				take(f, l, v, &v->alias);
		}
	} else if (path_is_shared(slot) && advances(f, rhs, slot)) {
		ring_advance(f, l, slot);
	}
	free(value);
	free(slot);
}
