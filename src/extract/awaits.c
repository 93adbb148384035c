/* awaits.c — the value a condition-wait loop waits for: `while (s->state != READY) wait(…)`,
 * `until (bolt->value == val) wait(…)` (yarn's wait_for) leave the loop only once the state
 * variable has that value. The loop's exit edge gets an ASSUME on the atom
 * "t:OP:OPERAND:STATE" (EVF_TRUE: STATE OP OPERAND holds there), OPERAND an integer constant
 * ("#K") or an integer parameter the function never writes ("p:N", a caller's constant
 * decides it), STATE the access path of the variable or member tested. analyze/tokens.c
 * makes of it a region that owns what it touches until the thread sets the state again.
 *
 * Only a loop whose body itself calls a condition wait, and whose condition is one
 * comparison of a variable or member with such an operand, qualifies. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/rules.h"
#include "common/util.h"

static enum CXChildVisitResult find_wait(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	if (clang_getCursorKind(c) != CXCursor_CallExpr)
		return CXChildVisit_Recurse;
	CXCursor d = clang_getCursorReferenced(c);
	char *name = clang_getCursorKind(d) == CXCursor_FunctionDecl ? cursor_name(d) : NULL;
	const struct lock_api *api = name ? lockapi_find(name) : NULL;
	free(name);
	if (api && api->op == LOP_COND_WAIT) {
		*(int *)data = 1;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Recurse;
}

static int waits_in(CXCursor body)
{
	int found = 0;
	if (!is_null_cursor(body) && find_wait(body, clang_getNullCursor(), &found) == CXChildVisit_Recurse)
		clang_visitChildren(body, find_wait, &found);
	return found;
}

/* "#K" for an integer constant or enumerator, "p:N" for an unwritten integer parameter. */
static char *operand(struct xfn *f, CXCursor e)
{
	CXCursor s = strip_expr(e);
	long long v;
	if (clang_getCursorKind(s) == CXCursor_DeclRefExpr) {
		CXCursor d = clang_getCursorReferenced(s);
		if (clang_getCursorKind(d) == CXCursor_EnumConstantDecl)
			return xasprintf("#%lld", clang_getEnumConstantDeclValue(d));
		if (clang_getCursorKind(d) != CXCursor_ParmDecl)
			return NULL;
		CXType t = clang_getCanonicalType(clang_getCursorType(d));
		int n = param_index(f, d);
		int integer = (t.kind >= CXType_Bool && t.kind <= CXType_Int128) || t.kind == CXType_Enum;
		return integer && n >= 0 && n < 64 && !(f->params_written & (1ull << n))
		       ? xasprintf("p:%d", n) : NULL;
	}
	if (is_int_literal(s, &v) || constant_value(s, &v))
		return xasprintf("#%lld", v);
	return NULL;
}

static const char *op_text(enum CXBinaryOperatorKind op)
{
	switch (op) {
	case CXBinaryOperator_EQ: return "==";
	case CXBinaryOperator_NE: return "!=";
	case CXBinaryOperator_LT: return "<";
	case CXBinaryOperator_GT: return ">";
	case CXBinaryOperator_LE: return "<=";
	case CXBinaryOperator_GE: return ">=";
	default: return NULL;
	}
}

static const char *negated(const char *op)
{
	static const char *pairs[][2] = {{"==", "!="}, {"!=", "=="}, {"<", ">="}, {">=", "<"},
	                                 {">", "<="}, {"<=", ">"}};
	for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
		if (str_eq(op, pairs[i][0]))
			return pairs[i][1];
	return op;
}

static const char *mirrored(const char *op)   /* K < s is s > K */
{
	static const char *pairs[][2] = {{"<", ">"}, {">", "<"}, {"<=", ">="}, {">=", "<="}};
	for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
		if (str_eq(op, pairs[i][0]))
			return pairs[i][1];
	return op;
}

/* The state variable's path: a variable or member in shared storage or behind a pointer. */
static char *state_path(struct xfn *f, CXCursor e)
{
	CXCursor s = strip_expr(e);
	enum CXCursorKind k = clang_getCursorKind(s);
	if (k != CXCursor_MemberRefExpr && k != CXCursor_DeclRefExpr)
		return NULL;
	return path_of(f, s);
}

char *awaits_atom(struct xfn *f, CXCursor cond, CXCursor body)
{
	if (is_null_cursor(cond) || !waits_in(body))
		return NULL;
	/* The loop runs while cond holds: it is left where !cond does. */
	int exit_negates = 1;
	CXCursor e = strip_negations(cond, &exit_negates);
	if (clang_getCursorKind(e) != CXCursor_BinaryOperator)
		return NULL;
	const char *op = op_text(clang_getCursorBinaryOperatorKind(e));
	if (!op)
		return NULL;
	if (exit_negates)
		op = negated(op);
	CXCursor l = cursor_child(e, 0), r = cursor_child(e, 1);
	char *state = state_path(f, l), *value = state ? operand(f, r) : NULL;
	if (!value) {                           /* the constant on the left: K == s */
		free(state);
		free(value);
		state = state_path(f, r);
		value = state ? operand(f, l) : NULL;
		op = mirrored(op);
	}
	char *atom = value ? xasprintf("t:%s:%s:%s", op, value, state) : NULL;
	free(state);
	free(value);
	return atom;
}
