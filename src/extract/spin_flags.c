/* spin_flags.c — spinlocks made of an atomic flag or word, as locks in the facts:
 *     while (atomic_flag_test_and_set_explicit(&f, memory_order_acquire)) ;   (taken)
 *     atomic_flag_clear_explicit(&f, memory_order_release);                   (released)
 * and the same with __sync_lock_test_and_set / __sync_lock_release, an exchange of 1, or a
 * compare-and-swap of 0 to 1 (`while (!atomic_compare_exchange_weak(&l, &zero, 1))`,
 * `while (__sync_val_compare_and_swap(&l, 0, 1))`) released by an atomic store of 0. The
 * lock is the flag object; it is taken where the spin loop is left, so the accesses after
 * it are protected and the lock rules (double lock, leak, order) apply. Only a loop that
 * spins on the operation takes it: a lone test-and-set (`if (!tas(&once)) init();`) is a
 * one-shot flag, not a lock. The events are kind spin with the operation as their api, which
 * no entry of rules/locks.tsv names (the analysis tells a flag lock by that). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

enum spin_op { SPIN_NONE, SPIN_TAS, SPIN_CAS, SPIN_CLEAR };

/* The operation as written (a call's callee, a stdatomic macro, an atomic builtin) and the
 * spelling of its top-level arguments, from the tokens of its extent. */
struct spin_text {
	char *name;
	char *args[6];
	int nargs;
};

static void text_free(struct spin_text *t)
{
	free(t->name);
	for (int i = 0; i < t->nargs; i++)
		free(t->args[i]);
}

/* The source from where e is written (a macro's invocation, for an expansion) to at most
 * 512 characters on: enough for the operation and its arguments, which end its tokens. */
static CXSourceRange written_range(struct xfn *f, CXCursor e)
{
	CXFile file;
	unsigned off;
	clang_getExpansionLocation(clang_getRangeStart(clang_getCursorExtent(e)), &file, NULL, NULL, &off);
	size_t size = 0;
	if (!file || !clang_getFileContents(f->x->tu, file, &size))
		return clang_getNullRange();
	unsigned end = off + 512 < size ? off + 512 : (unsigned)size;
	return clang_getRange(clang_getLocationForOffset(f->x->tu, file, off),
	                      clang_getLocationForOffset(f->x->tu, file, end));
}

static void read_text(struct xfn *f, CXCursor e, struct spin_text *t)
{
	memset(t, 0, sizeof *t);
	CXToken *toks = NULL;
	unsigned nt = 0;
	CXSourceRange r = written_range(f, e);
	if (!clang_Range_isNull(r))
		clang_tokenize(f->x->tu, r, &toks, &nt);
	struct strbuf arg;
	sb_init(&arg);
	int depth = 0;
	for (unsigned i = 0; i < nt; i++) {
		CXString s = clang_getTokenSpelling(f->x->tu, toks[i]);
		const char *p = clang_getCString(s);
		int open = str_eq(p, "(") || str_eq(p, "[") || str_eq(p, "{");
		int close = str_eq(p, ")") || str_eq(p, "]") || str_eq(p, "}");
		if (i == 0)
			t->name = xstrdup(p);
		else if ((close && depth == 1) || (str_eq(p, ",") && depth == 1)) {
			if (t->nargs < 6)
				t->args[t->nargs++] = xstrdup(arg.buf ? arg.buf : "");
			arg.len = 0;
			if (arg.buf)
				arg.buf[0] = '\0';
		} else if (depth >= 1)
			sb_add(&arg, p);
		depth += open - close;
		clang_disposeString(s);
		if (i > 0 && depth == 0)
			break;
	}
	sb_free(&arg);
	clang_disposeTokens(f->x->tu, toks, nt);
}

/* An argument spelled as a constant: 1 nonzero, 0 zero, -1 anything else. */
static int constant(const struct spin_text *t, int k)
{
	if (k >= t->nargs)
		return -1;
	const char *a = t->args[k];
	if (str_eq(a, "true"))
		return 1;
	if (str_eq(a, "false"))
		return 0;
	char *end;
	long v = strtol(a, &end, 0);
	return end != a && (!*end || strspn(end, "uUlL") == strlen(end)) ? v != 0 : -1;
}

static int named(const char *name, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (str_eq(name, list[i]))
			return 1;
	return 0;
}

