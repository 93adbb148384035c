/* cursor.c — small libclang helpers: children as arrays, stripping casts, locations, source
 * spelling, type names, canonical file names and the noreturn test. */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct kids {
	CXCursor *v;
	int n, cap;
};

static enum CXChildVisitResult collect(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct kids *k = data;
	/* Attributes and type/decl references are not part of the evaluation. */
	if (clang_isAttribute(clang_getCursorKind(c)) || clang_isReference(clang_getCursorKind(c)))
		return CXChildVisit_Continue;
	grow_array((void **)&k->v, &k->cap, k->n, sizeof *k->v);
	k->v[k->n++] = c;
	return CXChildVisit_Continue;
}

int cursor_children(CXCursor c, CXCursor **out)
{
	struct kids k = {0};
	clang_visitChildren(c, collect, &k);
	*out = k.v;
	return k.n;
}

struct nth {
	int want, seen;
	CXCursor found;
};

static enum CXChildVisitResult pick(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct nth *k = data;
	if (clang_isAttribute(clang_getCursorKind(c)) || clang_isReference(clang_getCursorKind(c)))
		return CXChildVisit_Continue;       /* as collect() skips them */
	if (k->seen++ < k->want)
		return CXChildVisit_Continue;
	k->found = c;
	return CXChildVisit_Break;
}

/* Child i as cursor_children would list it, without listing the others. */
CXCursor cursor_child(CXCursor c, int i)
{
	struct nth k = {.want = i, .found = clang_getNullCursor()};
	if (i >= 0)
		clang_visitChildren(c, pick, &k);
	return k.found;
}

int cursor_nchildren(CXCursor c)
{
	CXCursor *v;
	int n = cursor_children(c, &v);
	free(v);
	return n;
}

int is_null_cursor(CXCursor c)
{
	return clang_Cursor_isNull(c) || clang_isInvalid(clang_getCursorKind(c));
}

static int is_unary(CXCursor c, enum CXUnaryOperatorKind op)
{
	return clang_getCursorKind(c) == CXCursor_UnaryOperator &&
	       clang_getCursorUnaryOperatorKind(c) == op;
}

static CXCursor strip(CXCursor e, int casts)
{
	for (;;) {
		enum CXCursorKind k = clang_getCursorKind(e);
		int one = k == CXCursor_ParenExpr || is_unary(e, CXUnaryOperator_Extension) ||
		          (casts && k == CXCursor_CStyleCastExpr);
		if (!one && k != CXCursor_UnexposedExpr)
			return e;             /* most expressions: no need to list their children */
		CXCursor *v;
		int n = cursor_children(e, &v);
		/* An UnexposedExpr with one child is an implicit cast (several: an AtomicExpr). */
		if ((one || n == 1) && n >= 1) {
			CXCursor next = v[n - 1];
			free(v);
			e = next;
			continue;
		}
		free(v);
		return e;
	}
}

CXCursor strip_expr(CXCursor e)
{
	return strip(e, 1);
}

CXCursor strip_implicit(CXCursor e)
{
	return strip(e, 0);
}

static int is_comma(CXCursor e)
{
	return clang_getCursorKind(e) == CXCursor_BinaryOperator &&
	       clang_getCursorBinaryOperatorKind(e) == CXBinaryOperator_Comma;
}

/* The last expression of a statement expression's compound statement, or null. */
static CXCursor stmt_expr_value(CXCursor e)
{
	CXCursor body = cursor_child(e, 0), last = clang_getNullCursor();
	if (clang_getCursorKind(body) != CXCursor_CompoundStmt)
		return last;
	CXCursor *v;
	int n = cursor_children(body, &v);
	if (n > 0 && clang_isExpression(clang_getCursorKind(v[n - 1])))
		last = v[n - 1];
	free(v);
	return last;
}

CXCursor value_expr(CXCursor e)
{
	for (int depth = 0; depth < 64; depth++) {
		e = strip_expr(e);
		CXCursor next = clang_getNullCursor();
		if (is_comma(e))
			next = cursor_child(e, 1);
		else if (clang_getCursorKind(e) == CXCursor_StmtExpr)
			next = stmt_expr_value(e);
		if (is_null_cursor(next))
			return e;
		e = next;
	}
	return e;
}

