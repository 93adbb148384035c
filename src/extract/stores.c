/* stores.c — function values as facts, for the analysis to follow a start routine or a
 * callback through wrappers, structs, globals and tables (analyze/fnptr.c): a function named
 * as a call argument is "fn:USR"; a function, a function pointer or a parameter's pointer
 * assigned to an object is an EV_STORE; a call through a pointer whose value is unknown
 * here names the pointer object (its path and, for a member, its field). */
#include "internal.h"

#include <stdlib.h>

#include "common/util.h"

static void function_values(CXCursor e, struct strbuf *sb)
{
	e = strip_expr(e);
	enum CXCursorKind k = clang_getCursorKind(e);
	if (k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_AddrOf) {
		function_values(cursor_child(e, 0), sb);
	} else if (k == CXCursor_ConditionalOperator) {
		CXCursor *v;
		int n = cursor_children(e, &v);
		for (int i = 1; i < n; i++)
			function_values(v[i], sb);
		free(v);
	} else if (k == CXCursor_InitListExpr) {
		CXCursor *v;             /* an array's elements: {reader, writer} */
		int n = cursor_children(e, &v);
		for (int i = 0; i < n; i++)
			function_values(v[i], sb);
		free(v);
	} else if (k == CXCursor_DeclRefExpr &&
	           clang_getCursorKind(clang_getCursorReferenced(e)) == CXCursor_FunctionDecl) {
		char *usr = cursor_usr(clang_getCursorReferenced(e));
		if (usr)
			sb_addf(sb, "%sfn:%s", sb->len ? " " : "", usr);
		free(usr);
	}
}

char *function_value(CXCursor e)
{
	struct strbuf sb;
	sb_init(&sb);
	function_values(e, &sb);
	if (!sb.len) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

/* x.f where x is a local struct copied from an object (struct aux aux = *auxp): the field
 * of that object, for following what a trampoline calls and passes. NULL otherwise. */
char *copied_member_path(struct xfn *f, CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) != CXCursor_MemberRefExpr)
		return NULL;
	CXCursor base = strip_expr(cursor_child(e, 0));
	if (clang_getCursorKind(base) != CXCursor_DeclRefExpr)
		return NULL;
	struct local *l = local_find(f, clang_getCursorReferenced(base));
	if (!l || !l->copy_of)
		return NULL;
	char *field = cursor_name(e), *r = xasprintf("%s.%s", l->copy_of, field);
	free(field);
	return r;
}

void note_struct_copy(struct xfn *f, CXCursor var, CXCursor value)
{
	struct local *l = local_find(f, var);
	if (!l || clang_getCanonicalType(clang_getCursorType(var)).kind != CXType_Record)
		return;
	free(l->copy_of);
	l->copy_of = path_of(f, value);
	l->alias_pos = f->pos;
	free(l->ring_head);
	l->ring_head = ring_head_of(f, value);
}

static int is_function_pointer(CXType t)
{
	t = clang_getCanonicalType(t);
	if (t.kind != CXType_Pointer)
		return 0;
	enum CXTypeKind k = clang_getCanonicalType(clang_getPointeeType(t)).kind;
	return k == CXType_FunctionProto || k == CXType_FunctionNoProto;
}

/* The member an element of an array member belongs to (ops->handlers[i]: handlers), or a
 * null cursor: its elements share the member's field as a slot of function values. */
static CXCursor array_member(CXCursor e)
{
	if (clang_getCursorKind(e) != CXCursor_ArraySubscriptExpr)
		return clang_getNullCursor();
	CXCursor base = strip_expr(cursor_child(e, 0));
	return clang_getCursorKind(base) == CXCursor_MemberRefExpr ? base : clang_getNullCursor();
}

char *pointer_field(struct xfn *f, CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	    clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_Deref)
		e = strip_expr(cursor_child(e, 0));
	if (!is_null_cursor(array_member(e)))
		return field_key(array_member(e));
	if (clang_getCursorKind(e) == CXCursor_MemberRefExpr)
		return field_key(e);
	if (clang_getCursorKind(e) == CXCursor_DeclRefExpr) {
		struct local *l = local_find(f, clang_getCursorReferenced(e));
		return l ? xstrdup(l->alias_field) : NULL;
	}
	return NULL;
}

