/* test_extract.c — the extractor on small C fixtures (tests/fixtures/extract/): the events a
 * user would expect for accesses, locks, trylock branches, condition waits, threads, calls and
 * control flow, plus parse failures, compile-command handling and the cache key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/rules.h"
#include "common/util.h"
#include "extract/extract.h"
#include "facts/facts.h"

#define FIXTURE(name) TSAFE_TEST_FIXTURES "/extract/" name

/* ---- helpers ---- */

static struct tu_facts *load(const char *path)
{
	struct tu_facts *tu = xcalloc(1, sizeof *tu);
	assert_int_equal(extract_tu(NULL, path, tu), 0);
	assert_false(tu->parse_failed);
	return tu;
}

static void unload(struct tu_facts *tu)
{
	tu_facts_free(tu);
	free(tu);
}

static const struct function *fn_named(const struct tu_facts *tu, const char *name)
{
	for (int i = 0; i < tu->nfuncs; i++)
		if (str_eq(tu->funcs[i].name, name))
			return &tu->funcs[i];
	fail_msg("function %s not extracted", name);
	return NULL;
}

/* The nth (0-based) event of `kind` on `line`, or NULL; *block gets its block. */
static const struct event *ev_at(const struct function *fn, enum ev_kind kind, int line, int nth,
                                 int *block)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *ev = &fn->blocks[b].events[e];
			if (ev->kind == kind && ev->line == line && nth-- == 0) {
				if (block)
					*block = b;
				return ev;
			}
		}
	return NULL;
}

static const struct event *must(const struct function *fn, enum ev_kind kind, int line, int *block)
{
	const struct event *ev = ev_at(fn, kind, line, 0, block);
	if (!ev)
		fail_msg("%s: no %s event on line %d", fn->name, ev_kind_name(kind), line);
	return ev;
}

static int count_kind(const struct function *fn, enum ev_kind kind)
{
	int n = 0;
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++)
			n += fn->blocks[b].events[e].kind == kind;
	return n;
}

/* Is `to` reachable from `from` without entering block `avoid` (-1: none)? */
static int reaches_avoiding(const struct function *fn, int from, int to, int avoid)
{
	int *seen = xcalloc((size_t)fn->nblocks, sizeof *seen), *stack = xmalloc(
		(size_t)fn->nblocks * sizeof *stack), n = 0, found = 0;
	stack[n++] = from;
	seen[from] = 1;
	while (n && !found) {
		int b = stack[--n];
		for (int i = 0; i < fn->blocks[b].nsuccs; i++) {
			int s = fn->blocks[b].succs[i];
			if (s == to)
				found = 1;
			if (!seen[s] && s != avoid) {
				seen[s] = 1;
				stack[n++] = s;
			}
		}
	}
	free(seen);
	free(stack);
	return found;
}

static int reaches(const struct function *fn, int from, int to)
{
	return reaches_avoiding(fn, from, to, -1);
}

static void check_access(const struct function *fn, int line, int nth, const char *path,
                         unsigned flags, const char *name)
{
	const struct event *ev = ev_at(fn, EV_ACCESS, line, nth, NULL);
	if (!ev)
		fail_msg("%s: no access #%d on line %d", fn->name, nth, line);
	assert_string_equal(ev->path, path);
	assert_int_equal(ev->flags & (EVF_READ | EVF_WRITE | EVF_ATOMIC), flags);
	if (name)
		assert_string_equal(ev->name, name);
}

/* ---- accesses ---- */

static void test_access_globals_and_fields(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("access.c"));
	const struct function *w = fn_named(tu, "worker");
	check_access(w, 27, 0, "g:counter", EVF_READ, "counter");
	check_access(w, 28, 0, "g:counter", EVF_WRITE, "counter");
	check_access(w, 29, 0, "g:counter", EVF_READ | EVF_WRITE, NULL);
	check_access(w, 30, 0, "g:counter", EVF_READ | EVF_WRITE, NULL);
	/* a->balance = a->balance + 1: the read, then the write, through the arg's alias */
	check_access(w, 31, 0, "p:0*.balance", EVF_READ, "a->balance");
	check_access(w, 31, 1, "p:0*.balance", EVF_WRITE, "a->balance");
	assert_string_equal(ev_at(w, EV_ACCESS, 31, 0, NULL)->type, "int");
	check_access(w, 32, 0, "p:0*.next", EVF_READ, "a->next");
	check_access(w, 32, 1, "p:0*.next*.balance", EVF_WRITE, "a->next->balance");
	check_access(w, 34, 0, "g:stats.hits", EVF_READ | EVF_WRITE, "stats.hits");
	check_access(w, 42, 0, "g:counter", EVF_WRITE, "*c");   /* int *c = &counter */
	/* A store of a constant says which (two such stores of one value lose nothing). */
	assert_string_equal(ev_at(w, EV_ACCESS, 32, 1, NULL)->api, "=0");
	assert_string_equal(ev_at(w, EV_ACCESS, 42, 0, NULL)->api, "=5");
	assert_null(ev_at(w, EV_ACCESS, 28, 0, NULL)->api);   /* counter = local + 1 */

	char *fstatic = xasprintf("s:%s:file_count", tu->file);
	char *fnstatic = xasprintf("fs:%s:worker:calls", tu->file);
	check_access(w, 33, 0, fstatic, EVF_READ | EVF_WRITE, "file_count");
	check_access(w, 40, 0, fnstatic, EVF_READ | EVF_WRITE, "calls");
	free(fstatic);
	free(fnstatic);

	/* Locals and parameters themselves are not shared state. */
	for (int b = 0; b < w->nblocks; b++)
		for (int e = 0; e < w->blocks[b].nevents; e++) {
			const struct event *ev = &w->blocks[b].events[e];
			if (ev->kind == EV_ACCESS)
				assert_true(str_starts(ev->path, "g:") || str_starts(ev->path, "s:") ||
				            str_starts(ev->path, "fs:") || str_starts(ev->path, "p:0*"));
		}
	unload(tu);
}

