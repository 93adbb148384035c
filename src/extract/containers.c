/* containers.c — where in a struct type a member sits when it is reached through members
 * embedded by value: thr->block_decoder.code is "struct worker_thread.block_decoder.code",
 * &coder->next is "lzma_block_coder.next". The analysis follows a function stored through a
 * parameter (next->code = f in init(lzma_next_coder *next)) to the container its callers
 * pass (init(&thr->block_decoder)), and a call through thr->block_decoder.code takes what
 * was stored there, not every function stored into any lzma_next_coder's code
 * (analyze/fnptr_paths.c). Written on CALL events' api (facts.h), with the arguments that
 * are fresh slots (fresh_slots.c). */
#include "internal.h"

#include <stdlib.h>

#include "common/util.h"

/* The member e names, with the struct type it sits in, and its container's own member
 * when the container is embedded by value (at most `limit` members): *nfields says how
 * many. Only the innermost levels are kept so that one member is named alike however deep
 * its struct is embedded (s.thr.block.code and w->block.code are both
 * "struct worker.block.code"). NULL when e is not a member access. */
static char *member_path(CXCursor e, int limit, int *nfields)
{
	e = strip_expr(e);
	*nfields = 0;
	if (clang_getCursorKind(e) != CXCursor_MemberRefExpr)
		return NULL;
	char *fields = xstrdup("");
	for (CXCursor m = e;;) {
		char *name = cursor_name(m), *longer = xasprintf(".%s%s", name ? name : "?", fields);
		free(name);
		free(fields);
		fields = longer;
		CXCursor inner = strip_implicit(cursor_child(m, 0));
		if (is_null_cursor(inner))
			break;
		/* a.b.c: on through a struct embedded by value; stop at a -> or a variable */
		if (++*nfields < limit && clang_getCursorKind(inner) == CXCursor_MemberRefExpr &&
		    clang_getCanonicalType(clang_getCursorType(inner)).kind == CXType_Record) {
			m = inner;
			continue;
		}
		char *rec = record_name(clang_getCursorType(inner));
		char *r = rec ? xasprintf("%s%s", rec, fields) : NULL;
		free(rec);
		free(fields);
		return r;
	}
	free(fields);
	return NULL;
}

char *embedded_member_path(CXCursor e)
{
	int n;
	char *r = member_path(e, 2, &n);
	if (n > 1)
		return r;
	free(r);
	return NULL;
}

/* &x.m or &p->m of struct type: the container the callee's parameter points into. */
static char *argument_container(CXCursor a)
{
	a = strip_expr(a);
	if (clang_getCursorKind(a) != CXCursor_UnaryOperator ||
	    clang_getCursorUnaryOperatorKind(a) != CXUnaryOperator_AddrOf)
		return NULL;
	CXCursor m = strip_implicit(cursor_child(a, 0));
	if (clang_getCanonicalType(clang_getCursorType(m)).kind != CXType_Record)
		return NULL;
	int n;
	return member_path(m, 1, &n);
}

char *call_containers(struct xfn *f, CXCursor call, CXCursor callee)
{
	struct strbuf sb;
	sb_init(&sb);
	int n = clang_Cursor_getNumArguments(call);
	for (int i = 0; i < n; i++) {
		CXCursor a = clang_Cursor_getArgument(call, i);
		char *c = argument_container(a);
		if (c)
			sb_addf(&sb, "%s%d=%s", sb.len ? ";" : "", i, c);
		free(c);
		if (f && fresh_slot_arg(f, call, a))
			sb_addf(&sb, "%s%d!", sb.len ? ";" : "", i);
	}
	char *self = is_null_cursor(callee) ? NULL : embedded_member_path(callee);
	if (self)
		sb_addf(&sb, "%s*=%s", sb.len ? ";" : "", self);
	free(self);
	if (!sb.len) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}
