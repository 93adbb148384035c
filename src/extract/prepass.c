/* prepass.c — facts that must be known before a function is walked in order: which locals
 * escape (their address is taken, so other threads may reach them), which functions a
 * function-pointer variable may hold, whether threads are created detached; and, for the
 * whole TU, which functions have their address taken. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct local *local_find(struct xfn *f, CXCursor decl)
{
	for (int i = 0; i < f->nlocals; i++)
		if (same_decl(f->locals[i].decl, decl))
			return &f->locals[i];
	return NULL;
}

static int is_local_var(CXCursor decl)
{
	if (clang_getCursorKind(decl) != CXCursor_VarDecl)
		return 0;
	enum CX_StorageClass sc = clang_Cursor_getStorageClass(decl);
	if (sc == CX_SC_Static || sc == CX_SC_Extern)
		return 0;
	return clang_getCursorKind(clang_getCursorSemanticParent(decl)) != CXCursor_TranslationUnit;
}

static void add_fn(struct named_decl **v, int *n, int *cap, CXCursor var, CXCursor fn)
{
	char *usr = cursor_usr(fn);
	for (int i = 0; i < *n; i++)
		if (same_decl((*v)[i].decl, var) && str_eq((*v)[i].usr, usr)) {
			free(usr);
			return;
		}
	grow_array((void **)v, cap, *n, sizeof **v);
	(*v)[(*n)++] = (struct named_decl){var, usr, cursor_name(fn)};
}

void local_add_fn(struct local *l, CXCursor fn)
{
	add_fn(&l->fns, &l->nfns, &l->fns_cap, l->decl, fn);
}

/* The functions an expression may designate (worker, &worker, (fn_t)worker, c ? a : b);
 * calls fn(decl, data) for each. */
static void function_values(CXCursor e, void (*fn)(CXCursor, void *), void *data)
{
	e = strip_expr(e);
	enum CXCursorKind k = clang_getCursorKind(e);
	if (k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_AddrOf) {
		function_values(cursor_child(e, 0), fn, data);
	} else if (k == CXCursor_ConditionalOperator) {
		CXCursor *v;
		int n = cursor_children(e, &v);
		for (int i = 1; i < n; i++)
			function_values(v[i], fn, data);
		free(v);
	} else if (k == CXCursor_DeclRefExpr) {
		CXCursor d = clang_getCursorReferenced(e);
		if (clang_getCursorKind(d) == CXCursor_FunctionDecl)
			fn(d, data);
	}
}

/* The variable an lvalue belongs to: s for s.f, a for a[i] when a is an array. */
static CXCursor lvalue_root(CXCursor e)
{
	for (;;) {
		e = strip_implicit(e);
		enum CXCursorKind k = clang_getCursorKind(e);
		CXCursor base = cursor_child(e, 0);
		if (k == CXCursor_MemberRefExpr && !is_null_cursor(base) &&
		    !is_pointer_type(clang_getCursorType(base)))
			e = base;
		else if (k == CXCursor_ArraySubscriptExpr &&
		         is_array_type(clang_getCursorType(strip_implicit(base))))
			e = base;
		else if (k == CXCursor_DeclRefExpr)
			return clang_getCursorReferenced(e);
		else
			return clang_getNullCursor();
	}
}

static void mark_escape(struct xfn *f, CXCursor e)
{
	CXCursor d = lvalue_root(e);
	struct local *l = is_null_cursor(d) ? NULL : local_find(f, d);
	if (l)
		l->escapes = 1;
}

static void note_local(struct xfn *f, CXCursor decl)
{
	if (!is_local_var(decl) || local_find(f, decl))
		return;
	grow_array((void **)&f->locals, &f->locals_cap, f->nlocals, sizeof *f->locals);
	struct local *l = &f->locals[f->nlocals++];
	memset(l, 0, sizeof *l);
	l->decl = decl;
	l->name = cursor_name(decl);
}

static void add_to_local(CXCursor fn, void *data)
{
	local_add_fn(data, fn);
}

/* A local written once with a constant (int ret = -1; … return ret;) is that constant
 * wherever it is read: what a return of it says about success (atoms.c). */
