/* test_watch.c — the watch engine's judgement and its reading of access paths: two
 * accesses race only from different threads, with a write, without a lock both hold
 * exclusively (two read holds of one rwlock do not exclude each other), and when neither
 * thread's clock covered the other's access; the paths of globals, statics, function
 * statics, members and arrays split for the DWARF lookup, and the objects with no static
 * address (locals, heap blocks, pointers) are refused; atomic read-modify-write
 * instructions are told from plain accesses by their encoding. */
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
	h.lvc[thread % RT_WATCH_VC] = epoch;
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
	b.vc[2] = b.lvc[2] = 3;
	assert_false(watch_races(&a, &b));
	assert_false(watch_races(&b, &a));
	b.vc[2] = b.lvc[2] = 2;
	assert_true(watch_races(&a, &b));
	struct rt_watch_hit unknown = hit(0, RTWH_WRITE, 0);
	assert_false(watch_races(&a, &unknown));
}

/* An object handed over through a lock (thread 3 took the lock after thread 2 gave it
 * up, and only that orders them): ordered when neither touched it holding a lock; two
 * critical sections under different locks still race, whatever order the run took. */
static void lock_order_counts_only_between_unlocked_accesses(void **state)
{
	(void)state;
	struct rt_watch_hit a = hit(2, RTWH_WRITE, 3), b = hit(3, RTWH_READ, 1);
	b.lvc[2] = 3;
	assert_false(watch_races(&a, &b));
	a.locks[0] = 0x5000;
	a.nlocks = 1;
	b.locks[0] = 0x6000;
	b.nlocks = 1;
	assert_true(watch_races(&a, &b));
	a.nlocks = 0;
	assert_true(watch_races(&a, &b));          /* one side claims a lock: lockset's call */
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

static int insn_len(const uint8_t *code, size_t n)
{
	return watch_atomic_insn_len(code, code + n);
}

/* What gcc emits for the __atomic builtins on a plain word, and plain accesses. */
static void atomic_instructions_decoded(void **state)
{
	(void)state;
	static const uint8_t lock_addq_rip[] = {0xf0, 0x48, 0x83, 0x05, 0xca, 0x2e, 0, 0, 0x01};
	static const uint8_t lock_xadd_rip[] = {0xf0, 0x48, 0x0f, 0xc1, 0x05, 1, 2, 3, 4};
	static const uint8_t lock_cmpxchg_sib[] = {0xf0, 0x0f, 0xb1, 0x4c, 0x24, 0x08};
	static const uint8_t xchg_mem[] = {0x87, 0x05, 1, 2, 3, 4};
	static const uint8_t lock_addl_imm32[] = {0xf0, 0x81, 0x00, 0x10, 0x27, 0, 0};
	static const uint8_t lock_incq_disp8[] = {0xf0, 0x48, 0xff, 0x40, 0x08};
	static const uint8_t plain_addq[] = {0x48, 0x83, 0x05, 0x9e, 0x2e, 0, 0, 0x01};
	static const uint8_t plain_mov[] = {0x48, 0x8b, 0x0d, 0xc3, 0x2e, 0, 0};
	static const uint8_t lock_reg_operand[] = {0xf0, 0x01, 0xc0};
	static const uint8_t xchg_regs[] = {0x87, 0xc8};
	assert_int_equal(insn_len(lock_addq_rip, sizeof lock_addq_rip), 9);
	assert_int_equal(insn_len(lock_xadd_rip, sizeof lock_xadd_rip), 9);
	assert_int_equal(insn_len(lock_cmpxchg_sib, sizeof lock_cmpxchg_sib), 6);
	assert_int_equal(insn_len(xchg_mem, sizeof xchg_mem), 6);
	assert_int_equal(insn_len(lock_addl_imm32, sizeof lock_addl_imm32), 7);
	assert_int_equal(insn_len(lock_incq_disp8, sizeof lock_incq_disp8), 5);
	assert_int_equal(insn_len(plain_addq, sizeof plain_addq), 0);
	assert_int_equal(insn_len(plain_mov, sizeof plain_mov), 0);
	assert_int_equal(insn_len(lock_reg_operand, sizeof lock_reg_operand), 0);
	assert_int_equal(insn_len(xchg_regs, sizeof xchg_regs), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(race_needs_two_threads_and_a_write),
		cmocka_unit_test(common_lock_excludes_unless_both_read),
		cmocka_unit_test(ordered_accesses_do_not_race),
		cmocka_unit_test(lock_order_counts_only_between_unlocked_accesses),
		cmocka_unit_test(paths_split_for_dwarf),
		cmocka_unit_test(atomic_instructions_decoded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
