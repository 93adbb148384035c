/* own_index.c — threads started and joined by element, and elements that hold their own
 * index, so that the analysis can tie a joined handle t[i] to the thread whose identity is
 * i (analyze/joined_slots.c):
 *  - a THREAD_JOIN of t[k] carries k ("l:FUNC:k") in its arg;
 *  - a THREAD_CREATE whose handle and argument are elements of one index (&t[k] with
 *    &args[k] or (void *)k) is marked EVF_OWN_INDEX;
 *  - a store of an element's own index into a member of it (args[k].id = k, or the compound
 *    literal args[k] = (struct arg){.id = k, …}, one write event per such member) is an
 *    ACCESS write marked EVF_OWN_INDEX. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

char *own_index_var(struct xfn *f, CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) != CXCursor_DeclRefExpr)
		return NULL;
	CXCursor d = clang_getCursorReferenced(e);
	if (clang_getCursorKind(d) != CXCursor_ParmDecl && !local_find(f, d))
		return NULL;
	char *name = cursor_name(d);
	char *p = name && *name ? xasprintf("l:%s:%s", f->name, name) : NULL;
	free(name);
	return p;
}

char *own_index_subscript(struct xfn *f, CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	    clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_AddrOf)
		e = strip_expr(cursor_child(e, 0));
	if (clang_getCursorKind(e) != CXCursor_ArraySubscriptExpr)
		return NULL;
	return own_index_var(f, cursor_child(e, 1));
}

int own_index_same(struct xfn *f, CXCursor a, CXCursor b, int b_is_value)
{
	char *x = own_index_subscript(f, a);
	char *y = b_is_value ? own_index_var(f, b) : own_index_subscript(f, b);
	int same = x && y && str_eq(x, y);
	free(x);
	free(y);
	return same;
}

/* The member an initializer of a compound literal's list sets, and its value: a
 * designated one (.id = k) names it; a positional one is the record's n-th field. */
struct field_at {
	int want, n;
	char *name;
};

static enum CXVisitorResult nth_field(CXCursor c, CXClientData data)
{
	struct field_at *fa = data;
	if (fa->n++ == fa->want) {
		fa->name = cursor_name(c);
		return CXVisit_Break;
	}
	return CXVisit_Continue;
}

static char *designated(CXCursor init, CXCursor *value)
{
	CXCursor *v;
	int n = cursor_children(init, &v);
	char *name = NULL;
	if (n >= 2 && clang_getCursorKind(v[0]) == CXCursor_MemberRef) {
		name = cursor_name(v[0]);
		*value = v[n - 1];
	}
	free(v);
	return name;
}

static void compound_members(struct xfn *f, CXCursor lhs, CXCursor lit, const char *k)
{
	CXCursor *kids;
	int nk = cursor_children(lit, &kids);
	CXCursor list = nk ? kids[nk - 1] : clang_getNullCursor();
	free(kids);
	if (clang_getCursorKind(list) != CXCursor_InitListExpr)
		return;
	char *base = path_of(f, lhs);
	CXCursor *v;
	int n = base ? cursor_children(list, &v) : 0;
	CXType rec = clang_getCanonicalType(clang_getCursorType(lit));
	for (int i = 0; i < n; i++) {
		CXCursor value = v[i];
		char *field = designated(v[i], &value);
		if (!field) {
			struct field_at fa = {.want = i};
			clang_Type_visitFields(rec, nth_field, &fa);
			field = fa.name;
		}
		char *var = field ? own_index_var(f, value) : NULL;
		if (var && str_eq(var, k)) {
			char *p = xasprintf("%s.%s", base, field);
			struct event *ev = emit_access(f, value, EVF_WRITE, p);
			if (ev)
				ev->flags |= EVF_OWN_INDEX;
			free(p);
		}
		free(var);
		free(field);
	}
	if (base)
		free(v);
	free(base);
}

void own_index_store(struct xfn *f, CXCursor lhs, CXCursor rhs, struct event *ev)
{
	CXCursor l = strip_expr(lhs);
	if (clang_getCursorKind(l) == CXCursor_MemberRefExpr) {
		if (ev && own_index_same(f, cursor_child(l, 0), rhs, 1))
			ev->flags |= EVF_OWN_INDEX;
		return;
	}
	CXCursor r = strip_expr(rhs);
	if (clang_getCursorKind(l) != CXCursor_ArraySubscriptExpr ||
	    clang_getCursorKind(r) != CXCursor_CompoundLiteralExpr)
		return;
	char *k = own_index_subscript(f, l);
	if (k)
		compound_members(f, l, r, k);
	free(k);
}