static void test_access_atomics_tls_const_heap(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("access.c"));
	const struct function *w = fn_named(tu, "worker");
	check_access(w, 37, 0, "g:ready", EVF_READ | EVF_WRITE | EVF_ATOMIC, "ready");
	check_access(w, 38, 0, "g:plain_flag", EVF_WRITE | EVF_ATOMIC, "plain_flag");
	assert_null(ev_at(w, EV_ACCESS, 35, 0, NULL));   /* _Thread_local */
	assert_null(ev_at(w, EV_ACCESS, 36, 0, NULL));   /* const int limit */
	/* a read through a pointer to const is kept: another pointer may write the object */
	check_access(fn_named(tu, "reader"), 48, 0, "p:0*.balance", EVF_READ, "acct->balance");

	const struct function *mk = fn_named(tu, "make");
	char *heap = xasprintf("h:%s:53.balance", tu->file);
	check_access(mk, 54, 0, heap, EVF_WRITE, "p->balance");
	free(heap);
	unload(tu);
}

/* ---- locks ---- */

static void check_lock(const struct function *fn, enum ev_kind kind, int line, const char *path,
                       const char *cls, const char *api)
{
	const struct event *ev = must(fn, kind, line, NULL);
	assert_string_equal(ev->path, path);
	if (cls)
		assert_string_equal(ev->lock_class, cls);
	else
		assert_true(!ev->lock_class || !*ev->lock_class);
	assert_string_equal(ev->api, api);
}

static void test_lock_classes(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("locks.c"));
	const struct function *d = fn_named(tu, "deposit");
	check_lock(d, EV_LOCK, 20, "p:0*.lock", "field:struct account.lock", "pthread_mutex_lock");
	check_lock(d, EV_UNLOCK, 22, "p:0*.lock", "field:struct account.lock", "pthread_mutex_unlock");
	assert_string_equal(ev_at(d, EV_LOCK, 20, 0, NULL)->name, "a->lock");
	assert_int_equal(ev_at(d, EV_LOCK, 20, 0, NULL)->lock_kind, LK_MUTEX);

	check_lock(fn_named(tu, "with_param"), EV_LOCK, 27, "p:0*", NULL, "pthread_mutex_lock");

	const struct function *c = fn_named(tu, "classes");
	char *spath = xasprintf("s:%s:file_lock", tu->file);
	char *scls = xasprintf("static:%s:file_lock", tu->file);
	check_lock(c, EV_LOCK, 35, "g:global_lock", "global:global_lock", "pthread_mutex_lock");
	check_lock(c, EV_LOCK, 36, spath, scls, "pthread_mutex_lock");
	check_lock(c, EV_LOCK, 37, "l:classes:mine", "local:classes:mine", "pthread_mutex_lock");
	free(spath);
	free(scls);

	const struct event *rd = must(c, EV_LOCK, 41, NULL), *wr = must(c, EV_LOCK, 43, NULL);
	assert_int_equal(rd->lock_kind, LK_RWLOCK);
	assert_true(rd->flags & EVF_SHARED);
	assert_false(wr->flags & EVF_SHARED);
	check_lock(c, EV_UNLOCK, 42, "g:table_lock", "global:table_lock", "pthread_rwlock_unlock");

	/* A lock passed to a helper carries its class; init/destroy are calls naming the lock. */
	const struct event *call = must(c, EV_CALL, 45, NULL);
	assert_string_equal(call->args[0].path, "&g:global_lock");
	assert_string_equal(call->args[0].lock_class, "global:global_lock");
	const struct event *destroy = must(c, EV_CALL, 46, NULL);
	assert_string_equal(destroy->name, "pthread_mutex_destroy");
	assert_string_equal(destroy->args[0].lock_class, "local:classes:mine");
	unload(tu);
}

/* The trylock's EV_LOCK is on the success edge only: the success-branch event at `ok_line`
 * needs it, the failure path (to the failure event at fail_line, or to the exit) avoids it. */
static void check_try(const struct tu_facts *tu, const char *func, int call_line, int ok_line,
                      int fail_line)
{
	const struct function *fn = fn_named(tu, func);
	int lb, ok;
	const struct event *lock = must(fn, EV_LOCK, call_line, &lb);
	assert_true(lock->flags & EVF_TRY);
	assert_false(lock->flags & EVF_UNCERTAIN);
	assert_int_equal(count_kind(fn, EV_LOCK), 1);
	must(fn, EV_ACCESS, ok_line, &ok);
	assert_true(lb == ok || reaches(fn, lb, ok));
	assert_false(reaches_avoiding(fn, 0, ok, lb));
	if (fail_line) {
		int bad;
		const struct event *ev = ev_at(fn, EV_ACCESS, fail_line, 0, &bad);
		if (!ev)
			ev = must(fn, EV_RETURN, fail_line, &bad);
		assert_false(reaches(fn, lb, bad));
	} else {
		assert_true(reaches_avoiding(fn, 0, 1, lb));
	}
}