static void note_local_write(struct xfn *f, CXCursor var, CXCursor value)
{
	struct local *l = local_find(f, var);
	if (!l)
		return;
	l->writes++;
	CXCursor v = is_null_cursor(value) ? value : strip_expr(value);
	int read = !is_null_cursor(v) && clang_getCursorKind(v) == CXCursor_DeclRefExpr &&
	          clang_getCursorKind(clang_getCursorReferenced(v)) == CXCursor_VarDecl;
	l->value_flags = is_null_cursor(v) || read ? 0 : return_value_flags(f, value);
}

static int is_increment(CXCursor c)
{
	if (clang_getCursorKind(c) != CXCursor_UnaryOperator)
		return 0;
	enum CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(c);
	return op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PostDec ||
	       op == CXUnaryOperator_PreInc || op == CXUnaryOperator_PreDec;
}

static void note_fn_assign(struct xfn *f, CXCursor var, CXCursor value)
{
	struct local *l = local_find(f, var);
	if (l)
		function_values(value, add_to_local, l);
}

static int is_detached_const(CXCursor e)
{
	long long v;
	e = strip_expr(e);
	if (clang_getCursorKind(e) == CXCursor_DeclRefExpr) {
		char *n = cursor_name(e);
		int yes = str_eq(n, "PTHREAD_CREATE_DETACHED");
		free(n);
		return yes;
	}
	return is_int_literal(e, &v) && v == 1;
}

/* The tokens as written where e is used (a macro's name, not its expansion). */
static int written_mentions(struct xtu *x, CXCursor e, const char *const *words)
{
	CXSourceRange r = clang_getCursorExtent(e);
	CXFile f0, f1;
	unsigned o0, o1;
	clang_getExpansionLocation(clang_getRangeStart(r), &f0, NULL, NULL, &o0);
	clang_getExpansionLocation(clang_getRangeEnd(r), &f1, NULL, NULL, &o1);
	if (!f0 || !clang_File_isEqual(f0, f1) || o1 < o0)
		return 0;
	CXToken *toks = NULL;
	unsigned n = 0, yes = 0;
	clang_tokenize(x->tu, clang_getRange(clang_getLocationForOffset(x->tu, f0, o0),
	                                     clang_getLocationForOffset(x->tu, f1, o1)), &toks, &n);
	for (unsigned i = 0; i < n && !yes; i++) {
		CXString s = clang_getTokenSpelling(x->tu, toks[i]);
		for (int w = 0; words[w] && !yes; w++)
			yes = strstr(clang_getCString(s), words[w]) != NULL;
		clang_disposeString(s);
	}
	clang_disposeTokens(x->tu, toks, n);
	return yes;
}

int mentions_recursive(struct xtu *x, CXCursor e)
{
	static const char *const words[] = {"RECURSIVE", "recursive", NULL};
	if (written_mentions(x, e, words))
		return 1;
	char *text = cursor_text(x, e);
	int yes = text && (strstr(text, "RECURSIVE") || strstr(text, "recursive"));
	free(text);
	return yes;
}

static void note_call(struct xfn *f, CXCursor call)
{
	char *name = cursor_name(clang_getCursorReferenced(call));
	if (str_eq(name, "pthread_attr_setdetachstate") && clang_Cursor_getNumArguments(call) == 2 &&
	    is_detached_const(clang_Cursor_getArgument(call, 1)))
		f->sets_detached = 1;
	if (str_eq(name, "pthread_mutexattr_settype") && clang_Cursor_getNumArguments(call) == 2 &&
	    mentions_recursive(f->x, clang_Cursor_getArgument(call, 1)))
		f->sets_recursive = 1;
	free(name);
}

/* Array-to-pointer decay: an implicit cast from an array to a pointer. */
static int is_decay(CXCursor e)
{
	if (clang_getCursorKind(e) != CXCursor_UnexposedExpr || cursor_nchildren(e) != 1)
		return 0;
	return is_pointer_type(clang_getCursorType(e)) &&
	       is_array_type(clang_getCursorType(strip_implicit(cursor_child(e, 0))));
}

