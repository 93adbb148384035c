/* cli.h — what the subcommands share: exit codes, option helpers and printing findings
 * from the store (every engine's findings reach the user through the same path). */
#ifndef TSAFE_CLI_H
#define TSAFE_CLI_H

#include "common/finding.h"
#include "common/compdb.h"
#include "store/store.h"
#include "options.h"

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


/* Output options every finding-producing command takes. */
struct output_opts {
	const char *db;          /* --db, default ./tsafe.db */
	const char *format;      /* --format text|json|sarif|junit|html */
	const char *out;         /* -o FILE, default stdout */
	const char *fail_on;     /* --fail-on error|warning|note|never */
	const char *root;        /* project root findings are relative to */
	int to_stderr;           /* without -o, the report goes to stderr (tsafe run: the
	                            program's stdout is its own) */
	const struct finding_filter *filter;   /* what the HTML graph shows, or NULL */
};
void output_opts_init(struct output_opts *o);

/* The choices of --format and --fail-on (and of --severity: the first three). */
extern const char *const report_format_names[];
extern const char *const fail_on_names[];

/* The output options' rows, for the commands' option tables. */
#define OPT_DB(o) OPT_STRING(0, "db", &(o)->db, "PATH", "the findings database (default ./tsafe.db)")
#define OPT_FORMAT(o) OPT_CHOICE(0, "format", &(o)->format, "FMT", report_format_names, \
                                 "the report's format")
#define OPT_OUTPUT(o) OPT_STRING('o', "output", &(o)->out, "FILE", \
                                 "write the report to FILE instead of stdout")
#define OPT_FAIL_ON(o) OPT_CHOICE(0, "fail-on", &(o)->fail_on, "SEV", fail_on_names, \
                                  "exit 1 when a finding of this severity or above is reported")
/* What `report` and `graph` choose findings by. */
struct finding_filter {
	const char *rule;        /* --rule ID */
	const char *severity;    /* --severity SEV: that or above */
	int since;               /* --since RUN */
};
extern const char *const severity_names[];
#define OPT_FILTERS(f)                                                                        \
	OPT_STRING(0, "rule", &(f)->rule, "ID", "only this rule (an id of rules/rules.json)"),  \
	OPT_CHOICE(0, "severity", &(f)->severity, "SEV", severity_names,                         \
	           "only findings of this severity or above"),                                   \
	OPT_INT(0, "since", &(f)->since, "RUN", 1, 2147483647L,                                   \
	        "only findings first seen in run RUN or later")
/* Copies the filter into q; -1 (printed) for a rule id the catalogue does not know (the
 * rules must be loaded). */
int finding_filter_apply(const struct finding_filter *f, struct finding_query *q);

/* The HTML report's lock-order graph. */
struct report_graph {
	char *svg;               /* the cycles' view, or NULL */
	char *full_svg;          /* the whole graph, or NULL */
	char *note;              /* why a picture is missing or empty, or NULL */
	int nodes, edges, total_nodes, total_edges;
};
void report_graph_free(struct report_graph *g);

/* The lock-order graph of the current runs for the HTML report: the cycles the filter
 * (NULL: none) lets through with the locks one edge away, and the whole graph; a note when
 * a picture is missing or empty. Every string new, freed with report_graph_free. */
void graph_for_report(struct store *st, const char *db, const struct finding_filter *filter,
                      struct report_graph *g);

/* opt_parse() for a command that takes no operands: 0, 1 after --help, -1 on an error. */
int opt_parse_no_operands(const struct opt_command *c, int argc, char **argv);

#define OPT_ROOT(o, h) OPT_STRING(0, "root", &(o)->root, "DIR", (h))

/* Writes the findings in the requested format; returns 0 or EXIT_TOOL (message printed).
 * The HTML format draws the lock-order graph of st's current runs (st may be NULL). */
int output_findings(const struct output_opts *o, struct store *st, const struct finding_list *l);
/* 1 when f is unsuppressed and at or above o->fail_on. */
int output_counts(const struct output_opts *o, const struct finding *f);
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