static void test_trylock_branches(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("locks.c"));
	check_try(tu, "try_eq", 51, 52, 0);
	check_try(tu, "try_not", 59, 60, 0);
	check_try(tu, "try_ne_else", 67, 70, 68);
	check_try(tu, "try_bare", 77, 79, 78);
	check_try(tu, "try_c11", 85, 86, 0);

	check_try(tu, "try_assigned", 124, 125, 0);

	/* while (trylock() != 0) spin; — the lock is held once the loop is left */
	const struct function *spin = fn_named(tu, "try_spin");
	int lb, body, after;
	assert_true(must(spin, EV_LOCK, 115, &lb)->flags & EVF_TRY);
	must(spin, EV_ACCESS, 116, &body);
	must(spin, EV_ACCESS, 117, &after);
	assert_true(reaches(spin, lb, after));
	assert_false(reaches(spin, lb, body));
	assert_false(reaches_avoiding(spin, 0, after, lb));

	const struct event *u = must(fn_named(tu, "try_unchecked"), EV_LOCK, 93, NULL);
	assert_int_equal(u->flags & (EVF_TRY | EVF_UNCERTAIN), EVF_TRY | EVF_UNCERTAIN);
	unload(tu);
}

static void test_lock_through_alias_and_macro(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("locks.c"));
	const struct function *fn = fn_named(tu, "through_alias_and_macro");
	/* pthread_mutex_t *m = &a->lock; pthread_mutex_lock(m); */
	check_lock(fn, EV_LOCK, 135, "p:0*.lock", "field:struct account.lock", "pthread_mutex_lock");
	check_lock(fn, EV_UNLOCK, 136, "p:0*.lock", "field:struct account.lock", "pthread_mutex_unlock");
	/* LOCK_ACCOUNT(a): located at the macro use, spelled as expanded */
	check_lock(fn, EV_LOCK, 137, "p:0*.lock", "field:struct account.lock", "pthread_mutex_lock");
	assert_string_equal(ev_at(fn, EV_LOCK, 137, 0, NULL)->name, "a->lock");
	unload(tu);
}

/* A wrapper that reaches its lock through an expression evaluating to its parameter (a
 * comma, a conditional with that object on both arms, a statement expression) locks the
 * parameter's object, so its callers' objects name the lock; the comma's left operand is
 * still only a check. */
static void test_lock_through_value_expressions(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("values.c"));
	const char *cls = "field:struct xm.lock";
	check_lock(fn_named(tu, "lock_comma"), EV_LOCK, 17, "p:0*.lock", cls, "pthread_mutex_lock");
	check_access(fn_named(tu, "lock_comma"), 18, 0, "p:0*.where", EVF_WRITE, NULL);
	check_lock(fn_named(tu, "lock_cond"), EV_LOCK, 24, "p:0*.lock", cls, "pthread_mutex_lock");
	check_lock(fn_named(tu, "lock_stmt"), EV_LOCK, 29, "p:0*.lock", cls, "pthread_mutex_lock");
	check_lock(fn_named(tu, "lock_direct"), EV_LOCK, 34, "p:0*.lock", cls, "pthread_mutex_lock");
	/* Two different objects on the arms: no one object, the field's class only. */
	check_lock(fn_named(tu, "lock_either"), EV_LOCK, 39, "?", cls, "pthread_mutex_lock");
	unload(tu);
}

/* GUARDED_BY / PT_GUARDED_BY name the capability object guarding each access; REQUIRES
 * and EXCLUDES become DECLARE events, at the entry of a body and after a call of a function
 * without one (in the caller's terms). */
static void test_thread_safety_annotations(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("annotated.c"));
	const struct function *fill = fn_named(tu, "fill");
	char *big = xasprintf("s:%s:big", tu->file);
	assert_string_equal(ev_at(fill, EV_ACCESS, 19, 0, NULL)->lock_class, "p:0*.mutex");
	const struct event *item = ev_at(fill, EV_ACCESS, 20, 1, NULL);
	assert_string_equal(item->path, "p:0*.items[]");
	assert_string_equal(item->lock_class, "p:0*.mutex");
	assert_string_equal(ev_at(fill, EV_ACCESS, 21, 0, NULL)->lock_class, big);
	const struct event *cell = ev_at(fill, EV_ACCESS, 22, 1, NULL);
	assert_string_equal(cell->path, "g:cells[]");
	assert_string_equal(cell->lock_class, big);
	assert_null(ev_at(fill, EV_ACCESS, 22, 0, NULL)->lock_class);   /* the pointer itself */
	const struct block *entry = &fill->blocks[0];
	assert_true(entry->nevents >= 2);
	assert_int_equal(entry->events[0].kind, EV_DECLARE);
	assert_string_equal(entry->events[0].path, "p:0*.mutex");
	assert_string_equal(entry->events[0].name, "b->mutex");
	assert_string_equal(entry->events[1].path, big);
	assert_false(fill->flags & FNF_UNCHECKED);
	const struct function *peek = fn_named(tu, "peek");
	assert_true(peek->flags & FNF_UNCHECKED);
	const struct event *excl = must(peek, EV_DECLARE, 29, NULL);
	assert_true(excl->flags & EVF_EXCLUDES);
	assert_true(excl->flags & EVF_DECLARED);
	assert_string_equal(excl->path, "p:0*.mutex");
	assert_string_equal(excl->api, "drain");
	free(big);
	unload(tu);
}

static void test_project_wrappers(void **state)
{
	(void)state;
	struct lock_api lk = {.func = (char *)"acct_lock", .op = LOP_ACQUIRE, .kind = LK_WRAPPER,
	                      .mutex_arg = -1};
	struct lock_api un = lk;
	un.func = (char *)"acct_unlock";
	un.op = LOP_RELEASE;
	lockapi_add(&lk);
	lockapi_add(&un);
	struct tu_facts *tu = load(FIXTURE("wrappers.c"));
	const struct function *fn = fn_named(tu, "peek");
	const struct event *l = must(fn, EV_LOCK, 9, NULL);
	assert_int_equal(l->lock_kind, LK_WRAPPER);
	assert_string_equal(l->api, "acct_lock");
	assert_string_equal(l->path, "p:0*");
	assert_string_equal(must(fn, EV_UNLOCK, 11, NULL)->api, "acct_unlock");
	assert_null(ev_at(fn, EV_CALL, 9, 0, NULL));
	must(fn, EV_CALL, 10, NULL);   /* other calls stay calls */
	unload(tu);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && !strcmp(s + n - m, tail);
}

