/* test_baseline.c — the baseline file: a stable, reviewable rendering of the accepted
 * findings; files that are missing, corrupt or newer are refused with a usable message; and
 * the comparison decides new, fixed and unchanged by fingerprint alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/baseline.h"
#include "common/util.h"

static struct finding *add(struct finding_list *l, const char *fp, const char *rule,
                           const char *file, const char *func, int line, int suppressed)
{
	struct finding *f = finding_list_add(l);
	f->fingerprint = xstrdup(fp);
	f->rule = xstrdup(rule);
	f->severity = xstrdup("error");
	f->message = xasprintf("%s in %s", rule, func);
	f->symbol = xasprintf("g:%s", fp);
	f->suppressed = suppressed;
	struct location *loc = finding_add_loc(f);
	loc->file = xstrdup(file);
	loc->func = xstrdup(func);
	loc->line = line;
	return f;
}

/* The baseline of l as the text of a file. */
static char *render(const struct finding_list *l)
{
	struct baseline b = {0};
	baseline_add_findings(&b, l);
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	assert_int_equal(baseline_write(mem, &b), 0);
	fclose(mem);
	baseline_free(&b);
	return buf;
}

static int parse(struct baseline *b, const char *text, char **err)
{
	*err = NULL;
	return baseline_parse(b, text, strlen(text), "ci/base.json", err);
}

static void sorted_one_per_line_without_suppressed(void **state)
{
	(void)state;
	struct finding_list l = {0};
	add(&l, "ccc", "data-race", "src/z.c", "worker", 40, 0);
	add(&l, "aaa", "lock-leak", "src/a.c", "put", 12, 0);
	add(&l, "bbb", "data-race", "src/a.c", "get", 99, 0);
	add(&l, "ddd", "data-race", "src/a.c", "get", 7, 1);   /* suppressed: accepted already */
	char *text = render(&l);
	const char *want_order[] = {"\"bbb\"", "\"aaa\"", "\"ccc\""};   /* a.c:get, a.c:put, z.c */
	const char *p = text;
	for (int i = 0; i < 3; i++) {
		const char *hit = strstr(p, want_order[i]);
		assert_non_null(hit);
		/* Each finding is a whole line: "    {...}" then ",\n" or "\n". */
		const char *bol = hit;
		while (bol > text && bol[-1] != '\n')
			bol--;
		assert_true(str_starts(bol, "    {\"fingerprint\": "));
		p = hit;
	}
	assert_null(strstr(text, "\"ddd\""));
	assert_null(strstr(text, "\"line\""));
	assert_non_null(strstr(text, "\"tsafe_baseline\": 1,\n"));

	struct baseline b;
	char *err;
	assert_int_equal(parse(&b, text, &err), 0);
	assert_int_equal(b.n, 3);
	assert_string_equal(b.items[0].fingerprint, "bbb");
	assert_string_equal(b.items[0].file, "src/a.c");
	assert_string_equal(b.items[0].function, "get");
	assert_string_equal(b.items[0].rule, "data-race");
	assert_string_equal(b.items[0].symbol, "g:bbb");
	assert_string_equal(b.items[2].message, "data-race in worker");
	assert_string_equal(b.tool_version, TSAFE_VERSION);
	baseline_free(&b);
	free(text);
	finding_list_free(&l);
}

/* Moving code shifts line numbers; the file must not change, or every commit diffs it. */
static void same_file_when_lines_move(void **state)
{
	(void)state;
	struct finding_list before = {0}, after = {0};
	add(&before, "f1", "data-race", "a.c", "worker", 10, 0);
	add(&before, "f2", "lock-leak", "b.c", "put", 20, 0);
	add(&after, "f2", "lock-leak", "b.c", "put", 31, 0);   /* other order, other lines */
	add(&after, "f1", "data-race", "a.c", "worker", 17, 0);
	char *x = render(&before), *y = render(&after);
	assert_string_equal(x, y);
	free(x);
	free(y);
	finding_list_free(&before);
	finding_list_free(&after);
}

static void text_round_trips(void **state)
{
	(void)state;
	struct finding_list l = {0};
	struct finding *f = add(&l, "e1", "data-race", "dir with space/\"q\".c", "fn", 1, 0);
	free(f->message);
	f->message = xstrdup("race on 'a->b' \\ \"quoted\"\nsecond line \t tab é");
	free(f->symbol);
	f->symbol = NULL;
	char *text = render(&l);
	assert_non_null(strstr(text, "\"symbol\": null"));
	struct baseline b;
	char *err;
	assert_int_equal(parse(&b, text, &err), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.items[0].message, f->message);
	assert_string_equal(b.items[0].file, "dir with space/\"q\".c");
	assert_null(b.items[0].symbol);
	baseline_free(&b);
	free(text);
	finding_list_free(&l);
}

