/* expr.c — expressions: which reads and writes of possibly shared state they perform, in
 * evaluation order, plus the ordering comparisons (a->id < b->id) and atomic operations.
 *
 * The walk carries how the value of an expression is used (read, written, read-modify-
 * written, or only its address taken), because libclang gives no parent pointers. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct event *emit_access(struct xfn *f, CXCursor e, unsigned flags, const char *path)
{
	if (!path_is_shared(path) || path_is_private(f, path))
		return NULL;   /* accesses through a pointer of unknown value are not recorded */
	CXType t = clang_getCursorType(e);
	if (clang_isConstQualifiedType(t) && !strchr(path, '*'))
		return NULL;   /* a read-only object cannot race; one read through a pointer to
		                  const can, with a write through another pointer */
	enum CXTypeKind tk = clang_getCanonicalType(t).kind;
	if (tk == CXType_FunctionProto || tk == CXType_FunctionNoProto)
		return NULL;   /* (*fp)(): code, not data */
	if (clang_getCanonicalType(t).kind == CXType_Atomic)
		flags |= EVF_ATOMIC;
	char *name = cursor_text(f->x, e), *type = type_name(t), *guard = access_guard(f, e);
	struct event *ev = emit(f, EV_ACCESS, e);
	ev->flags |= flags;
	ev->path = xstrdup(path);
	ev->name = name;
	ev->type = type;
	ev->lock_class = guard;
	return ev;
}

static unsigned use_flags(enum use use)
{
	switch (use) {
	case U_READ: return EVF_READ;
	case U_WRITE: return EVF_WRITE;
	case U_RMW: return EVF_READ | EVF_WRITE;
	default: return 0;
	}
}

static int is_lvalue_kind(CXCursor e)
{
	enum CXCursorKind k = clang_getCursorKind(e);
	return k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr ||
	       k == CXCursor_ArraySubscriptExpr ||
	       (k == CXCursor_UnaryOperator &&
	        clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_Deref);
}

/* The reads an lvalue performs to find its object: a in a->f, i in x[i], p in *p. */
static void lvalue_parts(struct xfn *f, CXCursor e)
{
	CXCursor *v;
	int n = cursor_children(e, &v);
	switch (clang_getCursorKind(e)) {
	case CXCursor_MemberRefExpr:
		if (n >= 1)
			walk_expr(f, v[0], is_pointer_type(clang_getCursorType(v[0])) ? U_READ : U_ADDR);
		break;
	case CXCursor_ArraySubscriptExpr:
		if (n >= 2) {
			CXCursor base = strip_implicit(v[0]);
			if (is_array_type(clang_getCursorType(base)))
				walk_expr(f, base, U_ADDR);
			else
				walk_expr(f, v[0], U_READ);
			walk_expr(f, v[1], U_READ);
		}
		break;
	case CXCursor_UnaryOperator:
		if (n >= 1)
			walk_expr(f, v[0], U_READ);
		break;
	default:
		break;
	}
	free(v);
}

/* The access of the lvalue's own object, if its use reads or writes it (the event, when
 * it is one of possibly shared state). */
static struct event *lvalue_access(struct xfn *f, CXCursor e, enum use use)
{
	if (use == U_WRITE || use == U_RMW) {
		int line, col;
		cursor_pos(e, &line, &col);
		atoms_note_write(f, e, 0, line, col);
	}
	if (use == U_ADDR)
		return NULL;
	if (use == U_READ && is_array_type(clang_getCursorType(e)))
		return NULL;   /* an array used as a value decays to its address */
	if (clang_getCursorKind(e) == CXCursor_DeclRefExpr) {
		CXCursor d = clang_getCursorReferenced(e);
		struct local *l = local_find(f, d);
		if (clang_getCursorKind(d) == CXCursor_ParmDecl || (l && !l->escapes))
			return NULL;   /* the local itself, even when it aliases something shared */
		if (l) {
			char *name = cursor_name(d);
			char *p = xasprintf("l:%s:%s", f->name, name);
			struct event *ev = emit_access(f, e, use_flags(use), p);
			free(p);
			free(name);
			return ev;
		}
	}
	char *p = path_of(f, e);
	struct event *ev = emit_access(f, e, use_flags(use), p);
	if (ev && strstr(p, "[]"))
		ev->arg = element_index(f, e);
	free(p);
	return ev;
}

static void walk_lvalue(struct xfn *f, CXCursor e, enum use use)
{
	lvalue_parts(f, e);
	lvalue_access(f, e, use);
}