/* v = P; P = v->next; unlinks what v holds: v names the taken object from then on (EV_TAKE);
 * a store of anything else into P (a push) takes nothing. */
static void test_takes(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("takes.c"));
	const struct function *g = fn_named(tu, "pop_global");
	const struct event *t = must(g, EV_TAKE, 18, NULL);
	assert_true(ends_with(t->path, "takes.c:head"));
	assert_string_equal(t->arg, "l:pop_global:n@take");
	assert_true(atoi(t->api) > 0 && atoi(t->api) < t->pos);
	assert_string_equal(must(g, EV_ACCESS, 19, NULL)->path, "l:pop_global:n@take*.v");
	const struct function *f = fn_named(tu, "pop_field");
	assert_string_equal(must(f, EV_TAKE, 26, NULL)->path, "p:0*.head");
	assert_string_equal(must(f, EV_ACCESS, 27, NULL)->path, "l:pop_field:n@take*.v");
	const struct function *r = fn_named(tu, "replace");
	assert_int_equal(count_kind(r, EV_TAKE), 0);
	assert_true(ends_with(must(r, EV_ACCESS, 34, NULL)->path, "takes.c:head*.v"));
	unload(tu);
}

/* A returned pointer names its object; a call's result names where it is stored. */
static void test_call_results(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("takes.c"));
	const char *ret = must(fn_named(tu, "make"), EV_RETURN, 56, NULL)->path;
	assert_non_null(ret);
	assert_true(!strncmp(ret, "&h:", 3) && ends_with(ret, "takes.c:55"));
	const struct function *keep = fn_named(tu, "keep");
	assert_true(ends_with(must(keep, EV_CALL, 61, NULL)->path, "takes.c:head"));
	assert_string_equal(must(keep, EV_CALL, 62, NULL)->path, "l:keep:local");
	const struct event *put = must(fn_named(tu, "push"), EV_PUT, 70, NULL);   /* head = n */
	assert_true(ends_with(put->path, "takes.c:head") && !strncmp(put->arg, "&h:", 3));
	assert_int_equal(count_kind(keep, EV_PUT), 0);
	unload(tu);
}

/* A local written once with a constant is that constant where it is returned. */
static void test_status_local(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("takes.c"));
	const struct function *once = fn_named(tu, "status_once");
	assert_true(must(once, EV_RETURN, 41, NULL)->flags & EVF_RET_ZERO);
	assert_true(must(once, EV_RETURN, 42, NULL)->flags & EVF_RET_NONZERO);
	const struct function *twice = fn_named(tu, "status_twice");
	assert_false(must(twice, EV_RETURN, 50, NULL)->flags & (EVF_RET_ZERO | EVF_RET_NONZERO));
	unload(tu);
}

static void test_cond_wait_in_loop(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("locks.c"));
	const struct function *fn = fn_named(tu, "wait_ready");
	int wb, rb;
	const struct event *w = must(fn, EV_COND_WAIT, 101, &wb);
	const struct event *r = must(fn, EV_ACCESS, 100, &rb);
	assert_string_equal(w->path, "g:ready_cond");
	assert_string_equal(w->arg, "g:global_lock");
	assert_string_equal(w->lock_class, "global:global_lock");
	assert_false(w->flags & EVF_TIMED);
	assert_true(w->flags & EVF_IN_LOOP);
	/* the loop re-tests the predicate after each wakeup */
	assert_true(reaches(fn, wb, rb));
	assert_true(w->loop_lo <= r->pos && r->pos <= w->loop_hi);
	assert_int_equal(w->loop_lo, r->loop_lo);

	const struct event *s = must(fn_named(tu, "set_ready"), EV_COND_SIGNAL, 109, NULL);
	assert_string_equal(s->path, "g:ready_cond");
	assert_string_equal(s->api, "pthread_cond_broadcast");
	unload(tu);
}

/* ---- threads ---- */

static void test_thread_create(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("threads.c"));
	const struct function *m = fn_named(tu, "main"), *w = fn_named(tu, "worker");

	const struct event *c = must(m, EV_THREAD_CREATE, 40, NULL);   /* through local fn */
	assert_string_equal(c->callee, w->usr);
	assert_string_equal(c->name, "worker");
	assert_string_equal(c->path, "l:main:threads[]");
	assert_string_equal(c->arg, "&l:main:args[]");
	assert_true(c->flags & EVF_PER_INSTANCE);
	assert_true(c->flags & EVF_IN_LOOP);
	check_access(m, 39, 0, "l:main:args[].id", EVF_WRITE, "args[i].id");

	c = must(m, EV_THREAD_CREATE, 49, NULL);   /* malloc in the loop body */
	char *heap = xasprintf("&h:%s:47", tu->file);
	assert_string_equal(c->arg, heap);
	free(heap);
	assert_true(c->flags & EVF_PER_INSTANCE);

	c = must(m, EV_THREAD_CREATE, 52, NULL);   /* global fn pointer, integer argument */
	assert_string_equal(c->callee, w->usr);
	assert_true(c->flags & EVF_VIA_POINTER);
	assert_string_equal(c->arg, "?");
	assert_true(c->flags & EVF_PER_INSTANCE);

	c = must(m, EV_THREAD_CREATE, 56, NULL);   /* one shared object */
	assert_true(str_starts(c->arg, "&fs:") && strstr(c->arg, ":main:shared_job"));
	assert_false(c->flags & (EVF_PER_INSTANCE | EVF_DETACHED | EVF_VIA_POINTER));
	assert_true(must(m, EV_THREAD_CREATE, 63, NULL)->flags & EVF_DETACHED);

	c = must(m, EV_THREAD_CREATE, 66, NULL);   /* C11 */
	assert_string_equal(c->callee, fn_named(tu, "c11_worker")->usr);
	assert_string_equal(c->path, "l:main:t");
	unload(tu);
}

