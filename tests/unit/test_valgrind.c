/* test_valgrind.c — reading Valgrind's XML (src/valgrind): a Helgrind race becomes a
 * data-race with both accesses, their threads and no address in its identity; a file cut
 * short keeps its complete errors; garbage gives nothing; a kind with no mapping keeps the
 * tool's name; a race matching a known one takes its identity (DRD's one side gains the
 * other). The XML is Valgrind 3.19's, trimmed to the elements tsafe reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/rules.h"
#include "common/util.h"
#include "valgrind/internal.h"

#define FRAME(fn, dir, file, line) \
	"<frame><ip>0x1</ip><obj>/p/prog</obj><fn>" fn "</fn><dir>" dir "</dir><file>" file \
	"</file><line>" #line "</line></frame>"
#define LIBC_FRAME(fn) \
	"<frame><ip>0x2</ip><obj>/usr/lib/x86_64-linux-gnu/libc.so.6</obj><fn>" fn "</fn>" \
	"<dir>./nptl</dir><file>pthread_create.c</file><line>442</line></frame>"
#define PRELOAD_FRAME "<frame><ip>0x3</ip><obj>/usr/libexec/valgrind/vgpreload_helgrind-amd64-linux.so</obj></frame>"

static const char head[] =
	"<?xml version=\"1.0\"?>\n<valgrindoutput><protocolversion>4</protocolversion>"
	"<protocoltool>helgrind</protocoltool>"
	"<announcethread><hthreadid>2</hthreadid><stack>" LIBC_FRAME("clone") PRELOAD_FRAME
	FRAME("main", "/proj/src", "r.c", 55) "</stack></announcethread>"
	"<announcethread><hthreadid>3</hthreadid><stack>" LIBC_FRAME("clone") PRELOAD_FRAME
	FRAME("main", "/proj/src", "r.c", 57) "</stack></announcethread>";
static const char race[] =
	"<error><unique>0x0</unique><tid>2</tid><kind>Race</kind>"
	"<xwhat><text>Possible data race during read of size 8 at 0x10C098 by thread #3</text>"
	"<hthreadid>3</hthreadid></xwhat>"
	"<stack>" FRAME("reader", "/proj/src", "r.c", 39) PRELOAD_FRAME LIBC_FRAME("start_thread") "</stack>"
	"<xauxwhat><text>This conflicts with a previous write of size 8 by thread #2</text>"
	"<hthreadid>2</hthreadid></xauxwhat>"
	"<stack>" FRAME("updater", "/proj/src", "r.c", 27) LIBC_FRAME("start_thread") "</stack>"
	"<auxwhat>Address 0x10c098 is 56 bytes inside data symbol \"prof\"</auxwhat></error>";
static const char dubious[] =
	"<error><unique>0x1</unique><tid>1</tid><kind>Dubious</kind>"
	"<xwhat><text>Thread #1: pthread_cond_signal: dubious: associated lock is not held by any thread</text>"
	"<hthreadid>1</hthreadid></xwhat>"
	"<stack>" FRAME("main", "/proj/src", "r.c", 70) "</stack></error>";
static const char tail[] = "<status><state>FINISHED</state></status></valgrindoutput>\n";

static struct vg_opts opts = {.tool = "helgrind", .root = "/proj"};

static int setup(void **state)
{
	(void)state;
	char *err = NULL;
	if (rules_load(&err))
		fail_msg("%s", err);
	return 0;
}

static void parse_findings(const char *xml, struct vg_doc *doc, struct finding_list *l)
{
	vg_parse(xml, strlen(xml), doc);
	vg_findings(doc, &opts, l);
	for (int i = 0; i < l->n; i++)
		finding_fingerprint(&l->items[i], "/nonexistent");
}

static void test_race_has_both_sides(void **state)
{
	(void)state;
	char *xml = xasprintf("%s%s%s", head, race, tail);
	struct vg_doc doc;
	struct finding_list l = {0};
	parse_findings(xml, &doc, &l);
	assert_true(doc.complete);
	assert_int_equal(doc.nthreads, 2);
	assert_int_equal(l.n, 1);
	struct finding *f = &l.items[0];
	assert_string_equal(f->rule, "data-race");
	assert_string_equal(f->engine, "helgrind");
	assert_string_equal(f->symbol, "prof");
	assert_int_equal(f->nlocs, 2);
	assert_string_equal(f->locs[0].file, "src/r.c");
	assert_int_equal(f->locs[0].line, 39);
	assert_string_equal(f->locs[0].func, "reader");
	assert_string_equal(f->locs[0].thread, "thread #3 created at src/r.c:57");
	assert_string_equal(f->locs[0].message, "read of 'prof'");
	assert_int_equal(f->locs[1].line, 27);
	assert_string_equal(f->locs[1].message, "write of 'prof'");
	/* The thread start-up plumbing is not part of the stack shown. */
	assert_int_equal(f->locs[0].nstack, 1);
	finding_list_free(&l);
	vg_doc_free(&doc);
	free(xml);
}