/* x = v, x op= v: the reads that locate x, then v, then the write (or RMW) of x. */
static void walk_assign(struct xfn *f, CXCursor e, enum use use)
{
	CXCursor lhs = cursor_child(e, 0), rhs = cursor_child(e, 1);
	CXCursor l = strip_implicit(lhs);
	if (is_lvalue_kind(l)) {
		lvalue_parts(f, l);
		CXCursor saved;
		int saved_pos;
		watch_begin(f, rhs, &saved, &saved_pos);
		walk_expr(f, rhs, U_READ);
		note_call_result(f, l, f->watch_pos);
		int local = clang_getCursorKind(l) == CXCursor_DeclRefExpr;
		watch_end(f, local && use == U_WRITE ? clang_getCursorReferenced(l) : clang_getNullCursor(),
		          saved, saved_pos);
		struct event *ev = lvalue_access(f, l, use);
		if (local && use == U_WRITE) {
			int line, col;
			cursor_pos(l, &line, &col);
			atoms_note_counter_reset(f, clang_getCursorReferenced(l), line, col);
		}
		long long value;
		if (ev && use == U_WRITE && constant_value(rhs, &value))
			ev->api = xasprintf("=%lld", value);   /* two threads storing it lose nothing */
		if (use == U_WRITE) {
			note_store(f, l, rhs);
			note_take(f, l, rhs);
			own_index_store(f, l, rhs, ev);
		} else if (clang_getCursorBinaryOperatorKind(e) == CXBinaryOperator_AddAssign &&
		           is_int_literal(rhs, NULL)) {
			note_ring_advance(f, l);     /* H += 1 */
		}
		if (local && use == U_WRITE) {
			set_alias(f, clang_getCursorReferenced(l), rhs);
			note_struct_copy(f, clang_getCursorReferenced(l), rhs);
		}
	} else {
		walk_expr(f, lhs, use);
		walk_expr(f, rhs, U_READ);
	}
}

/* The struct an ordering comparison operand is about: a struct pointer, or a member reached
 * through one (a->id). */
static char *order_operand(CXCursor op)
{
	CXCursor s = strip_expr(op);
	CXType t = clang_getCursorType(s);
	if (is_pointer_type(t) && clang_getCanonicalType(clang_getPointeeType(t)).kind == CXType_Record)
		return record_name(t);
	if (clang_getCursorKind(s) == CXCursor_MemberRefExpr) {
		CXCursor base = cursor_child(s, 0);
		if (!is_null_cursor(base) && is_pointer_type(clang_getCursorType(base)))
			return record_name(clang_getCursorType(base));
	}
	return NULL;
}

static void note_order(struct xfn *f, CXCursor lhs, CXCursor rhs)
{
	char *a = order_operand(lhs), *b = order_operand(rhs);
	if (a && str_eq(a, b)) {
		int cap = f->fn->norder_types;   /* the array is grown one by one */
		if (!ptrset_has(f->fn->order_types, f->fn->norder_types, a)) {
			f->fn->order_types = xrealloc(f->fn->order_types,
			                              (size_t)(cap + 1) * sizeof *f->fn->order_types);
			f->fn->order_types[f->fn->norder_types++] = xstrdup(a);
		}
	}
	free(a);
	free(b);
}

static void walk_binary(struct xfn *f, CXCursor e)
{
	CXCursor lhs = cursor_child(e, 0), rhs = cursor_child(e, 1);
	switch (clang_getCursorBinaryOperatorKind(e)) {
	case CXBinaryOperator_Assign:
		walk_assign(f, e, U_WRITE);
		return;
	case CXBinaryOperator_LAnd:
	case CXBinaryOperator_LOr:
		walk_expr(f, lhs, U_READ);
		f->cond_depth++;
		walk_expr(f, rhs, U_READ);
		f->cond_depth--;
		return;
	case CXBinaryOperator_LT: case CXBinaryOperator_GT:
	case CXBinaryOperator_LE: case CXBinaryOperator_GE:
		note_order(f, lhs, rhs);
		break;
	default:
		break;
	}
	walk_expr(f, lhs, U_READ);
	walk_expr(f, rhs, U_READ);
}

static void walk_unary(struct xfn *f, CXCursor e, enum use use)
{
	CXCursor op = cursor_child(e, 0);
	switch (clang_getCursorUnaryOperatorKind(e)) {
	case CXUnaryOperator_AddrOf: {
		int line, col;
		cursor_pos(op, &line, &col);
		atoms_note_write(f, op, 1, line, col);   /* it may be written through the pointer */
		walk_expr(f, op, U_ADDR);
		break;
	}
	case CXUnaryOperator_Deref:
		walk_lvalue(f, e, use);
		break;
	case CXUnaryOperator_PreInc: case CXUnaryOperator_PreDec:
	case CXUnaryOperator_PostInc: case CXUnaryOperator_PostDec:
		walk_expr(f, op, U_RMW);
		if (clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_PreInc ||
		    clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_PostInc) {
			int line, col;
			cursor_pos(e, &line, &col);
			atoms_note_increment(f, op, line, col);
			note_ring_advance(f, op);
		}
		break;
	case CXUnaryOperator_Extension:
		walk_expr(f, op, use);
		break;
	default:
		walk_expr(f, op, U_READ);
		break;
	}
}

/* ---- atomics ---- */

static unsigned atomic_mode(const char *op)
{
	if (strstr(op, "load"))
		return EVF_READ;
	if (strstr(op, "store") || strstr(op, "init") || strstr(op, "clear") ||
	    strstr(op, "lock_release"))
		return EVF_WRITE;
	return EVF_READ | EVF_WRITE;
}