static void scan(struct xfn *f, CXCursor c, int subscript_base)
{
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_VarDecl) {
		note_local(f, c);
		CXCursor init = clang_Cursor_getVarDeclInitializer(c);
		if (!is_null_cursor(init)) {
			note_fn_assign(f, c, init);
			note_local_write(f, c, init);
			long long v;
			struct local *l = local_find(f, c);
			if (l && is_int_literal(init, &v) && v == 0)
				l->zero_writes++;
		}
	} else if (k == CXCursor_UnaryOperator &&
	           clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_AddrOf) {
		mark_escape(f, cursor_child(c, 0));
		paramconst_note_write(f, cursor_child(c, 0));
	} else if (k == CXCursor_BinaryOperator &&
	           clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign) {
		CXCursor lhs = strip_implicit(cursor_child(c, 0));
		paramconst_note_write(f, lhs);
		if (clang_getCursorKind(lhs) == CXCursor_DeclRefExpr) {
			note_fn_assign(f, clang_getCursorReferenced(lhs), cursor_child(c, 1));
			note_local_write(f, clang_getCursorReferenced(lhs), cursor_child(c, 1));
			long long v;
			struct local *l = local_find(f, clang_getCursorReferenced(lhs));
			if (l && is_int_literal(cursor_child(c, 1), &v) && v == 0)
				l->zero_writes++;
		}
	} else if (k == CXCursor_CompoundAssignOperator || is_increment(c)) {
		CXCursor lhs = strip_implicit(cursor_child(c, 0));
		paramconst_note_write(f, lhs);
		if (clang_getCursorKind(lhs) == CXCursor_DeclRefExpr) {
			note_local_write(f, clang_getCursorReferenced(lhs), clang_getNullCursor());
			enum CXUnaryOperatorKind op = k == CXCursor_UnaryOperator ?
				clang_getCursorUnaryOperatorKind(c) : CXUnaryOperator_Invalid;
			struct local *l = local_find(f, clang_getCursorReferenced(lhs));
			if (l && (op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PreInc))
				l->incs++;
		}
	} else if (k == CXCursor_CallExpr) {
		note_call(f, c);
	} else if (k == CXCursor_IfStmt || k == CXCursor_WhileStmt) {
		atoms_count_condition(f, cursor_child(c, 0));
	} else if (is_decay(c) && !subscript_base) {
		mark_escape(f, cursor_child(c, 0));
	}
	CXCursor *v;
	int n = cursor_children(c, &v);
	for (int i = 0; i < n; i++)
		scan(f, v[i], k == CXCursor_ArraySubscriptExpr && i == 0);
	free(v);
}

void prepass_function(struct xfn *f, CXCursor body)
{
	scan(f, body, 0);
}

/* ---- whole TU: reached and address-taken functions, global function pointers ---- */

struct global_target {
	struct xtu *x;
	CXCursor var;
	const char *field;   /* "struct ops.run" for a function-pointer field, else NULL */
	int in_table;        /* the field's value comes from an initialiser */
};

static void add_global(CXCursor fn, void *data)
{
	struct global_target *t = data;
	struct xtu *x = t->x;
	if (t->field) {
		char *usr = cursor_usr(fn);
		for (int i = 0; i < x->nfieldfn; i++)
			if (str_eq(x->fieldfn[i].key, t->field) && str_eq(x->fieldfn[i].usr, usr)) {
				x->fieldfn[i].in_table |= t->in_table;
				free(usr);
				return;
			}
		grow_array((void **)&x->fieldfn, &x->fieldfn_cap, x->nfieldfn, sizeof *x->fieldfn);
		x->fieldfn[x->nfieldfn++] = (struct field_fn){xstrdup(t->field), usr, cursor_name(fn),
		                                              t->in_table};
	} else {
		add_fn(&x->gfnptr, &x->ngfnptr, &x->gfnptr_cap, t->var, fn);
	}
}

static void note_global_fnptr(struct xtu *x, CXCursor var, CXCursor value)
{
	if (clang_getCursorKind(var) != CXCursor_VarDecl || is_local_var(var))
		return;
	struct global_target t = {x, var, NULL, 0};
	function_values(value, add_global, &t);
}

static void note_field_fn(struct xtu *x, const char *key, CXCursor value, int in_table)
{
	if (!key)
		return;
	struct global_target t = {x, clang_getNullCursor(), key, in_table};
	function_values(value, add_global, &t);
}

