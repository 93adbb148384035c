/* test_report_html.c — the HTML report read as a user would: nothing from the database can
 * inject markup, each location shows its source lines with its own line marked, the
 * filters list every rule, severity and file with their counts, suppressed findings are
 * kept but hidden, and the graph (or why there is none) is on the page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/finding.h"
#include "common/util.h"
#include "report/report.h"

static char root[64];
static struct finding_list list;

static int setup(void **state)
{
	(void)state;
	memset(&list, 0, sizeof list);
	snprintf(root, sizeof root, "/tmp/tsafe-html-XXXXXX");
	assert_non_null(mkdtemp(root));
	char *path = xasprintf("%s/bank.c", root);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 1; i <= 10; i++)
		fprintf(f, i == 5 ? "\tif (a < b && c) /* line %d */\n" : "int line_%d;\n", i);
	fclose(f);
	free(path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	finding_list_free(&list);
	char *path = xasprintf("%s/bank.c", root);
	unlink(path);
	free(path);
	rmdir(root);
	return 0;
}

static struct finding *add(const char *rule, const char *sev, const char *msg, const char *file,
                           int line)
{
	struct finding *f = finding_list_add(&list);
	f->rule = xstrdup(rule);
	f->severity = xstrdup(sev);
	f->message = xstrdup(msg);
	f->engine = xstrdup("static");
	struct location *l = finding_add_loc(f);
	l->file = xstrdup(file);
	l->line = line;
	l->func = xstrdup("transfer");
	l->message = xstrdup(msg);
	return f;
}

static char *render(const char *svg, const char *note)
{
	/* The stream's buffer pointer lives on the heap: GCC 12 (-O2 and up) takes a pointer
	 * to a local one, filled in by fclose, for a dangling one. */
	char **buf = xcalloc(1, sizeof *buf);
	size_t len = 0;
	FILE *out = open_memstream(buf, &len);
	struct report_opts o = {.root = root, .tool_version = "9.9.9", .graph_svg = svg, .graph_note = note};
	assert_int_equal(report_write(out, FMT_HTML, &list, &o), 0);
	fclose(out);
	char *page = *buf;
	free(buf);
	return page;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_format_name(void **state)
{
	(void)state;
	assert_int_equal(report_format_from_name("html"), FMT_HTML);
}

static void test_database_text_cannot_inject_markup(void **state)
{
	(void)state;
	struct finding *f = add("data-race", "error", "race on <script>alert(\"x\")</script> & 'q'",
	                        "src/<b>\"q\".c", 3);
	struct location *l = &f->locs[0];
	l->thread = xstrdup("thread '<i>w</i>' created at a.c:1");
	l->locks = xstrdup("global:<m>");
	finding_add_frame(l, "<img src=x onerror=alert(1)>", "a.c", 2);
	f->suppressed = 1;
	f->suppress_reason = xstrdup("</article><b>reason");
	f->engines = xstrdup("static,<drd>");
	free(f->fingerprint);
	f->fingerprint = xstrdup("ab\xff");                 /* broken UTF-8 */
	char *html = render(NULL, "no <svg> today");
	assert_int_equal(count(html, "<script>"), 1);     /* the page's own */
	assert_null(strstr(html, "<b>"));
	assert_null(strstr(html, "<i>"));
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "<m>"));
	assert_null(strstr(html, "<drd>"));
	assert_int_equal(count(html, "</article>"), 1);
	assert_non_null(strstr(html, "race on &lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; 'q'"));
	assert_non_null(strstr(html, "data-file=\"src/&lt;b&gt;&quot;q&quot;.c\""));
	assert_non_null(strstr(html, "ab\xef\xbf\xbd"));     /* U+FFFD */
	assert_non_null(strstr(html, "no &lt;svg&gt; today"));
	free(html);
}

static void test_snippet_marks_the_line(void **state)
{
	(void)state;
	struct finding *f = add("data-race", "error", "data race on 'a'", "bank.c", 5);
	struct location *other = finding_add_loc(f);
	other->file = xstrdup("bank.c");
	other->line = 1;
	other->message = xstrdup("read of 'a'");
	other = finding_add_loc(f);
	other->file = xstrdup("gone.c");
	other->line = 3;
	char *html = render(NULL, NULL);
	assert_non_null(strstr(html, "<span class=\"line hit\"><span class=\"ln\">5</span>\tif (a &lt; b &amp;&amp; c) /* line 5 */</span>"));
	for (int n = 3; n <= 7; n++) {
		char *ln = xasprintf("<span class=\"ln\">%d</span>int line_%d;", n, n);
		assert_true(n == 5 || strstr(html, ln));
		free(ln);
	}
	assert_null(strstr(html, "<span class=\"ln\">8</span>"));
	/* The related location at line 1 shows lines 1 to 3, line 1 marked. */
	assert_non_null(strstr(html, "<span class=\"line hit\"><span class=\"ln\">1</span>int line_1;</span>"));
	assert_int_equal(count(html, "<span class=\"ln\">2</span>"), 1);
	assert_int_equal(count(html, "class=\"line hit\""), 2);
	assert_non_null(strstr(html, "source not available"));
	free(html);
}

