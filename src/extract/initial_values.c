/* initial_values.c — the functions a static struct's initializer gives its fields, stated
 * where the struct's address is passed on.
 *
 *     static struct thread_entry primary_entry = { primary_thread };
 *     …  t = xcreate(&primary_entry);      // xcreate → pthread_create(…, trampoline, entry)
 *
 * The trampoline calls entry->entry_func(): which function that is, only the object passed
 * tells. A call argument &V, V in static storage with an initializer list naming functions,
 * is preceded by one EV_STORE per such field ("V.entry_func" ← "fn:USR", nested structs
 * included), as if the caller had filled V just before: the analysis (fnptr.c) then knows
 * what the object it follows into the thread was given. A store the program makes to the
 * field elsewhere is a store as any other, so an object written twice has two values. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* The value an element of an initializer list gives: itself, or a designator's last child. */
static CXCursor element_value(CXCursor e)
{
	if (clang_getCursorKind(e) == CXCursor_InitListExpr)
		return e;
	CXCursor *v;
	int n = cursor_children(e, &v);
	CXCursor value = e;
	if (n >= 2 && clang_getCursorKind(v[0]) == CXCursor_MemberRef)
		value = v[n - 1];
	free(v);
	return value;
}

static void stores_of_list(struct xfn *f, CXCursor at, CXCursor list, const char *base, int depth)
{
	CXType t = clang_getCanonicalType(clang_getCursorType(list));
	if (t.kind != CXType_Record || depth > 4)
		return;
	char *rec = record_name(t);
	CXCursor *fields;
	int nfields = record_fields(t, &fields);
	CXCursor *v;
	int n = cursor_children(list, &v), next = 0;
	for (int i = 0; i < n; i++, next++) {
		CXCursor named = designated_field(v[i]);
		for (int j = 0; !is_null_cursor(named) && j < nfields; j++)
			if (same_decl(fields[j], named))
				next = j;            /* designated: positions continue after it */
		if (next >= nfields)
			break;
		char *field = cursor_name(fields[next]), *path = xasprintf("%s.%s", base, field);
		CXCursor value = element_value(v[i]);
		char *fn = function_value(value);
		if (fn) {
			struct event *ev = emit(f, EV_STORE, at);
			ev->path = path;
			ev->arg = fn;
			ev->name = cursor_text(f->x, value);
			ev->type = rec ? xasprintf("%s.%s", rec, field) : NULL;
			path = NULL;
		} else if (clang_getCursorKind(strip_expr(value)) == CXCursor_InitListExpr) {
			stores_of_list(f, at, strip_expr(value), path, depth + 1);
		}
		free(path);
		free(field);
	}
	free(v);
	free(fields);
	free(rec);
}

/* V for an argument &V naming a variable in static storage, else a null cursor. */
static CXCursor static_var_addressed(CXCursor arg)
{
	CXCursor e = strip_expr(arg);
	if (clang_getCursorKind(e) != CXCursor_UnaryOperator ||
	    clang_getCursorUnaryOperatorKind(e) != CXUnaryOperator_AddrOf)
		return clang_getNullCursor();
	CXCursor var = strip_expr(cursor_child(e, 0));
	if (clang_getCursorKind(var) != CXCursor_DeclRefExpr)
		return clang_getNullCursor();
	CXCursor d = clang_getCursorReferenced(var);
	if (clang_getCursorKind(d) != CXCursor_VarDecl || !clang_Cursor_hasVarDeclGlobalStorage(d))
		return clang_getNullCursor();
	return d;
}

void initial_values_before_call(struct xfn *f, CXCursor call)
{
	int n = clang_Cursor_getNumArguments(call);
	for (int i = 0; i < n; i++) {
		CXCursor arg = clang_Cursor_getArgument(call, i);
		CXCursor d = static_var_addressed(arg);
		CXCursor init = is_null_cursor(d) ? d : clang_Cursor_getVarDeclInitializer(d);
		if (is_null_cursor(init) || clang_getCursorKind(strip_expr(init)) != CXCursor_InitListExpr)
			continue;
		char *p = value_path(f, arg);
		if (p && p[0] == '&' && !strchr(p, '*'))
			stores_of_list(f, arg, strip_expr(init), p + 1, 0);
		free(p);
	}
}
