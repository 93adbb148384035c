/* test_options.c — the declarative option parser every command uses (src/cli/options.c):
 * both spellings of every kind of option, operands and `--`, the one-line errors, and the
 * help printed from the table. options.c is compiled in here with a cli_error that keeps
 * the message (the real one lives beside tsafe's main). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/cli/options.c"

static char last_error[512];

int cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof last_error, fmt, ap);
	va_end(ap);
	return 2;
}

static const char *const colours[] = {"red", "green", "blue", NULL};

struct values {
	const char *db, *colour;
	int jobs, all;
	struct opt_list files;
};

static int parse(struct values *v, int stop, struct opt_rest *r, ...)
{
	const struct option opts[] = {
		OPT_STRING(0, "db", &v->db, "PATH", "the database"),
		OPT_CHOICE(0, "colour", &v->colour, "C", colours, "the colour"),
		OPT_INT('j', "jobs", &v->jobs, "N", 1, 64, "how many"),
		OPT_FLAG(0, "all", &v->all, "everything"),
		OPT_LIST('f', "file", &v->files, "F", "a file"),
		OPT_END(),
	};
	const struct opt_command cmd = {.name = "test", .usage = "tsafe test [options]",
	                                 .opts = opts, .stop_at_operand = stop};
	char *argv[16] = {"test"};
	int argc = 1;
	va_list ap;
	va_start(ap, r);
	for (char *a; argc < 15 && (a = va_arg(ap, char *)); )
		argv[argc++] = a;
	va_end(ap);
	static char *kept[16];
	memcpy(kept, argv, sizeof kept);     /* the rest points into argv: keep it alive */
	last_error[0] = '\0';
	return opt_parse(&cmd, argc, kept, r);
}

static void test_both_spellings(void **state)
{
	(void)state;
	struct values v = {.colour = "red"};
	struct opt_rest r;
	assert_int_equal(parse(&v, 0, &r, "--db=a.db", "--colour", "blue", "-j4", "--all",
	                       "-f", "x", "--file=y", "-fz", NULL), 0);
	assert_string_equal(v.db, "a.db");
	assert_string_equal(v.colour, "blue");
	assert_int_equal(v.jobs, 4);
	assert_int_equal(v.all, 1);
	assert_int_equal(v.files.n, 3);
	assert_string_equal(v.files.items[2], "z");
	opt_rest_free(&r);
	assert_int_equal(parse(&v, 0, &r, "--db", "b.db", "--colour=green", "-j", "8", "--jobs=9", NULL), 0);
	assert_string_equal(v.db, "b.db");
	assert_string_equal(v.colour, "green");
	assert_int_equal(v.jobs, 9);
	opt_rest_free(&r);
	free(v.files.items);
}

static void test_operands_and_rest(void **state)
{
	(void)state;
	struct values v = {0};
	struct opt_rest r;
	assert_int_equal(parse(&v, 0, &r, "a.c", "--all", "-", "b.c", "--", "-DX", "--all", NULL), 0);
	assert_int_equal(r.noperands, 3);
	assert_string_equal(r.operands[1], "-");
	assert_int_equal(r.dashdash, 1);
	assert_int_equal(r.nrest, 2);
	assert_string_equal(r.rest[1], "--all");       /* after --: not an option */
	opt_rest_free(&r);
	/* tsafe run PROGRAM --its-own-option: everything from the program on is its. */
	v.all = 0;
	assert_int_equal(parse(&v, 1, &r, "--db", "x", "prog", "--all", NULL), 0);
	assert_int_equal(v.all, 0);
	assert_int_equal(r.nrest, 2);
	assert_string_equal(r.rest[0], "prog");
	opt_rest_free(&r);
}

static void test_errors_say_what(void **state)
{
	(void)state;
	struct values v = {0};
	struct opt_rest r;
	assert_int_equal(parse(&v, 0, &r, "--frob", NULL), -1);
	assert_string_equal(last_error, "unknown option '--frob' for test (see 'tsafe test --help')");
	opt_rest_free(&r);
	assert_int_equal(parse(&v, 0, &r, "--db", NULL), -1);
	assert_string_equal(last_error, "option '--db' needs a value (PATH)");
	opt_rest_free(&r);
	assert_int_equal(parse(&v, 0, &r, "--db=", NULL), -1);
	assert_non_null(strstr(last_error, "not an empty string"));
	opt_rest_free(&r);
	assert_int_equal(parse(&v, 0, &r, "--all=1", NULL), -1);
	assert_string_equal(last_error, "option '--all' takes no value");
	opt_rest_free(&r);
	assert_int_equal(parse(&v, 0, &r, "-j", "0", NULL), -1);
	assert_string_equal(last_error, "--jobs needs a whole number from 1 to 64, not '0'");
	opt_rest_free(&r);
	assert_int_equal(parse(&v, 0, &r, "--jobs=4x", NULL), -1);
	opt_rest_free(&r);
	assert_int_equal(parse(&v, 0, &r, "--colour", "pink", NULL), -1);
	assert_string_equal(last_error, "unknown --colour 'pink' (use red, green or blue)");
	opt_rest_free(&r);
}

static void test_help_lists_every_choice(void **state)
{
	(void)state;
	static const char *dummy_colour = "red";
	const struct option opts[] = {
		OPT_CHOICE(0, "colour", &dummy_colour, "C", colours,
		           "the colour of everything drawn, which is a long sentence so that the "
		           "printer has to wrap it over more than one line of the help"),
		OPT_END(),
	};
	const struct opt_command cmd = {.name = "t", .usage = "tsafe t\ntsafe t FILE", .opts = opts,
	                                 .footer = "Exit status: 0."};
	char *help = opt_help(&cmd);
	assert_non_null(strstr(help, "usage: tsafe t\n       tsafe t FILE\n"));
	assert_non_null(strstr(help, "(red, green or blue; default red)"));
	assert_non_null(strstr(help, "  -h, --help"));
	assert_non_null(strstr(help, "Exit status: 0."));
	for (const char *line = help; *line; ) {
		size_t n = strcspn(line, "\n");
		assert_true(n <= 88);
		line += n + (line[n] == '\n');
	}
	free(help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_spellings),
		cmocka_unit_test(test_operands_and_rest),
		cmocka_unit_test(test_errors_say_what),
		cmocka_unit_test(test_help_lists_every_choice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
