/* test_report.c — the text, JSON and SARIF writers, read back the way a user or a tool would.
 *
 * Run as `test_report --emit-sarif FILE` it writes the fixture's SARIF and exits: the e2e test
 * tests/e2e/test_sarif_schema.sh validates that file against the SARIF 2.1.0 schema.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "common/finding.h"
#include "common/rules.h"
#include "common/util.h"
#include "report/report.h"

#define FIXTURE_ROOT TSAFE_TEST_FIXTURES "/report"

static struct location *add_loc(struct finding *f, const char *file, int line, int col,
                                const char *func, const char *msg)
{
	struct location *l = finding_add_loc(f);
	l->file = xstrdup(file);
	l->line = line;
	l->col = col;
	l->func = xstrdup(func);
	l->message = xstrdup(msg);
	return l;
}

static struct finding *add_finding(struct finding_list *l, const char *rule, const char *sev,
                                   const char *msg, const char *symbol)
{
	struct finding *f = finding_list_add(l);
	f->rule = xstrdup(rule);
	f->severity = xstrdup(sev);
	f->message = xstrdup(msg);
	f->symbol = xstrdup(symbol);
	f->engine = xstrdup("static");
	return f;
}

/* A confirmed race with both stacks, a thread leak, a suppressed call and an engine-specific
 * kind that the catalogue does not know: one of each shape the writers must handle, already
 * in display order (confirmed, then severity, file, line). */
static void make_fixture(struct finding_list *l)
{
	struct finding *f = add_finding(l, "data-race", "error", "data race on 'counter'", "g:counter");
	f->engines = xstrdup("static,helgrind");
	f->confirmed = 1;
	struct location *a = add_loc(f, "corpus/race.c", 12, 3, "worker",
	                             "write of 'counter' holding no locks");
	a->thread = xstrdup("thread 'worker' created at corpus/race.c:20");
	a->locks = xstrdup("");
	finding_add_frame(a, "worker", "corpus/race.c", 12);
	finding_add_frame(a, "start_thread", "/usr/lib/x86_64-linux-gnu/libc.so.6", 0);
	struct location *b = add_loc(f, "corpus/race.c", 22, 14, "main",
	                             "read of 'counter' holding global:m");
	b->thread = xstrdup("main thread");
	b->locks = xstrdup("global:m");
	finding_add_frame(b, "main", "corpus/race.c", 22);

	f = add_finding(l, "thread-leak", "warning", "thread 't' is never joined or detached", "t");
	add_loc(f, "corpus/a.c", 20, 2, "main", "thread created here");

	f = add_finding(l, "mt-unsafe-call", "warning", "call to 'strtok' in a thread", "strtok");
	add_loc(f, "corpus/gone.c", 7, 0, "parse", "strtok keeps its position in a static");
	f->suppressed = 1;
	f->suppress_reason = xstrdup("only called before the threads start");

	f = add_finding(l, "helgrind:Misc", "warning", "pthread_barrier_wait: barrier is unknown",
	                "");
	free(f->engine);
	f->engine = xstrdup("helgrind");
	add_loc(f, "corpus/my dir/b.c", 5, 0, NULL, NULL);

	for (int i = 0; i < l->n; i++)
		finding_fingerprint(&l->items[i], FIXTURE_ROOT);
}

/* Writes the fixture in fmt and returns what was written (caller frees). */
static char *render(enum report_format fmt, int color)
{
	struct finding_list l = {0};
	make_fixture(&l);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct report_opts o = {.root = FIXTURE_ROOT, .color = color, .tool_version = "9.9.9"};
	assert_int_equal(report_write(out, fmt, &l, &o), 0);
	fclose(out);
	finding_list_free(&l);
	return buf;
}

/* Confirmed findings come first in every format, whatever order the list is in. */
static void test_confirmed_first_everywhere(void **state)
{
	(void)state;
	static const enum report_format fmts[] = {FMT_TEXT, FMT_JSON, FMT_SARIF, FMT_JUNIT, FMT_HTML};
	for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
		struct finding_list l = {0};
		struct finding *f = add_finding(&l, "data-race", "error", "race seen by one engine", "g:a");
		add_loc(f, "corpus/a.c", 1, 1, "f", "write");
		f = add_finding(&l, "data-race", "error", "race seen by two engines", "g:z");
		add_loc(f, "corpus/z.c", 99, 1, "g", "write");
		f->confirmed = 1;
		f->engines = xstrdup("static,helgrind");
		for (int i = 0; i < l.n; i++)
			finding_fingerprint(&l.items[i], FIXTURE_ROOT);
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		struct report_opts o = {.root = FIXTURE_ROOT, .tool_version = "9.9.9"};
		assert_int_equal(report_write(out, fmts[k], &l, &o), 0);
		fclose(out);
		const char *two = strstr(buf, "race seen by two engines");
		const char *one = strstr(buf, "race seen by one engine");
		assert_non_null(two);
		assert_non_null(one);
		assert_true(two < one);
		assert_string_equal(l.items[0].message, "race seen by one engine");   /* untouched */
		free(buf);
		finding_list_free(&l);
	}
}

