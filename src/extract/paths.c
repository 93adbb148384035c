/* paths.c — access paths (facts.h grammar) and lock classes of expressions, and the local
 * aliases (T *t = arg; int *c = &counter; p = malloc(…)) that let paths start at the real
 * root. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

int param_index(struct xfn *f, CXCursor parm)
{
	int n = clang_Cursor_getNumArguments(f->decl);
	for (int i = 0; i < n; i++)
		if (same_decl(clang_Cursor_getArgument(f->decl, i), parm))
			return i;
	return -1;
}

static int at_file_scope(CXCursor decl)
{
	return clang_getCursorKind(clang_getCursorSemanticParent(decl)) == CXCursor_TranslationUnit;
}

static int is_static(CXCursor decl)
{
	return clang_Cursor_getStorageClass(decl) == CX_SC_Static;
}

static char *var_path(struct xfn *f, CXCursor d)
{
	enum CXCursorKind k = clang_getCursorKind(d);
	if (k == CXCursor_ParmDecl) {
		int i = param_index(f, d);
		return i < 0 ? NULL : xasprintf("p:%d", i);
	}
	if (k != CXCursor_VarDecl || clang_getCursorTLSKind(d) != CXTLS_None)
		return NULL;
	char *name = cursor_name(d), *r = NULL;
	if (at_file_scope(d))
		r = is_static(d) ? xasprintf("s:%s:%s", f->x->main_file, name) : xasprintf("g:%s", name);
	else if (is_static(d))
		r = xasprintf("fs:%s:%s:%s", f->x->main_file, f->name, name);
	else if (clang_Cursor_getStorageClass(d) == CX_SC_Extern)
		r = xasprintf("g:%s", name);
	else {
		struct local *l = local_find(f, d);
		if (l && l->alias)
			r = xstrdup(l->alias);
		else if (l && (l->escapes || is_pointer_type(clang_getCursorType(d)) ||
		               holds_function_pointers(clang_getCursorType(d))))
			r = xasprintf("l:%s:%s", f->name, name);
		/* A pointer of unknown value still names what it points to ("l:f:first*.lock"),
		 * so two such locks stay distinct; accesses through it are not recorded (see
		 * path_is_private). */
	}
	free(name);
	return r;
}

char *deref_path(const char *p)
{
	if (!p)
		return NULL;
	return p[0] == '&' ? xstrdup(p + 1) : xasprintf("%s*", p);
}

static char *member_path(struct xfn *f, CXCursor e)
{
	CXCursor base = cursor_child(e, 0);
	if (is_null_cursor(base))
		return NULL;
	char *bp = path_of(f, base), *field = cursor_name(e), *r = NULL;
	if (bp && is_pointer_type(clang_getCursorType(base)))
		r = bp[0] == '&' ? xasprintf("%s.%s", bp + 1, field) : xasprintf("%s*.%s", bp, field);
	else if (bp && bp[0] != '&')
		r = xasprintf("%s.%s", bp, field);
	free(bp);
	free(field);
	return r;
}

static char *subscript_path(struct xfn *f, CXCursor e)
{
	CXCursor base = strip_implicit(cursor_child(e, 0));
	char *bp = path_of(f, base), *r = NULL;
	if (!bp)
		return NULL;
	if (bp[0] != '&')
		r = xasprintf("%s[]", bp);
	else if (!is_array_type(clang_getCursorType(base)))
		r = xstrdup(bp + 1);   /* &X used as a pointer: X[i] is X */
	free(bp);
	return r;
}

/* p + i, i + p, p - i: a pointer to an element of what p points to (of array p itself),
 * so that (workers + i)->thread is workers[i].thread, the element, not a read of the
 * pointer. */
static char *pointer_sum_path(struct xfn *f, CXCursor e)
{
	enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(e);
	if ((op != CXBinaryOperator_Add && op != CXBinaryOperator_Sub) ||
	    !is_pointer_type(clang_getCursorType(e)))
		return NULL;
	CXCursor base = cursor_child(e, 0);
	CXType bt = clang_getCursorType(strip_implicit(base));
	if (!is_pointer_type(bt) && !is_array_type(bt))
		base = cursor_child(e, 1);        /* i + p */
	char *v = is_null_cursor(base) ? NULL : value_path(f, base);
	if (!v || v[0] == '&')
		return v;                         /* &a[] (an array), &x (x used as an array) */
	char *r = xasprintf("&%s[]", v);
	free(v);
	return r;
}

/* c ? x : y names an object when both arms name the same one (a macro that picks a cast by
 * type, MAX-style helpers on one pointer): what `of` says of each arm, or NULL. */
