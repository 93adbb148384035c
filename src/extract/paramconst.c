/* paramconst.c — a parameter tested against constants, and constant arguments: what lets the
 * analysis walk a callee once per constant it is called with. pause(PAUSE) takes locks that
 * pause(RESUME) releases, get(key, FLAG_KEEP_LOCKED) returns holding what get(key, 0)
 * releases: one function whose lock effect a constant argument chooses, which a walk that
 * joins every branch sees as "maybe held" on both calls.
 *
 * A parameter of integer type that the function never writes nor takes the address of,
 * compared with a constant (p == K, p != K, p & K, !p, switch (p) { case K: … default: … }),
 * gives each branch an ASSUME event on the atom "k:N=K" (nonzero when parameter N equals K)
 * or "k:N&K" (nonzero when N & K is), unless the condition has an atom of its own already (a
 * parameter tested twice, "v:p", correlates its branches as before). A call argument of integer type that is a constant expression has the path "#VALUE"
 * (analyze/constargs.c decides the callee's atoms with it). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static int is_integer_type(CXType t)
{
	t = clang_getCanonicalType(t);
	return (t.kind >= CXType_Bool && t.kind <= CXType_Int128) || t.kind == CXType_Enum;
}

void paramconst_note_write(struct xfn *f, CXCursor lvalue)
{
	CXCursor e = strip_implicit(lvalue);
	if (clang_getCursorKind(e) != CXCursor_DeclRefExpr)
		return;
	CXCursor d = clang_getCursorReferenced(e);
	int n = clang_getCursorKind(d) == CXCursor_ParmDecl ? param_index(f, d) : -1;
	if (n >= 0 && n < 64)
		f->params_written |= 1ull << n;
}

/* The number of the unchanged integer parameter e reads, or -1. */
static int fixed_param(struct xfn *f, CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) != CXCursor_DeclRefExpr || !is_integer_type(clang_getCursorType(e)))
		return -1;
	CXCursor d = clang_getCursorReferenced(e);
	if (clang_getCursorKind(d) != CXCursor_ParmDecl)
		return -1;
	int n = param_index(f, d);
	return n >= 0 && n < 64 && !(f->params_written & (1ull << n)) ? n : -1;
}

/* The value of an integer constant expression: literals, enumerators and what combines them
 * (-1, A | B, (int)X); never a variable's value. */
int int_constant(CXCursor e, long long *v)
{
	CXCursor s = strip_expr(e);
	if (clang_getCursorKind(s) == CXCursor_DeclRefExpr) {
		CXCursor d = clang_getCursorReferenced(s);
		if (clang_getCursorKind(d) != CXCursor_EnumConstantDecl)
			return 0;
		*v = clang_getEnumConstantDeclValue(d);
		return 1;
	}
	return constant_value(e, v);
}

char *paramconst_arg(CXCursor arg)
{
	long long v;
	if (!is_integer_type(clang_getCursorType(arg)) || !int_constant(arg, &v))
		return NULL;
	return xasprintf("#%lld", v);
}

/* p == K / K == p (or !=): the atom "k:N=K"; *eq: the comparison is == */
static char *compare_atom(struct xfn *f, CXCursor l, CXCursor r)
{
	long long v;
	int n = fixed_param(f, l);
	if (n < 0) {
		CXCursor t = l;
		l = r;
		r = t;
		n = fixed_param(f, l);
	}
	if (n < 0 || !int_constant(r, &v))
		return NULL;
	return xasprintf("k:%d=%lld", n, v);
}

char *paramconst_cond_atom(struct xfn *f, CXCursor cond, int *nonzero_true)
{
	*nonzero_true = 1;
	for (int depth = 0; depth < 8; depth++) {
		CXCursor e = strip_expr(cond);
		enum CXCursorKind k = clang_getCursorKind(e);
		if (k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_LNot) {
			*nonzero_true ^= 1;
			cond = cursor_child(e, 0);
			continue;
		}
		int n = fixed_param(f, e);
		if (n >= 0) {                     /* if (p): p is not 0 */
			*nonzero_true ^= 1;
			return xasprintf("k:%d=0", n);
		}
		if (k != CXCursor_BinaryOperator)
			return NULL;
		enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(e);
		CXCursor l = cursor_child(e, 0), r = cursor_child(e, 1);
		long long v;
		if (op == CXBinaryOperator_EQ || op == CXBinaryOperator_NE) {
			if (op == CXBinaryOperator_NE)
				*nonzero_true ^= 1;
			if (int_constant(r, &v) && v == 0 && fixed_param(f, l) < 0) {
				*nonzero_true ^= 1;       /* (x) == 0 tests x */
				cond = l;
				continue;
			}
			return compare_atom(f, l, r);
		}
		if (op == CXBinaryOperator_And) {
			n = fixed_param(f, l) >= 0 ? fixed_param(f, l) : fixed_param(f, r);
			if (n < 0 || !int_constant(fixed_param(f, l) >= 0 ? r : l, &v))
				return NULL;
			return xasprintf("k:%d&%lld", n, v);
		}
		return NULL;
	}
	return NULL;
}

/* ---- switch (p) ---- */

void paramconst_switch_begin(struct xfn *f, struct switch_ctx *sw, CXCursor cond)
{
	sw->param = fixed_param(f, cond);
	sw->nomatch = sw->param >= 0 ? new_block(f) : -1;
}

static void assume_value(struct xfn *f, int block, const struct switch_ctx *sw, long long v,
                         int equal)
{
	int saved = f->cur;
	f->cur = block;
	struct event *ev = emit_at(f, EV_ASSUME, sw->line, sw->col);
	ev->path = xasprintf("k:%d=%lld", sw->param, v);
	if (equal)
		ev->flags |= EVF_TRUE;
	f->cur = saved;
}

int paramconst_case_entry(struct xfn *f, struct switch_ctx *sw, CXCursor c, int is_default)
{
	if (sw->param < 0)
		return sw->dispatch;
	int b = new_block(f);
	edge(f, sw->dispatch, b);
	long long v;
	if (is_default) {
		sw->default_block = b;
	} else if (cursor_nchildren(c) == 2 && int_constant(cursor_child(c, 0), &v)) {
		grow_array((void **)&sw->values, &sw->values_cap, sw->nvalues, sizeof *sw->values);
		sw->values[sw->nvalues++] = v;
		assume_value(f, b, sw, v, 1);
	} else {
		sw->unknown = 1;                 /* a case range: the default cannot exclude it */
	}
	return b;
}

/* The default (or, without one, the way past the switch, to x) runs when no case matched. */
void paramconst_switch_end(struct xfn *f, struct switch_ctx *sw, int x)
{
	if (sw->param < 0)
		return;
	int b = sw->has_default ? sw->default_block : sw->nomatch;
	for (int i = 0; i < sw->nvalues && !sw->unknown; i++)
		assume_value(f, b, sw, sw->values[i], 0);
	if (!sw->has_default) {
		edge(f, sw->dispatch, sw->nomatch);
		edge(f, sw->nomatch, x);
	}
	free(sw->values);
}