static void test_thread_join_detach_exit(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("threads.c"));
	const struct function *m = fn_named(tu, "main"), *w = fn_named(tu, "worker");
	assert_string_equal(must(m, EV_THREAD_JOIN, 43, NULL)->path, "l:main:threads[]");
	assert_string_equal(must(m, EV_THREAD_JOIN, 67, NULL)->path, "l:main:t");
	const struct event *d = must(m, EV_THREAD_DETACH, 57, NULL);
	assert_string_equal(d->path, "l:main:one");
	assert_false(d->flags & EVF_SELF);
	/* handles are named, never recorded as data accesses */
	for (int b = 0; b < m->nblocks; b++)
		for (int e = 0; e < m->blocks[b].nevents; e++)
			if (m->blocks[b].events[e].kind == EV_ACCESS)
				assert_null(strstr(m->blocks[b].events[e].path, "threads["));

	assert_true(must(w, EV_THREAD_DETACH, 21, NULL)->flags & EVF_SELF);
	int xb;
	const struct event *x = must(w, EV_RETURN, 22, &xb);
	assert_true(x->flags & EVF_THREAD_EXIT);
	assert_int_equal(w->blocks[xb].nsuccs, 1);
	assert_int_equal(w->blocks[xb].succs[0], 1);
	assert_int_equal(count_kind(w, EV_RETURN), 1);   /* no fall-off return after it */
	assert_true(w->flags & FNF_STATIC);
	assert_true(w->flags & FNF_ADDR_TAKEN);
	unload(tu);
}

/* ---- calls ---- */

static void test_calls_and_pointers(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("calls.c"));
	const struct function *c = fn_named(tu, "caller");
	const struct event *e = must(c, EV_CALL, 34, NULL);
	assert_string_equal(e->callee, fn_named(tu, "bump")->usr);
	assert_int_equal(e->nargs, 1);
	assert_string_equal(e->args[0].path, "&g:counter");
	assert_null(e->args[0].lock_class);
	assert_string_equal(must(c, EV_CALL, 35, NULL)->args[0].path, "&p:0*.balance");
	e = must(c, EV_CALL, 36, NULL);
	assert_string_equal(e->name, "lock_it");
	assert_string_equal(e->args[0].lock_class, "field:struct account.lock");

	e = must(c, EV_CALL, 38, NULL);
	assert_string_equal(e->callee, fn_named(tu, "handler_a")->usr);
	assert_true(e->flags & EVF_VIA_POINTER);
	e = must(c, EV_CALL, 39, NULL);
	assert_string_equal(e->callee, fn_named(tu, "handler_b")->usr);
	assert_true(e->flags & EVF_VIA_POINTER);

	assert_true(fn_named(tu, "handler_a")->flags & FNF_ADDR_TAKEN);
	assert_true(fn_named(tu, "handler_b")->flags & FNF_ADDR_TAKEN);
	assert_int_equal(fn_named(tu, "bump")->flags, FNF_STATIC);
	assert_int_equal(fn_named(tu, "caller")->flags, 0);
	assert_int_equal(fn_named(tu, "caller")->nparams, 2);
	unload(tu);
}

static void test_function_pointer_values(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("calls.c"));
	const struct function *fn = fn_named(tu, "run_tasks");
	const char *one = fn_named(tu, "task_one")->usr, *two = fn_named(tu, "task_two")->usr;
	/* pick = n > 1 ? task_one : task_two; pick(…) may call either */
	for (int line = 83; line <= 84; line++) {
		const struct event *a = ev_at(fn, EV_CALL, line, 0, NULL);
		const struct event *b = ev_at(fn, EV_CALL, line, 1, NULL);
		assert_non_null(a);
		assert_non_null(b);
		assert_null(ev_at(fn, EV_CALL, line, 2, NULL));
		assert_true(a->flags & b->flags & EVF_VIA_POINTER);
		assert_true((str_eq(a->callee, one) && str_eq(b->callee, two)) ||
		            (str_eq(a->callee, two) && str_eq(b->callee, one)));
	}
	/* tasks[n].run(…): the values stored in struct task.run by the initialisers */
	assert_true(fn_named(tu, "task_one")->flags & FNF_ADDR_TAKEN);
	unload(tu);
}

static const struct event *first_of(const struct function *fn, enum ev_kind kind)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++)
			if (fn->blocks[b].events[e].kind == kind)
				return &fn->blocks[b].events[e];
	fail_msg("%s: no %s event", fn->name, ev_kind_name(kind));
	return NULL;
}

static void test_function_values_for_the_analysis(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("fnvalues.c"));
	char *a = xasprintf("fn:%s", fn_named(tu, "run_a")->usr);
	char *b = xasprintf("fn:%s", fn_named(tu, "run_b")->usr);
	char *both = xasprintf("%s %s", a, b);
	/* spawn(argc > 1 ? run_a : run_b, NULL): the argument names both functions */
	const struct event *call = must(fn_named(tu, "main"), EV_CALL, 35, NULL);
	assert_string_equal(call->args[0].path, both);
	/* aux->start = start; aux->arg = arg: the routine and the argument kept in the struct */
	const struct function *spawn = fn_named(tu, "spawn");
	const struct event *st = must(spawn, EV_STORE, 25, NULL);
	assert_string_equal(st->arg, "p:0");
	assert_string_equal(st->type, "struct aux.start");
	assert_non_null(strstr(st->path, ".start"));
	st = must(spawn, EV_STORE, 26, NULL);
	assert_string_equal(st->arg, "p:1");
	assert_string_equal(st->type, "struct aux.arg");
	/* pthread_create(&t, NULL, start, arg): the routine is the parameter */
	const struct event *cr = must(spawn, EV_THREAD_CREATE, 29, NULL);
	assert_null(cr->callee);
	assert_string_equal(cr->api, "p:0");
	/* copy.start(copy.arg) on a copy of *aux_: the call goes through the parameter's field */
	call = first_of(fn_named(tu, "trampoline"), EV_CALL);
	while (call->callee)
		call++;
	assert_null(call->callee);
	assert_string_equal(call->arg, "p:0*.start");
	assert_string_equal(call->type, "struct aux.start");
	assert_string_equal(call->args[0].path, "p:0*.arg");
	free(a);
	free(b);
	free(both);
	unload(tu);
}