static char *both_arms(struct xfn *f, CXCursor cond, char *(*of)(struct xfn *, CXCursor))
{
	CXCursor *v;
	int n = cursor_children(cond, &v);
	char *x = n == 3 ? of(f, v[1]) : NULL, *y = x ? of(f, v[2]) : NULL;
	free(v);
	if (x && y && str_eq(x, y)) {
		free(y);
		return x;
	}
	free(x);
	free(y);
	return NULL;
}

char *path_of(struct xfn *f, CXCursor e)
{
	e = value_expr(e);
	switch (clang_getCursorKind(e)) {
	case CXCursor_ConditionalOperator:
		return both_arms(f, e, path_of);
	case CXCursor_DeclRefExpr:
		return var_path(f, clang_getCursorReferenced(e));
	case CXCursor_MemberRefExpr:
		return member_path(f, e);
	case CXCursor_ArraySubscriptExpr:
		return subscript_path(f, e);
	case CXCursor_BinaryOperator:
		return pointer_sum_path(f, e);
	case CXCursor_UnaryOperator: {
		enum CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(e);
		if (op != CXUnaryOperator_Deref && op != CXUnaryOperator_AddrOf)
			return NULL;
		char *p = path_of(f, cursor_child(e, 0)), *r = NULL;
		if (p && op == CXUnaryOperator_Deref)
			r = deref_path(p);
		else if (p && p[0] != '&')
			r = xasprintf("&%s", p);
		free(p);
		return r;
	}
	default:
		return NULL;
	}
}

char *value_path(struct xfn *f, CXCursor e)
{
	CXCursor s = strip_implicit(e);
	if (!is_array_type(clang_getCursorType(s)))
		return path_of(f, e);
	char *p = path_of(f, s), *r = NULL;
	if (p && p[0] != '&')
		r = xasprintf("&%s[]", p);
	free(p);
	return r;
}

int path_is_shared(const char *p)
{
	if (!p || p[0] == '&' || p[0] == '?')
		return 0;
	if (str_starts(p, "p:"))
		return strchr(p, '*') || strstr(p, "[]");
	return 1;
}

int path_is_private(struct xfn *f, const char *p)
{
	size_t fl = strlen(f->name);
	if (!p || !str_starts(p, "l:") || strncmp(p + 2, f->name, fl) != 0 || p[2 + fl] != ':')
		return 0;
	const char *name = p + 3 + fl;
	size_t len = strcspn(name, ".*[");
	for (int i = 0; i < f->nlocals; i++)
		if (strlen(f->locals[i].name) == len && strncmp(f->locals[i].name, name, len) == 0)
			return !f->locals[i].escapes;
	return 0;
}

/* ---- lock classes ---- */

static char *object_class(struct xfn *f, CXCursor obj);

char *lock_class_of(struct xfn *f, CXCursor ptr)
{
	CXCursor s = strip_implicit(ptr);
	if (is_array_type(clang_getCursorType(s)))   /* locks: &locks[0] */
		return object_class(f, s);
	CXCursor e = value_expr(ptr);
	enum CXCursorKind k = clang_getCursorKind(e);
	if (k == CXCursor_ConditionalOperator)
		return both_arms(f, e, lock_class_of);
	if (k == CXCursor_UnaryOperator &&
	    clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_AddrOf)
		return object_class(f, cursor_child(e, 0));
	if (k == CXCursor_DeclRefExpr) {
		struct local *l = local_find(f, clang_getCursorReferenced(e));
		return l ? xstrdup(l->alias_class) : NULL;
	}
	return NULL;   /* a parameter or an unknown pointer: the caller's argument decides */
}

static char *var_class(struct xfn *f, CXCursor d)
{
	if (clang_getCursorKind(d) != CXCursor_VarDecl)
		return NULL;
	char *name = cursor_name(d), *r;
	if (at_file_scope(d))
		r = is_static(d) ? xasprintf("static:%s:%s", f->x->main_file, name)
		                 : xasprintf("global:%s", name);
	else if (is_static(d))
		r = xasprintf("static:%s:%s.%s", f->x->main_file, f->name, name);
	else if (clang_Cursor_getStorageClass(d) == CX_SC_Extern)
		r = xasprintf("global:%s", name);
	else
		r = xasprintf("local:%s:%s", f->name, name);
	free(name);
	return r;
}