char *field_key(CXCursor member)
{
	CXCursor base = cursor_child(member, 0);
	if (is_null_cursor(base))
		return NULL;
	char *rec = record_name(clang_getCursorType(base)), *field = cursor_name(member);
	char *key = rec ? xasprintf("%s.%s", rec, field) : NULL;
	free(rec);
	free(field);
	return key;
}

struct fields {
	CXCursor *v;
	int n, cap;
};

static enum CXVisitorResult on_field(CXCursor c, CXClientData data)
{
	struct fields *f = data;
	grow_array((void **)&f->v, &f->cap, f->n, sizeof *f->v);
	f->v[f->n++] = c;
	return CXVisit_Continue;
}

static enum CXChildVisitResult find_member_ref(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	if (clang_getCursorKind(c) != CXCursor_MemberRef)
		return CXChildVisit_Continue;
	*(CXCursor *)data = clang_getCursorReferenced(c);
	return CXChildVisit_Break;
}

int record_fields(CXType t, CXCursor **out)
{
	struct fields fl = {0};
	clang_Type_visitFields(clang_getCanonicalType(t), on_field, &fl);
	*out = fl.v;
	return fl.n;
}

CXCursor designated_field(CXCursor element)
{
	CXCursor field = clang_getNullCursor();
	clang_visitChildren(element, find_member_ref, &field);
	return field;
}

/* { .run = f } and { "name", f }: function values stored in fields of a struct. */
static void note_init_list(struct xtu *x, CXCursor list)
{
	CXType t = clang_getCursorType(list);
	char *rec = record_name(t);
	if (!rec || clang_getCanonicalType(t).kind != CXType_Record) {
		free(rec);
		return;
	}
	struct fields fl = {0};
	fl.n = record_fields(t, &fl.v);
	CXCursor *v;
	int n = cursor_children(list, &v), next = 0;
	for (int i = 0; i < n; i++) {
		CXCursor field = designated_field(v[i]);
		if (!is_null_cursor(field))   /* designated: continue after that field */
			for (int j = 0; j < fl.n; j++)
				if (same_decl(fl.v[j], field))
					next = j;
		if (next < fl.n) {
			char *name = cursor_name(fl.v[next]);
			char *key = xasprintf("%s.%s", rec, name);
			note_field_fn(x, key, v[i], 1);
			free(key);
			free(name);
		}
		next++;
	}
	free(v);
	free(fl.v);
	free(rec);
}

/* A function named in code being scanned: its definition in this unit, if any and not a
 * system header's, is reached and its body scanned in turn; `address` when it is used
 * other than as a direct callee. */
static void note_function_use(struct xtu *x, CXCursor fn, int address)
{
	char *usr = cursor_usr(fn);
	kb_reset(&x->kb);
	kb_str(&x->kb, usr);
	free(usr);
	struct hkey k = kb_hash(&x->kb);
	int v = 0, known = keymap_get(&x->reached, k, &v);
	keymap_put(&x->reached, k, v | FN_REACHED | (address ? FN_ADDR_TAKEN : 0));
	if (known)
		return;
	CXCursor def = clang_getCursorDefinition(fn);
	if (is_null_cursor(def) || in_system_header(def))
		return;
	grow_array((void **)&x->pending, &x->pending_cap, x->npending, sizeof *x->pending);
	x->pending[x->npending++] = def;
}

static void scan_tu(struct xtu *x, CXCursor c, int is_callee)
{
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_DeclRefExpr) {
		CXCursor d = clang_getCursorReferenced(c);
		if (clang_getCursorKind(d) == CXCursor_FunctionDecl)
			note_function_use(x, d, !is_callee);
	} else if (k == CXCursor_VarDecl) {
		CXCursor init = clang_Cursor_getVarDeclInitializer(c);
		if (!is_null_cursor(init))
			note_global_fnptr(x, c, init);
	} else if (k == CXCursor_BinaryOperator &&
	           clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign) {
		CXCursor lhs = strip_implicit(cursor_child(c, 0));
		if (clang_getCursorKind(lhs) == CXCursor_DeclRefExpr)
			note_global_fnptr(x, clang_getCursorReferenced(lhs), cursor_child(c, 1));
		if (clang_getCursorKind(lhs) == CXCursor_MemberRefExpr) {
			char *key = field_key(lhs);
			note_field_fn(x, key, cursor_child(c, 1), 0);
			free(key);
		}
	} else if (k == CXCursor_InitListExpr) {
		note_init_list(x, c);
	}
	CXCursor *v;
	int n = cursor_children(c, &v);
	for (int i = 0; i < n; i++) {
		/* The callee of a direct call, through its implicit function-to-pointer cast. */
		int callee = k == CXCursor_CallExpr && i == 0;
		if (callee && clang_getCursorKind(v[i]) != CXCursor_DeclRefExpr) {
			CXCursor s = strip_implicit(v[i]);
			if (clang_getCursorKind(s) == CXCursor_DeclRefExpr) {
				scan_tu(x, s, 1);
				continue;
			}
			callee = 0;
		}
		scan_tu(x, v[i], callee);
	}
	free(v);
}