static void test_format_names(void **state)
{
	(void)state;
	assert_int_equal(report_format_from_name("text"), FMT_TEXT);
	assert_int_equal(report_format_from_name("json"), FMT_JSON);
	assert_int_equal(report_format_from_name("sarif"), FMT_SARIF);
	assert_int_equal(report_format_from_name("xml"), -1);
	assert_int_equal(report_format_from_name(NULL), -1);
}

static void test_text_exact(void **state)
{
	(void)state;
	char *got = render(FMT_TEXT, 0);
	const char *want =
		"corpus/race.c:12:3: error: data race on 'counter' [data-race]\n"
		"  write of 'counter' holding no locks\n"
		"  in thread 'worker' created at corpus/race.c:20\n"
		"  locks held: none\n"
		"    #0 worker corpus/race.c:12\n"
		"    #1 start_thread /usr/lib/x86_64-linux-gnu/libc.so.6\n"
		"corpus/race.c:22:14: note: read of 'counter' holding global:m\n"
		"  in main thread\n"
		"  locks held: global:m\n"
		"    #0 main corpus/race.c:22\n"
		"  seen by: static, helgrind (confirmed)\n"
		"\n"
		"corpus/a.c:20:2: warning: thread 't' is never joined or detached [thread-leak]\n"
		"  thread created here\n"
		"\n"
		"corpus/my dir/b.c:5: warning: pthread_barrier_wait: barrier is unknown [helgrind:Misc]\n"
		"\n"
		"3 findings (1 error, 2 warnings), 1 suppressed\n";
	assert_string_equal(got, want);
	free(got);
}

static void test_text_color_only_when_asked(void **state)
{
	(void)state;
	char *plain = render(FMT_TEXT, 0);
	char *color = render(FMT_TEXT, 1);
	assert_null(strchr(plain, '\033'));
	assert_non_null(strstr(color, "\033[1;31merror:"));
	assert_non_null(strstr(color, "\033[1;35mwarning:"));
	assert_non_null(strstr(color, "\033[1;36mnote:"));
	free(plain);
	free(color);
}

static void test_text_empty(void **state)
{
	(void)state;
	struct finding_list l = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct report_opts o = {.root = "."};
	assert_int_equal(report_write(out, FMT_TEXT, &l, &o), 0);
	fclose(out);
	assert_string_equal(buf, "no findings\n");
	free(buf);
}

static cJSON *render_json(enum report_format fmt)
{
	char *s = render(fmt, 0);
	cJSON *root = cJSON_Parse(s);
	free(s);
	assert_non_null(root);
	return root;
}

static const char *str_at(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	assert_true(cJSON_IsString(it));
	return it->valuestring;
}

static const cJSON *at(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	assert_non_null(it);
	return it;
}

static void test_json_fields(void **state)
{
	(void)state;
	cJSON *root = render_json(FMT_JSON);
	assert_string_equal(str_at(root, "version"), "9.9.9");
	const cJSON *fs = at(root, "findings");
	assert_int_equal(cJSON_GetArraySize(fs), 4);   /* suppressed ones are kept */

	const cJSON *race = cJSON_GetArrayItem(fs, 0);
	assert_string_equal(str_at(race, "rule"), "data-race");
	assert_string_equal(str_at(race, "severity"), "error");
	assert_string_equal(str_at(race, "symbol"), "g:counter");
	assert_int_equal(strlen(str_at(race, "fingerprint")), 32);
	assert_true(cJSON_IsTrue(at(race, "confirmed")));
	assert_true(cJSON_IsFalse(at(race, "suppressed")));
	const cJSON *engines = at(race, "engines");
	assert_int_equal(cJSON_GetArraySize(engines), 2);
	assert_string_equal(cJSON_GetArrayItem(engines, 1)->valuestring, "helgrind");

	const cJSON *locs = at(race, "locations");
	assert_int_equal(cJSON_GetArraySize(locs), 2);
	const cJSON *b = cJSON_GetArrayItem(locs, 1);
	assert_string_equal(str_at(b, "file"), "corpus/race.c");
	assert_int_equal(at(b, "line")->valueint, 22);
	assert_int_equal(at(b, "col")->valueint, 14);
	assert_string_equal(str_at(b, "function"), "main");
	assert_string_equal(str_at(b, "thread"), "main thread");
	assert_string_equal(cJSON_GetArrayItem(at(b, "locks"), 0)->valuestring, "global:m");
	const cJSON *a = cJSON_GetArrayItem(locs, 0);
	assert_int_equal(cJSON_GetArraySize(at(a, "locks")), 0);           /* none held */
	const cJSON *frame = cJSON_GetArrayItem(at(a, "stack"), 0);
	assert_string_equal(str_at(frame, "function"), "worker");
	assert_int_equal(at(frame, "line")->valueint, 12);

	const cJSON *leak = cJSON_GetArrayItem(fs, 1);
	assert_true(cJSON_IsNull(at(cJSON_GetArrayItem(at(leak, "locations"), 0), "locks")));
	const cJSON *sup = cJSON_GetArrayItem(fs, 2);
	assert_true(cJSON_IsTrue(at(sup, "suppressed")));
	assert_string_equal(str_at(sup, "suppress_reason"), "only called before the threads start");
	cJSON_Delete(root);
}

