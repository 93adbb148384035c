/* atoms.c — what the branches of a function test, for correlated branches: a condition
 * that tests one atom against zero (c, !c, p == NULL, f(x) != 0, (v = f(x)) == NULL) gives
 * each branch an ASSUME event saying the atom's value there. Atoms are variables or
 * members tested in two conditions or more ("v:SPELLING"; a write of one, or taking its
 * address, emits a KILL), and call results ("r:POS", also through the local they were
 * stored in). A variable in static storage tested once is "o:PATH" (its access path): only
 * the once-guard analysis reads it. Returns of 0/NULL or of an address are marked, so the analysis can tie a
 * helper's lock state to what it returns. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static int is_zero(CXCursor e)
{
	long long v;
	return is_int_literal(e, &v) && v == 0;
}

/* The expression a condition compares with zero; *nonzero_true: the condition holds when
 * that expression is nonzero. Null cursor when it is not such a test. */
CXCursor cond_tested_expr(CXCursor e, int *nonzero_true)
{
	*nonzero_true = 1;
	for (int depth = 0; depth < 8; depth++) {
		e = strip_expr(e);
		enum CXCursorKind k = clang_getCursorKind(e);
		if (k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_LNot) {
			*nonzero_true ^= 1;
			e = cursor_child(e, 0);
			continue;
		}
		if (k != CXCursor_BinaryOperator)
			return e;
		enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(e);
		CXCursor l = cursor_child(e, 0), r = cursor_child(e, 1);
		if (op == CXBinaryOperator_Assign) {
			e = r;                  /* the value of (v = x) is x's */
		} else if (op == CXBinaryOperator_EQ || op == CXBinaryOperator_NE) {
			if (is_zero(r))
				e = l;
			else if (is_zero(l))
				e = r;
			else
				return clang_getNullCursor();
			if (op == CXBinaryOperator_EQ)
				*nonzero_true ^= 1;
		} else {
			return clang_getNullCursor();
		}
	}
	return clang_getNullCursor();
}

static int is_lvalue(CXCursor e)
{
	enum CXCursorKind k = clang_getCursorKind(e);
	return k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr;
}

static struct cond_atom_count *atom_entry(struct xfn *f, const char *name)
{
	for (int i = 0; i < f->ncatoms; i++)
		if (str_eq(f->catoms[i].name, name))
			return &f->catoms[i];
	return NULL;
}

/* "v:SPELLING" of a tested variable or member. */
static char *var_atom(struct xfn *f, CXCursor e)
{
	char *text = cursor_text(f->x, e);
	char *name = text ? xasprintf("v:%s", text) : NULL;
	free(text);
	return name;
}

/* "o:PATH" of a variable in static storage tested once ("if (jobs != NULL) return;"): no
 * branch to correlate, but the analysis sees which code runs only while it is zero
 * (onceguard.c); "o:c:NAME" of a local counter (fallback.c). NULL for anything else. */
int local_is_counter(const struct local *l)
{
	return l && !l->escapes && l->zero_writes == 1 && l->incs > 0 && l->writes == l->incs + 1;
}

static struct local *counter_of(struct xfn *f, CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) != CXCursor_DeclRefExpr)
		return NULL;
	struct local *l = local_find(f, clang_getCursorReferenced(e));
	return local_is_counter(l) ? l : NULL;
}

void atoms_note_increment(struct xfn *f, CXCursor e, int line, int col)
{
	struct local *l = counter_of(f, e);
	if (!l)
		return;
	struct event *ev = emit_at(f, EV_ASSUME, line, col);
	ev->flags |= EVF_TRUE;
	ev->path = xasprintf("o:c:%s", l->name);
}

void atoms_note_counter_reset(struct xfn *f, CXCursor decl, int line, int col)
{
	struct local *l = local_find(f, decl);
	if (!local_is_counter(l))
		return;
	struct event *ev = emit_at(f, EV_ASSUME, line, col);
	ev->flags |= EVF_KILL;
	ev->path = xasprintf("o:c:%s", l->name);
}

static char *static_test_atom(struct xfn *f, CXCursor e)
{
	struct local *counter = counter_of(f, e);
	if (counter)
		return xasprintf("o:c:%s", counter->name);
	char *p = path_of(f, e);
	int fixed = p && (str_starts(p, "g:") || str_starts(p, "s:") || str_starts(p, "fs:")) &&
	            !strchr(p, '*') && !strstr(p, "[]");
	char *name = fixed ? xasprintf("o:%s", p) : NULL;
	free(p);
	return name;
}

void atoms_count_condition(struct xfn *f, CXCursor cond)
{
	int nz;
	CXCursor e = cond_tested_expr(cond, &nz);
	if (is_null_cursor(e) || !is_lvalue(e))
		return;
	char *name = var_atom(f, e);
	if (!name)
		return;
	struct cond_atom_count *c = atom_entry(f, name);
	if (c) {
		c->count++;
		free(name);
		return;
	}
	grow_array((void **)&f->catoms, &f->catoms_cap, f->ncatoms, sizeof *f->catoms);
	f->catoms[f->ncatoms++] = (struct cond_atom_count){name, 1};
}