int same_decl(CXCursor a, CXCursor b)
{
	return clang_equalCursors(clang_getCanonicalCursor(a), clang_getCanonicalCursor(b));
}

void cursor_pos(CXCursor c, int *line, int *col)
{
	unsigned l = 0, cl = 0;
	CXSourceRange r = clang_getCursorExtent(c);
	clang_getExpansionLocation(clang_getRangeStart(r), NULL, &l, &cl, NULL);
	if (l == 0)
		clang_getExpansionLocation(clang_getCursorLocation(c), NULL, &l, &cl, NULL);
	*line = (int)l;
	*col = (int)cl;
}

static int is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '"' || c == '\'';
}

static char *take(CXString s)
{
	char *r = xstrdup(clang_getCString(s));
	clang_disposeString(s);
	return r ? r : xstrdup("");
}

/* The extent as a range of the file when every character of it is written there (plain code
 * or a macro argument); 0 when part of it comes from a macro body. */
static int literal_range(struct xtu *x, CXCursor c, CXSourceRange *out)
{
	CXSourceRange r = clang_getCursorExtent(c);
	CXSourceLocation ends[2] = {clang_getRangeStart(r), clang_getRangeEnd(r)};
	CXFile file[2], spell;
	unsigned off[2], soff;
	for (int i = 0; i < 2; i++) {
		clang_getFileLocation(ends[i], &file[i], NULL, NULL, &off[i]);
		clang_getSpellingLocation(ends[i], &spell, NULL, NULL, &soff);
		if (!file[i] || !spell || !clang_File_isEqual(file[i], spell) || off[i] != soff)
			return 0;
	}
	if (!clang_File_isEqual(file[0], file[1]) || off[1] < off[0])
		return 0;
	*out = clang_getRange(clang_getLocationForOffset(x->tu, file[0], off[0]),
	                      clang_getLocationForOffset(x->tu, file[1], off[1]));
	return 1;
}

static char *tokens_text(struct xtu *x, CXSourceRange r)
{
	CXToken *toks = NULL;
	unsigned n = 0;
	clang_tokenize(x->tu, r, &toks, &n);
	struct strbuf sb;
	sb_init(&sb);
	for (unsigned i = 0; i < n; i++) {
		CXString s = clang_getTokenSpelling(x->tu, toks[i]);
		const char *t = clang_getCString(s);
		/* A space only where two words would otherwise fuse ("struct T", "sizeof x"). */
		if (sb.len && is_word_char(sb.buf[sb.len - 1]) && is_word_char(t[0]))
			sb_addc(&sb, ' ');
		sb_add(&sb, t);
		clang_disposeString(s);
	}
	clang_disposeTokens(x->tu, toks, n);
	return sb_detach(&sb);
}

/* Spelling rebuilt from the AST, for expressions written partly inside a macro body. */
static char *structural_text(struct xtu *x, CXCursor e)
{
	CXCursor *v;
	int n = cursor_children(e, &v);
	char *r = NULL, *a = NULL;
	enum CXCursorKind k = clang_getCursorKind(e);
	if ((k == CXCursor_ParenExpr || k == CXCursor_UnexposedExpr || k == CXCursor_CStyleCastExpr) &&
	    n >= 1) {
		r = cursor_text(x, v[n - 1]);   /* the macro's protective parentheses and casts */
	} else if (k == CXCursor_DeclRefExpr) {
		r = cursor_name(clang_getCursorReferenced(e));
	} else if (k == CXCursor_MemberRefExpr && n >= 1) {
		a = cursor_text(x, v[0]);
		char *field = cursor_name(e);
		r = xasprintf("%s%s%s", a, is_pointer_type(clang_getCursorType(v[0])) ? "->" : ".", field);
		free(field);
	} else if (k == CXCursor_ArraySubscriptExpr && n >= 2) {
		a = cursor_text(x, v[0]);
		char *i = cursor_text(x, v[1]);
		r = xasprintf("%s[%s]", a, i);
		free(i);
	} else if (k == CXCursor_UnaryOperator && n >= 1) {
		enum CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(e);
		CXString sp = clang_getUnaryOperatorKindSpelling(op);
		a = cursor_text(x, v[0]);
		if (op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PostDec)
			r = xasprintf("%s%s", a, clang_getCString(sp));
		else
			r = xasprintf("%s%s", clang_getCString(sp), a);
		clang_disposeString(sp);
	} else if (k == CXCursor_IntegerLiteral) {
		long long val = 0;
		is_int_literal(e, &val);
		r = xasprintf("%lld", val);
	}
	free(a);
	free(v);
	return r ? r : xstrdup("...");
}