void atomic_access(struct xfn *f, CXCursor at, CXCursor ptr, const char *op)
{
	walk_expr(f, ptr, U_READ);
	CXType pt = clang_getCursorType(ptr);
	if (!is_pointer_type(pt))
		return;
	CXType t = clang_getPointeeType(pt);
	char *vp = value_path(f, ptr), *path = deref_path(vp);
	free(vp);
	if (path_is_shared(path) && !path_is_private(f, path) && !clang_isConstQualifiedType(t)) {
		CXCursor s = strip_expr(ptr), obj = s;
		int addr = clang_getCursorKind(s) == CXCursor_UnaryOperator &&
		           clang_getCursorUnaryOperatorKind(s) == CXUnaryOperator_AddrOf;
		if (addr)
			obj = cursor_child(s, 0);
		char *text = cursor_text(f->x, obj);
		struct event *ev = emit(f, EV_ACCESS, at);
		ev->flags |= atomic_mode(op) | EVF_ATOMIC;
		ev->path = path;
		ev->name = addr ? text : xasprintf("*%s", text);
		ev->type = type_name(t);
		if (!addr)
			free(text);
		return;
	}
	free(path);
}

/* An AtomicExpr (__atomic_*, __c11_atomic_*, stdatomic macros) is an UnexposedExpr with the
 * object pointer first; its operation is the first token. */
static void walk_atomic_expr(struct xfn *f, CXCursor e, CXCursor *v, int n)
{
	CXToken *toks = NULL;
	unsigned nt = 0;
	clang_tokenize(f->x->tu, clang_getCursorExtent(e), &toks, &nt);
	char *op = xstrdup("atomic");
	if (nt) {
		CXString s = clang_getTokenSpelling(f->x->tu, toks[0]);
		free(op);
		op = xstrdup(clang_getCString(s));
		clang_disposeString(s);
	}
	clang_disposeTokens(f->x->tu, toks, nt);
	for (int i = 1; i < n; i++)
		walk_expr(f, v[i], U_READ);
	atomic_access(f, e, v[0], op);
	spin_note_release(f, e);
	free(op);
}

static void walk_children(struct xfn *f, CXCursor e)
{
	CXCursor *v;
	int n = cursor_children(e, &v);
	for (int i = 0; i < n; i++) {
		if (clang_isExpression(clang_getCursorKind(v[i])))
			walk_expr(f, v[i], U_READ);
		else if (clang_isStatement(clang_getCursorKind(v[i])))
			walk_stmt(f, v[i]);
	}
	free(v);
}

static void walk_conditional(struct xfn *f, CXCursor e)
{
	CXCursor *v;
	int n = cursor_children(e, &v);
	if (n >= 1)
		walk_expr(f, v[0], U_READ);
	f->cond_depth++;
	for (int i = 1; i < n; i++)
		walk_expr(f, v[i], U_READ);
	f->cond_depth--;
	free(v);
}

void walk_expr(struct xfn *f, CXCursor e, enum use use)
{
	CXCursor *v;
	int n;
	switch (clang_getCursorKind(e)) {
	case CXCursor_ParenExpr:
		walk_expr(f, cursor_child(e, 0), use);
		return;
	case CXCursor_UnexposedExpr:
		n = cursor_children(e, &v);
		if (n == 1)
			walk_expr(f, v[0], use);   /* implicit cast */
		else if (n > 1 && is_pointer_type(clang_getCursorType(v[0])))
			walk_atomic_expr(f, e, v, n);
		else
			for (int i = 0; i < n; i++)
				walk_expr(f, v[i], U_READ);
		free(v);
		return;
	case CXCursor_CStyleCastExpr:
		n = cursor_children(e, &v);
		if (n >= 1)
			walk_expr(f, v[n - 1], use == U_ADDR ? U_ADDR : U_READ);
		free(v);
		return;
	case CXCursor_DeclRefExpr:
	case CXCursor_MemberRefExpr:
	case CXCursor_ArraySubscriptExpr:
		walk_lvalue(f, e, use);
		return;
	case CXCursor_UnaryOperator:
		walk_unary(f, e, use);
		return;
	case CXCursor_BinaryOperator:
		walk_binary(f, e);
		return;
	case CXCursor_CompoundAssignOperator:
		walk_assign(f, e, U_RMW);
		return;
	case CXCursor_ConditionalOperator:
		walk_conditional(f, e);
		return;
	case CXCursor_CallExpr:
		walk_call(f, e);
		return;
	case CXCursor_UnaryExpr:          /* sizeof, _Alignof: not evaluated */
	case CXCursor_IntegerLiteral: case CXCursor_FloatingLiteral:
	case CXCursor_StringLiteral: case CXCursor_CharacterLiteral:
		return;
	case CXCursor_StmtExpr:
		walk_children(f, e);
		return;
	default:
		walk_children(f, e);
		return;
	}
}
