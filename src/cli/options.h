/* options.h — every subcommand's options as data, one table per command (git's parse-options
 * is the model). One parser reads them all the same way (`--name=value` and `--name value`,
 * `-xVALUE` and `-x VALUE`, `--` ends the options) and one printer writes each command's
 * --help from the same table, listing every choice. Adding an option is one table row. */
#ifndef TSAFE_CLI_OPTIONS_H
#define TSAFE_CLI_OPTIONS_H

enum opt_kind {
	OPT_KIND_END,
	OPT_KIND_STRING,   /* const char *: any text */
	OPT_KIND_CHOICE,   /* const char *: one of .choices */
	OPT_KIND_INT,      /* int: a decimal number in [.min, .max] */
	OPT_KIND_FLAG,     /* int: set to 1, takes no value */
	OPT_KIND_LIST,     /* struct opt_list: repeatable, every value kept in order */
};

struct opt_list {
	const char **items;
	int n;
};

struct option {
	enum opt_kind kind;
	char short_name;             /* 'o' for -o, or 0 */
	const char *long_name;       /* "output" for --output, or NULL */
	void *value;                 /* where the value goes (type by kind) */
	const char *argh;            /* the value's name in the help: "PATH" */
	const char *help;            /* one sentence; the printer wraps it */
	const char *const *choices;  /* OPT_KIND_CHOICE: NULL-terminated */
	long min, max;               /* OPT_KIND_INT */
};

#define OPT_STRING(s, l, v, argh, h) {OPT_KIND_STRING, (s), (l), (v), (argh), (h), NULL, 0, 0}
#define OPT_CHOICE(s, l, v, argh, choices, h) {OPT_KIND_CHOICE, (s), (l), (v), (argh), (h), (choices), 0, 0}
#define OPT_INT(s, l, v, argh, lo, hi, h) {OPT_KIND_INT, (s), (l), (v), (argh), (h), NULL, (lo), (hi)}
#define OPT_FLAG(s, l, v, h) {OPT_KIND_FLAG, (s), (l), (v), NULL, (h), NULL, 0, 0}
#define OPT_LIST(s, l, v, argh, h) {OPT_KIND_LIST, (s), (l), (v), (argh), (h), NULL, 0, 0}
#define OPT_END() {OPT_KIND_END, 0, NULL, NULL, NULL, NULL, NULL, 0, 0}

/* A command: its name (for messages), the usage lines, what it does, its options and what
 * follows them in the help (exit status…). */
struct opt_command {
	const char *name;            /* "run", "baseline save" */
	const char *usage;           /* "tsafe run [options] -- PROGRAM [ARGS...]" (several: '\n') */
	const char *about;           /* a paragraph, or NULL */
	const struct option *opts;
	const char *footer;          /* a paragraph, or NULL */
	int stop_at_operand;         /* 1: the first non-option starts `rest` (tsafe run PROGRAM…) */
};

/* What is not an option: the operands, and the words after `--` (or, with
 * stop_at_operand, from the first operand on). Both point into argv. */
struct opt_rest {
	char **operands;
	int noperands;
	char **rest;
	int nrest;
	int dashdash;                /* 1 when `--` was given */
};

/* Parses argv[1..argc-1] into the table's values. Returns 0; 1 after printing --help to
 * stdout; -1 after printing a one-line error (unknown option, missing value, bad value). */
int opt_parse(const struct opt_command *c, int argc, char **argv, struct opt_rest *r);
void opt_rest_free(struct opt_rest *r);

/* The help text of a command, as --help prints it (new string). */
char *opt_help(const struct opt_command *c);

/* "a, b or c" of a NULL-terminated list (new string). */
char *opt_choices_text(const char *const *choices);

#endif