static void empty_baseline(void **state)
{
	(void)state;
	struct finding_list l = {0};
	char *text = render(&l);
	struct baseline b;
	char *err;
	assert_int_equal(parse(&b, text, &err), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.format, BASELINE_FORMAT);
	baseline_free(&b);
	free(text);
}

/* Members a later version may add are ignored; only the fingerprint is required. */
static void tolerant_of_extra_and_missing_members(void **state)
{
	(void)state;
	struct baseline b;
	char *err;
	assert_int_equal(parse(&b, "{\"tsafe_baseline\": 1, \"owner\": \"team\", \"findings\": "
	                       "[{\"fingerprint\": \"x\", \"rule\": 7, \"note\": \"ok\"}]}", &err), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.items[0].fingerprint, "x");
	assert_null(b.items[0].rule);
	assert_null(b.tool_version);
	baseline_free(&b);
}

static void assert_refused(const char *text, const char *problem)
{
	struct baseline b;
	char *err;
	assert_int_equal(parse(&b, text, &err), -1);
	assert_non_null(err);
	if (!strstr(err, problem))
		fail_msg("for %s\nexpected '%s' in: %s", text, problem, err);
	assert_non_null(strstr(err, "'ci/base.json'"));                          /* the file */
	assert_non_null(strstr(err, "tsafe baseline save -o ci/base.json"));      /* the fix */
	assert_null(strchr(err, '\n'));                                           /* one line */
	assert_int_equal(b.n, 0);
	assert_null(b.items);
	free(err);
}

static void corrupt_files_are_refused(void **state)
{
	(void)state;
	assert_refused("", "is not valid JSON");
	assert_refused("not json at all", "is not valid JSON (line 1)");
	assert_refused("{\n  \"tsafe_baseline\": 1,\n  \"findings\": [\n    {\"fingerprint\": \"a\"\n  ]\n}",
	               "is not valid JSON (line 5)");
	assert_refused("<<<<<<< HEAD\n{}\n", "is not valid JSON");
	assert_refused("{\"tsafe_baseline\": 1, \"findings\": []} trailing",
	               "is not valid JSON (line 1)");
	assert_refused("[]", "expected a JSON object");
	assert_refused("{\"findings\": []}", "no \"tsafe_baseline\" format number");
	assert_refused("{\"tsafe_baseline\": \"1\", \"findings\": []}", "no \"tsafe_baseline\"");
	assert_refused("{\"tsafe_baseline\": 0, \"findings\": []}", "no \"tsafe_baseline\"");
	assert_refused("{\"tsafe_baseline\": 1.5, \"findings\": []}", "no \"tsafe_baseline\"");
	assert_refused("{\"tsafe_baseline\": 1}", "no \"findings\" array");
	assert_refused("{\"tsafe_baseline\": 1, \"findings\": {}}", "no \"findings\" array");
	assert_refused("{\"tsafe_baseline\": 1, \"findings\": [{\"fingerprint\": \"a\"}, "
	               "{\"rule\": \"data-race\"}]}", "finding 2 has no \"fingerprint\" string");
	assert_refused("{\"tsafe_baseline\": 1, \"findings\": [{\"fingerprint\": \"\"}]}",
	               "finding 1 has no \"fingerprint\"");
	assert_refused("{\"tsafe_baseline\": 1, \"findings\": [42]}", "finding 1 has no");
}

static void newer_format_is_refused(void **state)
{
	(void)state;
	struct baseline b;
	char *err;
	assert_int_equal(parse(&b, "{\"tsafe_baseline\": 2, \"findings\": []}", &err), -1);
	assert_non_null(strstr(err, "'ci/base.json' has format 2, newer than the 1"));
	assert_non_null(strstr(err, "upgrade tsafe"));
	assert_null(strchr(err, '\n'));
	free(err);
}

static void missing_file_is_refused(void **state)
{
	(void)state;
	struct baseline b;
	char *err = NULL;
	assert_int_equal(baseline_load(&b, "/nonexistent/base.json", &err), -1);
	assert_non_null(strstr(err, "baseline '/nonexistent/base.json' does not exist"));
	assert_non_null(strstr(err, "tsafe baseline save -o /nonexistent/base.json"));
	free(err);
	assert_int_equal(baseline_load(&b, "/", &err), -1);
	assert_non_null(strstr(err, "baseline '/' is a directory, not a regular file"));
	free(err);
}

