/* calls.c — what a call does: lock API (rules/locks.tsv and project wrappers), thread
 * creation/join/detach/exit, atomic builtins, and plain calls (direct, or through a function
 * pointer whose possible values are known). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

int same_expr(CXCursor a, CXCursor b)
{
	if (clang_equalCursors(a, b))
		return 1;
	return clang_getCursorKind(a) == clang_getCursorKind(b) &&
	       clang_equalRanges(clang_getCursorExtent(a), clang_getCursorExtent(b));
}

static CXCursor arg_at(CXCursor call, int i)
{
	if (i < 0 || i >= clang_Cursor_getNumArguments(call))
		return clang_getNullCursor();
	return clang_Cursor_getArgument(call, i);
}

static void walk_args(struct xfn *f, CXCursor call, int skip)
{
	int n = clang_Cursor_getNumArguments(call);
	for (int i = 0; i < n; i++)
		if (i != skip)
			walk_expr(f, clang_Cursor_getArgument(call, i), U_READ);
}

static int is_addr_of(CXCursor e)
{
	return clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	       clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_AddrOf;
}

/* The object a pointer argument designates, as a path ("?" when unknown) and as spelling. */
static char *pointee_path(struct xfn *f, CXCursor ptr)
{
	if (is_null_cursor(ptr))
		return xstrdup("?");
	char *vp = value_path(f, ptr), *p = deref_path(vp);
	free(vp);
	return p ? p : xstrdup("?");
}

static char *pointee_text(struct xfn *f, CXCursor ptr)
{
	if (is_null_cursor(ptr))
		return NULL;
	CXCursor s = strip_expr(ptr);
	return cursor_text(f->x, is_addr_of(s) ? cursor_child(s, 0) : ptr);
}

static char *callee_name(CXCursor call)
{
	CXCursor d = clang_getCursorReferenced(call);
	if (clang_getCursorKind(d) != CXCursor_FunctionDecl)
		return NULL;
	return cursor_name(d);
}

/* ---- locks ---- */

/* mtx_init(&m, mtx_recursive), pthread_mutex_init(&m, &attr) after settype RECURSIVE */
static int inits_recursive(struct xfn *f, CXCursor call)
{
	CXCursor kind = arg_at(call, 1);
	if (is_null_cursor(kind) || is_int_literal(kind, NULL))
		return 0;
	return f->sets_recursive || mentions_recursive(f->x, kind);
}

/* sem_init(&s, pshared, 1) */
static int inits_to_one(CXCursor call)
{
	long long v;
	return is_int_literal(arg_at(call, 2), &v) && v == 1;
}

/* A lock variable whose initializer makes it recursive. */
static int statically_recursive(struct xfn *f, CXCursor lock)
{
	CXCursor s = strip_expr(lock);
	if (clang_getCursorKind(s) == CXCursor_UnaryOperator)
		s = strip_expr(cursor_child(s, 0));
	if (clang_getCursorKind(s) != CXCursor_DeclRefExpr)
		return 0;
	CXCursor init = clang_Cursor_getVarDeclInitializer(clang_getCursorReferenced(s));
	return !is_null_cursor(init) && mentions_recursive(f->x, init);
}

static void fill_lock(struct xfn *f, struct event *ev, CXCursor call, CXCursor lock,
                      const struct lock_api *api, const char *name)
{
	ev->path = pointee_path(f, lock);
	ev->name = pointee_text(f, lock);
	ev->lock_kind = api->kind;
	ev->api = xstrdup(name);
	if (api->op == LOP_COND_WAIT) {
		CXCursor m = arg_at(call, api->mutex_arg);
		ev->arg = pointee_path(f, m);
		ev->lock_class = is_null_cursor(m) ? NULL : lock_class_of(f, m);
		if (api->timed)
			ev->flags |= EVF_TIMED;
		if (f->nloops)
			ev->type = recheck_names(f, call);
	} else {
		ev->lock_class = is_null_cursor(lock) ? NULL : lock_class_of(f, lock);
		if (!is_null_cursor(lock) && api->kind == LK_MUTEX && statically_recursive(f, lock))
			ev->flags |= EVF_RECURSIVE;
	}
	if (api->shared)
		ev->flags |= EVF_SHARED;
	if ((api->op == LOP_ACQUIRE || api->op == LOP_RELEASE || api->op == LOP_TRY) && walked_lock(f, lock))
		ev->flags |= EVF_WALKED;
}

