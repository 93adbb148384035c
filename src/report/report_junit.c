/* report_junit.c — JUnit XML, so that CI systems list findings as failed tests: one
 * testsuite per rule, one failed testcase per finding (named "file:line rule"), its body the
 * text rendering. Passing testcases are absent; a suppressed finding is a skipped testcase.
 * Any text becomes valid XML 1.0 (put_markup). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* The finding as `tsafe report` shows it, without the text format's summary line. */
static char *text_rendering(const struct finding *f, const struct report_opts *o)
{
	struct finding_list one = {.items = (struct finding *)f, .n = 1, .cap = 1};
	struct report_opts plain = *o;
	plain.color = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return xstrdup(f->message);
	report_text(mem, &one, &plain);
	fclose(mem);
	/* The rendering ends with a blank line, then the summary: cut both. */
	char *cut = strstr(buf, "\n\n");
	for (char *p = cut; p; p = strstr(p + 1, "\n\n"))
		cut = p;
	if (cut)
		cut[1] = '\0';
	return buf;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* By rule (one suite each), then place, so that the same findings always give the same
 * file whichever order the caller had them in. */
static int by_rule(const void *pa, const void *pb)
{
	const struct finding *a = *(const struct finding *const *)pa;
	const struct finding *b = *(const struct finding *const *)pb;
	const struct location *la = a->nlocs ? &a->locs[0] : NULL;
	const struct location *lb = b->nlocs ? &b->locs[0] : NULL;
	int c = strcmp(or_empty(a->rule), or_empty(b->rule));
	if (!c)   /* confirmed first within a rule's suite, as in every format */
		c = (b->confirmed != 0) - (a->confirmed != 0);
	if (!c)
		c = strcmp(or_empty(la ? la->file : NULL), or_empty(lb ? lb->file : NULL));
	if (!c)
		c = (la ? la->line : 0) - (lb ? lb->line : 0);
	if (!c)
		c = strcmp(or_empty(a->fingerprint), or_empty(b->fingerprint));
	return c;
}

static void put_testcase(FILE *out, const struct finding *f, const struct report_opts *o)
{
	const struct location *loc = f->nlocs ? &f->locs[0] : NULL;
	const char *file = loc && loc->file ? loc->file : "<unknown>";
	const char *rule = f->rule ? f->rule : "unknown-rule";
	char *name = loc && loc->line > 0 ? xasprintf("%s:%d %s", file, loc->line, rule)
	                                  : xasprintf("%s %s", file, rule);
	fputs("    <testcase name=\"", out);
	put_markup(out, name, 1);
	fputs("\" classname=\"", out);
	put_markup(out, rule, 1);
	fputs("\" file=\"", out);
	put_markup(out, file, 1);
	if (loc && loc->line > 0)
		fprintf(out, "\" line=\"%d", loc->line);
	fputs("\">\n", out);
	if (f->suppressed) {
		fputs("      <skipped message=\"", out);
		put_markup(out, f->suppress_reason ? f->suppress_reason : "suppressed", 1);
		fputs("\"/>\n", out);
	} else {
		char *body = text_rendering(f, o);
		fputs("      <failure message=\"", out);
		put_markup(out, f->message, 1);
		fputs("\" type=\"", out);
		put_markup(out, f->severity ? f->severity : "warning", 1);
		fputs("\">", out);
		put_markup(out, body, 0);
		fputs("</failure>\n", out);
		free(body);
	}
	fputs("    </testcase>\n", out);
	free(name);
}

/* One suite: the findings sorted[from, to) share a rule. */
static void put_suite(FILE *out, const struct finding **sorted, int from, int to,
                      const struct report_opts *o)
{
	int skipped = 0;
	for (int i = from; i < to; i++)
		skipped += sorted[i]->suppressed != 0;
	fputs("  <testsuite name=\"", out);
	put_markup(out, sorted[from]->rule, 1);
	fprintf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\">\n", to - from,
	        to - from - skipped, skipped);
	for (int i = from; i < to; i++)
		put_testcase(out, sorted[i], o);
	fputs("  </testsuite>\n", out);
}

int report_junit(FILE *out, const struct finding_list *l, const struct report_opts *o)
{
	const struct finding **sorted = xcalloc((size_t)l->n + 1, sizeof *sorted);
	int skipped = 0;
	for (int i = 0; i < l->n; i++) {
		sorted[i] = &l->items[i];
		skipped += l->items[i].suppressed != 0;
	}
	qsort(sorted, (size_t)l->n, sizeof *sorted, by_rule);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"tsafe\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
	        "skipped=\"%d\">\n", l->n, l->n - skipped, skipped);
	for (int i = 0, j; i < l->n; i = j) {
		for (j = i + 1; j < l->n && str_eq(sorted[j]->rule, sorted[i]->rule); j++)
			;
		put_suite(out, sorted, i, j, o);
	}
	fputs("</testsuites>\n", out);
	free(sorted);
	return ferror(out) ? -1 : 0;
}