static void test_older_c_keeps_its_no_error_flags(void **state)
{
	(void)state;
	/* -Wno-error=implicit-function-declaration is what lets such code parse under clang
	 * 16+; -Werror must not turn anything back into an error. */
	const char *with[] = {"gcc", "-std=gnu17", "-Wall", "-Werror",
	                      "-Wno-error=implicit-function-declaration", "-c", "implicit_decl.c"};
	const char *without[] = {"gcc", "-std=gnu17", "-c", "implicit_decl.c"};
	struct extract_opts o = {with, (int)(sizeof with / sizeof *with), FIXTURE("")};
	struct tu_facts tu;
	assert_int_equal(extract_tu(&o, "implicit_decl.c", &tu), 0);
	assert_int_equal(tu.ndiagnostics, 0);
	tu_facts_free(&tu);
	struct extract_opts o2 = {without, (int)(sizeof without / sizeof *without), FIXTURE("")};
	assert_int_equal(extract_tu(&o2, "implicit_decl.c", &tu), 0);
	assert_true(tu.ndiagnostics > 0);      /* the error the flag is there for */
	tu_facts_free(&tu);
}

static void test_order_types(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("calls.c"));
	const struct function *t = fn_named(tu, "transfer");
	assert_int_equal(t->norder_types, 1);
	assert_string_equal(t->order_types[0], "struct account");
	const struct event *l = must(t, EV_LOCK, 47, NULL);
	assert_string_equal(l->lock_class, "field:struct account.lock");
	/* first/second come from ?:, so their targets are unknown but stay two locks */
	assert_string_equal(l->path, "l:transfer:first*.lock");
	assert_string_equal(must(t, EV_LOCK, 48, NULL)->path, "l:transfer:second*.lock");
	assert_int_equal(fn_named(tu, "count_below")->norder_types, 0);   /* ints, not structs */
	unload(tu);
}

/* ---- control flow ---- */

static void check_cfg_shape(const struct function *fn)
{
	assert_true(fn->nblocks >= 2);
	assert_int_equal(fn->blocks[1].nevents, 0);
	assert_int_equal(fn->blocks[1].nsuccs, 0);
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++)
			if (fn->blocks[b].events[e].kind == EV_RETURN) {
				assert_int_equal(e, fn->blocks[b].nevents - 1);
				assert_int_equal(fn->blocks[b].nsuccs, 1);
				assert_int_equal(fn->blocks[b].succs[0], 1);
			}
}

static void test_cfg_if_return_goto(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("cfg.c"));
	for (int i = 0; i < tu->nfuncs; i++)
		check_cfg_shape(&tu->funcs[i]);

	const struct function *f = fn_named(tu, "early");
	int ret, acc;
	must(f, EV_RETURN, 12, &ret);
	must(f, EV_ACCESS, 13, &acc);
	assert_false(reaches(f, ret, acc));   /* the early return leaves the function */
	assert_true(reaches(f, 0, acc));

	f = fn_named(tu, "branches");
	int t, e, j;
	must(f, EV_ACCESS, 20, &t);
	must(f, EV_ACCESS, 22, &e);
	must(f, EV_ACCESS, 23, &j);
	assert_int_not_equal(t, e);
	assert_false(reaches(f, t, e) || reaches(f, e, t));
	assert_true(reaches(f, t, j) && reaches(f, e, j));

	f = fn_named(tu, "cleanup");
	must(f, EV_ACCESS, 56, &t);
	must(f, EV_ACCESS, 58, &j);
	assert_true(reaches_avoiding(f, 0, j, t));   /* goto out skips g = 1 */
	assert_true(reaches(f, t, j));
	unload(tu);
}

static void test_cfg_loops_and_switch(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("cfg.c"));
	const struct function *f = fn_named(tu, "loop");
	int body, after;
	const struct event *in = must(f, EV_ACCESS, 33, &body);
	const struct event *out = must(f, EV_ACCESS, 35, &after);
	assert_true(in->flags & EVF_IN_LOOP);
	assert_false(out->flags & EVF_IN_LOOP);
	assert_true(reaches(f, body, body));   /* back edge */
	assert_true(reaches(f, body, after));
	assert_int_equal(out->loop_lo, out->pos);
	assert_int_equal(out->loop_hi, out->pos);

	f = fn_named(tu, "sw");
	int c0, c1, dflt;
	must(f, EV_ACCESS, 42, &c0);
	must(f, EV_ACCESS, 45, &c1);
	must(f, EV_ACCESS, 48, &dflt);
	assert_true(reaches(f, c0, c1));    /* fallthrough */
	assert_false(reaches(f, c1, dflt)); /* break */
	assert_true(reaches_avoiding(f, 0, c1, c0));
	assert_true(reaches_avoiding(f, 0, dflt, c0));

	f = fn_named(tu, "many_cases");     /* one block per case, every call kept */
	assert_int_equal(count_kind(f, EV_CALL), 18);
	assert_true(f->nblocks > 18);

	f = fn_named(tu, "spin");   /* for (;;) left only by return: no fall-off return */
	assert_int_equal(count_kind(f, EV_RETURN), 1);
	assert_true(must(f, EV_RETURN, 81, NULL)->flags & EVF_IN_LOOP);
	unload(tu);
}