/* An event whose strings are computed before it is added (emit may move blocks). */
void emit_lock_on(struct xfn *f, enum ev_kind kind, unsigned flags, CXCursor call, CXCursor lock,
                  const struct lock_api *api, const char *name)
{
	struct event tmp = {0};
	fill_lock(f, &tmp, call, lock, api, name);
	struct event *ev = emit(f, kind, call);
	tmp.kind = ev->kind;
	tmp.line = ev->line;
	tmp.col = ev->col;
	tmp.pos = ev->pos;
	tmp.flags |= ev->flags | flags;
	*ev = tmp;
}

static void emit_lock(struct xfn *f, enum ev_kind kind, unsigned flags, CXCursor call,
                      const struct lock_api *api, const char *name)
{
	emit_lock_on(f, kind, flags, call, arg_at(call, api->lock_arg), api, name);
}

void emit_try_success(struct xfn *f, CXCursor call)
{
	char *name = callee_name(call);
	const struct lock_api *api = name ? lockapi_find(name) : NULL;
	if (api)   /* a blocking lock whose status is tested waited: not a trylock */
		emit_lock(f, EV_LOCK, api->op == LOP_TRY ? EVF_TRY : 0, call, api, name);
	else       /* a spin loop's test-and-set or compare-and-swap (spin_flags.c) */
		spin_emit_acquire(f, call);
	free(name);
}

static struct event *emit_plain_call(struct xfn *f, CXCursor call, const char *usr,
                                     const char *name, unsigned flags);

static void lock_call(struct xfn *f, CXCursor call, const struct lock_api *api, const char *name)
{
	walk_args(f, call, -1);
	switch (api->op) {
	case LOP_ACQUIRE:
		if (!same_expr(call, f->cond_try) && !status_call_waits(f, call))   /* its status tested: the branch emits it */
			emit_lock(f, EV_LOCK, 0, call, api, name);
		break;
	case LOP_TRY:
		if (!same_expr(call, f->cond_try) && !status_call_waits(f, call))   /* else its branch emits it */
			emit_lock(f, EV_LOCK, EVF_TRY | EVF_UNCERTAIN, call, api, name);
		break;
	case LOP_RELEASE:
		emit_lock(f, EV_UNLOCK, 0, call, api, name);
		break;
	case LOP_COND_WAIT:
		emit_lock(f, EV_COND_WAIT, 0, call, api, name);
		break;
	case LOP_COND_SIGNAL:
		emit_lock(f, EV_COND_SIGNAL, 0, call, api, name);
		break;
	default: {   /* init, destroy: a call whose argument carries the lock class */
		char *usr = cursor_usr(clang_getCursorReferenced(call));
		unsigned flags = 0;
		if (api->op == LOP_INIT && api->kind == LK_SEM)
			flags = inits_to_one(call) ? EVF_ONE : 0;
		else if (api->op == LOP_INIT && inits_recursive(f, call))
			flags = EVF_RECURSIVE;
		emit_plain_call(f, call, usr, name, flags);
		free(usr);
		break;
	}
	}
}

static int is_zero_or_success(CXCursor e)
{
	long long v;
	e = strip_expr(e);
	if (clang_getCursorKind(e) == CXCursor_DeclRefExpr) {
		CXCursor d = clang_getCursorReferenced(e);
		return clang_getCursorKind(d) == CXCursor_EnumConstantDecl &&
		       clang_getEnumConstantDeclValue(d) == 0;
	}
	return is_int_literal(e, &v) && v == 0;
}