static void test_cut_short_keeps_complete_errors(void **state)
{
	(void)state;
	char *xml = xasprintf("%s%s%s", head, race, dubious);
	xml[strlen(head) + strlen(race) + strlen(dubious) / 2] = '\0';   /* killed mid-error */
	struct vg_doc doc;
	struct finding_list l = {0};
	parse_findings(xml, &doc, &l);
	assert_false(doc.complete);
	assert_int_equal(doc.nerrors, 1);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].rule, "data-race");
	finding_list_free(&l);
	vg_doc_free(&doc);
	free(xml);

	const char garbage[] = "not <xml at all";
	parse_findings(garbage, &doc, &l);
	assert_true(doc.malformed);
	assert_int_equal(l.n, 0);
	vg_doc_free(&doc);
}

static void test_unknown_kind_is_kept(void **state)
{
	(void)state;
	char *xml = xasprintf("%s%s%s", head, dubious, tail);
	struct vg_doc doc;
	struct finding_list l = {0};
	parse_findings(xml, &doc, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].rule, "helgrind:Dubious");
	assert_int_equal(l.items[0].locs[0].line, 70);
	assert_null(strstr(l.items[0].message, "0x"));
	assert_string_equal(l.items[0].locs[0].thread, "main thread");
	finding_list_free(&l);
	vg_doc_free(&doc);
	free(xml);
}

static void add_side(struct finding *f, const char *func, int line)
{
	struct location *loc = finding_add_loc(f);
	loc->file = xstrdup("src/r.c");
	loc->func = xstrdup(func);
	loc->line = line;
	loc->message = xstrdup("access");
}

static void test_confirm_takes_known_identity(void **state)
{
	(void)state;
	struct finding_list known = {0}, l = {0};
	struct finding *k = finding_list_add(&known);
	k->rule = xstrdup("data-race");
	k->symbol = xstrdup("s:src/r.c:prof.version");
	k->fingerprint = xstrdup("static-fp");
	add_side(k, "updater", 27);
	add_side(k, "reader", 39);
	/* Helgrind: both sides, in the other order, named by the variable only. */
	struct finding *h = finding_list_add(&l);
	h->rule = xstrdup("data-race");
	h->symbol = xstrdup("prof");
	h->fingerprint = xstrdup("hg-fp");
	add_side(h, "reader", 39);
	add_side(h, "updater", 27);
	/* DRD: one side. */
	struct finding *d = finding_list_add(&l);
	d->rule = xstrdup("data-race");
	d->symbol = xstrdup("prof");
	d->fingerprint = xstrdup("drd-fp");
	add_side(d, "reader", 39);
	/* A race elsewhere stays itself. */
	struct finding *o = finding_list_add(&l);
	o->rule = xstrdup("data-race");
	o->symbol = xstrdup("other");
	o->fingerprint = xstrdup("other-fp");
	add_side(o, "reader", 39);
	vg_confirm(&l, &known);
	assert_int_equal(l.n, 2);   /* Helgrind's and DRD's are now one finding */
	assert_string_equal(l.items[0].fingerprint, "static-fp");
	assert_string_equal(l.items[0].symbol, "s:src/r.c:prof.version");
	assert_string_equal(l.items[1].fingerprint, "other-fp");
	finding_list_free(&l);

	d = finding_list_add(&l);
	d->rule = xstrdup("data-race");
	d->symbol = xstrdup("prof");
	d->fingerprint = xstrdup("drd-fp");
	add_side(d, "reader", 39);
	vg_confirm(&l, &known);
	assert_string_equal(l.items[0].fingerprint, "static-fp");
	assert_int_equal(l.items[0].nlocs, 2);   /* the other access joins DRD's one */
	assert_int_equal(l.items[0].locs[1].line, 27);
	finding_list_free(&l);
	finding_list_free(&known);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_race_has_both_sides),
		cmocka_unit_test(test_cut_short_keeps_complete_errors),
		cmocka_unit_test(test_unknown_kind_is_kept),
		cmocka_unit_test(test_confirm_takes_known_identity),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
