/* recheck.c — what the loop around a condition wait re-tests, so that the analysis can
 * tell a re-check loop (while (q->len == 0) wait; for (;;) { if (q->len) take… else wait })
 * from a loop that merely repeats the wait (for (i = 0; i < n; i++) wait, a wait for "a"
 * signal with no state behind it): the names read by the innermost loop's condition and by
 * every condition tested in its body. A condition that calls a function (other than an
 * atomic load) re-tests what that function reads: unknown (NULL).
 *
 * Not the condition of an `if` without else that guards the wait itself when, after the
 * wait, the loop's body goes on past that `if` (`if (!ready) wait(); take();`): the test
 * ran before the wait, and after it the body acts on the predicate without testing it
 * again. */
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

/* The file offsets [*lo, *hi) of cursor c. */
static void extent(CXCursor c, unsigned *lo, unsigned *hi)
{
	CXSourceRange r = clang_getCursorExtent(c);
	clang_getExpansionLocation(clang_getRangeStart(r), NULL, NULL, NULL, lo);
	clang_getExpansionLocation(clang_getRangeEnd(r), NULL, NULL, NULL, hi);
}

static int holds(CXCursor s, unsigned at)
{
	unsigned lo, hi;
	extent(s, &lo, &hi);
	return lo <= at && at < hi;
}

static enum CXChildVisitResult on_jump(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	unsigned *after = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	if ((k == CXCursor_ContinueStmt || k == CXCursor_BreakStmt || k == CXCursor_ReturnStmt ||
	     k == CXCursor_GotoStmt) && !holds(c, *after)) {
		unsigned lo, hi;
		extent(c, &lo, &hi);
		if (lo > *after) {
			*after = 0;
			return CXChildVisit_Break;
		}
	}
	return CXChildVisit_Recurse;
}

/* Does branch b, holding the wait at offset `at`, leave the path after the wait by a jump
 * (continue, break, return, goto) rather than falling through past its `if`? */
static int jumps_after(CXCursor b, unsigned at)
{
	unsigned after = at;
	clang_visitChildren(b, on_jump, &after);
	return after == 0;
}

/* The conditions tested anywhere in statement s: if, while, do, switch (their bodies'
 * assignments are not tests), but not an `if`'s that only guards the wait (at offset
 * `wait`) when more of the body follows it (`followed`: see the top). */
static void conditions_in(struct names *n, CXCursor s, unsigned wait, int followed)
{
	enum CXCursorKind k = clang_getCursorKind(s);
	if (is_null_cursor(s) || clang_isExpression(k))
		return;
	CXCursor *v;
	int m = cursor_children(s, &v);
	if (k == CXCursor_IfStmt && m >= 2) {
		/* `if (!ready) wait();` with no else: the `if` only guards the wait (with an else,
		 * the other branch is where the predicate is acted on, and a wait in the else falls
		 * back to the loop's next test). */
		int guards = followed && m == 2 && holds(v[1], wait) && !jumps_after(v[1], wait);
		if (!guards)
			names_in(n, v[0]);
	} else if ((k == CXCursor_WhileStmt || k == CXCursor_SwitchStmt) && m >= 1)
		names_in(n, v[0]);
	else if (k == CXCursor_DoStmt && m >= 2)
		names_in(n, v[m - 1]);
	for (int i = 0; i < m; i++)
		conditions_in(n, v[i], wait,
		              k == CXCursor_CompoundStmt ? followed || i < m - 1 : followed);
	free(v);
}

char *recheck_names(struct xfn *f, CXCursor wait)
{
	if (!f->nloops)
		return NULL;
	const struct loop_parts *lp = &f->loop_parts[f->nloops - 1];
	struct names n = {.calls = 0};
	sb_init(&n.sb);
	long long v;
	if (!is_null_cursor(lp->cond) && !is_int_literal(lp->cond, &v))
		names_in(&n, lp->cond);
	unsigned at, end;
	extent(wait, &at, &end);
	conditions_in(&n, lp->body, at, 0);
	if (n.calls) {
		sb_free(&n.sb);
		return NULL;
	}
	return n.sb.buf ? sb_detach(&n.sb) : xstrdup("");
}
