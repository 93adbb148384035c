/* test_findkit.c — the finding kit every engine uses: a new finding takes its severity from
 * the rule catalogue, paths and symbols become relative to the project root, and a list
 * keeps one finding per fingerprint; one bug's findings by several engines become one
 * (identity.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/findkit.h"
#include "common/identity.h"
#include "common/rules.h"
#include "common/util.h"

static void test_new_takes_catalogue_severity(void **state)
{
	(void)state;
	char *err = NULL;
	assert_int_equal(rules_load(&err), 0);
	struct finding_list l = {0};
	struct finding *f = finding_new(&l, "runtime", "data-race", "data race on 'x'", "global:x");
	assert_string_equal(f->severity, "error");
	assert_string_equal(f->engine, "runtime");
	assert_string_equal(f->symbol, "global:x");
	f = finding_new(&l, "helgrind", "helgrind:Misc", "dubious", "");
	assert_string_equal(f->severity, "warning");   /* no catalogue row */
	finding_list_free(&l);
}

static void test_root_relative(void **state)
{
	(void)state;
	char *p = root_relative("/w/proj/", "/w/proj/src/a.c");
	assert_string_equal(p, "src/a.c");
	free(p);
	p = root_relative("/w/proj", "/w/project/a.c");   /* a sibling, not under the root */
	assert_string_equal(p, "/w/project/a.c");
	free(p);
	assert_null(root_relative("/w", NULL));
	p = root_relative(NULL, "/x/a.c");
	assert_string_equal(p, "/x/a.c");
	free(p);
	p = root_relative_text("/w/proj", "static:/w/proj/a.c:m -> static:/w/proj/b.c:n");
	assert_string_equal(p, "static:a.c:m -> static:b.c:n");
	free(p);
}

static void add(struct finding_list *l, const char *msg, const char *file)
{
	struct finding *f = finding_new(l, "drd", "data-race", msg, "global:x");
	struct location *loc = finding_add_loc(f);
	loc->file = xstrdup(file);
	loc->line = 1;
	loc->func = xstrdup("f");
	loc->message = xstrdup(msg);
}

static void test_finish_keeps_first_of_each_fingerprint(void **state)
{
	(void)state;
	struct finding_list l = {0};
	add(&l, "read", "nowhere/a.c");
	add(&l, "read", "nowhere/a.c");     /* the same: dropped */
	add(&l, "write", "nowhere/a.c");
	add(&l, "read", "nowhere/a.c");     /* the same again */
	finding_list_finish(&l, 0, "/nonexistent");
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].message, "read");
	assert_string_equal(l.items[1].message, "write");
	/* New findings are checked against the earlier ones too. */
	add(&l, "write", "nowhere/a.c");
	add(&l, "other", "nowhere/a.c");
	finding_list_finish(&l, 2, "/nonexistent");
	assert_int_equal(l.n, 3);
	assert_string_equal(l.items[2].message, "other");
	/* Fingerprints already set: unique only. */
	free(l.items[2].fingerprint);
	l.items[2].fingerprint = xstrdup(l.items[0].fingerprint);
	finding_list_unique(&l, 0);
	assert_int_equal(l.n, 2);
	finding_list_free(&l);
}

/* A lock leak as an engine reports it: at file:line in fn, in `thread`, with the stack. */
static struct finding *leak(struct finding_list *l, const char *engine, const char *fn, int line,
                            const char *thread, const char *const *stack)
{
	struct finding *f = finding_new(l, engine, "lock-leak", "leak", "global:buffer_lock");
	struct location *loc = finding_add_loc(f);
	loc->file = xstrdup("leak.c");
	loc->line = line;
	loc->func = xstrdup(fn);
	loc->thread = thread ? xstrdup(thread) : NULL;
	for (int i = 0; stack && stack[i]; i++)
		finding_add_frame(loc, stack[i], "leak.c", line + i);
	f->fingerprint = xasprintf("%s:%d", engine, line);   /* the lines' texts differ */
	return f;
}

/* The static pass reports the leak where `append` returns holding the lock; the runtime
 * where thread 'writer' took it (append called from writer): one bug, one finding. A leak
 * of the same lock by another thread whose stack never passes `append` stays its own. */
static void test_lock_leak_joined_by_the_leaking_function(void **state)
{
	(void)state;
	struct finding_list known = {0}, l = {0};
	leak(&known, "static", "append", 17, NULL, NULL);
	const char *through[] = {"append", "writer", NULL};
	const char *elsewhere[] = {"drain", "flusher", NULL};
	leak(&l, "runtime", "append", 15, "thread 'writer' created at leak.c:39", through);
	leak(&l, "runtime", "drain", 60, "thread 'flusher' created at leak.c:70", elsewhere);
	assert_int_equal(identity_merge(&l, &known), 1);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].fingerprint, known.items[0].fingerprint);
	assert_string_not_equal(l.items[1].fingerprint, known.items[0].fingerprint);
	finding_list_free(&l);
	finding_list_free(&known);
}

/* A fork at fork.c:27: the static pass names the child's unsafe call, the runtime the lock
 * a thread held at that moment (different symbols): one bug, joined by the fork call. */
static void test_fork_joined_by_the_call(void **state)
{
	(void)state;
	struct finding_list known = {0}, l = {0};
	const char *sym[] = {"fork", "global:busy"};
	struct finding_list *into[] = {&known, &l};
	for (int i = 0; i < 2; i++) {
		struct finding *f = finding_new(into[i], i ? "runtime" : "static", "fork-with-threads",
		                                "fork", sym[i]);
		struct location *loc = finding_add_loc(f);
		loc->file = xstrdup("fork.c");
		loc->line = 27;
		loc->func = xstrdup("main");
		f->fingerprint = xasprintf("fp%d", i);
	}
	assert_int_equal(identity_merge(&l, &known), 1);
	assert_string_equal(l.items[0].fingerprint, known.items[0].fingerprint);
	finding_list_free(&l);
	finding_list_free(&known);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_takes_catalogue_severity),
		cmocka_unit_test(test_root_relative),
		cmocka_unit_test(test_finish_keeps_first_of_each_fingerprint),
		cmocka_unit_test(test_lock_leak_joined_by_the_leaking_function),
		cmocka_unit_test(test_fork_joined_by_the_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
