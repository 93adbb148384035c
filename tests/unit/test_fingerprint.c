/* test_fingerprint.c — a finding keeps its identity across unrelated edits and loses it when
 * its own code changes; display order puts confirmed and severe findings first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/finding.h"
#include "common/util.h"

static const char *original =
	"#include <pthread.h>\n"
	"long counter;\n"
	"void *worker(void *arg)\n"
	"{\n"
	"\tcounter++;\n"
	"\treturn arg;\n"
	"}\n"
	"long peek(void)\n"
	"{\n"
	"\treturn counter;\n"
	"}\n";

/* The same functions after someone added code above them and re-indented. */
static const char *edited_above =
	"#include <pthread.h>\n"
	"#include <stdio.h>\n"
	"\n"
	"\n"
	"static int unrelated(int x) { return x * 2; }\n"
	"long counter;\n"
	"void *worker(void *arg)\n"
	"{\n"
	"    counter ++ ;\n"
	"\treturn arg;\n"
	"}\n"
	"long peek(void)\n"
	"{\n"
	"        return   counter;\n"
	"}\n";

static const char *changed_line =
	"#include <pthread.h>\n"
	"long counter;\n"
	"void *worker(void *arg)\n"
	"{\n"
	"\tcounter += 2;\n"
	"\treturn arg;\n"
	"}\n"
	"long peek(void)\n"
	"{\n"
	"\treturn counter;\n"
	"}\n";