/* Files that never end or never answer are refused at once, with one line. */
static void non_regular_files_are_refused(void **state)
{
	(void)state;
	struct baseline b;
	char *err = NULL;
	assert_int_equal(baseline_load(&b, "/dev/zero", &err), -1);
	assert_non_null(strstr(err, "baseline '/dev/zero' is a character device, not a regular file"));
	assert_null(strchr(err, '\n'));
	free(err);
	char dir[] = "/tmp/test_baseline_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *fifo = xasprintf("%s/fifo", dir), *link = xasprintf("%s/zero", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);     /* no writer: reading would block forever */
	assert_int_equal(baseline_load(&b, fifo, &err), -1);
	assert_non_null(strstr(err, "is a FIFO, not a regular file"));
	free(err);
	assert_int_equal(symlink("/dev/zero", link), 0);
	assert_int_equal(baseline_load(&b, link, &err), -1);
	assert_non_null(strstr(err, "is a character device, not a regular file"));
	free(err);
	unlink(fifo);
	unlink(link);
	rmdir(dir);
	free(fifo);
	free(link);
}

static void huge_file_is_refused(void **state)
{
	(void)state;
	char path[] = "/tmp/test_baseline_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 300LL << 20), 0);   /* sparse: costs no disk */
	close(fd);
	struct baseline b;
	char *err = NULL;
	assert_int_equal(baseline_load(&b, path, &err), -1);
	assert_non_null(strstr(err, "is 300.0 MB, more than such a file can be (at most 256.0 MB)"));
	free(err);
	unlink(path);
}

static void load_reads_a_written_file(void **state)
{
	(void)state;
	char path[] = "/tmp/test_baseline_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *out = fdopen(fd, "w");
	struct finding_list l = {0};
	add(&l, "f1", "data-race", "a.c", "worker", 10, 0);
	struct baseline w = {0};
	baseline_add_findings(&w, &l);
	assert_int_equal(baseline_write(out, &w), 0);
	fclose(out);
	struct baseline r;
	char *err = NULL;
	assert_int_equal(baseline_load(&r, path, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.items[0].fingerprint, "f1");
	baseline_free(&r);
	baseline_free(&w);
	finding_list_free(&l);
	unlink(path);
}

static void compare_by_fingerprint(void **state)
{
	(void)state;
	struct finding_list old = {0}, now = {0};
	add(&old, "kept", "data-race", "a.c", "worker", 10, 0);
	add(&old, "gone", "lock-leak", "a.c", "put", 20, 0);
	add(&old, "gone", "lock-leak", "a.c", "put", 20, 0);        /* listed twice: one fix */
	add(&old, "hushed", "data-race", "b.c", "get", 5, 0);
	struct baseline b = {0};
	baseline_add_findings(&b, &old);

	add(&now, "fresh", "double-lock", "c.c", "run", 3, 0);
	add(&now, "kept", "data-race", "a.c", "worker", 55, 0);     /* moved: still the same */
	add(&now, "hushed", "data-race", "b.c", "get", 5, 1);       /* now suppressed */
	add(&now, "quiet", "data-race", "b.c", "get", 8, 1);        /* new but suppressed */
	struct baseline_diff d;
	baseline_compare(&b, &now, &d);
	assert_int_equal(d.nadded, 1);
	assert_string_equal(now.items[d.added[0]].fingerprint, "fresh");
	assert_int_equal(d.unchanged, 1);
	assert_int_equal(d.suppressed, 2);
	assert_int_equal(d.nfixed, 1);
	assert_string_equal(b.items[d.fixed[0]].fingerprint, "gone");
	baseline_diff_free(&d);

	/* Nothing current: everything in the baseline is fixed. */
	struct finding_list none = {0};
	baseline_compare(&b, &none, &d);
	assert_int_equal(d.nadded + d.unchanged + d.suppressed, 0);
	assert_int_equal(d.nfixed, 3);
	baseline_diff_free(&d);

	baseline_free(&b);
	finding_list_free(&old);
	finding_list_free(&now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sorted_one_per_line_without_suppressed),
		cmocka_unit_test(same_file_when_lines_move),
		cmocka_unit_test(text_round_trips),
		cmocka_unit_test(empty_baseline),
		cmocka_unit_test(tolerant_of_extra_and_missing_members),
		cmocka_unit_test(corrupt_files_are_refused),
		cmocka_unit_test(newer_format_is_refused),
		cmocka_unit_test(missing_file_is_refused),
		cmocka_unit_test(non_regular_files_are_refused),
		cmocka_unit_test(huge_file_is_refused),
		cmocka_unit_test(load_reads_a_written_file),
		cmocka_unit_test(compare_by_fingerprint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