/* Class of the lock object `obj` itself: a field by its struct, an array by its variable. */
static char *object_class(struct xfn *f, CXCursor obj)
{
	CXCursor e = strip_expr(obj);
	switch (clang_getCursorKind(e)) {
	case CXCursor_MemberRefExpr: {
		char *rec = record_name(clang_getCursorType(cursor_child(e, 0)));
		char *field = cursor_name(e);
		char *r = rec ? xasprintf("field:%s.%s", rec, field) : NULL;
		free(rec);
		free(field);
		return r;
	}
	case CXCursor_ArraySubscriptExpr: {
		CXCursor base = strip_implicit(cursor_child(e, 0));
		if (is_array_type(clang_getCursorType(base)))
			return object_class(f, base);
		return lock_class_of(f, base);
	}
	case CXCursor_DeclRefExpr:
		return var_class(f, clang_getCursorReferenced(e));
	case CXCursor_UnaryOperator:
		if (clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_Deref)
			return lock_class_of(f, cursor_child(e, 0));
		return NULL;
	default:
		return NULL;
	}
}

/* ---- heap roots and aliases ---- */

int is_alloc_call(CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) != CXCursor_CallExpr)
		return 0;
	char *n = cursor_name(clang_getCursorReferenced(e));
	size_t len = strlen(n);
	/* malloc, calloc, realloc and project wrappers named like them (xmalloc, g_malloc). */
	int yes = (len >= 6 && (str_eq(n + len - 6, "malloc") || str_eq(n + len - 6, "calloc"))) ||
	          (len >= 7 && str_eq(n + len - 7, "realloc")) || str_eq(n, "aligned_alloc") ||
	          str_eq(n, "reallocarray");
	free(n);
	return yes;
}

char *heap_path(struct xfn *f, CXCursor call)
{
	CXFile file;
	unsigned line;
	CXSourceRange r = clang_getCursorExtent(call);
	clang_getExpansionLocation(clang_getRangeStart(r), &file, &line, NULL, NULL);
	return xasprintf("&h:%s:%u", canonical_file(f->x, file), line);
}

/* What an integer expression's value was read from: a parameter ((long)arg), a field
 * (a->id) or a local that holds one of those; NULL otherwise. */
char *int_source(struct xfn *f, CXCursor e)
{
	e = strip_expr(e);
	while (clang_getCursorKind(e) == CXCursor_CStyleCastExpr) {
		CXCursor *v;
		int n = cursor_children(e, &v);
		CXCursor in = n ? v[n - 1] : clang_getNullCursor();
		free(v);
		if (is_null_cursor(in))
			return NULL;
		e = strip_expr(in);
	}
	if (clang_getCursorKind(e) == CXCursor_DeclRefExpr) {
		CXCursor d = clang_getCursorReferenced(e);
		struct local *l = local_find(f, d);
		if (l && l->from)
			return xstrdup(l->from);
		if (clang_getCursorKind(d) == CXCursor_ParmDecl)
			return var_path(f, d);
		return NULL;
	}
	if (clang_getCursorKind(e) == CXCursor_MemberRefExpr)
		return path_of(f, e);
	return NULL;
}

char *element_index(struct xfn *f, CXCursor e)
{
	for (int depth = 0; depth < 16 && !is_null_cursor(e); depth++) {
		e = strip_expr(e);
		enum CXCursorKind k = clang_getCursorKind(e);
		if (k == CXCursor_ArraySubscriptExpr)
			return int_source(f, cursor_child(e, 1));
		if (k == CXCursor_BinaryOperator) {
			CXCursor l = cursor_child(e, 0);
			CXType lt = clang_getCursorType(strip_implicit(l));
			return int_source(f, is_pointer_type(lt) || is_array_type(lt) ? cursor_child(e, 1) : l);
		}
		if (k != CXCursor_MemberRefExpr && k != CXCursor_UnaryOperator)
			return NULL;
		e = cursor_child(e, 0);
	}
	return NULL;
}

void set_alias(struct xfn *f, CXCursor var, CXCursor value)
{
	struct local *l = local_find(f, var);
	if (l && !is_pointer_type(clang_getCursorType(var))) {
		free(l->from);
		l->from = int_source(f, value);
		bands_note_value(f, l, value);
		return;
	}
	if (!l)
		return;
	char *alias, *cls = NULL;
	int heap_loop = 0;
	if (is_alloc_call(value)) {
		alias = heap_path(f, strip_expr(value));
		heap_loop = f->nloops ? f->loops[f->nloops - 1] : 0;
	} else {
		alias = value_path(f, value);
		cls = lock_class_of(f, value);
	}
	free(l->alias);
	free(l->alias_class);
	free(l->alias_field);
	l->alias = alias;
	l->alias_class = cls;
	l->alias_field = pointer_field(f, value);
	l->heap_loop = heap_loop;
	l->alias_pos = f->pos;
	free(l->ring_head);
	l->ring_head = ring_head_of(f, value);
}
