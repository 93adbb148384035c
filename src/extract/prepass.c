/* prepass.c — facts that must be known before a function is walked in order: which locals
 * escape (their address is taken, so other threads may reach them), which functions a
 * function-pointer variable may hold, whether threads are created detached; and, for the
 * whole TU, which functions have their address taken. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct local *local_find(struct xfn *f, CXCursor decl)
{
	for (int i = 0; i < f->nlocals; i++)
		if (same_decl(f->locals[i].decl, decl))
			return &f->locals[i];
	return NULL;
}

static int is_local_var(CXCursor decl)
{
	if (clang_getCursorKind(decl) != CXCursor_VarDecl)
		return 0;
	enum CX_StorageClass sc = clang_Cursor_getStorageClass(decl);
	if (sc == CX_SC_Static || sc == CX_SC_Extern)
		return 0;
	return clang_getCursorKind(clang_getCursorSemanticParent(decl)) != CXCursor_TranslationUnit;
}

static void add_fn(struct named_decl **v, int *n, int *cap, CXCursor var, CXCursor fn)
{
	char *usr = cursor_usr(fn);
	for (int i = 0; i < *n; i++)
		if (same_decl((*v)[i].decl, var) && str_eq((*v)[i].usr, usr)) {
			free(usr);
			return;
		}
	grow_array((void **)v, cap, *n, sizeof **v);
	(*v)[(*n)++] = (struct named_decl){var, usr, cursor_name(fn)};
}

void local_add_fn(struct local *l, CXCursor fn)
{
	add_fn(&l->fns, &l->nfns, &l->fns_cap, l->decl, fn);
}

/* The function an expression designates (worker, &worker, (void *(*)(void *))worker). */
static CXCursor function_value(CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	    clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_AddrOf)
		e = strip_expr(cursor_child(e, 0));
	if (clang_getCursorKind(e) != CXCursor_DeclRefExpr)
		return clang_getNullCursor();
	CXCursor d = clang_getCursorReferenced(e);
	return clang_getCursorKind(d) == CXCursor_FunctionDecl ? d : clang_getNullCursor();
}

/* The variable an lvalue belongs to: s for s.f, a for a[i] when a is an array. */
static CXCursor lvalue_root(CXCursor e)
{
	for (;;) {
		e = strip_implicit(e);
		enum CXCursorKind k = clang_getCursorKind(e);
		CXCursor base = cursor_child(e, 0);
		if (k == CXCursor_MemberRefExpr && !is_null_cursor(base) &&
		    !is_pointer_type(clang_getCursorType(base)))
			e = base;
		else if (k == CXCursor_ArraySubscriptExpr &&
		         is_array_type(clang_getCursorType(strip_implicit(base))))
			e = base;
		else if (k == CXCursor_DeclRefExpr)
			return clang_getCursorReferenced(e);
		else
			return clang_getNullCursor();
	}
}

static void mark_escape(struct xfn *f, CXCursor e)
{
	CXCursor d = lvalue_root(e);
	struct local *l = is_null_cursor(d) ? NULL : local_find(f, d);
	if (l)
		l->escapes = 1;
}

static void note_local(struct xfn *f, CXCursor decl)
{
	if (!is_local_var(decl) || local_find(f, decl))
		return;
	grow_array((void **)&f->locals, &f->locals_cap, f->nlocals, sizeof *f->locals);
	struct local *l = &f->locals[f->nlocals++];
	memset(l, 0, sizeof *l);
	l->decl = decl;
	l->name = cursor_name(decl);
}

static void note_fn_assign(struct xfn *f, CXCursor var, CXCursor value)
{
	CXCursor fn = function_value(value);
	struct local *l = local_find(f, var);
	if (l && !is_null_cursor(fn))
		local_add_fn(l, fn);
}

static int is_detached_const(CXCursor e)
{
	long long v;
	e = strip_expr(e);
	if (clang_getCursorKind(e) == CXCursor_DeclRefExpr) {
		char *n = cursor_name(e);
		int yes = str_eq(n, "PTHREAD_CREATE_DETACHED");
		free(n);
		return yes;
	}
	return is_int_literal(e, &v) && v == 1;
}

static void note_call(struct xfn *f, CXCursor call)
{
	char *name = cursor_name(clang_getCursorReferenced(call));
	if (str_eq(name, "pthread_attr_setdetachstate") && clang_Cursor_getNumArguments(call) == 2 &&
	    is_detached_const(clang_Cursor_getArgument(call, 1)))
		f->sets_detached = 1;
	free(name);
}