char *pointer_slot(struct xfn *f, CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	    clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_Deref)
		e = cursor_child(e, 0);
	char *p = value_path(f, e);
	return p ? p : copied_member_path(f, e);
}

/* A parameter's pointer kept in a struct (aux->arg = arg): how a wrapper hands the thread
 * argument to the routine it starts through a trampoline. */
static int is_pointer_param(CXCursor value)
{
	CXCursor v = strip_expr(value);
	return clang_getCursorKind(v) == CXCursor_DeclRefExpr &&
	       clang_getCursorKind(clang_getCursorReferenced(v)) == CXCursor_ParmDecl &&
	       is_pointer_type(clang_getCursorType(v));
}

int holds_function_pointers(CXType t)
{
	t = clang_getCanonicalType(t);
	while (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray)
		t = clang_getCanonicalType(clang_getArrayElementType(t));
	return is_function_pointer(t);
}

void note_decl_store(struct xfn *f, CXCursor var, CXCursor init)
{
	if (!holds_function_pointers(clang_getCursorType(var)))
		return;
	char *value = function_value(init);
	if (!value)
		return;
	char *name = cursor_name(var), *dest = xasprintf("l:%s:%s", f->name, name);
	free(name);
	char *spelling = cursor_text(f->x, init);
	struct event *ev = emit(f, EV_STORE, var);
	ev->path = dest;
	ev->arg = value;
	ev->name = spelling;
}

void note_store(struct xfn *f, CXCursor lhs, CXCursor rhs)
{
	CXCursor l = strip_implicit(lhs);
	char *value = function_value(rhs);
	if (!value) {
		int member = clang_getCursorKind(l) == CXCursor_MemberRefExpr;
		if (!is_function_pointer(clang_getCursorType(l)) && !(member && is_pointer_param(rhs)))
			return;
		value = value_path(f, rhs);
		if (!value)
			return;
	}
	char *dest = path_of(f, l), *name = cursor_text(f->x, rhs);
	char *to_field = clang_getCursorKind(l) == CXCursor_MemberRefExpr ? field_key(l)
	                 : !is_null_cursor(array_member(l)) ? field_key(array_member(l)) : NULL;
	char *from_field = pointer_field(f, rhs);
	struct event *ev = emit(f, EV_STORE, l);
	ev->path = dest;
	ev->arg = value;
	ev->name = name;
	ev->type = to_field;
	ev->api = from_field;
	ev->lock_class = embedded_member_path(l);
}

void note_call_result(struct xfn *f, CXCursor lhs, int call_pos)
{
	if (call_pos < 0 || f->cur < 0)
		return;
	CXCursor l = strip_implicit(lhs);
	if (!is_pointer_type(clang_getCursorType(l)) && !is_thread_handle_type(clang_getCursorType(l)))
		return;
	char *slot = NULL;
	if (clang_getCursorKind(l) == CXCursor_VarDecl) {
		char *name = cursor_name(l);
		slot = xasprintf("l:%s:%s", f->name, name);
		free(name);
	} else if (clang_getCursorKind(l) == CXCursor_DeclRefExpr &&
	           local_find(f, clang_getCursorReferenced(l))) {
		char *name = cursor_name(clang_getCursorReferenced(l));
		slot = xasprintf("l:%s:%s", f->name, name);
		free(name);
	} else {
		slot = path_of(f, l);
	}
	const struct block *b = &f->fn->blocks[f->cur];
	for (int i = b->nevents - 1; slot && i >= 0; i--) {
		struct event *ev = &b->events[i];
		if (ev->pos == call_pos && ev->kind == EV_CALL && !ev->path) {
			ev->path = slot;
			slot = NULL;
		}
	}
	free(slot);
}