static const cJSON *sarif_run(const cJSON *root)
{
	assert_string_equal(str_at(root, "version"), "2.1.0");
	const cJSON *runs = at(root, "runs");
	assert_int_equal(cJSON_GetArraySize(runs), 1);
	return cJSON_GetArrayItem(runs, 0);
}

static const cJSON *region_of(const cJSON *loc)
{
	return at(at(loc, "physicalLocation"), "region");
}

static void test_sarif_driver_rules(void **state)
{
	(void)state;
	cJSON *root = render_json(FMT_SARIF);
	const cJSON *run = sarif_run(root);
	const cJSON *drv = at(at(run, "tool"), "driver");
	assert_string_equal(str_at(drv, "name"), "tsafe");
	assert_string_equal(str_at(drv, "version"), "9.9.9");
	const cJSON *rules = at(drv, "rules");
	/* the catalogue's rules, then the unknown engine kind */
	int ncatalogue;
	rules_all(&ncatalogue);
	assert_int_equal(cJSON_GetArraySize(rules), ncatalogue + 1);
	const cJSON *race = NULL;
	const cJSON *r;
	cJSON_ArrayForEach(r, rules) {
		if (strcmp(str_at(r, "id"), "data-race") == 0)
			race = r;
		assert_true(strlen(str_at(at(r, "shortDescription"), "text")) > 0);
	}
	assert_non_null(race);
	assert_string_equal(str_at(race, "name"), "DataRace");
	assert_string_equal(str_at(at(race, "defaultConfiguration"), "level"), "error");
	assert_non_null(strstr(str_at(at(race, "help"), "markdown"), "CWE-362"));
	int cwe = 0;
	const cJSON *tag;
	cJSON_ArrayForEach(tag, at(at(race, "properties"), "tags"))
		cwe |= strcmp(tag->valuestring, "external/cwe/cwe-362") == 0;
	assert_true(cwe);
	assert_string_equal(str_at(at(run, "automationDetails"), "id"), "tsafe/");
	const char *base = str_at(at(at(run, "originalUriBaseIds"), "%SRCROOT%"), "uri");
	assert_true(str_starts(base, "file:///"));
	assert_non_null(strstr(base, "/fixtures/report/"));
	cJSON_Delete(root);
}

