/* report_html.h — what the two halves of the HTML report share: report_html.c writes the
 * findings, report_html_page.c the frame around them (style, filters, graph, script). */
#ifndef TSAFE_REPORT_HTML_H
#define TSAFE_REPORT_HTML_H

#include "internal.h"

/* The values a finding is filtered by (never NULL). */
const char *html_rule(const struct finding *f);
const char *html_severity(const struct finding *f);
const char *html_file(const struct finding *f);      /* its primary location's file */

/* Everything before the findings: head, style, summary, filters with their counts. */
void html_page_start(FILE *out, const struct finding_list *l, const struct report_opts *o);
/* Everything after them: the lock-order graph and the script that filters. */
void html_page_end(FILE *out, const struct report_opts *o);

#endif
