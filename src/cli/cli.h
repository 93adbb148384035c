/* cli.h — what the subcommands share: exit codes, option helpers and printing findings
 * from the store (every engine's findings reach the user through the same path). */
#ifndef TSAFE_CLI_H
#define TSAFE_CLI_H

#include "common/finding.h"
#include "common/compdb.h"
#include "store/store.h"

enum exit_code {
	EXIT_CLEAN = 0,      /* no findings at or above the threshold */
	EXIT_FINDINGS = 1,   /* findings at or above the threshold */
	EXIT_TOOL = 2,       /* usage or tool error */
	EXIT_PARTIAL = 3,    /* some inputs could not be analysed */
};

int cmd_scan(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_graph(int argc, char **argv);

/* The lock-order graph of the current runs for the HTML report: *svg (an <svg> element),
 * or NULL and *note saying why there is no picture. Both new strings. */
void graph_for_report(struct store *st, const char *db, char **svg, char **note);

/* Output options every finding-producing command takes. */
struct output_opts {
	const char *db;          /* --db, default ./tsafe.db */
	const char *format;      /* --format text|json|sarif|junit|html */
	const char *out;         /* -o FILE, default stdout */
	const char *fail_on;     /* --fail-on error|warning|note|never */
	const char *root;        /* project root findings are relative to */
};
void output_opts_init(struct output_opts *o);
/* Parses argv[*i] if it is an output option (advancing *i past its value). Returns 1 if
 * consumed, 0 if not an output option, -1 on a usage error (message printed). */
int output_opt_parse(struct output_opts *o, int argc, char **argv, int *i);
/* Validates format/fail-on values; prints the one-line error. 0 or -1. */
int output_opts_check(const struct output_opts *o);

/* Writes the findings in the requested format; returns 0 or EXIT_TOOL (message printed).
 * The HTML format draws the lock-order graph of st's current runs (st may be NULL). */
int output_findings(const struct output_opts *o, struct store *st, const struct finding_list *l);
/* 1 when some unsuppressed finding is at or above o->fail_on. */
int output_over_threshold(const struct output_opts *o, const struct finding_list *l);

/* Prints the findings the database holds for `run`, sorted, and returns the exit status:
 * EXIT_TOOL on an error (printed), EXIT_FINDINGS when some reach --fail-on, else `clean`. */
int output_run(const struct output_opts *o, struct store *st, long run, int clean);
/* "tsafe ARGV…", as a run's command in the database (new string). */
char *cli_command(int argc, char **argv);

/* Prints "tsafe: <message>" to stderr; returns EXIT_TOOL, for `return usage_error(...)`. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));


#endif
