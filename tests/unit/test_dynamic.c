/* test_dynamic.c — the runtime engine's offline half on hand-written logs and edges:
 * reading a log cut short by a crash, misuse and thread-leak findings from records,
 * deadlocks of a process whose every thread is stuck (semaphores included), and
 * the conditions under which lock orders from this run and other runs make an
 * inversion (trylock, gate, single thread, runs that do not include this one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rules.h"
#include "common/util.h"
#include "dynamic/dynamic.h"
#include "dynamic/internal.h"

/* ---- writing logs by hand --------------------------------------------------------- */

struct log {
	struct strbuf sb;
};

static void put(struct log *l, uint32_t type, const void *body, size_t len)
{
	size_t total = (sizeof(struct rt_rec) + len + 7) & ~(size_t)7;
	struct rt_rec h = {.type = type, .len = (uint32_t)total};
	sb_addn(&l->sb, (const char *)&h, sizeof h);
	sb_addn(&l->sb, (const char *)body + sizeof h, len);
	for (size_t i = sizeof h + len; i < total; i++)
		sb_addc(&l->sb, '\0');
}

#define PUT(l, type, rec) put((l), (type), &(rec), sizeof(rec) - sizeof(struct rt_rec))

static void put_process(struct log *l, int pid)
{
	char buf[sizeof(struct rt_process) + 16] = {0};
	struct rt_process *p = (struct rt_process *)buf;
	p->magic = RT_MAGIC;
	p->version = RT_VERSION;
	p->pid = pid;
	memcpy(p->strings, "/bin/x\0\0", 8);
	put(l, RT_PROCESS, buf, sizeof buf - sizeof(struct rt_rec));
}

static void put_thread(struct log *l, uint32_t seq, uint32_t flags, uint32_t stack)
{
	struct rt_thread_rec t = {.seq = seq, .parent = seq > 1 ? 1 : 0, .flags = flags, .stack = stack};
	PUT(l, RT_THREAD, t);
}

static char *write_log(const char *dir, const char *name, struct log *l, size_t cut)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(l->sb.buf, 1, l->sb.len - cut, f);
	fclose(f);
	sb_free(&l->sb);
	return path;
}

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tsafe-dyn-XXXXXX");
	char *err = NULL;
	if (!mkdtemp(tmpdir) || rules_load(&err))
		return -1;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static char *fresh_dir(const char *name)
{
	char *d = xasprintf("%s/%s", tmpdir, name);
	assert_int_equal(mkdir(d, 0700), 0);
	return d;
}

/* ---- the reader ------------------------------------------------------------------- */

static void test_truncated_log_keeps_whole_records(void **state)
{
	(void)state;
	struct log l = {0};
	put_process(&l, 42);
	struct rt_misuse m = {.rule = RTR_UNLOCK_NOT_HELD, .thread = 1};
	PUT(&l, RT_MISUSE, m);
	PUT(&l, RT_MISUSE, m);
	char *dir = fresh_dir("cut");
	char *path = write_log(dir, "tsafe-rt.42.0.log", &l, 5);   /* the last record is cut */
	struct rt_file f;
	char *err = NULL;
	assert_int_equal(rtlog_read(path, &f, &err), 0);
	assert_true(f.truncated);
	assert_int_equal(f.proc->pid, 42);
	int n = 0;
	for (const struct rt_rec *r = NULL; (r = rtlog_next(&f, r, 0));)
		n++;
	assert_int_equal(n, 2);     /* the process record and the first misuse */
	rtlog_free(&f);
	free(path);
	free(dir);
}

static void test_foreign_file_refused(void **state)
{
	(void)state;
	char *dir = fresh_dir("foreign");
	char *path = xasprintf("%s/tsafe-rt.1.0.log", dir);
	FILE *fp = fopen(path, "w");
	fputs("this is not a runtime log, just some text of a reasonable length", fp);
	fclose(fp);
	struct rt_file f;
	char *err = NULL;
	assert_int_equal(rtlog_read(path, &f, &err), -1);
	assert_non_null(strstr(err, "is not a runtime log"));
	free(err);
	free(path);
	free(dir);
}

/* A FIFO among the logs would block the reader forever: the run's logs are refused, with
 * one line naming it. */