/* trylock(…) or (rc = trylock(…)); also a blocking lock's call, whose status a program
 * may test as well (`if (pthread_mutex_lock(&m) != 0) return -1;`, an error-checking
 * mutex refusing a relock with EDEADLK): it holds the lock only where that status is 0. */
int lock_status_call(CXCursor e, CXCursor *call)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) == CXCursor_BinaryOperator &&
	    clang_getCursorBinaryOperatorKind(e) == CXBinaryOperator_Assign)
		e = strip_expr(cursor_child(e, 1));
	if (clang_getCursorKind(e) != CXCursor_CallExpr)
		return 0;
	char *name = callee_name(e);
	const struct lock_api *api = lockapi_find(name);
	free(name);
	if (!api || (api->op != LOP_TRY && api->op != LOP_ACQUIRE))
		return 0;
	*call = e;
	return 1;
}

int try_condition(CXCursor cond, CXCursor *call, int *success_on_true)
{
	CXCursor e = strip_expr(cond);
	enum CXCursorKind k = clang_getCursorKind(e);
	if (k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_LNot) {
		*success_on_true = 1;
		return lock_status_call(cursor_child(e, 0), call);
	}
	if (k == CXCursor_BinaryOperator) {
		enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(e);
		if (op != CXBinaryOperator_EQ && op != CXBinaryOperator_NE)
			return lock_status_call(e, call) && (*success_on_true = 0, 1);
		CXCursor l = cursor_child(e, 0), r = cursor_child(e, 1);
		*success_on_true = op == CXBinaryOperator_EQ;
		return (lock_status_call(l, call) && is_zero_or_success(r)) ||
		       (lock_status_call(r, call) && is_zero_or_success(l));
	}
	*success_on_true = 0;   /* trylock() returns 0 on success */
	return lock_status_call(e, call);
}

/* ---- plain calls ---- */

static int is_lock_type(CXType t)
{
	static const char *const names[] = {
		"pthread_mutex_t", "pthread_rwlock_t", "pthread_spinlock_t", "mtx_t", "sem_t", NULL,
	};
	for (int depth = 0; depth < 8; depth++) {
		if (t.kind == CXType_Elaborated)
			t = clang_Type_getNamedType(t);
		if (t.kind != CXType_Typedef)
			return 0;
		CXString s = clang_getTypedefName(t);
		const char *n = clang_getCString(s);
		int yes = 0;
		for (int i = 0; names[i] && !yes; i++)
			yes = str_eq(n, names[i]);
		clang_disposeString(s);
		if (yes)
			return 1;
		t = clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(t));
	}
	return 0;
}

static void fill_args(struct xfn *f, struct event *ev, CXCursor call)
{
	int n = clang_Cursor_getNumArguments(call);
	ev->nargs = n;
	ev->args = n ? xcalloc((size_t)n, sizeof *ev->args) : NULL;
	for (int i = 0; i < n; i++) {
		CXCursor a = clang_Cursor_getArgument(call, i);
		char *p = function_value(a);
		if (!p)
			p = value_path(f, a);
		if (!p)
			p = copied_member_path(f, a);
		if (!p)
			p = paramconst_arg(a);
		ev->args[i].path = p ? p : xstrdup("?");
		CXType t = clang_getCursorType(a);
		CXType s = clang_getCursorType(strip_implicit(a));
		if ((is_pointer_type(t) && is_lock_type(clang_getPointeeType(t))) ||
		    (is_array_type(s) && is_lock_type(clang_getArrayElementType(s))))
			ev->args[i].lock_class = lock_class_of(f, a);
	}
}

static struct event *emit_plain_call(struct xfn *f, CXCursor call, const char *usr,
                                     const char *name, unsigned flags)
{
	struct event tmp = {0};
	fill_args(f, &tmp, call);
	struct event *ev = emit(f, EV_CALL, call);
	atoms_note_call(f, call, ev->pos);
	ev->flags |= flags;
	ev->callee = xstrdup(usr);
	ev->name = xstrdup(name);
	ev->args = tmp.args;
	ev->nargs = tmp.nargs;
	ev->api = call_containers(f, call, cursor_child(call, 0));
	return ev;
}

