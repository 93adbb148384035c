/* test_frame.c — records of strings between tsafe scan and its extractor processes: what is
 * written is read back whole, an empty string stays one, and a writer that died half-way
 * is an error rather than a shorter record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/frame.h"

static void test_round_trip(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	const char *rec[] = {"/src/a.c", "", "cc", "-DX=\"a b\""};
	const char *end[] = {"done"};
	assert_int_equal(frame_write(p[1], rec, 4), 0);
	assert_int_equal(frame_write(p[1], end, 1), 0);
	close(p[1]);
	char **got;
	int n;
	assert_int_equal(frame_read(p[0], &got, &n), 1);
	assert_int_equal(n, 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(got[i], rec[i]);
	assert_null(got[4]);
	frame_free(got, n);
	assert_int_equal(frame_read(p[0], &got, &n), 1);
	assert_int_equal(n, 1);
	assert_string_equal(got[0], "done");
	frame_free(got, n);
	assert_int_equal(frame_read(p[0], &got, &n), 0);     /* end of input */
	close(p[0]);
}

static void test_truncated_record_is_an_error(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	uint32_t len = 100;                 /* announces 100 bytes, sends 5 */
	assert_int_equal(write(p[1], &len, sizeof len), (ssize_t)sizeof len);
	assert_int_equal(write(p[1], "abc\0d", 5), 5);
	close(p[1]);
	char **got;
	int n;
	assert_int_equal(frame_read(p[0], &got, &n), -1);
	assert_null(got);
	close(p[0]);
}

static void test_write_to_a_closed_pipe_fails(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	const char *rec[] = {"x"};
	assert_int_equal(frame_write(p[1], rec, 1), -1);     /* SIGPIPE ignored by main() */
	close(p[1]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated_record_is_an_error),
		cmocka_unit_test(test_write_to_a_closed_pipe_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
