/* test_fuzz_regressions.c — every input that once crashed a reader of outside data (found
 * by the fuzz targets of tests/fuzz, or by hand), replayed through the same target as a
 * plain test (also under ASan+UBSan), and what the reader makes of the worst of them. The
 * inputs live in tests/fuzz/regressions/<target>/, one file each, named after the bug. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/targets.h"
#include "analyze/suppress.h"
#include "common/rules.h"
#include "common/util.h"
#include "valgrind/internal.h"

#define REGRESSIONS TSAFE_TEST_FIXTURES "/../fuzz/regressions"

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	struct strbuf sb;
	sb_init(&sb);
	assert_int_equal(sb_read_stream(&sb, fp), 0);
	fclose(fp);
	*n = sb.len;
	return sb_detach(&sb);
}

/* Runs every input of one target (none yet: no directory); returns how many there were. */
static int replay(const char *target, int (*fn)(const uint8_t *, size_t))
{
	char *dir = xasprintf("%s/%s", REGRESSIONS, target);
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		size_t len;
		char *data = slurp(path, &len);
		print_message("replaying %s/%s\n", target, e->d_name);
		fn((const uint8_t *)data, len);
		free(data);
		free(path);
		n++;
	}
	if (d)
		closedir(d);
	free(dir);
	return n;
}

static void test_runtime_logs(void **state)
{
	(void)state;
	assert_true(replay("rtlog", fuzz_rtlog) >= 2);
}

static void test_valgrind_xml(void **state)
{
	(void)state;
	assert_true(replay("vgxml", fuzz_vgxml) >= 4);
}

static void test_baselines(void **state)
{
	(void)state;
	replay("baseline", fuzz_baseline);
}

static void test_compile_databases(void **state)
{
	(void)state;
	replay("compdb", fuzz_compdb);
}

/* 50 errors whose stack holds an <xwhat> followed by more frames: each keeps its frames,
 * in order, in the stack where they were read. */
static void test_frame_after_xwhat_in_stack(void **state)
{
	(void)state;
	size_t len;
	char *data = slurp(REGRESSIONS "/vgxml/frame-in-xwhat-in-stack", &len);
	struct vg_doc doc;
	vg_parse(data + 1, len - 1, &doc);     /* the first byte chooses the tool */
	assert_int_equal(doc.nerrors, 50);
	const struct vg_error *e = &doc.errors[49];
	assert_string_equal(e->kind, "Race");
	const struct vg_stack *s = &e->notes[0].stack;
	assert_int_equal(s->n, 3);
	assert_int_equal(s->frames[0].line, 3);
	assert_int_equal(s->frames[2].line, 5);
	vg_doc_free(&doc);
	free(data);
}

/* A line number no source has (Valgrind's <line> is read as a number of any size). */
static void test_suppression_lookup_of_extreme_lines(void **state)
{
	(void)state;
	int lines[] = {INT_MIN, INT_MIN + 1, -1, 0, INT_MAX};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		struct finding_list l = {0};
		struct finding *f = finding_list_add(&l);
		f->rule = xstrdup("data-race");
		struct location *loc = finding_add_loc(f);
		loc->file = xstrdup(REGRESSIONS "/../fuzz_vgxml.c");
		loc->line = lines[i];
		suppress_apply(&l, "/", NULL);
		assert_false(l.items[0].suppressed);
		finding_list_free(&l);
	}
}

static int setup(void **state)
{
	(void)state;
	char *err = NULL;
	return rules_load(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_logs),
		cmocka_unit_test(test_valgrind_xml),
		cmocka_unit_test(test_baselines),
		cmocka_unit_test(test_compile_databases),
		cmocka_unit_test(test_frame_after_xwhat_in_stack),
		cmocka_unit_test(test_suppression_lookup_of_extreme_lines),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
