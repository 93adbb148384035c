/* test_valgrind.c — reading Valgrind's XML (src/valgrind): a Helgrind race becomes a
 * data-race with both accesses, their threads and no address in its identity; a file cut
 * short keeps its complete errors; garbage gives nothing; a kind with no mapping keeps the
 * tool's name; a race matching a known one takes its identity (DRD's one side gains the
 * other); the kinds table reads an error's texts and the pthread function it happened in;
 * a lock order whose second acquisition was a trylock is likely benign. The XML is Valgrind
 * 3.19's, trimmed to the elements tsafe reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static struct finding *known_race(struct finding_list *l, const char *symbol, const char *fp,
                                  const char *f1, int l1, const char *f2, int l2)
{
	struct finding *f = finding_list_add(l);
	f->rule = xstrdup("data-race");
	f->symbol = xstrdup(symbol);
	f->fingerprint = xstrdup(fp);
	add_side(f, f1, l1);
	add_side(f, f2, l2);
	return f;
}

/* Helgrind names the whole array or struct ("table") where the static pass names a member
 * (table[].used): its race joins the member's when one side is at a known site and the
 * other in the known other side's function (a field the static pass did not follow), or
 * both sides are a few lines from the known ones (a sibling field of the same check and
 * fill). A container race far from every known race of it stays itself. */
static void test_confirm_joins_container(void **state)
{
	(void)state;
	struct finding_list known = {0}, l = {0};
	known_race(&known, "s:src/r.c:table[].used", "static-fp", "check", 35, "fill", 44);
	known_race(&l, "table", "hg-host", "check", 35, "fill", 42);       /* same check, host field */
	known_race(&l, "table", "hg-backend", "check", 36, "fill", 43);    /* the sibling field */
	known_race(&l, "table", "hg-far", "audit", 80, "fill", 44);        /* another function */
	known_race(&l, "tables", "hg-other", "check", 35, "fill", 44);     /* another object */
	vg_confirm(&l, &known);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.items[0].fingerprint, "static-fp");
	assert_string_equal(l.items[0].symbol, "s:src/r.c:table[].used");
	assert_string_equal(l.items[1].fingerprint, "hg-far");
	assert_string_equal(l.items[2].fingerprint, "hg-other");
	finding_list_free(&l);
	finding_list_free(&known);
}

/* One-error documents of DRD and Helgrind. */
#define DRD_HEAD "<?xml version=\"1.0\"?>\n<valgrindoutput><protocolversion>4</protocolversion>" \
	"<protocoltool>drd</protocoltool>"
#define NAMED_PRELOAD(fn) "<frame><ip>0x3</ip><obj>/usr/libexec/valgrind/vgpreload_drd-amd64-linux.so" \
	"</obj><fn>" fn "</fn></frame>"

static const char *rule_of_doc(const char *xml, const char *tool, struct finding_list *l)
{
	struct vg_doc doc;
	struct vg_opts o = {.tool = tool, .root = "/proj"};
	vg_parse(xml, strlen(xml), &doc);
	vg_findings(&doc, &o, l);
	vg_doc_free(&doc);
	return l->n ? l->items[l->n - 1].rule : "";
}

static void test_kinds_read_texts_and_function(void **state)
{
	(void)state;
	struct finding_list l = {0};
	/* Helgrind splits it: the failed call in <xwhat>, the error code in <what>. */
	assert_string_equal(rule_of_doc(
		"<?xml version=\"1.0\"?><valgrindoutput><protocoltool>helgrind</protocoltool>"
		"<error><kind>PthAPIerror</kind><xwhat><text>Thread #2's call to pthread_cond_wait failed"
		"</text><hthreadid>2</hthreadid></xwhat><what>with error code 1 (EPERM: Operation not "
		"permitted)</what><stack>" PRELOAD_FRAME FRAME("event_wait", "/proj", "e.c", 48)
		"</stack></error></valgrindoutput>", "helgrind", &l), "cond-wait-unheld");
	/* DRD says "Mutex not locked" for both; the function it happened in tells them apart. */
	const char *drd_err = DRD_HEAD "<error><kind>MutexErr</kind><what>Mutex not locked: mutex "
		"0x10c0a0, recursion count 0, owner 0.</what><stack>" NAMED_PRELOAD("%s")
		FRAME("f", "/proj", "e.c", 48) "</stack></error></valgrindoutput>";
	const char *fns[][2] = {{"pthread_cond_wait@*", "cond-wait-unheld"},
	                        {"pthread_mutex_unlock@*", "unlock-not-held"}};
	for (int i = 0; i < 2; i++) {
		char *xml = xasprintf(drd_err, fns[i][0]);
		assert_string_equal(rule_of_doc(xml, "drd", &l), fns[i][1]);
		free(xml);
	}
	finding_list_free(&l);
}

/* A Helgrind LockOrder error: the reverse order's second acquisition at src:rev_line (with
 * `above`, a frame between Valgrind's preload and it), the established order at 23/24. */