static void indirect_call(struct xfn *f, CXCursor call)
{
	CXCursor callee = cursor_child(call, 0);
	walk_expr(f, callee, U_READ);
	walk_args(f, call, -1);
	struct targets t = {0};
	if (field_call_local(f, callee))
		call_targets(f, callee, &t);
	/* Each candidate names the pointer object too: a trampoline's analysis picks the one
	 * its argument's object was given (analyze/fnptr.c). */
	for (int i = 0; i < t.n; i++) {
		struct event *ev = emit_plain_call(f, call, t.v[i].usr, t.v[i].name, EVF_VIA_POINTER);
		ev->arg = pointer_slot(f, callee);
		ev->type = pointer_field(f, callee);
	}
	if (t.n == 0) {   /* the analysis follows the pointer object (analyze/fnptr.c) */
		char *slot = pointer_slot(f, callee), *field = pointer_field(f, callee);
		char *text = cursor_text(f->x, callee);
		if (slot || field) {
			struct event *ev = emit_plain_call(f, call, NULL, text, EVF_VIA_POINTER);
			ev->arg = slot;
			ev->type = field;
		} else {
			free(slot);
			free(field);
		}
		free(text);
	}
	targets_free(&t);
}

/* ---- threads ---- */

static int is_pointer_sum(CXCursor e)
{
	return clang_getCursorKind(e) == CXCursor_BinaryOperator &&
	       (clang_getCursorBinaryOperatorKind(e) == CXBinaryOperator_Add ||
	        clang_getCursorBinaryOperatorKind(e) == CXBinaryOperator_Sub) &&
	       is_pointer_type(clang_getCursorType(e));
}

/* args[i], &args[i], args + i with i not a constant: each thread its own element. */
static int contains_var_index(CXCursor e)
{
	if (clang_getCursorKind(e) == CXCursor_ArraySubscriptExpr &&
	    !is_int_literal(cursor_child(e, 1), NULL))
		return 1;
	if (is_pointer_sum(e) && !is_int_literal(cursor_child(e, 0), NULL) &&
	    !is_int_literal(cursor_child(e, 1), NULL))
		return 1;
	CXCursor *v;
	int n = cursor_children(e, &v), yes = 0;
	for (int i = 0; i < n && !yes; i++)
		yes = contains_var_index(v[i]);
	free(v);
	return yes;
}

/* (void *)(intptr_t)i, (void *)i: an integer smuggled in the pointer. */
static int is_int_cast(CXCursor e)
{
	e = strip_implicit(e);
	if (clang_getCursorKind(e) != CXCursor_CStyleCastExpr)
		return 0;
	CXCursor *v;
	int n = cursor_children(e, &v);
	CXCursor op = n ? strip_implicit(v[n - 1]) : clang_getNullCursor();
	free(v);
	if (is_null_cursor(op) || is_int_literal(op, NULL))
		return 0;   /* NULL is (void *)0 */
	enum CXTypeKind k = clang_getCanonicalType(clang_getCursorType(op)).kind;
	return (k >= CXType_Bool && k <= CXType_Int128) || k == CXType_Enum;
}

static int in_loop_serial(struct xfn *f, int serial)
{
	for (int i = 0; i < f->nloops; i++)
		if (f->loops[i] == serial)
			return 1;
	return 0;
}

static int per_instance(struct xfn *f, CXCursor arg)
{
	if (is_int_cast(arg) || contains_var_index(arg))
		return 1;
	CXCursor s = strip_expr(arg);
	if (f->nloops && is_alloc_call(s))
		return 1;
	if (clang_getCursorKind(s) != CXCursor_DeclRefExpr)
		return 0;
	struct local *l = local_find(f, clang_getCursorReferenced(s));
	return l && l->heap_loop && in_loop_serial(f, l->heap_loop);
}