static enum spin_op classify(const struct spin_text *t)
{
	static const char *const tas[] = {"atomic_flag_test_and_set",
		"atomic_flag_test_and_set_explicit", "__atomic_test_and_set", NULL};
	static const char *const exchange[] = {"__sync_lock_test_and_set", "atomic_exchange",
		"atomic_exchange_explicit", "__atomic_exchange_n", "__c11_atomic_exchange", NULL};
	static const char *const cas[] = {"atomic_compare_exchange_weak",
		"atomic_compare_exchange_strong", "atomic_compare_exchange_weak_explicit",
		"atomic_compare_exchange_strong_explicit", "__atomic_compare_exchange_n",
		"__c11_atomic_compare_exchange_weak", "__c11_atomic_compare_exchange_strong", NULL};
	static const char *const clear[] = {"atomic_flag_clear", "atomic_flag_clear_explicit",
		"__atomic_clear", "__sync_lock_release", NULL};
	static const char *const store[] = {"atomic_store", "atomic_store_explicit",
		"__atomic_store_n", "__c11_atomic_store", NULL};
	const char *n = t->name ? t->name : "";
	if (named(n, tas) || (named(n, exchange) && constant(t, 1) == 1))
		return SPIN_TAS;
	if (named(n, cas) && constant(t, 2) == 1)
		return SPIN_CAS;
	if (str_eq(n, "__sync_bool_compare_and_swap") && constant(t, 1) == 0 && constant(t, 2) == 1)
		return SPIN_CAS;
	if (str_eq(n, "__sync_val_compare_and_swap") && constant(t, 1) == 0 && constant(t, 2) == 1)
		return SPIN_TAS;   /* returns the old value: 0 when it took the lock */
	if (named(n, clear) || (named(n, store) && constant(t, 1) == 0))
		return SPIN_CLEAR;
	return SPIN_NONE;
}

/* The pointer to the flag object: the operation's first operand; `&(obj)->_Value` (the
 * member a stdatomic macro reaches into) is `obj`. */
static CXCursor flag_pointer(CXCursor e)
{
	CXCursor p = clang_getCursorKind(e) == CXCursor_CallExpr
	                 ? (clang_Cursor_getNumArguments(e) > 0 ? clang_Cursor_getArgument(e, 0)
	                                                        : clang_getNullCursor())
	                 : cursor_child(e, 0);
	CXCursor s = strip_expr(p);
	if (clang_getCursorKind(s) != CXCursor_UnaryOperator ||
	    clang_getCursorUnaryOperatorKind(s) != CXUnaryOperator_AddrOf)
		return p;
	CXCursor m = strip_expr(cursor_child(s, 0));
	char *member = clang_getCursorKind(m) == CXCursor_MemberRefExpr ? cursor_name(m) : NULL;
	int inner = member && str_eq(member, "_Value");
	free(member);
	return inner ? strip_expr(cursor_child(m, 0)) : p;
}

static enum spin_op spin_op_of(struct xfn *f, CXCursor e, struct spin_text *t)
{
	enum CXCursorKind k = clang_getCursorKind(e);
	if (k != CXCursor_CallExpr && !(k == CXCursor_UnexposedExpr && cursor_nchildren(e) > 1)) {
		memset(t, 0, sizeof *t);
		return SPIN_NONE;
	}
	read_text(f, e, t);
	return classify(t);
}

int spin_condition(struct xfn *f, CXCursor cond, CXCursor *op, int *success_on_true)
{
	int nonzero_true;
	CXCursor e = cond_tested_expr(cond, &nonzero_true);
	if (is_null_cursor(e))
		return 0;
	e = strip_expr(e);
	struct spin_text t;
	enum spin_op kind = spin_op_of(f, e, &t);
	text_free(&t);
	if (kind != SPIN_TAS && kind != SPIN_CAS)
		return 0;
	*op = e;
	/* a test-and-set returns 0 when it took the flag; a compare-and-swap, true */
	*success_on_true = kind == SPIN_TAS ? !nonzero_true : nonzero_true;
	return 1;
}

static void emit_flag_lock(struct xfn *f, enum ev_kind kind, CXCursor op, const char *name)
{
	struct lock_api api = {.op = kind == EV_LOCK ? LOP_ACQUIRE : LOP_RELEASE, .kind = LK_SPIN,
	                       .lock_arg = 0, .mutex_arg = -1};
	emit_lock_on(f, kind, 0, op, flag_pointer(op), &api, name);
}

void spin_emit_acquire(struct xfn *f, CXCursor op)
{
	struct spin_text t;
	enum spin_op kind = spin_op_of(f, op, &t);
	if (kind == SPIN_TAS || kind == SPIN_CAS)
		emit_flag_lock(f, EV_LOCK, op, t.name);
	text_free(&t);
}

void spin_note_release(struct xfn *f, CXCursor op)
{
	struct spin_text t;
	if (spin_op_of(f, op, &t) == SPIN_CLEAR)
		emit_flag_lock(f, EV_UNLOCK, op, t.name);
	text_free(&t);
}
