/* compared.c — a variable in static storage compared with a constant (`if (g.in_which ==
 * -1)`, `while (state != DONE)`): the condition's atom is "c:PATH=K", nonzero where PATH
 * equals K. The analysis (analyze/known.c) carries what such tests and constant stores
 * establish across calls, so that a helper's `if (g.in_which == -1) return;` is decided by
 * its caller's `g.in_which = 1;` just before the call.
 *
 * A local that holds a call's result, written once, compared with a nonzero constant
 * (`tag = queue_pop(q, &item); if (tag == STOP)`) is "m:POS=K": the message tag a call
 * returned (analyze/messages.c: what the thread that sent K did before is done). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

CXCursor strip_negations(CXCursor e, int *negate)
{
	e = strip_expr(e);
	while (clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	       clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_LNot) {
		*negate ^= 1;
		e = strip_expr(cursor_child(e, 0));
	}
	return e;
}

/* "m:POS=K" of a local assigned once from the call at POS, compared with K (not 0: a test
 * against 0 is the call's own atom, "r:POS"). */
static char *message_atom(struct xfn *f, CXCursor var, CXCursor other)
{
	long long v;
	if (clang_getCursorKind(var) != CXCursor_DeclRefExpr || !int_constant(other, &v) || !v)
		return NULL;
	struct local *l = local_find(f, clang_getCursorReferenced(var));
	if (!l || !l->ret_call || l->writes != 1 || l->escapes)
		return NULL;
	return xasprintf("m:%d=%lld", l->ret_call - 1, v);
}

char *compared_atom(struct xfn *f, CXCursor cond, int *nonzero_true)
{
	int negate = 0;
	CXCursor e = strip_negations(cond, &negate);
	if (clang_getCursorKind(e) != CXCursor_BinaryOperator)
		return NULL;
	enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(e);
	if (op != CXBinaryOperator_EQ && op != CXBinaryOperator_NE)
		return NULL;
	CXCursor side[2] = {strip_expr(cursor_child(e, 0)), strip_expr(cursor_child(e, 1))};
	for (int i = 0; i < 2; i++) {
		char *m = message_atom(f, side[i], side[1 - i]);
		if (m) {
			*nonzero_true = (op == CXBinaryOperator_EQ) ^ negate;
			return m;
		}
	}
	for (int i = 0; i < 2; i++) {
		enum CXCursorKind k = clang_getCursorKind(side[i]);
		long long v;
		if ((k != CXCursor_DeclRefExpr && k != CXCursor_MemberRefExpr) ||
		    !constant_value(side[1 - i], &v))
			continue;
		char *p = path_of(f, side[i]);
		int fixed = p && (str_starts(p, "g:") || str_starts(p, "s:") || str_starts(p, "fs:")) &&
		            !strchr(p, '*') && !strstr(p, "[]");
		char *atom = fixed ? xasprintf("c:%s=%lld", p, v) : NULL;
		free(p);
		if (atom)
			*nonzero_true = (op == CXBinaryOperator_EQ) ^ negate;
		return atom;
	}
	return NULL;
}
