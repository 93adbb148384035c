/* recheck.c — what the loop around a condition wait re-tests, so that the analysis can
 * tell a re-check loop (while (q->len == 0) wait) from a loop that merely encloses the wait
 * (a worker's for (;;) whose `if (!ready) wait` waits once): the names read by the
 * innermost loop's condition, and by the conditions of the ifs in its body that leave the
 * loop (break, return, goto), not looking into nested loops. A condition that calls a
 * function (other than an atomic load) re-tests what that function reads: unknown (NULL). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct names {
	struct strbuf sb;
	int calls;           /* a function is called: what it reads is not known here */
};

static void add_name(struct names *n, CXCursor ref)
{
	char *name = cursor_name(ref);
	if (!name || !*name) {
		free(name);
		return;
	}
	/* whole words only: " len " is in " len closed " but not in " length " */
	size_t len = strlen(name);
	const char *have = n->sb.buf ? n->sb.buf : "";
	for (const char *p = strstr(have, name); p; p = strstr(p + 1, name))
		if ((p == have || p[-1] == ' ') && (p[len] == ' ' || !p[len])) {
			free(name);
			return;
		}
	if (n->sb.buf && n->sb.buf[0])
		sb_addc(&n->sb, ' ');
	sb_add(&n->sb, name);
	free(name);
}

static enum CXChildVisitResult on_name(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_CallExpr) {
		char *callee = cursor_name(clang_getCursorReferenced(c));
		/* atomic loads are reads of their operand, seen below */
		if (!callee || !(str_starts(callee, "__c11_atomic") || str_starts(callee, "__atomic") ||
		                 str_starts(callee, "__sync") || str_starts(callee, "__builtin") ||
		                 str_starts(callee, "atomic_")))
			((struct names *)data)->calls = 1;
		free(callee);
	} else if (k == CXCursor_MemberRefExpr)
		add_name(data, c);
	else if (k == CXCursor_DeclRefExpr) {
		enum CXCursorKind d = clang_getCursorKind(clang_getCursorReferenced(c));
		if (d == CXCursor_VarDecl || d == CXCursor_ParmDecl)
			add_name(data, c);
	}
	return CXChildVisit_Recurse;
}

static void names_in(struct names *n, CXCursor e)
{
	if (is_null_cursor(e))
		return;
	on_name(e, clang_getNullCursor(), n);
	clang_visitChildren(e, on_name, n);
}

static int is_loop(enum CXCursorKind k)
{
	return k == CXCursor_WhileStmt || k == CXCursor_ForStmt || k == CXCursor_DoStmt;
}

/* Does statement s leave the loop it is in (break outside a nested loop or switch,
 * return, goto)? */
static int leaves(CXCursor s, int in_switch)
{
	enum CXCursorKind k = clang_getCursorKind(s);
	if (k == CXCursor_ReturnStmt || k == CXCursor_GotoStmt || (k == CXCursor_BreakStmt && !in_switch))
		return 1;
	if (is_loop(k) || clang_isExpression(k))
		return 0;
	int sw = in_switch || k == CXCursor_SwitchStmt;
	CXCursor *v;
	int n = cursor_children(s, &v), yes = 0;
	for (int i = 0; i < n && !yes; i++)
		yes = leaves(v[i], sw);
	free(v);
	return yes;
}

static void exit_conditions(struct names *n, CXCursor s)
{
	enum CXCursorKind k = clang_getCursorKind(s);
	if (is_null_cursor(s) || is_loop(k) || clang_isExpression(k))
		return;
	CXCursor *v;
	int m = cursor_children(s, &v);
	if (k == CXCursor_IfStmt && m >= 2 && (leaves(v[1], 0) || (m > 2 && leaves(v[2], 0))))
		names_in(n, v[0]);
	for (int i = 0; i < m; i++)
		exit_conditions(n, v[i]);
	free(v);
}

char *recheck_names(struct xfn *f)
{
	if (!f->nloops)
		return NULL;
	const struct loop_parts *lp = &f->loop_parts[f->nloops - 1];
	struct names n = {.calls = 0};
	sb_init(&n.sb);
	long long v;
	if (!is_null_cursor(lp->cond) && !is_int_literal(lp->cond, &v))
		names_in(&n, lp->cond);
	exit_conditions(&n, lp->body);
	if (n.calls) {
		sb_free(&n.sb);
		return NULL;
	}
	return n.sb.buf ? sb_detach(&n.sb) : xstrdup("");
}
