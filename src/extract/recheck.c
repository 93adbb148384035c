/* recheck.c — what the loop around a condition wait re-tests, so that the analysis can
 * tell a re-check loop (while (q->len == 0) wait; for (;;) { if (q->len) take… else wait })
 * from a loop that merely repeats the wait (for (i = 0; i < n; i++) wait, a wait for "a"
 * signal with no state behind it): the names read by the innermost loop's condition and by
 * every condition tested in its body. A condition that calls a function (other than an
 * atomic load) re-tests what that function reads: unknown (NULL). */
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

/* The conditions tested anywhere in statement s: if, while, do, switch (their bodies'
 * assignments are not tests). */
static void conditions_in(struct names *n, CXCursor s)
{
	enum CXCursorKind k = clang_getCursorKind(s);
	if (is_null_cursor(s) || clang_isExpression(k))
		return;
	CXCursor *v;
	int m = cursor_children(s, &v);
	if ((k == CXCursor_IfStmt || k == CXCursor_WhileStmt || k == CXCursor_SwitchStmt) && m >= 1)
		names_in(n, v[0]);
	else if (k == CXCursor_DoStmt && m >= 2)
		names_in(n, v[m - 1]);
	for (int i = 0; i < m; i++)
		conditions_in(n, v[i]);
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
	conditions_in(&n, lp->body);
	if (n.calls) {
		sb_free(&n.sb);
		return NULL;
	}
	return n.sb.buf ? sb_detach(&n.sb) : xstrdup("");
}
