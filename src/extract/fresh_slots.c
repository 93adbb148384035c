/* fresh_slots.c — an array element passed to a call, indexed by a counter that only
 * grows after it: `thr = &coder->threads[coder->threads_initialized]; …
 * create(&thr->tid, worker, thr); ++coder->threads_initialized;` or `&slots[n++]`. Each
 * such call passes another element, so a thread a wrapper starts with it has a slot of its
 * own, as one started in a loop with &args[i] has (analyze/contexts.c). The counter may
 * not be written in the function other than by that increment (nor by a decrement), so
 * two calls never see one value. Marked "N!" on the CALL's api (facts.h). Also: constant
 * elements passed at distinct creations in main (const_slot_arg, below). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static unsigned offset_of(CXSourceLocation loc)
{
	unsigned off = 0;
	clang_getExpansionLocation(loc, NULL, NULL, NULL, &off);
	return off;
}

/* The element expression a pointer argument designates: itself, or the only value a
 * local pointer was given (its initialiser). */
static CXCursor element_of(struct xfn *f, CXCursor arg)
{
	CXCursor e = strip_expr(arg);
	if (clang_getCursorKind(e) != CXCursor_DeclRefExpr)
		return e;
	struct local *l = local_find(f, clang_getCursorReferenced(e));
	if (!l || l->writes != 1)
		return clang_getNullCursor();
	CXCursor init = clang_Cursor_getVarDeclInitializer(l->decl);
	return is_null_cursor(init) ? init : strip_expr(init);
}

/* The index of &a[i] or a + i, NULL cursor otherwise. */
static CXCursor index_of(CXCursor e)
{
	if (clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	    clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_AddrOf) {
		CXCursor s = strip_expr(cursor_child(e, 0));
		return clang_getCursorKind(s) == CXCursor_ArraySubscriptExpr ?
		       strip_implicit(cursor_child(s, 1)) : clang_getNullCursor();
	}
	if (clang_getCursorKind(e) == CXCursor_BinaryOperator &&
	    clang_getCursorBinaryOperatorKind(e) == CXBinaryOperator_Add &&
	    is_pointer_type(clang_getCursorType(e)))
		return strip_implicit(cursor_child(e, 1));
	return clang_getNullCursor();
}

static int is_increment(CXCursor c)
{
	if (clang_getCursorKind(c) != CXCursor_UnaryOperator)
		return 0;
	enum CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(c);
	return op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PreInc;
}

/* Writes of the counter spelled `name` in the function: increments after offset `after`
 * (good), any other write (bad). */
struct counter_writes {
	struct xtu *x;
	const char *name;
	unsigned after;
	int good, bad;
};

static void note_write(struct counter_writes *w, CXCursor op, CXCursor lhs, int increment)
{
	char *t = cursor_text(w->x, strip_expr(lhs));
	if (t && str_eq(t, w->name)) {
		if (increment && offset_of(clang_getCursorLocation(op)) > w->after)
			w->good++;
		else
			w->bad++;
	}
	free(t);
}

static enum CXChildVisitResult find_writes(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct counter_writes *w = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_UnaryOperator) {
		enum CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(c);
		if (op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PreInc ||
		    op == CXUnaryOperator_PostDec || op == CXUnaryOperator_PreDec)
			note_write(w, c, cursor_child(c, 0), is_increment(c));
	} else if (k == CXCursor_BinaryOperator &&
	           clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign) {
		note_write(w, c, cursor_child(c, 0), 0);
	} else if (k == CXCursor_CompoundAssignOperator) {
		long long one = 0;
		int plus_one = clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_AddAssign &&
		               is_int_literal(cursor_child(c, 1), &one) && one == 1;
		note_write(w, c, cursor_child(c, 0), plus_one);
	}
	return CXChildVisit_Recurse;
}

int fresh_slot_arg(struct xfn *f, CXCursor call, CXCursor arg)
{
	CXCursor e = element_of(f, arg);
	if (is_null_cursor(e))
		return 0;
	CXCursor i = index_of(e);
	if (is_null_cursor(i))
		return 0;
	unsigned after = offset_of(clang_getRangeEnd(clang_getCursorExtent(call)));
	if (is_increment(i)) {                    /* &slots[n++]: its own increment counts */
		i = strip_expr(cursor_child(i, 0));
		after = 0;
	}
	enum CXCursorKind k = clang_getCursorKind(i);
	if (k != CXCursor_DeclRefExpr && k != CXCursor_MemberRefExpr)
		return 0;
	char *name = cursor_text(f->x, i);
	struct counter_writes w = {f->x, name, after, 0, 0};
	if (name)
		clang_visitChildren(f->decl, find_writes, &w);
	free(name);
	return w.good > 0 && !w.bad;
}

/* ---- constant elements at distinct creations ----
 *
 * main: pthread_create(&t[0], NULL, stat, &bytes[0]); pthread_create(&t[1], NULL, stat,
 * &bytes[1]); — each thread its own element, as &bytes[i] in a loop gives. The extractor
 * drops indices, so this is decided here: main runs once, the creation is in no loop, and
 * every other creation by the same call in main that names the array passes another
 * constant element. */

struct const_elems {
	struct xtu *x;
	CXCursor self;             /* the creation being decided */
	const char *callee;
	int at;                    /* the argument's index */
	const char *base;          /* the array's spelling */
	long long k;
	int clash;                 /* another creation may pass the same element */
};

/* &a[K] or a + K with K an integer literal: the array's spelling, and K. */
static char *const_element(struct xtu *x, CXCursor e, long long *k)
{
	CXCursor i = index_of(e), base;
	if (is_null_cursor(i) || !is_int_literal(i, k))
		return NULL;
	if (clang_getCursorKind(e) == CXCursor_UnaryOperator)
		base = cursor_child(strip_expr(cursor_child(e, 0)), 0);
	else
		base = cursor_child(e, 0);
	return cursor_text(x, strip_expr(base));
}

static void judge_other(struct const_elems *w, CXCursor call)
{
	if (w->at >= clang_Cursor_getNumArguments(call))
		return;
	CXCursor arg = strip_expr(clang_Cursor_getArgument(call, w->at));
	long long k;
	char *base = const_element(w->x, arg, &k);
	if (base && str_eq(base, w->base)) {
		w->clash |= k == w->k;
	} else {                   /* the whole array, or an element not known: may overlap */
		char *t = cursor_text(w->x, arg);
		w->clash |= !t || strstr(t, w->base) != NULL;
		free(t);
	}
	free(base);
}

static enum CXChildVisitResult find_creations(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct const_elems *w = data;
	if (clang_getCursorKind(c) != CXCursor_CallExpr || same_expr(c, w->self))
		return CXChildVisit_Recurse;
	CXCursor d = clang_getCursorReferenced(c);
	char *name = clang_getCursorKind(d) == CXCursor_FunctionDecl ? cursor_name(d) : NULL;
	if (name && str_eq(name, w->callee))
		judge_other(w, c);
	free(name);
	return CXChildVisit_Recurse;
}

int const_slot_arg(struct xfn *f, CXCursor call, const char *callee, int at, CXCursor arg)
{
	if (!str_eq(f->name, "main") || f->nloops)
		return 0;
	struct const_elems w = {f->x, call, callee, at, NULL, 0, 0};
	char *base = const_element(f->x, strip_expr(arg), &w.k);
	if (!base)
		return 0;
	w.base = base;
	clang_visitChildren(f->decl, find_creations, &w);
	free(base);
	return !w.clash;
}
