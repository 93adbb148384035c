/* test_watch.c — the watch engine's judgement and its reading of access paths: two
 * accesses race only from different threads, with a write, without a lock both hold
 * exclusively (two read holds of one rwlock do not exclude each other), and when neither
 * thread's clock covered the other's access; the paths of globals, statics, function
 * statics, members and arrays split for the DWARF lookup, and the objects with no static
 * address (locals, heap blocks, pointers) are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dynamic/internal.h"
#include "dynamic/watch_internal.h"

static struct rt_watch_hit hit(uint32_t thread, uint32_t flags, uint32_t epoch)
{
	struct rt_watch_hit h;
	memset(&h, 0, sizeof h);
	h.thread = thread;
	h.flags = flags;
	h.epoch = epoch;
	h.addr = 0x1000;
	h.vc[thread % RT_WATCH_VC] = epoch;
	return h;
}

static void race_needs_two_threads_and_a_write(void **state)
{
	(void)state;
	struct rt_watch_hit a = hit(2, RTWH_WRITE, 1), b = hit(3, RTWH_READ, 1);
	assert_true(watch_races(&a, &b));
	struct rt_watch_hit same = hit(2, RTWH_READ, 1);
	assert_false(watch_races(&a, &same));
	struct rt_watch_hit r1 = hit(2, RTWH_READ, 1), r2 = hit(3, RTWH_READ, 1);
	assert_false(watch_races(&r1, &r2));
	struct rt_watch_hit other = hit(3, RTWH_WRITE, 1);
	other.addr = 0x1008;
	assert_false(watch_races(&a, &other));
}

static void common_lock_excludes_unless_both_read(void **state)
{
	(void)state;
	struct rt_watch_hit a = hit(2, RTWH_WRITE, 1), b = hit(3, RTWH_WRITE, 1);
	a.locks[0] = 0x5000;
	a.nlocks = 1;
	b.locks[0] = 0x6000;
	b.locks[1] = 0x5000;
	b.nlocks = 2;
	assert_false(watch_races(&a, &b));
	a.locks[0] = 0x5000 | RTWH_SHARED_LOCK;
	b.locks[1] = 0x5000 | RTWH_SHARED_LOCK;
	assert_true(watch_races(&a, &b));          /* both only read-hold it */
	b.locks[1] = 0x5000;
	assert_false(watch_races(&a, &b));         /* one holds it exclusively */
}

static void ordered_accesses_do_not_race(void **state)
{
	(void)state;
	/* thread 2 wrote at its epoch 3; thread 3's clock knows thread 2 up to 3 (a join, a
	 * post/wait...): ordered. Knowing only epoch 2 leaves them unordered. */
	struct rt_watch_hit a = hit(2, RTWH_WRITE, 3), b = hit(3, RTWH_WRITE, 1);
	b.vc[2] = 3;
	assert_false(watch_races(&a, &b));
	assert_false(watch_races(&b, &a));
	b.vc[2] = 2;
	assert_true(watch_races(&a, &b));
	struct rt_watch_hit unknown = hit(0, RTWH_WRITE, 0);
	assert_false(watch_races(&a, &unknown));
}

static void paths_split_for_dwarf(void **state)
{
	(void)state;
	struct watch_path p;
	assert_int_equal(watch_path_parse("g:total", "/r", &p), 0);
	assert_null(p.file);
	assert_string_equal(p.var, "total");
	assert_string_equal(p.rest, "");
	watch_path_free(&p);
	assert_int_equal(watch_path_parse("s:src/a.c:progress.bytes_done", "/r", &p), 0);
	assert_string_equal(p.file, "/r/src/a.c");
	assert_string_equal(p.var, "progress");
	assert_string_equal(p.rest, ".bytes_done");
	watch_path_free(&p);
	assert_int_equal(watch_path_parse("fs:src/a.c:format_id:buf[]", "/r", &p), 0);
	assert_string_equal(p.file, "/r/src/a.c");
	assert_string_equal(p.func, "format_id");
	assert_string_equal(p.var, "buf");
	assert_string_equal(p.rest, "[]");
	watch_path_free(&p);
	assert_int_equal(watch_path_parse("l:main:i", "/r", &p), -1);
	assert_int_equal(watch_path_parse("h:main:1", "/r", &p), -1);
	assert_int_equal(watch_path_parse("g:cfg*.count", "/r", &p), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(race_needs_two_threads_and_a_write),
		cmocka_unit_test(common_lock_excludes_unless_both_read),
		cmocka_unit_test(ordered_accesses_do_not_race),
		cmocka_unit_test(paths_split_for_dwarf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