static void test_filters_count_each_value(void **state)
{
	(void)state;
	add("data-race", "error", "race 1", "a.c", 1);
	add("data-race", "error", "race 2", "b.c", 1);
	add("lock-leak", "warning", "leak", "a.c", 2);
	add("mt-unsafe-call", "warning", "strtok", "c.c", 3)->suppressed = 1;
	char *html = render(NULL, NULL);
	assert_non_null(strstr(html, "<label data-value=\"data-race\"><input type=\"checkbox\" checked value=\"data-race\"> <span class=\"value\">data-race</span> <span class=\"count\">2</span>"));
	assert_non_null(strstr(html, "<span class=\"value\">lock-leak</span> <span class=\"count\">1</span>"));
	assert_non_null(strstr(html, "<span class=\"value\">mt-unsafe-call</span> <span class=\"count\">0</span>"));
	assert_non_null(strstr(html, "<span class=\"value\">a.c</span> <span class=\"count\">2</span>"));
	/* Severities from the worst. */
	const char *err = strstr(html, "data-value=\"error\""), *warn = strstr(html, "data-value=\"warning\"");
	assert_true(err && warn && err < warn);
	assert_int_equal(count(html, "<article class=\"finding\""), 4);
	assert_int_equal(count(html, "data-suppressed=\"1\" hidden>"), 1);
	assert_non_null(strstr(html, "showing <span id=\"shown-count\">3</span> of 4"));
	assert_non_null(strstr(html, "3 findings (2 errors, 1 warning, 0 notes), 1 suppressed"));
	free(html);
}

static void test_both_stacks_and_engines(void **state)
{
	(void)state;
	struct finding *f = add("data-race", "error", "data race on 'a'", "bank.c", 5);
	f->engines = xstrdup("static,runtime");
	f->confirmed = 1;
	f->times_seen = 3;
	f->first_run = 2;
	f->last_run = 7;
	finding_add_frame(&f->locs[0], "deposit", "bank.c", 5);
	finding_add_frame(&f->locs[0], "worker", "bank.c", 9);
	struct location *b = finding_add_loc(f);
	b->file = xstrdup("bank.c");
	b->line = 2;
	b->thread = xstrdup("main thread");
	b->locks = xstrdup("");
	finding_add_frame(b, "main", "bank.c", 2);
	char *html = render(NULL, NULL);
	assert_non_null(strstr(html, "<li><code>deposit</code> <span class=\"file\">bank.c:5</span></li>\n"
	                             "<li><code>worker</code> <span class=\"file\">bank.c:9</span></li>"));
	assert_non_null(strstr(html, "<li><code>main</code> <span class=\"file\">bank.c:2</span></li>"));
	assert_non_null(strstr(html, "<p class=\"thread\">in main thread</p>"));
	assert_non_null(strstr(html, "<p class=\"locks\">locks held: none</p>"));
	assert_non_null(strstr(html, "seen by <span class=\"engines\">static,runtime</span> "
	                             "<span class=\"confirmed\">confirmed</span> · in 3 runs (first run 2, last run 7)"));
	free(html);
}

static void test_graph_is_inline_or_explained(void **state)
{
	(void)state;
	add("lock-order-inversion", "error", "lock-order inversion", "bank.c", 5);
	char *html = render("<svg id=\"lock-graph\"><g class=\"edge cycle\"></g></svg>", "unused");
	const char *section = strstr(html, "<section id=\"graph\">");
	assert_non_null(section);
	assert_non_null(strstr(section, "<svg id=\"lock-graph\"><g class=\"edge cycle\"></g></svg>"));
	assert_null(strstr(html, "unused"));
	free(html);
	html = render(NULL, NULL);
	assert_non_null(strstr(html, "<p class=\"unavailable\">"));
	assert_null(strstr(html, "<svg"));
	free(html);
}

/* Nothing is fetched: no URL outside the XML namespaces the page never loads. */
static void test_page_is_self_contained(void **state)
{
	(void)state;
	add("data-race", "error", "data race on 'a'", "bank.c", 5);
	char *html = render(NULL, NULL);
	assert_null(strstr(html, "http:"));
	assert_null(strstr(html, "https:"));
	assert_null(strstr(html, " src="));
	assert_non_null(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'"));
	assert_non_null(strstr(html, "</html>\n"));
	free(html);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_format_name),
		T(test_database_text_cannot_inject_markup),
		T(test_snippet_marks_the_line),
		T(test_filters_count_each_value),
		T(test_both_stacks_and_engines),
		T(test_graph_is_inline_or_explained),
		T(test_page_is_self_contained),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