char *cursor_text(struct xtu *x, CXCursor c)
{
	CXSourceRange r;
	char *t = literal_range(x, c, &r) ? tokens_text(x, r) : structural_text(x, c);
	if (!*t) {
		free(t);
		return cursor_name(c);
	}
	return t;
}

char *cursor_usr(CXCursor c)
{
	return take(clang_getCursorUSR(c));
}

char *cursor_name(CXCursor c)
{
	return take(clang_getCursorSpelling(c));
}

char *type_name(CXType t)
{
	return take(clang_getTypeSpelling(t));
}

int is_pointer_type(CXType t)
{
	return clang_getCanonicalType(t).kind == CXType_Pointer;
}

/* pthread_t / thrd_t, however the platform defines them: a thread handle copied by value. */
int is_thread_handle_type(CXType t)
{
	CXString s = clang_getTypeSpelling(t);
	const char *c = clang_getCString(s);
	int yes = c && (str_eq(c, "pthread_t") || str_eq(c, "thrd_t"));
	clang_disposeString(s);
	return yes;
}

int is_array_type(CXType t)
{
	switch (clang_getCanonicalType(t).kind) {
	case CXType_ConstantArray: case CXType_IncompleteArray:
	case CXType_VariableArray: case CXType_DependentSizedArray:
		return 1;
	default:
		return 0;
	}
}

/* The struct a type names, through pointers and arrays, with qualifiers dropped; anonymous
 * records take the name of the typedef they were reached through. */
char *record_name(CXType t)
{
	for (;;) {
		CXType c = clang_getCanonicalType(t);
		if (c.kind == CXType_Pointer)
			t = clang_getPointeeType(t);
		else if (is_array_type(c))
			t = clang_getArrayElementType(t);
		else if (c.kind == CXType_Elaborated)
			t = clang_Type_getNamedType(t);
		else
			break;
	}
	CXType c = clang_getCanonicalType(t);
	if (c.kind != CXType_Record)
		return NULL;
	CXCursor decl = clang_getTypeDeclaration(c);
	if (!clang_Cursor_isAnonymous(decl))
		return type_name(clang_getUnqualifiedType(c));
	CXType u = clang_getUnqualifiedType(t);
	if (u.kind == CXType_Elaborated)
		u = clang_Type_getNamedType(u);
	if (u.kind == CXType_Typedef)
		return take(clang_getTypedefName(u));
	return type_name(u);
}

const char *canonical_file(struct xtu *x, CXFile f)
{
	if (!f)
		return "";
	for (int i = 0; i < x->nfiles; i++)
		if (clang_File_isEqual(x->files[i].file, f))
			return x->files[i].path;
	char *name = take(clang_getFileName(f));
	char *joined = name[0] != '/' && x->directory ? xasprintf("%s/%s", x->directory, name)
	                                              : xstrdup(name);
	char *real = realpath(joined, NULL);
	free(joined);
	grow_array((void **)&x->files, &x->files_cap, x->nfiles, sizeof *x->files);
	x->files[x->nfiles].file = f;
	x->files[x->nfiles].path = real ? xstrdup(real) : name;
	if (real) {
		free(real);
		free(name);
	}
	return x->files[x->nfiles++].path;
}

