/* report_junit.c — JUnit XML, so that CI systems list findings as failed tests: one
 * testsuite per rule, one failed testcase per finding (named "file:line rule"), its body the
 * text rendering. Passing testcases are absent; a suppressed finding is a skipped testcase.
 * Any text becomes valid XML 1.0: escaped, and characters XML cannot carry replaced. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static int utf8_len(const unsigned char *s, size_t n)
{
	int len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
		: s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;
	if (!len || (size_t)len > n)
		return 0;
	for (int i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, UTF-16 surrogates and code points above U+10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

/* U+FFFE and U+FFFF: valid UTF-8, but not XML characters. */
static int nonchar(const unsigned char *s, int len)
{
	return len == 3 && s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xbe;
}

/* Escaped for an attribute value or element content. Newlines and tabs in attributes, and
 * carriage returns anywhere, become character references: a parser would normalise them. */
static void put_escaped(FILE *out, const char *text, int attr)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)s);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		int len = utf8_len(s + i, n - i);
		if (c == '&')
			fputs("&amp;", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '"' && attr)
			fputs("&quot;", out);
		else if (c == '\r' || ((c == '\n' || c == '\t') && attr))
			fprintf(out, "&#%d;", c);
		else if (c == '\n' || c == '\t' || (c >= 0x20 && len && !nonchar(s + i, len)))
			fwrite(s + i, 1, (size_t)len, out);
		else   /* control characters and broken UTF-8: not representable in XML 1.0 */
			fputs("\xef\xbf\xbd", out);
		i += len ? (size_t)len : 1;
	}
}

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
	put_escaped(out, name, 1);
	fputs("\" classname=\"", out);
	put_escaped(out, rule, 1);
	fputs("\" file=\"", out);
	put_escaped(out, file, 1);
	if (loc && loc->line > 0)
		fprintf(out, "\" line=\"%d", loc->line);
	fputs("\">\n", out);
	if (f->suppressed) {
		fputs("      <skipped message=\"", out);
		put_escaped(out, f->suppress_reason ? f->suppress_reason : "suppressed", 1);
		fputs("\"/>\n", out);
	} else {
		char *body = text_rendering(f, o);
		fputs("      <failure message=\"", out);
		put_escaped(out, f->message, 1);
		fputs("\" type=\"", out);
		put_escaped(out, f->severity ? f->severity : "warning", 1);
		fputs("\">", out);
		put_escaped(out, body, 0);
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
	put_escaped(out, sorted[from]->rule, 1);
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