static struct event *emit_create(struct xfn *f, CXCursor call, const char *usr, const char *name,
                                 const char *handle, const char *arg, unsigned flags)
{
	struct event *ev = emit(f, EV_THREAD_CREATE, call);
	ev->flags |= flags;
	ev->callee = xstrdup(usr);
	ev->name = xstrdup(name);
	ev->path = xstrdup(handle);
	ev->arg = xstrdup(arg);
	return ev;
}

/* A thread start: pthread_create(h, attr, fn, arg), thrd_create(h, fn, arg), or a declared
 * thread wrapper's arguments (-1: none). */
struct create_args {
	int handle, attr, fn, arg;
};

static void create_call(struct xfn *f, CXCursor call, struct create_args at)
{
	CXCursor h = arg_at(call, at.handle), attr = arg_at(call, at.attr);
	CXCursor fn = arg_at(call, at.fn), arg = arg_at(call, at.arg);
	walk_args(f, call, -1);
	char *handle = pointee_path(f, h);
	char *ap = NULL;
	if (!is_null_cursor(arg) && !is_int_cast(arg))
		ap = value_path(f, arg);
	if (!ap && !is_null_cursor(arg) && is_alloc_call(arg))
		ap = heap_path(f, strip_expr(arg));
	unsigned flags = 0;
	char *creator = callee_name(call);
	if (!is_null_cursor(arg) && (per_instance(f, arg) || const_slot_arg(f, call, creator, at.arg, arg)))
		flags |= EVF_PER_INSTANCE;
	free(creator);
	if (!is_null_cursor(arg) && !is_null_cursor(h) && own_index_same(f, h, arg, is_int_cast(arg)))
		flags |= EVF_OWN_INDEX;
	if (!is_null_cursor(attr) && !is_int_literal(attr, NULL) && f->sets_detached)
		flags |= EVF_DETACHED;
	struct targets t = {0};
	if (!is_null_cursor(fn))
		call_targets(f, fn, &t);
	/* Through a pointer there may be several candidates: one event each, marked as
	 * alternatives of one creation. */
	CXCursor direct = strip_expr(fn);
	if (!is_null_cursor(fn) && !(clang_getCursorKind(direct) == CXCursor_DeclRefExpr &&
	      clang_getCursorKind(clang_getCursorReferenced(direct)) == CXCursor_FunctionDecl))
		flags |= EVF_VIA_POINTER;
	for (int i = 0; i < t.n; i++)
		emit_create(f, call, t.v[i].usr, t.v[i].name, handle, ap ? ap : "?", flags);
	if (t.n == 0) {   /* unresolved: the spelling still tells the user what was started */
		char *text = is_null_cursor(fn) ? NULL : cursor_text(f->x, fn);
		char *slot = is_null_cursor(fn) ? NULL : pointer_slot(f, fn);
		char *field = is_null_cursor(fn) ? NULL : pointer_field(f, fn);
		struct event *ev = emit_create(f, call, NULL, text, handle, ap ? ap : "?", flags);
		ev->api = slot;    /* the analysis follows the routine's pointer (analyze/fnptr.c) */
		ev->type = field;
		free(text);
	}
	targets_free(&t);
	free(handle);
	free(ap);
}

static int is_self_call(CXCursor e)
{
	e = strip_expr(e);
	if (clang_getCursorKind(e) != CXCursor_CallExpr)
		return 0;
	char *n = callee_name(e);
	int yes = str_eq(n, "pthread_self") || str_eq(n, "thrd_current");
	free(n);
	return yes;
}

