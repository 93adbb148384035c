/* bands.c — loops over a thread's own band of an array. A worker given an identity k (its
 * argument, or a member of it) often works on elements [k * W, k * W + W): lo = id * BAND,
 * hi = lo + BAND, for (int i = lo; i < hi; i++) next[i] = …. Integer locals assigned once
 * get their value as an affine function of one source (a * SOURCE + b, SOURCE the path the
 * identity is read from: "p:0" for (long)arg, "p:0*.id" for w->id); a for loop whose
 * variable, declared in its header and written only there, runs from a * S + b up to
 * a * S + b + d with 0 < d <= |a| visits a band no other identity's band overlaps, so its
 * variable is given S as the source of its value, as an index read from the argument is:
 * the analysis then sees x[i] as the element of the thread's own identity
 * (analyze/collect.c, own_element). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct affine {
	char *src;           /* NULL: a constant */
	long long mul, add;
};

static int affine_of(struct xfn *f, CXCursor e, struct affine *out, int depth);

static int combine(struct affine *out, const struct affine *x, const struct affine *y, int sign)
{
	if (x->src && y->src && !str_eq(x->src, y->src))
		return 0;
	out->src = xstrdup(x->src ? x->src : y->src);
	out->mul = x->mul + sign * y->mul;
	out->add = x->add + sign * y->add;
	return 1;
}

static int scale(struct affine *out, const struct affine *x, const struct affine *k)
{
	if (k->src)
		return 0;
	out->src = x->src ? xstrdup(x->src) : NULL;
	out->mul = x->mul * k->add;
	out->add = x->add * k->add;
	return 1;
}

static int binary(struct xfn *f, CXCursor e, struct affine *out, int depth)
{
	enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(e);
	if (op != CXBinaryOperator_Add && op != CXBinaryOperator_Sub && op != CXBinaryOperator_Mul)
		return 0;
	struct affine x = {0}, y = {0};
	int ok = affine_of(f, cursor_child(e, 0), &x, depth + 1) &&
	         affine_of(f, cursor_child(e, 1), &y, depth + 1);
	if (ok && op == CXBinaryOperator_Mul)
		ok = scale(out, &x, &y) || scale(out, &y, &x);
	else if (ok)
		ok = combine(out, &x, &y, op == CXBinaryOperator_Add ? 1 : -1);
	free(x.src);
	free(y.src);
	return ok;
}

static int affine_of(struct xfn *f, CXCursor e, struct affine *out, int depth)
{
	memset(out, 0, sizeof *out);
	e = strip_expr(e);
	long long v;
	if (depth > 8 || is_null_cursor(e))
		return 0;
	if (constant_value(e, &v)) {
		out->add = v;
		return 1;
	}
	enum CXCursorKind k = clang_getCursorKind(e);
	if (k == CXCursor_BinaryOperator)
		return binary(f, e, out, depth);
	if (k == CXCursor_DeclRefExpr) {
		struct local *l = local_find(f, clang_getCursorReferenced(e));
		if (l && l->aff_ok && l->writes == 1) {
			out->src = l->aff_src ? xstrdup(l->aff_src) : NULL;
			out->mul = l->aff_mul;
			out->add = l->aff_add;
			return 1;
		}
		if (l && l->writes != 1)
			return 0;
	}
	if (k != CXCursor_DeclRefExpr && k != CXCursor_MemberRefExpr)
		return 0;
	out->src = int_source(f, e);
	out->mul = 1;
	return out->src != NULL;
}

void bands_note_value(struct xfn *f, struct local *l, CXCursor value)
{
	free(l->aff_src);
	l->aff_src = NULL;
	struct affine a;
	l->aff_ok = l->writes == 1 && affine_of(f, value, &a, 0);
	if (l->aff_ok) {
		l->aff_src = a.src;
		l->aff_mul = a.mul;
		l->aff_add = a.add;
	}
}

/* The local declared by a for loop's init (int i = lo), or NULL; *init its value. */
static struct local *header_var(struct xfn *f, CXCursor init, CXCursor *value)
{
	if (clang_getCursorKind(init) != CXCursor_DeclStmt)
		return NULL;
	CXCursor *v;
	int n = cursor_children(init, &v);
	CXCursor d = n == 1 ? v[0] : clang_getNullCursor();
	free(v);
	if (clang_getCursorKind(d) != CXCursor_VarDecl)
		return NULL;
	*value = clang_Cursor_getVarDeclInitializer(d);
	return is_null_cursor(*value) ? NULL : local_find(f, d);
}

static int names_local(struct xfn *f, CXCursor e, const struct local *l)
{
	e = strip_expr(e);
	return clang_getCursorKind(e) == CXCursor_DeclRefExpr &&
	       local_find(f, clang_getCursorReferenced(e)) == l;
}

/* i++, ++i, i += 1 */
static int steps_by_one(struct xfn *f, CXCursor inc, const struct local *l)
{
	enum CXCursorKind k = clang_getCursorKind(inc);
	if (k == CXCursor_UnaryOperator) {
		enum CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(inc);
		return (op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PreInc) &&
		       names_local(f, cursor_child(inc, 0), l);
	}
	long long one;
	return k == CXCursor_CompoundAssignOperator &&
	       clang_getCursorBinaryOperatorKind(inc) == CXBinaryOperator_AddAssign &&
	       names_local(f, cursor_child(inc, 0), l) && constant_value(cursor_child(inc, 1), &one) &&
	       one == 1;
}

void bands_enter_for(struct xfn *f, CXCursor init, CXCursor cond, CXCursor inc)
{
	CXCursor value;
	struct local *l = is_null_cursor(init) ? NULL : header_var(f, init, &value);
	CXCursor c = strip_expr(cond);
	if (!l || l->writes != 2 || is_null_cursor(inc) || !steps_by_one(f, strip_expr(inc), l) ||
	    clang_getCursorKind(c) != CXCursor_BinaryOperator ||
	    !names_local(f, cursor_child(c, 0), l))
		return;
	enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
	if (op != CXBinaryOperator_LT && op != CXBinaryOperator_LE)
		return;
	struct affine lo, hi;
	int ok = affine_of(f, value, &lo, 0), ok2 = affine_of(f, cursor_child(c, 1), &hi, 0);
	long long width = ok && ok2 ? hi.add - lo.add + (op == CXBinaryOperator_LE) : 0;
	long long stride = lo.mul < 0 ? -lo.mul : lo.mul;
	if (ok && ok2 && lo.src && str_eq(lo.src, hi.src) && lo.mul == hi.mul && width > 0 &&
	    width <= stride) {
		free(l->from);
		l->from = xstrdup(lo.src);
	}
	if (ok)
		free(lo.src);
	if (ok2)
		free(hi.src);
}