static void test_cfg_noreturn(void **state)
{
	(void)state;
	struct tu_facts *tu = load(FIXTURE("cfg.c"));
	const struct function *f = fn_named(tu, "dies");
	int xb;
	must(f, EV_CALL, 65, &xb);
	assert_int_equal(f->blocks[xb].nsuccs, 0);   /* exit(): a dead end, not a return */
	must(f, EV_RETURN, 67, NULL);                 /* falling off the end */

	f = fn_named(tu, "checks");
	const struct event *a = must(f, EV_CALL, 71, &xb);
	assert_string_equal(a->name, "__assert_fail");
	assert_int_equal(f->blocks[xb].nsuccs, 0);
	const struct event *g = must(f, EV_ACCESS, 73, NULL);
	assert_false(g->flags & EVF_IN_LOOP);   /* do { } while (0) is no loop */
	must(f, EV_RETURN, 75, NULL);

	f = fn_named(tu, "user_noreturn");   /* _Noreturn and __attribute__((noreturn)) */
	int b1, b2;
	must(f, EV_CALL, 91, &b1);
	must(f, EV_CALL, 93, &b2);
	assert_int_equal(f->blocks[b1].nsuccs, 0);
	assert_int_equal(f->blocks[b2].nsuccs, 0);
	must(f, EV_ACCESS, 94, NULL);
	unload(tu);
}

/* ---- parse problems, compile commands, cache ---- */

static void test_error_tu_still_extracted(void **state)
{
	(void)state;
	struct tu_facts tu;
	assert_int_equal(extract_tu(NULL, FIXTURE("broken.c"), &tu), 0);
	assert_false(tu.parse_failed);
	assert_int_equal(tu.ndiagnostics, 1);
	char *want = xasprintf("%s:11:2: ", tu.file);
	assert_true(str_starts(tu.diagnostics[0], want));
	assert_non_null(strstr(tu.diagnostics[0], "undeclared_variable"));
	free(want);
	must(fn_named(&tu, "fine"), EV_ACCESS, 6, NULL);
	must(fn_named(&tu, "broken"), EV_ACCESS, 12, NULL);
	tu_facts_free(&tu);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct tu_facts tu;
	assert_int_equal(extract_tu(NULL, FIXTURE("no-such-file.c"), &tu), -1);
	assert_true(tu.parse_failed);
	assert_int_equal(tu.ndiagnostics, 1);
	assert_non_null(strstr(tu.diagnostics[0], "no-such-file.c"));
	assert_int_equal(tu.nfuncs, 0);
	tu_facts_free(&tu);
}

static void test_compile_command(void **state)
{
	(void)state;
	/* Relative file, gcc-only flags and -Werror, as compile_commands.json would give them. */
	const char *argv[] = {"gcc", "-c", "-fconserve-stack", "-fno-allow-store-data-races",
	                      "-mindirect-branch=thunk-extern", "-Wall", "-Werror", "-O2",
	                      "-o", "cfg.o", "cfg.c"};
	struct extract_opts o = {argv, (int)(sizeof argv / sizeof *argv), FIXTURE("")};
	struct tu_facts tu;
	assert_int_equal(extract_tu(&o, "cfg.c", &tu), 0);
	assert_int_equal(tu.ndiagnostics, 0);
	assert_true(tu.file[0] == '/');
	assert_string_equal(fn_named(&tu, "early")->file, tu.file);
	assert_int_equal(fn_named(&tu, "early")->line, 9);
	tu_facts_free(&tu);
}

static char *write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void test_cache_key_and_headers(void **state)
{
	(void)state;
	char dir[] = "/tmp/tsafe-extract-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *hdr = write_file(dir, "shared.h",
	                       "extern int hits;\nstatic inline void hit(void)\n{\n\thits++;\n}\n");
	char *src = write_file(dir, "main.c", "#include \"shared.h\"\nint hits;\nvoid f(void) { hit(); }\n");
	const char *argv[] = {"cc", "-c", "main.c"};
	struct extract_opts o = {argv, 3, dir};
	struct tu_facts tu;
	struct extract_deps deps;
	assert_int_equal(extract_tu_deps(&o, "main.c", &tu, &deps), 0);

	/* the header's function is extracted, in the header's file */
	const struct function *hit = fn_named(&tu, "hit");
	char *real_hdr = realpath(hdr, NULL);
	assert_string_equal(hit->file, real_hdr);
	must(hit, EV_ACCESS, 4, NULL);
	assert_int_equal(deps.nheaders, 1);
	assert_string_equal(deps.headers[0], real_hdr);

	/* the CLI recomputes the key from the saved header list without parsing */
	char *meta = extract_deps_to_meta(&deps);
	struct extract_deps again;
	extract_deps_from_meta(meta, &again);
	assert_int_equal(again.nheaders, 1);
	char *key = extract_cache_key(src, argv, 3, (const char *const *)again.headers, again.nheaders);
	assert_string_equal(key, tu.cache_key);

	/* editing the header, or changing a flag, changes the key */
	free(write_file(dir, "shared.h", "extern int hits;\n"));
	char *key2 = extract_cache_key(src, argv, 3, (const char *const *)again.headers, 1);
	assert_string_not_equal(key2, key);
	const char *argv2[] = {"cc", "-c", "-DX", "main.c"};
	char *key3 = extract_cache_key(src, argv2, 4, (const char *const *)again.headers, 1);
	assert_string_not_equal(key3, key2);

	free(key);
	free(key2);
	free(key3);
	free(meta);
	free(real_hdr);
	extract_deps_free(&deps);
	extract_deps_free(&again);
	tu_facts_free(&tu);
	unlink(hdr);
	unlink(src);
	rmdir(dir);
	free(hdr);
	free(src);
}