struct tree {
	char root[64];
};

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* A fresh project root holding src/race.c with the given text. */
static void make_tree(struct tree *t, const char *text)
{
	strcpy(t->root, "/tmp/tsafe-fp-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	char *dir = xasprintf("%s/src", t->root);
	char *file = xasprintf("%s/src/race.c", t->root);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file(file, text);
	free(dir);
	free(file);
}

static void remove_tree(struct tree *t)
{
	char *file = xasprintf("%s/src/race.c", t->root);
	char *dir = xasprintf("%s/src", t->root);
	unlink(file);
	rmdir(dir);
	rmdir(t->root);
	free(file);
	free(dir);
}

static void add_loc(struct finding *f, const char *func, int line, const char *msg)
{
	struct location *l = finding_add_loc(f);
	l->file = xstrdup("src/race.c");
	l->func = xstrdup(func);
	l->line = line;
	l->col = 2;
	l->message = xstrdup(msg);
}

/* The race between worker's write (at write_line) and peek's read (at read_line). */
static char *race_fp(const char *root, const char *rule, int write_line, int read_line,
                     int swapped)
{
	struct finding f = {0};
	f.rule = xstrdup(rule);
	f.symbol = xstrdup("g:counter");
	if (!swapped) {
		add_loc(&f, "worker", write_line, "write of 'counter'");
		add_loc(&f, "peek", read_line, "read of 'counter'");
	} else {
		add_loc(&f, "peek", read_line, "read of 'counter'");
		add_loc(&f, "worker", write_line, "write of 'counter'");
	}
	finding_fingerprint(&f, root);
	char *fp = xstrdup(f.fingerprint);
	finding_free(&f);
	return fp;
}

static void test_stable_across_edits_above(void **state)
{
	(void)state;
	struct tree a, b;
	make_tree(&a, original);
	make_tree(&b, edited_above);
	char *before = race_fp(a.root, "data-race", 5, 10, 0);
	char *after = race_fp(b.root, "data-race", 9, 14, 0);
	assert_string_equal(before, after);
	assert_int_equal(strlen(before), 32);
	assert_int_equal(strspn(before, "0123456789abcdef"), 32);
	free(before);
	free(after);
	remove_tree(&a);
	remove_tree(&b);
}

static void test_changed_code_changes_identity(void **state)
{
	(void)state;
	struct tree a, b;
	make_tree(&a, original);
	make_tree(&b, changed_line);
	char *before = race_fp(a.root, "data-race", 5, 10, 0);
	char *after = race_fp(b.root, "data-race", 5, 10, 0);
	assert_string_not_equal(before, after);
	free(before);
	free(after);
	remove_tree(&a);
	remove_tree(&b);
}

static void test_file_edited_in_place_is_reread(void **state)
{
	(void)state;
	struct tree a;
	make_tree(&a, original);
	char *before = race_fp(a.root, "data-race", 5, 10, 0);
	char *file = xasprintf("%s/src/race.c", a.root);
	write_file(file, changed_line);
	char *after = race_fp(a.root, "data-race", 5, 10, 0);
	assert_string_not_equal(before, after);
	free(file);
	free(before);
	free(after);
	remove_tree(&a);
}

static void test_sides_in_either_order(void **state)
{
	(void)state;
	struct tree a;
	make_tree(&a, original);
	char *ab = race_fp(a.root, "data-race", 5, 10, 0);
	char *ba = race_fp(a.root, "data-race", 5, 10, 1);
	assert_string_equal(ab, ba);
	free(ab);
	free(ba);
	remove_tree(&a);
}

static void test_rule_and_symbol_are_identity(void **state)
{
	(void)state;
	struct tree a;
	make_tree(&a, original);
	char *race = race_fp(a.root, "data-race", 5, 10, 0);
	char *other = race_fp(a.root, "mt-unsafe-call", 5, 10, 0);
	assert_string_not_equal(race, other);

	struct finding f = {0};
	f.rule = xstrdup("data-race");
	f.symbol = xstrdup("g:other");
	add_loc(&f, "worker", 5, "write of 'counter'");
	add_loc(&f, "peek", 10, "read of 'counter'");
	finding_fingerprint(&f, a.root);
	assert_string_not_equal(race, f.fingerprint);
	finding_free(&f);
	free(race);
	free(other);
	remove_tree(&a);
}

/* With no source to read, the message stands for the line: still no line numbers. */
static void test_unreadable_source_uses_message(void **state)
{
	(void)state;
	const char *nowhere = "/nonexistent-tsafe-root";
	char *one = race_fp(nowhere, "data-race", 5, 10, 0);
	char *moved = race_fp(nowhere, "data-race", 50, 100, 0);
	assert_string_equal(one, moved);

	struct finding f = {0};
	f.rule = xstrdup("data-race");
	f.symbol = xstrdup("g:counter");
	add_loc(&f, "worker", 5, "read of 'counter'");   /* was a write */
	add_loc(&f, "peek", 10, "read of 'counter'");
	finding_fingerprint(&f, nowhere);
	assert_string_not_equal(one, f.fingerprint);
	finding_free(&f);
	free(one);
	free(moved);
}

static void add_sorted(struct finding_list *l, const char *sev, const char *file, int line,
                       const char *rule, int confirmed)
{
	struct finding *f = finding_list_add(l);
	f->severity = xstrdup(sev);
	f->rule = xstrdup(rule);
	f->confirmed = confirmed;
	struct location *loc = finding_add_loc(f);
	loc->file = xstrdup(file);
	loc->line = line;
}

static void test_sort_order(void **state)
{
	(void)state;
	struct finding_list l = {0};
	add_sorted(&l, "warning", "a.c", 1, "lock-leak", 0);
	add_sorted(&l, "error", "b.c", 9, "double-lock", 0);
	add_sorted(&l, "error", "b.c", 3, "double-lock", 0);
	add_sorted(&l, "warning", "z.c", 1, "thread-leak", 1);
	add_sorted(&l, "error", "a.c", 7, "deadlock", 0);
	add_sorted(&l, "error", "a.c", 7, "data-race", 0);
	add_sorted(&l, "note", "a.c", 1, "data-race", 0);
	finding_list_sort(&l);
	const char *want[][2] = {
		{"z.c", "thread-leak"},     /* confirmed first, whatever its severity */
		{"a.c", "data-race"}, {"a.c", "deadlock"}, {"b.c", "double-lock"},
		{"b.c", "double-lock"}, {"a.c", "lock-leak"}, {"a.c", "data-race"},
	};
	for (int i = 0; i < l.n; i++) {
		assert_string_equal(l.items[i].locs[0].file, want[i][0]);
		assert_string_equal(l.items[i].rule, want[i][1]);
	}
	assert_int_equal(l.items[3].locs[0].line, 3);
	assert_int_equal(l.items[4].locs[0].line, 9);
	finding_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stable_across_edits_above),
		cmocka_unit_test(test_changed_code_changes_identity),
		cmocka_unit_test(test_file_edited_in_place_is_reread),
		cmocka_unit_test(test_sides_in_either_order),
		cmocka_unit_test(test_rule_and_symbol_are_identity),
		cmocka_unit_test(test_unreadable_source_uses_message),
		cmocka_unit_test(test_sort_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