void cond_atom_begin(struct xfn *f, CXCursor cond, struct cond_atom *ca)
{
	memset(ca, 0, sizeof *ca);
	ca->saved_call = f->watch_call;
	ca->saved_pos = f->watch_pos;
	ca->expr = cond_tested_expr(cond, &ca->nonzero_true);
	if (!is_null_cursor(ca->expr) && clang_getCursorKind(ca->expr) == CXCursor_CallExpr) {
		f->watch_call = ca->expr;
		f->watch_pos = -1;
	}
}

char *cond_atom_end(struct xfn *f, struct cond_atom *ca)
{
	char *name = NULL;
	CXCursor e = ca->expr;
	if (is_null_cursor(e)) {
		/* not a test against zero */
	} else if (clang_getCursorKind(e) == CXCursor_CallExpr) {
		if (f->watch_pos >= 0)
			name = xasprintf("r:%d", f->watch_pos);
	} else if (is_lvalue(e)) {
		struct local *l = clang_getCursorKind(e) == CXCursor_DeclRefExpr
		                      ? local_find(f, clang_getCursorReferenced(e)) : NULL;
		if (l && l->ret_call)
			name = xasprintf("r:%d", l->ret_call - 1);
		else {
			name = var_atom(f, e);
			struct cond_atom_count *c = name ? atom_entry(f, name) : NULL;
			if (!c || c->count < 2) {   /* tested once: nothing to correlate */
				free(name);
				name = static_test_atom(f, e);
			}
		}
	}
	f->watch_call = ca->saved_call;
	f->watch_pos = ca->saved_pos;
	return name;
}

void atoms_note_call(struct xfn *f, CXCursor call, int pos)
{
	if (!is_null_cursor(f->watch_call) && same_expr(call, f->watch_call))
		f->watch_pos = pos;
}

int watch_begin(struct xfn *f, CXCursor value, CXCursor *saved, int *saved_pos)
{
	*saved = f->watch_call;
	*saved_pos = f->watch_pos;
	CXCursor s = strip_expr(value);
	f->watch_call = clang_getCursorKind(s) == CXCursor_CallExpr ? s : clang_getNullCursor();
	f->watch_pos = -1;
	return 0;
}

void watch_end(struct xfn *f, CXCursor var, CXCursor saved, int saved_pos)
{
	struct local *l = local_find(f, var);
	int pos = f->watch_pos;
	if (l)
		l->ret_call = pos >= 0 ? pos + 1 : 0;
	/* (v = f(x)) == NULL: the condition watches the same call */
	int same = pos >= 0 && !is_null_cursor(saved) && same_expr(saved, f->watch_call);
	f->watch_call = saved;
	f->watch_pos = same ? pos : saved_pos;
}

/* A write of lvalue e (exact: its address taken): the atoms it changes are forgotten. A
 * struct whose address is passed on (eval(&ctx, …)) is taken to keep the fields tested;
 * the atom itself passed by address is not. */
void atoms_note_write(struct xfn *f, CXCursor e, int exact, int line, int col)
{
	if (!f->ncatoms)
		return;
	char *text = cursor_text(f->x, e);
	if (!text)
		return;
	size_t n = strlen(text);
	for (int i = 0; i < f->ncatoms; i++) {
		const char *a = f->catoms[i].name + 2;
		if (f->catoms[i].count < 2 || strncmp(a, text, n) != 0 ||
		    (a[n] && (exact || (a[n] != '.' && a[n] != '-' && a[n] != '['))))
			continue;
		struct event *ev = emit_at(f, EV_ASSUME, line, col);
		ev->flags |= EVF_KILL;
		ev->path = xstrdup(f->catoms[i].name);
	}
	free(text);
}

/* A constant expression's value (-1, FALSE, (void *)0): 1 nonzero, 0 zero, -1 unknown. */
static int constant_truth(CXCursor e)
{
	CXEvalResult r = clang_Cursor_Evaluate(e);
	if (!r)
		return -1;
	int truth = clang_EvalResult_getKind(r) == CXEval_Int ? clang_EvalResult_getAsLongLong(r) != 0 : -1;
	clang_EvalResult_dispose(r);
	return truth;
}

unsigned return_value_flags(struct xfn *f, CXCursor e)
{
	long long v;
	e = strip_expr(e);
	if (is_int_literal(e, &v))
		return v ? EVF_RET_NONZERO : EVF_RET_ZERO;
	enum CXCursorKind k = clang_getCursorKind(e);
	if (k == CXCursor_UnaryOperator || k == CXCursor_BinaryOperator) {
		int truth = constant_truth(e);
		if (truth >= 0)
			return truth ? EVF_RET_NONZERO : EVF_RET_ZERO;
	}
	if (k == CXCursor_StringLiteral ||
	    (k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_AddrOf))
		return EVF_RET_NONZERO;
	if (k != CXCursor_DeclRefExpr)
		return 0;
	CXCursor d = clang_getCursorReferenced(e);
	if (clang_getCursorKind(d) == CXCursor_EnumConstantDecl)
		return clang_getEnumConstantDeclValue(d) ? EVF_RET_NONZERO : EVF_RET_ZERO;
	struct local *l = local_find(f, d);
	if (l && l->writes == 1 && !l->escapes && l->value_flags)
		return l->value_flags;
	return l && l->alias && l->alias[0] == '&' ? EVF_RET_NONZERO : 0;
}

void cond_atom_free(struct xfn *f)
{
	for (int i = 0; i < f->ncatoms; i++)
		free(f->catoms[i].name);
	free(f->catoms);
}