static char *lock_order_xml(const char *src, int rev_line, const char *above)
{
	return xasprintf("<?xml version=\"1.0\"?><valgrindoutput><protocoltool>helgrind"
		"</protocoltool><error><kind>LockOrder</kind><xwhat><text>Thread #3: lock order "
		"\"0x10C080 before 0x10C0C0\" violated</text><hthreadid>3</hthreadid></xwhat>"
		"<stack>" PRELOAD_FRAME "%s<frame><ip>0x1</ip><obj>/p/prog</obj><fn>evictor</fn>"
		"<file>%s</file><line>%d</line></frame></stack>"
		"<auxwhat>Required order was established by acquisition of lock at 0x10C080</auxwhat>"
		"<stack>" PRELOAD_FRAME FRAME("logger", "/proj", "l.c", 23) "</stack>"
		"<auxwhat>followed by a later acquisition of lock at 0x10C0C0</auxwhat>"
		"<stack>" PRELOAD_FRAME FRAME("logger", "/proj", "l.c", 24) "</stack>"
		"</error></valgrindoutput>", above, src, rev_line);
}

static void test_trylock_order_is_likely_benign(void **state)
{
	(void)state;
	char src[] = "/tmp/tsafe-vgtry-XXXXXX";
	int fd = mkstemp(src);
	assert_true(fd >= 0);
	const char text[] = "\tpthread_mutex_lock(&cache_lock);\n"
	                    "\tif (pthread_mutex_trylock (&log_lock) == 0)\n"
	                    "\tmy_trylock(&log_lock);\n";
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	struct { int line; const char *above; const char *why; } cases[] = {
		{2, "", "pthread_mutex_trylock()"},        /* the acquiring line calls it */
		{1, "", NULL},                             /* a blocking lock: an inversion */
		{3, "", NULL},                             /* not a known try operation */
		{1, "<frame><ip>0x4</ip><obj>/usr/libexec/valgrind/vgpreload_helgrind-amd64-linux.so"
		    "</obj><fn>pthread_rwlock_trywrlock</fn></frame>", "pthread_rwlock_trywrlock()"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *xml = lock_order_xml(src, cases[i].line, cases[i].above);
		struct finding_list l = {0};
		assert_string_equal(rule_of_doc(xml, "helgrind", &l), "lock-order-inversion");
		struct finding *f = &l.items[0];
		assert_int_equal(f->suppressed, cases[i].why != NULL);
		assert_int_equal(f->benign, cases[i].why != NULL);
		if (cases[i].why)
			assert_non_null(strstr(f->suppress_reason, cases[i].why));
		assert_null(strstr(f->message, "0x"));
		assert_null(strstr(f->locs[0].message, "\" before\""));
		finding_list_free(&l);
		free(xml);
	}
	unlink(src);
}

/* Every DRD and Helgrind kind tsafe has a rule for, as Valgrind 3.19 words it. */
static void test_every_kind_with_a_rule(void **state)
{
	(void)state;
	struct { const char *tool, *kind, *text, *rule; } cases[] = {
		{"drd", "CondDestrErr", "Destroying condition variable that is being waited upon: "
		 "cond 0x10c0a0", "destroy-in-use"},
		{"drd", "CondErr", "condition variable has been destroyed while being waited upon: "
		 "cond 0x10c0a0", "destroy-in-use"},
		{"drd", "BarrierErr", "Destruction of a barrier with active waiters: barrier 0x10c080",
		 "destroy-in-use"},
		{"drd", "BarrierErr", "Destruction of barrier that is being waited upon: barrier "
		 "0x10c080", "destroy-in-use"},
		{"drd", "BarrierErr", "Destruction of barrier not synchronized with barrier wait call: "
		 "barrier 0x10c080", "destroy-in-use"},
		{"drd", "SemaphoreErr", "Destruction of semaphore that is being waited upon: semaphore "
		 "0x10c080", "destroy-in-use"},
		{"drd", "RwlockErr", "Destroying locked rwlock: rwlock 0x10c0a0.", "destroy-locked"},
		{"drd", "RwlockErr", "Reader-writer lock not locked by calling thread: rwlock 0x10c0a0.",
		 "unlock-not-owner"},
		{"drd", "RwlockErr", "Reader-writer lock not locked: rwlock 0x10c0a0.", "unlock-not-held"},
		{"drd", "RwlockErr", "Already locked for writing by calling thread: rwlock 0x10c0a0.",
		 "double-lock"},
		{"drd", "MutexErr", "Destroying locked mutex: mutex 0x10c0a0, recursion count 1, owner 1.",
		 "destroy-locked"},
		{"drd", "MutexErr", "Mutex still locked at thread exit: mutex 0x10c0a0, recursion count 1, "
		 "owner 2.", "lock-leak"},
		{"helgrind", "Misc", "Thread #3: pthread_barrier_destroy: threads are waiting at barrier",
		 "destroy-in-use"},
		{"helgrind", "Misc", "Thread #1: pthread_cond_destroy: destruction of condition variable "
		 "being waited upon", "destroy-in-use"},
		/* checks tsafe has no rule for keep the tool's kind */
		{"drd", "SemaphoreErr", "Invalid semaphore: semaphore 0x10c080", "drd:SemaphoreErr"},
		{"drd", "HoldtimeErr", "Lock on mutex 0x10c0a0 was held during 520 ms (threshold: 10 ms).",
		 "drd:HoldtimeErr"},
		{"helgrind", "Misc", "Thread #1: pthread_barrier_wait: barrier is uninitialised",
		 "helgrind:Misc"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int hg = !strcmp(cases[i].tool, "helgrind");
		char *xml = xasprintf("<?xml version=\"1.0\"?><valgrindoutput><protocoltool>%s"
		                      "</protocoltool><error><kind>%s</kind>%s%s%s<stack>"
		                      FRAME("main", "/proj", "d.c", 27) "</stack></error>"
		                      "</valgrindoutput>", cases[i].tool, cases[i].kind,
		                      hg ? "<xwhat><text>" : "<what>", cases[i].text,
		                      hg ? "</text><hthreadid>1</hthreadid></xwhat>" : "</what>");
		struct finding_list l = {0};
		const char *rule = rule_of_doc(xml, cases[i].tool, &l);
		if (strcmp(rule, cases[i].rule))
			fail_msg("%s %s '%s': %s, not %s", cases[i].tool, cases[i].kind, cases[i].text,
			         rule, cases[i].rule);
		finding_list_free(&l);
		free(xml);
	}
}

/* A semaphore destroyed while a thread waits on it, then DRD's "Invalid semaphore" where
 * that thread goes on (the same address, the same process): one bug. The echo is kept,
 * marked likely benign naming the destroy; the same error in another process, with no
 * destroy before it, is not. */
static void test_destroy_echo_is_one_bug(void **state)
{
	(void)state;
	char dir[] = "/tmp/tsafe-vgecho-XXXXXX";
	assert_non_null(mkdtemp(dir));
	const char *destroy = "<error><kind>SemaphoreErr</kind><what>Destruction of semaphore that "
		"is being waited upon: semaphore 0x10c080</what><stack>" NAMED_PRELOAD("sem_destroy@*")
		FRAME("main", "/proj", "s.c", 27) "</stack></error>";
	const char *invalid = "<error><kind>SemaphoreErr</kind><what>Invalid semaphore: semaphore "
		"0x10c080</what><stack>" NAMED_PRELOAD("sem_timedwait@*")
		FRAME("consumer", "/proj", "s.c", 17) "</stack></error>";
	char *one = xasprintf("%s/vg.100.xml", dir), *two = xasprintf("%s/vg.200.xml", dir);
	char *doc1 = xasprintf(DRD_HEAD "%s%s</valgrindoutput>", destroy, invalid);
	char *doc2 = xasprintf(DRD_HEAD "%s</valgrindoutput>", invalid);
	FILE *f = fopen(one, "w");
	fputs(doc1, f);
	fclose(f);
	f = fopen(two, "w");
	fputs(doc2, f);
	fclose(f);
	struct vg_opts o = {.tool = "drd", .root = "/proj"};
	struct finding_list l = {0};
	struct vg_summary sum = {0};
	char *err = NULL;
	assert_int_equal(vg_ingest(dir, &o, &l, &sum, &err), 0);
	assert_int_equal(l.n, 2);   /* the second process's repeat is the same finding */
	assert_string_equal(l.items[0].rule, "destroy-in-use");
	assert_false(l.items[0].suppressed);
	assert_string_equal(l.items[1].rule, "drd:SemaphoreErr");
	assert_true(l.items[1].benign);
	assert_non_null(strstr(l.items[1].suppress_reason, "s.c:27 (destroy-in-use)"));
	finding_list_free(&l);
	/* alone, the use of an invalid semaphore stays what DRD says it is */
	unlink(one);
	struct vg_summary sum2 = {0};
	assert_int_equal(vg_ingest(dir, &o, &l, &sum2, &err), 0);
	assert_int_equal(l.n, 1);
	assert_false(l.items[0].suppressed);
	finding_list_free(&l);
	unlink(two);
	rmdir(dir);
	free(one);
	free(two);
	free(doc1);
	free(doc2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_race_has_both_sides),
		cmocka_unit_test(test_cut_short_keeps_complete_errors),
		cmocka_unit_test(test_unknown_kind_is_kept),
		cmocka_unit_test(test_confirm_takes_known_identity),
		cmocka_unit_test(test_confirm_joins_container),
		cmocka_unit_test(test_kinds_read_texts_and_function),
		cmocka_unit_test(test_trylock_order_is_likely_benign),
		cmocka_unit_test(test_every_kind_with_a_rule),
		cmocka_unit_test(test_destroy_echo_is_one_bug),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
