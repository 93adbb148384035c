/* suppress.c — findings the project chose to keep quiet: an inline comment
 * "tsafe: ignore" followed by bracketed rule ids (comma separated), on a finding's line or
 * the line before, or a "suppress" entry
 * of .tsafe.json. Suppressed findings are kept (reports can show them) but do not count. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "common/config.h"
#include "common/rules.h"
#include "common/source.h"
#include "common/util.h"
#include "suppress.h"

static const char marker[] = "tsafe: ignore[";

/* Does the comment on this line name `rule`? Sets *bad to an unknown id found, if any. */
static int names_rule(const char *line, size_t len, const char *rule, char **bad)
{
	const char *m = line ? memmem(line, len, marker, sizeof marker - 1) : NULL;
	if (!m)
		return 0;
	const char *p = m + sizeof marker - 1, *end = memchr(p, ']', len - (size_t)(p - line));
	if (!end)
		return 0;
	int hit = 0;
	while (p < end) {
		while (p < end && (isspace((unsigned char)*p) || *p == ','))
			p++;
		const char *q = p;
		while (q < end && !isspace((unsigned char)*q) && *q != ',')
			q++;
		if (q > p) {
			char *id = xstrndup(p, (size_t)(q - p));
			if (rule && !strcmp(id, rule))
				hit = 1;
			if (!rule_find(id) && bad && !*bad)
				*bad = xstrdup(id);
			free(id);
		}
		p = q;
	}
	return hit;
}

/* Reads the file once and looks only at the lines with a marker: this runs on every unit
 * of every scan, cached or not. */
int suppress_check_file(const char *path, char **err)
{
	FILE *fp = fopen_regular(path);
	if (!fp)
		return 0;           /* unreadable: the scan reports it */
	struct strbuf sb;
	sb_init(&sb);
	sb_read_stream(&sb, fp);
	fclose(fp);
	const char *text = sb.buf ? sb.buf : "", *end = text + sb.len, *counted = text, *m;
	int line = 1, rc = 0;
	for (const char *p = text; !rc && (m = memmem(p, (size_t)(end - p), marker, sizeof marker - 1)); ) {
		for (; counted < m; counted++)
			line += *counted == '\n';
		const char *eol = memchr(m, '\n', (size_t)(end - m));
		p = eol ? eol : end;
		char *bad = NULL;
		names_rule(m, (size_t)(p - m), NULL, &bad);
		if (bad) {
			*err = xasprintf("%s:%d: unknown rule '%s' in a 'tsafe: ignore' comment (use an id from rules/rules.json, "
			                 "e.g. data-race, lock-order-inversion)", path, line, bad);
			free(bad);
			rc = -1;
		}
	}
	sb_free(&sb);
	return rc;
}

static int inline_suppressed(const struct finding *f, const char *root)
{
	for (int i = 0; i < f->nlocs; i++) {
		const struct location *loc = &f->locs[i];
		/* The finding's line and the one before; a line below 1 (damaged input) has none. */
		for (int before = 0; before < 2 && loc->line - before >= 1; before++) {
			int line = loc->line - before;
			size_t len;
			const char *text = source_line(root, loc->file, line, &len);
			if (names_rule(text, text ? len : 0, f->rule, NULL))
				return 1;
		}
	}
	return 0;
}

static const struct suppress_rule *config_match(const struct finding *f, const struct project_config *c)
{
	for (int i = 0; c && i < c->nsuppress; i++) {
		const struct suppress_rule *r = &c->suppress[i];
		if (strcmp(r->rule, "*") != 0 && strcmp(r->rule, f->rule) != 0)
			continue;
		if (r->file && (!f->nlocs || fnmatch(r->file, f->locs[0].file, 0) != 0))
			continue;
		if (r->symbol && (!f->symbol || fnmatch(r->symbol, f->symbol, 0) != 0))
			continue;
		return r;
	}
	return NULL;
}

void suppress_apply(struct finding_list *l, const char *root, const struct project_config *c)
{
	for (int i = 0; i < l->n; i++) {
		struct finding *f = &l->items[i];
		if (f->suppressed)
			continue;
		const struct suppress_rule *r = config_match(f, c);
		if (r || inline_suppressed(f, root)) {
			f->suppressed = 1;
			free(f->suppress_reason);
			f->suppress_reason = xstrdup(r ? r->reason : "suppressed by an inline 'tsafe: ignore' comment");
		}
	}
}
