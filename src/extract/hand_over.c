/* hand_over.c — hand-over-hand walks: `lock(&cur->lock); … unlock(&prev->lock); prev = cur;
 * cur = cur->next;` in a loop. The extractor names a lock reached through a local pointer
 * by the value that local holds where the event stands in the source (prev is &head on
 * the first pass), so in such a loop a lock reached through a walking pointer names one
 * node on the first iteration and another after it: the node locked as cur's is unlocked
 * as prev's one iteration later. Those lock and unlock events are marked EVF_WALKED and
 * the analysis does not judge them by name (unlock-not-held, lock-leak, double-lock),
 * while the lock still guards the accesses made under it. A walk is a loop that copies
 * one pointer local into another (prev = cur): a plain `p = p->next` loop keeps one name
 * per iteration and is judged as before. */
#include "internal.h"

#include <stdlib.h>

/* The local pointer a lock expression goes through (&cur->lock, &n->locks[1]), or a null
 * cursor. */
static CXCursor base_local(struct xfn *f, CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	    clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_AddrOf)
		e = strip_expr(cursor_child(e, 0));
	while (clang_getCursorKind(e) == CXCursor_MemberRefExpr ||
	       clang_getCursorKind(e) == CXCursor_ArraySubscriptExpr)
		e = strip_expr(cursor_child(e, 0));
	if (clang_getCursorKind(e) != CXCursor_DeclRefExpr)
		return clang_getNullCursor();
	CXCursor d = clang_getCursorReferenced(e);
	if (!is_pointer_type(clang_getCursorType(d)) || !local_find(f, d))
		return clang_getNullCursor();
	return d;
}

struct copies {
	struct xfn *f;
	CXCursor local;
	int found;
};

/* x = y with x and y local pointers, one of them the walk's local. */
static enum CXChildVisitResult find_copy(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct copies *w = data;
	if (clang_getCursorKind(c) != CXCursor_BinaryOperator ||
	    clang_getCursorBinaryOperatorKind(c) != CXBinaryOperator_Assign)
		return CXChildVisit_Recurse;
	CXCursor x = base_local(w->f, cursor_child(c, 0)), y = strip_expr(cursor_child(c, 1));
	if (is_null_cursor(x) || clang_getCursorKind(y) != CXCursor_DeclRefExpr ||
	    clang_getCursorKind(strip_expr(cursor_child(c, 0))) != CXCursor_DeclRefExpr)
		return CXChildVisit_Recurse;
	y = base_local(w->f, y);
	if (!is_null_cursor(y) && !clang_equalCursors(x, y) &&
	    (clang_equalCursors(x, w->local) || clang_equalCursors(y, w->local))) {
		w->found = 1;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Recurse;
}

static int copies_in(struct copies *w, CXCursor part)
{
	if (!is_null_cursor(part) && !w->found)
		clang_visitChildren(part, find_copy, w);
	return w->found;
}

int walked_lock(struct xfn *f, CXCursor lock)
{
	if (!f->nloops || is_null_cursor(lock))
		return 0;
	struct copies w = {f, base_local(f, lock), 0};
	if (is_null_cursor(w.local))
		return 0;
	for (int i = 0; i < f->nloops && !w.found; i++) {
		const struct loop_parts *lp = &f->loop_parts[i];
		copies_in(&w, lp->cond);
		copies_in(&w, lp->body);
		copies_in(&w, lp->step);
	}
	return w.found;
}
