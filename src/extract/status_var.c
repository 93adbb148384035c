/* status_var.c — a lock's status kept in a local and tested by the very next statement:
 *     int rc = pthread_mutex_lock(&m);  if (rc != 0) return rc;
 *     rc = pthread_mutex_trylock(&m);   if (rc) goto busy;
 * The lock is held only where that status is 0 (an error-checking mutex refuses a relock
 * with EDEADLK, a robust one may fail), exactly as when the call itself is the condition
 * (calls.c try_condition): the call's lock event is left to the if's success branch. Only
 * the next statement is looked at, so no code runs between the call and the test without
 * the lock counted as held. */
#include "internal.h"


/* A local variable (automatic storage) that statement s stores a lock call's status into,
 * by its declaration or by a plain assignment; *call is that call. */
static int status_store(CXCursor s, CXCursor *var, CXCursor *call)
{
	CXCursor value = clang_getNullCursor();
	enum CXCursorKind k = clang_getCursorKind(s);
	if (k == CXCursor_DeclStmt && cursor_nchildren(s) == 1) {
		*var = cursor_child(s, 0);
		if (clang_getCursorKind(*var) == CXCursor_VarDecl)
			value = clang_Cursor_getVarDeclInitializer(*var);
	} else if (k == CXCursor_BinaryOperator &&
	           clang_getCursorBinaryOperatorKind(s) == CXBinaryOperator_Assign) {
		CXCursor lhs = strip_expr(cursor_child(s, 0));
		if (clang_getCursorKind(lhs) == CXCursor_DeclRefExpr) {
			*var = clang_getCursorReferenced(lhs);
			value = cursor_child(s, 1);
		}
	}
	if (is_null_cursor(value) || clang_getCursorKind(*var) != CXCursor_VarDecl ||
	    clang_Cursor_hasVarDeclGlobalStorage(*var))
		return 0;
	return clang_getCursorKind(strip_expr(value)) == CXCursor_CallExpr &&
	       lock_status_call(value, call);
}

/* If s stores a lock's status into a local that next, an if, tests against zero: the
 * call's lock event waits for that test (status_condition). */
void status_lock_begin(struct xfn *f, CXCursor s, CXCursor next)
{
	CXCursor var, call;
	if (clang_getCursorKind(next) != CXCursor_IfStmt || !status_store(s, &var, &call))
		return;
	int nonzero_true;
	CXCursor tested = cond_tested_expr(cursor_child(next, 0), &nonzero_true);
	if (is_null_cursor(tested) || clang_getCursorKind(tested) != CXCursor_DeclRefExpr ||
	    !same_decl(clang_getCursorReferenced(tested), var))
		return;
	f->status_var = var;
	f->status_call = call;
}

/* The if after status_lock_begin: its condition tests the status; the call and whether
 * success (0) is the true branch. The status is consumed (a second test of it in the
 * branches decides nothing more about the lock). */
int status_condition(struct xfn *f, CXCursor cond, CXCursor *call, int *success_on_true)
{
	if (is_null_cursor(f->status_var))
		return 0;
	int nonzero_true;
	CXCursor tested = cond_tested_expr(cond, &nonzero_true);
	if (is_null_cursor(tested) || clang_getCursorKind(tested) != CXCursor_DeclRefExpr ||
	    !same_decl(clang_getCursorReferenced(tested), f->status_var))
		return 0;
	*call = f->status_call;
	*success_on_true = !nonzero_true;
	status_lock_end(f);
	return 1;
}

/* After the if (or once its condition took the status): nothing waits any more. */
void status_lock_end(struct xfn *f)
{
	f->status_var = clang_getNullCursor();
	f->status_call = clang_getNullCursor();
}

int status_call_waits(const struct xfn *f, CXCursor call)
{
	return !is_null_cursor(f->status_call) && same_expr(call, f->status_call);
}
