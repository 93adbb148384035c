/* report.c — picks the format writer and the shared JSON helpers of the writers. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

int report_format_from_name(const char *name)
{
	if (str_eq(name, "text"))
		return FMT_TEXT;
	if (str_eq(name, "json"))
		return FMT_JSON;
	if (str_eq(name, "sarif"))
		return FMT_SARIF;
	if (str_eq(name, "junit"))
		return FMT_JUNIT;
	if (str_eq(name, "html"))
		return FMT_HTML;
	return -1;
}

/* report_junit.c: JUnit XML, for CI systems that list failed tests. */
int report_junit(FILE *out, const struct finding_list *l, const struct report_opts *o);

int report_write(FILE *out, enum report_format fmt, const struct finding_list *l,
                 const struct report_opts *o)
{
	struct report_opts defaults = {.root = "."};
	if (!o)
		o = &defaults;
	/* Every format shows findings in one order, confirmed ones first (finding_list_sort),
	 * whatever order the caller loaded them in: a shallow copy is sorted, l is untouched. */
	struct finding_list sorted = {.n = l->n, .cap = l->n};
	sorted.items = xcalloc((size_t)l->n + 1, sizeof *sorted.items);
	if (l->n)
		memcpy(sorted.items, l->items, (size_t)l->n * sizeof *l->items);
	finding_list_sort(&sorted);
	l = &sorted;
	int rc;
	switch (fmt) {
	case FMT_TEXT:
		rc = report_text(out, l, o);
		break;
	case FMT_JSON:
		rc = report_json(out, l, o);
		break;
	case FMT_SARIF:
		rc = report_sarif(out, l, o);
		break;
	case FMT_JUNIT:
		rc = report_junit(out, l, o);
		break;
	case FMT_HTML:
		rc = report_html(out, l, o);
		break;
	default:
		rc = -1;
		break;
	}
	free(sorted.items);
	if (rc < 0)
		return rc;
	/* A full disk shows up only at flush time: check it here so callers can exit non-zero. */
	if (fflush(out) != 0 || ferror(out))
		rc = -1;
	return rc;
}

cJSON *split_to_json(const char *list)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = list;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *s = p;
		while (n && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n) {
			char *item = xstrndup(s, n);
			cJSON_AddItemToArray(arr, cJSON_CreateString(item));
			free(item);
		}
		p = end ? end + 1 : NULL;
	}
	return arr;
}

cJSON *engines_to_json(const struct finding *f)
{
	return split_to_json(f->engines ? f->engines : f->engine);
}

char *seen_by_phrase(const struct finding *f)
{
	cJSON *items = engines_to_json(f);
	char *out = NULL;
	if (cJSON_GetArraySize(items) > 1) {
		struct strbuf sb;
		sb_init(&sb);
		const cJSON *it;
		cJSON_ArrayForEach(it, items)
			sb_addf(&sb, "%s%s", sb.len ? ", " : "seen by ", it->valuestring);
		if (f->confirmed)
			sb_addf(&sb, "; confirmed");
		out = sb.buf;
	}
	cJSON_Delete(items);
	return out;
}

void add_str_or_null(cJSON *obj, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(obj, key, s);
	else
		cJSON_AddNullToObject(obj, key);
}

int write_json(FILE *out, cJSON *root, int pretty)
{
	char *s = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!s)
		return -1;
	char *utf8 = utf8_repaired(s);     /* cJSON passes bytes >= 0x80 through as they are */
	cJSON_free(s);
	int rc = fputs(utf8, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
	free(utf8);
	return rc;
}
