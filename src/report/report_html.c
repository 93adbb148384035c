/* report_html.c — one self-contained page: every finding with its locations (a source
 * snippet with the line marked, the thread, the locks held, the stack), which engines saw
 * it, filters by rule, severity and file, and the lock-order graph. Every text from the
 * database goes through put_markup. The page's frame (style, filters, graph, script) is
 * report_html_page.c; suppressed findings are kept, marked, and hidden until asked for. */
#include "report_html.h"

#include <stdlib.h>

#include "common/rules.h"
#include "common/source.h"
#include "common/util.h"

enum { SNIPPET_CONTEXT = 2 };   /* lines shown above and below a location's line */

/* The lines around loc's, the line itself marked; a note when the source is not readable
 * (the report runs elsewhere than the project root: see --root). */
static void put_snippet(FILE *out, const struct report_opts *o, const struct location *loc)
{
	size_t len;
	if (!loc->file || loc->line <= 0)
		return;
	int outside;
	char *path = source_inside_root(o->root, loc->file, &outside);
	if (!path || !source_line(NULL, path, loc->line, &len)) {
		fputs(!outside ? "<p class=\"nosrc\">source not available here</p>\n"
		               : "<p class=\"nosrc\">source not shown: not a file inside the project "
		                 "root (--root)</p>\n", out);
		free(path);
		return;
	}
	fputs("<pre class=\"snippet\">", out);
	int first = loc->line > SNIPPET_CONTEXT ? loc->line - SNIPPET_CONTEXT : 1;
	for (int n = first; n <= loc->line + SNIPPET_CONTEXT; n++) {
		const char *text = source_line(NULL, path, n, &len);
		if (!text)
			break;
		char *line = xstrndup(text, len);
		fprintf(out, "<span class=\"%s\"><span class=\"ln\">%d</span>", n == loc->line ? "line hit" : "line", n);
		put_markup(out, line, 0);
		fputs("</span>", out);
		free(line);
	}
	fputs("</pre>\n", out);
	free(path);
}

static void put_place(FILE *out, const char *file, int line, int col)
{
	put_markup(out, file ? file : "<unknown>", 0);
	if (line > 0)
		fprintf(out, ":%d", line);
	if (line > 0 && col > 0)
		fprintf(out, ":%d", col);
}

static void put_stack(FILE *out, const struct location *loc)
{
	if (!loc->nstack)
		return;
	fputs("<ol class=\"stack\" start=\"0\">\n", out);
	for (int i = 0; i < loc->nstack; i++) {
		const struct frame *fr = &loc->stack[i];
		fputs("<li><code>", out);
		put_markup(out, fr->func ? fr->func : "??", 0);
		fputs("</code> <span class=\"file\">", out);
		if (fr->file)
			put_place(out, fr->file, fr->line, 0);
		fputs("</span></li>\n", out);
	}
	fputs("</ol>\n", out);
}

static void put_location(FILE *out, const struct report_opts *o, const struct finding *f,
                         const struct location *loc, int primary)
{
	fprintf(out, "<div class=\"loc %s\">\n<p class=\"where\">", primary ? "primary" : "related");
	put_place(out, loc->file, loc->line, loc->col);
	if (loc->func) {
		fputs(" in <code>", out);
		put_markup(out, loc->func, 0);
		fputs("</code>", out);
	}
	fputs("</p>\n", out);
	/* The primary location's own words only when they add to the headline. */
	if (loc->message && !(primary && str_eq(loc->message, f->message))) {
		fputs("<p class=\"what\">", out);
		put_markup(out, loc->message, 0);
		fputs("</p>\n", out);
	}
	put_snippet(out, o, loc);
	if (loc->thread) {
		fputs("<p class=\"thread\">in ", out);
		put_markup(out, loc->thread, 0);
		fputs("</p>\n", out);
	}
	if (loc->locks) {
		fputs("<p class=\"locks\">locks held: ", out);
		put_markup(out, loc->locks[0] ? loc->locks : "none", 0);
		fputs("</p>\n", out);
	}
	put_stack(out, loc);
	fputs("</div>\n", out);
}