/* Array-to-pointer decay: an implicit cast from an array to a pointer. */
static int is_decay(CXCursor e)
{
	if (clang_getCursorKind(e) != CXCursor_UnexposedExpr || cursor_nchildren(e) != 1)
		return 0;
	return is_pointer_type(clang_getCursorType(e)) &&
	       is_array_type(clang_getCursorType(strip_implicit(cursor_child(e, 0))));
}

static void scan(struct xfn *f, CXCursor c, int subscript_base)
{
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_VarDecl) {
		note_local(f, c);
		CXCursor init = clang_Cursor_getVarDeclInitializer(c);
		if (!is_null_cursor(init))
			note_fn_assign(f, c, init);
	} else if (k == CXCursor_UnaryOperator &&
	           clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_AddrOf) {
		mark_escape(f, cursor_child(c, 0));
	} else if (k == CXCursor_BinaryOperator &&
	           clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign) {
		CXCursor lhs = strip_implicit(cursor_child(c, 0));
		if (clang_getCursorKind(lhs) == CXCursor_DeclRefExpr)
			note_fn_assign(f, clang_getCursorReferenced(lhs), cursor_child(c, 1));
	} else if (k == CXCursor_CallExpr) {
		note_call(f, c);
	} else if (is_decay(c) && !subscript_base) {
		mark_escape(f, cursor_child(c, 0));
	}
	CXCursor *v;
	int n = cursor_children(c, &v);
	for (int i = 0; i < n; i++)
		scan(f, v[i], k == CXCursor_ArraySubscriptExpr && i == 0);
	free(v);
}

void prepass_function(struct xfn *f, CXCursor body)
{
	scan(f, body, 0);
}

/* ---- whole TU: address-taken functions, global function pointers ---- */

static void note_global_fnptr(struct xtu *x, CXCursor var, CXCursor value)
{
	CXCursor fn = function_value(value);
	if (is_null_cursor(fn) || clang_getCursorKind(var) != CXCursor_VarDecl || is_local_var(var))
		return;
	add_fn(&x->gfnptr, &x->ngfnptr, &x->gfnptr_cap, var, fn);
}

static void scan_tu(struct xtu *x, CXCursor c, int is_callee)
{
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_DeclRefExpr && !is_callee) {
		CXCursor d = clang_getCursorReferenced(c);
		if (clang_getCursorKind(d) == CXCursor_FunctionDecl) {
			char *usr = cursor_usr(d);
			ptrset_add(&x->addr_taken, &x->naddr_taken, &x->addr_taken_cap, usr);
			free(usr);
		}
	} else if (k == CXCursor_VarDecl) {
		CXCursor init = clang_Cursor_getVarDeclInitializer(c);
		if (!is_null_cursor(init))
			note_global_fnptr(x, c, init);
	} else if (k == CXCursor_BinaryOperator &&
	           clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign) {
		CXCursor lhs = strip_implicit(cursor_child(c, 0));
		if (clang_getCursorKind(lhs) == CXCursor_DeclRefExpr)
			note_global_fnptr(x, clang_getCursorReferenced(lhs), cursor_child(c, 1));
	}
	CXCursor *v;
	int n = cursor_children(c, &v);
	for (int i = 0; i < n; i++) {
		/* The callee of a direct call, through its implicit function-to-pointer cast. */
		int callee = k == CXCursor_CallExpr && i == 0;
		if (callee && clang_getCursorKind(v[i]) != CXCursor_DeclRefExpr) {
			CXCursor s = strip_implicit(v[i]);
			if (clang_getCursorKind(s) == CXCursor_DeclRefExpr) {
				scan_tu(x, s, 1);
				continue;
			}
			callee = 0;
		}
		scan_tu(x, v[i], callee);
	}
	free(v);
}

void prepass_tu(struct xtu *x)
{
	CXCursor *v;
	int n = cursor_children(clang_getTranslationUnitCursor(x->tu), &v);
	for (int i = 0; i < n; i++)
		if (!in_system_header(v[i]))
			scan_tu(x, v[i], 0);
	free(v);
}

int global_fnptr_next(struct xtu *x, CXCursor var, int from)
{
	for (int i = from; i < x->ngfnptr; i++)
		if (same_decl(x->gfnptr[i].decl, var))
			return i;
	return -1;
}