/* join / detach: the handle is named, not read as data. */
static void handle_call(struct xfn *f, CXCursor call, enum ev_kind kind)
{
	CXCursor h = arg_at(call, 0);
	if (!is_null_cursor(h))
		walk_expr(f, h, U_ADDR);
	walk_args(f, call, 0);
	int self = kind == EV_THREAD_DETACH && !is_null_cursor(h) && is_self_call(h);
	char *p = self || is_null_cursor(h) ? NULL : value_path(f, h);
	struct event *ev = emit(f, kind, call);
	if (self)
		ev->flags |= EVF_SELF;
	else
		ev->path = p ? p : xstrdup("?");
	if (kind == EV_THREAD_JOIN && !is_null_cursor(h))
		ev->arg = own_index_subscript(f, h);
}

/* ---- dispatch ---- */

static int is_atomic_builtin(const char *n)
{
	return str_starts(n, "__sync_") || str_starts(n, "__atomic_") ||
	       str_starts(n, "__c11_atomic_") || str_starts(n, "atomic_");
}

static void atomic_call(struct xfn *f, CXCursor call, const char *name)
{
	CXCursor ptr = arg_at(call, 0);
	walk_args(f, call, 0);
	if (!is_null_cursor(ptr))
		atomic_access(f, call, ptr, name);
	spin_note_release(f, call);
}

/* pthread_once(&o, init) / call_once(&flag, init): init runs once while every other caller
 * waits for it, as if o were a lock held around the call of init (a thread holding m that
 * calls pthread_once while init takes m deadlocks). The call itself stays an EV_CALL. */
static void once_call(struct xfn *f, CXCursor call, CXCursor decl, const char *name)
{
	walk_args(f, call, -1);
	struct lock_api api = {.op = LOP_ACQUIRE, .kind = LK_MUTEX, .lock_arg = 0, .mutex_arg = -1};
	emit_lock(f, EV_LOCK, EVF_ONCE, call, &api, name);
	char *usr = cursor_usr(decl);
	emit_plain_call(f, call, usr, name, 0);
	free(usr);
	struct targets t = {0};
	call_targets(f, arg_at(call, 1), &t);
	for (int i = 0; i < t.n; i++)
		emit_plain_call(f, call, t.v[i].usr, t.v[i].name, 0);
	targets_free(&t);
	emit_lock(f, EV_UNLOCK, EVF_ONCE, call, &api, name);
}

/* What a called function without a body here declares it needs, in the caller's terms. */
static void declared_needs_at_call(struct xfn *f, CXCursor call, CXCursor decl, const char *usr,
                                   const char *name)
{
	struct declared_need needs[8];
	int n = declared_needs_of(f->x, decl, needs, 8, NULL);
	int na = clang_Cursor_getNumArguments(call);
	struct call_arg *args = na > 0 ? xcalloc((size_t)na, sizeof *args) : NULL;
	for (int i = 0; i < na && n; i++) {
		args[i].path = value_path(f, clang_Cursor_getArgument(call, i));
		if (!args[i].path)
			args[i].path = xstrdup("?");
	}
	for (int i = 0; i < n; i++) {
		char *path = path_substitute(needs[i].path, args, na);
		if (path) {
			struct event *ev = emit(f, EV_DECLARE, call);
			ev->flags |= needs[i].flags | EVF_DECLARED;
			ev->path = path;
			ev->name = xstrdup(needs[i].text);
			ev->callee = xstrdup(usr);
			ev->api = xstrdup(name);
		}
		free(needs[i].path);
		free(needs[i].text);
	}
	for (int i = 0; i < na; i++)
		free(args[i].path);
	free(args);
}

/* The lock operations a called function declares (annotations.c), when its body is not
 * in this unit. */