static void test_sarif_race_result(void **state)
{
	(void)state;
	cJSON *root = render_json(FMT_SARIF);
	const cJSON *run = sarif_run(root);
	const cJSON *results = at(run, "results");
	assert_int_equal(cJSON_GetArraySize(results), 4);
	const cJSON *res = cJSON_GetArrayItem(results, 0);
	assert_string_equal(str_at(res, "ruleId"), "data-race");
	assert_string_equal(str_at(res, "level"), "error");
	/* a finding several engines saw says which, as text's "seen by:" line does */
	assert_string_equal(str_at(at(res, "message"), "text"),
	                    "data race on 'counter' (seen by static, helgrind; confirmed)");
	int idx = at(res, "ruleIndex")->valueint;
	const cJSON *rule = cJSON_GetArrayItem(at(at(at(run, "tool"), "driver"), "rules"), idx);
	assert_string_equal(str_at(rule, "id"), "data-race");

	const cJSON *loc = cJSON_GetArrayItem(at(res, "locations"), 0);
	const cJSON *art = at(at(loc, "physicalLocation"), "artifactLocation");
	assert_string_equal(str_at(art, "uri"), "corpus/race.c");
	assert_string_equal(str_at(art, "uriBaseId"), "%SRCROOT%");
	assert_int_equal(at(region_of(loc), "startLine")->valueint, 12);
	assert_int_equal(at(region_of(loc), "startColumn")->valueint, 3);
	/* the source line travels with the result, for viewers without the checkout */
	assert_string_equal(str_at(at(region_of(loc), "snippet"), "text"), "\t\tcounter++;");

	const cJSON *rel = at(res, "relatedLocations");
	assert_int_equal(cJSON_GetArraySize(rel), 1);
	assert_int_equal(at(region_of(cJSON_GetArrayItem(rel, 0)), "startLine")->valueint, 22);

	/* one threadFlow per side, each ending at its access */
	const cJSON *tfs = at(cJSON_GetArrayItem(at(res, "codeFlows"), 0), "threadFlows");
	assert_int_equal(cJSON_GetArraySize(tfs), 2);
	const cJSON *steps = at(cJSON_GetArrayItem(tfs, 0), "locations");
	assert_int_equal(cJSON_GetArraySize(steps), 2);
	const cJSON *last = at(cJSON_GetArrayItem(steps, 1), "location");
	assert_int_equal(at(region_of(last), "startLine")->valueint, 12);

	const cJSON *fp = at(at(res, "partialFingerprints"), "tsafe/v1");
	assert_int_equal(strlen(fp->valuestring), 32);
	assert_true(cJSON_IsTrue(at(at(res, "properties"), "confirmed")));
	assert_null(cJSON_GetObjectItem(res, "suppressions"));
	cJSON_Delete(root);
}

static void test_sarif_other_results(void **state)
{
	(void)state;
	cJSON *root = render_json(FMT_SARIF);
	const cJSON *results = at(sarif_run(root), "results");
	const cJSON *leak = cJSON_GetArrayItem(results, 1);
	assert_string_equal(str_at(leak, "level"), "warning");
	/* one engine: the message is the finding's own (properties.engines names it) */
	assert_string_equal(str_at(at(leak, "message"), "text"),
	                    "thread 't' is never joined or detached");
	assert_null(cJSON_GetObjectItem(leak, "relatedLocations"));
	assert_null(cJSON_GetObjectItem(leak, "codeFlows"));

	const cJSON *sup = cJSON_GetArrayItem(results, 2);
	const cJSON *s = cJSON_GetArrayItem(at(sup, "suppressions"), 0);
	assert_string_equal(str_at(s, "kind"), "external");
	assert_string_equal(str_at(s, "justification"), "only called before the threads start");
	/* column unknown: no startColumn rather than 0 */
	const cJSON *loc = cJSON_GetArrayItem(at(sup, "locations"), 0);
	assert_null(cJSON_GetObjectItem(region_of(loc), "startColumn"));
	assert_null(cJSON_GetObjectItem(region_of(loc), "snippet"));       /* no such file */

	const cJSON *misc = cJSON_GetArrayItem(results, 3);
	assert_string_equal(str_at(misc, "ruleId"), "helgrind:Misc");
	int ncatalogue;
	rules_all(&ncatalogue);
	assert_int_equal(at(misc, "ruleIndex")->valueint, ncatalogue);   /* after the catalogue */
	loc = cJSON_GetArrayItem(at(misc, "locations"), 0);
	const cJSON *art = at(at(loc, "physicalLocation"), "artifactLocation");
	assert_string_equal(str_at(art, "uri"), "corpus/my%20dir/b.c");
	cJSON_Delete(root);
}

static void test_write_error_reported(void **state)
{
	(void)state;
	FILE *full = fopen("/dev/full", "w");
	if (!full)
		skip();
	struct finding_list l = {0};
	make_fixture(&l);
	struct report_opts o = {.root = FIXTURE_ROOT};
	assert_int_equal(report_write(full, FMT_JSON, &l, &o), -1);
	fclose(full);
	finding_list_free(&l);
}

static int emit_sarif(const char *path)
{
	struct finding_list l = {0};
	make_fixture(&l);
	FILE *out = fopen(path, "w");
	if (!out) {
		perror(path);
		return 1;
	}
	struct report_opts o = {.root = FIXTURE_ROOT};
	int rc = report_write(out, FMT_SARIF, &l, &o);
	rc |= fclose(out);
	finding_list_free(&l);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--emit-sarif") == 0)
		return emit_sarif(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_confirmed_first_everywhere),
		cmocka_unit_test(test_text_exact),
		cmocka_unit_test(test_text_color_only_when_asked),
		cmocka_unit_test(test_text_empty),
		cmocka_unit_test(test_json_fields),
		cmocka_unit_test(test_sarif_driver_rules),
		cmocka_unit_test(test_sarif_race_result),
		cmocka_unit_test(test_sarif_other_results),
		cmocka_unit_test(test_write_error_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