static void test_fifo_log_refused(void **state)
{
	(void)state;
	char *dir = fresh_dir("fifo");
	char *path = xasprintf("%s/tsafe-rt.1.0.log", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	struct dyn_opts o = {.root = tmpdir};
	struct dyn_run r;
	char *err = NULL;
	assert_int_equal(dynamic_ingest(dir, &o, &r, &err), -1);
	assert_non_null(strstr(err, "tsafe-rt.1.0.log' is a FIFO, not a regular file"));
	assert_null(strchr(err, '\n'));
	free(err);
	unlink(path);
	free(path);
	free(dir);
}

/* ---- findings from records -------------------------------------------------------- */

static int count_rule(const struct finding_list *l, const char *rule)
{
	int n = 0;
	for (int i = 0; i < l->n; i++)
		n += str_eq(l->items[i].rule, rule);
	return n;
}

static void ingest_dir(const char *dir, struct dyn_run *r)
{
	struct dyn_opts o = {.root = tmpdir};
	char *err = NULL;
	assert_int_equal(dynamic_ingest(dir, &o, r, &err), 0);
}

static void test_misuse_and_leaks(void **state)
{
	(void)state;
	char *dir = fresh_dir("misuse");
	struct log l = {0};
	put_process(&l, 7);
	put_thread(&l, 1, RTT_MAIN, 0);
	put_thread(&l, 2, 0, 0);            /* joined */
	put_thread(&l, 3, 0, 0);            /* ended, neither joined nor detached: leaked */
	put_thread(&l, 4, RTT_DETACHED, 0);
	put_thread(&l, 5, 0, 0);            /* still running at exit: not a leak */
	struct rt_join j = {.seq = 2, .by = 1};
	PUT(&l, RT_JOIN, j);
	struct rt_join ended = {.seq = 3, .by = 3};
	PUT(&l, RT_THREAD_END, ended);
	struct rt_class c = {.id = 1, .kind = RTK_MUTEX, .how = RTC_FIRST};
	PUT(&l, RT_CLASS, c);
	struct rt_misuse m = {.rule = RTR_DOUBLE_LOCK, .thread = 2, .cls = 1};
	PUT(&l, RT_MISUSE, m);
	struct rt_misuse leak = {.rule = RTR_LOCK_LEAK, .thread = 3, .cls = 1};
	PUT(&l, RT_MISUSE, leak);
	struct rt_exit e = {.status = 0};
	PUT(&l, RT_EXIT, e);
	free(write_log(dir, "tsafe-rt.7.0.log", &l, 0));

	struct dyn_run r;
	ingest_dir(dir, &r);
	assert_int_equal(r.sum.processes, 1);
	assert_int_equal(r.sum.exited, 1);
	assert_int_equal(count_rule(&r.findings, "double-lock"), 1);
	assert_int_equal(count_rule(&r.findings, "lock-leak"), 1);
	assert_int_equal(count_rule(&r.findings, "thread-leak"), 1);   /* thread 3 only */
	for (int i = 0; i < r.findings.n; i++) {
		assert_string_equal(r.findings.items[i].engine, "runtime");
		assert_non_null(r.findings.items[i].fingerprint);
	}
	assert_string_equal(r.findings.items[0].severity, "error");    /* from the catalogue */
	dyn_run_free(&r);
	free(dir);
}

static void test_no_thread_leak_without_exit(void **state)
{
	(void)state;
	char *dir = fresh_dir("crashed");
	struct log l = {0};
	put_process(&l, 8);
	put_thread(&l, 1, RTT_MAIN, 0);
	put_thread(&l, 2, 0, 0);
	free(write_log(dir, "tsafe-rt.8.0.log", &l, 3));   /* crashed mid-record, no exit */
	struct dyn_run r;
	ingest_dir(dir, &r);
	assert_int_equal(r.sum.truncated, 1);
	assert_int_equal(r.findings.n, 0);
	dyn_run_free(&r);
	free(dir);
}

/* A deadlock record of n threads: waits[i] / held[i] the classes thread i + 1 waits on
 * and holds. */
static void put_deadlock(struct log *l, uint32_t flags, int n, const uint32_t *waits,
                         const uint32_t *held)
{
	char buf[sizeof(struct rt_deadlock) + 4 * sizeof(struct rt_deadlock_thread)] = {0};
	struct rt_deadlock *d = (struct rt_deadlock *)buf;
	d->n = (uint32_t)n;
	d->flags = flags;
	for (int i = 0; i < n; i++)
		d->t[i] = (struct rt_deadlock_thread){.thread = (uint32_t)i + 1, .wait_cls = waits[i],
		                                      .held_cls = held[i]};
	put(l, RT_DEADLOCK, buf, sizeof *d - sizeof(struct rt_rec) + (size_t)n * sizeof d->t[0]);
}

/* Every thread stuck, one of them on a semaphore while holding the lock the other needs: a
 * deadlock that says so; a lone thread stuck on a semaphore is one too, but a lone thread
 * on its own lock is its double-lock, not a second finding. */
static void test_stalls(void **state)
{
	(void)state;
	char *dir = fresh_dir("stall");
	struct log l = {0};
	put_process(&l, 9);
	put_thread(&l, 1, RTT_MAIN, 0);
	put_thread(&l, 2, 0, 0);
	struct rt_class sem = {.id = 1, .kind = RTK_SEM, .how = RTC_FIRST};
	struct rt_class mtx = {.id = 2, .kind = RTK_MUTEX, .how = RTC_FIRST};
	PUT(&l, RT_CLASS, sem);
	PUT(&l, RT_CLASS, mtx);
	put_deadlock(&l, RTD_STALL, 2, (uint32_t[]){1, 2}, (uint32_t[]){2, 0});
	free(write_log(dir, "tsafe-rt.9.0.log", &l, 0));
	struct log l2 = {0};
	put_process(&l2, 10);
	put_thread(&l2, 1, RTT_MAIN, 0);
	PUT(&l2, RT_CLASS, sem);
	PUT(&l2, RT_CLASS, mtx);
	put_deadlock(&l2, RTD_STALL, 1, (uint32_t[]){1}, (uint32_t[]){0});
	free(write_log(dir, "tsafe-rt.10.0.log", &l2, 0));
	struct log l3 = {0};
	put_process(&l3, 11);
	put_thread(&l3, 1, RTT_MAIN, 0);
	PUT(&l3, RT_CLASS, mtx);
	put_deadlock(&l3, 0, 1, (uint32_t[]){2}, (uint32_t[]){2});
	free(write_log(dir, "tsafe-rt.11.0.log", &l3, 0));

	struct dyn_run r;
	ingest_dir(dir, &r);
	assert_int_equal(count_rule(&r.findings, "deadlock"), 2);
	assert_int_equal(r.findings.n, 2);
	int holding = 0, locs = 0;
	for (int i = 0; i < r.findings.n; i++) {
		const struct finding *f = &r.findings.items[i];
		assert_non_null(strstr(f->message, "every thread is blocked"));
		locs += f->nlocs;          /* one location per thread: 2 + 1 */
		for (int k = 0; k < f->nlocs; k++)
			holding += strstr(f->locs[k].message, "waits on a semaphore") &&
			           strstr(f->locs[k].message, "while holding");
	}
	assert_int_equal(holding, 1);
	assert_int_equal(locs, 3);
	dyn_run_free(&r);
	free(dir);
}

/* ---- lock orders across runs ------------------------------------------------------- */

static void add_edge(struct stored_edge_list *l, const char *from, const char *to, long run,
                     unsigned flags, const char *thread, const char *gate)
{
	struct stored_edge *e = stored_edge_list_add(l);
	e->from = xstrdup(from);
	e->to = xstrdup(to);
	e->flags = flags;
	e->threads = 1;
	e->thread_key = xstrdup(thread);
	e->run = run;
	e->run_scope = run ? xasprintf("./test%ld", run) : NULL;
	if (gate) {
		e->gates = xcalloc(1, sizeof *e->gates);
		e->gates[e->ngates++] = xstrdup(gate);
	}
	e->inner.file = xstrdup("a.c");
	e->inner.line = (int)(10 + l->n);
	e->inner.func = xstrdup("f");
	e->inner.message = xstrdup("acquires");
}

/* Inversions found for this run's edges `mine` against `others`. */
static int inversions(struct stored_edge_list *mine, struct stored_edge_list *others, char **msg)
{
	struct dyn_run r = {0};
	r.edges = *mine;
	struct dyn_opts o = {.root = tmpdir};
	dynamic_lock_order(&r, others, &o);
	int n = r.findings.n;
	if (msg)
		*msg = n ? xstrdup(r.findings.items[0].message) : NULL;
	*mine = r.edges;
	finding_list_free(&r.findings);
	stored_edge_list_free(mine);
	stored_edge_list_free(others);
	return n;
}

static void test_cross_run_inversion(void **state)
{
	(void)state;
	struct stored_edge_list mine = {0}, others = {0};
	add_edge(&mine, "global:a", "global:b", 0, EDGE_BLOCKING, "1:2", NULL);
	add_edge(&others, "global:b", "global:a", 5, EDGE_BLOCKING, "9:1", NULL);
	char *msg;
	assert_int_equal(inversions(&mine, &others, &msg), 1);
	assert_non_null(strstr(msg, "run 5 saw the order global:b -> global:a"));
	free(msg);
}

static void test_trylock_only_order_is_no_inversion(void **state)
{
	(void)state;
	struct stored_edge_list mine = {0}, others = {0};
	add_edge(&mine, "global:a", "global:b", 0, EDGE_BLOCKING, "1:2", NULL);
	add_edge(&mine, "global:b", "global:a", 0, 0, "1:3", NULL);
	assert_int_equal(inversions(&mine, &others, NULL), 0);
}

static void test_gated_orders_are_no_inversion(void **state)
{
	(void)state;
	struct stored_edge_list mine = {0}, others = {0};
	add_edge(&mine, "global:a", "global:b", 0, EDGE_BLOCKING, "1:2", "global:g");
	add_edge(&others, "global:b", "global:a", 3, EDGE_BLOCKING, "4:2", "global:g");
	assert_int_equal(inversions(&mine, &others, NULL), 0);
	/* A gate on one side only protects nothing. */
	add_edge(&mine, "global:a", "global:b", 0, EDGE_BLOCKING, "1:2", "global:g");
	add_edge(&others, "global:b", "global:a", 3, EDGE_BLOCKING, "4:2", NULL);
	assert_int_equal(inversions(&mine, &others, NULL), 1);
}

static void test_single_thread_is_no_inversion(void **state)
{
	(void)state;
	struct stored_edge_list mine = {0}, others = {0};
	add_edge(&mine, "global:a", "global:b", 0, EDGE_BLOCKING, "1:1", NULL);
	add_edge(&mine, "global:b", "global:a", 0, EDGE_BLOCKING, "1:1", NULL);
	assert_int_equal(inversions(&mine, &others, NULL), 0);
	add_edge(&mine, "global:a", "global:b", 0, EDGE_BLOCKING, "1:1", NULL);
	add_edge(&mine, "global:b", "global:a", 0, EDGE_BLOCKING, "1:2", NULL);
	assert_int_equal(inversions(&mine, &others, NULL), 1);
}

static void test_other_runs_alone_are_not_this_run(void **state)
{
	(void)state;
	struct stored_edge_list mine = {0}, others = {0};
	add_edge(&others, "global:a", "global:b", 2, EDGE_BLOCKING, "1:1", NULL);
	add_edge(&others, "global:b", "global:a", 3, EDGE_BLOCKING, "1:1", NULL);
	assert_int_equal(inversions(&mine, &others, NULL), 0);
}

static void test_three_lock_cycle(void **state)
{
	(void)state;
	struct stored_edge_list mine = {0}, others = {0};
	add_edge(&mine, "global:a", "global:b", 0, EDGE_BLOCKING, "1:1", NULL);
	add_edge(&mine, "global:b", "global:c", 0, EDGE_BLOCKING, "1:2", NULL);
	add_edge(&others, "global:c", "global:a", 8, EDGE_BLOCKING, "1:1", NULL);
	char *msg;
	assert_int_equal(inversions(&mine, &others, &msg), 1);
	assert_non_null(strstr(msg, "'a' -> 'b' -> 'c' -> 'a'"));
	free(msg);
}

static void test_site_symbols_drop_the_line(void **state)
{
	(void)state;
	char *s = dyn_symbol_of_name("site:src/queue.c:41");
	assert_string_equal(s, "site:src/queue.c");
	free(s);
	s = dyn_symbol_of_name("static:src/a.c:m");
	assert_string_equal(s, "static:src/a.c:m");
	free(s);
	s = dyn_label_of_name("field:struct account.lock");
	assert_string_equal(s, "'struct account.lock'");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncated_log_keeps_whole_records),
		cmocka_unit_test(test_foreign_file_refused),
		cmocka_unit_test(test_fifo_log_refused),
		cmocka_unit_test(test_misuse_and_leaks),
		cmocka_unit_test(test_no_thread_leak_without_exit),
		cmocka_unit_test(test_cross_run_inversion),
		cmocka_unit_test(test_trylock_only_order_is_no_inversion),
		cmocka_unit_test(test_gated_orders_are_no_inversion),
		cmocka_unit_test(test_single_thread_is_no_inversion),
		cmocka_unit_test(test_other_runs_alone_are_not_this_run),
		cmocka_unit_test(test_three_lock_cycle),
		cmocka_unit_test(test_site_symbols_drop_the_line),
		cmocka_unit_test(test_stalls),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
