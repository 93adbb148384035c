/* baseline.c — building a baseline from findings and writing it as a diff-friendly file.
 * (Reading lives in baseline_read.c, comparing in baseline_compare.c.) */
#include "baseline.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static struct baseline_entry *add_entry(struct baseline *b)
{
	grow_array((void **)&b->items, &b->cap, b->n, sizeof *b->items);
	struct baseline_entry *e = &b->items[b->n++];
	memset(e, 0, sizeof *e);
	return e;
}

void baseline_add_findings(struct baseline *b, const struct finding_list *l)
{
	if (!b->format)
		b->format = BASELINE_FORMAT;
	for (int i = 0; i < l->n; i++) {
		const struct finding *f = &l->items[i];
		if (f->suppressed || !f->fingerprint)
			continue;
		const struct location *loc = f->nlocs ? &f->locs[0] : NULL;
		struct baseline_entry *e = add_entry(b);
		e->fingerprint = xstrdup(f->fingerprint);
		e->rule = xstrdup(f->rule);
		e->file = xstrdup(loc ? loc->file : NULL);
		e->function = xstrdup(loc ? loc->func : NULL);
		e->symbol = xstrdup(f->symbol);
		e->message = xstrdup(f->message);
	}
}

/* NULL sorts first, so entries lacking a field group together. */
static int cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* The order a reviewer reads in: by file, then function; never by line. */
static int cmp_entry(const void *pa, const void *pb)
{
	const struct baseline_entry *a = pa, *b = pb;
	int c;
	if ((c = cmp_str(a->file, b->file)) || (c = cmp_str(a->function, b->function)) ||
	    (c = cmp_str(a->rule, b->rule)) || (c = cmp_str(a->symbol, b->symbol)))
		return c;
	return cmp_str(a->fingerprint, b->fingerprint);
}

/* A JSON string literal (cJSON does the escaping), or null. */
static void add_json_str(struct strbuf *sb, const char *s)
{
	if (!s) {
		sb_add(sb, "null");
		return;
	}
	cJSON *item = cJSON_CreateString(s);
	char *text = cJSON_PrintUnformatted(item);
	sb_add(sb, text ? text : "null");
	cJSON_free(text);
	cJSON_Delete(item);
}

static void add_entry_line(struct strbuf *sb, const struct baseline_entry *e)
{
	static const char *const keys[] = {"fingerprint", "rule", "file", "function", "symbol",
	                                   "message"};
	const char *vals[] = {e->fingerprint, e->rule, e->file, e->function, e->symbol, e->message};
	sb_add(sb, "    {");
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		sb_addf(sb, "%s\"%s\": ", k ? ", " : "", keys[k]);
		add_json_str(sb, vals[k]);
	}
	sb_add(sb, "}");
}

int baseline_write(FILE *out, struct baseline *b)
{
	if (b->n > 1)
		qsort(b->items, (size_t)b->n, sizeof *b->items, cmp_entry);
	struct strbuf sb;
	sb_init(&sb);
	sb_addf(&sb, "{\n  \"tsafe_baseline\": %d,\n  \"tool_version\": ", BASELINE_FORMAT);
	add_json_str(&sb, TSAFE_VERSION);
	sb_add(&sb, ",\n  \"findings\": [");
	for (int i = 0; i < b->n; i++) {
		sb_add(&sb, i ? ",\n" : "\n");
		add_entry_line(&sb, &b->items[i]);
	}
	sb_add(&sb, b->n ? "\n  ]\n}\n" : "]\n}\n");
	int rc = fwrite(sb.buf, 1, sb.len, out) == sb.len && fflush(out) == 0 ? 0 : -1;
	sb_free(&sb);
	return rc;
}

void baseline_free(struct baseline *b)
{
	for (int i = 0; i < b->n; i++) {
		struct baseline_entry *e = &b->items[i];
		free(e->fingerprint);
		free(e->rule);
		free(e->file);
		free(e->function);
		free(e->symbol);
		free(e->message);
	}
	free(b->items);
	free(b->tool_version);
	memset(b, 0, sizeof *b);
}