/* Which engines saw it, in how many runs, and its identity. */
static void put_meta(FILE *out, const struct finding *f)
{
	fputs("<p class=\"meta\">seen by <span class=\"engines\">", out);
	put_markup(out, f->engines ? f->engines : f->engine, 0);
	fputs("</span>", out);
	if (f->confirmed)
		fputs(" <span class=\"confirmed\">confirmed</span>", out);
	if (f->times_seen > 0)
		fprintf(out, " · in %d run%s (first run %ld, last run %ld)", f->times_seen,
		        f->times_seen == 1 ? "" : "s", f->first_run, f->last_run);
	if (f->fingerprint) {
		fputs(" · fingerprint <code>", out);
		put_markup(out, f->fingerprint, 0);
		fputs("</code>", out);
	}
	fputs("</p>\n", out);
	char *note = report_watch_note(f);
	if (note) {
		fputs("<p class=\"watch\">", out);
		put_markup(out, note, 0);
		fputs("</p>\n", out);
		free(note);
	}
	if (f->suppressed) {
		fputs("<p class=\"suppressed\">suppressed: ", out);
		put_markup(out, f->suppress_reason ? f->suppress_reason : "by configuration", 0);
		fputs("</p>\n", out);
	}
}

static void put_attr(FILE *out, const char *name, const char *value)
{
	fprintf(out, " %s=\"", name);
	put_markup(out, value, 1);
	fputc('"', out);
}

static void put_finding(FILE *out, const struct report_opts *o, const struct finding *f, int index)
{
	const struct rule_info *ri = rule_find(f->rule);
	fprintf(out, "<article class=\"finding\" id=\"finding-%d\"", index + 1);
	put_attr(out, "data-rule", html_rule(f));
	put_attr(out, "data-severity", html_severity(f));
	put_attr(out, "data-file", html_file(f));
	fprintf(out, " data-suppressed=\"%d\"%s>\n", f->suppressed ? 1 : 0, f->suppressed ? " hidden" : "");
	fputs("<h3><span class=\"sev\">", out);
	put_markup(out, html_severity(f), 0);
	fputs("</span> <span class=\"msg\">", out);
	put_markup(out, f->message, 0);
	fputs("</span> <span class=\"rule\"", out);
	if (ri && ri->short_help)
		put_attr(out, "title", ri->short_help);
	fputs(">[", out);
	put_markup(out, html_rule(f), 0);
	fputs("]</span></h3>\n", out);
	put_meta(out, f);
	for (int i = 0; i < f->nlocs; i++)
		put_location(out, o, f, &f->locs[i], i == 0);
	if (ri && ri->help) {
		fputs("<details class=\"help\"><summary>how to fix</summary><p>", out);
		put_markup(out, ri->help, 0);
		fputs("</p></details>\n", out);
	}
	fputs("</article>\n", out);
}

const char *html_rule(const struct finding *f)
{
	return f->rule ? f->rule : "?";
}

const char *html_severity(const struct finding *f)
{
	return f->severity ? f->severity : "warning";
}

const char *html_file(const struct finding *f)
{
	return f->nlocs && f->locs[0].file ? f->locs[0].file : "<unknown>";
}

int report_html(FILE *out, const struct finding_list *l, const struct report_opts *o)
{
	html_page_start(out, l, o);
	fputs("<section id=\"findings\">\n<h2>Findings</h2>\n", out);
	for (int i = 0; i < l->n; i++)
		put_finding(out, o, &l->items[i], i);
	fputs("<p id=\"none-shown\" hidden>No finding matches the filters.</p>\n</section>\n", out);
	html_page_end(out, o);
	return ferror(out) ? -1 : 0;
}
