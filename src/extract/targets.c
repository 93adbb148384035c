/* targets.c — the functions an expression used as a function may stand for: the function
 * itself, a local or global function pointer's known values, a function-pointer field's
 * values anywhere in the TU (ops tables: { .run = task_one }), either side of ?:. */
#include "internal.h"

#include <stdlib.h>

#include "common/util.h"

static void add(struct targets *t, const char *usr, const char *name)
{
	for (int i = 0; i < t->n; i++)
		if (str_eq(t->v[i].usr, usr))
			return;
	grow_array((void **)&t->v, &t->cap, t->n, sizeof *t->v);
	t->v[t->n].usr = xstrdup(usr);
	t->v[t->n++].name = xstrdup(name);
}

static void from_var(struct xfn *f, CXCursor var, struct targets *t)
{
	struct local *l = local_find(f, var);
	if (l) {
		for (int i = 0; i < l->nfns; i++)
			add(t, l->fns[i].usr, l->fns[i].name);
		return;
	}
	for (int i = global_fnptr_next(f->x, var, 0); i >= 0; i = global_fnptr_next(f->x, var, i + 1))
		add(t, f->x->gfnptr[i].usr, f->x->gfnptr[i].name);
}

static void from_field(struct xfn *f, CXCursor member, struct targets *t)
{
	char *key = field_key(member);
	for (int i = 0; key && i < f->x->nfieldfn; i++)
		if (str_eq(f->x->fieldfn[i].key, key))
			add(t, f->x->fieldfn[i].usr, f->x->fieldfn[i].name);
	free(key);
}

/* Whether a call through member e may be resolved from this unit alone: some of the
 * field's values come from a table's initialiser here. Values only assigned in functions
 * may be assigned elsewhere too (next->code = … in every coder's unit): those calls are
 * the analysis's to follow, program-wide and by container (analyze/fnptr_paths.c). */
int field_call_local(struct xfn *f, CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	    clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_Deref)
		e = strip_expr(cursor_child(e, 0));
	if (clang_getCursorKind(e) != CXCursor_MemberRefExpr)
		return 1;
	char *key = field_key(e);
	int local = 0;
	for (int i = 0; key && i < f->x->nfieldfn && !local; i++)
		local = f->x->fieldfn[i].in_table && str_eq(f->x->fieldfn[i].key, key);
	free(key);
	return local;
}

void call_targets(struct xfn *f, CXCursor e, struct targets *t)
{
	e = strip_expr(e);
	enum CXCursorKind k = clang_getCursorKind(e);
	if (k == CXCursor_UnaryOperator) {
		enum CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(e);
		if (op == CXUnaryOperator_Deref || op == CXUnaryOperator_AddrOf)
			call_targets(f, cursor_child(e, 0), t);   /* (*fp)(…), &worker */
	} else if (k == CXCursor_ConditionalOperator) {
		CXCursor *v;
		int n = cursor_children(e, &v);
		for (int i = 1; i < n; i++)
			call_targets(f, v[i], t);
		free(v);
	} else if (k == CXCursor_MemberRefExpr) {
		from_field(f, e, t);
	} else if (k == CXCursor_DeclRefExpr) {
		CXCursor d = clang_getCursorReferenced(e);
		if (clang_getCursorKind(d) == CXCursor_FunctionDecl) {
			char *usr = cursor_usr(d), *name = cursor_name(d);
			add(t, usr, name);
			free(usr);
			free(name);
		} else if (clang_getCursorKind(d) == CXCursor_VarDecl) {
			from_var(f, d, t);
		}
	}
}

void targets_free(struct targets *t)
{
	for (int i = 0; i < t->n; i++) {
		free(t->v[i].usr);
		free(t->v[i].name);
	}
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}