/* A header's inline and static functions are extracted when the unit uses them (called,
 * transitively, or their address taken); one with external linkage always. */
static void test_header_functions_the_unit_uses(void **state)
{
	(void)state;
	char dir[] = "/tmp/tsafe-extract-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *hdr = write_file(dir, "lib.h",
	                       "static inline int chain(int x) { return x + 1; }\n"
	                       "static inline int used(int x) { return chain(x); }\n"
	                       "static inline int unused(int x) { return x - 1; }\n"
	                       "static inline void via_ptr(void) { }\n"
	                       "static void (*const hook)(void) = via_ptr;\n"
	                       "void ext(void) { }\n");
	char *src = write_file(dir, "main.c", "#include \"lib.h\"\n"
	                       "static int dead(void) { return 0; }\n"
	                       "int f(int x) { return used(x); }\n");
	struct tu_facts *tu = load(src);
	assert_non_null(fn_named(tu, "used"));
	assert_non_null(fn_named(tu, "chain"));
	assert_non_null(fn_named(tu, "ext"));
	assert_non_null(fn_named(tu, "dead"));          /* the unit's own code, used or not */
	assert_non_null(fn_named(tu, "via_ptr"));
	assert_true(fn_named(tu, "via_ptr")->flags & FNF_ADDR_TAKEN);
	assert_false(fn_named(tu, "used")->flags & FNF_ADDR_TAKEN);
	for (int i = 0; i < tu->nfuncs; i++)
		assert_string_not_equal(tu->funcs[i].name, "unused");
	unload(tu);
	unlink(hdr);
	unlink(src);
	rmdir(dir);
	free(hdr);
	free(src);
}

/* ---- thread safety: the CLI runs one extraction per worker thread ---- */

static const char *const all_fixtures[] = {
	FIXTURE("access.c"), FIXTURE("locks.c"), FIXTURE("threads.c"), FIXTURE("calls.c"),
	FIXTURE("cfg.c"),
};
#define NFIXTURES ((int)(sizeof all_fixtures / sizeof *all_fixtures))

/* Everything extracted, as text, so two extractions can be compared. */
static char *digest(const char *path)
{
	struct tu_facts tu;
	struct strbuf sb;
	sb_init(&sb);
	int rc = extract_tu(NULL, path, &tu);
	sb_addf(&sb, "%d %s\n", rc, tu.cache_key);
	for (int f = 0; f < tu.nfuncs; f++) {
		const struct function *fn = &tu.funcs[f];
		sb_addf(&sb, "%s %u %d\n", fn->usr, fn->flags, fn->nblocks);
		for (int b = 0; b < fn->nblocks; b++) {
			for (int i = 0; i < fn->blocks[b].nsuccs; i++)
				sb_addf(&sb, "->%d ", fn->blocks[b].succs[i]);
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				sb_addf(&sb, "%d %u %d:%d %s %s %s %s\n", ev->kind, ev->flags, ev->line, ev->pos,
				        ev->path ? ev->path : "", ev->name ? ev->name : "",
				        ev->lock_class ? ev->lock_class : "", ev->callee ? ev->callee : "");
			}
		}
	}
	tu_facts_free(&tu);
	return sb_detach(&sb);
}

static void *extract_all(void *arg)
{
	char **out = arg;
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < NFIXTURES; i++) {
			free(out[i]);
			out[i] = digest(all_fixtures[(i + round) % NFIXTURES]);
		}
	return NULL;
}

static void test_parallel_extraction(void **state)
{
	(void)state;
	char *serial[NFIXTURES];
	for (int i = 0; i < NFIXTURES; i++)
		serial[i] = digest(all_fixtures[(i + 2) % NFIXTURES]);   /* the last round's order */
	enum { NTHREADS = 4 };
	pthread_t t[NTHREADS];
	char *got[NTHREADS][NFIXTURES] = {{0}};
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, extract_all, got[i]), 0);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		for (int j = 0; j < NFIXTURES; j++) {
			assert_string_equal(got[i][j], serial[j]);
			free(got[i][j]);
		}
	}
	for (int i = 0; i < NFIXTURES; i++)
		free(serial[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_globals_and_fields),
		cmocka_unit_test(test_access_atomics_tls_const_heap),
		cmocka_unit_test(test_lock_classes),
		cmocka_unit_test(test_trylock_branches),
		cmocka_unit_test(test_lock_through_alias_and_macro),
		cmocka_unit_test(test_lock_through_value_expressions),
		cmocka_unit_test(test_thread_safety_annotations),
		cmocka_unit_test(test_project_wrappers),
		cmocka_unit_test(test_takes),
		cmocka_unit_test(test_status_local),
		cmocka_unit_test(test_call_results),
		cmocka_unit_test(test_cond_wait_in_loop),
		cmocka_unit_test(test_thread_create),
		cmocka_unit_test(test_thread_join_detach_exit),
		cmocka_unit_test(test_calls_and_pointers),
		cmocka_unit_test(test_function_pointer_values),
		cmocka_unit_test(test_function_values_for_the_analysis),
		cmocka_unit_test(test_older_c_keeps_its_no_error_flags),
		cmocka_unit_test(test_order_types),
		cmocka_unit_test(test_cfg_if_return_goto),
		cmocka_unit_test(test_cfg_loops_and_switch),
		cmocka_unit_test(test_cfg_noreturn),
		cmocka_unit_test(test_error_tu_still_extracted),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_compile_command),
		cmocka_unit_test(test_cache_key_and_headers),
		cmocka_unit_test(test_header_functions_the_unit_uses),
		cmocka_unit_test(test_parallel_extraction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