int in_system_header(CXCursor c)
{
	return clang_Location_isInSystemHeader(clang_getCursorLocation(c));
}

int is_int_literal(CXCursor e, long long *value)
{
	e = strip_expr(e);
	enum CXCursorKind k = clang_getCursorKind(e);
	if (k != CXCursor_IntegerLiteral && k != CXCursor_CharacterLiteral)
		return 0;
	CXEvalResult r = clang_Cursor_Evaluate(e);
	if (!r)
		return 0;
	int ok = clang_EvalResult_getKind(r) == CXEval_Int;
	if (ok && value)
		*value = clang_EvalResult_getAsLongLong(r);
	clang_EvalResult_dispose(r);
	return ok;
}

int constant_value(CXCursor e, long long *value)
{
	enum CXCursorKind k = clang_getCursorKind(strip_expr(e));
	if (k == CXCursor_CallExpr || k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr)
		return 0;   /* a const variable's value is no constant of the assignment */
	CXEvalResult r = clang_Cursor_Evaluate(e);
	if (!r)
		return 0;
	int ok = clang_EvalResult_getKind(r) == CXEval_Int;
	if (ok)
		*value = clang_EvalResult_getAsLongLong(r);
	clang_EvalResult_dispose(r);
	return ok;
}

void ptrset_add(char ***set, int *n, int *cap, const char *s)
{
	if (ptrset_has(*set, *n, s))
		return;
	grow_array((void **)set, cap, *n, sizeof **set);
	(*set)[(*n)++] = xstrdup(s);
}

int ptrset_has(char **set, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (str_eq(set[i], s))
			return 1;
	return 0;
}

static const char *const noreturn_names[] = {
	"exit", "_exit", "_Exit", "abort", "quick_exit", "__assert_fail", "__assert_perror_fail",
	"__assert", "longjmp", "siglongjmp", "_longjmp", "__builtin_unreachable", "__builtin_trap",
	"err", "errx", "verr", "verrx", NULL,
};

/* noreturn shows in the type of glibc's declarations (__attribute__((noreturn))); C11
 * _Noreturn and [[noreturn]] only in the declaration's tokens. */
static int decl_says_noreturn(struct xtu *x, CXCursor decl)
{
	char *ty = type_name(clang_getCursorType(decl));
	int yes = strstr(ty, "noreturn") != NULL;
	free(ty);
	if (yes)
		return 1;
	CXCursor d = clang_getCursorDefinition(decl);
	CXCursor c = is_null_cursor(d) ? decl : d;
	/* Only the part before the body: the specifiers. */
	CXSourceRange r = clang_getCursorExtent(c);
	CXToken *toks = NULL;
	unsigned n = 0;
	clang_tokenize(x->tu, r, &toks, &n);
	for (unsigned i = 0; i < n && !yes; i++) {
		CXString s = clang_getTokenSpelling(x->tu, toks[i]);
		const char *t = clang_getCString(s);
		if (str_eq(t, "{"))
			i = n;
		else
			yes = str_eq(t, "_Noreturn") || str_eq(t, "noreturn") || str_eq(t, "__noreturn__");
		clang_disposeString(s);
	}
	clang_disposeTokens(x->tu, toks, n);
	return yes;
}

int is_noreturn(struct xtu *x, CXCursor decl)
{
	char *name = cursor_name(decl);
	for (int i = 0; noreturn_names[i]; i++)
		if (str_eq(name, noreturn_names[i])) {
			free(name);
			return 1;
		}
	free(name);
	char *usr = cursor_usr(decl);
	for (int i = 0; i < x->nnoreturn; i++)
		if (str_eq(x->noreturn[i].usr, usr)) {
			free(usr);
			return x->noreturn[i].name[0] == '1';
		}
	int yes = decl_says_noreturn(x, decl);
	grow_array((void **)&x->noreturn, &x->noreturn_cap, x->nnoreturn, sizeof *x->noreturn);
	x->noreturn[x->nnoreturn++] = (struct named_decl){decl, usr, xstrdup(yes ? "1" : "0")};
	return yes;
}
