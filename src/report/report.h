/* report.h — writes a list of findings in one output format. Each format reads findings and
 * the rule catalogue; none of them computes or filters findings (except that the text format
 * leaves out suppressed ones, which JSON, SARIF and HTML keep, marked). */
#ifndef TSAFE_REPORT_H
#define TSAFE_REPORT_H

#include <stdio.h>

#include "common/finding.h"

enum report_format { FMT_TEXT, FMT_JSON, FMT_SARIF, FMT_JUNIT, FMT_HTML };

/* "text", "json", "sarif", "junit" or "html"; -1 when unknown. */
int report_format_from_name(const char *name);

struct report_opts {
	const char *root;          /* project root the findings' paths are relative to */
	int color;                 /* text: ANSI colours like clang's diagnostics */
	const char *tool_version;  /* NULL: this build's version */
	const char *graph_svg;     /* html: the lock-order graph as an <svg> element, or NULL */
	const char *graph_note;    /* html: why there is no picture (when graph_svg is NULL) */
	const char *graph_full_svg;   /* html: the whole graph, one click away, or NULL */
	int graph_nodes, graph_edges;             /* html: what graph_svg shows of */
	int graph_total_nodes, graph_total_edges; /* the whole graph */
};

/* Writes the findings to out. Returns 0, or -1 on write error. */
int report_write(FILE *out, enum report_format fmt, const struct finding_list *l,
                 const struct report_opts *o);

#endif
