/* facts_dsl.h — a tiny DSL that builds hand-made facts for the analysis tests, so that each
 * test reads like the C it stands for (shared by test_analyze.c and test_order.c). */
#ifndef TSAFE_TEST_FACTS_DSL_H
#define TSAFE_TEST_FACTS_DSL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analyze/analyze.h"
#include "common/rules.h"
#include "common/util.h"


static struct tu_facts tu;

/* Adds a function; pointers to functions added earlier may move (finish those first). */
static inline struct function *fn(const char *name, int nparams)
{
	struct function *f = tu_add_function(&tu);
	f->name = xstrdup(name);
	f->usr = xasprintf("c:@F@%s", name);
	f->file = xstrdup("/proj/t.c");
	f->line = 1;
	f->nparams = nparams;
	fn_add_block(f);              /* 0: entry */
	fn_add_block(f);              /* 1: exit */
	return f;
}

static inline int blk(struct function *f)
{
	fn_add_block(f);
	return f->nblocks - 1;
}

static inline void edge(struct function *f, int from, int to)
{
	block_add_succ(&f->blocks[from], to);
}

static inline int next_pos(struct function *f)
{
	int n = 0;
	for (int b = 0; b < f->nblocks; b++)
		n += f->blocks[b].nevents;
	return n;
}

static inline struct event *ev(struct function *f, int b, enum ev_kind kind, int line)
{
	int pos = next_pos(f);
	struct event *e = block_add_event(&f->blocks[b]);
	e->kind = kind;
	e->line = line;
	e->col = 1;
	e->pos = e->loop_lo = e->loop_hi = pos;
	return e;
}

static inline void access_(struct function *f, int b, int line, const char *path, unsigned flags)
{
	struct event *e = ev(f, b, EV_ACCESS, line);
	e->path = xstrdup(path);
	e->name = xstrdup(path);
	e->flags = flags;
}
#define WR (EVF_WRITE)
#define RD (EVF_READ)

static inline struct event *lock_(struct function *f, int b, int line, enum ev_kind k, const char *path,
                           const char *cls, unsigned flags)
{
	struct event *e = ev(f, b, k, line);
	e->path = xstrdup(path);
	e->name = xstrdup(path);
	e->lock_class = cls ? xstrdup(cls) : NULL;
	e->lock_kind = LK_MUTEX;
	e->flags = flags;
	return e;
}
#define LOCK(f, b, line, m) lock_(f, b, line, EV_LOCK, "g:" m, "global:" m, 0)
#define UNLOCK(f, b, line, m) lock_(f, b, line, EV_UNLOCK, "g:" m, "global:" m, 0)

static inline void call(struct function *f, int b, int line, const char *callee, const char *arg, const char *cls)
{
	struct event *e = ev(f, b, EV_CALL, line);
	e->callee = xasprintf("c:@F@%s", callee);
	e->name = xstrdup(callee);
	if (arg) {
		e->nargs = 1;
		e->args = xcalloc(1, sizeof *e->args);
		e->args[0].path = xstrdup(arg);
		e->args[0].lock_class = cls ? xstrdup(cls) : NULL;
	}
}

static inline struct event *create(struct function *f, int b, int line, const char *entry,
                            const char *handle, const char *arg, unsigned flags)
{
	struct event *e = ev(f, b, EV_THREAD_CREATE, line);
	e->callee = xasprintf("c:@F@%s", entry);
	e->name = xstrdup(entry);
	e->path = xstrdup(handle);
	e->arg = xstrdup(arg);
	e->flags = flags;
	return e;
}

static inline void join(struct function *f, int b, int line, const char *handle)
{
	ev(f, b, EV_THREAD_JOIN, line)->path = xstrdup(handle);
}

static inline void ret(struct function *f, int b, int line)
{
	ev(f, b, EV_RETURN, line);
	edge(f, b, 1);
}

/* main: create t1 and t2 running `entry`, join both. Returns main's body block. */
static inline struct function *main_two_threads(const char *entry)
{
	struct function *m = fn("main", 0);
	int b = blk(m);
	edge(m, 0, b);
	create(m, b, 50, entry, "l:main:t1", "?", 0);
	create(m, b, 51, entry, "l:main:t2", "?", 0);
	join(m, b, 52, "l:main:t1");
	join(m, b, 53, "l:main:t2");
	ret(m, b, 54);
	return m;
}

/* A straight-line thread entry: returns its body block. */
static inline int thread_fn(const char *name, struct function **out)
{
	*out = fn(name, 1);
	int b = blk(*out);
	edge(*out, 0, b);
	return b;
}

static struct finding_list found;

static inline int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static struct analyze_edge_list *edges_out;   /* set by a test that wants the lock-order edges */

static inline void run(void)
{
	struct analyze_opts o = {.root = "/proj", .edges = edges_out};
	analyze_program(&tu, 1, &o, &found, NULL);
}

static inline int count(const char *rule)
{
	int n = 0;
	for (int i = 0; i < found.n; i++)
		n += !strcmp(found.items[i].rule, rule);
	return n;
}

static inline const struct finding *only(const char *rule)
{
	assert_int_equal(count(rule), 1);
	for (int i = 0; i < found.n; i++)
		if (!strcmp(found.items[i].rule, rule))
			return &found.items[i];
	return NULL;
}

static inline int setup(void **state)
{
	(void)state;
	memset(&tu, 0, sizeof tu);
	memset(&found, 0, sizeof found);
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	tu_facts_free(&tu);
	finding_list_free(&found);
	return 0;
}

#endif