static void declared_ops(struct xfn *f, CXCursor call, CXCursor decl, const char *usr, const char *name)
{
	struct declared_op ops[4];
	int n = 0;
	if (!in_system_header(decl) && is_null_cursor(clang_getCursorDefinition(decl)))
		n = declared_lock_ops(f->x, decl, ops, 4);
	if (!in_system_header(decl) && is_null_cursor(clang_getCursorDefinition(decl)))
		declared_needs_at_call(f, call, decl, usr, name);
	for (int i = 0; i < n; i++) {
		struct lock_api api = {.op = ops[i].op, .kind = LK_MUTEX, .shared = ops[i].shared,
		                       .lock_arg = ops[i].param, .mutex_arg = -1};
		unsigned flags = EVF_DECLARED | (api.op == LOP_TRY ? EVF_TRY | EVF_UNCERTAIN : 0);
		emit_lock(f, api.op == LOP_RELEASE ? EV_UNLOCK : EV_LOCK, flags, call, &api, name);
		struct block *b = &f->fn->blocks[f->cur];
		b->events[b->nevents - 1].callee = xstrdup(usr);
	}
}

/* An argument naming a recursive mutex type (init_mutex(&m, PTHREAD_MUTEX_RECURSIVE)):
 * the mutexes the callee initialises are recursive. */
static int passes_recursive_type(CXCursor call)
{
	int n = clang_Cursor_getNumArguments(call), yes = 0;
	for (int i = 0; i < n && !yes; i++) {
		CXCursor a = strip_expr(clang_Cursor_getArgument(call, i));
		CXCursor d = clang_getCursorReferenced(a);
		if (clang_getCursorKind(a) != CXCursor_DeclRefExpr || clang_getCursorKind(d) != CXCursor_EnumConstantDecl)
			continue;
		char *name = cursor_name(d);
		yes = strstr(name, "RECURSIVE") != NULL;
		free(name);
	}
	return yes;
}

static void direct_call(struct xfn *f, CXCursor call, CXCursor decl, const char *name)
{
	walk_args(f, call, -1);
	int dies = f->cond_depth == 0 && is_noreturn(f->x, decl);
	if (!str_starts(name, "__builtin_")) {
		char *usr = cursor_usr(decl);
		unsigned flags = (dies ? EVF_NORETURN : 0) | (passes_recursive_type(call) ? EVF_RECURSIVE : 0);
		emit_plain_call(f, call, usr, name, flags);
		declared_ops(f, call, decl, usr, name);
		free(usr);
	}
	if (dies)
		end_path(f, 0);
}

void walk_call(struct xfn *f, CXCursor call)
{
	CXCursor decl = clang_getCursorReferenced(call);
	initial_values_before_call(f, call);
	if (clang_getCursorKind(decl) != CXCursor_FunctionDecl) {
		indirect_call(f, call);
		return;
	}
	char *name = cursor_name(decl);
	const struct lock_api *api = lockapi_find(name);
	if (api && api->op == LOP_THREAD_START)
		create_call(f, call, (struct create_args){-1, -1, api->lock_arg, api->mutex_arg});
	else if (api)
		lock_call(f, call, api, name);
	else if (str_eq(name, "pthread_create"))
		create_call(f, call, (struct create_args){0, 1, 2, 3});
	else if (str_eq(name, "thrd_create"))
		create_call(f, call, (struct create_args){0, -1, 1, 2});
	else if (str_eq(name, "pthread_once") || str_eq(name, "call_once"))
		once_call(f, call, decl, name);
	else if (str_eq(name, "pthread_join") || str_eq(name, "thrd_join"))
		handle_call(f, call, EV_THREAD_JOIN);
	else if (str_eq(name, "pthread_detach") || str_eq(name, "thrd_detach"))
		handle_call(f, call, EV_THREAD_DETACH);
	else if (str_eq(name, "pthread_exit") || str_eq(name, "thrd_exit")) {
		walk_args(f, call, -1);
		if (f->cond_depth == 0) {
			emit(f, EV_RETURN, call)->flags |= EVF_THREAD_EXIT;
			end_path(f, 1);
		}
	} else if (is_atomic_builtin(name) && clang_Cursor_getNumArguments(call) > 0 &&
	           is_pointer_type(clang_getCursorType(arg_at(call, 0))))
		atomic_call(f, call, name);
	else if (!is_atomic_builtin(name))
		direct_call(f, call, decl, name);
	free(name);
}
