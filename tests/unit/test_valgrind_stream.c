/* test_valgrind_stream.c — Valgrind's XML read as a stream (src/valgrind/vgxml.c,
 * vgingest.c): a FIFO or a device in the output directory is refused at once with one line
 * naming it, a file is read in chunks (an error split across chunk boundaries is whole),
 * repeats of one error become one finding as they are read, and what one error may hold is
 * bounded (frames per stack, text per element), as are the threads announced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rules.h"
#include "common/util.h"
#include "valgrind/internal.h"

#define FRAME(fn, line) \
	"<frame><ip>0x1</ip><obj>/p/prog</obj><fn>" fn "</fn><dir>/p</dir><file>r.c</file><line>" \
	#line "</line></frame>"

static const char head[] =
	"<?xml version=\"1.0\"?>\n<valgrindoutput><protocolversion>4</protocolversion>"
	"<protocoltool>helgrind</protocoltool>";
static const char tail[] = "</valgrindoutput>\n";

static char dir[64];

static int setup(void **state)
{
	(void)state;
	char *err = NULL;
	snprintf(dir, sizeof dir, "/tmp/tsafe-vgstream-XXXXXX");
	return !mkdtemp(dir) || rules_load(&err);
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);
	free(cmd);
	return rc;
}

static char *fresh(const char *name)
{
	char *d = xasprintf("%s/%s", dir, name);
	assert_int_equal(mkdir(d, 0700), 0);
	return d;
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int ingest(const char *d, struct finding_list *l, struct vg_summary *sum, char **err)
{
	struct vg_opts o = {.tool = "helgrind", .root = "/p"};
	memset(sum, 0, sizeof *sum);
	*err = NULL;
	return vg_ingest(d, &o, l, sum, err);
}

static void test_fifo_and_device_are_refused(void **state)
{
	(void)state;
	char *d = fresh("special");
	char *fifo = xasprintf("%s/vg.1.xml", d), *zero = xasprintf("%s/vg.2.xml", d);
	assert_int_equal(mkfifo(fifo, 0600), 0);    /* no writer: opening it would block */
	struct finding_list l = {0};
	struct vg_summary sum;
	char *err;
	assert_int_equal(ingest(d, &l, &sum, &err), -1);
	assert_non_null(strstr(err, "vg.1.xml' is a FIFO, not a regular file"));
	assert_null(strchr(err, '\n'));
	free(err);
	unlink(fifo);
	assert_int_equal(symlink("/dev/zero", zero), 0);     /* would never end */
	assert_int_equal(ingest(d, &l, &sum, &err), -1);
	assert_non_null(strstr(err, "vg.2.xml' is a character device, not a regular file"));
	free(err);
	assert_int_equal(l.n, 0);
	free(fifo);
	free(zero);
	free(d);
}

static const char race[] =
	"<error><unique>0x0</unique><tid>2</tid><kind>Race</kind>"
	"<xwhat><text>Possible data race during write of size 4 at 0x10C098 by thread #2</text>"
	"<hthreadid>2</hthreadid></xwhat><stack>" FRAME("worker", 10) "</stack>"
	"<xauxwhat><text>This conflicts with a previous write of size 4 by thread #3</text>"
	"<hthreadid>3</hthreadid></xauxwhat><stack>" FRAME("worker", 10) "</stack>"
	"<auxwhat>Address 0x10c098 is 0 bytes inside data symbol \"counter\"</auxwhat></error>\n";

/* A file of many chunks whose errors are all one race: read whole, kept once. */
static void test_repeats_across_chunks_are_one_finding(void **state)
{
	(void)state;
	char *d = fresh("repeats");
	char *path = xasprintf("%s/vg.7.xml", d);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(head, fp);
	int n = 0;
	for (size_t bytes = 0; bytes < (1u << 20); bytes += strlen(race), n++)
		fputs(race, fp);      /* 1 MB: sixteen 64 KB chunks, errors cut across them */
	fputs(tail, fp);
	fclose(fp);
	struct finding_list l = {0};
	struct vg_summary sum;
	char *err;
	assert_int_equal(ingest(d, &l, &sum, &err), 0);
	assert_int_equal(sum.errors, n);
	assert_int_equal(sum.processes, 1);
	assert_int_equal(sum.truncated, 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].rule, "data-race");
	finding_list_free(&l);
	free(path);
	free(d);
}

/* One error with more frames and text than any real one: kept, within bounds. */
static void test_one_error_is_bounded(void **state)
{
	(void)state;
	struct strbuf sb;
	sb_init(&sb);
	sb_add(&sb, head);
	sb_add(&sb, "<error><kind>Race</kind><what>");
	for (int i = 0; i < 200000; i++)
		sb_add(&sb, "long text ");          /* 2 MB of text in one element */
	sb_add(&sb, "</what><stack>");
	for (int i = 0; i < 5000; i++)
		sb_add(&sb, FRAME("deep", 7));
	sb_add(&sb, "</stack></error>");
	sb_add(&sb, tail);
	struct vg_doc doc;
	vg_parse(sb.buf, sb.len, &doc);
	assert_int_equal(doc.nerrors, 1);
	const struct vg_note *what = &doc.errors[0].notes[0];
	assert_true(strlen(what->text) <= 64 * 1024);
	assert_true(str_starts(what->text, "long text long text"));
	assert_int_equal(what->stack.n, 256);
	assert_int_equal(what->stack.frames[255].line, 7);
	vg_doc_free(&doc);
	sb_free(&sb);
}

/* Thread announcements without end (a thread bomb under Valgrind): the first 65,536 are
 * kept, the rest named by number only. */
static void test_thread_announcements_are_bounded(void **state)
{
	(void)state;
	struct strbuf sb;
	sb_init(&sb);
	sb_add(&sb, head);
	for (int i = 1; i <= 70000; i++)
		sb_addf(&sb, "<announcethread><hthreadid>%d</hthreadid><stack>" FRAME("main", 9)
		        "</stack></announcethread>", i);
	sb_add(&sb, tail);
	struct vg_doc doc;
	vg_parse(sb.buf, sb.len, &doc);
	assert_int_equal(doc.nthreads, 1 << 16);
	assert_int_equal(doc.threads[(1 << 16) - 1].id, 1 << 16);
	vg_doc_free(&doc);
	sb_free(&sb);
}

/* A file cut short keeps what came before the cut, read the same way as a whole one. */
static void test_cut_file_keeps_complete_errors(void **state)
{
	(void)state;
	char *d = fresh("cut");
	char *path = xasprintf("%s/vg.9.xml", d);
	char *text = xasprintf("%s%s%.40s", head, race, race);
	write_text(path, text);
	struct finding_list l = {0};
	struct vg_summary sum;
	char *err;
	assert_int_equal(ingest(d, &l, &sum, &err), 0);
	assert_int_equal(sum.errors, 1);
	assert_int_equal(sum.truncated, 1);
	assert_int_equal(l.n, 1);
	finding_list_free(&l);
	free(text);
	free(path);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_and_device_are_refused),
		cmocka_unit_test(test_repeats_across_chunks_are_one_finding),
		cmocka_unit_test(test_one_error_is_bounded),
		cmocka_unit_test(test_thread_announcements_are_bounded),
		cmocka_unit_test(test_cut_file_keeps_complete_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