/* __attribute__((constructor)): the loader runs it before main, single-threaded, so what it
 * calls has a caller (a library's registration function is no API any thread may call).
 * libclang shows the attribute only as an unexposed one; the printed declaration names it. */
static enum CXChildVisitResult find_unexposed_attr(CXCursor c, CXCursor parent, CXClientData found)
{
	(void)parent;
	if (clang_getCursorKind(c) != CXCursor_UnexposedAttr)
		return CXChildVisit_Continue;
	*(int *)found = 1;
	return CXChildVisit_Break;
}

/* (cursor_children leaves attributes out) */
static int has_unexposed_attr(CXCursor decl)
{
	int found = 0;
	clang_visitChildren(decl, find_unexposed_attr, &found);
	return found;
}

static int is_constructor(CXCursor fn)
{
	/* the attribute is often on a declaration before the definition */
	CXCursor first = clang_getCanonicalCursor(fn);
	if (has_unexposed_attr(first))
		fn = first;
	else if (!has_unexposed_attr(fn))
		return 0;
	CXPrintingPolicy policy = clang_getCursorPrintingPolicy(fn);
	clang_PrintingPolicy_setProperty(policy, CXPrintingPolicy_TerseOutput, 1);
	CXString s = clang_getCursorPrettyPrinted(fn, policy);
	int yes = strstr(clang_getCString(s), "constructor") != NULL;
	clang_disposeString(s);
	clang_PrintingPolicy_dispose(policy);
	return yes;
}

/* A definition in the main file is always extracted, as is one with external linkage in
 * a header (it exists once in the program); an inline or static function of a header only
 * when code already reached uses it. Most of a large project's headers define functions a
 * given unit never calls (83% of OVS's definitions were such copies): not walking them
 * halves the extraction. A constructor is extracted wherever a macro made its name. */
static int is_root(CXCursor fn)
{
	if (clang_Location_isFromMainFile(clang_getCursorLocation(fn)))
		return 1;
	if (clang_Cursor_getStorageClass(fn) != CX_SC_Static && !clang_Cursor_isFunctionInlined(fn))
		return 1;
	return is_constructor(fn);
}

void prepass_tu(struct xtu *x)
{
	CXCursor *v;
	int n = cursor_children(clang_getTranslationUnitCursor(x->tu), &v);
	for (int i = 0; i < n; i++) {
		if (in_system_header(v[i]))
			continue;
		if (clang_getCursorKind(v[i]) == CXCursor_FunctionDecl && clang_isCursorDefinition(v[i])) {
			if (is_root(v[i]))
				note_function_use(x, v[i], 0);
			continue;
		}
		scan_tu(x, v[i], 0);
	}
	free(v);
	/* Each reached definition's body, which may reach more. */
	while (x->npending)
		scan_tu(x, x->pending[--x->npending], 0);
	free(x->pending);
	x->pending = NULL;
}

int function_reached(struct xtu *x, CXCursor fn, unsigned *flags)
{
	char *usr = cursor_usr(fn);
	int v = 0;
	kb_reset(&x->kb);
	kb_str(&x->kb, usr);
	keymap_get(&x->reached, kb_hash(&x->kb), &v);
	free(usr);
	if (v & FN_ADDR_TAKEN)
		*flags |= FNF_ADDR_TAKEN;
	return v != 0;
}

int global_fnptr_next(struct xtu *x, CXCursor var, int from)
{
	for (int i = from; i < x->ngfnptr; i++)
		if (same_decl(x->gfnptr[i].decl, var))
			return i;
	return -1;
}
